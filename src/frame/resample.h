/*
 * Bicubic resampler (Pillow-aligned Keys, a = -0.5), as two separable passes
 * over planar float images: horizontal (src -> tmp, rounded to 8-bit levels
 * like Pillow's intermediate image), then vertical (tmp -> dst).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_RESAMPLE_H
#define ASR_RESAMPLE_H

#include "pipeline.h"
#include "params.h"

typedef struct AsrResample {
    AsrPass h;
    AsrPass v;
} AsrResample;

/* Geometry of one resampling: planes of in_w x in_h -> out_w x out_h. */
typedef struct AsrResampleSize {
    uint32_t in_w, in_h, out_w, out_h;
    uint32_t planes;
    uint32_t levels; /* levels of the intermediate image: 255, or 1023 (10-bit formats) */
} AsrResampleSize;

AsrStatus asr_resample_create(AsrDevice *d, AsrResample *r);
void asr_resample_destroy(AsrDevice *d, AsrResample *r);

/* Elements of the intermediate (horizontal pass) image. */
uint64_t asr_resample_tmp_elems(const AsrResampleSize *s);

/* Bind src (in_w x in_h planes), tmp (out_w x in_h) and dst (out_w x out_h). */
void asr_resample_bind(AsrDevice *d, AsrResample *r, const AsrBufferRange *src,
                       const AsrBufferRange *tmp, const AsrBufferRange *dst);

/* Record both passes with a barrier between them; the caller orders src
 * before and dst after. */
void asr_resample_record(AsrDevice *d, VkCommandBuffer cb, const AsrResample *r,
                         const AsrResampleSize *s);

/* Largest workgroup count along x and y of either pass. */
void asr_resample_groups(const AsrResample *r, const AsrResampleSize *s, uint32_t groups[2]);

#endif /* ASR_RESAMPLE_H */
