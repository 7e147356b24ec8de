/* The element with GPU-resident frames (gst-vulkan): vulkanupload ! anysr !
 * vulkandownload equals the system-memory pipeline byte for byte, runs on
 * one VkDevice, and negotiates VulkanImage on one side and system memory on
 * the other, both ways.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/vulkan/vulkan.h>

#include "gst_vulkan_test.h"

static int failures;
#define CHECK(c) do { if (!(c)) { g_printerr ("%s:%d: check failed: %s\n", \
    __FILE__, __LINE__, #c); failures++; } } while (0)

/* precision=fp32 on both paths: gst-vulkan 1.22 devices have no 16-bit
 * storage enabled, so the engine on them runs fp32 feature maps */
#define SRC "videotestsrc num-buffers=2 pattern=smpte ! " \
  "video/x-raw,format=%s,width=64,height=48 ! "
#define SR "anysr name=sr scale=2 precision=fp32 subnet=0 decoder=light"

typedef struct
{
  GBytes *frames[4];
  guint n;
  gchar *sr_sink_caps, *sr_src_caps;
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
  if (!pipe) {
    g_printerr ("%s: %s\n", desc, err->message);
    return FALSE;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipe), "out");
  sr = gst_bin_get_by_name (GST_BIN (pipe), "sr");
  up = gst_bin_get_by_name (GST_BIN (pipe), "up");
  down = gst_bin_get_by_name (GST_BIN (pipe), "down");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
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
  gst_clear_object (&r->sr_device);
  gst_clear_object (&r->up_device);
  gst_clear_object (&r->down_device);
}

static gboolean
same_frames (const Run * a, const Run * b)
{
  if (a->n != b->n || a->n == 0)
    return FALSE;
  for (guint i = 0; i < a->n; i++)
    if (!g_bytes_equal (a->frames[i], b->frames[i]))
      return FALSE;
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
  return failures != 0;
}
