/*
 * model_writer.h — build anysr model files (safetensors) in memory for the
 * tests: any architecture, random weights, and the corruptions the loader
 * must reject. Header-only (static functions); the tensor list states the
 * contract of train/anysr_train/network.py tensor_names() independently of src/model/model.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_TEST_MODEL_WRITER_H
#define ANYSR_TEST_MODEL_WRITER_H

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asr_test.h"

typedef struct MwArch {
    int F, D, chunk, sa_hidden;
    int n_ladder, ladder[8][2];
    int n_heavy, heavy[2];
    int n_light, light[2];
    int n_caps;
    double cap_limit[8]; /* <= 0: null */
    int cap_subnet[8];
    double default_k;
    /* AdaDSR depth adapter (src/model/model.h AsrArch): written when
     * depth_tile != 0 (the arch keys, and the six adapter.* tensors after
     * dec.cls.*); depth_target NAN leaves that key out, n_depth_points < 0
     * the depth_points key; adapter_pool NULL leaves that key out (the
     * tensors then as for "mean"; "mean_max" widens adapter.fc1) */
    int depth_tile, adapter_hidden;
    const char *adapter_pool;
    double depth_target;
    int n_depth_points;
    double depth_points[8];
} MwArch;

/* Corruptions */
typedef struct MwOptions {
    const char *format;        /* anysr.format, NULL = "1" */
    const char *arch_json;     /* replaces the generated anysr.arch when set */
    const char *omit;          /* leave this tensor out */
    const char *reshape;       /* give this tensor shape `shape` instead */
    int shape_ndim;
    int64_t shape[4];
    const char *extra;         /* add an unexpected tensor of 4 floats */
    const char *nan_in;        /* put a NaN into this tensor */
    const char *bad_offset;    /* this tensor's data_offsets point past the end */
    int f16;                   /* store as F16 */
    uint32_t seed;
    double scale;              /* weight scale factor (default 1) */
} MwOptions;

static inline MwArch mw_default_arch(void)
{
    MwArch a = { .F = 32, .D = 8, .chunk = 8, .sa_hidden = 16, .n_ladder = 4,
                 .ladder = { { 8, 2 }, { 16, 4 }, { 24, 6 }, { 32, 8 } },
                 .n_heavy = 2, .heavy = { 64, 64 }, .n_light = 1, .light = { 16 },
                 .n_caps = 3, .cap_limit = { 1.7, 2.5, 0.0 }, .cap_subnet = { 1, 2, 3 },
                 .default_k = 0.25 };
    return a;
}

/* The default architecture with a depth adapter: tiles of 16 LR pixels, 16
 * hidden values, default target 0.65, QoS points 0.4 and 0.65. */
static inline MwArch mw_adapter_arch(void)
{
    MwArch a = mw_default_arch();
    a.depth_tile = 16;
    a.adapter_hidden = 16;
    a.depth_target = 0.65;
    a.n_depth_points = 2;
    a.depth_points[0] = 0.4;
    a.depth_points[1] = 0.65;
    return a;
}

static inline char *mw_arch_json(const MwArch *a)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "{\"family\": \"anysr\", \"F\": %d, \"D\": %d, \"chunk\": %d, "
                           "\"sa_hidden\": %d, \"sa_scale_input\": \"raw\", \"ladder\": [",
                           a->F, a->D, a->chunk, a->sa_hidden);
    for (int i = 0; i < a->n_ladder; i++)
        g_string_append_printf(s, "%s[%d, %d]", i ? ", " : "", a->ladder[i][0], a->ladder[i][1]);
    g_string_append(s, "], \"dec_heavy\": [");
    for (int i = 0; i < a->n_heavy; i++)
        g_string_append_printf(s, "%s%d", i ? ", " : "", a->heavy[i]);
    g_string_append(s, "], \"dec_light\": [");
    for (int i = 0; i < a->n_light; i++)
        g_string_append_printf(s, "%s%d", i ? ", " : "", a->light[i]);
    g_string_append(s, "], \"scale_caps\": [");
    for (int i = 0; i < a->n_caps; i++) {
        int sn = a->cap_subnet[i];
        if (a->cap_limit[i] > 0)
            g_string_append_printf(s, "%s[%.17g, [%d, %d]]", i ? ", " : "", a->cap_limit[i],
                                   a->ladder[sn][0], a->ladder[sn][1]);
        else
            g_string_append_printf(s, "%s[null, [%d, %d]]", i ? ", " : "", a->ladder[sn][0],
                                   a->ladder[sn][1]);
    }
    g_string_append_printf(s, "], \"default_k\": %.17g, \"refine\": \"3x3 mean\"", a->default_k);
    if (a->depth_tile) {
        g_string_append_printf(s, ", \"depth_tile\": %d, \"adapter_hidden\": %d", a->depth_tile,
                               a->adapter_hidden);
        if (a->adapter_pool)
            g_string_append_printf(s, ", \"adapter_pool\": \"%s\"", a->adapter_pool);
        if (!isnan(a->depth_target))
            g_string_append_printf(s, ", \"depth_target\": %.17g", a->depth_target);
        if (a->n_depth_points >= 0) {
            g_string_append(s, ", \"depth_points\": [");
            for (int i = 0; i < a->n_depth_points; i++)
                g_string_append_printf(s, "%s%.17g", i ? ", " : "", a->depth_points[i]);
            g_string_append(s, "]");
        }
    }
    g_string_append(s, "}");
    return g_string_free(s, FALSE);
}

typedef struct MwTensor {
    char name[64];
    int ndim;
    int64_t shape[4];
    int64_t fan_in;
} MwTensor;

static inline void mw_add(MwTensor *t, int *n, const char *name, int ndim, int64_t s0,
                          int64_t s1, int64_t s2, int64_t s3, int64_t fan_in)
{
    MwTensor *x = &t[(*n)++];
    snprintf(x->name, sizeof(x->name), "%s", name);
    x->ndim = ndim;
    x->shape[0] = s0, x->shape[1] = s1, x->shape[2] = s2, x->shape[3] = s3;
    x->fan_in = fan_in;
}

/* train/anysr_train/network.py tensor_names() */
static inline int mw_tensors(const MwArch *a, MwTensor *t)
{
    int n = 0;
    char nm[64];
    int64_t F = a->F, hs = a->sa_hidden, nsa = a->F + a->F / a->chunk * 2;
    mw_add(t, &n, "head.weight", 4, F, 3, 3, 3, 27);
    mw_add(t, &n, "head.bias", 1, F, 0, 0, 0, 27);
    for (int i = 0; i < a->D; i++) {
#define MWB(f, nd, s0, s1, s2, s3, fi)                      \
        snprintf(nm, sizeof(nm), "blocks.%d.%s", i, f);      \
        mw_add(t, &n, nm, nd, s0, s1, s2, s3, fi);
        MWB("conv1.weight", 4, F, F, 3, 3, 9 * F)
        MWB("conv1.bias", 1, F, 0, 0, 0, 9 * F)
        MWB("sa.fc1.weight", 2, hs, nsa, 0, 0, nsa)
        MWB("sa.fc1.bias", 1, hs, 0, 0, 0, nsa)
        MWB("sa.fc2.weight", 2, F, hs, 0, 0, hs)
        MWB("sa.fc2.bias", 1, F, 0, 0, 0, hs)
        MWB("conv2.weight", 4, F, F, 3, 3, 9 * F)
        MWB("conv2.bias", 1, F, 0, 0, 0, 9 * F)
#undef MWB
    }
    mw_add(t, &n, "tail.weight", 4, F, F, 3, 3, 9 * F);
    mw_add(t, &n, "tail.bias", 1, F, 0, 0, 0, 9 * F);
    for (int m = 0; m < 2; m++) {
        const int *hid = m ? a->light : a->heavy;
        int nh = m ? a->n_light : a->n_heavy;
        int64_t prev = F + 4;
        for (int j = 0; j <= nh; j++) {
            int64_t outs = j < nh ? hid[j] : 3;
            snprintf(nm, sizeof(nm), "dec.%s.%d.weight", m ? "light" : "heavy", 2 * j);
            mw_add(t, &n, nm, 2, outs, prev, 0, 0, prev);
            snprintf(nm, sizeof(nm), "dec.%s.%d.bias", m ? "light" : "heavy", 2 * j);
            mw_add(t, &n, nm, 1, outs, 0, 0, 0, prev);
            prev = outs;
        }
    }
    mw_add(t, &n, "dec.cls.weight", 2, 2, F + 4, 0, 0, F + 4);
    mw_add(t, &n, "dec.cls.bias", 1, 2, 0, 0, 0, F + 4);
    if (a->depth_tile) {
        int64_t ah = a->adapter_hidden;
        int64_t nin = ah * (a->adapter_pool && strcmp(a->adapter_pool, "mean_max") == 0 ? 2 : 1) + 1;
        mw_add(t, &n, "adapter.pix.weight", 2, ah, F, 0, 0, F);
        mw_add(t, &n, "adapter.pix.bias", 1, ah, 0, 0, 0, F);
        mw_add(t, &n, "adapter.fc1.weight", 2, ah, nin, 0, 0, nin);
        mw_add(t, &n, "adapter.fc1.bias", 1, ah, 0, 0, 0, nin);
        mw_add(t, &n, "adapter.fc2.weight", 2, 1, ah, 0, 0, ah);
        mw_add(t, &n, "adapter.fc2.bias", 1, 1, 0, 0, 0, ah);
    }
    return n;
}

static inline uint16_t mw_f16(float f)
{
    /* round-to-nearest float -> half for normal values of small magnitude */
    union { float f; uint32_t u; } v = { f };
    uint32_t sign = (v.u >> 16) & 0x8000u;
    int32_t e = (int32_t)((v.u >> 23) & 0xff) - 127 + 15;
    uint32_t m = v.u & 0x7fffffu;
    if (isnan(f))
        return 0x7e00;
    if (e <= 0)
        return (uint16_t)sign;
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00u);
    uint32_t h = sign | ((uint32_t)e << 10) | (m >> 13);
    if ((m & 0x1fffu) > 0x1000u || ((m & 0x1fffu) == 0x1000u && (h & 1u)))
        h++;
    return (uint16_t)h;
}

/* Build the file; returns a g_malloc'd blob (g_free it) and its size. */
static inline uint8_t *mw_build(const MwArch *a, const MwOptions *o, size_t *size)
{
    MwTensor *t = calloc(512, sizeof(*t));
    int n = mw_tensors(a, t);
    if (o->extra)
        mw_add(t, &n, o->extra, 1, 4, 0, 0, 0, 4);
    uint32_t seed = o->seed ? o->seed : 12345;
    double scale = o->scale > 0 ? o->scale : 1.0;
    size_t esz = o->f16 ? 2 : 4;
    GByteArray *data = g_byte_array_new();
    GString *h = g_string_new("{\"__metadata__\": {");
    char *arch = o->arch_json ? g_strdup(o->arch_json) : mw_arch_json(a);
    char *arch_esc = g_strescape(arch, NULL);
    g_string_append_printf(h, "\"anysr.format\": \"%s\", \"anysr.arch\": \"%s\", "
                           "\"anysr.train\": \"{}\"}", o->format ? o->format : "1", arch_esc);
    g_free(arch);
    g_free(arch_esc);
    for (int i = 0; i < n; i++) {
        MwTensor *x = &t[i];
        if (o->omit && !strcmp(o->omit, x->name))
            continue;
        int ndim = x->ndim;
        int64_t shape[4];
        memcpy(shape, x->shape, sizeof(shape));
        if (o->reshape && !strcmp(o->reshape, x->name)) {
            ndim = o->shape_ndim;
            memcpy(shape, o->shape, sizeof(shape));
        }
        int64_t count = 1;
        for (int k = 0; k < ndim; k++)
            count *= shape[k];
        size_t begin = data->len;
        double s = scale / sqrt((double)x->fan_in);
        for (int64_t k = 0; k < count; k++) {
            float v = (float)(s * ((double)(test_rand(&seed) >> 8) / (double)(1u << 24) * 2.0 - 1.0));
            if (o->nan_in && !strcmp(o->nan_in, x->name) && k == count / 2)
                v = NAN;
            if (o->f16) {
                uint16_t hv = mw_f16(v);
                g_byte_array_append(data, (const guint8 *)&hv, 2);
            } else {
                g_byte_array_append(data, (const guint8 *)&v, 4);
            }
        }
        size_t end = begin + (size_t)count * esz;
        if (o->bad_offset && !strcmp(o->bad_offset, x->name))
            begin += 1u << 20, end += 1u << 20;
        g_string_append_printf(h, ", \"%s\": {\"dtype\": \"%s\", \"shape\": [", x->name,
                               o->f16 ? "F16" : "F32");
        for (int k = 0; k < ndim; k++)
            g_string_append_printf(h, "%s%lld", k ? ", " : "", (long long)shape[k]);
        g_string_append_printf(h, "], \"data_offsets\": [%zu, %zu]}", begin, end);
    }
    g_string_append(h, "}");
    while (h->len % 8)
        g_string_append_c(h, ' ');
    *size = 8 + h->len + data->len;
    uint8_t *blob = g_malloc(*size);
    uint64_t hl = h->len;
    for (int i = 0; i < 8; i++)
        blob[i] = (uint8_t)(hl >> (8 * i));
    memcpy(blob + 8, h->str, h->len);
    memcpy(blob + 8 + h->len, data->data, data->len);
    g_string_free(h, TRUE);
    g_byte_array_free(data, TRUE);
    free(t);
    return blob;
}

/* Write a blob to `path`; returns 0 on success. */
static inline int mw_write(const char *path, const uint8_t *blob, size_t size)
{
    return g_file_set_contents(path, (const gchar *)blob, (gssize)size, NULL) ? 0 : -1;
}

/* A model of `a` (default options: random weights) written as `name` in a
 * new temporary folder; returns its path (mw_remove_temp() removes the file
 * and the folder and frees the path), NULL on failure. */
static inline char *mw_write_temp(const MwArch *a, const char *name)
{
    MwOptions o = { 0 };
    size_t size;
    uint8_t *blob = mw_build(a, &o, &size);
    char *dir = g_dir_make_tmp("anysr-model-XXXXXX", NULL);
    char *path = dir ? g_build_filename(dir, name, NULL) : NULL;
    if (path && (!blob || mw_write(path, blob, size) != 0)) {
        g_rmdir(dir);
        g_free(path);
        path = NULL;
    }
    g_free(blob);
    g_free(dir);
    return path;
}

static inline void mw_remove_temp(char *path)
{
    if (!path)
        return;
    char *dir = g_path_get_dirname(path);
    g_unlink(path);
    g_rmdir(dir);
    g_free(dir);
    g_free(path);
}

#endif
