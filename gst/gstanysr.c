/* GStreamer anysr element: super-resolution at any fractional scale on Vulkan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-anysr
 * @title: anysr
 *
 * anysr enlarges every frame of a video stream by any fractional scale
 * between 1 and 8 per axis, on a Vulkan device (a GPU, or Mesa's lavapipe
 * CPU device from the package mesa-vulkan-drivers). All pixel work happens in
 * libanysr, which runs its super-resolution network with the model embedded
 * in it; the element maps frames and calls it.
 *
 * The output size comes from downstream caps when they fix it, which gives a
 * per-axis scale (out width / in width, out height / in height); otherwise
 * the #GstAnySr:scale property multiplies both sides (rounded to whole
 * pixels). When the output size equals the input size the element works in
 * passthrough. The input and output formats are always the same: RGBA, BGRA,
 * RGBx, BGRx, I420, NV12, or the 10-bit P010_10LE, I420_10LE, RGB10A2_LE and
 * BGR10A2_LE (processed at full 10-bit precision), progressive. The
 * colorimetry (matrix, range, transfer, primaries), chroma siting and HDR
 * fields (mastering-display-info, content-light-level) pass from the input
 * caps to the output caps unchanged; YUV is converted with the matrix and
 * range of the caps (BT.601, BT.709 or BT.2020).
 *
 * Pixel aspect ratio: anysr keeps the display aspect ratio where it can.
 * When downstream fixes both width and height, the output pixel-aspect-ratio
 * is chosen so that the picture keeps its display aspect (for example
 * 1440x1080 at 4:3 pixels to 1920x1080 gives square pixels); when downstream
 * fixes one side only, the other side follows the display aspect; the
 * #GstAnySr:scale property keeps the pixel aspect ratio. A pixel aspect ratio
 * fixed by downstream always wins.
 *
 * Sizes that cannot be served (an output smaller than the input, or more
 * than 8 times larger on an axis) fail negotiation: the element posts an
 * error message that says why (with a hint to use videoscale after a
 * downscale) and upstream stops with not-negotiated. A #GstAnySr:scale
 * outside 1 to 8 (NaN and infinities included), and a #GstAnySr:k,
 * #GstAnySr:depth-target, #GstAnySr:target-fps or #GstAnySr:headroom outside
 * its range, make the change to READY fail with an error naming the property
 * and the value.
 *
 * Without a usable Vulkan device (none at the change to READY, or the
 * device lost while streaming), the element posts one warning message and
 * keeps the stream flowing with the GStreamer video library's CPU scaler
 * (#GstVideoConverter, bicubic, no super-resolution): negotiation is
 * unchanged; #GstAnySr:device-name is %NULL, #GstAnySr:current-subnet -1
 * and no anysr-stats message is posted while it runs. #GstAnySr:fallback
 * set to %FALSE makes the element fail with an error instead.
 *
 * ## The network and its operating points
 *
 * The network has nested sub-networks (subnets, cheapest first) that share
 * one set of weights, and three decoder modes (#GstAnySrDecoder). The larger
 * of the two axis scales caps the subnet (the model's scale groups; for the
 * default model up to 1.7 subnet 1, up to 2.5 subnet 2, above that the full
 * subnet 3): #GstAnySr:subnet -1 runs the cap; a fixed subnet runs as asked,
 * above the cap too (the cap bounds the automatic choice and the frame-rate
 * controller). A model with a depth adapter also runs a spatial depth
 * target (#GstAnySr:depth-target): each tile of the frame runs as many of
 * the subnet's residual blocks as its content needs, the share on average
 * about the target (the default model has none: every pixel runs every
 * block). #GstAnySr:model-location loads another model file instead of the one
 * embedded in the plugin; a file that is missing or broken makes the change
 * to READY fail with an error message that names the problem.
 *
 * ## Holding a frame rate
 *
 * By default (#GstAnySr:target-fps -2, auto) the element holds the frame
 * rate of the input caps when the stream plays in real time (a live source,
 * a sink downstream that syncs to the clock, or lateness reported
 * downstream) and runs every frame at the top point otherwise (a file
 * converted to a file); 0 always holds the caps' rate, -1 never adapts.
 * While it adapts, the engine picks, frame by frame, the best operating point whose predicted
 * time fits #GstAnySr:headroom times the frame budget (1 / target-fps): at
 * once one step down when a frame runs over the budget or downstream reports
 * lateness with a QoS event, one step up only after several frames with
 * room; the first frame runs the best point the device's probed speed
 * predicts to fit. The operating points are, cheapest first, the floor (no
 * network; subnet -2, decoder "bicubic" in anysr-stats): the CPU scaler or
 * the engine's bicubic pass, whichever is cheaper by measurement,
 * subnet 0 with the light decoder, then every subnet with the
 * #GstAnySr:decoder mode (with decoder=light: every subnet with the light
 * decoder); with a depth adapter every subnet comes with the model's depth
 * targets below #GstAnySr:depth-target and at it (ordered by cost, so a
 * larger subnet at a low target may come before a smaller one at its top);
 * #GstAnySr:subnet, when
 * not -1, is the highest subnet it may use. Dropping frames stays the last
 * resort: while adaptation is on, upstream QoS events reach the base class'
 * frame dropping (#GstBaseTransform:qos) only once the engine runs its
 * cheapest point or reports that even that misses the budget; before that
 * they only make the engine step down (the base class takes them as if on
 * time, and they go on upstream unchanged).
 *
 * The element posts an element message "anysr-stats" on the bus whenever the
 * operating point changes (the first frame included) and every
 * #GstAnySr:stats-interval frames; #GstAnySr:stats holds the same structure
 * for the last frame. Its fields: reason (string, "switch" or "interval"),
 * op (int, index of the operating point, cheapest 0, -1 outside the list),
 * subnet (int), subnets (int, of the model), subnet-cap (int, the scale
 * group's), width and depth (uint, of the subnet's encoder), decoder
 * (string, heavy, light or routed; bicubic for the floor, subnet -2), k (double), heavy-fraction (double,
 * share of output pixels on the heavy MLP), depth-target (double, the spatial
 * depth target the frame ran, 1 = every block on every pixel), mean-depth
 * (double, blocks the frame's input pixels ran on average, = depth at a
 * target of 1), macs-skipped (double, share of the subnet's encoder
 * multiply-adds the frame's depth map skipped, 0 at a target of 1), macs
 * (double, of the work that ran), gpu-ms and
 * wall-ms (double, of the last frame), target-fps (double, 0 = no
 * adaptation), budget-ms and predicted-ms (double, 0 without adaptation),
 * fps-estimate (double), budget-unmeetable (boolean), switches, frames,
 * frames-over-budget, weight-uploads, pipelines-created, buffer-allocations
 * (uint64, since the engine was created), device-bytes and device-bytes-peak
 * (uint64: memory of the engine's Vulkan buffers now and at most),
 * precision (string, fp16 or fp32), kernels (string, simt or coopmat: the
 * encoder's convolutions; ANYSR_KERNELS=simt|coopmat chooses), kernel-config
 * (string, the kernel configuration in use) and kernel-config-source (string:
 * built in, cached or tuned; docs/design.md#kernels), encoder-bands and decoder-bands (uint,
 * 1 when the frame ran untiled), in-width, in-height, out-width,
 * out-height (int) and pts (uint64, of the last frame's buffer). The
 * engine's decisions are logged at the DEBUG level of the "anysr" category
 * (GST_DEBUG=anysr:5).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240 ! anysr scale=2.5 ! videoconvert ! autovideosink
 * ]| Shows the test pattern enlarged 2.5 times, to 800x600.
 * |[
 * gst-launch-1.0 -m videotestsrc is-live=true ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! anysr scale=2 ! videoconvert ! autovideosink
 * ]| A live stream that holds 30 frames per second, the rate of its caps,
 * printing the anysr-stats messages.
 * |[
 * gst-launch-1.0 filesrc location=in.mp4 ! decodebin ! videoconvert ! anysr ! video/x-raw,width=1920,height=1080 ! videoconvert ! autovideosink
 * ]| Enlarges a video file to 1920x1080, whatever its size (up to 8 times per axis).
 * |[
 * gst-launch-1.0 playbin uri=file:///path/to/in.mp4 video-filter=anysr
 * ]| Plays a file enlarged twice.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>

#include "gstanysrpriv.h"
#include "gstanysrcaps.h"
#include "gstanysrengine.h"
#include "gstanysrqos.h"
#include "gstanysrstats.h"
#include "gstanysrvkquirks.h"
#include "gstanysrvulkan.h"

GST_DEBUG_CATEGORY (gst_any_sr_debug);

#define DEFAULT_SCALE 2.0
#define DEFAULT_DEVICE -1
#define DEFAULT_MODEL_LOCATION NULL
#define DEFAULT_SUBNET -1
#define DEFAULT_DECODER GST_ANY_SR_DECODER_ROUTED
#define DEFAULT_K -1.0
#define DEFAULT_DEPTH_TARGET 0.0
#define DEFAULT_TARGET_FPS GST_ANY_SR_TARGET_FPS_AUTO
#define DEFAULT_HEADROOM ASR_HEADROOM_DEFAULT
#define DEFAULT_STATS_INTERVAL 30
#define DEFAULT_FALLBACK TRUE

/* The double properties whose bad values must reach the element (to fail
 * with an error naming them, as docs/element.md says) rather than be dropped
 * by GLib with a g_warning: an unbounded range lets -1 and infinities
 * through, G_PARAM_LAX_VALIDATION lets NaN through (GLib's validation of a
 * double flags NaN as changed). gst_any_sr_props_check_unlocked()
 * (gstanysrprops.c) checks them. */
#define ANY_VALUE_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_PLAYING | G_PARAM_LAX_VALIDATION)

enum
{
  PROP_0,
  PROP_SCALE,
  PROP_DEVICE,
  PROP_PRECISION,
  PROP_TUNING,
  PROP_DEVICE_NAME,
  PROP_MODEL_LOCATION,
  PROP_SUBNET,
  PROP_DECODER,
  PROP_K,
  PROP_DEPTH_TARGET,
  PROP_TARGET_FPS,
  PROP_HEADROOM,
  PROP_STATS_INTERVAL,
  PROP_FALLBACK,
  PROP_CURRENT_SUBNET,
  PROP_LAST_GPU_MS,
  PROP_STATS,
  PROP_VULKAN_DEVICE,
  N_PROPERTIES
};

static GParamSpec *properties[N_PROPERTIES];

#ifdef HAVE_GST_VULKAN
#define ANY_SR_PAD_CAPS ANY_SR_VULKAN_CAPS "; " ANY_SR_CAPS
#else
#define ANY_SR_PAD_CAPS ANY_SR_CAPS
#endif

static GstStaticPadTemplate gst_any_sr_sink_template =
GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (ANY_SR_PAD_CAPS));

static GstStaticPadTemplate gst_any_sr_src_template =
GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (ANY_SR_PAD_CAPS));

GType
gst_any_sr_decoder_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_ANY_SR_DECODER_HEAVY, "Every output pixel through the heavy MLP",
        "heavy"},
    {GST_ANY_SR_DECODER_LIGHT, "Every output pixel through the light MLP",
        "light"},
    {GST_ANY_SR_DECODER_ROUTED,
        "Each pixel routed to the heavy or the light MLP by a classifier, "
          "biased by k", "routed"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAnySrDecoder", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_any_sr_tuning_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_ANY_SR_TUNING_AUTO, "the cached winners, else time once on GPUs",
        "auto"},
    {GST_ANY_SR_TUNING_OFF, "the device's built-in kernel configuration", "off"},
    {GST_ANY_SR_TUNING_FORCE, "time the candidates again", "force"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAnySrTuning", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_any_sr_precision_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_ANY_SR_PRECISION_AUTO,
        "fp16 where the device has 16-bit storage, else fp32", "auto"},
    {GST_ANY_SR_PRECISION_FP16, "16-bit float feature maps", "fp16"},
    {GST_ANY_SR_PRECISION_FP32, "32-bit float feature maps", "fp32"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAnySrPrecision", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define gst_any_sr_parent_class parent_class
G_DEFINE_TYPE (GstAnySr, gst_any_sr, GST_TYPE_VIDEO_FILTER);

GST_ELEMENT_REGISTER_DEFINE (anysr, "anysr", GST_RANK_NONE, GST_TYPE_ANY_SR);

static void gst_any_sr_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_any_sr_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_any_sr_finalize (GObject * object);
static GstStateChangeReturn gst_any_sr_change_state (GstElement * element,
    GstStateChange transition);
static GstFlowReturn gst_any_sr_transform_frame (GstVideoFilter * filter,
    GstVideoFrame * in_frame, GstVideoFrame * out_frame);
static gboolean gst_any_sr_start (GstBaseTransform * trans);
static void gst_any_sr_set_context (GstElement * element,
    GstContext * context);
static gboolean gst_any_sr_query (GstBaseTransform * trans,
    GstPadDirection direction, GstQuery * query);
static gboolean gst_any_sr_decide_allocation (GstBaseTransform * trans,
    GstQuery * query);
static gboolean gst_any_sr_propose_allocation (GstBaseTransform * trans,
    GstQuery * decide_query, GstQuery * query);
static GstFlowReturn gst_any_sr_transform (GstBaseTransform * trans,
    GstBuffer * inbuf, GstBuffer * outbuf);
static gboolean gst_any_sr_accept_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps);
static GstCaps *gst_any_sr_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter);
static gboolean gst_any_sr_set_info (GstVideoFilter * filter,
    GstCaps * incaps, GstVideoInfo * in_info, GstCaps * outcaps,
    GstVideoInfo * out_info);
static GstCaps *gst_any_sr_fixate_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * othercaps);
static gboolean gst_any_sr_src_event (GstBaseTransform * trans,
    GstEvent * event);

static void
gst_any_sr_class_init (GstAnySrClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_any_sr_debug, "anysr", 0,
      "anysr super-resolution on Vulkan");

  gobject_class->set_property = gst_any_sr_set_property;
  gobject_class->get_property = gst_any_sr_get_property;
  gobject_class->finalize = gst_any_sr_finalize;

  /* Each property's blurb is its whole description (gst-inspect-1.0 and
   * docs/element.md, generated from these specs, print it). */
  properties[PROP_SCALE] = g_param_spec_double ("scale", "Scale",
      "Scale factor applied to both width and height (output = round(input "
      "x scale)) when downstream caps do not fix the output size, from 1 "
      "(passthrough) to 8; may change while playing, the element then "
      "renegotiates its output size. Any value is accepted (the range is "
      "unbounded, NaN included) so that one outside 1 to 8 reaches the "
      "element, which fails with an error saying why instead of GLib keeping "
      "the old value with a warning",
      -INFINITY, INFINITY, DEFAULT_SCALE, ANY_VALUE_FLAGS);

  properties[PROP_DEVICE] = g_param_spec_int ("device", "Device",
      "Index of the Vulkan physical device to use, in the order the Vulkan "
      "loader enumerates them, or -1 to choose automatically (discrete GPU, "
      "then integrated, virtual, CPU; the environment variable ANYSR_DEVICE "
      "overrides the automatic choice); read when the element goes from "
      "NULL to READY",
      -1, G_MAXINT, DEFAULT_DEVICE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  properties[PROP_PRECISION] = g_param_spec_enum ("precision", "Precision",
      "Storage of the network's feature maps: auto (fp16 where the device "
      "has 16-bit storage, storageBuffer16BitAccess, else fp32), fp16 "
      "(16-bit floats: half the memory, arithmetic stays 32-bit) or fp32; "
      "read when the element goes from NULL to READY",
      GST_TYPE_ANY_SR_PRECISION, GST_ANY_SR_PRECISION_AUTO,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  properties[PROP_TUNING] = g_param_spec_enum ("tuning", "Tuning",
      "Kernel tuning (docs/design.md#kernels): auto (the winners cached in "
      "the user's cache folder for this device, model and precision; where "
      "none are, GPUs time the candidates once, about 2 s, and cache them; "
      "CPU devices run their built-in choice; or ANYSR_TUNE's value when "
      "set), off (the device's built-in choice) or force (time them again); "
      "read when the element goes from NULL to READY; the configuration in "
      "use is the anysr-stats field kernel-config",
      GST_TYPE_ANY_SR_TUNING, GST_ANY_SR_TUNING_AUTO,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  properties[PROP_DEVICE_NAME] = g_param_spec_string ("device-name",
      "Device name",
      "Name of the Vulkan device in use, from the driver; NULL until the "
      "element has reached the READY state, and while the CPU scaler of the "
      "fallback runs",
      NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  properties[PROP_MODEL_LOCATION] = g_param_spec_string ("model-location",
      "Model location",
      "A model file (.safetensors, see docs/models.md) to run instead of the "
      "model embedded in the plugin; NULL (or empty) for the embedded one. "
      "Read when the element goes from NULL to READY, and again from READY "
      "to PAUSED when it changed in READY; a file that is missing or broken "
      "makes that state change fail with an error message naming the "
      "problem", DEFAULT_MODEL_LOCATION,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  properties[PROP_SUBNET] = g_param_spec_int ("subnet", "Subnet",
      "Sub-network to run, 0 (the cheapest) to the model's largest, or -1 "
      "for the largest the scale group of the current scale allows; a fixed "
      "subnet runs as asked, above that cap too, and one above the model's "
      "largest is lowered to the largest. With target-fps on, the highest "
      "subnet the controller may pick",
      -1, G_MAXINT, DEFAULT_SUBNET,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  properties[PROP_DECODER] = g_param_spec_enum ("decoder", "Decoder",
      "Decoder mode: every output pixel through the heavy or the light MLP, "
      "or routed per pixel to one of them by a classifier (biased by k). "
      "With target-fps on, it defines the operating points the controller "
      "picks from (subnet 0 with the light decoder, then every subnet with "
      "this mode)", GST_TYPE_ANY_SR_DECODER, DEFAULT_DECODER,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  properties[PROP_K] = g_param_spec_double ("k", "k",
      "Routing bias of the routed decoder: larger values send more pixels to "
      "the light MLP (cheaper, less sharp), smaller ones more to the heavy "
      "MLP. -1 selects the model's own default k, which the anysr-stats "
      "message reports; any other value from just above -1 to 100 is used "
      "as given. Other values (NaN and infinities included) make the element "
      "fail with an error (the range is unbounded so that they reach it)",
      -INFINITY, INFINITY, DEFAULT_K, ANY_VALUE_FLAGS);

  properties[PROP_DEPTH_TARGET] = g_param_spec_double ("depth-target",
      "Depth target",
      "Spatial depth target of models with a depth adapter: the share of the "
      "subnet's residual blocks the frame's tiles run on average, each tile "
      "as many as its content needs (a fraction of the operating point's "
      "depth). 0 selects the model's own default target, which the "
      "anysr-stats message reports; 1 runs every block on every pixel (fixed "
      "depth); values in between are used as given. With target-fps on, the "
      "highest target the controller gives each subnet (it also picks the "
      "model's lower targets). Models without an adapter ignore it. Other "
      "values (below 0, above 1, NaN) make the element fail with an error "
      "(the range is unbounded so that they reach it)",
      -INFINITY, INFINITY, DEFAULT_DEPTH_TARGET, ANY_VALUE_FLAGS);

  properties[PROP_TARGET_FPS] = g_param_spec_double ("target-fps",
      "Target frame rate",
      "Frame rate to hold: the engine picks the operating point of every "
      "frame (switching sub-networks per frame, down to a CPU scaler when "
      "that is the cheapest) so that it fits the budget 1 / target-fps. "
      "-2 (auto, the default) holds the frame rate of the input caps when "
      "the stream plays in real time: the source is live, a sink downstream "
      "syncs to the clock (playbin, a display), or downstream reports "
      "lateness with QoS events; otherwise (a file converted to a file) it "
      "is -1. 0 always holds the frame rate of the input caps (no "
      "adaptation when they have none); -1 turns adaptation off: every "
      "frame runs the subnet and decoder choice, as fast as the device "
      "goes. Other values outside 0 to 1000 (NaN and infinities included) "
      "make the element fail with an error",
      -INFINITY, INFINITY, DEFAULT_TARGET_FPS, ANY_VALUE_FLAGS);

  properties[PROP_HEADROOM] = g_param_spec_double ("headroom", "Headroom",
      "Share of the frame budget (1 / target-fps) the controller plans for, "
      "the rest absorbing jitter; 0.5 to 1, other values make the element "
      "fail with an error",
      -INFINITY, INFINITY, DEFAULT_HEADROOM, ANY_VALUE_FLAGS);

  properties[PROP_STATS_INTERVAL] = g_param_spec_uint ("stats-interval",
      "Stats interval",
      "Post an anysr-stats element message every that many frames, besides "
      "the one posted on every change of operating point; 0 posts only "
      "those", 0, G_MAXUINT, DEFAULT_STATS_INTERVAL,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  properties[PROP_FALLBACK] = g_param_spec_boolean ("fallback", "Fallback",
      "What to do without a usable Vulkan device (none when the element goes "
      "from NULL to READY, or the device lost while streaming): true keeps "
      "the stream flowing, scaling every frame with the GStreamer video "
      "library's CPU scaler (GstVideoConverter, bicubic, no "
      "super-resolution) after a warning message; false fails with an "
      "error. Read when the element goes from NULL to READY",
      DEFAULT_FALLBACK, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  properties[PROP_CURRENT_SUBNET] = g_param_spec_int ("current-subnet",
      "Current subnet",
      "Subnet the last frame ran: -1 before the first frame (the change from "
      "READY to PAUSED starts again from -1) and while the CPU scaler of the "
      "fallback runs, -2 when target-fps made the frame run the bicubic "
      "floor; kept after the element stops, notified when it changes",
      ASR_SUBNET_BICUBIC, G_MAXINT, -1,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  properties[PROP_LAST_GPU_MS] = g_param_spec_double ("last-gpu-ms",
      "Last GPU ms",
      "Device time of the last frame in milliseconds, all stages (upload, "
      "network, download); 0 before the first frame",
      0.0, G_MAXDOUBLE, 0.0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  properties[PROP_STATS] = g_param_spec_boxed ("stats", "Statistics",
      "The anysr-stats structure of the last frame (its fields: see the "
      "element's documentation), with reason \"query\"; NULL before the "
      "first frame",
      GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  properties[PROP_VULKAN_DEVICE] = g_param_spec_object ("vulkan-device",
      "Vulkan device",
      "The GstVulkanDevice of the neighbours (vulkanupload, vulkandownload "
      "...) that the engine runs on, found through GstContext when the "
      "element goes to READY or PAUSED, or asked of the pads' peers when "
      "VulkanImage is negotiated; NULL while the engine has a Vulkan device "
      "of its own (system-memory pipelines) or none",
      GST_TYPE_OBJECT, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (gobject_class, N_PROPERTIES, properties);

  gst_element_class_set_static_metadata (element_class,
      "Any-scale super-resolution", "Filter/Effect/Converter/Video/Scaler",
      "Enlarges video by any fractional scale from 1 to 8 per axis on a "
      "Vulkan device", "anysr developers");

  gst_element_class_add_static_pad_template (element_class,
      &gst_any_sr_sink_template);
  gst_element_class_add_static_pad_template (element_class,
      &gst_any_sr_src_template);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_any_sr_change_state);
  element_class->set_context = GST_DEBUG_FUNCPTR (gst_any_sr_set_context);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_any_sr_query);
  trans_class->decide_allocation =
      GST_DEBUG_FUNCPTR (gst_any_sr_decide_allocation);
  trans_class->propose_allocation =
      GST_DEBUG_FUNCPTR (gst_any_sr_propose_allocation);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_any_sr_transform);

  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_any_sr_transform_caps);
  trans_class->fixate_caps = GST_DEBUG_FUNCPTR (gst_any_sr_fixate_caps);
  trans_class->accept_caps = GST_DEBUG_FUNCPTR (gst_any_sr_accept_caps);
  trans_class->src_event = GST_DEBUG_FUNCPTR (gst_any_sr_src_event);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_any_sr_start);
  trans_class->passthrough_on_same_caps = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_ANY_SR_DECODER, 0);

  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_any_sr_set_info);
  filter_class->transform_frame =
      GST_DEBUG_FUNCPTR (gst_any_sr_transform_frame);
}

static void
gst_any_sr_init (GstAnySr * self)
{
  self->scale = DEFAULT_SCALE;
  self->device = DEFAULT_DEVICE;
  self->model_location = g_strdup (DEFAULT_MODEL_LOCATION);
  self->subnet = DEFAULT_SUBNET;
  self->decoder = DEFAULT_DECODER;
  self->k = DEFAULT_K;
  self->depth_target = DEFAULT_DEPTH_TARGET;
  self->target_fps = DEFAULT_TARGET_FPS;
  self->headroom = DEFAULT_HEADROOM;
  self->stats_interval = DEFAULT_STATS_INTERVAL;
  self->fallback = DEFAULT_FALLBACK;
  self->op_dirty = TRUE;
  g_mutex_init (&self->log_lock);
  g_weak_ref_init (&self->kept_for, NULL);
}

static void
gst_any_sr_finalize (GObject * object)
{
  GstAnySr *self = GST_ANY_SR (object);

  asr_engine_free (&self->engine);
  if (self->converter)
    gst_video_converter_free (self->converter);
  g_free (self->device_name);
  g_free (self->model_location);
  g_free (self->loaded_model);
  g_free (self->last_engine_error);
  g_free (self->last_refusal);
  g_free (self->last_query_refusal);
  gst_clear_object (&self->kept_device);
  g_weak_ref_clear (&self->kept_for);
  g_mutex_clear (&self->log_lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_any_sr_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAnySr *self = GST_ANY_SR (object);
  gboolean changed;

  switch (prop_id) {
    case PROP_SCALE:
      GST_OBJECT_LOCK (self);
      changed = self->scale != g_value_get_double (value);
      self->scale = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      /* the output size may change: renegotiate */
      if (changed)
        gst_base_transform_reconfigure_src (GST_BASE_TRANSFORM (self));
      break;
    case PROP_PRECISION:
      GST_OBJECT_LOCK (self);
      self->precision = g_value_get_enum (value);
      if (self->engine)
        GST_WARNING_OBJECT (self, "precision changed while a device is open; "
            "it takes effect after the element returns to NULL");
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_TUNING:
      GST_OBJECT_LOCK (self);
      self->tuning = g_value_get_enum (value);
      if (self->engine)
        GST_WARNING_OBJECT (self, "tuning changed while a device is open; "
            "it takes effect after the element returns to NULL");
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_DEVICE:
      GST_OBJECT_LOCK (self);
      self->device = g_value_get_int (value);
      if (self->engine)
        GST_WARNING_OBJECT (self, "device changed while a device is open; "
            "it takes effect after the element returns to NULL");
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MODEL_LOCATION:
      GST_OBJECT_LOCK (self);
      if (GST_STATE (self) > GST_STATE_READY) {
        GST_WARNING_OBJECT (self, "model-location can only change in the "
            "NULL or READY state; keeping %s", GST_STR_NULL
            (self->model_location));
      } else {
        g_free (self->model_location);
        self->model_location = g_value_dup_string (value);
        /* an empty string is the default too */
        if (self->model_location && !self->model_location[0])
          g_clear_pointer (&self->model_location, g_free);
      }
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SUBNET:
      GST_OBJECT_LOCK (self);
      self->subnet = g_value_get_int (value);
      self->op_dirty = TRUE;
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_DECODER:
      GST_OBJECT_LOCK (self);
      self->decoder = g_value_get_enum (value);
      self->op_dirty = TRUE;
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_K:
      GST_OBJECT_LOCK (self);
      self->k = g_value_get_double (value);
      self->op_dirty = TRUE;
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_DEPTH_TARGET:
      GST_OBJECT_LOCK (self);
      self->depth_target = g_value_get_double (value);
      self->op_dirty = TRUE;
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_TARGET_FPS:
      GST_OBJECT_LOCK (self);
      self->target_fps = g_value_get_double (value);
      self->op_dirty = TRUE;
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_HEADROOM:
      GST_OBJECT_LOCK (self);
      self->headroom = g_value_get_double (value);
      self->op_dirty = TRUE;
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STATS_INTERVAL:
      GST_OBJECT_LOCK (self);
      self->stats_interval = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_FALLBACK:
      GST_OBJECT_LOCK (self);
      self->fallback = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}


static void
gst_any_sr_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstAnySr *self = GST_ANY_SR (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SCALE:
      g_value_set_double (value, self->scale);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, self->precision);
      break;
    case PROP_TUNING:
      g_value_set_enum (value, self->tuning);
      break;
    case PROP_DEVICE:
      g_value_set_int (value, self->device);
      break;
    case PROP_DEVICE_NAME:
      g_value_set_string (value, self->device_name);
      break;
    case PROP_MODEL_LOCATION:
      g_value_set_string (value, self->model_location);
      break;
    case PROP_SUBNET:
      g_value_set_int (value, self->subnet);
      break;
    case PROP_DECODER:
      g_value_set_enum (value, self->decoder);
      break;
    case PROP_K:
      g_value_set_double (value, self->k);
      break;
    case PROP_DEPTH_TARGET:
      g_value_set_double (value, self->depth_target);
      break;
    case PROP_TARGET_FPS:
      g_value_set_double (value, self->target_fps);
      break;
    case PROP_HEADROOM:
      g_value_set_double (value, self->headroom);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint (value, self->stats_interval);
      break;
    case PROP_FALLBACK:
      g_value_set_boolean (value, self->fallback);
      break;
    case PROP_CURRENT_SUBNET:
      g_value_set_int (value, self->have_stats ? self->stats.op.subnet : -1);
      break;
    case PROP_LAST_GPU_MS:
      g_value_set_double (value, self->have_stats ? self->stats.time.gpu_ms :
          0.0);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, self->have_stats ?
          gst_any_sr_stats_structure_unlocked (self, "query") : NULL);
      break;
    case PROP_VULKAN_DEVICE:
      g_value_set_object (value, self->vk_engine ? self->vk_device : NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStateChangeReturn
gst_any_sr_change_state (GstElement * element, GstStateChange transition)
{
  GstAnySr *self = GST_ANY_SR (element);
  GstStateChangeReturn ret;

  /* the engine: opened on NULL->READY; on READY->PAUSED again for a new
   * model-location or on the device a Vulkan neighbour got since */
  if ((transition == GST_STATE_CHANGE_NULL_TO_READY &&
          gst_any_sr_engine_ensure (self, GST_ANY_SR_ENSURE_OPEN) !=
          GST_ANY_SR_ENGINE_OK) ||
      (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
          gst_any_sr_engine_ensure (self, GST_ANY_SR_ENSURE_START) !=
          GST_ANY_SR_ENGINE_OK))
    return GST_STATE_CHANGE_FAILURE;

  /* a new stream says its refusals again; neighbours' caps that already
   * rule every size out are refused before the first buffer */
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    g_clear_pointer (&self->last_refusal, g_free);
    g_clear_pointer (&self->last_query_refusal, g_free);
    if (!gst_any_sr_caps_check_neighbours (self))
      return GST_STATE_CHANGE_FAILURE;
  }

  /* stopping: the frame in progress stops within about a second (the base
   * class waits for the streaming thread to leave it); starting: frames are
   * accepted again */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY ||
      transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    GST_OBJECT_LOCK (self);
    if (self->engine)
      asr_engine_cancel (self->engine,
          transition == GST_STATE_CHANGE_PAUSED_TO_READY);
    GST_OBJECT_UNLOCK (self);
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_READY_TO_NULL ||
      (transition == GST_STATE_CHANGE_NULL_TO_READY &&
          ret == GST_STATE_CHANGE_FAILURE))
    gst_any_sr_engine_close (self);

  return ret;
}


static gboolean
gst_any_sr_start (GstBaseTransform * trans)
{
  GstAnySr *self = GST_ANY_SR (trans);

  GST_OBJECT_LOCK (self);
  self->op_dirty = TRUE;
  self->auto_late = FALSE;
  GST_OBJECT_UNLOCK (self);
  gst_any_sr_stats_reset (self);

  return TRUE;
}


static GstFlowReturn
gst_any_sr_transform_frame (GstVideoFilter * filter, GstVideoFrame * in_frame,
    GstVideoFrame * out_frame)
{
  GstAnySr *self = GST_ANY_SR (filter);
  AsrFrame input, output;
  AsrStatus status;

  if (self->cpu_scaler)
    return gst_any_sr_engine_cpu_frame (self, in_frame, out_frame);

  if (!gst_any_sr_qos_apply_point (self))
    return GST_FLOW_ERROR;

  gst_any_sr_caps_frame_planes (in_frame, &input);
  gst_any_sr_caps_frame_planes (out_frame, &output);

  /* the CPU scaler's time, once, before the controller's first decision
   * (it is the floor when cheaper than the engine's bicubic pass) */
  if (self->converter && !self->floor_calibrated && self->budget_fps > 0.0 &&
      !self->vk_in && !self->vk_out)
    gst_any_sr_engine_floor_frame (self, in_frame, out_frame);

  /* images of another device, or too small, are refused, saying why */
  if ((self->vk_in || self->vk_out) && !gst_any_sr_vulkan_check_images (self))
    return GST_FLOW_ERROR;
  if (self->vk_in || self->vk_out)
    status = gst_any_sr_vulkan_process (self, &input, &output);
  else
    status = asr_engine_process (self->engine, &input, &output);
  if (status == ASR_HOST_FLOOR) {
    /* the engine left the frame to the CPU scaler, its floor */
    gst_any_sr_engine_floor_frame (self, in_frame, out_frame);
    status = ASR_OK;
  }
  if (status == ASR_ERROR_CANCELLED) {
    GST_DEBUG_OBJECT (self, "frame cancelled: stopping");
    return GST_FLOW_FLUSHING;
  }
  if (status == ASR_ERROR_DEVICE_LOST && self->may_fall_back &&
      !self->vk_in && !self->vk_out &&
      gst_any_sr_engine_lose_device (self, in_frame, out_frame))
    return GST_FLOW_OK;
  if (status != ASR_OK) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("anysr could not process a frame: %s",
            asr_status_to_string (status)),
        ("asr_engine_process(): %s", asr_engine_last_error (self->engine)));
    return GST_FLOW_ERROR;
  }
  gst_any_sr_stats_update (self, in_frame, out_frame);

  return GST_FLOW_OK;
}

static void
gst_any_sr_set_context (GstElement * element, GstContext * context)
{
  gst_any_sr_engine_set_context (GST_ANY_SR (element), context);
  GST_ELEMENT_CLASS (parent_class)->set_context (element, context);
}

static gboolean
gst_any_sr_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  gboolean ret;

  if (gst_any_sr_engine_query (GST_ANY_SR (trans), query))
    return TRUE;
  ret = GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans, direction,
      query);
  if (ret)
    gst_any_sr_vk_quirks_query_done (GST_ANY_SR (trans), direction, query);
  return ret;
}

static gboolean
gst_any_sr_decide_allocation (GstBaseTransform * trans, GstQuery * query)
{
  GstCaps *caps = NULL;

  gst_query_parse_allocation (query, &caps, NULL);
  if (gst_any_sr_vulkan_caps_are_image (caps))
    return gst_any_sr_vulkan_decide_allocation (GST_ANY_SR (trans), query);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->decide_allocation (trans,
      query);
}

static gboolean
gst_any_sr_propose_allocation (GstBaseTransform * trans,
    GstQuery * decide_query, GstQuery * query)
{
  GstCaps *caps = NULL;

  gst_query_parse_allocation (query, &caps, NULL);
  if (gst_any_sr_vulkan_caps_are_image (caps))
    return gst_any_sr_vulkan_propose_allocation (GST_ANY_SR (trans), query);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->propose_allocation (trans,
      decide_query, query);
}

/* The base class decides, then gstanysrcaps.c; a refusal of input caps
 * says why (the pad checks a caps event with this before the event reaches
 * the element); one of output caps is only logged. */
static gboolean
gst_any_sr_accept_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps)
{
  gboolean ret;

  ret = GST_BASE_TRANSFORM_CLASS (parent_class)->accept_caps (trans,
      direction, caps);
  if (!ret && direction == GST_PAD_SINK)
    gst_any_sr_caps_log_refusal (GST_ANY_SR (trans), caps);
  else if (!ret)
    GST_WARNING_OBJECT (trans, "output caps refused: %" GST_PTR_FORMAT, caps);
  else
    ret = gst_any_sr_caps_accept (GST_ANY_SR (trans), direction, caps);
  return ret;
}

/* Any size in, any size out, same format (gstanysrcaps.c) */
static GstCaps *
gst_any_sr_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  return gst_any_sr_caps_transform (GST_ANY_SR (trans), direction, caps,
      filter);
}

static GstCaps *
gst_any_sr_fixate_caps (GstBaseTransform * trans, GstPadDirection direction,
    GstCaps * caps, GstCaps * othercaps)
{
  GstCaps *result;

  result = gst_any_sr_caps_fixate (GST_ANY_SR (trans), direction, caps,
      othercaps);
  if (result)
    return result;
  return GST_BASE_TRANSFORM_CLASS (parent_class)->fixate_caps (trans,
      direction, caps, othercaps);
}

/* Refusals, then the CPU scaler or the engine configured for the caps
 * (gstanysrcaps.c) */
static gboolean
gst_any_sr_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  return gst_any_sr_caps_set_info (GST_ANY_SR (filter), incaps, in_info,
      outcaps, out_info);
}

/* Upstream QoS events feed the engine's controller (gstanysrqos.c); the
 * base class handles what that leaves to it. */
static gboolean
gst_any_sr_src_event (GstBaseTransform * trans, GstEvent * event)
{
  gboolean result;

  if (gst_any_sr_qos_src_event (GST_ANY_SR (trans), event, &result))
    return result;
  return GST_BASE_TRANSFORM_CLASS (parent_class)->src_event (trans, event);
}

/* VulkanImage frames: the Vulkan side is not mapped (the engine copies it
 * on the device), the other side is mapped as GstVideoFilter would; system
 * memory on both sides goes through GstVideoFilter unchanged. */
static GstFlowReturn
gst_any_sr_transform (GstBaseTransform * trans, GstBuffer * inbuf,
    GstBuffer * outbuf)
{
  GstAnySr *self = GST_ANY_SR (trans);
  GstVideoFilter *filter = GST_VIDEO_FILTER (trans);
  GstVideoFrame in_frame = { 0 }, out_frame = { 0 };
  gboolean in_vk = gst_any_sr_vulkan_is_image_buffer (inbuf);
  gboolean out_vk = gst_any_sr_vulkan_is_image_buffer (outbuf);
  gboolean in_mapped = FALSE, out_mapped = FALSE;
  GstFlowReturn ret;

  if (!in_vk && !out_vk)
    return GST_BASE_TRANSFORM_CLASS (parent_class)->transform (trans, inbuf,
        outbuf);
  if (!filter->negotiated || !self->vk_engine) {
    GST_ELEMENT_ERROR (self, CORE, NOT_IMPLEMENTED, (NULL),
        ("VulkanImage frames %s", !filter->negotiated ? "before negotiation" :
            "while the engine does not run on the neighbours' device"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (in_vk) {
    in_frame.info = filter->in_info;
    in_frame.buffer = inbuf;
  } else if (!(in_mapped = gst_video_frame_map (&in_frame, &filter->in_info,
              inbuf, GST_MAP_READ))) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL), ("cannot map the input"));
    return GST_FLOW_ERROR;
  }
  if (out_vk) {
    out_frame.info = filter->out_info;
    out_frame.buffer = outbuf;
  } else if (!(out_mapped = gst_video_frame_map (&out_frame,
              &filter->out_info, outbuf, GST_MAP_WRITE))) {
    if (in_mapped)
      gst_video_frame_unmap (&in_frame);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL), ("cannot map the output"));
    return GST_FLOW_ERROR;
  }
  self->vk_in = in_vk ? inbuf : NULL;
  self->vk_out = out_vk ? outbuf : NULL;
  ret = gst_any_sr_transform_frame (filter, &in_frame, &out_frame);
  self->vk_in = self->vk_out = NULL;
  if (in_mapped)
    gst_video_frame_unmap (&in_frame);
  if (out_mapped)
    gst_video_frame_unmap (&out_frame);
  return ret;
}
