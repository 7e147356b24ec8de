/*
 * fuzz_model.c — fuzz target for the safetensors parser and the model
 * loader (src/model/safetensors.c, src/model/model.c): any bytes must give ASR_OK or an
 * error status with a message, never a crash, a leak or undefined
 * behaviour (built with AddressSanitizer and UBSan).
 *
 * Two builds (tests/fuzz/meson.build):
 *  - libFuzzer (-Dfuzz=true with clang as the C compiler): this file's
 *    LLVMFuzzerTestOneInput, driven by -fsanitize=fuzzer;
 *  - otherwise, with -DASR_FUZZ_DRIVER, a deterministic mutation loop
 *    (main() below): every file of a seed corpus as is, then mutations
 *    (bit flips, byte values, truncations, splices, digit runs, nesting)
 *    from a fixed seed, until an iteration count or a time limit.
 *
 *   fuzz-model CORPUS_DIR [SECONDS [MAX_ITERATIONS [SEED]]]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asr_test.h"
#include "common.h"
#include "model.h"
#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    AsrSafetensors *st = NULL;
    AsrStatus s = asr_safetensors_parse(data, size, &st, err, sizeof(err));
    if ((s == ASR_OK) != (st != NULL) || (s < 0 && s != ASR_ERROR_NO_MEMORY && !err[0]))
        abort(); /* a failure without a message, or an object on failure */
    asr_safetensors_free(&st);

    AsrModel *m = NULL;
    s = asr_model_load_blob(data, size, &m, err, sizeof(err));
    if ((s == ASR_OK) != (m != NULL) || (s < 0 && s != ASR_ERROR_NO_MEMORY && !err[0]))
        abort();
    if (m && (m->arch.F == 0 || m->arch.F > ASR_MODEL_MAX_F || !m->weights))
        abort();
    asr_model_free(&m);
    return 0;
}

#ifdef ASR_FUZZ_DRIVER

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* GByteArray is a GArray of bytes */
static void insert_bytes(GByteArray *b, guint pos, const guint8 *data, guint len)
{
    g_array_insert_vals((GArray *)b, pos, data, len);
}

/* One mutation of `in` (n bytes) into a new GByteArray. Positions favour
 * the header (the first bytes), where the parser's decisions are. */
static GByteArray *mutate(const uint8_t *in, size_t n, const GPtrArray *corpus)
{
    GByteArray *b = g_byte_array_sized_new((guint)n + 64);
    g_byte_array_append(b, in, (guint)n);
    int rounds = 1 + (int)(rnd() % 4);
    for (int r = 0; r < rounds; r++) {
        size_t len = b->len;
        size_t span = len ? (rnd() % 2 ? ASR_MIN(len, (size_t)4096) : len) : 1;
        size_t pos = len ? rnd() % span : 0;
        static const char *tokens[] = { "[", "]", "{", "}", "\"", ",", ":", "-", "0", "1e308",
            "18446744073709551616", "9223372036854775807", "-1", "null", "true", "\\u0000",
            "\"F16\"", "\"F32\"", "\"data_offsets\"", "\"shape\"", "\"__metadata__\"",
            "\"anysr.arch\"", "\"default_k\"", "0x10", "1.5", "[[[[[[[[", "\"dtype\"" };
        switch (rnd() % 9) {
        case 0: /* bit flip */
            if (len)
                b->data[pos] ^= (uint8_t)(1u << (rnd() % 8));
            break;
        case 1: /* interesting byte */
            if (len) {
                static const uint8_t v[] = { 0, 1, 0x7f, 0x80, 0xff, '"', '\\', '[', '{', '9' };
                b->data[pos] = v[rnd() % sizeof(v)];
            }
            break;
        case 2: /* truncate */
            g_byte_array_set_size(b, (guint)(len ? rnd() % len : 0));
            break;
        case 3: /* delete a run */
            if (len) {
                size_t k = 1 + rnd() % 32;
                g_byte_array_remove_range(b, (guint)pos, (guint)ASR_MIN(k, len - pos));
            }
            break;
        case 4: /* insert a JSON token */
        case 5: {
            const char *t = tokens[rnd() % G_N_ELEMENTS(tokens)];
            insert_bytes(b, (guint)ASR_MIN(pos, len), (const guint8 *)t, (guint)strlen(t));
            break;
        }
        case 6: /* the length field */
            if (len >= 8) {
                uint64_t h = 0;
                for (int i = 7; i >= 0; i--)
                    h = (h << 8) | b->data[i];
                h = rnd() % 3 == 0 ? (uint64_t)rnd() << (rnd() % 40) : h + (int)(rnd() % 17) - 8;
                for (int i = 0; i < 8; i++)
                    b->data[i] = (uint8_t)(h >> (8 * i));
            }
            break;
        case 7: { /* splice in part of another corpus file */
            const GBytes *o = g_ptr_array_index(corpus, rnd() % corpus->len);
            gsize on;
            const uint8_t *od = g_bytes_get_data((GBytes *)o, &on);
            if (on) {
                size_t from = rnd() % on, k = 1 + rnd() % ASR_MIN(on - from, (size_t)256);
                insert_bytes(b, (guint)ASR_MIN(pos, len), od + from, (guint)k);
            }
            break;
        }
        default: /* duplicate a run (keys, members) */
            if (len) {
                size_t k = 1 + rnd() % ASR_MIN(len - pos, (size_t)128);
                guint8 *copy = g_memdup2(b->data + pos, k);
                insert_bytes(b, (guint)pos, copy, (guint)k);
                g_free(copy);
            }
            break;
        }
    }
    return b;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 5) {
        fprintf(stderr, "usage: %s CORPUS_DIR [SECONDS [MAX_ITERATIONS [SEED]]]\n", argv[0]);
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 60.0;
    long long max_iter = argc > 3 ? atoll(argv[3]) : -1;
    rng_state = argc > 4 ? strtoull(argv[4], NULL, 0) : 0x9e3779b97f4a7c15ull;
    if (!rng_state)
        rng_state = 1;

    GPtrArray *corpus = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    GDir *dir = g_dir_open(argv[1], 0, NULL);
    if (!dir) {
        fprintf(stderr, "cannot open the corpus %s (run tests/fuzz/gen_corpus.py)\n", argv[1]);
        return 1;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (const char *nm; (nm = g_dir_read_name(dir));)
        g_ptr_array_add(names, g_strdup(nm));
    g_dir_close(dir);
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0); /* g_dir order is not stable */
    for (guint i = 0; i < names->len; i++) {
        char *path = g_build_filename(argv[1], (const char *)g_ptr_array_index(names, i), NULL);
        gchar *c;
        gsize n;
        if (g_file_get_contents(path, &c, &n, NULL))
            g_ptr_array_add(corpus, g_bytes_new_take(c, n));
        g_free(path);
    }
    g_ptr_array_free(names, TRUE);
    if (!corpus->len) {
        fprintf(stderr, "empty corpus %s\n", argv[1]);
        return 1;
    }

    const double t0 = test_now_s();
    long long iter = 0;
    for (guint i = 0; i < corpus->len; i++) {
        gsize n;
        const uint8_t *d = g_bytes_get_data(g_ptr_array_index(corpus, i), &n);
        LLVMFuzzerTestOneInput(d, n);
    }
    while ((max_iter < 0 || iter < max_iter) && test_now_s() - t0 < seconds) {
        gsize n;
        const uint8_t *d = g_bytes_get_data(g_ptr_array_index(corpus, rnd() % corpus->len), &n);
        GByteArray *b = mutate(d, n, corpus);
        LLVMFuzzerTestOneInput(b->data, b->len);
        g_byte_array_free(b, TRUE);
        iter++;
    }
    printf("fuzz-model: %u seed files, %lld mutations in %.1f s, no crash\n", corpus->len, iter,
           test_now_s() - t0);
    g_ptr_array_free(corpus, TRUE);
    return 0;
}
#endif
