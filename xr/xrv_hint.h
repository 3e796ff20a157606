/*
 * xrv_hint.h - the controls hint of `vrgen view`: a picture of the bindings
 * (samples/view_hint.png, made by scripts/make-view-hint, embedded in the binary) shown
 * head-locked below the line of sight for the first XRV_HINT_SECONDS of the session: a
 * quad composition layer in VIEW space in the headset, blended into the eye images
 * offscreen (--hint on), at the same place. Private to xr/.
 */
#ifndef XRV_HINT_H
#define XRV_HINT_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/pl_png.h"

#define XRV_HINT_SECONDS 8.0
#define XRV_HINT_ALPHA   0.85f /* opacity of the (opaque) picture */
#define XRV_HINT_WIDTH   0.9f  /* metres */
#define XRV_HINT_Y       -0.5f /* centre, metres, head space (x 0, looking down -z) */
#define XRV_HINT_Z       -1.2f

typedef struct xrv_hint {
    int w, h;
    uint32_t *rgba; /* premultiplied RGBA8 words, R in the low byte (the swapchain layout) */
} xrv_hint;

/* Decodes the PNG bytes; VG_ERR_FORMAT (logged) when they are not a picture. */
int xrv_hint_load(const unsigned char *png, size_t size, xrv_hint *h);
void xrv_hint_free(xrv_hint *h);

/* The pixel rectangle x0, y0, x1, y1 (fractional, may leave the image) the hint covers in
 * a w x h eye image whose eye sits eye_x metres right of the head centre, looking down -z
 * with tangents tx, ty of the half field of view. */
void xrv_hint_rect(const xrv_hint *h, float eye_x, float tx, float ty, int w, int hgt, float r[4]);

/* Blends the hint over an 8-bit RGB image at rectangle r (bilinear, premultiplied). */
void xrv_hint_blend(const xrv_hint *h, const float r[4], pl_image *img);

#endif /* XRV_HINT_H */
