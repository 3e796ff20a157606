/*
 * xrv_input.h - the viewer's controls as OpenXR actions, with suggested bindings for
 * khr/simple_controller and the common controllers (Oculus Touch, Valve Index, HTC Vive).
 * Private to xr/; needs openxr.h.
 */
#ifndef XRV_INPUT_H
#define XRV_INPUT_H

#include <openxr/openxr.h>

typedef struct xrv_input {
    XrActionSet set;
    XrAction play, toggle, next_model, recenter, seek, zoom, distance;
    int seek_held; /* the stick is out: one seek per push */
} xrv_input;

/* What the user asked for since the last poll. */
typedef struct xrv_input_events {
    int play_pause, toggle, next_model, recenter;
    int seek;       /* -1 back, +1 forward, 0 none */
    float zoom;     /* -1..1: screen size change rate */
    float distance; /* -1..1: screen distance change rate */
} xrv_input_events;

/* The hint shown at start (one line per control). */
extern const char xrv_input_hint[];

int xrv_input_create(XrInstance inst, xrv_input *in);
int xrv_input_attach(XrSession s, xrv_input *in);
int xrv_input_poll(XrSession s, xrv_input *in, xrv_input_events *ev);
void xrv_input_destroy(xrv_input *in);

#endif /* XRV_INPUT_H */
