/*
 * The memory plan and the buffer pool (docs/design.md#memory-plan): what a
 * configuration needs (device limits, the memory budget, the bands of
 * net.h), the grow-only pool of size-dependent buffers, and binding every
 * pass to it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "engine.h"
#include "model.h"

/* target HR pixels of a decoder band's window (net.h AsrNetLimits) */
#define ASR_WINDOW_PIXELS (1u << 20)
/* split frames (CPU devices): about half a second of lavapipe per
 * submission, an encoder band conv of at most 256 M MACs, a decoder window
 * of at most 64 K pixels (heavy: 0.4 G MACs) */
#define ASR_SPLIT_BAND_MACS (256ull << 20)
#define ASR_SPLIT_WINDOW_PIXELS (1u << 16)

static AsrStatus plan_once(AsrEngine *e, AsrConfig *c);

/* Check what the device can serve; fill the size-dependent parts of cfg.
 * The bicubic path's whole-frame buffers are planned for the test hook, and
 * for the QoS floor while adaptation is on (asr_engine_set_target()) when
 * they fit: a configuration they do not fit is planned without the floor
 * (as with adaptation off), quietly. */
static AsrStatus plan(AsrEngine *e, AsrConfig *c)
{
    c->bicubic_buffers = e->debug.bicubic || e->points.target_fps > 0.0;
    if (e->debug.bicubic || !c->bicubic_buffers)
        return plan_once(e, c);
    int level = e->log.level;
    e->log.level = ASR_LOG_SILENT; /* a floor that does not fit is no error */
    AsrStatus status = plan_once(e, c);
    e->log.level = level;
    if (status >= 0)
        return status;
    e->last_error[0] = '\0';
    asr_dbg(&e->log, "the bicubic floor does not fit %ux%u -> %ux%u: adaptation without it",
            c->in.width, c->in.height, c->out.width, c->out.height);
    c->bicubic_buffers = 0;
    return plan_once(e, c);
}

/* plan() for c->bicubic_buffers as set */
static AsrStatus plan_once(AsrEngine *e, AsrConfig *c)
{
    const VkPhysicalDeviceLimits *lim = &e->dev->props.limits;
    const AsrFrameInfo *in = &c->in, *out = &c->out;
    double scale_x = (double)out->width / in->width, scale_y = (double)out->height / in->height;
    if (scale_x < ASR_SCALE_MIN || scale_y < ASR_SCALE_MIN)
        return asr_engine_fail(e, ASR_ERROR_UNSUPPORTED,
                               "scale %.2f x %.2f (%ux%u -> %ux%u) is below the "
                               "minimum %.1f",
                               scale_x, scale_y, in->width, in->height, out->width, out->height,
                               ASR_SCALE_MIN);
    if (scale_x > ASR_SCALE_MAX || scale_y > ASR_SCALE_MAX)
        return asr_engine_fail(e, ASR_ERROR_UNSUPPORTED,
                               "scale %.2f x %.2f (%ux%u -> %ux%u) is above the "
                               "maximum %.1f",
                               scale_x, scale_y, in->width, in->height, out->width, out->height,
                               ASR_SCALE_MAX);

    asr_frame_layout(in->format, in->width, in->height, &c->in_layout);
    asr_frame_layout(out->format, out->width, out->height, &c->out_layout);
    c->resample_size = (AsrResampleSize) {
        .in_w = in->width, .in_h = in->height,
        .out_w = out->width, .out_h = out->height,
        .planes = asr_format_has_alpha(in->format) ? 4 : 3,
        .levels = asr_format_bits(in->format) > 8 ? 1023 : 255,
    };
    c->lr_bytes = (uint64_t)in->width * in->height * c->resample_size.planes * sizeof(float);
    c->in_bytes = c->in_layout.size;
    c->out_bytes = c->out_layout.size;
    c->net_size = (AsrNetSize) {
        .in_w = in->width, .in_h = in->height, .out_w = out->width, .out_h = out->height,
        .alpha = asr_format_has_alpha(in->format),
    };
    c->cap = asr_model_scale_cap(&e->net.model->arch, scale_x, scale_y);
    /* the bicubic reference path (tests) runs unbanded, with its scratch */
    c->tmp_bytes =
        c->bicubic_buffers ? asr_resample_tmp_elems(&c->resample_size) * sizeof(float) : 0;
    uint64_t whole_hr =
        (uint64_t)out->width * out->height * c->resample_size.planes * sizeof(float);

    const struct { const char *what; uint64_t bytes; } bufs[] = {
        { "input frame", c->in_bytes }, { "output frame", c->out_bytes },
        { "input image", c->lr_bytes }, { "intermediate image", c->tmp_bytes },
        { "output image", c->bicubic_buffers ? whole_hr : 0 },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(bufs); i++) {
        if (bufs[i].bytes > lim->maxStorageBufferRange)
            return asr_engine_fail(e, ASR_ERROR_UNSUPPORTED,
                                   "%ux%u -> %ux%u: the %s needs %llu bytes, above "
                                   "the device's maxStorageBufferRange of %u bytes",
                                   in->width, in->height, out->width, out->height, bufs[i].what,
                                   (unsigned long long)bufs[i].bytes, lim->maxStorageBufferRange);
    }

    /* what stays whole-frame: frames (staging and device), the LR image,
     * the bicubic scratch; the weights are already allocated */
    uint64_t fixed = 2 * (asr_buffer_pool_bytes(c->in_bytes) +
                          asr_buffer_pool_bytes(c->out_bytes)) +
                     asr_buffer_pool_bytes(c->lr_bytes) + asr_buffer_pool_bytes(c->tmp_bytes) +
                     (c->bicubic_buffers ? asr_buffer_pool_bytes(whole_hr) : 0) +
                     e->net.weights.bytes + e->net.wpack.bytes + e->net.att.bytes +
                     e->readback.bytes;
    if (fixed > e->budget)
        return asr_engine_fail(e, ASR_ERROR_UNSUPPORTED,
                               "%ux%u -> %ux%u: the frames and images need %llu "
                               "bytes, above the memory budget of %llu bytes",
                               in->width, in->height, out->width, out->height,
                               (unsigned long long)fixed, (unsigned long long)e->budget);
    AsrNetLimits limits = {
        .max_range = lim->maxStorageBufferRange,
        .max_alloc = e->dev->max_alloc,
        .align = lim->minStorageBufferOffsetAlignment,
        .budget = e->budget - fixed,
        .budget_set = e->budget,
        .budget_fixed = fixed,
        .max_groups = { lim->maxComputeWorkGroupCount[0], lim->maxComputeWorkGroupCount[1],
                        lim->maxComputeWorkGroupCount[2] },
        .tile_rows = e->tile_rows,
        .window_pixels = e->split ? ASR_SPLIT_WINDOW_PIXELS : ASR_WINDOW_PIXELS,
        .band_macs = e->split ? ASR_SPLIT_BAND_MACS : 0,
    };
    char why[256];
    if (asr_net_plan(&e->net, &c->net_size, &limits, &c->net_plan, why, sizeof(why)) < 0)
        return asr_engine_fail(e, ASR_ERROR_UNSUPPORTED, "%ux%u -> %ux%u: %s", in->width,
                               in->height, out->width, out->height, why);
    c->hr_bytes = ASR_MAX(c->net_plan.hr_bytes, c->bicubic_buffers ? whole_hr : 0);

    uint32_t g[3], resample_groups[2];
    uint32_t gmax[3] = { 0, 0, 0 };
    asr_io_groups(&e->io, in, 0, g);
    for (int k = 0; k < 3; k++)
        gmax[k] = ASR_MAX(gmax[k], g[k]);
    asr_io_groups(&e->io, out, 1, g);
    gmax[0] = ASR_MAX(gmax[0], g[0]);
    gmax[1] = ASR_MAX(gmax[1], ASR_DIV_UP(c->net_plan.dec_rows, 8));
    if (c->bicubic_buffers) {
        asr_resample_groups(&e->resample, &c->resample_size, resample_groups);
        gmax[0] = ASR_MAX(gmax[0], resample_groups[0]);
        gmax[1] = ASR_MAX(gmax[1], resample_groups[1]);
        gmax[1] = ASR_MAX(gmax[1], g[1]);
    }
    gmax[0] = ASR_MAX(gmax[0], ASR_MAX(ASR_DIV_UP(out->width, 8), ASR_DIV_UP(in->width, 8)));
    gmax[2] = ASR_MAX(gmax[2], ASR_DIV_UP(e->net.model->arch.F, e->net.conv_block.cob));
    /* the SIMT conv's bands: PX x LX pixels per workgroup (in 64 bits) */
    gmax[0] = ASR_MAX(gmax[0], (uint32_t)ASR_MIN((uint64_t)UINT32_MAX,
        ((uint64_t)in->width + (uint64_t)e->net.conv_block.px * e->net.conv_block.lx - 1) /
        ((uint64_t)e->net.conv_block.px * e->net.conv_block.lx)));
    gmax[0] = ASR_MAX(gmax[0], c->net_plan.enc_rows); /* gap: a workgroup per row, along x */
    gmax[1] = ASR_MAX(gmax[1], ASR_DIV_UP(c->net_plan.enc_rows, e->net.conv_block.ly));
    for (int k = 0; k < 3; k++) {
        if (gmax[k] > lim->maxComputeWorkGroupCount[k])
            return asr_engine_fail(e, ASR_ERROR_UNSUPPORTED,
                                   "%ux%u -> %ux%u needs %u workgroups along "
                                   "axis %d, above the device's maxComputeWorkGroupCount of %u",
                                   in->width, in->height, out->width, out->height, gmax[k], k,
                                   lim->maxComputeWorkGroupCount[k]);
    }
    return ASR_OK;
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
    if (c->bicubic_buffers)
        asr_resample_bind(e->dev, &e->resample, &lr, &tmp, &hr);
    asr_pass_bind(e->dev, &e->io.pack, 0, pack);
    asr_net_bind(e->dev, &e->net, &c->net_size, &c->net_plan, &lr, &hr);
}

AsrStatus asr_engine_plan_configure(AsrEngine *e, const AsrFrameInfo *in,
                                    const AsrFrameInfo *out)
{
    AsrStatus status = ASR_OK;
    AsrDevice *d;
    AsrConfig c;
    d = e->dev;
    memset(&c, 0, sizeof(c));
    c.in = *in;
    c.out = *out;
    status = plan(e, &c);
    if (status < 0)
        return status;

    const struct {
        AsrBuffer *b;
        AsrBufferKind kind;
        uint64_t size;
        VkBufferUsageFlags usage;
    } res[] = {
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
    status = asr_net_reserve(d, &e->net, &c.net_plan);
    if (status < 0)
        goto error;
    bind_all(e, &c);
    if (e->configured && e->cfg.bicubic_buffers != c.bicubic_buffers && !e->debug.bicubic) {
        /* the bicubic floor came or went: another list of points */
        asr_points_forget(&e->points);
    }
    e->cfg = c;
    e->configured = 1;
    e->points.stale = 1; /* sizes, floor */
    e->stats.plan.encoder_bands = c.net_plan.enc_bands;
    e->stats.plan.decoder_bands = c.net_plan.dec_bands;
    asr_dbg(&e->log, "configured %s %ux%u -> %ux%u: %s feature maps of %llu bytes, encoder in "
            "%u band(s) of %u rows, decoder in %u band(s) of %u rows; %llu bytes allocated",
            asr_format_name(in->format), in->width, in->height, out->width, out->height,
            c.net_plan.elem == 2 ? "fp16" : "fp32", (unsigned long long)c.net_plan.map_bytes,
            c.net_plan.enc_bands, c.net_plan.enc_rows, c.net_plan.dec_bands, c.net_plan.dec_rows,
            (unsigned long long)d->bytes);
    return ASR_OK;

error:
    /* buffers only grow: the previous configuration still fits them */
    if (e->configured)
        bind_all(e, &e->cfg);
    return asr_engine_fail(e, status, "configure: could not allocate buffers for %ux%u -> "
                           "%ux%u: %s", in->width, in->height, out->width, out->height,
                           asr_status_to_string(status));
}

AsrStatus asr_engine_plan_again(AsrEngine *e)
{
    AsrFrameInfo in = e->cfg.in, out = e->cfg.out;
    e->last_error[0] = '\0';
    return asr_engine_plan_configure(e, &in, &out);
}

AsrStatus asr_engine_plan_trim(AsrEngine *e)
{
    AsrDevice *d = e->dev;
    const AsrConfig *c = e->configured ? &e->cfg : NULL;
    const struct { AsrBuffer *b; uint64_t size; } res[] = {
        { &e->staging_in, c ? c->in_bytes : 0 },
        { &e->staging_out, c ? c->out_bytes : 0 },
        { &e->dev_in, c ? c->in_bytes : 0 },
        { &e->dev_out, c ? c->out_bytes : 0 },
        { &e->lr, c ? c->lr_bytes : 0 },
        { &e->tmp, c && c->bicubic_buffers ? c->tmp_bytes : 0 },
        { &e->hr, c ? c->hr_bytes : 0 },
    };
    AsrStatus status = ASR_OK;
    uint64_t before = d->buffer_allocations;
    for (size_t i = 0; i < ASR_ARRAY_SIZE(res) && status >= 0; i++)
        status = asr_buffer_shrink(d, res[i].b, res[i].size);
    if (status >= 0)
        status = asr_net_trim(d, &e->net, c ? &c->net_plan : NULL);
    if (c)
        bind_all(e, c); /* also after a failure: some buffers may be new */
    asr_dbg(&e->log, "trim: %llu buffers re-allocated",
            (unsigned long long)(d->buffer_allocations - before));
    return status;
}

void asr_engine_plan_free(AsrEngine *e, AsrDevice *d)
{
    AsrBuffer *bufs[] = { &e->staging_in, &e->staging_out, &e->dev_in, &e->dev_out,
                          &e->lr, &e->tmp, &e->hr, &e->readback };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(bufs); i++)
        asr_buffer_destroy(d, bufs[i]);
}
