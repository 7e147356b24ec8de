/*
 * gap.comp — global average pooling, first stage: one partial sum per row,
 * reduced with subgroup operations.
 *
 * Operation: for channel ch = workgroup y and row r = y0 + workgroup x,
 *   partial[ch * height + r] = sum over x < width of src[ch](x, r).
 *   Invocation i sums the pixels x = i, i + L, i + 2L, ... (L = workgroup
 *   size) in order; subgroupAdd() sums each subgroup; with more than one
 *   subgroup per workgroup, invocation 0 adds the subgroup sums in subgroup
 *   order (shared memory, one barrier). The order depends on the device's
 *   subgroup size only, not on the bands: sa.comp adds the rows in order and
 *   divides by width * height, so the pooled value is the same however the
 *   frame is cut into bands.
 * Layout: src is a feature map (params.h: NHWC, channel stride cs, element
 *   (r * width + x) * cs + ch - base, ACT_T of act.h) holding at least the
 *   band's rows.
 *   Spatial depth (block != ASR_NO_MASK): only the pixels of tiles whose
 *   depth (tiles[], params.h layout) is above block are summed.
 * Bindings: 0 = readonly ACT_T src[], 1 = writeonly float partial[] (channels x height),
 *           2 = readonly uint tiles[]
 * Push constants: AsrGapParams (params.h).
 * Specialization constants: 0 = workgroup size L, workgroup L x 1 x 1
 *   (src/net/net.c: the device's subgroup size, so one subgroup per
 *   workgroup, asked for as a full subgroup of that size where the device
 *   can be asked; at most ASR_GAP_MAX_LOCAL). Correct at any subgroup size
 *   the driver runs (the sums of all subgroups are added).
 * Dispatch: rows of the band x channels x 1 workgroups.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_basic : require
#include "params.h"
#include "act.h"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Src { ACT_T src[]; };
layout(std430, binding = 1) writeonly buffer Partial { float partial[]; };
layout(std430, binding = 2) readonly buffer Tiles { uint tiles[]; };
layout(push_constant) uniform Push { AsrGapParams p; };

shared float s_sum[ASR_GAP_MAX_LOCAL];

void main()
{
    uint lid = gl_LocalInvocationID.x;
    uint r = p.y0 + gl_WorkGroupID.x, ch = gl_WorkGroupID.y;
    uint e = (r * p.width + lid) * p.cs + ch - p.base;
    uint step = gl_WorkGroupSize.x * p.cs;
    float s = 0.0;
    if (p.block == ASR_NO_MASK) {
        for (uint i = lid; i < p.width; i += gl_WorkGroupSize.x, e += step)
            s += act_load(src[e]);
    } else {
        uint trow = (r / p.tile) * p.tiles_x;
        for (uint i = lid; i < p.width; i += gl_WorkGroupSize.x, e += step)
            if (tiles[trow + i / p.tile] > p.block)
                s += act_load(src[e]);
    }
    s = subgroupAdd(s);
    if (gl_NumSubgroups == 1u) {
        if (lid == 0u)
            partial[ch * p.height + r] = s;
        return;
    }
    if (subgroupElect())
        s_sum[gl_SubgroupID] = s;
    barrier();
    if (lid == 0u) {
        float t = 0.0;
        for (uint g = 0u; g < gl_NumSubgroups; g++)
            t += s_sum[g];
        partial[ch * p.height + r] = t;
    }
}
