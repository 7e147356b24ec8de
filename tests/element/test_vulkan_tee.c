/* Several anysr elements in one process, on shared or separate devices
 * (docs/element.md#several-elements-and-devices), each output checked byte
 * for byte against the system-memory pipeline of one element at the same
 * scale:
 *
 *   test-vulkan-tee tee BRANCHES RUNS vk|sys
 *     one vulkanupload (vk) or one source (sys) feeding a tee whose
 *     branches each run a queue, an anysr (scales 2, 3, 4) and, for vk, a
 *     vulkandownload: the pipeline of that section, RUNS times. vk: every
 *     anysr on vulkanupload's device.
 *   test-vulkan-tee chain vk|sys
 *     two anysr in a row (scale 2, then 3/2), equal to the system-memory
 *     chain, and with vk both on vulkanupload's device.
 *   test-vulkan-tee two
 *     two pipelines playing at once in one process: two VulkanImage
 *     pipelines on separate devices, then the second given the first's
 *     device (GstContext) and running on it, then a VulkanImage pipeline
 *     beside a system-memory one.
 *   test-vulkan-tee cycles RUNS
 *     one VulkanImage pipeline (vulkanupload ! anysr ! vulkandownload)
 *     made once and played to its end RUNS times, through NULL in between:
 *     anysr offers vulkanupload the device of the stream before (whose
 *     images vulkanupload 1.22 keeps making).
 *   test-vulkan-tee foreign
 *     VulkanImage frames of one vulkanupload's device pushed (appsrc) into
 *     an anysr on another device (its vulkandownload's): an error naming
 *     both devices, nothing submitted.
 *   test-vulkan-tee moves RUNS
 *     a thread reading device-name, vulkan-device and stats in a loop
 *     while the engine moves to vulkanupload's device (it opens on a
 *     device of its own: nothing Vulkan downstream): once the engine is
 *     open, the readers never see it missing.
 *
 * target-fps=-1: every frame on the top operating point, so that the
 * outputs do not depend on timing (with adaptation on, a first frame slower
 * than the caps' 30 fps makes the second run a cheaper point, whatever the
 * memory it came in).
 *
 * pattern=colors: every frame the same picture. vulkanupload of gst-vulkan
 * 1.22 lets go of the buffer it copies from (upstream's, from the pool it
 * proposed) when it submits the copy into the image, before the device ran
 * it; with a queue after vulkanupload the source writes the next frame into
 * that buffer at once, so an image can hold the next frame's bytes:
 * `vulkanupload ! tee ! queue ! vulkandownload` alone shows it with
 * pattern=smpte, whose corner of noise differs between frames. Frames that
 * all have the same bytes are immune, and the checks stay about anysr.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/vulkan/vulkan.h>

#include "gst_vulkan_test.h"

static int failures;
#define CHECK(c) do { if (!(c)) { g_printerr ("%s:%d: check failed: %s\n", \
    __FILE__, __LINE__, #c); g_atomic_int_inc (&failures); } } while (0)

#define MAX_BRANCHES 3
#define N_FRAMES 2
#ifndef PATTERN
#define PATTERN "colors"
#endif
#define SRC "videotestsrc num-buffers=2 pattern=" PATTERN " ! " \
  "video/x-raw,format=RGBA,width=32,height=24 ! "
/* precision=fp32: gst-vulkan 1.22 devices have no 16-bit storage enabled */
#define SR "anysr scale=%g precision=fp32 subnet=0 decoder=light " \
  "target-fps=-1 qos=false"
#define DOWN "vulkandownload ! video/x-raw ! "
#define SINK "appsink name=out%u sync=false async=false"

typedef struct
{
  GBytes *frames[N_FRAMES];
  guint n;
} Frames;

static void
frames_clear (Frames * f)
{
  for (guint i = 0; i < f->n; i++)
    g_bytes_unref (f->frames[i]);
  f->n = 0;
}

/* Pull every frame of appsink @name into @f */
static void
pull (GstElement * pipe, const gchar * name, Frames * f)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), name);
  GstSample *sample;

  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo m;
    GstBuffer *b = gst_sample_get_buffer (sample);

    gst_buffer_map (b, &m, GST_MAP_READ);
    if (f->n < G_N_ELEMENTS (f->frames))
      f->frames[f->n++] = g_bytes_new (m.data, m.size);
    gst_buffer_unmap (b, &m);
    gst_sample_unref (sample);
  }
  gst_object_unref (sink);
}

static GstVulkanDevice *
sr_device (GstElement * pipe, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);
  GstVulkanDevice *d = NULL;

  if (e) {
    g_object_get (e, "vulkan-device", &d, NULL);
    gst_object_unref (e);
  }
  return d;
}

static GstVulkanDevice *
src_device (GstElement * pipe, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);
  GstVulkanDevice *d = e ? test_pad_vulkan_device (e, "src") : NULL;

  gst_clear_object (&e);
  return d;
}

static GstElement *
parse (const gchar * desc)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);

  if (!pipe) {
    g_printerr ("%s: %s\n", desc, err->message);
    g_error_free (err);
  }
  return pipe;
}

/* FALSE (printed) when @pipe posted an error */
static gboolean
no_error (GstElement * pipe)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gboolean ok = msg == NULL;

  if (msg) {
    GError *e = NULL;
    gst_message_parse_error (msg, &e, NULL);
    g_printerr ("error from %s: %s\n", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
        e->message);
    g_error_free (e);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return ok;
}

/* Every anysr named sr0 .. sr{n-1} in @pipe runs on the device of the
 * element named "up" (vulkanupload); that device (a reference) */
static GstVulkanDevice *
check_devices (GstElement * pipe, guint n)
{
  GstVulkanDevice *up = src_device (pipe, "up");

  CHECK (up != NULL);
  for (guint i = 0; i < n; i++) {
    gchar name[16];
    g_snprintf (name, sizeof (name), "sr%u", i);
    GstVulkanDevice *d = sr_device (pipe, name);
    if (d != up)
      g_printerr ("%s runs on %p, vulkanupload's device is %p\n", name,
          (void *) d, (void *) up);
    CHECK (up && d == up);
    gst_clear_object (&d);
  }
  return up;
}

/* Run @desc to its end (appsinks out0 .. out{n-1}); anysr sr0 ..
 * sr{n_vk-1} on vulkanupload's device. FALSE on an error message. */
static gboolean
run (const gchar * desc, guint n, Frames * out, guint n_vk)
{
  GstElement *pipe = parse (desc);
  gboolean ok;

  if (!pipe)
    return FALSE;
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (guint i = 0; i < n; i++) {
    gchar name[16];
    g_snprintf (name, sizeof (name), "out%u", i);
    pull (pipe, name, &out[i]);
  }
  if (n_vk) {
    GstVulkanDevice *up = check_devices (pipe, n_vk);
    gst_clear_object (&up);
  }
  ok = no_error (pipe);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  return ok;
}

/* @got equals @want frame for frame (the differences printed) */
static gboolean
same_frames (const gchar * what, const Frames * got, const Frames * want)
{
  gboolean same = got->n == want->n && want->n == N_FRAMES;

  if (got->n != want->n || want->n != N_FRAMES)
    g_printerr ("%s: %u frames, the reference %u\n", what, got->n, want->n);
  for (guint i = 0; i < got->n && i < want->n; i++) {
    gsize n, m, diff = 0, first = 0;
    const guint8 *x = g_bytes_get_data (got->frames[i], &n);
    const guint8 *y = g_bytes_get_data (want->frames[i], &m);
    guint maxd = 0;

    if (n != m) {
      g_printerr ("%s: frame %u has %zu bytes, the reference %zu\n", what, i,
          n, m);
      same = FALSE;
      continue;
    }
    for (gsize k = 0; k < n; k++)
      if (x[k] != y[k]) {
        if (!diff++)
          first = k;
        maxd = MAX (maxd, (guint) ABS ((int) x[k] - (int) y[k]));
      }
    if (diff) {
      g_printerr ("%s: frame %u: %zu of %zu bytes differ (first at %zu), "
          "max %u\n", what, i, diff, n, first, maxd);
      same = FALSE;
    }
  }
  return same;
}

static const gdouble scales[MAX_BRANCHES] = { 2, 3, 4 };
/* the references: system memory, one element per pipeline, at scales[i] */
static Frames want[MAX_BRANCHES];

static void
references (guint n)
{
  for (guint b = 0; b < n; b++) {
    gchar *d = g_strdup_printf (SRC SR " ! " SINK, scales[b], 0u);
    CHECK (run (d, 1, &want[b], 0));
    CHECK (want[b].n == N_FRAMES);
    g_free (d);
  }
}

static void
test_tee (guint branches, guint runs, gboolean vk)
{
  GString *desc = g_string_new (SRC);

  references (branches);
  g_string_append (desc, vk ? "vulkanupload name=up ! tee name=t" :
      "tee name=t");
  for (guint b = 0; b < branches; b++) {
    g_string_append_printf (desc, " t. ! queue ! " SR " name=sr%u ! %s" SINK,
        scales[b], b, vk ? DOWN : "", b);
  }
  g_print ("%s\n", desc->str);
  for (guint r = 0; r < runs; r++) {
    Frames got[MAX_BRANCHES] = { 0 };
    guint exact = 0;

    CHECK (run (desc->str, branches, got, vk ? branches : 0));
    for (guint b = 0; b < branches; b++) {
      gchar *what = g_strdup_printf ("run %u branch %u (scale %g)", r, b,
          scales[b]);
      if (same_frames (what, &got[b], &want[b]))
        exact++;
      else
        CHECK (!"the branch's frames equal the system-memory pipeline's");
      g_free (what);
      frames_clear (&got[b]);
    }
    g_print ("run %u: %u of %u branches byte-exact\n", r, exact, branches);
  }
  g_string_free (desc, TRUE);
}

static void
test_chain (gboolean vk)
{
  Frames ref = { 0 }, got = { 0 };
  gchar *d;

  /* the reference: the system-memory chain */
  d = g_strdup_printf (SRC SR " ! " SR " ! " SINK, 2.0, 1.5, 0u);
  CHECK (run (d, 1, &ref, 0));
  g_free (d);
  CHECK (ref.n == N_FRAMES);
  if (ref.n)
    CHECK (g_bytes_get_size (ref.frames[0]) == 96 * 72 * 4);
  if (vk) {
    d = g_strdup_printf (SRC "vulkanupload name=up ! " SR " name=sr0 ! " SR
        " name=sr1 ! " DOWN SINK, 2.0, 1.5, 0u);
    g_print ("%s\n", d);
    CHECK (run (d, 1, &got, 2));
    g_free (d);
    CHECK (same_frames ("chain", &got, &ref));
  } else {
    /* a tee after the first element: its output is the one element's at
     * scale 2, and the second's the chain's */
    Frames two[2];

    memset (two, 0, sizeof (two));

    references (1);
    d = g_strdup_printf (SRC SR " name=sr0 ! tee name=t t. ! queue ! " SINK
        " t. ! queue ! " SR " name=sr1 ! " SINK, 2.0, 0u, 1.5, 1u);
    g_print ("%s\n", d);
    CHECK (run (d, 2, two, 0));
    g_free (d);
    CHECK (same_frames ("chain, first element", &two[0], &want[0]));
    CHECK (same_frames ("chain, second element", &two[1], &ref));
    frames_clear (&two[0]);
    frames_clear (&two[1]);
  }
  frames_clear (&ref);
  frames_clear (&got);
}

static void
test_cycles (guint runs)
{
  gchar *d = g_strdup_printf (SRC "vulkanupload name=up ! " SR " name=sr0 ! "
      DOWN SINK, scales[0], 0u);
  GstElement *pipe = parse (d);

  references (1);
  g_print ("%s\n", d);
  g_free (d);
  if (!pipe) {
    CHECK (pipe != NULL);
    return;
  }
  for (guint r = 0; r < runs; r++) {
    Frames got = { 0 };
    GstVulkanDevice *up;
    gchar what[32];

    CHECK (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    pull (pipe, "out0", &got);
    up = check_devices (pipe, 1);
    gst_clear_object (&up);
    CHECK (no_error (pipe));
    g_snprintf (what, sizeof (what), "cycle %u", r);
    CHECK (same_frames (what, &got, &want[0]));
    frames_clear (&got);
    CHECK (gst_element_set_state (pipe, GST_STATE_NULL) ==
        GST_STATE_CHANGE_SUCCESS);
  }

  gst_object_unref (pipe);
}

/* Images of another device: frames made by a vulkanupload in one pipeline
 * (on its device) pushed by an appsrc into `anysr ! vulkandownload`, whose
 * engine runs on vulkandownload's device: the first frame fails with an
 * error naming both devices; nothing is submitted (no gst-vulkan element
 * touches the other device's images either). */
static void
test_foreign (void)
{
  GstElement *maker = parse (SRC "vulkanupload ! "
      "video/x-raw(memory:VulkanImage) ! appsink name=made sync=false");
  GstElement *pipe = parse ("appsrc name=in format=time caps=\"video/x-raw"
      "(memory:VulkanImage),format=RGBA,width=32,height=24,framerate=30/1\" ! "
      "anysr name=sr0 scale=2 precision=fp32 subnet=0 target-fps=-1 ! "
      "vulkandownload ! video/x-raw ! fakesink");
  GstElement *sink, *src, *sr;
  GstSample *sample;
  GstBus *bus;
  GstMessage *msg;

  if (!maker || !pipe) {
    CHECK (maker && pipe);
    gst_clear_object (&maker);
    gst_clear_object (&pipe);
    return;
  }
  sink = gst_bin_get_by_name (GST_BIN (maker), "made");
  src = gst_bin_get_by_name (GST_BIN (pipe), "in");
  sr = gst_bin_get_by_name (GST_BIN (pipe), "sr0");
  gst_element_set_state (maker, GST_STATE_PLAYING);
  sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  CHECK (sample != NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  if (sample) {
    GstBuffer *b = gst_buffer_ref (gst_sample_get_buffer (sample));

    GST_BUFFER_PTS (b) = 0;
    gst_app_src_push_buffer (GST_APP_SRC (src), b);
    gst_app_src_end_of_stream (GST_APP_SRC (src));
  }
  bus = gst_element_get_bus (pipe);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  CHECK (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *e = NULL;

    gst_message_parse_error (msg, &e, NULL);
    g_print ("images of another device: %s: %s\n",
        GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), e->message);
    CHECK (GST_MESSAGE_SRC (msg) == GST_OBJECT (sr) &&
        strstr (e->message, "input images are on the Vulkan device") &&
        strstr (e->message, "its engine runs on"));
    g_error_free (e);
  }
  gst_clear_message (&msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  if (sample)
    gst_sample_unref (sample);
  gst_element_set_state (maker, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sr);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  gst_object_unref (maker);
}

/* two pipelines playing at once */
typedef struct
{
  GstElement *pipe;
  Frames got;
} Playing;

static gpointer
pull_thread (gpointer data)
{
  Playing *p = data;

  pull (p->pipe, "out0", &p->got);
  return NULL;
}

static GstVulkanDevice *
wait_device (GstElement * pipe)
{
  /* vulkanupload has its device from READY -> PAUSED on */
  gst_element_get_state (pipe, NULL, NULL, 10 * GST_SECOND);
  return src_device (pipe, "up");
}

/* @a and @b (system memory when @b_vk is FALSE) at once; with @share, @b
 * is given @a's instance and device before it starts. Each output against
 * its reference. */
static void
two_pipelines (gboolean b_vk, gboolean share)
{
  gchar *da = g_strdup_printf (SRC "vulkanupload name=up ! " SR " name=sr0 ! "
      DOWN SINK, scales[0], 0u);
  gchar *db = b_vk ? g_strdup_printf (SRC "vulkanupload name=up ! " SR
      " name=sr0 ! " DOWN SINK, scales[1], 0u) :
      g_strdup_printf (SRC SR " name=sr0 ! " SINK, scales[1], 0u);
  Playing a = { parse (da), { {NULL}, 0} }, b = { parse (db), { {NULL}, 0} };
  GstVulkanDevice *dev_a = NULL, *dev_b = NULL;
  GThread *ta, *tb;

  g_print ("two pipelines: VulkanImage and %s%s\n", b_vk ? "VulkanImage" :
      "system memory", share ? ", one device" : "");
  g_free (da);
  g_free (db);
  CHECK (a.pipe && b.pipe);
  if (!a.pipe || !b.pipe)
    return;
  gst_element_set_state (a.pipe, GST_STATE_PAUSED);
  if (share) {
    GstContext *ci, *cd;

    dev_a = wait_device (a.pipe);
    CHECK (dev_a != NULL);
    if (dev_a) {
      ci = gst_context_new (GST_VULKAN_INSTANCE_CONTEXT_TYPE_STR, TRUE);
      gst_context_set_vulkan_instance (ci, dev_a->instance);
      cd = gst_context_new (GST_VULKAN_DEVICE_CONTEXT_TYPE_STR, TRUE);
      gst_context_set_vulkan_device (cd, dev_a);
      gst_element_set_context (b.pipe, ci);
      gst_element_set_context (b.pipe, cd);
      gst_context_unref (ci);
      gst_context_unref (cd);
    }
  }
  gst_element_set_state (a.pipe, GST_STATE_PLAYING);
  gst_element_set_state (b.pipe, GST_STATE_PLAYING);
  ta = g_thread_new ("pull-a", pull_thread, &a);
  tb = g_thread_new ("pull-b", pull_thread, &b);
  g_thread_join (ta);
  g_thread_join (tb);

  gst_clear_object (&dev_a);
  dev_a = check_devices (a.pipe, 1);
  if (b_vk) {
    dev_b = check_devices (b.pipe, 1);
    if (share)
      CHECK (dev_a && dev_a == dev_b);
    else
      CHECK (dev_a && dev_b && dev_a != dev_b &&
          dev_a->device != dev_b->device);
  } else {
    dev_b = sr_device (b.pipe, "sr0");
    CHECK (dev_b == NULL);      /* no Vulkan neighbour: its own device */
  }
  CHECK (no_error (a.pipe));
  CHECK (no_error (b.pipe));
  CHECK (same_frames ("pipeline a", &a.got, &want[0]));
  CHECK (same_frames ("pipeline b", &b.got, &want[1]));
  gst_element_set_state (a.pipe, GST_STATE_NULL);
  gst_element_set_state (b.pipe, GST_STATE_NULL);
  gst_object_unref (a.pipe);
  gst_object_unref (b.pipe);
  frames_clear (&a.got);
  frames_clear (&b.got);
  gst_clear_object (&dev_a);
  gst_clear_object (&dev_b);
}

static void
test_two (void)
{
  references (2);
  two_pipelines (TRUE, FALSE);
  two_pipelines (TRUE, TRUE);
  two_pipelines (FALSE, FALSE);
}

/* property readers while the engine moves */
typedef struct
{
  GstElement *sr;
  gint stop;
  guint reads, missing, opened, moved;
  gboolean had_name, had_device;
} Reader;

static gpointer
read_thread (gpointer data)
{
  Reader *r = data;

  while (!g_atomic_int_get (&r->stop)) {
    gchar *name = NULL;
    GstVulkanDevice *dev = NULL;
    GstStructure *stats = NULL;

    g_object_get (r->sr, "device-name", &name, "vulkan-device", &dev,
        "stats", &stats, NULL);
    r->reads++;
    if (name && !r->had_name)
      r->opened = r->reads;
    if (dev && !r->had_device && r->had_name)
      r->moved++;
    /* once open, the engine is never missing; once on vulkanupload's
     * device, it stays there */
    if ((r->had_name && !name) || (r->had_device && !dev))
      r->missing++;
    r->had_name |= name != NULL;
    r->had_device |= dev != NULL;
    g_free (name);
    gst_clear_object (&dev);
    if (stats)
      gst_structure_free (stats);
    g_usleep (20);
  }
  return NULL;
}

static void
test_moves (guint runs)
{
  references (1);
  for (guint r = 0; r < runs; r++) {
    gchar *d = g_strdup_printf (SRC "vulkanupload name=up ! " SR
        " name=sr0 ! video/x-raw ! " SINK, scales[0], 0u);
    GstElement *pipe = parse (d);
    Reader reader = { 0 };
    Frames got = { 0 };
    GThread *t;

    g_free (d);
    if (!pipe) {
      CHECK (pipe != NULL);
      return;
    }
    reader.sr = gst_bin_get_by_name (GST_BIN (pipe), "sr0");
    t = g_thread_new ("reader", read_thread, &reader);
    gst_element_set_state (pipe, GST_STATE_PLAYING);
    pull (pipe, "out0", &got);
    g_atomic_int_set (&reader.stop, 1);
    g_thread_join (t);
    g_print ("run %u: %u reads, open from read %u, %u moves seen, engine "
        "missing in %u reads\n", r, reader.reads, reader.opened,
        reader.moved, reader.missing);
    CHECK (reader.missing == 0);
    CHECK (reader.had_name && reader.had_device);
    {
      GstVulkanDevice *up = check_devices (pipe, 1);
      gst_clear_object (&up);
    }
    CHECK (no_error (pipe));
    CHECK (same_frames ("moved engine", &got, &want[0]));
    frames_clear (&got);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (reader.sr);
    gst_object_unref (pipe);
  }
}

int
main (int argc, char **argv)
{
  const gchar *mode = argc > 1 ? argv[1] : "";

  gst_init (&argc, &argv);
  if (g_str_equal (mode, "tee") && argc == 5) {
    guint branches = (guint) atoi (argv[2]), runs = (guint) atoi (argv[3]);
    if (branches < 1 || branches > MAX_BRANCHES)
      goto usage;
    test_tee (branches, runs, g_str_equal (argv[4], "vk"));
  } else if (g_str_equal (mode, "chain") && argc == 3) {
    test_chain (g_str_equal (argv[2], "vk"));
  } else if (g_str_equal (mode, "two") && argc == 2) {
    test_two ();
  } else if (g_str_equal (mode, "cycles") && argc == 3) {
    test_cycles ((guint) atoi (argv[2]));
  } else if (g_str_equal (mode, "foreign") && argc == 2) {
    test_foreign ();
  } else if (g_str_equal (mode, "moves") && argc == 3) {
    test_moves ((guint) atoi (argv[2]));
  } else {
    goto usage;
  }
  for (guint b = 0; b < MAX_BRANCHES; b++)
    frames_clear (&want[b]);
  g_print ("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
  return failures ? 1 : 0;

usage:
  g_printerr ("usage: test-vulkan-tee tee BRANCHES(1-3) RUNS vk|sys | "
      "chain vk|sys | two | cycles RUNS | foreign | moves RUNS\n");
  return 2;
}
