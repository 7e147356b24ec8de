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

const gchar *
gst_any_sr_stats_decoder_nick (gint decoder)
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
  const AsrStats *stats = &self->stats;

  return gst_structure_new ("anysr-stats",
      "reason", G_TYPE_STRING, reason,
      "op", G_TYPE_INT, (gint) stats->last_op_point,
      "subnet", G_TYPE_INT, (gint) stats->last_subnet,
      "subnets", G_TYPE_INT, self->n_subnets,
      "subnet-cap", G_TYPE_INT, self->subnet_cap,
      "width", G_TYPE_UINT, (guint) stats->last_width,
      "depth", G_TYPE_UINT, (guint) stats->last_depth,
      "decoder", G_TYPE_STRING, stats->last_subnet == ASR_SUBNET_BICUBIC ?
      "bicubic" : gst_any_sr_stats_decoder_nick (stats->last_decoder),
      "k", G_TYPE_DOUBLE, round ((gdouble) stats->last_k * 1e6) / 1e6,
      "heavy-fraction", G_TYPE_DOUBLE, stats->last_heavy_fraction,
      "depth-target", G_TYPE_DOUBLE,
      round ((gdouble) stats->last_depth_target * 1e6) / 1e6,
      "mean-depth", G_TYPE_DOUBLE, stats->last_mean_depth,
      "macs-skipped", G_TYPE_DOUBLE, stats->last_macs_skipped,
      "macs", G_TYPE_DOUBLE, stats->last_macs,
      "gpu-ms", G_TYPE_DOUBLE, stats->last_gpu_ms,
      "wall-ms", G_TYPE_DOUBLE, stats->last_wall_ms,
      "target-fps", G_TYPE_DOUBLE, self->budget_fps,
      "budget-ms", G_TYPE_DOUBLE, stats->last_budget_ms,
      "predicted-ms", G_TYPE_DOUBLE, stats->last_predicted_ms,
      "fps-estimate", G_TYPE_DOUBLE, stats->fps_estimate,
      "budget-unmeetable", G_TYPE_BOOLEAN, stats->budget_unmeetable != 0,
      "switches", G_TYPE_UINT64, (guint64) stats->controller_switches,
      "frames", G_TYPE_UINT64, (guint64) stats->frames,
      "frames-over-budget", G_TYPE_UINT64, (guint64) stats->frames_over_budget,
      "weight-uploads", G_TYPE_UINT64, (guint64) stats->weight_uploads,
      "pipelines-created", G_TYPE_UINT64, (guint64) stats->pipelines_created,
      "buffer-allocations", G_TYPE_UINT64, (guint64) stats->buffer_allocations,
      "device-bytes", G_TYPE_UINT64, (guint64) stats->device_bytes,
      "device-bytes-peak", G_TYPE_UINT64, (guint64) stats->device_bytes_peak,
      "precision", G_TYPE_STRING,
      stats->precision == ASR_PRECISION_FP16 ? "fp16" : "fp32",
      "kernels", G_TYPE_STRING,
      stats->kernels == ASR_KERNELS_COOPMAT ? "coopmat" : "simt",
      "encoder-bands", G_TYPE_UINT, (guint) stats->encoder_bands,
      "decoder-bands", G_TYPE_UINT, (guint) stats->decoder_bands,
      "in-width", G_TYPE_INT, self->last_size[0],
      "in-height", G_TYPE_INT, self->last_size[1],
      "out-width", G_TYPE_INT, self->last_size[2],
      "out-height", G_TYPE_INT, self->last_size[3],
      "pts", G_TYPE_UINT64, (guint64) self->last_pts, NULL);
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
      "%.2f ms", (guint64) stats.frames, stats.last_op_point,
      stats.last_subnet, gst_any_sr_stats_decoder_nick (stats.last_decoder),
      stats.last_depth_target, stats.last_mean_depth, stats.last_gpu_ms,
      stats.last_wall_ms, stats.last_budget_ms);

  switched = stats.last_op_point != self->posted_op ||
      stats.last_subnet != self->posted_subnet ||
      stats.last_decoder != self->posted_decoder ||
      stats.last_depth_target != self->posted_depth_target;
  self->posted_op = stats.last_op_point;
  self->posted_decoder = stats.last_decoder;
  self->posted_depth_target = stats.last_depth_target;
  subnet_changed = stats.last_subnet != self->posted_subnet;
  self->posted_subnet = stats.last_subnet;
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
          stats.last_op_point, stats.last_subnet,
          gst_any_sr_stats_decoder_nick (stats.last_decoder),
          stats.last_depth_target, (guint64) stats.frames);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), msg));
  }
}

