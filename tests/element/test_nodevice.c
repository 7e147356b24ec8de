/* With no usable Vulkan device (meson runs this with
 * VK_DRIVER_FILES=/nonexistent.json):
 * - fallback=true (the default): the element warns once, naming the
 *   fallback, and scales every frame with GstVideoConverter (bicubic);
 *   negotiation is the same as with a device;
 * - fallback=false: the state change fails with an error that tells the
 *   user how to get a device.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gst_test.h"

static void
check_env (void)
{
  fail_unless (g_getenv ("VK_DRIVER_FILES") != NULL &&
      !g_file_test (g_getenv ("VK_DRIVER_FILES"), G_FILE_TEST_EXISTS),
      "run with VK_DRIVER_FILES naming a file that does not exist");
}

static void
check_no_device_error (GstBus * bus)
{
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message posted");
  gst_message_parse_error (msg, &err, &dbg);
  GST_INFO ("error: %s\ndebug: %s", err->message, dbg);
  fail_unless (strstr (err->message, "mesa-vulkan-drivers") != NULL,
      "error \"%s\" does not name mesa-vulkan-drivers", err->message);
  fail_unless (strstr (err->message, "VK_DRIVER_FILES") != NULL,
      "error \"%s\" does not name VK_DRIVER_FILES", err->message);
  fail_unless (strstr (err->message, "Vulkan device") != NULL);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
}

/* Pops the one fallback warning from @bus (and checks there is no other
 * warning nor any error). */
static void
check_fallback_warning (GstBus * bus)
{
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning message posted");
  gst_message_parse_warning (msg, &err, &dbg);
  GST_INFO ("warning: %s\ndebug: %s", err->message, dbg);
  fail_unless (strstr (err->message, "No usable Vulkan device") != NULL,
      "warning \"%s\" does not say No usable Vulkan device", err->message);
  fail_unless (strstr (err->message, "CPU scaler") != NULL,
      "warning \"%s\" does not name the fallback", err->message);
  fail_unless (strstr (err->message, "fallback=false") != NULL,
      "warning \"%s\" does not name the property", err->message);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg == NULL, "a second warning was posted");
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg == NULL, "an error was posted");
}

/* A frame of @info: flat @comp (per component) when @gradient is FALSE,
 * otherwise a gradient around it. */
static GstBuffer *
make_frame (const GstVideoInfo * info, const guint8 * comp, gboolean gradient)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstVideoFrame frame;
  guint c;
  gint x, y;

  fail_unless (gst_video_frame_map (&frame, (GstVideoInfo *) info, buf,
          GST_MAP_WRITE));
  for (c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&frame); c++) {
    guint8 *data = GST_VIDEO_FRAME_COMP_DATA (&frame, c);
    gint stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, c);
    gint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, c);

    for (y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c); y++)
      for (x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&frame, c); x++)
        data[y * stride + x * pstride] = gradient ?
            (guint8) CLAMP (comp[c] + 5 * x - 3 * y + 40 * ((x / 3 + y) % 2),
            0, 255) : comp[c];
  }
  gst_video_frame_unmap (&frame);
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

/* Largest difference between any component of @buf and @comp. */
static gint
max_flat_diff (const GstVideoInfo * info, GstBuffer * buf, const guint8 * comp)
{
  GstVideoFrame frame;
  guint c;
  gint x, y, max = 0;

  fail_unless (gst_video_frame_map (&frame, (GstVideoInfo *) info, buf,
          GST_MAP_READ));
  for (c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&frame); c++) {
    const guint8 *data = GST_VIDEO_FRAME_COMP_DATA (&frame, c);
    gint stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, c);
    gint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, c);

    for (y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c); y++)
      for (x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&frame, c); x++)
        max = MAX (max, ABS ((gint) data[y * stride + x * pstride] -
                (gint) comp[c]));
  }
  gst_video_frame_unmap (&frame);
  return max;
}

/* @out, the element's output for @in, equals GstVideoConverter's bicubic
 * scaling of @in, byte for byte (over the visible pixels). */
static void
check_equals_converter (const GstVideoInfo * in_info, GstBuffer * in,
    const GstVideoInfo * out_info, GstBuffer * out)
{
  GstVideoConverter *conv;
  GstBuffer *ref = gst_buffer_new_allocate (NULL, out_info->size, NULL);
  GstVideoFrame fi, fo, fr;
  guint c;
  gint y, row;

  conv = gst_video_converter_new ((GstVideoInfo *) in_info,
      (GstVideoInfo *) out_info, gst_structure_new ("GstVideoConverter",
          GST_VIDEO_CONVERTER_OPT_RESAMPLER_METHOD,
          GST_TYPE_VIDEO_RESAMPLER_METHOD, GST_VIDEO_RESAMPLER_METHOD_CUBIC,
          GST_VIDEO_CONVERTER_OPT_DITHER_METHOD, GST_TYPE_VIDEO_DITHER_METHOD,
          GST_VIDEO_DITHER_NONE, NULL));
  fail_unless (conv != NULL);
  fail_unless (gst_video_frame_map (&fi, (GstVideoInfo *) in_info, in,
          GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fr, (GstVideoInfo *) out_info, ref,
          GST_MAP_WRITE));
  gst_video_converter_frame (conv, &fi, &fr);
  gst_video_frame_unmap (&fr);
  gst_video_frame_unmap (&fi);
  gst_video_converter_free (conv);

  fail_unless (gst_video_frame_map (&fo, (GstVideoInfo *) out_info, out,
          GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fr, (GstVideoInfo *) out_info, ref,
          GST_MAP_READ));
  for (c = 0; c < GST_VIDEO_FRAME_N_PLANES (&fo); c++) {
    row = GST_VIDEO_FRAME_COMP_WIDTH (&fo, c) *
        GST_VIDEO_FRAME_COMP_PSTRIDE (&fo, c);
    for (y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&fo, c); y++)
      fail_unless (memcmp ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fo, c) +
              y * GST_VIDEO_FRAME_PLANE_STRIDE (&fo, c),
              (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fr, c) +
              y * GST_VIDEO_FRAME_PLANE_STRIDE (&fr, c), row) == 0,
          "plane %u row %d differs from GstVideoConverter's", c, y);
  }
  gst_video_frame_unmap (&fr);
  gst_video_frame_unmap (&fo);
  gst_buffer_unref (ref);
}

/* An anysr (fallback on, the default) with a bus, in a harness with input
 * caps @fmt @w x @h and (unless NULL) downstream caps @sink_caps. */
static GstHarness *
fallback_harness (GstBus * bus, gdouble scale, const gchar * fmt, gint w,
    gint h, const gchar * sink_caps)
{
  GstElement *e = gst_element_factory_make ("anysr", NULL);
  GstHarness *hr;

  fail_unless (e != NULL);
  gst_element_set_bus (e, bus);
  if (scale > 0)
    g_object_set (e, "scale", scale, NULL);
  hr = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  if (sink_caps)
    gst_harness_set_sink_caps_str (hr, sink_caps);
  gst_harness_set_src_caps (hr, gst_caps_new_simple ("video/x-raw",
          "format", G_TYPE_STRING, fmt, "width", G_TYPE_INT, w,
          "height", G_TYPE_INT, h, "framerate", GST_TYPE_FRACTION, 30, 1,
          NULL));
  return hr;
}

/* Frames flow through the CPU scaler at the negotiated size, flat stays
 * flat, and the output is GstVideoConverter's bicubic scaling. */
GST_START_TEST (test_fallback_frames)
{
  static const struct
  {
    const gchar *fmt;
    guint8 flat[4];
  } cases[] = {
    {"RGBA", {200, 40, 90, 255}},
    {"BGRx", {10, 128, 250, 0}},
    {"I420", {81, 90, 240}},
    {"NV12", {145, 54, 34}},
  };
  guint i, n;

  check_env ();
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstBus *bus = gst_bus_new ();
    GstHarness *hr = fallback_harness (bus, 0, cases[i].fmt, 32, 24,
        "video/x-raw,width=64,height=48");
    GstVideoInfo in_info, out_info;
    GstBuffer *in, *out;
    gchar *name = (gchar *) "unset";
    GstStructure *stats = (GstStructure *) 1;
    gint subnet = 7;

    GST_INFO ("format %s", cases[i].fmt);
    gst_video_info_set_format (&in_info,
        gst_video_format_from_string (cases[i].fmt), 32, 24);
    for (n = 0; n < 3; n++) {
      out = gst_harness_push_and_pull (hr, make_frame (&in_info,
              cases[i].flat, FALSE));
      fail_unless (out != NULL, "no output frame");
      harness_out_info (hr, &out_info);
      fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), 64);
      fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out_info), 48);
      fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&out_info),
          GST_VIDEO_INFO_FORMAT (&in_info));
      fail_unless (max_flat_diff (&out_info, out, cases[i].flat) <= 2,
          "%s: a flat frame is not flat after scaling (off by %d)",
          cases[i].fmt, max_flat_diff (&out_info, out, cases[i].flat));
      gst_buffer_unref (out);
    }

    /* the reference converts between the negotiated infos */
    {
      GstCaps *caps = gst_pad_get_current_caps (hr->srcpad);

      fail_unless (caps != NULL);
      fail_unless (gst_video_info_from_caps (&in_info, caps));
      gst_caps_unref (caps);
    }
    in = make_frame (&in_info, cases[i].flat, TRUE);
    out = gst_harness_push_and_pull (hr, gst_buffer_ref (in));
    fail_unless (out != NULL);
    check_equals_converter (&in_info, in, &out_info, out);
    gst_buffer_unref (in);
    gst_buffer_unref (out);

    /* no engine: no subnet, no device, no stats */
    g_object_get (hr->element, "device-name", &name, "current-subnet",
        &subnet, "stats", &stats, NULL);
    fail_unless (name == NULL);
    fail_unless_equals_int (subnet, -1);
    fail_unless (stats == NULL);

    check_fallback_warning (bus);
    fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL,
        "an element message (anysr-stats) in fallback mode");
    gst_harness_teardown (hr);
    gst_object_unref (bus);
  }
}

GST_END_TEST;

/* Negotiation as with a device: the scale property, one fixed side, and the
 * refusals. */
GST_START_TEST (test_fallback_negotiation)
{
  GstBus *bus;
  GstHarness *hr;
  GstVideoInfo in_info, out_info;
  GstBuffer *out;
  const guint8 grey[4] = { 128, 128, 128, 255 };

  check_env ();
  gst_video_info_set_format (&in_info, GST_VIDEO_FORMAT_RGBA, 32, 24);

  /* scale 2.5: 80x60 */
  bus = gst_bus_new ();
  hr = fallback_harness (bus, 2.5, "RGBA", 32, 24, NULL);
  out = gst_harness_push_and_pull (hr, make_frame (&in_info, grey, FALSE));
  fail_unless (out != NULL);
  harness_out_info (hr, &out_info);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), 80);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out_info), 60);
  gst_buffer_unref (out);
  check_fallback_warning (bus);
  gst_harness_teardown (hr);
  gst_object_unref (bus);

  /* one side fixed by downstream: the other follows the display aspect */
  bus = gst_bus_new ();
  hr = fallback_harness (bus, 0, "RGBA", 32, 24, "video/x-raw,width=100");
  out = gst_harness_push_and_pull (hr, make_frame (&in_info, grey, FALSE));
  fail_unless (out != NULL);
  harness_out_info (hr, &out_info);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), 100);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out_info), 75);
  gst_buffer_unref (out);
  gst_harness_teardown (hr);
  gst_object_unref (bus);

  /* a scale above 8 is refused as with a device */
  bus = gst_bus_new ();
  hr = fallback_harness (bus, 0, "RGBA", 32, 24,
      "video/x-raw,width=272,height=192");
  fail_unless_equals_int (gst_harness_push (hr, make_frame (&in_info, grey,
              FALSE)), GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (hr);
  gst_object_unref (bus);

  /* the same size: passthrough */
  bus = gst_bus_new ();
  hr = fallback_harness (bus, 1.0, "RGBA", 32, 24, NULL);
  out = gst_harness_push_and_pull (hr, make_frame (&in_info, grey, FALSE));
  fail_unless (out != NULL);
  harness_out_info (hr, &out_info);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), 32);
  gst_buffer_unref (out);
  gst_harness_teardown (hr);
  gst_object_unref (bus);
}

GST_END_TEST;

/* Runs @pipeline to EOS; returns the number of warnings posted, fails on an
 * error. */
static guint
run_to_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  guint warnings = 0;
  gboolean done = FALSE;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while (!done) {
    msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    fail_unless (msg != NULL, "no EOS within 60 s");
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gchar *dbg = NULL;

      gst_message_parse_error (msg, &err, &dbg);
      fail ("error: %s (%s)", err->message, dbg);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      GError *err = NULL;

      gst_message_parse_warning (msg, &err, NULL);
      GST_INFO ("warning: %s", err->message);
      if (strstr (err->message, "CPU scaler"))
        warnings++;
      g_error_free (err);
    } else {
      done = TRUE;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  return warnings;
}

static gint handoffs;

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstVideoInfo info;

  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info),
      GPOINTER_TO_INT (data));
  gst_caps_unref (caps);
  g_atomic_int_inc (&handoffs);
}

/* The launch line of the README's quick start, twice (the second run warns again). */
GST_START_TEST (test_fallback_pipeline)
{
  GstElement *pipeline, *sink;
  guint run;

  check_env ();
  pipeline = gst_parse_launch ("videotestsrc num-buffers=3 ! "
      "video/x-raw,width=32,height=24 ! anysr ! "
      "video/x-raw,width=64,height=48 ! fakesink name=sink "
      "signal-handoffs=true", NULL);
  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff),
      GINT_TO_POINTER (64));
  for (run = 0; run < 2; run++) {
    handoffs = 0;
    fail_unless_equals_int (run_to_eos (pipeline), 1);
    fail_unless_equals_int (handoffs, 3);
  }
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* playbin with video-filter=anysr plays a file without a device. */
GST_START_TEST (test_fallback_playbin)
{
  GstElement *writer, *playbin, *sink;
  GError *err = NULL;
  gchar *dir, *path, *desc, *uri;

  check_env ();
  dir = g_dir_make_tmp ("anysr-nodevice-XXXXXX", NULL);
  fail_unless (dir != NULL);
  path = g_build_filename (dir, "clip.avi", NULL);
  desc = g_strdup_printf ("videotestsrc num-buffers=5 ! "
      "video/x-raw,width=32,height=24,framerate=10/1 ! jpegenc ! avimux ! "
      "filesink location=\"%s\"", path);
  writer = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!writer || err) {
    /* jpegenc or avimux missing (gst-plugins-good): nothing to play */
    GST_WARNING ("cannot write a clip: %s", err ? err->message : "?");
    g_clear_error (&err);
    if (writer)
      gst_object_unref (writer);
    g_free (path);
    g_rmdir (dir);
    g_free (dir);
    return;
  }
  fail_unless_equals_int (run_to_eos (writer), 0);
  gst_object_unref (writer);

  playbin = gst_element_factory_make ("playbin", NULL);
  fail_unless (playbin != NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "signal-handoffs", TRUE, "sync", FALSE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff),
      GINT_TO_POINTER (64));
  uri = gst_filename_to_uri (path, NULL);
  g_object_set (playbin, "uri", uri, "video-sink", sink, "video-filter",
      gst_element_factory_make ("anysr", NULL), NULL);
  handoffs = 0;
  fail_unless_equals_int (run_to_eos (playbin), 1);
  fail_unless_equals_int (handoffs, 5);
  gst_object_unref (playbin);

  g_free (uri);
  g_unlink (path);
  g_free (path);
  g_rmdir (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_no_device_pipeline)
{
  GstElement *pipeline;
  GstBus *bus;

  check_env ();
  pipeline = gst_parse_launch ("videotestsrc num-buffers=1 ! "
      "anysr fallback=false ! fakesink", NULL);
  fail_unless (pipeline != NULL);
  bus = gst_element_get_bus (pipeline);

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  check_no_device_error (bus);

  /* and again: still an error, no crash */
  fail_unless_equals_int (gst_element_set_state (pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  check_no_device_error (bus);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_no_device_element)
{
  GstElement *e = gst_element_factory_make ("anysr", NULL);
  GstBus *bus = gst_bus_new ();
  gchar *name = NULL;
  gboolean fallback = FALSE;

  g_object_get (e, "fallback", &fallback, NULL);
  fail_unless (fallback, "fallback is not on by default");
  g_object_set (e, "fallback", FALSE, NULL);
  gst_element_set_bus (e, bus);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  check_no_device_error (bus);
  g_object_get (e, "device-name", &name, NULL);
  fail_unless (name == NULL);

  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  /* fallback on again: READY now succeeds, with the warning */
  g_object_set (e, "fallback", TRUE, NULL);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  check_fallback_warning (bus);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);

  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
nodevice_suite (void)
{
  Suite *s = suite_create ("anysr-nodevice");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_fallback_frames);
  tcase_add_test (tc, test_fallback_negotiation);
  tcase_add_test (tc, test_fallback_pipeline);
  tcase_add_test (tc, test_fallback_playbin);
  tcase_add_test (tc, test_no_device_pipeline);
  tcase_add_test (tc, test_no_device_element);

  return s;
}

GST_CHECK_MAIN (nodevice);
