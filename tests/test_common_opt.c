/*
 * test_common_opt.c - vg_opt tables: every option type, defaults, the accepted forms
 * (--name value, --name=value, -name value, -name=value, aliases, "--", "-"), negative
 * numbers, lists, later-wins, every kind of user error and its message, --help output,
 * and the time and size syntaxes. Not a test of any real subcommand's table.
 */
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "common/vg_opt.h"
#include "tests/vt.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

typedef struct cfg {
    int yes;
    int crf;
    int steps;
    int64_t frames;
    double lr;
    const char *output;
    int preset;
    int64_t mem;
    vg_strlist styles;
    vg_strlist layers;
    double seek;
    const char *codec;
    int verbose;
} cfg;

static const char *const presets[] = {"ultrafast", "superfast", "veryfast", "faster",
                                      "fast",      "medium",    "slow",     NULL};

static const vg_opt table[] = {
    {"overwrite", "y", VG_OPT_FLAG, offsetof(cfg, yes), NULL, 0, 0, NULL, NULL,
     "overwrite the output"},
    {"crf", NULL, VG_OPT_INT, offsetof(cfg, crf), "23", 0, 51, NULL, "N", "quality"},
    {"steps", NULL, VG_OPT_INT, offsetof(cfg, steps), "1000", 1, INFINITY, NULL, NULL,
     "training steps"},
    {"frames", NULL, VG_OPT_INT64, offsetof(cfg, frames), NULL, 0, 0, NULL, NULL, "frame count"},
    {"lr", NULL, VG_OPT_FLOAT, offsetof(cfg, lr), "0.001", 1e-6, 1.0, NULL, NULL, "learning rate"},
    {"output", "o", VG_OPT_STRING, offsetof(cfg, output), "out.mp4", 0, 0, NULL, "FILE",
     "output file"},
    {"preset", NULL, VG_OPT_ENUM, offsetof(cfg, preset), "medium", 0, 0, presets, NULL,
     "encoder speed"},
    {"max-memory", NULL, VG_OPT_SIZE, offsetof(cfg, mem), "512M", 1 << 20, 64.0 * (1 << 30), NULL,
     NULL, "memory budget"},
    {"style", "s", VG_OPT_LIST, offsetof(cfg, styles), NULL, 0, 0, NULL, "IMAGE", "style image"},
    {"layer", NULL, VG_OPT_LIST, offsetof(cfg, layers), "default", 0, 0, NULL, NULL, "layer name"},
    {"ss", NULL, VG_OPT_TIME, offsetof(cfg, seek), "0", 0, INFINITY, NULL, NULL, "start time"},
    {"c:v", NULL, VG_OPT_STRING, offsetof(cfg, codec), "libx264", 0, 0, NULL, "CODEC",
     "video codec"},
    {"verbose", "v", VG_OPT_FLAG, offsetof(cfg, verbose), NULL, 0, 0, NULL, NULL, "more messages"},
    {NULL},
};

/* The last logged line, for checking error messages. */
static char last_line[1024];
static int lines_logged;
static void sink(int level, const char *line, void *ud)
{
    snprintf(last_line, sizeof(last_line), "%s", line);
    lines_logged++;
}

#define MAX_ARGS 64
/* Parses a space-separated command line (argv[0] = "vrgen", argv[1] = "test"). */
static int parse(const char *cmdline, cfg *c, vg_strlist *pos)
{
    static char buf[2048];
    static char *argv[MAX_ARGS];
    int argc = 0;
    snprintf(buf, sizeof(buf), "vrgen test %s", cmdline);
    for (char *tok = strtok(buf, " "); tok && argc < MAX_ARGS; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    last_line[0] = '\0';
    lines_logged = 0;
    return vg_opt_parse(table, c, argc, argv, 2, pos, "vrgen test");
}

static void test_defaults(void)
{
    cfg c;
    memset(&c, 0x5a, sizeof(c)); /* garbage: parse must set every field */
    vg_strlist pos;
    int r = parse("", &c, &pos);
    VT_CHECK(r == VG_OK, "empty command line: %d", r);
    VT_CHECK(c.yes == 0 && c.verbose == 0, "flags default to 0");
    VT_CHECK(c.crf == 23 && c.steps == 1000, "int defaults %d %d", c.crf, c.steps);
    VT_CHECK(c.frames == 0, "no default means zero: %lld", (long long)c.frames);
    VT_CHECK(c.lr == 0.001, "lr default %g", c.lr);
    VT_CHECK(c.output && strcmp(c.output, "out.mp4") == 0, "string default");
    VT_CHECK(c.preset == 5, "enum default index %d", c.preset);
    VT_CHECK(c.mem == 512LL << 20, "size default %lld", (long long)c.mem);
    VT_CHECK(c.styles.count == 0 && c.styles.items == NULL, "empty list default");
    VT_CHECK(c.layers.count == 1 && strcmp(c.layers.items[0], "default") == 0, "list default item");
    VT_CHECK(c.seek == 0.0, "time default %g", c.seek);
    VT_CHECK(c.codec && strcmp(c.codec, "libx264") == 0, "c:v default");
    VT_CHECK(pos.count == 0, "no positionals: %d", pos.count);
    VT_CHECK(lines_logged == 0, "parsing defaults logged '%s'", last_line);
    vg_opt_free(table, &c);
    vg_strlist_free(&pos);
    VT_CHECK(c.layers.items == NULL && c.layers.count == 0, "vg_opt_free empties lists");
}

static void test_every_form(void)
{
    cfg c;
    vg_strlist pos;
    int r = parse("in.mp4 -crf 18 --frames=100 -lr=0.5 -o out2.mkv --preset slow "
                  "--max-memory 2G -s a.png --style=b.png -style c.png -ss 01:30.5 "
                  "-c:v libx265 -y --v second.mp4 - -layer x -- -weird --crf",
                  &c, &pos);
    VT_CHECK(r == VG_OK, "parse failed (%d): %s", r, last_line);
    VT_CHECK(c.crf == 18, "-crf 18: %d", c.crf);
    VT_CHECK(c.frames == 100, "--frames=100: %lld", (long long)c.frames);
    VT_CHECK(c.lr == 0.5, "-lr=0.5: %g", c.lr);
    VT_CHECK(strcmp(c.output, "out2.mkv") == 0, "-o: %s", c.output);
    VT_CHECK(c.preset == 6, "--preset slow: %d", c.preset);
    VT_CHECK(c.mem == 2LL << 30, "--max-memory 2G: %lld", (long long)c.mem);
    VT_CHECK(c.styles.count == 3, "style list count %d", c.styles.count);
    if (c.styles.count == 3)
        VT_CHECK(strcmp(c.styles.items[0], "a.png") == 0 &&
                     strcmp(c.styles.items[1], "b.png") == 0 &&
                     strcmp(c.styles.items[2], "c.png") == 0,
                 "style list order");
    VT_CHECK(c.layers.count == 1 && strcmp(c.layers.items[0], "x") == 0,
             "a given list replaces its default (%d items)", c.layers.count);
    VT_CHECK(fabs(c.seek - 90.5) < 1e-12, "-ss 01:30.5: %g", c.seek);
    VT_CHECK(strcmp(c.codec, "libx265") == 0, "-c:v: %s", c.codec);
    VT_CHECK(c.yes == 1 && c.verbose == 1, "flags -y --v: %d %d", c.yes, c.verbose);
    static const char *want[] = {"in.mp4", "second.mp4", "-", "-weird", "--crf"};
    VT_CHECK(pos.count == 5, "positional count %d", pos.count);
    for (int i = 0; i < pos.count && i < 5; i++)
        VT_CHECK(strcmp(pos.items[i], want[i]) == 0, "positional %d: '%s', want '%s'", i,
                 pos.items[i], want[i]);
    vg_opt_free(table, &c);
    vg_strlist_free(&pos);

    /* later occurrences win; negative values are values, not options */
    r = parse("--crf 10 -crf=20 --frames -5 --overwrite -o -", &c, &pos);
    VT_CHECK(r == VG_OK, "parse failed: %s", last_line);
    VT_CHECK(c.crf == 20, "later wins: %d", c.crf);
    VT_CHECK(c.frames == -5, "negative value: %lld", (long long)c.frames);
    VT_CHECK(c.yes == 1, "long flag name");
    VT_CHECK(strcmp(c.output, "-") == 0, "-o - takes '-' as the value: %s", c.output);
    vg_opt_free(table, &c);
    vg_strlist_free(&pos);

    r = parse("--frames=-7 --frames=9000000000 --lr 1e-3 --max-memory=1.5G -ss 90", &c, &pos);
    VT_CHECK(r == VG_OK, "parse failed: %s", last_line);
    VT_CHECK(c.frames == 9000000000LL, "int64 beyond int: %lld", (long long)c.frames);
    VT_CHECK(c.lr == 1e-3, "exponent: %g", c.lr);
    VT_CHECK(c.mem == 3LL << 29, "1.5G: %lld", (long long)c.mem);
    VT_CHECK(c.seek == 90.0, "-ss 90: %g", c.seek);
    vg_opt_free(table, &c);
    vg_strlist_free(&pos);
}

/* Expects parse to fail with VG_ERR_INVALID and log exactly one line equal to want. */
static void expect_error(const char *cmdline, const char *want, int with_positional)
{
    cfg c;
    vg_strlist pos = {0};
    int r = parse(cmdline, &c, with_positional ? &pos : NULL);
    VT_CHECK(r == VG_ERR_INVALID, "'%s' returned %d, want VG_ERR_INVALID", cmdline, r);
    VT_CHECK(lines_logged == 1, "'%s' logged %d lines", cmdline, lines_logged);
    VT_CHECK(strcmp(last_line, want) == 0, "'%s':\n  got  %s  want %s", cmdline, last_line, want);
    /* nothing stays allocated after an error */
    VT_CHECK(c.styles.items == NULL && c.styles.count == 0, "'%s' left list storage", cmdline);
    VT_CHECK(c.layers.items == NULL, "'%s' left list storage", cmdline);
    VT_CHECK(pos.items == NULL && pos.count == 0, "'%s' left positional storage", cmdline);
}

static void test_errors(void)
{
    expect_error("-crf 99", "vrgen test: -crf: 99 is out of range (0 to 51)\n", 1);
    expect_error("--crf=-1", "vrgen test: --crf: -1 is out of range (0 to 51)\n", 1);
    expect_error("--crf abc", "vrgen test: --crf: 'abc' is not a number\n", 1);
    expect_error("--crf 1.5", "vrgen test: --crf: '1.5' is not a whole number\n", 1);
    expect_error("--crf 12x", "vrgen test: --crf: '12x' is not a number\n", 1);
    expect_error("--crf=", "vrgen test: --crf: '' is not a number\n", 1);
    expect_error("--steps 0", "vrgen test: --steps: 0 is out of range (at least 1)\n", 1);
    expect_error("--steps 99999999999",
                 "vrgen test: --steps: 99999999999 is out of range (at least 1)\n", 1);
    expect_error("--frames 99999999999999999999",
                 "vrgen test: --frames: 99999999999999999999 is out of range (too large)\n", 1);
    expect_error("--lr -1", "vrgen test: --lr: -1 is out of range (1e-06 to 1)\n", 1);
    expect_error("--lr nan", "vrgen test: --lr: 'nan' is not a number\n", 1);
    expect_error("--lr inf", "vrgen test: --lr: inf is out of range (1e-06 to 1)\n", 1);
    expect_error("--preset fastest",
                 "vrgen test: --preset: 'fastest' is not one of: ultrafast, superfast, "
                 "veryfast, faster, fast, medium, slow\n",
                 1);
    expect_error("--stpes 5",
                 "vrgen test: unknown option --stpes; did you mean --steps? (see vrgen test "
                 "--help)\n",
                 1);
    expect_error("-outptu x",
                 "vrgen test: unknown option -outptu; did you mean -output? (see vrgen test "
                 "--help)\n",
                 1);
    expect_error("--zzzz=3", "vrgen test: unknown option --zzzz (see vrgen test --help)\n", 1);
    expect_error("-5", "vrgen test: unknown option -5 (see vrgen test --help)\n", 1);
    expect_error("-s a.png --crf", "vrgen test: --crf needs a value (N, 0 to 51)\n", 1);
    expect_error("--preset",
                 "vrgen test: --preset needs a value (one of: ultrafast, superfast, veryfast, "
                 "faster, fast, medium, slow)\n",
                 1);
    expect_error("-o", "vrgen test: -o needs a value (FILE)\n", 1);
    expect_error("-y=1", "vrgen test: -y takes no value (got '1')\n", 1);
    expect_error("--max-memory 12X",
                 "vrgen test: --max-memory: '12X' is not a size (bytes, or with a suffix: "
                 "64K, 512M, 2G)\n",
                 1);
    expect_error("--max-memory 100G",
                 "vrgen test: --max-memory: 100G is out of range (1M to 64G)\n", 1);
    expect_error("-ss 1:2:3:4",
                 "vrgen test: -ss: '1:2:3:4' is not a time (seconds like 90 or 1.5, or "
                 "[HH:]MM:SS[.frac])\n",
                 1);
    expect_error("-ss -5", "vrgen test: -ss: -5 is out of range (at least 0 seconds)\n", 1);
    expect_error("-s a.png in.mp4",
                 "vrgen test: unexpected argument 'in.mp4' (see vrgen test "
                 "--help)\n",
                 0);
    /* an error after list items and positionals were collected frees them */
    expect_error("a b -s x -s y --layer z --crf 77",
                 "vrgen test: --crf: 77 is out of range (0 to 51)\n", 1);
}

static void test_time(void)
{
    struct {
        const char *s;
        double v;
    } good[] = {
        {"90", 90},        {"1.5", 1.5},
        {"01:30", 90},     {"00:01:30.5", 90.5},
        {"1:00:00", 3600}, {"250ms", 0.25},
        {"2s", 2},         {"1500us", 0.0015},
        {"-1.5", -1.5},    {"-00:01:00", -60},
        {".5", 0.5},       {"0", 0},
        {"100:00", 6000},  {"25:59:59.25", 93599.25},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        double v = -12345;
        int r = vg_parse_time(good[i].s, &v);
        VT_CHECK(r == VG_OK && fabs(v - good[i].v) < 1e-9, "time '%s': r %d, %g want %g", good[i].s,
                 r, v, good[i].v);
    }
    static const char *bad[] = {"",    "abc",    "1:60",  "1:60:00", "01:30s", "1::2",
                                ":30", "1.5:30", "1e3",   "1:2:3:4", "-",      "1 ",
                                " 1",  "5m",     "1:30:", "nan",     "inf",    NULL};
    for (int i = 0; bad[i]; i++) {
        double v = -12345;
        int r = vg_parse_time(bad[i], &v);
        VT_CHECK(r == VG_ERR_INVALID && v == -12345, "time '%s' accepted (%g)", bad[i], v);
    }
}

static void test_size(void)
{
    struct {
        const char *s;
        int64_t v;
    } good[] = {
        {"4096", 4096},
        {"512M", 512LL << 20},
        {"1.5G", 3LL << 29},
        {"2KiB", 2048},
        {"1k", 1024},
        {"10B", 10},
        {"3MB", 3LL << 20},
        {"1T", 1LL << 40},
        {"0", 0},
        {"0.5K", 512},
        {"9223372036854775807", INT64_MAX},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t v = -1;
        int r = vg_parse_size(good[i].s, &v);
        VT_CHECK(r == VG_OK && v == good[i].v, "size '%s': r %d, %lld want %lld", good[i].s, r,
                 (long long)v, (long long)good[i].v);
    }
    static const char *bad[] = {"",      "-1", "12X", "1MM", "99999999999T",        "M",
                                "1.2.3", " 1", "1 M", "1Mi", "9223372036854775808", "0x10",
                                NULL};
    for (int i = 0; bad[i]; i++) {
        int64_t v = -1;
        int r = vg_parse_size(bad[i], &v);
        VT_CHECK(r == VG_ERR_INVALID && v == -1, "size '%s' accepted (%lld)", bad[i], (long long)v);
    }
    struct {
        int64_t v;
        const char *s;
    } fmt[] = {
        {0, "0"},
        {100, "100"},
        {1023, "1023"},
        {1024, "1K"},
        {512LL << 20, "512M"},
        {3LL << 29, "1.5G"},
        {1536, "1.5K"},
        {(1LL << 30) - 1, "1.0G"},
        {5LL << 40, "5T"},
        {INT64_MAX, "8388607.9T"}, /* not 8388608.0T: that is beyond INT64_MAX (fuzz_opt) */
    };
    for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
        char buf[24];
        vg_format_size(fmt[i].v, buf, sizeof(buf));
        VT_CHECK(strcmp(buf, fmt[i].s) == 0, "format %lld: '%s' want '%s'", (long long)fmt[i].v,
                 buf, fmt[i].s);
    }
}

static void test_help(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    VT_CHECK(f != NULL, "open_memstream");
    if (!f) return;
    vg_opt_help(f, table);
    fclose(f);
    static const char *want[] = {
        "  -y, --overwrite ",
        "      --crf N ",
        "quality (0 to 51; default: 23)\n",
        "training steps (at least 1; default: 1000)\n",
        "      --frames N ",
        "frame count\n",
        "learning rate (1e-06 to 1; default: 0.001)\n",
        "  -o, --output FILE ",
        "output file (default: out.mp4)\n",
        "--preset WORD ",
        ("encoder speed (one of: ultrafast, superfast, veryfast, faster, fast, medium, slow; "
         "default: medium)\n"),
        "--max-memory SIZE ",
        "memory budget (1M to 64G; default: 512M)\n",
        "  -s, --style IMAGE ",
        "style image (repeatable)\n",
        "layer name (repeatable; default: default)\n",
        "      -ss TIME ",
        "start time (at least 0 seconds; default: 0)\n",
        "      -c:v CODEC ",
        "video codec (default: libx264)\n",
        "  -v, --verbose ",
        "more messages\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        VT_CHECK(strstr(text, want[i]) != NULL, "help lacks '%s'", want[i]);

    /* one line per option, help text starting in the same column */
    int lines = 0, col = -1, aligned = 1;
    for (char *line = text; *line; lines++) {
        char *end = strchr(line, '\n');
        VT_CHECK(end != NULL, "help line without newline");
        if (!end) break;
        int c = 2;
        while (line + c < end && !(line[c - 2] != ' ' && line[c - 1] == ' ' && line[c] == ' ')) c++;
        while (line + c < end && line[c] == ' ') c++;
        if (col < 0)
            col = c;
        else if (c != col)
            aligned = 0;
        line = end + 1;
    }
    VT_CHECK(lines == 13, "help has %d lines for 13 options:\n%s", lines, text);
    VT_CHECK(aligned, "help column not aligned:\n%s", text);
    free(text);
}

int main(void)
{
    vg_log_set_sink(sink, NULL);
    test_defaults();
    test_every_form();
    test_errors();
    test_time();
    test_size();
    test_help();
    vg_log_set_sink(NULL, NULL);
    return vt_result("test_common_opt");
}
