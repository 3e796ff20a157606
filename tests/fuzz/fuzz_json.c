/*
 * fuzz_json.c - fuzz target for the JSON parser and string escaper (common/vg_json.c).
 *
 * Input: any bytes, parsed as one document. Besides "no crash, no leak, no UB" it checks:
 *   - a parsed tree printed in a canonical form parses again and prints the same
 *     (numbers as int64 or %.17g, strings through vg_json_escape);
 *   - vg_json_find_duplicate_key agrees with a pairwise comparison of the keys, and
 *     vg_json_get finds the first member with a key;
 *   - a failed parse leaves *out NULL and a one-line message;
 *   - vg_json_escape of the raw input either refuses it (invalid UTF-8) or gives a literal
 *     that parses back to exactly the input bytes.
 * Not a test of the safetensors header rules (fuzz_safetensors.c).
 */
#include "common/vg_error.h"
#include "common/vg_json.h"
#include "tests/fuzz/fuzz_util.h"

#include <inttypes.h>
#include <math.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_json: check failed: %s (line %d)\n", #cond, __LINE__);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Canonical text of v appended to b. */
static void print_value(vg_json_buf *b, const vg_json *v)
{
    switch (vg_json_type_of(v)) {
    case VG_JSON_NULL:
        CHECK(vg_json_is_null(v));
        vg_json_buf_append(b, "null", 4);
        break;
    case VG_JSON_BOOL:
        vg_json_buf_append(b, vg_json_bool(v) ? "true" : "false", vg_json_bool(v) ? 4 : 5);
        break;
    case VG_JSON_NUMBER: {
        int64_t i;
        double d = vg_json_number(v);
        CHECK(isfinite(d));
        if (vg_json_int64(v, &i)) {
            CHECK((double)i == d || fabs((double)i - d) <= fabs(d) * 1e-15);
            vg_json_buf_printf(b, "%" PRId64, i);
        } else {
            /* keep it a non-integer on reparsing ("-0" from an underflow becomes "-0.0") */
            char num[40];
            snprintf(num, sizeof(num), "%.17g", d);
            vg_json_buf_printf(b, "%s%s", num, strpbrk(num, ".e") ? "" : ".0");
        }
        break;
    }
    case VG_JSON_STRING: {
        size_t n;
        const char *s = vg_json_string(v, &n);
        CHECK(s && s[n] == 0);
        CHECK(vg_json_escape(b, s, n) == VG_OK);
        break;
    }
    case VG_JSON_ARRAY:
        vg_json_buf_append(b, "[", 1);
        for (size_t i = 0; i < vg_json_count(v); i++) {
            if (i) vg_json_buf_append(b, ",", 1);
            CHECK(vg_json_at(v, i));
            print_value(b, vg_json_at(v, i));
        }
        CHECK(!vg_json_at(v, vg_json_count(v)));
        vg_json_buf_append(b, "]", 1);
        break;
    case VG_JSON_OBJECT: {
        size_t count = vg_json_count(v);
        vg_json_buf_append(b, "{", 1);
        for (size_t i = 0; i < count; i++) {
            size_t kn;
            const char *k = vg_json_key_at(v, i, &kn);
            CHECK(k && k[kn] == 0);
            if (i) vg_json_buf_append(b, ",", 1);
            CHECK(vg_json_escape(b, k, kn) == VG_OK);
            vg_json_buf_append(b, ":", 1);
            print_value(b, vg_json_at(v, i));
            /* vg_json_get: the first member with this key (keys with NUL never match) */
            if (strlen(k) == kn) {
                size_t first = i;
                for (size_t j = 0; j < i; j++) {
                    size_t jn;
                    const char *kj = vg_json_key_at(v, j, &jn);
                    if (jn == kn && !memcmp(kj, k, kn)) {
                        first = j;
                        break;
                    }
                }
                CHECK(vg_json_get(v, k) == vg_json_at(v, first));
            }
        }
        vg_json_buf_append(b, "}", 1);
        /* duplicates, checked pairwise on small objects */
        long dup = vg_json_find_duplicate_key(v);
        CHECK(dup >= -1 && dup < (long)count);
        if (count <= 64) {
            int any = 0;
            for (size_t i = 0; i < count && !any; i++)
                for (size_t j = 0; j < i && !any; j++) {
                    size_t in, jn;
                    const char *ki = vg_json_key_at(v, i, &in), *kj = vg_json_key_at(v, j, &jn);
                    any = in == jn && !memcmp(ki, kj, in);
                }
            CHECK(any == (dup >= 0));
        }
        if (dup >= 0) {
            size_t dn;
            const char *dk = vg_json_key_at(v, (size_t)dup, &dn);
            int earlier = 0;
            for (long j = 0; j < dup && !earlier; j++) {
                size_t jn;
                const char *kj = vg_json_key_at(v, (size_t)j, &jn);
                earlier = jn == dn && !memcmp(kj, dk, dn);
            }
            CHECK(earlier);
        }
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        fuzz_log_init(0);
        init = 1;
    }
    char err[200];
    vg_json *root = (vg_json *)1;
    int r = vg_json_parse((const char *)data, size, &root, err, sizeof err);
    if (r != VG_OK) {
        CHECK(root == NULL);
        CHECK(r == VG_ERR_FORMAT || r == VG_ERR_LIMIT || r == VG_ERR_NOMEM);
        CHECK(memchr(err, 0, sizeof err) && !strchr(err, '\n') && err[0]);
    } else {
        vg_json_buf a, b;
        vg_json_buf_init(&a);
        vg_json_buf_init(&b);
        print_value(&a, root);
        CHECK(!a.failed);
        vg_json *again = NULL;
        r = vg_json_parse(a.data, a.len, &again, err, sizeof err);
        if (r != VG_OK) {
            fprintf(stderr, "fuzz_json: canonical form does not parse again: %s\n%s\n", err,
                    a.data);
            abort();
        }
        print_value(&b, again);
        CHECK(!b.failed && a.len == b.len && !memcmp(a.data, b.data, a.len));
        vg_json_free(again);
        vg_json_buf_fini(&a);
        vg_json_buf_fini(&b);
        vg_json_free(root);
    }

    /* escaping the raw bytes as one string */
    vg_json_buf e;
    vg_json_buf_init(&e);
    r = vg_json_escape(&e, (const char *)data, size);
    CHECK(r == VG_OK || r == VG_ERR_INVALID);
    if (r == VG_OK) {
        vg_json *s = NULL;
        CHECK(vg_json_parse(e.data, e.len, &s, err, sizeof err) == VG_OK);
        size_t n;
        const char *str = vg_json_string(s, &n);
        CHECK(str && n == size && (size == 0 || !memcmp(str, data, size)));
        vg_json_free(s);
    } else {
        CHECK(e.len == 0);
    }
    vg_json_buf_fini(&e);
    return 0;
}
