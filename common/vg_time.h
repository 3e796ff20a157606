/*
 * vg_time.h - a monotonic clock in seconds, for rates, ETAs and benchmarks.
 * Not wall-clock time: the origin is arbitrary and differs between boots.
 */
#ifndef VG_TIME_H
#define VG_TIME_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC); never goes backwards. */
double vg_time_now(void);

#endif /* VG_TIME_H */
