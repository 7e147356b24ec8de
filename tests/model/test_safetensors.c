/*
 * test_safetensors.c — the safetensors parser on good and broken blobs.
 * Each broken blob must give ASR_ERROR_MODEL with a message naming the
 * problem, and never crash (run under ASan/valgrind to prove the latter).
 */
#define _POSIX_C_SOURCE 200809L /* mkfifo, alarm */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safetensors.h"
#include "asr_test.h"

/* Build a blob from a JSON header and a data section. */
static uint8_t *make_blob(const char *json, const uint8_t *data, size_t data_len, size_t *size)
{
    size_t hlen = strlen(json);
    *size = 8 + hlen + data_len;
    uint8_t *b = malloc(*size);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
    memcpy(b + 8, json, hlen);
    if (data_len)
        memcpy(b + 8 + hlen, data, data_len);
    return b;
}

static void expect_error(const char *what, const uint8_t *blob, size_t size, const char *needle)
{
    AsrSafetensors *st = NULL;
    char err[512];
    AsrStatus s = asr_safetensors_parse(blob, size, &st, err, sizeof(err));
    CHECK_MSG(s == ASR_ERROR_MODEL, "%s: status %d (%s)", what, s, err);
    CHECK_MSG(st == NULL, "%s: object returned on failure", what);
    CHECK_MSG(strstr(err, needle) != NULL, "%s: message '%s' does not name '%s'", what, err,
              needle);
    printf("  %-28s -> %s\n", what, err);
    asr_safetensors_free(&st);
}

static void expect_json_error(const char *what, const char *json, const uint8_t *data,
                              size_t len, const char *needle)
{
    size_t size;
    uint8_t *b = make_blob(json, data, len, &size);
    expect_error(what, b, size, needle);
    free(b);
}

int main(void)
{
    float vals[6] = {1.0f, -2.5f, 3.25f, 0.0f, 1e-3f, 42.0f};
    uint16_t halfs[2] = {0x3c00 /* 1.0 */, 0xc000 /* -2.0 */};
    uint8_t data[28];
    memcpy(data, vals, 24);
    memcpy(data + 24, halfs, 4);

    const char *good =
        "{\"__metadata__\":{\"anysr.format\":\"1\",\"note\":\"x\"},"
        "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
        "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[24,28]}}";

    /* Good file. */
    {
        size_t size;
        uint8_t *b = make_blob(good, data, sizeof(data), &size);
        AsrSafetensors *st = NULL;
        char err[256];
        AsrStatus s = asr_safetensors_parse(b, size, &st, err, sizeof(err));
        CHECK_MSG(s == ASR_OK, "good blob: %s", err);
        if (st) {
            CHECK_MSG(asr_safetensors_count(st) == 2, "count");
            const AsrTensor *w = asr_safetensors_find(st, "w");
            const AsrTensor *h = asr_safetensors_find(st, "h");
            CHECK_MSG(w && w->ndim == 2 && w->shape[0] == 2 && w->shape[1] == 3 && w->count == 6,
                      "w shape");
            CHECK_MSG(h && h->dtype == ASR_DTYPE_F16 && h->count == 2, "h");
            float f[6];
            if (w) {
                asr_tensor_to_f32(w, f);
                CHECK_MSG(!memcmp(f, vals, sizeof(vals)), "w values");
            }
            if (h) {
                asr_tensor_to_f32(h, f);
                CHECK_MSG(f[0] == 1.0f && f[1] == -2.0f, "h values %f %f", f[0], f[1]);
            }
            CHECK_MSG(asr_safetensors_get(st, 0) == w, "sorted by offset");
            const char *fmt = asr_safetensors_metadata(st, "anysr.format");
            CHECK_MSG(fmt && !strcmp(fmt, "1"), "metadata");
            CHECK_MSG(asr_safetensors_metadata(st, "missing") == NULL, "missing metadata");
            CHECK_MSG(asr_safetensors_find(st, "nope") == NULL, "missing tensor");
        }
        asr_safetensors_free(&st);
        CHECK_MSG(st == NULL, "free sets NULL");
        asr_safetensors_free(&st);

        /* Truncated at every length: always a clean error, never a crash. */
        int truncated_ok = 1;
        for (size_t cut = 0; cut < size; cut++) {
            char err2[256];
            AsrStatus s2 = asr_safetensors_parse(b, cut, &st, err2, sizeof(err2));
            if (s2 != ASR_ERROR_MODEL || st)
                truncated_ok = 0;
            asr_safetensors_free(&st);
        }
        CHECK_MSG(truncated_ok, "every truncation is ASR_ERROR_MODEL");
        expect_error("truncated data", b, size - 3, "outside");
        expect_error("truncated header", b, 20, "header length");
        expect_error("too short", b, 5, "too short");
        free(b);
    }

    /* Half conversions. */
    CHECK_MSG(asr_half_to_float(0x0001) == ldexpf(1.0f, -24), "half subnormal");
    CHECK_MSG(asr_half_to_float(0x7bff) == 65504.0f, "half max");
    CHECK_MSG(isinf(asr_half_to_float(0x7c00)), "half inf");
    CHECK_MSG(asr_half_to_float(0x8000) == 0.0f && signbit(asr_half_to_float(0x8000)), "half -0");

    expect_json_error("bad JSON", "{\"w\":{\"dtype\":\"F32\",", data, 24, "JSON");
    expect_json_error("JSON not object", "[1,2,3]", data, 24, "not an object");
    expect_json_error("unsupported dtype",
                      "{\"w\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,24]}}", data,
                      24, "'w'");
    expect_json_error("missing dtype", "{\"w\":{\"shape\":[6],\"data_offsets\":[0,24]}}", data,
                      24, "dtype");
    expect_json_error("negative shape",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[-6],\"data_offsets\":[0,24]}}",
                      data, 24, "shape[0]");
    expect_json_error("float shape",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[6.5],\"data_offsets\":[0,24]}}",
                      data, 24, "shape[0]");
    expect_json_error("shape/bytes mismatch",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[5],\"data_offsets\":[0,24]}}", data,
                      24, "'w'");
    expect_json_error("offset outside file",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[4,28]}}", data,
                      24, "outside");
    expect_json_error("offsets reversed",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", data,
                      24, "outside");
    expect_json_error("bad offsets",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0]}}", data, 24,
                      "data_offsets");
    expect_json_error("overlap",
                      "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                      "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
                      data, 24, "overlap");
    expect_json_error("metadata not string",
                      "{\"__metadata__\":{\"anysr.format\":1},"
                      "\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}",
                      data, 24, "anysr.format");
    {
        float bad[6] = {1, 2, NAN, 4, 5, 6};
        expect_json_error("NaN weight",
                          "{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}",
                          (const uint8_t *)bad, 24, "not finite");
        uint16_t hinf[2] = {0x3c00, 0x7c00};
        expect_json_error("F16 inf",
                          "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                          (const uint8_t *)hinf, 4, "'h'");
    }
    {
        /* Header length field far beyond the file. */
        uint8_t b[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'};
        expect_error("huge header length", b, sizeof(b), "header length");
    }
    {
        AsrSafetensors *st = NULL;
        char err[256];
        CHECK_MSG(asr_safetensors_load_file("/nonexistent/model.safetensors", &st, err,
                                            sizeof(err)) == ASR_ERROR_MODEL,
                  "missing file");
        CHECK_MSG(strstr(err, "nonexistent") != NULL, "missing file message: %s", err);
        CHECK_MSG(asr_safetensors_parse(NULL, 4, &st, err, sizeof(err)) ==
                      ASR_ERROR_INVALID_ARGUMENT,
                  "NULL blob");
    }

    /* JSON json-glib would take wrongly or recurse on */
    expect_json_error("trailing data",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[5],\"data_offsets\":[0,20]}}", data,
                      24, "4 bytes after the tensors' data");
    expect_json_error("duplicate tensor",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]},"
                      "\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}",
                      data, 24, "duplicate key 'w'");
    expect_json_error("duplicate inner key",
                      "{\"w\":{\"dtype\":\"I64\",\"dtype\":\"F32\",\"shape\":[6],"
                      "\"data_offsets\":[0,24]}}", data, 24, "duplicate key 'dtype'");
    expect_json_error("wrapping offset",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[6],"
                      "\"data_offsets\":[18446744073709551616,24]}}", data, 24, "64 bits");
    expect_json_error("hex offset",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,0x18]}}",
                      data, 24, "malformed number");
    expect_json_error("comment",
                      "{\"w\":{\"dtype\":\"F32\",\"shape\":[6],/*x*/\"data_offsets\":[0,24]}}",
                      data, 24, "unexpected character");
    expect_json_error("single quotes",
                      "{\"w\":{\"dtype\":'F32',\"shape\":[6],\"data_offsets\":[0,24]}}", data,
                      24, "unexpected character");
    {
        GString *deep = g_string_new("{\"w\":");
        for (int i = 0; i < 75000; i++)
            g_string_append_c(deep, '[');
        for (int i = 0; i < 75000; i++)
            g_string_append_c(deep, ']');
        g_string_append_c(deep, '}');
        expect_json_error("75000 nested arrays", deep->str, data, 0, "nested more than 64");
        g_string_free(deep, TRUE);
        /* 64 levels (the object and 63 arrays) pass the scan, then fail as a
         * tensor entry */
        GString *d64 = g_string_new("{\"w\":");
        for (int i = 0; i < 63; i++)
            g_string_append_c(d64, '[');
        for (int i = 0; i < 63; i++)
            g_string_append_c(d64, ']');
        g_string_append_c(d64, '}');
        expect_json_error("64 levels", d64->str, data, 0, "not a JSON object");
        g_string_free(d64, TRUE);
        /* brackets inside strings do not count */
        expect_json_error("brackets in a string",
                          "{\"__metadata__\":{\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                          "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"},\"w\":1}",
                          data, 0, "'w'");
    }
    {
        /* files that are not regular files */
        AsrSafetensors *st = NULL;
        char err[256];
        static const struct { const char *path, *needle; } np[] = {
            { "/", "is a directory" }, { "/dev/zero", "character device" },
        };
        for (size_t i = 0; i < sizeof(np) / sizeof(np[0]); i++) {
            CHECK_MSG(asr_safetensors_load_file(np[i].path, &st, err, sizeof(err)) ==
                          ASR_ERROR_MODEL && !st && strstr(err, np[i].needle),
                      "%s: %s", np[i].path, err);
            printf("  %-28s -> %s\n", np[i].path, err);
        }
        char *dir = g_dir_make_tmp("anysr-st-XXXXXX", NULL);
        char *fifo = g_build_filename(dir, "fifo", NULL);
        CHECK_MSG(mkfifo(fifo, 0600) == 0, "mkfifo");
        alarm(60); /* an open that blocks fails the test */
        CHECK_MSG(asr_safetensors_load_file(fifo, &st, err, sizeof(err)) == ASR_ERROR_MODEL &&
                      !st && strstr(err, "FIFO"), "FIFO: %s", err);
        alarm(0);
        printf("  %-28s -> %s\n", "FIFO", err);
        /* the good file through the file path: header, then data */
        size_t size;
        uint8_t *b = make_blob(good, data, sizeof(data), &size);
        char *path = g_build_filename(dir, "good.safetensors", NULL);
        CHECK(g_file_set_contents(path, (const char *)b, (gssize)size, NULL));
        CHECK_MSG(asr_safetensors_open_file(path, &st, err, sizeof(err)) == ASR_OK, "%s", err);
        if (st) {
            const AsrTensor *w = asr_safetensors_find(st, "w");
            CHECK_MSG(w && w->data == NULL, "no data before read_data");
            CHECK_MSG(asr_safetensors_read_data(st, err, sizeof(err)) == ASR_OK, "%s", err);
            w = asr_safetensors_find(st, "w");
            float f[6];
            if (w && w->data) {
                asr_tensor_to_f32(w, f);
                CHECK_MSG(!memcmp(f, vals, sizeof(vals)), "w values from the file");
            }
        }
        asr_safetensors_free(&st);
        unlink(path);
        unlink(fifo);
        rmdir(dir);
        g_free(path);
        g_free(fifo);
        g_free(dir);
        free(b);
    }

    printf("%s: %d failure(s)\n", test_failures ? "FAIL" : "PASS", test_failures);
    return test_failures ? 1 : 0;
}
