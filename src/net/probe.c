/*
 * The device's ceilings for the roofline (see probe.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "buffer.h"
#include "pipeline.h"
#include "probe.h"
#include "shaders.h"
#include "timer.h"

#define FMA_LOCAL 64
#define FMA_CHAINS 16          /* ASR_PROBE_CHAINS of probe_fma.comp */
#define FMA_TARGET_MS 25.0     /* grow the work until one run takes this long */
#define COPY_LOCAL 256
#define COPY_ROW (COPY_LOCAL * 1024u)
#define RUNS 3

typedef struct FmaPush { uint32_t iters; float a, b; } FmaPush;
typedef struct CopyPush { uint32_t n, row; } CopyPush;

/* GPU ms of one dispatch of gx x gy workgroups. */
static AsrStatus timed(AsrDevice *d, AsrCmd *cmd, const AsrTimer *t, const AsrPass *p,
                       const void *push, uint32_t gx, uint32_t gy, double *ms)
{
    AsrStatus status = asr_cmd_begin(d, cmd);
    if (status < 0)
        return status;
    asr_timer_reset(d, t, cmd->cb);
    asr_timer_stamp(d, t, cmd->cb, 0, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT);
    asr_pass_dispatch_groups(d, cmd->cb, p, 0, push, gx, gy, 1);
    asr_timer_stamp(d, t, cmd->cb, 1, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
    status = asr_cmd_submit_wait(d, cmd, NULL);
    if (status < 0)
        return status;
    asr_timer_read(d, t, ms);
    return ASR_OK;
}

/* Best G multiply-adds per second of the fp32 (fp16 = 0) or fp16 probe. */
static AsrStatus probe_fma(AsrDevice *d, AsrCmd *cmd, const AsrTimer *t, int fp16,
                           double *gmacs)
{
    AsrStatus status;
    AsrPass pass;
    AsrBuffer out = { 0 };
    int cpu = d->quirks.small_probes;
    /* enough invocations to fill every core of a large GPU; fewer on a CPU */
    uint32_t groups = cpu ? 256 : 8192;
    AsrPassDesc desc = {
        .shader = asr_shader(fp16 ? ASR_SHADER_PROBE_FMA_F16A : ASR_SHADER_PROBE_FMA_F32A),
        .num_buffers = 1, .push_size = sizeof(FmaPush), .local_x = FMA_LOCAL, .local_y = 1,
    };
    *gmacs = 0.0;
    status = asr_pass_create(d, &desc, &pass);
    if (status < 0)
        return status;
    if ((status = asr_pass_prepare(d, &pass)) < 0) /* not while timing */
        goto done;
    status = asr_buffer_create(d, &out, ASR_BUFFER_DEVICE,
                               (VkDeviceSize)groups * FMA_LOCAL * sizeof(float),
                               VK_BUFFER_USAGE_STORAGE_BUFFER_BIT);
    if (status < 0)
        goto done;
    AsrBufferRange r = { &out, 0, out.size };
    asr_pass_bind(d, &pass, 0, &r);
    FmaPush push = { 8, 0.999f, 0.001f };
    double ms = 0.0;
    /* grow the loop until a run is long enough to time */
    for (int i = 0; i < 12; i++) {
        status = timed(d, cmd, t, &pass, &push, groups, 1, &ms);
        if (status < 0)
            goto done;
        if (ms >= FMA_TARGET_MS || push.iters >= (1u << 22))
            break;
        double f = ms > 0.0 ? FMA_TARGET_MS / ms * 1.2 : 64.0;
        f = f < 2.0 ? 2.0 : f > 64.0 ? 64.0 : f;
        push.iters = (uint32_t)(push.iters * f);
    }
    double best = ms;
    for (int i = 0; i < RUNS; i++) {
        status = timed(d, cmd, t, &pass, &push, groups, 1, &ms);
        if (status < 0)
            goto done;
        if (ms > 0.0 && (best <= 0.0 || ms < best))
            best = ms;
    }
    double macs = (double)groups * FMA_LOCAL * push.iters * FMA_CHAINS * (fp16 ? 2 : 1);
    *gmacs = best > 0.0 ? macs / (best * 1e6) : 0.0;
    asr_dbg(&d->log, "probe: %s FMA %.3g multiply-adds in %.3f ms: %.2f GMAC/s",
            fp16 ? "fp16" : "fp32", macs, best, *gmacs);
done:
    asr_buffer_destroy(d, &out);
    asr_pass_destroy(d, &pass);
    return status;
}

static AsrStatus probe_copy(AsrDevice *d, AsrCmd *cmd, const AsrTimer *t, double *gbps)
{
    AsrStatus status;
    AsrPass pass;
    AsrBuffer src = { 0 }, dst = { 0 };
    int cpu = d->quirks.small_probes;
    uint64_t bytes = cpu ? (16ull << 20) : (64ull << 20);
    bytes = ASR_MIN(bytes, (uint64_t)d->props.limits.maxStorageBufferRange);
    bytes = ASR_MIN(bytes, (uint64_t)d->max_alloc);
    bytes &= ~(uint64_t)15;
    AsrPassDesc desc = {
        .shader = asr_shader(ASR_SHADER_PROBE_COPY), .num_buffers = 2, .push_size = sizeof(CopyPush),
        .local_x = COPY_LOCAL, .local_y = 1,
    };
    *gbps = 0.0;
    status = asr_pass_create(d, &desc, &pass);
    if (status < 0)
        return status;
    if ((status = asr_pass_prepare(d, &pass)) < 0) /* not while timing */
        goto done;
    if ((status = asr_buffer_create(d, &src, ASR_BUFFER_DEVICE, bytes,
                                    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT)) < 0 ||
        (status = asr_buffer_create(d, &dst, ASR_BUFFER_DEVICE, bytes,
                                    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT)) < 0)
        goto done;
    AsrBufferRange r[2] = { { &src, 0, bytes }, { &dst, 0, bytes } };
    asr_pass_bind(d, &pass, 0, r);
    uint32_t n = (uint32_t)(bytes / 16);
    CopyPush push = { n, ASR_MIN(n, COPY_ROW) };
    uint32_t gx = ASR_DIV_UP(push.row, COPY_LOCAL), gy = ASR_DIV_UP(n, push.row);
    double best = 0.0, ms;
    for (int i = 0; i < RUNS + 1; i++) { /* the first run touches the pages */
        status = timed(d, cmd, t, &pass, &push, gx, gy, &ms);
        if (status < 0)
            goto done;
        if (i > 0 && ms > 0.0 && (best <= 0.0 || ms < best))
            best = ms;
    }
    *gbps = best > 0.0 ? 2.0 * (double)n * 16.0 / (best * 1e6) : 0.0;
    asr_dbg(&d->log, "probe: copy of %llu bytes in %.3f ms: %.2f GB/s (read + written)",
            (unsigned long long)bytes, best, *gbps);
done:
    asr_buffer_destroy(d, &src);
    asr_buffer_destroy(d, &dst);
    asr_pass_destroy(d, &pass);
    return status;
}

AsrStatus asr_probe_ceiling(AsrDevice *d, AsrCmd *cmd, AsrCeiling *out)
{
    AsrTimer t;
    memset(out, 0, sizeof(*out));
    AsrStatus status = asr_timer_create(d, &t, 2);
    if (status < 0)
        return status;
    if (!t.pool) {
        asr_timer_destroy(d, &t);
        return ASR_ERROR_UNSUPPORTED;
    }
    status = probe_fma(d, cmd, &t, 0, &out->fp32_gmacs);
    if (status >= 0 && d->float16)
        status = probe_fma(d, cmd, &t, 1, &out->fp16_gmacs);
    if (status >= 0)
        status = probe_copy(d, cmd, &t, &out->copy_gbps);
    asr_timer_destroy(d, &t);
    return status;
}
