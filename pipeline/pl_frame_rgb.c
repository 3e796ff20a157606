/*
 * pl_frame_rgb.c - a decoded frame (any pixel format FFmpeg knows) to the networks' RGB
 * planar float layout in [-1, 1] at a chosen size, on the CPU with swscale. For training
 * data and evaluation; the stylize job converts on the device instead (docs/colour.md).
 */
#include "pipeline/pl_frame_rgb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libswscale/swscale.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "pipeline/pl_input.h"
#include "pipeline/pl_png.h"

/* Any decoded frame -> RGB planar float in [-1, 1] at ow x oh. */
int pl_frame_to_rgb(const AVFrame *f, int ow, int oh, float **out)
{
    struct SwsContext *sws = sws_getContext(f->width, f->height, f->format, ow, oh,
                                            AV_PIX_FMT_GBRPF32LE, SWS_AREA, NULL, NULL, NULL);
    if (!sws) return VG_ERR_UNSUPPORTED;
    int cs = f->colorspace == AVCOL_SPC_BT709        ? SWS_CS_ITU709
             : f->colorspace == AVCOL_SPC_BT2020_NCL ? SWS_CS_BT2020
                                                     : SWS_CS_ITU601;
    if (f->colorspace == AVCOL_SPC_UNSPECIFIED)
        cs = f->height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601;
    const int *coef = sws_getCoefficients(cs);
    sws_setColorspaceDetails(sws, coef, f->color_range == AVCOL_RANGE_JPEG, coef, 1, 0, 1 << 16,
                             1 << 16);
    size_t plane = (size_t)ow * oh;
    float *rgb = malloc(3 * plane * sizeof(float));
    if (!rgb) {
        sws_freeContext(sws);
        return VG_ERR_NOMEM;
    }
    /* GBRP order: G, B, R planes */
    uint8_t *dst[4] = {(uint8_t *)(rgb + plane), (uint8_t *)(rgb + 2 * plane), (uint8_t *)rgb,
                       NULL};
    int stride[4] = {ow * 4, ow * 4, ow * 4, 0};
    sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, stride);
    sws_freeContext(sws);
    for (size_t i = 0; i < 3 * plane; i++) {
        float v = rgb[i] * 2.0f - 1.0f;
        rgb[i] = v < -1.0f ? -1.0f : v > 1.0f ? 1.0f : v;
    }
    *out = rgb;
    return VG_OK;
}

static int is_png(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcasecmp(path + n - 4, ".png") == 0;
}

void pl_fit_side(int w, int h, int side, int *ow, int *oh)
{
    int s = w < h ? w : h;
    double k = s > side ? (double)side / s : 1.0;
    *ow = (int)lround(w * k);
    *oh = (int)lround(h * k);
    if (*ow < 1) *ow = 1;
    if (*oh < 1) *oh = 1;
}

int pl_image_load_rgb(const char *path, int side, int min_side, int *w, int *h, float **rgb)
{
    int ret;
    if (is_png(path)) {
        pl_image img = {0};
        if ((ret = pl_png_read(path, 16384, &img)) < 0) return ret;
        AVFrame f = {0};
        f.width = img.width;
        f.height = img.height;
        f.format = img.bits == 16 ? AV_PIX_FMT_RGB48 : AV_PIX_FMT_RGB24;
        f.data[0] = img.data;
        f.linesize[0] = (int)img.stride;
        f.color_range = AVCOL_RANGE_JPEG;
        f.colorspace = AVCOL_SPC_RGB;
        if (img.width < min_side || img.height < min_side) {
            vg_error("%s: %dx%d is too small to train on (at least %dx%d)", path, img.width,
                     img.height, min_side, min_side);
            pl_image_free(&img);
            return VG_ERR_FORMAT;
        }
        pl_fit_side(img.width, img.height, side, w, h);
        ret = pl_frame_to_rgb(&f, *w, *h, rgb);
        pl_image_free(&img);
        return ret;
    }
    pl_input_opts io = {.path = path, .start = -1, .duration = -1, .max_frames = 1};
    pl_input *in = NULL;
    AVFrame *f = NULL;
    AVPacket *pk = NULL;
    if ((ret = pl_input_open(&io, &in)) < 0) return ret;
    while ((ret = pl_input_read(in, &f, &pk)) == VG_OK && !f) av_packet_free(&pk);
    if (ret == VG_EOF || (ret == VG_OK && !f)) {
        vg_error("%s: no picture could be decoded", path);
        ret = VG_ERR_FORMAT;
    }
    if (ret == VG_OK && (f->width < min_side || f->height < min_side)) {
        vg_error("%s: %dx%d is too small to train on (at least %dx%d)", path, f->width, f->height,
                 min_side, min_side);
        ret = VG_ERR_FORMAT;
    }
    if (ret == VG_OK) {
        pl_fit_side(f->width, f->height, side, w, h);
        ret = pl_frame_to_rgb(f, *w, *h, rgb);
    }
    av_frame_free(&f);
    pl_input_close(&in);
    return ret;
}
