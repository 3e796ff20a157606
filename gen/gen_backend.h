/*
 * gen_backend.h - the compute engine's public interface: backends, buffers, tensors and
 * programs (recorded op sequences).
 *
 * A program is built once per network shape by calling the op functions below, which
 * append nodes; gen_prog_compile() turns it into backend objects (for Vulkan: pipelines,
 * descriptor sets and one command buffer); gen_prog_run() replays it. Replaying allocates
 * nothing. The ops and their exact semantics are in gen_ops.h.
 *
 * Backends: the plain-C reference (tests), Vulkan (the product, GPUs), and the fast
 * native CPU backend (gen/cpu/, for machines whose only Vulkan device is a CPU).
 * Threads: a cpu backend's programs are compiled and run by one thread at a time (its
 * thread pool and convolution scratch serve all its programs), so threads that work at
 * once use cpu backends of their own; the Vulkan backend lets a second thread run
 * programs on a queue of its own (gen_vk_use_side_queue, gen_vk.h).
 */
#ifndef GEN_BACKEND_H
#define GEN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "gen/gen_ops.h"

typedef enum gen_backend_kind {
    GEN_BACKEND_AUTO = 0, /* gen_backend_auto(): Vulkan on a GPU, else the fast CPU backend */
    GEN_BACKEND_REF,      /* plain-C reference */
    GEN_BACKEND_VULKAN,
    GEN_BACKEND_CPU, /* native CPU kernels (SIMD, threads; VRGEN_THREADS sets the count) */
    GEN_BACKEND_KIND_COUNT
} gen_backend_kind;

typedef struct gen_backend_config {
    gen_backend_kind kind;
    const char *device; /* Vulkan device: NULL = best, "N" = index, else a name substring */
    int validation;     /* 1: enable the Khronos validation layer, 2: also synchronization */
    /* Vulkan: instance, device and device choice through these (an OpenXR runtime's
     * XR_KHR_vulkan_enable2), NULL = vrgen's own; gen/gen_vk.h */
    const struct gen_vk_hooks *vk_hooks;
} gen_backend_config;

typedef struct gen_backend gen_backend;
typedef struct gen_buf gen_buf;
typedef struct gen_prog gen_prog;

/* Tensor offsets are multiples of this many floats (256 bytes: every device's storage
 * buffer offset alignment). */
#define GEN_TENSOR_ALIGN 64

/* A view of a buffer: shape (n, c, h, w) starting at float offset `off`. Plain value; the
 * buffer owns the memory. */
typedef struct gen_tensor {
    gen_buf *buf;
    size_t off;
    int n, c, h, w;
} gen_tensor;

static inline size_t gen_tensor_len(gen_tensor t)
{
    return (size_t)t.n * (size_t)t.c * (size_t)t.h * (size_t)t.w;
}

/* Counters of objects the backend created; the "no allocation after warm-up" test reads
 * them before and after replaying. */
typedef struct gen_backend_stats {
    uint64_t mem_allocs;      /* device memory allocations (blocks) */
    uint64_t buffers;         /* buffers created */
    uint64_t pipelines;       /* compute pipelines created */
    uint64_t descriptor_sets; /* descriptor sets allocated */
    uint64_t command_buffers; /* command buffers allocated */
    uint64_t submits;         /* queue submissions */
    uint64_t validation_msgs; /* validation layer messages (warnings and errors) */
} gen_backend_stats;

/* What GEN_BACKEND_AUTO becomes for cfg: GEN_BACKEND_VULKAN on a GPU (or whenever
 * cfg->device names a device), GEN_BACKEND_CPU when the best Vulkan device is a CPU
 * implementation (lavapipe, SwiftShader) or there is none; the environment variable
 * VRGEN_BACKEND=cpu|vulkan|ref overrides. Writes a one-line reason into why (may be NULL). */
gen_backend_kind gen_backend_auto(const gen_backend_config *cfg, char *why, size_t why_len);

/* Creates a backend. Errors: VG_ERR_NO_DEVICE (with a message saying what is missing and
 * how to get it), VG_ERR_DEVICE. *out is owned by the caller: gen_backend_destroy(). */
int gen_backend_create(const gen_backend_config *cfg, gen_backend **out);
void gen_backend_destroy(gen_backend **be);
gen_backend_kind gen_backend_get_kind(const gen_backend *be);
const char *gen_backend_name(const gen_backend *be); /* "vulkan (llvmpipe ...)", "ref" */
void gen_backend_get_stats(const gen_backend *be, gen_backend_stats *st);
/* Bytes of the memory heap tensors live in (Vulkan: the device-local heap; cpu: half the
 * host's memory, or of its cgroup limit); 0 when the backend does not know (the reference
 * backend). */
uint64_t gen_backend_heap_bytes(const gen_backend *be);
/* While quiet, running out of device (or, on host-memory backends, host) memory in buffer
 * creation returns VG_ERR_DEVICE_OOM or VG_ERR_NOMEM without a log line: for callers that
 * retry smaller (stylize's tiling) and report themselves. */
void gen_backend_set_quiet_oom(gen_backend *be, int quiet);

/* A buffer of nfloats floats (contents undefined). Owned by the caller; destroy after
 * every program that uses it. */
int gen_buf_create(gen_backend *be, size_t nfloats, gen_buf **out);
void gen_buf_destroy(gen_buf **b);
size_t gen_buf_len(const gen_buf *b);

/* Synchronous host <-> device copies of a whole tensor (through the staging ring). */
int gen_tensor_upload(gen_backend *be, gen_tensor t, const float *src);
int gen_tensor_download(gen_backend *be, gen_tensor t, float *dst);
/* The tensor's memory, on backends whose buffers are host memory (cpu, ref): the caller
 * reads and writes it in place (no program of the backend may run on it meanwhile). NULL
 * on backends with device memory (Vulkan): use upload and download. */
float *gen_tensor_host(gen_backend *be, gen_tensor t);

/*
 * Lays out tensors in one buffer (llm.c style). Call gen_arena_take() for every tensor
 * with a.buf == NULL to measure, create the buffer of a.used floats, then again with
 * a.buf set (same order) to get the real views.
 */
typedef struct gen_arena {
    gen_buf *buf;
    size_t used; /* floats */
} gen_arena;
gen_tensor gen_arena_take(gen_arena *a, int n, int c, int h, int w);

/* Programs. Ops are appended in order; the program owns nothing but its nodes and backend
 * objects; tensors must stay valid while it exists. */
int gen_prog_create(gen_backend *be, gen_prog **out);
void gen_prog_destroy(gen_prog **p);
int gen_prog_compile(gen_prog *p);
/* gen_prog_compile for a caller with a fallback: a tensor beyond the device's binding
 * limits returns VG_ERR_LIMIT without logging (other errors log as usual). */
int gen_prog_try_compile(gen_prog *p);
int gen_prog_run(gen_prog *p);    /* submit and wait */
int gen_prog_submit(gen_prog *p); /* start; returns at once on Vulkan */
int gen_prog_wait(gen_prog *p);   /* wait for the last submit */
int gen_prog_node_count(const gen_prog *p);

/* --- ops: shapes are checked with VG_ASSERT (programmer errors) -------------------- */

/* out (n,oc,oh,ow) = conv(in (n,ic,ih,iw), w (oc,ic,k,k)) + b (1,oc,1,1) if d->has_bias */
void gen_conv2d_forward(gen_prog *p, const gen_conv2d_desc *d, gen_tensor out, gen_tensor in,
                        gen_tensor w, gen_tensor b);
/* din (acc), dw (+=), db (+=): pass a tensor with buf == NULL for a gradient not wanted. */
void gen_conv2d_backward(gen_prog *p, const gen_conv2d_desc *d, gen_tensor din, gen_tensor dw,
                         gen_tensor db, gen_tensor dout, gen_tensor in, gen_tensor w, int acc);
/* out (n,c,2h,2w) from in (n,c,h,w) */
void gen_upsample2x_forward(gen_prog *p, gen_upsample_mode mode, gen_tensor out, gen_tensor in);
void gen_upsample2x_backward(gen_prog *p, gen_upsample_mode mode, gen_tensor din, gen_tensor dout,
                             int acc);
/* stats (1,n,c,2) written; gamma, beta (1,c,1,1) */
void gen_instnorm_forward(gen_prog *p, gen_tensor out, gen_tensor stats, gen_tensor in,
                          gen_tensor gamma, gen_tensor beta);
void gen_instnorm_backward(gen_prog *p, gen_tensor din, gen_tensor dgamma, gen_tensor dbeta,
                           gen_tensor dout, gen_tensor in, gen_tensor stats, gen_tensor gamma,
                           int acc);
/* Tiled inference, no backward (semantics in gen_ops.h). instnorm_apply: stats (1,n,c,2)
 * read. moments_accumulate: acc (1,n,c,2) += shifted sums of in (n,c,h,w) over the
 * rectangle [x0, x1) x [y0, y1), shift = the means in stats (1,n,c,2). window: out
 * (n,c,oh,ow) = f x f box of in (n,c,ih,iw) from (x0, y0), pad_mode outside. tile_blend:
 * out (n,c,H,W) += feathered tile (n,c,th,tw). */
void gen_instnorm_apply(gen_prog *p, gen_tensor out, gen_tensor stats, gen_tensor in,
                        gen_tensor gamma, gen_tensor beta);
void gen_moments_accumulate(gen_prog *p, gen_tensor acc, gen_tensor in, gen_tensor stats, int x0,
                            int y0, int x1, int y1);
void gen_window(gen_prog *p, gen_tensor out, gen_tensor in, int x0, int y0, int f,
                gen_pad_mode pad_mode);
void gen_tile_blend(gen_prog *p, gen_tensor out, gen_tensor tile, const gen_blend_desc *d);
/* Temporal hold of the style (gen_ops.h temporal_hold): y (n,3,h,w) updated from x (n,3,h,w),
 * with the state pl (n,1,h,w) and r (n,3,h,w); still > 0 code values, 0 <= rate <= 1. */
void gen_temporal_hold(gen_prog *p, gen_tensor y, gen_tensor x, gen_tensor pl, gen_tensor r,
                       float still, float rate);
/* Records the start of a sequence for gen_temporal_hold's state: pl = GEN_TEMPORAL_RESET,
 * r = 0 (the next hold keeps the network's output). */
void gen_temporal_reset(gen_prog *p, gen_tensor pl, gen_tensor r);
void gen_act_forward(gen_prog *p, gen_act act, float alpha, gen_tensor out, gen_tensor in);
void gen_act_backward(gen_prog *p, gen_act act, float alpha, gen_tensor din, gen_tensor dout,
                      gen_tensor in, gen_tensor out, int acc);
void gen_add(gen_prog *p, gen_tensor out, gen_tensor a, gen_tensor b);
void gen_axpby(gen_prog *p, gen_tensor y, float alpha, gen_tensor x, float beta);
void gen_fill(gen_prog *p, gen_tensor y, float v);
void gen_concat_forward(gen_prog *p, gen_tensor out, gen_tensor a, gen_tensor b);
void gen_concat_backward(gen_prog *p, gen_tensor da, gen_tensor db, gen_tensor dout, int acc);
void gen_avgpool_forward(gen_prog *p, int k, int s, gen_tensor out, gen_tensor in);
void gen_avgpool_backward(gen_prog *p, int k, int s, gen_tensor din, gen_tensor dout, int acc);
/* losses: loss is a 1-element tensor */
void gen_l1_forward(gen_prog *p, gen_tensor loss, gen_tensor a, gen_tensor b);
void gen_l1_backward(gen_prog *p, gen_tensor da, gen_tensor a, gen_tensor b, float scale, int acc);
void gen_mse_forward(gen_prog *p, gen_tensor loss, gen_tensor a, gen_tensor b);
void gen_mse_backward(gen_prog *p, gen_tensor da, gen_tensor a, gen_tensor b, float scale, int acc);
void gen_lsgan_forward(gen_prog *p, gen_tensor loss, gen_tensor x, float target);
void gen_lsgan_backward(gen_prog *p, gen_tensor dx, gen_tensor x, float target, float scale,
                        int acc);
void gen_hinge_forward(gen_prog *p, gen_hinge_mode mode, gen_tensor loss, gen_tensor x);
void gen_hinge_backward(gen_prog *p, gen_hinge_mode mode, gen_tensor dx, gen_tensor x, float scale,
                        int acc);
/* g (1,n,c,c) from f (n,c,h,w) */
void gen_gram_forward(gen_prog *p, gen_tensor g, gen_tensor f);
void gen_gram_backward(gen_prog *p, gen_tensor df, gen_tensor dg, gen_tensor f, int acc);
void gen_tv_forward(gen_prog *p, gen_tensor loss, gen_tensor x);
void gen_tv_backward(gen_prog *p, gen_tensor dx, gen_tensor x, float scale, int acc);
void gen_sum(gen_prog *p, gen_tensor out, gen_tensor x);
/* hyper: GEN_ADAM_HYPER_LEN floats (gen_ops.h), rewritten by the host between runs */
void gen_adam_update(gen_prog *p, gen_tensor param, gen_tensor grad, gen_tensor m, gen_tensor v,
                     gen_tensor hyper);

/* Colour conversion (semantics in gen_ops.h). rgb: (1, 3, H', W') with H' >= ph and
 * W' >= pw, the upright picture size (gen_yuv_picture_size()); packed: any shape whose
 * float count covers gen_yuv_packed_bytes(d) bytes (the frame's raw bytes). The desc is
 * copied; rotation is 0, 90, 180 or 270 degrees clockwise. */
void gen_yuv_to_rgb(gen_prog *p, gen_tensor rgb, gen_tensor packed, const gen_yuv_desc *d,
                    int rotation);
void gen_rgb_to_yuv(gen_prog *p, gen_tensor packed, gen_tensor rgb, const gen_yuv_desc *d,
                    int rotation);

/* The OpenXR viewer's per-eye renderer (semantics in gen_ops.h, view_render).
 * out (1,1,h,w): packed RGBA8 words (R in the low byte, A = 255), the view of one eye;
 * src (1,3,H,W): the eye's upright picture, planes R,G,B in [-1, 1]; params (1,1,1,
 * GEN_VIEW_PARAMS_LEN): the view (gen_ops.h), read at run time, so the host rewrites it
 * with gen_tensor_upload() between replays. Only `layout` is fixed when recording. */
void gen_view_render(gen_prog *p, gen_tensor out, gen_tensor src, gen_tensor params,
                     gen_view_layout layout);

/* Benchmark kernel: every element of out runs `rounds` rounds of GEN_FMA_PEAK_CHAINS
 * independent FMA chains (2 * GEN_FMA_PEAK_CHAINS * rounds FLOP per element); the result
 * is a checksum. Used by `vrgen bench` to measure the device's peak. */
#define GEN_FMA_PEAK_CHAINS 16
void gen_fma_peak(gen_prog *p, gen_tensor out, int rounds);

#endif /* GEN_BACKEND_H */
