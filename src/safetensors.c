/*
 * safetensors.c — parse and validate a .safetensors blob; see safetensors.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "safetensors.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

/* A header larger than this is certainly not one of ours (and protects the
 * JSON parser from a hostile length field). */
#define ASR_SAFETENSORS_MAX_HEADER (16u << 20)

struct AsrSafetensors {
    uint8_t *blob;       /* private copy of the whole file */
    size_t size;
    const uint8_t *data; /* start of the data section inside blob */
    size_t data_size;
    AsrTensor *tensors;  /* sorted by offset */
    size_t n_tensors;
    char **meta_keys;
    char **meta_values;
    size_t n_meta;
};

void asr_format_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

float asr_half_to_float(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    const uint32_t man = h & 0x3ffu;
    uint32_t bits;

    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: renormalise */
            int e = -1;
            uint32_t m = man;
            do {
                e++;
                m <<= 1;
            } while (!(m & 0x400u));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((m & 0x3ffu) << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

static float read_f32_le(const uint8_t *p)
{
    uint32_t bits = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                    ((uint32_t)p[3] << 24);
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

void asr_tensor_to_f32(const AsrTensor *t, float *dst)
{
    if (t->dtype == ASR_DTYPE_F32) {
        for (size_t i = 0; i < t->count; i++)
            dst[i] = read_f32_le(t->data + 4 * i);
    } else {
        for (size_t i = 0; i < t->count; i++)
            dst[i] = asr_half_to_float((uint16_t)(t->data[2 * i] | (t->data[2 * i + 1] << 8)));
    }
}

static int tensor_cmp_offset(const void *a, const void *b)
{
    const AsrTensor *ta = a, *tb = b;
    if (ta->offset != tb->offset)
        return ta->offset < tb->offset ? -1 : 1;
    if (ta->nbytes != tb->nbytes)
        return ta->nbytes < tb->nbytes ? -1 : 1;
    return 0;
}

/* An integer JSON value >= 0 (rejects floats, strings, negatives). */
static int json_uint(JsonNode *node, uint64_t *out)
{
    if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
        return 0;
    gint64 v = json_node_get_int(node);
    if (v < 0)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

static AsrStatus parse_metadata(AsrSafetensors *st, JsonNode *node, char *err, size_t errlen)
{
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        asr_format_error(err, errlen, "__metadata__ is not a JSON object");
        return ASR_ERROR_MODEL;
    }
    JsonObject *obj = json_node_get_object(node);
    GList *members = json_object_get_members(obj);
    guint n = g_list_length(members);
    AsrStatus ret = ASR_OK;

    st->meta_keys = calloc(n ? n : 1, sizeof(char *));
    st->meta_values = calloc(n ? n : 1, sizeof(char *));
    if (!st->meta_keys || !st->meta_values) {
        ret = ASR_ERROR_NO_MEMORY;
        goto done;
    }
    for (GList *l = members; l; l = l->next) {
        const char *key = l->data;
        JsonNode *v = json_object_get_member(obj, key);
        if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING) {
            asr_format_error(err, errlen, "__metadata__ field '%s' is not a string", key);
            ret = ASR_ERROR_MODEL;
            goto done;
        }
        st->meta_keys[st->n_meta] = g_strdup(key);
        st->meta_values[st->n_meta] = g_strdup(json_node_get_string(v));
        st->n_meta++;
        if (!st->meta_keys[st->n_meta - 1] || !st->meta_values[st->n_meta - 1]) {
            ret = ASR_ERROR_NO_MEMORY;
            goto done;
        }
    }
done:
    g_list_free(members);
    return ret;
}

static AsrStatus parse_tensor(AsrSafetensors *st, const char *name, JsonNode *node,
                              AsrTensor *t, char *err, size_t errlen)
{
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        asr_format_error(err, errlen, "tensor '%s': entry is not a JSON object", name);
        return ASR_ERROR_MODEL;
    }
    JsonObject *obj = json_node_get_object(node);

    JsonNode *dtype = json_object_get_member(obj, "dtype");
    if (!dtype || !JSON_NODE_HOLDS_VALUE(dtype) ||
        json_node_get_value_type(dtype) != G_TYPE_STRING) {
        asr_format_error(err, errlen, "tensor '%s': missing or non-string 'dtype'", name);
        return ASR_ERROR_MODEL;
    }
    const char *ds = json_node_get_string(dtype);
    size_t elem;
    if (!strcmp(ds, "F32")) {
        t->dtype = ASR_DTYPE_F32;
        elem = 4;
    } else if (!strcmp(ds, "F16")) {
        t->dtype = ASR_DTYPE_F16;
        elem = 2;
    } else {
        asr_format_error(err, errlen, "tensor '%s': dtype '%s' is not supported (F32 or F16)", name, ds);
        return ASR_ERROR_MODEL;
    }

    JsonNode *shape = json_object_get_member(obj, "shape");
    if (!shape || !JSON_NODE_HOLDS_ARRAY(shape)) {
        asr_format_error(err, errlen, "tensor '%s': missing or non-array 'shape'", name);
        return ASR_ERROR_MODEL;
    }
    JsonArray *sa = json_node_get_array(shape);
    guint nd = json_array_get_length(sa);
    if (nd > ASR_TENSOR_MAX_DIMS) {
        asr_format_error(err, errlen, "tensor '%s': %u dimensions (at most %d)", name, nd,
                ASR_TENSOR_MAX_DIMS);
        return ASR_ERROR_MODEL;
    }
    uint64_t count = 1;
    t->ndim = (int)nd;
    for (guint i = 0; i < nd; i++) {
        uint64_t d;
        if (!json_uint(json_array_get_element(sa, i), &d) || d > (1u << 30)) {
            asr_format_error(err, errlen, "tensor '%s': shape[%u] is not a valid size", name, i);
            return ASR_ERROR_MODEL;
        }
        t->shape[i] = (int64_t)d;
        count *= d;
        if (count > ((uint64_t)1 << 34)) {
            asr_format_error(err, errlen, "tensor '%s': too many elements", name);
            return ASR_ERROR_MODEL;
        }
    }

    JsonNode *offs = json_object_get_member(obj, "data_offsets");
    uint64_t begin, end;
    if (!offs || !JSON_NODE_HOLDS_ARRAY(offs) ||
        json_array_get_length(json_node_get_array(offs)) != 2 ||
        !json_uint(json_array_get_element(json_node_get_array(offs), 0), &begin) ||
        !json_uint(json_array_get_element(json_node_get_array(offs), 1), &end)) {
        asr_format_error(err, errlen, "tensor '%s': 'data_offsets' is not a pair of sizes", name);
        return ASR_ERROR_MODEL;
    }
    if (begin > end || end > st->data_size) {
        asr_format_error(err, errlen,
                "tensor '%s': data_offsets [%llu, %llu] lie outside the data section "
                "(%zu bytes)",
                name, (unsigned long long)begin, (unsigned long long)end, st->data_size);
        return ASR_ERROR_MODEL;
    }
    if (end - begin != count * elem) {
        asr_format_error(err, errlen,
                "tensor '%s': %llu bytes of data for a shape of %llu elements of %zu bytes",
                name, (unsigned long long)(end - begin), (unsigned long long)count, elem);
        return ASR_ERROR_MODEL;
    }
    t->name = g_strdup(name);
    if (!t->name)
        return ASR_ERROR_NO_MEMORY;
    t->count = (size_t)count;
    t->offset = (size_t)begin;
    t->nbytes = (size_t)(end - begin);
    t->data = st->data + begin;
    return ASR_OK;
}

static AsrStatus check_finite(const AsrTensor *t, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->count; i++) {
        float v = t->dtype == ASR_DTYPE_F32
                      ? read_f32_le(t->data + 4 * i)
                      : asr_half_to_float((uint16_t)(t->data[2 * i] | (t->data[2 * i + 1] << 8)));
        if (!isfinite(v)) {
            asr_format_error(err, errlen, "tensor '%s': element %zu is not finite (%f)", t->name, i,
                    (double)v);
            return ASR_ERROR_MODEL;
        }
    }
    return ASR_OK;
}

AsrStatus asr_safetensors_parse(const uint8_t *blob, size_t size, AsrSafetensors **out,
                                char *err, size_t errlen)
{
    AsrStatus ret = ASR_OK;
    AsrSafetensors *st = NULL;
    JsonParser *parser = NULL;
    GList *members = NULL;
    GError *gerr = NULL;

    asr_format_error(err, errlen, "%s", "");
    if (!out || (!blob && size)) {
        asr_format_error(err, errlen, "invalid argument");
        return ASR_ERROR_INVALID_ARGUMENT;
    }
    *out = NULL;
    if (size < 8) {
        asr_format_error(err, errlen, "file of %zu bytes is too short for a safetensors header", size);
        return ASR_ERROR_MODEL;
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | blob[i];
    if (hlen < 2 || hlen > ASR_SAFETENSORS_MAX_HEADER || hlen > size - 8) {
        asr_format_error(err, errlen, "header length %llu does not fit the file of %zu bytes",
                (unsigned long long)hlen, size);
        return ASR_ERROR_MODEL;
    }

    st = calloc(1, sizeof(*st));
    if (!st)
        return ASR_ERROR_NO_MEMORY;
    st->blob = malloc(size);
    if (!st->blob) {
        ret = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    memcpy(st->blob, blob, size);
    st->size = size;
    st->data = st->blob + 8 + hlen;
    st->data_size = size - 8 - (size_t)hlen;

    parser = json_parser_new();
    if (!json_parser_load_from_data(parser, (const char *)st->blob + 8, (gssize)hlen, &gerr)) {
        asr_format_error(err, errlen, "header JSON does not parse: %s", gerr ? gerr->message : "?");
        ret = ASR_ERROR_MODEL;
        goto error;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        asr_format_error(err, errlen, "header JSON is not an object");
        ret = ASR_ERROR_MODEL;
        goto error;
    }
    JsonObject *robj = json_node_get_object(root);
    members = json_object_get_members(robj);
    guint n = g_list_length(members);
    st->tensors = calloc(n ? n : 1, sizeof(AsrTensor));
    if (!st->tensors) {
        ret = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    for (GList *l = members; l; l = l->next) {
        const char *name = l->data;
        JsonNode *node = json_object_get_member(robj, name);
        if (!strcmp(name, "__metadata__")) {
            if ((ret = parse_metadata(st, node, err, errlen)) < 0)
                goto error;
            continue;
        }
        if ((ret = parse_tensor(st, name, node, &st->tensors[st->n_tensors], err, errlen)) < 0)
            goto error;
        st->n_tensors++;
    }

    qsort(st->tensors, st->n_tensors, sizeof(AsrTensor), tensor_cmp_offset);
    for (size_t i = 1; i < st->n_tensors; i++) {
        const AsrTensor *a = &st->tensors[i - 1], *b = &st->tensors[i];
        if (b->offset < a->offset + a->nbytes) {
            asr_format_error(err, errlen, "tensors '%s' and '%s' overlap in the data section", a->name,
                    b->name);
            ret = ASR_ERROR_MODEL;
            goto error;
        }
    }
    for (size_t i = 0; i < st->n_tensors; i++)
        if ((ret = check_finite(&st->tensors[i], err, errlen)) < 0)
            goto error;

    g_list_free(members);
    g_object_unref(parser);
    *out = st;
    return ASR_OK;

error:
    g_clear_error(&gerr);
    g_list_free(members);
    if (parser)
        g_object_unref(parser);
    asr_safetensors_free(&st);
    return ret;
}

AsrStatus asr_safetensors_load_file(const char *path, AsrSafetensors **out, char *err,
                                    size_t errlen)
{
    gchar *contents = NULL;
    gsize len = 0;
    GError *gerr = NULL;

    if (!path || !out) {
        asr_format_error(err, errlen, "invalid argument");
        return ASR_ERROR_INVALID_ARGUMENT;
    }
    *out = NULL;
    if (!g_file_get_contents(path, &contents, &len, &gerr)) {
        asr_format_error(err, errlen, "cannot read model file: %s", gerr->message);
        g_error_free(gerr);
        return ASR_ERROR_MODEL;
    }
    AsrStatus ret = asr_safetensors_parse((const uint8_t *)contents, len, out, err, errlen);
    g_free(contents);
    return ret;
}

size_t asr_safetensors_count(const AsrSafetensors *st)
{
    return st ? st->n_tensors : 0;
}

const AsrTensor *asr_safetensors_get(const AsrSafetensors *st, size_t i)
{
    return st && i < st->n_tensors ? &st->tensors[i] : NULL;
}

const AsrTensor *asr_safetensors_find(const AsrSafetensors *st, const char *name)
{
    if (!st || !name)
        return NULL;
    for (size_t i = 0; i < st->n_tensors; i++)
        if (!strcmp(st->tensors[i].name, name))
            return &st->tensors[i];
    return NULL;
}

const char *asr_safetensors_metadata(const AsrSafetensors *st, const char *key)
{
    if (!st || !key)
        return NULL;
    for (size_t i = 0; i < st->n_meta; i++)
        if (!strcmp(st->meta_keys[i], key))
            return st->meta_values[i];
    return NULL;
}

void asr_safetensors_free(AsrSafetensors **pst)
{
    if (!pst || !*pst)
        return;
    AsrSafetensors *st = *pst;
    for (size_t i = 0; i < st->n_tensors; i++)
        g_free((char *)st->tensors[i].name);
    free(st->tensors);
    for (size_t i = 0; i < st->n_meta; i++) {
        g_free(st->meta_keys[i]);
        g_free(st->meta_values[i]);
    }
    free(st->meta_keys);
    free(st->meta_values);
    free(st->blob);
    free(st);
    *pst = NULL;
}
