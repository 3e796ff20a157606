/*
 * gen_safetensors.c - strict safetensors reader and F32 writer (see gen_safetensors.h).
 *
 * The reader parses the JSON header with vg_json (which bounds depth and node count),
 * validates every entry, then checks that the tensors' byte ranges tile the data buffer.
 * Untrusted strings (tensor names, metadata keys) are quoted with vg_json_escape in
 * messages so control characters cannot reach the terminal. Tensor data is never copied
 * at parse time and never read unaligned.
 */
#include "gen/gen_safetensors.h"

#include "common/vg_error.h"
#include "common/vg_file.h"
#include "common/vg_json.h"
#include "common/vg_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    size_t size;
} dtype_info[GEN_ST_DTYPE_COUNT] = {
    [GEN_ST_BOOL] = {"BOOL", 1},       [GEN_ST_U8] = {"U8", 1},
    [GEN_ST_I8] = {"I8", 1},           [GEN_ST_F8_E5M2] = {"F8_E5M2", 1},
    [GEN_ST_F8_E4M3] = {"F8_E4M3", 1}, [GEN_ST_I16] = {"I16", 2},
    [GEN_ST_U16] = {"U16", 2},         [GEN_ST_F16] = {"F16", 2},
    [GEN_ST_BF16] = {"BF16", 2},       [GEN_ST_I32] = {"I32", 4},
    [GEN_ST_U32] = {"U32", 4},         [GEN_ST_F32] = {"F32", 4},
    [GEN_ST_F64] = {"F64", 8},         [GEN_ST_I64] = {"I64", 8},
    [GEN_ST_U64] = {"U64", 8},
};

const char *gen_st_dtype_name(gen_st_dtype t)
{
    return (unsigned)t < GEN_ST_DTYPE_COUNT ? dtype_info[t].name : "?";
}

size_t gen_st_dtype_size(gen_st_dtype t)
{
    return (unsigned)t < GEN_ST_DTYPE_COUNT ? dtype_info[t].size : 0;
}

typedef struct st_meta {
    char *key;
    char *value;
} st_meta;

struct gen_st_file {
    char *what;
    unsigned char *owned; /* the file bytes when loaded by gen_st_load */
    gen_st_tensor *tensors;
    char **names; /* owned copies behind tensors[i].name */
    size_t count;
    st_meta *meta;
    size_t meta_count;
};

/* Untrusted string -> its quoted, escaped JSON form in b, for messages. The result lives
 * until the next use of b. */
static const char *quote(vg_json_buf *b, const char *s, size_t n)
{
    b->len = 0;
    if (b->data) b->data[0] = 0;
    if (vg_json_escape(b, s, n) != VG_OK || !b->data) return "(unprintable)";
    return b->data;
}

static void format_shape(char *buf, size_t cap, int ndim, const int64_t *shape)
{
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (n < cap) snprintf(buf + n, cap - n, "]");
}

void gen_st_destroy(gen_st_file **pf)
{
    if (!pf || !*pf) return;
    gen_st_file *f = *pf;
    for (size_t i = 0; i < f->count; i++) free(f->names[i]);
    for (size_t i = 0; i < f->meta_count; i++) {
        free(f->meta[i].key);
        free(f->meta[i].value);
    }
    free(f->names);
    free(f->tensors);
    free(f->meta);
    free(f->owned);
    free(f->what);
    free(f);
    *pf = NULL;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Sort key for the tiling check. */
typedef struct st_range {
    uint64_t begin, end;
    size_t index;
} st_range;

static int range_cmp(const void *a, const void *b)
{
    const st_range *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Reads a JSON value that must be an integer in [0, INT64_MAX]. */
static int get_uint(const vg_json *v, uint64_t *out)
{
    int64_t i;
    if (!vg_json_int64(v, &i) || i < 0) return 0;
    *out = (uint64_t)i;
    return 1;
}

/* Validates one tensor entry and fills t (name excluded). Returns VG_OK or logs and returns
 * VG_ERR_FORMAT. qname is the quoted tensor name for messages. */
static int parse_entry(const char *what, const char *qname, const vg_json *e, uint64_t buf_size,
                       gen_st_tensor *t, uint64_t *begin, uint64_t *end)
{
    char qb[128];
    if (!vg_json_is_object(e)) {
        vg_error("%s: tensor %s: entry is not a JSON object", what, qname);
        return VG_ERR_FORMAT;
    }
    long dup = vg_json_find_duplicate_key(e);
    if (dup >= 0) {
        vg_error("%s: tensor %s: field \"%s\" appears twice", what, qname,
                 vg_json_key_at(e, (size_t)dup, NULL));
        return VG_ERR_FORMAT;
    }
    for (size_t i = 0; i < vg_json_count(e); i++) {
        size_t kn;
        const char *k = vg_json_key_at(e, i, &kn);
        if (strcmp(k, "dtype") && strcmp(k, "shape") && strcmp(k, "data_offsets")) {
            vg_json_buf b;
            vg_json_buf_init(&b);
            vg_error("%s: tensor %s: unexpected field %s (allowed: dtype, shape, data_offsets)",
                     what, qname, quote(&b, k, kn));
            vg_json_buf_fini(&b);
            return VG_ERR_FORMAT;
        }
    }
    static const char *const required[] = {"dtype", "shape", "data_offsets"};
    for (int i = 0; i < 3; i++) {
        if (!vg_json_get(e, required[i])) {
            vg_error("%s: tensor %s: missing field \"%s\"", what, qname, required[i]);
            return VG_ERR_FORMAT;
        }
    }

    size_t dn;
    const char *dt = vg_json_string(vg_json_get(e, "dtype"), &dn);
    if (!dt) {
        vg_error("%s: tensor %s: dtype is not a string", what, qname);
        return VG_ERR_FORMAT;
    }
    int found = -1;
    for (int i = 0; i < GEN_ST_DTYPE_COUNT; i++)
        if (strlen(dtype_info[i].name) == dn && !memcmp(dtype_info[i].name, dt, dn)) found = i;
    if (found < 0) {
        vg_json_buf b;
        vg_json_buf_init(&b);
        vg_error("%s: tensor %s: unknown dtype %s", what, qname, quote(&b, dt, dn));
        vg_json_buf_fini(&b);
        return VG_ERR_FORMAT;
    }
    t->dtype = (gen_st_dtype)found;

    const vg_json *shape = vg_json_get(e, "shape");
    if (!vg_json_is_array(shape)) {
        vg_error("%s: tensor %s: shape is not a list of non-negative integers", what, qname);
        return VG_ERR_FORMAT;
    }
    if (vg_json_count(shape) > GEN_ST_MAX_DIM) {
        vg_error("%s: tensor %s: rank %zu is more than the maximum of %d", what, qname,
                 vg_json_count(shape), GEN_ST_MAX_DIM);
        return VG_ERR_FORMAT;
    }
    t->ndim = (int)vg_json_count(shape);
    /* Element count and byte size, overflow-checked against SIZE_MAX (and so also
     * against any real buffer). */
    int overflow = 0;
    size_t nelem = 1;
    for (int i = 0; i < t->ndim; i++) {
        uint64_t d;
        if (!get_uint(vg_json_at(shape, (size_t)i), &d)) {
            vg_error("%s: tensor %s: shape is not a list of non-negative integers (element %d)",
                     what, qname, i);
            return VG_ERR_FORMAT;
        }
        t->shape[i] = (int64_t)d;
        if (d != 0 && nelem > SIZE_MAX / d)
            overflow = 1;
        else
            nelem *= (size_t)d;
    }
    /* A zero dimension makes the product 0 whatever the other dimensions are. */
    for (int i = 0; i < t->ndim; i++)
        if (t->shape[i] == 0) {
            nelem = 0;
            overflow = 0;
        }
    size_t esize = dtype_info[t->dtype].size;
    if (!overflow && nelem > SIZE_MAX / esize) overflow = 1;
    if (overflow) {
        format_shape(qb, sizeof qb, t->ndim, t->shape);
        vg_error("%s: tensor %s: shape %s is too large (byte size overflows)", what, qname, qb);
        return VG_ERR_FORMAT;
    }
    t->nelem = nelem;
    t->nbytes = nelem * esize;

    const vg_json *off = vg_json_get(e, "data_offsets");
    if (!vg_json_is_array(off) || vg_json_count(off) != 2 || !get_uint(vg_json_at(off, 0), begin) ||
        !get_uint(vg_json_at(off, 1), end)) {
        vg_error("%s: tensor %s: data_offsets is not a list [begin, end] of two non-negative "
                 "integers",
                 what, qname);
        return VG_ERR_FORMAT;
    }
    if (*begin > *end) {
        vg_error("%s: tensor %s: data_offsets [%llu,%llu] has begin after end", what, qname,
                 (unsigned long long)*begin, (unsigned long long)*end);
        return VG_ERR_FORMAT;
    }
    if (*end - *begin != (uint64_t)t->nbytes) {
        format_shape(qb, sizeof qb, t->ndim, t->shape);
        vg_error("%s: tensor %s: shape %s of %s is %zu bytes but data_offsets [%llu,%llu] "
                 "span %llu bytes",
                 what, qname, qb, dtype_info[t->dtype].name, t->nbytes, (unsigned long long)*begin,
                 (unsigned long long)*end, (unsigned long long)(*end - *begin));
        return VG_ERR_FORMAT;
    }
    if (*end > buf_size) {
        vg_error("%s: tensor %s: data_offsets [%llu,%llu] run past the end of the %llu-byte data "
                 "buffer (file truncated?)",
                 what, qname, (unsigned long long)*begin, (unsigned long long)*end,
                 (unsigned long long)buf_size);
        return VG_ERR_FORMAT;
    }
    return VG_OK;
}

static int parse_meta(const char *what, const vg_json *m, gen_st_file *f)
{
    if (!vg_json_is_object(m)) {
        vg_error("%s: __metadata__ is not a JSON object of strings", what);
        return VG_ERR_FORMAT;
    }
    vg_json_buf b;
    vg_json_buf_init(&b);
    int ret = VG_OK;
    long dup = vg_json_find_duplicate_key(m);
    if (dup >= 0) {
        size_t kn;
        const char *k = vg_json_key_at(m, (size_t)dup, &kn);
        vg_error("%s: __metadata__ key %s appears twice", what, quote(&b, k, kn));
        ret = VG_ERR_FORMAT;
        goto done;
    }
    size_t n = vg_json_count(m);
    f->meta = calloc(n ? n : 1, sizeof *f->meta);
    if (!f->meta) {
        vg_error("%s: out of memory", what);
        ret = VG_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t kn, vn;
        const char *k = vg_json_key_at(m, i, &kn);
        const char *v = vg_json_string(vg_json_at(m, i), &vn);
        if (!v) {
            vg_error("%s: __metadata__ value of key %s is not a string", what, quote(&b, k, kn));
            ret = VG_ERR_FORMAT;
            goto done;
        }
        if (strlen(k) != kn || strlen(v) != vn) {
            vg_error("%s: __metadata__ entry %s contains a NUL character", what, quote(&b, k, kn));
            ret = VG_ERR_FORMAT;
            goto done;
        }
        f->meta[i].key = dup_n(k, kn);
        f->meta[i].value = dup_n(v, vn);
        f->meta_count = i + 1;
        if (!f->meta[i].key || !f->meta[i].value) {
            vg_error("%s: out of memory", what);
            ret = VG_ERR_NOMEM;
            goto done;
        }
    }
done:
    vg_json_buf_fini(&b);
    return ret;
}

/* Checks that the ranges sorted by begin tile [0, buf_size) exactly. */
static int check_tiling(const char *what, gen_st_file *f, const uint64_t *begins,
                        const uint64_t *ends, uint64_t buf_size)
{
    st_range *r = malloc((f->count ? f->count : 1) * sizeof *r);
    if (!r) {
        vg_error("%s: out of memory", what);
        return VG_ERR_NOMEM;
    }
    for (size_t i = 0; i < f->count; i++) r[i] = (st_range){begins[i], ends[i], i};
    qsort(r, f->count, sizeof *r, range_cmp);
    vg_json_buf b1, b2;
    vg_json_buf_init(&b1);
    vg_json_buf_init(&b2);
    int ret = VG_OK;
    uint64_t pos = 0;
    const char *prev = NULL;
    for (size_t i = 0; i < f->count && ret == VG_OK; i++) {
        const char *name = f->tensors[r[i].index].name;
        if (r[i].begin < pos) {
            const char *q = quote(&b1, prev, strlen(prev));
            char *qprev = dup_n(q, strlen(q));
            vg_error("%s: tensors %s and %s overlap (data_offsets [%llu,%llu] begins before the "
                     "previous tensor ends at %llu)",
                     what, qprev ? qprev : "?", quote(&b2, name, strlen(name)),
                     (unsigned long long)r[i].begin, (unsigned long long)r[i].end,
                     (unsigned long long)pos);
            free(qprev);
            ret = VG_ERR_FORMAT;
        } else if (r[i].begin > pos) {
            vg_error("%s: %llu bytes of the data buffer before tensor %s (data_offsets "
                     "[%llu,%llu]) belong to no tensor (gap)",
                     what, (unsigned long long)(r[i].begin - pos), quote(&b1, name, strlen(name)),
                     (unsigned long long)r[i].begin, (unsigned long long)r[i].end);
            ret = VG_ERR_FORMAT;
        }
        pos = r[i].end;
        prev = name;
    }
    if (ret == VG_OK && pos != buf_size) {
        vg_error("%s: the last %llu bytes of the %llu-byte data buffer belong to no tensor", what,
                 (unsigned long long)(buf_size - pos), (unsigned long long)buf_size);
        ret = VG_ERR_FORMAT;
    }
    vg_json_buf_fini(&b1);
    vg_json_buf_fini(&b2);
    free(r);
    return ret;
}

int gen_st_parse(const unsigned char *data, size_t size, const char *what, gen_st_file **out)
{
    *out = NULL;
    if (!what) what = "safetensors";
    if (size < 8) {
        vg_error("%s: file is %zu bytes, too short for the 8-byte header length (not a "
                 "safetensors file?)",
                 what, size);
        return VG_ERR_FORMAT;
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | data[i];
    if (hlen > GEN_ST_MAX_HEADER) {
        vg_error("%s: header length %llu is more than the limit of %llu bytes (not a "
                 "safetensors file?)",
                 what, (unsigned long long)hlen, (unsigned long long)GEN_ST_MAX_HEADER);
        return VG_ERR_LIMIT;
    }
    if (hlen > size - 8) {
        vg_error("%s: header length %llu runs past the end of the %zu-byte file (truncated?)", what,
                 (unsigned long long)hlen, size);
        return VG_ERR_FORMAT;
    }
    uint64_t buf_size = size - 8 - hlen;
    const unsigned char *buf = data + 8 + hlen;

    gen_st_file *f = calloc(1, sizeof *f);
    vg_json *root = NULL;
    uint64_t *begins = NULL, *ends = NULL;
    vg_json_buf qb;
    vg_json_buf_init(&qb);
    int ret = VG_ERR_NOMEM;
    if (!f || !(f->what = dup_n(what, strlen(what)))) {
        vg_error("%s: out of memory", what);
        goto fail;
    }

    char err[200];
    ret = vg_json_parse((const char *)data + 8, (size_t)hlen, &root, err, sizeof err);
    if (ret != VG_OK) {
        vg_error("%s: header is not valid JSON: %s", what, err);
        if (ret != VG_ERR_NOMEM) ret = VG_ERR_FORMAT;
        goto fail;
    }
    ret = VG_ERR_FORMAT;
    if (!vg_json_is_object(root)) {
        vg_error("%s: header is not a JSON object", what);
        goto fail;
    }
    long dup = vg_json_find_duplicate_key(root);
    if (dup >= 0) {
        size_t kn;
        const char *k = vg_json_key_at(root, (size_t)dup, &kn);
        vg_error("%s: duplicate tensor name %s", what, quote(&qb, k, kn));
        goto fail;
    }

    size_t members = vg_json_count(root), n = 0;
    ret = VG_ERR_NOMEM;
    f->tensors = calloc(members ? members : 1, sizeof *f->tensors);
    f->names = calloc(members ? members : 1, sizeof *f->names);
    begins = malloc((members ? members : 1) * sizeof *begins);
    ends = malloc((members ? members : 1) * sizeof *ends);
    if (!f->tensors || !f->names || !begins || !ends) {
        vg_error("%s: out of memory", what);
        goto fail;
    }
    for (size_t i = 0; i < members; i++) {
        size_t kn;
        const char *k = vg_json_key_at(root, i, &kn);
        const vg_json *e = vg_json_at(root, i);
        if (!strcmp(k, "__metadata__")) {
            ret = parse_meta(what, e, f);
            if (ret != VG_OK) goto fail;
            continue;
        }
        const char *qname = quote(&qb, k, kn);
        if (strlen(k) != kn || kn == 0) {
            vg_error("%s: tensor name %s is empty or contains a NUL character", what, qname);
            ret = VG_ERR_FORMAT;
            goto fail;
        }
        gen_st_tensor *t = &f->tensors[n];
        ret = parse_entry(what, qname, e, buf_size, t, &begins[n], &ends[n]);
        if (ret != VG_OK) goto fail;
        if (!(f->names[n] = dup_n(k, kn))) {
            vg_error("%s: out of memory", what);
            ret = VG_ERR_NOMEM;
            goto fail;
        }
        t->name = f->names[n];
        t->data = buf + begins[n];
        f->count = ++n;
    }
    ret = check_tiling(what, f, begins, ends, buf_size);
    if (ret != VG_OK) goto fail;

    vg_json_free(root);
    vg_json_buf_fini(&qb);
    free(begins);
    free(ends);
    *out = f;
    return VG_OK;
fail:
    vg_json_free(root);
    vg_json_buf_fini(&qb);
    free(begins);
    free(ends);
    gen_st_destroy(&f);
    return ret;
}

int gen_st_load(const char *path, gen_st_file **out)
{
    *out = NULL;
    unsigned char *data = NULL;
    size_t size = 0;
    int ret = vg_file_read_all(path, GEN_ST_MAX_FILE, &data, &size);
    if (ret != VG_OK) return ret;
    ret = gen_st_parse(data, size, path, out);
    if (ret != VG_OK) {
        free(data);
        return ret;
    }
    (*out)->owned = data;
    return VG_OK;
}

const char *gen_st_what(const gen_st_file *f)
{
    return f->what;
}

size_t gen_st_count(const gen_st_file *f)
{
    return f->count;
}

const gen_st_tensor *gen_st_at(const gen_st_file *f, size_t i)
{
    return i < f->count ? &f->tensors[i] : NULL;
}

const gen_st_tensor *gen_st_find(const gen_st_file *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (!strcmp(f->tensors[i].name, name)) return &f->tensors[i];
    return NULL;
}

const char *gen_st_meta(const gen_st_file *f, const char *key)
{
    for (size_t i = 0; i < f->meta_count; i++)
        if (!strcmp(f->meta[i].key, key)) return f->meta[i].value;
    return NULL;
}

size_t gen_st_meta_count(const gen_st_file *f)
{
    return f->meta_count;
}

int gen_st_meta_at(const gen_st_file *f, size_t i, const char **key, const char **value)
{
    if (i >= f->meta_count) return 0;
    *key = f->meta[i].key;
    *value = f->meta[i].value;
    return 1;
}

/* Host byte order: the format is little-endian. */
static int host_is_big_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 0;
}

int gen_st_read_f32(const gen_st_file *f, const char *name, int ndim, const int64_t *shape,
                    float *dst)
{
    /* the name is quoted and escaped in messages: it may come from the file (found by
     * fuzz_safetensors: a name with a terminal escape) */
    const gen_st_tensor *t = gen_st_find(f, name);
    int ret = VG_OK;
    vg_json_buf qb;
    vg_json_buf_init(&qb);
    if (!t) {
        vg_error("%s: tensor %s is missing", f->what, quote(&qb, name, strlen(name)));
        ret = VG_ERR_NOT_FOUND;
        goto done;
    }
    int same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = t->shape[i] == shape[i];
    if (!same) {
        char got[200], want[200];
        format_shape(got, sizeof got, t->ndim, t->shape);
        format_shape(want, sizeof want, ndim, shape);
        vg_error("%s: tensor %s has shape %s, expected %s", f->what, quote(&qb, name, strlen(name)),
                 got, want);
        ret = VG_ERR_FORMAT;
        goto done;
    }
    if (t->dtype != GEN_ST_F32) {
        vg_error("%s: tensor %s has dtype %s, expected F32", f->what,
                 quote(&qb, name, strlen(name)), gen_st_dtype_name(t->dtype));
        ret = VG_ERR_FORMAT;
        goto done;
    }
    if (t->nbytes) memcpy(dst, t->data, t->nbytes);
    if (host_is_big_endian()) {
        unsigned char *p = (unsigned char *)dst;
        for (size_t i = 0; i < t->nelem; i++, p += 4) {
            unsigned char a = p[0], b = p[1];
            p[0] = p[3];
            p[1] = p[2];
            p[2] = b;
            p[3] = a;
        }
    }
done:
    vg_json_buf_fini(&qb);
    return ret;
}

/* ------------------------------------------------------------------------------------ */
/* Writer                                                                                */

typedef struct st_wtensor {
    char *name;
    int ndim;
    int64_t shape[GEN_ST_MAX_DIM];
    size_t offset, nbytes; /* in data */
} st_wtensor;

struct gen_st_writer {
    st_wtensor *tensors;
    size_t count, cap;
    st_meta *meta;
    size_t meta_count, meta_cap;
    unsigned char *data;
    size_t data_len, data_cap;
};

gen_st_writer *gen_st_writer_create(void)
{
    gen_st_writer *w = calloc(1, sizeof *w);
    if (!w) vg_error("safetensors writer: out of memory");
    return w;
}

void gen_st_writer_destroy(gen_st_writer **pw)
{
    if (!pw || !*pw) return;
    gen_st_writer *w = *pw;
    for (size_t i = 0; i < w->count; i++) free(w->tensors[i].name);
    for (size_t i = 0; i < w->meta_count; i++) {
        free(w->meta[i].key);
        free(w->meta[i].value);
    }
    free(w->tensors);
    free(w->meta);
    free(w->data);
    free(w);
    *pw = NULL;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem) return 0;
        nc *= 2;
    }
    void *na = realloc(*arr, nc * elem);
    if (!na) return 0;
    *arr = na;
    *cap = nc;
    return 1;
}

/* 1 when s is valid UTF-8 (tested by escaping it). */
static int is_utf8(const char *s)
{
    vg_json_buf b;
    vg_json_buf_init(&b);
    int ok = vg_json_escape(&b, s, strlen(s)) != VG_ERR_INVALID;
    vg_json_buf_fini(&b);
    return ok;
}

int gen_st_writer_add_f32(gen_st_writer *w, const char *name, int ndim, const int64_t *shape,
                          const float *data)
{
    if (!name[0] || !strcmp(name, "__metadata__") || !is_utf8(name)) {
        vg_error("safetensors writer: invalid tensor name \"%s\"", name);
        return VG_ERR_INVALID;
    }
    for (size_t i = 0; i < w->count; i++) {
        if (!strcmp(w->tensors[i].name, name)) {
            vg_error("safetensors writer: tensor %s added twice", name);
            return VG_ERR_INVALID;
        }
    }
    if (ndim < 0 || ndim > GEN_ST_MAX_DIM) {
        vg_error("safetensors writer: tensor %s: rank %d outside 0..%d", name, ndim,
                 GEN_ST_MAX_DIM);
        return VG_ERR_INVALID;
    }
    size_t nelem = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            vg_error("safetensors writer: tensor %s: negative dimension %lld", name,
                     (long long)shape[i]);
            return VG_ERR_INVALID;
        }
        if (shape[i] && nelem > SIZE_MAX / 4 / (uint64_t)shape[i]) {
            vg_error("safetensors writer: tensor %s: too large", name);
            return VG_ERR_INVALID;
        }
        nelem *= (size_t)shape[i];
    }
    size_t nbytes = nelem * 4;
    if (!grow((void **)&w->tensors, &w->cap, w->count + 1, sizeof *w->tensors) ||
        nbytes > SIZE_MAX - w->data_len ||
        !grow((void **)&w->data, &w->data_cap, w->data_len + nbytes, 1)) {
        vg_error("safetensors writer: out of memory adding tensor %s", name);
        return VG_ERR_NOMEM;
    }
    st_wtensor *t = &w->tensors[w->count];
    memset(t, 0, sizeof *t);
    if (!(t->name = dup_n(name, strlen(name)))) {
        vg_error("safetensors writer: out of memory adding tensor %s", name);
        return VG_ERR_NOMEM;
    }
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
    t->offset = w->data_len;
    t->nbytes = nbytes;
    unsigned char *dst = w->data + w->data_len;
    if (nbytes) memcpy(dst, data, nbytes);
    if (host_is_big_endian()) {
        for (size_t i = 0; i < nelem; i++, dst += 4) {
            unsigned char a = dst[0], b = dst[1];
            dst[0] = dst[3];
            dst[1] = dst[2];
            dst[2] = b;
            dst[3] = a;
        }
    }
    w->data_len += nbytes;
    w->count++;
    return VG_OK;
}

int gen_st_writer_meta(gen_st_writer *w, const char *key, const char *value)
{
    if (!is_utf8(key) || !is_utf8(value)) {
        vg_error("safetensors writer: metadata \"%s\" is not valid UTF-8", key);
        return VG_ERR_INVALID;
    }
    for (size_t i = 0; i < w->meta_count; i++) {
        if (!strcmp(w->meta[i].key, key)) {
            vg_error("safetensors writer: metadata key \"%s\" added twice", key);
            return VG_ERR_INVALID;
        }
    }
    if (!grow((void **)&w->meta, &w->meta_cap, w->meta_count + 1, sizeof *w->meta)) {
        vg_error("safetensors writer: out of memory");
        return VG_ERR_NOMEM;
    }
    st_meta *m = &w->meta[w->meta_count];
    m->key = dup_n(key, strlen(key));
    m->value = dup_n(value, strlen(value));
    if (!m->key || !m->value) {
        free(m->key);
        free(m->value);
        vg_error("safetensors writer: out of memory");
        return VG_ERR_NOMEM;
    }
    w->meta_count++;
    return VG_OK;
}

int gen_st_writer_serialize(const gen_st_writer *w, unsigned char **out, size_t *out_size)
{
    *out = NULL;
    *out_size = 0;
    vg_json_buf b;
    vg_json_buf_init(&b);
    vg_json_buf_append(&b, "{", 1);
    if (w->meta_count) {
        vg_json_buf_append(&b, "\"__metadata__\":{", 16);
        for (size_t i = 0; i < w->meta_count; i++) {
            if (i) vg_json_buf_append(&b, ",", 1);
            vg_json_escape(&b, w->meta[i].key, strlen(w->meta[i].key));
            vg_json_buf_append(&b, ":", 1);
            vg_json_escape(&b, w->meta[i].value, strlen(w->meta[i].value));
        }
        vg_json_buf_append(&b, "}", 1);
    }
    for (size_t i = 0; i < w->count; i++) {
        const st_wtensor *t = &w->tensors[i];
        if (i || w->meta_count) vg_json_buf_append(&b, ",", 1);
        vg_json_escape(&b, t->name, strlen(t->name));
        vg_json_buf_append(&b, ":{\"dtype\":\"F32\",\"shape\":[", 25);
        for (int d = 0; d < t->ndim; d++)
            vg_json_buf_printf(&b, "%s%lld", d ? "," : "", (long long)t->shape[d]);
        vg_json_buf_printf(&b, "],\"data_offsets\":[%zu,%zu]}", t->offset, t->offset + t->nbytes);
    }
    vg_json_buf_append(&b, "}", 1);
    /* Pad with spaces so the data buffer starts 8-byte aligned (as the reference does). */
    while (!b.failed && b.len % 8) vg_json_buf_append(&b, " ", 1);
    if (b.failed || b.len > GEN_ST_MAX_HEADER || w->data_len > SIZE_MAX - 8 - b.len) {
        vg_json_buf_fini(&b);
        vg_error("safetensors writer: out of memory building the header");
        return VG_ERR_NOMEM;
    }
    size_t size = 8 + b.len + w->data_len;
    unsigned char *img = malloc(size);
    if (!img) {
        vg_json_buf_fini(&b);
        vg_error("safetensors writer: out of memory (%zu bytes)", size);
        return VG_ERR_NOMEM;
    }
    uint64_t hlen = b.len;
    for (int i = 0; i < 8; i++) img[i] = (unsigned char)(hlen >> (8 * i));
    memcpy(img + 8, b.data, b.len);
    if (w->data_len) memcpy(img + 8 + b.len, w->data, w->data_len);
    vg_json_buf_fini(&b);
    *out = img;
    *out_size = size;
    return VG_OK;
}

int gen_st_writer_save(gen_st_writer *w, const char *path, int overwrite)
{
    unsigned char *img = NULL;
    size_t size = 0;
    int ret = gen_st_writer_serialize(w, &img, &size);
    if (ret != VG_OK) return ret;
    vg_outfile of = {0};
    ret = vg_outfile_open(&of, path, overwrite);
    if (ret != VG_OK) goto done;
    if (fwrite(img, 1, size, of.fp) != size) {
        vg_error("%s: write failed: %s", path, strerror(errno));
        ret = VG_ERR_IO;
        goto done;
    }
    ret = vg_outfile_commit(&of);
done:
    vg_outfile_abort(&of);
    free(img);
    return ret;
}
