/*
 * test_device_errors.c — device errors name their cause:
 *
 *   test-device-errors junk-icd   VK_DRIVER_FILES names a file of junk: the
 *                                 driver file could not be loaded (not "out
 *                                 of memory", which the loader returns)
 *   test-device-errors index      settings.device_index and ANYSR_DEVICE
 *                                 beyond the devices present: out of range,
 *                                 with the number of devices (lavapipe)
 *   test-device-errors memory     an address space of 200 MiB (ulimit -v):
 *                                 the failure says memory may be the cause,
 *                                 never that the (readable) driver file
 *                                 could not be loaded; skipped (77) under
 *                                 AddressSanitizer, whose shadow needs more
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L /* setenv, mkstemp */

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "asr_test.h"

static char messages[8192];

static void collect(void *user, AsrLogLevel level, const char *msg)
{
    (void)user;
    fprintf(stderr, "[anysr %d] %s\n", (int)level, msg);
    if (level == ASR_LOG_ERROR) {
        strncat(messages, msg, sizeof(messages) - strlen(messages) - 2);
        strcat(messages, "\n");
    }
}

static AsrStatus engine_new(int device_index)
{
    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = collect;
    s.device_index = device_index;
    messages[0] = '\0';
    AsrEngine *e = NULL;
    AsrStatus st = asr_engine_new(&s, &e);
    CHECK(st == ASR_OK || e == NULL);
    asr_engine_free(&e);
    return st;
}

static void test_junk_icd(void)
{
    char path[] = "/tmp/anysr-junk-icd-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    static const char junk[] = "\x7f this is { not a driver manifest ]]]\n";
    CHECK(write(fd, junk, sizeof(junk) - 1) == (ssize_t)(sizeof(junk) - 1));
    close(fd);
    setenv("VK_DRIVER_FILES", path, 1);
    setenv("VK_ICD_FILENAMES", path, 1);
    CHECK_STATUS(engine_new(-1), ASR_ERROR_NO_DEVICE);
    CHECK_MSG(strstr(messages, "driver file could not be loaded") && strstr(messages, path),
              "messages: %s", messages);
    CHECK_MSG(!strstr(messages, "Could not open") && !strstr(messages, "res failed"),
              "a bare Vulkan error instead of the cause: %s", messages);
    CHECK(strstr(messages, "mesa-vulkan-drivers") != NULL);
    unlink(path);
}

static void test_index(void)
{
    int n = asr_device_count();
    CHECK_MSG(n >= 1, "asr_device_count() = %d (run on lavapipe)", n);
    if (n < 1)
        return;
    char want[64];
    snprintf(want, sizeof(want), "%d device(s) exist", n);

    CHECK_STATUS(engine_new(n + 4), ASR_ERROR_NO_DEVICE);
    CHECK_MSG(strstr(messages, "out of range") && strstr(messages, want) &&
              !strstr(messages, "mesa-vulkan-drivers"), "device_index %d: %s", n + 4, messages);

    setenv("ANYSR_DEVICE", "99", 1);
    CHECK_STATUS(engine_new(-1), ASR_ERROR_NO_DEVICE);
    CHECK_MSG(strstr(messages, "index 99 (ANYSR_DEVICE) is out of range") && strstr(messages, want),
              "ANYSR_DEVICE=99: %s", messages);
    unsetenv("ANYSR_DEVICE");
}

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

static int test_memory(void)
{
#ifdef ASAN
    printf("SKIP: AddressSanitizer's shadow memory needs more than the limit\n");
    return 77;
#else
    struct rlimit rl = { 200u << 20, 200u << 20 };
    CHECK(setrlimit(RLIMIT_AS, &rl) == 0);
    AsrStatus st = engine_new(-1);
    printf("200 MiB: %s; %s", asr_status_to_string(st), messages);
    if (st != ASR_OK) {
        CHECK_MSG(strstr(messages, "memory may be the cause") != NULL, "messages: %s", messages);
        CHECK_MSG(!strstr(messages, "driver file could not be loaded"),
                  "a readable driver file blamed: %s", messages);
    }
    return 0;
#endif
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "junk-icd") && strcmp(argv[1], "index") &&
                      strcmp(argv[1], "memory"))) {
        fprintf(stderr, "usage: %s junk-icd|index|memory\n", argv[0]);
        return 2;
    }
    if (!strcmp(argv[1], "memory") && test_memory() == 77)
        return 77;
    if (!strcmp(argv[1], "junk-icd"))
        test_junk_icd();
    else if (!strcmp(argv[1], "index"))
        test_index();
    printf("%s: %d failure(s)\n", test_failures ? "FAIL" : "PASS", test_failures);
    return test_failures ? 1 : 0;
}
