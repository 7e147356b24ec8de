/* GStreamer anysr element: the engine's life (gstanysrengine.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not installed; nothing here is API.
 */
#ifndef __GST_ANY_SR_ENGINE_H__
#define __GST_ANY_SR_ENGINE_H__

#include "gstanysrpriv.h"

G_BEGIN_DECLS

/* when gst_any_sr_engine_ensure() is called */
typedef enum
{
  GST_ANY_SR_ENSURE_OPEN,       /* NULL -> READY: open the engine */
  GST_ANY_SR_ENSURE_START,      /* READY -> PAUSED: reopen it for a new
                                 * model-location or a neighbour's device */
  GST_ANY_SR_ENSURE_VULKAN_IMAGE,       /* set_info() with VulkanImage caps:
                                         * the engine on a peer's device */
} GstAnySrEnsure;

typedef enum
{
  GST_ANY_SR_ENGINE_OK,         /* as asked (the engine, or the CPU scaler) */
  GST_ANY_SR_ENGINE_ERROR,      /* an element error was posted */
  GST_ANY_SR_ENGINE_NO_PEER,    /* VulkanImage: no peer has a Vulkan device
                                 * with a compute queue */
} GstAnySrEngineResult;

/* The one entry that opens or reopens the engine and looks for a Vulkan
 * device; from the state changes and set_info() only. */
GstAnySrEngineResult gst_any_sr_engine_ensure (GstAnySr * self,
    GstAnySrEnsure when);
/* READY -> NULL: the engine, the CPU scaler and the neighbours' device */
void gst_any_sr_engine_close (GstAnySr * self);

/* the neighbours' Vulkan device through GstContext: a context handed to
 * the element, and the context queries it answers (TRUE: answered);
 * nothing without gstreamer-vulkan-1.0 */
void gst_any_sr_engine_set_context (GstAnySr * self, GstContext * context);
gboolean gst_any_sr_engine_query (GstAnySr * self, GstQuery * query);

/* the CPU scaler (no usable Vulkan device): configure it for @in_info ->
 * @out_info (FALSE: an element error was posted), and a frame through it */
gboolean gst_any_sr_engine_cpu_configure (GstAnySr * self,
    const GstVideoInfo * in_info, const GstVideoInfo * out_info);
/* the CPU scaler as the engine's floor (asr_engine_set_host_floor()) */
void gst_any_sr_engine_floor_configure (GstAnySr * self,
    const GstVideoInfo * in_info, const GstVideoInfo * out_info);
void gst_any_sr_engine_floor_frame (GstAnySr * self,
    GstVideoFrame * in_frame, GstVideoFrame * out_frame);
GstFlowReturn gst_any_sr_engine_cpu_frame (GstAnySr * self,
    GstVideoFrame * in_frame, GstVideoFrame * out_frame);
/* the device was lost while streaming (fallback on): the CPU scaler takes
 * over, from this frame on; FALSE when it could not */
gboolean gst_any_sr_engine_lose_device (GstAnySr * self,
    GstVideoFrame * in_frame, GstVideoFrame * out_frame);

G_END_DECLS

#endif /* __GST_ANY_SR_ENGINE_H__ */
