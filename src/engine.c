/*
 * The public engine API (anysr.h, anysr-vulkan.h): argument checks,
 * last_error, and delegation to the engine's rooms in engine/ (their map:
 * engine/engine.h; docs/design.md#engine). A frame runs unpack -> encoder
 * (LR) -> decoder (HR) -> pack on the device.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "anysr/anysr-vulkan.h"
#include "engine/engine.h"
#include "model.h"
#include "probe.h"
#include "settings.h"

ASR_API void asr_settings_default(AsrSettings *s)
{
    AsrEnv env;
    if (!s)
        return;
    asr_env_read(&env);
    memset(s, 0, sizeof(*s));
    s->device_index = -1;
    s->validation = env.validation;
    s->log_level = ASR_LOG_WARNING;
    s->tile_rows = env.tile_rows;
    s->kernels = env.kernels;
    s->tuning = env.tuning;
}

static AsrStatus engine_new(const AsrSettings *s, const AsrVulkanDevice *vk, AsrEngine **out)
{
    if (out)
        *out = NULL;
    if (!s || !out)
        return ASR_ERROR_INVALID_ARGUMENT;
    for (size_t i = 0; i < ASR_ARRAY_SIZE(s->reserved); i++)
        if (s->reserved[i])
            return ASR_ERROR_INVALID_ARGUMENT;
    if (s->log_level < ASR_LOG_ERROR || s->log_level > ASR_LOG_DEBUG || s->device_index < -1 ||
        s->precision < ASR_PRECISION_AUTO || s->precision > ASR_PRECISION_FP32 ||
        s->kernels < ASR_KERNELS_AUTO || s->kernels > ASR_KERNELS_COOPMAT ||
        s->tuning < ASR_TUNING_AUTO || s->tuning > ASR_TUNING_FORCE)
        return ASR_ERROR_INVALID_ARGUMENT;

    return asr_engine_open(s, vk, out);
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

ASR_API void asr_engine_free(AsrEngine **engine_ptr)
{
    AsrEngine *e = engine_ptr ? *engine_ptr : NULL;
    if (!e)
        return;
    asr_engine_close(e);
    *engine_ptr = NULL;
}

static int info_valid(const AsrFrameInfo *i)
{
    return asr_format_is_valid(i->format) && i->width > 0 && i->height > 0 &&
           i->matrix >= ASR_MATRIX_BT601 && i->matrix <= ASR_MATRIX_BT2020 &&
           (i->range == ASR_RANGE_LIMITED || i->range == ASR_RANGE_FULL);
}

ASR_API AsrStatus asr_engine_configure(AsrEngine *e, const AsrFrameInfo *in,
                                       const AsrFrameInfo *out)
{
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    e->last_error[0] = '\0';
    if (!in || !out)
        return asr_engine_fail(e, ASR_ERROR_INVALID_ARGUMENT, "configure: NULL frame info");
    if (!info_valid(in) || !info_valid(out))
        return asr_engine_fail(e, ASR_ERROR_INVALID_ARGUMENT,
                               "configure: invalid frame info (%s %ux%u -> "
                               "%s %ux%u): unknown format, matrix or range, or a size of 0",
                               asr_format_name(in->format), in->width, in->height,
                               asr_format_name(out->format), out->width, out->height);
    if (in->format != out->format)
        return asr_engine_fail(e, ASR_ERROR_UNSUPPORTED,
                               "configure: input format %s differs from output "
                               "format %s; convert before or after anysr",
                               asr_format_name(in->format), asr_format_name(out->format));

    AsrStatus status = asr_engine_plan_configure(e, in, out);
    if (status >= 0) {
        e->stats.counts.configures++;
        asr_points_new_sizes(&e->points);
    }
    return status;
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
        return asr_engine_fail(e, ASR_ERROR_NOT_CONFIGURED,
                               "process: asr_engine_configure() has not "
                               "succeeded yet");
    if ((!in && !dev_in) || (!out && !dev_out))
        return asr_engine_fail(e, ASR_ERROR_INVALID_ARGUMENT, "process: NULL frame");
    if (!dev_in && asr_frame_check(&e->cfg.in_layout, in) < 0)
        return asr_engine_fail(e, ASR_ERROR_INVALID_ARGUMENT,
                               "process: input frame has a NULL plane or a "
                               "stride shorter than its row");
    if (!dev_out && asr_frame_check(&e->cfg.out_layout, out) < 0)
        return asr_engine_fail(e, ASR_ERROR_INVALID_ARGUMENT,
                               "process: output frame has a NULL plane or a "
                               "stride shorter than its row");

    double t0 = asr_monotonic_ms(); /* a wall clock jumps (NTP, date -s) */
    AsrFrameChoice choice;
    asr_engine_choose(e, &choice);
    e->points.prev.valid = 0; /* set again when this frame succeeds */
    if (choice.host_floor) {
        /* the caller's floor makes this frame (asr_engine_set_host_floor()) */
        asr_engine_account_host_floor(e, &choice);
        return ASR_HOST_FLOOR;
    }
    status = asr_engine_run_frame(e, &choice, in, out, io);
    if (status < 0) {
        asr_prof_abort(e->prof);
        if (e->last_error[0]) /* the specific message (a record callback's) stays */
            return status;
        return asr_engine_fail(e, status, "process: %s", asr_status_to_string(status));
    }
    asr_engine_account_frame(e, &choice, t0);
    return ASR_OK;
}

ASR_API AsrStatus asr_engine_get_stats(const AsrEngine *e, AsrStats *stats)
{
    if (!e || !stats)
        return ASR_ERROR_INVALID_ARGUMENT;
    asr_engine_read_stats(e, stats);
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
            return asr_engine_fail(e, status, "set_profiling: %s", asr_status_to_string(status));
        d->prof = e->prof;
    } else if (!enable && e->prof) {
        /* a cancelled frame may still run on the device with the pool */
        AsrStatus status = asr_cmd_settle(d, &e->cmd, ASR_CMD_HANG_NS);
        if (status < 0)
            return asr_engine_fail(e, status,
                                   "set_profiling: the last submission has not finished: %s",
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

/* The device's probed speed, the QoS controller's start before anything
 * is measured: the network's convolutions reach about
 * ASR_PRIOR_EFFICIENCY of the multiply-add ceiling
 * (docs/design.md#controller). */
#define ASR_PRIOR_EFFICIENCY 0.1
static void set_prior(AsrEngine *e, double gmacs)
{
    AsrPoints *p = &e->points;
    p->prior_probed = 1;
    if (e->debug.ms_per_gmac > 0.0)
        p->prior_ms_per_mac = e->debug.ms_per_gmac * 1e-9; /* internal.h: synthetic timing */
    else if (gmacs > 0.0)
        p->prior_ms_per_mac = 1.0 / (gmacs * 1e6 * ASR_PRIOR_EFFICIENCY);
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
        return asr_engine_fail(e, status,
                               "probe_ceiling: the device's queue has no GPU timestamps");
    if (status < 0)
        return asr_engine_fail(e, status, "probe_ceiling: %s", asr_status_to_string(status));
    out->fp32_gflops = c.fp32_gmacs;
    out->fp16_gflops = c.fp16_gmacs;
    out->copy_gbps = c.copy_gbps;
    set_prior(e, c.fp32_gmacs);
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
        return asr_engine_fail(e, ASR_ERROR_INVALID_ARGUMENT,
                               "set_op: subnet %d (of %u), decoder %d, k %g, "
                               "depth target %g: out of range",
                               (int)op->subnet, e->net.model->arch.n_ladder, (int)op->decoder,
                               (double)op->k, (double)op->depth_target);
    if (op->decoder != e->op.decoder) {
        /* another list of operating points: learned costs no longer apply */
        asr_points_forget(&e->points);
    }
    e->op = *op;
    e->points.stale = 1;
    return ASR_OK;
}

ASR_API int asr_engine_num_op_points(const AsrEngine *e)
{
    AsrPoint p[ASR_CTRL_MAX_POINTS];
    AsrPointsScene scene;
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    asr_engine_points_scene(e, &scene);
    return asr_points_build(&scene, p);
}

ASR_API AsrStatus asr_engine_get_op_point(const AsrEngine *e, int point, AsrOpChoice *op)
{
    AsrPoint p[ASR_CTRL_MAX_POINTS];
    AsrPointsScene scene;
    if (!e || !op || point < 0)
        return ASR_ERROR_INVALID_ARGUMENT;
    asr_engine_points_scene(e, &scene);
    if (point >= asr_points_build(&scene, p))
        return ASR_ERROR_INVALID_ARGUMENT;
    *op = p[point].op;
    return ASR_OK;
}

static void probe_prior(AsrEngine *e);

ASR_API AsrStatus asr_engine_set_target(AsrEngine *e, double target_fps, double headroom)
{
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    if (!isfinite(target_fps) || target_fps < 0.0 || !isfinite(headroom) ||
        (headroom != 0.0 && (headroom < 0.5 || headroom > 1.0)))
        return asr_engine_fail(e, ASR_ERROR_INVALID_ARGUMENT,
                               "set_target: target %g fps, headroom %g: "
                               "out of range (fps >= 0, headroom in [0.5, 1] or 0)",
                               target_fps, headroom);
    AsrPoints *p = &e->points;
    double resolved = headroom == 0.0 ? ASR_HEADROOM_DEFAULT : headroom;
    if (target_fps != p->target_fps || resolved != p->headroom)
        asr_dbg(&e->log, "qos: target %.3f fps (budget %.2f ms), headroom %.2f", target_fps,
                target_fps > 0.0 ? 1000.0 / target_fps : 0.0, resolved);
    int turned_on = p->target_fps <= 0.0 && target_fps > 0.0;
    if (turned_on) {
        p->ctrl.started = 0; /* from the best predicted fit again; the learned costs stay */
        probe_prior(e);
    }
    p->target_fps = target_fps;
    p->stale = 1; /* the floor comes or goes */
    p->headroom = resolved;
    if (turned_on && e->configured && !e->cfg.bicubic_buffers && !e->debug.bicubic) {
        /* the bicubic floor's whole-frame buffers, allocated only while
         * adaptation is on: plan them once now; without them (they do not
         * fit, or an allocation fails) adaptation runs without the floor */
        if (asr_engine_plan_again(e) < 0)
            e->last_error[0] = '\0';
    }
    return ASR_OK;
}

ASR_API AsrStatus asr_engine_set_host_floor(AsrEngine *e, double ms)
{
    if (!e || !isfinite(ms) || ms < 0.0)
        return ASR_ERROR_INVALID_ARGUMENT;
    AsrPoints *p = &e->points;
    if (ms == 0.0) {
        p->host_floor_ms = 0.0;
        return ASR_OK;
    }
    asr_points_floor_ran(p, 1, ms);
    if (e->stats.ctrl.host_floor && p->prev.valid && p->prev.point == 0) {
        /* the frame it just made: its time, for the stats and the controller */
        e->stats.time.wall_ms = ms;
        p->prev.wall_ms = ms;
        e->stats.ctrl.host_floor_ms = p->host_floor_ms;
    }
    return ASR_OK;
}

/* The device's probed speed, once per engine, when adaptation first turns
 * on and asr_engine_probe_ceiling() has not run: the controller's start. */
static void probe_prior(AsrEngine *e)
{
    AsrCeiling c;
    if (e->points.prior_probed)
        return;
    if (e->debug.ms_per_gmac > 0.0) {
        set_prior(e, 0.0);
        return;
    }
    double t0 = asr_monotonic_ms();
    if (asr_probe_ceiling(e->dev, &e->cmd, &c) < 0) {
        e->points.prior_probed = 1;
        asr_dbg(&e->log, "qos: no probed speed (the probe failed): the first frame runs the "
                         "ceiling");
        return;
    }
    set_prior(e, c.fp32_gmacs);
    asr_dbg(&e->log, "qos: probed %.1f GMAC/s in %.0f ms: the start assumes %.1f GMAC/s",
            c.fp32_gmacs, asr_monotonic_ms() - t0, c.fp32_gmacs * ASR_PRIOR_EFFICIENCY);
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
    asr_points_report_qos(&e->points, proportion, jitter_ns);
    return ASR_OK;
}

ASR_API AsrStatus asr_engine_trim(AsrEngine *e)
{
    if (!e)
        return ASR_ERROR_INVALID_ARGUMENT;
    e->last_error[0] = '\0';
    AsrStatus status = asr_engine_plan_trim(e);
    if (status < 0)
        return asr_engine_fail(e, status, "trim: %s", asr_status_to_string(status));
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
    int run = subnet < 0 ? cap : subnet;
    return asr_model_macs(a, a->ladder[run][0], a->ladder[run][1], (int)decoder, heavy_fraction,
                          e->cfg.in.width, e->cfg.in.height, e->cfg.out.width, e->cfg.out.height);
}

ASR_API const char *asr_qos_reason_name(uint32_t reason)
{
    return reason > ASR_CTRL_CEILING ? "unknown" : asr_controller_reason_name((AsrCtrlReason)reason);
}
