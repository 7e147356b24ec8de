/*
 * Small helpers shared by every file of libanysr.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_COMMON_H
#define ASR_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "anysr/anysr.h"

#if defined(__GNUC__)
#  define ASR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#  define ASR_PRINTF(fmt, args)
#endif

#define ASR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ASR_MIN(a, b) ((a) < (b) ? (a) : (b))
#define ASR_MAX(a, b) ((a) > (b) ? (a) : (b))
/* round x up to a multiple of a (a power of two) */
#define ASR_ALIGN(x, a) (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))
#define ASR_DIV_UP(x, d) (((x) + (d) - 1) / (d))

#endif /* ASR_COMMON_H */
