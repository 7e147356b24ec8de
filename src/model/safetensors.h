/*
 * safetensors.h — parse and validate a .safetensors blob (docs/design.md#model-file).
 *
 * The format: 8-byte little-endian header length N, N bytes of JSON, then raw
 * tensor data. The JSON maps tensor names to {dtype, shape, data_offsets}
 * (offsets relative to the start of the data section) and may hold a
 * "__metadata__" object of string values.
 *
 * asr_safetensors_parse() validates everything before anyone touches the
 * data: header length inside the blob, well-formed JSON (bounded nesting, no
 * duplicate keys, integers that fit), tensors covering the data section
 * exactly, supported dtypes
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
#include "half.h"

#define ASR_TENSOR_MAX_DIMS 8

/* A header larger than this is certainly not one of ours (and protects the
 * JSON parser from a hostile length field). */
#define ASR_SAFETENSORS_MAX_HEADER (16u << 20)

/* JSON nesting allowed in a header or metadata string (json-glib recurses
 * once per level). */
#define ASR_JSON_MAX_DEPTH 64

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

/*
 * Open the file at `path` and parse its header only: the file must be a
 * regular file (a directory, FIFO or device is refused without blocking), the
 * header length must fit the file and ASR_SAFETENSORS_MAX_HEADER, and the
 * tensors must cover the data section exactly (no bytes after them). Reads
 * 8 + header-length bytes, nothing else. The tensors of *out have no data
 * (NULL) until asr_safetensors_read_data(); the file stays open until then
 * or asr_safetensors_free().
 *
 * Returns ASR_OK, ASR_ERROR_INVALID_ARGUMENT, ASR_ERROR_NO_MEMORY or
 * ASR_ERROR_MODEL (the message names the file and the problem).
 */
AsrStatus asr_safetensors_open_file(const char *path, AsrSafetensors **out, char *err,
                                    size_t errlen);

/* Read the data section the header describes (exactly that many bytes) of an
 * object from asr_safetensors_open_file(), closing the file, and check every
 * value. On failure `st` stays to be freed by the caller. Same return codes. */
AsrStatus asr_safetensors_read_data(AsrSafetensors *st, char *err, size_t errlen);

/* asr_safetensors_open_file() then asr_safetensors_read_data(). */
AsrStatus asr_safetensors_load_file(const char *path, AsrSafetensors **out, char *err,
                                    size_t errlen);

/* The header bytes (8-byte length and JSON) and the data section (NULL and 0
 * before the data is read); together they are the whole file. Owned by `st`. */
void asr_safetensors_bytes(const AsrSafetensors *st, const uint8_t **head, size_t *head_size,
                           const uint8_t **data, size_t *data_size);

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

/* Load `len` bytes of JSON text into `parser`, refusing first what
 * json-glib would accept or mishandle: nesting deeper than
 * ASR_JSON_MAX_DEPTH (checked by a scan before json-glib parses), integer
 * literals outside int64 (json-glib wraps them), non-JSON tokens its lax
 * scanner takes (hex, octal, comments, single quotes, bare words), and
 * duplicate object keys (json-glib keeps the last). Returns 1 on success,
 * 0 with the reason in `why`. */
typedef struct _JsonParser JsonParser;
int asr_json_load(JsonParser *parser, const char *text, size_t len, char *why, size_t whylen);

#endif /* ANYSR_SRC_SAFETENSORS_H */
