/*
 * anysr-vulkan.h: an engine on a device it does not own (here: another
 * engine's, whose instance has the validation layer when the test setup
 * asks for it), byte-equal to an engine on its own device; the queue lock
 * taken around every submission; the device kept alive after the shared
 * engine is freed; a frame whose input is written on the device by the
 * caller's commands (record_input) and whose output is read by them; a
 * callback that fails leaves its own message in asr_engine_last_error().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "asr_test.h"
#include "anysr/anysr-vulkan.h"

static int locks, unlocks;
static void lock(void *u) { (void)u; locks++; }
static void unlock(void *u) { (void)u; unlocks++; }

typedef struct Io {
    PFN_vkCmdFillBuffer fill;
    int inputs, outputs;
    VkDeviceSize in_stride, out_size;
} Io;

static int record_input(void *user, VkCommandBuffer cb, const AsrVulkanFrameBuffer *buf)
{
    Io *io = user;
    io->inputs++;
    io->in_stride = buf->stride[0];
    io->fill(cb, buf->buffer, 0, (buf->size + 3) / 4 * 4,
             0x80808080u);
    return 0;
}

static int record_failing(void *user, VkCommandBuffer cb, const AsrVulkanFrameBuffer *buf)
{
    (void)user, (void)cb, (void)buf;
    return -1;
}

static int record_output(void *user, VkCommandBuffer cb, const AsrVulkanFrameBuffer *buf)
{
    Io *io = user;
    (void)cb;
    io->outputs++;
    io->out_size = buf->size;
    return 0;
}

int main(void)
{
    AsrSettings s;
    asr_settings_default(&s);
    s.precision = ASR_PRECISION_FP32;
    AsrEngine *own = NULL, *shared = NULL;
    CHECK_STATUS(asr_engine_new(&s, &own), ASR_OK);
    if (!own)
        return 1;
    AsrVulkanDevice vk;
    CHECK_STATUS(asr_engine_get_vulkan_device(own, &vk), ASR_OK);
    CHECK(vk.device != VK_NULL_HANDLE && vk.get_instance_proc_addr);

    /* argument checks */
    CHECK_STATUS(asr_engine_new_vulkan(&s, NULL, &shared), ASR_ERROR_INVALID_ARGUMENT);
    AsrVulkanDevice bad = vk;
    bad.queue_lock = lock;
    CHECK_STATUS(asr_engine_new_vulkan(&s, &bad, &shared), ASR_ERROR_INVALID_ARGUMENT);
    bad = vk;
    bad.api_version = VK_API_VERSION_1_0;
    CHECK_STATUS(asr_engine_new_vulkan(&s, &bad, &shared), ASR_ERROR_UNSUPPORTED);
    bad = vk;
    bad.queue_family_index = 99;
    CHECK_STATUS(asr_engine_new_vulkan(&s, &bad, &shared), ASR_ERROR_UNSUPPORTED);
    CHECK(shared == NULL);

    vk.queue_lock = lock;
    vk.queue_unlock = unlock;
    CHECK_STATUS(asr_engine_new_vulkan(&s, &vk, &shared), ASR_OK);
    if (!shared)
        return 1;
    AsrVulkanDevice got;
    CHECK_STATUS(asr_engine_get_vulkan_device(shared, &got), ASR_OK);
    CHECK(got.device == vk.device && got.instance == vk.instance);
    CHECK(locks > 0 && locks == unlocks); /* the weight upload */

    AsrFrameInfo in = { ASR_FORMAT_RGBA, 24, 16, 0, 0, 0, 0 };
    AsrFrameInfo out = { ASR_FORMAT_RGBA, 48, 32, 0, 0, 0, 0 };
    CHECK_STATUS(asr_engine_configure(own, &in, &out), ASR_OK);
    CHECK_STATUS(asr_engine_configure(shared, &in, &out), ASR_OK);
    AsrOpChoice op = { 0, ASR_DECODER_LIGHT, asr_engine_default_k(own) };
    CHECK_STATUS(asr_engine_set_op(own, &op), ASR_OK);
    CHECK_STATUS(asr_engine_set_op(shared, &op), ASR_OK);
    uint8_t src[24 * 16 * 4], a[48 * 32 * 4], b[48 * 32 * 4];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(src); i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        src[i] = (uint8_t)x;
    }
    AsrFrame fi = { { src }, { 24 * 4 } }, fa = { { a }, { 48 * 4 } }, fb = { { b }, { 48 * 4 } };
    int before = locks;
    CHECK_STATUS(asr_engine_process(own, &fi, &fa), ASR_OK);
    CHECK_STATUS(asr_engine_process(shared, &fi, &fb), ASR_OK);
    CHECK(locks > before && locks == unlocks);
    CHECK_MSG(!memcmp(a, b, sizeof(a)), "the shared-device engine's frame differs");

    /* the input written by the caller's commands: all bytes 0x80 */
    Io io = { 0 };
    PFN_vkGetDeviceProcAddr gdpa =
        (PFN_vkGetDeviceProcAddr)vk.get_instance_proc_addr(vk.instance, "vkGetDeviceProcAddr");
    io.fill = (PFN_vkCmdFillBuffer)gdpa(vk.device, "vkCmdFillBuffer");
    memset(src, 0x80, sizeof(src));
    CHECK_STATUS(asr_engine_process(own, &fi, &fa), ASR_OK);
    AsrVulkanFrameIo fio = { record_input, NULL, &io };
    memset(b, 0, sizeof(b));
    CHECK_STATUS(asr_engine_process_vulkan(shared, NULL, &fb, &fio), ASR_OK);
    CHECK(io.inputs == 1 && io.in_stride == 24 * 4);
    CHECK_MSG(!memcmp(a, b, sizeof(a)), "the frame from record_input differs");
    fio.record_output = record_output;
    CHECK_STATUS(asr_engine_process_vulkan(shared, NULL, NULL, &fio), ASR_OK);
    CHECK(io.inputs == 2 && io.outputs == 1 && io.out_size == sizeof(b));
    CHECK_STATUS(asr_engine_process_vulkan(shared, NULL, NULL, NULL), ASR_ERROR_INVALID_ARGUMENT);
    /* a callback that fails: its own message stays in last_error */
    AsrVulkanFrameIo failing = { record_failing, NULL, &io };
    CHECK_STATUS(asr_engine_process_vulkan(shared, NULL, &fb, &failing), ASR_ERROR_VULKAN);
    CHECK_MSG(strstr(asr_engine_last_error(shared), "input callback failed") != NULL,
              "last error: %s", asr_engine_last_error(shared));
    failing = (AsrVulkanFrameIo) { record_input, record_failing, &io };
    CHECK_STATUS(asr_engine_process_vulkan(shared, NULL, NULL, &failing), ASR_ERROR_VULKAN);
    CHECK_MSG(strstr(asr_engine_last_error(shared), "output callback failed") != NULL,
              "last error: %s", asr_engine_last_error(shared));
    CHECK_STATUS(asr_engine_process_vulkan(shared, NULL, &fb, &fio), ASR_OK);

    /* freeing the shared engine leaves the device to its owner */
    asr_engine_free(&shared);
    CHECK_STATUS(asr_engine_process(own, &fi, &fa), ASR_OK);
    AsrStats st;
    asr_engine_get_stats(own, &st);
    CHECK(st.counts.validation_messages == 0);
    asr_engine_free(&own);
    return test_failures != 0;
}
