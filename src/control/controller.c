/*
 * The QoS controller: online cost model and step-down / step-up policy
 * (see controller.h). Pure: no clock, no allocation, no I/O.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "controller.h"

void asr_controller_default_params(AsrCtrlParams *p)
{
    *p = (AsrCtrlParams) {
        .rate_alpha = 0.25,
        .host_alpha = 0.25,
        .rel_alpha = 0.5,
        .snap_ratio = 1.3,
        .up_margin = 0.05,
        .up_frames = 8,
        .up_frames_max = 128,
        .decay_frames = 64,
        .min_dwell = 8,
        .probe_ratio = 2.0,
    };
}

void asr_controller_init(AsrController *c, const AsrCtrlParams *p)
{
    memset(c, 0, sizeof(*c));
    if (p)
        c->p = *p;
    else
        asr_controller_default_params(&c->p);
    if (c->p.up_frames < 1)
        c->p.up_frames = 1;
    if (c->p.up_frames_max < c->p.up_frames)
        c->p.up_frames_max = c->p.up_frames;
    for (int i = 0; i < ASR_CTRL_MAX_POINTS; i++)
        c->wait[i] = c->p.up_frames;
}

const char *asr_controller_reason_name(AsrCtrlReason r)
{
    switch (r) {
    case ASR_CTRL_DISABLED: return "adaptation off";
    case ASR_CTRL_START: return "start";
    case ASR_CTRL_HOLD: return "hold";
    case ASR_CTRL_ROOM: return "room";
    case ASR_CTRL_OVER_BUDGET: return "over budget";
    case ASR_CTRL_QOS_LATE: return "downstream late";
    case ASR_CTRL_NO_FIT: return "predicted over headroom";
    case ASR_CTRL_CEILING: return "ceiling";
    }
    return "unknown";
}

/* Relative rate of point i: its own, or the nearest measured one's (ties:
 * the cheaper). 0 when nothing is measured. */
static double rel_of(const AsrController *c, int32_t n, int32_t i, int32_t lowest)
{
    if (c->samples[i])
        return c->rel[i];
    for (int32_t dist = 1; dist < n; dist++) {
        if (i - dist >= lowest && c->samples[i - dist])
            return c->rel[i - dist];
        if (i + dist < n && c->samples[i + dist])
            return c->rel[i + dist];
    }
    return 0.0;
}

double asr_controller_predict(const AsrController *c, const AsrCtrlInput *in, int32_t point)
{
    int32_t n = (int32_t)in->n_points;
    if (point < 0 || point >= n || n > ASR_CTRL_MAX_POINTS)
        return 0.0;
    /* a floor of known cost: its measured time, never the MAC model's */
    int known_floor = in->floor_ms > 0.0;
    if (point == 0 && known_floor)
        return in->floor_ms;
    double r;
    if (c->speed > 0.0)
        r = c->speed * rel_of(c, n, point, known_floor ? 1 : 0);
    else if (in->prior_ms_per_mac > 0.0)
        r = in->prior_ms_per_mac; /* nothing measured: the device's probed speed */
    else
        return 0.0;
    if (r <= 0.0)
        return 0.0;
    double host = c->host_samples ? c->host_rate * in->io_pixels : 0.0;
    return r * in->macs[point] + host;
}

/* Learn from the previous frame. */
static void observe(AsrController *c, const AsrCtrlInput *in)
{
    int32_t n = (int32_t)in->n_points;
    int32_t p = in->prev_point;
    double gpu = in->prev_gpu_ms, wall = in->prev_wall_ms;
    if (!in->has_prev || p < 0 || p >= n || n > ASR_CTRL_MAX_POINTS || !(in->prev_macs > 0.0))
        return;
    if (!(gpu > 0.0) && !(wall > 0.0))
        return;
    if (p == 0 && in->floor_ms > 0.0)
        return; /* a floor of known cost says nothing of the network's speed */
    double device = gpu > 0.0 ? gpu : wall;
    double host = gpu > 0.0 && wall > gpu ? wall - gpu : 0.0;
    double r = device / in->prev_macs;
    if (!isfinite(r) || r <= 0.0)
        return;

    if (!(c->speed > 0.0)) {
        /* first sample ever */
        c->speed = r;
        c->rel[p] = 1.0;
    } else if (!c->samples[p]) {
        /* a new point: its efficiency relative to the others */
        c->rel[p] = r / c->speed;
    } else {
        double ratio = r / (c->speed * c->rel[p]);
        int snap = ratio > c->p.snap_ratio || ratio < 1.0 / c->p.snap_ratio;
        if (p != c->last_point && !snap) {
            /* first frame after a switch: the speed was just measured on
             * another point, so the difference is this point's own */
            c->rel[p] *= 1.0 + c->p.rel_alpha * (ratio - 1.0);
        } else if (snap) {
            /* the device changed speed: every point at once */
            c->speed *= ratio;
        } else {
            /* staying on a point: track the device's speed (drift) */
            c->speed *= 1.0 + c->p.rate_alpha * (ratio - 1.0);
        }
    }
    if (c->samples[p] < UINT32_MAX)
        c->samples[p]++;
    c->last_point = p;

    if (in->prev_io_pixels > 0.0) {
        double h = host / in->prev_io_pixels;
        if (c->host_samples)
            c->host_rate += c->p.host_alpha * (h - c->host_rate);
        else
            c->host_rate = h;
        if (c->host_samples < UINT32_MAX)
            c->host_samples++;
    }
}

/* Point i may be picked (below the ceiling, not excluded; 0 always). */
static int allowed(const AsrCtrlInput *in, int32_t ceiling, int32_t i)
{
    return i == 0 || (i > 0 && i <= ceiling && i < 32 && !((in->excluded >> i) & 1u));
}

/* The highest allowed point below i (0 when none). */
static int32_t allowed_below(const AsrCtrlInput *in, int32_t ceiling, int32_t i)
{
    for (int32_t j = i - 1; j > 0; j--)
        if (allowed(in, ceiling, j))
            return j;
    return 0;
}

/* The lowest point above i below `top` that is not excluded; -1 when none. */
static int32_t next_up(const AsrCtrlInput *in, int32_t top, int32_t i)
{
    for (int32_t j = i + 1; j <= top; j++)
        if (allowed(in, top, j))
            return j;
    return -1;
}

/* Highest allowed point <= top predicted to fit `limit`; -1 when none. */
static int32_t best_fit(const AsrController *c, const AsrCtrlInput *in, int32_t top, double limit)
{
    for (int32_t i = top; i >= 0; i--) {
        if (!allowed(in, top, i))
            continue;
        double t = asr_controller_predict(c, in, i);
        if (t > 0.0 && t <= limit)
            return i;
    }
    return -1;
}

static void back_off(AsrController *c, int32_t point)
{
    if (point < 0 || point >= ASR_CTRL_MAX_POINTS)
        return;
    uint32_t w = c->wait[point] * 2;
    c->wait[point] = w > c->p.up_frames_max ? c->p.up_frames_max : w;
    c->calm = 0;
}

void asr_controller_decide(AsrController *c, const AsrCtrlInput *in, AsrCtrlDecision *out)
{
    int32_t n = (int32_t)in->n_points;
    if (n < 1)
        n = 1;
    if (n > ASR_CTRL_MAX_POINTS)
        n = ASR_CTRL_MAX_POINTS;
    int32_t ceiling = in->ceiling < 0 ? 0 : in->ceiling >= n ? n - 1 : in->ceiling;
    if (!allowed(in, ceiling, ceiling))
        ceiling = allowed_below(in, ceiling, ceiling);
    int32_t prev = c->cur;
    uint32_t kept = c->dwell; /* frames on the current point before this one */
    AsrCtrlReason reason = ASR_CTRL_HOLD;
    int forced = 0;
    uint32_t climbed_after = 0;

    observe(c, in);
    c->decisions++;
    memset(out, 0, sizeof(*out));
    out->budget_ms = in->budget_ms > 0.0 ? in->budget_ms : 0.0;

    double measured = 0.0;
    if (in->has_prev)
        measured = in->prev_wall_ms > 0.0 ? in->prev_wall_ms
                                          : in->prev_gpu_ms > 0.0 ? in->prev_gpu_ms : 0.0;
    out->measured_ms = measured;

    if (!(in->budget_ms > 0.0)) {
        c->cur = ceiling;
        c->room = 0;
        c->started = 0; /* re-enabling starts from the ceiling again */
        reason = ASR_CTRL_DISABLED;
        goto done;
    }

    double hb = in->budget_ms * (in->headroom > 0.0 && in->headroom <= 1.0 ? in->headroom : 1.0);
    if (!c->started) {
        c->started = 1;
        c->cur = ceiling;
        c->room = 0;
        c->climbed = 0;
        kept = 0;
        prev = in->has_prev ? in->prev_point : ceiling;
        reason = ASR_CTRL_START;
        /* nothing known of the network's cost: the ceiling */
        if (asr_controller_predict(c, in, c->cur) <= 0.0)
            goto done;
        if (!(c->speed > 0.0) && !in->has_prev) {
            /* only the prior known: the best point predicted to fit, not
             * the top of the ladder (no stall at the start) */
            int32_t fit = best_fit(c, in, ceiling, hb);
            c->cur = fit < 0 ? 0 : fit;
            goto done;
        }
        /* with something already measured, rule 4 applies at once */
    }

    if (c->cur > ceiling || !allowed(in, ceiling, c->cur)) {
        c->cur = c->cur > ceiling ? ceiling : allowed_below(in, ceiling, c->cur);
        c->room = 0;
        reason = ASR_CTRL_CEILING;
    }

    /* 3. over budget or late: down at once */
    int over = in->has_prev && measured > in->budget_ms;
    int late = in->has_qos && in->qos_proportion > 1.0;
    if (over || late) {
        int32_t ran = in->has_prev && in->prev_point >= 0 && in->prev_point < n ? in->prev_point
                                                                                 : c->cur;
        int32_t target = allowed_below(in, ceiling, ran);
        int32_t fit = best_fit(c, in, ceiling, hb);
        if (fit < target)
            target = fit;
        if (target > c->cur)
            target = c->cur;
        if (target < 0)
            target = 0;
        if (ran > 0 && target < ran)
            back_off(c, ran);
        c->cur = target;
        c->room = 0;
        reason = over ? ASR_CTRL_OVER_BUDGET : ASR_CTRL_QOS_LATE;
        forced = 1;
    } else {
        /* 4. current predicted over headroom: down to the best fit */
        double t = asr_controller_predict(c, in, c->cur);
        /* a point just stepped up to is kept min_dwell frames against
         * predictions; a measured overrun (rule 3) still steps down */
        int dwelling = c->climbed && kept < c->p.min_dwell;
        if (t > hb && c->cur > 0 && !dwelling) {
            int32_t fit = best_fit(c, in, c->cur, hb);
            c->cur = fit < 0 ? 0 : fit;
            c->room = 0;
            reason = ASR_CTRL_NO_FIT;
        } else if (next_up(in, ceiling, c->cur) >= 0) {
            /* 5. room for the next point, with hysteresis */
            int32_t up = next_up(in, ceiling, c->cur);
            double next = asr_controller_predict(c, in, up);
            /* only the prior known: a point not far over the budget is
             * probed too, to measure the device (the prior may be off) */
            int prior_only = !(c->speed > 0.0);
            if (next > 0.0 && (next <= hb * (1.0 - c->p.up_margin) ||
                               (prior_only && next <= in->budget_ms * c->p.probe_ratio))) {
                c->room++;
                if (c->room >= c->wait[up] && kept >= c->p.min_dwell) {
                    c->cur = up;
                    climbed_after = c->room;
                    c->room = 0;
                    reason = ASR_CTRL_ROOM;
                }
            } else {
                c->room = 0;
            }
        } else {
            c->room = 0;
        }
    }

    if (!forced && ++c->calm >= c->p.decay_frames) {
        c->calm = 0;
        for (int32_t i = 0; i < ASR_CTRL_MAX_POINTS; i++) {
            uint32_t w = c->wait[i] / 2;
            c->wait[i] = w < c->p.up_frames ? c->p.up_frames : w;
        }
    }

    {
        double t0 = asr_controller_predict(c, in, 0);
        out->unmeetable = c->cur == 0 && ((over && (!in->has_prev || in->prev_point == 0)) ||
                                          t0 > hb);
    }

done:
    out->point = c->cur;
    out->reason = reason;
    out->switched = c->cur != prev;
    if (out->switched) {
        c->switches++;
        c->dwell = 0;
        c->climbed = c->cur > prev;
    }
    if (c->dwell < UINT32_MAX)
        c->dwell++;
    out->dwell = c->dwell;
    out->predicted_ms = asr_controller_predict(c, in, c->cur);
    out->room = reason == ASR_CTRL_ROOM ? climbed_after : c->room;
    {
        /* the next point up the list (the ceiling aside), not excluded */
        int32_t up = -1;
        for (int32_t j = c->cur + 1; j < n && up < 0; j++)
            if (j >= 32 || !((in->excluded >> j) & 1u))
                up = j;
        out->room_needed = up >= 0 ? c->wait[up] : 0;
    }
}

void asr_controller_remap(AsrController *c, const int32_t *map, uint32_t n)
{
    AsrController old = *c;
    int32_t cur = -1, last = -1;
    if (n > ASR_CTRL_MAX_POINTS)
        n = ASR_CTRL_MAX_POINTS;
    for (int32_t j = 0; j < ASR_CTRL_MAX_POINTS; j++) {
        int32_t i = (uint32_t)j < n ? map[j] : -1;
        if (i >= 0 && i < ASR_CTRL_MAX_POINTS) {
            c->rel[j] = old.rel[i];
            c->samples[j] = old.samples[i];
            c->wait[j] = old.wait[i];
        } else {
            i = -1;
            c->rel[j] = 0.0;
            c->samples[j] = 0;
            c->wait[j] = c->p.up_frames;
        }
        if (i >= 0 && i == old.last_point)
            last = j;
        /* the current point, or the nearest below it in the old order */
        if (i >= 0 && i <= old.cur && (cur < 0 || i > map[cur]))
            cur = j;
    }
    c->cur = cur < 0 ? 0 : cur;
    c->last_point = last;
    c->room = 0;
}
