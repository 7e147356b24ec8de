/*
 * Opening and closing an engine: the model (read and validated before any
 * GPU work), the device and its quirks, its pipeline cache, the kernel
 * choice, the passes (their pipelines are created by the frames that first
 * run them), the network and its weights; and the teardown, which writes
 * the pipeline cache and hands the freed heap back to the system.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _DEFAULT_SOURCE /* malloc_trim */
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "model.h"
#include "pcache.h"
#include "settings.h"

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

AsrStatus asr_engine_open(const AsrSettings *s, const AsrVulkanDevice *vk, AsrEngine **out)
{
    AsrStatus status = ASR_OK;
    AsrEngine *e = NULL;
    AsrModel *model = NULL;
    char err[512];
    AsrEnv env;
    asr_env_read(&env);
    e = calloc(1, sizeof(*e));
    if (!e)
        return ASR_ERROR_NO_MEMORY;
    e->log = (AsrLog) { s->log_callback, s->log_user_data, s->log_level };
    asr_env_warn(&env, &e->log);
    if (s->model_path) {
        e->model_path = copy_string(s->model_path);
        if (!e->model_path) {
            status = ASR_ERROR_NO_MEMORY;
            goto error;
        }
    }

    /* the model is read and validated before any GPU work */
    status = e->model_path ? asr_model_load_file(e->model_path, &model, err, sizeof(err))
                           : asr_model_load_default(&model, err, sizeof(err));
    if (status < 0) {
        asr_err(&e->log, "model %s: %s", e->model_path ? e->model_path : "(embedded)", err);
        goto error;
    }
    asr_info(&e->log, "model %s: F %u, D %u, %u subnets, %zu weights",
             e->model_path ? e->model_path : "(embedded)", model->arch.F, model->arch.D,
             model->arch.n_ladder, model->num_weights);
    e->op = (AsrOpChoice) { -1, ASR_DECODER_ROUTED, (float)model->arch.default_k, 0.0f };
    asr_points_init(&e->points);
    e->stats.op.point = -1;

    AsrDeviceParams params = {
        .log = e->log,
        .device_index = s->device_index,
        .validation = s->validation,
        .want_storage16 = s->precision != ASR_PRECISION_FP32,
        .want_coopmat = s->kernels != ASR_KERNELS_SIMT,
        .env = &env,
    };
    status = vk ? asr_device_wrap(&params, vk, &e->dev) : asr_device_create(&params, &e->dev);
    if (status < 0)
        goto error;
    asr_pcache_open(e->dev); /* docs/design.md#cache: none is fine */
    if (s->precision == ASR_PRECISION_FP16 && !e->dev->storage16) {
        asr_err(&e->log, "precision fp16: the device %s has no storageBuffer16BitAccess",
                e->dev->props.deviceName);
        status = ASR_ERROR_UNSUPPORTED;
        goto error;
    }
    e->tile_rows = s->tile_rows;
    e->split = e->dev->quirks.split_frames;
    atomic_init(&e->cancel, 0);
    e->budget = s->memory_budget ? s->memory_budget : e->dev->heap_bytes / 4 * 3;
    if (!e->budget)
        e->budget = UINT64_MAX;
    e->stats.plan.precision = e->dev->storage16 ? ASR_PRECISION_FP16 : ASR_PRECISION_FP32;
    status = asr_io_create(e->dev, &e->io);
    if (status < 0)
        goto error;
    status = asr_resample_create(e->dev, &e->resample);
    if (status < 0)
        goto error;
    status = asr_cmd_create(e->dev, &e->cmd);
    if (status < 0)
        goto error;
    status = asr_timer_create(e->dev, &e->timer, STAMP_COUNT);
    if (status < 0)
        goto error;
    status = asr_buffer_create(e->dev, &e->readback, ASR_BUFFER_DOWNLOAD, READBACK_BYTES,
                               VK_BUFFER_USAGE_TRANSFER_DST_BIT);
    if (status < 0)
        goto error;
    /* cooperative matrices need the fp16 maps (the device enables them only
     * with 16-bit storage) */
    /* auto: where the quirks allow (not on CPU devices) */
    int want = s->kernels == ASR_KERNELS_COOPMAT ||
               (s->kernels == ASR_KERNELS_AUTO && e->dev->quirks.coopmat_auto);
    int coopmat = e->dev->coopmat && e->dev->storage16 && want;
    if (s->kernels == ASR_KERNELS_COOPMAT && !coopmat)
        asr_warn(&e->log, "kernels coopmat: not available on %s (%s); using the SIMT kernels",
                 e->dev->props.deviceName, e->dev->coopmat_why);
    e->stats.plan.kernels = coopmat ? ASR_KERNELS_COOPMAT : ASR_KERNELS_SIMT;
    asr_info(&e->log, "encoder convolutions: %s", asr_kernels_name(e->stats.plan.kernels));
    /* the built-in kernel configuration first, then the tuner's pick */
    AsrKernelConfig kc;
    asr_net_builtin_config(e->dev, model, &kc);
    status = asr_net_create(e->dev, model, e->dev->storage16, coopmat, &kc, &e->cmd, &e->net);
    model = NULL; /* owned by the net, also on failure */
    if (status < 0)
        goto error;
    status = asr_engine_tune(e, s->tuning, NULL);
    if (status < 0)
        goto error;

    *out = e;
    return ASR_OK;

error:
    asr_model_free(&model);
    asr_engine_close(e);
    return status;
}

/* The heap's free memory back to the system (docs/design.md#memory-plan,
 * host memory): glibc keeps what a thread frees in that thread's arena. */
static void release_heap(void)
{
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

void asr_engine_close(AsrEngine *e)
{
    if (!e)
        return;
    AsrDevice *d = e->dev;
    if (d && !d->lost && asr_cmd_settle(d, &e->cmd, 5ull * 1000 * 1000 * 1000) < 0) {
        /* the device still runs (or never finishes) our last submission:
         * its buffers cannot be freed; leak them rather than hang */
        asr_err(&e->log, "free: the device has not finished the last submission in 5 s; "
                "leaving its memory and the device allocated");
        d = NULL;
    }
    if (d) {
        if (!d->lost && !d->external)
            d->vk.vkDeviceWaitIdle(d->device);
        asr_engine_plan_free(e, d);
        asr_timer_destroy(d, &e->timer);
        asr_prof_destroy(d, &e->prof);
        asr_cmd_destroy(d, &e->cmd);
        asr_net_destroy(d, &e->net);
        asr_resample_destroy(d, &e->resample);
        asr_io_destroy(d, &e->io);
        asr_pcache_close(d);
        asr_device_destroy(&e->dev);
    }
    free(e->model_path);
    free(e);
    release_heap();
}
