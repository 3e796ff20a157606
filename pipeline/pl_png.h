/*
 * pl_png.h - PNG still images for vrgen: decode any PNG (from a file or from memory) into
 * 8- or 16-bit interleaved RGB, encode 8- or 16-bit RGB atomically, and convert to and
 * from the networks' float planar layout.
 *
 * Built on libpng only, with setjmp error handling, size limits checked before any pixel
 * memory is allocated, and CRC errors fatal: inputs are treated as hostile. Alpha is
 * dropped (the colour is kept as stored, not composited) and reported in had_alpha;
 * gamma, colour profiles and text chunks are ignored. Not an image library: no JPEG, no
 * colour management, no scaling (see the video path for that).
 * Every failure logs one line naming the file (or the caller's "what") and the problem.
 */
#ifndef PL_PNG_H
#define PL_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Default for max_side: the largest width and height accepted by the readers. */
#define PL_PNG_MAX_SIDE_DEFAULT 16384
/* Default zlib level of the writer: on 0.3-1.3 Mpixel photos, 2-4x faster than zlib's
 * default level 6 for files 2-9% larger. */
#define PL_PNG_LEVEL_DEFAULT 2

/* An RGB image in host memory. A zeroed struct is "empty"; pl_image_free releases it. */
typedef struct pl_image {
    int width, height; /* pixels, >= 1 once allocated */
    int bits;          /* bits per sample: 8 (uint8_t) or 16 (uint16_t, native endian) */
    int channels;      /* always 3: R, G, B interleaved */
    int had_alpha;     /* the decoded PNG had an alpha channel or tRNS (now dropped) */
    void *data;        /* row-major rows of width * 3 samples; owned, freed by pl_image_free */
    size_t stride;     /* bytes from one row to the next (width * 3 * bits / 8) */
} pl_image;

/*
 * Allocates an uninitialised width x height RGB image with bits 8 or 16 (anything else,
 * or a side < 1, is a programmer error and aborts). *img is overwritten, not freed first:
 * the caller owns img->data afterwards and releases it with pl_image_free.
 * VG_ERR_NOMEM (logged, with the size) when the memory is not there; *img is then zeroed.
 */
int pl_image_alloc(pl_image *img, int width, int height, int bits);

/* Frees img->data and zeroes *img. Accepts NULL and an already zeroed struct. */
void pl_image_free(pl_image *img);

/*
 * Decodes the PNG at path into *img (overwritten, not freed first; on success the caller
 * owns it and releases it with pl_image_free; on failure it is zeroed). Every colour type
 * and bit depth is accepted, interlaced or not: 1/2/4/8-bit and palette images give
 * bits 8, 16-bit images give bits 16; grey is replicated to RGB.
 * max_side bounds width and height (<= 0: PL_PNG_MAX_SIDE_DEFAULT), checked before the
 * pixels are allocated. Errors, each logged as one line starting with path:
 *   VG_ERR_NOT_FOUND  no such file
 *   VG_ERR_IO         a folder, unreadable, or a read error
 *   VG_ERR_FORMAT     empty, not a PNG ("not a PNG image (first bytes 3c 21 44 4f)"),
 *                     truncated or corrupt ("truncated or corrupt PNG (libpng: ...)")
 *   VG_ERR_LIMIT      "20000x20000 is larger than the 16384-pixel limit"
 *   VG_ERR_NOMEM
 */
int pl_png_read(const char *path, int max_side, pl_image *img);

/*
 * pl_png_read for a PNG held in memory (data, size bytes; read, not kept). what names
 * the input in messages ("style.png", "fuzz input"). Same results and ownership, except
 * that VG_ERR_NOT_FOUND and VG_ERR_IO do not occur. Safe on any bytes (fuzz target).
 */
int pl_png_read_mem(const void *data, size_t size, const char *what, int max_side, pl_image *img);

/* Options of pl_png_write_ex. A zeroed struct (or NULL) gives the defaults. */
typedef struct pl_png_write_opts {
    int level; /* zlib compression level 1 (fast) .. 9 (small); 0: PL_PNG_LEVEL_DEFAULT */
    int srgb;  /* 1: tag the image as sRGB (sRGB chunk plus gAMA and cHRM for old readers) */
} pl_png_write_opts;

/*
 * Encodes img (bits 8 or 16, channels 3; a malformed struct aborts) as an RGB PNG at path.
 * The file is written under a temporary name in the same folder and renamed into place
 * when complete (vg_outfile), so path never holds a partial file. img is read, not kept.
 * Errors (logged): VG_ERR_EXISTS when path exists and !overwrite, VG_ERR_IO (folder
 * missing, disk full, ...), VG_ERR_NOMEM. Nothing is left at path or in its folder on
 * failure.
 */
int pl_png_write(const char *path, const pl_image *img, int overwrite);
/* pl_png_write with options; opts NULL gives the defaults. level outside 0..9 aborts. */
int pl_png_write_ex(const char *path, const pl_image *img, int overwrite,
                    const pl_png_write_opts *opts);

/*
 * Converts img to 3 float planes, dst: (3, H, W) R then G then B, values in [-1, 1]:
 * x = v / vmax * 2 - 1 with vmax 255 or 65535. dst holds 3 * width * height floats,
 * owned by the caller.
 */
void pl_image_to_planar(const pl_image *img, float *dst);

/*
 * Fills the already allocated img (its width, height and bits say the shape) from 3 float
 * planes, src: (3, H, W), values in [-1, 1]: v = round(clamp((x + 1) / 2, 0, 1) * vmax),
 * rounding halves up; NaN gives 0. The inverse of pl_image_to_planar exactly for every
 * 8-bit and 16-bit value. src is read, not kept; had_alpha is cleared.
 */
void pl_image_from_planar(pl_image *img, const float *src);

#endif /* PL_PNG_H */
