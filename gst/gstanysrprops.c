/* GStreamer anysr element: which property values it can use, and the error
 * that names a bad one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstanysrprops.h"

/* The double properties have unbounded ranges (gstanysr.c) so that a bad
 * value reaches the element, which fails with an error naming it; these
 * are the values it can use. */
#define MAX_K 100.0
#define MAX_TARGET_FPS 1000.0
#define MIN_HEADROOM 0.5
#define MAX_HEADROOM 1.0

gboolean
gst_any_sr_props_scale_is_servable (gdouble scale)
{
  return scale >= ASR_SCALE_MIN && scale <= ASR_SCALE_MAX;
}

/* Why the values of the double properties cannot be used, or NULL when
 * they can (transfer full); the scale only @with_scale (while streaming, a
 * bad scale is refused by negotiation instead). Called with the object lock
 * held. */
gchar *
gst_any_sr_props_check_unlocked (GstAnySr * self, gboolean with_scale)
{
  if (with_scale && !gst_any_sr_props_scale_is_servable (self->scale))
    return g_strdup_printf ("anysr cannot scale by %g: the scale property "
        "must lie between %g and %g%s", self->scale, ASR_SCALE_MIN,
        ASR_SCALE_MAX, self->scale < ASR_SCALE_MIN && self->scale >= 0.0 ?
        " (use videoscale to shrink video)" : "");
  if (!(self->k == -1.0 || (self->k > -1.0 && self->k <= MAX_K)))
    return g_strdup_printf ("anysr cannot use k=%g: the k property must be "
        "-1 (the model's default) or lie above -1 up to %g", self->k, MAX_K);
  if (!(self->depth_target >= 0.0 && self->depth_target <= 1.0))
    return g_strdup_printf ("anysr cannot use depth-target=%g: the "
        "depth-target property must lie between 0 (the model's default) and "
        "1 (fixed depth)", self->depth_target);
  if (!(self->target_fps == GST_ANY_SR_TARGET_FPS_AUTO ||
          (self->target_fps >= -1.0 && self->target_fps <= MAX_TARGET_FPS)))
    return g_strdup_printf ("anysr cannot use target-fps=%g: the target-fps "
        "property must be -2 (auto), -1 (no adaptation), 0 (the caps' frame "
        "rate) or lie above 0 up to %g", self->target_fps, MAX_TARGET_FPS);
  if (!(self->headroom >= MIN_HEADROOM && self->headroom <= MAX_HEADROOM))
    return g_strdup_printf ("anysr cannot use headroom=%g: the headroom "
        "property must lie between %g and %g", self->headroom, MIN_HEADROOM,
        MAX_HEADROOM);
  return NULL;
}
