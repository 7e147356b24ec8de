/*
 * tuning.json (tunecache.h):
 *   { "anysr-tuning": 1,
 *     "entries": [ { "device": "...", "net": "...", "band": [LX, LY, PX, COB, WSHARE],
 *                    "tiled": [...], "mlp_ssbo": 0, "cm_nsg": 4 }, ... ] }
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "cachedir.h"
#include "tunecache.h"

/* An entry's members, checked: 1, or 0 with why */
static int read_block(JsonObject *o, const char *name, AsrConvBlock *b)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n || !JSON_NODE_HOLDS_ARRAY(n))
        return 0;
    JsonArray *a = json_node_get_array(n);
    if (json_array_get_length(a) != 5)
        return 0;
    uint32_t v[5];
    for (guint i = 0; i < 5; i++) {
        JsonNode *e = json_array_get_element(a, i);
        if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_INT64)
            return 0;
        gint64 x = json_node_get_int(e);
        if (x < 0 || x > 65536)
            return 0;
        v[i] = (uint32_t)x;
    }
    *b = (AsrConvBlock) { v[0], v[1], v[2], v[3], v[4] };
    return 1;
}

static int read_uint(JsonObject *o, const char *name, uint32_t max, uint32_t *v)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return 0;
    gint64 x = json_node_get_int(n);
    if (x < 0 || x > max)
        return 0;
    *v = (uint32_t)x;
    return 1;
}

static const char *read_string(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

static int read_entry(JsonNode *n, const char **device, const char **net, AsrKernelConfig *c)
{
    if (!n || !JSON_NODE_HOLDS_OBJECT(n))
        return 0;
    JsonObject *o = json_node_get_object(n);
    memset(c, 0, sizeof(*c));
    *device = read_string(o, "device");
    *net = read_string(o, "net");
    return *device && *net && read_block(o, "band", &c->band) &&
           read_block(o, "tiled", &c->tiled) && read_uint(o, "mlp_ssbo", 1, &c->mlp_ssbo) &&
           read_uint(o, "cm_nsg", 16, &c->cm_nsg);
}

/* Parse the file: its entries array, or NULL with why (the parser is the
 * caller's to free) */
static JsonArray *load(const char *path, JsonParser **parser, char *why, size_t size)
{
    void *data = NULL;
    size_t bytes = 0;
    *parser = NULL;
    if (asr_cache_load(path, ASR_TUNE_CACHE_MAX_BYTES, &data, &bytes) < 0) {
        snprintf(why, size, "no tuning cache %s", path);
        return NULL;
    }
    *parser = json_parser_new();
    GError *err = NULL;
    JsonArray *entries = NULL;
    if (!json_parser_load_from_data(*parser, data, (gssize)bytes, &err)) {
        snprintf(why, size, "ignoring the tuning cache %s: not JSON (%s)", path,
                 err ? err->message : "?");
        g_clear_error(&err);
    } else {
        JsonNode *root = json_parser_get_root(*parser);
        JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
        uint32_t version = 0;
        JsonNode *e = o ? json_object_get_member(o, "entries") : NULL;
        if (!o || !read_uint(o, "anysr-tuning", UINT32_MAX, &version))
            snprintf(why, size, "ignoring the tuning cache %s: not an anysr tuning file", path);
        else if (version != ASR_TUNE_CACHE_VERSION)
            snprintf(why, size, "ignoring the tuning cache %s: version %u, not %u", path,
                     version, ASR_TUNE_CACHE_VERSION);
        else if (!e || !JSON_NODE_HOLDS_ARRAY(e))
            snprintf(why, size, "ignoring the tuning cache %s: no entries", path);
        else
            entries = json_node_get_array(e);
    }
    g_free(data);
    return entries;
}

AsrStatus asr_tune_cache_find(const char *path, const char *device, const char *net,
                              AsrKernelConfig *cfg, char *why, size_t size)
{
    JsonParser *parser;
    JsonArray *entries = load(path, &parser, why, size);
    AsrStatus status = ASR_ERROR_UNSUPPORTED;
    if (entries) {
        snprintf(why, size, "no entry for this device and net in %s", path);
        for (guint i = 0; i < json_array_get_length(entries); i++) {
            const char *dev, *n;
            AsrKernelConfig c;
            if (!read_entry(json_array_get_element(entries, i), &dev, &n, &c)) {
                snprintf(why, size, "ignoring the tuning cache %s: entry %u is malformed",
                         path, i);
                break;
            }
            if (!strcmp(dev, device) && !strcmp(n, net)) {
                *cfg = c;
                status = ASR_OK;
                break;
            }
        }
    }
    if (parser)
        g_object_unref(parser);
    return status;
}

static void add_entry(JsonBuilder *b, const char *device, const char *net,
                      const AsrKernelConfig *c)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "device");
    json_builder_add_string_value(b, device);
    json_builder_set_member_name(b, "net");
    json_builder_add_string_value(b, net);
    const AsrConvBlock *blocks[2] = { &c->band, &c->tiled };
    for (int i = 0; i < 2; i++) {
        const AsrConvBlock *k = blocks[i];
        json_builder_set_member_name(b, i ? "tiled" : "band");
        json_builder_begin_array(b);
        uint32_t v[5] = { k->lx, k->ly, k->px, k->cob, k->wshare };
        for (int j = 0; j < 5; j++)
            json_builder_add_int_value(b, v[j]);
        json_builder_end_array(b);
    }
    json_builder_set_member_name(b, "mlp_ssbo");
    json_builder_add_int_value(b, c->mlp_ssbo);
    json_builder_set_member_name(b, "cm_nsg");
    json_builder_add_int_value(b, c->cm_nsg);
    json_builder_end_object(b);
}

AsrStatus asr_tune_cache_store(const char *path, const char *device, const char *net,
                               const AsrKernelConfig *cfg)
{
    char why[256];
    JsonParser *parser;
    JsonArray *old = load(path, &parser, why, sizeof(why));
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "anysr-tuning");
    json_builder_add_int_value(b, ASR_TUNE_CACHE_VERSION);
    json_builder_set_member_name(b, "entries");
    json_builder_begin_array(b);
    /* the others' valid entries, the newest last; this one at the end */
    guint n = old ? json_array_get_length(old) : 0, kept = 0, keep = 0;
    for (guint i = 0; i < n; i++) {
        const char *dev, *nt;
        AsrKernelConfig c;
        keep += read_entry(json_array_get_element(old, i), &dev, &nt, &c) &&
                (strcmp(dev, device) || strcmp(nt, net));
    }
    for (guint i = 0; i < n; i++) {
        const char *dev, *nt;
        AsrKernelConfig c;
        if (!read_entry(json_array_get_element(old, i), &dev, &nt, &c) ||
            (!strcmp(dev, device) && !strcmp(nt, net)))
            continue;
        if (keep - kept++ < ASR_TUNE_CACHE_MAX_ENTRIES) /* drop the oldest beyond the bound */
            add_entry(b, dev, nt, &c);
    }
    add_entry(b, device, net, cfg);
    json_builder_end_array(b);
    json_builder_end_object(b);
    JsonGenerator *gen = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    gsize len = 0;
    gchar *text = json_generator_to_data(gen, &len);
    AsrStatus status = asr_cache_save(path, text, len);
    g_free(text);
    json_node_unref(root);
    g_object_unref(gen);
    g_object_unref(b);
    if (parser)
        g_object_unref(parser);
    return status;
}
