/*
 * xrv_render.c - recorded per-eye render programs (xrv_render.h).
 */
#include "xr/xrv_render.h"

#include <stdlib.h>

#include "common/vg_error.h"

struct xrv_render {
    gen_backend *be;
    const xrv_scene *scene;
    gen_buf *buf;
    gen_tensor out[2], params[2];
    gen_prog *prog[XRV_SLOTS][2];
};

static int create(gen_backend *be, xrv_source *src, const xrv_scene *scene, int w, int h,
                  gen_view_layout layout, xrv_render **out)
{
    *out = NULL;
    xrv_render *r = calloc(1, sizeof(*r));
    if (!r) return VG_ERR_NOMEM;
    r->be = be;
    r->scene = scene;
    int ret = VG_OK;
    gen_arena a = {0};
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        for (int e = 0; e < 2; e++) {
            r->out[e] = gen_arena_take(&a, 1, 1, h, w);
            r->params[e] = gen_arena_take(&a, 1, 1, 1, GEN_VIEW_PARAMS_LEN);
        }
        if (pass == 0 && (ret = gen_buf_create(be, a.used, &a.buf)) < 0) goto fail;
    }
    r->buf = a.buf;
    for (int sl = 0; sl < XRV_SLOTS; sl++)
        for (int e = 0; e < 2; e++) {
            if ((ret = gen_prog_create(be, &r->prog[sl][e])) < 0) goto fail;
            gen_view_render(r->prog[sl][e], r->out[e], xrv_source_eye(src, sl, e), r->params[e],
                            layout);
            if ((ret = gen_prog_compile(r->prog[sl][e])) < 0) goto fail;
        }
    *out = r;
    return VG_OK;
fail:
    xrv_render_destroy(&r);
    return ret;
}

int xrv_render_create(gen_backend *be, xrv_source *src, const xrv_scene *scene, int w, int h,
                      xrv_render **out)
{
    return create(be, src, scene, w, h, xrv_scene_view_layout(scene), out);
}

int xrv_render_create_copy(gen_backend *be, xrv_source *src, int w, int h, xrv_render **out)
{
    return create(be, src, NULL, w, h, GEN_VIEW_SCREEN, out);
}

int xrv_render_picture(xrv_render *r, int eye, int slot)
{
    /* a 1 m screen 1 m ahead filling a 1 x 1 tangent window: pixel (x, y) samples the
     * source at its own centre, so bilinear filtering returns the pixel itself */
    float params[GEN_VIEW_PARAMS_LEN] = {0};
    params[GEN_VIEW_TAN_LEFT] = params[GEN_VIEW_TAN_DOWN] = -0.5f;
    params[GEN_VIEW_TAN_RIGHT] = params[GEN_VIEW_TAN_UP] = 0.5f;
    params[GEN_VIEW_ROT + 0] = params[GEN_VIEW_ROT + 4] = params[GEN_VIEW_ROT + 8] = 1.0f;
    params[GEN_VIEW_SCREEN_W] = params[GEN_VIEW_SCREEN_H] = params[GEN_VIEW_SCREEN_DIST] = 1.0f;
    params[GEN_VIEW_CONTENT] = 1.0f;
    int ret = gen_tensor_upload(r->be, r->params[eye], params);
    if (ret == VG_OK) ret = gen_prog_run(r->prog[slot][eye]);
    return ret;
}

void xrv_render_destroy(xrv_render **pr)
{
    xrv_render *r = *pr;
    if (!r) return;
    for (int sl = 0; sl < XRV_SLOTS; sl++)
        for (int e = 0; e < 2; e++) gen_prog_destroy(&r->prog[sl][e]);
    gen_buf_destroy(&r->buf);
    free(r);
    *pr = NULL;
}

int xrv_render_eye(xrv_render *r, int eye, int slot, xrv_pose eye_pose, xrv_fov fov)
{
    float params[GEN_VIEW_PARAMS_LEN];
    xrv_view_params(r->scene, eye_pose, fov, slot >= 0, params);
    int ret = gen_tensor_upload(r->be, r->params[eye], params);
    if (ret == VG_OK) ret = gen_prog_run(r->prog[slot >= 0 ? slot : 0][eye]);
    return ret;
}

gen_tensor xrv_render_output(const xrv_render *r, int eye)
{
    return r->out[eye];
}
