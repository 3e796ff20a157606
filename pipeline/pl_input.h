/*
 * pl_input.h - opens any input libavformat/libavcodec can read and yields, one item at a
 * time, decoded video frames of one selected stream (in a canonical planar pixel format,
 * with their own timestamps) and, for stream copy, the packets of its audio and subtitle
 * streams. Also `vrgen info`'s description of a file.
 *
 * Not an encoder, muxer or scaler (frames keep their size; swscale is used only to
 * change the layout to a canonical one), and not thread-safe: one pl_input is used by one
 * thread at a time (the demux+decode thread). Hardware decoding is not used. FFmpeg's own
 * log lines (av_log) are left to the application's av_log settings.
 *
 * Canonical pixel formats (pl_video_info.pix_fmt), so the GPU colour converter only meets
 * planar layouts:
 *   yuv420p  yuv422p  yuv444p    yuv420p10le yuv422p10le yuv444p10le
 *   yuv420p12le yuv422p12le yuv444p12le  yuv420p16le yuv422p16le yuv444p16le
 *   gbrp  gbrp10le  gbrp12le  gbrp16le
 * Frames already in one of these are returned as decoded. yuvj420p/422p/444p are the
 * same bytes relabelled to the non-j format with full range; planar formats with alpha
 * (yuva*, gbrap*) are relabelled to the format without the alpha plane. Everything else
 * goes through swscale to the nearest canonical format with the same or more bits:
 * RGB-like (packed RGB, palette, bayer, XYZ, float RGB) to gbrp*, YUV keeping its
 * subsampling (411 to 422, 410 to 420, 440 to 444), gray and mono to yuv420p* with
 * neutral chroma and the gray range unchanged. Depths round up to 8, 10, 12 or 16 bits.
 * Alpha is dropped (warned once). Colour tags are kept; returned frames carry the
 * resolved matrix (colorspace BT470BG/BT709/BT2020_NCL, or RGB) and range (MPEG/JPEG).
 */
#ifndef PL_INPUT_H
#define PL_INPUT_H

#include <stdint.h>
#include <stdio.h>

#include <libavcodec/packet.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>

#include "pipeline/pl_video.h"

typedef struct pl_input_opts {
    const char *path;   /* file, URL-less path, or "-" for stdin (an AVIOContext on fd 0,
                           seekable when fd 0 is a regular file) */
    const char *format; /* force the input format (like ffmpeg -f before -i), or NULL */
    const char *map;    /* video stream selection like ffmpeg -map: NULL or "" = the first
                           video stream that is not cover art; "0:v:1" = the second video
                           stream; "0:3" = stream index 3 (must be video); any ffmpeg
                           stream specifier after "0:" (e.g. "0:V:0", "0:v:m:title:x") */
    double start;       /* -ss seconds from the start of the input, < 0 = none: seek to the
                           key frame before, then drop decoded frames before start */
    double duration;    /* -t seconds of input time, < 0 = none */
    int64_t max_frames; /* --frames N, < 0 = none */
    int copy_streams;   /* 1: also return packets of audio and subtitle streams (data and
                           attachment streams are ignored) */
} pl_input_opts;

/* Defaults: everything off (start, duration, max_frames -1), path NULL. */
#define PL_INPUT_OPTS_DEFAULT                                                                      \
    {                                                                                              \
        NULL, NULL, NULL, -1.0, -1.0, -1, 0                                                        \
    }

typedef struct pl_input pl_input;

/*
 * Opens o->path, selects the video stream, opens its decoder and decodes the first frame
 * (at or after start) so that pl_input_video() describes the frames that will come; o and
 * its strings are not kept. On success *out is a new input the caller owns (close with
 * pl_input_close). On failure *out is NULL and one error line names the input and the
 * problem:
 *   VG_ERR_NOT_FOUND    "clip.mp4: No such file or directory" (also unreadable files)
 *   VG_ERR_FORMAT       "clip.mp4: not a media file ffmpeg can read (...)", "file is
 *                       empty", "corrupt or truncated mov,mp4,... file (...)", "has no
 *                       video stream", "no video frame could be decoded"
 *   VG_ERR_UNSUPPORTED  "x.mkv: video codec 'xyz' is not supported by this FFmpeg build",
 *                       a pixel format swscale cannot read
 *   VG_ERR_INVALID      "-map 0:v:3: clip.mp4 has 1 video stream", a map naming a
 *                       non-video stream, unknown -f format, -ss after the end
 *   VG_ERR_NOMEM
 */
int pl_input_open(const pl_input_opts *o, pl_input **out);

/* The selected video's description; valid until pl_input_close, owned by the input. */
const pl_video_info *pl_input_video(const pl_input *in);

/* The demuxer context, for the output module: streams' codecpar, time_base, metadata and
 * disposition, chapters and global metadata. Owned by the input; do not read or seek it. */
const AVFormatContext *pl_input_avformat(const pl_input *in);

/*
 * The next item, in demux order: exactly one of *frame or *packet is set (the other is
 * NULL), and the caller owns it (av_frame_free / av_packet_free); the input keeps no
 * reference.
 *   *frame:  a decoded video frame in info.pix_fmt and info's size, pts = the decoder's
 *            best-effort timestamp in info.time_base (strictly increasing: a repeated or
 *            backward timestamp is moved to previous + 1, warned once), colour fields set
 *            (see the top of this file), interlacing flags as decoded. Frames before
 *            start and from start + duration on are dropped.
 *   *packet: (only with copy_streams) a packet of an audio or subtitle stream,
 *            stream_index as in the input, timestamps and time_base in that stream's time
 *            base. Packets before start (until a stream's first kept packet) and at or
 *            after start + duration are dropped; with --frames, the end is the end of the
 *            last frame, and packets read before that was known may reach a little past it.
 * Returns VG_OK; VG_EOF after the last frame (decoder flushed; copied packets up to the end
 * time come before EOF), and again on later calls; or a negative error with one line naming
 * the input and the time position: VG_ERR_FORMAT for a read error ("clip.mp4: read error at
 * 00:01:02.3: Input/output error": an input error, exit 3, not VG_ERR_IO's output error)
 * and for corrupt data the demuxer cannot get past, VG_ERR_NOMEM. Corrupt packets
 * that the decoder skips or conceals are counted and warned about once (with a total at
 * EOF), not fatal. A file that ends in the middle of a packet (truncated) is warned about
 * and ends there, like ffmpeg. After an error, only pl_input_close is useful.
 */
int pl_input_read(pl_input *in, AVFrame **frame, AVPacket **packet);

/* Video frames returned by pl_input_read so far. */
int64_t pl_input_frames_read(const pl_input *in);

/* Frees everything; NULL-safe (also *in == NULL); sets *in = NULL. */
void pl_input_close(pl_input **in);

/*
 * For `vrgen info FILE`: prints to f a human description of the input (format, duration,
 * bit rate, metadata, chapters) and of every stream: type, codec, size, frame rate, pixel
 * format, colour properties (tagged and resolved), field order, rotation, stereo and 360
 * layout, duration, bit rate, audio sample rate, channels, layout and sample format,
 * cover art, and "no decoder" for codecs this FFmpeg build cannot decode. path may be "-".
 * Returns VG_OK, or the errors of pl_input_open that concern opening the file (missing,
 * empty, not media); a file without video is described, not refused.
 */
int pl_input_describe(const char *path, FILE *f);

#endif /* PL_INPUT_H */
