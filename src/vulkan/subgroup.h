/*
 * What a kernel asks of its subgroups (docs/design.md#kernels, "Subgroups"):
 * a subgroup size and full subgroups, through VK_EXT_subgroup_size_control
 * (Vulkan 1.3's core) where the device has it (AsrDevice.sg_control), into
 * the pass's AsrPassDesc (pipeline.h: the stage's
 * VkPipelineShaderStageRequiredSubgroupSizeCreateInfo and
 * VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT). A kernel
 * that is not granted what it asks for takes its fallback (every kernel has
 * one that is correct at any subgroup size); the first refusal for want of
 * size control on a device is logged once with the reason.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_SUBGROUP_H
#define ASR_SUBGROUP_H

#include "pipeline.h"

/* Whether a pipeline with the workgroup desc->local_x x desc->local_y can
 * run in full subgroups of `size` lanes on d: size control, size a power of
 * two in [sg_min, sg_max], local_x a multiple of size, the workgroup at most
 * sg_max_subgroups subgroups. */
int asr_subgroup_can_full(const AsrDevice *d, const AsrPassDesc *desc, uint32_t size);

/* Ask that the pass of desc run in full subgroups of `size` lanes: sets
 * desc->subgroup_size and desc->full_subgroups and returns 1 where
 * asr_subgroup_can_full(), else returns 0 and leaves desc (logging, once per
 * device, why the device cannot be asked; `what` names the kernel). */
int asr_subgroup_ask_full(AsrDevice *d, AsrPassDesc *desc, uint32_t size, const char *what);

#endif /* ASR_SUBGROUP_H */
