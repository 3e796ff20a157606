/*
 * pl_video.h - the description of a decoded video that every pipeline stage shares:
 * picture size and display rotation, the canonical planar pixel layout of its frames,
 * colour properties (as tagged and as resolved), timing, stereo and 360 layout.
 *
 * Plain data only: filled by pl_input (pl_input.h), read by the colour converter, the
 * stylize job and the output module. This is not a frame and holds no FFmpeg objects.
 */
#ifndef PL_VIDEO_H
#define PL_VIDEO_H

#include <stdint.h>

#include <libavutil/pixfmt.h>
#include <libavutil/rational.h>

/* Values of pl_video_info.stereo and .spherical. */
enum pl_stereo {
    PL_STEREO_NONE = 0,
    PL_STEREO_SIDE_BY_SIDE = 1, /* left eye in the left half */
    PL_STEREO_TOP_BOTTOM = 2,   /* left eye in the top half */
};
enum pl_spherical {
    PL_SPHERICAL_NONE = 0,
    PL_SPHERICAL_EQUIRECT = 1, /* equirectangular 360 */
};

typedef struct pl_video_info {
    int width, height;          /* coded picture size of the frames pl_input_read returns (before
                                   rotation); odd sizes allowed */
    int rotation;               /* 0, 90, 180 or 270: clockwise degrees to rotate frames for upright
                                   display (display matrix side data, else the legacy "rotate" tag) */
    enum AVPixelFormat pix_fmt; /* canonical planar format of returned frames:
                                   yuv420p/422p/444p at 8, 10, 12 or 16 bits (LE),
                                   or gbrp at 8, 10, 12 or 16 bits (LE) */
    int bits;                   /* significant bits per sample: 8, 10, 12 or 16 */
    int log2_chroma_w, log2_chroma_h; /* 0,0 for 444 and RGB; 1,1 for 420; 1,0 for 422 */
    int is_rgb;                       /* planes are G, B, R (AV_PIX_FMT_GBRP*) */
    /* as tagged by the stream or decoder (UNSPECIFIED allowed) */
    enum AVColorSpace colorspace;
    enum AVColorRange range;
    enum AVColorPrimaries primaries;
    enum AVColorTransferCharacteristic trc;
    enum AVChromaLocation chroma_loc;
    /* resolved: what to compute with */
    int cs_resolved;       /* 601, 709 or 2020: the YUV matrix (untagged: 601 when height < 720,
                              else 709). For RGB video, the matrix a YUV encoder should use. */
    int full_range;        /* 1 full/pc (also yuvj* formats, RGB, untagged gray), 0 limited/tv */
    AVRational time_base;  /* of frame pts */
    AVRational frame_rate; /* average rate, or the demuxer's guess; 0/1 when unknown */
    AVRational sar;        /* sample aspect ratio; 0/1 when unknown */
    int64_t nb_frames;     /* estimate of frames returned (after -ss/-t/--frames), or -1 */
    double duration;       /* estimate of seconds of video returned, or -1 */
    int interlaced, top_field_first;
    int stereo;       /* enum pl_stereo */
    int spherical;    /* enum pl_spherical */
    char codec[32];   /* decoder name, e.g. "h264" */
    int stream_index; /* of the selected video stream in the input */
} pl_video_info;

#endif /* PL_VIDEO_H */
