/*
 * gen_model.c - saving and loading networks as safetensors model files, with strict
 * validation on load (the file may be hostile). The tensor names are the parameter names
 * of docs/networks.md; the architecture lives in __metadata__.
 */
#include "gen/gen_model.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_json.h"
#include "common/vg_log.h"

/* The most residual blocks a model file may declare. gen_net.c's fixed layer tables
 * (MAX_PARAMS 128 >= 17 + 6 * blocks parameters) hold 18: a generator with more aborts on
 * an assertion there, so a 144-byte file saying "blocks": "19" crashed every command that
 * loads models (found by fuzz_model). Raise this with those tables. */

static const char *const pad_names[] = {"zero", "reflect", "replicate", "circular_x", NULL};
static const char *const up_names[] = {"nearest", "bilinear", NULL};
static const char *const kind_names[] = {"generator", "discriminator", NULL};

/* An untrusted string from the file (UTF-8 without NUL: the reader checked) for a message
 * or `vrgen info`: at most max bytes, cut at a character boundary, control characters
 * escaped as \u00XX so that a file cannot send terminal escapes (found by fuzz_model).
 * The text lives in b until its next use; the caller frees b. */
static const char *shown(vg_json_buf *b, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) n--;
    }
    b->len = 0;
    if (vg_json_escape(b, s, n) != VG_OK || b->len < 2) return "(unprintable)";
    b->data[b->len - 1] = 0; /* without the quotes */
    return b->data + 1;
}

static int word_index(const char *const *names, const char *w)
{
    for (int i = 0; w && names[i]; i++)
        if (strcmp(names[i], w) == 0) return i;
    return -1;
}

static int meta_int(const gen_st_file *f, const char *key, int lo, int hi, int *v)
{
    const char *s = gen_st_meta(f, key);
    if (!s) {
        vg_error("%s: model metadata lacks '%s'", gen_st_what(f), key);
        return VG_ERR_FORMAT;
    }
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi) {
        vg_json_buf b = {0};
        vg_error("%s: model metadata '%s' is '%s', expected an integer from %d to %d",
                 gen_st_what(f), key, shown(&b, s, 40), lo, hi);
        vg_json_buf_fini(&b);
        return VG_ERR_FORMAT;
    }
    *v = (int)x;
    return VG_OK;
}

static int meta_word(const gen_st_file *f, const char *key, const char *const *names, int *v)
{
    const char *s = gen_st_meta(f, key);
    int i = word_index(names, s);
    if (i < 0) {
        vg_json_buf b = {0};
        vg_error("%s: model metadata '%s' is %s%s%s, expected one of %s, %s", gen_st_what(f), key,
                 s ? "'" : "", s ? shown(&b, s, 40) : "missing", s ? "'" : "", names[0], names[1]);
        vg_json_buf_fini(&b);
        return VG_ERR_FORMAT;
    }
    *v = i;
    return VG_OK;
}

int gen_model_config(const gen_st_file *f, gen_net_config *cfg)
{
    const char *format = gen_st_meta(f, "format");
    if (!format || strcmp(format, GEN_MODEL_FORMAT) != 0) {
        vg_json_buf b = {0};
        vg_error("%s: not a vrgen model (metadata format is %s%s%s, expected '%s')", gen_st_what(f),
                 format ? "'" : "", format ? shown(&b, format, 40) : "missing", format ? "'" : "",
                 GEN_MODEL_FORMAT);
        vg_json_buf_fini(&b);
        return VG_ERR_FORMAT;
    }
    int kind, ret;
    if ((ret = meta_word(f, "kind", kind_names, &kind)) < 0) return ret;
    gen_net_config_default(cfg, (gen_net_kind)kind);
    if ((ret = meta_int(f, "width", 1, 256, &cfg->width)) < 0) return ret;
    if (kind == GEN_NET_GENERATOR) {
        int pad, up;
        if ((ret = meta_int(f, "blocks", 0, GEN_NET_MAX_BLOCKS, &cfg->blocks)) < 0) return ret;
        if ((ret = meta_word(f, "pad", pad_names, &pad)) < 0) return ret;
        if ((ret = meta_word(f, "up", up_names, &up)) < 0) return ret;
        cfg->pad = (gen_pad_mode)pad;
        cfg->up = (gen_upsample_mode)up;
    }
    return VG_OK;
}

static size_t param_len(const gen_param *p)
{
    return (size_t)p->shape[0] * p->shape[1] * p->shape[2] * p->shape[3];
}

static gen_st_writer *build_writer(gen_net *net, const char *const *meta)
{
    const gen_net_config *c = gen_net_get_config(net);
    gen_st_writer *w = gen_st_writer_create();
    float *host = NULL;
    char num[32];
    if (!w) return NULL;
    int ok = gen_st_writer_meta(w, "format", GEN_MODEL_FORMAT) == VG_OK &&
             gen_st_writer_meta(w, "kind", kind_names[c->kind]) == VG_OK;
    snprintf(num, sizeof(num), "%d", c->width);
    ok = ok && gen_st_writer_meta(w, "width", num) == VG_OK;
    if (c->kind == GEN_NET_GENERATOR) {
        snprintf(num, sizeof(num), "%d", c->blocks);
        ok = ok && gen_st_writer_meta(w, "blocks", num) == VG_OK &&
             gen_st_writer_meta(w, "pad", pad_names[c->pad]) == VG_OK &&
             gen_st_writer_meta(w, "up", up_names[c->up]) == VG_OK;
    }
    for (int i = 0; ok && meta && meta[i] && meta[i + 1]; i += 2)
        ok = gen_st_writer_meta(w, meta[i], meta[i + 1]) == VG_OK;
    for (int i = 0; ok && i < gen_net_param_count(net); i++) {
        const gen_param *p = gen_net_param(net, i);
        float *h = realloc(host, param_len(p) * sizeof(float));
        if (!h) {
            ok = 0;
            break;
        }
        host = h;
        int64_t shape[4] = {p->shape[0], p->shape[1], p->shape[2], p->shape[3]};
        ok = gen_net_param_download(net, i, host) == VG_OK &&
             gen_st_writer_add_f32(w, p->name, p->ndim, shape, host) == VG_OK;
    }
    free(host);
    if (!ok) gen_st_writer_destroy(&w);
    return w;
}

int gen_model_save(gen_net *net, const char *path, const char *const *meta, int overwrite)
{
    gen_st_writer *w = build_writer(net, meta);
    if (!w) return VG_ERR_NOMEM;
    int ret = gen_st_writer_save(w, path, overwrite);
    gen_st_writer_destroy(&w);
    return ret;
}

int gen_model_serialize(gen_net *net, const char *const *meta, unsigned char **data, size_t *size)
{
    gen_st_writer *w = build_writer(net, meta);
    if (!w) return VG_ERR_NOMEM;
    int ret = gen_st_writer_serialize(w, data, size);
    gen_st_writer_destroy(&w);
    return ret;
}

int gen_model_load(gen_backend *be, const char *path, const unsigned char *data, size_t size,
                   const char *what, int training, gen_net **out, gen_st_file **meta_out)
{
    gen_st_file *f = NULL;
    gen_net *net = NULL;
    float *host = NULL;
    gen_net_config cfg;
    int ret;
    *out = NULL;
    if (meta_out) *meta_out = NULL;
    ret = path ? gen_st_load(path, &f) : gen_st_parse(data, size, what, &f);
    if (ret < 0) return ret;
    if ((ret = gen_model_config(f, &cfg)) < 0) goto fail;
    if ((ret = gen_net_create(be, &cfg, training, &net)) < 0) goto fail;

    /* Every tensor is checked before the network's memory is written: the metadata alone
     * sizes the network (up to ~1.4 GB at width 256), and a short hostile file must fail
     * here, not after gen_net_init has filled all of it (found by fuzz_model).
     * Every tensor of the file must be a parameter of this architecture, ... */
    for (size_t i = 0; i < gen_st_count(f); i++) {
        const gen_st_tensor *t = gen_st_at(f, i);
        if (!gen_net_param_find(net, t->name)) {
            vg_json_buf b = {0};
            vg_error("%s: unexpected tensor '%s' for a %s of width %d", gen_st_what(f),
                     shown(&b, t->name, 60), kind_names[cfg.kind], cfg.width);
            vg_json_buf_fini(&b);
            ret = VG_ERR_FORMAT;
            goto fail;
        }
    }
    /* ... and every parameter must be in the file, F32, with its shape, finite. */
    size_t host_len = 0;
    for (int i = 0; i < gen_net_param_count(net); i++) {
        const gen_param *p = gen_net_param(net, i);
        size_t len = param_len(p);
        if (len > host_len) {
            float *h = realloc(host, len * sizeof(float));
            if (!h) {
                ret = VG_ERR_NOMEM;
                goto fail;
            }
            host = h;
            host_len = len;
        }
        int64_t shape[4] = {p->shape[0], p->shape[1], p->shape[2], p->shape[3]};
        if ((ret = gen_st_read_f32(f, p->name, p->ndim, shape, host)) < 0) goto fail;
        for (size_t k = 0; k < len; k++)
            if (!isfinite(host[k])) {
                vg_error("%s: tensor %s holds a non-finite value (%g at %zu)", gen_st_what(f),
                         p->name, (double)host[k], k);
                ret = VG_ERR_FORMAT;
                goto fail;
            }
    }
    if ((ret = gen_net_init(net, 0)) < 0) goto fail; /* zeroes moments when training */
    for (int i = 0; i < gen_net_param_count(net); i++) {
        const gen_param *p = gen_net_param(net, i);
        int64_t shape[4] = {p->shape[0], p->shape[1], p->shape[2], p->shape[3]};
        /* checked above: the read cannot fail; host holds the largest parameter */
        if ((ret = gen_st_read_f32(f, p->name, p->ndim, shape, host)) < 0) goto fail;
        if ((ret = gen_net_param_upload(net, i, host)) < 0) goto fail;
    }
    free(host);
    *out = net;
    if (meta_out)
        *meta_out = f;
    else
        gen_st_destroy(&f);
    return VG_OK;
fail:
    free(host);
    gen_net_destroy(&net);
    gen_st_destroy(&f);
    return ret;
}

int gen_model_describe(const char *path, FILE *f)
{
    gen_backend *ref = NULL;
    gen_backend_config rc = {.kind = GEN_BACKEND_REF};
    gen_net *net = NULL;
    gen_st_file *st = NULL;
    int ret = gen_backend_create(&rc, &ref);
    if (ret < 0) return ret;
    ret = gen_model_load(ref, path, NULL, 0, NULL, 0, &net, &st);
    if (ret == VG_OK) {
        const gen_net_config *c = gen_net_get_config(net);
        fprintf(f, "%s: vrgen model (%s)\n", path, GEN_MODEL_FORMAT);
        if (c->kind == GEN_NET_GENERATOR)
            fprintf(f, "  generator: width %d, %d residual blocks, %s padding, %s upsampling\n",
                    c->width, c->blocks, pad_names[c->pad], up_names[c->up]);
        else
            fprintf(f, "  patch discriminator: width %d\n", c->width);
        fprintf(f, "  parameters: %zu in %d tensors\n", gen_net_weight_count(net),
                gen_net_param_count(net));
        static const char *const arch[] = {"format", "kind", "width", "blocks", "pad", "up"};
        for (size_t i = 0; i < gen_st_meta_count(st); i++) {
            const char *k, *v;
            gen_st_meta_at(st, i, &k, &v);
            int skip = 0;
            for (size_t a = 0; a < sizeof(arch) / sizeof(arch[0]); a++)
                skip |= strcmp(k, arch[a]) == 0;
            if (skip) continue;
            vg_json_buf bk = {0}, bv = {0};
            fprintf(f, "  %s: %s\n", shown(&bk, k, SIZE_MAX), shown(&bv, v, SIZE_MAX));
            vg_json_buf_fini(&bk);
            vg_json_buf_fini(&bv);
        }
    }
    gen_st_destroy(&st);
    gen_net_destroy(&net);
    gen_backend_destroy(&ref);
    return ret;
}
