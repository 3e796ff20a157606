/*
 * cpu_backend.c - the fast native CPU backend: buffers in host memory (64-byte aligned),
 * a persistent thread pool, SIMD kernels picked for this CPU at run time, and programs
 * that run node by node in the calling thread (submit is synchronous; wait returns at
 * once). Compile plans every node: convolutions get their tap tables and a slice of the
 * backend's scratch buffer (one for all programs, grown to the largest program's need),
 * instance norms absorb an in-place activation that follows;
 * ops without a fast version run through the reference (gen_ref_exec_node), so the backend
 * is complete. Replaying allocates nothing.
 *
 * Threads: VRGEN_THREADS, else the number of online CPUs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "common/vg_time.h"
#include "gen/cpu/cpu_priv.h"

const cpu_kern *cpu_kern_select(void)
{
    const char *want = getenv("VRGEN_CPU_ISA");
#ifdef CPU_KERN_X86
    __builtin_cpu_init();
    int has512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    int has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (want && strcmp(want, "generic") == 0) return &cpu_kern_generic;
    if (want && strcmp(want, "avx2") == 0 && has2) return &cpu_kern_avx2;
    if (has512) return &cpu_kern_avx512;
    if (has2) return &cpu_kern_avx2;
#else
    (void)want;
#endif
    return &cpu_kern_generic;
}

static const char *const op_names[] = {
    "conv2d_fwd",    "conv2d_bwd",     "upsample_fwd", "upsample_bwd", "instnorm_fwd",
    "instnorm_bwd",  "instnorm_apply", "moments_acc",  "window",       "tile_blend",
    "temporal_hold", "act_fwd",        "act_bwd",      "add",          "axpby",
    "fill",          "concat_fwd",     "concat_bwd",   "avgpool_fwd",  "avgpool_bwd",
    "l1_fwd",        "l1_bwd",         "mse_fwd",      "mse_bwd",      "lsgan_fwd",
    "lsgan_bwd",     "hinge_fwd",      "hinge_bwd",    "gram_fwd",     "gram_bwd",
    "tv_fwd",        "tv_bwd",         "sum",          "adam",         "fma_peak",
    "yuv_to_rgb",    "rgb_to_yuv",     "view_render",
};
_Static_assert(sizeof(op_names) / sizeof(op_names[0]) == GEN_OP_COUNT, "op_names vs gen_op");

/* VRGEN_CPU_PROFILE: where the time went, by op, fast kernels and reference apart. */
static void print_profile(const cpu_backend *be)
{
    double total = 0;
    for (int o = 0; o < GEN_OP_COUNT; o++) total += be->prof_s[o][0] + be->prof_s[o][1];
    fprintf(stderr, "cpu backend profile: %.3f s in programs\n", total);
    for (int o = 0; o < GEN_OP_COUNT; o++)
        for (int r = 0; r < 2; r++)
            if (be->prof_n[o][r])
                fprintf(stderr, "  %-15s %-4s %8ld calls %9.3f s %5.1f%%\n", op_names[o],
                        r ? "ref" : "fast", be->prof_n[o][r], be->prof_s[o][r],
                        total > 0 ? 100 * be->prof_s[o][r] / total : 0);
}

static void cpu_destroy(gen_backend *gb)
{
    cpu_backend *be = (cpu_backend *)gb;
    if (be->profile) print_profile(be);
    cpu_pool_destroy(&be->pool);
    free(be->scratch);
    free(be);
}

/* 64-byte aligned; blocks of 4 MiB and more on 2 MiB huge pages where the kernel gives
 * them: a convolution reads tens of planes at once, each on its own 4 KiB pages otherwise. */
float *cpu_alloc(size_t nfloats)
{
    size_t bytes = (nfloats * sizeof(float) + 63) & ~(size_t)63;
    if (bytes < ((size_t)4 << 20)) return aligned_alloc(64, bytes);
    const size_t huge = (size_t)2 << 20;
    bytes = (bytes + huge - 1) & ~(huge - 1);
    void *p = aligned_alloc(huge, bytes);
#ifdef MADV_HUGEPAGE
    if (p) madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

static int cpu_buf_create(gen_backend *be, size_t nfloats, gen_buf **out)
{
    cpu_buf *b = calloc(1, sizeof(*b));
    if (!b) return VG_ERR_NOMEM;
    b->data = cpu_alloc(nfloats);
    if (!b->data) {
        free(b);
        return VG_ERR_NOMEM;
    }
    b->base.be = be;
    b->base.len = nfloats;
    be->stats.buffers++;
    be->stats.mem_allocs++;
    *out = &b->base;
    return VG_OK;
}

static void cpu_buf_destroy(gen_buf *gb)
{
    cpu_buf *b = (cpu_buf *)gb;
    free(b->data);
    free(b);
}

static int cpu_upload(gen_backend *be, gen_tensor t, const float *src)
{
    memcpy(cpu_ptr(t), src, gen_tensor_len(t) * sizeof(float));
    return VG_OK;
}

static int cpu_download(gen_backend *be, gen_tensor t, float *dst)
{
    memcpy(dst, cpu_ptr(t), gen_tensor_len(t) * sizeof(float));
    return VG_OK;
}

static void cpu_release(gen_prog *p)
{
    cpu_prog *cp = p->impl;
    if (!cp) return;
    if (cp->plans)
        for (int i = 0; i < p->count; i++) cpu_conv_plan_fini(&cp->plans[i].conv);
    free(cp->plans);
    free(cp);
    p->impl = NULL;
}

static int cpu_compile(gen_prog *p)
{
    cpu_backend *be = (cpu_backend *)p->be;
    cpu_prog *cp = calloc(1, sizeof(*cp));
    if (!cp) return VG_ERR_NOMEM;
    p->impl = cp;
    cp->plans = calloc((size_t)(p->count ? p->count : 1), sizeof(*cp->plans));
    if (!cp->plans) goto nomem;
    const int no_fuse = getenv("VRGEN_CPU_NO_FUSE") != NULL;
    for (int i = 0; i < p->count; i++) {
        const gen_node *nd = &p->nodes[i];
        cpu_node_plan *pl = &cp->plans[i];
        if (pl->skip) continue;
        size_t need = 0;
        if (nd->op == GEN_OP_CONV2D_FWD || nd->op == GEN_OP_CONV2D_BWD) {
            cpu_conv_plan_init(&pl->conv, &nd->conv, nd->op == GEN_OP_CONV2D_BWD, be, &need);
            pl->fast = 1;
        } else if (cpu_ops_supported(nd)) {
            pl->fast = 1;
            const gen_node *next = !no_fuse && i + 1 < p->count ? &p->nodes[i + 1] : NULL;
            pl->fuse_act = next && cpu_ops_can_fuse_act(nd, next);
            pl->fuse_add = next && !pl->fuse_act && cpu_ops_can_fuse_add(nd, next);
            if (pl->fuse_act || pl->fuse_add) cp->plans[i + 1].skip = 1;
        }
        if (need > cp->scratch_len) cp->scratch_len = need;
    }
    if (cp->scratch_len > be->scratch_len) { /* the programs compiled before keep theirs */
        float *grown = cpu_alloc(cp->scratch_len);
        if (!grown) goto nomem;
        free(be->scratch);
        be->scratch = grown;
        be->scratch_len = cp->scratch_len;
        p->be->stats.mem_allocs++;
    }
    return VG_OK;
nomem:
    vg_error("cpu backend: out of memory compiling a program of %d nodes (%zu MB of scratch)",
             p->count, cp->scratch_len * sizeof(float) >> 20);
    cpu_release(p);
    return VG_ERR_NOMEM;
}

static int cpu_submit(gen_prog *p)
{
    cpu_backend *be = (cpu_backend *)p->be;
    cpu_prog *cp = p->impl;
    for (int i = 0; i < p->count; i++) {
        const gen_node *nd = &p->nodes[i];
        const cpu_node_plan *pl = &cp->plans[i];
        if (pl->skip) continue;
        double t0 = be->profile ? vg_time_now() : 0;
        if (!pl->fast)
            gen_ref_exec_node(nd, cpu_ptr);
        else if (nd->op == GEN_OP_CONV2D_FWD)
            cpu_conv_forward(be, &pl->conv, nd, be->scratch);
        else if (nd->op == GEN_OP_CONV2D_BWD)
            cpu_conv_backward(be, &pl->conv, nd, be->scratch);
        else
            cpu_ops_run(be, nd, pl->fuse_act ? &p->nodes[i + 1] : NULL,
                        pl->fuse_add ? &p->nodes[i + 1] : NULL);
        if (be->profile) {
            be->prof_s[nd->op][!pl->fast] += vg_time_now() - t0;
            be->prof_n[nd->op][!pl->fast]++;
        }
    }
    p->be->stats.submits++;
    return VG_OK;
}

static int cpu_wait(gen_prog *p)
{
    return VG_OK;
}

static const gen_backend_vtbl cpu_vtbl = {
    .destroy = cpu_destroy,
    .buf_create = cpu_buf_create,
    .buf_destroy = cpu_buf_destroy,
    .upload = cpu_upload,
    .download = cpu_download,
    .host = cpu_ptr,
    .prog_compile = cpu_compile,
    .prog_submit = cpu_submit,
    .prog_wait = cpu_wait,
    .prog_release = cpu_release,
};

/* The host memory this process may use: the physical memory, or the cgroup (v2) limit
 * when that is lower (a container); 0 when unknown. */
static uint64_t host_memory(void)
{
    const long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t mem = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (f) {
        unsigned long long lim;
        if (fscanf(f, "%llu", &lim) == 1 && lim > 0 && (mem == 0 || lim < mem)) mem = lim;
        fclose(f); /* "max": no limit */
    }
    return mem;
}

int gen_cpu_backend_create(const gen_backend_config *cfg, gen_backend **out)
{
    *out = NULL;
    cpu_backend *be = calloc(1, sizeof(*be));
    if (!be) return VG_ERR_NOMEM;
    be->base.vt = &cpu_vtbl;
    be->base.kind = GEN_BACKEND_CPU;
    be->k = cpu_kern_select();
    be->profile = getenv("VRGEN_CPU_PROFILE") != NULL;
    const char *no_up3 = getenv("VRGEN_CPU_NO_UP3");
    be->no_up3 = no_up3 && *no_up3 && strcmp(no_up3, "0") != 0;
    const char *no_wino = getenv("VRGEN_CPU_NO_WINO");
    be->no_wino = no_wino && *no_wino && strcmp(no_wino, "0") != 0;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    const char *e = getenv("VRGEN_THREADS");
    if (e && atoi(e) > 0) n = atoi(e);
    if (n < 1) n = 1;
    if (n > 256) n = 256;
    int ret = cpu_pool_create((int)n, &be->pool);
    if (ret < 0) {
        free(be);
        return ret;
    }
    be->nthreads = cpu_pool_threads(be->pool);
    /* Tensors live in host memory: the heap is half of it (the rest is left to the decoder,
     * the encoder and everything else), so stylize's default budget for the generator,
     * half the heap, is a quarter of the host's memory (6 GB on 24 GB; it was 1 GiB, as
     * for an unknown heap, which tiled 4K frames, 7x slower) */
    be->base.heap_bytes = host_memory() / 2;
    snprintf(be->base.name, sizeof(be->base.name), "cpu (%s, %d thread%s)", be->k->isa,
             be->nthreads, be->nthreads == 1 ? "" : "s");
    *out = &be->base;
    return VG_OK;
}
