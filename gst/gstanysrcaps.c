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
#include <stdio.h>
#include <string.h>

#include "gstanysrcaps.h"
#include "gstanysrengine.h"
#include "gstanysrprops.h"
#include "gstanysrvkquirks.h"
#include "gstanysrvulkan.h"

static AsrPixelFormat format_to_asr (GstVideoFormat format);

static void gst_any_sr_refuse (GstAnySr * self, gchar * reason,
    GstCaps * incaps, GstCaps * outcaps);

/* Says why the base class refused @caps: an unsupported format never
 * reaches set_info(), so this is where the element error names it and the
 * supported formats (a caps event that skipped the caps query, e.g. from
 * appsrc or a dynamically linked pad). */
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
      gst_any_sr_refuse (self, g_strdup_printf ("anysr does not support %s "
              "format %s (supported: video/x-raw, formats " ANY_SR_FORMATS
              "; put videoconvert before it)", gst_structure_get_name (s),
              GST_STR_NULL (format)), caps, NULL);
    else
      GST_WARNING_OBJECT (self, "caps refused: %" GST_PTR_FORMAT, caps);
  }
}

/* Accept-caps after the base class' (which checks the pad templates only):
 * VulkanImage NV12 / I420 at a width gst-vulkan shears is refused, on the
 * sink pad with an element error saying why (see gstanysrvkquirks.c). */
gboolean
gst_any_sr_caps_accept (GstAnySr * self, GstPadDirection direction,
    GstCaps * caps)
{
  gchar *reason;

  if (!gst_caps_is_fixed (caps))
    return TRUE;
  reason = gst_any_sr_vk_quirks_width_refusal (caps, direction == GST_PAD_SINK ?
      "sink" : "src");
  if (!reason)
    return TRUE;
  if (direction == GST_PAD_SINK) {
    gst_any_sr_refuse (self, reason, caps, NULL);
  } else {
    GST_WARNING_OBJECT (self, "%s", reason);
    g_free (reason);
  }
  return FALSE;
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

  /* from the sink pad, after the caps of the same format: every other format
   * anysr has, so that a downstream asking for another format (`I420 ! anysr
   * ! video/x-raw,format=RGBA`) links and set_info() refuses it saying that
   * the output format must equal the input format; fixation prefers the
   * input format (docs/element.md#negotiation). The other direction keeps
   * the format, so that upstream converters produce the format downstream
   * wants. */
  if (direction == GST_PAD_SINK) {
    GstCaps *tmpl = gst_pad_get_pad_template_caps (trans->srcpad);

    ret = gst_caps_merge (ret, tmpl);
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
    /* and, in a query with a filter (negotiation, accept-caps), NV12 /
     * I420 only at the widths gst-vulkan copies right (see
     * gstanysrvkquirks.c), so that vulkanupload picks another memory or
     * fails before its first upload. Without a filter (linking) every
     * width, so that `vulkanupload ! anysr` at such a width links and
     * gst_any_sr_caps_check_neighbours() refuses it with a message saying
     * why instead of gst-launch's "could not link" */
    if (filter)
      ret = gst_any_sr_vk_quirks_restrict_widths (ret);
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
  GstStructure *ins, *s, *chosen = NULL;
  GstCapsFeatures *features = NULL;
  GstCaps *result;
  const gchar *in_format;
  gint in_w, in_h, in_par_n = 1, in_par_d = 1, w, h, chosen_rank = -1;
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

  /* the first structure of the input format that gives a size anysr can
   * serve; else the first one of the input format, else the first one: the
   * last two are refused by set_info() saying why */
  in_format = gst_structure_get_string (ins, "format");
  for (i = 0; i < gst_caps_get_size (othercaps); i++) {
    gint rank;

    const GValue *wv;
    gboolean vk;

    s = gst_structure_copy (gst_caps_get_structure (othercaps, i));
    vk = gst_any_sr_vk_quirks_structure_is_image (gst_caps_get_features
        (othercaps, i));
    rank = 0;
    if (in_format && gst_structure_has_field (s, "format")) {
      gst_structure_fixate_field_string (s, "format", in_format);
      if (g_strcmp0 (gst_structure_get_string (s, "format"), in_format) == 0)
        rank = 1;
    }
    /* VulkanImage NV12 / I420: the size the scale gives, not the nearest
     * width gst-vulkan copies right
     * (gst_any_sr_vk_quirks_restrict_widths()), which would change the
     * aspect; such a structure comes after any other that serves
     * the size, and set_info() refuses it if nothing else is left */
    wv = gst_structure_get_value (s, "width");
    if (vk && wv && GST_VALUE_HOLDS_INT_RANGE (wv) &&
        gst_value_get_int_range_step (wv) > 1)
      gst_structure_set (s, "width", GST_TYPE_INT_RANGE,
          gst_value_get_int_range_min (wv), gst_value_get_int_range_max (wv),
          NULL);
    gst_any_sr_fixate_size (s, in_w, in_h, in_par_n, in_par_d, scale);
    if (rank == 1 && gst_structure_get_int (s, "width", &w) &&
        gst_structure_get_int (s, "height", &h) &&
        size_is_servable (in_w, in_h, w, h)) {
      gchar *refusal = vk ?
          gst_any_sr_vk_quirks_size_refusal (gst_structure_get_string (s,
              "format"), w, h, "src") : NULL;

      rank = refusal ? 1 : 2;
      g_free (refusal);
    }
    if (rank > chosen_rank) {
      if (chosen)
        gst_structure_free (chosen);
      chosen = s;
      chosen_rank = rank;
      features = gst_caps_get_features (othercaps, i);
      if (rank == 2)
        break;
    } else {
      gst_structure_free (s);
    }
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

/* Why in_w x in_h cannot become out_w x out_h (newly allocated). */
static gchar *
size_refusal (GstAnySr * self, gint in_w, gint in_h, gint out_w, gint out_h)
{
  gdouble scale;
  gchar *note = NULL, *reason;

  GST_OBJECT_LOCK (self);
  scale = self->scale;
  GST_OBJECT_UNLOCK (self);
  if (!gst_any_sr_props_scale_is_servable (scale))
    note = g_strdup_printf (" (the scale property is %g)", scale);
  reason = g_strdup_printf ("anysr cannot scale %dx%d to %dx%d: the scale "
      "of each axis must lie between %g and %g, here %.3g x %.3g%s%s",
      in_w, in_h, out_w, out_h, ASR_SCALE_MIN, ASR_SCALE_MAX,
      (gdouble) out_w / in_w, (gdouble) out_h / in_h, note ? note : "",
      out_w < in_w || out_h < in_h ? "; use videoscale to shrink video" : "");
  g_free (note);
  return reason;
}

/* The smallest and largest value of an int field that is an int, a range
 * or a list of ints; FALSE (1 to G_MAXINT) otherwise. */
static gboolean
field_bounds (const GstStructure * s, const gchar * field, gint * lo,
    gint * hi)
{
  const GValue *v = gst_structure_get_value (s, field);
  guint i;

  *lo = 1;
  *hi = G_MAXINT;
  if (!v)
    return FALSE;
  if (G_VALUE_HOLDS_INT (v)) {
    *lo = *hi = g_value_get_int (v);
    return TRUE;
  }
  if (GST_VALUE_HOLDS_INT_RANGE (v)) {
    *lo = gst_value_get_int_range_min (v);
    *hi = gst_value_get_int_range_max (v);
    return FALSE;
  }
  if (GST_VALUE_HOLDS_LIST (v) && gst_value_list_get_size (v) > 0) {
    *lo = G_MAXINT;
    *hi = G_MININT;
    for (i = 0; i < gst_value_list_get_size (v); i++) {
      const GValue *e = gst_value_list_get_value (v, i);

      if (!G_VALUE_HOLDS_INT (e)) {
        *lo = 1;
        *hi = G_MAXINT;
        return FALSE;
      }
      *lo = MIN (*lo, g_value_get_int (e));
      *hi = MAX (*hi, g_value_get_int (e));
    }
    return FALSE;
  }
  return FALSE;
}

/* Whether some input size within @in's bounds has an output size within
 * @out's bounds at a scale anysr serves (a superset: axes apart). */
static gboolean
sizes_can_meet (const GstStructure * in, const GstStructure * out)
{
  const gchar *axes[] = { "width", "height" };
  guint a;

  for (a = 0; a < G_N_ELEMENTS (axes); a++) {
    gint in_lo, in_hi, out_lo, out_hi;

    field_bounds (in, axes[a], &in_lo, &in_hi);
    field_bounds (out, axes[a], &out_lo, &out_hi);
    if ((gdouble) out_hi < ASR_SCALE_MIN * in_lo ||
        (gdouble) out_lo > ASR_SCALE_MAX * in_hi)
      return FALSE;
  }
  return TRUE;
}

/* Whether @a and @b have a format in common. */
static gboolean
formats_meet (const GstStructure * a, const GstStructure * b)
{
  const GValue *fa = gst_structure_get_value (a, "format");
  const GValue *fb = gst_structure_get_value (b, "format");

  /* (gst_value_can_intersect() compares types only) */
  return !fa || !fb || gst_value_intersect (NULL, fa, fb);
}

static gchar *
format_string (const GstStructure * s)
{
  const GValue *f = gst_structure_get_value (s, "format");

  return f ? gst_value_serialize (f) : g_strdup ("any format");
}

/* Whether @caps (after the pad template) leave nothing anysr takes once the
 * VulkanImage widths gst-vulkan shears are taken out: then why (newly
 * allocated), for @pad, else NULL. */
static gchar *
vulkan_widths_rule_out (GstAnySr * self, GstCaps * caps, const gchar * pad)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstCaps *tmpl, *taken, *allowed;
  gchar *reason = NULL;

  if (!caps || gst_caps_is_any (caps) || gst_caps_is_empty (caps))
    return NULL;
  tmpl = gst_pad_get_pad_template_caps (trans->sinkpad);
  taken = gst_caps_intersect (caps, tmpl);
  gst_caps_unref (tmpl);
  allowed = gst_any_sr_vk_quirks_restrict_widths (gst_caps_ref (taken));
  if (!gst_caps_is_empty (taken) && gst_caps_is_empty (allowed)) {
    taken = gst_caps_fixate (taken);
    reason = gst_any_sr_vk_quirks_width_refusal (taken, pad);
  }
  gst_caps_unref (taken);
  gst_caps_unref (allowed);
  return reason;
}

/* What negotiation will pick for the output when the input's size is known
 * now (@up fixes format, width and height): why anysr will refuse it as
 * VulkanImage (newly allocated), else NULL. */
static gchar *
vulkan_output_ruled_out (GstAnySr * self, GstCaps * up, GstCaps * down)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstCaps *in, *tmpl, *out;
  GstStructure *s;
  gchar *reason = NULL;
  gint lo, hi;

  if (!gst_any_sr_vk_quirks_copies_shear (NULL) || !up || !down ||
      gst_caps_is_any (up) ||
      gst_caps_is_empty (up) || gst_caps_is_empty (down))
    return NULL;
  tmpl = gst_pad_get_pad_template_caps (trans->sinkpad);
  in = gst_any_sr_vk_quirks_restrict_widths (gst_caps_intersect (up, tmpl));
  gst_caps_unref (tmpl);
  if (gst_caps_is_empty (in)) {
    gst_caps_unref (in);
    return NULL;
  }
  s = gst_caps_get_structure (in, 0);
  if (field_bounds (s, "width", &lo, &hi) &&
      field_bounds (s, "height", &lo, &hi) &&
      gst_structure_get_string (s, "format")) {
    GstCaps *fixed;

    in = gst_caps_fixate (in);
    out = gst_any_sr_caps_transform (self, GST_PAD_SINK, in, down);
    fixed = gst_any_sr_caps_fixate (self, GST_PAD_SINK, in, out);
    if (fixed && gst_caps_is_fixed (fixed))
      reason = gst_any_sr_vk_quirks_width_refusal (fixed, "src");
    gst_clear_caps (fixed ? &fixed : &out);
  }
  gst_caps_unref (in);
  return reason;
}

/* The caps the neighbours can offer are known before the first buffer
 * (capsfilters, sources): when none of them meet, anysr refuses now, from
 * the application's thread, instead of at the first buffer. (gst-launch-1.0
 * up to at least 1.28 can hang when an element error comes from the
 * streaming thread before its main loop runs: docs/element.md#negotiation.)
 * Caps that leave a choice are not judged here: set_info() refuses what
 * negotiation then picks. */
gboolean
gst_any_sr_caps_check_neighbours (GstAnySr * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstCaps *up, *down, *tmpl;
  gboolean meet = FALSE, format_meet = FALSE;
  gchar *reason = NULL;
  guint i, j;

  up = gst_pad_peer_query_caps (trans->sinkpad, NULL);
  down = gst_pad_peer_query_caps (trans->srcpad, NULL);
  GST_DEBUG_OBJECT (self, "upstream offers %" GST_PTR_FORMAT ", downstream "
      "accepts %" GST_PTR_FORMAT, up, down);
  /* VulkanImage NV12 / I420 at widths gst-vulkan shears: refused now,
   * before vulkanupload uploads a frame (tearing a pipeline down while its
   * first upload is in flight can crash gst-vulkan 1.22 on lavapipe) */
  reason = vulkan_widths_rule_out (self, up, "sink");
  if (!reason)
    reason = vulkan_widths_rule_out (self, down, "src");
  if (!reason && down && !gst_caps_is_any (down))
    reason = vulkan_output_ruled_out (self, up, down);
  if (reason) {
    gst_any_sr_refuse (self, reason, up, down);
    gst_clear_caps (&up);
    gst_clear_caps (&down);
    return FALSE;
  }
  if (!up || !down || gst_caps_is_any (up) || gst_caps_is_any (down) ||
      gst_caps_is_empty (up) || gst_caps_is_empty (down)) {
    gst_clear_caps (&up);
    gst_clear_caps (&down);
    return TRUE;
  }
  tmpl = gst_pad_get_pad_template_caps (trans->sinkpad);
  gst_caps_take (&up, gst_caps_intersect (up, tmpl));
  gst_caps_take (&down, gst_caps_intersect (down, tmpl));
  gst_caps_unref (tmpl);

  /* nothing anysr takes on a side: linking or the base class says so */
  meet = gst_caps_is_empty (up) || gst_caps_is_empty (down);
  for (i = 0; i < gst_caps_get_size (up) && !meet; i++) {
    for (j = 0; j < gst_caps_get_size (down) && !meet; j++) {
      const GstStructure *su = gst_caps_get_structure (up, i);
      const GstStructure *sd = gst_caps_get_structure (down, j);

      if (!formats_meet (su, sd))
        continue;
      if (!format_meet) {
        gint iw, ih, ow, oh, lo;

        /* the first pair of one format names the sizes */
        format_meet = TRUE;
        if (field_bounds (su, "width", &iw, &lo) &&
            field_bounds (su, "height", &ih, &lo) &&
            field_bounds (sd, "width", &ow, &lo) &&
            field_bounds (sd, "height", &oh, &lo))
          reason = size_refusal (self, iw, ih, ow, oh);
      }
      meet = sizes_can_meet (su, sd);
    }
  }

  if (!meet && !format_meet) {
    gchar *fu = format_string (gst_caps_get_structure (up, 0));
    gchar *fd = format_string (gst_caps_get_structure (down, 0));

    reason = g_strdup_printf ("anysr cannot convert %s to %s: the output "
        "format must equal the input format (use videoconvert)", fu, fd);
    g_free (fu);
    g_free (fd);
  } else if (!meet && !reason) {
    reason = g_strdup_printf ("anysr cannot scale any size upstream offers "
        "to a size downstream accepts: the scale of each axis must lie "
        "between %g and %g (use videoscale to shrink video)", ASR_SCALE_MIN,
        ASR_SCALE_MAX);
  }
  if (!meet)
    gst_any_sr_refuse (self, reason, up, down);
  else
    g_free (reason);
  gst_caps_unref (up);
  gst_caps_unref (down);
  return meet;
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
    reason = size_refusal (self, in_w, in_h, out_w, out_h);
  }
  if (!reason)
    reason = gst_any_sr_vk_quirks_width_refusal (incaps, "sink");
  if (!reason)
    reason = gst_any_sr_vk_quirks_width_refusal (outcaps, "src");
  if (!reason)
    reason = gst_any_sr_vk_quirks_caps_pool_refusal (self, GST_PAD_SINK,
        incaps, in_info);
  if (!reason)
    reason = gst_any_sr_vk_quirks_caps_pool_refusal (self, GST_PAD_SRC,
        outcaps, out_info);
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
