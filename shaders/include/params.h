/*
 * Push-constant layouts shared by the C engine and the GLSL compute shaders.
 *
 * Included from GLSL (GL_core_profile is defined) and from C (__STDC__).
 * Every struct is laid out so that the std430 push-constant offsets equal the
 * C offsets: vec4 members first (16-byte aligned), then 32-bit scalars.
 * src/ checks the sizes with static asserts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_SHADER_PARAMS_H
#define ANYSR_SHADER_PARAMS_H

#if defined(GL_core_profile)
#  define ASR_U32 uint
#  define ASR_F32 float
#  define ASR_VEC4 vec4
#  define ASR_ARRAY4
#  define ASR_STRUCT(name) struct name
#elif defined(__STDC__) || defined(__cplusplus)
#  include <stdint.h>
#  define ASR_U32 uint32_t
#  define ASR_F32 float
#  define ASR_VEC4 float
#  define ASR_ARRAY4 [4]
#  define ASR_STRUCT(name) typedef struct name name; struct name
#endif

/* Pixel format codes used in shaders; equal to the AsrPixelFormat values. */
#define ASR_SHADER_FMT_RGBA 1
#define ASR_SHADER_FMT_BGRA 2
#define ASR_SHADER_FMT_RGBX 3
#define ASR_SHADER_FMT_BGRX 4
#define ASR_SHADER_FMT_I420 5
#define ASR_SHADER_FMT_NV12 6
#define ASR_SHADER_FMT_P010 7    /* 16-bit words, 10 bits high (value << 6) */
#define ASR_SHADER_FMT_I420_10 8 /* 16-bit words, 10 bits low */
#define ASR_SHADER_FMT_RGB10A2 9 /* 32-bit word: R 0-9, G 10-19, B 20-29, A 30-31 */
#define ASR_SHADER_FMT_BGR10A2 10 /* 32-bit word: B 0-9, G 10-19, R 20-29, A 30-31 */

/* AsrIoParams.flags bits */
#define ASR_IO_COSITED_H 1u /* chroma sample co-sited with the left luma sample */
#define ASR_IO_COSITED_V 2u /* chroma sample co-sited with the top luma sample */
#define ASR_IO_ALPHA     4u /* the format carries alpha (plane 3 of the activations) */

/* Ids of the workgroup size specialisation constants (ids 0 and 1). */
#define ASR_SPEC_LOCAL_X 0
#define ASR_SPEC_LOCAL_Y 1
/* bicubic.comp: 0 = horizontal pass, 1 = vertical pass */
#define ASR_SPEC_AXIS 2
/* dec_classify.comp, dec_mlp.comp: encoder features F; dec_mlp.comp: hidden
 * sizes H1, H2 (H2 >= 1 even when unused) and number of hidden layers NL */
#define ASR_SPEC_F 2
#define ASR_SPEC_H1 3
#define ASR_SPEC_H2 4
#define ASR_SPEC_NL 5
/* dec_mlp.comp built with ASR_MLP_UBO: vec4 entries of its weight uniform buffer */
#define ASR_SPEC_MLP_VEC4 6
/* dec_mlp.comp's storage-buffer variants: the weight broadcast (0 none, 1
 * every subgroup has lanes 0..7 active, 2 where a ballot says so) */
#define ASR_SPEC_MLP_SHARE 7

/*
 * unpack.comp and pack.comp: one side of the frame I/O.
 *
 * m0..m2: colour matrix rows, 3x4 (xyz = coefficients, w = offset).
 *   unpack: RGB in [0,1] = M * (Y, Cb, Cr, 1) with Y, Cb, Cr in code units
 *           (0..255, or 0..1023 for the 10-bit formats).
 *   pack:   (Y, Cb, Cr) / (2^bits - 1) = M * (R, G, B, 1).
 * offsetN, strideN: byte offset and row stride of each plane in the staging
 *   (uint) buffer; offsets and strides are multiples of 4.
 * plane_size: elements of one float activation plane.
 * Bands (pack.comp): the float source holds frame rows [src_y0, src_y0 +
 *   plane_size / width); the pass writes luma rows [y0, y0 + rows) and the
 *   chroma rows [y0 / 2, ceil((y0 + rows) / 2)); y0 is even and the source
 *   holds row y0 - 1 as well when y0 > 0 (vertical chroma filter).
 */
ASR_STRUCT(AsrIoParams) {
    ASR_VEC4 m0 ASR_ARRAY4;
    ASR_VEC4 m1 ASR_ARRAY4;
    ASR_VEC4 m2 ASR_ARRAY4;
    ASR_U32 format;
    ASR_U32 width;
    ASR_U32 height;
    ASR_U32 plane_size;
    ASR_U32 offset0;
    ASR_U32 offset1;
    ASR_U32 offset2;
    ASR_U32 stride0;
    ASR_U32 stride1;
    ASR_U32 stride2;
    ASR_U32 flags;
    ASR_U32 src_y0;     /* pack: first frame row held by src (its row 0) */
    ASR_U32 y0;         /* pack: first luma row written (even); unpack: 0 */
    ASR_U32 rows;       /* pack: luma rows written from y0; unpack: height */
    ASR_U32 pad0;
    ASR_U32 pad1;
};

/*
 * bicubic.comp: one separable pass of Pillow-aligned Keys bicubic (a = -0.5).
 * The source is src_w x src_h, the destination dst_w x dst_h; along the pass
 * axis the sizes differ, across it they are equal.
 * inv_scale = src / dst along the axis, computed in double and rounded.
 * quantize != 0 rounds each result to quantize levels (255: Pillow's 8-bit
 * intermediate image between its horizontal and vertical passes; 1023 for
 * the 10-bit formats), inv_quantize = 1 / quantize.
 */
ASR_STRUCT(AsrResampleParams) {
    ASR_U32 src_w;
    ASR_U32 src_h;
    ASR_U32 dst_w;
    ASR_U32 dst_h;
    ASR_U32 src_plane_size;
    ASR_U32 dst_plane_size;
    ASR_U32 planes;
    ASR_U32 quantize;
    ASR_F32 inv_scale;
    ASR_F32 inv_quantize;
    ASR_U32 pad1;
    ASR_U32 pad2;
};


/* ------------------------------------------------------------------------ */
/* The network (docs/design.md#network, docs/models.md).
 *
 * Feature maps (h0/enc, x, y) are stored pixel-major with the channels of a
 * pixel contiguous ("NHWC"): channel ch of pixel (x, y) of a w-wide map at
 * element (y * w + x) * cs + ch - base, where cs is the channel stride (the
 * model's F) and base the element offset at which the bound window starts.
 * A band of rows is one contiguous range, so a frame too large for one
 * binding is processed in bands, each bound as its own window. Elements are
 * float16_t when the shaders are built with ASR_ACT_FP16 (act.h), float
 * otherwise. The LR and HR images stay planar float. */

/* conv3x3_simt.comp: ids of the specialisation constants of its register
 * block (pixels along x, output channels per invocation) */
#define ASR_SPEC_CONV_PX 2
#define ASR_SPEC_CONV_COB 3
#define ASR_SPEC_CONV_WSHARE 4
#define ASR_SPEC_CONV_FLAGS 5 /* the ASR_CONV_* flags below */
/* conv3x3_coopmat.comp: the cooperative-matrix shape M x N x K, M
 * tiles per workgroup, N tiles, staged input channels (its header) */
#define ASR_SPEC_CM_TM 6
#define ASR_SPEC_CM_TN 7
#define ASR_SPEC_CM_TK 8
#define ASR_SPEC_CM_NSG 9
#define ASR_SPEC_CM_NT 10
#define ASR_SPEC_CM_CIP 11
#define ASR_SPEC_CM_SPLIT 12 /* weights (and pre()) as fp16 hi + lo pairs */

/* ASR_SPEC_CONV_FLAGS bits (conv3x3_simt.comp, conv3x3_coopmat.comp;
 * AsrConvParams.flags carries the same value for the C side, unread by the
 * shaders) */
#define ASR_CONV_PRE_SA_RELU 1u /* input v -> max(v * att[att_off + ci], 0) on load */
#define ASR_CONV_ADD_RES     2u /* output += res[co] at the same pixel */
#define ASR_CONV_IN_IMAGE    4u /* input from the planar float LR image (binding 5) */
#define ASR_CONV_ADD_HEAD    8u /* output += head(image)[co]: the head conv (3 -> c_out at
                                   hw_off, hb_off) of the LR image recomputed at the pixel */
#define ASR_CONV_TILED      16u /* spatial depth: the workgroups cover the tiles of a list
                                   (tiles[], binding 7), not the band */
#define ASR_CONV_TILE_MASK  32u /* spatial depth: input pixels in tiles whose depth is <= block
                                   read as zero (conv2 reads y of the running tiles only) */

/*
 * conv3x3_*.comp: out[co] = bias[co] + sum_{ci < c_in, ky, kx} W[co, ci, ky, kx] *
 * in[ci](y + ky - 1, x + kx - 1) (zero padding) for co < c_out, with W read
 * from the full-layout tensor at w_off (OIHW, cin_stride input channels), so
 * prefix slices W[:c_out, :c_in] need no copy. Rows [y0, y0 + rows) of the
 * width x height map are computed; the input window holds rows y0 - 1 ..
 * y0 + rows (those inside the map), out and res hold rows [y0, y0 + rows).
 */
ASR_STRUCT(AsrConvParams) {
    ASR_U32 width;
    ASR_U32 height;
    ASR_U32 plane;      /* ASR_CONV_IN_IMAGE: elements per LR image plane */
    ASR_U32 c_in;
    ASR_U32 c_out;
    ASR_U32 cin_stride;
    ASR_U32 w_off;
    ASR_U32 b_off;
    ASR_U32 att_off;
    ASR_U32 flags;
    ASR_U32 y0;         /* first output row of this band */
    ASR_U32 rows;       /* output rows of this band */
    ASR_U32 cs;         /* channel stride of the feature maps */
    ASR_U32 in_base;    /* element offsets of the bound windows (see above) */
    ASR_U32 out_base;
    ASR_U32 res_base;
    ASR_U32 hw_off;     /* ASR_CONV_ADD_HEAD: head weights (OIHW, 3 inputs) */
    ASR_U32 hb_off;     /*   and bias */
    ASR_U32 pad0;       /* conv3x3_coopmat.comp: element offset of the layer's
                           repacked fp16 weights (binding 6); unused by
                           conv3x3_simt.comp */
    ASR_U32 pad1;
    /* ASR_CONV_TILED (tiles[] of binding 7, layout of tile_lists.comp) */
    ASR_U32 tile;       /* side of a depth tile, LR pixels */
    ASR_U32 tiles_x;    /* tiles per row */
    ASR_U32 segs;       /* row segments of PX pixels per tile row */
    ASR_U32 gpt;        /* workgroups per tile */
    ASR_U32 list_off;   /* tiles[] index of the block's tile list */
    ASR_U32 start_at;   /* tiles[] index of the first list entry of this band */
    ASR_U32 block;      /* ASR_CONV_TILE_MASK: tiles with depth > block run */
    ASR_U32 pad2;
};

/* gap.comp: partial sums of each channel, one per row of the map, so that
 * the sums (and the attention) do not depend on how the frame is banded. */
#define ASR_GAP_MAX_LOCAL 128 /* the most invocations of a gap.comp workgroup */
ASR_STRUCT(AsrGapParams) {
    ASR_U32 width;      /* pixels per row */
    ASR_U32 height;     /* rows of the map: partial sums per channel */
    ASR_U32 y0;         /* first row of this band */
    ASR_U32 cs;         /* channel stride of the map */
    ASR_U32 base;       /* element offset of the bound window */
    ASR_U32 tile;       /* spatial depth: side of a depth tile (block != ASR_NO_MASK) */
    ASR_U32 tiles_x;    /*   tiles per row */
    ASR_U32 block;      /*   sum only the pixels of tiles with depth > block;
                             ASR_NO_MASK: every pixel */
};
#define ASR_NO_MASK 0xffffffffu

/* sa.comp: the scale attention of one block from the partial sums. */
#define ASR_SA_LOCAL 64
#define ASR_SA_MAX_IN 128
#define ASR_SA_MAX_HIDDEN 64
ASR_STRUCT(AsrSaParams) {
    ASR_F32 sx;
    ASR_F32 sy;
    ASR_U32 c;          /* block width */
    ASR_U32 chunk;
    ASR_U32 hidden;
    ASR_U32 fc1_stride; /* fc1 input size of the full layout: F + F / chunk * 2 */
    ASR_U32 groups;     /* partial sums per channel */
    ASR_U32 n;          /* pixels */
    ASR_U32 fc1_w;
    ASR_U32 fc1_b;
    ASR_U32 fc2_w;
    ASR_U32 fc2_b;
    ASR_U32 att_off;
    ASR_U32 n_at;       /* ASR_NO_MASK, or the tiles[] index that holds n (spatial
                           depth: the pixels that ran the block; 0 gives g = 0) */
    ASR_U32 pad1;
    ASR_U32 pad2;
};

/* Decoder route buffer (uint) of one band window of n = rows * out_w
 * pixels: counters, indirect dispatch arguments, the per-pixel route map
 * (1 = heavy) at ASR_ROUTE_MAP, then one list of n pixel indices (in the
 * window): heavy pixels from its start, light pixels from its end backwards. */
#define ASR_ROUTE_HEAVY_COUNT 0
#define ASR_ROUTE_LIGHT_COUNT 1
#define ASR_ROUTE_HEAVY_TOTAL 2 /* sums over the bands of a frame */
#define ASR_ROUTE_LIGHT_TOTAL 3
#define ASR_ROUTE_HEAVY_ARGS 4
#define ASR_ROUTE_LIGHT_ARGS 8
#define ASR_ROUTE_MAP 16
/* decoder passes over pixels or lists: invocations per workgroup (x) and
 * the most workgroups along x of a window (asr_net_plan keeps every window
 * within it: the dispatches are one-dimensional) */
#define ASR_DEC_LOCAL 64
#define ASR_DEC_MAX_GROUPS_X 32768u

/* AsrDecParams.mode of dec_mlp.comp */
#define ASR_DEC_ALL 0u   /* every output pixel, in raster order */
#define ASR_DEC_HEAVY 1u /* the heavy list */
#define ASR_DEC_LIGHT 2u /* the light list */

/*
 * dec_classify.comp, dec_mlp.comp, dec_args.comp, dec_refine.comp,
 * bilinear.comp: decoder at HR (train/model.py coordinate conventions).
 * l*_w, l*_b: float offsets of the MLP's layers (classifier: l0 only).
 * The frame is decoded in bands: an invocation window of HR rows [y0, y0 +
 * rows) (classify, MLPs; their outputs hold the window, planes of rows *
 * out_w) and a destination window [dst_y0, dst_y0 + dst_rows) (refine,
 * bilinear, and the MLPs when they write the output directly).
 */
ASR_STRUCT(AsrDecParams) {
    ASR_U32 in_w;
    ASR_U32 in_h;
    ASR_U32 out_w;
    ASR_U32 out_h;
    ASR_F32 cell_x;     /* in_w / out_w, float division */
    ASR_F32 cell_y;
    ASR_F32 threshold;  /* heavy iff delta >= threshold */
    ASR_U32 mode;       /* ASR_DEC_* */
    ASR_U32 l0_w;
    ASR_U32 l0_b;
    ASR_U32 l1_w;
    ASR_U32 l1_b;
    ASR_U32 l2_w;
    ASR_U32 l2_b;
    ASR_U32 src_plane;  /* bilinear.comp: first source plane (element offset) */
    ASR_U32 dst_plane;  /* bilinear.comp: first destination plane (of the window) */
    ASR_U32 y0;         /* invocation window: first HR row */
    ASR_U32 rows;       /*   and its rows */
    ASR_U32 dst_y0;     /* destination window: first HR row */
    ASR_U32 dst_rows;   /*   and its rows */
    ASR_U32 cs;         /* channel stride of enc */
    ASR_U32 enc_base;   /* element offset of the bound enc window */
    ASR_U32 pad0;
    ASR_U32 pad1;
};

/*
 * Spatial depth (docs/models.md#spatial-depth): the uint buffer tiles[] that
 * depth.comp, tile_lists.comp, conv3x3_simt.comp (ASR_CONV_TILED), gap.comp and
 * sa.comp share. Tile t = ty * tiles_x + tx covers LR pixels
 * [tx * tile, min((tx + 1) * tile, width)) x [ty * tile, ...); indices:
 *   [0, ntiles)                 depth of each tile (blocks it runs)
 *   pix_off + l                 LR pixels that run block l (l < depth)
 *   args_off + (l * bands + b) * 8 + {0..3}  conv1's VkDispatchIndirectCommand of
 *                               block l, encoder band b, then the band's first list
 *                               entry; + {4..7} the same for conv2
 *   list_off + l * ntiles + i   tile ids that run block l, raster order (a band's
 *                               tiles contiguous)
 */
#define ASR_DEPTH_LOCAL 32       /* invocations of a depth.comp workgroup */
#define ASR_DEPTH_MAX_F 64       /* features the adapter reads */
#define ASR_DEPTH_MAX_HIDDEN 64  /* its hidden values */
ASR_STRUCT(AsrDepthParams) {
    ASR_F32 target;     /* t, fed to the adapter's fc1 */
    ASR_F32 dscale;     /* float32(d * t): dc = dscale * s */
    ASR_U32 depth;      /* d: depths are clamped to it */
    ASR_U32 width;
    ASR_U32 height;
    ASR_U32 tile;
    ASR_U32 tiles_x;
    ASR_U32 ty0;        /* first tile row of this band */
    ASR_U32 cs;         /* channel stride of the map */
    ASR_U32 base;       /* element offset of the bound window */
    ASR_U32 F;          /* features of the map (adapter input) */
    ASR_U32 hidden;
    ASR_U32 pix_w, pix_b, fc1_w, fc1_b; /* weight offsets (floats) */
    ASR_U32 fc2_w, fc2_b;
    ASR_U32 pools;      /* 1: fc1 reads [mean, t]; 2: [mean, max, t] */
    ASR_U32 pad0;
};

ASR_STRUCT(AsrTileListParams) {
    ASR_U32 width;
    ASR_U32 height;
    ASR_U32 tile;
    ASR_U32 tiles_x;
    ASR_U32 tiles_y;
    ASR_U32 band_tiles; /* tile rows per encoder band */
    ASR_U32 bands;
    ASR_U32 depth;      /* blocks of the op: lists l < depth */
    ASR_U32 gpt;        /* conv workgroups per tile (x of the indirect commands) */
    ASR_U32 gz1;        /* conv1's z workgroups (output channel groups) */
    ASR_U32 gz2;        /* conv2's */
    ASR_U32 pix_off;
    ASR_U32 args_off;
    ASR_U32 list_off;
    ASR_U32 pad0, pad1;
};

#endif /* ANYSR_SHADER_PARAMS_H */
