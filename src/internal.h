/*
 * Internal hooks of libanysr for the test suites (tests link the static
 * library libanysr-internal.a; none of this is exported from libanysr.so).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_INTERNAL_H
#define ASR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "anysr/anysr.h"
#include "kconfig.h"
#include "model.h"

/* Device buffers a test can read back after asr_engine_process(). Float
 * planes unless noted; sizes are those of the current configuration. The
 * feature maps (H0, X, Y, ENC) are read whole and converted from their
 * device layout (params.h: NHWC, fp16 or fp32) to F float planes. The
 * decoder's buffers (UNREF, ROUTE, HR) hold the last decoder band's window:
 * the whole frame only when the frame ran in one band (stats plan.decoder_bands). */
typedef enum AsrDebugBuffer {
    ASR_DEBUG_LR,    /* unpacked input: R, G, B[, A] planes of in_w x in_h */
    ASR_DEBUG_H0,    /* head output: F planes at LR (the map x: at depth 0 only) */
    ASR_DEBUG_X,     /* x after the last block run (F planes) */
    ASR_DEBUG_Y,     /* conv1 output of the last block run (c planes, before attention;
                        the map y: only with asr_engine_debug_set_tail(e, 0)) */
    ASR_DEBUG_ENC,   /* encoder output (tail + head skip): F planes (the map y) */
    ASR_DEBUG_ATT,   /* attention: D x F values, block i at i * F */
    ASR_DEBUG_UNREF, /* routed: output before refinement, RGB planes at HR */
    ASR_DEBUG_ROUTE, /* routed: uint32 route buffer (params.h ASR_ROUTE_*) */
    ASR_DEBUG_HR,    /* float output before packing: RGB[A] planes at HR */
    ASR_DEBUG_TILES, /* spatial depth: uint32 tiles[] (params.h layout: depths, pixel
                        counts, indirect commands, lists; AsrNetPlan offsets) */
} AsrDebugBuffer;

/* Copy `bytes` at byte `offset` of a device buffer into `dst` (waits for the
 * device). Allocates a temporary staging buffer (counted in the stats). */
AsrStatus asr_engine_debug_read(AsrEngine *e, AsrDebugBuffer which, size_t offset, void *dst,
                                size_t bytes);

/* Run any (width, depth, mode, k) instead of the ladder / scale cap
 * (width 0: back to asr_engine_set_op()'s choice), at fixed depth unless
 * asr_engine_debug_set_depth_target() set a target. Width must be a
 * multiple of the chunk in [chunk, F], depth in [0, D]. */
AsrStatus asr_engine_debug_set_op(AsrEngine *e, uint32_t width, uint32_t depth,
                                  AsrDecoderMode mode, float k);

/* The spatial depth target of asr_engine_debug_set_op()'s op (default 1,
 * fixed depth; > 0). */
AsrStatus asr_engine_debug_set_depth_target(AsrEngine *e, float target);

/* Faults on demand: the `after`-th next queue submission finds the device
 * lost (ASR_ERROR_DEVICE_LOST, and every later call too), the `after`-th
 * next buffer allocation fails (ASR_ERROR_NO_MEMORY), or the `after`-th
 * next pipeline creation (a pass's first run) fails (ASR_ERROR_VULKAN); 0
 * disarms. */
typedef enum AsrDebugFault {
    ASR_FAULT_DEVICE_LOST,
    ASR_FAULT_ALLOC,
    ASR_FAULT_PIPELINE,
} AsrDebugFault;
void asr_engine_debug_inject(AsrEngine *e, AsrDebugFault fault, uint32_t after);

/* Synthetic timing for controller tests: when ms_per_gmac > 0, every frame
 * reports (in its stats and to the QoS controller) a GPU and a wall time of
 * fixed_ms + ms_per_gmac * its cost-model MACs / 1e9 (AsrStats.op.macs:
 * with a depth target below 1 those of the blocks that ran; the bicubic
 * floor's filter taps) instead of the measured ones, so that tests of the controller on the real engine do not depend on
 * the machine's load. 0 restores measured times. */
void asr_engine_debug_set_timing(AsrEngine *e, double ms_per_gmac, double fixed_ms);

/* Stop the encoder before its tail (on = 0), so that ASR_DEBUG_Y holds the
 * last block's conv1 output (the tail writes the encoder's output there);
 * the frame's output is then meaningless. Default 1. */
void asr_engine_debug_set_tail(AsrEngine *e, int on);

/* Replace the network by the bicubic resampler (Pillow-aligned; kept as a
 * reference path for the frame I/O tests and as a baseline). Its scratch
 * and whole-frame output buffers exist only while it is on: a configured
 * engine is planned again (not counted in the stats' configures). */
AsrStatus asr_engine_debug_set_bicubic(AsrEngine *e, int on);

/* The loaded model (weights on the host, arch, offsets, sha256). */
const AsrModel *asr_engine_debug_model(const AsrEngine *e);

/* Spatial depth layout of the current configuration (ASR_DEBUG_TILES):
 * whether adaptive ops run (depth_ok), tile side, tiles per row and column,
 * encoder bands and rows per band, and the uint offsets of the pixel counts,
 * indirect commands and lists in tiles[]. ASR_ERROR_NOT_CONFIGURED before a
 * configuration. */
typedef struct AsrDebugTiles {
    int depth_ok;
    uint32_t tile, tiles_x, tiles_y, bands, enc_rows;
    uint32_t pix_off, args_off, list_off;
} AsrDebugTiles;
AsrStatus asr_engine_debug_tiles(const AsrEngine *e, AsrDebugTiles *t);

/* The Vulkan device as the tests see it (docs/testing.md#lanes): its driver
 * (VkDriverId, 0 when it does not say; a Mesa driver's version, else 0.0),
 * subgroup size, and the sizes a pipeline may ask for (subgroup_control 0:
 * none; min = max = subgroup_size). */
typedef struct AsrDebugDevice {
    char name[256];
    uint32_t driver_id;
    int lavapipe; /* driver_id is VK_DRIVER_ID_MESA_LLVMPIPE */
    uint32_t mesa_major, mesa_minor;
    uint32_t subgroup_size, subgroup_min, subgroup_max;
    int subgroup_control;
    /* the cooperative-matrix kernels: available (on a device made for them:
     * asr_debug_device_probe() asks for them), else why not, and whether
     * for a device quirk (src/vulkan/quirks.h) */
    int coopmat, coopmat_quirk;
    char coopmat_why[256];
} AsrDebugDevice;
/* That of the device an engine runs on. */
void asr_engine_debug_device(const AsrEngine *e, AsrDebugDevice *out);
/* That of the device asr_engine_new() with settings s would choose (its
 * log callback, device index and validation), without an engine: a device
 * is created and destroyed, no pipeline. */
AsrStatus asr_debug_device_probe(const AsrSettings *s, AsrDebugDevice *out);
/* Kernel configurations (docs/design.md#kernels, "Tuning"; kconfig.h).
 * Run c instead of the engine's configuration from now on (its pipelines
 * rebuilt, a configured engine planned again): ASR_OK, or
 * ASR_ERROR_UNSUPPORTED with the device's rule in why (size bytes; NULL
 * with size 0) when it cannot run here (nothing changes). c NULL: the
 * device's built-in configuration. AsrStats.tune.config names it. */
AsrStatus asr_engine_debug_set_kernel_config(AsrEngine *e, const AsrKernelConfig *c, char *why,
                                             size_t size);

/* The configuration the engine runs now. */
void asr_engine_debug_kernel_config(const AsrEngine *e, AsrKernelConfig *c);

/* Every configuration the tuner may pick on any device class (the device's
 * built-in one first, then it with one kernel family replaced by each
 * candidate of every class: tune/candidates.h), whether or not this device
 * can run it: at most max to out; returns how many. */
uint32_t asr_engine_debug_candidates(const AsrEngine *e, AsrKernelConfig *out, uint32_t max);

/* The tuner's report of one candidate (asr_engine_debug_tune()) */
typedef enum AsrTuneVerdict {
    ASR_TUNE_TIMED,    /* ms is its role's time */
    ASR_TUNE_SKIPPED,  /* the device's rules refuse it (why): not run */
    ASR_TUNE_REJECTED, /* it ran and failed, or its output differs from the built-in
                          configuration's (why): never picked */
} AsrTuneVerdict;
typedef struct AsrTuneRow {
    const char *family;           /* "band conv", "tiled conv", "mlp weights", "coopmat nsg" */
    char config[ASR_KCONFIG_NAME];
    double ms;                    /* GPU ms of the family's passes in one frame (best of 3) */
    AsrTuneVerdict verdict;
    const char *why;              /* "" when timed */
} AsrTuneRow;

/* How to tune now: the candidates of the device's class, or (exhaustive) a
 * wider grid of each family; within bound_s seconds (0: the tuner's own
 * bound, 2 s on a GPU, 60 s on a CPU device; < 0: the built-in
 * configuration only); on a width x height frame (0: 256 x 256 on a GPU,
 * 160 x 96 on a CPU device); report: called for every candidate (NULL: none). */
typedef struct AsrDebugTune {
    int exhaustive;
    double bound_s;
    uint32_t width, height;
    void (*report)(void *user, const AsrTuneRow *row);
    void *user;
} AsrDebugTune;

/* Tune now as ASR_TUNING_FORCE does when an engine opens (opt NULL: the
 * same), cache the winners and run them (an ANYSR_* override still wins); a
 * configured engine is configured again for its sizes. AsrStats.tune says
 * what was picked. The exhaustive grid's winners run but are not cached. */
AsrStatus asr_engine_debug_tune(AsrEngine *e, const AsrDebugTune *opt);

#endif /* ASR_INTERNAL_H */
