/*
 * pl_compat.h - the FFmpeg API differences vrgen meets between Debian 12 (FFmpeg 5.1) and
 * Debian 13 (FFmpeg 7.1), in one place.
 */
#ifndef PL_COMPAT_H
#define PL_COMPAT_H

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>

/* A frame's duration: AVFrame.pkt_duration until FFmpeg 6, AVFrame.duration from 6.0 on
 * (pkt_duration is gone in 7). CMake checks which one this FFmpeg has. */
#ifdef VRGEN_AVFRAME_HAS_DURATION
#define PL_FRAME_DURATION(f) ((f)->duration)
#else
#define PL_FRAME_DURATION(f) ((f)->pkt_duration)
#endif

/* Marks a frame as not a key frame (AVFrame.key_frame is deprecated from 6.1 on). */
static inline void pl_frame_clear_key(AVFrame *f)
{
#ifdef AV_FRAME_FLAG_KEY
    f->flags &= ~AV_FRAME_FLAG_KEY;
#else
    f->key_frame = 0;
#endif
}

/* Whether the codec is lossless (AV_CODEC_CAP_LOSSLESS is gone in 7: the descriptor's
 * property is in every version). */
static inline int pl_codec_lossless(enum AVCodecID id)
{
    const AVCodecDescriptor *d = avcodec_descriptor_get(id);
    return d && (d->props & AV_CODEC_PROP_LOSSLESS);
}

#endif /* PL_COMPAT_H */
