/*
 * sa.comp — AnySR feature-interweaving scale attention of one block.
 *
 * Operation: g[j] = (sum_{k < groups} partial[j * groups + k]) / n for j < c
 *   (the global average pool of gap.comp; with n_at != ASR_NO_MASK, n is
 *   tiles[n_at], the pixels that ran the block, and g = 0 when it is 0); v = [g0..g_{chunk-1}, sx, sy,
 *   g_chunk.., sx, sy, ...] (c + c / chunk * 2 values);
 *   a = relu(fc1_w[:, :len(v)] v + fc1_b) (hidden values, fc1_w rows of
 *   fc1_stride); att[att_off + j] = sigmoid(fc2_w[j, :] a + fc2_b[j]), j < c.
 * Bindings: 0 = readonly float partial[], 1 = readonly float weights[],
 *           2 = writeonly float att[], 3 = readonly uint tiles[] (params.h)
 * Push constants: AsrSaParams (params.h).
 * Specialization constants: none; workgroup ASR_SA_LOCAL x 1 x 1.
 * Dispatch: 1 x 1 x 1.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"

layout(local_size_x = ASR_SA_LOCAL, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Partial { float partial[]; };
layout(std430, binding = 1) readonly buffer Weights { float wt[]; };
layout(std430, binding = 2) writeonly buffer Att { float att[]; };
layout(std430, binding = 3) readonly buffer Tiles { uint tiles[]; };
layout(push_constant) uniform Push { AsrSaParams p; };

shared float s_g[ASR_SA_MAX_IN];
shared float s_v[ASR_SA_MAX_IN];
shared float s_h[ASR_SA_MAX_HIDDEN];

void main()
{
    uint lid = gl_LocalInvocationID.x;
    uint n = p.n_at == ASR_NO_MASK ? p.n : tiles[p.n_at];
    for (uint j = lid; j < p.c; j += ASR_SA_LOCAL) {
        float s = 0.0;
        for (uint k = 0u; k < p.groups; k++)
            s += partial[j * p.groups + k];
        s_g[j] = n == 0u ? 0.0 : s / float(n);
    }
    barrier();
    uint n_in = p.c + p.c / p.chunk * 2u;
    for (uint i = lid; i < n_in; i += ASR_SA_LOCAL) {
        uint grp = i / (p.chunk + 2u), r = i - grp * (p.chunk + 2u);
        s_v[i] = r < p.chunk ? s_g[grp * p.chunk + r] : (r == p.chunk ? p.sx : p.sy);
    }
    barrier();
    for (uint j = lid; j < p.hidden; j += ASR_SA_LOCAL) {
        float a = wt[p.fc1_b + j];
        for (uint i = 0u; i < n_in; i++)
            a += wt[p.fc1_w + j * p.fc1_stride + i] * s_v[i];
        s_h[j] = max(a, 0.0);
    }
    barrier();
    for (uint j = lid; j < p.c; j += ASR_SA_LOCAL) {
        float a = wt[p.fc2_b + j];
        for (uint i = 0u; i < p.hidden; i++)
            a += wt[p.fc2_w + j * p.hidden + i] * s_h[i];
        att[p.att_off + j] = 1.0 / (1.0 + exp(-a));
    }
}
