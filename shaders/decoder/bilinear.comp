/*
 * bilinear.comp — bilinear resampling of one plane (alpha of RGBA/BGRA).
 *
 * Operation: for Y in the destination window [dst_y0, dst_y0 + dst_rows):
 *   dst[dst_plane + (Y - dst_y0) * out_w + X] = the bilinear sample of the LR
 *   plane at element src_plane (in_w x in_h) at HR pixel (X, Y), with the
 *   integer formula of train/model.py (= F.interpolate bilinear,
 *   align_corners=False), as the decoder's base (decoder.h).
 * Bindings: 0 = readonly float lr[], 1 = writeonly float dst[]
 * Push constants: AsrDecParams (params.h; in_*, out_*, src_plane, dst_plane,
 *   dst_y0, dst_rows).
 * Specialization constants: 0, 1 = workgroup size.
 * Dispatch: ceil(out_w / local_x) x ceil(dst_rows / local_y) x 1.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"

layout(local_size_x_id = ASR_SPEC_LOCAL_X, local_size_y_id = ASR_SPEC_LOCAL_Y, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Lr { float lr[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { AsrDecParams p; };

#include "decoder.h"

void main()
{
    uint X = gl_GlobalInvocationID.x, Y = p.dst_y0 + gl_GlobalInvocationID.y;
    if (X >= p.out_w || Y >= p.dst_y0 + p.dst_rows)
        return;
    dst[p.dst_plane + (Y - p.dst_y0) * p.out_w + X] =
        dec_bilinear(p.src_plane, X, Y, p.in_w, p.in_h, p.out_w, p.out_h);
}
