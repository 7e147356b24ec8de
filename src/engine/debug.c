/*
 * The test hooks of ../internal.h: fixed operating points, fault
 * injection, synthetic timing, the bicubic test path, kernel configurations
 * and the tuner, and reading device buffers back. Not exported from libanysr.so.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidates.h"
#include "engine.h"
#include "half.h"
#include "internal.h"

AsrStatus asr_engine_debug_set_op(AsrEngine *e, uint32_t width, uint32_t depth,
                                  AsrDecoderMode mode, float k)
{
    const AsrArch *a = &e->net.model->arch;
    if (width == 0) {
        e->debug.op.width = 0;
        return ASR_OK;
    }
    if (width > a->F || width % a->chunk || depth > a->D || mode < ASR_DECODER_HEAVY ||
        mode > ASR_DECODER_ROUTED)
        return ASR_ERROR_INVALID_ARGUMENT;
    e->debug.op = (AsrNetOp) { width, depth, mode, k, 1.0f }; /* target: choice.c */
    return ASR_OK;
}

AsrStatus asr_engine_debug_set_depth_target(AsrEngine *e, float target)
{
    if (!(target > 0.0f))
        return ASR_ERROR_INVALID_ARGUMENT;
    e->debug.target = target;
    return ASR_OK;
}

void asr_engine_debug_inject(AsrEngine *e, AsrDebugFault fault, uint32_t after)
{
    if (fault == ASR_FAULT_DEVICE_LOST)
        e->dev->fault_lost_in = after;
    else if (fault == ASR_FAULT_PIPELINE)
        e->dev->fault_pipeline_in = after;
    else
        e->dev->fault_alloc_in = after;
}

void asr_engine_debug_set_timing(AsrEngine *e, double ms_per_gmac, double fixed_ms)
{
    e->debug.ms_per_gmac = ms_per_gmac;
    e->debug.fixed_ms = fixed_ms;
}

void asr_engine_debug_set_tail(AsrEngine *e, int on)
{
    e->debug.no_tail = !on;
}

AsrStatus asr_engine_debug_set_bicubic(AsrEngine *e, int on)
{
    e->debug.bicubic = on;
    e->points.stale = 1;
    if (!e->configured || e->cfg.bicubic_buffers == !!on)
        return ASR_OK;
    return asr_engine_plan_again(e); /* for (or without) the bicubic path's buffers */
}

static void device_info(const AsrDevice *d, AsrDebugDevice *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", d->props.deviceName);
    out->driver_id = (uint32_t)d->quirks.driver;
    out->lavapipe = d->quirks.driver == VK_DRIVER_ID_MESA_LLVMPIPE;
    out->mesa_major = d->quirks.mesa_major;
    out->mesa_minor = d->quirks.mesa_minor;
    out->subgroup_size = d->subgroup_size;
    out->subgroup_min = d->sg_min;
    out->subgroup_max = d->sg_max;
    out->subgroup_control = d->sg_control;
    out->coopmat = d->coopmat;
    out->coopmat_quirk = d->coopmat_quirk;
    snprintf(out->coopmat_why, sizeof(out->coopmat_why), "%s", d->coopmat_why);
}

void asr_engine_debug_device(const AsrEngine *e, AsrDebugDevice *out)
{
    device_info(e->dev, out);
}

AsrStatus asr_debug_device_probe(const AsrSettings *s, AsrDebugDevice *out)
{
    AsrEnv env;
    AsrDevice *d = NULL;
    asr_env_read(&env);
    AsrDeviceParams params = {
        .log = { s->log_callback, s->log_user_data, s->log_level },
        .device_index = s->device_index,
        .validation = s->validation,
        .want_storage16 = 1,
        .want_coopmat = 1,
        .env = &env,
    };
    memset(out, 0, sizeof(*out));
    AsrStatus status = asr_device_create(&params, &d);
    if (status < 0)
        return status;
    device_info(d, out);
    asr_device_destroy(&d);
    return ASR_OK;
}

const AsrModel *asr_engine_debug_model(const AsrEngine *e)
{
    return e->net.model;
}

AsrStatus asr_engine_debug_tiles(const AsrEngine *e, AsrDebugTiles *t)
{
    if (!e->configured)
        return ASR_ERROR_NOT_CONFIGURED;
    const AsrNetPlan *p = &e->cfg.net_plan;
    *t = (AsrDebugTiles) {
        .depth_ok = p->depth_ok, .tile = p->tile, .tiles_x = p->tiles_x, .tiles_y = p->tiles_y,
        .bands = p->enc_bands, .enc_rows = p->enc_rows, .pix_off = p->pix_off,
        .args_off = p->args_off, .list_off = p->list_off,
    };
    return ASR_OK;
}

static AsrStatus debug_read_raw(AsrEngine *e, const AsrBuffer *src, size_t offset, void *dst,
                                size_t bytes);

/* A feature map as float planes (ch * n + pixel), of which bytes at offset. */
static AsrStatus debug_read_map(AsrEngine *e, const AsrBuffer *src, size_t offset, void *dst,
                                size_t bytes)
{
    const AsrNetPlan *p = &e->cfg.net_plan;
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
                planes[ch * n + i] = p->elem == 2
                                         ? asr_half_to_float(((uint16_t *)raw)[i * cs + ch])
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

AsrStatus asr_engine_debug_set_kernel_config(AsrEngine *e, const AsrKernelConfig *c, char *why,
                                             size_t size)
{
    AsrKernelConfig k;
    if (!c) {
        asr_net_builtin_config(e->dev, e->net.model, &k);
        c = &k;
    }
    const char *rule = asr_net_config_rule(e->dev, e->net.model, c, why, size);
    if (rule) {
        if (rule != why)
            snprintf(why, size, "%s", rule);
        return ASR_ERROR_UNSUPPORTED;
    }
    AsrStatus status = asr_net_set_config(e->dev, &e->net, c);
    if (status >= 0 && e->configured)
        status = asr_engine_plan_again(e);
    if (status >= 0)
        asr_kconfig_name(c, e->stats.tune.config, sizeof(e->stats.tune.config));
    return status;
}

void asr_engine_debug_kernel_config(const AsrEngine *e, AsrKernelConfig *c)
{
    *c = e->net.cfg;
}

uint32_t asr_engine_debug_candidates(const AsrEngine *e, AsrKernelConfig *out, uint32_t max)
{
    AsrKernelConfig base;
    asr_net_builtin_config(e->dev, e->net.model, &base);
    return asr_tune_all_candidates(&base, out, max);
}

AsrStatus asr_engine_debug_tune(AsrEngine *e, const AsrDebugTune *opt)
{
    int was = e->configured;
    AsrFrameInfo in = e->cfg.in, out = e->cfg.out;
    if (was) {
        e->configured = 0; /* the tuner configures for its frame */
    }
    AsrStatus status = asr_engine_tune(e, ASR_TUNING_FORCE, opt);
    if (status >= 0 && was)
        status = asr_engine_plan_configure(e, &in, &out);
    return status;
}
