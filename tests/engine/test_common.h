/*
 * Helpers shared by the engine tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_TEST_COMMON_H
#define ANYSR_TEST_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "anysr/anysr.h"

#include "asr_test.h"

#define ASR_ARRAY_SIZE_(a) (sizeof(a) / sizeof((a)[0]))

/* Engine with default settings logging to stderr; exits on failure. */
static inline AsrEngine *test_engine_new(void)
{
    AsrSettings s;
    asr_settings_default(&s);
    s.log_callback = test_log_cb;
    AsrEngine *e = NULL;
    AsrStatus st = asr_engine_new(&s, &e);
    if (st < 0) {
        fprintf(stderr, "asr_engine_new failed: %s\n", asr_status_to_string(st));
        exit(1);
    }
    fprintf(stderr, "device: %s\n", asr_engine_device_name(e));
    return e;
}

#endif
