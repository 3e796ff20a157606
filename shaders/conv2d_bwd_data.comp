#version 450
// conv2d_bwd_data.comp - the data gradient of conv2d: the gradient with respect to the
// PADDED input (hp = ih + 2 pad rows, wp = iw + 2 pad columns),
//   dpad[n][i][py][px] = sum over o, ky, kx with (py - ky) % S == 0 and (px - kx) % S == 0
//       of w (oc, ic, K, K)[o][i][ky][kx] * dout (n, oc, oh, ow)[o][(py - ky) / S][(px - kx) / S],
// written straight into din (n, ic, ih, iw) (=, or += with ACC) where (py, px) is an image
// pixel (py - pad, px - pad), and into the scratch `bpad` where it is a padding position;
// conv2d_bwd_fold.comp then adds those to the pixels they were read from (not needed in
// zero mode, which drops them). Not the weight or bias gradient.
//
// Built like conv2d_fwd_tx.comp, for lavapipe: dout comes framed by zeros
// (conv2d_bwd_pad.comp: every read in range and unconditional), weights packed
// [nib][oc][K][K][M] (conv2d_bwd_pack.comp), both read as RGBA32F texel buffers; all
// fetches of a kernel row come before its call-free block of multiply-adds, and the weight
// fetch has the same coordinate in every lane (a broadcast). Each invocation computes M
// input channels x J consecutive columns c .. c + J - 1 (c = px - pad) of one row py: with
// M = 16, J = 8 each fetch feeds 32 to 128 multiply-adds. The lanes of a group take
// consecutive rows (of one parity for S == 2) of the same columns, so a thin border strip
// costs what it computes. Group (region and tile, 1, (n * nib + ib) * S + row parity).
// Stride 2 multiplies only the taps whose parity matches the column (no zeros inserted);
// PODD (pad odd) fixes that parity at compile time.
#include "common/base.glsl"
#ifndef K
#define K 3
#endif
#ifndef S
#define S 1
#endif
#ifndef M
#define M 8
#endif
#ifndef PODD
#define PODD 0
#endif
layout(constant_id = 3) const int ACC = 0;
layout(constant_id = 4) const int IMG = 1;    // din as RGBA texels (iw % 4 == 0)
layout(constant_id = 5) const int BORDER = 1; // keep padding positions (not zero mode)
layout(binding = 0, rgba32f) uniform imageBuffer dimg;          // din, RGBA view
layout(std430, binding = 1) buffer DI { float din[]; };         // din, when !IMG
layout(binding = 2, rgba32f) uniform writeonly imageBuffer bpad; // (n * ic, hp, ws4)
layout(binding = 3) uniform textureBuffer dq;                   // framed dout (n * oc, dh, dw4)
layout(binding = 4) uniform textureBuffer wpk;                  // packed weights
layout(push_constant) uniform PC {
    int ic, oc, ih, iw, pad, hp, ws4, oh, dh, dw4, nib, cl;
    int tiles, tin0, tins, gmain, gbrow, tpb, ncolt;
} p;

#ifndef J
#define J 8 // columns per invocation: a multiple of 4 (S == 1) or 8 (S == 2)
#endif
#if S == 1
// frame column of (column c, tap kx) = J tile + 4 A + j - kx (frame left margin 4 A + cl - pad)
const int A = (K + 2) / 4; // ceil((K - 1) / 4)
const int V0 = 4 * A;
const int NT = A + J / 4; // texels of the window
const int W0 = J / 4;     // window start texel per tile
#else
// frame column = J / 2 tile + 4 B - PODD + (j + PODD - kx) / 2 (margin 4 B - ceil(pad / 2) + cl / 2)
const int B = (-(((PODD - (K - 1)) >> 1) - PODD) + 3) / 4;
const int V0 = 4 * B - PODD;
const int NT = B + J / 8;
const int W0 = J / 8;
#endif
const int NKY = S == 1 ? K : (K + 1) / 2; // kernel rows per row
const int TD = S == 1 ? K - 1 : K / 2;    // frame rows above dout

void main()
{
    int lanes = int(gl_WorkGroupSize.x), lane = int(gl_LocalInvocationID.x);
    int g = int(gl_WorkGroupID.x); // region and position, uniform
    int z = int(gl_WorkGroupID.z);
    int par = S == 1 ? 0 : z % 2;
    z /= S;
    int n = z / p.nib, ib = z % p.nib;
    // Three regions of (row py, tile) pairs, the tile of columns c = J tile - cl .. + J - 1:
    // the image (rows pad .. pad + ih - 1 of parity par, tiles tin0 .. tin0 + tins - 1),
    // lanes over rows; the border rows (every tile), lanes over tiles, the row uniform;
    // the border columns of the image rows (ncolt tiles left and right), lanes over rows.
    int py, tile;
    bool live, rowuni = false;
    if (g < p.gmain) {
        int b = g / p.tins;
        tile = p.tin0 + g - b * p.tins;
        py = p.pad + S * (b * lanes + lane) + par;
        live = py < p.pad + p.ih;
    } else if (g < p.gmain + p.gbrow) {
        int q = g - p.gmain;
        int j = q / p.tpb; // border row j of 2 pad
        tile = (q - j * p.tpb) * lanes + lane;
        py = j < p.pad ? j : p.ih + j;
        if (S == 2 && (py & 1) != par) return; // the other parity's groups take it
        live = tile < p.tiles;
        rowuni = true;
    } else {
        int q = g - p.gmain - p.gbrow;
        int b = q / p.ncolt, t = q - b * p.ncolt;
        int left = p.tin0; // tiles 0 .. tin0 - 1, then tin0 + tins .. tiles - 1
        tile = t < left ? t : p.tin0 + p.tins + t - left;
        py = p.pad + S * (b * lanes + lane) + par;
        live = py < p.pad + p.ih;
    }
    int kpar = rowuni ? py & 1 : (p.pad + par) & 1; // row parity, uniform (S == 2)
    py = min(py, p.hp - 1); // dead lanes read a valid row and store nothing
    tile = min(tile, p.tiles - 1);
    int c0 = J * tile - p.cl;
    float acc[M][J];
    [[unroll]] for (int m = 0; m < M; m++)
        [[unroll]] for (int j = 0; j < J; j++) acc[m][j] = 0.0;
    for (int o = 0; o < p.oc; o++) {
        int plane = (n * p.oc + o) * p.dh;
#if K <= 5
        [[unroll]]
#else
        [[dont_unroll]] // the unrolled body of a 9x9 kernel takes minutes to compile
#endif
        for (int t = 0; t < NKY; t++) {
#if S == 1
            int ky = t, r = py + TD - ky;
#else
            // taps of the row parity, uniform: all lanes have py's parity
            int ky = kpar + 2 * t, r = ((py - ky) >> 1) + TD;
            if (ky >= K) continue;
#endif
            if (rowuni && (r < TD || r >= TD + p.oh)) continue; // only zeros there
            int base = (plane + r) * p.dw4 + W0 * tile;
            float v[NT * 4];
            [[unroll]] for (int q = 0; q < NT; q++) {
                vec4 f = texelFetch(dq, base + q);
                v[4 * q] = f.x;
                v[4 * q + 1] = f.y;
                v[4 * q + 2] = f.z;
                v[4 * q + 3] = f.w;
            }
            int wb = ((ib * p.oc + o) * K + ky) * K * (M / 4);
            vec4 wq[K * (M / 4)];
            [[unroll]] for (int q = 0; q < K * (M / 4); q++) wq[q] = texelFetch(wpk, wb + q);
            [[unroll]] for (int kx = 0; kx < K; kx++)
                [[unroll]] for (int m = 0; m < M; m++)
                    [[unroll]] for (int j = 0; j < J; j++) {
#if S == 1
                        acc[m][j] += wq[kx * (M / 4) + m / 4][m % 4] * v[V0 + j - kx];
#else
                        if (((j + PODD - kx) & 1) == 0)
                            acc[m][j] += wq[kx * (M / 4) + m / 4][m % 4] *
                                         v[V0 + ((j + PODD - kx) >> 1)];
#endif
                    }
        }
    }
    if (!live) return;
    int y = py - p.pad;
    bool row_in = y >= 0 && y < p.ih;
    [[unroll]] for (int m = 0; m < M; m++) {
        int i = ib * M + m;
        int plane = n * p.ic + i;
        [[unroll]] for (int u = 0; u < J / 4; u++) {
            int c = c0 + 4 * u;
            vec4 g = vec4(acc[m][4 * u], acc[m][4 * u + 1], acc[m][4 * u + 2], acc[m][4 * u + 3]);
            bool in_lo = c >= 0 && c < p.iw, in_all = c >= 0 && c + 4 <= p.iw;
            if (i < p.ic && row_in && in_lo) {
                if (IMG != 0) {
                    int q = ((plane * p.ih + y) * p.iw + c) / 4;
                    imageStore(dimg, q, ACC != 0 ? imageLoad(dimg, q) + g : g);
                } else {
                    int e = (plane * p.ih + y) * p.iw + c;
                    [[unroll]] for (int j = 0; j < 4; j++)
                        if (c + j < p.iw) din[e + j] = ACC != 0 ? din[e + j] + g[j] : g[j];
                }
            }
            if (BORDER != 0 && i < p.ic && !(row_in && in_all))
                imageStore(bpad, (plane * p.hp + py) * p.ws4 + (c + p.cl) / 4, g);
        }
    }
}
