/*
 * dec_refine.comp — PCSR refinement of routed output.
 *
 * Operation: for output pixel (X, Y), Y in the destination window [dst_y0,
 *   dst_y0 + dst_rows): a light pixel (route map 0) with at
 *   least one heavy pixel among its 8 in-image neighbours takes, per RGB
 *   channel, the mean of the unrefined values of its 3x3 neighbourhood
 *   (itself included, in-image pixels only, divided by their count, rows
 *   then columns summed); every other pixel copies its unrefined value.
 * Bindings: 0 = readonly float src[] (unrefined RGB planes of the
 *               invocation window, out_w x rows from row y0)
 *           1 = readonly uint route[] (params.h ASR_ROUTE_MAP, same window)
 *           2 = writeonly float dst[] (RGB planes of the destination window)
 *   The invocation window holds the destination window and the rows next
 *   to it inside the image.
 * Push constants: AsrDecParams (params.h; out_w, out_h, the windows).
 * Specialization constants: 0, 1 = workgroup size.
 * Dispatch: ceil(out_w / local_x) x ceil(dst_rows / local_y) x 1.
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
    uint X = gl_GlobalInvocationID.x, Y = p.dst_y0 + gl_GlobalInvocationID.y;
    if (X >= p.out_w || Y >= p.dst_y0 + p.dst_rows)
        return;
    uint n = p.out_w * p.rows;
    uint q = (Y - p.y0) * p.out_w + X;
    int x0 = max(int(X) - 1, 0), x1 = min(int(X) + 1, int(p.out_w) - 1);
    int y0 = max(int(Y) - 1, 0), y1 = min(int(Y) + 1, int(p.out_h) - 1);
    int wy = int(p.y0);
    bool refine = false;
    if (route[ASR_ROUTE_MAP + q] == 0u) {
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
                refine = refine || route[ASR_ROUTE_MAP + uint(y - wy) * p.out_w + uint(x)] != 0u;
    }
    uint dn = p.out_w * p.dst_rows;
    uint dq = (Y - p.dst_y0) * p.out_w + X;
    for (uint c = 0u; c < 3u; c++) {
        float v;
        if (refine) {
            float s = 0.0;
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                    s += src[c * n + uint(y - wy) * p.out_w + uint(x)];
            v = s / float((x1 - x0 + 1) * (y1 - y0 + 1));
        } else {
            v = src[c * n + q];
        }
        dst[c * dn + dq] = v;
    }
}
