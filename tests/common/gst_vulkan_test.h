/*
 * What the gst-vulkan element tests share: the GstVulkanDevice a pad's
 * neighbourhood answers a context query with. Header-only, beside
 * gst_test.h; include it after <gst/vulkan/vulkan.h>.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_GST_VULKAN_TEST_H
#define ANYSR_GST_VULKAN_TEST_H

#include <gst/gst.h>
#include <gst/vulkan/vulkan.h>

/* The Vulkan device the pad @pad of @element answers a context query with
 * (a reference, or NULL when none answers). */
static inline GstVulkanDevice *
test_pad_vulkan_device (GstElement * element, const gchar * pad)
{
  GstPad *p = gst_element_get_static_pad (element, pad);
  GstQuery *q = gst_query_new_context (GST_VULKAN_DEVICE_CONTEXT_TYPE_STR);
  GstContext *ctx = NULL;
  GstVulkanDevice *dev = NULL;

  if (gst_pad_query (p, q)) {
    gst_query_parse_context (q, &ctx);
    if (ctx)
      gst_context_get_vulkan_device (ctx, &dev);
  }
  gst_query_unref (q);
  gst_object_unref (p);
  return dev;
}

#endif /* ANYSR_GST_VULKAN_TEST_H */
