/*
 * The checks and helpers every C test of anysr uses (the only header the
 * tests share): a failure counter, CHECK / CHECK_MSG / CHECK_STATUS / FAIL
 * that report file and line and count (the test goes on, main returns
 * test_failures != 0), the stderr log callback, engines made with it, the
 * kernels x precision variants the network tests loop over, the xorshift32
 * generator the tests draw inputs from, the monotonic clock, the pixel-format
 * classes, and the process's resident set (memory-flatness checks).
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
#include <time.h>
#include <unistd.h>

#include "anysr/anysr.h"

static int test_failures __attribute__((unused));

#define ASR_ARRAY_SIZE_(a) (sizeof(a) / sizeof((a)[0]))

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

/* AsrSettings with the defaults and test_log_cb. */
static inline void test_settings_default(AsrSettings *s)
{
    asr_settings_default(s);
    s->log_callback = test_log_cb;
}

/* Engine with these settings; exits the test on failure. */
static inline AsrEngine *test_engine_new_with(const AsrSettings *s)
{
    AsrEngine *e = NULL;
    AsrStatus st = asr_engine_new(s, &e);
    if (st != ASR_OK) {
        fprintf(stderr, "asr_engine_new failed: %s\n", asr_status_to_string(st));
        exit(1);
    }
    return e;
}

/* Engine with default settings logging to stderr; exits on failure. */
static inline AsrEngine *test_engine_new(void)
{
    AsrSettings s;
    test_settings_default(&s);
    AsrEngine *e = test_engine_new_with(&s);
    fprintf(stderr, "device: %s\n", asr_engine_device_name(e));
    return e;
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
    const char *got = asr_kernels_name(st.plan.kernels);
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

/* The variants of the encoder's kernels x the feature maps' precision that
 * the network tests (golden, stages) run, each chosen through AsrSettings. */
typedef struct TestVariant {
    AsrKernels kernels;
    AsrPrecision precision;
} TestVariant;

static const TestVariant test_variants[] __attribute__((unused)) = {
    { ASR_KERNELS_SIMT, ASR_PRECISION_FP32 },
    { ASR_KERNELS_SIMT, ASR_PRECISION_FP16 },
    { ASR_KERNELS_COOPMAT, ASR_PRECISION_FP32 },
    { ASR_KERNELS_COOPMAT, ASR_PRECISION_FP16 },
};

static inline const char *test_precision_name(AsrPrecision p)
{
    return p == ASR_PRECISION_FP16 ? "fp16" : p == ASR_PRECISION_FP32 ? "fp32" : "auto";
}

/* The engine of variant v with the settings *s (their kernels and precision
 * are set here); what: the test's context. Returns NULL after printing why
 * where the variant is unavailable: the cooperative-matrix kernels with fp32
 * feature maps (they need fp16 maps), fp16 maps on a device without 16-bit
 * storage (only with fp16_optional; else a failure), the cooperative-matrix
 * kernels in a build without their shaders or on a device without
 * cooperative matrices. Where ANYSR_EXPECT_KERNELS names the variant's
 * kernels (.ci/trixie-tests: coopmat, where the suites must exercise them),
 * a variant skipped for want of its kernels is a failure. Any other failure
 * of asr_engine_new counts as a failure too. */
static inline AsrEngine *test_variant_engine(AsrSettings *s, TestVariant v, const char *what,
                                             int fp16_optional)
{
    const char *kernels = asr_kernels_name(v.kernels);
    const char *prec = test_precision_name(v.precision);
    const char *want = getenv("ANYSR_EXPECT_KERNELS");
    int expected = want && !strcmp(want, kernels);
    if (v.kernels == ASR_KERNELS_COOPMAT && v.precision != ASR_PRECISION_FP16) {
        printf("%s: %s %s: skipped (the cooperative-matrix kernels need fp16 feature maps)\n",
               what, kernels, prec);
        return NULL;
    }
    s->kernels = v.kernels;
    s->precision = v.precision;
    AsrEngine *e = NULL;
    AsrStatus st = asr_engine_new(s, &e);
    if (st == ASR_ERROR_UNSUPPORTED && v.precision == ASR_PRECISION_FP16 && fp16_optional) {
        printf("%s: %s %s: skipped (the device has no 16-bit storage)\n", what, kernels, prec);
        return NULL;
    }
    if (st != ASR_OK) {
        FAIL("%s: %s %s: asr_engine_new: %s", what, kernels, prec, asr_status_to_string(st));
        return NULL;
    }
    AsrStats stats;
    asr_engine_get_stats(e, &stats);
    if (stats.plan.kernels != v.kernels) {
#ifdef ASR_HAVE_COOPMAT
        const char *why = "the device has no usable cooperative matrices (the warning above says why)";
#else
        const char *why = "libanysr was built without the cooperative-matrix shaders (-Dcoopmat)";
#endif
        if (expected)
            FAIL("%s: %s %s: the engine runs the %s kernels, ANYSR_EXPECT_KERNELS wants %s: %s",
                 what, kernels, prec, asr_kernels_name(stats.plan.kernels), want, why);
        else
            printf("%s: %s %s: skipped (%s)\n", what, kernels, prec, why);
        asr_engine_free(&e);
        return NULL;
    }
    printf("%s: kernels %s (feature maps %s); device: %s\n", what, kernels,
           test_precision_name(stats.plan.precision), asr_engine_device_name(e));
    return e;
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

#ifdef CLOCK_MONOTONIC /* where the test asks for POSIX (_POSIX_C_SOURCE) */
/* CLOCK_MONOTONIC in seconds. */
static inline double test_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#endif

/* Formats with 16-bit samples (10 bits used) and the packed 10-bit RGB ones. */
static inline int test_format_is_16bit(AsrPixelFormat f)
{
    return f == ASR_FORMAT_P010 || f == ASR_FORMAT_I420_10;
}

static inline int test_format_is_rgb10(AsrPixelFormat f)
{
    return f == ASR_FORMAT_RGB10A2 || f == ASR_FORMAT_BGR10A2;
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
