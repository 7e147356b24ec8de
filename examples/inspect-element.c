/* Builds a pipeline with the anysr element, brings it to PAUSED (the Vulkan
 * device opens and the caps are negotiated) and prints the element's
 * properties with their values and the negotiated sizes.
 *
 *   anysr-inspect-element [SCALE | WIDTHxHEIGHT]
 *
 * Run it from a build tree with GST_PLUGIN_PATH=build/gst.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
print_properties (GstElement * element)
{
  GParamSpec **specs;
  guint i, n;

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n);
  printf ("properties of %s:\n", GST_ELEMENT_NAME (element));
  for (i = 0; i < n; i++) {
    GValue value = G_VALUE_INIT;
    gchar *contents;

    /* those of GstObject and GstBaseTransform are not anysr's own */
    if (specs[i]->owner_type != G_OBJECT_TYPE (element) ||
        !(specs[i]->flags & G_PARAM_READABLE))
      continue;
    g_value_init (&value, specs[i]->value_type);
    g_object_get_property (G_OBJECT (element), specs[i]->name, &value);
    contents = g_strdup_value_contents (&value);
    printf ("  %-12s = %-40s %s%s\n", specs[i]->name, contents,
        (specs[i]->flags & G_PARAM_WRITABLE) ? "" : "(read-only) ",
        g_param_spec_get_blurb (specs[i]));
    g_free (contents);
    g_value_unset (&value);
  }
  g_free (specs);
}

static void
print_caps (GstElement * element, const gchar * pad_name)
{
  GstPad *pad = gst_element_get_static_pad (element, pad_name);
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gchar *str = caps ? gst_caps_to_string (caps) : g_strdup ("(none)");

  printf ("  %-4s caps: %s\n", pad_name, str);
  g_free (str);
  if (caps)
    gst_caps_unref (caps);
  gst_object_unref (pad);
}

int
main (int argc, char **argv)
{
  GstElement *pipeline, *sr;
  GError *error = NULL;
  GstBus *bus;
  GstMessage *msg;
  gchar *desc, *sr_desc;
  guint w, h;
  int ret = 0;

  gst_init (&argc, &argv);

  if (argc > 1 && sscanf (argv[1], "%ux%u", &w, &h) == 2)
    sr_desc = g_strdup_printf ("anysr name=sr ! video/x-raw,width=%u,height=%u",
        w, h);
  else if (argc > 1)
    sr_desc = g_strdup_printf ("anysr name=sr scale=%s", argv[1]);
  else
    sr_desc = g_strdup ("anysr name=sr");

  desc = g_strdup_printf ("videotestsrc num-buffers=1 ! "
      "video/x-raw,width=320,height=240 ! %s ! fakesink", sr_desc);
  printf ("pipeline: %s\n", desc);
  pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  g_free (sr_desc);
  if (!pipeline) {
    fprintf (stderr, "error: %s\n", error->message);
    g_error_free (error);
    return 1;
  }
  sr = gst_bin_get_by_name (GST_BIN (pipeline), "sr");

  printf ("\nin NULL state:\n");
  print_properties (sr);

  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &error, &dbg);
    fprintf (stderr, "error from %s: %s\n(%s)\n", GST_OBJECT_NAME (msg->src),
        error->message, dbg ? dbg : "");
    g_error_free (error);
    g_free (dbg);
    ret = 1;
  } else {
    printf ("\nin PAUSED state:\n");
    print_properties (sr);
    print_caps (sr, "sink");
    print_caps (sr, "src");
  }
  gst_message_unref (msg);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sr);
  gst_object_unref (pipeline);

  return ret;
}
