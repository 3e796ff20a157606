/*
 * vg_opt.h - declarative option tables that drive both command-line parsing and --help
 * (in the spirit of FFmpeg's AVOption), plus the time and size value syntaxes they use.
 *
 * A subcommand declares one table of vg_opt entries pointing at fields of its config
 * struct (by offsetof); vg_opt_parse fills the struct from the defaults and argv, and
 * vg_opt_help prints the same table. Not a general getopt: no bundled short flags
 * ("-yv"), no abbreviations of long names, no subcommand dispatch.
 *
 * Accepted forms, each with one or two dashes and for the name or the alias:
 *   --crf 23   --crf=23   -crf 23   -crf=23   -c:v libx264   -o out.mp4   -y
 * "--" ends the options; a lone "-" is a positional argument (stdin/stdout by
 * convention); any other argument not starting with '-' is positional, kept in order.
 * The argument after an option that takes a value is always its value, even when it
 * starts with '-' (so "--lr -1" is a range error, not a missing value, and "-o -" works).
 * A later occurrence of an option overrides an earlier one, except VG_OPT_LIST, which
 * appends.
 */
#ifndef VG_OPT_H
#define VG_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A growable array of string pointers. The list owns its items array (free it with
 * vg_strlist_free); it does not own or copy the strings, which point into argv or into an
 * option table's default text. A zeroed struct is an empty list. */
typedef struct vg_strlist {
    const char **items;
    int count;
    int capacity;
} vg_strlist;

/* Appends s (the pointer, not a copy). Returns VG_OK or VG_ERR_NOMEM (list unchanged). */
int vg_strlist_push(vg_strlist *l, const char *s);
/* Frees the items array and zeroes the list; a zeroed list is fine. */
void vg_strlist_free(vg_strlist *l);

typedef enum vg_opt_type {
    VG_OPT_FLAG,   /* int, set to 1 when present; takes no value */
    VG_OPT_INT,    /* int */
    VG_OPT_INT64,  /* int64_t */
    VG_OPT_FLOAT,  /* double; finite values only */
    VG_OPT_STRING, /* const char *, pointing into argv or at the default text */
    VG_OPT_ENUM,   /* int, index into names */
    VG_OPT_SIZE,   /* int64_t bytes; vg_parse_size syntax, e.g. 512M */
    VG_OPT_LIST,   /* vg_strlist; repeatable, each occurrence appends one string */
    VG_OPT_TIME,   /* double seconds; vg_parse_time syntax, e.g. 01:30.5 */
} vg_opt_type;

typedef struct vg_opt {
    const char *name;  /* long name without dashes: "crf", "max-memory", "c:v" */
    const char *alias; /* optional short or alternate name without dashes: "o", "y"; or NULL */
    vg_opt_type type;
    size_t offset;   /* offsetof(config struct, field) */
    const char *def; /* default as command-line text, or NULL: zero / NULL / empty list.
                      * LIST: one default item, used only when the option is not given. */
    double min, max; /* range for INT, INT64, FLOAT, SIZE, TIME (inclusive); min == max == 0
                      * means unbounded; use +-INFINITY for one-sided ranges */
    const char *const *names; /* ENUM: NULL-terminated list of accepted words */
    const char *arg;          /* argument name in --help ("N", "FILE"); NULL: from the type */
    const char *help;         /* one line, no trailing period needed */
} vg_opt;                     /* a table ends with an entry whose name is NULL */

/*
 * Parses argv[first..argc-1] into cfg according to table.
 * First every field named by the table is set from its default (the previous contents are
 * overwritten, not freed), then the arguments are applied in order. Positional arguments
 * are appended to *positional, which is initialised to an empty list first; when
 * positional is NULL, a positional argument is an error. context is the command as the
 * user typed it, for messages ("vrgen stylize"); NULL means "vrgen".
 *
 * Returns VG_OK, or VG_ERR_INVALID after logging one line that names the command, the
 * option as typed, what is wrong and what is accepted, e.g.
 *   vrgen stylize: -crf: 99 is out of range (0 to 51)
 *   vrgen train: unknown option --stpes; did you mean --steps? (see vrgen train --help)
 * or VG_ERR_NOMEM. On error nothing stays allocated (LIST fields and *positional are
 * emptied); vg_opt_free is still safe to call.
 * Ownership: STRING fields and list items point into argv or the table's default texts;
 * LIST arrays and *positional are allocated: free them with vg_opt_free and
 * vg_strlist_free. A bad default in the table is a programmer error and aborts.
 */
int vg_opt_parse(const vg_opt *table, void *cfg, int argc, char **argv, int first,
                 vg_strlist *positional, const char *context);

/* Prints one aligned line per option to out:
 *   -o, --output FILE        output file (default: out.mp4)
 *       --crf N              quality (0 to 51; default: 23)
 * Long names are shown as --name, aliases as -alias; ranges, enum words, defaults and
 * repeatability are appended in parentheses. */
void vg_opt_help(FILE *out, const vg_opt *table);

/* Frees the storage of the table's LIST fields in cfg and empties them. */
void vg_opt_free(const vg_opt *table, void *cfg);

/*
 * FFmpeg duration syntax: "[-]S[.frac][s|ms|us]" or "[-][[HH:]MM:]SS[.frac]", e.g. "90",
 * "1.5", "250ms", "01:30", "00:01:30.5". In the colon forms seconds must be below 60, and
 * minutes too when hours are given. Returns VG_OK and sets *seconds, or VG_ERR_INVALID
 * (nothing logged, *seconds untouched).
 */
int vg_parse_time(const char *s, double *seconds);

/*
 * Byte sizes: a non-negative number with an optional 1024-based suffix K, M, G or T
 * (either case), optionally followed by "B" or "iB": "4096", "512M", "1.5G", "2KiB".
 * Fractions are rounded down to whole bytes. Returns VG_OK, or VG_ERR_INVALID for bad
 * syntax or values beyond INT64_MAX (nothing logged, *bytes untouched).
 */
int vg_parse_size(const char *s, int64_t *bytes);

/* Writes bytes in the syntax vg_parse_size reads, shortest first: "100", "512M", "1.5G"
 * (one decimal when not a whole number of units). Returns buf. n >= 24 always suffices. */
char *vg_format_size(int64_t bytes, char *buf, size_t n);

#endif /* VG_OPT_H */
