/*
 * Vulkan access: the loader is opened at run time (so that a missing loader
 * is an error code, not a failed program start), entry points live in an
 * AsrVkFuncs table, and VK() checks a call's VkResult.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_VK_H
#define ASR_VK_H

#ifndef VK_NO_PROTOTYPES
#  define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan.h>

#include "common.h"
#include "log.h"

/* Entry points resolved without an instance. */
#define ASR_VK_GLOBAL_FUNCS(X)                   \
    X(vkCreateInstance)                          \
    X(vkEnumerateInstanceExtensionProperties)    \
    X(vkEnumerateInstanceLayerProperties)

/* Entry points resolved through the instance. */
#define ASR_VK_INSTANCE_FUNCS(X)                 \
    X(vkDestroyInstance)                         \
    X(vkEnumeratePhysicalDevices)                \
    X(vkGetPhysicalDeviceProperties)             \
    X(vkGetPhysicalDeviceQueueFamilyProperties)  \
    X(vkGetPhysicalDeviceMemoryProperties)       \
    X(vkGetPhysicalDeviceFeatures2)              \
    X(vkGetPhysicalDeviceProperties2)            \
    X(vkEnumerateDeviceExtensionProperties)      \
    X(vkCreateDevice)                            \
    X(vkGetDeviceProcAddr)

/* Optional instance entry points (VK_EXT_debug_utils). */
#define ASR_VK_INSTANCE_OPT_FUNCS(X)             \
    X(vkCreateDebugUtilsMessengerEXT)            \
    X(vkDestroyDebugUtilsMessengerEXT)

/* Entry points resolved through the device. */
#define ASR_VK_DEVICE_FUNCS(X)                   \
    X(vkDestroyDevice)                           \
    X(vkGetDeviceQueue)                          \
    X(vkQueueSubmit)                             \
    X(vkDeviceWaitIdle)                          \
    X(vkCreateBuffer)                            \
    X(vkDestroyBuffer)                           \
    X(vkGetBufferMemoryRequirements)             \
    X(vkAllocateMemory)                          \
    X(vkFreeMemory)                              \
    X(vkBindBufferMemory)                        \
    X(vkMapMemory)                               \
    X(vkUnmapMemory)                             \
    X(vkCreateShaderModule)                      \
    X(vkDestroyShaderModule)                     \
    X(vkCreateDescriptorSetLayout)               \
    X(vkDestroyDescriptorSetLayout)              \
    X(vkCreatePipelineLayout)                    \
    X(vkDestroyPipelineLayout)                   \
    X(vkCreateComputePipelines)                  \
    X(vkCreatePipelineCache)                     \
    X(vkDestroyPipelineCache)                    \
    X(vkGetPipelineCacheData)                    \
    X(vkDestroyPipeline)                         \
    X(vkCreateDescriptorPool)                    \
    X(vkDestroyDescriptorPool)                   \
    X(vkAllocateDescriptorSets)                  \
    X(vkUpdateDescriptorSets)                    \
    X(vkCreateCommandPool)                       \
    X(vkDestroyCommandPool)                      \
    X(vkAllocateCommandBuffers)                  \
    X(vkResetCommandBuffer)                      \
    X(vkBeginCommandBuffer)                      \
    X(vkEndCommandBuffer)                        \
    X(vkCmdBindPipeline)                         \
    X(vkCmdBindDescriptorSets)                   \
    X(vkCmdPushConstants)                        \
    X(vkCmdDispatch)                             \
    X(vkCmdDispatchIndirect)                     \
    X(vkCmdFillBuffer)                           \
    X(vkCmdPipelineBarrier)                      \
    X(vkCmdCopyBuffer)                           \
    X(vkCreateFence)                             \
    X(vkDestroyFence)                            \
    X(vkWaitForFences)                           \
    X(vkResetFences)                             \
    X(vkCreateQueryPool)                         \
    X(vkDestroyQueryPool)                        \
    X(vkCmdResetQueryPool)                       \
    X(vkCmdWriteTimestamp)                       \
    X(vkGetQueryPoolResults)

#define ASR_VK_DECLARE_FUNC(name) PFN_##name name;

typedef struct AsrVkFuncs {
    PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
    ASR_VK_GLOBAL_FUNCS(ASR_VK_DECLARE_FUNC)
    ASR_VK_INSTANCE_FUNCS(ASR_VK_DECLARE_FUNC)
    ASR_VK_INSTANCE_OPT_FUNCS(ASR_VK_DECLARE_FUNC)
    ASR_VK_DEVICE_FUNCS(ASR_VK_DECLARE_FUNC)
} AsrVkFuncs;

/* Open the Vulkan loader and resolve the global entry points.
 * Returns ASR_ERROR_NO_DEVICE (and logs why) when no loader is found.
 * *handle receives the library handle for asr_vk_close_loader(). */
AsrStatus asr_vk_open_loader(const AsrLog *log, AsrVkFuncs *vk, void **handle);
void asr_vk_close_loader(void *handle);

/* Resolve instance (and optional instance) entry points; ASR_ERROR_VULKAN if
 * a required one is missing. */
AsrStatus asr_vk_load_instance(const AsrLog *log, AsrVkFuncs *vk, VkInstance instance);
/* Resolve device entry points; ASR_ERROR_VULKAN if one is missing. */
AsrStatus asr_vk_load_device(const AsrLog *log, AsrVkFuncs *vk, VkDevice device);

/* "VK_ERROR_OUT_OF_DEVICE_MEMORY" etc., never NULL. */
const char *asr_vkresult_to_string(VkResult res);
/* The AsrStatus a failed VkResult maps to. */
AsrStatus asr_status_from_vkresult(VkResult res);
/* Whether a failure with res may come from memory: the VK_ERROR_OUT_OF_*
 * results, and VK_ERROR_INITIALIZATION_FAILED (what drivers return when an
 * allocation of their own fails during creation). */
int asr_vkresult_may_be_memory(VkResult res);
/* "" or, for such a result (or any failure under an address-space limit),
 * "; memory may be the cause" and the process's address-space limit when
 * one is set (ulimit -v) */
const char *asr_vk_memory_hint(VkResult res, char *buf, size_t size);

/*
 * VK(log, call): evaluate a Vulkan call returning VkResult; on failure log
 * file:line, the call and the VkResult name, set `status` and goto error.
 * The enclosing function needs `AsrStatus status` and an `error:` label.
 */
#define VK(log, call)                                                          \
    do {                                                                       \
        VkResult vk_res_ = (call);                                             \
        if (vk_res_ != VK_SUCCESS) {                                           \
            char vk_hint_[96];                                                 \
            asr_err((log), "%s:%d: %s failed: %s%s", __FILE__, __LINE__, #call,\
                    asr_vkresult_to_string(vk_res_),                           \
                    asr_vk_memory_hint(vk_res_, vk_hint_, sizeof(vk_hint_)));  \
            status = asr_status_from_vkresult(vk_res_);                        \
            goto error;                                                        \
        }                                                                      \
    } while (0)

#endif /* ASR_VK_H */
