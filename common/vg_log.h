/*
 * vg_log.h - levelled, thread-safe logging to stderr, one whole line at a time.
 *
 * Errors read "vrgen: <message>", warnings "vrgen: warning: <message>", info, verbose and
 * debug lines are printed as given. A newline is added when the message lacks one.
 * Two hooks let other code cooperate with the log: a sink that receives each finished line
 * instead of stderr (tests), and a before-line callback (the TTY progress bar erases itself
 * there). This is not a structured or file logger, and it does not rate-limit.
 */
#ifndef VG_LOG_H
#define VG_LOG_H

#include <stdarg.h>

/* A message at level L is shown when L <= the current level. Errors are always shown:
 * VG_LOG_QUIET differs from VG_LOG_ERROR only as a hint to other output (progress bars in
 * VG_PROGRESS_AUTO mode stay off below VG_LOG_INFO). */
enum vg_log_level {
    VG_LOG_QUIET = -1, /* nothing but errors */
    VG_LOG_ERROR = 0,
    VG_LOG_WARN = 1,
    VG_LOG_INFO = 2, /* default */
    VG_LOG_VERBOSE = 3,
    VG_LOG_DEBUG = 4,
};

void vg_log_set_level(int level); /* clamped to [VG_LOG_QUIET, VG_LOG_DEBUG] */
int vg_log_get_level(void);

/* Formats and prints one message (printf-like). An error message that already starts with
 * the program name ("vrgen:" or "vrgen ", e.g. "vrgen stylize: -crf: ...") is not
 * prefixed a second time. Messages longer than 4 KiB are truncated. */
void vg_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* vg_log for wrappers that take their own variable arguments. */
void vg_logv(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define vg_error(...)   vg_log(VG_LOG_ERROR, __VA_ARGS__)
#define vg_warn(...)    vg_log(VG_LOG_WARN, __VA_ARGS__)
#define vg_info(...)    vg_log(VG_LOG_INFO, __VA_ARGS__)
#define vg_verbose(...) vg_log(VG_LOG_VERBOSE, __VA_ARGS__)
#define vg_debug(...)   vg_log(VG_LOG_DEBUG, __VA_ARGS__)

/* The sink receives each shown line instead of stderr: line is complete (prefix and
 * trailing newline included) and only valid during the call. Called with the log mutex
 * held, so it must not log. fn == NULL restores stderr. */
typedef void (*vg_log_sink_fn)(int level, const char *line, void *ud);
void vg_log_set_sink(vg_log_sink_fn fn, void *ud);

/* fn is called with the log mutex held just before each shown line is written (to stderr
 * or the sink); it must not log. One callback at a time: setting replaces the previous
 * one, fn == NULL removes it. vg_log_get_before_line reads the current one so a user can
 * restore what it replaced. */
typedef void (*vg_log_before_line_fn)(void *ud);
void vg_log_set_before_line(vg_log_before_line_fn fn, void *ud);
void vg_log_get_before_line(vg_log_before_line_fn *fn, void **ud);

/* Holds the log mutex, for output that must not interleave with log lines (the progress
 * bar draws under it). Not recursive: do not log while holding it. */
void vg_log_lock(void);
void vg_log_unlock(void);

#endif /* VG_LOG_H */
