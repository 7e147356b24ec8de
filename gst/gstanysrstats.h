/* GStreamer anysr element: the anysr-stats structure (gstanysrstats.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not installed; nothing here is API.
 */
#ifndef __GST_ANY_SR_STATS_H__
#define __GST_ANY_SR_STATS_H__

#include "gstanysrpriv.h"

G_BEGIN_DECLS

/* the anysr-stats structure of the last frame; with the object lock held
 * and have_stats set */
GstStructure *gst_any_sr_stats_structure_unlocked (GstAnySr * self,
    const gchar * reason);
/* a new stream: no last frame */
void gst_any_sr_stats_reset (GstAnySr * self);
/* after a frame the engine ran: keep its stats, post anysr-stats when due */
void gst_any_sr_stats_update (GstAnySr * self, GstVideoFrame * in_frame,
    GstVideoFrame * out_frame);

G_END_DECLS

#endif /* __GST_ANY_SR_STATS_H__ */
