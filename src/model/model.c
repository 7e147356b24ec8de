/*
 * Model loader and cost model.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "model.h"
#include "safetensors.h"

/* ------------------------------------------------------------------------ */
/* anysr.arch */

static int get_int(JsonObject *o, const char *name, int64_t lo, int64_t hi, uint32_t *out,
                   char *err, size_t errlen)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n) {
        asr_format_error(err, errlen, "anysr.arch: field '%s' missing", name);
        return 0;
    }
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) {
        asr_format_error(err, errlen, "anysr.arch: field '%s' is not an integer", name);
        return 0;
    }
    int64_t v = json_node_get_int(n);
    if (v < lo || v > hi) {
        asr_format_error(err, errlen, "anysr.arch: field '%s' = %lld outside [%lld, %lld] (the engine's "
                "limits)", name, (long long)v, (long long)lo, (long long)hi);
        return 0;
    }
    *out = (uint32_t)v;
    return 1;
}

/* An integer or float JSON number. */
static int node_number(JsonNode *n, double *out)
{
    if (!n || !JSON_NODE_HOLDS_VALUE(n))
        return 0;
    GType t = json_node_get_value_type(n);
    if (t == G_TYPE_INT64)
        *out = (double)json_node_get_int(n);
    else if (t == G_TYPE_DOUBLE)
        *out = json_node_get_double(n);
    else
        return 0;
    return isfinite(*out);
}

static int node_int(JsonNode *n, int64_t *out)
{
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return 0;
    *out = json_node_get_int(n);
    return 1;
}

/* [c, d] pair */
static int node_pair(JsonNode *n, int64_t *c, int64_t *d)
{
    if (!n || !JSON_NODE_HOLDS_ARRAY(n))
        return 0;
    JsonArray *a = json_node_get_array(n);
    return json_array_get_length(a) == 2 && node_int(json_array_get_element(a, 0), c) &&
           node_int(json_array_get_element(a, 1), d);
}

static int get_hidden(JsonObject *o, const char *name, uint32_t *n_out, uint32_t *sizes,
                      char *err, size_t errlen)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n) {
        asr_format_error(err, errlen, "anysr.arch: field '%s' missing", name);
        return 0;
    }
    JsonArray *a = JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
    guint len = a ? json_array_get_length(a) : 0;
    if (!a || len < 1 || len > ASR_MODEL_MAX_DEC_LAYERS) {
        asr_format_error(err, errlen, "anysr.arch: field '%s' must be an array of 1 to %d hidden sizes",
                name, ASR_MODEL_MAX_DEC_LAYERS);
        return 0;
    }
    for (guint i = 0; i < len; i++) {
        int64_t v;
        if (!node_int(json_array_get_element(a, i), &v) || v < 1 ||
            v > ASR_MODEL_MAX_DEC_HIDDEN) {
            asr_format_error(err, errlen, "anysr.arch: %s[%u] must be an integer in [1, %d]", name, i,
                    ASR_MODEL_MAX_DEC_HIDDEN);
            return 0;
        }
        sizes[i] = (uint32_t)v;
    }
    *n_out = len;
    return 1;
}

static AsrStatus parse_arch(const char *json, AsrArch *a, char *err, size_t errlen)
{
    AsrStatus ret = ASR_ERROR_MODEL;
    char why[256];
    JsonParser *parser = json_parser_new();
    memset(a, 0, sizeof(*a));
    if (!asr_json_load(parser, json, strlen(json), why, sizeof(why))) {
        asr_format_error(err, errlen, "anysr.arch is not valid JSON: %s", why);
        goto done;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        asr_format_error(err, errlen, "anysr.arch is not a JSON object");
        goto done;
    }
    JsonObject *o = json_node_get_object(root);

    JsonNode *fam = json_object_get_member(o, "family");
    if (fam && (!JSON_NODE_HOLDS_VALUE(fam) || json_node_get_value_type(fam) != G_TYPE_STRING ||
                strcmp(json_node_get_string(fam), "anysr") != 0)) {
        asr_format_error(err, errlen, "anysr.arch: field 'family' is not \"anysr\"");
        goto done;
    }
    JsonNode *ssi = json_object_get_member(o, "sa_scale_input");
    if (ssi && (!JSON_NODE_HOLDS_VALUE(ssi) || json_node_get_value_type(ssi) != G_TYPE_STRING ||
                strcmp(json_node_get_string(ssi), "raw") != 0)) {
        asr_format_error(err, errlen, "anysr.arch: field 'sa_scale_input' is not \"raw\" (the only "
                "scale input the engine implements)");
        goto done;
    }

    if (!get_int(o, "F", 1, ASR_MODEL_MAX_F, &a->F, err, errlen) ||
        !get_int(o, "D", 1, ASR_MODEL_MAX_D, &a->D, err, errlen) ||
        !get_int(o, "chunk", 1, a->F, &a->chunk, err, errlen) ||
        !get_int(o, "sa_hidden", 1, ASR_MODEL_MAX_SA_HIDDEN, &a->sa_hidden, err, errlen) ||
        !get_hidden(o, "dec_heavy", &a->n_heavy, a->heavy, err, errlen) ||
        !get_hidden(o, "dec_light", &a->n_light, a->light, err, errlen))
        goto done;
    if (a->F % a->chunk) {
        asr_format_error(err, errlen, "anysr.arch: F = %u is not a multiple of chunk = %u", a->F, a->chunk);
        goto done;
    }
    if (a->F + a->F / a->chunk * 2 > ASR_MODEL_MAX_SA_IN) {
        asr_format_error(err, errlen, "anysr.arch: scale-attention input F + F/chunk*2 = %u above the "
                "engine's limit %d", a->F + a->F / a->chunk * 2, ASR_MODEL_MAX_SA_IN);
        goto done;
    }

    /* ladder */
    JsonNode *ln = json_object_get_member(o, "ladder");
    JsonArray *la = ln && JSON_NODE_HOLDS_ARRAY(ln) ? json_node_get_array(ln) : NULL;
    if (!la) {
        asr_format_error(err, errlen, "anysr.arch: field 'ladder' missing or not an array");
        goto done;
    }
    guint nl = json_array_get_length(la);
    if (nl < 1 || nl > ASR_MODEL_MAX_LADDER) {
        asr_format_error(err, errlen, "anysr.arch: ladder has %u entries, expected 1 to %d", nl,
                ASR_MODEL_MAX_LADDER);
        goto done;
    }
    for (guint i = 0; i < nl; i++) {
        int64_t c, d;
        if (!node_pair(json_array_get_element(la, i), &c, &d)) {
            asr_format_error(err, errlen, "anysr.arch: ladder[%u] is not a pair of integers [width, depth]",
                    i);
            goto done;
        }
        if (c < (int64_t)a->chunk || c > (int64_t)a->F || c % a->chunk || d < 0 ||
            d > (int64_t)a->D) {
            asr_format_error(err, errlen, "anysr.arch: ladder[%u] = [%lld, %lld]: width must be a multiple "
                    "of chunk %u in [%u, %u], depth in [0, %u]", i, (long long)c, (long long)d,
                    a->chunk, a->chunk, a->F, a->D);
            goto done;
        }
        if (i > 0 && (c < a->ladder[i - 1][0] || d < a->ladder[i - 1][1] ||
                      (c == a->ladder[i - 1][0] && d == a->ladder[i - 1][1]))) {
            asr_format_error(err, errlen, "anysr.arch: ladder[%u] = [%lld, %lld] is not nested in and "
                    "larger than ladder[%u] = [%u, %u]", i, (long long)c, (long long)d, i - 1,
                    a->ladder[i - 1][0], a->ladder[i - 1][1]);
            goto done;
        }
        a->ladder[i][0] = (uint32_t)c;
        a->ladder[i][1] = (uint32_t)d;
    }
    a->n_ladder = nl;

    /* scale caps */
    JsonNode *cn = json_object_get_member(o, "scale_caps");
    JsonArray *ca = cn && JSON_NODE_HOLDS_ARRAY(cn) ? json_node_get_array(cn) : NULL;
    if (!ca) {
        asr_format_error(err, errlen, "anysr.arch: field 'scale_caps' missing or not an array");
        goto done;
    }
    guint nc = json_array_get_length(ca);
    if (nc < 1 || nc > ASR_MODEL_MAX_CAPS) {
        asr_format_error(err, errlen, "anysr.arch: scale_caps has %u entries, expected 1 to %d", nc,
                ASR_MODEL_MAX_CAPS);
        goto done;
    }
    for (guint i = 0; i < nc; i++) {
        JsonNode *e = json_array_get_element(ca, i);
        JsonArray *ea = JSON_NODE_HOLDS_ARRAY(e) ? json_node_get_array(e) : NULL;
        int64_t c, d;
        double lim = INFINITY;
        if (!ea || json_array_get_length(ea) != 2 ||
            !node_pair(json_array_get_element(ea, 1), &c, &d)) {
            asr_format_error(err, errlen, "anysr.arch: scale_caps[%u] is not [limit, [width, depth]]", i);
            goto done;
        }
        JsonNode *limn = json_array_get_element(ea, 0);
        if (!JSON_NODE_HOLDS_NULL(limn) && (!node_number(limn, &lim) || lim < 1.0)) {
            asr_format_error(err, errlen, "anysr.arch: scale_caps[%u]: limit is not null or a number >= 1",
                    i);
            goto done;
        }
        if ((i > 0 && lim <= a->cap_limit[i - 1]) || (isinf(lim) && i + 1 != nc)) {
            asr_format_error(err, errlen, "anysr.arch: scale_caps[%u]: limits must increase, null only "
                    "last", i);
            goto done;
        }
        uint32_t k;
        for (k = 0; k < a->n_ladder; k++)
            if (a->ladder[k][0] == c && a->ladder[k][1] == d)
                break;
        if (k == a->n_ladder) {
            asr_format_error(err, errlen, "anysr.arch: scale_caps[%u]: [%lld, %lld] is not in the ladder",
                    i, (long long)c, (long long)d);
            goto done;
        }
        a->cap_limit[i] = lim;
        a->cap_subnet[i] = k;
    }
    a->n_caps = nc;

    a->default_k = 0.0;
    JsonNode *kn = json_object_get_member(o, "default_k");
    /* the engine keeps k as a float: it must be a finite float */
    if (kn && (!node_number(kn, &a->default_k) || fabs(a->default_k) > FLT_MAX)) {
        asr_format_error(err, errlen, "anysr.arch: field 'default_k' is not a finite number "
                "(of float range)");
        goto done;
    }

    /* spatial depth: optional as a whole (models from before the adapter) */
    a->depth_tile = 0;
    a->adapter_hidden = 0;
    a->adapter_pools = 1;
    a->depth_target = 1.0f;
    a->n_depth_points = 0;
    JsonNode *tn = json_object_get_member(o, "depth_tile");
    if (tn && !(JSON_NODE_HOLDS_VALUE(tn) && json_node_get_value_type(tn) == G_TYPE_INT64 &&
                json_node_get_int(tn) == 0)) {
        double t;
        if (!get_int(o, "depth_tile", ASR_MODEL_MIN_TILE, ASR_MODEL_MAX_TILE, &a->depth_tile, err,
                     errlen) ||
            !get_int(o, "adapter_hidden", 1, ASR_MODEL_MAX_ADAPTER, &a->adapter_hidden, err,
                     errlen))
            goto done;
        JsonNode *pln = json_object_get_member(o, "adapter_pool");
        if (pln) {
            const char *pool = JSON_NODE_HOLDS_VALUE(pln) &&
                               json_node_get_value_type(pln) == G_TYPE_STRING
                               ? json_node_get_string(pln) : "";
            if (strcmp(pool, "mean") == 0)
                a->adapter_pools = 1;
            else if (strcmp(pool, "mean_max") == 0)
                a->adapter_pools = 2;
            else {
                asr_format_error(err, errlen, "anysr.arch: field 'adapter_pool' is not \"mean\" "
                                 "or \"mean_max\"");
                goto done;
            }
        }
        JsonNode *dn = json_object_get_member(o, "depth_target");
        if (!dn || !node_number(dn, &t) || !(t > 0.0 && t <= 1.0)) {
            asr_format_error(err, errlen, "anysr.arch: field 'depth_target' missing or not a "
                             "number in (0, 1]");
            goto done;
        }
        a->depth_target = (float)t;
        JsonNode *pn = json_object_get_member(o, "depth_points");
        if (pn) {
            JsonArray *pa = JSON_NODE_HOLDS_ARRAY(pn) ? json_node_get_array(pn) : NULL;
            uint32_t np = pa ? json_array_get_length(pa) : 0;
            if (!pa || np > ASR_MODEL_MAX_DEPTH_POINTS) {
                asr_format_error(err, errlen, "anysr.arch: field 'depth_points' is not an array "
                                 "of at most %d numbers", ASR_MODEL_MAX_DEPTH_POINTS);
                goto done;
            }
            for (uint32_t i = 0; i < np; i++) {
                if (!node_number(json_array_get_element(pa, i), &t) || !(t > 0.0 && t < 1.0) ||
                    (i && (float)t <= a->depth_points[i - 1])) {
                    asr_format_error(err, errlen, "anysr.arch: depth_points[%u] is not a number "
                                     "in (0, 1) above the one before", i);
                    goto done;
                }
                a->depth_points[i] = (float)t;
            }
            a->n_depth_points = np;
        }
    }
    ret = ASR_OK;

done:
    g_object_unref(parser);
    return ret;
}

/* ------------------------------------------------------------------------ */
/* tensors */

typedef struct Expected {
    char name[64];
    int ndim;
    int64_t shape[4];
    AsrLayerOffsets *off;
    int is_bias;
} Expected;

#define MAX_EXPECTED (4 + ASR_MODEL_MAX_D * 8 + 2 * 2 * (ASR_MODEL_MAX_DEC_LAYERS + 1) + 2 + 6)

static void add(Expected *e, size_t *n, AsrLayerOffsets *off, int is_bias, const char *name,
                int ndim, int64_t s0, int64_t s1, int64_t s2, int64_t s3)
{
    Expected *x = &e[(*n)++];
    snprintf(x->name, sizeof(x->name), "%s", name);
    x->ndim = ndim;
    x->shape[0] = s0, x->shape[1] = s1, x->shape[2] = s2, x->shape[3] = s3;
    x->off = off;
    x->is_bias = is_bias;
}

/* The names and shapes of train/model.py tensor_names(), in its order. */
static size_t expected_tensors(const AsrArch *a, AsrModelOffsets *off, Expected *e)
{
    size_t n = 0;
    char name[64];
    int64_t F = a->F, hs = a->sa_hidden, nsa = a->F + a->F / a->chunk * 2;
    add(e, &n, &off->head, 0, "head.weight", 4, F, 3, 3, 3);
    add(e, &n, &off->head, 1, "head.bias", 1, F, 0, 0, 0);
    for (uint32_t i = 0; i < a->D; i++) {
#define BLK(field, ptr, bias, nd, s0, s1, s2, s3)                                  \
        snprintf(name, sizeof(name), "blocks.%u.%s", i, field);                   \
        add(e, &n, ptr, bias, name, nd, s0, s1, s2, s3);
        BLK("conv1.weight", &off->conv1[i], 0, 4, F, F, 3, 3)
        BLK("conv1.bias", &off->conv1[i], 1, 1, F, 0, 0, 0)
        BLK("sa.fc1.weight", &off->fc1[i], 0, 2, hs, nsa, 0, 0)
        BLK("sa.fc1.bias", &off->fc1[i], 1, 1, hs, 0, 0, 0)
        BLK("sa.fc2.weight", &off->fc2[i], 0, 2, F, hs, 0, 0)
        BLK("sa.fc2.bias", &off->fc2[i], 1, 1, F, 0, 0, 0)
        BLK("conv2.weight", &off->conv2[i], 0, 4, F, F, 3, 3)
        BLK("conv2.bias", &off->conv2[i], 1, 1, F, 0, 0, 0)
#undef BLK
    }
    add(e, &n, &off->tail, 0, "tail.weight", 4, F, F, 3, 3);
    add(e, &n, &off->tail, 1, "tail.bias", 1, F, 0, 0, 0);
    for (int m = 0; m < 2; m++) {
        const uint32_t *hid = m == 0 ? a->heavy : a->light;
        uint32_t nh = m == 0 ? a->n_heavy : a->n_light;
        AsrLayerOffsets *lo = m == 0 ? off->heavy : off->light;
        int64_t prev = F + 4;
        for (uint32_t j = 0; j <= nh; j++) {
            int64_t outs = j < nh ? hid[j] : 3;
            snprintf(name, sizeof(name), "dec.%s.%u.weight", m == 0 ? "heavy" : "light", 2 * j);
            add(e, &n, &lo[j], 0, name, 2, outs, prev, 0, 0);
            snprintf(name, sizeof(name), "dec.%s.%u.bias", m == 0 ? "heavy" : "light", 2 * j);
            add(e, &n, &lo[j], 1, name, 1, outs, 0, 0, 0);
            prev = outs;
        }
    }
    add(e, &n, &off->cls, 0, "dec.cls.weight", 2, 2, F + 4, 0, 0);
    add(e, &n, &off->cls, 1, "dec.cls.bias", 1, 2, 0, 0, 0);
    if (a->depth_tile) {
        int64_t ah = a->adapter_hidden;
        add(e, &n, &off->ad_pix, 0, "adapter.pix.weight", 2, ah, F, 0, 0);
        add(e, &n, &off->ad_pix, 1, "adapter.pix.bias", 1, ah, 0, 0, 0);
        add(e, &n, &off->ad_fc1, 0, "adapter.fc1.weight", 2, ah, ah * a->adapter_pools + 1, 0, 0);
        add(e, &n, &off->ad_fc1, 1, "adapter.fc1.bias", 1, ah, 0, 0, 0);
        add(e, &n, &off->ad_fc2, 0, "adapter.fc2.weight", 2, 1, ah, 0, 0);
        add(e, &n, &off->ad_fc2, 1, "adapter.fc2.bias", 1, 1, 0, 0, 0);
    }
    return n;
}

static void format_shape(char *buf, size_t len, int ndim, const int64_t *shape)
{
    size_t p = 0;
    p += (size_t)snprintf(buf + p, len - p, "[");
    for (int i = 0; i < ndim && p < len; i++)
        p += (size_t)snprintf(buf + p, len - p, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (p < len)
        snprintf(buf + p, len - p, "]");
}

static AsrStatus build(const AsrSafetensors *st, AsrModel *m, char *err, size_t errlen)
{
    const char *fmt = asr_safetensors_metadata(st, "anysr.format");
    if (!fmt) {
        asr_format_error(err, errlen, "__metadata__ lacks 'anysr.format' (not an anysr model file)");
        return ASR_ERROR_MODEL;
    }
    if (strcmp(fmt, ASR_MODEL_FORMAT) != 0) {
        asr_format_error(err, errlen, "unsupported anysr.format '%s' (this engine reads '%s')", fmt,
                ASR_MODEL_FORMAT);
        return ASR_ERROR_MODEL;
    }
    const char *arch = asr_safetensors_metadata(st, "anysr.arch");
    if (!arch) {
        asr_format_error(err, errlen, "__metadata__ lacks 'anysr.arch'");
        return ASR_ERROR_MODEL;
    }
    AsrStatus s = parse_arch(arch, &m->arch, err, errlen);
    if (s < 0)
        return s;

    Expected *ex = calloc(MAX_EXPECTED, sizeof(*ex));
    if (!ex)
        return ASR_ERROR_NO_MEMORY;
    size_t n = expected_tensors(&m->arch, &m->off, ex);
    size_t total = 0;
    AsrStatus ret = ASR_ERROR_MODEL;
    for (size_t i = 0; i < n; i++) {
        const AsrTensor *t = asr_safetensors_find(st, ex[i].name);
        if (!t) {
            asr_format_error(err, errlen, "missing tensor '%s'", ex[i].name);
            goto done;
        }
        int same = t->ndim == ex[i].ndim;
        for (int k = 0; same && k < t->ndim; k++)
            same = t->shape[k] == ex[i].shape[k];
        if (!same) {
            char got[96], want[96];
            format_shape(got, sizeof(got), t->ndim, t->shape);
            format_shape(want, sizeof(want), ex[i].ndim, ex[i].shape);
            asr_format_error(err, errlen, "tensor '%s': shape %s, expected %s", ex[i].name, got, want);
            goto done;
        }
        if (ex[i].is_bias)
            ex[i].off->b = (uint32_t)total;
        else
            ex[i].off->w = (uint32_t)total;
        total += t->count;
    }
    if (asr_safetensors_count(st) != n) {
        for (size_t i = 0; i < asr_safetensors_count(st); i++) {
            const char *name = asr_safetensors_get(st, i)->name;
            size_t k;
            for (k = 0; k < n; k++)
                if (!strcmp(ex[k].name, name))
                    break;
            if (k == n) {
                asr_format_error(err, errlen, "unexpected tensor '%s' (not part of the anysr "
                        "architecture in anysr.arch)", name);
                goto done;
            }
        }
    }
    m->num_weights = total;
    ret = ASR_OK;
done:
    free(ex);
    return ret;
}

/* The weights, after build() checked the tensors and the data was read. */
static AsrStatus fill_weights(const AsrSafetensors *st, AsrModel *m, char *err, size_t errlen)
{
    Expected *ex = calloc(MAX_EXPECTED, sizeof(*ex));
    AsrModelOffsets off;
    if (!ex)
        return ASR_ERROR_NO_MEMORY;
    size_t n = expected_tensors(&m->arch, &off, ex);
    m->weights = malloc((m->num_weights ? m->num_weights : 1) * sizeof(float));
    if (!m->weights) {
        asr_format_error(err, errlen, "out of memory for %zu weights", m->num_weights);
        free(ex);
        return ASR_ERROR_NO_MEMORY;
    }
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        const AsrTensor *t = asr_safetensors_find(st, ex[i].name);
        asr_tensor_to_f32(t, m->weights + pos);
        pos += t->count;
    }
    free(ex);
    return ASR_OK;
}

static void sha256(const AsrSafetensors *st, uint8_t out[32])
{
    const uint8_t *head, *data;
    size_t head_size, data_size;
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    gsize len = 32;
    asr_safetensors_bytes(st, &head, &head_size, &data, &data_size);
    g_checksum_update(c, head, (gssize)head_size);
    if (data_size)
        g_checksum_update(c, data, (gssize)data_size);
    g_checksum_get_digest(c, out, &len);
    g_checksum_free(c);
}

AsrStatus asr_model_load_blob(const uint8_t *blob, size_t size, AsrModel **out, char *err,
                              size_t errlen)
{
    AsrSafetensors *st = NULL;
    AsrModel *m = NULL;
    asr_format_error(err, errlen, "%s", "");
    if (!out)
        return ASR_ERROR_INVALID_ARGUMENT;
    *out = NULL;
    AsrStatus s = asr_safetensors_parse(blob, size, &st, err, errlen);
    if (s < 0)
        return s;
    m = calloc(1, sizeof(*m));
    if (!m) {
        s = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    if ((s = build(st, m, err, errlen)) < 0 || (s = fill_weights(st, m, err, errlen)) < 0)
        goto error;
    sha256(st, m->sha256);
    asr_safetensors_free(&st);
    *out = m;
    return ASR_OK;

error:
    asr_safetensors_free(&st);
    asr_model_free(&m);
    return s;
}

/* The header first: the file type, the header and the architecture's tensor
 * list are checked before the data section (of the size the header
 * describes, nothing more) is read. */
AsrStatus asr_model_load_file(const char *path, AsrModel **out, char *err, size_t errlen)
{
    AsrSafetensors *st = NULL;
    AsrModel *m = NULL;
    asr_format_error(err, errlen, "%s", "");
    if (!path || !out)
        return ASR_ERROR_INVALID_ARGUMENT;
    *out = NULL;
    AsrStatus s = asr_safetensors_open_file(path, &st, err, errlen);
    if (s < 0)
        return s;
    m = calloc(1, sizeof(*m));
    if (!m) {
        s = ASR_ERROR_NO_MEMORY;
        goto error;
    }
    if ((s = build(st, m, err, errlen)) < 0 || (s = asr_safetensors_read_data(st, err, errlen)) < 0 ||
        (s = fill_weights(st, m, err, errlen)) < 0)
        goto error;
    sha256(st, m->sha256);
    asr_safetensors_free(&st);
    *out = m;
    return ASR_OK;

error:
    asr_safetensors_free(&st);
    asr_model_free(&m);
    return s;
}

AsrStatus asr_model_load_default(AsrModel **out, char *err, size_t errlen)
{
    if (!out)
        return ASR_ERROR_INVALID_ARGUMENT;
    *out = NULL;
    if (asr_default_model_size == 0) {
        asr_format_error(err, errlen, "no embedded default model: this libanysr was built without "
                "models/anysr-default.safetensors; give a model file");
        return ASR_ERROR_MODEL;
    }
    return asr_model_load_blob(asr_default_model_data, asr_default_model_size, out, err, errlen);
}

void asr_model_free(AsrModel **pm)
{
    if (!pm || !*pm)
        return;
    free((*pm)->weights);
    free(*pm);
    *pm = NULL;
}

ASR_API AsrStatus asr_model_check_file(const char *path, char *msg, size_t len)
{
    AsrModel *m = NULL;
    if (msg && len)
        msg[0] = '\0';
    if (!path)
        return ASR_ERROR_INVALID_ARGUMENT;
    AsrStatus s = asr_model_load_file(path, &m, msg, len);
    asr_model_free(&m);
    return s;
}

/* ------------------------------------------------------------------------ */
/* cost model: train/model.py macs() */

static double mlp_macs(uint32_t n_in, const uint32_t *hidden, uint32_t n_hidden, uint32_t n_out)
{
    double sum = 0.0;
    uint32_t prev = n_in;
    for (uint32_t i = 0; i < n_hidden; i++) {
        sum += (double)prev * hidden[i];
        prev = hidden[i];
    }
    return sum + (double)prev * n_out;
}

double asr_model_mlp_macs(const AsrArch *a, int heavy)
{
    return heavy ? mlp_macs(a->F + 4, a->heavy, a->n_heavy, 3)
                 : mlp_macs(a->F + 4, a->light, a->n_light, 3);
}

double asr_model_cls_macs(const AsrArch *a)
{
    return (double)(a->F + 4) * 2;
}

double asr_model_encoder_macs_per_pixel(const AsrArch *a, uint32_t c, uint32_t d)
{
    double F = a->F;
    return 9.0 * 3 * F + d * asr_model_block_macs_per_pixel(a, c) + 9.0 * F * F;
}

double asr_model_block_macs_per_pixel(const AsrArch *a, uint32_t c)
{
    return 9.0 * a->F * c + 9.0 * c * a->F;
}

double asr_model_adapter_macs_per_pixel(const AsrArch *a)
{
    return a->depth_tile ? (double)a->F * a->adapter_hidden : 0.0;
}

double asr_model_sa_macs(const AsrArch *a, uint32_t c, uint32_t d)
{
    double n_in = c + c / a->chunk * 2;
    return d * (n_in * a->sa_hidden + (double)a->sa_hidden * c);
}

double asr_model_macs(const AsrArch *a, uint32_t c, uint32_t d, int decoder,
                      double heavy_fraction, uint32_t in_w, uint32_t in_h, uint32_t out_w,
                      uint32_t out_h)
{
    double heavy = decoder == ASR_DECODER_HEAVY ? 1.0 : decoder == ASR_DECODER_LIGHT ? 0.0
                 : heavy_fraction < 0.0 ? 0.5 : heavy_fraction;
    double enc = asr_model_encoder_macs_per_pixel(a, c, d) * in_h * in_w +
                 asr_model_sa_macs(a, c, d);
    double per_hr = heavy * asr_model_mlp_macs(a, 1) + (1.0 - heavy) * asr_model_mlp_macs(a, 0);
    if (decoder == ASR_DECODER_ROUTED)
        per_hr += asr_model_cls_macs(a);
    return enc + per_hr * out_h * out_w;
}

double asr_model_route_threshold(const AsrArch *a, double k)
{
    return k * (log(asr_model_mlp_macs(a, 1)) - log(asr_model_mlp_macs(a, 0)));
}

uint32_t asr_model_scale_cap(const AsrArch *a, double scale_x, double scale_y)
{
    double m = ASR_MAX(scale_x, scale_y);
    for (uint32_t i = 0; i < a->n_caps; i++)
        if (m <= a->cap_limit[i])
            return a->cap_subnet[i];
    return a->n_ladder - 1;
}
