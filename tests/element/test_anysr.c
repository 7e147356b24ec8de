/* GstCheck tests of the anysr element: negotiation, formats, sizes, caps
 * changes, passthrough, refused sizes, properties, start/stop, the depth
 * target of a model with a depth adapter.
 *
 * Runs on whatever Vulkan device the test setup selects (lavapipe in the
 * 'lavapipe' setup); frames are kept small because lavapipe is slow.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

/* tests/model: synthetic model files (a depth adapter) */
#include "gst_test.h"
#include "model_writer.h"

/* Pixel values are checked only on the bicubic path (ANYSR_TEST_BICUBIC set,
 * with the test build of the plugin, see meson.build): the network's output
 * depends on its model. Everything else is checked on both paths. */
static gboolean
check_values (void)
{
  return g_getenv ("ANYSR_TEST_BICUBIC") != NULL;
}

/* A frame of @info where every pixel has the component values @comp (in
 * GstVideoFormatInfo component order: R, G, B, A or Y, U, V). */
static GstBuffer *
flat_frame (const GstVideoInfo * info, const guint8 * comp)
{
  GstBuffer *buf = gst_buffer_new_and_alloc (GST_VIDEO_INFO_SIZE (info));
  GstVideoFrame frame;
  guint c;
  gint x, y;

  fail_unless (gst_video_frame_map (&frame, (GstVideoInfo *) info, buf,
          GST_MAP_WRITE));
  for (c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&frame); c++) {
    guint8 *data = GST_VIDEO_FRAME_COMP_DATA (&frame, c);
    gint stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, c);
    gint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, c);

    for (y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c); y++)
      for (x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&frame, c); x++)
        data[y * stride + x * pstride] = comp[c];
  }
  gst_video_frame_unmap (&frame);

  return buf;
}

/* Largest |difference| between @buf's components and @comp. */
static gint
flat_frame_max_diff (const GstVideoInfo * info, GstBuffer * buf,
    const guint8 * comp)
{
  GstVideoFrame frame;
  guint c;
  gint x, y, d, max = 0;

  fail_unless (gst_video_frame_map (&frame, (GstVideoInfo *) info, buf,
          GST_MAP_READ));
  for (c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&frame); c++) {
    const guint8 *data = GST_VIDEO_FRAME_COMP_DATA (&frame, c);
    gint stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, c);
    gint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, c);

    for (y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c); y++)
      for (x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&frame, c); x++) {
        d = ABS ((gint) data[y * stride + x * pstride] - (gint) comp[c]);
        max = MAX (max, d);
      }
  }
  gst_video_frame_unmap (&frame);

  return max;
}

/* Creates a harness around anysr (with its scale property set to @scale
 * unless it is 0), input caps @fmt @w x @h and (unless NULL) downstream caps
 * @sink_caps. */
static GstHarness *
harness_new (gdouble scale, const gchar * fmt, gint w, gint h,
    const gchar * sink_caps)
{
  GstHarness *hr = gst_harness_new ("anysr");

  /* no adaptation: these tests check frames at the chosen point (a
   * harness answers latency queries as live, so target-fps auto, the
   * default, would adapt: test_target_fps_auto) */
  g_object_set (hr->element, "target-fps", -1.0, NULL);
  if (scale > 0)
    g_object_set (hr->element, "scale", scale, NULL);
  if (sink_caps)
    gst_harness_set_sink_caps_str (hr, sink_caps);
  gst_harness_set_src_caps (hr, gst_caps_new_simple ("video/x-raw",
          "format", G_TYPE_STRING, fmt, "width", G_TYPE_INT, w,
          "height", G_TYPE_INT, h, "framerate", GST_TYPE_FRACTION, 30, 1,
          NULL));
  return hr;
}

/* Pushes a flat frame of the current input caps, pulls the output and
 * checks its size is @ow x @oh (each unless < 0) and (if @tol >= 0) that it
 * is flat too. */
static void
push_flat_and_check (GstHarness * hr, const guint8 * comp, gint ow, gint oh,
    gint tol)
{
  GstVideoInfo in_info, out_info;
  GstBuffer *out;
  gint diff;

  harness_in_info (hr, &in_info);
  fail_unless_equals_int (gst_harness_push (hr, flat_frame (&in_info, comp)),
      GST_FLOW_OK);
  out = gst_harness_pull (hr);
  fail_unless (out != NULL);
  harness_out_info (hr, &out_info);
  if (ow >= 0)
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), ow);
  if (oh >= 0)
    fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out_info), oh);
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&out_info),
      GST_VIDEO_INFO_FORMAT (&in_info));
  fail_unless (gst_buffer_get_size (out) >= GST_VIDEO_INFO_SIZE (&out_info));
  if (tol >= 0 && check_values ()) {
    diff = flat_frame_max_diff (&out_info, out, comp);
    fail_unless (diff <= tol, "%s %dx%d -> %dx%d: flat input gave output "
        "off by %d", GST_VIDEO_INFO_NAME (&in_info),
        GST_VIDEO_INFO_WIDTH (&in_info), GST_VIDEO_INFO_HEIGHT (&in_info),
        ow, oh, diff);
  }
  gst_buffer_unref (out);
}

static const guint8 rgb_flat[4] = { 200, 60, 30, 255 };
static const guint8 yuv_flat[4] = { 100, 90, 170, 0 };

GST_START_TEST (test_size_from_downstream_caps)
{
  GstHarness *hr = harness_new (0, "RGBA", 64, 48,
      "video/x-raw,width=160,height=120");

  push_flat_and_check (hr, rgb_flat, 160, 120, 1);
  gst_harness_teardown (hr);
}

GST_END_TEST;

GST_START_TEST (test_size_from_scale_property)
{
  GstHarness *hr;

  hr = harness_new (0, "RGBA", 64, 48, NULL);
  push_flat_and_check (hr, rgb_flat, 128, 96, 1);       /* default 2.0 */
  gst_harness_teardown (hr);

  hr = harness_new (2.5, "RGBA", 64, 48, NULL);
  push_flat_and_check (hr, rgb_flat, 160, 120, 1);
  gst_harness_teardown (hr);

  /* round(61 * 1.5) = 92 (91.5 rounds up), round(47 * 1.5) = 71 (70.5) */
  hr = harness_new (1.5, "BGRx", 61, 47, NULL);
  push_flat_and_check (hr, rgb_flat, 92, 71, 1);
  gst_harness_teardown (hr);

  hr = harness_new (8.0, "RGBx", 9, 7, NULL);
  push_flat_and_check (hr, rgb_flat, 72, 56, 1);
  gst_harness_teardown (hr);
}

GST_END_TEST;

GST_START_TEST (test_every_format)
{
  const gchar *formats[] = { "RGBA", "BGRA", "RGBx", "BGRx", "I420", "NV12" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    gboolean yuv = i >= 4;
    GstHarness *hr;

    GST_INFO ("format %s", formats[i]);
    /* odd input and output sizes exercise the rounded-up chroma planes */
    hr = harness_new (1.5, formats[i], 33, 25, NULL);
    push_flat_and_check (hr, yuv ? yuv_flat : rgb_flat, 50, 38, yuv ? 2 : 1);
    gst_harness_teardown (hr);

    hr = harness_new (0, formats[i], 32, 24, "video/x-raw,width=80,height=36");
    push_flat_and_check (hr, yuv ? yuv_flat : rgb_flat, 80, 36, yuv ? 2 : 1);
    gst_harness_teardown (hr);
  }
}

GST_END_TEST;

/* 10-bit frames: a flat frame of 10-bit component values (GstVideoFormatInfo
 * order: R, G, B, A or Y, U, V), written at the format's depth and shift in
 * 16-bit words (P010_10LE, I420_10LE) or 32-bit words (RGB10A2_LE,
 * BGR10A2_LE), little-endian. */
static guint32
read_le (const guint8 * p, guint bytes)
{
  return bytes == 2 ? GST_READ_UINT16_LE (p) : GST_READ_UINT32_LE (p);
}

static void
write_le (guint8 * p, guint bytes, guint32 v)
{
  if (bytes == 2)
    GST_WRITE_UINT16_LE (p, v);
  else
    GST_WRITE_UINT32_LE (p, v);
}

/* Walks every component sample of @frame (layouts as docs/element.md gives
 * them, written out here rather than from GstVideoFormatInfo): with @write
 * writes @comp, else returns the largest |difference| from it. */
static gint
flat10_walk (GstVideoFrame * frame, const guint16 * comp, gboolean write)
{
  GstVideoFormat f = GST_VIDEO_FRAME_FORMAT (frame);
  gboolean rgb = f == GST_VIDEO_FORMAT_RGB10A2_LE ||
      f == GST_VIDEO_FORMAT_BGR10A2_LE;
  guint bytes = rgb ? 4 : 2, c, ncomp = rgb ? 4 : 3;
  gint x, y, max = 0;

  for (c = 0; c < ncomp; c++) {
    guint plane = rgb ? 0 : f == GST_VIDEO_FORMAT_P010_10LE ? MIN (c, 1) : c;
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, plane);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane);
    gint w = GST_VIDEO_FRAME_WIDTH (frame), h = GST_VIDEO_FRAME_HEIGHT (frame);
    gint pstride = bytes, off = 0;
    guint shift = 0, depth = 10;
    guint32 mask;

    if (rgb) {
      shift = c == 3 ? 30 : (f == GST_VIDEO_FORMAT_BGR10A2_LE ? 2 - c : c) * 10;
      depth = c == 3 ? 2 : 10;
    } else {
      if (f == GST_VIDEO_FORMAT_P010_10LE)
        shift = 6;
      if (c > 0) {
        w = (w + 1) / 2, h = (h + 1) / 2;
        if (f == GST_VIDEO_FORMAT_P010_10LE)
          pstride = 4, off = 2 * (c - 1);
      }
    }
    mask = (1u << depth) - 1;
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++) {
        guint8 *p = data + y * stride + x * pstride + off;
        guint32 v = read_le (p, bytes);
        if (write) {
          v = (v & ~(mask << shift)) | ((comp[c] & mask) << shift);
          write_le (p, bytes, v);
        } else {
          gint d = ABS ((gint) ((v >> shift) & mask) - (gint) comp[c]);
          if (d > max)
            GST_WARNING ("component %u (%d, %d): %u, want %u", c, x, y,
                (v >> shift) & mask, comp[c]);
          max = MAX (max, d);
        }
      }
  }
  return max;
}

static void
check_caps_field (GstStructure * in, GstStructure * out, const gchar * field)
{
  const gchar *a = gst_structure_get_string (in, field);
  const gchar *b = gst_structure_get_string (out, field);

  fail_unless (a != NULL, "input caps lack %s", field);
  fail_unless (b != NULL, "output caps lost %s", field);
  fail_unless_equals_string (a, b);
}

/* 10-bit input stays 10-bit: the output caps keep the format, the
 * colorimetry (BT.2020 matrix, PQ / HLG transfer), the chroma siting and the
 * HDR fields; on the bicubic path a flat frame of 10-bit values that 8 bits
 * cannot hold comes out with the same values. */
GST_START_TEST (test_ten_bit_caps_and_values)
{
  const struct
  {
    const gchar *format, *colorimetry;
    guint16 comp[4];
    gint tol;
  } cases[] = {
    /* 8 bits would give 600 or 604 for 602 (and so on): off by 2 */
    {"P010_10LE", "bt2100-pq", {602, 302, 702, 0}, 1},
    {"I420_10LE", "bt2100-hlg", {602, 302, 702, 0}, 1},
    {"I420_10LE", "bt709", {602, 302, 702, 0}, 1},
    {"RGB10A2_LE", "sRGB", {802, 242, 122, 3}, 0},
    {"BGR10A2_LE", "sRGB", {802, 242, 122, 2}, 0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstHarness *hr = gst_harness_new ("anysr");
    gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=33,height=25,"
        "framerate=30/1,colorimetry=%s,chroma-site=%s,"
        "mastering-display-info=(string)\"35400:14600:8500:39850:6550:2300:"
        "15635:16450:10000000:50\",content-light-level=(string)\"1000:400\"",
        cases[i].format, cases[i].colorimetry,
        g_str_has_suffix (cases[i].format, "A2_LE") ? "none" : "mpeg2");
    GstCaps *in_caps, *out_caps;
    GstStructure *ins, *outs;
    GstVideoInfo in_info, out_info;
    GstVideoFrame frame;
    GstBuffer *buf, *out;
    gint diff;

    GST_INFO ("%s", caps);
    g_object_set (hr->element, "scale", 1.5, NULL);
    gst_harness_set_src_caps_str (hr, caps);
    harness_in_info (hr, &in_info);
    buf = gst_buffer_new_and_alloc (GST_VIDEO_INFO_SIZE (&in_info));
    gst_buffer_memset (buf, 0, 0, GST_VIDEO_INFO_SIZE (&in_info));
    fail_unless (gst_video_frame_map (&frame, &in_info, buf, GST_MAP_WRITE));
    flat10_walk (&frame, cases[i].comp, TRUE);
    fail_unless_equals_int (flat10_walk (&frame, cases[i].comp, FALSE), 0);
    gst_video_frame_unmap (&frame);
    fail_unless_equals_int (gst_harness_push (hr, buf), GST_FLOW_OK);
    out = gst_harness_pull (hr);
    fail_unless (out != NULL);

    in_caps = gst_pad_get_current_caps (hr->srcpad);
    out_caps = gst_pad_get_current_caps (hr->sinkpad);
    ins = gst_caps_get_structure (in_caps, 0);
    outs = gst_caps_get_structure (out_caps, 0);
    GST_INFO ("out %" GST_PTR_FORMAT, out_caps);
    check_caps_field (ins, outs, "format");
    fail_unless_equals_string (gst_structure_get_string (outs, "format"),
        cases[i].format);
    check_caps_field (ins, outs, "colorimetry");
    check_caps_field (ins, outs, "chroma-site");
    check_caps_field (ins, outs, "mastering-display-info");
    check_caps_field (ins, outs, "content-light-level");
    fail_unless (gst_video_info_from_caps (&out_info, out_caps));
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), 50);
    fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out_info), 38);
    if (g_str_has_prefix (cases[i].colorimetry, "bt2100"))
      fail_unless_equals_int (GST_VIDEO_INFO_COLORIMETRY (&out_info).matrix,
          GST_VIDEO_COLOR_MATRIX_BT2020);

    if (check_values ()) {
      fail_unless (gst_video_frame_map (&frame, &out_info, out, GST_MAP_READ));
      diff = flat10_walk (&frame, cases[i].comp, FALSE);
      gst_video_frame_unmap (&frame);
      fail_unless (diff <= cases[i].tol, "%s: flat 10-bit input gave output "
          "off by %d", cases[i].format, diff);
    }
    gst_buffer_unref (out);
    gst_caps_unref (in_caps);
    gst_caps_unref (out_caps);
    gst_harness_teardown (hr);
    g_free (caps);
  }
}

GST_END_TEST;

GST_START_TEST (test_fractional_and_asymmetric_sizes)
{
  GstHarness *hr;
  GstVideoInfo info;

  /* per-axis scale (1.5625, 1.3958) */
  hr = gst_harness_new ("anysr");
  gst_harness_set_sink_caps_str (hr, "video/x-raw,width=100,height=67");
  gst_harness_set_src_caps_str (hr, "video/x-raw,format=NV12,width=64,"
      "height=48,framerate=30/1,pixel-aspect-ratio=1/1");
  push_flat_and_check (hr, yuv_flat, 100, 67, 2);
  /* both sides forced: the display aspect is kept through the PAR,
   * 64 * 67 / (48 * 100) = 67/75 */
  harness_out_info (hr, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_PAR_N (&info), 67);
  fail_unless_equals_int (GST_VIDEO_INFO_PAR_D (&info), 75);
  gst_harness_teardown (hr);

  /* (1.5, 2.0) */
  hr = harness_new (0, "RGBA", 64, 48, "video/x-raw,width=96,height=96");
  push_flat_and_check (hr, rgb_flat, 96, 96, 1);
  gst_harness_teardown (hr);

  /* (1.0, 3.0): one axis unscaled is not passthrough */
  hr = harness_new (0, "I420", 40, 16, "video/x-raw,width=40,height=48");
  push_flat_and_check (hr, yuv_flat, 40, 48, 2);
  fail_if (gst_base_transform_is_passthrough (GST_BASE_TRANSFORM
          (hr->element)));
  gst_harness_teardown (hr);

  /* only the width fixed: the height follows the display aspect */
  hr = harness_new (0, "RGBA", 64, 48, "video/x-raw,width=100");
  push_flat_and_check (hr, rgb_flat, 100, 75, 1);
  gst_harness_teardown (hr);

  /* only the height fixed */
  hr = harness_new (0, "RGBA", 64, 48, "video/x-raw,height=60");
  push_flat_and_check (hr, rgb_flat, 80, 60, 1);
  gst_harness_teardown (hr);

  /* anamorphic 4:3 pixels to square pixels: 144x108 -> 192x108 */
  hr = gst_harness_new ("anysr");
  gst_harness_set_sink_caps_str (hr,
      "video/x-raw,width=192,height=108,pixel-aspect-ratio=1/1");
  gst_harness_set_src_caps_str (hr, "video/x-raw,format=RGBA,width=144,"
      "height=108,framerate=25/1,pixel-aspect-ratio=4/3");
  push_flat_and_check (hr, rgb_flat, 192, 108, 1);
  gst_harness_teardown (hr);

  /* the same without a downstream PAR: PAR chosen to keep the aspect */
  hr = gst_harness_new ("anysr");
  gst_harness_set_sink_caps_str (hr, "video/x-raw,width=192,height=108");
  gst_harness_set_src_caps_str (hr, "video/x-raw,format=RGBA,width=144,"
      "height=108,framerate=25/1,pixel-aspect-ratio=4/3");
  push_flat_and_check (hr, rgb_flat, 192, 108, 1);
  harness_out_info (hr, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_PAR_N (&info), 1);
  fail_unless_equals_int (GST_VIDEO_INFO_PAR_D (&info), 1);
  gst_harness_teardown (hr);
}

GST_END_TEST;

/* Downstream offers several sizes: the first one anysr can serve wins. */
GST_START_TEST (test_first_servable_structure)
{
  GstHarness *hr = harness_new (0, "RGBA", 64, 48,
      "video/x-raw,width=32,height=24; video/x-raw,width=128,height=80");

  push_flat_and_check (hr, rgb_flat, 128, 80, 1);
  gst_harness_teardown (hr);
}

GST_END_TEST;

/* A horizontal ramp R = 8x stays a ramp: monotonic in every row and, away
 * from the borders, the interpolated value. */
GST_START_TEST (test_output_is_interpolated)
{
  GstHarness *hr = harness_new (0, "RGBA", 32, 8, NULL);
  GstVideoInfo in_info, out_info;
  GstBuffer *in, *out;
  GstMapInfo map;
  gint x, y, prev, v, distinct = 0;
  guint8 *p;

  harness_in_info (hr, &in_info);
  in = gst_buffer_new_and_alloc (GST_VIDEO_INFO_SIZE (&in_info));
  gst_buffer_map (in, &map, GST_MAP_WRITE);
  for (y = 0; y < 8; y++)
    for (x = 0; x < 32; x++) {
      p = map.data + y * GST_VIDEO_INFO_PLANE_STRIDE (&in_info, 0) + x * 4;
      p[0] = 8 * x;
      p[1] = 255 - 8 * x;
      p[2] = 128;
      p[3] = 255;
    }
  gst_buffer_unmap (in, &map);

  fail_unless_equals_int (gst_harness_push (hr, in), GST_FLOW_OK);
  out = gst_harness_pull (hr);
  harness_out_info (hr, &out_info);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), 64);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out_info), 16);

  if (!check_values ()) {
    GST_INFO ("network path: pixel values not checked");
    gst_buffer_unref (out);
    gst_harness_teardown (hr);
    return;
  }

  gst_buffer_map (out, &map, GST_MAP_READ);
  for (y = 0; y < 16; y++) {
    prev = -1;
    for (x = 0; x < 64; x++) {
      p = map.data + y * GST_VIDEO_INFO_PLANE_STRIDE (&out_info, 0) + x * 4;
      v = p[0];
      fail_unless (v >= prev, "row %d not monotonic at x=%d: %d < %d", y, x,
          v, prev);
      if (v != prev)
        distinct++;
      prev = v;
      fail_unless (ABS ((gint) p[2] - 128) <= 1);
      fail_unless_equals_int (p[3], 255);
      if (x >= 4 && x < 60) {
        gdouble expect = 8.0 * ((x + 0.5) / 2.0 - 0.5);
        fail_unless (fabs (v - expect) <= 1.0,
            "x=%d y=%d: %d, expected %.1f", x, y, v, expect);
        fail_unless (fabs ((255 - p[1]) - expect) <= 1.0);
      }
    }
  }
  gst_buffer_unmap (out, &map);
  /* not a pixel replication: (nearly) every output column is new */
  fail_unless (distinct >= 16 * 60, "only %d distinct steps", distinct);

  gst_buffer_unref (out);
  gst_harness_teardown (hr);
}

GST_END_TEST;

static void
count_notify (GObject * obj, GParamSpec * pspec, gint * count)
{
  (*count)++;
}

/* The input resolution changes mid-stream: new caps, same element, same
 * engine (device-name is not set again). */
GST_START_TEST (test_input_size_change)
{
  GstHarness *hr = harness_new (0, "RGBA", 64, 48, NULL);
  gint notified = 0;

  g_signal_connect (hr->element, "notify::device-name",
      G_CALLBACK (count_notify), &notified);

  push_flat_and_check (hr, rgb_flat, 128, 96, 1);
  gst_harness_set_src_caps_str (hr,
      "video/x-raw,format=RGBA,width=48,height=32,framerate=30/1");
  push_flat_and_check (hr, rgb_flat, 96, 64, 1);
  gst_harness_set_src_caps_str (hr,
      "video/x-raw,format=RGBA,width=80,height=60,framerate=30/1");
  push_flat_and_check (hr, rgb_flat, 160, 120, 1);
  /* back to the first size */
  gst_harness_set_src_caps_str (hr,
      "video/x-raw,format=RGBA,width=64,height=48,framerate=30/1");
  push_flat_and_check (hr, rgb_flat, 128, 96, 1);
  /* and to another format */
  gst_harness_set_src_caps_str (hr,
      "video/x-raw,format=I420,width=32,height=24,framerate=30/1");
  push_flat_and_check (hr, yuv_flat, 64, 48, 2);

  fail_unless_equals_int (notified, 0);
  gst_harness_teardown (hr);
}

GST_END_TEST;

/* Changing the scale property while playing renegotiates the output. */
GST_START_TEST (test_scale_change_while_playing)
{
  GstHarness *hr = harness_new (0, "RGBA", 32, 24, NULL);

  push_flat_and_check (hr, rgb_flat, 64, 48, 1);
  g_object_set (hr->element, "scale", 3.0, NULL);
  push_flat_and_check (hr, rgb_flat, 96, 72, 1);
  g_object_set (hr->element, "scale", 1.0, NULL);
  push_flat_and_check (hr, rgb_flat, 32, 24, 0);
  fail_unless (gst_base_transform_is_passthrough (GST_BASE_TRANSFORM
          (hr->element)));
  gst_harness_teardown (hr);

  /* a scale it cannot serve: not negotiated, no crash */
  hr = harness_new (0, "RGBA", 32, 24, NULL);
  push_flat_and_check (hr, rgb_flat, 64, 48, 1);
  g_object_set (hr->element, "scale", 0.5, NULL);
  {
    GstVideoInfo info;

    harness_in_info (hr, &info);
    fail_unless_equals_int (gst_harness_push (hr, flat_frame (&info,
                rgb_flat)), GST_FLOW_NOT_NEGOTIATED);
  }
  gst_harness_teardown (hr);
}

GST_END_TEST;

GST_START_TEST (test_passthrough_same_size)
{
  GstHarness *hr;
  GstVideoInfo info;
  GstBuffer *in, *out;

  /* from the scale property */
  hr = harness_new (1.0, "NV12", 30, 20, NULL);
  harness_in_info (hr, &info);
  in = flat_frame (&info, yuv_flat);
  gst_buffer_ref (in);
  fail_unless_equals_int (gst_harness_push (hr, in), GST_FLOW_OK);
  out = gst_harness_pull (hr);
  fail_unless (out == in, "not passthrough");
  fail_unless (gst_base_transform_is_passthrough (GST_BASE_TRANSFORM
          (hr->element)));
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (hr);

  /* from downstream caps */
  hr = harness_new (0, "BGRA", 30, 20, "video/x-raw,width=30,height=20");
  harness_in_info (hr, &info);
  in = flat_frame (&info, rgb_flat);
  gst_buffer_ref (in);
  fail_unless_equals_int (gst_harness_push (hr, in), GST_FLOW_OK);
  out = gst_harness_pull (hr);
  fail_unless (out == in, "not passthrough");
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (hr);
}

GST_END_TEST;

/* Pushes one frame at @w x @h into anysr whose downstream demands
 * @sink_caps, expects not-negotiated and an error message naming @reason,
 * with the videoscale hint when @shrink (only downscales have it). */
static void
check_refused (const gchar * fmt, gint w, gint h, const gchar * sink_caps,
    const gchar * reason, gboolean shrink)
{
  GstHarness *hr;
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;
  GstVideoInfo info;

  hr = gst_harness_new ("anysr");
  gst_element_set_bus (hr->element, bus);
  gst_harness_set_sink_caps_str (hr, sink_caps);
  gst_harness_set_src_caps (hr, gst_caps_new_simple ("video/x-raw",
          "format", G_TYPE_STRING, fmt, "width", G_TYPE_INT, w,
          "height", G_TYPE_INT, h, "framerate", GST_TYPE_FRACTION, 30, 1,
          NULL));
  gst_video_info_set_format (&info, gst_video_format_from_string (fmt), w, h);
  fail_unless_equals_int (gst_harness_push (hr, flat_frame (&info,
              rgb_flat)), GST_FLOW_NOT_NEGOTIATED);

  if (reason) {
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL, "no error message");
    gst_message_parse_error (msg, &err, &dbg);
    GST_INFO ("error: %s (%s)", err->message, dbg);
    fail_unless (g_error_matches (err, GST_CORE_ERROR,
            GST_CORE_ERROR_NEGOTIATION));
    fail_unless (strstr (err->message, reason) != NULL,
        "error \"%s\" does not say \"%s\"", err->message, reason);
    fail_unless ((strstr (err->message, "videoscale") != NULL) == shrink,
        "error \"%s\": the videoscale hint %s", err->message, shrink ?
        "is missing" : "follows an upscale");
    fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
    g_error_free (err);
    g_free (dbg);
    gst_message_unref (msg);

    /* negotiation is retried on the next buffer: refused again, no second
     * message for the same reason */
    fail_unless_equals_int (gst_harness_push (hr, flat_frame (&info,
                rgb_flat)), GST_FLOW_NOT_NEGOTIATED);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (msg == NULL, "the same error was posted twice");
  }

  gst_element_set_bus (hr->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (hr);
}

GST_START_TEST (test_refused_sizes)
{
  /* smaller than the input */
  check_refused ("RGBA", 64, 48, "video/x-raw,width=32,height=24",
      "cannot scale 64x48 to 32x24", TRUE);
  /* smaller on one axis only */
  check_refused ("NV12", 64, 48, "video/x-raw,width=128,height=40",
      "cannot scale 64x48 to 128x40", TRUE);
  /* more than 8 times on one axis */
  check_refused ("RGBA", 16, 12, "video/x-raw,width=136,height=96",
      "cannot scale 16x12 to 136x96", FALSE);
  /* a range with nothing servable in it */
  check_refused ("I420", 64, 48, "video/x-raw,width=[8,32],height=[8,24]",
      "cannot scale 64x48", TRUE);
}

GST_END_TEST;

/* A new anysr with @prop set to @value (read back unchanged) refuses to
 * start: returns the message of the error it posts (g_free it). */
static gchar *
refused_start_error (const gchar * prop, gdouble value)
{
  GstElement *e = gst_element_factory_make ("anysr", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *text;
  gdouble v;

  gst_element_set_bus (e, bus);
  g_object_set (e, prop, value, NULL);
  g_object_get (e, prop, &v, NULL);
  fail_unless (v == value || (isnan (v) && isnan (value)),
      "%s: %g set, %g read", prop, value, v);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "%s=%g: no error", prop, value);
  gst_message_parse_error (msg, &err, NULL);
  GST_INFO ("error: %s", err->message);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  return text;
}

/* A scale property outside 1..8 (NaN and infinities included) is accepted
 * by GObject, without a GLib warning, but refused by the element, with an
 * error that says why, when it opens. */
GST_START_TEST (test_refused_scale_property)
{
  const gdouble bad[] = { 0.5, 0.0, 8.01, 100.0, NAN, INFINITY, -INFINITY,
    -1.0
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *text = refused_start_error ("scale", bad[i]);

    fail_unless (strstr (text, "must lie between 1 and 8") != NULL, "%s", text);
    fail_unless (strstr (text, "the scale property") != NULL, "%s", text);
    /* the videoscale hint follows a shrink only */
    fail_unless ((strstr (text, "videoscale") != NULL) ==
        (bad[i] >= 0.0 && bad[i] < 1.0), "%s", text);
    g_free (text);
  }
}

GST_END_TEST;

/* k, target-fps and headroom: values out of range (NaN, infinities
 * included) reach the element, which fails to start with an error naming
 * the property and the value; through g_object_set() and through
 * gst_parse_launch() (what gst-launch-1.0 does). */
GST_START_TEST (test_refused_double_properties)
{
  static const struct
  {
    const gchar *prop;
    gdouble value;
    const gchar *text;
  } bad[] = {
    {"k", NAN, "k=nan"},
    {"k", INFINITY, "k=inf"},
    {"k", -5.0, "k=-5"},
    {"k", 101.0, "k=101"},
    {"depth-target", NAN, "depth-target=nan"},
    {"depth-target", INFINITY, "depth-target=inf"},
    {"depth-target", -0.5, "depth-target=-0.5"},
    {"depth-target", 1.5, "depth-target=1.5"},
    {"target-fps", NAN, "target-fps=nan"},
    {"target-fps", -INFINITY, "target-fps=-inf"},
    {"target-fps", -3.0, "target-fps=-3"},
    {"target-fps", -1.5, "target-fps=-1.5"},
    {"target-fps", 1001.0, "target-fps=1001"},
    {"headroom", NAN, "headroom=nan"},
    {"headroom", INFINITY, "headroom=inf"},
    {"headroom", -1.0, "headroom=-1"},
    {"headroom", 0.4, "headroom=0.4"},
  };
  static const gchar *launch[][2] = {
    {"scale=nan", "scale by nan"},
    {"scale=inf", "scale by inf"},
    {"scale=-1", "scale by -1"},
    {"k=nan", "k=nan"},
    {"depth-target=2", "depth-target=2"},
    {"target-fps=inf", "target-fps=inf"},
    {"headroom=-1", "headroom=-1"},
  };
  GstElement *e;
  GstBus *bus;
  GstMessage *msg;
  GError *err = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *text = refused_start_error (bad[i].prop, bad[i].value);

    fail_unless (strstr (text, bad[i].text) != NULL,
        "error \"%s\" does not say %s", text, bad[i].text);
    g_free (text);
  }

  for (i = 0; i < G_N_ELEMENTS (launch); i++) {
    gchar *desc = g_strdup_printf ("videotestsrc num-buffers=1 ! "
        "video/x-raw,width=16,height=12 ! anysr %s ! fakesink", launch[i][0]);

    e = gst_parse_launch (desc, NULL);
    g_free (desc);
    fail_unless (e != NULL);
    bus = gst_element_get_bus (e);
    fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL, "%s: no error", launch[i][0]);
    gst_message_parse_error (msg, &err, NULL);
    GST_INFO ("error: %s", err->message);
    fail_unless (strstr (err->message, launch[i][1]) != NULL,
        "error \"%s\" does not say %s", err->message, launch[i][1]);
    g_error_free (err);
    gst_message_unref (msg);
    gst_element_set_state (e, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (e);
  }
}

GST_END_TEST;

/* A bad k set while playing stops the stream with an error naming it. */
GST_START_TEST (test_refused_property_while_playing)
{
  GstElement *e = gst_element_factory_make ("anysr", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *hr;
  GstVideoInfo info;
  GstMessage *msg;
  GError *err = NULL;

  gst_element_set_bus (e, bus);
  hr = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps (hr, gst_caps_new_simple ("video/x-raw",
          "format", G_TYPE_STRING, "RGBA", "width", G_TYPE_INT, 16,
          "height", G_TYPE_INT, 12, "framerate", GST_TYPE_FRACTION, 30, 1,
          NULL));
  harness_in_info (hr, &info);
  fail_unless_equals_int (gst_harness_push (hr, flat_frame (&info,
              rgb_flat)), GST_FLOW_OK);
  g_object_set (hr->element, "k", NAN, NULL);
  fail_unless_equals_int (gst_harness_push (hr, flat_frame (&info,
              rgb_flat)), GST_FLOW_ERROR);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, "k=nan") != NULL, "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_bus (hr->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (hr);
}

GST_END_TEST;

GST_START_TEST (test_refused_format)
{
  /* YUY2 is not among the formats: the base class refuses the caps, and the
   * element error names the format and the supported ones */
  check_refused ("YUY2", 32, 24, "video/x-raw", "does not support "
      "video/x-raw format YUY2 (supported: video/x-raw, formats { RGBA,",
      FALSE);
  /* a format conversion is refused too, naming videoconvert */
  check_refused ("RGBA", 32, 24, "video/x-raw,format=BGRA", "cannot convert "
      "RGBA to BGRA: the output format must equal the input format (use "
      "videoconvert)", FALSE);
}

GST_END_TEST;

GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("anysr", NULL);
  GParamSpec *pspec;
  gdouble scale;
  gint device;
  gchar *name = NULL;

  fail_unless (e != NULL);

  g_object_get (e, "scale", &scale, "device", &device, "device-name", &name,
      NULL);
  fail_unless_equals_float (scale, 2.0);
  fail_unless_equals_int (device, -1);
  fail_unless (name == NULL);

  /* the network and QoS properties: defaults, write and read back */
  {
    gchar *model = NULL;
    gint subnet, decoder, current;
    gdouble k, fps, headroom, gpu, depth_target;
    guint interval;
    GstStructure *stats = NULL;
    GEnumClass *eclass;

    g_object_get (e, "model-location", &model, "subnet", &subnet,
        "decoder", &decoder, "k", &k, "target-fps", &fps, "headroom",
        &headroom, "stats-interval", &interval, "current-subnet", &current,
        "last-gpu-ms", &gpu, "stats", &stats, "depth-target", &depth_target,
        NULL);
    fail_unless (model == NULL);
    fail_unless_equals_int (subnet, -1);
    fail_unless_equals_int (decoder, 2);
    fail_unless_equals_float (k, -1.0);
    fail_unless_equals_float (depth_target, 0.0);
    fail_unless_equals_float (fps, -2.0);   /* auto */
    fail_unless_equals_float (headroom, 0.85);
    fail_unless_equals_int (interval, 30);
    fail_unless_equals_int (current, -1);
    fail_unless_equals_float (gpu, 0.0);
    fail_unless (stats == NULL);

    /* the decoder enum is a registered type with the nicks of the docs */
    pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "decoder");
    fail_unless_equals_string (g_type_name (pspec->value_type),
        "GstAnySrDecoder");
    eclass = g_type_class_ref (pspec->value_type);
    fail_unless_equals_int (g_enum_get_value_by_nick (eclass, "heavy")->value,
        0);
    fail_unless_equals_int (g_enum_get_value_by_nick (eclass, "light")->value,
        1);
    fail_unless_equals_int (g_enum_get_value_by_nick (eclass,
            "routed")->value, 2);
    g_type_class_unref (eclass);

    gst_util_set_object_arg (G_OBJECT (e), "decoder", "light");
    g_object_set (e, "model-location", "/some/model.safetensors", "subnet", 1,
        "k", 0.25, "target-fps", 0.0, "headroom", 0.7, "stats-interval", 5,
        "depth-target", 0.4, NULL);
    g_object_get (e, "model-location", &model, "subnet", &subnet,
        "decoder", &decoder, "k", &k, "target-fps", &fps, "headroom",
        &headroom, "stats-interval", &interval, "depth-target",
        &depth_target, NULL);
    fail_unless_equals_string (model, "/some/model.safetensors");
    g_free (model);
    fail_unless_equals_int (subnet, 1);
    fail_unless_equals_int (decoder, 1);
    fail_unless_equals_float (k, 0.25);
    fail_unless_equals_float (depth_target, 0.4);
    fail_unless_equals_float (fps, 0.0);
    fail_unless_equals_float (headroom, 0.7);
    fail_unless_equals_int (interval, 5);
    /* back to the defaults (an empty location is the default too) */
    g_object_set (e, "model-location", "", "subnet", -1, "decoder", 2, "k",
        -1.0, "target-fps", -1.0, "headroom", 0.85, "stats-interval", 30,
        "depth-target", 0.0, NULL);
    g_object_get (e, "model-location", &model, NULL);
    fail_unless (model == NULL);

    {
      const gchar *ro[] = { "current-subnet", "last-gpu-ms", "stats" };
      const gchar *rw[] = { "model-location", "subnet", "decoder", "k",
        "target-fps", "headroom", "stats-interval", "depth-target"
      };
      guint i;

      for (i = 0; i < G_N_ELEMENTS (ro); i++) {
        pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), ro[i]);
        fail_unless (pspec != NULL, "no property %s", ro[i]);
        fail_if (pspec->flags & G_PARAM_WRITABLE);
        fail_unless (strlen (g_param_spec_get_blurb (pspec)) > 20);
      }
      for (i = 0; i < G_N_ELEMENTS (rw); i++) {
        pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), rw[i]);
        fail_unless (pspec != NULL, "no property %s", rw[i]);
        fail_unless (pspec->flags & G_PARAM_WRITABLE);
        fail_unless (strlen (g_param_spec_get_blurb (pspec)) > 20);
      }
    }
  }

  g_object_set (e, "scale", 1.75, "device", 0, NULL);
  g_object_get (e, "scale", &scale, "device", &device, NULL);
  fail_unless_equals_float (scale, 1.75);
  fail_unless_equals_int (device, 0);
  g_object_set (e, "device", -1, NULL);

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "scale");
  fail_unless (strlen (g_param_spec_get_blurb (pspec)) > 20);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "device");
  fail_unless (strlen (g_param_spec_get_blurb (pspec)) > 20);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "device-name");
  fail_unless (pspec->flags & G_PARAM_READABLE);
  fail_if (pspec->flags & G_PARAM_WRITABLE);
  fail_unless (strlen (g_param_spec_get_blurb (pspec)) > 20);

  /* the device opens on NULL -> READY and closes on READY -> NULL */
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (e, "device-name", &name, NULL);
  fail_unless (name != NULL && name[0] != '\0');
  GST_INFO ("device-name: %s", name);
  g_free (name);

  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (e, "device-name", &name, NULL);
  fail_unless (name == NULL);

  gst_object_unref (e);
}

GST_END_TEST;

/* Runs "videotestsrc num-buffers=3 ! caps ! anysr ! fakesink" to EOS. */
static void
run_pipeline_to_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "timeout");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_object_unref (bus);
}

GST_START_TEST (test_start_stop_cycles)
{
  GstElement *pipeline, *sr;
  GstHarness *hr;
  gint i;

  /* the same pipeline, played and stopped again and again */
  pipeline = gst_parse_launch ("videotestsrc num-buffers=3 ! "
      "video/x-raw,format=I420,width=32,height=24 ! anysr name=sr scale=1.5 "
      "! video/x-raw,width=48,height=36 ! fakesink", NULL);
  fail_unless (pipeline != NULL);
  sr = gst_bin_get_by_name (GST_BIN (pipeline), "sr");
  for (i = 0; i < 3; i++) {
    run_pipeline_to_eos (pipeline);
    /* to READY only: the device stays open */
    fail_unless_equals_int (gst_element_set_state (pipeline,
            GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    run_pipeline_to_eos (pipeline);
    fail_unless_equals_int (gst_element_set_state (pipeline,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref (sr);
  gst_object_unref (pipeline);

  /* harnesses created and torn down with frames in between */
  for (i = 0; i < 3; i++) {
    hr = harness_new (0, "BGRx", 16, 12, NULL);
    push_flat_and_check (hr, rgb_flat, 32, 24, 1);
    gst_harness_teardown (hr);
  }

  /* two elements with engines of their own at once */
  pipeline = gst_parse_launch ("videotestsrc num-buffers=3 ! "
      "video/x-raw,format=RGBA,width=16,height=12 ! anysr scale=1.5 "
      "! anysr ! video/x-raw,width=60,height=40 ! fakesink", NULL);
  run_pipeline_to_eos (pipeline);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* The "stats" property of @element (transfer full), failing when unset. */
static GstStructure *
get_stats (GstElement * element)
{
  GstStructure *st = NULL;

  g_object_get (element, "stats", &st, NULL);
  fail_unless (st != NULL, "no stats");
  return st;
}

static gint
stats_int (const GstStructure * st, const gchar * field)
{
  gint v = -100;

  fail_unless (gst_structure_get_int (st, field, &v), "no int %s in %"
      GST_PTR_FORMAT, field, st);
  return v;
}

static guint64
stats_uint64 (const GstStructure * st, const gchar * field)
{
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (st, field, &v), "no uint64 %s in %"
      GST_PTR_FORMAT, field, st);
  return v;
}

static guint
stats_uint (const GstStructure * st, const gchar * field)
{
  guint v = 0;

  fail_unless (gst_structure_get_uint (st, field, &v), "no uint %s in %"
      GST_PTR_FORMAT, field, st);
  return v;
}

static gdouble
stats_double (const GstStructure * st, const gchar * field)
{
  gdouble v = -1.0;

  fail_unless (gst_structure_get_double (st, field, &v), "no double %s in %"
      GST_PTR_FORMAT, field, st);
  return v;
}

/* Runs @pipeline to EOS; returns the anysr-stats structures posted (a list
 * of GstStructure, transfer full). */
static GList *
run_pipeline_collect_stats (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GList *stats = NULL;
  gboolean done = FALSE;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while (!done) {
    msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
    fail_unless (msg != NULL, "timeout");
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR:{
        GError *err = NULL;
        gchar *dbg = NULL;

        gst_message_parse_error (msg, &err, &dbg);
        fail ("error: %s (%s)", err->message, dbg);
        break;
      }
      case GST_MESSAGE_EOS:
        done = TRUE;
        break;
      default:
        if (gst_message_has_name (msg, "anysr-stats"))
          stats = g_list_append (stats,
              gst_structure_copy (gst_message_get_structure (msg)));
        break;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);

  return stats;
}

/* Short pipelines at x2.5 and at (1.5, 2.0) in every format: output sizes,
 * the subnet the scale group allows, a stats message per frame. */
GST_START_TEST (test_formats_pipelines)
{
  const gchar *formats[] = { "RGBA", "BGRA", "RGBx", "BGRx", "I420", "NV12",
    "P010_10LE", "I420_10LE", "RGB10A2_LE", "BGR10A2_LE"
  };
  /* scale x2.5 from the property; (1.5, 2.0) from downstream caps */
  const struct
  {
    const gchar *sr, *out;
    gint ow, oh;
  } cases[] = {
    {"scale=2.5", "video/x-raw", 40, 30},
    {"", "video/x-raw,width=24,height=24", 24, 24},
  };
  guint f, c;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (c = 0; c < G_N_ELEMENTS (cases); c++) {
      gchar *desc = g_strdup_printf ("videotestsrc num-buffers=2 "
          "pattern=smpte ! video/x-raw,format=%s,width=16,height=12,"
          "framerate=30/1 ! anysr name=sr stats-interval=1 %s ! %s ! "
          "fakesink", formats[f], cases[c].sr, cases[c].out);
      GstElement *pipeline = gst_parse_launch (desc, NULL);
      GstElement *sr;
      GList *stats;
      GstStructure *last;
      gint current = -2;

      GST_INFO ("%s", desc);
      fail_unless (pipeline != NULL);
      sr = gst_bin_get_by_name (GST_BIN (pipeline), "sr");
      stats = run_pipeline_collect_stats (pipeline);
      /* stats-interval=1: one message per frame */
      fail_unless_equals_int (g_list_length (stats), 2);
      last = g_list_last (stats)->data;
      fail_unless_equals_int (stats_int (last, "in-width"), 16);
      fail_unless_equals_int (stats_int (last, "in-height"), 12);
      fail_unless_equals_int (stats_int (last, "out-width"), cases[c].ow);
      fail_unless_equals_int (stats_int (last, "out-height"), cases[c].oh);
      fail_unless_equals_int (stats_uint64 (last, "frames"), 2);
      /* subnet -1: the scale group's cap; max(sx, sy) = 2.5 and 2.0 are
       * in the group <= 2.5 (subnet 2 of the default model's ladder) */
      fail_unless_equals_int (stats_int (last, "subnet"),
          stats_int (last, "subnet-cap"));
      fail_unless_equals_int (stats_int (last, "subnet-cap"), 2);
      fail_unless_equals_string (gst_structure_get_string (last, "decoder"),
          "routed");
      g_object_get (sr, "current-subnet", &current, NULL);
      fail_unless_equals_int (current, 2);
      g_list_free_full (stats, (GDestroyNotify) gst_structure_free);
      gst_object_unref (sr);
      gst_object_unref (pipeline);
      g_free (desc);
    }
  }
}

GST_END_TEST;

/* Pushes one RGBA frame and returns the stats of the element after it. */
static GstStructure *
push_and_stats (GstHarness * hr)
{
  push_flat_and_check (hr, rgb_flat, -1, -1, -1);
  return get_stats (hr->element);
}

/* The target anysr's stats report after @desc (with an anysr named sr) ran
 * to EOS: 0 when it did not adapt. */
static gdouble
auto_target (const gchar * desc)
{
  GstElement *pipeline = gst_parse_launch (desc, NULL), *sr;
  GstMessage *msg;
  GstStructure *st = NULL;
  gdouble fps = -1.0;

  fail_unless (pipeline != NULL, "%s", desc);
  sr = gst_bin_get_by_name (GST_BIN (pipeline), "sr");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS, "%s", desc);
  gst_message_unref (msg);
  g_object_get (sr, "stats", &st, NULL);
  fail_unless (st != NULL, "%s: no stats", desc);
  fail_unless (gst_structure_get_double (st, "target-fps", &fps));
  GST_INFO ("%s: target %g", desc, fps);
  gst_structure_free (st);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sr);
  gst_object_unref (pipeline);
  return fps;
}

/* target-fps auto, the default (docs/element.md#holding-a-frame-rate):
 * adapts to the caps' rate when the source is live or the sink downstream
 * syncs to the clock (through a queue and a converter too), not for a
 * file converted to a sink that does not sync; a harness is live. */
GST_START_TEST (test_target_fps_auto)
{
  const gchar *src = "videotestsrc num-buffers=3 ! "
      "video/x-raw,format=RGBA,width=16,height=12,framerate=25/1";
  gchar *d;
  GstHarness *hr;
  GstStructure *st;

  /* what follows anysr -> the frame rate auto holds (0: no adaptation) */
  static const struct
  {
    const gchar *downstream;
    gdouble target;
  } cases[] = {
    {"fakesink sync=false", 0.0},
    {"fakesink sync=true", 25.0},
    {"queue ! videoconvert ! fakesink sync=true", 25.0},
    {"tee ! fakesink sync=false", 0.0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    d = g_strdup_printf ("%s ! anysr name=sr ! %s", src, cases[i].downstream);
    fail_unless_equals_float (auto_target (d), cases[i].target);
    g_free (d);
  }
  d = g_strdup_printf ("videotestsrc is-live=true num-buffers=3 ! "
      "video/x-raw,format=RGBA,width=16,height=12,framerate=25/1 ! "
      "anysr name=sr ! fakesink sync=false");
  fail_unless_equals_float (auto_target (d), 25.0);
  g_free (d);
  /* -1 forces no adaptation with a syncing sink */
  d = g_strdup_printf ("%s ! anysr name=sr target-fps=-1 ! fakesink "
      "sync=true", src);
  fail_unless_equals_float (auto_target (d), 0.0);
  g_free (d);

  hr = gst_harness_new ("anysr");
  gst_harness_set_src_caps_str (hr,
      "video/x-raw,format=RGBA,width=16,height=12,framerate=30/1");
  st = push_and_stats (hr);
  fail_unless_equals_float (stats_double (st, "target-fps"), 30.0);
  fail_unless (gst_structure_get_string (st, "qos-reason") != NULL);
  gst_structure_free (st);
  gst_harness_teardown (hr);
}

GST_END_TEST;

/* subnet, decoder and k reach the engine; scale groups cap the subnet. */
GST_START_TEST (test_subnet_decoder_k)
{
  GstHarness *hr;
  GstStructure *st;
  gdouble default_k;
  gint n;

  /* x2.5: cap 2 */
  hr = harness_new (2.5, "RGBA", 16, 12, NULL);
  st = push_and_stats (hr);
  n = stats_int (st, "subnets");
  fail_unless (n >= 3, "the default model has %d subnets", n);
  fail_unless_equals_int (stats_int (st, "subnet-cap"), 2);
  fail_unless_equals_int (stats_int (st, "subnet"), 2);
  fail_unless_equals_string (gst_structure_get_string (st, "decoder"),
      "routed");
  default_k = stats_double (st, "k");
  fail_unless (isfinite (default_k));
  /* no adaptation (target-fps -1, harness_new()) */
  fail_unless_equals_float (stats_double (st, "target-fps"), 0.0);
  fail_unless_equals_float (stats_double (st, "budget-ms"), 0.0);
  gst_structure_free (st);

  g_object_set (hr->element, "subnet", 0, NULL);
  st = push_and_stats (hr);
  fail_unless_equals_int (stats_int (st, "subnet"), 0);
  /* after (subnet 0, light): (subnet 0, routed) is point 1, or with a
   * depth adapter one of its depth points (test_qos.c, test_engine_qos.c) */
  fail_unless (stats_int (st, "op") >= 1);
  gst_structure_free (st);

  /* above the cap: runs as asked; above the model's largest: the largest */
  g_object_set (hr->element, "subnet", n - 1, NULL);
  st = push_and_stats (hr);
  fail_unless_equals_int (stats_int (st, "subnet"), n - 1);
  fail_unless_equals_int (stats_int (st, "subnet-cap"), 2);
  gst_structure_free (st);
  g_object_set (hr->element, "subnet", 1000, NULL);
  st = push_and_stats (hr);
  fail_unless_equals_int (stats_int (st, "subnet"), n - 1);
  gst_structure_free (st);

  g_object_set (hr->element, "subnet", 1, "k", 0.5, NULL);
  st = push_and_stats (hr);
  fail_unless_equals_int (stats_int (st, "subnet"), 1);
  fail_unless_equals_float (stats_double (st, "k"), 0.5);
  gst_structure_free (st);
  /* -1: the model's default again */
  g_object_set (hr->element, "k", -1.0, NULL);
  st = push_and_stats (hr);
  fail_unless_equals_float (stats_double (st, "k"), default_k);
  gst_structure_free (st);

  gst_util_set_object_arg (G_OBJECT (hr->element), "decoder", "heavy");
  st = push_and_stats (hr);
  fail_unless_equals_string (gst_structure_get_string (st, "decoder"), "heavy");
  fail_unless_equals_float (stats_double (st, "heavy-fraction"), 1.0);
  gst_structure_free (st);
  gst_util_set_object_arg (G_OBJECT (hr->element), "decoder", "light");
  st = push_and_stats (hr);
  fail_unless_equals_string (gst_structure_get_string (st, "decoder"), "light");
  fail_unless_equals_float (stats_double (st, "heavy-fraction"), 0.0);
  fail_unless (stats_double (st, "gpu-ms") > 0.0);
  fail_unless (stats_double (st, "macs") > 0.0 || check_values ());
  gst_structure_free (st);
  gst_harness_teardown (hr);

  /* x1.5: cap 1; (1.0, 3.0): max 3.0, the full subnet */
  hr = harness_new (1.5, "RGBA", 16, 12, NULL);
  st = push_and_stats (hr);
  fail_unless_equals_int (stats_int (st, "subnet-cap"), 1);
  fail_unless_equals_int (stats_int (st, "subnet"), 1);
  gst_structure_free (st);
  gst_harness_teardown (hr);
  hr = harness_new (0, "RGBA", 16, 12, "video/x-raw,width=16,height=36");
  st = push_and_stats (hr);
  fail_unless_equals_int (stats_int (st, "subnet-cap"), n - 1);
  fail_unless_equals_int (stats_int (st, "subnet"), n - 1);
  gst_structure_free (st);
  gst_harness_teardown (hr);
}

GST_END_TEST;

/* anysr-stats messages: on the first frame, on every change of operating
 * point and every stats-interval frames; current-subnet is notified. */
GST_START_TEST (test_stats_messages)
{
  GstHarness *hr = harness_new (2.0, "RGBA", 16, 12, NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  const gchar *expect[] = { "switch", NULL, NULL, "interval", NULL, NULL,
    "interval", "switch", NULL, NULL
  };
  gint i, notified = 0;

  gst_element_set_bus (hr->element, bus);
  g_object_set (hr->element, "stats-interval", 3, NULL);
  g_signal_connect (hr->element, "notify::current-subnet",
      G_CALLBACK (count_notify), &notified);
  for (i = 0; i < (gint) G_N_ELEMENTS (expect); i++) {
    if (i == 7)
      g_object_set (hr->element, "subnet", 0, NULL);
    push_flat_and_check (hr, rgb_flat, 32, 24, -1);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
    if (expect[i]) {
      const GstStructure *st;

      fail_unless (msg != NULL, "frame %d: no message", i);
      fail_unless (gst_message_has_name (msg, "anysr-stats"));
      fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (hr->element));
      st = gst_message_get_structure (msg);
      GST_INFO ("frame %d: %" GST_PTR_FORMAT, i, st);
      fail_unless_equals_string (gst_structure_get_string (st, "reason"),
          expect[i]);
      fail_unless_equals_int (stats_uint64 (st, "frames"), i + 1);
      fail_unless_equals_int (stats_uint64 (st, "weight-uploads"), 1);
      fail_unless (stats_uint64 (st, "pipelines-created") > 0);
      fail_unless (gst_structure_has_field (st, "fps-estimate"));
      fail_unless (gst_structure_has_field (st, "switches"));
      fail_unless (gst_structure_has_field (st, "budget-ms"));
      fail_unless (gst_structure_has_field (st, "wall-ms"));
      fail_unless (gst_structure_has_field (st, "buffer-allocations"));
      /* at fixed depth (target 1: no depth adapter) every block runs; with
       * the model's default target below 1, fewer on average */
      if (stats_double (st, "depth-target") == 1.0) {
        fail_unless_equals_float (stats_double (st, "macs-skipped"), 0.0);
        if (!check_values ())
          fail_unless_equals_float (stats_double (st, "mean-depth"),
              stats_uint (st, "depth"));
      } else {
        fail_unless (stats_double (st, "depth-target") > 0.0);
        fail_unless (stats_double (st, "mean-depth") <= stats_uint (st,
                "depth"));
        fail_unless (stats_double (st, "macs-skipped") >= 0.0);
      }
      gst_message_unref (msg);
    } else {
      fail_unless (msg == NULL, "frame %d: unexpected message", i);
    }
  }
  /* two values: the cap, then 0 */
  fail_unless_equals_int (notified, 2);

  /* 0: only on changes */
  g_object_set (hr->element, "stats-interval", 0, NULL);
  for (i = 0; i < 4; i++)
    push_flat_and_check (hr, rgb_flat, 32, 24, -1);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);

  gst_element_set_bus (hr->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (hr);
}

GST_END_TEST;

/* The default model's file, for model-location. */
static const gchar *
test_model_path (void)
{
  const gchar *path = g_getenv ("ANYSR_TEST_MODEL");

  fail_unless (path != NULL && g_file_test (path, G_FILE_TEST_EXISTS),
      "ANYSR_TEST_MODEL does not name the default model");
  return path;
}

/* Sets @e (with a bus) to @state, expects the change to fail and an error
 * message that contains @what (and @path); the process goes on, @e stays in
 * the state before. */
static void
expect_model_error (GstElement * e, GstBus * bus, GstState state,
    const gchar * path, const gchar * what)
{
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  fail_unless_equals_int (gst_element_set_state (e, state),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message for %s", path);
  gst_message_parse_error (msg, &err, &dbg);
  GST_INFO ("error: %s (%s)", err->message, dbg);
  fail_unless (err->domain == GST_RESOURCE_ERROR);
  fail_unless (strstr (err->message, path) != NULL,
      "error \"%s\" does not name the file", err->message);
  fail_unless (strstr (err->message, what) != NULL,
      "error \"%s\" does not say \"%s\"", err->message, what);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
}

/* device beyond the devices present: the error says so and how many exist,
 * with no driver-installation hint */
GST_START_TEST (test_device_out_of_range)
{
  GstElement *e = gst_element_factory_make ("anysr", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  gst_element_set_bus (e, bus);
  g_object_set (e, "device", 99, NULL);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, &dbg);
  GST_INFO ("error: %s", err->message);
  fail_unless (strstr (err->message, "index 99") != NULL &&
      strstr (err->message, "out of range") != NULL &&
      strstr (err->message, "device(s) exist") != NULL &&
      strstr (err->message, "Install") == NULL, "error \"%s\"", err->message);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;

/* model-location: the default model from its file, broken files refused
 * with a message naming the problem, a change in READY. */
GST_START_TEST (test_model_location)
{
  const gchar *good = test_model_path ();
  gchar *dir, *bad_tensor, *truncated, *garbage, *missing, *fifo, *contents;
  gsize len;
  gchar *hit;
  GstHarness *hr;
  GstElement *e;
  GstBus *bus;
  GstStructure *st;

  dir = g_dir_make_tmp ("anysr-test-XXXXXX", NULL);
  fail_unless (dir != NULL);
  bad_tensor = g_build_filename (dir, "bad-tensor.safetensors", NULL);
  truncated = g_build_filename (dir, "truncated.safetensors", NULL);
  garbage = g_build_filename (dir, "garbage.safetensors", NULL);
  missing = g_build_filename (dir, "missing.safetensors", NULL);
  fifo = g_build_filename (dir, "model.fifo", NULL);

  fail_unless (g_file_get_contents (good, &contents, &len, NULL));
  /* the header names a tensor the loader needs under another name */
  /* (after the 8-byte header length, which holds zero bytes) */
  hit = g_strstr_len (contents + 8, MIN (len - 8, 65536), "\"dec.cls.bias\"");
  fail_unless (hit != NULL);
  hit[12] = '_';
  fail_unless (g_file_set_contents (bad_tensor, contents, len, NULL));
  hit[12] = 's';
  fail_unless (g_file_set_contents (truncated, contents, len / 2, NULL));
  fail_unless (g_file_set_contents (garbage, "this is not a model", -1, NULL));
  g_free (contents);

  /* the default model, from its file */
  e = gst_element_factory_make ("anysr", NULL);
  g_object_set (e, "model-location", good, "scale", 2.5, NULL);
  hr = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (hr,
      "video/x-raw,format=RGBA,width=16,height=12,framerate=30/1");
  push_flat_and_check (hr, rgb_flat, 40, 30, 1);
  st = get_stats (hr->element);
  fail_unless_equals_int (stats_uint64 (st, "weight-uploads"), 1);
  gst_structure_free (st);
  gst_harness_teardown (hr);

  /* broken files: the change to READY fails, the error names the problem */
  e = gst_element_factory_make ("anysr", NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (e, bus);
  g_object_set (e, "model-location", bad_tensor, NULL);
  expect_model_error (e, bus, GST_STATE_READY, bad_tensor, "dec.cls.bias");
  g_object_set (e, "model-location", truncated, NULL);
  expect_model_error (e, bus, GST_STATE_READY, truncated, "");
  g_object_set (e, "model-location", garbage, NULL);
  expect_model_error (e, bus, GST_STATE_READY, garbage, "");
  g_object_set (e, "model-location", missing, NULL);
  expect_model_error (e, bus, GST_STATE_READY, missing, "");
  /* not a regular file: refused at once (a FIFO without waiting for a
   * writer) */
  g_object_set (e, "model-location", dir, NULL);
  expect_model_error (e, bus, GST_STATE_READY, dir, "is a directory");
  fail_unless (mkfifo (fifo, 0600) == 0);
  g_object_set (e, "model-location", fifo, NULL);
  expect_model_error (e, bus, GST_STATE_READY, fifo, "FIFO");
  g_unlink (fifo);

  /* changed in READY: loaded on READY -> PAUSED */
  g_object_set (e, "model-location", NULL, NULL);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_set (e, "model-location", bad_tensor, NULL);
  expect_model_error (e, bus, GST_STATE_PAUSED, bad_tensor, "dec.cls.bias");
  /* still READY (without an engine): another file, and on */
  fail_unless_equals_int (GST_STATE (e), GST_STATE_READY);
  g_object_set (e, "model-location", good, NULL);
  fail_unless (gst_element_set_state (e, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE);
  /* not in PAUSED: the value stays */
  g_object_set (e, "model-location", garbage, NULL);
  {
    gchar *now = NULL;

    g_object_get (e, "model-location", &now, NULL);
    fail_unless_equals_string (now, good);
    g_free (now);
  }
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);

  /* in a pipeline: stops with an error, no crash */
  {
    gchar *desc = g_strdup_printf ("videotestsrc num-buffers=2 ! "
        "video/x-raw,width=16,height=12 ! anysr model-location=\"%s\" ! "
        "fakesink", bad_tensor);
    GstElement *pipeline = gst_parse_launch (desc, NULL);
    GstMessage *msg;

    fail_unless (pipeline != NULL);
    bus = gst_element_get_bus (pipeline);
    fail_unless_equals_int (gst_element_set_state (pipeline,
            GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (msg != NULL);
    gst_message_unref (msg);
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (bus);
    gst_object_unref (pipeline);
    g_free (desc);
  }

  g_unlink (bad_tensor);
  g_unlink (truncated);
  g_unlink (garbage);
  g_rmdir (dir);
  g_free (bad_tensor);
  g_free (truncated);
  g_free (garbage);
  g_free (fifo);
  g_free (missing);
  g_free (dir);
}

GST_END_TEST;

/* A model with a depth adapter (tests/model/model_writer.h, random
 * weights) in a new temporary folder; returns its path (mw_remove_temp() it). */
static gchar *
write_adapter_model (void)
{
  MwArch a = mw_adapter_arch ();
  gchar *path = mw_write_temp (&a, "adapter.safetensors");

  fail_unless (path != NULL);
  return path;
}

/* depth-target with a model that has a depth adapter: the anysr-stats
 * messages of a pipeline carry the target it ran, the mean depth and the
 * MACs skipped; while playing, another target is another operating point
 * (a "switch" message); 0 is the model's default (0.65), 1 fixed depth.
 * Mean depth below the subnet's and MACs skipped on every frame (the
 * device counted the blocks each tile ran). On the bicubic build no network
 * runs: depth-target 1, nothing skipped. */
GST_START_TEST (test_depth_target_model)
{
  gchar *model = write_adapter_model ();
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=3 pattern=smpte ! "
      "video/x-raw,format=RGBA,width=16,height=12,framerate=30/1 ! anysr "
      "model-location=\"%s\" scale=2 depth-target=0.5 stats-interval=1 ! "
      "fakesink", model);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GList *stats, *l;
  GstHarness *hr;
  GstElement *e;
  GstBus *bus;
  GstMessage *msg;
  GstStructure *st;
  gint counted = 0;

  fail_unless (pipeline != NULL);
  stats = run_pipeline_collect_stats (pipeline);
  fail_unless_equals_int (g_list_length (stats), 3);
  for (l = stats; l; l = l->next) {
    gdouble target = stats_double (l->data, "depth-target");
    gdouble mean = stats_double (l->data, "mean-depth");
    gdouble skipped = stats_double (l->data, "macs-skipped");
    guint depth = 0;

    fail_unless (gst_structure_get_uint (l->data, "depth", &depth));
    GST_INFO ("%" GST_PTR_FORMAT, l->data);
    if (check_values ()) {
      fail_unless_equals_float (target, 1.0);
      fail_unless_equals_float (skipped, 0.0);
      continue;
    }
    fail_unless_equals_float (target, 0.5);
    fail_unless (mean >= 0.0 && mean <= depth, "mean depth %g of %u", mean,
        depth);
    fail_unless (skipped >= 0.0 && skipped < 1.0);
    if (mean > 0.0) {
      /* the net's spatial depth: fewer blocks, MACs skipped */
      counted++;
      fail_unless (mean < depth && skipped > 0.0, "depth-target 0.5: mean "
          "depth %g of %u, %g of the MACs skipped", mean, depth, skipped);
    }
  }
  g_print ("depth-target 0.5: %d of 3 frames with blocks counted by the "
      "device\n", counted);
  /* this input and adapter give every frame a non-zero depth somewhere */
  if (!check_values ())
    fail_unless_equals_int (counted, 3);
  g_list_free_full (stats, (GDestroyNotify) gst_structure_free);
  gst_object_unref (pipeline);
  g_free (desc);

  /* while playing: 0 (the model's 0.65), 1 (fixed), back to 0.5 */
  e = gst_element_factory_make ("anysr", NULL);
  bus = gst_bus_new ();
  gst_element_set_bus (e, bus);
  g_object_set (e, "model-location", model, "scale", 2.0, "stats-interval",
      0, "target-fps", -1.0, NULL);
  hr = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (hr,
      "video/x-raw,format=RGBA,width=16,height=12,framerate=30/1");
  {
    const gdouble set[] = { 0.0, 1.0, 0.5 }, want[] = { 0.65, 1.0, 0.5 };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (set); i++) {
      g_object_set (hr->element, "depth-target", set[i], NULL);
      push_flat_and_check (hr, rgb_flat, 32, 24, -1);
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
      /* (the bicubic build runs no depth target: maybe no switch) */
      fail_unless (msg != NULL || check_values (), "depth-target %g: no "
          "message", set[i]);
      if (msg && !check_values ())
        fail_unless_equals_string (gst_structure_get_string
            (gst_message_get_structure (msg), "reason"), "switch");
      if (msg)
        gst_message_unref (msg);
      st = get_stats (hr->element);
      if (!check_values ()) {
        fail_unless_equals_float (stats_double (st, "depth-target"), want[i]);
        if (want[i] == 1.0) {
          fail_unless_equals_float (stats_double (st, "mean-depth"),
              stats_uint (st, "depth"));
          fail_unless_equals_float (stats_double (st, "macs-skipped"), 0.0);
        }
      }
      gst_structure_free (st);
    }
    /* the same again: no message */
    push_flat_and_check (hr, rgb_flat, 32, 24, -1);
    fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);
  }
  gst_element_set_bus (hr->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (hr);
  mw_remove_temp (model);
}

GST_END_TEST;

static Suite *
anysr_suite (void)
{
  Suite *s = suite_create ("anysr");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_size_from_downstream_caps);
  tcase_add_test (tc, test_size_from_scale_property);
  tcase_add_test (tc, test_every_format);
  tcase_add_test (tc, test_ten_bit_caps_and_values);
  tcase_add_test (tc, test_fractional_and_asymmetric_sizes);
  tcase_add_test (tc, test_first_servable_structure);
  tcase_add_test (tc, test_output_is_interpolated);
  tcase_add_test (tc, test_input_size_change);
  tcase_add_test (tc, test_scale_change_while_playing);
  tcase_add_test (tc, test_passthrough_same_size);
  tcase_add_test (tc, test_refused_sizes);
  tcase_add_test (tc, test_refused_scale_property);
  tcase_add_test (tc, test_refused_double_properties);
  tcase_add_test (tc, test_refused_property_while_playing);
  tcase_add_test (tc, test_refused_format);
  tcase_add_test (tc, test_start_stop_cycles);
  tcase_add_test (tc, test_formats_pipelines);
  tcase_add_test (tc, test_subnet_decoder_k);
  tcase_add_test (tc, test_stats_messages);
  tcase_add_test (tc, test_target_fps_auto);
  tcase_add_test (tc, test_model_location);
  tcase_add_test (tc, test_depth_target_model);
  tcase_add_test (tc, test_device_out_of_range);

  return s;
}

GST_CHECK_MAIN (anysr);
