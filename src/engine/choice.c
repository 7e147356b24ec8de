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
    s->planes = e->cfg.rs.planes;
}

double asr_engine_bicubic_macs(const AsrConfig *c)
{
    return asr_points_floor_macs(c->rs.planes, c->in.height, c->out.width, c->out.height);
}

/* The operating point of the next frame without adaptation: the debug
 * override (at the chosen depth target), the chosen subnet, or (subnet -1)
 * the scale cap. */
static AsrNetOp resolve_op(const AsrEngine *e, int32_t *subnet)
{
    const AsrArch *a = &e->net.model->arch;
    if (e->debug.op.width) {
        AsrNetOp op = e->debug.op;
        /* fixed depth unless asr_engine_debug_set_depth_target() chose one */
        op.target = e->debug.target > 0.0f ? e->debug.target : 1.0f;
        *subnet = -1;
        return op;
    }
    int32_t cap = (int32_t)e->cfg.cap;
    int32_t sn = e->op.subnet < 0 ? cap : e->op.subnet;
    *subnet = sn;
    return (AsrNetOp) { a->ladder[sn][0], a->ladder[sn][1], e->op.decoder, e->op.k,
                        asr_points_subnet_target(a, sn, asr_points_chosen_target(a, &e->op)) };
}

void asr_engine_choose(AsrEngine *e, AsrFrameChoice *fc)
{
    AsrPointsScene scene;
    memset(fc, 0, sizeof(*fc));
    fc->adaptive = e->points.target_fps > 0.0 && !e->debug.op.width && !e->debug.bicubic;
    fc->bicubic = e->debug.bicubic; /* the test path, or the floor below */
    asr_engine_points_scene(e, &scene);
    if (e->points.stale) {
        /* at the first frame after a change, not every frame */
        asr_points_sync(&e->points, &scene);
        e->points.stale = 0;
    }
    if (fc->adaptive) {
        const AsrStats *st = &e->stats;
        asr_points_decide(&e->points, &scene, &e->log, st->counts.frames ? st->op.point : -1,
                          st->qos.budget_unmeetable, &fc->dec);
        AsrOpChoice oc = e->points.list[fc->dec.point].op;
        const AsrArch *a = &e->net.model->arch;
        fc->subnet = oc.subnet;
        fc->point = fc->dec.point;
        if (fc->subnet == ASR_SUBNET_BICUBIC) {
            fc->bicubic = 1; /* planned: has_floor() */
            fc->op = (AsrNetOp) { 0, 0, oc.decoder, oc.k, 1.0f };
        } else {
            fc->op = (AsrNetOp) { a->ladder[fc->subnet][0], a->ladder[fc->subnet][1], oc.decoder,
                                  oc.k, oc.depth_target };
        }
    } else {
        fc->op = resolve_op(e, &fc->subnet);
        fc->point = asr_points_find(&e->points, &scene, fc->subnet, fc->op.mode, fc->op.target);
    }
    if (!e->cfg.np.depth_ok)
        fc->op.target = 1.0f; /* bands thinner than a tile (asr_net_plan): fixed depth */
    fc->depth_counts = !fc->bicubic && asr_net_adaptive(&e->net, &fc->op);
    fc->op.no_tail = e->debug.no_tail;
}
