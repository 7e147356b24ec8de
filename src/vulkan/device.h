/*
 * The Vulkan instance, physical device choice, logical device and its
 * compute queue; the validation-layer messenger.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_DEVICE_H
#define ASR_DEVICE_H

#include <stdatomic.h>

#include "quirks.h"
#include "settings.h"
#include "vk.h"

typedef struct AsrDevice {
    AsrLog log;
    AsrVkFuncs vk;
    void *loader;
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice phys;
    VkPhysicalDeviceProperties props;
    AsrQuirks quirks;               /* quirks.h: what this driver needs done differently */
    AsrEnv env;                     /* settings.h: the ANYSR_* variables at creation */
    VkPhysicalDeviceMemoryProperties mem_props;
    uint32_t queue_family;
    uint32_t timestamp_valid_bits; /* 0: no timestamps on the queue */
    VkDevice device;
    VkQueue queue;
    /* the caller's device (asr_engine_new_vulkan()): instance and device are
     * not ours, no vkDeviceWaitIdle; submissions take queue_lock when set */
    int external;
    void (*queue_lock)(void *user);
    void (*queue_unlock)(void *user);
    void *queue_lock_user;
    atomic_uint_fast64_t validation_messages;
    /* pipelines (pipeline.c: created at a pass's first dispatch) and the
     * pipeline cache (pcache.c, docs/design.md#cache) */
    uint64_t pipelines_created;
    uint32_t passes_described;      /* passes created: pipelines that could be */
    double pipeline_ms;             /* wall time spent creating pipelines */
    AsrStatus pass_failure;         /* the first failed creation of a dispatch */
    const char *pass_failed;        /* its shader's name */
    VkPipelineCache pcache;         /* VK_NULL_HANDLE: none (no cache folder) */
    int pcache_state;               /* AsrStats.pipelines.cache */
    uint64_t pcache_bytes;          /* bytes of the file read and used */
    uint64_t pcache_hash;           /* of the data read, to skip an unchanged save */
    char pcache_path[4200];         /* the file, "" when there is no cache */
    uint64_t buffer_allocations;
    uint64_t bytes, bytes_peak;     /* memory of live buffers (device and staging) */
    int storage16;                  /* storageBuffer16BitAccess enabled */
    uint32_t subgroup_size;         /* VkPhysicalDeviceSubgroupProperties */
    /* Subgroup size control (VK_EXT_subgroup_size_control, Vulkan 1.3's
     * core; subgroup.h, docs/design.md#device-quirks): sg_control when a
     * compute pipeline may ask for a subgroup size in [sg_min, sg_max]
     * (subgroupSizeControl enabled, compute in requiredSubgroupSizeStages)
     * and for full subgroups (computeFullSubgroups enabled), at most
     * sg_max_subgroups per workgroup; else sg_min = sg_max = subgroup_size
     * and sg_why says why not (logged once, at the first kernel that would
     * have asked) */
    int sg_control;
    uint32_t sg_min, sg_max, sg_max_subgroups;
    char sg_why[160];
    atomic_int sg_why_logged;
    VkSubgroupFeatureFlags subgroup_ops; /* supported in compute shaders (0: none) */
    int float16;                    /* shaderFloat16 enabled (fp16 arithmetic: the ceiling probe) */
    /* VK_KHR_cooperative_matrix enabled (with vulkanMemoryModel,
     * shaderFloat16 and 16-bit storage), only in builds with
     * ASR_HAVE_COOPMAT: the subgroup-scope f16 x f16 -> f32 shape chosen */
    int coopmat;
    uint32_t cm_m, cm_n, cm_k;
    char coopmat_why[256];          /* why not, when coopmat is 0 */
    int coopmat_quirk;              /* not for a device quirk (quirks.h coopmat_max_lanes) */
    struct AsrProfiler *prof;       /* profiler.h: the per-pass profile, NULL when off */
    VkDeviceSize heap_bytes;        /* largest device-local heap */
    VkDeviceSize max_alloc;         /* maxMemoryAllocationSize */
    int lost;                       /* the device was lost (or hung): no more work */
    /* test hooks (internal.h asr_engine_debug_inject): when non-zero, count
     * down on each submission / buffer allocation; the one reaching 0 fails
     * with ASR_ERROR_DEVICE_LOST / ASR_ERROR_NO_MEMORY */
    uint32_t fault_lost_in, fault_alloc_in;
    /* test hook (the same): non-zero counts down on each pipeline creation;
     * the one reaching 0 fails with ASR_ERROR_VULKAN */
    uint32_t fault_pipeline_in;
} AsrDevice;

typedef struct AsrDeviceParams {
    AsrLog log;
    int device_index; /* -1: automatic (ANYSR_DEVICE, env->device_index, may override) */
    const AsrEnv *env;  /* the ANYSR_* variables (settings.h) */
    int validation;
    int want_storage16; /* enable storageBuffer16BitAccess where supported */
    int want_coopmat;   /* enable VK_KHR_cooperative_matrix where supported */
} AsrDeviceParams;

/* Create instance and device. ASR_ERROR_NO_DEVICE (logged, with a hint at
 * lavapipe) when no loader, driver or suitable device exists. */
AsrStatus asr_device_create(const AsrDeviceParams *params, AsrDevice **out);
/* Use the caller's device (anysr-vulkan.h): checks what the engine needs,
 * ASR_ERROR_UNSUPPORTED (logged, naming it) when something is missing. */
struct AsrVulkanDevice;
AsrStatus asr_device_wrap(const AsrDeviceParams *params, const struct AsrVulkanDevice *vk,
                          AsrDevice **out);
/* Accepts NULL / pointer to NULL; waits for the device to go idle. */
void asr_device_destroy(AsrDevice **d);

/* Number of physical devices, or a negative AsrStatus. Thread-safe. */
int asr_device_enumerate(void);

#endif /* ASR_DEVICE_H */
