/*
 * Device quirks in one place (quirks.h; docs/design.md#device-quirks).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quirks.h"

static int has_driver_properties(const AsrVkFuncs *vk, VkPhysicalDevice phys)
{
    uint32_t n = 0;
    int found = 0;
    if (vk->vkEnumerateDeviceExtensionProperties(phys, NULL, &n, NULL) != VK_SUCCESS || !n)
        return 0;
    VkExtensionProperties *exts = calloc(n, sizeof(*exts));
    if (exts && vk->vkEnumerateDeviceExtensionProperties(phys, NULL, &n, exts) == VK_SUCCESS) {
        for (uint32_t i = 0; i < n && !found; i++)
            found = !strcmp(exts[i].extensionName, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME);
    }
    free(exts);
    return found;
}

static int is_mesa(VkDriverId id)
{
    switch (id) {
    case VK_DRIVER_ID_MESA_RADV:
    case VK_DRIVER_ID_INTEL_OPEN_SOURCE_MESA:
    case VK_DRIVER_ID_MESA_LLVMPIPE:
    case VK_DRIVER_ID_MESA_TURNIP:
    case VK_DRIVER_ID_MESA_V3DV:
    case VK_DRIVER_ID_MESA_PANVK:
    case VK_DRIVER_ID_MESA_VENUS:
    case VK_DRIVER_ID_MESA_DOZEN:
    case VK_DRIVER_ID_MESA_NVK:
        return 1;
    default:
        return 0;
    }
}

void asr_quirks_detect(const AsrVkFuncs *vk, VkPhysicalDevice phys,
                       const VkPhysicalDeviceProperties *props, AsrQuirks *q)
{
    memset(q, 0, sizeof(*q));
    if (has_driver_properties(vk, phys)) {
        VkPhysicalDeviceDriverProperties driver_props = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
        };
        VkPhysicalDeviceProperties2 p2 = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
            .pNext = &driver_props,
        };
        vk->vkGetPhysicalDeviceProperties2(phys, &p2);
        q->driver = driver_props.driverID;
        /* Mesa's driverInfo is "Mesa X.Y.Z[-devel] ..." (its driverVersion
         * is the Mesa version on some releases and 1 on others) */
        unsigned major, minor;
        if (is_mesa(driver_props.driverID) &&
            sscanf(driver_props.driverInfo, "Mesa %u.%u", &major, &minor) == 2)
            q->mesa_major = major, q->mesa_minor = minor;
    }
    q->cpu = props->deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
    q->split_frames = q->cpu;
    q->cpu_blocks = q->cpu;
    q->coopmat_auto = !q->cpu;
    q->small_probes = q->cpu;
    q->weight_broadcast = q->driver == VK_DRIVER_ID_MESA_LLVMPIPE && q->mesa_major < 24;
    q->whole_subgroups = q->driver == VK_DRIVER_ID_MESA_LLVMPIPE;
    q->coopmat_max_lanes = q->driver == VK_DRIVER_ID_MESA_LLVMPIPE ? 8 : 0;
}
