/*
 * vk_mem.c - device memory for the Vulkan backend: a few large blocks that buffers are
 * sub-allocated from (first fit, coalescing free list), and host transfers, either by
 * memcpy into mapped memory (lavapipe, integrated GPUs) or through a staging ring.
 * Not a general allocator: vrgen allocates a handful of large arenas per network.
 */
#include "gen/vk/vk_ctx.h"

#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_log.h"

#define STAGING_BYTES (16u << 20)
#define BLOCK_BYTES   (256ull << 20)

static int find_type(const gen_vk_ctx *c, uint32_t bits, VkMemoryPropertyFlags want, uint32_t *type)
{
    for (uint32_t i = 0; i < c->memprops.memoryTypeCount; i++)
        if ((bits & (1u << i)) && (c->memprops.memoryTypes[i].propertyFlags & want) == want) {
            *type = i;
            return 1;
        }
    return 0;
}

static int alloc_memory(gen_vk_ctx *c, VkDeviceSize size, uint32_t type, VkDeviceMemory *mem)
{
    VkMemoryAllocateInfo ai = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = size,
        .memoryTypeIndex = type,
    };
    VkResult r = vkAllocateMemory(c->device, &ai, NULL, mem);
    if (c->base.quiet_oom &&
        (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)) {
        vg_verbose("Vulkan: vkAllocateMemory of %llu bytes: %s", (unsigned long long)size,
                   gen_vk_result_str(r));
        return VG_ERR_DEVICE_OOM;
    }
    if (r != VK_SUCCESS) return gen_vk_result(r, "vkAllocateMemory", __FILE__, __LINE__);
    c->base.stats.mem_allocs++;
    return VG_OK;
}

int vk_mem_init(gen_vk_ctx *c)
{
    int ret = VG_OK;
    const VkMemoryPropertyFlags mappable = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT |
                                           VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                           VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    const VkMemoryPropertyFlags host =
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    int discrete = c->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;

    /* Storage buffers: any memory type a storage buffer accepts. Probe with a small one. */
    VkBuffer probe;
    VkBufferCreateInfo bi = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = 4096,
        .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT,
    };
    GEN_VK_CHECK(vkCreateBuffer(c->device, &bi, NULL, &probe));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(c->device, probe, &req);
    vkDestroyBuffer(c->device, probe, NULL);

    if (!discrete && find_type(c, req.memoryTypeBits, mappable, &c->dev_mem_type)) {
        c->dev_mem_mappable = 1;
    } else if (!find_type(c, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT,
                          &c->dev_mem_type) &&
               !find_type(c, req.memoryTypeBits, 0, &c->dev_mem_type)) {
        vg_error("Vulkan: no memory type for storage buffers");
        return VG_ERR_NO_DEVICE;
    }
    VkDeviceSize heap =
        c->memprops.memoryHeaps[c->memprops.memoryTypes[c->dev_mem_type].heapIndex].size;
    c->base.heap_bytes = heap;
    c->block_size = BLOCK_BYTES;
    if (c->block_size > heap / 4) c->block_size = heap / 4;

    /* the dummy buffer bound for absent optional tensors */
    bi.size = 256;
    GEN_VK_CHECK(vkCreateBuffer(c->device, &bi, NULL, &c->dummy));
    vkGetBufferMemoryRequirements(c->device, c->dummy, &req);
    ret = alloc_memory(c, req.size, c->dev_mem_type, &c->dummy_mem);
    if (ret < 0) goto fail;
    GEN_VK_CHECK(vkBindBufferMemory(c->device, c->dummy, c->dummy_mem, 0));

    /* transfer command buffer and fence, also used by the mapped path for nothing else */
    VkCommandPoolCreateInfo pi = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
        .queueFamilyIndex = c->queue_family,
    };
    GEN_VK_CHECK(vkCreateCommandPool(c->device, &pi, NULL, &c->xfer_pool));
    VkCommandBufferAllocateInfo cai = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = c->xfer_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    GEN_VK_CHECK(vkAllocateCommandBuffers(c->device, &cai, &c->xfer_cmd));
    c->base.stats.command_buffers++;
    VkFenceCreateInfo fi = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    GEN_VK_CHECK(vkCreateFence(c->device, &fi, NULL, &c->xfer_fence));

    if (!c->dev_mem_mappable) {
        bi.size = STAGING_BYTES;
        bi.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
        GEN_VK_CHECK(vkCreateBuffer(c->device, &bi, NULL, &c->staging));
        vkGetBufferMemoryRequirements(c->device, c->staging, &req);
        uint32_t type;
        if (!find_type(c, req.memoryTypeBits, host | VK_MEMORY_PROPERTY_HOST_CACHED_BIT, &type) &&
            !find_type(c, req.memoryTypeBits, host, &type)) {
            vg_error("Vulkan: no host-visible memory for the staging ring");
            return VG_ERR_NO_DEVICE;
        }
        c->host_mem_type = type;
        ret = alloc_memory(c, req.size, type, &c->staging_mem);
        if (ret < 0) goto fail;
        GEN_VK_CHECK(vkBindBufferMemory(c->device, c->staging, c->staging_mem, 0));
        GEN_VK_CHECK(vkMapMemory(c->device, c->staging_mem, 0, VK_WHOLE_SIZE, 0, &c->staging_map));
        c->staging_size = STAGING_BYTES;
    }
    c->base.stats.buffers++;
fail:
    return ret;
}

void vk_mem_fini(gen_vk_ctx *c)
{
    if (!c->device) return;
    if (c->xfer_fence) vkDestroyFence(c->device, c->xfer_fence, NULL);
    if (c->xfer_pool) vkDestroyCommandPool(c->device, c->xfer_pool, NULL);
    if (c->staging) vkDestroyBuffer(c->device, c->staging, NULL);
    if (c->staging_mem) vkFreeMemory(c->device, c->staging_mem, NULL);
    if (c->dummy) vkDestroyBuffer(c->device, c->dummy, NULL);
    if (c->dummy_mem) vkFreeMemory(c->device, c->dummy_mem, NULL);
    for (int i = 0; i < c->nblocks; i++) {
        vk_block *b = &c->blocks[i];
        while (b->free) {
            vk_range *n = b->free->next;
            free(b->free);
            b->free = n;
        }
        if (b->mem) vkFreeMemory(c->device, b->mem, NULL);
    }
    c->nblocks = 0;
}

/* First fit in a block's free list; returns 1 and the offset when it fits. */
static int block_take(vk_block *b, VkDeviceSize size, VkDeviceSize align, VkDeviceSize *off)
{
    for (vk_range **pp = &b->free; *pp; pp = &(*pp)->next) {
        vk_range *r = *pp;
        VkDeviceSize start = (r->off + align - 1) / align * align;
        if (start + size > r->off + r->size) continue;
        VkDeviceSize end = r->off + r->size;
        if (start > r->off) {
            /* keep the alignment gap as its own free range */
            vk_range *gap = malloc(sizeof(*gap));
            if (!gap) return 0;
            gap->off = r->off;
            gap->size = start - r->off;
            gap->next = r;
            *pp = gap;
            pp = &gap->next;
        }
        if (start + size == end) {
            *pp = r->next;
            free(r);
        } else {
            r->off = start + size;
            r->size = end - r->off;
        }
        *off = start;
        return 1;
    }
    return 0;
}

static void block_give(vk_block *b, VkDeviceSize off, VkDeviceSize size)
{
    vk_range **pp = &b->free;
    while (*pp && (*pp)->off < off) pp = &(*pp)->next;
    vk_range *r = malloc(sizeof(*r));
    if (!r) return; /* leaks the range inside the block; the block is freed at exit */
    r->off = off;
    r->size = size;
    r->next = *pp;
    *pp = r;
    /* coalesce with the next, then with the previous */
    if (r->next && r->off + r->size == r->next->off) {
        vk_range *n = r->next;
        r->size += n->size;
        r->next = n->next;
        free(n);
    }
    for (vk_range *q = b->free; q && q->next; q = q->next)
        if (q->next == r && q->off + q->size == r->off) {
            q->size += r->size;
            q->next = r->next;
            free(r);
            break;
        }
}

static int new_block(gen_vk_ctx *c, VkDeviceSize min_size, int *idx)
{
    if (c->nblocks == VK_MAX_BLOCKS) {
        vg_error("Vulkan: more than %d memory blocks", VK_MAX_BLOCKS);
        return VG_ERR_DEVICE_OOM;
    }
    vk_block *b = &c->blocks[c->nblocks];
    memset(b, 0, sizeof(*b));
    b->size = min_size > c->block_size ? min_size : c->block_size;
    int ret = alloc_memory(c, b->size, c->dev_mem_type, &b->mem);
    if (ret < 0) return ret;
    if (c->dev_mem_mappable) {
        VkResult r = vkMapMemory(c->device, b->mem, 0, VK_WHOLE_SIZE, 0, &b->map);
        if (r != VK_SUCCESS) {
            vkFreeMemory(c->device, b->mem, NULL);
            return gen_vk_result(r, "vkMapMemory", __FILE__, __LINE__);
        }
    }
    b->free = malloc(sizeof(*b->free));
    if (!b->free) {
        vkFreeMemory(c->device, b->mem, NULL);
        return VG_ERR_NOMEM;
    }
    b->free->off = 0;
    b->free->size = b->size;
    b->free->next = NULL;
    *idx = c->nblocks++;
    return VG_OK;
}

int vk_buf_create(gen_backend *be, size_t nfloats, gen_buf **out)
{
    gen_vk_ctx *c = (gen_vk_ctx *)be;
    int ret = VG_OK;
    vk_buf *b = calloc(1, sizeof(*b));
    if (!b) return VG_ERR_NOMEM;
    b->base.be = be;
    b->base.len = nfloats;
    b->size = (nfloats * sizeof(float) + 255) / 256 * 256;
    b->block = -1;

    VkBufferCreateInfo bi = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = b->size,
        .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                 VK_BUFFER_USAGE_STORAGE_TEXEL_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT,
    };
    GEN_VK_CHECK(vkCreateBuffer(c->device, &bi, NULL, &b->buffer));
    be->stats.buffers++;
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(c->device, b->buffer, &req);
    if (!(req.memoryTypeBits & (1u << c->dev_mem_type))) {
        vg_error("Vulkan: storage buffer memory type mismatch");
        ret = VG_ERR_DEVICE;
        goto fail;
    }

    pthread_mutex_lock(&c->mem_lock);
    int found = 0;
    for (int i = 0; i < c->nblocks && !found; i++)
        if (block_take(&c->blocks[i], req.size, req.alignment, &b->off)) {
            b->block = i;
            b->taken = req.size;
            found = 1;
        }
    if (!found) {
        int idx = -1;
        ret = new_block(c, req.size, &idx);
        if (ret == VG_OK && block_take(&c->blocks[idx], req.size, req.alignment, &b->off)) {
            b->block = idx;
            b->taken = req.size;
        } else if (ret == VG_OK)
            ret = VG_ERR_INTERNAL;
    }
    pthread_mutex_unlock(&c->mem_lock);
    if (ret < 0) goto fail;
    GEN_VK_CHECK(vkBindBufferMemory(c->device, b->buffer, c->blocks[b->block].mem, b->off));
    *out = &b->base;
    return VG_OK;
fail:
    vk_buf_destroy(&b->base);
    return ret;
}

void vk_buf_destroy(gen_buf *gb)
{
    vk_buf *b = (vk_buf *)gb;
    gen_vk_ctx *c = (gen_vk_ctx *)gb->be;
    if (b->buffer) vkDestroyBuffer(c->device, b->buffer, NULL);
    if (b->block >= 0) {
        pthread_mutex_lock(&c->mem_lock);
        block_give(&c->blocks[b->block], b->off, b->taken);
        pthread_mutex_unlock(&c->mem_lock);
    }
    free(b);
}

float *vk_tensor_map(gen_vk_ctx *c, gen_tensor t)
{
    vk_buf *b = (vk_buf *)t.buf;
    if (!c->dev_mem_mappable) return NULL;
    return (float *)((char *)c->blocks[b->block].map + b->off) + t.off;
}

/* Copies between a tensor and the staging ring in chunks: dir 0 upload, 1 download. */
static int staged_copy(gen_vk_ctx *c, gen_tensor t, float *host, int dir)
{
    int ret = VG_OK;
    vk_buf *b = (vk_buf *)t.buf;
    VkDeviceSize total = gen_tensor_len(t) * sizeof(float);
    VkDeviceSize base = t.off * sizeof(float);
    for (VkDeviceSize done = 0; done < total;) {
        VkDeviceSize n = total - done < c->staging_size ? total - done : c->staging_size;
        if (dir == 0) memcpy(c->staging_map, (char *)host + done, n);
        VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                       .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
        GEN_VK_CHECK(vkBeginCommandBuffer(c->xfer_cmd, &bi));
        VkMemoryBarrier pre = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                               .srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT,
                               .dstAccessMask =
                                   VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT};
        vkCmdPipelineBarrier(c->xfer_cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
                             VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &pre, 0, NULL, 0, NULL);
        VkBufferCopy region = {
            .srcOffset = dir == 0 ? 0 : base + done,
            .dstOffset = dir == 0 ? base + done : 0,
            .size = n,
        };
        if (dir == 0)
            vkCmdCopyBuffer(c->xfer_cmd, c->staging, b->buffer, 1, &region);
        else
            vkCmdCopyBuffer(c->xfer_cmd, b->buffer, c->staging, 1, &region);
        VkMemoryBarrier post = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                                .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                                .dstAccessMask = VK_ACCESS_HOST_READ_BIT};
        vkCmdPipelineBarrier(c->xfer_cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                             VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &post, 0, NULL, 0, NULL);
        GEN_VK_CHECK(vkEndCommandBuffer(c->xfer_cmd));
        ret = vk_queue_submit(c, c->xfer_cmd, c->xfer_fence);
        if (ret < 0) goto fail;
        GEN_VK_CHECK(vkWaitForFences(c->device, 1, &c->xfer_fence, VK_TRUE, UINT64_MAX));
        GEN_VK_CHECK(vkResetFences(c->device, 1, &c->xfer_fence));
        if (dir == 1) memcpy((char *)host + done, c->staging_map, n);
        done += n;
    }
fail:
    return ret;
}

int vk_upload(gen_backend *be, gen_tensor t, const float *src)
{
    gen_vk_ctx *c = (gen_vk_ctx *)be;
    float *dst = vk_tensor_map(c, t);
    if (dst) {
        memcpy(dst, src, gen_tensor_len(t) * sizeof(float));
        return VG_OK;
    }
    pthread_mutex_lock(&c->xfer_lock);
    int ret = staged_copy(c, t, (float *)src, 0);
    pthread_mutex_unlock(&c->xfer_lock);
    return ret;
}

int vk_download(gen_backend *be, gen_tensor t, float *dst)
{
    gen_vk_ctx *c = (gen_vk_ctx *)be;
    const float *src = vk_tensor_map(c, t);
    if (src) {
        memcpy(dst, src, gen_tensor_len(t) * sizeof(float));
        return VG_OK;
    }
    pthread_mutex_lock(&c->xfer_lock);
    int ret = staged_copy(c, t, dst, 1);
    pthread_mutex_unlock(&c->xfer_lock);
    return ret;
}
