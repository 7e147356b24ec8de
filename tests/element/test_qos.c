/* GstHarness tests of the anysr element holding a frame rate (target-fps,
 * headroom, upstream QoS events, frame dropping as the last resort; the
 * depth points of a model with a depth adapter) and of resident weights
 * across caps changes, on the network (not on the test
 * build's bicubic path, which has no operating points).
 *
 * No check depends on the machine's speed or load (docs/testing.md): meson
 * runs this on the test build of the plugin with ANYSR_TEST_TIMING, so that
 * every frame reports a synthetic time from its cost (0.2 ms + 400 ms per
 * G MACs); the network itself runs as usual. The budget of the settling test
 * comes from the per-op times read at its start, at the geometric mean of
 * the cheapest point's wall time and the full point's GPU time, as in
 * tests/controller/test_engine_qos.c, so that the full point misses it and
 * the cheapest meets it with room.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* tests/model: synthetic model files (a depth adapter) */
#include "model_writer.h"

/* scale 3: the scale group allows the full subnet */
#define IN_W 8
#define IN_H 8
#define OUT_W 24
#define OUT_H 24

/* A model of the default architecture without a depth adapter (random
 * weights, tests/model/model_writer.h) in a new temporary folder: the QoS
 * tests below count on the fixed-depth ladder (the depth points of a model
 * with an adapter are test_target_fps_depth_points'). */
static gchar *
fixed_model (void)
{
  MwArch a = mw_default_arch ();
  gchar *path = mw_write_temp (&a, "fixed.safetensors");

  fail_unless (path != NULL);
  return path;
}

static GstHarness *
harness_new (const gchar * fmt, gint w, gint h, gdouble scale)
{
  GstElement *e = gst_element_factory_make ("anysr", NULL);
  gchar *model = fixed_model ();
  GstHarness *hr;

  /* before the harness starts the element (the model is read at start) */
  g_object_set (e, "model-location", model, NULL);
  /* the file goes with the element */
  g_object_set_data_full (G_OBJECT (e), "anysr-test-model", model,
      (GDestroyNotify) mw_remove_temp);
  hr = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  g_object_set (hr->element, "scale", scale, "stats-interval", 0, NULL);
  gst_harness_set_src_caps (hr, gst_caps_new_simple ("video/x-raw",
          "format", G_TYPE_STRING, fmt, "width", G_TYPE_INT, w,
          "height", G_TYPE_INT, h, "framerate", GST_TYPE_FRACTION, 30, 1,
          NULL));
  return hr;
}

/* A frame of the harness' input caps with random bytes, timestamp @pts. */
static GstBuffer *
random_frame (GstHarness * hr, GstClockTime pts)
{
  GstCaps *caps = gst_pad_get_current_caps (hr->srcpad);
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;
  gsize i;
  static guint32 seed = 12345;

  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  buf = gst_buffer_new_and_alloc (GST_VIDEO_INFO_SIZE (&info));
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (i = 0; i < map.size; i++) {
    seed = seed * 1664525u + 1013904223u;
    map.data[i] = seed >> 24;
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

/* Per-frame figures from the "stats" property. */
typedef struct
{
  gint op, subnet;
  gdouble gpu_ms, wall_ms, budget_ms, depth_target;
  gboolean unmeetable;
  guint64 switches, weight_uploads, pipelines;
} Frame;

static void
read_stats (GstElement * e, Frame * f)
{
  GstStructure *st = NULL;

  g_object_get (e, "stats", &st, NULL);
  fail_unless (st != NULL);
  fail_unless (gst_structure_get (st, "op", G_TYPE_INT, &f->op,
          "subnet", G_TYPE_INT, &f->subnet, "gpu-ms", G_TYPE_DOUBLE,
          &f->gpu_ms, "wall-ms", G_TYPE_DOUBLE, &f->wall_ms, "budget-ms",
          G_TYPE_DOUBLE, &f->budget_ms, "budget-unmeetable", G_TYPE_BOOLEAN,
          &f->unmeetable, "switches", G_TYPE_UINT64, &f->switches,
          "weight-uploads", G_TYPE_UINT64, &f->weight_uploads,
          "pipelines-created", G_TYPE_UINT64, &f->pipelines, "depth-target",
          G_TYPE_DOUBLE, &f->depth_target, NULL));
  gst_structure_free (st);
}

static GstClockTime next_pts;

/* Pushes one frame, expects one out, returns its figures. */
static Frame
run_frame (GstHarness * hr)
{
  Frame f;
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (hr, random_frame (hr, next_pts)),
      GST_FLOW_OK);
  next_pts += GST_SECOND / 30;
  out = gst_harness_try_pull (hr);
  fail_unless (out != NULL, "no output frame");
  gst_buffer_unref (out);
  read_stats (hr->element, &f);
  return f;
}

static int
cmp_double (const void *a, const void *b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* Median GPU and wall ms of @n frames at subnet @subnet with @decoder (no
 * adaptation), after one warm-up frame. Returns the operating point. */
static gint
measure (GstHarness * hr, gint subnet, const gchar * decoder, gint n,
    gdouble * gpu, gdouble * wall)
{
  gdouble g[16], w[16];
  Frame f;
  gint i;

  g_object_set (hr->element, "target-fps", -1.0, "subnet", subnet, NULL);
  gst_util_set_object_arg (G_OBJECT (hr->element), "decoder", decoder);
  run_frame (hr);
  for (i = 0; i < n; i++) {
    f = run_frame (hr);
    g[i] = f.gpu_ms;
    w[i] = f.wall_ms;
  }
  qsort (g, n, sizeof (gdouble), cmp_double);
  qsort (w, n, sizeof (gdouble), cmp_double);
  *gpu = g[n / 2];
  *wall = w[n / 2];
  return f.op;
}

/* A target the full point cannot keep up with: a cheaper point within 5
 * frames, then the budget held on >= 95 % of frames; the target lifted:
 * back to the full point. */
GST_START_TEST (test_target_fps_settles_and_climbs)
{
  GstHarness *hr = harness_new ("RGBA", IN_W, IN_H, 3.0);
  gdouble full_gpu, full_wall, cheap_gpu, cheap_wall, budget;
  gint top, cheapest, i, settle, gpu_ok, wall_ok, n_after, back, stayed;
  gint on[16] = { 0 };
  const gint N = 120;
  gint point[120];
  gdouble gpu[120], wall[120];
  Frame f, before;

  next_pts = 0;
  /* the full and the cheapest point, measured here */
  top = measure (hr, -1, "routed", 5, &full_gpu, &full_wall);
  cheapest = measure (hr, 0, "light", 5, &cheap_gpu, &cheap_wall);
  fail_unless_equals_int (cheapest, 0);
  fail_unless (top >= 2 && top < 16);
  budget = sqrt (cheap_wall * full_gpu);
  g_print ("full point %d: GPU %.2f ms, wall %.2f ms; cheapest: GPU %.2f ms, "
      "wall %.2f ms; budget %.2f ms (target-fps %.2f)\n", top, full_gpu,
      full_wall, cheap_gpu, cheap_wall, budget, 1000.0 / budget);
  /* the premise: the full point misses the budget, the cheapest meets it */
  fail_unless (full_gpu > 1.5 * cheap_wall, "full %.2f ms vs cheapest "
      "%.2f ms: too close to pick a budget", full_gpu, cheap_wall);
  /* with adaptation on, the bicubic floor is point 0: every network point
   * is one higher in the list */
  top++;

  g_object_set (hr->element, "subnet", -1, "target-fps", 1000.0 / budget,
      "headroom", 0.85, NULL);
  gst_util_set_object_arg (G_OBJECT (hr->element), "decoder", "routed");
  /* the controller starts at the best point the device's speed (here the
   * synthetic timing) predicts to fit, not at the ceiling
   * (docs/design.md#controller) */
  before = run_frame (hr);
  fail_unless (before.op < top, "started at %d, the top is %d", before.op,
      top);
  fail_unless (fabs (before.budget_ms - budget) < 1e-6 * budget);
  for (i = 0; i < N; i++) {
    f = run_frame (hr);
    point[i] = f.op;
    gpu[i] = f.gpu_ms;
    wall[i] = f.wall_ms;
  }
  /* the first frame from which every frame is on a cheaper point */
  settle = 0;
  for (i = 0; i < N; i++)
    if (point[i] == top)
      settle = i + 1;
  gpu_ok = wall_ok = 0;
  n_after = N - settle;
  for (i = settle; i < N; i++) {
    gpu_ok += gpu[i] <= budget;
    wall_ok += wall[i] <= budget;
    on[point[i]]++;
  }
  g_print ("budget %.2f ms: a cheaper point after %d frame(s) (plus the "
      "first at full); then %d frames: %.1f %% within budget by GPU time, "
      "%.1f %% by wall time; %" G_GUINT64_FORMAT " switches; frames per "
      "point:", budget, settle, n_after, n_after ? 100.0 * gpu_ok / n_after :
      0.0, n_after ? 100.0 * wall_ok / n_after : 0.0,
      f.switches - before.switches);
  for (i = 0; i <= top; i++)
    g_print (" %d", on[i]);
  g_print ("\n");
  fail_unless (settle <= 5, "settled after %d frames", settle);
  fail_unless (n_after > 0 && gpu_ok >= 0.95 * n_after,
      "%d of %d frames within budget", gpu_ok, n_after);
  fail_if (f.unmeetable);

  /* the target lifted: back to the full point, and it stays there */
  g_object_set (hr->element, "target-fps", 1000.0 / (4.0 * full_wall), NULL);
  back = -1;
  for (i = 0; i < 150 && back < 0; i++) {
    f = run_frame (hr);
    if (f.op == top)
      back = i;
  }
  stayed = 1;
  for (i = 0; i < 10; i++)
    stayed &= run_frame (hr).op == top;
  g_print ("target lifted to %.2f fps (budget %.2f ms): full after %d "
      "frames, stayed %d\n", 1000.0 / (4.0 * full_wall), 4.0 * full_wall,
      back, stayed);
  fail_unless (back >= 0, "not back to the full point in 150 frames");
  fail_unless (stayed);

  /* target-fps 0: the rate of the caps (30/1) */
  g_object_set (hr->element, "target-fps", 0.0, NULL);
  f = run_frame (hr);
  fail_unless (fabs (f.budget_ms - 1000.0 / 30) < 1e-6);
  /* -1: no adaptation */
  g_object_set (hr->element, "target-fps", -1.0, NULL);
  f = run_frame (hr);
  fail_unless_equals_float (f.budget_ms, 0.0);
  fail_unless_equals_int (f.op, top - 1);

  gst_harness_teardown (hr);
}

GST_END_TEST;

/* The timestamp of the last frame pushed: a QoS event is about a frame
 * downstream has seen. */
static GstClockTime
last_pts (void)
{
  return next_pts - GST_SECOND / 30;
}

/* Pushes one frame and says whether it came out (FALSE: dropped). */
static gboolean
push_passes (GstHarness * hr)
{
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (hr, random_frame (hr, next_pts)),
      GST_FLOW_OK);
  next_pts += GST_SECOND / 30;
  out = gst_harness_try_pull (hr);
  if (!out)
    return FALSE;
  gst_buffer_unref (out);
  return TRUE;
}

/* A late QoS event: one step down at once, and no frame dropped while a
 * cheaper point exists; on the cheapest point (or without adaptation) the
 * base class drops late frames, as the last resort. */
GST_START_TEST (test_qos_event_steps_down)
{
  GstHarness *hr = harness_new ("RGBA", IN_W, IN_H, 3.0);
  GstEvent *ev;
  Frame f;
  gint top, i, qos_up = 0;

  next_pts = 0;
  /* a budget of 1 s: every point fits, the controller stays on top */
  g_object_set (hr->element, "target-fps", 1.0, NULL);
  for (i = 0; i < 3; i++)
    f = run_frame (hr);
  top = f.op;
  fail_unless (top >= 2);

  /* late by 10 s: the base class would drop everything before ~10 s */
  gst_harness_push_upstream_event (hr, gst_event_new_qos
      (GST_QOS_TYPE_UNDERFLOW, 2.0, 10 * GST_SECOND, last_pts ()));
  fail_unless (push_passes (hr), "a frame was dropped above the cheapest "
      "point");
  read_stats (hr->element, &f);
  g_print ("QoS proportion 2.0: point %d -> %d\n", top, f.op);
  fail_unless_equals_int (f.op, top - 1);
  /* the event went on upstream */
  while ((ev = gst_harness_try_pull_upstream_event (hr))) {
    qos_up += GST_EVENT_TYPE (ev) == GST_EVENT_QOS;
    gst_event_unref (ev);
  }
  fail_unless_equals_int (qos_up, 1);
  /* consumed once: no further step */
  fail_unless_equals_int (run_frame (hr).op, top - 1);

  /* the cheapest network point (the user's ceiling, light decoder): a late
   * event steps down to the bicubic floor, nothing dropped */
  g_object_set (hr->element, "subnet", 0, NULL);
  gst_util_set_object_arg (G_OBJECT (hr->element), "decoder", "light");
  f = run_frame (hr);
  fail_unless_equals_int (f.op, 1);
  gst_harness_push_upstream_event (hr, gst_event_new_qos
      (GST_QOS_TYPE_UNDERFLOW, 2.0, 10 * GST_SECOND, last_pts ()));
  fail_unless (push_passes (hr), "a frame was dropped above the floor");
  read_stats (hr->element, &f);
  fail_unless_equals_int (f.op, 0);
  fail_unless_equals_int (f.subnet, -2);  /* ASR_SUBNET_BICUBIC */
  {
    GstStructure *st = NULL;

    g_object_get (hr->element, "stats", &st, NULL);
    fail_unless (st != NULL);
    fail_unless_equals_string (gst_structure_get_string (st, "decoder"),
        "bicubic");
    gst_structure_free (st);
  }
  /* on the floor, the cheapest point: the base class drops late frames */
  gst_harness_push_upstream_event (hr, gst_event_new_qos
      (GST_QOS_TYPE_UNDERFLOW, 2.0, 10 * GST_SECOND, last_pts ()));
  fail_if (push_passes (hr), "a late frame was not dropped on the cheapest "
      "point");
  /* on time again: frames pass */
  gst_harness_push_upstream_event (hr, gst_event_new_qos
      (GST_QOS_TYPE_OVERFLOW, 0.5, -GST_SECOND / 100, last_pts ()));
  fail_unless (push_passes (hr));

  /* no adaptation: the base class as usual */
  g_object_set (hr->element, "target-fps", -1.0, "subnet", -1, NULL);
  gst_util_set_object_arg (G_OBJECT (hr->element), "decoder", "routed");
  fail_unless (push_passes (hr));
  gst_harness_push_upstream_event (hr, gst_event_new_qos
      (GST_QOS_TYPE_UNDERFLOW, 2.0, 10 * GST_SECOND, last_pts ()));
  fail_if (push_passes (hr));
  /* qos=false: nothing dropped, nothing reported */
  g_object_set (hr->element, "qos", FALSE, NULL);
  fail_unless (push_passes (hr));
  read_stats (hr->element, &f);
  fail_unless_equals_int (f.op, top - 1);      /* no floor without adaptation */

  gst_harness_teardown (hr);
}

GST_END_TEST;

/* 1000 caps changes across 10 input sizes (odd ones included), one buffer
 * after each: the weights are uploaded once and no pipeline is created
 * after the first frame (counters from the anysr-stats messages). */
GST_START_TEST (test_caps_changes_keep_weights)
{
  const gint sizes[10][2] = {
    {8, 6}, {9, 7}, {12, 8}, {13, 11}, {16, 12}, {7, 5}, {10, 10}, {15, 9},
    {11, 13}, {6, 4}
  };
  GstHarness *hr = harness_new ("I420", 8, 6, 2.0);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  const GstStructure *st;
  guint64 uploads, pipelines, first_pipelines = 0, allocs = 0, frames;
  gint i, w, h, messages = 0;
  gint64 t0 = g_get_monotonic_time ();

  next_pts = 0;
  gst_element_set_bus (hr->element, bus);
  /* a message per frame */
  g_object_set (hr->element, "stats-interval", 1, NULL);
  for (i = 0; i < 1000; i++) {
    w = sizes[i % 10][0];
    h = sizes[i % 10][1];
    gst_harness_set_src_caps (hr, gst_caps_new_simple ("video/x-raw",
            "format", G_TYPE_STRING, i % 2 ? "NV12" : "I420",
            "width", G_TYPE_INT, w, "height", G_TYPE_INT, h,
            "framerate", GST_TYPE_FRACTION, 30, 1, NULL));
    fail_unless (push_passes (hr));
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
    fail_unless (msg != NULL && gst_message_has_name (msg, "anysr-stats"));
    st = gst_message_get_structure (msg);
    messages++;
    fail_unless (gst_structure_get (st, "weight-uploads", G_TYPE_UINT64,
            &uploads, "pipelines-created", G_TYPE_UINT64, &pipelines,
            "buffer-allocations", G_TYPE_UINT64, &allocs, "frames",
            G_TYPE_UINT64, &frames, NULL));
    fail_unless_equals_int (gst_structure_get_int (st, "in-width", &w) &&
        gst_structure_get_int (st, "in-height", &h), TRUE);
    fail_unless_equals_int (w, sizes[i % 10][0]);
    fail_unless_equals_int (h, sizes[i % 10][1]);
    if (i == 0)
      first_pipelines = pipelines;
    fail_unless_equals_int (frames, i + 1);
    fail_unless (uploads == 1, "frame %d: %" G_GUINT64_FORMAT
        " weight uploads", i, uploads);
    fail_unless (pipelines == first_pipelines, "frame %d: %" G_GUINT64_FORMAT
        " pipelines created, %" G_GUINT64_FORMAT " after the first", i,
        pipelines, first_pipelines);
    gst_message_unref (msg);
  }
  g_print ("1000 caps changes across 10 sizes: %d messages, weight uploads "
      "%" G_GUINT64_FORMAT ", pipelines created %" G_GUINT64_FORMAT " (after "
      "the first frame %" G_GUINT64_FORMAT "), buffer allocations %"
      G_GUINT64_FORMAT ", %.1f s\n", messages, uploads, pipelines,
      first_pipelines, allocs, (g_get_monotonic_time () - t0) / 1e6);

  gst_element_set_bus (hr->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (hr);
}

GST_END_TEST;

/* A model with a depth adapter (written here: tests/model/model_writer.h,
 * random weights) and depth-target 1: the controller's points include the
 * model's depth points. A target the fixed-depth top misses: the next frame
 * runs the top subnet at depth target 0.65 (the point below the top, whose
 * nominal cost fits the headroom), visible as depth-target in the stats and
 * in the anysr-stats message of that switch. */
GST_START_TEST (test_target_fps_depth_points)
{
  MwArch a = mw_adapter_arch ();
  gchar *model = mw_write_temp (&a, "adapter.safetensors");
  GstElement *e;
  GstHarness *hr;
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  Frame f;
  gint top, i, below = 0, switches = 0, switch_065 = 0;
  gdouble budget;

  fail_unless (model != NULL);
  e = gst_element_factory_make ("anysr", NULL);
  gst_element_set_bus (e, bus);
  g_object_set (e, "model-location", model, "scale", 3.0, "stats-interval", 0,
      "depth-target", 1.0, "target-fps", -1.0, NULL);
  hr = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps (hr, gst_caps_new_simple ("video/x-raw",
          "format", G_TYPE_STRING, "RGBA", "width", G_TYPE_INT, IN_W,
          "height", G_TYPE_INT, IN_H, "framerate", GST_TYPE_FRACTION, 30, 1,
          NULL));
  next_pts = 0;

  /* the fixed-depth top, no adaptation */
  run_frame (hr);
  f = run_frame (hr);
  fail_unless_equals_float (f.depth_target, 1.0);
  top = f.op + 1;               /* with adaptation on, after the floor */
  budget = f.wall_ms / 1.08;
  g_object_set (hr->element, "target-fps", 1000.0 / budget, NULL);
  /* the start: the best point predicted to fit (the synthetic timing is
   * the device's speed), the point below the top that missed it */
  f = run_frame (hr);
  fail_unless_equals_int (f.op, top - 1);
  f = run_frame (hr);
  g_print ("depth points: budget %.3f ms, the fixed top %d missed it: point %d "
      "(subnet %d, depth-target %g)\n", budget, top, f.op, f.subnet,
      f.depth_target);
  fail_unless_equals_int (f.op, top - 1);
  fail_unless_equals_int (f.subnet, 3);
  fail_unless_equals_float (f.depth_target, 0.65);
  for (i = 0; i < 20; i++) {
    f = run_frame (hr);
    below += f.depth_target < 1.0;
    fail_unless (f.depth_target == 0.4 || f.depth_target == 0.65 ||
        f.depth_target == 1.0, "depth-target %g", f.depth_target);
  }
  fail_unless (below > 0);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);
    gdouble t = 0.0;

    if (gst_message_has_name (msg, "anysr-stats") &&
        !g_strcmp0 (gst_structure_get_string (st, "reason"), "switch")) {
      switches++;
      fail_unless (gst_structure_get_double (st, "depth-target", &t));
      switch_065 += t == 0.65;
    }
    gst_message_unref (msg);
  }
  fail_unless (switch_065 > 0, "%d switch messages, none at depth-target "
      "0.65", switches);

  gst_element_set_bus (hr->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (hr);
  mw_remove_temp (model);
}

GST_END_TEST;

static Suite *
anysr_qos_suite (void)
{
  Suite *s = suite_create ("anysr-qos");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_qos_event_steps_down);
  tcase_add_test (tc, test_target_fps_settles_and_climbs);
  tcase_add_test (tc, test_target_fps_depth_points);
  tcase_add_test (tc, test_caps_changes_keep_weights);

  return s;
}

GST_CHECK_MAIN (anysr_qos);
