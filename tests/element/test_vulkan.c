/* The element with GPU-resident frames (gst-vulkan): vulkanupload ! anysr !
 * vulkandownload equals the system-memory pipeline byte for byte, runs on
 * one VkDevice, and negotiates VulkanImage on one side and system memory on
 * the other, both ways; NV12 / I420 widths that gst-vulkan's own copies
 * shear are not taken as VulkanImage (check_odd_widths()): refused before
 * the first upload, saying why, or system memory where a neighbour allows;
 * a renegotiation to such a width while playing says why too
 * (check_odd_renegotiation()); a renegotiation to larger frames than
 * gst-vulkan 1.22's pools hold is refused (check_growth()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <gst/vulkan/vulkan.h>

#include "gst_vulkan_test.h"

static int failures;
#define CHECK(c) do { if (!(c)) { g_printerr ("%s:%d: check failed: %s\n", \
    __FILE__, __LINE__, #c); failures++; } } while (0)

/* precision=fp32 on both paths: gst-vulkan 1.22 devices have no 16-bit
 * storage enabled, so the engine on them runs fp32 feature maps */
#define SRC "videotestsrc num-buffers=2 pattern=smpte ! " \
  "video/x-raw,format=%s,width=64,height=48 ! "
/* target-fps=-1: the operating point fixed (with adaptation on, a first
 * frame slower than 30 fps on a loaded machine makes the second run a
 * cheaper point, docs/element.md#several-elements-and-devices) */
#define SR "anysr name=sr scale=2 precision=fp32 subnet=0 decoder=light target-fps=-1"

typedef struct
{
  GBytes *frames[4];
  guint n;
  gchar *sr_sink_caps, *sr_src_caps;
  gchar *error;                 /* the first error message, if any */
  GstVulkanDevice *sr_device, *up_device, *down_device;
} Run;

static gchar *
pad_caps (GstElement * e, const gchar * pad)
{
  GstPad *p = gst_element_get_static_pad (e, pad);
  GstCaps *c = gst_pad_get_current_caps (p);
  gchar *s = c ? gst_caps_to_string (c) : g_strdup ("(none)");

  if (c)
    gst_caps_unref (c);
  gst_object_unref (p);
  return s;
}

static gboolean
run (const gchar * desc, Run * r)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  GstElement *sink, *sr, *up, *down;
  GstSample *sample;
  gboolean ok = TRUE;

  memset (r, 0, sizeof (*r));
  if (!pipe || err) {
    /* (a link that fails leaves a pipeline and an error) */
    g_printerr ("%s: %s\n", desc, err->message);
    r->error = g_strdup (err->message);
    g_error_free (err);
    gst_clear_object (&pipe);
    return FALSE;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipe), "out");
  sr = gst_bin_get_by_name (GST_BIN (pipe), "sr");
  up = gst_bin_get_by_name (GST_BIN (pipe), "up");
  down = gst_bin_get_by_name (GST_BIN (pipe), "down");
  /* a refusal before the first buffer fails the state change */
  if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    ok = FALSE;
  while (ok && (sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
              120 * GST_SECOND))) {
    GstBuffer *b = gst_sample_get_buffer (sample);
    GstMapInfo m;

    if (r->n == 0) {
      r->sr_sink_caps = pad_caps (sr, "sink");
      r->sr_src_caps = pad_caps (sr, "src");
      g_object_get (sr, "vulkan-device", &r->sr_device, NULL);
      if (up)
        r->up_device = test_pad_vulkan_device (up, "src");
      if (down)
        r->down_device = test_pad_vulkan_device (down, "sink");
    }
    gst_buffer_map (b, &m, GST_MAP_READ);
    if (r->n < G_N_ELEMENTS (r->frames))
      r->frames[r->n++] = g_bytes_new (m.data, m.size);
    gst_buffer_unmap (b, &m);
    gst_sample_unref (sample);
  }
  {
    GstBus *bus = gst_element_get_bus (pipe);
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (msg) {
      GError *e = NULL;
      gst_message_parse_error (msg, &e, NULL);
      g_printerr ("%s: error: %s\n", desc, e->message);
      r->error = g_strdup (e->message);
      g_error_free (e);
      gst_message_unref (msg);
      ok = FALSE;
    }
    gst_object_unref (bus);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (sr);
  if (up)
    gst_object_unref (up);
  if (down)
    gst_object_unref (down);
  gst_object_unref (pipe);
  return ok && r->n == 2;
}

static void
run_clear (Run * r)
{
  for (guint i = 0; i < r->n; i++)
    g_bytes_unref (r->frames[i]);
  g_free (r->sr_sink_caps);
  g_free (r->sr_src_caps);
  g_free (r->error);
  gst_clear_object (&r->sr_device);
  gst_clear_object (&r->up_device);
  gst_clear_object (&r->down_device);
}

/* @a's frames equal @b's in every pixel of every plane (anysr's output
 * caps give the layout; the padding at the end of a row, as in I420's
 * chroma rows at widths that are not a multiple of 8, is never written and
 * holds whatever the buffer held before, so it is not compared) */
static gboolean
same_frames (const Run * a, const Run * b)
{
  GstCaps *caps;
  GstVideoInfo info;
  gboolean ok;

  if (a->n != b->n || a->n == 0 || !a->sr_src_caps)
    return FALSE;
  caps = gst_caps_from_string (a->sr_src_caps);
  ok = caps && gst_video_info_from_caps (&info, caps);
  gst_clear_caps (&caps);
  if (!ok)
    return FALSE;
  for (guint i = 0; i < a->n; i++) {
    gsize na, nb;
    const guint8 *x = g_bytes_get_data (a->frames[i], &na);
    const guint8 *y = g_bytes_get_data (b->frames[i], &nb);

    if (na != nb || na < GST_VIDEO_INFO_SIZE (&info))
      return FALSE;
    for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES (&info); p++) {
      /* the formats here have one component per plane, or (NV12's second
       * plane) components interleaved in it: component p's size is the
       * plane's */
      gsize row = (gsize) GST_VIDEO_INFO_COMP_WIDTH (&info, p) *
          GST_VIDEO_INFO_COMP_PSTRIDE (&info, p);
      gsize off = GST_VIDEO_INFO_PLANE_OFFSET (&info, p);
      gsize stride = GST_VIDEO_INFO_PLANE_STRIDE (&info, p);

      for (gint r = 0; r < GST_VIDEO_INFO_COMP_HEIGHT (&info, p); r++)
        if (memcmp (x + off + r * stride, y + off + r * stride, row) != 0)
          return FALSE;
    }
  }
  return TRUE;
}

#define VKIMG "memory:VulkanImage"

static void
check_format (const gchar * fmt)
{
  gchar *d;
  Run sys, vk, in_vk, out_vk;

  g_print ("format %s\n", fmt);
  d = g_strdup_printf (SRC SR " ! appsink name=out sync=false", fmt);
  CHECK (run (d, &sys));
  g_free (d);
  CHECK (sys.sr_device == NULL);        /* no Vulkan neighbour: its own */
  CHECK (!strstr (sys.sr_sink_caps, VKIMG) && !strstr (sys.sr_src_caps, VKIMG));

  /* GPU-resident: both pads VulkanImage, one VkDevice */
  d = g_strdup_printf (SRC "vulkanupload name=up ! " SR " ! "
      "vulkandownload name=down ! appsink name=out sync=false", fmt);
  CHECK (run (d, &vk));
  g_free (d);
  g_print ("  sink %s\n  src %s\n", vk.sr_sink_caps, vk.sr_src_caps);
  CHECK (strstr (vk.sr_sink_caps, VKIMG) && strstr (vk.sr_src_caps, VKIMG));
  CHECK (vk.sr_device != NULL);
  CHECK (vk.sr_device == vk.up_device && vk.sr_device == vk.down_device);
  CHECK (vk.sr_device && vk.up_device &&
      vk.sr_device->device == vk.up_device->device);
  CHECK (same_frames (&sys, &vk));

  /* VulkanImage in, system memory out: nothing Vulkan downstream, so
   * vulkanupload gets its device only after anysr went to PAUSED; anysr
   * asks its peers at negotiation and moves its engine to that device */
  d = g_strdup_printf (SRC "vulkanupload name=up ! " SR " ! video/x-raw ! "
      "appsink name=out sync=false", fmt);
  CHECK (run (d, &in_vk));
  g_free (d);
  g_print ("  in_vk sink %s\n  in_vk src %s\n", in_vk.sr_sink_caps,
      in_vk.sr_src_caps);
  CHECK (in_vk.sr_sink_caps && strstr (in_vk.sr_sink_caps, VKIMG) &&
      !strstr (in_vk.sr_src_caps, VKIMG));
  CHECK (in_vk.sr_device != NULL && in_vk.sr_device == in_vk.up_device);
  CHECK (same_frames (&sys, &in_vk));
  /* system memory in, VulkanImage out */
  d = g_strdup_printf (SRC SR " ! video/x-raw(" VKIMG ") ! "
      "vulkandownload name=down ! appsink name=out sync=false", fmt);
  CHECK (run (d, &out_vk));
  g_free (d);
  CHECK (!strstr (out_vk.sr_sink_caps, VKIMG) && strstr (out_vk.sr_src_caps, VKIMG));
  CHECK (out_vk.sr_device != NULL && out_vk.sr_device == out_vk.down_device);
  CHECK (same_frames (&sys, &out_vk));

  run_clear (&sys);
  run_clear (&vk);
  run_clear (&in_vk);
  run_clear (&out_vk);
}

/* Whether the vulkan plugin is @major.@minor.@micro or later */
static gboolean
vulkan_at_least (guint want_major, guint want_minor, guint want_micro)
{
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "vulkan");
  guint major = 0, minor = 0, micro = 0;

  if (plugin) {
    sscanf (gst_plugin_get_version (plugin), "%u.%u.%u", &major, &minor,
        &micro);
    gst_object_unref (plugin);
  }
  return major > want_major || (major == want_major && (minor > want_minor ||
          (minor == want_minor && micro >= want_micro)));
}

/* whether its copies between system memory and VulkanImage honour the
 * stride (1.28.3 on) */
static gboolean
vulkan_copies_fixed (void)
{
  return vulkan_at_least (1, 28, 3);
}

/* a still zone plate: detail in every row, so that a sheared copy changes
 * bytes, and the same picture in every frame, so that gst-vulkan 1.22's
 * vulkanupload, which lets go of the buffer it copies from before the copy
 * has run (docs/element.md#several-elements-and-devices), cannot change the
 * frames */
#define ODD_SRC "videotestsrc num-buffers=2 pattern=zone-plate kx2=20 " \
  "ky2=20 kt=0 ! video/x-raw,format=%s,width=%d,height=10 ! "
#define ODD_SR "anysr name=sr scale=%g precision=fp32 subnet=0 decoder=light target-fps=-1"

/* A refusal of @fmt at @w x @h as VulkanImage on anysr's @pad: no frame,
 * the message names the size, the pad, the cause and the version. */
static void
check_refused (const Run * r, const gchar * fmt, gint w, gint h,
    const gchar * pad)
{
  gchar *size = g_strdup_printf ("%s %dx%d", fmt, w, h);
  gchar *on = g_strdup_printf ("on its %s pad", pad);

  CHECK (r->n == 0);
  CHECK (r->error && strstr (r->error, "does not take") &&
      strstr (r->error, size) && strstr (r->error, on) &&
      strstr (r->error, "before 1.28.3") && strstr (r->error, "(here 1."));
  g_free (size);
  g_free (on);
}

/* NV12 / I420 widths whose plane rows are not a multiple of 4 bytes:
 * gst-vulkan before 1.28.3 shears them in vulkanupload and vulkandownload
 * (its own vulkanupload ! vulkandownload round trip is wrong), so anysr
 * does not take them as VulkanImage: refused before the first upload with
 * an error that says so where the neighbours leave no other choice, system
 * memory where they do. From 1.28.3 the VulkanImage path must equal the
 * system-memory path; the widths beside them (rows of whole 4-byte words)
 * must equal it on every version. */
static void
check_odd_widths (const gchar * fmt, const gint * widths, guint n_widths,
    gint good_width)
{
  gboolean fixed = vulkan_copies_fixed ();
  gint half = strcmp (fmt, "NV12") == 0 ? 9 : 10;

  /* the sink pad: VulkanImage from vulkanupload */
  for (guint i = 0; i <= n_widths; i++) {
    gint w = i < n_widths ? widths[i] : good_width;
    gboolean odd = i < n_widths;
    gchar *src = g_strdup_printf (ODD_SRC, fmt, w);
    gchar *sr = g_strdup_printf (ODD_SR, 2.0);
    gchar *d;
    Run sys, vk;

    g_print ("format %s width %d (%s)\n", fmt, w, odd ? "odd" : "whole words");
    d = g_strdup_printf ("%s%s ! appsink name=out sync=false", src, sr);
    CHECK (run (d, &sys));
    g_free (d);
    d = g_strdup_printf ("%svulkanupload name=up ! %s ! "
        "vulkandownload name=down ! appsink name=out sync=false", src, sr);
    if (odd && !fixed) {
      CHECK (!run (d, &vk));
      check_refused (&vk, fmt, w, 10, "sink");
    } else {
      CHECK (run (d, &vk));
      CHECK (same_frames (&sys, &vk));
    }
    g_free (d);
    g_free (src);
    g_free (sr);
    run_clear (&sys);
    run_clear (&vk);
  }

  /* the src pad: system memory in, VulkanImage out at twice an odd width
   * (NV12 9 -> 18, I420 10 -> 20), then VulkanImage in at a good width and
   * out at 1.5 times it (NV12 20 -> 30, I420 24 -> 36) with vulkandownload
   * (refused) and with a neighbour that takes either memory (system) */
  for (guint i = 0; i < 3; i++) {
    gint w = i == 0 ? half : good_width;
    gdouble scale = i == 0 ? 2.0 : 1.5;
    gchar *src = g_strdup_printf (ODD_SRC, fmt, w);
    gchar *sr = g_strdup_printf (ODD_SR, scale);
    const gchar *up = i == 0 ? "" : "vulkanupload name=up ! ";
    const gchar *down = i < 2 ?
        "video/x-raw(" VKIMG ") ! vulkandownload name=down" :
        "capsfilter caps=\"video/x-raw(" VKIMG "); video/x-raw\"";
    gint ow = (gint) (w * scale + 0.5), oh = (gint) (10 * scale + 0.5);
    gchar *d;
    Run sys, vk;

    g_print ("format %s width %d -> %d: %s%s\n", fmt, w, ow, up, down);
    d = g_strdup_printf ("%s%s ! appsink name=out sync=false", src, sr);
    CHECK (run (d, &sys));
    g_free (d);
    d = g_strdup_printf ("%s%s%s ! %s ! appsink name=out sync=false", src, up,
        sr, down);
    if (!fixed && i < 2) {
      CHECK (!run (d, &vk));
      check_refused (&vk, fmt, ow, oh, "src");
    } else {
      CHECK (run (d, &vk));
      CHECK (same_frames (&sys, &vk));
      if (!fixed)
        CHECK (vk.sr_src_caps && !strstr (vk.sr_src_caps, VKIMG));
    }
    g_free (d);
    g_free (src);
    g_free (sr);
    run_clear (&sys);
    run_clear (&vk);
  }

  /* what the sink pad offers and accepts: at an odd width system memory
   * only, at a good width VulkanImage first */
  {
    GstElement *sr = gst_element_factory_make ("anysr", NULL);
    GstPad *pad = gst_element_get_static_pad (sr, "sink");

    for (guint i = 0; i < 2; i++) {
      gint w = i == 0 ? widths[0] : good_width;
      gchar *str = g_strdup_printf ("video/x-raw(" VKIMG "),format=%s,"
          "width=%d,height=10; video/x-raw,format=%s,width=%d,height=10",
          fmt, w, fmt, w);
      GstCaps *filter = gst_caps_from_string (str);
      GstCaps *offered = gst_pad_query_caps (pad, filter);
      GstCaps *vk = gst_caps_copy_nth (filter, 0);
      gboolean vk_offered = gst_caps_can_intersect (offered, vk);
      gchar *o = gst_caps_to_string (offered);

      g_print ("sink pad offers for %s width %d: %s\n", fmt, w, o);
      CHECK (gst_caps_get_size (offered) >= 1);
      CHECK (vk_offered == (fixed || i == 1));
      CHECK (gst_pad_query_accept_caps (pad, vk) == (fixed || i == 1));
      g_free (o);
      g_free (str);
      gst_caps_unref (vk);
      gst_caps_unref (offered);
      gst_caps_unref (filter);
    }
    gst_object_unref (pad);
    gst_object_unref (sr);
  }
}

/* Renegotiation while playing: after the third frame the capsfilter "cf"
 * after the source asks for @to_caps. Returns the number of frames that
 * left the capsfilter before the change (counted there, in the source's
 * thread, so that a queue further down does not change the count) and the
 * first warning and error messages with their sources (newly allocated
 * "source: message", NULL where none); an error stops the run, EOS ends
 * it. */
typedef struct
{
  GstElement *cf;
  GstCaps *to;
  guint frames;
} Reneg;

static GstPadProbeReturn
reneg_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Reneg *r = data;

  if (++r->frames == 3)
    g_object_set (r->cf, "caps", r->to, NULL);
  return GST_PAD_PROBE_OK;
}

static guint
run_renegotiation (const gchar * desc, const gchar * to_caps,
    gchar ** warning, gchar ** error)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  Reneg r = { gst_bin_get_by_name (GST_BIN (pipe), "cf"),
    gst_caps_from_string (to_caps), 0
  };
  GstPad *pad = gst_element_get_static_pad (r.cf, "src");
  GstMessage *msg;

  *warning = *error = NULL;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, reneg_probe, &r, NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    GError *e = NULL;

    if (type == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &e, NULL);
    else if (type == GST_MESSAGE_WARNING)
      gst_message_parse_warning (msg, &e, NULL);
    if (e && type == GST_MESSAGE_ERROR && !*error)
      *error = g_strdup_printf ("%s: %s", GST_OBJECT_NAME (msg->src),
          e->message);
    if (e && type == GST_MESSAGE_WARNING && !*warning)
      *warning = g_strdup_printf ("%s: %s", GST_OBJECT_NAME (msg->src),
          e->message);
    g_clear_error (&e);
    gst_message_unref (msg);
    if (type != GST_MESSAGE_WARNING)
      break;
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (r.cf);
  gst_caps_unref (r.to);
  gst_object_unref (pipe);
  return r.frames;
}

#define RENEG_SRC "videotestsrc num-buffers=8 ! capsfilter name=cf " \
  "caps=video/x-raw,format=%s,width=%d,height=10 ! "

/* A renegotiation while playing to a width gst-vulkan shears: on the sink
 * pad (vulkanupload upstream) anysr's warning names the cause before
 * upstream's not-negotiated error; on the src pad (vulkandownload
 * downstream) anysr's error does. To a whole-word width the stream goes
 * on to its end. The streams start wider and renegotiate to narrower
 * frames: vulkandownload 1.22 keeps the buffer pool of its first caps, so
 * a wider frame after a renegotiation overflows its buffers
 * (docs/element.md#limits). */
static void
check_odd_renegotiation (const gchar * fmt, gint odd_width, gint good_width)
{
  gchar *d, *to, *warning, *error, *size;
  guint frames;

  if (vulkan_copies_fixed ())
    return;
  /* the sink pad: to odd_width */
  d = g_strdup_printf (RENEG_SRC "vulkanupload ! " SR " ! vulkandownload ! "
      "fakesink name=out", fmt, good_width + 8);
  to = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=10", fmt,
      odd_width);
  frames = run_renegotiation (d, to, &warning, &error);
  size = g_strdup_printf ("%s %dx10", fmt, odd_width);
  g_print ("renegotiation to %s on the sink pad: %u frames, warning %s, "
      "error %s\n", size, frames, warning, error);
  CHECK (frames == 3);
  CHECK (warning && g_str_has_prefix (warning, "sr: ") &&
      strstr (warning, "does not take") && strstr (warning, size) &&
      strstr (warning, "on its sink pad") && strstr (warning, "before 1.28.3"));
  CHECK (error != NULL);
  g_free (warning);
  g_free (error);
  g_free (size);
  g_free (to);

  /* to a whole-word width: every frame */
  to = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=10", fmt,
      good_width);
  frames = run_renegotiation (d, to, &warning, &error);
  g_print ("renegotiation to width %d: %u frames, warning %s, error %s\n",
      good_width, frames, warning, error);
  CHECK (frames == 8 && !warning && !error);
  g_free (warning);
  g_free (error);
  g_free (to);
  g_free (d);

  /* the src pad: system memory in, VulkanImage out at twice half the odd
   * width */
  d = g_strdup_printf (RENEG_SRC SR " ! video/x-raw(" VKIMG ") ! "
      "vulkandownload ! fakesink name=out", fmt, good_width / 2);
  to = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=10", fmt,
      odd_width / 2);
  frames = run_renegotiation (d, to, &warning, &error);
  size = g_strdup_printf ("%s %dx20", fmt, odd_width / 2 * 2);
  g_print ("renegotiation to %s on the src pad: %u frames, warning %s, "
      "error %s\n", size, frames, warning, error);
  CHECK (frames == 3);
  CHECK (error && g_str_has_prefix (error, "sr: ") &&
      strstr (error, "does not take") && strstr (error, size) &&
      strstr (error, "on its src pad"));
  g_free (warning);
  g_free (error);
  g_free (size);
  g_free (to);
  g_free (d);
}

/* gst-vulkan before 1.24 keeps the buffer pool of an element's first caps
 * (docs/element.md#gpu-resident-pipelines-gst-vulkan): a renegotiation
 * while playing to larger frames is refused before it overflows them, on
 * the sink pad (vulkanupload: anysr's warning, then upstream's
 * not-negotiated) and on the src pad (vulkandownload, past a queue:
 * anysr's error); to smaller frames the stream plays to its end. */
static void
check_growth (void)
{
  gchar *d, *warning, *error;
  guint frames;

  if (vulkan_at_least (1, 24, 0))
    return;
  d = g_strdup_printf (RENEG_SRC "vulkanupload ! " SR " ! vulkandownload ! "
      "fakesink name=out", "RGBA", 16);
  frames = run_renegotiation (d, "video/x-raw,format=RGBA,width=24,height=10",
      &warning, &error);
  g_print ("growth 16 -> 24 after vulkanupload: %u frames, warning %s, "
      "error %s\n", frames, warning, error);
  CHECK (frames == 3);
  CHECK (warning && g_str_has_prefix (warning, "sr: ") &&
      strstr (warning, "does not take from vulkanupload") &&
      strstr (warning, "RGBA 24x10") && strstr (warning, "first 16x10") &&
      strstr (warning, "before 1.24"));
  CHECK (error != NULL);
  g_free (warning);
  g_free (error);
  frames = run_renegotiation (d, "video/x-raw,format=RGBA,width=12,height=10",
      &warning, &error);
  g_print ("16 -> 12 after vulkanupload: %u frames, warning %s, error %s\n",
      frames, warning, error);
  CHECK (frames == 8 && !warning && !error);
  g_free (warning);
  g_free (error);
  g_free (d);

  d = g_strdup_printf (RENEG_SRC SR " ! video/x-raw(" VKIMG ") ! queue ! "
      "vulkandownload ! fakesink name=out", "RGBA", 16);
  frames = run_renegotiation (d, "video/x-raw,format=RGBA,width=24,height=10",
      &warning, &error);
  g_print ("growth 32 -> 48 into vulkandownload: %u frames, warning %s, "
      "error %s\n", frames, warning, error);
  CHECK (frames == 3);
  CHECK (error && g_str_has_prefix (error, "sr: ") &&
      strstr (error, "does not hand vulkandownload") &&
      strstr (error, "RGBA 48x20") && strstr (error, "first 32x20"));
  g_free (warning);
  g_free (error);
  g_free (d);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  if (argc > 1) {
    for (int i = 1; i < argc; i++)
      check_format (argv[i]);
  } else {
    check_format ("RGBA");
  }
  check_growth ();
  /* with the YUV formats: the widths gst-vulkan's copies shear */
  for (int i = 1; i < argc; i++) {
    static const gint nv12[] = { 18, 22, 26, 34, 9 };
    static const gint i420[] = { 20, 22, 26, 28, 12 };

    if (strcmp (argv[i], "NV12") == 0) {
      check_odd_widths ("NV12", nv12, G_N_ELEMENTS (nv12), 20);
      check_odd_renegotiation ("NV12", 18, 20);
    } else if (strcmp (argv[i], "I420") == 0) {
      check_odd_widths ("I420", i420, G_N_ELEMENTS (i420), 24);
      check_odd_renegotiation ("I420", 20, 24);
    }
  }
  return failures != 0;
}
