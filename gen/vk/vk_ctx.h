/*
 * vk_ctx.h - the Vulkan context of the compute engine: instance, the chosen physical
 * device, the logical device with one compute queue, the validation messenger, the memory
 * blocks, the staging ring and the pipeline registry. Private to gen/vk/.
 */
#ifndef GEN_VK_CTX_H
#define GEN_VK_CTX_H

#include <pthread.h>
#include <vulkan/vulkan.h>

#include "gen/gen_backend_priv.h"

/* Maps a failed VkResult to a vg code, logging one line naming the call. */
int gen_vk_result(VkResult r, const char *call, const char *file, int line);
const char *gen_vk_result_str(VkResult r);

/* Requires `int ret` and a `fail:` label in the calling function. */
#define GEN_VK_CHECK(call)                                                                         \
    do {                                                                                           \
        VkResult r_ = (call);                                                                      \
        if (r_ != VK_SUCCESS) {                                                                    \
            ret = gen_vk_result(r_, #call, __FILE__, __LINE__);                                    \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

/* One large device memory allocation that buffers are carved out of. */
typedef struct vk_block {
    VkDeviceMemory mem;
    VkDeviceSize size;
    void *map;             /* persistent mapping when the memory type is host visible */
    struct vk_range *free; /* sorted free list */
} vk_block;

typedef struct vk_range {
    VkDeviceSize off, size;
    struct vk_range *next;
} vk_range;

#define VK_MAX_BLOCKS 64

typedef struct vk_pipe {
    char key[160];
    VkPipeline pipeline;
    VkPipelineLayout layout;
    VkDescriptorSetLayout dsl;
    int nbind;
    uint8_t kind[8]; /* vk_bind_kind of each binding (vk_ops.h) */
} vk_pipe;

typedef struct gen_vk_ctx {
    gen_backend base;

    VkInstance instance;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    pthread_mutex_t queue_lock;
    /* a second queue of the same family where the device has one: threads that ask for it
     * (gen_vk_use_side_queue: the viewer's worker) submit there, so their long programs
     * run beside the frame loop's short ones instead of ahead of them */
    VkQueue side_queue;
    pthread_mutex_t side_lock;
    int own_device; /* 0 when an OpenXR runtime created instance and device */

    VkPhysicalDeviceProperties props;
    VkPhysicalDeviceMemoryProperties memprops;
    VkDebugUtilsMessengerEXT messenger;
    PFN_vkDestroyDebugUtilsMessengerEXT destroy_messenger;

    uint32_t dev_mem_type;  /* for buffers */
    int dev_mem_mappable;   /* device memory is host visible + coherent (lavapipe, UMA) */
    uint32_t host_mem_type; /* for the staging ring */

    pthread_mutex_t mem_lock;
    vk_block blocks[VK_MAX_BLOCKS];
    int nblocks;
    VkDeviceSize block_size;

    /* staging ring for upload/download when device memory is not mappable */
    VkBuffer staging;
    VkDeviceMemory staging_mem;
    void *staging_map;
    VkDeviceSize staging_size;
    VkCommandPool xfer_pool;
    VkCommandBuffer xfer_cmd;
    VkFence xfer_fence;
    pthread_mutex_t xfer_lock; /* the ring is shared by threads (viewer: worker + frame loop) */

    /* pipelines: created on first use, kept for the context's life */
    VkPipelineCache pcache;
    char pcache_path[512];
    vk_pipe **pipes;
    int npipes, cappipes;
    pthread_mutex_t pipe_lock;

    VkBuffer dummy; /* bound where an op's optional tensor is absent */
    VkDeviceMemory dummy_mem;
} gen_vk_ctx;

typedef struct vk_buf {
    gen_buf base;
    VkBuffer buffer;
    int block;          /* index into ctx->blocks */
    VkDeviceSize off;   /* in the block */
    VkDeviceSize size;  /* of the VkBuffer */
    VkDeviceSize taken; /* bytes taken from the block */
} vk_buf;

/* Whether a device with these properties can run vrgen; when not, why (one phrase). */
int gen_vk_check_requirements(const VkPhysicalDeviceProperties *props, int has_compute_queue,
                              char *why, size_t len);

/* vk_mem.c */
int vk_mem_init(gen_vk_ctx *c);
void vk_mem_fini(gen_vk_ctx *c);
int vk_buf_create(gen_backend *be, size_t nfloats, gen_buf **out);
void vk_buf_destroy(gen_buf *b);
int vk_upload(gen_backend *be, gen_tensor t, const float *src);
int vk_download(gen_backend *be, gen_tensor t, float *dst);
/* Host pointer to a tensor when device memory is mappable, else NULL. */
float *vk_tensor_map(gen_vk_ctx *c, gen_tensor t);

/* vk_pipe.c */
int vk_pipe_init(gen_vk_ctx *c);
void vk_pipe_fini(gen_vk_ctx *c);
/* Returns the pipeline for shader `name` with specialization constants spec[0..nspec)
 * (constant ids 0..nspec-1) and nbind bindings of the given kinds (vk_bind_kind), creating
 * it on first use. */
int vk_pipe_get(gen_vk_ctx *c, const char *name, const uint32_t *spec, int nspec, int nbind,
                const uint8_t *kind, const vk_pipe **out);

/* vk_prog.c */
int vk_prog_compile(gen_prog *p);
int vk_prog_submit(gen_prog *p);
int vk_prog_wait(gen_prog *p);
void vk_prog_release(gen_prog *p);

/* Submits a command buffer on the shared queue (under queue_lock), or on the side queue
 * when the calling thread asked for it and the device has one. */
int vk_queue_submit(gen_vk_ctx *c, VkCommandBuffer cmd, VkFence fence);

#endif /* GEN_VK_CTX_H */
