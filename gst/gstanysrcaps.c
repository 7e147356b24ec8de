/* GStreamer anysr element: caps negotiation (sizes, pixel aspect, refusals),
 * the engine configuration that follows it, frame planes
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

#include "gstanysrcaps.h"
#include "gstanysrengine.h"
#include "gstanysrprops.h"
#include "gstanysrvulkan.h"

static AsrPixelFormat format_to_asr (GstVideoFormat format);

/* Logs why the base class refused @caps: an unsupported format never
 * reaches set_info(), so this is where a GST_WARNING can name it. */
void
gst_any_sr_caps_log_refusal (GstAnySr * self, GstCaps * caps)
{
  GstStructure *s;
  const gchar *format;

  if (gst_caps_is_fixed (caps)) {
    s = gst_caps_get_structure (caps, 0);
    format = gst_structure_get_string (s, "format");
    if (!gst_structure_has_name (s, "video/x-raw") || !format ||
        format_to_asr (gst_video_format_from_string (format)) ==
        ASR_FORMAT_UNKNOWN)
      GST_WARNING_OBJECT (self, "caps refused: anysr does not support %s "
          "format %s (supported: video/x-raw in system memory, formats "
          ANY_SR_FORMATS ")", gst_structure_get_name (s),
          GST_STR_NULL (format));
    else
      GST_WARNING_OBJECT (self, "caps refused: %" GST_PTR_FORMAT, caps);
  }
}

/* Any size in, any size out, same format: the size is checked in set_info()
 * so that a size that cannot be served fails with a message saying why. */
GstCaps *
gst_any_sr_caps_transform (GstAnySr * self, GstPadDirection direction,
    GstCaps * caps, GstCaps * filter)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstCaps *ret;
  GstStructure *structure;
  GstCapsFeatures *features;
  guint i, n;

  ret = gst_caps_new_empty ();
  n = gst_caps_get_size (caps);
  for (i = 0; i < n; i++) {
    structure = gst_caps_get_structure (caps, i);
    features = gst_caps_get_features (caps, i);

    /* already covered by an earlier structure */
    if (i > 0 && gst_caps_is_subset_structure_full (ret, structure, features))
      continue;

    structure = gst_structure_copy (structure);
    gst_structure_set (structure, "width", GST_TYPE_INT_RANGE, 1, G_MAXINT,
        "height", GST_TYPE_INT_RANGE, 1, G_MAXINT, NULL);
    if (gst_structure_has_field (structure, "pixel-aspect-ratio"))
      gst_structure_set (structure, "pixel-aspect-ratio",
          GST_TYPE_FRACTION_RANGE, 1, G_MAXINT, G_MAXINT, 1, NULL);
    gst_caps_append_structure_full (ret, structure,
        gst_caps_features_copy (features));
  }

  /* the other memory type after the same one: VulkanImage <-> system memory
   * (only with the neighbours' Vulkan device, on which the engine runs) */
  {
    /* a flag, no device query: VulkanImage unless the CPU scaler runs (no
     * Vulkan device at all). Before the engine opens (linking in NULL), the
     * templates' word; an engine on a device of its own moves to a peer's
     * device at set_info() (gst_any_sr_engine_ensure()), or set_info()
     * refuses the caps saying that no neighbour has one */
    gboolean vk_ok = !self->cpu_scaler;
    GstCaps *same = gst_caps_new_empty (), *other = gst_caps_new_empty ();

    n = gst_caps_get_size (ret);
    for (i = 0; i < n; i++) {
      gboolean vk;

      features = gst_caps_get_features (ret, i);
      vk = features && gst_caps_features_contains (features,
          ANY_SR_VULKAN_FEATURE);
      if (!vk || vk_ok)
        gst_caps_append_structure_full (same,
            gst_structure_copy (gst_caps_get_structure (ret, i)),
            gst_caps_features_copy (features));
      if (vk_ok)
        gst_caps_append_structure_full (other,
            gst_structure_copy (gst_caps_get_structure (ret, i)), vk ?
            gst_caps_features_new_empty () :
            gst_caps_features_new (ANY_SR_VULKAN_FEATURE, NULL));
    }
    gst_caps_unref (ret);
    ret = gst_caps_merge (same, other);
    /* the pads' templates: fewer formats as VulkanImage */
    {
      GstCaps *tmpl = gst_pad_get_pad_template_caps (trans->srcpad);
      GstCaps *tmp = gst_caps_intersect_full (ret, tmpl,
          GST_CAPS_INTERSECT_FIRST);

      gst_caps_unref (tmpl);
      gst_caps_unref (ret);
      ret = tmp;
    }
  }

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, ret,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (ret);
    ret = tmp;
  }

  GST_DEBUG_OBJECT (trans, "transformed %" GST_PTR_FORMAT " into %"
      GST_PTR_FORMAT, caps, ret);

  return ret;
}

static gint
round_size (gdouble v)
{
  /* NaN (a scale property of NaN) gives 1, refused by set_info() */
  if (!(v >= 1.0))
    return 1;
  return (gint) MIN (floor (v + 0.5), (gdouble) G_MAXINT);
}

static gboolean
size_is_servable (gint in_w, gint in_h, gint out_w, gint out_h)
{
  return (gdouble) out_w / in_w >= ASR_SCALE_MIN &&
      (gdouble) out_w / in_w <= ASR_SCALE_MAX &&
      (gdouble) out_h / in_h >= ASR_SCALE_MIN &&
      (gdouble) out_h / in_h <= ASR_SCALE_MAX;
}

/* Fixates width, height and pixel-aspect-ratio of @s, an output structure,
 * for an input of in_w x in_h with pixel aspect in_par_n/in_par_d (see the
 * element documentation for the rules). */
static void
gst_any_sr_fixate_size (GstStructure * s, gint in_w, gint in_h,
    gint in_par_n, gint in_par_d, gdouble scale)
{
  const GValue *width_value, *height_value;
  gboolean w_fixed, h_fixed;
  gint w = 0, h = 0, par_n = in_par_n, par_d = in_par_d;
  gdouble in_dar;

  width_value = gst_structure_get_value (s, "width");
  height_value = gst_structure_get_value (s, "height");
  w_fixed = width_value && G_VALUE_HOLDS_INT (width_value);
  h_fixed = height_value && G_VALUE_HOLDS_INT (height_value);
  if (w_fixed)
    w = g_value_get_int (width_value);
  if (h_fixed)
    h = g_value_get_int (height_value);

  /* pixel aspect ratio: keep the display aspect when both sides are given */
  if (gst_structure_has_field (s, "pixel-aspect-ratio")) {
    if (w_fixed && h_fixed) {
      if (!gst_util_fraction_multiply (in_par_n, in_par_d, in_w, w, &par_n,
              &par_d) ||
          !gst_util_fraction_multiply (par_n, par_d, h, in_h, &par_n, &par_d)) {
        par_n = in_par_n;
        par_d = in_par_d;
      }
    }
    gst_structure_fixate_field_nearest_fraction (s, "pixel-aspect-ratio",
        par_n, par_d);
    gst_structure_get_fraction (s, "pixel-aspect-ratio", &par_n, &par_d);
  }

  /* display aspect of the input, in output pixels of par_n/par_d */
  in_dar = ((gdouble) in_w * in_par_n * par_d) /
      ((gdouble) in_h * in_par_d * par_n);

  if (w_fixed && !h_fixed) {
    gst_structure_fixate_field_nearest_int (s, "height",
        round_size (w / in_dar));
  } else if (!w_fixed && h_fixed) {
    gst_structure_fixate_field_nearest_int (s, "width",
        round_size (h * in_dar));
  } else if (!w_fixed && !h_fixed) {
    gst_structure_fixate_field_nearest_int (s, "width",
        round_size (in_w * scale));
    gst_structure_fixate_field_nearest_int (s, "height",
        round_size (in_h * scale));
  }
}

/* The output caps for input @caps: the structure of @othercaps (transfer
 * full) with a size anysr can serve, fixated; NULL (@othercaps untouched)
 * when the base class' fixation applies (not from the sink pad, or no
 * input size). */
GstCaps *
gst_any_sr_caps_fixate (GstAnySr * self, GstPadDirection direction,
    GstCaps * caps, GstCaps * othercaps)
{
  GstStructure *ins, *s, *fallback = NULL, *chosen = NULL;
  GstCapsFeatures *features = NULL;
  GstCaps *result;
  gint in_w, in_h, in_par_n = 1, in_par_d = 1, w, h;
  gdouble scale;
  guint i;

  GST_DEBUG_OBJECT (self, "fixating %" GST_PTR_FORMAT " from %"
      GST_PTR_FORMAT, othercaps, caps);

  ins = gst_caps_get_structure (caps, 0);
  if (direction != GST_PAD_SINK ||
      !gst_structure_get_int (ins, "width", &in_w) ||
      !gst_structure_get_int (ins, "height", &in_h) || in_w <= 0 || in_h <= 0)
    return NULL;

  gst_structure_get_fraction (ins, "pixel-aspect-ratio", &in_par_n, &in_par_d);
  GST_OBJECT_LOCK (self);
  scale = self->scale;
  GST_OBJECT_UNLOCK (self);

  /* the first structure that gives a size anysr can serve; if none does,
   * the first one, which set_info() will refuse saying why */
  for (i = 0; i < gst_caps_get_size (othercaps) && !chosen; i++) {
    s = gst_structure_copy (gst_caps_get_structure (othercaps, i));
    gst_any_sr_fixate_size (s, in_w, in_h, in_par_n, in_par_d, scale);
    if (gst_structure_get_int (s, "width", &w) &&
        gst_structure_get_int (s, "height", &h) &&
        size_is_servable (in_w, in_h, w, h)) {
      chosen = s;
      features = gst_caps_get_features (othercaps, i);
    } else if (!fallback) {
      fallback = s;
      features = gst_caps_get_features (othercaps, i);
    } else {
      gst_structure_free (s);
    }
  }
  if (chosen) {
    if (fallback)
      gst_structure_free (fallback);
  } else {
    chosen = fallback;
  }

  if (!chosen) {
    /* empty caps: nothing to fixate */
    return othercaps;
  }

  result = gst_caps_new_empty ();
  gst_caps_append_structure_full (result, chosen,
      features ? gst_caps_features_copy (features) : NULL);
  gst_caps_unref (othercaps);
  result = gst_caps_fixate (result);

  GST_DEBUG_OBJECT (self, "fixated to %" GST_PTR_FORMAT, result);

  return result;
}

static AsrPixelFormat
format_to_asr (GstVideoFormat format)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGBA:
      return ASR_FORMAT_RGBA;
    case GST_VIDEO_FORMAT_BGRA:
      return ASR_FORMAT_BGRA;
    case GST_VIDEO_FORMAT_RGBx:
      return ASR_FORMAT_RGBX;
    case GST_VIDEO_FORMAT_BGRx:
      return ASR_FORMAT_BGRX;
    case GST_VIDEO_FORMAT_I420:
      return ASR_FORMAT_I420;
    case GST_VIDEO_FORMAT_NV12:
      return ASR_FORMAT_NV12;
    case GST_VIDEO_FORMAT_P010_10LE:
      return ASR_FORMAT_P010;
    case GST_VIDEO_FORMAT_I420_10LE:
      return ASR_FORMAT_I420_10;
    case GST_VIDEO_FORMAT_RGB10A2_LE:
      return ASR_FORMAT_RGB10A2;
    case GST_VIDEO_FORMAT_BGR10A2_LE:
      return ASR_FORMAT_BGR10A2;
    default:
      return ASR_FORMAT_UNKNOWN;
  }
}

static void
frame_info (const GstVideoInfo * info, AsrFrameInfo * desc)
{
  const GstVideoColorimetry *cinfo = &GST_VIDEO_INFO_COLORIMETRY (info);
  GstVideoChromaSite site = GST_VIDEO_INFO_CHROMA_SITE (info);

  memset (desc, 0, sizeof (*desc));
  desc->format = format_to_asr (GST_VIDEO_INFO_FORMAT (info));
  desc->width = GST_VIDEO_INFO_WIDTH (info);
  desc->height = GST_VIDEO_INFO_HEIGHT (info);

  switch (cinfo->matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT709:
    case GST_VIDEO_COLOR_MATRIX_SMPTE240M:
      desc->matrix = ASR_MATRIX_BT709;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      desc->matrix = ASR_MATRIX_BT2020;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT601:
    case GST_VIDEO_COLOR_MATRIX_FCC:
      desc->matrix = ASR_MATRIX_BT601;
      break;
    default:
      /* unknown: the usual guess, SD is BT.601 and HD is BT.709 */
      desc->matrix = desc->height > 576 ? ASR_MATRIX_BT709 : ASR_MATRIX_BT601;
      break;
  }
  desc->range = cinfo->range == GST_VIDEO_COLOR_RANGE_0_255 ?
      ASR_RANGE_FULL : ASR_RANGE_LIMITED;

  desc->chroma_cosited_h = (site & GST_VIDEO_CHROMA_SITE_H_COSITED) ? 1 : 0;
  desc->chroma_cosited_v = (site & GST_VIDEO_CHROMA_SITE_V_COSITED) ? 1 : 0;
}

/* Caps anysr cannot serve: logs why and tells the application with an
 * element error (the upstream element then fails with not-negotiated, and
 * gst-launch prints this reason). Negotiation is retried on every buffer,
 * so the same reason is posted only once. Takes @reason. */
static void
gst_any_sr_refuse (GstAnySr * self, gchar * reason, GstCaps * incaps,
    GstCaps * outcaps)
{
  GST_WARNING_OBJECT (self, "%s", reason);
  if (g_strcmp0 (reason, self->last_refusal) != 0)
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("%s", reason),
        ("in %" GST_PTR_FORMAT ", out %" GST_PTR_FORMAT, incaps, outcaps));
  g_free (self->last_refusal);
  self->last_refusal = reason;
}

gboolean
gst_any_sr_caps_set_info (GstAnySr * self, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  AsrFrameInfo in_desc, out_desc;
  AsrStatus status;
  GstAnySrEngineResult ensured;
  gint in_w = GST_VIDEO_INFO_WIDTH (in_info);
  gint in_h = GST_VIDEO_INFO_HEIGHT (in_info);
  gint out_w = GST_VIDEO_INFO_WIDTH (out_info);
  gint out_h = GST_VIDEO_INFO_HEIGHT (out_info);
  gchar *reason = NULL;

  GST_DEBUG_OBJECT (self, "in %" GST_PTR_FORMAT " out %" GST_PTR_FORMAT,
      incaps, outcaps);

  if (GST_VIDEO_INFO_FORMAT (in_info) != GST_VIDEO_INFO_FORMAT (out_info)) {
    reason = g_strdup_printf ("anysr cannot convert %s to %s: the output "
        "format must equal the input format (use videoconvert)",
        GST_VIDEO_INFO_NAME (in_info), GST_VIDEO_INFO_NAME (out_info));
  } else if (format_to_asr (GST_VIDEO_INFO_FORMAT (in_info)) ==
      ASR_FORMAT_UNKNOWN) {
    reason = g_strdup_printf ("anysr does not support the format %s "
        "(supported: " ANY_SR_FORMATS ")", GST_VIDEO_INFO_NAME (in_info));
  } else if (GST_VIDEO_INFO_IS_INTERLACED (in_info)) {
    reason = g_strdup ("anysr does not support interlaced video "
        "(put deinterlace before it)");
  } else if (!size_is_servable (in_w, in_h, out_w, out_h)) {
    gdouble scale;
    gchar *note = NULL;

    GST_OBJECT_LOCK (self);
    scale = self->scale;
    GST_OBJECT_UNLOCK (self);
    if (!gst_any_sr_props_scale_is_servable (scale))
      note = g_strdup_printf (" (the scale property is %g)", scale);
    reason = g_strdup_printf ("anysr cannot scale %dx%d to %dx%d: the scale "
        "of each axis must lie between %g and %g, here %.3g x %.3g%s%s",
        in_w, in_h, out_w, out_h, ASR_SCALE_MIN, ASR_SCALE_MAX,
        (gdouble) out_w / in_w, (gdouble) out_h / in_h, note ? note : "",
        out_w < in_w || out_h < in_h ? "; use videoscale to shrink video" :
        "");
    g_free (note);
  }
  if (reason) {
    gst_any_sr_refuse (self, reason, incaps, outcaps);
    return FALSE;
  }

  if (in_w == out_w && in_h == out_h &&
      gst_any_sr_vulkan_caps_are_image (incaps) ==
      gst_any_sr_vulkan_caps_are_image (outcaps)) {
    g_clear_pointer (&self->last_refusal, g_free);
    GST_INFO_OBJECT (self, "same size %dx%d in and out: passthrough", in_w,
        in_h);
    gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
    return TRUE;
  }
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);

  if (self->cpu_scaler) {
    /* no Vulkan device: the same sizes, served by the CPU scaler */
    if (!gst_any_sr_engine_cpu_configure (self, in_info, out_info))
      return FALSE;
    g_clear_pointer (&self->last_refusal, g_free);
    return TRUE;
  }

  if (!self->engine) {
    GST_ELEMENT_ERROR (self, CORE, STATE_CHANGE, (NULL),
        ("caps set while no engine is open"));
    return FALSE;
  }

  /* VulkanImage on a side: the engine must run on the neighbours' device;
   * one on a device of its own moves to the peer's device */
  if (gst_any_sr_vulkan_caps_are_image (incaps) ||
      gst_any_sr_vulkan_caps_are_image (outcaps)) {
    ensured = gst_any_sr_engine_ensure (self, GST_ANY_SR_ENSURE_VULKAN_IMAGE);
    if (ensured == GST_ANY_SR_ENGINE_NO_PEER) {
      gst_any_sr_refuse (self, g_strdup ("anysr takes VulkanImage frames only "
              "on its neighbours' Vulkan device, and no neighbour has one "
              "with a compute queue"), incaps, outcaps);
      return FALSE;
    }
    if (ensured != GST_ANY_SR_ENGINE_OK)
      return FALSE;
    if (!self->vk_engine || !self->engine) {
      gst_any_sr_refuse (self, g_strdup ("anysr could not run its engine on "
              "its neighbours' Vulkan device, which VulkanImage frames need"),
          incaps, outcaps);
      return FALSE;
    }
  }

  frame_info (in_info, &in_desc);
  frame_info (out_info, &out_desc);
  status = asr_engine_configure (self->engine, &in_desc, &out_desc);
  if (status == ASR_ERROR_UNSUPPORTED || status == ASR_ERROR_INVALID_ARGUMENT) {
    gst_any_sr_refuse (self, g_strdup_printf ("anysr cannot scale %s %dx%d "
            "to %dx%d: %s", GST_VIDEO_INFO_NAME (in_info), in_w, in_h, out_w,
            out_h, asr_engine_last_error (self->engine)), incaps, outcaps);
    return FALSE;
  } else if (status != ASR_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("anysr could not prepare %s %dx%d -> %dx%d: %s",
            GST_VIDEO_INFO_NAME (in_info), in_w, in_h, out_w, out_h,
            asr_status_to_string (status)),
        ("asr_engine_configure(): %s", asr_engine_last_error (self->engine)));
    return FALSE;
  }
  g_clear_pointer (&self->last_refusal, g_free);
  /* the CPU scaler, the engine's floor when cheaper than its bicubic pass */
  if (!gst_any_sr_vulkan_caps_are_image (incaps) &&
      !gst_any_sr_vulkan_caps_are_image (outcaps))
    gst_any_sr_engine_floor_configure (self, in_info, out_info);

  /* target-fps 0 follows the frame rate of the caps */
  GST_OBJECT_LOCK (self);
  self->stream_fps = GST_VIDEO_INFO_FPS_N (in_info) > 0 &&
      GST_VIDEO_INFO_FPS_D (in_info) > 0 ?
      (gdouble) GST_VIDEO_INFO_FPS_N (in_info) /
      GST_VIDEO_INFO_FPS_D (in_info) : 0.0;
  self->op_dirty = TRUE;
  GST_OBJECT_UNLOCK (self);

  GST_INFO_OBJECT (self, "%s %dx%d -> %dx%d (scale %.4g x %.4g)",
      GST_VIDEO_INFO_NAME (in_info), in_w, in_h, out_w, out_h,
      (gdouble) out_w / in_w, (gdouble) out_h / in_h);

  return TRUE;
}

/* The planes of a mapped @vframe, for the engine. */
void
gst_any_sr_caps_frame_planes (GstVideoFrame * vframe, AsrFrame * frame)
{
  guint i;

  memset (frame, 0, sizeof (*frame));
  for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (vframe) && i < ASR_MAX_PLANES;
      i++) {
    frame->data[i] = GST_VIDEO_FRAME_PLANE_DATA (vframe, i);
    frame->stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE (vframe, i);
  }
}
