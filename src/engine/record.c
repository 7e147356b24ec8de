/*
 * Command recording and submission of a frame: copy in, unpack, the
 * encoder, the decoder band by band with its pack (or the bicubic pass),
 * copy out; a frame on a CPU device is split into submissions of bounded
 * length (AsrQuirks.split_frames).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "anysr/anysr-vulkan.h"
#include "engine.h"
#include "netprof.h"

/* A pipeline the recording needed could not be created (created at a
 * pass's first dispatch, pipeline.h): what is recorded must not be
 * submitted. */
static AsrStatus check_pipelines(AsrEngine *e)
{
    const char *name;
    AsrStatus status = asr_pass_take_failure(e->dev, &name);
    if (status < 0)
        return asr_engine_fail(e, status, "process: the pipeline of pass %s could not be "
                               "created (%s); the next frame tries again", name,
                               asr_status_to_string(status));
    return ASR_OK;
}

/* AsrNetBreak of a split frame: submit what is recorded, wait (watching the
 * cancel flag), go on in a new submission that starts with a barrier. */
static AsrStatus split_break(void *user)
{
    AsrEngine *e = user;
    AsrDevice *d = e->dev;
    AsrStatus status = check_pipelines(e);
    if (status < 0)
        return status;
    status = asr_cmd_submit_wait(d, &e->cmd, &e->cancel);
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

/* The frame buffer b of layout l as the io callbacks see it. */
static void frame_buffer(const AsrBuffer *b, const AsrFrameLayout *l, AsrVulkanFrameBuffer *frame)
{
    memset(frame, 0, sizeof(*frame));
    frame->buffer = b->buffer;
    frame->size = l->size;
    frame->planes = l->num_planes;
    for (uint32_t i = 0; i < l->num_planes && i < ASR_MAX_PLANES; i++) {
        frame->offset[i] = l->offset[i];
        frame->stride[i] = l->stride[i];
    }
}

/* A frame's bytes between the host's staging buffer and the device
 * (src -> dst, `bytes`), or the caller's callback (anysr-vulkan.h) in its
 * place, given the device-side buffer of layout l. */
typedef int (*FrameCallback)(void *user_data, VkCommandBuffer cb, const AsrVulkanFrameBuffer *buf);
static AsrStatus record_frame_copy(AsrEngine *e, VkCommandBuffer cb, FrameCallback callback,
                                   void *user_data, const AsrBuffer *device_buf,
                                   const AsrFrameLayout *l, const AsrBuffer *src,
                                   const AsrBuffer *dst, uint64_t bytes, const char *what)
{
    if (callback) {
        AsrVulkanFrameBuffer frame;
        frame_buffer(device_buf, l, &frame);
        if (callback(user_data, cb, &frame) != 0)
            return asr_engine_fail(e, ASR_ERROR_VULKAN, "process: the %s callback failed", what);
    } else {
        VkBufferCopy copy = { .size = bytes };
        e->dev->vk.vkCmdCopyBuffer(cb, src->buffer, dst->buffer, 1, &copy);
    }
    return ASR_OK;
}

/* Record the frame (and, split, submit all of it but the last part);
 * bicubic: the bicubic pass instead of the network. */
static AsrStatus record(AsrEngine *e, const AsrNetOp *op, int bicubic, const AsrVulkanFrameIo *io)
{
    AsrStatus status = ASR_OK;
    AsrDevice *d = e->dev;
    AsrNetBreak split = e->split ? split_break : NULL;
    const AsrConfig *c = &e->cfg;
    VkCommandBuffer cb = e->cmd.cb;
    AsrIoParams unpack, pack;
    asr_io_params(&c->in, &c->in_layout, c->in.width * c->in.height, 1, &unpack);
    asr_io_params(&c->out, &c->out_layout, c->out.width * c->out.height, 0, &pack);

    asr_timer_reset(d, &e->timer, cb);
    asr_timer_stamp(d, &e->timer, cb, STAMP_START, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT);
    if (e->prof && (status = asr_prof_begin(d, e->prof, cb)) < 0)
        return status;

    status = record_frame_copy(e, cb, io ? io->record_input : NULL, io ? io->user_data : NULL,
                               &e->dev_in, &c->in_layout, &e->staging_in, &e->dev_in, c->in_bytes,
                               "input");
    if (status < 0)
        return status;
    asr_prof_mark(d, cb, "copy.in", 0.0, 2.0 * c->in_bytes, VK_PIPELINE_STAGE_TRANSFER_BIT);
    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
    asr_prof_tag(d, "unpack", 0.0, (double)c->in_bytes + c->lr_bytes);
    asr_io_record_unpack(d, cb, &e->io, &unpack);
    asr_cmd_compute_barrier(d, cb);
    asr_timer_stamp(d, &e->timer, cb, STAMP_UPLOADED, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT);

    int routed = 0;
    if (bicubic) {
        asr_resample_record(d, cb, &e->resample, &c->resample_size);
        asr_cmd_compute_barrier(d, cb);
        asr_timer_stamp(d, &e->timer, cb, STAMP_ENCODED, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT);
        asr_prof_tag(d, "pack", 0.0,
                     (double)c->out_bytes +
                         4.0 * c->resample_size.planes * c->out.width * c->out.height);
        asr_io_record_pack(d, cb, &e->io, &pack);
    } else {
        status = asr_net_record_encoder(d, cb, &e->net, &c->net_size, &c->net_plan, op, split, e);
        if (status < 0)
            return status;
        asr_timer_stamp(d, &e->timer, cb, STAMP_ENCODED, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT);
        if (asr_net_adaptive(&e->net, op))
            asr_net_record_depth_counts(d, cb, &e->net, &c->net_plan, op, e->readback.buffer,
                                        READBACK_DEPTH);
        routed = op->mode == ASR_DECODER_ROUTED;
        /* band by band: decode into the window, pack it into the frame */
        for (uint32_t b = 0; b < c->net_plan.dec_bands; b++) {
            AsrNetWindow w;
            asr_net_window(&c->net_size, &c->net_plan, routed, b, &w);
            asr_net_record_decoder(d, cb, &e->net, &c->net_size, &c->net_plan, op, b);
            asr_cmd_compute_barrier(d, cb);
            pack.src_y0 = w.h0;
            pack.plane_size = (w.h1 - w.h0) * c->out.width;
            pack.y0 = w.y0;
            pack.rows = w.y1 - w.y0;
            asr_prof_tag(d, "pack", 0.0, ((double)c->out_bytes / c->out.height + 4.0 *
                                          c->resample_size.planes * c->out.width) * pack.rows);
            asr_io_record_pack(d, cb, &e->io, &pack);
            asr_cmd_compute_barrier(d, cb); /* the next band rewrites the window */
            if (split && b + 1 < c->net_plan.dec_bands && (status = split(e)) < 0)
                return status;
        }
    }
    asr_timer_stamp(d, &e->timer, cb, STAMP_DECODED, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT);

    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    status = record_frame_copy(e, cb, io ? io->record_output : NULL, io ? io->user_data : NULL,
                               &e->dev_out, &c->out_layout, &e->dev_out, &e->staging_out,
                               c->out_bytes, "output");
    if (status < 0)
        return status;
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
    return check_pipelines(e);
}

AsrStatus asr_engine_run_frame(AsrEngine *e, const AsrFrameChoice *choice, const AsrFrame *in,
                               AsrFrame *out, const AsrVulkanFrameIo *io)
{
    AsrStatus status;
    int dev_in = io && io->record_input, dev_out = io && io->record_output;
    if (atomic_load(&e->cancel))
        return ASR_ERROR_CANCELLED;
    if (!dev_in)
        asr_frame_to_staging(&e->cfg.in_layout, in, e->staging_in.map);
    if (choice->depth_counts) /* (coherent) what the frame's net does not write reads 0 */
        memset((char *)e->readback.map + READBACK_DEPTH, 0, choice->op.depth * sizeof(uint32_t));
    status = asr_cmd_begin(e->dev, &e->cmd);
    if (status < 0)
        return status;
    /* the passes this frame runs first create their pipelines as it is
     * recorded (docs/design.md#kernels): their time is the frame's, but
     * not its cost for the controller (stats.c) */
    double created_ms = e->dev->pipeline_ms;
    asr_pass_take_failure(e->dev, NULL);
    status = record(e, &choice->op, choice->bicubic, io);
    e->stats.pipelines.frame_create_ms = e->dev->pipeline_ms - created_ms;
    if (status >= 0)
        status = asr_cmd_submit_wait(e->dev, &e->cmd, &e->cancel);
    if (status < 0) {
        if (status == ASR_ERROR_CANCELLED)
            asr_dbg(&e->log, "process: cancelled");
        return status;
    }
    if (!dev_out)
        asr_frame_from_staging(&e->cfg.out_layout, e->staging_out.map, out);
    if (e->prof) {
        if (choice->op.mode == ASR_DECODER_ROUTED && !choice->bicubic) {
            const uint32_t *cnt = e->readback.map; /* heavy, light pixels of every band */
            asr_netprof_routed(e->prof, &e->net, &e->cfg.net_plan, cnt[0], cnt[1]);
        }
        if (choice->depth_counts)
            asr_netprof_depth(e->prof, &e->net, &e->cfg.net_plan, &choice->op,
                              (const uint32_t *)((const char *)e->readback.map + READBACK_DEPTH));
        asr_prof_end(e->dev, e->prof);
    }
    return ASR_OK;
}
