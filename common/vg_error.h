/*
 * vg_error.h - vrgen's one enum of result codes, their phrases, and the process exit
 * status each maps to; plus VG_ASSERT for programmer errors.
 *
 * Functions return an int: VG_OK (0), a state (positive: VG_AGAIN, VG_EOF, as in FFmpeg's
 * send/receive model) or an error (negative). The function that fails logs one line
 * saying what was wrong with which input; callers pass the code up without logging again.
 * This is not a logger (vg_log.h) and holds no per-thread error state.
 *
 * Exit status of the vrgen command (vg_exit_code), for --help and the README:
 *
 *   0    success
 *   1    other failure (out of memory, training diverged, internal error)
 *   2    usage error: unknown option or bad option value          (VG_ERR_INVALID)
 *   3    input error: missing, corrupt, unsupported or too large   (VG_ERR_NOT_FOUND,
 *        input                                                      VG_ERR_FORMAT,
 *                                                                   VG_ERR_UNSUPPORTED,
 *                                                                   VG_ERR_LIMIT)
 *   4    output error: output exists (no -y), write failed         (VG_ERR_EXISTS, VG_ERR_IO)
 *   5    device error: no GPU, GPU failure, device lost, out of    (VG_ERR_NO_DEVICE,
 *        GPU memory, OpenXR failure, no OpenXR runtime              VG_ERR_DEVICE,
 *                                                                   VG_ERR_DEVICE_LOST,
 *                                                                   VG_ERR_DEVICE_OOM,
 *                                                                   VG_ERR_XR,
 *                                                                   VG_ERR_NO_RUNTIME)
 *   130  interrupted by SIGINT or SIGTERM                          (VG_ERR_INTERRUPTED)
 */
#ifndef VG_ERROR_H
#define VG_ERROR_H

typedef enum vg_result {
    VG_OK = 0,
    /* states, not errors */
    VG_AGAIN = 1, /* nothing now: feed more input or try again later */
    VG_EOF = 2,   /* end of stream: no more output will come */
    /* errors */
    VG_ERR_NOMEM = -1,        /* host memory allocation failed */
    VG_ERR_INVALID = -2,      /* bad argument or option value */
    VG_ERR_IO = -3,           /* read or write failed */
    VG_ERR_NOT_FOUND = -4,    /* missing file */
    VG_ERR_EXISTS = -5,       /* output exists and overwriting is not allowed */
    VG_ERR_FORMAT = -6,       /* corrupt or malformed input file */
    VG_ERR_UNSUPPORTED = -7,  /* valid but unsupported: codec, feature */
    VG_ERR_NO_DEVICE = -8,    /* no usable Vulkan device */
    VG_ERR_DEVICE = -9,       /* a Vulkan or driver call failed */
    VG_ERR_DEVICE_LOST = -10, /* VK_ERROR_DEVICE_LOST */
    VG_ERR_DEVICE_OOM = -11,  /* device memory exhausted */
    VG_ERR_LIMIT = -12,       /* input beyond a size limit */
    VG_ERR_NAN = -13,         /* non-finite numbers, e.g. training diverged */
    VG_ERR_INTERRUPTED = -14, /* SIGINT or SIGTERM */
    VG_ERR_XR = -15,          /* an OpenXR call failed */
    VG_ERR_NO_RUNTIME = -16,  /* no OpenXR runtime */
    VG_ERR_INTERNAL = -17,    /* a bug in vrgen */
} vg_result;

/* A short lower-case phrase for code ("out of memory"); "unknown error" for codes not in
 * the enum. The string is static: never free it. */
const char *vg_strerror(int code);

/* The process exit status for code, per the table at the top of this file. States
 * (VG_AGAIN, VG_EOF) count as success. */
int vg_exit_code(int code);

/* Programmer errors (a shape mismatch, a broken option table) abort with the expression,
 * file and line. Always on, also in release builds. Not for bad input: return an error. */
#define VG_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) vg_assert_fail(#cond, __FILE__, __LINE__);                                    \
    } while (0)

_Noreturn void vg_assert_fail(const char *expr, const char *file, int line);

#endif /* VG_ERROR_H */
