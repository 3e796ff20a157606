/*
 * test_pl_seq.c - pl_seq: pattern checks and their messages, path formatting, the last
 * complete frame for --resume (truncated, empty and missing frames), refusing to
 * overwrite (naming the first existing frame, also past a gap), atomic frame writes (no
 * temporary files left; a write that fails part-way, forced with RLIMIT_FSIZE, leaves
 * nothing at the final name) and output folder creation.
 * Works in a mkdtemp folder under /tmp that it removes. Not a test of the PNG codec
 * (test_png.c).
 */
#include "common/vg_error.h"
#include "common/vg_file.h"
#include "common/vg_log.h"
#include "pipeline/pl_png.h"
#include "pipeline/pl_seq.h"
#include "tests/vt.h"

#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch[64];
static char last_error[1024], last_warning[1024];
static int errors_logged, warnings_logged;

static void sink(int level, const char *line, void *ud)
{
    if (level == VG_LOG_ERROR) {
        snprintf(last_error, sizeof(last_error), "%s", line);
        errors_logged++;
    } else if (level == VG_LOG_WARN) {
        snprintf(last_warning, sizeof(last_warning), "%s", line);
        warnings_logged++;
    }
}

static void clear_log(void)
{
    last_error[0] = last_warning[0] = '\0';
    errors_logged = warnings_logged = 0;
}

static char *path_in(const char *name)
{
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof(buf[0]), "%s/%s", scratch, name);
    return p;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Entries of dir (without . and ..); *hidden gets those starting with '.'. */
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

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    VT_CHECK(f != NULL, "cannot create %s", path);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void fill(pl_image *img, uint32_t seed)
{
    vt_rng rng = {seed};
    for (int y = 0; y < img->height; y++)
        for (size_t i = 0; i < img->stride; i++)
            ((unsigned char *)img->data)[(size_t)y * img->stride + i] =
                (unsigned char)vt_rng_u32(&rng);
}

static void expect_bad_pattern(const char *pattern, const char *phrase)
{
    clear_log();
    int r = pl_seq_check_pattern(pattern);
    VT_CHECK(r == VG_ERR_INVALID, "'%s' accepted (%d)", pattern, r);
    VT_CHECK(errors_logged == 1, "'%s': %d error lines", pattern, errors_logged);
    VT_CHECK(!pattern[0] || strstr(last_error, pattern), "'%s': message lacks the pattern: %s",
             pattern, last_error);
    VT_CHECK(strstr(last_error, phrase), "'%s': message lacks '%s': %s", pattern, phrase,
             last_error);
}

static void test_patterns(void)
{
    static const char *good[] = {"frames/%06d.png", "%d.png",  "out_%03d.PNG",  "a%%b_%d.png",
                                 "/tmp/x/%5d.png",  "%0d.png", "dir%%/f%d.png", "%18d.png"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        clear_log();
        VT_CHECK(pl_seq_check_pattern(good[i]) == VG_OK, "'%s' refused: %s", good[i], last_error);
    }
    expect_bad_pattern("", "empty");
    expect_bad_pattern("frames/out.png", "no frame number");
    expect_bad_pattern("frames/%%d.png", "no frame number");
    expect_bad_pattern("%d_%d.png", "2 frame numbers");
    expect_bad_pattern("%s.png", "'%s' is not a frame number conversion");
    expect_bad_pattern("%ld.png", "'%l' is not");
    expect_bad_pattern("%-3d.png", "'%-' is not");
    expect_bad_pattern("%i.png", "'%i' is not");
    expect_bad_pattern("%5.png", "'%5.' is not");
    expect_bad_pattern("f%d.png%", "lone %");
    expect_bad_pattern("frames_%d/out.png", "not in a folder");
    expect_bad_pattern("frames/%06d.jpg", "end the pattern with .png");
    expect_bad_pattern("%d", ".png");
    expect_bad_pattern("%19d.png", "too large");
    expect_bad_pattern("%99999999999999999999d.png", "too large");
}

static void expect_path(const char *pattern, int64_t index, const char *want)
{
    char buf[256];
    clear_log();
    int r = pl_seq_path(pattern, index, buf, sizeof(buf));
    VT_CHECK(r == VG_OK && strcmp(buf, want) == 0, "'%s' #%lld: %d '%s', expected '%s' (%s)",
             pattern, (long long)index, r, buf, want, last_error);
}

static void test_paths(void)
{
    expect_path("f/%04d.png", 12, "f/0012.png");
    expect_path("frames/%06d.png", 1, "frames/000001.png");
    expect_path("%d.png", 1, "1.png");
    expect_path("%d.png", 0, "0.png");
    expect_path("%03d.png", 12345, "12345.png");
    expect_path("%3d.png", 5, "005.png"); /* FFmpeg pads with zeros without the 0 too */
    expect_path("a%%b_%d.png", 7, "a%b_7.png");
    expect_path("dir%%/%%%d%%.png", 42, "dir%/%42%.png");
    expect_path("%d.png", INT64_MAX, "9223372036854775807.png");

    char buf[16];
    clear_log();
    VT_CHECK(pl_seq_path("%06d.png", 1, buf, 11) == VG_OK && strcmp(buf, "000001.png") == 0,
             "exact fit: %s", buf);
    int r = pl_seq_path("%06d.png", 1, buf, 10);
    VT_CHECK(r == VG_ERR_INVALID && buf[0] == '\0', "too small a buffer: %d '%s'", r, buf);
    VT_CHECK(strstr(last_error, "longer than 9 bytes"), "message: %s", last_error);
    clear_log();
    r = pl_seq_path("%x.png", 1, buf, sizeof(buf));
    VT_CHECK(r == VG_ERR_INVALID && buf[0] == '\0' && errors_logged == 1, "bad pattern: %d", r);
}

/* Writes frames first..last of pattern as 3x2 8-bit images. */
static void write_frames(const char *pattern, int first, int last)
{
    pl_image img = {0};
    VT_CHECK(pl_image_alloc(&img, 3, 2, 8) == VG_OK, "alloc");
    for (int i = first; i <= last; i++) {
        fill(&img, (uint32_t)i);
        clear_log();
        int r = pl_seq_write(pattern, i, &img, 0, NULL);
        VT_CHECK(r == VG_OK, "write frame %d: %d (%s)", i, r, last_error);
    }
    pl_image_free(&img);
}

static void frame_path(const char *pattern, int64_t i, char *buf, size_t len)
{
    VT_CHECK(pl_seq_path(pattern, i, buf, len) == VG_OK, "path");
}

static void test_resume(void)
{
    char pattern[512], path[512];
    snprintf(pattern, sizeof(pattern), "%s/resume/%%06d.png", scratch);
    clear_log();
    VT_CHECK(pl_seq_last_complete(pattern) == 0, "missing folder: not 0");
    write_frames(pattern, 1, 5);
    VT_CHECK(pl_seq_last_complete(pattern) == 5, "5 complete frames: %lld",
             (long long)pl_seq_last_complete(pattern));
    VT_CHECK(warnings_logged == 0 && errors_logged == 0, "logged: %s%s", last_warning, last_error);

    /* Frame 5 cut in half: frames 1..4 complete, a warning names frame 5. */
    frame_path(pattern, 5, path, sizeof(path));
    struct stat st;
    VT_CHECK(stat(path, &st) == 0 && truncate(path, st.st_size / 2) == 0, "truncate");
    clear_log();
    int64_t n = pl_seq_last_complete(pattern);
    VT_CHECK(n == 4, "truncated frame 5: %lld", (long long)n);
    VT_CHECK(warnings_logged == 1 && strstr(last_warning, path) &&
                 strstr(last_warning, "written again"),
             "warning: %s", last_warning);

    /* Only the IEND missing (the image data is all there): still incomplete. */
    write_frames(pattern, 6, 6);
    VT_CHECK(unlink(path) == 0, "unlink 5");
    write_frames(pattern, 5, 5);
    frame_path(pattern, 6, path, sizeof(path));
    VT_CHECK(stat(path, &st) == 0 && truncate(path, st.st_size - 12) == 0, "truncate 6");
    clear_log();
    VT_CHECK(pl_seq_last_complete(pattern) == 5, "no IEND in frame 6");
    VT_CHECK(strstr(last_warning, "IEND"), "warning: %s", last_warning);

    /* A gap at 3: the scan stops there, later frames do not count. */
    frame_path(pattern, 3, path, sizeof(path));
    VT_CHECK(unlink(path) == 0, "unlink 3");
    clear_log();
    VT_CHECK(pl_seq_last_complete(pattern) == 2, "gap at 3");
    VT_CHECK(warnings_logged == 0, "a gap is not a warning: %s", last_warning);

    /* Frame 1 empty, or not a PNG, or a folder: 0. */
    frame_path(pattern, 1, path, sizeof(path));
    write_text(path, "");
    clear_log();
    VT_CHECK(pl_seq_last_complete(pattern) == 0, "empty frame 1");
    VT_CHECK(strstr(last_warning, "empty"), "warning: %s", last_warning);
    write_text(path, "GIF89a and then a lot more bytes than a PNG header has, really");
    clear_log();
    VT_CHECK(pl_seq_last_complete(pattern) == 0, "GIF as frame 1");
    VT_CHECK(strstr(last_warning, "not a PNG"), "warning: %s", last_warning);
    VT_CHECK(unlink(path) == 0 && mkdir(path, 0755) == 0, "folder as frame 1");
    clear_log();
    VT_CHECK(pl_seq_last_complete(pattern) == 0, "folder as frame 1");
    VT_CHECK(strstr(last_warning, "not a regular file"), "warning: %s", last_warning);
    rmdir(path);

    /* Unreadable frame: an error, not a guess (root reads anything: not checked then). */
    write_frames(pattern, 1, 1);
    if (geteuid() != 0) {
        chmod(path, 0);
        clear_log();
        n = pl_seq_last_complete(pattern);
        VT_CHECK(n == VG_ERR_IO && strstr(last_error, path), "unreadable frame: %lld %s",
                 (long long)n, last_error);
        chmod(path, 0644);
    }
    clear_log();
    VT_CHECK(pl_seq_last_complete("%s.png") == VG_ERR_INVALID && errors_logged == 1, "bad pattern");
}

static void test_overwrite(void)
{
    char pattern[512], path[512];
    snprintf(pattern, sizeof(pattern), "%s/ow/f_%%04d.png", scratch);
    clear_log();
    VT_CHECK(pl_seq_check_overwrite(pattern, 0) == VG_OK, "missing folder");
    VT_CHECK(pl_seq_make_folder(pattern) == VG_OK, "make folder");
    write_text(path_in("ow/notes.txt"), "x");
    write_text(path_in("ow/f_001.png"), "x");            /* not %04d */
    write_text(path_in("ow/f_0000.png"), "x");           /* number 0: not in the sequence */
    write_text(path_in("ow/f_0001.png.vrgen-abc"), "x"); /* not the suffix */
    write_text(path_in("ow/.f_0001.png.vrgen-AbCdEf"), "x");
    write_text(path_in("ow/f_00x1.png"), "x");
    VT_CHECK(pl_seq_check_overwrite(pattern, 0) == VG_OK, "non-frames counted: %s", last_error);

    /* Frames 3 and 12 exist, 1 does not: a gap does not hide them. */
    write_frames(pattern, 12, 12);
    write_frames(pattern, 3, 3);
    clear_log();
    int r = pl_seq_check_overwrite(pattern, 0);
    frame_path(pattern, 3, path, sizeof(path));
    VT_CHECK(r == VG_ERR_EXISTS, "existing frames: %d", r);
    VT_CHECK(errors_logged == 1 && strstr(last_error, path) && strstr(last_error, "1 more") &&
                 strstr(last_error, "-y") && strstr(last_error, "--resume"),
             "message: %s", last_error);
    clear_log();
    VT_CHECK(pl_seq_check_overwrite(pattern, 1) == VG_OK && errors_logged == 0, "with -y");

    /* Frame 1 alone. */
    char p1[512];
    snprintf(p1, sizeof(p1), "%s/ow/one_%%d.png", scratch);
    write_frames(p1, 1, 1);
    clear_log();
    frame_path(p1, 1, path, sizeof(path));
    VT_CHECK(pl_seq_check_overwrite(p1, 0) == VG_ERR_EXISTS && strstr(last_error, path),
             "frame 1: %s", last_error);

    /* Writing over an existing frame without overwrite: refused, the frame unchanged. */
    pl_image img = {0}, back = {0}, orig = {0};
    VT_CHECK(pl_image_alloc(&img, 3, 2, 8) == VG_OK, "alloc");
    fill(&img, 999);
    VT_CHECK(pl_png_read(path, 0, &orig) == VG_OK, "read frame 1");
    clear_log();
    r = pl_seq_write(p1, 1, &img, 0, NULL);
    VT_CHECK(r == VG_ERR_EXISTS && strstr(last_error, path), "rewrite: %d %s", r, last_error);
    VT_CHECK(pl_png_read(path, 0, &back) == VG_OK && orig.data && back.data &&
                 memcmp(orig.data, back.data, orig.stride * 2) == 0,
             "frame changed");
    pl_image_free(&back);
    VT_CHECK(pl_seq_write(p1, 1, &img, 1, NULL) == VG_OK, "overwrite");
    VT_CHECK(pl_png_read(path, 0, &back) == VG_OK && back.data &&
                 memcmp(img.data, back.data, img.stride * 2) == 0,
             "frame not overwritten");
    pl_image_free(&back);
    pl_image_free(&orig);
    pl_image_free(&img);
    clear_log();
    VT_CHECK(pl_seq_check_overwrite("nope", 1) == VG_ERR_INVALID, "bad pattern with -y");
}

static void test_atomic(void)
{
    char pattern[512], path[512];
    snprintf(pattern, sizeof(pattern), "%s/atomic/%%03d.png", scratch);
    write_frames(pattern, 1, 20);
    int hidden = -1;
    VT_CHECK(count_entries(path_in("atomic"), &hidden) == 20 && hidden == 0,
             "after 20 frames: hidden entries %d", hidden);
    VT_CHECK(pl_seq_last_complete(pattern) == 20, "20 complete");

    /* A write that fails part-way (file size limit: EFBIG) leaves no frame 21 and no
     * temporary file. */
    pl_image big = {0};
    VT_CHECK(pl_image_alloc(&big, 300, 200, 16) == VG_OK, "alloc");
    fill(&big, 3);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 4096;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    VT_CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0, "setrlimit");
    clear_log();
    int r = pl_seq_write(pattern, 21, &big, 0, NULL);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    frame_path(pattern, 21, path, sizeof(path));
    VT_CHECK(r == VG_ERR_IO, "write past the size limit: %d", r);
    VT_CHECK(errors_logged == 1 && strstr(last_error, path), "message: %s", last_error);
    VT_CHECK(!vg_path_exists(path), "a partial frame 21 is at its final name");
    VT_CHECK(count_entries(path_in("atomic"), &hidden) == 20 && hidden == 0,
             "after the failed write: hidden entries %d", hidden);
    VT_CHECK(pl_seq_last_complete(pattern) == 20, "still 20 complete");
    VT_CHECK(pl_seq_write(pattern, 21, &big, 0, NULL) == VG_OK, "retry without the limit");
    pl_image_free(&big);
}

static void test_folders(void)
{
    char pattern[512], path[512];
    /* Missing folder whose parent exists: created by the first write. */
    snprintf(pattern, sizeof(pattern), "%s/new/%%d.png", scratch);
    write_frames(pattern, 1, 2);
    VT_CHECK(count_entries(path_in("new"), NULL) == 2, "folder not created with 2 frames");
    /* Trailing and doubled slashes. */
    snprintf(pattern, sizeof(pattern), "%s/new2//%%d.png", scratch);
    VT_CHECK(pl_seq_make_folder(pattern) == VG_OK, "doubled slash: %s", last_error);
    VT_CHECK(count_entries(path_in("new2"), NULL) == 0, "new2 not created");

    /* Missing parent: refused with a message naming it; nothing created. */
    snprintf(pattern, sizeof(pattern), "%s/a/b/%%d.png", scratch);
    pl_image img = {0};
    VT_CHECK(pl_image_alloc(&img, 2, 2, 8) == VG_OK, "alloc");
    fill(&img, 1);
    clear_log();
    int r = pl_seq_write(pattern, 1, &img, 0, NULL);
    snprintf(path, sizeof(path), "%s/a", scratch);
    VT_CHECK(r == VG_ERR_IO && strstr(last_error, path) && strstr(last_error, "does not exist"),
             "missing parent: %d %s", r, last_error);
    VT_CHECK(!vg_path_exists(path), "a/ was created");

    /* The folder name is taken by a file. */
    write_text(path_in("file"), "x");
    snprintf(pattern, sizeof(pattern), "%s/file/%%d.png", scratch);
    clear_log();
    r = pl_seq_write(pattern, 1, &img, 0, NULL);
    VT_CHECK(r == VG_ERR_IO && strstr(last_error, "not a folder"), "file as folder: %d %s", r,
             last_error);
    pl_image_free(&img);

    /* No folder part, and the root folder. */
    VT_CHECK(pl_seq_make_folder("%d.png") == VG_OK, "no folder part");
    VT_CHECK(pl_seq_make_folder("/%d.png") == VG_OK, "root");
}

int main(void)
{
    vt_tmp_template(scratch, sizeof(scratch), "vrgen-test-seq");
    if (!mkdtemp(scratch)) {
        printf("skip: cannot create a scratch folder under /tmp\n");
        return VT_SKIP;
    }
    vg_log_set_sink(sink, NULL);
    test_patterns();
    test_paths();
    test_resume();
    test_overwrite();
    test_atomic();
    test_folders();
    vg_log_set_sink(NULL, NULL);
    nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    VT_CHECK(!vg_path_exists(scratch), "scratch folder not removed");
    return vt_result("test_pl_seq");
}
