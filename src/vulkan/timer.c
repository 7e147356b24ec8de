/*
 * GPU timestamps.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <string.h>
#include <time.h>

#include "timer.h"

double asr_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

AsrStatus asr_timer_create(AsrDevice *d, AsrTimer *t, uint32_t count)
{
    AsrStatus status = ASR_OK;
    memset(t, 0, sizeof(*t));
    t->count = ASR_MIN(count, ASR_TIMER_MAX_STAMPS);
    if (!d->timestamp_valid_bits || d->props.limits.timestampPeriod <= 0.0f) {
        asr_info(&d->log, "GPU timestamps unsupported on this queue; stage times read 0");
        return ASR_OK;
    }
    t->mask = d->timestamp_valid_bits >= 64 ? UINT64_MAX :
              (UINT64_C(1) << d->timestamp_valid_bits) - 1;
    t->period_ns = d->props.limits.timestampPeriod;
    VkQueryPoolCreateInfo qpci = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
        .queryType = VK_QUERY_TYPE_TIMESTAMP,
        .queryCount = t->count,
    };
    VK(&d->log, d->vk.vkCreateQueryPool(d->device, &qpci, NULL, &t->pool));
    return ASR_OK;

error:
    asr_timer_destroy(d, t);
    return status;
}

void asr_timer_destroy(AsrDevice *d, AsrTimer *t)
{
    if (t->pool)
        d->vk.vkDestroyQueryPool(d->device, t->pool, NULL);
    memset(t, 0, sizeof(*t));
}

void asr_timer_reset(AsrDevice *d, const AsrTimer *t, VkCommandBuffer cb)
{
    if (t->pool)
        d->vk.vkCmdResetQueryPool(cb, t->pool, 0, t->count);
}

void asr_timer_stamp(AsrDevice *d, const AsrTimer *t, VkCommandBuffer cb,
                     uint32_t index, VkPipelineStageFlagBits stage)
{
    if (t->pool && index < t->count)
        d->vk.vkCmdWriteTimestamp(cb, stage, t->pool, index);
}

void asr_timer_read(AsrDevice *d, const AsrTimer *t, double *ms)
{
    uint64_t stamps[ASR_TIMER_MAX_STAMPS];
    for (uint32_t i = 0; i + 1 < ASR_MAX(t->count, 1); i++)
        ms[i] = 0.0;
    if (!t->pool || t->count < 2)
        return;
    VkResult res = d->vk.vkGetQueryPoolResults(d->device, t->pool, 0, t->count,
                                               sizeof(stamps), stamps, sizeof(uint64_t),
                                               VK_QUERY_RESULT_64_BIT);
    if (res != VK_SUCCESS) {
        asr_dbg(&d->log, "timestamps unavailable: %s", asr_vkresult_to_string(res));
        return;
    }
    for (uint32_t i = 0; i + 1 < t->count; i++) {
        uint64_t delta = ((stamps[i + 1] & t->mask) - (stamps[i] & t->mask)) & t->mask;
        ms[i] = (double)delta * t->period_ns * 1e-6;
    }
}
