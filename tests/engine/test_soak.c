/*
 * Soak test (suite 'slow'): FRAMES frames (default 10000) through the C API
 * with random changes of resolution (input sides 4..24 px, output 1x to 3x
 * per axis, independently), pixel format (all six), colour matrix, range and
 * chroma siting, strides, and a random operating point before every frame:
 * decoder and k at random, subnet 0 (the cheapest: lavapipe is slow) on 7
 * frames in 8 and any of -1..n-1 on the others.
 *
 *   test-soak [FRAMES [SEED]]
 *
 * Checked on every frame: asr_engine_configure() and asr_engine_process()
 * return ASR_OK; the output frame has the expected size: the buffer around
 * and between the planes' rows (stride padding, the gaps between planes, 64
 * bytes after the end) is filled with a canary that must stay intact, and
 * the rows themselves must have been written; no validation message. After a
 * warm-up (the first tenth of the frames, starting with the largest frame in
 * the largest format with every decoder on the largest subnet, so that the
 * grow-only pool has reached its size), device memory (AsrStats.device_bytes)
 * never exceeds its value at the end of the warm-up, no buffer, pipeline or
 * weight upload is added, and the resident set grows by less than 4 MiB
 * over the rest of the run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asr_test.h"

#define MIN_SIDE 4
#define MAX_SIDE 24
#define MAX_SCALE 3
/* Under AddressSanitizer (build-asan) freed memory sits in a quarantine of
 * up to 256 MiB and RSS grows: the RSS limit is not checked there. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_GROWTH_KIB (1024L * 1024 * 1024)
#else
#define RSS_GROWTH_KIB (4L * 1024)
#endif
#define CANARY_TAIL 64
/* Largest frame: 72x72 RGBA with up to 15 bytes of padding a row, plus gaps. */
#define BUF_BYTES (MAX_SIDE * MAX_SCALE * (MAX_SIDE * MAX_SCALE * 4 + 16) + 4096)

static const AsrPixelFormat formats[6] = {
    ASR_FORMAT_RGBA, ASR_FORMAT_BGRA, ASR_FORMAT_RGBX,
    ASR_FORMAT_BGRX, ASR_FORMAT_I420, ASR_FORMAT_NV12,
};
static const char *const format_names[7] = { "?", "RGBA", "BGRA", "RGBx", "BGRx", "I420", "NV12" };

typedef struct Layout {
    int planes;
    size_t row[ASR_MAX_PLANES];    /* bytes of pixels in a row */
    uint32_t rows[ASR_MAX_PLANES]; /* rows of the plane */
    size_t stride[ASR_MAX_PLANES];
    size_t offset[ASR_MAX_PLANES];
    size_t end; /* first byte after the last plane */
} Layout;

/* Planes of a w x h frame laid out in one buffer: each row followed by
 * `pad` bytes of stride padding, each plane by a gap of `gap` bytes. */
static void layout(Layout *l, AsrPixelFormat f, uint32_t w, uint32_t h, uint32_t pad,
                   uint32_t gap)
{
    memset(l, 0, sizeof(*l));
    uint32_t cw = (w + 1) / 2, ch = (h + 1) / 2;
    if (f == ASR_FORMAT_I420) {
        l->planes = 3;
        l->row[0] = w, l->rows[0] = h;
        l->row[1] = l->row[2] = cw, l->rows[1] = l->rows[2] = ch;
    } else if (f == ASR_FORMAT_NV12) {
        l->planes = 2;
        l->row[0] = w, l->rows[0] = h;
        l->row[1] = (size_t)cw * 2, l->rows[1] = ch;
    } else {
        l->planes = 1;
        l->row[0] = (size_t)w * 4, l->rows[0] = h;
    }
    size_t off = 0;
    for (int i = 0; i < l->planes; i++) {
        l->stride[i] = l->row[i] + pad;
        l->offset[i] = off;
        off += l->stride[i] * l->rows[i] + gap;
    }
    l->end = off;
}

static void frame_of(AsrFrame *fr, const Layout *l, uint8_t *buf)
{
    memset(fr, 0, sizeof(*fr));
    for (int i = 0; i < l->planes; i++) {
        fr->data[i] = buf + l->offset[i];
        fr->stride[i] = l->stride[i];
    }
}

static inline uint8_t canary(size_t i)
{
    return (uint8_t)(0xA5 ^ (i * 131));
}

/* 1 when byte i of the buffer is a pixel byte of a row of some plane. */
static int is_pixel(const Layout *l, size_t i)
{
    for (int p = 0; p < l->planes; p++) {
        if (i < l->offset[p] || i >= l->offset[p] + l->stride[p] * l->rows[p])
            continue;
        return (i - l->offset[p]) % l->stride[p] < l->row[p];
    }
    return 0;
}

static uint32_t rand_range(uint32_t *seed, uint32_t lo, uint32_t hi)
{
    return lo + test_rand(seed) % (hi - lo + 1);
}

static uint8_t in_buf[BUF_BYTES], out_buf[BUF_BYTES + CANARY_TAIL];

int main(int argc, char **argv)
{
    long frames = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    uint32_t seed = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 20240613u;
    if (frames < 10 || seed == 0) {
        fprintf(stderr, "usage: %s [FRAMES (>= 10) [SEED (> 0)]]\n", argv[0]);
        return 2;
    }
    const uint32_t seed0 = seed;
    long warmup = frames / 10;

    AsrEngine *e = test_engine_new();
    const int nsub = asr_engine_num_subnets(e);
    const float k0 = asr_engine_default_k(e);
    CHECK(nsub > 0);

    AsrFrameInfo in = { 0 }, out = { 0 };
    Layout li, lo;
    AsrStats st, warm;
    memset(&warm, 0, sizeof(warm));
    long rss_warm = 0, rss_max = 0, configures = 0;
    uint64_t dev_max_seen = 0;
    long per_format[7] = { 0 }, per_decoder[3] = { 0 }, per_subnet[16] = { 0 };
    long op_frames[16][3] = { { 0 } };
    double op_ms[16][3] = { { 0 } };
    int failed = 0;
    double t0 = test_now_s(), t_warm = t0;

    for (long n = 0; n < frames && !failed; n++) {
        /* The configuration: the largest first (one frame per decoder), then
         * a change on about a third of the frames. */
        int change = n == 0 || (n >= 3 && test_rand(&seed) % 3 == 0);
        uint32_t pad = 0;
        if (change) {
            AsrPixelFormat f;
            if (n == 0) {
                f = ASR_FORMAT_RGBA;
                in.width = in.height = MAX_SIDE;
                out.width = out.height = MAX_SIDE * MAX_SCALE;
            } else {
                f = formats[test_rand(&seed) % 6];
                in.width = rand_range(&seed, MIN_SIDE, MAX_SIDE);
                in.height = rand_range(&seed, MIN_SIDE, MAX_SIDE);
                out.width = rand_range(&seed, in.width, in.width * MAX_SCALE);
                out.height = rand_range(&seed, in.height, in.height * MAX_SCALE);
            }
            in.format = out.format = f;
            in.matrix = out.matrix = (AsrColorMatrix)(test_rand(&seed) % 3);
            in.range = out.range = (AsrColorRange)(test_rand(&seed) % 2);
            in.chroma_cosited_h = out.chroma_cosited_h = (uint8_t)(test_rand(&seed) % 2);
            in.chroma_cosited_v = out.chroma_cosited_v = (uint8_t)(test_rand(&seed) % 2);
            AsrStatus s = asr_engine_configure(e, &in, &out);
            if (s != ASR_OK) {
                FAIL("frame %ld: configure %s %ux%u -> %ux%u: %s: %s", n, format_names[f],
                     in.width, in.height, out.width, out.height, asr_status_to_string(s),
                     asr_engine_last_error(e));
                failed = 1;
                break;
            }
            configures++;
        }
        /* Strides and gaps may change on any frame. */
        pad = n == 0 ? 15 : test_rand(&seed) % 16;
        layout(&li, in.format, in.width, in.height, test_rand(&seed) % 16,
               test_rand(&seed) % 32);
        layout(&lo, out.format, out.width, out.height, pad, test_rand(&seed) % 32);
        if (li.end > BUF_BYTES || lo.end > BUF_BYTES) {
            FAIL("frame %ld: buffer of %zu / %zu bytes over %d", n, li.end, lo.end, BUF_BYTES);
            failed = 1;
            break;
        }

        /* The operating point. */
        AsrOpChoice op;
        if (n < 3) {
            op.subnet = nsub - 1;
            op.decoder = (AsrDecoderMode)n;
            op.k = k0;
        } else {
            /* Mostly the cheapest subnet (lavapipe: about 50 ms a frame, the
             * largest about 300 ms); one frame in 8 any subnet or -1. */
            op.subnet = test_rand(&seed) % 8
                            ? 0 : (int32_t)(test_rand(&seed) % (uint32_t)(nsub + 1)) - 1;
            op.decoder = (AsrDecoderMode)(test_rand(&seed) % 3);
            op.k = k0 * (float)(test_rand(&seed) % 2001) / 1000.0f;
        }
        CHECK_STATUS(asr_engine_set_op(e, &op), ASR_OK);

        /* Random input, canary output. */
        for (size_t i = 0; i < li.end; i++)
            in_buf[i] = (uint8_t)(test_rand(&seed) >> 24);
        size_t out_total = lo.end + CANARY_TAIL;
        for (size_t i = 0; i < out_total; i++)
            out_buf[i] = canary(i);
        AsrFrame fi, fo;
        frame_of(&fi, &li, in_buf);
        frame_of(&fo, &lo, out_buf);
        AsrStatus s = asr_engine_process(e, &fi, &fo);
        if (s != ASR_OK) {
            FAIL("frame %ld: process %s %ux%u -> %ux%u (subnet %d, decoder %d, k %g): %s: %s", n,
                 format_names[in.format], in.width, in.height, out.width, out.height,
                 op.subnet, (int)op.decoder, (double)op.k, asr_status_to_string(s),
                 asr_engine_last_error(e));
            failed = 1;
            break;
        }
        size_t bad = 0, first_bad = 0, written = 0;
        for (size_t i = 0; i < out_total; i++) {
            if (is_pixel(&lo, i)) {
                written += out_buf[i] != canary(i);
            } else if (out_buf[i] != canary(i)) {
                if (!bad++)
                    first_bad = i;
            }
        }
        if (bad || !written) {
            FAIL("frame %ld: %s %ux%u -> %ux%u (row padding %u): %zu canary byte(s) "
                 "overwritten (first at byte %zu of %zu), %zu pixel byte(s) written",
                 n, format_names[out.format], in.width, in.height, out.width, out.height, pad,
                 bad, first_bad, lo.end, written);
            failed = 1;
            break;
        }

        CHECK_STATUS(asr_engine_get_stats(e, &st), ASR_OK);
        per_format[in.format]++;
        per_decoder[st.op.decoder >= 0 && st.op.decoder < 3 ? st.op.decoder : 0]++;
        if (st.op.subnet >= 0 && st.op.subnet < 16 && st.op.decoder >= 0 &&
            st.op.decoder < 3) {
            per_subnet[st.op.subnet]++;
            op_frames[st.op.subnet][st.op.decoder]++;
            op_ms[st.op.subnet][st.op.decoder] += st.time.wall_ms;
        }
        if (st.counts.validation_messages != 0) {
            FAIL("frame %ld: %llu validation message(s)", n,
                 (unsigned long long)st.counts.validation_messages);
            failed = 1;
        }
        if (n + 1 == warmup) {
            warm = st;
            rss_warm = rss_max = test_rss_kib();
            t_warm = test_now_s();
        } else if (n + 1 > warmup) {
            long rss = test_rss_kib();
            if (rss > rss_max)
                rss_max = rss;
            if (st.memory.device_bytes > dev_max_seen)
                dev_max_seen = st.memory.device_bytes;
            if (st.memory.device_bytes > warm.memory.device_bytes ||
                st.counts.buffer_allocations != warm.counts.buffer_allocations ||
                st.counts.pipelines_created != warm.counts.pipelines_created || st.counts.weight_uploads != 1) {
                FAIL("frame %ld (%s %ux%u -> %ux%u): device bytes %llu (after the warm-up "
                     "%llu), buffer allocations %llu (%llu), pipelines %llu (%llu), weight "
                     "uploads %llu",
                     n, format_names[in.format], in.width, in.height, out.width, out.height,
                     (unsigned long long)st.memory.device_bytes,
                     (unsigned long long)warm.memory.device_bytes,
                     (unsigned long long)st.counts.buffer_allocations,
                     (unsigned long long)warm.counts.buffer_allocations,
                     (unsigned long long)st.counts.pipelines_created,
                     (unsigned long long)warm.counts.pipelines_created,
                     (unsigned long long)st.counts.weight_uploads);
                failed = 1;
            }
            if (rss > rss_warm + RSS_GROWTH_KIB) {
                FAIL("frame %ld: RSS %ld KiB, %ld KiB after the warm-up (limit +%ld KiB)", n, rss,
                     rss_warm, RSS_GROWTH_KIB);
                failed = 1;
            }
        }
    }
    double t1 = test_now_s();

    long rss_end = test_rss_kib();
    printf("%llu frames (%ld warm-up), %ld configures, seed %u: %.1f s (%.1f ms a frame; "
           "after the warm-up %.1f ms)\n",
           (unsigned long long)st.counts.frames, warmup, configures, (unsigned)seed0,
           t1 - t0, 1000.0 * (t1 - t0) / (double)(st.counts.frames ? st.counts.frames : 1),
           st.counts.frames > (uint64_t)warmup
               ? 1000.0 * (t1 - t_warm) / (double)(st.counts.frames - (uint64_t)warmup) : 0.0);
    printf("frames per format:");
    for (int f = 1; f <= 6; f++)
        printf(" %s %ld", format_names[f], per_format[f]);
    printf("; per decoder: heavy %ld, light %ld, routed %ld; per subnet:", per_decoder[0],
           per_decoder[1], per_decoder[2]);
    for (int i = 0; i < nsub && i < 16; i++)
        printf(" %ld", per_subnet[i]);
    printf("\n");
    printf("mean wall ms per operating point (subnet/decoder h, l, r):");
    for (int i = 0; i < nsub && i < 16; i++)
        for (int d = 0; d < 3; d++)
            if (op_frames[i][d])
                printf(" %d%c %.1f", i, "hlr"[d], op_ms[i][d] / (double)op_frames[i][d]);
    printf("\n");
    printf("device bytes after the warm-up %llu, most after it %llu, peak %llu; buffer "
           "allocations %llu, pipelines %llu, weight uploads %llu, validation messages %llu\n",
           (unsigned long long)warm.memory.device_bytes, (unsigned long long)dev_max_seen,
           (unsigned long long)st.memory.device_bytes_peak, (unsigned long long)st.counts.buffer_allocations,
           (unsigned long long)st.counts.pipelines_created, (unsigned long long)st.counts.weight_uploads,
           (unsigned long long)st.counts.validation_messages);
    printf("RSS after the warm-up %ld KiB, most after it %ld KiB, at the end %ld KiB (%+ld KiB, "
           "limit +%ld)\n",
           rss_warm, rss_max, rss_end, rss_max - rss_warm, RSS_GROWTH_KIB);

    CHECK(!failed);
    CHECK(st.counts.frames == (uint64_t)frames);
    CHECK(st.counts.validation_messages == 0);
    CHECK(rss_warm > 0 && rss_max <= rss_warm + RSS_GROWTH_KIB);
    asr_engine_free(&e);
    if (test_failures)
        fprintf(stderr, "%d check(s) failed\n", test_failures);
    return test_failures ? 1 : 0;
}
