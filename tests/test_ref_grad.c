/*
 * test_ref_grad.c - checks every backward of the plain-C reference (gen/ref) against central
 * finite differences of the double-precision forward, on tiny shapes.
 *
 * A tensor output is reduced to a scalar by a random linear functional L = sum(r * out), so
 * the analytic gradient is the backward run with dout = r; a loss is reduced by
 * L = scale * loss with the backward's scale argument. Finite differences use step
 * FD_H = 1e-6 and must agree within FD_ATOL + FD_RTOL * |fd| (both 1e-6); measured errors are
 * around 1e-9. Inputs stay away from kinks (relu at 0, l1 at a == b, hinge at +-1).
 *
 * The same runs check the gradient rule: activation gradients written with acc == 0 over
 * NaN garbage, and with acc == 1 over random prior contents (prior + grad); parameter
 * gradients added to random prior contents; NULL gradient pointers skipped.
 * Not tested here: forward values (test_ref_ops.c) and float vs double (test_ref_ops.c).
 */
#include "gen/ref/gen_ref.h"
#include "vt.h"

#include <string.h>

#define FD_H    1e-6
#define FD_ATOL 1e-6
#define FD_RTOL 1e-6

static double worst_fd_err; /* largest |analytic - fd| seen, for the summary line */

/* ---- buffers ---------------------------------------------------------------------------- */

static double *buf_alloc(size_t n)
{
    double *x = malloc((n ? n : 1) * sizeof *x);
    if (!x) abort();
    return x;
}
static double *buf_uniform(vt_rng *r, size_t n, double lo, double hi)
{
    double *x = buf_alloc(n);
    for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * vt_rng_uniform(r, 0.0f, 1.0f);
    return x;
}
/* values with |x| in [lo, hi] and a random sign: away from a kink at 0 */
static double *buf_away0(vt_rng *r, size_t n, double lo, double hi)
{
    double *x = buf_uniform(r, n, lo, hi);
    for (size_t i = 0; i < n; i++)
        if (vt_rng_u32(r) & 1) x[i] = -x[i];
    return x;
}
static double *buf_nan(size_t n)
{
    double *x = buf_alloc(n);
    for (size_t i = 0; i < n; i++) x[i] = NAN;
    return x;
}
static double *buf_copy(const double *a, size_t n)
{
    double *x = buf_alloc(n);
    memcpy(x, a, n * sizeof *x);
    return x;
}
/* x -= base: what an accumulating call added */
static void buf_sub(double *x, const double *base, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] -= base[i];
}

/* Compares an analytic gradient with finite differences; prints the worst element. */
static void check_grad(const char *what, const double *got, const double *fd, size_t n)
{
    size_t worst = 0;
    double worst_excess = -INFINITY;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - fd[i]);
        double excess = d - (FD_ATOL + FD_RTOL * fabs(fd[i]));
        if (!(excess <= 0.0)) bad++;
        if (excess > worst_excess || isnan(d)) {
            worst_excess = isnan(d) ? INFINITY : excess;
            worst = i;
        }
        if (d > worst_fd_err || isnan(d)) worst_fd_err = isnan(d) ? INFINITY : d;
    }
    if (bad) {
        fprintf(stderr,
                "FAIL %s: %d of %zu gradients off (atol %g rtol %g); worst at %zu: analytic "
                "%.12g fd %.12g\n",
                what, bad, n, FD_ATOL, FD_RTOL, worst, got[worst], fd[worst]);
        vt_failures++;
    }
}

/* ---- the forward as a function of its inputs --------------------------------------------- */

typedef enum fd_op_kind {
    OP_CONV,
    OP_UPSAMPLE,
    OP_INSTNORM,
    OP_ACT,
    OP_ADD,
    OP_AXPBY,
    OP_CONCAT,
    OP_AVGPOOL,
    OP_L1,
    OP_MSE,
    OP_LSGAN,
    OP_HINGE,
    OP_GRAM,
    OP_TV,
} fd_op_kind;

/* One forward call: the op, its shape arguments and its input buffers (x0, x1, x2 in the
 * order of the forward's arguments). fd_grad perturbs one of them in place. */
typedef struct fd_op {
    fd_op_kind kind;
    gen_conv2d_desc conv;
    int mode, n, c, h, w, k, s, cb;
    size_t len;
    float alpha, beta, target;
    double *x0, *x1, *x2;
} fd_op;

/* Output length of the op (in elements). */
static size_t fd_out_len(const fd_op *o)
{
    switch (o->kind) {
    case OP_CONV:
        return (size_t)o->conv.n * o->conv.oc * gen_conv2d_oh(&o->conv) * gen_conv2d_ow(&o->conv);
    case OP_UPSAMPLE:
        return (size_t)o->n * o->c * 4 * o->h * o->w;
    case OP_INSTNORM:
        return (size_t)o->n * o->c * o->h;
    case OP_ACT:
    case OP_ADD:
    case OP_AXPBY:
        return o->len;
    case OP_CONCAT:
        return (size_t)o->n * (o->c + o->cb) * o->h;
    case OP_AVGPOOL:
        return (size_t)o->n * o->c * ((o->h - o->k) / o->s + 1) * ((o->w - o->k) / o->s + 1);
    case OP_GRAM:
        return (size_t)o->n * o->c * o->c;
    default:
        return 1; /* losses */
    }
}

static void fd_forward(const fd_op *o, double *out)
{
    switch (o->kind) {
    case OP_CONV:
        gen_ref_conv2d_forward_f64(&o->conv, out, o->x0, o->x1, o->x2);
        break;
    case OP_UPSAMPLE:
        gen_ref_upsample2x_forward_f64(o->mode, o->n, o->c, o->h, o->w, out, o->x0);
        break;
    case OP_INSTNORM: {
        double *stats = buf_alloc((size_t)o->n * o->c * 2);
        gen_ref_instnorm_forward_f64(o->n, o->c, o->h, out, stats, o->x0, o->x1, o->x2);
        free(stats);
        break;
    }
    case OP_ACT:
        gen_ref_act_forward_f64(o->mode, o->alpha, o->len, out, o->x0);
        break;
    case OP_ADD:
        gen_ref_add_f64(o->len, out, o->x0, o->x1);
        break;
    case OP_AXPBY: /* y = alpha * x0 + beta * x1 */
        memcpy(out, o->x1, o->len * sizeof *out);
        gen_ref_axpby_f64(o->len, out, o->alpha, o->x0, o->beta);
        break;
    case OP_CONCAT:
        gen_ref_concat_forward_f64(o->n, o->c, o->cb, o->h, out, o->x0, o->x1);
        break;
    case OP_AVGPOOL:
        gen_ref_avgpool_forward_f64(o->n, o->c, o->h, o->w, o->k, o->s, out, o->x0);
        break;
    case OP_L1:
        gen_ref_l1_forward_f64(o->len, out, o->x0, o->x1);
        break;
    case OP_MSE:
        gen_ref_mse_forward_f64(o->len, out, o->x0, o->x1);
        break;
    case OP_LSGAN:
        gen_ref_lsgan_forward_f64(o->len, out, o->x0, o->target);
        break;
    case OP_HINGE:
        gen_ref_hinge_forward_f64(o->mode, o->len, out, o->x0);
        break;
    case OP_GRAM:
        gen_ref_gram_forward_f64(o->n, o->c, o->h, out, o->x0);
        break;
    case OP_TV:
        gen_ref_tv_forward_f64(o->n, o->c, o->h, o->w, out, o->x0);
        break;
    }
}

static double fd_functional(const fd_op *o, const double *r, double *out, size_t nout)
{
    fd_forward(o, out);
    double s = 0.0;
    for (size_t i = 0; i < nout; i++) s += r[i] * out[i];
    return s;
}

/* Returns dL/dx by central differences, L = sum(r * forward), x one of o's inputs. */
static double *fd_grad(const fd_op *o, double *x, size_t nx, const double *r)
{
    size_t nout = fd_out_len(o);
    double *out = buf_alloc(nout), *g = buf_alloc(nx);
    for (size_t i = 0; i < nx; i++) {
        double x0 = x[i];
        x[i] = x0 + FD_H;
        double lp = fd_functional(o, r, out, nout);
        x[i] = x0 - FD_H;
        double lm = fd_functional(o, r, out, nout);
        x[i] = x0;
        g[i] = (lp - lm) / (2.0 * FD_H);
    }
    free(out);
    return g;
}

/*
 * Checks one activation gradient: `run` is called twice, once with acc == 0 on a NaN-filled
 * buffer (must overwrite), once with acc == 1 on random contents (must add). Both results
 * are compared with fd. The callback runs the backward with only this gradient requested.
 */
typedef void (*bwd_fn)(const fd_op *o, const double *r, double *dx, int acc);

static void check_act_grad(const char *what, const fd_op *o, bwd_fn run, const double *r,
                           const double *fd, size_t n, vt_rng *rng)
{
    char name[160];
    double *g0 = buf_nan(n);
    run(o, r, g0, 0);
    snprintf(name, sizeof name, "%s (acc=0 over NaN)", what);
    check_grad(name, g0, fd, n);

    double *prior = buf_uniform(rng, n, -1.0, 1.0), *g1 = buf_copy(prior, n);
    run(o, r, g1, 1);
    buf_sub(g1, prior, n);
    snprintf(name, sizeof name, "%s (acc=1)", what);
    check_grad(name, g1, fd, n);
    free(g0);
    free(prior);
    free(g1);
}

/* ---- conv2d ------------------------------------------------------------------------------ */

static int conv_cases;

static void test_conv_case(vt_rng *rng, gen_conv2d_desc d)
{
    char what[160];
    snprintf(what, sizeof what, "conv2d mode %d k%d s%d p%d bias %d in %dx%dx%dx%d oc %d",
             d.pad_mode, d.k, d.stride, d.pad, d.has_bias, d.n, d.ic, d.ih, d.iw, d.oc);
    size_t nin = (size_t)d.n * d.ic * d.ih * d.iw, nw = (size_t)d.oc * d.ic * d.k * d.k;
    size_t nb = (size_t)d.oc;
    fd_op o = {.kind = OP_CONV, .conv = d};
    o.x0 = buf_uniform(rng, nin, -1.0, 1.0);
    o.x1 = buf_uniform(rng, nw, -1.0, 1.0);
    o.x2 = d.has_bias ? buf_uniform(rng, nb, -1.0, 1.0) : NULL;
    size_t nout = fd_out_len(&o);
    double *r = buf_uniform(rng, nout, -1.0, 1.0);

    /* all three gradients at once: din over NaN (acc 0), dw and db onto random priors */
    double *din = buf_nan(nin);
    double *dw_prior = buf_uniform(rng, nw, -1.0, 1.0), *dw = buf_copy(dw_prior, nw);
    double *db_prior = buf_uniform(rng, nb, -1.0, 1.0), *db = buf_copy(db_prior, nb);
    gen_ref_conv2d_backward_f64(&d, din, dw, d.has_bias ? db : NULL, r, o.x0, o.x1, 0);
    buf_sub(dw, dw_prior, nw);
    buf_sub(db, db_prior, nb);

    double *fd_in = fd_grad(&o, o.x0, nin, r), *fd_w = fd_grad(&o, o.x1, nw, r);
    char name[200];
    snprintf(name, sizeof name, "%s: din", what);
    check_grad(name, din, fd_in, nin);
    snprintf(name, sizeof name, "%s: dw", what);
    check_grad(name, dw, fd_w, nw);
    if (d.has_bias) {
        double *fd_b = fd_grad(&o, o.x2, nb, r);
        snprintf(name, sizeof name, "%s: db", what);
        check_grad(name, db, fd_b, nb);
        free(fd_b);
    }

    /* din alone with acc = 1 onto a prior (dw, db NULL), then dw alone (din NULL) */
    double *din_prior = buf_uniform(rng, nin, -1.0, 1.0), *din1 = buf_copy(din_prior, nin);
    gen_ref_conv2d_backward_f64(&d, din1, NULL, NULL, r, o.x0, o.x1, 1);
    buf_sub(din1, din_prior, nin);
    snprintf(name, sizeof name, "%s: din (acc=1, dw NULL)", what);
    check_grad(name, din1, fd_in, nin);
    double *dw2 = buf_copy(dw_prior, nw);
    gen_ref_conv2d_backward_f64(&d, NULL, dw2, NULL, r, o.x0, o.x1, 0);
    buf_sub(dw2, dw_prior, nw);
    snprintf(name, sizeof name, "%s: dw (din NULL)", what);
    check_grad(name, dw2, fd_w, nw);

    conv_cases++;
    free(o.x0), free(o.x1), free(o.x2), free(r), free(din), free(dw_prior), free(dw);
    free(db_prior), free(db), free(fd_in), free(fd_w), free(din_prior), free(din1), free(dw2);
}

static void test_conv(vt_rng *rng)
{
    static const int ks[] = {1, 2, 3, 4, 5, 9};
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
            int k = ks[ki];
            for (int stride = 1; stride <= 2; stride++) {
                /* 0: pad k/2 on 3x5; 1: ih == pad + 1 (the smallest plain reflect); 2: pad
                 * k - 1 on 2x3 (pad >= size: repeated mirroring); 3: no padding */
                for (int v = 0; v < 4; v++) {
                    gen_conv2d_desc d = {.n = 2,
                                         .ic = 2 + (v & 1),
                                         .oc = 3 - (v & 1),
                                         .k = k,
                                         .stride = stride,
                                         .pad_mode = mode,
                                         .has_bias = (v + stride + (int)ki) & 1};
                    switch (v) {
                    case 0:
                        d.pad = k / 2, d.ih = 3, d.iw = 5;
                        break;
                    case 1:
                        d.pad = k / 2, d.ih = k / 2 + 1, d.iw = 4;
                        break;
                    case 2:
                        d.pad = k - 1, d.ih = 2, d.iw = 3;
                        break;
                    default:
                        d.pad = 0, d.ih = k + 1, d.iw = k + 2;
                        break;
                    }
                    test_conv_case(rng, d);
                }
            }
        }
    }
    /* one case each for 5x3 and 4x4 with a 3x3 kernel, every mode */
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
        test_conv_case(rng, (gen_conv2d_desc){2, 3, 5, 3, 2, 3, 1, 1, mode, 1});
        test_conv_case(rng, (gen_conv2d_desc){2, 2, 4, 4, 3, 3, 2, 1, mode, 0});
    }
}

/* ---- the other ops ----------------------------------------------------------------------- */

static void bwd_upsample(const fd_op *o, const double *r, double *dx, int acc)
{
    gen_ref_upsample2x_backward_f64(o->mode, o->n, o->c, o->h, o->w, dx, r, acc);
}

static void test_upsample(vt_rng *rng)
{
    static const int shapes[][2] = {{3, 5}, {4, 4}, {5, 3}, {1, 2}, {1, 1}};
    for (int mode = 0; mode <= 1; mode++) {
        for (int si = 0; si < 5; si++) {
            fd_op o = {.kind = OP_UPSAMPLE,
                       .mode = mode,
                       .n = 2,
                       .c = 2,
                       .h = shapes[si][0],
                       .w = shapes[si][1]};
            size_t nin = (size_t)o.n * o.c * o.h * o.w;
            o.x0 = buf_uniform(rng, nin, -1.0, 1.0);
            double *r = buf_uniform(rng, fd_out_len(&o), -1.0, 1.0);
            double *fd = fd_grad(&o, o.x0, nin, r);
            char what[80];
            snprintf(what, sizeof what, "upsample2x mode %d %dx%d", mode, o.h, o.w);
            check_act_grad(what, &o, bwd_upsample, r, fd, nin, rng);
            free(o.x0), free(r), free(fd);
        }
    }
}

static void test_instnorm(vt_rng *rng)
{
    static const int hws[] = {15, 16, 2};
    for (int si = 0; si < 3; si++) {
        fd_op o = {.kind = OP_INSTNORM, .n = 2, .c = 3, .h = hws[si]};
        size_t nin = (size_t)o.n * o.c * o.h, nc = (size_t)o.c, ns = 2 * (size_t)o.n * o.c;
        o.x0 = buf_uniform(rng, nin, -1.0, 1.0);
        o.x1 = buf_uniform(rng, nc, 0.5, 1.5);
        o.x2 = buf_uniform(rng, nc, -0.5, 0.5);
        double *r = buf_uniform(rng, nin, -1.0, 1.0);
        double *out = buf_alloc(nin), *stats = buf_alloc(ns);
        gen_ref_instnorm_forward_f64(o.n, o.c, o.h, out, stats, o.x0, o.x1, o.x2);

        double *din = buf_nan(nin);
        double *dg_prior = buf_uniform(rng, nc, -1.0, 1.0), *dg = buf_copy(dg_prior, nc);
        double *db_prior = buf_uniform(rng, nc, -1.0, 1.0), *db = buf_copy(db_prior, nc);
        gen_ref_instnorm_backward_f64(o.n, o.c, o.h, din, dg, db, r, o.x0, stats, o.x1, 0);
        buf_sub(dg, dg_prior, nc);
        buf_sub(db, db_prior, nc);
        double *din_prior = buf_uniform(rng, nin, -1.0, 1.0), *din1 = buf_copy(din_prior, nin);
        gen_ref_instnorm_backward_f64(o.n, o.c, o.h, din1, NULL, NULL, r, o.x0, stats, o.x1, 1);
        buf_sub(din1, din_prior, nin);

        double *fd_in = fd_grad(&o, o.x0, nin, r), *fd_g = fd_grad(&o, o.x1, nc, r);
        double *fd_b = fd_grad(&o, o.x2, nc, r);
        char what[80];
        snprintf(what, sizeof what, "instnorm hw %d: din (acc=0 over NaN)", o.h);
        check_grad(what, din, fd_in, nin);
        snprintf(what, sizeof what, "instnorm hw %d: din (acc=1)", o.h);
        check_grad(what, din1, fd_in, nin);
        snprintf(what, sizeof what, "instnorm hw %d: dgamma", o.h);
        check_grad(what, dg, fd_g, nc);
        snprintf(what, sizeof what, "instnorm hw %d: dbeta", o.h);
        check_grad(what, db, fd_b, nc);
        free(o.x0), free(o.x1), free(o.x2), free(r), free(out), free(stats), free(din);
        free(dg_prior), free(dg), free(db_prior), free(db), free(din_prior), free(din1);
        free(fd_in), free(fd_g), free(fd_b);
    }
}

static void bwd_act(const fd_op *o, const double *r, double *dx, int acc)
{
    double *out = buf_alloc(o->len);
    gen_ref_act_forward_f64(o->mode, o->alpha, o->len, out, o->x0);
    /* relu and leaky read `in`, tanh and sigmoid `out`: pass NULL for the other */
    int reads_in = o->mode == GEN_ACT_RELU || o->mode == GEN_ACT_LEAKY_RELU;
    gen_ref_act_backward_f64(o->mode, o->alpha, o->len, dx, r, reads_in ? o->x0 : NULL,
                             reads_in ? NULL : out, acc);
    free(out);
}

static void test_act(vt_rng *rng)
{
    static const char *names[] = {"relu", "leaky_relu", "tanh", "sigmoid"};
    for (int act = 0; act < GEN_ACT_COUNT; act++) {
        fd_op o = {.kind = OP_ACT, .mode = act, .alpha = 0.2f, .len = 2 * 3 * 4 * 5};
        o.x0 = buf_away0(rng, o.len, 0.05, 2.0);
        double *r = buf_uniform(rng, o.len, -1.0, 1.0);
        double *fd = fd_grad(&o, o.x0, o.len, r);
        check_act_grad(names[act], &o, bwd_act, r, fd, o.len, rng);
        free(o.x0), free(r), free(fd);
    }
}

/* add and axpby have no backward of their own: their gradients are dout, alpha * dout and
 * beta * dout, which the graph code routes with axpby; check those against fd. */
static void test_add_axpby(vt_rng *rng)
{
    const size_t len = 24;
    fd_op add = {.kind = OP_ADD, .len = len}, ax = {.kind = OP_AXPBY, .len = len};
    ax.alpha = 0.75f, ax.beta = -1.5f;
    add.x0 = ax.x0 = buf_uniform(rng, len, -1.0, 1.0);
    add.x1 = ax.x1 = buf_uniform(rng, len, -1.0, 1.0);
    double *r = buf_uniform(rng, len, -1.0, 1.0), *g = buf_alloc(len);
    double *fd = fd_grad(&add, add.x0, len, r);
    check_grad("add: da = dout", r, fd, len);
    free(fd);
    fd = fd_grad(&add, add.x1, len, r);
    check_grad("add: db = dout", r, fd, len);
    free(fd);
    fd = fd_grad(&ax, ax.x0, len, r);
    gen_ref_axpby_f64(len, g, ax.alpha, r, 0.0f);
    check_grad("axpby: dx = alpha dout", g, fd, len);
    free(fd);
    fd = fd_grad(&ax, ax.x1, len, r);
    gen_ref_axpby_f64(len, g, ax.beta, r, 0.0f);
    check_grad("axpby: dy = beta dout", g, fd, len);
    free(fd), free(add.x0), free(add.x1), free(r), free(g);
}

static void bwd_concat_a(const fd_op *o, const double *r, double *dx, int acc)
{
    gen_ref_concat_backward_f64(o->n, o->c, o->cb, o->h, dx, NULL, r, acc);
}
static void bwd_concat_b(const fd_op *o, const double *r, double *dx, int acc)
{
    gen_ref_concat_backward_f64(o->n, o->c, o->cb, o->h, NULL, dx, r, acc);
}

static void test_concat(vt_rng *rng)
{
    fd_op o = {.kind = OP_CONCAT, .n = 2, .c = 2, .cb = 3, .h = 15};
    size_t na = (size_t)o.n * o.c * o.h, nb = (size_t)o.n * o.cb * o.h;
    o.x0 = buf_uniform(rng, na, -1.0, 1.0);
    o.x1 = buf_uniform(rng, nb, -1.0, 1.0);
    double *r = buf_uniform(rng, fd_out_len(&o), -1.0, 1.0);
    double *fda = fd_grad(&o, o.x0, na, r), *fdb = fd_grad(&o, o.x1, nb, r);
    check_act_grad("concat: da", &o, bwd_concat_a, r, fda, na, rng);
    check_act_grad("concat: db", &o, bwd_concat_b, r, fdb, nb, rng);
    /* both at once */
    double *da = buf_nan(na), *db = buf_nan(nb);
    gen_ref_concat_backward_f64(o.n, o.c, o.cb, o.h, da, db, r, 0);
    check_grad("concat: da (both)", da, fda, na);
    check_grad("concat: db (both)", db, fdb, nb);
    free(o.x0), free(o.x1), free(r), free(fda), free(fdb), free(da), free(db);
}

static void bwd_avgpool(const fd_op *o, const double *r, double *dx, int acc)
{
    gen_ref_avgpool_backward_f64(o->n, o->c, o->h, o->w, o->k, o->s, dx, r, acc);
}

static void test_avgpool(vt_rng *rng)
{
    /* {h, w, k, s}: non-overlapping, overlapping, uncovered border rows/columns */
    static const int cfg[][4] = {{4, 4, 2, 2}, {5, 3, 3, 1}, {5, 7, 2, 2}, {3, 5, 3, 2}};
    for (int i = 0; i < 4; i++) {
        fd_op o = {.kind = OP_AVGPOOL,
                   .n = 2,
                   .c = 2,
                   .h = cfg[i][0],
                   .w = cfg[i][1],
                   .k = cfg[i][2],
                   .s = cfg[i][3]};
        size_t nin = (size_t)o.n * o.c * o.h * o.w;
        o.x0 = buf_uniform(rng, nin, -1.0, 1.0);
        double *r = buf_uniform(rng, fd_out_len(&o), -1.0, 1.0);
        double *fd = fd_grad(&o, o.x0, nin, r);
        char what[80];
        snprintf(what, sizeof what, "avgpool %dx%d k%d s%d", o.h, o.w, o.k, o.s);
        check_act_grad(what, &o, bwd_avgpool, r, fd, nin, rng);
        free(o.x0), free(r), free(fd);
    }
}

/* losses: r[0] is the scale */
static void bwd_loss(const fd_op *o, const double *r, double *dx, int acc)
{
    float scale = (float)r[0];
    switch (o->kind) {
    case OP_L1:
        gen_ref_l1_backward_f64(o->len, dx, o->x0, o->x1, scale, acc);
        break;
    case OP_MSE:
        gen_ref_mse_backward_f64(o->len, dx, o->x0, o->x1, scale, acc);
        break;
    case OP_LSGAN:
        gen_ref_lsgan_backward_f64(o->len, dx, o->x0, o->target, scale, acc);
        break;
    case OP_HINGE:
        gen_ref_hinge_backward_f64(o->mode, o->len, dx, o->x0, scale, acc);
        break;
    case OP_TV:
        gen_ref_tv_backward_f64(o->n, o->c, o->h, o->w, dx, o->x0, scale, acc);
        break;
    default:
        abort();
    }
}

static void test_loss(vt_rng *rng, fd_op o, const char *what)
{
    /* the scale is a float argument: draw it as a float so fd and backward see one value */
    double r[1] = {vt_rng_uniform(rng, 0.5f, 2.0f)};
    size_t n = o.kind == OP_TV ? (size_t)o.n * o.c * o.h * o.w : o.len;
    double *fd = fd_grad(&o, o.x0, n, r);
    check_act_grad(what, &o, bwd_loss, r, fd, n, rng);
    free(fd);
}

static void test_losses(vt_rng *rng)
{
    const size_t len = 30;
    double *a = buf_uniform(rng, len, -1.0, 1.0), *b = buf_alloc(len);
    /* b = a + d with |d| >= 0.05: l1 stays away from a == b */
    double *d = buf_away0(rng, len, 0.05, 1.0);
    for (size_t i = 0; i < len; i++) b[i] = a[i] + d[i];
    test_loss(rng, (fd_op){.kind = OP_L1, .len = len, .x0 = a, .x1 = b}, "l1");
    test_loss(rng, (fd_op){.kind = OP_MSE, .len = len, .x0 = a, .x1 = b}, "mse");
    test_loss(rng, (fd_op){.kind = OP_LSGAN, .len = len, .x0 = a, .target = 1.0f}, "lsgan 1");
    test_loss(rng, (fd_op){.kind = OP_LSGAN, .len = len, .x0 = a, .target = 0.0f}, "lsgan 0");

    /* hinge: x in +-[0, 0.9] or +-[1.1, 2], away from the hinge points +-1 */
    double *x = buf_alloc(len);
    for (size_t i = 0; i < len; i++) {
        double v = vt_rng_uniform(rng, 0.0f, 1.8f);
        v = v < 0.9 ? v : v + 0.2;
        x[i] = (vt_rng_u32(rng) & 1) ? -v : v;
    }
    static const char *hn[] = {"hinge real", "hinge fake", "hinge gen"};
    for (int mode = 0; mode < 3; mode++)
        test_loss(rng, (fd_op){.kind = OP_HINGE, .mode = mode, .len = len, .x0 = x}, hn[mode]);

    static const int tvs[][2] = {{3, 5}, {4, 4}, {5, 3}, {1, 4}};
    for (int i = 0; i < 4; i++) {
        fd_op o = {.kind = OP_TV, .n = 2, .c = 2, .h = tvs[i][0], .w = tvs[i][1]};
        o.x0 = buf_uniform(rng, (size_t)o.n * o.c * o.h * o.w, -1.0, 1.0);
        char what[40];
        snprintf(what, sizeof what, "tv %dx%d", o.h, o.w);
        test_loss(rng, o, what);
        free(o.x0);
    }
    free(a), free(b), free(d), free(x);
}

static void bwd_gram(const fd_op *o, const double *r, double *dx, int acc)
{
    gen_ref_gram_backward_f64(o->n, o->c, o->h, dx, r, o->x0, acc);
}

static void test_gram(vt_rng *rng)
{
    static const int cfg[][2] = {{3, 15}, {2, 16}, {1, 4}};
    for (int i = 0; i < 3; i++) {
        fd_op o = {.kind = OP_GRAM, .n = 2, .c = cfg[i][0], .h = cfg[i][1]};
        size_t nf = (size_t)o.n * o.c * o.h;
        o.x0 = buf_uniform(rng, nf, -1.0, 1.0);
        double *r = buf_uniform(rng, fd_out_len(&o), -1.0, 1.0);
        double *fd = fd_grad(&o, o.x0, nf, r);
        char what[40];
        snprintf(what, sizeof what, "gram c %d hw %d", o.c, o.h);
        check_act_grad(what, &o, bwd_gram, r, fd, nf, rng);
        free(o.x0), free(r), free(fd);
    }
}

int main(void)
{
    vt_rng rng = {0x5eed1234abcdull};
    test_conv(&rng);
    test_upsample(&rng);
    test_instnorm(&rng);
    test_act(&rng);
    test_add_axpby(&rng);
    test_concat(&rng);
    test_avgpool(&rng);
    test_losses(&rng);
    test_gram(&rng);
    printf("test_ref_grad: %d conv2d cases; worst |analytic - fd| %.3g (tolerance %g + %g "
           "|fd|)\n",
           conv_cases, worst_fd_err, FD_ATOL, FD_RTOL);
    return vt_result("test_ref_grad");
}
