/* Refusals as users meet them, through whole pipelines: each says why in an
 * element error and none hangs (docs/element.md#negotiation).
 *
 * - a negotiation left free picks an 8-bit format;
 * - neighbours whose caps rule everything out (a capsfilter on each side)
 *   are refused when the element goes to PAUSED, from the application's
 *   thread: a downscale names videoscale, another output format names
 *   videoconvert;
 * - a stress run of ANYSR_TEST_REFUSALS (default 300; 40 in the element
 *   suite, 300 in the slow one) refused pipelines in
 *   a row, alternating the refusal before the first buffer with one from
 *   the streaming thread (caps that only negotiation narrows down); each
 *   must post its error and reach NULL within a bound far above the
 *   normal (a hang fails the test instead of blocking the suite).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

/* bound for one refused pipeline; the normal is well under a second */
#define REFUSAL_TIMEOUT (30 * GST_SECOND)

/* Runs @desc to PLAYING; expects an error naming each of @words (NULL
 * terminated) within REFUSAL_TIMEOUT, then NULL. Returns whether the state
 * change itself failed (a refusal before the first buffer). */
static gboolean
expect_refusal (const gchar * desc, const gchar * const *words)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstStateChangeReturn ret;
  GstBus *bus;
  GstMessage *msg;
  gchar *dbg = NULL;
  guint i;

  fail_unless (pipeline != NULL && err == NULL, "%s: %s", desc,
      err ? err->message : "?");
  bus = gst_element_get_bus (pipeline);
  ret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, REFUSAL_TIMEOUT,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  fail_unless (msg != NULL, "%s: no error within %" GST_TIME_FORMAT, desc,
      GST_TIME_ARGS (REFUSAL_TIMEOUT));
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  /* the first error is anysr's, before the source's not-negotiated */
  fail_unless (g_str_has_prefix (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
          "anysr"), "%s: first error from %s", desc,
      GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)));
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, GST_CORE_ERROR,
          GST_CORE_ERROR_NEGOTIATION), "%s: %s", desc, err->message);
  for (i = 0; words[i]; i++)
    fail_unless (strstr (err->message, words[i]) != NULL,
        "%s: error \"%s\" does not say \"%s\"", desc, err->message, words[i]);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return ret == GST_STATE_CHANGE_FAILURE;
}

/* The format anysr's sink pad negotiates in @desc (an anysr named sr). */
static gchar *
negotiated_format (const gchar * desc)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstElement *sr;
  GstPad *pad;
  GstCaps *caps;
  gchar *format;

  fail_unless (pipeline != NULL, "%s", err ? err->message : "?");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          120 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  sr = gst_bin_get_by_name (GST_BIN (pipeline), "sr");
  pad = gst_element_get_static_pad (sr, "sink");
  caps = gst_pad_get_current_caps (pad);
  fail_unless (caps != NULL);
  format = g_strdup (gst_structure_get_string (gst_caps_get_structure (caps,
              0), "format"));
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (sr);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return format;
}

/* videotestsrc lists its 10-bit formats first; anysr's caps put the 8-bit
 * ones first, so a free negotiation picks one of them */
GST_START_TEST (test_free_negotiation_is_8bit)
{
  const gchar *pipes[] = {
    "videotestsrc ! video/x-raw,width=32,height=24 ! anysr name=sr ! "
        "fakesink",
    "videotestsrc ! video/x-raw,width=32,height=24 ! anysr name=sr scale=1 ! "
        "fakesink",
    "videotestsrc ! video/x-raw,width=32,height=24 ! anysr name=sr ! "
        "video/x-raw,width=48,height=36 ! fakesink",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (pipes); i++) {
    gchar *format = negotiated_format (pipes[i]);
    GstVideoFormat f = gst_video_format_from_string (format);

    GST_INFO ("%s: %s", pipes[i], format);
    fail_unless (GST_VIDEO_FORMAT_INFO_DEPTH (gst_video_format_get_info (f),
            0) == 8, "%s negotiated %s", pipes[i], format);
    g_free (format);
  }
  /* a 10-bit input stays 10-bit */
  {
    gchar *format = negotiated_format ("videotestsrc ! "
        "video/x-raw,format=P010_10LE,width=32,height=24 ! anysr name=sr ! "
        "fakesink");
    fail_unless_equals_string (format, "P010_10LE");
    g_free (format);
  }
}

GST_END_TEST;

GST_START_TEST (test_refused_before_first_buffer)
{
  const gchar *down[] = { "cannot scale 32x24 to 16x12", "videoscale", NULL };
  const gchar *up[] = { "cannot scale 32x24 to 300x48", NULL };
  const gchar *conv[] = { "cannot convert I420 to RGBA",
    "output format must equal the input format", "videoconvert", NULL
  };

  fail_unless (expect_refusal ("videotestsrc ! video/x-raw,width=32,height=24"
          " ! anysr ! video/x-raw,width=16,height=12 ! fakesink", down));
  fail_unless (expect_refusal ("videotestsrc ! video/x-raw,width=32,height=24"
          " ! anysr ! video/x-raw,width=300,height=48 ! fakesink", up));
  fail_unless (expect_refusal ("videotestsrc ! video/x-raw,format=I420 ! "
          "anysr ! video/x-raw,format=RGBA ! fakesink", conv));
}

GST_END_TEST;

/* the neighbours' caps leave servable sizes (640x480 -> 2600x480), but
 * videotestsrc fixates to 320x240, nearest its default: refused at the
 * first buffer, from the streaming thread (before any frame is scaled) */
#define STREAMING_REFUSAL "videotestsrc ! " \
  "video/x-raw,width=[320,640],height=[240,480] ! anysr ! " \
  "video/x-raw,width=2600,height=480 ! fakesink"

GST_START_TEST (test_refused_while_streaming)
{
  const gchar *words[] = { "cannot scale 320x240 to 2600x480", NULL };

  fail_if (expect_refusal (STREAMING_REFUSAL, words));
}

GST_END_TEST;

GST_START_TEST (test_refusal_stress)
{
  const gchar *down[] = { "cannot scale 32x24 to 16x12", NULL };
  const gchar *streaming[] = { "cannot scale 320x240 to 2600x480", NULL };
  const gchar *env = g_getenv ("ANYSR_TEST_REFUSALS");
  guint n = env ? (guint) g_ascii_strtoull (env, NULL, 10) : 300, i;
  gint64 t0 = g_get_monotonic_time ();

  for (i = 0; i < n; i++) {
    if (i % 2 == 0)
      expect_refusal ("videotestsrc ! video/x-raw,width=32,height=24 ! "
          "anysr ! video/x-raw,width=16,height=12 ! fakesink", down);
    else
      expect_refusal (STREAMING_REFUSAL, streaming);
  }
  g_print ("%u refused pipelines in %.1f s\n", n,
      (g_get_monotonic_time () - t0) / 1e6);
}

GST_END_TEST;

static Suite *
refusals_suite (void)
{
  Suite *s = suite_create ("anysr-refusals");
  TCase *tc = tcase_create ("refusals");

  /* the stress run: a few hundred engine opens on lavapipe */
  tcase_set_timeout (tc, 1200);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_free_negotiation_is_8bit);
  tcase_add_test (tc, test_refused_before_first_buffer);
  tcase_add_test (tc, test_refused_while_streaming);
  tcase_add_test (tc, test_refusal_stress);
  return s;
}

GST_CHECK_MAIN (refusals);
