/*
 * gen_net.h - vrgen's networks (docs/networks.md): the generator (a convolutional
 * autoencoder with residual blocks) and the patch discriminator, as a list of layers with
 * named parameter, gradient and Adam-moment views over contiguous buffers (llm.c style),
 * and graphs that bind a network to an input shape and record its forward and backward
 * passes into programs. Losses, training loops and model files live elsewhere.
 */
#ifndef GEN_NET_H
#define GEN_NET_H

#include <stdint.h>

#include "gen/gen_backend.h"

typedef enum gen_net_kind { GEN_NET_GENERATOR = 0, GEN_NET_DISCRIMINATOR = 1 } gen_net_kind;

/* The most residual blocks a generator may have (the layer tables' size: 18 blocks use
 * 119 of 128 parameter views). Options and model files are checked against it. */
#define GEN_NET_MAX_BLOCKS 18

typedef struct gen_net_config {
    gen_net_kind kind;
    int width;            /* generator w (default 16) or discriminator dw (default 32) */
    int blocks;           /* generator residual blocks (default 5) */
    gen_pad_mode pad;     /* generator padding (default reflect) */
    gen_upsample_mode up; /* generator upsampling (default nearest) */
} gen_net_config;

void gen_net_config_default(gen_net_config *c, gen_net_kind kind);

#define GEN_PARAM_NAME_MAX 48

/* One named parameter: the value and, when the network trains, its gradient and Adam
 * moments, each a view into the network's buffer of that kind (same offsets). */
typedef struct gen_param {
    char name[GEN_PARAM_NAME_MAX];
    int ndim;
    int shape[4];
    gen_tensor p, g, m, v; /* g, m, v have buf == NULL when not training */
} gen_param;

typedef struct gen_net gen_net;

/* Creates a network on be with uninitialised parameters; with training != 0 also
 * gradient and moment buffers. *out is owned by the caller (gen_net_destroy). */
int gen_net_create(gen_backend *be, const gen_net_config *cfg, int training, gen_net **out);
void gen_net_destroy(gen_net **n);
const gen_net_config *gen_net_get_config(const gen_net *n);
gen_backend *gen_net_backend(const gen_net *n);
int gen_net_param_count(const gen_net *n);
const gen_param *gen_net_param(const gen_net *n, int i);
const gen_param *gen_net_param_find(const gen_net *n, const char *name);
size_t gen_net_weight_count(const gen_net *n); /* total scalar parameters */
/* The whole parameter (and gradient, m, v) buffer as one flat tensor, for bulk
 * operations like zeroing gradients or one Adam update over everything. */
gen_tensor gen_net_params_flat(const gen_net *n);
gen_tensor gen_net_grads_flat(const gen_net *n);
gen_tensor gen_net_m_flat(const gen_net *n);
gen_tensor gen_net_v_flat(const gen_net *n);

/* Switches the generator's padding (e.g. to GEN_PAD_CIRCULAR_X for 360 content: the same
 * weights, edges joined along x). Affects graphs created afterwards. */
void gen_net_set_pad(gen_net *n, gen_pad_mode mode);

/* PyTorch's default initialisation, from a seed: conv weights and biases uniform in
 * +-1/sqrt(fan_in), norm gamma 1 and beta 0; Adam moments zeroed when training. */
int gen_net_init(gen_net *n, uint64_t seed);
/* Upload / download one parameter's values (host array of its element count). */
int gen_net_param_upload(gen_net *n, int i, const float *src);
int gen_net_param_download(gen_net *n, int i, float *dst);

/* A network bound to an input shape: activation (and, when training, activation
 * gradient) buffers and the layer wiring. The generator needs h and w multiples of 4. */
typedef struct gen_graph gen_graph;

enum {
    GEN_GRAPH_TRAIN = 1, /* keep every activation and allocate their gradients */
    /* Inference with externally supplied instance-norm statistics (tiled frames,
     * gen/gen_tile.h): the forward normalizes with gen_graph_norm_stats() as the caller
     * wrote them instead of computing them from the graph's own input. */
    GEN_GRAPH_FIXED_STATS = 2,
    /* Inference whose caller never reads the feature (gen_graph_feature() refuses): its
     * memory is reused once the decoder has read it (33 MB less at 1080p). */
    GEN_GRAPH_NO_FEATURE = 4,
};

int gen_graph_create(gen_net *n, int batch, int h, int w, int flags, gen_graph **out);
void gen_graph_destroy(gen_graph **g);
gen_tensor gen_graph_input(const gen_graph *g);   /* (batch, 3, h, w), written by the user */
gen_tensor gen_graph_output(const gen_graph *g);  /* generator (batch,3,h,w); D (batch,1,h/8,w/8) */
gen_tensor gen_graph_feature(const gen_graph *g); /* generator: encoder output (4w, h/4, w/4) */
/* Training graphs: gradient of the loss w.r.t. the output (written by the loss ops), the
 * feature (optional extra gradient for the encoder output; see gen_graph_backward) and
 * the input (written by the backward when asked). */
gen_tensor gen_graph_doutput(const gen_graph *g);
gen_tensor gen_graph_dfeature(const gen_graph *g);
gen_tensor gen_graph_dinput(const gen_graph *g);

/* Records the forward pass into p. */
void gen_graph_forward(gen_graph *g, gen_prog *p);
/* Records the forward pass of the generator's encoder only (input -> feature). */
void gen_graph_forward_encoder(gen_graph *g, gen_prog *p);
/* What gen_graph_backward computes. */
enum {
    GEN_BWD_DINPUT = 1,       /* also the gradient w.r.t. the input (dinput, overwritten) */
    GEN_BWD_ADD_DFEATURE = 2, /* add dfeature to the encoder output's gradient on the way */
    GEN_BWD_FROM_FEATURE = 4, /* start at the feature: dfeature is the only gradient source
                                 and only the encoder runs (a frozen feature extractor) */
    GEN_BWD_NO_PARAMS = 8,    /* skip parameter gradients (frozen network) */
};

/*
 * Records the backward pass into p: from doutput (which the caller's loss ops wrote) back
 * to the parameters' gradients (accumulated, +=, unless GEN_BWD_NO_PARAMS) and, with
 * GEN_BWD_DINPUT, to dinput (overwritten). See the flags above for the feature paths.
 */
void gen_graph_backward(gen_graph *g, gen_prog *p, int flags);

/* Bytes of activation (and gradient) memory the graph holds. */
size_t gen_graph_bytes(const gen_graph *g);

/* gen_graph_bytes() of the graph gen_graph_create(n, batch, h, w, flags) would make,
 * without making it (for memory budgets); 0 for shapes gen_graph_create refuses. */
size_t gen_net_graph_bytes(const gen_net *n, int batch, int h, int w, int flags);

/* How far (in input pixels) an output pixel of the network sees: beyond this distance from
 * a tile's edge, the tile's padding cannot change the output (given the same statistics). */
int gen_net_receptive_radius(const gen_net *n);

/*
 * Instance-norm layers of a graph, in forward order (i = 0 .. gen_graph_norm_count() - 1).
 * gen_graph_norm_stats: (1, batch, c, 2) = {mean, rstd} per (image, channel): written by
 * gen_graph_forward, or, with GEN_GRAPH_FIXED_STATS, read by it (upload them first). A view
 * into the graph's buffer, valid while the graph exists. gen_graph_norm_scale: how much
 * smaller the layer's input is than the graph's input (1, 2 or 4).
 */
int gen_graph_norm_count(const gen_graph *g);
gen_tensor gen_graph_norm_stats(const gen_graph *g, int i);
int gen_graph_norm_scale(const gen_graph *g, int i);

/*
 * Moments of instance-norm inputs over a rectangle [x0, x1) x [y0, y1) of a
 * GEN_GRAPH_FIXED_STATS graph's input (multiples of 4, scaled down to each layer's
 * resolution), recorded by gen_graph_forward_moments with the forward pass: acc[i]
 * (1, batch, c, 2) += {sum (x - m_i), sum (x - m_i)^2}, m_i the means in
 * gen_graph_norm_stats(g, i) (gen_moments_accumulate). acc holds gen_graph_norm_count()
 * tensors owned by the caller, who zeroes them.
 * norm = -1: the whole forward, moments of every norm layer. norm = i >= 0: only the
 * layers before norm layer i run (so its statistics are not used: they serve as the
 * shift) and only acc[i] gets the moments of its input. Tiles get exact statistics layer
 * by layer this way (gen/gen_tile.c).
 */
typedef struct gen_moments_desc {
    const gen_tensor *acc;
    int norm;
    int x0, y0, x1, y1;
} gen_moments_desc;
void gen_graph_forward_moments(gen_graph *g, gen_prog *p, const gen_moments_desc *d);

#endif /* GEN_NET_H */
