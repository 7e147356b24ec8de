/*
 * The operating points of the QoS list and the glue to the controller
 * (points.h; docs/design.md#controller).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "points.h"

/* weight of a frame's measured block MACs per LR pixel on its point's EMA */
#define DEPTH_EMA_ALPHA 0.5
/* weight of a floor frame's time on its floor's EMA */
#define FLOOR_EMA_ALPHA 0.25
/* floor frames on the caller's floor before the bicubic pass, not measured
 * yet at these sizes, runs once to be measured (docs/design.md#controller) */
#define FLOOR_TRIAL_FRAMES 16

void asr_points_init(AsrPoints *p)
{
    memset(p, 0, sizeof(*p));
    p->stale = 1;
    asr_controller_init(&p->ctrl, NULL);
    p->headroom = ASR_HEADROOM_DEFAULT;
    p->heavy_fraction = -1.0;
    atomic_init(&p->qos_pending, 0);
    atomic_init(&p->qos_proportion_bits, 0);
    atomic_init(&p->qos_jitter_ns, 0);
}

void asr_points_forget(AsrPoints *p)
{
    asr_controller_init(&p->ctrl, NULL);
    p->prev.valid = 0;
}

float asr_points_chosen_target(const AsrArch *a, const AsrOpChoice *choice)
{
    float t = choice->depth_target == 0.0f ? a->depth_target : choice->depth_target;
    return !a->depth_tile || t >= 1.0f ? 1.0f : t;
}

/* (net.h asr_net_adaptive(): no adapter, or depth 0, runs at fixed depth) */
float asr_points_subnet_target(const AsrArch *a, int32_t subnet, float t)
{
    return a->depth_tile && a->ladder[subnet][1] > 0 && t < 1.0f ? t : 1.0f;
}

/* Cost model of point (subnet, decoder, target t) at the scene's sizes: the
 * subnet at full depth, less the blocks an adaptive frame skips
 * (ran_per_pixel: measured MACs per LR pixel of the blocks that ran, < 0:
 * t x the full depth's), plus the adapter. */
static double point_macs(const AsrPointsScene *s, int32_t subnet, AsrDecoderMode decoder,
                         float t, double heavy_fraction, double ran_per_pixel)
{
    const AsrArch *a = s->arch;
    uint32_t c = a->ladder[subnet][0], d = a->ladder[subnet][1];
    double macs = asr_model_macs(a, c, d, (int)decoder, heavy_fraction, s->in_w, s->in_h,
                                 s->out_w, s->out_h);
    if (t < 1.0f) {
        double lr = (double)s->in_w * s->in_h, full = d * asr_model_block_macs_per_pixel(a, c);
        double ran = ran_per_pixel >= 0.0 ? ran_per_pixel : t * full;
        macs += (ran - full + asr_model_adapter_macs_per_pixel(a)) * lr;
    }
    return macs;
}

/*
 * The QoS list (asr_engine_get_op_point()) for the current choice, sizes
 * and floor: the floor (while it is on), then the network's points sorted
 * by nominal MACs (stable: ties keep the order below): subnet 0 with the
 * light decoder (unless the chosen decoder is light), then for every subnet
 * its depth points below the chosen target and the chosen target itself,
 * with the chosen decoder. A model without an adapter has one point per
 * subnet (target 1). Returns the count; ran_per_pixel of every point is -1.
 */
int32_t asr_points_build(const AsrPointsScene *s, AsrPoint *p)
{
    const AsrArch *a = s->arch;
    const AsrOpChoice *choice = &s->choice;
    float top = asr_points_chosen_target(a, choice);
    int32_t n = 0;
    if (s->floor)
        p[n++] = (AsrPoint) { { ASR_SUBNET_BICUBIC, choice->decoder, choice->k, top }, 0.0, -1.0 };
    int32_t first = n;
    if (choice->decoder != ASR_DECODER_LIGHT)
        p[n++] = (AsrPoint) {
            { 0, ASR_DECODER_LIGHT, choice->k, asr_points_subnet_target(a, 0, top) }, 0.0, -1.0
        };
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
            float t = asr_points_subnet_target(a, (int32_t)sn, a->depth_points[j]);
            if (t < 1.0f)
                p[n++] = (AsrPoint) { { (int32_t)sn, choice->decoder, choice->k, t }, 0.0, -1.0 };
        }
        p[n++] = (AsrPoint) { { (int32_t)sn, choice->decoder, choice->k,
                                asr_points_subnet_target(a, (int32_t)sn, top) }, 0.0, -1.0 };
    }
    for (int32_t i = first; i < n; i++)
        p[i].nominal = point_macs(s, p[i].op.subnet, p[i].op.decoder, p[i].op.depth_target,
                                  -1.0, -1.0);
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

void asr_points_sync(AsrPoints *pts, const AsrPointsScene *scene)
{
    AsrPoint p[ASR_CTRL_MAX_POINTS];
    int32_t map[ASR_CTRL_MAX_POINTS];
    int32_t n = asr_points_build(scene, p);
    int changed = n != pts->count;
    for (int32_t j = 0; j < n; j++) {
        map[j] = -1;
        for (int32_t i = 0; i < pts->count; i++) {
            const AsrPoint *o = &pts->list[i];
            if (same_point(&o->op, &p[j].op))
                map[j] = i;
            /* the encoder does not depend on the decoder */
            if (o->op.subnet == p[j].op.subnet && o->op.depth_target == p[j].op.depth_target &&
                o->ran_per_pixel >= 0.0)
                p[j].ran_per_pixel = o->ran_per_pixel;
        }
        changed |= map[j] != j;
    }
    if (changed) {
        asr_controller_remap(&pts->ctrl, map, (uint32_t)n);
        int32_t prev = -1;
        for (int32_t j = 0; j < n && pts->prev.valid; j++)
            if (map[j] == pts->prev.point)
                prev = j;
        pts->prev.valid = prev >= 0;
        pts->prev.point = prev;
    }
    memcpy(pts->list, p, sizeof(p[0]) * (size_t)n);
    pts->count = n;
}

int32_t asr_points_find(const AsrPoints *p, const AsrPointsScene *scene, int32_t subnet,
                        AsrDecoderMode mode, float target)
{
    if (subnet == ASR_SUBNET_BICUBIC)
        return scene->floor ? 0 : -1;
    AsrOpChoice point_op = { subnet, mode, 0.0f, target };
    for (int32_t i = 0; i < p->count; i++)
        if (same_point(&p->list[i].op, &point_op))
            return i;
    return -1;
}

/* a separable 4-tap filter, horizontal on the input rows, then vertical */
double asr_points_floor_macs(uint32_t planes, uint32_t in_h, uint32_t out_w, uint32_t out_h)
{
    return 4.0 * planes * ((double)in_h * out_w + (double)out_h * out_w);
}

void asr_points_decide(AsrPoints *p, const AsrPointsScene *s, const AsrLog *log,
                       int32_t last_point, int was_unmeetable, AsrCtrlDecision *dec,
                       int *host_floor)
{
    AsrCtrlInput in;
    int host = 0;
    memset(&in, 0, sizeof(in));
    *host_floor = 0;
    if (s->floor)
        in.floor_ms = asr_points_floor_ms(p, &host);
    in.prior_ms_per_mac = p->prior_ms_per_mac;
    in.budget_ms = 1000.0 / p->target_fps;
    in.headroom = p->headroom;
    in.n_points = (uint32_t)p->count;
    for (uint32_t i = 0; i < in.n_points; i++) {
        const AsrPoint *point = &p->list[i];
        if (point->op.subnet == ASR_SUBNET_BICUBIC) {
            in.macs[i] = asr_points_floor_macs(s->planes, s->in_h, s->out_w, s->out_h);
            continue;
        }
        /* adaptive points: the MACs their recent frames ran (content) */
        in.macs[i] = point_macs(s, point->op.subnet, point->op.decoder, point->op.depth_target,
                                p->heavy_fraction, point->ran_per_pixel);
    }
    /* the ceiling: the highest point of an allowed subnet; below it, the
     * points of larger subnets (low depth targets) are excluded */
    int32_t ceil_subnet = (int32_t)s->cap;
    if (s->choice.subnet >= 0 && s->choice.subnet < ceil_subnet)
        ceil_subnet = s->choice.subnet;
    for (int32_t i = 0; i < p->count; i++)
        if (p->list[i].op.subnet <= ceil_subnet)
            in.ceiling = i;
    for (int32_t i = 0; i < in.ceiling; i++)
        if (p->list[i].op.subnet > ceil_subnet)
            in.excluded |= 1u << i;
    in.io_pixels = (double)s->in_w * s->in_h + (double)s->out_w * s->out_h;
    if (p->prev.valid) {
        in.has_prev = 1;
        in.prev_point = p->prev.point;
        in.prev_macs = p->prev.macs;
        in.prev_io_pixels = p->prev.io_pixels;
        in.prev_gpu_ms = p->prev.gpu_ms;
        in.prev_wall_ms = p->prev.wall_ms;
    }
    if (atomic_exchange(&p->qos_pending, 0)) {
        uint64_t bits = atomic_load(&p->qos_proportion_bits);
        in.has_qos = 1;
        memcpy(&in.qos_proportion, &bits, sizeof(bits));
        in.qos_jitter_ns = atomic_load(&p->qos_jitter_ns);
    }
    asr_controller_decide(&p->ctrl, &in, dec);
    if (dec->point == 0 && p->list[0].op.subnet == ASR_SUBNET_BICUBIC) {
        /* the bicubic pass, never measured at these sizes, runs once after
         * a while on the caller's floor: the floor is chosen by measured
         * cost, not by the kind of device */
        p->floor_frames++;
        *host_floor = host && !(p->dev_floor_ms <= 0.0 && p->floor_frames == FLOOR_TRIAL_FRAMES);
    }

    /* every change, and every lateness report; not every frame that stays
     * over budget on the cheapest point */
    if (dec->switched || dec->unmeetable != was_unmeetable || dec->reason == ASR_CTRL_QOS_LATE) {
        AsrOpChoice point_op = p->list[dec->point].op;
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
        asr_dbg(log,
                "qos: point %d -> %d (subnet %d, %s, depth target %.2f): %s; budget "
                "%.2f ms x headroom %.2f, predicted %.2f ms, ceiling %d, room %u/%u%s",
                (int)last_point, (int)dec->point, (int)point_op.subnet,
                point_op.subnet == ASR_SUBNET_BICUBIC ? "bicubic pass"
                                                      : asr_decoder_name(point_op.decoder),
                (double)point_op.depth_target, why, dec->budget_ms, p->headroom, dec->predicted_ms,
                (int)in.ceiling, dec->room, dec->room_needed,
                dec->unmeetable ? "; the budget cannot be met even by the cheapest point" : "");
    }
}

double asr_points_floor_ms(const AsrPoints *p, int *host)
{
    *host = p->host_floor_ms > 0.0 && !(p->dev_floor_ms > 0.0 && p->dev_floor_ms < p->host_floor_ms);
    return *host ? p->host_floor_ms : p->dev_floor_ms;
}

void asr_points_new_sizes(AsrPoints *p)
{
    p->host_floor_ms = p->dev_floor_ms = 0.0;
    p->floor_frames = 0;
}

void asr_points_floor_ran(AsrPoints *p, int host, double ms)
{
    double *f = host ? &p->host_floor_ms : &p->dev_floor_ms;
    if (!(ms > 0.0) || !isfinite(ms))
        return;
    *f = *f > 0.0 ? *f + FLOOR_EMA_ALPHA * (ms - *f) : ms;
}

void asr_points_measured(AsrPoints *p, int32_t i, double per_pixel)
{
    AsrPoint *point = &p->list[i];
    point->ran_per_pixel =
        point->ran_per_pixel < 0.0
            ? per_pixel
            : point->ran_per_pixel + DEPTH_EMA_ALPHA * (per_pixel - point->ran_per_pixel);
}

void asr_points_report_qos(AsrPoints *p, double proportion, int64_t jitter_ns)
{
    uint64_t bits;
    memcpy(&bits, &proportion, sizeof(bits));
    atomic_store(&p->qos_proportion_bits, bits);
    atomic_store(&p->qos_jitter_ns, jitter_ns);
    atomic_store(&p->qos_pending, 1);
}
