/* The element soak (suite 'slow'; a short run in 'element'): FRAMES frames
 * (default 10000) through one anysr element in one pipeline,
 *
 *   appsrc ! [vulkanupload !] anysr ! capsfilter ! [vulkandownload !] appsink
 *
 * with, at random: the caps of the input (the six 8-bit formats, sides 4..24
 * px; as VulkanImage only NV12 / I420 widths gst-vulkan copies right, see
 * docs/element.md#gpu-resident-pipelines-gst-vulkan), the output size (the
 * scale property, or in READY a size fixed by the capsfilter, 1x..3x per
 * axis), the
 * memory on either side (system or VulkanImage, the neighbours relinked in
 * READY), the properties (scale, subnet, decoder, k, depth-target,
 * target-fps, headroom, stats-interval; precision and model-location in
 * NULL) and the state (PLAYING -> PAUSED / READY / NULL -> PLAYING, and
 * flushing seeks), one change every few frames. Subnet 0 on 7 changes in 8
 * (lavapipe is slow).
 *
 *   test-element-soak [FRAMES [SEED]]
 *
 * Checked on every frame: one output buffer comes back with the input's
 * format and the expected size, no error on the bus. After a warm-up (the
 * first tenth of the frames, at least 40, beginning with the largest frame
 * in every format on the largest subnet, every decoder in the first, on the
 * element's own device and on gst-vulkan's, and the bicubic floor, so that
 * the engine's grow-only
 * pools have reached their size), the engine's device memory (the stats
 * property's device-bytes, AsrStats.memory) never exceeds the warm-up's
 * peak, and the
 * resident set does not grow (runs of RSS_MIN_FRAMES or more): its floor,
 * the least resident set seen just after a step to NULL (no engine; the
 * element and the engine hand the free heap back there,
 * docs/design.md#memory-plan), is compared between the two halves of the
 * run after it has settled (the first RSS_SETTLE of the frames) and may
 * rise by at most RSS_GROWTH_KIB_PER_1000 for every 1,000 frames between
 * the halves' starts. A leak raises every later sample, so it raises the
 * floor; the samples themselves come in two levels (about 60 MiB apart on
 * lavapipe) as a Vulkan device is alive at NULL or not, which the least
 * of each half sees past. Printed, not compared: the peak of samples
 * taken every 100 frames while streaming, which swing by tens of MiB with
 * what the driver and GStreamer hold at that moment.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#define MIN_SIDE 4
#define MAX_SIDE 24
#define MAX_SCALE 3
/* the floor of the resident set may grow by this much per 1,000 frames
 * (8 MiB over 9,000 frames; a leak of a frame a change would be several
 * MiB); not checked under AddressSanitizer, whose quarantine holds freed
 * memory */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_GROWTH_KIB_PER_1000 (1024L * 1024 * 1024)
#else
#define RSS_GROWTH_KIB_PER_1000 910L
#endif
/* The share of a run in which the resident set still settles: its floor
 * rises by about 10 MiB from frame 1,000 to 3,000 of a 10,000-frame run
 * (one-time allocations of lavapipe and GStreamer as new formats, sizes
 * and memories come up), then by under 1 MiB over the last 6,000 */
#define RSS_SETTLE 0.4
/* The resident set is checked in runs of at least this many frames: each
 * change of memory makes new gst-vulkan elements (relink()) and may move
 * the engine to another device, and lavapipe's allocations per device take
 * hundreds of frames to settle (a short run checks frames and device
 * memory only) */
#define RSS_MIN_FRAMES 5000
#define PULL_TIMEOUT (60 * GST_SECOND)

static const gchar *const formats[] = { "RGBA", "BGRA", "RGBx", "BGRx",
  "I420", "NV12"
};

static int failures;
#define CHECK(c) do { if (!(c)) { g_printerr ("%s:%d: check failed: %s\n", \
    __FILE__, __LINE__, #c); failures++; } } while (0)

typedef struct
{
  GstElement *pipe, *src, *up, *sr, *filter, *down, *sink;
  GRand *rand;
  /* the current configuration */
  const gchar *format;
  gint in_w, in_h, out_w, out_h;   /* out_w 0: from the scale property */
  gdouble scale;
  gboolean vk_in, vk_out;
  gboolean fp16;                /* precision=fp16: gst-vulkan 1.22's devices
                                 * have no 16-bit storage, so no VulkanImage */
  GstClockTime pts;
  guint frames;                 /* frames pushed */
  guint64 dev_peak;             /* device memory's peak so far */
  guint64 changes[6];           /* caps, props, pause, ready, null, seek */
  /* the resident set after steps to NULL: which part of the run (0: the
   * warm-up, 1 and 2: the halves after it), and per half the least seen
   * and the number of samples */
  guint half;
  glong null_rss_min[2];
  guint null_rss_n[2];
  glong peak_rss[2];            /* per half, sampled every 100 frames */
} Soak;

static glong
rss_kib (void)
{
  glong pages = 0, rss = 0;
  FILE *f = fopen ("/proc/self/statm", "r");

  if (f) {
    if (fscanf (f, "%ld %ld", &pages, &rss) != 2)
      rss = 0;
    fclose (f);
  }
  return rss * (sysconf (_SC_PAGESIZE) / 1024);
}

static guint64
device_bytes (Soak * s)
{
  GstStructure *st = NULL;
  guint64 v = 0;

  g_object_get (s->sr, "stats", &st, NULL);
  if (st) {
    gst_structure_get_uint64 (st, "device-bytes", &v);
    gst_structure_free (st);
  }
  return v;
}

/* Every message on the bus: FALSE on an error (printed). */
static gboolean
drain_bus (Soak * s)
{
  GstBus *bus = gst_element_get_bus (s->pipe);
  GstMessage *m;
  gboolean ok = TRUE;

  while ((m = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
      GError *e = NULL;
      gchar *dbg = NULL;

      gst_message_parse_error (m, &e, &dbg);
      g_printerr ("error from %s: %s (%s)\n", GST_OBJECT_NAME (m->src),
          e->message, GST_STR_NULL (dbg));
      g_error_free (e);
      g_free (dbg);
      ok = FALSE;
    }
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  return ok;
}

static gboolean
set_state (Soak * s, GstState state)
{
  /* PAUSED and PLAYING complete (async) with the next frame; a failure
   * then is an error on the bus */
  GstStateChangeReturn r = gst_element_set_state (s->pipe, state);

  if (r == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("state change to %s failed\n",
        gst_element_state_get_name (state));
    drain_bus (s);
    return FALSE;
  }
  return TRUE;
}

static void
print_pad_caps (GstElement * e, const gchar * pad)
{
  GstPad *p = gst_element_get_static_pad (e, pad);
  GstCaps *c = gst_pad_query_caps (p, NULL);

  GstPad *peer = gst_pad_get_peer (p);
  gchar *str = gst_caps_to_string (c);

  g_printerr ("  %s.%s (peer %s): %s\n", GST_OBJECT_NAME (e), pad,
      peer ? GST_OBJECT_NAME (GST_OBJECT_PARENT (peer)) : "none", str);
  g_free (str);
  gst_clear_object (&peer);
  gst_caps_unref (c);
  gst_object_unref (p);
}

static gboolean
link_pads (GstElement * a, GstElement * b)
{
  if (gst_element_link_pads_full (a, "src", b, "sink",
          GST_PAD_LINK_CHECK_HIERARCHY))
    return TRUE;
  print_pad_caps (a, "src");
  print_pad_caps (b, "sink");
  return FALSE;
}

static GstElement *new_src (void);

/* @e (in the pipeline) replaced by a new one of @factory */
static GstElement *
replace (Soak * s, GstElement * e, const gchar * factory)
{
  GstElement *n = factory ? gst_element_factory_make (factory, NULL) :
      new_src ();

  gst_element_set_state (e, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (s->pipe), e);
  gst_bin_add (GST_BIN (s->pipe), n);
  return n;
}

/* The neighbours for the memory on each side (in READY or NULL), new ones:
 * in READY an appsrc still answers caps queries with the caps of its last
 * stream, which the element would judge its new neighbours by, and
 * gst-vulkan 1.22's vulkanupload keeps the images of its first format
 * (another number of planes: "Could not find suitable uploader", and then
 * a deadlock in its finalize). */
static void
relink (Soak * s)
{
  GstCaps *caps;

  g_object_get (s->src, "caps", &caps, NULL);
  s->src = replace (s, s->src, NULL);
  g_object_set (s->src, "caps", caps, NULL);
  gst_caps_unref (caps);
  s->up = replace (s, s->up, "vulkanupload");
  s->down = replace (s, s->down, "vulkandownload");
  gst_element_unlink (s->filter, s->sink);
  if (s->vk_in) {
    CHECK (link_pads (s->src, s->up));
    CHECK (link_pads (s->up, s->sr));
  } else {
    CHECK (link_pads (s->src, s->sr));
  }
  if (s->vk_out) {
    CHECK (link_pads (s->filter, s->down));
    CHECK (link_pads (s->down, s->sink));
  } else {
    CHECK (link_pads (s->filter, s->sink));
  }
}

/* The caps of the configuration on appsrc and the capsfilter. */
static void
apply_caps (Soak * s)
{
  GstCaps *in = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
      s->format, "width", G_TYPE_INT, s->in_w, "height", G_TYPE_INT, s->in_h,
      "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
  GstCaps *out = gst_caps_new_empty_simple ("video/x-raw");

  if (s->out_w)
    gst_caps_set_simple (out, "width", G_TYPE_INT, s->out_w, "height",
        G_TYPE_INT, s->out_h, NULL);
  if (s->vk_out)
    gst_caps_set_features (out, 0,
        gst_caps_features_new ("memory:VulkanImage", NULL));
  /* downstream first (appsrc sends new caps at once, from its thread);
   * while streaming the capsfilter fixes no size (random_caps()), so that
   * the element, which may renegotiate its old input in between, can
   * serve every combination of old and new */
  g_object_set (s->sr, "scale", s->scale, NULL);
  g_object_set (s->filter, "caps", out, NULL);
  g_object_set (s->src, "caps", in, NULL);
  gst_caps_unref (in);
  gst_caps_unref (out);
}

/* The widths of @format that gst-vulkan 1.22 copies right as VulkanImage
 * are multiples of this (the element refuses the others). */
/* gst-vulkan 1.22's vulkanupload cannot upload NV12 / I420 buffers of
 * plain system memory (appsrc's; videotestsrc's come from its pool):
 * criticals "gst_buffer_peek_memory: assertion 'idx < GST_BUFFER_MEM_LEN
 * (buffer)'", then "Could not find suitable uploader", the same with
 * identity in place of anysr. So VulkanImage in has the formats of one
 * plane; out, every format. */
static guint
n_planes (const gchar * format)
{
  return strcmp (format, "NV12") == 0 ? 2 : strcmp (format, "I420") == 0 ?
      3 : 1;
}

static gint
vk_step (const gchar * format)
{
  return strcmp (format, "NV12") == 0 ? 4 : strcmp (format, "I420") == 0 ?
      8 : 1;
}

/* A random configuration: format, sizes, memory. The memory changes only
 * when @relink_ok (the pipeline in READY or NULL). With VulkanImage on a
 * side nothing changes while streaming: gst-vulkan 1.22's vulkandownload
 * keeps the system-memory pool of its first caps, so a larger frame
 * overflows its buffers (heap corruption; seen here with seed 1) and
 * another number of planes gives criticals, in its own vulkanupload !
 * vulkandownload too. */
static void
random_caps (Soak * s, gboolean relink_ok)
{
  GRand *r = s->rand;
  static const gdouble scales[] = { 1.0, 1.5, 2.0, 2.5, 3.0 };

  if (relink_ok) {
    s->vk_in = !s->fp16 && g_rand_int_range (r, 0, 3) == 0;
    s->vk_out = !s->fp16 && g_rand_int_range (r, 0, 3) == 0;
  }
  do
    s->format = formats[g_rand_int_range (r, 0, G_N_ELEMENTS (formats))];
  while (s->vk_in && n_planes (s->format) != 1);
  s->in_w = g_rand_int_range (r, MIN_SIDE, MAX_SIDE + 1);
  s->in_h = g_rand_int_range (r, MIN_SIDE, MAX_SIDE + 1);
  s->scale = scales[g_rand_int_range (r, 0, G_N_ELEMENTS (scales))];
  if (relink_ok && g_rand_boolean (r)) {
    s->out_w = g_rand_int_range (r, s->in_w, s->in_w * MAX_SCALE + 1);
    s->out_h = g_rand_int_range (r, s->in_h, s->in_h * MAX_SCALE + 1);
  } else {
    s->out_w = s->out_h = 0;
  }
  /* VulkanImage NV12 / I420: widths gst-vulkan copies right on both sides
   * (integer scales keep a multiple of 8 one) */
  if (s->vk_in || s->vk_out) {
    gint step = vk_step (s->format);

    if (step > 1) {
      s->in_w = MAX (step, s->in_w / step * step);
      if (s->out_w)
        s->out_w = MAX (s->in_w, s->out_w / step * step);
      else
        s->scale = (gdouble) g_rand_int_range (r, 1, MAX_SCALE + 1);
    }
  }
}

static void
random_props (Soak * s)
{
  GRand *r = s->rand;
  static const gdouble fps[] = { -2, -1, -1, 0, 30, 1000 };
  static const gdouble ks[] = { -1, -0.5, 0, 1, 10 };
  static const gdouble depths[] = { 0, 0.5, 1 };

  g_object_set (s->sr,
      "subnet", g_rand_int_range (r, 0, 8) ? 0 : g_rand_int_range (r, -1, 4),
      "decoder", g_rand_int_range (r, 0, 3),
      "k", ks[g_rand_int_range (r, 0, G_N_ELEMENTS (ks))],
      "depth-target", depths[g_rand_int_range (r, 0, G_N_ELEMENTS (depths))],
      "target-fps", fps[g_rand_int_range (r, 0, G_N_ELEMENTS (fps))],
      "headroom", g_rand_double_range (r, 0.5, 1.0),
      "stats-interval", g_rand_int_range (r, 0, 4), NULL);
}

/* One frame in, one frame out, checked. */
static gboolean
frame (Soak * s)
{
  GstVideoInfo info;
  GstCaps *caps;
  GstBuffer *buf;
  GstSample *sample;
  GstMapInfo map;
  GstVideoFrame vframe;
  gint ow, oh;
  gboolean ok = TRUE;

  g_object_get (s->src, "caps", &caps, NULL);
  gst_video_info_from_caps (&info, caps);
  gst_caps_unref (caps);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = (guint8) g_rand_int (s->rand);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = s->pts;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  s->pts += GST_SECOND / 30;
  s->frames++;
  if (gst_app_src_push_buffer (GST_APP_SRC (s->src), buf) != GST_FLOW_OK) {
    g_printerr ("push failed\n");
    drain_bus (s);
    return FALSE;
  }

  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (s->sink),
      PULL_TIMEOUT);
  if (!sample) {
    g_printerr ("no output for %s %dx%d%s -> %s%dx%d\n", s->format, s->in_w,
        s->in_h, s->vk_in ? " (VulkanImage)" : "",
        s->vk_out ? "(VulkanImage) " : "", s->out_w, s->out_h);
    drain_bus (s);
    return FALSE;
  }
  ow = s->out_w ? s->out_w : (gint) (s->in_w * s->scale + 0.5);
  oh = s->out_w ? s->out_h : (gint) (s->in_h * s->scale + 0.5);
  gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
  /* (mapping checks the buffer's size against its video meta, or without
   * one against the caps) */
  if (strcmp (GST_VIDEO_INFO_NAME (&info), s->format) != 0 ||
      GST_VIDEO_INFO_WIDTH (&info) != ow || GST_VIDEO_INFO_HEIGHT (&info) != oh
      || !gst_video_frame_map (&vframe, &info, gst_sample_get_buffer (sample),
          GST_MAP_READ)) {
    g_printerr ("%s %dx%d -> expected %dx%d, got %s %dx%d (%zu bytes)\n",
        s->format, s->in_w, s->in_h, ow, oh, GST_VIDEO_INFO_NAME (&info),
        GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info),
        gst_buffer_get_size (gst_sample_get_buffer (sample)));
    ok = FALSE;
  } else {
    gst_video_frame_unmap (&vframe);
  }
  gst_sample_unref (sample);
  s->dev_peak = MAX (s->dev_peak, device_bytes (s));
  return drain_bus (s) && ok;
}

/* A random step away from PLAYING and back (or a flushing seek); the
 * memory and the NULL-only properties change on the way. */
static gboolean
random_state_step (Soak * s)
{
  guint step = g_rand_int_range (s->rand, 0, 8);
  GstState to = step < 3 ? GST_STATE_PAUSED : step < 5 ? GST_STATE_READY :
      step < 6 ? GST_STATE_NULL : GST_STATE_PLAYING;

  if (to == GST_STATE_PLAYING) {
    s->changes[5]++;
    if (!gst_element_seek_simple (s->pipe, GST_FORMAT_TIME,
            GST_SEEK_FLAG_FLUSH, 0)) {
      g_printerr ("flushing seek failed\n");
      return FALSE;
    }
    s->pts = 0;
    return TRUE;
  }
  s->changes[to == GST_STATE_PAUSED ? 2 : to == GST_STATE_READY ? 3 : 4]++;
  if (!set_state (s, to))
    return FALSE;
  if (to == GST_STATE_NULL) {
    static const gchar *const precision[] = { "auto", "fp16", "fp32" };
    GstElement *sr = s->sr;
    guint p = g_rand_int_range (s->rand, 0, 3);

    if (s->half > 0) {
      glong rss = rss_kib ();
      guint h = s->half - 1;

      g_print ("NULL step after frame %u: RSS %ld KiB\n", s->frames, rss);

      if (s->null_rss_n[h]++ == 0 || rss < s->null_rss_min[h])
        s->null_rss_min[h] = rss;
    }

    gst_util_set_object_arg (G_OBJECT (sr), "precision", precision[p]);
    s->fp16 = p == 1;
    g_object_set (sr, "model-location", g_rand_boolean (s->rand) ?
        g_getenv ("ANYSR_TEST_MODEL") : NULL, NULL);
  }
  if (to != GST_STATE_PAUSED) {
    random_caps (s, TRUE);
    apply_caps (s);
    relink (s);
    s->pts = 0;
  }
  return set_state (s, GST_STATE_PLAYING) && drain_bus (s);
}

/* flushing seeks: appsrc's data restart where the test pushes them */
static gboolean
seek_data (GstAppSrc * src, guint64 offset, gpointer user_data)
{
  return TRUE;
}

static GstElement *
new_src (void)
{
  GstAppSrcCallbacks cb = { 0 };
  GstElement *src = gst_element_factory_make ("appsrc", "src");

  g_object_set (src, "format", GST_FORMAT_TIME, "stream-type",
      GST_APP_STREAM_TYPE_SEEKABLE, NULL);
  cb.seek_data = seek_data;
  gst_app_src_set_callbacks (GST_APP_SRC (src), &cb, NULL, NULL);
  return src;
}

static gboolean
soak_setup (Soak * s)
{

  s->pipe = gst_pipeline_new ("soak");
  s->src = new_src ();
  s->up = gst_element_factory_make ("vulkanupload", "up");
  s->sr = gst_element_factory_make ("anysr", "sr");
  s->filter = gst_element_factory_make ("capsfilter", "filter");
  s->down = gst_element_factory_make ("vulkandownload", "down");
  s->sink = gst_element_factory_make ("appsink", "sink");
  if (!s->src || !s->up || !s->sr || !s->filter || !s->down || !s->sink) {
    g_printerr ("missing an element (appsrc, vulkanupload, anysr, "
        "capsfilter, vulkandownload, appsink)\n");
    return FALSE;
  }
  g_object_set (s->sink, "sync", FALSE, "max-buffers", 4, NULL);
  gst_bin_add_many (GST_BIN (s->pipe), s->src, s->up, s->sr, s->filter,
      s->down, s->sink, NULL);
  CHECK (gst_element_link (s->sr, s->filter));
  return TRUE;
}

/* The largest frame on the largest subnet, in fp32, in every format (with
 * every decoder in the first), on the element's own device and on
 * gst-vulkan's (VulkanImage out; in too for the formats of one plane, see
 * n_planes()), each once more at target-fps 1000 (the bicubic floor): 26
 * frames. */
static gboolean
warm_up_largest (Soak * s)
{
  for (guint i = 0; i < 2 * G_N_ELEMENTS (formats); i++) {
    gboolean vk = i >= G_N_ELEMENTS (formats);

    if (!set_state (s, GST_STATE_READY))
      return FALSE;
    gst_util_set_object_arg (G_OBJECT (s->sr), "precision", "fp32");
    s->fp16 = FALSE;
    s->format = formats[i % G_N_ELEMENTS (formats)];
    s->in_w = s->in_h = MAX_SIDE;
    s->out_w = s->out_h = MAX_SIDE * MAX_SCALE;
    s->scale = MAX_SCALE;
    s->vk_in = vk && n_planes (s->format) == 1;
    s->vk_out = vk;
    apply_caps (s);
    relink (s);
    if (!set_state (s, GST_STATE_PLAYING))
      return FALSE;
    for (gint d = 0; d < (i % G_N_ELEMENTS (formats) ? 1 : 3); d++) {
      g_object_set (s->sr, "subnet", 1000, "decoder", d, "target-fps", -1.0,
          "depth-target", 1.0, NULL);
      if (!frame (s))
        return FALSE;
    }
    /* the engine's bicubic floor, which target-fps picks when nothing
     * else fits the budget */
    g_object_set (s->sr, "target-fps", 1000.0, "headroom", 0.5, NULL);
    if (!frame (s))
      return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  Soak s = { 0 };
  guint frames = argc > 1 ? (guint) atoi (argv[1]) : 10000;
  guint32 seed = argc > 2 ? (guint32) strtoul (argv[2], NULL, 0) :
      (guint32) g_get_real_time ();
  guint warm = MAX (frames / 10, 40), n;
  guint settle = (guint) (frames * RSS_SETTLE);
  glong rss_limit = RSS_GROWTH_KIB_PER_1000 * ((frames - settle) / 2) / 1000;
  glong rss_start = 0, rss_warm = 0, rss_end = 0;
  guint64 dev_warm_peak = 0, dev_warm = 0, dev_peak = 0, dev_end = 0;
  gint64 t0;

  gst_init (&argc, &argv);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  if (frames < 100) {
    g_printerr ("usage: test-element-soak [FRAMES (100 or more) [SEED]]\n");
    return 2;
  }
  g_print ("element soak: %u frames, seed %u (test-element-soak %u %u)\n",
      frames, seed, frames, seed);
  s.rand = g_rand_new_with_seed (seed);
  if (!soak_setup (&s))
    return 1;
  t0 = g_get_monotonic_time ();
  rss_start = rss_kib ();
  if (!warm_up_largest (&s)) {
    failures++;
    goto done;
  }
  n = s.frames;
  n = 0;
  dev_warm_peak = s.dev_peak;

  for (; n < frames && failures == 0; n++) {
    guint what = g_rand_int_range (s.rand, 0, 16);

    s.half = n < settle ? 0 : n < settle + (frames - settle) / 2 ? 1 : 2;

    if (n == warm) {
      dev_warm = device_bytes (&s);
      rss_warm = rss_kib ();
      g_print ("after the warm-up (%u frames): RSS %ld KiB, device memory "
          "%" G_GUINT64_FORMAT " bytes (peak %" G_GUINT64_FORMAT ")\n", n,
          rss_warm, dev_warm, dev_warm_peak);
    }
    /* a change every few frames: caps (the memory stays: relinking needs
     * READY; with VulkanImage on a side, caps change only in READY, see
     * random_caps()), properties, or a state step */
    if (what < 2 && !s.vk_in && !s.vk_out) {
      s.changes[0]++;
      random_caps (&s, FALSE);
      apply_caps (&s);
    } else if (what < 5) {
      s.changes[1]++;
      random_props (&s);
    } else if (what < 6 && !random_state_step (&s)) {
      failures++;
      break;
    }
    if (!frame (&s)) {
      g_printerr ("frame %u failed\n", n);
      failures++;
      break;
    }
    {
      guint64 dev = device_bytes (&s);

      if (n < warm) {
        dev_warm_peak = MAX (dev_warm_peak, dev);
      } else {
        dev_peak = MAX (dev_peak, dev);
        if (dev > dev_warm_peak) {
          GstStructure *st = NULL;
          gchar *str;

          g_object_get (s.sr, "stats", &st, NULL);
          str = st ? gst_structure_to_string (st) : NULL;
          g_printerr ("frame %u: device memory %" G_GUINT64_FORMAT " bytes "
              "above the warm-up's peak %" G_GUINT64_FORMAT " (%s %dx%d%s -> "
              "%s%dx%d; %s)\n", n, dev, dev_warm_peak, s.format, s.in_w,
              s.in_h, s.vk_in ? " VulkanImage" : "", s.vk_out ?
              "VulkanImage " : "", s.out_w, s.out_h, GST_STR_NULL (str));
          g_free (str);
          if (st)
            gst_structure_free (st);
          failures++;
        }
      }
    }
    if (n % 100 == 0 && s.half > 0)
      s.peak_rss[s.half - 1] = MAX (s.peak_rss[s.half - 1], rss_kib ());
    if (n % 500 == 0)
      g_print ("frame %u: RSS %ld KiB, device memory %" G_GUINT64_FORMAT
          " bytes, %.1f s\n", n, rss_kib (), device_bytes (&s),
          (g_get_monotonic_time () - t0) / 1e6);
  }
  rss_end = rss_kib ();
  dev_end = device_bytes (&s);
  g_print ("%u frames in %.1f s; changes: caps %" G_GUINT64_FORMAT
      ", properties %" G_GUINT64_FORMAT ", PAUSED %" G_GUINT64_FORMAT
      ", READY %" G_GUINT64_FORMAT ", NULL %" G_GUINT64_FORMAT
      ", flushing seeks %" G_GUINT64_FORMAT "\n", n,
      (g_get_monotonic_time () - t0) / 1e6, s.changes[0], s.changes[1],
      s.changes[2], s.changes[3], s.changes[4], s.changes[5]);
  g_print ("RSS: start %ld KiB, after the warm-up %ld KiB, end %ld KiB\n",
      rss_start, rss_warm, rss_end);
  g_print ("RSS after steps to NULL, from frame %u on: least %ld KiB in the "
      "first half (%u samples), %ld KiB in the second (%u samples); growth "
      "%ld KiB, limit %ld\n", settle, s.null_rss_min[0], s.null_rss_n[0],
      s.null_rss_min[1], s.null_rss_n[1], s.null_rss_min[1] -
      s.null_rss_min[0], rss_limit);
  g_print ("RSS peak while streaming (every 100 frames): %ld KiB in the "
      "first half, %ld KiB in the second; growth %ld KiB\n", s.peak_rss[0],
      s.peak_rss[1], s.peak_rss[1] - s.peak_rss[0]);
  g_print ("device memory: warm-up peak %" G_GUINT64_FORMAT ", after the "
      "warm-up %" G_GUINT64_FORMAT ", peak after it %" G_GUINT64_FORMAT
      ", end %" G_GUINT64_FORMAT " bytes\n", dev_warm_peak, dev_warm, dev_peak,
      dev_end);
  if (failures == 0 && frames >= RSS_MIN_FRAMES) {
    CHECK (s.null_rss_n[0] >= 3 && s.null_rss_n[1] >= 3);
    CHECK (s.null_rss_min[1] - s.null_rss_min[0] < rss_limit);
  }

done:
  set_state (&s, GST_STATE_NULL);
  drain_bus (&s);
  gst_object_unref (s.pipe);
  g_rand_free (s.rand);
  g_print ("%s\n", failures ? "FAILED" : "ok");
  return failures != 0;
}
