/*
 * test_pl_output.c - the output module through an "identity pipeline": clips generated
 * with the ffmpeg command line (lavfi testsrc2 + sine) are decoded with pl_input and
 * written back with pl_output, and the result is inspected with libavformat/libavcodec:
 * frame counts, pts lists and durations (CFR and VFR), bit-identical audio and subtitle
 * copy, chapters and metadata, every container and encoder, options, colour tags, 10-bit,
 * audio re-encode, and the file-safety rules (existing output, bad folders, interrupted
 * runs, abandoned outputs, write errors).
 *
 * Not a quality test of the encoders, and it does not test stdout output.
 * Skips (77) when the ffmpeg command is missing.
 */
#include "pipeline/pl_input.h"
#include "pipeline/pl_output.h"

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "tests/vt.h"

#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>

static char g_dir[256];

/* ---- log capture ---------------------------------------------------------------------- */

static char g_log[16384];

static void log_sink(int level, const char *line, void *ud)
{
    (void)ud;
    (void)level;
    size_t n = strlen(g_log);
    snprintf(g_log + n, sizeof(g_log) - n, "%s", line);
    fputs(line, stderr);
}

static void log_clear(void)
{
    g_log[0] = '\0';
}

/* ---- helpers ---------------------------------------------------------------------------- */

static const char *path_in(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, 512, "%s/%s", g_dir, name);
    return b;
}

static int sh(const char *cmd)
{
    char full[4096];
    snprintf(full, sizeof(full), "cd '%s' && ffmpeg -nostdin -hide_banner -loglevel error -y %s",
             g_dir, cmd);
    int r = system(full);
    if (r != 0) fprintf(stderr, "command failed (%d): %s\n", r, full);
    return r;
}

static int file_exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

/* Number of files in g_dir whose names contain ".vrgen-" (temporary outputs). */
static int temp_files(void)
{
    int n = 0;
    DIR *d = opendir(g_dir);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".vrgen-")) n++;
    closedir(d);
    return n;
}

static void opts_default(pl_output_opts *o, const char *out)
{
    pl_output_opts_init(o);
    o->path = out;
    o->preset = NULL;
}

/*
 * Decodes `in` with pl_input and writes every frame and copied packet through pl_output.
 * max_frames >= 0 stops after that many frames (a simulated interrupt), then finishes
 * unless no_finish. Returns the first error code; *frames_out gets the frames written.
 */
static int identity_ex(const char *in, const pl_output_opts *oo, int64_t max_frames, int no_finish,
                       int64_t *frames_out, pl_output **keep)
{
    pl_input_opts io = PL_INPUT_OPTS_DEFAULT;
    io.path = in;
    io.copy_streams = 1;
    pl_input *pin = NULL;
    pl_output *out = NULL;
    int r = pl_input_open(&io, &pin);
    if (r < 0) return r;
    r = pl_output_open(oo, pin, pl_input_video(pin), &out);
    if (r < 0) goto done;
    for (;;) {
        if (max_frames >= 0 && pl_output_frames(out) >= max_frames) break;
        AVFrame *f = NULL;
        AVPacket *p = NULL;
        r = pl_input_read(pin, &f, &p);
        if (r == VG_EOF) {
            r = VG_OK;
            break;
        }
        if (r < 0) goto done;
        if (f) {
            r = pl_output_write_frame(out, f);
            av_frame_free(&f);
        } else {
            r = pl_output_write_packet(out, &p);
            VT_CHECK(p == NULL, "write_packet must take the packet");
        }
        if (r < 0) goto done;
    }
    if (frames_out) *frames_out = pl_output_frames(out);
    if (!no_finish) r = pl_output_finish(out);
done:
    if (keep && r == VG_OK)
        *keep = out;
    else
        pl_output_close(&out);
    pl_input_close(&pin);
    return r;
}

static int identity(const char *in, const pl_output_opts *oo)
{
    return identity_ex(in, oo, -1, 0, NULL, NULL);
}

/* What libavformat sees in a file. */
typedef struct probe {
    int ok;
    char vcodec[32], acodec[32], scodec[32];
    int nb_audio, nb_subs;
    int64_t nb_video;      /* video packets */
    double vpts[256];      /* sorted video pts in seconds */
    double vend;           /* max(pts + duration) of video packets, seconds */
    double vtb;            /* seconds per video time base tick */
    AVPacket *apkts[1024]; /* audio packets of the first audio stream */
    int nb_apkts;
    char subs_text[1024]; /* concatenated subtitle packet payloads */
    int nb_chapters;
    char chapter1_title[64];
    char title[64];
    enum AVPixelFormat pix_fmt;
    int bits;
    enum AVColorSpace cs;
    enum AVColorRange range;
    enum AVColorPrimaries prim;
    enum AVColorTransferCharacteristic trc;
    int64_t decoded; /* frames the decoder returned (the file plays) */
} probe;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void probe_free(probe *p)
{
    for (int i = 0; i < p->nb_apkts; i++) av_packet_free(&p->apkts[i]);
    p->nb_apkts = 0;
}

static int probe_file(const char *path, probe *p)
{
    memset(p, 0, sizeof(*p));
    AVFormatContext *ic = NULL;
    if (avformat_open_input(&ic, path, NULL, NULL) < 0) return 0;
    if (avformat_find_stream_info(ic, NULL) < 0) {
        avformat_close_input(&ic);
        return 0;
    }
    int vi = av_find_best_stream(ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    int ai = -1, si = -1;
    for (unsigned i = 0; i < ic->nb_streams; i++) {
        const AVCodecParameters *cp = ic->streams[i]->codecpar;
        if (cp->codec_type == AVMEDIA_TYPE_AUDIO) {
            if (ai < 0) ai = (int)i;
            p->nb_audio++;
        } else if (cp->codec_type == AVMEDIA_TYPE_SUBTITLE) {
            if (si < 0) si = (int)i;
            p->nb_subs++;
        }
    }
    AVCodecContext *dec = NULL;
    if (vi >= 0) {
        const AVCodecParameters *cp = ic->streams[vi]->codecpar;
        snprintf(p->vcodec, sizeof(p->vcodec), "%s", avcodec_get_name(cp->codec_id));
        p->pix_fmt = cp->format;
        p->bits = cp->bits_per_raw_sample;
        p->cs = cp->color_space;
        p->range = cp->color_range;
        p->prim = cp->color_primaries;
        p->trc = cp->color_trc;
        p->vtb = av_q2d(ic->streams[vi]->time_base);
        const AVCodec *c = avcodec_find_decoder(cp->codec_id);
        dec = c ? avcodec_alloc_context3(c) : NULL;
        if (dec && (avcodec_parameters_to_context(dec, cp) < 0 || avcodec_open2(dec, c, NULL) < 0))
            avcodec_free_context(&dec);
    }
    if (ai >= 0)
        snprintf(p->acodec, sizeof(p->acodec), "%s",
                 avcodec_get_name(ic->streams[ai]->codecpar->codec_id));
    if (si >= 0)
        snprintf(p->scodec, sizeof(p->scodec), "%s",
                 avcodec_get_name(ic->streams[si]->codecpar->codec_id));
    AVDictionaryEntry *t = av_dict_get(ic->metadata, "title", NULL, 0);
    if (t) snprintf(p->title, sizeof(p->title), "%s", t->value);
    p->nb_chapters = (int)ic->nb_chapters;
    if (ic->nb_chapters) {
        t = av_dict_get(ic->chapters[0]->metadata, "title", NULL, 0);
        if (t) snprintf(p->chapter1_title, sizeof(p->chapter1_title), "%s", t->value);
    }
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    while (av_read_frame(ic, pkt) >= 0) {
        AVStream *st = ic->streams[pkt->stream_index];
        if (pkt->stream_index == vi) {
            double ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
            double s = ts * av_q2d(st->time_base);
            if (p->nb_video < 256) p->vpts[p->nb_video] = s;
            p->nb_video++;
            double e = s + pkt->duration * av_q2d(st->time_base);
            if (e > p->vend) p->vend = e;
            if (dec && avcodec_send_packet(dec, pkt) >= 0)
                while (avcodec_receive_frame(dec, fr) >= 0) p->decoded++;
        } else if (pkt->stream_index == ai && p->nb_apkts < 1024) {
            p->apkts[p->nb_apkts++] = av_packet_clone(pkt);
        } else if (pkt->stream_index == si) {
            size_t n = strlen(p->subs_text);
            snprintf(p->subs_text + n, sizeof(p->subs_text) - n, "%.*s|", pkt->size,
                     (const char *)pkt->data);
        }
        av_packet_unref(pkt);
    }
    if (dec && avcodec_send_packet(dec, NULL) >= 0)
        while (avcodec_receive_frame(dec, fr) >= 0) p->decoded++;
    qsort(p->vpts, p->nb_video < 256 ? (size_t)p->nb_video : 256, sizeof(double), cmp_double);
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&ic);
    p->ok = 1;
    return 1;
}

/* Frame count, pts list (tolerance: one tick of the coarser time base) and duration.
 * Containers without negative timestamps (matroska, webm, nut) shift every stream when a
 * copied audio stream starts before 0 (AAC priming: -23 ms), exactly as ffmpeg -c copy
 * does; with may_shift a constant offset of up to 50 ms is accepted. */
static void check_timing(const char *what, const probe *in, const probe *out, int check_pts,
                         int may_shift)
{
    VT_CHECK(out->ok, "%s: output unreadable", what);
    VT_CHECK(out->nb_video == in->nb_video, "%s: %lld video packets, input had %lld", what,
             (long long)out->nb_video, (long long)in->nb_video);
    VT_CHECK(out->decoded == in->nb_video, "%s: %lld frames decode, input had %lld", what,
             (long long)out->decoded, (long long)in->nb_video);
    if (!out->nb_video || !in->nb_video) return;
    double tol = (in->vtb > out->vtb ? in->vtb : out->vtb) + 1e-6;
    double shift = check_pts ? out->vpts[0] - in->vpts[0] : 0;
    if (may_shift) {
        VT_CHECK(shift >= -tol && shift <= 0.05 + tol, "%s: video moved by %.4f s", what, shift);
    } else {
        VT_CHECK(fabs(shift) <= tol, "%s: video starts at %.4f, input at %.4f", what, out->vpts[0],
                 in->vpts[0]);
        shift = 0;
    }
    if (check_pts) {
        int64_t n = in->nb_video < out->nb_video ? in->nb_video : out->nb_video;
        for (int64_t i = 0; i < n && i < 256; i++)
            if (fabs(in->vpts[i] + shift - out->vpts[i]) > tol) {
                VT_CHECK(0, "%s: frame %lld pts %.4f, input %.4f (+%.4f)", what, (long long)i,
                         out->vpts[i], in->vpts[i], shift);
                break;
            }
    }
    VT_CHECK(fabs(in->vend + shift - out->vend) <= tol + 1e-3,
             "%s: video ends at %.4f, input at %.4f (+%.4f)", what, out->vend, in->vend, shift);
}

static void check_audio_identical(const char *what, const probe *in, const probe *out)
{
    VT_CHECK(in->nb_apkts > 0, "%s: input has no audio", what);
    VT_CHECK(out->nb_apkts == in->nb_apkts, "%s: %d audio packets, input had %d", what,
             out->nb_apkts, in->nb_apkts);
    int n = in->nb_apkts < out->nb_apkts ? in->nb_apkts : out->nb_apkts;
    for (int i = 0; i < n; i++) {
        const AVPacket *a = in->apkts[i], *b = out->apkts[i];
        if (a->size != b->size || memcmp(a->data, b->data, (size_t)a->size) != 0) {
            VT_CHECK(0, "%s: audio packet %d differs (size %d vs %d)", what, i, b->size, a->size);
            break;
        }
    }
}

/* Frames of two files, decoded by pl_input, are bit-identical. */
static void check_frames_identical(const char *what, const char *a, const char *b)
{
    pl_input_opts io = PL_INPUT_OPTS_DEFAULT;
    pl_input *ia = NULL, *ib = NULL;
    io.path = a;
    int r = pl_input_open(&io, &ia);
    io.path = b;
    if (r == VG_OK) r = pl_input_open(&io, &ib);
    VT_CHECK(r == VG_OK, "%s: cannot open", what);
    int64_t n = 0;
    while (r == VG_OK) {
        AVFrame *fa = NULL, *fb = NULL;
        AVPacket *pa = NULL, *pb = NULL;
        int ra = pl_input_read(ia, &fa, &pa), rb = pl_input_read(ib, &fb, &pb);
        VT_CHECK(ra == rb, "%s: frame %lld: one file ended early", what, (long long)n);
        if (ra != VG_OK || rb != VG_OK) {
            av_frame_free(&fa);
            av_frame_free(&fb);
            break;
        }
        VT_CHECK(fa->format == fb->format, "%s: pixel format differs", what);
        const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fa->format);
        int same = fa->format == fb->format;
        for (int pl = 0; same && pl < 4 && fa->data[pl]; pl++) {
            int h = pl == 0 || pl == 3 ? fa->height : AV_CEIL_RSHIFT(fa->height, d->log2_chroma_h);
            int w = pl == 0 || pl == 3 ? fa->width : AV_CEIL_RSHIFT(fa->width, d->log2_chroma_w);
            int bytes = w * (d->comp[0].depth > 8 ? 2 : 1);
            for (int y = 0; y < h; y++)
                if (memcmp(fa->data[pl] + (ptrdiff_t)y * fa->linesize[pl],
                           fb->data[pl] + (ptrdiff_t)y * fb->linesize[pl], (size_t)bytes)) {
                    same = 0;
                    break;
                }
        }
        VT_CHECK(same, "%s: frame %lld differs", what, (long long)n);
        av_frame_free(&fa);
        av_frame_free(&fb);
        n++;
        if (!same) break;
    }
    VT_CHECK(n > 0, "%s: no frames compared", what);
    pl_input_close(&ia);
    pl_input_close(&ib);
}

/* Cases for encoders this FFmpeg build lacks are skipped with a note (Debian 12 has all). */
static int have_encoder(const char *name)
{
    if (avcodec_find_encoder_by_name(name)) return 1;
    printf("test_pl_output: note: skipping the %s cases: not in this FFmpeg build\n", name);
    return 0;
}

/* ---- the tests ------------------------------------------------------------------------------ */

static int make_inputs(void)
{
    FILE *f = fopen(path_in("subs.srt"), "w");
    if (!f) return -1;
    fputs("1\n00:00:00,100 --> 00:00:00,300\nHello\n\n2\n00:00:00,400 --> 00:00:00,700\nWorld\n",
          f);
    fclose(f);
    f = fopen(path_in("meta.txt"), "w");
    if (!f) return -1;
    fputs(";FFMETADATA1\ntitle=Test Title\n\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=200\n"
          "title=One\n\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=200\nEND=400\ntitle=Two\n",
          f);
    fclose(f);
    const char *src = "-f lavfi -i testsrc2=s=64x48:r=25:d=0.4 ";
    /* CFR: h264 + aac in mp4, chapters and a title, bt709 tv tags */
    if (sh("-f lavfi -i testsrc2=s=64x48:r=25:d=0.4 -f lavfi -i sine=f=440:r=44100:d=0.4 "
           "-i meta.txt -map 0:v -map 1:a -map_metadata 2 -map_chapters 2 -c:v libx264 -preset "
           "ultrafast -pix_fmt yuv420p -color_primaries bt709 -color_trc bt709 -colorspace bt709 "
           "-color_range tv -c:a aac cfr.mp4"))
        return -1;
    /* VFR: frames 3, 4 and 9 dropped; flac audio (no priming: the video starts at 0) and
     * srt subtitles in mkv */
    if (sh("-f lavfi -i testsrc2=s=64x48:r=25:d=0.8 -f lavfi -i sine=r=48000:d=0.8 -i subs.srt "
           "-map 0:v -map 1:a -map 2:s -vf \"select='not(eq(n\\,3)+eq(n\\,4)+eq(n\\,9))'\" "
           "-fps_mode vfr -c:v libx264 -preset ultrafast -c:a flac -c:s srt vfr.mkv"))
        return -1;
    /* pcm audio (mp4 cannot hold it) */
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "%s-f lavfi -i sine=r=44100:d=0.4 -c:v libx264 -preset ultrafast -c:a pcm_s16le "
             "pcm.mov",
             src);
    if (sh(cmd)) return -1;
    /* RGB (gbrp), lossless */
    if (sh("-f lavfi -i testsrc2=s=64x48:r=25:d=0.2 -pix_fmt gbrp -c:v ffv1 rgb.mkv")) return -1;
    /* 10-bit 4:2:0, 64x64 (SVT-AV1 needs 64 lines), lossless */
    if (sh("-f lavfi -i testsrc2=s=64x64:r=25:d=0.4 -pix_fmt yuv420p10le -c:v ffv1 hi10.mkv"))
        return -1;
    return 0;
}

static void test_cfr_mp4(void)
{
    pl_output_opts oo;
    const char *out = path_in("cfr_out.mp4");
    opts_default(&oo, out);
    oo.preset = "ultrafast";
    int r = identity(path_in("cfr.mp4"), &oo);
    VT_CHECK(r == VG_OK, "cfr mp4 -> mp4: %s", vg_strerror(r));
    probe in, o;
    probe_file(path_in("cfr.mp4"), &in);
    probe_file(out, &o);
    VT_CHECK(in.nb_video == 10, "the input should have 10 frames, has %lld",
             (long long)in.nb_video);
    check_timing("cfr mp4", &in, &o, 1, 0);
    check_audio_identical("cfr mp4 audio copy", &in, &o);
    VT_CHECK(strcmp(o.vcodec, "h264") == 0, "default encoder for mp4: %s", o.vcodec);
    VT_CHECK(strcmp(o.title, "Test Title") == 0, "title: '%s'", o.title);
    VT_CHECK(o.nb_chapters == 2, "chapters: %d", o.nb_chapters);
    VT_CHECK(strcmp(o.chapter1_title, "One") == 0, "chapter title: '%s'", o.chapter1_title);
    /* colour tags: bt709 tv in, bt709 tv out */
    VT_CHECK(o.cs == AVCOL_SPC_BT709 && o.range == AVCOL_RANGE_MPEG && o.prim == AVCOL_PRI_BT709 &&
                 o.trc == AVCOL_TRC_BT709,
             "colour tags: space %s range %s primaries %s trc %s", av_color_space_name(o.cs),
             av_color_range_name(o.range), av_color_primaries_name(o.prim),
             av_color_transfer_name(o.trc));
    VT_CHECK(temp_files() == 0, "a temporary file is left");

    /* the same into mkv: audio still bit-identical, chapters and title kept */
    const char *out2 = path_in("cfr_out.mkv");
    opts_default(&oo, out2);
    oo.preset = "ultrafast";
    r = identity(path_in("cfr.mp4"), &oo);
    VT_CHECK(r == VG_OK, "cfr mp4 -> mkv: %s", vg_strerror(r));
    probe o2;
    probe_file(out2, &o2);
    check_timing("cfr mkv", &in, &o2, 1, 1);
    check_audio_identical("cfr mkv audio copy", &in, &o2);
    VT_CHECK(o2.nb_chapters == 2 && strcmp(o2.title, "Test Title") == 0,
             "mkv chapters %d title '%s'", o2.nb_chapters, o2.title);
    probe_free(&in);
    probe_free(&o);
    probe_free(&o2);
}

static void test_vfr(void)
{
    probe in, o;
    probe_file(path_in("vfr.mkv"), &in);
    VT_CHECK(in.nb_video == 17, "the VFR input should have 17 frames, has %lld",
             (long long)in.nb_video);
    pl_output_opts oo;
    const char *out = path_in("vfr_out.mkv");
    opts_default(&oo, out);
    oo.preset = "ultrafast";
    int r = identity(path_in("vfr.mkv"), &oo);
    VT_CHECK(r == VG_OK, "vfr mkv: %s", vg_strerror(r));
    probe_file(out, &o);
    check_timing("vfr mkv", &in, &o, 1, 0);
    check_audio_identical("vfr mkv audio copy", &in, &o);
    VT_CHECK(o.nb_subs == 1 && strcmp(o.scodec, "subrip") == 0, "subtitles: %d %s", o.nb_subs,
             o.scodec);
    VT_CHECK(strcmp(o.subs_text, in.subs_text) == 0 && strstr(o.subs_text, "Hello"),
             "subtitle text '%s', input '%s'", o.subs_text, in.subs_text);
    probe_free(&o);

    /* into mp4: the timestamps stay; srt cannot go in mp4 and is dropped with a warning */
    out = path_in("vfr_out.mp4");
    opts_default(&oo, out);
    oo.preset = "ultrafast";
    log_clear();
    r = identity(path_in("vfr.mkv"), &oo);
    VT_CHECK(r == VG_OK, "vfr mp4: %s", vg_strerror(r));
    probe_file(out, &o);
    check_timing("vfr mp4", &in, &o, 1, 0);
    /* FFmpeg 5.1 calls flac in mp4 experimental: re-encoded, with a warning */
    VT_CHECK(strcmp(o.acodec, "aac") == 0, "vfr mp4 audio: %s", o.acodec);
    VT_CHECK(strstr(g_log, "flac audio") && strstr(g_log, "re-encoding it to aac"),
             "no warning about re-encoding flac: %s", g_log);
    VT_CHECK(o.nb_subs == 0, "mp4 should have no subtitles, has %d", o.nb_subs);
    VT_CHECK(strstr(g_log, "subrip subtitles") && strstr(g_log, "dropping"),
             "no warning about the dropped subtitles: %s", g_log);
    probe_free(&o);
    probe_free(&in);
}

typedef struct enc_case {
    const char *name, *input, *out, *vcodec, *expect_codec;
    int lossless;
} enc_case;

static void test_containers_and_encoders(void)
{
    const enc_case cases[] = {
        {"webm (default vp9)", "cfr.mp4", "c.webm", NULL, "vp9", 0},
        {"mov", "cfr.mp4", "c.mov", NULL, "h264", 0},
        {"avi", "cfr.mp4", "c.avi", NULL, "h264", 0},
        {"nut", "cfr.mp4", "c.nut", NULL, "h264", 0},
        {"libx265", "cfr.mp4", "x265.mkv", "libx265", "hevc", 0},
        {"libaom-av1", "cfr.mp4", "aom.mkv", "libaom-av1", "av1", 0},
        {"libsvtav1", "hi10.mkv", "svt.mkv", "libsvtav1", "av1", 0},
        {"ffv1", "cfr.mp4", "ffv1.mkv", "ffv1", "ffv1", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const enc_case *c = &cases[i];
        if (!have_encoder(c->vcodec ? c->vcodec : "libx264")) continue;
        pl_output_opts oo;
        const char *out = path_in(c->out);
        opts_default(&oo, out);
        oo.vcodec = c->vcodec;
        oo.preset = c->lossless                                    ? NULL
                    : c->vcodec && !strcmp(c->vcodec, "libsvtav1") ? "12"
                                                                   : "ultrafast";
        log_clear();
        int r = identity(path_in(c->input), &oo);
        VT_CHECK(r == VG_OK, "%s: %s", c->name, vg_strerror(r));
        probe in, o;
        probe_file(path_in(c->input), &in);
        probe_file(out, &o);
        VT_CHECK(strcmp(o.vcodec, c->expect_codec) == 0, "%s: codec %s, expected %s", c->name,
                 o.vcodec, c->expect_codec);
        /* AVI stores frame numbers and, with B-frames, no pts: compare count and length */
        const char *ext = strrchr(c->out, '.');
        int shifts =
            in.nb_audio && (!strcmp(ext, ".mkv") || !strcmp(ext, ".webm") || !strcmp(ext, ".nut"));
        check_timing(c->name, &in, &o, strcmp(ext, ".avi") != 0, shifts);
        if (!strcmp(c->out, "c.webm")) {
            VT_CHECK(strcmp(o.acodec, "opus") == 0, "webm audio: %s", o.acodec);
            VT_CHECK(strstr(g_log, "re-encoding it to libopus") != NULL,
                     "no re-encode warning for aac -> webm: %s", g_log);
        } else if (in.nb_audio) {
            check_audio_identical(c->name, &in, &o);
        }
        if (c->lossless) check_frames_identical(c->name, path_in(c->input), out);
        probe_free(&in);
        probe_free(&o);
    }
}

static void test_options(void)
{
    pl_input_opts io = PL_INPUT_OPTS_DEFAULT;
    io.path = path_in("cfr.mp4");
    pl_input *in = NULL;
    int r = pl_input_open(&io, &in);
    VT_CHECK(r == VG_OK, "open input");
    if (r != VG_OK) return;
    const pl_video_info *v = pl_input_video(in);

    /* x264: -crf -preset -pix_fmt yuv444p and AVOptions */
    pl_output_opts oo;
    opts_default(&oo, path_in("opt.mp4"));
    oo.crf = 30;
    oo.preset = "veryfast";
    oo.pix_fmt = "yuv444p";
    oo.enc_opts = "g=5:bf=0:x264-params=keyint=5\\:scenecut=0";
    pl_output *out = NULL;
    r = pl_output_open(&oo, in, v, &out);
    VT_CHECK(r == VG_OK, "x264 options: %s", vg_strerror(r));
    if (out) {
        const AVCodecContext *c = pl_output_encoder(out);
        double crf = -1;
        uint8_t *preset = NULL;
        av_opt_get_double(c->priv_data, "crf", 0, &crf);
        av_opt_get(c->priv_data, "preset", 0, &preset);
        VT_CHECK(crf == 30, "crf %g", crf);
        VT_CHECK(preset && strcmp((char *)preset, "veryfast") == 0, "preset %s",
                 preset ? (char *)preset : "none");
        av_free(preset);
        VT_CHECK(c->gop_size == 5 && c->max_b_frames == 0, "g %d bf %d", c->gop_size,
                 c->max_b_frames);
        VT_CHECK(c->pix_fmt == AV_PIX_FMT_YUV444P, "pix_fmt %s", av_get_pix_fmt_name(c->pix_fmt));
        pl_output_close(&out);
    }
    VT_CHECK(!file_exists(path_in("opt.mp4")) && temp_files() == 0, "close left a file");

    /* the yuv444p output file really is 4:4:4 */
    r = identity(path_in("cfr.mp4"), &oo);
    VT_CHECK(r == VG_OK, "yuv444p encode: %s", vg_strerror(r));
    probe p;
    probe_file(path_in("opt.mp4"), &p);
    VT_CHECK(p.pix_fmt == AV_PIX_FMT_YUV444P && p.nb_video == 10, "yuv444p output: %s, %lld frames",
             av_get_pix_fmt_name(p.pix_fmt), (long long)p.nb_video);
    probe_free(&p);

    /* -b:v */
    opts_default(&oo, path_in("br.mp4"));
    oo.bitrate = 300000;
    r = pl_output_open(&oo, in, v, &out);
    VT_CHECK(r == VG_OK && out && pl_output_encoder(out)->bit_rate == 300000, "-b:v: %s",
             vg_strerror(r));
    pl_output_close(&out);

    /* vp9 defaults (crf 32) and a preset mapped to cpu-used + realtime */
    opts_default(&oo, path_in("vp9.webm"));
    oo.preset = "ultrafast";
    r = pl_output_open(&oo, in, v, &out);
    VT_CHECK(r == VG_OK, "vp9: %s", vg_strerror(r));
    if (out) {
        const AVCodecContext *c = pl_output_encoder(out);
        int64_t crf = -1, cpu = -1, dl = -1;
        av_opt_get_int(c->priv_data, "crf", 0, &crf);
        av_opt_get_int(c->priv_data, "cpu-used", 0, &cpu);
        av_opt_get_int(c->priv_data, "deadline", 0, &dl);
        VT_CHECK(crf == 32 && cpu == 8 && dl == 1 /* VPX_DL_REALTIME */,
                 "vp9 crf %lld cpu-used %lld deadline %lld", (long long)crf, (long long)cpu,
                 (long long)dl);
        pl_output_close(&out);
    }

    /* an unknown encoder option: an error naming it, nothing written */
    opts_default(&oo, path_in("bad.mp4"));
    oo.enc_opts = "g=5:nosuchkey=1";
    log_clear();
    r = pl_output_open(&oo, in, v, &out);
    VT_CHECK(r == VG_ERR_INVALID && out == NULL, "unknown key: %s", vg_strerror(r));
    VT_CHECK(strstr(g_log, "nosuchkey") != NULL, "the message does not name the key: %s", g_log);
    VT_CHECK(!file_exists(path_in("bad.mp4")) && temp_files() == 0, "bad options left a file");

    /* more refusals: unknown encoder, crf on a lossless encoder, unknown container,
     * an encoder the container cannot hold, unknown pixel format */
    struct {
        const char *path, *vcodec, *pix_fmt, *preset;
        int crf, want;
        const char *msg;
    } bad[] = {
        {"e1.mp4", "nosuchenc", NULL, NULL, -1, VG_ERR_UNSUPPORTED, "nosuchenc"},
        {"e2.mkv", "ffv1", NULL, NULL, 20, VG_ERR_INVALID, "-crf"},
        {"e3.xyz", NULL, NULL, NULL, -1, VG_ERR_INVALID, ".xyz"},
        {"e4.webm", "libx264", NULL, NULL, -1, VG_ERR_UNSUPPORTED, "webm"},
        {"e5.mp4", NULL, "nosuchfmt", NULL, -1, VG_ERR_INVALID, "nosuchfmt"},
        {"e6.mkv", "libsvtav1", "yuv444p", NULL, -1, VG_ERR_INVALID, "yuv444p"},
        {"e7.mp4", NULL, NULL, "warpspeed", -1, VG_ERR_INVALID, "warpspeed"},
        {"e8.mkv", "libaom-av1", NULL, "warpspeed", -1, VG_ERR_INVALID, "warpspeed"},
        {"e9.mkv", "libvpx-vp9", NULL, "99", -1, VG_ERR_INVALID, "out of range"},
        {"e10.mov", "libvpx-vp9", NULL, NULL, -1, VG_ERR_UNSUPPORTED, "mov container"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        opts_default(&oo, path_in(bad[i].path));
        oo.vcodec = bad[i].vcodec;
        oo.pix_fmt = bad[i].pix_fmt;
        oo.preset = bad[i].preset;
        oo.crf = bad[i].crf;
        log_clear();
        r = pl_output_open(&oo, in, v, &out);
        VT_CHECK(r == bad[i].want && !out, "%s: got %s, want %s", bad[i].path, vg_strerror(r),
                 vg_strerror(bad[i].want));
        VT_CHECK(strstr(g_log, bad[i].msg) != NULL, "%s: message lacks '%s': %s", bad[i].path,
                 bad[i].msg, g_log);
        VT_CHECK(!file_exists(path_in(bad[i].path)) && temp_files() == 0, "%s: left a file",
                 bad[i].path);
        pl_output_close(&out);
    }
    pl_input_close(&in);
}

static void test_10bit_x265(void)
{
    if (!have_encoder("libx265")) return;
    pl_output_opts oo;
    const char *out = path_in("x265_10.mkv");
    opts_default(&oo, out);
    oo.vcodec = "libx265";
    oo.preset = "ultrafast";
    int r = identity(path_in("hi10.mkv"), &oo);
    VT_CHECK(r == VG_OK, "10-bit x265: %s", vg_strerror(r));
    probe in, o;
    probe_file(path_in("hi10.mkv"), &in);
    probe_file(out, &o);
    check_timing("10-bit x265", &in, &o, 1, 0);
    VT_CHECK(o.pix_fmt == AV_PIX_FMT_YUV420P10LE, "10-bit output is %s",
             av_get_pix_fmt_name(o.pix_fmt));
    probe_free(&in);
    probe_free(&o);
}

/* RGB frames: x264 gets yuv444p with the resolved matrix (601 below 720 lines) in TV
 * range; ffv1 keeps RGB (bgr0: it has no 8-bit gbrp) and the frames stay bit-exact. */
static void test_rgb_input(void)
{
    pl_output_opts oo;
    opts_default(&oo, path_in("rgb_out.mp4"));
    oo.preset = "ultrafast";
    int r = identity(path_in("rgb.mkv"), &oo);
    VT_CHECK(r == VG_OK, "rgb -> x264: %s", vg_strerror(r));
    probe o;
    probe_file(path_in("rgb_out.mp4"), &o);
    VT_CHECK(o.nb_video == 5 && o.pix_fmt == AV_PIX_FMT_YUV444P && o.cs == AVCOL_SPC_BT470BG &&
                 o.range == AVCOL_RANGE_MPEG,
             "rgb -> x264: %lld frames %s %s %s", (long long)o.nb_video,
             av_get_pix_fmt_name(o.pix_fmt), av_color_space_name(o.cs),
             av_color_range_name(o.range));
    probe_free(&o);

    opts_default(&oo, path_in("rgb_out.mkv"));
    oo.vcodec = "ffv1";
    r = identity(path_in("rgb.mkv"), &oo);
    VT_CHECK(r == VG_OK, "rgb -> ffv1: %s", vg_strerror(r));
    probe_file(path_in("rgb_out.mkv"), &o);
    VT_CHECK(o.nb_video == 5 && o.pix_fmt == AV_PIX_FMT_BGR0, "rgb -> ffv1: %lld frames %s",
             (long long)o.nb_video, av_get_pix_fmt_name(o.pix_fmt));
    probe_free(&o);
    check_frames_identical("rgb -> ffv1", path_in("rgb.mkv"), path_in("rgb_out.mkv"));
}

static void test_audio_reencode(void)
{
    pl_output_opts oo;
    const char *out = path_in("pcm_out.mp4");
    opts_default(&oo, out);
    oo.preset = "ultrafast";
    log_clear();
    int r = identity(path_in("pcm.mov"), &oo);
    VT_CHECK(r == VG_OK, "pcm -> mp4: %s", vg_strerror(r));
    VT_CHECK(strstr(g_log, "pcm_s16le") && strstr(g_log, "re-encoding it to aac"),
             "no re-encode warning: %s", g_log);
    probe in, o;
    probe_file(path_in("pcm.mov"), &in);
    probe_file(out, &o);
    check_timing("pcm -> mp4", &in, &o, 1, 0);
    VT_CHECK(strcmp(o.acodec, "aac") == 0, "audio %s", o.acodec);
    /* about 0.4 s of 1024-sample aac frames at 44.1 kHz (+ priming) */
    VT_CHECK(o.nb_apkts >= 17 && o.nb_apkts <= 20, "%d aac packets", o.nb_apkts);

    /* -an: no audio at all */
    out = path_in("noaudio.mp4");
    opts_default(&oo, out);
    oo.preset = "ultrafast";
    oo.copy_audio = 0;
    r = identity(path_in("pcm.mov"), &oo);
    probe_free(&o);
    probe_file(out, &o);
    VT_CHECK(r == VG_OK && o.nb_audio == 0, "-an: %s, %d audio streams", vg_strerror(r),
             o.nb_audio);
    probe_free(&in);
    probe_free(&o);
}

static void test_file_safety(void)
{
    pl_output_opts oo;
    /* an existing output is refused and left untouched; -y replaces it */
    const char *out = path_in("exists.mp4");
    FILE *f = fopen(out, "w");
    fputs("precious", f);
    fclose(f);
    opts_default(&oo, out);
    oo.preset = "ultrafast";
    log_clear();
    int r = identity(path_in("cfr.mp4"), &oo);
    VT_CHECK(r == VG_ERR_EXISTS, "existing output: %s", vg_strerror(r));
    VT_CHECK(strstr(g_log, "-y") != NULL, "message does not suggest -y: %s", g_log);
    char buf[32] = "";
    f = fopen(out, "r");
    if (f) {
        if (!fgets(buf, sizeof(buf), f)) buf[0] = '\0';
        fclose(f);
    }
    VT_CHECK(strcmp(buf, "precious") == 0, "the existing file was changed: '%s'", buf);
    oo.overwrite = 1;
    r = identity(path_in("cfr.mp4"), &oo);
    probe p;
    probe_file(out, &p);
    VT_CHECK(r == VG_OK && p.nb_video == 10, "-y: %s, %lld frames", vg_strerror(r),
             (long long)p.nb_video);
    probe_free(&p);

    /* a missing folder */
    opts_default(&oo, path_in("nosuchdir/out.mp4"));
    log_clear();
    r = identity(path_in("cfr.mp4"), &oo);
    VT_CHECK(r == VG_ERR_IO && strstr(g_log, "nosuchdir"), "missing folder: %s: %s", vg_strerror(r),
             g_log);
    VT_CHECK(!file_exists(path_in("nosuchdir")), "the folder was created");

    /* a folder that is not writable (root may write anywhere: use a read-only file system) */
    char ro[512];
    if (geteuid() != 0) {
        snprintf(ro, sizeof(ro), "%s/ro", g_dir);
        mkdir(ro, 0555);
        chmod(ro, 0555);
        snprintf(ro, sizeof(ro), "%s/ro/out.mp4", g_dir);
    } else {
        snprintf(ro, sizeof(ro), "/sys/vrgen-test-out.mp4");
    }
    opts_default(&oo, ro);
    log_clear();
    r = identity(path_in("cfr.mp4"), &oo);
    VT_CHECK(r == VG_ERR_IO, "read-only folder: %s: %s", vg_strerror(r), g_log);
    VT_CHECK(!file_exists(ro), "something was written in the read-only folder");

    /* an interrupted run: finish after half of the frames gives a playable file */
    out = path_in("half.mp4");
    opts_default(&oo, out);
    oo.preset = "ultrafast";
    int64_t n = 0;
    r = identity_ex(path_in("cfr.mp4"), &oo, 5, 0, &n, NULL);
    VT_CHECK(r == VG_OK && n == 5, "interrupted: %s, %lld frames", vg_strerror(r), (long long)n);
    probe_file(out, &p);
    VT_CHECK(p.ok && p.nb_video == 5 && p.decoded == 5,
             "interrupted file: %lld packets, %lld "
             "decoded",
             (long long)p.nb_video, (long long)p.decoded);
    VT_CHECK(fabs(p.vend - 0.2) < 0.002, "interrupted file ends at %.4f, want 0.2", p.vend);
    probe_free(&p);

    /* close without finish: nothing at the final path, no temporary file */
    out = path_in("abandoned.mp4");
    opts_default(&oo, out);
    oo.preset = "ultrafast";
    pl_output *o = NULL;
    r = identity_ex(path_in("cfr.mp4"), &oo, 5, 1, NULL, &o);
    VT_CHECK(r == VG_OK && o, "abandoned: %s", vg_strerror(r));
    const char *tmp = o ? pl_output_tmp_path(o) : NULL;
    VT_CHECK(tmp && file_exists(tmp), "the temporary file should exist while writing");
    VT_CHECK(o && pl_output_bytes(o) > 0, "no bytes counted");
    pl_output_close(&o);
    VT_CHECK(o == NULL, "close must set NULL");
    VT_CHECK(!file_exists(out) && temp_files() == 0, "close left a file");
    pl_output_close(&o); /* NULL-safe */

    /* a write error (the file size limit stands in for a full disk): an error naming the
     * path, nothing at the final path, no temporary file */
    out = path_in("full.mkv");
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {3000, 3000};
        setrlimit(RLIMIT_FSIZE, &rl);
        opts_default(&oo, out);
        oo.vcodec = "ffv1";
        log_clear();
        int rr = identity(path_in("cfr.mp4"), &oo);
        int ok = rr == VG_ERR_IO && strstr(g_log, "full.mkv") && strstr(g_log, "File too large");
        if (!ok) fprintf(stderr, "write error: got %s: %s\n", vg_strerror(rr), g_log);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    VT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "write error not reported right");
    VT_CHECK(!file_exists(out) && temp_files() == 0, "a write error left a file");
}

/* Writing to stdout ("-", matroska): a child process with fd 1 on a file. (Fragmented mp4
 * to stdout also works, but FFmpeg 5.1 stretches the first video sample when audio starts
 * before 0, as ffmpeg -movflags frag_keyframe+empty_moov does too.) */
static void test_stdout(void)
{
    const char *out = path_in("stdout.mkv");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = fopen(out, "wb");
        if (!f || dup2(fileno(f), 1) < 0) _exit(2);
        pl_output_opts oo;
        opts_default(&oo, "-");
        oo.format = "mkv";
        oo.preset = "ultrafast";
        log_clear();
        int r = identity(path_in("cfr.mp4"), &oo);
        int ok = r == VG_OK && strstr(g_log, "stdout");
        if (!ok) fprintf(stderr, "stdout: %s: %s\n", vg_strerror(r), g_log);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    VT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writing to stdout failed");
    probe in, o;
    probe_file(path_in("cfr.mp4"), &in);
    probe_file(out, &o);
    check_timing("stdout mkv", &in, &o, 1, 1);
    check_audio_identical("stdout mkv audio", &in, &o);
    probe_free(&in);
    probe_free(&o);
    /* "-" without -f */
    pl_output_opts oo;
    opts_default(&oo, "-");
    pl_video_info v = {0};
    v.width = 64;
    v.height = 48;
    v.pix_fmt = AV_PIX_FMT_YUV420P;
    pl_output *po = NULL;
    log_clear();
    int r = pl_output_open(&oo, NULL, &v, &po);
    VT_CHECK(r == VG_ERR_INVALID && !po && strstr(g_log, "-f"), "stdout without -f: %s: %s",
             vg_strerror(r), g_log);
}

int main(void)
{
    if (system("ffmpeg -version > /dev/null 2>&1") != 0) {
        printf("test_pl_output: skipped: the ffmpeg command is needed to generate inputs\n");
        return VT_SKIP;
    }
    vt_tmp_template(g_dir, sizeof(g_dir), "vrgen-test-output");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    av_log_set_level(AV_LOG_ERROR);
    vg_log_set_sink(log_sink, NULL);
    if (make_inputs() != 0) {
        fprintf(stderr, "cannot generate the test inputs\n");
        return 1;
    }
    test_cfr_mp4();
    test_vfr();
    test_containers_and_encoders();
    test_options();
    test_10bit_x265();
    test_rgb_input();
    test_audio_reencode();
    test_file_safety();
    test_stdout();
    vg_log_set_sink(NULL, NULL);

    if (!vt_failures) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' && rm -rf '%s'", g_dir, g_dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
    } else {
        fprintf(stderr, "test files kept in %s\n", g_dir);
    }
    return vt_result("test_pl_output");
}
