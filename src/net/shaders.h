/*
 * The embedded SPIR-V of every compute shader (compiled from shaders/).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_SHADERS_H
#define ASR_SHADERS_H

#include "pipeline.h"

extern const AsrShaderCode asr_shader_unpack;
extern const AsrShaderCode asr_shader_bicubic;
extern const AsrShaderCode asr_shader_pack;
extern const AsrShaderCode asr_shader_conv3x3;
extern const AsrShaderCode asr_shader_conv3x3_f16; /* act.h: 16-bit feature maps */
extern const AsrShaderCode asr_shader_gap;
extern const AsrShaderCode asr_shader_gap_f16; /* act.h: 16-bit feature maps */
extern const AsrShaderCode asr_shader_sa;
extern const AsrShaderCode asr_shader_depth;
extern const AsrShaderCode asr_shader_depth_f16;
extern const AsrShaderCode asr_shader_tile_lists;
extern const AsrShaderCode asr_shader_dec_classify;
extern const AsrShaderCode asr_shader_dec_classify_f16; /* act.h: 16-bit feature maps */
extern const AsrShaderCode asr_shader_dec_args;
extern const AsrShaderCode asr_shader_dec_mlp;
extern const AsrShaderCode asr_shader_dec_mlp_f16; /* act.h: 16-bit feature maps */
/* dec_mlp with its weights in a uniform buffer (ASR_MLP_UBO) */
extern const AsrShaderCode asr_shader_dec_mlp_ubo;
extern const AsrShaderCode asr_shader_dec_mlp_ubo_f16;
extern const AsrShaderCode asr_shader_dec_refine;
extern const AsrShaderCode asr_shader_bilinear;
extern const AsrShaderCode asr_shader_probe_fma;
extern const AsrShaderCode asr_shader_probe_fma_f16; /* fp16 arithmetic: shaderFloat16 */
extern const AsrShaderCode asr_shader_probe_copy;
#ifdef ASR_HAVE_COOPMAT
/* cooperative matrices, fp16 maps (meson have_coopmat_shaders) */
extern const AsrShaderCode asr_shader_conv3x3_cm;
#endif

#endif /* ASR_SHADERS_H */
