/*
 * pl_train.c - the training job (see pl_train.h and docs/training.md).
 *
 * Four programs are recorded once and replayed every step:
 *   prog_ae  autoencoder step: G(x) -> L1 to x -> backward -> Adam(G)
 *   prog_e   copies G into the frozen feature extractor E (once, after phase 1)
 *   prog_g   GAN generator step: y = G(x); adversarial (D on y), content (E features of
 *            y vs x), style (Gram of E features vs those of style crops), colour (Gram
 *            of RGB vs the style's), total variation and temporal terms -> one gradient
 *            on y -> backward -> Adam(G)
 *   prog_d   discriminator step: LSGAN on style crops (real) and y (fake) -> Adam(D)
 * Batches come from pl_dataset as a pure function of (seed, step), and every kernel is
 * deterministic, so a resumed run retraces an uninterrupted one.
 */
#include "pipeline/pl_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_file.h"
#include "common/vg_log.h"
#include "common/vg_time.h"
#include "gen/gen_model.h"
#include "gen/gen_net.h"
#include "pipeline/pl_dataset.h"
#include "pipeline/pl_png.h"
#include "pipeline/pl_train_report.h"

#define CKPT_FORMAT "vrgen-checkpoint-1"

void pl_train_opts_default(pl_train_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->ae_steps = 600;
    o->steps = 400;
    o->size = 128;
    o->batch = 2;
    o->width = 16;
    o->blocks = 5;
    o->dwidth = 32;
    o->lr = 2e-4;
    o->lr_d = 4e-4;
    o->seed = 1;
    o->w_adv = 2.0;
    o->w_content = 1.0;
    o->w_style = 3000.0;
    o->w_colour = 3000.0;
    o->w_tv = 1.0;
    o->w_temporal = 300.0;
    o->label_real = 0.9;
    o->preview_every = 100;
    o->checkpoint_every = 200;
    o->frames_per_video = 48;
}

/* Loss slots (one float each, 64 apart so every slot is an aligned tensor). */
enum { L_AE, L_ADV, L_CONTENT, L_STYLE, L_COLOUR, L_TV, L_TEMPORAL, L_D_REAL, L_D_FAKE, L_COUNT };
static const char *const loss_names[L_COUNT] = {"ae_l1", "adv",      "content", "style", "colour",
                                                "tv",    "temporal", "d_real",  "d_fake"};

typedef struct trainer {
    const pl_train_opts *o;
    gen_backend *be;
    pl_dataset *data;
    gen_net *G, *E, *D;
    gen_graph *g, *e_x, *e_y, *e_s, *d_real, *d_fake;
    gen_prog *prog_ae, *prog_e, *prog_g, *prog_d;
    gen_buf *aux;
    gen_tensor style, xdiff, tmp, tmpgrad, losses, hyper_g, hyper_d;
    gen_tensor gram_y, gram_s, dgram, gram_fy, gram_fs, dgram_f;
    int b2, half; /* images per G batch; the temporal pair splits it in halves */
    size_t img;   /* floats per image */
    float *host_x, *host_s, *host_diff;
    int64_t step;     /* steps completed (autoencoder + GAN) */
    int64_t g_t, d_t; /* Adam steps per network */
    int e_ready;
    double loss[L_COUNT];
    char ckpt_path[4096], base[4096];
    pl_train_report rep;
} trainer;

static gen_tensor loss_slot(const trainer *t, int i)
{
    gen_tensor s = t->losses;
    s.off += (size_t)i * 64;
    s.w = 1;
    return s;
}

static gen_tensor half_of(gen_tensor x, int which)
{
    gen_tensor h = x;
    h.n = x.n / 2;
    h.off += (size_t)which * h.n * x.c * x.h * x.w;
    return h;
}

/* --- building ----------------------------------------------------------------------- */

static int make_graphs(trainer *t)
{
    const pl_train_opts *o = t->o;
    int S = o->size, ret;
    if ((ret = gen_graph_create(t->G, t->b2, S, S, GEN_GRAPH_TRAIN, &t->g)) < 0 ||
        (ret = gen_graph_create(t->E, t->b2, S, S, 0, &t->e_x)) < 0 ||
        (ret = gen_graph_create(t->E, t->b2, S, S, GEN_GRAPH_TRAIN, &t->e_y)) < 0 ||
        (ret = gen_graph_create(t->E, t->b2, S, S, 0, &t->e_s)) < 0 ||
        (ret = gen_graph_create(t->D, t->b2, S, S, GEN_GRAPH_TRAIN, &t->d_real)) < 0 ||
        (ret = gen_graph_create(t->D, t->b2, S, S, GEN_GRAPH_TRAIN, &t->d_fake)) < 0)
        return ret;
    gen_tensor f = gen_graph_feature(t->e_y);
    gen_arena a = {0};
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        t->style = gen_arena_take(&a, t->b2, 3, S, S);
        t->xdiff = gen_arena_take(&a, t->half, 3, S, S);
        t->tmp = gen_arena_take(&a, t->half, 3, S, S);
        t->tmpgrad = gen_arena_take(&a, t->half, 3, S, S);
        t->losses = gen_arena_take(&a, 1, 1, 1, 64 * L_COUNT);
        t->hyper_g = gen_arena_take(&a, 1, 1, 1, GEN_ADAM_HYPER_LEN);
        t->hyper_d = gen_arena_take(&a, 1, 1, 1, GEN_ADAM_HYPER_LEN);
        t->gram_y = gen_arena_take(&a, 1, t->b2, 3, 3);
        t->gram_s = gen_arena_take(&a, 1, t->b2, 3, 3);
        t->dgram = gen_arena_take(&a, 1, t->b2, 3, 3);
        t->gram_fy = gen_arena_take(&a, 1, t->b2, f.c, f.c);
        t->gram_fs = gen_arena_take(&a, 1, t->b2, f.c, f.c);
        t->dgram_f = gen_arena_take(&a, 1, t->b2, f.c, f.c);
        if (pass == 0 && (ret = gen_buf_create(t->be, a.used, &a.buf)) < 0) return ret;
    }
    t->aux = a.buf;
    return VG_OK;
}

static void adam(gen_prog *p, gen_net *n, gen_tensor hyper)
{
    gen_adam_update(p, gen_net_params_flat(n), gen_net_grads_flat(n), gen_net_m_flat(n),
                    gen_net_v_flat(n), hyper);
}

static int record(trainer *t)
{
    const pl_train_opts *o = t->o;
    int ret;
    gen_tensor x = gen_graph_input(t->g), y = gen_graph_output(t->g), dy = gen_graph_doutput(t->g);

    /* autoencoder: L1 reconstruction */
    if ((ret = gen_prog_create(t->be, &t->prog_ae)) < 0) return ret;
    gen_prog *p = t->prog_ae;
    gen_fill(p, gen_net_grads_flat(t->G), 0.0f);
    gen_graph_forward(t->g, p);
    gen_l1_forward(p, loss_slot(t, L_AE), y, x);
    gen_l1_backward(p, dy, y, x, 1.0f, 0);
    gen_graph_backward(t->g, p, 0);
    adam(p, t->G, t->hyper_g);
    if ((ret = gen_prog_compile(p)) < 0) return ret;

    /* freeze: E = G */
    if ((ret = gen_prog_create(t->be, &t->prog_e)) < 0) return ret;
    gen_axpby(t->prog_e, gen_net_params_flat(t->E), 1.0f, gen_net_params_flat(t->G), 0.0f);
    if ((ret = gen_prog_compile(t->prog_e)) < 0) return ret;

    /* GAN generator step */
    if ((ret = gen_prog_create(t->be, &t->prog_g)) < 0) return ret;
    p = t->prog_g;
    gen_tensor ey_in = gen_graph_input(t->e_y), dfy = gen_graph_dfeature(t->e_y);
    gen_tensor fy = gen_graph_feature(t->e_y), fx = gen_graph_feature(t->e_x);
    gen_tensor fs = gen_graph_feature(t->e_s), dd_in = gen_graph_input(t->d_fake);
    gen_fill(p, gen_net_grads_flat(t->G), 0.0f);
    gen_graph_forward(t->g, p);
    gen_axpby(p, gen_graph_input(t->e_x), 1.0f, x, 0.0f);
    gen_graph_forward_encoder(t->e_x, p);
    gen_axpby(p, ey_in, 1.0f, y, 0.0f);
    gen_graph_forward_encoder(t->e_y, p);
    gen_axpby(p, gen_graph_input(t->e_s), 1.0f, t->style, 0.0f);
    gen_graph_forward_encoder(t->e_s, p);
    gen_axpby(p, dd_in, 1.0f, y, 0.0f);
    gen_graph_forward(t->d_fake, p);
    /* loss values (for the log; gradients below) */
    gen_tensor dout = gen_graph_output(t->d_fake), ddout = gen_graph_doutput(t->d_fake);
    gen_lsgan_forward(p, loss_slot(t, L_ADV), dout, 1.0f);
    gen_mse_forward(p, loss_slot(t, L_CONTENT), fy, fx);
    gen_gram_forward(p, t->gram_fy, fy);
    gen_gram_forward(p, t->gram_fs, fs);
    gen_mse_forward(p, loss_slot(t, L_STYLE), t->gram_fy, t->gram_fs);
    gen_gram_forward(p, t->gram_y, y);
    gen_gram_forward(p, t->gram_s, t->style);
    gen_mse_forward(p, loss_slot(t, L_COLOUR), t->gram_y, t->gram_s);
    gen_tv_forward(p, loss_slot(t, L_TV), y);
    /* temporal: (y1 - y0) should change like (x1 - x0); xdiff is uploaded */
    gen_tensor y0 = half_of(y, 0), y1 = half_of(y, 1);
    gen_axpby(p, t->tmp, 1.0f, y1, 0.0f);
    gen_axpby(p, t->tmp, -1.0f, y0, 1.0f);
    gen_mse_forward(p, loss_slot(t, L_TEMPORAL), t->tmp, t->xdiff);
    /* gradient on y: tv, colour, temporal, then adversarial and feature terms */
    gen_tv_backward(p, dy, y, (float)o->w_tv, 0);
    gen_mse_backward(p, t->dgram, t->gram_y, t->gram_s, (float)o->w_colour, 0);
    gen_gram_backward(p, dy, t->dgram, y, 1);
    gen_mse_backward(p, t->tmpgrad, t->tmp, t->xdiff, (float)o->w_temporal, 0);
    gen_axpby(p, half_of(dy, 1), 1.0f, t->tmpgrad, 1.0f);
    gen_axpby(p, half_of(dy, 0), -1.0f, t->tmpgrad, 1.0f);
    gen_lsgan_backward(p, ddout, dout, 1.0f, (float)o->w_adv, 0);
    gen_graph_backward(t->d_fake, p, GEN_BWD_DINPUT | GEN_BWD_NO_PARAMS);
    gen_axpby(p, dy, 1.0f, gen_graph_dinput(t->d_fake), 1.0f);
    gen_mse_backward(p, dfy, fy, fx, (float)o->w_content, 0);
    gen_mse_backward(p, t->dgram_f, t->gram_fy, t->gram_fs, (float)o->w_style, 0);
    gen_gram_backward(p, dfy, t->dgram_f, fy, 1);
    gen_graph_backward(t->e_y, p, GEN_BWD_FROM_FEATURE | GEN_BWD_NO_PARAMS | GEN_BWD_DINPUT);
    gen_axpby(p, dy, 1.0f, gen_graph_dinput(t->e_y), 1.0f);
    gen_graph_backward(t->g, p, 0);
    adam(p, t->G, t->hyper_g);
    if ((ret = gen_prog_compile(p)) < 0) return ret;

    /* discriminator step (y from the generator step just run) */
    if ((ret = gen_prog_create(t->be, &t->prog_d)) < 0) return ret;
    p = t->prog_d;
    gen_tensor rout = gen_graph_output(t->d_real), drout = gen_graph_doutput(t->d_real);
    gen_fill(p, gen_net_grads_flat(t->D), 0.0f);
    gen_axpby(p, gen_graph_input(t->d_real), 1.0f, t->style, 0.0f);
    gen_graph_forward(t->d_real, p);
    gen_lsgan_forward(p, loss_slot(t, L_D_REAL), rout, (float)o->label_real);
    gen_lsgan_backward(p, drout, rout, (float)o->label_real, 0.5f, 0);
    gen_graph_backward(t->d_real, p, 0);
    gen_axpby(p, dd_in, 1.0f, y, 0.0f);
    gen_graph_forward(t->d_fake, p);
    gen_lsgan_forward(p, loss_slot(t, L_D_FAKE), dout, 0.0f);
    gen_lsgan_backward(p, ddout, dout, 0.0f, 0.5f, 0);
    gen_graph_backward(t->d_fake, p, 0);
    adam(p, t->D, t->hyper_d);
    return gen_prog_compile(p);
}

/* --- checkpoints -------------------------------------------------------------------- */

static int add_net(gen_st_writer *w, gen_net *n, const char *prefix, int moments)
{
    float *host = NULL;
    int ret = VG_OK;
    for (int i = 0; ret == VG_OK && i < gen_net_param_count(n); i++) {
        const gen_param *p = gen_net_param(n, i);
        size_t len = gen_tensor_len(p->p);
        float *h = realloc(host, len * sizeof(float));
        if (!h) {
            ret = VG_ERR_NOMEM;
            break;
        }
        host = h;
        int64_t shape[1] = {(int64_t)len};
        const gen_tensor views[3] = {p->p, p->m, p->v};
        const char *kinds[3] = {"p", "m", "v"};
        for (int k = 0; ret == VG_OK && k < (moments ? 3 : 1); k++) {
            char name[128];
            snprintf(name, sizeof(name), "%s.%s/%s", prefix, kinds[k], p->name);
            ret = gen_tensor_download(gen_net_backend(n), views[k], host);
            if (ret == VG_OK) ret = gen_st_writer_add_f32(w, name, 1, shape, host);
        }
    }
    free(host);
    return ret;
}

static int save_checkpoint(trainer *t)
{
    gen_st_writer *w = gen_st_writer_create();
    char num[4][32];
    if (!w) return VG_ERR_NOMEM;
    snprintf(num[0], sizeof(num[0]), "%lld", (long long)t->step);
    snprintf(num[1], sizeof(num[1]), "%lld", (long long)t->g_t);
    snprintf(num[2], sizeof(num[2]), "%lld", (long long)t->d_t);
    snprintf(num[3], sizeof(num[3]), "%d", t->e_ready);
    int ret = gen_st_writer_meta(w, "format", CKPT_FORMAT);
    if (ret == VG_OK) ret = gen_st_writer_meta(w, "step", num[0]);
    if (ret == VG_OK) ret = gen_st_writer_meta(w, "g_t", num[1]);
    if (ret == VG_OK) ret = gen_st_writer_meta(w, "d_t", num[2]);
    if (ret == VG_OK) ret = gen_st_writer_meta(w, "e_ready", num[3]);
    if (ret == VG_OK) ret = add_net(w, t->G, "G", 1);
    if (ret == VG_OK) ret = add_net(w, t->D, "D", 1);
    if (ret == VG_OK && t->e_ready) ret = add_net(w, t->E, "E", 0);
    if (ret == VG_OK) ret = gen_st_writer_save(w, t->ckpt_path, 1);
    gen_st_writer_destroy(&w);
    return ret;
}

static int load_net(gen_st_file *f, gen_net *n, const char *prefix, int moments)
{
    float *host = NULL;
    int ret = VG_OK;
    for (int i = 0; ret == VG_OK && i < gen_net_param_count(n); i++) {
        const gen_param *p = gen_net_param(n, i);
        size_t len = gen_tensor_len(p->p);
        float *h = realloc(host, len * sizeof(float));
        if (!h) {
            ret = VG_ERR_NOMEM;
            break;
        }
        host = h;
        int64_t shape[1] = {(int64_t)len};
        const gen_tensor views[3] = {p->p, p->m, p->v};
        const char *kinds[3] = {"p", "m", "v"};
        for (int k = 0; ret == VG_OK && k < (moments ? 3 : 1); k++) {
            char name[128];
            snprintf(name, sizeof(name), "%s.%s/%s", prefix, kinds[k], p->name);
            ret = gen_st_read_f32(f, name, 1, shape, host);
            if (ret == VG_OK) ret = gen_tensor_upload(gen_net_backend(n), views[k], host);
        }
    }
    free(host);
    return ret;
}

static int meta_i64(gen_st_file *f, const char *key, int64_t *v)
{
    const char *s = gen_st_meta(f, key);
    char *end;
    if (!s) return VG_ERR_FORMAT;
    long long x = strtoll(s, &end, 10);
    if (*end || x < 0) return VG_ERR_FORMAT;
    *v = x;
    return VG_OK;
}

static int load_checkpoint(trainer *t)
{
    gen_st_file *f = NULL;
    int ret = gen_st_load(t->ckpt_path, &f);
    if (ret < 0) {
        if (ret == VG_ERR_NOT_FOUND)
            vg_error("vrgen train: --resume: no checkpoint %s (start without --resume)",
                     t->ckpt_path);
        return ret;
    }
    const char *format = gen_st_meta(f, "format");
    int64_t e_ready = 0;
    if (!format || strcmp(format, CKPT_FORMAT) != 0 || meta_i64(f, "step", &t->step) < 0 ||
        meta_i64(f, "g_t", &t->g_t) < 0 || meta_i64(f, "d_t", &t->d_t) < 0 ||
        meta_i64(f, "e_ready", &e_ready) < 0) {
        vg_error("%s: not a vrgen checkpoint", t->ckpt_path);
        ret = VG_ERR_FORMAT;
    }
    if (ret == VG_OK) ret = load_net(f, t->G, "G", 1);
    if (ret == VG_OK) ret = load_net(f, t->D, "D", 1);
    if (ret == VG_OK && e_ready) ret = load_net(f, t->E, "E", 0);
    if (ret == VG_OK) t->e_ready = (int)e_ready;
    if (ret == VG_ERR_NOT_FOUND || ret == VG_ERR_FORMAT)
        vg_error("%s: does not match this training configuration (use the same --width, "
                 "--blocks, --dwidth as the interrupted run)",
                 t->ckpt_path);
    gen_st_destroy(&f);
    if (ret == VG_OK) vg_info("resuming %s at step %lld", t->ckpt_path, (long long)t->step);
    return ret;
}

/* --- steps -------------------------------------------------------------------------- */

static void hyper(float *h, double lr, int64_t t)
{
    memset(h, 0, GEN_ADAM_HYPER_LEN * sizeof(float));
    h[GEN_ADAM_LR] = (float)lr;
    h[GEN_ADAM_B1] = 0.5f;
    h[GEN_ADAM_B2] = 0.999f;
    h[GEN_ADAM_EPS] = 1e-8f;
    h[GEN_ADAM_WD] = 0.0f;
    h[GEN_ADAM_BC1] = (float)(1.0 - pow(0.5, (double)t));
    h[GEN_ADAM_BC2] = (float)(1.0 - pow(0.999, (double)t));
    h[GEN_ADAM_DECOUPLED] = 1.0f;
}

/* Learning rate: constant, then linear decay to 10% over the last half of the phase. */
static double schedule(double lr, int64_t i, int64_t n)
{
    if (n <= 1 || i < n / 2) return lr;
    double f = (double)(i - n / 2) / (double)(n - n / 2);
    return lr * (1.0 - 0.9 * f);
}

static int upload_batch(trainer *t)
{
    const pl_train_opts *o = t->o;
    int b = t->half;
    /* content: first half frames t, second half frames t+1 (same crops) */
    pl_dataset_content(t->data, o->seed, t->step, b, t->host_x, t->host_x + (size_t)b * t->img);
    pl_dataset_style(t->data, o->seed, t->step, t->b2, t->host_s);
    for (size_t i = 0; i < (size_t)b * t->img; i++)
        t->host_diff[i] = t->host_x[(size_t)b * t->img + i] - t->host_x[i];
    int ret = gen_tensor_upload(t->be, gen_graph_input(t->g), t->host_x);
    if (ret == VG_OK) ret = gen_tensor_upload(t->be, t->style, t->host_s);
    if (ret == VG_OK) ret = gen_tensor_upload(t->be, t->xdiff, t->host_diff);
    return ret;
}

/* Reads the loss slots [first, last] of this step; the others read as 0 (not computed). */
static int read_losses(trainer *t, int first, int last)
{
    float h[64 * L_COUNT];
    int ret = gen_tensor_download(t->be, t->losses, h);
    if (ret < 0) return ret;
    for (int i = 0; i < L_COUNT; i++) t->loss[i] = i >= first && i <= last ? h[i * 64] : 0.0;
    return VG_OK;
}

static int check_finite(trainer *t, int first, int last)
{
    for (int i = first; i <= last; i++)
        if (!isfinite(t->loss[i])) {
            vg_error("vrgen train: the %s loss became %g at step %lld: training diverged; the "
                     "last good checkpoint is %s (try a lower --lr)",
                     loss_names[i], t->loss[i], (long long)t->step + 1, t->ckpt_path);
            return VG_ERR_NAN;
        }
    return VG_OK;
}

static int ae_step(trainer *t)
{
    float h[GEN_ADAM_HYPER_LEN];
    int ret = upload_batch(t);
    if (ret < 0) return ret;
    hyper(h, schedule(t->o->lr * 5, t->step, t->o->ae_steps), t->g_t + 1);
    if ((ret = gen_tensor_upload(t->be, t->hyper_g, h)) < 0) return ret;
    if ((ret = gen_prog_run(t->prog_ae)) < 0) return ret;
    if ((ret = read_losses(t, L_AE, L_AE)) < 0) return ret;
    if ((ret = check_finite(t, L_AE, L_AE)) < 0) return ret;
    t->g_t++;
    return VG_OK;
}

static int gan_step(trainer *t)
{
    const pl_train_opts *o = t->o;
    float h[GEN_ADAM_HYPER_LEN];
    int ret;
    if (!t->e_ready) {
        if ((ret = gen_prog_run(t->prog_e)) < 0) return ret;
        t->e_ready = 1;
        t->g_t = 0; /* a fresh Adam state for the GAN phase */
        gen_prog *z = NULL;
        if ((ret = gen_prog_create(t->be, &z)) < 0) return ret;
        gen_fill(z, gen_net_m_flat(t->G), 0.0f);
        gen_fill(z, gen_net_v_flat(t->G), 0.0f);
        ret = gen_prog_compile(z);
        if (ret == VG_OK) ret = gen_prog_run(z);
        gen_prog_destroy(&z);
        if (ret < 0) return ret;
    }
    int64_t i = t->step - o->ae_steps;
    if ((ret = upload_batch(t)) < 0) return ret;
    hyper(h, schedule(o->lr, i, o->steps), t->g_t + 1);
    if ((ret = gen_tensor_upload(t->be, t->hyper_g, h)) < 0) return ret;
    hyper(h, schedule(o->lr_d, i, o->steps), t->d_t + 1);
    if ((ret = gen_tensor_upload(t->be, t->hyper_d, h)) < 0) return ret;
    if ((ret = gen_prog_run(t->prog_g)) < 0) return ret;
    if ((ret = gen_prog_run(t->prog_d)) < 0) return ret;
    if ((ret = read_losses(t, L_ADV, L_D_FAKE)) < 0) return ret;
    if ((ret = check_finite(t, L_ADV, L_D_FAKE)) < 0) return ret;
    t->g_t++;
    t->d_t++;
    return VG_OK;
}

/* --- the job ------------------------------------------------------------------------ */

static void trainer_free(trainer *t)
{
    gen_prog_destroy(&t->prog_ae);
    gen_prog_destroy(&t->prog_e);
    gen_prog_destroy(&t->prog_g);
    gen_prog_destroy(&t->prog_d);
    gen_graph_destroy(&t->g);
    gen_graph_destroy(&t->e_x);
    gen_graph_destroy(&t->e_y);
    gen_graph_destroy(&t->e_s);
    gen_graph_destroy(&t->d_real);
    gen_graph_destroy(&t->d_fake);
    gen_buf_destroy(&t->aux);
    gen_net_destroy(&t->G);
    gen_net_destroy(&t->E);
    gen_net_destroy(&t->D);
    pl_dataset_close(&t->data);
    free(t->host_x);
    free(t->host_s);
    free(t->host_diff);
    pl_train_report_close(&t->rep);
}

static int save_model(trainer *t)
{
    const pl_train_opts *o = t->o;
    char styles[4096] = "", opts[512], steps[32], losses[512] = "";
    size_t n = 0;
    for (int i = 0; i < pl_dataset_style_count(t->data) && n < sizeof(styles) - 200; i++) {
        const char *name, *sha;
        pl_dataset_style_info(t->data, i, &name, &sha);
        n += (size_t)snprintf(styles + n, sizeof(styles) - n, "%s%s sha256:%s", i ? ", " : "", name,
                              sha);
    }
    snprintf(opts, sizeof(opts),
             "ae_steps=%d steps=%d size=%d batch=%d width=%d blocks=%d dwidth=%d lr=%g "
             "lr_d=%g seed=%llu w_adv=%g w_content=%g w_style=%g w_colour=%g w_tv=%g "
             "w_temporal=%g label_real=%g",
             o->ae_steps, o->steps, o->size, o->batch, o->width, o->blocks, o->dwidth, o->lr,
             o->lr_d, (unsigned long long)o->seed, o->w_adv, o->w_content, o->w_style, o->w_colour,
             o->w_tv, o->w_temporal, o->label_real);
    snprintf(steps, sizeof(steps), "%lld", (long long)t->step);
    n = 0;
    for (int i = 0; i < L_COUNT; i++)
        n += (size_t)snprintf(losses + n, sizeof(losses) - n, "%s%s=%.6g", i ? " " : "",
                              loss_names[i], t->loss[i]);
    const char *meta[] = {"vrgen_version", VRGEN_VERSION, "style_images", styles, "training", opts,
                          "steps",         steps,         "final_losses", losses, NULL};
    return gen_model_save(t->G, o->output, meta, o->overwrite || o->resume);
}

int pl_train(gen_backend *be, const pl_train_opts *o, pl_train_result *r)
{
    trainer tr, *t = &tr;
    memset(t, 0, sizeof(*t));
    memset(r, 0, sizeof(*r));
    t->o = o;
    t->be = be;
    double t0 = vg_time_now();
    int ret;
    if (o->size % 8 || o->size < 32) {
        vg_error("vrgen train: --size %d: must be a multiple of 8, at least 32", o->size);
        return VG_ERR_INVALID;
    }
    if (!o->overwrite && !o->resume && vg_path_exists(o->output)) {
        vg_error("%s: already exists (use -y to overwrite)", o->output);
        return VG_ERR_EXISTS;
    }
    snprintf(t->ckpt_path, sizeof(t->ckpt_path), "%s.ckpt", o->output);
    snprintf(t->base, sizeof(t->base), "%s", o->output);
    char *dot = strrchr(t->base, '.');
    if (dot && !strchr(dot, '/')) *dot = '\0';

    pl_dataset_opts dopts = {.content = o->content,
                             .ncontent = o->ncontent,
                             .style = o->style,
                             .nstyle = o->nstyle,
                             .crop = o->size,
                             .max_side = o->size * 3,
                             .style_side = o->size * 3,
                             .frames_per_video = o->frames_per_video};
    if ((ret = pl_dataset_open(&dopts, &t->data)) < 0) goto done;

    t->half = o->batch;
    t->b2 = 2 * o->batch;
    t->img = (size_t)3 * o->size * o->size;
    gen_net_config gc, dc;
    gen_net_config_default(&gc, GEN_NET_GENERATOR);
    gc.width = o->width;
    gc.blocks = o->blocks;
    gen_net_config_default(&dc, GEN_NET_DISCRIMINATOR);
    dc.width = o->dwidth;
    if ((ret = gen_net_create(be, &gc, 1, &t->G)) < 0 ||
        (ret = gen_net_create(be, &gc, 1, &t->E)) < 0 ||
        (ret = gen_net_create(be, &dc, 1, &t->D)) < 0)
        goto done;
    if ((ret = gen_net_init(t->G, o->seed)) < 0 || (ret = gen_net_init(t->E, o->seed)) < 0 ||
        (ret = gen_net_init(t->D, o->seed + 1)) < 0)
        goto done;
    if ((ret = make_graphs(t)) < 0 || (ret = record(t)) < 0) goto done;
    t->host_x = malloc((size_t)t->b2 * t->img * sizeof(float));
    t->host_s = malloc((size_t)t->b2 * t->img * sizeof(float));
    t->host_diff = malloc((size_t)t->half * t->img * sizeof(float));
    if (!t->host_x || !t->host_s || !t->host_diff) {
        ret = VG_ERR_NOMEM;
        goto done;
    }
    if (o->resume && (ret = load_checkpoint(t)) < 0) goto done;
    if ((ret = pl_train_report_open(&t->rep, t->base, loss_names, L_COUNT,
                                    o->resume ? t->step : -1)) < 0)
        goto done;

    int64_t total = (int64_t)o->ae_steps + o->steps;
    /* test hook: behave as if interrupted after this step (deterministic resume tests) */
    const char *stop_env = getenv("VRGEN_TRAIN_STOP_AFTER");
    int64_t stop_after = stop_env ? atoll(stop_env) : -1;
    vg_progress pr;
    vg_progress_init(&pr, o->progress, NULL, "train", total, "steps");
    while (t->step < total) {
        if ((o->stop && *o->stop) || (stop_after >= 0 && t->step >= stop_after)) {
            r->interrupted = 1;
            break;
        }
        ret = t->step < o->ae_steps ? ae_step(t) : gan_step(t);
        if (ret < 0) break;
        t->step++;
        pl_train_report_row(&t->rep, t->step, t->step <= o->ae_steps ? "ae" : "gan", t->loss);
        char extra[96];
        if (t->step <= o->ae_steps)
            snprintf(extra, sizeof(extra), "ae %.4f", t->loss[L_AE]);
        else
            snprintf(extra, sizeof(extra), "adv %.3f content %.3f style %.3f D %.3f/%.3f",
                     t->loss[L_ADV], t->loss[L_CONTENT], t->loss[L_STYLE], t->loss[L_D_REAL],
                     t->loss[L_D_FAKE]);
        vg_progress_update(&pr, t->step, extra);
        if (o->checkpoint_every > 0 && t->step % o->checkpoint_every == 0 &&
            (ret = save_checkpoint(t)) < 0)
            break;
        if (o->preview_every > 0 && t->step % o->preview_every == 0)
            pl_train_report_preview(&t->rep, t->be, gen_graph_input(t->g), gen_graph_output(t->g),
                                    t->style);
    }
    vg_progress_finish(&pr, ret);
    if (ret == VG_ERR_NAN) goto done;
    if (ret == VG_OK && (r->interrupted || t->step < total)) {
        ret = save_checkpoint(t);
        if (ret == VG_OK)
            vg_info("vrgen train: checkpoint %s at step %lld; continue with --resume", t->ckpt_path,
                    (long long)t->step);
    } else if (ret == VG_OK) {
        ret = save_model(t);
        if (ret == VG_OK) {
            save_checkpoint(t);
            pl_train_report_plot(&t->rep);
        }
    }
    r->steps_done = t->step;
    for (int i = 0; i < 8 && i < L_COUNT; i++) r->last_losses[i] = t->loss[i];
done:
    r->seconds = vg_time_now() - t0;
    trainer_free(t);
    return ret;
}
