/*
 * Bicubic resampler passes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "cmd.h"
#include "resample.h"
#include "shaders.h"

_Static_assert(sizeof(AsrResampleParams) == 48, "AsrResampleParams layout");

#define RS_LOCAL_X 16
#define RS_LOCAL_Y 8

AsrStatus asr_resample_create(AsrDevice *d, AsrResample *r)
{
    AsrStatus status;
    memset(r, 0, sizeof(*r));
    AsrPassDesc desc = {
        .shader = asr_shader(ASR_SHADER_BICUBIC),
        .num_buffers = 2,
        .push_size = sizeof(AsrResampleParams),
        .local_x = RS_LOCAL_X,
        .local_y = RS_LOCAL_Y,
        .num_spec = 1,
        .spec = { 0 }, /* ASR_SPEC_AXIS: horizontal */
    };
    status = asr_pass_create(d, &desc, &r->h);
    if (status < 0)
        goto error;
    desc.spec[0] = 1; /* vertical */
    status = asr_pass_create(d, &desc, &r->v);
    if (status < 0)
        goto error;
    return ASR_OK;

error:
    asr_resample_destroy(d, r);
    return status;
}

void asr_resample_destroy(AsrDevice *d, AsrResample *r)
{
    asr_pass_destroy(d, &r->h);
    asr_pass_destroy(d, &r->v);
}

uint64_t asr_resample_tmp_elems(const AsrResampleSize *s)
{
    return (uint64_t)s->out_w * s->in_h * s->planes;
}

void asr_resample_bind(AsrDevice *d, AsrResample *r, const AsrBufferRange *src,
                       const AsrBufferRange *tmp, const AsrBufferRange *dst)
{
    AsrBufferRange h[2] = { *src, *tmp };
    AsrBufferRange v[2] = { *tmp, *dst };
    asr_pass_bind(d, &r->h, 0, h);
    asr_pass_bind(d, &r->v, 0, v);
}

void asr_resample_groups(const AsrResample *r, const AsrResampleSize *s, uint32_t groups[2])
{
    groups[0] = asr_pass_groups_x(&r->h, s->out_w);
    groups[1] = asr_pass_groups_y(&r->v, ASR_MAX(s->in_h, s->out_h));
}

void asr_resample_record(AsrDevice *d, VkCommandBuffer cb, const AsrResample *r,
                         const AsrResampleSize *s)
{
    AsrResampleParams ph = {
        .src_w = s->in_w, .src_h = s->in_h,
        .dst_w = s->out_w, .dst_h = s->in_h,
        .src_plane_size = s->in_w * s->in_h,
        .dst_plane_size = s->out_w * s->in_h,
        .planes = s->planes,
        .quantize = s->levels ? s->levels : 255,
        .inv_quantize = 1.0f / (float)(s->levels ? s->levels : 255),
        .inv_scale = (float)((double)s->in_w / (double)s->out_w),
    };
    AsrResampleParams pv = {
        .src_w = s->out_w, .src_h = s->in_h,
        .dst_w = s->out_w, .dst_h = s->out_h,
        .src_plane_size = s->out_w * s->in_h,
        .dst_plane_size = s->out_w * s->out_h,
        .planes = s->planes,
        .quantize = 0,
        .inv_scale = (float)((double)s->in_h / (double)s->out_h),
    };
    asr_pass_dispatch(d, cb, &r->h, 0, &ph, ph.dst_w, ph.dst_h, 1);
    asr_cmd_compute_barrier(d, cb);
    asr_pass_dispatch(d, cb, &r->v, 0, &pv, pv.dst_w, pv.dst_h, 1);
}
