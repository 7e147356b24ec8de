/* GStreamer anysr element: the anysr-stats structure (the stats property
 * and the element messages on the bus) and the bookkeeping after every
 * frame: when to post a message, the current-subnet notification
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

#include "gstanysrstats.h"

/* The anysr-stats structure of the last frame. Called with the object lock
 * held and have_stats set. */
GstStructure *
gst_any_sr_stats_structure_unlocked (GstAnySr * self, const gchar * reason)
{
  const AsrStats *stats = &self->stats;

  return gst_structure_new ("anysr-stats",
      "reason", G_TYPE_STRING, reason,
      "op", G_TYPE_INT, (gint) stats->op.point,
      "subnet", G_TYPE_INT, (gint) stats->op.subnet,
      "subnets", G_TYPE_INT, self->n_subnets,
      "subnet-cap", G_TYPE_INT, self->subnet_cap,
      "width", G_TYPE_UINT, (guint) stats->op.width,
      "depth", G_TYPE_UINT, (guint) stats->op.depth,
      "decoder", G_TYPE_STRING, stats->op.subnet == ASR_SUBNET_BICUBIC ?
      "bicubic" : asr_decoder_name ((AsrDecoderMode) stats->op.decoder),
      "k", G_TYPE_DOUBLE, round ((gdouble) stats->op.k * 1e6) / 1e6,
      "heavy-fraction", G_TYPE_DOUBLE, stats->op.heavy_fraction,
      "depth-target", G_TYPE_DOUBLE,
      round ((gdouble) stats->op.depth_target * 1e6) / 1e6,
      "mean-depth", G_TYPE_DOUBLE, stats->op.mean_depth,
      "macs-skipped", G_TYPE_DOUBLE, stats->op.macs_skipped,
      "macs", G_TYPE_DOUBLE, stats->op.macs,
      "gpu-ms", G_TYPE_DOUBLE, stats->time.gpu_ms,
      "wall-ms", G_TYPE_DOUBLE, stats->time.wall_ms,
      "target-fps", G_TYPE_DOUBLE, self->budget_fps,
      "budget-ms", G_TYPE_DOUBLE, stats->qos.budget_ms,
      "predicted-ms", G_TYPE_DOUBLE, stats->qos.predicted_ms,
      "fps-estimate", G_TYPE_DOUBLE, stats->qos.fps_estimate,
      "budget-unmeetable", G_TYPE_BOOLEAN, stats->qos.budget_unmeetable != 0,
      "switches", G_TYPE_UINT64, (guint64) stats->qos.switches,
      "frames", G_TYPE_UINT64, (guint64) stats->counts.frames,
      "frames-over-budget", G_TYPE_UINT64, (guint64) stats->qos.frames_over_budget,
      "weight-uploads", G_TYPE_UINT64, (guint64) stats->counts.weight_uploads,
      "pipelines-created", G_TYPE_UINT64, (guint64) stats->counts.pipelines_created,
      "buffer-allocations", G_TYPE_UINT64, (guint64) stats->counts.buffer_allocations,
      "device-bytes", G_TYPE_UINT64, (guint64) stats->memory.device_bytes,
      "device-bytes-peak", G_TYPE_UINT64, (guint64) stats->memory.device_bytes_peak,
      "precision", G_TYPE_STRING,
      stats->plan.precision == ASR_PRECISION_FP16 ? "fp16" : "fp32",
      "kernels", G_TYPE_STRING,
      stats->plan.kernels == ASR_KERNELS_COOPMAT ? "coopmat" : "simt",
      "kernel-config", G_TYPE_STRING, stats->tune.config,
      "kernel-config-source", G_TYPE_STRING,
      (stats->tune.source & 3) == 2 ? "tuned" : (stats->tune.source & 3) == 1 ?
      "cached" : "built in",
      "encoder-bands", G_TYPE_UINT, (guint) stats->plan.encoder_bands,
      "decoder-bands", G_TYPE_UINT, (guint) stats->plan.decoder_bands,
      "in-width", G_TYPE_INT, self->last_size[0],
      "in-height", G_TYPE_INT, self->last_size[1],
      "out-width", G_TYPE_INT, self->last_size[2],
      "out-height", G_TYPE_INT, self->last_size[3],
      "pts", G_TYPE_UINT64, (guint64) self->last_pts,
      "qos-reason", G_TYPE_STRING, stats->qos.budget_ms > 0.0 ?
      asr_qos_reason_name (stats->ctrl.reason) : "adaptation off",
      "dwell", G_TYPE_UINT, (guint) stats->ctrl.dwell,
      "room", G_TYPE_UINT, (guint) stats->ctrl.room,
      "room-needed", G_TYPE_UINT, (guint) stats->ctrl.room_needed,
      "cpu-scaler", G_TYPE_BOOLEAN, stats->ctrl.host_floor != 0,
      "floor-ms", G_TYPE_DOUBLE, stats->ctrl.floor_ms,
      "cpu-scaler-ms", G_TYPE_DOUBLE, stats->ctrl.host_floor_ms,
      "bicubic-pass-ms", G_TYPE_DOUBLE, stats->ctrl.device_floor_ms, NULL);
}

/* A new stream (GstBaseTransform::start): no last frame, the next frame's
 * operating point is a switch. */
void
gst_any_sr_stats_reset (GstAnySr * self)
{
  GST_OBJECT_LOCK (self);
  self->have_stats = FALSE;
  self->last_pts = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  self->frames_since_post = 0;
  self->posted_op = self->posted_subnet = self->posted_decoder = G_MININT;
  self->posted_depth_target = -1.0f;
}

/* After a frame the engine ran: its stats kept for the properties and the
 * QoS event handler, an anysr-stats message on a switch of operating point
 * or every stats-interval frames, current-subnet notified when it changed.
 * Streaming thread. */
void
gst_any_sr_stats_update (GstAnySr * self, GstVideoFrame * in_frame,
    GstVideoFrame * out_frame)
{
  AsrStats stats;
  GstStructure *msg = NULL;
  gint cap;
  gboolean subnet_changed, switched;
  const gchar *reason = NULL;

  asr_engine_get_stats (self->engine, &stats);
  cap = asr_engine_subnet_cap (self->engine);

  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": op %d (subnet %d, %s, "
      "depth target %.2f, mean depth %.2f), gpu %.2f ms, wall %.2f ms, budget "
      "%.2f ms", (guint64) stats.counts.frames, stats.op.point,
      stats.op.subnet, asr_decoder_name ((AsrDecoderMode) stats.op.decoder),
      stats.op.depth_target, stats.op.mean_depth, stats.time.gpu_ms,
      stats.time.wall_ms, stats.qos.budget_ms);

  switched = stats.op.point != self->posted_op ||
      stats.op.subnet != self->posted_subnet ||
      (gint) stats.op.decoder != self->posted_decoder ||
      stats.op.depth_target != self->posted_depth_target;
  self->posted_op = stats.op.point;
  self->posted_decoder = stats.op.decoder;
  self->posted_depth_target = stats.op.depth_target;
  subnet_changed = stats.op.subnet != self->posted_subnet;
  self->posted_subnet = stats.op.subnet;
  self->frames_since_post++;

  GST_OBJECT_LOCK (self);
  self->stats = stats;
  self->have_stats = TRUE;
  self->subnet_cap = cap;
  self->last_pts = GST_BUFFER_PTS (in_frame->buffer);
  self->last_size[0] = GST_VIDEO_FRAME_WIDTH (in_frame);
  self->last_size[1] = GST_VIDEO_FRAME_HEIGHT (in_frame);
  self->last_size[2] = GST_VIDEO_FRAME_WIDTH (out_frame);
  self->last_size[3] = GST_VIDEO_FRAME_HEIGHT (out_frame);
  if (switched)
    reason = "switch";
  else if (self->stats_interval > 0 &&
      self->frames_since_post >= self->stats_interval)
    reason = "interval";
  if (reason) {
    msg = gst_any_sr_stats_structure_unlocked (self, reason);
    self->frames_since_post = 0;
  }
  GST_OBJECT_UNLOCK (self);

  if (subnet_changed)
    g_object_notify (G_OBJECT (self), "current-subnet");
  if (msg) {
    if (switched)
      GST_DEBUG_OBJECT (self, "operating point %d: subnet %d, %s decoder, "
          "depth target %.2f (frame %" G_GUINT64_FORMAT ")",
          stats.op.point, stats.op.subnet,
          asr_decoder_name ((AsrDecoderMode) stats.op.decoder),
          stats.op.depth_target, (guint64) stats.counts.frames);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), msg));
  }
}

