/*
 * dec_refine.comp — PCSR refinement of routed output.
 *
 * Operation: for output pixel (X, Y): a light pixel (route map 0) with at
 *   least one heavy pixel among its 8 in-image neighbours takes, per RGB
 *   channel, the mean of the unrefined values of its 3x3 neighbourhood
 *   (itself included, in-image pixels only, divided by their count, rows
 *   then columns summed); every other pixel copies its unrefined value.
 * Bindings: 0 = readonly float src[] (unrefined RGB planes, out_w x out_h)
 *           1 = readonly uint route[] (params.h ASR_ROUTE_MAP)
 *           2 = writeonly float dst[] (RGB planes, out_w x out_h)
 * Push constants: AsrDecParams (params.h; out_w, out_h).
 * Specialization constants: 0, 1 = workgroup size.
 * Dispatch: ceil(out_w / local_x) x ceil(out_h / local_y) x 1.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"

layout(local_size_x_id = ASR_SPEC_LOCAL_X, local_size_y_id = ASR_SPEC_LOCAL_Y, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) readonly buffer Route { uint route[]; };
layout(std430, binding = 2) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { AsrDecParams p; };

void main()
{
    uint X = gl_GlobalInvocationID.x, Y = gl_GlobalInvocationID.y;
    if (X >= p.out_w || Y >= p.out_h)
        return;
    uint n = p.out_w * p.out_h;
    uint q = Y * p.out_w + X;
    int x0 = max(int(X) - 1, 0), x1 = min(int(X) + 1, int(p.out_w) - 1);
    int y0 = max(int(Y) - 1, 0), y1 = min(int(Y) + 1, int(p.out_h) - 1);
    bool refine = false;
    if (route[ASR_ROUTE_MAP + q] == 0u) {
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
                refine = refine || route[ASR_ROUTE_MAP + uint(y) * p.out_w + uint(x)] != 0u;
    }
    for (uint c = 0u; c < 3u; c++) {
        float v;
        if (refine) {
            float s = 0.0;
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                    s += src[c * n + uint(y) * p.out_w + uint(x)];
            v = s / float((x1 - x0 + 1) * (y1 - y0 + 1));
        } else {
            v = src[c * n + q];
        }
        dst[c * n + q] = v;
    }
}
