/*
 * test_clock.c — the engine's frame timing clock (asr_monotonic_ms(), used
 * for stats.time.wall_ms and the QoS controller's CPU times) is
 * CLOCK_MONOTONIC, not the wall clock: it agrees with
 * clock_gettime(CLOCK_MONOTONIC), never goes back, and is not the time of
 * day (which NTP or `date -s` may step).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "asr_test.h"
#include "timer.h"

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int main(void)
{
    double before = clock_ms(CLOCK_MONOTONIC);
    double t = asr_monotonic_ms();
    double after = clock_ms(CLOCK_MONOTONIC);
    CHECK_MSG(t >= before && t <= after, "asr_monotonic_ms %.3f outside CLOCK_MONOTONIC [%.3f, %.3f]",
              t, before, after);
    double wall = clock_ms(CLOCK_REALTIME);
    /* the two clocks differ by the boot time: decades, unless the machine
     * booted within the minute of the epoch */
    CHECK_MSG(fabs(wall - t) > 60e3, "asr_monotonic_ms %.3f is the wall clock %.3f", t, wall);
    double prev = t;
    int back = 0;
    for (int i = 0; i < 100000; i++) {
        double now = asr_monotonic_ms();
        back += now < prev;
        prev = now;
    }
    CHECK_MSG(back == 0, "went back %d times", back);
    printf("%s: %d failure(s)\n", test_failures ? "FAIL" : "PASS", test_failures);
    return test_failures ? 1 : 0;
}
