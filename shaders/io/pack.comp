/*
 * pack.comp — planar float RGB(A) -> staging bytes of one frame.
 *
 * Operation: writes the output frame (RGBA, BGRA, RGBX, BGRX, I420, NV12,
 *   P010, I420_10, RGB10A2 or BGR10A2) into a buffer of 32-bit words, plane by
 *   plane at the byte offsets and strides in the push constants; each
 *   invocation writes one whole word, so no two invocations share a word
 *   (strides and offsets are multiples of 4).
 *   RGB is clamped to [0,1] first. Every sample is floor(clamp(v, 0, 1) * L +
 *   0.5) of its normalised value v, L = 255 (8-bit formats) or 1023 (10-bit
 *   formats; 3 for the 2-bit alpha), with no 8-bit step. Packed RGB: the
 *   padding byte of RGBX/BGRX is 255, alpha of RGBA/BGRA/RGB10A2/BGR10A2
 *   comes from plane 3. 16-bit words: P010 holds the code << 6, I420_10 the
 *   code.
 *   YUV: (Y, Cb, Cr) = M * (R, G, B, 1), M holding matrix and range. Chroma
 *   of 4:2:0 sample (i, j) is taken from RGB filtered at the chroma siting,
 *   separably per axis: centred = mean of luma samples 2i, 2i+1; co-sited =
 *   [1 2 1] / 4 over 2i-1, 2i, 2i+1; positions clamped to the frame, so odd
 *   sizes give ceil(w/2) x ceil(h/2) chroma planes.
 *   One band per dispatch: luma rows [y0, y0 + rows) and chroma rows
 *   [y0 / 2, ceil((y0 + rows) / 2)); src holds frame rows from src_y0 on
 *   (params.h AsrIoParams).
 * Bindings: 0 = readonly float src[] (planes R, G, B[, A], plane_size apart,
 *               row 0 of each = frame row src_y0)
 *           1 = writeonly uint dst[] (staging bytes, little-endian words)
 * Push constants: AsrIoParams (params.h).
 * Specialization constants: 0, 1 = workgroup size x, y.
 * Dispatch: x covers the words of the widest row, y the band's rows of plane 0,
 *   z = 1 for packed RGB (one word per pixel), 2 for YUV (z = 0: the Y plane,
 *   4 samples per word, 2 for 16-bit formats; z = 1: chroma, I420 writes one
 *   word of U and one of V (4 samples each), NV12 one word of UV (2 sample
 *   pairs), I420_10 one word of U and one of V (2 samples each), P010 one
 *   word of UV (1 sample pair)).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"

layout(local_size_x_id = ASR_SPEC_LOCAL_X, local_size_y_id = ASR_SPEC_LOCAL_Y, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) writeonly buffer Dst { uint dst[]; };
layout(push_constant) uniform Push { AsrIoParams p; };

uint to_byte(float v)
{
    return uint(floor(clamp(v, 0.0, 1.0) * 255.0 + 0.5));
}

uint to_10bit(float v)
{
    return uint(floor(clamp(v, 0.0, 1.0) * 1023.0 + 0.5));
}

bool is_16bit()
{
    return p.format == ASR_SHADER_FMT_P010 || p.format == ASR_SHADER_FMT_I420_10;
}

/* Code value at the format's depth (YUV). */
uint to_code(float v)
{
    return is_16bit() ? to_10bit(v) : to_byte(v);
}

/* 16-bit word of a code value of a 16-bit format. */
uint to_word16(uint c)
{
    return p.format == ASR_SHADER_FMT_P010 ? c << 6 : c;
}

vec3 load_rgb(uint x, uint y)
{
    uint idx = (y - p.src_y0) * p.width + x;
    return clamp(vec3(src[idx], src[p.plane_size + idx], src[2u * p.plane_size + idx]), 0.0, 1.0);
}

uint luma_byte(uint x, uint y)
{
    precise float v = dot(p.m0, vec4(load_rgb(x, y), 1.0));
    return to_code(v);
}

/* Chroma bytes (Cb, Cr) of chroma sample (i, j). */
uvec2 chroma_bytes(uint i, uint j)
{
    bool ch = (p.flags & ASR_IO_COSITED_H) != 0u;
    bool cv = (p.flags & ASR_IO_COSITED_V) != 0u;
    int xs = ch ? int(2u * i) - 1 : int(2u * i);
    int ys = cv ? int(2u * j) - 1 : int(2u * j);
    vec3 wx = ch ? vec3(0.25, 0.5, 0.25) : vec3(0.5, 0.5, 0.0);
    vec3 wy = cv ? vec3(0.25, 0.5, 0.25) : vec3(0.5, 0.5, 0.0);
    int nx = ch ? 3 : 2;
    int ny = cv ? 3 : 2;
    precise vec3 acc = vec3(0.0);
    for (int b = 0; b < ny; b++) {
        uint yy = uint(clamp(ys + b, 0, int(p.height) - 1));
        precise vec3 row = vec3(0.0);
        for (int a = 0; a < nx; a++) {
            uint xx = uint(clamp(xs + a, 0, int(p.width) - 1));
            row += wx[a] * load_rgb(xx, yy);
        }
        acc += wy[b] * row;
    }
    precise float cb = dot(p.m1, vec4(acc, 1.0));
    precise float cr = dot(p.m2, vec4(acc, 1.0));
    return uvec2(to_code(cb), to_code(cr));
}

void main()
{
    uint wx = gl_GlobalInvocationID.x;
    uint y = p.y0 + gl_GlobalInvocationID.y;
    uint y_end = min(p.y0 + p.rows, p.height);
    uint plane = gl_GlobalInvocationID.z;

    if (p.format == ASR_SHADER_FMT_RGB10A2 || p.format == ASR_SHADER_FMT_BGR10A2) {
        if (wx >= p.width || y >= y_end)
            return;
        uint idx = (y - p.src_y0) * p.width + wx;
        uvec4 c = uvec4(to_10bit(src[idx]), to_10bit(src[p.plane_size + idx]),
                        to_10bit(src[2u * p.plane_size + idx]), 3u);
        if ((p.flags & ASR_IO_ALPHA) != 0u)
            c.w = uint(floor(clamp(src[3u * p.plane_size + idx], 0.0, 1.0) * 3.0 + 0.5));
        if (p.format == ASR_SHADER_FMT_BGR10A2)
            c.xz = c.zx;
        dst[(p.offset0 + y * p.stride0) / 4u + wx] = c.x | (c.y << 10) | (c.z << 20) | (c.w << 30);
        return;
    }

    if (p.format != ASR_SHADER_FMT_I420 && p.format != ASR_SHADER_FMT_NV12 && !is_16bit()) {
        if (wx >= p.width || y >= y_end)
            return;
        uint idx = (y - p.src_y0) * p.width + wx;
        uvec4 c = uvec4(to_byte(src[idx]), to_byte(src[p.plane_size + idx]),
                        to_byte(src[2u * p.plane_size + idx]), 255u);
        if ((p.flags & ASR_IO_ALPHA) != 0u)
            c.w = to_byte(src[3u * p.plane_size + idx]);
        if (p.format == ASR_SHADER_FMT_BGRA || p.format == ASR_SHADER_FMT_BGRX)
            c.xz = c.zx;
        dst[(p.offset0 + y * p.stride0) / 4u + wx] = c.x | (c.y << 8) | (c.z << 16) | (c.w << 24);
        return;
    }

    if (plane == 0u && is_16bit()) {
        if (wx * 2u >= p.width || y >= y_end)
            return;
        uint word = 0u;
        for (uint k = 0u; k < 2u; k++) {
            uint x = wx * 2u + k;
            if (x < p.width)
                word |= to_word16(luma_byte(x, y)) << (16u * k);
        }
        dst[(p.offset0 + y * p.stride0) / 4u + wx] = word;
        return;
    }

    if (plane == 0u) {
        if (wx * 4u >= p.width || y >= y_end)
            return;
        uint word = 0u;
        for (uint k = 0u; k < 4u; k++) {
            uint x = wx * 4u + k;
            if (x < p.width)
                word |= luma_byte(x, y) << (8u * k);
        }
        dst[(p.offset0 + y * p.stride0) / 4u + wx] = word;
        return;
    }

    uint cw = (p.width + 1u) / 2u;
    y = p.y0 / 2u + gl_GlobalInvocationID.y;
    if (y >= (y_end + 1u) / 2u)
        return;
    if (p.format == ASR_SHADER_FMT_P010) {
        if (wx >= cw)
            return;
        uvec2 c = chroma_bytes(wx, y);
        dst[(p.offset1 + y * p.stride1) / 4u + wx] = to_word16(c.x) | (to_word16(c.y) << 16);
    } else if (p.format == ASR_SHADER_FMT_I420_10) {
        if (wx * 2u >= cw)
            return;
        uint wu = 0u, wv = 0u;
        for (uint k = 0u; k < 2u; k++) {
            uint i = wx * 2u + k;
            if (i < cw) {
                uvec2 c = chroma_bytes(i, y);
                wu |= to_word16(c.x) << (16u * k);
                wv |= to_word16(c.y) << (16u * k);
            }
        }
        dst[(p.offset1 + y * p.stride1) / 4u + wx] = wu;
        dst[(p.offset2 + y * p.stride2) / 4u + wx] = wv;
    } else if (p.format == ASR_SHADER_FMT_NV12) {
        if (wx * 2u >= cw)
            return;
        uint word = 0u;
        for (uint k = 0u; k < 2u; k++) {
            uint i = wx * 2u + k;
            if (i < cw) {
                uvec2 c = chroma_bytes(i, y);
                word |= (c.x | (c.y << 8)) << (16u * k);
            }
        }
        dst[(p.offset1 + y * p.stride1) / 4u + wx] = word;
    } else {
        if (wx * 4u >= cw)
            return;
        uint wu = 0u, wv = 0u;
        for (uint k = 0u; k < 4u; k++) {
            uint i = wx * 4u + k;
            if (i < cw) {
                uvec2 c = chroma_bytes(i, y);
                wu |= c.x << (8u * k);
                wv |= c.y << (8u * k);
            }
        }
        dst[(p.offset1 + y * p.stride1) / 4u + wx] = wu;
        dst[(p.offset2 + y * p.stride2) / 4u + wx] = wv;
    }
}
