/* GStreamer anysr element: GPU-resident frames (gst-vulkan). The element
 * takes the GstVulkanDevice of its neighbours through GstContext, runs its
 * engine on that VkDevice (asr_engine_new_vulkan), answers the neighbours'
 * context queries itself, and moves video/x-raw(memory:VulkanImage) frames
 * between the images and the engine's device buffers with copies recorded
 * into the engine's command buffer (asr_engine_process_vulkan): no trip
 * through the host.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstanysrpriv.h"

#ifdef HAVE_GST_VULKAN

#include <gst/vulkan/vulkan.h>
#include <anysr/anysr-vulkan.h>

#define VK_INSTANCE(s) ((GstVulkanInstance *) (s)->vk_instance)
#define VK_DEVICE(s) ((GstVulkanDevice *) (s)->vk_device)
#define VK_QUEUE(s) ((GstVulkanQueue *) (s)->vk_queue)

gboolean
gst_any_sr_vulkan_available (void)
{
  return TRUE;
}

void
gst_any_sr_vulkan_set_context (GstAnySr * self, GstContext * context)
{
  GstVulkanInstance *instance = VK_INSTANCE (self);
  GstVulkanDevice *device = NULL;

  gst_vulkan_handle_set_context (GST_ELEMENT (self), context, NULL, &instance);
  self->vk_instance = (GstObject *) instance;
  /* an application may hand us a device too */
  if (!self->vk_device && gst_context_get_vulkan_device (context, &device))
    self->vk_device = (GstObject *) device;
}

gboolean
gst_any_sr_vulkan_query (GstAnySr * self, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) != GST_QUERY_CONTEXT || !self->vk_device)
    return FALSE;
  if (gst_vulkan_handle_context_query (GST_ELEMENT (self), query, NULL,
          VK_INSTANCE (self), VK_DEVICE (self)))
    return TRUE;
  return gst_vulkan_queue_handle_context_query (GST_ELEMENT (self), query,
      VK_QUEUE (self));
}

static gboolean
queue_has_compute (GstVulkanQueue * q)
{
  GstVulkanPhysicalDevice *pd = q->device->physical_device;

  return q->family < pd->n_queue_families &&
      (pd->queue_family_props[q->family].queueFlags & VK_QUEUE_COMPUTE_BIT);
}

static gboolean
pick_queue (GstVulkanDevice * device, GstVulkanQueue * queue, gpointer data)
{
  GstVulkanQueue **out = data;

  if (!queue_has_compute (queue))
    return TRUE;
  *out = gst_object_ref (queue);
  return FALSE;
}

/* A neighbour's device (and a compute queue on it), found through context
 * queries; creates nothing. TRUE when found (kept in self). */
gboolean
gst_any_sr_vulkan_find (GstAnySr * self)
{
  GstVulkanInstance *instance = VK_INSTANCE (self);
  GstVulkanDevice *device = VK_DEVICE (self);
  GstVulkanQueue *queue = NULL;

  if (!device) {
    /* the query hands the context to set_context(), which keeps it in
     * self->vk_instance: look there */
    if (!instance)
      gst_vulkan_instance_run_context_query (GST_ELEMENT (self),
          (GstVulkanInstance **) & self->vk_instance);
    if (!self->vk_instance) {
      GST_DEBUG_OBJECT (self, "no neighbour has a Vulkan instance (yet)");
      return FALSE;
    }
    if (!gst_vulkan_device_run_context_query (GST_ELEMENT (self), &device)) {
      GST_DEBUG_OBJECT (self, "no neighbour has a Vulkan device (yet)");
      return FALSE;
    }
    self->vk_device = (GstObject *) device;
  }
  if (!self->vk_queue) {
    if (gst_vulkan_queue_run_context_query (GST_ELEMENT (self), &queue)
        && (queue->device != device || !queue_has_compute (queue)))
      gst_clear_object (&queue);
    if (!queue)
      gst_vulkan_device_foreach_queue (device, pick_queue, &queue);
    if (!queue) {
      GST_WARNING_OBJECT (self, "the neighbours' Vulkan device has no compute "
          "queue: the engine uses a device of its own");
      return FALSE;
    }
    self->vk_queue = (GstObject *) queue;
  }
  GST_INFO_OBJECT (self, "the neighbours' Vulkan device %" GST_PTR_FORMAT
      " (VkDevice %p), queue family %u index %u", device,
      (gpointer) device->device, queue->family, queue->index);
  return TRUE;
}

/* The device of a pad's peer, asked directly (a context query on each
 * peer, no need-context message on the bus). Needed because the elements
 * of gst-vulkan 1.22 (vulkanupload, vulkancolorconvert ...) create their
 * instance and device when *they* go from READY to PAUSED, and a bin
 * changes its sinks' state first: with no Vulkan element downstream, anysr
 * went to PAUSED (and looked for a device, in vain) before vulkanupload
 * upstream had one. At negotiation time the upstream element has it.
 * TRUE when self has a device and a compute queue (kept, as in
 * gst_any_sr_vulkan_find). */
gboolean
gst_any_sr_vulkan_find_peer (GstAnySr * self)
{
  static const gchar *pads[] = { "sink", "src" };
  GstVulkanDevice *device = NULL;
  guint i;

  if (self->vk_device && self->vk_queue)
    return TRUE;
  if (!self->vk_device) {
    for (i = 0; i < G_N_ELEMENTS (pads) && !device; i++) {
      GstPad *pad = gst_element_get_static_pad (GST_ELEMENT (self), pads[i]);
      GstQuery *q = gst_query_new_context (GST_VULKAN_DEVICE_CONTEXT_TYPE_STR);
      GstContext *ctx = NULL;

      if (pad && gst_pad_peer_query (pad, q)) {
        gst_query_parse_context (q, &ctx);
        if (ctx && !gst_context_get_vulkan_device (ctx, &device))
          device = NULL;
      }
      gst_query_unref (q);
      gst_clear_object (&pad);
    }
    if (!device)
      return FALSE;
    GST_INFO_OBJECT (self, "a peer has the Vulkan device %" GST_PTR_FORMAT,
        device);
    self->vk_device = (GstObject *) device;
    if (!self->vk_instance)
      self->vk_instance = gst_object_ref (device->instance);
  }
  if (!gst_any_sr_vulkan_find (self)) {
    gst_any_sr_vulkan_close (self);
    return FALSE;
  }
  return TRUE;
}

void
gst_any_sr_vulkan_close (GstAnySr * self)
{
  gst_clear_object (&self->vk_queue);
  gst_clear_object (&self->vk_device);
  gst_clear_object (&self->vk_instance);
}

static void
queue_lock (void *user)
{
  gst_vulkan_queue_submit_lock (user);
}

static void
queue_unlock (void *user)
{
  gst_vulkan_queue_submit_unlock (user);
}

AsrStatus
gst_any_sr_vulkan_engine_new (GstAnySr * self, const AsrSettings * s,
    AsrEngine ** out)
{
  GstVulkanDevice *device = VK_DEVICE (self);
  GstVulkanQueue *queue = VK_QUEUE (self);
  guint major = 1, minor = 0, patch = 0;
  AsrVulkanDevice vk = { 0 };

  gst_vulkan_instance_get_version (device->instance, &major, &minor, &patch);
  vk.instance = device->instance->instance;
  vk.physical_device = gst_vulkan_device_get_physical_device (device);
  vk.device = device->device;
  vk.queue_family_index = queue->family;
  vk.queue_index = queue->index;
  vk.get_instance_proc_addr = vkGetInstanceProcAddr;
  vk.api_version = VK_MAKE_VERSION (major, minor, patch);
  /* gst-vulkan 1.22 enables no Vulkan 1.1 feature: fp32 feature maps */
  vk.enabled_features = NULL;
  vk.queue_lock = queue_lock;
  vk.queue_unlock = queue_unlock;
  vk.queue_lock_user_data = queue;
  return asr_engine_new_vulkan (s, &vk, out);
}

gboolean
gst_any_sr_is_vulkan_buffer (GstBuffer * buf)
{
  return buf && gst_buffer_n_memory (buf) > 0 &&
      gst_is_vulkan_image_memory (gst_buffer_peek_memory (buf, 0));
}

gboolean
gst_any_sr_caps_are_vulkan (GstCaps * caps)
{
  GstCapsFeatures *f;

  if (!caps || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return FALSE;
  f = gst_caps_get_features (caps, 0);
  return f && gst_caps_features_contains (f,
      GST_CAPS_FEATURE_MEMORY_VULKAN_IMAGE);
}

/* The pool of VulkanImage buffers on our device, configured for @caps. */
static GstBufferPool *
image_pool (GstAnySr * self, GstCaps * caps, guint min, guint max)
{
  GstBufferPool *pool = gst_vulkan_image_buffer_pool_new (VK_DEVICE (self));
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstVideoInfo info;

  gst_video_info_from_caps (&info, caps);
  gst_buffer_pool_config_set_params (config, caps, info.size, min, max);
  if (!gst_buffer_pool_set_config (pool, config)) {
    gst_object_unref (pool);
    return NULL;
  }
  return pool;
}

gboolean
gst_any_sr_vulkan_decide_allocation (GstAnySr * self, GstQuery * query)
{
  GstCaps *caps = NULL;
  GstBufferPool *pool = NULL;
  guint size = 0, min = 1, max = 0;

  gst_query_parse_allocation (query, &caps, NULL);
  if (!self->vk_device || !caps)
    return FALSE;
  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, &min, &max);
  if (pool && (!GST_IS_VULKAN_IMAGE_BUFFER_POOL (pool) ||
          ((GstVulkanImageBufferPool *) pool)->device != VK_DEVICE (self)))
    gst_clear_object (&pool);
  if (pool) {
    GstStructure *config = gst_buffer_pool_get_config (pool);
    GstVideoInfo info;

    gst_video_info_from_caps (&info, caps);
    gst_buffer_pool_config_set_params (config, caps, info.size, min, max);
    if (!gst_buffer_pool_set_config (pool, config))
      gst_clear_object (&pool);
  }
  if (!pool)
    pool = image_pool (self, caps, MAX (min, 1), max);
  if (!pool)
    return FALSE;
  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_set_nth_allocation_pool (query, 0, pool, 0, MAX (min, 1), max);
  else
    gst_query_add_allocation_pool (query, pool, 0, MAX (min, 1), max);
  gst_object_unref (pool);
  return TRUE;
}

gboolean
gst_any_sr_vulkan_propose_allocation (GstAnySr * self, GstQuery * query)
{
  GstCaps *caps = NULL;
  gboolean need_pool = FALSE;
  GstBufferPool *pool;

  gst_query_parse_allocation (query, &caps, &need_pool);
  if (!caps || !self->vk_device)
    return FALSE;
  if (need_pool) {
    pool = image_pool (self, caps, 1, 0);
    if (!pool)
      return FALSE;
    gst_query_add_allocation_pool (query, pool, 0, 1, 0);
    gst_object_unref (pool);
  }
  return TRUE;
}

/* the copies between the images of @buf (one memory per plane) and the
 * engine's frame buffer */
typedef struct
{
  GstAnySr *self;
  GstBuffer *in, *out;
  const GstVideoInfo *in_info, *out_info;
} VkIo;

static void
plane_region (const GstVideoInfo * info, guint plane,
    const AsrVulkanFrameBuffer * fb, VkBufferImageCopy * r)
{
  gint comp[GST_VIDEO_MAX_COMPONENTS];
  guint pstride;

  gst_video_format_info_component (info->finfo, plane, comp);
  pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE (info->finfo, comp[0]);
  memset (r, 0, sizeof (*r));
  r->bufferOffset = fb->offset[plane];
  r->bufferRowLength = (guint32) (fb->stride[plane] / MAX (pstride, 1));
  r->bufferImageHeight = 0;
  r->imageSubresource.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT;
  r->imageSubresource.layerCount = 1;
  r->imageExtent.width = GST_VIDEO_INFO_COMP_WIDTH (info, comp[0]);
  r->imageExtent.height = GST_VIDEO_INFO_COMP_HEIGHT (info, comp[0]);
  r->imageExtent.depth = 1;
}

/* a barrier from the memory's recorded state to @layout / @access at the
 * transfer stage; records the new state in the memory (as gst-vulkan's own
 * elements do) */
static void
image_barrier (VkCommandBuffer cb, GstVulkanImageMemory * mem,
    VkImageLayout layout, VkAccessFlags access)
{
  VkImageMemoryBarrier b = {
    .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
    .srcAccessMask = mem->barrier.parent.access_flags,
    .dstAccessMask = access,
    .oldLayout = mem->barrier.image_layout,
    .newLayout = layout,
    .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
    .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
    .image = mem->image,
    .subresourceRange = mem->barrier.subresource_range,
  };
  VkPipelineStageFlags src = mem->barrier.parent.pipeline_stages;

  vkCmdPipelineBarrier (cb, src ? src : VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT,
      VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, NULL, 0, NULL, 1, &b);
  mem->barrier.parent.pipeline_stages = VK_PIPELINE_STAGE_TRANSFER_BIT;
  mem->barrier.parent.access_flags = access;
  mem->barrier.image_layout = layout;
}

static int
check_planes (GstAnySr * self, GstBuffer * buf, const GstVideoInfo * info,
    const AsrVulkanFrameBuffer * fb)
{
  guint i, n = GST_VIDEO_INFO_N_PLANES (info);

  if (gst_buffer_n_memory (buf) != n || fb->planes != n) {
    GST_ERROR_OBJECT (self, "a VulkanImage buffer of %u memories for %u "
        "planes", gst_buffer_n_memory (buf), n);
    return -1;
  }
  for (i = 0; i < n; i++) {
    GstMemory *m = gst_buffer_peek_memory (buf, i);
    if (!gst_is_vulkan_image_memory (m) ||
        ((GstVulkanImageMemory *) m)->device != VK_DEVICE (self)) {
      GST_ERROR_OBJECT (self, "plane %u is not a VulkanImage memory of the "
          "engine's device", i);
      return -1;
    }
  }
  return 0;
}

/* Record the copies between the planes of @buf (VulkanImage memories) and
 * the engine's frame buffer @fb: image -> buffer for the input, buffer ->
 * image for the output. */
static int
record_copies (GstAnySr * self, GstBuffer * buf, const GstVideoInfo * info,
    VkCommandBuffer cb, const AsrVulkanFrameBuffer * fb, gboolean to_image)
{
  VkImageLayout layout = to_image ? VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL :
      VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
  guint i, n = GST_VIDEO_INFO_N_PLANES (info);

  if (check_planes (self, buf, info, fb) < 0)
    return -1;
  for (i = 0; i < n; i++) {
    GstVulkanImageMemory *mem =
        (GstVulkanImageMemory *) gst_buffer_peek_memory (buf, i);
    VkBufferImageCopy r;

    image_barrier (cb, mem, layout, to_image ? VK_ACCESS_TRANSFER_WRITE_BIT :
        VK_ACCESS_TRANSFER_READ_BIT);
    plane_region (info, i, fb, &r);
    if (to_image)
      vkCmdCopyBufferToImage (cb, fb->buffer, mem->image, layout, 1, &r);
    else
      vkCmdCopyImageToBuffer (cb, mem->image, layout, fb->buffer, 1, &r);
  }
  return 0;
}

static int
record_input (void *user, VkCommandBuffer cb, const AsrVulkanFrameBuffer * fb)
{
  VkIo *io = user;

  return record_copies (io->self, io->in, io->in_info, cb, fb, FALSE);
}

static int
record_output (void *user, VkCommandBuffer cb, const AsrVulkanFrameBuffer * fb)
{
  VkIo *io = user;

  return record_copies (io->self, io->out, io->out_info, cb, fb, TRUE);
}

AsrStatus
gst_any_sr_vulkan_process (GstAnySr * self, const AsrFrame * in,
    AsrFrame * out)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  VkIo io = { self, self->vk_in, self->vk_out, &filter->in_info,
    &filter->out_info
  };
  AsrVulkanFrameIo fio = {
    self->vk_in ? record_input : NULL,
    self->vk_out ? record_output : NULL,
    &io,
  };

  return asr_engine_process_vulkan (self->engine, self->vk_in ? NULL : in,
      self->vk_out ? NULL : out, &fio);
}

#else /* !HAVE_GST_VULKAN: system memory only */

gboolean
gst_any_sr_vulkan_available (void)
{
  return FALSE;
}

void
gst_any_sr_vulkan_set_context (GstAnySr * self, GstContext * context)
{
}

gboolean
gst_any_sr_vulkan_query (GstAnySr * self, GstQuery * query)
{
  return FALSE;
}

gboolean
gst_any_sr_vulkan_find (GstAnySr * self)
{
  return FALSE;
}

gboolean
gst_any_sr_vulkan_find_peer (GstAnySr * self)
{
  return FALSE;
}

void
gst_any_sr_vulkan_close (GstAnySr * self)
{
}

AsrStatus
gst_any_sr_vulkan_engine_new (GstAnySr * self, const AsrSettings * s,
    AsrEngine ** out)
{
  return ASR_ERROR_UNSUPPORTED;
}

gboolean
gst_any_sr_is_vulkan_buffer (GstBuffer * buf)
{
  return FALSE;
}

gboolean
gst_any_sr_caps_are_vulkan (GstCaps * caps)
{
  return FALSE;
}

gboolean
gst_any_sr_vulkan_decide_allocation (GstAnySr * self, GstQuery * query)
{
  return FALSE;
}

gboolean
gst_any_sr_vulkan_propose_allocation (GstAnySr * self, GstQuery * query)
{
  return FALSE;
}

AsrStatus
gst_any_sr_vulkan_process (GstAnySr * self, const AsrFrame * in,
    AsrFrame * out)
{
  return ASR_ERROR_UNSUPPORTED;
}

#endif
