/*
 * The network passes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "buffer.h"
#include "half.h"
#include "net.h"
#include "netprof.h"
#include "safetensors.h"
#include "shaders.h"
#include "subgroup.h"

_Static_assert(sizeof(AsrConvParams) == 112, "AsrConvParams layout");
_Static_assert(sizeof(AsrDepthParams) == 80, "AsrDepthParams layout");
_Static_assert(sizeof(AsrTileListParams) == 64, "AsrTileListParams layout");
_Static_assert(ASR_DEPTH_MAX_F >= ASR_MODEL_MAX_F && ASR_DEPTH_MAX_HIDDEN >= ASR_MODEL_MAX_ADAPTER &&
               ASR_MODEL_MAX_D <= 16, "shader limits (depth.comp, tile_lists.comp)");
_Static_assert(sizeof(AsrGapParams) == 32, "AsrGapParams layout");
_Static_assert(sizeof(AsrSaParams) == 64, "AsrSaParams layout");
_Static_assert(sizeof(AsrDecParams) == 96, "AsrDecParams layout");
_Static_assert(ASR_SA_MAX_IN == ASR_MODEL_MAX_SA_IN && ASR_SA_MAX_HIDDEN == ASR_MODEL_MAX_SA_HIDDEN,
               "shader limits");

#define REFINE_LOCAL 8
/* TRANSFER_SRC: the test hooks of internal.h read any buffer back */
#define STORAGE (VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT)

/* The fp16 K x N weights of conv3x3_coopmat.comp (its header): per layer (F x F x
 * 3 x 3 OIHW at w), element (tap * cip + ci) * cop + co, zero padded. */
static void pack_layer(const AsrNet *net, uint32_t w, uint16_t *dst)
{
    uint32_t F = net->model->arch.F, cip = net->cm.cip, cop = net->cm.nt * net->cm.tn;
    size_t n = (size_t)9 * cip * cop;
    const float *W = net->model->weights;
    memset(dst, 0, n * (net->cm.split ? 2 : 1) * sizeof(uint16_t));
    for (uint32_t co = 0; co < F; co++)
        for (uint32_t ci = 0; ci < F; ci++)
            for (uint32_t t = 0; t < 9; t++) {
                size_t i = ((size_t)t * cip + ci) * cop + co;
                float v = W[w + ((size_t)co * F + ci) * 9 + t];
                dst[i] = asr_float_to_half(v);
                if (net->cm.split) /* the residue times 2^11: a second block after the first */
                    dst[n + i] = asr_float_to_half((v - asr_half_to_float(dst[i])) * 2048.0f);
            }
}

/* Fill `dst` (device-local, created here) with `bytes` that fill() writes
 * into a temporary staging buffer (freed before returning, so that two
 * uploads never hold two staging buffers). */
typedef void (*FillFn)(const AsrNet *net, void *map, VkDeviceSize bytes);

static AsrStatus upload(AsrDevice *d, const AsrNet *net, AsrCmd *cmd, AsrBuffer *dst,
                        VkDeviceSize bytes, FillFn fill)
{
    AsrBuffer staging = { 0 };
    AsrStatus status = asr_buffer_create(d, dst, ASR_BUFFER_DEVICE, bytes,
                                         STORAGE | VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT |
                                         VK_BUFFER_USAGE_TRANSFER_DST_BIT);
    if (status < 0)
        return status;
    status = asr_buffer_create(d, &staging, ASR_BUFFER_UPLOAD, bytes,
                               VK_BUFFER_USAGE_TRANSFER_SRC_BIT);
    if (status < 0)
        return status;
    fill(net, staging.map, bytes);
    status = asr_cmd_begin(d, cmd);
    if (status < 0)
        goto done;
    VkBufferCopy copy = { .size = bytes };
    d->vk.vkCmdCopyBuffer(cmd->cb, staging.buffer, dst->buffer, 1, &copy);
    asr_cmd_barrier(d, cmd->cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
    status = asr_cmd_submit_wait(d, cmd, NULL);
done:
    asr_buffer_destroy(d, &staging);
    return status;
}

/* the weights as float, then zeros up to `bytes` (a multiple of 16, so
 * that the MLPs' uniform-buffer ranges, whole vec4, stay inside) */
static void fill_weights(const AsrNet *net, void *map, VkDeviceSize bytes)
{
    size_t n = net->model->num_weights * sizeof(float);
    memcpy(map, net->model->weights, n);
    memset((char *)map + n, 0, bytes - n);
}

static void fill_wpack(const AsrNet *net, void *map, VkDeviceSize bytes)
{
    (void)bytes;
    const AsrModelOffsets *o = &net->model->off;
    uint16_t *wp = map;
    for (uint32_t i = 0; i < net->model->arch.D; i++) {
        pack_layer(net, o->conv1[i].w, wp + net->wp_conv1[i]);
        pack_layer(net, o->conv2[i].w, wp + net->wp_conv2[i]);
    }
    pack_layer(net, o->tail.w, wp + net->wp_tail);
}

static AsrStatus upload_weights(AsrDevice *d, AsrNet *net, AsrCmd *cmd)
{
    VkDeviceSize bytes = (net->model->num_weights * sizeof(float) + 15) / 16 * 16;
    AsrStatus status = upload(d, net, cmd, &net->weights, bytes, fill_weights);
    if (status < 0)
        return status;
    /* coopmat: the repacked fp16 weights (conv3x3_coopmat.comp) */
    if (net->coopmat && (status = upload(d, net, cmd, &net->wpack, net->wpack_bytes,
                                         fill_wpack)) < 0)
        return status;
    net->weight_uploads++;
    asr_info(&d->log, "uploaded %zu weights (%llu bytes%s) to the device",
             net->model->num_weights, (unsigned long long)bytes,
             net->coopmat ? ", and their fp16 repacking for the coopmat kernels" : "");
    return ASR_OK;
}

/* The largest register block (PX x COB accumulators, COB) of
 * conv3x3_simt.comp that the ANYSR_CONV_BLOCK knob may choose: the kernel is
 * unrolled over its block and lavapipe compiles it at its first dispatch,
 * in a time that grows faster than the block (8,4,4,16: ~30 s; COB 32 or
 * 16 x 32: over the 60 s submission watchdog, the frame "never finishes").
 * Every built-in block is within these (docs/design.md#settings). */
#define CONV_MAX_ACC 128
#define CONV_MAX_COB 16

/* Why the ANYSR_CONV_BLOCK tuple b cannot run on this device, or NULL: the
 * rules of docs/design.md#settings, in 64 bits (no overflow) */
static const char *conv_block_rule(const AsrDevice *d, const AsrConvBlock *b, char *buf,
                                   size_t size)
{
    const VkPhysicalDeviceLimits *lim = &d->props.limits;
    if (!b->lx || !b->ly)
        return "LX and LY must be at least 1";
    if (b->lx > lim->maxComputeWorkGroupSize[0] || b->ly > lim->maxComputeWorkGroupSize[1]) {
        snprintf(buf, size, "LX x LY must be within the device's maxComputeWorkGroupSize "
                 "%u x %u", lim->maxComputeWorkGroupSize[0], lim->maxComputeWorkGroupSize[1]);
        return buf;
    }
    if ((uint64_t)b->lx * b->ly > lim->maxComputeWorkGroupInvocations) {
        snprintf(buf, size, "LX x LY must be at most the device's "
                 "maxComputeWorkGroupInvocations (%u)", lim->maxComputeWorkGroupInvocations);
        return buf;
    }
    if (!b->px || b->px > 16)
        return "PX must be 1 to 16";
    if (!b->cob || b->cob % 8 || b->cob > CONV_MAX_COB)
        return "COB must be 8 or 16";
    if ((uint64_t)b->px * b->cob > CONV_MAX_ACC)
        return "PX x COB must be at most 128 (the kernel's compile time grows faster than "
               "its register block: larger ones take minutes on lavapipe)";
    if (b->wshare > 1)
        return "WSHARE must be 0 or 1";
    if (b->wshare && !(d->subgroup_ops & VK_SUBGROUP_FEATURE_BALLOT_BIT))
        return "WSHARE 1 needs subgroup ballot and broadcast in compute shaders";
    return NULL;
}

/* The tile side the tiled conv's block is shaped for (a model without a
 * depth adapter never runs it: any side does) */
static uint32_t tile_side(const AsrModel *m)
{
    return m->arch.depth_tile ? m->arch.depth_tile : 16;
}

/* Shared memory of conv3x3_coopmat.comp with nsg subgroups (its sa, sa_lo
 * and sc arrays) on this device's matrix shape */
static uint64_t cm_shared_bytes(const AsrDevice *d, const AsrModel *m, uint32_t nsg)
{
    uint64_t F = m->arch.F, tm = d->cm_m, tn = d->cm_n ? d->cm_n : 1, tk = d->cm_k ? d->cm_k : 1;
    uint64_t cip = ASR_DIV_UP(F, tk) * tk, cop = ASR_DIV_UP(F, tn) * tn;
    uint64_t window = 3 * (nsg * tm + 2) * cip * 2 * (d->env.cm_split ? 2 : 1);
    return window + nsg * tm * cop * 4;
}

/* Whether nsg coopmat subgroups fit the device's workgroup and shared memory */
static int cm_nsg_fits(const AsrDevice *d, const AsrModel *m, uint32_t nsg)
{
    const VkPhysicalDeviceLimits *lim = &d->props.limits;
    return (uint64_t)nsg * d->subgroup_size <= lim->maxComputeWorkGroupInvocations &&
           (!d->sg_max_subgroups || nsg <= d->sg_max_subgroups) &&
           cm_shared_bytes(d, m, nsg) <= lim->maxComputeSharedMemorySize;
}

void asr_net_builtin_config(const AsrDevice *d, const AsrModel *m, AsrKernelConfig *c)
{
    int ballot = (d->subgroup_ops & VK_SUBGROUP_FEATURE_BALLOT_BIT) && d->subgroup_size >= 8;
    uint32_t T = tile_side(m);
    memset(c, 0, sizeof(*c));
    if (d->quirks.cpu_blocks) {
        /* lavapipe: an 8-lane subgroup is one SIMD vector, 12 pixels x 8
         * output channels per invocation (measured, docs/design.md#kernels);
         * the weight broadcast where loads go lane by lane (quirks.h) */
        c->band = (AsrConvBlock) { .lx = 8, .ly = 4, .px = 12, .cob = 8,
                                   .wshare = ballot && d->quirks.weight_broadcast };
        /* over tile lists: an 8-lane row of invocations, each a whole tile
         * row (16 pixels x 8 output channels, more reuse per load than the
         * band kernel's 12), two rows of them: one 16x16 tile per workgroup */
        c->tiled = (AsrConvBlock) { .lx = 8, .ly = ASR_MAX(1u, ASR_MIN(T / 8, 4u)),
                                    .px = ASR_MIN(T, 16), .cob = 8, .wshare = c->band.wshare };
    } else {
        /* GPUs: 4 x 8 register tiles, 64 invocations, as ncnn's and most direct
         * GPU convolutions; weights at workgroup-uniform addresses (scalar and
         * constant caches); over tile lists the same tiles covering a tile's
         * width. The tuner times the alternatives on the device. */
        c->band = (AsrConvBlock) { .lx = 16, .ly = 4, .px = 4, .cob = 8, .wshare = 0 };
        uint32_t px = T % 4 == 0 ? 4 : T % 2 == 0 ? 2 : 1, lx = ASR_MIN(ASR_DIV_UP(T, px), 16);
        c->tiled = (AsrConvBlock) { .lx = lx, .ly = ASR_MAX(1u, 64 / lx), .px = px, .cob = 8 };
    }
    /* coopmat: 4 M tiles per workgroup, 32 pixels of a row on lavapipe
     * (8x8x8), 64 on GPUs with 16-wide tiles */
    c->cm_nsg = 4;
    while (c->cm_nsg > 1 && !cm_nsg_fits(d, m, c->cm_nsg))
        c->cm_nsg--;
}

void asr_net_config_env(const AsrDevice *d, const AsrModel *m, AsrKernelConfig *c)
{
    if (d->env.cm_nsg) {
        c->cm_nsg = d->env.cm_nsg;
        while (c->cm_nsg > 1 && !cm_nsg_fits(d, m, c->cm_nsg))
            c->cm_nsg--;
    }
    if (d->env.mlp_ssbo)
        c->mlp_ssbo = 1;
    if (!d->env.conv_block_set)
        return;
    const uint32_t *env = d->env.conv_block;
    AsrConvBlock k = { .lx = env[0], .ly = env[1], .px = env[2], .cob = env[3],
                       .wshare = env[4] };
    char buf[160];
    const char *rule = conv_block_rule(d, &k, buf, sizeof(buf));
    if (rule) {
        asr_warn(&d->log, "ignoring ANYSR_CONV_BLOCK=%s: %s; the device's block "
                 "%u,%u,%u,%u,%u runs", d->env.conv_block_text, rule, c->band.lx, c->band.ly,
                 c->band.px, c->band.cob, c->band.wshare);
        return;
    }
    c->band = k;
    if (d->quirks.cpu_blocks) /* the tiled block broadcasts as the band block */
        c->tiled.wshare = k.wshare;
    /* conv3x3_simt.comp broadcasts only in subgroups whose lanes 0..7 are
     * all active and loads directly elsewhere, so any workgroup is correct */
    if (k.wshare && (d->subgroup_size < 8 || k.lx % d->subgroup_size))
        asr_info(&d->log, "ANYSR_CONV_BLOCK=%s: a workgroup row of %u is not whole subgroups "
                 "of %u (8 or more): the weight broadcast applies only where a subgroup "
                 "has lanes 0 to 7", d->env.conv_block_text, k.lx, d->subgroup_size);
}

const char *asr_net_config_rule(const AsrDevice *d, const AsrModel *m, const AsrKernelConfig *c,
                                char *buf, size_t size)
{
    char tmp[160];
    const char *rule = conv_block_rule(d, &c->band, tmp, sizeof(tmp));
    if (rule) {
        snprintf(buf, size, "band block: %s", rule);
        return buf;
    }
    rule = conv_block_rule(d, &c->tiled, tmp, sizeof(tmp));
    /* conv3x3_simt.comp over tile lists: every invocation row covers a tile
     * row (rows = LX x LY / segments of PX pixels must be at least 1) */
    if (!rule && c->tiled.lx * c->tiled.ly < ASR_DIV_UP(tile_side(m), c->tiled.px))
        rule = "LX x LY must be at least a tile row's segments of PX pixels";
    if (rule) {
        snprintf(buf, size, "tiled block: %s", rule);
        return buf;
    }
    if (c->mlp_ssbo > 1)
        return "mlp_ssbo must be 0 or 1";
    if (c->cm_nsg < 1 || c->cm_nsg > 16)
        return "coopmat subgroups per workgroup must be 1 to 16";
    if ((uint64_t)c->cm_nsg * d->subgroup_size > d->props.limits.maxComputeWorkGroupInvocations) {
        snprintf(buf, size, "coopmat: %u subgroups of %u are more than the device's "
                 "maxComputeWorkGroupInvocations (%u)", c->cm_nsg, d->subgroup_size,
                 d->props.limits.maxComputeWorkGroupInvocations);
        return buf;
    }
    if (d->sg_max_subgroups && c->cm_nsg > d->sg_max_subgroups) {
        snprintf(buf, size, "coopmat: %u subgroups are more than the device's "
                 "maxComputeWorkgroupSubgroups (%u)", c->cm_nsg, d->sg_max_subgroups);
        return buf;
    }
    if (d->coopmat && !cm_nsg_fits(d, m, c->cm_nsg)) {
        snprintf(buf, size, "coopmat: %u subgroups need %llu bytes of shared memory, more "
                 "than the device's maxComputeSharedMemorySize (%u)", c->cm_nsg,
                 (unsigned long long)cm_shared_bytes(d, m, c->cm_nsg),
                 d->props.limits.maxComputeSharedMemorySize);
        return buf;
    }
    return NULL;
}

/* Whether every subgroup of the pass of desc has lanes 0..7 active, so that
 * a broadcast from them needs no ballot: workgroup rows (LX) of whole
 * subgroups of 8 or more lanes (a 4 x 16 workgroup, 64 invocations, gave
 * wrong output on lavapipe 22.3 with the unconditional broadcast: its
 * subgroups are not 8 invocations in linear order there; test-golden
 * --candidates found it), and full subgroups asked for and granted
 * (subgroup.h), else lavapipe's whole subgroups (quirks.h)
 * (docs/design.md#kernels, "Subgroups"). */
static int lanes8_full(AsrDevice *d, AsrPassDesc *desc, const char *what)
{
    uint32_t sg = d->subgroup_size;
    if (sg < 8 || desc->local_x % sg)
        return 0;
    if (asr_subgroup_ask_full(d, desc, sg, what))
        return 1;
    return d->quirks.whole_subgroups;
}

/* The WSHARE specialisation constant of conv3x3_simt.comp for block b (and
 * what it asks of desc's subgroups): 1 (broadcast) where every subgroup has
 * lanes 0..7 active (lanes8_full()); 2 (broadcast where a ballot finds
 * lanes 0..7 active, direct loads elsewhere: correct at any subgroup size)
 * otherwise, GPUs whose subgroup size may vary included; 0 without the
 * broadcast. (The ballot costs lavapipe 22.3 ~25 % of the encoder's time,
 * so it is left out where it is not needed.) */
static uint32_t conv_wshare(AsrDevice *d, const AsrConvBlock *b, AsrPassDesc *desc)
{
    if (!b->wshare)
        return 0;
    return lanes8_full(d, desc, "conv3x3_simt's weight broadcast") ? 1 : 2;
}

/* The cooperative-matrix conv's tiles from the device's shape; the repacked
 * weights' layout (conv1, conv2 of each block, then the tail). */
static void choose_conv_coopmat(const AsrDevice *d, AsrNet *net)
{
    AsrConvCoopmat *c = &net->cm;
    uint32_t F = net->model->arch.F;
    c->tm = d->cm_m, c->tn = d->cm_n, c->tk = d->cm_k;
    c->nt = ASR_DIV_UP(F, c->tn);
    c->cip = ASR_DIV_UP(F, c->tk) * c->tk;
    /* M tiles per workgroup: the kernel configuration's (asr_net_builtin_config()) */
    c->nsg = net->cfg.cm_nsg;
    c->split = d->env.cm_split;
    c->local = c->nsg * d->subgroup_size;
    uint32_t layer = 9 * c->cip * c->nt * c->tn * (c->split ? 2 : 1), n = 0;
    for (uint32_t i = 0; i < net->model->arch.D; i++) {
        net->wp_conv1[i] = n, n += layer;
        net->wp_conv2[i] = n, n += layer;
    }
    net->wp_tail = n, n += layer;
    net->wpack_bytes = (uint64_t)n * sizeof(uint16_t);
}


/* The weights of a decoder MLP go in a uniform buffer when they are one
 * contiguous run (layers in order) within the device's maxUniformBufferRange:
 * uniform loads serve weights that every invocation reads at once better
 * than storage loads (docs/design.md#kernels). */
static void choose_mlp_weights(const AsrDevice *d, const AsrModel *m, int heavy, int ssbo,
                               AsrMlpWeights *w)
{
    const AsrArch *a = &m->arch;
    const AsrLayerOffsets *l = heavy ? m->off.heavy : m->off.light;
    const uint32_t *hid = heavy ? a->heavy : a->light;
    uint32_t nl = heavy ? a->n_heavy : a->n_light;
    uint32_t in = a->F + 4, expect = l[0].w;
    memset(w, 0, sizeof(*w));
    for (uint32_t i = 0; i <= nl; i++) {
        uint32_t out = i < nl ? hid[i] : 3;
        if (l[i].w != expect || l[i].b != l[i].w + out * in)
            return; /* not one run in layer order */
        expect = l[i].b + out;
        in = out;
    }
    const VkPhysicalDeviceLimits *lim = &d->props.limits;
    VkDeviceSize align = ASR_MAX(lim->minUniformBufferOffsetAlignment, 16);
    VkDeviceSize first = (VkDeviceSize)l[0].w * sizeof(float) / align * align;
    VkDeviceSize range = ((VkDeviceSize)expect * sizeof(float) - first + 15) / 16 * 16;
    if (range > lim->maxUniformBufferRange ||
        first + range > ((VkDeviceSize)m->num_weights * sizeof(float) + 15) / 16 * 16)
        return;
    w->ubo = !ssbo;
    w->offset = first;
    w->range = range;
}

static AsrStatus create_mlp(AsrDevice *d, AsrNet *net, int heavy, int fp16, AsrPass *p)
{
    const AsrArch *a = &net->model->arch;
    const uint32_t *hid = heavy ? a->heavy : a->light;
    uint32_t nl = heavy ? a->n_heavy : a->n_light;
    AsrMlpWeights *w = &net->mlp_w[heavy];
    choose_mlp_weights(d, net->model, heavy, (int)net->cfg.mlp_ssbo, w);
    AsrPassDesc desc = {
        .shader = asr_shader(w->ubo ? (fp16 ? ASR_SHADER_DEC_MLP_UBO_F16S
                                            : ASR_SHADER_DEC_MLP_UBO_F32S)
                                    : (fp16 ? ASR_SHADER_DEC_MLP_SSBO_F16S
                                            : ASR_SHADER_DEC_MLP_SSBO_F32S)),
        .num_buffers = 5,
        .push_size = sizeof(AsrDecParams),
        .local_x = ASR_DEC_LOCAL,
        .local_y = 1,
        .num_spec = 6,
        .spec = { a->F, hid[0], nl > 1 ? hid[1] : 1, nl, (uint32_t)(w->range / 16) },
        .num_sets = 2,
        .uniform_mask = w->ubo ? 1u << 2 : 0,
    };
    /* the storage-buffer variants broadcast weights from lanes 0..7 (as
     * conv_wshare()); 0: no ballot, direct loads */
    if (!w->ubo && (d->subgroup_ops & VK_SUBGROUP_FEATURE_BALLOT_BIT))
        desc.spec[5] = lanes8_full(d, &desc, "dec_mlp's weight broadcast") ? 1 : 2;
    return asr_pass_create(d, &desc, p);
}

/* The ASR_CONV_* flags of each conv role: one pipeline per role, its flags a
 * specialisation constant, so the branches of the other roles are compiled
 * out (and the push constants carry them for the profile) */
static const uint32_t conv_flags[ASR_CONV_SET_COUNT] = {
    [ASR_CONV_SET_HEAD] = ASR_CONV_IN_IMAGE,
    [ASR_CONV_SET_C1] = 0,
    [ASR_CONV_SET_C2] = ASR_CONV_PRE_SA_RELU | ASR_CONV_ADD_RES,
    [ASR_CONV_SET_TAIL] = ASR_CONV_ADD_HEAD,
};

/* conv1 (tiled 0) and conv2 (tiled 1) over tile lists: their role's flags,
 * conv2 reading y of the running tiles only */
static uint32_t tiled_flags(int c2)
{
    return c2 ? conv_flags[ASR_CONV_SET_C2] | ASR_CONV_TILED | ASR_CONV_TILE_MASK
              : conv_flags[ASR_CONV_SET_C1] | ASR_CONV_TILED;
}

/* Spatial depth: conv1 / conv2 over tile lists (SIMT, the configuration's
 * tiled block, which covers a tile's width with whole workgroups) */
static AsrStatus create_tiled_convs(AsrDevice *d, AsrNet *net)
{
    const AsrConvBlock *b = &net->tile_block;
    for (int i = 0; i < 2; i++) {
        AsrPassDesc conv = {
            .shader = asr_shader(net->fp16 ? ASR_SHADER_CONV3X3_SIMT_F16S
                                           : ASR_SHADER_CONV3X3_SIMT_F32S),
            .num_buffers = 8, .push_size = sizeof(AsrConvParams),
            .local_x = b->lx, .local_y = b->ly, .num_spec = 4,
            .spec = { b->px, b->cob, 0, tiled_flags(i) },
        };
        conv.spec[2] = conv_wshare(d, b, &conv);
        AsrStatus status = asr_pass_create(d, &conv, &net->conv_tiled[i]);
        if (status < 0)
            return status;
    }
    return ASR_OK;
}

/* The conv of each role over whole bands: SIMT (the band block), or the
 * coopmat kernel (the head stays SIMT) */
static AsrStatus create_band_convs(AsrDevice *d, AsrNet *net)
{
    const AsrConvBlock *cb = &net->conv_block;
    AsrPassDesc conv = {
        /* 8 bindings: conv3x3_simt.comp declares the tiles[] of its tiled roles */
        .shader = asr_shader(net->fp16 ? ASR_SHADER_CONV3X3_SIMT_F16S
                                       : ASR_SHADER_CONV3X3_SIMT_F32S),
        .num_buffers = 8,
        .push_size = sizeof(AsrConvParams),
        .local_x = cb->lx, .local_y = cb->ly, .num_spec = 4,
        .spec = { cb->px, cb->cob },
    };
    conv.spec[2] = conv_wshare(d, cb, &conv);
    for (uint32_t i = 0; i < ASR_CONV_SET_COUNT; i++) {
        AsrStatus status;
        conv.spec[3] = conv_flags[i];
#ifdef ASR_HAVE_COOPMAT
        if (net->coopmat && i != ASR_CONV_SET_HEAD) {
            /* spec ids 2..5 as conv3x3_simt.comp's (2..4 unused there), then 6..12 */
            const AsrConvCoopmat *c = &net->cm;
            AsrPassDesc cm = {
                .shader = asr_shader(ASR_SHADER_CONV3X3_COOPMAT_F16S), .num_buffers = 7,
                .push_size = sizeof(AsrConvParams), .local_x = c->local, .local_y = 1,
                .num_spec = 11,
                .spec = { 0, 0, 0, conv_flags[i], c->tm, c->tn, c->tk, c->nsg, c->nt, c->cip,
                          c->split },
            };
            /* matrix operations take every lane of a subgroup: full
             * subgroups of the size the shapes were enumerated for (the
             * device has coopmat only where it can be asked, device.c) */
            if (!asr_subgroup_ask_full(d, &cm, d->subgroup_size, "conv3x3_coopmat")) {
                asr_err(&d->log, "conv3x3_coopmat: a workgroup of %u cannot be full subgroups "
                        "of %u", c->local, d->subgroup_size);
                return ASR_ERROR_UNSUPPORTED;
            }
            if ((status = asr_pass_create(d, &cm, &net->conv[i])) < 0)
                return status;
            continue;
        }
#endif
        if ((status = asr_pass_create(d, &conv, &net->conv[i])) < 0)
            return status;
    }
    return ASR_OK;
}

/* Spatial depth: the adapter and the list builder */
static AsrStatus create_depth_passes(AsrDevice *d, AsrNet *net)
{
    AsrStatus status;
    AsrPassDesc depth = {
        .shader = asr_shader(net->fp16 ? ASR_SHADER_DEPTH_F16S : ASR_SHADER_DEPTH_F32S),
        .num_buffers = 3,
        .push_size = sizeof(AsrDepthParams), .local_x = ASR_DEPTH_LOCAL, .local_y = 1,
    };
    AsrPassDesc lists = {
        .shader = asr_shader(ASR_SHADER_TILE_LISTS), .num_buffers = 1,
        .push_size = sizeof(AsrTileListParams), .local_x = 16, .local_y = 1,
    };
    if ((status = asr_pass_create(d, &depth, &net->depth)) < 0)
        return status;
    return asr_pass_create(d, &lists, &net->lists);
}

AsrStatus asr_net_set_config(AsrDevice *d, AsrNet *net, const AsrKernelConfig *cfg)
{
    AsrKernelConfig old = net->cfg;
    int band = memcmp(&old.band, &cfg->band, sizeof(cfg->band)) != 0 ||
               (net->coopmat && old.cm_nsg != cfg->cm_nsg);
    int tiled = memcmp(&old.tiled, &cfg->tiled, sizeof(cfg->tiled)) != 0;
    int mlp = old.mlp_ssbo != cfg->mlp_ssbo;
    net->cfg = *cfg;
    net->conv_block = cfg->band;
    net->tile_block = cfg->tiled;
    net->cm.nsg = cfg->cm_nsg;
    net->cm.local = cfg->cm_nsg * d->subgroup_size;
    AsrStatus status = ASR_OK;
    if (band) {
        for (uint32_t i = 0; i < ASR_CONV_SET_COUNT; i++)
            asr_pass_destroy(d, &net->conv[i]);
        status = create_band_convs(d, net);
    }
    if (tiled && net->model->arch.depth_tile && status >= 0) {
        asr_pass_destroy(d, &net->conv_tiled[0]);
        asr_pass_destroy(d, &net->conv_tiled[1]);
        status = create_tiled_convs(d, net);
    }
    if (mlp && status >= 0) {
        asr_pass_destroy(d, &net->mlp_heavy);
        asr_pass_destroy(d, &net->mlp_light);
        if ((status = create_mlp(d, net, 1, net->fp16, &net->mlp_heavy)) >= 0)
            status = create_mlp(d, net, 0, net->fp16, &net->mlp_light);
    }
    if (status < 0) /* no valid configuration: the next call rebuilds every family */
        memset(&net->cfg, 0xff, sizeof(net->cfg));
    return status;
}

AsrStatus asr_net_create(AsrDevice *d, AsrModel *model, int fp16, int coopmat,
                         const AsrKernelConfig *cfg, AsrCmd *cmd, AsrNet *net)
{
    AsrStatus status;
    memset(net, 0, sizeof(*net));
    net->model = model;
    net->fp16 = fp16;
    net->cfg = *cfg;
    net->conv_block = cfg->band;
    net->tile_block = cfg->tiled;
    const AsrArch *a = &model->arch;
#ifdef ASR_HAVE_COOPMAT
    net->coopmat = coopmat && fp16 && d->coopmat;
#else
    (void)coopmat;
#endif
    if (net->coopmat)
        choose_conv_coopmat(d, net);

    AsrPassDesc gap = {
        .shader = asr_shader(fp16 ? ASR_SHADER_GAP_F16S : ASR_SHADER_GAP_F32S),
        .num_buffers = 3, .push_size = sizeof(AsrGapParams),
        .local_x = ASR_MIN(ASR_MAX(d->subgroup_size, 1), ASR_GAP_MAX_LOCAL), .local_y = 1,
    };
    /* one full subgroup per workgroup: its sums in the order of the
     * device's subgroup size (any size is correct, gap.comp) */
    asr_subgroup_ask_full(d, &gap, gap.local_x, "gap.comp's sums");
    AsrPassDesc sa = {
        .shader = asr_shader(ASR_SHADER_SA), .num_buffers = 4, .push_size = sizeof(AsrSaParams),
        .local_x = ASR_SA_LOCAL, .local_y = 1,
    };
    AsrPassDesc classify = {
        .shader = asr_shader(fp16 ? ASR_SHADER_DEC_CLASSIFY_F16S : ASR_SHADER_DEC_CLASSIFY_F32S),
        .num_buffers = 3, .push_size = sizeof(AsrDecParams),
        .local_x = ASR_DEC_LOCAL, .local_y = 1, .num_spec = 1, .spec = { a->F },
    };
    AsrPassDesc args = {
        .shader = asr_shader(ASR_SHADER_DEC_ARGS), .num_buffers = 1, .local_x = 1, .local_y = 1,
    };
    AsrPassDesc refine = {
        .shader = asr_shader(ASR_SHADER_DEC_REFINE), .num_buffers = 3, .push_size = sizeof(AsrDecParams),
        .local_x = REFINE_LOCAL, .local_y = REFINE_LOCAL,
    };
    AsrPassDesc bilinear = {
        .shader = asr_shader(ASR_SHADER_BILINEAR), .num_buffers = 2, .push_size = sizeof(AsrDecParams),
        .local_x = REFINE_LOCAL, .local_y = REFINE_LOCAL,
    };
    if ((status = create_band_convs(d, net)) < 0)
        goto error;
    if (a->depth_tile && ((status = create_tiled_convs(d, net)) < 0 ||
                          (status = create_depth_passes(d, net)) < 0))
        goto error;
    if ((status = asr_pass_create(d, &gap, &net->gap)) < 0 ||
        (status = asr_pass_create(d, &sa, &net->sa)) < 0 ||
        (status = asr_pass_create(d, &classify, &net->classify)) < 0 ||
        (status = asr_pass_create(d, &args, &net->args)) < 0 ||
        (status = create_mlp(d, net, 1, fp16, &net->mlp_heavy)) < 0 ||
        (status = create_mlp(d, net, 0, fp16, &net->mlp_light)) < 0 ||
        (status = asr_pass_create(d, &refine, &net->refine)) < 0 ||
        (status = asr_pass_create(d, &bilinear, &net->bilinear)) < 0)
        goto error;
    status = asr_buffer_create(d, &net->att, ASR_BUFFER_DEVICE,
                               (VkDeviceSize)a->D * a->F * sizeof(float), STORAGE);
    if (status < 0)
        goto error;
    status = upload_weights(d, net, cmd);
    if (status < 0)
        goto error;
    return ASR_OK;

error:
    asr_net_destroy(d, net);
    return status;
}

void asr_net_destroy(AsrDevice *d, AsrNet *net)
{
    for (uint32_t i = 0; i < ASR_CONV_SET_COUNT; i++)
        asr_pass_destroy(d, &net->conv[i]);
    asr_buffer_destroy(d, &net->wpack);
    AsrPass *passes[] = { &net->gap, &net->sa, &net->classify, &net->args,
                          &net->mlp_heavy, &net->mlp_light, &net->refine, &net->bilinear,
                          &net->depth, &net->lists, &net->conv_tiled[0], &net->conv_tiled[1] };
    AsrBuffer *bufs[] = { &net->weights, &net->att, &net->x, &net->y, &net->partial,
                          &net->unref, &net->route, &net->tiles };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(passes); i++)
        asr_pass_destroy(d, passes[i]);
    for (size_t i = 0; i < ASR_ARRAY_SIZE(bufs); i++)
        asr_buffer_destroy(d, bufs[i]);
    asr_model_free(&net->model);
    memset(net, 0, sizeof(*net));
}

/* LR row of the decoder's nearest pixel for HR row Y (decoder.h dec_axis) */
static uint32_t lr_row(uint32_t Y, uint32_t in_h, uint32_t out_h)
{
    uint64_t r = ((2 * (uint64_t)Y + 1) * in_h) / (2 * (uint64_t)out_h);
    return (uint32_t)ASR_MIN(r, (uint64_t)in_h - 1);
}

void asr_net_window(const AsrNetSize *s, const AsrNetPlan *plan, int routed, uint32_t band,
                    AsrNetWindow *w)
{
    w->y0 = band * plan->dec_rows;
    w->y1 = ASR_MIN(w->y0 + plan->dec_rows, s->out_h);
    w->h0 = w->y0 ? w->y0 - 1 : 0;
    w->h1 = w->y1;
    w->m0 = routed && w->h0 ? w->h0 - 1 : w->h0;
    w->m1 = routed ? ASR_MIN(w->h1 + 1, s->out_h) : w->h1;
    w->e0 = lr_row(w->m0, s->in_h, s->out_h);
    w->e1 = lr_row(w->m1 - 1, s->in_h, s->out_h) + 1;
}

/* Bytes of the decoder window buffers for windows of `rows` rows. */
static void window_bytes(const AsrNetSize *s, uint32_t rows, AsrNetPlan *plan)
{
    uint64_t n = (uint64_t)rows * s->out_w;
    plan->win_rows = rows;
    plan->unref_bytes = 3 * n * sizeof(float);
    plan->route_bytes = (ASR_ROUTE_MAP + 2 * n) * sizeof(uint32_t);
    plan->hr_bytes = (s->alpha ? 4 : 3) * n * sizeof(float);
}

/* Largest LR row span of enc that a decoder band of `rows` rows reads. */
static uint32_t enc_span(const AsrNetSize *s, uint32_t rows)
{
    uint32_t span = 0;
    AsrNetPlan p = { .dec_rows = rows };
    uint32_t bands = ASR_DIV_UP(s->out_h, rows);
    /* every band's span: bands are few (or the span small) */
    for (uint32_t b = 0; b < bands; b++) {
        AsrNetWindow w;
        asr_net_window(s, &p, 1, b, &w);
        span = ASR_MAX(span, w.e1 - w.e0);
    }
    return span;
}

/* Spatial depth: encoder bands of whole tile rows (a tile lies in one band),
 * and the tiles[] layout (params.h). Bands asked shorter than a tile (forced
 * rows, bounded submissions) grow to one tile; where a tile's rows and halo
 * do not fit a binding (`fit` rows do: very wide frames on small bindings)
 * the configuration has no spatial depth and adaptive ops run at fixed
 * depth. */
static void plan_tiles(const AsrArch *a, const AsrConvBlock *k, const AsrNetSize *s, uint64_t fit,
                       AsrNetPlan *plan)
{
    uint32_t T = a->depth_tile;
    plan->tiles_bytes = 16; /* bound by gap and sa either way */
    if (!T)
        return;
    if (plan->enc_bands > 1) {
        if (plan->enc_rows < T && (uint64_t)T + 2 > fit)
            return;
        plan->enc_rows = ASR_MAX(plan->enc_rows / T * T, T);
        plan->enc_bands = ASR_DIV_UP(s->in_h, plan->enc_rows);
    }
    plan->depth_ok = 1;
    plan->tile = T;
    /* the tiled conv: a tile row in segs segments of px pixels, the
     * workgroup's rows of the tile, workgroups per tile */
    uint32_t segs = ASR_DIV_UP(T, k->px), rows = ASR_MAX(1u, k->lx * k->ly / segs);
    plan->tile_segs = segs;
    plan->tile_gpt = ASR_DIV_UP(T, rows);
    plan->tiles_x = ASR_DIV_UP(s->in_w, T);
    plan->tiles_y = ASR_DIV_UP(s->in_h, T);
    plan->ntiles = plan->tiles_x * plan->tiles_y;
    plan->pix_off = ASR_DIV_UP(plan->ntiles, 4) * 4;
    plan->args_off = plan->pix_off + ASR_DIV_UP(a->D, 4) * 4;
    plan->list_off = plan->args_off + a->D * plan->enc_bands * 8;
    plan->tiles_bytes = ((uint64_t)plan->list_off + (uint64_t)a->D * plan->ntiles) *
                        sizeof(uint32_t);
}

AsrStatus asr_net_plan(const AsrNet *net, const AsrNetSize *s, const AsrNetLimits *lim,
                       AsrNetPlan *plan, char *err, size_t err_size)
{
    const AsrArch *a = &net->model->arch;
    memset(plan, 0, sizeof(*plan));
    plan->elem = net->fp16 ? 2 : 4;
    plan->cs = a->F;
    uint64_t row_bytes = (uint64_t)s->in_w * plan->cs * plan->elem; /* one LR row of a map */
    plan->map_bytes = row_bytes * s->in_h;
    plan->partial_bytes = (uint64_t)a->F * s->in_h * sizeof(float);
    if (plan->map_bytes > lim->max_alloc) {
        snprintf(err, err_size, "a feature map needs %llu bytes, above the device's "
                 "maxMemoryAllocationSize of %llu bytes", (unsigned long long)plan->map_bytes,
                 (unsigned long long)lim->max_alloc);
        return ASR_ERROR_UNSUPPORTED;
    }

    /* encoder bands: a band and its two halo rows within one binding */
    uint64_t fit = lim->max_range > lim->align ? (lim->max_range - lim->align) / row_bytes : 0;
    if (fit < 3) {
        snprintf(err, err_size, "three rows of a feature map (%llu bytes each) do not fit the "
                 "device's maxStorageBufferRange of %llu bytes", (unsigned long long)row_bytes,
                 (unsigned long long)lim->max_range);
        return ASR_ERROR_UNSUPPORTED;
    }
    uint32_t rows = (uint32_t)ASR_MIN(fit - 2, (uint64_t)s->in_h);
    if (lim->band_macs && !lim->tile_rows) {
        /* whole workgroup rows of conv3x3_simt.comp */
        uint32_t ly = net->conv_block.ly;
        uint64_t per_row = (uint64_t)s->in_w * 9 * a->F * a->F;
        uint64_t r = lim->band_macs / per_row / ly * ly;
        rows = (uint32_t)ASR_MIN(rows, ASR_MAX(ly, r));
    }
    if (lim->tile_rows)
        rows = ASR_MIN(rows, lim->tile_rows);
    plan->enc_rows = rows; /* forced or by work: the last band may be shorter */
    if (!lim->tile_rows && !lim->band_macs) /* by the binding range only: even bands */
        plan->enc_rows = ASR_DIV_UP(s->in_h, ASR_DIV_UP(s->in_h, rows));
    plan->enc_bands = ASR_DIV_UP(s->in_h, plan->enc_rows);
    plan_tiles(a, &net->tile_block, s, fit, plan);

    uint64_t fixed = 2 * asr_buffer_pool_bytes(plan->map_bytes) +
                     asr_buffer_pool_bytes(plan->partial_bytes) +
                     asr_buffer_pool_bytes(plan->tiles_bytes);
    if (fixed > lim->budget) {
        snprintf(err, err_size, "the feature maps need %llu bytes and the frames and images "
                 "%llu: %llu in all, above the memory budget of %llu bytes",
                 (unsigned long long)fixed, (unsigned long long)lim->budget_fixed,
                 (unsigned long long)(fixed + lim->budget_fixed),
                 (unsigned long long)lim->budget_set);
        return ASR_ERROR_UNSUPPORTED;
    }

    /* decoder bands: even row counts (4:2:0 chroma rows), from the target
     * window size down to 2 rows until everything fits */
    uint32_t dec = (uint32_t)ASR_MAX(2, lim->window_pixels / ASR_MAX(s->out_w, 1));
    if (lim->tile_rows)
        dec = (uint32_t)ASR_MIN(ASR_MAX(2, (uint64_t)lim->tile_rows * s->out_h / s->in_h),
                                (uint64_t)s->out_h);
    for (;;) {
        if (dec >= s->out_h) {
            plan->dec_rows = s->out_h;
            window_bytes(s, s->out_h, plan);
        } else {
            dec &= ~1u;
            plan->dec_rows = dec;
            window_bytes(s, ASR_MIN(dec + 3, s->out_h), plan);
        }
        uint64_t biggest = ASR_MAX(ASR_MAX(plan->unref_bytes, plan->route_bytes), plan->hr_bytes);
        uint64_t total = fixed + asr_buffer_pool_bytes(plan->unref_bytes) +
                         asr_buffer_pool_bytes(plan->route_bytes) +
                         asr_buffer_pool_bytes(plan->hr_bytes);
        uint64_t span = (uint64_t)enc_span(s, plan->dec_rows) * row_bytes + lim->align;
        uint64_t win = (uint64_t)plan->win_rows * s->out_w;
        int ok = biggest <= lim->max_range && biggest <= lim->max_alloc &&
                 total <= lim->budget && span <= lim->max_range &&
                 ASR_DIV_UP(win, ASR_DEC_LOCAL) <= ASR_MIN(ASR_DEC_MAX_GROUPS_X,
                                                           lim->max_groups[0]);
        if (ok) {
            plan->total_bytes = total;
            break;
        }
        if (plan->dec_rows <= 2) {
            char why[160];
            snprintf(why, sizeof(why), "%llu bytes in all with the frames, images and feature "
                     "maps (%llu), above the memory budget of %llu bytes",
                     (unsigned long long)(total + lim->budget_fixed),
                     (unsigned long long)(fixed + lim->budget_fixed),
                     (unsigned long long)lim->budget_set);
            snprintf(err, err_size, "a decoder band of 2 rows of %u pixels does not fit: %s",
                     s->out_w, biggest > lim->max_range ? "above maxStorageBufferRange" :
                     biggest > lim->max_alloc ? "above maxMemoryAllocationSize" :
                     total > lim->budget ? why :
                     span > lim->max_range ? "its feature rows exceed maxStorageBufferRange" :
                     "too many workgroups");
            return ASR_ERROR_UNSUPPORTED;
        }
        dec = plan->dec_rows / 2;
    }
    plan->dec_bands = ASR_DIV_UP(s->out_h, plan->dec_rows);
    return ASR_OK;
}

AsrStatus asr_net_reserve(AsrDevice *d, AsrNet *net, const AsrNetPlan *plan)
{
    const struct { AsrBuffer *b; uint64_t size; VkBufferUsageFlags usage; } res[] = {
        { &net->x, plan->map_bytes, STORAGE },
        { &net->y, plan->map_bytes, STORAGE },
        { &net->partial, plan->partial_bytes, STORAGE },
        { &net->unref, plan->unref_bytes, STORAGE },
        { &net->route, plan->route_bytes,
          STORAGE | VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |
          VK_BUFFER_USAGE_TRANSFER_SRC_BIT },
        { &net->tiles, plan->tiles_bytes, STORAGE | VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(res); i++) {
        AsrStatus status = asr_buffer_reserve(d, res[i].b, ASR_BUFFER_DEVICE, res[i].size,
                                              res[i].usage);
        if (status < 0)
            return status;
    }
    const struct { AsrPass *p; uint32_t n; } sets[] = {
        { &net->conv[ASR_CONV_SET_HEAD], plan->enc_bands },
        { &net->conv[ASR_CONV_SET_C1], plan->enc_bands },
        { &net->conv[ASR_CONV_SET_C2], plan->enc_bands },
        { &net->conv[ASR_CONV_SET_TAIL], plan->enc_bands },
        { &net->gap, plan->enc_bands },
        { &net->classify, plan->dec_bands },
        { &net->mlp_heavy, plan->dec_bands * 2 },
        { &net->mlp_light, plan->dec_bands * 2 },
        { &net->conv_tiled[0], plan->enc_bands },
        { &net->conv_tiled[1], plan->enc_bands },
        { &net->depth, plan->enc_bands },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(sets); i++) {
        if (!sets[i].p->layout)
            continue; /* no adapter: no spatial-depth passes */
        AsrStatus status = asr_pass_reserve_sets(d, sets[i].p, sets[i].n);
        if (status < 0)
            return status;
    }
    return ASR_OK;
}

AsrStatus asr_net_trim(AsrDevice *d, AsrNet *net, const AsrNetPlan *plan)
{
    const struct { AsrBuffer *b; uint64_t size; } res[] = {
        { &net->x, plan ? plan->map_bytes : 0 },
        { &net->y, plan ? plan->map_bytes : 0 },
        { &net->partial, plan ? plan->partial_bytes : 0 },
        { &net->unref, plan ? plan->unref_bytes : 0 },
        { &net->route, plan ? plan->route_bytes : 0 },
        { &net->tiles, plan ? plan->tiles_bytes : 0 },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE(res); i++) {
        AsrStatus status = asr_buffer_shrink(d, res[i].b, res[i].size);
        if (status < 0)
            return status;
    }
    return ASR_OK;
}

/* A window of LR rows [r0, r1) of a feature map, its offset aligned down to
 * the device's alignment; *base = its first element. */
static AsrBufferRange map_rows(const AsrDevice *d, const AsrBuffer *b, const AsrNetSize *s,
                               const AsrNetPlan *plan, uint32_t r0, uint32_t r1, uint32_t *base)
{
    uint64_t row = (uint64_t)s->in_w * plan->cs * plan->elem;
    uint64_t align = ASR_MAX(d->props.limits.minStorageBufferOffsetAlignment, plan->elem);
    uint64_t begin = r0 * row, end = r1 * row;
    uint64_t off = begin / align * align;
    *base = (uint32_t)(off / plan->elem);
    return (AsrBufferRange) { b, off, end - off };
}

/* Element bases of the conv sets, per band and set (bound once per configure) */
typedef struct ConvBases { uint32_t in, out, res; } ConvBases;

static void conv_bases(const AsrDevice *d, const AsrNet *net, const AsrNetSize *s,
                       const AsrNetPlan *plan, uint32_t band, uint32_t set, AsrBufferRange r[3],
                       ConvBases *cb)
{
    uint32_t r0 = band * plan->enc_rows, r1 = ASR_MIN(r0 + plan->enc_rows, s->in_h);
    uint32_t i0 = r0 ? r0 - 1 : 0, i1 = ASR_MIN(r1 + 1, s->in_h);
    const AsrBuffer *in = &net->x, *out = &net->y, *res = &net->y;
    switch (set) {
    case ASR_CONV_SET_HEAD: in = &net->x; out = &net->x; res = &net->x; break;
    case ASR_CONV_SET_C1: break;
    case ASR_CONV_SET_C2: in = &net->y; out = &net->x; res = &net->x; break;
    default: break; /* tail: x -> y, the head from the image */
    }
    if (set == ASR_CONV_SET_HEAD)
        r[0] = map_rows(d, in, s, plan, r0, r1, &cb->in); /* not read */
    else
        r[0] = map_rows(d, in, s, plan, i0, i1, &cb->in);
    r[1] = map_rows(d, out, s, plan, r0, r1, &cb->out);
    r[2] = map_rows(d, res, s, plan, r0, r1, &cb->res);
}

void asr_net_bind(AsrDevice *d, AsrNet *net, const AsrNetSize *s, const AsrNetPlan *plan,
                  const AsrBufferRange *lr, const AsrBufferRange *hr)
{
    const AsrArch *a = &net->model->arch;
    AsrBufferRange partial = { &net->partial, 0, plan->partial_bytes };
    AsrBufferRange unref = { &net->unref, 0, plan->unref_bytes };
    AsrBufferRange route = { &net->route, 0, plan->route_bytes };
    AsrBufferRange w = { &net->weights, 0, net->model->num_weights * sizeof(float) };
    AsrBufferRange att = { &net->att, 0, (VkDeviceSize)a->D * a->F * sizeof(float) };
    AsrBufferRange tiles = { &net->tiles, 0, plan->tiles_bytes };

    for (uint32_t b = 0; b < plan->enc_bands; b++) {
        for (uint32_t i = 0; i < ASR_CONV_SET_COUNT; i++) {
            AsrBufferRange r[8];
            ConvBases cb;
            conv_bases(d, net, s, plan, b, i, r, &cb);
            r[3] = w, r[4] = att, r[5] = *lr;
            /* binding 6: the coopmat kernel's weights; unused by conv3x3_simt.comp */
            int cm = net->coopmat && i != ASR_CONV_SET_HEAD;
            r[6] = cm ? (AsrBufferRange) { &net->wpack, 0, net->wpack_bytes } : w;
            r[7] = tiles; /* not bound by the coopmat kernel's 7 bindings */
            asr_pass_bind(d, &net->conv[i], b, r);
            if (plan->depth_ok && (i == ASR_CONV_SET_C1 || i == ASR_CONV_SET_C2)) {
                r[6] = w;
                asr_pass_bind(d, &net->conv_tiled[i == ASR_CONV_SET_C2], b, r);
            }
        }
        uint32_t r0 = b * plan->enc_rows, r1 = ASR_MIN(r0 + plan->enc_rows, s->in_h), base;
        AsrBufferRange gap[3] = { map_rows(d, &net->y, s, plan, r0, r1, &base), partial, tiles };
        asr_pass_bind(d, &net->gap, b, gap);
        if (plan->depth_ok) {
            AsrBufferRange dr[3] = { map_rows(d, &net->x, s, plan, r0, r1, &base), w, tiles };
            asr_pass_bind(d, &net->depth, b, dr);
        }
    }
    AsrBufferRange sa[4] = { partial, w, att, tiles };
    asr_pass_bind(d, &net->sa, 0, sa);
    if (plan->depth_ok)
        asr_pass_bind(d, &net->lists, 0, &tiles);
    asr_pass_bind(d, &net->args, 0, &route);
    for (uint32_t b = 0; b < plan->dec_bands; b++) {
        for (int routed = 0; routed < 2; routed++) {
            AsrNetWindow win;
            uint32_t base;
            asr_net_window(s, plan, routed, b, &win);
            /* the encoder's output is in y */
            AsrBufferRange enc = map_rows(d, &net->y, s, plan, win.e0, win.e1, &base);
            if (routed) {
                AsrBufferRange classify[3] = { enc, w, route };
                asr_pass_bind(d, &net->classify, b, classify);
            }
            for (int m = 0; m < 2; m++) {
                AsrPass *p = m ? &net->mlp_light : &net->mlp_heavy;
                const AsrMlpWeights *mw = &net->mlp_w[!m];
                AsrBufferRange wr = mw->ubo ? (AsrBufferRange) { &net->weights, mw->offset,
                                                                 mw->range } : w;
                AsrBufferRange r[5] = { enc, *lr, wr, routed ? unref : *hr, route };
                asr_pass_bind(d, p, b * 2 + (uint32_t)routed, r);
            }
        }
    }
    AsrBufferRange refine[3] = { unref, route, *hr };
    asr_pass_bind(d, &net->refine, 0, refine);
    AsrBufferRange bilinear[2] = { *lr, *hr };
    asr_pass_bind(d, &net->bilinear, 0, bilinear);
}

/* Record one conv layer of role `set`, band by band. block < 0: over the
 * whole band (SIMT band kernel, or the coopmat kernel); block >= 0 (conv1,
 * conv2 with spatial depth): over block's tile list of each band, by the
 * indirect commands of tile_lists.comp. */
static AsrStatus conv(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net, const AsrNetSize *s,
                      const AsrNetPlan *plan, uint32_t set, uint32_t c_in, uint32_t c_out,
                      uint32_t cin_stride, AsrLayerOffsets off, uint32_t att_off,
                      uint32_t wp_off, int block, AsrNetBreak on_band, void *user)
{
    int c2 = set == ASR_CONV_SET_C2;
    uint32_t flags = block >= 0 ? tiled_flags(c2) : conv_flags[set];
    for (uint32_t b = 0; b < plan->enc_bands; b++) {
        AsrBufferRange r[3];
        ConvBases base;
        conv_bases(d, net, s, plan, b, set, r, &base);
        uint32_t r0 = b * plan->enc_rows, r1 = ASR_MIN(r0 + plan->enc_rows, s->in_h);
        AsrConvParams p = {
            .width = s->in_w, .height = s->in_h, .plane = s->in_w * s->in_h,
            .c_in = c_in, .c_out = c_out, .cin_stride = cin_stride,
            .w_off = off.w, .b_off = off.b, .att_off = att_off, .flags = flags,
            .y0 = r0, .rows = r1 - r0, .cs = plan->cs,
            .in_base = base.in, .out_base = base.out, .res_base = base.res,
            .hw_off = net->model->off.head.w, .hb_off = net->model->off.head.b,
        };
        const AsrConvBlock *k = &net->conv_block;
        if (block >= 0) {
            /* this band's part of the block's list (params.h "tiles[]") */
            uint32_t args = plan->args_off + ((uint32_t)block * plan->enc_bands + b) * 8 + c2 * 4;
            p.tile = plan->tile, p.tiles_x = plan->tiles_x;
            p.segs = plan->tile_segs, p.gpt = plan->tile_gpt;
            p.list_off = plan->list_off + (uint32_t)block * plan->ntiles;
            p.start_at = args + 3;
            p.block = (uint32_t)block;
            /* the MACs depend on the tiles: asr_netprof_depth() after the frame */
            asr_prof_tag(d, c2 ? "block.conv2.tiles" : "block.conv1.tiles", 0.0, 0.0);
            asr_pass_dispatch_indirect(d, cb, &net->conv_tiled[c2], b, &p, &net->tiles,
                                       (VkDeviceSize)args * sizeof(uint32_t));
        } else if (net->coopmat && set != ASR_CONV_SET_HEAD) {
            asr_netprof_conv(d, net, s, plan, set, r1 - r0, c_in, c_out, flags);
            p.pad0 = wp_off;
            asr_pass_dispatch_groups(d, cb, &net->conv[set], b, &p,
                                     ASR_DIV_UP(s->in_w, net->cm.nsg * net->cm.tm), r1 - r0, 1);
        } else {
            asr_netprof_conv(d, net, s, plan, set, r1 - r0, c_in, c_out, flags);
            asr_pass_dispatch_groups(d, cb, &net->conv[set], b, &p,
                                     ASR_DIV_UP(s->in_w, k->px * k->lx),
                                     ASR_DIV_UP(r1 - r0, k->ly), ASR_DIV_UP(c_out, k->cob));
        }
        if (on_band) {
            AsrStatus status = on_band(user);
            if (status < 0)
                return status;
        }
    }
    asr_cmd_compute_barrier(d, cb);
    return ASR_OK;
}

/* The GAP and scale attention of block i (width c); spatial depth: pooled
 * over the pixels of the tiles that run it (n from tiles[]). */
static void record_attention(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                             const AsrNetSize *s, const AsrNetPlan *plan, uint32_t i, uint32_t c,
                             int masked)
{
    const AsrArch *a = &net->model->arch;
    const AsrModelOffsets *o = &net->model->off;
    uint32_t F = a->F;
    for (uint32_t b = 0; b < plan->enc_bands; b++) {
        uint32_t r0 = b * plan->enc_rows, r1 = ASR_MIN(r0 + plan->enc_rows, s->in_h);
        uint32_t base;
        map_rows(d, &net->y, s, plan, r0, r1, &base);
        AsrGapParams gp = {
            .width = s->in_w, .height = s->in_h, .y0 = r0, .cs = plan->cs, .base = base,
            .tile = plan->tile, .tiles_x = plan->tiles_x, .block = masked ? i : ASR_NO_MASK,
        };
        asr_netprof_gap(d, net, s, plan, r1 - r0, c);
        asr_pass_dispatch_groups(d, cb, &net->gap, b, &gp, r1 - r0, c, 1);
    }
    asr_cmd_compute_barrier(d, cb);
    AsrSaParams sp = {
        .sx = (float)((double)s->out_w / s->in_w), .sy = (float)((double)s->out_h / s->in_h),
        .c = c, .chunk = a->chunk, .hidden = a->sa_hidden,
        .fc1_stride = F + F / a->chunk * 2, .groups = s->in_h,
        .n = s->in_w * s->in_h,
        .fc1_w = o->fc1[i].w, .fc1_b = o->fc1[i].b, .fc2_w = o->fc2[i].w,
        .fc2_b = o->fc2[i].b, .att_off = i * F,
        .n_at = masked ? plan->pix_off + i : ASR_NO_MASK,
    };
    asr_netprof_sa(d, net, s, c);
    asr_pass_dispatch_groups(d, cb, &net->sa, 0, &sp, 1, 1, 1);
    asr_cmd_compute_barrier(d, cb);
}

/* Spatial depth (docs/design.md#network), after the head: the adapter's
 * depth per tile, then the tile lists and their indirect commands, which the
 * blocks' conv1 and conv2 then run over (conv() with a block). conv2 reads
 * y as zero outside those tiles; x is updated in place, so tiles that
 * stopped keep their features and their neighbours read them as the halo. */
static void record_depth_map(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                             const AsrNetSize *s, const AsrNetPlan *plan, const AsrNetOp *op)
{
    const AsrArch *a = &net->model->arch;
    const AsrModelOffsets *o = &net->model->off;
    uint32_t F = a->F, T = plan->tile, cob = net->tile_block.cob;

    for (uint32_t b = 0; b < plan->enc_bands; b++) {
        uint32_t r0 = b * plan->enc_rows, r1 = ASR_MIN(r0 + plan->enc_rows, s->in_h), base;
        map_rows(d, &net->x, s, plan, r0, r1, &base);
        AsrDepthParams dp = {
            .target = op->target, .dscale = (float)op->depth * op->target, .depth = op->depth,
            .width = s->in_w, .height = s->in_h, .tile = T, .tiles_x = plan->tiles_x,
            .ty0 = r0 / T, .cs = plan->cs, .base = base, .F = F, .hidden = a->adapter_hidden,
            .pix_w = o->ad_pix.w, .pix_b = o->ad_pix.b, .fc1_w = o->ad_fc1.w,
            .fc1_b = o->ad_fc1.b, .fc2_w = o->ad_fc2.w, .fc2_b = o->ad_fc2.b,
            .pools = a->adapter_pools,
        };
        asr_prof_tag(d, "depth", (double)(r1 - r0) * s->in_w * F * a->adapter_hidden,
                     (double)(r1 - r0) * s->in_w * F * plan->elem);
        asr_pass_dispatch_groups(d, cb, &net->depth, b, &dp, plan->tiles_x,
                                 ASR_DIV_UP(r1 - r0, T), 1);
    }
    asr_cmd_compute_barrier(d, cb);
    AsrTileListParams lp = {
        .width = s->in_w, .height = s->in_h, .tile = T, .tiles_x = plan->tiles_x,
        .tiles_y = plan->tiles_y, .band_tiles = ASR_DIV_UP(plan->enc_rows, T),
        .bands = plan->enc_bands, .depth = op->depth, .gpt = plan->tile_gpt,
        .gz1 = ASR_DIV_UP(op->width, cob), .gz2 = ASR_DIV_UP(F, cob),
        .pix_off = plan->pix_off, .args_off = plan->args_off, .list_off = plan->list_off,
    };
    asr_prof_tag(d, "tile_lists", 0.0, (double)plan->ntiles * (1 + op->depth) * 4.0);
    asr_pass_dispatch_groups(d, cb, &net->lists, 0, &lp, 1, 1, 1);
    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_DRAW_INDIRECT_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                    VK_ACCESS_INDIRECT_COMMAND_READ_BIT | VK_ACCESS_SHADER_READ_BIT);
}

AsrStatus asr_net_record_encoder(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                                 const AsrNetSize *s, const AsrNetPlan *plan,
                                 const AsrNetOp *op, AsrNetBreak on_band, void *user)
{
    AsrStatus status;
    const AsrArch *a = &net->model->arch;
    const AsrModelOffsets *o = &net->model->off;
    uint32_t F = a->F, c = op->width;

    status = conv(d, cb, net, s, plan, ASR_CONV_SET_HEAD, 3, F, 3, o->head, 0, 0, -1, on_band,
                  user);
    int tiled = asr_net_adaptive(net, op) && plan->depth_ok;
    if (status >= 0 && tiled)
        record_depth_map(d, cb, net, s, plan, op);
    for (uint32_t i = 0; i < op->depth && status >= 0; i++) {
        int block = tiled ? (int)i : -1;
        status = conv(d, cb, net, s, plan, ASR_CONV_SET_C1, F, c, F, o->conv1[i], 0,
                      net->wp_conv1[i], block, on_band, user);
        if (status < 0)
            break;
        record_attention(d, cb, net, s, plan, i, c, tiled);
        status = conv(d, cb, net, s, plan, ASR_CONV_SET_C2, c, F, F, o->conv2[i], i * F,
                      net->wp_conv2[i], block, on_band, user);
    }
    if (status >= 0 && !op->no_tail)
        status = conv(d, cb, net, s, plan, ASR_CONV_SET_TAIL, F, F, F, o->tail, 0, net->wp_tail,
                      -1, on_band, user);
    return status;
}

static void mlp_params(const AsrNet *net, int heavy, AsrDecParams *p)
{
    const AsrModelOffsets *o = &net->model->off;
    const AsrLayerOffsets *l = heavy ? o->heavy : o->light;
    uint32_t n = heavy ? net->model->arch.n_heavy : net->model->arch.n_light;
    const AsrMlpWeights *mw = &net->mlp_w[!!heavy];
    uint32_t f = mw->ubo ? (uint32_t)(mw->offset / sizeof(float)) : 0;
    p->l0_w = l[0].w - f, p->l0_b = l[0].b - f;
    p->l1_w = l[1].w - f, p->l1_b = l[1].b - f;
    if (n > 1)
        p->l2_w = l[2].w - f, p->l2_b = l[2].b - f;
}

void asr_net_record_decoder(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                            const AsrNetSize *s, const AsrNetPlan *plan, const AsrNetOp *op,
                            uint32_t band)
{
    const AsrArch *a = &net->model->arch;
    int routed = op->mode == ASR_DECODER_ROUTED;
    AsrNetWindow win;
    uint32_t base;
    asr_net_window(s, plan, routed, band, &win);
    map_rows(d, &net->y, s, plan, win.e0, win.e1, &base);
    AsrDecParams p = {
        .in_w = s->in_w, .in_h = s->in_h, .out_w = s->out_w, .out_h = s->out_h,
        .cell_x = (float)s->in_w / (float)s->out_w,
        .cell_y = (float)s->in_h / (float)s->out_h,
        .threshold = (float)asr_model_route_threshold(a, op->k),
        .y0 = win.m0, .rows = win.m1 - win.m0,
        .dst_y0 = win.h0, .dst_rows = win.h1 - win.h0,
        .cs = plan->cs, .enc_base = base,
    };
    uint64_t n = (uint64_t)s->out_w * p.rows;
    uint64_t groups = ASR_DIV_UP(n, ASR_DEC_LOCAL);
    /* a window has at most ASR_DEC_MAX_GROUPS_X groups (asr_net_plan) */
    uint32_t gx = (uint32_t)groups, gy = 1;

    if (s->alpha) {
        AsrDecParams bp = p;
        bp.src_plane = 3 * s->in_w * s->in_h;
        bp.dst_plane = 3 * s->out_w * p.dst_rows;
        asr_netprof_dec(d, net, s, plan, ASR_NETPROF_BILINEAR, p.dst_rows);
        asr_pass_dispatch(d, cb, &net->bilinear, 0, &bp, s->out_w, p.dst_rows, 1);
    }

    if (!routed) {
        int heavy = op->mode == ASR_DECODER_HEAVY;
        mlp_params(net, heavy, &p);
        p.mode = ASR_DEC_ALL;
        asr_netprof_dec(d, net, s, plan, heavy ? ASR_NETPROF_MLP_HEAVY : ASR_NETPROF_MLP_LIGHT,
                        p.rows);
        asr_pass_dispatch_groups(d, cb, heavy ? &net->mlp_heavy : &net->mlp_light,
                                 band * 2, &p, gx, gy, 1);
        return;
    }

    /* counters of this band; at the first band also the frame's totals */
    d->vk.vkCmdFillBuffer(cb, net->route.buffer, 0, (band ? 2 : 4) * sizeof(uint32_t), 0);
    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                    VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    p.l0_w = net->model->off.cls.w, p.l0_b = net->model->off.cls.b;
    asr_netprof_dec(d, net, s, plan, ASR_NETPROF_CLASSIFY, p.rows);
    asr_pass_dispatch_groups(d, cb, &net->classify, band, &p, gx, gy, 1);
    asr_cmd_compute_barrier(d, cb);
    asr_netprof_dec(d, net, s, plan, ASR_NETPROF_ARGS, 0);
    asr_pass_dispatch_groups(d, cb, &net->args, 0, NULL, 1, 1, 1);
    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_DRAW_INDIRECT_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                    VK_ACCESS_INDIRECT_COMMAND_READ_BIT | VK_ACCESS_SHADER_READ_BIT);
    AsrDecParams hp = p, lp = p;
    mlp_params(net, 1, &hp);
    hp.mode = ASR_DEC_HEAVY;
    mlp_params(net, 0, &lp);
    lp.mode = ASR_DEC_LIGHT;
    asr_netprof_dec(d, net, s, plan, ASR_NETPROF_LIST_HEAVY, 0);
    asr_pass_dispatch_indirect(d, cb, &net->mlp_heavy, band * 2 + 1, &hp, &net->route,
                               ASR_ROUTE_HEAVY_ARGS * sizeof(uint32_t));
    asr_netprof_dec(d, net, s, plan, ASR_NETPROF_LIST_LIGHT, 0);
    asr_pass_dispatch_indirect(d, cb, &net->mlp_light, band * 2 + 1, &lp, &net->route,
                               ASR_ROUTE_LIGHT_ARGS * sizeof(uint32_t));
    asr_cmd_compute_barrier(d, cb);
    asr_netprof_dec(d, net, s, plan, ASR_NETPROF_REFINE, p.dst_rows);
    asr_pass_dispatch(d, cb, &net->refine, 0, &p, s->out_w, p.dst_rows, 1);
}

int asr_net_adaptive(const AsrNet *net, const AsrNetOp *op)
{
    return net->model->arch.depth_tile > 0 && op->target < 1.0f && op->depth > 0;
}

void asr_net_record_depth_counts(AsrDevice *d, VkCommandBuffer cb, const AsrNet *net,
                                 const AsrNetPlan *plan, const AsrNetOp *op, VkBuffer dst,
                                 VkDeviceSize offset)
{
    VkBufferCopy copy = {
        .srcOffset = (VkDeviceSize)plan->pix_off * sizeof(uint32_t), .dstOffset = offset,
        .size = (VkDeviceSize)ASR_MIN(op->depth, ASR_NET_DEPTH_COUNTS_MAX) * sizeof(uint32_t),
    };
    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    d->vk.vkCmdCopyBuffer(cb, net->tiles.buffer, dst, 1, &copy);
}
