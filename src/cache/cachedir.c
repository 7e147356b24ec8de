/*
 * The user's cache folder (cachedir.h; docs/design.md#cache).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _XOPEN_SOURCE 700 /* mkstemp, fsync */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cachedir.h"
#include "settings.h"

/* mkdir -p, mode 0700 (the folder is the user's own) */
static int make_folder(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int ok = mkdir(path, 0700) == 0 || errno == EEXIST;
        *p = '/';
        if (!ok)
            return 0;
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

AsrStatus asr_cache_path(const AsrEnv *env, const char *name, char *path, size_t size)
{
    char folder[4096];
    int n;
    path[0] = '\0';
    if (!env->cache_dir[0] || strchr(name, '/'))
        return ASR_ERROR_UNSUPPORTED;
    n = snprintf(folder, sizeof(folder), "%s", env->cache_dir);
    if (n <= 0 || (size_t)n >= sizeof(folder) || !make_folder(folder))
        return ASR_ERROR_UNSUPPORTED;
    n = snprintf(path, size, "%s/%s", folder, name);
    if (n <= 0 || (size_t)n >= size) {
        path[0] = '\0';
        return ASR_ERROR_UNSUPPORTED;
    }
    return ASR_OK;
}

AsrStatus asr_cache_load(const char *path, size_t max, void **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    /* O_NONBLOCK: a FIFO in the file's place must not block the open */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return ASR_ERROR_UNSUPPORTED;
    }
    AsrStatus status = ASR_ERROR_UNSUPPORTED;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (unsigned long long)st.st_size > max)
        goto done;
    char *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        status = ASR_ERROR_NO_MEMORY;
        goto done;
    }
    if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(buf);
        goto done;
    }
    *data = buf;
    *size = (size_t)st.st_size;
    status = ASR_OK;
done:
    fclose(f);
    return status;
}

AsrStatus asr_cache_save(const char *path, const void *data, size_t size)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
    if (n <= 0 || (size_t)n >= sizeof(tmp))
        return ASR_ERROR_UNSUPPORTED;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return ASR_ERROR_UNSUPPORTED;
    const char *p = data;
    size_t left = size;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    int ok = left == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return ASR_ERROR_UNSUPPORTED;
    }
    return ASR_OK;
}

void asr_cache_uuid_hex(const uint8_t uuid[16], char hex[33])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = digits[uuid[i] >> 4];
        hex[2 * i + 1] = digits[uuid[i] & 15];
    }
    hex[32] = '\0';
}
