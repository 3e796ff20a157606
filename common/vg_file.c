/*
 * vg_file.c - temporary-then-rename output files, bounded whole-file reads, mkdir -p.
 * POSIX (Linux first: renameat2 for no-replace renames, with a link()+unlink() fallback).
 * Not a buffered I/O layer: writing goes through the FILE * the caller gets.
 */
#include "common/vg_file.h"

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "common/vg_opt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_SUFFIX_LEN 6
#define TMP_NAME_MAX   200 /* bytes of the target's name kept in the temporary name */

/* The folder part of path ("." when none, "/" for "/x"), malloc'd; caller frees. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, path, len);
    d[len] = '\0';
    return d;
}

static void fill_random(char *out, int n)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x =
        (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 16) ^
        (uint64_t)__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) * 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = alphabet[x % (sizeof(alphabet) - 1)];
    }
}

/* The writer's pid of a temporary file name ".NAME.vrgen-PID-XXXXXX", or 0 for any other
 * name. */
static long temp_pid(const char *name)
{
    const char *tag = NULL;
    for (const char *p = strstr(name, ".vrgen-"); p; p = strstr(p + 1, ".vrgen-")) tag = p;
    if (name[0] != '.' || !tag) return 0;
    char *end = NULL;
    long pid = strtol(tag + 7, &end, 10);
    if (pid <= 0 || !end || *end != '-' || strlen(end + 1) != TMP_SUFFIX_LEN) return 0;
    return pid;
}

/* Removes the temporary files in dir that a process killed before it could clean up left
 * behind (SIGKILL, power loss): their names carry the writer's pid, and a pid with no
 * process is stale (one that is alive, maybe reused by an unrelated process, keeps its
 * file). Each folder is scanned once per process: a PNG sequence opens an output per frame
 * in the same folder, and rescanning a folder of N frames each time would cost N^2. */
static void remove_stale(const char *dir)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char *seen[64];
    static int nseen;
    pthread_mutex_lock(&lock);
    int done = 0;
    for (int i = 0; i < nseen && !done; i++) done = strcmp(seen[i], dir) == 0;
    if (!done && nseen < (int)(sizeof(seen) / sizeof(seen[0])) && (seen[nseen] = strdup(dir)))
        nseen++;
    pthread_mutex_unlock(&lock);
    if (done) return;
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = temp_pid(e->d_name);
        if (pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            vg_info("removed %s/%s, left by an interrupted run (process %ld)", dir, e->d_name, pid);
    }
    closedir(d);
}

static void outfile_release(vg_outfile *f)
{
    free(f->final_path);
    free(f->tmp_path);
    f->final_path = NULL;
    f->tmp_path = NULL;
    f->fp = NULL;
}

int vg_outfile_open(vg_outfile *f, const char *final_path, int overwrite)
{
    int r = VG_OK, fd = -1;
    char *dir = NULL;
    memset(f, 0, sizeof(*f));
    size_t plen = strlen(final_path);
    if (plen == 0) {
        vg_error("the output path is empty");
        return VG_ERR_INVALID;
    }
    if (final_path[plen - 1] == '/') {
        vg_error("%s: is a folder; give a file name", final_path);
        return VG_ERR_IO;
    }
    struct stat st;
    if (lstat(final_path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            vg_error("%s: is a folder; give a file name", final_path);
            return VG_ERR_IO;
        }
        if (!overwrite) {
            vg_error("%s: already exists (use -y to overwrite)", final_path);
            return VG_ERR_EXISTS;
        }
    } else if (errno != ENOENT) {
        vg_error("%s: cannot use as output: %s", final_path, strerror(errno));
        return VG_ERR_IO;
    }

    dir = folder_of(final_path);
    const char *slash = strrchr(final_path, '/');
    const char *base = slash ? slash + 1 : final_path;
    size_t dirlen = slash ? (size_t)(slash - final_path) + 1 : 0; /* with the '/' */
    size_t baselen = strlen(base) < TMP_NAME_MAX ? strlen(base) : TMP_NAME_MAX;
    char pid[24];
    snprintf(pid, sizeof(pid), "%ld-", (long)getpid());
    size_t tmplen = dirlen + 1 + baselen + strlen(".vrgen-") + strlen(pid) + TMP_SUFFIX_LEN;
    f->final_path = strdup(final_path);
    f->tmp_path = malloc(tmplen + 1);
    if (!dir || !f->final_path || !f->tmp_path) {
        vg_error("%s: out of memory", final_path);
        r = VG_ERR_NOMEM;
        goto fail;
    }
    remove_stale(dir);
    for (int attempt = 0; attempt < 100; attempt++) {
        char rnd[TMP_SUFFIX_LEN + 1];
        fill_random(rnd, TMP_SUFFIX_LEN);
        rnd[TMP_SUFFIX_LEN] = '\0';
        snprintf(f->tmp_path, tmplen + 1, "%.*s.%.*s.vrgen-%s%s", (int)dirlen, final_path,
                 (int)baselen, base, pid, rnd);
        fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != EEXIST) break;
    }
    if (fd < 0) {
        vg_error("%s: cannot create a file in folder '%s': %s", final_path, dir, strerror(errno));
        r = VG_ERR_IO;
        goto fail;
    }
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        int err = errno;
        vg_error("%s: cannot open for writing: %s", f->tmp_path, strerror(err));
        close(fd);
        unlink(f->tmp_path);
        r = err == ENOMEM ? VG_ERR_NOMEM : VG_ERR_IO;
        goto fail;
    }
    f->overwrite = overwrite;
    free(dir);
    return VG_OK;

fail:
    free(dir);
    outfile_release(f);
    return r;
}

static void fsync_folder(const char *path)
{
    char *dir = folder_of(path);
    if (!dir) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd); /* best effort: some file systems refuse, the data is already safe */
        close(fd);
    }
    free(dir);
}

/* Moves tmp onto final without replacing an existing file. Returns 0 or an errno value. */
static int rename_noreplace(const char *tmp, const char *final)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return errno;
#endif
    /* The file system has no RENAME_NOREPLACE: a hard link fails when final exists. */
    if (link(tmp, final) == 0) {
        unlink(tmp);
        return 0;
    }
    if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS) return errno;
    /* No hard links either (FAT, some FUSE): check, then rename; a small race remains. */
    struct stat st;
    if (lstat(final, &st) == 0) return EEXIST;
    return rename(tmp, final) == 0 ? 0 : errno;
}

int vg_outfile_commit(vg_outfile *f)
{
    VG_ASSERT(f->tmp_path && f->final_path && !f->committed);
    int err = 0;
    if (f->fp) {
        if (fflush(f->fp) != 0) err = errno;
        if (!err && ferror(f->fp)) err = EIO;
        if (!err && fsync(fileno(f->fp)) != 0) err = errno;
        if (fclose(f->fp) != 0 && !err) err = errno;
        f->fp = NULL;
    } else {
        int fd = open(f->tmp_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            err = errno;
        else {
            if (fsync(fd) != 0) err = errno;
            close(fd);
        }
    }
    if (err) {
        vg_error("%s: write failed: %s", f->final_path, strerror(err));
        unlink(f->tmp_path);
        outfile_release(f);
        return VG_ERR_IO;
    }

    int r = VG_OK;
    if (f->overwrite)
        err = rename(f->tmp_path, f->final_path) == 0 ? 0 : errno;
    else
        err = rename_noreplace(f->tmp_path, f->final_path);
    if (err == EEXIST) {
        vg_error("%s: already exists (it appeared while writing; use -y to overwrite)",
                 f->final_path);
        r = VG_ERR_EXISTS;
    } else if (err) {
        vg_error("%s: cannot move the finished file into place: %s", f->final_path, strerror(err));
        r = VG_ERR_IO;
    }
    if (r < 0) {
        unlink(f->tmp_path);
    } else {
        fsync_folder(f->final_path);
        f->committed = 1;
    }
    outfile_release(f);
    return r;
}

void vg_outfile_abort(vg_outfile *f)
{
    if (f->fp) fclose(f->fp);
    if (f->tmp_path) unlink(f->tmp_path);
    outfile_release(f);
    f->overwrite = 0;
}

int vg_file_read_all(const char *path, size_t max_bytes, unsigned char **data, size_t *size)
{
    int r = VG_OK;
    unsigned char *buf = NULL;
    *data = NULL;
    *size = 0;
    if (max_bytes > SIZE_MAX - 2) max_bytes = SIZE_MAX - 2; /* room for limit + 1 and NUL */
    char limit[24];
    vg_format_size(max_bytes > INT64_MAX ? INT64_MAX : (int64_t)max_bytes, limit, sizeof(limit));

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            vg_error("%s: no such file", path);
            return VG_ERR_NOT_FOUND;
        }
        vg_error("%s: cannot open: %s", path, strerror(errno));
        return VG_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        vg_error("%s: cannot read: %s", path, strerror(errno));
        r = VG_ERR_IO;
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        vg_error("%s: is a folder, not a file", path);
        r = VG_ERR_IO;
        goto done;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > (uint64_t)max_bytes) {
        vg_error("%s: too large (%lld bytes; the limit is %s)", path, (long long)st.st_size, limit);
        r = VG_ERR_LIMIT;
        goto done;
    }
    /* Read at most max_bytes + 1 bytes: one more than allowed proves the file too large,
     * also for pipes and files that grow while we read. */
    size_t want = max_bytes + 1;
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
    if (cap > want) cap = want;
    size_t len = 0;
    buf = malloc(cap + 1);
    if (!buf) goto nomem;
    for (;;) {
        if (len == cap) {
            if (cap == want) break;
            size_t ncap = cap > want / 2 ? want : cap * 2;
            unsigned char *nbuf = realloc(buf, ncap + 1);
            if (!nbuf) goto nomem;
            buf = nbuf;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR) continue;
            vg_error("%s: cannot read: %s", path, strerror(errno));
            r = VG_ERR_IO;
            goto done;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    if (len > max_bytes) {
        vg_error("%s: too large (more than the limit of %s)", path, limit);
        r = VG_ERR_LIMIT;
        goto done;
    }
    buf[len] = '\0';
    *data = buf;
    *size = len;
    buf = NULL;
    goto done;

nomem:
    vg_error("%s: out of memory reading the file", path);
    r = VG_ERR_NOMEM;
done:
    free(buf);
    close(fd);
    return r;
}

int vg_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int vg_mkdir_p(const char *path)
{
    size_t len = strlen(path);
    if (len == 0) {
        vg_error("cannot create a folder with an empty name");
        return VG_ERR_INVALID;
    }
    char *buf = strdup(path);
    if (!buf) {
        vg_error("%s: out of memory", path);
        return VG_ERR_NOMEM;
    }
    int r = VG_OK;
    /* Each prefix ending before a '/' (and the whole path) is one folder to make. */
    for (size_t i = 1; i <= len; i++) {
        if (i < len && buf[i] != '/') continue;
        if (buf[i - 1] == '/') continue; /* "a//b" or a trailing slash */
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0) {
            int err = errno;
            struct stat st;
            if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode)) {
                /* exists: fine */
            } else if (err == EEXIST || err == ENOTDIR) {
                vg_error("cannot create folder %s: %s exists and is not a folder", path, buf);
                r = VG_ERR_IO;
            } else {
                vg_error("cannot create folder %s: %s: %s", path, buf, strerror(err));
                r = VG_ERR_IO;
            }
        }
        buf[i] = saved;
        if (r < 0) break;
    }
    free(buf);
    return r;
}

int vg_partial_path(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) dot = base + strlen(base); /* no extension, or ".hidden" */
    int n = snprintf(out, len, "%.*s.partial%s", (int)(dot - path), path, dot);
    return n < 0 || (size_t)n >= len ? VG_ERR_INVALID : VG_OK;
}

int vg_outfile_commit_partial(vg_outfile *f, char *name, size_t len)
{
    char *p = malloc(strlen(f->final_path) + 16);
    if (!p) {
        vg_outfile_abort(f);
        return VG_ERR_NOMEM;
    }
    vg_partial_path(f->final_path, p, strlen(f->final_path) + 16);
    snprintf(name, len, "%s", p);
    free(f->final_path);
    f->final_path = p;
    return vg_outfile_commit(f);
}
