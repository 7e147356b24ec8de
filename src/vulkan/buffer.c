/*
 * Device buffers and staging buffers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "buffer.h"


static int find_memory_type(const AsrDevice *d, uint32_t type_bits,
                            VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred)
{
    const VkPhysicalDeviceMemoryProperties *mp = &d->mem_props;
    for (int pass = 0; pass < 2; pass++) {
        VkMemoryPropertyFlags want = pass == 0 ? required | preferred : required;
        for (uint32_t i = 0; i < mp->memoryTypeCount; i++) {
            if ((type_bits & (1u << i)) && (mp->memoryTypes[i].propertyFlags & want) == want)
                return (int)i;
        }
    }
    return -1;
}

AsrStatus asr_buffer_create(AsrDevice *d, AsrBuffer *b, AsrBufferKind kind,
                            VkDeviceSize size, VkBufferUsageFlags usage)
{
    AsrStatus status = ASR_OK;
    const AsrVkFuncs *vk = &d->vk;
    memset(b, 0, sizeof(*b));

    if (d->fault_alloc_in && --d->fault_alloc_in == 0) {
        asr_err(&d->log, "injected fault: allocation of %llu bytes fails",
                (unsigned long long)size);
        return ASR_ERROR_NO_MEMORY;
    }
    VkBufferCreateInfo bci = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = size,
        .usage = usage,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    VK(&d->log, vk->vkCreateBuffer(d->device, &bci, NULL, &b->buffer));

    VkMemoryRequirements req;
    vk->vkGetBufferMemoryRequirements(d->device, b->buffer, &req);
    VkMemoryPropertyFlags required = 0, preferred = 0;
    switch (kind) {
    case ASR_BUFFER_DEVICE:
        preferred = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
        break;
    case ASR_BUFFER_UPLOAD:
        required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
        break;
    case ASR_BUFFER_DOWNLOAD:
        required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
        preferred = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
        break;
    }
    int type = find_memory_type(d, req.memoryTypeBits, required, preferred);
    if (type < 0) {
        asr_err(&d->log, "no Vulkan memory type for a %s buffer",
                kind == ASR_BUFFER_DEVICE ? "device" : "staging");
        status = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    VkMemoryAllocateInfo mai = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = req.size,
        .memoryTypeIndex = (uint32_t)type,
    };
    VK(&d->log, vk->vkAllocateMemory(d->device, &mai, NULL, &b->memory));
    VK(&d->log, vk->vkBindBufferMemory(d->device, b->buffer, b->memory, 0));
    if (kind != ASR_BUFFER_DEVICE)
        VK(&d->log, vk->vkMapMemory(d->device, b->memory, 0, VK_WHOLE_SIZE, 0, &b->map));

    b->size = size;
    b->bytes = req.size;
    b->usage = usage;
    b->kind = kind;
    d->buffer_allocations++;
    d->bytes += b->bytes;
    if (d->bytes > d->bytes_peak)
        d->bytes_peak = d->bytes;
    asr_dbg(&d->log, "allocated %s buffer of %llu bytes",
            kind == ASR_BUFFER_DEVICE ? "device" : "staging", (unsigned long long)size);
    return ASR_OK;

error:
    asr_buffer_destroy(d, b);
    return status;
}

void asr_buffer_destroy(AsrDevice *d, AsrBuffer *b)
{
    if (b->map)
        d->vk.vkUnmapMemory(d->device, b->memory);
    if (b->buffer)
        d->vk.vkDestroyBuffer(d->device, b->buffer, NULL);
    if (b->memory)
        d->vk.vkFreeMemory(d->device, b->memory, NULL);
    d->bytes -= b->bytes;
    memset(b, 0, sizeof(*b));
}

AsrStatus asr_buffer_reserve(AsrDevice *d, AsrBuffer *b, AsrBufferKind kind,
                             VkDeviceSize size, VkBufferUsageFlags usage)
{
    if (b->buffer && b->size >= size && b->kind == kind && (b->usage & usage) == usage)
        return ASR_OK;
    AsrBuffer nb;
    AsrStatus status = asr_buffer_create(d, &nb, kind, ASR_ALIGN(size, ASR_BUFFER_GRANULE), usage);
    if (status < 0)
        return status;
    asr_buffer_destroy(d, b);
    *b = nb;
    return ASR_OK;
}

AsrStatus asr_buffer_shrink(AsrDevice *d, AsrBuffer *b, VkDeviceSize size)
{
    if (!b->buffer)
        return ASR_OK;
    if (size == 0) {
        asr_buffer_destroy(d, b);
        return ASR_OK;
    }
    VkDeviceSize want = ASR_ALIGN(size, ASR_BUFFER_GRANULE);
    if (b->size <= want)
        return ASR_OK;
    AsrBuffer nb;
    AsrStatus status = asr_buffer_create(d, &nb, b->kind, want, b->usage);
    if (status < 0)
        return status;
    asr_buffer_destroy(d, b);
    *b = nb;
    return ASR_OK;
}
