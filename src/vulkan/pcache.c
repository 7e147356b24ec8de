/*
 * The pipeline cache file (pcache.h; docs/design.md#cache).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cachedir.h"
#include "pcache.h"

/* a cache file larger than this is not read (a driver's cache of the
 * engine's few dozen pipelines takes a few MiB) */
#define PCACHE_MAX_BYTES ((size_t)256 << 20)

static uint64_t fnv1a(const void *data, size_t size)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

int asr_pcache_header_ok(const VkPhysicalDeviceProperties *props, const void *data, size_t size,
                         char *why, size_t why_size)
{
    VkPipelineCacheHeaderVersionOne h;
    if (size < sizeof(h)) {
        snprintf(why, why_size, "%zu bytes, shorter than a header", size);
        return 0;
    }
    memcpy(&h, data, sizeof(h)); /* the file's bytes are not aligned */
    if (h.headerSize < sizeof(h) || h.headerSize > size)
        snprintf(why, why_size, "header size %u in a file of %zu bytes", h.headerSize, size);
    else if (h.headerVersion != VK_PIPELINE_CACHE_HEADER_VERSION_ONE)
        snprintf(why, why_size, "header version %u", (unsigned)h.headerVersion);
    else if (h.vendorID != props->vendorID || h.deviceID != props->deviceID)
        snprintf(why, why_size, "made for vendor 0x%x device 0x%x", h.vendorID, h.deviceID);
    else if (memcmp(h.pipelineCacheUUID, props->pipelineCacheUUID, VK_UUID_SIZE))
        snprintf(why, why_size, "made by another driver (pipelineCacheUUID differs)");
    else
        return 1;
    return 0;
}

void asr_pcache_open(AsrDevice *d)
{
    AsrStatus status = ASR_OK;
    const VkPhysicalDeviceProperties *props = &d->props;
    char name[128], why[160];
    void *data = NULL;
    size_t size = 0;
    char uuid[2 * VK_UUID_SIZE + 1];
    asr_cache_uuid_hex(props->pipelineCacheUUID, uuid);
    snprintf(name, sizeof(name), "pipelines-%08x-%08x-%s.vkpc", props->vendorID,
             props->deviceID, uuid);
    d->pcache_state = ASR_PIPELINE_CACHE_NONE;
    if (asr_cache_path(&d->env, name, d->pcache_path, sizeof(d->pcache_path)) < 0) {
        asr_dbg(&d->log, "no pipeline cache: no cache folder");
        return;
    }
    d->pcache_state = ASR_PIPELINE_CACHE_MISSING;
    status = asr_cache_load(d->pcache_path, PCACHE_MAX_BYTES, &data, &size);
    if (status == ASR_OK && !asr_pcache_header_ok(props, data, size, why, sizeof(why))) {
        asr_info(&d->log, "ignoring the pipeline cache %s: %s; it is written again",
                 d->pcache_path, why);
        d->pcache_state = ASR_PIPELINE_CACHE_IGNORED;
        free(data);
        data = NULL;
        size = 0;
    } else if (status == ASR_OK) {
        d->pcache_state = ASR_PIPELINE_CACHE_USED;
    }
    VkPipelineCacheCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
        .initialDataSize = size,
        .pInitialData = data,
    };
    VkResult res = d->vk.vkCreatePipelineCache(d->device, &ci, NULL, &d->pcache);
    if (res != VK_SUCCESS && data) {
        /* the driver refused what it once wrote: start empty */
        asr_info(&d->log, "ignoring the pipeline cache %s: the driver refused it (%s); it is "
                 "written again", d->pcache_path, asr_vkresult_to_string(res));
        d->pcache_state = ASR_PIPELINE_CACHE_IGNORED;
        free(data);
        data = NULL;
        size = 0;
        ci.initialDataSize = 0;
        ci.pInitialData = NULL;
        res = d->vk.vkCreatePipelineCache(d->device, &ci, NULL, &d->pcache);
    }
    if (res != VK_SUCCESS) {
        asr_info(&d->log, "no pipeline cache: vkCreatePipelineCache failed (%s)",
                 asr_vkresult_to_string(res));
        d->pcache = VK_NULL_HANDLE;
        d->pcache_state = ASR_PIPELINE_CACHE_NONE;
        d->pcache_path[0] = '\0';
    } else if (data) {
        d->pcache_bytes = size;
        d->pcache_hash = fnv1a(data, size);
        asr_dbg(&d->log, "pipeline cache %s: %zu bytes", d->pcache_path, size);
    }
    free(data);
}

void asr_pcache_close(AsrDevice *d)
{
    void *data = NULL;
    size_t size = 0;
    if (!d->pcache)
        return;
    if (d->pcache_path[0] && !d->lost &&
        d->vk.vkGetPipelineCacheData(d->device, d->pcache, &size, NULL) == VK_SUCCESS && size &&
        size <= PCACHE_MAX_BYTES && (data = malloc(size)) &&
        d->vk.vkGetPipelineCacheData(d->device, d->pcache, &size, data) == VK_SUCCESS) {
        if (d->pcache_state == ASR_PIPELINE_CACHE_USED && size == d->pcache_bytes &&
            fnv1a(data, size) == d->pcache_hash)
            asr_dbg(&d->log, "pipeline cache %s unchanged", d->pcache_path);
        else if (asr_cache_save(d->pcache_path, data, size) < 0)
            asr_info(&d->log, "the pipeline cache %s could not be written", d->pcache_path);
        else
            asr_dbg(&d->log, "pipeline cache %s: %zu bytes written", d->pcache_path, size);
    }
    free(data);
    d->vk.vkDestroyPipelineCache(d->device, d->pcache, NULL);
    d->pcache = VK_NULL_HANDLE;
}
