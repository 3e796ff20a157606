/*
 * vk_ctx.c - Vulkan instance and device: enumeration and choice of the physical device,
 * the validation layer and its message counter, the logical device with one compute
 * queue, and the VkResult -> vg error mapping. Memory, pipelines and programs live in
 * their own files.
 */
#include "gen/vk/vk_ctx.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "gen/gen_device.h"
#include "gen/gen_vk.h"

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

const char *gen_vk_result_str(VkResult r)
{
    switch (r) {
#define R(x)                                                                                       \
    case x:                                                                                        \
        return #x;
        R(VK_SUCCESS)
        R(VK_NOT_READY)
        R(VK_TIMEOUT)
        R(VK_INCOMPLETE)
        R(VK_ERROR_OUT_OF_HOST_MEMORY)
        R(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        R(VK_ERROR_INITIALIZATION_FAILED)
        R(VK_ERROR_DEVICE_LOST)
        R(VK_ERROR_MEMORY_MAP_FAILED)
        R(VK_ERROR_LAYER_NOT_PRESENT)
        R(VK_ERROR_EXTENSION_NOT_PRESENT)
        R(VK_ERROR_FEATURE_NOT_PRESENT)
        R(VK_ERROR_INCOMPATIBLE_DRIVER)
        R(VK_ERROR_TOO_MANY_OBJECTS)
        R(VK_ERROR_FORMAT_NOT_SUPPORTED)
        R(VK_ERROR_FRAGMENTED_POOL)
        R(VK_ERROR_OUT_OF_POOL_MEMORY)
        R(VK_ERROR_INVALID_EXTERNAL_HANDLE)
#undef R
    default:
        return "VkResult";
    }
}

int gen_vk_result(VkResult r, const char *call, const char *file, int line)
{
    const char *fn = strrchr(file, '/');
    vg_error("Vulkan: %.*s failed: %s (%d) at %s:%d", (int)strcspn(call, "("), call,
             gen_vk_result_str(r), (int)r, fn ? fn + 1 : file, line);
    switch (r) {
    case VK_ERROR_OUT_OF_HOST_MEMORY:
        return VG_ERR_NOMEM;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    case VK_ERROR_OUT_OF_POOL_MEMORY:
    case VK_ERROR_FRAGMENTED_POOL:
        return VG_ERR_DEVICE_OOM;
    case VK_ERROR_DEVICE_LOST:
        return VG_ERR_DEVICE_LOST;
    case VK_ERROR_INCOMPATIBLE_DRIVER:
    case VK_ERROR_INITIALIZATION_FAILED:
        return VG_ERR_NO_DEVICE;
    default:
        return VG_ERR_DEVICE;
    }
}

/* --- validation messages ------------------------------------------------------------ */

static VKAPI_ATTR VkBool32 VKAPI_CALL
on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT sev, VkDebugUtilsMessageTypeFlagsEXT type,
              const VkDebugUtilsMessengerCallbackDataEXT *data, void *ud)
{
    gen_vk_ctx *c = ud;
    if (sev < VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) return VK_FALSE;
    c->base.stats.validation_msgs++;
    vg_error("Vulkan validation %s: %s",
             sev >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning",
             data->pMessage ? data->pMessage : "(no message)");
    return VK_FALSE;
}

static int layer_available(const char *name)
{
    uint32_t n = 0;
    vkEnumerateInstanceLayerProperties(&n, NULL);
    VkLayerProperties *props = calloc(n ? n : 1, sizeof(*props));
    if (!props) return 0;
    vkEnumerateInstanceLayerProperties(&n, props);
    int found = 0;
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(props[i].layerName, name) == 0) found = 1;
    free(props);
    return found;
}

/* Validation level from the config, overridden by VRGEN_VALIDATION=0|1|sync. */
static int validation_level(const gen_backend_config *cfg)
{
    const char *e = getenv("VRGEN_VALIDATION");
    if (e && *e) {
        if (strcmp(e, "sync") == 0) return 2;
        return atoi(e) > 0 ? 1 : 0;
    }
    return cfg ? cfg->validation : 0;
}

static const char *no_device_help =
    "install a Vulkan driver: on Debian, `apt install mesa-vulkan-drivers` gives lavapipe "
    "(runs on the CPU); GPU drivers come with mesa-vulkan-drivers (AMD, Intel) or the vendor "
    "(NVIDIA)";

/* gen_device_probe: no driver, or no device, is an answer there, not an error to log. */
static _Thread_local int g_quiet_probe;

static int create_instance(int validation, VkInstance *out, gen_vk_ctx *c,
                           const gen_vk_hooks *hooks)
{
    int ret = VG_OK;
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "vrgen",
        .applicationVersion = 1,
        .pEngineName = "vrgen",
        .apiVersion = VK_API_VERSION_1_2,
    };
    const char *layers[1] = {VALIDATION_LAYER};
    const char *exts[1] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
    VkValidationFeatureEnableEXT sync_feature =
        VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
    VkValidationFeaturesEXT features = {
        .sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
        .enabledValidationFeatureCount = 1,
        .pEnabledValidationFeatures = &sync_feature,
    };
    VkInstanceCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pApplicationInfo = &app,
    };
    if (validation) {
        if (!layer_available(VALIDATION_LAYER)) {
            vg_error("Vulkan validation was requested but %s is not installed "
                     "(on Debian: apt install vulkan-validationlayers)",
                     VALIDATION_LAYER);
            return VG_ERR_UNSUPPORTED;
        }
        ci.enabledLayerCount = 1;
        ci.ppEnabledLayerNames = layers;
        ci.enabledExtensionCount = 1;
        ci.ppEnabledExtensionNames = exts;
        if (validation >= 2) ci.pNext = &features;
    }
    VkResult r =
        hooks ? hooks->create_instance(hooks->user, &ci, out) : vkCreateInstance(&ci, NULL, out);
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER || r == VK_ERROR_INITIALIZATION_FAILED) {
        if (!g_quiet_probe)
            vg_error("no Vulkan 1.2 driver found (vkCreateInstance: %s): %s", gen_vk_result_str(r),
                     no_device_help);
        return VG_ERR_NO_DEVICE;
    }
    GEN_VK_CHECK(r);
    if (validation && c) {
        VkDebugUtilsMessengerCreateInfoEXT mi = {
            .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
            .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
            .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
            .pfnUserCallback = on_validation,
            .pUserData = c,
        };
        PFN_vkCreateDebugUtilsMessengerEXT create_messenger =
            (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
                *out, "vkCreateDebugUtilsMessengerEXT");
        c->destroy_messenger = (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
            *out, "vkDestroyDebugUtilsMessengerEXT");
        if (create_messenger) GEN_VK_CHECK(create_messenger(*out, &mi, NULL, &c->messenger));
    }
    return VG_OK;
fail:
    return ret;
}

/* --- device enumeration and choice -------------------------------------------------- */

static const char *type_name(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return "CPU";
    default:
        return "other";
    }
}

static int compute_queue_family(VkPhysicalDevice pd, uint32_t *family, int graphics)
{
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, NULL);
    VkQueueFamilyProperties *q = calloc(n ? n : 1, sizeof(*q));
    if (!q) return 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, q);
    int found = 0;
    /* prefer a family with compute (the graphics+compute family is fine: one queue); an
     * OpenXR runtime copies and composites on our queue, so it wants graphics too */
    VkQueueFlags want = VK_QUEUE_COMPUTE_BIT | (graphics ? VK_QUEUE_GRAPHICS_BIT : 0);
    for (uint32_t i = 0; i < n && !found; i++)
        if ((q[i].queueFlags & want) == want) {
            *family = i;
            found = 1;
        }
    free(q);
    return found;
}

int gen_vk_check_requirements(const VkPhysicalDeviceProperties *props, int has_compute_queue,
                              char *why, size_t len)
{
    const VkPhysicalDeviceLimits *l = &props->limits;
    why[0] = '\0';
    if (props->apiVersion < VK_API_VERSION_1_2)
        snprintf(why, len, "Vulkan 1.2 needed, device has %u.%u",
                 VK_API_VERSION_MAJOR(props->apiVersion), VK_API_VERSION_MINOR(props->apiVersion));
    else if (!has_compute_queue)
        snprintf(why, len, "no compute queue");
    else if (l->maxComputeWorkGroupInvocations < 256 || l->maxComputeWorkGroupSize[0] < 256)
        snprintf(why, len, "work groups of 256 invocations needed, device has %u",
                 l->maxComputeWorkGroupInvocations);
    else if (l->maxPushConstantsSize < 128)
        snprintf(why, len, "128 bytes of push constants needed, device has %u",
                 l->maxPushConstantsSize);
    else if (l->maxPerStageDescriptorStorageBuffers < 8 ||
             l->maxPerStageDescriptorStorageImages < 1 || l->maxComputeSharedMemorySize < 16384)
        snprintf(why, len,
                 "8 storage buffers, a storage image and 16 KiB of shared memory "
                 "per shader needed");
    else if (l->maxTexelBufferElements < (1u << 20))
        snprintf(why, len, "texel buffers of 2^20 elements needed, device has %u",
                 l->maxTexelBufferElements);
    return why[0] == '\0';
}

static void describe(VkPhysicalDevice pd, gen_device_info *d)
{
    VkPhysicalDeviceDriverProperties drv = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceSubgroupProperties sg = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES, .pNext = &drv};
    VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                      .pNext = &sg};
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(pd, &props);
    memset(d, 0, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "%s", props.deviceName);
    d->type = type_name(props.deviceType);
    d->api_version = props.apiVersion;
    d->vendor_id = props.vendorID;
    d->device_id = props.deviceID;
    d->max_workgroup_invocations = props.limits.maxComputeWorkGroupInvocations;
    d->max_shared_bytes = props.limits.maxComputeSharedMemorySize;
    d->max_storage_buffer_range = props.limits.maxStorageBufferRange;
    if (props.apiVersion >= VK_API_VERSION_1_1) {
        vkGetPhysicalDeviceProperties2(pd, &p2);
        d->subgroup_size = sg.subgroupSize;
        if (props.apiVersion >= VK_API_VERSION_1_2)
            snprintf(d->driver, sizeof(d->driver), "%.120s (%.120s)", drv.driverName,
                     drv.driverInfo);
    }
    if (!d->driver[0]) snprintf(d->driver, sizeof(d->driver), "version 0x%x", props.driverVersion);

    VkPhysicalDeviceMemoryProperties mp;
    vkGetPhysicalDeviceMemoryProperties(pd, &mp);
    for (uint32_t i = 0; i < mp.memoryHeapCount; i++)
        if ((mp.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) &&
            mp.memoryHeaps[i].size > d->device_local_bytes)
            d->device_local_bytes = mp.memoryHeaps[i].size;

    if (props.apiVersion >= VK_API_VERSION_1_2) {
        VkPhysicalDevice16BitStorageFeatures s16 = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
        VkPhysicalDeviceShaderFloat16Int8Features f16 = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES, .pNext = &s16};
        VkPhysicalDeviceFeatures2 f2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                        .pNext = &f16};
        vkGetPhysicalDeviceFeatures2(pd, &f2);
        d->fp16 = f16.shaderFloat16 && s16.storageBuffer16BitAccess;
    }

    uint32_t family;
    d->usable = gen_vk_check_requirements(&props, compute_queue_family(pd, &family, 0), d->why,
                                          sizeof(d->why));
    switch (props.deviceType) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        d->score = 4;
        break;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        d->score = 3;
        break;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        d->score = 2;
        break;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        d->score = 1;
        break;
    default:
        d->score = 0;
        break;
    }
}

static int name_matches(const char *name, const char *want)
{
    size_t n = strlen(want);
    for (const char *s = name; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] && tolower((unsigned char)s[i]) == tolower((unsigned char)want[i]))
            i++;
        if (i == n) return 1;
    }
    return 0;
}

static int choose(const gen_device_info *d, int count, const char *want)
{
    if (want && *want) {
        char *end;
        long idx = strtol(want, &end, 10);
        if (*end == '\0') return (idx >= 0 && idx < count && d[idx].usable) ? (int)idx : -1;
        for (int i = 0; i < count; i++)
            if (d[i].usable && name_matches(d[i].name, want)) return i;
        return -1;
    }
    int best = -1;
    for (int i = 0; i < count; i++)
        if (d[i].usable && (best < 0 || d[i].score > d[best].score)) best = i;
    return best;
}

static int enumerate(VkInstance inst, VkPhysicalDevice **pds, gen_device_info **infos, int *count)
{
    uint32_t n = 0;
    VkResult r = vkEnumeratePhysicalDevices(inst, &n, NULL);
    if (r != VK_SUCCESS || n == 0) {
        if (!g_quiet_probe) vg_error("no Vulkan device found: %s", no_device_help);
        return VG_ERR_NO_DEVICE;
    }
    *pds = calloc(n, sizeof(**pds));
    *infos = calloc(n, sizeof(**infos));
    if (!*pds || !*infos) {
        free(*pds);
        free(*infos);
        return VG_ERR_NOMEM;
    }
    vkEnumeratePhysicalDevices(inst, &n, *pds);
    for (uint32_t i = 0; i < n; i++) describe((*pds)[i], &(*infos)[i]);
    *count = (int)n;
    return VG_OK;
}

int gen_device_list(const char *want, gen_device_info **list, int *count, int *chosen)
{
    VkInstance inst = VK_NULL_HANDLE;
    VkPhysicalDevice *pds = NULL;
    *list = NULL;
    *count = 0;
    *chosen = -1;
    int ret = create_instance(0, &inst, NULL, NULL);
    if (ret < 0) return ret;
    ret = enumerate(inst, &pds, list, count);
    if (ret == VG_OK) *chosen = choose(*list, *count, want);
    free(pds);
    vkDestroyInstance(inst, NULL);
    return ret;
}

int gen_device_probe(gen_device_info **list, int *count, int *chosen)
{
    g_quiet_probe = 1;
    int ret = gen_device_list(NULL, list, count, chosen);
    g_quiet_probe = 0;
    return ret;
}

void gen_device_api_string(uint32_t api, char *buf, int len)
{
    snprintf(buf, (size_t)len, "%u.%u.%u", VK_API_VERSION_MAJOR(api), VK_API_VERSION_MINOR(api),
             VK_API_VERSION_PATCH(api));
}

/* --- the context -------------------------------------------------------------------- */

static const gen_backend_vtbl vk_vtbl;

static void vk_destroy(gen_backend *be)
{
    gen_vk_ctx *c = (gen_vk_ctx *)be;
    if (c->device) vkDeviceWaitIdle(c->device);
    vk_pipe_fini(c);
    vk_mem_fini(c);
    if (c->own_device && c->device) vkDestroyDevice(c->device, NULL);
    if (c->messenger && c->destroy_messenger) c->destroy_messenger(c->instance, c->messenger, NULL);
    if (c->own_device && c->instance) vkDestroyInstance(c->instance, NULL);
    pthread_mutex_destroy(&c->queue_lock);
    pthread_mutex_destroy(&c->side_lock);
    pthread_mutex_destroy(&c->mem_lock);
    pthread_mutex_destroy(&c->pipe_lock);
    pthread_mutex_destroy(&c->xfer_lock);
    free(c);
}

/* The context whose side queue this thread submits to (gen_vk_use_side_queue). */
static _Thread_local const gen_vk_ctx *tls_side;

int vk_queue_submit(gen_vk_ctx *c, VkCommandBuffer cmd, VkFence fence)
{
    int ret = VG_OK;
    VkSubmitInfo si = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &cmd,
    };
    const int side = tls_side == c && c->side_queue;
    pthread_mutex_t *lock = side ? &c->side_lock : &c->queue_lock;
    pthread_mutex_lock(lock);
    VkResult r = vkQueueSubmit(side ? c->side_queue : c->queue, 1, &si, fence);
    pthread_mutex_unlock(lock);
    GEN_VK_CHECK(r);
    c->base.stats.submits++;
fail:
    return ret;
}

static int create_device(gen_vk_ctx *c, const gen_vk_hooks *hooks)
{
    int ret = VG_OK;
    /* the first queue (the frame loop's, the runtime's) before the side queue */
    float prio[2] = {1.0f, 0.5f};
    uint32_t nfam = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(c->phys, &nfam, NULL);
    VkQueueFamilyProperties fam[64];
    nfam = nfam < 64 ? nfam : 64;
    vkGetPhysicalDeviceQueueFamilyProperties(c->phys, &nfam, fam);
    const uint32_t nq = c->queue_family < nfam && fam[c->queue_family].queueCount > 1 ? 2 : 1;
    VkDeviceQueueCreateInfo qi = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = c->queue_family,
        .queueCount = nq,
        .pQueuePriorities = prio,
    };
    VkDeviceCreateInfo di = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &qi,
    };
    if (hooks)
        GEN_VK_CHECK(hooks->create_device(hooks->user, c->phys, &di, &c->device));
    else
        GEN_VK_CHECK(vkCreateDevice(c->phys, &di, NULL, &c->device));
    vkGetDeviceQueue(c->device, c->queue_family, 0, &c->queue);
    if (nq > 1) vkGetDeviceQueue(c->device, c->queue_family, 1, &c->side_queue);
fail:
    return ret;
}

int gen_vk_backend_create(const gen_backend_config *cfg, gen_backend **out)
{
    const gen_vk_hooks *hooks = cfg ? cfg->vk_hooks : NULL;
    gen_vk_ctx *c = calloc(1, sizeof(*c));
    VkPhysicalDevice *pds = NULL;
    gen_device_info *infos = NULL;
    int count = 0, ret;
    if (!c) return VG_ERR_NOMEM;
    c->base.vt = &vk_vtbl;
    c->base.kind = GEN_BACKEND_VULKAN;
    c->own_device = 1;
    pthread_mutex_init(&c->queue_lock, NULL);
    pthread_mutex_init(&c->side_lock, NULL);
    pthread_mutex_init(&c->mem_lock, NULL);
    pthread_mutex_init(&c->pipe_lock, NULL);
    pthread_mutex_init(&c->xfer_lock, NULL);

    ret = create_instance(validation_level(cfg), &c->instance, c, hooks);
    if (ret < 0) goto fail;
    ret = enumerate(c->instance, &pds, &infos, &count);
    if (ret < 0) goto fail;
    int idx = choose(infos, count, cfg ? cfg->device : NULL);
    if (hooks) { /* the OpenXR runtime names the device */
        VkPhysicalDevice pd = VK_NULL_HANDLE;
        GEN_VK_CHECK(hooks->get_physical_device(hooks->user, c->instance, &pd));
        idx = -1;
        for (int i = 0; i < count; i++)
            if (pds[i] == pd) idx = i;
        if (idx >= 0 && !infos[idx].usable) {
            vg_error("the OpenXR runtime's Vulkan device %s cannot run vrgen: %s", infos[idx].name,
                     infos[idx].why);
            ret = VG_ERR_NO_DEVICE;
            goto fail;
        }
    }
    if (idx < 0) {
        if (cfg && cfg->device && *cfg->device)
            vg_error("--device %s: no usable Vulkan device matches (see `vrgen info`)",
                     cfg->device);
        else {
            vg_error("no usable Vulkan device:");
            for (int i = 0; i < count; i++) vg_error("  %s: %s", infos[i].name, infos[i].why);
        }
        ret = VG_ERR_NO_DEVICE;
        goto fail;
    }
    c->phys = pds[idx];
    if (!compute_queue_family(c->phys, &c->queue_family, hooks != NULL)) {
        vg_error("%s has no queue family with compute%s", infos[idx].name,
                 hooks ? " and graphics (needed to share it with the OpenXR runtime)" : "");
        ret = VG_ERR_NO_DEVICE;
        goto fail;
    }
    vkGetPhysicalDeviceProperties(c->phys, &c->props);
    vkGetPhysicalDeviceMemoryProperties(c->phys, &c->memprops);
    snprintf(c->base.name, sizeof(c->base.name), "vulkan (%.200s, %s)", infos[idx].name,
             infos[idx].type);
    vg_verbose("Vulkan device: %s [%s], driver %s", infos[idx].name, infos[idx].type,
               infos[idx].driver);

    ret = create_device(c, hooks);
    if (ret < 0) goto fail;
    ret = vk_mem_init(c);
    if (ret < 0) goto fail;
    ret = vk_pipe_init(c);
    if (ret < 0) goto fail;
    free(pds);
    free(infos);
    *out = &c->base;
    return VG_OK;
fail:
    free(pds);
    free(infos);
    vk_destroy(&c->base);
    return ret;
}

static const gen_backend_vtbl vk_vtbl = {
    .destroy = vk_destroy,
    .buf_create = vk_buf_create,
    .buf_destroy = vk_buf_destroy,
    .upload = vk_upload,
    .download = vk_download,
    .prog_compile = vk_prog_compile,
    .prog_submit = vk_prog_submit,
    .prog_wait = vk_prog_wait,
    .prog_release = vk_prog_release,
};

/* --- handles for code that shares the device (gen_vk.h) ----------------------------- */

int gen_vk_get_handles(gen_backend *be, gen_vk_handles *h)
{
    if (!be || be->kind != GEN_BACKEND_VULKAN) return VG_ERR_INVALID;
    gen_vk_ctx *c = (gen_vk_ctx *)be;
    *h = (gen_vk_handles){c->instance, c->phys, c->device, c->queue, c->queue_family, 0};
    return VG_OK;
}

void gen_vk_tensor_buffer(gen_tensor t, VkBuffer *buf, VkDeviceSize *off)
{
    vk_buf *b = (vk_buf *)t.buf;
    *buf = b->buffer;
    *off = (VkDeviceSize)t.off * sizeof(float);
}

void gen_vk_queue_lock(gen_backend *be)
{
    pthread_mutex_lock(&((gen_vk_ctx *)be)->queue_lock);
}

void gen_vk_queue_unlock(gen_backend *be)
{
    pthread_mutex_unlock(&((gen_vk_ctx *)be)->queue_lock);
}

int gen_vk_use_side_queue(gen_backend *be)
{
    if (gen_backend_get_kind(be) != GEN_BACKEND_VULKAN) return 0;
    gen_vk_ctx *c = (gen_vk_ctx *)be;
    tls_side = c;
    return c->side_queue != VK_NULL_HANDLE;
}

void gen_vk_wait_idle(gen_backend *be)
{
    gen_vk_ctx *c = (gen_vk_ctx *)be;
    pthread_mutex_lock(&c->queue_lock);
    pthread_mutex_lock(&c->side_lock);
    vkDeviceWaitIdle(c->device);
    pthread_mutex_unlock(&c->side_lock);
    pthread_mutex_unlock(&c->queue_lock);
}
