/*
 * Frame I/O passes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "color.h"
#include "io.h"
#include "shaders.h"

_Static_assert(sizeof(AsrIoParams) == 112, "AsrIoParams layout");
_Static_assert(offsetof(AsrIoParams, format) == 48, "AsrIoParams layout");
_Static_assert(ASR_SHADER_FMT_RGBA == ASR_FORMAT_RGBA && ASR_SHADER_FMT_BGRA == ASR_FORMAT_BGRA &&
               ASR_SHADER_FMT_RGBX == ASR_FORMAT_RGBX && ASR_SHADER_FMT_BGRX == ASR_FORMAT_BGRX &&
               ASR_SHADER_FMT_I420 == ASR_FORMAT_I420 && ASR_SHADER_FMT_NV12 == ASR_FORMAT_NV12 &&
               ASR_SHADER_FMT_P010 == ASR_FORMAT_P010 &&
               ASR_SHADER_FMT_I420_10 == ASR_FORMAT_I420_10 &&
               ASR_SHADER_FMT_RGB10A2 == ASR_FORMAT_RGB10A2 &&
               ASR_SHADER_FMT_BGR10A2 == ASR_FORMAT_BGR10A2,
               "shader format codes");

#define IO_LOCAL_X 16
#define IO_LOCAL_Y 8

AsrStatus asr_io_create(AsrDevice *d, AsrIo *io)
{
    AsrStatus status;
    memset(io, 0, sizeof(*io));
    AsrPassDesc desc = {
        .shader = asr_shader(ASR_SHADER_UNPACK),
        .num_buffers = 2,
        .push_size = sizeof(AsrIoParams),
        .local_x = IO_LOCAL_X,
        .local_y = IO_LOCAL_Y,
    };
    status = asr_pass_create(d, &desc, &io->unpack);
    if (status < 0)
        goto error;
    desc.shader = asr_shader(ASR_SHADER_PACK);
    status = asr_pass_create(d, &desc, &io->pack);
    if (status < 0)
        goto error;
    return ASR_OK;

error:
    asr_io_destroy(d, io);
    return status;
}

void asr_io_destroy(AsrDevice *d, AsrIo *io)
{
    asr_pass_destroy(d, &io->unpack);
    asr_pass_destroy(d, &io->pack);
}

void asr_io_params(const AsrFrameInfo *info, const AsrFrameLayout *l, uint32_t plane_size,
                   int to_rgb, AsrIoParams *p)
{
    float m[3][4];
    memset(p, 0, sizeof(*p));
    if (asr_format_is_yuv(info->format)) {
        if (to_rgb)
            asr_color_yuv_to_rgb(info->matrix, info->range, asr_format_bits(info->format), m);
        else
            asr_color_rgb_to_yuv(info->matrix, info->range, asr_format_bits(info->format), m);
        memcpy(p->m0, m[0], sizeof(p->m0));
        memcpy(p->m1, m[1], sizeof(p->m1));
        memcpy(p->m2, m[2], sizeof(p->m2));
    }
    p->format = (uint32_t)info->format;
    p->width = info->width;
    p->height = info->height;
    p->plane_size = plane_size;
    p->rows = info->height;
    p->offset0 = (uint32_t)l->offset[0];
    p->offset1 = (uint32_t)l->offset[1];
    p->offset2 = (uint32_t)l->offset[2];
    p->stride0 = (uint32_t)l->stride[0];
    p->stride1 = (uint32_t)l->stride[1];
    p->stride2 = (uint32_t)l->stride[2];
    p->flags = (info->chroma_cosited_h ? ASR_IO_COSITED_H : 0) |
               (info->chroma_cosited_v ? ASR_IO_COSITED_V : 0) |
               (asr_format_has_alpha(info->format) ? ASR_IO_ALPHA : 0);
}

/* Pack of a YUV format: 32-bit words of a luma row (the widest row: 4 samples
 * per word at 8 bits, 2 at 16). */
static uint32_t pack_words_x(AsrPixelFormat f, uint32_t width)
{
    return ASR_DIV_UP(width, asr_format_bits(f) > 8 ? 2 : 4);
}

void asr_io_groups(const AsrIo *io, const AsrFrameInfo *info, int pack, uint32_t groups[3])
{
    const AsrPass *p = pack ? &io->pack : &io->unpack;
    uint32_t w = info->width;
    if (pack && asr_format_is_yuv(info->format))
        w = pack_words_x(info->format, info->width);
    groups[0] = asr_pass_groups_x(p, w);
    groups[1] = asr_pass_groups_y(p, info->height);
    groups[2] = pack && asr_format_is_yuv(info->format) ? 2 : 1;
}

void asr_io_record_unpack(AsrDevice *d, VkCommandBuffer cb, const AsrIo *io, const AsrIoParams *p)
{
    asr_pass_dispatch(d, cb, &io->unpack, 0, p, p->width, p->height, 1);
}

void asr_io_record_pack(AsrDevice *d, VkCommandBuffer cb, const AsrIo *io, const AsrIoParams *p)
{
    int yuv = asr_format_is_yuv((AsrPixelFormat)p->format);
    uint32_t w = yuv ? pack_words_x((AsrPixelFormat)p->format, p->width) : p->width;
    asr_pass_dispatch(d, cb, &io->pack, 0, p, w, p->rows, yuv ? 2 : 1);
}
