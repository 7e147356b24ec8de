/*
 * decoder.h — GLSL helpers of the decoder shaders: the exact integer
 * coordinate formulas of train/model.py (_axis, query_inputs).
 *
 * The includer declares `lr` (readonly float[], planar LR image) before
 * including this file, or defines ASR_DEC_NO_BILINEAR.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_SHADER_DECODER_H
#define ANYSR_SHADER_DECODER_H

/* Nearest LR index i and relative coordinate rel of HR index X along one
 * axis: i = min(floor((2X+1) n_in / (2 n_out)), n_in - 1),
 * rel = ((2X+1) n_in - (2i+1) n_out) / (2 n_out). */
void dec_axis(uint X, uint n_in, uint n_out, out uint i, out float rel)
{
    uint num = (2u * X + 1u) * n_in;
    uint den = 2u * n_out;
    i = min(num / den, n_in - 1u);
    rel = float(int(num) - int((2u * i + 1u) * n_out)) / float(den);
}

/* Bilinear source indices and fraction (align_corners=False, clamped). */
void dec_base_axis(uint X, uint n_in, uint n_out, out uint b0, out uint b1, out float f)
{
    uint den = 2u * n_out;
    uint num = uint(max(int((2u * X + 1u) * n_in) - int(n_out), 0));
    b0 = num / den;
    f = float(num - b0 * den) / float(den);
    b1 = min(b0 + 1u, n_in - 1u);
}

#ifndef ASR_DEC_NO_BILINEAR
/* Bilinear sample of the LR plane starting at element `plane_off` at HR
 * pixel (X, Y). */
float dec_bilinear(uint plane_off, uint X, uint Y, uint in_w, uint in_h, uint out_w, uint out_h)
{
    uint x0, x1, y0, y1;
    float fx, fy;
    dec_base_axis(X, in_w, out_w, x0, x1, fx);
    dec_base_axis(Y, in_h, out_h, y0, y1, fy);
    float a = lr[plane_off + y0 * in_w + x0];
    float b = lr[plane_off + y0 * in_w + x1];
    float c = lr[plane_off + y1 * in_w + x0];
    float d = lr[plane_off + y1 * in_w + x1];
    return (1.0 - fy) * ((1.0 - fx) * a + fx * b) + fy * ((1.0 - fx) * c + fx * d);
}
#endif

/* Pixel index handled by this invocation of a 1-D decoder dispatch
 * (ASR_DEC_LOCAL invocations per workgroup, workgroups along x then y). */
uint dec_invocation()
{
    return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ASR_DEC_LOCAL +
           gl_LocalInvocationID.x;
}

#endif
