/*
 * act.h — storage type of the feature maps (params.h, "NHWC" layout).
 *
 * Every shader that includes it names its storage precision: the shader
 * list (shaders/meson.build) builds variant _f32s without ASR_ACT_FP16, the
 * maps float, and _f16s with it, the maps float16_t (VK_KHR_16bit_storage,
 * storageBuffer16BitAccess), converted to float on load and rounded to the
 * nearest float16 on store. All arithmetic is float either way.
 *
 * ACT_T: the element type of a feature-map buffer.
 * act_load(x): float from an element; act_store(v): element from a float.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_SHADER_ACT_H
#define ANYSR_SHADER_ACT_H

#ifdef ASR_ACT_FP16
#extension GL_EXT_shader_16bit_storage : require
#define ACT_T float16_t
#define act_load(x) float(x)
#define act_store(v) float16_t(v)
#else
#define ACT_T float
#define act_load(x) (x)
#define act_store(v) (v)
#endif

#endif
