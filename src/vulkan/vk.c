/*
 * Vulkan loader, entry point tables and VkResult names.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "vk.h"

static const char *const loader_names[] = {
#if defined(__APPLE__)
    "libvulkan.1.dylib", "libvulkan.dylib", "libMoltenVK.dylib",
#else
    "libvulkan.so.1", "libvulkan.so",
#endif
};

AsrStatus asr_vk_open_loader(const AsrLog *log, AsrVkFuncs *vk, void **handle)
{
    *handle = NULL;
    void *lib = NULL;
    for (size_t i = 0; i < ASR_ARRAY_SIZE(loader_names) && !lib; i++)
        lib = dlopen(loader_names[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        asr_err(log, "no Vulkan loader found (%s): install the Vulkan loader "
                "(Debian package libvulkan1) and a driver; Mesa's lavapipe "
                "(package mesa-vulkan-drivers) provides a CPU device", loader_names[0]);
        return ASR_ERROR_NO_DEVICE;
    }
    /* POSIX guarantees that a data pointer from dlsym converts to a function
     * pointer; go through memcpy to keep -Wpedantic quiet. */
    void *sym = dlsym(lib, "vkGetInstanceProcAddr");
    if (!sym) {
        asr_err(log, "the Vulkan loader %s lacks vkGetInstanceProcAddr", loader_names[0]);
        dlclose(lib);
        return ASR_ERROR_NO_DEVICE;
    }
    memcpy(&vk->vkGetInstanceProcAddr, &sym, sizeof(sym));
#define LOAD_GLOBAL(name) vk->name = (PFN_##name)vk->vkGetInstanceProcAddr(NULL, #name);
    ASR_VK_GLOBAL_FUNCS(LOAD_GLOBAL)
#undef LOAD_GLOBAL
    if (!vk->vkCreateInstance || !vk->vkEnumerateInstanceExtensionProperties ||
        !vk->vkEnumerateInstanceLayerProperties) {
        asr_err(log, "the Vulkan loader lacks global entry points");
        dlclose(lib);
        return ASR_ERROR_NO_DEVICE;
    }
    *handle = lib;
    return ASR_OK;
}

void asr_vk_close_loader(void *handle)
{
    if (handle)
        dlclose(handle);
}

AsrStatus asr_vk_load_instance(const AsrLog *log, AsrVkFuncs *vk, VkInstance instance)
{
#define LOAD_INSTANCE(name)                                                     \
    vk->name = (PFN_##name)vk->vkGetInstanceProcAddr(instance, #name);          \
    if (!vk->name) {                                                            \
        asr_err(log, "Vulkan entry point %s not found", #name);                 \
        return ASR_ERROR_VULKAN;                                                \
    }
    ASR_VK_INSTANCE_FUNCS(LOAD_INSTANCE)
#undef LOAD_INSTANCE
#define LOAD_OPTIONAL(name) vk->name = (PFN_##name)vk->vkGetInstanceProcAddr(instance, #name);
    ASR_VK_INSTANCE_OPT_FUNCS(LOAD_OPTIONAL)
#undef LOAD_OPTIONAL
    return ASR_OK;
}

AsrStatus asr_vk_load_device(const AsrLog *log, AsrVkFuncs *vk, VkDevice device)
{
#define LOAD_DEVICE(name)                                                       \
    vk->name = (PFN_##name)vk->vkGetDeviceProcAddr(device, #name);              \
    if (!vk->name) {                                                            \
        asr_err(log, "Vulkan entry point %s not found", #name);                 \
        return ASR_ERROR_VULKAN;                                                \
    }
    ASR_VK_DEVICE_FUNCS(LOAD_DEVICE)
#undef LOAD_DEVICE
    return ASR_OK;
}

const char *asr_vkresult_to_string(VkResult res)
{
    switch (res) {
#define CASE(r) case r: return #r;
    CASE(VK_SUCCESS)
    CASE(VK_NOT_READY)
    CASE(VK_TIMEOUT)
    CASE(VK_EVENT_SET)
    CASE(VK_EVENT_RESET)
    CASE(VK_INCOMPLETE)
    CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    CASE(VK_ERROR_INITIALIZATION_FAILED)
    CASE(VK_ERROR_DEVICE_LOST)
    CASE(VK_ERROR_MEMORY_MAP_FAILED)
    CASE(VK_ERROR_LAYER_NOT_PRESENT)
    CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    CASE(VK_ERROR_TOO_MANY_OBJECTS)
    CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    CASE(VK_ERROR_FRAGMENTED_POOL)
    CASE(VK_ERROR_UNKNOWN)
    CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    CASE(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    CASE(VK_ERROR_FRAGMENTATION)
    CASE(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
    CASE(VK_ERROR_SURFACE_LOST_KHR)
    CASE(VK_ERROR_NATIVE_WINDOW_IN_USE_KHR)
    CASE(VK_SUBOPTIMAL_KHR)
    CASE(VK_ERROR_OUT_OF_DATE_KHR)
    CASE(VK_ERROR_VALIDATION_FAILED_EXT)
#undef CASE
    default: return "unknown VkResult";
    }
}

AsrStatus asr_status_from_vkresult(VkResult res)
{
    switch (res) {
    case VK_SUCCESS: return ASR_OK;
    case VK_ERROR_OUT_OF_HOST_MEMORY:
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    case VK_ERROR_OUT_OF_POOL_MEMORY:
    case VK_ERROR_FRAGMENTED_POOL:
    case VK_ERROR_FRAGMENTATION:
        return ASR_ERROR_NO_MEMORY;
    case VK_ERROR_DEVICE_LOST: return ASR_ERROR_DEVICE_LOST;
    case VK_ERROR_INCOMPATIBLE_DRIVER: return ASR_ERROR_NO_DEVICE;
    default: return ASR_ERROR_VULKAN;
    }
}

int asr_vkresult_may_be_memory(VkResult res)
{
    return res == VK_ERROR_OUT_OF_HOST_MEMORY || res == VK_ERROR_OUT_OF_DEVICE_MEMORY ||
           res == VK_ERROR_OUT_OF_POOL_MEMORY || res == VK_ERROR_INITIALIZATION_FAILED;
}

const char *asr_vk_memory_hint(VkResult res, char *buf, size_t size)
{
    struct rlimit rl;
    int limited = getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY;
    /* under a limit any failure may be memory's: lavapipe returns
     * VK_ERROR_UNKNOWN from vkCreateDevice when its threads find no address
     * space, the loader VK_ERROR_LAYER_NOT_PRESENT when it cannot map a layer */
    if (res == VK_SUCCESS || (!asr_vkresult_may_be_memory(res) && !limited))
        return "";
    if (limited)
        snprintf(buf, size, "; memory may be the cause (the process's address space is "
                 "limited to %llu MiB, ulimit -v)", (unsigned long long)(rl.rlim_cur >> 20));
    else
        snprintf(buf, size, "; memory may be the cause");
    return buf;
}
