/*
 * test_loader.c — the model loader through the public API: asr_engine_new()
 * with settings.model_path and asr_model_check_file(), on good files and on
 * every kind of broken file. Each broken file must give ASR_ERROR_MODEL with
 * a message naming the problem (in the log at ERROR and from
 * asr_model_check_file()), never a crash, and no engine. Also the cost
 * model against numbers computed with train/model.py macs().
 *
 *   test-loader DEFAULT_MODEL WORKDIR
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "asr_test.h"
#include "model.h"
#include "model_writer.h"

static const char *workdir;
static char last_error_log[1024];

static void log_cb(void *user, AsrLogLevel level, const char *msg)
{
    (void)user;
    if (level == ASR_LOG_ERROR)
        snprintf(last_error_log, sizeof(last_error_log), "%s", msg);
}

static AsrStatus engine_with(const char *path, AsrEngine **e)
{
    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = log_cb;
    s.model_path = path;
    last_error_log[0] = '\0';
    return asr_engine_new(&s, e);
}

static char *write_tmp(const char *name, const uint8_t *blob, size_t size)
{
    char *path = g_build_filename(workdir, name, NULL);
    if (mw_write(path, blob, size) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    return path;
}

static void expect_bad_blob(const char *what, const uint8_t *blob, size_t size,
                            const char *needle)
{
    char fname[128];
    snprintf(fname, sizeof(fname), "bad-%s.safetensors", what);
    for (char *p = fname; *p; p++)
        if (*p == ' ')
            *p = '-';
    char *path = write_tmp(fname, blob, size);
    char msg[512];
    AsrStatus s = asr_model_check_file(path, msg, sizeof(msg));
    CHECK_MSG(s == ASR_ERROR_MODEL, "%s: check_file status %d (%s)", what, s, msg);
    CHECK_MSG(strstr(msg, needle) != NULL, "%s: message '%s' does not name '%s'", what, msg, needle);
    AsrEngine *e = (AsrEngine *)&s;
    s = engine_with(path, &e);
    CHECK_MSG(s == ASR_ERROR_MODEL, "%s: asr_engine_new status %d", what, s);
    CHECK_MSG(e == NULL, "%s: engine returned on failure", what);
    CHECK_MSG(strstr(last_error_log, needle) != NULL, "%s: error log '%s' does not name '%s'", what,
              last_error_log, needle);
    printf("  %-22s -> %s\n", what, msg);
    g_free(path);
}

static void expect_bad(const char *what, const MwArch *a, const MwOptions *o, const char *needle)
{
    size_t size;
    uint8_t *blob = mw_build(a, o, &size);
    expect_bad_blob(what, blob, size, needle);
    g_free(blob);
}

static void test_bad_files(void)
{
    MwArch a = mw_default_arch();
    MwOptions o = { 0 };
    size_t size;
    uint8_t *good = mw_build(&a, &o, &size);

    /* container */
    expect_bad_blob("truncated", good, size - 100, "outside the data section");
    expect_bad_blob("truncated header", good, 200, "does not fit");
    expect_bad_blob("empty", good, 0, "too short");
    uint8_t *j = g_memdup2(good, size);
    j[8] = '[';
    expect_bad_blob("bad header JSON", j, size, "JSON");
    g_free(j);
    expect_bad("offset outside", &a, &(MwOptions) { .bad_offset = "tail.bias" }, "tail.bias");
    expect_bad("NaN weight", &a, &(MwOptions) { .nan_in = "blocks.2.sa.fc1.weight" },
               "blocks.2.sa.fc1.weight");
    /* metadata */
    expect_bad("unknown format", &a, &(MwOptions) { .format = "7" },
               "unsupported anysr.format '7'");
    expect_bad("bad arch JSON", &a, &(MwOptions) { .arch_json = "{\"F\": 32, " }, "anysr.arch");
    expect_bad("arch not object", &a, &(MwOptions) { .arch_json = "[1, 2]" }, "anysr.arch");
    MwArch b = a;
    b.F = 128;
    expect_bad("F too large", &b, &o, "'F'");
    b = a;
    b.ladder[2][0] = 12; /* not a multiple of chunk 8 */
    expect_bad("ladder width", &b, &o, "ladder[2]");
    b = a;
    b.ladder[2][1] = 3; /* depth decreases */
    expect_bad("ladder not nested", &b, &o, "not nested");
    b = a;
    b.cap_subnet[1] = 0, b.ladder[0][0] = 8;
    b.cap_limit[1] = 1.5; /* limits decrease */
    expect_bad("caps decreasing", &b, &o, "scale_caps[1]");
    b = a;
    b.n_heavy = 2, b.heavy[1] = 100;
    expect_bad("hidden too large", &b, &o, "dec_heavy[1]");
    expect_bad("missing field", &a, &(MwOptions) {
        .arch_json = "{\"F\": 32, \"D\": 8, \"chunk\": 8, \"ladder\": [[32, 8]], "
                     "\"dec_heavy\": [64, 64], \"dec_light\": [16], \"scale_caps\": "
                     "[[null, [32, 8]]]}" }, "'sa_hidden'");
    /* tensors */
    expect_bad("wrong shape", &a, &(MwOptions) {
        .reshape = "blocks.3.conv2.weight", .shape_ndim = 4, .shape = { 32, 16, 3, 3 } },
        "tensor 'blocks.3.conv2.weight': shape [32,16,3,3], expected [32,32,3,3]");
    expect_bad("wrong rank", &a, &(MwOptions) {
        .reshape = "dec.light.0.weight", .shape_ndim = 1, .shape = { 576 } },
        "dec.light.0.weight");
    expect_bad("missing tensor", &a, &(MwOptions) { .omit = "dec.cls.bias" },
               "missing tensor 'dec.cls.bias'");
    expect_bad("extra tensor", &a, &(MwOptions) { .extra = "blocks.8.conv1.weight" },
               "unexpected tensor 'blocks.8.conv1.weight'");

    /* unreadable */
    char msg[512];
    AsrStatus s = asr_model_check_file("/nonexistent/model.safetensors", msg, sizeof(msg));
    CHECK_MSG(s == ASR_ERROR_MODEL && strstr(msg, "/nonexistent/model.safetensors"),
              "missing file: %d %s", s, msg);
    AsrEngine *e = NULL;
    CHECK_MSG(engine_with("/nonexistent/model.safetensors", &e) == ASR_ERROR_MODEL && !e,
              "missing file: engine");
    CHECK_MSG(strstr(last_error_log, "/nonexistent/model.safetensors") != NULL, "log: %s",
              last_error_log);
    printf("  %-22s -> %s\n", "missing file", msg);
    CHECK_MSG(asr_model_check_file(NULL, msg, sizeof(msg)) == ASR_ERROR_INVALID_ARGUMENT, "NULL");
    g_free(good);
}

static void test_good_files(const char *default_model)
{
    char msg[512];
    AsrStatus s = asr_model_check_file(default_model, msg, sizeof(msg));
    CHECK_MSG(s == ASR_OK && msg[0] == '\0', "default model: %d %s", s, msg);

    /* another architecture, F16 weights: loads, converts, runs */
    MwArch a = { .F = 16, .D = 3, .chunk = 8, .sa_hidden = 8, .n_ladder = 2,
                 .ladder = { { 8, 1 }, { 16, 3 } }, .n_heavy = 2, .heavy = { 24, 16 },
                 .n_light = 1, .light = { 8 }, .n_caps = 2, .cap_limit = { 2.0, 0.0 },
                 .cap_subnet = { 0, 1 }, .default_k = -0.5 };
    MwOptions o = { .f16 = 1, .seed = 7 };
    size_t size;
    uint8_t *blob = mw_build(&a, &o, &size);
    char *path = write_tmp("small-f16.safetensors", blob, size);
    s = asr_model_check_file(path, msg, sizeof(msg));
    CHECK_MSG(s == ASR_OK, "F16 model: %d %s", s, msg);

    AsrModel *m = NULL;
    s = asr_model_load_blob(blob, size, &m, msg, sizeof(msg));
    CHECK_MSG(s == ASR_OK && m, "F16 blob: %s", msg);
    if (m) {
        /* the first weight, converted */
        MwOptions o32 = { .seed = 7 };
        size_t size32;
        uint8_t *b32 = mw_build(&a, &o32, &size32);
        AsrModel *m32 = NULL;
        CHECK_MSG(asr_model_load_blob(b32, size32, &m32, msg, sizeof(msg)) == ASR_OK, "%s", msg);
        double maxd = 0;
        for (size_t i = 0; m32 && i < m->num_weights; i++)
            maxd = fmax(maxd, fabs(m->weights[i] - m32->weights[i]));
        CHECK_MSG(m32 && m->num_weights == m32->num_weights && maxd < 1e-3 && maxd > 0,
                  "F16 weights differ from F32 by %g", maxd);
        CHECK_MSG(m->arch.F == 16 && m->arch.D == 3 && m->arch.n_ladder == 2 &&
                  m->arch.n_heavy == 2 && m->arch.heavy[1] == 16 && m->arch.light[0] == 8 &&
                  m->arch.cap_subnet[0] == 0 && isinf(m->arch.cap_limit[1]) &&
                  m->arch.default_k == -0.5, "arch parsed");
        asr_model_free(&m32);
        g_free(b32);
    }
    asr_model_free(&m);

    AsrEngine *e = NULL;
    s = engine_with(path, &e);
    CHECK_MSG(s == ASR_OK && e, "engine with the F16 model: %d %s", s, last_error_log);
    if (e) {
        CHECK_MSG(asr_engine_num_subnets(e) == 2, "subnets");
        CHECK_MSG(asr_engine_default_k(e) == -0.5f, "default k");
        uint8_t src[4 * 6 * 5], dst[4 * 13 * 9];
        for (size_t i = 0; i < sizeof(src); i++)
            src[i] = (uint8_t)(i * 13);
        AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = 6, .height = 5 };
        AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = 13, .height = 9 };
        AsrFrame fi = { { src }, { 24 } }, fo = { { dst }, { 52 } };
        CHECK_MSG(asr_engine_configure(e, &in, &out) == ASR_OK, "%s", asr_engine_last_error(e));
        CHECK_MSG(asr_engine_subnet_cap(e) == 1, "cap at 2.17");
        CHECK_MSG(asr_engine_process(e, &fi, &fo) == ASR_OK, "%s", asr_engine_last_error(e));
        AsrStats st;
        asr_engine_get_stats(e, &st);
        CHECK_MSG(st.last_width == 16 && st.last_depth == 3 && st.weight_uploads == 1, "stats");
        asr_engine_free(&e);
    }
    g_free(path);
    g_free(blob);
}

/* Cost model: numbers from train/model.py (macs(), route_threshold()). */
static void test_cost_model(void)
{
    MwArch a = mw_default_arch();
    MwOptions o = { 0 };
    size_t size;
    uint8_t *blob = mw_build(&a, &o, &size);
    AsrModel *m = NULL;
    char msg[512];
    CHECK_MSG(asr_model_load_blob(blob, size, &m, msg, sizeof(msg)) == ASR_OK, "%s", msg);
    if (!m)
        return;
    const AsrArch *A = &m->arch;
    static const struct { uint32_t c, d; int mode; double hf; uint32_t ih, iw, oh, ow; double want; } t[] = {
        { 32, 8, ASR_DECODER_HEAVY, -1, 9, 11, 18, 22, 18215712.0 },
        { 8, 2, ASR_DECODER_LIGHT, -1, 9, 11, 18, 22, 2157984.0 },
        { 16, 4, ASR_DECODER_ROUTED, 0.25, 7, 5, 17, 13, 2128892.0 },
        { 24, 6, ASR_DECODER_ROUTED, -1, 540, 960, 1080, 1920, 55854494784.0 },
        { 32, 8, ASR_DECODER_ROUTED, 1.0, 12, 16, 24, 24, 34094592.0 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        double got = asr_model_macs(A, t[i].c, t[i].d, t[i].mode, t[i].hf, t[i].ih, t[i].iw,
                                    t[i].oh, t[i].ow);
        CHECK_MSG(fabs(got - t[i].want) <= 1e-9 * t[i].want, "macs case %zu: %.1f, python %.1f", i,
                  got, t[i].want);
    }
    CHECK_MSG(asr_model_mlp_macs(A, 1) == 6592 && asr_model_mlp_macs(A, 0) == 624, "MLP MACs");
    CHECK_MSG(asr_model_encoder_macs_per_pixel(A, 8, 2) == 19296 &&
              asr_model_encoder_macs_per_pixel(A, 32, 8) == 157536, "encoder MACs");
    CHECK_MSG(fabs(asr_model_route_threshold(A, 0.3) - 0.7072385109659641) < 1e-12, "threshold");
    CHECK_MSG(fabs(asr_model_route_threshold(A, 1.0) - 2.3574617032198804) < 1e-12, "threshold");
    CHECK_MSG(asr_model_scale_cap(A, 1.7, 1.0) == 1 && asr_model_scale_cap(A, 1.0, 1.71) == 2 &&
              asr_model_scale_cap(A, 2.5, 2.5) == 2 && asr_model_scale_cap(A, 2.51, 1) == 3 &&
              asr_model_scale_cap(A, 1, 1) == 1, "scale caps");
    asr_model_free(&m);
    g_free(blob);

    /* another architecture: macs(Op(8, 1, 'routed'), 13, 11, 29, 23, 0.4, A) */
    MwArch b = { .F = 16, .D = 3, .chunk = 8, .sa_hidden = 8, .n_ladder = 2,
                 .ladder = { { 8, 1 }, { 16, 3 } }, .n_heavy = 2, .heavy = { 24, 16 },
                 .n_light = 1, .light = { 8 }, .n_caps = 1, .cap_limit = { 0.0 },
                 .cap_subnet = { 1 } };
    blob = mw_build(&b, &o, &size);
    CHECK_MSG(asr_model_load_blob(blob, size, &m, msg, sizeof(msg)) == ASR_OK, "%s", msg);
    if (m) {
        double got = asr_model_macs(&m->arch, 8, 1, ASR_DECODER_ROUTED, 0.4, 13, 11, 29, 23);
        CHECK_MSG(fabs(got - 1064502.4) < 1e-6, "macs small arch: %.3f", got);
        CHECK_MSG(fabs(asr_model_route_threshold(&m->arch, 0.5) - 0.8003521162326726) < 1e-12,
                  "threshold small arch");
    }
    asr_model_free(&m);
    g_free(blob);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s DEFAULT_MODEL WORKDIR\n", argv[0]);
        return 2;
    }
    workdir = argv[2];
    g_mkdir_with_parents(workdir, 0755);
    printf("bad files:\n");
    test_bad_files();
    test_good_files(argv[1]);
    test_cost_model();
    if (test_failures)
        fprintf(stderr, "%d failure(s)\n", test_failures);
    return test_failures ? 1 : 0;
}
