/* GStreamer anysr element: the known problems of gst-vulkan neighbours
 * (gstanysrvkquirks.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ANY_SR_VK_QUIRKS_H__
#define __GST_ANY_SR_VK_QUIRKS_H__

#include "gstanysrpriv.h"

G_BEGIN_DECLS

/* whether the vulkan plugin's copies shear NV12 / I420 at widths whose
 * plane rows are not a multiple of 4 bytes (before 1.28.3); its version */
gboolean gst_any_sr_vk_quirks_copies_shear (const gchar ** version);
/* whether @features include memory:VulkanImage */
gboolean gst_any_sr_vk_quirks_structure_is_image (GstCapsFeatures * features);
/* @caps (transfer full) with VulkanImage NV12 / I420 restricted to the
 * widths the copies get right */
GstCaps *gst_any_sr_vk_quirks_restrict_widths (GstCaps * caps);
/* why anysr does not take @format at @width x @height as VulkanImage on its
 * @pad ("sink" or "src"; newly allocated), or NULL */
gchar *gst_any_sr_vk_quirks_size_refusal (const gchar * format, gint width,
    gint height, const gchar * pad);
/* why anysr does not take fixed VulkanImage @caps at their width on its
 * @pad ("sink" or "src"; newly allocated), or NULL */
gchar *gst_any_sr_vk_quirks_width_refusal (GstCaps * caps, const gchar * pad);
/* why anysr does not take (GST_PAD_SINK) or hand (GST_PAD_SRC) negotiated
 * VulkanImage @caps of @info's size: larger than the first frame of a
 * gst-vulkan neighbour whose pool keeps its first caps (newly allocated),
 * or NULL */
gchar *gst_any_sr_vk_quirks_caps_pool_refusal (GstAnySr * self,
    GstPadDirection direction, GstCaps * caps, const GstVideoInfo * info);
/* the vulkanupload upstream (past capsfilters and queues) when the vulkan
 * plugin is older than 1.24, whose images stay on the device of its first
 * stream (a reference), or NULL */
GstElement *gst_any_sr_vk_quirks_old_upload (GstAnySr * self);
/* after a caps query on a pad: takes out what such a pool cannot hold and
 * warns when the answer is empty because of either problem */
void gst_any_sr_vk_quirks_query_done (GstAnySr * self,
    GstPadDirection direction, GstQuery * query);

G_END_DECLS

#endif /* __GST_ANY_SR_VK_QUIRKS_H__ */
