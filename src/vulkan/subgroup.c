/*
 * Subgroup sizes and full subgroups asked for (subgroup.h;
 * docs/design.md#kernels).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "subgroup.h"

int asr_subgroup_can_full(const AsrDevice *d, const AsrPassDesc *desc, uint32_t size)
{
    uint32_t lx = desc->local_x ? desc->local_x : 1, ly = desc->local_y ? desc->local_y : 1;
    return d->sg_control && size && !(size & (size - 1)) && size >= d->sg_min &&
           size <= d->sg_max && lx % size == 0 &&
           (!d->sg_max_subgroups || (uint64_t)lx * ly / size <= d->sg_max_subgroups);
}

int asr_subgroup_ask_full(AsrDevice *d, AsrPassDesc *desc, uint32_t size, const char *what)
{
    if (asr_subgroup_can_full(d, desc, size)) {
        desc->subgroup_size = size;
        desc->full_subgroups = 1;
        return 1;
    }
    if (!d->sg_control) {
        if (!atomic_exchange(&d->sg_why_logged, 1))
            asr_info(&d->log, "subgroup sizes are not asked for (%s): %s and the other kernels "
                     "that would ask take their fallbacks (docs/design.md#kernels)", d->sg_why,
                     what);
    } else {
        asr_dbg(&d->log, "%s: a workgroup of %u x %u is not full subgroups of %u lanes on this "
                "device (sizes %u to %u): its fallback runs", what, desc->local_x, desc->local_y,
                size, d->sg_min, d->sg_max);
    }
    return 0;
}
