/*
 * vg_fault.h - failure injection for tests: the environment variable VRGEN_FAULT, a comma
 * separated list of NAME@N, makes the named operation fail the way the real failure would
 * (same error code, same handling downstream). Points and what N means:
 *
 *   device-alloc@BYTES  creating a compute buffer larger than BYTES fails as out of device
 *                       memory (VG_ERR_DEVICE_OOM), on every backend
 *   device-lost@N       the Nth program submission and every later one fail as a lost
 *                       device (VG_ERR_DEVICE_LOST)
 *   read@BYTES          reading an input file (a regular file, not stdin) past byte BYTES
 *                       fails with EIO
 *
 * N takes vg_parse_size's syntax (64M). Unset or empty: no fault, and a check costs one
 * load. Malformed entries are reported once and ignored. Thread-safe.
 */
#ifndef VG_FAULT_H
#define VG_FAULT_H

#include <stdint.h>

/* 1 and *arg = N when NAME is in VRGEN_FAULT, else 0. */
int vg_fault_arg(const char *name, int64_t *arg);

/* For counted faults: counts this call of NAME and returns 1 from the Nth call on. */
int vg_fault_hit(const char *name);

#endif /* VG_FAULT_H */
