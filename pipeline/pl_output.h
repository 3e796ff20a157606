/*
 * pl_output.h - writes the stylized video: one video encoder, a muxer, stream copy of the
 * input's audio and subtitle streams (audio re-encoded when the container cannot hold it),
 * global metadata and chapters. The file is written under a temporary name next to the
 * target (common/vg_file.h) and renamed onto the final path only by pl_output_finish, so an
 * interrupted or failed run never leaves a truncated file or replaces an existing one.
 *
 * Options follow ffmpeg's (-f, -c:v, -crf, -preset, -b:v, -pix_fmt, -y, -an, -sn).
 * Timestamps are kept: every frame's pts is passed through (VFR stays VFR; the AVI
 * container, which stores frame counts, gets them rounded to 1/frame_rate), packet
 * durations come from the next frame's pts, so frame count and duration equal the input's.
 * Nothing is shifted to start at 0 here; matroska, webm and nut (no negative timestamps)
 * shift all streams together when a copied stream starts before 0 (AAC priming), as
 * ffmpeg -c copy does.
 *
 * This is not a filter graph: it never scales, crops, rotates, drops or duplicates frames;
 * the only conversion is the pixel format (swscale) when the encoder cannot take the
 * frames' own. Not thread-safe: one thread calls all functions of one pl_output.
 */
#ifndef PL_OUTPUT_H
#define PL_OUTPUT_H

#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>

#include "pipeline/pl_input.h"

typedef struct pl_output_opts {
    const char *path;     /* output file; "-" = stdout (needs format; no temporary name then,
                             so an interrupted run leaves a truncated stream) */
    const char *format;   /* -f: muxer name ("mp4", "matroska" or "mkv", "webm", ...), or NULL =
                             from the extension: mp4 m4v mkv webm mov avi nut */
    const char *vcodec;   /* -c:v encoder name, NULL = libvpx-vp9 for webm, else libx264 */
    int crf;              /* -crf, -1 = default (see pl_output_open) */
    const char *preset;   /* -preset: x264 names (ultrafast..placebo) or a number, or NULL */
    int64_t bitrate;      /* -b:v in bits/s, 0 = none */
    const char *pix_fmt;  /* -pix_fmt name, NULL = the frames' format when the encoder takes
                             it, else the encoder's closest match */
    const char *enc_opts; /* "key=value:key=value" encoder AVOptions; '\' escapes ':' '=' '\' */
    int overwrite;        /* -y: replace an existing output */
    int copy_audio;       /* copy (or re-encode) the input's audio streams; -an sets 0 */
    int copy_subs;        /* copy the input's subtitle streams; -sn sets 0 */
} pl_output_opts;

/* The defaults: everything NULL/0 except crf = -1, copy_audio = copy_subs = 1. */
void pl_output_opts_init(pl_output_opts *o);

typedef struct pl_output pl_output;

/*
 * Opens the output, writes the container header and returns the new object in *out
 * (destroy with pl_output_close). `video` describes the frames that will be passed:
 * width/height (already upright: no rotation is applied or tagged), pix_fmt, colour tags
 * (colorspace, range, primaries, trc, chroma_loc, set on the encoder so the output is
 * tagged like the input), sar, frame_rate and time_base (the frames' pts unit). `in`
 * (may be NULL: video only) supplies the streams to copy (audio/subtitles, metadata,
 * language, disposition), the global metadata and chapters; neither is kept.
 *
 * Encoder defaults when crf < 0 and bitrate == 0: libx264 / libx265 their own (crf 23 / 28),
 * libvpx-vp9 crf 32 with b:v 0 (constant quality), libaom-av1 crf 32, libsvtav1 crf 35.
 * -preset sets "preset" (x264, x265; svtav1 maps x264 names to 12..0) or "cpu-used"
 * (libvpx, libaom: ultrafast 8 .. veryslow 0; ultrafast/superfast also select realtime
 * mode); a number is passed through. Threads: automatic.
 *
 * Audio streams the container cannot hold are re-encoded (aac for mp4/mov/avi, libopus
 * for webm/mkv/nut) with a warning; subtitles it cannot hold are dropped with a warning.
 * "Cannot hold" is avformat_query_codec plus a trial header on a scratch buffer, since
 * FFmpeg 5.1 refuses some pairs its query accepts (flac in mp4, opus or flac in mov).
 * Errors (logged once, naming the path): VG_ERR_INVALID (unknown container, bad option,
 * unknown enc_opts key, pixel format the encoder lacks), VG_ERR_UNSUPPORTED (encoder not
 * found, codec the container cannot hold, encoder refuses the settings), VG_ERR_EXISTS
 * (output exists without overwrite), VG_ERR_IO (folder missing or not writable),
 * VG_ERR_NOMEM. On failure *out is NULL and nothing is left on disk.
 */
int pl_output_open(const pl_output_opts *o, const pl_input *in, const pl_video_info *video,
                   pl_output **out);

/*
 * Encodes one frame whose pts is in video->time_base (AV_NOPTS_VALUE: continues from the
 * previous frame). Ownership: takes its own reference (or converted copy); the caller
 * still owns frame and frees it. The frame must have the opened width and height; its
 * pixel format may differ (converted). Pts that do not increase are moved one tick past
 * the previous frame, with one warning. Returns VG_OK or a write/encode error (then the
 * output is failed: finish returns the error and removes the temporary file).
 */
int pl_output_write_frame(pl_output *o, const AVFrame *frame);

/*
 * Muxes a packet of a copied stream (stream_index and timestamps as in the input, in that
 * stream's time base). Ownership: takes *pkt (frees it and sets *pkt = NULL) in every
 * case. Packets of streams that are not written are dropped silently; packets of
 * re-encoded audio are decoded and encoded here; a corrupt one is skipped with a warning.
 */
int pl_output_write_packet(pl_output *o, AVPacket **pkt);

/*
 * Flushes the encoders, writes the trailer and renames the temporary file onto the final
 * path: a complete, playable file, also after fewer frames than the input had (an
 * interrupted run). Returns VG_OK or the first error of the output's life, e.g. VG_ERR_IO
 * "out.mp4: No space left on device"; on error nothing is at the final path and the
 * temporary file is removed. Call once; pl_output_close frees the object afterwards.
 */
int pl_output_finish(pl_output *o);

/*
 * pl_output_finish, but the file goes to the name of a partial result
 * ("out.partial.mp4", vg_partial_path), written to name: for a job that failed midway and
 * keeps the frames it finished. Writing to stdout: VG_ERR_UNSUPPORTED, nothing renamed.
 */
int pl_output_finish_partial(pl_output *o, char *name, size_t len);

/* Abandons an unfinished output (closes and removes the temporary file; nothing at the
 * final path) or frees a finished one. NULL-safe; sets *o = NULL. */
void pl_output_close(pl_output **o);

int64_t pl_output_frames(const pl_output *o); /* frames accepted by write_frame so far */
int64_t pl_output_bytes(const pl_output *o);  /* bytes written so far (for progress) */
/* The video encoder (opened; read its settings, do not change or free it). */
const AVCodecContext *pl_output_encoder(const pl_output *o);
/* The temporary file being written (valid until close), or NULL when writing to stdout
 * or after finish. */
const char *pl_output_tmp_path(const pl_output *o);

#endif /* PL_OUTPUT_H */
