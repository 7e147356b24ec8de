/* GStreamer anysr element: super-resolution at any fractional scale on Vulkan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ANY_SR_H__
#define __GST_ANY_SR_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

#include <anysr/anysr.h>

G_BEGIN_DECLS

/**
 * GstAnySrDecoder:
 * @GST_ANY_SR_DECODER_HEAVY: every output pixel through the heavy decoder MLP
 * @GST_ANY_SR_DECODER_LIGHT: every output pixel through the light decoder MLP
 * @GST_ANY_SR_DECODER_ROUTED: a classifier routes each pixel to one of them,
 *   biased by #GstAnySr:k
 *
 * Decoder mode of the anysr network (the values of #AsrDecoderMode).
 *
 * Since: 0.1
 */
typedef enum
{
  GST_ANY_SR_DECODER_HEAVY = 0,
  GST_ANY_SR_DECODER_LIGHT = 1,
  GST_ANY_SR_DECODER_ROUTED = 2,
} GstAnySrDecoder;

#define GST_TYPE_ANY_SR_DECODER (gst_any_sr_decoder_get_type ())
GType gst_any_sr_decoder_get_type (void);

/**
 * GstAnySrPrecision:
 * @GST_ANY_SR_PRECISION_AUTO: fp16 where the device has 16-bit storage, else fp32
 * @GST_ANY_SR_PRECISION_FP16: 16-bit feature maps (fails without 16-bit storage)
 * @GST_ANY_SR_PRECISION_FP32: 32-bit feature maps
 *
 * Storage of the network's feature maps (the values of #AsrPrecision).
 *
 * Since: 0.1
 */
typedef enum
{
  GST_ANY_SR_PRECISION_AUTO = 0,
  GST_ANY_SR_PRECISION_FP16 = 1,
  GST_ANY_SR_PRECISION_FP32 = 2,
} GstAnySrPrecision;

#define GST_TYPE_ANY_SR_PRECISION (gst_any_sr_precision_get_type ())
GType gst_any_sr_precision_get_type (void);

#define GST_TYPE_ANY_SR (gst_any_sr_get_type ())
G_DECLARE_FINAL_TYPE (GstAnySr, gst_any_sr, GST, ANY_SR, GstVideoFilter);

/**
 * GstAnySr:
 *
 * Opaque instance structure of the anysr element.
 */
struct _GstAnySr
{
  GstVideoFilter parent;

  /* properties; protected by the object lock */
  gdouble scale;
  gint device;
  GstAnySrPrecision precision;  /* read on NULL to READY */
  gchar *device_name;           /* NULL while no engine is open */
  gchar *model_location;        /* NULL: the embedded default model */
  gint subnet;                  /* -1: the scale group's cap */
  GstAnySrDecoder decoder;
  gdouble k;                    /* -1: the model's default */
  gdouble depth_target;         /* 0: the model's default, 1: fixed depth */
  gdouble target_fps;           /* -1: no adaptation, 0: from caps */
  gdouble headroom;
  gboolean fallback;            /* CPU scaler without a device; read on
                                 * NULL to READY */
  guint stats_interval;         /* 0: no periodic stats messages */
  gboolean op_dirty;            /* the above changed: apply before a frame */
  gdouble stream_fps;           /* frame rate of the input caps, 0: none */

  /* the last frame, for properties, messages and the QoS event handler;
   * protected by the object lock */
  gboolean have_stats;
  AsrStats stats;
  gint subnet_cap;              /* scale-group cap of that frame */
  gint n_subnets;
  gdouble budget_fps;           /* target handed to the engine, 0: off */
  GstClockTime last_pts;
  gint last_size[4];            /* in width, height, out width, height */

  /* the engine: created on NULL->READY (again on READY->PAUSED when
   * model-location changed), freed on READY->NULL, used by the streaming
   * thread in between; the pointer is protected by the object lock for the
   * QoS event handler, which runs in another thread */
  AsrEngine *engine;
  gchar *loaded_model;          /* model-location the engine was made with */
  gchar *last_refusal;          /* why the last caps were refused */

  /* no usable Vulkan device (none at NULL to READY, or lost mid-stream)
   * and fallback on: frames go through the GStreamer video library's CPU
   * scaler instead of the engine (which is NULL then). cpu_scaler is
   * protected by the object lock; the converter belongs to the streaming
   * thread (made in set_info) */
  gboolean may_fall_back;       /* the fallback property at NULL to READY */
  gboolean cpu_scaler;
  gboolean fallback_warned;     /* the warning was posted since NULL */
  GstVideoConverter *converter;

  /* streaming thread only */
  guint frames_since_post;
  gint posted_op, posted_subnet, posted_decoder;
  gfloat posted_depth_target;

  /* gst-vulkan (gstanysrvulkan.c): the neighbours' GstVulkanInstance,
   * GstVulkanDevice and compute GstVulkanQueue, found through GstContext
   * (NULL: none; the engine then has a device of its own); vk_engine: the
   * engine runs on vk_device. vk_in / vk_out: the VulkanImage buffers of the
   * frame in progress (streaming thread) */
  GstObject *vk_instance, *vk_device, *vk_queue;
  gboolean vk_engine;
  GstBuffer *vk_in, *vk_out;

  /* the last error-level message the engine logged, quoted in element
   * errors; protected by log_lock because the Vulkan driver may log from a
   * thread of its own */
  GMutex log_lock;
  gchar *last_engine_error;
};

GST_ELEMENT_REGISTER_DECLARE (anysr);

G_END_DECLS

#endif /* __GST_ANY_SR_H__ */
