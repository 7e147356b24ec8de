/*
 * The public engine API: unpack -> encoder (LR) -> decoder (HR) -> pack on
 * the device; the bicubic resampler replaces the network in the internal
 * test mode of src/internal.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anysr/anysr-vulkan.h"
#include "buffer.h"
#include "cmd.h"
#include "controller.h"
#include "device.h"
#include "frame.h"
#include "io.h"
#include "internal.h"
#include "log.h"
#include "model.h"
#include "net.h"
#include "netprof.h"
#include "probe.h"
#include "profiler.h"
#include "resample.h"
#include "timer.h"

/* target HR pixels of a decoder band's window (net.h AsrNetLimits) */
#define ASR_WINDOW_PIXELS (1u << 20)
/* split frames (CPU devices): about half a second of lavapipe per
 * submission, an encoder band conv of at most 256 M MACs, a decoder window
 * of at most 64 K pixels (heavy: 0.4 G MACs) */
#define ASR_SPLIT_BAND_MACS (256ull << 20)
#define ASR_SPLIT_WINDOW_PIXELS (1u << 16)

/* the readback buffer: the routed decoder's 2 counters (heavy, light
 * pixels) at 0, the depth counts of an adaptive frame (net.h: uint32 per
 * block) at READBACK_DEPTH */
#define READBACK_DEPTH 16
#define READBACK_BYTES (READBACK_DEPTH + ASR_NET_DEPTH_COUNTS_MAX * sizeof(uint32_t))
/* weight of a frame's measured block MACs per LR pixel on its point's EMA */
#define DEPTH_EMA_ALPHA 0.5
/* sizes the QoS list is ordered at before the first asr_engine_configure() */
#define LIST_IN_SIDE 64
#define LIST_OUT_SIDE 128

/* timestamps: start, after upload (copy + unpack), after the encoder, after
 * the decoder, after download (pack + copy) */
enum { STAMP_START, STAMP_UPLOADED, STAMP_ENCODED, STAMP_DECODED, STAMP_DOWNLOADED, STAMP_COUNT };

/* One operating point of the QoS list (asr_engine_get_op_point()). */
typedef struct AsrPoint {
    AsrOpChoice op;  /* depth_target: the target the point runs, 1 = fixed depth */
    double nominal;  /* MACs at the list's sizes, the blocks scaled by the target: the order */
    double ran_pp;   /* adaptive points: EMA of the measured MACs per LR pixel of the blocks
                        that ran; < 0: not measured yet (the nominal t x depth is used) */
} AsrPoint;

/* Everything size-dependent that configure() decides. */
typedef struct AsrConfig {
    AsrFrameInfo in, out;
    AsrFrameLayout in_layout, out_layout;
    AsrResampleSize rs;
    AsrNetSize ns;
    AsrNetPlan np;
    uint32_t cap;  /* largest subnet of the scale group */
    int bicubic;   /* planned for the bicubic path (whole-frame hr, tmp): the test
                      hook, or the QoS floor while adaptation is on */
    uint64_t lr_bytes, tmp_bytes, hr_bytes, in_bytes, out_bytes;
} AsrConfig;

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

    /* grow-only pool of size-dependent buffers */
    AsrBuffer staging_in, staging_out; /* host-visible, mapped */
    AsrBuffer dev_in, dev_out;         /* frame bytes on the device */
    AsrBuffer lr, tmp, hr;             /* LR image, bicubic scratch, HR window */
    uint64_t budget;                   /* memory budget, bytes */
    uint32_t tile_rows;                /* AsrSettings.tile_rows */

    int configured;
    AsrConfig cfg;
    AsrOpChoice op;
    AsrNetOp debug_op; /* width 0: none (internal.h) */
    float debug_target; /* its spatial depth target (0: 1, fixed depth) */
    int bicubic;       /* internal.h test mode */
    int no_tail;       /* internal.h test mode */
    double fake_ms_per_gmac, fake_fixed_ms; /* internal.h synthetic timing */
    int split;         /* a frame in submissions of bounded length (CPU devices) */
    atomic_int cancel; /* asr_engine_cancel(), any thread */
    AsrStats stats;

    /* QoS controller (asr_engine_set_target()) */
    AsrController ctrl;
    AsrPoint pts[ASR_CTRL_MAX_POINTS]; /* the list the controller's state and last_op_point
                                          refer to (sync_points()) */
    int32_t n_pts;
    int pts_stale;               /* the choice, sizes, target or floor changed since
                                    sync_points() (set where they change) */
    double target_fps, headroom; /* target 0: adaptation off */
    int ctrl_has_prev;           /* the last frame ran adaptive: feed it back */
    int32_t ctrl_prev_point;
    double ctrl_prev_macs, ctrl_prev_pixels, ctrl_prev_gpu, ctrl_prev_wall;
    double heavy_fraction;       /* of the last routed frame (-1: none yet) */
    double wall_ema;             /* for fps_estimate */
    atomic_int qos_pending;      /* asr_engine_report_qos(), any thread */
    atomic_uint_fast64_t qos_proportion_bits;
    atomic_int_fast64_t qos_jitter;

    char *model_path;
    char last_error[512];
};

static AsrStatus fail(AsrEngine *e, AsrStatus status, const char *fmt, ...) ASR_PRINTF(3, 4);

static AsrStatus fail(AsrEngine *e, AsrStatus status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->last_error, sizeof(e->last_error), fmt, ap);
    va_end(ap);
    asr_err(&e->log, "%s", e->last_error);
    return status;
}

static double now_ms(void)
{
    return asr_monotonic_ms(); /* a wall clock jumps (NTP, date -s) */
}

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

ASR_API void asr_settings_default(AsrSettings *s)
{
    if (!s)
        return;
    memset(s, 0, sizeof(*s));
    s->device_index = -1;
    const char *v = getenv("ANYSR_VALIDATION");
    s->validation = v && *v && strcmp(v, "0") != 0;
    s->log_level = ASR_LOG_WARNING;
    const char *t = getenv("ANYSR_TILE");
    if (t && *t) {
        char *end;
        unsigned long rows = strtoul(t, &end, 10);
        if (*end == '\0' && rows > 0 && rows <= UINT32_MAX)
            s->tile_rows = (uint32_t)rows;
    }
    const char *k = getenv("ANYSR_KERNELS");
    if (k && !strcmp(k, "simt"))
        s->kernels = ASR_KERNELS_SIMT;
    else if (k && !strcmp(k, "coopmat"))
        s->kernels = ASR_KERNELS_COOPMAT;
}

static AsrStatus engine_new(const AsrSettings *s, const AsrVulkanDevice *vk, AsrEngine **out)
{
    AsrStatus status = ASR_OK;
    AsrEngine *e = NULL;
    AsrModel *model = NULL;
    char err[512];
    if (out)
        *out = NULL;
    if (!s || !out)
        return ASR_ERROR_INVALID_ARGUMENT;
    for (size_t i = 0; i < ASR_ARRAY_SIZE(s->reserved); i++)
        if (s->reserved[i])
            return ASR_ERROR_INVALID_ARGUMENT;
    if (s->log_level < ASR_LOG_ERROR || s->log_level > ASR_LOG_DEBUG || s->device_index < -1 ||
        s->precision < ASR_PRECISION_AUTO || s->precision > ASR_PRECISION_FP32 ||
        s->kernels < ASR_KERNELS_AUTO || s->kernels > ASR_KERNELS_COOPMAT)
        return ASR_ERROR_INVALID_ARGUMENT;

    e = calloc(1, sizeof(*e));
    if (!e)
        return ASR_ERROR_NO_MEMORY;
    e->log = (AsrLog) { s->log_callback, s->log_user_data, s->log_level };
    if (s->model_path) {
        e->model_path = copy_string(s->model_path);
        if (!e->model_path) {
            status = ASR_ERROR_NO_MEMORY;
            goto error;
        }
    }

    /* the model is read and validated before any GPU work */
    status = e->model_path ? asr_model_load_file(e->model_path, &model, err, sizeof(err))
                           : asr_model_load_default(&model, err, sizeof(err));
    if (status < 0) {
        asr_err(&e->log, "model %s: %s", e->model_path ? e->model_path : "(embedded)", err);
        goto error;
    }
    asr_info(&e->log, "model %s: F %u, D %u, %u subnets, %zu weights",
             e->model_path ? e->model_path : "(embedded)", model->arch.F, model->arch.D,
             model->arch.n_ladder, model->num_weights);
    e->op = (AsrOpChoice) { -1, ASR_DECODER_ROUTED, (float)model->arch.default_k, 0.0f };
    e->pts_stale = 1;
    asr_controller_init(&e->ctrl, NULL);
    e->headroom = 0.85;
    e->heavy_fraction = -1.0;
    atomic_init(&e->qos_pending, 0);
    atomic_init(&e->qos_proportion_bits, 0);
    atomic_init(&e->qos_jitter, 0);
    e->stats.last_op_point = -1;

    AsrDeviceParams dp = {
        .log = e->log,
        .device_index = s->device_index,
        .validation = s->validation,
        .want_storage16 = s->precision != ASR_PRECISION_FP32,
        .want_coopmat = s->kernels != ASR_KERNELS_SIMT,
    };
    status = vk ? asr_device_wrap(&dp, vk, &e->dev) : asr_device_create(&dp, &e->dev);
    if (status < 0)
        goto error;
    if (s->precision == ASR_PRECISION_FP16 && !e->dev->storage16) {
        asr_err(&e->log, "precision fp16: the device %s has no storageBuffer16BitAccess",
                e->dev->props.deviceName);
        status = ASR_ERROR_UNSUPPORTED;
        goto error;
    }
    e->tile_rows = s->tile_rows;
    /* a CPU device takes seconds per frame: submit it in parts of bounded
     * length so that asr_engine_cancel() is noticed within about a second */
    e->split = e->dev->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
    atomic_init(&e->cancel, 0);
    e->budget = s->memory_budget ? s->memory_budget : e->dev->heap_bytes / 4 * 3;
    if (!e->budget)
        e->budget = UINT64_MAX;
    e->stats.precision = e->dev->storage16 ? ASR_PRECISION_FP16 : ASR_PRECISION_FP32;
    status = asr_io_create(e->dev, &e->io);
    if (status < 0)
        goto error;
    status = asr_resample_create(e->dev, &e->resample);
    if (status < 0)
        goto error;
    status = asr_cmd_create(e->dev, &e->cmd);
    if (status < 0)
        goto error;
    status = asr_timer_create(e->dev, &e->timer, STAMP_COUNT);
    if (status < 0)
        goto error;
    status = asr_buffer_create(e->dev, &e->readback, ASR_BUFFER_DOWNLOAD, READBACK_BYTES,
                               VK_BUFFER_USAGE_TRANSFER_DST_BIT);
    if (status < 0)
        goto error;
    /* cooperative matrices need the fp16 maps (the device enables them only
     * with 16-bit storage) */
    /* auto: coopmat on GPUs only; lavapipe runs the matrix operations lane
     * by lane, 7.5x slower than its SIMT kernels (README "Kernels") */
    int want = s->kernels == ASR_KERNELS_COOPMAT ||
               (s->kernels == ASR_KERNELS_AUTO &&
                e->dev->props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU);
    int coopmat = e->dev->coopmat && e->dev->storage16 && want;
    if (s->kernels == ASR_KERNELS_COOPMAT && !coopmat)
        asr_warn(&e->log, "kernels coopmat: not available on %s (%s); using the SIMT kernels",
                 e->dev->props.deviceName, e->dev->coopmat_why);
    e->stats.kernels = coopmat ? ASR_KERNELS_COOPMAT : ASR_KERNELS_SIMT;
    asr_info(&e->log, "encoder convolutions: %s", coopmat ? "coopmat" : "simt");
    status = asr_net_create(e->dev, model, e->dev->storage16, coopmat, &e->cmd, &e->net);
    model = NULL; /* owned by the net, also on failure */
    if (status < 0)
        goto error;

    *out = e;
    return ASR_OK;

error:
    asr_model_free(&model);
    asr_engine_free(&e);
    return status;
}

ASR_API AsrStatus asr_engine_new(const AsrSettings *s, AsrEngine **out)
{
    return engine_new(s, NULL, out);
}

ASR_API AsrStatus asr_engine_new_vulkan(const AsrSettings *s, const AsrVulkanDevice *vk,
                                        AsrEngine **out)
{
    if (out)
        *out = NULL;
    if (!vk || !vk->instance || !vk->physical_device || !vk->device ||
        !vk->get_instance_proc_addr || !vk->queue_lock != !vk->queue_unlock)
        return ASR_ERROR_INVALID_ARGUMENT;
    for (size_t i = 0; i < ASR_ARRAY_SIZE(vk->reserved); i++)
        if (vk->reserved[i])
            return ASR_ERROR_INVALID_ARGUMENT;
    return engine_new(s, vk, out);
}

ASR_API AsrStatus asr_engine_get_vulkan_device(const AsrEngine *e, AsrVulkanDevice *out)
{
    if (!e || !out)
        return ASR_ERROR_INVALID_ARGUMENT;
    const AsrDevice *d = e->dev;
    *out = (AsrVulkanDevice) {
        .instance = d->instance,
        .physical_device = d->phys,
        .device = d->device,
        .queue_family_index = d->queue_family,
        .get_instance_proc_addr = d->vk.vkGetInstanceProcAddr,
        .api_version = VK_API_VERSION_1_1,
    };
    return ASR_OK;
}

ASR_API void asr_engine_free(AsrEngine **pe)
{
    AsrEngine *e = pe ? *pe : NULL;
    if (!e)
        return;
    AsrDevice *d = e->dev;
    if (d && !d->lost && asr_cmd_settle(d, &e->cmd, 5ull * 1000 * 1000 * 1000) < 0) {
        /* the device still runs (or never finishes) our last submission:
         * its buffers cannot be freed; leak them rather than hang */
        asr_err(&e->log, "free: the device has not finished the last submission in 5 s; "
                "leaving its memory and the device allocated");
        d = NULL;
    }
    if (d) {
        if (!d->lost && !d->external)
            d->vk.vkDeviceWaitIdle(d->device);
        AsrBuffer *bufs[] = { &e->staging_in, &e->staging_out, &e->dev_in, &e->dev_out,
                              &e->lr, &e->tmp, &e->hr, &e->readback };
        for (size_t i = 0; i < ASR_ARRAY_SIZE(bufs); i++)
            asr_buffer_destroy(d, bufs[i]);
        asr_timer_destroy(d, &e->timer);
        asr_prof_destroy(d, &e->prof);
        asr_cmd_destroy(d, &e->cmd);
        asr_net_destroy(d, &e->net);
        asr_resample_destroy(d, &e->resample);
        asr_io_destroy(d, &e->io);
        asr_device_destroy(&e->dev);
    }
    free(e->model_path);
    free(e);
    *pe = NULL;
}

static int info_valid(const AsrFrameInfo *i)
{
    return asr_format_is_valid(i->format) && i->width > 0 && i->height > 0 &&
           i->matrix >= ASR_MATRIX_BT601 && i->matrix <= ASR_MATRIX_BT2020 &&
           (i->range == ASR_RANGE_LIMITED || i->range == ASR_RANGE_FULL);
}

static AsrStatus plan_once(AsrEngine *e, AsrConfig *c);

/* Check what the device can serve; fill the size-dependent parts of cfg.
 * The bicubic path's whole-frame buffers are planned for the test hook, and
 * for the QoS floor while adaptation is on (asr_engine_set_target()) when
 * they fit: a configuration they do not fit is planned without the floor
 * (as with adaptation off), quietly. */
static AsrStatus plan(AsrEngine *e, AsrConfig *c)
{
    c->bicubic = e->bicubic || e->target_fps > 0.0;
    if (e->bicubic || !c->bicubic)
        return plan_once(e, c);
    AsrLog log = e->log;
    e->log.callback = NULL; /* a floor that does not fit is no error */
    AsrStatus status = plan_once(e, c);
    e->log = log;
    if (status >= 0)
        return status;
    e->last_error[0] = '\0';
    asr_dbg(&e->log, "the bicubic floor does not fit %ux%u -> %ux%u: adaptation without it",
            c->in.width, c->in.height, c->out.width, c->out.height);
    c->bicubic = 0;
    return plan_once(e, c);
}

/* plan() for c->bicubic as set */
static AsrStatus plan_once(AsrEngine *e, AsrConfig *c)
{
    const VkPhysicalDeviceLimits *lim = &e->dev->props.limits;
    const AsrFrameInfo *in = &c->in, *out = &c->out;
    double sx = (double)out->width / in->width, sy = (double)out->height / in->height;
    if (sx < ASR_SCALE_MIN || sy < ASR_SCALE_MIN)
        return fail(e, ASR_ERROR_UNSUPPORTED, "scale %.2f x %.2f (%ux%u -> %ux%u) is below the "
                    "minimum %.1f", sx, sy, in->width, in->height, out->width, out->height,
                    ASR_SCALE_MIN);
    if (sx > ASR_SCALE_MAX || sy > ASR_SCALE_MAX)
        return fail(e, ASR_ERROR_UNSUPPORTED, "scale %.2f x %.2f (%ux%u -> %ux%u) is above the "
                    "maximum %.1f", sx, sy, in->width, in->height, out->width, out->height,
                    ASR_SCALE_MAX);

    asr_frame_layout(in->format, in->width, in->height, &c->in_layout);
    asr_frame_layout(out->format, out->width, out->height, &c->out_layout);
    c->rs = (AsrResampleSize) {
        .in_w = in->width, .in_h = in->height,
        .out_w = out->width, .out_h = out->height,
        .planes = asr_format_has_alpha(in->format) ? 4 : 3,
        .levels = asr_format_bits(in->format) > 8 ? 1023 : 255,
    };
    c->lr_bytes = (uint64_t)in->width * in->height * c->rs.planes * sizeof(float);
    c->in_bytes = c->in_layout.size;
    c->out_bytes = c->out_layout.size;
    c->ns = (AsrNetSize) {
        .in_w = in->width, .in_h = in->height, .out_w = out->width, .out_h = out->height,
        .alpha = asr_format_has_alpha(in->format),
    };
    c->cap = asr_model_scale_cap(&e->net.model->arch, sx, sy);
    /* the bicubic reference path (tests) runs unbanded, with its scratch */
    c->tmp_bytes = c->bicubic ? asr_resample_tmp_elems(&c->rs) * sizeof(float) : 0;
    uint64_t whole_hr = (uint64_t)out->width * out->height * c->rs.planes * sizeof(float);

    const struct { const char *what; uint64_t bytes; } bufs[] = {
        { "input frame", c->in_bytes }, { "output frame", c->out_bytes },
        { "input image", c->lr_bytes }, { "intermediate image", c->tmp_bytes },
        { "output image", c->bicubic ? whole_hr : 0 },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(bufs); i++) {
        if (bufs[i].bytes > lim->maxStorageBufferRange)
            return fail(e, ASR_ERROR_UNSUPPORTED, "%ux%u -> %ux%u: the %s needs %llu bytes, above "
                        "the device's maxStorageBufferRange of %u bytes", in->width, in->height,
                        out->width, out->height, bufs[i].what, (unsigned long long)bufs[i].bytes,
                        lim->maxStorageBufferRange);
    }

    /* what stays whole-frame: frames (staging and device), the LR image,
     * the bicubic scratch; the weights are already allocated */
    uint64_t fixed = 2 * (asr_buffer_pool_bytes(c->in_bytes) +
                          asr_buffer_pool_bytes(c->out_bytes)) +
                     asr_buffer_pool_bytes(c->lr_bytes) + asr_buffer_pool_bytes(c->tmp_bytes) +
                     (c->bicubic ? asr_buffer_pool_bytes(whole_hr) : 0) +
                     e->net.weights.bytes + e->net.wpack.bytes + e->net.att.bytes +
                     e->readback.bytes;
    if (fixed > e->budget)
        return fail(e, ASR_ERROR_UNSUPPORTED, "%ux%u -> %ux%u: the frames and images need %llu "
                    "bytes, above the memory budget of %llu bytes", in->width, in->height,
                    out->width, out->height, (unsigned long long)fixed,
                    (unsigned long long)e->budget);
    AsrNetLimits nl = {
        .max_range = lim->maxStorageBufferRange,
        .max_alloc = e->dev->max_alloc,
        .align = lim->minStorageBufferOffsetAlignment,
        .budget = e->budget - fixed,
        .max_groups = { lim->maxComputeWorkGroupCount[0], lim->maxComputeWorkGroupCount[1],
                        lim->maxComputeWorkGroupCount[2] },
        .tile_rows = e->tile_rows,
        .window_pixels = e->split ? ASR_SPLIT_WINDOW_PIXELS : ASR_WINDOW_PIXELS,
        .band_macs = e->split ? ASR_SPLIT_BAND_MACS : 0,
    };
    char why[256];
    if (asr_net_plan(&e->net, &c->ns, &nl, &c->np, why, sizeof(why)) < 0)
        return fail(e, ASR_ERROR_UNSUPPORTED, "%ux%u -> %ux%u: %s", in->width, in->height,
                    out->width, out->height, why);
    c->hr_bytes = ASR_MAX(c->np.hr_bytes, c->bicubic ? whole_hr : 0);

    uint32_t g[3], gr[2];
    uint32_t gmax[3] = { 0, 0, 0 };
    asr_io_groups(&e->io, in, 0, g);
    for (int k = 0; k < 3; k++)
        gmax[k] = ASR_MAX(gmax[k], g[k]);
    asr_io_groups(&e->io, out, 1, g);
    gmax[0] = ASR_MAX(gmax[0], g[0]);
    gmax[1] = ASR_MAX(gmax[1], ASR_DIV_UP(c->np.dec_rows, 8));
    if (c->bicubic) {
        asr_resample_groups(&e->resample, &c->rs, gr);
        gmax[0] = ASR_MAX(gmax[0], gr[0]);
        gmax[1] = ASR_MAX(gmax[1], gr[1]);
        gmax[1] = ASR_MAX(gmax[1], g[1]);
    }
    gmax[0] = ASR_MAX(gmax[0], ASR_MAX(ASR_DIV_UP(out->width, 8), ASR_DIV_UP(in->width, 8)));
    gmax[2] = ASR_MAX(gmax[2], ASR_DIV_UP(e->net.model->arch.F, e->net.conv_block.cob));
    gmax[0] = ASR_MAX(gmax[0], c->np.enc_rows); /* gap: a workgroup per row, along x */
    gmax[1] = ASR_MAX(gmax[1], ASR_DIV_UP(c->np.enc_rows, e->net.conv_block.ly));
    for (int k = 0; k < 3; k++) {
        if (gmax[k] > lim->maxComputeWorkGroupCount[k])
            return fail(e, ASR_ERROR_UNSUPPORTED, "%ux%u -> %ux%u needs %u workgroups along "
                        "axis %d, above the device's maxComputeWorkGroupCount of %u", in->width,
                        in->height, out->width, out->height, gmax[k], k,
                        lim->maxComputeWorkGroupCount[k]);
    }
    return ASR_OK;
}

static AsrStatus configure(AsrEngine *e, const AsrFrameInfo *in, const AsrFrameInfo *out);

/* Plan the current configuration again, after a change of what it must
 * hold (the bicubic path's buffers); not counted in the stats' configures. */
static AsrStatus replan(AsrEngine *e)
{
    AsrFrameInfo in = e->cfg.in, out = e->cfg.out;
    return configure(e, &in, &out);
}

/* Point every pass at the buffers for configuration c. */
static void bind_all(AsrEngine *e, const AsrConfig *c)
{
    AsrBufferRange in = { &e->dev_in, 0, ASR_ALIGN(c->in_bytes, 4) };
    AsrBufferRange out = { &e->dev_out, 0, ASR_ALIGN(c->out_bytes, 4) };
    AsrBufferRange lr = { &e->lr, 0, c->lr_bytes };
    AsrBufferRange tmp = { &e->tmp, 0, c->tmp_bytes };
    AsrBufferRange hr = { &e->hr, 0, c->hr_bytes };
    AsrBufferRange unpack[2] = { in, lr };
    AsrBufferRange pack[2] = { hr, out };
    asr_pass_bind(e->dev, &e->io.unpack, 0, unpack);
    if (c->bicubic)
        asr_resample_bind(e->dev, &e->resample, &lr, &tmp, &hr);
    asr_pass_bind(e->dev, &e->io.pack, 0, pack);
    asr_net_bind(e->dev, &e->net, &c->ns, &c->np, &lr, &hr);
}

ASR_API AsrStatus asr_engine_configure(AsrEngine *e, const AsrFrameInfo *in,
                                       const AsrFrameInfo *out)
{
    AsrStatus status = configure(e, in, out);
    if (status >= 0)
        e->stats.configures++;
    return status;
}

static AsrStatus configure(AsrEngine *e, const AsrFrameInfo *in, const AsrFrameInfo *out)
{
    AsrStatus status = ASR_OK;
    AsrDevice *d;
    AsrConfig c;
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    e->last_error[0] = '\0';
    if (!in || !out)
        return fail(e, ASR_ERROR_INVALID_ARGUMENT, "configure: NULL frame info");
    if (!info_valid(in) || !info_valid(out))
        return fail(e, ASR_ERROR_INVALID_ARGUMENT, "configure: invalid frame info (%s %ux%u -> "
                    "%s %ux%u): unknown format, matrix or range, or a size of 0",
                    asr_format_name(in->format), in->width, in->height,
                    asr_format_name(out->format), out->width, out->height);
    if (in->format != out->format)
        return fail(e, ASR_ERROR_UNSUPPORTED, "configure: input format %s differs from output "
                    "format %s; convert before or after anysr", asr_format_name(in->format),
                    asr_format_name(out->format));

    d = e->dev;
    memset(&c, 0, sizeof(c));
    c.in = *in;
    c.out = *out;
    status = plan(e, &c);
    if (status < 0)
        return status;

    const struct { AsrBuffer *b; AsrBufferKind kind; uint64_t size; VkBufferUsageFlags usage; } res[] = {
        { &e->staging_in, ASR_BUFFER_UPLOAD, c.in_bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT },
        { &e->staging_out, ASR_BUFFER_DOWNLOAD, c.out_bytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT },
        { &e->dev_in, ASR_BUFFER_DEVICE, c.in_bytes,
          VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT },
        { &e->dev_out, ASR_BUFFER_DEVICE, c.out_bytes,
          VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT },
        { &e->lr, ASR_BUFFER_DEVICE, c.lr_bytes,
          VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT },
        { &e->tmp, ASR_BUFFER_DEVICE, c.tmp_bytes, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT },
        /* (size 0: not needed by this configuration; none allocated) */
        { &e->hr, ASR_BUFFER_DEVICE, c.hr_bytes,
          VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(res); i++) {
        if (!res[i].size)
            continue;
        status = asr_buffer_reserve(d, res[i].b, res[i].kind, res[i].size, res[i].usage);
        if (status < 0)
            goto error;
    }
    status = asr_net_reserve(d, &e->net, &c.np);
    if (status < 0)
        goto error;
    bind_all(e, &c);
    if (e->configured && e->cfg.bicubic != c.bicubic && !e->bicubic) {
        /* the bicubic floor came or went: another list of points */
        asr_controller_init(&e->ctrl, NULL);
        e->ctrl_has_prev = 0;
    }
    e->cfg = c;
    e->configured = 1;
    e->pts_stale = 1; /* sizes, floor */
    e->stats.encoder_bands = c.np.enc_bands;
    e->stats.decoder_bands = c.np.dec_bands;
    asr_dbg(&e->log, "configured %s %ux%u -> %ux%u: %s feature maps of %llu bytes, encoder in "
            "%u band(s) of %u rows, decoder in %u band(s) of %u rows; %llu bytes allocated",
            asr_format_name(in->format), in->width, in->height, out->width, out->height,
            c.np.elem == 2 ? "fp16" : "fp32", (unsigned long long)c.np.map_bytes,
            c.np.enc_bands, c.np.enc_rows, c.np.dec_bands, c.np.dec_rows,
            (unsigned long long)d->bytes);
    return ASR_OK;

error:
    /* buffers only grow: the previous configuration still fits them */
    if (e->configured)
        bind_all(e, &e->cfg);
    return fail(e, status, "configure: could not allocate buffers for %ux%u -> %ux%u: %s",
                in->width, in->height, out->width, out->height, asr_status_to_string(status));
}

/* The depth target of the asr_engine_set_op() choice, resolved: 0 = the
 * model's default; >= 1, and any target of a model without an adapter, = 1
 * (fixed depth). */
static float chosen_target(const AsrEngine *e)
{
    const AsrArch *a = &e->net.model->arch;
    float t = e->op.depth_target == 0.0f ? a->depth_target : e->op.depth_target;
    return !a->depth_tile || t >= 1.0f ? 1.0f : t;
}

/* The target subnet sn runs for target t: 1 where it cannot adapt (no
 * adapter, depth 0; net.h asr_net_adaptive()). */
static float subnet_target(const AsrArch *a, int32_t sn, float t)
{
    return a->depth_tile && a->ladder[sn][1] > 0 && t < 1.0f ? t : 1.0f;
}

/* The operating point of the next frame: the debug override (at the
 * chosen depth target), the chosen subnet, or (subnet -1) the scale cap. */
static AsrNetOp resolve_op(const AsrEngine *e, int32_t *subnet)
{
    const AsrArch *a = &e->net.model->arch;
    if (e->debug_op.width) {
        AsrNetOp op = e->debug_op;
        /* fixed depth unless asr_engine_debug_set_depth_target() chose one */
        op.target = e->debug_target > 0.0f ? e->debug_target : 1.0f;
        *subnet = -1;
        return op;
    }
    int32_t cap = (int32_t)e->cfg.cap;
    int32_t sn = e->op.subnet < 0 ? cap : e->op.subnet;
    *subnet = sn;
    return (AsrNetOp) { a->ladder[sn][0], a->ladder[sn][1], e->op.decoder, e->op.k,
                        subnet_target(a, sn, chosen_target(e)) };
}

/* ---- operating points and the QoS controller (controller.h) ---------- */

/* The bicubic floor is point 0 while adaptation is on (and its buffers fit
 * the configuration). */
static int has_floor(const AsrEngine *e)
{
    return e->target_fps > 0.0 && !e->bicubic && (!e->configured || e->cfg.bicubic);
}

/* Cost model of point (sn, decoder, target t) at the given sizes: the
 * subnet at full depth, less the blocks an adaptive frame skips (ran_pp:
 * measured MACs per LR pixel of the blocks that ran, < 0: t x the full
 * depth's), plus the adapter. */
static double point_macs(const AsrArch *a, int32_t sn, AsrDecoderMode decoder, float t,
                         double heavy_fraction, const uint32_t sz[4], double ran_pp)
{
    uint32_t c = a->ladder[sn][0], d = a->ladder[sn][1];
    double macs = asr_model_macs(a, c, d, (int)decoder, heavy_fraction, sz[0], sz[1], sz[2],
                                 sz[3]);
    if (t < 1.0f) {
        double lr = (double)sz[0] * sz[1], full = d * asr_model_block_macs_per_pixel(a, c);
        double ran = ran_pp >= 0.0 ? ran_pp : t * full;
        macs += (ran - full + asr_model_adapter_macs_per_pixel(a)) * lr;
    }
    return macs;
}

/* in_h, in_w, out_h, out_w of the configuration (before the first one: a
 * nominal 2x) */
static void list_sizes(const AsrEngine *e, uint32_t sz[4])
{
    if (e->configured) {
        sz[0] = e->cfg.in.height, sz[1] = e->cfg.in.width;
        sz[2] = e->cfg.out.height, sz[3] = e->cfg.out.width;
    } else {
        sz[0] = sz[1] = LIST_IN_SIDE;
        sz[2] = sz[3] = LIST_OUT_SIDE;
    }
}

/*
 * The QoS list (asr_engine_get_op_point()) for the current choice, sizes
 * and floor: the floor (while it is on), then the network's points sorted
 * by nominal MACs (stable: ties keep the order below): subnet 0 with the
 * light decoder (unless the chosen decoder is light), then for every subnet
 * its depth points below the chosen target and the chosen target itself,
 * with the chosen decoder. A model without an adapter has one point per
 * subnet (target 1). Returns the count; ran_pp of every point is -1.
 */
static int32_t build_points(const AsrEngine *e, AsrPoint *p)
{
    const AsrArch *a = &e->net.model->arch;
    uint32_t sz[4];
    float top = chosen_target(e);
    int32_t n = 0;
    list_sizes(e, sz);
    if (has_floor(e))
        p[n++] = (AsrPoint) { { ASR_SUBNET_BICUBIC, e->op.decoder, e->op.k, top }, 0.0, -1.0 };
    int32_t first = n;
    if (e->op.decoder != ASR_DECODER_LIGHT)
        p[n++] = (AsrPoint) { { 0, ASR_DECODER_LIGHT, e->op.k, subnet_target(a, 0, top) }, 0.0,
                              -1.0 };
    /* the model's depth points below the chosen target; as many of the
     * highest of them per subnet as fit ASR_CTRL_MAX_POINTS with the floor
     * and the light point counted (so the list is the same with the floor
     * on or off): the default model's 4 subnets x 3 targets fit, a model
     * with 8 subnets and 4 depth points keeps none */
    uint32_t below = 0;
    while (below < a->n_depth_points && a->depth_points[below] < top)
        below++;
    _Static_assert(ASR_CTRL_MAX_POINTS >= 2 + ASR_MODEL_MAX_LADDER, "a point per subnet");
    uint32_t room = (ASR_CTRL_MAX_POINTS - 2 - a->n_ladder) / a->n_ladder;
    uint32_t lowest = below > room ? below - room : 0;
    for (uint32_t sn = 0; sn < a->n_ladder; sn++) {
        for (uint32_t j = lowest; j < below; j++) {
            float t = subnet_target(a, (int32_t)sn, a->depth_points[j]);
            if (t < 1.0f)
                p[n++] = (AsrPoint) { { (int32_t)sn, e->op.decoder, e->op.k, t }, 0.0, -1.0 };
        }
        p[n++] = (AsrPoint) { { (int32_t)sn, e->op.decoder, e->op.k,
                                subnet_target(a, (int32_t)sn, top) }, 0.0, -1.0 };
    }
    for (int32_t i = first; i < n; i++)
        p[i].nominal = point_macs(a, p[i].op.subnet, p[i].op.decoder, p[i].op.depth_target, -1.0,
                                  sz, -1.0);
    for (int32_t i = first + 1; i < n; i++) {
        AsrPoint x = p[i];
        int32_t j = i;
        for (; j > first && p[j - 1].nominal > x.nominal; j--)
            p[j] = p[j - 1];
        p[j] = x;
    }
    return n;
}

static int same_point(const AsrOpChoice *x, const AsrOpChoice *y)
{
    if (x->subnet == ASR_SUBNET_BICUBIC || y->subnet == ASR_SUBNET_BICUBIC)
        return x->subnet == y->subnet;
    return x->subnet == y->subnet && x->decoder == y->decoder &&
           x->depth_target == y->depth_target;
}

/* Bring e->pts up to the current choice, sizes and floor: the controller's
 * learned state and the measured depth costs follow their points to their
 * new indices. */
static void sync_points(AsrEngine *e)
{
    AsrPoint p[ASR_CTRL_MAX_POINTS];
    int32_t map[ASR_CTRL_MAX_POINTS];
    int32_t n = build_points(e, p);
    int changed = n != e->n_pts;
    for (int32_t j = 0; j < n; j++) {
        map[j] = -1;
        for (int32_t i = 0; i < e->n_pts; i++) {
            const AsrPoint *o = &e->pts[i];
            if (same_point(&o->op, &p[j].op))
                map[j] = i;
            /* the encoder does not depend on the decoder */
            if (o->op.subnet == p[j].op.subnet && o->op.depth_target == p[j].op.depth_target &&
                o->ran_pp >= 0.0)
                p[j].ran_pp = o->ran_pp;
        }
        changed |= map[j] != j;
    }
    if (changed) {
        asr_controller_remap(&e->ctrl, map, (uint32_t)n);
        int32_t prev = -1;
        for (int32_t j = 0; j < n && e->ctrl_has_prev; j++)
            if (map[j] == e->ctrl_prev_point)
                prev = j;
        e->ctrl_has_prev = prev >= 0;
        e->ctrl_prev_point = prev;
    }
    memcpy(e->pts, p, sizeof(p[0]) * (size_t)n);
    e->n_pts = n;
}

/* The index of (subnet, mode, target) in e->pts, -1 when not in the list. */
static int32_t op_point(const AsrEngine *e, int32_t subnet, AsrDecoderMode mode, float target)
{
    if (subnet == ASR_SUBNET_BICUBIC)
        return has_floor(e) ? 0 : -1;
    AsrOpChoice oc = { subnet, mode, 0.0f, target };
    for (int32_t i = 0; i < e->n_pts; i++)
        if (same_point(&e->pts[i].op, &oc))
            return i;
    return -1;
}

static const char *decoder_name(AsrDecoderMode m)
{
    return m == ASR_DECODER_HEAVY ? "heavy" : m == ASR_DECODER_LIGHT ? "light" : "routed";
}

/* Cost model of the bicubic pass (the controller needs MACs > 0): a
 * separable 4-tap filter, horizontal on the input rows, then vertical. */
static double bicubic_macs(const AsrConfig *c)
{
    return 4.0 * c->rs.planes * ((double)c->in.height * c->out.width +
                                 (double)c->out.height * c->out.width);
}

/* Ask the controller for the point of the next frame. */
static void controller_decide(AsrEngine *e, AsrCtrlDecision *dec)
{
    const AsrArch *a = &e->net.model->arch;
    const AsrConfig *c = &e->cfg;
    AsrCtrlInput in;
    memset(&in, 0, sizeof(in));
    in.budget_ms = 1000.0 / e->target_fps;
    in.headroom = e->headroom;
    in.n_points = (uint32_t)e->n_pts;
    uint32_t sz[4];
    list_sizes(e, sz);
    for (uint32_t i = 0; i < in.n_points; i++) {
        const AsrPoint *p = &e->pts[i];
        if (p->op.subnet == ASR_SUBNET_BICUBIC) {
            in.macs[i] = bicubic_macs(c);
            continue;
        }
        /* adaptive points: the MACs their recent frames ran (content) */
        in.macs[i] = point_macs(a, p->op.subnet, p->op.decoder, p->op.depth_target,
                                e->heavy_fraction, sz, p->ran_pp);
    }
    /* the ceiling: the highest point of an allowed subnet; below it, the
     * points of larger subnets (low depth targets) are excluded */
    int32_t ceil_subnet = (int32_t)c->cap;
    if (e->op.subnet >= 0 && e->op.subnet < ceil_subnet)
        ceil_subnet = e->op.subnet;
    for (int32_t i = 0; i < e->n_pts; i++)
        if (e->pts[i].op.subnet <= ceil_subnet)
            in.ceiling = i;
    for (int32_t i = 0; i < in.ceiling; i++)
        if (e->pts[i].op.subnet > ceil_subnet)
            in.excluded |= 1u << i;
    in.io_pixels = (double)c->in.width * c->in.height + (double)c->out.width * c->out.height;
    if (e->ctrl_has_prev) {
        in.has_prev = 1;
        in.prev_point = e->ctrl_prev_point;
        in.prev_macs = e->ctrl_prev_macs;
        in.prev_io_pixels = e->ctrl_prev_pixels;
        in.prev_gpu_ms = e->ctrl_prev_gpu;
        in.prev_wall_ms = e->ctrl_prev_wall;
    }
    if (atomic_exchange(&e->qos_pending, 0)) {
        uint64_t bits = atomic_load(&e->qos_proportion_bits);
        in.has_qos = 1;
        memcpy(&in.qos_proportion, &bits, sizeof(bits));
        in.qos_jitter_ns = atomic_load(&e->qos_jitter);
    }
    int was_unmeetable = e->stats.budget_unmeetable;
    asr_controller_decide(&e->ctrl, &in, dec);

    /* every change, and every lateness report; not every frame that stays
     * over budget on the cheapest point */
    if (dec->switched || dec->unmeetable != was_unmeetable || dec->reason == ASR_CTRL_QOS_LATE) {
        AsrOpChoice oc = e->pts[dec->point].op;
        char why[96];
        switch (dec->reason) {
        case ASR_CTRL_OVER_BUDGET:
            snprintf(why, sizeof(why), "over budget (last frame %.2f ms)", dec->measured_ms);
            break;
        case ASR_CTRL_QOS_LATE:
            snprintf(why, sizeof(why), "downstream late (proportion %.3f, jitter %lld ns)",
                     in.qos_proportion, (long long)in.qos_jitter_ns);
            break;
        case ASR_CTRL_ROOM:
            snprintf(why, sizeof(why), "room for %u frames", dec->room);
            break;
        default:
            snprintf(why, sizeof(why), "%s", asr_controller_reason_name(dec->reason));
            break;
        }
        asr_dbg(&e->log, "qos: point %d -> %d (subnet %d, %s, depth target %.2f): %s; budget "
                "%.2f ms x headroom %.2f, predicted %.2f ms, ceiling %d, room %u/%u%s",
                (int)(e->stats.frames ? e->stats.last_op_point : -1), (int)dec->point,
                (int)oc.subnet, oc.subnet == ASR_SUBNET_BICUBIC ? "bicubic pass" :
                decoder_name(oc.decoder), (double)oc.depth_target, why, dec->budget_ms,
                e->headroom, dec->predicted_ms, (int)in.ceiling, dec->room, dec->room_needed,
                dec->unmeetable ? "; the budget cannot be met even by the cheapest point" : "");
    }
}

/* AsrNetBreak of a split frame: submit what is recorded, wait (watching the
 * cancel flag), go on in a new submission that starts with a barrier. */
static AsrStatus split_break(void *user)
{
    AsrEngine *e = user;
    AsrDevice *d = e->dev;
    AsrStatus status = asr_cmd_submit_wait(d, &e->cmd, &e->cancel);
    if (status >= 0 && atomic_load(&e->cancel))
        status = ASR_ERROR_CANCELLED;
    if (status >= 0)
        status = asr_cmd_begin(d, &e->cmd);
    if (status < 0)
        return status;
    asr_cmd_barrier(d, e->cmd.cb,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                    VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT |
                    VK_PIPELINE_STAGE_DRAW_INDIRECT_BIT,
                    VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                    VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT |
                    VK_ACCESS_INDIRECT_COMMAND_READ_BIT);
    asr_prof_gap(d, e->cmd.cb);
    return ASR_OK;
}

/* Record the frame (and, split, submit all of it but the last part);
 * bicubic: the bicubic pass instead of the network. */
static void frame_buffer(const AsrBuffer *b, const AsrFrameLayout *l, AsrVulkanFrameBuffer *fb)
{
    memset(fb, 0, sizeof(*fb));
    fb->buffer = b->buffer;
    fb->size = l->size;
    fb->planes = l->num_planes;
    for (uint32_t i = 0; i < l->num_planes && i < ASR_MAX_PLANES; i++) {
        fb->offset[i] = l->offset[i];
        fb->stride[i] = l->stride[i];
    }
}

static AsrStatus record(AsrEngine *e, const AsrNetOp *op, int bicubic, const AsrVulkanFrameIo *io)
{
    AsrStatus status = ASR_OK;
    AsrDevice *d = e->dev;
    AsrNetBreak brk = e->split ? split_break : NULL;
    const AsrConfig *c = &e->cfg;
    VkCommandBuffer cb = e->cmd.cb;
    AsrIoParams up, pp;
    asr_io_params(&c->in, &c->in_layout, c->in.width * c->in.height, 1, &up);
    asr_io_params(&c->out, &c->out_layout, c->out.width * c->out.height, 0, &pp);

    asr_timer_reset(d, &e->timer, cb);
    asr_timer_stamp(d, &e->timer, cb, STAMP_START, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT);
    if (e->prof && (status = asr_prof_begin(d, e->prof, cb)) < 0)
        return status;

    if (io && io->record_input) {
        AsrVulkanFrameBuffer fb;
        frame_buffer(&e->dev_in, &c->in_layout, &fb);
        if (io->record_input(io->user_data, cb, &fb) != 0)
            return fail(e, ASR_ERROR_VULKAN, "process: the input callback failed");
    } else {
        VkBufferCopy up_copy = { .size = c->in_bytes };
        d->vk.vkCmdCopyBuffer(cb, e->staging_in.buffer, e->dev_in.buffer, 1, &up_copy);
    }
    asr_prof_mark(d, cb, "copy.in", 0.0, 2.0 * c->in_bytes, VK_PIPELINE_STAGE_TRANSFER_BIT);
    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
    asr_prof_tag(d, "unpack", 0.0, (double)c->in_bytes + c->lr_bytes);
    asr_io_record_unpack(d, cb, &e->io, &up);
    asr_cmd_compute_barrier(d, cb);
    asr_timer_stamp(d, &e->timer, cb, STAMP_UPLOADED, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT);

    int routed = 0;
    if (bicubic) {
        asr_resample_record(d, cb, &e->resample, &c->rs);
        asr_cmd_compute_barrier(d, cb);
        asr_timer_stamp(d, &e->timer, cb, STAMP_ENCODED, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT);
        asr_prof_tag(d, "pack", 0.0, (double)c->out_bytes + 4.0 * c->rs.planes * c->out.width *
                     c->out.height);
        asr_io_record_pack(d, cb, &e->io, &pp);
    } else {
        status = asr_net_record_encoder(d, cb, &e->net, &c->ns, &c->np, op, brk, e);
        if (status < 0)
            return status;
        asr_timer_stamp(d, &e->timer, cb, STAMP_ENCODED, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT);
        if (asr_net_adaptive(&e->net, op))
            asr_net_record_depth_counts(d, cb, &e->net, &c->np, op, e->readback.buffer,
                                        READBACK_DEPTH);
        routed = op->mode == ASR_DECODER_ROUTED;
        /* band by band: decode into the window, pack it into the frame */
        for (uint32_t b = 0; b < c->np.dec_bands; b++) {
            AsrNetWindow w;
            asr_net_window(&c->ns, &c->np, routed, b, &w);
            asr_net_record_decoder(d, cb, &e->net, &c->ns, &c->np, op, b);
            asr_cmd_compute_barrier(d, cb);
            pp.src_y0 = w.h0;
            pp.plane_size = (w.h1 - w.h0) * c->out.width;
            pp.y0 = w.y0;
            pp.rows = w.y1 - w.y0;
            asr_prof_tag(d, "pack", 0.0, ((double)c->out_bytes / c->out.height + 4.0 *
                                          c->rs.planes * c->out.width) * pp.rows);
            asr_io_record_pack(d, cb, &e->io, &pp);
            asr_cmd_compute_barrier(d, cb); /* the next band rewrites the window */
            if (brk && b + 1 < c->np.dec_bands && (status = brk(e)) < 0)
                return status;
        }
    }
    asr_timer_stamp(d, &e->timer, cb, STAMP_DECODED, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT);

    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    if (io && io->record_output) {
        AsrVulkanFrameBuffer fb;
        frame_buffer(&e->dev_out, &c->out_layout, &fb);
        if (io->record_output(io->user_data, cb, &fb) != 0)
            return fail(e, ASR_ERROR_VULKAN, "process: the output callback failed");
    } else {
        VkBufferCopy down_copy = { .size = c->out_bytes };
        d->vk.vkCmdCopyBuffer(cb, e->dev_out.buffer, e->staging_out.buffer, 1, &down_copy);
    }
    if (routed) {
        VkBufferCopy counters = { .srcOffset = ASR_ROUTE_HEAVY_TOTAL * sizeof(uint32_t),
                                  .size = 2 * sizeof(uint32_t) };
        d->vk.vkCmdCopyBuffer(cb, e->net.route.buffer, e->readback.buffer, 1, &counters);
    }
    asr_prof_mark(d, cb, "copy.out", 0.0, 2.0 * c->out_bytes, VK_PIPELINE_STAGE_TRANSFER_BIT);
    asr_prof_finish(d, cb);
    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                    VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    asr_timer_stamp(d, &e->timer, cb, STAMP_DOWNLOADED, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
    return ASR_OK;
}

static AsrStatus process(AsrEngine *e, const AsrFrame *in, AsrFrame *out,
                         const AsrVulkanFrameIo *io);

ASR_API AsrStatus asr_engine_process(AsrEngine *e, const AsrFrame *in, AsrFrame *out)
{
    return process(e, in, out, NULL);
}

ASR_API AsrStatus asr_engine_process_vulkan(AsrEngine *e, const AsrFrame *in, AsrFrame *out,
                                            const AsrVulkanFrameIo *io)
{
    return process(e, in, out, io);
}

static AsrStatus process(AsrEngine *e, const AsrFrame *in, AsrFrame *out,
                         const AsrVulkanFrameIo *io)
{
    AsrStatus status = ASR_OK;
    int dev_in = io && io->record_input, dev_out = io && io->record_output;
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    e->last_error[0] = '\0';
    if (!e->configured)
        return fail(e, ASR_ERROR_NOT_CONFIGURED, "process: asr_engine_configure() has not "
                    "succeeded yet");
    if ((!in && !dev_in) || (!out && !dev_out))
        return fail(e, ASR_ERROR_INVALID_ARGUMENT, "process: NULL frame");
    if (!dev_in && asr_frame_check(&e->cfg.in_layout, in) < 0)
        return fail(e, ASR_ERROR_INVALID_ARGUMENT, "process: input frame has a NULL plane or a "
                    "stride shorter than its row");
    if (!dev_out && asr_frame_check(&e->cfg.out_layout, out) < 0)
        return fail(e, ASR_ERROR_INVALID_ARGUMENT, "process: output frame has a NULL plane or a "
                    "stride shorter than its row");

    double t0 = now_ms();
    int32_t subnet, point;
    AsrNetOp op;
    AsrCtrlDecision dec;
    int adaptive = e->target_fps > 0.0 && !e->debug_op.width && !e->bicubic;
    int bicubic = e->bicubic; /* the test hook, or the floor below */
    if (e->pts_stale) {
        /* at the first frame after a change, not every frame */
        sync_points(e);
        e->pts_stale = 0;
    }
    if (adaptive) {
        controller_decide(e, &dec);
        AsrOpChoice oc = e->pts[dec.point].op;
        const AsrArch *a = &e->net.model->arch;
        subnet = oc.subnet;
        point = dec.point;
        if (subnet == ASR_SUBNET_BICUBIC) {
            bicubic = 1; /* planned: has_floor() */
            op = (AsrNetOp) { 0, 0, oc.decoder, oc.k, 1.0f };
        } else {
            op = (AsrNetOp) { a->ladder[subnet][0], a->ladder[subnet][1], oc.decoder, oc.k,
                              oc.depth_target };
        }
    } else {
        op = resolve_op(e, &subnet);
        point = op_point(e, subnet, op.mode, op.target);
    }
    if (!e->cfg.np.depth_ok)
        op.target = 1.0f; /* bands thinner than a tile (asr_net_plan): fixed depth */
    int depth_counts = !bicubic && asr_net_adaptive(&e->net, &op);
    op.no_tail = e->no_tail;
    e->ctrl_has_prev = 0; /* set again below when this frame succeeds */
    if (atomic_load(&e->cancel)) {
        status = ASR_ERROR_CANCELLED;
        goto error;
    }
    if (!dev_in)
        asr_frame_to_staging(&e->cfg.in_layout, in, e->staging_in.map);
    if (depth_counts) /* (coherent) what the frame's net does not write reads 0 */
        memset((char *)e->readback.map + READBACK_DEPTH, 0, op.depth * sizeof(uint32_t));
    status = asr_cmd_begin(e->dev, &e->cmd);
    if (status < 0)
        goto error;
    status = record(e, &op, bicubic, io);
    if (status >= 0)
        status = asr_cmd_submit_wait(e->dev, &e->cmd, &e->cancel);
    if (status < 0) {
        if (status == ASR_ERROR_CANCELLED)
            asr_dbg(&e->log, "process: cancelled");
        goto error;
    }
    if (!dev_out)
        asr_frame_from_staging(&e->cfg.out_layout, e->staging_out.map, out);
    if (e->prof) {
        if (op.mode == ASR_DECODER_ROUTED && !bicubic) {
            const uint32_t *cnt = e->readback.map; /* heavy, light pixels of every band */
            asr_netprof_routed(e->prof, &e->net, &e->cfg.np, cnt[0], cnt[1]);
        }
        if (depth_counts)
            asr_netprof_depth(e->prof, &e->net, &e->cfg.np, &op,
                              (const uint32_t *)((const char *)e->readback.map + READBACK_DEPTH));
        asr_prof_end(e->dev, e->prof);
    }

    double ms[STAMP_COUNT - 1];
    asr_timer_read(e->dev, &e->timer, ms);
    const AsrConfig *c = &e->cfg;
    AsrStats *st = &e->stats;
    double hf = op.mode == ASR_DECODER_HEAVY ? 1.0 : 0.0;
    if (op.mode == ASR_DECODER_ROUTED && !bicubic) {
        const uint32_t *cnt = e->readback.map;
        uint64_t total = (uint64_t)cnt[0] + cnt[1];
        hf = total ? (double)cnt[0] / (double)total : 0.0;
    }
    st->frames++;
    st->last_upload_ms = ms[0];
    st->last_encoder_ms = ms[1];
    st->last_decoder_ms = ms[2];
    st->last_compute_ms = ms[1] + ms[2];
    st->last_download_ms = ms[3];
    st->last_gpu_ms = ms[0] + ms[1] + ms[2] + ms[3];
    st->last_subnet = subnet;
    st->last_width = op.width;
    st->last_depth = op.depth;
    st->last_decoder = (int32_t)op.mode;
    st->last_k = op.k;
    if (bicubic && !e->bicubic)
        hf = 0.0; /* the floor: no MLP */
    st->last_heavy_fraction = hf;
    const AsrArch *a = &e->net.model->arch;
    double lr = (double)c->in.width * c->in.height;
    st->last_macs = bicubic ? 0.0 :
        asr_model_macs(a, op.width, op.depth, (int)op.mode, hf, c->in.height, c->in.width,
                       c->out.height, c->out.width);
    st->last_depth_target = 1.0f;
    st->last_mean_depth = bicubic ? 0.0 : op.depth;
    st->last_macs_skipped = 0.0;
    if (depth_counts) {
        /* LR pixels that ran each block: the work that ran, not the full depth */
        const uint32_t *cnt = (const uint32_t *)((const char *)e->readback.map + READBACK_DEPTH);
        double ran = 0.0, block = asr_model_block_macs_per_pixel(a, op.width);
        for (uint32_t l = 0; l < op.depth; l++)
            ran += ASR_MIN((double)cnt[l], lr);
        double skipped = (op.depth * lr - ran) * block;
        st->last_depth_target = op.target;
        st->last_mean_depth = ran / lr;
        st->last_macs_skipped = skipped / (asr_model_encoder_macs_per_pixel(a, op.width,
                                                                            op.depth) * lr);
        st->last_macs += asr_model_adapter_macs_per_pixel(a) * lr - skipped;
        if (point >= 0) {
            AsrPoint *p = &e->pts[point];
            double pp = ran * block / lr;
            p->ran_pp = p->ran_pp < 0.0 ? pp : p->ran_pp + DEPTH_EMA_ALPHA * (pp - p->ran_pp);
        }
    }
    st->last_wall_ms = now_ms() - t0;
    if (e->fake_ms_per_gmac > 0.0) {
        /* internal.h: synthetic timing (bicubic: its taps as MACs) */
        double macs = bicubic ? bicubic_macs(c) : st->last_macs;
        st->last_gpu_ms = st->last_wall_ms = e->fake_fixed_ms + e->fake_ms_per_gmac * macs * 1e-9;
        st->last_encoder_ms = st->last_decoder_ms = st->last_compute_ms = 0.0;
    }
    st->last_op_point = point;
    if (op.mode == ASR_DECODER_ROUTED && !bicubic)
        e->heavy_fraction = hf;
    e->wall_ema = st->frames == 1 ? st->last_wall_ms
                                  : e->wall_ema + 0.1 * (st->last_wall_ms - e->wall_ema);
    st->fps_estimate = e->wall_ema > 0.0 ? 1000.0 / e->wall_ema : 0.0;
    if (adaptive) {
        e->ctrl_has_prev = 1;
        e->ctrl_prev_point = point;
        /* the floor's cost model counts its filter taps (stats say 0) */
        e->ctrl_prev_macs = bicubic ? bicubic_macs(c) : st->last_macs;
        e->ctrl_prev_pixels = (double)c->in.width * c->in.height +
                              (double)c->out.width * c->out.height;
        e->ctrl_prev_gpu = st->last_gpu_ms;
        e->ctrl_prev_wall = st->last_wall_ms;
        st->last_budget_ms = dec.budget_ms;
        st->last_predicted_ms = dec.predicted_ms;
        st->budget_unmeetable = dec.unmeetable;
        st->controller_switches += dec.switched ? 1 : 0;
        st->frames_over_budget += st->last_wall_ms > dec.budget_ms ? 1 : 0;
    } else {
        st->last_budget_ms = 0.0;
        st->last_predicted_ms = 0.0;
        st->budget_unmeetable = 0;
    }
    return ASR_OK;

error:
    asr_prof_abort(e->prof);
    return fail(e, status, "process: %s", asr_status_to_string(status));
}

ASR_API AsrStatus asr_engine_get_stats(const AsrEngine *e, AsrStats *stats)
{
    if (!e || !stats)
        return ASR_ERROR_INVALID_ARGUMENT;
    *stats = e->stats;
    stats->pipelines_created = e->dev->pipelines_created;
    stats->buffer_allocations = e->dev->buffer_allocations;
    stats->validation_messages = atomic_load(&e->dev->validation_messages);
    stats->weight_uploads = e->net.weight_uploads;
    stats->device_bytes = e->dev->bytes;
    stats->device_bytes_peak = e->dev->bytes_peak;
    return ASR_OK;
}

ASR_API AsrStatus asr_engine_set_profiling(AsrEngine *e, int enable)
{
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    e->last_error[0] = '\0';
    AsrDevice *d = e->dev;
    if (enable && !e->prof) {
        AsrStatus status = asr_prof_create(d, &e->prof);
        if (status < 0)
            return fail(e, status, "set_profiling: %s", asr_status_to_string(status));
        d->prof = e->prof;
    } else if (!enable && e->prof) {
        /* a cancelled frame may still run on the device with the pool */
        AsrStatus status = asr_cmd_settle(d, &e->cmd, ASR_CMD_HANG_NS);
        if (status < 0)
            return fail(e, status, "set_profiling: the last submission has not finished: %s",
                        asr_status_to_string(status));
        asr_prof_destroy(d, &e->prof);
    }
    return ASR_OK;
}

ASR_API uint32_t asr_engine_get_profile(const AsrEngine *e, AsrPassProfile *out, uint32_t max)
{
    if (!e || !e->prof)
        return 0;
    const AsrProfiler *p = e->prof;
    if (!out)
        return p->n_last;
    uint32_t n = ASR_MIN(p->n_last, max);
    for (uint32_t i = 0; i < n; i++) {
        const AsrProfRow *r = &p->last[i];
        memset(&out[i], 0, sizeof(out[i]));
        _Static_assert(sizeof(out[i].name) == ASR_PROF_NAME, "AsrPassProfile.name");
        memcpy(out[i].name, r->name, sizeof(out[i].name));
        out[i].name[sizeof(out[i].name) - 1] = '\0';
        out[i].dispatches = r->dispatches;
        out[i].gpu_ms = r->ms;
        out[i].macs = r->macs;
        out[i].bytes = r->bytes;
    }
    return n;
}

ASR_API AsrStatus asr_engine_probe_ceiling(AsrEngine *e, AsrDeviceCeiling *out)
{
    if (out)
        memset(out, 0, sizeof(*out));
    if (!e || !out)
        return ASR_ERROR_INVALID_ARGUMENT;
    e->last_error[0] = '\0';
    AsrCeiling c;
    AsrStatus status = asr_probe_ceiling(e->dev, &e->cmd, &c);
    if (status == ASR_ERROR_UNSUPPORTED)
        return fail(e, status, "probe_ceiling: the device's queue has no GPU timestamps");
    if (status < 0)
        return fail(e, status, "probe_ceiling: %s", asr_status_to_string(status));
    out->fp32_gflops = c.fp32_gmacs;
    out->fp16_gflops = c.fp16_gmacs;
    out->copy_gbps = c.copy_gbps;
    return ASR_OK;
}

ASR_API const char *asr_engine_device_name(const AsrEngine *e)
{
    return e && e->dev ? e->dev->props.deviceName : "";
}

ASR_API const char *asr_engine_last_error(const AsrEngine *e)
{
    return e ? e->last_error : "";
}

ASR_API int asr_device_count(void)
{
    return asr_device_enumerate();
}

ASR_API int asr_engine_num_subnets(const AsrEngine *e)
{
    return e ? (int)e->net.model->arch.n_ladder : ASR_ERROR_INVALID_ARGUMENT;
}

ASR_API AsrStatus asr_engine_get_subnet(const AsrEngine *e, int subnet, uint32_t *width,
                                        uint32_t *depth)
{
    if (!e || subnet < 0 || subnet >= (int)e->net.model->arch.n_ladder)
        return ASR_ERROR_INVALID_ARGUMENT;
    if (width)
        *width = e->net.model->arch.ladder[subnet][0];
    if (depth)
        *depth = e->net.model->arch.ladder[subnet][1];
    return ASR_OK;
}

ASR_API int asr_engine_subnet_cap(const AsrEngine *e)
{
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    return e->configured ? (int)e->cfg.cap : ASR_ERROR_NOT_CONFIGURED;
}

ASR_API float asr_engine_default_k(const AsrEngine *e)
{
    return e ? (float)e->net.model->arch.default_k : 0.0f;
}

ASR_API float asr_engine_default_depth_target(const AsrEngine *e)
{
    return e ? e->net.model->arch.depth_target : 0.0f;
}

ASR_API AsrStatus asr_engine_set_op(AsrEngine *e, const AsrOpChoice *op)
{
    if (!e || !op)
        return ASR_ERROR_INVALID_ARGUMENT;
    if (op->subnet < -1 || op->subnet >= (int32_t)e->net.model->arch.n_ladder ||
        op->decoder < ASR_DECODER_HEAVY || op->decoder > ASR_DECODER_ROUTED || !isfinite(op->k) ||
        !(op->depth_target >= 0.0f))
        return fail(e, ASR_ERROR_INVALID_ARGUMENT, "set_op: subnet %d (of %u), decoder %d, k %g, "
                    "depth target %g: out of range", (int)op->subnet,
                    e->net.model->arch.n_ladder, (int)op->decoder, (double)op->k,
                    (double)op->depth_target);
    if (op->decoder != e->op.decoder) {
        /* another list of operating points: learned costs no longer apply */
        asr_controller_init(&e->ctrl, NULL);
        e->ctrl_has_prev = 0;
    }
    e->op = *op;
    e->pts_stale = 1;
    return ASR_OK;
}

ASR_API int asr_engine_num_op_points(const AsrEngine *e)
{
    AsrPoint p[ASR_CTRL_MAX_POINTS];
    return e ? build_points(e, p) : ASR_ERROR_INVALID_ARGUMENT;
}

ASR_API AsrStatus asr_engine_get_op_point(const AsrEngine *e, int point, AsrOpChoice *op)
{
    AsrPoint p[ASR_CTRL_MAX_POINTS];
    if (!e || !op || point < 0 || point >= build_points(e, p))
        return ASR_ERROR_INVALID_ARGUMENT;
    *op = p[point].op;
    return ASR_OK;
}

ASR_API AsrStatus asr_engine_set_target(AsrEngine *e, double target_fps, double headroom)
{
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    if (!isfinite(target_fps) || target_fps < 0.0 || !isfinite(headroom) ||
        (headroom != 0.0 && (headroom < 0.5 || headroom > 1.0)))
        return fail(e, ASR_ERROR_INVALID_ARGUMENT, "set_target: target %g fps, headroom %g: "
                    "out of range (fps >= 0, headroom in [0.5, 1] or 0)", target_fps, headroom);
    if (target_fps != e->target_fps || (headroom == 0.0 ? 0.85 : headroom) != e->headroom)
        asr_dbg(&e->log, "qos: target %.3f fps (budget %.2f ms), headroom %.2f", target_fps,
                target_fps > 0.0 ? 1000.0 / target_fps : 0.0, headroom == 0.0 ? 0.85 : headroom);
    int turned_on = e->target_fps <= 0.0 && target_fps > 0.0;
    if (turned_on)
        e->ctrl.started = 0; /* from the ceiling again; the learned costs stay */
    e->target_fps = target_fps;
    e->pts_stale = 1; /* the floor comes or goes */
    e->headroom = headroom == 0.0 ? 0.85 : headroom;
    if (turned_on && e->configured && !e->cfg.bicubic && !e->bicubic) {
        /* the bicubic floor's whole-frame buffers, allocated only while
         * adaptation is on: plan them once now; without them (they do not
         * fit, or an allocation fails) adaptation runs without the floor */
        if (replan(e) < 0)
            e->last_error[0] = '\0';
    }
    return ASR_OK;
}

ASR_API AsrStatus asr_engine_cancel(AsrEngine *e, int cancel)
{
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    atomic_store(&e->cancel, cancel ? 1 : 0);
    return ASR_OK;
}

ASR_API AsrStatus asr_engine_report_qos(AsrEngine *e, double proportion, int64_t jitter_ns)
{
    if (!e || !isfinite(proportion) || proportion < 0.0)
        return ASR_ERROR_INVALID_ARGUMENT;
    uint64_t bits;
    memcpy(&bits, &proportion, sizeof(bits));
    atomic_store(&e->qos_proportion_bits, bits);
    atomic_store(&e->qos_jitter, jitter_ns);
    atomic_store(&e->qos_pending, 1);
    return ASR_OK;
}

ASR_API AsrStatus asr_engine_trim(AsrEngine *e)
{
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    e->last_error[0] = '\0';
    AsrDevice *d = e->dev;
    const AsrConfig *c = e->configured ? &e->cfg : NULL;
    const struct { AsrBuffer *b; uint64_t size; } res[] = {
        { &e->staging_in, c ? c->in_bytes : 0 },
        { &e->staging_out, c ? c->out_bytes : 0 },
        { &e->dev_in, c ? c->in_bytes : 0 },
        { &e->dev_out, c ? c->out_bytes : 0 },
        { &e->lr, c ? c->lr_bytes : 0 },
        { &e->tmp, c && c->bicubic ? c->tmp_bytes : 0 },
        { &e->hr, c ? c->hr_bytes : 0 },
    };
    AsrStatus status = ASR_OK;
    uint64_t before = d->buffer_allocations;
    for (size_t i = 0; i < ASR_ARRAY_SIZE(res) && status >= 0; i++)
        status = asr_buffer_shrink(d, res[i].b, res[i].size);
    if (status >= 0)
        status = asr_net_trim(d, &e->net, c ? &c->np : NULL);
    if (c)
        bind_all(e, c); /* also after a failure: some buffers may be new */
    asr_dbg(&e->log, "trim: %llu buffers re-allocated", (unsigned long long)(d->buffer_allocations - before));
    if (status < 0)
        return fail(e, status, "trim: %s", asr_status_to_string(status));
    return ASR_OK;
}

ASR_API double asr_engine_cost_macs(const AsrEngine *e, int subnet, AsrDecoderMode decoder,
                                    double heavy_fraction)
{
    if (!e || !e->configured || subnet < -1 || subnet >= (int)e->net.model->arch.n_ladder ||
        decoder < ASR_DECODER_HEAVY || decoder > ASR_DECODER_ROUTED ||
        (decoder == ASR_DECODER_ROUTED && !(heavy_fraction >= 0.0 && heavy_fraction <= 1.0)))
        return -1.0;
    const AsrArch *a = &e->net.model->arch;
    int cap = (int)e->cfg.cap;
    int sn = subnet < 0 ? cap : subnet;
    return asr_model_macs(a, a->ladder[sn][0], a->ladder[sn][1], (int)decoder, heavy_fraction,
                          e->cfg.in.height, e->cfg.in.width, e->cfg.out.height, e->cfg.out.width);
}

/* ------------------------------------------------------------------------ */
/* internal.h: test hooks */

AsrStatus asr_engine_debug_set_op(AsrEngine *e, uint32_t width, uint32_t depth,
                                  AsrDecoderMode mode, float k)
{
    const AsrArch *a = &e->net.model->arch;
    if (width == 0) {
        e->debug_op.width = 0;
        return ASR_OK;
    }
    if (width > a->F || width % a->chunk || depth > a->D || mode < ASR_DECODER_HEAVY ||
        mode > ASR_DECODER_ROUTED)
        return ASR_ERROR_INVALID_ARGUMENT;
    e->debug_op = (AsrNetOp) { width, depth, mode, k, 1.0f }; /* target: resolve_op() */
    return ASR_OK;
}

AsrStatus asr_engine_debug_set_depth_target(AsrEngine *e, float target)
{
    if (!(target > 0.0f))
        return ASR_ERROR_INVALID_ARGUMENT;
    e->debug_target = target;
    return ASR_OK;
}

void asr_engine_debug_inject(AsrEngine *e, AsrDebugFault fault, uint32_t after)
{
    if (fault == ASR_FAULT_DEVICE_LOST)
        e->dev->fault_lost_in = after;
    else
        e->dev->fault_alloc_in = after;
}

void asr_engine_debug_set_timing(AsrEngine *e, double ms_per_gmac, double fixed_ms)
{
    e->fake_ms_per_gmac = ms_per_gmac;
    e->fake_fixed_ms = fixed_ms;
}

void asr_engine_debug_set_tail(AsrEngine *e, int on)
{
    e->no_tail = !on;
}

AsrStatus asr_engine_debug_set_bicubic(AsrEngine *e, int on)
{
    e->bicubic = on;
    e->pts_stale = 1;
    if (!e->configured || e->cfg.bicubic == !!on)
        return ASR_OK;
    return replan(e); /* for (or without) the bicubic path's buffers */
}

const AsrModel *asr_engine_debug_model(const AsrEngine *e)
{
    return e->net.model;
}

AsrStatus asr_engine_debug_tiles(const AsrEngine *e, AsrDebugTiles *t)
{
    if (!e->configured)
        return ASR_ERROR_NOT_CONFIGURED;
    const AsrNetPlan *p = &e->cfg.np;
    *t = (AsrDebugTiles) {
        .depth_ok = p->depth_ok, .tile = p->tile, .tiles_x = p->tiles_x, .tiles_y = p->tiles_y,
        .bands = p->enc_bands, .enc_rows = p->enc_rows, .pix_off = p->pix_off,
        .args_off = p->args_off, .list_off = p->list_off,
    };
    return ASR_OK;
}

static AsrStatus debug_read_raw(AsrEngine *e, const AsrBuffer *src, size_t offset, void *dst,
                                size_t bytes);

/* IEEE half -> float */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 31, man = h & 1023;
    float v;
    if (exp == 0)
        v = ldexpf((float)man, -24);
    else if (exp == 31)
        v = man ? NAN : INFINITY;
    else
        v = ldexpf((float)(man | 1024), (int)exp - 25);
    return sign ? -v : v;
}

/* A feature map as float planes (ch * n + pixel), of which bytes at offset. */
static AsrStatus debug_read_map(AsrEngine *e, const AsrBuffer *src, size_t offset, void *dst,
                                size_t bytes)
{
    const AsrNetPlan *p = &e->cfg.np;
    size_t n = (size_t)e->cfg.in.width * e->cfg.in.height, cs = p->cs;
    if (!e->configured || !src->buffer || !bytes || offset + bytes > cs * n * sizeof(float))
        return ASR_ERROR_INVALID_ARGUMENT;
    void *raw = malloc(p->map_bytes);
    float *planes = malloc(cs * n * sizeof(float));
    AsrStatus status = raw && planes ? debug_read_raw(e, src, 0, raw, p->map_bytes)
                                     : ASR_ERROR_NO_MEMORY;
    if (status >= 0) {
        for (size_t i = 0; i < n; i++)
            for (size_t ch = 0; ch < cs; ch++)
                planes[ch * n + i] = p->elem == 2 ? half_to_float(((uint16_t *)raw)[i * cs + ch])
                                                  : ((float *)raw)[i * cs + ch];
        memcpy(dst, (char *)planes + offset, bytes);
    }
    free(raw);
    free(planes);
    return status;
}

AsrStatus asr_engine_debug_read(AsrEngine *e, AsrDebugBuffer which, size_t offset, void *dst,
                                size_t bytes)
{
    const AsrBuffer *src = NULL;
    switch (which) {
    case ASR_DEBUG_LR: src = &e->lr; break;
    case ASR_DEBUG_H0: src = &e->net.x; break;
    case ASR_DEBUG_X: src = &e->net.x; break;
    case ASR_DEBUG_Y: src = &e->net.y; break;
    case ASR_DEBUG_ENC: src = &e->net.y; break;
    case ASR_DEBUG_ATT: src = &e->net.att; break;
    case ASR_DEBUG_UNREF: src = &e->net.unref; break;
    case ASR_DEBUG_ROUTE: src = &e->net.route; break;
    case ASR_DEBUG_HR: src = &e->hr; break;
    case ASR_DEBUG_TILES: src = &e->net.tiles; break;
    }
    int map = which == ASR_DEBUG_H0 || which == ASR_DEBUG_X || which == ASR_DEBUG_Y ||
              which == ASR_DEBUG_ENC;
    if (map) /* NHWC fp16/fp32 on the device: converted to float planes */
        return debug_read_map(e, src, offset, dst, bytes);
    if (!src)
        return ASR_ERROR_INVALID_ARGUMENT;
    return debug_read_raw(e, src, offset, dst, bytes);
}

static AsrStatus debug_read_raw(AsrEngine *e, const AsrBuffer *src, size_t offset, void *dst,
                                size_t bytes)
{
    if (!src->buffer || offset + bytes > src->size || !bytes)
        return ASR_ERROR_INVALID_ARGUMENT;
    AsrDevice *d = e->dev;
    AsrBuffer tmp;
    AsrStatus status = asr_buffer_create(d, &tmp, ASR_BUFFER_DOWNLOAD, bytes,
                                         VK_BUFFER_USAGE_TRANSFER_DST_BIT);
    if (status < 0)
        return status;
    /* every debug-readable buffer carries VK_BUFFER_USAGE_TRANSFER_SRC_BIT */
    status = asr_cmd_begin(d, &e->cmd);
    if (status < 0)
        goto done;
    asr_cmd_barrier(d, e->cmd.cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
                    VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_SHADER_WRITE_BIT |
                    VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                    VK_ACCESS_TRANSFER_READ_BIT);
    VkBufferCopy copy = { .srcOffset = offset, .size = bytes };
    d->vk.vkCmdCopyBuffer(e->cmd.cb, src->buffer, tmp.buffer, 1, &copy);
    asr_cmd_barrier(d, e->cmd.cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                    VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    status = asr_cmd_submit_wait(d, &e->cmd, NULL);
    if (status >= 0)
        memcpy(dst, tmp.map, bytes);
done:
    asr_buffer_destroy(d, &tmp);
    return status;
}
