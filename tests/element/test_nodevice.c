/* With no usable Vulkan device (meson runs this with
 * VK_DRIVER_FILES=/nonexistent.json) the element must fail its state change
 * with an error that tells the user how to get a device.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <string.h>

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

GST_START_TEST (test_no_device_pipeline)
{
  GstElement *pipeline;
  GstBus *bus;

  fail_unless (g_getenv ("VK_DRIVER_FILES") != NULL &&
      !g_file_test (g_getenv ("VK_DRIVER_FILES"), G_FILE_TEST_EXISTS),
      "run with VK_DRIVER_FILES naming a file that does not exist");

  pipeline = gst_parse_launch ("videotestsrc num-buffers=1 ! anysr ! "
      "fakesink", NULL);
  fail_unless (pipeline != NULL);
  bus = gst_element_get_bus (pipeline);

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  check_no_device_error (bus);

  /* and again: still an error, no crash */
  fail_unless_equals_int (gst_element_set_state (pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  check_no_device_error (bus);

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

  gst_element_set_bus (e, bus);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  check_no_device_error (bus);
  g_object_get (e, "device-name", &name, NULL);
  fail_unless (name == NULL);

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
  tcase_add_test (tc, test_no_device_pipeline);
  tcase_add_test (tc, test_no_device_element);

  return s;
}

GST_CHECK_MAIN (nodevice);
