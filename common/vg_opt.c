/*
 * vg_opt.c - option-table parsing and --help, and the time and size value syntaxes.
 * Not a getopt replacement for arbitrary programs: see vg_opt.h for the accepted forms.
 * Every user error is logged once here, with the command, the option as typed, the bad
 * value and what would be accepted.
 */
#include "common/vg_opt.h"

#include "common/vg_error.h"
#include "common/vg_log.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- strlist ---------------------------------------------------------------------- */

int vg_strlist_push(vg_strlist *l, const char *s)
{
    if (l->count == l->capacity) {
        int cap = l->capacity ? l->capacity * 2 : 8;
        const char **items = realloc((void *)l->items, (size_t)cap * sizeof(*items));
        if (!items) return VG_ERR_NOMEM;
        l->items = items;
        l->capacity = cap;
    }
    l->items[l->count++] = s;
    return VG_OK;
}

void vg_strlist_free(vg_strlist *l)
{
    free((void *)l->items);
    l->items = NULL;
    l->count = 0;
    l->capacity = 0;
}

/* ---- value syntaxes --------------------------------------------------------------- */

/* Reads digits [. digits] from *p. Returns 0 when no digit was found. */
static int scan_decimal(const char **p, double *v, int *had_fraction)
{
    const char *s = *p;
    double x = 0.0;
    int digits = 0;
    while (isdigit((unsigned char)*s)) {
        x = x * 10.0 + (*s++ - '0');
        digits++;
    }
    *had_fraction = 0;
    if (*s == '.') {
        double scale = 0.1;
        s++;
        *had_fraction = 1;
        while (isdigit((unsigned char)*s)) {
            x += (*s++ - '0') * scale;
            scale *= 0.1;
            digits++;
        }
    }
    if (!digits) return 0;
    *p = s;
    *v = x;
    return 1;
}

/* Reads one run of digits as an integer part of a clock time ("01" in "01:30"). */
static int scan_uint(const char **p, double *v)
{
    const char *s = *p;
    double x = 0.0;
    if (!isdigit((unsigned char)*s)) return 0;
    while (isdigit((unsigned char)*s)) x = x * 10.0 + (*s++ - '0');
    *p = s;
    *v = x;
    return 1;
}

int vg_parse_time(const char *s, double *seconds)
{
    if (!s) return VG_ERR_INVALID;
    const char *p = s;
    double sign = 1.0;
    if (*p == '-') {
        sign = -1.0;
        p++;
    }
    /* Up to three colon-separated fields; all but the last are whole numbers. */
    double field[3];
    int nfield = 0, frac = 0;
    for (;;) {
        const char *start = p;
        double v;
        if (scan_uint(&p, &v) && *p == ':') {
            if (nfield == 2) return VG_ERR_INVALID;
            field[nfield++] = v;
            p++;
            continue;
        }
        p = start;
        if (!scan_decimal(&p, &v, &frac)) return VG_ERR_INVALID;
        field[nfield++] = v;
        break;
    }
    double t;
    if (nfield == 1) {
        t = field[0];
        if (strcmp(p, "s") == 0)
            p++;
        else if (strcmp(p, "ms") == 0) {
            t /= 1e3;
            p += 2;
        } else if (strcmp(p, "us") == 0) {
            t /= 1e6;
            p += 2;
        }
    } else {
        double sec = field[nfield - 1], min = field[nfield - 2];
        double hour = nfield == 3 ? field[0] : 0.0;
        if (sec >= 60.0) return VG_ERR_INVALID;
        if (nfield == 3 && min >= 60.0) return VG_ERR_INVALID;
        t = hour * 3600.0 + min * 60.0 + sec;
    }
    if (*p != '\0' || !isfinite(t)) return VG_ERR_INVALID;
    *seconds = sign * t;
    return VG_OK;
}

static const char size_units[] = "KMGT";

int vg_parse_size(const char *s, int64_t *bytes)
{
    if (!s) return VG_ERR_INVALID;
    const char *p = s;
    uint64_t ip = 0;
    int digits = 0;
    while (isdigit((unsigned char)*p)) {
        unsigned d = (unsigned)(*p++ - '0');
        if (ip > (UINT64_MAX - d) / 10) return VG_ERR_INVALID;
        ip = ip * 10 + d;
        digits++;
    }
    double frac = 0.0, scale = 0.1;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            frac += (*p++ - '0') * scale;
            scale *= 0.1;
            digits++;
        }
    }
    if (!digits) return VG_ERR_INVALID;
    uint64_t mult = 1;
    const char *u = *p ? strchr(size_units, toupper((unsigned char)*p)) : NULL;
    if (u) {
        for (const char *q = size_units; q <= u; q++) mult *= 1024;
        p++;
        if (*p == 'i' && p[1] == 'B')
            p += 2;
        else if (*p == 'B')
            p++;
    } else if (*p == 'B') {
        p++;
    }
    if (*p != '\0') return VG_ERR_INVALID;
    if (ip > (uint64_t)INT64_MAX / mult) return VG_ERR_INVALID;
    uint64_t whole = ip * mult;
    uint64_t part = (uint64_t)(frac * (double)mult);
    if (whole > (uint64_t)INT64_MAX - part) return VG_ERR_INVALID;
    *bytes = (int64_t)(whole + part);
    return VG_OK;
}

char *vg_format_size(int64_t bytes, char *buf, size_t n)
{
    if (bytes < 1024) {
        snprintf(buf, n, "%lld", (long long)bytes);
        return buf;
    }
    int unit = 0;
    double v = (double)bytes / 1024.0;
    int64_t div = 1024;
    while (unit < 3 && bytes / div >= 1024) {
        div *= 1024;
        unit++;
        v /= 1024.0;
    }
    if (bytes % div == 0) {
        snprintf(buf, n, "%lld%c", (long long)(bytes / div), size_units[unit]);
    } else if (v >= 1023.95 && unit < 3) {
        snprintf(buf, n, "%.1f%c", v / 1024.0, size_units[unit + 1]);
    } else {
        /* Rounding may not reach 8388608T (2^63, beyond INT64_MAX: vg_parse_size refuses
         * it); the largest sizes, from 8388607.95T on, are rounded down instead, in
         * integers (v itself rounds to 2^63 there). */
        int64_t whole = bytes / div, rem = bytes % div;
        if (unit == 3 && whole == 8388607 && (rem * 10 + div / 2) / div == 10)
            snprintf(buf, n, "%lld.%lldT", (long long)whole, (long long)(rem * 10 / div));
        else
            snprintf(buf, n, "%.1f%c", v, size_units[unit]);
    }
    return buf;
}

/* ---- option tables ---------------------------------------------------------------- */

static void *field_of(const vg_opt *o, void *cfg)
{
    return (char *)cfg + o->offset;
}

static int has_range(const vg_opt *o)
{
    return !(o->min == 0.0 && o->max == 0.0);
}

static int takes_value(const vg_opt *o)
{
    return o->type != VG_OPT_FLAG;
}

static const char *arg_name(const vg_opt *o)
{
    if (o->arg) return o->arg;
    switch (o->type) {
    case VG_OPT_FLAG:
        return "";
    case VG_OPT_INT:
    case VG_OPT_INT64:
        return "N";
    case VG_OPT_FLOAT:
        return "X";
    case VG_OPT_ENUM:
        return "WORD";
    case VG_OPT_SIZE:
        return "SIZE";
    case VG_OPT_TIME:
        return "TIME";
    case VG_OPT_STRING:
    case VG_OPT_LIST:
        return "STR";
    }
    return "VALUE";
}

/* One bound as text: whole numbers for INT types, sizes as 512M, others %g. */
static void format_bound(const vg_opt *o, double v, char *buf, size_t n)
{
    if (o->type == VG_OPT_SIZE && v >= 0.0 && v < 9.2e18) {
        vg_format_size((int64_t)v, buf, n);
    } else if (o->type == VG_OPT_INT || o->type == VG_OPT_INT64) {
        snprintf(buf, n, "%.0f", v);
    } else {
        snprintf(buf, n, "%g", v);
    }
}

/* "0 to 51", "at least 1", "at most 5", with " seconds" for TIME. Empty when unbounded. */
static void format_range(const vg_opt *o, char *buf, size_t n)
{
    char lo[32], hi[32];
    const char *unit = o->type == VG_OPT_TIME ? " seconds" : "";
    buf[0] = '\0';
    if (!has_range(o)) return;
    format_bound(o, o->min, lo, sizeof(lo));
    format_bound(o, o->max, hi, sizeof(hi));
    if (isinf(o->max) && isinf(o->min)) return;
    if (isinf(o->max))
        snprintf(buf, n, "at least %s%s", lo, unit);
    else if (isinf(o->min))
        snprintf(buf, n, "at most %s%s", hi, unit);
    else
        snprintf(buf, n, "%s to %s%s", lo, hi, unit);
}

/* "a, b, c" into buf (truncated with "..." when too long). */
static void format_names(const vg_opt *o, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; o->names && o->names[i]; i++) {
        int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", o->names[i]);
        if (w < 0 || (size_t)w >= n - len) {
            if (n > 4) strcpy(buf + n - 4, "...");
            return;
        }
        len += (size_t)w;
    }
}

typedef struct opt_ctx {
    const char *context; /* "vrgen stylize" */
    const char *shown;   /* the option as the user typed it, without "=value": "-crf" */
} opt_ctx;

static int range_error(const opt_ctx *c, const vg_opt *o, const char *value)
{
    char range[96];
    format_range(o, range, sizeof(range));
    vg_error("%s: %s: %s is out of range (%s)", c->context, c->shown, value,
             range[0] ? range : "too large");
    return VG_ERR_INVALID;
}

static int in_range(const vg_opt *o, double v)
{
    return !has_range(o) || (v >= o->min && v <= o->max);
}

/* Parses value for option o and stores it in cfg. Logs and returns VG_ERR_INVALID on bad
 * input; VG_ERR_NOMEM when a list cannot grow. */
static int apply_value(const opt_ctx *c, const vg_opt *o, void *cfg, const char *value)
{
    void *dst = field_of(o, cfg);
    switch (o->type) {
    case VG_OPT_FLAG: {
        /* only reached for defaults: "0" or "1" */
        if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0) {
            vg_error("%s: %s: '%s' is not 0 or 1", c->context, c->shown, value);
            return VG_ERR_INVALID;
        }
        *(int *)dst = value[0] == '1';
        return VG_OK;
    }
    case VG_OPT_INT:
    case VG_OPT_INT64: {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (end == value || *end != '\0' || isspace((unsigned char)value[0])) {
            double d = strtod(value, &end);
            if (end != value && *end == '\0' && isfinite(d) && !isspace((unsigned char)value[0]))
                vg_error("%s: %s: '%s' is not a whole number", c->context, c->shown, value);
            else
                vg_error("%s: %s: '%s' is not a number", c->context, c->shown, value);
            return VG_ERR_INVALID;
        }
        if (errno == ERANGE) return range_error(c, o, value);
        if (o->type == VG_OPT_INT && (v < INT_MIN || v > INT_MAX)) return range_error(c, o, value);
        if (!in_range(o, (double)v)) return range_error(c, o, value);
        if (o->type == VG_OPT_INT)
            *(int *)dst = (int)v;
        else
            *(int64_t *)dst = (int64_t)v;
        return VG_OK;
    }
    case VG_OPT_FLOAT: {
        char *end;
        double v = strtod(value, &end);
        if (end == value || *end != '\0' || isspace((unsigned char)value[0])) {
            vg_error("%s: %s: '%s' is not a number", c->context, c->shown, value);
            return VG_ERR_INVALID;
        }
        if (isnan(v)) {
            vg_error("%s: %s: '%s' is not a number", c->context, c->shown, value);
            return VG_ERR_INVALID;
        }
        if (!isfinite(v) || !in_range(o, v)) return range_error(c, o, value);
        *(double *)dst = v;
        return VG_OK;
    }
    case VG_OPT_SIZE: {
        int64_t v;
        if (vg_parse_size(value, &v) < 0) {
            vg_error("%s: %s: '%s' is not a size (bytes, or with a suffix: 64K, 512M, 2G)",
                     c->context, c->shown, value);
            return VG_ERR_INVALID;
        }
        if (!in_range(o, (double)v)) return range_error(c, o, value);
        *(int64_t *)dst = v;
        return VG_OK;
    }
    case VG_OPT_TIME: {
        double v;
        if (vg_parse_time(value, &v) < 0) {
            vg_error("%s: %s: '%s' is not a time (seconds like 90 or 1.5, or [HH:]MM:SS[.frac])",
                     c->context, c->shown, value);
            return VG_ERR_INVALID;
        }
        if (!in_range(o, v)) return range_error(c, o, value);
        *(double *)dst = v;
        return VG_OK;
    }
    case VG_OPT_STRING:
        *(const char **)dst = value;
        return VG_OK;
    case VG_OPT_ENUM: {
        for (int i = 0; o->names[i]; i++) {
            if (strcmp(o->names[i], value) == 0) {
                *(int *)dst = i;
                return VG_OK;
            }
        }
        char names[512];
        format_names(o, names, sizeof(names));
        vg_error("%s: %s: '%s' is not one of: %s", c->context, c->shown, value, names);
        return VG_ERR_INVALID;
    }
    case VG_OPT_LIST: {
        if (vg_strlist_push((vg_strlist *)dst, value) < 0) {
            vg_error("%s: out of memory", c->context);
            return VG_ERR_NOMEM;
        }
        return VG_OK;
    }
    }
    VG_ASSERT(!"unknown vg_opt_type");
    return VG_ERR_INTERNAL;
}

/* Optimal string alignment distance (adjacent transpositions cost 1), for suggestions. */
static int edit_distance(const char *a, size_t na, const char *b)
{
    size_t nb = strlen(b);
    if (na > 62 || nb > 62) return 99;
    int d[64][64];
    for (size_t i = 0; i <= na; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= nb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        for (size_t j = 1; j <= nb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[na][nb];
}

static const vg_opt *find_opt(const vg_opt *table, const char *name, size_t len)
{
    for (const vg_opt *o = table; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) return o;
    for (const vg_opt *o = table; o->name; o++)
        if (o->alias && strlen(o->alias) == len && strncmp(o->alias, name, len) == 0) return o;
    return NULL;
}

static int unknown_option(const vg_opt *table, const char *context, const char *dashes,
                          const char *name, size_t len)
{
    const char *best = NULL;
    int best_d = 3;
    for (const vg_opt *o = table; o->name; o++) {
        int dn = edit_distance(name, len, o->name);
        if (dn < best_d && (size_t)dn < len) {
            best_d = dn;
            best = o->name;
        }
    }
    if (best) {
        vg_error("%s: unknown option %s%.*s; did you mean %s%s? (see %s --help)", context, dashes,
                 (int)len, name, dashes, best, context);
    } else {
        vg_error("%s: unknown option %s%.*s (see %s --help)", context, dashes, (int)len, name,
                 context);
    }
    return VG_ERR_INVALID;
}

/* The table must be well formed: names unique across names and aliases, enums with
 * words, defaults that parse. Violations are programmer errors. */
static void check_table(const vg_opt *table)
{
    for (const vg_opt *o = table; o->name; o++) {
        VG_ASSERT(o->name[0] != '\0' && o->name[0] != '-');
        VG_ASSERT(o->type != VG_OPT_ENUM || (o->names && o->names[0]));
        VG_ASSERT(!has_range(o) || o->min <= o->max);
        for (const vg_opt *q = table; q < o; q++) {
            VG_ASSERT(strcmp(q->name, o->name) != 0);
            VG_ASSERT(!q->alias || strcmp(q->alias, o->name) != 0);
            VG_ASSERT(!o->alias || strcmp(q->name, o->alias) != 0);
            VG_ASSERT(!o->alias || !q->alias || strcmp(q->alias, o->alias) != 0);
        }
    }
}

static void clear_field(const vg_opt *o, void *cfg)
{
    void *dst = field_of(o, cfg);
    switch (o->type) {
    case VG_OPT_FLAG:
    case VG_OPT_INT:
    case VG_OPT_ENUM:
        *(int *)dst = 0;
        break;
    case VG_OPT_INT64:
    case VG_OPT_SIZE:
        *(int64_t *)dst = 0;
        break;
    case VG_OPT_FLOAT:
    case VG_OPT_TIME:
        *(double *)dst = 0.0;
        break;
    case VG_OPT_STRING:
        *(const char **)dst = NULL;
        break;
    case VG_OPT_LIST:
        memset(dst, 0, sizeof(vg_strlist));
        break;
    }
}

static void apply_default(const vg_opt *o, void *cfg)
{
    char shown[128];
    snprintf(shown, sizeof(shown), "--%s", o->name);
    opt_ctx c = {"option table default", shown};
    int r = apply_value(&c, o, cfg, o->def);
    if (r < 0) vg_assert_fail("the option table default parses", __FILE__, __LINE__);
}

int vg_opt_parse(const vg_opt *table, void *cfg, int argc, char **argv, int first,
                 vg_strlist *positional, const char *context)
{
    int r = VG_OK;
    if (!context) context = "vrgen";
    check_table(table);
    for (const vg_opt *o = table; o->name; o++) {
        clear_field(o, cfg);
        if (o->def && o->type != VG_OPT_LIST) apply_default(o, cfg);
    }
    if (positional) memset(positional, 0, sizeof(*positional));

    int options_done = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            if (!positional) {
                vg_error("%s: unexpected argument '%s' (see %s --help)", context, a, context);
                r = VG_ERR_INVALID;
                goto fail;
            }
            if ((r = vg_strlist_push(positional, a)) < 0) {
                vg_error("%s: out of memory", context);
                goto fail;
            }
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = 1;
            continue;
        }
        const char *dashes = a[1] == '-' ? "--" : "-";
        const char *name = a + strlen(dashes);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const vg_opt *o = find_opt(table, name, len);
        if (!o) {
            r = unknown_option(table, context, dashes, name, len);
            goto fail;
        }
        char shown[128];
        snprintf(shown, sizeof(shown), "%s%.*s", dashes, (int)len, name);
        opt_ctx c = {context, shown};
        if (!takes_value(o)) {
            if (eq) {
                vg_error("%s: %s takes no value (got '%s')", context, shown, eq + 1);
                r = VG_ERR_INVALID;
                goto fail;
            }
            *(int *)field_of(o, cfg) = 1;
            continue;
        }
        const char *value;
        if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            char hint[600];
            if (o->type == VG_OPT_ENUM) {
                char names[512];
                format_names(o, names, sizeof(names));
                snprintf(hint, sizeof(hint), "one of: %s", names);
            } else {
                char range[96];
                format_range(o, range, sizeof(range));
                snprintf(hint, sizeof(hint), "%s%s%s", arg_name(o), range[0] ? ", " : "", range);
            }
            vg_error("%s: %s needs a value (%s)", context, shown, hint);
            r = VG_ERR_INVALID;
            goto fail;
        }
        if ((r = apply_value(&c, o, cfg, value)) < 0) goto fail;
    }

    for (const vg_opt *o = table; o->name; o++) {
        if (o->type != VG_OPT_LIST || !o->def) continue;
        vg_strlist *l = field_of(o, cfg);
        if (l->count == 0 && (r = vg_strlist_push(l, o->def)) < 0) {
            vg_error("%s: out of memory", context);
            goto fail;
        }
    }
    return VG_OK;

fail:
    vg_opt_free(table, cfg);
    if (positional) vg_strlist_free(positional);
    return r;
}

void vg_opt_free(const vg_opt *table, void *cfg)
{
    for (const vg_opt *o = table; o->name; o++)
        if (o->type == VG_OPT_LIST) vg_strlist_free(field_of(o, cfg));
}

/* Help text layout: the help column starts after the widest option, at most here. */
#define HELP_COLUMN_MAX 32

static void format_left(const vg_opt *o, char *buf, size_t n)
{
    const char *arg = arg_name(o);
    /* FFmpeg-style names (-y, -ss, -an, -c:v) are shown with the one dash users type */
    const char *dd = strlen(o->name) <= 2 || strchr(o->name, ':') ? "-" : "--";
    if (o->alias) {
        snprintf(buf, n, "  -%s, %s%s%s%s", o->alias, dd, o->name, arg[0] ? " " : "", arg);
    } else {
        snprintf(buf, n, "      %s%s%s%s", dd, o->name, arg[0] ? " " : "", arg);
    }
}

/* Appends "; " (unless first) and the formatted part to buf, truncating at its end. */
static void __attribute__((format(printf, 4, 5)))
add_part(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    if (*len && *len + 2 < n) {
        memcpy(buf + *len, "; ", 3);
        *len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *len, n - *len, fmt, ap);
    va_end(ap);
    if (w > 0) *len += (size_t)w < n - *len ? (size_t)w : n - *len - 1;
}

void vg_opt_help(FILE *out, const vg_opt *table)
{
    size_t col = 0;
    for (const vg_opt *o = table; o->name; o++) {
        char left[160];
        format_left(o, left, sizeof(left));
        size_t w = strlen(left) + 2;
        if (w > col && w <= HELP_COLUMN_MAX) col = w;
    }
    if (col == 0) col = HELP_COLUMN_MAX;

    for (const vg_opt *o = table; o->name; o++) {
        char left[160], extra[800];
        format_left(o, left, sizeof(left));
        size_t len = 0;
        extra[0] = '\0';
        if (o->type == VG_OPT_ENUM) {
            char names[512];
            format_names(o, names, sizeof(names));
            add_part(extra, sizeof(extra), &len, "one of: %s", names);
        } else {
            char range[96];
            format_range(o, range, sizeof(range));
            if (range[0]) add_part(extra, sizeof(extra), &len, "%s", range);
        }
        if (o->type == VG_OPT_LIST) add_part(extra, sizeof(extra), &len, "repeatable");
        /* a help text that explains its own default (e.g. "default: the whole input")
         * is not followed by the raw sentinel value */
        if (o->def && o->type != VG_OPT_FLAG && !(o->help && strstr(o->help, "default")))
            add_part(extra, sizeof(extra), &len, "default: %s", o->def);
        const char *help = o->help ? o->help : "";
        if (strlen(left) + 2 > col) {
            fprintf(out, "%s\n%*s", left, (int)col, "");
        } else {
            fprintf(out, "%-*s", (int)col, left);
        }
        if (extra[0])
            fprintf(out, "%s%s(%s)\n", help, help[0] ? " " : "", extra);
        else
            fprintf(out, "%s\n", help);
    }
}
