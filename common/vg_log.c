/*
 * vg_log.c - levelled logging: formats one line into a stack buffer, then writes it with
 * the single log mutex held. Not a buffered or asynchronous logger: each line is written
 * (and stderr flushed) before vg_log returns.
 */
#include "common/vg_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define VG_LOG_LINE_MAX 4096

static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static int log_level = VG_LOG_INFO; /* read without the mutex: an int, races are harmless */
static vg_log_sink_fn log_sink;
static void *log_sink_ud;
static vg_log_before_line_fn log_before_line;
static void *log_before_line_ud;

void vg_log_set_level(int level)
{
    if (level < VG_LOG_QUIET) level = VG_LOG_QUIET;
    if (level > VG_LOG_DEBUG) level = VG_LOG_DEBUG;
    __atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int vg_log_get_level(void)
{
    return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void vg_log_lock(void)
{
    pthread_mutex_lock(&log_mutex);
}

void vg_log_unlock(void)
{
    pthread_mutex_unlock(&log_mutex);
}

void vg_log_set_sink(vg_log_sink_fn fn, void *ud)
{
    pthread_mutex_lock(&log_mutex);
    log_sink = fn;
    log_sink_ud = fn ? ud : NULL;
    pthread_mutex_unlock(&log_mutex);
}

void vg_log_set_before_line(vg_log_before_line_fn fn, void *ud)
{
    pthread_mutex_lock(&log_mutex);
    log_before_line = fn;
    log_before_line_ud = fn ? ud : NULL;
    pthread_mutex_unlock(&log_mutex);
}

void vg_log_get_before_line(vg_log_before_line_fn *fn, void **ud)
{
    pthread_mutex_lock(&log_mutex);
    *fn = log_before_line;
    *ud = log_before_line_ud;
    pthread_mutex_unlock(&log_mutex);
}

static int names_program(const char *msg)
{
    return strncmp(msg, "vrgen", 5) == 0 && (msg[5] == ':' || msg[5] == ' ');
}

void vg_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vg_logv(level, fmt, ap);
    va_end(ap);
}

void vg_logv(int level, const char *fmt, va_list ap)
{
    if (level > VG_LOG_ERROR && level > vg_log_get_level()) return;

    char msg[VG_LOG_LINE_MAX]; /* longer messages are cut */
    if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
        snprintf(msg, sizeof(msg), "(unprintable log message: %s)", fmt);
    const char *prefix = "";
    if (level <= VG_LOG_ERROR && !names_program(msg))
        prefix = "vrgen: ";
    else if (level == VG_LOG_WARN)
        prefix = "vrgen: warning: ";
    /* prefix + message + "\n" + NUL */
    char line[VG_LOG_LINE_MAX + 32];
    size_t len = strlen(msg);
    int newline = len == 0 || msg[len - 1] != '\n';
    snprintf(line, sizeof(line), "%s%s%s", prefix, msg, newline ? "\n" : "");

    pthread_mutex_lock(&log_mutex);
    if (log_before_line) log_before_line(log_before_line_ud);
    if (log_sink) {
        log_sink(level, line, log_sink_ud);
    } else {
        fputs(line, stderr);
        fflush(stderr);
    }
    pthread_mutex_unlock(&log_mutex);
}
