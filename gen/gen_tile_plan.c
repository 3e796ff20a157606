/*
 * gen_tile_plan.c - where the tiles of a big frame go: tile size within the memory
 * budget, cores that partition the frame, context margins, the estimate's downscale.
 * Pure geometry and arithmetic on gen_net_graph_bytes(); creates nothing on a device.
 */
#include "gen/gen_tile.h"

#include <string.h>

#include "common/vg_error.h"

#define MAX_ROWS_TRIED 64 /* tile-row counts searched exhaustively (then a few more) */
#define EST_F_MAX      16 /* largest box factor of the estimate (gen_window's limit) */

void gen_tile_config_default(gen_tile_config *c)
{
    memset(c, 0, sizeof(*c));
    c->exact = 1;
    c->band = GEN_TILE_BAND;
}

static int ceil4(int v)
{
    return (v + 3) / 4 * 4;
}

static size_t graph_bytes(const gen_net *n, int h, int w)
{
    return gen_net_graph_bytes(n, 1, h, w, GEN_GRAPH_FIXED_STATS | GEN_GRAPH_NO_FEATURE);
}

/* Tile extent along an axis of `len` pixels cut into k cores (multiples of 4, within 4 of
 * each other) with `margin` of context: the largest core plus both margins, or the whole
 * axis when one tile covers it (or the tile would be larger than the axis, without wrap). */
static int tile_extent(int len, int k, int margin, int wrap)
{
    if (k == 1) return len;
    int core = 4 * ((len / 4 + k - 1) / k), t = core + 2 * margin;
    return !wrap && t > len ? len : t;
}

/* The smallest core along an axis cut into k cores. */
static int min_core(int len, int k)
{
    return 4 * ((len / 4) / k);
}

/* Fewest cores along x (1 .. w / 4) whose tile fits `budget` with tiles th rows high; 0
 * when none does. One core takes the whole width; from two on, bytes fall as the cores
 * narrow, so a binary search finds the fewest. */
static int fewest_columns(const gen_net *n, int th, int w, int margin, int band, int wrap,
                          size_t budget)
{
    if (graph_bytes(n, th, w) <= budget) return 1;
    int lo = 2, hi = w / 4, best = 0;
    while (lo <= hi) {
        int k = (lo + hi) / 2;
        int ok = min_core(w, k) >= (band > 4 ? band : 4);
        if (ok && graph_bytes(n, th, tile_extent(w, k, margin, wrap)) <= budget) {
            best = k;
            hi = k - 1;
        } else if (ok) {
            lo = k + 1;
        } else {
            hi = k - 1; /* cores narrower than the band: fewer columns */
        }
    }
    return best;
}

/* The estimate: the smallest box factor f >= 2 whose downscaled frame fits `budget`. */
static int plan_estimate(const gen_net *n, gen_tile_plan *p, size_t budget)
{
    for (int f = 2; f <= EST_F_MAX; f++) {
        int eh = ceil4((p->h + f - 1) / f), ew = ceil4((p->w + f - 1) / f);
        size_t b = graph_bytes(n, eh, ew);
        if (b <= budget || f == EST_F_MAX) {
            p->est_f = f;
            p->est_h = eh;
            p->est_w = ew;
            p->est_bytes = b;
            return b <= budget;
        }
    }
    return 0;
}

int gen_tile_plan_make(const gen_net *n, int h, int w, const gen_tile_config *cfg, gen_tile_plan *p)
{
    memset(p, 0, sizeof(*p));
    if (h < 4 || w < 4 || h % 4 || w % 4 || cfg->margin < 0 || cfg->margin % 4 || cfg->band < 0 ||
        cfg->band % 2)
        return VG_ERR_INVALID;
    const int wrap = gen_net_get_config(n)->pad == GEN_PAD_CIRCULAR_X;
    p->h = h;
    p->w = w;
    p->band = cfg->band;
    p->exact = cfg->exact != 0;
    p->margin = cfg->margin ? cfg->margin : ceil4(gen_net_receptive_radius(n) + cfg->band / 2);
    if (p->band / 2 > p->margin) return VG_ERR_INVALID; /* the ramps need context */

    /* the finest cut: cores of at least the band (the ramps of a core must not overlap) */
    int core_min = p->band > 4 ? ceil4(p->band) : 4;
    int ky_max = (h / 4) / (core_min / 4), kx_max = (w / 4) / (core_min / 4);
    if (ky_max < 1) ky_max = 1;
    if (kx_max < 1) kx_max = 1;

    /* the smallest budget: the coarsest estimate and the finest tiles; the estimate takes
       at most a quarter (below), so the tile graph gets at least 3/4 */
    plan_estimate(n, p, 0);
    int tw_fine = tile_extent(w, kx_max, p->margin, wrap);
    size_t tmin = graph_bytes(n, tile_extent(h, ky_max, p->margin, 0), tw_fine < w ? tw_fine : w);
    p->min_budget = 4 * p->est_bytes;
    if (p->min_budget < p->est_bytes + tmin) p->min_budget = p->est_bytes + tmin;
    if (p->min_budget < tmin / 3 * 4 + 4) p->min_budget = tmin / 3 * 4 + 4;

    if (!plan_estimate(n, p, cfg->budget / 4) || p->est_bytes >= cfg->budget) return VG_ERR_LIMIT;
    size_t tb = cfg->budget - p->est_bytes;

    /* rows of tiles: every count up to MAX_ROWS_TRIED, the one of square tiles and the
       finest; for each the fewest columns that fit; keep the fewest pixels per pass */
    int cand[MAX_ROWS_TRIED + 2], ncand = 0;
    for (int k = 1; k <= ky_max && k <= MAX_ROWS_TRIED; k++) cand[ncand++] = k;
    int lo = 1, hi = (h < w ? h : w) / 4, side = 0;
    while (lo <= hi) { /* the largest square tile that fits */
        int s = (lo + hi) / 2;
        if (graph_bytes(n, 4 * s, 4 * s) <= tb)
            side = 4 * s, lo = s + 1;
        else
            hi = s - 1;
    }
    if (side > 2 * p->margin + 4) {
        int core = side - 2 * p->margin;
        int k = (h + core - 1) / core;
        if (k > MAX_ROWS_TRIED && k <= ky_max) cand[ncand++] = k;
    }
    if (ky_max > MAX_ROWS_TRIED) cand[ncand++] = ky_max;

    double best = -1.0;
    for (int i = 0; i < ncand; i++) {
        int ky = cand[i], th = tile_extent(h, ky, p->margin, 0);
        int kx = fewest_columns(n, th, w, p->margin, p->band, wrap, tb);
        if (!kx) continue;
        int tw = tile_extent(w, kx, p->margin, wrap);
        double cost = (double)kx * ky * th * tw;
        if (best < 0 || cost < best) {
            best = cost;
            p->nx = kx;
            p->ny = ky;
            p->th = th;
            p->tw = tw;
        }
    }
    if (best < 0) return VG_ERR_LIMIT;
    p->count = p->nx * p->ny;
    p->wrap_x = wrap && p->nx > 1;
    p->tile_bytes = graph_bytes(n, p->th, p->tw);
    return VG_OK;
}

/* Core k of `count` along an axis of len pixels: [c0, c1), multiples of 4. */
static void core_span(int len, int count, int k, int *c0, int *c1)
{
    *c0 = 4 * (int)((long long)k * (len / 4) / count);
    *c1 = 4 * (int)((long long)(k + 1) * (len / 4) / count);
}

/* Window start for a core [c0, c1) with tiles of `extent` on an axis of len: the margin
 * before the core, kept inside the axis unless it wraps. */
static int window_start(int c0, int extent, int len, int margin, int wrap)
{
    int o = c0 - margin;
    if (wrap) return o;
    if (o + extent > len) o = len - extent;
    return o < 0 ? 0 : o;
}

void gen_tile_get(const gen_tile_plan *p, int i, gen_tile *t)
{
    VG_ASSERT(i >= 0 && i < p->count);
    int kx = i % p->nx, ky = i / p->nx;
    core_span(p->w, p->nx, kx, &t->x0, &t->x1);
    core_span(p->h, p->ny, ky, &t->y0, &t->y1);
    t->ox = p->nx == 1 ? 0 : window_start(t->x0, p->tw, p->w, p->margin, p->wrap_x);
    t->oy = p->ny == 1 ? 0 : window_start(t->y0, p->th, p->h, p->margin, 0);
}
