/*
 * AsrPass: one compute operation = a pipeline built from embedded SPIR-V and
 * specialisation constants, a descriptor set layout of N storage buffers,
 * descriptor sets binding them, a push-constant range and a dispatch.
 * Generic: the resampler and the network passes all use it.
 *
 * The pipeline is created when the pass is first dispatched (or prepared),
 * not with the pass: a frame pays only for the shaders it runs, through the
 * device's pipeline cache (pcache.h; docs/design.md#kernels). The layouts
 * and descriptor sets are made with the pass (cheap, and binding needs them).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_PIPELINE_H
#define ASR_PIPELINE_H

#include "buffer.h"

#define ASR_PASS_MAX_BUFFERS 8
#define ASR_PASS_MAX_SPEC 16

typedef struct AsrShaderCode {
    const char *name;
    const uint32_t *code;
    size_t size; /* bytes */
} AsrShaderCode;

typedef struct AsrPassDesc {
    const AsrShaderCode *shader;
    uint32_t num_buffers;  /* storage buffers at bindings 0 .. num_buffers-1 */
    uint32_t push_size;    /* bytes of push constants, 0 for none */
    uint32_t local_x;      /* workgroup size (specialisation constants 0, 1) */
    uint32_t local_y;
    /* further specialisation constants, ids 2, 3, ... (32-bit each) */
    uint32_t num_spec;
    uint32_t spec[ASR_PASS_MAX_SPEC];
    uint32_t num_sets;     /* descriptor sets to allocate (default 1) */
    uint32_t uniform_mask; /* bit i set: binding i is a uniform buffer, not a storage buffer */
    /* subgroup.h asr_subgroup_ask_full() sets these, never by hand: the
     * required subgroup size (0: the driver's) and full subgroups */
    uint32_t subgroup_size;
    int full_subgroups;
} AsrPassDesc;

/* What the pipeline of a pass is created from, and the pipeline once it is:
 * owned by its pass (a separate allocation, so that a dispatch of a const
 * pass can create it) */
typedef struct AsrPassPipeline {
    AsrPassDesc desc;
    VkPipeline pipeline; /* VK_NULL_HANDLE until the first dispatch */
} AsrPassPipeline;

typedef struct AsrPass {
    const char *name;
    VkDescriptorSetLayout set_layout;
    VkPipelineLayout layout;
    AsrPassPipeline *pl;
    VkDescriptorPool pool;
    VkDescriptorSet *sets;  /* num_sets of them, from pool */
    uint32_t num_sets;
    uint32_t num_buffers;
    uint32_t uniform_mask; /* AsrPassDesc.uniform_mask */
    uint32_t push_size;
    uint32_t local_x, local_y;
} AsrPass;

/* A buffer region bound to one binding of a pass. */
typedef struct AsrBufferRange {
    const AsrBuffer *buffer;
    VkDeviceSize offset;
    VkDeviceSize size;
} AsrBufferRange;

/* Create the pass: its layouts and descriptor sets (storage buffers, and
 * uniform buffers at the bindings of uniform_mask), and keep `desc` for its
 * pipeline, which the first dispatch creates; counts d->passes_described.
 * On failure *p is left empty. */
AsrStatus asr_pass_create(AsrDevice *d, const AsrPassDesc *desc, AsrPass *p);
/* Create the pass's pipeline now unless it exists (through d->pcache;
 * counts d->pipelines_created and d->pipeline_ms). */
AsrStatus asr_pass_prepare(AsrDevice *d, const AsrPass *p);
/* The first pipeline a dispatch could not create since the last call (its
 * status, *name the pass's shader), then forgotten; ASR_OK when none. A
 * dispatch whose pipeline cannot be created records nothing: a recording
 * that saw a failure must not be submitted. */
AsrStatus asr_pass_take_failure(AsrDevice *d, const char **name);
/* Release a pass (an empty one is fine) and clear it. */
void asr_pass_destroy(AsrDevice *d, AsrPass *p);

/* Make the pass hold at least `n` descriptor sets (grow-only: a larger pool
 * replaces the old one, whose sets are then gone: bind them again). The
 * device must not be using the pass's sets. On failure the pass keeps its
 * previous sets. */
AsrStatus asr_pass_reserve_sets(AsrDevice *d, AsrPass *p, uint32_t n);

/* Point descriptor set `set` at `ranges[0 .. num_buffers-1]`. The set must
 * not be in use by pending GPU work. */
void asr_pass_bind(AsrDevice *d, AsrPass *p, uint32_t set, const AsrBufferRange *ranges);

/* The dispatch functions below create the pass's pipeline when it has none
 * (asr_pass_prepare(); a failure is kept for asr_pass_take_failure() and
 * the dispatch is left out). They also stamp the dispatch for the per-pass
 * profile when it is on (profiler.h: under the name asr_prof_tag() gave
 * just before, else the shader's name). */

/* Record a dispatch covering width x height x depth invocations (x and y are
 * divided by the workgroup size, rounded up; depth is in workgroups). */
void asr_pass_dispatch(AsrDevice *d, VkCommandBuffer cb, const AsrPass *p, uint32_t set,
                       const void *push, uint32_t width, uint32_t height, uint32_t depth);

/* Record a dispatch of gx x gy x gz workgroups. */
void asr_pass_dispatch_groups(AsrDevice *d, VkCommandBuffer cb, const AsrPass *p, uint32_t set,
                              const void *push, uint32_t gx, uint32_t gy, uint32_t gz);

/* Record an indirect dispatch reading VkDispatchIndirectCommand at `offset`
 * of `args` (a buffer with VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT). */
void asr_pass_dispatch_indirect(AsrDevice *d, VkCommandBuffer cb, const AsrPass *p, uint32_t set,
                                const void *push, const AsrBuffer *args, VkDeviceSize offset);

/* Workgroups needed along x / y for `n` invocations. */
static inline uint32_t asr_pass_groups_x(const AsrPass *p, uint32_t n) { return ASR_DIV_UP(n, p->local_x); }
static inline uint32_t asr_pass_groups_y(const AsrPass *p, uint32_t n) { return ASR_DIV_UP(n, p->local_y); }

#endif /* ASR_PIPELINE_H */
