/*
 * The whole network on the device against the PyTorch reference
 * (tests/golden, made by train/golden.py from the shipped model).
 *
 *   test-golden tests/golden/golden.safetensors
 *
 * For every case: the float output before packing (internal hook) within
 * tolerance.out_max_abs of the reference, and the 8-bit output of the real
 * RGBA pack path against the reference rounded to 8 bits: PSNR >= 50 dB.
 * Routed cases: the route of every pixel must match, except pixels whose
 * |delta - threshold| < tolerance.routed_ignore_delta_within; those and
 * their 8 neighbours (refinement) are left out of both checks. The
 * encoder stages of the 'features' case are checked one by one
 * (tolerance.feat_max_abs). The golden's model sha256 must be the embedded
 * model's. Everything runs for every variant of the encoder's kernels x the
 * feature maps' precision (tests/common/asr_test.h test_variants: SIMT and
 * cooperative-matrix kernels, fp32 and fp16 maps), chosen through
 * AsrSettings, with the same tolerances; a variant the build or the device
 * cannot run is skipped with the reason printed.
 *
 *   test-golden tests/golden/mean-pool/golden.safetensors tests/golden/mean-pool/model.safetensors
 *
 * runs the engine with that model file instead (settings.model_path), whose
 * sha256 the vectors must name: a second model's vectors (train/golden.py
 * --depth-only), e.g. the depth adapter that pools only the tile mean.
 *
 *   test-golden --candidates tests/golden/golden.safetensors
 *
 * runs every kernel configuration the tuner may pick on any device class,
 * GPU classes included (docs/design.md#kernels, "Tuning";
 * asr_engine_debug_candidates()), for every variant of kernels x precision,
 * through the test hook asr_engine_debug_set_kernel_config() (no
 * environment variables): each runs a routed case (band conv, both MLPs)
 * and a spatial-depth case (the conv over tile lists) within the golden
 * tolerances, or this device's rules refuse it with the rule named (it is
 * then never run). Then a grid of SIMT register blocks with edge ones (1
 * lane, workgroups that are not whole subgroups with the weight broadcast,
 * the device's largest workgroup, the largest register block) through the
 * same hook: each runs within the tolerances or is refused naming its rule.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"
#include "asr_test.h"
#include "model.h"
#include "params.h"
#include "safetensors.h"

static const AsrTensor *tensor(const AsrSafetensors *st, const char *name)
{
    const AsrTensor *t = asr_safetensors_find(st, name);
    if (!t) {
        fprintf(stderr, "golden: tensor '%s' missing\n", name);
        exit(1);
    }
    return t;
}

static float *tensor_f32(const AsrSafetensors *st, const char *name, size_t *count)
{
    const AsrTensor *t = tensor(st, name);
    float *v = malloc(t->count * sizeof(float));
    asr_tensor_to_f32(t, v);
    if (count)
        *count = t->count;
    return v;
}

static double jnum(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n)
        return NAN;
    return json_node_get_value_type(n) == G_TYPE_INT64 ? (double)json_node_get_int(n)
                                                       : json_node_get_double(n);
}

/* input tensor (1, 3, h, w) of 8-bit values -> RGBA bytes */
static uint8_t *to_rgba(const float *v, uint32_t w, uint32_t h)
{
    uint8_t *px = malloc((size_t)w * h * 4);
    for (uint32_t i = 0; i < w * h; i++) {
        for (int c = 0; c < 3; c++)
            px[4 * i + c] = (uint8_t)lrintf(v[c * w * h + i] * 255.0f);
        px[4 * i + 3] = 255;
    }
    return px;
}

static uint8_t to_byte(float v)
{
    return (uint8_t)floorf(fminf(fmaxf(v, 0.0f), 1.0f) * 255.0f + 0.5f);
}

static AsrStatus run(AsrEngine *e, const uint8_t *src, uint32_t w, uint32_t h, uint32_t W,
                     uint32_t H, uint8_t *dst)
{
    AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = w, .height = h };
    AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = W, .height = H };
    AsrFrame fin = { { (uint8_t *)src }, { (size_t)w * 4 } }, fout = { { dst }, { (size_t)W * 4 } };
    AsrStatus s = asr_engine_configure(e, &in, &out);
    if (s == ASR_OK)
        s = asr_engine_process(e, &fin, &fout);
    if (s != ASR_OK)
        fprintf(stderr, "engine: %s: %s\n", asr_status_to_string(s), asr_engine_last_error(e));
    return s;
}

static double max_abs_diff(const float *a, const float *b, size_t n, size_t *where)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= m)) {
            m = d;
            if (where)
                *where = i;
        }
    }
    return m;
}

typedef struct Summary {
    int cases;
    double worst_err, worst_psnr_min;
    double psnr_sum;
    int psnr_n, inf_psnr;
    size_t ignored, pixels, route_flips;
} Summary;

/* Spatial depth: the engine's tile depths against the reference's, and
 * its lists, pixel counts and indirect commands against a C reference
 * built from those depths (params.h "tiles[]" layout). */
static void check_tiles(AsrEngine *e, const AsrSafetensors *st, int id, uint32_t w, uint32_t h,
                        uint32_t width, uint32_t depth)
{
    AsrDebugTiles t;
    char name[64];
    if (asr_engine_debug_tiles(e, &t) != ASR_OK || !t.depth_ok) {
        FAIL("case %d: no spatial depth in this configuration", id);
        return;
    }
    uint32_t nt = t.tiles_x * t.tiles_y, D = asr_engine_debug_model(e)->arch.D;
    size_t words = (size_t)t.list_off + (size_t)D * nt;
    uint32_t *tiles = malloc(words * sizeof(uint32_t));
    snprintf(name, sizeof(name), "case.%d.depth", id);
    size_t count = 0;
    float *want = tensor_f32(st, name, &count);
    if (count != nt) {
        FAIL("case %d: reference depth map has %zu tiles, engine %u", id, count, nt);
        goto done;
    }
    if (asr_engine_debug_read(e, ASR_DEBUG_TILES, 0, tiles, words * sizeof(uint32_t)) != ASR_OK) {
        FAIL("case %d: tiles read-back failed", id);
        goto done;
    }
    uint32_t hist[17] = { 0 }, bad = 0;
    for (uint32_t i = 0; i < nt; i++) {
        if (tiles[i] != (uint32_t)want[i] && bad++ < 8)
            fprintf(stderr, "case %d: tile %u depth %u, reference %.0f\n", id, i, tiles[i], want[i]);
        hist[ASR_MIN(tiles[i], 16u)]++;
    }
    if (bad)
        FAIL("case %d: %u of %u tile depths differ from the reference", id, bad, nt);
    /* C reference of tile_lists.comp: raster order, a band's tiles contiguous */
    uint32_t band_tiles = (t.enc_rows + t.tile - 1) / t.tile;
    for (uint32_t l = 0; l < depth; l++) {
        uint32_t n = 0, px = 0;
        for (uint32_t b = 0; b < t.bands; b++) {
            uint32_t start = n;
            for (uint32_t ty = b * band_tiles; ty < ASR_MIN((b + 1) * band_tiles, t.tiles_y); ty++)
                for (uint32_t tx = 0; tx < t.tiles_x; tx++) {
                    uint32_t i = ty * t.tiles_x + tx;
                    if (tiles[i] <= l)
                        continue;
                    if (tiles[t.list_off + l * nt + n] != i)
                        FAIL("case %d: block %u list entry %u is tile %u, expected %u", id, l, n,
                             tiles[t.list_off + l * nt + n], i);
                    n++;
                    px += ASR_MIN(t.tile, h - ty * t.tile) * ASR_MIN(t.tile, w - tx * t.tile);
                }
            const uint32_t *a = &tiles[t.args_off + (l * t.bands + b) * 8];
            if (a[3] != start || a[7] != start || a[1] != 1 || a[5] != 1 ||
                a[0] != a[4] || (a[0] == 0) != (n == start) || a[2] == 0 || a[6] == 0)
                FAIL("case %d: block %u band %u indirect commands {%u %u %u %u | %u %u %u %u}, "
                     "%u entries from %u", id, l, b, a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                     a[7], n - start, start);
        }
        if (tiles[t.pix_off + l] != px)
            FAIL("case %d: block %u: %u pixels counted, expected %u", id, l,
                 tiles[t.pix_off + l], px);
    }
    printf("case %2d tiles (%u,%u) %ux%u tiles of %u, %u band(s): depths", id, width, depth,
           t.tiles_x, t.tiles_y, t.tile, t.bands);
    for (uint32_t d = 0; d <= depth && d <= 16; d++)
        printf(" %u:%u", d, hist[d]);
    printf("\n");
done:
    free(tiles);
    free(want);
}

static void check_case(AsrEngine *e, const AsrSafetensors *st, JsonObject *c, double tol,
                       double ignore_within, Summary *sum)
{
    int id = (int)jnum(c, "id");
    const char *mode = json_object_get_string_member(c, "mode");
    uint32_t w = (uint32_t)jnum(c, "in_w"), h = (uint32_t)jnum(c, "in_h");
    uint32_t W = (uint32_t)jnum(c, "out_w"), H = (uint32_t)jnum(c, "out_h");
    uint32_t width = (uint32_t)jnum(c, "width"), depth = (uint32_t)jnum(c, "depth");
    double k = jnum(c, "k");
    AsrDecoderMode m = !strcmp(mode, "heavy") ? ASR_DECODER_HEAVY
                     : !strcmp(mode, "light") ? ASR_DECODER_LIGHT : ASR_DECODER_ROUTED;
    size_t n = (size_t)W * H;

    float *lr = tensor_f32(st, json_object_get_string_member(c, "input"), NULL);
    float *ref = tensor_f32(st, json_object_get_string_member(c, "output"), NULL);
    uint8_t *src = to_rgba(lr, w, h);
    uint8_t *dst = malloc(n * 4);
    float *got = malloc(n * 3 * sizeof(float));
    uint8_t *skip = calloc(n, 1);
    uint32_t *map = NULL;
    float *delta = NULL, *heavy = NULL;
    size_t flips = 0, ignored = 0;

    double target = jnum(c, "target");
    if (isnan(target))
        target = 1.0;
    if (asr_engine_debug_set_depth_target(e, (float)target) != ASR_OK ||
        asr_engine_debug_set_op(e, width, depth, m, (float)k) != ASR_OK ||
        run(e, src, w, h, W, H, dst) != ASR_OK ||
        asr_engine_debug_read(e, ASR_DEBUG_HR, 0, got, n * 3 * sizeof(float)) != ASR_OK) {
        FAIL("case %d: engine failed", id);
        asr_engine_debug_set_depth_target(e, 1.0f);
        goto done;
    }
    asr_engine_debug_set_depth_target(e, 1.0f);
    if (target < 1.0)
        check_tiles(e, st, id, w, h, width, depth);

    if (m == ASR_DECODER_ROUTED) {
        double thr = jnum(c, "threshold");
        float thr_engine = (float)asr_model_route_threshold(&asr_engine_debug_model(e)->arch, k);
        if (fabs(thr_engine - thr) > 1e-6)
            FAIL("case %d: threshold %.7f, reference %.7f", id, thr_engine, thr);
        delta = tensor_f32(st, json_object_get_string_member(c, "delta"), NULL);
        heavy = tensor_f32(st, json_object_get_string_member(c, "heavy"), NULL);
        map = malloc(n * sizeof(uint32_t));
        if (asr_engine_debug_read(e, ASR_DEBUG_ROUTE, ASR_ROUTE_MAP * sizeof(uint32_t), map,
                                  n * sizeof(uint32_t)) != ASR_OK) {
            FAIL("case %d: route read-back failed", id);
            goto done;
        }
        for (uint32_t Y = 0; Y < H; Y++) {
            for (uint32_t X = 0; X < W; X++) {
                size_t q = (size_t)Y * W + X;
                int ambiguous = fabs((double)delta[q] - thr) < ignore_within;
                if (!ambiguous && (map[q] != 0) != (heavy[q] != 0.0f)) {
                    flips++;
                    fprintf(stderr, "case %d: pixel (%u, %u) routed %s, reference %s "
                            "(delta %.6f, threshold %.6f)\n", id, X, Y, map[q] ? "heavy" : "light",
                            heavy[q] != 0.0f ? "heavy" : "light", delta[q], thr);
                }
                if (!ambiguous)
                    continue;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = (int)X + dx, yy = (int)Y + dy;
                        if (xx >= 0 && yy >= 0 && xx < (int)W && yy < (int)H)
                            skip[(size_t)yy * W + (size_t)xx] = 1;
                    }
            }
        }
        if (flips)
            FAIL("case %d: %zu pixels routed differently from the reference", id, flips);
    }

    double err = 0.0, se = 0.0;
    size_t worst = 0, counted = 0;
    for (size_t q = 0; q < n; q++) {
        if (skip[q]) {
            ignored++;
            continue;
        }
        for (int ch = 0; ch < 3; ch++) {
            size_t i = (size_t)ch * n + q;
            double d = fabs((double)got[i] - (double)ref[i]);
            if (!(d <= err))
                err = d, worst = i;
            double b = (double)dst[4 * q + (size_t)ch] - (double)to_byte(ref[i]);
            se += b * b;
            counted++;
        }
    }
    double psnr = se > 0.0 ? 10.0 * log10(255.0 * 255.0 / (se / (double)counted)) : INFINITY;
    char ps[32], extra[96] = "";
    snprintf(ps, sizeof(ps), isinf(psnr) ? "inf (identical)" : "%.1f dB", psnr);
    if (map) {
        size_t nh = 0;
        for (size_t q = 0; q < n; q++)
            nh += map[q] != 0;
        snprintf(extra, sizeof(extra), ", heavy %.1f %%, %zu px near the threshold left out",
                 100.0 * (double)nh / (double)n, ignored);
    }
    if (target < 1.0)
        snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), ", depth target %.2f",
                 target);
    printf("case %2d %-6s (%2u,%u) %2ux%-2u -> %2ux%-2u k %.2f: max |err| %.2e, 8-bit PSNR %s%s\n",
           id, mode, width, depth, w, h, W, H, k, err, ps, extra);
    if (!(err <= tol))
        FAIL("case %d: max |err| %.3e > %.1e (channel %zu pixel %zu: %.6f vs %.6f)", id, err, tol,
             worst / n, worst % n, got[worst], ref[worst]);
    if (!(psnr >= 50.0))
        FAIL("case %d: 8-bit PSNR %.2f dB < 50 dB", id, psnr);
    sum->cases++;
    sum->worst_err = fmax(sum->worst_err, err);
    if (isinf(psnr))
        sum->inf_psnr++;
    else {
        sum->psnr_sum += psnr;
        sum->psnr_n++;
        sum->worst_psnr_min = sum->psnr_n == 1 ? psnr : fmin(sum->worst_psnr_min, psnr);
    }
    sum->ignored += ignored;
    sum->pixels += n;
    sum->route_flips += flips;

done:
    free(lr);
    free(ref);
    free(src);
    free(dst);
    free(got);
    free(skip);
    free(map);
    free(delta);
    free(heavy);
}

static void check_stage(const char *what, const float *got, const float *want, size_t n,
                        double tol)
{
    size_t where = 0;
    double err = max_abs_diff(got, want, n, &where);
    printf("features %-8s max |err| %.2e\n", what, err);
    if (!(err <= tol))
        FAIL("features %s: max |err| %.3e > %.1e at %zu (%.6f vs %.6f)", what, err, tol, where,
             got[where], want[where]);
}

static void check_features(AsrEngine *e, const AsrSafetensors *st, JsonObject *fc, double tol)
{
    const AsrArch *a = &asr_engine_debug_model(e)->arch;
    const AsrTensor *in = tensor(st, json_object_get_string_member(fc, "input"));
    uint32_t h = (uint32_t)in->shape[2], w = (uint32_t)in->shape[3];
    uint32_t H = (uint32_t)jnum(fc, "out_h"), W = (uint32_t)jnum(fc, "out_w");
    uint32_t width = (uint32_t)jnum(fc, "width"), depth = (uint32_t)jnum(fc, "depth");
    size_t nf = (size_t)a->F * w * h;
    float *lr = tensor_f32(st, json_object_get_string_member(fc, "input"), NULL);
    uint8_t *src = to_rgba(lr, w, h), *dst = malloc((size_t)W * H * 4);
    float *got = malloc(nf * sizeof(float));
    char name[64];

    for (uint32_t d = 0; d <= depth; d++) {
        /* depth d: x holds block d-1; head and (at full depth) enc, att */
        if (asr_engine_debug_set_op(e, width, d, ASR_DECODER_HEAVY, 0.0f) != ASR_OK ||
            run(e, src, w, h, W, H, dst) != ASR_OK) {
            FAIL("features: engine failed at depth %u", d);
            break;
        }
        if (d == 0) {
            float *want = tensor_f32(st, "feat.head", NULL);
            asr_engine_debug_read(e, ASR_DEBUG_H0, 0, got, nf * sizeof(float));
            check_stage("head", got, want, nf, tol);
            free(want);
            continue;
        }
        snprintf(name, sizeof(name), "feat.block%u", d - 1);
        float *want = tensor_f32(st, name, NULL);
        asr_engine_debug_read(e, ASR_DEBUG_X, 0, got, nf * sizeof(float));
        check_stage(name + 5, got, want, nf, tol);
        free(want);
        snprintf(name, sizeof(name), "feat.att%u", d - 1);
        want = tensor_f32(st, name, NULL);
        asr_engine_debug_read(e, ASR_DEBUG_ATT, (size_t)(d - 1) * a->F * sizeof(float), got,
                              width * sizeof(float));
        check_stage(name + 5, got, want, width, tol);
        free(want);
        if (d == depth) {
            want = tensor_f32(st, "feat.enc", NULL);
            asr_engine_debug_read(e, ASR_DEBUG_ENC, 0, got, nf * sizeof(float));
            check_stage("enc", got, want, nf, tol);
            free(want);
        }
    }
    free(lr);
    free(src);
    free(dst);
    free(got);
}

static void run_variant(JsonObject *root, const AsrSafetensors *st, TestVariant v,
                        const char *model_path, double out_tol, double feat_tol,
                        double ignore_within);

/* The golden vectors (candidates()) */
static const AsrSafetensors *st_golden;

/* A SIMT register block as the band block: runs (rule NULL) or is refused
 * with a rule containing `rule` */
typedef struct BlockCase {
    AsrConvBlock block;
    const char *rule;
} BlockCase;

/* Run kernel configuration c on e through a routed case and a spatial-depth
 * case; 0 when the device's rules refuse it (why printed), else 1 */
static int run_config(AsrEngine *e, const AsrKernelConfig *c, JsonArray *cases, double out_tol,
                      double ignore_within, char *why, size_t size, unsigned which)
{
    /* 1: the routed case at depth 2 (head, conv1, conv2, tail, both
     * decoders); 2: the smallest spatial-depth case (conv1, conv2 over tile
     * lists): each configuration compiles its pipelines at its first frame
     * on lavapipe, the sweep's cost */
    static const int case_ids[] = { 8, 78 };
    AsrStatus st = asr_engine_debug_set_kernel_config(e, c, why, size);
    if (st == ASR_ERROR_UNSUPPORTED)
        return 0;
    if (st != ASR_OK) {
        FAIL("asr_engine_debug_set_kernel_config: %s", asr_status_to_string(st));
        return 1;
    }
    Summary sum = { 0 };
    for (size_t i = 0; i < ASR_ARRAY_SIZE_(case_ids); i++)
        if (which & (1u << i))
            check_case(e, st_golden, json_array_get_object_element(cases, (guint)case_ids[i]),
                   out_tol, ignore_within, &sum);
    return 1;
}

static void candidates(JsonObject *root, double out_tol, double ignore_within)
{
    JsonArray *cases = json_object_get_array_member(root, "cases");
    for (size_t v = 0; v < ASR_ARRAY_SIZE_(test_variants); v++) {
        AsrSettings s;
        test_settings_default(&s);
        s.tuning = ASR_TUNING_OFF;
        printf("== ");
        AsrEngine *e = test_variant_engine(&s, test_variants[v], "candidates", 1);
        if (!e)
            continue;
        AsrKernelConfig *all = calloc(512, sizeof(*all));
        uint32_t n = asr_engine_debug_candidates(e, all, 512), ran = 0;
        char name[ASR_KCONFIG_NAME], why[256];
        AsrStats ks;
        asr_engine_get_stats(e, &ks);
        for (uint32_t i = 0; i < n; i++) {
            asr_kconfig_name(&all[i], name, sizeof(name));
            /* what differs from the built-in configuration (all[0]) runs:
             * the routed case for the band conv, MLPs and coopmat
             * subgroups (those only with the coopmat kernels), the
             * spatial-depth case for the tiled conv */
            const AsrKernelConfig *b = &all[0], *c = &all[i];
            int band = memcmp(&c->band, &b->band, sizeof(b->band)) != 0 ||
                       c->mlp_ssbo != b->mlp_ssbo ||
                       (ks.plan.kernels == ASR_KERNELS_COOPMAT && c->cm_nsg != b->cm_nsg);
            int tiled = memcmp(&c->tiled, &b->tiled, sizeof(b->tiled)) != 0;
            unsigned which = i == 0 ? 3u : (band ? 1u : 0u) | (tiled ? 2u : 0u);
            if (!which) {
                printf("  %s: as the built-in configuration with these kernels\n", name);
                continue;
            }
            int fails = test_failures;
            if (!run_config(e, &all[i], cases, out_tol, ignore_within, why, sizeof(why),
                            which)) {
                printf("  %s: skipped, the device's rules refuse it: %s\n", name, why);
                continue;
            }
            ran++;
            printf("  %s: %s\n", name, test_failures == fails ? "ok" : "FAILED");
        }
        printf("%u of %u configurations ran\n", ran, n);
        if (!ran)
            FAIL("no candidate configuration ran");

        /* edge blocks and the rules, as the band block */
        static const BlockCase grid[] = {
            { { 1, 1, 12, 8, 1 }, NULL },   /* 1 lane, broadcast */
            { { 3, 5, 7, 16, 1 }, NULL },   /* 35 lanes, broadcast */
            { { 1, 1, 1, 8, 0 }, NULL },    /* the smallest */
            { { 5, 1, 16, 8, 1 }, NULL },   /* the largest register block */
            { { 1024, 1, 1, 8, 1 }, NULL }, /* lavapipe's largest workgroup */
            { { 65536, 65536, 4, 8, 0 }, "maxComputeWorkGroupSize" },
            { { 64, 64, 4, 8, 0 }, "maxComputeWorkGroupInvocations" },
            { { 8, 4, 16, 32, 1 }, "COB must be 8 or 16" }, /* compiles for minutes */
            { { 8, 4, 16, 16, 0 }, "PX x COB must be at most 128" },
            { { 8, 4, 17, 8, 0 }, "PX must be 1 to 16" },
            { { 0, 4, 4, 8, 0 }, "LX and LY must be at least 1" },
            { { 8, 4, 4, 12, 0 }, "COB must be 8 or 16" },
            { { 8, 4, 4, 8, 2 }, "WSHARE must be 0 or 1" },
        };
        /* the edge blocks once (fp32 SIMT: the sweep's cost), the rules always */
        int edges = test_variants[v].kernels == ASR_KERNELS_SIMT &&
                    test_variants[v].precision == ASR_PRECISION_FP32;
        for (size_t g = 0; g < ASR_ARRAY_SIZE_(grid); g++) {
            const BlockCase *b = &grid[g];
            if (!b->rule && !edges)
                continue;
            AsrKernelConfig c = all[0];
            c.band = b->block;
            asr_kconfig_name(&c, name, sizeof(name));
            int ran_it = run_config(e, &c, cases, out_tol, ignore_within, why, sizeof(why), 1u);
            printf("  block %s: %s%s\n", name, ran_it ? "ran" : "refused: ", ran_it ? "" : why);
            if (b->rule && (ran_it || !strstr(why, b->rule)))
                FAIL("block %s: not refused with \"%s\" (%s)", name, b->rule,
                     ran_it ? "it ran" : why);
            if (!b->rule && !ran_it)
                FAIL("block %s: refused: %s", name, why);
        }
        AsrStats stats;
        asr_engine_get_stats(e, &stats);
        if (stats.counts.validation_messages)
            FAIL("candidates: %llu validation messages",
                 (unsigned long long)stats.counts.validation_messages);
        free(all);
        asr_engine_free(&e);
    }
}

int main(int argc, char **argv)
{
    test_lanes_rerun(); /* at 16-lane subgroups too, first (asr_test.h) */
    int blocks = argc > 1 && !strcmp(argv[1], "--candidates");
    if (blocks)
        argc--, argv++;
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s golden.safetensors [model.safetensors]\n", argv[0]);
        return 2;
    }
    const char *model_path = argc == 3 ? argv[2] : NULL; /* NULL: the embedded model */
    AsrSafetensors *st = NULL;
    char err[512];
    if (asr_safetensors_load_file(argv[1], &st, err, sizeof(err)) != ASR_OK) {
        fprintf(stderr, "FAIL: golden vectors: %s (made by /usr/bin/python3 train/golden.py)\n",
                err);
        return 1;
    }
    const char *meta = asr_safetensors_metadata(st, "anysr.golden");
    JsonParser *parser = json_parser_new();
    if (!meta || !json_parser_load_from_data(parser, meta, -1, NULL)) {
        fprintf(stderr, "FAIL: golden vectors lack valid 'anysr.golden' metadata\n");
        return 1;
    }
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));

    /* the golden must come from the model the engine runs */
    gchar *file = NULL;
    gsize file_size = 0;
    if (model_path && !g_file_get_contents(model_path, &file, &file_size, NULL)) {
        fprintf(stderr, "FAIL: cannot read the model %s\n", model_path);
        return 1;
    }
    char *sha = model_path
        ? g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)file, file_size)
        : g_compute_checksum_for_data(G_CHECKSUM_SHA256, asr_default_model_data,
                                      asr_default_model_size);
    g_free(file);
    const char *want_sha = json_object_get_string_member(root, "model_sha256");
    if (!want_sha || strcmp(sha, want_sha) != 0) {
        fprintf(stderr, "FAIL: the golden vectors are stale: made from model sha256 %s, %s "
                "has %s; regenerate them with /usr/bin/python3 train/golden.py%s\n",
                want_sha ? want_sha : "?",
                model_path ? model_path : "the embedded models/anysr-default.safetensors", sha,
                model_path ? " --depth-only --model <it> --out <its folder>" : "");
        return 1;
    }
    printf("model sha256 %s\n", sha);
    g_free(sha);

    JsonObject *tol = json_object_get_object_member(root, "tolerance");
    double out_tol = jnum(tol, "out_max_abs"), feat_tol = jnum(tol, "feat_max_abs");
    double ignore_within = jnum(tol, "routed_ignore_delta_within");
    if (!(out_tol > 0.0 && out_tol <= 2e-3))
        out_tol = 2e-3;
    if (!(feat_tol > 0.0 && feat_tol <= 1e-3))
        feat_tol = 1e-3;
    if (!(ignore_within >= 0.0 && ignore_within <= 1e-2))
        ignore_within = 1e-3;

    st_golden = st;
    if (blocks)
        candidates(root, out_tol, ignore_within);
    else
        for (size_t i = 0; i < ASR_ARRAY_SIZE_(test_variants); i++)
            run_variant(root, st, test_variants[i], model_path, out_tol, feat_tol,
                        ignore_within);
    g_object_unref(parser);
    asr_safetensors_free(&st);
    if (test_failures)
        fprintf(stderr, "%d failure(s)\n", test_failures);
    return test_failures ? 1 : 0;
}

static void run_variant(JsonObject *root, const AsrSafetensors *st, TestVariant v,
                        const char *model_path, double out_tol, double feat_tol,
                        double ignore_within)
{
    AsrSettings s;
    test_settings_default(&s);
    s.model_path = model_path;
    printf("== ");
    AsrEngine *e = test_variant_engine(&s, v, "golden", 1);
    if (!e)
        return;

    check_features(e, st, json_object_get_object_member(root, "features_case"), feat_tol);

    JsonArray *cases = json_object_get_array_member(root, "cases");
    Summary sum = { 0 };
    for (guint i = 0; i < json_array_get_length(cases); i++)
        check_case(e, st, json_array_get_object_element(cases, i), out_tol, ignore_within, &sum);
    if (sum.cases == 0)
        FAIL("no golden cases");

    AsrStats stats;
    asr_engine_get_stats(e, &stats);
    if (stats.counts.validation_messages)
        FAIL("%llu validation messages", (unsigned long long)stats.counts.validation_messages);
    printf("%d cases: worst max |err| %.2e (tolerance %.0e); 8-bit PSNR: min %.1f dB, mean "
           "%.1f dB over %d cases, %d cases identical (inf); %zu of %zu pixels left out near "
           "the routing threshold; %zu route flips\n", sum.cases, sum.worst_err, out_tol,
           sum.worst_psnr_min, sum.psnr_n ? sum.psnr_sum / sum.psnr_n : 0.0, sum.psnr_n,
           sum.inf_psnr, sum.ignored, sum.pixels, sum.route_flips);
    asr_engine_free(&e);
}
