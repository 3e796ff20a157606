/*
 * fuzz_image.c - fuzz target for style-image loading: pl_png_read_mem (libpng, from
 * memory) and pl_image_load_rgb (the path `vrgen train --style` and eval use: PNG through
 * libpng, anything else, e.g. JPEG, through FFmpeg's first decoded frame, then swscale to
 * RGB float).
 *
 * Input: an image file. It is handed to pl_image_load_rgb as style.png when it starts
 * with the PNG signature and as style.jpg otherwise (symbolic links in a private folder
 * under $TMPDIR to this process's memfd), with a 64-pixel short side. Pixels are bounded
 * by the input size: pl_png refuses an IHDR larger than its deflate data can fill, and
 * scripts/fuzz caps inputs at -max_len. Checks, besides the sanitizers: a decoded image
 * has a valid shape; the RGB result has the promised size and values in [-1, 1]; log
 * lines carry no control characters. Not a test of colour accuracy.
 */
#include "common/vg_error.h"
#include "pipeline/pl_frame_rgb.h"
#include "pipeline/pl_png.h"
#include "tests/fuzz/fuzz_util.h"

#include <libavutil/log.h>
#include <math.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_image: check failed: %s (line %d)\n", #cond, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define SIDE     64 /* short side of the RGB result */
#define MIN_SIDE 8

static char dir[256], png_path[300], jpg_path[300];

static void cleanup(void)
{
    unlink(png_path);
    unlink(jpg_path);
    rmdir(dir);
}

static void setup(const char *target)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/vrgen-fuzz-image-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz_image: mkdtemp");
        abort();
    }
    snprintf(png_path, sizeof(png_path), "%s/style.png", dir);
    snprintf(jpg_path, sizeof(jpg_path), "%s/style.jpg", dir);
    if (symlink(target, png_path) != 0 || symlink(target, jpg_path) != 0) {
        perror("fuzz_image: symlink");
        abort();
    }
    atexit(cleanup);
}

static void check_rgb(int w, int h, const float *rgb)
{
    CHECK(w >= 1 && h >= 1 && (w <= SIDE || h <= SIDE));
    for (size_t i = 0; i < (size_t)3 * w * h; i++) CHECK(rgb[i] >= -1.0f && rgb[i] <= 1.0f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const char *path = fuzz_memfd_path(data, size);
    if (!dir[0]) {
        fuzz_log_init(1);
        av_log_set_level(getenv("FUZZ_VERBOSE") ? AV_LOG_INFO : AV_LOG_QUIET);
        setup(path);
    }
    int is_png = size >= 8 && !memcmp(data, sig, 8);

    if (is_png) {
        pl_image img;
        int r = pl_png_read_mem(data, size, "fuzz.png", 0, &img);
        if (r == VG_OK) {
            CHECK(img.width >= 1 && img.height >= 1 && img.channels == 3);
            CHECK((img.bits == 8 || img.bits == 16) && img.data);
            CHECK(img.stride == (size_t)img.width * 3 * (img.bits / 8));
            if ((size_t)img.width * img.height <= (1u << 20)) {
                float *planar = malloc((size_t)3 * img.width * img.height * sizeof(float));
                CHECK(planar);
                pl_image_to_planar(&img, planar);
                for (size_t i = 0; i < (size_t)3 * img.width * img.height; i++)
                    CHECK(planar[i] >= -1.0f && planar[i] <= 1.0f);
                free(planar);
            }
        } else {
            CHECK(img.data == NULL && img.width == 0);
            CHECK(r == VG_ERR_FORMAT || r == VG_ERR_LIMIT || r == VG_ERR_NOMEM);
        }
        pl_image_free(&img);
    }

    int w = 0, h = 0;
    float *rgb = NULL;
    int r = pl_image_load_rgb(is_png ? png_path : jpg_path, SIDE, MIN_SIDE, &w, &h, &rgb);
    if (r == VG_OK) {
        CHECK(rgb);
        check_rgb(w, h, rgb);
    }
    free(rgb);
    return 0;
}
