/* GStreamer anysr element: the instance structure its files share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The element is split by concern, and its files call one way only: from
 * gstanysr.c down, a lower file never calling a higher one (each file's
 * functions are declared in a header of its own, named after it):
 *
 *   gstanysr.c        the type, properties, state changes, the transform;
 *                     the only file that chains up to the parent class
 *   gstanysrcaps.c    caps: formats, output size and pixel aspect, refusals,
 *                     the engine's configuration for them, frame planes
 *   gstanysrqos.c     the operating-point properties handed to the engine,
 *                     upstream QoS events
 *   gstanysrstats.c   the anysr-stats structure, its bus messages and the
 *                     current-subnet notification after every frame
 *   gstanysrengine.c  the engine's life: open, close, reopen; the Vulkan
 *                     device (its own, or the neighbours' through GstContext)
 *                     and its loss; the CPU scaler without a device
 *   gstanysrvulkan.c  VulkanImage frames: buffer pools and the copies between
 *                     the images and the engine's buffers
 *   gstanysrvkquirks.c  gst-vulkan neighbours' known problems (sheared
 *                     widths, pools of first caps) and the caps anysr
 *                     refuses for them
 *   gstanysrprops.c   which property values the element can use, and the
 *                     error that names a bad one
 *   plugin.c          the plugin, registering the element (gstanysr.h only)
 *
 * Calls (caller -> callees):
 *   gstanysr.c       -> caps, qos, stats, engine, vkquirks, vulkan
 *   gstanysrcaps.c   -> engine, vkquirks, vulkan, props
 *   gstanysrqos.c    -> stats, props
 *   gstanysrengine.c -> props
 *   gstanysrvkquirks.c -> vulkan
 *   gstanysrstats.c, gstanysrvulkan.c, gstanysrprops.c: none
 *
 * Not installed; nothing here is API.
 */
#ifndef __GST_ANY_SR_PRIV_H__
#define __GST_ANY_SR_PRIV_H__

#include <anysr/anysr.h>

#include "gstanysr.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_any_sr_debug);
#define GST_CAT_DEFAULT gst_any_sr_debug

/* The formats, 8-bit then 10-bit: the caps hold them as two structures so
 * that a negotiation left free picks an 8-bit format whatever order the
 * neighbour lists its formats in (docs/element.md#negotiation) */
#define ANY_SR_FORMATS_8BIT "RGBA, BGRA, RGBx, BGRx, I420, NV12"
#define ANY_SR_FORMATS_10BIT "P010_10LE, I420_10LE, RGB10A2_LE, BGR10A2_LE"
#define ANY_SR_FORMATS "{ " ANY_SR_FORMATS_8BIT ", " ANY_SR_FORMATS_10BIT " }"
#define ANY_SR_CAPS GST_VIDEO_CAPS_MAKE ("{ " ANY_SR_FORMATS_8BIT " }") "; " \
    GST_VIDEO_CAPS_MAKE ("{ " ANY_SR_FORMATS_10BIT " }")
/* GPU-resident frames (gst-vulkan, gstanysrvulkan.c) */
#define ANY_SR_VULKAN_FEATURE "memory:VulkanImage"
/* the 8-bit formats only: gst-vulkan 1.22 has no VkFormat for the 10-bit
 * ones (vulkanupload aborts in gst_vulkan_format_from_video_info) */
#define ANY_SR_VULKAN_FORMATS "{ " ANY_SR_FORMATS_8BIT " }"
#define ANY_SR_VULKAN_CAPS \
  GST_VIDEO_CAPS_MAKE_WITH_FEATURES (ANY_SR_VULKAN_FEATURE, \
      ANY_SR_VULKAN_FORMATS)

/* target-fps: adapt when live or a sink downstream syncs to the clock */
#define GST_ANY_SR_TARGET_FPS_AUTO (-2.0)

struct _GstAnySr
{
  GstVideoFilter parent;

  /* properties; protected by the object lock */
  gdouble scale;
  gint device;
  GstAnySrPrecision precision;  /* read on NULL to READY */
  GstAnySrTuning tuning;        /* read on NULL to READY; auto: ANYSR_TUNE's */
  gchar *device_name;           /* NULL while no engine is open */
  gchar *model_location;        /* NULL: the embedded default model */
  gint subnet;                  /* -1: the scale group's cap */
  GstAnySrDecoder decoder;
  gdouble k;                    /* -1: the model's default */
  gdouble depth_target;         /* 0: the model's default, 1: fixed depth */
  gdouble target_fps;           /* -2: auto, -1: no adaptation, 0: from caps */
  gdouble headroom;
  gboolean fallback;            /* CPU scaler without a device; read on
                                 * NULL to READY */
  guint stats_interval;         /* 0: no periodic stats messages */
  gboolean op_dirty;            /* the operating-point properties changed:
                                 * hand them to the engine before a frame */
  gdouble stream_fps;           /* frame rate of the input caps, 0: none */
  /* target-fps auto (gstanysrqos.c): the stream is live or a sink
   * downstream syncs to the clock (resolved when the operating point is
   * handed to the engine), or downstream reported lateness (sticky until
   * the element stops) */
  gboolean auto_live, auto_late;

  /* the last frame, for properties, messages and the QoS event handler;
   * protected by the object lock */
  gboolean have_stats;
  AsrStats stats;
  gint subnet_cap;              /* scale-group cap of that frame */
  gint n_subnets;
  gdouble budget_fps;           /* target handed to the engine, 0: off */
  GstClockTime last_pts;        /* timestamp of the frame's input buffer */
  gint last_size[4];            /* width first: in width, in height, out
                                 * width, out height */

  /* the engine (gstanysrengine.c): created on NULL->READY (again on
   * READY->PAUSED when model-location changed or a neighbour got a Vulkan
   * device, and at set_info when VulkanImage caps need the neighbours'
   * device), freed on READY->NULL, used by the streaming thread in between;
   * the pointer is protected by the object lock for the QoS event handler,
   * which runs in another thread */
  AsrEngine *engine;
  gchar *loaded_model;          /* model-location the engine was made with */
  gchar *last_refusal;          /* why the last caps were refused */
  gchar *last_query_refusal;    /* the last caps query's warning */

  /* no usable Vulkan device (none at NULL to READY, or lost mid-stream)
   * and fallback on: frames go through the GStreamer video library's CPU
   * scaler instead of the engine (which is NULL then). cpu_scaler is
   * protected by the object lock; the converter belongs to the streaming
   * thread (made in set_info) */
  gboolean may_fall_back;       /* the fallback property at NULL to READY */
  gboolean cpu_scaler;
  gboolean fallback_warned;     /* the warning was posted since NULL */
  /* the CPU scaler: all frames without a device; with one, the engine's
   * floor when cheaper (gst_any_sr_engine_floor_configure()) */
  GstVideoConverter *converter;
  gboolean floor_calibrated;    /* its time reported since the caps */

  /* streaming thread only (gstanysrstats.c): what the last anysr-stats
   * message said, and the frames since */
  guint frames_since_post;
  gint posted_op, posted_subnet, posted_decoder;
  gfloat posted_depth_target;

  /* gst-vulkan: the neighbours' GstVulkanInstance, GstVulkanDevice and
   * compute GstVulkanQueue, found through GstContext (gstanysrengine.c;
   * NULL: none, the engine then has a device of its own); vk_engine: the
   * engine runs on vk_device. vk_in / vk_out: the VulkanImage buffers of
   * the frame in progress (streaming thread; gstanysrvulkan.c copies them) */
  GstObject *vk_instance, *vk_device, *vk_queue;
  gboolean vk_engine;
  /* the neighbours' GstVulkanDevice the engine ran on when the element went
   * to NULL, kept for the next stream: gst-vulkan 1.22's vulkanupload keeps
   * making its images on the device of its first stream (its output pool
   * lives as long as the element; later versions take it from the
   * allocation query)
   * (docs/element.md#several-elements-and-devices); kept_for: that
   * vulkanupload (a weak reference): the device is used again only while
   * it lives */
  GstObject *kept_device;
  GWeakRef kept_for;
  GstBuffer *vk_in, *vk_out;

  /* the last error-level message the engine logged, quoted in element
   * errors; protected by log_lock because the Vulkan driver may log from a
   * thread of its own */
  GMutex log_lock;
  gchar *last_engine_error;
};

G_END_DECLS

#endif /* __GST_ANY_SR_PRIV_H__ */
