/*
 * Names of the public enums (status, decoder mode, kernels) and the
 * library version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "common.h"

#define ASR_STR2(x) #x
#define ASR_STR(x) ASR_STR2(x)

ASR_API const char *asr_status_to_string(AsrStatus status)
{
    switch (status) {
    case ASR_OK: return "ok";
    case ASR_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case ASR_ERROR_NO_MEMORY: return "out of memory";
    case ASR_ERROR_NO_DEVICE: return "no Vulkan device";
    case ASR_ERROR_VULKAN: return "Vulkan error";
    case ASR_ERROR_UNSUPPORTED: return "unsupported";
    case ASR_ERROR_MODEL: return "invalid model";
    case ASR_ERROR_NOT_CONFIGURED: return "not configured";
    case ASR_ERROR_DEVICE_LOST: return "device lost";
    case ASR_ERROR_CANCELLED: return "cancelled";
    case ASR_HOST_FLOOR: return "left to the caller's floor";
    }
    return "unknown status";
}

ASR_API const char *asr_version(void)
{
    return ASR_STR(ASR_VERSION_MAJOR) "." ASR_STR(ASR_VERSION_MINOR) "." ASR_STR(ASR_VERSION_PATCH);
}

static const char *const decoder_names[] = {
    [ASR_DECODER_HEAVY] = "heavy", [ASR_DECODER_LIGHT] = "light", [ASR_DECODER_ROUTED] = "routed",
};
static const char *const kernels_names[] = {
    [ASR_KERNELS_AUTO] = "auto", [ASR_KERNELS_SIMT] = "simt", [ASR_KERNELS_COOPMAT] = "coopmat",
};

ASR_API const char *asr_decoder_name(AsrDecoderMode mode)
{
    return (unsigned)mode < ASR_ARRAY_SIZE(decoder_names) ? decoder_names[mode] : "unknown";
}

ASR_API const char *asr_kernels_name(AsrKernels kernels)
{
    return (unsigned)kernels < ASR_ARRAY_SIZE(kernels_names) ? kernels_names[kernels] : "unknown";
}

static const char *const tuning_names[] = {
    [ASR_TUNING_AUTO] = "auto",
    [ASR_TUNING_OFF] = "off",
    [ASR_TUNING_FORCE] = "force",
};

ASR_API const char *asr_tuning_name(AsrTuning tuning)
{
    return (unsigned)tuning < ASR_ARRAY_SIZE(tuning_names) ? tuning_names[tuning] : "unknown";
}
