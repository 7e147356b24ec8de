/*
 * dec_mlp.comp — decoder MLP (heavy or light) of one query per output pixel.
 *
 * Operation: for output pixel q = (X, Y) of the invocation window (rows
 *   [y0, y0 + rows), q = raster index in the window; mode ASR_DEC_ALL: every pixel,
 *   invocation i -> q = i; ASR_DEC_HEAVY / ASR_DEC_LIGHT: the i-th entry of
 *   the heavy / light list of the route buffer, count from its counter):
 *   input = [enc[0..F)(iy, ix), rel_x, rel_y, cell_x, cell_y] (decoder.h),
 *   h1 = relu(L0 input), [h2 = relu(L1 h1),] o = L_last h (3 values),
 *   out[c](q) = bilinear(lr[c])(X, Y) + o[c] for c = 0, 1, 2 (R, G, B).
 *   L0 at l0_w/l0_b ((H1, F+4) and H1), L1 at l1_w/l1_b, L2 at l2_w/l2_b;
 *   with NL = 1 the output layer is L1, with NL = 2 it is L2.
 * Bindings: 0 = readonly ACT_T enc[] (feature map, params.h NHWC, the window's LR rows)
 *           1 = readonly float lr[] (RGB planes of in_w x in_h)
 *           2 = readonly float weights[]
 *           3 = writeonly float out[] (RGB planes of out_w x rows)
 *           4 = readonly uint route[] (params.h ASR_ROUTE_*)
 * Push constants: AsrDecParams (params.h).
 * Specialization constants: 0, 1 = workgroup size (ASR_DEC_LOCAL x 1);
 *   ASR_SPEC_F = F, ASR_SPEC_H1, ASR_SPEC_H2 = hidden sizes (H2 >= 1),
 *   ASR_SPEC_NL = hidden layers (1 or 2).
 * Dispatch: ASR_DEC_ALL: ceil(out_w * rows / ASR_DEC_LOCAL) workgroups as
 *   g x 1 x 1 (g <= ASR_DEC_MAX_GROUPS_X); lists: vkCmdDispatchIndirect
 *   at ASR_ROUTE_HEAVY_ARGS / ASR_ROUTE_LIGHT_ARGS (written by dec_args.comp).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"
#include "act.h"

layout(local_size_x = ASR_DEC_LOCAL, local_size_y = 1, local_size_z = 1) in;
layout(constant_id = ASR_SPEC_F) const uint F = 32u;
layout(constant_id = ASR_SPEC_H1) const uint H1 = 64u;
layout(constant_id = ASR_SPEC_H2) const uint H2 = 64u;
layout(constant_id = ASR_SPEC_NL) const uint NL = 2u;

layout(std430, binding = 0) readonly buffer Enc { ACT_T enc[]; };
layout(std430, binding = 1) readonly buffer Lr { float lr[]; };
layout(std430, binding = 2) readonly buffer Weights { float wt[]; };
layout(std430, binding = 3) writeonly buffer Out { float dst[]; };
layout(std430, binding = 4) readonly buffer Route { uint route[]; };
layout(push_constant) uniform Push { AsrDecParams p; };

#include "decoder.h"

const uint NIN = F + 4u;

void main()
{
    uint i = dec_invocation();
    uint n = p.out_w * p.rows;
    uint q;
    if (p.mode == ASR_DEC_ALL) {
        if (i >= n)
            return;
        q = i;
    } else if (p.mode == ASR_DEC_HEAVY) {
        if (i >= route[ASR_ROUTE_HEAVY_COUNT])
            return;
        q = route[ASR_ROUTE_MAP + n + i];
    } else {
        if (i >= route[ASR_ROUTE_LIGHT_COUNT])
            return;
        q = route[ASR_ROUTE_MAP + n + (n - 1u - i)];
    }
    uint X = q % p.out_w, Y = p.y0 + q / p.out_w;
    uint ix, iy;
    float in_v[NIN];
    dec_axis(X, p.in_w, p.out_w, ix, in_v[F]);
    dec_axis(Y, p.in_h, p.out_h, iy, in_v[F + 1u]);
    in_v[F + 2u] = p.cell_x;
    in_v[F + 3u] = p.cell_y;
    uint lr_plane = p.in_w * p.in_h;
    uint src = (iy * p.in_w + ix) * p.cs - p.enc_base;
    for (uint c = 0u; c < F; c++)
        in_v[c] = act_load(enc[src + c]);

    float h1[H1];
    for (uint j = 0u; j < H1; j++) {
        float a = wt[p.l0_b + j];
        for (uint k = 0u; k < NIN; k++)
            a += wt[p.l0_w + j * NIN + k] * in_v[k];
        h1[j] = max(a, 0.0);
    }
    float o[3];
    if (NL == 1u) {
        for (uint c = 0u; c < 3u; c++) {
            float a = wt[p.l1_b + c];
            for (uint k = 0u; k < H1; k++)
                a += wt[p.l1_w + c * H1 + k] * h1[k];
            o[c] = a;
        }
    } else {
        float h2[H2];
        for (uint j = 0u; j < H2; j++) {
            float a = wt[p.l1_b + j];
            for (uint k = 0u; k < H1; k++)
                a += wt[p.l1_w + j * H1 + k] * h1[k];
            h2[j] = max(a, 0.0);
        }
        for (uint c = 0u; c < 3u; c++) {
            float a = wt[p.l2_b + c];
            for (uint k = 0u; k < H2; k++)
                a += wt[p.l2_w + c * H2 + k] * h2[k];
            o[c] = a;
        }
    }
    for (uint c = 0u; c < 3u; c++) {
        float base = dec_bilinear(c * lr_plane, X, Y, p.in_w, p.in_h, p.out_w, p.out_h);
        dst[c * n + q] = base + o[c];
    }
}
