/*
 * anysr — Vulkan interoperation: run an engine on a VkDevice the caller
 * already has (a GStreamer pipeline's, a player's), and take the frame from /
 * give it to the caller's own device memory without a trip through the host.
 *
 * This header includes <vulkan/vulkan.h>; anysr.h stays free of Vulkan types.
 *
 *     AsrVulkanDevice vk = {
 *         .instance = inst, .physical_device = phys, .device = dev,
 *         .queue_family_index = qf, .queue_index = 0,
 *         .get_instance_proc_addr = vkGetInstanceProcAddr,
 *         .api_version = VK_API_VERSION_1_1,
 *     };
 *     asr_engine_new_vulkan(&settings, &vk, &engine);
 *     asr_engine_configure(engine, &in_info, &out_info);
 *     AsrVulkanFrameIo io = { .record_input = copy_my_image_in, .user_data = me };
 *     asr_engine_process_vulkan(engine, NULL, &host_out, &io);
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * @file anysr-vulkan.h
 * Vulkan interoperation: an engine on the caller's VkDevice, and frames
 * copied in and out by commands the caller records in the engine's command
 * buffer. Includes <vulkan/vulkan.h>.
 */
#ifndef ANYSR_ANYSR_VULKAN_H
#define ANYSR_ANYSR_VULKAN_H

#include <vulkan/vulkan.h>

#include "anysr.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A Vulkan device created and owned by the caller, for
 * asr_engine_new_vulkan(). The engine keeps the handles (not this struct)
 * and never destroys them: the instance and the device must outlive the
 * engine.
 *
 * Requirements, checked by asr_engine_new_vulkan() (which fails with
 * ASR_ERROR_UNSUPPORTED and a log message naming what is missing): Vulkan
 * 1.1 (api_version, and the physical device's version), a queue family
 * with VK_QUEUE_COMPUTE_BIT at queue_family_index, queue_index below its
 * queue count. Optional, used when present: storageBuffer16BitAccess when
 * it was *enabled* on the device (enabled_features; without it the
 * feature maps are fp32, and ASR_PRECISION_FP16 fails), subgroup size
 * control when it was enabled (enabled_features: kernels that need full
 * subgroups ask for them, else take slower fallbacks), timestamps on the
 * queue family (AsrStats GPU times, profiling; 0 without them). The kernels
 * use subgroup basic, ballot and arithmetic operations in compute shaders
 * (every desktop driver and lavapipe has them).
 * Cooperative matrices and shaderFloat16 are not used on a caller's device.
 * The validation layer (AsrSettings.validation) is the caller's business:
 * the engine creates no instance and no messenger.
 */
typedef struct AsrVulkanDevice {
    /** The instance the device was created from. */
    VkInstance instance;
    /** The physical device of `device`. */
    VkPhysicalDevice physical_device;
    /** The logical device the engine runs on. */
    VkDevice device;
    /** Queue family of the engine's queue; must have VK_QUEUE_COMPUTE_BIT. */
    uint32_t queue_family_index;
    /** Index of the queue in that family. */
    uint32_t queue_index;
    /** The loader's (or the caller's) vkGetInstanceProcAddr: every other
     *  entry point is resolved through it and vkGetDeviceProcAddr; the
     *  engine does not open the Vulkan loader itself. */
    PFN_vkGetInstanceProcAddr get_instance_proc_addr;
    /** VkApplicationInfo.apiVersion of the instance (>= VK_API_VERSION_1_1). */
    uint32_t api_version;
    /** The VkPhysicalDeviceFeatures2 chain the device was created with
     *  (VkDeviceCreateInfo.pNext), read during asr_engine_new_vulkan() only;
     *  NULL: no optional feature enabled. A VkPhysicalDevice16BitStorageFeatures
     *  or VkPhysicalDeviceVulkan11Features in it says whether
     *  storageBuffer16BitAccess is on; a
     *  VkPhysicalDeviceSubgroupSizeControlFeatures (or, with api_version and
     *  the device at 1.3 or later, a VkPhysicalDeviceVulkan13Features) with
     *  subgroupSizeControl and computeFullSubgroups both on lets the kernels
     *  ask for their subgroup size (otherwise they take their fallbacks). */
    const void *enabled_features;
    /**
     * Queue submissions: vkQueueSubmit needs external synchronisation of the
     * queue. When queue_lock is non-NULL the engine calls queue_lock(user)
     * before and queue_unlock(user) after each of its submissions (with
     * GStreamer: gst_vulkan_queue_submit_lock / _unlock of the
     * GstVulkanQueue). When NULL the caller guarantees that nobody else
     * uses the queue while an engine function runs. The engine never calls
     * vkDeviceWaitIdle or vkQueueWaitIdle on a caller's device; it waits
     * for its own fences only.
     */
    /** Called before each submission (see above); NULL: no lock. */
    void (*queue_lock)(void *user_data);
    /** Called after each submission; set when queue_lock is. */
    void (*queue_unlock)(void *user_data);
    /** Passed to queue_lock and queue_unlock. */
    void *queue_lock_user_data;
    /** Reserved for future use, must be zero. */
    uint32_t reserved[8];
} AsrVulkanDevice;

/**
 * Create an engine on the caller's device (see AsrVulkanDevice): as
 * asr_engine_new(), with settings.device_index and settings.validation
 * ignored. asr_engine_free() releases what the engine created (buffers,
 * pipelines, its command pool) and leaves the device and the instance.
 *
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT (a NULL handle or function,
 *         queue_lock without queue_unlock, reserved not zero);
 *         ASR_ERROR_UNSUPPORTED (the device lacks something required: the
 *         log and asr_engine_new_vulkan's message at ASR_LOG_ERROR name
 *         it); ASR_ERROR_MODEL; ASR_ERROR_NO_MEMORY; ASR_ERROR_VULKAN.
 */
ASR_API AsrStatus asr_engine_new_vulkan(const AsrSettings *s, const AsrVulkanDevice *vk,
                                        AsrEngine **out);

/**
 * The Vulkan handles the engine runs on (its own device's, or the caller's
 * of asr_engine_new_vulkan()); queue_lock and enabled_features are NULL.
 * Returns ASR_OK or ASR_ERROR_INVALID_ARGUMENT.
 */
ASR_API AsrStatus asr_engine_get_vulkan_device(const AsrEngine *e, AsrVulkanDevice *out);

/**
 * Where the engine keeps a frame's bytes on the device: one VkBuffer, the
 * planes at offset[i] with rows stride[i] bytes apart, in the layout of
 * the AsrFrameInfo it was configured with (packed RGB: 1 plane; I420: Y,
 * U, V; NV12: Y, UV). Strides are whole texels of the plane.
 */
typedef struct AsrVulkanFrameBuffer {
    /** The buffer holding every plane. */
    VkBuffer buffer;
    VkDeviceSize size; /**< bytes of the frame, from offset 0 */
    /** Number of planes (1 to ASR_MAX_PLANES). */
    uint32_t planes;
    /** Byte offset of each plane in buffer. */
    VkDeviceSize offset[ASR_MAX_PLANES];
    /** Bytes from one row of each plane to the next. */
    VkDeviceSize stride[ASR_MAX_PLANES];
} AsrVulkanFrameBuffer;

/**
 * Callbacks that record the caller's commands into the engine's command
 * buffer, for asr_engine_process_vulkan(). Both are called on the thread
 * of that call, while the engine records the frame.
 *
 * record_input (NULL: the input comes from the host frame `in`): record
 * commands that write the input frame's bytes into `buf` (e.g. a layout
 * transition of the caller's image and vkCmdCopyImageToBuffer). The
 * engine places the barrier after them (transfer writes -> compute
 * reads); commands before them in the buffer do not touch `buf`.
 *
 * record_output (NULL: the output goes to the host frame `out`): record
 * commands that read the output frame's bytes from `buf` (e.g.
 * vkCmdCopyBufferToImage). The engine places the barrier before them
 * (compute writes -> transfer reads); the caller's own commands need
 * their own barriers for what they write (its image's layout, access).
 *
 * Both run in the frame's one submission, or, on a CPU device where a
 * frame is split into several (asr_engine_cancel()), input in the first
 * and output in the last. The call returns when the device has finished
 * them all, so the caller's images may be reused after it. A callback
 * returning non-zero makes the call fail with ASR_ERROR_VULKAN (nothing
 * is submitted any more).
 */
typedef struct AsrVulkanFrameIo {
    /** Records the copy of the input frame into `buf`; NULL: the host frame `in`. */
    int (*record_input)(void *user_data, VkCommandBuffer cb, const AsrVulkanFrameBuffer *buf);
    /** Records the copy of the output frame out of `buf`; NULL: the host frame `out`. */
    int (*record_output)(void *user_data, VkCommandBuffer cb, const AsrVulkanFrameBuffer *buf);
    /** Passed to both callbacks. */
    void *user_data;
} AsrVulkanFrameIo;

/**
 * asr_engine_process() with the input and / or the output on the device:
 * `in` may be NULL when io->record_input is set, `out` NULL when
 * io->record_output is set; io NULL (or both callbacks NULL) is
 * asr_engine_process(). Synchronous, same operating-point choice, stats
 * and errors as asr_engine_process(); the host copies of a side with a
 * callback are skipped (the staging buffers are not touched).
 */
ASR_API AsrStatus asr_engine_process_vulkan(AsrEngine *e, const AsrFrame *in, AsrFrame *out,
                                            const AsrVulkanFrameIo *io);

#ifdef __cplusplus
}
#endif

#endif /* ANYSR_ANYSR_VULKAN_H */
