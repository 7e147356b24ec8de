/*
 * The tuner's candidates per device class: the one list (candidates.h;
 * docs/design.md#kernels, "Tuning"). The CPU classes' lists are around the
 * blocks measured on lavapipe (Mesa 22.3 and 26.1, 8 and 16 lanes); the GPU
 * classes' around the usual GPU shapes (64-256 invocations, 4x8 register
 * tiles and their neighbours), to be timed on the device. The tile lists'
 * blocks are for the default model's 16-pixel tiles; asr_net_config_rule()
 * skips those that do not cover another tile side.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>

#include "candidates.h"

typedef struct ClassList {
    const AsrConvBlock *band;
    uint32_t n_band;
    const AsrConvBlock *tiled;
    uint32_t n_tiled;
} ClassList;

#define B(lx, ly, px, cob, ws) { lx, ly, px, cob, ws }
#define LIST(a) a, (uint32_t)(sizeof(a) / sizeof(a[0]))

/* lavapipe, 8 lanes: 8-lane rows; the broadcast both ways (2x on Mesa 22.3,
 * slower on 26.1: quirks.h weight_broadcast) */
static const AsrConvBlock cpu8_band[] = {
    B(8, 4, 12, 8, 0), B(8, 4, 12, 8, 1), B(8, 4, 8, 8, 0), B(8, 4, 8, 8, 1),
    B(8, 4, 16, 8, 0), B(8, 4, 16, 8, 1), B(8, 4, 8, 16, 0), B(8, 2, 12, 8, 0),
};
/* (8x4:8x16 and 8x2:8x16b: the exhaustive grid's best on Mesa 26.1,
 * docs/benchmarks.md#kernel-tuning-lavapipe) */
static const AsrConvBlock cpu8_tiled[] = {
    B(8, 2, 16, 8, 0), B(8, 2, 16, 8, 1), B(8, 4, 8, 8, 0), B(8, 4, 8, 8, 1),
    B(8, 2, 8, 16, 0), B(8, 2, 8, 16, 1), B(8, 1, 16, 8, 0),
};
/* lavapipe, 16 lanes (LP_NATIVE_VECTOR_WIDTH=512): 16-lane rows */
static const AsrConvBlock cpu16_band[] = {
    B(16, 2, 12, 8, 0), B(16, 2, 12, 8, 1), B(16, 2, 8, 8, 0), B(16, 4, 8, 8, 0),
    B(16, 2, 16, 8, 0), B(16, 1, 12, 8, 0),
};
static const AsrConvBlock cpu16_tiled[] = {
    B(16, 1, 16, 8, 0), B(16, 2, 8, 8, 0), B(16, 2, 16, 8, 0), B(16, 1, 16, 8, 1),
};
/* GPUs: 64-256 invocations, 2-8 pixels x 8-16 channels per invocation;
 * the broadcast once (the ballot variant, conv_wshare()) */
static const AsrConvBlock gpu_narrow_band[] = {
    B(16, 4, 4, 8, 0), B(8, 8, 4, 8, 0), B(16, 2, 4, 8, 0), B(8, 4, 4, 8, 0),
    B(16, 4, 2, 8, 0), B(8, 8, 4, 16, 0), B(16, 4, 4, 8, 1),
};
static const AsrConvBlock gpu32_band[] = {
    B(16, 4, 4, 8, 0), B(8, 8, 4, 8, 0), B(32, 2, 4, 8, 0), B(64, 1, 4, 8, 0),
    B(16, 4, 2, 8, 0), B(16, 4, 4, 16, 0), B(8, 8, 8, 8, 0), B(16, 4, 4, 8, 1),
};
static const AsrConvBlock gpu64_band[] = {
    B(16, 4, 4, 8, 0), B(8, 8, 4, 8, 0), B(64, 1, 4, 8, 0), B(16, 8, 4, 8, 0),
    B(32, 4, 2, 8, 0), B(16, 4, 4, 16, 0), B(8, 8, 8, 8, 0), B(16, 4, 4, 8, 1),
};
static const AsrConvBlock gpu_tiled[] = {
    B(4, 16, 4, 8, 0), B(8, 8, 2, 8, 0), B(4, 8, 4, 8, 0), B(2, 32, 8, 8, 0),
    B(4, 16, 4, 16, 0), B(16, 4, 1, 8, 0), B(4, 16, 4, 8, 1),
};

static const ClassList classes[ASR_TUNE_CLASS_COUNT] = {
    [ASR_TUNE_CPU8] = { LIST(cpu8_band), LIST(cpu8_tiled) },
    [ASR_TUNE_CPU16] = { LIST(cpu16_band), LIST(cpu16_tiled) },
    [ASR_TUNE_GPU_NARROW] = { LIST(gpu_narrow_band), LIST(gpu_tiled) },
    [ASR_TUNE_GPU32] = { LIST(gpu32_band), LIST(gpu_tiled) },
    [ASR_TUNE_GPU64] = { LIST(gpu64_band), LIST(gpu_tiled) },
};
/* every class: both MLP weight paths, 1 to 8 coopmat subgroups */
static const uint32_t mlp_paths[] = { 0, 1 };
static const uint32_t cm_nsgs[] = { 1, 2, 4, 8 };

AsrTuneClass asr_tune_class(int cpu, uint32_t subgroup_size)
{
    if (cpu)
        return subgroup_size >= 16 ? ASR_TUNE_CPU16 : ASR_TUNE_CPU8;
    return subgroup_size >= 64 ? ASR_TUNE_GPU64
         : subgroup_size >= 32 ? ASR_TUNE_GPU32 : ASR_TUNE_GPU_NARROW;
}

const char *asr_tune_class_name(AsrTuneClass c)
{
    static const char *const names[ASR_TUNE_CLASS_COUNT] = {
        "cpu-8", "cpu-16", "gpu-8/16", "gpu-32", "gpu-64",
    };
    return (unsigned)c < ASR_TUNE_CLASS_COUNT ? names[c] : "unknown";
}

const char *asr_tune_family_name(AsrTuneFamily f)
{
    static const char *const names[ASR_TUNE_FAMILY_COUNT] = {
        "band conv", "tiled conv", "mlp weights", "coopmat nsg",
    };
    return (unsigned)f < ASR_TUNE_FAMILY_COUNT ? names[f] : "unknown";
}

/* Append c to out unless it is there already */
static uint32_t add(AsrKernelConfig *out, uint32_t n, uint32_t max, const AsrKernelConfig *c)
{
    for (uint32_t i = 0; i < n; i++)
        if (!memcmp(&out[i], c, sizeof(*c)))
            return n;
    if (n < max)
        out[n++] = *c;
    return n;
}

/* base with family f's member set to candidate i of the list (band, tiled
 * blocks; MLP paths; subgroup counts) */
static AsrKernelConfig with(const AsrKernelConfig *base, AsrTuneFamily f, const AsrConvBlock *b,
                            uint32_t v)
{
    AsrKernelConfig c = *base;
    if (f == ASR_TUNE_BAND)
        c.band = *b;
    else if (f == ASR_TUNE_TILED)
        c.tiled = *b;
    else if (f == ASR_TUNE_MLP)
        c.mlp_ssbo = v;
    else
        c.cm_nsg = v;
    return c;
}

uint32_t asr_tune_candidates(AsrTuneClass cls, AsrTuneFamily f, const AsrKernelConfig *base,
                             AsrKernelConfig *out, uint32_t max)
{
    uint32_t n = add(out, 0, max, base);
    if ((unsigned)cls >= ASR_TUNE_CLASS_COUNT)
        return n;
    const ClassList *l = &classes[cls];
    const AsrConvBlock *blocks = f == ASR_TUNE_BAND ? l->band : l->tiled;
    uint32_t nb = f == ASR_TUNE_BAND ? l->n_band : f == ASR_TUNE_TILED ? l->n_tiled : 0;
    for (uint32_t i = 0; i < nb; i++) {
        AsrKernelConfig c = with(base, f, &blocks[i], 0);
        n = add(out, n, max, &c);
    }
    const uint32_t *v = f == ASR_TUNE_MLP ? mlp_paths : cm_nsgs;
    uint32_t nv = f == ASR_TUNE_MLP ? 2 : f == ASR_TUNE_NSG ? 4 : 0;
    for (uint32_t i = 0; i < nv; i++) {
        AsrKernelConfig c = with(base, f, NULL, v[i]);
        n = add(out, n, max, &c);
    }
    return n;
}

uint32_t asr_tune_all_candidates(const AsrKernelConfig *base, AsrKernelConfig *out,
                                 uint32_t max)
{
    uint32_t n = add(out, 0, max, base);
    AsrKernelConfig tmp[32];
    for (int cls = 0; cls < ASR_TUNE_CLASS_COUNT; cls++)
        for (int f = 0; f < ASR_TUNE_FAMILY_COUNT; f++) {
            uint32_t k = asr_tune_candidates((AsrTuneClass)cls, (AsrTuneFamily)f, base, tmp, 32);
            for (uint32_t i = 0; i < k; i++)
                n = add(out, n, max, &tmp[i]);
        }
    return n;
}

uint32_t asr_tune_exhaustive(AsrTuneFamily f, const AsrKernelConfig *base,
                             AsrKernelConfig *out, uint32_t max)
{
    static const uint32_t shapes[][2] = { { 8, 2 }, { 8, 4 }, { 8, 8 }, { 16, 2 }, { 16, 4 } };
    static const uint32_t pxs[] = { 4, 6, 8, 12, 16 };
    uint32_t n = add(out, 0, max, base);
    if (f == ASR_TUNE_MLP || f == ASR_TUNE_NSG) {
        for (uint32_t v = f == ASR_TUNE_MLP ? 0 : 1; v <= (f == ASR_TUNE_MLP ? 1u : 16u); v++) {
            AsrKernelConfig c = with(base, f, NULL, v);
            n = add(out, n, max, &c);
        }
        return n;
    }
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (size_t p = 0; p < sizeof(pxs) / sizeof(pxs[0]); p++)
            for (uint32_t cob = 8; cob <= 16; cob += 8)
                for (uint32_t ws = 0; ws <= 1; ws++) {
                    if (pxs[p] * cob > 128 || (cob == 16 && pxs[p] == 4))
                        continue;
                    AsrConvBlock b = { shapes[s][0], shapes[s][1], pxs[p], cob, ws };
                    AsrKernelConfig c = with(base, f, &b, 0);
                    n = add(out, n, max, &c);
                }
    return n;
}

static int block_name(const AsrConvBlock *b, char *buf, size_t size)
{
    return snprintf(buf, size, "%ux%u:%ux%u%s", b->lx, b->ly, b->px, b->cob,
                    b->wshare ? "b" : "");
}

void asr_kconfig_name(const AsrKernelConfig *c, char *buf, size_t size)
{
    char band[32], tiled[32];
    block_name(&c->band, band, sizeof(band));
    block_name(&c->tiled, tiled, sizeof(tiled));
    snprintf(buf, size, "band %s tiled %s mlp %s nsg %u", band, tiled,
             c->mlp_ssbo ? "ssbo" : "ubo", c->cm_nsg);
}
