/*
 * vg_progress.c - the TTY bar and JSON-lines progress output described in vg_progress.h.
 * Not thread-safe per struct: one thread updates; only the vg_log callback (which runs
 * under the log mutex, as all our drawing does) touches the bar from other threads.
 */
#include "common/vg_progress.h"

#include "common/vg_error.h"
#include "common/vg_time.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BAR_INTERVAL    0.1  /* seconds between bar redraws */
#define JSON_INTERVAL   0.25 /* seconds between JSON lines */
#define SAMPLE_INTERVAL 0.25 /* seconds between rate samples: 16 of them span 4 s */
#define BAR_WIDTH_MAX   50   /* the [====>   ] part, in characters */
#define BAR_WIDTH_MIN   10

const char *const vg_progress_mode_names[] = {"auto", "bar", "json", "none", NULL};

int vg_progress_mode_parse(const char *s, vg_progress_mode *m)
{
    for (int i = 0; s && vg_progress_mode_names[i]; i++) {
        if (strcmp(s, vg_progress_mode_names[i]) == 0) {
            *m = (vg_progress_mode)i;
            return VG_OK;
        }
    }
    return VG_ERR_INVALID;
}

static double default_clock(void *ud)
{
    return vg_time_now();
}

static void copy_trunc(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
    /* do not leave a cut UTF-8 sequence at the end */
    size_t len = strlen(dst);
    if (src && strlen(src) > len) {
        while (len > 0 && ((unsigned char)dst[len - 1] & 0xC0) == 0x80) len--;
        if (len > 0 && ((unsigned char)dst[len - 1] & 0xC0) == 0xC0) len--;
        dst[len] = '\0';
    }
}

static void reset_samples(vg_progress *p, double t)
{
    p->t_start = t;
    p->t_last_out = t - 1e9;
    p->nsample = 1;
    p->sample_next = 1 % VG_PROGRESS_SAMPLES;
    p->sample_t[0] = t;
    p->sample_done[0] = p->done;
}

/* Erases the bar; runs under the log mutex, before a log line is written. */
static void bar_before_log_line(void *ud)
{
    vg_progress *p = ud;
    if (p->bar_len > 0) {
        fprintf(p->out, "\r%*s\r", p->bar_len, "");
        fflush(p->out);
        p->bar_len = 0;
        __atomic_store_n(&p->bar_erased, 1, __ATOMIC_RELAXED);
    }
}

void vg_progress_init(vg_progress *p, vg_progress_mode mode, FILE *out, const char *label,
                      int64_t total, const char *unit)
{
    memset(p, 0, sizeof(*p));
    p->out = out ? out : stderr;
    if (mode == VG_PROGRESS_AUTO) {
        mode = isatty(fileno(p->out)) && vg_log_get_level() >= VG_LOG_INFO ? VG_PROGRESS_BAR
                                                                           : VG_PROGRESS_NONE;
    }
    p->mode = mode;
    copy_trunc(p->label, sizeof(p->label), label);
    copy_trunc(p->unit, sizeof(p->unit), unit);
    p->total = total > 0 ? total : 0;
    p->now = default_clock;
    reset_samples(p, p->now(p->now_ud));
    if (p->mode == VG_PROGRESS_BAR) {
        vg_log_get_before_line(&p->prev_before_line, &p->prev_before_line_ud);
        vg_log_set_before_line(bar_before_log_line, p);
    }
}

void vg_progress_set_clock(vg_progress *p, double (*now)(void *ud), void *ud)
{
    p->now = now ? now : default_clock;
    p->now_ud = now ? ud : NULL;
    reset_samples(p, p->now(p->now_ud));
}

/* Items per second over the sample window (whole run when final). */
static double current_rate(const vg_progress *p, double t, int final)
{
    double t0 = p->t_start;
    int64_t d0 = 0;
    if (!final && p->nsample > 0) {
        int oldest = p->nsample < VG_PROGRESS_SAMPLES ? 0 : p->sample_next;
        t0 = p->sample_t[oldest];
        d0 = p->sample_done[oldest];
    }
    double dt = t - t0;
    if (dt < 1e-3) {
        /* window too short to say anything: fall back to the whole run */
        dt = t - p->t_start;
        d0 = 0;
        if (dt < 1e-3) return 0.0;
    }
    double r = (double)(p->done - d0) / dt;
    return r > 0.0 && isfinite(r) ? r : 0.0;
}

static void add_sample(vg_progress *p, double t)
{
    int last = (p->sample_next + VG_PROGRESS_SAMPLES - 1) % VG_PROGRESS_SAMPLES;
    if (p->nsample > 0 && t - p->sample_t[last] < SAMPLE_INTERVAL) return;
    p->sample_t[p->sample_next] = t;
    p->sample_done[p->sample_next] = p->done;
    p->sample_next = (p->sample_next + 1) % VG_PROGRESS_SAMPLES;
    if (p->nsample < VG_PROGRESS_SAMPLES) p->nsample++;
}

/* "0:15", "1:02:03"; "--:--" when unknown. */
static void format_clock(double s, char *buf, size_t n)
{
    if (!(s >= 0.0) || s > 1e8) {
        snprintf(buf, n, "--:--");
        return;
    }
    long long sec = (long long)(s + 0.5);
    if (sec >= 3600)
        snprintf(buf, n, "%lld:%02lld:%02lld", sec / 3600, sec / 60 % 60, sec % 60);
    else
        snprintf(buf, n, "%lld:%02lld", sec / 60, sec % 60);
}

static void format_rate(double r, const char *unit, char *buf, size_t n)
{
    int decimals = r >= 100.0 ? 0 : r >= 10.0 ? 1 : 2;
    char num[32];
    snprintf(num, sizeof(num), "%.*f", decimals, r);
    if (strcmp(unit, "frames") == 0)
        snprintf(buf, n, "%s fps", num);
    else
        snprintf(buf, n, "%s %s/s", num, unit[0] ? unit : "items");
}

static int terminal_columns(const vg_progress *p)
{
    if (p->columns > 0) return p->columns;
    struct winsize ws;
    if (ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    const char *env = getenv("COLUMNS");
    int c = env ? atoi(env) : 0;
    return c > 0 ? c : 80;
}

/* Appends printf output to line (of size n, now len long), truncating at the end. */
static void __attribute__((format(printf, 4, 5)))
append(char *line, size_t n, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(line + *len, n - *len, fmt, ap);
    va_end(ap);
    if (w > 0) *len += (size_t)w < n - *len ? (size_t)w : n - *len - 1;
}

/* Composes the bar line (no \r, no newline) of at most columns - 1 characters:
 *   label [=====>    ]  120/300 frames  12.3 fps  ETA 0:15  extra
 * When it does not fit, these give way in order: extra, the bar, the label, the rate. */
static void compose_bar(const vg_progress *p, double t, int final, int columns, char *line,
                        size_t n)
{
    char counts[64], rate[80], when[32], clock[24];
    if (p->total > 0) {
        snprintf(counts, sizeof(counts), "%lld/%lld %s", (long long)p->done, (long long)p->total,
                 p->unit);
    } else {
        snprintf(counts, sizeof(counts), "%lld %s", (long long)p->done, p->unit);
    }
    double r = current_rate(p, t, final);
    format_rate(r, p->unit, rate, sizeof(rate));
    if (p->total > 0 && !final) {
        double eta = p->done >= p->total ? 0.0 : r > 0.0 ? (double)(p->total - p->done) / r : -1;
        format_clock(eta, clock, sizeof(clock));
        snprintf(when, sizeof(when), "ETA %s", clock);
    } else {
        format_clock(t - p->t_start, clock, sizeof(clock)); /* elapsed */
        snprintf(when, sizeof(when), "%s", clock);
    }

    int avail = columns - 1; /* writing the last column makes some terminals wrap */
    int show_extra = 0, show_bar = 0, show_label = 0, show_rate = 0, barw = 0;
    for (int level = 0; level < 5; level++) {
        show_extra = level < 1 && p->extra[0];
        show_bar = level < 2 && p->total > 0;
        show_label = level < 3 && p->label[0];
        show_rate = level < 4;
        int w = (int)strlen(counts) + 2 + (int)strlen(when);
        if (show_rate) w += (int)strlen(rate) + 2;
        if (show_extra) w += (int)strlen(p->extra) + 2;
        if (show_label) w += (int)strlen(p->label);
        if (show_bar) {
            /* "[cells]", the gap before the counts, a space after the label */
            barw = avail - w - 2 - 2 - (show_label ? 1 : 0);
            if (barw > BAR_WIDTH_MAX) barw = BAR_WIDTH_MAX;
            if (barw >= BAR_WIDTH_MIN) break;
            continue;
        }
        if (show_label) w += 2;
        if (w <= avail) break;
    }

    size_t len = 0;
    line[0] = '\0';
    if (show_label) append(line, n, &len, "%s", p->label);
    if (show_bar) {
        char bar[BAR_WIDTH_MAX + 1];
        int64_t d = p->done < p->total ? p->done : p->total;
        int filled = (int)((double)barw * (double)d / (double)p->total);
        for (int i = 0; i < barw; i++) bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
        bar[barw] = '\0';
        append(line, n, &len, "%s[%s]", show_label ? " " : "", bar);
    }
    append(line, n, &len, "%s%s", len ? "  " : "", counts);
    if (show_rate) append(line, n, &len, "  %s", rate);
    append(line, n, &len, "  %s", when);
    if (show_extra) append(line, n, &len, "  %s", p->extra);
    /* still too wide (tiny terminal): cut, but not inside a UTF-8 sequence */
    if (avail > 0 && len > (size_t)avail) {
        len = (size_t)avail;
        while (len > 0 && ((unsigned char)line[len] & 0xC0) == 0x80) len--;
        line[len] = '\0';
    }
}

static void draw_bar(vg_progress *p, double t, int final)
{
    char line[1024];
    int columns = terminal_columns(p);
    compose_bar(p, t, final, columns, line, sizeof(line));
    int len = (int)strlen(line);
    /* blank what is left of a longer previous bar, but never past the (maybe narrowed)
     * terminal width, which would wrap */
    int old = p->bar_len < columns - 1 ? p->bar_len : columns - 1;
    vg_log_lock();
    int pad = old > len ? old - len : 0;
    fprintf(p->out, "\r%s%*s", line, pad, "");
    if (final) fputc('\n', p->out);
    fflush(p->out);
    p->bar_len = final ? 0 : len;
    __atomic_store_n(&p->bar_erased, 0, __ATOMIC_RELAXED);
    vg_log_unlock();
}

/* Appends s as a JSON string literal (quotes included). */
static size_t json_string(char *buf, size_t n, size_t len, const char *s)
{
    if (len + 1 < n) buf[len++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c && len + 8 < n; c++) {
        switch (*c) {
        case '"':
            len += (size_t)snprintf(buf + len, n - len, "\\\"");
            break;
        case '\\':
            len += (size_t)snprintf(buf + len, n - len, "\\\\");
            break;
        case '\n':
            len += (size_t)snprintf(buf + len, n - len, "\\n");
            break;
        case '\r':
            len += (size_t)snprintf(buf + len, n - len, "\\r");
            break;
        case '\t':
            len += (size_t)snprintf(buf + len, n - len, "\\t");
            break;
        default:
            if (*c < 0x20 || *c == 0x7f)
                len += (size_t)snprintf(buf + len, n - len, "\\u%04x", *c);
            else
                buf[len++] = (char)*c;
        }
    }
    if (len + 1 < n) buf[len++] = '"';
    buf[len] = '\0';
    return len;
}

/* Appends a JSON number, or null when not finite; immune to a decimal-comma locale. */
static size_t json_number(char *buf, size_t n, size_t len, double v)
{
    if (!isfinite(v)) return len + (size_t)snprintf(buf + len, n - len, "null");
    int w = snprintf(buf + len, n - len, "%.6g", v);
    for (int i = 0; i < w; i++)
        if (buf[len + (size_t)i] == ',') buf[len + (size_t)i] = '.';
    return len + (size_t)w;
}

static void write_json(vg_progress *p, double t, int final, int status)
{
    char buf[2048]; /* worst case with every character escaped: about 1400 */
    size_t n = sizeof(buf), len = 0;
    double r = current_rate(p, t, final);
    double eta = NAN;
    if (p->total > 0) {
        if (p->done >= p->total)
            eta = 0.0;
        else if (r > 0.0)
            eta = (double)(p->total - p->done) / r;
    }
    len += (size_t)snprintf(buf + len, n - len, "{\"label\":");
    len = json_string(buf, n, len, p->label);
    len += (size_t)snprintf(buf + len, n - len, ",\"done\":%lld,\"total\":", (long long)p->done);
    if (p->total > 0)
        len += (size_t)snprintf(buf + len, n - len, "%lld", (long long)p->total);
    else
        len += (size_t)snprintf(buf + len, n - len, "null");
    len += (size_t)snprintf(buf + len, n - len, ",\"unit\":");
    len = json_string(buf, n, len, p->unit);
    len += (size_t)snprintf(buf + len, n - len, ",\"rate\":");
    len = json_number(buf, n, len, r);
    len += (size_t)snprintf(buf + len, n - len, ",\"elapsed\":");
    len = json_number(buf, n, len, t - p->t_start);
    len += (size_t)snprintf(buf + len, n - len, ",\"eta\":");
    len = json_number(buf, n, len, eta);
    len += (size_t)snprintf(buf + len, n - len, ",\"extra\":");
    if (p->extra[0])
        len = json_string(buf, n, len, p->extra);
    else
        len += (size_t)snprintf(buf + len, n - len, "null");
    if (final)
        snprintf(buf + len, n - len, ",\"final\":true,\"status\":%d}\n", status);
    else
        snprintf(buf + len, n - len, ",\"final\":false}\n");
    vg_log_lock();
    fputs(buf, p->out);
    fflush(p->out);
    vg_log_unlock();
}

void vg_progress_update(vg_progress *p, int64_t done, const char *extra)
{
    if (p->mode == VG_PROGRESS_NONE || p->finished) return;
    double t = p->now(p->now_ud);
    p->done = done;
    copy_trunc(p->extra, sizeof(p->extra), extra);
    add_sample(p, t);
    if (p->mode == VG_PROGRESS_BAR) {
        /* bar_erased is set by log lines from any thread */
        int erased = __atomic_load_n(&p->bar_erased, __ATOMIC_RELAXED);
        if (p->t_last_out < p->t_start || erased || t - p->t_last_out >= BAR_INTERVAL) {
            draw_bar(p, t, 0);
            p->t_last_out = t;
        }
    } else if (p->mode == VG_PROGRESS_JSON) {
        if (p->t_last_out < p->t_start || t - p->t_last_out >= JSON_INTERVAL) {
            write_json(p, t, 0, 0);
            p->t_last_out = t;
        }
    }
}

void vg_progress_finish(vg_progress *p, int status)
{
    if (p->mode == VG_PROGRESS_NONE || p->finished) return;
    p->finished = 1;
    double t = p->now(p->now_ud);
    if (p->mode == VG_PROGRESS_BAR) {
        vg_log_set_before_line(p->prev_before_line, p->prev_before_line_ud);
        draw_bar(p, t, 1);
    } else {
        write_json(p, t, 1, status);
    }
}
