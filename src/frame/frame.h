/*
 * Frame geometry per pixel format and copies between caller frames (any
 * stride) and the engine's staging layout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_FRAME_H
#define ASR_FRAME_H

#include "common.h"

/* Geometry of a frame and its layout in a staging buffer: planes packed one
 * after the other, rows padded to 4 bytes, planes aligned to 16 bytes. */
typedef struct AsrFrameLayout {
    uint32_t num_planes;
    uint32_t width[ASR_MAX_PLANES];     /* samples per row */
    uint32_t height[ASR_MAX_PLANES];    /* rows */
    uint64_t row_bytes[ASR_MAX_PLANES]; /* bytes of one row's samples (64 bits: 4 x a
                                           width of 2^32 - 1 is 2^34 - 4) */
    uint64_t offset[ASR_MAX_PLANES];    /* staging byte offset of the plane */
    uint64_t stride[ASR_MAX_PLANES];    /* staging row stride */
    uint64_t size;                      /* staging bytes of the whole frame */
} AsrFrameLayout;

int asr_format_is_valid(AsrPixelFormat f);
int asr_format_is_yuv(AsrPixelFormat f);
int asr_format_has_alpha(AsrPixelFormat f);
/* Bits per sample: 8, or 10 for the 10-bit formats. */
int asr_format_bits(AsrPixelFormat f);
const char *asr_format_name(AsrPixelFormat f);

/* Fill `l` for a valid format and size >= 1 x 1. */
void asr_frame_layout(AsrPixelFormat format, uint32_t width, uint32_t height, AsrFrameLayout *l);

/* ASR_ERROR_INVALID_ARGUMENT when a plane pointer is NULL or a stride is
 * shorter than its row. */
AsrStatus asr_frame_check(const AsrFrameLayout *l, const AsrFrame *f);

void asr_frame_to_staging(const AsrFrameLayout *l, const AsrFrame *src, uint8_t *dst);
void asr_frame_from_staging(const AsrFrameLayout *l, const uint8_t *src, const AsrFrame *dst);

#endif /* ASR_FRAME_H */
