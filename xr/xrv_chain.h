/*
 * xrv_chain.h - OpenXR swapchains filled from compute-engine buffers: the RGBA8 format
 * choice, one copy command buffer per swapchain image recorded once (buffer -> image, left
 * in COLOR_ATTACHMENT_OPTIMAL as runtimes expect at release), and acquire / draw / copy /
 * release with the shared queue locked around every runtime call that may use it.
 * Private to xr/.
 */
#ifndef XRV_CHAIN_H
#define XRV_CHAIN_H

#include <vulkan/vulkan.h>
#define XR_USE_GRAPHICS_API_VULKAN
#include <openxr/openxr.h>
#include <openxr/openxr_platform.h>

#include "gen/gen_vk.h"

#define XRV_CHAIN_MAX_IMAGES 8

typedef struct xrv_gpu {
    gen_backend *be;
    gen_vk_handles vk;
    VkCommandPool pool;
    VkFence fence;
    int64_t format; /* VK_FORMAT_R8G8B8A8_SRGB where offered */
} xrv_gpu;

typedef struct xrv_chain {
    XrSwapchain chain;
    uint32_t count, w, h;
    XrSwapchainImageVulkan2KHR img[XRV_CHAIN_MAX_IMAGES];
    VkCommandBuffer copy[XRV_CHAIN_MAX_IMAGES];
} xrv_chain;

/* Picks the swapchain format, creates the command pool and fence. */
int xrv_gpu_init(xrv_gpu *g, gen_backend *be, XrSession session);
void xrv_gpu_fini(xrv_gpu *g);

/* A w x h swapchain whose images are copies of src (1,1,h,w packed RGBA8 words). */
int xrv_chain_create(xrv_gpu *g, XrSession session, uint32_t w, uint32_t h, gen_tensor src,
                     xrv_chain *c);
void xrv_chain_destroy(xrv_gpu *g, xrv_chain *c);

/* Acquires an image, runs draw(ud) (which fills src on the device and waits for it),
 * copies src into the image and releases it. */
int xrv_chain_update(xrv_gpu *g, xrv_chain *c, int (*draw)(void *ud), void *ud);

/* A failed OpenXR call as a vg error, one line naming it; a lost runtime or session is
 * VG_ERR_DEVICE_LOST. inst may be XR_NULL_HANDLE. */
int xrv_xr_error(XrInstance inst, XrResult r, const char *call);

#endif /* XRV_CHAIN_H */
