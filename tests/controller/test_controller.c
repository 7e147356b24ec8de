/*
 * The QoS controller (src/control/controller.h) driven by a simulated device:
 * device ms = load * (eff[point] * rate * MACs + overhead) * noise, host ms
 * per pixel on top; no Vulkan, no clock. Scenarios: a load step up and down,
 * a slowly drifting device, noisy timings (no flapping), a budget no point
 * can meet, a budget every point meets, the ceiling, a change of sizes, QoS
 * lateness, points the caller excludes below the ceiling (spatial depth: a
 * larger subnet at a low depth target), a change of the list (remap), and
 * the acceptance case (full misses the budget: settle <= 5
 * frames, >= 95 % within budget after, lifting the budget climbs back);
 * then the policy of docs/design.md#controller: the start point from the
 * prior (the device's probed speed), a floor of known cost in ms (a CPU
 * scaler) holding the stream, probing up from the floor (a pessimistic
 * prior corrected, a point far over the budget never probed, a failed
 * probe backed off) and the minimum dwell after a step up.
 * Each prints its numbers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "asr_test.h"

/* ---- the simulated device ---------------------------------------------- */

#define NP 6 /* (0, light), (0..4, routed): the engine's list for a 5-rung ladder */
static const double enc_pp[NP] = { 19e3, 19e3, 40e3, 70e3, 110e3, 157e3 }; /* per LR pixel */
static const double dec_pp[NP] = { 0.6e3, 3.7e3, 3.7e3, 3.7e3, 3.7e3, 3.7e3 }; /* per HR pixel */
/* per-MAC efficiency: small subnets use the device less well, so the
 * controller's "same rate as the neighbour" guess is off by 5-15 % */
static const double eff[NP] = { 1.35, 1.25, 1.15, 1.05, 1.0, 0.95 };

typedef struct Sim {
    uint32_t in_w, in_h, out_w, out_h;
    double rate;        /* ms per MAC at load 1 */
    double overhead_ms; /* fixed per frame, not in the controller's model */
    double host_rate;   /* ms per io pixel */
    double load;        /* multiplies the device time */
    double noise_sd;    /* relative, gaussian */
    double spike_p;     /* probability of a 2x spike */
    double floor_ms;    /* > 0: point 0 is a CPU scaler of this cost (wall, no GPU) */
    uint64_t rng;
} Sim;

static double uniform(Sim *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return ((s->rng >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double gauss(Sim *s)
{
    double u1 = uniform(s), u2 = uniform(s);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static double sim_macs(const Sim *s, int p)
{
    return enc_pp[p] * s->in_w * s->in_h + dec_pp[p] * s->out_w * s->out_h;
}

static double sim_pixels(const Sim *s)
{
    return (double)s->in_w * s->in_h + (double)s->out_w * s->out_h;
}

/* mean (noise-free) GPU and wall ms of point p */
static double sim_mean_gpu(const Sim *s, int p)
{
    return s->load * (eff[p] * s->rate * sim_macs(s, p) + s->overhead_ms);
}

static void sim_run(Sim *s, int p, double *gpu, double *wall)
{
    if (p == 0 && s->floor_ms > 0.0) {
        *gpu = 0.0;
        *wall = s->floor_ms * (1.0 + s->noise_sd * fabs(gauss(s)));
        return;
    }
    double n = 1.0 + s->noise_sd * gauss(s);
    if (n < 0.3)
        n = 0.3;
    if (s->spike_p > 0.0 && uniform(s) < s->spike_p)
        n *= 2.0;
    *gpu = sim_mean_gpu(s, p) * n;
    *wall = *gpu + s->host_rate * sim_pixels(s) * (1.0 + 0.05 * gauss(s));
}

/* ---- driving the controller -------------------------------------------- */

typedef struct Run {
    AsrController c;
    Sim sim;
    double budget_ms, headroom;
    int32_t ceiling;
    uint32_t excluded;
    int has_prev;
    AsrCtrlInput prev;
    double prev_gpu, prev_wall;
    int32_t prev_point;
    int pending_qos;
    double qos;
    double floor_ms; /* the caller's floor as the caller measured it (AsrCtrlInput) */
    double prior;    /* AsrCtrlInput.prior_ms_per_mac */
    uint32_t dwell[20000];
    /* trace */
    int frames;
    int32_t point[20000];
    double wall[20000];
    int unmeetable[20000];
    AsrCtrlReason reason[20000];
    double predicted[20000];
    uint64_t switches;
} Run;

static void run_init(Run *r, double budget_ms)
{
    memset(r, 0, sizeof(*r));
    asr_controller_init(&r->c, NULL);
    r->sim = (Sim) { .in_w = 320, .in_h = 180, .out_w = 640, .out_h = 360, .rate = 1e-9,
                     .overhead_ms = 0.2, .host_rate = 2e-6, .load = 1.0, .rng = 0x9e3779b97f4a7c15ull };
    r->budget_ms = budget_ms;
    r->headroom = 0.85;
    r->ceiling = NP - 1;
}

static void fill_input(Run *r, AsrCtrlInput *in)
{
    memset(in, 0, sizeof(*in));
    in->budget_ms = r->budget_ms;
    in->headroom = r->headroom;
    in->n_points = NP;
    for (int i = 0; i < NP; i++)
        in->macs[i] = sim_macs(&r->sim, i);
    in->ceiling = r->ceiling;
    in->excluded = r->excluded;
    in->io_pixels = sim_pixels(&r->sim);
    in->floor_ms = r->floor_ms;
    in->prior_ms_per_mac = r->prior;
}

static void step(Run *r)
{
    AsrCtrlInput in;
    fill_input(r, &in);
    if (r->has_prev) {
        in.has_prev = 1;
        in.prev_point = r->prev_point;
        in.prev_macs = r->prev.macs[r->prev_point];
        in.prev_io_pixels = r->prev.io_pixels;
        in.prev_gpu_ms = r->prev_gpu;
        in.prev_wall_ms = r->prev_wall;
    }
    if (r->pending_qos) {
        in.has_qos = 1;
        in.qos_proportion = r->qos;
        r->pending_qos = 0;
    }
    AsrCtrlDecision d;
    asr_controller_decide(&r->c, &in, &d);
    CHECK(d.point >= 0 && d.point <= r->ceiling);
    CHECK(d.point == 0 || !((r->excluded >> d.point) & 1u));
    double gpu, wall;
    sim_run(&r->sim, d.point, &gpu, &wall);
    int f = r->frames++;
    r->point[f] = d.point;
    r->wall[f] = wall;
    r->unmeetable[f] = d.unmeetable;
    r->reason[f] = d.reason;
    r->predicted[f] = d.predicted_ms;
    r->dwell[f] = d.dwell;
    r->switches += d.switched && r->has_prev;
    r->prev = in;
    r->prev_point = d.point;
    r->prev_gpu = gpu;
    r->prev_wall = wall;
    r->has_prev = 1;
}

static void steps(Run *r, int n)
{
    for (int i = 0; i < n; i++)
        step(r);
}

static int switches_in(const Run *r, int from, int to)
{
    int n = 0;
    for (int f = from + 1; f < to; f++)
        n += r->point[f] != r->point[f - 1];
    return n;
}

/* budget for the frames [from, to): share of frames within, and the first
 * frame (relative to from) from which 10 frames in a row are within */
static double within_share(const Run *r, int from, int to, double budget)
{
    int ok = 0;
    for (int f = from; f < to; f++)
        ok += r->wall[f] <= budget;
    return (double)ok / (to - from);
}

static int settle_frames(const Run *r, int from, int to, double budget)
{
    for (int f = from; f + 10 <= to; f++) {
        int ok = 1;
        for (int k = 0; k < 10 && ok; k++)
            ok = r->wall[f + k] <= budget;
        if (ok)
            return f - from;
    }
    return to - from;
}

static double mean_wall(const Sim *s, int p)
{
    return sim_mean_gpu(s, p) + s->host_rate * sim_pixels(s);
}

static int best_point(const Sim *s, double limit)
{
    int best = 0;
    for (int p = 0; p < NP; p++)
        if (mean_wall(s, p) <= limit)
            best = p;
    return best;
}

/* ---- scenarios --------------------------------------------------------- */

static Run run_storage;

/* Acceptance: the full op misses the budget; settle <= 5 frames on a
 * cheaper op, >= 95 % within after; lifting the budget climbs back. */
static void test_acceptance(void)
{
    Run *r = &run_storage;
    run_init(r, 0);
    r->sim.noise_sd = 0.05;
    double full = mean_wall(&r->sim, NP - 1);
    r->budget_ms = full * 0.6; /* full is 67 % over */
    steps(r, 1000);
    int s = settle_frames(r, 0, 1000, r->budget_ms);
    double share = within_share(r, s, 1000, r->budget_ms);
    int expect = best_point(&r->sim, r->budget_ms * 0.85);
    printf("acceptance: full %.2f ms, budget %.2f ms: settled after %d frames on point %d "
           "(best fitting 85 %%: %d), %.1f %% of the following frames within budget, %d switches\n",
           full, r->budget_ms, s, r->point[999], expect, 100.0 * share,
           switches_in(r, s, 1000));
    CHECK(s <= 5);
    CHECK(share >= 0.95);
    CHECK(r->point[999] < NP - 1 && r->point[999] >= expect - 1);

    /* lift the budget: climbs back to full */
    r->budget_ms = full * 3.0;
    int t0 = r->frames;
    steps(r, 200);
    int reached = -1;
    for (int f = t0; f < r->frames; f++)
        if (r->point[f] == NP - 1) {
            reached = f - t0;
            break;
        }
    printf("acceptance: budget lifted to %.2f ms: full again after %d frames\n", r->budget_ms,
           reached);
    CHECK(reached >= 0 && reached <= 8 * NP + 8);
    CHECK(r->point[r->frames - 1] == NP - 1);
}

/* A load step up (x2.5) and back down. */
static void test_load_step(void)
{
    Run *r = &run_storage;
    run_init(r, 1000.0 / 60);
    r->sim.noise_sd = 0.03;
    steps(r, 300);
    CHECK(r->point[299] == NP - 1); /* full fits at load 1 */
    int s0 = settle_frames(r, 0, 300, r->budget_ms);

    r->sim.load = 2.5;
    steps(r, 400);
    int s1 = settle_frames(r, 300, 700, r->budget_ms);
    double share1 = within_share(r, 300 + s1, 700, r->budget_ms);
    int p1 = r->point[699], expect1 = best_point(&r->sim, r->budget_ms * 0.85);

    r->sim.load = 1.0;
    steps(r, 400);
    int back = -1;
    for (int f = 700; f < 1100; f++)
        if (r->point[f] == NP - 1) {
            back = f - 700;
            break;
        }
    double share_all = within_share(r, 0, 1100, r->budget_ms);
    printf("load step: budget %.2f ms; load 1: full (settle %d); load x2.5: settled after %d "
           "frames on point %d (best fitting 85 %%: %d), %.1f %% within after; load 1 again: "
           "full after %d frames; %.1f %% within overall, %llu switches\n",
           r->budget_ms, s0, s1, p1, expect1, 100.0 * share1, back, 100.0 * share_all,
           (unsigned long long)r->switches);
    CHECK(s1 <= 5);
    CHECK(share1 >= 0.95);
    CHECK(p1 < NP - 1 && p1 >= expect1 - 1);
    CHECK(back >= 0 && back <= 8 * NP + 8);
    CHECK(share_all >= 0.95);
    CHECK(r->switches <= 2 * NP + 4);
}

/* The device slows down by 2.5x over 3000 frames, then recovers. */
static void test_drift(void)
{
    Run *r = &run_storage;
    run_init(r, 1000.0 / 60);
    r->sim.noise_sd = 0.02;
    for (int f = 0; f < 3000; f++) {
        r->sim.load = 1.0 + 1.5 * f / 3000.0;
        step(r);
    }
    int low = r->point[2999];
    for (int f = 0; f < 3000; f++) {
        r->sim.load = 2.5 - 1.5 * f / 3000.0;
        step(r);
    }
    double share = within_share(r, 0, 6000, r->budget_ms);
    printf("drift: load 1 -> 2.5 -> 1 over 6000 frames: point %d at the slowest, %d at the end, "
           "%.2f %% within budget, %llu switches\n", low, r->point[5999], 100.0 * share,
           (unsigned long long)r->switches);
    CHECK(share >= 0.99);
    CHECK(low < NP - 1);
    CHECK(r->point[5999] == NP - 1);
    CHECK(r->switches <= 4 * NP);
}

/* Noisy timings: no flapping. */
static void test_noise(void)
{
    Run *r = &run_storage;
    const double sds[] = { 0.08, 0.15 };
    const double spikes[] = { 0.0, 0.01 };
    for (int v = 0; v < 2; v++) {
        run_init(r, 0);
        r->sim.noise_sd = sds[v];
        r->sim.spike_p = spikes[v];
        /* a budget where the full point sits right at the headroom line */
        r->budget_ms = mean_wall(&r->sim, NP - 1) / 0.85;
        steps(r, 3000);
        int s = settle_frames(r, 0, 3000, r->budget_ms);
        double share = within_share(r, s, 3000, r->budget_ms);
        int sw = switches_in(r, s, 3000);
        int on[NP] = { 0 };
        for (int f = s; f < 3000; f++)
            on[r->point[f]]++;
        printf("noise sd %.0f %%, %.0f %% 2x spikes: budget %.2f ms, settled after %d, "
               "%.1f %% within budget, %d switches in %d frames (%.2f %%); frames per point "
               "%d %d %d %d %d %d\n",
               100 * sds[v], 100 * spikes[v], r->budget_ms, s, 100.0 * share, sw, 3000 - s,
               100.0 * sw / (3000 - s), on[0], on[1], on[2], on[3], on[4], on[5]);
        CHECK(share >= 0.95);
        CHECK(sw <= (v == 0 ? 6 : 60)); /* spikes: each may cost a step, backoff bounds it */
    }
}

/* No point meets the budget: settle on the cheapest and report it. */
static void test_unmeetable(void)
{
    Run *r = &run_storage;
    run_init(r, 0);
    r->sim.noise_sd = 0.05;
    r->budget_ms = mean_wall(&r->sim, 0) * 0.5;
    steps(r, 500);
    int first = -1;
    for (int f = 0; f < 500; f++)
        if (r->point[f] == 0) {
            first = f;
            break;
        }
    int stays = 1, reported = 1;
    for (int f = first < 0 ? 0 : first; f < 500; f++) {
        stays &= r->point[f] == 0;
        if (f > first + 1)
            reported &= r->unmeetable[f];
    }
    printf("unmeetable: budget %.2f ms (cheapest %.2f ms): cheapest from frame %d, stays %d, "
           "reported %d\n", r->budget_ms, mean_wall(&r->sim, 0), first, stays, reported);
    CHECK(first >= 0 && first <= 5);
    CHECK(stays);
    CHECK(reported);
}

/* Every point meets the budget: stays on full. */
static void test_all_fit(void)
{
    Run *r = &run_storage;
    run_init(r, 0);
    r->sim.noise_sd = 0.1;
    r->budget_ms = mean_wall(&r->sim, NP - 1) * 4;
    steps(r, 1000);
    int on_full = 0;
    for (int f = 0; f < 1000; f++)
        on_full += r->point[f] == NP - 1;
    printf("all fit: budget %.2f ms (full %.2f ms): %d of 1000 frames on full, %llu switches\n",
           r->budget_ms, mean_wall(&r->sim, NP - 1), on_full, (unsigned long long)r->switches);
    CHECK(on_full == 1000);
    CHECK(r->switches == 0);

    /* no adaptation: the ceiling, whatever the timings */
    run_init(r, 0);
    r->ceiling = 3;
    r->sim.load = 100;
    steps(r, 50);
    int ok = 1;
    for (int f = 0; f < 50; f++)
        ok &= r->point[f] == 3 && r->reason[f] == ASR_CTRL_DISABLED;
    CHECK(ok);
}

/* Never above the ceiling (scale-group cap / user subnet); a lower ceiling
 * applies at once. */
static void test_ceiling(void)
{
    Run *r = &run_storage;
    run_init(r, 1000.0);
    r->ceiling = 3;
    steps(r, 100);
    int above = 0;
    for (int f = 0; f < 100; f++)
        above += r->point[f] > 3;
    CHECK(above == 0);
    CHECK(r->point[99] == 3);
    r->ceiling = 1;
    step(r);
    CHECK(r->point[100] == 1 && r->reason[100] == ASR_CTRL_CEILING);
    r->ceiling = NP - 1;
    steps(r, 100);
    CHECK(r->point[200] == NP - 1);
    printf("ceiling: held at 3, lowered to 1 at once, back to %d after raising\n",
           r->point[200]);
}

/* A change of sizes: predictions follow the MACs, no re-learning. */
static void test_resize(void)
{
    Run *r = &run_storage;
    run_init(r, 1000.0 / 30);
    r->sim.noise_sd = 0.02;
    r->sim.overhead_ms = 0.0;
    steps(r, 200);
    int p = r->point[199];
    /* 4x the pixels */
    r->sim.in_w *= 2;
    r->sim.in_h *= 2;
    r->sim.out_w *= 2;
    r->sim.out_h *= 2;
    steps(r, 200);
    double err = fabs(r->predicted[200] - mean_wall(&r->sim, r->point[200])) /
                 mean_wall(&r->sim, r->point[200]);
    int s = settle_frames(r, 200, 400, r->budget_ms);
    double share = within_share(r, 200, 400, r->budget_ms);
    printf("resize: point %d before, 4x pixels: first prediction off by %.1f %%, point %d "
           "chosen at once (best fitting 85 %%: %d), settle %d, %.1f %% within\n",
           p, 100 * err, r->point[200], best_point(&r->sim, r->budget_ms * 0.85), s,
           100 * share);
    CHECK(err < 0.10);
    CHECK(r->point[200] < p);
    CHECK(s == 0);
    CHECK(share >= 0.99);
}

/* Downstream late: one step down at once, then room before going back. */
static void test_qos(void)
{
    Run *r = &run_storage;
    run_init(r, 1000.0);
    steps(r, 20);
    CHECK(r->point[19] == NP - 1);
    r->pending_qos = 1;
    r->qos = 1.2;
    step(r);
    CHECK(r->point[20] == NP - 2 && r->reason[20] == ASR_CTRL_QOS_LATE);
    r->pending_qos = 1;
    r->qos = 0.9; /* early: nothing */
    step(r);
    CHECK(r->point[21] == NP - 2);
    int back = -1;
    for (int f = 0; f < 100 && back < 0; f++) {
        step(r);
        if (r->point[r->frames - 1] == NP - 1)
            back = r->frames - 1 - 20;
    }
    /* backed off: twice the usual wait */
    printf("qos: late -> one step down at once; back up after %d frames\n", back);
    CHECK(back >= 16 && back <= 20);
}

/* Excluded points (the engine's list with spatial depth: a larger subnet
 * at a low target sorted below the ceiling's subnet at full depth) are
 * never picked: the best fit, a step down and a step up skip them. */
static void test_excluded(void)
{
    Run *r = &run_storage;
    run_init(r, 1000.0);
    r->sim.noise_sd = 0.02;
    r->excluded = 1u << 3;
    steps(r, 20);
    CHECK(r->point[19] == NP - 1);
    /* 3 fits the headroom, 4 does not: the best allowed fit is 2 */
    r->budget_ms = (mean_wall(&r->sim, 3) + mean_wall(&r->sim, 4)) / 2.0 / 0.85;
    steps(r, 100);
    int on3 = 0;
    for (int f = 20; f < r->frames; f++)
        on3 += r->point[f] == 3;
    printf("excluded 3: budget %.2f ms (3 fits, 4 not): point %d, %d frames on 3\n",
           r->budget_ms, r->point[r->frames - 1], on3);
    CHECK(on3 == 0);
    CHECK(r->point[r->frames - 1] == 2);
    /* lifted: up over 3 (4 after the wait for 4, then 5) */
    r->budget_ms = 1000.0;
    int t0 = r->frames;
    steps(r, 60);
    for (int f = t0; f < r->frames; f++)
        on3 += r->point[f] == 3;
    CHECK(on3 == 0 && r->point[r->frames - 1] == NP - 1);
    /* late twice: 5 -> 4 -> 2 */
    r->pending_qos = 1;
    r->qos = 1.5;
    step(r);
    CHECK(r->point[r->frames - 1] == 4);
    r->pending_qos = 1;
    step(r);
    CHECK(r->point[r->frames - 1] == 2 && r->reason[r->frames - 1] == ASR_CTRL_QOS_LATE);
    /* the current point excluded (a list that changed under it): down to
     * the next allowed one at once */
    r->excluded = 1u << 2 | 1u << 3;
    step(r);
    CHECK(r->point[r->frames - 1] == 1 && r->reason[r->frames - 1] == ASR_CTRL_CEILING);
    printf("excluded 3: lifted, up to %d without 3; late twice: 4, then 2; 2 excluded "
           "too: 1\n", NP - 1);
}

/* A change of the caller's list: what was learned follows the points to
 * their new indices (the same predictions), the current point too. */
static void test_remap(void)
{
    Run *r = &run_storage;
    run_init(r, 1000.0 / 30);
    r->sim.noise_sd = 0.02;
    r->budget_ms = mean_wall(&r->sim, 4) / 0.85 * 1.01;
    steps(r, 200);
    AsrCtrlInput in, in2;
    fill_input(r, &in);
    double before[NP];
    for (int i = 0; i < NP; i++)
        before[i] = asr_controller_predict(&r->c, &in, i);
    int32_t cur = r->c.cur;
    /* a new point at 1, the old 4 gone */
    const int32_t map[NP] = { 0, -1, 1, 2, 3, 5 };
    int32_t want = 0;
    for (int j = 0; j < NP; j++)
        if (map[j] >= 0 && map[j] <= cur && map[j] > map[want])
            want = j;
    asr_controller_remap(&r->c, map, NP);
    in2 = in;
    for (int j = 0; j < NP; j++)
        in2.macs[j] = map[j] >= 0 ? in.macs[map[j]] : 0.5 * (in.macs[0] + in.macs[1]);
    int same = 0, measured = 0;
    for (int j = 0; j < NP; j++) {
        if (map[j] < 0 || !r->c.samples[j])
            continue;
        measured++;
        double p = asr_controller_predict(&r->c, &in2, j);
        same += fabs(p - before[map[j]]) <= 1e-12 * before[map[j]];
    }
    printf("remap: current point %d -> %d, %d measured points kept their predictions (of %d)\n",
           cur, r->c.cur, same, measured);
    CHECK(measured > 0 && same == measured);
    CHECK(r->c.cur == want);
    CHECK(r->c.samples[1] == 0 && asr_controller_predict(&r->c, &in2, 1) > 0.0);
}

/* The start: with the device's probed speed (the prior) the first frame
 * runs the best point predicted to fit, not the ceiling; without one, the
 * ceiling (the caller's point) as before. */
static void test_start(void)
{
    Run *r = &run_storage;
    double budget = mean_wall(&(Sim) { .in_w = 320, .in_h = 180, .out_w = 640, .out_h = 360,
                                       .rate = 1e-9, .overhead_ms = 0.2, .host_rate = 2e-6,
                                       .load = 1.0 }, 2) / 0.8;
    run_init(r, budget);
    r->prior = r->sim.rate; /* the probe's speed, per MAC */
    step(r);
    int fit = 0;
    for (int i = NP - 1; i >= 0 && !fit; i--)
        if (r->prior * sim_macs(&r->sim, i) <= 0.85 * budget)
            fit = i;
    printf("start: budget %.2f ms: first frame at point %d (the prior's best fit %d), "
           "predicted %.2f ms\n", budget, r->point[0], fit, r->predicted[0]);
    CHECK(fit > 0 && fit < NP - 1);
    CHECK(r->point[0] == fit && r->reason[0] == ASR_CTRL_START && r->dwell[0] == 1);
    CHECK(r->predicted[0] > 0.0 && r->predicted[0] <= 0.85 * budget);
    /* nothing fits: the floor, never a point predicted over the budget */
    run_init(r, 0.5 * r->prior * sim_macs(&r->sim, 1));
    r->prior = r->sim.rate;
    step(r);
    CHECK(r->point[0] == 0 && r->reason[0] == ASR_CTRL_START);
    /* no prior: the ceiling */
    run_init(r, budget);
    step(r);
    CHECK(r->point[0] == NP - 1 && r->reason[0] == ASR_CTRL_START);
}

/* A floor whose cost is known in ms (a CPU scaler, 0.4 ms) where even the
 * cheapest network point misses the budget: the stream holds the floor's
 * speed, the floor's frames teach the network's MAC model nothing, and
 * "unmeetable" is never reported (the floor fits). With a floor of known
 * cost above the budget: unmeetable. */
static void test_floor_known_cost(void)
{
    Run *r = &run_storage;
    run_init(r, mean_wall(&r->sim, 1) / 4.0);
    r->sim.floor_ms = r->floor_ms = 0.4;
    r->prior = r->sim.rate;
    steps(r, 300);
    int on_floor = 0, over = 0, unmeetable = 0;
    for (int f = 0; f < r->frames; f++) {
        on_floor += r->point[f] == 0;
        over += r->wall[f] > r->budget_ms;
        unmeetable += r->unmeetable[f];
        if (r->point[f] == 0)
            CHECK(r->predicted[f] == 0.4);
    }
    printf("floor of known cost: budget %.2f ms, cheapest network point %.2f ms: %d of %d "
           "frames on the floor, %d over budget\n", r->budget_ms, mean_wall(&r->sim, 1),
           on_floor, r->frames, over);
    CHECK(on_floor == r->frames && over == 0 && unmeetable == 0);
    CHECK(r->c.speed == 0.0); /* the floor's frames are not the network's speed */

    run_init(r, 0.3);
    r->sim.floor_ms = r->floor_ms = 0.4;
    steps(r, 20);
    CHECK(r->point[19] == 0 && r->unmeetable[19]);
}

/* Probing up from the floor: a pessimistic prior (the device is 1.7x faster
 * than it says) keeps the first frames on the floor; the controller probes
 * the next point (predicted within 2 budgets, never further), finds that
 * it fits, and climbs to the best point; a point predicted far over the
 * budget is never probed. With an optimistic prior whose probe fails, the
 * probe costs one frame over budget and the point is not tried again soon
 * (backoff: its wait doubled). */
static void test_probe_from_floor(void)
{
    Run *r = &run_storage;
    double budget = mean_wall(&r->sim, 2) / 0.7;
    run_init(r, budget);
    r->sim.floor_ms = r->floor_ms = 0.4;
    r->prior = 1.7 * r->sim.rate;
    steps(r, 200);
    int best = best_point(&r->sim, 0.85 * budget), first_net = -1, over = 0;
    for (int f = 0; f < r->frames; f++) {
        if (first_net < 0 && r->point[f] > 0)
            first_net = f;
        over += r->wall[f] > budget;
    }
    printf("probe from the floor: budget %.2f ms, best point %d; first network frame %d, "
           "point at the end %d, %d frames over budget\n", budget, best, first_net,
           r->point[r->frames - 1], over);
    CHECK(r->point[0] < best);
    CHECK(first_net >= 0 && first_net <= 2 * 8 + 1);
    CHECK(r->point[r->frames - 1] == best);
    CHECK(over <= 2);

    /* far over: never probed */
    run_init(r, mean_wall(&r->sim, 1) / 4.0);
    r->sim.floor_ms = r->floor_ms = 0.4;
    r->prior = r->sim.rate;
    steps(r, 300);
    int net = 0;
    for (int f = 0; f < r->frames; f++)
        net += r->point[f] > 0;
    printf("far over: budget %.2f ms, point 1 %.2f ms: %d network frames\n", r->budget_ms,
           mean_wall(&r->sim, 1), net);
    CHECK(net == 0);

    /* an optimistic prior: the probe of point 1 fails once, then the
     * measured cost keeps it on the floor */
    run_init(r, mean_wall(&r->sim, 1) / 1.4);
    r->sim.floor_ms = r->floor_ms = 0.4;
    r->prior = 0.8 * r->sim.rate * 1.35; /* predicted within 2 budgets, over hB */
    uint32_t wait_after = 0;
    for (int f = 0; f < 300; f++) {
        step(r);
        if (f > 0 && r->point[f - 1] == 1 && r->point[f] == 0 && !wait_after)
            wait_after = r->c.wait[1];
    }
    net = 0, over = 0;
    for (int f = 0; f < r->frames; f++) {
        net += r->point[f] > 0;
        over += r->wall[f] > r->budget_ms;
    }
    printf("failed probe: %d network frames of %d, %d over budget, wait of point 1 after "
           "it %u\n", net, r->frames, over, wait_after);
    CHECK(net >= 1 && net <= 2 && over == net);
    CHECK(wait_after == 2 * r->c.p.up_frames);
}

/* Dwell: a point just stepped up to is kept min_dwell frames against a
 * prediction that says it no longer fits (a noisy estimate), so picture
 * quality does not pulse; a frame measured over the budget still steps
 * down at once; the decision counts the frames kept. */
static void test_dwell(void)
{
    AsrController c;
    AsrCtrlInput in;
    AsrCtrlDecision d;
    asr_controller_init(&c, NULL);
    memset(&in, 0, sizeof(in));
    in.budget_ms = 10.0;
    in.headroom = 0.85;
    in.n_points = 3;
    in.macs[0] = 1e6, in.macs[1] = 4e6, in.macs[2] = 40e6;
    in.ceiling = 2;
    in.floor_ms = 0.5;
    in.prior_ms_per_mac = 1e-6; /* point 1: 4 ms, point 2: 40 ms */
    asr_controller_decide(&c, &in, &d);
    CHECK(d.point == 1 && d.dwell == 1);
    /* run it: 9.5 ms measured (it fits B; the model now predicts ~9.5 ms,
     * over hB): kept, the dwell counts */
    in.has_prev = 1, in.prev_point = 1, in.prev_macs = 4e6, in.prev_wall_ms = 9.5;
    asr_controller_decide(&c, &in, &d);
    /* at the start there is no step up behind it: the prediction rules */
    printf("dwell: after the start, predicted %.2f ms (hB %.2f): point %d, reason %s\n",
           d.predicted_ms, 8.5, d.point, asr_controller_reason_name(d.reason));
    CHECK(d.point == 0 && d.reason == ASR_CTRL_NO_FIT);

    /* a step up (probe) then a prediction over hB: kept min_dwell frames */
    asr_controller_init(&c, NULL);
    in.has_prev = 0;
    in.prior_ms_per_mac = 2.5e-6; /* point 1: 10 ms, within 2 B: probed from the floor */
    asr_controller_decide(&c, &in, &d);
    CHECK(d.point == 0);
    in.has_prev = 1, in.prev_point = 0, in.prev_macs = 1e6, in.prev_wall_ms = 0.5;
    int f = 0;
    for (; f < 40 && d.point == 0; f++)
        asr_controller_decide(&c, &in, &d);
    CHECK(d.point == 1 && d.reason == ASR_CTRL_ROOM && d.dwell == 1);
    in.prev_point = 1, in.prev_macs = 4e6, in.prev_wall_ms = 9.0; /* within B, over hB */
    int held = 0;
    for (int k = 0; k < 20 && d.point == 1; k++) {
        asr_controller_decide(&c, &in, &d);
        held += d.point == 1;
    }
    printf("dwell: stepped up after %d frames, then kept %d frames predicted over hB "
           "(min_dwell %u)\n", f, held, c.p.min_dwell);
    CHECK(held == (int)c.p.min_dwell - 1 && d.point == 0 && d.reason == ASR_CTRL_NO_FIT);

    /* a frame measured over the budget steps down at once, dwell or not */
    asr_controller_init(&c, NULL);
    in.has_prev = 0;
    asr_controller_decide(&c, &in, &d);
    in.prev_point = 0, in.prev_macs = 1e6, in.prev_wall_ms = 0.5, in.has_prev = 1;
    for (f = 0; f < 40 && d.point == 0; f++)
        asr_controller_decide(&c, &in, &d);
    CHECK(d.point == 1);
    in.prev_point = 1, in.prev_macs = 4e6, in.prev_wall_ms = 12.0;
    asr_controller_decide(&c, &in, &d);
    CHECK(d.point == 0 && d.reason == ASR_CTRL_OVER_BUDGET && d.dwell == 1);
}

int main(void)
{
    test_acceptance();
    test_load_step();
    test_drift();
    test_noise();
    test_unmeetable();
    test_all_fit();
    test_ceiling();
    test_resize();
    test_qos();
    test_excluded();
    test_remap();
    test_start();
    test_floor_known_cost();
    test_probe_from_floor();
    test_dwell();
    if (test_failures)
        fprintf(stderr, "%d check(s) failed\n", test_failures);
    return test_failures ? 1 : 0;
}
