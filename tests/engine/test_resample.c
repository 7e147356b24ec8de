/*
 * Engine (in its bicubic test mode, src/internal.h: unpack -> bicubic ->
 * pack, the frame I/O of the network path) vs the plain C reference
 * (ref_resample.c) for every format, several
 * sizes (odd ones included) and scales, YUV matrices, ranges and sitings,
 * with padded strides. Every sample must be within 1 of the reference (a
 * byte; a 10-bit code of the 10-bit formats), and the padding bytes of the
 * caller's output rows must stay untouched. The 10-bit formats also run a
 * 10-bit gradient (1024 levels across 1024 pixels) upscaled x2: more than
 * 256 distinct levels must survive (no 8-bit step) and every code must be
 * within 1 of the reference.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "ref_resample.h"
#include "internal.h"
#include "asr_test.h"

#define PAD_BYTE 0xcd

typedef struct Image {
    AsrFrame f;
    uint8_t *mem[ASR_MAX_PLANES];
    uint32_t row_bytes[ASR_MAX_PLANES], rows[ASR_MAX_PLANES];
    int planes;
} Image;

static void image_alloc(Image *im, AsrPixelFormat fmt, uint32_t w, uint32_t h, uint32_t *seed)
{
    memset(im, 0, sizeof(*im));
    im->planes = ref_plane_geometry(fmt, w, h, im->row_bytes, im->rows);
    for (int p = 0; p < im->planes; p++) {
        size_t stride = im->row_bytes[p] + test_rand(seed) % 14; /* padded, maybe unaligned */
        im->mem[p] = malloc(stride * im->rows[p]);
        memset(im->mem[p], PAD_BYTE, stride * im->rows[p]);
        im->f.data[p] = im->mem[p];
        im->f.stride[p] = stride;
    }
}

static void image_free(Image *im)
{
    for (int p = 0; p < im->planes; p++)
        free(im->mem[p]);
}

/* kind 0: random bytes; 1: smooth gradients with some noise and an edge */
static void image_fill(Image *im, int kind, uint32_t *seed)
{
    for (int p = 0; p < im->planes; p++) {
        for (uint32_t y = 0; y < im->rows[p]; y++) {
            uint8_t *row = im->f.data[p] + y * im->f.stride[p];
            for (uint32_t x = 0; x < im->row_bytes[p]; x++) {
                if (kind == 0) {
                    row[x] = (uint8_t)test_rand(seed);
                } else {
                    int v = (int)((x * 7 + y * 5 + (uint32_t)p * 40) % 256);
                    if ((x / 8 + y / 6) % 3 == 0)
                        v = 255 - v;
                    v += (int)(test_rand(seed) % 9) - 4;
                    row[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
                }
            }
        }
    }
}

typedef struct FormatStats {
    int cases;
    int max_diff;
    uint64_t bytes, exact;
} FormatStats;

static FormatStats stats[ASR_FORMAT_BGR10A2 + 1];

static const char *fmt_name(AsrPixelFormat f)
{
    static const char *names[] = { "?", "RGBA", "BGRA", "RGBx", "BGRx", "I420", "NV12",
                                   "P010", "I420_10", "RGB10A2", "BGR10A2" };
    return names[f];
}


/* Samples of one row of plane data as code values: bytes (8-bit formats),
 * 10-bit codes of 16-bit words (P010: word >> 6, and a word whose low 6 bits
 * are not 0 gives -1; I420_10: a word above 1023 gives -1), or the four
 * fields R/B, G, B/R, A of each 32-bit word of RGB10A2 / BGR10A2.
 * Returns the count. */
static uint32_t row_codes(AsrPixelFormat f, const uint8_t *row, uint32_t bytes, int *codes)
{
    uint32_t n = 0;
    if (test_format_is_16bit(f)) {
        for (uint32_t x = 0; x + 1 < bytes; x += 2) {
            unsigned w = row[x] | ((unsigned)row[x + 1] << 8);
            if (f == ASR_FORMAT_P010)
                codes[n++] = (w & 0x3f) ? -1 : (int)(w >> 6);
            else
                codes[n++] = w > 1023 ? -1 : (int)w;
        }
    } else if (test_format_is_rgb10(f)) {
        for (uint32_t x = 0; x + 3 < bytes; x += 4) {
            uint32_t w = row[x] | ((uint32_t)row[x + 1] << 8) | ((uint32_t)row[x + 2] << 16) |
                         ((uint32_t)row[x + 3] << 24);
            for (int k = 0; k < 3; k++)
                codes[n++] = (int)((w >> (10 * k)) & 0x3ff);
            codes[n++] = (int)(w >> 30);
        }
    } else {
        for (uint32_t x = 0; x < bytes; x++)
            codes[n++] = row[x];
    }
    return n;
}

static void run_case(AsrEngine *e, const AsrFrameInfo *in, const AsrFrameInfo *out, int kind,
                     uint32_t seed)
{
    Image src, got, want;
    image_alloc(&src, in->format, in->width, in->height, &seed);
    image_alloc(&got, out->format, out->width, out->height, &seed);
    image_alloc(&want, out->format, out->width, out->height, &seed);
    image_fill(&src, kind, &seed);

    char desc[160];
    snprintf(desc, sizeof(desc), "%s %ux%u -> %ux%u matrix %d range %d siting %d,%d -> %d %d %d,%d %s",
             fmt_name(in->format), in->width, in->height, out->width, out->height, in->matrix,
             in->range, in->chroma_cosited_h, in->chroma_cosited_v, out->matrix, out->range,
             out->chroma_cosited_h, out->chroma_cosited_v, kind ? "gradient" : "random");

    AsrStatus st = asr_engine_configure(e, in, out);
    if (st == ASR_OK)
        st = asr_engine_process(e, &src.f, &got.f);
    if (st != ASR_OK) {
        fprintf(stderr, "FAIL %s: %s (%s)\n", desc, asr_status_to_string(st),
                asr_engine_last_error(e));
        test_failures++;
        goto end;
    }
    if (ref_resample(in, &src.f, out, &want.f) < 0) {
        fprintf(stderr, "reference out of memory\n");
        exit(1);
    }

    FormatStats *fs = &stats[in->format];
    int max_diff = 0, bad_pad = 0;
    uint64_t exact = 0, n = 0;
    uint32_t worst_p = 0, worst_x = 0, worst_y = 0;
    int worst_g = 0, worst_w = 0;
    int *gc = malloc(sizeof(int) * got.row_bytes[0] + 16), *wc = malloc(sizeof(int) * got.row_bytes[0] + 16);
    for (int p = 0; p < got.planes; p++) {
        for (uint32_t y = 0; y < got.rows[p]; y++) {
            const uint8_t *g = got.f.data[p] + y * got.f.stride[p];
            const uint8_t *w = want.f.data[p] + y * want.f.stride[p];
            uint32_t cn = row_codes(in->format, g, got.row_bytes[p], gc);
            row_codes(in->format, w, got.row_bytes[p], wc);
            for (uint32_t x = 0; x < cn; x++) {
                int d = gc[x] < 0 ? 1000000 : abs(gc[x] - wc[x]);
                if (d > max_diff)
                    max_diff = d, worst_p = (uint32_t)p, worst_x = x, worst_y = y,
                    worst_g = gc[x], worst_w = wc[x];
                exact += d == 0;
                n++;
            }
            for (size_t x = got.row_bytes[p]; x < got.f.stride[p]; x++)
                bad_pad += g[x] != PAD_BYTE;
        }
    }
    free(gc);
    free(wc);
    fs->cases++;
    fs->bytes += n;
    fs->exact += exact;
    if (max_diff > fs->max_diff)
        fs->max_diff = max_diff;
    if (max_diff > 1 || bad_pad) {
        fprintf(stderr, "FAIL %s: max diff %d at plane %u sample %u row %u (got %d want %d), "
                "%d padding bytes overwritten\n", desc, max_diff, worst_p, worst_x, worst_y,
                worst_g, worst_w, bad_pad);
        test_failures++;
    }
end:
    image_free(&src);
    image_free(&got);
    image_free(&want);
}

/* A 10-bit horizontal ramp, 1024 levels across 1024 x 4 pixels, upscaled
 * x2 through the bicubic path: the output luma (Y, or R of packed RGB) must
 * keep more than 256 distinct codes and match the C reference (10-bit
 * intermediate, fp32 like the shaders) within 1 code. */
static void gradient_case(AsrEngine *e, AsrPixelFormat fmt, AsrColorMatrix m, AsrColorRange r)
{
    const uint32_t w = 1024, h = 4;
    AsrFrameInfo in = { .format = fmt, .width = w, .height = h, .matrix = m, .range = r };
    AsrFrameInfo out = in;
    out.width = 2 * w, out.height = 2 * h;
    uint32_t seed = 99;
    Image src, got, want;
    image_alloc(&src, fmt, w, h, &seed);
    image_alloc(&got, fmt, out.width, out.height, &seed);
    image_alloc(&want, fmt, out.width, out.height, &seed);
    for (int p = 0; p < src.planes; p++) {
        for (uint32_t y = 0; y < src.rows[p]; y++) {
            uint8_t *row = src.f.data[p] + y * src.f.stride[p];
            for (uint32_t x = 0; x < w; x++) {
                unsigned v;
                if (test_format_is_rgb10(fmt)) {
                    v = x | (x << 10) | (x << 20) | (3u << 30);
                    row[4 * x] = (uint8_t)v, row[4 * x + 1] = (uint8_t)(v >> 8);
                    row[4 * x + 2] = (uint8_t)(v >> 16), row[4 * x + 3] = (uint8_t)(v >> 24);
                    continue;
                }
                if (x * 2 >= src.row_bytes[p])
                    break;
                /* Y: the ramp over the range's luma codes; chroma: neutral */
                if (p == 0)
                    v = r == ASR_RANGE_FULL ? x : 64 + (x * 876 + 511) / 1023;
                else
                    v = 512;
                if (fmt == ASR_FORMAT_P010)
                    v <<= 6;
                row[2 * x] = (uint8_t)v, row[2 * x + 1] = (uint8_t)(v >> 8);
            }
        }
    }
    AsrStatus st = asr_engine_configure(e, &in, &out);
    if (st == ASR_OK)
        st = asr_engine_process(e, &src.f, &got.f);
    CHECK(st == ASR_OK);
    CHECK(ref_resample(&in, &src.f, &out, &want.f) == 0);
    static int seen[1024];
    memset(seen, 0, sizeof(seen));
    int distinct = 0, max_diff = 0;
    int *gc = malloc(sizeof(int) * 4 * out.width), *wc = malloc(sizeof(int) * 4 * out.width);
    for (int p = 0; p < got.planes; p++) {
        for (uint32_t y = 0; y < got.rows[p]; y++) {
            uint32_t n = row_codes(fmt, got.f.data[p] + y * got.f.stride[p], got.row_bytes[p], gc);
            row_codes(fmt, want.f.data[p] + y * want.f.stride[p], got.row_bytes[p], wc);
            for (uint32_t i = 0; i < n; i++) {
                int d = gc[i] < 0 ? 1000000 : abs(gc[i] - wc[i]);
                max_diff = d > max_diff ? d : max_diff;
                int luma = test_format_is_rgb10(fmt) ? i % 4 == 0 : p == 0;
                if (luma && gc[i] >= 0 && !seen[gc[i]])
                    seen[gc[i]] = 1, distinct++;
            }
        }
    }
    printf("gradient %-8s %s %s 1024x4 -> 2048x8: %d distinct output levels, max diff %d "
           "(10-bit codes)\n", fmt_name(fmt), m == ASR_MATRIX_BT2020 ? "bt2020" : "bt709",
           r == ASR_RANGE_FULL ? "full" : "limited", distinct, max_diff);
    CHECK(distinct > 256);
    CHECK(max_diff <= 1);
    free(gc);
    free(wc);
    image_free(&src);
    image_free(&got);
    image_free(&want);
}

static uint32_t scaled(uint32_t v, double s)
{
    return (uint32_t)lround(v * s);
}

int main(void)
{
    AsrEngine *e = test_engine_new();
    asr_engine_debug_set_bicubic(e, 1);
    static const uint32_t sizes[][2] = { { 17, 13 }, { 64, 48 }, { 33, 35 } };
    static const double scales[][2] = { { 1.0, 1.0 }, { 1.5, 1.5 }, { 2.5, 2.5 }, { 1.5, 2.0 },
                                        { 3.7, 3.7 } };
    static const AsrPixelFormat formats[] = { ASR_FORMAT_RGBA, ASR_FORMAT_BGRA, ASR_FORMAT_RGBX,
                                              ASR_FORMAT_BGRX, ASR_FORMAT_I420, ASR_FORMAT_NV12,
                                              ASR_FORMAT_P010, ASR_FORMAT_I420_10,
                                              ASR_FORMAT_RGB10A2, ASR_FORMAT_BGR10A2 };
    static const AsrPixelFormat yuv_formats[] = { ASR_FORMAT_I420, ASR_FORMAT_NV12, ASR_FORMAT_P010,
                                                  ASR_FORMAT_I420_10 };
    uint32_t seed = 12345;
    int variant = 0;

    for (size_t fi = 0; fi < ASR_ARRAY_SIZE_(formats); fi++) {
        for (size_t si = 0; si < ASR_ARRAY_SIZE_(sizes); si++) {
            for (size_t ci = 0; ci < ASR_ARRAY_SIZE_(scales); ci++) {
                AsrFrameInfo in = { .format = formats[fi], .width = sizes[si][0],
                                    .height = sizes[si][1] };
                /* YUV: walk through matrices, ranges and sitings */
                in.matrix = (AsrColorMatrix)(variant % 3);
                in.range = (AsrColorRange)((variant / 3) % 2);
                in.chroma_cosited_h = (uint8_t)((variant / 2) % 2);
                in.chroma_cosited_v = (uint8_t)((variant / 5) % 2);
                variant++;
                AsrFrameInfo out = in;
                out.width = scaled(in.width, scales[ci][0]);
                out.height = scaled(in.height, scales[ci][1]);
                run_case(e, &in, &out, (int)((si + ci) % 2), seed++);
            }
        }
        /* 8x on a tiny frame */
        AsrFrameInfo in = { .format = formats[fi], .width = 5, .height = 3 };
        AsrFrameInfo out = in;
        out.width = 40, out.height = 24;
        run_case(e, &in, &out, 0, seed++);
    }

    /* every YUV variant at one size */
    for (size_t f = 0; f < ASR_ARRAY_SIZE_(yuv_formats); f++) {
        for (int m = 0; m < 3; m++) {
            for (int r = 0; r < 2; r++) {
                for (int s = 0; s < 3; s++) {
                    AsrFrameInfo in = {
                        .format = yuv_formats[f],
                        .width = 17, .height = 13,
                        .matrix = (AsrColorMatrix)m, .range = (AsrColorRange)r,
                        .chroma_cosited_h = (uint8_t)(s >= 1), .chroma_cosited_v = (uint8_t)(s >= 2),
                    };
                    AsrFrameInfo out = in;
                    out.width = 26, out.height = 20;
                    run_case(e, &in, &out, 1, seed++);
                }
            }
        }
    }
    /* different matrix / range / siting on the two sides */
    AsrFrameInfo in = { .format = ASR_FORMAT_I420, .width = 19, .height = 11,
                        .matrix = ASR_MATRIX_BT601, .range = ASR_RANGE_LIMITED };
    AsrFrameInfo out = { .format = ASR_FORMAT_I420, .width = 38, .height = 23,
                         .matrix = ASR_MATRIX_BT709, .range = ASR_RANGE_FULL,
                         .chroma_cosited_h = 1 };
    run_case(e, &in, &out, 1, seed++);

    gradient_case(e, ASR_FORMAT_P010, ASR_MATRIX_BT2020, ASR_RANGE_FULL);
    gradient_case(e, ASR_FORMAT_P010, ASR_MATRIX_BT2020, ASR_RANGE_LIMITED);
    gradient_case(e, ASR_FORMAT_I420_10, ASR_MATRIX_BT709, ASR_RANGE_LIMITED);
    gradient_case(e, ASR_FORMAT_RGB10A2, ASR_MATRIX_BT709, ASR_RANGE_FULL);
    gradient_case(e, ASR_FORMAT_BGR10A2, ASR_MATRIX_BT709, ASR_RANGE_FULL);

    AsrStats st;
    asr_engine_get_stats(e, &st);
    printf("%-8s %6s %6s %9s\n", "fmt", "cases", "maxdiff", "exact");
    for (size_t fi = 0; fi < ASR_ARRAY_SIZE_(formats); fi++) {
        const FormatStats *fs = &stats[formats[fi]];
        printf("%-8s %6d %6d %8.4f%%\n", fmt_name(formats[fi]), fs->cases, fs->max_diff,
               fs->bytes ? 100.0 * (double)fs->exact / (double)fs->bytes : 0.0);
    }
    printf("frames %llu, pipelines %llu, buffer allocations %llu, validation messages %llu\n",
           (unsigned long long)st.counts.frames, (unsigned long long)st.counts.pipelines_created,
           (unsigned long long)st.counts.buffer_allocations, (unsigned long long)st.counts.validation_messages);
    CHECK(st.counts.validation_messages == 0);
    asr_engine_free(&e);
    if (test_failures)
        fprintf(stderr, "%d failure(s)\n", test_failures);
    return test_failures ? 1 : 0;
}
