/*
 * Plain C reference of the engine's bicubic pipeline. Written from the
 * shader header comments (the .comp files in shaders/), in float with the same order of
 * operations, so that it matches the GPU to within one 8-bit level.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asr_test.h"
#include "ref_resample.h"

static int is_yuv(AsrPixelFormat f)
{
    return f == ASR_FORMAT_I420 || f == ASR_FORMAT_NV12 || f == ASR_FORMAT_P010 ||
           f == ASR_FORMAT_I420_10;
}
static int has_alpha(AsrPixelFormat f)
{
    return f == ASR_FORMAT_RGBA || f == ASR_FORMAT_BGRA || f == ASR_FORMAT_RGB10A2 ||
           f == ASR_FORMAT_BGR10A2;
}
static int is_bgr(AsrPixelFormat f)
{
    return f == ASR_FORMAT_BGRA || f == ASR_FORMAT_BGRX || f == ASR_FORMAT_BGR10A2;
}
static int bits_of(AsrPixelFormat f) { return test_format_is_16bit(f) || test_format_is_rgb10(f) ? 10 : 8; }

/* 16-bit little-endian word at byte p */
static unsigned rd16(const uint8_t *p) { return (unsigned)p[0] | ((unsigned)p[1] << 8); }
static void wr16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static unsigned rd32(const uint8_t *p) { return rd16(p) | (rd16(p + 2) << 16); }

/* YUV code value at byte p of a plane */
static float rd_sample(AsrPixelFormat f, const uint8_t *p)
{
    if (f == ASR_FORMAT_P010)
        return (float)(rd16(p) >> 6);
    if (f == ASR_FORMAT_I420_10)
        return (float)(rd16(p) & 0x3ff);
    return (float)p[0];
}

static void wr_sample(AsrPixelFormat f, uint8_t *p, unsigned code)
{
    if (f == ASR_FORMAT_P010)
        wr16(p, code << 6);
    else if (f == ASR_FORMAT_I420_10)
        wr16(p, code);
    else
        p[0] = (uint8_t)code;
}

int ref_plane_geometry(AsrPixelFormat f, uint32_t w, uint32_t h,
                       uint32_t row_bytes[ASR_MAX_PLANES], uint32_t rows[ASR_MAX_PLANES])
{
    uint32_t cw = (w + 1) / 2, ch = (h + 1) / 2;
    if (f == ASR_FORMAT_I420_10) {
        row_bytes[0] = 2 * w, rows[0] = h;
        row_bytes[1] = row_bytes[2] = 2 * cw;
        rows[1] = rows[2] = ch;
        return 3;
    }
    if (f == ASR_FORMAT_P010) {
        row_bytes[0] = 2 * w, rows[0] = h;
        row_bytes[1] = 4 * cw, rows[1] = ch;
        return 2;
    }
    if (f == ASR_FORMAT_I420) {
        row_bytes[0] = w, rows[0] = h;
        row_bytes[1] = row_bytes[2] = cw;
        rows[1] = rows[2] = ch;
        return 3;
    }
    if (f == ASR_FORMAT_NV12) {
        row_bytes[0] = w, rows[0] = h;
        row_bytes[1] = 2 * cw, rows[1] = ch;
        return 2;
    }
    row_bytes[0] = 4 * w, rows[0] = h;
    return 1;
}

static void kr_kb(AsrColorMatrix m, double *kr, double *kb)
{
    if (m == ASR_MATRIX_BT709)
        *kr = 0.2126, *kb = 0.0722;
    else if (m == ASR_MATRIX_BT2020)
        *kr = 0.2627, *kb = 0.0593;
    else
        *kr = 0.299, *kb = 0.114;
}

/* Limited range: Y 16..235, C 16..240 times 2^(bits-8); full: 0..2^bits-1;
 * chroma centred on 2^(bits-1). */
static void range_of(const AsrFrameInfo *fi, double *yo, double *ys, double *cs, double *mid,
                     double *max)
{
    int bits = bits_of(fi->format);
    double u = bits == 10 ? 4.0 : 1.0;
    int full = fi->range == ASR_RANGE_FULL;
    *max = bits == 10 ? 1023.0 : 255.0;
    *mid = 128.0 * u;
    *yo = full ? 0.0 : 16.0 * u;
    *ys = full ? *max : 219.0 * u;
    *cs = full ? *max : 224.0 * u;
}

/* RGB = M (Y, Cb, Cr, 1) with code-valued inputs. */
static void yuv2rgb_matrix(const AsrFrameInfo *fi, float m[3][4])
{
    double kr, kb;
    kr_kb(fi->matrix, &kr, &kb);
    double kg = 1.0 - kr - kb;
    double yo, ys, cs, mid, max;
    range_of(fi, &yo, &ys, &cs, &mid, &max);
    /* R = Y' + 2(1-kr) Cr', B = Y' + 2(1-kb) Cb', G = (Y' - kr R - kb B) / kg */
    double cr_r = 2.0 * (1.0 - kr) / cs;
    double cb_b = 2.0 * (1.0 - kb) / cs;
    double cb_g = -kb * cb_b / kg;
    double cr_g = -kr * cr_r / kg;
    double coef[3][3] = { { 1.0 / ys, 0.0, cr_r }, { 1.0 / ys, cb_g, cr_g }, { 1.0 / ys, cb_b, 0.0 } };
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++)
            m[i][j] = (float)coef[i][j];
        m[i][3] = (float)(-yo / ys - mid * (coef[i][1] + coef[i][2]));
    }
}

/* (Y, Cb, Cr) / max = M (R, G, B, 1). */
static void rgb2yuv_matrix(const AsrFrameInfo *fi, float m[3][4])
{
    double kr, kb;
    kr_kb(fi->matrix, &kr, &kb);
    double kg = 1.0 - kr - kb;
    double yo, ys, cs, mid, max;
    range_of(fi, &yo, &ys, &cs, &mid, &max);
    double rows[3][3] = {
        { kr, kg, kb },
        { -kr / (2.0 * (1.0 - kb)), -kg / (2.0 * (1.0 - kb)), (1.0 - kb) / (2.0 * (1.0 - kb)) },
        { (1.0 - kr) / (2.0 * (1.0 - kr)), -kg / (2.0 * (1.0 - kr)), -kb / (2.0 * (1.0 - kr)) },
    };
    double scale[3] = { ys, cs, cs }, off[3] = { yo, mid, mid };
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++)
            m[i][j] = (float)(rows[i][j] * scale[i] / max);
        m[i][3] = (float)(off[i] / max);
    }
}

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }
static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
static uint8_t to_byte(float v) { return (uint8_t)floorf(clampf(v, 0.0f, 1.0f) * 255.0f + 0.5f); }
static unsigned to_levels(float v, float l) { return (unsigned)floorf(clampf(v, 0.0f, 1.0f) * l + 0.5f); }

static float dot4(const float m[4], float a, float b, float c)
{
    float r = m[0] * a;
    r = r + m[1] * b;
    r = r + m[2] * c;
    r = r + m[3] * 1.0f;
    return r;
}

/* Chroma byte (k = 0: Cb, 1: Cr) at chroma sample (i, j). */
static float chroma_byte(const AsrFrameInfo *fi, const AsrFrame *f, int i, int j, int k)
{
    size_t bps = test_format_is_16bit(fi->format) ? 2 : 1;
    if (fi->format == ASR_FORMAT_NV12 || fi->format == ASR_FORMAT_P010)
        return rd_sample(fi->format, f->data[1] + (size_t)j * f->stride[1] +
                                         ((size_t)i * 2 + (size_t)k) * bps);
    return rd_sample(fi->format, f->data[1 + k] + (size_t)j * f->stride[1 + k] + (size_t)i * bps);
}

static void unpack(const AsrFrameInfo *fi, const AsrFrame *f, float *dst, size_t plane)
{
    const float inv255 = 1.0f / 255.0f;
    float m[3][4];
    int w = (int)fi->width, h = (int)fi->height;
    if (is_yuv(fi->format))
        yuv2rgb_matrix(fi, m);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            size_t idx = (size_t)y * w + x;
            float rgba[4];
            if (is_yuv(fi->format)) {
                int cw = (w + 1) / 2, ch = (h + 1) / 2;
                float cx = fi->chroma_cosited_h ? (float)x * 0.5f : (float)x * 0.5f - 0.25f;
                float cy = fi->chroma_cosited_v ? (float)y * 0.5f : (float)y * 0.5f - 0.25f;
                float fx0 = floorf(cx), fy0 = floorf(cy);
                float fx = cx - fx0, fy = cy - fy0;
                int i0 = clampi((int)fx0, 0, cw - 1), i1 = clampi((int)fx0 + 1, 0, cw - 1);
                int j0 = clampi((int)fy0, 0, ch - 1), j1 = clampi((int)fy0 + 1, 0, ch - 1);
                float c[2];
                for (int k = 0; k < 2; k++) {
                    float c00 = chroma_byte(fi, f, i0, j0, k), c10 = chroma_byte(fi, f, i1, j0, k);
                    float c01 = chroma_byte(fi, f, i0, j1, k), c11 = chroma_byte(fi, f, i1, j1, k);
                    float top = c00 + (c10 - c00) * fx;
                    float bot = c01 + (c11 - c01) * fx;
                    c[k] = top + (bot - top) * fy;
                }
                size_t bps = test_format_is_16bit(fi->format) ? 2 : 1;
                float yv = rd_sample(fi->format, f->data[0] + (size_t)y * f->stride[0] + x * bps);
                for (int k = 0; k < 3; k++)
                    rgba[k] = clampf(dot4(m[k], yv, c[0], c[1]), 0.0f, 1.0f);
                rgba[3] = 1.0f;
            } else if (test_format_is_rgb10(fi->format)) {
                unsigned wd = rd32(f->data[0] + (size_t)y * f->stride[0] + (size_t)x * 4);
                for (int k = 0; k < 3; k++)
                    rgba[k] = (float)((wd >> (10 * k)) & 0x3ff) * (1.0f / 1023.0f);
                rgba[3] = (float)(wd >> 30) * (1.0f / 3.0f);
                if (is_bgr(fi->format)) {
                    float t = rgba[0];
                    rgba[0] = rgba[2];
                    rgba[2] = t;
                }
            } else {
                const uint8_t *px = f->data[0] + (size_t)y * f->stride[0] + (size_t)x * 4;
                for (int k = 0; k < 4; k++)
                    rgba[k] = (float)px[k] * inv255;
                if (is_bgr(fi->format)) {
                    float t = rgba[0];
                    rgba[0] = rgba[2];
                    rgba[2] = t;
                }
            }
            int planes = has_alpha(fi->format) ? 4 : 3;
            for (int k = 0; k < planes; k++)
                dst[k * plane + idx] = rgba[k];
        }
    }
}

static float keys(float x)
{
    const float a = -0.5f;
    x = fabsf(x);
    if (x < 1.0f)
        return ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f;
    if (x < 2.0f)
        return (((x - 5.0f) * x + 8.0f) * x - 4.0f) * a;
    return 0.0f;
}

#define MAX_TAPS 5

/* One separable pass; axis 0 = horizontal. */
static void bicubic(const float *src, int sw, int sh, float *dst, int dw, int dh, int planes,
                    int axis, int quantize, float levels)
{
    int src_len = axis == 0 ? sw : sh;
    int dst_len = axis == 0 ? dw : dh;
    float inv_scale = (float)((double)src_len / (double)dst_len);
    for (int y = 0; y < dh; y++) {
        for (int x = 0; x < dw; x++) {
            int d = axis == 0 ? x : y;
            float center = ((float)d + 0.5f) * inv_scale;
            int jmin = (int)(center - 2.0f + 0.5f);
            int jmax = (int)(center + 2.0f + 0.5f);
            if (jmin < 0)
                jmin = 0;
            if (jmax > src_len)
                jmax = src_len;
            int n = jmax - jmin < MAX_TAPS ? jmax - jmin : MAX_TAPS;
            float w[MAX_TAPS];
            float wsum = 0.0f;
            for (int k = 0; k < MAX_TAPS; k++) {
                float t = (float)(jmin + k) - center + 0.5f;
                w[k] = k < n ? keys(t) : 0.0f;
                wsum += w[k];
            }
            size_t base = axis == 0 ? (size_t)y * sw + jmin : (size_t)jmin * sw + x;
            size_t step = axis == 0 ? 1 : (size_t)sw;
            for (int pl = 0; pl < planes; pl++) {
                const float *s = src + (size_t)pl * sw * sh + base;
                float acc = 0.0f;
                for (int k = 0; k < n; k++)
                    acc += w[k] * s[k * step];
                float v = acc / wsum;
                if (quantize)
                    v = floorf(clampf(v, 0.0f, 1.0f) * levels + 0.5f) * (1.0f / levels);
                dst[(size_t)pl * dw * dh + (size_t)y * dw + x] = v;
            }
        }
    }
}

static void load_rgb(const float *src, size_t plane, int w, int x, int y, float rgb[3])
{
    size_t idx = (size_t)y * w + x;
    for (int k = 0; k < 3; k++)
        rgb[k] = clampf(src[k * plane + idx], 0.0f, 1.0f);
}

static void pack(const AsrFrameInfo *fi, const float *src, const AsrFrame *f)
{
    int w = (int)fi->width, h = (int)fi->height;
    size_t plane = (size_t)w * h;
    if (test_format_is_rgb10(fi->format)) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                size_t idx = (size_t)y * w + x;
                unsigned c[4] = { to_levels(src[idx], 1023.0f), to_levels(src[plane + idx], 1023.0f),
                                  to_levels(src[2 * plane + idx], 1023.0f), 3 };
                if (has_alpha(fi->format))
                    c[3] = to_levels(src[3 * plane + idx], 3.0f);
                if (is_bgr(fi->format)) {
                    unsigned t = c[0];
                    c[0] = c[2];
                    c[2] = t;
                }
                unsigned wd = c[0] | (c[1] << 10) | (c[2] << 20) | (c[3] << 30);
                uint8_t *px = f->data[0] + (size_t)y * f->stride[0] + (size_t)x * 4;
                wr16(px, wd & 0xffff);
                wr16(px + 2, wd >> 16);
            }
        }
        return;
    }
    if (!is_yuv(fi->format)) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                size_t idx = (size_t)y * w + x;
                uint8_t c[4] = { to_byte(src[idx]), to_byte(src[plane + idx]),
                                 to_byte(src[2 * plane + idx]), 255 };
                if (has_alpha(fi->format))
                    c[3] = to_byte(src[3 * plane + idx]);
                if (is_bgr(fi->format)) {
                    uint8_t t = c[0];
                    c[0] = c[2];
                    c[2] = t;
                }
                memcpy(f->data[0] + (size_t)y * f->stride[0] + (size_t)x * 4, c, 4);
            }
        }
        return;
    }
    float m[3][4];
    rgb2yuv_matrix(fi, m);
    float lv = bits_of(fi->format) == 10 ? 1023.0f : 255.0f;
    size_t bps = test_format_is_16bit(fi->format) ? 2 : 1;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            float rgb[3];
            load_rgb(src, plane, w, x, y, rgb);
            wr_sample(fi->format, f->data[0] + (size_t)y * f->stride[0] + x * bps,
                      to_levels(dot4(m[0], rgb[0], rgb[1], rgb[2]), lv));
        }
    }
    int cw = (w + 1) / 2, ch = (h + 1) / 2;
    int chs = fi->chroma_cosited_h != 0, cvs = fi->chroma_cosited_v != 0;
    const float w3[3] = { 0.25f, 0.5f, 0.25f }, w2[3] = { 0.5f, 0.5f, 0.0f };
    for (int j = 0; j < ch; j++) {
        for (int i = 0; i < cw; i++) {
            int xs = chs ? 2 * i - 1 : 2 * i, ys = cvs ? 2 * j - 1 : 2 * j;
            const float *wx = chs ? w3 : w2, *wy = cvs ? w3 : w2;
            int nx = chs ? 3 : 2, ny = cvs ? 3 : 2;
            float acc[3] = { 0.0f, 0.0f, 0.0f };
            for (int b = 0; b < ny; b++) {
                int yy = clampi(ys + b, 0, h - 1);
                float row[3] = { 0.0f, 0.0f, 0.0f };
                for (int a = 0; a < nx; a++) {
                    float rgb[3];
                    load_rgb(src, plane, w, clampi(xs + a, 0, w - 1), yy, rgb);
                    for (int k = 0; k < 3; k++)
                        row[k] += wx[a] * rgb[k];
                }
                for (int k = 0; k < 3; k++)
                    acc[k] += wy[b] * row[k];
            }
            unsigned cb = to_levels(dot4(m[1], acc[0], acc[1], acc[2]), lv);
            unsigned cr = to_levels(dot4(m[2], acc[0], acc[1], acc[2]), lv);
            if (fi->format == ASR_FORMAT_NV12 || fi->format == ASR_FORMAT_P010) {
                uint8_t *row = f->data[1] + (size_t)j * f->stride[1];
                wr_sample(fi->format, row + 2 * (size_t)i * bps, cb);
                wr_sample(fi->format, row + (2 * (size_t)i + 1) * bps, cr);
            } else {
                wr_sample(fi->format, f->data[1] + (size_t)j * f->stride[1] + i * bps, cb);
                wr_sample(fi->format, f->data[2] + (size_t)j * f->stride[2] + i * bps, cr);
            }
        }
    }
}

int ref_resample(const AsrFrameInfo *in, const AsrFrame *src,
                 const AsrFrameInfo *out, const AsrFrame *dst)
{
    int planes = has_alpha(in->format) ? 4 : 3;
    int iw = (int)in->width, ih = (int)in->height, ow = (int)out->width, oh = (int)out->height;
    float *lr = malloc(sizeof(float) * planes * iw * ih);
    float *tmp = malloc(sizeof(float) * planes * ow * ih);
    float *hr = malloc(sizeof(float) * planes * ow * oh);
    int ret = -1;
    if (!lr || !tmp || !hr)
        goto end;
    unpack(in, src, lr, (size_t)iw * ih);
    float levels = bits_of(in->format) == 10 ? 1023.0f : 255.0f;
    bicubic(lr, iw, ih, tmp, ow, ih, planes, 0, 1, levels);
    bicubic(tmp, ow, ih, hr, ow, oh, planes, 1, 0, levels);
    pack(out, hr, dst);
    ret = 0;
end:
    free(lr);
    free(tmp);
    free(hr);
    return ret;
}
