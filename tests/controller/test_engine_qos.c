/*
 * The QoS controller inside the real engine (lavapipe): the operating-point
 * list, argument checks, a frame budget the full point cannot meet (chosen
 * from the full and cheapest points' times measured in this run), settling
 * on a cheaper point within 5 frames and holding the budget (GPU time) on
 * >= 95 % of the following frames, climbing back to full when the budget is
 * lifted, staying on full with no pressure, downstream lateness, the user's
 * subnet as a ceiling, and adaptation off again.
 *
 * No pass/fail check depends on the machine's speed or load (DESIGN
 * section 7): the engine reports synthetic times, 0.1 ms + 200 ms per G MACs
 * of each frame's cost model (internal.h asr_engine_debug_set_timing), so
 * the points' times keep the ratios of their costs on any machine. The
 * budget sits at the geometric mean of the cheapest point's wall time and
 * the full point's GPU time, as a real deployment's would. Measured times
 * under load are the benchmark's (anysr-bench --qos).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "test_common.h"

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
        g[i] = st.last_gpu_ms;
        w[i] = st.last_wall_ms;
    }
    qsort(g, n, sizeof(double), cmp_double);
    qsort(w, n, sizeof(double), cmp_double);
    *gpu = g[n / 2];
    *wall = w[n / 2];
}

int main(void)
{
    uint32_t seed = 12345;
    for (size_t i = 0; i < sizeof(in_px); i++)
        in_px[i] = (uint8_t)(test_rand(&seed) >> 24);

    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = test_log_cb;
    s.log_level = getenv("ANYSR_TEST_DEBUG") ? ASR_LOG_DEBUG : ASR_LOG_WARNING;
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
    CHECK(st.last_op_point == top && st.last_budget_ms == 0.0 && st.budget_unmeetable == 0);
    CHECK(st.fps_estimate > 0.0);

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
    AsrStats before = run(e); /* the controller starts at the ceiling */
    CHECK(before.last_op_point == atop);
    CHECK(fabs(before.last_budget_ms - budget) < 1e-6 * budget);
    for (int i = 0; i < N; i++) {
        st = run(e);
        point[i] = st.last_op_point;
        gpu[i] = st.last_gpu_ms;
        wall[i] = st.last_wall_ms;
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
           (unsigned long long)(st.controller_switches - before.controller_switches),
           (unsigned long long)st.frames_over_budget, st.last_predicted_ms, st.fps_estimate);
    CHECK(settle <= 5);
    CHECK(gshare >= 0.95);
    CHECK(st.last_predicted_ms > 0.0 && st.budget_unmeetable == 0);

    /* lifting the budget climbs back to full, and stays there */
    CHECK_STATUS(asr_engine_set_target(e, 1000.0 / (4.0 * full_wall), 0.85), ASR_OK);
    int back = -1;
    for (int i = 0; i < 150 && back < 0; i++) {
        st = run(e);
        if (st.last_op_point == atop)
            back = i;
    }
    int stayed = 1;
    for (int i = 0; i < 10; i++)
        stayed &= run(e).last_op_point == atop;
    printf("budget lifted to %.2f ms: full after %d frames, stayed %d\n", 4.0 * full_wall, back,
           stayed);
    CHECK(back >= 0);
    CHECK(stayed);

    /* downstream late: one step down at once */
    CHECK_STATUS(asr_engine_report_qos(e, 1.5, 20000000), ASR_OK);
    st = run(e);
    CHECK(st.last_op_point == atop - 1);
    st = run(e); /* consumed once */
    CHECK(st.last_op_point == atop - 1);

    /* the user's subnet is a ceiling */
    AsrOpChoice capped = { 1, ASR_DECODER_ROUTED, asr_engine_default_k(e) };
    CHECK_STATUS(asr_engine_set_op(e, &capped), ASR_OK);
    int above = 0;
    for (int i = 0; i < 12; i++)
        above += run(e).last_op_point > 3; /* floor, (0, light), (0, routed), (1, routed) */
    CHECK(above == 0);

    /* a budget no network point meets: the bicubic floor */
    CHECK_STATUS(asr_engine_set_target(e, 1000.0 / (0.3 * cheap_gpu), 0.85), ASR_OK);
    for (int i = 0; i < 6; i++)
        st = run(e);
    printf("budget %.2f ms: point %d (subnet %d), unmeetable %d\n", 0.3 * cheap_gpu,
           st.last_op_point, st.last_subnet, st.budget_unmeetable);
    CHECK(st.last_op_point == 0 && st.last_subnet == ASR_SUBNET_BICUBIC && st.last_macs == 0.0);

    /* a budget nothing meets: the floor, reported */
    CHECK_STATUS(asr_engine_set_target(e, 1e6, 0.85), ASR_OK);
    int unmeetable = 0;
    for (int i = 0; i < 6; i++) {
        st = run(e);
        unmeetable = st.budget_unmeetable;
    }
    printf("budget 0.001 ms: point %d, unmeetable %d\n", st.last_op_point, unmeetable);
    CHECK(st.last_op_point == 0 && st.last_subnet == ASR_SUBNET_BICUBIC && unmeetable);

    /* off again: the set_op choice */
    CHECK_STATUS(asr_engine_set_target(e, 0, 0), ASR_OK);
    CHECK_STATUS(asr_engine_set_op(e, &def), ASR_OK);
    st = run(e);
    CHECK(st.last_op_point == top && st.last_budget_ms == 0.0 && st.budget_unmeetable == 0);
    CHECK(st.validation_messages == 0);

    asr_engine_free(&e);
    if (test_failures)
        fprintf(stderr, "%d check(s) failed\n", test_failures);
    return test_failures ? 1 : 0;
}
