/*
 * Compute pipelines and their descriptor sets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "profiler.h"
#include "timer.h"

static VkDescriptorType desc_type(const AsrPass *p, uint32_t binding)
{
    return (p->uniform_mask >> binding) & 1 ? VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER :
                                              VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
}

AsrStatus asr_pass_create(AsrDevice *d, const AsrPassDesc *desc, AsrPass *p)
{
    AsrStatus status = ASR_OK;
    const AsrVkFuncs *vk = &d->vk;
    memset(p, 0, sizeof(*p));
    p->name = desc->shader->name;
    p->num_buffers = desc->num_buffers;
    p->uniform_mask = desc->uniform_mask;
    p->push_size = desc->push_size;
    p->local_x = desc->local_x ? desc->local_x : 1;
    p->local_y = desc->local_y ? desc->local_y : 1;
    p->num_sets = desc->num_sets ? desc->num_sets : 1;
    if (p->num_buffers > ASR_PASS_MAX_BUFFERS || desc->num_spec > ASR_PASS_MAX_SPEC) {
        status = ASR_ERROR_INVALID_ARGUMENT;
        goto error;
    }
    p->pl = calloc(1, sizeof(*p->pl));
    if (!p->pl) {
        status = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    p->pl->desc = *desc;
    d->passes_described++; /* until asr_pass_destroy() */

    VkDescriptorSetLayoutBinding bindings[ASR_PASS_MAX_BUFFERS];
    for (uint32_t i = 0; i < p->num_buffers; i++) {
        bindings[i] = (VkDescriptorSetLayoutBinding) {
            .binding = i,
            .descriptorType = desc_type(p, i),
            .descriptorCount = 1,
            .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        };
    }
    VkDescriptorSetLayoutCreateInfo dslci = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .bindingCount = p->num_buffers,
        .pBindings = bindings,
    };
    VK(&d->log, vk->vkCreateDescriptorSetLayout(d->device, &dslci, NULL, &p->set_layout));

    VkPushConstantRange pcr = {
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        .offset = 0,
        .size = p->push_size,
    };
    VkPipelineLayoutCreateInfo plci = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &p->set_layout,
        .pushConstantRangeCount = p->push_size ? 1 : 0,
        .pPushConstantRanges = &pcr,
    };
    VK(&d->log, vk->vkCreatePipelineLayout(d->device, &plci, NULL, &p->layout));

    status = asr_pass_reserve_sets(d, p, p->num_sets);
    if (status < 0)
        goto error;
    return ASR_OK;

error:
    asr_err(&d->log, "failed to create the pass of shader %s", desc->shader->name);
    asr_pass_destroy(d, p);
    return status;
}

AsrStatus asr_pass_prepare(AsrDevice *d, const AsrPass *p)
{
    AsrStatus status = ASR_OK;
    const AsrVkFuncs *vk = &d->vk;
    VkShaderModule module = VK_NULL_HANDLE;
    AsrPassPipeline *pl = p->pl;
    if (pl->pipeline)
        return ASR_OK;
    const AsrPassDesc *desc = &pl->desc;
    double t0 = asr_monotonic_ms();
    if (d->fault_pipeline_in && --d->fault_pipeline_in == 0) {
        asr_err(&d->log, "injected fault: the pipeline of %s is not created", p->name);
        status = ASR_ERROR_VULKAN;
        goto error;
    }

    VkShaderModuleCreateInfo smci = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = desc->shader->size,
        .pCode = desc->shader->code,
    };
    VK(&d->log, vk->vkCreateShaderModule(d->device, &smci, NULL, &module));

    uint32_t spec[2 + ASR_PASS_MAX_SPEC];
    VkSpecializationMapEntry entries[2 + ASR_PASS_MAX_SPEC];
    uint32_t num_spec = 2 + desc->num_spec;
    spec[0] = p->local_x;
    spec[1] = p->local_y;
    for (uint32_t i = 0; i < desc->num_spec; i++)
        spec[2 + i] = desc->spec[i];
    for (uint32_t i = 0; i < num_spec; i++) {
        entries[i] = (VkSpecializationMapEntry) {
            .constantID = i,
            .offset = i * (uint32_t)sizeof(uint32_t),
            .size = sizeof(uint32_t),
        };
    }
    VkSpecializationInfo si = {
        .mapEntryCount = num_spec,
        .pMapEntries = entries,
        .dataSize = num_spec * sizeof(uint32_t),
        .pData = spec,
    };
    /* what the kernel asked of its subgroups (subgroup.h) */
    VkPipelineShaderStageCreateFlags full =
        desc->full_subgroups ? VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT : 0;
    VkPipelineShaderStageRequiredSubgroupSizeCreateInfoEXT rss = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO_EXT,
        .requiredSubgroupSize = desc->subgroup_size,
    };
    VkComputePipelineCreateInfo cpci = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {
            .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
            .pNext = desc->subgroup_size ? &rss : NULL,
            .flags = full,
            .stage = VK_SHADER_STAGE_COMPUTE_BIT,
            .module = module,
            .pName = "main",
            .pSpecializationInfo = &si,
        },
        .layout = p->layout,
    };
    VK(&d->log, vk->vkCreateComputePipelines(d->device, d->pcache, 1, &cpci, NULL, &pl->pipeline));
    d->pipelines_created++;
    vk->vkDestroyShaderModule(d->device, module, NULL);
    double ms = asr_monotonic_ms() - t0;
    d->pipeline_ms += ms;
    asr_dbg(&d->log, "created pipeline %s in %.1f ms", p->name, ms);
    return ASR_OK;

error:
    asr_err(&d->log, "failed to create the pipeline of shader %s", p->name);
    pl->pipeline = VK_NULL_HANDLE;
    if (module)
        vk->vkDestroyShaderModule(d->device, module, NULL);
    d->pipeline_ms += asr_monotonic_ms() - t0;
    return status;
}

AsrStatus asr_pass_take_failure(AsrDevice *d, const char **name)
{
    AsrStatus status = d->pass_failure;
    if (name)
        *name = d->pass_failed ? d->pass_failed : "";
    d->pass_failure = ASR_OK;
    d->pass_failed = NULL;
    return status;
}

AsrStatus asr_pass_reserve_sets(AsrDevice *d, AsrPass *p, uint32_t n)
{
    AsrStatus status = ASR_OK;
    const AsrVkFuncs *vk = &d->vk;
    VkDescriptorPool pool = VK_NULL_HANDLE;
    VkDescriptorSet *sets = NULL;
    VkDescriptorSetLayout *layouts = NULL;
    if (p->pool && p->sets && n <= p->num_sets)
        return ASR_OK;
    n = ASR_MAX(n, 1);
    sets = calloc(n, sizeof(*sets));
    layouts = calloc(n, sizeof(*layouts));
    if (!sets || !layouts) {
        status = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    uint32_t uniforms = (uint32_t)__builtin_popcount(p->uniform_mask);
    VkDescriptorPoolSize ps[2] = {
        { .type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
          .descriptorCount = ASR_MAX(p->num_buffers - uniforms, 1) * n },
        { .type = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, .descriptorCount = uniforms * n },
    };
    VkDescriptorPoolCreateInfo dpci = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
        .maxSets = n,
        .poolSizeCount = uniforms ? 2 : 1,
        .pPoolSizes = ps,
    };
    VK(&d->log, vk->vkCreateDescriptorPool(d->device, &dpci, NULL, &pool));
    for (uint32_t i = 0; i < n; i++)
        layouts[i] = p->set_layout;
    VkDescriptorSetAllocateInfo dsai = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
        .descriptorPool = pool,
        .descriptorSetCount = n,
        .pSetLayouts = layouts,
    };
    VK(&d->log, vk->vkAllocateDescriptorSets(d->device, &dsai, sets));
    if (p->pool)
        vk->vkDestroyDescriptorPool(d->device, p->pool, NULL);
    free(p->sets);
    p->pool = pool;
    p->sets = sets;
    p->num_sets = n;
    free(layouts);
    return ASR_OK;

error:
    if (pool)
        vk->vkDestroyDescriptorPool(d->device, pool, NULL);
    free(sets);
    free(layouts);
    return status;
}

void asr_pass_destroy(AsrDevice *d, AsrPass *p)
{
    const AsrVkFuncs *vk = &d->vk;
    if (p->pool)
        vk->vkDestroyDescriptorPool(d->device, p->pool, NULL);
    free(p->sets);
    if (p->pl && p->pl->pipeline)
        vk->vkDestroyPipeline(d->device, p->pl->pipeline, NULL);
    if (p->pl)
        d->passes_described--;
    free(p->pl);
    if (p->layout)
        vk->vkDestroyPipelineLayout(d->device, p->layout, NULL);
    if (p->set_layout)
        vk->vkDestroyDescriptorSetLayout(d->device, p->set_layout, NULL);
    memset(p, 0, sizeof(*p));
}

void asr_pass_bind(AsrDevice *d, AsrPass *p, uint32_t set, const AsrBufferRange *ranges)
{
    VkDescriptorBufferInfo infos[ASR_PASS_MAX_BUFFERS];
    VkWriteDescriptorSet writes[ASR_PASS_MAX_BUFFERS];
    for (uint32_t i = 0; i < p->num_buffers; i++) {
        infos[i] = (VkDescriptorBufferInfo) {
            .buffer = ranges[i].buffer->buffer,
            .offset = ranges[i].offset,
            .range = ranges[i].size,
        };
        writes[i] = (VkWriteDescriptorSet) {
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstSet = p->sets[set],
            .dstBinding = i,
            .descriptorCount = 1,
            .descriptorType = desc_type(p, i),
            .pBufferInfo = &infos[i],
        };
    }
    d->vk.vkUpdateDescriptorSets(d->device, p->num_buffers, writes, 0, NULL);
}

/* Bind the pass for a dispatch, creating its pipeline first when it has
 * none; 0 when that fails (kept for asr_pass_take_failure()). */
static int bind(AsrDevice *d, VkCommandBuffer cb, const AsrPass *p, uint32_t set,
                const void *push)
{
    const AsrVkFuncs *vk = &d->vk;
    if (!p->pl->pipeline) {
        AsrStatus status = asr_pass_prepare(d, p);
        if (status < 0) {
            if (d->pass_failure >= 0) {
                d->pass_failure = status;
                d->pass_failed = p->name;
            }
            return 0;
        }
    }
    vk->vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p->pl->pipeline);
    vk->vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1,
                                &p->sets[set], 0, NULL);
    if (p->push_size)
        vk->vkCmdPushConstants(cb, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, p->push_size, push);
    return 1;
}

void asr_pass_dispatch(AsrDevice *d, VkCommandBuffer cb, const AsrPass *p, uint32_t set,
                       const void *push, uint32_t width, uint32_t height, uint32_t depth)
{
    if (!bind(d, cb, p, set, push))
        return;
    d->vk.vkCmdDispatch(cb, asr_pass_groups_x(p, width), asr_pass_groups_y(p, height), depth);
    if (d->prof)
        asr_prof_dispatched(d, cb, p->name);
}

void asr_pass_dispatch_groups(AsrDevice *d, VkCommandBuffer cb, const AsrPass *p, uint32_t set,
                              const void *push, uint32_t gx, uint32_t gy, uint32_t gz)
{
    if (!bind(d, cb, p, set, push))
        return;
    d->vk.vkCmdDispatch(cb, gx, gy, gz);
    if (d->prof)
        asr_prof_dispatched(d, cb, p->name);
}

void asr_pass_dispatch_indirect(AsrDevice *d, VkCommandBuffer cb, const AsrPass *p, uint32_t set,
                                const void *push, const AsrBuffer *args, VkDeviceSize offset)
{
    if (!bind(d, cb, p, set, push))
        return;
    d->vk.vkCmdDispatchIndirect(cb, args->buffer, offset);
    if (d->prof)
        asr_prof_dispatched(d, cb, p->name);
}
