/*
 * anysr-upscale: upscale an image, a folder of images or a video with the
 * anysr element (docs/anysr-upscale.md). This file: main, the list of work
 * (one file, or a folder's files), one pipeline per device slot, Ctrl-C,
 * progress and the summary.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "upscale.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

typedef struct Work {
  UpscaleOptions opts;
  GMainLoop *loop;
  GPtrArray *inputs, *outputs;  /* char *, one pair per file */
  guint next;                   /* next file to start */
  guint finished;
  int slots;                    /* pipelines at once: one per device */
  UpscaleJob *running[UPSCALE_MAX_DEVICES];
  int interrupts;
  int status;                   /* first failure's exit status */
  gboolean folder;
  UpscaleProgress progress;
  guint64 frames;
  double seconds_start;
} Work;

static void start_next (Work *work, int slot);

static guint64
file_size (const char *path)
{
  GStatBuf st;
  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

static void
print_summary (Work *work, UpscaleJob *job)
{
  const UpscaleResult *r = upscale_job_result (job);
  char *in_size = upscale_format_bytes (file_size (upscale_job_input (job)));
  char *out_size = upscale_format_bytes (file_size (upscale_job_output (job)));
  if (work->folder) {
    printf ("[%u/%u] %s -> %s  %dx%d -> %dx%d  %.2f s\n", work->finished,
        work->inputs->len, upscale_job_input (job), upscale_job_output (job), r->in_w,
        r->in_h, r->out_w, r->out_h, r->seconds);
  } else {
    printf ("anysr-upscale %s -> %s%s\n", upscale_job_input (job), upscale_job_output (job),
        r->status == UPSCALE_EXIT_INTERRUPTED ? " (interrupted: the frames done so far)" : "");
    printf ("  input   %dx%d, %s\n", r->in_w, r->in_h, in_size);
    printf ("  output  %dx%d (%.4g x %.4g), %s, %s%s\n", r->out_w, r->out_h,
        r->out_w / (double) r->in_w, r->out_h / (double) r->in_h, r->encoder, out_size,
        r->has_audio ? (r->audio_remuxed ? ", audio remuxed" : ", audio re-encoded") : "");
    printf ("  device  %s\n", r->device ? r->device : "unknown");
    printf ("  time    %.2f s, %" G_GUINT64_FORMAT " frames, %.2f frames/s\n", r->seconds,
        r->frames, r->seconds > 0.0 ? r->frames / r->seconds : 0.0);
  }
  fflush (stdout);
  g_free (in_size);
  g_free (out_size);
}

static void
job_done (UpscaleJob *job, gpointer data)
{
  Work *work = data;
  const UpscaleResult *r = upscale_job_result (job);
  int slot = 0;
  while (slot < work->slots && work->running[slot] != job)
    slot++;
  work->running[slot] = NULL;
  work->finished++;
  work->frames += r->frames;
  if (r->status == UPSCALE_EXIT_OK) {
    /* the last progress line says where it ended */
    double done = work->folder ? work->finished : (double) r->frames;
    double total = work->folder ? work->inputs->len : (double) r->frames;
    upscale_progress_update (&work->progress, done, total, work->folder ? "files" : "frames",
        TRUE);
  }
  upscale_progress_finish (&work->progress);
  if ((r->status == UPSCALE_EXIT_OK || r->status == UPSCALE_EXIT_INTERRUPTED) && !r->message)
    print_summary (work, job);
  if (r->message)
    fprintf (stderr, "anysr-upscale: error: %s\n", r->message);
  if (r->status != UPSCALE_EXIT_OK && work->status == UPSCALE_EXIT_OK)
    work->status = r->status;
  upscale_job_free (job);
  start_next (work, slot);
}

/* Starts the next file in `slot`, or quits when nothing runs any more. */
static void
start_next (Work *work, int slot)
{
  while (work->interrupts == 0 && work->next < work->inputs->len) {
    guint index = work->next++;
    int device = work->opts.n_devices > 0 ? work->opts.devices[slot] : work->opts.device;
    UpscaleResult result = { 0 };
    UpscaleJob *job = upscale_job_new (work->inputs->pdata[index], work->outputs->pdata[index],
        &work->opts, device, &result);
    if (job) {
      work->running[slot] = job;
      upscale_job_start (job, job_done, work);
      return;
    }
    work->finished++;
    upscale_progress_finish (&work->progress);
    fprintf (stderr, "anysr-upscale: error: %s\n", result.message);
    if (work->status == UPSCALE_EXIT_OK)
      work->status = result.status;
    upscale_result_clear (&result);
  }
  for (int i = 0; i < work->slots; i++)
    if (work->running[i])
      return;
  g_main_loop_quit (work->loop);
}

static gboolean
on_tick (gpointer data)
{
  Work *work = data;
  double done = 0.0, total = 0.0;
  if (work->folder) {
    /* files: the finished ones and a share of those running */
    done = work->finished;
    total = work->inputs->len;
    for (int i = 0; i < work->slots; i++) {
      double frames, frames_total;
      if (!work->running[i])
        continue;
      upscale_job_progress (work->running[i], &frames, &frames_total);
      if (frames_total > 0.0)
        done += MIN (frames, frames_total) / frames_total * 0.99;
    }
    upscale_progress_update (&work->progress, done, total, "files", FALSE);
  } else if (work->running[0]) {
    upscale_job_progress (work->running[0], &done, &total);
    upscale_progress_update (&work->progress, done, total, "frames", FALSE);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint (gpointer data)
{
  Work *work = data;
  work->interrupts++;
  upscale_progress_finish (&work->progress);
  if (work->interrupts == 1)
    fprintf (stderr, "anysr-upscale: interrupted, finishing the output "
        "(Ctrl-C again to stop at once)\n");
  for (int i = 0; i < work->slots; i++) {
    if (!work->running[i])
      continue;
    if (work->interrupts == 1)
      upscale_job_interrupt (work->running[i]);
    else
      upscale_job_abort (work->running[i]);
  }
  work->status = UPSCALE_EXIT_INTERRUPTED;
  return G_SOURCE_CONTINUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* A folder: every file (not hidden) with an extension the command writes,
 * to the output folder under the same name. */
static int
list_folder (Work *work)
{
  const char *in_dir = work->opts.input, *out_dir = work->opts.output;
  GError *error = NULL;
  GDir *dir = g_dir_open (in_dir, 0, &error);
  if (!dir) {
    fprintf (stderr, "anysr-upscale: error: %s\n", error->message);
    g_error_free (error);
    return UPSCALE_EXIT_INPUT;
  }
  if (g_file_test (out_dir, G_FILE_TEST_EXISTS) && !g_file_test (out_dir, G_FILE_TEST_IS_DIR)) {
    fprintf (stderr, "anysr-upscale: error: the input is a folder, so the output must be "
        "one too: %s is a file\n", out_dir);
    g_dir_close (dir);
    return UPSCALE_EXIT_OUTPUT;
  }
  if (g_mkdir_with_parents (out_dir, 0755) != 0) {
    fprintf (stderr, "anysr-upscale: error: cannot create %s: %s\n", out_dir,
        g_strerror (errno));
    g_dir_close (dir);
    return UPSCALE_EXIT_OUTPUT;
  }
  GPtrArray *names = g_ptr_array_new ();
  for (const char *name; (name = g_dir_read_name (dir));) {
    char *path = g_build_filename (in_dir, name, NULL);
    if (name[0] != '.' && g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
      if (upscale_kind_of_path (name) != UPSCALE_KIND_UNKNOWN)
        g_ptr_array_add (names, g_strdup (name));
      else
        fprintf (stderr, "anysr-upscale: skipping %s (extension not one of %s)\n", path,
            upscale_known_extensions ());
    }
    g_free (path);
  }
  g_dir_close (dir);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    g_ptr_array_add (work->inputs, g_build_filename (in_dir, names->pdata[i], NULL));
    g_ptr_array_add (work->outputs, g_build_filename (out_dir, names->pdata[i], NULL));
    g_free (names->pdata[i]);
  }
  g_ptr_array_free (names, TRUE);
  if (work->inputs->len == 0) {
    fprintf (stderr, "anysr-upscale: error: no image or video in %s\n", in_dir);
    return UPSCALE_EXIT_INPUT;
  }
  return UPSCALE_EXIT_OK;
}

int
main (int argc, char **argv)
{
  Work work = { 0 };
  gst_init (&argc, &argv);
  /* an install to a prefix GStreamer does not search: the element is where
   * meson installed it (docs/install.md) */
  GstElementFactory *anysr = gst_element_factory_find ("anysr");
  if (anysr)
    gst_object_unref (anysr);
  else
    gst_registry_scan_path (gst_registry_get (), ANYSR_UPSCALE_PLUGIN_DIR);
  if (!upscale_options_parse (&work.opts, argc, argv))
    return UPSCALE_EXIT_USAGE;
  work.inputs = g_ptr_array_new_with_free_func (g_free);
  work.outputs = g_ptr_array_new_with_free_func (g_free);
  work.folder = g_file_test (work.opts.input, G_FILE_TEST_IS_DIR);
  work.slots = 1;
  if (work.folder) {
    work.status = list_folder (&work);
    work.slots = MAX (1, MIN (work.opts.n_devices, (int) work.inputs->len));
  } else {
    g_ptr_array_add (work.inputs, g_strdup (work.opts.input));
    g_ptr_array_add (work.outputs, g_strdup (work.opts.output));
  }

  if (work.status == UPSCALE_EXIT_OK) {
    gint64 start = g_get_monotonic_time ();
    work.loop = g_main_loop_new (NULL, FALSE);
    upscale_progress_init (&work.progress, work.opts.tty, work.opts.quiet);
    guint sigint = g_unix_signal_add (SIGINT, on_sigint, &work);
    guint tick = g_timeout_add (work.opts.tty ? 200 : 250, on_tick, &work);
    for (int slot = 0; slot < work.slots; slot++)
      start_next (&work, slot);
    if (work.finished < work.inputs->len)
      g_main_loop_run (work.loop);
    g_source_remove (tick);
    g_source_remove (sigint);
    g_main_loop_unref (work.loop);
    upscale_progress_finish (&work.progress);
    if (work.folder) {
      double seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      printf ("anysr-upscale: %u files in %.2f s with %d pipeline%s, %" G_GUINT64_FORMAT
          " frames, %.2f frames/s%s\n", work.finished, seconds, work.slots,
          work.slots > 1 ? "s" : "", work.frames, seconds > 0 ? work.frames / seconds : 0.0,
          work.status == UPSCALE_EXIT_OK ? "" : " (with errors)");
    }
  }
  g_ptr_array_free (work.inputs, TRUE);
  g_ptr_array_free (work.outputs, TRUE);
  g_free ((char *) work.opts.input);
  g_free ((char *) work.opts.output);
  return work.status;
}
