/*
 * Every network shader against its plain C reference (ref_net.c), stage by
 * stage on random data: random models (the default architecture and a
 * smaller, different one, so nothing depends on the shipped sizes), random
 * RGBA frames with random alpha, several sizes and per-axis scales. Each
 * stage's reference starts from the engine's own input of that stage (read
 * back through src/internal.h), so errors do not accumulate:
 *   unpack (exact), head conv, every block (conv1 sliced, GAP + scale
 *   attention, conv2 with fused attention/ReLU and residual), tail + skip,
 *   decoder heavy / light over all pixels, alpha bilinear, routed: the
 *   classifier's routes, the counters, the heavy and light lists, the
 *   indirect dispatch arguments, both MLPs over their lists, refinement.
 * Tolerance: |got - want| <= 1e-5 + 1e-4 |want| (plus half an fp16 ulp with
 * fp16 feature maps). Every model runs for every variant of the encoder's
 * kernels x the feature maps' precision (tests/common/asr_test.h
 * test_variants), chosen through AsrSettings; a variant the build or the
 * device cannot run is skipped with the reason printed. The default
 * architecture also runs every kernel configuration the tuner may pick on
 * any device class (docs/design.md#kernels, "Tuning"), through the test hook
 * asr_engine_debug_set_kernel_config(), on one frame; one this device's
 * rules refuse is skipped, naming the rule.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "asr_test.h"
#include "model_writer.h"
#include "params.h"
#include "ref_net.h"

static double worst_rel;
/* relative part of the tolerance: 1e-4 (fp32 arithmetic), plus half an ulp
 * of float16 (2^-11) when the feature maps are stored as fp16: each stage is
 * checked against the reference run on the engine's own previous stage, so
 * one rounding to fp16 is all the storage adds */
static double rel_tol = 1e-4;

static void compare(const char *what, const float *got, const float *want, size_t n)
{
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        double r = d / (1e-5 + rel_tol * fabs((double)want[i]));
        if (!(r <= worst))
            worst = r, at = i;
    }
    if (worst > worst_rel)
        worst_rel = worst;
    if (!(worst <= 1.0))
        FAIL("%s: element %zu of %zu: %.7g vs reference %.7g", what, at, n, got[at], want[at]);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        exit(1);
    return p;
}

static void rd(AsrEngine *e, AsrDebugBuffer b, size_t off, void *dst, size_t bytes)
{
    if (asr_engine_debug_read(e, b, off, dst, bytes) != ASR_OK) {
        fprintf(stderr, "debug read %d failed\n", (int)b);
        exit(1);
    }
}

typedef struct Frame {
    uint32_t w, h, W, H;
    uint8_t *src, *dst;
} Frame;

static int run(AsrEngine *e, const Frame *f, uint32_t c, uint32_t d, AsrDecoderMode mode,
               float k)
{
    AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = f->w, .height = f->h };
    AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = f->W, .height = f->H };
    AsrFrame fi = { { f->src }, { (size_t)f->w * 4 } }, fo = { { f->dst }, { (size_t)f->W * 4 } };
    AsrStatus s = asr_engine_debug_set_op(e, c, d, mode, k);
    if (s == ASR_OK)
        s = asr_engine_configure(e, &in, &out);
    if (s == ASR_OK)
        s = asr_engine_process(e, &fi, &fo);
    if (s != ASR_OK)
        FAIL("engine: %s: %s", asr_status_to_string(s), asr_engine_last_error(e));
    return s == ASR_OK;
}

/* Encoder stages at width c for depths 0 .. D. */
static void check_encoder(AsrEngine *e, const Frame *f, uint32_t c)
{
    const AsrModel *m = asr_engine_debug_model(e);
    const AsrArch *a = &m->arch;
    const float *W = m->weights;
    uint32_t F = a->F, w = f->w, h = f->h;
    size_t n = (size_t)w * h, nf = F * n;
    float sx = (float)((double)f->W / w), sy = (float)((double)f->H / h);
    float *lr = xmalloc(4 * n * sizeof(float)), *h0 = xmalloc(nf * sizeof(float));
    float *prev = xmalloc(nf * sizeof(float)), *x = xmalloc(nf * sizeof(float));
    float *y = xmalloc(nf * sizeof(float)), *enc = xmalloc(nf * sizeof(float));
    float *want = xmalloc(nf * sizeof(float)), *att = xmalloc(F * sizeof(float));
    float *watt = xmalloc(F * sizeof(float));
    char what[128];

    for (uint32_t d = 0; d <= a->D; d++) {
        if (!run(e, f, c, d, ASR_DECODER_HEAVY, 0.0f))
            break;
        rd(e, ASR_DEBUG_ENC, 0, enc, nf * sizeof(float));
        if (d == 0) {
            rd(e, ASR_DEBUG_LR, 0, lr, 4 * n * sizeof(float));
            for (size_t i = 0; i < n; i++)
                for (int ch = 0; ch < 4; ch++)
                    want[ch * n + i] = (float)f->src[4 * i + (size_t)ch] / 255.0f;
            compare("unpack", lr, want, 4 * n);
            rd(e, ASR_DEBUG_H0, 0, h0, nf * sizeof(float));
            ref_conv3x3(lr, w, h, 3, F, W + m->off.head.w, 3, W + m->off.head.b, NULL, NULL, want);
            compare("head", h0, want, nf);
            memcpy(prev, h0, nf * sizeof(float));
            /* the tail adds the head recomputed in fp32 from the image, not
             * the stored (maybe fp16) h0 */
            memcpy(h0, want, nf * sizeof(float));
        } else {
            uint32_t i = d - 1;
            /* the tail writes the encoder's output over conv1's: run once more without it */
            asr_engine_debug_set_tail(e, 0);
            if (!run(e, f, c, d, ASR_DECODER_HEAVY, 0.0f))
                break;
            asr_engine_debug_set_tail(e, 1);
            rd(e, ASR_DEBUG_Y, 0, y, (size_t)c * n * sizeof(float));
            ref_conv3x3(prev, w, h, F, c, W + m->off.conv1[i].w, F, W + m->off.conv1[i].b, NULL,
                        NULL, want);
            snprintf(what, sizeof(what), "block %u conv1 (c %u)", i, c);
            compare(what, y, want, (size_t)c * n);
            rd(e, ASR_DEBUG_ATT, (size_t)i * F * sizeof(float), att, c * sizeof(float));
            ref_sa(m, i, y, w, h, c, sx, sy, watt);
            snprintf(what, sizeof(what), "block %u attention", i);
            compare(what, att, watt, c);
            rd(e, ASR_DEBUG_X, 0, x, nf * sizeof(float));
            ref_conv3x3(y, w, h, c, F, W + m->off.conv2[i].w, F, W + m->off.conv2[i].b, att, prev,
                        want);
            snprintf(what, sizeof(what), "block %u conv2 + attention + residual", i);
            compare(what, x, want, nf);
            memcpy(prev, x, nf * sizeof(float));
        }
        ref_conv3x3(prev, w, h, F, F, W + m->off.tail.w, F, W + m->off.tail.b, NULL, h0, want);
        snprintf(what, sizeof(what), "tail + skip (c %u, d %u)", c, d);
        compare(what, enc, want, nf);
    }
    free(lr), free(h0), free(prev), free(x), free(y), free(enc), free(want), free(att);
    free(watt);
}

/* Decoder modes at op (c, d), k. */
static void check_decoder(AsrEngine *e, const Frame *f, uint32_t c, uint32_t d, float k)
{
    const AsrModel *m = asr_engine_debug_model(e);
    uint32_t F = m->arch.F, w = f->w, h = f->h, Wd = f->W, H = f->H;
    size_t n = (size_t)w * h, N = (size_t)Wd * H;
    float *lr = xmalloc(4 * n * sizeof(float)), *enc = xmalloc(F * n * sizeof(float));
    float *hr = xmalloc(4 * N * sizeof(float)), *want = xmalloc(4 * N * sizeof(float));
    float *unref = xmalloc(3 * N * sizeof(float));
    uint32_t *route = xmalloc((ASR_ROUTE_MAP + 2 * N) * sizeof(uint32_t));
    char what[160];

    for (int mode = 0; mode < 3; mode++) {
        if (!run(e, f, c, d, (AsrDecoderMode)mode, k))
            break;
        rd(e, ASR_DEBUG_LR, 0, lr, 4 * n * sizeof(float));
        rd(e, ASR_DEBUG_ENC, 0, enc, F * n * sizeof(float));
        rd(e, ASR_DEBUG_HR, 0, hr, 4 * N * sizeof(float));
        for (uint32_t Y = 0; Y < H; Y++)
            for (uint32_t X = 0; X < Wd; X++)
                want[3 * N + (size_t)Y * Wd + X] = ref_bilinear(lr + 3 * n, w, h, Wd, H, X, Y);
        snprintf(what, sizeof(what), "alpha bilinear %ux%u -> %ux%u", w, h, Wd, H);
        compare(what, hr + 3 * N, want + 3 * N, N);
        if (mode != ASR_DECODER_ROUTED) {
            ref_decode(m, enc, lr, w, h, Wd, H, mode == ASR_DECODER_HEAVY, NULL, want);
            snprintf(what, sizeof(what), "decoder %s %ux%u -> %ux%u",
                     mode == ASR_DECODER_HEAVY ? "heavy" : "light", w, h, Wd, H);
            compare(what, hr, want, 3 * N);
            continue;
        }
        rd(e, ASR_DEBUG_ROUTE, 0, route, (ASR_ROUTE_MAP + 2 * N) * sizeof(uint32_t));
        rd(e, ASR_DEBUG_UNREF, 0, unref, 3 * N * sizeof(float));
        const uint32_t *map = route + ASR_ROUTE_MAP, *list = map + N;
        float thr = (float)asr_model_route_threshold(&m->arch, k);
        float inp[ASR_MODEL_MAX_F + 4];
        size_t nh = 0, flips = 0, ambiguous = 0;
        for (uint32_t Y = 0; Y < H; Y++) {
            for (uint32_t X = 0; X < Wd; X++) {
                size_t q = (size_t)Y * Wd + X;
                ref_dec_input(m, enc, w, h, Wd, H, X, Y, inp);
                float dl = ref_delta(m, inp);
                nh += map[q] != 0;
                if (fabsf(dl - thr) < 1e-4f * (1.0f + fabsf(thr))) {
                    ambiguous++;
                    continue;
                }
                flips += (map[q] != 0) != (dl >= thr);
                if (map[q] > 1)
                    flips++;
            }
        }
        if (flips)
            FAIL("routed: %zu pixels routed unlike the reference classifier", flips);
        if (route[ASR_ROUTE_HEAVY_COUNT] != nh || route[ASR_ROUTE_LIGHT_COUNT] != N - nh)
            FAIL("routed: counters %u + %u, route map has %zu heavy of %zu",
                 route[ASR_ROUTE_HEAVY_COUNT], route[ASR_ROUTE_LIGHT_COUNT], nh, N);
        /* lists: every heavy pixel once at the front, every light one at the back */
        uint8_t *seen = calloc(N, 1);
        size_t bad = 0;
        for (size_t i = 0; i < N; i++) {
            uint32_t q = list[i];
            int want_heavy = i < nh;
            if (q >= N || seen[q] || (map[q] != 0) != want_heavy)
                bad++;
            else
                seen[q] = 1;
        }
        free(seen);
        if (bad)
            FAIL("routed: %zu bad list entries", bad);
        for (int l = 0; l < 2; l++) {
            const uint32_t *args = route + (l ? ASR_ROUTE_LIGHT_ARGS : ASR_ROUTE_HEAVY_ARGS);
            size_t cnt = l ? N - nh : nh;
            size_t groups = (cnt + ASR_DEC_LOCAL - 1) / ASR_DEC_LOCAL;
            if ((size_t)args[0] * args[1] < groups || args[2] != 1 ||
                (groups && (size_t)args[0] * (args[1] - 1) >= groups))
                FAIL("routed: dispatch args (%u, %u, %u) for %zu pixels", args[0], args[1],
                     args[2], cnt);
        }
        ref_decode(m, enc, lr, w, h, Wd, H, 0, map, want);
        snprintf(what, sizeof(what), "routed MLPs over lists %ux%u -> %ux%u (%zu heavy of %zu)",
                 w, h, Wd, H, nh, N);
        compare(what, unref, want, 3 * N);
        ref_refine(unref, map, Wd, H, want);
        compare("refine", hr, want, 3 * N);
        printf("  routed k %.2f: %zu of %zu heavy, %zu near the threshold\n", k, nh, N, ambiguous);
    }
    free(lr), free(enc), free(hr), free(want), free(unref), free(route);
}

/* Every candidate kernel configuration on frame f (its encoder at the top
 * width, the decoders of the largest subnet) */
static void run_candidates(AsrEngine *e, const Frame *f, const MwArch *arch)
{
    AsrKernelConfig *all = calloc(512, sizeof(*all));
    uint32_t n = asr_engine_debug_candidates(e, all, 512), ran = 0;
    AsrStats ks;
    asr_engine_get_stats(e, &ks);
    for (uint32_t i = 0; i < n; i++) {
        char name[ASR_KCONFIG_NAME], why[256];
        asr_kconfig_name(&all[i], name, sizeof(name));
        /* fixed depth: the tiled conv does not run; the coopmat subgroups
         * only with the coopmat kernels */
        const AsrKernelConfig *b = &all[0], *c = &all[i];
        if (i > 0 && !memcmp(&c->band, &b->band, sizeof(b->band)) &&
            c->mlp_ssbo == b->mlp_ssbo &&
            (ks.plan.kernels != ASR_KERNELS_COOPMAT || c->cm_nsg == b->cm_nsg)) {
            printf("  %s: as the built-in configuration here\n", name);
            continue;
        }
        AsrStatus st = asr_engine_debug_set_kernel_config(e, &all[i], why, sizeof(why));
        if (st == ASR_ERROR_UNSUPPORTED) {
            printf("  %s: skipped, the device's rules refuse it: %s\n", name, why);
            continue;
        }
        if (st != ASR_OK) {
            FAIL("%s: %s", name, asr_status_to_string(st));
            continue;
        }
        int fails = test_failures;
        uint32_t sn = (uint32_t)arch->n_ladder - 1;
        check_encoder(e, f, (uint32_t)arch->ladder[sn][0]);
        check_decoder(e, f, (uint32_t)arch->ladder[sn][0], (uint32_t)arch->ladder[sn][1], 0.0f);
        printf("  %s: %s\n", name, test_failures == fails ? "ok" : "FAILED");
        ran++;
    }
    printf("%u of %u configurations ran\n", ran, n);
    if (!ran)
        FAIL("no candidate configuration ran");
    asr_engine_debug_set_kernel_config(e, NULL, NULL, 0);
    free(all);
}

static void run_variant(const char *name, const MwArch *arch, uint32_t seed, TestVariant v,
                        int all_configs)
{
    AsrPrecision prec = v.precision;
    MwOptions o = { .seed = seed, .scale = 1.5 };
    size_t size;
    uint8_t *blob = mw_build(arch, &o, &size);
    char path[256];
    snprintf(path, sizeof(path), "%s/stages-%s.safetensors", g_get_tmp_dir(), name);
    if (mw_write(path, blob, size) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    AsrSettings s;
    test_settings_default(&s);
    s.model_path = path;
    s.tuning = ASR_TUNING_OFF;
    rel_tol = prec == ASR_PRECISION_FP16 ? 1e-4 + 1.0 / 2048.0 : 1e-4;
    AsrEngine *e = test_variant_engine(&s, v, name, 0);
    remove(path);
    g_free(blob);
    if (!e)
        return;

    static const uint32_t sizes[][4] = { { 13, 11, 29, 23 }, { 9, 7, 11, 21 }, { 6, 5, 6, 5 },
                                         { 7, 9, 30, 37 } };
    uint32_t rs = seed;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        Frame f = { sizes[i][0], sizes[i][1], sizes[i][2], sizes[i][3], NULL, NULL };
        f.src = xmalloc((size_t)f.w * f.h * 4);
        f.dst = xmalloc((size_t)f.W * f.H * 4);
        for (size_t k = 0; k < (size_t)f.w * f.h * 4; k++)
            f.src[k] = (uint8_t)(test_rand(&rs) >> 24);
        printf("%s (%s %s): %ux%u -> %ux%u\n", name, asr_kernels_name(v.kernels),
               test_precision_name(prec), f.w, f.h, f.W, f.H);
        uint32_t top = arch->ladder[arch->n_ladder - 1][0];
        check_encoder(e, &f, i % 2 ? (uint32_t)arch->chunk : top);
        uint32_t sn = (uint32_t)i % (uint32_t)arch->n_ladder;
        check_decoder(e, &f, (uint32_t)arch->ladder[sn][0], (uint32_t)arch->ladder[sn][1],
                      i % 2 ? -0.2f : 0.0f);
        if (all_configs && i == 0)
            run_candidates(e, &f, arch);
        free(f.src);
        free(f.dst);
    }
    AsrStats st;
    asr_engine_get_stats(e, &st);
    if (st.counts.validation_messages)
        FAIL("%s: %llu validation messages", name, (unsigned long long)st.counts.validation_messages);
    asr_engine_free(&e);
}

/* The model for every variant of kernels x precision. */
static void run_model(const char *name, const MwArch *arch, uint32_t seed, int all_configs)
{
    for (size_t i = 0; i < ASR_ARRAY_SIZE_(test_variants); i++)
        run_variant(name, arch, seed, test_variants[i], all_configs);
}

int main(void)
{
    test_lanes_rerun(); /* at 16-lane subgroups too, first (asr_test.h) */
    MwArch def = mw_default_arch();
    run_model("default-arch", &def, 11, 1);
    MwArch small = { .F = 16, .D = 3, .chunk = 8, .sa_hidden = 8, .n_ladder = 2,
                     .ladder = { { 8, 1 }, { 16, 3 } }, .n_heavy = 2, .heavy = { 24, 16 },
                     .n_light = 1, .light = { 8 }, .n_caps = 1, .cap_limit = { 0.0 },
                     .cap_subnet = { 1 }, .default_k = 0.0 };
    run_model("small-arch", &small, 23, 0);
    MwArch odd = { .F = 12, .D = 2, .chunk = 4, .sa_hidden = 5, .n_ladder = 2,
                   .ladder = { { 4, 1 }, { 12, 2 } }, .n_heavy = 1, .heavy = { 20 },
                   .n_light = 2, .light = { 6, 5 }, .n_caps = 1, .cap_limit = { 0.0 },
                   .cap_subnet = { 1 }, .default_k = 0.0 };
    run_model("odd-arch", &odd, 31, 0);
    printf("worst error / tolerance: %.3f\n", worst_rel);
    if (test_failures)
        fprintf(stderr, "%d failure(s)\n", test_failures);
    return test_failures ? 1 : 0;
}
