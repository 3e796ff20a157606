/*
 * pl_planes.c - packed plane layout and copy (pl_planes.h).
 */
#include "pipeline/pl_planes.h"

#include <string.h>

gen_colorspace pl_planes_colorspace(const pl_video_info *v)
{
    if (v->is_rgb) return GEN_CS_RGB;
    return v->cs_resolved == 2020  ? GEN_CS_BT2020
           : v->cs_resolved == 709 ? GEN_CS_BT709
                                   : GEN_CS_BT601;
}

size_t pl_planes_layout(gen_yuv_desc *d, int w, int h)
{
    int bps = d->bits > 8 ? 2 : 1;
    size_t off = 0;
    for (int i = 0; i < 3; i++) {
        int pw = i ? (w + (1 << d->log2_cw) - 1) >> d->log2_cw : w;
        int ph = i ? (h + (1 << d->log2_ch) - 1) >> d->log2_ch : h;
        d->stride[i] = (pw * bps + 3) / 4 * 4;
        d->offset[i] = off;
        off += ((size_t)d->stride[i] * ph + 255) / 256 * 256;
    }
    return off;
}

void pl_planes_copy(const gen_yuv_desc *d, const AVFrame *f, int x0, int y0, unsigned char *dst)
{
    int bps = d->bits > 8 ? 2 : 1;
    for (int i = 0; i < 3; i++) {
        int sx = i ? d->log2_cw : 0, sy = i ? d->log2_ch : 0;
        int w = (d->width + (1 << sx) - 1) >> sx, h = (d->height + (1 << sy) - 1) >> sy;
        for (int y = 0; y < h; y++)
            memcpy(dst + d->offset[i] + (size_t)y * d->stride[i],
                   f->data[i] + (size_t)((y0 >> sy) + y) * f->linesize[i] +
                       (size_t)(x0 >> sx) * bps,
                   (size_t)w * bps);
    }
}
