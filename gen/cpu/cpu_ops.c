/*
 * cpu_ops.c - the CPU backend's fast versions of the ops around the convolutions:
 * instance norm forward (optionally with the next node's activation fused in), apply and
 * backward, activations forward and backward, add, axpby, fill, nearest 2x upsampling, Gram
 * matrix forward and backward; the colour ops are in cpu_colour.c.
 * Work is split by planes (norms, upsampling) or by fixed chunks of elements, so results
 * do not depend on the thread count; sums over a plane run in float within chunks of 256
 * and in double across them. Same semantics and gradient rule as gen_ops.h; every other op
 * goes through the reference (gen_ref_exec_node).
 */
#include <math.h>
#include <string.h>

#include "common/vg_assert.h"
#include "gen/cpu/cpu_priv.h"

#define CHUNK 16384 /* elements per item of an elementwise loop */

static int same_tensor(gen_tensor a, gen_tensor b)
{
    return a.buf == b.buf && a.off == b.off && gen_tensor_len(a) == gen_tensor_len(b);
}

int cpu_ops_supported(const gen_node *nd)
{
    switch (nd->op) {
    case GEN_OP_INSTNORM_FWD:
    case GEN_OP_INSTNORM_APPLY:
    case GEN_OP_INSTNORM_BWD:
    case GEN_OP_ACT_FWD:
    case GEN_OP_ACT_BWD:
    case GEN_OP_ADD:
    case GEN_OP_AXPBY:
    case GEN_OP_FILL:
    case GEN_OP_GRAM_FWD:
    case GEN_OP_GRAM_BWD:
    case GEN_OP_YUV_TO_RGB:
    case GEN_OP_RGB_TO_YUV:
    case GEN_OP_TEMPORAL_HOLD:
        return 1;
    case GEN_OP_FMA_PEAK:
        return gen_tensor_len(nd->t[0]) % 64 == 0;
    case GEN_OP_UPSAMPLE_FWD:
    case GEN_OP_UPSAMPLE_BWD:
        return nd->mode == GEN_UPSAMPLE_NEAREST;
    default:
        return 0;
    }
}

/* Whether node `act` may be fused into instance norm node `in` (in place on its output). */
int cpu_ops_can_fuse_act(const gen_node *norm, const gen_node *act)
{
    return norm->op == GEN_OP_INSTNORM_FWD && act->op == GEN_OP_ACT_FWD &&
           same_tensor(act->t[0], norm->t[0]) && same_tensor(act->t[1], norm->t[0]);
}

/* Whether a and b are the same tensor or share no memory. */
static int same_or_apart(gen_tensor a, gen_tensor b)
{
    if (same_tensor(a, b) || a.buf != b.buf) return 1;
    return a.off + gen_tensor_len(a) <= b.off || b.off + gen_tensor_len(b) <= a.off;
}

static int same_shape(gen_tensor a, gen_tensor b)
{
    return a.n == b.n && a.c == b.c && a.h == b.h && a.w == b.w;
}

/* Whether node `add` (out = a + b, one of them the norm's output y) may be fused into
 * instance norm node `norm`: each plane of y, once normalized and written, is added to the
 * other operand's plane while in cache (y is still written: later nodes may read it). Plane
 * by plane is the same as after the whole norm when the add's output and other operand
 * share no memory with the norm's input except being exactly a tensor of the pair. */
/* The add's operand that is not the norm's output: 1 or 2 (0: neither operand is). */
static int residual_operand(const gen_node *norm, const gen_node *add)
{
    return same_tensor(add->t[1], norm->t[0]) ? 2 : same_tensor(add->t[2], norm->t[0]) ? 1 : 0;
}

int cpu_ops_can_fuse_add(const gen_node *norm, const gen_node *add)
{
    if (norm->op != GEN_OP_INSTNORM_FWD || add->op != GEN_OP_ADD) return 0;
    const gen_tensor y = norm->t[0], x = norm->t[2];
    const int k = residual_operand(norm, add);
    if (!k) return 0;
    const gen_tensor z = add->t[0], r = add->t[k];
    return same_shape(z, y) && same_shape(r, y) && same_or_apart(z, x) && same_or_apart(r, x) &&
           same_or_apart(z, y) && same_or_apart(r, y) && same_or_apart(z, r);
}

static inline float act1(int act, float alpha, float x)
{
    switch (act) {
    case GEN_ACT_RELU:
        return x > 0.0f ? x : 0.0f;
    case GEN_ACT_LEAKY_RELU:
        return x > 0.0f ? x : alpha * x;
    case GEN_ACT_TANH:
        return tanhf(x);
    default:
        return (float)(1.0 / (1.0 + exp(-(double)x)));
    }
}

typedef struct op_job {
    const gen_node *nd;
    const cpu_kern *k;
    int fuse, act;
    float alpha;
    size_t len;
    float *z; /* fused residual add: z = r + the norm's output */
    const float *r;
} op_job;

/* Instance norm forward / apply: item = channel, all images. */
static void norm_item(void *ctx, int ch, int worker)
{
    const op_job *j = ctx;
    const gen_node *nd = j->nd;
    const gen_tensor *t = nd->t;
    const int N = t[2].n, C = t[2].c, hw = t[2].h * t[2].w;
    float *out = cpu_ptr(t[0]), *stats = cpu_ptr(t[1]);
    const float *in = cpu_ptr(t[2]), *gamma = cpu_ptr(t[3]), *beta = cpu_ptr(t[4]);
    for (int n = 0; n < N; n++) {
        size_t p = (size_t)n * C + ch;
        const float *x = in + p * hw;
        float mean, rstd;
        if (nd->op == GEN_OP_INSTNORM_FWD) {
            double m, m2;
            j->k->plane_stats(x, hw, &m, &m2);
            double var = m2 / hw;
            mean = (float)m;
            rstd = (float)(1.0 / sqrt(var + (double)GEN_IN_EPS));
            stats[2 * p] = mean;
            stats[2 * p + 1] = rstd;
        } else {
            mean = stats[2 * p];
            rstd = stats[2 * p + 1];
        }
        /* (x - mean) * a + b, not x * a + (b - mean * a): no cancellation when |mean| >> std */
        float a = rstd * gamma[ch], b = beta[ch];
        float *y = out + p * hw;
        if (!j->fuse || j->act == GEN_ACT_RELU || j->act == GEN_ACT_LEAKY_RELU) {
            int act = !j->fuse ? -1 : j->act == GEN_ACT_RELU ? 0 : 1;
            j->k->norm_apply(x, y, hw, mean, a, b, act, j->alpha);
        } else {
            for (int i = 0; i < hw; i++) y[i] = act1(j->act, j->alpha, (x[i] - mean) * a + b);
        }
        if (j->z) { /* the plane is in cache: the add's pass over y is saved */
            float *z = j->z + p * hw;
            const float *r = j->r + p * hw;
            for (int i = 0; i < hw; i++) z[i] = r[i] + y[i];
        }
    }
}

static void norm_bwd_item(void *ctx, int ch, int worker)
{
    const op_job *j = ctx;
    const gen_tensor *t = j->nd->t;
    const int N = t[4].n, C = t[4].c, hw = t[4].h * t[4].w, acc = j->nd->acc;
    float *din = t[0].buf ? cpu_ptr(t[0]) : NULL;
    float *dgamma = t[1].buf ? cpu_ptr(t[1]) : NULL, *dbeta = t[2].buf ? cpu_ptr(t[2]) : NULL;
    const float *dout = cpu_ptr(t[3]), *in = cpu_ptr(t[4]), *stats = cpu_ptr(t[5]);
    const float *gamma = cpu_ptr(t[6]);
    double sg = 0, sb = 0;
    for (int n = 0; n < N; n++) {
        size_t p = (size_t)n * C + ch;
        const float *x = in + p * hw, *dy = dout + p * hw;
        const float mean = stats[2 * p], rstd = stats[2 * p + 1];
        double sdy = 0, sdyx = 0;
        for (int c0 = 0; c0 < hw; c0 += 256) {
            int c1 = c0 + 256 < hw ? c0 + 256 : hw;
            float p1[8] = {0}, p2[8] = {0};
            int i = c0;
            for (; i + 8 <= c1; i += 8)
                for (int l = 0; l < 8; l++) {
                    float xh = (x[i + l] - mean) * rstd;
                    p1[l] += dy[i + l];
                    p2[l] += dy[i + l] * xh;
                }
            for (; i < c1; i++) {
                p1[0] += dy[i];
                p2[0] += dy[i] * ((x[i] - mean) * rstd);
            }
            for (int l = 0; l < 8; l++) sdy += p1[l], sdyx += p2[l];
        }
        sg += sdyx;
        sb += sdy;
        if (!din) continue;
        const float mdy = (float)(sdy / hw), mdyx = (float)(sdyx / hw), gr = rstd * gamma[ch];
        float *dx = din + p * hw;
        if (acc)
            for (int i = 0; i < hw; i++) dx[i] += gr * (dy[i] - mdy - (x[i] - mean) * rstd * mdyx);
        else
            for (int i = 0; i < hw; i++) dx[i] = gr * (dy[i] - mdy - (x[i] - mean) * rstd * mdyx);
    }
    if (dgamma) dgamma[ch] = (float)((double)dgamma[ch] + sg);
    if (dbeta) dbeta[ch] = (float)((double)dbeta[ch] + sb);
}

/* Elementwise ops: item = CHUNK elements. */
static void elem_item(void *ctx, int item, int worker)
{
    const op_job *j = ctx;
    const gen_node *nd = j->nd;
    const gen_tensor *t = nd->t;
    size_t i0 = (size_t)item * CHUNK, i1 = i0 + CHUNK < j->len ? i0 + CHUNK : j->len;
    switch (nd->op) {
    case GEN_OP_ACT_FWD: {
        float *y = cpu_ptr(t[0]);
        const float *x = cpu_ptr(t[1]);
        if (nd->mode == GEN_ACT_RELU)
            for (size_t i = i0; i < i1; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        else if (nd->mode == GEN_ACT_TANH || nd->mode == GEN_ACT_SIGMOID)
            j->k->act_smooth(x + i0, y + i0, i1 - i0, nd->mode == GEN_ACT_TANH);
        else
            for (size_t i = i0; i < i1; i++) y[i] = act1(nd->mode, nd->alpha, x[i]);
        break;
    }
    case GEN_OP_ACT_BWD: {
        if (!t[0].buf) break;
        float *dx = cpu_ptr(t[0]);
        /* relu and leaky read only in, tanh and sigmoid only out: the other may be absent */
        const float *dy = cpu_ptr(t[1]), *x = t[2].buf ? cpu_ptr(t[2]) : NULL,
                    *y = t[3].buf ? cpu_ptr(t[3]) : NULL;
        /* one loop per activation and rule, so each vectorizes */
#define ACT_BWD_LOOP(G)                                                                            \
    do {                                                                                           \
        if (nd->acc)                                                                               \
            for (size_t i = i0; i < i1; i++) dx[i] += (G);                                         \
        else                                                                                       \
            for (size_t i = i0; i < i1; i++) dx[i] = (G);                                          \
    } while (0)
        const float al = nd->alpha;
        switch (nd->mode) {
        case GEN_ACT_RELU:
            ACT_BWD_LOOP(x[i] > 0 ? dy[i] : 0.0f);
            break;
        case GEN_ACT_LEAKY_RELU:
            ACT_BWD_LOOP(x[i] > 0 ? dy[i] : al * dy[i]);
            break;
        case GEN_ACT_TANH:
            ACT_BWD_LOOP(dy[i] * (1.0f - y[i] * y[i]));
            break;
        default:
            ACT_BWD_LOOP(dy[i] * (y[i] * (1.0f - y[i])));
        }
#undef ACT_BWD_LOOP
        break;
    }
    case GEN_OP_ADD: {
        float *y = cpu_ptr(t[0]);
        const float *a = cpu_ptr(t[1]), *b = cpu_ptr(t[2]);
        for (size_t i = i0; i < i1; i++) y[i] = a[i] + b[i];
        break;
    }
    case GEN_OP_AXPBY: {
        float *y = cpu_ptr(t[0]);
        const float *x = cpu_ptr(t[1]);
        const float al = nd->alpha, be = nd->beta;
        if (be == 0.0f)
            for (size_t i = i0; i < i1; i++) y[i] = al * x[i];
        else
            for (size_t i = i0; i < i1; i++) y[i] = al * x[i] + be * y[i];
        break;
    }
    case GEN_OP_FILL: {
        float *y = cpu_ptr(t[0]);
        for (size_t i = i0; i < i1; i++) y[i] = nd->value;
        break;
    }
    case GEN_OP_FMA_PEAK:
        j->k->fma_peak(cpu_ptr(t[0]), i0, i1, nd->k);
        break;
    default:
        VG_ASSERT(!"not an elementwise op");
    }
}

/* temporal_hold: item = CHUNK pixels of one image (j->len chunks per image). */
static void hold_item(void *ctx, int item, int worker)
{
    const op_job *j = ctx;
    const gen_tensor *t = j->nd->t;
    const size_t hw = (size_t)t[0].h * t[0].w, b = (size_t)item / j->len;
    const size_t i0 = (size_t)item % j->len * CHUNK, i1 = i0 + CHUNK < hw ? i0 + CHUNK : hw;
    const size_t o = b * 3 * hw;
    float *y = cpu_ptr(t[0]) + o, *pl = cpu_ptr(t[2]) + b * hw, *r = cpu_ptr(t[3]) + o;
    const float *x = cpu_ptr(t[1]) + o;
    const float still = j->nd->value, rate = j->nd->alpha;
    for (size_t i = i0; i < i1; i++) {
        float l = 0.299f * x[i] + 0.587f * x[hw + i] + 0.114f * x[2 * hw + i];
        float s = (127.5f * fabsf(l - pl[i]) - still) / still;
        pl[i] = l;
        s = s < 0.0f ? 0.0f : s > 1.0f ? 1.0f : s;
        float a = rate + (1.0f - rate) * s * s * (3.0f - 2.0f * s);
        for (size_t c = 0; c < 3 * hw; c += hw) {
            r[c + i] += a * (y[c + i] - x[c + i] - r[c + i]);
            y[c + i] = x[c + i] + r[c + i];
        }
    }
}

/* Nearest 2x upsampling: item = plane. */
static void up_item(void *ctx, int p, int worker)
{
    const op_job *j = ctx;
    const gen_node *nd = j->nd;
    if (nd->op == GEN_OP_UPSAMPLE_FWD) {
        const gen_tensor *ti = &nd->t[1];
        const int h = ti->h, w = ti->w;
        const float *x = cpu_ptr(*ti) + (size_t)p * h * w;
        float *y = cpu_ptr(nd->t[0]) + (size_t)p * 4 * h * w;
        for (int r = 0; r < h; r++) {
            float *y0 = y + (size_t)2 * r * 2 * w;
            const float *xr = x + (size_t)r * w;
            for (int c = 0; c < w; c++) y0[2 * c] = y0[2 * c + 1] = xr[c];
            memcpy(y0 + 2 * w, y0, sizeof(float) * 2 * (size_t)w);
        }
    } else {
        const gen_tensor *ti = &nd->t[0];
        if (!ti->buf) return;
        const int h = ti->h, w = ti->w;
        float *dx = cpu_ptr(*ti) + (size_t)p * h * w;
        const float *dy = cpu_ptr(nd->t[1]) + (size_t)p * 4 * h * w;
        for (int r = 0; r < h; r++) {
            const float *a = dy + (size_t)2 * r * 2 * w, *b = a + 2 * w;
            float *d = dx + (size_t)r * w;
            for (int c = 0; c < w; c++) {
                float g = (a[2 * c] + a[2 * c + 1]) + (b[2 * c] + b[2 * c + 1]);
                d[c] = nd->acc ? d[c] + g : g;
            }
        }
    }
}

/* Gram forward: item = (image, row i); the row computes g[i][j] and g[j][i] for j >= i, so
 * every entry has one writer and the matrix is exactly symmetric. */
static void gram_fwd_item(void *ctx, int item, int worker)
{
    const op_job *j = ctx;
    const gen_tensor *t = j->nd->t;
    const int c = t[1].c, hw = t[1].h * t[1].w, b = item / c, i = item % c;
    const double norm = 1.0 / ((double)c * hw);
    const float *f = cpu_ptr(t[1]) + (size_t)b * c * hw;
    float *g = cpu_ptr(t[0]) + (size_t)b * c * c;
    for (int k = i; k < c; k++) {
        float v = (float)(j->k->dot(f + (size_t)i * hw, f + (size_t)k * hw, hw) * norm);
        g[(size_t)i * c + k] = v;
        g[(size_t)k * c + i] = v;
    }
}

#define GRAM_BWD_CHUNK 1024 /* pixels of one df row per item: stays in L1 across the c axpys */

/* Gram backward: df[b,i,p] (= or +=) sum_k (dg[i][k] + dg[k][i]) f[b,k,p] / (c hw);
 * item = (image, row i, pixel chunk). */
static void gram_bwd_item(void *ctx, int item, int worker)
{
    const op_job *j = ctx;
    const gen_tensor *t = j->nd->t;
    const int c = t[2].c, hw = t[2].h * t[2].w, nch = (hw + GRAM_BWD_CHUNK - 1) / GRAM_BWD_CHUNK;
    const int b = item / (c * nch), i = item / nch % c, p0 = item % nch * GRAM_BWD_CHUNK;
    const int len = p0 + GRAM_BWD_CHUNK < hw ? GRAM_BWD_CHUNK : hw - p0;
    const double norm = 1.0 / ((double)c * hw);
    const float *f = cpu_ptr(t[2]) + (size_t)b * c * hw, *g = cpu_ptr(t[1]) + (size_t)b * c * c;
    float *df = cpu_ptr(t[0]) + ((size_t)b * c + i) * hw + p0;
    if (!j->nd->acc) memset(df, 0, sizeof(float) * (size_t)len);
    for (int k = 0; k < c; k++) {
        float a = (float)(((double)g[(size_t)i * c + k] + g[(size_t)k * c + i]) * norm);
        j->k->axpy(df, f + (size_t)k * hw + p0, len, a);
    }
}

void cpu_ops_run(cpu_backend *be, const gen_node *nd, const gen_node *act, const gen_node *add)
{
    op_job j = {nd, be->k};
    if (act) {
        j.fuse = 1;
        j.act = act->mode;
        j.alpha = act->alpha;
    }
    if (add) {
        j.z = cpu_ptr(add->t[0]);
        j.r = cpu_ptr(add->t[residual_operand(nd, add)]);
    }
    switch (nd->op) {
    case GEN_OP_INSTNORM_FWD:
    case GEN_OP_INSTNORM_APPLY:
        cpu_pool_run(be->pool, nd->t[2].c, norm_item, &j);
        break;
    case GEN_OP_INSTNORM_BWD:
        cpu_pool_run(be->pool, nd->t[4].c, norm_bwd_item, &j);
        break;
    case GEN_OP_UPSAMPLE_FWD:
        cpu_pool_run(be->pool, nd->t[1].n * nd->t[1].c, up_item, &j);
        break;
    case GEN_OP_UPSAMPLE_BWD:
        cpu_pool_run(be->pool, nd->t[1].n * nd->t[1].c, up_item, &j);
        break;
    case GEN_OP_GRAM_FWD:
        cpu_pool_run(be->pool, nd->t[1].n * nd->t[1].c, gram_fwd_item, &j);
        break;
    case GEN_OP_YUV_TO_RGB:
        cpu_yuv_to_rgb(be, nd);
        break;
    case GEN_OP_RGB_TO_YUV:
        cpu_rgb_to_yuv(be, nd);
        break;
    case GEN_OP_TEMPORAL_HOLD:
        j.len = ((size_t)nd->t[0].h * nd->t[0].w + CHUNK - 1) / CHUNK;
        cpu_pool_run(be->pool, (int)(nd->t[0].n * j.len), hold_item, &j);
        break;
    case GEN_OP_GRAM_BWD: {
        const gen_tensor *f = &nd->t[2];
        int nch = (f->h * f->w + GRAM_BWD_CHUNK - 1) / GRAM_BWD_CHUNK;
        cpu_pool_run(be->pool, f->n * f->c * nch, gram_bwd_item, &j);
        break;
    }
    default:
        j.len = gen_tensor_len(nd->t[0].buf ? nd->t[0] : nd->t[1]);
        cpu_pool_run(be->pool, (int)((j.len + CHUNK - 1) / CHUNK), elem_item, &j);
    }
}
