/*
 * vg_error.c - phrases and exit statuses for vg_result codes, and the assertion handler.
 * Not a logger: vg_assert_fail writes straight to stderr so it works even when the log
 * mutex is held or broken.
 */
#include "common/vg_error.h"

#include <stdio.h>
#include <stdlib.h>

const char *vg_strerror(int code)
{
    switch (code) {
    case VG_OK:
        return "success";
    case VG_AGAIN:
        return "try again";
    case VG_EOF:
        return "end of stream";
    case VG_ERR_NOMEM:
        return "out of memory";
    case VG_ERR_INVALID:
        return "invalid argument";
    case VG_ERR_IO:
        return "read or write failed";
    case VG_ERR_NOT_FOUND:
        return "file not found";
    case VG_ERR_EXISTS:
        return "output already exists";
    case VG_ERR_FORMAT:
        return "corrupt or malformed input";
    case VG_ERR_UNSUPPORTED:
        return "unsupported input or feature";
    case VG_ERR_NO_DEVICE:
        return "no usable Vulkan device";
    case VG_ERR_DEVICE:
        return "Vulkan device error";
    case VG_ERR_DEVICE_LOST:
        return "Vulkan device lost";
    case VG_ERR_DEVICE_OOM:
        return "out of device memory";
    case VG_ERR_LIMIT:
        return "input exceeds a size limit";
    case VG_ERR_NAN:
        return "non-finite numbers (NaN or infinity)";
    case VG_ERR_INTERRUPTED:
        return "interrupted";
    case VG_ERR_XR:
        return "OpenXR error";
    case VG_ERR_NO_RUNTIME:
        return "no OpenXR runtime";
    case VG_ERR_INTERNAL:
        return "internal error";
    }
    return "unknown error";
}

int vg_exit_code(int code)
{
    if (code >= 0) return 0;
    switch (code) {
    case VG_ERR_INTERRUPTED:
        return 130;
    case VG_ERR_INVALID:
        return 2;
    case VG_ERR_NOT_FOUND:
    case VG_ERR_FORMAT:
    case VG_ERR_UNSUPPORTED:
    case VG_ERR_LIMIT:
        return 3;
    case VG_ERR_EXISTS:
    case VG_ERR_IO:
        return 4;
    case VG_ERR_NO_DEVICE:
    case VG_ERR_DEVICE:
    case VG_ERR_DEVICE_LOST:
    case VG_ERR_DEVICE_OOM:
    case VG_ERR_XR:
    case VG_ERR_NO_RUNTIME:
        return 5;
    }
    return 1;
}

void vg_assert_fail(const char *expr, const char *file, int line)
{
    fflush(stdout);
    fprintf(stderr, "vrgen: internal error: assertion failed: %s (%s:%d)\n", expr, file, line);
    fflush(stderr);
    abort();
}
