/*
 * Plain C references of the network shaders.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdlib.h>

#include "ref_net.h"

void ref_conv3x3(const float *in, uint32_t w, uint32_t h, uint32_t c_in, uint32_t c_out,
                 const float *weight, uint32_t cin_stride, const float *bias, const float *att,
                 const float *res, float *out)
{
    size_t n = (size_t)w * h;
    for (uint32_t co = 0; co < c_out; co++) {
        for (uint32_t y = 0; y < h; y++) {
            for (uint32_t x = 0; x < w; x++) {
                double acc = bias[co];
                for (uint32_t ci = 0; ci < c_in; ci++) {
                    for (int ky = 0; ky < 3; ky++) {
                        for (int kx = 0; kx < 3; kx++) {
                            int yy = (int)y + ky - 1, xx = (int)x + kx - 1;
                            if (yy < 0 || xx < 0 || yy >= (int)h || xx >= (int)w)
                                continue;
                            double v = in[ci * n + (size_t)yy * w + (size_t)xx];
                            if (att)
                                v = fmax(v * att[ci], 0.0);
                            acc += weight[((size_t)co * cin_stride + ci) * 9 + (size_t)ky * 3 +
                                          (size_t)kx] * v;
                        }
                    }
                }
                if (res)
                    acc += res[co * n + (size_t)y * w + x];
                out[co * n + (size_t)y * w + x] = (float)acc;
            }
        }
    }
}

void ref_sa(const AsrModel *m, uint32_t block, const float *y, uint32_t w, uint32_t h,
            uint32_t c, float sx, float sy, float *att)
{
    const AsrArch *a = &m->arch;
    const float *W = m->weights;
    size_t n = (size_t)w * h;
    double g[ASR_MODEL_MAX_F], v[ASR_MODEL_MAX_SA_IN], hid[ASR_MODEL_MAX_SA_HIDDEN];
    for (uint32_t j = 0; j < c; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += y[j * n + i];
        g[j] = s / (double)n;
    }
    uint32_t nv = 0;
    for (uint32_t j = 0; j < c; j += a->chunk) {
        for (uint32_t k = 0; k < a->chunk; k++)
            v[nv++] = g[j + k];
        v[nv++] = sx;
        v[nv++] = sy;
    }
    uint32_t stride = a->F + a->F / a->chunk * 2;
    for (uint32_t j = 0; j < a->sa_hidden; j++) {
        double s = W[m->off.fc1[block].b + j];
        for (uint32_t i = 0; i < nv; i++)
            s += W[m->off.fc1[block].w + j * stride + i] * v[i];
        hid[j] = fmax(s, 0.0);
    }
    for (uint32_t j = 0; j < c; j++) {
        double s = W[m->off.fc2[block].b + j];
        for (uint32_t i = 0; i < a->sa_hidden; i++)
            s += W[m->off.fc2[block].w + j * a->sa_hidden + i] * hid[i];
        att[j] = (float)(1.0 / (1.0 + exp(-s)));
    }
}

static void axis(uint32_t X, uint32_t n_in, uint32_t n_out, uint32_t *i, float *rel)
{
    int64_t num = (2 * (int64_t)X + 1) * n_in, den = 2 * (int64_t)n_out;
    int64_t ii = num / den;
    if (ii > (int64_t)n_in - 1)
        ii = n_in - 1;
    *i = (uint32_t)ii;
    *rel = (float)(num - (2 * ii + 1) * n_out) / (float)den;
}

static void base_axis(uint32_t X, uint32_t n_in, uint32_t n_out, uint32_t *b0, uint32_t *b1,
                      float *f)
{
    int64_t den = 2 * (int64_t)n_out;
    int64_t num = (2 * (int64_t)X + 1) * n_in - n_out;
    if (num < 0)
        num = 0;
    *b0 = (uint32_t)(num / den);
    *f = (float)(num - (int64_t)*b0 * den) / (float)den;
    *b1 = *b0 + 1 < n_in ? *b0 + 1 : n_in - 1;
}

void ref_dec_input(const AsrModel *m, const float *enc, uint32_t w, uint32_t h, uint32_t W,
                   uint32_t H, uint32_t X, uint32_t Y, float *inp)
{
    uint32_t F = m->arch.F, ix, iy;
    axis(X, w, W, &ix, &inp[F]);
    axis(Y, h, H, &iy, &inp[F + 1]);
    inp[F + 2] = (float)w / (float)W;
    inp[F + 3] = (float)h / (float)H;
    for (uint32_t c = 0; c < F; c++)
        inp[c] = enc[(size_t)c * w * h + (size_t)iy * w + ix];
}

float ref_bilinear(const float *p, uint32_t w, uint32_t h, uint32_t W, uint32_t H, uint32_t X,
                   uint32_t Y)
{
    uint32_t x0, x1, y0, y1;
    float fx, fy;
    base_axis(X, w, W, &x0, &x1, &fx);
    base_axis(Y, h, H, &y0, &y1, &fy);
    float a = p[y0 * w + x0], b = p[y0 * w + x1], c = p[y1 * w + x0], d = p[y1 * w + x1];
    return (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c + fx * d);
}

static void linear(const float *W, AsrLayerOffsets off, uint32_t n_in, uint32_t n_out,
                   const double *in, double *out, int relu)
{
    for (uint32_t j = 0; j < n_out; j++) {
        double s = W[off.b + j];
        for (uint32_t i = 0; i < n_in; i++)
            s += W[off.w + j * n_in + i] * in[i];
        out[j] = relu ? fmax(s, 0.0) : s;
    }
}

void ref_mlp(const AsrModel *m, int heavy, const float *inp, float *o)
{
    const AsrArch *a = &m->arch;
    const uint32_t *hid = heavy ? a->heavy : a->light;
    uint32_t nl = heavy ? a->n_heavy : a->n_light;
    const AsrLayerOffsets *off = heavy ? m->off.heavy : m->off.light;
    double x[ASR_MODEL_MAX_F + 4], y[ASR_MODEL_MAX_DEC_HIDDEN], z[ASR_MODEL_MAX_DEC_HIDDEN];
    uint32_t n = a->F + 4;
    for (uint32_t i = 0; i < n; i++)
        x[i] = inp[i];
    linear(m->weights, off[0], n, hid[0], x, y, 1);
    double out[3];
    if (nl == 1) {
        linear(m->weights, off[1], hid[0], 3, y, out, 0);
    } else {
        linear(m->weights, off[1], hid[0], hid[1], y, z, 1);
        linear(m->weights, off[2], hid[1], 3, z, out, 0);
    }
    for (int c = 0; c < 3; c++)
        o[c] = (float)out[c];
}

float ref_delta(const AsrModel *m, const float *inp)
{
    double x[ASR_MODEL_MAX_F + 4], l[2];
    uint32_t n = m->arch.F + 4;
    for (uint32_t i = 0; i < n; i++)
        x[i] = inp[i];
    linear(m->weights, m->off.cls, n, 2, x, l, 0);
    return (float)(l[0] - l[1]);
}

void ref_decode(const AsrModel *m, const float *enc, const float *lr, uint32_t w, uint32_t h,
                uint32_t W, uint32_t H, int heavy, const uint32_t *route, float *out)
{
    float inp[ASR_MODEL_MAX_F + 4], o[3];
    size_t n = (size_t)W * H;
    for (uint32_t Y = 0; Y < H; Y++) {
        for (uint32_t X = 0; X < W; X++) {
            size_t q = (size_t)Y * W + X;
            ref_dec_input(m, enc, w, h, W, H, X, Y, inp);
            ref_mlp(m, route ? route[q] != 0 : heavy, inp, o);
            for (int c = 0; c < 3; c++)
                out[(size_t)c * n + q] = ref_bilinear(lr + (size_t)c * w * h, w, h, W, H, X, Y) + o[c];
        }
    }
}

void ref_refine(const float *unref, const uint32_t *route, uint32_t W, uint32_t H, float *out)
{
    size_t n = (size_t)W * H;
    for (uint32_t Y = 0; Y < H; Y++) {
        for (uint32_t X = 0; X < W; X++) {
            size_t q = (size_t)Y * W + X;
            int x0 = X > 0 ? (int)X - 1 : 0, x1 = X + 1 < W ? (int)X + 1 : (int)W - 1;
            int y0 = Y > 0 ? (int)Y - 1 : 0, y1 = Y + 1 < H ? (int)Y + 1 : (int)H - 1;
            int near = 0;
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                    near |= route[(size_t)y * W + (size_t)x] != 0;
            int sel = near && !route[q];
            for (int c = 0; c < 3; c++) {
                if (!sel) {
                    out[(size_t)c * n + q] = unref[(size_t)c * n + q];
                    continue;
                }
                double s = 0.0;
                for (int y = y0; y <= y1; y++)
                    for (int x = x0; x <= x1; x++)
                        s += unref[(size_t)c * n + (size_t)y * W + (size_t)x];
                out[(size_t)c * n + q] = (float)(s / ((x1 - x0 + 1) * (y1 - y0 + 1)));
            }
        }
    }
}
