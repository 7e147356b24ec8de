/* What a user sees when anysr plays in real time (docs/element.md#numbers):
 * runs a gst-launch pipeline description that holds an anysr element and
 * a sink named "out" (a fakesink; its handoff signal is turned on here) and
 * prints one line of figures:
 *
 *   wall      seconds from the change to PLAYING to EOS (or --seconds)
 *   shown     buffers the sink rendered, of those the element saw, and
 *             per second from the first to the end
 *   network   frames through the network (anysr-stats subnet >= 0; the
 *             rest ran the floor: the CPU scaler or the bicubic pass)
 *   first-ms  the element's first frame, from its input to its output (ms)
 *   first-out time from PLAYING to the first rendered buffer (ms)
 *   out       the size the sink got
 *   switches, the longest dwell, the reasons in the last stats message
 *
 *   anysr-playback-numbers [--seconds N] [--row LABEL] 'PIPELINE'
 *
 * --row prints a markdown table row "| LABEL | wall | shown | ..." instead
 * (the columns of bench/playback-numbers.sh).
 *
 * e.g. (bench/playback-numbers.sh runs the table of docs/element.md)
 *   anysr-playback-numbers 'playbin uri=file:///tmp/clip.avi video-filter=anysr
 *       video-sink="fakesink name=out sync=true"'
 *
 * Run it with GST_PLUGIN_PATH=build/gst. SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  GMainLoop *loop;
  gint64 t0, first_in, first_out_el, first_shown;
  guint64 in, shown, network, floor, stats_frames;
  guint max_dwell, switches;
  gint out_w, out_h;
  gchar *last_reason;
  gboolean error;
} App;

static GstPadProbeReturn
on_sr_in (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  App *app = data;
  if (!app->first_in)
    app->first_in = g_get_monotonic_time ();
  app->in++;
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_sr_out (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  App *app = data;
  if (!app->first_out_el)
    app->first_out_el = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  App *app = data;
  if (!app->first_shown) {
    GstCaps *caps = gst_pad_get_current_caps (pad);
    app->first_shown = g_get_monotonic_time ();
    if (caps) {
      GstStructure *s = gst_caps_get_structure (caps, 0);
      gst_structure_get_int (s, "width", &app->out_w);
      gst_structure_get_int (s, "height", &app->out_h);
      gst_caps_unref (caps);
    }
  }
  app->shown++;
}

static void
on_element_added (GstBin * bin, GstBin * sub, GstElement * el, gpointer data)
{
  App *app = data;
  GstElementFactory *f = gst_element_get_factory (el);
  gchar *name = gst_element_get_name (el);

  if (f && !strcmp (GST_OBJECT_NAME (f), "anysr")) {
    GstPad *sinkpad = gst_element_get_static_pad (el, "sink");
    GstPad *srcpad = gst_element_get_static_pad (el, "src");
    g_object_set (el, "stats-interval", 1, NULL);
    gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, on_sr_in, app, NULL);
    gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER, on_sr_out, app, NULL);
    gst_object_unref (sinkpad);
    gst_object_unref (srcpad);
  } else if (!strcmp (name, "out")) {
    g_object_set (el, "signal-handoffs", TRUE, NULL);
    g_signal_connect (el, "handoff", G_CALLBACK (on_handoff), app);
  }
  g_free (name);
}

static gboolean
on_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  App *app = data;
  const GstStructure *s;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_ERROR:{
      GError *err = NULL;
      gst_message_parse_error (msg, &err, NULL);
      fprintf (stderr, "error: %s\n", err->message);
      g_error_free (err);
      app->error = TRUE;
      g_main_loop_quit (app->loop);
      break;
    }
    case GST_MESSAGE_ELEMENT:
      s = gst_message_get_structure (msg);
      if (s && gst_structure_has_name (s, "anysr-stats")) {
        gint subnet = -1;
        guint dwell = 0;
        guint64 switches = 0;
        gst_structure_get_int (s, "subnet", &subnet);
        gst_structure_get_uint (s, "dwell", &dwell);
        gst_structure_get_uint64 (s, "switches", &switches);
        app->stats_frames++;
        if (subnet >= 0)
          app->network++;
        else
          app->floor++;
        app->max_dwell = MAX (app->max_dwell, dwell);
        app->switches = (guint) switches;
        g_free (app->last_reason);
        app->last_reason = g_strdup_printf ("%s/%s",
            gst_structure_get_string (s, "qos-reason"),
            gst_structure_get_string (s, "decoder"));
      }
      break;
    default:
      break;
  }
  return TRUE;
}

static gboolean
on_timeout (gpointer data)
{
  g_main_loop_quit (((App *) data)->loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  App app = { 0 };
  GstElement *pipeline;
  GError *err = NULL;
  gint seconds = 0;
  const gchar *row = NULL;
  gdouble wall;
  int arg = 1;

  gst_init (&argc, &argv);
  while (arg + 1 < argc && argv[arg][0] == '-' && argv[arg][1] == '-') {
    if (!strcmp (argv[arg], "--seconds"))
      seconds = atoi (argv[arg + 1]);
    else if (!strcmp (argv[arg], "--row"))
      row = argv[arg + 1];
    else
      break;
    arg += 2;
  }
  if (arg >= argc) {
    fprintf (stderr, "usage: %s [--seconds N] 'PIPELINE with a sink named "
        "out'\n", argv[0]);
    return 2;
  }
  pipeline = gst_parse_launch (argv[arg], &err);
  if (!pipeline) {
    fprintf (stderr, "%s\n", err ? err->message : "parse error");
    return 1;
  }
  app.loop = g_main_loop_new (NULL, FALSE);
  if (GST_IS_BIN (pipeline))
    g_signal_connect (pipeline, "deep-element-added",
        G_CALLBACK (on_element_added), &app);
  /* playbin's filter and sink are properties, added to its bin later */
  {
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipeline));
    GValue v = G_VALUE_INIT;
    while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      on_element_added (NULL, NULL, g_value_get_object (&v), &app);
      g_value_reset (&v);
    }
    gst_iterator_free (it);
  }
  gst_bus_add_watch (GST_ELEMENT_BUS (pipeline), on_message, &app);
  if (seconds > 0)
    g_timeout_add_seconds (seconds, on_timeout, &app);
  app.t0 = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_main_loop_run (app.loop);
  wall = (g_get_monotonic_time () - app.t0) / 1e6;
  gst_element_set_state (pipeline, GST_STATE_NULL);

  if (row)
    printf ("| %s | %.1f | %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
        " | %.1f | %" G_GUINT64_FORMAT " | %" G_GUINT64_FORMAT " | %.0f | %.0f "
        "| %dx%d | %u | %u |\n", row, wall, app.shown, app.in,
        app.first_shown && app.t0 + wall * 1e6 > app.first_shown ?
        app.shown / ((app.t0 + wall * 1e6 - app.first_shown) / 1e6) : 0.0,
        app.network, app.floor,
        app.first_out_el ? (app.first_out_el - app.first_in) / 1e3 : -1.0,
        app.first_shown ? (app.first_shown - app.t0) / 1e3 : -1.0, app.out_w,
        app.out_h, app.switches, app.max_dwell);
  else
  printf ("wall %.1f s, shown %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
      " (%.1f fps), network %" G_GUINT64_FORMAT ", floor %" G_GUINT64_FORMAT
      ", first-ms %.0f, first-out %.0f ms, out %dx%d, switches %u, "
      "longest dwell %u, last %s\n", wall, app.shown, app.in,
      app.first_shown && app.t0 + wall * 1e6 > app.first_shown ?
      app.shown / ((app.t0 + wall * 1e6 - app.first_shown) / 1e6) : 0.0,
      app.network, app.floor,
      app.first_out_el ? (app.first_out_el - app.first_in) / 1e3 : -1.0,
      app.first_shown ? (app.first_shown - app.t0) / 1e3 : -1.0, app.out_w,
      app.out_h, app.switches, app.max_dwell,
      app.last_reason ? app.last_reason : "-");
  g_free (app.last_reason);
  gst_object_unref (pipeline);
  g_main_loop_unref (app.loop);
  return app.error ? 1 : 0;
}
