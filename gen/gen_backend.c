/*
 * gen_backend.c - backend-independent half of the engine: backend selection, buffers,
 * arenas, and recording of op nodes with their shape checks. What a node means is in
 * gen_ops.h; how it runs is the backend's business.
 */
#include "gen/gen_backend_priv.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_assert.h"
#include "common/vg_error.h"
#include "common/vg_fault.h"
#include "common/vg_log.h"
#include "common/vg_opt.h"

int gen_backend_create(const gen_backend_config *cfg, gen_backend **out)
{
    *out = NULL;
    switch (cfg->kind) {
    case GEN_BACKEND_REF:
        return gen_ref_backend_create(cfg, out);
    case GEN_BACKEND_AUTO: {
        gen_backend_config c = *cfg;
        c.kind = gen_backend_auto(cfg, NULL, 0);
        return c.kind == GEN_BACKEND_AUTO ? VG_ERR_INVALID : gen_backend_create(&c, out);
    }
    case GEN_BACKEND_VULKAN:
        return gen_vk_backend_create(cfg, out);
    case GEN_BACKEND_CPU:
        return gen_cpu_backend_create(cfg, out);
    default:
        return VG_ERR_INVALID;
    }
}

void gen_backend_destroy(gen_backend **be)
{
    if (!be || !*be) return;
    (*be)->vt->destroy(*be);
    *be = NULL;
}

gen_backend_kind gen_backend_get_kind(const gen_backend *be)
{
    return be->kind;
}

uint64_t gen_backend_heap_bytes(const gen_backend *be)
{
    return be->heap_bytes;
}

const char *gen_backend_name(const gen_backend *be)
{
    return be->name;
}

void gen_backend_get_stats(const gen_backend *be, gen_backend_stats *st)
{
    *st = be->stats;
}

int gen_buf_create(gen_backend *be, size_t nfloats, gen_buf **out)
{
    *out = NULL;
    if (nfloats == 0) nfloats = 1;
    int64_t limit;
    if (vg_fault_arg("device-alloc", &limit) && (int64_t)(nfloats * sizeof(float)) > limit) {
        if (!be->quiet_oom) {
            char sz[24];
            vg_format_size((int64_t)(nfloats * sizeof(float)), sz, sizeof(sz));
            vg_error("%s: out of device memory allocating %s (VRGEN_FAULT=device-alloc)", be->name,
                     sz);
        }
        return VG_ERR_DEVICE_OOM;
    }
    return be->vt->buf_create(be, nfloats, out);
}

void gen_backend_set_quiet_oom(gen_backend *be, int quiet)
{
    be->quiet_oom = quiet;
}

void gen_buf_destroy(gen_buf **b)
{
    if (!b || !*b) return;
    (*b)->be->vt->buf_destroy(*b);
    *b = NULL;
}

size_t gen_buf_len(const gen_buf *b)
{
    return b->len;
}

static void check_in_buf(gen_tensor t)
{
    VG_ASSERT(t.buf);
    VG_ASSERT(t.n > 0 && t.c > 0 && t.h > 0 && t.w > 0);
    VG_ASSERT(t.off % GEN_TENSOR_ALIGN == 0);
    VG_ASSERT(t.off + gen_tensor_len(t) <= t.buf->len);
}

int gen_tensor_upload(gen_backend *be, gen_tensor t, const float *src)
{
    check_in_buf(t);
    return be->vt->upload(be, t, src);
}

int gen_tensor_download(gen_backend *be, gen_tensor t, float *dst)
{
    check_in_buf(t);
    return be->vt->download(be, t, dst);
}

float *gen_tensor_host(gen_backend *be, gen_tensor t)
{
    check_in_buf(t);
    return be->vt->host ? be->vt->host(t) : NULL;
}

gen_tensor gen_arena_take(gen_arena *a, int n, int c, int h, int w)
{
    gen_tensor t = {a->buf, a->used, n, c, h, w};
    size_t len = gen_tensor_len(t);
    a->used += (len + GEN_TENSOR_ALIGN - 1) / GEN_TENSOR_ALIGN * GEN_TENSOR_ALIGN;
    if (a->buf) VG_ASSERT(a->used <= a->buf->len);
    return t;
}

/* --- programs ----------------------------------------------------------------------- */

int gen_prog_create(gen_backend *be, gen_prog **out)
{
    gen_prog *p = calloc(1, sizeof(*p));
    *out = p;
    if (!p) return VG_ERR_NOMEM;
    p->be = be;
    return VG_OK;
}

void gen_prog_destroy(gen_prog **pp)
{
    if (!pp || !*pp) return;
    gen_prog *p = *pp;
    if (p->impl) p->be->vt->prog_release(p);
    free(p->nodes);
    free(p);
    *pp = NULL;
}

int gen_prog_compile(gen_prog *p)
{
    VG_ASSERT(!p->compiled);
    int ret = p->be->vt->prog_compile(p);
    if (ret == VG_OK) p->compiled = 1;
    return ret;
}

int gen_prog_try_compile(gen_prog *p)
{
    p->quiet_limits = 1;
    int ret = gen_prog_compile(p);
    p->quiet_limits = 0;
    return ret;
}

int gen_prog_submit(gen_prog *p)
{
    VG_ASSERT(p->compiled);
    if (vg_fault_hit("device-lost")) {
        static atomic_int said;
        if (!atomic_exchange(&said, 1))
            vg_error("%s: device lost (VRGEN_FAULT=device-lost)", p->be->name);
        return VG_ERR_DEVICE_LOST;
    }
    return p->be->vt->prog_submit(p);
}

int gen_prog_wait(gen_prog *p)
{
    VG_ASSERT(p->compiled);
    return p->be->vt->prog_wait(p);
}

int gen_prog_run(gen_prog *p)
{
    int ret = gen_prog_submit(p);
    if (ret < 0) return ret;
    return gen_prog_wait(p);
}

int gen_prog_node_count(const gen_prog *p)
{
    return p->count;
}

/* Appends a node; tensors present (buf != NULL) must lie inside their buffers. */
static gen_node *push(gen_prog *p, gen_op op, int nt, const gen_tensor *t)
{
    VG_ASSERT(!p->compiled);
    VG_ASSERT(nt <= GEN_NODE_MAX_T);
    if (p->count == p->cap) {
        int cap = p->cap ? p->cap * 2 : 64;
        gen_node *n = realloc(p->nodes, (size_t)cap * sizeof(*n));
        VG_ASSERT(n); /* out of host memory while building a graph: nothing sane to do */
        p->nodes = n;
        p->cap = cap;
    }
    gen_node *nd = &p->nodes[p->count++];
    memset(nd, 0, sizeof(*nd));
    nd->op = op;
    nd->nt = nt;
    for (int i = 0; i < nt; i++) {
        nd->t[i] = t[i];
        if (t[i].buf) {
            VG_ASSERT(t[i].buf->be == p->be);
            check_in_buf(t[i]);
        }
    }
    return nd;
}

static int same_shape(gen_tensor a, gen_tensor b)
{
    return a.n == b.n && a.c == b.c && a.h == b.h && a.w == b.w;
}

static void check_conv(const gen_conv2d_desc *d, gen_tensor out, gen_tensor in, gen_tensor w,
                       gen_tensor b)
{
    VG_ASSERT(d->k >= 1 && d->k <= 9);
    VG_ASSERT(d->stride == 1 || d->stride == 2);
    VG_ASSERT(d->pad >= 0 && d->pad < d->k);
    VG_ASSERT(d->pad_mode >= 0 && d->pad_mode < GEN_PAD_COUNT);
    VG_ASSERT(gen_conv2d_oh(d) >= 1 && gen_conv2d_ow(d) >= 1);
    if (d->up2) VG_ASSERT(d->ih % 2 == 0 && d->iw % 2 == 0);
    if (in.buf)
        VG_ASSERT(in.n == d->n && in.c == d->ic && in.h << d->up2 == d->ih &&
                  in.w << d->up2 == d->iw);
    if (out.buf)
        VG_ASSERT(out.n == d->n && out.c == d->oc && out.h == gen_conv2d_oh(d) &&
                  out.w == gen_conv2d_ow(d));
    if (w.buf) VG_ASSERT(gen_tensor_len(w) == (size_t)d->oc * d->ic * d->k * d->k);
    if (d->has_bias && b.buf) VG_ASSERT(gen_tensor_len(b) == (size_t)d->oc);
}

void gen_conv2d_forward(gen_prog *p, const gen_conv2d_desc *d, gen_tensor out, gen_tensor in,
                        gen_tensor w, gen_tensor b)
{
    VG_ASSERT(out.buf && in.buf && w.buf && (!d->has_bias || b.buf));
    check_conv(d, out, in, w, b);
    gen_tensor t[] = {out, in, w, d->has_bias ? b : (gen_tensor){0}};
    gen_node *nd = push(p, GEN_OP_CONV2D_FWD, 4, t);
    nd->conv = *d;
}

void gen_conv2d_backward(gen_prog *p, const gen_conv2d_desc *d, gen_tensor din, gen_tensor dw,
                         gen_tensor db, gen_tensor dout, gen_tensor in, gen_tensor w, int acc)
{
    VG_ASSERT(dout.buf && in.buf && w.buf && !d->up2);
    check_conv(d, dout, in, w, db);
    if (din.buf) VG_ASSERT(same_shape(din, in));
    if (dw.buf) VG_ASSERT(gen_tensor_len(dw) == gen_tensor_len(w));
    if (!d->has_bias) db = (gen_tensor){0};
    gen_tensor t[] = {din, dw, db, dout, in, w};
    gen_node *nd = push(p, GEN_OP_CONV2D_BWD, 6, t);
    nd->conv = *d;
    nd->acc = acc;
}

void gen_upsample2x_forward(gen_prog *p, gen_upsample_mode mode, gen_tensor out, gen_tensor in)
{
    VG_ASSERT(out.n == in.n && out.c == in.c && out.h == 2 * in.h && out.w == 2 * in.w);
    gen_tensor t[] = {out, in};
    push(p, GEN_OP_UPSAMPLE_FWD, 2, t)->mode = mode;
}

void gen_upsample2x_backward(gen_prog *p, gen_upsample_mode mode, gen_tensor din, gen_tensor dout,
                             int acc)
{
    VG_ASSERT(dout.n == din.n && dout.c == din.c && dout.h == 2 * din.h && dout.w == 2 * din.w);
    gen_tensor t[] = {din, dout};
    gen_node *nd = push(p, GEN_OP_UPSAMPLE_BWD, 2, t);
    nd->mode = mode;
    nd->acc = acc;
}

void gen_instnorm_forward(gen_prog *p, gen_tensor out, gen_tensor stats, gen_tensor in,
                          gen_tensor gamma, gen_tensor beta)
{
    VG_ASSERT(same_shape(out, in));
    VG_ASSERT(gen_tensor_len(stats) == (size_t)in.n * in.c * 2);
    VG_ASSERT(gen_tensor_len(gamma) == (size_t)in.c && gen_tensor_len(beta) == (size_t)in.c);
    gen_tensor t[] = {out, stats, in, gamma, beta};
    push(p, GEN_OP_INSTNORM_FWD, 5, t);
}

void gen_instnorm_backward(gen_prog *p, gen_tensor din, gen_tensor dgamma, gen_tensor dbeta,
                           gen_tensor dout, gen_tensor in, gen_tensor stats, gen_tensor gamma,
                           int acc)
{
    VG_ASSERT(same_shape(dout, in));
    if (din.buf) VG_ASSERT(same_shape(din, in));
    if (dgamma.buf) VG_ASSERT(gen_tensor_len(dgamma) == (size_t)in.c);
    if (dbeta.buf) VG_ASSERT(gen_tensor_len(dbeta) == (size_t)in.c);
    VG_ASSERT(gen_tensor_len(stats) == (size_t)in.n * in.c * 2);
    gen_tensor t[] = {din, dgamma, dbeta, dout, in, stats, gamma};
    push(p, GEN_OP_INSTNORM_BWD, 7, t)->acc = acc;
}

void gen_instnorm_apply(gen_prog *p, gen_tensor out, gen_tensor stats, gen_tensor in,
                        gen_tensor gamma, gen_tensor beta)
{
    VG_ASSERT(same_shape(out, in));
    VG_ASSERT(gen_tensor_len(stats) == (size_t)in.n * in.c * 2);
    VG_ASSERT(gen_tensor_len(gamma) == (size_t)in.c && gen_tensor_len(beta) == (size_t)in.c);
    gen_tensor t[] = {out, stats, in, gamma, beta};
    push(p, GEN_OP_INSTNORM_APPLY, 5, t);
}

void gen_moments_accumulate(gen_prog *p, gen_tensor acc, gen_tensor in, gen_tensor stats, int x0,
                            int y0, int x1, int y1)
{
    VG_ASSERT(gen_tensor_len(acc) == (size_t)in.n * in.c * 2);
    VG_ASSERT(gen_tensor_len(stats) == (size_t)in.n * in.c * 2);
    VG_ASSERT(0 <= x0 && x0 < x1 && x1 <= in.w && 0 <= y0 && y0 < y1 && y1 <= in.h);
    gen_tensor t[] = {acc, in, stats};
    gen_node *nd = push(p, GEN_OP_MOMENTS_ACC, 3, t);
    nd->rect[0] = x0, nd->rect[1] = y0, nd->rect[2] = x1, nd->rect[3] = y1;
}

void gen_window(gen_prog *p, gen_tensor out, gen_tensor in, int x0, int y0, int f,
                gen_pad_mode pad_mode)
{
    VG_ASSERT(out.n == in.n && out.c == in.c);
    VG_ASSERT(f >= 1 && f <= 16);
    VG_ASSERT(pad_mode >= 0 && pad_mode < GEN_PAD_COUNT);
    gen_tensor t[] = {out, in};
    gen_node *nd = push(p, GEN_OP_WINDOW, 2, t);
    nd->rect[0] = x0, nd->rect[1] = y0;
    nd->k = f;
    nd->mode = pad_mode;
}

void gen_tile_blend(gen_prog *p, gen_tensor out, gen_tensor tile, const gen_blend_desc *d)
{
    VG_ASSERT(out.n == tile.n && out.c == tile.c);
    VG_ASSERT(out.w % 4 == 0 && tile.w % 4 == 0 && d->ox % 4 == 0);
    VG_ASSERT(0 <= d->x0 && d->x0 < d->x1 && d->x1 <= out.w);
    VG_ASSERT(0 <= d->y0 && d->y0 < d->y1 && d->y1 <= out.h);
    VG_ASSERT(d->band >= 0 && d->band % 2 == 0);
    gen_tensor t[] = {out, tile};
    push(p, GEN_OP_TILE_BLEND, 2, t)->blend = *d;
}

void gen_temporal_hold(gen_prog *p, gen_tensor y, gen_tensor x, gen_tensor pl, gen_tensor r,
                       float still, float rate)
{
    const gen_tensor s[] = {x, pl, r};
    VG_ASSERT(y.c == 3);
    for (int i = 0; i < 3; i++)
        VG_ASSERT(s[i].n == y.n && s[i].c == (i == 1 ? 1 : 3) && s[i].h == y.h && s[i].w == y.w);
    VG_ASSERT(still > 0 && rate >= 0 && rate <= 1);
    gen_tensor t[] = {y, x, pl, r};
    gen_node *nd = push(p, GEN_OP_TEMPORAL_HOLD, 4, t);
    nd->value = still;
    nd->alpha = rate;
}

void gen_temporal_reset(gen_prog *p, gen_tensor pl, gen_tensor r)
{
    VG_ASSERT(pl.c == 1 && r.c == 3 && pl.n == r.n && pl.h == r.h && pl.w == r.w);
    gen_fill(p, pl, GEN_TEMPORAL_RESET);
    gen_fill(p, r, 0.0f);
}

void gen_act_forward(gen_prog *p, gen_act act, float alpha, gen_tensor out, gen_tensor in)
{
    VG_ASSERT(gen_tensor_len(out) == gen_tensor_len(in));
    gen_tensor t[] = {out, in};
    gen_node *nd = push(p, GEN_OP_ACT_FWD, 2, t);
    nd->mode = act;
    nd->alpha = alpha;
}

void gen_act_backward(gen_prog *p, gen_act act, float alpha, gen_tensor din, gen_tensor dout,
                      gen_tensor in, gen_tensor out, int acc)
{
    size_t len = gen_tensor_len(din);
    VG_ASSERT(gen_tensor_len(dout) == len);
    /* relu/leaky read the input, tanh/sigmoid the output */
    if (act == GEN_ACT_RELU || act == GEN_ACT_LEAKY_RELU)
        VG_ASSERT(in.buf && gen_tensor_len(in) == len);
    else
        VG_ASSERT(out.buf && gen_tensor_len(out) == len);
    gen_tensor t[] = {din, dout, in, out};
    gen_node *nd = push(p, GEN_OP_ACT_BWD, 4, t);
    nd->mode = act;
    nd->alpha = alpha;
    nd->acc = acc;
}

void gen_add(gen_prog *p, gen_tensor out, gen_tensor a, gen_tensor b)
{
    VG_ASSERT(gen_tensor_len(out) == gen_tensor_len(a) && gen_tensor_len(a) == gen_tensor_len(b));
    gen_tensor t[] = {out, a, b};
    push(p, GEN_OP_ADD, 3, t);
}

void gen_axpby(gen_prog *p, gen_tensor y, float alpha, gen_tensor x, float beta)
{
    VG_ASSERT(gen_tensor_len(y) == gen_tensor_len(x));
    gen_tensor t[] = {y, x};
    gen_node *nd = push(p, GEN_OP_AXPBY, 2, t);
    nd->alpha = alpha;
    nd->beta = beta;
}

void gen_fill(gen_prog *p, gen_tensor y, float v)
{
    gen_tensor t[] = {y};
    push(p, GEN_OP_FILL, 1, t)->value = v;
}

void gen_concat_forward(gen_prog *p, gen_tensor out, gen_tensor a, gen_tensor b)
{
    VG_ASSERT(a.n == b.n && a.h == b.h && a.w == b.w);
    VG_ASSERT(out.n == a.n && out.c == a.c + b.c && out.h == a.h && out.w == a.w);
    gen_tensor t[] = {out, a, b};
    push(p, GEN_OP_CONCAT_FWD, 3, t);
}

void gen_concat_backward(gen_prog *p, gen_tensor da, gen_tensor db, gen_tensor dout, int acc)
{
    VG_ASSERT(da.n == db.n && da.h == db.h && da.w == db.w);
    VG_ASSERT(dout.n == da.n && dout.c == da.c + db.c && dout.h == da.h && dout.w == da.w);
    gen_tensor t[] = {da, db, dout};
    push(p, GEN_OP_CONCAT_BWD, 3, t)->acc = acc;
}

void gen_avgpool_forward(gen_prog *p, int k, int s, gen_tensor out, gen_tensor in)
{
    VG_ASSERT(k >= 1 && s >= 1 && in.h >= k && in.w >= k);
    VG_ASSERT(out.n == in.n && out.c == in.c && out.h == (in.h - k) / s + 1 &&
              out.w == (in.w - k) / s + 1);
    gen_tensor t[] = {out, in};
    gen_node *nd = push(p, GEN_OP_AVGPOOL_FWD, 2, t);
    nd->k = k;
    nd->s = s;
}

void gen_avgpool_backward(gen_prog *p, int k, int s, gen_tensor din, gen_tensor dout, int acc)
{
    VG_ASSERT(k >= 1 && s >= 1 && din.h >= k && din.w >= k);
    VG_ASSERT(dout.n == din.n && dout.c == din.c && dout.h == (din.h - k) / s + 1 &&
              dout.w == (din.w - k) / s + 1);
    gen_tensor t[] = {din, dout};
    gen_node *nd = push(p, GEN_OP_AVGPOOL_BWD, 2, t);
    nd->k = k;
    nd->s = s;
    nd->acc = acc;
}

static void check_loss(gen_tensor loss)
{
    VG_ASSERT(gen_tensor_len(loss) == 1);
}

static void pair_loss(gen_prog *p, gen_op op, gen_tensor out, gen_tensor a, gen_tensor b,
                      float scale, int acc)
{
    VG_ASSERT(gen_tensor_len(a) == gen_tensor_len(b));
    if (op == GEN_OP_L1_FWD || op == GEN_OP_MSE_FWD)
        check_loss(out);
    else
        VG_ASSERT(gen_tensor_len(out) == gen_tensor_len(a));
    gen_tensor t[] = {out, a, b};
    gen_node *nd = push(p, op, 3, t);
    nd->scale = scale;
    nd->acc = acc;
}

void gen_l1_forward(gen_prog *p, gen_tensor loss, gen_tensor a, gen_tensor b)
{
    pair_loss(p, GEN_OP_L1_FWD, loss, a, b, 1.0f, 0);
}

void gen_l1_backward(gen_prog *p, gen_tensor da, gen_tensor a, gen_tensor b, float scale, int acc)
{
    pair_loss(p, GEN_OP_L1_BWD, da, a, b, scale, acc);
}

void gen_mse_forward(gen_prog *p, gen_tensor loss, gen_tensor a, gen_tensor b)
{
    pair_loss(p, GEN_OP_MSE_FWD, loss, a, b, 1.0f, 0);
}

void gen_mse_backward(gen_prog *p, gen_tensor da, gen_tensor a, gen_tensor b, float scale, int acc)
{
    pair_loss(p, GEN_OP_MSE_BWD, da, a, b, scale, acc);
}

void gen_lsgan_forward(gen_prog *p, gen_tensor loss, gen_tensor x, float target)
{
    check_loss(loss);
    gen_tensor t[] = {loss, x};
    push(p, GEN_OP_LSGAN_FWD, 2, t)->target = target;
}

void gen_lsgan_backward(gen_prog *p, gen_tensor dx, gen_tensor x, float target, float scale,
                        int acc)
{
    VG_ASSERT(gen_tensor_len(dx) == gen_tensor_len(x));
    gen_tensor t[] = {dx, x};
    gen_node *nd = push(p, GEN_OP_LSGAN_BWD, 2, t);
    nd->target = target;
    nd->scale = scale;
    nd->acc = acc;
}

void gen_hinge_forward(gen_prog *p, gen_hinge_mode mode, gen_tensor loss, gen_tensor x)
{
    check_loss(loss);
    gen_tensor t[] = {loss, x};
    push(p, GEN_OP_HINGE_FWD, 2, t)->mode = mode;
}

void gen_hinge_backward(gen_prog *p, gen_hinge_mode mode, gen_tensor dx, gen_tensor x, float scale,
                        int acc)
{
    VG_ASSERT(gen_tensor_len(dx) == gen_tensor_len(x));
    gen_tensor t[] = {dx, x};
    gen_node *nd = push(p, GEN_OP_HINGE_BWD, 2, t);
    nd->mode = mode;
    nd->scale = scale;
    nd->acc = acc;
}

void gen_gram_forward(gen_prog *p, gen_tensor g, gen_tensor f)
{
    VG_ASSERT(gen_tensor_len(g) == (size_t)f.n * f.c * f.c);
    gen_tensor t[] = {g, f};
    push(p, GEN_OP_GRAM_FWD, 2, t);
}

void gen_gram_backward(gen_prog *p, gen_tensor df, gen_tensor dg, gen_tensor f, int acc)
{
    VG_ASSERT(same_shape(df, f));
    VG_ASSERT(gen_tensor_len(dg) == (size_t)f.n * f.c * f.c);
    gen_tensor t[] = {df, dg, f};
    push(p, GEN_OP_GRAM_BWD, 3, t)->acc = acc;
}

void gen_tv_forward(gen_prog *p, gen_tensor loss, gen_tensor x)
{
    check_loss(loss);
    gen_tensor t[] = {loss, x};
    push(p, GEN_OP_TV_FWD, 2, t);
}

void gen_tv_backward(gen_prog *p, gen_tensor dx, gen_tensor x, float scale, int acc)
{
    VG_ASSERT(same_shape(dx, x));
    gen_tensor t[] = {dx, x};
    gen_node *nd = push(p, GEN_OP_TV_BWD, 2, t);
    nd->scale = scale;
    nd->acc = acc;
}

void gen_sum(gen_prog *p, gen_tensor out, gen_tensor x)
{
    check_loss(out);
    gen_tensor t[] = {out, x};
    push(p, GEN_OP_SUM, 2, t);
}

void gen_adam_update(gen_prog *p, gen_tensor param, gen_tensor grad, gen_tensor m, gen_tensor v,
                     gen_tensor hyper)
{
    size_t len = gen_tensor_len(param);
    VG_ASSERT(gen_tensor_len(grad) == len && gen_tensor_len(m) == len && gen_tensor_len(v) == len);
    VG_ASSERT(gen_tensor_len(hyper) == GEN_ADAM_HYPER_LEN);
    gen_tensor t[] = {param, grad, m, v, hyper};
    push(p, GEN_OP_ADAM, 5, t);
}

void gen_fma_peak(gen_prog *p, gen_tensor out, int rounds)
{
    VG_ASSERT(rounds > 0);
    gen_tensor t[] = {out};
    push(p, GEN_OP_FMA_PEAK, 1, t)->k = rounds;
}

static void check_yuv(gen_tensor rgb, gen_tensor packed, const gen_yuv_desc *d, int rotation)
{
    VG_ASSERT(d->width >= 1 && d->height >= 1);
    VG_ASSERT(d->bits >= 8 && d->bits <= 16);
    VG_ASSERT(d->log2_cw >= 0 && d->log2_cw <= 1 && d->log2_ch >= 0 && d->log2_ch <= 1);
    VG_ASSERT(d->cs >= GEN_CS_BT601 && d->cs <= GEN_CS_RGB);
    VG_ASSERT(d->cs != GEN_CS_RGB || (d->log2_cw == 0 && d->log2_ch == 0));
    VG_ASSERT(rotation == 0 || rotation == 90 || rotation == 180 || rotation == 270);
    for (int i = 0; i < 3; i++) {
        VG_ASSERT(d->offset[i] % 4 == 0 && d->stride[i] % 4 == 0);
        VG_ASSERT(d->stride[i] >= gen_yuv_plane_w(d, i) * gen_yuv_bps(d));
    }
    VG_ASSERT(gen_yuv_packed_bytes(d) <= gen_tensor_len(packed) * sizeof(float));
    int pw, ph;
    gen_yuv_picture_size(d, rotation, &pw, &ph);
    VG_ASSERT(rgb.n == 1 && rgb.c == 3 && rgb.h >= ph && rgb.w >= pw);
}

void gen_yuv_to_rgb(gen_prog *p, gen_tensor rgb, gen_tensor packed, const gen_yuv_desc *d,
                    int rotation)
{
    check_yuv(rgb, packed, d, rotation);
    gen_tensor t[] = {rgb, packed};
    gen_node *nd = push(p, GEN_OP_YUV_TO_RGB, 2, t);
    nd->yuv = *d;
    nd->rotation = rotation;
}

void gen_rgb_to_yuv(gen_prog *p, gen_tensor packed, gen_tensor rgb, const gen_yuv_desc *d,
                    int rotation)
{
    check_yuv(rgb, packed, d, rotation);
    gen_tensor t[] = {packed, rgb};
    gen_node *nd = push(p, GEN_OP_RGB_TO_YUV, 2, t);
    nd->yuv = *d;
    nd->rotation = rotation;
}

void gen_view_render(gen_prog *p, gen_tensor out, gen_tensor src, gen_tensor params,
                     gen_view_layout layout)
{
    VG_ASSERT(layout >= GEN_VIEW_SCREEN && layout < GEN_VIEW_LAYOUT_COUNT);
    VG_ASSERT(out.buf && src.buf && params.buf);
    VG_ASSERT(out.n == 1 && out.c == 1);
    VG_ASSERT(src.n == 1 && src.c == 3);
    VG_ASSERT(gen_tensor_len(params) == GEN_VIEW_PARAMS_LEN);
    gen_tensor t[] = {out, src, params};
    push(p, GEN_OP_VIEW_RENDER, 3, t)->mode = layout;
}
