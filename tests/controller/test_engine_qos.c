/*
 * The QoS controller inside the real engine (lavapipe): the operating-point
 * list, argument checks, a frame budget the full point cannot meet (chosen
 * from the full and cheapest points' times measured in this run), settling
 * on a cheaper point within 5 frames and holding the budget (GPU time) on
 * >= 95 % of the following frames, climbing back to full when the budget is
 * lifted, staying on full with no pressure, downstream lateness, the user's
 * subnet as a ceiling, and adaptation off again.
 *
 * No pass/fail check depends on the machine's speed or load (docs/testing.md):
 * the engine reports synthetic times, 0.1 ms + 200 ms per G MACs
 * of each frame's cost model (internal.h asr_engine_debug_set_timing), so
 * the points' times keep the ratios of their costs on any machine. The
 * budget sits at the geometric mean of the cheapest point's wall time and
 * the full point's GPU time, as a real deployment's would. Measured times
 * under load are the benchmark's (anysr-bench --qos).
 *
 * Then spatial depth, on a model with a depth adapter written here (random
 * weights; tests/model/model_writer.h): the list with the depth points of
 * every subnet, ordered by nominal cost (a larger subnet at a low target
 * below a smaller one at full depth), the controller stepping from the
 * fixed-depth top to a depth point under a budget and holding it, its
 * predictions following the MACs adaptive frames ran, budgets held while
 * they shrink, the ceiling that skips points of larger subnets, a change
 * of depth target while adapting (the learned costs follow their points),
 * and the stats of every frame (op: point, depth_target, mean_depth,
 * macs_skipped, macs and the synthetic time
 * agree). Frames whose device counted blocks (mean depth > 0; at least
 * one must) have a mean depth below the subnet's and MACs skipped.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include <glib/gstdio.h>

#include "model_writer.h"
#include "asr_test.h"

#define IN_W 8
#define IN_H 8
#define OUT_W 24 /* scale 3: the scale-group cap is the full subnet */
#define OUT_H 24

static uint8_t in_px[IN_W * IN_H * 4], out_px[OUT_W * OUT_H * 4];
static AsrFrame fin = { { in_px }, { IN_W * 4 } }, fout = { { out_px }, { OUT_W * 4 } };

static AsrStats run(AsrEngine *e)
{
    AsrStats st;
    CHECK_STATUS(asr_engine_process(e, &fin, &fout), ASR_OK);
    CHECK_STATUS(asr_engine_get_stats(e, &st), ASR_OK);
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median GPU and wall ms of n frames at a fixed op */
static void measure(AsrEngine *e, const AsrOpChoice *op, int n, double *gpu, double *wall)
{
    double g[16], w[16];
    CHECK_STATUS(asr_engine_set_op(e, op), ASR_OK);
    run(e); /* warm-up */
    for (int i = 0; i < n; i++) {
        AsrStats st = run(e);
        g[i] = st.time.gpu_ms;
        w[i] = st.time.wall_ms;
    }
    qsort(g, n, sizeof(double), cmp_double);
    qsort(w, n, sizeof(double), cmp_double);
    *gpu = g[n / 2];
    *wall = w[n / 2];
}

/* ---- spatial depth ------------------------------------------------------ */

#define FAKE_MS_PER_GMAC 200.0
#define FAKE_FIXED_MS 0.1

/* The nominal cost of a point (the list's order): the blocks scaled by its
 * target, the adapter on every LR pixel, routed at a heavy fraction of 0.5 */
static double nominal_macs(const AsrArch *A, const AsrOpChoice *p)
{
    uint32_t c = A->ladder[p->subnet][0], d = A->ladder[p->subnet][1];
    double lr = IN_W * IN_H;
    double m = asr_model_macs(A, c, d, (int)p->decoder, -1.0, IN_W, IN_H, OUT_W, OUT_H);
    if (p->depth_target < 1.0f)
        m += ((p->depth_target - 1.0) * d * asr_model_block_macs_per_pixel(A, c) +
              asr_model_adapter_macs_per_pixel(A)) * lr;
    return m;
}

static int find_point(AsrEngine *e, int32_t subnet, AsrDecoderMode dec, float t)
{
    int np = asr_engine_num_op_points(e);
    for (int p = 0; p < np; p++) {
        AsrOpChoice op;
        CHECK_STATUS(asr_engine_get_op_point(e, p, &op), ASR_OK);
        if (op.subnet == subnet && op.decoder == dec && op.depth_target == t)
            return p;
    }
    return -1;
}

/* The list: ordered by nominal cost, the network points' targets among
 * `targets` (every subnet has each of them once), the light point at the
 * top target, the floor first when `floor`. Returns the count. */
static int check_list(AsrEngine *e, const AsrArch *A, const float *targets, int nt, int floor)
{
    int nsub = asr_engine_num_subnets(e), np = asr_engine_num_op_points(e);
    CHECK_MSG(np == floor + 1 + nsub * nt, "%d points, expected %d", np, floor + 1 + nsub * nt);
    double prev = 0.0;
    int seen[8][4] = { { 0 } };
    for (int p = 0; p < np; p++) {
        AsrOpChoice op;
        CHECK_STATUS(asr_engine_get_op_point(e, p, &op), ASR_OK);
        if (floor && p == 0) {
            CHECK(op.subnet == ASR_SUBNET_BICUBIC);
            continue;
        }
        if (op.decoder == ASR_DECODER_LIGHT) {
            CHECK(op.subnet == 0 && op.depth_target == targets[nt - 1]);
        } else {
            CHECK(op.decoder == ASR_DECODER_ROUTED);
            int t = -1;
            for (int i = 0; i < nt; i++)
                if (op.depth_target == targets[i])
                    t = i;
            CHECK_MSG(t >= 0 && op.subnet >= 0 && op.subnet < nsub, "point %d: subnet %d, "
                      "target %g", p, op.subnet, (double)op.depth_target);
            if (t >= 0 && op.subnet >= 0 && op.subnet < nsub)
                seen[op.subnet][t]++;
        }
        double m = nominal_macs(A, &op);
        CHECK_MSG(m >= prev, "point %d (subnet %d, target %g): %.0f MACs below the point "
                  "before's %.0f", p, op.subnet, (double)op.depth_target, m, prev);
        prev = m;
    }
    for (int sn = 0; sn < nsub; sn++)
        for (int i = 0; i < nt; i++)
            CHECK_MSG(seen[sn][i] == 1, "subnet %d target %g: %d points", sn, (double)targets[i],
                      seen[sn][i]);
    return np;
}

/* One frame; its stats agree with its point, the cost model and the
 * synthetic time. Counts the adaptive frames whose net counted blocks. */
static AsrStats depth_frame(AsrEngine *e, const AsrArch *A, int *counted)
{
    AsrStats st = run(e);
    AsrOpChoice op;
    CHECK_STATUS(asr_engine_get_op_point(e, st.op.point, &op), ASR_OK);
    CHECK(op.subnet == st.op.subnet);
    if (st.op.subnet < 0)
        return st;
    CHECK_MSG(op.depth_target == st.op.depth_target, "point %d: target %g, the frame ran %g",
              st.op.point, (double)op.depth_target, (double)st.op.depth_target);
    uint32_t c = st.op.width, d = st.op.depth;
    double lr = IN_W * IN_H;
    double full = asr_model_macs(A, c, d, st.op.decoder, st.op.heavy_fraction, IN_W, IN_H,
                                 OUT_W, OUT_H);
    if (st.op.depth_target >= 1.0f) {
        CHECK(st.op.mean_depth == d && st.op.macs_skipped == 0.0);
        CHECK_MSG(fabs(st.op.macs - full) <= 1e-9 * full, "fixed depth: %.0f MACs, %.0f",
                  st.op.macs, full);
    } else {
        double enc = asr_model_encoder_macs_per_pixel(A, c, d) * lr;
        double skipped = (d - st.op.mean_depth) * asr_model_block_macs_per_pixel(A, c) * lr;
        CHECK(st.op.mean_depth >= 0.0 && st.op.mean_depth <= d);
        CHECK(st.op.macs_skipped >= 0.0 && st.op.macs_skipped < 1.0);
        CHECK_MSG(fabs(st.op.macs_skipped * enc - skipped) <= 1e-6 * enc,
                  "skipped share %g of %.0f, %.0f MACs skipped", st.op.macs_skipped, enc,
                  skipped);
        double want = full - skipped + asr_model_adapter_macs_per_pixel(A) * lr;
        CHECK_MSG(fabs(st.op.macs - want) <= 1e-6 * want, "adaptive: %.0f MACs, %.0f",
                  st.op.macs, want);
        *counted += st.op.mean_depth > 0.0;
    }
    double ms = FAKE_FIXED_MS + FAKE_MS_PER_GMAC * st.op.macs * 1e-9;
    CHECK_MSG(fabs(st.time.wall_ms - ms) <= 1e-9 * ms && st.time.gpu_ms == st.time.wall_ms,
              "synthetic time %.4f ms, %.4f ms from the MACs", st.time.wall_ms, ms);
    return st;
}

static void test_depth(void)
{
    MwArch arch = mw_adapter_arch();
    char *path = mw_write_temp(&arch, "adapter.safetensors");
    CHECK(path != NULL);

    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = test_log_cb;
    s.log_level = getenv("ANYSR_TEST_DEBUG") ? ASR_LOG_DEBUG : ASR_LOG_WARNING;
    s.model_path = path;
    AsrEngine *e = NULL;
    CHECK_STATUS(asr_engine_new(&s, &e), ASR_OK);
    if (!e)
        goto done;
    const AsrArch *A = &asr_engine_debug_model(e)->arch;
    float k = asr_engine_default_k(e);
    int counted = 0;
    CHECK(asr_engine_default_depth_target(e) == 0.65f);
    AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = IN_W, .height = IN_H };
    AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = OUT_W, .height = OUT_H };
    CHECK_STATUS(asr_engine_configure(e, &in, &out), ASR_OK);
    asr_engine_debug_set_timing(e, FAKE_MS_PER_GMAC, FAKE_FIXED_MS);

    /* the lists: the default target (0.65) offers 0.4 and 0.65 per subnet;
     * 1 (fixed depth) 0.4, 0.65 and 1; 0.5 offers 0.4 and 0.5 */
    const float t_def[] = { 0.4f, 0.65f }, t_fixed[] = { 0.4f, 0.65f, 1.0f },
                t_half[] = { 0.4f, 0.5f };
    check_list(e, A, t_def, 2, 0);
    AsrOpChoice fixed = { -1, ASR_DECODER_ROUTED, k, 1.0f };
    CHECK_STATUS(asr_engine_set_op(e, &fixed), ASR_OK);
    int np = check_list(e, A, t_fixed, 3, 0);
    /* at scale 3 a larger subnet at a low target costs less than a
     * smaller one at full depth */
    int p2low = find_point(e, 2, ASR_DECODER_ROUTED, 0.4f);
    int p1top = find_point(e, 1, ASR_DECODER_ROUTED, 1.0f);
    CHECK_MSG(p2low >= 0 && p1top >= 0 && p2low < p1top, "(2, 0.4) at %d, (1, 1) at %d", p2low,
              p1top);
    AsrOpChoice half = { -1, ASR_DECODER_ROUTED, k, 0.5f };
    CHECK_STATUS(asr_engine_set_op(e, &half), ASR_OK);
    check_list(e, A, t_half, 2, 0);
    CHECK_STATUS(asr_engine_set_op(e, &fixed), ASR_OK);
    CHECK_STATUS(asr_engine_set_target(e, 30, 0), ASR_OK);
    check_list(e, A, t_fixed, 3, 1);
    CHECK_STATUS(asr_engine_set_target(e, 0, 0), ASR_OK);

    /* fixed depth, no adaptation: the top, every block */
    int top = find_point(e, 3, ASR_DECODER_ROUTED, 1.0f);
    CHECK(top == np - 1);
    AsrStats st = depth_frame(e, A, &counted);
    CHECK(st.op.point == top && st.op.depth_target == 1.0f && st.op.mean_depth == 8.0);
    double t_top = st.time.wall_ms;

    /* a budget the fixed-depth top misses: the next frame runs the point
     * below it, subnet 3 at 0.65 (its nominal cost fits the headroom), and
     * the budget holds from then on */
    double budget = t_top / 1.08;
    CHECK_STATUS(asr_engine_set_target(e, 1000.0 / budget, 0.85), ASR_OK);
    int atop = find_point(e, 3, ASR_DECODER_ROUTED, 1.0f);
    int a65 = find_point(e, 3, ASR_DECODER_ROUTED, 0.65f);
    CHECK(atop == top + 1 && a65 == atop - 1);
    st = depth_frame(e, A, &counted);
    /* the start: the best point predicted to fit (the prior), not the top */
    CHECK_MSG(st.op.point == a65, "first frame at %d, expected %d (the top is %d)", st.op.point,
              a65, atop);
    st = depth_frame(e, A, &counted);
    printf("depth: budget %.3f ms (top %.3f ms): point %d (subnet %d, target %g), mean depth "
           "%.2f of %u, %.1f %% of the encoder's MACs skipped\n", budget, t_top,
           st.op.point, st.op.subnet, (double)st.op.depth_target, st.op.mean_depth,
           st.op.depth, 100.0 * st.op.macs_skipped);
    CHECK_MSG(st.op.point == a65 && st.op.depth_target == 0.65f,
              "stepped down to %d (target %g), expected %d", st.op.point,
              (double)st.op.depth_target, a65);
    int ok = 0;
    const int N = 40;
    for (int i = 0; i < N; i++) {
        st = depth_frame(e, A, &counted);
        ok += st.time.gpu_ms <= budget;
    }
    CHECK_MSG(ok >= 0.95 * N, "%d of %d frames within the budget", ok, N);
    /* the prediction of an adaptive point follows the MACs it ran */
    if (st.op.depth_target < 1.0f)
        CHECK_MSG(fabs(st.qos.predicted_ms - st.time.wall_ms) <= 0.02 * st.time.wall_ms,
                  "point %d: predicted %.4f ms, ran %.4f ms", st.op.point,
                  st.qos.predicted_ms, st.time.wall_ms);

    /* the budget shrinking: each one held, frames on targets below 1 */
    int below1 = 0;
    const double shares[] = { 0.8, 0.6, 0.45, 0.3 };
    for (size_t b = 0; b < ASR_ARRAY_SIZE_(shares); b++) {
        double bud = shares[b] * t_top;
        CHECK_STATUS(asr_engine_set_target(e, 1000.0 / bud, 0.85), ASR_OK);
        int held = 0;
        for (int i = 0; i < 30; i++) {
            st = depth_frame(e, A, &counted);
            held += i >= 20 && st.time.gpu_ms <= bud;
            below1 += st.op.depth_target < 1.0f;
        }
        printf("depth: budget %.3f ms: point %d (subnet %d, target %g), %.3f ms, predicted "
               "%.3f ms\n", bud, st.op.point, st.op.subnet, (double)st.op.depth_target,
               st.time.wall_ms, st.qos.predicted_ms);
        CHECK_MSG(held == 10, "budget %.3f ms: %d of the last 10 frames within", bud, held);
    }
    CHECK(below1 > 0);

    /* the user's subnet 1 is the ceiling: (1, 1) the top, (2, 0.4) below
     * it in the list is never run */
    AsrOpChoice one = { 1, ASR_DECODER_ROUTED, k, 1.0f };
    CHECK_STATUS(asr_engine_set_op(e, &one), ASR_OK);
    CHECK_STATUS(asr_engine_set_target(e, 0, 0), ASR_OK); /* on again: from the ceiling */
    CHECK_STATUS(asr_engine_set_target(e, 1.0, 0.85), ASR_OK);
    int a1top = find_point(e, 1, ASR_DECODER_ROUTED, 1.0f);
    CHECK(find_point(e, 2, ASR_DECODER_ROUTED, 0.4f) < a1top);
    int above = 0, stepped = 0;
    for (int i = 0; i < 12; i++) {
        st = depth_frame(e, A, &counted);
        above += st.op.subnet > 1;
    }
    CHECK_MSG(st.op.point == a1top, "on %d, the ceiling is %d", st.op.point, a1top);
    CHECK_STATUS(asr_engine_set_target(e, 1000.0 / (st.time.wall_ms / 1.08), 0.85), ASR_OK);
    for (int i = 0; i < 20; i++) {
        st = depth_frame(e, A, &counted);
        above += st.op.subnet > 1;
        stepped += st.op.point < a1top;
    }
    printf("depth: ceiling subnet 1 (point %d): %d frames below it, %d above subnet 1\n", a1top,
           stepped, above);
    CHECK_MSG(above == 0, "%d frames above subnet 1", above);
    CHECK(stepped > 0);

    /* another depth target while adapting: a shorter list; the points
     * measured before keep their costs (a prediction at once) */
    AsrOpChoice def = { -1, ASR_DECODER_ROUTED, k, 0.0f };
    CHECK_STATUS(asr_engine_set_op(e, &def), ASR_OK);
    check_list(e, A, t_def, 2, 1);
    st = depth_frame(e, A, &counted);
    CHECK_MSG(st.op.depth_target < 1.0f && st.qos.predicted_ms > 0.0,
              "target %g, predicted %.3f ms", (double)st.op.depth_target, st.qos.predicted_ms);

    /* off again, the model's default target: the cap at 0.65 */
    CHECK_STATUS(asr_engine_set_target(e, 0, 0), ASR_OK);
    st = depth_frame(e, A, &counted);
    CHECK(st.op.point == find_point(e, 3, ASR_DECODER_ROUTED, 0.65f) &&
          st.op.depth_target == 0.65f && st.qos.budget_ms == 0.0);
    /* with the net's spatial depth: fewer blocks than the depth, MACs skipped */
    if (st.op.mean_depth > 0.0)
        CHECK_MSG(st.op.mean_depth < st.op.depth && st.op.macs_skipped > 0.0,
                  "target 0.65: mean depth %.2f of %u, %.3f skipped", st.op.mean_depth,
                  st.op.depth, st.op.macs_skipped);
    printf("depth: %d adaptive frame(s) with blocks counted by the device\n", counted);
    CHECK_MSG(counted > 0, "no adaptive frame had its blocks counted by the device");
    CHECK(st.counts.validation_messages == 0);
    asr_engine_free(&e);

done:
    mw_remove_temp(path);
}

int main(void)
{
    uint32_t seed = 12345;
    for (size_t i = 0; i < sizeof(in_px); i++)
        in_px[i] = (uint8_t)(test_rand(&seed) >> 24);

    /* the ladder of fixed-depth points: a model of the default architecture
     * without a depth adapter (written here, whatever the shipped model
     * has; the adapter's points are test_depth()'s) */
    MwArch fixed_arch = mw_default_arch();
    char *fixed_path = mw_write_temp(&fixed_arch, "fixed.safetensors");
    CHECK(fixed_path != NULL);
    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = test_log_cb;
    s.log_level = getenv("ANYSR_TEST_DEBUG") ? ASR_LOG_DEBUG : ASR_LOG_WARNING;
    s.model_path = fixed_path;
    AsrEngine *e = NULL;
    AsrStatus status = asr_engine_new(&s, &e);
    if (status < 0) {
        fprintf(stderr, "asr_engine_new: %s\n", asr_status_to_string(status));
        return 1;
    }
    AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = IN_W, .height = IN_H };
    AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = OUT_W, .height = OUT_H };
    CHECK_STATUS(asr_engine_configure(e, &in, &out), ASR_OK);
    asr_engine_debug_set_timing(e, 200.0, 0.1);

    /* the list: (0, light), then (i, routed) */
    int nsub = asr_engine_num_subnets(e);
    int np = asr_engine_num_op_points(e);
    CHECK(np == nsub + 1);
    AsrOpChoice ops[16], op;
    for (int p = 0; p < np && p < 16; p++)
        CHECK_STATUS(asr_engine_get_op_point(e, p, &ops[p]), ASR_OK);
    CHECK(ops[0].subnet == 0 && ops[0].decoder == ASR_DECODER_LIGHT);
    for (int p = 1; p < np; p++)
        CHECK(ops[p].subnet == p - 1 && ops[p].decoder == ASR_DECODER_ROUTED);
    for (int p = 1; p < np; p++)
        CHECK(asr_engine_cost_macs(e, ops[p].subnet, ops[p].decoder, 0.5) >
              asr_engine_cost_macs(e, ops[p - 1].subnet, ops[p - 1].decoder, 0.5));
    CHECK_STATUS(asr_engine_get_op_point(e, np, &op), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_get_op_point(e, -1, &op), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_get_op_point(e, 0, NULL), ASR_ERROR_INVALID_ARGUMENT);
    CHECK(asr_engine_num_op_points(NULL) == ASR_ERROR_INVALID_ARGUMENT);
    AsrOpChoice light = { -1, ASR_DECODER_LIGHT, asr_engine_default_k(e) };
    CHECK_STATUS(asr_engine_set_op(e, &light), ASR_OK);
    CHECK(asr_engine_num_op_points(e) == nsub);
    AsrOpChoice def = { -1, ASR_DECODER_ROUTED, asr_engine_default_k(e) };
    CHECK_STATUS(asr_engine_set_op(e, &def), ASR_OK);

    /* argument checks */
    CHECK_STATUS(asr_engine_set_target(NULL, 30, 0), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_set_target(e, -1, 0), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_set_target(e, NAN, 0), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_set_target(e, INFINITY, 0), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_set_target(e, 30, 0.4), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_set_target(e, 30, 1.1), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_report_qos(NULL, 1.0, 0), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_report_qos(e, -1.0, 0), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_report_qos(e, NAN, 0), ASR_ERROR_INVALID_ARGUMENT);
    /* adaptation on: the bicubic floor below them all */
    CHECK_STATUS(asr_engine_set_target(e, 30, 0), ASR_OK);
    CHECK(asr_engine_num_op_points(e) == np + 1);
    CHECK_STATUS(asr_engine_get_op_point(e, 0, &op), ASR_OK);
    CHECK(op.subnet == ASR_SUBNET_BICUBIC);
    for (int p = 1; p <= np; p++) {
        CHECK_STATUS(asr_engine_get_op_point(e, p, &op), ASR_OK);
        CHECK(op.subnet == ops[p - 1].subnet && op.decoder == ops[p - 1].decoder);
    }
    CHECK_STATUS(asr_engine_get_op_point(e, np + 1, &op), ASR_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(asr_engine_set_target(e, 0, 0), ASR_OK);
    CHECK(asr_engine_num_op_points(e) == np);

    /* adaptation off: the set_op choice, no budget, no QoS effect */
    CHECK_STATUS(asr_engine_report_qos(e, 2.0, 1000000), ASR_OK);
    AsrStats st = run(e);
    int top = np - 1;   /* the full point, adaptation off */
    int atop = top + 1; /* the same with adaptation on (the floor is point 0) */
    CHECK(asr_engine_subnet_cap(e) == nsub - 1);
    CHECK(st.op.point == top && st.qos.budget_ms == 0.0 && st.qos.budget_unmeetable == 0);
    CHECK(st.qos.fps_estimate > 0.0);

    /* the full and the cheapest point, measured in this run */
    double full_gpu, full_wall, cheap_gpu, cheap_wall;
    measure(e, &ops[top], 5, &full_gpu, &full_wall);
    measure(e, &ops[0], 5, &cheap_gpu, &cheap_wall);
    CHECK_STATUS(asr_engine_set_op(e, &def), ASR_OK);
    double budget = sqrt(cheap_wall * full_gpu);
    printf("full point: GPU %.2f ms, wall %.2f ms; cheapest: GPU %.2f ms, wall %.2f ms; "
           "budget %.2f ms (%.2f fps)\n", full_gpu, full_wall, cheap_gpu, cheap_wall, budget,
           1000.0 / budget);
    /* the premise: full misses the budget, the cheapest meets it with room */
    CHECK(full_gpu > 1.5 * cheap_wall);

    /* a budget the full point cannot meet */
    const int N = 160;
    int point[160];
    double gpu[160], wall[160];
    CHECK_STATUS(asr_engine_set_target(e, 1000.0 / budget, 0.85), ASR_OK);
    /* the controller starts at the best point predicted to fit from the
     * device's speed (docs/design.md#controller; with synthetic timing the
     * prior is that timing), not at the ceiling */
    AsrStats before = run(e);
    CHECK_MSG(before.op.point < atop && before.qos.predicted_ms > 0.0 &&
              before.qos.predicted_ms <= 0.85 * budget + 1e-9,
              "start at %d (top %d), predicted %.3f ms, budget %.3f ms", before.op.point, atop,
              before.qos.predicted_ms, budget);
    CHECK(strcmp(asr_qos_reason_name(before.ctrl.reason), "start") == 0 && before.ctrl.dwell == 1);
    CHECK(fabs(before.qos.budget_ms - budget) < 1e-6 * budget);
    for (int i = 0; i < N; i++) {
        st = run(e);
        point[i] = st.op.point;
        gpu[i] = st.time.gpu_ms;
        wall[i] = st.time.wall_ms;
    }
    int settle = 0; /* first frame from which every frame is on a cheaper point */
    for (int i = 0; i < N; i++)
        if (point[i] == atop)
            settle = i + 1;
    int gpu_ok = 0, wall_ok = 0, n_after = N - settle;
    int on[16] = { 0 };
    for (int i = settle; i < N; i++) {
        gpu_ok += gpu[i] <= budget;
        wall_ok += wall[i] <= budget;
        on[point[i]]++;
    }
    double gshare = n_after ? (double)gpu_ok / n_after : 0.0;
    printf("budget %.2f ms: settled on a cheaper point after %d frame(s) (plus the first at "
           "full); then %d frames: %.1f %% within budget by GPU time, %.1f %% by wall time; "
           "frames per point:", budget, settle, n_after, 100.0 * gshare,
           n_after ? 100.0 * wall_ok / n_after : 0.0);
    for (int p = 0; p <= np; p++)
        printf(" %d", on[p]);
    st = run(e);
    printf("; %llu switches, %llu frames over budget, predicted %.2f ms, fps estimate %.1f\n",
           (unsigned long long)(st.qos.switches - before.qos.switches),
           (unsigned long long)st.qos.frames_over_budget, st.qos.predicted_ms, st.qos.fps_estimate);
    CHECK(settle <= 5);
    CHECK(gshare >= 0.95);
    CHECK(st.qos.predicted_ms > 0.0 && st.qos.budget_unmeetable == 0);

    /* lifting the budget climbs back to full, and stays there */
    CHECK_STATUS(asr_engine_set_target(e, 1000.0 / (4.0 * full_wall), 0.85), ASR_OK);
    int back = -1;
    for (int i = 0; i < 150 && back < 0; i++) {
        st = run(e);
        if (st.op.point == atop)
            back = i;
    }
    int stayed = 1;
    for (int i = 0; i < 10; i++)
        stayed &= run(e).op.point == atop;
    printf("budget lifted to %.2f ms: full after %d frames, stayed %d\n", 4.0 * full_wall, back,
           stayed);
    CHECK(back >= 0);
    CHECK(stayed);

    /* downstream late: one step down at once */
    CHECK_STATUS(asr_engine_report_qos(e, 1.5, 20000000), ASR_OK);
    st = run(e);
    CHECK(st.op.point == atop - 1);
    st = run(e); /* consumed once */
    CHECK(st.op.point == atop - 1);

    /* the user's subnet is a ceiling */
    AsrOpChoice capped = { 1, ASR_DECODER_ROUTED, asr_engine_default_k(e) };
    CHECK_STATUS(asr_engine_set_op(e, &capped), ASR_OK);
    int above = 0;
    for (int i = 0; i < 12; i++)
        above += run(e).op.point > 3; /* floor, (0, light), (0, routed), (1, routed) */
    CHECK(above == 0);

    /* a budget no network point meets: the bicubic floor */
    CHECK_STATUS(asr_engine_set_target(e, 1000.0 / (0.3 * cheap_gpu), 0.85), ASR_OK);
    for (int i = 0; i < 6; i++)
        st = run(e);
    printf("budget %.2f ms: point %d (subnet %d), unmeetable %d\n", 0.3 * cheap_gpu,
           st.op.point, st.op.subnet, st.qos.budget_unmeetable);
    CHECK(st.op.point == 0 && st.op.subnet == ASR_SUBNET_BICUBIC && st.op.macs == 0.0);

    /* a budget nothing meets: the floor, reported */
    CHECK_STATUS(asr_engine_set_target(e, 1e6, 0.85), ASR_OK);
    int unmeetable = 0;
    for (int i = 0; i < 6; i++) {
        st = run(e);
        unmeetable = st.qos.budget_unmeetable;
    }
    printf("budget 0.001 ms: point %d, unmeetable %d\n", st.op.point, unmeetable);
    CHECK(st.op.point == 0 && st.op.subnet == ASR_SUBNET_BICUBIC && unmeetable);

    /* off again: the set_op choice */
    CHECK_STATUS(asr_engine_set_target(e, 0, 0), ASR_OK);
    CHECK_STATUS(asr_engine_set_op(e, &def), ASR_OK);
    st = run(e);
    CHECK(st.op.point == top && st.qos.budget_ms == 0.0 && st.qos.budget_unmeetable == 0);
    CHECK(st.counts.validation_messages == 0);

    asr_engine_free(&e);
    mw_remove_temp(fixed_path);
    test_depth();
    if (test_failures)
        fprintf(stderr, "%d check(s) failed\n", test_failures);
    return test_failures ? 1 : 0;
}
