/*
 * test_json.c - the strict JSON parser and the string escaper (common/vg_json.h).
 *
 * Valid documents parse to the expected tree; each class of invalid input is rejected
 * with the right code and a message naming the problem at the right line and column;
 * limits (depth, size) hold; integers are exact up to the int64 range; escapes decode to
 * UTF-8 and vg_json_escape output parses back to the same bytes.
 */
#include "common/vg_error.h"
#include "common/vg_json.h"
#include "vt.h"

#include <string.h>

static vg_json *parse_ok(const char *text)
{
    vg_json *v = NULL;
    char err[200];
    int ret = vg_json_parse(text, strlen(text), &v, err, sizeof err);
    VT_CHECK(ret == VG_OK && v, "parse of %s failed: %d %s", text, ret, err);
    return v;
}

/* Expects parse failure with code and a message containing both pos ("line L col C") and
 * what. */
static void parse_bad_n(const char *text, size_t len, int code, const char *pos, const char *what)
{
    vg_json *v = (vg_json *)1;
    char err[200] = "unset";
    int ret = vg_json_parse(text, len, &v, err, sizeof err);
    VT_CHECK(ret == code, "%s: got code %d (%s), want %d", text, ret, err, code);
    VT_CHECK(v == NULL, "%s: *out not NULL on failure", text);
    if (pos) VT_CHECK(strstr(err, pos) != NULL, "%s: message '%s' lacks '%s'", text, err, pos);
    if (what) VT_CHECK(strstr(err, what) != NULL, "%s: message '%s' lacks '%s'", text, err, what);
}

static void parse_bad(const char *text, int code, const char *pos, const char *what)
{
    parse_bad_n(text, strlen(text), code, pos, what);
}

static void test_valid(void)
{
    vg_json *v = parse_ok(" {\"a\": [1, -2.5, 3e2, true, false, null, \"s\", {}, []],\n"
                          "  \"b\": {\"c\": \"d\"}, \"z\": 0 } \r\n\t");
    VT_CHECK(vg_json_is_object(v), "root not an object");
    VT_CHECK(vg_json_count(v) == 3, "root members %zu", vg_json_count(v));
    /* key order kept */
    VT_CHECK(!strcmp(vg_json_key_at(v, 0, NULL), "a"), "key 0");
    VT_CHECK(!strcmp(vg_json_key_at(v, 1, NULL), "b"), "key 1");
    VT_CHECK(!strcmp(vg_json_key_at(v, 2, NULL), "z"), "key 2");
    VT_CHECK(vg_json_key_at(v, 3, NULL) == NULL, "key 3 out of range");
    const vg_json *a = vg_json_get(v, "a");
    VT_CHECK(vg_json_is_array(a) && vg_json_count(a) == 9, "a");
    int64_t i = 0;
    VT_CHECK(vg_json_int64(vg_json_at(a, 0), &i) && i == 1, "a[0]");
    VT_CHECK(!vg_json_int64(vg_json_at(a, 1), &i), "a[1] is not an integer");
    VT_CHECK(vg_json_number(vg_json_at(a, 1)) == -2.5, "a[1]");
    VT_CHECK(!vg_json_int64(vg_json_at(a, 2), &i) && vg_json_number(vg_json_at(a, 2)) == 300.0,
             "3e2 is a number but not integer syntax");
    VT_CHECK(vg_json_is_bool(vg_json_at(a, 3)) && vg_json_bool(vg_json_at(a, 3)) == 1, "true");
    VT_CHECK(vg_json_is_bool(vg_json_at(a, 4)) && vg_json_bool(vg_json_at(a, 4)) == 0, "false");
    VT_CHECK(vg_json_is_null(vg_json_at(a, 5)), "null");
    VT_CHECK(!strcmp(vg_json_string(vg_json_at(a, 6), NULL), "s"), "string");
    VT_CHECK(vg_json_is_object(vg_json_at(a, 7)) && vg_json_count(vg_json_at(a, 7)) == 0, "{}");
    VT_CHECK(vg_json_is_array(vg_json_at(a, 8)) && vg_json_count(vg_json_at(a, 8)) == 0, "[]");
    VT_CHECK(vg_json_at(a, 9) == NULL, "a[9] out of range");
    VT_CHECK(!strcmp(vg_json_string(vg_json_get(vg_json_get(v, "b"), "c"), NULL), "d"), "b.c");
    VT_CHECK(vg_json_get(vg_json_get(v, "nope"), "c") == NULL, "chained miss");
    VT_CHECK(vg_json_type_of(NULL) == VG_JSON_NULL && !vg_json_is_null(NULL), "NULL pointer");
    VT_CHECK(vg_json_find_duplicate_key(v) == -1, "no duplicates");
    vg_json_free(v);

    /* scalars at top level (RFC 8259) */
    v = parse_ok("42");
    VT_CHECK(vg_json_int64(v, &i) && i == 42, "top-level number");
    vg_json_free(v);
    v = parse_ok("\"x\"");
    VT_CHECK(vg_json_is_string(v), "top-level string");
    vg_json_free(v);
    v = parse_ok("null");
    VT_CHECK(vg_json_is_null(v), "top-level null");
    vg_json_free(v);
    v = parse_ok("-0");
    VT_CHECK(vg_json_int64(v, &i) && i == 0, "-0");
    vg_json_free(v);
    v = parse_ok("0.5e-3");
    VT_CHECK(fabs(vg_json_number(v) - 0.5e-3) < 1e-18, "0.5e-3");
    vg_json_free(v);
    v = parse_ok("1E+2");
    VT_CHECK(vg_json_number(v) == 100.0, "1E+2");
    vg_json_free(v);
    v = parse_ok("1e-400"); /* underflow to zero is allowed */
    VT_CHECK(vg_json_number(v) == 0.0, "underflow");
    vg_json_free(v);
    vg_json_free(NULL);
}

static void test_integers(void)
{
    int64_t i = 0;
    vg_json *v = parse_ok("[9223372036854775807, -9223372036854775808, 9223372036854775808,"
                          " -9223372036854775809, 18446744073709551616, 9007199254740993,"
                          " 123456789012345678901234567890]");
    VT_CHECK(vg_json_int64(vg_json_at(v, 0), &i) && i == INT64_MAX, "INT64_MAX");
    VT_CHECK(vg_json_int64(vg_json_at(v, 1), &i) && i == INT64_MIN, "INT64_MIN");
    VT_CHECK(!vg_json_int64(vg_json_at(v, 2), &i), "2^63 does not fit");
    VT_CHECK(vg_json_number(vg_json_at(v, 2)) == 9223372036854775808.0, "2^63 as double");
    VT_CHECK(!vg_json_int64(vg_json_at(v, 3), &i), "-2^63-1 does not fit");
    VT_CHECK(!vg_json_int64(vg_json_at(v, 4), &i), "2^64 does not fit");
    /* 2^53 + 1 is not a double but is exact as an integer */
    VT_CHECK(vg_json_int64(vg_json_at(v, 5), &i) && i == 9007199254740993LL, "2^53+1: %lld",
             (long long)i);
    VT_CHECK(!vg_json_int64(vg_json_at(v, 6), &i) && vg_json_number(vg_json_at(v, 6)) > 1.2e29,
             "30 digits");
    vg_json_free(v);
}

static void test_strings(void)
{
    size_t n = 0;
    vg_json *v = parse_ok("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\\ud83d\\ude00\","
                          " \"x\\u0000y\", \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", \"\"]");
    const char *s = vg_json_string(vg_json_at(v, 0), &n);
    VT_CHECK(n == 12 && !memcmp(s, "a\"b\\c/d\b\f\n\r\t", 12), "simple escapes");
    s = vg_json_string(vg_json_at(v, 1), &n);
    VT_CHECK(n == 9 && !memcmp(s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9),
             "\\u escapes and surrogate pair to UTF-8");
    s = vg_json_string(vg_json_at(v, 2), &n);
    VT_CHECK(n == 3 && !memcmp(s, "x\0y", 3) && s[3] == 0, "embedded NUL keeps length");
    s = vg_json_string(vg_json_at(v, 3), &n);
    VT_CHECK(n == 9 && !memcmp(s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9), "raw UTF-8");
    s = vg_json_string(vg_json_at(v, 4), &n);
    VT_CHECK(n == 0 && s && s[0] == 0, "empty string");
    VT_CHECK(vg_json_string(vg_json_at(v, 9), &n) == NULL, "non-string");
    vg_json_free(v);

    /* a key with an embedded NUL never matches a C string */
    v = parse_ok("{\"a\\u0000b\": 1, \"a\": 2}");
    int64_t i = 0;
    VT_CHECK(vg_json_int64(vg_json_get(v, "a"), &i) && i == 2, "NUL key not matched");
    vg_json_free(v);
}

static void test_duplicates(void)
{
    vg_json *v = parse_ok("{\"b\": 1, \"a\": 2, \"c\": 3, \"a\": 4, \"b\": 5}");
    /* duplicates are kept; get returns the first; the later occurrence of the smallest
     * duplicated key is reported */
    int64_t i = 0;
    VT_CHECK(vg_json_count(v) == 5, "duplicates kept");
    VT_CHECK(vg_json_int64(vg_json_get(v, "a"), &i) && i == 2, "first wins in get");
    VT_CHECK(vg_json_find_duplicate_key(v) == 3, "duplicate index %ld",
             vg_json_find_duplicate_key(v));
    vg_json_free(v);
    v = parse_ok("{\"ab\": 1, \"a\": 2, \"abc\": 3}");
    VT_CHECK(vg_json_find_duplicate_key(v) == -1, "prefixes are not duplicates");
    vg_json_free(v);
    v = parse_ok("[1, 1]");
    VT_CHECK(vg_json_find_duplicate_key(v) == -1, "not an object");
    vg_json_free(v);
}

static void test_errors(void)
{
    const int F = VG_ERR_FORMAT;
    /* structure */
    parse_bad("", F, "line 1 col 1", "unexpected end of input");
    parse_bad("   \n  ", F, "line 2 col 3", "end of input");
    parse_bad("{\"a\": 1 \"b\": 2}", F, "line 1 col 9", "expected ',' or '}'");
    parse_bad("[1 2]", F, "line 1 col 4", "expected ',' or ']'");
    parse_bad("{\"a\" 1}", F, "line 1 col 6", "expected ':'");
    parse_bad("{a: 1}", F, "line 1 col 2", "expected a string key");
    parse_bad("{\"a\": 1,}", F, "line 1 col 9", "trailing comma");
    parse_bad("[1,]", F, "line 1 col 4", "trailing comma");
    parse_bad("[1,,2]", F, "line 1 col 4", "unexpected character ','");
    parse_bad("{\"a\": 1", F, "line 1 col 8", "end of input");
    parse_bad("[", F, "line 1 col 2", "end of input");
    parse_bad("{} {}", F, "line 1 col 4", "trailing characters");
    parse_bad("1 2", F, "line 1 col 3", "trailing characters");
    parse_bad("{}x", F, "line 1 col 3", "trailing characters");
    parse_bad("\xef\xbb\xbf{}", F, "line 1 col 1", "unexpected byte 0xef");
    parse_bad("// c\n{}", F, "line 1 col 1", "unexpected character '/'");
    parse_bad_n("[1]\0", 4, F, "line 1 col 4", "trailing characters");
    parse_bad_n("[\0]", 3, F, "line 1 col 2", "unexpected byte 0x00");
    /* literals */
    parse_bad("tru", F, "line 1 col 1", "invalid literal, expected 'true'");
    parse_bad("nul", F, "col 1", "expected 'null'");
    parse_bad("True", F, "col 1", "unexpected character 'T'");
    parse_bad("NaN", F, "col 1", "unexpected character 'N'");
    parse_bad("[Infinity]", F, "col 2", "unexpected character 'I'");
    /* numbers */
    parse_bad("01", F, "line 1 col 1", "leading zero");
    parse_bad("[-012]", F, "line 1 col 2", "leading zero");
    parse_bad("-", F, "col 2", "expected a digit");
    parse_bad("-a", F, "col 2", "expected a digit");
    parse_bad("+1", F, "col 1", "unexpected character '+'");
    parse_bad(".5", F, "col 1", "unexpected character '.'");
    parse_bad("1.", F, "col 3", "digit after '.'");
    parse_bad("1.e5", F, "col 3", "digit after '.'");
    parse_bad("1e", F, "col 3", "exponent");
    parse_bad("1e+", F, "col 4", "exponent");
    parse_bad("0x10", F, "col 2", "trailing characters");
    parse_bad("1e999", F, "col 1", "out of the range");
    parse_bad("[-1e400]", F, "col 2", "out of the range");
    /* strings */
    parse_bad("\"abc", F, "col 1", "unterminated string");
    parse_bad("\"abc\\\"", F, "col 1", "unterminated string");
    parse_bad("\"a\tb\"", F, "col 3", "control character 0x09");
    parse_bad("\"a\nb\"", F, "col 3", "control character 0x0a");
    parse_bad("\"\\x\"", F, "col 2", "invalid escape '\\x'");
    parse_bad("\"\\'\"", F, "col 2", "invalid escape");
    parse_bad("\"\\u12\"", F, "col 2", "4 hex digits");
    parse_bad("\"\\u12g4\"", F, "col 2", "4 hex digits");
    parse_bad("\"\\ud83d\"", F, "col 2", "not followed by a low surrogate");
    parse_bad("\"\\ud83dx\"", F, "col 2", "not followed by a low surrogate");
    parse_bad("\"\\ud83d\\u0041\"", F, "col 2", "not followed by a low surrogate");
    parse_bad("\"\\ude00\"", F, "col 2", "lone low surrogate");
    /* invalid UTF-8: stray continuation, overlong, surrogate, > U+10FFFF, truncated, 0xff */
    parse_bad("\"a\x80\"", F, "col 3", "invalid UTF-8 byte 0x80");
    parse_bad("\"\xc0\xaf\"", F, "col 2", "invalid UTF-8 byte 0xc0");
    parse_bad("\"\xe0\x80\xaf\"", F, "col 2", "invalid UTF-8 byte 0xe0");
    parse_bad("\"\xed\xa0\x80\"", F, "col 2", "invalid UTF-8 byte 0xed");
    parse_bad("\"\xf4\x90\x80\x80\"", F, "col 2", "invalid UTF-8 byte 0xf4");
    parse_bad("\"\xf5\x80\x80\x80\"", F, "col 2", "invalid UTF-8 byte 0xf5");
    parse_bad("\"\xe2\x82\"", F, "col 2", "invalid UTF-8 byte 0xe2");
    parse_bad("\"\xff\"", F, "col 2", "invalid UTF-8 byte 0xff");
    parse_bad("{\"k\xff\": 1}", F, "col 4", "invalid UTF-8");
    /* a multi-line position */
    parse_bad("{\n  \"a\": [1,\n        2,,\n]}", F, "line 3 col 11", "unexpected character");
}

static void test_limits(void)
{
    /* nesting: 64 levels parse, 65 do not */
    char buf[300];
    for (int depth = 63; depth <= 65; depth++) {
        size_t n = 0;
        for (int i = 0; i < depth; i++) buf[n++] = '[';
        for (int i = 0; i < depth; i++) buf[n++] = ']';
        vg_json *v = NULL;
        char err[200];
        int ret = vg_json_parse(buf, n, &v, err, sizeof err);
        if (depth <= VG_JSON_MAX_DEPTH) {
            VT_CHECK(ret == VG_OK, "depth %d: %s", depth, err);
        } else {
            VT_CHECK(ret == VG_ERR_LIMIT && strstr(err, "nested deeper than 64"), "depth %d: %d %s",
                     depth, ret, err);
            VT_CHECK(strstr(err, "col 65") != NULL, "depth error position: %s", err);
        }
        vg_json_free(v);
    }
    /* objects count towards the depth too */
    size_t n = 0;
    for (int i = 0; i < 70; i++) n += (size_t)sprintf(buf + n, "{\"\":");
    parse_bad_n(buf, n, VG_ERR_LIMIT, "line 1", "nested deeper");

    /* a very deep document must not recurse without bound (no crash) */
    size_t big = 1000000;
    char *deep = malloc(big);
    memset(deep, '[', big);
    parse_bad_n(deep, big, VG_ERR_LIMIT, "col 65", "nested deeper");
    free(deep);

    /* size bound: checked before reading, so the text is never touched */
    vg_json *v = NULL;
    char err[200];
    int ret = vg_json_parse("", VG_JSON_MAX_BYTES + 1, &v, err, sizeof err);
    VT_CHECK(ret == VG_ERR_LIMIT && strstr(err, "more than the limit"), "size: %d %s", ret, err);

    /* node count bound: VG_JSON_MAX_NODES + 1 zeros in one array */
    size_t count = VG_JSON_MAX_NODES + 1;
    size_t len = 2 * count + 1;
    char *many = malloc(len);
    many[0] = '[';
    for (size_t i = 0; i < count; i++) {
        many[1 + 2 * i] = '0';
        many[2 + 2 * i] = ',';
    }
    many[len - 1] = ']';
    parse_bad_n(many, len, VG_ERR_LIMIT, "line 1", "values in one document");
    free(many);

    /* err may be NULL */
    ret = vg_json_parse("[", 1, &v, NULL, 0);
    VT_CHECK(ret == VG_ERR_FORMAT && v == NULL, "NULL err buffer");
}

static void test_writer(void)
{
    vg_json_buf b;
    vg_json_buf_init(&b);
    const char raw[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9\xf0\x9f\x98\x80";
    size_t raw_len = sizeof raw - 1;
    VT_CHECK(vg_json_buf_append(&b, "{", 1) == VG_OK, "append");
    VT_CHECK(vg_json_escape(&b, "k\0ey", 4) == VG_OK, "escape key with NUL");
    VT_CHECK(vg_json_buf_printf(&b, ": [%d, ", 12) == VG_OK, "printf");
    VT_CHECK(vg_json_escape(&b, raw, raw_len) == VG_OK, "escape");
    VT_CHECK(vg_json_buf_append(&b, "]}", 2) == VG_OK, "append");
    VT_CHECK(!b.failed && b.len == strlen(b.data), "length");
    VT_CHECK(strstr(b.data, "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f \xc3\xa9") != NULL,
             "escaped form: %s", b.data);
    VT_CHECK(strstr(b.data, "\"k\\u0000ey\"") != NULL, "NUL escaped: %s", b.data);

    vg_json *v = parse_ok(b.data);
    size_t n = 0;
    const char *key = vg_json_key_at(v, 0, &n);
    VT_CHECK(key && n == 4 && !memcmp(key, "k\0ey", 4), "key round trip");
    const char *s = vg_json_string(vg_json_at(vg_json_at(v, 0), 1), &n);
    VT_CHECK(s && n == raw_len && !memcmp(s, raw, raw_len), "string round trip");
    vg_json_free(v);

    /* invalid UTF-8 is refused and nothing is appended */
    size_t before = b.len;
    VT_CHECK(vg_json_escape(&b, "a\xff", 2) == VG_ERR_INVALID, "invalid UTF-8 refused");
    VT_CHECK(vg_json_escape(&b, "\xed\xa0\x80", 3) == VG_ERR_INVALID, "surrogate refused");
    VT_CHECK(b.len == before && !b.failed, "nothing appended");
    vg_json_buf_fini(&b);
    VT_CHECK(b.data == NULL && b.len == 0, "fini clears");

    /* escaping into an empty buffer */
    vg_json_buf_init(&b);
    VT_CHECK(vg_json_escape(&b, "", 0) == VG_OK && !strcmp(b.data, "\"\""), "empty string");
    vg_json_buf_fini(&b);
}

int main(void)
{
    test_valid();
    test_integers();
    test_strings();
    test_duplicates();
    test_errors();
    test_limits();
    test_writer();
    return vt_result("test_json");
}
