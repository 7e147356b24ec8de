/*
 * unpack.comp — staging bytes of one frame -> planar float RGB(A) in [0,1].
 *
 * Operation: reads the input frame (RGBA, BGRA, RGBX, BGRX, I420, NV12, P010,
 *   I420_10, RGB10A2 or BGR10A2) from a buffer of 32-bit words holding its
 *   bytes, plane by plane at the byte offsets and strides in the push
 *   constants. Packed RGB: byte / 255; 10-bit packed RGB: 10-bit field / 1023,
 *   alpha 2-bit field / 3. YUV samples are code values: bytes (I420, NV12),
 *   or 16-bit little-endian words (two per uint, at even byte offsets) holding
 *   10 bits, high (P010: word >> 6) or low (I420_10: word & 0x3ff).
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

/* The 16-bit little-endian word at even byte offset off. */
uint load_word16(uint off)
{
    return (src[off >> 2] >> ((off & 2u) * 8u)) & 0xffffu;
}

bool is_16bit()
{
    return p.format == ASR_SHADER_FMT_P010 || p.format == ASR_SHADER_FMT_I420_10;
}

/* Code value of the YUV sample at byte offset off. */
float load_sample(uint off)
{
    if (p.format == ASR_SHADER_FMT_P010)
        return float(load_word16(off) >> 6);
    if (p.format == ASR_SHADER_FMT_I420_10)
        return float(load_word16(off) & 0x3ffu);
    return load_byte(off);
}

/* Chroma code value at chroma sample (i, j) of component comp (0 = Cb, 1 = Cr). */
float chroma_byte(int i, int j, uint comp)
{
    uint bps = is_16bit() ? 2u : 1u; /* bytes per sample */
    if (p.format == ASR_SHADER_FMT_NV12 || p.format == ASR_SHADER_FMT_P010)
        return load_sample(p.offset1 + uint(j) * p.stride1 + (uint(i) * 2u + comp) * bps);
    if (comp == 0u)
        return load_sample(p.offset1 + uint(j) * p.stride1 + uint(i) * bps);
    return load_sample(p.offset2 + uint(j) * p.stride2 + uint(i) * bps);
}

void main()
{
    uint x = gl_GlobalInvocationID.x;
    uint y = gl_GlobalInvocationID.y;
    if (x >= p.width || y >= p.height)
        return;
    uint idx = y * p.width + x;
    vec4 rgba;

    if (p.format == ASR_SHADER_FMT_I420 || p.format == ASR_SHADER_FMT_NV12 || is_16bit()) {
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
        uint bps = is_16bit() ? 2u : 1u;
        vec4 yuv1 = vec4(load_sample(p.offset0 + y * p.stride0 + x * bps), c[0], c[1], 1.0);
        precise float r = dot(p.m0, yuv1);
        precise float g = dot(p.m1, yuv1);
        precise float b = dot(p.m2, yuv1);
        rgba = vec4(clamp(vec3(r, g, b), 0.0, 1.0), 1.0);
    } else if (p.format == ASR_SHADER_FMT_RGB10A2 || p.format == ASR_SHADER_FMT_BGR10A2) {
        uint word = src[(p.offset0 + y * p.stride0) / 4u + x];
        vec4 v = vec4(vec3(float(word & 0x3ffu), float((word >> 10) & 0x3ffu),
                           float((word >> 20) & 0x3ffu)) * (1.0 / 1023.0),
                      float(word >> 30) * (1.0 / 3.0));
        rgba = p.format == ASR_SHADER_FMT_BGR10A2 ? v.zyxw : v;
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
