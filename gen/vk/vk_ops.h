/*
 * vk_ops.h - how the Vulkan backend turns one recorded node into compute dispatches:
 * which shader variant, specialization constants, bindings, push constants and group
 * counts. vk_prog.c records what the planners return; it knows nothing about ops.
 */
#ifndef GEN_VK_OPS_H
#define GEN_VK_OPS_H

#include "gen/vk/vk_ctx.h"

#define VK_MAX_BIND     8
#define VK_MAX_SPEC     12
#define VK_PUSH_BYTES   128
#define VK_MAX_DISPATCH 8 /* per node */

/* How a shader sees a binding. Texel buffers matter on lavapipe: a texel fetch or an
 * image store handles all SIMD lanes in one call, while storage buffer accesses run lane
 * by lane; an RGBA32F fetch moves four floats per lane. */
typedef enum vk_bind_kind {
    VK_BIND_SSBO = 0,   /* storage buffer (read/write) */
    VK_BIND_TEXEL_R,    /* uniform texel buffer, R32F: texelFetch(samplerBuffer) */
    VK_BIND_TEXEL_RGBA, /* uniform texel buffer, RGBA32F */
    VK_BIND_IMAGE_RGBA, /* storage texel buffer, RGBA32F: imageLoad/imageStore */
} vk_bind_kind;

typedef struct vk_dispatch {
    char shader[48]; /* variant name in the embedded SPIR-V table */
    uint32_t spec[VK_MAX_SPEC];
    int nspec; /* by convention spec[0..2] is the work group size (ids 0, 1, 2) */
    gen_tensor bind[VK_MAX_BIND];
    int nbind;
    unsigned scratch_mask;     /* bit i: bind[i] is a view of the program's scratch buffer */
    uint8_t kind[VK_MAX_BIND]; /* vk_bind_kind of each binding */
    uint32_t push[VK_PUSH_BYTES / 4];
    uint32_t push_bytes;
    uint32_t groups[3];
} vk_dispatch;

/* Planning state for one node: the dispatches so far and the scratch it needs. */
typedef struct vk_plan {
    gen_vk_ctx *ctx;
    vk_dispatch d[VK_MAX_DISPATCH];
    int count;
    size_t scratch_used; /* floats of scratch this node needs (reused by every node) */
} vk_plan;

/* Starts a dispatch of `shader` with work group size (lx, ly, lz) as spec constants 0..2. */
vk_dispatch *vk_plan_add(vk_plan *pl, const char *shader, uint32_t lx, uint32_t ly, uint32_t lz);
/* Adds a storage buffer binding; an absent tensor (buf == NULL) binds the context's dummy
 * buffer. */
void vk_bind(vk_dispatch *d, gen_tensor t);
/* Adds a binding of another kind. RGBA views cover the tensor rounded up to 4 floats (the
 * arena's alignment keeps that inside the tensor's slot). */
void vk_bind_as(vk_dispatch *d, gen_tensor t, vk_bind_kind kind);
/* Binds nfloats of scratch (fresh for this node; contents undefined at node start). */
gen_tensor vk_bind_scratch(vk_plan *pl, vk_dispatch *d, size_t nfloats);
/* Takes nfloats of scratch without binding it (bind it with vk_bind_scratch_as). */
gen_tensor vk_scratch_take(vk_plan *pl, size_t nfloats);
/* Binds a scratch view taken earlier in the same node. */
void vk_bind_scratch_as(vk_dispatch *d, gen_tensor t, vk_bind_kind kind);
void vk_bind_scratch_view(vk_dispatch *d, gen_tensor t); /* as VK_BIND_SSBO */
/* Copies the push-constant struct (size <= VK_PUSH_BYTES). */
void vk_push(vk_dispatch *d, const void *data, size_t size);
void vk_spec(vk_dispatch *d, uint32_t v);
/* Sets group counts so that ceil(n / l) groups cover n items along each axis. */
void vk_groups(vk_dispatch *d, uint64_t nx, uint64_t ny, uint64_t nz);
/* Groups for a 1D problem of n items with grid-stride loops: x groups capped. */
void vk_groups_1d(vk_dispatch *d, uint64_t n);

/* Plans every op (vk_ops.c). Programmer errors assert. */
void vk_ops_plan(vk_plan *pl, const gen_node *nd);

#endif /* GEN_VK_OPS_H */
