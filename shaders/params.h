/*
 * Push-constant layouts shared by the C engine and the GLSL compute shaders.
 *
 * Included from GLSL (GL_core_profile is defined) and from C (__STDC__).
 * Every struct is laid out so that the std430 push-constant offsets equal the
 * C offsets: vec4 members first (16-byte aligned), then 32-bit scalars.
 * src/ checks the sizes with static asserts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_SHADER_PARAMS_H
#define ANYSR_SHADER_PARAMS_H

#if defined(GL_core_profile)
#  define ASR_U32 uint
#  define ASR_F32 float
#  define ASR_VEC4 vec4
#  define ASR_ARRAY4
#  define ASR_STRUCT(name) struct name
#elif defined(__STDC__) || defined(__cplusplus)
#  include <stdint.h>
#  define ASR_U32 uint32_t
#  define ASR_F32 float
#  define ASR_VEC4 float
#  define ASR_ARRAY4 [4]
#  define ASR_STRUCT(name) typedef struct name name; struct name
#endif

/* Pixel format codes used in shaders; equal to the AsrPixelFormat values. */
#define ASR_SHADER_FMT_RGBA 1
#define ASR_SHADER_FMT_BGRA 2
#define ASR_SHADER_FMT_RGBX 3
#define ASR_SHADER_FMT_BGRX 4
#define ASR_SHADER_FMT_I420 5
#define ASR_SHADER_FMT_NV12 6

/* AsrIoParams.flags bits */
#define ASR_IO_COSITED_H 1u /* chroma sample co-sited with the left luma sample */
#define ASR_IO_COSITED_V 2u /* chroma sample co-sited with the top luma sample */
#define ASR_IO_ALPHA     4u /* the format carries alpha (plane 3 of the activations) */

/* Ids of the workgroup size specialisation constants (ids 0 and 1). */
#define ASR_SPEC_LOCAL_X 0
#define ASR_SPEC_LOCAL_Y 1
/* bicubic.comp: 0 = horizontal pass, 1 = vertical pass */
#define ASR_SPEC_AXIS 2

/*
 * unpack.comp and pack.comp: one side of the frame I/O.
 *
 * m0..m2: colour matrix rows, 3x4 (xyz = coefficients, w = offset).
 *   unpack: RGB in [0,1] = M * (Y, Cb, Cr, 1) with Y, Cb, Cr in byte units.
 *   pack:   (Y, Cb, Cr) normalised to [0,1] byte scale = M * (R, G, B, 1).
 * offsetN, strideN: byte offset and row stride of each plane in the staging
 *   (uint) buffer; offsets and strides are multiples of 4.
 * plane_size: elements of one float activation plane (>= width * height).
 */
ASR_STRUCT(AsrIoParams) {
    ASR_VEC4 m0 ASR_ARRAY4;
    ASR_VEC4 m1 ASR_ARRAY4;
    ASR_VEC4 m2 ASR_ARRAY4;
    ASR_U32 format;
    ASR_U32 width;
    ASR_U32 height;
    ASR_U32 plane_size;
    ASR_U32 offset0;
    ASR_U32 offset1;
    ASR_U32 offset2;
    ASR_U32 stride0;
    ASR_U32 stride1;
    ASR_U32 stride2;
    ASR_U32 flags;
    ASR_U32 pad0;
};

/*
 * bicubic.comp: one separable pass of Pillow-aligned Keys bicubic (a = -0.5).
 * The source is src_w x src_h, the destination dst_w x dst_h; along the pass
 * axis the sizes differ, across it they are equal.
 * inv_scale = src / dst along the axis, computed in double and rounded.
 * quantize != 0 rounds each result to 8-bit levels (Pillow's 8-bit
 * intermediate image between its horizontal and vertical passes).
 */
ASR_STRUCT(AsrResampleParams) {
    ASR_U32 src_w;
    ASR_U32 src_h;
    ASR_U32 dst_w;
    ASR_U32 dst_h;
    ASR_U32 src_plane_size;
    ASR_U32 dst_plane_size;
    ASR_U32 planes;
    ASR_U32 quantize;
    ASR_F32 inv_scale;
    ASR_U32 pad0;
    ASR_U32 pad1;
    ASR_U32 pad2;
};

#endif /* ANYSR_SHADER_PARAMS_H */
