/*
 * The checks and helpers every C test of anysr uses: a failure counter,
 * CHECK / CHECK_MSG / CHECK_STATUS / FAIL that report file and line and
 * count (the test goes on, main returns test_failures != 0), the stderr log
 * callback, the xorshift32 generator the tests draw inputs from, and the
 * process's resident set (memory-flatness checks).
 *
 * Header-only; include it once per test program (the counter is static).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_ASR_TEST_H
#define ANYSR_ASR_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anysr/anysr.h"

static int test_failures __attribute__((unused));

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            test_failures++;                                                        \
        }                                                                           \
    } while (0)

/* CHECK with a printf-style explanation. */
#define CHECK_MSG(cond, ...)                                                        \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                           \
            fprintf(stderr, "\n");                                                  \
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

/* An unconditional failure with a printf-style message. */
#define FAIL(...)                                                                   \
    do {                                                                            \
        fprintf(stderr, "FAIL: " __VA_ARGS__);                                      \
        fprintf(stderr, "\n");                                                      \
        test_failures++;                                                            \
    } while (0)

/* AsrSettings.log_callback that prints every message to stderr. */
static inline void test_log_cb(void *user, AsrLogLevel level, const char *msg)
{
    (void)user;
    fprintf(stderr, "[anysr %d] %s\n", (int)level, msg);
}

/* Name of an AsrStats.kernels value. */
static inline const char *test_kernels_name(int32_t k)
{
    return k == ASR_KERNELS_COOPMAT ? "coopmat" : k == ASR_KERNELS_SIMT ? "simt" : "?";
}

/* Print the encoder kernels an engine runs (what: the test's context) and,
 * when its feature maps are fp16 and ANYSR_EXPECT_KERNELS (simt or coopmat)
 * is set, fail unless they are those (.ci/trixie-tests sets coopmat: the
 * suites must exercise the cooperative-matrix path there). fp32 maps always
 * run SIMT. */
static inline void test_check_kernels(AsrEngine *e, const char *what)
{
    AsrStats st;
    asr_engine_get_stats(e, &st);
    const char *got = test_kernels_name(st.plan.kernels);
    const char *want = getenv("ANYSR_EXPECT_KERNELS");
    printf("%s: kernels %s (feature maps %s)\n", what, got,
           st.plan.precision == ASR_PRECISION_FP16 ? "fp16" : "fp32");
    if (st.plan.precision != ASR_PRECISION_FP16)
        want = "simt";
    if (want && *want && strcmp(want, got) != 0) {
        fprintf(stderr, "FAIL %s:%d: %s: the engine runs the %s kernels, ANYSR_EXPECT_KERNELS "
                "wants %s\n", __FILE__, __LINE__, what, got, want);
        test_failures++;
    }
}

/* xorshift32; *state must not be 0. */
static inline uint32_t test_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Resident set of this process in KiB (/proc/self/statm), -1 if unknown. */
static inline long test_rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

#endif
