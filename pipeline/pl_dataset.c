/*
 * pl_dataset.c - loads content frames and style images into memory (RGB planar float in
 * [-1, 1], downscaled to a bounded size) and cuts random training crops from them. PNG
 * goes through libpng; other images and videos through FFmpeg (pl_input) and swscale.
 */
#include "pipeline/pl_dataset.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libavutil/frame.h>
#include <libavutil/sha.h>

#include "common/vg_error.h"
#include "common/vg_file.h"
#include "common/vg_log.h"
#include "pipeline/pl_input.h"
#include "pipeline/pl_frame_rgb.h"
#include "pipeline/pl_png.h"

#define MIN_SIDE 32

typedef struct picture {
    int w, h;
    float *rgb;  /* 3 planes of w * h, [-1, 1] */
    float *next; /* the following frame (videos), or NULL */
} picture;

typedef struct style_src {
    char *name;
    char sha256[65];
} style_src;

struct pl_dataset {
    pl_dataset_opts o;
    picture *content, *style;
    int ncontent, nstyle, capcontent;
    style_src *style_info;
};

static void picture_free(picture *p)
{
    free(p->rgb);
    free(p->next);
    p->rgb = p->next = NULL;
}

void pl_dataset_close(pl_dataset **pd)
{
    if (!pd || !*pd) return;
    pl_dataset *d = *pd;
    for (int i = 0; i < d->ncontent; i++) picture_free(&d->content[i]);
    for (int i = 0; i < d->nstyle; i++) {
        picture_free(&d->style[i]);
        free(d->style_info[i].name);
    }
    free(d->content);
    free(d->style);
    free(d->style_info);
    free(d);
    *pd = NULL;
}

static int is_image_name(const char *path)
{
    static const char *const ext[] = {".png", ".jpg",  ".jpeg", ".webp", ".bmp",
                                      ".tif", ".tiff", ".gif",  NULL};
    size_t n = strlen(path);
    for (int i = 0; ext[i]; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && strcasecmp(path + n - e, ext[i]) == 0) return 1;
    }
    return 0;
}

static int load_image(const char *path, int side, picture *p)
{
    return pl_image_load_rgb(path, side, MIN_SIDE, &p->w, &p->h, &p->rgb);
}

static int push_content(pl_dataset *d, picture p)
{
    if (d->ncontent == d->capcontent) {
        int cap = d->capcontent ? 2 * d->capcontent : 64;
        picture *n = realloc(d->content, (size_t)cap * sizeof(*n));
        if (!n) return VG_ERR_NOMEM;
        d->content = n;
        d->capcontent = cap;
    }
    d->content[d->ncontent++] = p;
    return VG_OK;
}

/* Frame pairs (t, t+1) at evenly spaced times of a video. */
static int load_video(pl_dataset *d, const char *path)
{
    pl_input_opts io = {.path = path, .start = -1, .duration = -1, .max_frames = -1};
    pl_input *in = NULL;
    int ret = pl_input_open(&io, &in);
    if (ret < 0) return ret;
    double duration = pl_input_video(in)->duration;
    AVRational fr = pl_input_video(in)->frame_rate;
    pl_input_close(&in);
    /* leave room for the pair at the last position */
    double frame = fr.num > 0 && fr.den > 0 ? (double)fr.den / fr.num : 0.1;
    duration -= 3 * frame;
    int n = d->o.frames_per_video;
    int got = 0;
    for (int k = 0; k < n; k++) {
        io.start = duration > 0 ? duration * k / n : -1;
        io.max_frames = 2;
        if (duration <= 0 && k > 0) break; /* unknown or tiny length: the first pair only */
        if ((ret = pl_input_open(&io, &in)) < 0) return ret;
        AVFrame *f[2] = {NULL, NULL};
        AVPacket *pk = NULL;
        int nf = 0;
        while (nf < 2 && (ret = pl_input_read(in, &f[nf], &pk)) == VG_OK) {
            av_packet_free(&pk);
            if (f[nf]) nf++;
        }
        picture p = {0};
        if (nf >= 1 && f[0]->width >= MIN_SIDE && f[0]->height >= MIN_SIDE) {
            pl_fit_side(f[0]->width, f[0]->height, d->o.max_side, &p.w, &p.h);
            ret = pl_frame_to_rgb(f[0], p.w, p.h, &p.rgb);
            if (ret == VG_OK && nf == 2) ret = pl_frame_to_rgb(f[1], p.w, p.h, &p.next);
            if (ret == VG_OK) ret = push_content(d, p);
            if (ret == VG_OK)
                got++;
            else
                picture_free(&p);
        } else if (ret >= 0 || ret == VG_EOF) {
            ret = VG_OK;
        }
        av_frame_free(&f[0]);
        av_frame_free(&f[1]);
        pl_input_close(&in);
        if (ret < 0) return ret;
    }
    if (got == 0) {
        vg_error("%s: no video frames could be decoded (empty video, or smaller than %dx%d)", path,
                 MIN_SIDE, MIN_SIDE);
        return VG_ERR_FORMAT;
    }
    return VG_OK;
}

static int load_content_path(pl_dataset *d, const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        vg_error("%s: no such file or folder", path);
        return VG_ERR_NOT_FOUND;
    }
    if (S_ISDIR(st.st_mode)) {
        if (depth > 2) return VG_OK;
        struct dirent **list = NULL;
        int n = scandir(path, &list, NULL, alphasort);
        if (n < 0) {
            vg_error("%s: cannot read the folder", path);
            return VG_ERR_IO;
        }
        int ret = VG_OK, before = d->ncontent;
        for (int i = 0; i < n; i++) {
            if (ret == VG_OK && list[i]->d_name[0] != '.') {
                char sub[4096];
                snprintf(sub, sizeof(sub), "%s/%s", path, list[i]->d_name);
                ret = load_content_path(d, sub, depth + 1);
            }
            free(list[i]);
        }
        free(list);
        if (ret == VG_OK && d->ncontent == before && depth == 0) {
            vg_error("%s: the folder holds no images or videos", path);
            ret = VG_ERR_NOT_FOUND;
        }
        return ret;
    }
    if (is_image_name(path)) {
        picture p = {0};
        int ret = load_image(path, d->o.max_side, &p);
        if (ret == VG_OK) ret = push_content(d, p);
        return ret;
    }
    return load_video(d, path);
}

static int sha256_file(const char *path, char hex[65])
{
    unsigned char *data = NULL, digest[32];
    size_t size = 0;
    int ret = vg_file_read_all(path, (size_t)1 << 30, &data, &size);
    if (ret < 0) return ret;
    struct AVSHA *sha = av_sha_alloc();
    if (!sha) {
        free(data);
        return VG_ERR_NOMEM;
    }
    av_sha_init(sha, 256);
    av_sha_update(sha, data, size);
    av_sha_final(sha, digest);
    av_free(sha);
    free(data);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return VG_OK;
}

int pl_dataset_open(const pl_dataset_opts *o, pl_dataset **out)
{
    *out = NULL;
    VG_ASSERT(o->crop >= 16 && o->crop % 4 == 0);
    pl_dataset *d = calloc(1, sizeof(*d));
    if (!d) return VG_ERR_NOMEM;
    d->o = *o;
    int ret = VG_OK;
    if (o->nstyle < 1) {
        vg_error("vrgen train: no style image given (--style IMAGE)");
        ret = VG_ERR_INVALID;
        goto fail;
    }
    if (o->ncontent < 1) {
        vg_error("vrgen train: no content given (--content VIDEO|FOLDER|IMAGE)");
        ret = VG_ERR_INVALID;
        goto fail;
    }
    d->style = calloc((size_t)o->nstyle, sizeof(*d->style));
    d->style_info = calloc((size_t)o->nstyle, sizeof(*d->style_info));
    if (!d->style || !d->style_info) {
        ret = VG_ERR_NOMEM;
        goto fail;
    }
    for (int i = 0; i < o->nstyle; i++) {
        struct stat st;
        if (stat(o->style[i], &st) != 0 || !S_ISREG(st.st_mode)) {
            vg_error("%s: no such image file", o->style[i]);
            ret = VG_ERR_NOT_FOUND;
            goto fail;
        }
        if ((ret = load_image(o->style[i], o->style_side, &d->style[i])) < 0) goto fail;
        d->nstyle = i + 1;
        const char *slash = strrchr(o->style[i], '/');
        d->style_info[i].name = strdup(slash ? slash + 1 : o->style[i]);
        if ((ret = sha256_file(o->style[i], d->style_info[i].sha256)) < 0) goto fail;
        if (d->style[i].w < o->crop || d->style[i].h < o->crop)
            vg_warn("%s: smaller than the %dx%d training crop once scaled; crops are upscaled",
                    o->style[i], o->crop, o->crop);
    }
    for (int i = 0; i < o->ncontent; i++)
        if ((ret = load_content_path(d, o->content[i], 0)) < 0) goto fail;
    vg_verbose("dataset: %d content frames, %d style images", d->ncontent, d->nstyle);
    *out = d;
    return VG_OK;
fail:
    pl_dataset_close(&d);
    return ret;
}

int pl_dataset_content_count(const pl_dataset *d)
{
    return d->ncontent;
}

int pl_dataset_style_count(const pl_dataset *d)
{
    return d->nstyle;
}

int pl_dataset_style_info(const pl_dataset *d, int i, const char **name, const char **sha256)
{
    if (i < 0 || i >= d->nstyle) return VG_ERR_INVALID;
    *name = d->style_info[i].name;
    *sha256 = d->style_info[i].sha256;
    return VG_OK;
}

/* --- sampling ----------------------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

typedef struct rng {
    uint64_t s;
} rng;

static double rnd(rng *r) /* [0, 1) */
{
    r->s = mix(r->s);
    return (double)(r->s >> 11) * (1.0 / 9007199254740992.0);
}

/* Bilinear sample of plane p (w x h) at (x, y), clamped to the edges. */
static float sample(const float *p, int w, int h, double x, double y)
{
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    if (x > w - 1) x = w - 1;
    if (y > h - 1) y = h - 1;
    int x0 = (int)x, y0 = (int)y;
    int x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
    double fx = x - x0, fy = y - y0;
    double a = p[(size_t)y0 * w + x0] * (1 - fx) + p[(size_t)y0 * w + x1] * fx;
    double b = p[(size_t)y1 * w + x0] * (1 - fx) + p[(size_t)y1 * w + x1] * fx;
    return (float)(a * (1 - fy) + b * fy);
}

/* One crop: side s of the source scaled to `crop` pixels, at (x0, y0), maybe flipped. */
static void cut(const picture *pic, const float *src, int crop, double x0, double y0, double scale,
                int flip, float *dst)
{
    size_t plane = (size_t)pic->w * pic->h;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < crop; y++)
            for (int x = 0; x < crop; x++) {
                int xs = flip ? crop - 1 - x : x;
                double sx = x0 + (xs + 0.5) * scale - 0.5, sy = y0 + (y + 0.5) * scale - 0.5;
                dst[((size_t)c * crop + y) * crop + x] =
                    sample(src + c * plane, pic->w, pic->h, sx, sy);
            }
}

static void random_crop(const picture *pic, const float *src, const float *src2, int crop, rng *r,
                        float *dst, float *dst2)
{
    int side = pic->w < pic->h ? pic->w : pic->h;
    /* the crop covers 50..100% of the short side (never less than the crop itself, unless
       the picture is smaller: then it is upscaled) */
    double lo = side * 0.5 < crop ? (side < crop ? side : crop) : side * 0.5;
    double cover = lo + (side - lo) * rnd(r);
    double scale = cover / crop;
    double x0 = (pic->w - cover) * rnd(r), y0 = (pic->h - cover) * rnd(r);
    int flip = rnd(r) < 0.5;
    cut(pic, src, crop, x0, y0, scale, flip, dst);
    if (dst2) {
        if (src2) {
            cut(pic, src2, crop, x0, y0, scale, flip, dst2);
        } else {
            /* a still image: the "next frame" is the same picture moved by up to 2 pixels */
            double dx = (rnd(r) * 4 - 2) * scale, dy = (rnd(r) * 4 - 2) * scale;
            cut(pic, src, crop, x0 + dx, y0 + dy, scale, flip, dst2);
        }
    }
}

void pl_dataset_content(const pl_dataset *d, uint64_t seed, int64_t step, int batch, float *x,
                        float *x_next)
{
    size_t one = (size_t)3 * d->o.crop * d->o.crop;
    for (int b = 0; b < batch; b++) {
        rng r = {mix(seed ^ mix((uint64_t)step * 1000003u + (uint64_t)b) ^ 0xC0u)};
        const picture *p = &d->content[(size_t)(rnd(&r) * d->ncontent)];
        random_crop(p, p->rgb, p->next, d->o.crop, &r, x + b * one,
                    x_next ? x_next + b * one : NULL);
    }
}

void pl_dataset_style(const pl_dataset *d, uint64_t seed, int64_t step, int batch, float *s)
{
    size_t one = (size_t)3 * d->o.crop * d->o.crop;
    for (int b = 0; b < batch; b++) {
        rng r = {mix(seed ^ mix((uint64_t)step * 1000003u + (uint64_t)b) ^ 0x57u)};
        const picture *p = &d->style[(size_t)(rnd(&r) * d->nstyle)];
        random_crop(p, p->rgb, NULL, d->o.crop, &r, s + b * one, NULL);
    }
}
