/*
 * The helpers the element tests (GstCheck + GstHarness) share: the video
 * info of the caps on either side of a harness. Header-only, beside
 * asr_test.h (the library tests' checks); include it after
 * <gst/check/gstcheck.h> and <gst/check/gstharness.h>.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_GST_TEST_H
#define ANYSR_GST_TEST_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

/* The video info of the caps currently on the harness' input. */
static inline void
harness_in_info (GstHarness * hr, GstVideoInfo * info)
{
  GstCaps *caps = gst_pad_get_current_caps (hr->srcpad);

  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (info, caps));
  gst_caps_unref (caps);
}

/* The video info of the caps the element negotiated downstream. */
static inline void
harness_out_info (GstHarness * hr, GstVideoInfo * info)
{
  GstCaps *caps = gst_pad_get_current_caps (hr->sinkpad);

  fail_unless (caps != NULL, "no output caps");
  fail_unless (gst_video_info_from_caps (info, caps));
  gst_caps_unref (caps);
}

#endif
