/*
 * pl_output.c - encoder + muxer for the stylized video, stream copy (or audio re-encode)
 * of the input's other streams, written through a temporary file that is renamed into
 * place by pl_output_finish.
 *
 * Video path: write_frame converts the pixel format when needed, fixes the pts, and holds
 * the frame until the next one arrives, so that every frame is sent to the encoder with
 * its duration known (next pts - pts; the last frame: its own duration or the previous
 * gap). Encoded packets get their duration back by pts (encoders keep pts and reorder), so
 * the muxed duration equals the input's. Audio re-encode: decoder -> swresample -> FIFO of
 * encoder-frame-sized chunks -> encoder, pts counted in samples from the first frame.
 *
 * Not here: choosing what to encode (the caller), scaling, filtering, frame-rate
 * conversion, two-pass encoding, subtitle format conversion.
 */
#include "pipeline/pl_output.h"
#include "pipeline/pl_compat.h"

#include "common/vg_error.h"
#include "common/vg_file.h"
#include "common/vg_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/avstring.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

#ifndef VRGEN_VERSION
#define VRGEN_VERSION "dev"
#endif

#define MAX_IN_FLIGHT 4096 /* frames inside an encoder; real encoders hold < 300 */

/* One input stream as seen by the output. */
typedef struct pl_ostream {
    int out_index;    /* index in the output, -1: not written */
    AVRational in_tb; /* time base of the input stream (packets arrive in it) */
    int64_t last_dts; /* output time base, AV_NOPTS_VALUE before the first packet */
    int warned_dts, warned_corrupt;
    /* audio re-encode only (all NULL for a plain copy) */
    AVCodecContext *dec, *enc;
    SwrContext *swr;
    AVAudioFifo *fifo;
    AVFrame *frame;   /* decoded frame, reused */
    int64_t next_pts; /* in enc->time_base; AV_NOPTS_VALUE until the first decoded frame */
    int swr_rate, swr_fmt;
    AVChannelLayout swr_layout; /* the decoded format swr was set up for */
} pl_ostream;

/* An encoded-but-not-yet-returned frame: its pts and duration (encoder time base). */
typedef struct pl_pts_dur {
    int64_t pts, dur;
} pl_pts_dur;

struct pl_output {
    char *name;      /* the user's path, for messages */
    vg_outfile file; /* zeroed when writing to stdout */
    int to_stdout;
    AVFormatContext *oc;
    int err;      /* the first error; every later call returns it */
    int finished; /* pl_output_finish was called */
    int64_t bytes;

    /* video */
    AVCodecContext *venc;
    AVStream *vst;
    AVRational frame_tb; /* the pts unit of incoming frames (video->time_base) */
    int cfr;             /* the container stores frame numbers (AVI): pts rounded to 1/fps */
    int width, height;
    enum AVColorSpace yuv_matrix; /* matrix of the frames' YUV (resolved), for conversions */
    int frames_full;              /* frames are full range (resolved) */
    struct SwsContext *sws;
    struct SwsContext *sws_configured; /* sws for which the colour details below were set */
    int sws_src_fmt, sws_src_cs, sws_src_full;
    AVFrame *held;         /* the last frame, sent once the next one gives its duration */
    int64_t held_dur;      /* the held frame's own duration (encoder tb), 0 when unknown */
    int64_t last_pts;      /* encoder tb: pts of the held frame, AV_NOPTS_VALUE before any */
    int64_t last_gap;      /* encoder tb: the latest gap between two frames, 0 before two */
    int64_t default_dur;   /* encoder tb: one frame at frame_rate (at least 1) */
    pl_pts_dur *in_flight; /* frames sent to the encoder whose packet has not come back */
    int nb_in_flight, cap_in_flight;
    AVPacket *pkt;
    int64_t frames;
    int warned_pts;

    pl_ostream *st; /* one per input stream */
    int nb_st;
};

/* ---- small helpers ---------------------------------------------------------------- */

static const char *av_errtext(int averr, char *buf, size_t size)
{
    if (av_strerror(averr, buf, size) < 0) snprintf(buf, size, "error %d", averr);
    return buf;
}

/* Logs "<path>: <what>: <FFmpeg's error text>" (or "<path>: <text>" when what is NULL),
 * records the failure and returns code (VG_ERR_NOMEM for AVERROR(ENOMEM)). */
static int fail_av(pl_output *o, int averr, int code, const char *what)
{
    char buf[AV_ERROR_MAX_STRING_SIZE];
    if (averr == AVERROR(ENOMEM)) code = VG_ERR_NOMEM;
    if (what)
        vg_error("%s: %s: %s", o->name, what, av_errtext(averr, buf, sizeof(buf)));
    else
        vg_error("%s: %s", o->name, av_errtext(averr, buf, sizeof(buf)));
    if (!o->err) o->err = code;
    return code;
}

static int fail_nomem(pl_output *o)
{
    vg_error("%s: out of memory", o->name);
    if (!o->err) o->err = VG_ERR_NOMEM;
    return VG_ERR_NOMEM;
}

static int codec_is(const AVCodecContext *c, const char *name)
{
    return strcmp(c->codec->name, name) == 0;
}

static int pix_fmt_is_rgb(enum AVPixelFormat f)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f);
    return d && (d->flags & AV_PIX_FMT_FLAG_RGB);
}

static int is_yuv_matrix(enum AVColorSpace cs)
{
    return cs != AVCOL_SPC_RGB && cs != AVCOL_SPC_UNSPECIFIED && cs != AVCOL_SPC_RESERVED &&
           cs != AVCOL_SPC_YCGCO && cs >= 0 && cs < AVCOL_SPC_NB;
}

static void update_bytes(pl_output *o)
{
    if (o->oc && o->oc->pb) {
        int64_t t = avio_tell(o->oc->pb);
        if (t > o->bytes) o->bytes = t;
    }
}

/* Interleaves one packet into the file. Ownership: the muxer takes pkt's reference; pkt
 * is left blank (reusable) in every case. */
static int mux(pl_output *o, AVPacket *pkt)
{
    int r = av_interleaved_write_frame(o->oc, pkt);
    av_packet_unref(pkt);
    if (r < 0) return fail_av(o, r, VG_ERR_IO, NULL); /* "out.mp4: No space left on device" */
    update_bytes(o);
    return VG_OK;
}

/* ---- container, encoder and options --------------------------------------------- */

static const struct {
    const char *ext, *muxer;
} ext_muxers[] = {
    {"mp4", "mp4"}, {"m4v", "mp4"}, {"mkv", "matroska"}, {"webm", "webm"},
    {"mov", "mov"}, {"avi", "avi"}, {"nut", "nut"},
};

static const char *muxer_of_ext(const char *ext)
{
    for (size_t i = 0; i < sizeof(ext_muxers) / sizeof(ext_muxers[0]); i++)
        if (strcasecmp(ext, ext_muxers[i].ext) == 0) return ext_muxers[i].muxer;
    return NULL;
}

static int choose_muxer(const char *path, const char *format, const AVOutputFormat **out)
{
    *out = NULL;
    if (format) {
        const char *alias = muxer_of_ext(format); /* "mkv" names matroska, like the extension */
        const AVOutputFormat *f = av_guess_format(alias ? alias : format, NULL, NULL);
        if (!f) {
            vg_error("-f %s: unknown container format (ffmpeg -muxers lists them; vrgen is "
                     "tested with mp4, matroska, webm, mov, avi and nut)",
                     format);
            return VG_ERR_INVALID;
        }
        if (f->flags & AVFMT_NOFILE) {
            vg_error("-f %s: this format writes files of its own, not one video file; use "
                     "mp4, matroska, webm, mov, avi or nut",
                     format);
            return VG_ERR_INVALID;
        }
        if (f->video_codec == AV_CODEC_ID_NONE) {
            vg_error("-f %s: this container cannot hold video; use mp4, matroska, webm, mov, "
                     "avi or nut",
                     format);
            return VG_ERR_INVALID;
        }
        *out = f;
        return VG_OK;
    }
    if (strcmp(path, "-") == 0) {
        vg_error("-: writing to stdout needs a container format: give -f (e.g. -f matroska)");
        return VG_ERR_INVALID;
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base || !dot[1]) {
        vg_error("%s: no file extension to choose the container from; end the name in .mp4, "
                 ".mkv, .webm, .mov, .avi or .nut, or give -f",
                 path);
        return VG_ERR_INVALID;
    }
    const char *name = muxer_of_ext(dot + 1);
    if (!name) {
        vg_error("%s: unknown container '%s'; use .mp4, .mkv, .webm, .mov, .avi or .nut, or "
                 "give -f",
                 path, dot);
        return VG_ERR_INVALID;
    }
    *out = av_guess_format(name, NULL, NULL);
    if (!*out) {
        vg_error("%s: this FFmpeg build has no %s muxer", path, name);
        return VG_ERR_UNSUPPORTED;
    }
    return VG_OK;
}

/* 0 when the container certainly cannot hold codec id, 1 when it can or does not say. */
static int container_holds(const AVOutputFormat *f, enum AVCodecID id)
{
    return avformat_query_codec(f, id, FF_COMPLIANCE_NORMAL) != 0;
}

/* Whether the muxer accepts a stream with these parameters: avformat_query_codec, then a
 * header written to a scratch buffer, because in FFmpeg 5.1 the query says yes to some
 * streams the muxer then refuses (flac and truehd in mp4 are "experimental"; flac, opus,
 * vp9 and av1 in mov are "only supported in MP4"). The refusing muxer logs its reason
 * through av_log. 1 also when it cannot tell (out of memory: the real header will say). */
static int muxer_takes(const AVOutputFormat *f, const AVCodecParameters *par, AVRational tb)
{
    if (!container_holds(f, par->codec_id)) return 0;
    AVFormatContext *oc = NULL;
    if (avformat_alloc_output_context2(&oc, f, NULL, NULL) < 0) return 1;
    int takes = 1;
    AVStream *st = avformat_new_stream(oc, NULL);
    if (st && avcodec_parameters_copy(st->codecpar, par) >= 0 && avio_open_dyn_buf(&oc->pb) >= 0) {
        st->codecpar->codec_tag = 0;
        st->time_base = tb;
        int r = avformat_write_header(oc, NULL);
        takes = r >= 0 || r == AVERROR(ENOMEM);
        uint8_t *buf = NULL;
        avio_close_dyn_buf(oc->pb, &buf);
        av_free(buf);
        oc->pb = NULL;
    }
    avformat_free_context(oc);
    return takes;
}

static int choose_encoder(pl_output *o, const AVOutputFormat *f, const char *want,
                          const AVCodec **out)
{
    *out = NULL;
    const AVCodec *c = NULL;
    if (want) {
        c = avcodec_find_encoder_by_name(want);
        if (!c) {
            const AVCodecDescriptor *d = avcodec_descriptor_get_by_name(want);
            c = d ? avcodec_find_encoder(d->id) : NULL; /* "-c:v h264" like ffmpeg */
        }
        if (!c) {
            vg_error("%s: -c:v %s: no such encoder in this FFmpeg build (ffmpeg -encoders "
                     "lists them)",
                     o->name, want);
            return VG_ERR_UNSUPPORTED;
        }
        if (c->type != AVMEDIA_TYPE_VIDEO) {
            vg_error("%s: -c:v %s: not a video encoder", o->name, want);
            return VG_ERR_INVALID;
        }
    } else {
        const char *def = strcmp(f->name, "webm") == 0 ? "libvpx-vp9" : "libx264";
        c = avcodec_find_encoder_by_name(def);
        if (!c || !container_holds(f, c->id)) c = avcodec_find_encoder(f->video_codec);
        if (!c) {
            vg_error("%s: no video encoder for the %s container in this FFmpeg build; name "
                     "one with -c:v",
                     o->name, f->name);
            return VG_ERR_UNSUPPORTED;
        }
    }
    if (!container_holds(f, c->id)) {
        vg_error("%s: the %s container cannot hold %s video (encoder %s); choose another "
                 "encoder with -c:v or another container",
                 o->name, f->name, avcodec_get_name(c->id), c->name);
        return VG_ERR_UNSUPPORTED;
    }
    *out = c;
    return VG_OK;
}

static int pix_fmt_in_list(const enum AVPixelFormat *list, enum AVPixelFormat f)
{
    for (; list && *list != AV_PIX_FMT_NONE; list++)
        if (*list == f) return 1;
    return 0;
}

static int choose_pix_fmt(pl_output *o, const AVCodec *c, enum AVPixelFormat src, const char *want,
                          enum AVPixelFormat *out)
{
    if (want) {
        enum AVPixelFormat f = av_get_pix_fmt(want);
        if (f == AV_PIX_FMT_NONE) {
            vg_error("-pix_fmt %s: unknown pixel format (ffmpeg -pix_fmts lists them)", want);
            return VG_ERR_INVALID;
        }
        if (c->pix_fmts && !pix_fmt_in_list(c->pix_fmts, f)) {
            char list[1024] = "";
            for (const enum AVPixelFormat *p = c->pix_fmts; *p != AV_PIX_FMT_NONE; p++) {
                if (list[0]) av_strlcat(list, " ", sizeof(list));
                av_strlcat(list, av_get_pix_fmt_name(*p), sizeof(list));
            }
            vg_error("%s: -pix_fmt %s: encoder %s cannot take it (it takes: %s)", o->name, want,
                     c->name, list);
            return VG_ERR_INVALID;
        }
        *out = f;
        return VG_OK;
    }
    if (!c->pix_fmts || pix_fmt_in_list(c->pix_fmts, src)) {
        *out = src;
        return VG_OK;
    }
    /* The closest format the encoder takes, leaving out the deprecated yuvj* (the range is
     * a tag of its own). */
    enum AVPixelFormat cand[256];
    int n = 0;
    for (const enum AVPixelFormat *p = c->pix_fmts; *p != AV_PIX_FMT_NONE && n < 255; p++) {
        const char *nm = av_get_pix_fmt_name(*p);
        if (nm && strncmp(nm, "yuvj", 4) != 0) cand[n++] = *p;
    }
    cand[n] = AV_PIX_FMT_NONE;
    enum AVPixelFormat f = avcodec_find_best_pix_fmt_of_list(n ? cand : c->pix_fmts, src, 0, NULL);
    if (f == AV_PIX_FMT_NONE) f = c->pix_fmts[0];
    vg_verbose("%s: encoder %s cannot take %s; converting to %s", o->name, c->name,
               av_get_pix_fmt_name(src), av_get_pix_fmt_name(f));
    *out = f;
    return VG_OK;
}

/* x264 preset names, fastest first, and what they mean for SVT-AV1 (preset) and for libvpx
 * and libaom (cpu-used). */
static const struct {
    const char *name;
    int svt, cpu_used;
} presets[] = {
    {"ultrafast", 12, 8}, {"superfast", 11, 7}, {"veryfast", 10, 6}, {"faster", 9, 5},
    {"fast", 8, 4},       {"medium", 7, 3},     {"slow", 5, 2},      {"slower", 4, 1},
    {"veryslow", 2, 0},   {"placebo", 0, 0},
};

static int set_int_opt(pl_output *o, AVCodecContext *c, const char *opt, const char *flag,
                       int64_t v)
{
    int r = av_opt_set_int(c->priv_data, opt, v, 0);
    if (r < 0) {
        const AVOption *ao = av_opt_find(c->priv_data, opt, NULL, 0, 0);
        if (ao)
            vg_error("%s: %s: %lld is out of range for %s %s (%g..%g)", o->name, flag, (long long)v,
                     c->codec->name, opt, ao->min, ao->max);
        else
            vg_error("%s: %s: encoder %s has no %s option", o->name, flag, c->codec->name, opt);
        return VG_ERR_INVALID;
    }
    return VG_OK;
}

static int apply_preset(pl_output *o, AVCodecContext *c, const char *preset)
{
    int idx = -1;
    for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
        if (strcasecmp(preset, presets[i].name) == 0) idx = (int)i;
    char *end = NULL;
    long num = strtol(preset, &end, 10);
    int is_num = preset[0] && end && *end == '\0';
    char flag[96];
    snprintf(flag, sizeof(flag), "-preset %s", preset);

    if (codec_is(c, "libsvtav1") || av_opt_find(c->priv_data, "cpu-used", NULL, 0, 0)) {
        int svt = codec_is(c, "libsvtav1");
        if (!is_num && idx < 0) {
            vg_error("%s: %s: unknown for %s; use ultrafast, superfast, veryfast, faster, "
                     "fast, medium, slow, slower, veryslow or a %s number",
                     o->name, flag, c->codec->name, svt ? "preset" : "cpu-used");
            return VG_ERR_INVALID;
        }
        long v = is_num ? num : svt ? presets[idx].svt : presets[idx].cpu_used;
        int r = set_int_opt(o, c, svt ? "preset" : "cpu-used", flag, v);
        if (r < 0) return r;
        if (!svt && !is_num && idx <= 1) { /* ultrafast, superfast: real-time mode */
            if (av_opt_find(c->priv_data, "deadline", NULL, 0, 0))
                av_opt_set(c->priv_data, "deadline", "realtime", 0);
            else if (av_opt_find(c->priv_data, "usage", NULL, 0, 0))
                av_opt_set(c->priv_data, "usage", "realtime", 0);
        }
        return VG_OK;
    }
    if ((codec_is(c, "libx264") || codec_is(c, "libx265")) && idx < 0) {
        vg_error("%s: %s: unknown for %s; use ultrafast, superfast, veryfast, faster, fast, "
                 "medium, slow, slower, veryslow or placebo",
                 o->name, flag, c->codec->name);
        return VG_ERR_INVALID;
    }
    if (av_opt_find(c->priv_data, "preset", NULL, 0, 0)) {
        if (av_opt_set(c->priv_data, "preset", preset, 0) < 0) {
            vg_error("%s: %s: invalid for %s", o->name, flag, c->codec->name);
            return VG_ERR_INVALID;
        }
        return VG_OK; /* other encoders check the name when they open */
    }
    vg_error("%s: %s: encoder %s has no presets", o->name, flag, c->codec->name);
    return VG_ERR_INVALID;
}

static int apply_crf(pl_output *o, AVCodecContext *c, int crf, int64_t bitrate)
{
    if (crf >= 0) {
        if (!av_opt_find(c->priv_data, "crf", NULL, 0, 0)) {
            vg_error("%s: -crf %d: encoder %s has no -crf (use -b:v for a bit rate%s)", o->name,
                     crf, c->codec->name,
                     pl_codec_lossless(c->codec_id) ? ", or nothing: it is lossless" : "");
            return VG_ERR_INVALID;
        }
        char flag[32];
        snprintf(flag, sizeof(flag), "-crf %d", crf);
        return set_int_opt(o, c, "crf", flag, crf);
    }
    if (bitrate > 0) return VG_OK;
    /* Constant-quality defaults where FFmpeg's own would be a fixed low bit rate or QP. */
    if (codec_is(c, "libvpx-vp9") || codec_is(c, "libaom-av1"))
        return set_int_opt(o, c, "crf", "default crf", 32);
    if (codec_is(c, "libsvtav1")) return set_int_opt(o, c, "crf", "default crf", 35);
    return VG_OK;
}

/* Applies "key=value:key=value" (a backslash escapes the next character) with av_opt_set on
 * the codec context and its private options. */
static int apply_enc_opts(pl_output *o, AVCodecContext *c, const char *s)
{
    size_t n = strlen(s);
    char *key = malloc(n + 1), *val = malloc(n + 1);
    int r = VG_OK;
    if (!key || !val) {
        r = fail_nomem(o);
        goto done;
    }
    const char *p = s;
    while (*p) {
        size_t kl = 0, vl = 0;
        int has_eq = 0;
        while (*p && *p != '=' && *p != ':') {
            if (*p == '\\' && p[1]) p++;
            key[kl++] = *p++;
        }
        key[kl] = '\0';
        if (*p == '=') {
            has_eq = 1;
            p++;
            while (*p && *p != ':') {
                if (*p == '\\' && p[1]) p++;
                val[vl++] = *p++;
            }
        }
        val[vl] = '\0';
        if (*p == ':') p++;
        if (kl == 0 && !has_eq) continue; /* an empty item, e.g. a trailing ':' */
        if (kl == 0 || !has_eq) {
            vg_error("%s: encoder options '%s': '%s' is not key=value", o->name, s, key);
            r = VG_ERR_INVALID;
            goto done;
        }
        int ar = av_opt_set(c, key, val, AV_OPT_SEARCH_CHILDREN);
        if (ar == AVERROR_OPTION_NOT_FOUND) {
            vg_error("%s: encoder option '%s': encoder %s has no such option (ffmpeg -h "
                     "encoder=%s lists them)",
                     o->name, key, c->codec->name, c->codec->name);
            r = VG_ERR_INVALID;
            goto done;
        }
        if (ar < 0) {
            char buf[AV_ERROR_MAX_STRING_SIZE];
            vg_error("%s: encoder option %s=%s: invalid value for %s (%s)", o->name, key, val,
                     c->codec->name, av_errtext(ar, buf, sizeof(buf)));
            r = VG_ERR_INVALID;
            goto done;
        }
    }
done:
    free(key);
    free(val);
    return r;
}

/* ---- opening ------------------------------------------------------------------------ */

/* Copies a stream's tags; with fresh (the stream is encoded here) leaves out the ones that
 * describe the old encoding: "encoder", the legacy "rotate", and mkvmerge's statistics
 * (BPS, DURATION, NUMBER_OF_FRAMES, ..., also with a language suffix as in "BPS-eng"). */
static void copy_stream_tags(AVDictionary **dst, const AVDictionary *src, int fresh)
{
    static const char *stale[] = {"encoder",
                                  "rotate",
                                  "BPS",
                                  "DURATION",
                                  "NUMBER_OF_FRAMES",
                                  "NUMBER_OF_BYTES",
                                  "_STATISTICS_TAGS",
                                  "_STATISTICS_WRITING_APP",
                                  "_STATISTICS_WRITING_DATE_UTC"};
    const AVDictionaryEntry *t = NULL;
    while ((t = av_dict_get(src, "", t, AV_DICT_IGNORE_SUFFIX))) {
        int skip = 0;
        for (size_t i = 0; fresh && !skip && i < sizeof(stale) / sizeof(stale[0]); i++) {
            size_t n = strlen(stale[i]);
            skip = strncasecmp(t->key, stale[i], n) == 0 && (t->key[n] == '\0' || t->key[n] == '-');
        }
        if (!skip) av_dict_set(dst, t->key, t->value, 0);
    }
}

static enum AVColorSpace matrix_of(int cs_resolved)
{
    return cs_resolved == 2020  ? AVCOL_SPC_BT2020_NCL
           : cs_resolved == 709 ? AVCOL_SPC_BT709
                                : AVCOL_SPC_BT470BG;
}

static int open_video(pl_output *o, const pl_output_opts *opts, const AVOutputFormat *f,
                      const pl_video_info *v, const AVFormatContext *ic)
{
    const AVCodec *codec = NULL;
    int r = choose_encoder(o, f, opts->vcodec, &codec);
    if (r < 0) return r;
    enum AVPixelFormat pix = AV_PIX_FMT_NONE;
    r = choose_pix_fmt(o, codec, v->pix_fmt, opts->pix_fmt, &pix);
    if (r < 0) return r;

    AVCodecContext *c = o->venc = avcodec_alloc_context3(codec);
    if (!c) return fail_nomem(o);
    o->width = c->width = v->width;
    o->height = c->height = v->height;
    c->pix_fmt = pix;
    c->sample_aspect_ratio = v->sar.num > 0 && v->sar.den > 0 ? v->sar : (AVRational){0, 1};
    int have_rate = v->frame_rate.num > 0 && v->frame_rate.den > 0;
    o->frame_tb = v->time_base.num > 0 && v->time_base.den > 0 ? v->time_base
                  : have_rate                                  ? av_inv_q(v->frame_rate)
                                                               : (AVRational){1, 25};
    /* AVI stores frame numbers; MPEG-1/2 allow only standard rates and MPEG-4 Part 2 time
     * bases up to 1/65535: these get pts rounded to 1/frame_rate. */
    int cfr_codec = codec->id == AV_CODEC_ID_MPEG1VIDEO || codec->id == AV_CODEC_ID_MPEG2VIDEO ||
                    (codec->id == AV_CODEC_ID_MPEG4 && o->frame_tb.den > 65535);
    o->cfr = have_rate && (strcmp(f->name, "avi") == 0 || cfr_codec);
    c->time_base = o->cfr ? av_inv_q(v->frame_rate) : o->frame_tb;
    if (have_rate) c->framerate = v->frame_rate;
    o->default_dur = have_rate ? av_rescale_q(1, av_inv_q(v->frame_rate), c->time_base) : 1;
    if (o->default_dur < 1) o->default_dur = 1;
    c->thread_count = 0; /* automatic, like ffmpeg (FFmpeg's library default is 1) */
    if (f->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (opts->bitrate > 0) c->bit_rate = opts->bitrate;

    /* Colour: the frames carry the resolved matrix and range; the output is tagged like the
     * input, except where the conversion to the encoder's format changes them. */
    int src_rgb = pix_fmt_is_rgb(v->pix_fmt), enc_rgb = pix_fmt_is_rgb(pix);
    o->yuv_matrix = is_yuv_matrix(v->colorspace) ? v->colorspace : matrix_of(v->cs_resolved);
    o->frames_full = src_rgb || v->full_range;
    c->color_primaries = v->primaries;
    c->color_trc = v->trc;
    if (enc_rgb) {
        c->colorspace = AVCOL_SPC_RGB;
        c->color_range = src_rgb ? v->range : AVCOL_RANGE_JPEG;
    } else if (src_rgb) {
        c->colorspace = o->yuv_matrix;
        c->color_range = AVCOL_RANGE_MPEG;
    } else {
        c->colorspace = v->colorspace;
        c->color_range = v->full_range ? AVCOL_RANGE_JPEG : v->range;
    }
    const AVPixFmtDescriptor *sd = av_pix_fmt_desc_get(v->pix_fmt), *ed = av_pix_fmt_desc_get(pix);
    if (sd && ed && !src_rgb && !enc_rgb && sd->log2_chroma_w == ed->log2_chroma_w &&
        sd->log2_chroma_h == ed->log2_chroma_h)
        c->chroma_sample_location = v->chroma_loc;

    if (opts->preset && (r = apply_preset(o, c, opts->preset)) < 0) return r;
    if ((r = apply_crf(o, c, opts->crf, opts->bitrate)) < 0) return r;
    if (opts->enc_opts && (r = apply_enc_opts(o, c, opts->enc_opts)) < 0) return r;

    int ar = avcodec_open2(c, codec, NULL);
    if (ar < 0) {
        char buf[AV_ERROR_MAX_STRING_SIZE];
        vg_error("%s: encoder %s refused the settings (%dx%d %s%s%s%s%s): %s", o->name, codec->name,
                 v->width, v->height, av_get_pix_fmt_name(pix), opts->preset ? ", -preset " : "",
                 opts->preset ? opts->preset : "", opts->enc_opts ? ", options " : "",
                 opts->enc_opts ? opts->enc_opts : "", av_errtext(ar, buf, sizeof(buf)));
        return ar == AVERROR(ENOMEM) ? VG_ERR_NOMEM : VG_ERR_UNSUPPORTED;
    }

    AVStream *st = o->vst = avformat_new_stream(o->oc, NULL);
    if (!st) return fail_nomem(o);
    if ((ar = avcodec_parameters_from_context(st->codecpar, c)) < 0)
        return fail_av(o, ar, VG_ERR_NOMEM, "video stream");
    if (!muxer_takes(f, st->codecpar, c->time_base)) {
        vg_error("%s: the %s container cannot hold %s video (encoder %s); choose another "
                 "encoder with -c:v or another container",
                 o->name, f->name, avcodec_get_name(c->codec_id), codec->name);
        return VG_ERR_UNSUPPORTED;
    }
    st->time_base = c->time_base;
    st->sample_aspect_ratio = c->sample_aspect_ratio;
    if (have_rate) st->avg_frame_rate = v->frame_rate;

    /* The input video stream's tags, disposition and static side data; not the rotation
     * (frames are upright) nor statistics that describe the old encoding. */
    if (ic && v->stream_index >= 0 && (unsigned)v->stream_index < ic->nb_streams) {
        const AVStream *is = ic->streams[v->stream_index];
        copy_stream_tags(&st->metadata, is->metadata, 1);
        st->disposition = is->disposition & ~AV_DISPOSITION_ATTACHED_PIC;
        for (int i = 0; i < is->nb_side_data; i++) {
            const AVPacketSideData *psd = &is->side_data[i];
            if (psd->type != AV_PKT_DATA_SPHERICAL && psd->type != AV_PKT_DATA_STEREO3D &&
                psd->type != AV_PKT_DATA_MASTERING_DISPLAY_METADATA &&
                psd->type != AV_PKT_DATA_CONTENT_LIGHT_LEVEL)
                continue;
            uint8_t *d = av_stream_new_side_data(st, psd->type, psd->size);
            if (!d) return fail_nomem(o);
            memcpy(d, psd->data, psd->size);
        }
    }
    char enc_tag[128];
    snprintf(enc_tag, sizeof(enc_tag), "vrgen %s %s", VRGEN_VERSION, codec->name);
    av_dict_set(&st->metadata, "encoder", enc_tag, 0);
    return VG_OK;
}

static const AVCodec *choose_audio_encoder(const AVOutputFormat *f)
{
    static const char *mp4_like[] = {"aac", "libopus", "libmp3lame", NULL};
    static const char *webm[] = {"libopus", "libvorbis", NULL};
    static const char *other[] = {"libopus", "aac", "libvorbis", "flac", "libmp3lame", NULL};
    const char **list = strcmp(f->name, "webm") == 0 ? webm
                        : (strcmp(f->name, "mp4") == 0 || strcmp(f->name, "mov") == 0 ||
                           strcmp(f->name, "avi") == 0 || strcmp(f->name, "ipod") == 0)
                            ? mp4_like
                            : other;
    for (; *list; list++) {
        const AVCodec *c = avcodec_find_encoder_by_name(*list);
        if (c && container_holds(f, c->id)) return c;
    }
    const AVCodec *c = avcodec_find_encoder(f->audio_codec);
    return c && container_holds(f, c->id) ? c : NULL;
}

/* Sets up decode + encode for input audio stream `is` and creates its output stream.
 * Returns VG_OK, VG_AGAIN when it cannot be done (the stream is dropped with a warning;
 * the caller frees what was set up), or an error. */
static int open_audio_reencode(pl_output *o, pl_ostream *s, const AVStream *is)
{
    const AVOutputFormat *f = o->oc->oformat;
    const char *in_name = avcodec_get_name(is->codecpar->codec_id);
    const AVCodec *dc = avcodec_find_decoder(is->codecpar->codec_id);
    const AVCodec *ec = choose_audio_encoder(f);
    if (!dc || !ec) {
        vg_warn("%s: the %s container cannot hold %s audio (stream #%d) and it cannot be "
                "re-encoded here (no %s); dropping it",
                o->name, f->name, in_name, is->index, dc ? "suitable encoder" : "decoder");
        return VG_AGAIN;
    }
    int ar;
    AVCodecContext *d = s->dec = avcodec_alloc_context3(dc);
    AVCodecContext *e = s->enc = avcodec_alloc_context3(ec);
    s->frame = av_frame_alloc();
    if (!d || !e || !s->frame) return fail_nomem(o);
    if ((ar = avcodec_parameters_to_context(d, is->codecpar)) < 0)
        return fail_av(o, ar, VG_ERR_NOMEM, "audio decoder");
    d->pkt_timebase = is->time_base;
    if ((ar = avcodec_open2(d, dc, NULL)) < 0) {
        char buf[AV_ERROR_MAX_STRING_SIZE];
        vg_warn("%s: cannot decode %s audio (stream #%d) to re-encode it (%s); dropping it",
                o->name, in_name, is->index, av_errtext(ar, buf, sizeof(buf)));
        return VG_AGAIN;
    }

    /* sample rate: the input's, else the nearest the encoder takes */
    int rate = d->sample_rate > 0 ? d->sample_rate : 48000;
    if (ec->supported_samplerates) {
        int best = ec->supported_samplerates[0];
        for (const int *p = ec->supported_samplerates; *p; p++)
            if (abs(*p - rate) < abs(best - rate) ||
                (abs(*p - rate) == abs(best - rate) && *p > best))
                best = *p;
        rate = best;
    }
    e->sample_rate = rate;
    e->time_base = (AVRational){1, rate};
    /* layout: the input's when the encoder takes it, else one with as many channels */
    AVChannelLayout want = {0};
    if (d->ch_layout.nb_channels > 0 && d->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_copy(&want, &d->ch_layout);
    else
        av_channel_layout_default(&want,
                                  d->ch_layout.nb_channels > 0 ? d->ch_layout.nb_channels : 2);
    if (ec->ch_layouts) {
        const AVChannelLayout *pick = NULL;
        for (const AVChannelLayout *l = ec->ch_layouts; l->nb_channels; l++)
            if (!av_channel_layout_compare(l, &want)) pick = l;
        for (const AVChannelLayout *l = ec->ch_layouts; !pick && l->nb_channels; l++)
            if (l->nb_channels == want.nb_channels) pick = l;
        for (const AVChannelLayout *l = ec->ch_layouts; !pick && l->nb_channels; l++)
            if (l->nb_channels == 2) pick = l;
        if (!pick) pick = &ec->ch_layouts[0];
        av_channel_layout_uninit(&want);
        av_channel_layout_copy(&want, pick);
    }
    av_channel_layout_uninit(&e->ch_layout);
    e->ch_layout = want;
    e->sample_fmt = ec->sample_fmts ? ec->sample_fmts[0] : d->sample_fmt;
    for (const enum AVSampleFormat *p = ec->sample_fmts; p && *p != AV_SAMPLE_FMT_NONE; p++)
        if (*p == d->sample_fmt) e->sample_fmt = *p;
    if (f->flags & AVFMT_GLOBALHEADER) e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((ar = avcodec_open2(e, ec, NULL)) < 0) {
        char buf[AV_ERROR_MAX_STRING_SIZE];
        vg_warn("%s: cannot re-encode %s audio (stream #%d) with %s (%s); dropping it", o->name,
                in_name, is->index, ec->name, av_errtext(ar, buf, sizeof(buf)));
        return VG_AGAIN;
    }
    AVStream *os = avformat_new_stream(o->oc, NULL);
    if (!os) return fail_nomem(o);
    if ((ar = avcodec_parameters_from_context(os->codecpar, e)) < 0)
        return fail_av(o, ar, VG_ERR_NOMEM, "audio stream");
    os->time_base = e->time_base;
    s->out_index = os->index;
    s->fifo = av_audio_fifo_alloc(e->sample_fmt, e->ch_layout.nb_channels, 4096);
    if (!s->fifo) return fail_nomem(o);
    s->next_pts = AV_NOPTS_VALUE;
    vg_warn("%s: the %s container cannot hold %s audio (stream #%d); re-encoding it to %s", o->name,
            f->name, in_name, is->index, ec->name);
    return VG_OK;
}

static void free_ostream(pl_ostream *s)
{
    avcodec_free_context(&s->dec);
    avcodec_free_context(&s->enc);
    swr_free(&s->swr);
    if (s->fifo) av_audio_fifo_free(s->fifo);
    s->fifo = NULL;
    av_frame_free(&s->frame);
    av_channel_layout_uninit(&s->swr_layout);
}

/* Creates the output streams for the input's audio, subtitle and (matroska) attachment
 * streams, and copies chapters and global metadata. */
static int open_copies(pl_output *o, const pl_output_opts *opts, const AVFormatContext *ic,
                       int video_index)
{
    const AVOutputFormat *f = o->oc->oformat;
    o->nb_st = (int)ic->nb_streams;
    o->st = calloc(ic->nb_streams ? ic->nb_streams : 1, sizeof(*o->st));
    if (!o->st) return fail_nomem(o);
    for (unsigned i = 0; i < ic->nb_streams; i++) {
        pl_ostream *s = &o->st[i];
        const AVStream *is = ic->streams[i];
        enum AVMediaType type = is->codecpar->codec_type;
        s->out_index = -1;
        s->in_tb = is->time_base;
        s->last_dts = AV_NOPTS_VALUE;
        if ((int)i == video_index) continue;
        int want = (type == AVMEDIA_TYPE_AUDIO && opts->copy_audio) ||
                   (type == AVMEDIA_TYPE_SUBTITLE && opts->copy_subs) ||
                   (type == AVMEDIA_TYPE_ATTACHMENT && opts->copy_subs &&
                    strcmp(f->name, "matroska") == 0);
        if (!want) continue;
        int holds = type == AVMEDIA_TYPE_ATTACHMENT || muxer_takes(f, is->codecpar, is->time_base);
        if (!holds && type == AVMEDIA_TYPE_SUBTITLE) {
            vg_warn("%s: the %s container cannot hold %s subtitles (stream #%u); dropping them",
                    o->name, f->name, avcodec_get_name(is->codecpar->codec_id), i);
            continue;
        }
        if (!holds) {
            int r = open_audio_reencode(o, s, is);
            if (r < 0) return r;
            if (r == VG_AGAIN) {
                free_ostream(s);
                s->out_index = -1;
                continue;
            }
        } else {
            AVStream *os = avformat_new_stream(o->oc, NULL);
            if (!os) return fail_nomem(o);
            int ar = avcodec_parameters_copy(os->codecpar, is->codecpar);
            if (ar < 0) return fail_av(o, ar, VG_ERR_NOMEM, "copying a stream");
            os->codecpar->codec_tag = 0; /* let the muxer choose the tag */
            os->time_base = is->time_base;
            s->out_index = os->index;
        }
        AVStream *os = o->oc->streams[s->out_index];
        copy_stream_tags(&os->metadata, is->metadata, s->enc != NULL);
        os->disposition = is->disposition;
    }

    av_dict_copy(&o->oc->metadata, ic->metadata, 0);
    if (ic->nb_chapters) {
        o->oc->chapters = av_calloc(ic->nb_chapters, sizeof(*o->oc->chapters));
        if (!o->oc->chapters) return fail_nomem(o);
        for (unsigned i = 0; i < ic->nb_chapters; i++) {
            const AVChapter *ch = ic->chapters[i];
            AVChapter *c = av_mallocz(sizeof(*c));
            if (!c) return fail_nomem(o);
            o->oc->chapters[o->oc->nb_chapters++] = c;
            c->id = ch->id;
            c->time_base = ch->time_base;
            c->start = ch->start;
            c->end = ch->end;
            av_dict_copy(&c->metadata, ch->metadata, 0);
        }
    }
    return VG_OK;
}

void pl_output_opts_init(pl_output_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->crf = -1;
    o->copy_audio = 1;
    o->copy_subs = 1;
}

int pl_output_open(const pl_output_opts *opts, const pl_input *in, const pl_video_info *video,
                   pl_output **out)
{
    VG_ASSERT(opts && video && out);
    *out = NULL;
    if (!opts->path || !opts->path[0]) {
        vg_error("the output path is empty");
        return VG_ERR_INVALID;
    }
    if (video->width <= 0 || video->height <= 0 || video->pix_fmt == AV_PIX_FMT_NONE) {
        vg_error("%s: no video to write (%dx%d, %s)", opts->path, video->width, video->height,
                 av_get_pix_fmt_name(video->pix_fmt) ? av_get_pix_fmt_name(video->pix_fmt)
                                                     : "no pixel format");
        return VG_ERR_INVALID;
    }
    const AVOutputFormat *f = NULL;
    int r = choose_muxer(opts->path, opts->format, &f);
    if (r < 0) return r;

    pl_output *o = calloc(1, sizeof(*o));
    if (!o) {
        vg_error("%s: out of memory", opts->path);
        return VG_ERR_NOMEM;
    }
    o->last_pts = AV_NOPTS_VALUE;
    o->to_stdout = strcmp(opts->path, "-") == 0;
    o->name = strdup(o->to_stdout ? "stdout" : opts->path);
    o->pkt = av_packet_alloc();
    o->oc = avformat_alloc_context();
    if (!o->name || !o->pkt || !o->oc) {
        r = VG_ERR_NOMEM;
        vg_error("%s: out of memory", opts->path);
        goto fail;
    }
    o->oc->oformat = f;

    /* The target first: an existing file or a bad folder is the most likely mistake. */
    char *url = NULL;
    if (o->to_stdout) {
        vg_warn("writing to stdout: an interrupted run leaves a truncated stream there (write "
                "to a file for a safe, complete result)");
        url = av_strdup("pipe:1");
    } else {
        r = vg_outfile_open(&o->file, opts->path, opts->overwrite);
        if (r < 0) goto fail;
        fclose(o->file.fp); /* written through avio from here on */
        o->file.fp = NULL;
        url = av_asprintf("file:%s", o->file.tmp_path); /* "file:": a ':' in the name */
    }
    if (!url) {
        r = fail_nomem(o);
        goto fail;
    }
    o->oc->url = url;

    const AVFormatContext *ic = in ? pl_input_avformat(in) : NULL;
    if ((r = open_video(o, opts, f, video, ic)) < 0) goto fail;
    if (ic && (r = open_copies(o, opts, ic, video->stream_index)) < 0) goto fail;
    {
        char tag[64];
        snprintf(tag, sizeof(tag), "vrgen %s (%s)", VRGEN_VERSION, LIBAVFORMAT_IDENT);
        av_dict_set(&o->oc->metadata, "encoder", tag, 0);
    }

    int ar = avio_open(&o->oc->pb, url, AVIO_FLAG_WRITE);
    if (ar < 0) {
        r = fail_av(o, ar, VG_ERR_IO, "cannot open for writing");
        goto fail;
    }
    AVDictionary *mopts = NULL;
    if (o->to_stdout && (strcmp(f->name, "mp4") == 0 || strcmp(f->name, "mov") == 0))
        av_dict_set(&mopts, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
    ar = avformat_write_header(o->oc, &mopts);
    av_dict_free(&mopts);
    if (ar < 0) {
        r = fail_av(o, ar, ar == AVERROR(EINVAL) ? VG_ERR_UNSUPPORTED : VG_ERR_IO,
                    "cannot write the container header");
        goto fail;
    }
    update_bytes(o);
    *out = o;
    return VG_OK;

fail:
    if (!o->err) o->err = r;
    pl_output_close(&o);
    return r;
}

/* ---- video ------------------------------------------------------------------------- */

/* Receives every packet the video encoder has ready and muxes it. */
static int drain_video(pl_output *o)
{
    for (;;) {
        int ar = avcodec_receive_packet(o->venc, o->pkt);
        if (ar == AVERROR(EAGAIN) || ar == AVERROR_EOF) return VG_OK;
        if (ar < 0) return fail_av(o, ar, VG_ERR_IO, "video encoding failed");
        for (int i = 0; i < o->nb_in_flight; i++) {
            if (o->in_flight[i].pts != o->pkt->pts) continue;
            o->pkt->duration = o->in_flight[i].dur;
            o->in_flight[i] = o->in_flight[--o->nb_in_flight];
            break;
        }
        o->pkt->stream_index = o->vst->index;
        av_packet_rescale_ts(o->pkt, o->venc->time_base, o->vst->time_base);
        int r = mux(o, o->pkt);
        if (r < 0) return r;
    }
}

/* Sends f (NULL: flush) with duration dur to the encoder and muxes what comes out.
 * Ownership: f stays the caller's (the encoder takes its own reference). */
static int send_video(pl_output *o, AVFrame *f, int64_t dur)
{
    if (f) {
        if (o->nb_in_flight == MAX_IN_FLIGHT) {
            /* An encoder that does not return our pts: forget the oldest entry so the
             * table stays bounded (those packets get no duration). */
            int oldest = 0;
            for (int i = 1; i < o->nb_in_flight; i++)
                if (o->in_flight[i].pts < o->in_flight[oldest].pts) oldest = i;
            o->in_flight[oldest] = o->in_flight[--o->nb_in_flight];
        }
        if (o->nb_in_flight == o->cap_in_flight) {
            int cap = o->cap_in_flight ? 2 * o->cap_in_flight : 64;
            pl_pts_dur *p = realloc(o->in_flight, (size_t)cap * sizeof(*p));
            if (!p) return fail_nomem(o);
            o->in_flight = p;
            o->cap_in_flight = cap;
        }
        o->in_flight[o->nb_in_flight++] = (pl_pts_dur){f->pts, dur};
        PL_FRAME_DURATION(f) = dur;
    }
    int ar = avcodec_send_frame(o->venc, f);
    if (ar < 0 && ar != AVERROR_EOF) return fail_av(o, ar, VG_ERR_IO, "video encoding failed");
    return drain_video(o);
}

/* A frame in the encoder's pixel format: a new reference to src, or a converted copy.
 * Ownership: the caller frees the result. NULL on failure (logged). */
static AVFrame *frame_for_encoder(pl_output *o, const AVFrame *src)
{
    AVFrame *f = av_frame_alloc();
    if (!f) {
        fail_nomem(o);
        return NULL;
    }
    if (src->format == o->venc->pix_fmt) {
        int ar = av_frame_ref(f, src);
        if (ar < 0) {
            fail_av(o, ar, VG_ERR_NOMEM, "frame");
            av_frame_free(&f);
        }
        return f;
    }
    enum AVPixelFormat sfmt = src->format;
    o->sws = sws_getCachedContext(
        o->sws, src->width, src->height, sfmt, o->width, o->height, o->venc->pix_fmt,
        SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
    if (!o->sws) {
        vg_error("%s: cannot convert frames from %s to %s", o->name, av_get_pix_fmt_name(sfmt),
                 av_get_pix_fmt_name(o->venc->pix_fmt));
        if (!o->err) o->err = VG_ERR_UNSUPPORTED;
        av_frame_free(&f);
        return NULL;
    }
    int src_rgb = pix_fmt_is_rgb(sfmt);
    int src_cs = is_yuv_matrix(src->colorspace) ? (int)src->colorspace : (int)o->yuv_matrix;
    int src_full = src_rgb || (src->color_range == AVCOL_RANGE_UNSPECIFIED
                                   ? o->frames_full
                                   : src->color_range == AVCOL_RANGE_JPEG);
    if (o->sws != o->sws_configured || o->sws_src_fmt != (int)sfmt || o->sws_src_cs != src_cs ||
        o->sws_src_full != src_full) {
        int dst_rgb = pix_fmt_is_rgb(o->venc->pix_fmt);
        int dst_cs = is_yuv_matrix(o->venc->colorspace) ? (int)o->venc->colorspace : src_cs;
        int dst_full = dst_rgb || o->venc->color_range == AVCOL_RANGE_JPEG;
        /* For YUV -> YUV (depth, subsampling) both matrices are the same; the ranges
         * differ only when RGB is involved. */
        sws_setColorspaceDetails(o->sws, sws_getCoefficients(src_cs), src_full,
                                 sws_getCoefficients(dst_cs), dst_full, 0, 1 << 16, 1 << 16);
        o->sws_configured = o->sws;
        o->sws_src_fmt = sfmt;
        o->sws_src_cs = src_cs;
        o->sws_src_full = src_full;
    }
    f->format = o->venc->pix_fmt;
    f->width = o->width;
    f->height = o->height;
    int ar = av_frame_get_buffer(f, 0);
    if (ar >= 0) ar = av_frame_copy_props(f, src);
    if (ar < 0) {
        fail_av(o, ar, VG_ERR_NOMEM, "frame");
        av_frame_free(&f);
        return NULL;
    }
    sws_scale(o->sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height, f->data,
              f->linesize);
    return f;
}

int pl_output_write_frame(pl_output *o, const AVFrame *frame)
{
    VG_ASSERT(o && frame && !o->finished);
    if (o->err) return o->err;
    VG_ASSERT(frame->width == o->width && frame->height == o->height);

    AVFrame *f = frame_for_encoder(o, frame);
    if (!f) return o->err;
    /* The encoder decides frame types; the decoder's would force key frames. */
    f->pict_type = AV_PICTURE_TYPE_NONE;
    pl_frame_clear_key(f);
    av_frame_remove_side_data(f, AV_FRAME_DATA_DISPLAYMATRIX);
    f->colorspace = o->venc->colorspace;
    f->color_range = o->venc->color_range;
    f->color_primaries = o->venc->color_primaries;
    f->color_trc = o->venc->color_trc;
    f->chroma_location = o->venc->chroma_sample_location;
    f->sample_aspect_ratio = o->venc->sample_aspect_ratio;

    int64_t pts;
    if (frame->pts == AV_NOPTS_VALUE)
        pts = o->last_pts == AV_NOPTS_VALUE ? 0 : o->last_pts + (o->last_gap > 0 ? o->last_gap : 1);
    else
        pts = av_rescale_q_rnd(frame->pts, o->frame_tb, o->venc->time_base,
                               AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX);
    if (o->last_pts != AV_NOPTS_VALUE && pts <= o->last_pts) {
        if (!o->warned_pts) {
            if (o->cfr)
                vg_warn("%s: the %s container stores one frame per 1/%d s; frames closer "
                        "together are moved later",
                        o->name, o->oc->oformat->name,
                        o->venc->time_base.num ? o->venc->time_base.den / o->venc->time_base.num
                                               : 0);
            else
                vg_warn("%s: frame %lld: its timestamp does not increase; moved after the "
                        "previous frame",
                        o->name, (long long)o->frames);
            o->warned_pts = 1;
        }
        pts = o->last_pts + 1;
    }
    f->pts = pts;
    int64_t own_dur = PL_FRAME_DURATION(frame) > 0
                          ? av_rescale_q(PL_FRAME_DURATION(frame), o->frame_tb, o->venc->time_base)
                          : 0;

    int r = VG_OK;
    if (o->held) {
        int64_t gap = pts - o->last_pts;
        r = send_video(o, o->held, gap);
        av_frame_free(&o->held);
        o->last_gap = gap;
    }
    if (r < 0) {
        av_frame_free(&f);
        return r;
    }
    o->held = f;
    o->held_dur = own_dur;
    o->last_pts = pts;
    o->frames++;
    return VG_OK;
}

/* ---- copied and re-encoded streams -------------------------------------------------- */

static int drain_audio(pl_output *o, pl_ostream *s)
{
    AVStream *os = o->oc->streams[s->out_index];
    for (;;) {
        int ar = avcodec_receive_packet(s->enc, o->pkt);
        if (ar == AVERROR(EAGAIN) || ar == AVERROR_EOF) return VG_OK;
        if (ar < 0) return fail_av(o, ar, VG_ERR_IO, "audio encoding failed");
        o->pkt->stream_index = s->out_index;
        av_packet_rescale_ts(o->pkt, s->enc->time_base, os->time_base);
        int r = mux(o, o->pkt);
        if (r < 0) return r;
    }
}

/* Encodes whole encoder frames from the FIFO; with final, also the rest (padded with
 * silence when the encoder needs whole frames) and then flushes the encoder. */
static int encode_fifo(pl_output *o, pl_ostream *s, int final)
{
    AVCodecContext *e = s->enc;
    int fs = e->frame_size > 0 ? e->frame_size : 1024;
    int small_ok =
        e->codec->capabilities & (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE);
    while (av_audio_fifo_size(s->fifo) >= fs || (final && av_audio_fifo_size(s->fifo) > 0)) {
        int n = FFMIN(av_audio_fifo_size(s->fifo), fs);
        AVFrame *f = av_frame_alloc();
        if (!f) return fail_nomem(o);
        f->nb_samples = n < fs && !small_ok ? fs : n;
        f->format = e->sample_fmt;
        f->sample_rate = e->sample_rate;
        int ar = av_channel_layout_copy(&f->ch_layout, &e->ch_layout);
        if (ar >= 0) ar = av_frame_get_buffer(f, 0);
        if (ar < 0) {
            av_frame_free(&f);
            return fail_av(o, ar, VG_ERR_NOMEM, "audio frame");
        }
        if (f->nb_samples > n)
            av_samples_set_silence(f->extended_data, 0, f->nb_samples, e->ch_layout.nb_channels,
                                   e->sample_fmt);
        av_audio_fifo_read(s->fifo, (void **)f->extended_data, n);
        f->pts = s->next_pts;
        s->next_pts += f->nb_samples;
        ar = avcodec_send_frame(e, f);
        av_frame_free(&f);
        if (ar < 0) return fail_av(o, ar, VG_ERR_IO, "audio encoding failed");
        int r = drain_audio(o, s);
        if (r < 0) return r;
    }
    if (final) {
        int ar = avcodec_send_frame(e, NULL);
        if (ar < 0 && ar != AVERROR_EOF) return fail_av(o, ar, VG_ERR_IO, "audio encoding failed");
        return drain_audio(o, s);
    }
    return VG_OK;
}

/* Resamples frame (NULL: what swr still holds) into the FIFO. Ownership: frame stays the
 * caller's. */
static int resample(pl_output *o, pl_ostream *s, const AVFrame *frame)
{
    AVCodecContext *e = s->enc;
    if (frame && (!s->swr || s->swr_rate != frame->sample_rate || s->swr_fmt != frame->format ||
                  av_channel_layout_compare(&s->swr_layout, &frame->ch_layout))) {
        /* Set up for this frame's format (again when it changes mid-stream). */
        AVChannelLayout in_layout = {0};
        if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
            av_channel_layout_default(&in_layout, frame->ch_layout.nb_channels);
        else
            av_channel_layout_copy(&in_layout, &frame->ch_layout);
        swr_free(&s->swr);
        int ar = swr_alloc_set_opts2(&s->swr, &e->ch_layout, e->sample_fmt, e->sample_rate,
                                     &in_layout, frame->format, frame->sample_rate, 0, NULL);
        av_channel_layout_uninit(&in_layout);
        if (ar >= 0) ar = swr_init(s->swr);
        if (ar < 0) return fail_av(o, ar, VG_ERR_UNSUPPORTED, "audio resampling");
        s->swr_rate = frame->sample_rate;
        s->swr_fmt = frame->format;
        av_channel_layout_uninit(&s->swr_layout);
        av_channel_layout_copy(&s->swr_layout, &frame->ch_layout);
    }
    if (!s->swr) return VG_OK;
    int in_n = frame ? frame->nb_samples : 0;
    int max = swr_get_out_samples(s->swr, in_n);
    if (max <= 0) return VG_OK;
    uint8_t **buf = NULL;
    int ar = av_samples_alloc_array_and_samples(&buf, NULL, e->ch_layout.nb_channels, max,
                                                e->sample_fmt, 0);
    if (ar < 0) return fail_av(o, ar, VG_ERR_NOMEM, "audio buffer");
    int n =
        swr_convert(s->swr, buf, max, frame ? (const uint8_t **)frame->extended_data : NULL, in_n);
    int r = VG_OK;
    if (n < 0)
        r = fail_av(o, n, VG_ERR_IO, "audio resampling");
    else if (n > 0 && av_audio_fifo_write(s->fifo, (void **)buf, n) < n)
        r = fail_nomem(o);
    av_freep(&buf[0]);
    av_freep(&buf);
    return r;
}

/* Decodes pkt (NULL: flush everything) of a re-encoded stream and encodes the result.
 * Ownership: pkt stays the caller's. */
static int reencode_audio(pl_output *o, pl_ostream *s, const AVPacket *pkt)
{
    int ar = avcodec_send_packet(s->dec, pkt);
    if (ar == AVERROR(ENOMEM)) return fail_nomem(o);
    if (ar < 0 && ar != AVERROR_EOF && pkt) {
        if (!s->warned_corrupt) {
            char buf[AV_ERROR_MAX_STRING_SIZE];
            vg_warn("%s: skipping a corrupt audio packet of input stream #%d (%s)", o->name,
                    pkt->stream_index, av_errtext(ar, buf, sizeof(buf)));
            s->warned_corrupt = 1;
        }
        return VG_OK;
    }
    for (;;) {
        ar = avcodec_receive_frame(s->dec, s->frame);
        if (ar == AVERROR(EAGAIN) || ar == AVERROR_EOF) break;
        if (ar < 0) {
            if (ar == AVERROR(ENOMEM)) return fail_nomem(o);
            if (!s->warned_corrupt) {
                char buf[AV_ERROR_MAX_STRING_SIZE];
                vg_warn("%s: skipping corrupt audio (%s)", o->name,
                        av_errtext(ar, buf, sizeof(buf)));
                s->warned_corrupt = 1;
            }
            break;
        }
        if (s->next_pts == AV_NOPTS_VALUE) {
            int64_t t = s->frame->best_effort_timestamp;
            s->next_pts = t == AV_NOPTS_VALUE ? 0 : av_rescale_q(t, s->in_tb, s->enc->time_base);
        }
        int r = resample(o, s, s->frame);
        av_frame_unref(s->frame);
        if (r == VG_OK) r = encode_fifo(o, s, 0);
        if (r < 0) return r;
    }
    if (pkt) return VG_OK;
    if (s->next_pts == AV_NOPTS_VALUE) s->next_pts = 0;
    int r = resample(o, s, NULL);
    if (r == VG_OK) r = encode_fifo(o, s, 1);
    return r;
}

int pl_output_write_packet(pl_output *o, AVPacket **ppkt)
{
    VG_ASSERT(o && ppkt && !o->finished);
    AVPacket *pkt = *ppkt;
    *ppkt = NULL;
    if (!pkt) return o->err;
    int r = o->err;
    int idx = pkt->stream_index;
    if (r < 0 || idx < 0 || idx >= o->nb_st || o->st[idx].out_index < 0) {
        av_packet_free(&pkt);
        return r;
    }
    pl_ostream *s = &o->st[idx];
    if (s->dec) {
        r = reencode_audio(o, s, pkt);
        av_packet_free(&pkt);
        return r;
    }
    AVStream *os = o->oc->streams[s->out_index];
    av_packet_rescale_ts(pkt, s->in_tb, os->time_base);
    pkt->stream_index = s->out_index;
    pkt->pos = -1;
    /* Muxers refuse timestamps that go back; move them forward like ffmpeg does. */
    if (pkt->dts != AV_NOPTS_VALUE && s->last_dts != AV_NOPTS_VALUE) {
        int64_t min = s->last_dts + !(o->oc->oformat->flags & AVFMT_TS_NONSTRICT);
        if (pkt->dts < min) {
            if (!s->warned_dts) {
                vg_warn("%s: input stream #%d: timestamps go backwards; moved forward", o->name,
                        idx);
                s->warned_dts = 1;
            }
            if (pkt->pts != AV_NOPTS_VALUE && pkt->pts >= pkt->dts) pkt->pts = FFMAX(pkt->pts, min);
            pkt->dts = min;
        }
    }
    if (pkt->dts != AV_NOPTS_VALUE) s->last_dts = pkt->dts;
    r = mux(o, pkt);
    av_packet_free(&pkt);
    return r;
}

/* ---- finishing ------------------------------------------------------------------------ */

static int finish(pl_output *o, char *partial_name, size_t partial_len);

int pl_output_finish(pl_output *o)
{
    return finish(o, NULL, 0);
}

int pl_output_finish_partial(pl_output *o, char *name, size_t len)
{
    if (o->to_stdout) return VG_ERR_UNSUPPORTED;
    return finish(o, name, len);
}

static int finish(pl_output *o, char *partial_name, size_t partial_len)
{
    VG_ASSERT(o && !o->finished);
    o->finished = 1;
    int r = o->err;
    if (r == VG_OK && o->held) {
        int64_t dur = o->held_dur > 0   ? o->held_dur
                      : o->last_gap > 0 ? o->last_gap
                                        : o->default_dur;
        r = send_video(o, o->held, dur);
        av_frame_free(&o->held);
    }
    if (r == VG_OK) r = send_video(o, NULL, 0);
    for (int i = 0; r == VG_OK && i < o->nb_st; i++)
        if (o->st[i].dec && o->st[i].out_index >= 0) r = reencode_audio(o, &o->st[i], NULL);
    if (r == VG_OK) {
        int ar = av_write_trailer(o->oc);
        if (ar < 0) r = fail_av(o, ar, VG_ERR_IO, NULL);
    }
    if (o->oc->pb) {
        update_bytes(o);
        avio_flush(o->oc->pb);
        int64_t size = o->to_stdout ? -1 : avio_size(o->oc->pb); /* the trailer may seek back */
        if (size > o->bytes) o->bytes = size;
        if (r == VG_OK && o->oc->pb->error < 0) r = fail_av(o, o->oc->pb->error, VG_ERR_IO, NULL);
        int ar = avio_closep(&o->oc->pb);
        if (r == VG_OK && ar < 0) r = fail_av(o, ar, VG_ERR_IO, NULL);
    }
    if (!o->to_stdout) {
        if (r == VG_OK && partial_name)
            r = vg_outfile_commit_partial(&o->file, partial_name, partial_len);
        else if (r == VG_OK)
            r = vg_outfile_commit(&o->file); /* logs its own failure */
        else
            vg_outfile_abort(&o->file);
    }
    if (r < 0 && !o->err) o->err = r;
    return r;
}

void pl_output_close(pl_output **po)
{
    if (!po || !*po) return;
    pl_output *o = *po;
    if (o->oc) {
        if (o->oc->pb) avio_closep(&o->oc->pb);
        avformat_free_context(o->oc); /* frees the url and the chapters too */
    }
    vg_outfile_abort(&o->file); /* removes the temporary file; a no-op after commit */
    avcodec_free_context(&o->venc);
    sws_freeContext(o->sws);
    av_frame_free(&o->held);
    av_packet_free(&o->pkt);
    free(o->in_flight);
    for (int i = 0; i < o->nb_st; i++) free_ostream(&o->st[i]);
    free(o->st);
    free(o->name);
    free(o);
    *po = NULL;
}

int64_t pl_output_frames(const pl_output *o)
{
    return o->frames;
}

int64_t pl_output_bytes(const pl_output *o)
{
    return o->bytes;
}

const char *pl_output_tmp_path(const pl_output *o)
{
    return o->to_stdout ? NULL : o->file.tmp_path;
}

const AVCodecContext *pl_output_encoder(const pl_output *o)
{
    return o->venc;
}
