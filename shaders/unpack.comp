/*
 * unpack.comp — staging bytes of one frame -> planar float RGB(A) in [0,1].
 *
 * Operation: reads the input frame (RGBA, BGRA, RGBX, BGRX, I420 or NV12) from
 *   a buffer of 32-bit words holding its bytes, plane by plane at the byte
 *   offsets and strides in the push constants. Packed RGB: byte / 255.
 *   YUV: the 4:2:0 chroma planes are upsampled to luma resolution by bilinear
 *   interpolation at the chroma siting (co-sited: chroma sample i sits on
 *   luma sample 2i; centred: on 2i + 0.5), edges clamped, then
 *   RGB = clamp(M * (Y, Cb, Cr, 1), 0, 1) with M holding matrix and range.
 * Bindings: 0 = readonly uint src[] (staging bytes, little-endian words)
 *           1 = writeonly float dst[] (planes R, G, B[, A], plane_size apart)
 * Push constants: AsrIoParams (params.h).
 * Specialization constants: 0, 1 = workgroup size x, y.
 * Dispatch: ceil(width / local_x) x ceil(height / local_y) x 1, one
 *   invocation per pixel.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"

layout(local_size_x_id = ASR_SPEC_LOCAL_X, local_size_y_id = ASR_SPEC_LOCAL_Y, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { AsrIoParams p; };

const float INV255 = 1.0 / 255.0;

float load_byte(uint off)
{
    return float((src[off >> 2] >> ((off & 3u) * 8u)) & 0xffu);
}

/* Chroma byte at chroma sample (i, j) of component comp (0 = Cb, 1 = Cr). */
float chroma_byte(int i, int j, uint comp)
{
    if (p.format == ASR_SHADER_FMT_NV12)
        return load_byte(p.offset1 + uint(j) * p.stride1 + uint(i) * 2u + comp);
    if (comp == 0u)
        return load_byte(p.offset1 + uint(j) * p.stride1 + uint(i));
    return load_byte(p.offset2 + uint(j) * p.stride2 + uint(i));
}

void main()
{
    uint x = gl_GlobalInvocationID.x;
    uint y = gl_GlobalInvocationID.y;
    if (x >= p.width || y >= p.height)
        return;
    uint idx = y * p.width + x;
    vec4 rgba;

    if (p.format == ASR_SHADER_FMT_I420 || p.format == ASR_SHADER_FMT_NV12) {
        int cw = int((p.width + 1u) / 2u);
        int ch = int((p.height + 1u) / 2u);
        /* position of this luma sample in chroma sample units */
        float cx = (p.flags & ASR_IO_COSITED_H) != 0u ? float(x) * 0.5 : float(x) * 0.5 - 0.25;
        float cy = (p.flags & ASR_IO_COSITED_V) != 0u ? float(y) * 0.5 : float(y) * 0.5 - 0.25;
        float fx0 = floor(cx);
        float fy0 = floor(cy);
        float fx = cx - fx0;
        float fy = cy - fy0;
        int i0 = clamp(int(fx0), 0, cw - 1);
        int i1 = clamp(int(fx0) + 1, 0, cw - 1);
        int j0 = clamp(int(fy0), 0, ch - 1);
        int j1 = clamp(int(fy0) + 1, 0, ch - 1);
        float c[2];
        for (uint k = 0u; k < 2u; k++) {
            float c00 = chroma_byte(i0, j0, k);
            float c10 = chroma_byte(i1, j0, k);
            float c01 = chroma_byte(i0, j1, k);
            float c11 = chroma_byte(i1, j1, k);
            float top = c00 + (c10 - c00) * fx;
            float bot = c01 + (c11 - c01) * fx;
            c[k] = top + (bot - top) * fy;
        }
        vec4 yuv1 = vec4(load_byte(p.offset0 + y * p.stride0 + x), c[0], c[1], 1.0);
        precise float r = dot(p.m0, yuv1);
        precise float g = dot(p.m1, yuv1);
        precise float b = dot(p.m2, yuv1);
        rgba = vec4(clamp(vec3(r, g, b), 0.0, 1.0), 1.0);
    } else {
        uint off = p.offset0 + y * p.stride0 + x * 4u;
        uint word = src[off >> 2];
        vec4 v = vec4(float(word & 0xffu), float((word >> 8) & 0xffu),
                      float((word >> 16) & 0xffu), float(word >> 24)) * INV255;
        bool bgr = p.format == ASR_SHADER_FMT_BGRA || p.format == ASR_SHADER_FMT_BGRX;
        rgba = bgr ? v.zyxw : v;
    }

    dst[idx] = rgba.r;
    dst[p.plane_size + idx] = rgba.g;
    dst[2u * p.plane_size + idx] = rgba.b;
    if ((p.flags & ASR_IO_ALPHA) != 0u)
        dst[3u * p.plane_size + idx] = rgba.a;
}
