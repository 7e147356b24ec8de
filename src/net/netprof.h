/*
 * Cost of each network dispatch for the per-pass profile (profiler.h):
 * MACs and bytes moved, computed where the dispatch is recorded (one call
 * before it in net.c; each is a no-op while profiling is off).
 *
 * MACs count every multiply-add the dispatch issues: a conv band
 * pixels x c_in x c_out x 9 (the tail adds the head conv it recomputes from
 * the LR image, pixels x 3 x F x 9), the scale attention its two layers, the
 * classifier and the MLPs theirs per output pixel they run on (decoder
 * windows overlap by a row or two, counted each time). GAP, args, refine,
 * bilinear, unpack and pack have none.
 *
 * Bytes are a simple traffic model, not a measurement: every input element
 * read once per output pixel that reads it (a conv reads its band's input
 * once, not 9 times; a decoder pixel reads the F features of its nearest LR
 * pixel, a 4-tap bilinear its 4 taps), every weight once per dispatch, every
 * output element written once. Feature maps count 2 bytes per value in
 * fp16, 4 in fp32; planar float images, partial sums, attention and
 * weights 4; route maps and lists 4 per pixel.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_NETPROF_H
#define ASR_NETPROF_H

#include "net.h"
#include "profiler.h"

typedef enum AsrNetProfPass {
    ASR_NETPROF_BILINEAR,   /* alpha plane, rows = destination rows */
    ASR_NETPROF_CLASSIFY,   /* rows = invocation rows */
    ASR_NETPROF_ARGS,
    ASR_NETPROF_MLP_HEAVY,  /* every pixel of the rows */
    ASR_NETPROF_MLP_LIGHT,
    ASR_NETPROF_LIST_HEAVY, /* routed: counts on the device, asr_netprof_routed() */
    ASR_NETPROF_LIST_LIGHT,
    ASR_NETPROF_REFINE,     /* rows = destination rows */
} AsrNetProfPass;

/* A conv band of `rows` LR rows (ASR_CONV_SET_*, ASR_CONV_* flags). */
void asr_netprof_conv(AsrDevice *d, const AsrNet *net, const AsrNetSize *s,
                      const AsrNetPlan *plan, uint32_t set, uint32_t rows, uint32_t c_in,
                      uint32_t c_out, uint32_t flags);
/* GAP of a band of `rows` LR rows, c channels. */
void asr_netprof_gap(AsrDevice *d, const AsrNet *net, const AsrNetSize *s,
                     const AsrNetPlan *plan, uint32_t rows, uint32_t c);
/* The scale attention of one block of width c. */
void asr_netprof_sa(AsrDevice *d, const AsrNet *net, const AsrNetSize *s, uint32_t c);
/* A decoder pass over `rows` output rows. */
void asr_netprof_dec(AsrDevice *d, const AsrNet *net, const AsrNetSize *s,
                     const AsrNetPlan *plan, AsrNetProfPass what, uint32_t rows);
/* After a routed frame: the MACs and bytes of its list-dispatched MLPs from
 * the pixels the classifier put on each list (every band). */
void asr_netprof_routed(AsrProfiler *p, const AsrNet *net, const AsrNetPlan *plan,
                        uint64_t heavy, uint64_t light);

/* After a frame with spatial depth: the MACs and bytes of the tile-list
 * convolutions ("block.conv1.tiles", "block.conv2.tiles") from the pixels
 * that ran each block (asr_net_record_depth_counts()). */
void asr_netprof_depth(AsrProfiler *p, const AsrNet *net, const AsrNetPlan *plan,
                       const AsrNetOp *op, const uint32_t *counts);

#endif /* ASR_NETPROF_H */
