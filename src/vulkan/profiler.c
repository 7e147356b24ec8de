/*
 * Per-pass GPU profile of a frame (see profiler.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "profiler.h"

AsrStatus asr_prof_create(AsrDevice *d, AsrProfiler **out)
{
    AsrProfiler *p = calloc(1, sizeof(*p));
    *out = NULL;
    if (!p)
        return ASR_ERROR_NO_MEMORY;
    if (d->timestamp_valid_bits && d->props.limits.timestampPeriod > 0.0f) {
        p->mask = d->timestamp_valid_bits >= 64 ? UINT64_MAX :
                  (UINT64_C(1) << d->timestamp_valid_bits) - 1;
        p->period_ns = d->props.limits.timestampPeriod;
    } else {
        asr_info(&d->log, "profiling: no GPU timestamps on this queue; pass times read 0");
    }
    p->wanted = ASR_PROF_MIN_STAMPS;
    *out = p;
    return ASR_OK;
}

void asr_prof_destroy(AsrDevice *d, AsrProfiler **pp)
{
    AsrProfiler *p = pp ? *pp : NULL;
    if (!p)
        return;
    if (d->prof == p)
        d->prof = NULL;
    if (p->pool)
        d->vk.vkDestroyQueryPool(d->device, p->pool, NULL);
    free(p->stamp_row);
    free(p);
    *pp = NULL;
}

/* A pool of at least p->wanted stamps (the device has finished with the old
 * one: asr_cmd_begin() waited for any pending submission). */
static AsrStatus grow(AsrDevice *d, AsrProfiler *p)
{
    AsrStatus status = ASR_OK;
    /* + the stamp kept for asr_prof_finish() */
    uint32_t n = ASR_MIN(ASR_MAX(p->wanted + 1, ASR_PROF_MIN_STAMPS), ASR_PROF_MAX_STAMPS);
    if (!p->period_ns || (p->pool && n <= p->capacity))
        return ASR_OK;
    n = ASR_MIN(ASR_MAX(n, 2 * p->capacity), ASR_PROF_MAX_STAMPS);
    int32_t *rows = calloc(n, sizeof(*rows));
    if (!rows)
        return ASR_ERROR_NO_MEMORY;
    VkQueryPool pool = VK_NULL_HANDLE;
    VkQueryPoolCreateInfo qpci = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
        .queryType = VK_QUERY_TYPE_TIMESTAMP,
        .queryCount = n,
    };
    VK(&d->log, d->vk.vkCreateQueryPool(d->device, &qpci, NULL, &pool));
    if (p->pool)
        d->vk.vkDestroyQueryPool(d->device, p->pool, NULL);
    free(p->stamp_row);
    p->pool = pool;
    p->stamp_row = rows;
    p->capacity = n;
    asr_dbg(&d->log, "profiling: a pool of %u timestamps", n);
    return ASR_OK;

error:
    free(rows);
    return status;
}

AsrStatus asr_prof_begin(AsrDevice *d, AsrProfiler *p, VkCommandBuffer cb)
{
    AsrStatus status = grow(d, p);
    if (status < 0)
        return status;
    p->n_rows = 0;
    p->used = 0;
    p->wanted = 1;
    p->tag = NULL;
    p->active = 1;
    if (p->pool) {
        d->vk.vkCmdResetQueryPool(cb, p->pool, 0, p->capacity);
        d->vk.vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, p->pool, 0);
        p->stamp_row[0] = -1;
        p->used = 1;
    }
    return ASR_OK;
}

/* Row `name` of the frame being recorded (the last row, "other", once the
 * table is full). */
static int32_t row_of(AsrProfiler *p, const char *name)
{
    for (uint32_t i = 0; i < p->n_rows; i++)
        if (!strncmp(p->rows[i].name, name, ASR_PROF_NAME - 1))
            return (int32_t)i;
    if (p->n_rows == ASR_PROF_MAX_ROWS)
        return ASR_PROF_MAX_ROWS - 1;
    AsrProfRow *r = &p->rows[p->n_rows];
    memset(r, 0, sizeof(*r));
    strncpy(r->name, p->n_rows == ASR_PROF_MAX_ROWS - 1 ? "other" : name, ASR_PROF_NAME - 1);
    return (int32_t)p->n_rows++;
}

static void stamp(AsrDevice *d, AsrProfiler *p, VkCommandBuffer cb, int32_t row,
                  VkPipelineStageFlagBits stage)
{
    p->wanted++;
    /* the pool's last stamp is kept for asr_prof_finish() */
    if (!p->pool || p->used + 1 >= p->capacity)
        return;
    d->vk.vkCmdWriteTimestamp(cb, stage, p->pool, p->used);
    p->stamp_row[p->used++] = row;
}

void asr_prof_mark(AsrDevice *d, VkCommandBuffer cb, const char *name, double macs,
                   double bytes, VkPipelineStageFlagBits stage)
{
    AsrProfiler *p = d->prof;
    if (!p || !p->active)
        return;
    int32_t row = row_of(p, name);
    p->rows[row].dispatches++;
    p->rows[row].macs += macs;
    p->rows[row].bytes += bytes;
    stamp(d, p, cb, row, stage);
}

void asr_prof_tag(AsrDevice *d, const char *name, double macs, double bytes)
{
    AsrProfiler *p = d->prof;
    if (!p || !p->active)
        return;
    p->tag = name;
    p->tag_macs = macs;
    p->tag_bytes = bytes;
}

void asr_prof_dispatched(AsrDevice *d, VkCommandBuffer cb, const char *fallback)
{
    AsrProfiler *p = d->prof;
    if (!p || !p->active)
        return;
    const char *name = p->tag ? p->tag : fallback ? fallback : "dispatch";
    double macs = p->tag ? p->tag_macs : 0.0, bytes = p->tag ? p->tag_bytes : 0.0;
    p->tag = NULL;
    asr_prof_mark(d, cb, name, macs, bytes, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT);
}

void asr_prof_gap(AsrDevice *d, VkCommandBuffer cb)
{
    AsrProfiler *p = d->prof;
    if (!p || !p->active)
        return;
    /* the barrier that starts the submission is before this stamp: the
     * interval is the host's wait, the resubmission and that barrier */
    asr_prof_mark(d, cb, "split.wait", 0.0, 0.0, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT);
}

void asr_prof_add(AsrProfiler *p, const char *name, double macs, double bytes)
{
    if (!p || !p->active)
        return;
    int32_t row = row_of(p, name);
    p->rows[row].macs += macs;
    p->rows[row].bytes += bytes;
}

void asr_prof_finish(AsrDevice *d, VkCommandBuffer cb)
{
    AsrProfiler *p = d->prof;
    if (!p || !p->active || !p->pool || p->wanted <= p->used || p->used >= p->capacity)
        return;
    int32_t row = row_of(p, "untimed");
    d->vk.vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, p->pool, p->used);
    p->stamp_row[p->used++] = row;
}

void asr_prof_end(AsrDevice *d, AsrProfiler *p)
{
    if (!p || !p->active)
        return;
    p->active = 0;
    if (p->pool && p->used >= 2) {
        uint64_t *t = malloc((size_t)p->used * sizeof(uint64_t));
        VkResult res = t ? d->vk.vkGetQueryPoolResults(d->device, p->pool, 0, p->used,
                                                       (size_t)p->used * sizeof(uint64_t), t,
                                                       sizeof(uint64_t), VK_QUERY_RESULT_64_BIT)
                         : VK_ERROR_OUT_OF_HOST_MEMORY;
        if (res == VK_SUCCESS) {
            for (uint32_t i = 1; i < p->used; i++) {
                int32_t row = p->stamp_row[i];
                uint64_t delta = ((t[i] & p->mask) - (t[i - 1] & p->mask)) & p->mask;
                if (row >= 0)
                    p->rows[row].ms += (double)delta * p->period_ns * 1e-6;
            }
        } else {
            asr_dbg(&d->log, "profiling: timestamps unavailable: %s", asr_vkresult_to_string(res));
        }
        free(t);
    }
    if (p->wanted > p->used)
        asr_dbg(&d->log, "profiling: the frame needed %u timestamps, the pool has %u; it grows "
                "for the next frame", p->wanted, p->capacity);
    memcpy(p->last, p->rows, p->n_rows * sizeof(AsrProfRow));
    p->n_last = p->n_rows;
}

void asr_prof_abort(AsrProfiler *p)
{
    if (p)
        p->active = 0;
}
