/*
 * gap.comp — global average pooling, first stage: partial sums.
 *
 * Operation: for channel ch = workgroup y and group g = workgroup x,
 *   partial[ch * groups + g] = sum of src[ch * n + i] over the pixels
 *   i in [g * per_group, min((g + 1) * per_group, n)), by a shared-memory
 *   tree reduction over ASR_GAP_LOCAL invocations (fixed order: the result
 *   is deterministic). sa.comp adds the groups and divides by n.
 * Bindings: 0 = readonly float src[] (planar, n per channel)
 *           1 = writeonly float partial[] (channels x groups)
 * Push constants: AsrGapParams (params.h).
 * Specialization constants: 0, 1 = workgroup size (ASR_GAP_LOCAL x 1).
 * Dispatch: groups x channels x 1 workgroups.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"

layout(local_size_x = ASR_GAP_LOCAL, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) writeonly buffer Partial { float partial[]; };
layout(push_constant) uniform Push { AsrGapParams p; };

shared float s_sum[ASR_GAP_LOCAL];

void main()
{
    uint lid = gl_LocalInvocationID.x;
    uint g = gl_WorkGroupID.x, ch = gl_WorkGroupID.y;
    uint begin = g * p.per_group;
    uint end = min(begin + p.per_group, p.n);
    float s = 0.0;
    for (uint i = begin + lid; i < end; i += ASR_GAP_LOCAL)
        s += src[ch * p.n + i];
    s_sum[lid] = s;
    barrier();
    for (uint w = ASR_GAP_LOCAL / 2u; w > 0u; w >>= 1) {
        if (lid < w)
            s_sum[lid] += s_sum[lid + w];
        barrier();
    }
    if (lid == 0u)
        partial[ch * p.groups + g] = s_sum[0];
}
