/*
 * gen_net.c - builds the generator and discriminator of docs/networks.md as a flat list
 * of layers over numbered activations, lays out parameters in four parallel buffers
 * (values, gradients, Adam m and v), and records forward and backward passes of a graph.
 *
 * Gradient rule (llm.c): the backward overwrites each activation gradient on its first
 * write and adds on later writes (a residual input is read by a conv and by the add);
 * parameter gradients always accumulate, so the caller zeroes them between steps.
 * Activations are in place (their backward reads the output, which keeps the sign).
 */
#include "gen/gen_net.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"

#define MAX_PARAMS 128
#define MAX_LAYERS 160
#define MAX_ACTS   128

typedef enum gl_type { GL_CONV, GL_NORM, GL_ACT, GL_UP, GL_ADD } gl_type;

typedef struct gen_layer {
    gl_type type;
    int in, in2, out; /* activation ids; GL_ACT works in place (out == in) */
    int k, stride, pad, oc;
    gen_pad_mode pad_mode;
    int pw, pb;        /* conv weight and bias params (pb -1: none) */
    int pgamma, pbeta; /* norm params */
    gen_act act;
    float alpha;
    gen_upsample_mode up;
} gen_layer;

struct gen_net {
    gen_backend *be;
    gen_net_config cfg;
    int training;
    gen_param params[MAX_PARAMS];
    int np;
    size_t plen; /* floats per parameter-shaped buffer */
    gen_buf *pbuf, *gbuf, *mbuf, *vbuf;
    gen_layer layers[MAX_LAYERS];
    int nl;
    int nacts;       /* activation 0 is the input */
    int feature;     /* encoder output activation (generator) */
    int encoder_end; /* layers [0, encoder_end) compute the feature */
};

struct gen_graph {
    gen_net *net;
    int batch, h, w, flags;
    int shape[MAX_ACTS][4];
    gen_tensor act[MAX_ACTS], dact[MAX_ACTS];
    gen_tensor stats[MAX_LAYERS];
    int norm_li[MAX_LAYERS], nnorm; /* the norm layers in forward order */
    gen_tensor dfeature;
    gen_buf *abuf, *gbuf;
    size_t bytes;
};

void gen_net_config_default(gen_net_config *c, gen_net_kind kind)
{
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->width = kind == GEN_NET_GENERATOR ? 16 : 32;
    c->blocks = 5;
    c->pad = GEN_PAD_REFLECT;
    c->up = GEN_UPSAMPLE_NEAREST;
}

/* --- building ----------------------------------------------------------------------- */

static int add_param(gen_net *n, const char *prefix, const char *what, int ndim, int s0, int s1,
                     int s2, int s3)
{
    VG_ASSERT(n->np < MAX_PARAMS);
    gen_param *p = &n->params[n->np];
    snprintf(p->name, sizeof(p->name), "%s.%s", prefix, what);
    p->ndim = ndim;
    p->shape[0] = s0;
    p->shape[1] = s1;
    p->shape[2] = s2;
    p->shape[3] = s3;
    return n->np++;
}

static gen_layer *add_layer(gen_net *n, gl_type type, int in)
{
    VG_ASSERT(n->nl < MAX_LAYERS);
    gen_layer *l = &n->layers[n->nl++];
    memset(l, 0, sizeof(*l));
    l->type = type;
    l->in = in;
    l->in2 = -1;
    l->pw = l->pb = l->pgamma = l->pbeta = -1;
    if (type == GL_ACT) {
        l->out = in;
    } else {
        VG_ASSERT(n->nacts < MAX_ACTS);
        l->out = n->nacts++;
    }
    return l;
}

static int conv(gen_net *n, int in, int ic, int oc, int k, int stride, gen_pad_mode mode, int bias,
                const char *prefix, const char *conv_name)
{
    gen_layer *l = add_layer(n, GL_CONV, in);
    l->k = k;
    l->stride = stride;
    l->pad = k / 2;
    l->oc = oc;
    l->pad_mode = mode;
    char what[32];
    snprintf(what, sizeof(what), "%s.weight", conv_name);
    l->pw = add_param(n, prefix, what, 4, oc, ic, k, k);
    if (bias) {
        snprintf(what, sizeof(what), "%s.bias", conv_name);
        l->pb = add_param(n, prefix, what, 1, oc, 1, 1, 1);
    }
    return l->out;
}

static int norm(gen_net *n, int in, int c, const char *prefix, const char *norm_name)
{
    gen_layer *l = add_layer(n, GL_NORM, in);
    char what[32];
    snprintf(what, sizeof(what), "%s.weight", norm_name);
    l->pgamma = add_param(n, prefix, what, 1, c, 1, 1, 1);
    snprintf(what, sizeof(what), "%s.bias", norm_name);
    l->pbeta = add_param(n, prefix, what, 1, c, 1, 1, 1);
    return l->out;
}

static int act(gen_net *n, int in, gen_act a, float alpha)
{
    gen_layer *l = add_layer(n, GL_ACT, in);
    l->act = a;
    l->alpha = alpha;
    return l->out;
}

static int upsample(gen_net *n, int in, gen_upsample_mode mode)
{
    gen_layer *l = add_layer(n, GL_UP, in);
    l->up = mode;
    return l->out;
}

static int add(gen_net *n, int a, int b)
{
    gen_layer *l = add_layer(n, GL_ADD, a);
    l->in2 = b;
    return l->out;
}

/* conv (no bias) + instance norm + activation, named prefix.conv / prefix.norm */
static int conv_norm_act(gen_net *n, int in, int ic, int oc, int k, int stride, gen_pad_mode mode,
                         gen_act a, float alpha, const char *prefix)
{
    int x = conv(n, in, ic, oc, k, stride, mode, 0, prefix, "conv");
    x = norm(n, x, oc, prefix, "norm");
    return act(n, x, a, alpha);
}

static void build_generator(gen_net *n)
{
    const int w = n->cfg.width;
    const gen_pad_mode pm = n->cfg.pad;
    int x = 0;
    x = conv_norm_act(n, x, 3, w, 9, 1, pm, GEN_ACT_RELU, 0, "enc0");
    x = conv_norm_act(n, x, w, 2 * w, 3, 2, pm, GEN_ACT_RELU, 0, "enc1");
    x = conv_norm_act(n, x, 2 * w, 4 * w, 3, 2, pm, GEN_ACT_RELU, 0, "enc2");
    for (int i = 0; i < n->cfg.blocks; i++) {
        char prefix[16];
        snprintf(prefix, sizeof(prefix), "res%d", i);
        int y = conv(n, x, 4 * w, 4 * w, 3, 1, pm, 0, prefix, "conv_a");
        y = norm(n, y, 4 * w, prefix, "norm_a");
        y = act(n, y, GEN_ACT_RELU, 0);
        y = conv(n, y, 4 * w, 4 * w, 3, 1, pm, 0, prefix, "conv_b");
        y = norm(n, y, 4 * w, prefix, "norm_b");
        x = add(n, x, y);
    }
    n->feature = x;
    n->encoder_end = n->nl;
    x = upsample(n, x, n->cfg.up);
    x = conv_norm_act(n, x, 4 * w, 2 * w, 3, 1, pm, GEN_ACT_RELU, 0, "dec0");
    x = upsample(n, x, n->cfg.up);
    x = conv_norm_act(n, x, 2 * w, w, 3, 1, pm, GEN_ACT_RELU, 0, "dec1");
    x = conv(n, x, w, 3, 9, 1, pm, 1, "out", "conv");
    act(n, x, GEN_ACT_TANH, 0);
}

static void build_discriminator(gen_net *n)
{
    const int w = n->cfg.width;
    const float slope = 0.2f;
    int x = conv(n, 0, 3, w, 3, 2, GEN_PAD_ZERO, 1, "d0", "conv");
    x = act(n, x, GEN_ACT_LEAKY_RELU, slope);
    x = conv_norm_act(n, x, w, 2 * w, 3, 2, GEN_PAD_ZERO, GEN_ACT_LEAKY_RELU, slope, "d1");
    x = conv_norm_act(n, x, 2 * w, 4 * w, 3, 2, GEN_PAD_ZERO, GEN_ACT_LEAKY_RELU, slope, "d2");
    conv(n, x, 4 * w, 1, 3, 1, GEN_PAD_ZERO, 1, "head", "conv");
    n->feature = -1;
    n->encoder_end = 0;
}

static size_t param_len(const gen_param *p)
{
    return (size_t)p->shape[0] * p->shape[1] * p->shape[2] * p->shape[3];
}

int gen_net_create(gen_backend *be, const gen_net_config *cfg, int training, gen_net **out)
{
    *out = NULL;
    if (cfg->width < 1 || cfg->width > 256 || cfg->blocks < 0 || cfg->blocks > 32)
        return VG_ERR_INVALID;
    gen_net *n = calloc(1, sizeof(*n));
    if (!n) return VG_ERR_NOMEM;
    n->be = be;
    n->cfg = *cfg;
    n->training = training;
    n->nacts = 1;
    if (cfg->kind == GEN_NET_GENERATOR)
        build_generator(n);
    else
        build_discriminator(n);

    /* one layout for the four parameter-shaped buffers */
    gen_arena a = {0};
    for (int i = 0; i < n->np; i++) {
        gen_param *p = &n->params[i];
        p->p = gen_arena_take(&a, 1, 1, 1, (int)param_len(p));
    }
    n->plen = a.used;
    int ret = gen_buf_create(be, n->plen, &n->pbuf);
    if (ret == VG_OK && training) ret = gen_buf_create(be, n->plen, &n->gbuf);
    if (ret == VG_OK && training) ret = gen_buf_create(be, n->plen, &n->mbuf);
    if (ret == VG_OK && training) ret = gen_buf_create(be, n->plen, &n->vbuf);
    if (ret < 0) {
        gen_net_destroy(&n);
        return ret;
    }
    for (int i = 0; i < n->np; i++) {
        gen_param *p = &n->params[i];
        p->p.buf = n->pbuf;
        if (training) {
            p->g = p->p;
            p->g.buf = n->gbuf;
            p->m = p->p;
            p->m.buf = n->mbuf;
            p->v = p->p;
            p->v.buf = n->vbuf;
        }
    }
    *out = n;
    return VG_OK;
}

void gen_net_destroy(gen_net **pn)
{
    if (!pn || !*pn) return;
    gen_net *n = *pn;
    gen_buf_destroy(&n->pbuf);
    gen_buf_destroy(&n->gbuf);
    gen_buf_destroy(&n->mbuf);
    gen_buf_destroy(&n->vbuf);
    free(n);
    *pn = NULL;
}

const gen_net_config *gen_net_get_config(const gen_net *n)
{
    return &n->cfg;
}

gen_backend *gen_net_backend(const gen_net *n)
{
    return n->be;
}

int gen_net_param_count(const gen_net *n)
{
    return n->np;
}

const gen_param *gen_net_param(const gen_net *n, int i)
{
    VG_ASSERT(i >= 0 && i < n->np);
    return &n->params[i];
}

const gen_param *gen_net_param_find(const gen_net *n, const char *name)
{
    for (int i = 0; i < n->np; i++)
        if (strcmp(n->params[i].name, name) == 0) return &n->params[i];
    return NULL;
}

size_t gen_net_weight_count(const gen_net *n)
{
    size_t total = 0;
    for (int i = 0; i < n->np; i++) total += param_len(&n->params[i]);
    return total;
}

static gen_tensor flat(gen_buf *b, size_t len)
{
    gen_tensor t = {b, 0, 1, 1, 1, (int)len};
    VG_ASSERT(b);
    return t;
}

gen_tensor gen_net_params_flat(const gen_net *n)
{
    return flat(n->pbuf, n->plen);
}
gen_tensor gen_net_grads_flat(const gen_net *n)
{
    return flat(n->gbuf, n->plen);
}
gen_tensor gen_net_m_flat(const gen_net *n)
{
    return flat(n->mbuf, n->plen);
}
gen_tensor gen_net_v_flat(const gen_net *n)
{
    return flat(n->vbuf, n->plen);
}

void gen_net_set_pad(gen_net *n, gen_pad_mode mode)
{
    VG_ASSERT(n->cfg.kind == GEN_NET_GENERATOR);
    n->cfg.pad = mode;
    for (int i = 0; i < n->nl; i++)
        if (n->layers[i].type == GL_CONV) n->layers[i].pad_mode = mode;
}

/* splitmix64: a small, well-mixed generator for initialisation */
static uint64_t mix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static float uniform(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)((mix64(s) >> 40) * (1.0 / 16777216.0));
}

int gen_net_init(gen_net *n, uint64_t seed)
{
    uint64_t s = seed;
    float *host = malloc(n->plen * sizeof(float));
    if (!host) return VG_ERR_NOMEM;
    memset(host, 0, n->plen * sizeof(float));
    for (int li = 0; li < n->nl; li++) {
        const gen_layer *l = &n->layers[li];
        if (l->type == GL_CONV) {
            const gen_param *w = &n->params[l->pw];
            int fan_in = w->shape[1] * w->shape[2] * w->shape[3];
            float bound = 1.0f / sqrtf((float)fan_in);
            for (size_t i = 0; i < param_len(w); i++)
                host[w->p.off + i] = uniform(&s, -bound, bound);
            if (l->pb >= 0) {
                const gen_param *b = &n->params[l->pb];
                for (size_t i = 0; i < param_len(b); i++)
                    host[b->p.off + i] = uniform(&s, -bound, bound);
            }
        } else if (l->type == GL_NORM) {
            const gen_param *g = &n->params[l->pgamma];
            for (size_t i = 0; i < param_len(g); i++) host[g->p.off + i] = 1.0f;
        }
    }
    gen_tensor all = flat(n->pbuf, n->plen);
    int ret = gen_tensor_upload(n->be, all, host);
    if (ret == VG_OK && n->training) {
        memset(host, 0, n->plen * sizeof(float));
        ret = gen_tensor_upload(n->be, flat(n->mbuf, n->plen), host);
        if (ret == VG_OK) ret = gen_tensor_upload(n->be, flat(n->vbuf, n->plen), host);
        if (ret == VG_OK) ret = gen_tensor_upload(n->be, flat(n->gbuf, n->plen), host);
    }
    free(host);
    return ret;
}

int gen_net_param_upload(gen_net *n, int i, const float *src)
{
    return gen_tensor_upload(n->be, gen_net_param(n, i)->p, src);
}

int gen_net_param_download(gen_net *n, int i, float *dst)
{
    return gen_tensor_download(n->be, gen_net_param(n, i)->p, dst);
}

/* --- graphs ------------------------------------------------------------------------- */

static void infer_shapes(gen_graph *g)
{
    gen_net *n = g->net;
    int(*s)[4] = g->shape;
    s[0][0] = g->batch;
    s[0][1] = 3;
    s[0][2] = g->h;
    s[0][3] = g->w;
    for (int li = 0; li < n->nl; li++) {
        const gen_layer *l = &n->layers[li];
        const int *in = s[l->in];
        int *out = s[l->out];
        switch (l->type) {
        case GL_CONV:
            out[0] = in[0];
            out[1] = l->oc;
            out[2] = (in[2] + 2 * l->pad - l->k) / l->stride + 1;
            out[3] = (in[3] + 2 * l->pad - l->k) / l->stride + 1;
            break;
        case GL_UP:
            out[0] = in[0];
            out[1] = in[1];
            out[2] = 2 * in[2];
            out[3] = 2 * in[3];
            break;
        default:
            memcpy(out, in, 4 * sizeof(int));
            break;
        }
    }
}

static gen_conv2d_desc conv_desc(const gen_graph *g, const gen_layer *l)
{
    const int *in = g->shape[l->in];
    gen_conv2d_desc d = {in[0], in[1],     in[2],  in[3],       l->oc,
                         l->k,  l->stride, l->pad, l->pad_mode, l->pb >= 0};
    return d;
}

/*
 * Whether layer li, a nearest 2x upsampling, is fused into the convolution after it: in
 * inference graphs (a training graph's backward needs the upsampled activation), when that
 * convolution is the only reader. The convolution then reads the half-size input through
 * gen_conv2d_desc.up2 and the upsampled activation (the largest of the generator: 32
 * channels at full size) is never allocated. VRGEN_NO_FUSE=1 turns it off (tests).
 */
static int up_fused(const gen_graph *g, int li)
{
    const gen_net *n = g->net;
    const gen_layer *l = &n->layers[li];
    if ((g->flags & GEN_GRAPH_TRAIN) || l->type != GL_UP || l->up != GEN_UPSAMPLE_NEAREST ||
        li + 1 >= n->nl || n->layers[li + 1].type != GL_CONV || n->layers[li + 1].in != l->out ||
        l->out == n->feature)
        return 0;
    for (int j = 0; j < n->nl; j++)
        if (j != li + 1 && (n->layers[j].in == l->out || n->layers[j].in2 == l->out)) return 0;
    const char *e = getenv("VRGEN_NO_FUSE");
    return !(e && *e && strcmp(e, "0") != 0);
}

static size_t aligned_len(const int *s)
{
    size_t len = (size_t)s[0] * s[1] * s[2] * s[3];
    return (len + GEN_TENSOR_ALIGN - 1) / GEN_TENSOR_ALIGN * GEN_TENSOR_ALIGN;
}

/* VRGEN_NO_FUSE=1 also keeps instance norms out of place (tests). */
static int norm_in_place_ok(void)
{
    const char *e = getenv("VRGEN_NO_FUSE");
    return !(e && *e && strcmp(e, "0") != 0);
}

/*
 * Inference: activations share memory when their lifetimes do not overlap. An activation
 * lives from the layer that writes it to the last layer that reads it; the input and the
 * output live to the end, and so does the feature unless the graph is GEN_GRAPH_NO_FEATURE.
 * Placement is greedy by size (largest first, each at the lowest offset free over its
 * lifetime), which lets the two largest (the full-size 16-channel activations of enc0 and
 * dec1, which never live together) share one place: first fit in layer order left a gap
 * too small for the second and cost 66 MB at 1080p.
 */
static size_t plan_inference(gen_graph *g, size_t *off)
{
#define LIVE_TOGETHER(a, b) (last[a] >= first[b] && first[a] <= last[b])
    gen_net *n = g->net;
    int first[MAX_ACTS], last[MAX_ACTS];
    for (int a = 0; a < n->nacts; a++) first[a] = last[a] = -1;
    for (int li = 0; li < n->nl; li++) {
        const gen_layer *l = &n->layers[li];
        if (first[l->out] < 0) first[l->out] = li;
        last[l->in] = li;
        if (l->in2 >= 0) last[l->in2] = li;
        if (last[l->out] < li) last[l->out] = li;
    }
    const int output = n->layers[n->nl - 1].out;
    first[0] = -1;
    last[0] = n->nl;
    last[output] = n->nl;
    if (n->feature >= 0 && !(g->flags & GEN_GRAPH_NO_FEATURE)) last[n->feature] = n->nl;
    /* a fused upsampling's output is never stored; its input lives until the convolution */
    int skip[MAX_ACTS] = {0}, alias[MAX_ACTS];
    for (int li = 0; li < n->nl; li++)
        if (up_fused(g, li)) {
            const gen_layer *l = &n->layers[li];
            skip[l->out] = 1;
            if (last[l->in] < li + 1) last[l->in] = li + 1;
        }
    /* instance norm works in place (elementwise once the statistics are taken, on every
     * backend) when this norm is its input's only reader: the output takes the input's
     * memory and its lifetime (at 1080p the widest norms are 133 MB each) */
    for (int a = 0; a < n->nacts; a++) alias[a] = -1;
    for (int li = 0; li < n->nl; li++) {
        const gen_layer *l = &n->layers[li];
        if (l->type != GL_NORM || l->in == 0 || l->in == output || l->in == n->feature ||
            skip[l->in] || alias[l->in] >= 0 || !norm_in_place_ok())
            continue;
        int readers = 0;
        for (int j = 0; j < n->nl; j++)
            readers += (n->layers[j].in == l->in) + (n->layers[j].in2 == l->in);
        if (readers != 1) continue;
        alias[l->out] = l->in;
        if (last[l->in] < last[l->out]) last[l->in] = last[l->out];
    }

    /* the activations that own memory, largest first (ties in layer order) */
    int order[MAX_ACTS], no = 0;
    for (int a = 0; a < n->nacts; a++) {
        if (skip[a] || alias[a] >= 0) continue;
        int i = no++;
        for (; i > 0 && aligned_len(g->shape[order[i - 1]]) < aligned_len(g->shape[a]); i--)
            order[i] = order[i - 1];
        order[i] = a;
    }
    size_t total = 0;
    for (int i = 0; i < no; i++) {
        const int a = order[i];
        const size_t len = aligned_len(g->shape[a]);
        /* candidate offsets: 0 and the end of every placed activation that lives with it */
        size_t best = (size_t)-1;
        for (int c = -1; c < i; c++) {
            const int ca = c < 0 ? -1 : order[c];
            if (ca >= 0 && !LIVE_TOGETHER(ca, a)) continue;
            const size_t start = ca < 0 ? 0 : off[ca] + aligned_len(g->shape[ca]);
            if (start >= best) continue;
            int clash = 0;
            for (int b = 0; b < i && !clash; b++) {
                const int ba = order[b];
                clash = LIVE_TOGETHER(ba, a) && off[ba] < start + len &&
                        start < off[ba] + aligned_len(g->shape[ba]);
            }
            if (!clash) best = start;
        }
        off[a] = best;
        if (best + len > total) total = best + len;
    }
    /* an alias comes after its input (placed above); a fused upsampling is never stored */
    for (int a = 0; a < n->nacts; a++)
        if (skip[a] || alias[a] >= 0) off[a] = alias[a] >= 0 ? off[alias[a]] : 0;
    return total;
#undef LIVE_TOGETHER
}

static int graph_shape_ok(const gen_net *n, int batch, int h, int w, int flags)
{
    if (batch < 1 || h < 1 || w < 1) return 0;
    if (n->cfg.kind == GEN_NET_GENERATOR && (h % 4 || w % 4)) return 0;
    if ((flags & GEN_GRAPH_TRAIN) && !n->training) return 0;
    /* the backward needs statistics of its own input */
    if ((flags & GEN_GRAPH_TRAIN) && (flags & GEN_GRAPH_FIXED_STATS)) return 0;
    return 1;
}

/* Fills shapes and activation offsets of g (net, batch, h, w, flags set); returns the
 * floats of the activation buffer: activations, then every norm layer's statistics from
 * *stats_off on. */
static size_t layout_graph(gen_graph *g, size_t *off, size_t *stats_off)
{
    const gen_net *n = g->net;
    size_t act_len;
    infer_shapes(g);
    if (g->flags & GEN_GRAPH_TRAIN) {
        act_len = 0;
        for (int a = 0; a < n->nacts; a++) {
            off[a] = act_len;
            act_len += aligned_len(g->shape[a]);
        }
    } else {
        act_len = plan_inference(g, off);
    }
    *stats_off = act_len;
    for (int li = 0; li < n->nl; li++)
        if (n->layers[li].type == GL_NORM) {
            int s[4] = {1, 1, 1, 2 * g->shape[n->layers[li].in][0] * g->shape[n->layers[li].in][1]};
            act_len += aligned_len(s);
        }
    return act_len;
}

size_t gen_net_graph_bytes(const gen_net *n, int batch, int h, int w, int flags)
{
    if (!graph_shape_ok(n, batch, h, w, flags)) return 0;
    gen_graph *g = calloc(1, sizeof(*g));
    VG_ASSERT(g); /* a few KiB of host memory */
    g->net = (gen_net *)n;
    g->batch = batch;
    g->h = h;
    g->w = w;
    g->flags = flags;
    size_t off[MAX_ACTS], stats_off;
    size_t len = layout_graph(g, off, &stats_off);
    if (flags & GEN_GRAPH_TRAIN) { /* the gradients */
        for (int a = 0; a < n->nacts; a++) len += aligned_len(g->shape[a]);
        if (n->feature >= 0) len += aligned_len(g->shape[n->feature]);
    }
    free(g);
    return len * sizeof(float);
}

int gen_net_receptive_radius(const gen_net *n)
{
    /* per activation: how far (input pixels) it sees, and its stride (input pixels per
       pixel, times 2 so that upsampled activations stay integers) */
    int r[MAX_ACTS] = {0}, s2[MAX_ACTS];
    s2[0] = 2;
    for (int li = 0; li < n->nl; li++) {
        const gen_layer *l = &n->layers[li];
        int ri = r[l->in], si = s2[l->in];
        switch (l->type) {
        case GL_CONV:
            r[l->out] = ri + (l->k / 2) * si / 2;
            s2[l->out] = si * l->stride;
            break;
        case GL_UP: /* an output pixel reads its own and (bilinear) the next input pixel */
            r[l->out] = ri + si / 2;
            s2[l->out] = si / 2 > 0 ? si / 2 : 1;
            break;
        case GL_ADD:
            r[l->out] = ri > r[l->in2] ? ri : r[l->in2];
            s2[l->out] = si;
            break;
        default:
            r[l->out] = ri;
            s2[l->out] = si;
        }
    }
    return r[n->layers[n->nl - 1].out];
}

int gen_graph_create(gen_net *n, int batch, int h, int w, int flags, gen_graph **out)
{
    *out = NULL;
    if (!graph_shape_ok(n, batch, h, w, flags)) return VG_ERR_INVALID;
    gen_graph *g = calloc(1, sizeof(*g));
    if (!g) return VG_ERR_NOMEM;
    g->net = n;
    g->batch = batch;
    g->h = h;
    g->w = w;
    g->flags = flags;

    int ret;
    int train = flags & GEN_GRAPH_TRAIN;
    size_t off[MAX_ACTS], stats_off;
    size_t act_len = layout_graph(g, off, &stats_off);
    ret = gen_buf_create(n->be, act_len, &g->abuf);
    if (ret < 0) goto fail;
    for (int a = 0; a < n->nacts; a++) {
        const int *s = g->shape[a];
        g->act[a] = (gen_tensor){g->abuf, off[a], s[0], s[1], s[2], s[3]};
    }
    for (int li = 0; li < n->nl; li++)
        if (n->layers[li].type == GL_NORM) {
            const int *s = g->shape[n->layers[li].in];
            g->stats[li] = (gen_tensor){g->abuf, stats_off, 1, s[0], s[1], 2};
            stats_off += aligned_len((int[4]){1, 1, 1, 2 * s[0] * s[1]});
            g->norm_li[g->nnorm++] = li;
        }
    g->bytes = act_len * sizeof(float);

    if (train) {
        gen_arena ga = {0};
        for (int pass = 0; pass < 2; pass++) {
            ga.used = 0;
            for (int a = 0; a < n->nacts; a++) {
                const int *s = g->shape[a];
                g->dact[a] = gen_arena_take(&ga, s[0], s[1], s[2], s[3]);
            }
            if (n->feature >= 0) {
                const int *s = g->shape[n->feature];
                g->dfeature = gen_arena_take(&ga, s[0], s[1], s[2], s[3]);
            }
            if (pass == 0 && (ret = gen_buf_create(n->be, ga.used, &ga.buf)) < 0) goto fail;
        }
        g->gbuf = ga.buf;
        g->bytes += ga.used * sizeof(float);
    }
    *out = g;
    return VG_OK;
fail:
    gen_graph_destroy(&g);
    return ret;
}

void gen_graph_destroy(gen_graph **pg)
{
    if (!pg || !*pg) return;
    gen_buf_destroy(&(*pg)->abuf);
    gen_buf_destroy(&(*pg)->gbuf);
    free(*pg);
    *pg = NULL;
}

static int output_id(const gen_graph *g)
{
    return g->net->layers[g->net->nl - 1].out;
}

gen_tensor gen_graph_input(const gen_graph *g)
{
    return g->act[0];
}

gen_tensor gen_graph_output(const gen_graph *g)
{
    return g->act[output_id(g)];
}

gen_tensor gen_graph_feature(const gen_graph *g)
{
    VG_ASSERT(g->net->feature >= 0 && !(g->flags & GEN_GRAPH_NO_FEATURE));
    return g->act[g->net->feature];
}

gen_tensor gen_graph_doutput(const gen_graph *g)
{
    VG_ASSERT(g->flags & GEN_GRAPH_TRAIN);
    return g->dact[output_id(g)];
}

gen_tensor gen_graph_dfeature(const gen_graph *g)
{
    VG_ASSERT((g->flags & GEN_GRAPH_TRAIN) && g->net->feature >= 0);
    return g->dfeature;
}

gen_tensor gen_graph_dinput(const gen_graph *g)
{
    VG_ASSERT(g->flags & GEN_GRAPH_TRAIN);
    return g->dact[0];
}

size_t gen_graph_bytes(const gen_graph *g)
{
    return g->bytes;
}

int gen_graph_norm_count(const gen_graph *g)
{
    return g->nnorm;
}

gen_tensor gen_graph_norm_stats(const gen_graph *g, int i)
{
    VG_ASSERT(i >= 0 && i < g->nnorm);
    return g->stats[g->norm_li[i]];
}

int gen_graph_norm_scale(const gen_graph *g, int i)
{
    VG_ASSERT(i >= 0 && i < g->nnorm);
    return g->h / g->shape[g->net->layers[g->norm_li[i]].in][2];
}

/* Moments of norm layer li's input into m->acc (gen_graph_forward_moments). */
static void record_moments(gen_graph *g, gen_prog *p, int li, const gen_moments_desc *m)
{
    const gen_layer *l = &g->net->layers[li];
    int k = 0, sc = g->h / g->shape[l->in][2];
    while (g->norm_li[k] != li) k++;
    gen_moments_accumulate(p, m->acc[k], g->act[l->in], g->stats[li], m->x0 / sc, m->y0 / sc,
                           m->x1 / sc, m->y1 / sc);
}

/* Records layers [from, to). m != NULL: also the moments of each norm layer's input. */
static void forward_layers(gen_graph *g, gen_prog *p, int from, int to, const gen_moments_desc *m)
{
    const gen_net *n = g->net;
    for (int li = from; li < to; li++) {
        const gen_layer *l = &n->layers[li];
        switch (l->type) {
        case GL_CONV: {
            gen_conv2d_desc d = conv_desc(g, l);
            gen_tensor b = l->pb >= 0 ? n->params[l->pb].p : (gen_tensor){0};
            gen_tensor in = g->act[l->in];
            if (li > 0 && up_fused(g, li - 1)) { /* read the upsampling's input */
                d.up2 = 1;
                in = g->act[n->layers[li - 1].in];
            }
            gen_conv2d_forward(p, &d, g->act[l->out], in, n->params[l->pw].p, b);
            break;
        }
        case GL_NORM:
            if (m) record_moments(g, p, li, m);
            if (g->flags & GEN_GRAPH_FIXED_STATS)
                gen_instnorm_apply(p, g->act[l->out], g->stats[li], g->act[l->in],
                                   n->params[l->pgamma].p, n->params[l->pbeta].p);
            else
                gen_instnorm_forward(p, g->act[l->out], g->stats[li], g->act[l->in],
                                     n->params[l->pgamma].p, n->params[l->pbeta].p);
            break;
        case GL_ACT:
            gen_act_forward(p, l->act, l->alpha, g->act[l->out], g->act[l->in]);
            break;
        case GL_UP:
            if (!up_fused(g, li)) gen_upsample2x_forward(p, l->up, g->act[l->out], g->act[l->in]);
            break;
        case GL_ADD:
            gen_add(p, g->act[l->out], g->act[l->in], g->act[l->in2]);
            break;
        }
    }
}

void gen_graph_forward(gen_graph *g, gen_prog *p)
{
    forward_layers(g, p, 0, g->net->nl, NULL);
}

void gen_graph_forward_moments(gen_graph *g, gen_prog *p, const gen_moments_desc *d)
{
    VG_ASSERT(g->flags & GEN_GRAPH_FIXED_STATS);
    VG_ASSERT(d->norm >= -1 && d->norm < g->nnorm);
    VG_ASSERT(d->x0 % 4 == 0 && d->y0 % 4 == 0 && d->x1 % 4 == 0 && d->y1 % 4 == 0);
    VG_ASSERT(0 <= d->x0 && d->x0 < d->x1 && d->x1 <= g->w && 0 <= d->y0 && d->y0 < d->y1 &&
              d->y1 <= g->h);
    if (d->norm < 0) {
        forward_layers(g, p, 0, g->net->nl, d);
        return;
    }
    int li = g->norm_li[d->norm];
    forward_layers(g, p, 0, li, NULL);
    record_moments(g, p, li, d);
}

void gen_graph_forward_encoder(gen_graph *g, gen_prog *p)
{
    VG_ASSERT(g->net->feature >= 0);
    forward_layers(g, p, 0, g->net->encoder_end, NULL);
}

/* Gradient into activation a: overwrite on the first write, add afterwards. */
static int take_acc(int *written, int a)
{
    int acc = written[a];
    written[a] = 1;
    return acc;
}

void gen_graph_backward(gen_graph *g, gen_prog *p, int flags)
{
    const gen_net *n = g->net;
    VG_ASSERT(g->flags & GEN_GRAPH_TRAIN);
    const int want_dinput = flags & GEN_BWD_DINPUT;
    const int params = !(flags & GEN_BWD_NO_PARAMS);
    int add_dfeature = flags & (GEN_BWD_ADD_DFEATURE | GEN_BWD_FROM_FEATURE);
    int written[MAX_ACTS] = {0};
    int last = n->nl - 1;
    if (flags & GEN_BWD_FROM_FEATURE) {
        VG_ASSERT(n->feature >= 0);
        last = n->encoder_end - 1;
    } else {
        written[output_id(g)] = 1; /* the loss ops wrote doutput */
    }
    gen_tensor none = {0};
    for (int li = last; li >= 0; li--) {
        const gen_layer *l = &n->layers[li];
        if (add_dfeature && l->out == n->feature) {
            /* the last layer writing the feature: its gradient is complete but for this */
            gen_axpby(p, g->dact[n->feature], 1.0f, g->dfeature,
                      take_acc(written, n->feature) ? 1.0f : 0.0f);
            add_dfeature = 0;
        }
        if (!written[l->out]) continue; /* no gradient reaches this layer */
        switch (l->type) {
        case GL_CONV: {
            gen_conv2d_desc d = conv_desc(g, l);
            gen_tensor dw = params ? n->params[l->pw].g : none;
            gen_tensor db = params && l->pb >= 0 ? n->params[l->pb].g : none;
            int need_din = l->in != 0 || want_dinput;
            if (!need_din && !params) break;
            int acc = need_din ? take_acc(written, l->in) : 0;
            gen_conv2d_backward(p, &d, need_din ? g->dact[l->in] : none, dw, db, g->dact[l->out],
                                g->act[l->in], n->params[l->pw].p, acc);
            break;
        }
        case GL_NORM: {
            int acc = take_acc(written, l->in);
            gen_instnorm_backward(p, g->dact[l->in], params ? n->params[l->pgamma].g : none,
                                  params ? n->params[l->pbeta].g : none, g->dact[l->out],
                                  g->act[l->in], g->stats[li], n->params[l->pgamma].p, acc);
            break;
        }
        case GL_ACT:
            /* in place: the output keeps the input's sign, which is all relu needs */
            gen_act_backward(p, l->act, l->alpha, g->dact[l->out], g->dact[l->out], g->act[l->out],
                             g->act[l->out], 0);
            break;
        case GL_UP: {
            int acc = take_acc(written, l->in);
            gen_upsample2x_backward(p, l->up, g->dact[l->in], g->dact[l->out], acc);
            break;
        }
        case GL_ADD: {
            int a = take_acc(written, l->in);
            gen_axpby(p, g->dact[l->in], 1.0f, g->dact[l->out], a ? 1.0f : 0.0f);
            int b = take_acc(written, l->in2);
            gen_axpby(p, g->dact[l->in2], 1.0f, g->dact[l->out], b ? 1.0f : 0.0f);
            break;
        }
        }
    }
}
