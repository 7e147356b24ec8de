/*
 * Cost of each network dispatch for the per-pass profile (see netprof.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "netprof.h"

static const char *const conv_names[ASR_CONV_SET_COUNT] = {
    [ASR_CONV_SET_HEAD] = "head",
    [ASR_CONV_SET_C1] = "block.conv1",
    [ASR_CONV_SET_C2] = "block.conv2",
    [ASR_CONV_SET_TAIL] = "tail",
};

void asr_netprof_conv(AsrDevice *d, const AsrNet *net, const AsrNetSize *s,
                      const AsrNetPlan *plan, uint32_t set, uint32_t rows, uint32_t c_in,
                      uint32_t c_out, uint32_t flags)
{
    if (!d->prof || set >= ASR_CONV_SET_COUNT)
        return;
    double F = net->model->arch.F, px = (double)s->in_w * rows, e = plan->elem;
    double macs = px * c_in * c_out * 9.0;
    double bytes = px * c_in * ((flags & ASR_CONV_IN_IMAGE) ? 4.0 : e) /* input */
                 + (9.0 * c_in * c_out + c_out) * 4.0                  /* weights, bias */
                 + px * c_out * e;                                     /* output */
    if (flags & ASR_CONV_ADD_RES)
        bytes += px * c_out * e;
    if (flags & ASR_CONV_PRE_SA_RELU)
        bytes += c_in * 4.0;
    if (flags & ASR_CONV_ADD_HEAD) { /* the head recomputed from the image */
        macs += px * 3.0 * F * 9.0;
        bytes += px * 3.0 * 4.0 + (27.0 * F + F) * 4.0;
    }
    asr_prof_tag(d, conv_names[set], macs, bytes);
}

void asr_netprof_gap(AsrDevice *d, const AsrNet *net, const AsrNetSize *s,
                     const AsrNetPlan *plan, uint32_t rows, uint32_t c)
{
    (void)net;
    if (!d->prof)
        return;
    asr_prof_tag(d, "block.gap", 0.0,
                 (double)s->in_w * rows * c * plan->elem + (double)rows * c * 4.0);
}

void asr_netprof_sa(AsrDevice *d, const AsrNet *net, const AsrNetSize *s, uint32_t c)
{
    if (!d->prof)
        return;
    const AsrArch *a = &net->model->arch;
    double macs = asr_model_sa_macs(a, c, 1);
    double bytes = (double)c * s->in_h * 4.0                       /* partial sums */
                 + (macs + a->sa_hidden + c) * 4.0                 /* weights, biases */
                 + c * 4.0;                                        /* attention */
    asr_prof_tag(d, "block.sa", macs, bytes);
}

/* MACs and bytes of `dispatches` MLP dispatches over n output pixels in
 * all (list: + the list entry) */
static void mlp_cost(const AsrNet *net, const AsrNetPlan *plan, int heavy, double n, int list,
                     double dispatches, double *macs, double *bytes)
{
    const AsrArch *a = &net->model->arch;
    const uint32_t *hid = heavy ? a->heavy : a->light;
    uint32_t nl = heavy ? a->n_heavy : a->n_light;
    double per = asr_model_mlp_macs(a, heavy), biases = 3.0;
    for (uint32_t i = 0; i < nl; i++)
        biases += hid[i];
    *macs = n * per;
    *bytes = n * ((double)a->F * plan->elem /* features of the nearest LR pixel */
                  + 4.0 * 3.0 * 4.0          /* bilinear base: 4 taps of 3 planes */
                  + 3.0 * 4.0                /* RGB out */
                  + (list ? 4.0 : 0.0))      /* list entry */
           + dispatches * (per + biases) * 4.0; /* weights */
}

void asr_netprof_dec(AsrDevice *d, const AsrNet *net, const AsrNetSize *s,
                     const AsrNetPlan *plan, AsrNetProfPass what, uint32_t rows)
{
    if (!d->prof)
        return;
    const AsrArch *a = &net->model->arch;
    double n = (double)s->out_w * rows, macs = 0.0, bytes = 0.0;
    const char *name = "decoder";
    switch (what) {
    case ASR_NETPROF_BILINEAR:
        name = "bilinear";
        bytes = n * (4.0 * 4.0 + 4.0);
        break;
    case ASR_NETPROF_CLASSIFY:
        name = "classify";
        macs = n * asr_model_cls_macs(a);
        bytes = n * ((double)a->F * plan->elem + 4.0 + 4.0) /* features; map; list entry */
              + (asr_model_cls_macs(a) + 2.0) * 4.0;
        break;
    case ASR_NETPROF_ARGS:
        name = "args";
        bytes = 4.0 * 4.0 + 8.0 * 4.0;
        break;
    case ASR_NETPROF_MLP_HEAVY:
    case ASR_NETPROF_MLP_LIGHT:
        name = what == ASR_NETPROF_MLP_HEAVY ? "mlp.heavy" : "mlp.light";
        mlp_cost(net, plan, what == ASR_NETPROF_MLP_HEAVY, n, 0, 1.0, &macs, &bytes);
        break;
    case ASR_NETPROF_LIST_HEAVY:
    case ASR_NETPROF_LIST_LIGHT:
        name = what == ASR_NETPROF_LIST_HEAVY ? "mlp.heavy" : "mlp.light";
        break; /* counted after the frame */
    case ASR_NETPROF_REFINE:
        name = "refine";
        bytes = n * (3.0 * 4.0 + 4.0 + 3.0 * 4.0); /* unrefined RGB, map, RGB out */
        break;
    }
    asr_prof_tag(d, name, macs, bytes);
}

void asr_netprof_routed(AsrProfiler *p, const AsrNet *net, const AsrNetPlan *plan,
                        uint64_t heavy, uint64_t light)
{
    double macs, bytes;
    if (!p)
        return;
    mlp_cost(net, plan, 1, (double)heavy, 1, plan->dec_bands, &macs, &bytes);
    asr_prof_add(p, "mlp.heavy", macs, bytes);
    mlp_cost(net, plan, 0, (double)light, 1, plan->dec_bands, &macs, &bytes);
    asr_prof_add(p, "mlp.light", macs, bytes);
}

void asr_netprof_depth(AsrProfiler *p, const AsrNet *net, const AsrNetPlan *plan,
                       const AsrNetOp *op, const uint32_t *counts)
{
    if (!p)
        return;
    double F = net->model->arch.F, c = op->width, e = plan->elem, px = 0.0;
    for (uint32_t l = 0; l < op->depth && l < ASR_NET_DEPTH_COUNTS_MAX; l++)
        px += counts[l];
    /* as asr_netprof_conv() over the pixels of the tiles that ran each block */
    asr_prof_add(p, "block.conv1.tiles", px * F * c * 9.0,
                 px * F * e + op->depth * (9.0 * F * c + c) * 4.0 + px * c * e);
    asr_prof_add(p, "block.conv2.tiles", px * c * F * 9.0,
                 px * c * e + op->depth * (9.0 * c * F + F + c) * 4.0 + 2.0 * px * F * e);
}
