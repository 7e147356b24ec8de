/*
 * The network passes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "buffer.h"
#include "net.h"
#include "shaders.h"

_Static_assert(sizeof(AsrConvParams) == 48, "AsrConvParams layout");
_Static_assert(sizeof(AsrGapParams) == 16, "AsrGapParams layout");
_Static_assert(sizeof(AsrSaParams) == 64, "AsrSaParams layout");
_Static_assert(sizeof(AsrDecParams) == 64, "AsrDecParams layout");
_Static_assert(ASR_SA_MAX_IN == ASR_MODEL_MAX_SA_IN && ASR_SA_MAX_HIDDEN == ASR_MODEL_MAX_SA_HIDDEN,
               "shader limits");

#define REFINE_LOCAL 8
/* TRANSFER_SRC: the test hooks of internal.h read any buffer back */
#define STORAGE (VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT)

static AsrStatus upload_weights(AsrDevice *d, AsrNet *net, AsrCmd *cmd)
{
    AsrStatus status;
    AsrBuffer staging = { 0 };
    VkDeviceSize bytes = net->model->num_weights * sizeof(float);
    status = asr_buffer_create(d, &net->weights, ASR_BUFFER_DEVICE, bytes,
                               STORAGE | VK_BUFFER_USAGE_TRANSFER_DST_BIT);
    if (status < 0)
        return status;
    status = asr_buffer_create(d, &staging, ASR_BUFFER_UPLOAD, bytes,
                               VK_BUFFER_USAGE_TRANSFER_SRC_BIT);
    if (status < 0)
        return status;
    memcpy(staging.map, net->model->weights, bytes);
    status = asr_cmd_begin(d, cmd);
    if (status < 0)
        goto done;
    VkBufferCopy copy = { .size = bytes };
    d->vk.vkCmdCopyBuffer(cmd->cb, staging.buffer, net->weights.buffer, 1, &copy);
    asr_cmd_barrier(d, cmd->cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
    status = asr_cmd_submit_wait(d, cmd);
    if (status < 0)
        goto done;
    net->weight_uploads++;
    asr_info(&d->log, "uploaded %zu weights (%llu bytes) to the device",
             net->model->num_weights, (unsigned long long)bytes);
done:
    asr_buffer_destroy(d, &staging);
    return status;
}

static AsrStatus create_mlp(AsrDevice *d, const AsrArch *a, int heavy, AsrPass *p)
{
    const uint32_t *hid = heavy ? a->heavy : a->light;
    uint32_t nl = heavy ? a->n_heavy : a->n_light;
    AsrPassDesc desc = {
        .shader = &asr_shader_dec_mlp,
        .num_buffers = 5,
        .push_size = sizeof(AsrDecParams),
        .local_x = ASR_DEC_LOCAL,
        .local_y = 1,
        .num_spec = 4,
        .spec = { a->F, hid[0], nl > 1 ? hid[1] : 1, nl },
        .num_sets = 2,
    };
    return asr_pass_create(d, &desc, p);
}

AsrStatus asr_net_create(AsrDevice *d, AsrModel *model, AsrCmd *cmd, AsrNet *net)
{
    AsrStatus status;
    memset(net, 0, sizeof(*net));
    net->model = model;
    const AsrArch *a = &model->arch;

    AsrPassDesc conv = {
        .shader = &asr_shader_conv3x3, .num_buffers = 5, .push_size = sizeof(AsrConvParams),
        .local_x = ASR_CONV_TILE, .local_y = ASR_CONV_TILE, .num_sets = ASR_CONV_SET_COUNT,
    };
    AsrPassDesc gap = {
        .shader = &asr_shader_gap, .num_buffers = 2, .push_size = sizeof(AsrGapParams),
        .local_x = ASR_GAP_LOCAL, .local_y = 1,
    };
    AsrPassDesc sa = {
        .shader = &asr_shader_sa, .num_buffers = 3, .push_size = sizeof(AsrSaParams),
        .local_x = ASR_SA_LOCAL, .local_y = 1,
    };
    AsrPassDesc classify = {
        .shader = &asr_shader_dec_classify, .num_buffers = 3, .push_size = sizeof(AsrDecParams),
        .local_x = ASR_DEC_LOCAL, .local_y = 1, .num_spec = 1, .spec = { a->F },
    };
    AsrPassDesc args = {
        .shader = &asr_shader_dec_args, .num_buffers = 1, .local_x = 1, .local_y = 1,
    };
    AsrPassDesc refine = {
        .shader = &asr_shader_dec_refine, .num_buffers = 3, .push_size = sizeof(AsrDecParams),
        .local_x = REFINE_LOCAL, .local_y = REFINE_LOCAL,
    };
    AsrPassDesc bilinear = {
        .shader = &asr_shader_bilinear, .num_buffers = 2, .push_size = sizeof(AsrDecParams),
        .local_x = REFINE_LOCAL, .local_y = REFINE_LOCAL,
    };
    if ((status = asr_pass_create(d, &conv, &net->conv)) < 0 ||
        (status = asr_pass_create(d, &gap, &net->gap)) < 0 ||
        (status = asr_pass_create(d, &sa, &net->sa)) < 0 ||
        (status = asr_pass_create(d, &classify, &net->classify)) < 0 ||
        (status = asr_pass_create(d, &args, &net->args)) < 0 ||
        (status = create_mlp(d, a, 1, &net->mlp_heavy)) < 0 ||
        (status = create_mlp(d, a, 0, &net->mlp_light)) < 0 ||
        (status = asr_pass_create(d, &refine, &net->refine)) < 0 ||
        (status = asr_pass_create(d, &bilinear, &net->bilinear)) < 0)
        goto error;
    status = asr_buffer_create(d, &net->att, ASR_BUFFER_DEVICE,
                               (VkDeviceSize)a->D * a->F * sizeof(float), STORAGE);
    if (status < 0)
        goto error;
    status = upload_weights(d, net, cmd);
    if (status < 0)
        goto error;
    return ASR_OK;

error:
    asr_net_destroy(d, net);
    return status;
}

void asr_net_destroy(AsrDevice *d, AsrNet *net)
{
    AsrPass *passes[] = { &net->conv, &net->gap, &net->sa, &net->classify, &net->args,
                          &net->mlp_heavy, &net->mlp_light, &net->refine, &net->bilinear };
    AsrBuffer *bufs[] = { &net->weights, &net->att, &net->h0, &net->x, &net->y, &net->enc,
                          &net->partial, &net->unref, &net->route };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(passes); i++)
        asr_pass_destroy(d, passes[i]);
    for (size_t i = 0; i < ASR_ARRAY_SIZE(bufs); i++)
        asr_buffer_destroy(d, bufs[i]);
    asr_model_free(&net->model);
    memset(net, 0, sizeof(*net));
}

void asr_net_plan(const AsrNet *net, const AsrNetSize *s, AsrNetPlan *plan)
{
    const AsrArch *a = &net->model->arch;
    uint64_t nlr = (uint64_t)s->in_w * s->in_h, nhr = (uint64_t)s->out_w * s->out_h;
    memset(plan, 0, sizeof(*plan));
    plan->feat_bytes = (uint64_t)a->F * nlr * sizeof(float);
    plan->gap_groups = (uint32_t)ASR_MIN(256, ASR_DIV_UP(nlr, 1024));
    plan->gap_per_group = (uint32_t)ASR_DIV_UP(nlr, plan->gap_groups);
    plan->partial_bytes = (uint64_t)a->F * plan->gap_groups * sizeof(float);
    plan->unref_bytes = 3 * nhr * sizeof(float);
    plan->route_bytes = (ASR_ROUTE_MAP + 2 * nhr) * sizeof(uint32_t);
    uint64_t groups = ASR_DIV_UP(nhr, ASR_DEC_LOCAL);
    plan->dec_groups[0] = (uint32_t)ASR_MIN(groups, ASR_DEC_MAX_GROUPS_X);
    plan->dec_groups[1] = (uint32_t)ASR_DIV_UP(groups, plan->dec_groups[0]);
}

AsrStatus asr_net_reserve(AsrDevice *d, AsrNet *net, const AsrNetPlan *plan)
{
    const struct { AsrBuffer *b; uint64_t size; VkBufferUsageFlags usage; } res[] = {
        { &net->h0, plan->feat_bytes, STORAGE },
        { &net->x, plan->feat_bytes, STORAGE },
        { &net->y, plan->feat_bytes, STORAGE },
        { &net->enc, plan->feat_bytes, STORAGE },
        { &net->partial, plan->partial_bytes, STORAGE },
        { &net->unref, plan->unref_bytes, STORAGE },
        { &net->route, plan->route_bytes,
          STORAGE | VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |
          VK_BUFFER_USAGE_TRANSFER_SRC_BIT },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(res); i++) {
        AsrStatus status = asr_buffer_reserve(d, res[i].b, ASR_BUFFER_DEVICE, res[i].size,
                                              res[i].usage);
        if (status < 0)
            return status;
    }
    return ASR_OK;
}

AsrStatus asr_net_trim(AsrDevice *d, AsrNet *net, const AsrNetPlan *plan)
{
    const struct { AsrBuffer *b; uint64_t size; } res[] = {
        { &net->h0, plan ? plan->feat_bytes : 0 },
        { &net->x, plan ? plan->feat_bytes : 0 },
        { &net->y, plan ? plan->feat_bytes : 0 },
        { &net->enc, plan ? plan->feat_bytes : 0 },
        { &net->partial, plan ? plan->partial_bytes : 0 },
        { &net->unref, plan ? plan->unref_bytes : 0 },
        { &net->route, plan ? plan->route_bytes : 0 },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(res); i++) {
        AsrStatus status = asr_buffer_shrink(d, res[i].b, res[i].size);
        if (status < 0)
            return status;
    }
    return ASR_OK;
}

void asr_net_bind(AsrDevice *d, AsrNet *net, const AsrNetSize *s, const AsrNetPlan *plan,
                  const AsrBufferRange *lr, const AsrBufferRange *hr)
{
    const AsrArch *a = &net->model->arch;
    AsrBufferRange h0 = { &net->h0, 0, plan->feat_bytes };
    AsrBufferRange x = { &net->x, 0, plan->feat_bytes };
    AsrBufferRange y = { &net->y, 0, plan->feat_bytes };
    AsrBufferRange enc = { &net->enc, 0, plan->feat_bytes };
    AsrBufferRange partial = { &net->partial, 0, plan->partial_bytes };
    AsrBufferRange unref = { &net->unref, 0, plan->unref_bytes };
    AsrBufferRange route = { &net->route, 0, plan->route_bytes };
    AsrBufferRange w = { &net->weights, 0, net->model->num_weights * sizeof(float) };
    AsrBufferRange att = { &net->att, 0, (VkDeviceSize)a->D * a->F * sizeof(float) };
    (void)s;

    /* conv: in, out, res, weights, att */
    const AsrBufferRange conv[ASR_CONV_SET_COUNT][3] = {
        [ASR_CONV_SET_HEAD] = { *lr, h0, h0 },
        [ASR_CONV_SET_C1_H0] = { h0, y, h0 },
        [ASR_CONV_SET_C1_X] = { x, y, x },
        [ASR_CONV_SET_C2_H0] = { y, x, h0 },
        [ASR_CONV_SET_C2_X] = { y, x, x },
        [ASR_CONV_SET_TAIL_H0] = { h0, enc, h0 },
        [ASR_CONV_SET_TAIL_X] = { x, enc, h0 },
    };
    for (uint32_t i = 0; i < ASR_CONV_SET_COUNT; i++) {
        AsrBufferRange r[5] = { conv[i][0], conv[i][1], conv[i][2], w, att };
        asr_pass_bind(d, &net->conv, i, r);
    }
    AsrBufferRange gap[2] = { y, partial };
    asr_pass_bind(d, &net->gap, 0, gap);
    AsrBufferRange sa[3] = { partial, w, att };
    asr_pass_bind(d, &net->sa, 0, sa);
    AsrBufferRange classify[3] = { enc, w, route };
    asr_pass_bind(d, &net->classify, 0, classify);
    asr_pass_bind(d, &net->args, 0, &route);
    for (int m = 0; m < 2; m++) {
        AsrPass *p = m ? &net->mlp_light : &net->mlp_heavy;
        AsrBufferRange r0[5] = { enc, *lr, w, *hr, route };
        AsrBufferRange r1[5] = { enc, *lr, w, unref, route };
        asr_pass_bind(d, p, 0, r0);
        asr_pass_bind(d, p, 1, r1);
    }
    AsrBufferRange refine[3] = { unref, route, *hr };
    asr_pass_bind(d, &net->refine, 0, refine);
    AsrBufferRange bilinear[2] = { *lr, *hr };
    asr_pass_bind(d, &net->bilinear, 0, bilinear);
}

static void conv(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net, const AsrNetSize *s,
                 uint32_t set, uint32_t c_in, uint32_t c_out, uint32_t cin_stride,
                 AsrLayerOffsets off, uint32_t flags, uint32_t att_off)
{
    AsrConvParams p = {
        .width = s->in_w, .height = s->in_h, .plane = s->in_w * s->in_h,
        .c_in = c_in, .c_out = c_out, .cin_stride = cin_stride,
        .w_off = off.w, .b_off = off.b, .att_off = att_off, .flags = flags,
    };
    asr_pass_dispatch(d, cb, &net->conv, set, &p, s->in_w, s->in_h,
                      ASR_DIV_UP(c_out, ASR_CONV_COB));
    asr_cmd_compute_barrier(d, cb);
}

void asr_net_record_encoder(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                            const AsrNetSize *s, const AsrNetPlan *plan, const AsrNetOp *op)
{
    const AsrArch *a = &net->model->arch;
    const AsrModelOffsets *o = &net->model->off;
    uint32_t F = a->F, c = op->width;
    float sx = (float)((double)s->out_w / s->in_w), sy = (float)((double)s->out_h / s->in_h);

    conv(d, cb, net, s, ASR_CONV_SET_HEAD, 3, F, 3, o->head, 0, 0);
    for (uint32_t i = 0; i < op->depth; i++) {
        conv(d, cb, net, s, i ? ASR_CONV_SET_C1_X : ASR_CONV_SET_C1_H0, F, c, F, o->conv1[i], 0, 0);
        AsrGapParams gp = {
            .n = s->in_w * s->in_h, .channels = c,
            .groups = plan->gap_groups, .per_group = plan->gap_per_group,
        };
        asr_pass_dispatch_groups(d, cb, &net->gap, 0, &gp, plan->gap_groups, c, 1);
        asr_cmd_compute_barrier(d, cb);
        AsrSaParams sp = {
            .sx = sx, .sy = sy, .c = c, .chunk = a->chunk, .hidden = a->sa_hidden,
            .fc1_stride = F + F / a->chunk * 2, .groups = plan->gap_groups,
            .n = s->in_w * s->in_h,
            .fc1_w = o->fc1[i].w, .fc1_b = o->fc1[i].b, .fc2_w = o->fc2[i].w,
            .fc2_b = o->fc2[i].b, .att_off = i * F,
        };
        asr_pass_dispatch_groups(d, cb, &net->sa, 0, &sp, 1, 1, 1);
        asr_cmd_compute_barrier(d, cb);
        conv(d, cb, net, s, i ? ASR_CONV_SET_C2_X : ASR_CONV_SET_C2_H0, c, F, F, o->conv2[i],
             ASR_CONV_PRE_SA_RELU | ASR_CONV_ADD_RES, i * F);
    }
    conv(d, cb, net, s, op->depth ? ASR_CONV_SET_TAIL_X : ASR_CONV_SET_TAIL_H0, F, F, F, o->tail,
         ASR_CONV_ADD_RES, 0);
}

static void mlp_params(const AsrNet *net, int heavy, AsrDecParams *p)
{
    const AsrModelOffsets *o = &net->model->off;
    const AsrLayerOffsets *l = heavy ? o->heavy : o->light;
    uint32_t n = heavy ? net->model->arch.n_heavy : net->model->arch.n_light;
    p->l0_w = l[0].w, p->l0_b = l[0].b;
    p->l1_w = l[1].w, p->l1_b = l[1].b;
    if (n > 1)
        p->l2_w = l[2].w, p->l2_b = l[2].b;
}

void asr_net_record_decoder(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                            const AsrNetSize *s, const AsrNetPlan *plan, const AsrNetOp *op)
{
    const AsrArch *a = &net->model->arch;
    AsrDecParams p = {
        .in_w = s->in_w, .in_h = s->in_h, .out_w = s->out_w, .out_h = s->out_h,
        .cell_x = (float)s->in_w / (float)s->out_w,
        .cell_y = (float)s->in_h / (float)s->out_h,
        .threshold = (float)asr_model_route_threshold(a, op->k),
    };

    if (s->alpha) {
        AsrDecParams bp = p;
        bp.src_plane = 3 * s->in_w * s->in_h;
        bp.dst_plane = 3 * s->out_w * s->out_h;
        asr_pass_dispatch(d, cb, &net->bilinear, 0, &bp, s->out_w, s->out_h, 1);
    }

    if (op->mode != ASR_DECODER_ROUTED) {
        int heavy = op->mode == ASR_DECODER_HEAVY;
        mlp_params(net, heavy, &p);
        p.mode = ASR_DEC_ALL;
        asr_pass_dispatch_groups(d, cb, heavy ? &net->mlp_heavy : &net->mlp_light, 0, &p,
                                 plan->dec_groups[0], plan->dec_groups[1], 1);
        return;
    }

    d->vk.vkCmdFillBuffer(cb, net->route.buffer, 0, ASR_ROUTE_MAP * sizeof(uint32_t), 0);
    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                    VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    p.l0_w = net->model->off.cls.w, p.l0_b = net->model->off.cls.b;
    asr_pass_dispatch_groups(d, cb, &net->classify, 0, &p, plan->dec_groups[0],
                             plan->dec_groups[1], 1);
    asr_cmd_compute_barrier(d, cb);
    asr_pass_dispatch_groups(d, cb, &net->args, 0, NULL, 1, 1, 1);
    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_DRAW_INDIRECT_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                    VK_ACCESS_INDIRECT_COMMAND_READ_BIT | VK_ACCESS_SHADER_READ_BIT);
    AsrDecParams hp = p, lp = p;
    mlp_params(net, 1, &hp);
    hp.mode = ASR_DEC_HEAVY;
    mlp_params(net, 0, &lp);
    lp.mode = ASR_DEC_LIGHT;
    asr_pass_dispatch_indirect(d, cb, &net->mlp_heavy, 1, &hp, &net->route,
                               ASR_ROUTE_HEAVY_ARGS * sizeof(uint32_t));
    asr_pass_dispatch_indirect(d, cb, &net->mlp_light, 1, &lp, &net->route,
                               ASR_ROUTE_LIGHT_ARGS * sizeof(uint32_t));
    asr_cmd_compute_barrier(d, cb);
    asr_pass_dispatch(d, cb, &net->refine, 0, &p, s->out_w, s->out_h, 1);
}
