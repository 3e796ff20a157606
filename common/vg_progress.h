/*
 * vg_progress.h - progress reporting for long jobs: a one-line TTY bar on stderr, or
 * JSON lines for programs that drive vrgen, or nothing.
 *
 * The caller owns a vg_progress struct (init / update / finish) and calls update as
 * often as it likes: output is rate-limited here (bar: 10 redraws per second, JSON: 4
 * lines per second, plus a final one each). The bar cooperates with vg_log: a log line
 * erases the bar first and the next update draws it again. One bar at a time; update
 * and finish from one thread (log lines may come from any thread).
 * Not a logger, not a multi-bar display, and it never reads the terminal.
 */
#ifndef VG_PROGRESS_H
#define VG_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "common/vg_log.h"

typedef enum vg_progress_mode {
    VG_PROGRESS_AUTO, /* a bar when stderr is a TTY and the log level is at least INFO */
    VG_PROGRESS_BAR,
    VG_PROGRESS_JSON,
    VG_PROGRESS_NONE,
} vg_progress_mode;

/* "auto", "bar", "json", "none", NULL: in enum order, usable as a VG_OPT_ENUM word list. */
extern const char *const vg_progress_mode_names[];

/* Parses "auto|bar|json|none". Returns VG_OK, or VG_ERR_INVALID (nothing logged). */
int vg_progress_mode_parse(const char *s, vg_progress_mode *m);

#define VG_PROGRESS_SAMPLES 16 /* rate window: 16 samples, at least 0.25 s apart */

/* Fields are private to vg_progress.c except columns, which may be set after init. */
typedef struct vg_progress {
    vg_progress_mode mode; /* resolved: BAR, JSON or NONE */
    FILE *out;             /* not owned */
    char label[48];        /* copies, truncated */
    char unit[16];
    char extra[128]; /* latest extra text */
    int64_t total;   /* 0: unknown */
    int64_t done;
    int columns; /* bar width in terminal columns; 0: ask the terminal at each draw
                  * (TIOCGWINSZ, then $COLUMNS, then 80) */
    double (*now)(void *ud);
    void *now_ud;
    double t_start;
    double t_last_out; /* last bar draw or JSON line; < t_start: none yet */
    int bar_len;       /* characters of the bar now on screen; 0 when erased or none */
    int bar_erased;    /* a log line erased the bar: redraw at the next update */
    int finished;
    double sample_t[VG_PROGRESS_SAMPLES];
    int64_t sample_done[VG_PROGRESS_SAMPLES];
    int nsample, sample_next;
    vg_log_before_line_fn prev_before_line; /* restored by finish */
    void *prev_before_line_ud;
} vg_progress;

/*
 * Starts reporting. out is where JSON lines go (JSON) or the bar is drawn (BAR, AUTO);
 * NULL means stderr. out is not owned and must stay open until finish. label ("stylize")
 * and unit ("frames", "steps") are copied; a unit of "frames" shows its rate as fps,
 * others as unit/s. total is the expected count, 0 when unknown (no ETA then). In bar
 * mode this registers a vg_log before-line callback pointing at p until finish, so every
 * path (errors included) must call vg_progress_finish before p goes away.
 * Pure bookkeeping: prints nothing until the first update.
 */
void vg_progress_init(vg_progress *p, vg_progress_mode mode, FILE *out, const char *label,
                      int64_t total, const char *unit);

/* Replaces the clock (default vg_time_now) and restarts the elapsed time from now(ud).
 * Call right after init, before the first update; for tests. */
void vg_progress_set_clock(vg_progress *p, double (*now)(void *ud), void *ud);

/* Reports that done items are complete. extra is short free text shown after the counts
 * ("loss 0.123 | 12.3 MB"), copied; NULL for none. Draws only when the rate limit allows.
 *
 * Bar:  label [=========>        ]  120/300 frames  12.3 fps  ETA 0:15  extra
 * JSON: {"label":"stylize","done":120,"total":300,"unit":"frames","rate":12.3,
 *        "elapsed":9.75,"eta":14.6,"extra":"...","final":false}
 * rate: items per second over the last few seconds; eta in seconds; total, eta and extra
 * are null when unknown. */
void vg_progress_update(vg_progress *p, int64_t done, const char *extra);

/* Draws the final state (the bar then ends its line; JSON writes a last object with
 * "final":true,"status":<status>, where rate is the average over the whole run) and
 * unregisters from vg_log. status is the job's vg_result code. Idempotent. */
void vg_progress_finish(vg_progress *p, int status);

#endif /* VG_PROGRESS_H */
