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
 *   Every sum starts from the bias and adds its inputs in order, in float.
 * Kernel: an invocation is one pixel; the hidden units are computed 8 at a
 *   time. For a block of 8 units (variants _ssbo, SHARE), lane l of each 8
 *   loads the weight row of unit 8 b + l and the other lanes get it by
 *   subgroup broadcast, so no inner loop gathers the same weight for every
 *   lane: SHARE 1 where the host knows every subgroup has lanes 0..7 active
 *   (net.c lanes8_full(): full subgroups of 8 or more asked for, or
 *   lavapipe's), 2 elsewhere: only in a subgroup whose ballot finds lanes
 *   0..7 active (once, at the start), the others load directly, so any
 *   subgroup size is correct; 0: direct loads. The loops over the
 *   inputs of a block are unrolled so that the pixel's input and hidden
 *   values are indexed by constants (registers). With NL = 2 the first
 *   hidden layer goes through this invocation's own slots of shared memory
 *   (no barrier: no invocation reads another's), and the output layer is
 *   summed block by block as the last hidden layer is produced.
 *   Invocations past the count stay active (they compute a clamped pixel
 *   and do not store) because the broadcasts need every lane.
 * Bindings: 0 = readonly ACT_T enc[] (feature map, params.h NHWC, the window's LR rows)
 *           1 = readonly float lr[] (RGB planes of in_w x in_h)
 *           2 = readonly float weights[] (variants _ssbo), or with ASR_MLP_UBO
 *               (variants _ubo) the MLP's own weights as a uniform buffer of
 *               NV vec4 (std140), weight i at wv[i / 4][i % 4], the offsets
 *               l*_w, l*_b relative to its start
 *           3 = writeonly float out[] (RGB planes of out_w x rows)
 *           4 = readonly uint route[] (params.h ASR_ROUTE_*)
 * Push constants: AsrDecParams (params.h).
 * Specialization constants: ASR_SPEC_F = F, ASR_SPEC_H1, ASR_SPEC_H2 = hidden
 *   sizes (H2 >= 1), ASR_SPEC_NL = hidden layers (1 or 2); with ASR_MLP_UBO
 *   ASR_SPEC_MLP_VEC4 = NV; ASR_SPEC_MLP_SHARE = SHARE (variants _ssbo).
 *   Workgroup ASR_DEC_LOCAL x 1 x 1. Shared memory:
 *   H1 x ASR_DEC_LOCAL floats (NL = 2).
 * Dispatch: ASR_DEC_ALL: ceil(out_w * rows / ASR_DEC_LOCAL) workgroups as
 *   g x 1 x 1 (g <= ASR_DEC_MAX_GROUPS_X); lists: vkCmdDispatchIndirect
 *   at ASR_ROUTE_HEAVY_ARGS / ASR_ROUTE_LIGHT_ARGS (written by dec_args.comp).
 *   Ballot (and broadcast) subgroup operations.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "params.h"
#include "act.h"

layout(local_size_x = ASR_DEC_LOCAL, local_size_y = 1, local_size_z = 1) in;
layout(constant_id = ASR_SPEC_F) const uint F = 32u;
layout(constant_id = ASR_SPEC_H1) const uint H1 = 64u;
layout(constant_id = ASR_SPEC_H2) const uint H2 = 64u;
layout(constant_id = ASR_SPEC_NL) const uint NL = 2u;
layout(constant_id = ASR_SPEC_MLP_SHARE) const uint SHARE = 1u;

layout(std430, binding = 0) readonly buffer Enc { ACT_T enc[]; };
layout(std430, binding = 1) readonly buffer Lr { float lr[]; };
#ifdef ASR_MLP_UBO
/* the MLP's own weights, bound as a uniform buffer of NV vec4 (std140) */
layout(constant_id = ASR_SPEC_MLP_VEC4) const uint NV = 1u;
layout(std140, binding = 2) uniform Weights { vec4 wv[NV]; };
#define WT(i) wv[(i) >> 2u][(i) & 3u]
#else
layout(std430, binding = 2) readonly buffer Weights { float wt[]; };
#define WT(i) wt[i]
#endif
layout(std430, binding = 3) writeonly buffer Out { float dst[]; };
layout(std430, binding = 4) readonly buffer Route { uint route[]; };
layout(push_constant) uniform Push { AsrDecParams p; };

#include "decoder.h"

const uint NIN = F + 4u;
shared float s_h1[NL == 2u ? H1 * ASR_DEC_LOCAL : 1u];

/* SHARE: this subgroup broadcasts the weights (main() sets it, uniform in
 * the subgroup) */
bool g_share;

/* the value v of lanes 0..7 (of each 8), to every lane */
void bcast8(float v, out float w[8])
{
    w[0] = subgroupBroadcast(v, 0u);
    w[1] = subgroupBroadcast(v, 1u);
    w[2] = subgroupBroadcast(v, 2u);
    w[3] = subgroupBroadcast(v, 3u);
    w[4] = subgroupBroadcast(v, 4u);
    w[5] = subgroupBroadcast(v, 5u);
    w[6] = subgroupBroadcast(v, 6u);
    w[7] = subgroupBroadcast(v, 7u);
}

/* w[u] = W[min(b + u, rows - 1)][k], u < 8, of the row-major layer at `base`
 * with n_in inputs: every invocation needs the same eight weights */
void weights8(uint base, uint n_in, uint rows, uint b, uint k, out float w[8])
{
#ifdef ASR_MLP_UBO
    [[unroll]] for (uint u = 0u; u < 8u; u++)
        w[u] = WT(base + min(b + u, rows - 1u) * n_in + k);
#else
    if (g_share) {
        /* lane l of each 8 loads weight l, the others get it by broadcast */
        bcast8(WT(base + min(b + (gl_SubgroupInvocationID & 7u), rows - 1u) * n_in + k), w);
    } else {
        [[unroll]] for (uint u = 0u; u < 8u; u++)
            w[u] = WT(base + min(b + u, rows - 1u) * n_in + k);
    }
#endif
}

void main()
{
    /* every lane is active here (and stays so through the broadcasts) */
    g_share = SHARE == 1u || (SHARE == 2u && (subgroupBallot(true).x & 0xffu) == 0xffu);
    uint i = dec_invocation();
    uint n = p.out_w * p.rows;
    uint lid = gl_LocalInvocationID.x;
    uint count = p.mode == ASR_DEC_ALL ? n :
                 p.mode == ASR_DEC_HEAVY ? route[ASR_ROUTE_HEAVY_COUNT] :
                 route[ASR_ROUTE_LIGHT_COUNT];
    bool valid = i < count;
    uint ic = min(i, max(count, 1u) - 1u);
    uint q;
    if (p.mode == ASR_DEC_ALL)
        q = ic;
    else if (p.mode == ASR_DEC_HEAVY)
        q = route[ASR_ROUTE_MAP + n + ic];
    else
        q = route[ASR_ROUTE_MAP + n + (n - 1u - ic)];
    q = min(q, n - 1u);
    uint X = q % p.out_w, Y = p.y0 + q / p.out_w;
    uint ix, iy;
    float in_v[NIN];
    dec_axis(X, p.in_w, p.out_w, ix, in_v[F]);
    dec_axis(Y, p.in_h, p.out_h, iy, in_v[F + 1u]);
    in_v[F + 2u] = p.cell_x;
    in_v[F + 3u] = p.cell_y;
    uint src = (iy * p.in_w + ix) * p.cs - p.enc_base;
    [[unroll]] for (uint c = 0u; c < F; c++)
        in_v[c] = act_load(enc[src + c]);

    const uint HL = NL == 1u ? H1 : H2; /* the last hidden layer */
    float o[3];
    [[unroll]] for (uint c = 0u; c < 3u; c++)
        o[c] = WT((NL == 1u ? p.l1_b : p.l2_b) + c);
    uint lw = NL == 1u ? p.l1_w : p.l2_w;

    if (NL == 2u) {
        /* h1 = relu(L0 in_v) into this invocation's slots */
        for (uint b = 0u; b < H1; b += 8u) {
            float acc[8];
            weights8(p.l0_b, 1u, H1, b, 0u, acc);
            [[unroll]] for (uint k = 0u; k < NIN; k++) {
                float w[8];
                weights8(p.l0_w, NIN, H1, b, k, w);
                [[unroll]] for (uint u = 0u; u < 8u; u++)
                    acc[u] += w[u] * in_v[k];
            }
            [[unroll]] for (uint u = 0u; u < 8u; u++)
                if (b + u < H1)
                    s_h1[(b + u) * ASR_DEC_LOCAL + lid] = max(acc[u], 0.0);
        }
        float h1[H1];
        [[unroll]] for (uint k = 0u; k < H1; k++)
            h1[k] = s_h1[k * ASR_DEC_LOCAL + lid];
        /* h2 = relu(L1 h1), block by block, into the output layer */
        for (uint b = 0u; b < H2; b += 8u) {
            float acc[8];
            weights8(p.l1_b, 1u, H2, b, 0u, acc);
            [[unroll]] for (uint k = 0u; k < H1; k++) {
                float w[8];
                weights8(p.l1_w, H1, H2, b, k, w);
                [[unroll]] for (uint u = 0u; u < 8u; u++)
                    acc[u] += w[u] * h1[k];
            }
            [[unroll]] for (uint c = 0u; c < 3u; c++) {
                float w[8];
                weights8(lw + c * H2, 1u, H2, b, 0u, w);
                [[unroll]] for (uint u = 0u; u < 8u; u++)
                    if (b + u < H2)
                        o[c] += w[u] * max(acc[u], 0.0);
            }
        }
    } else {
        /* h1 = relu(L0 in_v), block by block, into the output layer */
        for (uint b = 0u; b < H1; b += 8u) {
            float acc[8];
            weights8(p.l0_b, 1u, H1, b, 0u, acc);
            [[unroll]] for (uint k = 0u; k < NIN; k++) {
                float w[8];
                weights8(p.l0_w, NIN, H1, b, k, w);
                [[unroll]] for (uint u = 0u; u < 8u; u++)
                    acc[u] += w[u] * in_v[k];
            }
            [[unroll]] for (uint c = 0u; c < 3u; c++) {
                float w[8];
                weights8(lw + c * H1, 1u, H1, b, 0u, w);
                [[unroll]] for (uint u = 0u; u < 8u; u++)
                    if (b + u < H1)
                        o[c] += w[u] * max(acc[u], 0.0);
            }
        }
    }
    if (!valid)
        return;
    uint lr_plane = p.in_w * p.in_h;
    [[unroll]] for (uint c = 0u; c < 3u; c++) {
        float base = dec_bilinear(c * lr_plane, X, Y, p.in_w, p.in_h, p.out_w, p.out_h);
        dst[c * n + q] = base + o[c];
    }
}
