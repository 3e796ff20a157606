/*
 * xrv_view.h - `vrgen view`: the OpenXR session (xrv_session.c) and the offscreen mode
 * (xrv_offscreen.c) share these options. The command line is cli/cmd_view.c.
 */
#ifndef XRV_VIEW_H
#define XRV_VIEW_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "gen/gen_backend.h"
#include "xr/xrv_scene.h"
#include "xr/xrv_source.h"

typedef struct xrv_view_opts {
    pl_input_opts input;
    xrv_scene scene;
    const char *const *models; /* -m paths, live stylization; none: the original video */
    int nmodels;
    int show_original; /* start with the original even when models are given */
    int loop;
    float hold_still, hold_rate; /* temporal hold of live stylization (0: off) */
    int head_locked;             /* the scene follows the head (VIEW space): tests, accessibility */
    int no_layers;               /* draw everything as projection views, never composition layers */
    int ar;                      /* environment blend: alpha-blend or additive where offered */
    int no_audio;                /* --no-audio: never open the audio device */
    int64_t frames;       /* submit (or capture) this many display frames, then exit; < 0: all */
    const char *log_path; /* JSON lines: session states, frames, the summary */
    int hint;             /* show the controls hint for the first XRV_HINT_SECONDS */
    const unsigned char *hint_png; /* its picture (PNG bytes; xr/xrv_hint.h) */
    size_t hint_png_size;

    /* offscreen */
    int offscreen;
    const char *capture; /* folder for left_%06d.png and right_%06d.png */
    int overwrite;
    int eye_w, eye_h;
    float fov_deg;           /* horizontal field of view of each eye */
    float ipd;               /* metres between the eyes */
    xrv_pose pose;           /* head pose in scene space */
    const char *pose_script; /* lines "frame yaw pitch roll [x y z]", interpolated */
    double rate;             /* > 0: the paced frame loop at this display rate (xrv_paced.c) */

    volatile sig_atomic_t *stop; /* Ctrl+C: leave the session cleanly */
} xrv_view_opts;

/* Loads the -m models onto be (errors name the file). *nets malloc'd. */
int xrv_load_models(gen_backend *be, const char *const *paths, int n, gen_net ***nets);
void xrv_free_models(gen_net ***nets, int n);

/* Offscreen: renders both eyes of each frame to PNG with the viewer's renderer. */
int xrv_offscreen_run(gen_backend *be, const xrv_view_opts *o);

/* Offscreen --rate: the headset's frame loop at o->rate Hz with the source's worker
 * thread, both eyes rendered each period, nothing written; prints frame times. */
int xrv_paced_run(gen_backend *be, const xrv_view_opts *o);

/* The headset: creates the OpenXR instance and session, the compute backend on the
 * runtime's Vulkan device (cfg gives validation), and plays until the session ends.
 * Errors: VG_ERR_NO_DEVICE when no runtime or headset is there (the message says what to
 * install or start), VG_ERR_DEVICE_LOST when the runtime goes away mid-session. */
int xrv_session_run(const gen_backend_config *cfg, const xrv_view_opts *o);

/* --xr-log: one JSON object per line, flushed at once. NULL-safe. */
FILE *xrv_log_open(const char *path);
void xrv_log(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* XRV_VIEW_H */
