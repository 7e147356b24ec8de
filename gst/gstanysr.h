/* GStreamer anysr element: super-resolution at any fractional scale on Vulkan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ANY_SR_H__
#define __GST_ANY_SR_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

#include <anysr/anysr.h>

G_BEGIN_DECLS

#define GST_TYPE_ANY_SR (gst_any_sr_get_type ())
G_DECLARE_FINAL_TYPE (GstAnySr, gst_any_sr, GST, ANY_SR, GstVideoFilter);

/**
 * GstAnySr:
 *
 * Opaque instance structure of the anysr element.
 */
struct _GstAnySr
{
  GstVideoFilter parent;

  /* properties; protected by the object lock */
  gdouble scale;
  gint device;
  gchar *device_name;           /* NULL while no engine is open */

  /* the engine: created on NULL->READY, freed on READY->NULL, used by the
   * streaming thread in between */
  AsrEngine *engine;
  gchar *last_refusal;          /* why the last caps were refused */

  /* the last error-level message the engine logged, quoted in element
   * errors; protected by log_lock because the Vulkan driver may log from a
   * thread of its own */
  GMutex log_lock;
  gchar *last_engine_error;
};

GST_ELEMENT_REGISTER_DECLARE (anysr);

G_END_DECLS

#endif /* __GST_ANY_SR_H__ */
