/*
 * pl_png.c - PNG decode (file or memory) and atomic encode with libpng 1.6, plus the
 * RGB <-> float planar conversions.
 *
 * Reading: the signature and IHDR are inspected by hand first, so that a file that is not
 * a PNG is reported with its first bytes and a header beyond the size limit is refused
 * before libpng allocates anything; libpng then re-reads the IHDR from a replay buffer and
 * is also given the same limits (png_set_user_limits) as a second line of defence.
 * libpng errors longjmp back here through an error function that records the message.
 * All state a longjmp must see lives behind a pointer (struct png_io, struct decode), never
 * in a local modified after setjmp. Not a streaming decoder: the whole image is decoded
 * into one buffer.
 */
#include "pipeline/pl_png.h"

#include "common/vg_error.h"
#include "common/vg_file.h"
#include "common/vg_log.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define SIG_LEN  8
#define HEAD_LEN (SIG_LEN + 8 + 13 + 4) /* signature + IHDR (length, type, data, CRC) */
/* Largest ancillary chunk libpng may allocate (iCCP, text, ...); libpng's default too. */
#define CHUNK_MALLOC_MAX (8u << 20)
/* Most ancillary chunks kept (text, sPLT, unknown): bounds memory and time. */
#define CHUNK_CACHE_MAX 1000
/* Deflate cannot compress by more than 1032:1 (a 258-byte match in 2 bits), so a PNG
 * whose file is smaller than its filtered image data / this is truncated or hostile. */
#define DEFLATE_MAX_RATIO 1032u

static const unsigned char png_sig[SIG_LEN] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* ---------------------------------------------------------------- image helpers */

/* pl_image_alloc without the log line: what names the image for the caller's message.
 * Returns VG_OK or VG_ERR_NOMEM with *img zeroed. */
static int image_alloc(pl_image *img, int width, int height, int bits)
{
    VG_ASSERT(img && width >= 1 && height >= 1 && (bits == 8 || bits == 16));
    memset(img, 0, sizeof(*img));
    size_t stride = (size_t)width * 3 * (size_t)(bits / 8);
    if ((size_t)height > SIZE_MAX / stride) return VG_ERR_NOMEM;
    void *data = malloc(stride * (size_t)height);
    if (!data) return VG_ERR_NOMEM;
    img->width = width;
    img->height = height;
    img->bits = bits;
    img->channels = 3;
    img->data = data;
    img->stride = stride;
    return VG_OK;
}

/* The size in MiB of a width x height RGB image, for messages. */
static double image_mib(int width, int height, int bits)
{
    return (double)width * height * 3 * (bits / 8) / (1024.0 * 1024.0);
}

int pl_image_alloc(pl_image *img, int width, int height, int bits)
{
    int r = image_alloc(img, width, height, bits);
    if (r != VG_OK)
        vg_error("out of memory for a %dx%d %d-bit image (%.0f MiB)", width, height, bits,
                 image_mib(width, height, bits));
    return r;
}

void pl_image_free(pl_image *img)
{
    if (!img) return;
    free(img->data);
    memset(img, 0, sizeof(*img));
}

static void image_check(const pl_image *img)
{
    VG_ASSERT(img && img->data && img->width >= 1 && img->height >= 1);
    VG_ASSERT((img->bits == 8 || img->bits == 16) && img->channels == 3);
    VG_ASSERT(img->stride >= (size_t)img->width * 3 * (size_t)(img->bits / 8));
}

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---------------------------------------------------------------- input source */

/* Where libpng's bytes come from: the bytes inspected by hand (head), then the rest of a
 * FILE or of a memory buffer. Also the libpng error message, for the caller's report. */
struct png_io {
    const char *what; /* file name for messages */
    FILE *fp;         /* file input, or NULL */
    const unsigned char *mem;
    size_t mem_size, mem_pos;
    unsigned char head[HEAD_LEN];
    size_t head_len, head_pos; /* bytes in head; bytes of head already given out */
    FILE *out;                 /* output file of the encoder */
    uint64_t size, consumed;   /* input size (0: unknown); bytes given to libpng so far */
    size_t alloc_max;          /* largest allocation libpng may always make (reading) */
    size_t alloc_refused;      /* the size of an allocation refused for that, or 0 */
    int read_errno;            /* a read error on fp, 0 if none */
    int write_errno;           /* a write error on out, 0 if none */
    char msg[256];             /* libpng's error message */
};

static size_t io_get(struct png_io *io, unsigned char *dst, size_t n)
{
    size_t got = 0;
    if (io->head_pos < io->head_len) {
        size_t k = io->head_len - io->head_pos;
        if (k > n) k = n;
        memcpy(dst, io->head + io->head_pos, k);
        io->head_pos += k;
        got = k;
    }
    if (got < n) {
        if (io->fp) {
            got += fread(dst + got, 1, n - got, io->fp);
            if (got < n && ferror(io->fp)) io->read_errno = errno ? errno : EIO;
        } else {
            size_t k = io->mem_size - io->mem_pos;
            if (k > n - got) k = n - got;
            memcpy(dst + got, io->mem + io->mem_pos, k);
            io->mem_pos += k;
            got += k;
        }
    }
    return got;
}

static void on_png_read(png_structp png, png_bytep dst, size_t n)
{
    struct png_io *io = png_get_io_ptr(png);
    size_t got = io_get(io, dst, n);
    io->consumed += got;
    if (got < n) {
        if (io->read_errno) png_error(png, "read error");
        png_error(png, "unexpected end of file");
    }
}

static void on_png_write(png_structp png, png_bytep src, size_t n)
{
    struct png_io *io = png_get_io_ptr(png);
    if (fwrite(src, 1, n, io->out) != n) {
        io->write_errno = errno ? errno : EIO;
        png_error(png, "write failed");
    }
}

static void on_png_flush(png_structp png)
{
    /* vg_outfile_commit flushes and fsyncs; nothing to do per libpng flush point. */
}

/* libpng's allocator when reading. libpng 1.6.39 allocates (and zeroes) an ancillary
 * chunk's whole declared length, up to 2 GiB, before finding that the data is not there.
 * An allocation beyond alloc_max that is also larger than the rest of the input (when
 * its size is known) can only be for such a chunk: refusing it makes libpng fail on the
 * corrupt file at once instead of taking gigabytes of memory for a 100-byte input. */
static png_voidp on_png_malloc(png_structp png, png_alloc_size_t size)
{
    struct png_io *io = png_get_mem_ptr(png);
    uint64_t rest = io->size > io->consumed ? io->size - io->consumed : 0;
    if (size > io->alloc_max && (io->size == 0 || size > rest + 64)) {
        io->alloc_refused = size;
        return NULL;
    }
    return malloc(size);
}

static void on_png_free(png_structp png, png_voidp p)
{
    free(p);
}

static void on_png_error(png_structp png, png_const_charp msg)
{
    struct png_io *io = png_get_error_ptr(png);
    snprintf(io->msg, sizeof(io->msg), "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
    struct png_io *io = png_get_error_ptr(png);
    vg_debug("%s: libpng warning: %s", io->what, msg);
}

/* ---------------------------------------------------------------- reading */

/* Names a few formats often mistaken for PNG, from their first bytes, or returns "". */
static const char *format_hint(const unsigned char *p, size_t n)
{
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) return ": it looks like a JPEG";
    if (n >= 4 && memcmp(p, "GIF8", 4) == 0) return ": it looks like a GIF";
    if (n >= 14 && memcmp(p, "BM", 2) == 0) return ": it looks like a BMP";
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return ": it looks like a WebP";
    return "";
}

/*
 * Checks the signature and, when the first chunk is a well-formed IHDR, the size against
 * max_side and against the input size. input_size is the whole input's size in bytes, or
 * 0 when unknown (a pipe). io->head holds the first head_len bytes. Logs and returns an
 * error, or VG_OK.
 */
static int check_head(const struct png_io *io, uint64_t input_size, int max_side)
{
    const unsigned char *h = io->head;
    size_t n = io->head_len;
    if (n == 0) {
        vg_error("%s: empty file (0 bytes), not a PNG image", io->what);
        return VG_ERR_FORMAT;
    }
    size_t cmp = n < SIG_LEN ? n : SIG_LEN;
    if (memcmp(h, png_sig, cmp) != 0) {
        char hex[3 * 4 + 1] = "";
        size_t shown = n < 4 ? n : 4, len = 0;
        for (size_t i = 0; i < shown; i++)
            len += (size_t)snprintf(hex + len, sizeof(hex) - len, "%s%02x", i ? " " : "", h[i]);
        vg_error("%s: not a PNG image (first bytes %s%s)", io->what, hex, format_hint(h, n));
        return VG_ERR_FORMAT;
    }
    if (n < SIG_LEN) {
        vg_error("%s: truncated PNG (the file ends after %zu bytes)", io->what, n);
        return VG_ERR_FORMAT;
    }
    if (n < HEAD_LEN || be32(h + 8) != 13 || memcmp(h + 12, "IHDR", 4) != 0)
        return VG_OK; /* libpng reports the exact problem */
    uint32_t w = be32(h + 16), ht = be32(h + 20);
    if (w == 0 || ht == 0 || w > PNG_UINT_31_MAX || ht > PNG_UINT_31_MAX) return VG_OK;
    if (w > (uint32_t)max_side || ht > (uint32_t)max_side) {
        vg_error("%s: %ux%u is larger than the %d-pixel limit", io->what, w, ht, max_side);
        return VG_ERR_LIMIT;
    }
    if (input_size) {
        /* Filtered image data: samples of the IHDR's colour type and depth (1 when they are
         * not a valid pair: libpng rejects it later) plus a filter byte per row. */
        static const int channels_of[7] = {1, 1, 3, 1, 2, 1, 4};
        unsigned depth = h[24], ctype = h[25];
        int depth_ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
        uint64_t bits_px = (uint64_t)(ctype < 7 ? channels_of[ctype] : 1) * (depth_ok ? depth : 1);
        uint64_t raw = (uint64_t)ht * (((uint64_t)w * bits_px + 7) / 8 + 1);
        if (raw / DEFLATE_MAX_RATIO > input_size) {
            vg_error("%s: truncated or corrupt PNG (%llu bytes cannot hold a %ux%u image)",
                     io->what, (unsigned long long)input_size, w, ht);
            return VG_ERR_FORMAT;
        }
    }
    return VG_OK;
}

/* The decoder's state, reachable after a longjmp through the pointer. */
struct decode {
    struct png_io *io;
    int max_side;
    png_structp png;
    png_infop info;
    pl_image *img;
    png_bytep *rows;
    int nomem; /* the image allocation failed (already logged) */
};

/* Runs libpng; returns 0 on success, 1 after a libpng error (message in io->msg). */
static int decode_run(struct decode *d)
{
    if (setjmp(png_jmpbuf(d->png))) return 1;
    png_structp png = d->png;
    png_infop info = d->info;

    png_set_user_limits(png, (png_uint_32)d->max_side, (png_uint_32)d->max_side);
    png_set_chunk_malloc_max(png, CHUNK_MALLOC_MAX);
    png_set_chunk_cache_max(png, CHUNK_CACHE_MAX);
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    png_set_read_fn(png, d->io, on_png_read);
    png_set_sig_bytes(png, SIG_LEN);
    png_read_info(png, info);

    png_uint_32 w, h;
    int depth, ctype, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;

    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png); /* also expands tRNS */
    if ((ctype & PNG_COLOR_MASK_COLOR) == 0) {
        if (depth < 8) png_set_expand_gray_1_2_4_to_8(png); /* tRNS stays unexpanded */
        png_set_gray_to_rgb(png);
    }
    png_set_strip_alpha(png);
    if (depth == 16 && host_is_little_endian()) png_set_swap(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int bits = depth == 16 ? 16 : 8;
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != bits)
        png_error(png, "unexpected layout after conversion to RGB"); /* a bug, not input */
    if (image_alloc(d->img, (int)w, (int)h, bits) != VG_OK) {
        vg_error("%s: out of memory for its %ux%u pixels (%.0f MiB)", d->io->what, w, h,
                 image_mib((int)w, (int)h, bits));
        d->nomem = 1;
        png_error(png, "out of memory");
    }
    d->img->had_alpha = (ctype & PNG_COLOR_MASK_ALPHA) != 0 || has_trns;
    if (png_get_rowbytes(png, info) != d->img->stride)
        png_error(png, "unexpected row size after conversion to RGB");
    d->rows = malloc(sizeof(*d->rows) * h);
    if (!d->rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++)
        d->rows[y] = (png_bytep)d->img->data + (size_t)y * d->img->stride;
    png_read_image(png, d->rows);
    png_read_end(png, NULL); /* checks the remaining chunks' CRCs and the IEND */
    return 0;
}

/* Decodes from io (signature and head already read into io->head). */
static int decode(struct png_io *io, uint64_t input_size, int max_side, pl_image *img)
{
    int r = check_head(io, input_size, max_side);
    if (r != VG_OK) return r;
    io->head_pos = SIG_LEN; /* libpng is told the signature was checked */

    /* Enough for libpng's row buffers (up to 8 bytes a pixel, twice) and chunk buffers;
     * the image itself is allocated here, not by libpng. */
    io->alloc_max = CHUNK_MALLOC_MAX + (size_t)max_side * 16 + (1u << 16);
    io->size = input_size;
    io->consumed = SIG_LEN;
    struct decode d = {.io = io, .max_side = max_side, .img = img};
    d.png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, io, on_png_error, on_png_warning, io,
                                     on_png_malloc, on_png_free);
    if (d.png) d.info = png_create_info_struct(d.png);
    if (!d.png || !d.info) {
        vg_error("%s: out of memory starting the PNG decoder", io->what);
        png_destroy_read_struct(&d.png, NULL, NULL);
        return VG_ERR_NOMEM;
    }
    if (decode_run(&d) != 0) {
        if (!d.nomem && io->alloc_refused) {
            vg_error("%s: truncated or corrupt PNG (libpng: %s; a chunk claims %zu MiB)", io->what,
                     io->msg, io->alloc_refused >> 20);
            r = VG_ERR_FORMAT;
        } else if (d.nomem || strcasestr(io->msg, "out of memory")) {
            if (!d.nomem) vg_error("%s: out of memory decoding the PNG", io->what);
            r = VG_ERR_NOMEM;
        } else if (io->read_errno) {
            vg_error("%s: read failed: %s", io->what, strerror(io->read_errno));
            r = VG_ERR_IO;
        } else {
            vg_error("%s: truncated or corrupt PNG (libpng: %s)", io->what, io->msg);
            r = VG_ERR_FORMAT;
        }
        pl_image_free(img);
    }
    free(d.rows);
    png_destroy_read_struct(&d.png, &d.info, NULL);
    return r;
}

static int side_limit(int max_side)
{
    return max_side > 0 ? max_side : PL_PNG_MAX_SIDE_DEFAULT;
}

int pl_png_read(const char *path, int max_side, pl_image *img)
{
    VG_ASSERT(path && img);
    memset(img, 0, sizeof(*img));
    struct png_io io = {.what = path};
    int r;
    io.fp = fopen(path, "rb");
    if (!io.fp) {
        if (errno == ENOENT || errno == ENOTDIR) {
            vg_error("%s: no such file", path);
            return VG_ERR_NOT_FOUND;
        }
        vg_error("%s: cannot open: %s", path, strerror(errno));
        return errno == ENOMEM ? VG_ERR_NOMEM : VG_ERR_IO;
    }
    struct stat st;
    if (fstat(fileno(io.fp), &st) != 0) {
        vg_error("%s: cannot read: %s", path, strerror(errno));
        r = VG_ERR_IO;
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        vg_error("%s: is a folder, not an image", path);
        r = VG_ERR_IO;
        goto done;
    }
    io.head_len = fread(io.head, 1, HEAD_LEN, io.fp);
    if (io.head_len < HEAD_LEN && ferror(io.fp)) {
        vg_error("%s: read failed: %s", path, strerror(errno ? errno : EIO));
        r = VG_ERR_IO;
        goto done;
    }
    r = decode(&io, S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, side_limit(max_side), img);
done:
    fclose(io.fp);
    return r;
}

int pl_png_read_mem(const void *data, size_t size, const char *what, int max_side, pl_image *img)
{
    VG_ASSERT((data || size == 0) && what && img);
    memset(img, 0, sizeof(*img));
    struct png_io io = {.what = what, .mem = data, .mem_size = size};
    io.head_len = io_get(&io, io.head, HEAD_LEN);
    io.head_pos = 0;
    return decode(&io, (uint64_t)size, side_limit(max_side), img);
}

/* ---------------------------------------------------------------- writing */

struct encode {
    struct png_io *io; /* what, out, write_errno and msg are used */
    png_structp png;
    png_infop info;
    const pl_image *img;
    int level, srgb;
};

static int encode_run(struct encode *e)
{
    if (setjmp(png_jmpbuf(e->png))) return 1;
    png_structp png = e->png;
    const pl_image *img = e->img;
    png_set_write_fn(png, e->io, on_png_write, on_png_flush);
    png_set_compression_level(png, e->level);
    /* Sub and Paeth alone: most of the adaptive filter's gain at half its cost. */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB | PNG_FILTER_PAETH);
    png_set_IHDR(png, e->info, (png_uint_32)img->width, (png_uint_32)img->height, img->bits,
                 PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE,
                 PNG_FILTER_TYPE_BASE);
    if (e->srgb) png_set_sRGB_gAMA_and_cHRM(png, e->info, PNG_sRGB_INTENT_PERCEPTUAL);
    png_write_info(png, e->info);
    if (img->bits == 16 && host_is_little_endian()) png_set_swap(png);
    /* libpng copies each row before transforming it, so the caller's rows stay as they are. */
    for (int y = 0; y < img->height; y++)
        png_write_row(png, (png_const_bytep)img->data + (size_t)y * img->stride);
    png_write_end(png, e->info);
    return 0;
}

int pl_png_write_ex(const char *path, const pl_image *img, int overwrite,
                    const pl_png_write_opts *opts)
{
    VG_ASSERT(path);
    image_check(img);
    pl_png_write_opts o = opts ? *opts : (pl_png_write_opts){0};
    VG_ASSERT(o.level >= 0 && o.level <= 9);

    vg_outfile f;
    int r = vg_outfile_open(&f, path, overwrite);
    if (r != VG_OK) return r;

    struct png_io io = {.what = path, .out = f.fp};
    struct encode e = {.io = &io, .img = img, .srgb = o.srgb};
    e.level = o.level ? o.level : PL_PNG_LEVEL_DEFAULT;
    e.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &io, on_png_error, on_png_warning);
    if (e.png) e.info = png_create_info_struct(e.png);
    if (!e.png || !e.info) {
        vg_error("%s: out of memory starting the PNG encoder", path);
        r = VG_ERR_NOMEM;
    } else if (encode_run(&e) != 0) {
        if (strcasestr(io.msg, "out of memory")) {
            vg_error("%s: out of memory encoding the PNG", path);
            r = VG_ERR_NOMEM;
        } else if (io.write_errno) {
            vg_error("%s: write failed: %s", path, strerror(io.write_errno));
            r = VG_ERR_IO;
        } else {
            vg_error("%s: cannot encode the PNG (libpng: %s)", path, io.msg);
            r = VG_ERR_INTERNAL;
        }
    }
    png_destroy_write_struct(&e.png, &e.info);
    if (r == VG_OK)
        r = vg_outfile_commit(&f); /* logs its own failure */
    else
        vg_outfile_abort(&f);
    return r;
}

int pl_png_write(const char *path, const pl_image *img, int overwrite)
{
    return pl_png_write_ex(path, img, overwrite, NULL);
}

/* ---------------------------------------------------------------- planar conversions */

void pl_image_to_planar(const pl_image *img, float *dst)
{
    image_check(img);
    VG_ASSERT(dst);
    size_t w = (size_t)img->width, h = (size_t)img->height, plane = w * h;
    float *r = dst, *g = dst + plane, *b = dst + 2 * plane;
    const float scale = 2.0f / (img->bits == 8 ? 255.0f : 65535.0f);
    for (size_t y = 0; y < h; y++) {
        const unsigned char *row = (const unsigned char *)img->data + y * img->stride;
        size_t o = y * w;
        if (img->bits == 8) {
            const uint8_t *p = row;
            for (size_t x = 0; x < w; x++, p += 3) {
                r[o + x] = (float)p[0] * scale - 1.0f;
                g[o + x] = (float)p[1] * scale - 1.0f;
                b[o + x] = (float)p[2] * scale - 1.0f;
            }
        } else {
            const uint16_t *p = (const uint16_t *)(const void *)row;
            for (size_t x = 0; x < w; x++, p += 3) {
                r[o + x] = (float)p[0] * scale - 1.0f;
                g[o + x] = (float)p[1] * scale - 1.0f;
                b[o + x] = (float)p[2] * scale - 1.0f;
            }
        }
    }
}

/* round(clamp((x + 1) / 2, 0, 1) * vmax), halves up, NaN -> 0. */
static inline uint32_t quantize(float x, float vmax)
{
    float t = (x + 1.0f) * 0.5f;
    if (!(t > 0.0f)) return 0; /* also NaN */
    if (t >= 1.0f) return (uint32_t)vmax;
    return (uint32_t)(t * vmax + 0.5f);
}

void pl_image_from_planar(pl_image *img, const float *src)
{
    image_check(img);
    VG_ASSERT(src);
    size_t w = (size_t)img->width, h = (size_t)img->height, plane = w * h;
    const float *r = src, *g = src + plane, *b = src + 2 * plane;
    img->had_alpha = 0;
    for (size_t y = 0; y < h; y++) {
        unsigned char *row = (unsigned char *)img->data + y * img->stride;
        size_t o = y * w;
        if (img->bits == 8) {
            uint8_t *p = row;
            for (size_t x = 0; x < w; x++, p += 3) {
                p[0] = (uint8_t)quantize(r[o + x], 255.0f);
                p[1] = (uint8_t)quantize(g[o + x], 255.0f);
                p[2] = (uint8_t)quantize(b[o + x], 255.0f);
            }
        } else {
            uint16_t *p = (uint16_t *)(void *)row;
            for (size_t x = 0; x < w; x++, p += 3) {
                p[0] = (uint16_t)quantize(r[o + x], 65535.0f);
                p[1] = (uint16_t)quantize(g[o + x], 65535.0f);
                p[2] = (uint16_t)quantize(b[o + x], 65535.0f);
            }
        }
    }
}
