/* GStreamer anysr element: super-resolution at any fractional scale on Vulkan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ANY_SR_H__
#define __GST_ANY_SR_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

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

/**
 * GstAnySrTuning:
 * @GST_ANY_SR_TUNING_AUTO: cached winners, else time once on GPUs (ANYSR_TUNE when set)
 * @GST_ANY_SR_TUNING_OFF: the device's built-in kernel configuration
 * @GST_ANY_SR_TUNING_FORCE: time the candidates again when the device opens
 *
 * Kernel tuning (the values of #AsrTuning).
 *
 * Since: 0.1
 */
typedef enum
{
  GST_ANY_SR_TUNING_AUTO = 0,
  GST_ANY_SR_TUNING_OFF = 1,
  GST_ANY_SR_TUNING_FORCE = 2,
} GstAnySrTuning;

#define GST_TYPE_ANY_SR_TUNING (gst_any_sr_tuning_get_type ())
GType gst_any_sr_tuning_get_type (void);

/**
 * GstAnySr:
 *
 * Opaque instance structure of the anysr element.
 */
#define GST_TYPE_ANY_SR (gst_any_sr_get_type ())
G_DECLARE_FINAL_TYPE (GstAnySr, gst_any_sr, GST, ANY_SR, GstVideoFilter);

GST_ELEMENT_REGISTER_DECLARE (anysr);

G_END_DECLS

#endif /* __GST_ANY_SR_H__ */
