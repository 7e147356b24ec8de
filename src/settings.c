/*
 * The ANYSR_* environment variables, read in one place (settings.h;
 * docs/design.md#settings).
 *
 *   variable          read by                     meaning
 *   ANYSR_VALIDATION  asr_settings_default, device  set (not "0"): Vulkan validation
 *                                                 layers; "fatal": abort on a message
 *   ANYSR_TILE        asr_settings_default        AsrSettings.tile_rows (LR rows per band)
 *   ANYSR_KERNELS     asr_settings_default        AsrSettings.kernels: simt, coopmat, auto
 *   ANYSR_DEVICE      device.c                    device index when device_index is -1
 *   ANYSR_CONV_BLOCK  net.c                       SIMT conv register block
 *                                                 LX,LY,PX,COB,WSHARE (tuning)
 *   ANYSR_CM_NSG      net.c                       subgroups per coopmat conv workgroup
 *                                                 (1..16, tuning)
 *   ANYSR_CM_SPLIT    net.c                       0: coopmat weights not split hi/lo
 *   ANYSR_MLP_SSBO    net.c                       set: decoder MLP weights from a storage
 *                                                 buffer, never a uniform buffer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"

static void read_device(AsrEnv *env)
{
    const char *s = getenv("ANYSR_DEVICE");
    env->device_index = -1;
    env->device_invalid[0] = '\0';
    if (!s || !*s)
        return;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 1000) {
        snprintf(env->device_invalid, sizeof(env->device_invalid), "%s", s);
        return;
    }
    env->device_index = (int)v;
}

static void read_conv_block(AsrEnv *env)
{
    const char *s = getenv("ANYSR_CONV_BLOCK");
    unsigned lx, ly, px, cob, ws;
    env->conv_block_set = 0;
    if (s && sscanf(s, "%u,%u,%u,%u,%u", &lx, &ly, &px, &cob, &ws) == 5 && lx && ly && px &&
        px <= 16 && cob && cob % 8 == 0 && cob <= 32 && lx * ly <= 1024) {
        env->conv_block_set = 1;
        env->conv_block[0] = lx, env->conv_block[1] = ly, env->conv_block[2] = px;
        env->conv_block[3] = cob, env->conv_block[4] = ws;
    }
}

void asr_env_read(AsrEnv *env)
{
    memset(env, 0, sizeof(*env));
    const char *v = getenv("ANYSR_VALIDATION");
    env->validation = v && *v && strcmp(v, "0") != 0;
    env->validation_fatal = v && !strcmp(v, "fatal");

    const char *t = getenv("ANYSR_TILE");
    if (t && *t) {
        char *end;
        unsigned long rows = strtoul(t, &end, 10);
        if (*end == '\0' && rows > 0 && rows <= UINT32_MAX)
            env->tile_rows = (uint32_t)rows;
    }

    const char *k = getenv("ANYSR_KERNELS");
    env->kernels = ASR_KERNELS_AUTO;
    if (k && !strcmp(k, "simt"))
        env->kernels = ASR_KERNELS_SIMT;
    else if (k && !strcmp(k, "coopmat"))
        env->kernels = ASR_KERNELS_COOPMAT;

    read_device(env);
    read_conv_block(env);

    const char *nsg = getenv("ANYSR_CM_NSG");
    unsigned n;
    if (nsg && sscanf(nsg, "%u", &n) == 1 && n >= 1 && n <= 16)
        env->cm_nsg = n;
    const char *split = getenv("ANYSR_CM_SPLIT");
    env->cm_split = !(split && !strcmp(split, "0"));
    env->mlp_ssbo = getenv("ANYSR_MLP_SSBO") != NULL;
}
