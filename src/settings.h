/*
 * The ANYSR_* environment variables (docs/design.md#settings): every one is
 * read here, in asr_env_read(), and nowhere else.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_SETTINGS_H
#define ASR_SETTINGS_H

#include "common.h"

#define ASR_ENV_MAX_INVALID 8

typedef struct AsrEnv {
    /* AsrSettings defaults (asr_settings_default()) */
    int validation;           /* ANYSR_VALIDATION set and not "0" */
    uint32_t tile_rows;       /* ANYSR_TILE: LR rows per band, 0: unset */
    AsrKernels kernels;       /* ANYSR_KERNELS: simt or coopmat (else auto) */
    AsrTuning tuning;         /* ANYSR_TUNE: off or force (else auto) */
    /* the device (device.c) */
    int validation_fatal;     /* ANYSR_VALIDATION=fatal: abort on a message */
    int device_index;         /* ANYSR_DEVICE: an index; -1 unset or not an index */
    char device_invalid[128]; /* ANYSR_DEVICE's text when it is not an index */
    /* tuning knobs of the kernels (net.c) */
    int conv_block_set;       /* ANYSR_CONV_BLOCK=LX,LY,PX,COB,WSHARE: five numbers */
    uint32_t conv_block[5];   /* (their rules: choose_conv_block() in net.c) */
    char conv_block_text[64]; /* its text, for the warnings */
    uint32_t cm_nsg;          /* ANYSR_CM_NSG: subgroups per coopmat workgroup, 0: unset */
    int cm_split;             /* ANYSR_CM_SPLIT=0: 0, else 1 */
    int mlp_ssbo;             /* ANYSR_MLP_SSBO set: decoder weights never in a UBO */
    /* the cache folder (cache/cachedir.h): ANYSR_CACHE_DIR, else
     * $XDG_CACHE_HOME/anysr, else $HOME/.cache/anysr; "": no cache */
    char cache_dir[4096];
    /* the values that are not used, each a warning (asr_env_warn()) */
    char invalid[ASR_ENV_MAX_INVALID][160];
    uint32_t num_invalid;
} AsrEnv;

/* Read every ANYSR_* variable (when an engine is created, and in
 * asr_settings_default()). */
void asr_env_read(AsrEnv *env);

struct AsrLog;
/* Warn about every value asr_env_read() could not use (asr_engine_open()). */
void asr_env_warn(const AsrEnv *env, const struct AsrLog *log);

#endif /* ASR_SETTINGS_H */
