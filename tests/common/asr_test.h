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

/* Set by test_lanes_rerun() where a device quirk keeps the
 * cooperative-matrix kernels off at this run's subgroup width: why (their
 * variants are then skipped, even under ANYSR_EXPECT_KERNELS). */
static const char *test_lanes_no_coopmat __attribute__((unused));

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
    if (stats.plan.kernels != v.kernels && v.kernels == ASR_KERNELS_COOPMAT &&
        test_lanes_no_coopmat) {
        printf("%s: %s %s: skipped (at this subgroup width: %s)\n", what, kernels, prec,
               test_lanes_no_coopmat);
        asr_engine_free(&e);
        return NULL;
    }
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

#ifdef ASR_INTERNAL_H /* the tests that link the internal hooks (src/internal.h) */
#include <sys/types.h>
#include <sys/wait.h>

/* Subgroup widths (docs/testing.md#lanes). Call test_lanes_rerun() at the
 * top of main(), before any engine: where the device is lavapipe from Mesa
 * 24 or later, or where ANYSR_EXPECT_LANES=16 asks for it, the program runs
 * itself once more first, in a child process with LP_NATIVE_VECTOR_WIDTH=512
 * (read when lavapipe loads: 16-lane subgroups) and ANYSR_TEST_LANES=16,
 * whose device must report subgroups of 16 (else the child fails); a
 * failed child counts as a failure of this run, which then goes on at the
 * default width. With ANYSR_EXPECT_LANES=16 (.ci/trixie-tests), a 16-lane
 * run that cannot happen is a failure too. Where LP_NATIVE_VECTOR_WIDTH is
 * set already, the caller chose the width: no second run. Every run prints
 * a line "lanes: N ..." naming its subgroup size. */
static inline void test_lanes_rerun(void)
{
    /* line by line: what a run printed stays when it crashes */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *expect = getenv("ANYSR_EXPECT_LANES");
    int want16 = expect && !strcmp(expect, "16");
    int child = getenv("ANYSR_TEST_LANES") != NULL;
    AsrSettings s;
    test_settings_default(&s);
    s.log_level = ASR_LOG_WARNING;
    AsrDebugDevice dev;
    AsrStatus st = asr_debug_device_probe(&s, &dev);
    if (st != ASR_OK) {
        /* no device: the test's own engines fail or skip as they do */
        printf("lanes: no device (%s)\n", asr_status_to_string(st));
        if (child || want16)
            FAIL("lanes: the 16-lane run needs a device");
        if (child)
            exit(1);
        return;
    }
    const char *width = getenv("LP_NATIVE_VECTOR_WIDTH");
    printf("lanes: %u (%s, Mesa %u.%u; subgroup size control %s, %u to %u; "
           "LP_NATIVE_VECTOR_WIDTH %s%s)\n", dev.subgroup_size, dev.name, dev.mesa_major,
           dev.mesa_minor, dev.subgroup_control ? "on" : "off", dev.subgroup_min,
           dev.subgroup_max, width ? width : "unset", child ? "; the 16-lane run" : "");
    if (child || width) {
        if ((child || want16) && dev.subgroup_size != 16) {
            FAIL("lanes: the device reports subgroups of %u lanes, 16 were asked for "
                 "(LP_NATIVE_VECTOR_WIDTH=%s)", dev.subgroup_size, width ? width : "unset");
            if (child)
                exit(1);
        }
        if (dev.coopmat_quirk) {
            static char why[sizeof(dev.coopmat_why)];
            memcpy(why, dev.coopmat_why, sizeof(why));
            test_lanes_no_coopmat = why;
            printf("lanes: no cooperative-matrix kernels at %u lanes: %s\n", dev.subgroup_size,
                   why);
        }
        return;
    }
    if (!want16 && !(dev.lavapipe && dev.mesa_major >= 24)) {
        printf("lanes: no 16-lane run (for lavapipe from Mesa 24 on, or with "
               "ANYSR_EXPECT_LANES=16)\n");
        return;
    }
    if (!dev.lavapipe) {
        FAIL("lanes: ANYSR_EXPECT_LANES=16 but %s is not lavapipe (LP_NATIVE_VECTOR_WIDTH "
             "chooses lavapipe's width only)", dev.name);
        return;
    }
    /* the same program and arguments (as the kernel started it: under a
     * dynamic loader run as a program, its own arguments too) */
    static char cmdline[65536];
    char *args[256];
    size_t n = 0, na = 0;
    FILE *f = fopen("/proc/self/cmdline", "rb");
    if (f) {
        n = fread(cmdline, 1, sizeof(cmdline) - 1, f);
        fclose(f);
    }
    for (size_t i = 0; i < n && na + 1 < ASR_ARRAY_SIZE_(args); i += strlen(cmdline + i) + 1)
        args[na++] = cmdline + i;
    args[na] = NULL;
    if (!na || n >= sizeof(cmdline) - 1) {
        FAIL("lanes: cannot read this program's command line (/proc/self/cmdline)");
        return;
    }
    printf("lanes: running again at 16 lanes (LP_NATIVE_VECTOR_WIDTH=512)\n");
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        extern char **environ;
        static char *env[4096];
        size_t ne = 0;
        env[ne++] = "LP_NATIVE_VECTOR_WIDTH=512";
        env[ne++] = "ANYSR_TEST_LANES=16";
        for (char **e = environ; *e && ne + 1 < ASR_ARRAY_SIZE_(env); e++)
            if (strncmp(*e, "LP_NATIVE_VECTOR_WIDTH=", 23) && strncmp(*e, "ANYSR_TEST_LANES=", 17))
                env[ne++] = *e;
        env[ne] = NULL;
        execve("/proc/self/exe", args, env);
        fprintf(stderr, "lanes: cannot run /proc/self/exe again\n");
        _exit(127);
    }
    int wst = 0;
    if (pid < 0 || waitpid(pid, &wst, 0) != pid) {
        FAIL("lanes: cannot start the 16-lane run");
        return;
    }
    if (WIFEXITED(wst) && WEXITSTATUS(wst) == 0)
        printf("lanes: 16-lane run passed\n");
    else
        FAIL("lanes: the 16-lane run failed (%s %d)",
             WIFEXITED(wst) ? "exit status" : "signal",
             WIFEXITED(wst) ? WEXITSTATUS(wst) : WTERMSIG(wst));
    printf("lanes: running at %u lanes\n", dev.subgroup_size);
}
#endif /* ASR_INTERNAL_H */

#endif
