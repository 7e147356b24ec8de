/* GStreamer anysr element: what its files share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The element is split by concern:
 *   gstanysr.c      the type, properties, the engine's life (NULL <-> READY),
 *                   the frame loop
 *   gstanysrcaps.c  caps: formats, output size and pixel aspect, refusals,
 *                   the engine's configuration, mapping frames
 *   gstanysrqos.c   operating points handed to the engine, upstream QoS
 *                   events, the anysr-stats structure
 * Not installed; nothing here is API.
 */
#ifndef __GST_ANY_SR_PRIV_H__
#define __GST_ANY_SR_PRIV_H__

#include "gstanysr.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_any_sr_debug);
#define GST_CAT_DEFAULT gst_any_sr_debug

#define ANY_SR_FORMATS "{ RGBA, BGRA, RGBx, BGRx, I420, NV12, P010_10LE, I420_10LE, " \
    "RGB10A2_LE, BGR10A2_LE }"
#define ANY_SR_CAPS GST_VIDEO_CAPS_MAKE (ANY_SR_FORMATS)
/* GPU-resident frames (gst-vulkan, gstanysrvulkan.c) */
#define ANY_SR_VULKAN_FEATURE "memory:VulkanImage"
/* the 8-bit formats only: gst-vulkan 1.22 has no VkFormat for the 10-bit
 * ones (vulkanupload aborts in gst_vulkan_format_from_video_info) */
#define ANY_SR_VULKAN_FORMATS "{ RGBA, BGRA, RGBx, BGRx, I420, NV12 }"
#define ANY_SR_VULKAN_CAPS \
  GST_VIDEO_CAPS_MAKE_WITH_FEATURES (ANY_SR_VULKAN_FEATURE, \
      ANY_SR_VULKAN_FORMATS)

/* gstanysr.c */
GstBaseTransformClass *gst_any_sr_parent_transform_class (void);
gboolean gst_any_sr_scale_is_servable (gdouble scale);
/* why scale, k, depth-target, target-fps or headroom cannot be used (transfer full), or
 * NULL; with the object lock held */
gchar *gst_any_sr_bad_property_unlocked (GstAnySr * self,
    gboolean with_scale);
/* the last error-level message of the engine (transfer full, or NULL) */
gchar *gst_any_sr_take_engine_error (GstAnySr * self);
/* the CPU scaler (no usable Vulkan device): configure it for @in -> @out */
gboolean gst_any_sr_cpu_configure (GstAnySr * self, const GstVideoInfo * in,
    const GstVideoInfo * out);

/* gstanysrcaps.c: GstBaseTransform / GstVideoFilter vfuncs and helpers */
gboolean gst_any_sr_accept_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps);
GstCaps *gst_any_sr_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter);
GstCaps *gst_any_sr_fixate_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * othercaps);
gboolean gst_any_sr_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info);
AsrPixelFormat gst_any_sr_format_to_asr (GstVideoFormat format);
void gst_any_sr_frame_info (const GstVideoInfo * info, AsrFrameInfo * fi);
void gst_any_sr_frame_planes (GstVideoFrame * vframe, AsrFrame * frame);

/* gstanysrvulkan.c: the neighbours' GstVulkanDevice (self->vk_*) and
 * VulkanImage frames; stubs returning FALSE / ASR_ERROR_UNSUPPORTED in
 * builds without gstreamer-vulkan-1.0 */
gboolean gst_any_sr_vulkan_available (void);
void gst_any_sr_vulkan_set_context (GstAnySr * self, GstContext * context);
gboolean gst_any_sr_vulkan_query (GstAnySr * self, GstQuery * query);
gboolean gst_any_sr_vulkan_find (GstAnySr * self);
gboolean gst_any_sr_vulkan_find_peer (GstAnySr * self);
/* gstanysr.c: a new engine on the device found (close + open) */
gboolean gst_any_sr_reopen (GstAnySr * self);
void gst_any_sr_vulkan_close (GstAnySr * self);
AsrStatus gst_any_sr_vulkan_engine_new (GstAnySr * self,
    const AsrSettings * s, AsrEngine ** out);
gboolean gst_any_sr_is_vulkan_buffer (GstBuffer * buf);
gboolean gst_any_sr_caps_are_vulkan (GstCaps * caps);
gboolean gst_any_sr_vulkan_decide_allocation (GstAnySr * self,
    GstQuery * query);
gboolean gst_any_sr_vulkan_propose_allocation (GstAnySr * self,
    GstQuery * query);
AsrStatus gst_any_sr_vulkan_process (GstAnySr * self, const AsrFrame * in,
    AsrFrame * out);

/* gstanysrqos.c; the _unlocked one with the object lock held */
const gchar *gst_any_sr_decoder_nick (gint decoder);
GstStructure *gst_any_sr_stats_structure_unlocked (GstAnySr * self,
    const gchar * reason);
gboolean gst_any_sr_apply_op (GstAnySr * self);
gboolean gst_any_sr_src_event (GstBaseTransform * trans, GstEvent * event);

G_END_DECLS

#endif /* __GST_ANY_SR_PRIV_H__ */
