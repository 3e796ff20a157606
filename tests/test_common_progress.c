/*
 * test_common_progress.c - vg_progress with an injected clock: JSON lines are valid JSON
 * with the right fields and values, and rate-limited; the bar shows counts, rate and ETA,
 * fits its width, is rate-limited, is erased by log lines and redrawn, and ends its line;
 * AUTO picks nothing when the output is not a terminal. Not a test of vg_log itself.
 */
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "common/vg_progress.h"
#include "tests/vt.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

typedef struct fake_clock {
    double t;
} fake_clock;

static double fake_now(void *ud)
{
    return ((fake_clock *)ud)->t;
}

/* Everything written to f so far, NUL-terminated; caller frees. */
static char *contents(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    char *s = malloc((size_t)n + 1);
    fseek(f, 0, SEEK_SET);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fseek(f, 0, SEEK_END);
    return s;
}

/* ---- a minimal validator for one flat JSON object per line ---- */
static const char *skip_string(const char *p)
{
    if (*p++ != '"') return NULL;
    for (; *p != '"'; p++) {
        if ((unsigned char)*p < 0x20) return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)p[i])) return NULL;
                p += 4;
            } else if (!strchr("\"\\/bfnrt", *p) || !*p) {
                return NULL;
            }
        }
    }
    return p + 1;
}

static const char *skip_value(const char *p)
{
    if (*p == '"') return skip_string(p);
    if (strncmp(p, "null", 4) == 0) return p + 4;
    if (strncmp(p, "true", 4) == 0) return p + 4;
    if (strncmp(p, "false", 5) == 0) return p + 5;
    const char *start = p;
    if (*p == '-') p++;
    if (!isdigit((unsigned char)*p)) return NULL;
    while (isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
           *p == '-')
        p++;
    return p > start ? p : NULL;
}

/* 1 when line is exactly {"k":v,...}\n with string keys and scalar values. */
static int valid_json_line(const char *line, size_t len)
{
    const char *p = line, *end = line + len;
    if (len < 3 || *p++ != '{' || end[-1] != '\n' || end[-2] != '}') return 0;
    for (;;) {
        if (!(p = skip_string(p)) || *p++ != ':') return 0;
        if (!(p = skip_value(p))) return 0;
        if (*p == ',') {
            p++;
            continue;
        }
        return *p == '}' && p + 2 == end;
    }
}

static int json_number(const char *line, const char *key, double *v)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *p = strstr(line, pat);
    if (!p) return 0;
    p += strlen(pat);
    if (strncmp(p, "null", 4) == 0) return 2;
    return sscanf(p, "%lf", v) == 1;
}

static void test_mode_parse(void)
{
    vg_progress_mode m = VG_PROGRESS_NONE;
    VT_CHECK(vg_progress_mode_parse("auto", &m) == VG_OK && m == VG_PROGRESS_AUTO, "auto");
    VT_CHECK(vg_progress_mode_parse("bar", &m) == VG_OK && m == VG_PROGRESS_BAR, "bar");
    VT_CHECK(vg_progress_mode_parse("json", &m) == VG_OK && m == VG_PROGRESS_JSON, "json");
    VT_CHECK(vg_progress_mode_parse("none", &m) == VG_OK && m == VG_PROGRESS_NONE, "none");
    VT_CHECK(vg_progress_mode_parse("fancy", &m) == VG_ERR_INVALID && m == VG_PROGRESS_NONE,
             "bad mode accepted");
    VT_CHECK(vg_progress_mode_parse(NULL, &m) == VG_ERR_INVALID, "NULL mode accepted");
    VT_CHECK(strcmp(vg_progress_mode_names[VG_PROGRESS_JSON], "json") == 0 &&
                 vg_progress_mode_names[4] == NULL,
             "mode names in enum order");
}

static void test_json(void)
{
    FILE *f = tmpfile();
    VT_CHECK(f != NULL, "tmpfile");
    if (!f) return;
    fake_clock clk = {100.0};
    vg_progress p;
    vg_progress_init(&p, VG_PROGRESS_JSON, f, "stylize", 300, "frames");
    vg_progress_set_clock(&p, fake_now, &clk);
    /* 12 frames per second for 10 s, updated every 10 ms */
    for (int k = 0; k <= 1000; k++) {
        clk.t = 100.0 + k * 0.01;
        vg_progress_update(&p, (int64_t)(k * 0.12 + 1e-9), "loss 0.123 | 12.3 MB");
    }
    clk.t = 110.0;
    vg_progress_finish(&p, VG_OK);
    vg_progress_finish(&p, VG_OK);     /* idempotent */
    vg_progress_update(&p, 999, NULL); /* ignored after finish */

    char *text = contents(f);
    fclose(f);
    int lines = 0, finals = 0, bad = 0;
    double last_done = -1;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        if (!end) {
            bad++;
            break;
        }
        size_t len = (size_t)(end - line) + 1;
        char save = end[1];
        end[1] = '\0';
        lines++;
        double done = 0, total = 0, rate = 0, elapsed = 0, eta = 0;
        VT_CHECK(valid_json_line(line, len), "invalid JSON line: %s", line);
        VT_CHECK(strncmp(line, "{\"label\":\"stylize\",", 19) == 0, "label: %s", line);
        VT_CHECK(strstr(line, "\"unit\":\"frames\"") != NULL, "unit: %s", line);
        VT_CHECK(strstr(line, "\"extra\":\"loss 0.123 | 12.3 MB\"") != NULL, "extra: %s", line);
        VT_CHECK(json_number(line, "done", &done) == 1, "done: %s", line);
        VT_CHECK(json_number(line, "total", &total) == 1 && total == 300, "total: %s", line);
        VT_CHECK(json_number(line, "rate", &rate) == 1, "rate: %s", line);
        VT_CHECK(json_number(line, "elapsed", &elapsed) == 1, "elapsed: %s", line);
        int has_eta = json_number(line, "eta", &eta);
        VT_CHECK(done >= last_done, "done went backwards: %s", line);
        last_done = done;
        VT_CHECK(fabs(done - floor(elapsed * 12.0 + 1e-6)) <= 1.0, "done %g at elapsed %g", done,
                 elapsed);
        if (elapsed >= 1.0) {
            VT_CHECK(fabs(rate - 12.0) < 0.6, "rate %g, want about 12: %s", rate, line);
            VT_CHECK(has_eta == 1 && fabs(eta - (300 - done) / rate) < 0.01, "eta %g, want %g: %s",
                     eta, (300 - done) / rate, line);
        }
        if (strstr(line, "\"final\":true")) {
            finals++;
            VT_CHECK(strstr(line, "\"status\":0}") != NULL, "final status: %s", line);
            VT_CHECK(done == 120 && fabs(elapsed - 10.0) < 1e-6, "final done %g elapsed %g", done,
                     elapsed);
            VT_CHECK(fabs(rate - 12.0) < 1e-6, "final rate is the average: %g", rate);
        } else {
            VT_CHECK(strstr(line, "\"final\":false}") != NULL, "final flag: %s", line);
        }
        end[1] = save;
        line = end + 1;
    }
    /* at most 4 lines per second: the first at t=0, then one per 0.25 s, plus the final */
    VT_CHECK(lines >= 38 && lines <= 42, "%d JSON lines for 10 s of updates", lines);
    VT_CHECK(finals == 1 && bad == 0, "%d final lines, %d unterminated", finals, bad);
    free(text);

    /* unknown total, no extra, strings that need escaping */
    f = tmpfile();
    vg_progress_init(&p, VG_PROGRESS_JSON, f, "we\"ird\\ \x01label", 0, "st\neps");
    vg_progress_set_clock(&p, fake_now, &clk);
    vg_progress_update(&p, 5, NULL);
    clk.t += 1.0;
    vg_progress_update(&p, 7, "tab\there");
    vg_progress_finish(&p, VG_ERR_NAN);
    text = contents(f);
    fclose(f);
    /* l2 and l3: the second and third lines */
    char *l2 = strchr(text, '\n'), *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
    char *end3 = l3 ? strchr(l3 + 1, '\n') : NULL;
    if (l2) l2++;
    if (l3) l3++;
    VT_CHECK(end3 && end3[1] == '\0', "3 lines expected:\n%s", text);
    if (l3) {
        VT_CHECK(valid_json_line(text, (size_t)(l2 - text)), "invalid: %s", text);
        VT_CHECK(valid_json_line(l2, (size_t)(l3 - l2)), "invalid: %s", l2);
        VT_CHECK(valid_json_line(l3, strlen(l3)), "invalid: %s", l3);
        VT_CHECK(strstr(text, "\"label\":\"we\\\"ird\\\\ \\u0001label\"") != NULL,
                 "label escaping: %s", text);
        VT_CHECK(strstr(text, "\"unit\":\"st\\neps\"") != NULL, "unit escaping: %s", text);
        VT_CHECK(strstr(text, "\"total\":null") != NULL, "unknown total: %s", text);
        VT_CHECK(strstr(text, "\"eta\":null") != NULL, "unknown eta: %s", text);
        VT_CHECK(strstr(text, "\"extra\":null") != NULL, "no extra: %s", text);
        VT_CHECK(strstr(l2, "\"extra\":\"tab\\there\"") != NULL, "extra escaping: %s", l2);
        VT_CHECK(strstr(l3, "\"final\":true,\"status\":-13}") != NULL, "status: %s", l3);
    }
    free(text);
}

/* The text after the last '\r' in s (the bar as it now shows), without a newline. */
static void last_draw(const char *s, char *out, size_t n)
{
    const char *r = strrchr(s, '\r');
    snprintf(out, n, "%s", r ? r + 1 : s);
    out[strcspn(out, "\n")] = '\0';
}

static int count_char(const char *s, char c)
{
    int n = 0;
    for (; *s; s++) n += *s == c;
    return n;
}

static char captured_log[256];
static void capture_sink(int level, const char *line, void *ud)
{
    snprintf(captured_log, sizeof(captured_log), "%s", line);
}

static void dummy_before_line(void *ud) {}

static void test_bar(void)
{
    FILE *f = tmpfile();
    VT_CHECK(f != NULL, "tmpfile");
    if (!f) return;
    int marker;
    vg_log_set_sink(capture_sink, NULL);
    vg_log_set_before_line(dummy_before_line, &marker);
    fake_clock clk = {0.0};
    vg_progress p;
    vg_progress_init(&p, VG_PROGRESS_BAR, f, "stylize", 300, "frames");
    vg_progress_set_clock(&p, fake_now, &clk);
    p.columns = 80;
    char *text, line[512];

    for (int s = 0; s <= 4; s++) {
        clk.t = s;
        vg_progress_update(&p, 30 * s, "loss 0.5");
    }
    text = contents(f);
    last_draw(text, line, sizeof(line));
    /* 30 fps over the window, 180 frames left: 6 s; the bar fills 120/300 of 23 cells */
    const char *want = "stylize [=========>             ]  120/300 frames  30.0 fps  ETA 0:06  "
                       "loss 0.5";
    VT_CHECK(strcmp(line, want) == 0, "bar:\n  got  '%s'\n  want '%s'", line, want);
    VT_CHECK(strlen(line) <= 79, "bar wider than 79 columns: %zu", strlen(line));
    VT_CHECK(count_char(text, '\r') == 5, "%d draws for 5 updates 1 s apart",
             count_char(text, '\r'));
    size_t size_before = strlen(text);
    free(text);

    /* within 0.1 s of the last draw: nothing drawn */
    clk.t = 4.05;
    vg_progress_update(&p, 121, "loss 0.5");
    text = contents(f);
    VT_CHECK(strlen(text) == size_before, "redrawn within 0.1 s");
    free(text);

    /* a log line erases the bar (spaces over its width), the next update redraws it at once */
    vg_info("a log line");
    text = contents(f);
    char erase[100];
    snprintf(erase, sizeof(erase), "\r%79s\r", "");
    VT_CHECK(strlen(text) == size_before + strlen(erase) && strcmp(text + size_before, erase) == 0,
             "log line did not erase the bar");
    VT_CHECK(strcmp(captured_log, "a log line\n") == 0, "log line lost: '%s'", captured_log);
    free(text);
    clk.t = 4.06;
    vg_progress_update(&p, 122, "loss 0.5");
    text = contents(f);
    last_draw(text, line, sizeof(line));
    VT_CHECK(strstr(line, "122/300 frames") != NULL, "not redrawn after the log line: '%s'", line);
    free(text);

    /* narrow terminal: extra and then the bar give way, the line never wraps */
    p.columns = 40;
    clk.t = 5.0;
    vg_progress_update(&p, 150, "a long extra text that cannot fit");
    text = contents(f);
    last_draw(text, line, sizeof(line));
    VT_CHECK(strlen(line) <= 39, "line of %zu characters in 40 columns: '%s'", strlen(line), line);
    VT_CHECK(strstr(line, "150/300") != NULL && !strstr(line, "extra"), "narrow bar: '%s'", line);
    free(text);
    p.columns = 80;

    /* rate limit: 10 s of updates every 10 ms draw at most 10 times per second */
    text = contents(f);
    int before = count_char(text, '\r');
    free(text);
    for (int k = 1; k <= 1000; k++) {
        clk.t = 5.0 + k * 0.01;
        vg_progress_update(&p, 150 + k * 15 / 100, NULL);
    }
    text = contents(f);
    int draws = count_char(text, '\r') - before;
    VT_CHECK(draws >= 90 && draws <= 101, "%d draws in 10 s", draws);
    free(text);

    /* finish: final state, newline, previous before-line callback restored */
    clk.t = 20.0;
    vg_progress_update(&p, 300, NULL);
    vg_progress_finish(&p, VG_OK);
    text = contents(f);
    size_t len = strlen(text);
    VT_CHECK(len > 0 && text[len - 1] == '\n', "final draw does not end the line");
    last_draw(text, line, sizeof(line));
    VT_CHECK(strstr(line, "300/300 frames") && strstr(line, "[==========") && strstr(line, "0:20"),
             "final bar: '%s'", line);
    free(text);
    vg_log_before_line_fn fn;
    void *ud;
    vg_log_get_before_line(&fn, &ud);
    VT_CHECK(fn == dummy_before_line && ud == &marker, "before-line callback not restored");

    /* after finish a log line does not touch the file */
    text = contents(f);
    len = strlen(text);
    free(text);
    vg_info("after finish");
    text = contents(f);
    VT_CHECK(strlen(text) == len, "log line after finish wrote to the bar's file");
    free(text);
    fclose(f);

    /* unknown total: no bar, no ETA, elapsed time instead */
    f = tmpfile();
    clk.t = 0;
    vg_progress_init(&p, VG_PROGRESS_BAR, f, "train", 0, "steps");
    vg_progress_set_clock(&p, fake_now, &clk);
    p.columns = 80;
    clk.t = 2.0;
    vg_progress_update(&p, 50, NULL);
    text = contents(f);
    last_draw(text, line, sizeof(line));
    VT_CHECK(strcmp(line, "train  50 steps  25.0 steps/s  0:02") == 0, "unknown total: '%s'", line);
    free(text);
    vg_progress_finish(&p, VG_ERR_INTERRUPTED);
    fclose(f);

    /* no label: the bar starts the line and fills the width exactly */
    f = tmpfile();
    clk.t = 0;
    vg_progress_init(&p, VG_PROGRESS_BAR, f, "", 100, "frames");
    vg_progress_set_clock(&p, fake_now, &clk);
    p.columns = 60;
    clk.t = 2.0;
    vg_progress_update(&p, 50, NULL);
    text = contents(f);
    last_draw(text, line, sizeof(line));
    VT_CHECK(strcmp(line, "[===========>          ]  50/100 frames  25.0 fps  ETA 0:02") == 0,
             "no label: '%s'", line);
    free(text);
    vg_progress_finish(&p, VG_OK);
    fclose(f);

    vg_log_set_before_line(NULL, NULL);
    vg_log_set_sink(NULL, NULL);
}

static void test_auto_and_none(void)
{
    FILE *f = tmpfile();
    if (!f) return;
    vg_progress p;
    vg_progress_init(&p, VG_PROGRESS_AUTO, f, "x", 10, "frames");
    VT_CHECK(p.mode == VG_PROGRESS_NONE, "AUTO on a regular file chose mode %d", p.mode);
    vg_progress_update(&p, 5, NULL);
    vg_progress_finish(&p, VG_OK);
    vg_progress_init(&p, VG_PROGRESS_NONE, f, "x", 10, "frames");
    vg_progress_update(&p, 5, NULL);
    vg_progress_finish(&p, VG_OK);
    fseek(f, 0, SEEK_END);
    VT_CHECK(ftell(f) == 0, "NONE and AUTO-on-a-file wrote %ld bytes", ftell(f));
    vg_log_before_line_fn fn;
    void *ud;
    vg_log_get_before_line(&fn, &ud);
    VT_CHECK(fn == NULL, "a callback stayed registered");
    fclose(f);
}

int main(void)
{
    test_mode_parse();
    test_json();
    test_bar();
    test_auto_and_none();
    return vt_result("test_common_progress");
}
