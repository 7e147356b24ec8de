/*
 * depth.comp — the AdaDSR depth adapter: the number of residual blocks each
 * tile of the LR frame runs (docs/models.md#spatial-depth, train/model.py
 * DepthAdapter).
 *
 * Operation, per tile (edge tiles clipped to the map), with h0 the head
 * conv's output (the map x before any block):
 *   u(p)  = relu(pix_w . h0(p) + pix_b)          hidden values per pixel
 *   m     = (sum of u over the tile's pixels) / pixels
 *   x     = max of u over the tile's pixels       (pools 2 only)
 *   v     = relu(fc1_w . [m, x, target] + fc1_b)  ([m, target] with pools 1)
 *   s     = softplus(fc2_w . v + fc2_b)           (z > 20: z, as torch)
 *   tiles[tile] = min(depth, floor(dscale * s + 0.5))
 *   Invocation i sums (and maxes) the pixels i, i + L, ... of the tile
 *   (raster order); invocation j < hidden adds the L partial sums in order,
 *   then takes the max of the L partial maxima.
 * Layout: src is a feature map (params.h: NHWC, channel stride cs, element
 *   (y * width + x) * cs + ch - base, ACT_T of act.h) holding the band's rows.
 * Bindings: 0 = readonly ACT_T src[], 1 = readonly float weights[],
 *           2 = uint tiles[] (params.h layout; writes the depths)
 * Push constants: AsrDepthParams (params.h).
 * Specialization constants: none; workgroup ASR_DEPTH_LOCAL x 1 x 1.
 * Dispatch: tiles_x x (tile rows of the band) x 1 workgroups, one per tile.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"
#include "act.h"

layout(local_size_x = ASR_DEPTH_LOCAL, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Src { ACT_T src[]; };
layout(std430, binding = 1) readonly buffer Weights { float wt[]; };
layout(std430, binding = 2) buffer Tiles { uint tiles[]; };
layout(push_constant) uniform Push { AsrDepthParams p; };

shared float s_u[ASR_DEPTH_LOCAL][ASR_DEPTH_MAX_HIDDEN]; /* partial sums, then maxima */
shared float s_m[2 * ASR_DEPTH_MAX_HIDDEN + 1];         /* fc1's input */

void main()
{
    uint lid = gl_LocalInvocationID.x;
    uint tx = gl_WorkGroupID.x, ty = p.ty0 + gl_WorkGroupID.y;
    uint x0 = tx * p.tile, y0 = ty * p.tile;
    uint tw = min(p.tile, p.width - x0), th = min(p.tile, p.height - y0);
    uint n = tw * th;

    float acc[ASR_DEPTH_MAX_HIDDEN], mx[ASR_DEPTH_MAX_HIDDEN];
    for (uint j = 0u; j < p.hidden; j++) {
        acc[j] = 0.0;
        mx[j] = 0.0; /* u >= 0 */
    }
    float f[ASR_DEPTH_MAX_F];
    for (uint i = lid; i < n; i += ASR_DEPTH_LOCAL) {
        uint x = x0 + i % tw, y = y0 + i / tw;
        uint e = (y * p.width + x) * p.cs - p.base;
        for (uint c = 0u; c < p.F; c++)
            f[c] = act_load(src[e + c]);
        for (uint j = 0u; j < p.hidden; j++) {
            float a = wt[p.pix_b + j];
            for (uint c = 0u; c < p.F; c++)
                a += wt[p.pix_w + j * p.F + c] * f[c];
            a = max(a, 0.0);
            acc[j] += a;
            mx[j] = max(mx[j], a);
        }
    }
    for (uint j = 0u; j < p.hidden; j++)
        s_u[lid][j] = acc[j];
    barrier();
    if (lid < p.hidden) {
        float s = 0.0;
        for (uint i = 0u; i < ASR_DEPTH_LOCAL; i++)
            s += s_u[i][lid];
        s_m[lid] = s / float(n);
    }
    if (p.pools == 2u) { /* uniform: the whole workgroup takes this branch or none */
        barrier();
        for (uint j = 0u; j < p.hidden; j++)
            s_u[lid][j] = mx[j];
        barrier();
        if (lid < p.hidden) {
            float m = 0.0;
            for (uint i = 0u; i < ASR_DEPTH_LOCAL; i++)
                m = max(m, s_u[i][lid]);
            s_m[p.hidden + lid] = m;
        }
    }
    barrier();
    if (lid != 0u)
        return;
    uint nin = p.pools * p.hidden + 1u; /* fc1's inputs, the target last */
    s_m[nin - 1u] = p.target;
    float z = wt[p.fc2_b];
    for (uint j = 0u; j < p.hidden; j++) {
        float a = wt[p.fc1_b + j];
        for (uint i = 0u; i < nin; i++)
            a += wt[p.fc1_w + j * nin + i] * s_m[i];
        z += wt[p.fc2_w + j] * max(a, 0.0);
    }
    float sp = z > 20.0 ? z : log(1.0 + exp(z));
    float d = floor(p.dscale * sp + 0.5);
    tiles[ty * p.tiles_x + tx] = uint(clamp(d, 0.0, float(p.depth)));
}
