/*
 * pl_input.c - demux + decode of one video stream with libavformat/libavcodec, canonical
 * planar frames via swscale when needed, pass-through of audio/subtitle packets, and the
 * `vrgen info` description. See pl_input.h for the contract.
 *
 * Not a filter graph: no scaling beyond keeping a mid-stream size change at the first
 * frame's size, no deinterlacing, no rotation (reported, not applied), no timestamp
 * resampling. One thread; the decoder itself uses FFmpeg's frame/slice threads.
 *
 * Reading is a small state machine (pump): receive a decoded frame if the decoder has one,
 * else read a packet and either feed it to the decoder or hand it out (copied streams).
 * Open decodes the first frame ("priming") so the video description is known before the
 * first read; copied packets read meanwhile wait in a queue and come out first.
 */
#include "pipeline/pl_input.h"
#include "pipeline/pl_compat.h"

#include "common/vg_error.h"
#include "common/vg_fault.h"
#include "common/vg_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavutil/avstring.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/spherical.h>
#include <libavutil/stereo3d.h>
#include <libavutil/time.h>
#include <libswscale/swscale.h>

#define STDIN_BUF_SIZE (64 * 1024)
#define QUEUE_MAX      20000 /* copied packets waiting while the first frame decodes */
#define SWS_FLAGS      (SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP)

struct pl_input {
    char *name;          /* for messages: the path, or "stdin" */
    AVFormatContext *ic; /* owns the streams */
    AVIOContext *io;     /* our reader on fd 0 for "-", else NULL (ic->pb is then ffmpeg's) */
    AVCodecContext *dec;
    AVStream *vst; /* the selected video stream (owned by ic) */
    pl_video_info info;
    int established; /* info describes the first frame; later frames are made to match */

    int copy_streams;
    int64_t max_frames; /* < 0: none */
    int have_start;
    int64_t start_us, end_us;   /* input timeline, AV_TIME_BASE; end INT64_MAX when none */
    int64_t start_pts, end_pts; /* the same in the video time base */
    int64_t file_start_us;      /* ic->start_time or 0: origin of -ss/-t and of messages */

    AVPacket *pkt;    /* demux scratch; with pkt_pending a video packet the decoder refused */
    int pkt_pending;  /* (EAGAIN) and that must be sent again */
    AVFrame *raw;     /* decoder output scratch */
    AVFrame *primed;  /* first frame, decoded by open, returned by the first read */
    AVPacket **queue; /* copied packets read while priming: [q_head, q_len) */
    int q_head, q_len, q_cap;
    unsigned char *copy;    /* per stream: its packets are handed out */
    unsigned char *started; /* per stream: a packet at/after start was kept */
    int64_t *last_us;       /* per stream: latest packet time read, AV_NOPTS_VALUE before */

    int demux_eof, flush_sent, video_done, eof_reported;
    int limited; /* the video was ended by -t or --frames, not by the end of the file */
    int64_t frames_out;
    int64_t last_pts;     /* of the last returned frame, AV_NOPTS_VALUE before */
    int64_t last_dur;     /* and its duration */
    int64_t guess_pts;    /* next pts for frames the decoder gives no timestamp */
    int64_t pos_us;       /* time of the latest packet read, for messages */
    int64_t corrupt;      /* corrupt packets / frames the decoder reported */
    int64_t gaps;         /* jumps in otherwise constant frame timestamps (frames lost) */
    int64_t step;         /* last pts step between returned frames, */
    int step_run;         /* how many times in a row it repeated, */
    int64_t regular_step; /* and the last step that repeated GAP_RUN times (0: none) */
    int warned_corrupt, warned_alpha, warned_ts, warned_change;
    int error; /* sticky error code after a failed read */

    struct SwsContext *sws;
    int sws_fmt, sws_w, sws_h; /* source the context was made for */
};

/* ---- small helpers ---- */

static const char *av_err(int err, char *buf, size_t n)
{
    if (av_strerror(err, buf, n) < 0) snprintf(buf, n, "error %d", err);
    return buf;
}
#define AV_ERR(e) av_err((e), (char[AV_ERROR_MAX_STRING_SIZE]){0}, AV_ERROR_MAX_STRING_SIZE)

/* "HH:MM:SS.d" (decimals 1) or "HH:MM:SS.dd" (2) for a time in microseconds. */
static const char *fmt_time(int64_t us, int decimals, char *buf, size_t n)
{
    if (us == AV_NOPTS_VALUE) {
        snprintf(buf, n, "N/A");
        return buf;
    }
    const char *sign = us < 0 ? "-" : "";
    if (us < 0) us = -us;
    int64_t scale = decimals >= 2 ? 10000 : 100000;
    int64_t frac = (us % 1000000) / scale;
    int64_t s = us / 1000000;
    snprintf(buf, n, "%s%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%0*" PRId64, sign, s / 3600,
             s / 60 % 60, s % 60, decimals >= 2 ? 2 : 1, frac);
    return buf;
}
#define FMT_TIME(us, d) fmt_time((us), (d), (char[32]){0}, 32)

static int64_t to_us(int64_t ts, AVRational tb)
{
    return ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(ts, tb, AV_TIME_BASE_Q);
}

/* Time of a packet on the input's timeline (pts, else dts), or AV_NOPTS_VALUE. */
static int64_t packet_us(const AVFormatContext *ic, const AVPacket *p)
{
    int64_t ts = p->pts != AV_NOPTS_VALUE ? p->pts : p->dts;
    return to_us(ts, ic->streams[p->stream_index]->time_base);
}

/* Time of the latest packet read, from the start of the input (for messages). */
static int64_t pos_rel(const pl_input *in)
{
    return in->pos_us == AV_NOPTS_VALUE ? 0 : in->pos_us - in->file_start_us;
}

static int map_open_error(int err)
{
    if (err == AVERROR(ENOMEM)) return VG_ERR_NOMEM;
    if (err == AVERROR(ENOENT) || err == AVERROR(EACCES) || err == AVERROR(EPERM) ||
        err == AVERROR(ENOTDIR) || err == AVERROR(EISDIR))
        return VG_ERR_NOT_FOUND;
    return VG_ERR_FORMAT;
}

/* ---- stdin (or, with VRGEN_FAULT=read@N, a file) through our own AVIOContext ---- */

static int fd_read(void *opaque, uint8_t *buf, int size)
{
    int fd = (int)(intptr_t)opaque;
    int64_t limit;
    if (fd > 0 && vg_fault_arg("read", &limit)) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        if (pos >= limit) return AVERROR(EIO);
        if (pos >= 0 && pos + size > limit) size = (int)(limit - pos);
    }
    for (;;) {
        ssize_t n = read(fd, buf, (size_t)size);
        if (n > 0) return (int)n;
        if (n == 0) return AVERROR_EOF;
        if (errno != EINTR) return AVERROR(errno);
    }
}

static int64_t fd_seek(void *opaque, int64_t offset, int whence)
{
    int fd = (int)(intptr_t)opaque;
    if (whence & AVSEEK_SIZE) {
        struct stat sb;
        if (fstat(fd, &sb) != 0) return AVERROR(errno);
        return (int64_t)sb.st_size;
    }
    off_t r = lseek(fd, (off_t)offset, whence & ~AVSEEK_FORCE);
    return r < 0 ? AVERROR(errno) : (int64_t)r;
}

/* A reader on fd; seekable when fd is a regular file. Free with io_free. */
static AVIOContext *io_create_fd(int fd)
{
    unsigned char *buf = av_malloc(STDIN_BUF_SIZE);
    if (!buf) return NULL;
    struct stat sb;
    int seekable = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && lseek(fd, 0, SEEK_CUR) >= 0;
    AVIOContext *io = avio_alloc_context(buf, STDIN_BUF_SIZE, 0, (void *)(intptr_t)fd, fd_read,
                                         NULL, seekable ? fd_seek : NULL);
    if (!io) av_free(buf);
    return io;
}

static void io_free(AVIOContext **io)
{
    if (!*io) return;
    int fd = (int)(intptr_t)(*io)->opaque;
    if (fd > 0) close(fd); /* a file opened for VRGEN_FAULT=read; 0 is stdin */
    av_freep(&(*io)->buffer);
    avio_context_free(io);
}

/* ---- opening the container ---- */

/* Name of the format a local file's bytes (not its name) clearly look like, or NULL. */
static const char *probe_format_name(const char *url)
{
    AVIOContext *pb = NULL;
    if (avio_open(&pb, url, AVIO_FLAG_READ) < 0) return NULL;
    const AVInputFormat *fmt = NULL;
    int score = av_probe_input_buffer2(pb, &fmt, NULL, NULL, 0, 0);
    avio_closep(&pb);
    return score > AVPROBE_SCORE_EXTENSION && fmt ? fmt->name : NULL;
}

/* Opens the container and reads stream info. name is for messages. On success *ic and *io
 * (NULL unless path is "-") belong to the caller: avformat_close_input, then io_free. */
static int open_container(const char *path, const char *format, const char *name,
                          AVFormatContext **out_ic, AVIOContext **out_io)
{
    *out_ic = NULL;
    *out_io = NULL;
    const AVInputFormat *ifmt = NULL;
    if (format && *format) {
        ifmt = av_find_input_format(format);
        if (!ifmt) {
            vg_error("-f %s: unknown input format (ffmpeg -demuxers lists them)", format);
            return VG_ERR_INVALID;
        }
    }
    int is_stdin = !strcmp(path, "-");
    char *url = NULL;
    if (!is_stdin && !strstr(path, "://")) {
        struct stat sb;
        if (stat(path, &sb) != 0) {
            int e = errno;
            /* "img%04d.png" style sequences are not files: let the image2 demuxer judge */
            if (!(e == ENOENT && strchr(path, '%'))) {
                vg_error("%s: %s", name, strerror(e));
                return VG_ERR_NOT_FOUND;
            }
        } else {
            if (S_ISDIR(sb.st_mode)) {
                vg_error("%s: is a folder, not a media file", name);
                return VG_ERR_FORMAT;
            }
            if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
                vg_error("%s: file is empty", name);
                return VG_ERR_FORMAT;
            }
            if (access(path, R_OK) != 0) {
                vg_error("%s: %s", name, strerror(errno));
                return VG_ERR_NOT_FOUND;
            }
            /* "file:" so that a colon in a local name is not taken for a protocol */
            url = av_asprintf("file:%s", path);
            if (!url) return VG_ERR_NOMEM;
        }
    }

    AVFormatContext *ic = avformat_alloc_context();
    AVIOContext *io = NULL;
    if (!ic) {
        av_free(url);
        return VG_ERR_NOMEM;
    }
    int fault_fd = -1;
    if (!is_stdin && url && vg_fault_arg("read", NULL)) {
        fault_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fault_fd < 0) {
            vg_error("%s: %s", name, strerror(errno));
            avformat_free_context(ic);
            av_free(url);
            return VG_ERR_NOT_FOUND;
        }
    }
    if (is_stdin || fault_fd > 0) {
        io = io_create_fd(is_stdin ? 0 : fault_fd);
        if (!io) {
            if (fault_fd > 0) close(fault_fd);
            avformat_free_context(ic);
            av_free(url);
            return VG_ERR_NOMEM;
        }
        ic->pb = io;
        ic->flags |= AVFMT_FLAG_CUSTOM_IO;
    }
    int ret = avformat_open_input(&ic, is_stdin ? "pipe:" : url ? url : path, ifmt, NULL);
    if (ret < 0) {
        /* ic was freed by avformat_open_input; our io was not */
        int code = map_open_error(ret);
        if (io && io->error < 0 && io->error != AVERROR_EOF) {
            vg_error("%s: read error: %s", name, AV_ERR(io->error));
            code = VG_ERR_FORMAT; /* an input error (exit 3), not an output one */
        } else if (code == VG_ERR_FORMAT) {
            const char *probed = url && !ifmt ? probe_format_name(url) : NULL;
            if (is_stdin && ret == AVERROR_EOF)
                vg_error("%s: no data (empty input)", name);
            else if (probed)
                vg_error("%s: corrupt or truncated %s file (%s)", name, probed, AV_ERR(ret));
            else if (ifmt)
                vg_error("%s: cannot be read as format '%s' (%s)", name, format, AV_ERR(ret));
            else
                vg_error("%s: not a media file ffmpeg can read (%s)", name, AV_ERR(ret));
        } else if (code != VG_ERR_NOMEM) {
            vg_error("%s: %s", name, AV_ERR(ret));
        }
        io_free(&io);
        av_free(url);
        return code;
    }
    av_free(url);
    ret = avformat_find_stream_info(ic, NULL);
    if (ic->pb && ic->pb->error < 0 && ic->pb->error != AVERROR_EOF) {
        /* a demuxer may take a read error for the end of the file: say what happened */
        vg_error("%s: read error: %s", name, AV_ERR(ic->pb->error));
        avformat_close_input(&ic);
        io_free(&io);
        return VG_ERR_FORMAT; /* an input error (exit 3) */
    }
    if (ret < 0) {
        if (ic->nb_streams == 0) {
            vg_error("%s: no streams found (%s)", name, AV_ERR(ret));
            avformat_close_input(&ic);
            io_free(&io);
            return ret == AVERROR(ENOMEM) ? VG_ERR_NOMEM : VG_ERR_FORMAT;
        }
        vg_verbose("%s: could not read all stream parameters (%s)", name, AV_ERR(ret));
    }
    *out_ic = ic;
    *out_io = io;
    return VG_OK;
}

/* ---- stream selection ---- */

static const char *media_type_word(enum AVMediaType t)
{
    const char *s = av_get_media_type_string(t);
    return s ? s : "unknown";
}

static int count_streams(const AVFormatContext *ic, enum AVMediaType type)
{
    int n = 0;
    for (unsigned i = 0; i < ic->nb_streams; i++)
        if (type == AVMEDIA_TYPE_UNKNOWN || ic->streams[i]->codecpar->codec_type == type) n++;
    return n;
}

/* The stream -map selects (see pl_input_opts.map). */
static int select_stream(AVFormatContext *ic, const char *map, const char *name, int *idx)
{
    *idx = -1;
    if (!map || !*map) {
        int cover = -1;
        for (unsigned i = 0; i < ic->nb_streams; i++) {
            const AVStream *st = ic->streams[i];
            if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) continue;
            if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) {
                if (cover < 0) cover = (int)i;
                continue;
            }
            *idx = (int)i;
            return VG_OK;
        }
        if (cover >= 0)
            vg_error("%s: has no video stream (only cover art: stream %d; select it with "
                     "-map 0:%d)",
                     name, cover, cover);
        else
            vg_error("%s: has no video stream", name);
        return VG_ERR_FORMAT;
    }

    /* "0:SPEC", "0" (all streams of input 0), or a bare "SPEC" starting with a letter */
    const char *spec = map;
    char *end = NULL;
    if (map[0] >= '0' && map[0] <= '9') {
        long input = strtol(map, &end, 10);
        if (*end != ':' && *end != '\0') {
            vg_error("-map %s: not a stream specifier (like 0:v:1 or 0:3)", map);
            return VG_ERR_INVALID;
        }
        if (input != 0) {
            vg_error("-map %s: there is only one input (0: %s)", map, name);
            return VG_ERR_INVALID;
        }
        if (*end == '\0' || !end[1]) return select_stream(ic, NULL, name, idx);
        spec = end + 1;
    }
    for (unsigned i = 0; i < ic->nb_streams; i++) {
        int m = avformat_match_stream_specifier(ic, ic->streams[i], spec);
        if (m < 0) {
            vg_error("-map %s: not a stream specifier (like 0:v:1 or 0:3)", map);
            return VG_ERR_INVALID;
        }
        if (!m) continue;
        enum AVMediaType t = ic->streams[i]->codecpar->codec_type;
        if (t != AVMEDIA_TYPE_VIDEO) {
            if (spec[0] >= '0' && spec[0] <= '9') {
                vg_error("-map %s: stream %u of %s is %s, not video", map, i, name,
                         media_type_word(t));
                return VG_ERR_INVALID;
            }
            continue; /* e.g. "m:language:eng" matched audio first: keep looking */
        }
        *idx = (int)i;
        return VG_OK;
    }
    int nv = count_streams(ic, AVMEDIA_TYPE_VIDEO);
    if (spec[0] == 'v' || spec[0] == 'V')
        vg_error("-map %s: %s has %d video stream%s", map, name, nv, nv == 1 ? "" : "s");
    else if (spec[0] >= '0' && spec[0] <= '9')
        vg_error("-map %s: %s has %u stream%s", map, name, ic->nb_streams,
                 ic->nb_streams == 1 ? "" : "s");
    else
        vg_error("-map %s: matches no video stream of %s", map, name);
    return VG_ERR_INVALID;
}

/* ---- pixel formats ---- */

static enum AVPixelFormat yuv_format(int log2w, int log2h, int bits)
{
    static const enum AVPixelFormat t[3][4] = {
        {AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUV444P10LE, AV_PIX_FMT_YUV444P12LE,
         AV_PIX_FMT_YUV444P16LE},
        {AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_YUV422P12LE,
         AV_PIX_FMT_YUV422P16LE},
        {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_YUV420P12LE,
         AV_PIX_FMT_YUV420P16LE},
    };
    int sub = log2w == 0 ? 0 : log2h == 0 ? 1 : 2;
    int b = bits <= 8 ? 0 : bits <= 10 ? 1 : bits <= 12 ? 2 : 3;
    return t[sub][b];
}

static enum AVPixelFormat gbr_format(int bits)
{
    return bits <= 8    ? AV_PIX_FMT_GBRP
           : bits <= 10 ? AV_PIX_FMT_GBRP10LE
           : bits <= 12 ? AV_PIX_FMT_GBRP12LE
                        : AV_PIX_FMT_GBRP16LE;
}

static int is_canonical(enum AVPixelFormat f)
{
    switch (f) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUV422P:
    case AV_PIX_FMT_YUV444P:
    case AV_PIX_FMT_YUV420P10LE:
    case AV_PIX_FMT_YUV422P10LE:
    case AV_PIX_FMT_YUV444P10LE:
    case AV_PIX_FMT_YUV420P12LE:
    case AV_PIX_FMT_YUV422P12LE:
    case AV_PIX_FMT_YUV444P12LE:
    case AV_PIX_FMT_YUV420P16LE:
    case AV_PIX_FMT_YUV422P16LE:
    case AV_PIX_FMT_YUV444P16LE:
    case AV_PIX_FMT_GBRP:
    case AV_PIX_FMT_GBRP10LE:
    case AV_PIX_FMT_GBRP12LE:
    case AV_PIX_FMT_GBRP16LE:
        return 1;
    default:
        return 0;
    }
}

static int is_yuvj(enum AVPixelFormat f)
{
    return f == AV_PIX_FMT_YUVJ420P || f == AV_PIX_FMT_YUVJ422P || f == AV_PIX_FMT_YUVJ444P ||
           f == AV_PIX_FMT_YUVJ440P || f == AV_PIX_FMT_YUVJ411P;
}

static int max_depth(const AVPixFmtDescriptor *d)
{
    int depth = 0;
    for (int i = 0; i < d->nb_components; i++)
        if (d->comp[i].depth > depth) depth = d->comp[i].depth;
    return depth;
}

/* RGB-like: planes or samples hold R, G, B (also palette, bayer and XYZ). */
static int is_rgb_like(enum AVPixelFormat f, const AVPixFmtDescriptor *d)
{
    return (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BAYER)) ||
           f == AV_PIX_FMT_XYZ12LE || f == AV_PIX_FMT_XYZ12BE;
}

/* Gray-like: luma only (gray, gray+alpha, 1-bit mono). */
static int is_gray_like(enum AVPixelFormat f, const AVPixFmtDescriptor *d)
{
    return !is_rgb_like(f, d) && d->nb_components <= 2;
}

/* Same bytes for the first three components (layout, depth, subsampling, endianness). */
static int same_first_planes(const AVPixFmtDescriptor *a, const AVPixFmtDescriptor *b)
{
    if (a->log2_chroma_w != b->log2_chroma_w || a->log2_chroma_h != b->log2_chroma_h) return 0;
    if ((a->flags & AV_PIX_FMT_FLAG_BE) != (b->flags & AV_PIX_FMT_FLAG_BE)) return 0;
    if (!(a->flags & AV_PIX_FMT_FLAG_PLANAR) || !(b->flags & AV_PIX_FMT_FLAG_PLANAR)) return 0;
    for (int i = 0; i < 3; i++) {
        const AVComponentDescriptor *x = &a->comp[i], *y = &b->comp[i];
        if (x->plane != y->plane || x->step != y->step || x->offset != y->offset ||
            x->shift != y->shift || x->depth != y->depth)
            return 0;
    }
    return 1;
}

/* The canonical format for frames in f (see pl_input.h); *relabel = 1 when f's first
 * three planes already are that format (yuvj*, planar with alpha on plane 3).
 * AV_PIX_FMT_NONE for hardware or unknown formats. */
static enum AVPixelFormat canonical_format(enum AVPixelFormat f, int *relabel)
{
    *relabel = 0;
    if (is_canonical(f)) return f;
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f);
    if (!d || (d->flags & AV_PIX_FMT_FLAG_HWACCEL) || d->nb_components == 0) return AV_PIX_FMT_NONE;
    int bits = (d->flags & AV_PIX_FMT_FLAG_FLOAT) ? 16 : max_depth(d);
    enum AVPixelFormat t;
    if (is_rgb_like(f, d)) {
        t = gbr_format(bits);
    } else if (is_gray_like(f, d)) {
        t = yuv_format(1, 1, bits);
    } else {
        /* keep subsampling where canonical; 411 -> 422, 410 -> 420, 440 -> 444 */
        int lw = d->log2_chroma_w > 1 ? 1 : d->log2_chroma_w;
        int lh = d->log2_chroma_h > lw ? lw : d->log2_chroma_h;
        t = yuv_format(lw, lh, bits);
    }
    const AVPixFmtDescriptor *td = av_pix_fmt_desc_get(t);
    if (is_yuvj(f) && same_first_planes(d, td)) *relabel = 1;
    if ((d->flags & AV_PIX_FMT_FLAG_ALPHA) && d->nb_components == 4 && d->comp[3].plane == 3 &&
        same_first_planes(d, td))
        *relabel = 1;
    return t;
}

/* ---- colour ---- */

static int resolve_matrix(enum AVColorSpace cs, int height)
{
    switch (cs) {
    case AVCOL_SPC_BT709:
    case AVCOL_SPC_SMPTE240M: /* close to BT.709; no separate matrix downstream */
        return 709;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
    case AVCOL_SPC_FCC:
        return 601;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
        return 2020;
    default: /* untagged: what ffmpeg-based players assume */
        return height < 720 ? 601 : 709;
    }
}

static enum AVColorSpace matrix_enum(int m)
{
    return m == 709 ? AVCOL_SPC_BT709 : m == 2020 ? AVCOL_SPC_BT2020_NCL : AVCOL_SPC_BT470BG;
}

/* Clockwise degrees (0, 90, 180, 270) for upright display. */
static int resolve_rotation(pl_input *in, const AVFrame *first)
{
    size_t size = 0;
    const int32_t *m =
        (const int32_t *)av_stream_get_side_data(in->vst, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!m || size < 9 * sizeof(int32_t)) {
        const AVFrameSideData *sd = av_frame_get_side_data(first, AV_FRAME_DATA_DISPLAYMATRIX);
        m = sd && sd->size >= 9 * sizeof(int32_t) ? (const int32_t *)sd->data : NULL;
    }
    double cw = 0.0;
    if (m) {
        /* av_display_rotation_get: counter-clockwise degrees the matrix rotates by;
         * ffmpeg's autorotate turns the picture by its negation (clockwise) */
        double ccw = av_display_rotation_get(m);
        if (isnan(ccw)) return 0;
        cw = -ccw;
        if ((double)m[0] * m[4] - (double)m[1] * m[3] < 0)
            vg_warn("%s: the display matrix also mirrors the picture; the mirroring is ignored",
                    in->name);
    } else {
        /* legacy tag written by old muxers: clockwise degrees, as old ffmpeg applied it */
        const AVDictionaryEntry *e = av_dict_get(in->vst->metadata, "rotate", NULL, 0);
        if (!e) return 0;
        cw = strtod(e->value, NULL);
    }
    long q = lround(cw / 90.0);
    if (fabs(cw - 90.0 * (double)q) > 1.0)
        vg_warn("%s: display rotation %.1f degrees is not a multiple of 90; using %ld", in->name,
                cw, ((q % 4) + 4) % 4 * 90);
    return (int)(((q % 4) + 4) % 4 * 90);
}

static void resolve_stereo(pl_input *in, const AVFrame *first)
{
    size_t size = 0;
    const AVStereo3D *s3 =
        (const AVStereo3D *)av_stream_get_side_data(in->vst, AV_PKT_DATA_STEREO3D, &size);
    if (!s3 || size < sizeof(AVStereo3D)) {
        const AVFrameSideData *sd = av_frame_get_side_data(first, AV_FRAME_DATA_STEREO3D);
        s3 = sd && sd->size >= sizeof(AVStereo3D) ? (const AVStereo3D *)sd->data : NULL;
    }
    if (s3) {
        if (s3->type == AV_STEREO3D_SIDEBYSIDE)
            in->info.stereo = PL_STEREO_SIDE_BY_SIDE;
        else if (s3->type == AV_STEREO3D_TOPBOTTOM)
            in->info.stereo = PL_STEREO_TOP_BOTTOM;
        else if (s3->type != AV_STEREO3D_2D)
            vg_warn("%s: stereo layout '%s' is not supported; treated as mono", in->name,
                    av_stereo3d_type_name(s3->type));
        if (in->info.stereo && (s3->flags & AV_STEREO3D_FLAG_INVERT))
            vg_warn("%s: stereo layout has the right eye first; treated as left eye first",
                    in->name);
    }
    const AVSphericalMapping *sp =
        (const AVSphericalMapping *)av_stream_get_side_data(in->vst, AV_PKT_DATA_SPHERICAL, &size);
    if (sp && size >= sizeof(AVSphericalMapping)) {
        if (sp->projection == AV_SPHERICAL_EQUIRECTANGULAR ||
            sp->projection == AV_SPHERICAL_EQUIRECTANGULAR_TILE)
            in->info.spherical = PL_SPHERICAL_EQUIRECT;
        else
            vg_warn("%s: 360 projection '%s' is not supported; treated as flat video", in->name,
                    av_spherical_projection_name(sp->projection));
    }
}

/* Fills in->info from the first decoded frame (before conversion). */
static int establish(pl_input *in, const AVFrame *raw)
{
    pl_video_info *v = &in->info;
    const AVCodecParameters *par = in->vst->codecpar;
    enum AVPixelFormat f = (enum AVPixelFormat)raw->format;
    int relabel;
    enum AVPixelFormat canon = canonical_format(f, &relabel);
    const AVPixFmtDescriptor *sd = av_pix_fmt_desc_get(f);
    if (canon == AV_PIX_FMT_NONE || (!relabel && f != canon && !sws_isSupportedInput(f))) {
        vg_error("%s: decoded pixel format '%s' is not supported", in->name,
                 sd ? sd->name : "unknown");
        return VG_ERR_UNSUPPORTED;
    }
    const AVPixFmtDescriptor *cd = av_pix_fmt_desc_get(canon);
    v->width = raw->width;
    v->height = raw->height;
    v->pix_fmt = canon;
    v->bits = cd->comp[0].depth;
    v->log2_chroma_w = cd->log2_chroma_w;
    v->log2_chroma_h = cd->log2_chroma_h;
    v->is_rgb = (cd->flags & AV_PIX_FMT_FLAG_RGB) != 0;

    v->colorspace = raw->colorspace != AVCOL_SPC_UNSPECIFIED ? raw->colorspace : par->color_space;
    v->range = raw->color_range != AVCOL_RANGE_UNSPECIFIED ? raw->color_range : par->color_range;
    v->primaries =
        raw->color_primaries != AVCOL_PRI_UNSPECIFIED ? raw->color_primaries : par->color_primaries;
    v->trc = raw->color_trc != AVCOL_TRC_UNSPECIFIED ? raw->color_trc : par->color_trc;
    v->chroma_loc = raw->chroma_location != AVCHROMA_LOC_UNSPECIFIED ? raw->chroma_location
                                                                     : par->chroma_location;
    v->cs_resolved = resolve_matrix(v->colorspace, v->height);
    v->full_range = v->is_rgb || is_yuvj(f) || v->range == AVCOL_RANGE_JPEG ||
                    (is_gray_like(f, sd) && v->range != AVCOL_RANGE_MPEG);

    v->time_base = in->vst->time_base;
    v->frame_rate = av_guess_frame_rate(in->ic, in->vst, NULL);
    if (v->frame_rate.num <= 0 || v->frame_rate.den <= 0) v->frame_rate = (AVRational){0, 1};
    v->sar = av_guess_sample_aspect_ratio(in->ic, in->vst, (AVFrame *)raw);
    if (v->sar.num <= 0 || v->sar.den <= 0) v->sar = (AVRational){0, 1};
    v->interlaced = raw->interlaced_frame;
    v->top_field_first = raw->interlaced_frame ? raw->top_field_first : 0;
    if (!v->interlaced && par->field_order > AV_FIELD_PROGRESSIVE) {
        v->interlaced = 1;
        v->top_field_first = par->field_order == AV_FIELD_TT || par->field_order == AV_FIELD_TB;
    }
    v->rotation = resolve_rotation(in, raw);
    resolve_stereo(in, raw);
    av_strlcpy(v->codec, in->dec->codec->name, sizeof(v->codec));
    v->stream_index = in->vst->index;

    if ((sd->flags & AV_PIX_FMT_FLAG_ALPHA) && !(sd->flags & AV_PIX_FMT_FLAG_PAL) &&
        !in->warned_alpha) {
        vg_warn("%s: the video has an alpha channel (%s); it is dropped", in->name, sd->name);
        in->warned_alpha = 1;
    }
    in->established = 1;
    vg_verbose("%s: video stream %d: %s %dx%d %s -> %s, matrix %d, %s range, rotation %d", in->name,
               v->stream_index, v->codec, v->width, v->height, sd->name, cd->name, v->cs_resolved,
               v->full_range ? "full" : "limited", v->rotation);
    return VG_OK;
}

/* Estimates of frames and seconds that will be returned (after -ss/-t/--frames). */
static void estimate_length(pl_input *in, const pl_input_opts *o)
{
    pl_video_info *v = &in->info;
    const AVStream *st = in->vst;
    double fps = v->frame_rate.num > 0 ? av_q2d(v->frame_rate) : 0.0;
    double st_start = st->start_time != AV_NOPTS_VALUE
                          ? (double)(to_us(st->start_time, st->time_base) - in->file_start_us) / 1e6
                          : 0.0;
    double st_dur = st->duration != AV_NOPTS_VALUE ? (double)st->duration * av_q2d(st->time_base)
                    : in->ic->duration != AV_NOPTS_VALUE ? (double)in->ic->duration / 1e6
                                                         : -1.0;
    double remain = -1.0;
    double begin = o->start > 0 ? o->start : 0.0;
    if (st_dur >= 0) {
        double endt = st_start + st_dur;
        if (o->duration >= 0 && begin + o->duration < endt) endt = begin + o->duration;
        remain = endt - (begin > st_start ? begin : st_start);
        if (remain < 0) remain = 0;
    } else if (o->duration >= 0) {
        remain = o->duration;
    }
    int64_t nb = -1;
    if (o->start <= 0 && o->duration < 0 && st->nb_frames > 0)
        nb = st->nb_frames;
    else if (remain >= 0 && fps > 0)
        nb = llround(remain * fps);
    if (o->max_frames >= 0) {
        if (nb < 0 || nb > o->max_frames) nb = o->max_frames;
        if (fps > 0 && (remain < 0 || remain > (double)o->max_frames / fps))
            remain = (double)o->max_frames / fps;
    }
    v->nb_frames = nb;
    v->duration = remain;
}

/* ---- frame conversion ---- */

static void note_corrupt(pl_input *in, int err)
{
    in->corrupt++;
    if (in->warned_corrupt) return;
    /* decoding from the key frame before -ss may complain before the first kept frame */
    if (in->have_start && !in->established) return;
    in->warned_corrupt = 1;
    char why[AV_ERROR_MAX_STRING_SIZE + 4] = "";
    if (err < 0) snprintf(why, sizeof(why), " (%s)", AV_ERR(err));
    vg_warn("%s: corrupt video data near %s%s; decoding continues (later errors are counted)",
            in->name, FMT_TIME(pos_rel(in), 1), why);
}

/* Converts src (a decoded frame; its references are taken) to info's format and size.
 * On success *out is a new frame the caller owns. */
static int convert_frame(pl_input *in, AVFrame *src, AVFrame **out)
{
    pl_video_info *v = &in->info;
    enum AVPixelFormat sf = (enum AVPixelFormat)src->format;
    int relabel;
    enum AVPixelFormat canon = canonical_format(sf, &relabel);
    *out = NULL;
    AVFrame *dst = av_frame_alloc();
    if (!dst) return VG_ERR_NOMEM;
    int same_size = src->width == v->width && src->height == v->height;
    if (canon == v->pix_fmt && same_size && (sf == canon || relabel)) {
        av_frame_move_ref(dst, src);
        if (relabel) {
            dst->format = canon;
            dst->data[3] = NULL; /* the alpha plane, if any (its buffer stays referenced) */
            dst->linesize[3] = 0;
        }
    } else {
        if (!same_size || canon != v->pix_fmt) {
            if (!in->warned_change) {
                const char *nn = av_get_pix_fmt_name(sf);
                vg_warn("%s: the video changes to %dx%d %s at %s; frames are scaled to the "
                        "first frame's %dx%d",
                        in->name, src->width, src->height, nn ? nn : "?", FMT_TIME(pos_rel(in), 1),
                        v->width, v->height);
                in->warned_change = 1;
            }
            if (canon == AV_PIX_FMT_NONE || !sws_isSupportedInput(sf)) {
                vg_error("%s: decoded pixel format '%s' is not supported", in->name,
                         av_get_pix_fmt_name(sf) ? av_get_pix_fmt_name(sf) : "unknown");
                av_frame_free(&dst);
                return VG_ERR_UNSUPPORTED;
            }
        }
        if (!in->sws || in->sws_fmt != (int)sf || in->sws_w != src->width ||
            in->sws_h != src->height) {
            sws_freeContext(in->sws);
            in->sws = sws_getContext(src->width, src->height, sf, v->width, v->height, v->pix_fmt,
                                     SWS_FLAGS, NULL, NULL, NULL);
            if (!in->sws) {
                vg_error("%s: cannot convert %s to %s (swscale)", in->name, av_get_pix_fmt_name(sf),
                         av_get_pix_fmt_name(v->pix_fmt));
                av_frame_free(&dst);
                return VG_ERR_UNSUPPORTED;
            }
            const AVPixFmtDescriptor *sd = av_pix_fmt_desc_get(sf);
            if (!is_rgb_like(sf, sd)) {
                /* the same matrix and range on both sides: only the layout changes */
                const int *coef = sws_getCoefficients(matrix_enum(v->cs_resolved));
                sws_setColorspaceDetails(in->sws, coef, v->full_range, coef, v->full_range, 0,
                                         1 << 16, 1 << 16);
            }
            in->sws_fmt = (int)sf;
            in->sws_w = src->width;
            in->sws_h = src->height;
        }
        dst->format = v->pix_fmt;
        dst->width = v->width;
        dst->height = v->height;
        int ret = av_frame_get_buffer(dst, 0);
        if (ret < 0) {
            av_frame_free(&dst);
            return VG_ERR_NOMEM;
        }
        ret = sws_scale(in->sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height,
                        dst->data, dst->linesize);
        if (ret <= 0) {
            vg_error("%s: converting %s to %s failed", in->name, av_get_pix_fmt_name(sf),
                     av_get_pix_fmt_name(v->pix_fmt));
            av_frame_free(&dst);
            return VG_ERR_INTERNAL;
        }
        av_frame_copy_props(dst, src);
        av_frame_unref(src);
    }
    dst->color_range = v->full_range ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    if (v->is_rgb)
        dst->colorspace = AVCOL_SPC_RGB;
    else if (resolve_matrix(v->colorspace, v->height) == v->cs_resolved &&
             v->colorspace != AVCOL_SPC_UNSPECIFIED && v->colorspace != AVCOL_SPC_RESERVED)
        dst->colorspace = v->colorspace; /* tagged and understood: keep the exact tag */
    else
        dst->colorspace = matrix_enum(v->cs_resolved);
    dst->color_primaries = v->primaries;
    dst->color_trc = v->trc;
    dst->chroma_location = v->chroma_loc;
    *out = dst;
    return VG_OK;
}

/* ---- the read state machine ---- */

static int queue_push(pl_input *in, AVPacket *p)
{
    if (in->q_len - in->q_head >= QUEUE_MAX) {
        vg_error("%s: more than %d packets of other streams come before the first video "
                 "frame; the file is badly interleaved",
                 in->name, QUEUE_MAX);
        return VG_ERR_LIMIT;
    }
    if (in->q_len == in->q_cap) {
        int cap = in->q_cap ? in->q_cap * 2 : 64;
        AVPacket **q = realloc(in->queue, (size_t)cap * sizeof(*q));
        if (!q) return VG_ERR_NOMEM;
        in->queue = q;
        in->q_cap = cap;
    }
    in->queue[in->q_len++] = p;
    return VG_OK;
}

/* Whether a copied packet is inside [start, end) (see pl_input_read). */
static int keep_packet(pl_input *in, const AVPacket *p)
{
    int64_t t = packet_us(in->ic, p);
    if (t == AV_NOPTS_VALUE) return 1;
    if (in->have_start && !in->started[p->stream_index]) {
        if (t < in->start_us) return 0;
        in->started[p->stream_index] = 1;
    }
    return t < in->end_us;
}

/* After the video has ended early: whether copied streams may still have packets before
 * the end time (some audio stream, or the video stream, has not read past it). */
static int copy_packets_pending(const pl_input *in)
{
    if (!in->copy_streams || in->demux_eof) return 0;
    if (in->end_us == INT64_MAX) return 1;
    for (unsigned i = 0; i < in->ic->nb_streams; i++) {
        int dense = (int)i == in->vst->index ||
                    (in->copy[i] && in->ic->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO);
        if (dense && (in->last_us[i] == AV_NOPTS_VALUE || in->last_us[i] < in->end_us)) return 1;
    }
    return 0;
}

/* Reads one packet into in->pkt: VG_OK, VG_EOF (also sets demux_eof), or an error. */
static int read_packet(pl_input *in)
{
    for (;;) {
        int ret = av_read_frame(in->ic, in->pkt);
        if (ret == AVERROR(EAGAIN)) {
            av_usleep(10000);
            continue;
        }
        if (ret == AVERROR_EOF) {
            in->demux_eof = 1;
            return VG_EOF;
        }
        const char *at = FMT_TIME(pos_rel(in), 1);
        if (ret < 0) {
            AVIOContext *pb = in->ic->pb;
            if (ret == AVERROR(ENOMEM)) return VG_ERR_NOMEM;
            if (pb && pb->error < 0 && pb->error != AVERROR_EOF) {
                vg_error("%s: read error at %s: %s", in->name, at, AV_ERR(pb->error));
                return VG_ERR_FORMAT; /* input error (exit 3) */
            }
            if (pb && avio_feof(pb)) {
                vg_warn("%s: the file ends in the middle of a packet at %s (truncated?); "
                        "using what could be read (%s)",
                        in->name, at, AV_ERR(ret));
                in->demux_eof = 1;
                return VG_EOF;
            }
            if (ret == AVERROR_INVALIDDATA) {
                vg_error("%s: corrupt data at %s that the %s demuxer cannot get past (%s)",
                         in->name, at, in->ic->iformat->name, AV_ERR(ret));
                return VG_ERR_FORMAT;
            }
            vg_error("%s: read error at %s: %s", in->name, at, AV_ERR(ret));
            return VG_ERR_FORMAT; /* input error (exit 3) */
        }
        int si = in->pkt->stream_index;
        if (si < 0 || (unsigned)si >= in->ic->nb_streams) {
            av_packet_unref(in->pkt); /* a stream that appeared after open: ignored */
            continue;
        }
        int64_t t = packet_us(in->ic, in->pkt);
        if (t != AV_NOPTS_VALUE) {
            in->pos_us = t;
            if (in->last_us[si] == AV_NOPTS_VALUE || t > in->last_us[si]) in->last_us[si] = t;
        }
        return VG_OK;
    }
}

/* Sends in->pkt (a video packet) to the decoder. VG_OK (packet consumed), VG_AGAIN (the
 * decoder is full: pkt kept pending), or a fatal error. */
static int send_video_packet(pl_input *in)
{
    int ret = avcodec_send_packet(in->dec, in->pkt);
    if (ret == AVERROR(EAGAIN)) {
        in->pkt_pending = 1;
        return VG_AGAIN;
    }
    in->pkt_pending = 0;
    av_packet_unref(in->pkt);
    if (ret == AVERROR(ENOMEM)) return VG_ERR_NOMEM;
    if (ret < 0 && ret != AVERROR_EOF) note_corrupt(in, ret);
    return VG_OK;
}

/* A decoded frame at or after start, converted: VG_OK with *out set, VG_AGAIN (needs
 * packets), VG_EOF (decoder drained), or an error. */
static int receive_frame(pl_input *in, AVFrame **out)
{
    for (;;) {
        int ret = avcodec_receive_frame(in->dec, in->raw);
        if (ret == AVERROR(EAGAIN)) return VG_AGAIN;
        if (ret == AVERROR_EOF) return VG_EOF;
        if (ret == AVERROR(ENOMEM)) return VG_ERR_NOMEM;
        if (ret < 0) {
            note_corrupt(in, ret);
            continue;
        }
        AVFrame *raw = in->raw;
        if ((raw->flags & AV_FRAME_FLAG_CORRUPT) || raw->decode_error_flags) note_corrupt(in, 0);
        int64_t pts = raw->best_effort_timestamp;
        if (pts == AV_NOPTS_VALUE) pts = in->guess_pts;
        int64_t dur = PL_FRAME_DURATION(raw);
        if (dur <= 0 && in->dec->framerate.num > 0 && in->dec->framerate.den > 0)
            dur = av_rescale_q(1, av_inv_q(in->dec->framerate), in->vst->time_base);
        if (dur <= 0) dur = 1;
        in->guess_pts = pts + dur;
        if (in->have_start && pts < in->start_pts) {
            av_frame_unref(raw);
            continue;
        }
        if (!in->established) {
            ret = establish(in, raw);
            if (ret < 0) {
                av_frame_unref(raw);
                return ret;
            }
        }
        ret = convert_frame(in, raw, out);
        av_frame_unref(raw);
        if (ret < 0) return ret;
        (*out)->pts = pts;
        PL_FRAME_DURATION(*out) = dur;
        return VG_OK;
    }
}

/* The next frame (at/after start, limits not yet applied) or copied packet. */
static int pump(pl_input *in, AVFrame **frame, AVPacket **packet)
{
    for (;;) {
        if (!in->video_done) {
            int r = receive_frame(in, frame);
            if (r == VG_OK || r < 0) return r;
            if (r == VG_EOF) in->video_done = 1;
        }
        if (in->video_done && in->pkt_pending) {
            av_packet_unref(in->pkt);
            in->pkt_pending = 0;
        }
        if (in->pkt_pending) {
            int r = send_video_packet(in);
            if (r < 0) return r;
            continue;
        }
        if (in->video_done && !copy_packets_pending(in)) return VG_EOF;
        if (in->demux_eof) {
            if (!in->video_done && !in->flush_sent) {
                in->flush_sent = 1;
                if (avcodec_send_packet(in->dec, NULL) == AVERROR(ENOMEM)) return VG_ERR_NOMEM;
                continue;
            }
            in->video_done = 1;
            return VG_EOF;
        }
        int r = read_packet(in);
        if (r == VG_EOF) continue;
        if (r < 0) return r;
        int si = in->pkt->stream_index;
        if (si == in->vst->index) {
            if (in->video_done) {
                av_packet_unref(in->pkt);
                continue;
            }
            r = send_video_packet(in);
            if (r < 0) return r;
            continue;
        }
        if (in->copy[si] && keep_packet(in, in->pkt)) {
            AVPacket *p = av_packet_alloc();
            if (!p) return VG_ERR_NOMEM;
            av_packet_move_ref(p, in->pkt);
            p->time_base = in->ic->streams[si]->time_base;
            *packet = p;
            return VG_OK;
        }
        av_packet_unref(in->pkt);
    }
}

/* Frames lost to corrupt data are often invisible to us: the demuxer resyncs past it, and
 * decoders drop frames whose references are gone, both without an error code. They show
 * as a jump in timestamps. Heuristic: once GAP_RUN identical steps have set a regular step,
 * a step of three regular steps or more is reported (warned once, then counted). Video
 * whose rate really changes rarely has such exact runs followed by such jumps. */
#define GAP_RUN 8
static void note_gap(pl_input *in, int64_t pts)
{
    if (in->last_pts == AV_NOPTS_VALUE) return;
    int64_t step = pts - in->last_pts;
    if (in->regular_step > 0 && step >= 3 * in->regular_step) {
        if (!in->gaps) {
            AVRational tb = in->vst->time_base;
            vg_warn("%s: video timestamps jump from %s to %s: about %" PRId64
                    " frames are missing (corrupt data?); decoding continues",
                    in->name, FMT_TIME(to_us(in->last_pts, tb) - in->file_start_us, 1),
                    FMT_TIME(to_us(pts, tb) - in->file_start_us, 1), step / in->regular_step - 1);
        }
        in->gaps++;
    }
    if (step == in->step) {
        in->step_run++;
    } else {
        in->step = step;
        in->step_run = 1;
    }
    if (in->step_run >= GAP_RUN) in->regular_step = in->step;
}

/* The video ends here (a limit was reached): copied packets from end_us on are dropped. */
static void stop_video(pl_input *in, int64_t end_us)
{
    in->video_done = 1;
    in->limited = 1;
    if (end_us != AV_NOPTS_VALUE && end_us < in->end_us) in->end_us = end_us;
}

/* Where the container says the video stream ends (input timeline, us), or AV_NOPTS_VALUE:
 * the stream duration, else the "DURATION" tag Matroska muxers write per track. */
static int64_t stream_end_us(const pl_input *in)
{
    const AVStream *st = in->vst;
    int64_t start =
        st->start_time != AV_NOPTS_VALUE ? to_us(st->start_time, st->time_base) : in->file_start_us;
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
        return start + to_us(st->duration, st->time_base);
    const AVDictionaryEntry *e = av_dict_get(st->metadata, "DURATION", NULL, 0);
    unsigned h, m;
    double sec;
    if (e && sscanf(e->value, "%u:%u:%lf", &h, &m, &sec) == 3 && sec >= 0)
        return start + (int64_t)h * 3600000000 + (int64_t)m * 60000000 + llrint(sec * 1e6);
    return AV_NOPTS_VALUE;
}

/* Once, at the natural end: totals of damage seen, and a video that stops well before the
 * container says it should (a truncated file whose last packets the demuxer dropped). */
static void eof_report(pl_input *in)
{
    if (in->eof_reported) return;
    in->eof_reported = 1;
    if (in->corrupt > 0 || in->gaps > 1)
        vg_warn("%s: %" PRId64 " frames decoded; %" PRId64 " corrupt video packets or frames "
                "were skipped or concealed, %" PRId64 " jumps in timestamps",
                in->name, in->frames_out, in->corrupt, in->gaps);
    if (in->limited || in->last_pts == AV_NOPTS_VALUE) return;
    AVRational tb = in->vst->time_base;
    int64_t expect = stream_end_us(in);
    int64_t got = to_us(in->last_pts + in->last_dur, tb);
    int64_t slack = 500000;
    if (in->regular_step > 0 && to_us(3 * in->regular_step, tb) > slack)
        slack = to_us(3 * in->regular_step, tb);
    if (expect != AV_NOPTS_VALUE && got < expect - slack)
        vg_warn("%s: the video ends at %s but the file says it lasts until %s; the file may be "
                "truncated",
                in->name, FMT_TIME(got - in->file_start_us, 1),
                FMT_TIME(expect - in->file_start_us, 1));
}

int pl_input_read(pl_input *in, AVFrame **frame, AVPacket **packet)
{
    VG_ASSERT(in && frame && packet);
    *frame = NULL;
    *packet = NULL;
    if (in->error) return in->error;
    for (;;) {
        while (in->q_head < in->q_len) {
            AVPacket *p = in->queue[in->q_head++];
            if (in->q_head == in->q_len) in->q_head = in->q_len = 0;
            if (packet_us(in->ic, p) == AV_NOPTS_VALUE || packet_us(in->ic, p) < in->end_us) {
                *packet = p;
                return VG_OK;
            }
            av_packet_free(&p);
        }
        AVFrame *f = NULL;
        AVPacket *p = NULL;
        if (in->primed) {
            f = in->primed;
            in->primed = NULL;
        } else {
            int r = pump(in, &f, &p);
            if (r == VG_EOF) {
                eof_report(in);
                return VG_EOF;
            }
            if (r < 0) {
                if (r == VG_ERR_NOMEM) vg_error("%s: out of memory while decoding", in->name);
                in->error = r;
                return r;
            }
        }
        if (p) {
            *packet = p;
            return VG_OK;
        }
        AVRational tb = in->vst->time_base;
        if ((in->end_pts != AV_NOPTS_VALUE && f->pts >= in->end_pts) ||
            (in->max_frames >= 0 && in->frames_out >= in->max_frames)) {
            stop_video(in, to_us(f->pts, tb));
            av_frame_free(&f);
            continue;
        }
        if (in->last_pts != AV_NOPTS_VALUE && f->pts <= in->last_pts) {
            if (!in->warned_ts)
                vg_warn("%s: video timestamps go backwards or repeat at frame %" PRId64
                        "; moved forward to keep them increasing",
                        in->name, in->frames_out);
            in->warned_ts = 1;
            f->pts = in->last_pts + 1;
        }
        note_gap(in, f->pts);
        in->last_pts = f->pts;
        in->last_dur = PL_FRAME_DURATION(f);
        in->frames_out++;
        if (in->max_frames >= 0 && in->frames_out >= in->max_frames)
            stop_video(in, to_us(f->pts + PL_FRAME_DURATION(f), tb));
        *frame = f;
        return VG_OK;
    }
}

/* ---- open / close ---- */

int pl_input_open(const pl_input_opts *o, pl_input **out)
{
    VG_ASSERT(o && o->path && out);
    *out = NULL;
    pl_input *in = calloc(1, sizeof(*in));
    if (!in) {
        vg_error("%s: out of memory while opening", o->path);
        return VG_ERR_NOMEM;
    }
    int ret = VG_ERR_NOMEM;
    in->name = strdup(strcmp(o->path, "-") ? o->path : "stdin");
    if (!in->name) goto fail;
    in->last_pts = AV_NOPTS_VALUE;
    in->pos_us = AV_NOPTS_VALUE;
    in->start_pts = in->end_pts = AV_NOPTS_VALUE;
    in->end_us = INT64_MAX;
    in->copy_streams = o->copy_streams;
    in->max_frames = o->max_frames;

    ret = open_container(o->path, o->format, in->name, &in->ic, &in->io);
    if (ret < 0) goto fail;
    AVFormatContext *ic = in->ic;
    int vidx;
    ret = select_stream(ic, o->map, in->name, &vidx);
    if (ret < 0) goto fail;
    in->vst = ic->streams[vidx];

    ret = VG_ERR_NOMEM;
    in->copy = calloc(ic->nb_streams, 1);
    in->started = calloc(ic->nb_streams, 1);
    in->last_us = malloc(ic->nb_streams * sizeof(int64_t));
    in->pkt = av_packet_alloc();
    in->raw = av_frame_alloc();
    if (!in->copy || !in->started || !in->last_us || !in->pkt || !in->raw) goto fail;
    for (unsigned i = 0; i < ic->nb_streams; i++) {
        enum AVMediaType t = ic->streams[i]->codecpar->codec_type;
        in->last_us[i] = AV_NOPTS_VALUE;
        in->copy[i] = o->copy_streams && (int)i != vidx &&
                      (t == AVMEDIA_TYPE_AUDIO || t == AVMEDIA_TYPE_SUBTITLE);
        /* streams we neither decode nor copy: let the demuxer skip their data cheaply */
        if ((int)i != vidx && !in->copy[i]) ic->streams[i]->discard = AVDISCARD_ALL;
    }

    /* decoder */
    const AVCodecParameters *par = in->vst->codecpar;
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec) {
        if (par->codec_id == AV_CODEC_ID_NONE && par->codec_tag) {
            char tag[AV_FOURCC_MAX_STRING_SIZE];
            av_fourcc_make_string(tag, par->codec_tag);
            vg_error("%s: video codec '%s' is not supported by this FFmpeg build (unknown "
                     "codec tag)",
                     in->name, tag);
        } else {
            vg_error("%s: video codec '%s' is not supported by this FFmpeg build", in->name,
                     avcodec_get_name(par->codec_id));
        }
        ret = VG_ERR_UNSUPPORTED;
        goto fail;
    }
    in->dec = avcodec_alloc_context3(codec);
    if (!in->dec) goto fail;
    ret = avcodec_parameters_to_context(in->dec, par);
    if (ret < 0) {
        ret = VG_ERR_NOMEM;
        goto fail;
    }
    in->dec->pkt_timebase = in->vst->time_base;
    in->dec->framerate = av_guess_frame_rate(ic, in->vst, NULL);
    in->dec->thread_count = 0; /* auto */
    in->dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    /* FFmpeg 5.1's WebP decoder with frame threads aborts the process on some corrupt files
     * ("Assertion frame->buf[0] failed at libavcodec/decode.c", also in the ffmpeg tool;
     * found by fuzz_image). A WebP is one picture: frame threads gain nothing there. */
    if (codec->id == AV_CODEC_ID_WEBP) in->dec->thread_type = FF_THREAD_SLICE;
    ret = avcodec_open2(in->dec, codec, NULL);
    if (ret < 0) {
        vg_error("%s: cannot open the %s decoder (%s)", in->name, codec->name, AV_ERR(ret));
        ret = ret == AVERROR(ENOMEM)                                  ? VG_ERR_NOMEM
              : ret == AVERROR_PATCHWELCOME || ret == AVERROR(ENOSYS) ? VG_ERR_UNSUPPORTED
                                                                      : VG_ERR_FORMAT;
        goto fail;
    }

    /* range */
    in->file_start_us = ic->start_time != AV_NOPTS_VALUE ? ic->start_time : 0;
    if (o->start >= 0) {
        in->have_start = 1;
        in->start_us = in->file_start_us + llrint(o->start * 1e6);
        in->start_pts = av_rescale_q(in->start_us, AV_TIME_BASE_Q, in->vst->time_base);
        if (o->start > 0) {
            int64_t seek_us = in->start_us;
            /* like ffmpeg: with B-frame delay, seeking by dts can land after the key frame */
            if (!(ic->iformat->flags & AVFMT_SEEK_TO_PTS))
                for (unsigned i = 0; i < ic->nb_streams; i++)
                    if (ic->streams[i]->codecpar->video_delay) {
                        seek_us -= 3 * AV_TIME_BASE / 23;
                        break;
                    }
            int sr = ic->pb && !(ic->pb->seekable & AVIO_SEEKABLE_NORMAL)
                         ? AVERROR(ESPIPE)
                         : avformat_seek_file(ic, -1, INT64_MIN, seek_us, seek_us, 0);
            if (sr < 0)
                vg_verbose("%s: cannot seek to %s (%s); decoding from the start instead", in->name,
                           FMT_TIME(in->start_us - in->file_start_us, 2), AV_ERR(sr));
        }
    }
    if (o->duration >= 0) {
        in->end_us =
            (in->have_start ? in->start_us : in->file_start_us) + llrint(o->duration * 1e6);
        in->end_pts = av_rescale_q(in->end_us, AV_TIME_BASE_Q, in->vst->time_base);
    }

    /* prime: decode the first frame so the description is that of real frames */
    for (;;) {
        AVFrame *f = NULL;
        AVPacket *p = NULL;
        ret = pump(in, &f, &p);
        if (ret < 0) goto fail;
        if (ret == VG_EOF) break;
        if (f) {
            in->primed = f;
            break;
        }
        ret = queue_push(in, p);
        if (ret < 0) {
            av_packet_free(&p);
            goto fail;
        }
    }
    if (!in->primed) {
        double len = ic->duration != AV_NOPTS_VALUE ? (double)ic->duration / 1e6 : -1.0;
        if (in->have_start && in->corrupt == 0 && o->start > 0) {
            if (len >= 0)
                vg_error("-ss %g: %s is %.2f s long; no video from there on", o->start, in->name,
                         len);
            else
                vg_error("-ss %g: %s has no video from there on", o->start, in->name);
            ret = VG_ERR_INVALID;
        } else if (in->corrupt > 0) {
            vg_error("%s: no video frame could be decoded (%" PRId64 " corrupt packets)", in->name,
                     in->corrupt);
            ret = VG_ERR_FORMAT;
        } else if (stream_end_us(in) != AV_NOPTS_VALUE || in->vst->nb_frames > 0) {
            vg_error("%s: no video frame could be read, although the file says it has video "
                     "(truncated file?)",
                     in->name);
            ret = VG_ERR_FORMAT;
        } else {
            vg_error("%s: the video stream has no frames", in->name);
            ret = VG_ERR_FORMAT;
        }
        goto fail;
    }
    estimate_length(in, o);
    *out = in;
    return VG_OK;

fail:
    if (ret == VG_ERR_NOMEM) vg_error("%s: out of memory while opening", o->path);
    pl_input_close(&in);
    return ret;
}

const pl_video_info *pl_input_video(const pl_input *in)
{
    VG_ASSERT(in);
    return &in->info;
}

const AVFormatContext *pl_input_avformat(const pl_input *in)
{
    VG_ASSERT(in);
    return in->ic;
}

int64_t pl_input_frames_read(const pl_input *in)
{
    VG_ASSERT(in);
    return in->frames_out;
}

void pl_input_close(pl_input **pin)
{
    if (!pin || !*pin) return;
    pl_input *in = *pin;
    for (int i = in->q_head; i < in->q_len; i++) av_packet_free(&in->queue[i]);
    free(in->queue);
    av_frame_free(&in->primed);
    av_frame_free(&in->raw);
    av_packet_free(&in->pkt);
    sws_freeContext(in->sws);
    avcodec_free_context(&in->dec);
    avformat_close_input(&in->ic);
    io_free(&in->io);
    free(in->copy);
    free(in->started);
    free(in->last_us);
    free(in->name);
    free(in);
    *pin = NULL;
}

/* ---- describe ---- */

static void print_metadata(FILE *f, const AVDictionary *m, const char *indent)
{
    const AVDictionaryEntry *e = NULL;
    while ((e = av_dict_get(m, "", e, AV_DICT_IGNORE_SUFFIX)))
        fprintf(f, "%s%s: %s\n", indent, e->key, e->value);
}

static const char *name_or(const char *s, const char *fallback)
{
    return s ? s : fallback;
}

/* The first line's video part: size, SAR, rate, pixel format, frame count. */
static void describe_video(FILE *f, const AVFormatContext *ic, const AVStream *st)
{
    const AVCodecParameters *par = st->codecpar;
    fprintf(f, ", %dx%d", par->width, par->height);
    AVRational sar = par->sample_aspect_ratio;
    if (sar.num > 0 && sar.den > 0 && (sar.num != sar.den))
        fprintf(f, " (SAR %d:%d)", sar.num, sar.den);
    AVRational fr = av_guess_frame_rate((AVFormatContext *)ic, (AVStream *)st, NULL);
    if (fr.num > 0 && fr.den > 0) {
        if (fr.den == 1)
            fprintf(f, ", %d fps", fr.num);
        else
            fprintf(f, ", %.3f fps (%d/%d)", av_q2d(fr), fr.num, fr.den);
    }
    enum AVPixelFormat pf = (enum AVPixelFormat)par->format;
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(pf);
    if (d) {
        int relabel;
        enum AVPixelFormat canon = canonical_format(pf, &relabel);
        fprintf(f, ", %s (%d-bit)", d->name,
                (d->flags & AV_PIX_FMT_FLAG_FLOAT) ? 32 : max_depth(d));
        if (canon != pf && canon != AV_PIX_FMT_NONE)
            fprintf(f, " read as %s", av_get_pix_fmt_name(canon));
    } else {
        fprintf(f, ", pixel format unknown");
    }
    if (st->nb_frames > 0) fprintf(f, ", %" PRId64 " frames", st->nb_frames);
}

/* Indented lines: colour, scan, rotation, stereo, 360. */
static void describe_video_details(FILE *f, const AVStream *st)
{
    const AVCodecParameters *par = st->codecpar;
    enum AVPixelFormat pf = (enum AVPixelFormat)par->format;
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(pf);
    if (d) {
        if (is_rgb_like(pf, d)) {
            fprintf(f, "    colour: RGB, full range");
        } else {
            int full = is_yuvj(pf) || par->color_range == AVCOL_RANGE_JPEG ||
                       (is_gray_like(pf, d) && par->color_range != AVCOL_RANGE_MPEG);
            int m = resolve_matrix(par->color_space, par->height);
            fprintf(f, "    colour: %s range%s, matrix %s", full ? "full" : "limited",
                    par->color_range == AVCOL_RANGE_UNSPECIFIED && !is_yuvj(pf) ? " (untagged)"
                                                                                : "",
                    m == 709    ? "bt709"
                    : m == 2020 ? "bt2020"
                                : "bt601");
            if (par->color_space == AVCOL_SPC_UNSPECIFIED)
                fprintf(f, " (untagged: assumed from the height)");
            else
                fprintf(f, " (tagged %s)", name_or(av_color_space_name(par->color_space), "?"));
        }
        if (par->color_primaries != AVCOL_PRI_UNSPECIFIED)
            fprintf(f, ", primaries %s",
                    name_or(av_color_primaries_name(par->color_primaries), "?"));
        if (par->color_trc != AVCOL_TRC_UNSPECIFIED)
            fprintf(f, ", transfer %s", name_or(av_color_transfer_name(par->color_trc), "?"));
        if (par->chroma_location != AVCHROMA_LOC_UNSPECIFIED)
            fprintf(f, ", chroma location %s",
                    name_or(av_chroma_location_name(par->chroma_location), "?"));
        fprintf(f, "\n");
    }
    static const char *fields[] = {"unknown",
                                   "progressive",
                                   "interlaced, top field first",
                                   "interlaced, bottom field first",
                                   "interlaced, top coded first, bottom displayed first",
                                   "interlaced, bottom coded first, top displayed first"};
    if (par->field_order > AV_FIELD_UNKNOWN && par->field_order <= AV_FIELD_BT)
        fprintf(f, "    scan: %s\n", fields[par->field_order]);
    size_t size = 0;
    const int32_t *m =
        (const int32_t *)av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (m && size >= 9 * sizeof(int32_t)) {
        double cw = -av_display_rotation_get(m);
        if (!isnan(cw)) {
            long q = ((lround(cw / 90.0) % 4) + 4) % 4;
            fprintf(f, "    rotation: display turned %ld degrees clockwise\n", q * 90);
        }
    } else {
        const AVDictionaryEntry *e = av_dict_get(st->metadata, "rotate", NULL, 0);
        if (e) fprintf(f, "    rotation: %s degrees clockwise (rotate tag)\n", e->value);
    }
    const AVStereo3D *s3 =
        (const AVStereo3D *)av_stream_get_side_data(st, AV_PKT_DATA_STEREO3D, &size);
    if (s3 && size >= sizeof(AVStereo3D))
        fprintf(f, "    stereo: %s%s\n", av_stereo3d_type_name(s3->type),
                (s3->flags & AV_STEREO3D_FLAG_INVERT) ? " (right eye first)" : "");
    const AVSphericalMapping *sp =
        (const AVSphericalMapping *)av_stream_get_side_data(st, AV_PKT_DATA_SPHERICAL, &size);
    if (sp && size >= sizeof(AVSphericalMapping))
        fprintf(f, "    360: %s projection\n", av_spherical_projection_name(sp->projection));
}

static void describe_audio(FILE *f, const AVStream *st)
{
    const AVCodecParameters *par = st->codecpar;
    if (par->sample_rate > 0) fprintf(f, ", %d Hz", par->sample_rate);
    char layout[128] = "";
    if (par->ch_layout.nb_channels > 0) {
        if (av_channel_layout_describe(&par->ch_layout, layout, sizeof(layout)) < 0)
            layout[0] = '\0';
        fprintf(f, ", %d channel%s%s%s%s", par->ch_layout.nb_channels,
                par->ch_layout.nb_channels == 1 ? "" : "s", layout[0] ? " (" : "", layout,
                layout[0] ? ")" : "");
    }
    const char *sf = av_get_sample_fmt_name((enum AVSampleFormat)par->format);
    if (sf) fprintf(f, ", %s", sf);
}

int pl_input_describe(const char *path, FILE *f)
{
    VG_ASSERT(path && f);
    const char *name = strcmp(path, "-") ? path : "stdin";
    AVFormatContext *ic = NULL;
    AVIOContext *io = NULL;
    int ret = open_container(path, NULL, name, &ic, &io);
    if (ret < 0) {
        if (ret == VG_ERR_NOMEM) vg_error("%s: out of memory while opening", name);
        return ret;
    }

    fprintf(f, "%s: %s (%s)\n", name, ic->iformat->name, name_or(ic->iformat->long_name, "?"));
    int64_t start = ic->start_time != AV_NOPTS_VALUE ? ic->start_time : 0;
    fprintf(f, "  duration %s, start %.3f s", FMT_TIME(ic->duration, 2), (double)start / 1e6);
    if (ic->bit_rate > 0) fprintf(f, ", bit rate %" PRId64 " kb/s", ic->bit_rate / 1000);
    fprintf(f, "\n");
    if (av_dict_count(ic->metadata)) {
        fprintf(f, "  metadata:\n");
        print_metadata(f, ic->metadata, "    ");
    }
    for (unsigned i = 0; i < ic->nb_chapters; i++) {
        const AVChapter *c = ic->chapters[i];
        const AVDictionaryEntry *t = av_dict_get(c->metadata, "title", NULL, 0);
        fprintf(f, "  chapter %u: %s - %s%s%s%s\n", i,
                FMT_TIME(to_us(c->start, c->time_base) - start, 2),
                FMT_TIME(to_us(c->end, c->time_base) - start, 2), t ? " \"" : "", t ? t->value : "",
                t ? "\"" : "");
    }
    for (unsigned i = 0; i < ic->nb_streams; i++) {
        const AVStream *st = ic->streams[i];
        const AVCodecParameters *par = st->codecpar;
        const char *type = media_type_word(par->codec_type);
        int cover = par->codec_type == AVMEDIA_TYPE_VIDEO &&
                    (st->disposition & AV_DISPOSITION_ATTACHED_PIC);
        fprintf(f, "  stream %u: %s%s: %s", i, type, cover ? " (cover art)" : "",
                avcodec_get_name(par->codec_id));
        const char *profile = avcodec_profile_name(par->codec_id, par->profile);
        if (profile) fprintf(f, " (%s)", profile);
        if (par->codec_id == AV_CODEC_ID_NONE && par->codec_tag) {
            char tag[AV_FOURCC_MAX_STRING_SIZE];
            fprintf(f, " [tag %s]", av_fourcc_make_string(tag, par->codec_tag));
        }
        if ((par->codec_type == AVMEDIA_TYPE_VIDEO || par->codec_type == AVMEDIA_TYPE_AUDIO) &&
            !avcodec_find_decoder(par->codec_id))
            fprintf(f, " [no decoder in this FFmpeg build]");
        if (par->codec_type == AVMEDIA_TYPE_VIDEO) describe_video(f, ic, st);
        if (par->codec_type == AVMEDIA_TYPE_AUDIO) describe_audio(f, st);
        if (par->bit_rate > 0) fprintf(f, ", %" PRId64 " kb/s", par->bit_rate / 1000);
        if (st->duration != AV_NOPTS_VALUE)
            fprintf(f, ", duration %s", FMT_TIME(to_us(st->duration, st->time_base), 2));
        if (st->disposition & AV_DISPOSITION_DEFAULT) fprintf(f, " [default]");
        fprintf(f, "\n");
        if (par->codec_type == AVMEDIA_TYPE_VIDEO) describe_video_details(f, st);
        if (av_dict_count(st->metadata)) {
            fprintf(f, "    metadata:\n");
            print_metadata(f, st->metadata, "      ");
        }
    }
    avformat_close_input(&ic);
    io_free(&io);
    return VG_OK;
}
