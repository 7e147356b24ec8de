/*
 * dec_classify.comp — decoder routing: classifier and list compaction.
 *
 * Operation: for every output pixel of the invocation window (rows [y0,
 *   y0 + rows), q = its raster index in the window), the MLP input of
 *   dec_mlp.comp, logits = W_cls input + b_cls (l0_w, l0_b; (heavy, light)),
 *   delta = logit_heavy - logit_light, heavy = delta >= threshold;
 *   route[ASR_ROUTE_MAP + q] = heavy ? 1 : 0; q is appended to the heavy list
 *   (from the list start) or the light list (from the list end, backwards):
 *   a workgroup counts its pixels in shared memory and reserves its slots
 *   with one atomicAdd per list on the counters ASR_ROUTE_HEAVY_COUNT /
 *   ASR_ROUTE_LIGHT_COUNT (zeroed before this pass). List order is not
 *   deterministic; every pixel's result is independent of it.
 * Bindings: 0 = readonly ACT_T enc[] (feature map, params.h NHWC, the
 *               window's LR rows), 1 = readonly float weights[],
 *           2 = uint route[] (params.h ASR_ROUTE_*, of the window)
 * Push constants: AsrDecParams (params.h).
 * Specialization constants: ASR_SPEC_F = F; workgroup ASR_DEC_LOCAL x 1 x 1.
 * Dispatch: ceil(out_w * rows / ASR_DEC_LOCAL) x 1 x 1 workgroups.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "params.h"
#include "act.h"

layout(local_size_x = ASR_DEC_LOCAL, local_size_y = 1, local_size_z = 1) in;
layout(constant_id = ASR_SPEC_F) const uint F = 32u;

layout(std430, binding = 0) readonly buffer Enc { ACT_T enc[]; };
layout(std430, binding = 1) readonly buffer Weights { float wt[]; };
layout(std430, binding = 2) buffer Route { uint route[]; };
layout(push_constant) uniform Push { AsrDecParams p; };

#define ASR_DEC_NO_BILINEAR
#include "decoder.h"

const uint NIN = F + 4u;

shared uint s_count[2];
shared uint s_base[2];

void main()
{
    uint i = dec_invocation();
    uint n = p.out_w * p.rows;
    if (gl_LocalInvocationID.x == 0u) {
        s_count[0] = 0u;
        s_count[1] = 0u;
    }
    barrier();

    bool valid = i < n;
    bool heavy = false;
    if (valid) {
        uint X = i % p.out_w, Y = p.y0 + i / p.out_w;
        uint ix, iy;
        float in_v[NIN];
        dec_axis(X, p.in_w, p.out_w, ix, in_v[F]);
        dec_axis(Y, p.in_h, p.out_h, iy, in_v[F + 1u]);
        in_v[F + 2u] = p.cell_x;
        in_v[F + 3u] = p.cell_y;
        uint src = (iy * p.in_w + ix) * p.cs - p.enc_base;
        [[unroll]] for (uint c = 0u; c < F; c++)
            in_v[c] = act_load(enc[src + c]);
        float lh = wt[p.l0_b], ll = wt[p.l0_b + 1u];
        /* unrolled: in_v is indexed by constants (registers) and the
         * weights by push constants plus constants (uniform loads) */
        [[unroll]] for (uint k = 0u; k < NIN; k++) {
            lh += wt[p.l0_w + k] * in_v[k];
            ll += wt[p.l0_w + NIN + k] * in_v[k];
        }
        heavy = lh - ll >= p.threshold;
        route[ASR_ROUTE_MAP + i] = heavy ? 1u : 0u;
    }
    uint slot = 0u;
    if (valid)
        slot = atomicAdd(s_count[heavy ? 0 : 1], 1u);
    barrier();
    if (gl_LocalInvocationID.x == 0u) {
        s_base[0] = s_count[0] > 0u ? atomicAdd(route[ASR_ROUTE_HEAVY_COUNT], s_count[0]) : 0u;
        s_base[1] = s_count[1] > 0u ? atomicAdd(route[ASR_ROUTE_LIGHT_COUNT], s_count[1]) : 0u;
    }
    barrier();
    if (valid) {
        if (heavy)
            route[ASR_ROUTE_MAP + n + s_base[0] + slot] = i;
        else
            route[ASR_ROUTE_MAP + n + (n - 1u - (s_base[1] + slot))] = i;
    }
}
