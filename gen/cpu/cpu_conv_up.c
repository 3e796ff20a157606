/*
 * cpu_conv_up.c - the forward of a 3x3 convolution (stride 1, pad 1) of a nearest-2x
 * upsampled input as four 2x2 convolutions of the half-size input: the generator's dec0
 * and dec1 in inference graphs (gen_conv2d_desc.up2), with 2.25x fewer multiplies.
 *
 * Output pixel (2y + a, 2x + b) reads upsampled rows 2y + a - 1 .. 2y + a + 1, which are
 * half-size rows y - 1, y, y (a = 0) or y, y, y + 1 (a = 1); columns likewise. So each
 * output phase (a, b) is a 2x2 convolution of the half-size input padded by one pixel,
 * whose weights are sums of the 3x3 weights that read the same half-size pixel:
 *   a = 0: row tap 0 <- ky {0}, row tap 1 <- ky {1, 2};
 *   a = 1: row tap 0 <- ky {0, 1}, row tap 1 <- ky {2}   (columns: b and kx the same).
 * The half-size padding is the full-size pad mode seen through the upsampling: half-size
 * row -1 stands for full-size row -1 alone, row qh for row 2 qh (so reflect becomes
 * replicate, circular stays circular, zero stays zero).
 *
 * One worker takes one band of half-size rows at a time: it pads the rows the band reads
 * into its part of the scratch, runs the wide-layout kernel (cpu_kern.h) once per phase
 * into its own rows, and interleaves the four phases into the output rows.
 * VRGEN_CPU_NO_UP3=1 when the backend is created turns this off (tests, comparisons).
 */
#include <stdlib.h>
#include <string.h>

#include "common/vg_assert.h"
#include "gen/cpu/cpu_priv.h"

/* The half-size index that padded half-size position i (-1 .. n) holds under a full-size
 * pad mode; -1 for zero. */
static int half_index(int i, int n, gen_pad_mode mode, int along_x)
{
    if (i >= 0 && i < n) return i;
    int u = gen_pad_index(i < 0 ? -1 : 2 * n, 2 * n, mode, along_x);
    return u < 0 ? -1 : u >> 1;
}

int cpu_conv_up_plan(cpu_conv_plan *cp, const gen_conv2d_desc *d, const cpu_backend *be,
                     size_t *scratch_len)
{
    if (be->no_up3 || !d->up2 || d->k != 3 || d->stride != 1 || d->pad != 1 || d->ih % 2 ||
        d->iw % 2)
        return 0;
    const cpu_kern *k = be->k;
    const int nthreads = be->nthreads < 1 ? 1 : be->nthreads;
    memset(cp, 0, sizeof(*cp));
    const int blockmax = cpu_blockmax(k);
    cp->up3 = 1;
    cp->s = 1;
    cp->qh = d->ih / 2;
    cp->qw = d->iw / 2;
    cp->hp = cp->hq = cp->qh + 2;
    cp->wp = cp->wq = cp->qw + 2;
    cp->nplanes = d->ic;
    cp->oh = d->ih;
    cp->ow = d->iw;
    cp->nj = cp->qh * cp->wq; /* flat pixels of one phase */
    /* A band's blocks may start up to a block before its first row and end up to one after
     * its last; the phases read one row more, phase a = 1 another. */
    const int brow = (blockmax + cp->wq - 1) / cp->wq, halo = 2 * brow + 4;
    cp->band = CPU_BAND_FLOATS / (cp->nplanes * cp->wq);
    if (cp->band < 2 * halo) cp->band = 2 * halo;
    if (cp->band > cp->qh) cp->band = cp->qh;
    cp->nbands = (cp->qh + cp->band - 1) / cp->band;
    cp->brows = cp->band + halo < cp->hq ? cp->band + halo : cp->hq;
    cp->psb = (size_t)cp->brows * cp->wq;
    cp->in_len = (size_t)cp->nplanes * cp->psb + 2 * (size_t)cp->wq + 2 * (size_t)blockmax + 64;
    cp->taps = d->ic * 4;
    cp->toff = malloc(sizeof(int) * (size_t)cp->taps);
    VG_ASSERT(cp->toff);
    for (int i = 0, t = 0; i < d->ic; i++)
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++, t++)
                cp->toff[t] = (int)(i * cp->psb + (size_t)dy * cp->wq + (size_t)dx);
    cp->ocb = cpu_ocb_for(k, d->oc);
    cp->ocp = cpu_roundup(d->oc, cp->ocb);
    const int blk = cpu_block_of(k, cp->ocb);
    cp->nblocks = (cp->nj + blk - 1) / blk;
    cp->trows = cp->band + 2 * brow + 1;
    cp->tmp_len = 4 * (size_t)cp->ocp * cp->trows * cp->qw;
    size_t off = 0;
    cp->off_in = off;
    off += cpu_align16(cp->in_len) * (size_t)nthreads;
    cp->off_w = off;
    off += cpu_align16(4 * (size_t)cp->ocp * cp->taps);
    cp->off_tmp = off;
    off += cpu_align16(cp->tmp_len) * (size_t)nthreads;
    *scratch_len = off;
    return 1;
}

/* wpk[phase][ob][t][oo], phase = a * 2 + b, t = (i, dy, dx): sums of w over the 3x3 taps
 * that read the same half-size pixel (zero for padding channels). */
static void pack_phases(const float *w, const gen_conv2d_desc *d, const cpu_conv_plan *cp,
                        float *wpk)
{
    /* [phase bit][2x2 tap]: the first and last 3x3 tap it sums */
    static const int R[2][2][2] = {{{0, 0}, {1, 2}}, {{0, 1}, {2, 2}}};
    const int ocb = cp->ocb, taps = cp->taps, ic = d->ic;
    for (int ph = 0; ph < 4; ph++) {
        const int a = ph >> 1, b = ph & 1;
        float *dst = wpk + (size_t)ph * cp->ocp * taps;
        for (int o = 0; o < cp->ocp; o++)
            for (int i = 0; i < ic; i++)
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) {
                        float v = 0.0f;
                        if (o < d->oc)
                            for (int ky = R[a][dy][0]; ky <= R[a][dy][1]; ky++)
                                for (int kx = R[b][dx][0]; kx <= R[b][dx][1]; kx++)
                                    v += w[(((size_t)o * ic + i) * 3 + ky) * 3 + kx];
                        const int t = (i * 2 + dy) * 2 + dx;
                        dst[((size_t)(o / ocb) * taps + t) * ocb + o % ocb] = v;
                    }
    }
}

typedef struct up_job {
    const cpu_kern *k;
    const gen_conv2d_desc *d;
    const cpu_conv_plan *cp;
    const float *in; /* one image, half size (ic, qh, qw) */
    float *out;      /* one image (oc, ih, iw) */
    const float *wpk, *bias;
    float *P, *T; /* worker w's padded rows and phase outputs: + w * their strides */
    size_t pstride, tstride;
} up_job;

/* Padded half-size rows [r0, need) of every channel into P (row r0 at row 0); padded row
 * Y is half-size row Y - 1. */
static void pad_rows(const up_job *j, float *P, int r0, int need)
{
    const gen_conv2d_desc *d = j->d;
    const cpu_conv_plan *cp = j->cp;
    const int qh = cp->qh, qw = cp->qw, wq = cp->wq;
    const int xl = half_index(-1, qw, d->pad_mode, 1), xr = half_index(qw, qw, d->pad_mode, 1);
    for (int i = 0; i < d->ic; i++)
        for (int Y = r0; Y < need; Y++) {
            float *row = P + (size_t)i * cp->psb + (size_t)(Y - r0) * wq;
            const int sy = half_index(Y - 1, qh, d->pad_mode, 0);
            if (sy < 0) {
                memset(row, 0, sizeof(float) * (size_t)wq);
                continue;
            }
            const float *sr = j->in + ((size_t)i * qh + sy) * qw;
            memcpy(row + 1, sr, sizeof(float) * (size_t)qw);
            row[0] = xl < 0 ? 0.0f : sr[xl];
            row[qw + 1] = xr < 0 ? 0.0f : sr[xr];
        }
}

static void up_band(void *ctx, int item, int worker)
{
    const up_job *j = ctx;
    const cpu_conv_plan *cp = j->cp;
    const int blk = cpu_block_of(j->k, cp->ocb), wq = cp->wq, qw = cp->qw;
    const int y0 = item * cp->band, y1 = y0 + cp->band < cp->qh ? y0 + cp->band : cp->qh;
    /* every block with a pixel in rows [y0, y1): the rows they store, r0 .. rl, and the
     * padded rows they read, r0 .. rl + 2 (2x2 taps, phase a = 1 one row down) */
    const int jb0 = (int)((long)y0 * wq / blk);
    int jb1 = (int)(((long)y1 * wq + blk - 1) / blk);
    if (jb1 > cp->nblocks) jb1 = cp->nblocks;
    const int r0 = (int)((long)jb0 * blk / wq), rl = (int)(((long)jb1 * blk - 1) / wq);
    const int need = rl + 3 < cp->hq ? rl + 3 : cp->hq;
    VG_ASSERT(need - r0 <= cp->brows && rl - r0 < cp->trows);
    float *P = j->P + (size_t)worker * j->pstride, *T = j->T + (size_t)worker * j->tstride;
    pad_rows(j, P, r0, need);
    const size_t ostride = (size_t)cp->trows * qw, tphase = (size_t)cp->ocp * ostride;
    for (int ph = 0; ph < 4; ph++) {
        const int a = ph >> 1, b = ph & 1;
        /* in[toff[t] + j], j = y * wq + x counted from row 0: padded row y + dy + a lies
         * at row y + dy + a - r0 of P; output row y at row y - r0 of this phase */
        cpu_conv_args args = {P - (ptrdiff_t)r0 * wq + a * wq + b,
                              j->wpk + (size_t)ph * cp->ocp * cp->taps,
                              cp->toff,
                              cp->taps,
                              cp->ocb,
                              j->d->oc,
                              cp->ocp,
                              cp->qh,
                              qw,
                              wq,
                              T + ph * tphase - (ptrdiff_t)r0 * qw,
                              j->bias,
                              ostride};
        j->k->conv_fwd(&args, jb0, jb1);
    }
    /* output row 2y + a: columns 2x from phase (a, 0), 2x + 1 from phase (a, 1) */
    for (int o = 0; o < j->d->oc; o++)
        for (int y = y0; y < y1; y++)
            for (int a = 0; a < 2; a++) {
                const float *p0 =
                    T + (size_t)(2 * a) * tphase + o * ostride + (size_t)(y - r0) * qw;
                j->k->zip2(j->out + ((size_t)o * cp->oh + 2 * y + a) * cp->ow, p0, p0 + tphase, qw);
            }
}

void cpu_conv_up_forward(cpu_backend *be, const cpu_conv_plan *cp, const gen_node *nd,
                         float *scratch)
{
    const gen_conv2d_desc *d = &nd->conv;
    float *out = cpu_ptr(nd->t[0]);
    const float *in = cpu_ptr(nd->t[1]), *w = cpu_ptr(nd->t[2]);
    const float *bias = d->has_bias && nd->t[3].buf ? cpu_ptr(nd->t[3]) : NULL;
    float *wpk = scratch + cp->off_w;
    pack_phases(w, d, cp, wpk);
    up_job j = {be->k,
                d,
                cp,
                NULL,
                NULL,
                wpk,
                bias,
                scratch + cp->off_in,
                scratch + cp->off_tmp,
                cpu_align16(cp->in_len),
                cpu_align16(cp->tmp_len)};
    /* the slack after the planes, which garbage columns read, is zero */
    const size_t used = (size_t)cp->nplanes * cp->psb;
    for (int wk = 0; wk < be->nthreads; wk++)
        memset(j.P + wk * j.pstride + used, 0, sizeof(float) * (cp->in_len - used));
    for (int n = 0; n < d->n; n++) {
        j.in = in + (size_t)n * d->ic * cp->qh * cp->qw;
        j.out = out + (size_t)n * d->oc * cp->oh * cp->ow;
        cpu_pool_run(be->pool, cp->nbands, up_band, &j);
    }
}
