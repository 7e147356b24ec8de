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

#endif /* ASR_SHADERS_H */
