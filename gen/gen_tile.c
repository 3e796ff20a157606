/*
 * gen_tile.c - runs the generator over a big frame in tiles (gen_tile.h): creates the tile
 * and estimate graphs, the per-tile moment accumulators and the programs, and between
 * them turns moments into instance-norm statistics on the host, in double.
 *
 * Per frame: estimate program (box downscale, untiled forward: its statistics are the
 * first guess and the shift of the moment sums) -> exact mode: one program per norm layer
 * i (every tile up to layer i's input; layers before i use their exact statistics) ->
 * final program (every tile with the statistics, feathered into the output). The plan's
 * margin covers the receptive radius, so a tile's core equals the untiled result for the
 * same statistics: with exact statistics the tiled output is the untiled one up to float
 * rounding.
 */
#include "gen/gen_tile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"

struct gen_tiler {
    gen_net *net;
    gen_backend *be;
    gen_tile_plan plan;
    gen_tensor in, out; /* (1, 3, h, w), the caller's */
    gen_graph *tile;    /* (1, 3, th, tw), fixed statistics */
    gen_graph *est;     /* (1, 3, est_h, est_w), its own statistics */
    int nnorm;
    gen_buf *acc_buf; /* moments of tile i, norm layer l: acc[i * nnorm + l] (1, 1, c, 2) */
    gen_tensor *acc;
    gen_tensor acc_all; /* the whole accumulator buffer, flat */
    gen_prog *p_est, *p_final;
    gen_prog **p_norm; /* exact mode: per norm layer */
    float *host_acc;   /* acc_all's floats */
    float *host_stats; /* norm layer l: {mean, rstd} x c at stats_at[l] */
    size_t *stats_at;
};

static void record_estimate(gen_tiler *t, gen_prog *p)
{
    gen_window(p, gen_graph_input(t->est), t->in, 0, 0, t->plan.est_f,
               gen_net_get_config(t->net)->pad);
    gen_graph_forward(t->est, p);
}

/* Every tile up to norm layer `norm`'s input (norm -1: the final pass, feathered into out). */
static void record_tiles(gen_tiler *t, gen_prog *p, int norm)
{
    gen_pad_mode pad = gen_net_get_config(t->net)->pad;
    gen_fill(p, norm < 0 ? t->out : t->acc_all, 0.0f);
    for (int i = 0; i < t->plan.count; i++) {
        gen_tile g;
        gen_tile_get(&t->plan, i, &g);
        gen_window(p, gen_graph_input(t->tile), t->in, g.ox, g.oy, 1, pad);
        if (norm >= 0) {
            gen_moments_desc m = {&t->acc[(size_t)i * t->nnorm],
                                  norm,
                                  g.x0 - g.ox,
                                  g.y0 - g.oy,
                                  g.x1 - g.ox,
                                  g.y1 - g.oy};
            gen_graph_forward_moments(t->tile, p, &m);
            continue;
        }
        gen_graph_forward(t->tile, p);
        gen_blend_desc b = {g.ox, g.oy, g.x0, g.y0, g.x1, g.y1, t->plan.band, t->plan.wrap_x};
        gen_tile_blend(p, t->out, gen_graph_output(t->tile), &b);
    }
}

static int make_prog(gen_tiler *t, int norm, gen_prog **p)
{
    int ret = gen_prog_create(t->be, p);
    if (ret < 0) return ret;
    if (norm == -2)
        record_estimate(t, *p);
    else
        record_tiles(t, *p, norm);
    return gen_prog_try_compile(*p);
}

/* Accumulators (count x nnorm tensors shaped like the statistics) and host copies. */
static int make_buffers(gen_tiler *t)
{
    size_t nacc = (size_t)t->plan.count * t->nnorm;
    int ret;
    t->acc = calloc(nacc ? nacc : 1, sizeof(*t->acc));
    t->stats_at = calloc((size_t)t->nnorm + 1, sizeof(*t->stats_at));
    t->p_norm = calloc((size_t)t->nnorm + 1, sizeof(*t->p_norm));
    if (!t->acc || !t->stats_at || !t->p_norm) return VG_ERR_NOMEM;
    for (int l = 0; l < t->nnorm; l++)
        t->stats_at[l + 1] = t->stats_at[l] + gen_tensor_len(gen_graph_norm_stats(t->tile, l));
    gen_arena a = {0};
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        for (size_t i = 0; i < nacc; i++) {
            gen_tensor s = gen_graph_norm_stats(t->tile, (int)(i % t->nnorm));
            t->acc[i] = gen_arena_take(&a, s.n, s.c, s.h, s.w);
        }
        if (pass == 0 && (ret = gen_buf_create(t->be, a.used, &a.buf)) < 0) return ret;
    }
    t->acc_buf = a.buf;
    t->acc_all = (gen_tensor){a.buf, 0, 1, 1, 1, (int)gen_buf_len(a.buf)};
    t->host_acc = malloc(gen_buf_len(a.buf) * sizeof(float));
    t->host_stats = malloc((t->stats_at[t->nnorm] + 1) * sizeof(float));
    return t->host_acc && t->host_stats ? VG_OK : VG_ERR_NOMEM;
}

int gen_tiler_create(gen_net *n, const gen_tile_plan *plan, gen_tensor in, gen_tensor out,
                     gen_tiler **tp)
{
    *tp = NULL;
    VG_ASSERT(plan->count >= 1 && plan->count == plan->nx * plan->ny);
    VG_ASSERT(in.n == 1 && in.c == 3 && in.h == plan->h && in.w == plan->w);
    VG_ASSERT(out.n == 1 && out.c == 3 && out.h == plan->h && out.w == plan->w);
    gen_tiler *t = calloc(1, sizeof(*t));
    if (!t) return VG_ERR_NOMEM;
    t->net = n;
    t->be = gen_net_backend(n);
    t->plan = *plan;
    t->in = in;
    t->out = out;
    int ret = gen_graph_create(n, 1, plan->th, plan->tw,
                               GEN_GRAPH_FIXED_STATS | GEN_GRAPH_NO_FEATURE, &t->tile);
    if (ret == VG_OK)
        ret = gen_graph_create(n, 1, plan->est_h, plan->est_w, GEN_GRAPH_NO_FEATURE, &t->est);
    if (ret == VG_OK) {
        t->nnorm = gen_graph_norm_count(t->tile);
        ret = make_buffers(t);
    }
    if (ret == VG_OK) ret = make_prog(t, -2, &t->p_est);
    for (int l = 0; l < t->nnorm && plan->exact && ret == VG_OK; l++)
        ret = make_prog(t, l, &t->p_norm[l]);
    if (ret == VG_OK) ret = make_prog(t, -1, &t->p_final);
    if (ret < 0) {
        gen_tiler_destroy(&t);
        return ret;
    }
    *tp = t;
    return VG_OK;
}

void gen_tiler_destroy(gen_tiler **tp)
{
    if (!tp || !*tp) return;
    gen_tiler *t = *tp;
    gen_prog_destroy(&t->p_est);
    gen_prog_destroy(&t->p_final);
    for (int l = 0; t->p_norm && l < t->nnorm; l++) gen_prog_destroy(&t->p_norm[l]);
    gen_graph_destroy(&t->tile);
    gen_graph_destroy(&t->est);
    gen_buf_destroy(&t->acc_buf);
    free(t->p_norm);
    free(t->acc);
    free(t->stats_at);
    free(t->host_acc);
    free(t->host_stats);
    free(t);
    *tp = NULL;
}

const gen_tile_plan *gen_tiler_plan(const gen_tiler *t)
{
    return &t->plan;
}

static int upload_stats(gen_tiler *t, int l)
{
    return gen_tensor_upload(t->be, gen_graph_norm_stats(t->tile, l),
                             t->host_stats + t->stats_at[l]);
}

/*
 * Exact statistics of norm layer l from the moments of all cores, shifted by the means m
 * the device subtracted (the estimate): mean = m + S1/N, var = S2/N - (S1/N)^2, tiles
 * summed in double. The cores partition the frame: N is its pixel count at the layer's
 * scale.
 */
static void combine_moments(gen_tiler *t, int l)
{
    int s = gen_graph_norm_scale(t->tile, l);
    double npix = (double)(t->plan.h / s) * (double)(t->plan.w / s);
    float *st = t->host_stats + t->stats_at[l];
    size_t nc = (t->stats_at[l + 1] - t->stats_at[l]) / 2;
    for (size_t c = 0; c < nc; c++) {
        double s1 = 0.0, s2 = 0.0;
        for (int i = 0; i < t->plan.count; i++) {
            const float *a = t->host_acc + t->acc[(size_t)i * t->nnorm + l].off;
            s1 += a[2 * c];
            s2 += a[2 * c + 1];
        }
        double d = s1 / npix, var = s2 / npix - d * d;
        st[2 * c] = (float)((double)st[2 * c] + d);
        st[2 * c + 1] = (float)(1.0 / sqrt((var > 0.0 ? var : 0.0) + (double)GEN_IN_EPS));
    }
}

int gen_tiler_run(gen_tiler *t)
{
    int ret = gen_prog_run(t->p_est);
    for (int l = 0; l < t->nnorm && ret == VG_OK; l++) {
        ret = gen_tensor_download(t->be, gen_graph_norm_stats(t->est, l),
                                  t->host_stats + t->stats_at[l]);
        if (ret == VG_OK) ret = upload_stats(t, l);
    }
    for (int l = 0; l < t->nnorm && t->plan.exact && ret == VG_OK; l++) {
        ret = gen_prog_run(t->p_norm[l]);
        if (ret == VG_OK) ret = gen_tensor_download(t->be, t->acc_all, t->host_acc);
        if (ret == VG_OK) {
            combine_moments(t, l);
            ret = upload_stats(t, l);
        }
    }
    if (ret == VG_OK) ret = gen_prog_submit(t->p_final);
    return ret;
}

int gen_tiler_wait(gen_tiler *t)
{
    return gen_prog_wait(t->p_final);
}
