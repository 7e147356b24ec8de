/*
 * gap.comp — global average pooling, first stage: one partial sum per row.
 *
 * Operation: for channel ch = workgroup y and row r = y0 + workgroup x,
 *   partial[ch * height + r] = sum over x < width of src[ch](x, r), by a
 *   shared-memory tree reduction over ASR_GAP_LOCAL invocations (fixed
 *   order). sa.comp adds the rows in order and divides by width * height,
 *   so the pooled value is the same however the frame is cut into bands.
 * Layout: src is a feature map (params.h: NHWC, channel stride cs, element
 *   (r * width + x) * cs + ch - base, ACT_T of act.h) holding at least the
 *   band's rows.
 * Bindings: 0 = readonly ACT_T src[], 1 = writeonly float partial[] (channels x height)
 * Push constants: AsrGapParams (params.h).
 * Specialization constants: 0, 1 = workgroup size (ASR_GAP_LOCAL x 1).
 * Dispatch: rows of the band x channels x 1 workgroups.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"
#include "act.h"

layout(local_size_x = ASR_GAP_LOCAL, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Src { ACT_T src[]; };
layout(std430, binding = 1) writeonly buffer Partial { float partial[]; };
layout(push_constant) uniform Push { AsrGapParams p; };

shared float s_sum[ASR_GAP_LOCAL];

void main()
{
    uint lid = gl_LocalInvocationID.x;
    uint r = p.y0 + gl_WorkGroupID.x, ch = gl_WorkGroupID.y;
    uint row = r * p.width;
    float s = 0.0;
    for (uint i = lid; i < p.width; i += ASR_GAP_LOCAL)
        s += act_load(src[(row + i) * p.cs + ch - p.base]);
    s_sum[lid] = s;
    barrier();
    for (uint w = ASR_GAP_LOCAL / 2u; w > 0u; w >>= 1) {
        if (lid < w)
            s_sum[lid] += s_sum[lid + w];
        barrier();
    }
    if (lid == 0u)
        partial[ch * p.height + r] = s_sum[0];
}
