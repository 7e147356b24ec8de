/*
 * The device's ceilings for the roofline (asr_engine_probe_ceiling()):
 * multiply-adds per second of a register-only shader (probe_fma.comp, fp32
 * and, with shaderFloat16, fp16) and the bandwidth of a buffer copy
 * (probe_copy.comp), each timed with GPU timestamps, the best of a few runs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_PROBE_H
#define ASR_PROBE_H

#include "cmd.h"

typedef struct AsrCeiling {
    double fp32_gmacs; /* 1e9 fp32 multiply-adds (FMA) per second */
    double fp16_gmacs; /* the same in fp16; 0 without shaderFloat16 */
    double copy_gbps;  /* 1e9 bytes per second, read + written */
} AsrCeiling;

/* Create the probe's pipelines and buffers, run it through `cmd`, release
 * them. ASR_ERROR_UNSUPPORTED without GPU timestamps. */
AsrStatus asr_probe_ceiling(AsrDevice *d, AsrCmd *cmd, AsrCeiling *out);

#endif /* ASR_PROBE_H */
