/*
 * pl_seq.c - frame sequence patterns ("frames/%06d.png"): checking, formatting, finding
 * the last complete frame for --resume, refusing to overwrite, creating the folder, and
 * writing frames atomically through pl_png_write_ex.
 *
 * A pattern is parsed into literal text (with %% unescaped) around one conversion each
 * time it is used: patterns are short and the work is negligible next to a PNG encode.
 * Not thread-safe in any special way, and it keeps no state between calls.
 */
#include "pipeline/pl_seq.h"

#include "common/vg_error.h"
#include "common/vg_file.h"
#include "common/vg_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define WIDTH_MAX  18 /* digits of padding; INT64_MAX has 19 */
#define DIGITS_MAX 19 /* digits of a frame number */
/* The smallest PNG: signature, IHDR, one IDAT, IEND (8 + 25 + 12 + 12 bytes). */
#define PNG_MIN_SIZE 57

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
static const unsigned char png_iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};

/* A parsed pattern: byte offsets into the pattern string. */
struct pattern {
    const char *s;
    size_t len;
    size_t conv, conv_end; /* the conversion "%06d" is s[conv, conv_end) */
    int width;             /* zero padding, 0 for none */
    int has_folder;        /* there is a '/' before the conversion */
    size_t slash;          /* offset of the last '/' before the conversion, if has_folder */
};

/* Parses s; logs and returns VG_ERR_INVALID when it is not a valid pattern. */
static int pattern_parse(const char *s, struct pattern *p)
{
    memset(p, 0, sizeof(*p));
    p->s = s;
    p->len = strlen(s);
    static const char *help = "use %d or %06d for the frame number and %% for a literal %";
    if (p->len == 0) {
        vg_error("the output pattern is empty; give one like frames/%%06d.png");
        return VG_ERR_INVALID;
    }
    int count = 0;
    size_t last_slash = SIZE_MAX;
    for (size_t i = 0; i < p->len; i++) {
        if (s[i] == '/') last_slash = i;
        if (s[i] != '%') continue;
        if (s[i + 1] == '%') {
            i++;
            continue;
        }
        size_t j = i + 1;
        long width = 0;
        while (s[j] >= '0' && s[j] <= '9') {
            if (width <= WIDTH_MAX) width = width * 10 + (s[j] - '0');
            j++;
        }
        if (s[j] != 'd') {
            if (s[j] == '\0')
                vg_error("%s: the output pattern ends with a lone %%; %s", s, help);
            else
                vg_error("%s: '%.*s' is not a frame number conversion; %s", s, (int)(j + 1 - i),
                         s + i, help);
            return VG_ERR_INVALID;
        }
        if (width > WIDTH_MAX) {
            vg_error("%s: the frame number width '%.*s' is too large (at most %d digits)", s,
                     (int)(j + 1 - i), s + i, WIDTH_MAX);
            return VG_ERR_INVALID;
        }
        if (++count == 1) {
            p->conv = i;
            p->conv_end = j + 1;
            p->width = (int)width;
            p->has_folder = last_slash != SIZE_MAX;
            p->slash = last_slash;
        }
        i = j;
    }
    if (count == 0) {
        vg_error("%s: the output pattern has no frame number; %s (e.g. frames/%%06d.png)", s, help);
        return VG_ERR_INVALID;
    }
    if (count > 1) {
        vg_error("%s: the output pattern has %d frame numbers; use exactly one", s, count);
        return VG_ERR_INVALID;
    }
    if (last_slash != SIZE_MAX && last_slash > p->conv) {
        vg_error("%s: the frame number must be in the file name, not in a folder name", s);
        return VG_ERR_INVALID;
    }
    if (p->len < 4 || strcasecmp(s + p->len - 4, ".png") != 0) {
        vg_error("%s: frame sequences are written as PNG; end the pattern with .png", s);
        return VG_ERR_INVALID;
    }
    return VG_OK;
}

/* Appends s[a, b) with %% unescaped to buf (capacity len, *pos used). 0, or -1 if full. */
static int put_literal(const char *s, size_t a, size_t b, char *buf, size_t len, size_t *pos)
{
    for (size_t i = a; i < b; i++) {
        if (s[i] == '%') i++; /* the pattern is valid: every other % is a %% */
        if (*pos + 1 >= len) return -1;
        buf[(*pos)++] = s[i];
    }
    buf[*pos] = '\0';
    return 0;
}

/* The frame number as the pattern writes it, into num (at least DIGITS_MAX + 1 bytes). */
static void put_number(const struct pattern *p, int64_t index, char *num, size_t len)
{
    snprintf(num, len, "%0*" PRId64, p->width, index);
}

/* The path of frame index; -1 (not logged) if it does not fit in len bytes. */
static int pattern_format(const struct pattern *p, int64_t index, char *buf, size_t len)
{
    char num[DIGITS_MAX + 8];
    size_t pos = 0;
    if (len == 0) return -1;
    buf[0] = '\0';
    put_number(p, index, num, sizeof(num));
    if (put_literal(p->s, 0, p->conv, buf, len, &pos) != 0) return -1;
    size_t n = strlen(num);
    if (pos + n >= len) return -1;
    memcpy(buf + pos, num, n + 1);
    pos += n;
    if (put_literal(p->s, p->conv_end, p->len, buf, len, &pos) != 0) return -1;
    return 0;
}

/* The folder part ("" when none, "/" for "/%d.png"), unescaped, into buf. -1 if too long. */
static int pattern_folder(const struct pattern *p, char *buf, size_t len)
{
    size_t pos = 0;
    buf[0] = '\0';
    if (!p->has_folder) return 0;
    return put_literal(p->s, 0, p->slash == 0 ? 1 : p->slash, buf, len, &pos);
}

int pl_seq_check_pattern(const char *pattern)
{
    VG_ASSERT(pattern);
    struct pattern p;
    return pattern_parse(pattern, &p);
}

int pl_seq_path(const char *pattern, int64_t index, char *buf, size_t len)
{
    VG_ASSERT(pattern && buf && len > 0 && index >= 0);
    buf[0] = '\0';
    struct pattern p;
    int r = pattern_parse(pattern, &p);
    if (r != VG_OK) return r;
    if (pattern_format(&p, index, buf, len) != 0) {
        buf[0] = '\0';
        vg_error("%s: the path of frame %" PRId64 " is longer than %zu bytes", pattern, index,
                 len - 1);
        return VG_ERR_INVALID;
    }
    return VG_OK;
}

/* Why the frame at path is not a complete PNG: NULL when it is complete. Sets *err to an
 * errno value (and returns NULL) when the file cannot be examined; ENOENT when missing. */
static const char *frame_problem(const char *path, int *err)
{
    *err = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* O_NONBLOCK: a FIFO */
    if (fd < 0) {
        *err = errno;
        return NULL;
    }
    const char *why = NULL;
    struct stat st;
    unsigned char head[8], tail[12];
    if (fstat(fd, &st) != 0) {
        *err = errno;
    } else if (!S_ISREG(st.st_mode)) {
        why = "not a regular file";
    } else if (st.st_size == 0) {
        why = "empty";
    } else if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
               memcmp(head, png_sig, sizeof(head)) != 0) {
        why = "not a PNG";
    } else if (st.st_size < PNG_MIN_SIZE ||
               pread(fd, tail, sizeof(tail), st.st_size - (off_t)sizeof(tail)) !=
                   (ssize_t)sizeof(tail) ||
               memcmp(tail, png_iend, sizeof(tail)) != 0) {
        why = "truncated: it does not end with an IEND chunk";
    }
    close(fd);
    return why;
}

int64_t pl_seq_last_complete(const char *pattern)
{
    VG_ASSERT(pattern);
    struct pattern p;
    int r = pattern_parse(pattern, &p);
    if (r != VG_OK) return r;
    char path[PATH_MAX];
    for (int64_t i = 1; i < INT64_MAX; i++) {
        if (pattern_format(&p, i, path, sizeof(path)) != 0) {
            vg_error("%s: the path of frame %" PRId64 " is too long", pattern, i);
            return VG_ERR_INVALID;
        }
        int err;
        const char *why = frame_problem(path, &err);
        if (err == ENOENT || err == ENOTDIR) return i - 1;
        if (err) {
            vg_error("%s: cannot check the existing frame: %s", path, strerror(err));
            return VG_ERR_IO;
        }
        if (why) {
            vg_warn("%s: incomplete or corrupt frame (%s); it will be written again", path, why);
            return i - 1;
        }
    }
    return INT64_MAX - 1;
}

/* The frame number of file name name when the pattern's name part produces it for some
 * number >= 1, else 0. prefix and suffix are the unescaped literals around the number. */
static int64_t match_frame(const struct pattern *p, const char *name, const char *prefix,
                           const char *suffix)
{
    size_t n = strlen(name), np = strlen(prefix), ns = strlen(suffix);
    if (n <= np + ns || strncmp(name, prefix, np) != 0 || strcmp(name + n - ns, suffix) != 0)
        return 0;
    size_t nd = n - np - ns;
    if (nd > DIGITS_MAX) return 0;
    char digits[DIGITS_MAX + 1];
    memcpy(digits, name + np, nd);
    digits[nd] = '\0';
    for (size_t i = 0; i < nd; i++)
        if (digits[i] < '0' || digits[i] > '9') return 0;
    errno = 0;
    long long v = strtoll(digits, NULL, 10);
    if (errno || v < 1) return 0;
    char again[DIGITS_MAX + 8];
    put_number(p, (int64_t)v, again, sizeof(again));
    return strcmp(again, digits) == 0 ? (int64_t)v : 0;
}

int pl_seq_check_overwrite(const char *pattern, int overwrite)
{
    VG_ASSERT(pattern);
    struct pattern p;
    int r = pattern_parse(pattern, &p);
    if (r != VG_OK || overwrite) return r;

    char folder[PATH_MAX], prefix[PATH_MAX], suffix[PATH_MAX];
    size_t pos = 0, spos = 0;
    size_t name = p.has_folder ? p.slash + 1 : 0;
    if (pattern_folder(&p, folder, sizeof(folder)) != 0 ||
        put_literal(p.s, name, p.conv, prefix, sizeof(prefix), &pos) != 0 ||
        put_literal(p.s, p.conv_end, p.len, suffix, sizeof(suffix), &spos) != 0) {
        vg_error("%s: the output pattern is too long", pattern);
        return VG_ERR_INVALID;
    }
    prefix[pos] = '\0';
    suffix[spos] = '\0';
    const char *dir_path = folder[0] ? folder : ".";
    DIR *dir = opendir(dir_path);
    if (!dir) {
        if (errno == ENOENT || errno == ENOTDIR) return VG_OK; /* nothing there yet */
        vg_error("%s: cannot list the output folder: %s", dir_path, strerror(errno));
        return VG_ERR_IO;
    }
    int64_t first = 0, count = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        int64_t n = match_frame(&p, e->d_name, prefix, suffix);
        if (n <= 0) continue;
        count++;
        if (first == 0 || n < first) first = n;
    }
    closedir(dir);
    if (count == 0) return VG_OK;

    char path[PATH_MAX];
    if (pattern_format(&p, first, path, sizeof(path)) != 0) snprintf(path, sizeof(path), "?");
    if (count > 1)
        vg_error("%s: already exists (and %" PRId64 " more frame%s of %s); use -y to "
                 "overwrite, or --resume to continue after the last complete frame",
                 path, count - 1, count > 2 ? "s" : "", pattern);
    else
        vg_error("%s: already exists (a frame of %s); use -y to overwrite, or --resume to "
                 "continue after the last complete frame",
                 path, pattern);
    return VG_ERR_EXISTS;
}

int pl_seq_make_folder(const char *pattern)
{
    VG_ASSERT(pattern);
    struct pattern p;
    int r = pattern_parse(pattern, &p);
    if (r != VG_OK) return r;
    char folder[PATH_MAX];
    if (pattern_folder(&p, folder, sizeof(folder)) != 0) {
        vg_error("%s: the output pattern is too long", pattern);
        return VG_ERR_INVALID;
    }
    if (!folder[0]) return VG_OK;
    struct stat st;
    if (stat(folder, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return VG_OK;
        vg_error("%s: cannot write frames of %s there: it is not a folder", folder, pattern);
        return VG_ERR_IO;
    }
    if (errno != ENOENT) {
        vg_error("%s: cannot use as the output folder: %s", folder, strerror(errno));
        return VG_ERR_IO;
    }
    /* The parent: folder without trailing slashes and its last component. */
    char parent[PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", folder);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/') parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof(parent), ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode)) {
        vg_error("%s: cannot create the output folder: '%s' does not exist (create it first)",
                 folder, parent);
        return VG_ERR_IO;
    }
    return vg_mkdir_p(folder); /* logs its own failure */
}

int pl_seq_write(const char *pattern, int64_t index, const pl_image *img, int overwrite,
                 const pl_png_write_opts *opts)
{
    char path[PATH_MAX];
    int r = pl_seq_path(pattern, index, path, sizeof(path));
    if (r != VG_OK) return r;
    r = pl_seq_make_folder(pattern);
    if (r != VG_OK) return r;
    return pl_png_write_ex(path, img, overwrite, opts);
}
