/*
 * vg_assert.h - VG_ASSERT (from vg_error.h) for programmer errors, plus small helpers
 * that code asserting shapes tends to need. Not for runtime failures.
 */
#ifndef VG_ASSERT_H
#define VG_ASSERT_H

#include "common/vg_error.h"

#define VG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif /* VG_ASSERT_H */
