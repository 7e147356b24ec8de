/*
 * safetensors.c — parse and validate a .safetensors blob; see safetensors.h.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC, S_ISSOCK */

#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

struct AsrSafetensors {
    uint8_t *head;       /* the 8-byte length and the JSON header */
    size_t head_size;
    uint8_t *data;       /* the data section; NULL until read */
    size_t data_size;
    int fd;              /* asr_safetensors_open_file(): the file, until its data is read */
    char *path;
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
/* A non-negative integer: 1; an integer below zero (json-glib stores one
 * from 2^63 to 2^64 - 1 as one, wrapped): -1 with its 64 bits in *out (the
 * data offsets report it as outside the data section); else 0. */
static int json_uint(JsonNode *node, uint64_t *out)
{
    if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
        return 0;
    gint64 v = json_node_get_int(node);
    *out = (uint64_t)v;
    return v < 0 ? -1 : 1;
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
        if (json_uint(json_array_get_element(sa, i), &d) != 1 || d > (1u << 30)) {
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
    /* unsigned: an offset of 2^63 or more (or below zero) is outside too */
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
    t->data = NULL; /* attach_data() */
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

/* ------------------------------------------------------------------------ */
/* JSON before json-glib sees it */

/* A strict JSON number at s[0..len): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 * Returns its length (0: not one) and whether it is an integer literal. */
static size_t json_number_len(const char *s, size_t len, int *is_int)
{
    size_t i = 0;
    *is_int = 1;
    if (i < len && s[i] == '-')
        i++;
    if (i >= len || !g_ascii_isdigit(s[i]))
        return 0;
    if (s[i] == '0')
        i++;
    else
        while (i < len && g_ascii_isdigit(s[i]))
            i++;
    if (i < len && s[i] == '.') {
        *is_int = 0;
        if (++i >= len || !g_ascii_isdigit(s[i]))
            return 0;
        while (i < len && g_ascii_isdigit(s[i]))
            i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        *is_int = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= len || !g_ascii_isdigit(s[i]))
            return 0;
        while (i < len && g_ascii_isdigit(s[i]))
            i++;
    }
    return i;
}

static int json_delimiter(char c)
{
    return c == ',' || c == ']' || c == '}' || c == ':' || c == ' ' || c == '\t' || c == '\n' ||
           c == '\r';
}

/* The token-level checks json-glib does not make (its GScanner is lax, and it
 * recurses once per nesting level): nesting at most ASR_JSON_MAX_DEPTH deep,
 * strict JSON number literals (no hex, octal, leading '+' or '.'), integers
 * that fit int64 (json-glib wraps them silently), no comments, no
 * single-quoted strings, no identifiers but true/false/null. The grammar is
 * left to json-glib. One pass over the bytes, no recursion. */
static int json_prescan(const char *s, size_t len, char *why, size_t whylen)
{
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        const char c = s[i];
        if (c == '"') {
            for (i++; i < len && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
            if (i >= len) {
                asr_format_error(why, whylen, "unterminated string");
                return 0;
            }
        } else if (c == '[' || c == '{') {
            if (++depth > ASR_JSON_MAX_DEPTH) {
                asr_format_error(why, whylen, "nested more than %d levels deep at byte %zu",
                        ASR_JSON_MAX_DEPTH, i);
                return 0;
            }
        } else if (c == ']' || c == '}') {
            if (depth > 0)
                depth--;
        } else if (c == '-' || g_ascii_isdigit(c)) {
            int is_int;
            size_t n = json_number_len(s + i, len - i, &is_int);
            if (!n || (i + n < len && !json_delimiter(s[i + n]))) {
                asr_format_error(why, whylen, "malformed number at byte %zu", i);
                return 0;
            }
            if (is_int) {
                const int neg = c == '-';
                const char *d = s + i + neg;
                size_t nd = n - (size_t)neg;
                /* signed 64 bits below zero, unsigned above (json_uint()) */
                if ((neg && (nd > 19 || (nd == 19 && memcmp(d, "9223372036854775808", 19) > 0))) ||
                    (!neg && (nd > 20 || (nd == 20 && memcmp(d, "18446744073709551615", 20) > 0)))) {
                    asr_format_error(why, whylen, "integer %.*s%s at byte %zu does not fit 64 bits",
                            (int)(n < 32 ? n : 32), s + i, n < 32 ? "" : "...", i);
                    return 0;
                }
            }
            i += n - 1;
        } else if (g_ascii_isalpha(c)) {
            size_t n = 0;
            while (i + n < len && g_ascii_isalpha(s[i + n]))
                n++;
            if (!((n == 4 && !memcmp(s + i, "true", 4)) || (n == 4 && !memcmp(s + i, "null", 4)) ||
                  (n == 5 && !memcmp(s + i, "false", 5)))) {
                asr_format_error(why, whylen, "unexpected word '%.*s' at byte %zu",
                        (int)(n < 32 ? n : 32), s + i, i);
                return 0;
            }
            i += n - 1;
        } else if (!json_delimiter(c)) {
            asr_format_error(why, whylen, "unexpected character 0x%02x at byte %zu",
                    (unsigned)(unsigned char)c, i);
            return 0;
        }
    }
    return 1;
}

typedef struct DupCheck {
    GHashTable *counts; /* JsonObject * -> members seen so far */
    char *dup;          /* the first duplicate key */
} DupCheck;

/* json-glib emits "object-member" after storing each member, replacing an
 * earlier one of the same name: a member count that does not grow is a
 * duplicate. */
static void on_object_member(JsonParser *parser, JsonObject *obj, const gchar *name, gpointer user)
{
    DupCheck *dc = user;
    (void)parser;
    guint seen = GPOINTER_TO_UINT(g_hash_table_lookup(dc->counts, obj)) + 1;
    g_hash_table_insert(dc->counts, obj, GUINT_TO_POINTER(seen));
    if (json_object_get_size(obj) != seen && !dc->dup)
        dc->dup = g_strdup(name);
}

int asr_json_load(JsonParser *parser, const char *text, size_t len, char *why, size_t whylen)
{
    GError *gerr = NULL;
    DupCheck dc = { NULL, NULL };
    int ok = 0;

    if (len > G_MAXSSIZE || !json_prescan(text, len, why, whylen))
        return 0;
    dc.counts = g_hash_table_new(g_direct_hash, g_direct_equal);
    gulong id = g_signal_connect(parser, "object-member", G_CALLBACK(on_object_member), &dc);
    if (!json_parser_load_from_data(parser, text, (gssize)len, &gerr))
        asr_format_error(why, whylen, "%s", gerr ? gerr->message : "?");
    else if (dc.dup)
        asr_format_error(why, whylen, "duplicate key '%s'", dc.dup);
    else
        ok = 1;
    g_signal_handler_disconnect(parser, id);
    g_hash_table_destroy(dc.counts);
    g_free(dc.dup);
    g_clear_error(&gerr);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* container */

static AsrStatus header_length(const uint8_t first[8], uint64_t file_size, uint64_t *hlen,
                               char *err, size_t errlen)
{
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--)
        h = (h << 8) | first[i];
    if (h < 2 || h > ASR_SAFETENSORS_MAX_HEADER || h > file_size - 8) {
        /* a text file (a README, a JSON, a script) reads as a huge length */
        int text = 1;
        for (int i = 0; i < 8; i++)
            text = text && first[i] >= 0x09 && first[i] < 0x7f;
        if (text || h > ((uint64_t)1 << 32))
            asr_format_error(err, errlen, "not a safetensors file: its first 8 bytes are not a "
                    "header length (as one: %llu, the file has %llu bytes)",
                    (unsigned long long)h, (unsigned long long)file_size);
        else
            asr_format_error(err, errlen, "header length %llu does not fit the file of %llu "
                    "bytes%s", (unsigned long long)h, (unsigned long long)file_size,
                    h > ASR_SAFETENSORS_MAX_HEADER ? " (or the 16 MiB limit)" : "");
        return ASR_ERROR_MODEL;
    }
    *hlen = h;
    return ASR_OK;
}

/* Parses the 8 + hlen header bytes at `head` of a file of `file_size` bytes;
 * the tensors get offsets but no data yet. */
static AsrStatus parse_header(const uint8_t *head, uint64_t hlen, uint64_t file_size,
                              AsrSafetensors **out, char *err, size_t errlen)
{
    AsrStatus ret = ASR_OK;
    AsrSafetensors *st = NULL;
    JsonParser *parser = NULL;
    GList *members = NULL;
    char why[256];

    st = calloc(1, sizeof(*st));
    if (!st)
        return ASR_ERROR_NO_MEMORY;
    st->fd = -1;
    st->head = malloc(8 + (size_t)hlen);
    if (!st->head) {
        ret = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    memcpy(st->head, head, 8 + (size_t)hlen);
    st->head_size = 8 + (size_t)hlen;
    st->data_size = (size_t)(file_size - 8 - hlen);

    parser = json_parser_new();
    if (!asr_json_load(parser, (const char *)st->head + 8, (size_t)hlen, why, sizeof(why))) {
        asr_format_error(err, errlen, "header JSON does not parse: %s", why);
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
    size_t data_end = 0;
    for (size_t i = 0; i < st->n_tensors; i++) {
        const AsrTensor *a = &st->tensors[i];
        if (i > 0 && a->offset < st->tensors[i - 1].offset + st->tensors[i - 1].nbytes) {
            asr_format_error(err, errlen, "tensors '%s' and '%s' overlap in the data section",
                    st->tensors[i - 1].name, a->name);
            ret = ASR_ERROR_MODEL;
            goto error;
        }
        data_end = a->offset + a->nbytes;
    }
    /* As the safetensors format says: the data section holds the tensors and
     * nothing after them (so nothing else is ever read). */
    if (data_end != st->data_size) {
        asr_format_error(err, errlen, "%zu bytes after the tensors' data (the header describes "
                "%zu bytes of data, the file holds %zu)", st->data_size - data_end, data_end,
                st->data_size);
        ret = ASR_ERROR_MODEL;
        goto error;
    }

    g_list_free(members);
    g_object_unref(parser);
    *out = st;
    return ASR_OK;

error:
    g_list_free(members);
    if (parser)
        g_object_unref(parser);
    asr_safetensors_free(&st);
    return ret;
}

/* Takes ownership of `data` (st->data_size bytes), points the tensors into
 * it and checks every value. */
static AsrStatus attach_data(AsrSafetensors *st, uint8_t *data, char *err, size_t errlen)
{
    st->data = data;
    for (size_t i = 0; i < st->n_tensors; i++)
        st->tensors[i].data = st->data + st->tensors[i].offset;
    for (size_t i = 0; i < st->n_tensors; i++) {
        AsrStatus ret = check_finite(&st->tensors[i], err, errlen);
        if (ret < 0)
            return ret;
    }
    return ASR_OK;
}

AsrStatus asr_safetensors_parse(const uint8_t *blob, size_t size, AsrSafetensors **out,
                                char *err, size_t errlen)
{
    AsrStatus ret;
    AsrSafetensors *st = NULL;
    uint64_t hlen;

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
    if ((ret = header_length(blob, size, &hlen, err, errlen)) < 0)
        return ret;
    if ((ret = parse_header(blob, hlen, size, &st, err, errlen)) < 0)
        return ret;
    uint8_t *data = malloc(st->data_size ? st->data_size : 1);
    if (!data) {
        ret = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    if (st->data_size)
        memcpy(data, blob + st->head_size, st->data_size);
    if ((ret = attach_data(st, data, err, errlen)) < 0)
        goto error;
    *out = st;
    return ASR_OK;

error:
    asr_safetensors_free(&st);
    return ret;
}

/* Reads exactly `n` bytes at the file position; 0 on success. */
static int read_exact(int fd, uint8_t *buf, size_t n)
{
    while (n) {
        ssize_t r = read(fd, buf, n > (1u << 30) ? (1u << 30) : n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? errno : -1;
        buf += r;
        n -= (size_t)r;
    }
    return 0;
}

static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

static AsrStatus read_error(const char *path, int e, char *err, size_t errlen)
{
    if (e > 0)
        asr_format_error(err, errlen, "cannot read '%s': %s", path, g_strerror(e));
    else
        asr_format_error(err, errlen, "cannot read '%s': the file is shorter than its size "
                "(changed while reading?)", path);
    return ASR_ERROR_MODEL;
}

AsrStatus asr_safetensors_open_file(const char *path, AsrSafetensors **out, char *err,
                                    size_t errlen)
{
    AsrStatus ret = ASR_ERROR_MODEL;
    AsrSafetensors *st = NULL;
    uint8_t *head = NULL;
    struct stat sb;
    int fd, e;

    asr_format_error(err, errlen, "%s", "");
    if (!path || !out) {
        asr_format_error(err, errlen, "invalid argument");
        return ASR_ERROR_INVALID_ARGUMENT;
    }
    *out = NULL;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; the file type
     * is checked right after. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        asr_format_error(err, errlen, "cannot open '%s': %s", path, g_strerror(errno));
        return ASR_ERROR_MODEL;
    }
    if (fstat(fd, &sb) != 0) {
        asr_format_error(err, errlen, "cannot stat '%s': %s", path, g_strerror(errno));
        goto error;
    }
    if (!S_ISREG(sb.st_mode)) {
        asr_format_error(err, errlen, "'%s' is %s, not a regular model file", path,
                file_kind(sb.st_mode));
        goto error;
    }
    if (sb.st_size < 8) {
        asr_format_error(err, errlen, "'%s': file of %lld bytes is too short for a safetensors "
                "header", path, (long long)sb.st_size);
        goto error;
    }
    const uint64_t fsize = (uint64_t)sb.st_size;
    uint8_t first[8];
    uint64_t hlen;
    if ((e = read_exact(fd, first, 8)) != 0) {
        ret = read_error(path, e, err, errlen);
        goto error;
    }
    if ((ret = header_length(first, fsize, &hlen, err, errlen)) < 0)
        goto error;
    if (fsize - 8 - hlen > SIZE_MAX) {
        asr_format_error(err, errlen, "'%s' is too large", path);
        ret = ASR_ERROR_MODEL;
        goto error;
    }
    head = malloc(8 + (size_t)hlen);
    if (!head) {
        ret = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    memcpy(head, first, 8);
    if ((e = read_exact(fd, head + 8, (size_t)hlen)) != 0) {
        ret = read_error(path, e, err, errlen);
        goto error;
    }
    if ((ret = parse_header(head, hlen, fsize, &st, err, errlen)) < 0)
        goto error;
    st->fd = fd;
    st->path = g_strdup(path);
    free(head);
    *out = st;
    return ASR_OK;

error:
    free(head);
    close(fd);
    return ret;
}

AsrStatus asr_safetensors_read_data(AsrSafetensors *st, char *err, size_t errlen)
{
    if (!st || st->fd < 0 || st->data) {
        asr_format_error(err, errlen, "invalid argument");
        return ASR_ERROR_INVALID_ARGUMENT;
    }
    uint8_t *data = malloc(st->data_size ? st->data_size : 1);
    if (!data)
        return ASR_ERROR_NO_MEMORY;
    int e = read_exact(st->fd, data, st->data_size);
    close(st->fd);
    st->fd = -1;
    if (e != 0) {
        free(data);
        return read_error(st->path, e, err, errlen);
    }
    return attach_data(st, data, err, errlen);
}

AsrStatus asr_safetensors_load_file(const char *path, AsrSafetensors **out, char *err,
                                    size_t errlen)
{
    AsrStatus ret = asr_safetensors_open_file(path, out, err, errlen);
    if (ret < 0)
        return ret;
    if ((ret = asr_safetensors_read_data(*out, err, errlen)) < 0)
        asr_safetensors_free(out);
    return ret;
}

void asr_safetensors_bytes(const AsrSafetensors *st, const uint8_t **head, size_t *head_size,
                           const uint8_t **data, size_t *data_size)
{
    *head = st->head;
    *head_size = st->head_size;
    *data = st->data;
    *data_size = st->data ? st->data_size : 0;
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
    free(st->head);
    free(st->data);
    if (st->fd >= 0)
        close(st->fd);
    g_free(st->path);
    free(st);
    *pst = NULL;
}
