/*
 * The rules of subgroup requests (src/vulkan/subgroup.c,
 * docs/design.md#kernels "Subgroups") on devices described by hand: a
 * request is granted only where the Vulkan rules for
 * VkPipelineShaderStageRequiredSubgroupSizeCreateInfo and
 * VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT hold, and a
 * refused one leaves the pass as it was; then, on the real device, what it
 * reports (lavapipe: one size, control from Mesa 22.3 on).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "asr_test.h"
#include "subgroup.h"

static int infos;

static void count_cb(void *user, AsrLogLevel level, const char *msg)
{
    (void)user;
    if (level == ASR_LOG_INFO && strstr(msg, "subgroup sizes are not asked for"))
        infos++;
}

/* A device with subgroups of `sg` lanes, sizes min..max where control */
static void fake_device(AsrDevice *d, uint32_t sg, int control, uint32_t min, uint32_t max,
                        uint32_t max_subgroups)
{
    memset(d, 0, sizeof(*d));
    d->log = (AsrLog) { count_cb, NULL, ASR_LOG_DEBUG };
    atomic_init(&d->sg_why_logged, 0);
    d->subgroup_size = sg;
    d->sg_control = control;
    d->sg_min = control ? min : sg;
    d->sg_max = control ? max : sg;
    d->sg_max_subgroups = max_subgroups;
    snprintf(d->sg_why, sizeof(d->sg_why), "%s", control ? "" : "the device lacks it");
}

static void expect(AsrDevice *d, uint32_t lx, uint32_t ly, uint32_t size, int granted)
{
    AsrPassDesc desc = { .local_x = lx, .local_y = ly };
    int got = asr_subgroup_ask_full(d, &desc, size, "test");
    CHECK_MSG(got == granted, "%u x %u in subgroups of %u (device %u, sizes %u to %u, "
              "control %d): %s", lx, ly, size, d->subgroup_size, d->sg_min, d->sg_max,
              d->sg_control, got ? "granted" : "refused");
    CHECK(desc.subgroup_size == (got ? size : 0u));
    CHECK(desc.full_subgroups == got);
}

int main(void)
{
    AsrDevice d;
    /* a GPU that varies between 32 and 64 lanes (RADV), at most 16 per workgroup */
    fake_device(&d, 64, 1, 32, 64, 16);
    expect(&d, 64, 1, 64, 1);
    expect(&d, 64, 1, 32, 1);
    expect(&d, 128, 1, 32, 1);
    expect(&d, 32, 1, 64, 0);   /* x not a multiple of the size */
    expect(&d, 16, 4, 64, 0);   /* 64 invocations but x = 16 */
    expect(&d, 64, 1, 16, 0);   /* below minSubgroupSize */
    expect(&d, 64, 1, 128, 0);  /* above maxSubgroupSize */
    expect(&d, 96, 1, 48, 0);   /* not a power of two */
    expect(&d, 32, 32, 32, 0);  /* 32 subgroups > maxComputeWorkgroupSubgroups */
    expect(&d, 32, 16, 32, 1);
    expect(&d, 64, 1, 0, 0);
    CHECK(infos == 0);
    /* Intel: SIMD8 to 32 */
    fake_device(&d, 32, 1, 8, 32, 0);
    expect(&d, 8, 4, 8, 1);
    expect(&d, 8, 4, 16, 0);
    /* no size control: refused, the reason logged once per device */
    fake_device(&d, 8, 0, 0, 0, 0);
    expect(&d, 8, 4, 8, 0);
    expect(&d, 64, 1, 8, 0);
    CHECK(infos == 1);

    /* the real device (asr_debug_device_probe: what the engine would use) */
    AsrSettings s;
    test_settings_default(&s);
    AsrDebugDevice dev;
    AsrStatus st = asr_debug_device_probe(&s, &dev);
    if (st == ASR_OK) {
        printf("device %s: subgroups of %u, control %s (%u to %u); cooperative matrices %s%s\n",
               dev.name, dev.subgroup_size, dev.subgroup_control ? "on" : "off",
               dev.subgroup_min, dev.subgroup_max, dev.coopmat ? "yes" : "no: ",
               dev.coopmat ? "" : dev.coopmat_why);
        CHECK(dev.subgroup_size >= 1 && dev.subgroup_size <= 128);
        CHECK(dev.subgroup_min <= dev.subgroup_size && dev.subgroup_size <= dev.subgroup_max);
        if (dev.lavapipe) {
            /* one size, the SIMD width; size control since Mesa 22.3 */
            CHECK(dev.subgroup_min == dev.subgroup_max);
            CHECK(dev.subgroup_control);
        }
        CHECK(!dev.coopmat_quirk || !dev.coopmat);
    } else {
        FAIL("asr_debug_device_probe: %s", asr_status_to_string(st));
    }
    if (test_failures)
        fprintf(stderr, "%d failure(s)\n", test_failures);
    return test_failures ? 1 : 0;
}
