/* GStreamer anysr element: operating points, the QoS controller's
 * inputs (QoS events) and the anysr-stats structure
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

#include <math.h>
#include <string.h>

#include "gstanysrpriv.h"


const gchar *
gst_any_sr_decoder_nick (gint decoder)
{
  switch (decoder) {
    case GST_ANY_SR_DECODER_HEAVY:
      return "heavy";
    case GST_ANY_SR_DECODER_LIGHT:
      return "light";
    default:
      return "routed";
  }
}

/* The anysr-stats structure of the last frame. Called with the object lock
 * held and have_stats set. */
GstStructure *
gst_any_sr_stats_structure_unlocked (GstAnySr * self, const gchar * reason)
{
  const AsrStats *st = &self->stats;

  return gst_structure_new ("anysr-stats",
      "reason", G_TYPE_STRING, reason,
      "op", G_TYPE_INT, (gint) st->op.point,
      "subnet", G_TYPE_INT, (gint) st->op.subnet,
      "subnets", G_TYPE_INT, self->n_subnets,
      "subnet-cap", G_TYPE_INT, self->subnet_cap,
      "width", G_TYPE_UINT, (guint) st->op.width,
      "depth", G_TYPE_UINT, (guint) st->op.depth,
      "decoder", G_TYPE_STRING, st->op.subnet == ASR_SUBNET_BICUBIC ?
      "bicubic" : gst_any_sr_decoder_nick (st->op.decoder),
      "k", G_TYPE_DOUBLE, round ((gdouble) st->op.k * 1e6) / 1e6,
      "heavy-fraction", G_TYPE_DOUBLE, st->op.heavy_fraction,
      "depth-target", G_TYPE_DOUBLE,
      round ((gdouble) st->op.depth_target * 1e6) / 1e6,
      "mean-depth", G_TYPE_DOUBLE, st->op.mean_depth,
      "macs-skipped", G_TYPE_DOUBLE, st->op.macs_skipped,
      "macs", G_TYPE_DOUBLE, st->op.macs,
      "gpu-ms", G_TYPE_DOUBLE, st->time.gpu_ms,
      "wall-ms", G_TYPE_DOUBLE, st->time.wall_ms,
      "target-fps", G_TYPE_DOUBLE, self->budget_fps,
      "budget-ms", G_TYPE_DOUBLE, st->qos.budget_ms,
      "predicted-ms", G_TYPE_DOUBLE, st->qos.predicted_ms,
      "fps-estimate", G_TYPE_DOUBLE, st->qos.fps_estimate,
      "budget-unmeetable", G_TYPE_BOOLEAN, st->qos.budget_unmeetable != 0,
      "switches", G_TYPE_UINT64, (guint64) st->qos.switches,
      "frames", G_TYPE_UINT64, (guint64) st->counts.frames,
      "frames-over-budget", G_TYPE_UINT64, (guint64) st->qos.frames_over_budget,
      "weight-uploads", G_TYPE_UINT64, (guint64) st->counts.weight_uploads,
      "pipelines-created", G_TYPE_UINT64, (guint64) st->counts.pipelines_created,
      "buffer-allocations", G_TYPE_UINT64, (guint64) st->counts.buffer_allocations,
      "device-bytes", G_TYPE_UINT64, (guint64) st->memory.device_bytes,
      "device-bytes-peak", G_TYPE_UINT64, (guint64) st->memory.device_bytes_peak,
      "precision", G_TYPE_STRING,
      st->plan.precision == ASR_PRECISION_FP16 ? "fp16" : "fp32",
      "kernels", G_TYPE_STRING,
      st->plan.kernels == ASR_KERNELS_COOPMAT ? "coopmat" : "simt",
      "encoder-bands", G_TYPE_UINT, (guint) st->plan.encoder_bands,
      "decoder-bands", G_TYPE_UINT, (guint) st->plan.decoder_bands,
      "in-width", G_TYPE_INT, self->last_size[0],
      "in-height", G_TYPE_INT, self->last_size[1],
      "out-width", G_TYPE_INT, self->last_size[2],
      "out-height", G_TYPE_INT, self->last_size[3],
      "pts", G_TYPE_UINT64, (guint64) self->last_pts, NULL);
}

/* Hands the operating-point properties to the engine when they changed.
 * Streaming thread (the engine is not thread-safe). */
gboolean
gst_any_sr_apply_op (GstAnySr * self)
{
  AsrOpChoice op;
  AsrStatus status;
  gint subnet, n;
  GstAnySrDecoder decoder;
  gdouble k, depth_target, target, headroom, fps, stream_fps;
  gchar *bad;

  GST_OBJECT_LOCK (self);
  if (!self->op_dirty) {
    GST_OBJECT_UNLOCK (self);
    return TRUE;
  }
  /* a value set while running that cannot be used (k, depth-target,
   * target-fps, headroom; a bad scale is refused by negotiation) stops the stream with
   * an error naming it */
  bad = gst_any_sr_bad_property_unlocked (self, FALSE);
  if (bad) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", bad), (NULL));
    g_free (bad);
    return FALSE;
  }
  self->op_dirty = FALSE;
  subnet = self->subnet;
  decoder = self->decoder;
  k = self->k;
  depth_target = self->depth_target;
  target = self->target_fps;
  headroom = self->headroom;
  stream_fps = self->stream_fps;
  GST_OBJECT_UNLOCK (self);

  n = asr_engine_num_subnets (self->engine);
  if (subnet >= n) {
    GST_WARNING_OBJECT (self, "subnet %d: the model has subnets 0 to %d; "
        "using %d", subnet, n - 1, n - 1);
    subnet = n - 1;
  }
  op.subnet = subnet;
  op.decoder = (AsrDecoderMode) decoder;
  op.k = k <= -1.0 ? asr_engine_default_k (self->engine) : (float) k;
  op.depth_target = (float) depth_target;     /* 0: the model's default */

  if (target < 0.0) {
    fps = 0.0;
  } else if (target == 0.0) {
    fps = stream_fps;
    if (fps <= 0.0)
      GST_INFO_OBJECT (self, "target-fps 0 but the caps give no frame rate: "
          "no adaptation");
  } else {
    fps = target;
  }

  GST_DEBUG_OBJECT (self, "operating point: subnet %d, decoder %s, k %g, "
      "depth target %g; target %g fps (property %g), headroom %g", op.subnet,
      gst_any_sr_decoder_nick (decoder), op.k, op.depth_target, fps, target,
      headroom);

  status = asr_engine_set_op (self->engine, &op);
  if (status == ASR_OK)
    status = asr_engine_set_target (self->engine, fps, headroom);
  if (status != ASR_OK) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("anysr cannot use subnet %d, decoder %s, k %g, depth target %g, "
            "target %g fps, headroom %g: %s", op.subnet,
            gst_any_sr_decoder_nick (decoder), op.k, op.depth_target, fps,
            headroom, asr_engine_last_error (self->engine)), (NULL));
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  self->budget_fps = fps;
  self->n_subnets = n;
  GST_OBJECT_UNLOCK (self);

  return TRUE;
}

/* Upstream QoS events feed the engine's controller. While it adapts and
 * still has a cheaper point to go to (the cheapest, point 0, is the
 * engine's bicubic floor), the base class' frame dropping is
 * kept out of it (its QoS state is reset and the event goes on upstream);
 * once the engine runs its cheapest point, or says that even that misses
 * the budget, or without adaptation, the base class handles the event as
 * usual and may drop late frames: dropping is the last resort. Either way
 * the event goes on upstream unchanged. */
gboolean
gst_any_sr_src_event (GstBaseTransform * trans, GstEvent * event)
{
  GstAnySr *self = GST_ANY_SR (trans);
  GstQOSType type;
  gdouble proportion;
  GstClockTimeDiff diff;
  GstClockTime timestamp;
  gboolean adaptive, cheapest, drop_ok, passthrough;

  if (GST_EVENT_TYPE (event) != GST_EVENT_QOS ||
      !gst_base_transform_is_qos_enabled (trans))
    return gst_any_sr_parent_transform_class ()->src_event (trans, event);

  gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
  passthrough = gst_base_transform_is_passthrough (trans);

  GST_OBJECT_LOCK (self);
  adaptive = self->engine && self->budget_fps > 0.0 && !passthrough;
  cheapest = self->have_stats && (self->stats.op.point == 0 ||
      self->stats.qos.budget_unmeetable);
  if (adaptive && isfinite (proportion) && proportion >= 0.0)
    asr_engine_report_qos (self->engine, proportion, diff);
  GST_OBJECT_UNLOCK (self);

  drop_ok = !adaptive || cheapest;
  GST_DEBUG_OBJECT (self, "QoS event: %s, proportion %.3f, jitter %"
      G_GINT64_FORMAT " ns, timestamp %" GST_TIME_FORMAT "; %s",
      type == GST_QOS_TYPE_OVERFLOW ? "overflow" :
      type == GST_QOS_TYPE_UNDERFLOW ? "underflow" : "throttle", proportion,
      (gint64) diff, GST_TIME_ARGS (timestamp), !adaptive ?
      "no adaptation: the base class handles it" : cheapest ?
      "on the cheapest point: reported, and the base class may drop" :
      "reported to the controller, no frame dropping");

  if (drop_ok)
    return gst_any_sr_parent_transform_class ()->src_event (trans, event);

  /* the base class takes the event as if it were on time: its earliest
   * time is the timestamp of the buffer the event is about (which has
   * passed), so it drops none of the following frames */
  if (GST_CLOCK_TIME_IS_VALID (timestamp))
    gst_base_transform_update_qos (trans, proportion, MIN (diff, 0), timestamp);
  return gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (trans), event);
}
