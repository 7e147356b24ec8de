/* GStreamer anysr element: caps negotiation (gstanysrcaps.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not installed; nothing here is API.
 */
#ifndef __GST_ANY_SR_CAPS_H__
#define __GST_ANY_SR_CAPS_H__

#include "gstanysrpriv.h"

G_BEGIN_DECLS

/* after the base class refused @caps: the element error that says why */
void gst_any_sr_caps_log_refusal (GstAnySr * self, GstCaps * caps);
/* GstBaseTransform::accept_caps after the base class accepted @caps:
 * FALSE for VulkanImage at widths gst-vulkan's copies shear (on the sink
 * pad with the element error that says why) */
gboolean gst_any_sr_caps_accept (GstAnySr * self, GstPadDirection direction,
    GstCaps * caps);
/* GstBaseTransform::transform_caps */
GstCaps *gst_any_sr_caps_transform (GstAnySr * self,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter);
/* GstBaseTransform::fixate_caps for the output; NULL (@othercaps
 * untouched) when the base class' fixation applies */
GstCaps *gst_any_sr_caps_fixate (GstAnySr * self, GstPadDirection direction,
    GstCaps * caps, GstCaps * othercaps);
/* on READY to PAUSED: FALSE, with the element error posted, when the caps
 * the neighbours can offer rule out every format and size anysr serves */
gboolean gst_any_sr_caps_check_neighbours (GstAnySr * self);
/* GstVideoFilter::set_info: refusals, the CPU scaler or the engine
 * configured for the caps */
gboolean gst_any_sr_caps_set_info (GstAnySr * self, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info);
/* the planes of a mapped frame, for the engine */
void gst_any_sr_caps_frame_planes (GstVideoFrame * vframe, AsrFrame * frame);

G_END_DECLS

#endif /* __GST_ANY_SR_CAPS_H__ */
