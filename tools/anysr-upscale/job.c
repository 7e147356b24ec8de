/*
 * anysr-upscale: one input through one pipeline,
 *
 *   uridecodebin -> queue -> videoconvert -> anysr -> capsfilter ->
 *     videoconvert -> capsfilter -> encoder [-> queue -> muxer] -> filesink
 *   (audio)      -> queue [-> audioconvert -> audioresample -> encoder] -> muxer
 *
 * written to a temporary file next to the output, renamed at the end (or
 * removed on failure). The input is probed first (GstDiscoverer) so that a
 * missing or undecodable file and a size anysr refuses fail before any
 * pipeline runs, with a message saying which.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "upscale.h"

#include <anysr/anysr.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/pbutils/pbutils.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

struct UpscaleJob {
  char *input, *output, *temp_path, *uri;
  const UpscaleOptions *opts;
  int device;
  UpscaleResult result;
  UpscaleOutputPlan plan;
  double fps;
  double total_frames;
  gboolean uniform_scale;       /* the element's scale property, no size caps */
  GstCaps *audio_caps;          /* the input's audio as the demuxer gives it */
  gboolean remux_audio;
  GstElement *pipeline, *video_queue, *anysr;
  guint bus_watch;
  gint frames;                  /* atomic: buffers out of anysr */
  gint64 start_us;
  gboolean interrupted, aborted, finished;
  UpscaleJobDone done;
  gpointer done_data;
};

static void
fail (UpscaleResult *result, int status, char *message)
{
  result->status = status;
  g_free (result->message);
  result->message = message;
}

void
upscale_result_clear (UpscaleResult *result)
{
  g_clear_pointer (&result->device, g_free);
  g_clear_pointer (&result->encoder, g_free);
  g_clear_pointer (&result->message, g_free);
}

/* Probes the input: size, frame rate, duration, audio. */
static gboolean
probe_input (UpscaleJob *job)
{
  GError *error = NULL;
  GstDiscoverer *discoverer = gst_discoverer_new (60 * GST_SECOND, &error);
  if (!discoverer) {
    fail (&job->result, UPSCALE_EXIT_FAILED, g_strdup_printf ("cannot probe %s: %s",
        job->input, error->message));
    g_error_free (error);
    return FALSE;
  }
  GstDiscovererInfo *info = gst_discoverer_discover_uri (discoverer, job->uri, &error);
  gboolean ok = FALSE;
  GList *videos = NULL, *audios = NULL;
  if (!info || gst_discoverer_info_get_result (info) != GST_DISCOVERER_OK) {
    fail (&job->result, UPSCALE_EXIT_INPUT, g_strdup_printf (
        "GStreamer cannot decode %s: %s", job->input,
        error ? error->message : "unknown format"));
    goto out;
  }
  videos = gst_discoverer_info_get_video_streams (info);
  if (!videos) {
    fail (&job->result, UPSCALE_EXIT_INPUT, g_strdup_printf (
        "%s has no picture (no video stream GStreamer can decode)", job->input));
    goto out;
  }
  GstDiscovererVideoInfo *video = videos->data;
  job->result.in_w = (int) gst_discoverer_video_info_get_width (video);
  job->result.in_h = (int) gst_discoverer_video_info_get_height (video);
  guint num = gst_discoverer_video_info_get_framerate_num (video);
  guint den = gst_discoverer_video_info_get_framerate_denom (video);
  job->fps = den > 0 ? num / (double) den : 0.0;
  GstClockTime duration = gst_discoverer_info_get_duration (info);
  if (gst_discoverer_video_info_is_image (video) || !GST_CLOCK_TIME_IS_VALID (duration))
    job->total_frames = gst_discoverer_video_info_is_image (video) ? 1.0 : 0.0;
  else if (job->fps > 0.0)
    job->total_frames = floor (duration / (double) GST_SECOND * job->fps + 0.5);
  audios = gst_discoverer_info_get_audio_streams (info);
  if (audios) {
    job->result.has_audio = TRUE;
    job->audio_caps = gst_discoverer_stream_info_get_caps (audios->data);
  }
  ok = job->result.in_w > 0 && job->result.in_h > 0;
  if (!ok)
    fail (&job->result, UPSCALE_EXIT_INPUT, g_strdup_printf ("%s: no picture size",
        job->input));
out:
  gst_discoverer_stream_info_list_free (videos);
  gst_discoverer_stream_info_list_free (audios);
  g_clear_object (&info);
  g_clear_error (&error);
  g_object_unref (discoverer);
  return ok;
}

/* The output size from --scale / --size, checked against anysr's range. */
static gboolean
output_size (UpscaleJob *job)
{
  const UpscaleOptions *opts = job->opts;
  UpscaleResult *r = &job->result;
  if (opts->size_w > 0 || opts->size_h > 0) {
    r->out_w = opts->size_w > 0 ? opts->size_w
        : (int) lround (r->in_w * (double) opts->size_h / r->in_h);
    r->out_h = opts->size_h > 0 ? opts->size_h
        : (int) lround (r->in_h * (double) opts->size_w / r->in_w);
  } else {
    /* the element's rule: output = round(input x scale) */
    r->out_w = (int) lround (r->in_w * opts->scale_x);
    r->out_h = (int) lround (r->in_h * opts->scale_y);
    job->uniform_scale = opts->scale_x == opts->scale_y;
  }
  double sx = r->out_w / (double) r->in_w, sy = r->out_h / (double) r->in_h;
  if (sx < ASR_SCALE_MIN || sx > ASR_SCALE_MAX || sy < ASR_SCALE_MIN || sy > ASR_SCALE_MAX) {
    fail (r, UPSCALE_EXIT_SIZE, g_strdup_printf (
        "anysr cannot make %dx%d from %s (%dx%d): each axis scales by %g to %g, "
        "this asks %.3g x %.3g", r->out_w, r->out_h, job->input, r->in_w, r->in_h,
        ASR_SCALE_MIN, ASR_SCALE_MAX, sx, sy));
    return FALSE;
  }
  return TRUE;
}

/* A temporary file in the output's folder: proves it writable. */
static gboolean
make_temp (UpscaleJob *job)
{
  char *dir = g_path_get_dirname (job->output);
  char *base = g_path_get_basename (job->output);
  char *template = g_strdup_printf ("%s/.%s.XXXXXX.part", dir, base);
  int fd = g_mkstemp_full (template, O_WRONLY, 0644);
  gboolean ok = fd >= 0;
  if (ok) {
    close (fd);
    job->temp_path = template;
  } else {
    fail (&job->result, UPSCALE_EXIT_OUTPUT, g_strdup_printf (
        "cannot write %s: %s (folder %s)", job->output, g_strerror (errno), dir));
    g_free (template);
  }
  g_free (dir);
  g_free (base);
  return ok;
}

UpscaleJob *
upscale_job_new (const char *input, const char *output, const UpscaleOptions *opts,
    int device, UpscaleResult *result)
{
  UpscaleJob *job = g_new0 (UpscaleJob, 1);
  job->input = g_strdup (input);
  job->output = g_strdup (output);
  job->opts = opts;
  job->device = device;
  GError *error = NULL;

  if (!g_file_test (input, G_FILE_TEST_EXISTS)) {
    fail (&job->result, UPSCALE_EXIT_INPUT, g_strdup_printf ("no such file: %s", input));
    goto failed;
  }
  if (upscale_kind_of_path (output) == UPSCALE_KIND_UNKNOWN) {
    fail (&job->result, UPSCALE_EXIT_USAGE, g_strdup_printf (
        "unknown output extension: %s (use %s)", output, upscale_known_extensions ()));
    goto failed;
  }
  if (g_file_test (output, G_FILE_TEST_IS_DIR)) {
    fail (&job->result, UPSCALE_EXIT_OUTPUT, g_strdup_printf (
        "cannot write %s: it is a folder", output));
    goto failed;
  }
  job->uri = gst_filename_to_uri (input, &error);
  if (!job->uri) {
    fail (&job->result, UPSCALE_EXIT_INPUT, g_strdup_printf ("%s: %s", input, error->message));
    goto failed;
  }
  if (!probe_input (job) || !output_size (job))
    goto failed;
  if (!upscale_output_plan (&job->plan, output, opts, job->result.out_w,
          job->result.out_h, job->fps, &error)) {
    fail (&job->result, g_error_matches (error, GST_CORE_ERROR,
            GST_CORE_ERROR_NOT_IMPLEMENTED) ? UPSCALE_EXIT_USAGE : UPSCALE_EXIT_FAILED,
        g_strdup (error->message));
    goto failed;
  }
  GstElementFactory *encoder = gst_element_get_factory (job->plan.video_encoder);
  if (g_str_equal (GST_OBJECT_NAME (encoder), "x264enc")
      && (job->result.out_w % 2 || job->result.out_h % 2)) {
    fail (&job->result, UPSCALE_EXIT_SIZE, g_strdup_printf (
        "H.264 (4:2:0) needs an even width and height, %dx%d is not: choose a --size "
        "or --scale that gives one, or another format (.webm, .png)",
        job->result.out_w, job->result.out_h));
    goto failed;
  }
  job->result.encoder = g_strdup (job->plan.description);
  if (job->audio_caps && job->plan.muxer) {
    GstElementFactory *mux = gst_element_get_factory (job->plan.muxer);
    job->remux_audio = !gst_structure_has_name (gst_caps_get_structure (job->audio_caps, 0),
            "audio/x-raw") && gst_element_factory_can_sink_any_caps (mux, job->audio_caps);
  }
  if (!make_temp (job))
    goto failed;
  return job;

failed:
  g_clear_error (&error);
  *result = job->result;
  memset (&job->result, 0, sizeof (job->result));
  upscale_job_free (job);
  return NULL;
}

/* Stops autoplugging at audio the muxer takes as it is (remux). */
static gboolean
on_autoplug_continue (GstElement *bin, GstPad *pad, GstCaps *caps, gpointer data)
{
  UpscaleJob *job = data;
  if (!job->remux_audio || gst_caps_is_empty (caps))
    return TRUE;
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  if (!g_str_has_prefix (gst_structure_get_name (s), "audio/")
      || gst_structure_has_name (s, "audio/x-raw"))
    return TRUE;
  return !gst_element_factory_can_sink_all_caps (gst_element_get_factory (job->plan.muxer),
      caps);
}

static GstElement *
add (UpscaleJob *job, const char *factory)
{
  GstElement *element = gst_element_factory_make (factory, NULL);
  if (element)
    gst_bin_add (GST_BIN (job->pipeline), element);
  return element;
}

static gboolean
link_to_muxer (GstElement *from, GstElement *muxer, const char *pad_template)
{
  GstPad *sink = gst_element_request_pad_simple (muxer, pad_template);
  if (!sink)
    return FALSE;
  GstPad *src = gst_element_get_static_pad (from, "src");
  gboolean ok = gst_pad_link (src, sink) == GST_PAD_LINK_OK;
  gst_object_unref (src);
  gst_object_unref (sink);
  return ok;
}

/* The audio branch, built when uridecodebin exposes the audio pad. */
static void
add_audio_branch (UpscaleJob *job, GstPad *pad, GstCaps *caps)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  gboolean raw = gst_structure_has_name (s, "audio/x-raw");
  GstElement *queue = add (job, "queue");
  GstElement *tail = queue;
  gboolean ok = queue != NULL;
  char *encoder_name = NULL;
  if (ok && job->plan.muxer && raw) {
    GstElement *encoder = upscale_audio_encoder (job->plan.muxer, &encoder_name);
    if (encoder) {
      GstElement *convert = add (job, "audioconvert");
      GstElement *resample = add (job, "audioresample");
      gst_bin_add (GST_BIN (job->pipeline), encoder);
      ok = convert && resample
          && gst_element_link_many (queue, convert, resample, encoder, NULL);
      tail = encoder;
    } else {
      ok = FALSE;
    }
  }
  if (ok && job->plan.muxer && (raw ? tail != queue : job->remux_audio)) {
    ok = link_to_muxer (tail, job->plan.muxer, "audio_%u");
    job->remux_audio = !raw;
  } else if (ok) {
    /* a container without audio (or audio it cannot take): dropped */
    GstElement *sink = add (job, "fakesink");
    if (sink)
      g_object_set (sink, "async", FALSE, NULL);
    ok = sink && gst_element_link (tail, sink);
    job->result.has_audio = FALSE;
  }
  if (ok) {
    GstPad *sink_pad = gst_element_get_static_pad (queue, "sink");
    ok = gst_pad_link (pad, sink_pad) == GST_PAD_LINK_OK;
    gst_object_unref (sink_pad);
  }
  if (!ok)
    GST_ELEMENT_ERROR (job->pipeline, STREAM, FORMAT, (NULL),
        ("cannot keep the audio (%" GST_PTR_FORMAT ") in %s", caps, job->output));
  job->result.audio_remuxed = ok && job->result.has_audio && !raw;
  g_free (encoder_name);
}

static void
sync_branch (GstElement *first)
{
  /* every element from `first` downstream until a muxer or sink already playing */
  GstElement *element = gst_object_ref (first);
  while (element) {
    gst_element_sync_state_with_parent (element);
    GstPad *src = gst_element_get_static_pad (element, "src");
    GstPad *peer = src ? gst_pad_get_peer (src) : NULL;
    GstElement *next = peer ? gst_pad_get_parent_element (peer) : NULL;
    g_clear_object (&src);
    g_clear_object (&peer);
    gst_object_unref (element);
    element = next;
    if (element && GST_STATE (element) >= GST_STATE_PAUSED) {
      gst_object_unref (element);
      element = NULL;
    }
  }
}

static void
on_pad_added (GstElement *decode, GstPad *pad, gpointer data)
{
  UpscaleJob *job = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, NULL);
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *name = gst_structure_get_name (s);
  GstPad *video_sink = gst_element_get_static_pad (job->video_queue, "sink");
  if (g_str_has_prefix (name, "video/") && !gst_pad_is_linked (video_sink)) {
    if (gst_pad_link (pad, video_sink) != GST_PAD_LINK_OK)
      GST_ELEMENT_ERROR (job->pipeline, CORE, NEGOTIATION, (NULL),
          ("cannot link the decoded picture of %s", job->input));
  } else if (g_str_has_prefix (name, "audio/") && job->plan.muxer) {
    add_audio_branch (job, pad, caps);
    GstPad *peer = gst_pad_get_peer (pad);
    if (peer) {
      GstElement *queue = gst_pad_get_parent_element (peer);
      sync_branch (queue);
      gst_object_unref (queue);
      gst_object_unref (peer);
    }
  } else {
    GstElement *sink = add (job, "fakesink");
    GstPad *sink_pad = gst_element_get_static_pad (sink, "sink");
    g_object_set (sink, "async", FALSE, NULL);
    gst_pad_link (pad, sink_pad);
    gst_object_unref (sink_pad);
    gst_element_sync_state_with_parent (sink);
    if (g_str_has_prefix (name, "audio/"))
      job->result.has_audio = FALSE;
  }
  gst_object_unref (video_sink);
  gst_caps_unref (caps);
}

static GstPadProbeReturn
count_frame (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  UpscaleJob *job = data;
  g_atomic_int_inc (&job->frames);
  return GST_PAD_PROBE_OK;
}

static void
set_property_if_present (GstElement *element, const char *name, const char *value)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (element), name))
    gst_util_set_object_arg (G_OBJECT (element), name, value);
}

static void
configure_anysr (UpscaleJob *job)
{
  const UpscaleOptions *opts = job->opts;
  GstElement *sr = job->anysr;
  if (job->uniform_scale)
    g_object_set (sr, "scale", opts->scale_x, NULL);
  if (job->device >= 0)
    g_object_set (sr, "device", job->device, NULL);
  if (opts->model)
    g_object_set (sr, "model-location", opts->model, NULL);
  if (opts->precision)
    gst_util_set_object_arg (G_OBJECT (sr), "precision", opts->precision);
  if (opts->subnet != -2)
    g_object_set (sr, "subnet", opts->subnet, NULL);
  if (opts->decoder)
    gst_util_set_object_arg (G_OBJECT (sr), "decoder", opts->decoder);
  if (opts->depth_target >= 0.0)
    g_object_set (sr, "depth-target", opts->depth_target, NULL);
  /* a file conversion: every frame through the network, none dropped */
  set_property_if_present (sr, "target-fps", "-1");
}

static gboolean
build_pipeline (UpscaleJob *job)
{
  job->pipeline = gst_pipeline_new ("anysr-upscale");
  GstElement *decode = add (job, "uridecodebin");
  job->video_queue = add (job, "queue");
  GstElement *convert_in = add (job, "videoconvert");
  job->anysr = add (job, "anysr");
  GstElement *size = add (job, "capsfilter");
  GstElement *convert_out = add (job, "videoconvert");
  GstElement *format = add (job, "capsfilter");
  GstElement *sink = add (job, "filesink");
  if (!decode || !job->video_queue || !convert_in || !size || !convert_out || !format
      || !sink) {
    fail (&job->result, UPSCALE_EXIT_FAILED, g_strdup (
        "GStreamer elements are missing (packages gstreamer1.0-plugins-base and -good)"));
    return FALSE;
  }
  if (!job->anysr) {
    fail (&job->result, UPSCALE_EXIT_FAILED, g_strdup (
        "the GStreamer element anysr was not found: install anysr, or set "
        "GST_PLUGIN_PATH to the folder of libgstanysr.so"));
    return FALSE;
  }
  g_object_set (decode, "uri", job->uri, NULL);
  g_signal_connect (decode, "autoplug-continue", G_CALLBACK (on_autoplug_continue), job);
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_pad_added), job);
  configure_anysr (job);
  if (!job->uniform_scale) {
    GstCaps *caps = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT,
        job->result.out_w, "height", G_TYPE_INT, job->result.out_h, NULL);
    g_object_set (size, "caps", caps, NULL);
    gst_caps_unref (caps);
  }
  g_object_set (format, "caps", job->plan.video_encoder_caps, NULL);
  g_object_set (sink, "location", job->temp_path, NULL);
  gst_bin_add (GST_BIN (job->pipeline), gst_object_ref (job->plan.video_encoder));
  gboolean ok = gst_element_link_many (job->video_queue, convert_in, job->anysr, size,
      convert_out, format, job->plan.video_encoder, NULL);
  if (ok && job->plan.muxer) {
    GstElement *queue = add (job, "queue");
    gst_bin_add (GST_BIN (job->pipeline), gst_object_ref (job->plan.muxer));
    ok = queue && gst_element_link (job->plan.video_encoder, queue)
        && link_to_muxer (queue, job->plan.muxer, "video_%u")
        && gst_element_link (job->plan.muxer, sink);
  } else if (ok) {
    ok = gst_element_link (job->plan.video_encoder, sink);
  }
  if (!ok) {
    fail (&job->result, UPSCALE_EXIT_FAILED, g_strdup_printf (
        "cannot build the pipeline for %s", job->output));
    return FALSE;
  }
  GstPad *src = gst_element_get_static_pad (job->anysr, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, count_frame, job, NULL);
  gst_object_unref (src);
  return TRUE;
}

static gboolean
report_done (gpointer data)
{
  UpscaleJob *job = data;
  job->done (job, job->done_data);
  return G_SOURCE_REMOVE;
}

static void
finish (UpscaleJob *job)
{
  if (job->finished)
    return;
  job->finished = TRUE;
  UpscaleResult *r = &job->result;
  r->seconds = (g_get_monotonic_time () - job->start_us) / (double) G_USEC_PER_SEC;
  r->frames = (guint64) g_atomic_int_get (&job->frames);
  if (job->anysr && !r->device) {
    g_object_get (job->anysr, "device-name", &r->device, NULL);
    if (!r->device)
      r->device = g_strdup ("none (the CPU scaler of the fallback)");
  }
  if (job->pipeline)
    gst_element_set_state (job->pipeline, GST_STATE_NULL);
  if (r->status == UPSCALE_EXIT_OK && r->frames == 0)
    fail (r, UPSCALE_EXIT_FAILED, g_strdup_printf ("no frame came out for %s", job->input));
  if (!job->aborted
      && (r->status == UPSCALE_EXIT_OK || r->status == UPSCALE_EXIT_INTERRUPTED)
      && g_rename (job->temp_path, job->output) != 0)
    fail (r, UPSCALE_EXIT_OUTPUT, g_strdup_printf ("cannot rename %s to %s: %s",
        job->temp_path, job->output, g_strerror (errno)));
  if (job->aborted
      || (r->status != UPSCALE_EXIT_OK && r->status != UPSCALE_EXIT_INTERRUPTED))
    g_unlink (job->temp_path);
  g_clear_pointer (&job->temp_path, g_free);
  if (job->done)
    g_idle_add (report_done, job);
}

static gboolean
on_message (GstBus *bus, GstMessage *message, gpointer data)
{
  UpscaleJob *job = data;
  GError *error = NULL;
  char *debug = NULL;
  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (message, &error, &debug);
      fail (&job->result, UPSCALE_EXIT_FAILED, g_strdup_printf ("%s: %s (%s)",
          job->input, error->message, GST_OBJECT_NAME (GST_MESSAGE_SRC (message))));
      if (debug && g_getenv ("ANYSR_UPSCALE_DEBUG"))
        fprintf (stderr, "debug: %s\n", debug);
      g_error_free (error);
      g_free (debug);
      job->bus_watch = 0;
      finish (job);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (message, &error, &debug);
      fprintf (stderr, "\nanysr-upscale: warning: %s: %s\n", job->input, error->message);
      g_error_free (error);
      g_free (debug);
      break;
    case GST_MESSAGE_EOS:
      job->result.status = job->interrupted ? UPSCALE_EXIT_INTERRUPTED : UPSCALE_EXIT_OK;
      job->bus_watch = 0;
      finish (job);
      return G_SOURCE_REMOVE;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

void
upscale_job_start (UpscaleJob *job, UpscaleJobDone done, gpointer user_data)
{
  job->done = done;
  job->done_data = user_data;
  job->start_us = g_get_monotonic_time ();
  if (!build_pipeline (job)) {
    finish (job);
    return;
  }
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (job->pipeline));
  job->bus_watch = gst_bus_add_watch (bus, on_message, job);
  gst_object_unref (bus);
  if (gst_element_set_state (job->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE
      && job->result.status == UPSCALE_EXIT_OK) {
    /* the error message on the bus says why; this is the fallback */
    fail (&job->result, UPSCALE_EXIT_FAILED, g_strdup_printf (
        "%s: the pipeline did not start", job->input));
  }
}

void
upscale_job_interrupt (UpscaleJob *job)
{
  if (job->finished || job->interrupted || !job->pipeline)
    return;
  job->interrupted = TRUE;
  gst_element_send_event (job->pipeline, gst_event_new_eos ());
}

void
upscale_job_abort (UpscaleJob *job)
{
  if (job->finished)
    return;
  if (job->bus_watch) {
    g_source_remove (job->bus_watch);
    job->bus_watch = 0;
  }
  job->aborted = TRUE;
  fail (&job->result, UPSCALE_EXIT_INTERRUPTED, g_strdup_printf (
      "%s: stopped, nothing written", job->input));
  finish (job);
}

void
upscale_job_progress (UpscaleJob *job, double *done, double *total)
{
  *done = g_atomic_int_get (&job->frames);
  *total = job->total_frames;
}

const UpscaleResult *
upscale_job_result (UpscaleJob *job)
{
  return &job->result;
}

const char *
upscale_job_input (UpscaleJob *job)
{
  return job->input;
}

const char *
upscale_job_output (UpscaleJob *job)
{
  return job->output;
}

void
upscale_job_free (UpscaleJob *job)
{
  if (!job)
    return;
  if (job->bus_watch)
    g_source_remove (job->bus_watch);
  if (job->pipeline) {
    gst_element_set_state (job->pipeline, GST_STATE_NULL);
    gst_object_unref (job->pipeline);
  }
  if (job->temp_path) {
    g_unlink (job->temp_path);
    g_free (job->temp_path);
  }
  upscale_output_plan_clear (&job->plan);
  gst_clear_caps (&job->audio_caps);
  upscale_result_clear (&job->result);
  g_free (job->input);
  g_free (job->output);
  g_free (job->uri);
  g_free (job);
}
