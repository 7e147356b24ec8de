/*
 * safetensors.h — parse and validate a .safetensors blob (DESIGN.md section 4).
 *
 * The format: 8-byte little-endian header length N, N bytes of JSON, then raw
 * tensor data. The JSON maps tensor names to {dtype, shape, data_offsets}
 * (offsets relative to the start of the data section) and may hold a
 * "__metadata__" object of string values.
 *
 * asr_safetensors_parse() validates everything before anyone touches the
 * data: header length inside the blob, well-formed JSON, supported dtypes
 * (F32, F16), integer non-negative shapes whose byte size matches the
 * offsets, offsets inside the data section, no two tensors overlapping,
 * metadata values that are strings, and every value finite. A failure
 * returns ASR_ERROR_MODEL with a message naming the field or tensor.
 *
 * Thread safety: an AsrSafetensors is immutable after parsing; concurrent
 * readers are fine. SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_SRC_SAFETENSORS_H
#define ANYSR_SRC_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "anysr/anysr.h"

#define ASR_TENSOR_MAX_DIMS 8

typedef enum AsrDType {
    ASR_DTYPE_F32 = 0,
    ASR_DTYPE_F16 = 1,
} AsrDType;

typedef struct AsrTensor {
    const char *name;         /* owned by the AsrSafetensors */
    AsrDType dtype;
    int ndim;
    int64_t shape[ASR_TENSOR_MAX_DIMS];
    size_t count;             /* number of elements */
    size_t offset;            /* byte offset inside the data section */
    size_t nbytes;
    const uint8_t *data;      /* points into the AsrSafetensors' copy */
} AsrTensor;

typedef struct AsrSafetensors AsrSafetensors;

/*
 * Parse `size` bytes at `blob`. The blob is copied; the caller keeps
 * ownership of `blob`. On success *out receives a new object released with
 * asr_safetensors_free(). On failure *out is NULL and `err` (when not NULL)
 * holds a NUL-terminated message of at most errlen bytes.
 *
 * Returns ASR_OK, ASR_ERROR_INVALID_ARGUMENT, ASR_ERROR_NO_MEMORY or
 * ASR_ERROR_MODEL.
 */
AsrStatus asr_safetensors_parse(const uint8_t *blob, size_t size, AsrSafetensors **out,
                                char *err, size_t errlen);

/* Read the file at `path` and parse it; as asr_safetensors_parse(), plus
 * ASR_ERROR_MODEL when the file cannot be read (the message names it). */
AsrStatus asr_safetensors_load_file(const char *path, AsrSafetensors **out, char *err,
                                    size_t errlen);

/* Number of tensors, and the i-th in file order of data offsets. */
size_t asr_safetensors_count(const AsrSafetensors *st);
const AsrTensor *asr_safetensors_get(const AsrSafetensors *st, size_t i);

/* The tensor called `name`, or NULL. */
const AsrTensor *asr_safetensors_find(const AsrSafetensors *st, const char *name);

/* The "__metadata__" string value for `key`, or NULL. Owned by `st`. */
const char *asr_safetensors_metadata(const AsrSafetensors *st, const char *key);

/* Convert a tensor's values to float (F16 widened, F32 copied, both read as
 * little-endian). `dst` holds t->count floats. */
void asr_tensor_to_f32(const AsrTensor *t, float *dst);

/* Releases `*st` and sets it to NULL; accepts NULL. */
void asr_safetensors_free(AsrSafetensors **st);

/* printf into a caller's error buffer of errlen bytes (nothing when err is
 * NULL or errlen 0); the loaders' one way of writing their messages. */
void asr_format_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* IEEE half (binary16) bits to float. */
float asr_half_to_float(uint16_t h);

#endif /* ANYSR_SRC_SAFETENSORS_H */
