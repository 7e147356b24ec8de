/*
 * The ANYSR_* environment variables (docs/design.md#settings): every one is
 * read here, in asr_env_read(), and nowhere else.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_SETTINGS_H
#define ASR_SETTINGS_H

#include "common.h"

typedef struct AsrEnv {
    /* AsrSettings defaults (asr_settings_default()) */
    int validation;           /* ANYSR_VALIDATION set and not "0" */
    uint32_t tile_rows;       /* ANYSR_TILE: LR rows per band, 0: unset */
    AsrKernels kernels;       /* ANYSR_KERNELS: simt or coopmat (else auto) */
    /* the device (device.c) */
    int validation_fatal;     /* ANYSR_VALIDATION=fatal: abort on a message */
    int device_index;         /* ANYSR_DEVICE: an index; -1 unset or not an index */
    char device_invalid[128]; /* ANYSR_DEVICE's text when it is not an index */
    /* tuning knobs of the kernels (net.c) */
    int conv_block_set;       /* ANYSR_CONV_BLOCK=LX,LY,PX,COB,WSHARE valid */
    uint32_t conv_block[5];
    uint32_t cm_nsg;          /* ANYSR_CM_NSG: subgroups per coopmat workgroup, 0: unset */
    int cm_split;             /* ANYSR_CM_SPLIT=0: 0, else 1 */
    int mlp_ssbo;             /* ANYSR_MLP_SSBO set: decoder weights never in a UBO */
} AsrEnv;

/* Read every ANYSR_* variable (when an engine is created, and in
 * asr_settings_default()). */
void asr_env_read(AsrEnv *env);

#endif /* ASR_SETTINGS_H */
