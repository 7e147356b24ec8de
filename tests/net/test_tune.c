/*
 * The kernel tuner (docs/design.md#kernels, "Tuning"): tuning off runs the
 * built-in configuration; auto on a CPU device with nothing cached runs it
 * too, without timing; the tuner (asr_engine_debug_tune(), what
 * ASR_TUNING_FORCE runs at open) times candidates within its bound, picks
 * one and writes the cache; auto then reuses it without timing; a
 * truncated, garbage, wrong-version or foreign cache file is ignored (the
 * built-in configuration runs) and rewritten by the next tuning, keeping
 * another device's entry. ANYSR_TUNE: its values and a warning for garbage;
 * ANYSR_CONV_BLOCK: applied on top of the pick, or refused naming the rule.
 *
 * Run with ANYSR_CACHE_DIR set to a folder of its own (tests/net/meson.build).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asr_test.h"
#include "internal.h"

static char path[4200];
static char logged[8192];

static void log_cb(void *user, AsrLogLevel level, const char *msg)
{
    (void)user;
    fprintf(stderr, "[anysr %d] %s\n", (int)level, msg);
    size_t n = strlen(logged);
    if (n + strlen(msg) + 2 < sizeof(logged))
        snprintf(logged + n, sizeof(logged) - n, "%s\n", msg);
}

static AsrEngine *open_engine(AsrTuning tuning)
{
    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = log_cb;
    s.log_level = ASR_LOG_INFO;
    s.tuning = tuning;
    s.precision = ASR_PRECISION_FP32;
    s.kernels = ASR_KERNELS_SIMT;
    logged[0] = '\0';
    AsrEngine *e = NULL;
    AsrStatus st = asr_engine_new(&s, &e);
    if (st != ASR_OK) {
        fprintf(stderr, "FAIL: asr_engine_new (tuning %s): %s\n", asr_tuning_name(tuning),
                asr_status_to_string(st));
        exit(1);
    }
    return e;
}

static AsrStats stats_of(AsrEngine *e)
{
    AsrStats st;
    asr_engine_get_stats(e, &st);
    return st;
}

static char *read_file(size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    *size = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    return buf;
}

static void write_file(const char *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size) {
        fprintf(stderr, "FAIL: cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
}

static int rows_timed;
static void count_row(void *user, const AsrTuneRow *row)
{
    (void)user;
    printf("  %-12s %-44s %s %.3f ms %s\n", row->family, row->config,
           row->verdict == ASR_TUNE_TIMED ? "timed" : row->verdict == ASR_TUNE_SKIPPED
                                                        ? "skipped" : "rejected",
           row->ms, row->why);
    rows_timed += row->verdict == ASR_TUNE_TIMED;
}

/* Tune on a small frame within bound_s (< 0: the references only) */
static void tune(AsrEngine *e, double bound_s)
{
    AsrDebugTune opt = { .bound_s = bound_s, .width = 40, .height = 24, .report = count_row };
    rows_timed = 0;
    CHECK_STATUS(asr_engine_debug_tune(e, &opt), ASR_OK);
    AsrStats st = stats_of(e);
    CHECK_MSG(st.tune.source == 2, "source %u", st.tune.source);
    CHECK_MSG(st.tune.timed >= 2 && (int)st.tune.timed == rows_timed, "timed %u, rows %d",
              st.tune.timed, rows_timed);
}

/* A broken cache file: auto ignores it (the built-in configuration, no
 * timing, a message naming the reason), the next tuning rewrites it */
static void broken(const char *what, const char *data, size_t size, const char *reason,
                   const char *builtin)
{
    printf("== cache file: %s\n", what);
    write_file(data, size);
    AsrEngine *e = open_engine(ASR_TUNING_AUTO);
    AsrStats st = stats_of(e);
    CHECK_MSG(st.tune.source == 0 && st.tune.timed == 0 && !strcmp(st.tune.config, builtin),
              "%s: source %u, timed %u, config %s", what, st.tune.source, st.tune.timed,
              st.tune.config);
    CHECK_MSG(strstr(logged, reason) != NULL, "%s: no message with \"%s\"", what, reason);
    tune(e, -1.0);
    asr_engine_free(&e);
    size_t n;
    char *text = read_file(&n);
    CHECK_MSG(text && strstr(text, "\"anysr-tuning\" : 1"), "%s: not rewritten: %s", what,
              text ? text : "(no file)");
    e = open_engine(ASR_TUNING_AUTO);
    CHECK_MSG(stats_of(e).tune.source == 1, "%s: the rewritten file is not used", what);
    asr_engine_free(&e);
    free(text);
}

int main(void)
{
    const char *dir = getenv("ANYSR_CACHE_DIR");
    if (!dir || !*dir) {
        fprintf(stderr, "FAIL: set ANYSR_CACHE_DIR to a folder of this test's own\n");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/tuning.json", dir);
    remove(path);

    /* off: the built-in configuration, nothing timed, no file */
    AsrEngine *e = open_engine(ASR_TUNING_OFF);
    AsrStats st = stats_of(e);
    char builtin[64];
    snprintf(builtin, sizeof(builtin), "%s", st.tune.config);
    printf("built in: %s\n", builtin);
    CHECK(st.tune.source == 0 && st.tune.timed == 0 && builtin[0]);
    asr_engine_free(&e);

    /* auto, nothing cached, on a CPU device: built in, not timed */
    e = open_engine(ASR_TUNING_AUTO);
    st = stats_of(e);
    int cpu = strstr(logged, "device class cpu") != NULL || st.tune.timed == 0;
    CHECK_MSG(st.tune.source == (cpu ? 0u : 2u), "auto without a cache: source %u",
              st.tune.source);
    if (cpu)
        CHECK_MSG(!strcmp(st.tune.config, builtin), "auto: %s", st.tune.config);

    /* the tuner within a small bound: picks one, writes the cache */
    tune(e, 2.0);
    st = stats_of(e);
    char picked[64];
    snprintf(picked, sizeof(picked), "%s", st.tune.config);
    printf("picked: %s (%u timed)\n", picked, st.tune.timed);
    asr_engine_free(&e);
    size_t n;
    char *good = read_file(&n);
    CHECK_MSG(good != NULL, "no cache file %s", path);

    /* auto reuses it, without timing */
    e = open_engine(ASR_TUNING_AUTO);
    st = stats_of(e);
    CHECK_MSG(st.tune.source == 1 && st.tune.timed == 0 && !strcmp(st.tune.config, picked),
              "auto after tuning: source %u, timed %u, %s", st.tune.source, st.tune.timed,
              st.tune.config);
    CHECK(strstr(logged, "tune: band conv") == NULL); /* nothing timed */
    asr_engine_free(&e);
    /* off ignores it */
    e = open_engine(ASR_TUNING_OFF);
    CHECK(!strcmp(stats_of(e).tune.config, builtin) && stats_of(e).tune.source == 0);
    asr_engine_free(&e);

    if (good) {
        broken("truncated", good, n / 2, "ignoring the tuning cache", builtin);
        broken("garbage", "\x01\x02garbage\xff", 11, "ignoring the tuning cache", builtin);
        const char *v2 = "{ \"anysr-tuning\" : 2, \"entries\" : [] }";
        broken("wrong version", v2, strlen(v2), "version 2, not 1", builtin);
        const char *bad = "{ \"anysr-tuning\" : 1, \"entries\" : [ { \"device\" : 1 } ] }";
        broken("malformed entry", bad, strlen(bad), "malformed", builtin);
        const char *other =
            "{ \"anysr-tuning\" : 1, \"entries\" : [ { \"device\" : \"10de:2684 driver 1 cache "
            "00 subgroup 32\", \"net\" : \"x\", \"band\" : [ 1, 1, 1, 8, 0 ], \"tiled\" : "
            "[ 1, 1, 16, 8, 0 ], \"mlp_ssbo\" : 1, \"cm_nsg\" : 1 } ] }";
        broken("another device's entry", other, strlen(other), "no entry for this device",
               builtin);
        char *text = read_file(&n);
        CHECK_MSG(text && strstr(text, "10de:2684"), "the other device's entry was dropped");
        free(text);
    }
    free(good);

    /* ANYSR_TUNE */
    static const struct { const char *value; AsrTuning want; } env[] = {
        { "off", ASR_TUNING_OFF }, { "force", ASR_TUNING_FORCE }, { "auto", ASR_TUNING_AUTO },
        { "bogus", ASR_TUNING_AUTO },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE_(env); i++) {
        setenv("ANYSR_TUNE", env[i].value, 1);
        AsrSettings s;
        asr_settings_default(&s);
        CHECK_MSG(s.tuning == env[i].want, "ANYSR_TUNE=%s: %d", env[i].value, (int)s.tuning);
    }
    setenv("ANYSR_TUNE", "bogus", 1);
    e = open_engine(ASR_TUNING_OFF);
    CHECK_MSG(strstr(logged, "ignoring ANYSR_TUNE=bogus: not auto, off or force") != NULL,
              "no warning for ANYSR_TUNE=bogus");
    asr_engine_free(&e);
    unsetenv("ANYSR_TUNE");

    /* the ANYSR_* overrides apply on top of the pick, with their rules */
    static const struct { const char *value, *config, *warning; } blocks[] = {
        { "8,4,8,8,0", "band 8x4:8x8 ", NULL },
        { "8,4,4", NULL, "not LX,LY,PX,COB,WSHARE (five numbers)" },
        { "8,4,4,8,1x", NULL, "not LX,LY,PX,COB,WSHARE (five numbers)" },
        { "4294967296,1,1,8,0", NULL, "not LX,LY,PX,COB,WSHARE (five numbers)" },
        { "8,4,17,8,0", NULL, "PX must be 1 to 16" },
        { "8,4,16,32,1", NULL, "COB must be 8 or 16" },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE_(blocks); i++) {
        setenv("ANYSR_CONV_BLOCK", blocks[i].value, 1);
        e = open_engine(ASR_TUNING_OFF);
        st = stats_of(e);
        char want[160];
        snprintf(want, sizeof(want), "ignoring ANYSR_CONV_BLOCK=%s: %s", blocks[i].value,
                 blocks[i].warning ? blocks[i].warning : "");
        if (blocks[i].config)
            CHECK_MSG(!strncmp(st.tune.config, blocks[i].config, strlen(blocks[i].config)) &&
                      st.tune.source == 4 && !strstr(logged, "ignoring ANYSR_CONV_BLOCK"),
                      "ANYSR_CONV_BLOCK=%s: %s, source %u", blocks[i].value, st.tune.config,
                      st.tune.source);
        else
            CHECK_MSG(!strcmp(st.tune.config, builtin) && st.tune.source == 0 &&
                      strstr(logged, want), "ANYSR_CONV_BLOCK=%s: %s, no \"%s\"",
                      blocks[i].value, st.tune.config, want);
        asr_engine_free(&e);
    }
    unsetenv("ANYSR_CONV_BLOCK");

    AsrSettings s;
    asr_settings_default(&s);
    s.tuning = (AsrTuning)3;
    CHECK_STATUS(asr_engine_new(&s, &e), ASR_ERROR_INVALID_ARGUMENT);
    CHECK(!strcmp(asr_tuning_name(ASR_TUNING_FORCE), "force"));
    CHECK(!strcmp(asr_tuning_name((AsrTuning)7), "unknown"));
    if (test_failures)
        fprintf(stderr, "%d failure(s)\n", test_failures);
    return test_failures ? 1 : 0;
}
