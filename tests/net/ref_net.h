/*
 * Plain C references of the network shaders (the .comp files of shaders/, written from
 * their header comments and train/anysr_train/network.py), in double accumulation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_REF_NET_H
#define ANYSR_REF_NET_H

#include <stdint.h>

#include "model.h"

/* conv3x3_simt.comp: out[co] (co < c_out) = bias + sum W[co, ci < c_in] * pre(in[ci]),
 * pre(v) = att ? max(v * att[ci], 0) : v; + res[co] when res. Planar. */
void ref_conv3x3(const float *in, uint32_t w, uint32_t h, uint32_t c_in, uint32_t c_out,
                 const float *weight, uint32_t cin_stride, const float *bias, const float *att,
                 const float *res, float *out);

/* gap.comp + sa.comp: attention of c channels of y (planar w x h). */
void ref_sa(const AsrModel *m, uint32_t block, const float *y, uint32_t w, uint32_t h,
            uint32_t c, float sx, float sy, float *att);

/* The MLP input of HR pixel (X, Y) (F + 4 values) and the bilinear sample
 * of LR plane `plane` at it. */
void ref_dec_input(const AsrModel *m, const float *enc, uint32_t w, uint32_t h, uint32_t W,
                   uint32_t H, uint32_t X, uint32_t Y, float *inp);
float ref_bilinear(const float *plane, uint32_t w, uint32_t h, uint32_t W, uint32_t H,
                   uint32_t X, uint32_t Y);

/* Heavy (1) or light (0) MLP output (3 values); classifier delta. */
void ref_mlp(const AsrModel *m, int heavy, const float *inp, float *o);
float ref_delta(const AsrModel *m, const float *inp);

/* dec_mlp.comp over all pixels: out (RGB planes W x H) = bilinear(lr) + MLP,
 * the MLP chosen per pixel by route[q] (1 heavy) or by `heavy` when route is
 * NULL. */
void ref_decode(const AsrModel *m, const float *enc, const float *lr, uint32_t w, uint32_t h,
                uint32_t W, uint32_t H, int heavy, const uint32_t *route, float *out);

/* dec_refine.comp */
void ref_refine(const float *unref, const uint32_t *route, uint32_t W, uint32_t H, float *out);

#endif
