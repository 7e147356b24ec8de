/*
 * test_loader.c — the model loader through the public API: asr_engine_new()
 * with settings.model_path and asr_model_check_file(), on good files and on
 * every kind of broken file. Each broken file must give ASR_ERROR_MODEL with
 * a message naming the problem (in the log at ERROR and from
 * asr_model_check_file()), never a crash, and no engine. Also the cost
 * model against numbers computed with train/anysr_train/network.py macs().
 *
 *   test-loader DEFAULT_MODEL WORKDIR
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L /* mkfifo, truncate, alarm */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

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

/* Bytes this process has read through read() so far (/proc/self/io rchar);
 * -1 where /proc does not tell. */
static long long bytes_read(void)
{
    long long v = -1;
    FILE *f = fopen("/proc/self/io", "r");
    if (!f)
        return -1;
    char line[128];
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "rchar: %lld", &v) == 1)
            break;
    fclose(f);
    return v;
}

/* check_file on `path` fails with ASR_ERROR_MODEL naming `needle`, reading
 * less than `max_read` bytes. */
static void expect_bad_path(const char *what, const char *path, const char *needle,
                            long long max_read)
{
    char msg[512];
    long long before = bytes_read();
    AsrStatus s = asr_model_check_file(path, msg, sizeof(msg));
    long long got = bytes_read() - before;
    CHECK_MSG(s == ASR_ERROR_MODEL, "%s: check_file status %d (%s)", what, s, msg);
    CHECK_MSG(strstr(msg, needle) != NULL, "%s: message '%s' does not name '%s'", what, msg, needle);
    CHECK_MSG(before < 0 || got < max_read, "%s: read %lld bytes (at most %lld expected)", what, got,
              max_read);
    AsrEngine *e = NULL;
    s = engine_with(path, &e);
    CHECK_MSG(s == ASR_ERROR_MODEL && !e, "%s: asr_engine_new status %d", what, s);
    CHECK_MSG(strstr(last_error_log, needle) != NULL, "%s: error log '%s' does not name '%s'", what,
              last_error_log, needle);
    printf("  %-22s -> %s (%lld bytes read)\n", what, msg, got);
}

/* `blob`'s header with `from` replaced by `to` (once), the data unchanged. */
static uint8_t *reheader(const uint8_t *blob, size_t size, const char *from, const char *to,
                         size_t *out_size)
{
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = (hl << 8) | blob[i];
    char *h = g_strndup((const char *)blob + 8, (gsize)hl);
    char *at = strstr(h, from);
    if (!at) {
        fprintf(stderr, "reheader: '%s' not in the header\n", from);
        exit(1);
    }
    GString *n = g_string_new_len(h, at - h);
    g_string_append(n, to);
    g_string_append(n, at + strlen(from));
    while (n->len % 8)
        g_string_append_c(n, ' ');
    size_t data = size - 8 - (size_t)hl;
    *out_size = 8 + n->len + data;
    uint8_t *b = g_malloc(*out_size);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)n->len >> (8 * i));
    memcpy(b + 8, n->str, n->len);
    memcpy(b + 8 + n->len, blob + 8 + hl, data);
    g_string_free(n, TRUE);
    g_free(h);
    return b;
}

static void expect_bad_header(const char *what, const uint8_t *good, size_t size, const char *from,
                              const char *to, const char *needle)
{
    size_t n;
    uint8_t *b = reheader(good, size, from, to, &n);
    expect_bad_blob(what, b, n, needle);
    g_free(b);
}

/* `depth` nested arrays */
static char *nested(int depth)
{
    GString *s = g_string_sized_new(2 * (gsize)depth + 1);
    for (int i = 0; i < depth; i++)
        g_string_append_c(s, '[');
    for (int i = 0; i < depth; i++)
        g_string_append_c(s, ']');
    return g_string_free(s, FALSE);
}

/* Files no loader should read (whole), and JSON json-glib would take wrongly. */
static void test_hostile_files(void)
{
    MwArch a = mw_default_arch();
    MwOptions o = { 0 };
    size_t size;
    uint8_t *good = mw_build(&a, &o, &size);
    alarm(120); /* a blocking open (FIFO) or a whole read of the sparse files fails the test */

    /* not regular files: refused at once, nothing read, never blocking */
    expect_bad_path("directory", workdir, "is a directory", 1024);
    /* a text file (model-location=README.md): not a huge header length */
    char *text = g_build_filename(workdir, "README.md", NULL);
    CHECK(g_file_set_contents(text, "# anysr\n\nReal-time super-resolution for GStreamer.\n"
                              "Its model files are safetensors.\n", -1, NULL));
    expect_bad_path("text file", text, "not a safetensors file", 1024);
    g_free(text);
    char *fifo = g_build_filename(workdir, "model.fifo", NULL);
    unlink(fifo);
    CHECK_MSG(mkfifo(fifo, 0600) == 0, "mkfifo %s", fifo);
    expect_bad_path("FIFO", fifo, "FIFO", 1024);
    unlink(fifo);
    g_free(fifo);
    expect_bad_path("/dev/zero", "/dev/zero", "character device", 1024);

    /* a valid model followed by a sparse GiB: refused from the header, the
     * GiB never read */
    char *sparse = write_tmp("sparse-tail.safetensors", good, size);
    CHECK_MSG(truncate(sparse, 1ll << 30) == 0, "truncate %s", sparse);
    expect_bad_path("sparse GiB after data", sparse, "bytes after the tensors' data", 1 << 20);
    unlink(sparse);
    g_free(sparse);

    /* a header that describes one GiB tensor: the tensor list is refused
     * before any data is read */
    const char *big_json = "{\"__metadata__\": {\"anysr.format\": \"1\"}, \"big\": {\"dtype\": "
                           "\"F32\", \"shape\": [268435456], \"data_offsets\": [0, 1073741824]}}";
    char *arch = mw_arch_json(&a), *arch_esc = g_strescape(arch, NULL);
    char *big_hdr = g_strdup_printf("%.*s\"anysr.arch\": \"%s\", %s", 18, big_json, arch_esc,
                                    big_json + 18);
    size_t bl = strlen(big_hdr);
    uint8_t *bb = g_malloc(8 + bl);
    for (int i = 0; i < 8; i++)
        bb[i] = (uint8_t)((uint64_t)bl >> (8 * i));
    memcpy(bb + 8, big_hdr, bl);
    char *bigpath = write_tmp("sparse-big-tensor.safetensors", bb, 8 + bl);
    CHECK_MSG(truncate(bigpath, (off_t)(8 + bl + (1ull << 30))) == 0, "truncate %s", bigpath);
    expect_bad_path("GiB tensor", bigpath, "missing tensor 'head.weight'", 1 << 20);
    unlink(bigpath);
    g_free(bigpath);
    g_free(bb);
    g_free(big_hdr);
    g_free(arch_esc);

    /* a header length beyond the 16 MiB limit, in a sparse file that has the
     * bytes: refused before reading it */
    char *hugehdr = write_tmp("huge-header.safetensors", (const uint8_t *)"\0\0\0\x10\0\0\0\0{}", 10);
    CHECK_MSG(truncate(hugehdr, 300ll << 20) == 0, "truncate %s", hugehdr);
    expect_bad_path("header over limit", hugehdr, "16 MiB limit", 1 << 20);
    unlink(hugehdr);
    g_free(hugehdr);

    /* nesting: json-glib recurses per level, so depth is bounded before it
     * parses (in the header and in the anysr.arch string) */
    char *deep = nested(100000);
    char *deep_member = g_strdup_printf("\"anysr.train\": \"{}\"}, \"deep\": %s", deep);
    expect_bad_header("deep header", good, size, "\"anysr.train\": \"{}\"}", deep_member,
                      "nested more than 64");
    g_free(deep_member);
    expect_bad("deep arch", &a, &(MwOptions) { .arch_json = deep }, "nested more than 64");
    g_free(deep);
    /* the object plus 63 arrays loads; plus 64 is refused */
    char *n63 = nested(63), *n64 = nested(64);
    char *arch_d64 = g_strdup_printf("{\"extra\": %s, %s", n63, arch + 1);
    char *arch_d65 = g_strdup_printf("{\"extra\": %s, %s", n64, arch + 1);
    char msg[512];
    size_t n;
    uint8_t *b = mw_build(&a, &(MwOptions) { .arch_json = arch_d64 }, &n);
    AsrModel *m = NULL;
    CHECK_MSG(asr_model_load_blob(b, n, &m, msg, sizeof(msg)) == ASR_OK, "64 levels: %s", msg);
    asr_model_free(&m);
    g_free(b);
    expect_bad("arch 65 levels", &a, &(MwOptions) { .arch_json = arch_d65 }, "nested more than 64");
    g_free(arch_d64), g_free(arch_d65), g_free(n63), g_free(n64);

    /* numbers in the type they are stored in */
    MwArch k = a;
    k.default_k = 1e308; /* a finite double, inf as the engine's float */
    expect_bad("default_k 1e308", &k, &o, "default_k");
    k.default_k = -3.5e38;
    expect_bad("default_k -3.5e38", &k, &o, "default_k");
    expect_bad_header("wrapping shape", good, size, "\"head.bias\": {\"dtype\": \"F32\", \"shape\": [32]",
                      "\"head.bias\": {\"dtype\": \"F32\", \"shape\": [18446744073709551648]",
                      "does not fit 64 bits");
    char *a2 = g_strdup_printf("{\"D\": -18446744073709551608, %s", arch + 1); /* wraps to 8 */
    char *a3 = strstr(a2, ", \"D\": 8");
    memmove(a3, a3 + 8, strlen(a3 + 8) + 1);
    expect_bad("wrapping int", &a, &(MwOptions) { .arch_json = a2 }, "does not fit 64 bits");
    /* an offset that fits 64 bits unsigned (2^64 - 4) is outside the data */
    expect_bad_header("offset 2^64 - 4", good, size, "\"data_offsets\": [0, ",
                      "\"data_offsets\": [18446744073709551612, ", "outside the data section");
    expect_bad_header("offset 2^63", good, size, "\"data_offsets\": [0, ",
                      "\"data_offsets\": [9223372036854775808, ", "outside the data section");
    g_free(a2);
    char *a4 = g_strdup(arch);
    memcpy(strstr(a4, "\"F\": 32"), "\"F\": 040", 8); /* octal or hex to json-glib */
    expect_bad("octal int", &a, &(MwOptions) { .arch_json = a4 }, "malformed number");
    g_free(a4);

    /* duplicate keys: json-glib keeps the last, the loader refuses */
    char *a5 = g_strdup_printf("{\"F\": 16, %s", arch + 1);
    expect_bad("duplicate arch key", &a, &(MwOptions) { .arch_json = a5 }, "duplicate key 'F'");
    g_free(a5);
    expect_bad_header("duplicate metadata", good, size, "{\"__metadata__\": {",
                      "{\"__metadata__\": {\"anysr.format\": \"7\", ", "duplicate key 'anysr.format'");
    expect_bad_header("duplicate tensor", good, size, ", \"head.bias\": {",
                      ", \"head.bias\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}, "
                      "\"head.bias\": {", "duplicate key 'head.bias'");
    alarm(0);
    g_free(arch);
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
        CHECK_MSG(st.op.width == 16 && st.op.depth == 3 && st.counts.weight_uploads == 1, "stats");
        asr_engine_free(&e);
    }
    g_free(path);
    g_free(blob);
}

/* Cost model: numbers from train/anysr_train/network.py (macs(), route_threshold()). */
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
        double got = asr_model_macs(A, t[i].c, t[i].d, t[i].mode, t[i].hf, t[i].iw, t[i].ih,
                                    t[i].ow, t[i].oh);
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
        double got = asr_model_macs(&m->arch, 8, 1, ASR_DECODER_ROUTED, 0.4, 11, 13, 23, 29);
        CHECK_MSG(fabs(got - 1064502.4) < 1e-6, "macs small arch: %.3f", got);
        CHECK_MSG(fabs(asr_model_route_threshold(&m->arch, 0.5) - 0.8003521162326726) < 1e-12,
                  "threshold small arch");
    }
    asr_model_free(&m);
    g_free(blob);
}

/* The AdaDSR depth adapter in the arch (depth_tile, adapter_hidden,
 * adapter_pool, depth_target, depth_points) and its six tensors: a good model loads with
 * its fields, every bad field or tensor is refused naming it, and models
 * without an adapter (no keys, or depth_tile 0) load as before. */
static void test_depth_adapter(void)
{
    MwArch a = mw_adapter_arch();
    MwOptions o = { 0 };
    char msg[512];
    size_t size;
    uint8_t *blob = mw_build(&a, &o, &size);
    AsrModel *m = NULL;
    AsrStatus s = asr_model_load_blob(blob, size, &m, msg, sizeof(msg));
    CHECK_MSG(s == ASR_OK && m, "adapter model: %d %s", s, msg);
    if (m) {
        const AsrArch *A = &m->arch;
        CHECK_MSG(A->depth_tile == 16 && A->adapter_hidden == 16 && A->adapter_pools == 1 &&
                  A->depth_target == 0.65f &&
                  A->n_depth_points == 2 && A->depth_points[0] == 0.4f &&
                  A->depth_points[1] == 0.65f, "adapter arch: tile %u, hidden %u, target %g, "
                  "%u points", A->depth_tile, A->adapter_hidden, (double)A->depth_target,
                  A->n_depth_points);
        /* the adapter's tensors come after dec.cls.*, in the packed weights too */
        CHECK_MSG(m->off.ad_pix.w > m->off.cls.b && m->off.ad_fc1.w > m->off.ad_pix.b &&
                  m->off.ad_fc2.w > m->off.ad_fc1.b && m->off.ad_fc2.b + 1 == m->num_weights,
                  "adapter offsets");
        CHECK_MSG(asr_model_adapter_macs_per_pixel(A) == 32.0 * 16, "adapter MACs");
        CHECK_MSG(asr_model_block_macs_per_pixel(A, 16) == 18.0 * 32 * 16, "block MACs");
    }
    asr_model_free(&m);
    char *path = write_tmp("adapter.safetensors", blob, size);
    AsrEngine *e = NULL;
    s = engine_with(path, &e);
    CHECK_MSG(s == ASR_OK && e, "engine with the adapter model: %d %s", s, last_error_log);
    if (e)
        CHECK_MSG(asr_engine_default_depth_target(e) == 0.65f, "default depth target %g",
                  (double)asr_engine_default_depth_target(e));
    asr_engine_free(&e);
    g_free(path);
    g_free(blob);

    /* without depth_points: none offered, still valid */
    MwArch b = a;
    b.n_depth_points = -1;
    blob = mw_build(&b, &o, &size);
    s = asr_model_load_blob(blob, size, &m, msg, sizeof(msg));
    CHECK_MSG(s == ASR_OK && m && m->arch.n_depth_points == 0, "no depth_points: %s", msg);
    asr_model_free(&m);
    g_free(blob);

    /* adapter_pool: "mean" as without the key, "mean_max" widens fc1 to [mean, max, t] */
    static const struct { const char *pool; uint32_t pools; } pools[] = {
        { "mean", 1 }, { "mean_max", 2 } };
    for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
        b = a;
        b.adapter_pool = pools[i].pool;
        blob = mw_build(&b, &o, &size);
        s = asr_model_load_blob(blob, size, &m, msg, sizeof(msg));
        CHECK_MSG(s == ASR_OK && m && m->arch.adapter_pools == pools[i].pools &&
                  m->off.ad_fc1.b - m->off.ad_fc1.w == 16 * (16 * pools[i].pools + 1),
                  "adapter_pool %s: %s", pools[i].pool, msg);
        asr_model_free(&m);
        g_free(blob);
    }

    /* bad fields */
    b = a;
    b.adapter_pool = "max";
    expect_bad("adapter_pool max", &b, &o, "'adapter_pool'");
    b = a;
    b.adapter_pool = "mean_max";
    expect_bad("adapter_pool mean_max, fc1 for mean", &b, &(MwOptions) {
        .reshape = "adapter.fc1.weight", .shape_ndim = 2, .shape = { 16, 17 } },
        "tensor 'adapter.fc1.weight': shape [16,17], expected [16,33]");
    b = a;
    b.depth_target = NAN;
    expect_bad("depth_target missing", &b, &o, "'depth_target'");
    static const double bad_targets[] = { 0.0, -0.5, 1.5 };
    for (size_t i = 0; i < sizeof(bad_targets) / sizeof(bad_targets[0]); i++) {
        char what[64];
        b = a;
        b.depth_target = bad_targets[i];
        snprintf(what, sizeof(what), "depth_target %g", bad_targets[i]);
        expect_bad(what, &b, &o, "'depth_target'");
    }
    expect_bad("depth_target string", &a, &(MwOptions) { .arch_json =
        "{\"family\": \"anysr\", \"F\": 32, \"D\": 8, \"chunk\": 8, \"sa_hidden\": 16, "
        "\"ladder\": [[32, 8]], \"dec_heavy\": [64, 64], \"dec_light\": [16], "
        "\"scale_caps\": [[null, [32, 8]]], \"depth_tile\": 16, \"adapter_hidden\": 16, "
        "\"depth_target\": \"0.5\"}" }, "'depth_target'");
    b = a;
    b.depth_points[0] = 0.65, b.depth_points[1] = 0.4;
    expect_bad("depth_points decreasing", &b, &o, "depth_points[1]");
    b = a;
    b.depth_points[1] = 0.4;
    expect_bad("depth_points repeated", &b, &o, "depth_points[1]");
    b = a;
    b.depth_points[1] = 1.0;
    expect_bad("depth_points at 1", &b, &o, "depth_points[1]");
    b = a;
    b.depth_points[0] = 0.0;
    expect_bad("depth_points at 0", &b, &o, "depth_points[0]");
    b = a;
    b.n_depth_points = 5;
    for (int i = 0; i < 5; i++)
        b.depth_points[i] = 0.1 * (i + 1);
    expect_bad("depth_points 5", &b, &o, "'depth_points'");
    b = a;
    b.depth_tile = 2;
    expect_bad("depth_tile 2", &b, &o, "'depth_tile' = 2 outside");
    b = a;
    b.depth_tile = 128;
    expect_bad("depth_tile 128", &b, &o, "'depth_tile' = 128 outside");
    b = a;
    b.depth_tile = -16;
    expect_bad("depth_tile -16", &b, &o, "'depth_tile' = -16 outside");
    b = a;
    b.adapter_hidden = 0;
    expect_bad("adapter_hidden 0", &b, &o, "'adapter_hidden'");
    /* bad tensors */
    expect_bad("adapter tensor missing", &a, &(MwOptions) { .omit = "adapter.fc2.bias" },
               "missing tensor 'adapter.fc2.bias'");
    expect_bad("adapter tensor shape", &a, &(MwOptions) {
        .reshape = "adapter.fc1.weight", .shape_ndim = 2, .shape = { 16, 16 } },
        "tensor 'adapter.fc1.weight': shape [16,16], expected [16,17]");
    /* an adapter tensor in a model without an adapter is unexpected */
    MwArch plain = mw_default_arch();
    expect_bad("adapter without arch", &plain, &(MwOptions) { .extra = "adapter.pix.bias" },
               "unexpected tensor 'adapter.pix.bias'");

    /* no adapter: no keys, or depth_tile 0 (the other keys then ignored) */
    blob = mw_build(&plain, &o, &size);
    s = asr_model_load_blob(blob, size, &m, msg, sizeof(msg));
    CHECK_MSG(s == ASR_OK && m && m->arch.depth_tile == 0 && m->arch.depth_target == 1.0f &&
              m->arch.n_depth_points == 0 && asr_model_adapter_macs_per_pixel(&m->arch) == 0.0,
              "model without adapter: %s", msg);
    asr_model_free(&m);
    g_free(blob);
    blob = mw_build(&plain, &(MwOptions) { .arch_json =
        "{\"family\": \"anysr\", \"F\": 32, \"D\": 8, \"chunk\": 8, \"sa_hidden\": 16, "
        "\"ladder\": [[8, 2], [16, 4], [24, 6], [32, 8]], \"dec_heavy\": [64, 64], "
        "\"dec_light\": [16], \"scale_caps\": [[null, [32, 8]]], \"depth_tile\": 0, "
        "\"depth_target\": 7}" }, &size);
    s = asr_model_load_blob(blob, size, &m, msg, sizeof(msg));
    CHECK_MSG(s == ASR_OK && m && m->arch.depth_tile == 0 && m->arch.depth_target == 1.0f,
              "depth_tile 0: %s", msg);
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
    test_hostile_files();
    test_good_files(argv[1]);
    test_cost_model();
    printf("depth adapter:\n");
    test_depth_adapter();
    if (test_failures)
        fprintf(stderr, "%d failure(s)\n", test_failures);
    return test_failures ? 1 : 0;
}
