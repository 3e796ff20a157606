/*
 * test_model.c - model files: save and load round trip (exact values, architecture and
 * extra metadata), and strict rejection of broken files with a message naming the problem:
 * not a vrgen model, bad architecture, missing / extra / misshapen tensors, NaN values.
 */
#include <string.h>
#include <unistd.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "gen/gen_model.h"
#include "tests/vt.h"

static char last_msg[512];
static void sink(int level, const char *line, void *ud)
{
    snprintf(last_msg, sizeof(last_msg), "%s", line);
}

static gen_net *make(gen_backend *be, gen_net_kind kind, uint64_t seed)
{
    gen_net_config c;
    gen_net_config_default(&c, kind);
    c.width = 4;
    c.blocks = 1;
    c.pad = GEN_PAD_CIRCULAR_X;
    c.up = GEN_UPSAMPLE_BILINEAR;
    gen_net *n = NULL;
    gen_net_create(be, &c, 0, &n);
    gen_net_init(n, seed);
    return n;
}

/* Writes a file built from a generator's tensors with one change applied by `edit`. */
typedef void (*edit_fn)(gen_st_writer *w, gen_net *n, const char *name, int64_t *shape, float *data,
                        int *skip);

static int write_edited(gen_net *n, const char *path, const char *format, edit_fn edit)
{
    gen_st_writer *w = gen_st_writer_create();
    const gen_net_config *c = gen_net_get_config(n);
    char num[16];
    gen_st_writer_meta(w, "format", format);
    gen_st_writer_meta(w, "kind", "generator");
    snprintf(num, sizeof(num), "%d", c->width);
    gen_st_writer_meta(w, "width", num);
    gen_st_writer_meta(w, "blocks", "1");
    gen_st_writer_meta(w, "pad", "circular_x");
    gen_st_writer_meta(w, "up", "bilinear");
    for (int i = 0; i < gen_net_param_count(n); i++) {
        const gen_param *p = gen_net_param(n, i);
        size_t len = (size_t)p->shape[0] * p->shape[1] * p->shape[2] * p->shape[3];
        float *d = malloc(len * sizeof(float));
        gen_net_param_download(n, i, d);
        int64_t shape[4] = {p->shape[0], p->shape[1], p->shape[2], p->shape[3]};
        int skip = 0;
        if (edit) edit(w, n, p->name, shape, d, &skip);
        if (!skip) gen_st_writer_add_f32(w, p->name, p->ndim, shape, d);
        free(d);
    }
    int ret = gen_st_writer_save(w, path, 1);
    gen_st_writer_destroy(&w);
    return ret;
}

static void drop_one(gen_st_writer *w, gen_net *n, const char *name, int64_t *s, float *d,
                     int *skip)
{
    *skip = strcmp(name, "res0.conv_b.weight") == 0;
}
static void add_extra(gen_st_writer *w, gen_net *n, const char *name, int64_t *s, float *d,
                      int *skip)
{
    if (strcmp(name, "out.conv.bias") == 0) {
        int64_t one[1] = {1};
        gen_st_writer_add_f32(w, "sneaky.weight", 1, one, d);
    }
}
static void bad_shape(gen_st_writer *w, gen_net *n, const char *name, int64_t *s, float *d,
                      int *skip)
{
    if (strcmp(name, "enc0.conv.weight") == 0) {
        s[1] = 1; /* (4,1,9,9): fewer elements than the data; the writer takes the shape */
        s[0] = 12;
    }
}
static void put_nan(gen_st_writer *w, gen_net *n, const char *name, int64_t *s, float *d, int *skip)
{
    if (strcmp(name, "dec1.norm.weight") == 0) d[2] = NAN;
}

static void expect_fail(gen_backend *be, const char *path, int code, const char *needle)
{
    gen_net *n = NULL;
    last_msg[0] = 0;
    int ret = gen_model_load(be, path, NULL, 0, NULL, 0, &n, NULL);
    VT_CHECK(ret == code, "%s: got %d (%s), expected %d", needle, ret, vg_strerror(ret), code);
    VT_CHECK(strstr(last_msg, needle) != NULL, "message '%s' lacks '%s'", last_msg, needle);
    VT_CHECK(n == NULL, "no network on failure");
}

int main(void)
{
    gen_backend *be = NULL;
    gen_backend_config rc = {.kind = GEN_BACKEND_REF};
    gen_backend_create(&rc, &be);
    char dir[] = "/tmp/vrgen-model-XXXXXX";
    VT_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char path[256];

    /* round trip */
    for (int kind = 0; kind < 2; kind++) {
        gen_net *a = make(be, (gen_net_kind)kind, 11 + kind), *b = NULL;
        snprintf(path, sizeof(path), "%s/m%d.safetensors", dir, kind);
        const char *meta[] = {"description", "test model", "steps", "42", NULL};
        VT_CHECK(gen_model_save(a, path, meta, 0) == VG_OK, "save");
        VT_CHECK(gen_model_save(a, path, meta, 0) == VG_ERR_EXISTS, "no overwrite without -y");
        gen_st_file *st = NULL;
        VT_CHECK(gen_model_load(be, path, NULL, 0, NULL, 0, &b, &st) == VG_OK, "load");
        if (b && st) {
            const gen_net_config *ca = gen_net_get_config(a), *cb = gen_net_get_config(b);
            VT_CHECK(ca->kind == cb->kind && ca->width == cb->width, "architecture round trip");
            if (kind == GEN_NET_GENERATOR)
                VT_CHECK(ca->blocks == cb->blocks && ca->pad == cb->pad && ca->up == cb->up,
                         "generator architecture round trip");
            VT_CHECK(strcmp(gen_st_meta(st, "description"), "test model") == 0, "metadata");
            for (int i = 0; i < gen_net_param_count(a); i++) {
                const gen_param *p = gen_net_param(a, i);
                size_t len = (size_t)p->shape[0] * p->shape[1] * p->shape[2] * p->shape[3];
                float *x = malloc(len * 4), *y = malloc(len * 4);
                gen_net_param_download(a, i, x);
                gen_net_param_download(b, i, y);
                VT_CHECK(memcmp(x, y, len * 4) == 0, "%s differs after the round trip", p->name);
                free(x);
                free(y);
            }
        }
        FILE *f = tmpfile();
        VT_CHECK(gen_model_describe(path, f) == VG_OK, "describe");
        char text[2048] = {0};
        rewind(f);
        fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
        VT_CHECK(strstr(text, kind ? "discriminator" : "residual blocks") &&
                     strstr(text, "description: test model"),
                 "describe output: %s", text);
        gen_st_destroy(&st);
        gen_net_destroy(&a);
        gen_net_destroy(&b);
    }

    /* rejection */
    vg_log_set_sink(sink, NULL);
    gen_net *g = make(be, GEN_NET_GENERATOR, 5);
    snprintf(path, sizeof(path), "%s/bad.safetensors", dir);
    write_edited(g, path, "something-else", NULL);
    expect_fail(be, path, VG_ERR_FORMAT, "not a vrgen model");
    write_edited(g, path, GEN_MODEL_FORMAT, drop_one);
    expect_fail(be, path, VG_ERR_NOT_FOUND, "res0.conv_b.weight");
    write_edited(g, path, GEN_MODEL_FORMAT, add_extra);
    expect_fail(be, path, VG_ERR_FORMAT, "unexpected tensor 'sneaky.weight'");
    write_edited(g, path, GEN_MODEL_FORMAT, put_nan);
    expect_fail(be, path, VG_ERR_FORMAT, "non-finite");
    if (write_edited(g, path, GEN_MODEL_FORMAT, bad_shape) == VG_OK)
        expect_fail(be, path, VG_ERR_FORMAT, "enc0.conv.weight");
    snprintf(path, sizeof(path), "%s/missing.safetensors", dir);
    expect_fail(be, path, VG_ERR_NOT_FOUND, "missing.safetensors");
    vg_log_set_sink(NULL, NULL);
    gen_net_destroy(&g);

    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    VT_CHECK(system(cmd) == 0, "cleanup");
    gen_backend_destroy(&be);
    return vt_result("test_model");
}
