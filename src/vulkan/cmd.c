/*
 * Command buffer, fence and barriers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "cmd.h"

AsrStatus asr_cmd_create(AsrDevice *d, AsrCmd *c)
{
    AsrStatus status = ASR_OK;
    const AsrVkFuncs *vk = &d->vk;
    memset(c, 0, sizeof(*c));

    VkCommandPoolCreateInfo cpci = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
        .queueFamilyIndex = d->queue_family,
    };
    VK(&d->log, vk->vkCreateCommandPool(d->device, &cpci, NULL, &c->pool));
    VkCommandBufferAllocateInfo cbai = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = c->pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    VK(&d->log, vk->vkAllocateCommandBuffers(d->device, &cbai, &c->cb));
    VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
    VK(&d->log, vk->vkCreateFence(d->device, &fci, NULL, &c->fence));
    return ASR_OK;

error:
    asr_cmd_destroy(d, c);
    return status;
}

void asr_cmd_destroy(AsrDevice *d, AsrCmd *c)
{
    if (c->fence)
        d->vk.vkDestroyFence(d->device, c->fence, NULL);
    if (c->pool)
        d->vk.vkDestroyCommandPool(d->device, c->pool, NULL); /* frees c->cb */
    memset(c, 0, sizeof(*c));
}

/* Wait for the fence in steps; see cmd.h. */
static AsrStatus wait_fence(AsrDevice *d, AsrCmd *c, const atomic_int *cancel, uint64_t limit_ns)
{
    uint64_t waited = 0, after_cancel = 0;
    for (;;) {
        VkResult r = d->vk.vkWaitForFences(d->device, 1, &c->fence, VK_TRUE, ASR_CMD_POLL_NS);
        if (r == VK_SUCCESS) {
            c->pending = 0;
            r = d->vk.vkResetFences(d->device, 1, &c->fence);
            if (r != VK_SUCCESS) {
                asr_err(&d->log, "vkResetFences failed: %s", asr_vkresult_to_string(r));
                return asr_status_from_vkresult(r);
            }
            return ASR_OK;
        }
        if (r != VK_TIMEOUT) {
            asr_err(&d->log, "vkWaitForFences failed: %s", asr_vkresult_to_string(r));
            return asr_status_from_vkresult(r);
        }
        waited += ASR_CMD_POLL_NS;
        if (cancel && atomic_load(cancel)) {
            after_cancel += ASR_CMD_POLL_NS;
            if (after_cancel >= ASR_CMD_CANCEL_NS)
                return ASR_ERROR_CANCELLED;
        }
        if (waited >= limit_ns) {
            asr_err(&d->log, "the device has not finished a submission in %.0f s: taking it as "
                    "hung (lost)", (double)waited * 1e-9);
            d->lost = 1;
            return ASR_ERROR_DEVICE_LOST;
        }
    }
}

AsrStatus asr_cmd_settle(AsrDevice *d, AsrCmd *c, uint64_t timeout_ns)
{
    if (!c->pending)
        return ASR_OK;
    return wait_fence(d, c, NULL, timeout_ns);
}

AsrStatus asr_cmd_begin(AsrDevice *d, AsrCmd *c)
{
    AsrStatus status = ASR_OK;
    if (d->lost)
        return ASR_ERROR_DEVICE_LOST;
    status = asr_cmd_settle(d, c, ASR_CMD_HANG_NS);
    if (status < 0)
        return status;
    VK(&d->log, d->vk.vkResetCommandBuffer(c->cb, 0));
    VkCommandBufferBeginInfo bi = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
        .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
    };
    VK(&d->log, d->vk.vkBeginCommandBuffer(c->cb, &bi));
error:
    return status;
}

AsrStatus asr_cmd_submit_wait(AsrDevice *d, AsrCmd *c, const atomic_int *cancel)
{
    AsrStatus status = ASR_OK;
    const AsrVkFuncs *vk = &d->vk;
    VK(&d->log, vk->vkEndCommandBuffer(c->cb));
    if (d->fault_lost_in && --d->fault_lost_in == 0) {
        /* test hook (internal.h): this submission finds the device lost */
        asr_err(&d->log, "injected fault: device lost");
        d->lost = 1;
        return ASR_ERROR_DEVICE_LOST;
    }
    VkSubmitInfo si = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &c->cb,
    };
    if (d->queue_lock)
        d->queue_lock(d->queue_lock_user);
    VkResult sres = vk->vkQueueSubmit(d->queue, 1, &si, c->fence);
    if (d->queue_unlock)
        d->queue_unlock(d->queue_lock_user);
    VK(&d->log, sres);
    c->pending = 1;
    status = wait_fence(d, c, cancel, ASR_CMD_HANG_NS);
error:
    if (status == ASR_ERROR_DEVICE_LOST)
        d->lost = 1;
    return status;
}

void asr_cmd_barrier(AsrDevice *d, VkCommandBuffer cb,
                     VkPipelineStageFlags src_stage, VkAccessFlags src_access,
                     VkPipelineStageFlags dst_stage, VkAccessFlags dst_access)
{
    VkMemoryBarrier mb = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = src_access,
        .dstAccessMask = dst_access,
    };
    d->vk.vkCmdPipelineBarrier(cb, src_stage, dst_stage, 0, 1, &mb, 0, NULL, 0, NULL);
}

void asr_cmd_compute_barrier(AsrDevice *d, VkCommandBuffer cb)
{
    asr_cmd_barrier(d, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
}
