/* GStreamer anysr element: VulkanImage frames (gstanysrvulkan.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Stubs returning FALSE / ASR_ERROR_UNSUPPORTED in builds without
 * gstreamer-vulkan-1.0. Not installed; nothing here is API.
 */
#ifndef __GST_ANY_SR_VULKAN_H__
#define __GST_ANY_SR_VULKAN_H__

#include "gstanysrpriv.h"

G_BEGIN_DECLS

/* TRUE when @buf holds VulkanImage memory */
gboolean gst_any_sr_vulkan_is_image_buffer (GstBuffer * buf);
/* TRUE when the first structure of @caps has the VulkanImage feature */
gboolean gst_any_sr_vulkan_caps_are_image (GstCaps * caps);
/* allocation queries for VulkanImage caps: pools of images on the engine's
 * device (self->vk_device) */
gboolean gst_any_sr_vulkan_decide_allocation (GstAnySr * self,
    GstQuery * query);
gboolean gst_any_sr_vulkan_propose_allocation (GstAnySr * self,
    GstQuery * query);
/* one frame with VulkanImage on a side (self->vk_in / vk_out): the engine
 * with the copies from and to the images recorded into its command buffer */
/* FALSE (an element error posted, saying which) when the frame's
 * VulkanImage buffers are of another device than the engine's, or their
 * images smaller than the caps say */
gboolean gst_any_sr_vulkan_check_images (GstAnySr * self);
AsrStatus gst_any_sr_vulkan_process (GstAnySr * self,
    const AsrFrame * input, AsrFrame * output);

G_END_DECLS

#endif /* __GST_ANY_SR_VULKAN_H__ */
