/*
 * fuzz_opt.c - fuzz target for command-line option parsing (common/vg_opt.c).
 *
 * Input: an argument vector, arguments separated by NUL bytes (at most 64 arguments),
 * parsed after "vrgen fuzz" against a table with every option type the subcommands use:
 * flags, ints and int64s with ranges, floats, strings, enums, sizes, times, lists with
 * and without a default, FFmpeg-style names ("c:v", "ss") and aliases. Each vector is
 * parsed twice, with and without a positional list. Checks, besides the sanitizers:
 *   - on success every field holds a value its option allows (range, enum index, finite);
 *   - on failure nothing stays allocated (lists and positionals are empty);
 *   - every argument that vg_parse_time / vg_parse_size accept gives a finite time or a
 *     size in 0..INT64_MAX, and the text vg_format_size writes for a size parses again.
 * Not a test of the real subcommands' tables (their options are the same types).
 */
#include "common/vg_error.h"
#include "common/vg_opt.h"
#include "tests/fuzz/fuzz_util.h"

#include <math.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_opt: check failed: %s (line %d)\n", #cond, __LINE__);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct cfg {
    int yes, verbose, crf, png_bits, layout;
    int64_t frames, mem, bitrate;
    double lr, seek, dur;
    const char *output, *codec;
    vg_strlist styles, layers;
} cfg;

static const char *const layouts[] = {"auto", "mono", "sbs", "tb", NULL};
static const char *const png_bits[] = {"8", "16", NULL};

#define O(f) offsetof(cfg, f)
static const vg_opt table[] = {
    {"y", "overwrite", VG_OPT_FLAG, O(yes), NULL, 0, 0, NULL, NULL, "overwrite the output"},
    {"verbose", "v", VG_OPT_FLAG, O(verbose), NULL, 0, 0, NULL, NULL, "more messages"},
    {"crf", NULL, VG_OPT_INT, O(crf), "-1", -1, 63, NULL, "N", "quality"},
    {"frames", "frames:v", VG_OPT_INT64, O(frames), "-1", -1, 1e15, NULL, "N", "frame count"},
    {"lr", NULL, VG_OPT_FLOAT, O(lr), "0.001", 1e-6, 1.0, NULL, NULL, "learning rate"},
    {"output", "o", VG_OPT_STRING, O(output), "out.mp4", 0, 0, NULL, "FILE", "output file"},
    {"c:v", "vcodec", VG_OPT_STRING, O(codec), NULL, 0, 0, NULL, "CODEC", "video codec"},
    {"layout", NULL, VG_OPT_ENUM, O(layout), "auto", 0, 0, layouts, NULL, "stereo layout"},
    {"png-bits", NULL, VG_OPT_ENUM, O(png_bits), "8", 0, 0, png_bits, NULL, "PNG depth"},
    {"max-memory", NULL, VG_OPT_SIZE, O(mem), "512M", 1 << 20, 64.0 * (1 << 30), NULL, NULL,
     "memory budget"},
    {"b:v", NULL, VG_OPT_SIZE, O(bitrate), "0", 0, 0, NULL, "RATE", "bit rate"},
    {"style", "s", VG_OPT_LIST, O(styles), NULL, 0, 0, NULL, "IMAGE", "style image"},
    {"layer", NULL, VG_OPT_LIST, O(layers), "default", 0, 0, NULL, NULL, "layer name"},
    {"ss", NULL, VG_OPT_TIME, O(seek), "-1", 0, 0, NULL, "TIME", "start time"},
    {"t", NULL, VG_OPT_TIME, O(dur), "10", 0, INFINITY, NULL, "TIME", "duration"},
    {NULL},
};

#define MAX_ARGS 64

static void check_parsed(const cfg *c)
{
    CHECK(c->yes == 0 || c->yes == 1);
    CHECK(c->verbose == 0 || c->verbose == 1);
    CHECK(c->crf >= -1 && c->crf <= 63);
    CHECK(c->frames >= -1 && c->frames <= 1000000000000000);
    CHECK(isfinite(c->lr) && c->lr >= 1e-6 && c->lr <= 1.0);
    CHECK(c->output);
    CHECK(c->layout >= 0 && c->layout < 4);
    CHECK(c->png_bits >= 0 && c->png_bits < 2);
    CHECK(c->mem >= 1 << 20 && c->mem <= 64LL << 30);
    CHECK(c->bitrate >= 0);
    CHECK(isfinite(c->seek) && isfinite(c->dur) && c->dur >= 0);
    CHECK(c->layers.count >= 1);
    for (int i = 0; i < c->styles.count; i++) CHECK(c->styles.items[i]);
    for (int i = 0; i < c->layers.count; i++) CHECK(c->layers.items[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        fuzz_log_init(0);
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            vg_opt_help(null, table);
            fclose(null);
        }
        init = 1;
    }
    /* split into NUL-terminated arguments (a copy: the parser keeps pointers into argv) */
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    buf[size] = 0;
    char *argv[MAX_ARGS + 2] = {"vrgen", "fuzz"};
    int argc = 2;
    for (size_t i = 0; i <= size && argc < MAX_ARGS + 2;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    if (size == 0) argc = 2;

    for (int with_pos = 0; with_pos < 2; with_pos++) {
        cfg c;
        memset(&c, 0xa5, sizeof(c));
        vg_strlist pos;
        memset(&pos, 0xa5, sizeof(pos));
        int r = vg_opt_parse(table, &c, argc, argv, 2, with_pos ? &pos : NULL, "vrgen fuzz");
        CHECK(r == VG_OK || r == VG_ERR_INVALID || r == VG_ERR_NOMEM);
        if (r == VG_OK) {
            check_parsed(&c);
            if (with_pos)
                for (int i = 0; i < pos.count; i++) CHECK(pos.items[i]);
        } else {
            CHECK(c.styles.count == 0 && c.styles.items == NULL);
            CHECK(c.layers.count == 0 && c.layers.items == NULL);
            if (with_pos) CHECK(pos.count == 0 && pos.items == NULL);
        }
        vg_opt_free(table, &c);
        if (with_pos) vg_strlist_free(&pos);
    }

    for (int i = 2; i < argc; i++) {
        double t;
        if (vg_parse_time(argv[i], &t) == VG_OK) CHECK(isfinite(t));
        int64_t bytes;
        if (vg_parse_size(argv[i], &bytes) == VG_OK) {
            CHECK(bytes >= 0);
            char text[32];
            int64_t back;
            vg_format_size(bytes, text, sizeof(text));
            if (vg_parse_size(text, &back) != VG_OK) {
                fprintf(stderr,
                        "fuzz_opt: vg_format_size(%lld) wrote '%s', which "
                        "vg_parse_size refuses\n",
                        (long long)bytes, text);
                abort();
            }
        }
    }
    free(buf);
    return 0;
}
