/* GStreamer anysr element: which property values it can use
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not installed; nothing here is API.
 */
#ifndef __GST_ANY_SR_PROPS_H__
#define __GST_ANY_SR_PROPS_H__

#include "gstanysrpriv.h"

G_BEGIN_DECLS

/* TRUE when @scale lies in the range anysr serves */
gboolean gst_any_sr_props_scale_is_servable (gdouble scale);
/* why scale (only @with_scale), k, depth-target, target-fps or headroom
 * cannot be used (transfer full), or NULL; with the object lock held */
gchar *gst_any_sr_props_check_unlocked (GstAnySr * self,
    gboolean with_scale);

G_END_DECLS

#endif /* __GST_ANY_SR_PROPS_H__ */
