/*
 * gen_vk.h - the Vulkan backend's handles, for code that shares its device: the OpenXR
 * viewer lets the runtime create the instance and device (XR_KHR_vulkan_enable2), then
 * copies rendered eye views from engine buffers into the runtime's swapchain images on
 * the engine's queue.
 */
#ifndef GEN_VK_H
#define GEN_VK_H

#include <vulkan/vulkan.h>

#include "gen/gen_backend.h"

/* Instead of vkCreateInstance, vkEnumeratePhysicalDevices + choice, vkCreateDevice. The
 * create infos are vrgen's (API version, layers, queue); a runtime adds what it needs.
 * The backend destroys instance and device (after the runtime is gone). */
typedef struct gen_vk_hooks {
    void *user;
    VkResult (*create_instance)(void *user, const VkInstanceCreateInfo *ci, VkInstance *out);
    VkResult (*get_physical_device)(void *user, VkInstance instance, VkPhysicalDevice *out);
    VkResult (*create_device)(void *user, VkPhysicalDevice pd, const VkDeviceCreateInfo *ci,
                              VkDevice *out);
} gen_vk_hooks;

typedef struct gen_vk_handles {
    VkInstance instance;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family, queue_index;
} gen_vk_handles;

/* VG_OK, or VG_ERR_INVALID when be is not the Vulkan backend. */
int gen_vk_get_handles(gen_backend *be, gen_vk_handles *h);
/* The VkBuffer holding tensor t and t's byte offset in it. */
void gen_vk_tensor_buffer(gen_tensor t, VkBuffer *buf, VkDeviceSize *off);
/* The queue is shared with the engine's threads (and the runtime, inside xrBeginFrame,
 * xrEndFrame and swapchain calls): hold this lock around any use of it. */
void gen_vk_queue_lock(gen_backend *be);
void gen_vk_queue_unlock(gen_backend *be);
/* From now on the calling thread submits its work to a second queue where the device has
 * one (returns 1; 0 otherwise, or when be is not Vulkan): a worker's long programs (live
 * stylization) then run beside the frame loop's copies instead of ahead of them. The
 * worker waits for its own fences before others read its results. */
int gen_vk_use_side_queue(gen_backend *be);
/* vkDeviceWaitIdle with every queue's lock held. */
void gen_vk_wait_idle(gen_backend *be);

#endif /* GEN_VK_H */
