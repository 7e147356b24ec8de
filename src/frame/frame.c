/*
 * Frame geometry and staging copies.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "frame.h"

int asr_format_is_valid(AsrPixelFormat f)
{
    return f >= ASR_FORMAT_RGBA && f <= ASR_FORMAT_BGR10A2;
}

int asr_format_is_yuv(AsrPixelFormat f)
{
    return f == ASR_FORMAT_I420 || f == ASR_FORMAT_NV12 || f == ASR_FORMAT_P010 ||
           f == ASR_FORMAT_I420_10;
}

int asr_format_has_alpha(AsrPixelFormat f)
{
    return f == ASR_FORMAT_RGBA || f == ASR_FORMAT_BGRA || f == ASR_FORMAT_RGB10A2 ||
           f == ASR_FORMAT_BGR10A2;
}

int asr_format_bits(AsrPixelFormat f)
{
    return f >= ASR_FORMAT_P010 && f <= ASR_FORMAT_BGR10A2 ? 10 : 8;
}

const char *asr_format_name(AsrPixelFormat f)
{
    switch (f) {
    case ASR_FORMAT_RGBA: return "RGBA";
    case ASR_FORMAT_BGRA: return "BGRA";
    case ASR_FORMAT_RGBX: return "RGBx";
    case ASR_FORMAT_BGRX: return "BGRx";
    case ASR_FORMAT_I420: return "I420";
    case ASR_FORMAT_NV12: return "NV12";
    case ASR_FORMAT_P010: return "P010_10LE";
    case ASR_FORMAT_I420_10: return "I420_10LE";
    case ASR_FORMAT_RGB10A2: return "RGB10A2_LE";
    case ASR_FORMAT_BGR10A2: return "BGR10A2_LE";
    default: return "unknown";
    }
}

void asr_frame_layout(AsrPixelFormat format, uint32_t width, uint32_t height, AsrFrameLayout *l)
{
    memset(l, 0, sizeof(*l));
    /* in 64 bits: no size overflows at widths up to 2^32 - 1 */
    uint32_t cw = (uint32_t)(((uint64_t)width + 1) / 2), ch = (uint32_t)(((uint64_t)height + 1) / 2);
    uint64_t w = width, c = cw;
    switch (format) {
    case ASR_FORMAT_I420:
        l->num_planes = 3;
        l->width[0] = width, l->height[0] = height, l->row_bytes[0] = w;
        for (int i = 1; i < 3; i++)
            l->width[i] = cw, l->height[i] = ch, l->row_bytes[i] = c;
        break;
    case ASR_FORMAT_NV12:
        l->num_planes = 2;
        l->width[0] = width, l->height[0] = height, l->row_bytes[0] = w;
        l->width[1] = cw, l->height[1] = ch, l->row_bytes[1] = 2 * c;
        break;
    case ASR_FORMAT_I420_10: /* 16-bit samples */
        l->num_planes = 3;
        l->width[0] = width, l->height[0] = height, l->row_bytes[0] = 2 * w;
        for (int i = 1; i < 3; i++)
            l->width[i] = cw, l->height[i] = ch, l->row_bytes[i] = 2 * c;
        break;
    case ASR_FORMAT_P010:
        l->num_planes = 2;
        l->width[0] = width, l->height[0] = height, l->row_bytes[0] = 2 * w;
        l->width[1] = cw, l->height[1] = ch, l->row_bytes[1] = 4 * c;
        break;
    default:
        l->num_planes = 1;
        l->width[0] = width, l->height[0] = height, l->row_bytes[0] = 4 * w;
        break;
    }
    uint64_t off = 0;
    for (uint32_t i = 0; i < l->num_planes; i++) {
        l->offset[i] = off;
        l->stride[i] = ASR_ALIGN(l->row_bytes[i], 4);
        off = ASR_ALIGN(off + l->stride[i] * l->height[i], 16);
    }
    l->size = off;
}

AsrStatus asr_frame_check(const AsrFrameLayout *l, const AsrFrame *f)
{
    for (uint32_t i = 0; i < l->num_planes; i++) {
        if (!f->data[i] || f->stride[i] < l->row_bytes[i])
            return ASR_ERROR_INVALID_ARGUMENT;
    }
    return ASR_OK;
}

void asr_frame_to_staging(const AsrFrameLayout *l, const AsrFrame *src, uint8_t *dst)
{
    for (uint32_t i = 0; i < l->num_planes; i++) {
        uint8_t *d = dst + l->offset[i];
        const uint8_t *s = src->data[i];
        if (src->stride[i] == l->stride[i]) {
            memcpy(d, s, (size_t)(l->stride[i] * (l->height[i] - 1)) + l->row_bytes[i]);
            continue;
        }
        for (uint32_t y = 0; y < l->height[i]; y++)
            memcpy(d + y * l->stride[i], s + y * src->stride[i], l->row_bytes[i]);
    }
}

void asr_frame_from_staging(const AsrFrameLayout *l, const uint8_t *src, const AsrFrame *dst)
{
    for (uint32_t i = 0; i < l->num_planes; i++) {
        const uint8_t *s = src + l->offset[i];
        uint8_t *d = dst->data[i];
        for (uint32_t y = 0; y < l->height[i]; y++)
            memcpy(d + y * dst->stride[i], s + y * l->stride[i], l->row_bytes[i]);
    }
}
