/*
 * The engine's private state, shared by its rooms (docs/design.md#engine):
 *   ../engine.c   the public API: argument checks, last_error, delegation
 *   create.c      opening (model, device, passes, network) and closing
 *   plan.c        the memory plan, device-limit checks and the buffer pool
 *   choice.c      the operating point of the next frame (caller, test hook
 *                 or the QoS controller of ../control/points.c)
 *   record.c      command recording and submission of a frame
 *   stats.c       the bookkeeping after a frame (AsrStats)
 *   tune.c        the kernel configuration when an engine opens (the tuner)
 *   debug.c       the test hooks of ../internal.h
 * The rooms call down (into net/, frame/, vulkan/, control/), never into
 * ../engine.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_ENGINE_ENGINE_H
#define ASR_ENGINE_ENGINE_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "anysr/anysr-vulkan.h"
#include "buffer.h"
#include "cmd.h"
#include "controller.h"
#include "device.h"
#include "frame.h"
#include "io.h"
#include "log.h"
#include "net.h"
#include "points.h"
#include "profiler.h"
#include "resample.h"
#include "timer.h"

/* the readback buffer: the routed decoder's 2 counters (heavy, light
 * pixels) at 0, the depth counts of an adaptive frame (net.h: uint32 per
 * block) at READBACK_DEPTH */
#define READBACK_DEPTH 16
#define READBACK_BYTES (READBACK_DEPTH + ASR_NET_DEPTH_COUNTS_MAX * sizeof(uint32_t))

/* timestamps: start, after upload (copy + unpack), after the encoder, after
 * the decoder, after download (pack + copy) */
enum { STAMP_START, STAMP_UPLOADED, STAMP_ENCODED, STAMP_DECODED, STAMP_DOWNLOADED, STAMP_COUNT };

/* Everything size-dependent that configure() decides. */
typedef struct AsrConfig {
    AsrFrameInfo in, out;
    AsrFrameLayout in_layout, out_layout;
    AsrResampleSize resample_size;
    AsrNetSize net_size;
    AsrNetPlan net_plan;
    uint32_t cap;         /* largest subnet of the scale group */
    int bicubic_buffers;  /* planned for the bicubic pass (whole-frame hr, tmp): the test
                             path, or the QoS floor while adaptation is on */
    uint64_t lr_bytes, tmp_bytes, hr_bytes, in_bytes, out_bytes;
} AsrConfig;

/* The test hooks' state (../internal.h, debug.c). */
typedef struct AsrEngineDebug {
    AsrNetOp op;               /* width 0: none */
    float target;              /* its spatial depth target (0: 1, fixed depth) */
    int bicubic;               /* the bicubic test path instead of the network */
    int no_tail;               /* stop the encoder before its tail */
    double ms_per_gmac, fixed_ms; /* synthetic timing (0: measured) */
} AsrEngineDebug;

struct AsrEngine {
    AsrLog log;
    AsrDevice *dev;
    AsrIo io;
    AsrResample resample;
    AsrNet net;
    AsrCmd cmd;
    AsrTimer timer;
    AsrBuffer readback; /* route counters and depth counts of the last frame */
    AsrProfiler *prof;  /* asr_engine_set_profiling(): the per-pass profile, NULL when off */

    /* grow-only pool of size-dependent buffers (plan.c) */
    AsrBuffer staging_in, staging_out; /* host-visible, mapped */
    AsrBuffer dev_in, dev_out;         /* frame bytes on the device */
    AsrBuffer lr, tmp, hr;             /* LR image, bicubic scratch, HR window */
    uint64_t budget;                   /* memory budget, bytes */
    uint32_t tile_rows;                /* AsrSettings.tile_rows */

    int configured;
    AsrConfig cfg;
    AsrOpChoice op;       /* asr_engine_set_op() */
    AsrEngineDebug debug;
    int split;            /* a frame in submissions of bounded length (AsrQuirks) */
    atomic_int cancel;    /* asr_engine_cancel(), any thread */
    AsrStats stats;
    double wall_ema;      /* for stats.qos.fps_estimate */

    /* the operating points and the QoS controller (asr_engine_set_target()) */
    AsrPoints points;

    char *model_path;
    char last_error[512];
};

/* Set last_error, log it, return status. */
static inline AsrStatus asr_engine_fail(AsrEngine *e, AsrStatus status, const char *fmt, ...)
    ASR_PRINTF(3, 4);
static inline AsrStatus asr_engine_fail(AsrEngine *e, AsrStatus status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->last_error, sizeof(e->last_error), fmt, ap);
    va_end(ap);
    asr_err(&e->log, "%s", e->last_error);
    return status;
}

/* ---- create.c ---- */

/* Open an engine for checked settings (vk: the caller's device, or NULL). */
AsrStatus asr_engine_open(const AsrSettings *s, const AsrVulkanDevice *vk, AsrEngine **out);
/* Release e and everything it holds (accepts NULL). */
void asr_engine_close(AsrEngine *e);

/* ---- tune.c ---- */

struct AsrDebugTune;
/* Pick the kernel configuration of a newly opened, unconfigured engine for
 * `mode` (docs/design.md#kernels, "Tuning"): cached, timed now (opt: how;
 * NULL: the defaults) and cached, or the built-in one; then the ANYSR_*
 * overrides; set the net to it and fill stats.tune. The engine is left
 * unconfigured. */
AsrStatus asr_engine_tune(AsrEngine *e, AsrTuning mode, const struct AsrDebugTune *opt);

/* ---- plan.c ---- */

/* Check and allocate for in -> out (formats equal, infos valid), bind every
 * pass; on success the engine is configured for them. */
AsrStatus asr_engine_plan_configure(AsrEngine *e, const AsrFrameInfo *in,
                                    const AsrFrameInfo *out);
/* Plan the current configuration again, after a change of what it must
 * hold (the bicubic pass's buffers); not counted in the stats' configures. */
AsrStatus asr_engine_plan_again(AsrEngine *e);
/* Shrink the pool to the current configuration (nothing when unconfigured). */
AsrStatus asr_engine_plan_trim(AsrEngine *e);
/* Free every buffer of the pool and the readback buffer. */
void asr_engine_plan_free(AsrEngine *e, AsrDevice *d);

/* ---- choice.c ---- */

/* One frame's operating point, chosen before it is recorded. */
typedef struct AsrFrameChoice {
    AsrNetOp op;
    int32_t subnet;      /* ladder index, ASR_SUBNET_BICUBIC for the floor, -1: debug op */
    int32_t point;       /* index in e->points, -1 when not in the list */
    int adaptive;        /* chosen by the controller (dec holds its decision) */
    int bicubic;         /* the bicubic pass: the test path or the floor */
    int depth_counts;    /* an adaptive-depth frame: read its depth counts back */
    int host_floor;      /* the floor, run by the caller (asr_engine_set_host_floor()) */
    AsrCtrlDecision dec;
} AsrFrameChoice;

/* What the list of points depends on, from the engine's state. */
void asr_engine_points_scene(const AsrEngine *e, AsrPointsScene *scene);
void asr_engine_choose(AsrEngine *e, AsrFrameChoice *choice);
/* Cost model of the bicubic pass (the controller needs MACs > 0). */
double asr_engine_bicubic_macs(const AsrConfig *c);

/* ---- record.c ---- */

/* Upload, record, submit and wait for one frame, download (NULL frames:
 * the io callbacks record the copies). */
AsrStatus asr_engine_run_frame(AsrEngine *e, const AsrFrameChoice *choice, const AsrFrame *in,
                               AsrFrame *out, const AsrVulkanFrameIo *io);

/* ---- stats.c ---- */

/* The bookkeeping after a frame that ran: stats, measured depth costs, the
 * controller's feedback; t0: asr_monotonic_ms() at its start. */
void asr_engine_account_frame(AsrEngine *e, const AsrFrameChoice *choice, double t0);
/* The same for a frame left to the caller's floor (no device work). */
void asr_engine_account_host_floor(AsrEngine *e, const AsrFrameChoice *choice);
/* e->stats with the device's and the net's counters. */
void asr_engine_read_stats(const AsrEngine *e, AsrStats *stats);

#endif /* ASR_ENGINE_ENGINE_H */
