/* anysr holding a frame rate: runs a live pipeline (or a file through
 * playbin) with the anysr element's target-fps set, prints the anysr-stats
 * messages it posts on the bus, and puts load on the device in the middle (a
 * second pipeline with an anysr of its own, running as fast as it can) so
 * that the element switches to cheaper sub-networks, then back up when the
 * load stops.
 *
 *   anysr-live-qos [OPTION...]                 live: videotestsrc is-live=true
 *   anysr-live-qos --play FILE|URI [OPTION...]  playbin uri=... video-filter="anysr target-fps=30"
 *   anysr-live-qos --make-clip FILE             writes a tiny test clip (WebM, VP8) and exits
 *
 * Options: --seconds N (live: how long, default 12), --size WxH (live input
 * size, default 8x6: lavapipe, Mesa's CPU Vulkan device, is slow; use e.g.
 * 320x240 on a GPU), --scale S (default 3), --target-fps F (default 30; 0 =
 * the stream's rate), --load-at S / --load-for S (when the load pipeline
 * starts and how long it runs, default 4 and 4 s; --load-for 0: none),
 * --interval N (stats-interval, default 15), --model FILE (model-location),
 * --depth-target T (a model with a depth adapter: the element's
 * depth-target; the messages then show the target each frame ran and its
 * mean depth). Without a display the video
 * goes to fakesink sync=true qos=true (a real-time sink that sends QoS
 * events upstream); DISPLAY or WAYLAND_DISPLAY set: autovideosink.
 *
 * Run it from a build tree with GST_PLUGIN_PATH=build/gst (examples/
 * live-qos.sh does).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;         /* the one we watch */
  GstElement *load;             /* the load pipeline while it runs */
  gint64 t0;
  gint last_op;
  guint messages, switch_messages;
  guint64 frames, switches, over;
  GHashTable *dropped;          /* element name -> frames it dropped */
  gboolean error;
} App;

static gchar *opt_play = NULL;
static gchar *opt_make_clip = NULL;
static gint opt_seconds = 12;
static gchar *opt_size = NULL;
static gdouble opt_scale = 3.0;
static gdouble opt_target = 30.0;
static gdouble opt_load_at = 4.0;
static gdouble opt_load_for = 4.0;
static gint opt_interval = 15;
static gchar *opt_model = NULL;
static gdouble opt_depth_target = -1.0;

static GOptionEntry entries[] = {
  {"play", 'p', 0, G_OPTION_ARG_STRING, &opt_play,
      "Play FILE or URI through playbin with video-filter=anysr", "FILE|URI"},
  {"make-clip", 0, 0, G_OPTION_ARG_FILENAME, &opt_make_clip,
        "Write a tiny test clip (2 s, 32x24 VP8 in WebM) to FILE and exit",
      "FILE"},
  {"seconds", 's', 0, G_OPTION_ARG_INT, &opt_seconds,
      "Live: seconds to run (default 12)", "N"},
  {"size", 0, 0, G_OPTION_ARG_STRING, &opt_size,
      "Live: input size (default 8x6)", "WxH"},
  {"scale", 0, 0, G_OPTION_ARG_DOUBLE, &opt_scale,
      "anysr scale (default 3)", "S"},
  {"target-fps", 't', 0, G_OPTION_ARG_DOUBLE, &opt_target,
      "anysr target-fps (default 30; 0 = the stream's rate)", "F"},
  {"load-at", 0, 0, G_OPTION_ARG_DOUBLE, &opt_load_at,
      "Start the load pipeline after S seconds (default 4)", "S"},
  {"load-for", 0, 0, G_OPTION_ARG_DOUBLE, &opt_load_for,
      "Run the load pipeline for S seconds (default 4, 0 = no load)", "S"},
  {"interval", 0, 0, G_OPTION_ARG_INT, &opt_interval,
      "anysr stats-interval (default 15)", "N"},
  {"model", 0, 0, G_OPTION_ARG_FILENAME, &opt_model,
      "anysr model-location (default: the embedded model)", "FILE"},
  {"depth-target", 0, 0, G_OPTION_ARG_DOUBLE, &opt_depth_target,
      "anysr depth-target (models with a depth adapter; default: the "
        "model's)", "T"},
  {NULL}
};

static gdouble
elapsed (App * app)
{
  return (g_get_monotonic_time () - app->t0) / 1e6;
}

static void
print_stats (App * app, const GstStructure * s)
{
  const gchar *reason = gst_structure_get_string (s, "reason");
  const gchar *decoder = gst_structure_get_string (s, "decoder");
  gint op = -1, subnet = -1, iw = 0, ih = 0, ow = 0, oh = 0;
  guint width = 0, depth = 0;
  gdouble gpu = 0, wall = 0, budget = 0, fps = 0, heavy = 0;
  gdouble depth_target = 1.0, mean_depth = 0.0;
  gchar dt[64] = "";
  guint64 frames = 0, switches = 0, over = 0;
  gboolean unmeetable = FALSE;

  gst_structure_get (s, "op", G_TYPE_INT, &op, "subnet", G_TYPE_INT, &subnet,
      "width", G_TYPE_UINT, &width, "depth", G_TYPE_UINT, &depth,
      "gpu-ms", G_TYPE_DOUBLE, &gpu, "wall-ms", G_TYPE_DOUBLE, &wall,
      "budget-ms", G_TYPE_DOUBLE, &budget, "fps-estimate", G_TYPE_DOUBLE, &fps,
      "heavy-fraction", G_TYPE_DOUBLE, &heavy,
      "depth-target", G_TYPE_DOUBLE, &depth_target,
      "mean-depth", G_TYPE_DOUBLE, &mean_depth,
      "frames", G_TYPE_UINT64, &frames, "switches", G_TYPE_UINT64, &switches,
      "frames-over-budget", G_TYPE_UINT64, &over,
      "budget-unmeetable", G_TYPE_BOOLEAN, &unmeetable,
      "in-width", G_TYPE_INT, &iw, "in-height", G_TYPE_INT, &ih,
      "out-width", G_TYPE_INT, &ow, "out-height", G_TYPE_INT, &oh, NULL);

  /* a model with a depth adapter: the spatial depth target run, and the
   * blocks the frame's pixels ran on average */
  if (depth_target < 1.0)
    g_snprintf (dt, sizeof (dt), "depth target %.2f (mean depth %.2f)",
        depth_target, mean_depth);

  if (g_strcmp0 (reason, "switch") == 0) {
    app->switch_messages++;
    if (app->last_op < 0)
      printf ("%6.2f s  start   op %d: subnet %d (%ux%u), %s decoder%s%s; "
          "%dx%d -> %dx%d\n", elapsed (app), op, subnet, width, depth,
          decoder, dt[0] ? ", " : "", dt, iw, ih, ow, oh);
    else
      printf ("%6.2f s  SWITCH  op %d -> %d: subnet %d (%ux%u), %s decoder%s%s "
          "(frame %" G_GUINT64_FORMAT ", wall %.1f ms, budget %.1f ms)%s\n",
          elapsed (app), app->last_op, op, subnet, width, depth, decoder,
          dt[0] ? ", " : "", dt,
          frames, wall, budget, unmeetable ?
          " -- even the cheapest point misses the budget" : "");
    app->last_op = op;
  } else {
    printf ("%6.2f s  stats   op %d subnet %d %-6s frames %4" G_GUINT64_FORMAT
        "  gpu %6.1f ms  wall %6.1f ms  budget %5.1f ms  fps-estimate %5.1f  "
        "heavy %3.0f%%  switches %" G_GUINT64_FORMAT "  over budget %"
        G_GUINT64_FORMAT "%s%s%s\n", elapsed (app), op, subnet, decoder,
        frames, gpu, wall, budget, fps, 100.0 * heavy, switches, over,
        dt[0] ? "  " : "", dt,
        unmeetable ? "  (unmeetable)" : "");
  }
  app->messages++;
  app->frames = frames;
  app->switches = switches;
  app->over = over;
}

static gboolean
on_message (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  App *app = user_data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      /* anysr-stats from the watched pipeline (inside playbin too) */
      if (gst_message_has_name (msg, "anysr-stats"))
        print_stats (app, gst_message_get_structure (msg));
      break;
    case GST_MESSAGE_QOS:{
      guint64 processed, dropped;
      GstFormat format;

      /* frames dropped for lateness: by anysr (its base class, the last
       * resort), and by others (a decoder upstream, a converter) */
      gst_message_parse_qos_stats (msg, &format, &processed, &dropped);
      if (format == GST_FORMAT_BUFFERS && dropped != (guint64) - 1)
        g_hash_table_insert (app->dropped,
            g_strdup (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg))),
            GUINT_TO_POINTER ((guint) dropped));
      break;
    }
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;
      gchar *dbg = NULL;

      gst_message_parse_error (msg, &err, &dbg);
      fprintf (stderr, "error from %s: %s\n(%s)\n",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message,
          dbg ? dbg : "");
      g_error_free (err);
      g_free (dbg);
      app->error = TRUE;
      g_main_loop_quit (app->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      printf ("%6.2f s  end of stream\n", elapsed (app));
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return TRUE;
}

static gboolean
start_load (gpointer user_data)
{
  App *app = user_data;
  GError *err = NULL;

  /* an anysr of its own, unsynchronised: it takes all the device it gets */
  app->load = gst_parse_launch ("videotestsrc pattern=snow ! "
      "video/x-raw,format=RGBA,width=16,height=12 ! anysr scale=3 "
      "stats-interval=0 ! fakesink sync=false", &err);
  if (!app->load) {
    fprintf (stderr, "load pipeline: %s\n", err->message);
    g_error_free (err);
    return G_SOURCE_REMOVE;
  }
  gst_element_set_state (app->load, GST_STATE_PLAYING);
  printf ("%6.2f s  LOAD    a second pipeline with anysr started "
      "(videotestsrc 16x12 ! anysr scale=3 ! fakesink sync=false)\n",
      elapsed (app));
  return G_SOURCE_REMOVE;
}

static gboolean
stop_load (gpointer user_data)
{
  App *app = user_data;

  if (app->load) {
    gst_element_set_state (app->load, GST_STATE_NULL);
    gst_clear_object (&app->load);
    printf ("%6.2f s  LOAD    stopped\n", elapsed (app));
  }
  return G_SOURCE_REMOVE;
}

static gboolean
stop_all (gpointer user_data)
{
  App *app = user_data;

  /* EOS so that the sink finishes cleanly */
  gst_element_send_event (app->pipeline, gst_event_new_eos ());
  return G_SOURCE_REMOVE;
}

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static const gchar *
video_sink (void)
{
  if (g_getenv ("DISPLAY") || g_getenv ("WAYLAND_DISPLAY"))
    return "autovideosink";
  return "fakesink sync=true qos=true";
}

static int
make_clip (const gchar * path)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=60 "
      "pattern=smpte horizontal-speed=1 ! "
      "video/x-raw,width=32,height=24,framerate=30/1 ! vp8enc deadline=1 ! "
      "webmmux ! filesink location=\"%s\"", path);
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);
  GstMessage *msg;
  int ret = 1;

  g_free (desc);
  if (!p) {
    fprintf (stderr, "cannot make the clip: %s\n", err->message);
    g_error_free (err);
    return 1;
  }
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (p), GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    printf ("wrote %s: 2 s, 32x24 at 30 fps, VP8 in WebM\n", path);
    ret = 0;
  } else {
    fprintf (stderr, "cannot make the clip %s\n", path);
  }
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  return ret;
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx;
  GError *err = NULL;
  App app = { 0 };
  gchar *desc;
  gint w = 8, h = 6;
  gchar *extra;
  GstBus *bus;
  GstElementFactory *factory;

  ctx = g_option_context_new ("- anysr holding a frame rate, with its "
      "anysr-stats messages");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    fprintf (stderr, "%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);

  factory = gst_element_factory_find ("anysr");
  if (factory)
    gst_object_unref (factory);
  else {
    fprintf (stderr, "the GStreamer element anysr was not found: set "
        "GST_PLUGIN_PATH to the build's gst folder (build/gst)\n");
    return 1;
  }
  if (opt_make_clip)
    return make_clip (opt_make_clip);
  if (opt_size && sscanf (opt_size, "%dx%d", &w, &h) != 2) {
    fprintf (stderr, "--size wants WIDTHxHEIGHT\n");
    return 2;
  }

  /* the element's optional properties */
  {
    gchar *m = opt_model ? g_strdup_printf (" model-location=%s",
        opt_model) : g_strdup ("");

    if (opt_depth_target >= 0.0)
      extra = g_strdup_printf ("%s depth-target=%g", m, opt_depth_target);
    else
      extra = g_strdup (m);
    g_free (m);
  }

  if (opt_play) {
    gchar *uri = gst_uri_is_valid (opt_play) ? g_strdup (opt_play) :
        gst_filename_to_uri (opt_play, NULL);

    /* the acceptance line of the element: a file through playbin */
    desc = g_strdup_printf ("playbin uri=\"%s\" video-filter=\"anysr "
        "name=sr target-fps=%g scale=%g stats-interval=%d%s\" "
        "video-sink=\"%s\" audio-sink=fakesink", uri, opt_target, opt_scale,
        opt_interval, extra, video_sink ());
    g_free (uri);
  } else {
    desc = g_strdup_printf ("videotestsrc is-live=true pattern=smpte "
        "horizontal-speed=2 ! "
        "video/x-raw,format=I420,width=%d,height=%d,framerate=30/1 ! "
        "anysr name=sr target-fps=%g scale=%g stats-interval=%d%s ! %s", w, h,
        opt_target, opt_scale, opt_interval, extra, video_sink ());
  }
  g_free (extra);
  printf ("pipeline: %s\n", desc);
  app.pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!app.pipeline) {
    fprintf (stderr, "cannot build the pipeline: %s\n", err->message);
    return 1;
  }

  app.loop = g_main_loop_new (NULL, FALSE);
  app.last_op = -1;
  app.dropped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_message, &app);
  gst_object_unref (bus);

  app.t0 = g_get_monotonic_time ();
  if (gst_element_set_state (app.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    /* the error message on the bus says why */
    app.error = TRUE;
    g_idle_add (quit_loop, app.loop);
  }
  if (opt_load_for > 0) {
    g_timeout_add ((guint) (opt_load_at * 1000), start_load, &app);
    g_timeout_add ((guint) ((opt_load_at + opt_load_for) * 1000), stop_load,
        &app);
  }
  if (!opt_play)
    g_timeout_add_seconds (opt_seconds, stop_all, &app);

  g_main_loop_run (app.loop);
  /* the pending stats are on the bus */
  {
    GstMessage *msg;

    bus = gst_element_get_bus (app.pipeline);
    while ((msg = gst_bus_pop (bus))) {
      on_message (bus, msg, &app);
      gst_message_unref (msg);
    }
    gst_object_unref (bus);
  }

  stop_load (&app);
  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  printf ("summary: %u anysr-stats messages (%u on a switch), %"
      G_GUINT64_FORMAT " frames through anysr, %" G_GUINT64_FORMAT
      " switches, %" G_GUINT64_FORMAT " frames over budget; frames dropped "
      "for lateness:", app.messages, app.switch_messages, app.frames,
      app.switches, app.over);
  {
    GHashTableIter it;
    gpointer name, n;

    if (g_hash_table_size (app.dropped) == 0)
      printf (" none");
    g_hash_table_iter_init (&it, app.dropped);
    while (g_hash_table_iter_next (&it, &name, &n))
      printf (" %s %u", g_strcmp0 (name, "sr") ? (gchar *) name : "anysr",
          GPOINTER_TO_UINT (n));
    printf ("\n");
  }
  g_hash_table_unref (app.dropped);

  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  return app.error || app.messages == 0 ? 1 : 0;
}
