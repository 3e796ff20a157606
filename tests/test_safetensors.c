/*
 * test_safetensors.c - the safetensors reader and writer (gen/gen_safetensors.h).
 *
 * Round trip: tensors written by gen_st_writer load back bit for bit. Rejection: each
 * malformed file, built by hand as bytes, fails with the expected code and a message that
 * names the problem (captured through the log sink). Interop: the PyTorch fixtures written
 * by scripts/make-fixtures.py (Python's struct + json, the reference layout) load.
 */
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "gen/gen_safetensors.h"
#include "vt.h"

#include <string.h>
#include <unistd.h>

/* ---- log capture ---- */

static char log_text[8192];

static void sink(int level, const char *line, void *ud)
{
    size_t n = strlen(log_text);
    snprintf(log_text + n, sizeof log_text - n, "%s", line);
}

static void log_clear(void)
{
    log_text[0] = 0;
}

/* ---- hand-built files ---- */

/* Builds 8-byte length + header + data_len bytes of data (pattern 0..255). hlen_override
 * replaces the stored header length when non-zero. Caller frees. */
static unsigned char *build(const char *header, size_t data_len, uint64_t hlen_override,
                            size_t *size)
{
    size_t hl = strlen(header);
    *size = 8 + hl + data_len;
    unsigned char *b = malloc(*size ? *size : 1);
    uint64_t h = hlen_override ? hlen_override : hl;
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(h >> (8 * i));
    memcpy(b + 8, header, hl);
    for (size_t i = 0; i < data_len; i++) b[8 + hl + i] = (unsigned char)i;
    return b;
}

/* Expects gen_st_parse to fail with code and a logged message containing what. */
static void reject_n(const char *header, size_t data_len, uint64_t hlen_override, int code,
                     const char *what)
{
    size_t size;
    unsigned char *b = build(header, data_len, hlen_override, &size);
    gen_st_file *f = (gen_st_file *)1;
    log_clear();
    int ret = gen_st_parse(b, size, "bad.safetensors", &f);
    VT_CHECK(ret == code, "header %s: code %d (%s), want %d; log: %s", header, ret,
             vg_strerror(ret), code, log_text);
    VT_CHECK(f == NULL, "header %s: *out not NULL on failure", header);
    VT_CHECK(strstr(log_text, "bad.safetensors: ") != NULL, "header %s: file not named: %s", header,
             log_text);
    VT_CHECK(strstr(log_text, what) != NULL, "header %s: message lacks '%s': %s", header, what,
             log_text);
    free(b);
}

static void reject(const char *header, size_t data_len, const char *what)
{
    reject_n(header, data_len, 0, VG_ERR_FORMAT, what);
}

static gen_st_file *accept(const char *header, size_t data_len, unsigned char **keep)
{
    size_t size;
    unsigned char *b = build(header, data_len, 0, &size);
    gen_st_file *f = NULL;
    log_clear();
    int ret = gen_st_parse(b, size, "good.safetensors", &f);
    VT_CHECK(ret == VG_OK && f, "header %s: rejected: %s", header, log_text);
    *keep = b;
    return f;
}

#define T_F32(name, shape, b, e)                                                                   \
    "\"" name "\":{\"dtype\":\"F32\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

static void test_reject(void)
{
    const int F = VG_ERR_FORMAT;
    /* framing */
    {
        unsigned char five[5] = {1, 0, 0, 0, 0};
        gen_st_file *f = NULL;
        log_clear();
        VT_CHECK(gen_st_parse(five, 5, "bad.safetensors", &f) == F, "5-byte file");
        VT_CHECK(strstr(log_text, "file is 5 bytes, too short") != NULL, "%s", log_text);
        log_clear();
        VT_CHECK(gen_st_parse(five, 0, "bad.safetensors", &f) == F, "empty file");
        VT_CHECK(strstr(log_text, "file is 0 bytes") != NULL, "%s", log_text);
    }
    reject_n("{}", 0, 100000001, VG_ERR_LIMIT, "header length 100000001 is more than the limit");
    reject_n("{}", 0, UINT64_MAX, VG_ERR_LIMIT, "more than the limit");
    reject_n("{}  ", 0, 5, F, "header length 5 runs past the end of the 12-byte file");
    /* JSON */
    reject("{\"a\":", 0, "header is not valid JSON: line 1 col 6");
    reject("{\"a\":1,}", 0, "trailing comma");
    reject("\xef\xbb\xbf{}", 0, "not valid JSON");
    reject("{} x", 0, "trailing characters");
    reject("[]", 0, "header is not a JSON object");
    reject("\"x\"", 0, "header is not a JSON object");
    reject("                ", 0, "not valid JSON");
    /* entries */
    reject("{\"a\":5}", 0, "tensor \"a\": entry is not a JSON object");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
           "tensor \"a\": missing field \"data_offsets\"");
    reject("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "missing field \"dtype\"");
    reject("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "missing field \"shape\"");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4,
           "unexpected field \"x\"");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"dtype\":\"F32\"}}", 4,
           "field \"dtype\" appears twice");
    reject("{\"a\":{\"dtype\":\"F17\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
           "tensor \"a\": unknown dtype \"F17\"");
    reject("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
           "unknown dtype \"f32\"");
    reject("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
           "dtype is not a string");
    /* shape */
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":3,\"data_offsets\":[0,4]}}", 4,
           "shape is not a list of non-negative integers");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
           "shape is not a list of non-negative integers");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4,
           "shape is not a list of non-negative integers");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,\"2\"],\"data_offsets\":[0,8]}}", 8,
           "non-negative integers (element 1)");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}", 4,
           "shape is not a list");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
           "tensor \"a\": rank 9 is more than the maximum of 8");
    reject("{\"a\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}",
           8, "shape [4611686018427387904,4] is too large (byte size overflows)");
    reject("{\"a\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,8]}}", 8,
           "overflows");
    reject("{\"a\":{\"dtype\":\"U8\",\"shape\":[9223372036854775808],\"data_offsets\":[0,8]}}", 8,
           "shape is not a list");
    /* data_offsets */
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
           "data_offsets is not a list [begin, end]");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8,
           "data_offsets is not a list [begin, end]");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
           "data_offsets is not a list");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"b\":0}}}", 4,
           "data_offsets is not a list");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551616]}}", 4,
           "data_offsets is not a list");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8,
           "data_offsets [8,4] has begin after end");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20,
           "tensor \"a\": shape [2,3] of F32 is 24 bytes but data_offsets [0,20] span 20 bytes");
    reject("{\"a\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[0,4]}}", 4,
           "shape [] of F16 is 2 bytes but data_offsets [0,4] span 4 bytes");
    reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
           "data_offsets [0,8] run past the end of the 4-byte data buffer");
    reject("{" T_F32("a", "[1]", 0, 4) "," T_F32("b", "[1]", 9223372036854775803,
                                                 9223372036854775807) "}",
           4, "tensor \"b\": data_offsets [9223372036854775803,9223372036854775807] run past");
    /* names */
    reject("{" T_F32("a", "[1]", 0, 4) "," T_F32("a", "[1]", 4, 8) "}", 8,
           "duplicate tensor name \"a\"");
    reject("{" T_F32("a\\u0000b", "[1]", 0, 4) "}", 4, "contains a NUL character");
    reject("{" T_F32("", "[1]", 0, 4) "}", 4, "tensor name \"\" is empty");
    reject("{" T_F32("x\\ny", "[1]", 0, 5) "}", 5, "tensor \"x\\ny\": shape [1]");
    /* metadata */
    reject("{\"__metadata__\":[]}", 0, "__metadata__ is not a JSON object of strings");
    reject("{\"__metadata__\":{\"k\":1}}", 0, "__metadata__ value of key \"k\" is not a string");
    reject("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0,
           "__metadata__ key \"k\" appears twice");
    reject("{\"__metadata__\":{\"k\":\"a\\u0000\"}}", 0, "contains a NUL character");
    reject("{\"__metadata__\":{},\"__metadata__\":{}}", 0,
           "duplicate tensor name \"__metadata__\"");
    /* tiling of the data buffer */
    reject("{" T_F32("a", "[2]", 0, 8) "," T_F32("b", "[2]", 4, 12) "}", 12,
           "tensors \"a\" and \"b\" overlap (data_offsets [4,12] begins before the previous "
           "tensor ends at 8)");
    reject("{" T_F32("b", "[2]", 0, 8) "," T_F32("a", "[2]", 0, 8) "}", 8,
           "tensors \"b\" and \"a\" overlap");
    reject("{" T_F32("a", "[1]", 0, 4) "," T_F32("b", "[1]", 8, 12) "}", 12,
           "4 bytes of the data buffer before tensor \"b\" (data_offsets [8,12]) belong to no "
           "tensor (gap)");
    reject("{" T_F32("a", "[1]", 4, 8) "}", 8, "4 bytes of the data buffer before tensor \"a\"");
    reject("{" T_F32("a", "[1]", 0, 4) "}", 8,
           "the last 4 bytes of the 8-byte data buffer belong to no tensor");
    reject("{}", 3, "the last 3 bytes of the 3-byte data buffer belong to no tensor");
}

static void test_accept_edge(void)
{
    unsigned char *b;
    /* empty file: header "{}" and no data */
    gen_st_file *f = accept("{}", 0, &b);
    if (f) VT_CHECK(gen_st_count(f) == 0 && gen_st_meta_count(f) == 0, "empty");
    gen_st_destroy(&f);
    VT_CHECK(f == NULL, "destroy sets NULL");
    gen_st_destroy(&f);
    gen_st_destroy(NULL);
    free(b);

    /* scalars, zero-size tensors (sharing an offset), other dtypes, out-of-order offsets,
     * whitespace padding, metadata with escapes */
    f = accept("{\"__metadata__\":{\"k\":\"v\\u00e9\",\"e\":\"\"},"
               "\"z\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
               "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
               "\"h\":{\"shape\":[3],\"data_offsets\":[4,10],\"dtype\":\"F16\"},"
               "\"z2\":{\"dtype\":\"I64\",\"shape\":[5,0],\"data_offsets\":[10,10]},"
               "\"u\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,2],\"data_offsets\":[10,12]}}   ",
               12, &b);
    if (f) {
        VT_CHECK(gen_st_count(f) == 5, "count %zu", gen_st_count(f));
        VT_CHECK(!strcmp(gen_st_meta(f, "k"), "v\xc3\xa9"), "meta k");
        VT_CHECK(!strcmp(gen_st_meta(f, "e"), ""), "meta e");
        VT_CHECK(gen_st_meta(f, "nope") == NULL, "meta miss");
        const char *k, *v;
        VT_CHECK(gen_st_meta_at(f, 1, &k, &v) && !strcmp(k, "e"), "meta_at order");
        VT_CHECK(!gen_st_meta_at(f, 2, &k, &v), "meta_at range");
        const gen_st_tensor *t = gen_st_at(f, 0);
        VT_CHECK(t && !strcmp(t->name, "z") && t->nelem == 0 && t->nbytes == 0 && t->ndim == 2,
                 "zero-size");
        t = gen_st_find(f, "s");
        VT_CHECK(t && t->ndim == 0 && t->nelem == 1 && t->nbytes == 4 && t->data[0] == 0 &&
                     t->data[3] == 3,
                 "scalar");
        t = gen_st_find(f, "h");
        VT_CHECK(t && t->dtype == GEN_ST_F16 && t->nbytes == 6 && t->data[0] == 4, "F16");
        t = gen_st_find(f, "u");
        VT_CHECK(t && t->ndim == 8 && t->shape[7] == 2 && t->data[1] == 11, "rank 8");
        VT_CHECK(gen_st_find(f, "nope") == NULL && gen_st_at(f, 5) == NULL, "misses");
        VT_CHECK(!strcmp(gen_st_what(f), "good.safetensors"), "what");

        /* read_f32 checks */
        float x = 0;
        log_clear();
        VT_CHECK(gen_st_read_f32(f, "s", 0, NULL, &x) == VG_OK, "read scalar");
        int64_t shp[2] = {3, 1};
        float y[3] = {7, 7, 7};
        log_clear();
        VT_CHECK(gen_st_read_f32(f, "h", 1, shp, y) == VG_ERR_FORMAT, "F16 read as F32");
        VT_CHECK(strstr(log_text, "good.safetensors: tensor \"h\" has dtype F16, expected F32"),
                 "%s", log_text);
        log_clear();
        VT_CHECK(gen_st_read_f32(f, "s", 2, shp, y) == VG_ERR_FORMAT, "wrong rank");
        VT_CHECK(strstr(log_text, "good.safetensors: tensor \"s\" has shape [], expected [3,1]"),
                 "%s", log_text);
        log_clear();
        VT_CHECK(gen_st_read_f32(f, "missing.weight", 2, shp, y) == VG_ERR_NOT_FOUND, "missing");
        VT_CHECK(strstr(log_text, "good.safetensors: tensor \"missing.weight\" is missing"), "%s",
                 log_text);
        VT_CHECK(y[0] == 7 && y[1] == 7 && y[2] == 7, "dst untouched on failure");
    }
    gen_st_destroy(&f);
    free(b);
}

/* ---- round trip ---- */

static void test_round_trip(void)
{
    /* values with awkward bits: -0, denormal, inf, NaN payload, extremes */
    static const uint32_t bits[] = {0x00000000, 0x80000000, 0x00000001, 0x7f800000,
                                    0xff800000, 0x7fc01234, 0x7f7fffff, 0x3f800000,
                                    0xbf8ccccd, 0x12345678, 0xdeadbeef, 0x00800000};
    float a[12];
    memcpy(a, bits, sizeof a);
    float w[2 * 3 * 3 * 3];
    vt_rng rng = {42};
    vt_fill_uniform(&rng, w, 54, -1, 1);
    float s = 3.5f;

    gen_st_writer *wr = gen_st_writer_create();
    VT_CHECK(wr != NULL, "create");
    if (!wr) return;
    int64_t sa[1] = {12}, sw[4] = {2, 3, 3, 3}, sz[2] = {0, 5};
    VT_CHECK(gen_st_writer_add_f32(wr, "a", 1, sa, a) == VG_OK, "add a");
    VT_CHECK(gen_st_writer_add_f32(wr, "enc0.conv.weight", 4, sw, w) == VG_OK, "add w");
    VT_CHECK(gen_st_writer_add_f32(wr, "scalar", 0, NULL, &s) == VG_OK, "add scalar");
    VT_CHECK(gen_st_writer_add_f32(wr, "empty", 2, sz, NULL) == VG_OK, "add empty");
    VT_CHECK(gen_st_writer_add_f32(wr, "na\xc3\xafve \"q\"\n", 1, sa, a) == VG_OK, "add odd name");
    VT_CHECK(gen_st_writer_meta(wr, "format", "vrgen-model-1") == VG_OK, "meta");
    VT_CHECK(gen_st_writer_meta(wr, "note", "tab\there \"quoted\" \\ \xe2\x82\xac") == VG_OK,
             "meta escapes");
    /* writer refusals */
    log_clear();
    VT_CHECK(gen_st_writer_add_f32(wr, "a", 1, sa, a) == VG_ERR_INVALID, "duplicate");
    VT_CHECK(strstr(log_text, "tensor a added twice"), "%s", log_text);
    VT_CHECK(gen_st_writer_add_f32(wr, "__metadata__", 1, sa, a) == VG_ERR_INVALID, "reserved");
    VT_CHECK(gen_st_writer_add_f32(wr, "", 1, sa, a) == VG_ERR_INVALID, "empty name");
    VT_CHECK(gen_st_writer_add_f32(wr, "bad\xff", 1, sa, a) == VG_ERR_INVALID, "not UTF-8");
    int64_t neg[1] = {-1}, nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    VT_CHECK(gen_st_writer_add_f32(wr, "neg", 1, neg, a) == VG_ERR_INVALID, "negative dim");
    VT_CHECK(gen_st_writer_add_f32(wr, "nine", 9, nine, a) == VG_ERR_INVALID, "rank 9");
    VT_CHECK(gen_st_writer_meta(wr, "format", "x") == VG_ERR_INVALID, "duplicate meta");
    VT_CHECK(gen_st_writer_meta(wr, "k", "\xc3") == VG_ERR_INVALID, "meta not UTF-8");

    unsigned char *img = NULL;
    size_t img_size = 0;
    VT_CHECK(gen_st_writer_serialize(wr, &img, &img_size) == VG_OK, "serialize");
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | img[i];
    VT_CHECK(hlen % 8 == 0, "header length %llu not a multiple of 8", (unsigned long long)hlen);
    VT_CHECK(img[8 + hlen - 1] == ' ' || img[8 + hlen - 1] == '}', "padding with spaces");
    VT_CHECK(img_size == 8 + hlen + 4 * (12 + 54 + 1 + 12), "size %zu", img_size);

    char path[256];
    snprintf(path, sizeof path, "test_safetensors.%ld.tmp.safetensors", (long)getpid());
    unlink(path);
    VT_CHECK(gen_st_writer_save(wr, path, 0) == VG_OK, "save");
    log_clear();
    VT_CHECK(gen_st_writer_save(wr, path, 0) == VG_ERR_EXISTS, "no overwrite");
    VT_CHECK(gen_st_writer_save(wr, path, 1) == VG_OK, "overwrite");

    /* the file is exactly the serialized image */
    FILE *fp = fopen(path, "rb");
    unsigned char *file = malloc(img_size + 1);
    size_t got = fp ? fread(file, 1, img_size + 1, fp) : 0;
    if (fp) fclose(fp);
    VT_CHECK(got == img_size && !memcmp(file, img, img_size), "file == image");
    free(file);

    gen_st_file *f = NULL;
    log_clear();
    VT_CHECK(gen_st_load(path, &f) == VG_OK, "load: %s", log_text);
    if (f) {
        VT_CHECK(gen_st_count(f) == 5, "count");
        VT_CHECK(!strcmp(gen_st_at(f, 0)->name, "a") &&
                     !strcmp(gen_st_at(f, 4)->name, "na\xc3\xafve \"q\"\n"),
                 "insertion order");
        VT_CHECK(!strcmp(gen_st_meta(f, "format"), "vrgen-model-1"), "meta format");
        VT_CHECK(!strcmp(gen_st_meta(f, "note"), "tab\there \"quoted\" \\ \xe2\x82\xac"),
                 "meta note");
        float a2[12], w2[54], s2 = 0;
        VT_CHECK(gen_st_read_f32(f, "a", 1, sa, a2) == VG_OK && !memcmp(a2, a, sizeof a), "a bits");
        VT_CHECK(gen_st_read_f32(f, "enc0.conv.weight", 4, sw, w2) == VG_OK &&
                     !memcmp(w2, w, sizeof w),
                 "w bits");
        VT_CHECK(gen_st_read_f32(f, "scalar", 0, NULL, &s2) == VG_OK && s2 == 3.5f, "scalar");
        VT_CHECK(gen_st_read_f32(f, "empty", 2, sz, NULL) == VG_OK, "empty");
        VT_CHECK(gen_st_read_f32(f, "na\xc3\xafve \"q\"\n", 1, sa, a2) == VG_OK &&
                     !memcmp(a2, a, sizeof a),
                 "odd name");
        int64_t wrong[4] = {2, 3, 9, 9};
        log_clear();
        VT_CHECK(gen_st_read_f32(f, "enc0.conv.weight", 4, wrong, w2) == VG_ERR_FORMAT, "shape");
        VT_CHECK(strstr(log_text, "tensor \"enc0.conv.weight\" has shape [2,3,3,3], expected "
                                  "[2,3,9,9]"),
                 "%s", log_text);
        /* data offsets are contiguous in insertion order */
        VT_CHECK(gen_st_at(f, 1)->data == gen_st_at(f, 0)->data + 48, "contiguous");
    }
    gen_st_destroy(&f);

    /* parse from an unaligned copy: data pointers are unaligned, reads still exact */
    unsigned char *odd = malloc(img_size + 1);
    memcpy(odd + 1, img, img_size);
    VT_CHECK(gen_st_parse(odd + 1, img_size, "odd", &f) == VG_OK, "unaligned parse");
    if (f) {
        float w2[54];
        VT_CHECK(gen_st_read_f32(f, "enc0.conv.weight", 4, sw, w2) == VG_OK &&
                     !memcmp(w2, w, sizeof w),
                 "unaligned read");
    }
    gen_st_destroy(&f);
    free(odd);

    /* every truncation of the image is rejected (and never crashes) */
    int truncs_ok = 1;
    for (size_t n = 0; n < img_size; n++) {
        log_clear();
        if (gen_st_parse(img, n, "trunc", &f) == VG_OK) truncs_ok = 0;
        gen_st_destroy(&f);
    }
    VT_CHECK(truncs_ok, "a truncated image was accepted");

    /* loading errors: missing file */
    log_clear();
    VT_CHECK(gen_st_load("/nonexistent/x.safetensors", &f) == VG_ERR_NOT_FOUND && f == NULL,
             "missing file");
    VT_CHECK(strstr(log_text, "/nonexistent/x.safetensors") != NULL, "%s", log_text);

    unlink(path);
    free(img);
    gen_st_writer_destroy(&wr);
    VT_CHECK(wr == NULL, "writer destroy sets NULL");
    gen_st_writer_destroy(&wr);
    gen_st_writer_destroy(NULL);

    /* an empty writer makes a valid empty file */
    wr = gen_st_writer_create();
    VT_CHECK(gen_st_writer_serialize(wr, &img, &img_size) == VG_OK && img_size == 16,
             "empty image %zu", img_size);
    VT_CHECK(gen_st_parse(img, img_size, "empty", &f) == VG_OK && gen_st_count(f) == 0, "empty");
    gen_st_destroy(&f);
    free(img);
    gen_st_writer_destroy(&wr);
}

/* ---- files written by Python (scripts/make-fixtures.py) ---- */

static void test_python_fixtures(void)
{
    const char *dir = getenv("VRGEN_TEST_DATA");
    if (!dir) {
        printf("test_safetensors: VRGEN_TEST_DATA not set, Python fixtures not checked\n");
        return;
    }
    static const char *const names[] = {"ops_torch.safetensors", "net_torch.safetensors"};
    for (size_t i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        gen_st_file *f = NULL;
        log_clear();
        int ret = gen_st_load(path, &f);
        VT_CHECK(ret == VG_OK, "%s: %s", path, log_text);
        if (!f) continue;
        VT_CHECK(gen_st_count(f) > 10, "%s: %zu tensors", path, gen_st_count(f));
        const char *fmt = gen_st_meta(f, "format");
        VT_CHECK(fmt && !strcmp(fmt, "vrgen-fixture-1"), "%s: format %s", path,
                 fmt ? fmt : "(none)");
        for (size_t k = 0; k < gen_st_count(f); k++)
            VT_CHECK(gen_st_at(f, k)->dtype == GEN_ST_F32, "%s: %s not F32", path,
                     gen_st_at(f, k)->name);
        gen_st_destroy(&f);
    }
}

int main(void)
{
    vg_log_set_sink(sink, NULL);
    test_reject();
    test_accept_edge();
    test_round_trip();
    test_python_fixtures();
    vg_log_set_sink(NULL, NULL);
    return vt_result("test_safetensors");
}
