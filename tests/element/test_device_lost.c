/* The device lost while streaming: with fallback=true
 * (the default) the element posts one warning naming the fallback and every
 * frame still comes out, at the right size, through the GStreamer video
 * library's CPU scaler; with fallback=false the stream stops with an error.
 * Runs on the test build of the plugin, whose ANYSR_TEST_LOSE_DEVICE makes
 * the engine's N-th device submission find the device lost.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <string.h>

static void
run (gboolean fallback, guint * frames, guint * warnings, guint * errors)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=6 ! "
      "video/x-raw,format=RGBA,width=16,height=12 ! anysr fallback=%s ! "
      "video/x-raw,width=40,height=30 ! fakesink name=sink signal-handoffs=true",
      fallback ? "true" : "false");
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstElement *sink;
  GstBus *bus;
  gboolean done = FALSE;

  fail_unless (pipeline != NULL, "%s", err ? err->message : "?");
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  *frames = *warnings = *errors = 0;
  g_signal_connect_swapped (sink, "handoff", G_CALLBACK (g_atomic_int_inc),
      frames);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (!done) {
    GstMessage *m = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    fail_unless (m != NULL, "no EOS or error in 120 s");
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
      GError *w = NULL;
      gst_message_parse_warning (m, &w, NULL);
      g_print ("warning: %s\n", w->message);
      if (strstr (w->message, "falls back"))
        (*warnings)++;
      g_error_free (w);
    } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
      GError *e = NULL;
      gst_message_parse_error (m, &e, NULL);
      g_print ("error: %s\n", e->message);
      (*errors)++;
      g_error_free (e);
      done = TRUE;
    } else {
      done = TRUE;
    }
    gst_message_unref (m);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_lost_fallback)
{
  guint frames, warnings, errors;

  run (TRUE, &frames, &warnings, &errors);
  g_print ("fallback=true: %u frames, %u fallback warning(s), %u error(s)\n",
      frames, warnings, errors);
  fail_unless_equals_int (frames, 6);
  fail_unless_equals_int (warnings, 1);
  fail_unless_equals_int (errors, 0);
}

GST_END_TEST;

GST_START_TEST (test_lost_no_fallback)
{
  guint frames, warnings, errors;

  run (FALSE, &frames, &warnings, &errors);
  g_print ("fallback=false: %u frames, %u error(s)\n", frames, errors);
  fail_unless_equals_int (errors, 1);
  fail_unless (frames < 6);
  fail_unless_equals_int (warnings, 0);
}

GST_END_TEST;

static Suite *
lost_suite (void)
{
  Suite *s = suite_create ("anysr-device-lost");
  TCase *tc = tcase_create ("lost");

  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_lost_fallback);
  tcase_add_test (tc, test_lost_no_fallback);
  return s;
}

GST_CHECK_MAIN (lost);
