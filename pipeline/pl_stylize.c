/*
 * pl_stylize.c - the stylize job. Three threads joined by bounded queues:
 *
 *   decode (pl_input) --items--> GPU (this thread) --items--> encode (pl_output / PNG)
 *
 * The GPU stage keeps two frame slots: while the device works on frame n, the CPU
 * uploads frame n+1 and downloads frame n-1. Each slot has its own packed input and
 * output buffers and its own recorded program (colour conversion in, generator, colour
 * conversion out); the network's activations are shared, which is safe because one queue
 * runs the programs in submission order and each program starts with a full barrier.
 * Packets of copied streams travel through the same queues, so the muxer sees them in
 * demux order. Memory stays flat: the queues are bounded and nothing grows per frame.
 *
 * Frames whose generator activations exceed the memory budget (--max-memory), or that a
 * device binding limit refuses, run in tiles (gen/gen_tile.h): per slot and eye a program
 * converts the frame in, the tiler runs the generator (estimate, statistics, final pass),
 * and a program converts the result out.
 */
#include "pipeline/pl_stylize.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/avutil.h>
#include <libavutil/buffer.h>
#include <libavutil/imgutils.h>
#include <libavutil/mathematics.h>
#include <libavutil/pixdesc.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "common/vg_opt.h"
#include "common/vg_time.h"
#include "gen/gen_tile.h"
#include "pipeline/pl_planes.h"
#include "pipeline/pl_png.h"
#include "pipeline/pl_queue.h"
#include "pipeline/pl_seq.h"

#define QUEUE_ITEMS 8
#define SLOTS       2

/* One unit travelling between threads: a frame, or a packet of a copied stream. */
typedef struct item {
    AVFrame *frame;
    AVPacket *packet;
    float *rgb;    /* PNG output: the network output, 3 planes of nh x nw */
    int64_t index; /* frame number from 1 (frames only) */
} item;

static void item_free(void *p)
{
    item *it = p;
    if (!it) return;
    av_frame_free(&it->frame);
    av_packet_free(&it->packet);
    free(it->rgb);
    free(it);
}

/* GPU resources for one frame geometry. */
typedef struct gpu_slot {
    gen_tensor packed_in, packed_out, rgb_out;
    gen_prog *prog;             /* untiled: colour in, generator, colour out */
    gen_prog *tin[2], *tout[2]; /* tiled: colour in and out per eye (the tiler between) */
    item *pending;              /* submitted frame waiting for its download */
} gpu_slot;

typedef struct job {
    const pl_stylize_opts *o;
    gen_backend *be;
    gen_net *net;
    pl_input *in;
    pl_output *out;
    const pl_video_info *vi;

    pl_queue *q_dec, *q_enc;
    pthread_t dec_thread, enc_thread;
    int dec_started, enc_started;
    atomic_int failed;     /* first error code of any thread (0: none) */
    atomic_int stopped;    /* stop reading (interrupt or error) */
    atomic_int out_failed; /* the encoder's own write failed: it writes nothing more */
    atomic_llong frames_in, frames_out;
    int64_t skip_frames; /* PNG resume: frames already written */

    /* geometry: a frame holds one picture, or two eyes (side by side or top and bottom)
       that the network sees one at a time with the same weights */
    int frame_w, frame_h;         /* decoded frame */
    int eyes, eye_dx, eye_dy;     /* 1 or 2; offset of eye 1 in the frame (luma samples) */
    gen_yuv_desc din[2], dout[2]; /* per eye, offsets into the packed buffers */
    int rotation;
    int pw, ph; /* upright picture of one eye */
    int ow, oh; /* output frame: the eyes upright, side by side or stacked */
    int nw, nh; /* network input: multiples of 4 */
    enum AVPixelFormat out_fmt;
    gen_graph *graph;
    gen_tiler *tiler;           /* tiled frames (then graph is NULL) */
    gen_tensor rgb_in, rgb_out; /* network input and output (the same tensor for identity) */
    gen_buf *buf;               /* packed in/out and rgb copies of both slots */
    gen_buf *hold_buf;          /* hold_l, hold_r */
    gpu_slot slot[SLOTS];
    gen_tensor rgb_eye[SLOTS][2];    /* PNG output: network output copies per slot and eye */
    gen_tensor hold_l[2], hold_r[2]; /* temporal hold state per eye (none: buf NULL) */
    unsigned char *host_in;          /* packed input staging on the host (device backends) */
    unsigned char *host_out;         /* packed output staging on the host (device backends) */
    AVBufferPool *frame_pool;        /* output frames' memory, reused once the encoder is done */
    size_t in_bytes, out_bytes;

    vg_progress progress;
    double t0;
} job;

static void fail(job *j, int code)
{
    int expected = 0;
    atomic_compare_exchange_strong(&j->failed, &expected, code);
    atomic_store(&j->stopped, 1);
}

/* --- decode thread ------------------------------------------------------------------ */

static void *decode_main(void *arg)
{
    job *j = arg;
    int64_t index = 0;
    for (;;) {
        if (atomic_load(&j->stopped) || (j->o->stop && *j->o->stop)) break;
        AVFrame *f = NULL;
        AVPacket *pk = NULL;
        int ret = pl_input_read(j->in, &f, &pk);
        if (ret == VG_EOF) break;
        if (ret < 0) {
            fail(j, ret);
            break;
        }
        item *it = calloc(1, sizeof(*it));
        if (!it) {
            av_frame_free(&f);
            av_packet_free(&pk);
            fail(j, VG_ERR_NOMEM);
            break;
        }
        /* with -ss the output starts at 0, as with ffmpeg */
        if (j->o->input.start > 0) {
            const AVFormatContext *fc = pl_input_avformat(j->in);
            AVRational tb = f ? j->vi->time_base : fc->streams[pk->stream_index]->time_base;
            int64_t shift =
                av_rescale_q((int64_t)(j->o->input.start * AV_TIME_BASE), AV_TIME_BASE_Q, tb);
            if (f && f->pts != AV_NOPTS_VALUE) f->pts -= shift;
            if (f && f->best_effort_timestamp != AV_NOPTS_VALUE) f->best_effort_timestamp -= shift;
            if (f && f->pkt_dts != AV_NOPTS_VALUE) f->pkt_dts -= shift;
            if (pk && pk->pts != AV_NOPTS_VALUE) pk->pts -= shift;
            if (pk && pk->dts != AV_NOPTS_VALUE) pk->dts -= shift;
        }
        it->frame = f;
        it->packet = pk;
        if (f) {
            it->index = ++index;
            atomic_store(&j->frames_in, index);
        }
        if (pl_queue_push(j->q_dec, it) != VG_OK) {
            item_free(it);
            break;
        }
    }
    pl_queue_close(j->q_dec);
    return NULL;
}

/* --- encode thread ------------------------------------------------------------------ */

static int write_png(job *j, item *it)
{
    char path[4096];
    pl_image img = {0};
    int ret = pl_seq_path(j->o->output.path, it->index, path, sizeof(path));
    if (ret < 0) return ret;
    ret = pl_image_alloc(&img, j->ow, j->oh, j->o->png_bits);
    if (ret < 0) return ret;
    float *frame = malloc((size_t)3 * j->ow * j->oh * sizeof(float));
    if (!frame) {
        pl_image_free(&img);
        return VG_ERR_NOMEM;
    }
    /* it->rgb holds each eye's network output (3 x nh x nw) one after the other */
    size_t eye_len = (size_t)3 * j->nh * j->nw;
    for (int e = 0; e < j->eyes; e++) {
        int x0 = e && j->eye_dx ? j->pw : 0, y0 = e && j->eye_dy ? j->ph : 0;
        const float *rgb = it->rgb + e * eye_len;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < j->ph; y++)
                memcpy(frame + ((size_t)c * j->oh + y0 + y) * j->ow + x0,
                       rgb + ((size_t)c * j->nh + y) * j->nw, (size_t)j->pw * sizeof(float));
    }
    pl_image_from_planar(&img, frame);
    free(frame);
    ret = pl_png_write(path, &img, 1);
    pl_image_free(&img);
    return ret;
}

static void *encode_main(void *arg)
{
    job *j = arg;
    void *p;
    while (pl_queue_pop(j->q_enc, &p) == VG_OK) {
        item *it = p;
        int ret = VG_OK;
        /* frames finished before a failure elsewhere (device lost, a read error) are still
           written: the partial output keeps them */
        if (!atomic_load(&j->out_failed)) {
            if (it->packet && j->out)
                ret = pl_output_write_packet(j->out, &it->packet);
            else if (it->rgb)
                ret = write_png(j, it);
            else if (it->frame)
                ret = pl_output_write_frame(j->out, it->frame);
            if (ret < 0) {
                atomic_store(&j->out_failed, 1);
                fail(j, ret);
            }
            if ((it->frame || it->rgb) && ret == VG_OK) {
                int64_t done = atomic_fetch_add(&j->frames_out, 1) + 1;
                char extra[64] = "";
                if (j->out)
                    snprintf(extra, sizeof(extra), "%.1f MB",
                             (double)pl_output_bytes(j->out) / 1e6);
                vg_progress_update(&j->progress, done, extra);
            }
        }
        item_free(it);
    }
    return NULL;
}

/* --- GPU stage ---------------------------------------------------------------------- */

/* Layout and eyes from the options, else the file's metadata, else its name. */
static void resolve_layout(const job *j, pl_layout *layout, pl_eyes *eyes)
{
    const char *name = strrchr(j->o->input.path, '/');
    name = name ? name + 1 : j->o->input.path;
    *layout = j->o->layout;
    *eyes = j->o->stereo;
    if (*layout == PL_LAYOUT_AUTO)
        *layout = j->vi->spherical == PL_SPHERICAL_EQUIRECT ? PL_LAYOUT_360
                  : strstr(name, "_360")                    ? PL_LAYOUT_360
                  : strstr(name, "_180")                    ? PL_LAYOUT_180
                                                            : PL_LAYOUT_FLAT;
    if (*eyes == PL_EYES_AUTO)
        *eyes = j->vi->stereo == PL_STEREO_SIDE_BY_SIDE         ? PL_EYES_SBS
                : j->vi->stereo == PL_STEREO_TOP_BOTTOM         ? PL_EYES_TB
                : (strstr(name, "_sbs") || strstr(name, "_lr")) ? PL_EYES_SBS
                : (strstr(name, "_tb") || strstr(name, "_ou"))  ? PL_EYES_TB
                                                                : PL_EYES_MONO;
}

/* Frees what build_gpu made (an untiled attempt that a device limit refuses falls back to
 * tiles, tiles that it refuses to smaller ones). Nothing may be in flight. */
static void free_gpu(job *j)
{
    for (int s = 0; s < SLOTS; s++) {
        gpu_slot *sl = &j->slot[s];
        gen_prog_destroy(&sl->prog);
        for (int e = 0; e < 2; e++) {
            gen_prog_destroy(&sl->tin[e]);
            gen_prog_destroy(&sl->tout[e]);
        }
    }
    gen_tiler_destroy(&j->tiler);
    gen_graph_destroy(&j->graph);
    gen_buf_destroy(&j->buf);
    gen_buf_destroy(&j->hold_buf);
    free(j->host_in);
    free(j->host_out);
    j->host_in = j->host_out = NULL;
}

/* Whether the job holds the style still where the scene is (not for an identity run). */
static int hold(const job *j)
{
    return !j->o->identity && j->o->hold_still > 0;
}

/* Starts the temporal hold afresh: every eye's first frame keeps the network's output. */
static int reset_hold(job *j)
{
    gen_prog *p = NULL;
    int ret = gen_prog_create(j->be, &p);
    for (int e = 0; e < j->eyes && ret == VG_OK; e++)
        gen_temporal_reset(p, j->hold_l[e], j->hold_r[e]);
    if (ret == VG_OK) ret = gen_prog_compile(p);
    if (ret == VG_OK) ret = gen_prog_run(p);
    gen_prog_destroy(&p);
    return ret;
}

/* The temporal hold and colour conversion out of network output y (input x) for eye e. */
static void record_out(job *j, gpu_slot *sl, gen_prog *p, int e, gen_tensor x, gen_tensor y)
{
    if (hold(j))
        gen_temporal_hold(p, y, x, j->hold_l[e], j->hold_r[e], j->o->hold_still, j->o->hold_rate);
    if (j->o->png) {
        gen_tensor eye = sl->rgb_out;
        eye.n = 1;
        eye.off += (size_t)e * 3 * j->nh * j->nw;
        gen_axpby(p, eye, 1.0f, y, 0.0f);
    } else {
        gen_rgb_to_yuv(p, sl->packed_out, y, &j->dout[e], 0);
    }
}

static int compile(job *j, gen_prog *p)
{
    /* with a network, a device limit falls back to (smaller) tiles: no message yet */
    return j->o->identity ? gen_prog_compile(p) : gen_prog_try_compile(p);
}

/*
 * Buffers and programs for the frame geometry. Untiled (plan NULL): one program per slot
 * with, per eye, colour in, generator, colour out. Tiled: the tiler holds the generator's
 * programs; per slot and eye one program converts the frame in and one converts it out.
 * VG_ERR_LIMIT (nothing logged): a tensor exceeds the device's binding limits;
 * VG_ERR_DEVICE_OOM or VG_ERR_NOMEM (nothing logged while the backend is quiet about it):
 * out of memory.
 */
static int build_gpu(job *j, const gen_tile_plan *plan)
{
    int ret;
    if (!j->o->identity && !plan &&
        (ret = gen_graph_create(j->net, 1, j->nh, j->nw, GEN_GRAPH_NO_FEATURE, &j->graph)) < 0) {
        if (ret == VG_ERR_DEVICE_OOM || ret == VG_ERR_NOMEM) return ret; /* retried in tiles */
        vg_error("vrgen stylize: %dx%d frames: cannot set up the generator (%s)", j->pw, j->ph,
                 vg_strerror(ret));
        return ret;
    }
    gen_arena a = {0};
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        if (j->o->identity) j->rgb_in = j->rgb_out = gen_arena_take(&a, 1, 3, j->nh, j->nw);
        if (plan) {
            j->rgb_in = gen_arena_take(&a, 1, 3, j->nh, j->nw);
            j->rgb_out = gen_arena_take(&a, 1, 3, j->nh, j->nw);
        }
        for (int s = 0; s < SLOTS; s++) {
            j->slot[s].packed_in = gen_arena_take(&a, 1, 1, 1, (int)(j->in_bytes / 4));
            j->slot[s].packed_out = gen_arena_take(&a, 1, 1, 1, (int)(j->out_bytes / 4));
            if (j->o->png) j->slot[s].rgb_out = gen_arena_take(&a, j->eyes, 3, j->nh, j->nw);
        }
        if (pass == 0 && (ret = gen_buf_create(j->be, a.used, &a.buf)) < 0) return ret;
    }
    j->buf = a.buf;
    /* the hold's state in a buffer of its own: devices cap single allocations */
    gen_arena h = {0};
    for (int pass = 0; pass < 2 && hold(j); pass++) {
        h.used = 0;
        for (int e = 0; e < j->eyes; e++) {
            j->hold_l[e] = gen_arena_take(&h, 1, 1, j->nh, j->nw);
            j->hold_r[e] = gen_arena_take(&h, 1, 3, j->nh, j->nw);
        }
        if (pass == 0 && (ret = gen_buf_create(j->be, h.used, &h.buf)) < 0) return ret;
    }
    j->hold_buf = h.buf;
    if (!gen_tensor_host(j->be, j->slot[0].packed_in)) { /* staging for device memory */
        j->host_in = calloc(1, j->in_bytes);
        j->host_out = malloc(j->out_bytes);
        if (!j->host_in || !j->host_out) return VG_ERR_NOMEM;
    }
    if (plan && (ret = gen_tiler_create(j->net, plan, j->rgb_in, j->rgb_out, &j->tiler)) < 0)
        return ret;
    gen_tensor x = j->graph ? gen_graph_input(j->graph) : j->rgb_in;
    gen_tensor y = j->graph ? gen_graph_output(j->graph) : j->rgb_out;
    if (hold(j) && (ret = reset_hold(j)) < 0) return ret;
    for (int s = 0; s < SLOTS; s++) {
        gpu_slot *sl = &j->slot[s];
        if (plan) {
            for (int e = 0; e < j->eyes; e++) {
                if ((ret = gen_prog_create(j->be, &sl->tin[e])) < 0 ||
                    (ret = gen_prog_create(j->be, &sl->tout[e])) < 0)
                    return ret;
                gen_yuv_to_rgb(sl->tin[e], x, sl->packed_in, &j->din[e], j->rotation);
                record_out(j, sl, sl->tout[e], e, x, y);
                if ((ret = compile(j, sl->tin[e])) < 0 || (ret = compile(j, sl->tout[e])) < 0)
                    return ret;
            }
            continue;
        }
        if ((ret = gen_prog_create(j->be, &sl->prog)) < 0) return ret;
        for (int e = 0; e < j->eyes; e++) {
            gen_yuv_to_rgb(sl->prog, x, sl->packed_in, &j->din[e], j->rotation);
            if (j->graph) gen_graph_forward(j->graph, sl->prog);
            record_out(j, sl, sl->prog, e, x, y);
        }
        if ((ret = compile(j, sl->prog)) < 0) return ret;
    }
    return VG_OK;
}

size_t pl_stylize_default_budget(const gen_backend *be)
{
    const uint64_t heap = gen_backend_heap_bytes(be);
    return heap ? (size_t)(heap / 2) : (size_t)1 << 30;
}

/* The memory budget from --max-memory, or the default. */
static size_t memory_budget(const job *j)
{
    return j->o->max_memory > 0 ? (size_t)j->o->max_memory : pl_stylize_default_budget(j->be);
}

static int retry_smaller(int ret)
{
    return ret == VG_ERR_LIMIT || ret == VG_ERR_DEVICE_OOM || ret == VG_ERR_NOMEM;
}

/* Untiled when the frame's activations fit the budget and the device binds and allocates
 * every tensor; otherwise in tiles, smaller ones while a device limit or a failed
 * allocation refuses them. */
static int setup_network_quiet(job *j)
{
    size_t budget = memory_budget(j),
           full = gen_net_graph_bytes(j->net, 1, j->nh, j->nw, GEN_GRAPH_NO_FEATURE);
    int ret, refused = VG_OK; /* why the last attempt failed: VG_ERR_LIMIT or out of memory */
    char b0[24], b1[24], b2[24];
    if (full <= budget) {
        ret = build_gpu(j, NULL);
        if (!retry_smaller(ret)) {
            vg_verbose("stylize: %dx%d frames (network %dx%d, rotation %d), %.1f MB of "
                       "activations",
                       j->pw, j->ph, j->nw, j->nh, j->rotation, (double)full / 1048576.0);
            return ret;
        }
        free_gpu(j);
        refused = ret;
        budget = full / 2;
    }
    for (;;) {
        gen_tile_config cfg;
        gen_tile_config_default(&cfg);
        cfg.budget = budget;
        cfg.exact = !j->o->tile_estimate;
        gen_tile_plan plan;
        ret = gen_tile_plan_make(j->net, j->nh, j->nw, &cfg, &plan);
        if (ret == VG_ERR_LIMIT) {
            /* round the minimum up to whole MiB for the advice */
            size_t need = (plan.min_budget + ((size_t)1 << 20) - 1) >> 20 << 20;
            vg_format_size((int64_t)budget, b0, sizeof b0);
            vg_format_size((int64_t)need, b1, sizeof b1);
            const int oom = refused != VG_OK && refused != VG_ERR_LIMIT;
            if (oom) {
                const char *mem =
                    gen_backend_get_kind(j->be) == GEN_BACKEND_VULKAN ? "device" : "host";
                vg_error("vrgen stylize: %s: out of %s memory for %dx%d frames, even in the "
                         "smallest tiles (about %s for the generator); free %s memory, or "
                         "stylize a smaller size",
                         j->o->input.path, mem, j->pw, j->ph, b1, mem);
            } else if (refused == VG_ERR_LIMIT)
                vg_error("vrgen stylize: %s: %dx%d frames are too large for this Vulkan device, "
                         "even in tiles (a tensor exceeds the device's binding limits)",
                         j->o->input.path, j->pw, j->ph);
            else if (j->o->max_memory > 0)
                vg_error("vrgen stylize: --max-memory %s is too small for %dx%d frames with this "
                         "model, even in tiles; use --max-memory %s or more",
                         b0, j->pw, j->ph, b1);
            else
                vg_error("vrgen stylize: %s: %dx%d frames need about %s of device memory for "
                         "the generator, even in tiles; the default budget is %s (half the "
                         "device's memory): try --max-memory %s",
                         j->o->input.path, j->pw, j->ph, b1, b0, b1);
            if (oom) return VG_ERR_DEVICE_OOM;
            return j->o->max_memory > 0 && refused != VG_ERR_LIMIT ? VG_ERR_INVALID : VG_ERR_LIMIT;
        }
        if (ret < 0) return ret;
        ret = build_gpu(j, &plan);
        if (!retry_smaller(ret)) {
            vg_format_size((int64_t)full, b0, sizeof b0);
            vg_format_size((int64_t)budget, b1, sizeof b1);
            vg_format_size((int64_t)(plan.tile_bytes + plan.est_bytes), b2, sizeof b2);
            vg_verbose("stylize: %dx%d frames need %s of activations untiled (budget %s%s): %d "
                       "tiles of %dx%d (margin %d, band %d), statistics %s (1/%d estimate), %s of "
                       "activations",
                       j->pw, j->ph, b0, b1,
                       refused == VG_ERR_LIMIT ? ", device limit"
                       : refused != VG_OK      ? ", out of memory"
                                               : "",
                       plan.count, plan.tw, plan.th, plan.margin, plan.band,
                       plan.exact ? "exact" : "estimated", plan.est_f, b2);
            return ret;
        }
        free_gpu(j);
        refused = ret;
        budget = (plan.tile_bytes + plan.est_bytes) / 2;
    }
}

static int setup_network(job *j)
{
    gen_backend_set_quiet_oom(j->be, 1);
    int ret = setup_network_quiet(j);
    gen_backend_set_quiet_oom(j->be, 0);
    return ret;
}

static int setup_gpu(job *j, const AVFrame *f)
{
    const pl_video_info *v = j->vi;
    pl_layout layout;
    pl_eyes eyes;
    resolve_layout(j, &layout, &eyes);
    j->frame_w = f->width;
    j->frame_h = f->height;
    j->rotation = v->rotation;
    j->eyes = eyes == PL_EYES_MONO ? 1 : 2;
    int ew = eyes == PL_EYES_SBS ? f->width / 2 : f->width;
    int eh = eyes == PL_EYES_TB ? f->height / 2 : f->height;
    j->eye_dx = eyes == PL_EYES_SBS ? ew : 0;
    j->eye_dy = eyes == PL_EYES_TB ? eh : 0;
    if (j->eyes == 2) {
        int cw = 1 << v->log2_chroma_w, ch = 1 << v->log2_chroma_h;
        if ((eyes == PL_EYES_SBS && (f->width % (2 * cw))) ||
            (eyes == PL_EYES_TB && (f->height % (2 * ch))) || j->rotation) {
            vg_error("vrgen stylize: %s: %dx%d%s cannot be split into two eyes (%s needs "
                     "halves that whole chroma samples cover, and no rotation)",
                     j->o->input.path, f->width, f->height, j->rotation ? " rotated" : "",
                     eyes == PL_EYES_SBS ? "side by side" : "top and bottom");
            return VG_ERR_UNSUPPORTED;
        }
    }
    if (layout == PL_LAYOUT_360) {
        if (j->net) gen_net_set_pad(j->net, GEN_PAD_CIRCULAR_X);
        if ((ew % 4) && j->net)
            vg_warn("%s: 360 video %d pixels wide: not a multiple of 4, so the left and right "
                    "edges may show a faint seam",
                    j->o->input.path, ew);
    }
    vg_verbose("stylize: layout %s, %s",
               layout == PL_LAYOUT_360   ? "360"
               : layout == PL_LAYOUT_180 ? "180"
                                         : "flat",
               eyes == PL_EYES_SBS  ? "stereo side by side"
               : eyes == PL_EYES_TB ? "stereo top and bottom"
                                    : "mono");

    gen_yuv_desc d = {.width = ew,
                      .height = eh,
                      .bits = v->bits,
                      .log2_cw = v->log2_chroma_w,
                      .log2_ch = v->log2_chroma_h,
                      .cs = pl_planes_colorspace(v),
                      .full_range = v->full_range};
    int rot = j->rotation == 90 || j->rotation == 270;
    j->pw = rot ? eh : ew;
    j->ph = rot ? ew : eh;
    j->ow = j->pw * (j->eye_dx ? 2 : 1);
    j->oh = j->ph * (j->eye_dy ? 2 : 1);
    j->nw = (j->pw + 3) / 4 * 4;
    j->nh = (j->ph + 3) / 4 * 4;
    j->in_bytes = j->out_bytes = 0;
    for (int e = 0; e < j->eyes; e++) {
        j->din[e] = d;
        size_t n = pl_planes_layout(&j->din[e], ew, eh);
        for (int i = 0; i < 3; i++) j->din[e].offset[i] += j->in_bytes;
        j->in_bytes += n;
        j->dout[e] = d;
        j->dout[e].width = j->pw;
        j->dout[e].height = j->ph;
        n = pl_planes_layout(&j->dout[e], j->pw, j->ph);
        for (int i = 0; i < 3; i++) j->dout[e].offset[i] += j->out_bytes;
        j->out_bytes += n;
    }
    j->out_fmt = f->format;

    return j->o->identity ? build_gpu(j, NULL) : setup_network(j);
}

/* Copies each eye's part of the frame's planes into the packed host layout, uploads. */
static int upload_frame(job *j, gpu_slot *sl, const AVFrame *f)
{
    /* a host-memory backend takes the planes in place */
    unsigned char *dst = (unsigned char *)gen_tensor_host(j->be, sl->packed_in);
    for (int e = 0; e < j->eyes; e++)
        pl_planes_copy(&j->din[e], f, e ? j->eye_dx : 0, e ? j->eye_dy : 0, dst ? dst : j->host_in);
    return dst ? VG_OK : gen_tensor_upload(j->be, sl->packed_in, (const float *)j->host_in);
}

/* An output frame of the job's geometry, its planes in one buffer of j->frame_pool (the
 * pool lives as long as a frame holds one of its buffers). Like av_frame_get_buffer, the
 * buffer has rows to spare after the last plane for SIMD code that reads past it. */
static AVFrame *output_frame(job *j)
{
    AVFrame *dst = av_frame_alloc();
    if (!dst) return NULL;
    dst->format = j->out_fmt;
    dst->width = j->ow;
    dst->height = j->oh;
    int n = av_image_get_buffer_size(j->out_fmt, j->ow, j->oh + 32, 64);
    if (!j->frame_pool && n > 0) j->frame_pool = av_buffer_pool_init((size_t)n, NULL);
    if (j->frame_pool && (dst->buf[0] = av_buffer_pool_get(j->frame_pool)) &&
        av_image_fill_arrays(dst->data, dst->linesize, dst->buf[0]->data, j->out_fmt, j->ow, j->oh,
                             64) >= 0)
        return dst;
    av_frame_free(&dst);
    return NULL;
}

/* Starts the device work of the frame uploaded into slot sl. Tiled: per eye, colour in,
 * the tiler (which waits for its estimate and statistics passes), colour out. */
static int submit_slot(job *j, gpu_slot *sl)
{
    if (!j->tiler) return gen_prog_submit(sl->prog);
    int ret = VG_OK;
    for (int e = 0; e < j->eyes && ret == VG_OK; e++) {
        ret = gen_prog_submit(sl->tin[e]);
        if (ret == VG_OK) ret = gen_tiler_run(j->tiler);
        if (ret == VG_OK) ret = gen_prog_submit(sl->tout[e]);
    }
    return ret;
}

/* Waits for the slot's last program: one queue runs them in order, so all are done. */
static int wait_slot(job *j, gpu_slot *sl)
{
    return gen_prog_wait(j->tiler ? sl->tout[j->eyes - 1] : sl->prog);
}

/* Turns a finished slot into an output frame and hands it to the encoder. */
static int finish_slot(job *j, gpu_slot *sl)
{
    item *it = sl->pending;
    int ret;
    sl->pending = NULL;
    if (!it) return VG_OK;
    if ((ret = wait_slot(j, sl)) < 0) goto fail;
    if (j->o->png) {
        it->rgb = malloc(gen_tensor_len(sl->rgb_out) * sizeof(float));
        ret = it->rgb ? gen_tensor_download(j->be, sl->rgb_out, it->rgb) : VG_ERR_NOMEM;
        av_frame_free(&it->frame);
        if (ret < 0) goto fail;
        if (pl_queue_push(j->q_enc, it) != VG_OK) item_free(it);
        return VG_OK;
    }
    AVFrame *src = it->frame;
    AVFrame *dst = output_frame(j);
    if (!dst) {
        ret = VG_ERR_NOMEM;
        goto fail;
    }
    /* a host-memory backend's output is read in place */
    const unsigned char *host = (const unsigned char *)gen_tensor_host(j->be, sl->packed_out);
    ret = host ? VG_OK : gen_tensor_download(j->be, sl->packed_out, (float *)j->host_out);
    if (!host) host = j->host_out;
    for (int e = 0; ret == VG_OK && e < j->eyes; e++) {
        const gen_yuv_desc *d = &j->dout[e];
        int bps = d->bits > 8 ? 2 : 1;
        for (int i = 0; i < 3; i++) {
            int sx = i ? d->log2_cw : 0, sy = i ? d->log2_ch : 0;
            int w = (d->width + (1 << sx) - 1) >> sx, h = (d->height + (1 << sy) - 1) >> sy;
            int x0 = e && j->eye_dx ? j->pw >> sx : 0, y0 = e && j->eye_dy ? j->ph >> sy : 0;
            for (int y = 0; y < h; y++)
                memcpy(dst->data[i] + (size_t)(y0 + y) * dst->linesize[i] + (size_t)x0 * bps,
                       host + d->offset[i] + (size_t)y * d->stride[i], (size_t)w * bps);
        }
    }
    av_frame_copy_props(dst, src);
    /* frames are upright now: the rotation is applied, not tagged */
    av_frame_remove_side_data(dst, AV_FRAME_DATA_DISPLAYMATRIX);
    av_frame_free(&it->frame);
    it->frame = dst;
    if (ret < 0) goto fail;
    if (pl_queue_push(j->q_enc, it) != VG_OK) item_free(it);
    return VG_OK;
fail:
    item_free(it);
    return ret;
}

static int gpu_loop(job *j)
{
    int next = 0, ret = VG_OK;
    void *p;
    while (pl_queue_pop(j->q_dec, &p) == VG_OK) {
        item *it = p;
        if (atomic_load(&j->failed)) {
            item_free(it);
            continue; /* drain so the decoder can finish */
        }
        if (it->packet || (it->frame && it->index <= j->skip_frames)) {
            if (it->frame) {
                item_free(it); /* resumed PNG run: this frame is already on disk */
                continue;
            }
            if (pl_queue_push(j->q_enc, it) != VG_OK) item_free(it);
            continue;
        }
        if (!j->buf && (ret = setup_gpu(j, it->frame)) < 0) {
            item_free(it);
            fail(j, ret);
            continue;
        }
        if (it->frame->width != j->frame_w || it->frame->height != j->frame_h ||
            it->frame->format != j->out_fmt) {
            vg_error("vrgen stylize: %s: the frame size or format changes mid-stream "
                     "(%dx%d %s at frame %lld); not supported",
                     j->o->input.path, it->frame->width, it->frame->height,
                     av_get_pix_fmt_name(it->frame->format), (long long)it->index);
            item_free(it);
            fail(j, VG_ERR_UNSUPPORTED);
            continue;
        }
        gpu_slot *sl = &j->slot[next];
        /* the slot's previous frame must be downloaded before its buffers are reused */
        if ((ret = finish_slot(j, sl)) < 0 || (ret = upload_frame(j, sl, it->frame)) < 0 ||
            (ret = submit_slot(j, sl)) < 0) {
            item_free(it);
            fail(j, ret);
            continue;
        }
        sl->pending = it;
        next = (next + 1) % SLOTS;
        /* download the other slot (the previous frame) while this one runs */
        if ((ret = finish_slot(j, &j->slot[next])) < 0) fail(j, ret);
    }
    for (int k = 0; k < SLOTS; k++) {
        gpu_slot *sl = &j->slot[(next + k) % SLOTS];
        if (atomic_load(&j->failed)) {
            if (sl->pending) wait_slot(j, sl);
            item_free(sl->pending);
            sl->pending = NULL;
        } else if ((ret = finish_slot(j, sl)) < 0) {
            fail(j, ret);
        }
    }
    pl_queue_close(j->q_enc);
    return atomic_load(&j->failed);
}

/* --- the job ------------------------------------------------------------------------ */

static void job_free(job *j)
{
    for (int s = 0; s < SLOTS; s++) {
        if (j->slot[s].pending) {
            wait_slot(j, &j->slot[s]);
            item_free(j->slot[s].pending);
        }
    }
    free_gpu(j);
    pl_queue_destroy(&j->q_dec, item_free);
    pl_queue_destroy(&j->q_enc, item_free);
    pl_output_close(&j->out);
    pl_input_close(&j->in);
    av_buffer_pool_uninit(&j->frame_pool);
}

static int prepare_png(job *j)
{
    const pl_stylize_opts *o = j->o;
    int ret = pl_seq_check_pattern(o->output.path);
    if (ret < 0) return ret;
    if ((ret = pl_seq_make_folder(o->output.path)) < 0) return ret;
    if (o->resume) {
        j->skip_frames = pl_seq_last_complete(o->output.path);
        if (j->skip_frames < 0) return (int)j->skip_frames;
        if (j->skip_frames > 0)
            vg_info("resuming %s after frame %lld", o->output.path, (long long)j->skip_frames);
        return VG_OK;
    }
    return pl_seq_check_overwrite(o->output.path, o->output.overwrite);
}

/* After a failure midway (device lost, a read error in the input, ...): the frames encoded
 * so far become a playable file named as partial ("out.partial.mp4"); nothing goes to the
 * final path. Not when the output itself failed (its temporary file is removed). */
static void keep_partial(job *j)
{
    char name[4096];
    if (pl_output_finish_partial(j->out, name, sizeof(name)) == VG_OK)
        vg_warn("the %lld frames finished before the error are in %s",
                (long long)atomic_load(&j->frames_out), name);
}

int pl_stylize(gen_backend *be, gen_net *gen, const pl_stylize_opts *o, pl_stylize_result *r)
{
    job jb, *j = &jb;
    memset(j, 0, sizeof(*j));
    memset(r, 0, sizeof(*r));
    j->o = o;
    j->be = be;
    j->net = gen;
    j->t0 = vg_time_now();
    int ret;

    if (o->png && (ret = prepare_png(j)) < 0) return ret;
    if ((ret = pl_input_open(&o->input, &j->in)) < 0) goto done;
    j->vi = pl_input_video(j->in);
    if (!o->png) {
        pl_video_info out = *j->vi;
        if (out.rotation == 90 || out.rotation == 270) {
            out.width = j->vi->height;
            out.height = j->vi->width;
        }
        out.rotation = 0;
        if ((ret = pl_output_open(&o->output, j->in, &out, &j->out)) < 0) goto done;
    }
    if ((ret = pl_queue_create(QUEUE_ITEMS, &j->q_dec)) < 0 ||
        (ret = pl_queue_create(QUEUE_ITEMS, &j->q_enc)) < 0)
        goto done;

    r->frames_total = j->vi->nb_frames;
    vg_progress_init(&j->progress, o->progress, NULL, "stylize",
                     j->vi->nb_frames > 0 ? j->vi->nb_frames : 0, "frames");
    if (pthread_create(&j->dec_thread, NULL, decode_main, j) != 0 ||
        pthread_create(&j->enc_thread, NULL, encode_main, j) != 0) {
        ret = VG_ERR_NOMEM;
        atomic_store(&j->stopped, 1);
        pl_queue_close(j->q_dec);
        pl_queue_close(j->q_enc);
    } else {
        j->dec_started = j->enc_started = 1;
        ret = gpu_loop(j);
    }
    if (j->dec_started) pthread_join(j->dec_thread, NULL);
    if (j->enc_started) pthread_join(j->enc_thread, NULL);
    if (ret == VG_OK) ret = atomic_load(&j->failed);
    /* a failure before the output was finished keeps what was done; a failing finish
       (the trailer, the rename) has already removed its temporary file */
    int partial = 0;
    if (ret == VG_OK && j->out)
        ret = pl_output_finish(j->out);
    else if (ret < 0 && j->out && atomic_load(&j->frames_out) > 0)
        partial = 1;
    vg_progress_finish(&j->progress, ret);
    if (partial) keep_partial(j);

    r->frames_in = atomic_load(&j->frames_in);
    r->frames_out = atomic_load(&j->frames_out) + j->skip_frames;
    r->interrupted = o->stop && *o->stop;
done:
    r->seconds = vg_time_now() - j->t0;
    job_free(j);
    return ret;
}
