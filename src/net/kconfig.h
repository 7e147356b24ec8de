/*
 * The kernel configuration a net's pipelines are built from
 * (docs/design.md#kernels, "Tuning"): the variants that change speed, not
 * results. The device's built-in choice is asr_net_builtin_config() (net.h);
 * the tuner (../tune/) may pick another among its candidates; the test
 * hooks (../internal.h) run any of them. Plain data, no Vulkan.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_KCONFIG_H
#define ASR_KCONFIG_H

#include <stddef.h>
#include <stdint.h>

/* Register block and workgroup of conv3x3_simt.comp (specialisation
 * constants); the rules a block must meet are asr_net_config_rule()'s */
typedef struct AsrConvBlock {
    uint32_t lx, ly; /* workgroup size */
    uint32_t px;     /* pixels along x per invocation */
    uint32_t cob;    /* output channels per invocation (multiple of 8) */
    uint32_t wshare; /* weights loaded once per 8 lanes, shared by subgroup broadcast */
} AsrConvBlock;

/* One choice per kernel family with variants. The coopmat kernel's hi/lo
 * weight split is not here: it changes precision, not only speed
 * (ANYSR_CM_SPLIT). */
typedef struct AsrKernelConfig {
    AsrConvBlock band;  /* SIMT conv over whole bands: head, conv1, conv2, tail */
    AsrConvBlock tiled; /* SIMT conv over tile lists (spatial depth): conv1, conv2 */
    uint32_t mlp_ssbo;  /* 1: the decoder MLPs read their weights from the storage
                           buffer; 0: from a uniform buffer where they fit one */
    uint32_t cm_nsg;    /* coopmat conv: M tiles (subgroups) per workgroup */
} AsrKernelConfig;

/* The configuration as short text, "band 8x4:12x8b tiled 8x2:16x8b mlp ubo
 * nsg 4" (b: weight broadcast), at most ASR_KCONFIG_NAME bytes with the NUL. */
#define ASR_KCONFIG_NAME 64
void asr_kconfig_name(const AsrKernelConfig *c, char *buf, size_t size);

#endif /* ASR_KCONFIG_H */
