/*
 * The tuner's winners in the cache folder (docs/design.md#cache): one JSON
 * file, tuning.json, versioned; an entry per device (vendor and device ID,
 * driver version, pipeline-cache UUID) and net (model shape, precision,
 * kernels). A file that does not parse, has another version or breaks the
 * format is ignored (the caller is told why) and rewritten whole by the
 * next store; another device's entries are kept, never used.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_TUNECACHE_H
#define ASR_TUNECACHE_H

#include "common.h"
#include "kconfig.h"

#define ASR_TUNE_CACHE_FILE "tuning.json"
#define ASR_TUNE_CACHE_VERSION 1
#define ASR_TUNE_CACHE_MAX_BYTES (1u << 20)
#define ASR_TUNE_CACHE_MAX_ENTRIES 64

/* Find the entry (device, net) in the file at path: ASR_OK with *cfg, or
 * ASR_ERROR_UNSUPPORTED with why (no file, no entry, or the file ignored
 * and the reason). A found entry is still to be checked against the
 * device's rules by the caller. */
AsrStatus asr_tune_cache_find(const char *path, const char *device, const char *net,
                              AsrKernelConfig *cfg, char *why, size_t size);

/* Add or replace the entry (device, net), keeping the file's other valid
 * entries (the newest ASR_TUNE_CACHE_MAX_ENTRIES), and write the file whole.
 * ASR_ERROR_UNSUPPORTED when it cannot be written. */
AsrStatus asr_tune_cache_store(const char *path, const char *device, const char *net,
                               const AsrKernelConfig *cfg);

#endif /* ASR_TUNECACHE_H */
