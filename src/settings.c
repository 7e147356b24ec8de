/*
 * The ANYSR_* environment variables, read in one place (settings.h;
 * docs/design.md#settings).
 *
 *   variable          read by                     meaning
 *   ANYSR_VALIDATION  asr_settings_default, device  set (not "0"): Vulkan validation
 *                                                 layers; "fatal": abort on a message
 *   ANYSR_TILE        asr_settings_default        AsrSettings.tile_rows (LR rows per band)
 *   ANYSR_KERNELS     asr_settings_default        AsrSettings.kernels: simt, coopmat, auto
 *   ANYSR_TUNE        asr_settings_default        AsrSettings.tuning: auto, off, force
 *   ANYSR_DEVICE      device.c                    device index when device_index is -1
 *   ANYSR_CONV_BLOCK  net.c                       SIMT conv register block
 *                                                 LX,LY,PX,COB,WSHARE (tuning)
 *   ANYSR_CM_NSG      net.c                       subgroups per coopmat conv workgroup
 *                                                 (1..16, tuning)
 *   ANYSR_CM_SPLIT    net.c                       0: coopmat weights not split hi/lo
 *   ANYSR_MLP_SSBO    net.c                       set: decoder MLP weights from a storage
 *                                                 buffer, never a uniform buffer
 *   ANYSR_CACHE_DIR   cache/cachedir.c            the cache folder ("": no cache); unset:
 *                                                 $XDG_CACHE_HOME/anysr, $HOME/.cache/anysr
 *
 * A value that cannot be used is ignored with a warning naming it and the
 * rule, logged once per engine (asr_env_warn(); ANYSR_DEVICE's by device.c,
 * ANYSR_CONV_BLOCK's rules against the device by net.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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

/* A value that is not used: its warning, logged when an engine opens
 * (asr_env_warn(); docs/design.md#settings) */
static void invalid(AsrEnv *env, const char *name, const char *value, const char *rule)
{
    if (env->num_invalid >= ASR_ENV_MAX_INVALID)
        return;
    snprintf(env->invalid[env->num_invalid++], sizeof(env->invalid[0]),
             "ignoring %s=%.64s: %s", name, value, rule);
}

/* A whole decimal number in 0..max (no sign, no trailing text) */
static int parse_uint(const char *s, unsigned long long max, char **end, unsigned long long *v)
{
    if (*s < '0' || *s > '9')
        return 0;
    *v = strtoull(s, end, 10);
    return *v <= max && *end != s;
}

/* One of `n` names (the enum's value is its index; 0, the first, when the
 * variable is unset or empty); another value is warned about with `rule`
 * and gives 0 */
static int read_choice(AsrEnv *env, const char *var, const char *const *names, int n,
                       const char *rule)
{
    const char *v = getenv(var);
    if (!v || !*v)
        return 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(v, names[i]))
            return i;
    invalid(env, var, v, rule);
    return 0;
}

/* Five numbers; their rules against the device are choose_conv_block()'s (net.c) */
static void read_conv_block(AsrEnv *env)
{
    const char *s = getenv("ANYSR_CONV_BLOCK");
    env->conv_block_set = 0;
    if (!s || !*s)
        return;
    const char *p = s;
    for (int i = 0; i < 5; i++) {
        char *end;
        unsigned long long v;
        if (!parse_uint(p, UINT32_MAX, &end, &v) || *end != (i < 4 ? ',' : '\0')) {
            invalid(env, "ANYSR_CONV_BLOCK", s, "not LX,LY,PX,COB,WSHARE (five numbers)");
            return;
        }
        env->conv_block[i] = (uint32_t)v;
        p = end + 1;
    }
    snprintf(env->conv_block_text, sizeof(env->conv_block_text), "%s", s);
    env->conv_block_set = 1;
}

/* The cache folder (cache/cachedir.h): ANYSR_CACHE_DIR, then the XDG base
 * directory rules (an XDG_CACHE_HOME that is not absolute is ignored) */
static void read_cache_dir(AsrEnv *env)
{
    const char *dir = getenv("ANYSR_CACHE_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    size_t size = sizeof(env->cache_dir);
    int n = 0;
    if (dir)
        n = snprintf(env->cache_dir, size, "%s", dir);
    else if (xdg && xdg[0] == '/')
        n = snprintf(env->cache_dir, size, "%s/anysr", xdg);
    else if (home && home[0] == '/')
        n = snprintf(env->cache_dir, size, "%s/.cache/anysr", home);
    if (n < 0 || (size_t)n >= size) {
        invalid(env, dir ? "ANYSR_CACHE_DIR" : "XDG_CACHE_HOME", dir ? dir : xdg ? xdg : home,
                "the path is too long: no cache");
        env->cache_dir[0] = '\0';
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
        unsigned long long rows;
        if (parse_uint(t, UINT32_MAX, &end, &rows) && *end == '\0' && rows > 0)
            env->tile_rows = (uint32_t)rows;
        else
            invalid(env, "ANYSR_TILE", t, "not a row count (1 to 4294967295)");
    }

    const char *kernels[] = { asr_kernels_name(ASR_KERNELS_AUTO),
                              asr_kernels_name(ASR_KERNELS_SIMT),
                              asr_kernels_name(ASR_KERNELS_COOPMAT) };
    env->kernels = (AsrKernels)read_choice(env, "ANYSR_KERNELS", kernels, 3,
                                            "not simt, coopmat or auto");
    const char *tunings[] = { asr_tuning_name(ASR_TUNING_AUTO), asr_tuning_name(ASR_TUNING_OFF),
                              asr_tuning_name(ASR_TUNING_FORCE) };
    env->tuning = (AsrTuning)read_choice(env, "ANYSR_TUNE", tunings, 3,
                                          "not auto, off or force");

    read_device(env);
    read_conv_block(env);

    const char *nsg = getenv("ANYSR_CM_NSG");
    if (nsg && *nsg) {
        char *end;
        unsigned long long n;
        if (parse_uint(nsg, 16, &end, &n) && *end == '\0' && n >= 1)
            env->cm_nsg = (uint32_t)n;
        else
            invalid(env, "ANYSR_CM_NSG", nsg, "not a subgroup count (1 to 16)");
    }
    const char *split = getenv("ANYSR_CM_SPLIT");
    env->cm_split = !(split && !strcmp(split, "0"));
    if (split && *split && strcmp(split, "0") != 0 && strcmp(split, "1") != 0)
        invalid(env, "ANYSR_CM_SPLIT", split, "not 0 or 1");
    const char *ssbo = getenv("ANYSR_MLP_SSBO");
    env->mlp_ssbo = ssbo != NULL;
    if (ssbo && *ssbo && strcmp(ssbo, "1") != 0)
        invalid(env, "ANYSR_MLP_SSBO", ssbo, "set means on; the value is not read (use 1)");
    read_cache_dir(env);
}

void asr_env_warn(const AsrEnv *env, const AsrLog *log)
{
    for (uint32_t i = 0; i < env->num_invalid; i++)
        asr_warn(log, "%s", env->invalid[i]);
}
