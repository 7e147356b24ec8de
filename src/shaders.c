/*
 * The only includer of the generated <name>.spv.h headers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "shaders.h"

#include "unpack.spv.h"
#include "bicubic.spv.h"
#include "pack.spv.h"

#define SHADER(name) { #name, name##_spv, sizeof(name##_spv) }

const AsrShaderCode asr_shader_unpack = SHADER(unpack);
const AsrShaderCode asr_shader_bicubic = SHADER(bicubic);
const AsrShaderCode asr_shader_pack = SHADER(pack);
