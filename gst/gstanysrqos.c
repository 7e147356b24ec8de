/* GStreamer anysr element: the operating-point properties handed to the
 * engine, and the QoS controller's input from upstream QoS events
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

#include "gstanysrqos.h"
#include "gstanysrprops.h"
#include "gstanysrstats.h"

/* The pad of the element downstream of @pad (a src pad) that a buffer
 * reaches, across bins (ghost and proxy pads); NULL at the end. */
static GstPad *
downstream_sink_pad (GstPad * pad)
{
  GstPad *peer = gst_pad_get_peer (pad);

  /* into bins: a ghost sink pad's target */
  while (peer && GST_IS_GHOST_PAD (peer)) {
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (peer));
    gst_object_unref (peer);
    peer = target;
  }
  /* out of bins: the internal pad of a ghost src pad, whose peer is next */
  if (peer && GST_IS_PROXY_PAD (peer) && !GST_IS_GHOST_PAD (peer)) {
    GstPad *ghost = GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD (peer)));
    gst_object_unref (peer);
    peer = ghost ? downstream_sink_pad (ghost) : NULL;
    if (ghost)
      gst_object_unref (ghost);
  }
  return peer;
}

/* A sink downstream that syncs buffers to the clock: the stream plays in
 * real time (playbin, a display). Follows elements with one src pad (not
 * past a tee), at most 64 of them. */
static gboolean
downstream_syncs (GstAnySr * self)
{
  GstPad *pad = gst_object_ref (GST_BASE_TRANSFORM_SRC_PAD (self));
  gboolean syncs = FALSE;
  guint hops;

  for (hops = 0; hops < 64 && pad; hops++) {
    GstPad *sinkpad = downstream_sink_pad (pad);
    GstElement *element;
    GstIterator *it;
    GValue v = G_VALUE_INIT;
    GstPad *next = NULL;

    gst_object_unref (pad);
    pad = NULL;
    if (!sinkpad)
      break;
    element = gst_pad_get_parent_element (sinkpad);
    gst_object_unref (sinkpad);
    if (!element)
      break;
    if (GST_IS_BASE_SINK (element)) {
      syncs = gst_base_sink_get_sync (GST_BASE_SINK (element));
      GST_DEBUG_OBJECT (self, "the sink downstream, %s, %s",
          GST_ELEMENT_NAME (element), syncs ? "syncs to the clock" :
          "does not sync");
      gst_object_unref (element);
      break;
    }
    it = gst_element_iterate_src_pads (element);
    if (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      next = g_value_dup_object (&v);
      g_value_reset (&v);
      /* more than one way out: no single sink */
      if (gst_iterator_next (it, &v) == GST_ITERATOR_OK)
        gst_clear_object (&next);
      g_value_unset (&v);
    }
    gst_iterator_free (it);
    gst_object_unref (element);
    pad = next;
  }
  if (pad)
    gst_object_unref (pad);
  return syncs;
}

/* target-fps auto (docs/element.md#holding-a-frame-rate): adapt when the
 * source is live (the upstream latency query says so) or a sink downstream
 * syncs to the clock; lateness reported downstream turns it on too
 * (gst_any_sr_qos_src_event()). */
static gboolean
auto_is_live (GstAnySr * self)
{
  GstQuery *q = gst_query_new_latency ();
  gboolean live = FALSE;

  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), q))
    gst_query_parse_latency (q, &live, NULL, NULL);
  gst_query_unref (q);
  if (live)
    GST_DEBUG_OBJECT (self, "the source is live");
  return live || downstream_syncs (self);
}

/* Hands the operating-point properties to the engine when they changed.
 * Streaming thread (the engine is not thread-safe). */
gboolean
gst_any_sr_qos_apply_point (GstAnySr * self)
{
  AsrOpChoice choice;
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
   * target-fps, headroom; a bad scale is refused by negotiation) stops the
   * stream with an error naming it */
  bad = gst_any_sr_props_check_unlocked (self, FALSE);
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

  if (target == GST_ANY_SR_TARGET_FPS_AUTO) {
    gboolean live = auto_is_live (self), late;

    GST_OBJECT_LOCK (self);
    self->auto_live = live;
    late = self->auto_late;
    GST_OBJECT_UNLOCK (self);
    /* the caps' frame rate when live or late, else every frame at the top */
    target = live || late ? 0.0 : -1.0;
    GST_INFO_OBJECT (self, "target-fps auto: %s", live ? "live or a syncing "
        "sink downstream: the caps' frame rate" : late ? "downstream reported "
        "lateness: the caps' frame rate" : "neither live nor synced: no "
        "adaptation, every frame at the top point");
  }

  n = asr_engine_num_subnets (self->engine);
  if (subnet >= n) {
    GST_WARNING_OBJECT (self, "subnet %d: the model has subnets 0 to %d; "
        "using %d", subnet, n - 1, n - 1);
    subnet = n - 1;
  }
  choice.subnet = subnet;
  choice.decoder = (AsrDecoderMode) decoder;
  choice.k = k <= -1.0 ? asr_engine_default_k (self->engine) : (float) k;
  choice.depth_target = (float) depth_target;     /* 0: the model's default */

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
      "depth target %g; target %g fps (property %g), headroom %g",
      choice.subnet, asr_decoder_name ((AsrDecoderMode) decoder), choice.k,
      choice.depth_target, fps, target, headroom);

  status = asr_engine_set_op (self->engine, &choice);
  if (status == ASR_OK)
    status = asr_engine_set_target (self->engine, fps, headroom);
  if (status != ASR_OK) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("anysr cannot use subnet %d, decoder %s, k %g, depth target %g, "
            "target %g fps, headroom %g: %s", choice.subnet,
            asr_decoder_name ((AsrDecoderMode) decoder), choice.k,
            choice.depth_target, fps, headroom,
            asr_engine_last_error (self->engine)), (NULL));
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
 * the event goes on upstream unchanged.
 *
 * Returns FALSE when the base class is to handle @event (gstanysr.c hands
 * it on); TRUE when handled here, with the result in @result. */
gboolean
gst_any_sr_qos_src_event (GstAnySr * self, GstEvent * event,
    gboolean * result)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstQOSType type;
  gdouble proportion;
  GstClockTimeDiff diff;
  GstClockTime timestamp;
  gboolean adaptive, cheapest, drop_ok, passthrough;

  if (GST_EVENT_TYPE (event) != GST_EVENT_QOS ||
      !gst_base_transform_is_qos_enabled (trans))
    return FALSE;

  gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
  passthrough = gst_base_transform_is_passthrough (trans);

  GST_OBJECT_LOCK (self);
  if (self->target_fps == GST_ANY_SR_TARGET_FPS_AUTO && !self->auto_late &&
      self->budget_fps <= 0.0 && (proportion > 1.0 || diff > 0)) {
    /* target-fps auto: a synchronising sink downstream is late */
    GST_INFO_OBJECT (self, "target-fps auto: downstream is late (proportion "
        "%.3f): adaptation on", proportion);
    self->auto_late = TRUE;
    self->op_dirty = TRUE;
  }
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
    return FALSE;

  /* the base class takes the event as if it were on time: its earliest
   * time is the timestamp of the buffer the event is about (which has
   * passed), so it drops none of the following frames */
  if (GST_CLOCK_TIME_IS_VALID (timestamp))
    gst_base_transform_update_qos (trans, proportion, MIN (diff, 0), timestamp);
  *result = gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (trans), event);
  return TRUE;
}
