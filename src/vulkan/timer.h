/*
 * GPU timestamps: a query pool of N stamps written in a command buffer and
 * turned into milliseconds after the submission completed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_TIMER_H
#define ASR_TIMER_H

#include "device.h"

#define ASR_TIMER_MAX_STAMPS 16

typedef struct AsrTimer {
    VkQueryPool pool;  /* VK_NULL_HANDLE: timestamps unsupported, all times 0 */
    uint32_t count;
    uint64_t mask;     /* timestampValidBits as a mask */
    double period_ns;  /* timestampPeriod */
} AsrTimer;

/* Create a pool of `count` stamps; without timestamp support on the queue
 * this succeeds with an inert timer. */
AsrStatus asr_timer_create(AsrDevice *d, AsrTimer *t, uint32_t count);
void asr_timer_destroy(AsrDevice *d, AsrTimer *t);
/* Record the reset of every stamp (before the first asr_timer_stamp). */
void asr_timer_reset(AsrDevice *d, const AsrTimer *t, VkCommandBuffer cb);
/* Record stamp `index` once the work before it reached `stage`. */
void asr_timer_stamp(AsrDevice *d, const AsrTimer *t, VkCommandBuffer cb,
                     uint32_t index, VkPipelineStageFlagBits stage);
/* After completion: ms[i] = time from stamp i to stamp i+1 (count-1 values;
 * zeros when unsupported or unavailable). */
void asr_timer_read(AsrDevice *d, const AsrTimer *t, double *ms);

/* CPU time in ms on CLOCK_MONOTONIC (not set by NTP or the user): every
 * frame timing uses it. */
double asr_monotonic_ms(void);

#endif /* ASR_TIMER_H */
