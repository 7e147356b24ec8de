/*
 * YCbCr matrices: BT.601, BT.709, BT.2020 (non-constant luminance), at a bit
 * depth b (8 or 10): limited range Y 16..235, C 16..240 scaled by 2^(b-8)
 * (10-bit: Y 64..940, C 64..960), or full range 0..2^b-1; chroma centred on
 * 2^(b-1) (128, 512). The same offsets and scales as GStreamer's
 * gst_video_color_range_offsets().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "color.h"

static void coefficients(AsrColorMatrix matrix, double *kr, double *kb)
{
    switch (matrix) {
    case ASR_MATRIX_BT709: *kr = 0.2126, *kb = 0.0722; break;
    case ASR_MATRIX_BT2020: *kr = 0.2627, *kb = 0.0593; break;
    default: *kr = 0.299, *kb = 0.114; break;
    }
}

/* Offsets and scales in code units of `bits`; max = 2^bits - 1. */
static void range_scale(AsrColorRange range, int bits, double *y_off, double *y_scale,
                        double *c_scale, double *c_mid, double *max)
{
    double unit = (double)(1u << (bits - 8));
    *max = (double)((1u << bits) - 1u);
    *c_mid = 128.0 * unit;
    if (range == ASR_RANGE_FULL)
        *y_off = 0.0, *y_scale = *max, *c_scale = *max;
    else
        *y_off = 16.0 * unit, *y_scale = 219.0 * unit, *c_scale = 224.0 * unit;
}

void asr_color_yuv_to_rgb(AsrColorMatrix matrix, AsrColorRange range, int bits, float m[3][4])
{
    double kr, kb, yo, ys, cs, mid, max;
    coefficients(matrix, &kr, &kb);
    range_scale(range, bits, &yo, &ys, &cs, &mid, &max);
    double kg = 1.0 - kr - kb;
    /* R = y + a*cr, G = y - b*cb - c*cr, B = y + d*cb (y, cb, cr normalised) */
    double a = 2.0 * (1.0 - kr), d = 2.0 * (1.0 - kb);
    double b = d * kb / kg, c = a * kr / kg;
    double rows[3][3] = { { 0.0, 0.0, a }, { 0.0, -b, -c }, { 0.0, d, 0.0 } };
    for (int i = 0; i < 3; i++) {
        double cb = rows[i][1] / cs, cr = rows[i][2] / cs;
        m[i][0] = (float)(1.0 / ys);
        m[i][1] = (float)cb;
        m[i][2] = (float)cr;
        m[i][3] = (float)(-yo / ys - mid * (cb + cr));
    }
}

void asr_color_rgb_to_yuv(AsrColorMatrix matrix, AsrColorRange range, int bits, float m[3][4])
{
    double kr, kb, yo, ys, cs, mid, max;
    coefficients(matrix, &kr, &kb);
    range_scale(range, bits, &yo, &ys, &cs, &mid, &max);
    double kg = 1.0 - kr - kb;
    double y[3] = { kr, kg, kb };
    double cb[3] = { -kr / (2.0 * (1.0 - kb)), -kg / (2.0 * (1.0 - kb)), 0.5 };
    double cr[3] = { 0.5, -kg / (2.0 * (1.0 - kr)), -kb / (2.0 * (1.0 - kr)) };
    for (int i = 0; i < 3; i++) {
        m[0][i] = (float)(y[i] * ys / max);
        m[1][i] = (float)(cb[i] * cs / max);
        m[2][i] = (float)(cr[i] * cs / max);
    }
    m[0][3] = (float)(yo / max);
    m[1][3] = (float)(mid / max);
    m[2][3] = (float)(mid / max);
}
