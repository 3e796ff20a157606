/*
 * xrv_source.c - decode, convert and stylize into slots; the video clock (xrv_source.h).
 *
 * Slots cycle FREE -> BUSY (the worker writes) -> READY (pts, generation) -> SHOWN -> FREE.
 * Exactly one slot is SHOWN once a picture is up, so the worker always has one to write
 * besides the READY ones. A seek or a variant change starts a new generation: the clock
 * rebases on its first picture, older READY pictures are dropped.
 */
#include "xr/xrv_source.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "common/vg_time.h"
#include "gen/gen_vk.h"
#include "pipeline/pl_planes.h"

enum { SLOT_FREE, SLOT_BUSY, SLOT_READY, SLOT_SHOWN };

struct xrv_source {
    gen_backend *be;
    xrv_source_opts o;
    const xrv_scene *scene;
    pl_input *in;
    const pl_video_info *vi;
    char *path;

    int eyes, split, rotation;
    int fw, fh;          /* decoded frame */
    int pw, ph, nw, nh;  /* upright eye picture; network size (multiples of 4) */
    gen_yuv_desc din[2]; /* per eye picture in the packed buffer */
    size_t in_bytes;
    unsigned char *host_in;
    gen_buf *buf;
    gen_tensor packed_in;
    gen_tensor eye[XRV_SLOTS][2];
    gen_backend *wbe; /* the work backend when it is not be (xrv_source_opts.work) */
    gen_buf *wbuf;    /* on wbe: packed_in and weye */
    gen_tensor weye[2];
    float *host_rgb;    /* one eye's picture on its way from wbe to be (wbe with device memory) */
    gen_graph **graphs; /* per model */
    gen_prog **progs;   /* [variant * XRV_SLOTS + slot] */
    gen_tensor hold_l[2], hold_r[2]; /* temporal hold state per eye, on the work backend */
    gen_prog *hold_reset;            /* starts the hold afresh (none: no hold) */
    int hold_gen, hold_variant;      /* what the state follows (-1: nothing yet) */
    double frame_dur;                /* seconds, for lateness */

    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int state[XRV_SLOTS];
    double pts[XRV_SLOTS];
    int gen_of[XRV_SLOTS];
    int shown;      /* slot or -1 */
    int generation; /* of requests */
    int variant;    /* requested */
    int quit;
    int redo;   /* convert the last frame again (variant changed) */
    int failed; /* first worker error */
    int eof;
    double seek_to; /* < 0: none */
    int paused;
    double clock_base_v, clock_base_t; /* video time base_v at display time base_t */
    int clock_gen;                     /* generation the clock is based on (-1: not started) */
    double last_t, shown_v;
    double last_wall; /* vg_time_now() at the last pick */
    _Atomic long long pictures, generated;
    double duration; /* of the video, seconds; <= 0 unknown */
    AVFrame *last;   /* the frame last converted, for variant changes while paused */
};

static void free_progs(xrv_source *s)
{
    int nv = 1 + s->o.nnets;
    if (s->progs)
        for (int i = 0; i < nv * XRV_SLOTS; i++) gen_prog_destroy(&s->progs[i]);
    free(s->progs);
    s->progs = NULL;
    if (s->graphs)
        for (int k = 0; k < s->o.nnets; k++) gen_graph_destroy(&s->graphs[k]);
    free(s->graphs);
    s->graphs = NULL;
}

/* Geometry from the first frame's description, then buffers and programs. */
static int setup(xrv_source *s, const xrv_scene *scene)
{
    const pl_video_info *v = s->vi;
    int ret;
    s->split = xrv_scene_split(scene);
    s->eyes = xrv_scene_eyes(scene);
    s->rotation = v->rotation;
    s->fw = v->width;
    s->fh = v->height;
    int ew = s->split == 1 ? s->fw / 2 : s->fw, eh = s->split == 2 ? s->fh / 2 : s->fh;
    if (s->eyes == 2) {
        int cw = 1 << v->log2_chroma_w, ch = 1 << v->log2_chroma_h;
        if ((s->split == 1 && (s->fw % (2 * cw))) || (s->split == 2 && (s->fh % (2 * ch))) ||
            s->rotation) {
            vg_error("vrgen view: %s: %dx%d%s cannot be split into two eyes (%s needs halves "
                     "that whole chroma samples cover, and no rotation); try --stereo mono",
                     s->path, s->fw, s->fh, s->rotation ? " rotated" : "",
                     s->split == 1 ? "side by side" : "top and bottom");
            return VG_ERR_UNSUPPORTED;
        }
    }
    int rot = s->rotation == 90 || s->rotation == 270;
    s->pw = rot ? eh : ew;
    s->ph = rot ? ew : eh;
    s->nw = (s->pw + 3) / 4 * 4;
    s->nh = (s->ph + 3) / 4 * 4;
    gen_yuv_desc d = {.width = ew,
                      .height = eh,
                      .bits = v->bits,
                      .log2_cw = v->log2_chroma_w,
                      .log2_ch = v->log2_chroma_h,
                      .cs = pl_planes_colorspace(v),
                      .full_range = v->full_range};
    s->in_bytes = 0;
    for (int e = 0; e < s->eyes; e++) {
        s->din[e] = d;
        size_t n = pl_planes_layout(&s->din[e], ew, eh);
        for (int i = 0; i < 3; i++) s->din[e].offset[i] += s->in_bytes;
        s->in_bytes += n;
    }
    s->host_in = calloc(1, s->in_bytes);
    if (!s->host_in) return VG_ERR_NOMEM;

    int nv = 1 + s->o.nnets;
    s->graphs = calloc(s->o.nnets ? s->o.nnets : 1, sizeof(*s->graphs));
    s->progs = calloc((size_t)nv * XRV_SLOTS, sizeof(*s->progs));
    if (!s->graphs || !s->progs) return VG_ERR_NOMEM;
    for (int k = 0; k < s->o.nnets; k++) {
        if (scene->layout == XRV_LAYOUT_360) gen_net_set_pad(s->o.nets[k], GEN_PAD_CIRCULAR_X);
        if ((ret = gen_graph_create(s->o.nets[k], 1, s->nh, s->nw, GEN_GRAPH_NO_FEATURE,
                                    &s->graphs[k])) < 0) {
            vg_error("vrgen view: %dx%d pictures: cannot set up model %d for live stylization "
                     "(%s); stylize the clip first with vrgen stylize and view the result",
                     s->pw, s->ph, k + 1, vg_strerror(ret));
            return ret;
        }
    }
    const int hold = s->o.nnets > 0 && s->o.hold_still > 0;
    gen_arena a = {0}, w = {0};
    for (int pass = 0; pass < 2; pass++) {
        a.used = w.used = 0;
        s->packed_in = gen_arena_take(s->wbe ? &w : &a, 1, 1, 1, (int)((s->in_bytes + 3) / 4));
        for (int e = 0; s->wbe && e < s->eyes; e++)
            s->weye[e] = gen_arena_take(&w, 1, 3, s->ph, s->pw);
        for (int e = 0; hold && e < s->eyes; e++) {
            s->hold_l[e] = gen_arena_take(s->wbe ? &w : &a, 1, 1, s->nh, s->nw);
            s->hold_r[e] = gen_arena_take(s->wbe ? &w : &a, 1, 3, s->nh, s->nw);
        }
        for (int sl = 0; sl < XRV_SLOTS; sl++)
            for (int e = 0; e < s->eyes; e++)
                s->eye[sl][e] = gen_arena_take(&a, 1, 3, s->ph, s->pw);
        if (pass == 0 && ((ret = gen_buf_create(s->be, a.used, &a.buf)) < 0 ||
                          (s->wbe && (ret = gen_buf_create(s->wbe, w.used, &w.buf)) < 0))) {
            gen_buf_destroy(&a.buf);
            return ret;
        }
    }
    s->buf = a.buf;
    s->wbuf = w.buf;
    if (s->wbe && !gen_tensor_host(s->wbe, s->weye[0]) &&
        !(s->host_rgb = malloc((size_t)3 * s->pw * s->ph * sizeof(float))))
        return VG_ERR_NOMEM;
    /* a program per variant and slot; with a work backend one per variant, into weye */
    const int nslots = s->wbe ? 1 : XRV_SLOTS;
    for (int vi = 0; vi < nv; vi++)
        for (int sl = 0; sl < nslots; sl++) {
            gen_prog **p = &s->progs[vi * XRV_SLOTS + sl];
            if ((ret = gen_prog_create(s->wbe ? s->wbe : s->be, p)) < 0) return ret;
            for (int e = 0; e < s->eyes; e++) {
                gen_tensor dst = s->wbe ? s->weye[e] : s->eye[sl][e];
                if (vi == 0) {
                    gen_yuv_to_rgb(*p, dst, s->packed_in, &s->din[e], s->rotation);
                    continue;
                }
                gen_graph *g = s->graphs[vi - 1];
                gen_yuv_to_rgb(*p, gen_graph_input(g), s->packed_in, &s->din[e], s->rotation);
                gen_graph_forward(g, *p);
                if (hold)
                    gen_temporal_hold(*p, gen_graph_output(g), gen_graph_input(g), s->hold_l[e],
                                      s->hold_r[e], s->o.hold_still, s->o.hold_rate);
                gen_window(*p, dst, gen_graph_output(g), 0, 0, 1, GEN_PAD_REPLICATE);
            }
            if ((ret = gen_prog_compile(*p)) < 0) return ret;
        }
    s->hold_gen = s->hold_variant = -1;
    if (hold) {
        if ((ret = gen_prog_create(s->wbe ? s->wbe : s->be, &s->hold_reset)) < 0) return ret;
        for (int e = 0; e < s->eyes; e++)
            gen_temporal_reset(s->hold_reset, s->hold_l[e], s->hold_r[e]);
        if ((ret = gen_prog_compile(s->hold_reset)) < 0) return ret;
    }
    AVRational fr = v->frame_rate;
    s->frame_dur = fr.num > 0 && fr.den > 0 ? (double)fr.den / fr.num : 1.0 / 30;
    return VG_OK;
}

int xrv_source_open(gen_backend *be, const xrv_source_opts *o, xrv_scene *scene, xrv_source **out)
{
    *out = NULL;
    xrv_source *s = calloc(1, sizeof(*s));
    if (!s) return VG_ERR_NOMEM;
    s->be = be;
    s->wbe = o->work && o->work != be ? o->work : NULL;
    s->o = *o;
    s->scene = scene;
    s->path = strdup(o->input.path ? o->input.path : "");
    s->shown = -1;
    s->clock_gen = -1;
    s->seek_to = -1;
    s->variant = o->variant;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    int ret = s->path ? pl_input_open(&o->input, &s->in) : VG_ERR_NOMEM;
    if (ret == VG_OK) {
        s->vi = pl_input_video(s->in);
        s->duration = s->vi->duration;
        xrv_scene_resolve(scene, s->path, s->vi);
        ret = setup(s, scene);
    }
    if (ret < 0) {
        xrv_source_close(&s);
        return ret;
    }
    *out = s;
    return VG_OK;
}

const pl_video_info *xrv_source_video(const xrv_source *s)
{
    return s->vi;
}

void xrv_source_picture(const xrv_source *s, int *w, int *h)
{
    *w = s->pw;
    *h = s->ph;
}

gen_tensor xrv_source_eye(const xrv_source *s, int slot, int eye)
{
    return s->eye[slot][xrv_scene_eye_source(s->scene, eye)];
}

/* Converts (and stylizes) frame f with variant v into slot sl, in the calling thread. */
/* Converts frame f of generation gen with variant v into slot sl. The temporal hold starts
 * afresh when the pictures stop following each other (a seek, a loop, another variant). */
static int convert(xrv_source *s, const AVFrame *f, int gen, int v, int sl)
{
    if (f->width != s->fw || f->height != s->fh) {
        vg_error("vrgen view: %s: the picture size changed from %dx%d to %dx%d mid-stream; "
                 "not supported",
                 s->path, s->fw, s->fh, f->width, f->height);
        return VG_ERR_UNSUPPORTED;
    }
    int dx = s->split == 1 ? s->fw / 2 : 0, dy = s->split == 2 ? s->fh / 2 : 0;
    /* a host-memory work backend (the native CPU one) takes the planes in place */
    gen_backend *wbe = s->wbe ? s->wbe : s->be;
    unsigned char *dst = (unsigned char *)gen_tensor_host(wbe, s->packed_in);
    for (int e = 0; e < s->eyes; e++)
        pl_planes_copy(&s->din[e], f, e ? dx : 0, e ? dy : 0, dst ? dst : s->host_in);
    int ret = dst ? VG_OK : gen_tensor_upload(wbe, s->packed_in, (const float *)s->host_in);
    if (ret == VG_OK && v > 0 && s->hold_reset && (gen != s->hold_gen || v != s->hold_variant)) {
        ret = gen_prog_run(s->hold_reset);
        s->hold_gen = gen;
        s->hold_variant = v;
    }
    if (ret == VG_OK) ret = gen_prog_run(s->progs[v * XRV_SLOTS + (s->wbe ? 0 : sl)]);
    for (int e = 0; s->wbe && e < s->eyes && ret == VG_OK; e++)
        if (gen_tensor_host(s->wbe, s->weye[e])) /* straight from the work backend's memory */
            ret = gen_tensor_upload(s->be, s->eye[sl][e], gen_tensor_host(s->wbe, s->weye[e]));
        else if ((ret = gen_tensor_download(s->wbe, s->weye[e], s->host_rgb)) == VG_OK)
            ret = gen_tensor_upload(s->be, s->eye[sl][e], s->host_rgb);
    if (ret == VG_OK) {
        s->pictures++;
        if (v > 0) s->generated++;
    }
    return ret;
}

static double frame_pts(const xrv_source *s, const AVFrame *f)
{
    int64_t pts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
    return pts == AV_NOPTS_VALUE ? 0.0 : pts * av_q2d(s->vi->time_base);
}

/* The next video frame (packets are not asked for). */
static int next_frame(xrv_source *s, AVFrame **f)
{
    AVPacket *pkt = NULL;
    for (;;) {
        int ret = pl_input_read(s->in, f, &pkt);
        if (ret != VG_OK) return ret; /* VG_EOF is positive */
        if (*f) return VG_OK;
        av_packet_free(&pkt);
    }
}

static int reopen(xrv_source *s, double start)
{
    pl_input_close(&s->in);
    pl_input_opts io = s->o.input;
    io.start = start > 0 ? start : -1;
    int ret = pl_input_open(&io, &s->in);
    if (ret == VG_OK) s->vi = pl_input_video(s->in);
    return ret;
}

int xrv_source_step(xrv_source *s, double *pts)
{
    AVFrame *f = NULL;
    int ret = next_frame(s, &f);
    if (ret < 0) return ret;
    *pts = frame_pts(s, f);
    ret = convert(s, f, s->generation, s->variant, 0);
    av_frame_free(&f);
    return ret;
}

/* The video time the clock shows at display time t (lock held). */
static double clock_at(const xrv_source *s, double t)
{
    if (s->clock_gen < 0) return 0;
    if (s->paused) return s->clock_base_v;
    return s->clock_base_v + (t - s->clock_base_t);
}

static int free_slot(xrv_source *s)
{
    for (int i = 0; i < XRV_SLOTS; i++)
        if (s->state[i] == SLOT_FREE) return i;
    return -1;
}

/* Whether a decoded frame at pts is already late to be shown (lock held): playing, the
 * clock runs on this generation, and the frame would be replaced before it is up. */
static int late(const xrv_source *s, double pts, int gen)
{
    if (s->paused || s->clock_gen != gen) return 0;
    return pts + s->frame_dur < clock_at(s, s->last_t);
}

static void *worker(void *arg)
{
    xrv_source *s = arg;
    /* the generator's programs take longer than a display period on big pictures: on a
     * queue of their own the frame loop's renders and copies need not wait for them */
    if (gen_vk_use_side_queue(s->be)) vg_debug("xrv: the source's work runs on a second queue");
    int ret = VG_OK, dropped = 0;
    pthread_mutex_lock(&s->lock);
    while (!s->quit) {
        int gen = s->generation, v = s->variant, redo = s->redo;
        double seek = s->seek_to;
        s->seek_to = -1;
        s->redo = 0;
        pthread_mutex_unlock(&s->lock);

        AVFrame *f = NULL;
        if (seek >= 0) {
            ret = reopen(s, seek);
            s->eof = 0;
            av_frame_free(&s->last);
        } else if (redo && s->last) {
            f = av_frame_clone(s->last);
            if (!f) ret = VG_ERR_NOMEM;
        }
        if (ret == VG_OK && !f && !s->eof) {
            ret = next_frame(s, &f);
            if (ret == VG_EOF) {
                ret = VG_OK;
                if (s->o.loop && s->pictures > 0) {
                    pthread_mutex_lock(&s->lock);
                    if (s->seek_to < 0) s->seek_to = s->o.input.start > 0 ? s->o.input.start : 0;
                    s->generation++;
                    continue; /* lock held */
                }
                s->eof = 1;
            }
        }
        if (ret < 0) {
            pthread_mutex_lock(&s->lock);
            break;
        }
        pthread_mutex_lock(&s->lock);
        if (!f) { /* at the end: wait for a seek, a variant change or quit */
            while (!s->quit && s->seek_to < 0 && !s->redo) pthread_cond_wait(&s->cond, &s->lock);
            continue;
        }
        double pts = frame_pts(s, f);
        if (!redo && dropped < 30 && late(s, pts, gen)) {
            dropped++;
            av_frame_free(&f);
            continue;
        }
        dropped = 0;
        int sl;
        while (!s->quit && (sl = free_slot(s)) < 0 && s->generation == gen)
            pthread_cond_wait(&s->cond, &s->lock);
        if (s->quit || s->generation != gen) {
            /* a request came in: keep the frame for a variant change, else drop it */
            if (s->seek_to < 0) {
                av_frame_free(&s->last);
                s->last = f;
            } else {
                av_frame_free(&f);
            }
            continue;
        }
        s->state[sl] = SLOT_BUSY;
        pthread_mutex_unlock(&s->lock);
        ret = convert(s, f, gen, v, sl);
        av_frame_free(&s->last);
        s->last = f;
        pthread_mutex_lock(&s->lock);
        if (ret < 0) break;
        s->state[sl] = SLOT_READY;
        s->pts[sl] = pts;
        s->gen_of[sl] = gen;
        pthread_cond_broadcast(&s->cond);
    }
    if (ret < 0 && !s->failed) s->failed = ret;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int xrv_source_start(xrv_source *s)
{
    if (pthread_create(&s->thread, NULL, worker, s) != 0) {
        vg_error("vrgen view: cannot start the decode thread");
        return VG_ERR_NOMEM;
    }
    s->started = 1;
    return VG_OK;
}

int xrv_source_pick(xrv_source *s, double t, int *slot, double *video_t)
{
    pthread_mutex_lock(&s->lock);
    s->last_t = t;
    s->last_wall = vg_time_now();
    int ret = s->failed, chosen = -1, freed = 0;
    for (int i = 0; i < XRV_SLOTS; i++)
        if (s->state[i] == SLOT_READY && s->gen_of[i] != s->generation) {
            s->state[i] = SLOT_FREE;
            freed = 1; /* the worker may wait for a slot: wake it below */
        }
    if (s->clock_gen != s->generation) {
        /* rebase on the first picture of the new generation */
        for (int i = 0; i < XRV_SLOTS; i++)
            if (s->state[i] == SLOT_READY && (chosen < 0 || s->pts[i] < s->pts[chosen])) chosen = i;
        if (chosen >= 0) {
            s->clock_gen = s->generation;
            s->clock_base_v = s->pts[chosen];
            s->clock_base_t = t;
        }
    } else {
        double now = clock_at(s, t) + 1e-4;
        for (int i = 0; i < XRV_SLOTS; i++)
            if (s->state[i] == SLOT_READY && s->pts[i] <= now &&
                (chosen < 0 || s->pts[i] > s->pts[chosen]))
                chosen = i;
        for (int i = 0; i < XRV_SLOTS; i++) /* older than the chosen one: never shown */
            if (chosen >= 0 && i != chosen && s->state[i] == SLOT_READY &&
                s->pts[i] < s->pts[chosen])
                s->state[i] = SLOT_FREE;
    }
    if (chosen >= 0) {
        if (s->shown >= 0) s->state[s->shown] = SLOT_FREE;
        s->shown = chosen;
        s->state[chosen] = SLOT_SHOWN;
        s->shown_v = s->pts[chosen];
    }
    if (chosen >= 0 || freed) pthread_cond_broadcast(&s->cond);
    *slot = s->shown;
    *video_t = s->clock_gen >= 0 ? clock_at(s, t) : 0;
    pthread_mutex_unlock(&s->lock);
    return ret;
}

int xrv_source_clock_now(xrv_source *s, double *video_t)
{
    pthread_mutex_lock(&s->lock);
    const int running = s->clock_gen >= 0 && !s->paused;
    *video_t = s->clock_gen >= 0 ? clock_at(s, s->last_t + (vg_time_now() - s->last_wall)) : 0;
    pthread_mutex_unlock(&s->lock);
    return running;
}

void xrv_source_toggle_pause(xrv_source *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->paused) {
        s->clock_base_t = s->last_t;
        s->paused = 0;
    } else {
        s->clock_base_v = clock_at(s, s->last_t);
        s->paused = 1;
    }
    pthread_mutex_unlock(&s->lock);
}

int xrv_source_paused(const xrv_source *s)
{
    return s->paused;
}

void xrv_source_seek(xrv_source *s, double delta)
{
    pthread_mutex_lock(&s->lock);
    double to = s->shown_v + delta;
    if (s->duration > 0 && to > s->duration) to = s->duration - s->frame_dur;
    s->seek_to = to > 0 ? to : 0;
    s->generation++;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void xrv_source_set_variant(xrv_source *s, int v)
{
    pthread_mutex_lock(&s->lock);
    if (v >= 0 && v <= s->o.nnets && v != s->variant) {
        s->variant = v;
        s->redo = 1;
        s->generation++;
        pthread_cond_broadcast(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
}

int xrv_source_variant(const xrv_source *s)
{
    return s->variant;
}

int xrv_source_variants(const xrv_source *s)
{
    return 1 + s->o.nnets;
}

void xrv_source_counts(const xrv_source *s, long long *pictures, long long *generated)
{
    pthread_mutex_lock((pthread_mutex_t *)&s->lock);
    *pictures = s->pictures;
    *generated = s->generated;
    pthread_mutex_unlock((pthread_mutex_t *)&s->lock);
}

void xrv_source_close(xrv_source **ps)
{
    xrv_source *s = *ps;
    if (!s) return;
    if (s->started) {
        pthread_mutex_lock(&s->lock);
        s->quit = 1;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
    }
    av_frame_free(&s->last);
    free_progs(s);
    gen_prog_destroy(&s->hold_reset);
    gen_buf_destroy(&s->buf);
    gen_buf_destroy(&s->wbuf);
    free(s->host_rgb);
    free(s->host_in);
    pl_input_close(&s->in);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s->path);
    free(s);
    *ps = NULL;
}
