/*
 * fuzz_util.h - helpers shared by the fuzz targets (header only, static functions):
 * silencing vrgen's log while checking every line it would print, and handing fuzz bytes
 * to APIs that take a path (one memfd per process, reached as /proc/self/fd/N).
 *
 * Not a fuzzing framework: each target is one LLVMFuzzerTestOneInput (libFuzzer, or
 * fuzz_main.c for the regression runs of the normal test suite).
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/vg_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Log sink: drops the line (FUZZ_VERBOSE=1 in the environment prints it) after checking
 * that it is one line without C0 control characters (tab allowed). A hostile file must
 * not be able to put terminal escapes (ESC), carriage returns or fake extra lines into
 * vrgen's messages; untrusted strings have to be escaped first (vg_json_escape writes
 * them as \u00XX). DEL and C1 code points are left alone, as JSON does. ud != NULL
 * enables the check. */
static inline void fuzz_log_sink(int level, const char *line, void *ud)
{
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (verbose) fputs(line, stderr);
    if (!ud) return;
    size_t n = strlen(line);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x20 && c != '\t' && !(c == '\n' && i == n - 1)) {
            fprintf(stderr, "fuzz: log line carries control character 0x%02x at byte %zu: %s\n", c,
                    i, line);
            abort();
        }
    }
}

/* Quiet logging for a target; check_lines enables the control-character check. */
static inline void fuzz_log_init(int check_lines)
{
    vg_log_set_level(VG_LOG_QUIET);
    if (getenv("FUZZ_VERBOSE")) vg_log_set_level(VG_LOG_DEBUG);
    vg_log_set_sink(fuzz_log_sink, check_lines ? (void *)1 : NULL);
}

/* Replaces the contents of this process's scratch memfd with data[0..size) and returns
 * its path ("/proc/self/fd/N", valid for the life of the process), or aborts. */
static inline const char *fuzz_memfd_path(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("vrgen-fuzz", 0);
        if (fd < 0) {
            perror("fuzz: memfd_create");
            abort();
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) abort();
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0) abort();
        done += (size_t)w;
    }
    return path;
}

#endif /* FUZZ_UTIL_H */
