/* GStreamer anysr element: operating points and QoS events (gstanysrqos.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not installed; nothing here is API.
 */
#ifndef __GST_ANY_SR_QOS_H__
#define __GST_ANY_SR_QOS_H__

#include "gstanysrpriv.h"

G_BEGIN_DECLS

/* hands the operating-point properties to the engine when they changed
 * (FALSE: an element error was posted); streaming thread */
gboolean gst_any_sr_qos_apply_point (GstAnySr * self);
/* an event from downstream: TRUE when handled (result in @result), FALSE
 * when the base class is to handle it */
gboolean gst_any_sr_qos_src_event (GstAnySr * self, GstEvent * event,
    gboolean * result);

G_END_DECLS

#endif /* __GST_ANY_SR_QOS_H__ */
