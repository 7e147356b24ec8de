/*
 * anysr-upscale: the encoder and muxer for an output extension. Video is
 * encoded at a constant quality that keeps what the network made (x264 CRF,
 * else VP9 / VP8 constant quality with a bitrate ceiling scaled to the
 * output size), or losslessly (x264 qp 0, FFV1, lossless VP9).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "upscale.h"

#include <math.h>
#include <string.h>

typedef enum Container {
  CONTAINER_NONE = 0,
  CONTAINER_PNG,
  CONTAINER_JPEG,
  CONTAINER_MATROSKA,
  CONTAINER_MP4,
  CONTAINER_MOV,
  CONTAINER_WEBM,
  CONTAINER_AVI,
  CONTAINER_Y4M,
} Container;

static const struct {
  const char *extension;
  Container container;
} extensions[] = {
  { ".png", CONTAINER_PNG },
  { ".jpg", CONTAINER_JPEG },
  { ".jpeg", CONTAINER_JPEG },
  { ".mkv", CONTAINER_MATROSKA },
  { ".mp4", CONTAINER_MP4 },
  { ".mov", CONTAINER_MOV },
  { ".webm", CONTAINER_WEBM },
  { ".avi", CONTAINER_AVI },
  { ".y4m", CONTAINER_Y4M },
};

static Container
container_of_path (const char *path)
{
  const char *dot = strrchr (path, '.');
  const char *slash = strrchr (path, '/');
  if (!dot || (slash && slash > dot))
    return CONTAINER_NONE;
  for (size_t i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_ascii_strcasecmp (dot, extensions[i].extension) == 0)
      return extensions[i].container;
  return CONTAINER_NONE;
}

UpscaleKind
upscale_kind_of_path (const char *path)
{
  switch (container_of_path (path)) {
    case CONTAINER_NONE:
      return UPSCALE_KIND_UNKNOWN;
    case CONTAINER_PNG:
    case CONTAINER_JPEG:
      return UPSCALE_KIND_IMAGE;
    default:
      return UPSCALE_KIND_VIDEO;
  }
}

const char *
upscale_known_extensions (void)
{
  return ".png .jpg .jpeg (images), .mkv .mp4 .mov .webm .avi .y4m (videos)";
}

static GstElement *
make (const char *factory)
{
  return gst_element_factory_make (factory, NULL);
}

static gboolean
have (const char *factory)
{
  GstElementFactory *found = gst_element_factory_find (factory);
  if (!found)
    return FALSE;
  gst_object_unref (found);
  return TRUE;
}

/* x264: CRF (pass=qual) or lossless (pass=quant, qp 0). */
static GstElement *
x264 (const UpscaleOptions *opts, char **description)
{
  GstElement *enc = make ("x264enc");
  if (opts->lossless) {
    gst_util_set_object_arg (G_OBJECT (enc), "pass", "quant");
    g_object_set (enc, "quantizer", 0u, "qp-min", 0u, NULL);
    *description = g_strdup ("H.264 lossless (x264 qp 0)");
  } else {
    gst_util_set_object_arg (G_OBJECT (enc), "pass", "qual");
    g_object_set (enc, "quantizer", (guint) opts->quality, "qp-min", 0u, NULL);
    *description = g_strdup_printf ("H.264 (x264 CRF %d)", opts->quality);
  }
  return enc;
}

/* VP9, else VP8 (not lossless), whichever is installed (NULL: neither):
 * constant quality with a ceiling of 0.3 bit per output pixel and frame
 * (generous: the cq level decides), lossless VP9 at q 0. */
static GstElement *
vpx (const UpscaleOptions *opts, int out_w, int out_h, double fps,
    char **description)
{
  const char *factory = have ("vp9enc") ? "vp9enc" :
      have ("vp8enc") && !opts->lossless ? "vp8enc" : NULL;
  GstElement *enc;

  if (!factory)
    return NULL;
  enc = make (factory);
  int cq = (int) lround (opts->quality * 63.0 / 51.0);
  double rate = fps > 0.0 ? fps : 30.0;
  int kbps = (int) MIN (G_MAXINT / 1000, out_w * (double) out_h * rate * 0.3 / 1000.0);
  gst_util_set_object_arg (G_OBJECT (enc), "end-usage", "cq");
  g_object_set (enc, "deadline", (gint64) 1000000, "cpu-used", 2,
      "threads", (int) MIN (8, g_get_num_processors ()), NULL);
  if (opts->lossless) {
    g_object_set (enc, "cq-level", 0, "min-quantizer", 0, "max-quantizer", 0,
        "target-bitrate", G_MAXINT, NULL);
    *description = g_strdup_printf ("%s lossless (q 0)", factory);
  } else {
    g_object_set (enc, "cq-level", cq, "min-quantizer", 0,
        "target-bitrate", MAX (kbps, 100) * 1000, NULL);
    *description = g_strdup_printf ("%s constant quality (cq-level %d, up to %d kbit/s)",
        factory, cq, MAX (kbps, 100));
  }
  return enc;
}

static gboolean
missing (GError **error, const char *what, const char *package)
{
  g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
      "no encoder for %s is installed (Debian package %s)", what, package);
  return FALSE;
}

gboolean
upscale_output_plan (UpscaleOutputPlan *plan, const char *path,
    const UpscaleOptions *opts, int out_w, int out_h, double fps, GError **error)
{
  memset (plan, 0, sizeof (*plan));
  Container container = container_of_path (path);
  const char *format = "I420";
  char *codec = NULL;
  const char *mux_name = NULL;

  switch (container) {
    case CONTAINER_NONE:
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NOT_IMPLEMENTED,
          "unknown output extension: %s (use %s)", path, upscale_known_extensions ());
      return FALSE;
    case CONTAINER_PNG:
      plan->video_encoder = make ("pngenc");
      g_object_set (plan->video_encoder, "snapshot", TRUE, NULL);
      format = NULL;
      codec = g_strdup ("PNG");
      break;
    case CONTAINER_JPEG:
      plan->video_encoder = make ("jpegenc");
      g_object_set (plan->video_encoder, "snapshot", TRUE, "quality", 95, NULL);
      codec = g_strdup ("JPEG quality 95");
      break;
    case CONTAINER_MATROSKA:
      if (have ("x264enc"))
        plan->video_encoder = x264 (opts, &codec);
      else if (opts->lossless && have ("avenc_ffv1")) {
        plan->video_encoder = make ("avenc_ffv1");
        codec = g_strdup ("FFV1 lossless");
      } else if (!(plan->video_encoder = vpx (opts, out_w, out_h, fps, &codec)))
        return missing (error, "Matroska", "gstreamer1.0-plugins-ugly (x264enc)");
      mux_name = "matroskamux";
      break;
    case CONTAINER_MP4:
    case CONTAINER_MOV:
      if (!have ("x264enc"))
        return missing (error, "MP4 / QuickTime", "gstreamer1.0-plugins-ugly (x264enc)");
      plan->video_encoder = x264 (opts, &codec);
      mux_name = container == CONTAINER_MP4 ? "mp4mux" : "qtmux";
      break;
    case CONTAINER_WEBM:
      if (!(plan->video_encoder = vpx (opts, out_w, out_h, fps, &codec)))
        return missing (error, "WebM", "gstreamer1.0-plugins-good (vp9enc)");
      mux_name = "webmmux";
      break;
    case CONTAINER_AVI:
      if (opts->lossless) {
        if (!have ("avenc_ffv1"))
          return missing (error, "lossless AVI", "gstreamer1.0-libav (avenc_ffv1)");
        plan->video_encoder = make ("avenc_ffv1");
        codec = g_strdup ("FFV1 lossless");
      } else {
        plan->video_encoder = make ("jpegenc");
        int quality = CLAMP (100 - opts->quality, 50, 100);
        g_object_set (plan->video_encoder, "quality", quality, NULL);
        codec = g_strdup_printf ("Motion JPEG quality %d", quality);
      }
      mux_name = "avimux";
      break;
    case CONTAINER_Y4M:
      plan->video_encoder = make ("y4menc");
      codec = g_strdup ("raw YUV4MPEG");
      break;
  }

  plan->kind = upscale_kind_of_path (path);
  if (!plan->video_encoder) {
    g_free (codec);
    return missing (error, path, "gstreamer1.0-plugins-good / -base");
  }
  plan->video_encoder_caps = format
      ? gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, format, NULL)
      : gst_caps_new_empty_simple ("video/x-raw");
  if (mux_name) {
    plan->muxer = make (mux_name);
    if (!plan->muxer) {
      g_free (codec);
      upscale_output_plan_clear (plan);
      return missing (error, mux_name, "gstreamer1.0-plugins-good");
    }
    gst_object_ref_sink (plan->muxer);
    plan->audio = TRUE;
  }
  gst_object_ref_sink (plan->video_encoder);
  plan->description = g_strdup_printf ("%s%s%s", codec, mux_name ? ", " : "",
      mux_name ? mux_name : "");
  g_free (codec);
  return TRUE;
}

void
upscale_output_plan_clear (UpscaleOutputPlan *plan)
{
  gst_clear_object (&plan->video_encoder);
  gst_clear_object (&plan->muxer);
  gst_clear_caps (&plan->video_encoder_caps);
  g_clear_pointer (&plan->description, g_free);
}

GstElement *
upscale_audio_encoder (GstElement *muxer, char **name)
{
  static const char *const candidates[] = { "opusenc", "vorbisenc", "avenc_aac", "lamemp3enc" };
  GstElementFactory *mux_factory = gst_element_get_factory (muxer);
  for (size_t i = 0; i < G_N_ELEMENTS (candidates); i++) {
    GstElementFactory *factory = gst_element_factory_find (candidates[i]);
    if (!factory)
      continue;
    gboolean fits = FALSE;
    for (const GList *t = gst_element_factory_get_static_pad_templates (factory);
         t && !fits; t = t->next) {
      GstStaticPadTemplate *tmpl = t->data;
      if (tmpl->direction != GST_PAD_SRC)
        continue;
      GstCaps *caps = gst_static_caps_get (&tmpl->static_caps);
      fits = gst_element_factory_can_sink_any_caps (mux_factory, caps);
      gst_caps_unref (caps);
    }
    gst_object_unref (factory);
    if (fits) {
      *name = g_strdup (candidates[i]);
      return make (candidates[i]);
    }
  }
  return NULL;
}
