/*
 * gen_safetensors.h - the safetensors file format: vrgen's model and test fixture files.
 *
 * Layout (https://github.com/huggingface/safetensors): 8-byte little-endian header length
 * N, N bytes of JSON header
 *   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 *    "__metadata__": {"key": "value", ...}}
 * (padded with spaces), then the data buffer; offsets are relative to the buffer start.
 *
 * The reader treats every file as hostile and validates all of it before handing out a
 * tensor: bounded header, strict JSON, no duplicate names, exact field sets, known dtypes,
 * rank <= GEN_ST_MAX_DIM, shape x dtype size == byte length (overflow-checked), and the
 * tensors' byte ranges sorted by begin must tile the data buffer exactly (no overlap, no
 * gap, nothing out of bounds, nothing left over). Each failure logs one vg_error line
 * naming the file and the problem and returns VG_ERR_FORMAT (VG_ERR_LIMIT for a header or
 * file over the size bounds).
 *
 * The writer stores F32 tensors (the only type vrgen's models hold) plus string metadata,
 * atomically (vg_outfile: nothing appears at the final path unless the whole file was
 * written). Not a general tensor library: no dtype conversion, no memory mapping.
 */
#ifndef GEN_SAFETENSORS_H
#define GEN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define GEN_ST_MAX_DIM    8
#define GEN_ST_MAX_HEADER ((uint64_t)100000000) /* bytes; the reference implementation's bound */
#define GEN_ST_MAX_FILE   ((size_t)2 << 30)     /* bytes read by gen_st_load */

/* Element types of the format. Reading accepts them all; the writer and
 * gen_st_read_f32 handle GEN_ST_F32 only. */
typedef enum gen_st_dtype {
    GEN_ST_BOOL = 0,
    GEN_ST_U8,
    GEN_ST_I8,
    GEN_ST_F8_E5M2,
    GEN_ST_F8_E4M3,
    GEN_ST_I16,
    GEN_ST_U16,
    GEN_ST_F16,
    GEN_ST_BF16,
    GEN_ST_I32,
    GEN_ST_U32,
    GEN_ST_F32,
    GEN_ST_F64,
    GEN_ST_I64,
    GEN_ST_U64,
    GEN_ST_DTYPE_COUNT
} gen_st_dtype;

/* "F32" etc.; "?" for an out-of-range value. */
const char *gen_st_dtype_name(gen_st_dtype t);
/* Bytes per element; 0 for an out-of-range value. */
size_t gen_st_dtype_size(gen_st_dtype t);

/* One tensor of a parsed file. All pointers stay valid until gen_st_destroy. */
typedef struct gen_st_tensor {
    const char *name; /* NUL-terminated UTF-8 */
    gen_st_dtype dtype;
    int ndim;                      /* 0 (a scalar) .. GEN_ST_MAX_DIM */
    int64_t shape[GEN_ST_MAX_DIM]; /* shape[ndim..] are 0 */
    size_t nelem;                  /* product of shape (1 for a scalar) */
    size_t nbytes;                 /* nelem * dtype size */
    const unsigned char *data;     /* little-endian, no alignment guarantee: memcpy it */
} gen_st_tensor;

typedef struct gen_st_file gen_st_file;

/*
 * Parses and validates a safetensors image data[0..size). `what` names the input in error
 * messages (usually the file name); it is copied. On success *out refers to data without
 * copying it: the caller keeps data alive and unchanged until gen_st_destroy(out).
 * Returns VG_OK, VG_ERR_FORMAT, VG_ERR_LIMIT or VG_ERR_NOMEM (having logged why); *out is
 * NULL on failure.
 */
int gen_st_parse(const unsigned char *data, size_t size, const char *what, gen_st_file **out);

/*
 * Reads the file at path (at most GEN_ST_MAX_FILE bytes) and parses it as gen_st_parse
 * does, naming the file by path in messages. *out owns the bytes. Returns VG_OK or the
 * read error (VG_ERR_NOT_FOUND, VG_ERR_IO, VG_ERR_LIMIT, ...) or a parse error; logged.
 */
int gen_st_load(const char *path, gen_st_file **out);

/* Frees the file (and the bytes when it owns them). NULL-safe; sets *f = NULL. */
void gen_st_destroy(gen_st_file **f);

/* The name given to gen_st_parse / the path given to gen_st_load. */
const char *gen_st_what(const gen_st_file *f);

/* Tensors in header order. gen_st_at returns NULL when i >= count. */
size_t gen_st_count(const gen_st_file *f);
const gen_st_tensor *gen_st_at(const gen_st_file *f, size_t i);
/* The tensor called name, or NULL (not logged). */
const gen_st_tensor *gen_st_find(const gen_st_file *f, const char *name);

/* "__metadata__" entries in header order; gen_st_meta returns the value for key or NULL.
 * gen_st_meta_at returns 1 and sets *key and *value, or 0 when i >= count. */
const char *gen_st_meta(const gen_st_file *f, const char *key);
size_t gen_st_meta_count(const gen_st_file *f);
int gen_st_meta_at(const gen_st_file *f, size_t i, const char **key, const char **value);

/*
 * Copies tensor `name` into dst (caller-owned, room for the product of shape floats) after
 * checking that it exists, is F32 and has exactly the expected shape. Returns VG_OK,
 * VG_ERR_NOT_FOUND ("model.safetensors: tensor enc0.conv.weight is missing") or
 * VG_ERR_FORMAT ("... has shape [16,3,9,9], expected [16,3,3,3]", "... has dtype F16,
 * expected F32"), logged; dst is untouched on failure.
 */
int gen_st_read_f32(const gen_st_file *f, const char *name, int ndim, const int64_t *shape,
                    float *dst);

typedef struct gen_st_writer gen_st_writer;

/* Returns an empty writer, or NULL when out of memory (logged). */
gen_st_writer *gen_st_writer_create(void);
/* Frees the writer and its copies. NULL-safe; sets *w = NULL. */
void gen_st_writer_destroy(gen_st_writer **w);

/*
 * Appends an F32 tensor (stored in insertion order, contiguously). Copies name, shape and
 * data (product of shape floats, not kept). Returns VG_OK, VG_ERR_NOMEM, or VG_ERR_INVALID
 * (logged) for a name that is empty, not UTF-8, "__metadata__" or already added, ndim
 * outside 0..GEN_ST_MAX_DIM or a negative dimension.
 */
int gen_st_writer_add_f32(gen_st_writer *w, const char *name, int ndim, const int64_t *shape,
                          const float *data);

/* Adds a "__metadata__" entry (both strings copied). Returns VG_OK, VG_ERR_NOMEM, or
 * VG_ERR_INVALID (logged) for a key already added or a string that is not UTF-8. */
int gen_st_writer_meta(gen_st_writer *w, const char *key, const char *value);

/*
 * Builds the whole file image in memory: *data is malloc'ed (caller frees with free()),
 * *size its length. Returns VG_OK or VG_ERR_NOMEM (logged).
 */
int gen_st_writer_serialize(const gen_st_writer *w, unsigned char **data, size_t *size);

/*
 * Writes the file atomically (vg_outfile): header padded with spaces to a multiple of 8
 * bytes, then the tensors. overwrite == 0 refuses an existing path with VG_ERR_EXISTS.
 * Returns VG_OK or the error (logged); on failure nothing is left at path. The writer stays
 * usable.
 */
int gen_st_writer_save(gen_st_writer *w, const char *path, int overwrite);

#endif /* GEN_SAFETENSORS_H */
