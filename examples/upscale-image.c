/*
 * upscale-image: the smallest complete libanysr program. Reads a PNG (libpng's
 * simplified API), upscales it with the engine, writes a PNG.
 *
 *   upscale-image IN.png OUT.png [SCALE]      (SCALE 1 to 8, default 2)
 *
 * Build against an installed anysr:
 *
 *   cc upscale-image.c -o upscale-image $(pkg-config --cflags --libs anysr libpng)
 *
 * The element gives the same pixels for RGBA input (videoconvert !
 * video/x-raw,format=RGBA ! anysr scale=SCALE). docs/library.md walks
 * through it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <anysr/anysr.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The engine's messages, on stderr. */
static void
log_message(void *user_data, AsrLogLevel level, const char *message)
{
    (void)user_data;
    fprintf(stderr, "anysr[%d]: %s\n", (int)level, message);
}

static int
read_png(const char *path, png_image *image, uint8_t **pixels)
{
    memset(image, 0, sizeof(*image));
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(image, path)) {
        fprintf(stderr, "error: %s: %s\n", path, image->message);
        return -1;
    }
    image->format = PNG_FORMAT_RGBA; /* ASR_FORMAT_RGBA: R, G, B, A bytes */
    *pixels = malloc(PNG_IMAGE_SIZE(*image));
    if (!*pixels || !png_image_finish_read(image, NULL, *pixels, 0, NULL)) {
        fprintf(stderr, "error: %s: %s\n", path, *pixels ? image->message : "out of memory");
        png_image_free(image);
        return -1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s IN.png OUT.png [SCALE]\n", argv[0]);
        return 2;
    }
    double scale = argc == 4 ? atof(argv[3]) : 2.0;
    png_image in_png, out_png;
    uint8_t *in_pixels = NULL, *out_pixels = NULL;
    AsrEngine *engine = NULL;
    int ret = 1;

    if (read_png(argv[1], &in_png, &in_pixels) < 0)
        return 1;

    /* 1. an engine: default settings, the embedded model, the best device */
    AsrSettings settings;
    asr_settings_default(&settings);
    settings.log_callback = log_message;
    AsrStatus status = asr_engine_new(&settings, &engine);
    if (status < 0) {
        fprintf(stderr, "error: no engine: %s\n", asr_status_to_string(status));
        goto out;
    }

    /* 2. the two sides: same format, output = round(input x scale) */
    AsrFrameInfo in_info = { .format = ASR_FORMAT_RGBA, .width = in_png.width,
                             .height = in_png.height };
    AsrFrameInfo out_info = in_info;
    out_info.width = (uint32_t)lround(in_png.width * scale);
    out_info.height = (uint32_t)lround(in_png.height * scale);
    status = asr_engine_configure(engine, &in_info, &out_info);
    if (status < 0) {
        fprintf(stderr, "error: %ux%u -> %ux%u: %s\n", in_info.width, in_info.height,
                out_info.width, out_info.height, asr_engine_last_error(engine));
        goto out;
    }

    /* 3. one frame: packed RGBA, stride = 4 bytes a pixel */
    out_pixels = malloc((size_t)out_info.width * out_info.height * 4);
    if (!out_pixels)
        goto out;
    AsrFrame in_frame = { .data = { in_pixels }, .stride = { (size_t)in_info.width * 4 } };
    AsrFrame out_frame = { .data = { out_pixels }, .stride = { (size_t)out_info.width * 4 } };
    status = asr_engine_process(engine, &in_frame, &out_frame);
    if (status < 0) {
        fprintf(stderr, "error: %s\n", asr_engine_last_error(engine));
        goto out;
    }

    memset(&out_png, 0, sizeof(out_png));
    out_png.version = PNG_IMAGE_VERSION;
    out_png.format = PNG_FORMAT_RGBA;
    out_png.width = out_info.width;
    out_png.height = out_info.height;
    if (!png_image_write_to_file(&out_png, argv[2], 0, out_pixels, 0, NULL)) {
        fprintf(stderr, "error: %s: %s\n", argv[2], out_png.message);
        goto out;
    }
    printf("%s: %ux%u -> %ux%u on %s\n", argv[2], in_info.width, in_info.height,
           out_info.width, out_info.height, asr_engine_device_name(engine));
    ret = 0;

out:
    asr_engine_free(&engine);
    free(in_pixels);
    free(out_pixels);
    return ret;
}
