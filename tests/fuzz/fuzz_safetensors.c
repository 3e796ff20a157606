/*
 * fuzz_safetensors.c - fuzz target for the safetensors reader (gen/gen_safetensors.c):
 * the 8-byte length, the JSON header, the tensor table and the data-buffer tiling check.
 *
 * Input: a whole file image. Besides the sanitizers it checks what the reader promises
 * for an accepted file: every tensor's bytes lie inside the input, nbytes is the element
 * count times the dtype size, shapes have the declared rank, the byte ranges tile the data
 * buffer (their sizes add up to it), lookups by name and metadata key agree with the
 * tables, and gen_st_read_f32 copies exactly the stored bytes. An accepted file of F32
 * tensors written again by gen_st_writer parses again with the same table. Every log line
 * is checked for control characters (names in the file are untrusted).
 * Not a test of model validation (fuzz_model.c).
 */
#include "common/vg_error.h"
#include "gen/gen_safetensors.h"
#include "tests/fuzz/fuzz_util.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_safetensors: check failed: %s (line %d)\n", #cond, __LINE__);    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_file(const gen_st_file *f, const uint8_t *data, size_t size)
{
    size_t total = 0, count = gen_st_count(f);
    CHECK(gen_st_at(f, count) == NULL);
    for (size_t i = 0; i < count; i++) {
        const gen_st_tensor *t = gen_st_at(f, i);
        CHECK(t && t->name && t->name[0]);
        CHECK(t->ndim >= 0 && t->ndim <= GEN_ST_MAX_DIM);
        size_t nelem = 1;
        for (int d = 0; d < GEN_ST_MAX_DIM; d++) {
            if (d < t->ndim) {
                CHECK(t->shape[d] >= 0);
                nelem *= (size_t)t->shape[d];
            } else {
                CHECK(t->shape[d] == 0);
            }
        }
        CHECK(t->nelem == nelem);
        CHECK(t->nbytes == nelem * gen_st_dtype_size(t->dtype));
        CHECK(t->nbytes <= size);
        CHECK(t->data >= data && (size_t)(t->data - data) <= size - t->nbytes);
        total += t->nbytes;
        /* names are unique: find returns this tensor */
        CHECK(gen_st_find(f, t->name) == t);
        if (t->dtype == GEN_ST_F32) {
            float *dst = malloc(t->nbytes ? t->nbytes : 1);
            CHECK(dst);
            CHECK(gen_st_read_f32(f, t->name, t->ndim, t->shape, dst) == VG_OK);
            CHECK(t->nbytes == 0 || !memcmp(dst, t->data, t->nbytes));
            int64_t wrong[GEN_ST_MAX_DIM + 1];
            memcpy(wrong, t->shape, sizeof(t->shape));
            wrong[GEN_ST_MAX_DIM] = 0;
            wrong[0] += 1;
            CHECK(gen_st_read_f32(f, t->name, t->ndim ? t->ndim : 1, wrong, dst) == VG_ERR_FORMAT);
            free(dst);
        }
    }
    /* the tensors tile the data buffer: from the end of the header to the end of the file */
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | data[i];
    CHECK(hlen <= size - 8 && total == size - 8 - hlen);
    for (size_t i = 0; i < gen_st_meta_count(f); i++) {
        const char *k, *v;
        CHECK(gen_st_meta_at(f, i, &k, &v) && k && v);
        const char *first = gen_st_meta(f, k);
        CHECK(first);
    }
    CHECK(!gen_st_meta_at(f, gen_st_meta_count(f), &(const char *){0}, &(const char *){0}));
}

/* Writes an all-F32 file again with the writer and parses the result. */
static void round_trip(const gen_st_file *f)
{
    for (size_t i = 0; i < gen_st_count(f); i++)
        if (gen_st_at(f, i)->dtype != GEN_ST_F32) return;
    gen_st_writer *w = gen_st_writer_create();
    CHECK(w);
    for (size_t i = 0; i < gen_st_meta_count(f); i++) {
        const char *k, *v;
        gen_st_meta_at(f, i, &k, &v);
        /* keys or values with NUL bytes cannot be written back (C strings) */
        if (gen_st_writer_meta(w, k, v) != VG_OK) goto done;
    }
    for (size_t i = 0; i < gen_st_count(f); i++) {
        const gen_st_tensor *t = gen_st_at(f, i);
        float *host = malloc(t->nbytes ? t->nbytes : 1);
        CHECK(host);
        if (t->nbytes) memcpy(host, t->data, t->nbytes);
        int r = gen_st_writer_add_f32(w, t->name, t->ndim, t->shape, host);
        free(host);
        CHECK(r == VG_OK);
    }
    unsigned char *img = NULL;
    size_t n = 0;
    CHECK(gen_st_writer_serialize(w, &img, &n) == VG_OK);
    gen_st_file *g = NULL;
    int r = gen_st_parse(img, n, "rewritten", &g);
    if (r != VG_OK) {
        fprintf(stderr, "fuzz_safetensors: a file written by gen_st_writer does not parse\n");
        abort();
    }
    CHECK(gen_st_count(g) == gen_st_count(f));
    for (size_t i = 0; i < gen_st_count(f); i++) {
        const gen_st_tensor *a = gen_st_at(f, i), *b = gen_st_find(g, a->name);
        CHECK(b && b->ndim == a->ndim && b->nbytes == a->nbytes);
        CHECK(!memcmp(a->shape, b->shape, sizeof(a->shape)));
        CHECK(a->nbytes == 0 || !memcmp(a->data, b->data, a->nbytes));
    }
    gen_st_destroy(&g);
    free(img);
done:
    gen_st_writer_destroy(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        fuzz_log_init(1);
        init = 1;
    }
    gen_st_file *f = (gen_st_file *)1;
    int r = gen_st_parse(data, size, "fuzz.safetensors", &f);
    if (r != VG_OK) {
        CHECK(f == NULL);
        CHECK(r == VG_ERR_FORMAT || r == VG_ERR_LIMIT || r == VG_ERR_NOMEM);
        return 0;
    }
    CHECK(f && !strcmp(gen_st_what(f), "fuzz.safetensors"));
    check_file(f, data, size);
    round_trip(f);
    gen_st_destroy(&f);
    CHECK(f == NULL);
    return 0;
}
