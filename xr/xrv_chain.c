/*
 * xrv_chain.c - swapchains filled from engine buffers (xrv_chain.h).
 */
#include "xr/xrv_chain.h"

#include <stdio.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_log.h"

int xrv_xr_error(XrInstance inst, XrResult r, const char *call)
{
    char name[XR_MAX_RESULT_STRING_SIZE] = "";
    if (inst) xrResultToString(inst, r, name);
    if (!name[0]) snprintf(name, sizeof name, "%d", (int)r);
    if (r == XR_ERROR_INSTANCE_LOST || r == XR_ERROR_SESSION_LOST ||
        r == XR_ERROR_RUNTIME_FAILURE) {
        vg_error("vrgen view: the OpenXR runtime went away (%s: %s)", call, name);
        return VG_ERR_DEVICE_LOST;
    }
    vg_error("vrgen view: %s failed: %s", call, name);
    return VG_ERR_DEVICE;
}

#define XR_CHECK(call)                                                                             \
    do {                                                                                           \
        XrResult r_ = (call);                                                                      \
        if (XR_FAILED(r_)) {                                                                       \
            ret = xrv_xr_error(XR_NULL_HANDLE, r_, #call);                                         \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

int xrv_gpu_init(xrv_gpu *g, gen_backend *be, XrSession session)
{
    int ret = VG_OK;
    memset(g, 0, sizeof(*g));
    g->be = be;
    if ((ret = gen_vk_get_handles(be, &g->vk)) < 0) return ret;
    int64_t formats[64];
    uint32_t nf = 0;
    XR_CHECK(xrEnumerateSwapchainFormats(session, 64, &nf, formats));
    /* RGBA8 sRGB: the renderer's bytes are the video's (sRGB-encoded) bytes, shown as they
     * are; a UNORM image would show them washed out */
    g->format = -1;
    for (uint32_t i = 0; i < nf; i++)
        if (formats[i] == VK_FORMAT_R8G8B8A8_SRGB) g->format = formats[i];
    for (uint32_t i = 0; i < nf && g->format < 0; i++)
        if (formats[i] == VK_FORMAT_R8G8B8A8_UNORM) g->format = formats[i];
    if (g->format < 0) {
        vg_error("vrgen view: the runtime offers no RGBA8 swapchain format");
        return VG_ERR_UNSUPPORTED;
    }
    if (g->format == VK_FORMAT_R8G8B8A8_UNORM)
        vg_warn("vrgen view: no sRGB swapchain format; colours will look washed out");
    VkCommandPoolCreateInfo pci = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                   .queueFamilyIndex = g->vk.queue_family};
    VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    if (vkCreateCommandPool(g->vk.device, &pci, NULL, &g->pool) != VK_SUCCESS ||
        vkCreateFence(g->vk.device, &fci, NULL, &g->fence) != VK_SUCCESS) {
        vg_error("vrgen view: cannot create a Vulkan command pool and fence");
        return VG_ERR_DEVICE;
    }
fail:
    return ret;
}

void xrv_gpu_fini(xrv_gpu *g)
{
    if (g->fence) vkDestroyFence(g->vk.device, g->fence, NULL);
    if (g->pool) vkDestroyCommandPool(g->vk.device, g->pool, NULL);
    memset(g, 0, sizeof(*g));
}

static void record_copy(VkCommandBuffer cb, VkBuffer buf, VkDeviceSize off, VkImage image,
                        uint32_t w, uint32_t h)
{
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    vkBeginCommandBuffer(cb, &bi);
    VkImageSubresourceRange range = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    VkImageMemoryBarrier to_dst = {.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
                                   .dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
                                   .oldLayout = VK_IMAGE_LAYOUT_UNDEFINED,
                                   .newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                                   .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                                   .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                                   .image = image,
                                   .subresourceRange = range};
    VkBufferMemoryBarrier bufb = {.sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
                                  .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                                  .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT,
                                  .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                                  .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
                                  .buffer = buf,
                                  .offset = off,
                                  .size = (VkDeviceSize)w * h * 4};
    vkCmdPipelineBarrier(
        cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
        VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, NULL, 1, &bufb, 1, &to_dst);
    VkBufferImageCopy region = {.bufferOffset = off,
                                .imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
                                .imageExtent = {w, h, 1}};
    vkCmdCopyBufferToImage(cb, buf, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
    VkImageMemoryBarrier to_color = to_dst;
    to_color.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    to_color.dstAccessMask =
        VK_ACCESS_COLOR_ATTACHMENT_READ_BIT | VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
    to_color.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
    to_color.newLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL;
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, 0, 0, NULL, 0, NULL, 1,
                         &to_color);
    vkEndCommandBuffer(cb);
}

int xrv_chain_create(xrv_gpu *g, XrSession session, uint32_t w, uint32_t h, gen_tensor src,
                     xrv_chain *c)
{
    int ret = VG_OK;
    memset(c, 0, sizeof(*c));
    XrSwapchainCreateInfo ci = {.type = XR_TYPE_SWAPCHAIN_CREATE_INFO,
                                .usageFlags = XR_SWAPCHAIN_USAGE_TRANSFER_DST_BIT |
                                              XR_SWAPCHAIN_USAGE_COLOR_ATTACHMENT_BIT,
                                .format = g->format,
                                .sampleCount = 1,
                                .width = w,
                                .height = h,
                                .faceCount = 1,
                                .arraySize = 1,
                                .mipCount = 1};
    XR_CHECK(xrCreateSwapchain(session, &ci, &c->chain));
    c->w = w;
    c->h = h;
    for (int i = 0; i < XRV_CHAIN_MAX_IMAGES; i++)
        c->img[i].type = XR_TYPE_SWAPCHAIN_IMAGE_VULKAN2_KHR;
    XR_CHECK(xrEnumerateSwapchainImages(c->chain, XRV_CHAIN_MAX_IMAGES, &c->count,
                                        (XrSwapchainImageBaseHeader *)c->img));
    VkCommandBufferAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = g->pool,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = c->count};
    if (vkAllocateCommandBuffers(g->vk.device, &ai, c->copy) != VK_SUCCESS) {
        vg_error("vrgen view: cannot allocate command buffers");
        return VG_ERR_DEVICE;
    }
    VkBuffer buf;
    VkDeviceSize off;
    gen_vk_tensor_buffer(src, &buf, &off);
    for (uint32_t i = 0; i < c->count; i++)
        record_copy(c->copy[i], buf, off, c->img[i].image, w, h);
fail:
    return ret;
}

void xrv_chain_destroy(xrv_gpu *g, xrv_chain *c)
{
    if (c->count && g->pool) vkFreeCommandBuffers(g->vk.device, g->pool, c->count, c->copy);
    if (c->chain) xrDestroySwapchain(c->chain);
    memset(c, 0, sizeof(*c));
}

int xrv_chain_update(xrv_gpu *g, xrv_chain *c, int (*draw)(void *ud), void *ud)
{
    int ret = VG_OK;
    uint32_t idx = 0;
    XrSwapchainImageAcquireInfo ai = {.type = XR_TYPE_SWAPCHAIN_IMAGE_ACQUIRE_INFO};
    gen_vk_queue_lock(g->be);
    XrResult r = xrAcquireSwapchainImage(c->chain, &ai, &idx);
    gen_vk_queue_unlock(g->be);
    XR_CHECK(r);
    XrSwapchainImageWaitInfo wi = {.type = XR_TYPE_SWAPCHAIN_IMAGE_WAIT_INFO,
                                   .timeout = 1000000000};
    gen_vk_queue_lock(g->be);
    r = xrWaitSwapchainImage(c->chain, &wi);
    gen_vk_queue_unlock(g->be);
    XR_CHECK(r);
    ret = draw(ud);
    if (ret == VG_OK) {
        VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
                           .commandBufferCount = 1,
                           .pCommandBuffers = &c->copy[idx]};
        gen_vk_queue_lock(g->be);
        VkResult vr = vkQueueSubmit(g->vk.queue, 1, &si, g->fence);
        gen_vk_queue_unlock(g->be);
        if (vr != VK_SUCCESS ||
            vkWaitForFences(g->vk.device, 1, &g->fence, VK_TRUE, 5000000000ull) != VK_SUCCESS) {
            vg_error("vrgen view: copying a picture into the swapchain failed");
            ret = VG_ERR_DEVICE;
        }
        vkResetFences(g->vk.device, 1, &g->fence);
    }
    /* released even after a failed draw, so the runtime is not left waiting */
    XrSwapchainImageReleaseInfo ri = {.type = XR_TYPE_SWAPCHAIN_IMAGE_RELEASE_INFO};
    gen_vk_queue_lock(g->be);
    r = xrReleaseSwapchainImage(c->chain, &ri);
    gen_vk_queue_unlock(g->be);
    if (ret == VG_OK) XR_CHECK(r);
fail:
    return ret;
}
