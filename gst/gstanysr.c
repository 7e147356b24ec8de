/* GStreamer anysr element: super-resolution at any fractional scale on Vulkan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-anysr
 * @title: anysr
 *
 * anysr enlarges every frame of a video stream by any fractional scale
 * between 1 and 8 per axis, on a Vulkan device (a GPU, or Mesa's lavapipe
 * CPU device from the package mesa-vulkan-drivers). All pixel work happens in
 * libanysr, which runs its super-resolution network with the model embedded
 * in it; the element maps frames and calls it.
 *
 * The output size comes from downstream caps when they fix it, which gives a
 * per-axis scale (out width / in width, out height / in height); otherwise
 * the #GstAnySr:scale property multiplies both sides (rounded to whole
 * pixels). When the output size equals the input size the element works in
 * passthrough. The input and output formats are always the same: RGBA, BGRA,
 * RGBx, BGRx, I420 or NV12, progressive.
 *
 * Pixel aspect ratio: anysr keeps the display aspect ratio where it can.
 * When downstream fixes both width and height, the output pixel-aspect-ratio
 * is chosen so that the picture keeps its display aspect (for example
 * 1440x1080 at 4:3 pixels to 1920x1080 gives square pixels); when downstream
 * fixes one side only, the other side follows the display aspect; the
 * #GstAnySr:scale property keeps the pixel aspect ratio. A pixel aspect ratio
 * fixed by downstream always wins.
 *
 * Sizes that cannot be served (an output smaller than the input, or more
 * than 8 times larger on an axis) fail negotiation: the element posts a
 * warning message that says why and upstream stops with not-negotiated; use
 * videoscale to shrink. A #GstAnySr:scale outside 1 to 8 makes the change
 * to READY fail with an error.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240 ! anysr scale=2.5 ! videoconvert ! autovideosink
 * ]| Shows the test pattern enlarged 2.5 times, to 800x600.
 * |[
 * gst-launch-1.0 filesrc location=in.mp4 ! decodebin ! videoconvert ! anysr ! video/x-raw,width=1920,height=1080 ! videoconvert ! autovideosink
 * ]| Enlarges a video file to 1920x1080, whatever its size (up to 8 times per axis).
 * |[
 * gst-launch-1.0 playbin uri=file:///path/to/in.mp4 video-filter=anysr
 * ]| Plays a file enlarged twice.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include "gstanysr.h"

#ifdef GST_ANY_SR_TEST_HOOKS
/* Test-only build of the plugin (tests/element/meson.build), linked with
 * libanysr's internal objects: ANYSR_TEST_BICUBIC=1 makes the engine run its
 * Pillow-aligned bicubic resampler instead of the network, so that the tests
 * can check pixel values. A local workaround until libanysr offers a public
 * way to choose the bicubic path; never part of the installed plugin. */
#include "internal.h"
#endif

GST_DEBUG_CATEGORY_STATIC (gst_any_sr_debug);
#define GST_CAT_DEFAULT gst_any_sr_debug

#define DEFAULT_SCALE 2.0
#define DEFAULT_DEVICE -1

enum
{
  PROP_0,
  PROP_SCALE,
  PROP_DEVICE,
  PROP_DEVICE_NAME,
  N_PROPERTIES
};

static GParamSpec *properties[N_PROPERTIES];

#define ANY_SR_FORMATS "{ RGBA, BGRA, RGBx, BGRx, I420, NV12 }"
#define ANY_SR_CAPS GST_VIDEO_CAPS_MAKE (ANY_SR_FORMATS)

/* the text that tells a user how to get a Vulkan device */
#define NO_DEVICE_HINT \
  "Install a Vulkan driver for your GPU, or the package mesa-vulkan-drivers " \
  "whose lavapipe is a Vulkan device on the CPU; if VK_DRIVER_FILES is set, " \
  "check that it names existing driver .json files."

static GstStaticPadTemplate gst_any_sr_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (ANY_SR_CAPS));

static GstStaticPadTemplate gst_any_sr_src_template =
GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (ANY_SR_CAPS));

#define gst_any_sr_parent_class parent_class
G_DEFINE_TYPE (GstAnySr, gst_any_sr, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (anysr, "anysr", GST_RANK_NONE, GST_TYPE_ANY_SR);

static void gst_any_sr_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_any_sr_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_any_sr_finalize (GObject * object);
static GstStateChangeReturn gst_any_sr_change_state (GstElement * element,
    GstStateChange transition);
static GstCaps *gst_any_sr_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter);
static GstCaps *gst_any_sr_fixate_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * othercaps);
static gboolean gst_any_sr_set_info (GstVideoFilter * filter,
    GstCaps * incaps, GstVideoInfo * in_info, GstCaps * outcaps,
    GstVideoInfo * out_info);
static GstFlowReturn gst_any_sr_transform_frame (GstVideoFilter * filter,
    GstVideoFrame * in_frame, GstVideoFrame * out_frame);
static gboolean gst_any_sr_accept_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps);
static AsrPixelFormat gst_any_sr_format_to_asr (GstVideoFormat format);

static void
gst_any_sr_class_init (GstAnySrClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_any_sr_debug, "anysr", 0,
      "anysr super-resolution on Vulkan");

  gobject_class->set_property = gst_any_sr_set_property;
  gobject_class->get_property = gst_any_sr_get_property;
  gobject_class->finalize = gst_any_sr_finalize;

  /**
   * GstAnySr:scale:
   *
   * Scale factor applied to both width and height when downstream caps do
   * not fix the output size. May be changed while playing: the element then
   * renegotiates its output size.
   *
   * anysr serves scales from 1 to 8. The property accepts any non-negative
   * value so that a value outside that range reaches the element, which
   * then fails with an error saying why, instead of GLib printing a warning
   * and leaving the old value in place.
   */
  properties[PROP_SCALE] = g_param_spec_double ("scale", "Scale",
      "Scale factor for width and height (output = round(input x scale)), "
      "used when downstream caps do not fix the output size; from 1 "
      "(passthrough) to 8, other values fail with an error",
      0.0, G_MAXDOUBLE, DEFAULT_SCALE,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  /**
   * GstAnySr:device:
   *
   * Index of the Vulkan physical device to use, in the order the Vulkan
   * loader enumerates them, or -1 to choose automatically (discrete GPU,
   * then integrated, virtual, CPU; the environment variable ANYSR_DEVICE
   * overrides the automatic choice). Read when the element goes from NULL
   * to READY.
   */
  properties[PROP_DEVICE] = g_param_spec_int ("device", "Device",
      "Vulkan physical device index in enumeration order, or -1 to choose "
      "automatically (discrete > integrated > virtual > CPU; the environment "
      "variable ANYSR_DEVICE overrides); applied when the element goes from "
      "NULL to READY",
      -1, G_MAXINT, DEFAULT_DEVICE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  /**
   * GstAnySr:device-name:
   *
   * Name of the Vulkan device in use, from the driver. %NULL until the
   * element has reached the READY state.
   */
  properties[PROP_DEVICE_NAME] = g_param_spec_string ("device-name",
      "Device name",
      "Name of the Vulkan device in use (NULL until the element is READY)",
      NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (gobject_class, N_PROPERTIES, properties);

  gst_element_class_set_static_metadata (element_class,
      "Any-scale super-resolution", "Filter/Effect/Converter/Video/Scaler",
      "Enlarges video by any fractional scale from 1 to 8 per axis on a "
      "Vulkan device", "anysr developers");

  gst_element_class_add_static_pad_template (element_class,
      &gst_any_sr_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &gst_any_sr_src_template);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_any_sr_change_state);

  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_any_sr_transform_caps);
  trans_class->fixate_caps = GST_DEBUG_FUNCPTR (gst_any_sr_fixate_caps);
  trans_class->accept_caps = GST_DEBUG_FUNCPTR (gst_any_sr_accept_caps);
  trans_class->passthrough_on_same_caps = FALSE;

  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_any_sr_set_info);
  filter_class->transform_frame =
      GST_DEBUG_FUNCPTR (gst_any_sr_transform_frame);
}

static void
gst_any_sr_init (GstAnySr * self)
{
  self->scale = DEFAULT_SCALE;
  self->device = DEFAULT_DEVICE;
  g_mutex_init (&self->log_lock);
}

static void
gst_any_sr_finalize (GObject * object)
{
  GstAnySr *self = GST_ANY_SR (object);

  asr_engine_free (&self->engine);
  g_free (self->device_name);
  g_free (self->last_engine_error);
  g_free (self->last_refusal);
  g_mutex_clear (&self->log_lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_any_sr_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAnySr *self = GST_ANY_SR (object);
  gboolean changed;

  switch (prop_id) {
    case PROP_SCALE:
      GST_OBJECT_LOCK (self);
      changed = self->scale != g_value_get_double (value);
      self->scale = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      /* the output size may change: renegotiate */
      if (changed)
        gst_base_transform_reconfigure_src (GST_BASE_TRANSFORM (self));
      break;
    case PROP_DEVICE:
      GST_OBJECT_LOCK (self);
      self->device = g_value_get_int (value);
      if (self->engine)
        GST_WARNING_OBJECT (self, "device changed while a device is open; "
            "it takes effect after the element returns to NULL");
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_any_sr_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstAnySr *self = GST_ANY_SR (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SCALE:
      g_value_set_double (value, self->scale);
      break;
    case PROP_DEVICE:
      g_value_set_int (value, self->device);
      break;
    case PROP_DEVICE_NAME:
      g_value_set_string (value, self->device_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Engine log messages go to the "anysr" debug category. Error-level ones are
 * also kept, to be quoted in the next element error. */
static void
gst_any_sr_engine_log (void *user_data, AsrLogLevel level, const char *message)
{
  GstAnySr *self = user_data;
  GstDebugLevel gst_level;

  switch (level) {
    case ASR_LOG_ERROR:
      gst_level = GST_LEVEL_ERROR;
      break;
    case ASR_LOG_WARNING:
      gst_level = GST_LEVEL_WARNING;
      break;
    case ASR_LOG_INFO:
      gst_level = GST_LEVEL_INFO;
      break;
    default:
      gst_level = GST_LEVEL_DEBUG;
      break;
  }
  GST_CAT_LEVEL_LOG (gst_any_sr_debug, gst_level, self, "%s", message);

  if (level == ASR_LOG_ERROR) {
    g_mutex_lock (&self->log_lock);
    g_free (self->last_engine_error);
    self->last_engine_error = g_strdup (message);
    g_mutex_unlock (&self->log_lock);
  }
}

/* Returns the last error message the engine logged (transfer full). */
static gchar *
gst_any_sr_take_engine_error (GstAnySr * self)
{
  gchar *msg;

  g_mutex_lock (&self->log_lock);
  msg = self->last_engine_error;
  self->last_engine_error = NULL;
  g_mutex_unlock (&self->log_lock);

  return msg;
}

static AsrLogLevel
gst_any_sr_engine_log_level (void)
{
  GstDebugLevel threshold = gst_debug_category_get_threshold (GST_CAT_DEFAULT);

  if (threshold >= GST_LEVEL_DEBUG)
    return ASR_LOG_DEBUG;
  if (threshold >= GST_LEVEL_INFO)
    return ASR_LOG_INFO;
  return ASR_LOG_WARNING;
}

static gboolean
scale_is_servable (gdouble scale)
{
  return scale >= ASR_SCALE_MIN && scale <= ASR_SCALE_MAX;
}

static gboolean
gst_any_sr_open (GstAnySr * self)
{
  AsrSettings settings;
  AsrEngine *engine = NULL;
  AsrStatus status;
  gchar *detail, *dbg;
  const gchar *driver_files;
  gdouble scale;

  asr_settings_default (&settings);
  GST_OBJECT_LOCK (self);
  settings.device_index = self->device;
  scale = self->scale;
  GST_OBJECT_UNLOCK (self);

  if (!scale_is_servable (scale)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("anysr cannot scale by %g: the scale property must lie between %g "
            "and %g (use videoscale to shrink video)", scale, ASR_SCALE_MIN,
            ASR_SCALE_MAX), (NULL));
    return FALSE;
  }
  settings.log_callback = gst_any_sr_engine_log;
  settings.log_user_data = self;
  settings.log_level = gst_any_sr_engine_log_level ();

  g_free (gst_any_sr_take_engine_error (self));
  status = asr_engine_new (&settings, &engine);
  if (status != ASR_OK) {
    detail = gst_any_sr_take_engine_error (self);
    driver_files = g_getenv ("VK_DRIVER_FILES");
    dbg = g_strdup_printf ("asr_engine_new(): %s%s%s (VK_DRIVER_FILES=%s)",
        asr_status_to_string (status), detail ? ": " : "",
        detail ? detail : "", driver_files ? driver_files : "unset");
    if (status == ASR_ERROR_NO_DEVICE && settings.device_index < 0) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("No usable Vulkan device. " NO_DEVICE_HINT), ("%s", dbg));
    } else if (status == ASR_ERROR_NO_DEVICE) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("No usable Vulkan device with index %d. " NO_DEVICE_HINT,
              settings.device_index), ("%s", dbg));
    } else if (status == ASR_ERROR_MODEL) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("anysr has no usable model: %s", detail ? detail :
              asr_status_to_string (status)), ("%s", dbg));
    } else {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
          ("Could not open the Vulkan device: %s. " NO_DEVICE_HINT,
              asr_status_to_string (status)), ("%s", dbg));
    }
    g_free (dbg);
    g_free (detail);
    return FALSE;
  }
#ifdef GST_ANY_SR_TEST_HOOKS
  if (g_getenv ("ANYSR_TEST_BICUBIC")) {
    GST_WARNING_OBJECT (self, "test build: bicubic resampler, no network");
    asr_engine_debug_set_bicubic (engine, 1);
  }
#endif

  GST_INFO_OBJECT (self, "libanysr %s on Vulkan device \"%s\"",
      asr_version (), asr_engine_device_name (engine));

  GST_OBJECT_LOCK (self);
  self->engine = engine;
  g_free (self->device_name);
  self->device_name = g_strdup (asr_engine_device_name (engine));
  GST_OBJECT_UNLOCK (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_NAME]);

  return TRUE;
}

static void
gst_any_sr_close (GstAnySr * self)
{
  AsrEngine *engine;

  GST_OBJECT_LOCK (self);
  engine = self->engine;
  self->engine = NULL;
  g_clear_pointer (&self->device_name, g_free);
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&self->last_refusal, g_free);

  asr_engine_free (&engine);
}

static GstStateChangeReturn
gst_any_sr_change_state (GstElement * element, GstStateChange transition)
{
  GstAnySr *self = GST_ANY_SR (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY && !gst_any_sr_open (self))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_READY_TO_NULL ||
      (transition == GST_STATE_CHANGE_NULL_TO_READY &&
          ret == GST_STATE_CHANGE_FAILURE))
    gst_any_sr_close (self);

  return ret;
}

/* Only logs why caps are refused: an unsupported format never reaches
 * set_info(), so this is where a GST_WARNING can name it. */
static gboolean
gst_any_sr_accept_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps)
{
  gboolean ret;
  GstStructure *s;
  const gchar *format;

  ret = GST_BASE_TRANSFORM_CLASS (parent_class)->accept_caps (trans,
      direction, caps);
  if (!ret && gst_caps_is_fixed (caps)) {
    s = gst_caps_get_structure (caps, 0);
    format = gst_structure_get_string (s, "format");
    if (!gst_structure_has_name (s, "video/x-raw") || !format ||
        gst_any_sr_format_to_asr (gst_video_format_from_string (format)) ==
        ASR_FORMAT_UNKNOWN)
      GST_WARNING_OBJECT (trans, "caps refused: anysr does not support %s "
          "format %s (supported: video/x-raw in system memory, formats "
          ANY_SR_FORMATS ")", gst_structure_get_name (s),
          GST_STR_NULL (format));
    else
      GST_WARNING_OBJECT (trans, "caps refused: %" GST_PTR_FORMAT, caps);
  }

  return ret;
}

/* Any size in, any size out, same format: the size is checked in set_info()
 * so that a size that cannot be served fails with a message saying why. */
static GstCaps *
gst_any_sr_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
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
  return (gint) CLAMP (floor (v + 0.5), 1, G_MAXINT);
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
  const GValue *wv, *hv;
  gboolean w_fixed, h_fixed;
  gint w = 0, h = 0, par_n = in_par_n, par_d = in_par_d;
  gdouble in_dar;

  wv = gst_structure_get_value (s, "width");
  hv = gst_structure_get_value (s, "height");
  w_fixed = wv && G_VALUE_HOLDS_INT (wv);
  h_fixed = hv && G_VALUE_HOLDS_INT (hv);
  if (w_fixed)
    w = g_value_get_int (wv);
  if (h_fixed)
    h = g_value_get_int (hv);

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

static GstCaps *
gst_any_sr_fixate_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * othercaps)
{
  GstAnySr *self = GST_ANY_SR (trans);
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
    return GST_BASE_TRANSFORM_CLASS (parent_class)->fixate_caps (trans,
        direction, caps, othercaps);

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
gst_any_sr_format_to_asr (GstVideoFormat format)
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
    default:
      return ASR_FORMAT_UNKNOWN;
  }
}

static void
gst_any_sr_frame_info (const GstVideoInfo * info, AsrFrameInfo * fi)
{
  const GstVideoColorimetry *cinfo = &GST_VIDEO_INFO_COLORIMETRY (info);
  GstVideoChromaSite site = GST_VIDEO_INFO_CHROMA_SITE (info);

  memset (fi, 0, sizeof (*fi));
  fi->format = gst_any_sr_format_to_asr (GST_VIDEO_INFO_FORMAT (info));
  fi->width = GST_VIDEO_INFO_WIDTH (info);
  fi->height = GST_VIDEO_INFO_HEIGHT (info);

  switch (cinfo->matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT709:
    case GST_VIDEO_COLOR_MATRIX_SMPTE240M:
      fi->matrix = ASR_MATRIX_BT709;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      fi->matrix = ASR_MATRIX_BT2020;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT601:
    case GST_VIDEO_COLOR_MATRIX_FCC:
      fi->matrix = ASR_MATRIX_BT601;
      break;
    default:
      /* unknown: the usual guess, SD is BT.601 and HD is BT.709 */
      fi->matrix = fi->height > 576 ? ASR_MATRIX_BT709 : ASR_MATRIX_BT601;
      break;
  }
  fi->range = cinfo->range == GST_VIDEO_COLOR_RANGE_0_255 ?
      ASR_RANGE_FULL : ASR_RANGE_LIMITED;

  fi->chroma_cosited_h = (site & GST_VIDEO_CHROMA_SITE_H_COSITED) ? 1 : 0;
  fi->chroma_cosited_v = (site & GST_VIDEO_CHROMA_SITE_V_COSITED) ? 1 : 0;
}

/* Caps anysr cannot serve: logs why and tells the application with an
 * element warning (the upstream element then fails with not-negotiated).
 * Negotiation is retried on every buffer, so the same reason is posted only
 * once. Takes @reason. */
static void
gst_any_sr_refuse (GstAnySr * self, gchar * reason, GstCaps * incaps,
    GstCaps * outcaps)
{
  GST_WARNING_OBJECT (self, "%s", reason);
  if (g_strcmp0 (reason, self->last_refusal) != 0)
    GST_ELEMENT_WARNING (self, CORE, NEGOTIATION, ("%s", reason),
        ("in %" GST_PTR_FORMAT ", out %" GST_PTR_FORMAT, incaps, outcaps));
  g_free (self->last_refusal);
  self->last_refusal = reason;
}

static gboolean
gst_any_sr_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstAnySr *self = GST_ANY_SR (filter);
  AsrFrameInfo in, out;
  AsrStatus status;
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
  } else if (gst_any_sr_format_to_asr (GST_VIDEO_INFO_FORMAT (in_info)) ==
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
    if (!scale_is_servable (scale))
      note = g_strdup_printf (" (the scale property is %g)", scale);
    reason = g_strdup_printf ("anysr cannot scale %dx%d to %dx%d: the scale "
        "of each axis must lie between %g and %g, here %.3g x %.3g%s; "
        "use videoscale to shrink video", in_w, in_h, out_w, out_h,
        ASR_SCALE_MIN, ASR_SCALE_MAX, (gdouble) out_w / in_w,
        (gdouble) out_h / in_h, note ? note : "");
    g_free (note);
  }
  if (reason) {
    gst_any_sr_refuse (self, reason, incaps, outcaps);
    return FALSE;
  }

  if (in_w == out_w && in_h == out_h) {
    g_clear_pointer (&self->last_refusal, g_free);
    GST_INFO_OBJECT (self, "same size %dx%d in and out: passthrough", in_w,
        in_h);
    gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
    return TRUE;
  }
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);

  if (!self->engine) {
    GST_ELEMENT_ERROR (self, CORE, STATE_CHANGE, (NULL),
        ("caps set while no engine is open"));
    return FALSE;
  }

  gst_any_sr_frame_info (in_info, &in);
  gst_any_sr_frame_info (out_info, &out);
  status = asr_engine_configure (self->engine, &in, &out);
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

  GST_INFO_OBJECT (self, "%s %dx%d -> %dx%d (scale %.4g x %.4g)",
      GST_VIDEO_INFO_NAME (in_info), in_w, in_h, out_w, out_h,
      (gdouble) out_w / in_w, (gdouble) out_h / in_h);

  return TRUE;
}

static void
gst_any_sr_frame_planes (GstVideoFrame * vframe, AsrFrame * frame)
{
  guint i;

  memset (frame, 0, sizeof (*frame));
  for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (vframe) && i < ASR_MAX_PLANES; i++) {
    frame->data[i] = GST_VIDEO_FRAME_PLANE_DATA (vframe, i);
    frame->stride[i] = GST_VIDEO_FRAME_PLANE_STRIDE (vframe, i);
  }
}

static GstFlowReturn
gst_any_sr_transform_frame (GstVideoFilter * filter, GstVideoFrame * in_frame,
    GstVideoFrame * out_frame)
{
  GstAnySr *self = GST_ANY_SR (filter);
  AsrFrame in, out;
  AsrStatus status;

  gst_any_sr_frame_planes (in_frame, &in);
  gst_any_sr_frame_planes (out_frame, &out);

  status = asr_engine_process (self->engine, &in, &out);
  if (status != ASR_OK) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("anysr could not process a frame: %s",
            asr_status_to_string (status)),
        ("asr_engine_process(): %s", asr_engine_last_error (self->engine)));
    return GST_FLOW_ERROR;
  }

  return GST_FLOW_OK;
}
