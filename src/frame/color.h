/*
 * YCbCr <-> RGB matrices for the frame I/O passes (params.h AsrIoParams).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_COLOR_H
#define ASR_COLOR_H

#include "common.h"

/* RGB in [0,1] = M (Y, Cb, Cr, 1), Y, Cb, Cr in code units of `bits` (8, 10). */
void asr_color_yuv_to_rgb(AsrColorMatrix matrix, AsrColorRange range, int bits, float m[3][4]);
/* (Y, Cb, Cr) / (2^bits - 1) = M (R, G, B, 1). */
void asr_color_rgb_to_yuv(AsrColorMatrix matrix, AsrColorRange range, int bits, float m[3][4]);

#endif /* ASR_COLOR_H */
