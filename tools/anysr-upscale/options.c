/*
 * anysr-upscale: the command line (docs/anysr-upscale.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "upscale.h"

#include <anysr/anysr.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gboolean
usage_error (GOptionContext *ctx, const char *fmt, const char *arg)
{
  fprintf (stderr, "anysr-upscale: ");
  fprintf (stderr, fmt, arg);
  fprintf (stderr, "\nTry 'anysr-upscale --help'.\n");
  g_option_context_free (ctx);
  return FALSE;
}

/* "2", "2.5", "2x3", "1.5x2" */
static gboolean
parse_scale (const char *text, double *scale_x, double *scale_y)
{
  char *end = NULL;
  double sx = g_ascii_strtod (text, &end);
  double sy = sx;
  if (end == text)
    return FALSE;
  if (*end == 'x' || *end == 'X') {
    const char *second = end + 1;
    sy = g_ascii_strtod (second, &end);
    if (end == second)
      return FALSE;
  }
  if (*end != '\0' || !(sx > 0.0) || !(sy > 0.0))
    return FALSE;
  *scale_x = sx;
  *scale_y = sy;
  return TRUE;
}

/* "1920x1080", "1920x", "1920", "x1080" */
static gboolean
parse_size (const char *text, int *width, int *height)
{
  char *end = NULL;
  long w = 0, h = 0;
  const char *cur = text;
  if (*cur != 'x' && *cur != 'X') {
    w = strtol (cur, &end, 10);
    if (end == cur || w <= 0)
      return FALSE;
    cur = end;
  }
  if (*cur == 'x' || *cur == 'X') {
    cur++;
    if (*cur != '\0') {
      h = strtol (cur, &end, 10);
      if (end == cur || h <= 0)
        return FALSE;
      cur = end;
    }
  }
  if (*cur != '\0' || (w == 0 && h == 0) || w > 65536 || h > 65536)
    return FALSE;
  *width = (int) w;
  *height = (int) h;
  return TRUE;
}

/* "all", "0", "0,1", "0,0" */
static gboolean
parse_devices (const char *text, UpscaleOptions *opts)
{
  if (g_ascii_strcasecmp (text, "all") == 0) {
    int count = asr_device_count ();
    if (count <= 0)
      return FALSE;
    opts->n_devices = MIN (count, UPSCALE_MAX_DEVICES);
    for (int i = 0; i < opts->n_devices; i++)
      opts->devices[i] = i;
    return TRUE;
  }
  char **parts = g_strsplit (text, ",", -1);
  gboolean ok = parts[0] != NULL;
  opts->n_devices = 0;
  for (int i = 0; ok && parts[i]; i++) {
    char *end = NULL;
    long index = strtol (parts[i], &end, 10);
    if (end == parts[i] || *end != '\0' || index < 0 || index > 255
        || opts->n_devices == UPSCALE_MAX_DEVICES)
      ok = FALSE;
    else
      opts->devices[opts->n_devices++] = (int) index;
  }
  g_strfreev (parts);
  return ok;
}

static const char *const precisions[] = { "auto", "fp16", "fp32", NULL };
static const char *const decoders[] = { "heavy", "light", "routed", NULL };

static gboolean
one_of (const char *value, const char *const *names)
{
  for (int i = 0; names[i]; i++)
    if (strcmp (value, names[i]) == 0)
      return TRUE;
  return FALSE;
}

gboolean
upscale_options_parse (UpscaleOptions *opts, int argc, char **argv)
{
  char *scale = NULL, *size = NULL, *devices = NULL, *input = NULL, *output = NULL;
  char **rest = NULL;

  memset (opts, 0, sizeof (*opts));
  opts->device = -1;
  opts->subnet = -2;
  opts->depth_target = -1.0;
  opts->quality = UPSCALE_DEFAULT_QUALITY;
  const GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
      "Input file or folder (or the first argument)", "PATH" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Output file or folder (or the second argument); its extension picks the format",
      "PATH" },
    { "scale", 's', 0, G_OPTION_ARG_STRING, &scale,
      "Scale factor, 1 to 8 per axis: S or SXxSY (default 2)", "S" },
    { "size", 'S', 0, G_OPTION_ARG_STRING, &size,
      "Output size WxH; Wx or xH keeps the aspect ratio", "WxH" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &opts->model,
      "Model file (.safetensors) instead of the built-in one", "FILE" },
    { "precision", 'p', 0, G_OPTION_ARG_STRING, &opts->precision,
      "Feature-map storage: auto, fp16 or fp32", "P" },
    { "device", 'd', 0, G_OPTION_ARG_INT, &opts->device,
      "Vulkan device index (default: automatic)", "N" },
    { "devices", 'D', 0, G_OPTION_ARG_STRING, &devices,
      "For a folder: one pipeline per device, 'all' or a list such as 0,1", "LIST" },
    { "subnet", 0, 0, G_OPTION_ARG_INT, &opts->subnet,
      "Sub-network, 0 (cheapest) to the model's largest (default: largest)", "N" },
    { "decoder", 0, 0, G_OPTION_ARG_STRING, &opts->decoder,
      "Decoder: heavy, light or routed (default routed)", "MODE" },
    { "depth-target", 0, 0, G_OPTION_ARG_DOUBLE, &opts->depth_target,
      "Spatial depth target, 0 (model default) to 1 (every block)", "T" },
    { "quality", 'q', 0, G_OPTION_ARG_INT, &opts->quality,
      "Video constant quality on the x264 CRF scale, 0 (best) to 51 (default 16)", "Q" },
    { "lossless", 'l', 0, G_OPTION_ARG_NONE, &opts->lossless,
      "Lossless video (x264 qp 0, else FFV1 or lossless VP9)", NULL },
    { "quiet", 0, 0, G_OPTION_ARG_NONE, &opts->quiet,
      "No progress, only errors and the summary", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL },
  };

  GOptionContext *ctx = g_option_context_new ("INPUT OUTPUT");
  g_option_context_set_summary (ctx,
      "Upscales an image, a folder of images or a video (its audio kept) with anysr.\n"
      "The output's extension picks the format: .png .jpg .jpeg (images),\n"
      ".mkv .mp4 .mov .webm .avi .y4m (videos). A folder gives a folder of the\n"
      "same names.");
  g_option_context_set_description (ctx,
      "Examples:\n"
      "  anysr-upscale photo.png photo-2x.png\n"
      "  anysr-upscale --scale 2.5 photo.jpg big.png\n"
      "  anysr-upscale --size 1920x clip.mp4 clip-1080p.mkv\n"
      "  anysr-upscale --lossless clip.mkv master.mkv\n"
      "  anysr-upscale --devices all photos/ photos-2x/\n"
      "\n"
      "Exit status: 0 done, 1 pipeline failure, 2 usage, 3 input missing or not\n"
      "decodable, 4 output not writable, 5 size refused, 130 interrupted (Ctrl-C:\n"
      "the output is finished and kept).\n"
      "Guide: docs/anysr-upscale.md; man anysr-upscale.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  GError *error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    gboolean ok = usage_error (ctx, "%s", error->message);
    g_error_free (error);
    return ok;
  }

  /* positional: INPUT OUTPUT, either may come from -i / -o instead */
  int n_rest = rest ? (int) g_strv_length (rest) : 0;
  int next = 0;
  if (!input && next < n_rest)
    input = g_strdup (rest[next++]);
  if (!output && next < n_rest)
    output = g_strdup (rest[next++]);
  gboolean ok = TRUE;
  if (next < n_rest)
    ok = usage_error (ctx, "unexpected argument '%s'", rest[next]);
  else if (!input)
    ok = usage_error (ctx, "%s", "no INPUT given");
  else if (!output)
    ok = usage_error (ctx, "%s", "no OUTPUT given");
  else if (scale && size)
    ok = usage_error (ctx, "%s", "--scale and --size exclude each other");
  else if (scale && !parse_scale (scale, &opts->scale_x, &opts->scale_y))
    ok = usage_error (ctx, "--scale wants S or SXxSY (e.g. 2, 2.5 or 2x3), not '%s'", scale);
  else if (size && !parse_size (size, &opts->size_w, &opts->size_h))
    ok = usage_error (ctx, "--size wants WxH, Wx or xH (e.g. 1920x1080), not '%s'", size);
  else if (devices && !parse_devices (devices, opts))
    ok = usage_error (ctx, "--devices wants 'all' (with a Vulkan device present) or a "
        "list of indices such as 0,1, not '%s'", devices);
  else if (opts->precision && !one_of (opts->precision, precisions))
    ok = usage_error (ctx, "--precision wants auto, fp16 or fp32, not '%s'", opts->precision);
  else if (opts->decoder && !one_of (opts->decoder, decoders))
    ok = usage_error (ctx, "--decoder wants heavy, light or routed, not '%s'", opts->decoder);
  else if (opts->subnet < -1 && opts->subnet != -2)
    ok = usage_error (ctx, "%s", "--subnet wants 0 or more (-1: the largest)");
  else if (opts->depth_target > 1.0)
    ok = usage_error (ctx, "%s", "--depth-target wants 0 to 1");
  else if (opts->quality < 0 || opts->quality > 51)
    ok = usage_error (ctx, "%s", "--quality wants 0 (best) to 51");
  if (!ok) {
    /* usage_error freed the context */
    g_free (input);
    g_free (output);
    g_strfreev (rest);
    return FALSE;
  }
  if (!scale && !size)
    opts->scale_x = opts->scale_y = 2.0;
  opts->input = input;
  opts->output = output;
  opts->tty = isatty (STDERR_FILENO);
  g_free (scale);
  g_free (size);
  g_free (devices);
  g_strfreev (rest);
  g_option_context_free (ctx);
  return TRUE;
}
