/*
 * anysr-bench: time the engine's operating points, in one run, beside
 * PyTorch and the bicubic baseline; and replay a load step under the QoS
 * controller (docs/benchmarks.md; docs/design.md#network, #controller).
 *
 * Op mode (default):
 *   anysr-bench [--size WxH] [--scale S|SX,SY] [--subnet N|all] [--no-cap]
 *               [--decoder heavy|light|routed|all] [--k K] [--depth-target T]
 *               [--frames N]
 *               [--warmup N] [--device N] [--model FILE] [--csv FILE]
 *               [--no-torch] [--no-bicubic] [--python EXE] [--torch-script FILE]
 *               [--roofline] [--profile-csv FILE]
 *
 *   Every op is warmed up, then the ops are timed round-robin (frame i of
 *   every op, then frame i + 1 ...) so that a change in the machine's load
 *   falls on all of them alike. Per op: GPU ms per stage (AsrStats), total
 *   GPU ms, wall ms of asr_engine_process(), fps, MACs (the engine's cost
 *   model: with a depth target below 1 the blocks that ran), GMAC/s (MACs /
 *   GPU time), heavy-pixel share, the mean depth the frames' input pixels
 *   ran (models with a depth adapter); ratios against the
 *   full op (the largest subnet run, heavy decoder); then bench/torch_bench.py
 *   times the same ops on the same input with PyTorch on the CPU and the
 *   engine/PyTorch GMAC/s ratio is printed per op.
 *
 *   --roofline (or --profile-csv): the engine's per-pass profile is on
 *   (asr_engine_set_profiling); after the timed frames the device's ceilings
 *   are probed (asr_engine_probe_ceiling: fp32 / fp16 multiply-adds per
 *   second, copy bandwidth) and, per op, a table of its passes: dispatches,
 *   MMAC, MB (the engine's traffic model), GPU ms, GMAC/s, GB/s, the share
 *   of the fp32 MAC ceiling and of the copy bandwidth, the arithmetic
 *   intensity and the bound that applies (bench/README.md).
 *
 * Tuning mode (docs/design.md#kernels, "Tuning"):
 *   anysr-bench --tune [--exhaustive] [--tune-bound S] [--frames N] (+ size, scale,
 *               precision, device, model)
 *
 *   Runs the tuner on the device (as tuning=force; its winners are cached),
 *   printing every candidate's time per kernel family and the winner; with
 *   --exhaustive it then times a wider grid of each family (every block
 *   within the rules over a range of shapes) from the built-in configuration.
 *   Then the full op (the largest subnet, heavy decoder) is timed round-robin
 *   with the built-in configuration, the tuner's pick and (--exhaustive) the
 *   exhaustive grid's pick, each in its own engine: GPU ms and GMAC/s side
 *   by side, and the pick's share of the exhaustive best.
 *
 * QoS replay mode:
 *   anysr-bench --qos --target-fps F|auto [--frames N] [--load-step FRAME:N ...]
 *               [--headroom H] [--decoder heavy|light|routed] [--no-pace]
 *               [--csv FILE] (+ size, scale, device, model)
 *
 *   The engine holds F frames per second (asr_engine_set_target). Frames are
 *   paced like a live source (frame i is due at i / F s; a late frame starts at
 *   once). From frame FRAME on, N competing engines (each its own VkDevice on
 *   the same physical device, in its own thread) process frames of the same
 *   size at the full op back to back: real contention for the device (on
 *   lavapipe: for the CPU cores). N = 0 stops them. Per frame: op point,
 *   subnet, decoder, depth target and mean depth, GPU ms, wall ms, budget,
 *   prediction. Summary: frames to
 *   settle after each step (until a window of 10 frames on one op point, all
 *   within budget) and the share of frames within budget (wall time).
 *   "--target-fps auto" sets the budget to 1.3 x the full op's measured wall
 *   time (the full op fits when the machine is quiet, not under load).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "anysr/anysr.h"
#include "internal.h"

#ifndef ANYSR_BENCH_SOURCE_DIR
#define ANYSR_BENCH_SOURCE_DIR ""
#endif

#define MAX_OPS 64
#define MAX_STEPS 32
#define MAX_COMPETITORS 8
#define SETTLE_WINDOW 10
#define N_SAMPLE 10
#define MAX_PROF_ROWS 64

/* per-pass profile of an op, summed over its timed frames */
typedef struct ProfAcc {
    AsrPassProfile rows[MAX_PROF_ROWS];
    uint32_t n;
    int frames;
} ProfAcc;


typedef struct BenchOp {
    char label[32];
    int bicubic;
    int subnet;        /* ladder index */
    uint32_t width, depth;
    AsrDecoderMode mode;
    float k;
    float depth_target; /* AsrOpChoice.depth_target (0: the model's default) */
    /* per timed frame: N_SAMPLE values (see bench_ops), then their medians */
    int n;
    double *samples;
    double upload, encoder, decoder, download, gpu, wall, macs, hf;
    double ran_target, mean_depth; /* AsrStats.op.depth_target, op.mean_depth */
    uint64_t dev_bytes; /* device memory (AsrStats.device_bytes) while it ran, the most */
    ProfAcc *prof;      /* --roofline */
    /* PyTorch */
    int has_torch;
    double torch_ms, torch_macs, torch_hf;
} BenchOp;

typedef struct Options {
    uint32_t in_w, in_h;
    double sx, sy;
    int subnet; /* -1 all */
    int decoder; /* -1 all */
    int no_cap;
    float k;
    int has_k;
    float depth_target; /* 0: the model's default */
    int frames, warmup;
    int device;
    const char *model;
    const char *csv;
    int roofline;
    const char *profile_csv;
    int torch, bicubic, validation;
    int precision;      /* AsrPrecision */
    int tuning;         /* AsrTuning; -1: the environment's (ANYSR_TUNE) */
    int tune, exhaustive;
    int size_set;       /* --size given */
    double tune_bound;  /* s, 0: the tuner's */
    int no_full;        /* do not add the full op for the ratios */
    uint32_t tile_rows; /* 0: as needed */
    const char *python, *torch_script;
    /* qos */
    int qos;
    double target_fps; /* 0: auto */
    double headroom;
    int pace;
    int n_steps;
    int step_frame[MAX_STEPS];
    int step_load[MAX_STEPS];
} Options;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static void sleep_ms(double ms)
{
    if (ms <= 0.0)
        return;
    struct timespec ts = { (time_t)(ms / 1e3), (long)(fmod(ms, 1e3) * 1e6) };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: anysr-bench [options]\n"
            "  --size WxH            input size (default 640x360; 64x48 on llvmpipe)\n"
            "  --scale S | SX,SY     per-axis scale (default 2)\n"
            "  --subnet N|all        ladder rung(s) to time (default all up to the scale cap)\n"
            "  --no-cap              also time rungs above the scale-group cap\n"
            "  --decoder heavy|light|routed|all   (default all)\n"
            "  --k K                 routing knob (default: the model's)\n"
            "  --depth-target T      spatial depth target of a model with a depth adapter, 0 to\n"
            "                        1 (default 0: the model's; 1: every block)\n"
            "  --frames N            timed frames per op (default 10; qos: frames to run, 200)\n"
            "  --warmup N            untimed frames per op first (default 2)\n"
            "  --device N            Vulkan device index (default: automatic / ANYSR_DEVICE)\n"
            "  --model FILE          model file (default: the embedded one)\n"
            "  --precision auto|fp16|fp32   feature-map storage (default auto)\n"
            "  --tile ROWS           force bands of ROWS input rows (default: as needed)\n"
            "  --tuning auto|off|force   kernel tuning (default: ANYSR_TUNE, else auto)\n"
            "  --no-full             time only the ops asked for (no full op for the ratios)\n"
            "  --csv FILE            write the table (qos: the per-frame log) as CSV\n"
            "  --roofline            probe the device's ceilings, print a per-pass table per op\n"
            "  --profile-csv FILE    write the per-pass rows as CSV (implies --roofline)\n"
            "  --no-torch            skip the PyTorch comparison\n"
            "  --no-bicubic          skip the bicubic baseline\n"
            "  --python EXE          python for the PyTorch comparison (default /usr/bin/python3)\n"
            "  --torch-script FILE   default: bench/torch_bench.py of the source tree\n"
            "  --validation, --no-validation   Vulkan validation layer (default: ANYSR_VALIDATION)\n"
            "  --tune                tune now, print every candidate's time and the winner, then\n"
            "                        time the full op built-in vs tuned side by side (the tuner's\n"
            "                        frame: --size when given, else its own)\n"
            "    --exhaustive          also time a wider grid per kernel family (minutes)\n"
            "    --tune-bound S        the tuner's time bound (default: 2 s GPU, 60 s CPU)\n"
            "  --qos                 load-step replay under the QoS controller:\n"
            "    --target-fps F|auto   frame rate to hold (auto: 1.3 x the full op's wall time)\n"
            "    --headroom H          controller headroom (default 0: the engine's 0.85)\n"
            "    --load-step FRAME:N   from FRAME on, N competing engines (0 = none); repeatable\n"
            "    --no-pace             run frames back to back instead of at the target rate\n");
}

static int parse_size(const char *s, uint32_t *w, uint32_t *h)
{
    unsigned a, b;
    char x;
    if (sscanf(s, "%u%c%u", &a, &x, &b) != 3 || (x != 'x' && x != 'X') || !a || !b)
        return -1;
    *w = a;
    *h = b;
    return 0;
}

static int parse_options(int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof(*o));
    o->in_w = 0; /* default: 640x360, 64x48 on a CPU device (see default_size) */
    o->in_h = 0;
    o->sx = o->sy = 2.0;
    o->subnet = -1;
    o->decoder = -1;
    o->frames = -1;
    o->warmup = 2;
    o->device = -1;
    o->torch = 1;
    o->bicubic = 1;
    o->pace = 1;
    o->target_fps = -1.0;
    o->validation = -1; /* the environment's (ANYSR_VALIDATION) */
    o->python = "/usr/bin/python3";
    o->tuning = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE                                                   \
    do {                                                             \
        if (!v) {                                                    \
            fprintf(stderr, "anysr-bench: %s needs a value\n", a);   \
            return -1;                                               \
        }                                                            \
        i++;                                                         \
    } while (0)
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--precision")) {
            NEED_VALUE;
            if (!strcmp(v, "auto"))
                o->precision = ASR_PRECISION_AUTO;
            else if (!strcmp(v, "fp16"))
                o->precision = ASR_PRECISION_FP16;
            else if (!strcmp(v, "fp32"))
                o->precision = ASR_PRECISION_FP32;
            else {
                fprintf(stderr, "anysr-bench: bad --precision %s (auto, fp16 or fp32)\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--tuning")) {
            NEED_VALUE;
            if (!strcmp(v, "auto"))
                o->tuning = ASR_TUNING_AUTO;
            else if (!strcmp(v, "off"))
                o->tuning = ASR_TUNING_OFF;
            else if (!strcmp(v, "force"))
                o->tuning = ASR_TUNING_FORCE;
            else {
                fprintf(stderr, "anysr-bench: bad --tuning %s (auto, off or force)\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--tune")) {
            o->tune = 1;
        } else if (!strcmp(a, "--exhaustive")) {
            o->exhaustive = 1;
        } else if (!strcmp(a, "--tune-bound")) {
            NEED_VALUE;
            o->tune_bound = atof(v);
            if (!(o->tune_bound > 0.0)) {
                fprintf(stderr, "anysr-bench: bad --tune-bound %s (seconds > 0)\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--no-full")) {
            o->no_full = 1;
        } else if (!strcmp(a, "--tile")) {
            NEED_VALUE;
            o->tile_rows = (uint32_t)strtoul(v, NULL, 10);
        } else if (!strcmp(a, "--size")) {
            NEED_VALUE;
            if (parse_size(v, &o->in_w, &o->in_h) < 0) {
                fprintf(stderr, "anysr-bench: bad --size %s (WxH)\n", v);
                return -1;
            }
            o->size_set = 1;
        } else if (!strcmp(a, "--scale")) {
            NEED_VALUE;
            int n = sscanf(v, "%lf,%lf", &o->sx, &o->sy);
            if (n == 1)
                o->sy = o->sx;
            if (n < 1 || !(o->sx >= ASR_SCALE_MIN && o->sx <= ASR_SCALE_MAX) ||
                !(o->sy >= ASR_SCALE_MIN && o->sy <= ASR_SCALE_MAX)) {
                fprintf(stderr, "anysr-bench: bad --scale %s (S or SX,SY in [1, 8])\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--subnet")) {
            NEED_VALUE;
            o->subnet = !strcmp(v, "all") ? -1 : atoi(v);
            if (o->subnet < -1 || (strcmp(v, "all") && (v[0] < '0' || v[0] > '9'))) {
                fprintf(stderr, "anysr-bench: bad --subnet %s\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--no-cap")) {
            o->no_cap = 1;
        } else if (!strcmp(a, "--decoder")) {
            NEED_VALUE;
            o->decoder = -2;
            if (!strcmp(v, "all"))
                o->decoder = -1;
            for (int d = 0; d < 3; d++)
                if (!strcmp(v, asr_decoder_name((AsrDecoderMode)d)))
                    o->decoder = d;
            if (o->decoder == -2) {
                fprintf(stderr, "anysr-bench: bad --decoder %s\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--depth-target")) {
            NEED_VALUE;
            char *end;
            o->depth_target = strtof(v, &end);
            if (*end || !(o->depth_target >= 0.0f && o->depth_target <= 1.0f)) {
                fprintf(stderr, "anysr-bench: bad --depth-target %s (0 to 1)\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--k")) {
            NEED_VALUE;
            o->k = strtof(v, NULL);
            o->has_k = 1;
        } else if (!strcmp(a, "--frames")) {
            NEED_VALUE;
            o->frames = atoi(v);
        } else if (!strcmp(a, "--warmup")) {
            NEED_VALUE;
            o->warmup = atoi(v);
        } else if (!strcmp(a, "--device")) {
            NEED_VALUE;
            o->device = atoi(v);
        } else if (!strcmp(a, "--model")) {
            NEED_VALUE;
            o->model = v;
        } else if (!strcmp(a, "--csv")) {
            NEED_VALUE;
            o->csv = v;
        } else if (!strcmp(a, "--roofline")) {
            o->roofline = 1;
        } else if (!strcmp(a, "--profile-csv")) {
            NEED_VALUE;
            o->profile_csv = v;
            o->roofline = 1;
        } else if (!strcmp(a, "--no-torch")) {
            o->torch = 0;
        } else if (!strcmp(a, "--no-bicubic")) {
            o->bicubic = 0;
        } else if (!strcmp(a, "--python")) {
            NEED_VALUE;
            o->python = v;
        } else if (!strcmp(a, "--torch-script")) {
            NEED_VALUE;
            o->torch_script = v;
        } else if (!strcmp(a, "--validation")) {
            o->validation = 1;
        } else if (!strcmp(a, "--no-validation")) {
            o->validation = 0;
        } else if (!strcmp(a, "--qos")) {
            o->qos = 1;
        } else if (!strcmp(a, "--target-fps")) {
            NEED_VALUE;
            o->target_fps = !strcmp(v, "auto") ? 0.0 : strtod(v, NULL);
            if (!(o->target_fps >= 0.0)) {
                fprintf(stderr, "anysr-bench: bad --target-fps %s\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--headroom")) {
            NEED_VALUE;
            o->headroom = strtod(v, NULL);
        } else if (!strcmp(a, "--no-pace")) {
            o->pace = 0;
        } else if (!strcmp(a, "--load-step")) {
            NEED_VALUE;
            int f, n;
            if (o->n_steps >= MAX_STEPS || sscanf(v, "%d:%d", &f, &n) != 2 || f < 0 || n < 0 ||
                n > MAX_COMPETITORS) {
                fprintf(stderr, "anysr-bench: bad --load-step %s (FRAME:N, N <= %d)\n", v,
                        MAX_COMPETITORS);
                return -1;
            }
            o->step_frame[o->n_steps] = f;
            o->step_load[o->n_steps] = n;
            o->n_steps++;
        } else {
            fprintf(stderr, "anysr-bench: unknown option %s\n", a);
            usage(stderr);
            return -1;
        }
#undef NEED_VALUE
    }
    if (o->frames < 0)
        o->frames = o->qos ? 200 : 10;
    if (o->frames < 1 || o->warmup < 0) {
        fprintf(stderr, "anysr-bench: --frames must be >= 1, --warmup >= 0\n");
        return -1;
    }
    if (o->qos && o->target_fps < 0.0) {
        fprintf(stderr, "anysr-bench: --qos needs --target-fps F|auto\n");
        return -1;
    }
    if (o->qos && o->decoder == -1)
        o->decoder = ASR_DECODER_ROUTED;
    return 0;
}

static void log_cb(void *user, AsrLogLevel level, const char *msg)
{
    (void)user;
    fprintf(stderr, "anysr[%d]: %s\n", (int)level, msg);
}

/* AsrStats.tune.source as words */
static const char *tune_source(const AsrStats *st)
{
    static const char *const names[] = { "built in", "cached", "tuned now", "?",
                                         "built in + ANYSR_* override",
                                         "cached + ANYSR_* override",
                                         "tuned now + ANYSR_* override", "?" };
    return names[st->tune.source & 7];
}

static AsrEngine *engine_new(const Options *o)
{
    AsrSettings s;
    asr_settings_default(&s);
    s.device_index = o->device;
    if (o->validation >= 0)
        s.validation = o->validation;
    s.model_path = o->model;
    s.precision = (AsrPrecision)o->precision;
    if (o->tuning >= 0)
        s.tuning = (AsrTuning)o->tuning;
    if (o->tile_rows)
        s.tile_rows = o->tile_rows;
    s.log_callback = log_cb;
    s.log_level = ASR_LOG_WARNING;
    AsrEngine *e = NULL;
    AsrStatus st = asr_engine_new(&s, &e);
    if (st < 0) {
        fprintf(stderr, "anysr-bench: asr_engine_new: %s\n", asr_status_to_string(st));
        return NULL;
    }
    return e;
}

/* A deterministic test picture: smooth gradients, edges, fine texture and
 * noise, so that routing sees both flat and detailed regions. */
static void make_picture(uint8_t *px, uint32_t w, uint32_t h)
{
    uint32_t seed = 0x1234567u;
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            double u = (double)x / w, v = (double)y / h;
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            double noise = ((seed >> 24) / 255.0 - 0.5) * 0.06;
            double dx = u - 0.6, dy = v - 0.4;
            double ring = 0.5 + 0.5 * sin(60.0 * sqrt(dx * dx + dy * dy));
            double edge = (u + 0.3 * v > 0.5) ? 0.8 : 0.2;
            double stripes = 0.5 + 0.5 * sin(6.283185307179586 * x / 3.3);
            double r, g, b;
            if (u < 0.4) {
                r = 0.2 + 0.6 * u;
                g = 0.3 + 0.4 * v;
                b = 0.5;
            } else if (v < 0.5) {
                r = ring;
                g = 0.5 * ring + 0.25;
                b = edge;
            } else {
                r = edge;
                g = stripes;
                b = 0.3 + 0.4 * (1.0 - v);
            }
            double c[3] = { r + noise, g + noise, b + noise };
            for (int k = 0; k < 3; k++) {
                double t = c[k] < 0.0 ? 0.0 : c[k] > 1.0 ? 1.0 : c[k];
                px[((size_t)y * w + x) * 4 + k] = (uint8_t)lrint(t * 255.0);
            }
            px[((size_t)y * w + x) * 4 + 3] = 255;
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median of column c of n rows of N_SAMPLE values */
static double median_of(const double *v, int n, int c)
{
    if (n <= 0)
        return 0.0;
    double *t = malloc((size_t)n * sizeof(double));
    if (!t)
        return v[c];
    for (int i = 0; i < n; i++)
        t[i] = v[(size_t)i * N_SAMPLE + c];
    qsort(t, (size_t)n, sizeof(double), cmp_double);
    double m = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    free(t);
    return m;
}

/* Add the engine's last-frame profile to acc, row by name (execution order
 * of the first frame; a row seen later goes at the end). */
static void prof_accumulate(const AsrEngine *e, ProfAcc *acc)
{
    AsrPassProfile rows[MAX_PROF_ROWS];
    uint32_t n = asr_engine_get_profile(e, rows, MAX_PROF_ROWS);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = 0;
        while (j < acc->n && strcmp(acc->rows[j].name, rows[i].name))
            j++;
        if (j == acc->n) {
            if (acc->n == MAX_PROF_ROWS)
                continue;
            memset(&acc->rows[j], 0, sizeof(acc->rows[j]));
            memcpy(acc->rows[j].name, rows[i].name, sizeof(rows[i].name));
            acc->n++;
        }
        acc->rows[j].dispatches += rows[i].dispatches;
        acc->rows[j].gpu_ms += rows[i].gpu_ms;
        acc->rows[j].macs += rows[i].macs;
        acc->rows[j].bytes += rows[i].bytes;
    }
    acc->frames++;
}

/* The bound of a pass: "MAC" when its arithmetic intensity (MACs per byte of
 * the traffic model) is above the ridge point (MAC ceiling / bandwidth
 * ceiling), "BW" when below, "-" when it moves nothing. */
static const char *bound_of(double macs, double bytes, double ridge)
{
    if (bytes <= 0.0 && macs <= 0.0)
        return "-";
    if (bytes <= 0.0)
        return "MAC";
    return macs / bytes > ridge ? "MAC" : "BW";
}

static int print_roofline(const Options *o, const BenchOp *ops, int n_ops,
                          const AsrDeviceCeiling *c, int precision)
{
    double ridge = c->copy_gbps > 0.0 ? c->fp32_gflops / c->copy_gbps : 0.0;
    char f16[48] = "- (no shaderFloat16)";
    if (c->fp16_gflops > 0.0)
        snprintf(f16, sizeof(f16), "%.2f GMAC/s", c->fp16_gflops);
    printf("\nroofline: device ceilings (probe_fma.comp / probe_copy.comp, best of 3): fp32 %.2f "
           "GMAC/s, fp16 %s, copy %.2f GB/s (read + written); ridge point %.2f MAC/B (fp32); "
           "feature maps %s, arithmetic fp32: %%MAC is against the fp32 ceiling\n",
           c->fp32_gflops, f16, c->copy_gbps,
           ridge, precision == ASR_PRECISION_FP16 ? "fp16" : "fp32");
    for (int i = 0; i < n_ops; i++) {
        const ProfAcc *a = ops[i].prof;
        if (!a || !a->frames)
            continue;
        double f = a->frames;
        printf("\nop %s: per frame, mean of %d timed frame(s)\n", ops[i].label, a->frames);
        printf("%-14s %6s %10s %9s %9s %8s %8s %6s %6s %7s %5s\n", "pass", "disp", "MMAC", "MB",
               "GPU ms", "GMAC/s", "GB/s", "%MAC", "%BW", "MAC/B", "bound");
        AsrPassProfile tot = { .name = "total" };
        for (uint32_t j = 0; j <= a->n; j++) {
            const AsrPassProfile *r = j < a->n ? &a->rows[j] : &tot;
            if (j < a->n) {
                tot.dispatches += r->dispatches;
                tot.gpu_ms += r->gpu_ms;
                tot.macs += r->macs;
                tot.bytes += r->bytes;
            }
            double ms = r->gpu_ms / f, macs = r->macs / f, bytes = r->bytes / f;
            double gmacs = ms > 0.0 ? macs / (ms * 1e6) : 0.0;
            double gbps = ms > 0.0 ? bytes / (ms * 1e6) : 0.0;
            char pm[16] = "-", pb[16] = "-", ai[16] = "-";
            if (macs > 0.0 && c->fp32_gflops > 0.0)
                snprintf(pm, sizeof(pm), "%.1f", 100.0 * gmacs / c->fp32_gflops);
            if (bytes > 0.0 && c->copy_gbps > 0.0)
                snprintf(pb, sizeof(pb), "%.1f", 100.0 * gbps / c->copy_gbps);
            if (bytes > 0.0)
                snprintf(ai, sizeof(ai), "%.2f", macs / bytes);
            printf("%-14s %6.0f %10.3f %9.3f %9.3f %8.3f %8.3f %6s %6s %7s %5s\n", r->name,
                   r->dispatches / f, macs / 1e6, bytes / 1e6, ms, gmacs, gbps, pm, pb, ai,
                   bound_of(macs, bytes, ridge));
        }
    }
    printf("(disp: dispatches (copies: commands) per frame; MB: the engine's traffic model "
           "(anysr.h AsrPassProfile), not a measurement; %%MAC: GMAC/s / fp32 ceiling; %%BW: GB/s / "
           "copy ceiling; MAC/B: arithmetic intensity; bound: MAC when MAC/B is above the ridge "
           "point, else BW; split.wait: the host between two submissions of a split frame (CPU "
           "devices); profiling writes a timestamp after every dispatch, the op table above ran "
           "with it)\n");

    if (o->profile_csv) {
        FILE *c2 = fopen(o->profile_csv, "w");
        if (!c2) {
            fprintf(stderr, "anysr-bench: cannot write %s\n", o->profile_csv);
            return 1;
        }
        fprintf(c2, "op,subnet,width,depth,decoder,pass,dispatches,macs,bytes,gpu_ms,gmacs,gbps,"
                    "mac_ceiling_frac,bw_ceiling_frac,macs_per_byte,bound,fp32_gmacs_ceiling,"
                    "fp16_gmacs_ceiling,copy_gbps_ceiling,frames\n");
        for (int i = 0; i < n_ops; i++) {
            const BenchOp *b = &ops[i];
            const ProfAcc *a = b->prof;
            if (!a || !a->frames)
                continue;
            double f = a->frames;
            for (uint32_t j = 0; j < a->n; j++) {
                const AsrPassProfile *r = &a->rows[j];
                double ms = r->gpu_ms / f, macs = r->macs / f, bytes = r->bytes / f;
                double gmacs = ms > 0.0 ? macs / (ms * 1e6) : 0.0;
                double gbps = ms > 0.0 ? bytes / (ms * 1e6) : 0.0;
                fprintf(c2, "%s,%d,%u,%u,%s,%s,%.3f,%.0f,%.0f,%.4f,%.4f,%.4f,%.5f,%.5f,%.4f,%s,"
                            "%.4f,%.4f,%.4f,%d\n",
                        b->bicubic ? "bicubic" : "net", b->bicubic ? -1 : b->subnet, b->width,
                        b->depth, b->bicubic ? "bicubic" : asr_decoder_name(b->mode), r->name,
                        r->dispatches / f, macs, bytes, ms, gmacs, gbps,
                        c->fp32_gflops > 0.0 ? gmacs / c->fp32_gflops : 0.0,
                        c->copy_gbps > 0.0 ? gbps / c->copy_gbps : 0.0,
                        bytes > 0.0 ? macs / bytes : 0.0, bound_of(macs, bytes, ridge),
                        c->fp32_gflops, c->fp16_gflops, c->copy_gbps, a->frames);
            }
        }
        fclose(c2);
        printf("profile CSV: %s\n", o->profile_csv);
    }
    return 0;
}

static int apply_op(AsrEngine *e, const BenchOp *op)
{
    asr_engine_debug_set_bicubic(e, op->bicubic);
    if (op->bicubic)
        return 0;
    /* an explicit subnet runs as asked, above the scale-group cap too (--no-cap) */
    AsrOpChoice c = { op->subnet, op->mode, op->k, op->depth_target };
    return asr_engine_set_op(e, &c) == ASR_OK ? 0 : -1;
}

static const char *torch_script_path(const Options *o, char *buf, size_t len)
{
    if (o->torch_script)
        return o->torch_script;
    snprintf(buf, len, "%s/torch_bench.py", ANYSR_BENCH_SOURCE_DIR);
    return buf;
}

static const char *torch_model_path(const Options *o, char *buf, size_t len)
{
    if (o->model)
        return o->model;
    /* the embedded model was built from this file */
    snprintf(buf, len, "%s/../models/anysr-default.safetensors", ANYSR_BENCH_SOURCE_DIR);
    return buf;
}

/* Run bench/torch_bench.py on the same picture and ops; fills has_torch.
 * Returns the number of ops it timed, or -1. */
static int run_torch(const Options *o, BenchOp *ops, int n_ops, const uint8_t *px,
                     uint32_t out_w, uint32_t out_h)
{
    /* the paths of --torch-script/--model, else of the source tree */
    char script_buf[4096], model_buf[4096];
    const char *script = torch_script_path(o, script_buf, sizeof(script_buf));
    const char *model = torch_model_path(o, model_buf, sizeof(model_buf));
    if (access(script, R_OK) || access(model, R_OK)) {
        fprintf(stderr, "anysr-bench: PyTorch comparison skipped: %s or %s not found "
                "(--torch-script, --model)\n", script, model);
        return -1;
    }
    char raw[] = "/tmp/anysr-bench-XXXXXX";
    int fd = mkstemp(raw);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "wb");
    size_t bytes = (size_t)o->in_w * o->in_h * 4;
    if (!f || fwrite(px, 1, bytes, f) != bytes) {
        if (f)
            fclose(f);
        unlink(raw);
        return -1;
    }
    fclose(f);
    char opsarg[2048] = "";
    for (int i = 0; i < n_ops; i++) {
        if (ops[i].bicubic)
            continue;
        char one[64];
        snprintf(one, sizeof(one), "%s%u:%u:%s", opsarg[0] ? "," : "", ops[i].width,
                 ops[i].depth, asr_decoder_name(ops[i].mode));
        strncat(opsarg, one, sizeof(opsarg) - strlen(opsarg) - 1);
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    /* the script imports the training kit's package: train/anysr_train beside
     * the script's folder (the source tree's train/, or the bundle's) */
    const char *slash = strrchr(script, '/');
    int dir_len = slash ? (int)(slash - script) : 1;
    const char *dir = slash ? script : ".";
    char cmd[12288];
    snprintf(cmd, sizeof(cmd),
             "PYTHONPATH='%.*s/../train'${PYTHONPATH:+:$PYTHONPATH} "
             "'%s' '%s' --model '%s' --input-raw '%s' --size %ux%u --out %ux%u --ops %s "
             "--k %.9g --frames %d --warmup %d --threads %ld",
             dir_len, dir, o->python, script, model, raw, o->in_w, o->in_h, out_w, out_h, opsarg,
             (double)ops[n_ops - 1].k, o->frames, o->warmup < 1 ? 1 : o->warmup,
             cores > 0 ? cores : 1);
    fprintf(stderr, "anysr-bench: %s\n", cmd);
    FILE *p = popen(cmd, "r");
    if (!p) {
        unlink(raw);
        return -1;
    }
    char line[1024];
    int got = 0;
    while (fgets(line, sizeof(line), p)) {
        unsigned w, d;
        char mode[16];
        double ms, macs, hf;
        if (sscanf(line, "OP %u %u %15s %lf %lf %lf", &w, &d, mode, &ms, &macs, &hf) != 6) {
            fputs(line, stderr);
            continue;
        }
        for (int i = 0; i < n_ops; i++) {
            if (!ops[i].bicubic && ops[i].width == w && ops[i].depth == d &&
                !strcmp(asr_decoder_name(ops[i].mode), mode)) {
                ops[i].has_torch = 1;
                ops[i].torch_ms = ms;
                ops[i].torch_macs = macs;
                ops[i].torch_hf = hf;
                got++;
            }
        }
    }
    int rc = pclose(p);
    unlink(raw);
    if (rc != 0)
        fprintf(stderr, "anysr-bench: %s exited with status %d\n", script, rc);
    return got;
}

/* --size not given: 640x360, or 64x48 on Mesa's llvmpipe (lavapipe, a CPU
 * device about 1000 times slower than a GPU) */
static int validation_on(const Options *o)
{
    if (o->validation >= 0)
        return o->validation;
    AsrSettings s;
    asr_settings_default(&s);
    return s.validation;
}

static void default_size(Options *o, AsrEngine *e)
{
    if (validation_on(o))
        fprintf(stderr, "anysr-bench: the validation layer is on (ANYSR_VALIDATION): wall times "
                "include its CPU overhead (--no-validation)\n");
    if (o->in_w)
        return;
    int cpu = strstr(asr_engine_device_name(e), "llvmpipe") != NULL;
    o->in_w = cpu ? 64 : 640;
    o->in_h = cpu ? 48 : 360;
    if (cpu)
        fprintf(stderr, "anysr-bench: CPU device (lavapipe): default size 64x48 (--size)\n");
}

static int bench_ops(Options *o)
{
    AsrEngine *e = engine_new(o);
    if (!e)
        return 1;
    default_size(o, e);
    uint32_t out_w = (uint32_t)lround(o->in_w * o->sx), out_h = (uint32_t)lround(o->in_h * o->sy);
    AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = o->in_w, .height = o->in_h };
    AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = out_w, .height = out_h };
    if (asr_engine_configure(e, &in, &out) != ASR_OK) {
        fprintf(stderr, "anysr-bench: configure %ux%u -> %ux%u: %s\n", o->in_w, o->in_h, out_w,
                out_h, asr_engine_last_error(e));
        asr_engine_free(&e);
        return 1;
    }
    int nsub = asr_engine_num_subnets(e);
    int cap = asr_engine_subnet_cap(e);
    int top = o->no_cap ? nsub - 1 : cap;
    float k = o->has_k ? o->k : asr_engine_default_k(e);
    if (o->subnet > top) {
        fprintf(stderr, "anysr-bench: --subnet %d: the model has %d subnets and the scale cap "
                "is %d (--no-cap times rungs above it)\n", o->subnet, nsub, cap);
        asr_engine_free(&e);
        return 1;
    }

    static BenchOp ops[MAX_OPS];
    int n_ops = 0;
    if (o->bicubic) {
        memset(&ops[n_ops], 0, sizeof(BenchOp));
        ops[n_ops].bicubic = 1;
        ops[n_ops].k = k;
        snprintf(ops[n_ops].label, sizeof(ops[n_ops].label), "bicubic");
        n_ops++;
    }
    int first_net = n_ops;
    for (int sn = 0; sn <= top; sn++) {
        if (o->subnet >= 0 && sn != o->subnet && (sn != top || o->no_full))
            continue;
        for (int d = 0; d < 3; d++) {
            /* the full op (top, heavy) is always timed: the ratios need it */
            int wanted = (o->subnet < 0 || sn == o->subnet) && (o->decoder < 0 || d == o->decoder);
            if (!wanted && (o->no_full || !(sn == top && d == ASR_DECODER_HEAVY)))
                continue;
            BenchOp *b = &ops[n_ops++];
            memset(b, 0, sizeof(*b));
            b->subnet = sn;
            asr_engine_get_subnet(e, sn, &b->width, &b->depth);
            b->mode = (AsrDecoderMode)d;
            b->k = k;
            b->depth_target = o->depth_target;
            snprintf(b->label, sizeof(b->label), "%d (%u,%u) %s", sn, b->width, b->depth,
                     asr_decoder_name((AsrDecoderMode)d));
        }
    }
    for (int i = 0; i < n_ops; i++) {
        ops[i].samples = calloc((size_t)o->frames * N_SAMPLE, sizeof(double));
        if (!ops[i].samples)
            return 1;
        if (o->roofline && !(ops[i].prof = calloc(1, sizeof(ProfAcc))))
            return 1;
    }
    if (o->roofline && asr_engine_set_profiling(e, 1) != ASR_OK) {
        fprintf(stderr, "anysr-bench: asr_engine_set_profiling: %s\n", asr_engine_last_error(e));
        return 1;
    }
    int full = -1;
    for (int i = first_net; i < n_ops; i++)
        if (ops[i].subnet == top && ops[i].mode == ASR_DECODER_HEAVY)
            full = i;

    size_t in_bytes = (size_t)o->in_w * o->in_h * 4, out_bytes = (size_t)out_w * out_h * 4;
    uint8_t *src = malloc(in_bytes), *dst = malloc(out_bytes);
    if (!src || !dst)
        return 1;
    make_picture(src, o->in_w, o->in_h);
    AsrFrame fin = { { src }, { (size_t)o->in_w * 4 } };
    AsrFrame fout = { { dst }, { (size_t)out_w * 4 } };

    AsrStats kst;
    asr_engine_get_stats(e, &kst);
    printf("anysr-bench %s: device \"%s\", kernels %s (%s, %s), %ux%u -> %ux%u (scale %.4g x %.4g), scale cap: "
           "subnet %d of %d%s, k %.3g, depth target %.3g%s, %d warm-up + %d timed frames per op "
           "(round-robin), medians\n",
           asr_version(), asr_engine_device_name(e),
           asr_kernels_name(kst.plan.kernels), kst.tune.config, tune_source(&kst), o->in_w,
           o->in_h, out_w, out_h,
           (double)out_w / o->in_w, (double)out_h / o->in_h, cap, nsub,
           o->no_cap ? " (--no-cap: rungs above it timed too)" : "", (double)k,
           (double)(o->depth_target > 0.0f ? o->depth_target
                                            : asr_engine_default_depth_target(e)),
           o->depth_target > 0.0f ? "" : asr_engine_default_depth_target(e) < 1.0f
               ? " (the model's default)" : " (the model has no depth adapter: fixed depth)",
           o->warmup, o->frames);
    fflush(stdout);

    int status = 0;
    for (int i = 0; i < n_ops && !status; i++) {
        if (apply_op(e, &ops[i]) < 0) {
            fprintf(stderr, "anysr-bench: cannot select op %s\n", ops[i].label);
            status = 1;
        }
        for (int w = 0; w < o->warmup && !status; w++)
            if (asr_engine_process(e, &fin, &fout) != ASR_OK) {
                fprintf(stderr, "anysr-bench: process: %s\n", asr_engine_last_error(e));
                status = 1;
            }
    }
    for (int f = 0; f < o->frames && !status; f++) {
        for (int i = 0; i < n_ops && !status; i++) {
            BenchOp *b = &ops[i];
            AsrStats st;
            apply_op(e, b);
            if (asr_engine_process(e, &fin, &fout) != ASR_OK) {
                fprintf(stderr, "anysr-bench: process: %s\n", asr_engine_last_error(e));
                status = 1;
                break;
            }
            asr_engine_get_stats(e, &st);
            double *v = b->samples + (size_t)b->n * N_SAMPLE;
            v[0] = st.time.upload_ms;
            v[1] = st.time.encoder_ms;
            v[2] = st.time.decoder_ms;
            v[3] = st.time.download_ms;
            v[4] = st.time.gpu_ms;
            v[5] = st.time.wall_ms;
            v[6] = st.op.macs;
            v[7] = st.op.heavy_fraction;
            v[8] = st.op.depth_target;
            v[9] = st.op.mean_depth;
            b->dev_bytes = st.memory.device_bytes > b->dev_bytes ? st.memory.device_bytes : b->dev_bytes;
            b->n++;
            if (b->prof)
                prof_accumulate(e, b->prof);
        }
    }
    AsrStats mem;
    asr_engine_get_stats(e, &mem);
    /* after the stats: the probe's buffers would count in their peak */
    AsrDeviceCeiling ceil = { 0 };
    if (o->roofline && !status && asr_engine_probe_ceiling(e, &ceil) != ASR_OK)
        fprintf(stderr, "anysr-bench: ceiling probe failed: %s\n", asr_engine_last_error(e));
    asr_engine_free(&e);
    if (status)
        return status;
    printf("device memory: %.1f MiB at the end, peak %.1f MiB (frame-dependent buffers and "
           "weights, staging included); feature maps %s; encoder bands %u, decoder bands %u\n",
           mem.memory.device_bytes / 1048576.0, mem.memory.device_bytes_peak / 1048576.0,
           mem.plan.precision == ASR_PRECISION_FP16 ? "fp16" : "fp32", mem.plan.encoder_bands,
           mem.plan.decoder_bands);
    /* docs/design.md#kernels, #cache */
    static const char *const pcache[] = { "none", "used", "missing (written at the end)",
                                          "ignored (written again at the end)" };
    printf("pipelines: %llu of %u created by the frames, in %.0f ms; pipeline cache %s",
           (unsigned long long)mem.counts.pipelines_created, mem.pipelines.described,
           mem.pipelines.create_ms,
           (unsigned)mem.pipelines.cache < 4 ? pcache[mem.pipelines.cache] : "?");
    if (mem.pipelines.cache == ASR_PIPELINE_CACHE_USED)
        printf(", %llu bytes", (unsigned long long)mem.pipelines.cache_bytes);
    printf("\n");
    /* medians over the timed frames: robust to the spikes of a shared machine */
    for (int i = 0; i < n_ops; i++) {
        BenchOp *b = &ops[i];
        double m[N_SAMPLE];
        for (int c = 0; c < N_SAMPLE; c++)
            m[c] = median_of(b->samples, b->n, c);
        b->upload = m[0];
        b->encoder = m[1];
        b->decoder = m[2];
        b->download = m[3];
        b->gpu = m[4];
        b->wall = m[5];
        b->macs = m[6];
        b->hf = m[7];
        b->ran_target = m[8];
        b->mean_depth = m[9];
        free(b->samples);
        b->samples = NULL;
    }

    int torch_ok = 0;
    if (o->torch && n_ops > first_net) {
        fflush(stdout);
        torch_ok = run_torch(o, ops, n_ops, src, out_w, out_h) > 0;
    }

    const BenchOp *F = full >= 0 ? &ops[full] : NULL;
    printf("\n%-22s %7s %7s %7s %7s %8s %8s %7s %9s %7s %6s %11s %6s %6s %8s",
           "op (subnet (c,d) dec)", "upl ms", "enc ms", "dec ms", "down ms", "GPU ms",
           "wall ms", "fps", "MMAC", "GMAC/s", "heavy", "target/mean", "t/full", "M/full",
           "dev MiB");
    if (torch_ok)
        printf(" %9s %8s %8s", "torch ms", "tGMAC/s", "eng/pt");
    printf("\n");
    for (int i = 0; i < n_ops; i++) {
        const BenchOp *b = &ops[i];
        double gmacs = b->gpu > 0.0 ? b->macs / (b->gpu * 1e6) : 0.0;
        printf("%-22s %7.2f %7.2f %7.2f %7.2f %8.2f %8.2f %7.1f %9.2f %7.2f %5.0f%% %5.2f/%5.2f "
               "%6.3f %6.3f %8.1f", b->label, b->upload, b->encoder, b->decoder, b->download,
               b->gpu, b->wall, 1000.0 / b->wall, b->macs / 1e6, gmacs, 100.0 * b->hf,
               b->ran_target, b->mean_depth, F ? b->gpu / F->gpu : 0.0,
               F && !b->bicubic ? b->macs / F->macs : 0.0, b->dev_bytes / 1048576.0);
        if (torch_ok && b->has_torch) {
            double tg = b->torch_macs / (b->torch_ms * 1e6);
            printf(" %9.2f %8.2f %8.2f", b->torch_ms, tg, gmacs / tg);
        }
        printf("\n");
    }
    printf("(medians over the timed frames; GPU ms per stage: upload = input copy + unpack, enc = encoder, dec = decoder, "
           "down = pack + output copy; GMAC/s = MACs / GPU time; target/mean: the depth target "
           "run (1: every block) and the blocks the input pixels ran on average; t/full, M/full: "
           "GPU time and "
           "MACs vs the full op %s; eng/pt: GMAC/s of the engine (GPU time) / PyTorch (CPU, "
           "%ld threads, wall time of the forward), each with its own MACs)\n",
           F ? F->label : "-", sysconf(_SC_NPROCESSORS_ONLN));
    if (torch_ok) {
        double lo = 1e30, hi = 0.0, lsum = 0.0;
        int cnt = 0;
        for (int i = 0; i < n_ops; i++) {
            const BenchOp *b = &ops[i];
            if (!b->has_torch)
                continue;
            double r = (b->macs / b->gpu) / (b->torch_macs / b->torch_ms);
            lo = r < lo ? r : lo;
            hi = r > hi ? r : hi;
            lsum += log(r);
            cnt++;
        }
        if (cnt)
            printf("engine / PyTorch GMAC/s: geometric mean %.2f (min %.2f, max %.2f) over %d ops\n",
                   exp(lsum / cnt), lo, hi, cnt);
    }

    if (o->csv) {
        FILE *c = fopen(o->csv, "w");
        if (!c) {
            fprintf(stderr, "anysr-bench: cannot write %s\n", o->csv);
            return 1;
        }
        fprintf(c, "op,subnet,width,depth,decoder,k,in_w,in_h,out_w,out_h,upload_ms,encoder_ms,"
                   "decoder_ms,download_ms,gpu_ms,wall_ms,fps,macs,gmacs,heavy_share,"
                   "gpu_vs_full,macs_vs_full,device_bytes,torch_ms,torch_macs,torch_gmacs,"
                   "engine_vs_torch,depth_target,mean_depth\n");
        for (int i = 0; i < n_ops; i++) {
            const BenchOp *b = &ops[i];
            double gmacs = b->gpu > 0.0 ? b->macs / (b->gpu * 1e6) : 0.0;
            fprintf(c, "%s,%d,%u,%u,%s,%.4g,%u,%u,%u,%u,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.3f,%.0f,"
                       "%.4f,%.4f,%.4f,%.4f,%llu,",
                    b->bicubic ? "bicubic" : "net", b->bicubic ? -1 : b->subnet, b->width,
                    b->depth, b->bicubic ? "bicubic" : asr_decoder_name(b->mode), (double)b->k,
                    o->in_w, o->in_h, out_w, out_h, b->upload, b->encoder, b->decoder,
                    b->download, b->gpu, b->wall, 1000.0 / b->wall, b->macs, gmacs, b->hf,
                    F ? b->gpu / F->gpu : 0.0, F && !b->bicubic ? b->macs / F->macs : 0.0,
                    (unsigned long long)b->dev_bytes);
            if (b->has_torch) {
                double tg = b->torch_macs / (b->torch_ms * 1e6);
                fprintf(c, "%.4f,%.0f,%.4f,%.4f,", b->torch_ms, b->torch_macs, tg, gmacs / tg);
            } else {
                fprintf(c, ",,,,");
            }
            fprintf(c, "%.4g,%.4f\n", b->ran_target, b->mean_depth);
        }
        fclose(c);
        printf("CSV: %s\n", o->csv);
    }
    int rc = 0;
    if (o->roofline)
        rc = print_roofline(o, ops, n_ops, &ceil, mem.plan.precision);
    for (int i = 0; i < n_ops; i++)
        free(ops[i].prof);
    free(src);
    free(dst);
    return rc;
}

/* ---- QoS replay --------------------------------------------------------- */

typedef struct Competitor {
    pthread_t thread;
    int index;
    AsrEngine *e;
    uint8_t *src, *dst;
    uint32_t in_w, in_h, out_w, out_h;
    atomic_int *active; /* competitors with index < *active run */
    atomic_int *quit;
    atomic_llong frames;
    int failed;
} Competitor;

static void *competitor_main(void *arg)
{
    Competitor *c = arg;
    AsrFrame fin = { { c->src }, { (size_t)c->in_w * 4 } };
    AsrFrame fout = { { c->dst }, { (size_t)c->out_w * 4 } };
    while (!atomic_load(c->quit)) {
        if (c->index < atomic_load(c->active)) {
            if (asr_engine_process(c->e, &fin, &fout) != ASR_OK) {
                c->failed = 1;
                break;
            }
            atomic_fetch_add(&c->frames, 1);
        } else {
            sleep_ms(1.0);
        }
    }
    return NULL;
}

typedef struct FrameLog {
    int load;
    int point, subnet, decoder;
    uint32_t width, depth;
    double gpu, wall, budget, predicted, hf, t_ms;
    double depth_target, mean_depth;
    long long competitor_frames;
} FrameLog;

static int bench_qos(Options *o)
{
    AsrEngine *e = engine_new(o);
    if (!e)
        return 1;
    default_size(o, e);
    uint32_t out_w = (uint32_t)lround(o->in_w * o->sx), out_h = (uint32_t)lround(o->in_h * o->sy);
    AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = o->in_w, .height = o->in_h };
    AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = out_w, .height = out_h };
    if (asr_engine_configure(e, &in, &out) != ASR_OK) {
        fprintf(stderr, "anysr-bench: configure: %s\n", asr_engine_last_error(e));
        asr_engine_free(&e);
        return 1;
    }
    float k = o->has_k ? o->k : asr_engine_default_k(e);
    AsrOpChoice ceiling = { o->subnet, (AsrDecoderMode)o->decoder, k, o->depth_target };
    if (asr_engine_set_op(e, &ceiling) != ASR_OK) {
        fprintf(stderr, "anysr-bench: bad subnet / decoder: %s\n", asr_engine_last_error(e));
        asr_engine_free(&e);
        return 1;
    }
    size_t in_bytes = (size_t)o->in_w * o->in_h * 4, out_bytes = (size_t)out_w * out_h * 4;
    uint8_t *src = malloc(in_bytes), *dst = malloc(out_bytes);
    make_picture(src, o->in_w, o->in_h);
    AsrFrame fin = { { src }, { (size_t)o->in_w * 4 } };
    AsrFrame fout = { { dst }, { (size_t)out_w * 4 } };
    /* competitors, created before the run (engine creation is not the load) */
    int max_load = 0;
    for (int s = 0; s < o->n_steps; s++)
        max_load = o->step_load[s] > max_load ? o->step_load[s] : max_load;
    static Competitor comp[MAX_COMPETITORS];
    atomic_int active = 0, quit = 0;
    for (int i = 0; i < max_load; i++) {
        Competitor *c = &comp[i];
        memset(c, 0, sizeof(*c));
        c->index = i;
        c->e = engine_new(o);
        if (!c->e)
            return 1;
        c->in_w = o->in_w;
        c->in_h = o->in_h;
        c->out_w = out_w;
        c->out_h = out_h;
        c->src = malloc(in_bytes);
        c->dst = malloc(out_bytes);
        memcpy(c->src, src, in_bytes);
        AsrOpChoice fullop = { -1, ASR_DECODER_HEAVY, k };
        if (asr_engine_configure(c->e, &in, &out) != ASR_OK ||
            asr_engine_set_op(c->e, &fullop) != ASR_OK)
            return 1;
        AsrFrame cin = { { c->src }, { (size_t)o->in_w * 4 } };
        AsrFrame cout = { { c->dst }, { (size_t)out_w * 4 } };
        asr_engine_process(c->e, &cin, &cout); /* warm */
        c->active = &active;
        c->quit = &quit;
        atomic_init(&c->frames, 0);
        pthread_create(&c->thread, NULL, competitor_main, c);
    }

    /* warm-up at the ceiling, adaptation off; measures the full op for 'auto' */
    AsrStats st;
    double full_wall = 0.0;
    int nw = o->warmup < 3 ? 3 : o->warmup;
    double ws[64];
    for (int i = 0; i < nw && i < 64; i++) {
        asr_engine_process(e, &fin, &fout);
        asr_engine_get_stats(e, &st);
        ws[i] = st.time.wall_ms;
    }
    /* median of the warm-up frames after the first */
    {
        int n = (nw < 64 ? nw : 64) - 1;
        for (int i = 1; i <= n; i++)
            for (int j = i + 1; j <= n; j++)
                if (ws[j] < ws[i]) {
                    double t = ws[i];
                    ws[i] = ws[j];
                    ws[j] = t;
                }
        full_wall = ws[1 + n / 2];
    }
    double fps = o->target_fps > 0.0 ? o->target_fps : 1000.0 / (1.3 * full_wall);
    double budget = 1000.0 / fps;
    if (asr_engine_set_target(e, fps, o->headroom) != ASR_OK) {
        fprintf(stderr, "anysr-bench: asr_engine_set_target(%g, %g) refused\n", fps, o->headroom);
        return 1;
    }
    /* the list with adaptation on: the bicubic floor is point 0 */
    int np = asr_engine_num_op_points(e);
    AsrOpChoice pts[32];
    for (int p = 0; p < np && p < 32; p++)
        asr_engine_get_op_point(e, p, &pts[p]);
    printf("anysr-bench %s --qos: device \"%s\", %ux%u -> %ux%u, decoder %s, ceiling at the "
           "start: %s (quiet wall %.2f ms), target %.2f fps (budget %.2f ms%s), headroom %s, "
           "%d frames, %s\n", asr_version(), asr_engine_device_name(e), o->in_w, o->in_h, out_w,
           out_h, asr_decoder_name(o->decoder), o->subnet < 0 ? "scale cap" : "--subnet", full_wall,
           fps, budget, o->target_fps > 0.0 ? "" : ", auto = 1.3 x the ceiling's wall time",
           o->headroom > 0.0 ? "set" : "0.85 (default)", o->frames,
           o->pace ? "paced at the target rate" : "back to back");
    printf("op points:");
    for (int p = 0; p < np && p < 32; p++) {
        if (pts[p].subnet == ASR_SUBNET_BICUBIC)
            printf(" %d=(bicubic)", p);
        else if (pts[p].depth_target < 1.0f)
            printf(" %d=(subnet %d %s, depth target %.2f)", p, pts[p].subnet,
                   asr_decoder_name(pts[p].decoder), (double)pts[p].depth_target);
        else
            printf(" %d=(subnet %d %s)", p, pts[p].subnet, asr_decoder_name(pts[p].decoder));
    }
    printf("\nload steps:");
    for (int s = 0; s < o->n_steps; s++)
        printf(" frame %d -> %d competing engine(s)%s;", o->step_frame[s], o->step_load[s],
               o->step_load[s] ? " at the full op" : "");
    printf("%s\n", o->n_steps ? "" : " none");
    fflush(stdout);

    FrameLog *log = calloc((size_t)o->frames, sizeof(FrameLog));
    int load = 0, status = 0;
    double t0 = now_ms();
    for (int f = 0; f < o->frames; f++) {
        for (int s = 0; s < o->n_steps; s++)
            if (o->step_frame[s] == f) {
                load = o->step_load[s];
                atomic_store(&active, load);
            }
        if (o->pace) {
            double due = t0 + f * budget;
            sleep_ms(due - now_ms());
        }
        double ts = now_ms() - t0;
        if (asr_engine_process(e, &fin, &fout) != ASR_OK) {
            fprintf(stderr, "anysr-bench: process: %s\n", asr_engine_last_error(e));
            status = 1;
            break;
        }
        asr_engine_get_stats(e, &st);
        FrameLog *l = &log[f];
        l->t_ms = ts;
        l->load = load;
        l->point = st.op.point;
        l->subnet = st.op.subnet;
        l->decoder = st.op.decoder;
        l->width = st.op.width;
        l->depth = st.op.depth;
        l->depth_target = st.op.depth_target;
        l->mean_depth = st.op.mean_depth;
        l->gpu = st.time.gpu_ms;
        l->wall = st.time.wall_ms;
        l->budget = st.qos.budget_ms;
        l->predicted = st.qos.predicted_ms;
        l->hf = st.op.heavy_fraction;
        long long cf = 0;
        for (int i = 0; i < max_load; i++)
            cf += atomic_load(&comp[i].frames);
        l->competitor_frames = cf;
    }
    atomic_store(&quit, 1);
    for (int i = 0; i < max_load; i++) {
        pthread_join(comp[i].thread, NULL);
        if (comp[i].failed)
            fprintf(stderr, "anysr-bench: competitor %d failed\n", i);
        asr_engine_free(&comp[i].e);
        free(comp[i].src);
        free(comp[i].dst);
    }
    asr_engine_get_stats(e, &st);
    asr_engine_free(&e);
    if (status)
        return status;

    /* summary */
    int within = 0;
    for (int f = 0; f < o->frames; f++)
        within += log[f].wall <= log[f].budget;
    printf("\n%d frames: %.1f %% within budget (wall time), %llu controller switches\n",
           o->frames, 100.0 * within / o->frames, (unsigned long long)st.qos.switches);
    /* segments: [0, first step), [step s, step s+1) ... */
    int bounds[MAX_STEPS + 2], loads[MAX_STEPS + 1], nb = 0;
    bounds[nb] = 0;
    loads[nb] = 0;
    nb++;
    for (int s = 0; s < o->n_steps; s++) {
        if (o->step_frame[s] <= 0) {
            loads[0] = o->step_load[s];
            continue;
        }
        if (o->step_frame[s] >= o->frames)
            continue;
        bounds[nb] = o->step_frame[s];
        loads[nb] = o->step_load[s];
        nb++;
    }
    bounds[nb] = o->frames;
    printf("%-16s %5s %8s %10s %9s %10s %s\n", "segment", "load", "frames", "settle", "in budget",
           "mean wall", "frames per op point");
    for (int s = 0; s < nb; s++) {
        int a = bounds[s], b = bounds[s + 1];
        int settle = -1;
        for (int f = a; f + SETTLE_WINDOW <= b && settle < 0; f++) {
            int ok = 1;
            for (int g = f; g < f + SETTLE_WINDOW && ok; g++)
                ok = log[g].point == log[f].point && log[g].wall <= log[g].budget;
            if (ok)
                settle = f - a;
        }
        int n_in = 0, per[32] = { 0 };
        double wsum = 0.0;
        for (int f = a; f < b; f++) {
            n_in += log[f].wall <= log[f].budget;
            wsum += log[f].wall;
            if (log[f].point >= 0 && log[f].point < 32)
                per[log[f].point]++;
        }
        char seg[32], st_s[32];
        snprintf(seg, sizeof(seg), "[%d, %d)", a, b);
        if (settle >= 0)
            snprintf(st_s, sizeof(st_s), "%d fr", settle);
        else
            snprintf(st_s, sizeof(st_s), "no");
        printf("%-16s %5d %8d %10s %8.1f%% %8.2fms ", seg, loads[s], b - a, st_s,
               100.0 * n_in / (b - a), wsum / (b - a));
        for (int p = 0; p < np && p < 32; p++)
            printf(" %d:%d", p, per[p]);
        printf("\n");
    }
    printf("(settle: frames from the start of the segment until %d consecutive frames on one op "
           "point, all within budget; 'no': never in that segment)\n", SETTLE_WINDOW);

    if (o->csv) {
        FILE *c = fopen(o->csv, "w");
        if (!c) {
            fprintf(stderr, "anysr-bench: cannot write %s\n", o->csv);
            return 1;
        }
        fprintf(c, "frame,t_ms,load,op_point,subnet,width,depth,decoder,gpu_ms,wall_ms,budget_ms,"
                   "predicted_ms,within_budget,heavy_share,competitor_frames,depth_target,"
                   "mean_depth\n");
        for (int f = 0; f < o->frames; f++) {
            const FrameLog *l = &log[f];
            fprintf(c, "%d,%.3f,%d,%d,%d,%u,%u,%s,%.4f,%.4f,%.4f,%.4f,%d,%.4f,%lld,%.4g,%.4f\n", f,
                    l->t_ms, l->load, l->point, l->subnet, l->width, l->depth,
                    l->decoder >= 0 && l->decoder < 3 ? asr_decoder_name((AsrDecoderMode)l->decoder) : "?", l->gpu,
                    l->wall, l->budget, l->predicted, l->wall <= l->budget, l->hf,
                    l->competitor_frames, l->depth_target, l->mean_depth);
        }
        fclose(c);
        printf("CSV: %s\n", o->csv);
    }
    free(log);
    free(src);
    free(dst);
    return 0;
}

/* --tune: one candidate's row */
static void tune_row(void *user, const AsrTuneRow *r)
{
    (void)user;
    if (r->verdict == ASR_TUNE_TIMED)
        printf("  %-12s %-50s %10.3f ms\n", r->family, r->config, r->ms);
    else
        printf("  %-12s %-50s %10s  %s\n", r->family, r->config,
               r->verdict == ASR_TUNE_SKIPPED ? "skipped" : "rejected", r->why);
    fflush(stdout);
}

#define TUNE_ENGINES 3

static int bench_tune(Options *o)
{
    Options off = *o;
    off.tuning = ASR_TUNING_OFF;
    AsrEngine *eng[TUNE_ENGINES] = { NULL };
    const char *label[TUNE_ENGINES] = { "built in", "tuned", "exhaustive best" };
    AsrKernelConfig cfg[TUNE_ENGINES];
    AsrStats st;
    AsrEngine *e = engine_new(&off);
    if (!e)
        return 1;
    default_size(o, e);
    asr_engine_get_stats(e, &st);
    asr_engine_debug_kernel_config(e, &cfg[0]);
    printf("anysr-bench %s --tune%s: device \"%s\", kernels %s, feature maps %s, built in: %s\n",
           asr_version(), o->exhaustive ? " --exhaustive" : "", asr_engine_device_name(e),
           asr_kernels_name(st.plan.kernels),
           st.plan.precision == ASR_PRECISION_FP16 ? "fp16" : "fp32", st.tune.config);
    printf("== the tuner: the candidates of the device's class, %s (GPU ms of the family's "
           "passes in one frame, best of 3)\n",
           o->tune_bound > 0.0 ? "--tune-bound" : "the tuner's bound");
    /* the tuner's frame: --size when given, else its own (256x256 on a GPU, 160x96 on a CPU) */
    AsrDebugTune opt = { .bound_s = o->tune_bound, .width = o->size_set ? o->in_w : 0,
                         .height = o->size_set ? o->in_h : 0, .report = tune_row };
    int n = 2;
    if (asr_engine_debug_tune(e, &opt) != ASR_OK) {
        fprintf(stderr, "anysr-bench: tuning failed: %s\n", asr_engine_last_error(e));
        asr_engine_free(&e);
        return 1;
    }
    asr_engine_get_stats(e, &st);
    asr_engine_debug_kernel_config(e, &cfg[1]);
    printf("winner: %s (%u timed, %u rejected, %.1f s; cached)\n", st.tune.config, st.tune.timed,
           st.tune.rejected, st.tune.tune_ms / 1000.0);
    if (o->exhaustive) {
        printf("== exhaustive: a wider grid per family, from the built-in configuration\n");
        AsrDebugTune ex = opt;
        ex.exhaustive = 1;
        ex.bound_s = o->tune_bound > 0.0 ? o->tune_bound : 3600.0;
        if (asr_engine_debug_tune(e, &ex) != ASR_OK) {
            fprintf(stderr, "anysr-bench: exhaustive tuning failed: %s\n",
                    asr_engine_last_error(e));
            asr_engine_free(&e);
            return 1;
        }
        asr_engine_get_stats(e, &st);
        asr_engine_debug_kernel_config(e, &cfg[2]);
        printf("exhaustive winner: %s (%u timed, %u rejected, %.1f s; not cached)\n",
               st.tune.config, st.tune.timed, st.tune.rejected, st.tune.tune_ms / 1000.0);
        n = 3;
    }
    asr_engine_free(&e);

    /* the full op side by side, one engine per configuration, round-robin */
    uint32_t out_w = (uint32_t)lround(o->in_w * o->sx), out_h = (uint32_t)lround(o->in_h * o->sy);
    AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = o->in_w, .height = o->in_h };
    AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = out_w, .height = out_h };
    uint8_t *src = malloc((size_t)o->in_w * o->in_h * 4), *dst = malloc((size_t)out_w * out_h * 4);
    double *gpu = calloc((size_t)N_SAMPLE * o->frames, sizeof(double));
    double macs[TUNE_ENGINES] = { 0 };
    int status = 0;
    if (!src || !dst || !gpu)
        return 1;
    make_picture(src, o->in_w, o->in_h);
    AsrFrame fin = { { src }, { (size_t)o->in_w * 4 } };
    AsrFrame fout = { { dst }, { (size_t)out_w * 4 } };
    for (int i = 0; i < n && !status; i++) {
        char why[256] = "";
        if (!(eng[i] = engine_new(&off)))
            return 1;
        if (asr_engine_debug_set_kernel_config(eng[i], &cfg[i], why, sizeof(why)) != ASR_OK ||
            asr_engine_configure(eng[i], &in, &out) != ASR_OK) {
            fprintf(stderr, "anysr-bench: %s: %s%s\n", label[i], why,
                    asr_engine_last_error(eng[i]));
            status = 1;
            break;
        }
        /* the full op: the scale cap's subnet (known once configured) */
        BenchOp full = { .subnet = asr_engine_subnet_cap(eng[i]), .mode = ASR_DECODER_HEAVY,
                         .k = asr_engine_default_k(eng[i]), .depth_target = o->depth_target };
        if (apply_op(eng[i], &full) < 0) {
            fprintf(stderr, "anysr-bench: %s: set_op: %s\n", label[i],
                    asr_engine_last_error(eng[i]));
            status = 1;
        }
    }
    for (int f = -o->warmup; f < o->frames && !status; f++)
        for (int i = 0; i < n && !status; i++) {
            if (asr_engine_process(eng[i], &fin, &fout) != ASR_OK) {
                fprintf(stderr, "anysr-bench: %s: %s\n", label[i], asr_engine_last_error(eng[i]));
                status = 1;
                break;
            }
            asr_engine_get_stats(eng[i], &st);
            if (f >= 0)
                gpu[(size_t)f * N_SAMPLE + i] = st.time.gpu_ms, macs[i] = st.op.macs;
        }
    if (!status) {
        printf("== the full op (largest subnet, heavy decoder, depth target %s), %ux%u -> %ux%u, "
               "%d warm-up + %d timed frames round-robin, medians\n",
               o->depth_target > 0.0f ? "set" : "the model's default", o->in_w, o->in_h, out_w,
               out_h, o->warmup, o->frames);
        printf("  %-16s %-50s %10s %8s %10s\n", "configuration", "", "GPU ms", "GMAC/s",
               "vs built in");
        double g[TUNE_ENGINES];
        for (int i = 0; i < n; i++) {
            double ms = median_of(gpu, o->frames, i);
            g[i] = ms > 0.0 ? macs[i] / ms / 1e6 : 0.0;
            char name[64];
            asr_engine_get_stats(eng[i], &st);
            snprintf(name, sizeof(name), "%s", st.tune.config);
            printf("  %-16s %-50s %10.2f %8.2f %9.1f%%\n", label[i], name, ms, g[i],
                   g[0] > 0.0 ? 100.0 * g[i] / g[0] : 0.0);
        }
        if (n == 3 && g[2] > 0.0)
            printf("the tuner's pick runs at %.1f %% of the exhaustive best's GMAC/s\n",
                   100.0 * g[1] / g[2]);
    }
    for (int i = 0; i < n; i++)
        asr_engine_free(&eng[i]);
    free(src), free(dst), free(gpu);
    return status;
}

int main(int argc, char **argv)
{
    Options o;
    if (parse_options(argc, argv, &o) < 0)
        return 2;
    if (asr_device_count() <= 0) {
        fprintf(stderr, "anysr-bench: no Vulkan device (install a driver, or Mesa's lavapipe: "
                "mesa-vulkan-drivers, and point VK_DRIVER_FILES at its ICD json)\n");
        return 77;
    }
    return o.qos ? bench_qos(&o) : o.tune ? bench_tune(&o) : bench_ops(&o);
}
