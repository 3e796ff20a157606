/*
 * test_ref_torch.c - parity of the float reference ops (gen/ref) with PyTorch.
 *
 * Reads tests/data/ops_torch.safetensors (scripts/make-fixtures.py): for every case in its
 * metadata ("case.<name>" -> "op=conv2d n=2 ic=3 ..."), runs the reference forward and
 * backward on the stored inputs and compares outputs and gradients with what PyTorch's
 * autograd computed. Each backward runs twice: acc = 0 into a NaN-filled buffer (proves
 * the overwrite) and acc = 1 / scale = 0.5 into a buffer holding 0.25 (proves the
 * accumulate rule and the loss scale); parameter gradients always accumulate. Not a
 * network test (that is the lead's net parity test) and not a gradient check (test_ref_grad).
 *
 * Tolerance |got - torch| <= ATOL + RTOL * |torch| with ATOL 1e-6, RTOL 1e-5, for every op,
 * big reductions included. Why that tight: the fixture was computed in float64 from
 * float32 inputs and rounded once, so it is the exact answer to half an ulp; the reference
 * accumulates every reduction in double and rounds once, so each value is within about one
 * ulp (6e-8 relative) plus what float intermediates add (instance norm's stats, Adam's float
 * hyper-parameters: a few ulps). 1e-5 relative is ~80 ulps of margin; ATOL covers results
 * that are sums cancelling to near zero. A backend that sums in float would need looser
 * bounds for the long reductions (conv dw over n*oh*ow up to 1073 terms, instance norm over
 * 1073 pixels, gram over 1073) — those get checked in the backend tests, not here.
 */
#include "common/vg_error.h"
#include "common/vg_file.h"
#include "gen/gen_safetensors.h"
#include "gen/ref/gen_ref.h"
#include "vt.h"

#include <string.h>

#define ATOL 1e-6
#define RTOL 1e-5

static const gen_st_file *fx;
static double worst_ratio; /* largest |err| / (ATOL + RTOL |ref|) seen, for the summary */

/* ---- case descriptors: "op=conv2d n=2 ..." ---- */

/* Copies the value of key in desc into buf; returns buf, or NULL when absent. */
static const char *desc_str(const char *desc, const char *key, char *buf, size_t cap)
{
    size_t kl = strlen(key);
    const char *p = desc;
    while (*p) {
        while (*p == ' ') p++;
        const char *tok = p;
        while (*p && *p != ' ') p++;
        if ((size_t)(p - tok) > kl && !strncmp(tok, key, kl) && tok[kl] == '=') {
            size_t vl = (size_t)(p - tok) - kl - 1;
            if (vl >= cap) vl = cap - 1;
            memcpy(buf, tok + kl + 1, vl);
            buf[vl] = 0;
            return buf;
        }
    }
    return NULL;
}

static double desc_num(const char *name, const char *desc, const char *key)
{
    char buf[64];
    if (!desc_str(desc, key, buf, sizeof buf)) {
        VT_CHECK(0, "case %s: descriptor '%s' lacks %s", name, desc, key);
        return 0;
    }
    return strtod(buf, NULL);
}

static int desc_int(const char *name, const char *desc, const char *key)
{
    return (int)desc_num(name, desc, key);
}

/* ---- tensors ---- */

/* Returns a malloc'ed copy of "<name>.<field>", which must hold n F32 values; NULL (with a
 * failed check) otherwise. */
static float *get(const char *name, const char *field, size_t n)
{
    char full[256];
    snprintf(full, sizeof full, "%s.%s", name, field);
    const gen_st_tensor *t = gen_st_find(fx, full);
    if (!t || t->dtype != GEN_ST_F32 || t->nelem != n) {
        VT_CHECK(0, "fixture tensor %s: %s (want %zu F32 values, has %zu)", full,
                 t ? "wrong size or dtype" : "missing", n, t ? t->nelem : (size_t)0);
        return NULL;
    }
    float *d = malloc((n ? n : 1) * sizeof *d);
    VG_ASSERT(d != NULL);
    VG_ASSERT(gen_st_read_f32(fx, full, t->ndim, t->shape, d) == VG_OK);
    return d;
}

static float *buf_fill(size_t n, float v)
{
    float *d = malloc((n ? n : 1) * sizeof *d);
    VG_ASSERT(d != NULL);
    for (size_t i = 0; i < n; i++) d[i] = v;
    return d;
}

static float *buf_nan(size_t n)
{
    return buf_fill(n, NAN);
}

/* base + scale * ref, the expected content after an acc = 1 pass with that scale. */
static float *expect_acc(const float *ref, size_t n, float base, float scale)
{
    float *e = malloc((n ? n : 1) * sizeof *e);
    VG_ASSERT(e != NULL);
    for (size_t i = 0; i < n; i++) e[i] = (float)((double)base + (double)scale * ref[i]);
    return e;
}

/* Compares with the file's tolerance; label is "<case> <what>". */
static void cmp(const char *name, const char *what, const float *got, const float *ref, size_t n)
{
    if (!got || !ref) return;
    char label[300];
    snprintf(label, sizeof label, "%s %s", name, what);
    for (size_t i = 0; i < n; i++) {
        double r = fabs((double)got[i] - (double)ref[i]) / (ATOL + RTOL * fabs((double)ref[i]));
        if (r > worst_ratio || isnan(r)) worst_ratio = isnan(r) ? INFINITY : r;
    }
    vt_compare(label, got, ref, n, ATOL, RTOL);
}

/* Tolerance for the acc = 1 pass: the fixture value is scaled and added to 0.25, which
 * rounds once more (0.25 has ulp 3e-8). */
static void cmp_acc(const char *name, const char *what, const float *got, const float *ref,
                    size_t n, float base, float scale)
{
    if (!got || !ref) return;
    float *e = expect_acc(ref, n, base, scale);
    char label[300];
    snprintf(label, sizeof label, "%s %s (acc)", name, what);
    vt_compare(label, got, e, n, ATOL + 1e-7, RTOL);
    free(e);
}

#define FREE_ALL(...)                                                                              \
    do {                                                                                           \
        float *ptrs_[] = {__VA_ARGS__};                                                            \
        for (size_t i_ = 0; i_ < sizeof ptrs_ / sizeof ptrs_[0]; i_++) free(ptrs_[i_]);            \
    } while (0)

/* ---- ops ---- */

static gen_pad_mode parse_pad(const char *name, const char *s)
{
    if (!strcmp(s, "zero")) return GEN_PAD_ZERO;
    if (!strcmp(s, "reflect")) return GEN_PAD_REFLECT;
    if (!strcmp(s, "replicate")) return GEN_PAD_REPLICATE;
    if (!strcmp(s, "circular_x")) return GEN_PAD_CIRCULAR_X;
    VT_CHECK(0, "case %s: unknown pad mode %s", name, s);
    return GEN_PAD_ZERO;
}

static void run_conv(const char *name, const char *desc)
{
    char mode[32] = "";
    desc_str(desc, "mode", mode, sizeof mode);
    gen_conv2d_desc d = {
        .n = desc_int(name, desc, "n"),
        .ic = desc_int(name, desc, "ic"),
        .ih = desc_int(name, desc, "ih"),
        .iw = desc_int(name, desc, "iw"),
        .oc = desc_int(name, desc, "oc"),
        .k = desc_int(name, desc, "k"),
        .stride = desc_int(name, desc, "s"),
        .pad = desc_int(name, desc, "pad"),
        .pad_mode = parse_pad(name, mode),
        .has_bias = desc_int(name, desc, "bias"),
    };
    size_t nin = (size_t)d.n * d.ic * d.ih * d.iw;
    size_t nw = (size_t)d.oc * d.ic * d.k * d.k;
    size_t nout = (size_t)d.n * d.oc * gen_conv2d_oh(&d) * gen_conv2d_ow(&d);
    float *in = get(name, "in", nin), *w = get(name, "w", nw);
    float *b = d.has_bias ? get(name, "b", (size_t)d.oc) : NULL;
    float *out_ref = get(name, "out", nout), *dout = get(name, "dout", nout);
    float *din_ref = get(name, "din", nin), *dw_ref = get(name, "dw", nw);
    float *db_ref = d.has_bias ? get(name, "db", (size_t)d.oc) : NULL;
    if (in && w && (b || !d.has_bias) && dout) {
        float *out = buf_nan(nout), *din = buf_nan(nin), *dw = buf_fill(nw, 0);
        float *db = buf_fill((size_t)d.oc, 0);
        gen_ref_conv2d_forward(&d, out, in, w, b);
        cmp(name, "out", out, out_ref, nout);
        gen_ref_conv2d_backward(&d, din, dw, d.has_bias ? db : NULL, dout, in, w, 0);
        cmp(name, "din", din, din_ref, nin);
        cmp(name, "dw", dw, dw_ref, nw);
        if (d.has_bias) cmp(name, "db", db, db_ref, (size_t)d.oc);
        /* acc = 1 for din; dw and db accumulate onto what they hold */
        float *din2 = buf_fill(nin, 0.25f), *dw2 = buf_fill(nw, 0.25f);
        float *db2 = buf_fill((size_t)d.oc, 0.25f);
        gen_ref_conv2d_backward(&d, din2, dw2, d.has_bias ? db2 : NULL, dout, in, w, 1);
        cmp_acc(name, "din", din2, din_ref, nin, 0.25f, 1.0f);
        cmp_acc(name, "dw", dw2, dw_ref, nw, 0.25f, 1.0f);
        if (d.has_bias) cmp_acc(name, "db", db2, db_ref, (size_t)d.oc, 0.25f, 1.0f);
        FREE_ALL(out, din, dw, db, din2, dw2, db2);
    }
    FREE_ALL(in, w, b, out_ref, dout, din_ref, dw_ref, db_ref);
}

static void run_upsample(const char *name, const char *desc)
{
    char mode[32] = "";
    desc_str(desc, "mode", mode, sizeof mode);
    gen_upsample_mode m = !strcmp(mode, "bilinear") ? GEN_UPSAMPLE_BILINEAR : GEN_UPSAMPLE_NEAREST;
    VT_CHECK(!strcmp(mode, "bilinear") || !strcmp(mode, "nearest"), "%s: mode %s", name, mode);
    int n = desc_int(name, desc, "n"), c = desc_int(name, desc, "c");
    int h = desc_int(name, desc, "h"), w = desc_int(name, desc, "w");
    size_t nin = (size_t)n * c * h * w, nout = nin * 4;
    float *in = get(name, "in", nin), *out_ref = get(name, "out", nout);
    float *dout = get(name, "dout", nout), *din_ref = get(name, "din", nin);
    if (in && dout) {
        float *out = buf_nan(nout), *din = buf_nan(nin), *din2 = buf_fill(nin, 0.25f);
        gen_ref_upsample2x_forward(m, n, c, h, w, out, in);
        cmp(name, "out", out, out_ref, nout);
        gen_ref_upsample2x_backward(m, n, c, h, w, din, dout, 0);
        cmp(name, "din", din, din_ref, nin);
        gen_ref_upsample2x_backward(m, n, c, h, w, din2, dout, 1);
        cmp_acc(name, "din", din2, din_ref, nin, 0.25f, 1.0f);
        FREE_ALL(out, din, din2);
    }
    FREE_ALL(in, out_ref, dout, din_ref);
}

static void run_instnorm(const char *name, const char *desc)
{
    int n = desc_int(name, desc, "n"), c = desc_int(name, desc, "c");
    int hw = desc_int(name, desc, "h") * desc_int(name, desc, "w");
    size_t len = (size_t)n * c * hw, nc = (size_t)c;
    float *in = get(name, "in", len), *gamma = get(name, "gamma", nc);
    float *beta = get(name, "beta", nc), *out_ref = get(name, "out", len);
    float *stats_ref = get(name, "stats", (size_t)n * c * 2), *dout = get(name, "dout", len);
    float *din_ref = get(name, "din", len), *dg_ref = get(name, "dgamma", nc);
    float *db_ref = get(name, "dbeta", nc);
    if (in && gamma && beta && dout) {
        float *out = buf_nan(len), *stats = buf_nan((size_t)n * c * 2);
        float *din = buf_nan(len), *dg = buf_fill(nc, 0), *db = buf_fill(nc, 0);
        gen_ref_instnorm_forward(n, c, hw, out, stats, in, gamma, beta);
        cmp(name, "out", out, out_ref, len);
        cmp(name, "stats", stats, stats_ref, (size_t)n * c * 2);
        gen_ref_instnorm_backward(n, c, hw, din, dg, db, dout, in, stats, gamma, 0);
        cmp(name, "din", din, din_ref, len);
        cmp(name, "dgamma", dg, dg_ref, nc);
        cmp(name, "dbeta", db, db_ref, nc);
        float *din2 = buf_fill(len, 0.25f), *dg2 = buf_fill(nc, 0.25f), *db2 = buf_fill(nc, 0.25f);
        gen_ref_instnorm_backward(n, c, hw, din2, dg2, db2, dout, in, stats, gamma, 1);
        cmp_acc(name, "din", din2, din_ref, len, 0.25f, 1.0f);
        cmp_acc(name, "dgamma", dg2, dg_ref, nc, 0.25f, 1.0f);
        cmp_acc(name, "dbeta", db2, db_ref, nc, 0.25f, 1.0f);
        FREE_ALL(out, stats, din, dg, db, din2, dg2, db2);
    }
    FREE_ALL(in, gamma, beta, out_ref, stats_ref, dout, din_ref, dg_ref, db_ref);
}

static void run_act(const char *name, const char *desc)
{
    char a[32] = "";
    desc_str(desc, "act", a, sizeof a);
    gen_act act = GEN_ACT_COUNT;
    if (!strcmp(a, "relu")) act = GEN_ACT_RELU;
    if (!strcmp(a, "leaky_relu")) act = GEN_ACT_LEAKY_RELU;
    if (!strcmp(a, "tanh")) act = GEN_ACT_TANH;
    if (!strcmp(a, "sigmoid")) act = GEN_ACT_SIGMOID;
    VT_CHECK(act != GEN_ACT_COUNT, "%s: unknown act %s", name, a);
    if (act == GEN_ACT_COUNT) return;
    float alpha = (float)desc_num(name, desc, "alpha");
    size_t len = (size_t)desc_int(name, desc, "len");
    float *in = get(name, "in", len), *out_ref = get(name, "out", len);
    float *dout = get(name, "dout", len), *din_ref = get(name, "din", len);
    if (in && dout) {
        float *out = buf_nan(len), *din = buf_nan(len), *din2 = buf_fill(len, 0.25f);
        gen_ref_act_forward(act, alpha, len, out, in);
        cmp(name, "out", out, out_ref, len);
        gen_ref_act_backward(act, alpha, len, din, dout, in, out, 0);
        cmp(name, "din", din, din_ref, len);
        gen_ref_act_backward(act, alpha, len, din2, dout, in, out, 1);
        cmp_acc(name, "din", din2, din_ref, len, 0.25f, 1.0f);
        FREE_ALL(out, din, din2);
    }
    FREE_ALL(in, out_ref, dout, din_ref);
}

static void run_concat(const char *name, const char *desc)
{
    int n = desc_int(name, desc, "n"), ca = desc_int(name, desc, "ca");
    int cb = desc_int(name, desc, "cb"), hw = desc_int(name, desc, "hw");
    size_t la = (size_t)n * ca * hw, lb = (size_t)n * cb * hw, lo = la + lb;
    float *a = get(name, "a", la), *b = get(name, "b", lb), *out_ref = get(name, "out", lo);
    float *dout = get(name, "dout", lo), *da_ref = get(name, "da", la);
    float *db_ref = get(name, "db", lb);
    if (a && b && dout) {
        float *out = buf_nan(lo), *da = buf_nan(la), *db = buf_nan(lb);
        float *da2 = buf_fill(la, 0.25f), *db2 = buf_fill(lb, 0.25f);
        gen_ref_concat_forward(n, ca, cb, hw, out, a, b);
        cmp(name, "out", out, out_ref, lo);
        gen_ref_concat_backward(n, ca, cb, hw, da, db, dout, 0);
        cmp(name, "da", da, da_ref, la);
        cmp(name, "db", db, db_ref, lb);
        gen_ref_concat_backward(n, ca, cb, hw, da2, db2, dout, 1);
        cmp_acc(name, "da", da2, da_ref, la, 0.25f, 1.0f);
        cmp_acc(name, "db", db2, db_ref, lb, 0.25f, 1.0f);
        FREE_ALL(out, da, db, da2, db2);
    }
    FREE_ALL(a, b, out_ref, dout, da_ref, db_ref);
}

static void run_avgpool(const char *name, const char *desc)
{
    int n = desc_int(name, desc, "n"), c = desc_int(name, desc, "c");
    int h = desc_int(name, desc, "h"), w = desc_int(name, desc, "w");
    int k = desc_int(name, desc, "k"), s = desc_int(name, desc, "s");
    size_t nin = (size_t)n * c * h * w;
    size_t nout = (size_t)n * c * ((h - k) / s + 1) * ((w - k) / s + 1);
    float *in = get(name, "in", nin), *out_ref = get(name, "out", nout);
    float *dout = get(name, "dout", nout), *din_ref = get(name, "din", nin);
    if (in && dout) {
        float *out = buf_nan(nout), *din = buf_nan(nin), *din2 = buf_fill(nin, 0.25f);
        gen_ref_avgpool_forward(n, c, h, w, k, s, out, in);
        cmp(name, "out", out, out_ref, nout);
        gen_ref_avgpool_backward(n, c, h, w, k, s, din, dout, 0);
        cmp(name, "din", din, din_ref, nin);
        gen_ref_avgpool_backward(n, c, h, w, k, s, din2, dout, 1);
        cmp_acc(name, "din", din2, din_ref, nin, 0.25f, 1.0f);
        FREE_ALL(out, din, din2);
    }
    FREE_ALL(in, out_ref, dout, din_ref);
}

/* l1 and mse: loss(a, b), gradient w.r.t. a. */
static void run_loss2(const char *name, const char *desc, int is_l1)
{
    size_t len = (size_t)desc_int(name, desc, "len");
    float *a = get(name, "a", len), *b = get(name, "b", len);
    float *loss_ref = get(name, "loss", 1), *da_ref = get(name, "da", len);
    if (a && b) {
        float loss = NAN, *da = buf_nan(len), *da2 = buf_fill(len, 0.25f);
        if (is_l1) {
            gen_ref_l1_forward(len, &loss, a, b);
            gen_ref_l1_backward(len, da, a, b, 1.0f, 0);
            gen_ref_l1_backward(len, da2, a, b, 0.5f, 1);
        } else {
            gen_ref_mse_forward(len, &loss, a, b);
            gen_ref_mse_backward(len, da, a, b, 1.0f, 0);
            gen_ref_mse_backward(len, da2, a, b, 0.5f, 1);
        }
        cmp(name, "loss", &loss, loss_ref, 1);
        cmp(name, "da", da, da_ref, len);
        cmp_acc(name, "da", da2, da_ref, len, 0.25f, 0.5f);
        FREE_ALL(da, da2);
    }
    FREE_ALL(a, b, loss_ref, da_ref);
}

static void run_lsgan(const char *name, const char *desc)
{
    size_t len = (size_t)desc_int(name, desc, "len");
    float target = (float)desc_num(name, desc, "target");
    float *x = get(name, "x", len), *loss_ref = get(name, "loss", 1);
    float *dx_ref = get(name, "dx", len);
    if (x) {
        float loss = NAN, *dx = buf_nan(len), *dx2 = buf_fill(len, 0.25f);
        gen_ref_lsgan_forward(len, &loss, x, target);
        gen_ref_lsgan_backward(len, dx, x, target, 1.0f, 0);
        gen_ref_lsgan_backward(len, dx2, x, target, 0.5f, 1);
        cmp(name, "loss", &loss, loss_ref, 1);
        cmp(name, "dx", dx, dx_ref, len);
        cmp_acc(name, "dx", dx2, dx_ref, len, 0.25f, 0.5f);
        FREE_ALL(dx, dx2);
    }
    FREE_ALL(x, loss_ref, dx_ref);
}

static void run_hinge(const char *name, const char *desc)
{
    char m[32] = "";
    desc_str(desc, "mode", m, sizeof m);
    gen_hinge_mode mode = !strcmp(m, "real")   ? GEN_HINGE_REAL
                          : !strcmp(m, "fake") ? GEN_HINGE_FAKE
                                               : GEN_HINGE_GEN;
    VT_CHECK(!strcmp(m, "real") || !strcmp(m, "fake") || !strcmp(m, "gen"), "%s: mode %s", name, m);
    size_t len = (size_t)desc_int(name, desc, "len");
    float *x = get(name, "x", len), *loss_ref = get(name, "loss", 1);
    float *dx_ref = get(name, "dx", len);
    if (x) {
        float loss = NAN, *dx = buf_nan(len), *dx2 = buf_fill(len, 0.25f);
        gen_ref_hinge_forward(mode, len, &loss, x);
        gen_ref_hinge_backward(mode, len, dx, x, 1.0f, 0);
        gen_ref_hinge_backward(mode, len, dx2, x, 0.5f, 1);
        cmp(name, "loss", &loss, loss_ref, 1);
        cmp(name, "dx", dx, dx_ref, len);
        cmp_acc(name, "dx", dx2, dx_ref, len, 0.25f, 0.5f);
        FREE_ALL(dx, dx2);
    }
    FREE_ALL(x, loss_ref, dx_ref);
}

static void run_gram(const char *name, const char *desc)
{
    int n = desc_int(name, desc, "n"), c = desc_int(name, desc, "c");
    int hw = desc_int(name, desc, "hw");
    size_t nf = (size_t)n * c * hw, ng = (size_t)n * c * c;
    float *f = get(name, "f", nf), *g_ref = get(name, "g", ng);
    float *dg = get(name, "dg", ng), *df_ref = get(name, "df", nf);
    if (f && dg) {
        float *g = buf_nan(ng), *df = buf_nan(nf), *df2 = buf_fill(nf, 0.25f);
        gen_ref_gram_forward(n, c, hw, g, f);
        cmp(name, "g", g, g_ref, ng);
        gen_ref_gram_backward(n, c, hw, df, dg, f, 0);
        cmp(name, "df", df, df_ref, nf);
        gen_ref_gram_backward(n, c, hw, df2, dg, f, 1);
        cmp_acc(name, "df", df2, df_ref, nf, 0.25f, 1.0f);
        FREE_ALL(g, df, df2);
    }
    FREE_ALL(f, g_ref, dg, df_ref);
}

static void run_tv(const char *name, const char *desc)
{
    int n = desc_int(name, desc, "n"), c = desc_int(name, desc, "c");
    int h = desc_int(name, desc, "h"), w = desc_int(name, desc, "w");
    size_t len = (size_t)n * c * h * w;
    float *x = get(name, "x", len), *loss_ref = get(name, "loss", 1);
    float *dx_ref = get(name, "dx", len);
    if (x) {
        float loss = NAN, *dx = buf_nan(len), *dx2 = buf_fill(len, 0.25f);
        gen_ref_tv_forward(n, c, h, w, &loss, x);
        gen_ref_tv_backward(n, c, h, w, dx, x, 1.0f, 0);
        gen_ref_tv_backward(n, c, h, w, dx2, x, 0.5f, 1);
        cmp(name, "loss", &loss, loss_ref, 1);
        cmp(name, "dx", dx, dx_ref, len);
        cmp_acc(name, "dx", dx2, dx_ref, len, 0.25f, 0.5f);
        FREE_ALL(dx, dx2);
    }
    FREE_ALL(x, loss_ref, dx_ref);
}

static void run_sum(const char *name, const char *desc)
{
    size_t len = (size_t)desc_int(name, desc, "len");
    float *x = get(name, "x", len), *out_ref = get(name, "out", 1);
    if (x) {
        float out = NAN;
        gen_ref_sum(len, &out, x);
        cmp(name, "out", &out, out_ref, 1);
    }
    FREE_ALL(x, out_ref);
}

static void run_adam(const char *name, const char *desc)
{
    size_t len = (size_t)desc_int(name, desc, "len");
    int steps = desc_int(name, desc, "steps");
    double b1 = desc_num(name, desc, "b1"), b2 = desc_num(name, desc, "b2");
    float hyper[GEN_ADAM_HYPER_LEN] = {0};
    hyper[GEN_ADAM_LR] = (float)desc_num(name, desc, "lr");
    hyper[GEN_ADAM_B1] = (float)b1;
    hyper[GEN_ADAM_B2] = (float)b2;
    hyper[GEN_ADAM_EPS] = (float)desc_num(name, desc, "eps");
    hyper[GEN_ADAM_WD] = (float)desc_num(name, desc, "wd");
    hyper[GEN_ADAM_DECOUPLED] = (float)desc_int(name, desc, "decoupled");
    float *p = get(name, "p0", len), *m = buf_fill(len, 0), *v = buf_fill(len, 0);
    for (int t = 1; p && t <= steps; t++) {
        char f[16];
        hyper[GEN_ADAM_BC1] = (float)(1.0 - pow(b1, t));
        hyper[GEN_ADAM_BC2] = (float)(1.0 - pow(b2, t));
        snprintf(f, sizeof f, "g%d", t);
        float *g = get(name, f, len);
        if (!g) break;
        gen_ref_adam_update(len, p, g, m, v, hyper);
        char what[32];
        snprintf(f, sizeof f, "p%d", t);
        float *ref = get(name, f, len);
        snprintf(what, sizeof what, "p after step %d", t);
        cmp(name, what, p, ref, len);
        free(ref);
        snprintf(f, sizeof f, "m%d", t);
        ref = get(name, f, len);
        snprintf(what, sizeof what, "m after step %d", t);
        cmp(name, what, m, ref, len);
        free(ref);
        snprintf(f, sizeof f, "v%d", t);
        ref = get(name, f, len);
        snprintf(what, sizeof what, "v after step %d", t);
        cmp(name, what, v, ref, len);
        free(ref);
        free(g);
    }
    FREE_ALL(p, m, v);
}

int main(void)
{
    const char *dir = getenv("VRGEN_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/ops_torch.safetensors", dir ? dir : "tests/data");
    if (!vg_path_exists(path)) {
        printf("test_ref_torch: skipped: fixture %s is missing (regenerate with "
               "/usr/bin/python3 scripts/make-fixtures.py tests/data)\n",
               path);
        return VT_SKIP;
    }
    gen_st_file *f = NULL;
    if (gen_st_load(path, &f) != VG_OK) {
        fprintf(stderr, "test_ref_torch: cannot load %s\n", path);
        return 1;
    }
    fx = f;
    static const char *const ops[] = {"conv2d",  "upsample", "instnorm", "act",   "concat",
                                      "avgpool", "l1",       "mse",      "lsgan", "hinge",
                                      "gram",    "tv",       "sum",      "adam"};
    enum { NOPS = sizeof ops / sizeof ops[0] };
    int per_op[NOPS] = {0};
    double per_op_worst[NOPS] = {0};
    int cases = 0;
    for (size_t i = 0; i < gen_st_meta_count(f); i++) {
        const char *key, *desc;
        gen_st_meta_at(f, i, &key, &desc);
        if (strncmp(key, "case.", 5)) continue;
        const char *name = key + 5;
        char op[32] = "";
        desc_str(desc, "op", op, sizeof op);
        int before = vt_failures;
        worst_ratio = 0;
        int k = 0;
        while (k < NOPS && strcmp(ops[k], op)) k++;
        switch (k) {
        case 0:
            run_conv(name, desc);
            break;
        case 1:
            run_upsample(name, desc);
            break;
        case 2:
            run_instnorm(name, desc);
            break;
        case 3:
            run_act(name, desc);
            break;
        case 4:
            run_concat(name, desc);
            break;
        case 5:
            run_avgpool(name, desc);
            break;
        case 6:
            run_loss2(name, desc, 1);
            break;
        case 7:
            run_loss2(name, desc, 0);
            break;
        case 8:
            run_lsgan(name, desc);
            break;
        case 9:
            run_hinge(name, desc);
            break;
        case 10:
            run_gram(name, desc);
            break;
        case 11:
            run_tv(name, desc);
            break;
        case 12:
            run_sum(name, desc);
            break;
        case 13:
            run_adam(name, desc);
            break;
        default:
            VT_CHECK(0, "case %s: unknown op '%s'", name, op);
            continue;
        }
        if (vt_failures != before) fprintf(stderr, "  in case %s: %s\n", name, desc);
        per_op[k]++;
        if (worst_ratio > per_op_worst[k]) per_op_worst[k] = worst_ratio;
        cases++;
    }
    const char *declared = gen_st_meta(f, "cases");
    VT_CHECK(declared && atoi(declared) == cases, "ran %d cases, the fixture declares %s", cases,
             declared ? declared : "none");
    printf("test_ref_torch: %d cases from %s (torch %s); worst error as a fraction of the "
           "tolerance (atol %g + rtol %g):\n",
           cases, path, gen_st_meta(f, "torch_version") ? gen_st_meta(f, "torch_version") : "?",
           ATOL, RTOL);
    for (int k = 0; k < NOPS; k++)
        printf("  %-9s %3d cases  %.3g\n", ops[k], per_op[k], per_op_worst[k]);
    gen_st_destroy(&f);
    return vt_result("test_ref_torch");
}
