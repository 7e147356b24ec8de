/*
 * Tiles are exact (docs/design.md#memory-plan): a frame processed in bands
 * equals the same frame processed whole, byte for byte, for every format,
 * odd sizes, fractional and per-axis scales, both precisions, forced bands
 * as small as the halo allows (one input row; one depth tile of rows with a
 * depth adapter, whose default op then runs with spatial depth in both
 * engines) and bands the memory budget
 * forces; the encoder's feature maps are compared too (the exact pooling).
 * Also: device memory is counted and stays within the budget, a budget too
 * small for even the smallest bands is refused with a message naming it,
 * and no production buffer exists for the bicubic test path.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asr_test.h"
#include "frame.h"
#include "internal.h"

typedef struct Case {
    AsrPixelFormat fmt;
    uint32_t w, h, W, H;
    int subnet;            /* -1: the scale cap */
    AsrDecoderMode mode;
} Case;

static AsrEngine *new_engine(AsrPrecision prec, uint32_t tile_rows, uint64_t budget)
{
    AsrSettings s;
    test_settings_default(&s);
    s.precision = prec;
    s.tile_rows = tile_rows;
    s.memory_budget = budget;
    return test_engine_new_with(&s);
}

/* A frame in one malloc'd block with tight strides (4-byte rows). */
typedef struct Buf {
    AsrFrameLayout l;
    uint8_t *data;
    AsrFrame f;
} Buf;

static void buf_init(Buf *b, AsrPixelFormat fmt, uint32_t w, uint32_t h)
{
    asr_frame_layout(fmt, w, h, &b->l);
    b->data = calloc(1, b->l.size);
    if (!b->data)
        exit(1);
    memset(&b->f, 0, sizeof(b->f));
    for (uint32_t p = 0; p < b->l.num_planes; p++) {
        b->f.data[p] = b->data + b->l.offset[p];
        b->f.stride[p] = b->l.stride[p];
    }
}

/* Run one case; returns the output frame (caller frees) or NULL. */
static uint8_t *run(AsrEngine *e, const Case *c, const uint8_t *src, AsrStats *st)
{
    AsrFrameInfo in = { .format = c->fmt, .width = c->w, .height = c->h,
                        .matrix = ASR_MATRIX_BT709, .range = ASR_RANGE_LIMITED };
    AsrFrameInfo out = in;
    out.width = c->W;
    out.height = c->H;
    Buf bi, bo;
    buf_init(&bi, c->fmt, c->w, c->h);
    buf_init(&bo, c->fmt, c->W, c->H);
    memcpy(bi.data, src, bi.l.size);
    AsrOpChoice op = { c->subnet, c->mode, asr_engine_default_k(e) };
    AsrStatus s = asr_engine_set_op(e, &op);
    if (s == ASR_OK)
        s = asr_engine_configure(e, &in, &out);
    if (s == ASR_OK)
        s = asr_engine_process(e, &bi.f, &bo.f);
    free(bi.data);
    if (s != ASR_OK) {
        FAIL("%ux%u -> %ux%u: %s: %s", c->w, c->h, c->W, c->H, asr_status_to_string(s),
             asr_engine_last_error(e));
        free(bo.data);
        return NULL;
    }
    asr_engine_get_stats(e, st);
    return bo.data;
}

static void compare_case(AsrEngine *whole, AsrEngine *tiled, const Case *c, uint32_t *rs)
{
    AsrFrameLayout li, lo;
    asr_frame_layout(c->fmt, c->w, c->h, &li);
    asr_frame_layout(c->fmt, c->W, c->H, &lo);
    uint8_t *src = malloc(li.size);
    if (!src)
        exit(1);
    /* smooth content with noise: the router sends pixels both ways */
    for (size_t i = 0; i < li.size; i++)
        src[i] = (uint8_t)((i * 7 / 5 + (test_rand(rs) >> 28)) & 0xff);
    AsrStats sw, st;
    uint8_t *a = run(whole, c, src, &sw);
    uint8_t *b = run(tiled, c, src, &st);
    if (a && b) {
        size_t diff = 0, first = 0;
        int worst = 0;
        for (size_t i = 0; i < lo.size; i++) {
            int d = abs((int)a[i] - (int)b[i]);
            if (d && !diff++)
                first = i;
            worst = d > worst ? d : worst;
        }
        printf("%-10s %4ux%-4u -> %4ux%-4u subnet %2d %-6s: bands %u/%u vs %u/%u, %zu bytes "
               "differ (worst %d)\n", asr_format_name(c->fmt), c->w, c->h, c->W, c->H,
               c->subnet, c->mode == ASR_DECODER_ROUTED ? "routed" :
               c->mode == ASR_DECODER_HEAVY ? "heavy" : "light", sw.plan.encoder_bands,
               sw.plan.decoder_bands, st.plan.encoder_bands, st.plan.decoder_bands, diff, worst);
        /* the same arithmetic on the same values, in another order of
         * dispatches: identical bytes, not merely close */
        CHECK_MSG(diff == 0, "%s %ux%u -> %ux%u: %zu bytes differ from the untiled output, "
                  "first at %zu (%u vs %u)", asr_format_name(c->fmt), c->w, c->h, c->W, c->H,
                  diff, first, diff ? a[first] : 0, diff ? b[first] : 0);
        CHECK(sw.plan.encoder_bands == 1 && sw.plan.decoder_bands == 1);
        /* encoder bands of one row at least; of whole depth tiles with a
         * depth adapter (asr_net_plan) */
        uint32_t tile = asr_engine_debug_model(tiled)->arch.depth_tile;
        if (c->h > (tile ? tile : 1))
            CHECK_MSG(st.plan.encoder_bands > 1, "the tiled engine ran %u encoder band(s)",
                      st.plan.encoder_bands);
        if (c->h > 1)
            CHECK_MSG(st.plan.decoder_bands > 1, "the tiled engine ran %u decoder band(s)",
                      st.plan.decoder_bands);
        /* the encoder's output, whole frame: equal too */
        size_t nf = (size_t)32 * c->w * c->h * sizeof(float);
        float *fa = malloc(nf), *fb = malloc(nf);
        if (fa && fb && asr_engine_debug_read(whole, ASR_DEBUG_ENC, 0, fa, nf) == ASR_OK &&
            asr_engine_debug_read(tiled, ASR_DEBUG_ENC, 0, fb, nf) == ASR_OK)
            CHECK_MSG(!memcmp(fa, fb, nf), "encoder output differs between tiled and whole");
        else
            FAIL("could not read the encoder output");
        free(fa);
        free(fb);
    }
    free(a);
    free(b);
    free(src);
}

static const AsrPixelFormat formats[] = { ASR_FORMAT_RGBA, ASR_FORMAT_BGRA, ASR_FORMAT_RGBX,
                                          ASR_FORMAT_BGRX, ASR_FORMAT_I420, ASR_FORMAT_NV12,
                                          ASR_FORMAT_P010, ASR_FORMAT_I420_10,
                                          ASR_FORMAT_RGB10A2, ASR_FORMAT_BGR10A2 };

static void exactness(AsrPrecision prec, uint32_t *rs)
{
    /* bands taller than any frame: one band (a CPU device would otherwise
     * split frames into bands of bounded work) */
    AsrEngine *whole = new_engine(prec, 1u << 30, 0);
    AsrEngine *tiled = new_engine(prec, 1, 0); /* one input row per band: the smallest */
    AsrStats s0;
    asr_engine_get_stats(whole, &s0);
    printf("== %s\n", s0.plan.precision == ASR_PRECISION_FP16 ? "fp16" : "fp32");
    test_check_kernels(whole, "tiles-exact (whole)");
    test_check_kernels(tiled, "tiles-exact (tiled)");
    /* scales 1.3, 2, (1.5, 2), 3.7, 8 and the acceptance's 257x193 at 2.5 */
    const Case cases[] = {
        { ASR_FORMAT_RGBA, 257, 193, 643, 483, 0, ASR_DECODER_ROUTED },
        { ASR_FORMAT_RGBA, 1, 1, 2, 2, -1, ASR_DECODER_ROUTED },
        { ASR_FORMAT_RGBA, 1, 1, 8, 8, 0, ASR_DECODER_HEAVY },
        { ASR_FORMAT_RGBX, 4099, 3, 8198, 6, 0, ASR_DECODER_LIGHT },
        { ASR_FORMAT_NV12, 17, 13, 22, 17, -1, ASR_DECODER_ROUTED },   /* 1.3 */
        { ASR_FORMAT_I420, 17, 13, 34, 26, 1, ASR_DECODER_ROUTED },    /* 2 */
        { ASR_FORMAT_BGRA, 17, 13, 26, 26, -1, ASR_DECODER_ROUTED },   /* (1.5, 2) */
        { ASR_FORMAT_BGRX, 17, 13, 63, 48, 0, ASR_DECODER_ROUTED },    /* 3.7 */
        { ASR_FORMAT_NV12, 17, 13, 136, 104, 0, ASR_DECODER_LIGHT },   /* 8 */
        { ASR_FORMAT_I420, 15, 11, 56, 41, 3, ASR_DECODER_HEAVY },     /* 3.7, full op */
        { ASR_FORMAT_P010, 17, 13, 34, 26, 1, ASR_DECODER_ROUTED },    /* 10-bit, 2 */
        { ASR_FORMAT_I420_10, 15, 11, 22, 17, -1, ASR_DECODER_LIGHT }, /* 10-bit, 1.5 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        compare_case(whole, tiled, &cases[i], rs);
    /* every format at an odd size and the scale 2.5 */
    for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
        Case c = { formats[f], 19, 9, 48, 23, -1, ASR_DECODER_ROUTED };
        compare_case(whole, tiled, &c, rs);
    }
    AsrStats st;
    asr_engine_get_stats(tiled, &st);
    CHECK(st.counts.validation_messages == 0);
    asr_engine_free(&whole);
    asr_engine_free(&tiled);
}

/* Bands chosen by the memory budget (not forced): the decoder's window
 * shrinks to fit, the peak stays within the budget, the output is exact;
 * a budget below the whole-frame buffers is refused, naming the budget. */
static void budget(uint32_t *rs)
{
    const Case c = { ASR_FORMAT_RGBA, 64, 48, 160, 120, 0, ASR_DECODER_ROUTED };
    AsrEngine *whole = new_engine(ASR_PRECISION_AUTO, 0, 0);
    AsrStats sw;
    AsrFrameLayout li;
    asr_frame_layout(c.fmt, c.w, c.h, &li);
    uint8_t *src = malloc(li.size);
    for (size_t i = 0; i < li.size; i++)
        src[i] = (uint8_t)(test_rand(rs) >> 24);
    uint8_t *a = run(whole, &c, src, &sw);
    /* weights + whole-frame buffers + a quarter of the decoder windows */
    asr_engine_trim(whole);
    AsrStats base;
    asr_engine_get_stats(whole, &base);
    printf("budget: untiled %llu bytes now, peak %llu\n", (unsigned long long)base.memory.device_bytes,
           (unsigned long long)sw.memory.device_bytes_peak);
    uint64_t limit = base.memory.device_bytes - (uint64_t)160 * 120 * 9 * 4 * 3 / 4;
    AsrEngine *small = new_engine(ASR_PRECISION_AUTO, 0, limit);
    AsrStats ss;
    uint8_t *b = run(small, &c, src, &ss);
    if (a && b) {
        AsrFrameLayout lo;
        asr_frame_layout(c.fmt, c.W, c.H, &lo);
        CHECK_MSG(!memcmp(a, b, lo.size), "budget-banded output differs from the untiled one");
        CHECK_MSG(ss.plan.decoder_bands > 1, "decoder bands %u under a budget of %llu bytes",
                  ss.plan.decoder_bands, (unsigned long long)limit);
        CHECK_MSG(ss.memory.device_bytes_peak <= limit, "peak %llu bytes above the budget of %llu",
                  (unsigned long long)ss.memory.device_bytes_peak, (unsigned long long)limit);
        printf("budget %llu: %u decoder bands, peak %llu bytes\n", (unsigned long long)limit,
               ss.plan.decoder_bands, (unsigned long long)ss.memory.device_bytes_peak);
    }
    free(a);
    free(b);
    asr_engine_free(&small);

    /* too small: refused with the reason */
    AsrEngine *tiny = new_engine(ASR_PRECISION_AUTO, 0, base.memory.device_bytes / 4);
    AsrFrameInfo in = { .format = c.fmt, .width = c.w, .height = c.h };
    AsrFrameInfo out = { .format = c.fmt, .width = c.W, .height = c.H };
    CHECK_STATUS(asr_engine_configure(tiny, &in, &out), ASR_ERROR_UNSUPPORTED);
    CHECK_MSG(strstr(asr_engine_last_error(tiny), "memory budget") != NULL, "message: %s",
              asr_engine_last_error(tiny));
    printf("refused: %s\n", asr_engine_last_error(tiny));
    asr_engine_free(&tiny);
    /* whichever buffers do not fit (frames, feature maps, decoder window),
     * the message names the budget set, not what is left of it */
    int refusals = 0;
    for (uint64_t k = 1; k < 16; k++) {
        uint64_t set = base.memory.device_bytes * k / 16;
        AsrEngine *t = new_engine(ASR_PRECISION_AUTO, 0, set);
        if (asr_engine_configure(t, &in, &out) != ASR_OK) {
            char want[80];
            snprintf(want, sizeof(want), "memory budget of %llu bytes", (unsigned long long)set);
            CHECK_MSG(strstr(asr_engine_last_error(t), want) != NULL, "budget %llu: %s",
                      (unsigned long long)set, asr_engine_last_error(t));
            refusals++;
        }
        asr_engine_free(&t);
    }
    CHECK(refusals > 0);

    /* the bicubic test path's scratch exists only while it is on */
    AsrStats b0, b1, b2;
    asr_engine_get_stats(whole, &b0);
    CHECK_STATUS(asr_engine_debug_set_bicubic(whole, 1), ASR_OK);
    asr_engine_get_stats(whole, &b1);
    CHECK_STATUS(asr_engine_debug_set_bicubic(whole, 0), ASR_OK);
    asr_engine_trim(whole);
    asr_engine_get_stats(whole, &b2);
    CHECK_MSG(b1.memory.device_bytes > b0.memory.device_bytes && b2.memory.device_bytes == b0.memory.device_bytes,
              "bicubic scratch: %llu -> %llu -> %llu bytes", (unsigned long long)b0.memory.device_bytes,
              (unsigned long long)b1.memory.device_bytes, (unsigned long long)b2.memory.device_bytes);
    asr_engine_free(&whole);
    free(src);
}

int main(void)
{
    uint32_t rs = 0x1234567u;
    exactness(ASR_PRECISION_FP32, &rs);
    exactness(ASR_PRECISION_FP16, &rs);
    budget(&rs);
    if (test_failures)
        fprintf(stderr, "%d check(s) failed\n", test_failures);
    return test_failures ? 1 : 0;
}
