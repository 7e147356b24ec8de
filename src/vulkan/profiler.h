/*
 * Per-pass GPU profile of a frame (asr_engine_set_profiling()): a GPU
 * timestamp after every dispatch (and after the frame's copies), each
 * interval charged to a named row with the MACs and bytes its call site
 * declared; rows aggregated by name in execution order.
 *
 * Use: asr_prof_begin() after the frame's first command (it resets the
 * pool and writes the start stamp), asr_prof_tag() just before a dispatch
 * (pipeline.c's asr_pass_dispatch*() then stamps it under that name, or
 * under the pass's shader name when untagged), asr_prof_mark() after a
 * non-dispatch command, asr_prof_gap() at the start of a new submission of
 * a split frame (the wait between two submissions goes to the row
 * "split.wait"), asr_prof_finish() at the end of the recording,
 * asr_prof_end() once the frame's last submission completed. Every call is
 * a no-op when d->prof is NULL or no frame is being recorded: profiling
 * off costs one branch per dispatch.
 *
 * Bounded: the query pool holds `capacity` stamps. A frame that needs more
 * keeps its last stamp for the rest of the frame (charged to the row
 * "untimed") and the pool grows to the frame's count at the next
 * asr_prof_begin(), up to ASR_PROF_MAX_STAMPS.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_PROFILER_H
#define ASR_PROFILER_H

#include "device.h"

#define ASR_PROF_NAME 32
#define ASR_PROF_MAX_ROWS 64
#define ASR_PROF_MIN_STAMPS 256
#define ASR_PROF_MAX_STAMPS 65536

typedef struct AsrProfRow {
    char name[ASR_PROF_NAME];
    uint32_t dispatches; /* dispatches (or marked commands) charged to the row */
    double ms, macs, bytes;
} AsrProfRow;

typedef struct AsrProfiler {
    VkQueryPool pool;
    uint32_t capacity;  /* stamps in the pool */
    uint32_t used;      /* stamps written in the frame being recorded */
    uint32_t wanted;    /* stamps that frame asked for (> used: the pool ran out) */
    int32_t *stamp_row; /* capacity entries: row charged with the interval ending at stamp i */
    int active;         /* between asr_prof_begin() and asr_prof_end() / _abort() */
    uint64_t mask;      /* timestampValidBits as a mask */
    double period_ns;   /* timestampPeriod; 0: no timestamps (all times 0) */
    /* the frame being recorded */
    AsrProfRow rows[ASR_PROF_MAX_ROWS];
    uint32_t n_rows;
    /* the tag of the next dispatch */
    const char *tag;
    double tag_macs, tag_bytes;
    /* the last completed frame */
    AsrProfRow last[ASR_PROF_MAX_ROWS];
    uint32_t n_last;
} AsrProfiler;

AsrStatus asr_prof_create(AsrDevice *d, AsrProfiler **out);
/* Accepts NULL and a pointer to NULL; clears d->prof when it is *p. */
void asr_prof_destroy(AsrDevice *d, AsrProfiler **p);

/* Start a frame in `cb` (grows the pool first if the last frame ran out). */
AsrStatus asr_prof_begin(AsrDevice *d, AsrProfiler *p, VkCommandBuffer cb);
/* Name, MACs and bytes of the next dispatch. */
void asr_prof_tag(AsrDevice *d, const char *name, double macs, double bytes);
/* Called by asr_pass_dispatch*() after the dispatch: stamps it under the
 * tag, else under `fallback` with no MACs or bytes. */
void asr_prof_dispatched(AsrDevice *d, VkCommandBuffer cb, const char *fallback);
/* Charge the commands since the previous stamp to row `name`, once they
 * reached `stage`. */
void asr_prof_mark(AsrDevice *d, VkCommandBuffer cb, const char *name, double macs,
                   double bytes, VkPipelineStageFlagBits stage);
/* A new submission of a split frame begins: the interval since the
 * previous stamp (the host's wait and the resubmission) is "split.wait". */
void asr_prof_gap(AsrDevice *d, VkCommandBuffer cb);
/* Add MACs and bytes to row `name` of the frame being recorded (e.g. from
 * counters read back after the frame), before asr_prof_end(). */
void asr_prof_add(AsrProfiler *p, const char *name, double macs, double bytes);
/* End of the recording: the closing stamp of a frame that ran out. */
void asr_prof_finish(AsrDevice *d, VkCommandBuffer cb);
/* The frame completed: read the stamps, publish the rows as the last
 * frame's. */
void asr_prof_end(AsrDevice *d, AsrProfiler *p);
/* The frame failed or was cancelled: drop it (the last frame's rows stay). */
void asr_prof_abort(AsrProfiler *p);

#endif /* ASR_PROFILER_H */
