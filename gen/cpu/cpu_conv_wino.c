/*
 * cpu_conv_wino.c - the forward of a 3x3 convolution (stride 1, pad 1) by Winograd's
 * F(2x2, 3x3): the generator's residual convolutions, with 2.25x fewer multiplies.
 *
 * The output is cut into 2x2 tiles; tile (ty, tx) reads the 4x4 padded input at rows 2ty ..
 * 2ty + 3, columns 2tx .. 2tx + 3. With V = B^T d B per input channel and tile, U = G g G^T
 * per weight 3x3, the tile's output is A^T (sum_i U[o][i] . V[i]) A (Lavin and Gray 2016).
 * The sum over input channels is, for each of the 16 transform elements xi, a 1x1
 * convolution of the V planes: the wide-layout kernel of cpu_kern.inc with one tap per
 * input channel, over the tiles of a band as one row.
 *
 * One worker takes one band of tile rows at a time: it pads the input rows the band reads
 * (split into even and odd columns, so the transform loads whole vectors), transforms them
 * into V, runs the 16 channel sums into M over all the band's tiles at once, and
 * transforms M back into the output rows. (Chunks of 96 to 768 tiles, so that V and M
 * stay in L2, measured 12-25 % slower than whole bands of about 768 tiles.)
 * Only for inputs of 2048 tiles and more (the small crops of training stay on the direct
 * path); output channels in blocks of 8 (AVX-512) or 4 (AVX2, the portable kernels).
 * VRGEN_CPU_NO_WINO=1 when the backend is created turns this off.
 */
#include <stdlib.h>
#include <string.h>

#include "common/vg_assert.h"
#include "gen/cpu/cpu_priv.h"

#define WINO_MIN_TILES 2048
/* tiles per band, about (whole tile rows): transformed, summed and transformed back at once */
#define WINO_BAND_TILES 768

int cpu_conv_wino_plan(cpu_conv_plan *cp, const gen_conv2d_desc *d, const cpu_backend *be,
                       size_t *scratch_len)
{
    const cpu_kern *k = be->k;
    const int th = (d->ih + 1) / 2, tw = (d->iw + 1) / 2;
    const int ocb = k->ocb8 && d->oc % 8 == 0 ? 8 : 4;
    if (be->no_wino || d->up2 || d->k != 3 || d->stride != 1 || d->pad != 1 || d->oc % ocb ||
        d->ic < 8 || (long)th * tw < WINO_MIN_TILES)
        return 0;
    const int nthreads = be->nthreads < 1 ? 1 : be->nthreads;
    memset(cp, 0, sizeof(*cp));
    cp->wino = 1;
    cp->s = 1;
    cp->oh = d->ih;
    cp->ow = d->iw;
    cp->th = th;
    cp->tw = tw;
    cp->nplanes = d->ic;
    /* bands of tile rows: about WINO_BAND_TILES tiles, at least 4 bands a thread */
    int bt = WINO_BAND_TILES / tw;
    const int most = (th + 4 * nthreads - 1) / (4 * nthreads);
    if (bt > most) bt = most;
    if (bt < 1) bt = 1;
    cp->band = bt;
    cp->nbands = (th + bt - 1) / bt;
    cp->ocb = ocb;
    cp->ocp = d->oc;
    cp->taps = d->ic;
    const int blk = cpu_block_of(k, ocb);
    /* floats per channel plane of V and M; the transforms run up to 15 past the tiles */
    cp->vs = (size_t)cpu_roundup(bt * tw + 16, blk);
    cp->toff = malloc(sizeof(int) * (size_t)d->ic);
    VG_ASSERT(cp->toff);
    for (int i = 0; i < d->ic; i++) cp->toff[i] = (int)(i * cp->vs);
    /* per worker: even and odd columns of 2 bt + 2 padded rows per channel, a padded row,
     * V (16 x ic planes), M (16 x oc planes), the four output phases of a tile row */
    cp->rowlen = cpu_align16((size_t)tw + 1 + 16);
    const size_t pad_len = (size_t)d->ic * (2 * bt + 2) * 2 * cp->rowlen;
    const size_t row_len = cpu_align16(2 * (size_t)tw + 2 + 16);
    const size_t v_len = 16 * (size_t)d->ic * cp->vs, m_len = 16 * (size_t)d->oc * cp->vs;
    const size_t y_len = 4 * cpu_align16((size_t)tw + 16);
    cp->w_row = pad_len; /* offsets in a worker's part */
    cp->w_v = cp->w_row + row_len;
    cp->w_m = cp->w_v + v_len;
    cp->w_y = cp->w_m + m_len;
    cp->tmp_len = cpu_align16(cp->w_y + y_len);
    size_t off = 0;
    cp->off_w = off;
    off += cpu_align16(16 * (size_t)d->oc * d->ic);
    cp->off_tmp = off;
    off += cp->tmp_len * (size_t)nthreads;
    *scratch_len = off;
    return 1;
}

/* U[xi][ob][i][ocb] = (G g G^T)[a][b], xi = 4a + b, for the kernel's packed layout
 * (ocb output channels a block); G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. */
static void pack_u(const float *w, const gen_conv2d_desc *d, int ocb, float *U)
{
    const int ic = d->ic, oc = d->oc;
    for (int o = 0; o < oc; o++)
        for (int i = 0; i < ic; i++) {
            const float *g = w + ((size_t)o * ic + i) * 9;
            float q[4][3]; /* G g */
            for (int c = 0; c < 3; c++) {
                q[0][c] = g[c];
                q[1][c] = 0.5f * (g[c] + g[3 + c] + g[6 + c]);
                q[2][c] = 0.5f * (g[c] - g[3 + c] + g[6 + c]);
                q[3][c] = g[6 + c];
            }
            for (int a = 0; a < 4; a++) {
                const float u[4] = {q[a][0], 0.5f * (q[a][0] + q[a][1] + q[a][2]),
                                    0.5f * (q[a][0] - q[a][1] + q[a][2]), q[a][2]};
                for (int b = 0; b < 4; b++)
                    U[((size_t)(4 * a + b) * oc + (o - o % ocb)) * ic + (size_t)i * ocb + o % ocb] =
                        u[b];
            }
        }
}

typedef struct wino_job {
    const cpu_kern *k;
    const gen_conv2d_desc *d;
    const cpu_conv_plan *cp;
    const float *in; /* one image (ic, ih, iw) */
    float *out;      /* one image (oc, ih, iw) */
    const float *U, *bias;
    float *W; /* worker w's scratch: W + w * cp->tmp_len */
} wino_job;

/* Padded row Y (input row Y - 1) of channel i, even and odd columns into e and o
 * (tw + 1 each). Columns and rows past the one-pixel pad (odd sizes) read as zero: they
 * only reach outputs that are not stored. */
static void pad_row(const wino_job *j, int i, int Y, float *row, float *e, float *o)
{
    const gen_conv2d_desc *d = j->d;
    const int ih = d->ih, iw = d->iw, tw = j->cp->tw, wpp = 2 * tw + 2;
    const int sy = Y - 1 <= ih ? gen_pad_index(Y - 1, ih, d->pad_mode, 0) : -1;
    if (sy < 0) {
        memset(e, 0, sizeof(float) * (size_t)(tw + 1));
        memset(o, 0, sizeof(float) * (size_t)(tw + 1));
        return;
    }
    const float *sr = j->in + ((size_t)i * ih + sy) * iw;
    memcpy(row + 1, sr, sizeof(float) * (size_t)iw);
    const int xl = gen_pad_index(-1, iw, d->pad_mode, 1),
              xr = gen_pad_index(iw, iw, d->pad_mode, 1);
    row[0] = xl < 0 ? 0.0f : sr[xl];
    row[iw + 1] = xr < 0 ? 0.0f : sr[xr];
    for (int X = iw + 2; X < wpp; X++) row[X] = 0.0f;
    j->k->take2(e, row, tw + 1);
    j->k->take2(o, row + 1, tw + 1);
}

static void wino_band(void *ctx, int item, int worker)
{
    const wino_job *j = ctx;
    const cpu_conv_plan *cp = j->cp;
    const gen_conv2d_desc *d = j->d;
    const int ic = d->ic, oc = d->oc, tw = cp->tw, ow = cp->ow;
    const int t0 = item * cp->band, t1 = t0 + cp->band < cp->th ? t0 + cp->band : cp->th;
    const int prows = 2 * (t1 - t0) + 2;
    const size_t rl = cp->rowlen, vs = cp->vs;
    float *W = j->W + (size_t)worker * cp->tmp_len;
    float *P = W, *row = W + cp->w_row, *V = W + cp->w_v, *M = W + cp->w_m, *Y = W + cp->w_y;
    /* P[i][r][2][rl]: even, odd columns of padded row 2 t0 + r of channel i */
    for (int i = 0; i < ic; i++)
        for (int r = 0; r < prows; r++) {
            float *e = P + ((size_t)i * (2 * cp->band + 2) + r) * 2 * rl;
            pad_row(j, i, 2 * t0 + r, row, e, e + rl);
        }
    const int ntiles = (t1 - t0) * tw;
    /* V[xi][i][tile], tile = (tr - t0) * tw + tx */
    for (int i = 0; i < ic; i++)
        for (int tr = t0; tr < t1; tr++) {
            const float *e[4], *o[4];
            for (int r = 0; r < 4; r++) {
                e[r] = P + ((size_t)i * (2 * cp->band + 2) + 2 * (tr - t0) + r) * 2 * rl;
                o[r] = e[r] + rl;
            }
            j->k->wino_in(e, o, tw, V + (size_t)i * vs + (size_t)(tr - t0) * tw, (size_t)ic * vs);
        }
    /* M[xi][o][tile] = sum_i U[xi][o][i] V[xi][i][tile]: a 1x1 convolution per xi, the
     * band's tiles as one row */
    const int blk = cpu_block_of(j->k, cp->ocb), nblk = (ntiles + blk - 1) / blk;
    for (int xi = 0; xi < 16; xi++) {
        cpu_conv_args a = {V + (size_t)xi * ic * vs,
                           j->U + (size_t)xi * oc * ic,
                           cp->toff,
                           ic,
                           cp->ocb,
                           oc,
                           oc,
                           1,
                           ntiles,
                           (int)vs,
                           M + (size_t)xi * oc * vs,
                           NULL,
                           vs};
        j->k->conv_fwd(&a, 0, nblk);
    }
    /* output rows 2 tr, 2 tr + 1 */
    const size_t yl = cpu_align16((size_t)tw + 16);
    float *const y[4] = {Y, Y + yl, Y + 2 * yl, Y + 3 * yl};
    for (int o = 0; o < oc; o++)
        for (int tr = t0; tr < t1; tr++) {
            j->k->wino_out(M + (size_t)o * vs + (size_t)(tr - t0) * tw, (size_t)oc * vs, tw,
                           j->bias ? j->bias[o] : 0.0f, y);
            for (int r = 0; r < 2 && 2 * tr + r < cp->oh; r++) {
                float *dst = j->out + ((size_t)o * cp->oh + 2 * tr + r) * ow;
                if (ow == 2 * tw) {
                    j->k->zip2(dst, y[2 * r], y[2 * r + 1], tw);
                } else {
                    j->k->zip2(row, y[2 * r], y[2 * r + 1], tw);
                    memcpy(dst, row, sizeof(float) * (size_t)ow);
                }
            }
        }
}

void cpu_conv_wino_forward(cpu_backend *be, const cpu_conv_plan *cp, const gen_node *nd,
                           float *scratch)
{
    const gen_conv2d_desc *d = &nd->conv;
    float *out = cpu_ptr(nd->t[0]);
    const float *in = cpu_ptr(nd->t[1]), *w = cpu_ptr(nd->t[2]);
    const float *bias = d->has_bias && nd->t[3].buf ? cpu_ptr(nd->t[3]) : NULL;
    float *U = scratch + cp->off_w;
    pack_u(w, d, cp->ocb, U);
    wino_job j = {be->k, d, cp, NULL, NULL, U, bias, scratch + cp->off_tmp};
    for (int n = 0; n < d->n; n++) {
        j.in = in + (size_t)n * d->ic * d->ih * d->iw;
        j.out = out + (size_t)n * d->oc * d->ih * d->iw;
        cpu_pool_run(be->pool, cp->nbands, wino_band, &j);
    }
}
