/*
 * vg_json.c - strict recursive-descent JSON parser (RFC 8259) and the JSON string builder.
 *
 * Recursion depth is bounded by VG_JSON_MAX_DEPTH, so the recursive parse and free cannot
 * exhaust the stack. Each node is one malloc; arrays and objects hold exact-size child
 * arrays. Not a streaming parser; does not write JSON beyond escaping strings.
 */
#include "common/vg_json.h"

#include "common/vg_error.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vg_json_member {
    char *key; /* NUL-terminated, key_len bytes */
    size_t key_len;
    vg_json *value;
} vg_json_member;

struct vg_json {
    vg_json_type type;
    int is_int; /* number written as an integer that fits int64 */
    union {
        int boolean;
        struct {
            double d;
            int64_t i;
        } num;
        struct {
            char *s; /* NUL-terminated, len bytes */
            size_t len;
        } str;
        struct {
            vg_json **items;
            size_t count;
        } arr;
        struct {
            vg_json_member *members;
            size_t count;
        } obj;
    } u;
};

/* ------------------------------------------------------------------------------------ */
/* Parser                                                                                */

typedef struct parser {
    const unsigned char *s;
    size_t len;
    size_t pos;
    int depth;
    size_t nodes;
    int code; /* first error, VG_OK while none */
    size_t err_pos;
    char msg[160];
} parser;

static void fail_at(parser *p, size_t pos, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail_at(parser *p, size_t pos, int code, const char *fmt, ...)
{
    if (p->code != VG_OK) return;
    p->code = code;
    p->err_pos = pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof p->msg, fmt, ap);
    va_end(ap);
}

/* Describes the byte at pos for "unexpected ..." messages. */
static void fail_unexpected(parser *p, const char *expected)
{
    if (p->pos >= p->len) {
        fail_at(p, p->pos, VG_ERR_FORMAT, "unexpected end of input, expected %s", expected);
        return;
    }
    unsigned c = p->s[p->pos];
    if (c >= 0x21 && c < 0x7f)
        fail_at(p, p->pos, VG_ERR_FORMAT, "unexpected character '%c', expected %s", (int)c,
                expected);
    else
        fail_at(p, p->pos, VG_ERR_FORMAT, "unexpected byte 0x%02x, expected %s", c, expected);
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static vg_json *new_node(parser *p, vg_json_type type)
{
    if (p->nodes >= VG_JSON_MAX_NODES) {
        fail_at(p, p->pos, VG_ERR_LIMIT, "more than %zu values in one document",
                (size_t)VG_JSON_MAX_NODES);
        return NULL;
    }
    vg_json *v = calloc(1, sizeof *v);
    if (!v) {
        fail_at(p, p->pos, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->nodes++;
    v->type = type;
    return v;
}

static vg_json *parse_value(parser *p);

static int hex4(const unsigned char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return 0;
        v = v * 16 + d;
    }
    *out = v;
    return 1;
}

/* Length of the valid UTF-8 sequence starting at s[0] (a byte >= 0x80) within n bytes, or
 * 0 when it is invalid: overlong forms, UTF-16 surrogates, code points above U+10FFFF,
 * stray continuation bytes and truncated sequences are all rejected (RFC 3629). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else
        return 0;
    if (n < need) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < need; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return need;
}

static size_t put_utf8(char *dst, unsigned cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xc0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xe0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        dst[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    dst[0] = (char)(0xf0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    dst[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Parses a string literal at p->pos (which is '"'). On success returns a malloc'ed
 * NUL-terminated copy and its length; decoding never makes a string longer than its
 * literal, so the literal's length bounds the allocation. */
static char *parse_string(parser *p, size_t *out_len)
{
    size_t start = p->pos + 1;
    /* Find the closing quote first (skipping escaped characters) to size the buffer. */
    size_t end = start;
    while (end < p->len && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len) {
        fail_at(p, p->pos, VG_ERR_FORMAT, "unterminated string");
        return NULL;
    }
    char *buf = malloc(end - start + 1);
    if (!buf) {
        fail_at(p, p->pos, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    size_t n = 0, i = start;
    while (i < end) {
        unsigned c = p->s[i];
        if (c < 0x20) {
            fail_at(p, i, VG_ERR_FORMAT,
                    "control character 0x%02x in a string (must be escaped as \\u%04x)", c, c);
            goto fail;
        }
        if (c >= 0x80) {
            size_t k = utf8_seq_len(p->s + i, end - i);
            if (!k) {
                fail_at(p, i, VG_ERR_FORMAT, "invalid UTF-8 byte 0x%02x in a string", c);
                goto fail;
            }
            memcpy(buf + n, p->s + i, k);
            n += k;
            i += k;
            continue;
        }
        if (c != '\\') {
            buf[n++] = (char)c;
            i++;
            continue;
        }
        /* escape: end was found by skipping two bytes per backslash, so s[i+1] exists */
        unsigned e = p->s[i + 1];
        switch (e) {
        case '"':
            buf[n++] = '"';
            break;
        case '\\':
            buf[n++] = '\\';
            break;
        case '/':
            buf[n++] = '/';
            break;
        case 'b':
            buf[n++] = '\b';
            break;
        case 'f':
            buf[n++] = '\f';
            break;
        case 'n':
            buf[n++] = '\n';
            break;
        case 'r':
            buf[n++] = '\r';
            break;
        case 't':
            buf[n++] = '\t';
            break;
        case 'u': {
            unsigned cp, lo;
            if (i + 6 > end || !hex4(p->s + i + 2, &cp)) {
                fail_at(p, i, VG_ERR_FORMAT, "\\u must be followed by 4 hex digits");
                goto fail;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                fail_at(p, i, VG_ERR_FORMAT, "lone low surrogate \\u%04x", cp);
                goto fail;
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (i + 12 > end || p->s[i + 6] != '\\' || p->s[i + 7] != 'u' ||
                    !hex4(p->s + i + 8, &lo) || lo < 0xdc00 || lo > 0xdfff) {
                    fail_at(p, i, VG_ERR_FORMAT,
                            "high surrogate \\u%04x not followed by a low surrogate", cp);
                    goto fail;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
            n += put_utf8(buf + n, cp);
            i += 6;
            continue;
        }
        default:
            if (e >= 0x21 && e < 0x7f)
                fail_at(p, i, VG_ERR_FORMAT, "invalid escape '\\%c'", (int)e);
            else
                fail_at(p, i, VG_ERR_FORMAT, "invalid escape: byte 0x%02x after '\\'", e);
            goto fail;
        }
        i += 2;
    }
    buf[n] = 0;
    p->pos = end + 1;
    *out_len = n;
    return buf;
fail:
    free(buf);
    return NULL;
}

static int is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

static vg_json *parse_number(parser *p)
{
    size_t start = p->pos, i = p->pos;
    int neg = 0, integral = 1, fits = 1;
    uint64_t mag = 0;
    if (i < p->len && p->s[i] == '-') {
        neg = 1;
        i++;
    }
    if (i >= p->len || !is_digit(p->s[i])) {
        p->pos = i;
        fail_unexpected(p, "a digit");
        return NULL;
    }
    if (p->s[i] == '0') {
        i++;
        if (i < p->len && is_digit(p->s[i])) {
            fail_at(p, start, VG_ERR_FORMAT, "number with a leading zero");
            return NULL;
        }
    } else {
        /* Integer part digit by digit with overflow checks: |value| <= 2^63 when negative,
         * 2^63 - 1 when positive. */
        const uint64_t limit = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
        while (i < p->len && is_digit(p->s[i])) {
            unsigned d = p->s[i] - '0';
            if (fits && (mag > (limit - d) / 10))
                fits = 0;
            else if (fits)
                mag = mag * 10 + d;
            i++;
        }
    }
    if (i < p->len && p->s[i] == '.') {
        integral = 0;
        i++;
        if (i >= p->len || !is_digit(p->s[i])) {
            p->pos = i;
            fail_unexpected(p, "a digit after '.'");
            return NULL;
        }
        while (i < p->len && is_digit(p->s[i])) i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        integral = 0;
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-')) i++;
        if (i >= p->len || !is_digit(p->s[i])) {
            p->pos = i;
            fail_unexpected(p, "a digit in the exponent");
            return NULL;
        }
        while (i < p->len && is_digit(p->s[i])) i++;
    }

    /* strtod needs a NUL-terminated copy and honours the locale's decimal point. */
    size_t n = i - start;
    char small[64], *tmp = n < sizeof small ? small : malloc(n + 1);
    if (!tmp) {
        fail_at(p, start, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    memcpy(tmp, p->s + start, n);
    tmp[n] = 0;
    const char *dp = localeconv()->decimal_point;
    if (dp && dp[0] && dp[0] != '.' && !dp[1]) {
        char *dot = strchr(tmp, '.');
        if (dot) *dot = dp[0];
    }
    errno = 0;
    double d = strtod(tmp, NULL);
    if (tmp != small) free(tmp);
    if (isinf(d) || isnan(d)) {
        fail_at(p, start, VG_ERR_FORMAT, "number out of the range of a double");
        return NULL;
    }

    vg_json *v = new_node(p, VG_JSON_NUMBER);
    if (!v) return NULL;
    v->u.num.d = d;
    if (integral && fits) {
        v->is_int = 1;
        /* mag <= 2^63 when negative: negate in unsigned arithmetic, then convert */
        v->u.num.i = neg ? (mag == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
    }
    p->pos = i;
    return v;
}

static vg_json *parse_literal(parser *p, const char *word, vg_json_type type, int value)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
        fail_at(p, p->pos, VG_ERR_FORMAT, "invalid literal, expected '%s'", word);
        return NULL;
    }
    vg_json *v = new_node(p, type);
    if (!v) return NULL;
    v->u.boolean = value;
    p->pos += n;
    return v;
}

/* Grows *arr (elements of size elem) to hold at least need elements. */
static int grow(parser *p, void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap * 2 : 4;
    void *na = realloc(*arr, nc * elem);
    if (!na) {
        fail_at(p, p->pos, VG_ERR_NOMEM, "out of memory");
        return 0;
    }
    *arr = na;
    *cap = nc;
    return 1;
}

static int enter(parser *p)
{
    if (p->depth >= VG_JSON_MAX_DEPTH) {
        fail_at(p, p->pos, VG_ERR_LIMIT, "arrays and objects nested deeper than %d levels",
                VG_JSON_MAX_DEPTH);
        return 0;
    }
    p->depth++;
    return 1;
}

static vg_json *parse_array(parser *p)
{
    if (!enter(p)) return NULL;
    vg_json *v = new_node(p, VG_JSON_ARRAY);
    if (!v) return NULL;
    size_t cap = 0;
    p->pos++; /* '[' */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        p->depth--;
        return v;
    }
    for (;;) {
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ']' && v->u.arr.count > 0) {
            fail_at(p, p->pos, VG_ERR_FORMAT, "trailing comma before ']'");
            goto fail;
        }
        vg_json *item = parse_value(p);
        if (!item) goto fail;
        if (!grow(p, (void **)&v->u.arr.items, &cap, v->u.arr.count + 1, sizeof(vg_json *))) {
            vg_json_free(item);
            goto fail;
        }
        v->u.arr.items[v->u.arr.count++] = item;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            break;
        }
        fail_unexpected(p, "',' or ']' after an array element");
        goto fail;
    }
    p->depth--;
    return v;
fail:
    vg_json_free(v);
    return NULL;
}

static vg_json *parse_object(parser *p)
{
    if (!enter(p)) return NULL;
    vg_json *v = new_node(p, VG_JSON_OBJECT);
    if (!v) return NULL;
    size_t cap = 0;
    p->pos++; /* '{' */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        p->depth--;
        return v;
    }
    for (;;) {
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != '"') {
            if (p->pos < p->len && p->s[p->pos] == '}')
                fail_at(p, p->pos, VG_ERR_FORMAT, "trailing comma before '}'");
            else
                fail_unexpected(p, "a string key");
            goto fail;
        }
        size_t key_len;
        char *key = parse_string(p, &key_len);
        if (!key) goto fail;
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') {
            free(key);
            fail_unexpected(p, "':' after an object key");
            goto fail;
        }
        p->pos++;
        skip_ws(p);
        vg_json *item = parse_value(p);
        if (!item) {
            free(key);
            goto fail;
        }
        if (!grow(p, (void **)&v->u.obj.members, &cap, v->u.obj.count + 1,
                  sizeof(vg_json_member))) {
            free(key);
            vg_json_free(item);
            goto fail;
        }
        v->u.obj.members[v->u.obj.count++] = (vg_json_member){key, key_len, item};
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == '}') {
            p->pos++;
            break;
        }
        fail_unexpected(p, "',' or '}' after an object member");
        goto fail;
    }
    p->depth--;
    return v;
fail:
    vg_json_free(v);
    return NULL;
}

static vg_json *parse_value(parser *p)
{
    skip_ws(p);
    if (p->pos >= p->len) {
        fail_unexpected(p, "a JSON value");
        return NULL;
    }
    unsigned c = p->s[p->pos];
    vg_json *v = NULL;
    char *s;
    size_t n;
    switch (c) {
    case '{':
        return parse_object(p);
    case '[':
        return parse_array(p);
    case '"':
        s = parse_string(p, &n);
        if (!s) return NULL;
        v = new_node(p, VG_JSON_STRING);
        if (!v) {
            free(s);
            return NULL;
        }
        v->u.str.s = s;
        v->u.str.len = n;
        return v;
    case 't':
        return parse_literal(p, "true", VG_JSON_BOOL, 1);
    case 'f':
        return parse_literal(p, "false", VG_JSON_BOOL, 0);
    case 'n':
        return parse_literal(p, "null", VG_JSON_NULL, 0);
    default:
        if (c == '-' || is_digit(c)) return parse_number(p);
        fail_unexpected(p, "a JSON value");
        return NULL;
    }
}

int vg_json_parse(const char *text, size_t len, vg_json **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen) err[0] = 0;
    parser p = {.s = (const unsigned char *)text, .len = len, .code = VG_OK};
    vg_json *v = NULL;
    if (len > VG_JSON_MAX_BYTES) {
        fail_at(&p, 0, VG_ERR_LIMIT, "document is %zu bytes, more than the limit of %zu", len,
                VG_JSON_MAX_BYTES);
    } else {
        v = parse_value(&p);
        if (v) {
            skip_ws(&p);
            if (p.pos < p.len) {
                fail_at(&p, p.pos, VG_ERR_FORMAT, "trailing characters after the JSON value");
                vg_json_free(v);
                v = NULL;
            }
        }
    }
    if (p.code != VG_OK) {
        if (err && errlen) {
            if (p.code == VG_ERR_NOMEM) {
                snprintf(err, errlen, "%s", p.msg);
            } else {
                size_t line = 1, col = 1;
                for (size_t i = 0; i < p.err_pos && i < len; i++) {
                    if (p.s[i] == '\n') {
                        line++;
                        col = 1;
                    } else {
                        col++;
                    }
                }
                snprintf(err, errlen, "line %zu col %zu: %s", line, col, p.msg);
            }
        }
        return p.code;
    }
    *out = v;
    return VG_OK;
}

void vg_json_free(vg_json *v)
{
    if (!v) return;
    switch (v->type) {
    case VG_JSON_STRING:
        free(v->u.str.s);
        break;
    case VG_JSON_ARRAY:
        for (size_t i = 0; i < v->u.arr.count; i++) vg_json_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case VG_JSON_OBJECT:
        for (size_t i = 0; i < v->u.obj.count; i++) {
            free(v->u.obj.members[i].key);
            vg_json_free(v->u.obj.members[i].value);
        }
        free(v->u.obj.members);
        break;
    default:
        break;
    }
    free(v);
}

/* ------------------------------------------------------------------------------------ */
/* Accessors                                                                             */

vg_json_type vg_json_type_of(const vg_json *v)
{
    return v ? v->type : VG_JSON_NULL;
}
int vg_json_is_null(const vg_json *v)
{
    return v && v->type == VG_JSON_NULL;
}
int vg_json_is_bool(const vg_json *v)
{
    return v && v->type == VG_JSON_BOOL;
}
int vg_json_is_number(const vg_json *v)
{
    return v && v->type == VG_JSON_NUMBER;
}
int vg_json_is_string(const vg_json *v)
{
    return v && v->type == VG_JSON_STRING;
}
int vg_json_is_array(const vg_json *v)
{
    return v && v->type == VG_JSON_ARRAY;
}
int vg_json_is_object(const vg_json *v)
{
    return v && v->type == VG_JSON_OBJECT;
}

int vg_json_bool(const vg_json *v)
{
    return vg_json_is_bool(v) ? v->u.boolean : 0;
}

double vg_json_number(const vg_json *v)
{
    return vg_json_is_number(v) ? v->u.num.d : 0.0;
}

int vg_json_int64(const vg_json *v, int64_t *out)
{
    if (!vg_json_is_number(v) || !v->is_int) return 0;
    *out = v->u.num.i;
    return 1;
}

const char *vg_json_string(const vg_json *v, size_t *len)
{
    if (!vg_json_is_string(v)) return NULL;
    if (len) *len = v->u.str.len;
    return v->u.str.s;
}

size_t vg_json_count(const vg_json *v)
{
    if (vg_json_is_array(v)) return v->u.arr.count;
    if (vg_json_is_object(v)) return v->u.obj.count;
    return 0;
}

const vg_json *vg_json_at(const vg_json *v, size_t i)
{
    if (vg_json_is_array(v)) return i < v->u.arr.count ? v->u.arr.items[i] : NULL;
    if (vg_json_is_object(v)) return i < v->u.obj.count ? v->u.obj.members[i].value : NULL;
    return NULL;
}

const char *vg_json_key_at(const vg_json *v, size_t i, size_t *len)
{
    if (!vg_json_is_object(v) || i >= v->u.obj.count) return NULL;
    if (len) *len = v->u.obj.members[i].key_len;
    return v->u.obj.members[i].key;
}

const vg_json *vg_json_get(const vg_json *obj, const char *key)
{
    if (!vg_json_is_object(obj) || !key) return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < obj->u.obj.count; i++) {
        const vg_json_member *m = &obj->u.obj.members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0) return m->value;
    }
    return NULL;
}

/* Orders members by key bytes, then by position (pointers into one array). */
static int member_cmp(const void *a, const void *b)
{
    const vg_json_member *x = *(const vg_json_member *const *)a;
    const vg_json_member *y = *(const vg_json_member *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    return x < y ? -1 : x > y;
}

long vg_json_find_duplicate_key(const vg_json *obj)
{
    if (!vg_json_is_object(obj) || obj->u.obj.count < 2) return -1;
    size_t n = obj->u.obj.count;
    const vg_json_member **idx = malloc(n * sizeof *idx);
    long found = -1;
    if (!idx) {
        /* Out of memory: fall back to the quadratic scan rather than report "no
         * duplicates" on a document that has some. */
        for (size_t i = 1; i < n && found < 0; i++)
            for (size_t j = 0; j < i; j++) {
                const vg_json_member *a = &obj->u.obj.members[i], *b = &obj->u.obj.members[j];
                if (a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0) {
                    found = (long)i;
                    break;
                }
            }
        return found;
    }
    for (size_t i = 0; i < n; i++) idx[i] = &obj->u.obj.members[i];
    qsort(idx, n, sizeof *idx, member_cmp);
    for (size_t i = 1; i < n; i++) {
        if (idx[i]->key_len == idx[i - 1]->key_len &&
            memcmp(idx[i]->key, idx[i - 1]->key, idx[i]->key_len) == 0) {
            found = (long)(idx[i] - obj->u.obj.members);
            break;
        }
    }
    free(idx);
    return found;
}

/* ------------------------------------------------------------------------------------ */
/* Writer                                                                                */

void vg_json_buf_init(vg_json_buf *b)
{
    memset(b, 0, sizeof *b);
}

void vg_json_buf_fini(vg_json_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* Makes room for n more bytes plus the NUL. */
static int buf_reserve(vg_json_buf *b, size_t n)
{
    if (b->failed) return VG_ERR_NOMEM;
    if (n > SIZE_MAX - b->len - 1) {
        b->failed = 1;
        return VG_ERR_NOMEM;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap) return VG_OK;
    size_t nc = b->cap ? b->cap : 64;
    while (nc < need) nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    char *nd = realloc(b->data, nc);
    if (!nd) {
        b->failed = 1;
        return VG_ERR_NOMEM;
    }
    b->data = nd;
    b->cap = nc;
    return VG_OK;
}

int vg_json_buf_append(vg_json_buf *b, const char *s, size_t n)
{
    int ret = buf_reserve(b, n);
    if (ret != VG_OK) return ret;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
    return VG_OK;
}

int vg_json_buf_printf(vg_json_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return VG_ERR_NOMEM;
    }
    int ret = buf_reserve(b, (size_t)n);
    if (ret != VG_OK) return ret;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return VG_OK;
}

int vg_json_escape(vg_json_buf *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t out = 2;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c >= 0x80) {
            size_t k = utf8_seq_len(s + i, n - i);
            if (!k) return VG_ERR_INVALID;
            out += k;
            i += k;
            continue;
        }
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
            out += 2;
        else if (c < 0x20)
            out += 6;
        else
            out += 1;
        i++;
    }
    int ret = buf_reserve(b, out);
    if (ret != VG_OK) return ret;
    char *d = b->data + b->len;
    *d++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        const char *e = NULL;
        switch (c) {
        case '"':
            e = "\\\"";
            break;
        case '\\':
            e = "\\\\";
            break;
        case '\b':
            e = "\\b";
            break;
        case '\f':
            e = "\\f";
            break;
        case '\n':
            e = "\\n";
            break;
        case '\r':
            e = "\\r";
            break;
        case '\t':
            e = "\\t";
            break;
        default:
            break;
        }
        if (e) {
            *d++ = e[0];
            *d++ = e[1];
        } else if (c < 0x20) {
            static const char hex[] = "0123456789abcdef";
            memcpy(d, "\\u00", 4);
            d[4] = hex[c >> 4];
            d[5] = hex[c & 15];
            d += 6;
        } else {
            *d++ = (char)c;
        }
    }
    *d++ = '"';
    b->len += out;
    b->data[b->len] = 0;
    return VG_OK;
}
