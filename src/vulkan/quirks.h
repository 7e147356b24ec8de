/*
 * What the engine does differently per device (docs/design.md#device-quirks),
 * decided in one place. What depends on a driver's implementation is keyed
 * on VkPhysicalDeviceDriverProperties.driverID and the driver's version
 * (Mesa's parsed from driverInfo: its driverVersion is the Mesa version on
 * some releases and 1 on others); what follows from running on a CPU
 * (seconds per frame, a subgroup that is one SIMD vector, matrix operations
 * lane by lane) is keyed on the device type, for any CPU driver.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_QUIRKS_H
#define ASR_QUIRKS_H

#include "vk.h"

typedef struct AsrQuirks {
    VkDriverId driver;        /* 0: the driver does not say (no VK_KHR_driver_properties) */
    uint32_t mesa_major, mesa_minor; /* a Mesa driver's version, 0.0 otherwise */
    /* A CPU device (lavapipe, or any VK_PHYSICAL_DEVICE_TYPE_CPU): seconds
     * per frame, subgroups that are one SIMD vector. */
    int cpu;
    int split_frames;    /* submit a frame in parts of bounded length, so that
                            asr_engine_cancel() is noticed within about a second */
    int cpu_blocks;      /* conv register blocks shaped for a SIMD lane row */
    int coopmat_auto;    /* ASR_KERNELS_AUTO picks the coopmat kernels: not on a CPU
                            device, which runs matrix operations lane by lane (7.5x
                            slower than its SIMT kernels, docs/design.md#kernels) */
    int small_probes;    /* ceiling probes sized for a CPU */
    /* lavapipe before Mesa 24 loads a buffer element lane by lane unless the
     * address is built from constants and push constants only: one lane
     * loads each weight and a subgroup broadcast shares it (2x there; direct
     * loads are 1.35x faster on Mesa 26.1) */
    int weight_broadcast;
    /* lavapipe (any Mesa): its subgroup size is fixed (the SIMD width of
     * LP_NATIVE_VECTOR_WIDTH or the CPU) and a workgroup runs as consecutive
     * subgroups in invocation order, each full but the last: a workgroup of
     * whole subgroups is full subgroups without asking (subgroup.h asks
     * first; this is the fallback where the workgroup's x is not a multiple
     * of the subgroup size, docs/design.md#kernels) */
    int whole_subgroups;
    /* lavapipe (26.1, the newest tried): its compiler crashes (SIGSEGV in
     * vkCreateComputePipelines) on any coopMatMulAdd at 16-lane subgroups
     * (LP_NATIVE_VECTOR_WIDTH=512), so the cooperative-matrix kernels run
     * only at subgroups of up to coopmat_max_lanes lanes (0: any) */
    uint32_t coopmat_max_lanes;
} AsrQuirks;

/* Decide the quirks of phys (props already read). */
void asr_quirks_detect(const AsrVkFuncs *vk, VkPhysicalDevice phys,
                       const VkPhysicalDeviceProperties *props, AsrQuirks *q);

#endif /* ASR_QUIRKS_H */
