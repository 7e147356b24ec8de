/*
 * The user's cache folder of anysr (docs/design.md#cache): the tuner's
 * winners and the Vulkan pipeline cache live there, one file each, written
 * whole (a temporary file in the same folder, then rename()), so that two
 * processes never see half a file. Readers check what they read: a file
 * from another version, another device or a broken disk is ignored and
 * rewritten, never trusted.
 *
 * The folder: $ANYSR_CACHE_DIR when set (empty: no cache at all), else
 * $XDG_CACHE_HOME/anysr, else $HOME/.cache/anysr (read by asr_env_read()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_CACHEDIR_H
#define ASR_CACHEDIR_H

#include "common.h"

struct AsrEnv;

/* The path of the cache file `name` (a bare file name) in the cache folder,
 * created (with its parents, mode 0700) when missing. ASR_ERROR_UNSUPPORTED
 * when there is no cache (ANYSR_CACHE_DIR empty, no HOME) or the folder
 * cannot be created; `path` is then "". */
AsrStatus asr_cache_path(const struct AsrEnv *env, const char *name, char *path, size_t size);

/* Read the whole file at `path` into a malloc()ed buffer (*data, freed by
 * the caller) of *size bytes. ASR_ERROR_UNSUPPORTED when it is missing,
 * unreadable or larger than `max` bytes; ASR_ERROR_NO_MEMORY. */
AsrStatus asr_cache_load(const char *path, size_t max, void **data, size_t *size);

/* Write `size` bytes to `path` whole: a temporary file beside it, then
 * rename(). ASR_ERROR_UNSUPPORTED when the folder is not writable (the
 * cache is an optimisation: callers log it and go on). */
AsrStatus asr_cache_save(const char *path, const void *data, size_t size);

/* A device's pipelineCacheUUID (16 bytes) as 32 hex digits in `hex`, the
 * part of a cache key or file name that names the driver build. */
void asr_cache_uuid_hex(const uint8_t uuid[16], char hex[33]);

#endif /* ASR_CACHEDIR_H */
