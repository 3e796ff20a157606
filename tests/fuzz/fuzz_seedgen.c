/*
 * fuzz_seedgen.c - writes the seed inputs of fuzz_model and fuzz_safetensors with vrgen's
 * own code: small models saved by gen_model_serialize (networks made on the reference
 * backend), tensor files made by gen_st_writer, and a few hand-written headers for what
 * the writer never produces (other dtypes, scalars, empty tensors, metadata only).
 * Usage: fuzz_seedgen MODEL_DIR SAFETENSORS_DIR (both must exist). Run by
 * scripts/make-fuzz-seeds; not a test.
 */
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "gen/gen_backend.h"
#include "gen/gen_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_file(const char *dir, const char *name, const unsigned char *data, size_t n)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(data, 1, n, fp) != n || fclose(fp) != 0) {
        fprintf(stderr, "fuzz_seedgen: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

static int model(gen_backend *be, const char *dir, const char *name, gen_net_kind kind, int width,
                 int blocks, gen_pad_mode pad, gen_upsample_mode up, const char *const *meta)
{
    gen_net_config cfg;
    gen_net_config_default(&cfg, kind);
    cfg.width = width;
    cfg.blocks = blocks;
    cfg.pad = pad;
    cfg.up = up;
    gen_net *net = NULL;
    unsigned char *img = NULL;
    size_t n = 0;
    int ret = gen_net_create(be, &cfg, 0, &net);
    if (ret == VG_OK) ret = gen_net_init(net, 1);
    if (ret == VG_OK) ret = gen_model_serialize(net, meta, &img, &n);
    if (ret == VG_OK) ret = write_file(dir, name, img, n);
    gen_net_destroy(&net);
    free(img);
    if (ret) fprintf(stderr, "fuzz_seedgen: model %s failed (%d)\n", name, ret);
    return ret != 0;
}

/* A file with the given JSON header (padded to 8 bytes) and data_len bytes of data. */
static int raw(const char *dir, const char *name, const char *header, size_t data_len)
{
    size_t h = strlen(header), padded = (h + 7) / 8 * 8;
    size_t n = 8 + padded + data_len;
    unsigned char *img = calloc(1, n);
    if (!img) return 1;
    for (int i = 0; i < 8; i++) img[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    memcpy(img + 8, header, h);
    memset(img + 8 + h, ' ', padded - h);
    for (size_t i = 0; i < data_len; i++) img[8 + padded + i] = (unsigned char)(i * 37 + 1);
    int r = write_file(dir, name, img, n);
    free(img);
    return r;
}

static int tensors(const char *dir)
{
    int bad = 0;
    gen_st_writer *w = gen_st_writer_create();
    if (!w) return 1;
    float v[24];
    for (int i = 0; i < 24; i++) v[i] = (float)i * 0.25f - 3.0f;
    int64_t s234[3] = {2, 3, 4}, s6[1] = {6}, s0[2] = {0, 5};
    bad |= gen_st_writer_meta(w, "format", "pt") != VG_OK;
    bad |= gen_st_writer_meta(w, "note", "fuzz seed \xc3\xa9") != VG_OK;
    bad |= gen_st_writer_add_f32(w, "a.weight", 3, s234, v) != VG_OK;
    bad |= gen_st_writer_add_f32(w, "b", 1, s6, v) != VG_OK;
    bad |= gen_st_writer_add_f32(w, "scalar", 0, NULL, v) != VG_OK;
    bad |= gen_st_writer_add_f32(w, "empty", 2, s0, v) != VG_OK;
    unsigned char *img = NULL;
    size_t n = 0;
    bad |= gen_st_writer_serialize(w, &img, &n) != VG_OK;
    if (!bad) bad |= write_file(dir, "writer.safetensors", img, n);
    free(img);
    gen_st_writer_destroy(&w);

    bad |= raw(dir, "empty.safetensors", "{}", 0);
    bad |= raw(dir, "meta-only.safetensors", "{\"__metadata__\":{\"k\":\"v\",\"x\":\"\"}}", 0);
    bad |= raw(dir, "dtypes.safetensors",
               "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
               "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]},"
               "\"b\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[16,19]},"
               "\"e\":{\"dtype\":\"F8_E4M3\",\"shape\":[1,1],\"data_offsets\":[19,20]},"
               "\"z\":{\"dtype\":\"BF16\",\"shape\":[0],\"data_offsets\":[20,20]},"
               "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[20,28]},"
               "\"u\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[28,32]}}",
               32);
    bad |= raw(dir, "unordered.safetensors",
               "{\"second\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
               "\"first\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
               "\"__metadata__\":{\"escaped \\u00e9\\n\":\"\\ud83d\\ude00\"}}",
               8);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_seedgen MODEL_DIR SAFETENSORS_DIR\n");
        return 2;
    }
    gen_backend *be = NULL;
    gen_backend_config rc = {.kind = GEN_BACKEND_REF};
    if (gen_backend_create(&rc, &be) != VG_OK) return 1;
    static const char *const meta[] = {"steps", "100", "style", "seed.png", NULL};
    int bad = 0;
    bad |= model(be, argv[1], "gen-w2-b1.safetensors", GEN_NET_GENERATOR, 2, 1, GEN_PAD_REFLECT,
                 GEN_UPSAMPLE_NEAREST, meta);
    bad |= model(be, argv[1], "gen-w1-b0-zero-bilinear.safetensors", GEN_NET_GENERATOR, 1, 0,
                 GEN_PAD_ZERO, GEN_UPSAMPLE_BILINEAR, NULL);
    bad |= model(be, argv[1], "gen-w1-b2-circular.safetensors", GEN_NET_GENERATOR, 1, 2,
                 GEN_PAD_CIRCULAR_X, GEN_UPSAMPLE_NEAREST, NULL);
    bad |= model(be, argv[1], "disc-w2.safetensors", GEN_NET_DISCRIMINATOR, 2, 0, GEN_PAD_ZERO,
                 GEN_UPSAMPLE_NEAREST, NULL);
    bad |= tensors(argv[2]);
    gen_backend_destroy(&be);
    return bad;
}
