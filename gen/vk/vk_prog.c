/*
 * vk_prog.c - compiles a recorded program into Vulkan objects and replays it: every node
 * is planned into dispatches (vk_ops.c); pipelines come from the registry; one descriptor
 * set per dispatch from the program's own pool; one command buffer recorded once, with a
 * memory barrier between dispatches. Replaying is a single vkQueueSubmit: nothing is
 * allocated or created after compile.
 */
#include "gen/vk/vk_ops.h"

#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_log.h"

typedef struct vk_prog {
    VkDescriptorPool pool;
    VkCommandPool cmd_pool;
    VkCommandBuffer cmd;
    VkFence fence;
    int pending; /* submitted, not yet waited for */
    gen_buf *scratch;
    int ndispatch;
    VkBufferView *views;
    int nviews;
} vk_prog;

/* --- planning helpers used by vk_ops.c ----------------------------------------------- */

vk_dispatch *vk_plan_add(vk_plan *pl, const char *shader, uint32_t lx, uint32_t ly, uint32_t lz)
{
    VG_ASSERT(pl->count < VK_MAX_DISPATCH);
    vk_dispatch *d = &pl->d[pl->count++];
    memset(d, 0, sizeof(*d));
    VG_ASSERT(strlen(shader) < sizeof(d->shader));
    strcpy(d->shader, shader);
    d->spec[0] = lx;
    d->spec[1] = ly;
    d->spec[2] = lz;
    d->nspec = 3;
    VG_ASSERT(lx * ly * lz <= pl->ctx->props.limits.maxComputeWorkGroupInvocations);
    return d;
}

void vk_bind_as(vk_dispatch *d, gen_tensor t, vk_bind_kind kind)
{
    VG_ASSERT(d->nbind < VK_MAX_BIND);
    if (kind != VK_BIND_SSBO) VG_ASSERT(t.buf || (d->scratch_mask & (1u << d->nbind)));
    d->kind[d->nbind] = (uint8_t)kind;
    d->bind[d->nbind++] = t;
}

void vk_bind(vk_dispatch *d, gen_tensor t)
{
    vk_bind_as(d, t, VK_BIND_SSBO);
}

gen_tensor vk_scratch_take(vk_plan *pl, size_t nfloats)
{
    gen_tensor t = {NULL, pl->scratch_used, 1, 1, 1, (int)nfloats};
    VG_ASSERT(nfloats > 0 && nfloats < (1u << 30));
    pl->scratch_used += (nfloats + GEN_TENSOR_ALIGN - 1) / GEN_TENSOR_ALIGN * GEN_TENSOR_ALIGN;
    return t;
}

gen_tensor vk_bind_scratch(vk_plan *pl, vk_dispatch *d, size_t nfloats)
{
    gen_tensor t = vk_scratch_take(pl, nfloats);
    vk_bind_scratch_view(d, t);
    return t;
}

void vk_bind_scratch_as(vk_dispatch *d, gen_tensor t, vk_bind_kind kind)
{
    d->scratch_mask |= 1u << d->nbind;
    vk_bind_as(d, t, kind);
}

void vk_bind_scratch_view(vk_dispatch *d, gen_tensor t)
{
    vk_bind_scratch_as(d, t, VK_BIND_SSBO);
}

void vk_push(vk_dispatch *d, const void *data, size_t size)
{
    VG_ASSERT(size <= VK_PUSH_BYTES && size % 4 == 0);
    memcpy(d->push, data, size);
    d->push_bytes = (uint32_t)size;
}

void vk_spec(vk_dispatch *d, uint32_t v)
{
    VG_ASSERT(d->nspec < VK_MAX_SPEC);
    d->spec[d->nspec++] = v;
}

void vk_groups(vk_dispatch *d, uint64_t nx, uint64_t ny, uint64_t nz)
{
    uint64_t g[3] = {(nx + d->spec[0] - 1) / d->spec[0], (ny + d->spec[1] - 1) / d->spec[1],
                     (nz + d->spec[2] - 1) / d->spec[2]};
    for (int i = 0; i < 3; i++) {
        VG_ASSERT(g[i] >= 1 && g[i] <= 65535);
        d->groups[i] = (uint32_t)g[i];
    }
}

void vk_groups_1d(vk_dispatch *d, uint64_t n)
{
    uint64_t g = (n + d->spec[0] - 1) / d->spec[0];
    if (g > 4096) g = 4096; /* shaders loop with a grid stride */
    if (g < 1) g = 1;
    d->groups[0] = (uint32_t)g;
    d->groups[1] = d->groups[2] = 1;
}

/* --- compile and replay ------------------------------------------------------------- */

static void barrier(VkCommandBuffer cmd, VkPipelineStageFlags src, VkAccessFlags src_access,
                    VkPipelineStageFlags dst, VkAccessFlags dst_access)
{
    VkMemoryBarrier mb = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = src_access,
        .dstAccessMask = dst_access,
    };
    vkCmdPipelineBarrier(cmd, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
}

void vk_prog_release(gen_prog *p)
{
    gen_vk_ctx *c = (gen_vk_ctx *)p->be;
    vk_prog *vp = p->impl;
    if (!vp) return;
    if (vp->pending) vkWaitForFences(c->device, 1, &vp->fence, VK_TRUE, UINT64_MAX);
    if (vp->fence) vkDestroyFence(c->device, vp->fence, NULL);
    if (vp->cmd_pool) vkDestroyCommandPool(c->device, vp->cmd_pool, NULL);
    if (vp->pool) vkDestroyDescriptorPool(c->device, vp->pool, NULL);
    for (int i = 0; i < vp->nviews; i++) vkDestroyBufferView(c->device, vp->views[i], NULL);
    free(vp->views);
    gen_buf_destroy(&vp->scratch);
    free(vp);
    p->impl = NULL;
}

static VkDescriptorBufferInfo buffer_info(gen_vk_ctx *c, gen_tensor t)
{
    VkDescriptorBufferInfo bi;
    if (!t.buf) {
        bi.buffer = c->dummy;
        bi.offset = 0;
        bi.range = 256;
        return bi;
    }
    bi.buffer = ((vk_buf *)t.buf)->buffer;
    bi.offset = t.off * sizeof(float);
    bi.range = gen_tensor_len(t) * sizeof(float);
    return bi;
}

/* A tensor larger than the device can bind: a limit of the device, said clearly. */
static int too_big(const gen_vk_ctx *c, const gen_prog *p, const char *shader, VkDeviceSize bytes)
{
    if (p->quiet_limits) return VG_ERR_LIMIT; /* the caller falls back (tiles) */
    vg_error("the frame is too large for this Vulkan device: %s needs one buffer of %.0f MiB, "
             "the device binds at most %u MiB (a smaller frame or a GPU with larger limits "
             "works)",
             shader, (double)bytes / 1048576.0, c->props.limits.maxStorageBufferRange >> 20);
    return VG_ERR_LIMIT;
}

int vk_prog_compile(gen_prog *p)
{
    gen_vk_ctx *c = (gen_vk_ctx *)p->be;
    int ret = VG_OK;
    vk_prog *vp = calloc(1, sizeof(*vp));
    vk_plan *plans = calloc((size_t)(p->count ? p->count : 1), sizeof(*plans));
    if (!vp || !plans) {
        free(vp);
        free(plans);
        return VG_ERR_NOMEM;
    }
    p->impl = vp;

    /* plan every node; scratch is shared by all nodes (they are separated by barriers) */
    size_t scratch = 0;
    int total = 0;
    for (int i = 0; i < p->count; i++) {
        plans[i].ctx = c;
        vk_ops_plan(&plans[i], &p->nodes[i]);
        if (plans[i].scratch_used > scratch) scratch = plans[i].scratch_used;
        total += plans[i].count;
    }
    vp->ndispatch = total;
    if (scratch) {
        ret = gen_buf_create(p->be, scratch, &vp->scratch);
        if (ret < 0) goto fail;
    }

    vp->views = calloc((size_t)total * VK_MAX_BIND + 1, sizeof(*vp->views));
    if (!vp->views) {
        ret = VG_ERR_NOMEM;
        goto fail;
    }
    VkDescriptorPoolSize ps[3] = {
        {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, (uint32_t)(total * VK_MAX_BIND + 1)},
        {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, (uint32_t)(total * VK_MAX_BIND + 1)},
        {VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER, (uint32_t)(total * VK_MAX_BIND + 1)},
    };
    VkDescriptorPoolCreateInfo dpi = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
        .maxSets = (uint32_t)(total + 1),
        .poolSizeCount = 3,
        .pPoolSizes = ps,
    };
    GEN_VK_CHECK(vkCreateDescriptorPool(c->device, &dpi, NULL, &vp->pool));
    VkCommandPoolCreateInfo cpi = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .queueFamilyIndex = c->queue_family,
    };
    GEN_VK_CHECK(vkCreateCommandPool(c->device, &cpi, NULL, &vp->cmd_pool));
    VkCommandBufferAllocateInfo cai = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = vp->cmd_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    GEN_VK_CHECK(vkAllocateCommandBuffers(c->device, &cai, &vp->cmd));
    c->base.stats.command_buffers++;
    VkFenceCreateInfo fi = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    GEN_VK_CHECK(vkCreateFence(c->device, &fi, NULL, &vp->fence));

    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    GEN_VK_CHECK(vkBeginCommandBuffer(vp->cmd, &bi));
    /* earlier submissions (uploads, other programs) and host writes come first */
    barrier(vp->cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_WRITE_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    int first = 1;
    for (int i = 0; i < p->count; i++) {
        for (int j = 0; j < plans[i].count; j++) {
            vk_dispatch *d = &plans[i].d[j];
            const vk_pipe *pipe;
            ret = vk_pipe_get(c, d->shader, d->spec, d->nspec, d->nbind, d->kind, &pipe);
            if (ret < 0) goto fail;
            VkDescriptorSetAllocateInfo ai = {
                .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                .descriptorPool = vp->pool,
                .descriptorSetCount = 1,
                .pSetLayouts = &pipe->dsl,
            };
            VkDescriptorSet set;
            GEN_VK_CHECK(vkAllocateDescriptorSets(c->device, &ai, &set));
            c->base.stats.descriptor_sets++;
            VkDescriptorBufferInfo infos[VK_MAX_BIND];
            VkWriteDescriptorSet w[VK_MAX_BIND];
            for (int b = 0; b < d->nbind; b++) {
                gen_tensor t = d->bind[b];
                if (d->scratch_mask & (1u << b)) t.buf = vp->scratch;
                infos[b] = buffer_info(c, t);
                w[b] = (VkWriteDescriptorSet){
                    .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                    .dstSet = set,
                    .dstBinding = (uint32_t)b,
                    .descriptorCount = 1,
                    .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                    .pBufferInfo = &infos[b],
                };
                if (d->kind[b] != VK_BIND_SSBO) {
                    int rgba = d->kind[b] != VK_BIND_TEXEL_R;
                    if (rgba) {
                        /* whole texels: the tail past the tensor stays in its aligned slot */
                        infos[b].range = (infos[b].range + 15) / 16 * 16;
                        VG_ASSERT(t.off + (gen_tensor_len(t) + 3) / 4 * 4 <= t.buf->len);
                    }
                    if (infos[b].range / (rgba ? 16 : 4) > c->props.limits.maxTexelBufferElements) {
                        ret = too_big(c, p, d->shader, infos[b].range);
                        goto fail;
                    }
                    VkBufferViewCreateInfo vi = {
                        .sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
                        .buffer = infos[b].buffer,
                        .format = rgba ? VK_FORMAT_R32G32B32A32_SFLOAT : VK_FORMAT_R32_SFLOAT,
                        .offset = infos[b].offset,
                        .range = infos[b].range,
                    };
                    VkBufferView *view = &vp->views[vp->nviews];
                    GEN_VK_CHECK(vkCreateBufferView(c->device, &vi, NULL, view));
                    vp->nviews++;
                    w[b].descriptorType = d->kind[b] == VK_BIND_IMAGE_RGBA
                                              ? VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER
                                              : VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
                    w[b].pBufferInfo = NULL;
                    w[b].pTexelBufferView = view;
                } else if (infos[b].range > c->props.limits.maxStorageBufferRange) {
                    ret = too_big(c, p, d->shader, infos[b].range);
                    goto fail;
                }
            }
            vkUpdateDescriptorSets(c->device, (uint32_t)d->nbind, w, 0, NULL);
            if (!first)
                barrier(vp->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
            first = 0;
            vkCmdBindPipeline(vp->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipe->pipeline);
            vkCmdBindDescriptorSets(vp->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipe->layout, 0, 1,
                                    &set, 0, NULL);
            if (d->push_bytes)
                vkCmdPushConstants(vp->cmd, pipe->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                                   d->push_bytes, d->push);
            vkCmdDispatch(vp->cmd, d->groups[0], d->groups[1], d->groups[2]);
        }
    }
    /* results are read by the host (mapped memory) or by transfers (staging) */
    barrier(vp->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_HOST_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT);
    GEN_VK_CHECK(vkEndCommandBuffer(vp->cmd));
    free(plans);
    return VG_OK;
fail:
    free(plans);
    vk_prog_release(p);
    return ret;
}

int vk_prog_submit(gen_prog *p)
{
    gen_vk_ctx *c = (gen_vk_ctx *)p->be;
    vk_prog *vp = p->impl;
    int ret = VG_OK;
    if (vp->pending) {
        ret = vk_prog_wait(p);
        if (ret < 0) return ret;
    }
    GEN_VK_CHECK(vkResetFences(c->device, 1, &vp->fence));
    ret = vk_queue_submit(c, vp->cmd, vp->fence);
    if (ret == VG_OK) vp->pending = 1;
fail:
    return ret;
}

int vk_prog_wait(gen_prog *p)
{
    gen_vk_ctx *c = (gen_vk_ctx *)p->be;
    vk_prog *vp = p->impl;
    int ret = VG_OK;
    if (!vp->pending) return VG_OK;
    vp->pending = 0;
    GEN_VK_CHECK(vkWaitForFences(c->device, 1, &vp->fence, VK_TRUE, UINT64_MAX));
fail:
    return ret;
}
