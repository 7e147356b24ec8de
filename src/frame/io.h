/*
 * Frame I/O passes: unpack (staging bytes -> planar float RGB(A)) and pack
 * (planar float RGB(A) -> staging bytes), for every AsrPixelFormat.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_IO_H
#define ASR_IO_H

#include "frame.h"
#include "pipeline.h"
#include "params.h"

typedef struct AsrIo {
    AsrPass unpack;
    AsrPass pack;
} AsrIo;

AsrStatus asr_io_create(AsrDevice *d, AsrIo *io);
void asr_io_destroy(AsrDevice *d, AsrIo *io);

/* Push constants of unpack (to_rgb = 1) or pack (to_rgb = 0) for a frame
 * described by `info` laid out as `l`, with float planes of plane_size
 * elements. */
void asr_io_params(const AsrFrameInfo *info, const AsrFrameLayout *l, uint32_t plane_size,
                   int to_rgb, AsrIoParams *p);

/* Record the passes; the caller binds (bytes, planes) / (planes, bytes) and
 * places barriers around them. */
void asr_io_record_unpack(AsrDevice *d, VkCommandBuffer cb, const AsrIo *io, const AsrIoParams *p);
void asr_io_record_pack(AsrDevice *d, VkCommandBuffer cb, const AsrIo *io, const AsrIoParams *p);

/* Workgroup counts of the two passes, for limit checks. */
void asr_io_groups(const AsrIo *io, const AsrFrameInfo *info, int pack, uint32_t groups[3]);

#endif /* ASR_IO_H */
