/*
 * The only includer of the generated <name>.spv.h headers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "shaders.h"

#include "unpack.spv.h"
#include "bicubic.spv.h"
#include "pack.spv.h"
#include "conv3x3.spv.h"
#include "conv3x3_f16.spv.h"
#include "gap.spv.h"
#include "gap_f16.spv.h"
#include "sa.spv.h"
#include "depth.spv.h"
#include "depth_f16.spv.h"
#include "tile_lists.spv.h"
#include "dec_classify.spv.h"
#include "dec_classify_f16.spv.h"
#include "dec_args.spv.h"
#include "dec_mlp.spv.h"
#include "dec_mlp_f16.spv.h"
#include "dec_mlp_ubo.spv.h"
#include "dec_mlp_ubo_f16.spv.h"
#include "dec_refine.spv.h"
#include "bilinear.spv.h"
#include "probe_fma.spv.h"
#include "probe_fma_f16.spv.h"
#include "probe_copy.spv.h"
#ifdef ASR_HAVE_COOPMAT
#include "conv3x3_cm.spv.h"
#endif

#define SHADER(name) { #name, name##_spv, sizeof(name##_spv) }

const AsrShaderCode asr_shader_unpack = SHADER(unpack);
const AsrShaderCode asr_shader_bicubic = SHADER(bicubic);
const AsrShaderCode asr_shader_pack = SHADER(pack);
const AsrShaderCode asr_shader_conv3x3 = SHADER(conv3x3);
const AsrShaderCode asr_shader_conv3x3_f16 = SHADER(conv3x3_f16);
const AsrShaderCode asr_shader_gap = SHADER(gap);
const AsrShaderCode asr_shader_gap_f16 = SHADER(gap_f16);
const AsrShaderCode asr_shader_sa = SHADER(sa);
const AsrShaderCode asr_shader_depth = SHADER(depth);
const AsrShaderCode asr_shader_depth_f16 = SHADER(depth_f16);
const AsrShaderCode asr_shader_tile_lists = SHADER(tile_lists);
const AsrShaderCode asr_shader_dec_classify = SHADER(dec_classify);
const AsrShaderCode asr_shader_dec_classify_f16 = SHADER(dec_classify_f16);
const AsrShaderCode asr_shader_dec_args = SHADER(dec_args);
const AsrShaderCode asr_shader_dec_mlp = SHADER(dec_mlp);
const AsrShaderCode asr_shader_dec_mlp_ubo = SHADER(dec_mlp_ubo);
const AsrShaderCode asr_shader_dec_mlp_ubo_f16 = SHADER(dec_mlp_ubo_f16);
const AsrShaderCode asr_shader_dec_mlp_f16 = SHADER(dec_mlp_f16);
const AsrShaderCode asr_shader_dec_refine = SHADER(dec_refine);
const AsrShaderCode asr_shader_bilinear = SHADER(bilinear);
const AsrShaderCode asr_shader_probe_fma = SHADER(probe_fma);
const AsrShaderCode asr_shader_probe_fma_f16 = SHADER(probe_fma_f16);
const AsrShaderCode asr_shader_probe_copy = SHADER(probe_copy);
#ifdef ASR_HAVE_COOPMAT
const AsrShaderCode asr_shader_conv3x3_cm = SHADER(conv3x3_cm);
#endif
