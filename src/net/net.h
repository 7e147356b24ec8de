/*
 * The network on the device (docs/design.md#network): weights in one
 * device-local buffer uploaded once, one pass per shader and role (its
 * pipeline created by the first frame that runs it, docs/design.md#kernels),
 * size-dependent activations in a grow-only pool, and the recording of the
 * encoder (LR) and decoder (HR) passes of one operating point. Switching
 * operating points changes push constants and dispatch sizes only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_NET_H
#define ASR_NET_H

#include "cmd.h"
#include "kconfig.h"
#include "model.h"
#include "params.h"
#include "pipeline.h"

/* An operating point resolved to encoder width and depth. */
typedef struct AsrNetOp {
    uint32_t width, depth;
    AsrDecoderMode mode;
    float k;
    float target; /* spatial depth target: < 1 with a model that has a depth
                     adapter runs each tile of the frame to its own depth
                     (docs/design.md#network); >= 1: every pixel runs `depth` */
    int no_tail; /* test hook (internal.h): stop the encoder before its tail */
} AsrNetOp;


/* Geometry of one configuration. */
typedef struct AsrNetSize {
    uint32_t in_w, in_h, out_w, out_h;
    int alpha; /* resample plane 3 bilinearly */
} AsrNetSize;

/* What the device and the engine allow the size-dependent buffers. */
typedef struct AsrNetLimits {
    uint64_t max_range;    /* maxStorageBufferRange */
    uint64_t max_alloc;    /* maxMemoryAllocationSize */
    uint64_t align;        /* minStorageBufferOffsetAlignment */
    uint64_t budget;       /* bytes the net's size-dependent buffers may take */
    uint64_t budget_set;   /* the engine's whole memory budget (for messages) */
    uint64_t budget_fixed; /* what the frames and images take of it (budget_set - budget) */
    uint32_t max_groups[3];/* maxComputeWorkGroupCount */
    uint32_t tile_rows;    /* > 0: force LR rows per band (tests, ANYSR_TILE) */
    uint32_t window_pixels;/* target HR pixels of a decoder window */
    uint64_t band_macs;    /* > 0: at most this many MACs per encoder band of a
                              full-width conv (bounded submissions) */
} AsrNetLimits;

/*
 * Tiling (docs/design.md#memory-plan). The encoder runs layer by layer over the whole
 * frame, each layer band by band (enc_rows LR rows at a time), so the scale
 * attention pools the whole frame and a banded frame equals an unbanded one.
 * Its two feature maps are whole-frame: x (h0, then the residual stream,
 * updated in place) and y (conv1's output, then the encoder's output: the
 * tail adds the head conv recomputed from the LR image instead of keeping
 * h0 in a third map). Bands exist so that no binding exceeds
 * maxStorageBufferRange. The decoder runs band by band (dec_rows HR rows),
 * each band in a window of buffers reused for the next: it computes the
 * band, the row above it (the 4:2:0 chroma filter of pack) and, routed, one
 * more row on each side (the refinement's neighbourhood).
 */
typedef struct AsrNetPlan {
    uint32_t elem;          /* bytes of a feature value: 2 (fp16) or 4 */
    uint32_t cs;            /* channel stride of the feature maps (F) */
    uint64_t map_bytes;     /* one whole-frame feature map (x, y) */
    uint64_t partial_bytes; /* F x in_h partial sums */
    uint32_t enc_rows, enc_bands;
    uint32_t dec_rows, dec_bands;
    uint32_t win_rows;      /* rows of the largest decoder window */
    uint64_t unref_bytes;   /* RGB of a window */
    uint64_t route_bytes;   /* route buffer of a window */
    uint64_t hr_bytes;      /* RGB[A] of a window (pack's source) */
    uint64_t total_bytes;   /* all of the above: the net's share of memory */
    /* spatial depth (model with an adapter; params.h "tiles[]" layout) */
    int depth_ok;           /* adaptive ops can run: encoder bands of whole tile rows */
    uint32_t tile, tiles_x, tiles_y, ntiles;
    uint32_t tile_segs, tile_gpt; /* tiled conv: row segments per tile row, workgroups per tile */
    uint32_t pix_off, args_off, list_off; /* uint indices in tiles[] */
    uint64_t tiles_bytes;
} AsrNetPlan;

/* Rows of decoder band b (params.h AsrDecParams windows). */
typedef struct AsrNetWindow {
    uint32_t y0, y1;   /* the band: output rows */
    uint32_t h0, h1;   /* rows of the hr window (pack's source) */
    uint32_t m0, m1;   /* rows the MLPs run on (routed: hr window +- 1) */
    uint32_t e0, e1;   /* LR rows of enc the MLP rows read */
} AsrNetWindow;

/* Roles of the conv pass: a pipeline each (their flags specialised), each
 * with a descriptor set per encoder band */
enum {
    ASR_CONV_SET_HEAD, /* image -> x */
    ASR_CONV_SET_C1,   /* x -> y */
    ASR_CONV_SET_C2,   /* y -> x, residual x (in place) */
    ASR_CONV_SET_TAIL, /* x -> y, plus the head recomputed from the image */
    ASR_CONV_SET_COUNT
};

/* Where a decoder MLP reads its weights: with ubo, a uniform buffer bound
 * at bytes [offset, offset + range) of the weight buffer, the shader's
 * offsets then relative to `offset` (a multiple of 16 bytes) */
typedef struct AsrMlpWeights {
    int ubo;
    VkDeviceSize offset, range;
} AsrMlpWeights;

/* The cooperative-matrix conv3x3_coopmat.comp (ASR_HAVE_COOPMAT builds, fp16
 * maps): its tiles (specialisation constants, from the device's shape) */
typedef struct AsrConvCoopmat {
    uint32_t tm, tn, tk; /* cooperative-matrix shape M x N x K */
    uint32_t nsg;        /* M tiles (subgroups) per workgroup: WX = nsg * tm pixels */
    uint32_t nt;         /* N tiles: every output channel (COP = nt * tn >= F) */
    uint32_t cip;        /* staged input channels: F rounded up to tk */
    uint32_t local;      /* invocations per workgroup: nsg * subgroup size */
    uint32_t split;      /* weights (and pre()) as fp16 hi + lo pairs (conv3x3_coopmat.comp) */
} AsrConvCoopmat;

typedef struct AsrNet {
    AsrModel *model;
    AsrMlpWeights mlp_w[2]; /* [0] light, [1] heavy */
    AsrKernelConfig cfg;  /* what the pipelines below were built from */
    AsrConvBlock conv_block; /* cfg.band */
    int coopmat;          /* conv1, conv2, tail on conv3x3_coopmat.comp (the head stays SIMT) */
    AsrConvCoopmat cm;
    AsrBuffer wpack;      /* coopmat: the repacked fp16 weights of conv1, conv2, tail */
    uint64_t wpack_bytes;
    uint32_t wp_conv1[ASR_MODEL_MAX_D], wp_conv2[ASR_MODEL_MAX_D], wp_tail; /* their offsets */
    AsrBuffer weights; /* device-local, every weight as float */
    AsrBuffer att;     /* D x F attention values */
    int fp16;          /* feature maps in float16 (act.h) */
    AsrPass conv[ASR_CONV_SET_COUNT]; /* per role: the flags are specialised */
    AsrPass gap, sa, classify, args, mlp_heavy, mlp_light, refine, bilinear;
    /* spatial depth (model with an adapter): the adapter, the tile lists and
     * conv1 / conv2 over the lists (SIMT, tiled register block) */
    AsrPass depth, lists, conv_tiled[2];
    AsrConvBlock tile_block; /* cfg.tiled */
    /* grow-only, size-dependent: the whole-frame feature maps x and y (see
     * AsrNetPlan), partial sums, and the decoder window */
    AsrBuffer x, y, partial, unref, route, tiles;
    uint64_t weight_uploads;
} AsrNet;

/* The device's built-in kernel configuration for model m (docs/design.md#kernels):
 * what runs with tuning off, and the reference the tuner checks candidates
 * against. */
void asr_net_builtin_config(const AsrDevice *d, const AsrModel *m, AsrKernelConfig *c);
/* Apply the ANYSR_CONV_BLOCK, ANYSR_CM_NSG and ANYSR_MLP_SSBO overrides
 * (docs/design.md#settings) to c, warning about a value the device's rules
 * refuse (then c keeps its choice). */
void asr_net_config_env(const AsrDevice *d, const AsrModel *m, AsrKernelConfig *c);
/* Why c cannot run on this device with model m (a rule of
 * docs/design.md#settings, in buf or static), or NULL when it can. */
const char *asr_net_config_rule(const AsrDevice *d, const AsrModel *m, const AsrKernelConfig *c,
                                char *buf, size_t size);

/* Create the passes from cfg (which must pass asr_net_config_rule(); fp16:
 * the 16-bit storage variants; coopmat, with fp16 and d->coopmat only: the
 * cooperative-matrix convolutions) and upload the weights (once, through a
 * temporary staging buffer and `cmd`). Takes ownership of `model` (also on
 * failure). */
AsrStatus asr_net_create(AsrDevice *d, AsrModel *model, int fp16, int coopmat,
                         const AsrKernelConfig *cfg, AsrCmd *cmd, AsrNet *net);
/* Rebuild the passes of the families whose choice differs in cfg (which
 * must pass asr_net_config_rule()); the caller plans and binds again
 * (descriptor sets are new). On failure the net has no such pipelines and
 * must be destroyed or set again. */
AsrStatus asr_net_set_config(AsrDevice *d, AsrNet *net, const AsrKernelConfig *cfg);
void asr_net_destroy(AsrDevice *d, AsrNet *net);

/* Decide the bands and buffer sizes of `s` within `lim`. Returns
 * ASR_ERROR_UNSUPPORTED with a message in err when not even the smallest
 * band fits (naming the limit). */
AsrStatus asr_net_plan(const AsrNet *net, const AsrNetSize *s, const AsrNetLimits *lim,
                       AsrNetPlan *plan, char *err, size_t err_size);
void asr_net_window(const AsrNetSize *s, const AsrNetPlan *plan, int routed, uint32_t band,
                    AsrNetWindow *w);
/* Make the pool hold the buffers of `plan` and enough descriptor sets; on
 * failure the pool keeps its previous buffers (grow-only). */
AsrStatus asr_net_reserve(AsrDevice *d, AsrNet *net, const AsrNetPlan *plan);
/* Shrink the pool to `plan` (NULL: release it); see asr_buffer_shrink(). */
AsrStatus asr_net_trim(AsrDevice *d, AsrNet *net, const AsrNetPlan *plan);
/* Point the descriptor sets at the pool and at the engine's LR image
 * (3 or 4 float planes of in_w x in_h) and HR window buffer (planes of
 * plan->win_rows x out_w; the MLPs and refine write it). */
void asr_net_bind(AsrDevice *d, AsrNet *net, const AsrNetSize *s, const AsrNetPlan *plan,
                  const AsrBufferRange *lr, const AsrBufferRange *hr);

/* Called between two bands while recording (NULL: never): may end the
 * command buffer, submit it and begin it again (the recording goes on in
 * the same VkCommandBuffer, which must then start with a barrier that
 * orders everything before it); a negative status stops the recording. */
typedef AsrStatus (*AsrNetBreak)(void *user);

/* Record the encoder (head, blocks [0, depth), tail), every band of every
 * layer, calling on_band after each band of a conv. The caller orders lr
 * before it. Returns on_band's failure, else ASR_OK. */
AsrStatus asr_net_record_encoder(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                                 const AsrNetSize *s, const AsrNetPlan *plan,
                                 const AsrNetOp *op, AsrNetBreak on_band, void *user);
/* Record the decoder of band `band` into the hr window (the op's mode;
 * routed: classify, lists, indirect MLPs, refine; alpha). The caller
 * orders the window's previous reader (pack) before it and its reader
 * after it. */
void asr_net_record_decoder(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                            const AsrNetSize *s, const AsrNetPlan *plan, const AsrNetOp *op,
                            uint32_t band);

/* Spatial depth (docs/design.md#network). Whether op runs with it on this
 * net (a model with a depth adapter, target < 1, depth > 0); it does where
 * plan->depth_ok too, else at fixed depth. */
int asr_net_adaptive(const AsrNet *net, const AsrNetOp *op);
/* After an adaptive encoder (asr_net_adaptive() and plan->depth_ok) in the
 * same command buffer, ordered after it for transfer reads: copy the counts
 * of LR pixels that ran each block l < op depth (uint32 x op depth, block
 * order) to dst at offset; ASR_NET_DEPTH_COUNTS_MAX * 4 bytes at most. */
#define ASR_NET_DEPTH_COUNTS_MAX 16
void asr_net_record_depth_counts(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                                 const AsrNetPlan *plan, const AsrNetOp *op, VkBuffer dst,
                                 VkDeviceSize offset);

#endif /* ASR_NET_H */
