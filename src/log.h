/*
 * Log plumbing: a callback, its user data and the most verbose level.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_LOG_H
#define ASR_LOG_H

#include <stdarg.h>

#include "common.h"

typedef struct AsrLog {
    AsrLogCallback callback; /* NULL: logs nothing */
    void *user_data;
    int level;               /* most verbose AsrLogLevel passed on; ASR_LOG_SILENT: none */
} AsrLog;

/* AsrLog.level that passes nothing on (a trial whose failure is no error) */
#define ASR_LOG_SILENT (-1)

/* Format a message and pass it to the callback when level is enabled.
 * `log` may be NULL. Thread-safe as long as the callback is. */
void asr_log(const AsrLog *log, AsrLogLevel level, const char *fmt, ...) ASR_PRINTF(3, 4);
void asr_logv(const AsrLog *log, AsrLogLevel level, const char *fmt, va_list ap) ASR_PRINTF(3, 0);

#define asr_err(log, ...) asr_log(log, ASR_LOG_ERROR, __VA_ARGS__)
#define asr_warn(log, ...) asr_log(log, ASR_LOG_WARNING, __VA_ARGS__)
#define asr_info(log, ...) asr_log(log, ASR_LOG_INFO, __VA_ARGS__)
#define asr_dbg(log, ...) asr_log(log, ASR_LOG_DEBUG, __VA_ARGS__)

#endif /* ASR_LOG_H */
