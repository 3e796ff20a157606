/*
 * test_common_error.c - vg_error codes, phrases and exit statuses; vg_log levels,
 * prefixes, newline handling, the sink and before-line hooks, whole lines under threads,
 * and the plain stderr path. Not a test of the option parser or progress output.
 */
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "tests/vt.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a sink that keeps the last lines ---- */
#define CAP_LINES 16
typedef struct capture {
    char lines[CAP_LINES][512];
    int levels[CAP_LINES];
    size_t lens[CAP_LINES]; /* full length, before the copy above is cut */
    char last_char[CAP_LINES];
    int count;
} capture;

static void capture_sink(int level, const char *line, void *ud)
{
    capture *c = ud;
    if (c->count < CAP_LINES) {
        snprintf(c->lines[c->count], sizeof(c->lines[0]), "%s", line);
        c->levels[c->count] = level;
        c->lens[c->count] = strlen(line);
        c->last_char[c->count] = line[0] ? line[strlen(line) - 1] : 0;
    }
    c->count++;
}

static void test_codes(void)
{
    static const int codes[] = {
        VG_OK,
        VG_AGAIN,
        VG_EOF,
        VG_ERR_NOMEM,
        VG_ERR_INVALID,
        VG_ERR_IO,
        VG_ERR_NOT_FOUND,
        VG_ERR_EXISTS,
        VG_ERR_FORMAT,
        VG_ERR_UNSUPPORTED,
        VG_ERR_NO_DEVICE,
        VG_ERR_DEVICE,
        VG_ERR_DEVICE_LOST,
        VG_ERR_DEVICE_OOM,
        VG_ERR_LIMIT,
        VG_ERR_NAN,
        VG_ERR_INTERRUPTED,
        VG_ERR_XR,
        VG_ERR_NO_RUNTIME,
        VG_ERR_INTERNAL,
    };
    int n = (int)(sizeof(codes) / sizeof(codes[0]));
    for (int i = 0; i < n; i++) {
        const char *s = vg_strerror(codes[i]);
        VT_CHECK(s && s[0], "code %d has no phrase", codes[i]);
        VT_CHECK(strcmp(s, "unknown error") != 0, "code %d is unknown", codes[i]);
        for (int j = 0; j < i; j++) {
            VT_CHECK(codes[i] != codes[j], "codes %d and %d collide", i, j);
            VT_CHECK(strcmp(s, vg_strerror(codes[j])) != 0, "codes %d and %d share '%s'", codes[i],
                     codes[j], s);
        }
        if (i >= 3) VT_CHECK(codes[i] < 0, "error code %d is not negative", codes[i]);
    }
    VT_CHECK(VG_OK == 0 && VG_AGAIN == 1 && VG_EOF == 2, "state values");
    VT_CHECK(strcmp(vg_strerror(-999), "unknown error") == 0, "unknown code: %s",
             vg_strerror(-999));
    VT_CHECK(strcmp(vg_strerror(42), "unknown error") == 0, "unknown positive code");
    VT_CHECK(strcmp(vg_strerror(VG_ERR_NOMEM), "out of memory") == 0, "nomem phrase");

    struct {
        int code, exit;
    } table[] = {
        {VG_OK, 0},
        {VG_AGAIN, 0},
        {VG_EOF, 0},
        {VG_ERR_INTERRUPTED, 130},
        {VG_ERR_INVALID, 2},
        {VG_ERR_NOT_FOUND, 3},
        {VG_ERR_FORMAT, 3},
        {VG_ERR_UNSUPPORTED, 3},
        {VG_ERR_LIMIT, 3},
        {VG_ERR_EXISTS, 4},
        {VG_ERR_IO, 4},
        {VG_ERR_NO_DEVICE, 5},
        {VG_ERR_DEVICE, 5},
        {VG_ERR_DEVICE_LOST, 5},
        {VG_ERR_DEVICE_OOM, 5},
        {VG_ERR_XR, 5},
        {VG_ERR_NO_RUNTIME, 5},
        {VG_ERR_NOMEM, 1},
        {VG_ERR_NAN, 1},
        {VG_ERR_INTERNAL, 1},
        {-999, 1},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        VT_CHECK(vg_exit_code(table[i].code) == table[i].exit, "exit code of %d: %d, want %d",
                 table[i].code, vg_exit_code(table[i].code), table[i].exit);
}

static void test_levels_and_prefixes(void)
{
    capture c = {0};
    vg_log_set_sink(capture_sink, &c);

    vg_log_set_level(VG_LOG_INFO);
    VT_CHECK(vg_log_get_level() == VG_LOG_INFO, "level %d", vg_log_get_level());
    vg_error("bad %s", "thing");
    vg_warn("careful %d", 3);
    vg_info("hello");
    vg_verbose("hidden verbose");
    vg_debug("hidden debug");
    vg_info("has newline\n");
    vg_info("%s", "");
    VT_CHECK(c.count == 5, "INFO level showed %d lines, want 5", c.count);
    VT_CHECK(strcmp(c.lines[0], "vrgen: bad thing\n") == 0, "error line '%s'", c.lines[0]);
    VT_CHECK(c.levels[0] == VG_LOG_ERROR, "error level %d", c.levels[0]);
    VT_CHECK(strcmp(c.lines[1], "vrgen: warning: careful 3\n") == 0, "warn line '%s'", c.lines[1]);
    VT_CHECK(strcmp(c.lines[2], "hello\n") == 0, "info line '%s'", c.lines[2]);
    VT_CHECK(strcmp(c.lines[3], "has newline\n") == 0, "newline doubled: '%s'", c.lines[3]);
    VT_CHECK(strcmp(c.lines[4], "\n") == 0, "empty message '%s'", c.lines[4]);

    c.count = 0;
    vg_log_set_level(VG_LOG_DEBUG);
    vg_verbose("v");
    vg_debug("d");
    VT_CHECK(c.count == 2, "DEBUG level showed %d lines", c.count);

    c.count = 0;
    vg_log_set_level(VG_LOG_QUIET);
    VT_CHECK(vg_log_get_level() == VG_LOG_QUIET, "quiet level");
    vg_warn("w");
    vg_info("i");
    vg_error("still shown");
    VT_CHECK(c.count == 1 && strcmp(c.lines[0], "vrgen: still shown\n") == 0,
             "quiet: %d lines, first '%s'", c.count, c.lines[0]);

    c.count = 0;
    vg_log_set_level(VG_LOG_WARN);
    vg_warn("w");
    vg_info("i");
    VT_CHECK(c.count == 1, "WARN level showed %d lines", c.count);

    vg_log_set_level(99);
    VT_CHECK(vg_log_get_level() == VG_LOG_DEBUG, "clamped high: %d", vg_log_get_level());
    vg_log_set_level(-5);
    VT_CHECK(vg_log_get_level() == VG_LOG_QUIET, "clamped low: %d", vg_log_get_level());
    vg_log_set_level(VG_LOG_INFO);

    /* messages that already name the program are not prefixed twice */
    c.count = 0;
    vg_error("vrgen stylize: -crf: 99 is out of range (0 to 51)");
    vg_error("vrgen: already prefixed");
    vg_error("vrgenx is not the program");
    VT_CHECK(strcmp(c.lines[0], "vrgen stylize: -crf: 99 is out of range (0 to 51)\n") == 0, "'%s'",
             c.lines[0]);
    VT_CHECK(strcmp(c.lines[1], "vrgen: already prefixed\n") == 0, "'%s'", c.lines[1]);
    VT_CHECK(strcmp(c.lines[2], "vrgen: vrgenx is not the program\n") == 0, "'%s'", c.lines[2]);

    /* very long messages are truncated, still one line ending in a newline */
    char *big = malloc(10000);
    memset(big, 'x', 9999);
    big[9999] = '\0';
    c.count = 0;
    vg_info("%s", big);
    free(big);
    VT_CHECK(c.count == 1 && c.lens[0] == 4096 && c.last_char[0] == '\n',
             "long message: %d lines, length %zu", c.count, c.lens[0]);

    vg_log_set_sink(NULL, NULL);
}

static int before_calls;
static void count_before(void *ud)
{
    before_calls += *(int *)ud;
}

static void test_before_line(void)
{
    capture c = {0};
    int inc = 1;
    vg_log_set_sink(capture_sink, &c);
    vg_log_set_before_line(count_before, &inc);
    vg_log_before_line_fn fn;
    void *ud;
    vg_log_get_before_line(&fn, &ud);
    VT_CHECK(fn == count_before && ud == &inc, "get_before_line returns what was set");
    vg_info("one");
    vg_error("two");
    vg_debug("not shown, no callback");
    VT_CHECK(before_calls == 2, "before-line called %d times, want 2", before_calls);
    vg_log_set_before_line(NULL, NULL);
    vg_info("three");
    VT_CHECK(before_calls == 2, "callback still called after removal");
    vg_log_get_before_line(&fn, &ud);
    VT_CHECK(fn == NULL && ud == NULL, "removed callback still reported");
    vg_log_set_sink(NULL, NULL);
}

/* ---- threads: every line arrives whole ---- */
#define THREADS          4
#define LINES_PER_THREAD 400
typedef struct thread_sink {
    int bad;
    int total;
    int per_thread[THREADS];
} thread_sink;

static void thread_sink_fn(int level, const char *line, void *ud)
{
    thread_sink *s = ud;
    int t, i;
    char tail[8];
    if (sscanf(line, "thread %d line %d pad %7s", &t, &i, tail) != 3 || t < 0 || t >= THREADS ||
        i != s->per_thread[t] || strcmp(tail, "abcdef") != 0 || line[strlen(line) - 1] != '\n')
        s->bad++;
    else
        s->per_thread[t]++;
    s->total++;
}

static void *log_thread(void *arg)
{
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < LINES_PER_THREAD; i++) vg_info("thread %d line %d pad abcdef", t, i);
    return NULL;
}

static void test_threads(void)
{
    thread_sink s = {0};
    vg_log_set_sink(thread_sink_fn, &s);
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, log_thread, (void *)(intptr_t)t);
    for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
    vg_log_set_sink(NULL, NULL);
    VT_CHECK(s.total == THREADS * LINES_PER_THREAD, "%d lines arrived", s.total);
    VT_CHECK(s.bad == 0, "%d lines were torn or out of order", s.bad);
}

/* ---- the real stderr path, through a redirected fd 2 ---- */
static void test_stderr(void)
{
    char path[] = "/tmp/vrgen-test-log-XXXXXX";
    int fd = mkstemp(path);
    VT_CHECK(fd >= 0, "mkstemp");
    if (fd < 0) return;
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    vg_error("to stderr %d", 7);
    vg_warn("warned");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[256] = {0};
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    unlink(path);
    VT_CHECK(n > 0 && strcmp(buf, "vrgen: to stderr 7\nvrgen: warning: warned\n") == 0,
             "stderr got '%s'", buf);
}

int main(void)
{
    test_codes();
    test_levels_and_prefixes();
    test_before_line();
    test_threads();
    test_stderr();
    return vt_result("test_common_error");
}
