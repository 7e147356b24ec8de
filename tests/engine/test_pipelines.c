/*
 * Pipelines (docs/design.md#kernels) and the pipeline cache file
 * (docs/design.md#cache):
 * - a new engine has created no pipeline; a frame of the light decoder at
 *   fixed depth creates those of the passes it runs, fewer than all, and a
 *   second frame none;
 * - with ANYSR_CACHE_DIR at a folder of the test's own (set before each
 *   engine is created: the engine reads it then), freeing the engine writes
 *   one cache file whose header is a VkPipelineCacheHeaderVersionOne; the
 *   next engine reads it (stats: used, its size);
 * - a truncated file, one of garbage, one with another pipelineCacheUUID,
 *   one of another vendor: the engine ignores it (stats), runs the same
 *   output, and writes the file again (the header of the first);
 * - a FIFO in the file's place is not waited on and is replaced by a file;
 * - ANYSR_CACHE_DIR empty: no cache, no file, no error; a cache folder that
 *   cannot be made (under a regular file): the same;
 * - an engine on a caller's device (asr_engine_new_vulkan()) reads the same
 *   file and runs the same output;
 * - a pipeline that cannot be created (injected, internal.h) fails the
 *   frame with ASR_ERROR_VULKAN naming the pass; the next frame creates it
 *   and runs the same output.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anysr/anysr-vulkan.h"
#include "asr_test.h"
#include "internal.h"

#define W 8
#define H 8
#define HEADER 32 /* sizeof(VkPipelineCacheHeaderVersionOne) */

static uint8_t src[W * H * 4];
static char folder[512];

/* The light decoder at fixed depth, subnet 0: 8x8 RGBA -> 16x16. */
static AsrStatus run(AsrEngine *e, uint8_t *dst)
{
    AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = W, .height = H };
    AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = 2 * W, .height = 2 * H };
    AsrOpChoice op = { 0, ASR_DECODER_LIGHT, asr_engine_default_k(e), 1.0f };
    AsrStatus status = asr_engine_set_op(e, &op);
    if (status >= 0)
        status = asr_engine_configure(e, &in, &out);
    AsrFrame fi = { { src }, { W * 4 } }, fo = { { dst }, { 2 * W * 4 } };
    if (status >= 0)
        status = asr_engine_process(e, &fi, &fo);
    return status;
}

/* The one cache file in the folder (path), its size; -1 when there is none
 * or more than one. */
static long cache_file(char *path, size_t size)
{
    DIR *d = opendir(folder);
    long bytes = -1;
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        n++;
        snprintf(path, size, "%s/%s", folder, de->d_name);
        struct stat st;
        if (strncmp(de->d_name, "pipelines-", 10) || !strstr(de->d_name, ".vkpc") ||
            stat(path, &st) != 0)
            n++;
        else
            bytes = (long)st.st_size;
    }
    closedir(d);
    return n == 1 ? bytes : -1;
}

/* Entries of the folder. */
static int entries(void)
{
    DIR *d = opendir(folder);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *de; (de = readdir(d));)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static int read_file(const char *path, uint8_t *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, size, f);
    fclose(f);
    return (int)n;
}

static void write_file(const char *path, const uint8_t *buf, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, size, f) != size)
        FAIL("cannot write %s", path);
    if (f)
        fclose(f);
}

/* The info message of an ignored cache file, seen since the last engine_in(). */
static int ignored_said;
static void log_cb(void *user, AsrLogLevel level, const char *msg)
{
    if (strstr(msg, "ignoring the pipeline cache"))
        ignored_said = 1;
    if (level <= ASR_LOG_WARNING)
        test_log_cb(user, level, msg);
}

static AsrEngine *engine_in(const char *dir)
{
    AsrSettings s;
    test_settings_default(&s);
    s.log_callback = log_cb;
    s.log_level = ASR_LOG_INFO;
    setenv("ANYSR_CACHE_DIR", dir, 1);
    ignored_said = 0;
    return test_engine_new_with(&s);
}

int main(void)
{
    uint32_t seed = 31;
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(test_rand(&seed) >> 24);
    snprintf(folder, sizeof(folder), "/tmp/anysr-test-pipelines-XXXXXX");
    if (!mkdtemp(folder)) {
        fprintf(stderr, "mkdtemp failed\n");
        return 1;
    }
    static uint8_t ref[4 * W * H * 4], dst[4 * W * H * 4];
    char path[1024];

    /* a fresh folder: no file yet; pipelines created by the frame only */
    AsrEngine *e = engine_in(folder);
    AsrStats st0, st1, st2;
    asr_engine_get_stats(e, &st0);
    CHECK(st0.counts.pipelines_created == 0 && st0.pipelines.described >= 16);
    CHECK_MSG(st0.pipelines.cache == ASR_PIPELINE_CACHE_MISSING, "cache %d",
              (int)st0.pipelines.cache);
    CHECK_STATUS(run(e, ref), ASR_OK);
    asr_engine_get_stats(e, &st1);
    /* unpack, pack, head, conv1, conv2, tail, gap, sa, the light MLP and
     * bilinear (alpha): not the routed decoder's, the heavy MLP, bicubic,
     * nor spatial depth's */
    CHECK_MSG(st1.counts.pipelines_created == 10 &&
              st1.counts.pipelines_created < st1.pipelines.described,
              "%llu pipelines of %u", (unsigned long long)st1.counts.pipelines_created,
              st1.pipelines.described);
    CHECK_STATUS(run(e, dst), ASR_OK);
    asr_engine_get_stats(e, &st2);
    CHECK(st2.counts.pipelines_created == st1.counts.pipelines_created);
    CHECK(st2.pipelines.frame_create_ms == 0.0 && st1.pipelines.frame_create_ms > 0.0);
    CHECK(!memcmp(ref, dst, sizeof(ref)));
    printf("light decoder, fixed depth: %llu pipelines of %u, created in %.1f ms\n",
           (unsigned long long)st1.counts.pipelines_created, st1.pipelines.described,
           st1.pipelines.create_ms);
    CHECK(cache_file(path, sizeof(path)) == -1); /* written when the engine is freed */
    asr_engine_free(&e);
    long bytes = cache_file(path, sizeof(path));
    CHECK_MSG(bytes >= HEADER, "cache file of %ld bytes", bytes);
    uint8_t header[HEADER] = { 0 };
    CHECK(read_file(path, header, HEADER) == HEADER);
    uint32_t h[4];
    memcpy(h, header, sizeof(h));
    CHECK_MSG(h[0] >= HEADER && h[1] == 1, "header size %u, version %u", h[0], h[1]);
    printf("cache file %s: %ld bytes, vendor 0x%x device 0x%x\n", path, bytes, h[2], h[3]);

    /* read back */
    e = engine_in(folder);
    asr_engine_get_stats(e, &st0);
    CHECK_MSG(st0.pipelines.cache == ASR_PIPELINE_CACHE_USED && !ignored_said &&
              st0.pipelines.cache_bytes == (uint64_t)bytes, "cache %d, %llu bytes",
              (int)st0.pipelines.cache, (unsigned long long)st0.pipelines.cache_bytes);
    memset(dst, 0, sizeof(dst));
    CHECK_STATUS(run(e, dst), ASR_OK);
    CHECK(!memcmp(ref, dst, sizeof(ref)));
    asr_engine_free(&e);

    /* bad files: ignored, the same output, written again */
    static uint8_t bad[4096];
    for (int k = 0; k < 4; k++) {
        static const char *what[] = { "truncated", "garbage", "another pipelineCacheUUID",
                                      "another vendor" };
        size_t n = HEADER;
        memcpy(bad, header, HEADER);
        if (k == 0) {
            n = 10;
        } else if (k == 1) {
            n = sizeof(bad);
            for (size_t i = 0; i < n; i++)
                bad[i] = (uint8_t)(test_rand(&seed) >> 24);
        } else if (k == 2) {
            bad[16 + 5] ^= 0x5a;
        } else {
            bad[8] ^= 0x01;
        }
        write_file(path, bad, n);
        e = engine_in(folder);
        asr_engine_get_stats(e, &st0);
        CHECK_MSG(st0.pipelines.cache == ASR_PIPELINE_CACHE_IGNORED &&
                  st0.pipelines.cache_bytes == 0 && ignored_said, "%s: cache %d, %s", what[k],
                  (int)st0.pipelines.cache, ignored_said ? "said" : "not said at info");
        memset(dst, 0, sizeof(dst));
        CHECK_STATUS(run(e, dst), ASR_OK);
        CHECK_MSG(!memcmp(ref, dst, sizeof(ref)), "%s: output differs", what[k]);
        asr_engine_free(&e);
        uint8_t again[HEADER] = { 0 };
        long b = cache_file(path, sizeof(path));
        CHECK_MSG(b >= HEADER && read_file(path, again, HEADER) == HEADER &&
                  !memcmp(again, header, HEADER), "%s: not written again (%ld bytes)", what[k],
                  b);
        printf("%s: ignored, output unchanged, written again (%ld bytes)\n", what[k], b);
    }

    /* a FIFO in the file's place: not opened for long (no writer would ever
     * come), no cache read, replaced by a file */
    unlink(path);
    CHECK(mkfifo(path, 0600) == 0);
    e = engine_in(folder);
    asr_engine_get_stats(e, &st0);
    CHECK_MSG(st0.pipelines.cache == ASR_PIPELINE_CACHE_MISSING, "FIFO: cache %d",
              (int)st0.pipelines.cache);
    CHECK_STATUS(run(e, dst), ASR_OK);
    asr_engine_free(&e);
    struct stat fst;
    CHECK(stat(path, &fst) == 0 && S_ISREG(fst.st_mode) && fst.st_size >= HEADER);
    printf("a FIFO in its place: not read, replaced by a file\n");

    /* an engine on a caller's device reads it the same (fp32 maps: the
     * caller's device need not have 16-bit storage enabled) */
    AsrSettings s;
    test_settings_default(&s);
    s.precision = ASR_PRECISION_FP32;
    setenv("ANYSR_CACHE_DIR", folder, 1);
    AsrEngine *own = test_engine_new_with(&s);
    static uint8_t ref32[4 * W * H * 4];
    CHECK_STATUS(run(own, ref32), ASR_OK);
    AsrVulkanDevice vk;
    CHECK_STATUS(asr_engine_get_vulkan_device(own, &vk), ASR_OK);
    AsrEngine *shared = NULL;
    CHECK_STATUS(asr_engine_new_vulkan(&s, &vk, &shared), ASR_OK);
    if (shared) {
        asr_engine_get_stats(shared, &st0);
        CHECK(st0.pipelines.cache == ASR_PIPELINE_CACHE_USED && st0.counts.pipelines_created == 0);
        memset(dst, 0, sizeof(dst));
        CHECK_STATUS(run(shared, dst), ASR_OK);
        CHECK(!memcmp(ref32, dst, sizeof(ref32)));
        asr_engine_free(&shared);
    }
    asr_engine_free(&own);
    CHECK(cache_file(path, sizeof(path)) >= HEADER);

    /* no cache: ANYSR_CACHE_DIR empty, or a folder that cannot be made */
    unlink(path);
    char below_file[1100];
    snprintf(path, sizeof(path), "%s/file", folder);
    write_file(path, (const uint8_t *)"x", 1);
    snprintf(below_file, sizeof(below_file), "%s/sub", path);
    for (int k = 0; k < 2; k++) {
        e = engine_in(k ? below_file : "");
        asr_engine_get_stats(e, &st0);
        CHECK_MSG(st0.pipelines.cache == ASR_PIPELINE_CACHE_NONE, "cache %d",
                  (int)st0.pipelines.cache);
        memset(dst, 0, sizeof(dst));
        CHECK_STATUS(run(e, dst), ASR_OK);
        CHECK(!memcmp(ref, dst, sizeof(ref)));
        CHECK(!strcmp(asr_engine_last_error(e), ""));
        asr_engine_free(&e);
        CHECK(entries() == 1); /* only "file" */
    }
    snprintf(path, sizeof(path), "%s/file", folder);
    unlink(path);

    /* a pipeline that cannot be created: the frame fails naming its pass,
     * the next one creates it */
    for (uint32_t after = 1; after <= 3; after += 2) {
        e = engine_in(folder);
        asr_engine_debug_inject(e, ASR_FAULT_PIPELINE, after);
        memset(dst, 0, sizeof(dst));
        CHECK_STATUS(run(e, dst), ASR_ERROR_VULKAN);
        const char *msg = asr_engine_last_error(e);
        CHECK_MSG(strstr(msg, "the pipeline of pass ") && strstr(msg, "could not be created"),
                  "%s", msg);
        CHECK(after != 1 || strstr(msg, "pass unpack "));
        printf("pipeline %u fails: %s\n", after, msg);
        AsrFrame fi = { { src }, { W * 4 } }, fo = { { dst }, { 2 * W * 4 } };
        CHECK_STATUS(asr_engine_process(e, &fi, &fo), ASR_OK);
        CHECK(!memcmp(ref, dst, sizeof(ref)));
        asr_engine_get_stats(e, &st1);
        CHECK(st1.counts.pipelines_created == 10 && st1.counts.validation_messages == 0);
        asr_engine_free(&e);
    }

    cache_file(path, sizeof(path));
    unlink(path);
    rmdir(folder);
    if (test_failures)
        fprintf(stderr, "%d failure(s)\n", test_failures);
    return test_failures ? 1 : 0;
}
