/*
 * YCbCr <-> RGB matrices for the frame I/O passes (params.h AsrIoParams).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_COLOR_H
#define ASR_COLOR_H

#include "common.h"

/* RGB in [0,1] = m * (Y, Cb, Cr, 1), with Y, Cb, Cr in byte units (0..255). */
void asr_color_yuv_to_rgb(AsrColorMatrix matrix, AsrColorRange range, float m[3][4]);
/* (Y, Cb, Cr) / 255 = m * (R, G, B, 1), with R, G, B in [0,1]. */
void asr_color_rgb_to_yuv(AsrColorMatrix matrix, AsrColorRange range, float m[3][4]);

#endif /* ASR_COLOR_H */
