/*
 * The network model: architecture (from the file's anysr.arch metadata) and
 * every weight as float32, packed into one array with per-tensor offsets
 * (docs/design.md#model-file, docs/models.md).
 *
 * asr_model_load_*() validate everything before any GPU work: the
 * safetensors container (src/model/safetensors.c: offsets, dtypes, overlaps,
 * finite values), anysr.format, the anysr.arch JSON (fields present, values
 * sane and within the limits the shaders support), every expected tensor
 * present with its expected shape, no unexpected tensor. A failure returns
 * ASR_ERROR_MODEL (or ASR_ERROR_NO_MEMORY) with a message naming the field
 * or tensor.
 *
 * An AsrModel is immutable after loading. SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_MODEL_H
#define ASR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "anysr/anysr.h"

/* Limits of the shaders (shaders/include/params.h repeats the ones GLSL needs). */
#define ASR_MODEL_MAX_F 64          /* encoder features */
#define ASR_MODEL_MAX_D 16          /* residual blocks */
#define ASR_MODEL_MAX_LADDER 8      /* operating points */
#define ASR_MODEL_MAX_SA_IN 128     /* scale-attention input: F + F / chunk * 2 */
#define ASR_MODEL_MAX_SA_HIDDEN 64
#define ASR_MODEL_MAX_DEC_HIDDEN 64 /* each hidden layer of the decoder MLPs */
#define ASR_MODEL_MAX_DEC_LAYERS 2  /* hidden layers per decoder MLP */
#define ASR_MODEL_MAX_CAPS 8
#define ASR_MODEL_MAX_ADAPTER 64    /* hidden values of the depth adapter */
#define ASR_MODEL_MIN_TILE 4        /* side of a depth tile, LR pixels */
#define ASR_MODEL_MAX_TILE 64
#define ASR_MODEL_MAX_DEPTH_POINTS 4 /* depth targets per subnet in the QoS ladder */

/* Supported value of the anysr.format metadata. */
#define ASR_MODEL_FORMAT "1"

typedef struct AsrArch {
    uint32_t F, D;
    uint32_t n_ladder;
    uint32_t ladder[ASR_MODEL_MAX_LADDER][2]; /* (width c, depth d), cheapest first */
    uint32_t sa_hidden;
    uint32_t chunk;
    uint32_t n_heavy, heavy[ASR_MODEL_MAX_DEC_LAYERS]; /* hidden sizes of the heavy MLP */
    uint32_t n_light, light[ASR_MODEL_MAX_DEC_LAYERS]; /* hidden sizes of the light MLP */
    uint32_t n_caps;
    double cap_limit[ASR_MODEL_MAX_CAPS];     /* max scale <= limit; INFINITY for null */
    uint32_t cap_subnet[ASR_MODEL_MAX_CAPS];  /* ladder index */
    double default_k;
    /* AdaDSR spatial depth (docs/models.md); depth_tile 0:
     * no adapter, every pixel runs the op's depth */
    uint32_t depth_tile;      /* side of a depth tile in LR pixels */
    uint32_t adapter_hidden;  /* hidden values of the adapter */
    uint32_t adapter_pools;   /* statistics pooled per hidden value and tile: 1 = the
                               * mean ("adapter_pool": "mean", and files without the
                               * key), 2 = the mean, then the maximum ("mean_max") */
    float depth_target;       /* default target, (0, 1]; 1 without an adapter */
    uint32_t n_depth_points;  /* targets < 1 the QoS ladder offers per subnet */
    float depth_points[ASR_MODEL_MAX_DEPTH_POINTS]; /* increasing, in (0, 1) */
} AsrArch;

/* Float offsets of one linear layer / conv inside the packed weights. */
typedef struct AsrLayerOffsets {
    uint32_t w, b;
} AsrLayerOffsets;

typedef struct AsrModelOffsets {
    AsrLayerOffsets head, tail;
    AsrLayerOffsets conv1[ASR_MODEL_MAX_D], conv2[ASR_MODEL_MAX_D];
    AsrLayerOffsets fc1[ASR_MODEL_MAX_D], fc2[ASR_MODEL_MAX_D];
    AsrLayerOffsets heavy[ASR_MODEL_MAX_DEC_LAYERS + 1];
    AsrLayerOffsets light[ASR_MODEL_MAX_DEC_LAYERS + 1];
    AsrLayerOffsets cls;
    AsrLayerOffsets ad_pix, ad_fc1, ad_fc2; /* depth adapter (depth_tile > 0) */
} AsrModelOffsets;

typedef struct AsrModel {
    AsrArch arch;
    AsrModelOffsets off;
    float *weights;      /* every tensor, F32, in tensor_names() order */
    size_t num_weights;  /* floats */
    uint8_t sha256[32];  /* of the file / blob */
} AsrModel;

/* Load from a blob (copied) / a file. On failure *out is NULL and `err`
 * (when not NULL) holds a message of at most errlen bytes. */
AsrStatus asr_model_load_blob(const uint8_t *blob, size_t size, AsrModel **out, char *err,
                              size_t errlen);
AsrStatus asr_model_load_file(const char *path, AsrModel **out, char *err, size_t errlen);
/* The model embedded at build time (models/anysr-default.safetensors). */
AsrStatus asr_model_load_default(AsrModel **out, char *err, size_t errlen);
void asr_model_free(AsrModel **m);

/* The embedded file (size 0 when the build had none). */
extern const unsigned char asr_default_model_data[];
extern const size_t asr_default_model_size;

/* Cost model, equal to train/model.py. */
double asr_model_mlp_macs(const AsrArch *a, int heavy);    /* per HR pixel */
double asr_model_cls_macs(const AsrArch *a);               /* per HR pixel */
double asr_model_encoder_macs_per_pixel(const AsrArch *a, uint32_t c, uint32_t d);
double asr_model_sa_macs(const AsrArch *a, uint32_t c, uint32_t d); /* per frame */
double asr_model_block_macs_per_pixel(const AsrArch *a, uint32_t c);
double asr_model_adapter_macs_per_pixel(const AsrArch *a); /* 0 without an adapter */
/* decoder: AsrDecoderMode; heavy_fraction < 0 means 0.5 for routed. */
double asr_model_macs(const AsrArch *a, uint32_t c, uint32_t d, int decoder,
                      double heavy_fraction, uint32_t in_w, uint32_t in_h, uint32_t out_w,
                      uint32_t out_h);
/* heavy iff logit_heavy - logit_light >= k * ln(MACs_heavy / MACs_light) */
double asr_model_route_threshold(const AsrArch *a, double k);
/* Ladder index of the cap for scale max(scale_x, scale_y). */
uint32_t asr_model_scale_cap(const AsrArch *a, double scale_x, double scale_y);

#endif /* ASR_MODEL_H */
