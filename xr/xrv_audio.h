/*
 * xrv_audio.h - the viewer's sound: the input's first audio stream decoded on its own
 * thread and played through the system's default output (ALSA "default": PulseAudio or
 * PipeWire where they run, else the first card), following the source's video clock:
 * it waits while the picture is paused or not yet shown, skips or re-seeks when it falls
 * behind or the video jumps (seek, loop), and idles at the end.
 *
 * With no audio device (or a build without ALSA) the viewer says so once and plays on
 * silently; a file without audio plays silently without a word.
 */
#ifndef XRV_AUDIO_H
#define XRV_AUDIO_H

#include "xr/xrv_source.h"

typedef struct xrv_audio xrv_audio;

/* Starts playing path's audio along src's clock (the source must outlive it). *out is NULL
 * when there is nothing to play (no audio stream, no device: said once). Only allocation
 * failures are errors. */
int xrv_audio_start(const char *path, xrv_source *src, xrv_audio **out);
/* Stops the thread, drops what is queued and closes the device. NULL-safe. */
void xrv_audio_stop(xrv_audio **a);

/* Samples written to the device so far (per channel), for --xr-log and tests. */
long long xrv_audio_written(const xrv_audio *a);

#endif /* XRV_AUDIO_H */
