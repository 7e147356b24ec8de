/*
 * asr-rgba-tool: upscale a raw packed 8-bit frame with libanysr's internal
 * bicubic path (src/internal.h).
 *
 *   asr-rgba-tool FORMAT IN_W IN_H OUT_W OUT_H in.raw out.raw
 *
 * FORMAT is RGBA, BGRA, RGBx or BGRx; rows are tightly packed (4 * width).
 * Used by tests/common/pillow_bicubic.py (engine). Exit status 0 on success.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "internal.h"
#include "asr_test.h"

static AsrPixelFormat parse_format(const char *s)
{
    static const struct { const char *name; AsrPixelFormat f; } t[] = {
        { "RGBA", ASR_FORMAT_RGBA }, { "BGRA", ASR_FORMAT_BGRA },
        { "RGBx", ASR_FORMAT_RGBX }, { "BGRx", ASR_FORMAT_BGRX },
    };
    for (size_t i = 0; i < ASR_ARRAY_SIZE_(t); i++)
        if (!strcmp(s, t[i].name))
            return t[i].f;
    return ASR_FORMAT_UNKNOWN;
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: %s FORMAT IN_W IN_H OUT_W OUT_H in.raw out.raw\n", argv[0]);
        return 2;
    }
    AsrPixelFormat fmt = parse_format(argv[1]);
    uint32_t iw = (uint32_t)atoi(argv[2]), ih = (uint32_t)atoi(argv[3]);
    uint32_t ow = (uint32_t)atoi(argv[4]), oh = (uint32_t)atoi(argv[5]);
    if (fmt == ASR_FORMAT_UNKNOWN || !iw || !ih || !ow || !oh) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    size_t in_size = (size_t)iw * ih * 4, out_size = (size_t)ow * oh * 4;
    uint8_t *src = malloc(in_size), *dst = malloc(out_size);
    FILE *f = fopen(argv[6], "rb");
    if (!src || !dst || !f || fread(src, 1, in_size, f) != in_size) {
        fprintf(stderr, "cannot read %s\n", argv[6]);
        return 1;
    }
    fclose(f);

    AsrEngine *e = test_engine_new();
    asr_engine_debug_set_bicubic(e, 1); /* the internal bicubic path */
    AsrFrameInfo in = { .format = fmt, .width = iw, .height = ih };
    AsrFrameInfo out = { .format = fmt, .width = ow, .height = oh };
    AsrFrame fin = { { src }, { (size_t)iw * 4 } }, fout = { { dst }, { (size_t)ow * 4 } };
    AsrStatus st = asr_engine_configure(e, &in, &out);
    if (st == ASR_OK)
        st = asr_engine_process(e, &fin, &fout);
    if (st != ASR_OK) {
        fprintf(stderr, "anysr: %s: %s\n", asr_status_to_string(st), asr_engine_last_error(e));
        return 1;
    }
    AsrStats stats;
    asr_engine_get_stats(e, &stats);
    asr_engine_free(&e);
    if (stats.counts.validation_messages) {
        fprintf(stderr, "%llu validation messages\n", (unsigned long long)stats.counts.validation_messages);
        return 1;
    }

    f = fopen(argv[7], "wb");
    if (!f || fwrite(dst, 1, out_size, f) != out_size || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", argv[7]);
        return 1;
    }
    free(src);
    free(dst);
    return 0;
}
