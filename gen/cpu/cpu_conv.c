/*
 * cpu_conv.c - convolution forward and backward on the CPU backend: padding (every pad
 * mode, applied once per input plane, split into polyphase planes for stride 2), weight
 * packing, and the parallel schedule around the SIMD kernels of cpu_kern.inc.
 *
 * Forward: out[o][j] = sum_t w[o][t] * P[toff[t] + j] on the wide layout (cpu_kern.h).
 * Backward, with the gradient rule of gen_ops.h (dw, db +=; din = or += by acc):
 * - dw[o][t] += sum_j D[o][j] * P[toff[t] + j], D the output gradient in the wide layout
 *   with zeros in the thrown-away columns; the work is split by (output channel block, tap
 *   blocks), every sum runs over pixel chunks in one order (float within a chunk, double
 *   across chunks and images), so the result does not depend on the thread count;
 * - din: the gradient of the padded input, dP, is itself a stride-1 convolution of D
 *   (weights transposed and flipped, one output plane per polyphase plane), run by the
 *   forward kernel; folding dP back through the pad mode (border cells add into the
 *   pixels they copied) gives din.
 * Scratch comes from the program (sized at compile time); nothing is allocated here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_assert.h"
#include "gen/cpu/cpu_priv.h"

#define DW_CHUNK 4096 /* most flat pixels one float sum of the weight gradient spans */
#define DW_SLICE 8    /* tap blocks per weight-gradient item */

void cpu_conv_plan_init(cpu_conv_plan *cp, const gen_conv2d_desc *d, int backward,
                        const cpu_backend *be, size_t *scratch_len)
{
    if (!backward && cpu_conv_up_plan(cp, d, be, scratch_len)) return;
    if (!backward && cpu_conv_wino_plan(cp, d, be, scratch_len)) return;
    const cpu_kern *k = be->k;
    const int nthreads = be->nthreads;
    memset(cp, 0, sizeof(*cp));
    const int s = d->stride, K = d->k;
    const int blockmax = cpu_blockmax(k);
    cp->s = s;
    cp->hp = d->ih + 2 * d->pad;
    cp->wp = d->iw + 2 * d->pad;
    cp->hq = (cp->hp + s - 1) / s;
    cp->wq = (cp->wp + s - 1) / s;
    cp->nplanes = d->ic * s * s;
    cp->oh = gen_conv2d_oh(d);
    cp->ow = gen_conv2d_ow(d);
    cp->ps = (size_t)cp->hq * cp->wq;
    cp->nj = cp->oh * cp->wq;
    /* A forward pads only the input rows of one band of output rows at a time, into planes
     * of brows rows (psb floats apart): each worker pads and computes whole bands in its
     * own scratch, so there is no barrier inside a layer, and the scratch is a few MB per
     * worker instead of the whole padded input (266 MB for a 32-channel 1080p layer).
     * A band re-pads the rows it shares with the one before (the halo), so it is at least
     * two halos tall (four: no faster, 6 MB more at 1080p). With 3-row bands of 512 KiB,
     * padded by all workers, then computed by all (two barriers a band), the 720p generator
     * took 450 ms instead of 300. The backward, and inputs that fit one band, keep whole
     * planes. */
    const int halo = (blockmax + cp->wq - 1) / cp->wq + (K - 1) / s + 2;
    cp->band = CPU_BAND_FLOATS / (cp->nplanes * cp->wq);
    if (cp->band < 2 * halo) cp->band = 2 * halo;
    cp->brows = cp->band + halo;
    if (backward || cp->brows >= cp->hq) cp->brows = cp->hq;
    cp->nbands = cp->brows == cp->hq ? 0 : (cp->oh + cp->band - 1) / cp->band;
    cp->psb = (size_t)cp->brows * cp->wq;
    cp->in_len = cp->nplanes * (backward ? cp->ps : cp->psb) + 2 * (size_t)cp->wq +
                 2 * (size_t)blockmax + 64;
    cp->taps = d->ic * K * K;
    cp->toff = malloc(sizeof(int) * (size_t)cp->taps);
    VG_ASSERT(cp->toff);
    for (int i = 0, t = 0; i < d->ic; i++)
        for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++, t++)
                cp->toff[t] = (int)((i * s * s + (ky % s) * s + kx % s) * cp->psb +
                                    (size_t)(ky / s) * cp->wq + (size_t)(kx / s));
    cp->ocb = cpu_ocb_for(k, d->oc);
    cp->ocp = cpu_roundup(d->oc, cp->ocb);
    int blk = cpu_block_of(k, cp->ocb);
    cp->nblocks = (cp->nj + blk - 1) / blk;
    size_t off = 0;
    cp->off_in = off;
    off += cpu_align16(cp->in_len) * (cp->nbands ? (size_t)(nthreads < 1 ? 1 : nthreads) : 1);
    cp->off_w = off;
    off += cpu_align16((size_t)cp->ocp * cp->taps);
    if (backward) {
        cp->kh = (K + s - 1) / s;
        cp->dmargin = (size_t)(cp->kh - 1) * cp->wq + (size_t)(cp->kh - 1);
        cp->dstride = cpu_align16(2 * cp->dmargin + cp->ps + (size_t)blockmax + 64);
        cp->dw_ocp = cpu_roundup(d->oc, k->dw_ocb);
        cp->tapsp = cpu_roundup(cp->taps, k->dw_tb);
        cp->toff_dw = calloc((size_t)cp->tapsp, sizeof(int));
        VG_ASSERT(cp->toff_dw);
        memcpy(cp->toff_dw, cp->toff, sizeof(int) * (size_t)cp->taps);
        cp->bd_taps = d->oc * cp->kh * cp->kh;
        cp->toff_bd = malloc(sizeof(int) * (size_t)cp->bd_taps);
        VG_ASSERT(cp->toff_bd);
        for (int o = 0, t = 0; o < d->oc; o++)
            for (int dy = 0; dy < cp->kh; dy++)
                for (int dx = 0; dx < cp->kh; dx++, t++)
                    cp->toff_bd[t] = (int)(o * cp->dstride + (size_t)(cp->kh - 1 - dy) * cp->wq +
                                           (size_t)(cp->kh - 1 - dx));
        cp->bd_ocb = k->ocb8 && cp->nplanes % 8 == 0 ? 8 : 4;
        cp->bd_ocp = cpu_roundup(cp->nplanes, cp->bd_ocb);
        int bblk = cpu_block_of(k, cp->bd_ocb);
        cp->bd_nblocks = (int)((cp->ps + bblk - 1) / bblk);
        cp->off_dout = off;
        off += (size_t)cp->dw_ocp * cp->dstride;
        cp->off_dacc = off;
        off += cpu_align16((size_t)cp->dw_ocp * cp->tapsp * 2);
        cp->off_bdw = off;
        off += cpu_align16((size_t)cp->bd_ocp * cp->bd_taps);
        cp->off_dp = off;
        off += cpu_align16((size_t)cp->nplanes * cp->ps);
    }
    *scratch_len = off;
}

void cpu_conv_plan_fini(cpu_conv_plan *cp)
{
    free(cp->toff);
    free(cp->toff_dw);
    free(cp->toff_bd);
    cp->toff = cp->toff_dw = cp->toff_bd = NULL;
}

/* --- padding ------------------------------------------------------------------------ */

typedef struct pad_job {
    const cpu_kern *k;
    const gen_conv2d_desc *d;
    const cpu_conv_plan *cp;
    const float *src; /* one image (ic, ih, iw) */
    float *dst;
    int y0, y1; /* rows of every polyphase plane to write */
    size_t ps;  /* plane stride in dst */
    int rbase;  /* row y0 goes to row y0 - rbase of its plane in dst */
} pad_job;

/* Input channel i -> its s * s padded polyphase planes. */
static void pad_plane(void *ctx, int i, int worker)
{
    const pad_job *j = ctx;
    const gen_conv2d_desc *d = j->d;
    const cpu_conv_plan *cp = j->cp;
    const int s = cp->s, pad = d->pad, iw = d->iw;
    for (int py = 0; py < s; py++) {
        for (int px = 0; px < s; px++) {
            float *plane = j->dst + (size_t)(i * s * s + py * s + px) * j->ps;
            for (int Y = j->y0; Y < j->y1; Y++) {
                float *row = plane + (size_t)(Y - j->rbase) * cp->wq;
                int yp = Y * s + py;
                int sy = yp < cp->hp ? gen_pad_index(yp - pad, d->ih, d->pad_mode, 0) : -1;
                if (sy < 0) {
                    memset(row, 0, sizeof(float) * (size_t)cp->wq);
                    continue;
                }
                /* up2: the stored input is half size, read by nearest 2x */
                const int u = d->up2, sw = iw >> u;
                const float *sr = j->src + ((size_t)i * (d->ih >> u) + (sy >> u)) * sw;
                /* interior X: 0 <= X*s + px - pad < iw */
                int x0 = (pad - px + s - 1) / s, x1 = (iw + pad - px + s - 1) / s;
                if (x0 < 0) x0 = 0;
                if (x1 > cp->wq) x1 = cp->wq;
                if (x1 <= x0) {
                } else if (u && s == 1 && (x0 - pad) % 2 == 0) {
                    /* row[X] = sr[(X - pad) >> 1] (x0 = pad: the interior starts on a pair) */
                    j->k->dup2(row + x0, sr + (x0 - pad) / 2, x1 - x0);
                } else if (u) {
                    for (int X = x0; X < x1; X++) row[X] = sr[(X * s + px - pad) >> 1];
                } else if (s == 1) {
                    memcpy(row + x0, sr + x0 - pad, sizeof(float) * (size_t)(x1 - x0));
                } else if (s == 2) {
                    j->k->take2(row + x0, sr + 2 * x0 + px - pad, x1 - x0);
                } else {
                    for (int X = x0; X < x1; X++) row[X] = sr[X * s + px - pad];
                }
                for (int X = 0; X < cp->wq; X++) {
                    if (X == x0) X = x1 > x0 ? x1 : x0;
                    if (X >= cp->wq) break;
                    int xp = X * s + px;
                    int sx = xp < cp->wp ? gen_pad_index(xp - pad, iw, d->pad_mode, 1) : -1;
                    row[X] = sx < 0 ? 0.0f : sr[sx >> u];
                }
            }
        }
    }
}

static void pad_input(cpu_backend *be, const gen_conv2d_desc *d, const cpu_conv_plan *cp,
                      const float *src, float *dst)
{
    pad_job j = {be->k, d, cp, src, dst, 0, cp->hq, cp->ps, 0};
    cpu_pool_run(be->pool, d->ic, pad_plane, &j);
    size_t used = (size_t)cp->nplanes * cp->ps;
    memset(dst + used, 0, sizeof(float) * (cp->in_len - used));
}

/* wpk[ob][t][oo] = w[ob * ocb + oo][t], zero for padding channels. */
static void pack_weights(const float *w, int oc, int taps, int ocb, int ocp, float *wpk)
{
    for (int ob = 0; ob < ocp / ocb; ob++)
        for (int t = 0; t < taps; t++)
            for (int oo = 0; oo < ocb; oo++) {
                int o = ob * ocb + oo;
                wpk[((size_t)ob * taps + t) * ocb + oo] = o < oc ? w[(size_t)o * taps + t] : 0.0f;
            }
}

/* --- the forward kernel, in parallel over pixel blocks ------------------------------ */

typedef struct fwd_job {
    const cpu_kern *k;
    cpu_conv_args a;
    int nblocks, per;
    int first; /* blocks [first, nblocks) */
} fwd_job;

static void fwd_item(void *ctx, int item, int worker)
{
    const fwd_job *j = ctx;
    int b0 = j->first + item * j->per, b1 = b0 + j->per;
    if (b1 > j->nblocks) b1 = j->nblocks;
    j->k->conv_fwd(&j->a, b0, b1);
}

static void run_fwd(cpu_backend *be, fwd_job *j)
{
    int n = j->nblocks - j->first, items = 8 * be->nthreads;
    j->per = (n + items - 1) / items;
    if (j->per < 1) j->per = 1;
    cpu_pool_run(be->pool, (n + j->per - 1) / j->per, fwd_item, j);
}

/* Bands: item = one band of output rows, padded and computed by one worker in its own
 * part of the scratch. */
typedef struct band_job {
    const cpu_kern *k;
    const cpu_conv_plan *cp;
    pad_job pj;      /* the image's padding (dst, rows: per band) */
    cpu_conv_args a; /* the image's kernel arguments (in: per band) */
    float *P;        /* worker w's padded planes: P + w * stride */
    size_t stride;
    int blk, kk;
} band_job;

static void band_item(void *ctx, int item, int worker)
{
    const band_job *j = ctx;
    const cpu_conv_plan *cp = j->cp;
    const int blk = j->blk;
    const int y0 = item * cp->band, y1 = y0 + cp->band < cp->oh ? y0 + cp->band : cp->oh;
    /* the blocks whose first pixel lies in rows [y0, y1) */
    const int jb0 = (int)(((long)y0 * cp->wq + blk - 1) / blk);
    const int jb1 = y1 == cp->oh ? cp->nblocks : (int)(((long)y1 * cp->wq + blk - 1) / blk);
    if (jb1 <= jb0) return;
    /* the rows the valid outputs of these blocks read (garbage columns may read further
       rows: thrown away), row r0 at row 0 of the band planes */
    const long last = ((long)jb1 * blk - 1) / cp->wq + j->kk;
    const int need = last + 1 < cp->hq ? (int)last + 1 : cp->hq;
    const int r0 = (int)((long)jb0 * blk / cp->wq);
    VG_ASSERT(need - r0 <= cp->brows);
    pad_job pj = j->pj;
    pj.dst = j->P + (size_t)worker * j->stride;
    pj.y0 = pj.rbase = r0;
    pj.y1 = need;
    for (int i = 0; i < pj.d->ic; i++) pad_plane(&pj, i, worker);
    cpu_conv_args a = j->a;
    /* the kernel reads in[toff[t] + j] with j counted from row 0 of the image */
    a.in = pj.dst - (ptrdiff_t)r0 * cp->wq;
    j->k->conv_fwd(&a, jb0, jb1);
}

void cpu_conv_forward(cpu_backend *be, const cpu_conv_plan *cp, const gen_node *nd, float *scratch)
{
    if (cp->up3) {
        cpu_conv_up_forward(be, cp, nd, scratch);
        return;
    }
    if (cp->wino) {
        cpu_conv_wino_forward(be, cp, nd, scratch);
        return;
    }
    const gen_conv2d_desc *d = &nd->conv;
    float *out = cpu_ptr(nd->t[0]);
    const float *in = cpu_ptr(nd->t[1]), *w = cpu_ptr(nd->t[2]);
    const float *b = d->has_bias && nd->t[3].buf ? cpu_ptr(nd->t[3]) : NULL;
    float *P = scratch + cp->off_in, *wpk = scratch + cp->off_w;
    pack_weights(w, d->oc, cp->taps, cp->ocb, cp->ocp, wpk);
    const int blk = cpu_block_of(be->k, cp->ocb);
    const size_t used = (size_t)cp->nplanes * cp->psb, stride = cpu_align16(cp->in_len);
    const int workers = cp->nbands ? be->nthreads : 1;
    /* the slack after the planes, which garbage columns read, is zero */
    for (int wk = 0; wk < workers; wk++)
        memset(P + wk * stride + used, 0, sizeof(float) * (cp->in_len - used));
    for (int n = 0; n < d->n; n++) {
        const size_t image = (size_t)d->ic * (d->ih >> d->up2) * (d->iw >> d->up2);
        pad_job pj = {be->k, d, cp, in + (size_t)n * image, P, 0, cp->hq, cp->psb, 0};
        cpu_conv_args a = {P,
                           wpk,
                           cp->toff,
                           cp->taps,
                           cp->ocb,
                           d->oc,
                           cp->ocp,
                           cp->oh,
                           cp->ow,
                           cp->wq,
                           out + (size_t)n * d->oc * cp->oh * cp->ow,
                           b};
        if (cp->nbands) {
            band_job bj = {be->k, cp, pj, a, P, stride, blk, (d->k - 1) / cp->s};
            cpu_pool_run(be->pool, cp->nbands, band_item, &bj);
        } else { /* whole planes: pad them all, then compute every block */
            cpu_pool_run(be->pool, d->ic, pad_plane, &pj);
            fwd_job j = {be->k, a, cp->nblocks, 0, 0};
            run_fwd(be, &j);
        }
    }
}

/* --- backward ----------------------------------------------------------------------- */

typedef struct bwd_job {
    const gen_conv2d_desc *d;
    const cpu_conv_plan *cp;
    const cpu_kern *k;
    const float *dout; /* one image (oc, oh, ow) */
    float *D;          /* wide output gradient rows */
    double *dacc;
    const float *P;
    const float *dp;
    float *din; /* one image */
    int acc;
    int jlen; /* flat pixels per weight-gradient chunk */
} bwd_job;

/* Output channel o -> its wide row: zeros, then dout rows at the margin, zero columns. */
static void widen_dout(void *ctx, int o, int worker)
{
    const bwd_job *j = ctx;
    const cpu_conv_plan *cp = j->cp;
    float *row = j->D + (size_t)o * cp->dstride;
    memset(row, 0, sizeof(float) * cp->dstride);
    if (o >= j->d->oc) return;
    const float *src = j->dout + (size_t)o * cp->oh * cp->ow;
    for (int y = 0; y < cp->oh; y++)
        memcpy(row + cp->dmargin + (size_t)y * cp->wq, src + (size_t)y * cp->ow,
               sizeof(float) * (size_t)cp->ow);
}

/* Item = (output channel block, slice of DW_SLICE tap blocks): all pixels of one image. */
static void dw_item(void *ctx, int item, int worker)
{
    const bwd_job *j = ctx;
    const cpu_conv_plan *cp = j->cp;
    cpu_dw_args a = {j->D + cp->dmargin, cp->dstride, j->P, cp->toff_dw, cp->dw_ocp, cp->tapsp};
    const int ntb = cp->tapsp / j->k->dw_tb, nslices = (ntb + DW_SLICE - 1) / DW_SLICE;
    const int ob = item / nslices, tb0 = item % nslices * DW_SLICE;
    const int tb1 = tb0 + DW_SLICE < ntb ? tb0 + DW_SLICE : ntb;
    const int end = cpu_roundup(cp->nj, j->k->vw);
    for (int c = 0; c < end; c += j->jlen)
        j->k->conv_dw(&a, ob, tb0, tb1, c, c + j->jlen < end ? c + j->jlen : end, j->dacc);
}

/* Input channel i: din (= or +=) the fold of its padded-gradient planes. */
static void fold_plane(void *ctx, int i, int worker)
{
    const bwd_job *j = ctx;
    const gen_conv2d_desc *d = j->d;
    const cpu_conv_plan *cp = j->cp;
    const int s = cp->s, pad = d->pad, ih = d->ih, iw = d->iw;
    float *dst = j->din + (size_t)i * ih * iw;
    const float *base = j->dp + (size_t)i * s * s * cp->ps;
#define AT(yp, xp)                                                                                 \
    base[(size_t)(((yp) % s) * s + (xp) % s) * cp->ps + (size_t)((yp) / s) * cp->wq + (xp) / s]
    for (int y = 0; y < ih; y++) {
        float *dr = dst + (size_t)y * iw;
        if (s == 1) {
            const float *sr = base + (size_t)(y + pad) * cp->wq + pad;
            if (j->acc)
                for (int x = 0; x < iw; x++) dr[x] += sr[x];
            else
                memcpy(dr, sr, sizeof(float) * (size_t)iw);
        } else {
            for (int x = 0; x < iw; x++) {
                float v = AT(y + pad, x + pad);
                dr[x] = j->acc ? dr[x] + v : v;
            }
        }
    }
    if (d->pad_mode == GEN_PAD_ZERO || pad == 0) return;
    for (int yp = 0; yp < cp->hp; yp++) {
        int inner = yp >= pad && yp < pad + ih;
        int sy = gen_pad_index(yp - pad, ih, d->pad_mode, 0);
        if (sy < 0) continue;
        for (int xp = 0; xp < cp->wp; xp++) {
            if (inner && xp == pad) xp = pad + iw;
            if (xp >= cp->wp) break;
            int sx = gen_pad_index(xp - pad, iw, d->pad_mode, 1);
            if (sx >= 0) dst[(size_t)sy * iw + sx] += AT(yp, xp);
        }
    }
#undef AT
}

typedef struct db_job {
    const float *dout;
    float *db;
    int n, oc, hw;
} db_job;

static void db_item(void *ctx, int o, int worker)
{
    const db_job *j = ctx;
    double s = 0;
    for (int n = 0; n < j->n; n++) {
        const float *p = j->dout + ((size_t)n * j->oc + o) * j->hw;
        float part[8] = {0};
        int x = 0;
        for (; x + 8 <= j->hw; x += 8)
            for (int l = 0; l < 8; l++) part[l] += p[x + l];
        for (int l = 0; l < 8; l++) s += part[l];
        for (; x < j->hw; x++) s += p[x];
    }
    j->db[o] = (float)((double)j->db[o] + s);
}

void cpu_conv_backward(cpu_backend *be, const cpu_conv_plan *cp, const gen_node *nd, float *scratch)
{
    const gen_conv2d_desc *d = &nd->conv;
    float *din = nd->t[0].buf ? cpu_ptr(nd->t[0]) : NULL;
    float *dw = nd->t[1].buf ? cpu_ptr(nd->t[1]) : NULL;
    float *db = d->has_bias && nd->t[2].buf ? cpu_ptr(nd->t[2]) : NULL;
    const float *dout = cpu_ptr(nd->t[3]), *in = cpu_ptr(nd->t[4]), *w = cpu_ptr(nd->t[5]);
    const int s = cp->s, K = d->k;
    bwd_job j = {d, cp, be->k};
    j.D = scratch + cp->off_dout;
    j.dacc = (double *)(scratch + cp->off_dacc);
    j.P = scratch + cp->off_in;
    j.dp = scratch + cp->off_dp;
    j.acc = nd->acc;
    const int end = cpu_roundup(cp->nj, be->k->vw), nchunks = (end + DW_CHUNK - 1) / DW_CHUNK;
    j.jlen = cpu_roundup((end + nchunks - 1) / nchunks, be->k->vw);
    const int ntb = cp->tapsp / be->k->dw_tb;
    const int dw_items = cp->dw_ocp / be->k->dw_ocb * ((ntb + DW_SLICE - 1) / DW_SLICE);
    float *wbd = scratch + cp->off_bdw;
    if (din) {
        /* wbd[pl][(o, dy, dx)] = w[o][i][dy*s + py][dx*s + px], pl = (i, py, px) */
        for (int pl = 0; pl < cp->bd_ocp; pl++) {
            int i = pl / (s * s), py = pl % (s * s) / s, px = pl % s;
            for (int o = 0, t = 0; o < d->oc; o++)
                for (int dy = 0; dy < cp->kh; dy++)
                    for (int dx = 0; dx < cp->kh; dx++, t++) {
                        int ky = dy * s + py, kx = dx * s + px;
                        float v = pl < cp->nplanes && ky < K && kx < K
                                      ? w[(((size_t)o * d->ic + i) * K + ky) * K + kx]
                                      : 0.0f;
                        int ob = pl / cp->bd_ocb, oo = pl % cp->bd_ocb;
                        wbd[((size_t)ob * cp->bd_taps + t) * cp->bd_ocb + oo] = v;
                    }
        }
    }
    if (dw) memset(j.dacc, 0, sizeof(double) * cp->dw_ocp * cp->tapsp);
    for (int n = 0; n < d->n; n++) {
        if (!dw && !din) break;
        j.dout = dout + (size_t)n * d->oc * cp->oh * cp->ow;
        cpu_pool_run(be->pool, cp->dw_ocp, widen_dout, &j);
        if (dw) {
            pad_input(be, d, cp, in + (size_t)n * d->ic * d->ih * d->iw, scratch + cp->off_in);
            cpu_pool_run(be->pool, dw_items, dw_item, &j);
        }
        if (din) {
            fwd_job f = {be->k,
                         {j.D, wbd, cp->toff_bd, cp->bd_taps, cp->bd_ocb, cp->nplanes, cp->bd_ocp,
                          cp->hq, cp->wq, cp->wq, scratch + cp->off_dp, NULL},
                         cp->bd_nblocks};
            run_fwd(be, &f);
            j.din = din + (size_t)n * d->ic * d->ih * d->iw;
            cpu_pool_run(be->pool, d->ic, fold_plane, &j);
        }
    }
    if (dw) {
        for (int o = 0; o < d->oc; o++)
            for (int t = 0; t < cp->taps; t++)
                dw[(size_t)o * cp->taps + t] = (float)((double)dw[(size_t)o * cp->taps + t] +
                                                       j.dacc[(size_t)o * cp->tapsp + t]);
    }
    if (db) {
        db_job b = {dout, db, d->n, d->oc, cp->oh * cp->ow};
        cpu_pool_run(be->pool, d->oc, db_item, &b);
    }
}
