/* vg_time.c - CLOCK_MONOTONIC as double seconds. Not a timer or a sleep helper. */
#include "common/vg_time.h"

#include <time.h>

double vg_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
