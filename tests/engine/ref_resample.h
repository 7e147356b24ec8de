/*
 * Plain C reference of the engine's bicubic pipeline (unpack -> horizontal
 * bicubic rounded to 8-bit levels -> vertical bicubic -> pack), in the same
 * float arithmetic as the shaders, for the engine tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_REF_RESAMPLE_H
#define ANYSR_REF_RESAMPLE_H

#include "anysr/anysr.h"

/* Upscale `src` (described by `in`) into `dst` (described by `out`, same
 * format). Returns 0, or -1 on allocation failure. */
int ref_resample(const AsrFrameInfo *in, const AsrFrame *src,
                 const AsrFrameInfo *out, const AsrFrame *dst);

/* Bytes of row data of plane `p` and its row count for a format and size;
 * returns the number of planes. */
int ref_plane_geometry(AsrPixelFormat f, uint32_t w, uint32_t h,
                       uint32_t row_bytes[ASR_MAX_PLANES], uint32_t rows[ASR_MAX_PLANES]);

#endif
