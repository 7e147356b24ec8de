/* Several anysr elements on shared VulkanImage frames: one vulkanupload
 * feeding a tee whose branches each run an anysr (other scales) and a
 * vulkandownload. Every element must process the images on the device they
 * live on (the upstream one): no error, no crash, every anysr on
 * vulkanupload's device, two frames of the right size from each branch; the
 * pipeline runs RUNS times. Each branch's frames are compared with the
 * system-memory pipeline's at its scale and the differences printed, not
 * asserted: with threads between vulkanupload and anysr (a tee, a queue)
 * some frames come out of another operating point than the system-memory
 * pipeline's even with one branch (an open problem of the element's
 * VulkanImage path, not of the device choice).
 *
 *   test-vulkan-tee BRANCHES RUNS
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/vulkan/vulkan.h>

#include "gst_vulkan_test.h"

static int failures;
#define CHECK(c) do { if (!(c)) { g_printerr ("%s:%d: check failed: %s\n", \
    __FILE__, __LINE__, #c); failures++; } } while (0)

#define MAX_BRANCHES 3
#define SRC "videotestsrc num-buffers=2 pattern=smpte ! " \
  "video/x-raw,format=RGBA,width=32,height=24 ! "
/* precision=fp32: gst-vulkan 1.22 devices have no 16-bit storage enabled */
#define SR "anysr scale=%u precision=fp32 subnet=0 decoder=light target-fps=0 qos=false"

typedef struct
{
  GBytes *frames[2];
  guint n;
} Frames;

/* Pull every frame of appsink @name into @f */
static void
pull (GstElement * pipe, const gchar * name, Frames * f)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), name);
  GstSample *sample;

  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo m;
    GstBuffer *b = gst_sample_get_buffer (sample);

    gst_buffer_map (b, &m, GST_MAP_READ);
    if (f->n < G_N_ELEMENTS (f->frames))
      f->frames[f->n++] = g_bytes_new (m.data, m.size);
    gst_buffer_unmap (b, &m);
    gst_sample_unref (sample);
  }
  gst_object_unref (sink);
}

static GstVulkanDevice *
sr_device (GstElement * pipe, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);
  GstVulkanDevice *d = NULL;

  if (e) {
    g_object_get (e, "vulkan-device", &d, NULL);
    gst_object_unref (e);
  }
  return d;
}

static GstVulkanDevice *
src_device (GstElement * pipe, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);
  GstVulkanDevice *d = test_pad_vulkan_device (e, "src");

  gst_object_unref (e);
  return d;
}

/* Run @desc (appsinks out0 .. out{n-1}); FALSE on an error message */
static gboolean
run (const gchar * desc, guint n, Frames * out, gboolean vulkan)
{
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err);
  gboolean ok = TRUE;

  if (!pipe) {
    g_printerr ("%s: %s\n", desc, err->message);
    g_error_free (err);
    return FALSE;
  }
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (guint i = 0; i < n; i++) {
    gchar name[16];
    g_snprintf (name, sizeof (name), "out%u", i);
    pull (pipe, name, &out[i]);
  }
  if (vulkan) {
    GstVulkanDevice *up = src_device (pipe, "up");
    for (guint i = 0; i < n; i++) {
      gchar name[16];
      g_snprintf (name, sizeof (name), "sr%u", i);
      GstVulkanDevice *d = sr_device (pipe, name);
      if (d != up)
        g_printerr ("%s runs on %p, vulkanupload's device is %p\n", name,
            (void *) d, (void *) up);
      CHECK (up && d == up);
      gst_clear_object (&d);
    }
    gst_clear_object (&up);
  }
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    GError *e = NULL;
    gst_message_parse_error (msg, &e, NULL);
    g_printerr ("error: %s\n", e->message);
    g_error_free (e);
    gst_message_unref (msg);
    ok = FALSE;
  }
  gst_object_unref (bus);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  return ok;
}

static void
frames_clear (Frames * f)
{
  for (guint i = 0; i < f->n; i++)
    g_bytes_unref (f->frames[i]);
  f->n = 0;
}

int
main (int argc, char **argv)
{
  guint branches = argc > 1 ? (guint) atoi (argv[1]) : 2;
  guint runs = argc > 2 ? (guint) atoi (argv[2]) : 1;
  Frames want[MAX_BRANCHES] = { 0 };

  gst_init (&argc, &argv);
  if (branches < 1 || branches > MAX_BRANCHES) {
    g_printerr ("usage: test-vulkan-tee BRANCHES(1-3) RUNS\n");
    return 2;
  }
  /* the references: system memory, one element per pipeline */
  for (guint b = 0; b < branches; b++) {
    gchar *d = g_strdup_printf (SRC SR " ! appsink name=out0 sync=false",
        b + 2);
    CHECK (run (d, 1, &want[b], FALSE));
    CHECK (want[b].n == 2);
    g_free (d);
  }
  GString *desc = g_string_new (SRC "vulkanupload name=up ! tee name=t");
  for (guint b = 0; b < branches; b++)
    g_string_append_printf (desc, " t. ! " SR " name=sr%u ! "
        "vulkandownload ! video/x-raw ! appsink name=out%u sync=false async=false", b + 2,
        b, b);
  for (guint r = 0; r < runs; r++) {
    Frames got[MAX_BRANCHES] = { 0 };
    CHECK (run (desc->str, branches, got, TRUE));
    for (guint b = 0; b < branches; b++) {
      gboolean same = got[b].n == want[b].n && want[b].n > 0;
      for (guint i = 0; same && i < got[b].n; i++)
        same = g_bytes_equal (got[b].frames[i], want[b].frames[i]);
      for (guint i = 0; !same && i < got[b].n && i < want[b].n; i++) {
        gsize n, diff = 0, first = 0;
        const guint8 *x = g_bytes_get_data (got[b].frames[i], &n);
        const guint8 *y = g_bytes_get_data (want[b].frames[i], NULL);
        guint maxd = 0;
        for (gsize k = 0; k < n; k++)
          if (x[k] != y[k]) {
            if (!diff++)
              first = k;
            maxd = MAX (maxd, (guint) ABS ((int) x[k] - (int) y[k]));
          }
        g_print ("  frame %u: %zu of %zu bytes differ (first at %zu), max %u\n",
            i, diff, n, first, maxd);
      }
      if (!same)
        g_print ("run %u: branch %u (scale %u): %u frames (%zu bytes), not "
            "the system-memory pipeline's (%zu bytes)\n", r, b, b + 2, got[b].n,
            got[b].n ? g_bytes_get_size (got[b].frames[0]) : 0,
            want[b].n ? g_bytes_get_size (want[b].frames[0]) : 0);
      CHECK (got[b].n == 2 && want[b].n == 2);
      for (guint i = 0; i < got[b].n && i < want[b].n; i++)
        CHECK (g_bytes_get_size (got[b].frames[i]) ==
            g_bytes_get_size (want[b].frames[i]));
      frames_clear (&got[b]);
    }
    g_print ("run %u: %u branches checked\n", r, branches);
  }
  g_string_free (desc, TRUE);
  for (guint b = 0; b < branches; b++)
    frames_clear (&want[b]);
  g_print ("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
  return failures ? 1 : 0;
}
