/*
 * vg_json.h - a small strict JSON parser (RFC 8259) for untrusted input, and a string
 * builder for writing JSON.
 *
 * The parser reads a whole document into a read-only tree: objects keep their members in
 * document order, duplicate keys are kept (RFC 8259 allows them) and found with
 * vg_json_find_duplicate_key(). It rejects everything RFC 8259 does not allow: invalid
 * UTF-8, unescaped control characters, lone surrogates, leading zeros, trailing commas,
 * trailing garbage after the value, NaN/Infinity, comments, a byte order mark. Numbers keep
 * their double value; a number written as an integer (no fraction, no exponent) that fits
 * int64 also keeps its exact integer value, parsed digit by digit. Limits bound the work an
 * untrusted document can cause: nesting depth, input size and node count.
 *
 * It is not a streaming parser and not a general writer: building output is string
 * appending plus vg_json_escape().
 */
#ifndef VG_JSON_H
#define VG_JSON_H

#include <stddef.h>
#include <stdint.h>

#define VG_JSON_MAX_DEPTH 64                  /* arrays + objects nested */
#define VG_JSON_MAX_BYTES ((size_t)256 << 20) /* input text */
#define VG_JSON_MAX_NODES ((size_t)1 << 22)   /* values in one document */

typedef enum vg_json_type {
    VG_JSON_NULL = 0,
    VG_JSON_BOOL = 1,
    VG_JSON_NUMBER = 2,
    VG_JSON_STRING = 3,
    VG_JSON_ARRAY = 4,
    VG_JSON_OBJECT = 5
} vg_json_type;

typedef struct vg_json vg_json;

/*
 * Parses text[0..len) (not NUL-terminated; NUL bytes are errors) into a tree.
 * On success returns VG_OK and *out is a tree owned by the caller (free with vg_json_free);
 * nothing points into text afterwards. On failure returns VG_ERR_FORMAT (not valid JSON),
 * VG_ERR_LIMIT (deeper than VG_JSON_MAX_DEPTH, longer than VG_JSON_MAX_BYTES or more than
 * VG_JSON_MAX_NODES values) or VG_ERR_NOMEM, sets *out = NULL and, when err is not NULL,
 * writes a message such as "line 1 col 17: expected ',' or '}' after an object member"
 * (lines and columns 1-based, columns count bytes). Logs nothing.
 */
int vg_json_parse(const char *text, size_t len, vg_json **out, char *err, size_t errlen);

/* Frees a tree from vg_json_parse. NULL is ignored. */
void vg_json_free(vg_json *v);

/* Accessors. All accept NULL (returning the "not that type" answer) so lookups chain:
 * vg_json_get(vg_json_get(root, "a"), "b"). Returned pointers live as long as the tree. */
vg_json_type vg_json_type_of(const vg_json *v); /* VG_JSON_NULL for a NULL pointer */
int vg_json_is_null(const vg_json *v);          /* a JSON null (not a NULL pointer) */
int vg_json_is_bool(const vg_json *v);
int vg_json_is_number(const vg_json *v);
int vg_json_is_string(const vg_json *v);
int vg_json_is_array(const vg_json *v);
int vg_json_is_object(const vg_json *v);

/* true/false for a bool, 0 otherwise. */
int vg_json_bool(const vg_json *v);
/* The number's value (nearest double), 0 for a non-number. */
double vg_json_number(const vg_json *v);
/* Returns 1 and sets *out when v is a number written as an integer that fits int64
 * ("12", "-0"; not "12.0" or "1e3"); returns 0 otherwise. */
int vg_json_int64(const vg_json *v, int64_t *out);
/* A string's UTF-8 bytes, NUL-terminated; *len (if not NULL) gets the length, which
 * counts bytes and may be larger than strlen() when the string contains "\u0000".
 * NULL for a non-string. */
const char *vg_json_string(const vg_json *v, size_t *len);

/* Number of array elements or object members; 0 for anything else. */
size_t vg_json_count(const vg_json *v);
/* Element i of an array, or the value of member i of an object; NULL when out of range. */
const vg_json *vg_json_at(const vg_json *v, size_t i);
/* Key of member i of an object (NUL-terminated, *len as for vg_json_string); NULL when v is
 * not an object or i is out of range. */
const char *vg_json_key_at(const vg_json *v, size_t i, size_t *len);
/* The value of the first member called key (compared bytewise; a key containing "\u0000"
 * never matches), or NULL. Linear in the member count. */
const vg_json *vg_json_get(const vg_json *obj, const char *key);
/* Returns the index of a member whose key also appears earlier in the object (the later
 * occurrence of the smallest duplicated key), or -1 when all keys are distinct or obj is not
 * an object. Not recursive. O(n log n). */
long vg_json_find_duplicate_key(const vg_json *obj);

/*
 * A growing string buffer for building JSON text. Caller-owned struct: zero it or call
 * vg_json_buf_init, append, take data (NUL-terminated, len bytes, owned by the buffer),
 * and vg_json_buf_fini to free. After a failed append (VG_ERR_NOMEM) the buffer keeps its
 * previous content and every later append fails too, so callers may check once at the end
 * through `failed`.
 */
typedef struct vg_json_buf {
    char *data; /* NUL-terminated once anything was appended; NULL before */
    size_t len;
    size_t cap;
    int failed; /* an append failed */
} vg_json_buf;

void vg_json_buf_init(vg_json_buf *b);
void vg_json_buf_fini(vg_json_buf *b);
/* Appends n raw bytes. Returns VG_OK or VG_ERR_NOMEM. */
int vg_json_buf_append(vg_json_buf *b, const char *s, size_t n);
/* Appends printf-formatted raw text. Returns VG_OK or VG_ERR_NOMEM. */
int vg_json_buf_printf(vg_json_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Appends s[0..n) as a JSON string literal with its quotes: '"' and '\' escaped, control
 * characters as \n, \t, ... or \u00XX, everything else copied (output stays UTF-8).
 * Returns VG_OK, VG_ERR_INVALID when s is not valid UTF-8 (nothing appended; the buffer is
 * not marked failed), or VG_ERR_NOMEM.
 */
int vg_json_escape(vg_json_buf *b, const char *s, size_t n);

#endif /* VG_JSON_H */
