/* GStreamer anysr element: GPU-resident frames (gst-vulkan), the
 * video/x-raw(memory:VulkanImage) side. Buffer pools of VulkanImage buffers
 * on the engine's device, and the copies that move frames between the
 * images and the engine's device buffers, recorded into the engine's
 * command buffer (asr_engine_process_vulkan): no trip through the host.
 * Finding the neighbours' device and running the engine on it is
 * gstanysrengine.c's.
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

#include <string.h>

#include "gstanysrvulkan.h"

#ifdef HAVE_GST_VULKAN

#include <gst/vulkan/vulkan.h>
#include <anysr/anysr-vulkan.h>

#define VK_DEVICE(s) ((GstVulkanDevice *) (s)->vk_device)

gboolean
gst_any_sr_vulkan_is_image_buffer (GstBuffer * buf)
{
  return buf && gst_buffer_n_memory (buf) > 0 &&
      gst_is_vulkan_image_memory (gst_buffer_peek_memory (buf, 0));
}

gboolean
gst_any_sr_vulkan_caps_are_image (GstCaps * caps)
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
  GstBuffer *in_buffer, *out_buffer;
  const GstVideoInfo *in_info, *out_info;
} ImageCopies;

static void
plane_region (const GstVideoInfo * info, guint plane,
    const AsrVulkanFrameBuffer * frame_buffer, VkBufferImageCopy * r)
{
  gint comp[GST_VIDEO_MAX_COMPONENTS];
  guint pstride;

  gst_video_format_info_component (info->finfo, plane, comp);
  pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE (info->finfo, comp[0]);
  memset (r, 0, sizeof (*r));
  r->bufferOffset = frame_buffer->offset[plane];
  r->bufferRowLength =
      (guint32) (frame_buffer->stride[plane] / MAX (pstride, 1));
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
image_barrier (VkCommandBuffer cmd, GstVulkanImageMemory * mem,
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

  vkCmdPipelineBarrier (cmd, src ? src : VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT,
      VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, NULL, 0, NULL, 1, &b);
  mem->barrier.parent.pipeline_stages = VK_PIPELINE_STAGE_TRANSFER_BIT;
  mem->barrier.parent.access_flags = access;
  mem->barrier.image_layout = layout;
}

/* gst-vulkan 1.22 orders the work on an image by queue submission only:
 * its elements submit and pass the buffer on, with no semaphore or fence
 * to wait on; the image's barrier state names the queue that used it last.
 * The engine submits on upstream's queue when upstream offers one
 * (gstanysrengine.c, find_neighbour_device), where the barrier below
 * orders the copy after upstream's work. An image last used on another
 * queue of the device has that queue's work waited for first. */
static void
wait_other_queue (GstAnySr * self, GstVulkanImageMemory * mem)
{
  GstVulkanQueue *other = mem->barrier.parent.queue;
  GstVulkanQueue *ours = (GstVulkanQueue *) self->vk_queue;

  if (!other || !ours || other->queue == ours->queue)
    return;
  GST_DEBUG_OBJECT (self, "an image last used on queue family %u index %u, "
      "the engine's is family %u index %u: waiting for that queue",
      other->family, other->index, ours->family, ours->index);
  gst_vulkan_queue_submit_lock (other);
  vkQueueWaitIdle (other->queue);
  gst_vulkan_queue_submit_unlock (other);
}

static int
check_planes (GstAnySr * self, GstBuffer * buf, const GstVideoInfo * info,
    const AsrVulkanFrameBuffer * frame_buffer, const gchar * side)
{
  guint i, n = GST_VIDEO_INFO_N_PLANES (info);

  if (gst_buffer_n_memory (buf) != n || frame_buffer->planes != n) {
    GST_ERROR_OBJECT (self, "a VulkanImage buffer of %u memories for %u "
        "planes", gst_buffer_n_memory (buf), n);
    return -1;
  }
  for (i = 0; i < n; i++) {
    GstMemory *m = gst_buffer_peek_memory (buf, i);
    if (!gst_is_vulkan_image_memory (m) ||
        ((GstVulkanImageMemory *) m)->device != VK_DEVICE (self)) {
      GST_ERROR_OBJECT (self, "plane %u of the %s is not a VulkanImage "
          "memory of the engine's device %" GST_PTR_FORMAT, i, side,
          VK_DEVICE (self));
      return -1;
    }
  }
  return 0;
}

/* Record the copies between the planes of one side's buffer (VulkanImage
 * memories) and the engine's frame buffer @frame_buffer: image -> buffer for
 * the input, buffer -> image for the output (@to_image). */
static int
record_copies (ImageCopies * copies, VkCommandBuffer cmd,
    const AsrVulkanFrameBuffer * frame_buffer, gboolean to_image)
{
  GstAnySr *self = copies->self;
  GstBuffer *buf = to_image ? copies->out_buffer : copies->in_buffer;
  const GstVideoInfo *info = to_image ? copies->out_info : copies->in_info;
  VkImageLayout layout = to_image ? VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL :
      VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
  guint i, n = GST_VIDEO_INFO_N_PLANES (info);

  if (check_planes (self, buf, info, frame_buffer, to_image ? "output" :
          "input") < 0)
    return -1;
  for (i = 0; i < n; i++) {
    GstVulkanImageMemory *mem =
        (GstVulkanImageMemory *) gst_buffer_peek_memory (buf, i);
    VkBufferImageCopy r;

    wait_other_queue (self, mem);
    image_barrier (cmd, mem, layout, to_image ? VK_ACCESS_TRANSFER_WRITE_BIT :
        VK_ACCESS_TRANSFER_READ_BIT);
    plane_region (info, i, frame_buffer, &r);
    if (to_image)
      vkCmdCopyBufferToImage (cmd, frame_buffer->buffer, mem->image, layout,
          1, &r);
    else
      vkCmdCopyImageToBuffer (cmd, mem->image, layout, frame_buffer->buffer,
          1, &r);
  }
  return 0;
}

static int
record_input (void *user, VkCommandBuffer cmd, const AsrVulkanFrameBuffer * fb)
{
  return record_copies (user, cmd, fb, FALSE);
}

static int
record_output (void *user, VkCommandBuffer cmd, const AsrVulkanFrameBuffer * fb)
{
  return record_copies (user, cmd, fb, TRUE);
}

/* Elements reading the same images (a tee's branches) record and submit
 * one at a time: an image's barrier state (layout, access) is read and
 * written without a lock by whoever uses it (gst-vulkan 1.22's
 * GstVulkanImageMemory), and the old layout each barrier names holds only
 * if the submissions come in the order the barriers were recorded. One
 * lock for the process: elements on one image share its device and its
 * queue, whose submissions run in turn anyway. */
static GMutex shared_images_lock;

/* TRUE when another element may hold (and read) @buf's images */
static gboolean
images_shared (GstBuffer * buf)
{
  guint i, n = buf ? gst_buffer_n_memory (buf) : 0;

  if (!buf)
    return FALSE;
  if (!gst_buffer_is_writable (buf))
    return TRUE;
  for (i = 0; i < n; i++)
    if (!gst_mini_object_is_writable (GST_MINI_OBJECT_CAST
            (gst_buffer_peek_memory (buf, i))))
      return TRUE;
  return FALSE;
}

/* The device of @buf's first memory when it is a VulkanImage memory of
 * another device than the engine's, else NULL */
static GstVulkanDevice *
foreign_device (GstAnySr * self, GstBuffer * buf)
{
  GstMemory *m = buf && gst_buffer_n_memory (buf) > 0 ?
      gst_buffer_peek_memory (buf, 0) : NULL;

  if (!m || !gst_is_vulkan_image_memory (m) ||
      ((GstVulkanImageMemory *) m)->device == VK_DEVICE (self))
    return NULL;
  return ((GstVulkanImageMemory *) m)->device;
}

/* TRUE when the image of @buf's first plane (VulkanImage; the whole frame's
 * size in every format anysr takes) is smaller than @info says, its size
 * in @w x @h */
static gboolean
image_too_small (GstBuffer * buf, const GstVideoInfo * info, guint * w,
    guint * h)
{
  GstMemory *m = buf && gst_buffer_n_memory (buf) > 0 ?
      gst_buffer_peek_memory (buf, 0) : NULL;

  if (!m || !gst_is_vulkan_image_memory (m))
    return FALSE;
  *w = gst_vulkan_image_memory_get_width ((GstVulkanImageMemory *) m);
  *h = gst_vulkan_image_memory_get_height ((GstVulkanImageMemory *) m);
  return *w < (guint) GST_VIDEO_INFO_WIDTH (info) ||
      *h < (guint) GST_VIDEO_INFO_HEIGHT (info);
}

gboolean
gst_any_sr_vulkan_check_images (GstAnySr * self)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  GstVulkanDevice *in = foreign_device (self, self->vk_in);
  GstVulkanDevice *out = foreign_device (self, self->vk_out);
  guint w = 0, h = 0;
  gboolean small_in = image_too_small (self->vk_in, &filter->in_info, &w, &h);

  if (small_in || image_too_small (self->vk_out, &filter->out_info, &w, &h)) {
    const GstVideoInfo *info = small_in ? &filter->in_info : &filter->out_info;

    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("anysr's %s images are %ux%u, smaller than the %dx%d frames of the "
            "caps: a gst-vulkan element before 1.24 keeps the buffer pool of "
            "its first caps after a renegotiation to a larger size; change "
            "the size in READY with new elements, or use GStreamer 1.24 or "
            "later", small_in ? "input" : "output", w, h,
            GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info)),
        (NULL));
    return FALSE;
  }
  if (!in && !out)
    return TRUE;
  GST_ELEMENT_ERROR (self, STREAM, FAILED,
      ("anysr's %s images are on the Vulkan device %s, its engine runs on "
          "%s: it does not submit another device's images. A gst-vulkan "
          "element reused for a new stream may keep images of its first "
          "device (GStreamer 1.22's vulkanupload keeps its first stream's "
          "buffer pool); give the "
          "Vulkan elements one device (GstContext) or new elements",
          in ? "input" : "output", GST_OBJECT_NAME (in ? in : out),
          GST_OBJECT_NAME (VK_DEVICE (self))),
      ("the images' device %" GST_PTR_FORMAT ", the engine's %"
          GST_PTR_FORMAT, in ? in : out, VK_DEVICE (self)));
  return FALSE;
}

AsrStatus
gst_any_sr_vulkan_process (GstAnySr * self, const AsrFrame * input,
    AsrFrame * output)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  ImageCopies copies = { self, self->vk_in, self->vk_out, &filter->in_info,
    &filter->out_info
  };
  AsrVulkanFrameIo frame_io = {
    self->vk_in ? record_input : NULL,
    self->vk_out ? record_output : NULL,
    &copies,
  };

  gboolean shared = images_shared (self->vk_in);
  AsrStatus status;

  if (shared)
    g_mutex_lock (&shared_images_lock);
  status = asr_engine_process_vulkan (self->engine, self->vk_in ? NULL : input,
      self->vk_out ? NULL : output, &frame_io);
  if (shared)
    g_mutex_unlock (&shared_images_lock);
  return status;
}

#else /* !HAVE_GST_VULKAN: system memory only */

gboolean
gst_any_sr_vulkan_check_images (GstAnySr * self)
{
  return TRUE;
}

gboolean
gst_any_sr_vulkan_is_image_buffer (GstBuffer * buf)
{
  return FALSE;
}

gboolean
gst_any_sr_vulkan_caps_are_image (GstCaps * caps)
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
gst_any_sr_vulkan_process (GstAnySr * self, const AsrFrame * input,
    AsrFrame * output)
{
  return ASR_ERROR_UNSUPPORTED;
}

#endif
