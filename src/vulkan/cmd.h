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
    int pending;  /* submitted, not known to be finished (a wait gave up) */
} AsrCmd;

/* How long the device may take for one submission before the wait gives
 * up (ASR_ERROR_DEVICE_LOST: the device is taken as hung), and how long a
 * wait goes on after a cancel before giving up (ASR_ERROR_CANCELLED). Waits
 * look at the cancel flag every ASR_CMD_POLL_NS. */
#define ASR_CMD_HANG_NS (60ull * 1000 * 1000 * 1000)
#define ASR_CMD_CANCEL_NS (2ull * 1000 * 1000 * 1000)
#define ASR_CMD_POLL_NS (20ull * 1000 * 1000)

AsrStatus asr_cmd_create(AsrDevice *d, AsrCmd *c);
void asr_cmd_destroy(AsrDevice *d, AsrCmd *c);

/* Reset and begin recording (one-time submit). A submission a wait gave up
 * on is waited for first (up to ASR_CMD_HANG_NS). */
AsrStatus asr_cmd_begin(AsrDevice *d, AsrCmd *c);
/* End recording, submit to the device queue and wait for completion, in
 * steps of ASR_CMD_POLL_NS. `cancel` (may be NULL): when it becomes
 * non-zero, the wait goes on for at most ASR_CMD_CANCEL_NS more and then
 * returns ASR_ERROR_CANCELLED with the submission still pending. Returns
 * ASR_ERROR_DEVICE_LOST when the device reports it, or when the submission
 * runs past ASR_CMD_HANG_NS. */
AsrStatus asr_cmd_submit_wait(AsrDevice *d, AsrCmd *c, const atomic_int *cancel);
/* Wait for a pending submission for at most `timeout_ns`; ASR_OK when
 * nothing is pending any more. */
AsrStatus asr_cmd_settle(AsrDevice *d, AsrCmd *c, uint64_t timeout_ns);

/* Global memory barrier: writes of `src_stage`/`src_access` become visible
 * to `dst_stage`/`dst_access`. */
void asr_cmd_barrier(AsrDevice *d, VkCommandBuffer cb,
                     VkPipelineStageFlags src_stage, VkAccessFlags src_access,
                     VkPipelineStageFlags dst_stage, VkAccessFlags dst_access);

/* Shorthand: compute shader writes -> compute shader reads. */
void asr_cmd_compute_barrier(AsrDevice *d, VkCommandBuffer cb);

#endif /* ASR_CMD_H */
