/*
 * Buffers: device-local storage buffers and persistently mapped host-visible
 * staging buffers, with grow-only re-allocation for size-dependent buffers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_BUFFER_H
#define ASR_BUFFER_H

#include "device.h"

typedef enum AsrBufferKind {
    ASR_BUFFER_DEVICE,   /* device-local, GPU only */
    ASR_BUFFER_UPLOAD,   /* host-visible, coherent, mapped: host writes, GPU reads */
    ASR_BUFFER_DOWNLOAD, /* host-visible, coherent, mapped (cached if possible) */
} AsrBufferKind;

typedef struct AsrBuffer {
    VkBuffer buffer;
    VkDeviceMemory memory;
    VkDeviceSize size;         /* capacity in bytes */
    VkDeviceSize bytes;        /* memory allocated for it (counted in AsrDevice.bytes) */
    VkBufferUsageFlags usage;
    AsrBufferKind kind;
    void *map;                 /* host pointer of UPLOAD/DOWNLOAD buffers */
} AsrBuffer;

/* Allocate a buffer of `size` bytes. Counts d->buffer_allocations.
 * On failure *b is left empty. */
AsrStatus asr_buffer_create(AsrDevice *d, AsrBuffer *b, AsrBufferKind kind,
                            VkDeviceSize size, VkBufferUsageFlags usage);
/* Release a buffer (an empty one is fine) and clear it. */
void asr_buffer_destroy(AsrDevice *d, AsrBuffer *b);

/* granularity of grow-only re-allocation */
#define ASR_BUFFER_GRANULE (64 * 1024)

/* Bytes asr_buffer_reserve() allocates for `size` (0 for 0): for budgets. */
static inline uint64_t asr_buffer_pool_bytes(uint64_t size)
{
    return ASR_ALIGN(size, ASR_BUFFER_GRANULE);
}

/*
 * Grow-only pool entry: make `b` hold at least `size` bytes. Keeps the buffer
 * when it is big enough; otherwise allocates a larger one (rounded up) and
 * only then releases the old one, so that on failure `b` is unchanged.
 */
AsrStatus asr_buffer_reserve(AsrDevice *d, AsrBuffer *b, AsrBufferKind kind,
                             VkDeviceSize size, VkBufferUsageFlags usage);

/*
 * Shrink on request: when `b` holds more than `size` bytes (rounded up to the
 * pool's granule), replace it by one of that size; size 0 releases it. The
 * device must not be using `b`. On failure `b` is unchanged.
 */
AsrStatus asr_buffer_shrink(AsrDevice *d, AsrBuffer *b, VkDeviceSize size);

#endif /* ASR_BUFFER_H */
