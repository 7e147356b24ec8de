/* GStreamer anysr element: the engine's life. Opening it (on the
 * neighbours' Vulkan device when they have one, else on a device of its
 * own, else the CPU scaler when fallback allows), closing and reopening it,
 * finding the neighbours' device through GstContext, the device lost while
 * streaming, and the CPU scaler (GstVideoConverter) that serves frames
 * without a device. gst_any_sr_engine_ensure() is the one entry that opens
 * or reopens the engine and looks for a device, for the state changes and
 * set_info().
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

#define _DEFAULT_SOURCE         /* malloc_trim */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "gstanysrengine.h"
#include "gstanysrprops.h"
#include "gstanysrvkquirks.h"

#ifdef GST_ANY_SR_TEST_HOOKS
/* Test-only build of the plugin (tests/element/meson.build), linked with
 * libanysr's internal objects: ANYSR_TEST_BICUBIC=1 makes the engine run its
 * Pillow-aligned bicubic resampler instead of the network, so that the tests
 * can check pixel values. A local workaround until libanysr offers a public
 * way to choose the bicubic path; never part of the installed plugin.
 * ANYSR_TEST_LOSE_DEVICE=N makes the N-th submission to the device find it
 * lost (asr_engine_debug_inject).
 * ANYSR_TEST_TIMING="MS_PER_GMAC,FIXED_MS" gives every frame a synthetic
 * time from its cost (asr_engine_debug_set_timing), so that the QoS tests
 * do not depend on the machine's load. */
#include "internal.h"
#endif

/* the text that tells a user how to get a Vulkan device */
#define NO_DEVICE_HINT \
  "Install a Vulkan driver for your GPU, or the package mesa-vulkan-drivers " \
  "whose lavapipe is a Vulkan device on the CPU; if VK_DRIVER_FILES is set, " \
  "check that it names existing driver .json files."

/* Engine log messages go to the "anysr" debug category. Error-level ones are
 * also kept, to be quoted in the next element error. */
static void
engine_log (void *user_data, AsrLogLevel level, const char *message)
{
  GstAnySr *self = user_data;
  GstDebugLevel gst_level;

  switch (level) {
    case ASR_LOG_ERROR:
      gst_level = GST_LEVEL_ERROR;
      break;
    case ASR_LOG_WARNING:
      gst_level = GST_LEVEL_WARNING;
      break;
    case ASR_LOG_INFO:
      gst_level = GST_LEVEL_INFO;
      break;
    default:
      gst_level = GST_LEVEL_DEBUG;
      break;
  }
  GST_CAT_LEVEL_LOG (gst_any_sr_debug, gst_level, self, "%s", message);

  if (level == ASR_LOG_ERROR) {
    g_mutex_lock (&self->log_lock);
    g_free (self->last_engine_error);
    self->last_engine_error = g_strdup (message);
    g_mutex_unlock (&self->log_lock);
  }
}

/* Returns the last error message the engine logged (transfer full). */
static gchar *
take_engine_error (GstAnySr * self)
{
  gchar *msg;

  g_mutex_lock (&self->log_lock);
  msg = self->last_engine_error;
  self->last_engine_error = NULL;
  g_mutex_unlock (&self->log_lock);

  return msg;
}


/* The neighbours' Vulkan device (gst-vulkan, GstContext) */

/* A Vulkan device the engine may run on: references (GstVulkanInstance,
 * GstVulkanDevice, compute GstVulkanQueue), NULL where none. Found into
 * one of these first, then installed in self with the engine made on it
 * (publish()), so that what property readers see changes in one step. */
typedef struct
{
  GstObject *instance, *device, *queue;
} Neighbour;

static void
neighbour_clear (Neighbour * n)
{
  gst_clear_object (&n->queue);
  gst_clear_object (&n->device);
  gst_clear_object (&n->instance);
}

#ifdef HAVE_GST_VULKAN

#include <gst/vulkan/vulkan.h>
#include <anysr/anysr-vulkan.h>

/* a new reference to *@field, read under the object lock (NULL: none) */
static GstObject *
ref_locked (GstAnySr * self, GstObject ** field)
{
  GstObject *o;

  GST_OBJECT_LOCK (self);
  o = *field ? gst_object_ref (*field) : NULL;
  GST_OBJECT_UNLOCK (self);
  return o;
}

/* A context handed to the element (by the application, or by a neighbour's
 * query through the bin): its instance and device are kept when the
 * element has none yet, never in place of the ones its engine runs on. */
void
gst_any_sr_engine_set_context (GstAnySr * self, GstContext * context)
{
  GstVulkanInstance *instance = NULL;
  GstVulkanDevice *device = NULL;

  gst_vulkan_handle_set_context (GST_ELEMENT (self), context, NULL, &instance);
  if (!gst_context_get_vulkan_device (context, &device))
    device = NULL;
  GST_OBJECT_LOCK (self);
  if (instance && !self->vk_instance) {
    self->vk_instance = (GstObject *) instance;
    instance = NULL;
  }
  /* an application may hand us a device too */
  if (device && !self->vk_device) {
    self->vk_device = (GstObject *) device;
    device = NULL;
  }
  GST_OBJECT_UNLOCK (self);
  gst_clear_object (&instance);
  gst_clear_object (&device);
}

/* the neighbours' context queries, from their threads: answered with the
 * device and queue the engine runs on */
gboolean
gst_any_sr_engine_query (GstAnySr * self, GstQuery * query)
{
  Neighbour n = { NULL, NULL, NULL };
  gboolean answered = FALSE;

  if (GST_QUERY_TYPE (query) != GST_QUERY_CONTEXT)
    return FALSE;
  GST_OBJECT_LOCK (self);
  if (self->vk_device) {
    n.instance = self->vk_instance ? gst_object_ref (self->vk_instance) : NULL;
    n.device = gst_object_ref (self->vk_device);
    n.queue = self->vk_queue ? gst_object_ref (self->vk_queue) : NULL;
  }
  GST_OBJECT_UNLOCK (self);
  if (n.device)
    answered = gst_vulkan_handle_context_query (GST_ELEMENT (self), query,
        NULL, (GstVulkanInstance *) n.instance, (GstVulkanDevice *) n.device)
        || gst_vulkan_queue_handle_context_query (GST_ELEMENT (self), query,
        (GstVulkanQueue *) n.queue);
  neighbour_clear (&n);
  return answered;
}

static gboolean
queue_has_compute (GstVulkanQueue * q)
{
  GstVulkanPhysicalDevice *physical = q->device->physical_device;

  return q->family < physical->n_queue_families &&
      (physical->queue_family_props[q->family].queueFlags &
      VK_QUEUE_COMPUTE_BIT);
}

static gboolean
pick_queue (GstVulkanDevice * device, GstVulkanQueue * queue, gpointer data)
{
  GstVulkanQueue **out = data;

  if (!queue_has_compute (queue))
    return TRUE;
  *out = gst_object_ref (queue);
  return FALSE;
}

/* The Vulkan device (@type GST_VULKAN_DEVICE_CONTEXT_TYPE_STR) or queue
 * (GST_VULKAN_QUEUE_CONTEXT_TYPE_STR) of the peer of @pad_name ("sink":
 * upstream, where VulkanImage input lives), asked with a context query (a
 * reference, or NULL) */
static GstObject *
peer_context (GstAnySr * self, const gchar * pad_name, const gchar * type)
{
  GstObject *obj = NULL;
  GstPad *pad = gst_element_get_static_pad (GST_ELEMENT (self), pad_name);
  GstQuery *q = gst_query_new_context (type);
  GstContext *ctx = NULL;
  gboolean is_queue = g_str_equal (type, GST_VULKAN_QUEUE_CONTEXT_TYPE_STR);

  if (pad && gst_pad_peer_query (pad, q)) {
    gst_query_parse_context (q, &ctx);
    if (ctx && !(is_queue ?
            gst_context_get_vulkan_queue (ctx, (GstVulkanQueue **) & obj) :
            gst_context_get_vulkan_device (ctx, (GstVulkanDevice **) & obj)))
      obj = NULL;
  }
  gst_query_unref (q);
  gst_clear_object (&pad);
  return obj;
}

static GstVulkanDevice *
peer_device (GstAnySr * self, const gchar * pad_name)
{
  return (GstVulkanDevice *) peer_context (self, pad_name,
      GST_VULKAN_DEVICE_CONTEXT_TYPE_STR);
}

/* @queue when it is a compute queue of @device, else NULL (@queue is
 * released) */
static GstVulkanQueue *
usable_queue (GstVulkanQueue * queue, GstVulkanDevice * device)
{
  if (queue && (queue->device != device || !queue_has_compute (queue)))
    gst_clear_object (&queue);
  return queue;
}

/* Replace the device kept for the next stream by @keep (taken; NULL:
 * none), the old one released outside the object lock. */
static void
set_kept_device (GstAnySr * self, GstObject * keep)
{
  GstObject *old;

  GST_OBJECT_LOCK (self);
  old = self->kept_device;
  self->kept_device = keep;
  GST_OBJECT_UNLOCK (self);
  gst_clear_object (&old);
}

/* The device kept from the last stream (gst_any_sr_engine_close()), a
 * reference, while the vulkanupload it was kept for lives; else NULL, and
 * the device is let go. */
static GstObject *
kept_device (GstAnySr * self)
{
  GObject *upload = g_weak_ref_get (&self->kept_for);
  GstObject *device = NULL;

  if (upload) {
    device = ref_locked (self, &self->kept_device);
    if (device)
      GST_INFO_OBJECT (self, "the neighbours' Vulkan device of the last "
          "stream, %" GST_PTR_FORMAT ", again: %" GST_PTR_FORMAT " makes its "
          "images on it", device, upload);
    g_object_unref (upload);
  } else {
    set_kept_device (self, NULL);
  }
  return device;
}

/* A neighbour's device and a compute queue on it into @n, found through
 * context queries, upstream's first (the device of the images it sends;
 * gst-vulkan's own query asks downstream first, whose device may be
 * another: two branches of a tee). @n->device may be given (then only the
 * queue is looked for); without it, a device handed to the element
 * (set_context) comes first. The queue: upstream's own when it is a compute
 * queue of that device (its submissions and ours are then ordered on one
 * VkQueue), else a neighbour's, else the device's first compute queue.
 * Creates nothing; TRUE when found. */
static gboolean
find_neighbour_device (GstAnySr * self, Neighbour * n)
{
  GstVulkanDevice *device;
  GstVulkanQueue *queue = NULL;
  GstVulkanInstance *instance = NULL;

  if (!n->device) {
    n->device = ref_locked (self, &self->vk_device);
    if (!n->device)
      n->device = kept_device (self);
    if (!n->device) {
      /* gst-vulkan's query hands the context found to set_context(),
       * which keeps it in self->vk_instance: look there too */
      if (!n->instance) {
        gst_vulkan_instance_run_context_query (GST_ELEMENT (self), &instance);
        n->instance = instance ? (GstObject *) instance :
            ref_locked (self, &self->vk_instance);
      }
      if (!n->instance) {
        GST_DEBUG_OBJECT (self, "no neighbour has a Vulkan instance (yet)");
        return FALSE;
      }
      n->device = (GstObject *) peer_device (self, "sink");
    }
    if (!n->device) {
      GstVulkanDevice *found = NULL;
      gst_vulkan_device_run_context_query (GST_ELEMENT (self), &found);
      n->device = found ? (GstObject *) found :
          ref_locked (self, &self->vk_device);
    }
    if (!n->device) {
      GST_DEBUG_OBJECT (self, "no neighbour has a Vulkan device (yet)");
      return FALSE;
    }
  }
  device = (GstVulkanDevice *) n->device;
  if (!n->instance || n->instance != (GstObject *) device->instance) {
    gst_clear_object (&n->instance);
    n->instance = gst_object_ref (device->instance);
  }
  if (!n->queue && n->device == self->vk_device)
    n->queue = ref_locked (self, &self->vk_queue);
  if (!n->queue) {
    queue = usable_queue ((GstVulkanQueue *) peer_context (self, "sink",
            GST_VULKAN_QUEUE_CONTEXT_TYPE_STR), device);
    if (!queue && gst_vulkan_queue_run_context_query (GST_ELEMENT (self),
            &queue))
      queue = usable_queue (queue, device);
    if (!queue)
      gst_vulkan_device_foreach_queue (device, pick_queue, &queue);
    if (!queue) {
      GST_WARNING_OBJECT (self, "the neighbours' Vulkan device has no compute "
          "queue: the engine uses a device of its own");
      return FALSE;
    }
    n->queue = (GstObject *) queue;
  }
  GST_INFO_OBJECT (self, "the neighbours' Vulkan device %" GST_PTR_FORMAT
      " (VkDevice %p), queue family %u index %u", device,
      (gpointer) device->device, ((GstVulkanQueue *) n->queue)->family,
      ((GstVulkanQueue *) n->queue)->index);
  return TRUE;
}

/* The device of a pad's peer, asked directly (a context query on each
 * peer, no need-context message on the bus). Needed because the elements
 * of gst-vulkan 1.22 (vulkanupload, vulkancolorconvert ...) create their
 * instance and device when *they* go from READY to PAUSED, and a bin
 * changes its sinks' state first: with no Vulkan element downstream, anysr
 * went to PAUSED (and looked for a device, in vain) before vulkanupload
 * upstream had one. At negotiation time the upstream element has it.
 * Upstream's first (where VulkanImage input lives), then downstream's;
 * then a device handed to the element. TRUE when @n has a device and a
 * compute queue (as find_neighbour_device). */
static gboolean
find_peer_device (GstAnySr * self, Neighbour * n)
{
  static const gchar *pads[] = { "sink", "src" };
  GstVulkanDevice *device = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (pads) && !device; i++)
    device = peer_device (self, pads[i]);
  if (device)
    GST_INFO_OBJECT (self, "a peer has the Vulkan device %" GST_PTR_FORMAT,
        device);
  n->device = (GstObject *) device;
  if (!find_neighbour_device (self, n)) {
    neighbour_clear (n);
    return FALSE;
  }
  return TRUE;
}

/* TRUE when the upstream peer has a Vulkan device other than the engine's:
 * its VulkanImage frames must not be submitted on ours (the engine moves) */
static gboolean
upstream_device_differs (GstAnySr * self)
{
  GstVulkanDevice *up = peer_device (self, "sink");
  gboolean differs = up && self->vk_device &&
      up != (GstVulkanDevice *) self->vk_device;

  if (differs)
    GST_INFO_OBJECT (self, "the images upstream live on the Vulkan device %"
        GST_PTR_FORMAT ", the engine runs on %" GST_PTR_FORMAT
        ": the engine moves to the upstream device", up, self->vk_device);
  gst_clear_object (&up);
  return differs;
}

static void
queue_lock (void *user)
{
  gst_vulkan_queue_submit_lock (user);
}

static void
queue_unlock (void *user)
{
  gst_vulkan_queue_submit_unlock (user);
}

static AsrStatus
engine_new_on_neighbour_device (GstAnySr * self, const Neighbour * n,
    const AsrSettings * settings, AsrEngine ** engine)
{
  GstVulkanDevice *device = (GstVulkanDevice *) n->device;
  GstVulkanQueue *queue = (GstVulkanQueue *) n->queue;
  guint major = 1, minor = 0, patch = 0;
  AsrVulkanDevice shared = { 0 };

  gst_vulkan_instance_get_version (device->instance, &major, &minor, &patch);
  shared.instance = device->instance->instance;
  shared.physical_device = gst_vulkan_device_get_physical_device (device);
  shared.device = device->device;
  shared.queue_family_index = queue->family;
  shared.queue_index = queue->index;
  shared.get_instance_proc_addr = vkGetInstanceProcAddr;
  shared.api_version = VK_MAKE_VERSION (major, minor, patch);
  /* gst-vulkan 1.22 enables no Vulkan 1.1 feature: fp32 feature maps */
  shared.enabled_features = NULL;
  shared.queue_lock = queue_lock;
  shared.queue_unlock = queue_unlock;
  shared.queue_lock_user_data = queue;
  return asr_engine_new_vulkan (settings, &shared, engine);
}

#else /* !HAVE_GST_VULKAN: no neighbours' device */

void
gst_any_sr_engine_set_context (GstAnySr * self, GstContext * context)
{
}

gboolean
gst_any_sr_engine_query (GstAnySr * self, GstQuery * query)
{
  return FALSE;
}

static gboolean
find_neighbour_device (GstAnySr * self, Neighbour * n)
{
  return FALSE;
}

static gboolean
upstream_device_differs (GstAnySr * self)
{
  return FALSE;
}

static gboolean
find_peer_device (GstAnySr * self, Neighbour * n)
{
  return FALSE;
}

static AsrStatus
engine_new_on_neighbour_device (GstAnySr * self, const Neighbour * n,
    const AsrSettings * settings, AsrEngine ** engine)
{
  return ASR_ERROR_UNSUPPORTED;
}

#endif

/* Install @engine (NULL: none), the CPU scaler mode @cpu, the device @n
 * the engine runs on (taken; empty: a device of its own, or none) and
 * @model (taken) in one step under the object lock: a property reader
 * (device-name, vulkan-device, stats) sees the old engine or the new one,
 * never none while the engine moves
 * (docs/element.md#several-elements-and-devices). The old engine is freed
 * after, then the references to its device. */
static void
publish (GstAnySr * self, AsrEngine * engine, gboolean cpu, Neighbour * n,
    gchar * model)
{
  AsrEngine *old_engine;
  Neighbour old;
  gchar *old_name, *old_model;
  gboolean device_changed;

  GST_OBJECT_LOCK (self);
  old_engine = self->engine;
  old.instance = self->vk_instance;
  old.device = self->vk_device;
  old.queue = self->vk_queue;
  old_name = self->device_name;
  old_model = self->loaded_model;
  device_changed = self->vk_engine != (engine && n->device) ||
      (engine && n->device != self->vk_device);
  self->engine = engine;
  self->cpu_scaler = cpu;
  self->vk_instance = n->instance;
  self->vk_device = n->device;
  self->vk_queue = n->queue;
  self->vk_engine = engine && n->device;
  self->device_name = engine ? g_strdup (asr_engine_device_name (engine)) :
      NULL;
  self->loaded_model = model;
  self->op_dirty = TRUE;
  GST_OBJECT_UNLOCK (self);
  n->instance = n->device = n->queue = NULL;

  g_clear_pointer (&self->last_refusal, g_free);
  if (self->converter) {
    gst_video_converter_free (self->converter);
    self->converter = NULL;
  }
  asr_engine_free (&old_engine);
  neighbour_clear (&old);
  if (g_strcmp0 (old_name, self->device_name) != 0)
    g_object_notify (G_OBJECT (self), "device-name");
  if (device_changed)
    g_object_notify (G_OBJECT (self), "vulkan-device");
  g_free (old_name);
  g_free (old_model);
}

/* Without a usable Vulkan device: the warning that says what happens
 * instead, once between NULL and NULL. */
static void
post_fallback_warning (GstAnySr * self, const gchar * cause,
    const gchar * dbg)
{
  if (self->fallback_warned)
    return;
  self->fallback_warned = TRUE;
  GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND,
      ("No usable Vulkan device (%s): anysr falls back to the CPU scaler of "
          "the GStreamer video library (bicubic, no super-resolution); "
          "fallback=false makes it fail instead", cause), ("%s", dbg));
}

/* GStreamer's CPU scaler from @in_info to @out_info: a GstVideoConverter
 * (same format, bicubic resize, no dither); NULL when it cannot be made. */
static GstVideoConverter *
new_cpu_scaler (const GstVideoInfo * in_info, const GstVideoInfo * out_info)
{
  GstStructure *opts = gst_structure_new ("GstVideoConverter",
      GST_VIDEO_CONVERTER_OPT_RESAMPLER_METHOD, GST_TYPE_VIDEO_RESAMPLER_METHOD,
      GST_VIDEO_RESAMPLER_METHOD_CUBIC,
      GST_VIDEO_CONVERTER_OPT_DITHER_METHOD, GST_TYPE_VIDEO_DITHER_METHOD,
      GST_VIDEO_DITHER_NONE, NULL);

  return gst_video_converter_new ((GstVideoInfo *) in_info,
      (GstVideoInfo *) out_info, opts);
}

/* CPU scaler mode: a GstVideoConverter from @in_info to @out_info (same
 * format, bicubic resize). Streaming thread. */
gboolean
gst_any_sr_engine_cpu_configure (GstAnySr * self,
    const GstVideoInfo * in_info, const GstVideoInfo * out_info)
{
  GstVideoConverter *conv;

  conv = new_cpu_scaler (in_info, out_info);
  if (!conv) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("anysr's CPU scaler cannot scale %s %dx%d to %dx%d",
            GST_VIDEO_INFO_NAME (in_info), GST_VIDEO_INFO_WIDTH (in_info),
            GST_VIDEO_INFO_HEIGHT (in_info), GST_VIDEO_INFO_WIDTH (out_info),
            GST_VIDEO_INFO_HEIGHT (out_info)),
        ("gst_video_converter_new() failed"));
    return FALSE;
  }
  if (self->converter)
    gst_video_converter_free (self->converter);
  self->converter = conv;
  GST_INFO_OBJECT (self, "CPU scaler: %s %dx%d -> %dx%d, bicubic",
      GST_VIDEO_INFO_NAME (in_info), GST_VIDEO_INFO_WIDTH (in_info),
      GST_VIDEO_INFO_HEIGHT (in_info), GST_VIDEO_INFO_WIDTH (out_info),
      GST_VIDEO_INFO_HEIGHT (out_info));
  return TRUE;
}

/* Open an engine and install it in place of the one open (publish()):
 * on the device @n (its references are taken) when given, else on a
 * neighbour's when one has a device, else on a device of its own, else the
 * CPU scaler when fallback allows. On failure (an element error posted)
 * the old engine is closed too, as the element has none that fits. */
static gboolean
open_engine (GstAnySr * self, Neighbour * n)
{
  Neighbour none = { NULL, NULL, NULL };
  AsrSettings settings;
  AsrEngine *engine = NULL;
  AsrStatus status;
  gchar *detail, *dbg;
  const gchar *driver_files;
  gchar *model;
  gchar model_msg[512];
  gchar *bad;
  gboolean probe;

  asr_settings_default (&settings);
  GST_OBJECT_LOCK (self);
  bad = gst_any_sr_props_check_unlocked (self, TRUE);
  settings.device_index = self->device;
  settings.precision = (AsrPrecision) self->precision;
  if (self->tuning != GST_ANY_SR_TUNING_AUTO)   /* auto: ANYSR_TUNE's value */
    settings.tuning = (AsrTuning) self->tuning;
  self->may_fall_back = self->fallback;
  model = g_strdup (self->model_location);
  GST_OBJECT_UNLOCK (self);

  if (bad) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", bad), (NULL));
    g_free (bad);
    goto fail;
  }

  /* a model file is checked before any device work, and its problem named */
  if (model) {
    model_msg[0] = '\0';
    status = asr_model_check_file (model, model_msg, sizeof (model_msg));
    if (status != ASR_OK) {
      if (!g_file_test (model, G_FILE_TEST_EXISTS)) {
        GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
            ("anysr cannot load the model \"%s\": %s", model,
                model_msg[0] ? model_msg : "no such file"),
            ("asr_model_check_file(): %s", asr_status_to_string (status)));
      } else {
        GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
            ("anysr cannot load the model \"%s\": %s", model,
                model_msg[0] ? model_msg : asr_status_to_string (status)),
            ("asr_model_check_file(): %s", asr_status_to_string (status)));
      }
      goto fail;
    }
    GST_INFO_OBJECT (self, "model %s", model);
  }
  settings.model_path = model;
  settings.log_callback = engine_log;
  settings.log_user_data = self;
  /* everything: the callback filters by the category's threshold, which
   * may change while the engine lives (its debug messages are rare: device
   * choice, allocations, pipelines, configurations, QoS decisions) */
  settings.log_level = ASR_LOG_DEBUG;

  g_free (take_engine_error (self));
  /* the neighbours' Vulkan device when they have one (GstContext), else a
   * device of the engine's own */
  status = ASR_ERROR_NO_DEVICE;
  if ((n->device && n->queue) || find_neighbour_device (self, n)) {
    status = engine_new_on_neighbour_device (self, n, &settings, &engine);
    if (status != ASR_OK) {
      gchar *why = take_engine_error (self);
      GST_WARNING_OBJECT (self, "no engine on the neighbours' Vulkan device "
          "(%s%s%s): using a device of its own", asr_status_to_string (status),
          why ? ": " : "", why ? why : "");
      g_free (why);
    }
  }
  if (status != ASR_OK) {
    /* (an instance found stays, for a later look at the neighbours) */
    gst_clear_object (&n->queue);
    gst_clear_object (&n->device);
    status = asr_engine_new (&settings, &engine);
  }
  if (status != ASR_OK) {
    detail = take_engine_error (self);
    driver_files = g_getenv ("VK_DRIVER_FILES");
    dbg = g_strdup_printf ("asr_engine_new(): %s%s%s (VK_DRIVER_FILES=%s)",
        asr_status_to_string (status), detail ? ": " : "",
        detail ? detail : "", driver_files ? driver_files : "unset");
    /* no device at all: the CPU scaler; an explicit device index beyond
     * the devices present stays an error (a setting to fix) */
    if (status == ASR_ERROR_NO_DEVICE && self->may_fall_back &&
        (settings.device_index < 0 || asr_device_count () <= 0)) {
      gchar *cause;

      if (detail)
        cause = g_strdup (detail);
      else if (settings.device_index < 0)
        cause = g_strdup ("none found. " NO_DEVICE_HINT);
      else
        cause = g_strdup_printf ("none with index %d. " NO_DEVICE_HINT,
            settings.device_index);
      post_fallback_warning (self, cause, dbg);
      g_free (cause);
      g_free (dbg);
      g_free (detail);

      publish (self, NULL, TRUE, n, model);
      return TRUE;
    } else if (status == ASR_ERROR_NO_DEVICE && detail) {
      /* libanysr's message names the cause: an index out of range, a driver
       * file that could not be loaded, no device (with the lavapipe hint) */
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("No usable Vulkan device: %s", detail), ("%s", dbg));
    } else if (status == ASR_ERROR_NO_DEVICE && settings.device_index < 0) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("No usable Vulkan device. " NO_DEVICE_HINT), ("%s", dbg));
    } else if (status == ASR_ERROR_NO_DEVICE) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("No usable Vulkan device with index %d. " NO_DEVICE_HINT,
              settings.device_index), ("%s", dbg));
    } else if (status == ASR_ERROR_MODEL) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("anysr has no usable model: %s", detail ? detail :
              asr_status_to_string (status)), ("%s", dbg));
    } else {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
          ("Could not open the Vulkan device: %s. " NO_DEVICE_HINT,
              asr_status_to_string (status)), ("%s", dbg));
    }
    g_free (dbg);
    g_free (detail);
    goto fail;
  }
#ifdef GST_ANY_SR_TEST_HOOKS
  if (g_getenv ("ANYSR_TEST_BICUBIC")) {
    GST_WARNING_OBJECT (self, "test build: bicubic resampler, no network");
    asr_engine_debug_set_bicubic (engine, 1);
  }
  if (g_getenv ("ANYSR_TEST_LOSE_DEVICE")) {
    /* the N-th queue submission finds the device lost */
    guint nth = (guint) g_ascii_strtoull (g_getenv ("ANYSR_TEST_LOSE_DEVICE"),
        NULL, 10);
    GST_WARNING_OBJECT (self, "test build: the device is lost at submission %u",
        nth);
    asr_engine_debug_inject (engine, ASR_FAULT_DEVICE_LOST, nth);
  }
  if (g_getenv ("ANYSR_TEST_TIMING")) {
    gdouble per_gmac = 0.0, fixed = 0.0;
    if (sscanf (g_getenv ("ANYSR_TEST_TIMING"), "%lf,%lf", &per_gmac,
            &fixed) >= 1) {
      GST_WARNING_OBJECT (self, "test build: synthetic timing, %g ms per GMAC "
          "+ %g ms", per_gmac, fixed);
      asr_engine_debug_set_timing (engine, per_gmac, fixed);
    }
  }
#endif

  GST_INFO_OBJECT (self, "libanysr %s on Vulkan device \"%s\"",
      asr_version (), asr_engine_device_name (engine));

  /* the device's speed, the frame-rate controller's start (a fraction of a
   * second; docs/design.md#controller), now rather than in the first frame;
   * not when adaptation is off */
  GST_OBJECT_LOCK (self);
  probe = self->target_fps != -1.0;
  GST_OBJECT_UNLOCK (self);
  if (probe) {
    AsrDeviceCeiling ceiling;
    if (asr_engine_probe_ceiling (engine, &ceiling) == ASR_OK)
      GST_DEBUG_OBJECT (self, "device ceiling %.1f GMAC/s (fp32)",
          ceiling.fp32_gflops);
  }

  publish (self, engine, FALSE, n, model);
  return TRUE;

fail:
  g_free (model);
  neighbour_clear (n);
  publish (self, NULL, FALSE, &none, NULL);
  return FALSE;
}

/* The one place that opens or reopens the engine and looks for a Vulkan
 * device: on NULL->READY (open), on READY->PAUSED (again for a new
 * model-location, or on the device a Vulkan neighbour got since) and in
 * set_info() for VulkanImage caps (the engine moves to a peer's device). */
GstAnySrEngineResult
gst_any_sr_engine_ensure (GstAnySr * self, GstAnySrEnsure when)
{
  Neighbour n = { NULL, NULL, NULL };
  gboolean reload;

  switch (when) {
    case GST_ANY_SR_ENSURE_OPEN:
      return open_engine (self, &n) ? GST_ANY_SR_ENGINE_OK :
          GST_ANY_SR_ENGINE_ERROR;
    case GST_ANY_SR_ENSURE_START:
      /* model-location changed in READY: another engine for the new model */
      GST_OBJECT_LOCK (self);
      reload = (!self->engine && !self->cpu_scaler) ||
          g_strcmp0 (self->model_location, self->loaded_model) != 0;
      GST_OBJECT_UNLOCK (self);
      if (reload)
        GST_INFO_OBJECT (self, "%s: (re)loading", self->engine ||
            self->cpu_scaler ? "model-location changed" : "no engine open");
      /* a Vulkan neighbour upstream went to READY after us: its device */
      if (!reload && self->engine && !self->vk_engine &&
          find_neighbour_device (self, &n)) {
        GST_INFO_OBJECT (self, "a neighbour has a Vulkan device: the engine "
            "moves to it");
        reload = TRUE;
      }
      if (reload && !open_engine (self, &n))
        return GST_ANY_SR_ENGINE_ERROR;
      neighbour_clear (&n);
      return GST_ANY_SR_ENGINE_OK;
    case GST_ANY_SR_ENSURE_VULKAN_IMAGE:
      /* an engine on a device of its own: a Vulkan peer that got its device
       * after we went to PAUSED (vulkanupload upstream, nothing Vulkan
       * downstream) has it now; an engine on another device than the
       * images upstream: it moves to theirs. The engine open stays in
       * place until the new one replaces it (publish()). */
      if (self->vk_engine && !upstream_device_differs (self))
        return GST_ANY_SR_ENGINE_OK;
      if (!find_peer_device (self, &n))
        return GST_ANY_SR_ENGINE_NO_PEER;
      GST_INFO_OBJECT (self, "a neighbour has a Vulkan device: the engine "
          "moves to it");
      if (!open_engine (self, &n))
        return GST_ANY_SR_ENGINE_ERROR;
      return GST_ANY_SR_ENGINE_OK;
  }
  g_return_val_if_reached (GST_ANY_SR_ENGINE_ERROR);
}

/* READY->NULL (or a failed NULL->READY): the engine, the CPU scaler and
 * the neighbours' device go; the next NULL->READY starts afresh. */
void
gst_any_sr_engine_close (GstAnySr * self)
{
  Neighbour none = { NULL, NULL, NULL };
  GstObject *keep = NULL;
  GstElement *upload = gst_any_sr_vk_quirks_old_upload (self);

  /* the neighbours' device, kept for the next stream when a gst-vulkan
   * 1.22 vulkanupload feeds us: it goes through NULL with us and makes its
   * images on its first device again (its buffer pool lives as long as the
   * element), whatever device it gets for the next stream; offered to it
   * (context queries) and used by the engine from NULL->READY on, the
   * images and the engine share one (kept_device()) */
  GST_OBJECT_LOCK (self);
  if (upload && self->engine && self->vk_engine && self->vk_device)
    keep = gst_object_ref (self->vk_device);
  GST_OBJECT_UNLOCK (self);
  publish (self, NULL, FALSE, &none, NULL);
  g_weak_ref_set (&self->kept_for, keep ? upload : NULL);
  set_kept_device (self, keep);
  gst_clear_object (&upload);
  self->fallback_warned = FALSE;
  /* what the engine's teardown freed is handed back by asr_engine_free();
   * the neighbours' device, when ours was its last reference, went after
   * it (docs/design.md#memory-plan) */
#if defined(__GLIBC__)
  malloc_trim (0);
#endif
}

/* The CPU scaler as the engine's floor (docs/design.md#controller): made
 * next to the engine for system-memory caps. Quiet when it cannot be made:
 * the engine's bicubic pass is then the only floor. Streaming thread. */
void
gst_any_sr_engine_floor_configure (GstAnySr * self,
    const GstVideoInfo * in_info, const GstVideoInfo * out_info)
{
  GstVideoConverter *conv;

  if (self->converter) {
    gst_video_converter_free (self->converter);
    self->converter = NULL;
  }
  self->floor_calibrated = FALSE;
  conv = new_cpu_scaler (in_info, out_info);
  if (!conv) {
    GST_INFO_OBJECT (self, "no CPU scaler for %s %dx%d -> %dx%d: the "
        "engine's bicubic pass is the floor", GST_VIDEO_INFO_NAME (in_info),
        GST_VIDEO_INFO_WIDTH (in_info), GST_VIDEO_INFO_HEIGHT (in_info),
        GST_VIDEO_INFO_WIDTH (out_info), GST_VIDEO_INFO_HEIGHT (out_info));
    return;
  }
  self->converter = conv;
}

/* A frame through the CPU scaler as the floor, timed, its time reported to
 * the engine (the calibration frame before adaptation's first decision,
 * and every frame the engine leaves to it: ASR_HOST_FLOOR). */
void
gst_any_sr_engine_floor_frame (GstAnySr * self, GstVideoFrame * in_frame,
    GstVideoFrame * out_frame)
{
  gint64 t0 = g_get_monotonic_time ();

  gst_video_converter_frame (self->converter, in_frame, out_frame);
  asr_engine_set_host_floor (self->engine,
      MAX ((g_get_monotonic_time () - t0) / 1000.0, 1e-3));
  self->floor_calibrated = TRUE;
}

/* A frame through the CPU scaler (no usable Vulkan device). */
GstFlowReturn
gst_any_sr_engine_cpu_frame (GstAnySr * self, GstVideoFrame * in_frame,
    GstVideoFrame * out_frame)
{
  if (self->vk_in || self->vk_out) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("anysr lost its Vulkan device "
            "with VulkanImage frames: the CPU scaler cannot take them"),
        (NULL));
    return GST_FLOW_ERROR;
  }
  if (!self->converter) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("a frame before the CPU scaler was configured"));
    return GST_FLOW_ERROR;
  }
  gst_video_converter_frame (self->converter, in_frame, out_frame);
  return GST_FLOW_OK;
}

/* The device was lost while streaming and fallback is on: the CPU scaler
 * takes over from this frame on (until the element returns to NULL).
 * Returns FALSE when it could not (the caller fails as without fallback). */
gboolean
gst_any_sr_engine_lose_device (GstAnySr * self, GstVideoFrame * in_frame,
    GstVideoFrame * out_frame)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);
  AsrEngine *engine;
  gchar *dbg;

  if (!gst_any_sr_engine_cpu_configure (self, &filter->in_info,
          &filter->out_info))
    return FALSE;
  dbg = g_strdup_printf ("asr_engine_process(): %s",
      asr_engine_last_error (self->engine));
  post_fallback_warning (self, "the device was lost", dbg);
  g_free (dbg);

  GST_OBJECT_LOCK (self);
  engine = self->engine;
  self->engine = NULL;
  self->cpu_scaler = TRUE;
  self->have_stats = FALSE;
  g_clear_pointer (&self->device_name, g_free);
  GST_OBJECT_UNLOCK (self);
  asr_engine_free (&engine);
  g_object_notify (G_OBJECT (self), "device-name");
  g_object_notify (G_OBJECT (self), "current-subnet");

  gst_video_converter_frame (self->converter, in_frame, out_frame);
  return TRUE;
}

