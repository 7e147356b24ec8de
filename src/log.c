/*
 * Log plumbing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>

#include "log.h"

void asr_logv(const AsrLog *log, AsrLogLevel level, const char *fmt, va_list ap)
{
    if (!log || !log->callback || (int)level > log->level)
        return;
    char buf[1024];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    log->callback(log->user_data, level, buf);
}

void asr_log(const AsrLog *log, AsrLogLevel level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    asr_logv(log, level, fmt, ap);
    va_end(ap);
}
