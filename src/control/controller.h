/*
 * The QoS controller (docs/design.md#controller): picks, frame by frame, the
 * operating point that holds a frame budget. No GStreamer, no Vulkan and no
 * clock inside: the policy is a pure function of the state and the inputs
 * (the previous frame's measured times are inputs), so tests drive it with
 * synthetic timings (tests/controller/).
 *
 * Operating points are indices 0 .. n_points-1 ordered by cost, cheapest
 * first (the engine's list: asr_engine_get_op_point()). The caller gives the
 * MACs of every point at the current sizes (from the engine cost model) and
 * the highest point allowed (the ceiling: scale-group cap, or the user's
 * subnet), and may exclude points below the ceiling (`excluded`: with
 * spatial depth, a larger subnet at a low depth target can cost less than
 * the ceiling's subnet at full depth, and still lie above the cap). An
 * excluded point is never picked: every step (down, up, to the best fit)
 * goes to the nearest allowed point; point 0 is always allowed.
 *
 * Cost model, calibrated online:
 * - device time of point i = speed * rel[i] * macs[i] (ms per MAC). `speed`
 *   is the device's current speed, an EMA of the measured GPU time / MACs
 *   of the frames on the current point (it follows load and drift, and moves
 *   the predictions of every point); rel[i] is point i's own efficiency
 *   (small subnets use a device less well per MAC), set by its first frame
 *   and refined on the first frame after each switch to it (where the speed
 *   has just been measured on another point). A point not measured yet
 *   borrows the rel of the nearest measured point (ties: the cheaper one),
 *   i.e. its time is predicted from a measured one by the ratio of MACs.
 * - host time (wall - GPU: frame copies, submission) = host_rate * io_pixels,
 *   an EMA in ms per (input + output) pixel, the same for every point.
 * - Both rates are per unit of work, so a change of input or output size
 *   changes the MACs and pixel counts and the predictions follow without
 *   re-learning.
 * - A measurement of an already measured point that differs from its
 *   prediction by more than snap_ratio (either way) is taken as a change of
 *   the device's load: the speed takes that ratio at once (a load step is
 *   learned in one frame, not over the EMA's time constant).
 *
 * Policy, per frame (B = budget, hB = headroom * B; the measured frame time
 * is the wall time of the previous frame, or its GPU time when no wall time
 * is given):
 * 1. B == 0: no adaptation, the ceiling (DISABLED).
 * 2. Above the ceiling: lowered to it at once (CEILING).
 * 3. The previous frame ran over B (OVER_BUDGET), or downstream QoS says
 *    late, proportion > 1 (QOS_LATE): step down at once, at least one point,
 *    to the best point predicted to fit hB when that is lower. The point
 *    stepped down from needs twice as many frames with room before it is
 *    tried again (up to up_frames_max; halved again after decay_frames calm
 *    frames): this is what keeps noisy timings from flapping.
 * 4. The current point's predicted time is over hB: down to the best point
 *    predicted to fit (NO_FIT).
 * 5. The next point up is predicted to fit hB * (1 - up_margin) (a
 *    hysteresis band below the step-down threshold): after wait[next]
 *    consecutive such frames (up_frames, 8 by default) step up one point
 *    (ROOM). Otherwise stay (HOLD).
 * On the cheapest point with a frame over B or a prediction over hB, the
 * decision reports `unmeetable`. ("One point" means the next allowed
 * point: excluded points are skipped.)
 *
 * The start (docs/design.md#controller): with a prior speed (prior_ms_per_mac,
 * from the device's probed multiply-add rate) or something already measured,
 * the first frame runs the best point predicted to fit hB (START), point 0
 * when none does; with neither, the ceiling (the point the caller chose).
 *
 * A floor of known cost: floor_ms > 0 says point 0 costs that many ms
 * (measured by the caller: a CPU scaler, or the device's bicubic pass),
 * not speed x MACs; its frames then teach the MAC model nothing (their
 * time says nothing about the network's speed), and it is never predicted
 * from the network's rates.
 *
 * Probing up and dwell: a step up (rule 5) is a probe of the next point; it
 * is only made to a point predicted to fit (while only the prior is known,
 * one predicted within probe_ratio x B: never one predicted far over it), after wait[next] frames with
 * room and at least min_dwell frames on the current point; a probe that
 * runs over B is a failed probe: down at once (rule 3) and the wait of that
 * point doubles (exponential backoff, so failed probes cost one frame in
 * wait[] frames). After a step up the new point is kept for min_dwell
 * frames against predictions (rule 4 waits; only a frame measured over B
 * or QoS lateness steps down sooner), so quality does not pulse. The
 * decision says how long the point has been kept (dwell).
 *
 * When the caller's list of points changes (another depth target, a
 * reordering at other sizes), asr_controller_remap() carries what was
 * learned per point over to the points' new indices.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_CONTROLLER_H
#define ASR_CONTROLLER_H

#include <stdint.h>

#define ASR_CTRL_MAX_POINTS 16

typedef enum AsrCtrlReason {
    ASR_CTRL_DISABLED = 0, /* budget 0: the ceiling */
    ASR_CTRL_START,        /* the first frame: the best predicted fit (the ceiling when
                              nothing is known) */
    ASR_CTRL_HOLD,         /* stay */
    ASR_CTRL_ROOM,         /* step up: the next point fitted for wait frames */
    ASR_CTRL_OVER_BUDGET,  /* step down: the last frame ran over the budget */
    ASR_CTRL_QOS_LATE,     /* step down: downstream reported lateness */
    ASR_CTRL_NO_FIT,       /* step down: predicted over headroom * budget */
    ASR_CTRL_CEILING,      /* lowered to the ceiling */
} AsrCtrlReason;

typedef struct AsrCtrlParams {
    double rate_alpha;      /* EMA weight of a sample on the device speed (0.25) */
    double rel_alpha;       /* weight of a sample after a switch on that point's factor (0.5) */
    double host_alpha;      /* EMA weight of a new host-rate sample (0.25) */
    double snap_ratio;      /* measured / predicted beyond which all rates rescale (1.3) */
    double up_margin;       /* hysteresis below hB for stepping up (0.05) */
    uint32_t up_frames;     /* frames with room before a step up (8) */
    uint32_t up_frames_max; /* most frames a backed-off point waits (128) */
    uint32_t decay_frames;  /* calm frames after which backoffs halve (64) */
    uint32_t min_dwell;     /* frames a point is kept after a switch before a step up, and
                               after a step up before a predicted (not measured) step
                               down (8) */
    double probe_ratio;     /* while only the prior is known (nothing measured), a point
                               predicted within probe_ratio x B is probed too: the prior
                               may be pessimistic (2) */
} AsrCtrlParams;

/* Inputs of one decision (the frame about to be processed). */
typedef struct AsrCtrlInput {
    double budget_ms;  /* frame budget; <= 0: no adaptation */
    double headroom;   /* share of the budget to plan for, (0, 1] */
    uint32_t n_points; /* 1 .. ASR_CTRL_MAX_POINTS */
    double macs[ASR_CTRL_MAX_POINTS]; /* of each point at the current sizes, > 0 */
    int32_t ceiling;   /* highest point allowed */
    uint32_t excluded; /* bit i: point i (below the ceiling) may not be picked;
                          bit 0 is ignored (the cheapest is always allowed) */
    double io_pixels;  /* input + output pixels of the current configuration */
    double floor_ms;   /* > 0: point 0 is a floor of this measured cost, ms (not MACs) */
    double prior_ms_per_mac; /* > 0: the device's speed before anything is measured
                                (ms per MAC, from its probed rate) */

    /* The previous frame (has_prev 0: none, e.g. the first frame). */
    int has_prev;
    int32_t prev_point;    /* the point it ran */
    double prev_macs;      /* its MACs (sizes of that frame) */
    double prev_io_pixels; /* its input + output pixels */
    double prev_gpu_ms;    /* measured device time; <= 0: unknown (wall used) */
    double prev_wall_ms;   /* measured wall time of the whole call; <= 0: unknown */

    /* Downstream QoS received since the previous decision (has_qos 0: none). */
    int has_qos;
    double qos_proportion; /* > 1: downstream is late */
    int64_t qos_jitter_ns;
} AsrCtrlInput;

typedef struct AsrCtrlDecision {
    int32_t point;         /* the point to run */
    AsrCtrlReason reason;
    int switched;          /* point differs from the previous decision */
    int unmeetable;        /* on the cheapest point and still over the budget */
    double predicted_ms;   /* predicted frame time of `point` (0: nothing measured) */
    double budget_ms;      /* the budget (headroom not applied) */
    double measured_ms;    /* the previous frame's time as judged (0: none) */
    uint32_t room;         /* consecutive frames with room for the next point (ROOM: the
                              frames with room that the step up waited for) */
    uint32_t room_needed;  /* frames with room needed to step up to it */
    uint32_t dwell;        /* frames the point has been kept, this one included */
} AsrCtrlDecision;

typedef struct AsrController {
    AsrCtrlParams p;
    int started;
    int32_t cur;
    double speed;                     /* ms per MAC of a point of rel 1 (0: none yet) */
    double rel[ASR_CTRL_MAX_POINTS];  /* per-point factor on speed; valid when samples > 0 */
    uint32_t samples[ASR_CTRL_MAX_POINTS];
    int32_t last_point;               /* point of the last measurement */
    uint32_t wait[ASR_CTRL_MAX_POINTS]; /* room frames needed to step up into i */
    double host_rate;                   /* ms per io pixel; valid when host_samples > 0 */
    uint32_t host_samples;
    uint32_t room;
    uint32_t calm;
    uint32_t dwell;                     /* decisions since the last switch */
    int climbed;                        /* the last switch was a step up */
    uint64_t switches;
    uint64_t decisions;
} AsrController;

void asr_controller_default_params(AsrCtrlParams *p);
/* Reset to the start state (nothing learned); p NULL = defaults. */
void asr_controller_init(AsrController *c, const AsrCtrlParams *p);
/* Learn from in->prev_*, then decide the point of the next frame. */
void asr_controller_decide(AsrController *c, const AsrCtrlInput *in, AsrCtrlDecision *out);
/* The caller's list of points changed: new point j is old point map[j]
 * (-1: a new point, nothing learned), j < n. Moves the per-point state (the
 * efficiency, samples, backoff) with its point and the current point too
 * (a current point that is gone becomes the nearest new point below it in
 * the old order, else 0); the device speed and host rate stay. */
void asr_controller_remap(AsrController *c, const int32_t *map, uint32_t n);
/* Predicted frame time of `point` for the sizes of `in` (0 when nothing
 * has been measured yet). */
double asr_controller_predict(const AsrController *c, const AsrCtrlInput *in, int32_t point);
/* Static name of a reason ("over budget", "room" ...). */
const char *asr_controller_reason_name(AsrCtrlReason r);

#endif /* ASR_CONTROLLER_H */
