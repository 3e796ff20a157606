/*
 * test_common_file.c - vg_outfile (commit, abort, exists without overwrite, overwrite,
 * a file appearing while writing, missing and unwritable folders, write errors, writing
 * through another API), vg_file_read_all limits and errors, vg_mkdir_p, vg_path_exists.
 * Works in a mkdtemp folder under /tmp that it removes. Not a test of disk-full
 * behaviour on a real device.
 */
#include "common/vg_error.h"
#include "common/vg_file.h"
#include "common/vg_log.h"
#include "tests/vt.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char scratch[64];
static char last_line[1024];
static int lines_logged;

static void sink(int level, const char *line, void *ud)
{
    snprintf(last_line, sizeof(last_line), "%s", line);
    lines_logged++;
}

static void clear_log(void)
{
    last_line[0] = '\0';
    lines_logged = 0;
}

static char *path_in(const char *name)
{
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof(buf[0]), "%s/%s", scratch, name);
    return p;
}

/* Number of entries in dir (without . and ..); *hidden gets those starting with '.'. */
static int count_entries(const char *dir, int *hidden)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (hidden) *hidden = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        n++;
        if (hidden && e->d_name[0] == '.') (*hidden)++;
    }
    closedir(d);
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    VT_CHECK(f != NULL, "cannot create %s", path);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* 1 when the file at path holds exactly text. */
static int has_content(const char *path, const char *text)
{
    unsigned char *data;
    size_t size;
    if (vg_file_read_all(path, 1 << 20, &data, &size) != VG_OK) return 0;
    int same = size == strlen(text) && memcmp(data, text, size) == 0;
    free(data);
    return same;
}

static int zeroed(const vg_outfile *f)
{
    return !f->final_path && !f->tmp_path && !f->fp;
}

static void test_commit_and_abort(void)
{
    vg_outfile f;
    const char *out = path_in("out.bin");
    int r = vg_outfile_open(&f, out, 0);
    VT_CHECK(r == VG_OK, "open: %d %s", r, last_line);
    if (r != VG_OK) return;
    VT_CHECK(!vg_path_exists(out), "final path exists before commit");
    char want_prefix[512];
    snprintf(want_prefix, sizeof(want_prefix), "%s/.out.bin.vrgen-%ld-", scratch, (long)getpid());
    VT_CHECK(strncmp(f.tmp_path, want_prefix, strlen(want_prefix)) == 0 &&
                 strlen(f.tmp_path) == strlen(want_prefix) + 6,
             "temporary name '%s'", f.tmp_path);
    struct stat st;
    mode_t mask = umask(022);
    umask(mask);
    VT_CHECK(stat(f.tmp_path, &st) == 0 && (st.st_mode & 0777) == (0644 & ~mask),
             "temporary file mode %o, want %o", st.st_mode & 0777, 0644 & ~mask);
    fputs("hello, world\n", f.fp);
    r = vg_outfile_commit(&f);
    VT_CHECK(r == VG_OK, "commit: %d %s", r, last_line);
    VT_CHECK(f.committed == 1 && zeroed(&f), "struct after commit");
    vg_outfile_abort(&f); /* a no-op after commit */
    VT_CHECK(has_content(out, "hello, world\n"), "committed content");
    int hidden;
    VT_CHECK(count_entries(scratch, &hidden) == 1 && hidden == 0,
             "folder holds %d entries, %d hidden, after commit", count_entries(scratch, NULL),
             hidden);

    /* abort: nothing left behind */
    r = vg_outfile_open(&f, path_in("aborted.bin"), 0);
    VT_CHECK(r == VG_OK, "open: %s", last_line);
    fputs("partial", f.fp);
    vg_outfile_abort(&f);
    VT_CHECK(zeroed(&f), "struct after abort");
    vg_outfile_abort(&f); /* twice is fine */
    vg_outfile z = {0};
    vg_outfile_abort(&z); /* a zeroed struct is fine */
    VT_CHECK(count_entries(scratch, &hidden) == 1 && hidden == 0, "abort left files behind");
    VT_CHECK(!vg_path_exists(path_in("aborted.bin")), "abort created the final file");
}

static void test_exists_and_overwrite(void)
{
    vg_outfile f;
    const char *out = path_in("out.bin");
    clear_log();
    int r = vg_outfile_open(&f, out, 0);
    VT_CHECK(r == VG_ERR_EXISTS, "open over an existing file without overwrite: %d", r);
    char want[600];
    snprintf(want, sizeof(want), "vrgen: %s: already exists (use -y to overwrite)\n", out);
    VT_CHECK(strcmp(last_line, want) == 0, "message '%s'", last_line);
    VT_CHECK(zeroed(&f), "struct after a failed open");
    VT_CHECK(has_content(out, "hello, world\n"), "the existing file was touched");
    VT_CHECK(count_entries(scratch, NULL) == 1, "a refused open left files");

    r = vg_outfile_open(&f, out, 1);
    VT_CHECK(r == VG_OK, "open with overwrite: %s", last_line);
    if (r == VG_OK) {
        fputs("replaced", f.fp);
        VT_CHECK(has_content(out, "hello, world\n"), "replaced before commit");
        r = vg_outfile_commit(&f);
        VT_CHECK(r == VG_OK, "commit with overwrite: %s", last_line);
    }
    VT_CHECK(has_content(out, "replaced"), "overwrite did not replace");
    VT_CHECK(count_entries(scratch, NULL) == 1, "overwrite left files");

    /* a file that appears while we write is not clobbered */
    const char *race = path_in("race.bin");
    r = vg_outfile_open(&f, race, 0);
    VT_CHECK(r == VG_OK, "open: %s", last_line);
    if (r == VG_OK) {
        fputs("ours", f.fp);
        write_file(race, "theirs");
        clear_log();
        r = vg_outfile_commit(&f);
        VT_CHECK(r == VG_ERR_EXISTS, "commit onto a file that appeared: %d", r);
        VT_CHECK(strstr(last_line, "race.bin: already exists") != NULL, "message '%s'", last_line);
        VT_CHECK(zeroed(&f) && !f.committed, "struct after a failed commit");
    }
    VT_CHECK(has_content(race, "theirs"), "the file that appeared was clobbered");
    int hidden;
    VT_CHECK(count_entries(scratch, &hidden) == 2 && hidden == 0, "failed commit left files");
    unlink(race);

    /* the final path is a folder */
    mkdir(path_in("adir"), 0755);
    clear_log();
    r = vg_outfile_open(&f, path_in("adir"), 1);
    VT_CHECK(r == VG_ERR_IO && strstr(last_line, "is a folder"), "folder as output: %d '%s'", r,
             last_line);
    r = vg_outfile_open(&f, path_in("adir/"), 1);
    VT_CHECK(r == VG_ERR_IO, "trailing slash as output: %d", r);
    rmdir(path_in("adir"));
}

static void test_folder_errors(void)
{
    vg_outfile f;
    clear_log();
    int r = vg_outfile_open(&f, path_in("nope/x.bin"), 1);
    VT_CHECK(r == VG_ERR_IO, "missing folder: %d", r);
    VT_CHECK(strstr(last_line, "nope'") && strstr(last_line, "No such file or directory"),
             "message '%s'", last_line);
    VT_CHECK(zeroed(&f), "struct after a failed open");

    const char *ro = path_in("readonly");
    mkdir(ro, 0755);
    chmod(ro, 0555);
    if (geteuid() == 0) {
        printf("skip unwritable-folder check: running as root, which ignores folder "
               "permissions\n");
    } else {
        clear_log();
        char p[600];
        snprintf(p, sizeof(p), "%s/x.bin", ro);
        r = vg_outfile_open(&f, p, 1);
        VT_CHECK(r == VG_ERR_IO, "unwritable folder: %d", r);
        VT_CHECK(strstr(last_line, "readonly'") && strstr(last_line, "Permission denied"),
                 "message '%s'", last_line);
        VT_CHECK(count_entries(ro, NULL) == 0, "files in the unwritable folder");
    }
    chmod(ro, 0755);
    rmdir(ro);
}

static void test_write_error_and_other_writer(void)
{
    vg_outfile f;
    const char *out = path_in("broken.bin");
    int r = vg_outfile_open(&f, out, 0);
    VT_CHECK(r == VG_OK, "open: %s", last_line);
    if (r != VG_OK) return;
    /* make the stream's descriptor read-only: the buffered write fails at commit */
    int ro = open("/dev/null", O_RDONLY);
    dup2(ro, fileno(f.fp));
    close(ro);
    fputs("lost", f.fp);
    clear_log();
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s", f.tmp_path);
    r = vg_outfile_commit(&f);
    VT_CHECK(r == VG_ERR_IO, "commit after a write error: %d", r);
    VT_CHECK(strstr(last_line, "broken.bin: write failed: Bad file descriptor") != NULL,
             "message '%s'", last_line);
    VT_CHECK(!vg_path_exists(out) && !vg_path_exists(tmp), "files left after a failed commit");
    VT_CHECK(zeroed(&f), "struct after a failed commit");

    /* the caller writes through another API on tmp_path and closes fp itself */
    out = path_in("avio.bin");
    r = vg_outfile_open(&f, out, 0);
    VT_CHECK(r == VG_OK, "open: %s", last_line);
    if (r != VG_OK) return;
    fclose(f.fp);
    f.fp = NULL;
    write_file(f.tmp_path, "written elsewhere");
    r = vg_outfile_commit(&f);
    VT_CHECK(r == VG_OK && has_content(out, "written elsewhere"), "commit without fp: %d", r);
    unlink(out);

    /* a relative path with no folder part, and a very long name */
    char cwd[512];
    VT_CHECK(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd");
    VT_CHECK(chdir(scratch) == 0, "chdir");
    r = vg_outfile_open(&f, "rel.bin", 0);
    VT_CHECK(r == VG_OK && strncmp(f.tmp_path, ".rel.bin.vrgen-", 15) == 0, "relative: %s",
             f.tmp_path ? f.tmp_path : last_line);
    if (r == VG_OK) {
        fputs("rel", f.fp);
        VT_CHECK(vg_outfile_commit(&f) == VG_OK, "commit relative: %s", last_line);
    }
    VT_CHECK(has_content("rel.bin", "rel"), "relative content");
    unlink("rel.bin");
    char longname[251];
    memset(longname, 'n', 250);
    longname[250] = '\0';
    r = vg_outfile_open(&f, longname, 0);
    VT_CHECK(r == VG_OK, "250-byte name: %s", last_line);
    if (r == VG_OK) VT_CHECK(vg_outfile_commit(&f) == VG_OK, "commit long name: %s", last_line);
    VT_CHECK(vg_path_exists(longname), "long name not created");
    unlink(longname);
    VT_CHECK(chdir(cwd) == 0, "chdir back");
}

static void test_read_all(void)
{
    const char *p = path_in("data.bin");
    char text[1001];
    for (int i = 0; i < 1000; i++) text[i] = (char)('a' + i % 26);
    text[1000] = '\0';
    write_file(p, text);
    unsigned char *data = (unsigned char *)"sentinel";
    size_t size = 7;
    int r = vg_file_read_all(p, 1000, &data, &size);
    VT_CHECK(r == VG_OK && size == 1000 && memcmp(data, text, 1000) == 0 && data[1000] == 0,
             "read at the limit: %d %zu", r, size);
    free(data);

    clear_log();
    r = vg_file_read_all(p, 999, &data, &size);
    VT_CHECK(r == VG_ERR_LIMIT && data == NULL && size == 0, "over the limit: %d", r);
    VT_CHECK(strstr(last_line, "data.bin: too large (1000 bytes; the limit is 999)") != NULL,
             "message '%s'", last_line);

    const char *empty = path_in("empty.bin");
    write_file(empty, "");
    r = vg_file_read_all(empty, 10, &data, &size);
    VT_CHECK(r == VG_OK && size == 0 && data != NULL && data[0] == 0, "empty file: %d", r);
    free(data);
    r = vg_file_read_all(empty, 0, &data, &size);
    VT_CHECK(r == VG_OK && size == 0, "empty file, limit 0: %d", r);
    free(data);

    clear_log();
    r = vg_file_read_all(path_in("missing.bin"), 10, &data, &size);
    VT_CHECK(r == VG_ERR_NOT_FOUND && data == NULL, "missing: %d", r);
    VT_CHECK(strstr(last_line, "missing.bin: no such file") != NULL, "message '%s'", last_line);
    r = vg_file_read_all(path_in("data.bin/x"), 10, &data, &size);
    VT_CHECK(r == VG_ERR_NOT_FOUND, "below a file: %d", r);

    clear_log();
    r = vg_file_read_all(scratch, 10, &data, &size);
    VT_CHECK(r == VG_ERR_IO && strstr(last_line, "is a folder"), "folder: %d '%s'", r, last_line);

    /* not a regular file: the read stops one byte past the limit */
    r = vg_file_read_all("/dev/zero", 4096, &data, &size);
    VT_CHECK(r == VG_ERR_LIMIT && data == NULL, "/dev/zero: %d", r);

    if (geteuid() != 0) {
        chmod(p, 0);
        r = vg_file_read_all(p, 4096, &data, &size);
        VT_CHECK(r == VG_ERR_IO && strstr(last_line, "Permission denied"), "unreadable: %d '%s'", r,
                 last_line);
        chmod(p, 0644);
    } else {
        printf("skip unreadable-file check: running as root\n");
    }
    unlink(p);
    unlink(empty);
}

static void test_mkdir_and_exists(void)
{
    VT_CHECK(vg_path_exists(scratch), "scratch folder exists");
    VT_CHECK(!vg_path_exists(path_in("nothing")), "missing path exists");
    const char *deep = path_in("a/b/c");
    int r = vg_mkdir_p(deep);
    struct stat st;
    VT_CHECK(r == VG_OK && stat(deep, &st) == 0 && S_ISDIR(st.st_mode), "mkdir -p: %d", r);
    VT_CHECK(vg_mkdir_p(deep) == VG_OK, "mkdir -p of an existing folder");
    VT_CHECK(vg_mkdir_p(path_in("a//b/d/")) == VG_OK && vg_path_exists(path_in("a/b/d")),
             "double and trailing slashes");
    write_file(path_in("a/file"), "x");
    clear_log();
    r = vg_mkdir_p(path_in("a/file/sub"));
    VT_CHECK(r == VG_ERR_IO && strstr(last_line, "a/file exists and is not a folder"),
             "through a file: %d '%s'", r, last_line);
    VT_CHECK(vg_mkdir_p("") == VG_ERR_INVALID, "empty path");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Temporary files of killed runs (dead pid, exact ".NAME.vrgen-PID-XXXXXX" names) are
 * removed by the first open in their folder; those of a live process and look-alike names
 * stay, and the folder is not scanned again (a PNG sequence opens a file per frame). */
static void test_stale_temporaries(void)
{
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0); /* a pid with no process (reuse this soon is unlikely) */
    char dir[512], dead[600], dead2[600], live[600], alike[600], later[600];
    snprintf(dir, sizeof(dir), "%s/stale", scratch);
    VT_CHECK(vg_mkdir_p(dir) == VG_OK, "mkdir %s", dir);
    snprintf(dead, sizeof(dead), "%s/.st.bin.vrgen-%ld-AbCdEf", dir, (long)child);
    snprintf(dead2, sizeof(dead2), "%s/.000007.png.vrgen-%ld-AbCdEf", dir, (long)child);
    snprintf(live, sizeof(live), "%s/.st.bin.vrgen-%ld-AbCdEf", dir, (long)getppid());
    snprintf(alike, sizeof(alike), "%s/.notes.vrgen-%ld-keep-me", dir, (long)child);
    snprintf(later, sizeof(later), "%s/.late.bin.vrgen-%ld-AbCdEf", dir, (long)child);
    write_file(dead, "partial");
    write_file(dead2, "partial");
    write_file(live, "partial");
    write_file(alike, "the user's");
    clear_log();
    char out[600];
    snprintf(out, sizeof(out), "%s/st.bin", dir);
    vg_outfile f;
    int r = vg_outfile_open(&f, out, 0);
    VT_CHECK(r == VG_OK, "open: %d %s", r, last_line);
    VT_CHECK(!vg_path_exists(dead), "stale temporary file of a dead process kept");
    VT_CHECK(!vg_path_exists(dead2), "stale temporary file of another target kept");
    VT_CHECK(strstr(last_line, "left by an interrupted run") != NULL, "no message: '%s'",
             last_line);
    VT_CHECK(vg_path_exists(live), "temporary file of a live process removed");
    VT_CHECK(vg_path_exists(alike), "a file that only looks like a temporary one removed");
    vg_outfile_abort(&f);
    write_file(later, "partial");
    r = vg_outfile_open(&f, out, 0);
    VT_CHECK(r == VG_OK && vg_path_exists(later), "the folder was scanned again");
    vg_outfile_abort(&f);
    unlink(live);
    unlink(alike);
    unlink(later);
}

static void test_partial_names(void)
{
    static const char *cases[][2] = {
        {"out.mp4", "out.partial.mp4"}, {"dir/clip.mkv", "dir/clip.partial.mkv"},
        {"out", "out.partial"},         {"a.b/out", "a.b/out.partial"},
        {".hidden", ".hidden.partial"}, {"d/x.tar.gz", "d/x.tar.partial.gz"},
    };
    char buf[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int r = vg_partial_path(cases[i][0], buf, sizeof(buf));
        VT_CHECK(r == VG_OK && strcmp(buf, cases[i][1]) == 0, "%s -> %s, want %s", cases[i][0], buf,
                 cases[i][1]);
    }
    VT_CHECK(vg_partial_path("out.mp4", buf, 8) == VG_ERR_INVALID, "short buffer accepted");
    vg_outfile f;
    const char *out = path_in("job.mp4");
    int r = vg_outfile_open(&f, out, 0);
    VT_CHECK(r == VG_OK, "open: %d", r);
    if (r != VG_OK) return;
    fputs("frames", f.fp);
    char name[512];
    r = vg_outfile_commit_partial(&f, name, sizeof(name));
    VT_CHECK(r == VG_OK && has_content(path_in("job.partial.mp4"), "frames") &&
                 !vg_path_exists(out) && strcmp(name, path_in("job.partial.mp4")) == 0,
             "commit_partial: %d '%s'", r, name);
    unlink(path_in("job.partial.mp4"));
}

int main(void)
{
    vt_tmp_template(scratch, sizeof(scratch), "vrgen-test-file");
    if (!mkdtemp(scratch)) {
        printf("skip: cannot create a scratch folder under /tmp\n");
        return VT_SKIP;
    }
    vg_log_set_sink(sink, NULL);
    test_commit_and_abort();
    test_exists_and_overwrite();
    test_folder_errors();
    test_write_error_and_other_writer();
    test_read_all();
    test_mkdir_and_exists();
    test_stale_temporaries();
    test_partial_names();
    vg_log_set_sink(NULL, NULL);
    nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    VT_CHECK(!vg_path_exists(scratch), "scratch folder not removed");
    return vt_result("test_common_file");
}
