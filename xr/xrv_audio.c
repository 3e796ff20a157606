/*
 * xrv_audio.c - the viewer's sound (xrv_audio.h). The video clock is the master: the
 * thread compares the input time of the next sample it would write with the video time
 * that sample will meet when it is heard (the clock now plus what the device still holds)
 * and waits when ahead, trims or skips when behind, and seeks its own demuxer when the
 * two are far apart (a seek, a loop, a resume after pause). Decoding, format conversion
 * (libswresample: packed 16 bit, mono or stereo at the input's rate; ALSA's plug layer
 * converts the rate for the device) and the blocking writes all run on this thread.
 */
#include "xr/xrv_audio.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswresample/swresample.h>

#include "common/vg_error.h"
#include "common/vg_log.h"

#ifdef VRGEN_HAVE_ALSA
#include <alsa/asoundlib.h>

#define AHEAD   0.04 /* seconds the next sample may be ahead of its time before waiting */
#define BEHIND  0.02 /* seconds behind before samples are trimmed */
#define REALIGN 0.25 /* seconds apart before seeking */

struct xrv_audio {
    xrv_source *src;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    SwrContext *swr;
    int stream, rate, channels;
    double tb;
    snd_pcm_t *pcm;
    int16_t *buf;
    int cap; /* samples per channel buf holds */
    pthread_t thread;
    atomic_int quit;
    _Atomic long long written;
};

/* alsa-lib prints its own errors to stderr unless told otherwise: vrgen says it once */
static void alsa_quiet(const char *file, int line, const char *func, int err, const char *fmt, ...)
{
    (void)file, (void)line, (void)func, (void)err, (void)fmt;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

/* The next decoded frame: 1, 0 at the end, < 0 on an error. */
static int next_frame(xrv_audio *a)
{
    for (;;) {
        int r = avcodec_receive_frame(a->dec, a->frame);
        if (r == 0) return 1;
        if (r == AVERROR_EOF) return 0;
        if (r != AVERROR(EAGAIN)) return r;
        r = av_read_frame(a->fmt, a->pkt);
        if (r == AVERROR_EOF) {
            avcodec_send_packet(a->dec, NULL);
            continue;
        }
        if (r < 0) return r;
        if (a->pkt->stream_index == a->stream) r = avcodec_send_packet(a->dec, a->pkt);
        av_packet_unref(a->pkt);
        if (r < 0 && r != AVERROR(EAGAIN) && r != AVERROR_INVALIDDATA) return r;
    }
}

/* Writes n frames of buf, recovering from underruns; 0 or a negative ALSA error. */
static int write_pcm(xrv_audio *a, const int16_t *p, int n)
{
    while (n > 0 && !a->quit) {
        snd_pcm_sframes_t w = snd_pcm_writei(a->pcm, p, (snd_pcm_uframes_t)n);
        if (w == -EAGAIN) continue;
        if (w < 0) {
            w = snd_pcm_recover(a->pcm, (int)w, 1);
            if (w < 0) return (int)w;
            continue;
        }
        p += w * a->channels;
        n -= (int)w;
        a->written += w;
    }
    return 0;
}

static void *run(void *arg)
{
    xrv_audio *a = arg;
    double pos = 0;  /* input time of the next sample to write */
    int aligned = 0; /* pos follows the clock (else seek first) */
    int at_end = 0;  /* the demuxer has no more */
    int decoded = 0; /* something was decoded since the input was opened */
    while (!a->quit) {
        double v;
        if (!xrv_source_clock_now(a->src, &v)) { /* paused, seeking, not started */
            if (aligned) snd_pcm_drop(a->pcm);
            aligned = 0;
            sleep_s(0.01);
            continue;
        }
        snd_pcm_sframes_t held = 0;
        if (aligned && (snd_pcm_delay(a->pcm, &held) < 0 || held < 0)) held = 0;
        const double want = v + (double)held / a->rate; /* when the next sample is heard */
        if (aligned && at_end && want > pos) {
            sleep_s(0.02);
            continue;
        }
        if (!aligned || fabs(pos - want) > REALIGN) {
            if (aligned || decoded || want > REALIGN) { /* seek there; frames trimmed below */
                int64_t ts = (int64_t)(want / a->tb);
                if (av_seek_frame(a->fmt, a->stream, ts, AVSEEK_FLAG_BACKWARD) < 0)
                    av_seek_frame(a->fmt, -1, (int64_t)(want * AV_TIME_BASE), AVSEEK_FLAG_BACKWARD);
                avcodec_flush_buffers(a->dec);
            }
            snd_pcm_drop(a->pcm);
            snd_pcm_prepare(a->pcm);
            pos = want;
            aligned = 1;
            at_end = 0;
            continue;
        }
        if (pos > want + AHEAD) {
            sleep_s(fmin(pos - want - AHEAD, 0.02));
            continue;
        }
        int r = next_frame(a);
        if (r <= 0) {
            if (r < 0) vg_debug("vrgen view: audio: %s", av_err2str(r));
            at_end = 1;
            continue;
        }
        decoded = 1;
        const int64_t pts = a->frame->best_effort_timestamp;
        const double t = pts != AV_NOPTS_VALUE ? pts * a->tb : pos;
        const int n = a->frame->nb_samples;
        /* samples before the time they are due now (behind, or the start of a seek) */
        int skip = t < want - BEHIND ? (int)fmin(n, (want - t) * a->rate) : 0;
        if (skip >= n) {
            pos = t + (double)n / a->rate;
            av_frame_unref(a->frame);
            continue;
        }
        if (n > a->cap) {
            int16_t *nb = realloc(a->buf, (size_t)n * a->channels * sizeof(*nb));
            if (!nb) break;
            a->buf = nb;
            a->cap = n;
        }
        uint8_t *out = (uint8_t *)a->buf;
        int got = swr_convert(a->swr, &out, a->cap, (const uint8_t **)a->frame->extended_data, n);
        av_frame_unref(a->frame);
        if (got < 0) break;
        pos = t + (double)n / a->rate;
        if (skip < got && write_pcm(a, a->buf + (size_t)skip * a->channels, got - skip) < 0) {
            vg_warn("vrgen view: the audio device failed; playing on without sound");
            break;
        }
    }
    return NULL;
}

static void destroy(xrv_audio *a)
{
    if (a->pcm) {
        snd_pcm_drop(a->pcm);
        snd_pcm_close(a->pcm);
    }
    snd_config_update_free_global(); /* alsa-lib's configuration cache, if it was read */
    swr_free(&a->swr);
    av_frame_free(&a->frame);
    av_packet_free(&a->pkt);
    avcodec_free_context(&a->dec);
    avformat_close_input(&a->fmt);
    free(a->buf);
    free(a);
}

/* The input's first audio stream and its decoder: 1, 0 when there is none or it cannot
 * be decoded (said in verbose mode: the video plays on), < 0 when out of memory. */
static int open_input(xrv_audio *a, const char *path)
{
    if (avformat_open_input(&a->fmt, path, NULL, NULL) < 0 ||
        avformat_find_stream_info(a->fmt, NULL) < 0)
        return 0;
    const AVCodec *codec = NULL;
    a->stream = av_find_best_stream(a->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (a->stream < 0 || !codec) {
        vg_verbose("vrgen view: %s: %s", path,
                   a->stream == AVERROR_DECODER_NOT_FOUND ? "no decoder for its audio"
                                                          : "no audio stream");
        return 0;
    }
    AVStream *st = a->fmt->streams[a->stream];
    if (!(a->dec = avcodec_alloc_context3(codec))) return VG_ERR_NOMEM;
    if (avcodec_parameters_to_context(a->dec, st->codecpar) < 0 ||
        avcodec_open2(a->dec, codec, NULL) < 0) {
        vg_verbose("vrgen view: %s: cannot decode its audio (%s)", path, codec->name);
        return 0;
    }
    a->tb = av_q2d(st->time_base);
    a->rate = a->dec->sample_rate;
    a->channels = a->dec->ch_layout.nb_channels >= 2 ? 2 : 1;
    AVChannelLayout out;
    av_channel_layout_default(&out, a->channels);
    if (a->rate <= 0 ||
        swr_alloc_set_opts2(&a->swr, &out, AV_SAMPLE_FMT_S16, a->rate, &a->dec->ch_layout,
                            a->dec->sample_fmt, a->rate, 0, NULL) < 0 ||
        swr_init(a->swr) < 0) {
        vg_verbose("vrgen view: %s: cannot convert its audio", path);
        return 0;
    }
    if (!(a->pkt = av_packet_alloc()) || !(a->frame = av_frame_alloc())) return VG_ERR_NOMEM;
    return 1;
}

int xrv_audio_start(const char *path, xrv_source *src, xrv_audio **out)
{
    *out = NULL;
    if (!path || strcmp(path, "-") == 0) return VG_OK; /* stdin is the video's alone */
    xrv_audio *a = calloc(1, sizeof(*a));
    if (!a) return VG_ERR_NOMEM;
    a->src = src;
    int r = open_input(a, path);
    if (r <= 0) {
        destroy(a);
        return r;
    }
    snd_lib_error_set_handler(alsa_quiet);
    if ((r = snd_pcm_open(&a->pcm, "default", SND_PCM_STREAM_PLAYBACK, 0)) < 0 ||
        (r = snd_pcm_set_params(a->pcm, SND_PCM_FORMAT_S16, SND_PCM_ACCESS_RW_INTERLEAVED,
                                (unsigned)a->channels, (unsigned)a->rate, 1, 100000)) < 0) {
        vg_warn("vrgen view: no audio output: ALSA's default device cannot be opened (%s; no "
                "sound card or sound server?); playing without sound",
                snd_strerror(r));
        destroy(a);
        return VG_OK;
    }
    if (pthread_create(&a->thread, NULL, run, a) != 0) {
        destroy(a);
        return VG_ERR_NOMEM;
    }
    vg_verbose("vrgen view: audio: %d Hz, %s, to ALSA's default device", a->rate,
               a->channels == 2 ? "stereo" : "mono");
    *out = a;
    return VG_OK;
}

void xrv_audio_stop(xrv_audio **pa)
{
    xrv_audio *a = *pa;
    if (!a) return;
    a->quit = 1;
    pthread_join(a->thread, NULL);
    destroy(a);
    *pa = NULL;
}

long long xrv_audio_written(const xrv_audio *a)
{
    return a ? a->written : 0;
}

#else /* built without ALSA */

int xrv_audio_start(const char *path, xrv_source *src, xrv_audio **out)
{
    (void)src;
    *out = NULL;
    AVFormatContext *fmt = NULL;
    if (path && strcmp(path, "-") != 0 && avformat_open_input(&fmt, path, NULL, NULL) == 0) {
        if (avformat_find_stream_info(fmt, NULL) >= 0 &&
            av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0) >= 0)
            vg_warn("vrgen view: this vrgen was built without ALSA (libasound2-dev): playing "
                    "without sound");
        avformat_close_input(&fmt);
    }
    return VG_OK;
}

void xrv_audio_stop(xrv_audio **a)
{
    *a = NULL;
}

long long xrv_audio_written(const xrv_audio *a)
{
    (void)a;
    return 0;
}

#endif
