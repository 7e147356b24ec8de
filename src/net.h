/*
 * The network on the device (DESIGN.md section 3): weights in one
 * device-local buffer uploaded once, one pipeline per shader created once,
 * size-dependent activations in a grow-only pool, and the recording of the
 * encoder (LR) and decoder (HR) passes of one operating point. Switching
 * operating points changes push constants and dispatch sizes only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_NET_H
#define ASR_NET_H

#include "cmd.h"
#include "model.h"
#include "params.h"
#include "pipeline.h"

/* An operating point resolved to encoder width and depth. */
typedef struct AsrNetOp {
    uint32_t width, depth;
    AsrDecoderMode mode;
    float k;
} AsrNetOp;

/* Geometry of one configuration. */
typedef struct AsrNetSize {
    uint32_t in_w, in_h, out_w, out_h;
    int alpha; /* resample plane 3 bilinearly */
} AsrNetSize;

/* Bytes of the size-dependent buffers (for limit checks and reserve). */
typedef struct AsrNetPlan {
    uint64_t feat_bytes;    /* h0, x, y, enc: F planes at LR each */
    uint64_t partial_bytes;
    uint64_t unref_bytes;   /* RGB at HR */
    uint64_t route_bytes;
    uint32_t gap_groups, gap_per_group;
    uint32_t dec_groups[2]; /* decoder grid dispatch (x, y) */
} AsrNetPlan;

/* Descriptor sets of the conv pass */
enum {
    ASR_CONV_SET_HEAD,
    ASR_CONV_SET_C1_H0,
    ASR_CONV_SET_C1_X,
    ASR_CONV_SET_C2_H0,
    ASR_CONV_SET_C2_X,
    ASR_CONV_SET_TAIL_H0,
    ASR_CONV_SET_TAIL_X,
    ASR_CONV_SET_COUNT
};

typedef struct AsrNet {
    AsrModel *model;
    AsrBuffer weights; /* device-local, every weight as float */
    AsrBuffer att;     /* D x F attention values */
    AsrPass conv, gap, sa, classify, args, mlp_heavy, mlp_light, refine, bilinear;
    /* grow-only, size-dependent */
    AsrBuffer h0, x, y, enc, partial, unref, route;
    uint64_t weight_uploads;
} AsrNet;

/* Create pipelines and upload the weights (once, through a temporary
 * staging buffer and `cmd`). Takes ownership of `model` (also on failure). */
AsrStatus asr_net_create(AsrDevice *d, AsrModel *model, AsrCmd *cmd, AsrNet *net);
void asr_net_destroy(AsrDevice *d, AsrNet *net);

void asr_net_plan(const AsrNet *net, const AsrNetSize *s, AsrNetPlan *plan);
/* Make the pool hold the buffers of `plan`; on failure the pool keeps its
 * previous buffers (grow-only). */
AsrStatus asr_net_reserve(AsrDevice *d, AsrNet *net, const AsrNetPlan *plan);
/* Shrink the pool to `plan` (NULL: release it); see asr_buffer_shrink(). */
AsrStatus asr_net_trim(AsrDevice *d, AsrNet *net, const AsrNetPlan *plan);
/* Point the descriptor sets at the pool and at the engine's LR input
 * (3 or 4 planes of in_w x in_h) and HR output (planes of out_w x out_h). */
void asr_net_bind(AsrDevice *d, AsrNet *net, const AsrNetSize *s, const AsrNetPlan *plan,
                  const AsrBufferRange *lr, const AsrBufferRange *hr);

/* Record the encoder (head, blocks [0, depth), tail) and the decoder (the
 * op's mode; routed: classify, lists, indirect MLPs, refine; alpha). The
 * caller orders lr before the encoder and hr after the decoder. */
void asr_net_record_encoder(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                            const AsrNetSize *s, const AsrNetPlan *plan, const AsrNetOp *op);
void asr_net_record_decoder(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                            const AsrNetSize *s, const AsrNetPlan *plan, const AsrNetOp *op);

#endif /* ASR_NET_H */
