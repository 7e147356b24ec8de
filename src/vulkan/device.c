/*
 * Instance, physical device choice, device and compute queue.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "coopmat.h"
#include "device.h"
#include "anysr/anysr-vulkan.h"

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

static const char no_device_hint[] =
    "no Vulkan device was found; Mesa's lavapipe (Debian package "
    "mesa-vulkan-drivers) provides a CPU device, selectable with "
    "VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.<arch>.json";

/* The loader's driver list when the environment sets it, else NULL. */
static const char *driver_files_env(void)
{
    const char *s = getenv("VK_DRIVER_FILES");
    if (!s || !*s)
        s = getenv("VK_ICD_FILENAMES");
    return s && *s ? s : NULL;
}

/* Whether every file of a VK_DRIVER_FILES list can be read and starts as
 * a JSON object (a driver manifest): then a failure is not the list's */
static int driver_files_readable(const char *list)
{
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ":");
        char path[4096];
        if (n && n < sizeof(path)) {
            memcpy(path, p, n);
            path[n] = '\0';
            FILE *f = fopen(path, "rb");
            int c = EOF;
            if (f) {
                do
                    c = fgetc(f);
                while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
                fclose(f);
            }
            if (c != '{')
                return 0;
        } else if (n) {
            return 0;
        }
        p += n + (p[n] == ':');
    }
    return 1;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL
messenger_cb(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
             VkDebugUtilsMessageTypeFlagsEXT types,
             const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
    AsrDevice *d = user;
    const char *msg = data && data->pMessage ? data->pMessage : "(no message)";
    if (types & VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT) {
        atomic_fetch_add(&d->validation_messages, 1);
        asr_err(&d->log, "validation: %s", msg);
        if (d->env.validation_fatal) {
            fprintf(stderr, "anysr: validation message (ANYSR_VALIDATION=fatal): %s\n", msg);
            fflush(stderr);
            abort();
        }
    } else {
        asr_log(&d->log, severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ?
                ASR_LOG_ERROR : ASR_LOG_WARNING, "vulkan: %s", msg);
    }
    return VK_FALSE;
}

static int has_layer(const VkLayerProperties *layers, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(layers[i].layerName, name))
            return 1;
    return 0;
}

static int has_extension(const VkExtensionProperties *exts, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(exts[i].extensionName, name))
            return 1;
    return 0;
}

static int type_score(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
    }
}

/* Compute queue family of `phys`, preferring one with timestamps; -1 if none. */
static int find_queue_family(const AsrVkFuncs *vk, VkPhysicalDevice phys, uint32_t *ts_bits)
{
    VkQueueFamilyProperties fams[32];
    uint32_t n = ASR_ARRAY_SIZE(fams);
    vk->vkGetPhysicalDeviceQueueFamilyProperties(phys, &n, fams);
    int best = -1;
    for (uint32_t i = 0; i < n; i++) {
        if (!(fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || !fams[i].queueCount)
            continue;
        if (best < 0 || (!fams[best].timestampValidBits && fams[i].timestampValidBits))
            best = (int)i;
    }
    if (best >= 0)
        *ts_bits = fams[best].timestampValidBits;
    return best;
}

/* Create the instance with `layers`/`exts`; NO_DEVICE when the loader finds
 * no driver. */
static AsrStatus create_instance(AsrDevice *d, int validation)
{
    AsrStatus status = ASR_OK;
    AsrVkFuncs *vk = &d->vk;
    VkLayerProperties *layers = NULL;
    VkExtensionProperties *exts = NULL;
    uint32_t n_layers = 0, n_exts = 0;
    const char *enabled_layers[1];
    const char *enabled_exts[2];
    uint32_t n_enabled_layers = 0, n_enabled_exts = 0;
    int debug_utils = 0;
    VkInstanceCreateFlags flags = 0;

    if (vk->vkEnumerateInstanceExtensionProperties(NULL, &n_exts, NULL) != VK_SUCCESS)
        n_exts = 0;
    if (n_exts) {
        exts = calloc(n_exts, sizeof(*exts));
        if (!exts) {
            status = ASR_ERROR_NO_MEMORY;
            goto error;
        }
        if (vk->vkEnumerateInstanceExtensionProperties(NULL, &n_exts, exts) < 0)
            n_exts = 0;
    }
    if (has_extension(exts, n_exts, VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
        enabled_exts[n_enabled_exts++] = VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME;
        flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
    }

    if (validation) {
        if (vk->vkEnumerateInstanceLayerProperties(&n_layers, NULL) != VK_SUCCESS)
            n_layers = 0;
        if (n_layers) {
            layers = calloc(n_layers, sizeof(*layers));
            if (!layers) {
                status = ASR_ERROR_NO_MEMORY;
                goto error;
            }
            if (vk->vkEnumerateInstanceLayerProperties(&n_layers, layers) < 0)
                n_layers = 0;
        }
        if (has_layer(layers, n_layers, VALIDATION_LAYER)) {
            enabled_layers[n_enabled_layers++] = VALIDATION_LAYER;
            debug_utils = 1; /* the layer implements VK_EXT_debug_utils */
        } else {
            asr_warn(&d->log, "validation requested but the layer %s is not installed "
                     "(Debian package vulkan-validationlayers)", VALIDATION_LAYER);
            debug_utils = has_extension(exts, n_exts, VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
        }
        if (debug_utils)
            enabled_exts[n_enabled_exts++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    }

    VkDebugUtilsMessengerCreateInfoEXT mci = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = messenger_cb,
        .pUserData = d,
    };
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "anysr",
        .applicationVersion = VK_MAKE_VERSION(ASR_VERSION_MAJOR, ASR_VERSION_MINOR, ASR_VERSION_PATCH),
        .pEngineName = "libanysr",
        .engineVersion = VK_MAKE_VERSION(ASR_VERSION_MAJOR, ASR_VERSION_MINOR, ASR_VERSION_PATCH),
        .apiVersion = VK_API_VERSION_1_1,
    };
    VkInstanceCreateInfo ici = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pNext = debug_utils ? &mci : NULL,
        .flags = flags,
        .pApplicationInfo = &app,
        .enabledLayerCount = n_enabled_layers,
        .ppEnabledLayerNames = enabled_layers,
        .enabledExtensionCount = n_enabled_exts,
        .ppEnabledExtensionNames = enabled_exts,
    };
    VkResult res = vk->vkCreateInstance(&ici, NULL, &d->instance);
    char hint[96];
    if (res != VK_SUCCESS && *asr_vk_memory_hint(res, hint, sizeof(hint)) &&
        (!driver_files_env() || driver_files_readable(driver_files_env()))) {
        /* the drivers' files are fine: their own allocations failed */
        asr_err(&d->log, "vkCreateInstance failed (%s)%s; or no driver could start: %s",
                asr_vkresult_to_string(res), hint, no_device_hint);
        d->instance = VK_NULL_HANDLE;
        status = res == VK_ERROR_INITIALIZATION_FAILED ? ASR_ERROR_NO_DEVICE
                                                       : asr_status_from_vkresult(res);
        goto error;
    }
    if (res != VK_SUCCESS && driver_files_env()) {
        /* the loader reports a driver file it cannot load in many ways
         * (VK_ERROR_OUT_OF_HOST_MEMORY for a file of junk) */
        asr_err(&d->log, "vkCreateInstance failed (%s): the driver file could not be loaded "
                "(VK_DRIVER_FILES=%s; each must be a Vulkan driver .json manifest naming an "
                "installed driver); %s", asr_vkresult_to_string(res), driver_files_env(),
                no_device_hint);
        d->instance = VK_NULL_HANDLE;
        status = ASR_ERROR_NO_DEVICE;
        goto error;
    }
    if (res == VK_ERROR_INCOMPATIBLE_DRIVER || res == VK_ERROR_INITIALIZATION_FAILED) {
        asr_err(&d->log, "vkCreateInstance failed (%s): %s", asr_vkresult_to_string(res),
                no_device_hint);
        d->instance = VK_NULL_HANDLE;
        status = ASR_ERROR_NO_DEVICE;
        goto error;
    }
    VK(&d->log, res);
    status = asr_vk_load_instance(&d->log, vk, d->instance);
    if (status < 0)
        goto error;
    if (debug_utils && vk->vkCreateDebugUtilsMessengerEXT)
        VK(&d->log, vk->vkCreateDebugUtilsMessengerEXT(d->instance, &mci, NULL, &d->messenger));

error:
    free(layers);
    free(exts);
    return status;
}

static int env_device_index(const AsrLog *log, const AsrEnv *env)
{
    if (env->device_invalid[0])
        asr_warn(log, "ignoring ANYSR_DEVICE=%s: not a device index", env->device_invalid);
    return env->device_index;
}

static AsrStatus choose_device(AsrDevice *d, int index)
{
    AsrStatus status = ASR_OK;
    AsrVkFuncs *vk = &d->vk;
    VkPhysicalDevice *devs = NULL;
    uint32_t n = 0;

    VkResult res = vk->vkEnumeratePhysicalDevices(d->instance, &n, NULL);
    if ((res != VK_SUCCESS || !n) && driver_files_env()) {
        asr_err(&d->log, "vkEnumeratePhysicalDevices %s%s: the driver file could not be loaded "
                "(VK_DRIVER_FILES=%s; each must be a Vulkan driver .json manifest naming an "
                "installed driver); %s", res != VK_SUCCESS ? "failed: " : "found no device",
                res != VK_SUCCESS ? asr_vkresult_to_string(res) : "", driver_files_env(),
                no_device_hint);
        status = ASR_ERROR_NO_DEVICE;
        goto error;
    }
    VK(&d->log, res);
    if (!n) {
        asr_err(&d->log, "%s", no_device_hint);
        status = ASR_ERROR_NO_DEVICE;
        goto error;
    }
    devs = calloc(n, sizeof(*devs));
    if (!devs) {
        status = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    res = vk->vkEnumeratePhysicalDevices(d->instance, &n, devs);
    if (res != VK_INCOMPLETE)
        VK(&d->log, res);

    const char *from = "device_index";
    if (index < 0) {
        index = env_device_index(&d->log, &d->env);
        from = "ANYSR_DEVICE";
    }
    if (index >= (int)n) {
        asr_err(&d->log, "Vulkan device index %d (%s) is out of range: %u device(s) exist, "
                "indices 0 to %u", index, from, n, n - 1);
        status = ASR_ERROR_NO_DEVICE;
        goto error;
    }

    int best = -1, best_score = -1;
    for (uint32_t i = 0; i < n; i++) {
        if (index >= 0 && (int)i != index)
            continue;
        VkPhysicalDeviceProperties props;
        uint32_t ts_bits = 0;
        vk->vkGetPhysicalDeviceProperties(devs[i], &props);
        asr_dbg(&d->log, "Vulkan device %u: %s (type %d, API %u.%u)", i, props.deviceName,
                (int)props.deviceType, VK_API_VERSION_MAJOR(props.apiVersion),
                VK_API_VERSION_MINOR(props.apiVersion));
        if (props.apiVersion < VK_API_VERSION_1_1) {
            asr_warn(&d->log, "Vulkan device %u (%s) lacks Vulkan 1.1", i, props.deviceName);
            continue;
        }
        if (find_queue_family(vk, devs[i], &ts_bits) < 0) {
            asr_warn(&d->log, "Vulkan device %u (%s) has no compute queue", i, props.deviceName);
            continue;
        }
        if (type_score(props.deviceType) > best_score) {
            best = (int)i;
            best_score = type_score(props.deviceType);
        }
    }
    if (best < 0) {
        asr_err(&d->log, "no Vulkan 1.1 device with a compute queue among %u device(s); %s",
                n, no_device_hint);
        status = ASR_ERROR_NO_DEVICE;
        goto error;
    }
    d->phys = devs[best];
    vk->vkGetPhysicalDeviceProperties(d->phys, &d->props);
    vk->vkGetPhysicalDeviceMemoryProperties(d->phys, &d->mem_props);
    d->queue_family = (uint32_t)find_queue_family(vk, d->phys, &d->timestamp_valid_bits);
    asr_info(&d->log, "using Vulkan device %d: %s", best, d->props.deviceName);

error:
    free(devs);
    return status;
}

/* Subgroup properties, maxMemoryAllocationSize and the largest
 * device-local heap of d->phys (d->mem_props already read). */
/* Fill the feature structs of the pNext chain `features` from the device */
static void query_features(AsrDevice *d, void *features)
{
    VkPhysicalDeviceFeatures2 f2 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
        .pNext = features,
    };
    d->vk.vkGetPhysicalDeviceFeatures2(d->phys, &f2);
}

/* Fill the property structs of the pNext chain `props` from the device */
static void query_properties(AsrDevice *d, void *props)
{
    VkPhysicalDeviceProperties2 p2 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
        .pNext = props,
    };
    d->vk.vkGetPhysicalDeviceProperties2(d->phys, &p2);
}

static void query_limits(AsrDevice *d)
{
    VkPhysicalDeviceMaintenance3Properties m3 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES,
    };
    VkPhysicalDeviceSubgroupProperties sg = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
        .pNext = &m3,
    };
    query_properties(d, &sg);
    asr_quirks_detect(&d->vk, d->phys, &d->props, &d->quirks);
    asr_dbg(&d->log, "driver id %d, Mesa %u.%u", (int)d->quirks.driver, d->quirks.mesa_major,
            d->quirks.mesa_minor);
    d->subgroup_size = sg.subgroupSize;
    d->subgroup_ops = (sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) ? sg.supportedOperations : 0;
    d->max_alloc = m3.maxMemoryAllocationSize ? m3.maxMemoryAllocationSize : (1ull << 30);
    for (uint32_t i = 0; i < d->mem_props.memoryHeapCount; i++) {
        const VkMemoryHeap *h = &d->mem_props.memoryHeaps[i];
        if ((h->flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) && h->size > d->heap_bytes)
            d->heap_bytes = h->size;
    }
}

/* Subgroup size control of d->phys (d->subgroup_size already read) when
 * `enabled` (the device was or will be created with subgroupSizeControl
 * and computeFullSubgroups): the sizes and the stages that may ask for
 * one. Else, or where compute cannot ask, d->sg_why says why (subgroup.h). */
static void query_subgroup_control(AsrDevice *d, int enabled, const char *why_not)
{
    d->sg_min = d->sg_max = d->subgroup_size;
    d->sg_control = 0;
    if (!enabled) {
        snprintf(d->sg_why, sizeof(d->sg_why), "%s", why_not);
        return;
    }
    VkPhysicalDeviceSubgroupSizeControlPropertiesEXT sp = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES_EXT,
    };
    query_properties(d, &sp);
    if (!(sp.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT) || !sp.minSubgroupSize ||
        sp.minSubgroupSize > d->subgroup_size || sp.maxSubgroupSize < d->subgroup_size) {
        snprintf(d->sg_why, sizeof(d->sg_why), "compute shaders cannot ask for a subgroup size "
                 "(requiredSubgroupSizeStages 0x%x, sizes %u to %u)",
                 (unsigned)sp.requiredSubgroupSizeStages, sp.minSubgroupSize, sp.maxSubgroupSize);
        return;
    }
    d->sg_control = 1;
    d->sg_min = sp.minSubgroupSize;
    d->sg_max = sp.maxSubgroupSize;
    d->sg_max_subgroups = sp.maxComputeWorkgroupSubgroups;
    d->sg_why[0] = '\0';
}

AsrStatus asr_device_create(const AsrDeviceParams *params, AsrDevice **out)
{
    AsrStatus status = ASR_OK;
    AsrDevice *d = calloc(1, sizeof(*d));
    *out = NULL;
    if (!d)
        return ASR_ERROR_NO_MEMORY;
    d->log = params->log;
    atomic_init(&d->validation_messages, 0);
    atomic_init(&d->sg_why_logged, 0);
    d->env = *params->env;
    /* lavapipe 22.3 crashes (SIGSEGV in its pipeline compiler) under an
     * address space of 300 to 600 MiB: say so before it can */
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < ((rlim_t)1 << 30))
        asr_warn(&d->log, "the process's address space is limited to %llu MiB (ulimit -v): "
                 "Vulkan drivers may fail or crash for want of memory (lavapipe needs about "
                 "1 GiB)", (unsigned long long)(rl.rlim_cur >> 20));

    status = asr_vk_open_loader(&d->log, &d->vk, &d->loader);
    if (status < 0)
        goto error;
    status = create_instance(d, params->validation);
    if (status < 0)
        goto error;
    status = choose_device(d, params->device_index);
    if (status < 0)
        goto error;

    /* 16-bit storage (Vulkan 1.1 core feature) for fp16 feature maps */
    VkPhysicalDevice16BitStorageFeatures s16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
    };
    query_features(d, &s16);
    VkPhysicalDevice16BitStorageFeatures s16_on = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
        .storageBuffer16BitAccess = VK_TRUE,
    };
    d->storage16 = params->want_storage16 && s16.storageBuffer16BitAccess;
    query_limits(d);

    /* a portability implementation (found through the portability
     * enumeration of the instance) requires its subset extension enabled */
    const char *dev_exts[7];
    uint32_t n_dev_exts = 0;
    uint32_t n_props = 0;
    int has_f16_ext = 0, has_cm_ext = 0, has_vmm_ext = 0, has_sgc_ext = 0;
    if (d->vk.vkEnumerateDeviceExtensionProperties(d->phys, NULL, &n_props, NULL) == VK_SUCCESS &&
        n_props) {
        VkExtensionProperties *props = calloc(n_props, sizeof(*props));
        if (props && d->vk.vkEnumerateDeviceExtensionProperties(d->phys, NULL, &n_props, props) ==
                         VK_SUCCESS) {
            if (has_extension(props, n_props, "VK_KHR_portability_subset"))
                dev_exts[n_dev_exts++] = "VK_KHR_portability_subset";
            has_f16_ext = has_extension(props, n_props, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
            has_cm_ext = has_extension(props, n_props, VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME);
            has_vmm_ext = has_extension(props, n_props, VK_KHR_VULKAN_MEMORY_MODEL_EXTENSION_NAME);
            has_sgc_ext = has_extension(props, n_props,
                                        VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
        }
        free(props);
    }

    /* fp16 arithmetic (shaderFloat16, VK_KHR_shader_float16_int8 under the
     * Vulkan 1.1 instance): only the ceiling probe's fp16 variant uses it;
     * enabled where the device has it */
    VkPhysicalDeviceShaderFloat16Int8FeaturesKHR f16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES_KHR,
    };
    if (has_f16_ext) {
        query_features(d, &f16);
    }
    VkPhysicalDeviceShaderFloat16Int8FeaturesKHR f16_on = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES_KHR,
        .pNext = d->storage16 ? &s16_on : NULL,
        .shaderFloat16 = VK_TRUE,
    };
    d->float16 = has_f16_ext && f16.shaderFloat16;
    if (d->float16)
        dev_exts[n_dev_exts++] = VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME;
    void *chain = d->float16 ? (void *)&f16_on : d->storage16 ? (void *)&s16_on : NULL;

    /* subgroup size control (VK_EXT_subgroup_size_control under the Vulkan
     * 1.1 instance): kernels that need a subgroup size or full subgroups ask
     * for them (subgroup.h); enabled where the device has both features */
    VkPhysicalDeviceSubgroupSizeControlFeaturesEXT sgc = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT,
    };
    if (has_sgc_ext) {
        query_features(d, &sgc);
    }
    VkPhysicalDeviceSubgroupSizeControlFeaturesEXT sgc_on = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT,
        .pNext = chain,
        .subgroupSizeControl = VK_TRUE,
        .computeFullSubgroups = VK_TRUE,
    };
    int sg_on = has_sgc_ext && sgc.subgroupSizeControl && sgc.computeFullSubgroups;
    query_subgroup_control(d, sg_on, !has_sgc_ext ? "the device lacks "
                           VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME : !sgc.subgroupSizeControl ?
                           "the device lacks subgroupSizeControl" :
                           "the device lacks computeFullSubgroups");
    if (d->sg_control) {
        dev_exts[n_dev_exts++] = VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME;
        chain = &sgc_on;
    }
    asr_dbg(&d->log, "subgroups: %u lanes%s%s (sizes %u to %u, at most %u per workgroup)",
            d->subgroup_size, d->sg_control ? ", size control" : "; no size control: ",
            d->sg_why, d->sg_min, d->sg_max, d->sg_max_subgroups);

    /* cooperative matrices (conv3x3_coopmat.comp, SPIR-V 1.3 with
     * SPV_KHR_cooperative_matrix and SPV_KHR_vulkan_memory_model): the
     * extension with its feature, a subgroup-scope f16 x f16 -> f32 shape for
     * compute shaders, vulkanMemoryModel, shaderFloat16 and 16-bit storage */
    VkPhysicalDeviceCooperativeMatrixFeaturesKHR cm_on = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR,
        .cooperativeMatrix = VK_TRUE,
    };
    VkPhysicalDeviceVulkanMemoryModelFeatures vmm_on = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES,
        .vulkanMemoryModel = VK_TRUE,
        /* the other shaders' atomics use Device scope: with the Vulkan memory
         * model on, that needs vulkanMemoryModelDeviceScope */
        .vulkanMemoryModelDeviceScope = VK_TRUE,
    };
    snprintf(d->coopmat_why, sizeof(d->coopmat_why), "libanysr was built without "
             "cooperative-matrix shaders (meson: have_coopmat_shaders false, glslang >= 14 needed)");
#ifdef ASR_HAVE_COOPMAT
    if (!params->want_coopmat) {
        snprintf(d->coopmat_why, sizeof(d->coopmat_why), "not requested");
    } else if (!has_cm_ext || !has_vmm_ext) {
        snprintf(d->coopmat_why, sizeof(d->coopmat_why), "the device lacks %s",
                 !has_cm_ext ? VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME
                             : VK_KHR_VULKAN_MEMORY_MODEL_EXTENSION_NAME);
    } else if (!d->float16 || !d->storage16) {
        snprintf(d->coopmat_why, sizeof(d->coopmat_why), "the device lacks %s",
                 !d->float16 ? "shaderFloat16" : "storageBuffer16BitAccess (or fp32 was asked for)");
    } else {
        VkPhysicalDeviceCooperativeMatrixFeaturesKHR cmf = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR,
        };
        VkPhysicalDeviceVulkanMemoryModelFeatures vmm = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES,
            .pNext = &cmf,
        };
        query_features(d, &vmm);
        VkPhysicalDeviceCooperativeMatrixPropertiesKHR cmp = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_PROPERTIES_KHR,
        };
        query_properties(d, &cmp);
        PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR get_shapes =
            (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR)d->vk.vkGetInstanceProcAddr(
                d->instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");
        VkCooperativeMatrixPropertiesKHR shapes[64];
        uint32_t n_shapes = 0;
        if (get_shapes) {
            for (uint32_t i = 0; i < ASR_ARRAY_SIZE(shapes); i++)
                shapes[i] = (VkCooperativeMatrixPropertiesKHR) {
                    .sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR,
                };
            n_shapes = ASR_ARRAY_SIZE(shapes);
            VkResult r = get_shapes(d->phys, &n_shapes, shapes);
            if (r != VK_SUCCESS && r != VK_INCOMPLETE)
                n_shapes = 0;
        }
        /* the largest f16 x f16 -> f32 subgroup shape with every side <= 16
         * (16x16x16 on current GPUs, 8x8x8 on lavapipe) */
        uint32_t best = 0;
        for (uint32_t i = 0; i < n_shapes; i++) {
            const VkCooperativeMatrixPropertiesKHR *c = &shapes[i];
            if (c->AType != VK_COMPONENT_TYPE_FLOAT16_KHR || c->BType != VK_COMPONENT_TYPE_FLOAT16_KHR ||
                c->CType != VK_COMPONENT_TYPE_FLOAT32_KHR ||
                c->ResultType != VK_COMPONENT_TYPE_FLOAT32_KHR || c->scope != VK_SCOPE_SUBGROUP_KHR ||
                c->saturatingAccumulation || c->MSize > 16 || c->NSize > 16 || c->KSize > 16 ||
                c->KSize % 8 || c->MSize % 8 || c->NSize % 8)
                continue;
            uint32_t v = c->MSize * c->NSize * c->KSize;
            if (v > best) {
                best = v;
                d->cm_m = c->MSize, d->cm_n = c->NSize, d->cm_k = c->KSize;
            }
        }
        if (!cmf.cooperativeMatrix || !(cmp.cooperativeMatrixSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT))
            snprintf(d->coopmat_why, sizeof(d->coopmat_why),
                     "the device has no cooperativeMatrix feature for compute shaders");
        else if (!vmm.vulkanMemoryModel || !vmm.vulkanMemoryModelDeviceScope)
            snprintf(d->coopmat_why, sizeof(d->coopmat_why), "the device lacks %s",
                     !vmm.vulkanMemoryModel ? "vulkanMemoryModel" : "vulkanMemoryModelDeviceScope");
        else if (!best)
            snprintf(d->coopmat_why, sizeof(d->coopmat_why), "the device has no subgroup-scope "
                     "f16 x f16 -> f32 cooperative-matrix shape (sides multiples of 8, at most 16)");
        else if (d->subgroup_size < 8 || d->subgroup_size > 128)
            snprintf(d->coopmat_why, sizeof(d->coopmat_why), "subgroup size %u", d->subgroup_size);
        else if (d->quirks.coopmat_max_lanes && d->subgroup_size > d->quirks.coopmat_max_lanes) {
            d->coopmat_quirk = 1;
            snprintf(d->coopmat_why, sizeof(d->coopmat_why), "its driver compiles "
                     "cooperative-matrix shaders only at subgroups of up to %u lanes, it runs %u "
                     "(a device quirk, docs/design.md#device-quirks)",
                     d->quirks.coopmat_max_lanes, d->subgroup_size);
        } else if (!d->sg_control)
            /* a matrix operation takes every lane of its subgroup: only in
             * full subgroups of the size the shapes were enumerated for */
            snprintf(d->coopmat_why, sizeof(d->coopmat_why), "its subgroups cannot be asked to "
                     "be full: %s", d->sg_why);
        else
            d->coopmat = 1;
    }
    if (d->coopmat) {
        d->coopmat_why[0] = '\0';
        dev_exts[n_dev_exts++] = VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME;
        dev_exts[n_dev_exts++] = VK_KHR_VULKAN_MEMORY_MODEL_EXTENSION_NAME;
        vmm_on.pNext = chain;
        cm_on.pNext = &vmm_on;
        chain = &cm_on;
        asr_info(&d->log, "cooperative matrices: %ux%ux%u f16 x f16 -> f32, subgroup scope",
                 d->cm_m, d->cm_n, d->cm_k);
    }
#else
    (void)has_cm_ext, (void)has_vmm_ext, (void)cm_on, (void)vmm_on;
#endif

    const float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = d->queue_family,
        .queueCount = 1,
        .pQueuePriorities = &prio,
    };
    VkDeviceCreateInfo dci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .pNext = chain,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &qci,
        .enabledExtensionCount = n_dev_exts,
        .ppEnabledExtensionNames = n_dev_exts ? dev_exts : NULL,
    };
    VK(&d->log, d->vk.vkCreateDevice(d->phys, &dci, NULL, &d->device));
    status = asr_vk_load_device(&d->log, &d->vk, d->device);
    if (status < 0)
        goto error;
    d->vk.vkGetDeviceQueue(d->device, d->queue_family, 0, &d->queue);

    *out = d;
    return ASR_OK;

error:
    asr_device_destroy(&d);
    return status;
}

/* storageBuffer16BitAccess in a VkDeviceCreateInfo.pNext chain */
static int chain_storage16(const void *chain)
{
    for (const VkBaseInStructure *b = chain; b; b = b->pNext) {
        if (b->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES)
            return ((const VkPhysicalDevice16BitStorageFeatures *)b)->storageBuffer16BitAccess;
        if (b->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES)
            return ((const VkPhysicalDeviceVulkan11Features *)b)->storageBuffer16BitAccess;
    }
    return 0;
}

/* subgroupSizeControl and computeFullSubgroups both in a VkDeviceCreateInfo.pNext
 * chain (VK_EXT_subgroup_size_control's struct, or Vulkan 1.3's where the
 * device and the instance are 1.3) */
static int chain_subgroup_control(const void *chain, int vk13)
{
    for (const VkBaseInStructure *b = chain; b; b = b->pNext) {
        if (b->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT) {
            const VkPhysicalDeviceSubgroupSizeControlFeaturesEXT *f = (const void *)b;
            return f->subgroupSizeControl && f->computeFullSubgroups;
        }
        if (vk13 && b->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES) {
            const VkPhysicalDeviceVulkan13Features *f = (const void *)b;
            return f->subgroupSizeControl && f->computeFullSubgroups;
        }
    }
    return 0;
}

AsrStatus asr_device_wrap(const AsrDeviceParams *params, const AsrVulkanDevice *v, AsrDevice **out)
{
    AsrStatus status = ASR_OK;
    AsrDevice *d = calloc(1, sizeof(*d));
    *out = NULL;
    if (!d)
        return ASR_ERROR_NO_MEMORY;
    d->log = params->log;
    d->env = *params->env;
    d->external = 1;
    atomic_init(&d->validation_messages, 0);
    atomic_init(&d->sg_why_logged, 0);
    d->queue_lock = v->queue_lock;
    d->queue_unlock = v->queue_unlock;
    d->queue_lock_user = v->queue_lock_user_data;
    d->instance = v->instance;
    d->phys = v->physical_device;
    d->device = v->device;
    d->vk.vkGetInstanceProcAddr = v->get_instance_proc_addr;
    if (v->api_version < VK_API_VERSION_1_1) {
        asr_err(&d->log, "the caller's Vulkan instance was created for API %u.%u: the engine "
                "needs Vulkan 1.1", VK_API_VERSION_MAJOR(v->api_version),
                VK_API_VERSION_MINOR(v->api_version));
        status = ASR_ERROR_UNSUPPORTED;
        goto error;
    }
    status = asr_vk_load_instance(&d->log, &d->vk, d->instance);
    if (status < 0)
        goto error;
    d->vk.vkGetPhysicalDeviceProperties(d->phys, &d->props);
    d->vk.vkGetPhysicalDeviceMemoryProperties(d->phys, &d->mem_props);
    if (d->props.apiVersion < VK_API_VERSION_1_1) {
        asr_err(&d->log, "the caller's Vulkan device %s lacks Vulkan 1.1", d->props.deviceName);
        status = ASR_ERROR_UNSUPPORTED;
        goto error;
    }
    VkQueueFamilyProperties fams[32];
    uint32_t n_fams = ASR_ARRAY_SIZE(fams);
    d->vk.vkGetPhysicalDeviceQueueFamilyProperties(d->phys, &n_fams, fams);
    if (v->queue_family_index >= n_fams ||
        !(fams[v->queue_family_index].queueFlags & VK_QUEUE_COMPUTE_BIT) ||
        v->queue_index >= fams[v->queue_family_index].queueCount) {
        asr_err(&d->log, "the caller's queue (family %u, index %u) on %s is not a compute queue "
                "of the device (%u families)", v->queue_family_index, v->queue_index,
                d->props.deviceName, n_fams);
        status = ASR_ERROR_UNSUPPORTED;
        goto error;
    }
    d->queue_family = v->queue_family_index;
    d->timestamp_valid_bits = fams[d->queue_family].timestampValidBits;

    query_limits(d);
    const VkSubgroupFeatureFlags sg_want = VK_SUBGROUP_FEATURE_BASIC_BIT |
        VK_SUBGROUP_FEATURE_BALLOT_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
    if ((d->subgroup_ops & sg_want) != sg_want)
        asr_info(&d->log, "the caller's device %s lacks subgroup operations in compute shaders "
                 "(%s%s%s): the slower paths run", d->props.deviceName,
                 d->subgroup_ops & VK_SUBGROUP_FEATURE_BASIC_BIT ? "" : " basic",
                 d->subgroup_ops & VK_SUBGROUP_FEATURE_BALLOT_BIT ? "" : " ballot",
                 d->subgroup_ops & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT ? "" : " arithmetic");
    if (!d->timestamp_valid_bits)
        asr_info(&d->log, "queue family %u of %s has no timestamps: no GPU times",
                 d->queue_family, d->props.deviceName);
    d->storage16 = params->want_storage16 && chain_storage16(v->enabled_features);
    if (params->want_storage16 && !d->storage16)
        asr_info(&d->log, "storageBuffer16BitAccess is not enabled on the caller's device %s: "
                 "fp32 feature maps", d->props.deviceName);
    snprintf(d->coopmat_why, sizeof(d->coopmat_why), "not used on a caller's device");
    query_subgroup_control(d, chain_subgroup_control(v->enabled_features,
                                                     v->api_version >= VK_API_VERSION_1_3 &&
                                                     d->props.apiVersion >= VK_API_VERSION_1_3),
                           "subgroupSizeControl and computeFullSubgroups are not both enabled "
                           "on the caller's device");

    status = asr_vk_load_device(&d->log, &d->vk, d->device);
    if (status < 0)
        goto error;
    d->vk.vkGetDeviceQueue(d->device, d->queue_family, v->queue_index, &d->queue);
    asr_info(&d->log, "using the caller's Vulkan device %s (queue family %u, index %u)",
             d->props.deviceName, d->queue_family, v->queue_index);
    *out = d;
    return ASR_OK;

error:
    asr_device_destroy(&d);
    return status;
}

void asr_device_destroy(AsrDevice **pd)
{
    AsrDevice *d = pd ? *pd : NULL;
    if (!d)
        return;
    if (d->external) {
        free(d); /* the caller's instance and device stay */
        *pd = NULL;
        return;
    }
    if (d->device) {
        d->vk.vkDeviceWaitIdle(d->device);
        d->vk.vkDestroyDevice(d->device, NULL);
    }
    if (d->messenger)
        d->vk.vkDestroyDebugUtilsMessengerEXT(d->instance, d->messenger, NULL);
    if (d->instance)
        d->vk.vkDestroyInstance(d->instance, NULL);
    asr_vk_close_loader(d->loader);
    free(d);
    *pd = NULL;
}

int asr_device_enumerate(void)
{
    AsrStatus status = ASR_OK;
    AsrVkFuncs vk = { 0 };
    void *loader = NULL;
    VkInstance instance = VK_NULL_HANDLE;
    uint32_t n = 0;

    status = asr_vk_open_loader(NULL, &vk, &loader);
    if (status < 0)
        goto error;
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "anysr",
        .apiVersion = VK_API_VERSION_1_1,
    };
    VkInstanceCreateInfo ici = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pApplicationInfo = &app,
    };
    VkResult res = vk.vkCreateInstance(&ici, NULL, &instance);
    if (res != VK_SUCCESS) {
        instance = VK_NULL_HANDLE;
        status = res == VK_ERROR_INCOMPATIBLE_DRIVER || res == VK_ERROR_INITIALIZATION_FAILED ?
                 ASR_ERROR_NO_DEVICE : asr_status_from_vkresult(res);
        goto error;
    }
    status = asr_vk_load_instance(NULL, &vk, instance);
    if (status < 0)
        goto error;
    VK(NULL, vk.vkEnumeratePhysicalDevices(instance, &n, NULL));

error:
    if (instance)
        vk.vkDestroyInstance(instance, NULL);
    asr_vk_close_loader(loader);
    return status < 0 ? (int)status : (int)n;
}
