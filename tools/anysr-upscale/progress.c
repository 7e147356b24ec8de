/*
 * anysr-upscale: the progress line (percentage, rate, ETA) and the numbers
 * of the summary. On a terminal the line is rewritten in place (\r); else
 * one plain line at most every second.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "upscale.h"

#include <math.h>
#include <string.h>

void
upscale_progress_init (UpscaleProgress *p, gboolean tty, gboolean quiet)
{
  p->tty = tty;
  p->quiet = quiet;
  p->start_us = g_get_monotonic_time ();
  p->last_print_us = 0;
  p->last_len = 0;
}

char *
upscale_format_duration (double seconds)
{
  if (!(seconds >= 0.0) || seconds > 99 * 3600.0)
    return g_strdup ("--:--");
  long total = lround (seconds);
  if (total >= 3600)
    return g_strdup_printf ("%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  return g_strdup_printf ("%ld:%02ld", total / 60, total % 60);
}

char *
upscale_format_bytes (guint64 bytes)
{
  if (bytes >= 10u * 1024 * 1024)
    return g_strdup_printf ("%.1f MiB", bytes / (1024.0 * 1024.0));
  if (bytes >= 10u * 1024)
    return g_strdup_printf ("%.1f KiB", bytes / 1024.0);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " B", bytes);
}

void
upscale_progress_update (UpscaleProgress *p, double done, double total,
    const char *what, gboolean force)
{
  if (p->quiet)
    return;
  gint64 now = g_get_monotonic_time ();
  if (!force && !p->tty && now - p->last_print_us < G_USEC_PER_SEC)
    return;
  p->last_print_us = now;
  double elapsed = (now - p->start_us) / (double) G_USEC_PER_SEC;
  double rate = elapsed > 0.0 ? done / elapsed : 0.0;
  char *eta = upscale_format_duration (total > 0.0 && rate > 0.0
      ? (total - done) / rate : -1.0);
  char *spent = upscale_format_duration (elapsed);
  char *line;
  if (total > 0.0)
    line = g_strdup_printf ("%5.1f%%  %.0f/%.0f %s  %.2f %s/s  elapsed %s  ETA %s",
        100.0 * MIN (done, total) / total, done, total, what, rate, what, spent, eta);
  else
    line = g_strdup_printf ("%.0f %s  %.2f %s/s  elapsed %s", done, what, rate, what,
        spent);
  int len = (int) strlen (line);
  if (p->tty) {
    /* rewrite in place, blanking what the previous line had beyond this one */
    fprintf (stderr, "\r%s%*s", line, MAX (0, p->last_len - len), "");
    p->last_len = len;
  } else {
    fprintf (stderr, "%s\n", line);
  }
  fflush (stderr);
  g_free (line);
  g_free (eta);
  g_free (spent);
}

void
upscale_progress_finish (UpscaleProgress *p)
{
  if (p->tty && p->last_len > 0) {
    fputc ('\n', stderr);
    fflush (stderr);
  }
  p->last_len = 0;
}
