/*
 * The bookkeeping after a frame: AsrStats (docs/design.md#stats), the
 * measured depth costs of the operating points and the controller's
 * feedback for the next frame.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "engine.h"

/* the ABI rule of anysr.h: the struct's size never changes */
_Static_assert(sizeof(AsrStats) == 512, "AsrStats: append fields into reserved[] only");

/* Why the controller is where it is (AsrStats.ctrl). */
static void account_ctrl(AsrEngine *e, const AsrCtrlDecision *dec)
{
    AsrStats *stats = &e->stats;
    const AsrPoints *p = &e->points;
    int host;
    stats->ctrl.reason = (uint32_t)dec->reason;
    stats->ctrl.dwell = dec->dwell;
    stats->ctrl.room = dec->room;
    stats->ctrl.room_needed = dec->room_needed;
    stats->ctrl.floor_ms = asr_points_floor_ms(p, &host);
    stats->ctrl.host_floor_ms = p->host_floor_ms;
    stats->ctrl.device_floor_ms = p->dev_floor_ms;
    stats->ctrl.prior_gmacs = p->prior_ms_per_mac > 0.0 ? 1e-6 / p->prior_ms_per_mac : 0.0;
}

void asr_engine_account_frame(AsrEngine *e, const AsrFrameChoice *choice, double t0)
{
    const AsrNetOp *op = &choice->op;
    int bicubic = choice->bicubic;
    double ms[STAMP_COUNT - 1];
    asr_timer_read(e->dev, &e->timer, ms);
    const AsrConfig *c = &e->cfg;
    AsrStats *stats = &e->stats;
    double heavy = op->mode == ASR_DECODER_HEAVY ? 1.0 : 0.0;
    if (op->mode == ASR_DECODER_ROUTED && !bicubic) {
        const uint32_t *cnt = e->readback.map;
        uint64_t total = (uint64_t)cnt[0] + cnt[1];
        heavy = total ? (double)cnt[0] / (double)total : 0.0;
    }
    stats->counts.frames++;
    stats->time.upload_ms = ms[0];
    stats->time.encoder_ms = ms[1];
    stats->time.decoder_ms = ms[2];
    stats->time.compute_ms = ms[1] + ms[2];
    stats->time.download_ms = ms[3];
    stats->time.gpu_ms = ms[0] + ms[1] + ms[2] + ms[3];
    stats->op.subnet = choice->subnet;
    stats->op.width = op->width;
    stats->op.depth = op->depth;
    stats->op.decoder = op->mode;
    stats->op.k = op->k;
    if (bicubic && !e->debug.bicubic)
        heavy = 0.0; /* the floor: no MLP */
    stats->op.heavy_fraction = heavy;
    const AsrArch *a = &e->net.model->arch;
    double lr = (double)c->in.width * c->in.height;
    stats->op.macs = bicubic ? 0.0 :
        asr_model_macs(a, op->width, op->depth, (int)op->mode, heavy, c->in.width, c->in.height,
                       c->out.width, c->out.height);
    stats->op.depth_target = 1.0f;
    stats->op.mean_depth = bicubic ? 0.0 : op->depth;
    stats->op.macs_skipped = 0.0;
    if (choice->depth_counts) {
        /* LR pixels that ran each block: the work that ran, not the full depth */
        const uint32_t *cnt = (const uint32_t *)((const char *)e->readback.map + READBACK_DEPTH);
        double ran = 0.0, block = asr_model_block_macs_per_pixel(a, op->width);
        for (uint32_t l = 0; l < op->depth; l++)
            ran += ASR_MIN((double)cnt[l], lr);
        double skipped = (op->depth * lr - ran) * block;
        stats->op.depth_target = op->target;
        stats->op.mean_depth = ran / lr;
        stats->op.macs_skipped = skipped / (asr_model_encoder_macs_per_pixel(a, op->width,
                                                                          op->depth) * lr);
        stats->op.macs += asr_model_adapter_macs_per_pixel(a) * lr - skipped;
        if (choice->point >= 0)
            asr_points_measured(&e->points, choice->point, ran * block / lr);
    }
    stats->time.wall_ms = asr_monotonic_ms() - t0;
    /* what the controller learns from: the frame less the pipelines it
     * created (a first run's price, not the operating point's) */
    double cost_ms = ASR_MAX(stats->time.wall_ms - stats->pipelines.frame_create_ms, 0.0);
    if (e->debug.ms_per_gmac > 0.0) {
        /* internal.h: synthetic timing (bicubic: its taps as MACs) */
        double macs = bicubic ? asr_engine_bicubic_macs(c) : stats->op.macs;
        stats->time.gpu_ms = stats->time.wall_ms = cost_ms =
            e->debug.fixed_ms + e->debug.ms_per_gmac * macs * 1e-9;
        stats->time.encoder_ms = stats->time.decoder_ms = stats->time.compute_ms = 0.0;
    }
    stats->op.point = choice->point;
    if (op->mode == ASR_DECODER_ROUTED && !bicubic)
        e->points.heavy_fraction = heavy;
    e->wall_ema = stats->counts.frames == 1
                      ? stats->time.wall_ms
                      : e->wall_ema + 0.1 * (stats->time.wall_ms - e->wall_ema);
    stats->qos.fps_estimate = e->wall_ema > 0.0 ? 1000.0 / e->wall_ema : 0.0;
    stats->ctrl.host_floor = 0;
    if (choice->adaptive && bicubic && !e->debug.bicubic)
        asr_points_floor_ran(&e->points, 0, cost_ms);
    if (choice->adaptive) {
        const AsrCtrlDecision *dec = &choice->dec;
        AsrPoints *p = &e->points;
        account_ctrl(e, dec);
        p->prev.valid = 1;
        p->prev.point = choice->point;
        /* the floor's cost model counts its filter taps (stats say 0) */
        p->prev.macs = bicubic ? asr_engine_bicubic_macs(c) : stats->op.macs;
        p->prev.io_pixels = (double)c->in.width * c->in.height +
                            (double)c->out.width * c->out.height;
        p->prev.gpu_ms = stats->time.gpu_ms;
        p->prev.wall_ms = cost_ms;
        stats->qos.budget_ms = dec->budget_ms;
        stats->qos.predicted_ms = dec->predicted_ms;
        stats->qos.budget_unmeetable = dec->unmeetable;
        stats->qos.switches += dec->switched ? 1 : 0;
        stats->qos.frames_over_budget += stats->time.wall_ms > dec->budget_ms ? 1 : 0;
        if (bicubic && !e->debug.bicubic && p->host_floor_ms > 0.0 &&
            p->host_floor_ms < cost_ms)
            p->prev.valid = 0; /* the bicubic pass measured (points.c), slower than the
                                  caller's floor, which is the floor: nothing to judge */
    } else {
        stats->qos.budget_ms = 0.0;
        stats->qos.predicted_ms = 0.0;
        stats->qos.budget_unmeetable = 0;
        memset(&stats->ctrl, 0, sizeof(stats->ctrl));
    }
}

void asr_engine_account_host_floor(AsrEngine *e, const AsrFrameChoice *choice)
{
    AsrStats *stats = &e->stats;
    AsrPoints *p = &e->points;
    const AsrConfig *c = &e->cfg;
    const AsrCtrlDecision *dec = &choice->dec;
    double ms = p->host_floor_ms; /* until the caller reports this frame's time */
    stats->counts.frames++;
    memset(&stats->time, 0, sizeof(stats->time));
    stats->time.wall_ms = ms;
    stats->pipelines.frame_create_ms = 0.0;
    stats->op.subnet = ASR_SUBNET_BICUBIC;
    stats->op.width = stats->op.depth = 0;
    stats->op.decoder = choice->op.mode;
    stats->op.k = choice->op.k;
    stats->op.heavy_fraction = 0.0;
    stats->op.macs = 0.0;
    stats->op.depth_target = 1.0f;
    stats->op.mean_depth = 0.0;
    stats->op.macs_skipped = 0.0;
    stats->op.point = choice->point;
    e->wall_ema = stats->counts.frames == 1 ? ms : e->wall_ema + 0.1 * (ms - e->wall_ema);
    stats->qos.fps_estimate = e->wall_ema > 0.0 ? 1000.0 / e->wall_ema : 0.0;
    p->prev.valid = 1;
    p->prev.point = choice->point;
    p->prev.macs = asr_engine_bicubic_macs(c);
    p->prev.io_pixels = (double)c->in.width * c->in.height + (double)c->out.width * c->out.height;
    p->prev.gpu_ms = 0.0;
    p->prev.wall_ms = ms;
    stats->qos.budget_ms = dec->budget_ms;
    stats->qos.predicted_ms = dec->predicted_ms;
    stats->qos.budget_unmeetable = dec->unmeetable;
    stats->qos.switches += dec->switched ? 1 : 0;
    stats->qos.frames_over_budget += ms > dec->budget_ms ? 1 : 0;
    account_ctrl(e, dec);
    stats->ctrl.host_floor = 1;
}

void asr_engine_read_stats(const AsrEngine *e, AsrStats *stats)
{
    *stats = e->stats;
    stats->counts.pipelines_created = e->dev->pipelines_created;
    stats->pipelines.described = e->dev->passes_described;
    stats->pipelines.cache = (AsrPipelineCacheState)e->dev->pcache_state;
    stats->pipelines.cache_bytes = e->dev->pcache_state == ASR_PIPELINE_CACHE_USED ?
                                   e->dev->pcache_bytes : 0;
    stats->pipelines.create_ms = e->dev->pipeline_ms;
    stats->counts.buffer_allocations = e->dev->buffer_allocations;
    stats->counts.validation_messages = atomic_load(&e->dev->validation_messages);
    stats->counts.weight_uploads = e->net.weight_uploads;
    stats->memory.device_bytes = e->dev->bytes;
    stats->memory.device_bytes_peak = e->dev->bytes_peak;
}
