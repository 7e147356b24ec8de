/*
 * Helpers shared by the engine tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_TEST_COMMON_H
#define ANYSR_TEST_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "anysr/anysr.h"

#define ASR_ARRAY_SIZE_(a) (sizeof(a) / sizeof((a)[0]))

static int test_failures __attribute__((unused));

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            test_failures++;                                                        \
        }                                                                           \
    } while (0)

#define CHECK_STATUS(call, expected)                                                \
    do {                                                                            \
        AsrStatus st_ = (call);                                                     \
        if (st_ != (expected)) {                                                    \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %s\n", __FILE__,  \
                    __LINE__, #call, (int)st_, asr_status_to_string(st_), #expected); \
            test_failures++;                                                        \
        }                                                                           \
    } while (0)

static inline void test_log_cb(void *user, AsrLogLevel level, const char *msg)
{
    (void)user;
    fprintf(stderr, "[anysr %d] %s\n", (int)level, msg);
}

/* Engine with default settings logging to stderr; exits on failure. */
static inline AsrEngine *test_engine_new(void)
{
    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = test_log_cb;
    AsrEngine *e = NULL;
    AsrStatus st = asr_engine_new(&s, &e);
    if (st < 0) {
        fprintf(stderr, "asr_engine_new failed: %s\n", asr_status_to_string(st));
        exit(1);
    }
    fprintf(stderr, "device: %s\n", asr_engine_device_name(e));
    return e;
}

/* xorshift32 */
static inline uint32_t test_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

#endif
