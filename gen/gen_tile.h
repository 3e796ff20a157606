/*
 * gen_tile.h - generator inference on frames too large for a memory budget: the frame is
 * cut into tiles (cores that partition it, each with a context margin), every tile runs
 * with instance-norm statistics of the WHOLE frame, and the tiles' outputs are blended
 * with feathered edges, so no seam shows. docs/stylize.md ("Big frames: tiling") has the
 * algorithm and its cost.
 *
 * Statistics: an untiled run on the frame box-downscaled to fit the budget estimates
 * them. Then, exact mode (the default), one pass per norm layer i runs every tile up to
 * layer i's input, with layers before i normalized by their exact statistics from the
 * earlier passes, and accumulates the moments of that input on the cores (sums shifted by
 * the estimate in float per tile, added up in double on the host): layer i is exact. A
 * single pass over all layers with estimated statistics is not enough: every layer's input
 * depends on the statistics of all layers before it, and a deep generator amplifies their
 * errors (measured: worse than the estimate alone). The final pass writes the output.
 *
 * What it is not: a training path (no backward), or a memory manager: the budget covers
 * the graphs' activations (gen_graph_bytes), not the frame tensors or conv scratch.
 */
#ifndef GEN_TILE_H
#define GEN_TILE_H

#include <stddef.h>

#include "gen/gen_net.h"

#define GEN_TILE_BAND 16 /* default feather width in pixels */

typedef struct gen_tile_config {
    size_t budget; /* bytes of graph memory: the tile graph and the estimate graph together */
    int exact;     /* 1 (default): exact statistics, one truncated pass per norm layer;
                      0: the downscaled estimate only (one pass, approximate) */
    int margin;    /* context around each core in pixels, a multiple of 4; 0 (default): the
                      receptive radius plus half the band, so tiles are exact */
    int band;      /* feather width in pixels, even (default GEN_TILE_BAND) */
} gen_tile_config;

void gen_tile_config_default(gen_tile_config *c);

/* One tile: its input window starts at (ox, oy) of the frame (ox may be outside the frame
 * when the frame wraps along x); its core [x0, x1) x [y0, y1) is the part of the frame it
 * is responsible for. Cores partition the frame; all are multiples of 4. */
typedef struct gen_tile {
    int ox, oy;
    int x0, y0, x1, y1;
} gen_tile;

typedef struct gen_tile_plan {
    int h, w;          /* frame: the network input size, multiples of 4 */
    int th, tw;        /* tile graph size, multiples of 4 */
    int nx, ny, count; /* tiles along x, along y, in all */
    int margin, band;  /* context and feather width (pixels) */
    int wrap_x;        /* the frame wraps along x (360, circular padding) and nx > 1 */
    int exact;         /* exact statistics (gen_tile_config) */
    int est_f;         /* estimate: box factor (>= 2) ... */
    int est_h, est_w;  /* ... and its graph size */
    size_t tile_bytes; /* graph memory of the tile graph ... */
    size_t est_bytes;  /* ... and of the estimate graph */
    size_t min_budget; /* a budget that plans, within 4/3 of the least one (for messages) */
} gen_tile_plan;

/*
 * Plans tiles for an h x w frame (multiples of 4) of generator n with its current padding
 * (GEN_PAD_CIRCULAR_X: tiles wrap along x). Minimises the pixels processed per pass.
 * Returns VG_OK, or VG_ERR_LIMIT when nothing fits cfg->budget (p->min_budget then says
 * what would), VG_ERR_INVALID for a bad config (band over twice the margin, odd band,
 * margin not a multiple of 4).
 */
int gen_tile_plan_make(const gen_net *n, int h, int w, const gen_tile_config *cfg,
                       gen_tile_plan *p);
/* Tile i (0 .. count - 1, row major). */
void gen_tile_get(const gen_tile_plan *p, int i, gen_tile *t);

typedef struct gen_tiler gen_tiler;

/*
 * Creates what the plan needs on n's backend: the tile graph (fixed statistics), the
 * estimate graph, the moment accumulators and the programs (estimate, one per norm layer
 * in exact mode, final pass), compiled once. in, out: (1, 3, h, w) frame tensors owned by the
 * caller, which must outlive the tiler. Returns VG_OK, VG_ERR_LIMIT (a tensor beyond the device's
 * binding limits: plan smaller tiles; nothing logged) or another error.
 */
int gen_tiler_create(gen_net *n, const gen_tile_plan *p, gen_tensor in, gen_tensor out,
                     gen_tiler **t);
void gen_tiler_destroy(gen_tiler **t);
const gen_tile_plan *gen_tiler_plan(const gen_tiler *t);

/*
 * Runs the tiled generator on the frame in `in` into `out`: submits the estimate, waits,
 * runs the statistics passes (each waits, then uploads one layer's statistics) and
 * submits the final pass without waiting (gen_tiler_wait, or wait on any later submission: one
 * queue runs in order). Earlier submissions that write `in` run first. Allocates nothing.
 */
int gen_tiler_run(gen_tiler *t);
int gen_tiler_wait(gen_tiler *t);

#endif /* GEN_TILE_H */
