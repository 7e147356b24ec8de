/*
 * API contract of libanysr: status strings, argument checks, unsupported
 * scales and formats with messages, process before configure, a failed
 * configure keeping the previous one, reconfiguration without pipeline
 * creation and with grow-only buffers, stats and timestamps; ANYSR_*
 * values that cannot be used each warned about, naming the value and the
 * rule (docs/design.md#settings).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L /* setenv */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asr_test.h"

static void test_status_strings(void)
{
    const AsrStatus all[] = { ASR_OK, ASR_ERROR_INVALID_ARGUMENT, ASR_ERROR_NO_MEMORY,
                              ASR_ERROR_NO_DEVICE, ASR_ERROR_VULKAN, ASR_ERROR_UNSUPPORTED,
                              ASR_ERROR_MODEL, ASR_ERROR_NOT_CONFIGURED, ASR_ERROR_DEVICE_LOST };
    for (size_t i = 0; i < ASR_ARRAY_SIZE_(all); i++) {
        const char *s = asr_status_to_string(all[i]);
        CHECK(s && *s && strcmp(s, "unknown status") != 0);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(s, asr_status_to_string(all[j])) != 0);
    }
    CHECK(!strcmp(asr_status_to_string(ASR_OK), "ok"));
    CHECK(!strcmp(asr_status_to_string((AsrStatus)-1234), "unknown status"));
    CHECK(!strcmp(asr_version(), "0.1.0"));
}

static void test_settings(void)
{
    AsrSettings s;
    asr_settings_default(&s);
    CHECK(s.device_index == -1);
    CHECK(s.log_level == ASR_LOG_WARNING);
    CHECK(s.model_path == NULL && s.log_callback == NULL);
    const char *v = getenv("ANYSR_VALIDATION");
    CHECK(s.validation == (v && *v && strcmp(v, "0") != 0));
    asr_settings_default(NULL);

    AsrEngine *e = (AsrEngine *)&s;
    CHECK_STATUS(asr_engine_new(NULL, &e), ASR_ERROR_INVALID_ARGUMENT);
    CHECK(e == NULL);
    CHECK_STATUS(asr_engine_new(&s, NULL), ASR_ERROR_INVALID_ARGUMENT);
    s.reserved[3] = 1;
    CHECK_STATUS(asr_engine_new(&s, &e), ASR_ERROR_INVALID_ARGUMENT);
    s.reserved[3] = 0;
    s.device_index = -2;
    CHECK_STATUS(asr_engine_new(&s, &e), ASR_ERROR_INVALID_ARGUMENT);
    s.device_index = 999; /* no such device */
    CHECK_STATUS(asr_engine_new(&s, &e), ASR_ERROR_NO_DEVICE);
    CHECK(e == NULL);

    asr_engine_free(NULL);
    e = NULL;
    asr_engine_free(&e);
    CHECK(asr_engine_get_stats(NULL, NULL) == ASR_ERROR_INVALID_ARGUMENT);
    CHECK(asr_engine_configure(NULL, NULL, NULL) == ASR_ERROR_INVALID_ARGUMENT);
    CHECK(asr_engine_process(NULL, NULL, NULL) == ASR_ERROR_INVALID_ARGUMENT);
    CHECK(!strcmp(asr_engine_last_error(NULL), ""));
    CHECK(asr_device_count() >= 1);
}

static AsrFrameInfo info(AsrPixelFormat f, uint32_t w, uint32_t h)
{
    AsrFrameInfo i = { .format = f, .width = w, .height = h };
    return i;
}

static void expect_unsupported(AsrEngine *e, uint32_t iw, uint32_t ih, uint32_t ow, uint32_t oh,
                               const char *needle)
{
    AsrFrameInfo in = info(ASR_FORMAT_RGBA, iw, ih), out = info(ASR_FORMAT_RGBA, ow, oh);
    CHECK_STATUS(asr_engine_configure(e, &in, &out), ASR_ERROR_UNSUPPORTED);
    const char *msg = asr_engine_last_error(e);
    if (!strstr(msg, needle)) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg, needle);
        test_failures++;
    }
}

static int log_count;
static void counting_log(void *user, AsrLogLevel level, const char *msg)
{
    (void)user;
    log_count++;
    fprintf(stderr, "[anysr %d] %s\n", (int)level, msg);
}

static void test_engine(void)
{
    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = counting_log;
    s.log_level = ASR_LOG_DEBUG;
    s.model_path = NULL; /* the embedded default model */
    AsrEngine *e = NULL;
    CHECK_STATUS(asr_engine_new(&s, &e), ASR_OK);
    if (!e)
        return;
    CHECK(log_count > 0);
    CHECK(strlen(asr_engine_device_name(e)) > 0);

    AsrStats st0;
    CHECK_STATUS(asr_engine_get_stats(e, &st0), ASR_OK);
    /* io 2 + bicubic 2 + network 12 pipelines (4 conv roles, gap, sa,
     * classify, args, 2 MLPs, refine, bilinear); weights uploaded once
     * (weights, their staging buffer, attention values and the counter
     * read-back; with the coopmat kernels also the repacked fp16 weights and
     * their own staging buffer) */
    /* a model with a depth adapter: 4 more (the adapter, the tile lists,
     * conv1 and conv2 over tile lists) */
    uint32_t adapter = asr_engine_default_depth_target(e) < 1.0f;
    /* passes, whose pipelines the frames that run them create
     * (docs/design.md#kernels): none yet */
    CHECK_MSG(st0.pipelines.described == 16 + 4 * adapter, "%u passes",
              st0.pipelines.described);
    CHECK_MSG(st0.counts.pipelines_created == 0, "%llu pipelines",
              (unsigned long long)st0.counts.pipelines_created);
    CHECK(st0.pipelines.create_ms == 0.0);
    CHECK_MSG(st0.counts.buffer_allocations == 4u + 2u * (st0.plan.kernels == ASR_KERNELS_COOPMAT),
              "%llu buffers (kernels %d)", (unsigned long long)st0.counts.buffer_allocations,
              (int)st0.plan.kernels);
    CHECK(st0.counts.frames == 0 && st0.counts.configures == 0 && st0.counts.weight_uploads == 1);

    /* process before configure */
    uint8_t px[4 * 64 * 64] = { 0 }, big[4 * 128 * 128];
    AsrFrame fin = { { px }, { 4 * 8 } }, fout = { { big }, { 4 * 16 } };
    CHECK_STATUS(asr_engine_process(e, &fin, &fout), ASR_ERROR_NOT_CONFIGURED);
    CHECK(strlen(asr_engine_last_error(e)) > 0);

    /* invalid arguments */
    AsrFrameInfo in = info(ASR_FORMAT_RGBA, 8, 8), out = info(ASR_FORMAT_RGBA, 16, 16);
    CHECK_STATUS(asr_engine_configure(e, NULL, &out), ASR_ERROR_INVALID_ARGUMENT);
    AsrFrameInfo bad = in;
    bad.width = 0;
    CHECK_STATUS(asr_engine_configure(e, &bad, &out), ASR_ERROR_INVALID_ARGUMENT);
    bad = in;
    bad.format = ASR_FORMAT_UNKNOWN;
    CHECK_STATUS(asr_engine_configure(e, &bad, &out), ASR_ERROR_INVALID_ARGUMENT);
    bad.format = (AsrPixelFormat)77;
    CHECK_STATUS(asr_engine_configure(e, &bad, &out), ASR_ERROR_INVALID_ARGUMENT);
    bad = in;
    bad.matrix = (AsrColorMatrix)9;
    CHECK_STATUS(asr_engine_configure(e, &bad, &out), ASR_ERROR_INVALID_ARGUMENT);

    /* unsupported: formats differ, scales out of [1, 8] */
    AsrFrameInfo yuv = info(ASR_FORMAT_I420, 16, 16);
    CHECK_STATUS(asr_engine_configure(e, &in, &yuv), ASR_ERROR_UNSUPPORTED);
    CHECK(strstr(asr_engine_last_error(e), "differs") != NULL);
    expect_unsupported(e, 16, 16, 8, 8, "scale 0.50 x 0.50");
    expect_unsupported(e, 16, 16, 8, 8, "below the minimum 1.0");
    expect_unsupported(e, 16, 16, 16, 15, "below the minimum");
    expect_unsupported(e, 4, 4, 36, 36, "scale 9.00 x 9.00");
    expect_unsupported(e, 4, 4, 36, 36, "above the maximum 8.0");
    expect_unsupported(e, 4, 4, 4, 36, "above the maximum");
    /* larger than the device can address in one buffer */
    expect_unsupported(e, 4000, 4000, 32000, 32000, "maxStorageBufferRange");
    /* 4 x 4294967295 bytes a row, in 64 bits (16-byte aligned) */
    expect_unsupported(e, 4294967295u, 1, 4294967295u, 1, "needs 17179869184 bytes");
    CHECK_STATUS(asr_engine_process(e, &fin, &fout), ASR_ERROR_NOT_CONFIGURED);

    AsrStats st;
    asr_engine_get_stats(e, &st);
    CHECK(st.counts.buffer_allocations == st0.counts.buffer_allocations);
    CHECK(st.counts.configures == 0);

    /* a good configuration, then a bad one keeps it */
    CHECK_STATUS(asr_engine_configure(e, &in, &out), ASR_OK);
    CHECK(!strcmp(asr_engine_last_error(e), ""));
    expect_unsupported(e, 16, 16, 8, 8, "below");
    for (int i = 0; i < 8 * 8 * 4; i++)
        px[i] = (uint8_t)(i * 37);
    memset(big, 0, sizeof(big));
    CHECK_STATUS(asr_engine_process(e, &fin, &fout), ASR_OK);
    int nonzero = 0;
    for (int i = 0; i < 16 * 16 * 4; i++)
        nonzero += big[i] != 0;
    CHECK(nonzero > 0);
    /* the frame created the pipelines of the passes it ran, once: the frame
     * I/O, head, tail, gap, sa, bilinear (alpha), classify, args, 2 MLPs,
     * refine, and conv1 and conv2 at fixed depth, or with spatial depth
     * (the model's default target) the adapter, the tile lists and conv1
     * and conv2 over them; never the bicubic pass */
    AsrStats first;
    asr_engine_get_stats(e, &first);
    uint32_t tiled = first.op.depth_target < 1.0f;
    CHECK_MSG(first.counts.pipelines_created == 14 + 2 * tiled, "%llu pipelines of %u",
              (unsigned long long)first.counts.pipelines_created, first.pipelines.described);
    CHECK(first.pipelines.described == st0.pipelines.described);
    CHECK(first.pipelines.create_ms > 0.0 && first.pipelines.frame_create_ms > 0.0 &&
          first.pipelines.frame_create_ms <= first.pipelines.create_ms &&
          first.pipelines.frame_create_ms <= first.time.wall_ms);

    /* bad frames */
    AsrFrame short_stride = { { px }, { 4 * 8 - 1 } };
    CHECK_STATUS(asr_engine_process(e, &short_stride, &fout), ASR_ERROR_INVALID_ARGUMENT);
    AsrFrame null_plane = { { NULL }, { 4 * 16 } };
    CHECK_STATUS(asr_engine_process(e, &fin, &null_plane), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_process(e, NULL, &fout), ASR_ERROR_INVALID_ARGUMENT);

    asr_engine_get_stats(e, &st);
    CHECK(st.counts.frames == 1);
    CHECK(st.counts.configures == 1);
    CHECK(st.time.gpu_ms >= 0.0 && st.time.upload_ms >= 0.0 && st.time.compute_ms >= 0.0 &&
          st.time.download_ms >= 0.0 && st.time.wall_ms > 0.0);
    CHECK(st.time.gpu_ms <= st.time.upload_ms + st.time.compute_ms + st.time.download_ms + 1e-9);
    printf("8x8 -> 16x16: gpu %.3f ms (upload %.3f, compute %.3f, download %.3f), wall %.3f ms\n",
           st.time.gpu_ms, st.time.upload_ms, st.time.compute_ms, st.time.download_ms,
           st.time.wall_ms);

    /* reconfigure: largest first, then many smaller sizes: no new buffers,
     * no new pipelines */
    AsrFrameInfo lin = info(ASR_FORMAT_RGBA, 64, 64), lout = info(ASR_FORMAT_RGBA, 128, 128);
    CHECK_STATUS(asr_engine_configure(e, &lin, &lout), ASR_OK);
    AsrFrame lfin = { { px }, { 4 * 64 } }, lfout = { { big }, { 4 * 128 } };
    CHECK_STATUS(asr_engine_process(e, &lfin, &lfout), ASR_OK);
    AsrStats after_big;
    asr_engine_get_stats(e, &after_big);
    CHECK(after_big.counts.buffer_allocations > st.counts.buffer_allocations);
    static const AsrPixelFormat fmts[] = { ASR_FORMAT_RGBA, ASR_FORMAT_BGRX, ASR_FORMAT_I420,
                                           ASR_FORMAT_NV12 };
    for (uint32_t k = 0; k < 24; k++) {
        uint32_t w = 3 + k * 2, h = 2 + (k * 5) % 60;
        AsrFrameInfo a = info(fmts[k % 4], w, h);
        AsrFrameInfo b = info(fmts[k % 4], w + w * (k % 7) / 7, h * (1 + k % 2));
        CHECK_STATUS(asr_engine_configure(e, &a, &b), ASR_OK);
        AsrFrame fa = { { px, px, px }, { 4 * 64, 4 * 64, 4 * 64 } };
        AsrFrame fb = { { big, big + 128 * 64 * 4, big + 128 * 96 * 4 }, { 128, 128, 128 } };
        if (a.format < ASR_FORMAT_I420)
            fb.stride[0] = 4 * 128;
        CHECK_STATUS(asr_engine_process(e, &fa, &fb), ASR_OK);
    }
    asr_engine_get_stats(e, &st);
    CHECK(st.counts.pipelines_created == first.counts.pipelines_created);
    CHECK(st.pipelines.frame_create_ms == 0.0);
    CHECK(st.counts.weight_uploads == 1);
    CHECK(st.counts.buffer_allocations == after_big.counts.buffer_allocations);
    CHECK(st.counts.configures == 26);
    CHECK(st.counts.frames == 26);
    printf("after %llu configures: %llu pipelines, %llu buffer allocations\n",
           (unsigned long long)st.counts.configures, (unsigned long long)st.counts.pipelines_created,
           (unsigned long long)st.counts.buffer_allocations);

    /* growing again allocates again */
    AsrFrameInfo gin = info(ASR_FORMAT_RGBA, 64, 64), gout = info(ASR_FORMAT_RGBA, 256, 256);
    CHECK_STATUS(asr_engine_configure(e, &gin, &gout), ASR_OK);
    AsrStats grown;
    asr_engine_get_stats(e, &grown);
    CHECK(grown.counts.buffer_allocations > st.counts.buffer_allocations);
    CHECK(grown.counts.pipelines_created == first.counts.pipelines_created);
    CHECK(grown.counts.validation_messages == 0);

    asr_engine_free(&e);
    CHECK(e == NULL);
}

/* MACs of a frame on the default model (F 32, chunk 8, sa_hidden 16, heavy
 * MLP 36-64-64-3, light 36-16-3, classifier 36-2), written out from
 * train/anysr_train/network.py macs() independently of src/model/model.c. */
static double default_model_macs(double c, double d, int decoder, double hf, double ih, double iw,
                                 double oh, double ow)
{
    const double F = 32, hs = 16, chunk = 8;
    double enc = (27 * F + d * 18 * F * c + 9 * F * F) * ih * iw;
    double sa = d * ((c + c / chunk * 2) * hs + hs * c);
    double heavy = 36 * 64 + 64 * 64 + 64 * 3, light = 36 * 16 + 16 * 3, cls = 36 * 2;
    double per_hr = hf * heavy + (1 - hf) * light + (decoder == ASR_DECODER_ROUTED ? cls : 0);
    return enc + sa + per_hr * oh * ow;
}

static int rel_close(double a, double b)
{
    return fabs(a - b) <= 1e-12 * fabs(b);
}

/* The operating-point API: ladder, scale cap, set_op, cost model, stats. */
static void test_ops(void)
{
    AsrEngine *e = test_engine_new();
    int n = asr_engine_num_subnets(e);
    CHECK(n == 4);
    CHECK(asr_engine_num_subnets(NULL) == ASR_ERROR_INVALID_ARGUMENT);
    static const uint32_t ladder[4][2] = { { 8, 2 }, { 16, 4 }, { 24, 6 }, { 32, 8 } };
    for (int i = 0; i < n && i < 4; i++) {
        uint32_t w = 0, d = 0;
        CHECK_STATUS(asr_engine_get_subnet(e, i, &w, &d), ASR_OK);
        CHECK(w == ladder[i][0] && d == ladder[i][1]);
    }
    uint32_t w, d;
    CHECK_STATUS(asr_engine_get_subnet(e, n, &w, &d), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_get_subnet(e, -1, &w, &d), ASR_ERROR_INVALID_ARGUMENT);
    CHECK(asr_engine_subnet_cap(e) == ASR_ERROR_NOT_CONFIGURED);
    CHECK(asr_engine_cost_macs(e, -1, ASR_DECODER_HEAVY, 0.0) < 0.0);
    /* anysr.arch of models/anysr-default.safetensors: "default_k", a small
     * knob (the loader suite checks the parsing against the file) */
    float k = asr_engine_default_k(e);
    CHECK_MSG(isfinite(k) && fabsf(k) <= 1.0f, "default k %g", (double)k);
    int adapter = asr_engine_default_depth_target(e) < 1.0f;

    AsrOpChoice bad = { 4, ASR_DECODER_HEAVY, 0.0f };
    CHECK_STATUS(asr_engine_set_op(e, &bad), ASR_ERROR_INVALID_ARGUMENT);
    bad.subnet = -2;
    CHECK_STATUS(asr_engine_set_op(e, &bad), ASR_ERROR_INVALID_ARGUMENT);
    bad.subnet = 0;
    bad.decoder = (AsrDecoderMode)3;
    CHECK_STATUS(asr_engine_set_op(e, &bad), ASR_ERROR_INVALID_ARGUMENT);
    bad.decoder = ASR_DECODER_ROUTED;
    bad.k = 1.0f / 0.0f;
    CHECK_STATUS(asr_engine_set_op(e, &bad), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_set_op(e, NULL), ASR_ERROR_INVALID_ARGUMENT);
    /* depth targets: 0 (the model's), (0, 1), >= 1 (fixed); not negative, not NaN */
    bad.k = k;
    bad.depth_target = -0.5f;
    CHECK_STATUS(asr_engine_set_op(e, &bad), ASR_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(asr_engine_last_error(e), "depth target") != NULL);
    bad.depth_target = NAN;
    CHECK_STATUS(asr_engine_set_op(e, &bad), ASR_ERROR_INVALID_ARGUMENT);
    static const float good_targets[] = { 0.0f, 0.3f, 1.0f, 2.5f };
    for (size_t i = 0; i < ASR_ARRAY_SIZE_(good_targets); i++) {
        AsrOpChoice op = { -1, ASR_DECODER_ROUTED, k, good_targets[i] };
        CHECK_STATUS(asr_engine_set_op(e, &op), ASR_OK);
    }
    /* the model's default target (1 without a depth adapter: fixed depth
     * whatever the choice, every point of the QoS list at 1); the adapter's
     * QoS lists are tests/controller/test_engine_qos.c's */
    CHECK(asr_engine_default_depth_target(e) > 0.0f && asr_engine_default_depth_target(e) <= 1.0f);
    CHECK(asr_engine_default_depth_target(NULL) == 0.0f);
    if (!adapter) {
        AsrOpChoice op = { -1, ASR_DECODER_ROUTED, k, 0.3f };
        CHECK_STATUS(asr_engine_set_op(e, &op), ASR_OK);
        CHECK(asr_engine_num_op_points(e) == n + 1);
        for (int p = 0; p < n + 1; p++) {
            AsrOpChoice pt;
            CHECK_STATUS(asr_engine_get_op_point(e, p, &pt), ASR_OK);
            CHECK(pt.depth_target == 1.0f && pt.subnet == (p ? p - 1 : 0));
        }
    }

    /* scale caps of the default model: <= 1.7 -> 1, <= 2.5 -> 2, else 3 */
    static const struct { uint32_t iw, ih, ow, oh; int cap; } caps[] = {
        { 10, 8, 10, 8, 1 }, { 10, 8, 17, 8, 1 }, { 10, 8, 18, 8, 2 }, { 10, 8, 20, 20, 2 },
        { 10, 8, 25, 8, 2 }, { 10, 8, 26, 8, 3 }, { 10, 8, 10, 32, 3 }, { 4, 4, 32, 32, 3 },
    };
    uint8_t src[4 * 10 * 8], dst[4 * 32 * 32];
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 29 + 7);
    for (size_t i = 0; i < ASR_ARRAY_SIZE_(caps); i++) {
        AsrFrameInfo in = info(ASR_FORMAT_RGBA, caps[i].iw, caps[i].ih);
        AsrFrameInfo out = info(ASR_FORMAT_RGBA, caps[i].ow, caps[i].oh);
        CHECK_STATUS(asr_engine_configure(e, &in, &out), ASR_OK);
        CHECK(asr_engine_subnet_cap(e) == caps[i].cap);
    }

    /* 10x8 -> 20x16 (x2: cap 2 = (24, 6)) */
    AsrFrameInfo in = info(ASR_FORMAT_RGBA, 10, 8), out = info(ASR_FORMAT_RGBA, 20, 16);
    CHECK_STATUS(asr_engine_configure(e, &in, &out), ASR_OK);
    AsrFrame fin = { { src }, { 4 * 10 } }, fout = { { dst }, { 4 * 20 } };
    AsrStats st0, st;
    asr_engine_get_stats(e, &st0);
    /* default: largest subnet allowed, routed, default k */
    {
        /* fixed depth (the cost model below); spatial depth: test_engine_qos.c */
        AsrOpChoice op = { -1, ASR_DECODER_ROUTED, k, 1.0f };
        CHECK_STATUS(asr_engine_set_op(e, &op), ASR_OK);
    }
    CHECK_STATUS(asr_engine_process(e, &fin, &fout), ASR_OK);
    asr_engine_get_stats(e, &st);
    CHECK(st.op.subnet == 2 && st.op.width == 24 && st.op.depth == 6);
    /* the routed frame's pipelines (as in test_engine(), at fixed depth;
     * its decoder holds both MLPs): the ops below run no other pass */
    uint64_t created = st.counts.pipelines_created;
    CHECK_MSG(created == 14, "%llu pipelines", (unsigned long long)created);
    /* fixed depth, nothing skipped */
    CHECK(st.op.depth_target == 1.0f && st.op.mean_depth == 6.0 &&
          st.op.macs_skipped == 0.0);
    CHECK(adapter || st.op.point == 3); /* (0, light), (0..2, routed) */
    CHECK(st.op.decoder == ASR_DECODER_ROUTED && st.op.k == k);
    CHECK(st.op.heavy_fraction >= 0.0 && st.op.heavy_fraction <= 1.0);
    double want = default_model_macs(24, 6, ASR_DECODER_ROUTED, st.op.heavy_fraction, 8, 10, 16,
                                     20);
    CHECK_MSG(rel_close(st.op.macs, want), "stats MACs %.1f, expected %.1f", st.op.macs, want);
    CHECK_MSG(rel_close(asr_engine_cost_macs(e, -1, ASR_DECODER_ROUTED, st.op.heavy_fraction),
                        want), "cost_macs");
    /* GPU times: measured (lavapipe has timestamps), the network inside the
     * whole GPU time, which lies inside the CPU's monotonic wall time */
    CHECK(st.time.encoder_ms >= 0.0 && st.time.decoder_ms >= 0.0);
    CHECK_MSG(st.time.gpu_ms == 0.0 || (st.time.encoder_ms > 0.0 && st.time.decoder_ms > 0.0),
              "encoder %.3f ms, decoder %.3f ms", st.time.encoder_ms, st.time.decoder_ms);
    CHECK_MSG(st.time.compute_ms <= st.time.gpu_ms + 1e-9 && st.time.gpu_ms <= st.time.wall_ms,
              "compute %.3f ms, gpu %.3f ms, wall %.3f ms", st.time.compute_ms, st.time.gpu_ms,
              st.time.wall_ms);
    printf("x2 routed (24,6): heavy %.3f, %.0f MACs, encoder %.3f ms, decoder %.3f ms\n",
           st.op.heavy_fraction, st.op.macs, st.time.encoder_ms, st.time.decoder_ms);

    /* every subnet and decoder: -1 runs the cap (2), a fixed subnet runs as
     * asked (3 too); switching
     * allocates nothing and creates no pipeline */
    for (int sn = -1; sn < n; sn++) {
        for (int m = 0; m < 3; m++) {
            AsrOpChoice op = { sn, (AsrDecoderMode)m, m == 2 ? 0.25f : 0.0f, 1.0f };
            CHECK_STATUS(asr_engine_set_op(e, &op), ASR_OK);
            CHECK_STATUS(asr_engine_process(e, &fin, &fout), ASR_OK);
            asr_engine_get_stats(e, &st);
            int expect = sn < 0 ? 2 : sn;
            CHECK(st.op.subnet == expect);
            CHECK(st.op.width == ladder[expect][0] && st.op.depth == ladder[expect][1]);
            CHECK((int)st.op.decoder == m);
            CHECK(m != 0 || st.op.heavy_fraction == 1.0);
            CHECK(m != 1 || st.op.heavy_fraction == 0.0);
            double hf = m == 0 ? 1.0 : m == 1 ? 0.0 : st.op.heavy_fraction;
            double mw = default_model_macs(ladder[expect][0], ladder[expect][1], m, hf, 8, 10,
                                           16, 20);
            CHECK_MSG(rel_close(st.op.macs, mw), "subnet %d decoder %d: %.1f MACs, expected %.1f",
                      sn, m, st.op.macs, mw);
            CHECK(rel_close(asr_engine_cost_macs(e, sn, (AsrDecoderMode)m, hf), mw));
        }
    }
    CHECK(asr_engine_cost_macs(e, 0, ASR_DECODER_LIGHT, 0.0) <
          asr_engine_cost_macs(e, 2, ASR_DECODER_HEAVY, 0.0));
    CHECK(asr_engine_cost_macs(e, 3, ASR_DECODER_HEAVY, 0.0) >
          asr_engine_cost_macs(e, 2, ASR_DECODER_HEAVY, 0.0));
    /* -1 is the cap (2 at x2); heavy: 8x10 LR, 16x20 HR */
    CHECK(rel_close(asr_engine_cost_macs(e, -1, ASR_DECODER_HEAVY, 0.0),
                    default_model_macs(24, 6, ASR_DECODER_HEAVY, 1.0, 8, 10, 16, 20)));
    CHECK(rel_close(default_model_macs(24, 6, ASR_DECODER_HEAVY, 1.0, 8, 10, 16, 20),
                    9556544.0)); /* the formula itself, by hand */
    CHECK(asr_engine_cost_macs(e, 0, ASR_DECODER_ROUTED, 1.5) < 0.0);
    asr_engine_get_stats(e, &st);
    CHECK(st.counts.pipelines_created == created);
    CHECK(st.counts.buffer_allocations == st0.counts.buffer_allocations);
    CHECK(st.counts.weight_uploads == 1);
    CHECK(st.counts.validation_messages == 0);
    asr_engine_free(&e);
}

static char warnings[4096];
static void collect_warnings(void *user, AsrLogLevel level, const char *msg)
{
    (void)user;
    fprintf(stderr, "[anysr %d] %s\n", (int)level, msg);
    if (level == ASR_LOG_WARNING && strlen(warnings) + strlen(msg) + 2 < sizeof(warnings)) {
        strcat(warnings, msg);
        strcat(warnings, "\n");
    }
}

/* Garbage in every ANYSR_* knob: the engine opens with the defaults and
 * one warning for each, naming the value and the rule */
static void test_env_warnings(void)
{
    static const struct { const char *name, *value, *rule; } knobs[] = {
        { "ANYSR_TILE", "12rows", "not a row count" },
        { "ANYSR_KERNELS", "cuda", "not simt, coopmat or auto" },
        { "ANYSR_CONV_BLOCK", "8;4;12;8;1", "not LX,LY,PX,COB,WSHARE" },
        { "ANYSR_CM_NSG", "17", "not a subgroup count" },
        { "ANYSR_CM_SPLIT", "no", "not 0 or 1" },
        { "ANYSR_MLP_SSBO", "yes", "the value is not read" },
        { "ANYSR_DEVICE", "first", "not a device index" },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE_(knobs); i++)
        setenv(knobs[i].name, knobs[i].value, 1);
    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = collect_warnings;
    warnings[0] = '\0';
    AsrEngine *e = NULL;
    CHECK_STATUS(asr_engine_new(&s, &e), ASR_OK);
    CHECK(s.tile_rows == 0 && s.kernels == ASR_KERNELS_AUTO);
    for (size_t i = 0; i < ASR_ARRAY_SIZE_(knobs); i++) {
        char want[96];
        snprintf(want, sizeof(want), "ignoring %s=%s: ", knobs[i].name, knobs[i].value);
        const char *w = strstr(warnings, want);
        CHECK_MSG(w && strstr(w, knobs[i].rule) && !strstr(w + 1, want),
                  "%s=%s: one warning with \"%s\": %s", knobs[i].name, knobs[i].value,
                  knobs[i].rule, warnings);
        unsetenv(knobs[i].name);
    }
    asr_engine_free(&e);
}

int main(void)
{
    test_env_warnings();
    test_status_strings();
    test_settings();
    test_engine();
    test_ops();
    if (test_failures)
        fprintf(stderr, "%d failure(s)\n", test_failures);
    return test_failures ? 1 : 0;
}
