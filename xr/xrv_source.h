/*
 * xrv_source.h - the viewer's pictures: decodes the video on a worker thread, converts
 * each frame's eye pictures to RGB on the compute backend and, when a model is active,
 * runs the generator on them (live stylization), into a small ring of slots that the
 * renderer reads. The frame shown is chosen by video time: a clock that follows the
 * display times the caller passes in, paused, seeked and rebased as asked.
 *
 * Variants: 0 shows the original pictures, 1..nnets the output of model k-1.
 * Threads: xrv_source_pick/pause/seek/set_variant from one thread (the frame loop); the
 * worker is internal. The offscreen mode instead steps frames synchronously
 * (xrv_source_step) without starting the worker.
 */
#ifndef XRV_SOURCE_H
#define XRV_SOURCE_H

#include "gen/gen_net.h"
#include "pipeline/pl_input.h"
#include "xr/xrv_scene.h"

#define XRV_SLOTS 3

typedef struct xrv_source_opts {
    pl_input_opts input;
    gen_net **nets; /* generators on the work backend (below), or none */
    /* NULL (or the source's backend): everything runs there. Else the colour conversion
     * and the generators run on this backend and each finished picture is copied into the
     * source backend's slots: for a Vulkan device that is a CPU (lavapipe), where the
     * native CPU backend does that work several times faster and leaves the device's one
     * queue to the frame loop and the compositor. */
    gen_backend *work;
    int nnets;
    int variant;                 /* shown first: 0 original, k model k-1 */
    int loop;                    /* start again at the end (else the last frame stays) */
    float hold_still, hold_rate; /* temporal hold of the style, as pl_stylize_opts (0: off) */
} xrv_source_opts;

typedef struct xrv_source xrv_source;

/* Opens the input (errors name it), resolves *scene's AUTO fields from the video, and
 * sets up buffers and programs for its geometry. Nothing runs yet. */
int xrv_source_open(gen_backend *be, const xrv_source_opts *o, xrv_scene *scene, xrv_source **out);
void xrv_source_close(xrv_source **s);

const pl_video_info *xrv_source_video(const xrv_source *s);
/* One eye's upright picture size. */
void xrv_source_picture(const xrv_source *s, int *w, int *h);
/* The RGB picture (1,3,h,w) in [-1,1] of view eye `eye` (0 left, 1 right; swapped and
 * mono-shared as the scene says) in slot `slot`: what render programs read. */
gen_tensor xrv_source_eye(const xrv_source *s, int slot, int eye);

/* Starts the worker thread. */
int xrv_source_start(xrv_source *s);

/* The slot to show at display time t (seconds, any monotonic base the caller keeps) or -1
 * before the first picture is ready; *video_t the video time shown. Returns a negative
 * error when the worker failed. */
int xrv_source_pick(xrv_source *s, double t, int *slot, double *video_t);

/* The video time shown now: the last pick's clock moved on by the wall time since (the
 * audio follows it, from any thread). Returns 1 while the clock runs (a picture shown, not
 * paused); a seek moves the time once its first picture is there. */
int xrv_source_clock_now(xrv_source *s, double *video_t);

void xrv_source_toggle_pause(xrv_source *s);
int xrv_source_paused(const xrv_source *s);
/* Seeks by delta seconds from the time shown (clamped to the start). */
void xrv_source_seek(xrv_source *s, double delta);
/* Shows variant v from the next picture on (the current frame again when paused). */
void xrv_source_set_variant(xrv_source *s, int v);
int xrv_source_variant(const xrv_source *s);
int xrv_source_variants(const xrv_source *s); /* 1 + nnets */
/* Pictures converted (and stylized) so far, and generator runs. */
void xrv_source_counts(const xrv_source *s, long long *pictures, long long *generated);

/* Offscreen: decodes and converts the next frame into slot 0 in the calling thread.
 * Returns VG_OK, VG_EOF after the last frame, or an error. */
int xrv_source_step(xrv_source *s, double *pts);

#endif /* XRV_SOURCE_H */
