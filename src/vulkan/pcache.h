/*
 * The device's VkPipelineCache, kept in the user's cache folder
 * (docs/design.md#cache): one file per device and driver, named after the
 * vendor and device IDs and the driver's pipelineCacheUUID, read when an
 * engine opens and written whole when it closes, if its pipelines changed
 * it. What is read is checked first (VkPipelineCacheHeaderVersionOne
 * against the device's properties): a short, damaged or foreign file is
 * ignored (logged at info) and replaced at the next save.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_PCACHE_H
#define ASR_PCACHE_H

#include "device.h"

/* Create d->pcache, from the cache file when it is there and fits the
 * device. Without a cache folder (ANYSR_CACHE_DIR empty) there is none
 * (VK_NULL_HANDLE: pipelines are created without one); a failure is logged
 * and leaves none: the cache is an optimisation. */
void asr_pcache_open(AsrDevice *d);
/* Write the cache file when the cache holds something it did not hold when
 * read, then destroy d->pcache (none is fine). */
void asr_pcache_close(AsrDevice *d);

/* Whether `data` (`size` bytes) starts with a pipeline-cache header of
 * version one for the device `props`; when not, why in `why`. */
int asr_pcache_header_ok(const VkPhysicalDeviceProperties *props, const void *data, size_t size,
                         char *why, size_t why_size);

#endif /* ASR_PCACHE_H */
