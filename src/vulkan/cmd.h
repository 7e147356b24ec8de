/*
 * One command buffer with its pool and fence: record, submit, wait.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_CMD_H
#define ASR_CMD_H

#include "device.h"

typedef struct AsrCmd {
    VkCommandPool pool;
    VkCommandBuffer cb;
    VkFence fence;
} AsrCmd;

AsrStatus asr_cmd_create(AsrDevice *d, AsrCmd *c);
void asr_cmd_destroy(AsrDevice *d, AsrCmd *c);

/* Reset and begin recording (one-time submit). */
AsrStatus asr_cmd_begin(AsrDevice *d, AsrCmd *c);
/* End recording, submit to the device queue and wait for completion. */
AsrStatus asr_cmd_submit_wait(AsrDevice *d, AsrCmd *c);

/* Global memory barrier: writes of `src_stage`/`src_access` become visible
 * to `dst_stage`/`dst_access`. */
void asr_cmd_barrier(AsrDevice *d, VkCommandBuffer cb,
                     VkPipelineStageFlags src_stage, VkAccessFlags src_access,
                     VkPipelineStageFlags dst_stage, VkAccessFlags dst_access);

/* Shorthand: compute shader writes -> compute shader reads. */
void asr_cmd_compute_barrier(AsrDevice *d, VkCommandBuffer cb);

#endif /* ASR_CMD_H */
