/*
 * The list of operating points the QoS controller picks from
 * (asr_engine_get_op_point(); docs/design.md#controller), and the state that
 * goes with it: the controller, its feedback from the previous frame, the
 * target, and downstream QoS reports. No Vulkan here: the engine describes
 * what the list depends on in an AsrPointsScene.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_POINTS_H
#define ASR_POINTS_H

#include <stdatomic.h>

#include "controller.h"
#include "log.h"
#include "model.h"

/* One operating point of the QoS list (asr_engine_get_op_point()). */
typedef struct AsrPoint {
    AsrOpChoice op;  /* depth_target: the target the point runs, 1 = fixed depth */
    double nominal;  /* MACs at the list's sizes, the blocks scaled by the target: the order */
    double ran_per_pixel; /* adaptive points: EMA of the measured MACs per LR pixel of the
                             blocks that ran; < 0: not measured yet (the nominal t x depth
                             is used) */
} AsrPoint;

/* What the list depends on. */
typedef struct AsrPointsScene {
    const AsrArch *arch;
    AsrOpChoice choice;  /* asr_engine_set_op() */
    int floor;           /* the bicubic floor is point 0 */
    uint32_t in_w, in_h, out_w, out_h; /* the configuration's sizes (before the first: a
                                          nominal 2x, ASR_POINTS_IN_SIDE) */
    uint32_t cap;        /* largest subnet of the configuration's scale group */
    uint32_t planes;     /* colour planes (with alpha: 4), for the floor's cost */
} AsrPointsScene;

/* sizes the list is ordered at before the first asr_engine_configure() */
#define ASR_POINTS_IN_SIDE 64
#define ASR_POINTS_OUT_SIDE 128

/* The list and the QoS state: one per engine. */
typedef struct AsrPoints {
    AsrController ctrl;
    AsrPoint list[ASR_CTRL_MAX_POINTS]; /* the list the controller's state and
                                           stats.op.point refer to (asr_points_sync()) */
    int32_t count;
    int stale;                   /* the choice, sizes, target or floor changed since
                                    asr_points_sync() (set where they change) */
    double target_fps, headroom; /* target 0: adaptation off */
    struct {
        int valid;               /* the last frame ran adaptive: feed it back */
        int32_t point;
        double macs, io_pixels, gpu_ms, wall_ms;
    } prev;
    double heavy_fraction;       /* of the last routed frame (-1: none yet) */
    /* the floor (docs/design.md#controller): the caller's (a CPU scaler,
     * asr_engine_set_host_floor()) or the engine's bicubic pass, whichever
     * costs less by measurement; both forgotten on a change of sizes */
    double host_floor_ms;        /* the caller's floor, EMA of its reports (0: none) */
    double dev_floor_ms;         /* the bicubic pass, EMA of its frames (0: not run) */
    uint32_t floor_frames;       /* floor frames since the sizes changed */
    double prior_ms_per_mac;     /* the device's probed speed (0: none) */
    int prior_probed;            /* the probe ran (once per engine) */
    atomic_int qos_pending;      /* asr_points_report_qos(), any thread */
    atomic_uint_fast64_t qos_proportion_bits;
    atomic_int_fast64_t qos_jitter_ns;
} AsrPoints;

void asr_points_init(AsrPoints *p);
/* Another list of points (decoder, floor): learned costs no longer apply. */
void asr_points_forget(AsrPoints *p);

/* The depth target of the caller's choice, resolved: 0 = the model's
 * default; >= 1, and any target of a model without an adapter, = 1. */
float asr_points_chosen_target(const AsrArch *a, const AsrOpChoice *choice);
/* The target subnet runs for target t: 1 where it cannot adapt. */
float asr_points_subnet_target(const AsrArch *a, int32_t subnet, float t);

/* Fill `out` (ASR_CTRL_MAX_POINTS) with the list for `scene`; the count. */
int32_t asr_points_build(const AsrPointsScene *scene, AsrPoint *out);
/* Bring p->list up to `scene`: the controller's learned state and the
 * measured depth costs follow their points to their new indices. */
void asr_points_sync(AsrPoints *p, const AsrPointsScene *scene);
/* The index of (subnet, mode, target) in p->list, -1 when not in the list. */
int32_t asr_points_find(const AsrPoints *p, const AsrPointsScene *scene, int32_t subnet,
                        AsrDecoderMode mode, float target);

/* Cost model of the bicubic pass (the controller needs MACs > 0). */
double asr_points_floor_macs(uint32_t planes, uint32_t in_h, uint32_t out_w, uint32_t out_h);

/* Ask the controller for the point of the next frame; logs switches.
 * last_point: the last frame's point (-1: none); was_unmeetable: the last
 * decision's flag. *host_floor: the point is the floor and the caller's
 * floor runs it. */
void asr_points_decide(AsrPoints *p, const AsrPointsScene *scene, const AsrLog *log,
                       int32_t last_point, int was_unmeetable, AsrCtrlDecision *dec,
                       int *host_floor);
/* The floor's cost the controller uses: the cheaper measured floor, 0 when
 * the bicubic pass has to be predicted (no caller's floor, none measured);
 * *host: the caller's floor is the cheaper. */
double asr_points_floor_ms(const AsrPoints *p, int *host);
/* New sizes: the floors' measured costs no longer apply. */
void asr_points_new_sizes(AsrPoints *p);
/* A frame of the floor ran: the caller's (host) or the bicubic pass. */
void asr_points_floor_ran(AsrPoints *p, int host, double ms);

/* A frame of point i ran `per_pixel` MACs per LR pixel in its blocks. */
void asr_points_measured(AsrPoints *p, int32_t i, double per_pixel);

/* asr_engine_report_qos(): any thread. */
void asr_points_report_qos(AsrPoints *p, double proportion, int64_t jitter_ns);

#endif /* ASR_POINTS_H */
