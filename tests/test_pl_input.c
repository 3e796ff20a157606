/*
 * test_pl_input.c - pl_input on clips generated here with the ffmpeg CLI (testsrc2, sine)
 * in a mkdtemp folder that is removed afterwards, and on the shared sample media when
 * present: frame counts and timestamps (CFR, VFR), decoded bytes against the ffmpeg CLI's
 * own decode, odd sizes, 10/12-bit, pixel-format canonicalisation (nv12, rgb24, rgb48,
 * pal8, yuyv422, gray, yuva, yuvj), colour resolution, rotation (checked against ffmpeg's
 * autorotate pixels), interlacing, stereo tags, -ss/-t/--frames, -map, stdin (file and
 * pipe), stream copy payloads against a plain libavformat demux, broken inputs and their
 * messages, and pl_input_describe.
 *
 * Skips (77) when the ffmpeg CLI is missing. Not a test of network inputs, hardware
 * decoding, or 360 (spherical) metadata, which the ffmpeg 5.1 CLI cannot write.
 */
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "common/vg_time.h"
#include "pipeline/pl_input.h"
#include "tests/vt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

static char dir[64];
static char logbuf[16384];

static void sink(int level, const char *line, void *ud)
{
    size_t used = strlen(logbuf);
    snprintf(logbuf + used, sizeof(logbuf) - used, "%s", line);
}
static void log_clear(void)
{
    logbuf[0] = '\0';
}

static const char *in_dir(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
    return p;
}

/* Runs "ffmpeg -v error -nostdin -y ARGS DIR/OUT"; 1 on success. */
static int gen(const char *out, const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "ffmpeg -v error -nostdin -y %s '%s'", args, in_dir(out));
    int rc = system(cmd);
    VT_CHECK(rc == 0, "clip generation failed: %s", cmd);
    return rc == 0;
}

#define TESTSRC(size, rate, dur) "-f lavfi -i testsrc2=size=" size ":rate=" rate ":duration=" dur

/* Everything one pass over an input gives. */
typedef struct run {
    int open_ret, read_ret;
    pl_video_info info;
    int64_t n, frames_read;
    int64_t pts[512];
    AVFrame *kept[64]; /* the first frames, when keep */
    int nkept;
    int bad_frames;  /* frames not in info's format/size */
    int64_t npkt[8]; /* copied packets per stream index */
    int64_t pkt_min_us[8], pkt_max_us[8];
    uint32_t pkt_crc[8]; /* running hash of copied payloads per stream */
    int eof_again;       /* read after EOF gave EOF again */
} run;

static uint32_t hash_bytes(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

static void run_free(run *r)
{
    for (int i = 0; i < r->nkept; i++) av_frame_free(&r->kept[i]);
    r->nkept = 0;
}

static void run_input(const pl_input_opts *o, int keep, run *r)
{
    memset(r, 0, sizeof(*r));
    for (int i = 0; i < 8; i++) {
        r->pkt_min_us[i] = INT64_MAX;
        r->pkt_max_us[i] = INT64_MIN;
        r->pkt_crc[i] = 2166136261u;
    }
    pl_input *in = NULL;
    r->open_ret = pl_input_open(o, &in);
    if (r->open_ret < 0) {
        VT_CHECK(in == NULL, "failed open must leave *out NULL");
        return;
    }
    r->info = *pl_input_video(in);
    const AVFormatContext *ic = pl_input_avformat(in);
    for (;;) {
        AVFrame *f = NULL;
        AVPacket *p = NULL;
        int ret = pl_input_read(in, &f, &p);
        if (ret != VG_OK) {
            r->read_ret = ret;
            VT_CHECK(!f && !p, "nothing is returned with %d", ret);
            break;
        }
        VT_CHECK((f != NULL) != (p != NULL), "exactly one of frame/packet");
        if (f) {
            if (f->format != r->info.pix_fmt || f->width != r->info.width ||
                f->height != r->info.height)
                r->bad_frames++;
            if (r->n < 512) r->pts[r->n] = f->pts;
            r->n++;
            if (keep && r->nkept < 64)
                r->kept[r->nkept++] = f;
            else
                av_frame_free(&f);
        } else {
            int si = p->stream_index;
            VT_CHECK(si != r->info.stream_index && si >= 0 && si < 8, "copied stream %d", si);
            if (si >= 0 && si < 8 && si != r->info.stream_index) {
                r->npkt[si]++;
                int64_t t = av_rescale_q(p->pts, ic->streams[si]->time_base, AV_TIME_BASE_Q);
                if (t < r->pkt_min_us[si]) r->pkt_min_us[si] = t;
                if (t > r->pkt_max_us[si]) r->pkt_max_us[si] = t;
                r->pkt_crc[si] = hash_bytes(r->pkt_crc[si], p->data, (size_t)p->size);
            }
            av_packet_free(&p);
        }
    }
    if (r->read_ret == VG_EOF) {
        AVFrame *f = NULL;
        AVPacket *p = NULL;
        r->eof_again = pl_input_read(in, &f, &p) == VG_EOF && !f && !p;
    }
    r->frames_read = pl_input_frames_read(in);
    pl_input_close(&in);
    VT_CHECK(in == NULL, "close sets NULL");
}

static void run_path(const char *name, int keep, run *r)
{
    pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
    o.path = in_dir(name);
    run_input(&o, keep, r);
}

/* Compares kept frames with the ffmpeg CLI's decode of path to raw ff_fmt (same layout as
 * the frames). Returns the number of frames compared. */
static int compare_with_ffmpeg(const char *path, const char *ff_fmt, const char *extra, run *r)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -v error -nostdin %s -i '%s' -map 0:v:0 -fps_mode passthrough -f rawvideo "
             "-pix_fmt %s -",
             extra ? extra : "", path, ff_fmt);
    FILE *fp = popen(cmd, "r");
    VT_CHECK(fp != NULL, "popen %s", cmd);
    if (!fp) return 0;
    int compared = 0;
    uint8_t *row = malloc(1 << 16);
    for (int i = 0; i < r->nkept; i++) {
        const AVFrame *f = r->kept[i];
        const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
        int planes = av_pix_fmt_count_planes(f->format);
        int bad = 0, eof = 0;
        for (int pl = 0; pl < planes && !eof; pl++) {
            int h = pl == 0 || pl == 3 ? f->height : AV_CEIL_RSHIFT(f->height, d->log2_chroma_h);
            int bytes = av_image_get_linesize(f->format, f->width, pl);
            for (int y = 0; y < h; y++) {
                if (fread(row, 1, (size_t)bytes, fp) != (size_t)bytes) {
                    eof = 1;
                    break;
                }
                if (memcmp(row, f->data[pl] + (size_t)y * f->linesize[pl], (size_t)bytes)) bad++;
            }
        }
        VT_CHECK(!eof, "%s: ffmpeg gave fewer frames than pl_input (%d)", path, i);
        if (eof) break;
        VT_CHECK(bad == 0, "%s: frame %d differs from ffmpeg's decode in %d rows", path, i, bad);
        compared++;
    }
    free(row);
    pclose(fp);
    return compared;
}

/* Reads whole lines of a command's output as integers. */
static int read_ints(const char *cmd, int64_t *out, int max)
{
    FILE *fp = popen(cmd, "r");
    if (!fp) return -1;
    int n = 0;
    char line[128];
    while (fgets(line, sizeof(line), fp))
        if (line[0] >= '0' && line[0] <= '9' && n < max) out[n++] = strtoll(line, NULL, 10);
    pclose(fp);
    return n;
}

/* ---- tests ---- */

static void expect_error(const char *name, int want, const char *msg);

static void test_cfr(void)
{
    /* H.264 with B-frames in MP4: frame threads, reordering, edit lists */
    if (!gen("cfr.mp4", TESTSRC("320x240", "25", "2") " -c:v libx264 -g 12 -bf 2 -pix_fmt yuv420p"))
        return;
    run r;
    log_clear();
    run_path("cfr.mp4", 1, &r);
    VT_CHECK(logbuf[0] == '\0', "cfr: a clean file logs nothing: %s", logbuf);
    VT_CHECK(r.open_ret == VG_OK && r.read_ret == VG_EOF, "cfr: %d %d", r.open_ret, r.read_ret);
    VT_CHECK(r.n == 50 && r.frames_read == 50, "cfr: %" PRId64 " frames", r.n);
    VT_CHECK(r.eof_again, "cfr: EOF again after EOF");
    VT_CHECK(r.bad_frames == 0, "cfr: frames differ from info");
    const pl_video_info *v = &r.info;
    VT_CHECK(v->width == 320 && v->height == 240 && v->pix_fmt == AV_PIX_FMT_YUV420P &&
                 v->bits == 8 && v->log2_chroma_w == 1 && v->log2_chroma_h == 1 && !v->is_rgb,
             "cfr: info %dx%d %d", v->width, v->height, v->pix_fmt);
    VT_CHECK(v->frame_rate.num == 25 && v->frame_rate.den == 1, "cfr: rate %d/%d",
             v->frame_rate.num, v->frame_rate.den);
    VT_CHECK(v->nb_frames == 50, "cfr: estimate %" PRId64, v->nb_frames);
    VT_CHECK(fabs(v->duration - 2.0) < 0.05, "cfr: duration %g", v->duration);
    VT_CHECK(!strcmp(v->codec, "h264"), "cfr: codec %s", v->codec);
    VT_CHECK(v->cs_resolved == 601 && v->full_range == 0, "cfr: untagged SD is 601 limited");
    VT_CHECK(v->rotation == 0 && v->stereo == 0 && v->spherical == 0 && v->stream_index == 0,
             "cfr: no rotation/stereo");
    for (int i = 0; i < 50 && i < r.n; i++) {
        /* pts * tb == i / 25 exactly */
        int64_t want = av_rescale_q(i, (AVRational){1, 25}, v->time_base);
        VT_CHECK(r.pts[i] - r.pts[0] == want, "cfr: frame %d pts %" PRId64 " want %" PRId64, i,
                 r.pts[i] - r.pts[0], want);
        if (r.pts[i] - r.pts[0] != want) break;
    }
    int c = compare_with_ffmpeg(in_dir("cfr.mp4"), "yuv420p", NULL, &r);
    VT_CHECK(c == 50, "cfr: compared %d frames", c);
    for (int i = 0; i < r.nkept; i++) {
        VT_CHECK(r.kept[i]->color_range == AVCOL_RANGE_MPEG &&
                     r.kept[i]->colorspace == AVCOL_SPC_BT470BG,
                 "cfr: frame colour fields resolved");
        if (r.kept[i]->colorspace != AVCOL_SPC_BT470BG) break;
    }
    run_free(&r);
}

/* Opens name, expects canonical want (and bits), compares bytes with ffmpeg's decode to
 * ff_fmt (NULL: no comparison). */
static void check_format(const char *name, enum AVPixelFormat want, int bits, const char *ff_fmt,
                         int nframes)
{
    run r;
    run_path(name, 1, &r);
    VT_CHECK(r.open_ret == VG_OK && r.read_ret == VG_EOF, "%s: %d %d", name, r.open_ret,
             r.read_ret);
    VT_CHECK(r.info.pix_fmt == want, "%s: pix_fmt %s, want %s", name,
             av_get_pix_fmt_name(r.info.pix_fmt), av_get_pix_fmt_name(want));
    VT_CHECK(r.info.bits == bits, "%s: bits %d want %d", name, r.info.bits, bits);
    VT_CHECK(r.n == nframes && r.bad_frames == 0, "%s: %" PRId64 " frames, %d bad", name, r.n,
             r.bad_frames);
    if (ff_fmt) {
        int c = compare_with_ffmpeg(in_dir(name), ff_fmt, NULL, &r);
        VT_CHECK(c == nframes, "%s: compared %d frames", name, c);
    }
    run_free(&r);
}

static void test_formats(void)
{
    /* one ffmpeg run writes every clip: input 0 has an odd size, input 1 an even one */
    static const struct {
        const char *name;
        int input;
        const char *codec;
        const char *pix_fmt;
    } clips[] = {
        {"odd.mkv", 0, "ffv1", "yuv420p"},       {"p10.mkv", 1, "ffv1", "yuv420p10le"},
        {"p12.mkv", 1, "ffv1", "yuv422p12le"},   {"nv12.nut", 0, "rawvideo", "nv12"},
        {"rgb24.nut", 0, "rawvideo", "rgb24"},   {"bgr0.nut", 1, "rawvideo", "bgr0"},
        {"rgb48.nut", 1, "rawvideo", "rgb48le"}, {"yuyv.nut", 1, "rawvideo", "yuyv422"},
        {"pal8.nut", 1, "rawvideo", "pal8"},     {"y411.nut", 1, "rawvideo", "yuv411p"},
        {"y9.nut", 1, "rawvideo", "yuv444p9le"}, {"gray.mkv", 1, "ffv1", "gray"},
        {"yuva.mkv", 1, "ffv1", "yuva420p"},
    };
    char args[4096];
    int len = snprintf(args, sizeof(args),
                       TESTSRC("321x179", "25", "0.2") " " TESTSRC("322x240", "25", "0.2"));
    for (size_t i = 0; i + 1 < sizeof(clips) / sizeof(clips[0]); i++)
        len +=
            snprintf(args + len, sizeof(args) - (size_t)len, " -map %d:v -c:v %s -pix_fmt %s '%s'",
                     clips[i].input, clips[i].codec, clips[i].pix_fmt, in_dir(clips[i].name));
    const size_t last = sizeof(clips) / sizeof(clips[0]) - 1;
    snprintf(args + len, sizeof(args) - (size_t)len, " -map %d:v -c:v %s -pix_fmt %s",
             clips[last].input, clips[last].codec, clips[last].pix_fmt);
    if (!gen(clips[last].name, args)) return;

    /* odd size, 4:2:0 (chroma 161x90); 10-bit and 12-bit 4:2:2 pass through */
    check_format("odd.mkv", AV_PIX_FMT_YUV420P, 8, "yuv420p", 5);
    check_format("p10.mkv", AV_PIX_FMT_YUV420P10LE, 10, "yuv420p10le", 5);
    check_format("p12.mkv", AV_PIX_FMT_YUV422P12LE, 12, "yuv422p12le", 5);
    /* packed and semi-planar layouts through swscale, bit-exact against ffmpeg */
    check_format("nv12.nut", AV_PIX_FMT_YUV420P, 8, "yuv420p", 5);
    check_format("rgb24.nut", AV_PIX_FMT_GBRP, 8, "gbrp", 5);
    check_format("bgr0.nut", AV_PIX_FMT_GBRP, 8, "gbrp", 5);
    check_format("rgb48.nut", AV_PIX_FMT_GBRP16LE, 16, "gbrp16le", 5);
    check_format("yuyv.nut", AV_PIX_FMT_YUV422P, 8, "yuv422p", 5);
    check_format("pal8.nut", AV_PIX_FMT_GBRP, 8, "gbrp", 5);
    /* 4:1:1 goes to 4:2:2 (chroma resampled: layout only, no byte comparison), 9 to 10 bits */
    check_format("y411.nut", AV_PIX_FMT_YUV422P, 8, NULL, 5);
    check_format("y9.nut", AV_PIX_FMT_YUV444P10LE, 10, NULL, 5);

    /* gray: luma unchanged, neutral chroma, full range */
    {
        run r;
        run_path("gray.mkv", 1, &r);
        VT_CHECK(r.open_ret == VG_OK && r.info.pix_fmt == AV_PIX_FMT_YUV420P &&
                     r.info.full_range == 1 && r.n == 5,
                 "gray: %d %s full %d", r.open_ret, av_get_pix_fmt_name(r.info.pix_fmt),
                 r.info.full_range);
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "ffmpeg -v error -nostdin -i '%s' -f rawvideo -pix_fmt gray -",
                 in_dir("gray.mkv"));
        FILE *fp = popen(cmd, "r");
        int w = r.info.width, h = r.info.height, bad = 0;
        uint8_t *row = malloc((size_t)w);
        for (int i = 0; fp && row && i < r.nkept; i++) {
            const AVFrame *f = r.kept[i];
            for (int y = 0; y < h; y++)
                if (fread(row, 1, (size_t)w, fp) != (size_t)w ||
                    memcmp(row, f->data[0] + y * f->linesize[0], (size_t)w))
                    bad++;
            for (int pl = 1; pl < 3; pl++)
                for (int y = 0; y < (h + 1) / 2; y++)
                    for (int x = 0; x < (w + 1) / 2; x++)
                        if (f->data[pl][y * f->linesize[pl] + x] != 128) bad++;
        }
        free(row);
        if (fp) pclose(fp);
        VT_CHECK(bad == 0 && r.nkept == 5, "gray: %d bad rows/samples", bad);
        run_free(&r);
    }

    /* alpha: relabelled (same bytes for Y, U, V), warned once */
    {
        log_clear();
        check_format("yuva.mkv", AV_PIX_FMT_YUV420P, 8, "yuv420p", 5);
        VT_CHECK(strstr(logbuf, "alpha") != NULL, "yuva: alpha warning, log: %s", logbuf);
        char *second = strstr(logbuf, "alpha");
        VT_CHECK(second && !strstr(second + 5, "alpha"), "yuva: warned once: %s", logbuf);
    }
}

static void test_colour(void)
{
    if (gen("bt709.mkv", TESTSRC("320x240", "25", "0.2") " -c:v ffv1 -pix_fmt yuv420p "
                                                         "-color_primaries bt709 -color_trc bt709 "
                                                         "-colorspace bt709 -color_range tv")) {
        run r;
        run_path("bt709.mkv", 1, &r);
        VT_CHECK(r.open_ret == VG_OK && r.info.cs_resolved == 709 && r.info.full_range == 0 &&
                     r.info.colorspace == AVCOL_SPC_BT709 && r.info.primaries == AVCOL_PRI_BT709 &&
                     r.info.trc == AVCOL_TRC_BT709 && r.info.range == AVCOL_RANGE_MPEG,
                 "bt709: cs %d full %d", r.info.cs_resolved, r.info.full_range);
        VT_CHECK(r.nkept > 0 && r.kept[0]->colorspace == AVCOL_SPC_BT709 &&
                     r.kept[0]->color_range == AVCOL_RANGE_MPEG &&
                     r.kept[0]->color_primaries == AVCOL_PRI_BT709,
                 "bt709: frame tags");
        run_free(&r);
    }
    /* MJPEG decodes to yuvj420p: relabelled yuv420p, full range, 601 */
    if (gen("mjpeg.avi", TESTSRC("320x240", "25", "0.2") " -c:v mjpeg -pix_fmt yuvj420p")) {
        run r;
        run_path("mjpeg.avi", 1, &r);
        VT_CHECK(r.open_ret == VG_OK && r.info.pix_fmt == AV_PIX_FMT_YUV420P &&
                     r.info.full_range == 1 && r.info.cs_resolved == 601,
                 "mjpeg: %s full %d cs %d", av_get_pix_fmt_name(r.info.pix_fmt), r.info.full_range,
                 r.info.cs_resolved);
        VT_CHECK(r.nkept == 5 && r.kept[0]->color_range == AVCOL_RANGE_JPEG, "mjpeg: frames");
        int c = compare_with_ffmpeg(in_dir("mjpeg.avi"), "yuvj420p", NULL, &r);
        VT_CHECK(c == 5, "mjpeg: same bytes as ffmpeg's yuvj420p (%d)", c);
        run_free(&r);
    }
    /* untagged HD: 709; tagged 2020 */
    if (gen("hd.mkv", TESTSRC("1280x720", "25", "0.04") " -c:v ffv1 -pix_fmt yuv420p")) {
        run r;
        run_path("hd.mkv", 0, &r);
        VT_CHECK(r.open_ret == VG_OK && r.info.cs_resolved == 709 && !r.info.full_range,
                 "hd: cs %d", r.info.cs_resolved);
    }
    if (gen("bt2020.mkv",
            TESTSRC("320x240", "25", "0.04") " -c:v ffv1 -pix_fmt yuv420p10le "
                                             "-colorspace bt2020nc -color_range pc")) {
        run r;
        run_path("bt2020.mkv", 0, &r);
        VT_CHECK(r.open_ret == VG_OK && r.info.cs_resolved == 2020 && r.info.full_range == 1,
                 "bt2020: cs %d full %d", r.info.cs_resolved, r.info.full_range);
    }
}

/* Rotation: FFmpeg 5.1's "-metadata:s:v:0 rotate=90" on a stream copy writes a display
 * matrix that ffprobe prints as "rotation=90" (av_display_rotation_get, counter-clockwise)
 * and that ffmpeg's autorotate displays by turning the picture 90 degrees
 * counter-clockwise. We verify the sign with pixels: our frame turned info.rotation
 * degrees clockwise must equal ffmpeg's autorotated luma exactly. */
static void test_rotation(void)
{
    if (!gen("norot.mp4", TESTSRC("320x240", "25", "0.2") " -c:v libx264 -pix_fmt yuv420p")) return;
    static const int tags[] = {90, 180, 270};
    for (int k = 0; k < 3; k++) {
        char name[32], args[600];
        snprintf(name, sizeof(name), "rot%d.mp4", tags[k]);
        snprintf(args, sizeof(args), "-i '%s' -c copy -metadata:s:v:0 rotate=%d",
                 in_dir("norot.mp4"), tags[k]);
        if (!gen(name, args)) continue;
        run r;
        run_path(name, 1, &r);
        VT_CHECK(r.open_ret == VG_OK && r.nkept > 0, "%s: open", name);
        if (r.open_ret != VG_OK || !r.nkept) continue;
        int rot = r.info.rotation;
        VT_CHECK(rot == (360 - tags[k]) % 360, "%s: rotation %d (tag %d)", name, rot, tags[k]);
        /* ffmpeg's autorotated first frame, luma only */
        int w = r.info.width, h = r.info.height;
        int ow = rot % 180 ? h : w, oh = rot % 180 ? w : h;
        char cmd[700];
        snprintf(cmd, sizeof(cmd),
                 "ffmpeg -v error -nostdin -i '%s' -frames:v 1 -f rawvideo -pix_fmt yuv420p -",
                 in_dir(name));
        FILE *fp = popen(cmd, "r");
        uint8_t *img = malloc((size_t)ow * oh * 2);
        size_t got = fp ? fread(img, 1, (size_t)ow * oh * 2, fp) : 0;
        if (fp) pclose(fp);
        VT_CHECK(got == (size_t)ow * oh * 3 / 2, "%s: ffmpeg autorotated frame %zu bytes", name,
                 got);
        const AVFrame *f = r.kept[0];
        int bad = 0;
        for (int y = 0; y < oh && got; y++)
            for (int x = 0; x < ow; x++) {
                int sx, sy; /* source pixel of output (x, y) turned clockwise by rot */
                if (rot == 90)
                    sx = y, sy = h - 1 - x;
                else if (rot == 180)
                    sx = w - 1 - x, sy = h - 1 - y;
                else if (rot == 270)
                    sx = w - 1 - y, sy = x;
                else
                    sx = x, sy = y;
                if (img[(size_t)y * ow + x] != f->data[0][(size_t)sy * f->linesize[0] + sx]) bad++;
            }
        VT_CHECK(bad == 0, "%s: %d luma samples differ from ffmpeg's autorotate", name, bad);
        free(img);
        run_free(&r);
    }
}

static void test_vfr_and_tags(void)
{
    if (gen("vfr.mkv", TESTSRC("320x240", "25", "1") " -vf settb=1/1000,setpts=N*N*10 "
                                                     "-fps_mode passthrough -enc_time_base:v "
                                                     "1/1000 -c:v ffv1")) {
        run r;
        log_clear();
        run_path("vfr.mkv", 0, &r);
        VT_CHECK(logbuf[0] == '\0', "vfr: no warnings (no false gaps): %s", logbuf);
        int64_t want[64];
        char cmd[600];
        snprintf(cmd, sizeof(cmd),
                 "ffprobe -v error -select_streams v:0 -show_entries frame=best_effort_timestamp "
                 "-of csv=p=0 '%s'",
                 in_dir("vfr.mkv"));
        int n = read_ints(cmd, want, 64);
        VT_CHECK(r.open_ret == VG_OK && n == 25 && r.n == n, "vfr: %" PRId64 " frames, ffprobe %d",
                 r.n, n);
        for (int i = 0; i < n && i < r.n; i++)
            VT_CHECK(r.pts[i] == want[i], "vfr: frame %d pts %" PRId64 " ffprobe %" PRId64, i,
                     r.pts[i], want[i]);
        VT_CHECK(n > 3 && want[3] - want[2] != want[2] - want[1], "vfr: clip is not VFR");
    }
    if (gen("interlaced.mpg", TESTSRC("320x240", "25", "0.4") " -c:v mpeg2video -flags "
                                                              "+ildct+ilme -top 1")) {
        run r;
        run_path("interlaced.mpg", 1, &r);
        VT_CHECK(r.open_ret == VG_OK && r.info.interlaced == 1 && r.info.top_field_first == 1,
                 "interlaced: %d tff %d", r.info.interlaced, r.info.top_field_first);
        VT_CHECK(r.nkept > 0 && r.kept[0]->interlaced_frame == 1, "interlaced: frame flag");
        run_free(&r);
    }
    if (gen("tb.mkv", TESTSRC("320x240", "25", "0.2") " -c:v ffv1 -metadata:s:v:0 "
                                                      "stereo_mode=top_bottom")) {
        run r;
        run_path("tb.mkv", 0, &r);
        VT_CHECK(r.open_ret == VG_OK && r.info.stereo == PL_STEREO_TOP_BOTTOM, "tb: stereo %d",
                 r.info.stereo);
    }
    if (gen("sbs.mkv", TESTSRC("320x240", "25", "0.2") " -c:v ffv1 -metadata:s:v:0 "
                                                       "stereo_mode=left_right")) {
        run r;
        run_path("sbs.mkv", 0, &r);
        VT_CHECK(r.open_ret == VG_OK && r.info.stereo == PL_STEREO_SIDE_BY_SIDE, "sbs: %d",
                 r.info.stereo);
    }
}

static void test_ranges(void)
{
    /* MPEG-4 part 2, key frames every 12: -ss must decode from the key frame before */
    if (!gen("range.mp4", TESTSRC("320x240", "25", "2") " -f lavfi -i sine=frequency=440:"
                                                        "duration=2 -c:v mpeg4 -g 12 -c:a aac"))
        return;
    pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
    o.path = in_dir("range.mp4");
    o.start = 0.4;
    o.duration = 0.6;
    o.copy_streams = 1;
    run r;
    run_input(&o, 0, &r);
    AVRational tb = r.info.time_base;
    VT_CHECK(r.open_ret == VG_OK && r.n == 15, "-ss 0.4 -t 0.6: %" PRId64 " frames (want 15)", r.n);
    VT_CHECK(r.info.nb_frames == 15 && fabs(r.info.duration - 0.6) < 1e-6,
             "-ss/-t estimate %" PRId64 " %g", r.info.nb_frames, r.info.duration);
    if (r.n > 0)
        VT_CHECK(r.pts[0] == av_rescale_q(10, (AVRational){1, 25}, tb) &&
                     r.pts[r.n - 1] == av_rescale_q(24, (AVRational){1, 25}, tb),
                 "-ss/-t: pts %" PRId64 "..%" PRId64, r.pts[0], r.pts[r.n - 1]);
    VT_CHECK(r.npkt[1] > 20 && r.pkt_min_us[1] >= 400000 && r.pkt_max_us[1] < 1000000,
             "-ss/-t audio: %" PRId64 " packets in [%" PRId64 ", %" PRId64 "] us", r.npkt[1],
             r.pkt_min_us[1], r.pkt_max_us[1]);

    o = (pl_input_opts)PL_INPUT_OPTS_DEFAULT;
    o.path = in_dir("range.mp4");
    o.max_frames = 7;
    run_input(&o, 0, &r);
    VT_CHECK(r.n == 7 && r.info.nb_frames == 7 &&
                 r.pts[6] == av_rescale_q(6, (AVRational){1, 25}, tb),
             "--frames 7: %" PRId64 " frames, estimate %" PRId64, r.n, r.info.nb_frames);

    o.start = 1.0;
    o.max_frames = 3;
    run_input(&o, 0, &r);
    VT_CHECK(r.n == 3 && r.pts[0] == av_rescale_q(25, (AVRational){1, 25}, tb),
             "-ss 1 --frames 3: %" PRId64 " frames from %" PRId64, r.n, r.pts[0]);

    o.max_frames = 0;
    o.start = -1;
    run_input(&o, 0, &r);
    VT_CHECK(r.open_ret == VG_OK && r.n == 0 && r.read_ret == VG_EOF && r.info.width == 320,
             "--frames 0: described, no frames");

    o = (pl_input_opts)PL_INPUT_OPTS_DEFAULT;
    o.path = in_dir("range.mp4");
    o.start = 30;
    log_clear();
    run_input(&o, 0, &r);
    VT_CHECK(r.open_ret == VG_ERR_INVALID && strstr(logbuf, "-ss 30") &&
                 strstr(logbuf, "range.mp4"),
             "-ss past the end: %d %s", r.open_ret, logbuf);
}

static void test_map(void)
{
    if (!gen("two.mkv", TESTSRC("320x240", "25", "0.4") " " TESTSRC(
                            "160x120", "25",
                            "0.4") " -f lavfi -i sine=duration=0.4 -map 0 -map 1 -map 2 -c:v ffv1 "
                                   "-c:a flac"))
        return;
    static const struct {
        const char *map;
        int ret, width;
        const char *msg;
    } cases[] = {
        {NULL, VG_OK, 320, NULL},
        {"", VG_OK, 320, NULL},
        {"0", VG_OK, 320, NULL},
        {"0:v:1", VG_OK, 160, NULL},
        {"0:1", VG_OK, 160, NULL},
        {"0:V:1", VG_OK, 160, NULL},
        {"v:1", VG_OK, 160, NULL},
        {"0:v:2", VG_ERR_INVALID, 0, "has 2 video streams"},
        {"0:2", VG_ERR_INVALID, 0, "is audio, not video"},
        {"0:7", VG_ERR_INVALID, 0, "has 3 streams"},
        {"1:v", VG_ERR_INVALID, 0, "one input"},
        {"0:q", VG_ERR_INVALID, 0, "not a stream specifier"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
        o.path = in_dir("two.mkv");
        o.map = cases[i].map;
        log_clear();
        pl_input *in = NULL;
        int ret = pl_input_open(&o, &in);
        VT_CHECK(ret == cases[i].ret, "-map %s: %d want %d (%s)", cases[i].map, ret, cases[i].ret,
                 logbuf);
        if (in) {
            VT_CHECK(pl_input_video(in)->width == cases[i].width, "-map %s: width %d", cases[i].map,
                     pl_input_video(in)->width);
            pl_input_close(&in);
        }
        if (cases[i].msg)
            VT_CHECK(strstr(logbuf, cases[i].msg) && strstr(logbuf, "-map"), "-map %s: message %s",
                     cases[i].map, logbuf);
    }
}

/* Cover art is not "the first video stream"; it can be selected explicitly. */
static void test_cover_art(void)
{
    if (!gen("art.png", "-f lavfi -i color=red:size=64x64 -frames:v 1")) return;
    char args[800];
    snprintf(args, sizeof(args),
             "-f lavfi -i sine=duration=0.5 -i '%s' -map 0 -map 1 -c:a libmp3lame -c:v copy "
             "-disposition:v:0 attached_pic",
             in_dir("art.png"));
    if (!gen("song.mp3", args)) return;
    expect_error("song.mp3", VG_ERR_FORMAT, "only cover art");
    pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
    o.path = in_dir("song.mp3");
    o.map = "0:v";
    run r;
    run_input(&o, 0, &r);
    VT_CHECK(r.open_ret == VG_OK && r.n == 1 && r.info.width == 64 && r.info.stream_index == 1,
             "-map 0:v on cover art: %d %" PRId64 " frames", r.open_ret, r.n);
    o.map = "0:V";
    log_clear();
    run_input(&o, 0, &r);
    VT_CHECK(r.open_ret == VG_ERR_INVALID, "-map 0:V excludes cover art: %d %s", r.open_ret,
             logbuf);
}

static void test_stdin(void)
{
    if (!gen("pipe.mkv", TESTSRC("320x240", "25", "1") " -c:v ffv1")) return;
    int saved = dup(0);
    /* a regular file on fd 0: seekable, MP4 works */
    int fd = open(in_dir("range.mp4"), O_RDONLY);
    if (fd >= 0 && saved >= 0) {
        dup2(fd, 0);
        close(fd);
        pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
        o.path = "-";
        o.start = 0.4; /* seeks on the file */
        run r;
        run_input(&o, 0, &r);
        VT_CHECK(r.open_ret == VG_OK && r.n == 40, "stdin file: %d %" PRId64 " frames", r.open_ret,
                 r.n);
        dup2(saved, 0);
    }
    /* a pipe from a writer process */
    int pfd[2];
    if (saved >= 0 && pipe(pfd) == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            int in = open(in_dir("pipe.mkv"), O_RDONLY);
            char buf[65536];
            ssize_t n;
            while (in >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
                if (write(pfd[1], buf, (size_t)n) != n) break;
            _exit(0);
        }
        close(pfd[1]);
        dup2(pfd[0], 0);
        close(pfd[0]);
        pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
        o.path = "-";
        o.start = 0.2; /* not seekable: decoded and dropped */
        run r;
        log_clear();
        run_input(&o, 0, &r);
        VT_CHECK(r.open_ret == VG_OK && r.n == 20, "stdin pipe: %d %" PRId64 " frames", r.open_ret,
                 r.n);
        dup2(saved, 0);
        waitpid(pid, NULL, 0);
        /* an empty pipe */
        if (pipe(pfd) == 0) {
            close(pfd[1]);
            dup2(pfd[0], 0);
            close(pfd[0]);
            log_clear();
            o.start = -1;
            run_input(&o, 0, &r);
            VT_CHECK(r.open_ret == VG_ERR_FORMAT && strstr(logbuf, "stdin"), "empty stdin: %d %s",
                     r.open_ret, logbuf);
            dup2(saved, 0);
        }
    }
    if (saved >= 0) close(saved);
}

/* Copied packets equal a plain libavformat demux of the same streams. */
static void test_copy(void)
{
    FILE *srt = fopen(in_dir("subs.srt"), "w");
    if (!srt) return;
    fprintf(srt, "1\n00:00:00,200 --> 00:00:00,800\nhello\n\n2\n00:00:01,000 --> "
                 "00:00:01,500\nworld\n\n");
    fclose(srt);
    char args[800];
    snprintf(args, sizeof(args),
             TESTSRC("320x240", "25", "2") " -f lavfi -i sine=frequency=300:duration=2 -i '%s' "
                                           "-map 0 -map 1 -map 2 -c:v libx264 -c:a aac -c:s srt",
             in_dir("subs.srt"));
    if (!gen("copy.mkv", args)) return;
    pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
    o.path = in_dir("copy.mkv");
    o.copy_streams = 1;
    run r;
    run_input(&o, 0, &r);
    VT_CHECK(r.open_ret == VG_OK && r.n == 50, "copy: %d %" PRId64 " frames", r.open_ret, r.n);

    AVFormatContext *ic = NULL;
    int64_t npkt[8] = {0};
    uint32_t crc[8];
    for (int i = 0; i < 8; i++) crc[i] = 2166136261u;
    if (avformat_open_input(&ic, in_dir("copy.mkv"), NULL, NULL) == 0) {
        AVPacket *p = av_packet_alloc();
        while (av_read_frame(ic, p) >= 0) {
            if (p->stream_index > 0 && p->stream_index < 8) {
                npkt[p->stream_index]++;
                crc[p->stream_index] = hash_bytes(crc[p->stream_index], p->data, (size_t)p->size);
            }
            av_packet_unref(p);
        }
        av_packet_free(&p);
        avformat_close_input(&ic);
    }
    VT_CHECK(npkt[1] > 50 && r.npkt[1] == npkt[1] && r.pkt_crc[1] == crc[1],
             "copy audio: %" PRId64 " packets, demux %" PRId64, r.npkt[1], npkt[1]);
    VT_CHECK(npkt[2] == 2 && r.npkt[2] == 2 && r.pkt_crc[2] == crc[2],
             "copy subtitles: %" PRId64 " packets, demux %" PRId64, r.npkt[2], npkt[2]);

    o.copy_streams = 0;
    run_input(&o, 0, &r);
    VT_CHECK(r.n == 50 && r.npkt[1] == 0 && r.npkt[2] == 0, "no copy: no packets");

    /* --frames: audio stops near the end of the last frame */
    o.copy_streams = 1;
    o.max_frames = 10;
    run_input(&o, 0, &r);
    VT_CHECK(r.n == 10 && r.npkt[1] > 5 && r.pkt_max_us[1] < 400000 + 500000 && r.npkt[2] == 1,
             "copy --frames 10: %" PRId64 " audio packets up to %" PRId64 " us, %" PRId64 " subs",
             r.npkt[1], r.pkt_max_us[1], r.npkt[2]);
}

static void expect_error(const char *name, int want, const char *msg)
{
    pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
    o.path = in_dir(name);
    log_clear();
    pl_input *in = NULL;
    int ret = pl_input_open(&o, &in);
    VT_CHECK(ret == want && in == NULL, "%s: %d want %d (%s)", name, ret, want, logbuf);
    VT_CHECK(strstr(logbuf, in_dir(name)) != NULL, "%s: message names the file: %s", name, logbuf);
    if (msg) VT_CHECK(strstr(logbuf, msg) != NULL, "%s: message '%s' in: %s", name, msg, logbuf);
    VT_CHECK(vg_exit_code(ret) == 3, "%s: exit code %d", name, vg_exit_code(ret));
    pl_input_close(&in);
}

static int copy_file_part(const char *from, const char *to, double fraction)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int ok = a && b;
    if (ok) {
        fseek(a, 0, SEEK_END);
        long size = ftell(a), keep = (long)(size * fraction);
        fseek(a, 0, SEEK_SET);
        char *buf = malloc((size_t)size);
        ok = buf && fread(buf, 1, (size_t)size, a) == (size_t)size &&
             fwrite(buf, 1, (size_t)keep, b) == (size_t)keep;
        free(buf);
    }
    if (a) fclose(a);
    if (b) fclose(b);
    return ok;
}

static void test_bad_inputs(void)
{
    expect_error("missing.mp4", VG_ERR_NOT_FOUND, "No such file or directory");
    FILE *f = fopen(in_dir("empty.mp4"), "wb");
    if (f) fclose(f);
    expect_error("empty.mp4", VG_ERR_FORMAT, "file is empty");
    f = fopen(in_dir("notes.mp4"), "w");
    if (f) {
        for (int i = 0; i < 200; i++) fprintf(f, "line %d of a plain text file, not a video\n", i);
        fclose(f);
    }
    expect_error("notes.mp4", VG_ERR_FORMAT, "not a media file");
    mkdir(in_dir("folder.mp4"), 0755);
    expect_error("folder.mp4", VG_ERR_FORMAT, "folder");

    /* truncated MP4: moov at the end is lost */
    if (copy_file_part(in_dir("cfr.mp4"), in_dir("half.mp4"), 0.5))
        expect_error("half.mp4", VG_ERR_FORMAT, "truncated");
    /* truncated MP4 with moov first: the frames before the cut decode */
    char args[600];
    snprintf(args, sizeof(args), "-i '%s' -c copy -movflags +faststart", in_dir("cfr.mp4"));
    if (gen("fast.mp4", args) && copy_file_part(in_dir("fast.mp4"), in_dir("fasthalf.mp4"), 0.5)) {
        log_clear();
        run r;
        run_path("fasthalf.mp4", 0, &r);
        VT_CHECK(r.open_ret == VG_OK && r.read_ret == VG_EOF && r.n >= 10 && r.n < 50,
                 "fasthalf: %d %d %" PRId64 " frames", r.open_ret, r.read_ret, r.n);
        VT_CHECK(strstr(logbuf, "fasthalf.mp4") && strstr(logbuf, "truncated"),
                 "fasthalf: warned: %s", logbuf);
        /* cut before any video data: an error, not an empty success */
        if (copy_file_part(in_dir("fast.mp4"), in_dir("fasthead.mp4"), 0.05))
            expect_error("fasthead.mp4", VG_ERR_FORMAT, "truncated");
    }

    /* corrupt bytes in the middle of an MKV: decoding continues with a warning */
    if (gen("corrupt.mkv", TESTSRC("320x240", "25", "2") " -c:v libx264 -g 10")) {
        FILE *c = fopen(in_dir("corrupt.mkv"), "r+b");
        if (c) {
            fseek(c, 0, SEEK_END);
            long size = ftell(c);
            fseek(c, size / 2, SEEK_SET);
            vt_rng rng = {42};
            for (int i = 0; i < 3000; i++) fputc((int)(vt_rng_u32(&rng) & 0xff), c);
            fclose(c);
        }
        log_clear();
        run r;
        run_path("corrupt.mkv", 0, &r);
        VT_CHECK(r.open_ret == VG_OK && r.read_ret == VG_EOF && r.n >= 30,
                 "corrupt: %d %d %" PRId64 " frames", r.open_ret, r.read_ret, r.n);
        VT_CHECK(strstr(logbuf, "corrupt.mkv") && strstr(logbuf, "corrupt"), "corrupt: warned: %s",
                 logbuf);
    }

    if (gen("audio.wav", "-f lavfi -i sine=duration=0.5"))
        expect_error("audio.wav", VG_ERR_FORMAT, "has no video stream");
    if (gen("audio.mka", "-f lavfi -i sine=duration=0.5 -c:a flac"))
        expect_error("audio.mka", VG_ERR_FORMAT, "has no video stream");

    /* unsupported codec: an AVI whose fourcc was rewritten to one no decoder knows */
    if (gen("qqqq.avi", TESTSRC("320x240", "25", "0.2") " -c:v mpeg4 -vtag FMP4")) {
        FILE *c = fopen(in_dir("qqqq.avi"), "r+b");
        if (c) {
            char head[8192];
            size_t n = fread(head, 1, sizeof(head), c);
            for (size_t i = 0; i + 4 <= n; i++)
                if (!memcmp(head + i, "FMP4", 4) || !memcmp(head + i, "fmp4", 4))
                    memcpy(head + i, "QQQQ", 4);
            fseek(c, 0, SEEK_SET);
            fwrite(head, 1, n, c);
            fclose(c);
        }
        expect_error("qqqq.avi", VG_ERR_UNSUPPORTED, "'QQQQ' is not supported");
    }

    /* unknown forced format */
    pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
    o.path = in_dir("cfr.mp4");
    o.format = "nosuchformat";
    pl_input *in = NULL;
    log_clear();
    VT_CHECK(pl_input_open(&o, &in) == VG_ERR_INVALID && strstr(logbuf, "nosuchformat"),
             "-f nosuchformat: %s", logbuf);
    o.format = "matroska";
    VT_CHECK(pl_input_open(&o, &in) == VG_ERR_FORMAT, "-f matroska on an MP4");
    o.format = "mp4";
    VT_CHECK(pl_input_open(&o, &in) == VG_OK, "-f mp4 on an MP4");
    pl_input_close(&in);
    pl_input_close(&in); /* NULL-safe */
    pl_input_close(NULL);
}

static void test_describe(void)
{
    FILE *f = tmpfile();
    if (!f) return;
    int ret = pl_input_describe(in_dir("copy.mkv"), f);
    char text[8192] = "";
    rewind(f);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    VT_CHECK(ret == VG_OK, "describe: %d", ret);
    static const char *want[] = {"320x240",  "25 fps",       "h264",         "video",
                                 "audio",    "aac",          "44100 Hz",     "1 channel",
                                 "subtitle", "matrix bt601", "limited range"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        VT_CHECK(strstr(text, want[i]) != NULL, "describe: no '%s' in:\n%s", want[i], text);
    f = tmpfile();
    ret = pl_input_describe(in_dir("bt709.mkv"), f);
    rewind(f);
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    VT_CHECK(ret == VG_OK && strstr(text, "matrix bt709") && strstr(text, "primaries bt709"),
             "describe bt709:\n%s", text);
    f = tmpfile();
    ret = pl_input_describe(in_dir("rot90.mp4"), f);
    rewind(f);
    n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    VT_CHECK(ret == VG_OK && strstr(text, "270 degrees clockwise"), "describe rot90:\n%s", text);
    log_clear();
    VT_CHECK(pl_input_describe(in_dir("missing.mkv"), stdout) == VG_ERR_NOT_FOUND &&
                 strstr(logbuf, "missing.mkv"),
             "describe missing: %s", logbuf);
    f = tmpfile();
    VT_CHECK(pl_input_describe(in_dir("audio.wav"), f) == VG_OK, "describe audio only");
    fclose(f);
}

static void test_media(void)
{
    const char *media = getenv("VRGEN_MEDIA");
    static const char *files[] = {"tree.avi", "vtest.avi"};
    for (int i = 0; i < 2; i++) {
        char path[1024], cmd[1200];
        snprintf(path, sizeof(path), "%s/%s", media ? media : "", files[i]);
        if (!media || access(path, R_OK) != 0) {
            printf("test_pl_input: %s absent; sample media check skipped\n", path);
            continue;
        }
        snprintf(cmd, sizeof(cmd),
                 "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                 "stream=nb_read_frames -of csv=p=0 '%s'",
                 path);
        int64_t want = -1;
        read_ints(cmd, &want, 1);
        pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
        o.path = path;
        run r;
        log_clear();
        run_input(&o, 0, &r);
        VT_CHECK(logbuf[0] == '\0', "%s: no warnings: %s", files[i], logbuf);
        VT_CHECK(r.open_ret == VG_OK && r.read_ret == VG_EOF && r.n == want && want > 0,
                 "%s: %" PRId64 " frames, ffprobe %" PRId64, files[i], r.n, want);
        VT_CHECK(r.bad_frames == 0, "%s: frames in info's format", files[i]);
        printf("test_pl_input: %s: %dx%d %s, %" PRId64 " frames (container says %" PRId64 ")\n",
               files[i], r.info.width, r.info.height, av_get_pix_fmt_name(r.info.pix_fmt), r.n,
               r.info.nb_frames);
    }
}

int main(void)
{
    if (system("ffmpeg -version >/dev/null 2>&1") != 0 ||
        system("ffprobe -version >/dev/null 2>&1") != 0) {
        printf("test_pl_input: skipped: the ffmpeg and ffprobe commands are needed to make "
               "test clips\n");
        return VT_SKIP;
    }
    vt_tmp_template(dir, sizeof(dir), "vrgen-pl-input");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    av_log_set_level(getenv("VRGEN_TEST_AVLOG") ? AV_LOG_INFO : AV_LOG_QUIET);
    vg_log_set_sink(sink, NULL);

    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"cfr", test_cfr},           {"formats", test_formats},       {"colour", test_colour},
        {"rotation", test_rotation}, {"vfr+tags", test_vfr_and_tags}, {"ranges", test_ranges},
        {"map", test_map},           {"cover art", test_cover_art},   {"stdin", test_stdin},
        {"copy", test_copy},         {"bad inputs", test_bad_inputs}, {"describe", test_describe},
        {"media", test_media},
    };
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        double t0 = vg_time_now();
        int before = vt_failures;
        tests[i].fn();
        printf("test_pl_input: %-10s %s (%.1f s)\n", tests[i].name,
               vt_failures == before ? "ok" : "FAILED", vg_time_now() - t0);
    }

    vg_log_set_sink(NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return vt_result("test_pl_input");
}
