/*
 * Without a usable Vulkan driver (run with VK_DRIVER_FILES=/nonexistent.json)
 * asr_engine_new() returns ASR_ERROR_NO_DEVICE, logs a message naming
 * mesa-vulkan-drivers, and nothing crashes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "asr_test.h"

static char messages[8192];

static void collect(void *user, AsrLogLevel level, const char *msg)
{
    (void)user;
    fprintf(stderr, "[anysr %d] %s\n", (int)level, msg);
    strncat(messages, msg, sizeof(messages) - strlen(messages) - 2);
    strcat(messages, "\n");
}

int main(void)
{
    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = collect;
    AsrEngine *e = (AsrEngine *)&s;
    CHECK_STATUS(asr_engine_new(&s, &e), ASR_ERROR_NO_DEVICE);
    CHECK(e == NULL);
    CHECK(strstr(messages, "mesa-vulkan-drivers") != NULL);
    CHECK(strstr(messages, "no Vulkan device") != NULL);
    CHECK(strstr(messages, "VK_DRIVER_FILES") != NULL);
    int n = asr_device_count();
    printf("asr_device_count() = %d\n", n);
    CHECK(n == ASR_ERROR_NO_DEVICE || n == 0);
    asr_engine_free(&e);
    return test_failures ? 1 : 0;
}
