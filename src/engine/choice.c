/*
 * The operating point of the next frame: the test hook's op, the caller's
 * choice (asr_engine_set_op()), or the QoS controller's pick from the list
 * of ../control/points.c (docs/design.md#controller).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "engine.h"

/* The bicubic floor is point 0 while adaptation is on (and its buffers fit
 * the configuration). */
static int has_floor(const AsrEngine *e)
{
    return e->points.target_fps > 0.0 && !e->debug.bicubic &&
           (!e->configured || e->cfg.bicubic_buffers);
}

void asr_engine_points_scene(const AsrEngine *e, AsrPointsScene *s)
{
    memset(s, 0, sizeof(*s));
    s->arch = &e->net.model->arch;
    s->choice = e->op;
    s->floor = has_floor(e);
    if (e->configured) {
        /* the configuration's sizes */
        s->in_w = e->cfg.in.width, s->in_h = e->cfg.in.height;
        s->out_w = e->cfg.out.width, s->out_h = e->cfg.out.height;
    } else {
        /* before the first one: a nominal 2x */
        s->in_w = s->in_h = ASR_POINTS_IN_SIDE;
        s->out_w = s->out_h = ASR_POINTS_OUT_SIDE;
    }
    s->cap = e->cfg.cap;
    s->planes = e->cfg.resample_size.planes;
}

double asr_engine_bicubic_macs(const AsrConfig *c)
{
    return asr_points_floor_macs(c->resample_size.planes, c->in.height, c->out.width,
                                 c->out.height);
}

/* The operating point of the next frame without adaptation: the debug
 * override (at the chosen depth target), the chosen subnet, or (subnet -1)
 * the scale cap. */
static AsrNetOp resolve_op(const AsrEngine *e, int32_t *subnet_out)
{
    const AsrArch *a = &e->net.model->arch;
    if (e->debug.op.width) {
        AsrNetOp op = e->debug.op;
        /* fixed depth unless asr_engine_debug_set_depth_target() chose one */
        op.target = e->debug.target > 0.0f ? e->debug.target : 1.0f;
        *subnet_out = -1;
        return op;
    }
    int32_t cap = (int32_t)e->cfg.cap;
    int32_t subnet = e->op.subnet < 0 ? cap : e->op.subnet;
    *subnet_out = subnet;
    return (AsrNetOp) { a->ladder[subnet][0], a->ladder[subnet][1], e->op.decoder, e->op.k,
                        asr_points_subnet_target(a, subnet, asr_points_chosen_target(a, &e->op)) };
}

void asr_engine_choose(AsrEngine *e, AsrFrameChoice *choice)
{
    AsrPointsScene scene;
    memset(choice, 0, sizeof(*choice));
    choice->adaptive = e->points.target_fps > 0.0 && !e->debug.op.width && !e->debug.bicubic;
    choice->bicubic = e->debug.bicubic; /* the test path, or the floor below */
    asr_engine_points_scene(e, &scene);
    if (e->points.stale) {
        /* at the first frame after a change, not every frame */
        asr_points_sync(&e->points, &scene);
        e->points.stale = 0;
    }
    if (choice->adaptive) {
        const AsrStats *stats = &e->stats;
        asr_points_decide(&e->points, &scene, &e->log, stats->counts.frames ? stats->op.point : -1,
                          stats->qos.budget_unmeetable, &choice->dec, &choice->host_floor);
        AsrOpChoice point_op = e->points.list[choice->dec.point].op;
        const AsrArch *a = &e->net.model->arch;
        choice->subnet = point_op.subnet;
        choice->point = choice->dec.point;
        if (choice->subnet == ASR_SUBNET_BICUBIC) {
            choice->bicubic = 1; /* planned: has_floor() */
            choice->op = (AsrNetOp) { 0, 0, point_op.decoder, point_op.k, 1.0f };
        } else {
            choice->op = (AsrNetOp) { a->ladder[choice->subnet][0], a->ladder[choice->subnet][1],
                                     point_op.decoder, point_op.k, point_op.depth_target };
        }
    } else {
        choice->op = resolve_op(e, &choice->subnet);
        choice->point =
            asr_points_find(&e->points, &scene, choice->subnet, choice->op.mode, choice->op.target);
    }
    if (!e->cfg.net_plan.depth_ok)
        choice->op.target = 1.0f; /* bands thinner than a tile (asr_net_plan): fixed depth */
    choice->depth_counts = !choice->bicubic && asr_net_adaptive(&e->net, &choice->op);
    choice->op.no_tail = e->debug.no_tail;
}
