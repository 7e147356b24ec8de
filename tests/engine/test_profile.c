/*
 * The per-pass profile and the ceiling probe (docs/benchmarks.md):
 *   - off by default and after asr_engine_set_profiling(e, 0): no rows;
 *   - on: every pass kind of the op has its row, in execution order (copy.in
 *     first, copy.out last), dispatch counts follow the bands and the depth,
 *     the MACs add up to the stats' cost model plus the tail's head
 *     recompute (27 x F per input pixel; plus decoder rows computed twice
 *     where bands overlap: at most a few per cent here), every gpu_ms >= 0
 *     and their sum is the frame's time.gpu_ms;
 *   - a frame with more dispatches than the pool holds (bands of one row)
 *     charges the rest to "untimed", the next frame is whole (the pool grew);
 *   - asr_engine_probe_ceiling() gives positive ceilings.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asr_test.h"
#include "internal.h"
#include "model.h"

#define IN_W 32
#define IN_H 24
#define MAX_ROWS 64

static AsrEngine *new_engine(uint32_t tile_rows)
{
    AsrSettings s;
    test_settings_default(&s);
    s.tile_rows = tile_rows;
    AsrEngine *e = test_engine_new_with(&s);
    AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = IN_W, .height = IN_H };
    AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = 2 * IN_W, .height = 2 * IN_H };
    if (asr_engine_configure(e, &in, &out) != ASR_OK) {
        fprintf(stderr, "configure failed: %s\n", asr_engine_last_error(e));
        exit(1);
    }
    return e;
}

static void run_frame(AsrEngine *e)
{
    static uint8_t src[IN_W * IN_H * 4], dst[4 * IN_W * IN_H * 4];
    uint32_t seed = 7;
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(test_rand(&seed) >> 24);
    AsrFrame fin = { { src }, { IN_W * 4 } };
    AsrFrame fout = { { dst }, { 2 * IN_W * 4 } };
    CHECK_STATUS(asr_engine_process(e, &fin, &fout), ASR_OK);
}

static const AsrPassProfile *find(const AsrPassProfile *rows, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(rows[i].name, name))
            return &rows[i];
    return NULL;
}

/* One profiled frame of (subnet, decoder, depth target) checked; returns
 * its rows. Spatial depth (target < 1): the blocks' convolutions are the
 * tile-list rows, their MACs from the pixels that ran each block. */
static uint32_t check_frame(AsrEngine *e, int subnet, AsrDecoderMode mode, int banded,
                            AsrPassProfile *rows, float target)
{
    AsrOpChoice op = { subnet, mode, asr_engine_default_k(e), target };
    int tiles = target < 1.0f;
    CHECK_STATUS(asr_engine_set_op(e, &op), ASR_OK);
    run_frame(e);
    AsrStats st;
    asr_engine_get_stats(e, &st);
    uint32_t n = asr_engine_get_profile(e, NULL, 0);
    CHECK(asr_engine_get_profile(e, rows, MAX_ROWS) == n);
    CHECK(n > 0 && n <= MAX_ROWS);
    const char *common[] = { "copy.in", "unpack", "head",
                             tiles ? "block.conv1.tiles" : "block.conv1", "block.gap", "block.sa",
                             tiles ? "block.conv2.tiles" : "block.conv2", "tail", "pack",
                             "copy.out", tiles ? "depth" : "head", tiles ? "tile_lists" : "head" };
    const char *heavy[] = { "mlp.heavy" }, *light[] = { "mlp.light" };
    const char *routed[] = { "classify", "args", "mlp.heavy", "mlp.light", "refine" };
    const char **dec = mode == ASR_DECODER_HEAVY ? heavy : mode == ASR_DECODER_LIGHT ? light
                                                                                      : routed;
    size_t n_dec = mode == ASR_DECODER_ROUTED ? 5 : 1;
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
        CHECK_MSG(find(rows, n, common[i]), "no row %s", common[i]);
    for (size_t i = 0; i < n_dec; i++)
        CHECK_MSG(find(rows, n, dec[i]), "no row %s", dec[i]);
    CHECK(n > 0 && !strcmp(rows[0].name, "copy.in"));
    CHECK(n > 0 && !strcmp(rows[n - 1].name, "copy.out"));
    CHECK(!find(rows, n, mode == ASR_DECODER_HEAVY ? "mlp.light" : "mlp.heavy") ||
          mode == ASR_DECODER_ROUTED);

    const AsrPassProfile *c1 = find(rows, n, tiles ? "block.conv1.tiles" : "block.conv1");
    const AsrPassProfile *head = find(rows, n, "head");
    CHECK(tiles || !find(rows, n, "block.conv1.tiles"));
    CHECK(!tiles || st.op.macs_skipped > 0.0 || st.op.mean_depth == st.op.depth);
    if (c1 && head) {
        CHECK_MSG(c1->dispatches == st.op.depth * st.plan.encoder_bands,
                  "conv1: %u dispatches, depth %u x %u bands", c1->dispatches, st.op.depth,
                  st.plan.encoder_bands);
        CHECK(head->dispatches == st.plan.encoder_bands);
    }
    const AsrPassProfile *pack = find(rows, n, "pack");
    CHECK(!pack || pack->dispatches == st.plan.decoder_bands);

    double macs = 0.0, ms = 0.0, bytes = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        CHECK_MSG(rows[i].gpu_ms >= 0.0 && rows[i].macs >= 0.0 && rows[i].bytes >= 0.0,
                  "row %s: %g ms, %g MACs, %g bytes", rows[i].name, rows[i].gpu_ms,
                  rows[i].macs, rows[i].bytes);
        CHECK(rows[i].dispatches > 0);
        CHECK(strcmp(rows[i].name, "untimed") != 0);
        macs += rows[i].macs;
        ms += rows[i].gpu_ms;
        bytes += rows[i].bytes;
    }
    /* the cost model + the tail's head recompute (+ overlapping decoder rows) */
    double F = asr_engine_debug_model(e)->arch.F;
    double expect = st.op.macs + 27.0 * F * IN_W * IN_H;
    if (banded || st.plan.decoder_bands > 1) {
        /* decoder windows: at most 4 rows more than their band (the row
         * above for pack's chroma, routed: one more on each side) */
        const AsrArch *a = &asr_engine_debug_model(e)->arch;
        double per_px = asr_model_mlp_macs(a, 1) + asr_model_cls_macs(a);
        double extra = 4.0 * 2 * IN_W * st.plan.decoder_bands * per_px;
        CHECK_MSG(macs >= expect * (1 - 1e-9) && macs <= expect + extra,
                  "MACs %.0f, expected %.0f + at most %.0f (overlap)", macs, expect, extra);
    } else {
        CHECK_MSG(fabs(macs - expect) <= 1e-9 * expect, "MACs %.0f, expected %.0f", macs,
                  expect);
    }
    CHECK(bytes > 0.0);
    CHECK_MSG(ms > 0.0 && fabs(ms - st.time.gpu_ms) <= 0.05 * st.time.gpu_ms + 1.0,
              "profile %.3f ms, time.gpu_ms %.3f", ms, st.time.gpu_ms);
    fprintf(stderr, "subnet %d %s, %u/%u bands: %u rows, %.0f MACs (model %.0f), %.2f ms "
            "(frame %.2f ms)\n", subnet, mode == ASR_DECODER_HEAVY ? "heavy" :
            mode == ASR_DECODER_LIGHT ? "light" : "routed", st.plan.encoder_bands, st.plan.decoder_bands,
            n, macs, st.op.macs, ms, st.time.gpu_ms);
    for (uint32_t i = 0; i < n; i++)
        fprintf(stderr, "  %-12s %4u %10.3f ms %12.0f MAC %10.0f B\n", rows[i].name,
                rows[i].dispatches, rows[i].gpu_ms, rows[i].macs, rows[i].bytes);
    return n;
}

int main(void)
{
    if (asr_device_count() <= 0) {
        fprintf(stderr, "no Vulkan device: skipped\n");
        return 77;
    }
    static AsrPassProfile rows[MAX_ROWS];
    AsrEngine *e = new_engine(0);

    /* off by default, and NULL-safe */
    run_frame(e);
    CHECK(asr_engine_get_profile(e, rows, MAX_ROWS) == 0);
    CHECK(asr_engine_get_profile(NULL, rows, MAX_ROWS) == 0);
    CHECK_STATUS(asr_engine_set_profiling(NULL, 1), ASR_ERROR_INVALID_ARGUMENT);

    CHECK_STATUS(asr_engine_set_profiling(e, 1), ASR_OK);
    CHECK(asr_engine_get_profile(e, rows, MAX_ROWS) == 0); /* no profiled frame yet */
    check_frame(e, 0, ASR_DECODER_HEAVY, 0, rows, 1.0f);
    check_frame(e, 0, ASR_DECODER_LIGHT, 0, rows, 1.0f);
    check_frame(e, 1, ASR_DECODER_ROUTED, 0, rows, 1.0f);
    if (asr_engine_debug_model(e)->arch.depth_tile) /* a model with a depth adapter */
        check_frame(e, 3, ASR_DECODER_HEAVY, 0, rows, 0.5f);
    CHECK(asr_engine_get_profile(e, rows, 3) == 3); /* max honoured */

    /* off: no rows, and none after a frame */
    CHECK_STATUS(asr_engine_set_profiling(e, 0), ASR_OK);
    CHECK(asr_engine_get_profile(e, rows, MAX_ROWS) == 0);
    run_frame(e);
    CHECK(asr_engine_get_profile(e, rows, MAX_ROWS) == 0);

    /* the ceilings */
    AsrDeviceCeiling ceil;
    CHECK_STATUS(asr_engine_probe_ceiling(NULL, &ceil), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_probe_ceiling(e, &ceil), ASR_OK);
    CHECK_MSG(ceil.fp32_gflops > 0.0 && ceil.copy_gbps > 0.0 && ceil.fp16_gflops >= 0.0,
              "fp32 %g GMAC/s, fp16 %g GMAC/s, copy %g GB/s", ceil.fp32_gflops,
              ceil.fp16_gflops, ceil.copy_gbps);
    fprintf(stderr, "ceiling: fp32 %.2f GMAC/s, fp16 %.2f GMAC/s, copy %.2f GB/s\n",
            ceil.fp32_gflops, ceil.fp16_gflops, ceil.copy_gbps);
    asr_engine_free(&e);

    /* bands of one LR row: more dispatches than the first pool holds (a
     * model with a depth adapter has bands of whole tiles: one band here) */
    e = new_engine(1);
    CHECK_STATUS(asr_engine_set_profiling(e, 1), ASR_OK);
    AsrOpChoice op = { 0, ASR_DECODER_ROUTED, asr_engine_default_k(e), 1.0f };
    CHECK_STATUS(asr_engine_set_op(e, &op), ASR_OK);
    run_frame(e);
    uint32_t n = asr_engine_get_profile(e, rows, MAX_ROWS);
    if (!asr_engine_debug_model(e)->arch.depth_tile)
        CHECK_MSG(n > 0 && find(rows, n, "untimed"), "the first banded frame has no untimed row");
    check_frame(e, 0, ASR_DECODER_ROUTED, 1, rows, 1.0f); /* the pool grew: whole */
    asr_engine_free(&e);

    if (test_failures)
        fprintf(stderr, "%d check(s) failed\n", test_failures);
    return test_failures != 0;
}
