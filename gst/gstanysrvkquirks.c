/* GStreamer anysr element: the known problems of gst-vulkan neighbours
 * (docs/element.md#gpu-resident-pipelines-gst-vulkan) and what anysr does
 * about them in negotiation: the NV12 / I420 widths their copies shear
 * (before 1.28.3), and the buffer pools of an element's first caps that a
 * larger frame overflows (before 1.24). The vulkan plugin's version from
 * the registry decides which apply.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "gstanysrvkquirks.h"
#include "gstanysrvulkan.h"

/* NV12 / I420 widths that gst-vulkan's own copies shear
 * (docs/element.md#gpu-resident-pipelines-gst-vulkan): gst-vulkan up to
 * 1.28.2 copies each plane between a buffer and an image with a row length
 * of the plane's width (1.22 to 1.26: the component width, ignoring the
 * stride; 1.28.0 to 1.28.2: the stride of the wrong buffer when
 * vulkanupload makes a copy), while GstVideoInfo rounds each stride up to 4
 * bytes: a plane whose rows are not a multiple of 4 bytes comes out
 * sheared. Of the formats anysr takes as VulkanImage only NV12 (chroma row
 * 2 * ceil(w / 2) bytes) and I420 (ceil(w / 2) bytes) have such planes.
 * Fixed by "vkupload: Fix wrong image dimensions due to stride mismatch"
 * and "vkdownload: Fix corrupted output image due to mismatched
 * stride/padding", both in 1.28.3. So as VulkanImage anysr offers and
 * accepts NV12 only at widths that are multiples of 4 and I420 at multiples
 * of 8, and refuses the others before any frame is uploaded, saying why. */

/* The vulkan plugin's version (the elements that copy), "unknown" when it
 * is not in the registry; whether it is @major.@minor.@micro or later (an
 * unknown version is not). */
static gboolean
vulkan_plugin_at_least (guint major, guint minor, guint micro,
    const gchar ** version)
{
  static gsize once = 0;
  static const gchar *plugin_version = "unknown";
  static guint have[3];

  if (g_once_init_enter (&once)) {
    GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (),
        "vulkan");

    if (plugin) {
      plugin_version = g_intern_string (gst_plugin_get_version (plugin));
      if (sscanf (plugin_version, "%u.%u.%u", &have[0], &have[1],
              &have[2]) != 3)
        have[0] = have[1] = have[2] = 0;
      gst_object_unref (plugin);
    }
    g_once_init_leave (&once, 1);
  }
  if (version)
    *version = plugin_version;
  return have[0] > major || (have[0] == major && (have[1] > minor ||
          (have[1] == minor && have[2] >= micro)));
}

/* whether gst-vulkan's copies shear NV12 / I420 (above); its version */
gboolean
gst_any_sr_vk_quirks_copies_shear (const gchar ** version)
{
  return !vulkan_plugin_at_least (1, 28, 3, version);
}

/* The widths of @format that gst-vulkan copies right are the multiples of
 * this (1: every width). */
static gint
vulkan_width_step (const gchar * format)
{
  if (!gst_any_sr_vk_quirks_copies_shear (NULL))
    return 1;
  if (g_strcmp0 (format, "NV12") == 0)
    return 4;
  if (g_strcmp0 (format, "I420") == 0)
    return 8;
  return 1;
}

/* Why anysr does not take @format at @width as VulkanImage on its @pad
 * ("sink" or "src"), newly allocated; NULL when it does. */
gchar *
gst_any_sr_vk_quirks_size_refusal (const gchar * format, gint width,
    gint height,
    const gchar * pad)
{
  gint step = vulkan_width_step (format);
  const gchar *version;

  if (step == 1 || width % step == 0)
    return NULL;
  gst_any_sr_vk_quirks_copies_shear (&version);
  return g_strdup_printf ("anysr does not take %s %dx%d as VulkanImage on "
      "its %s pad: GStreamer's Vulkan elements before 1.28.3 (here %s) copy "
      "NV12 and I420 frames wrongly between system memory and VulkanImage "
      "when a plane's row is not a multiple of 4 bytes (NV12: a width not a "
      "multiple of 4; I420: not a multiple of 8); use system memory there "
      "(no %s), a width that is a multiple of %d, or GStreamer 1.28.3 or "
      "later", format, width, height, pad, version,
      strcmp (pad, "sink") == 0 ? "vulkanupload" : "vulkandownload", step);
}

gboolean
gst_any_sr_vk_quirks_structure_is_image (GstCapsFeatures * features)
{
  return features && !gst_caps_features_is_any (features) &&
      gst_caps_features_contains (features, ANY_SR_VULKAN_FEATURE);
}

/* @caps (transfer full) with the VulkanImage structures of NV12 and I420
 * restricted to the widths gst-vulkan copies right: each such structure is
 * split into one of the other formats, one of NV12 and one of I420 whose
 * widths are multiples of the step (an int range with a step: fixation
 * and intersection keep to it). */
GstCaps *
gst_any_sr_vk_quirks_restrict_widths (GstCaps * caps)
{
  static const gchar *sheared[] = { "NV12", "I420" };
  GstCaps *ret;
  guint i, j, n;

  if (!gst_any_sr_vk_quirks_copies_shear (NULL) || gst_caps_is_any (caps))
    return caps;
  ret = gst_caps_new_empty ();
  n = gst_caps_get_size (caps);
  for (i = 0; i < n; i++) {
    GstStructure *s = gst_caps_get_structure (caps, i);
    GstCapsFeatures *features = gst_caps_get_features (caps, i);
    GValue all = G_VALUE_INIT, rest = G_VALUE_INIT;
    const GValue *formats;

    if (!gst_any_sr_vk_quirks_structure_is_image (features)) {
      gst_caps_append_structure_full (ret, gst_structure_copy (s),
          gst_caps_features_copy (features));
      continue;
    }
    formats = gst_structure_get_value (s, "format");
    if (!formats) {
      g_value_init (&all, GST_TYPE_LIST);
      gst_value_deserialize (&all, ANY_SR_VULKAN_FORMATS);
      formats = &all;
    }
    g_value_init (&rest, G_VALUE_TYPE (formats));
    g_value_copy (formats, &rest);
    for (j = 0; j < G_N_ELEMENTS (sheared); j++) {
      GValue f = G_VALUE_INIT, wanted = G_VALUE_INIT, widths = G_VALUE_INIT;
      GValue tmp = G_VALUE_INIT;
      const GValue *w = gst_structure_get_value (s, "width");
      gint step = vulkan_width_step (sheared[j]);
      GstStructure *c;

      g_value_init (&f, G_TYPE_STRING);
      g_value_set_static_string (&f, sheared[j]);
      if (!gst_value_intersect (NULL, &f, formats)) {
        g_value_unset (&f);
        continue;
      }
      /* the rest: without this format */
      if (G_IS_VALUE (&rest)) {
        if (gst_value_subtract (&tmp, &rest, &f)) {
          g_value_unset (&rest);
          rest = tmp;
        } else {
          g_value_unset (&rest);
        }
      }
      g_value_init (&wanted, GST_TYPE_INT_RANGE);
      gst_value_set_int_range_step (&wanted, step, G_MAXINT - G_MAXINT % step,
          step);
      if (!w || gst_value_intersect (&widths, w, &wanted)) {
        c = gst_structure_copy (s);
        gst_structure_set_value (c, "format", &f);
        gst_structure_set_value (c, "width", w ? &widths : &wanted);
        gst_caps_append_structure_full (ret, c,
            gst_caps_features_copy (features));
      }
      if (G_IS_VALUE (&widths))
        g_value_unset (&widths);
      g_value_unset (&wanted);
      g_value_unset (&f);
    }
    if (G_IS_VALUE (&rest)) {
      GstStructure *c = gst_structure_copy (s);

      gst_structure_set_value (c, "format", &rest);
      gst_caps_append_structure_full (ret, c,
          gst_caps_features_copy (features));
      g_value_unset (&rest);
    }
    if (G_IS_VALUE (&all))
      g_value_unset (&all);
  }
  gst_caps_unref (caps);
  return ret;
}

/* For fixed caps: why anysr does not take them as VulkanImage on its @pad
 * (gst_any_sr_vk_quirks_size_refusal()), newly allocated; NULL when it does. */
gchar *
gst_any_sr_vk_quirks_width_refusal (GstCaps * caps, const gchar * pad)
{
  GstStructure *s;
  gint w, h;

  if (!caps || gst_caps_is_empty (caps) || gst_caps_is_any (caps) ||
      !gst_any_sr_vk_quirks_structure_is_image (gst_caps_get_features (caps,
              0)))
    return NULL;
  s = gst_caps_get_structure (caps, 0);
  if (!gst_structure_get_int (s, "width", &w) ||
      !gst_structure_get_int (s, "height", &h) ||
      !gst_structure_get_string (s, "format"))
    return NULL;
  return gst_any_sr_vk_quirks_size_refusal (gst_structure_get_string (s,
          "format"), w, h,
      pad);
}

/* gst-vulkan before 1.24 makes vulkanupload's images and vulkandownload's
 * system-memory buffers from a pool sized by the first caps the element
 * ever has, kept for the element's life: a larger frame later overflows
 * them (heap corruption, or images read past their end; the element soak
 * found it, docs/element.md#gpu-resident-pipelines-gst-vulkan), and
 * vulkanupload's images stay on the device of its first stream.
 *
 * The gst-vulkan element next to anysr that keeps its first caps' pool:
 * the vulkanupload upstream of the sink pad (@direction GST_PAD_SINK) or
 * the vulkandownload downstream of the src pad, past capsfilters and
 * queues, when the plugin is older than 1.24 (a reference, or NULL); its
 * pad facing anysr in @facing (a reference) when given. */
static GstElement *
old_vulkan_neighbour (GstAnySr * self, GstPadDirection direction,
    GstPad ** facing)
{
  const gchar *want = direction == GST_PAD_SINK ? "vulkanupload" :
      "vulkandownload";
  const gchar *next = direction == GST_PAD_SINK ? "sink" : "src";
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstPad *peer;
  GstElement *e = NULL;
  GstElementFactory *factory = NULL;

  if (vulkan_plugin_at_least (1, 24, 0, NULL))
    return NULL;
  /* the first element that is not a capsfilter or a queue */
  peer = gst_pad_get_peer (direction == GST_PAD_SINK ? trans->sinkpad :
      trans->srcpad);
  for (guint hops = 0; peer && hops < 8; hops++) {
    GstPad *pad;

    e = gst_pad_get_parent_element (peer);
    factory = e ? gst_element_get_factory (e) : NULL;
    if (!factory || (g_strcmp0 (GST_OBJECT_NAME (factory), "capsfilter") &&
            g_strcmp0 (GST_OBJECT_NAME (factory), "queue")))
      break;
    pad = gst_element_get_static_pad (e, next);
    gst_clear_object (&peer);
    peer = pad ? gst_pad_get_peer (pad) : NULL;
    gst_clear_object (&pad);
    gst_clear_object (&e);
    factory = NULL;
  }
  if (!factory || g_strcmp0 (GST_OBJECT_NAME (factory), want) != 0) {
    gst_clear_object (&e);
    gst_clear_object (&peer);
    return NULL;
  }
  if (facing)
    *facing = peer;
  else
    gst_clear_object (&peer);
  return e;
}

GstElement *
gst_any_sr_vk_quirks_old_upload (GstAnySr * self)
{
  return old_vulkan_neighbour (self, GST_PAD_SINK, NULL);
}

/* That element (old_vulkan_neighbour()) and its first frame size in
 * @first_w x @first_h, noted on it when anysr first meets it (its current
 * caps on the pad facing anysr, else @w x @h). */
static GstElement *
stale_pool_neighbour (GstAnySr * self, GstPadDirection direction, gint w,
    gint h, gint * first_w, gint * first_h)
{
  static GQuark first_size_quark = 0;
  GstPad *peer = NULL;
  GstElement *e = old_vulkan_neighbour (self, direction, &peer);
  guint64 *first;

  if (!e)
    return NULL;
  if (!first_size_quark)
    first_size_quark = g_quark_from_static_string ("anysr-first-size");
  first = g_object_get_qdata (G_OBJECT (e), first_size_quark);
  if (!first) {
    GstCaps *current = gst_pad_get_current_caps (peer);
    GstVideoInfo info;

    if (current && gst_video_info_from_caps (&info, current)) {
      w = GST_VIDEO_INFO_WIDTH (&info);
      h = GST_VIDEO_INFO_HEIGHT (&info);
    }
    gst_clear_caps (&current);
    first = g_new (guint64, 1);
    *first = ((guint64) w << 32) | (guint32) h;
    g_object_set_qdata_full (G_OBJECT (e), first_size_quark, first, g_free);
  }
  *first_w = (gint) (*first >> 32);
  *first_h = (gint) (guint32) * first;
  gst_clear_object (&peer);
  return e;
}

/* Why anysr does not take (@direction GST_PAD_SINK, from vulkanupload) or
 * hand (GST_PAD_SRC, to vulkandownload) @format @w x @h VulkanImage frames
 * (see stale_pool_neighbour(); newly allocated), or NULL. */
static gchar *
pool_refusal (GstAnySr * self, GstPadDirection direction,
    const gchar * format, gint w, gint h)
{
  GstElement *e;
  gint first_w = 0, first_h = 0;
  const gchar *version;
  gchar *reason = NULL;

  e = stale_pool_neighbour (self, direction, w, h, &first_w, &first_h);
  if (e && (w > first_w || h > first_h)) {
    vulkan_plugin_at_least (1, 24, 0, &version);
    reason = g_strdup_printf ("anysr does not %s %s %s %dx%d VulkanImage "
        "frames after its first %dx%d: GStreamer's Vulkan elements before "
        "1.24 (here %s) keep the buffer pool of their first caps, which a "
        "larger frame overflows; change the size in READY with a new %s, "
        "keep the %s at most %dx%d, or use GStreamer 1.24 or later",
        direction == GST_PAD_SINK ? "take from" : "hand", GST_OBJECT_NAME (e),
        format, w, h, first_w, first_h, version, direction == GST_PAD_SINK ?
        "vulkanupload" : "vulkandownload", direction == GST_PAD_SINK ?
        "input" : "output", first_w, first_h);
  }
  gst_clear_object (&e);
  return reason;
}

/* the same for negotiated caps (one side's) */
gchar *
gst_any_sr_vk_quirks_caps_pool_refusal (GstAnySr * self,
    GstPadDirection direction,
    GstCaps * caps, const GstVideoInfo * info)
{
  if (!gst_any_sr_vulkan_caps_are_image (caps))
    return NULL;
  return pool_refusal (self, direction, GST_VIDEO_INFO_NAME (info),
      GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info));
}

/* After a caps query on the sink pad: an empty answer to a filter whose
 * VulkanImage structures are all NV12 / I420 at a width gst-vulkan shears
 * (see gst_any_sr_vk_quirks_copies_shear(); a fixed format and size,
 * other fields may
 * be ranges) is a renegotiation anysr refused for that
 * reason, typically to such a width while playing, where vulkanupload then
 * fails with a bare not-negotiated. A warning names the cause, once per
 * reason and stream. */
void
gst_any_sr_vk_quirks_query_done (GstAnySr * self, GstPadDirection direction,
    GstQuery * query)
{
  GstCaps *filter = NULL, *result = NULL;
  gchar *reason = NULL;
  guint i, n;

  if (direction != GST_PAD_SINK || GST_QUERY_TYPE (query) != GST_QUERY_CAPS)
    return;
  gst_query_parse_caps (query, &filter);
  gst_query_parse_caps_result (query, &result);
  if (!filter || !result || gst_caps_is_any (filter) ||
      gst_caps_is_any (result))
    return;

  /* VulkanImage frames larger than vulkanupload's first: taken out of the
   * answer (see stale_pool_neighbour()), so that it fails to negotiate
   * before it uploads into its old images */
  n = gst_caps_get_size (result);
  for (i = 0; i < n; i++) {
    GstStructure *st = gst_caps_get_structure (result, i);
    gint w, h;

    if (gst_any_sr_vk_quirks_structure_is_image (gst_caps_get_features
            (result, i)) &&
        gst_structure_get_int (st, "width", &w) &&
        gst_structure_get_int (st, "height", &h) &&
        (reason = pool_refusal (self, GST_PAD_SINK,
                GST_STR_NULL (gst_structure_get_string (st, "format")), w,
                h)))
      break;
  }
  if (reason) {
    GstCaps *kept = gst_caps_new_empty ();

    for (i = 0; i < n; i++) {
      GstStructure *st = gst_caps_get_structure (result, i);
      GstCapsFeatures *f = gst_caps_get_features (result, i);
      gint w, h;
      gchar *why = NULL;

      if (gst_any_sr_vk_quirks_structure_is_image (f) &&
          gst_structure_get_int (st, "width", &w)
          && gst_structure_get_int (st, "height", &h))
        why = pool_refusal (self, GST_PAD_SINK, "", w, h);
      if (!why)
        gst_caps_append_structure_full (kept, gst_structure_copy (st),
            f ? gst_caps_features_copy (f) : NULL);
      g_free (why);
    }
    gst_query_set_caps_result (query, kept);
    result = kept;
    gst_caps_unref (kept);
    if (!gst_caps_is_empty (result))
      g_clear_pointer (&reason, g_free);
  }

  /* an empty answer because of gst-vulkan's sheared widths: why */
  n = gst_caps_get_size (filter);
  for (i = 0; i < n && !reason && gst_caps_is_empty (result); i++) {
    GstCaps *one = gst_caps_copy_nth (filter, i);

    reason = gst_any_sr_vk_quirks_width_refusal (one, "sink");
    gst_caps_unref (one);
  }
  if (!reason)
    return;
  if (g_strcmp0 (reason, self->last_query_refusal) != 0) {
    GST_ELEMENT_WARNING (self, CORE, NEGOTIATION, ("%s", reason),
        ("caps query with filter %" GST_PTR_FORMAT, filter));
    g_free (self->last_query_refusal);
    self->last_query_refusal = reason;
  } else {
    g_free (reason);
  }
}
