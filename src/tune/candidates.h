/*
 * The tuner's candidate kernel configurations per device class, in one
 * list (candidates.c; docs/design.md#kernels, "Tuning"). A candidate is
 * one kernel family's choice; the tuner tries each family's candidates in
 * turn with the other families at their current pick. Plain data: whether
 * a candidate can run on a device is asr_net_config_rule()'s to say.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_CANDIDATES_H
#define ASR_CANDIDATES_H

#include "kconfig.h"

/* Device classes: CPU devices by SIMD width, GPUs by subgroup size */
typedef enum AsrTuneClass {
    ASR_TUNE_CPU8,       /* CPU device, subgroups of 8 or fewer lanes (lavapipe AVX2) */
    ASR_TUNE_CPU16,      /* CPU device, 16 lanes or more (lavapipe, 512-bit vectors) */
    ASR_TUNE_GPU_NARROW, /* GPU, subgroups of 8 or 16 (Intel SIMD8-16, most mobile) */
    ASR_TUNE_GPU32,      /* GPU, subgroups of 32 (NVIDIA, AMD RDNA wave32, Apple) */
    ASR_TUNE_GPU64,      /* GPU, subgroups of 64 (AMD GCN and RDNA wave64) */
    ASR_TUNE_CLASS_COUNT
} AsrTuneClass;

/* Kernel families with variants (AsrKernelConfig's members) */
typedef enum AsrTuneFamily {
    ASR_TUNE_BAND,  /* the SIMT conv's block over whole bands */
    ASR_TUNE_TILED, /* the SIMT conv's block over tile lists */
    ASR_TUNE_MLP,   /* the decoder MLPs' weight path */
    ASR_TUNE_NSG,   /* the coopmat conv's subgroups per workgroup */
    ASR_TUNE_FAMILY_COUNT
} AsrTuneFamily;

AsrTuneClass asr_tune_class(int cpu, uint32_t subgroup_size);
const char *asr_tune_class_name(AsrTuneClass c);
const char *asr_tune_family_name(AsrTuneFamily f);

/* base with family f replaced by each candidate of class c, base first,
 * without duplicates: at most max written to out; returns how many. */
uint32_t asr_tune_candidates(AsrTuneClass c, AsrTuneFamily f, const AsrKernelConfig *base,
                             AsrKernelConfig *out, uint32_t max);

/* Every configuration the tuner may pick on any device class: base, then
 * base with one family replaced by each candidate of every class, without
 * duplicates (the test programs run them all). Returns how many, at most max. */
uint32_t asr_tune_all_candidates(const AsrKernelConfig *base, AsrKernelConfig *out,
                                 uint32_t max);

/* A wider grid for `anysr-bench --tune --exhaustive`: base with family f
 * replaced by every block (band, tiled) of the workgroups 8x2, 8x4, 8x8,
 * 16x2, 16x4 with PX 4, 6, 8, 12, 16 x COB 8 and PX 6, 8 x COB 16, both
 * broadcasts (70); every path and subgroup count (1..16) for the others.
 * Returns how many, at most max. */
uint32_t asr_tune_exhaustive(AsrTuneFamily f, const AsrKernelConfig *base,
                             AsrKernelConfig *out, uint32_t max);

#endif /* ASR_CANDIDATES_H */
