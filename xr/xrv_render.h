/*
 * xrv_render.h - the viewer's own renderer: per eye, a recorded program that draws the
 * scene (gen_view_render) from a source slot into packed RGBA8 words, for every slot, so a
 * display frame replays one program per eye after rewriting that eye's view parameters.
 * Used for projection layers (the headset) and the offscreen captures alike.
 */
#ifndef XRV_RENDER_H
#define XRV_RENDER_H

#include "xr/xrv_scene.h"
#include "xr/xrv_source.h"

typedef struct xrv_render xrv_render;

/* Eye views of w x h pixels. The source and scene must outlive the renderer. */
int xrv_render_create(gen_backend *be, xrv_source *src, const xrv_scene *scene, int w, int h,
                      xrv_render **out);
void xrv_render_destroy(xrv_render **r);

/* For composition layers: programs that copy each eye's source picture unchanged (w x h
 * must be the source picture size) into packed RGBA8 words. */
int xrv_render_create_copy(gen_backend *be, xrv_source *src, int w, int h, xrv_render **out);
/* Copies eye `eye`'s picture of `slot` (a copy renderer); waits for it. */
int xrv_render_picture(xrv_render *r, int eye, int slot);

/* Draws eye `eye` (0 left, 1 right) from `slot` (-1: no picture yet: the room only) with
 * the eye's pose in scene space and its field of view; waits for it. */
int xrv_render_eye(xrv_render *r, int eye, int slot, xrv_pose eye_pose, xrv_fov fov);
/* The eye's packed RGBA8 output (1,1,h,w): R in the low byte. */
gen_tensor xrv_render_output(const xrv_render *r, int eye);

#endif /* XRV_RENDER_H */
