/*
 * The kernel tuner (docs/design.md#kernels, "Tuning"): when an engine
 * opens, the kernel configuration it runs: the device's built-in one
 * (tuning off, or auto on a CPU device with nothing cached), the cached
 * winners of this device and net (auto), or winners timed now on the device
 * (auto on a GPU with nothing cached, force) and cached. Timing: each kernel
 * family in turn (tune/candidates.h), every candidate of the device's class
 * that the device's rules allow, on a synthetic frame at the full op, its
 * role's passes timed by the GPU timestamps of the per-pass profile, after
 * a first frame whose output is checked against the built-in
 * configuration's (a candidate that differs is rejected, never picked).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "cachedir.h"
#include "candidates.h"
#include "engine.h"
#include "internal.h"
#include "tunecache.h"

#define TUNE_GPU_SIDE 256   /* LR side of the synthetic frame on a GPU */
#define TUNE_CPU_W 160      /* ... on a CPU device */
#define TUNE_CPU_H 96
#define TUNE_GPU_BOUND_S 2.0
#define TUNE_CPU_BOUND_S 60.0
#define TUNE_MAX_CANDIDATES 256
/* the output check: 8-bit values within TUNE_MAX_DIFF, and at most 1 %
 * of them more than one level apart (fp16 sums in another order round
 * differently) */
#define TUNE_MAX_DIFF 4

typedef struct Tuner {
    AsrEngine *e;
    const AsrDebugTune *opt;
    AsrFrame in, out;
    uint8_t *src, *dst, *ref[2]; /* ref: the built-in output, [0] fixed depth, [1] adaptive */
    size_t out_bytes;
    double t0, bound_ms;
    uint32_t timed, rejected;
} Tuner;

/* The net of this engine as cache key text: model shape, precision, kernels */
static void net_key(const AsrEngine *e, char *buf, size_t size)
{
    const AsrArch *a = &e->net.model->arch;
    int n = snprintf(buf, size, "F%u D%u T%u chunk %u top %ux%u heavy", a->F, a->D,
                     a->depth_tile, a->chunk, a->ladder[a->n_ladder - 1][0],
                     a->ladder[a->n_ladder - 1][1]);
    for (uint32_t i = 0; i < a->n_heavy && n > 0 && (size_t)n < size; i++)
        n += snprintf(buf + n, size - (size_t)n, " %u", a->heavy[i]);
    if (n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " light");
    for (uint32_t i = 0; i < a->n_light && n > 0 && (size_t)n < size; i++)
        n += snprintf(buf + n, size - (size_t)n, " %u", a->light[i]);
    if (n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " %s %s", e->net.fp16 ? "fp16" : "fp32",
                 e->net.coopmat ? "coopmat" : "simt");
}

/* The device as cache key text: IDs, driver version, pipeline-cache UUID,
 * subgroup size (lavapipe's follows LP_NATIVE_VECTOR_WIDTH) */
static void device_key(const AsrDevice *d, char *buf, size_t size)
{
    const VkPhysicalDeviceProperties *p = &d->props;
    char uuid[2 * VK_UUID_SIZE + 1];
    asr_cache_uuid_hex(p->pipelineCacheUUID, uuid);
    snprintf(buf, size, "%04x:%04x driver %u cache %s subgroup %u", p->vendorID, p->deviceID,
             p->driverVersion, uuid, d->subgroup_size);
}

static int same(const AsrKernelConfig *a, const AsrKernelConfig *b)
{
    return !memcmp(a, b, sizeof(*a));
}

/* The full op (the largest subnet, heavy decoder); adaptive: at spatial
 * depth 0.5, where the tiled conv runs */
static AsrFrameChoice full_op(const AsrEngine *e, int adaptive)
{
    const AsrArch *a = &e->net.model->arch;
    AsrFrameChoice c;
    memset(&c, 0, sizeof(c));
    c.op = (AsrNetOp) { a->ladder[a->n_ladder - 1][0], a->ladder[a->n_ladder - 1][1],
                        ASR_DECODER_HEAVY, (float)a->default_k, adaptive ? 0.5f : 1.0f, 0 };
    c.subnet = -1;
    c.point = -1;
    return c;
}

/* GPU ms of family f's passes in the last profiled frame (wall ms without timestamps) */
static double role_ms(const AsrEngine *e, AsrTuneFamily f, double wall)
{
    const AsrProfiler *p = e->prof;
    if (!p || p->period_ns <= 0.0)
        return wall;
    double ms = 0.0;
    for (uint32_t i = 0; i < p->n_last; i++) {
        const char *n = p->last[i].name;
        int tiles = strstr(n, ".tiles") != NULL;
        int conv = !strcmp(n, "head") || !strcmp(n, "tail") || !strncmp(n, "block.conv", 10);
        if ((f == ASR_TUNE_BAND && conv && !tiles) || (f == ASR_TUNE_TILED && tiles) ||
            (f == ASR_TUNE_MLP && !strncmp(n, "mlp.", 4)) ||
            (f == ASR_TUNE_NSG && conv && !tiles && strcmp(n, "head")))
            ms += p->last[i].ms;
    }
    return ms;
}

/* Run one frame of op; its role time in *ms */
static AsrStatus run(Tuner *t, int adaptive, AsrTuneFamily f, double *ms)
{
    AsrFrameChoice c = full_op(t->e, adaptive);
    double w0 = asr_monotonic_ms();
    AsrStatus status = asr_engine_run_frame(t->e, &c, &t->in, &t->out, NULL);
    if (status < 0)
        asr_prof_abort(t->e->prof);
    *ms = role_ms(t->e, f, asr_monotonic_ms() - w0);
    return status;
}

/* Whether the output equals the reference within the tolerance */
static int output_ok(const Tuner *t, const uint8_t *ref, char *why, size_t size)
{
    size_t far = 0;
    int worst = 0;
    for (size_t i = 0; i < t->out_bytes; i++) {
        if (i % 4 == 3)
            continue; /* alpha */
        int d = abs((int)t->dst[i] - (int)ref[i]);
        worst = d > worst ? d : worst;
        far += d > 1;
    }
    size_t n = t->out_bytes / 4 * 3;
    if (worst <= TUNE_MAX_DIFF && far * 100 <= n)
        return 1;
    snprintf(why, size, "output differs from the built-in configuration's (max %d levels, "
             "%zu of %zu values more than 1 apart)", worst, far, n);
    return 0;
}

static void report(Tuner *t, AsrTuneFamily f, const AsrKernelConfig *c, double ms,
                   AsrTuneVerdict verdict, const char *why)
{
    AsrTuneRow row = { .family = asr_tune_family_name(f), .ms = ms, .verdict = verdict,
                       .why = why ? why : "" };
    asr_kconfig_name(c, row.config, sizeof(row.config));
    if (verdict == ASR_TUNE_TIMED)
        asr_info(&t->e->log, "tune: %s %s: %.3f ms", row.family, row.config, ms);
    else
        asr_info(&t->e->log, "tune: %s %s: %s: %s", row.family, row.config,
                 verdict == ASR_TUNE_SKIPPED ? "skipped" : "rejected", row.why);
    if (t->opt && t->opt->report)
        t->opt->report(t->opt->user, &row);
}

/* Set the net to c and plan again; on failure back to `back` */
static AsrStatus use(AsrEngine *e, const AsrKernelConfig *c)
{
    AsrStatus status = asr_net_set_config(e->dev, &e->net, c);
    if (status >= 0)
        status = asr_engine_plan_again(e);
    return status;
}

/* Time candidate c of family f: ASR_OK with *ms, or a verdict why not */
static AsrStatus time_one(Tuner *t, AsrTuneFamily f, const AsrKernelConfig *c, int reference,
                          double *best_ms)
{
    AsrEngine *e = t->e;
    char why[256];
    const char *rule = asr_net_config_rule(e->dev, e->net.model, c, why, sizeof(why));
    if (rule) {
        report(t, f, c, 0.0, ASR_TUNE_SKIPPED, rule);
        return ASR_ERROR_UNSUPPORTED;
    }
    AsrStatus status = use(e, c);
    int adaptive = f == ASR_TUNE_TILED;
    double ms = 0.0;
    if (status >= 0)
        status = run(t, adaptive, f, &ms); /* the first: compiles, checked */
    if (status == ASR_ERROR_DEVICE_LOST || status == ASR_ERROR_CANCELLED)
        return status;
    if (status < 0) {
        report(t, f, c, 0.0, ASR_TUNE_REJECTED, asr_status_to_string(status));
        t->rejected++;
        return ASR_ERROR_UNSUPPORTED;
    }
    if (!reference && !output_ok(t, t->ref[adaptive], why, sizeof(why))) {
        report(t, f, c, 0.0, ASR_TUNE_REJECTED, why);
        t->rejected++;
        return ASR_ERROR_UNSUPPORTED;
    }
    int reps = 3;
    *best_ms = 1e300;
    for (int i = 0; i < reps && status >= 0; i++) {
        status = run(t, adaptive, f, &ms);
        *best_ms = ms < *best_ms ? ms : *best_ms;
    }
    if (status < 0)
        return status;
    t->timed++;
    report(t, f, c, *best_ms, ASR_TUNE_TIMED, NULL);
    return ASR_OK;
}

/* Time every family; the winners in *pick (which starts as the built-in one) */
static AsrStatus time_families(Tuner *t, AsrKernelConfig *pick)
{
    AsrEngine *e = t->e;
    AsrTuneClass cls = asr_tune_class(e->dev->quirks.cpu, e->dev->subgroup_size);
    AsrKernelConfig *cands = calloc(TUNE_MAX_CANDIDATES, sizeof(*cands));
    if (!cands)
        return ASR_ERROR_NO_MEMORY;
    asr_info(&e->log, "tune: device class %s, bound %.0f s", asr_tune_class_name(cls),
             t->bound_ms / 1000.0);
    AsrStatus status = ASR_OK;
    for (int fi = 0; fi < ASR_TUNE_FAMILY_COUNT && status >= 0; fi++) {
        AsrTuneFamily f = (AsrTuneFamily)fi;
        if ((f == ASR_TUNE_TILED && !e->cfg.net_plan.depth_ok) ||
            (f == ASR_TUNE_NSG && !e->net.coopmat))
            continue; /* the family does not run with this net */
        uint32_t n = t->opt && t->opt->exhaustive
                         ? asr_tune_exhaustive(f, pick, cands, TUNE_MAX_CANDIDATES)
                         : asr_tune_candidates(cls, f, pick, cands, TUNE_MAX_CANDIDATES);
        double best = 0.0, ref = 0.0;
        uint32_t left = 0;
        AsrKernelConfig winner = *pick;
        for (uint32_t i = 0; i < n; i++) {
            if (i > 0 && asr_monotonic_ms() - t->t0 > t->bound_ms) {
                left = n - i;
                break;
            }
            double ms;
            status = time_one(t, f, &cands[i], 0, &ms);
            if (status == ASR_ERROR_UNSUPPORTED) {
                status = ASR_OK;
                continue;
            }
            if (status < 0)
                break;
            if (i == 0)
                ref = ms;
            if (i == 0 || ms < best)
                best = ms, winner = cands[i];
        }
        /* a winner other than the family's start is timed again beside it:
         * it stays only where it is faster both times (a busy device's
         * noise does not pick a slower one) */
        if (status >= 0 && !same(&winner, pick) && ref > 0.0) {
            double again_ref = 0.0, again = 0.0;
            status = time_one(t, f, pick, 1, &again_ref);
            if (status >= 0)
                status = time_one(t, f, &winner, 1, &again);
            if (status == ASR_ERROR_UNSUPPORTED || (status >= 0 && again >= again_ref)) {
                asr_info(&e->log, "tune: %s: the winner was not faster when timed again; "
                         "keeping the start", asr_tune_family_name(f));
                winner = *pick;
                status = ASR_OK;
            }
        }
        if (left)
            asr_info(&e->log, "tune: %s: the bound of %.0f s is spent, %u candidates not "
                     "timed", asr_tune_family_name(f), t->bound_ms / 1000.0, left);
        *pick = winner;
    }
    free(cands);
    return status;
}

/* Configure for the synthetic frame, run the built-in configuration for
 * the references, time the families, leave the engine unconfigured */
static AsrStatus time_all(AsrEngine *e, const AsrDebugTune *opt, AsrKernelConfig *pick,
                          uint32_t *timed, uint32_t *rejected)
{
    AsrDevice *d = e->dev;
    int cpu = d->quirks.cpu;
    Tuner t = { .e = e, .opt = opt, .t0 = asr_monotonic_ms() };
    uint32_t w = opt && opt->width ? opt->width : cpu ? TUNE_CPU_W : TUNE_GPU_SIDE;
    uint32_t h = opt && opt->height ? opt->height : cpu ? TUNE_CPU_H : TUNE_GPU_SIDE;
    t.bound_ms = 1000.0 * (opt && opt->bound_s > 0.0 ? opt->bound_s
                           : cpu ? TUNE_CPU_BOUND_S : TUNE_GPU_BOUND_S);
    if (opt && opt->bound_s < 0.0)
        t.bound_ms = 0.0;
    AsrFrameInfo in = { ASR_FORMAT_RGBA, w, h, ASR_MATRIX_BT709, ASR_RANGE_FULL, 0, 0 };
    AsrFrameInfo out = in;
    out.width = 2 * w, out.height = 2 * h;
    t.out_bytes = (size_t)out.width * out.height * 4;
    t.src = malloc((size_t)w * h * 4);
    t.dst = malloc(t.out_bytes);
    t.ref[0] = malloc(t.out_bytes);
    t.ref[1] = malloc(t.out_bytes);
    AsrStatus status = ASR_ERROR_NO_MEMORY;
    int own_prof = !e->prof;
    if (!t.src || !t.dst || !t.ref[0] || !t.ref[1])
        goto done;
    /* a smooth picture with texture, the same every time */
    uint32_t r = 12345;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 4; c++) {
                r = r * 1664525u + 1013904223u;
                uint32_t v = (x * (3 + c) + y * (5 - c)) % 256 / 2 + (r >> 26);
                t.src[((size_t)y * w + x) * 4 + c] = c == 3 ? 255 : (uint8_t)v;
            }
    t.in = (AsrFrame) { { t.src }, { (size_t)w * 4 } };
    t.out = (AsrFrame) { { t.dst }, { (size_t)out.width * 4 } };
    if (own_prof) {
        if ((status = asr_prof_create(d, &e->prof)) < 0)
            goto done;
        d->prof = e->prof;
    }
    if ((status = asr_engine_plan_configure(e, &in, &out)) < 0)
        goto done;
    /* the references: the built-in configuration (the net's now) */
    double ms;
    for (int adaptive = 0; adaptive < 2 && status >= 0; adaptive++) {
        if (adaptive && !e->cfg.net_plan.depth_ok)
            break;
        status = run(&t, adaptive, ASR_TUNE_BAND, &ms);
        memcpy(t.ref[adaptive], t.dst, t.out_bytes);
    }
    if (status >= 0)
        status = time_families(&t, pick);
done:
    if (own_prof) {
        asr_prof_destroy(d, &e->prof);
        d->prof = NULL;
    }
    if (e->configured) {
        e->configured = 0;
        asr_engine_plan_trim(e); /* releases the synthetic frame's buffers */
    }
    free(t.src), free(t.dst), free(t.ref[0]), free(t.ref[1]);
    *timed = t.timed, *rejected = t.rejected;
    return status;
}

AsrStatus asr_engine_tune(AsrEngine *e, AsrTuning mode, const AsrDebugTune *opt)
{
    AsrDevice *d = e->dev;
    double t0 = asr_monotonic_ms();
    AsrKernelConfig builtin, pick;
    asr_net_builtin_config(d, e->net.model, &builtin);
    pick = builtin;
    uint32_t source = 0, timed = 0, rejected = 0;
    char dev[256], net[256], path[4200], why[512];
    device_key(d, dev, sizeof(dev));
    net_key(e, net, sizeof(net));
    int cache = asr_cache_path(&d->env, ASR_TUNE_CACHE_FILE, path, sizeof(path)) >= 0;
    AsrStatus status = ASR_OK;

    /* the net starts on the built-in configuration: the reference */
    if (!same(&e->net.cfg, &builtin) && (status = asr_net_set_config(d, &e->net, &builtin)) < 0)
        return status;
    if (mode == ASR_TUNING_AUTO) {
        AsrKernelConfig c;
        if (!cache) {
            snprintf(why, sizeof(why), "no cache folder");
        } else if (asr_tune_cache_find(path, dev, net, &c, why, sizeof(why)) >= 0) {
            const char *rule = asr_net_config_rule(d, e->net.model, &c, why, sizeof(why));
            if (!rule) {
                pick = c, source = 1;
            } else {
                asr_warn(&e->log, "tune: ignoring the cached configuration: %s", rule);
            }
        }
        if (!source)
            asr_info(&e->log, "tune: %s", why);
    }
    int time_now = mode == ASR_TUNING_FORCE || (mode == ASR_TUNING_AUTO && !source &&
                                                !d->quirks.cpu);
    if (time_now) {
        status = time_all(e, opt, &pick, &timed, &rejected);
        if (status == ASR_ERROR_DEVICE_LOST)
            return status;
    }
    if (time_now && status < 0) {
        /* tuning is an optimisation: the engine opens without it */
        asr_warn(&e->log, "tune: timing failed (%s); the built-in configuration runs",
                 asr_status_to_string(status));
        pick = builtin;
        status = ASR_OK;
        e->last_error[0] = '\0';
    } else if (time_now) {
        source = 2;
        if (opt && opt->exhaustive)
            asr_info(&e->log, "tune: the exhaustive grid's winners are not cached");
        else if (!cache)
            asr_info(&e->log, "tune: no cache folder: the winners are not kept");
        else if (asr_tune_cache_store(path, dev, net, &pick) < 0)
            asr_warn(&e->log, "tune: could not write %s: the winners are not kept", path);
    }
    AsrKernelConfig run = pick;
    asr_net_config_env(d, e->net.model, &run);
    if (!same(&run, &pick))
        source |= 4;
    if (!same(&run, &e->net.cfg) && (status = asr_net_set_config(d, &e->net, &run)) < 0)
        return status;
    e->stats.tune.source = source;
    e->stats.tune.timed = timed;
    e->stats.tune.rejected = rejected;
    e->stats.tune.tune_ms = asr_monotonic_ms() - t0;
    asr_kconfig_name(&run, e->stats.tune.config, sizeof(e->stats.tune.config));
    static const char *const from[] = { "built in", "cached", "timed" };
    asr_info(&e->log, "kernel configuration (%s%s, tuning %s): %s", from[source & 3],
             source & 4 ? ", ANYSR_* overrides" : "", asr_tuning_name(mode),
             e->stats.tune.config);
    return ASR_OK;
}
