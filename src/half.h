/*
 * IEEE half (binary16) <-> float.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ASR_HALF_H
#define ASR_HALF_H

#include <stdint.h>

/* float -> IEEE half bits, round to nearest even */
uint16_t asr_float_to_half(float f);
/* IEEE half bits -> float (exact) */
float asr_half_to_float(uint16_t h);

#endif /* ASR_HALF_H */
