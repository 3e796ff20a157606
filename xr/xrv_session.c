/*
 * xrv_session.c - `vrgen view` in a headset: the OpenXR instance, system and session with
 * XR_KHR_vulkan_enable2 (the runtime creates vrgen's Vulkan instance and device, and the
 * compute engine runs on that device), per-eye swapchains filled by the viewer's renderer,
 * the frame loop driven by xrWaitFrame, the session life cycle and the controls.
 *
 * Life cycle: begin on READY, end on STOPPING, leave on EXITING or LOSS_PENDING; Ctrl+C or
 * --frames N ask xrRequestExitSession and the loop runs on until the runtime says EXITING.
 * The queue is shared with the runtime (it may submit inside xrBeginFrame, xrEndFrame and
 * the swapchain calls) and with the source's worker: every use holds gen_vk_queue_lock.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <math.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "common/vg_time.h"
#include "xr/xrv_audio.h"
#include "xr/xrv_chain.h"
#include "xr/xrv_hint.h"
#include "xr/xrv_input.h"
#include "xr/xrv_render.h"
#include "xr/xrv_view.h"

enum { LAYER_NONE = 0, LAYER_QUAD, LAYER_CYLINDER, LAYER_EQUIRECT2 };

typedef struct xr_app {
    const xrv_view_opts *o;
    XrInstance inst;
    XrSystemId system;
    XrSession session;
    XrSpace local, view;
    XrSpace base; /* where layers and views are submitted: LOCAL */
    XrSessionState state;
    int running, exit_requested, quit;
    XrEnvironmentBlendMode blend;
    PFN_xrGetVulkanGraphicsRequirements2KHR get_reqs;
    PFN_xrCreateVulkanInstanceKHR create_vk_instance;
    PFN_xrCreateVulkanDeviceKHR create_vk_device;
    PFN_xrGetVulkanGraphicsDevice2KHR get_vk_device;
    gen_backend *be;
    gen_vk_handles vk;
    xrv_gpu gpu;
    xrv_chain eye[2];     /* projection views: our renderer (or the room behind layers) */
    int room_drawn;       /* layers: the room-only views are up (pose-independent) */
    int layer_kind;       /* LAYER_* */
    int npics;            /* layers: eye pictures (1 mono, 2 stereo) */
    xrv_chain pic[2];     /* layers: the eye pictures */
    xrv_hint hint;        /* the controls hint (o->hint) ... */
    gen_buf *hint_buf;    /* ... its words on the device ... */
    xrv_chain hint_chain; /* ... and its swapchain, filled once */
    XrTime hint_t0;       /* display time of the first frame rendered */
    xrv_render *copy;     /* layers: picture -> packed words */
    int pic_slot;         /* slot the pictures show (-1: none yet) */
    int has_cylinder, has_equirect2;
    xrv_input input;
    gen_net **nets;
    xrv_source *src;
    xrv_audio *audio;  /* NULL: silent */
    gen_backend *work; /* the native CPU backend when the runtime's device is a CPU */
    xrv_render *render;
    xrv_scene scene;
    xrv_pose center; /* scene space in LOCAL space */
    FILE *log;
    long long frames;
    int64_t last_display;
    int has_view_time;
} xr_app;

static const char *state_name(XrSessionState s)
{
    switch (s) {
    case XR_SESSION_STATE_IDLE:
        return "IDLE";
    case XR_SESSION_STATE_READY:
        return "READY";
    case XR_SESSION_STATE_SYNCHRONIZED:
        return "SYNCHRONIZED";
    case XR_SESSION_STATE_VISIBLE:
        return "VISIBLE";
    case XR_SESSION_STATE_FOCUSED:
        return "FOCUSED";
    case XR_SESSION_STATE_STOPPING:
        return "STOPPING";
    case XR_SESSION_STATE_LOSS_PENDING:
        return "LOSS_PENDING";
    case XR_SESSION_STATE_EXITING:
        return "EXITING";
    default:
        return "UNKNOWN";
    }
}

#define XR_CHECK(call)                                                                             \
    do {                                                                                           \
        XrResult r_ = (call);                                                                      \
        if (XR_FAILED(r_)) {                                                                       \
            ret = xrv_xr_error(a->inst, r_, #call);                                                \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

static const char no_runtime_help[] =
    "start an OpenXR runtime first: Monado (Debian 13: apt install monado-service, then run "
    "monado-service; its simulated headset needs no hardware), SteamVR, or your headset's PC "
    "link (Oculus/Meta Link, WMR, Virtual Desktop); or preview without a headset: vrgen view "
    "FILE --offscreen --capture DIR";

static int has_ext(const XrExtensionProperties *p, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(p[i].extensionName, name) == 0) return 1;
    return 0;
}

static int create_instance(xr_app *a)
{
    int ret = VG_OK;
    uint32_t n = 0;
    /* the loader prints its own error lines for a missing runtime; vrgen's message says
     * what to do, so keep the loader quiet unless asked (-v, or XR_LOADER_DEBUG set) */
    if (vg_log_get_level() < VG_LOG_VERBOSE) setenv("XR_LOADER_DEBUG", "none", 0);
    XrResult r = xrEnumerateInstanceExtensionProperties(NULL, 0, &n, NULL);
    if (XR_FAILED(r)) {
        vg_error("vrgen view: no OpenXR runtime is available (error %d): %s", (int)r,
                 no_runtime_help);
        return VG_ERR_NO_DEVICE;
    }
    XrExtensionProperties *p = calloc(n ? n : 1, sizeof(*p));
    if (!p) return VG_ERR_NOMEM;
    for (uint32_t i = 0; i < n; i++) p[i].type = XR_TYPE_EXTENSION_PROPERTIES;
    xrEnumerateInstanceExtensionProperties(NULL, n, &n, p);
    int ok = has_ext(p, n, XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME);
    a->has_cylinder = has_ext(p, n, XR_KHR_COMPOSITION_LAYER_CYLINDER_EXTENSION_NAME);
    a->has_equirect2 = has_ext(p, n, XR_KHR_COMPOSITION_LAYER_EQUIRECT2_EXTENSION_NAME);
    free(p);
    if (!ok) {
        vg_error("vrgen view: the OpenXR runtime lacks %s (Vulkan), which vrgen needs",
                 XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME);
        return VG_ERR_UNSUPPORTED;
    }
    const char *exts[3] = {XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME};
    uint32_t next = 1;
    if (a->has_cylinder) exts[next++] = XR_KHR_COMPOSITION_LAYER_CYLINDER_EXTENSION_NAME;
    if (a->has_equirect2) exts[next++] = XR_KHR_COMPOSITION_LAYER_EQUIRECT2_EXTENSION_NAME;
    XrInstanceCreateInfo ci = {.type = XR_TYPE_INSTANCE_CREATE_INFO,
                               .enabledExtensionCount = next,
                               .enabledExtensionNames = exts};
    snprintf(ci.applicationInfo.applicationName, XR_MAX_APPLICATION_NAME_SIZE, "vrgen");
    snprintf(ci.applicationInfo.engineName, XR_MAX_ENGINE_NAME_SIZE, "vrgen");
    ci.applicationInfo.applicationVersion = 1;
    ci.applicationInfo.apiVersion = XR_MAKE_VERSION(1, 0, 0);
    r = xrCreateInstance(&ci, &a->inst);
    if (r == XR_ERROR_RUNTIME_UNAVAILABLE || r == XR_ERROR_RUNTIME_FAILURE ||
        r == XR_ERROR_INSTANCE_LOST) {
        vg_error("vrgen view: no OpenXR runtime is running (xrCreateInstance: %d): %s", (int)r,
                 no_runtime_help);
        return VG_ERR_NO_DEVICE;
    }
    XR_CHECK(r);
    XrInstanceProperties ip = {.type = XR_TYPE_INSTANCE_PROPERTIES};
    if (XR_SUCCEEDED(xrGetInstanceProperties(a->inst, &ip)))
        vg_verbose("OpenXR runtime: %s %u.%u.%u", ip.runtimeName,
                   XR_VERSION_MAJOR(ip.runtimeVersion), XR_VERSION_MINOR(ip.runtimeVersion),
                   XR_VERSION_PATCH(ip.runtimeVersion));
    XrSystemGetInfo si = {.type = XR_TYPE_SYSTEM_GET_INFO,
                          .formFactor = XR_FORM_FACTOR_HEAD_MOUNTED_DISPLAY};
    r = xrGetSystem(a->inst, &si, &a->system);
    if (r == XR_ERROR_FORM_FACTOR_UNAVAILABLE || r == XR_ERROR_FORM_FACTOR_UNSUPPORTED) {
        vg_error("vrgen view: the OpenXR runtime has no headset connected (xrGetSystem: %d): "
                 "connect and switch on the headset, or %s",
                 (int)r, no_runtime_help);
        return VG_ERR_NO_DEVICE;
    }
    XR_CHECK(r);
    XR_CHECK(xrGetInstanceProcAddr(a->inst, "xrGetVulkanGraphicsRequirements2KHR",
                                   (PFN_xrVoidFunction *)&a->get_reqs));
    XR_CHECK(xrGetInstanceProcAddr(a->inst, "xrCreateVulkanInstanceKHR",
                                   (PFN_xrVoidFunction *)&a->create_vk_instance));
    XR_CHECK(xrGetInstanceProcAddr(a->inst, "xrCreateVulkanDeviceKHR",
                                   (PFN_xrVoidFunction *)&a->create_vk_device));
    XR_CHECK(xrGetInstanceProcAddr(a->inst, "xrGetVulkanGraphicsDevice2KHR",
                                   (PFN_xrVoidFunction *)&a->get_vk_device));
    XrGraphicsRequirementsVulkan2KHR req = {.type = XR_TYPE_GRAPHICS_REQUIREMENTS_VULKAN2_KHR};
    XR_CHECK(a->get_reqs(a->inst, a->system, &req));
    vg_verbose("OpenXR: Vulkan %u.%u to %u.%u", XR_VERSION_MAJOR(req.minApiVersionSupported),
               XR_VERSION_MINOR(req.minApiVersionSupported),
               XR_VERSION_MAJOR(req.maxApiVersionSupported),
               XR_VERSION_MINOR(req.maxApiVersionSupported));
fail:
    return ret;
}

/* --- the gen backend's Vulkan objects through the runtime (gen_vk_hooks) ------------- */

static VkResult hook_instance(void *user, const VkInstanceCreateInfo *ci, VkInstance *out)
{
    xr_app *a = user;
    XrVulkanInstanceCreateInfoKHR xi = {.type = XR_TYPE_VULKAN_INSTANCE_CREATE_INFO_KHR,
                                        .systemId = a->system,
                                        .pfnGetInstanceProcAddr = vkGetInstanceProcAddr,
                                        .vulkanCreateInfo = ci};
    VkResult vr = VK_SUCCESS;
    XrResult r = a->create_vk_instance(a->inst, &xi, out, &vr);
    if (XR_FAILED(r)) {
        vg_error("vrgen view: xrCreateVulkanInstanceKHR failed (%d)", (int)r);
        return VK_ERROR_INITIALIZATION_FAILED;
    }
    return vr;
}

static VkResult hook_physical(void *user, VkInstance inst, VkPhysicalDevice *out)
{
    xr_app *a = user;
    XrVulkanGraphicsDeviceGetInfoKHR gi = {.type = XR_TYPE_VULKAN_GRAPHICS_DEVICE_GET_INFO_KHR,
                                           .systemId = a->system,
                                           .vulkanInstance = inst};
    XrResult r = a->get_vk_device(a->inst, &gi, out);
    return XR_FAILED(r) ? VK_ERROR_INITIALIZATION_FAILED : VK_SUCCESS;
}

static VkResult hook_device(void *user, VkPhysicalDevice pd, const VkDeviceCreateInfo *ci,
                            VkDevice *out)
{
    xr_app *a = user;
    XrVulkanDeviceCreateInfoKHR xi = {.type = XR_TYPE_VULKAN_DEVICE_CREATE_INFO_KHR,
                                      .systemId = a->system,
                                      .pfnGetInstanceProcAddr = vkGetInstanceProcAddr,
                                      .vulkanPhysicalDevice = pd,
                                      .vulkanCreateInfo = ci};
    VkResult vr = VK_SUCCESS;
    XrResult r = a->create_vk_device(a->inst, &xi, out, &vr);
    if (XR_FAILED(r)) {
        vg_error("vrgen view: xrCreateVulkanDeviceKHR failed (%d)", (int)r);
        return VK_ERROR_INITIALIZATION_FAILED;
    }
    return vr;
}

/* --- session, spaces, swapchains ------------------------------------------------------ */

static int create_session(xr_app *a)
{
    int ret = VG_OK;
    XrGraphicsBindingVulkan2KHR gb = {.type = XR_TYPE_GRAPHICS_BINDING_VULKAN2_KHR,
                                      .instance = a->vk.instance,
                                      .physicalDevice = a->vk.phys,
                                      .device = a->vk.device,
                                      .queueFamilyIndex = a->vk.queue_family,
                                      .queueIndex = a->vk.queue_index};
    XrSessionCreateInfo sci = {
        .type = XR_TYPE_SESSION_CREATE_INFO, .next = &gb, .systemId = a->system};
    XR_CHECK(xrCreateSession(a->inst, &sci, &a->session));
    XrReferenceSpaceCreateInfo rs = {.type = XR_TYPE_REFERENCE_SPACE_CREATE_INFO,
                                     .referenceSpaceType = XR_REFERENCE_SPACE_TYPE_LOCAL,
                                     .poseInReferenceSpace = {.orientation = {0, 0, 0, 1}}};
    XR_CHECK(xrCreateReferenceSpace(a->session, &rs, &a->local));
    rs.referenceSpaceType = XR_REFERENCE_SPACE_TYPE_VIEW;
    XR_CHECK(xrCreateReferenceSpace(a->session, &rs, &a->view));
    /* everything is submitted in LOCAL; --head-locked moves the scene origin to the head
     * every frame instead (a projection layer in VIEW space is reprojected wrongly by
     * Monado's compositor: its time warp assumes a world-fixed space) */
    a->base = a->local;

    /* environment blend: opaque, or for --ar alpha-blend / additive where offered */
    uint32_t nb = 0;
    XrEnvironmentBlendMode modes[8];
    XR_CHECK(xrEnumerateEnvironmentBlendModes(
        a->inst, a->system, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, 8, &nb, modes));
    a->blend = nb ? modes[0] : XR_ENVIRONMENT_BLEND_MODE_OPAQUE;
    int opaque = 0, alpha = 0, additive = 0;
    for (uint32_t i = 0; i < nb; i++) {
        opaque |= modes[i] == XR_ENVIRONMENT_BLEND_MODE_OPAQUE;
        alpha |= modes[i] == XR_ENVIRONMENT_BLEND_MODE_ALPHA_BLEND;
        additive |= modes[i] == XR_ENVIRONMENT_BLEND_MODE_ADDITIVE;
    }
    if (a->o->ar) {
        if (alpha)
            a->blend = XR_ENVIRONMENT_BLEND_MODE_ALPHA_BLEND;
        else if (additive)
            a->blend = XR_ENVIRONMENT_BLEND_MODE_ADDITIVE;
        else
            vg_warn("vrgen view: --ar: this runtime offers no passthrough blend mode "
                    "(alpha-blend or additive); showing the room opaque");
    } else if (opaque) {
        a->blend = XR_ENVIRONMENT_BLEND_MODE_OPAQUE;
    }
    xrv_log(a->log, "{\"event\":\"blend\",\"mode\":\"%s\"}",
            a->blend == XR_ENVIRONMENT_BLEND_MODE_ALPHA_BLEND ? "alpha_blend"
            : a->blend == XR_ENVIRONMENT_BLEND_MODE_ADDITIVE  ? "additive"
                                                              : "opaque");
fail:
    return ret;
}

/* The layer kind for the scene: the runtime's own composition layer where it has one
 * (quad is core; cylinder and equirect2 are extensions), else none (our projection). */
static int layer_kind(const xr_app *a)
{
    if (a->o->no_layers) return LAYER_NONE;
    switch (a->scene.layout) {
    case XRV_LAYOUT_SCREEN:
        return LAYER_QUAD;
    case XRV_LAYOUT_CURVED:
        return a->has_cylinder ? LAYER_CYLINDER : LAYER_NONE;
    default:
        return a->has_equirect2 ? LAYER_EQUIRECT2 : LAYER_NONE;
    }
}

static int no_draw(void *ud)
{
    return VG_OK;
}

/* The controls hint: its picture in a swapchain of its own, copied in once. */
static int create_hint(xr_app *a)
{
    int ret = xrv_hint_load(a->o->hint_png, a->o->hint_png_size, &a->hint);
    if (ret < 0) return ret;
    gen_tensor t = {0, 0, 1, 1, a->hint.h, a->hint.w};
    ret = gen_buf_create(a->be, (size_t)a->hint.w * a->hint.h, &a->hint_buf);
    if (ret == VG_OK) {
        t.buf = a->hint_buf;
        /* the words' bits, not numbers: uploads copy bytes */
        ret = gen_tensor_upload(a->be, t, (const float *)a->hint.rgba);
    }
    if (ret == VG_OK)
        ret = xrv_chain_create(&a->gpu, a->session, (uint32_t)a->hint.w, (uint32_t)a->hint.h, t,
                               &a->hint_chain);
    if (ret == VG_OK) ret = xrv_chain_update(&a->gpu, &a->hint_chain, no_draw, NULL);
    return ret;
}

/* The hint's layer: head-locked (VIEW space), below the line of sight. */
static void hint_layer(const xr_app *a, XrCompositionLayerQuad *q)
{
    *q = (XrCompositionLayerQuad){
        .type = XR_TYPE_COMPOSITION_LAYER_QUAD,
        .layerFlags = XR_COMPOSITION_LAYER_BLEND_TEXTURE_SOURCE_ALPHA_BIT,
        .space = a->view,
        .eyeVisibility = XR_EYE_VISIBILITY_BOTH,
        .subImage = {.swapchain = a->hint_chain.chain,
                     .imageRect = {{0, 0}, {(int32_t)a->hint.w, (int32_t)a->hint.h}}},
        .pose = {{0, 0, 0, 1}, {0, XRV_HINT_Y, XRV_HINT_Z}},
        .size = {XRV_HINT_WIDTH, XRV_HINT_WIDTH * (float)a->hint.h / (float)a->hint.w}};
}

static int create_chains(xr_app *a, uint32_t *w, uint32_t *h)
{
    int ret = VG_OK;
    XrViewConfigurationView vv[2] = {{.type = XR_TYPE_VIEW_CONFIGURATION_VIEW},
                                     {.type = XR_TYPE_VIEW_CONFIGURATION_VIEW}};
    uint32_t nv = 0;
    XR_CHECK(xrEnumerateViewConfigurationViews(
        a->inst, a->system, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, 2, &nv, vv));
    if (nv != 2) {
        vg_error("vrgen view: the headset has %u views; vrgen shows two (stereo)", nv);
        return VG_ERR_UNSUPPORTED;
    }
    *w = vv[0].recommendedImageRectWidth;
    *h = vv[0].recommendedImageRectHeight;
    if ((ret = xrv_gpu_init(&a->gpu, a->be, a->session)) < 0) return ret;
    if ((ret = xrv_render_create(a->be, a->src, &a->scene, (int)*w, (int)*h, &a->render)) < 0)
        return ret;
    for (int e = 0; e < 2; e++)
        if ((ret = xrv_chain_create(&a->gpu, a->session, *w, *h, xrv_render_output(a->render, e),
                                    &a->eye[e])) < 0)
            return ret;
    a->layer_kind = layer_kind(a);
    a->pic_slot = -1;
    if (a->layer_kind != LAYER_NONE) {
        int pw, ph;
        xrv_source_picture(a->src, &pw, &ph);
        a->npics = xrv_scene_eyes(&a->scene);
        if ((ret = xrv_render_create_copy(a->be, a->src, pw, ph, &a->copy)) < 0) return ret;
        for (int e = 0; e < a->npics; e++)
            if ((ret = xrv_chain_create(&a->gpu, a->session, (uint32_t)pw, (uint32_t)ph,
                                        xrv_render_output(a->copy, e), &a->pic[e])) < 0)
                return ret;
    }
    if (a->o->hint && (ret = create_hint(a)) < 0) return ret;
    static const char *const kinds[] = {"projection (vrgen renders)", "quad layer",
                                        "cylinder layer", "equirect2 layer"};
    vg_verbose("view: %s", kinds[a->layer_kind]);
    xrv_log(a->log, "{\"event\":\"layers\",\"kind\":\"%s\"}",
            a->layer_kind == LAYER_QUAD        ? "quad"
            : a->layer_kind == LAYER_CYLINDER  ? "cylinder"
            : a->layer_kind == LAYER_EQUIRECT2 ? "equirect2"
                                               : "projection");
fail:
    return ret;
}

/* --- events and the frame loop ---------------------------------------------------------- */

static int poll_events(xr_app *a)
{
    int ret = VG_OK;
    for (;;) {
        XrEventDataBuffer ev = {.type = XR_TYPE_EVENT_DATA_BUFFER};
        XrResult r = xrPollEvent(a->inst, &ev);
        if (r == XR_EVENT_UNAVAILABLE) break;
        XR_CHECK(r);
        switch (ev.type) {
        case XR_TYPE_EVENT_DATA_INSTANCE_LOSS_PENDING:
            vg_error("vrgen view: the OpenXR runtime is shutting down");
            xrv_log(a->log, "{\"event\":\"instance_loss_pending\"}");
            a->quit = 1;
            return VG_ERR_DEVICE_LOST;
        case XR_TYPE_EVENT_DATA_SESSION_STATE_CHANGED: {
            XrEventDataSessionStateChanged *sc = (XrEventDataSessionStateChanged *)&ev;
            a->state = sc->state;
            xrv_log(a->log, "{\"event\":\"state\",\"state\":\"%s\",\"time\":%lld}",
                    state_name(a->state), (long long)sc->time);
            vg_verbose("view: session %s", state_name(a->state));
            if (a->state == XR_SESSION_STATE_READY) {
                XrSessionBeginInfo bi = {.type = XR_TYPE_SESSION_BEGIN_INFO,
                                         .primaryViewConfigurationType =
                                             XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO};
                XR_CHECK(xrBeginSession(a->session, &bi));
                a->running = 1;
            } else if (a->state == XR_SESSION_STATE_STOPPING) {
                XR_CHECK(xrEndSession(a->session));
                a->running = 0;
            } else if (a->state == XR_SESSION_STATE_EXITING) {
                a->quit = 1;
            } else if (a->state == XR_SESSION_STATE_LOSS_PENDING) {
                vg_error("vrgen view: the OpenXR session was lost (headset disconnected?)");
                a->quit = 1;
                return VG_ERR_DEVICE_LOST;
            }
            break;
        }
        case XR_TYPE_EVENT_DATA_REFERENCE_SPACE_CHANGE_PENDING:
            a->center = xrv_pose_identity();
            break;
        default:
            break;
        }
    }
fail:
    return ret;
}

static xrv_pose pose_of(XrPosef p)
{
    return (xrv_pose){{p.orientation.x, p.orientation.y, p.orientation.z, p.orientation.w},
                      {p.position.x, p.position.y, p.position.z}};
}

static void apply_input(xr_app *a, XrTime t)
{
    xrv_input_events ev;
    xrv_input_poll(a->session, &a->input, &ev);
    int nv = xrv_source_variants(a->src), v = xrv_source_variant(a->src);
    if (ev.play_pause) xrv_source_toggle_pause(a->src);
    if (ev.seek) xrv_source_seek(a->src, 10.0 * ev.seek);
    if (ev.toggle && nv > 1) xrv_source_set_variant(a->src, v ? 0 : 1);
    if (ev.next_model && nv > 1) xrv_source_set_variant(a->src, v + 1 < nv ? v + 1 : 1);
    if (ev.recenter && !a->o->head_locked) {
        XrSpaceLocation loc = {.type = XR_TYPE_SPACE_LOCATION};
        if (XR_SUCCEEDED(xrLocateSpace(a->view, a->local, t, &loc)) &&
            (loc.locationFlags & XR_SPACE_LOCATION_ORIENTATION_VALID_BIT))
            a->center = xrv_pose_yaw_only(pose_of(loc.pose));
    }
    /* about 50% per second at full deflection */
    const float rate = 0.5f / 60.0f;
    if (ev.zoom) a->scene.screen_width *= 1.0f + rate * ev.zoom;
    if (ev.distance) a->scene.screen_distance *= 1.0f + rate * ev.distance;
    if (a->scene.screen_width < 0.2f) a->scene.screen_width = 0.2f;
    if (a->scene.screen_width > 50.0f) a->scene.screen_width = 50.0f;
    if (a->scene.screen_distance < 0.3f) a->scene.screen_distance = 0.3f;
    if (a->scene.screen_distance > 50.0f) a->scene.screen_distance = 50.0f;
}

typedef struct draw_ctx {
    xr_app *a;
    int eye, slot;
    const XrView *view;
} draw_ctx;

static int draw_view(void *ud)
{
    draw_ctx *d = ud;
    xrv_pose eye = xrv_pose_mul(xrv_pose_inverse(d->a->center), pose_of(d->view->pose));
    xrv_fov fov = {d->view->fov.angleLeft, d->view->fov.angleRight, d->view->fov.angleDown,
                   d->view->fov.angleUp};
    return xrv_render_eye(d->a->render, d->eye, d->slot, eye, fov);
}

static int draw_picture(void *ud)
{
    draw_ctx *d = ud;
    return xrv_render_picture(d->a->copy, d->eye, d->slot);
}

/* The composition layer showing eye picture e (space: LOCAL, placed by the recentre). */
static void fill_layer(xr_app *a, int e, XrCompositionLayerBaseHeader *out, size_t size)
{
    XrEyeVisibility vis = a->npics == 1 ? XR_EYE_VISIBILITY_BOTH
                          : e == 0      ? XR_EYE_VISIBILITY_LEFT
                                        : XR_EYE_VISIBILITY_RIGHT;
    XrSwapchainSubImage sub = {.swapchain = a->pic[e].chain,
                               .imageRect = {{0, 0}, {(int32_t)a->pic[e].w, (int32_t)a->pic[e].h}}};
    xrv_pose c = a->center;
    XrPosef centre = {{c.q[0], c.q[1], c.q[2], c.q[3]}, {c.p[0], c.p[1], c.p[2]}};
    float sw = a->scene.screen_width, sh = sw / (a->scene.aspect > 0 ? a->scene.aspect : 1.0f);
    float dist = a->scene.screen_distance;
    memset(out, 0, size);
    if (a->layer_kind == LAYER_QUAD) {
        XrCompositionLayerQuad *q = (XrCompositionLayerQuad *)out;
        xrv_pose at = xrv_pose_mul(c, (xrv_pose){{0, 0, 0, 1}, {0, 0, -dist}});
        *q = (XrCompositionLayerQuad){
            .type = XR_TYPE_COMPOSITION_LAYER_QUAD,
            .space = a->base,
            .eyeVisibility = vis,
            .subImage = sub,
            .pose = {{at.q[0], at.q[1], at.q[2], at.q[3]}, {at.p[0], at.p[1], at.p[2]}},
            .size = {sw, sh}};
    } else if (a->layer_kind == LAYER_CYLINDER) {
        XrCompositionLayerCylinderKHR *cy = (XrCompositionLayerCylinderKHR *)out;
        *cy = (XrCompositionLayerCylinderKHR){.type = XR_TYPE_COMPOSITION_LAYER_CYLINDER_KHR,
                                              .space = a->base,
                                              .eyeVisibility = vis,
                                              .subImage = sub,
                                              .pose = centre,
                                              .radius = dist,
                                              .centralAngle = sw / dist,
                                              .aspectRatio = sw / sh};
    } else {
        XrCompositionLayerEquirect2KHR *eq = (XrCompositionLayerEquirect2KHR *)out;
        *eq = (XrCompositionLayerEquirect2KHR){
            .type = XR_TYPE_COMPOSITION_LAYER_EQUIRECT2_KHR,
            .space = a->base,
            .eyeVisibility = vis,
            .subImage = sub,
            .pose = centre,
            .radius = 0.0f, /* infinite */
            .centralHorizontalAngle =
                a->scene.layout == XRV_LAYOUT_180 ? (float)M_PI : 2.0f * (float)M_PI,
            .upperVerticalAngle = (float)M_PI / 2,
            .lowerVerticalAngle = -(float)M_PI / 2};
    }
}

typedef union any_layer {
    XrCompositionLayerQuad quad;
    XrCompositionLayerCylinderKHR cylinder;
    XrCompositionLayerEquirect2KHR equirect;
} any_layer;

static int frame(xr_app *a)
{
    int ret = VG_OK;
    XrFrameState fs = {.type = XR_TYPE_FRAME_STATE};
    XrFrameWaitInfo fwi = {.type = XR_TYPE_FRAME_WAIT_INFO};
    XR_CHECK(xrWaitFrame(a->session, &fwi, &fs));
    XrFrameBeginInfo fbi = {.type = XR_TYPE_FRAME_BEGIN_INFO};
    gen_vk_queue_lock(a->be);
    XrResult r = xrBeginFrame(a->session, &fbi);
    gen_vk_queue_unlock(a->be);
    XR_CHECK(r);
    /* frame time per eye (its swapchain updates, GPU work included: they wait on their
     * fence) and of the whole frame between xrBeginFrame and xrEndFrame, for --xr-log */
    const double t_begin = vg_time_now();
    double eye_s[2] = {0, 0};

    XrCompositionLayerProjectionView pv[2];
    XrCompositionLayerProjection proj = {.type = XR_TYPE_COMPOSITION_LAYER_PROJECTION,
                                         .space = a->base,
                                         .viewCount = 2,
                                         .views = pv};
    any_layer pics[2];
    XrCompositionLayerQuad hint_quad;
    const XrCompositionLayerBaseHeader *layers[4];
    int hint_shown = 0;
    uint32_t nlayers = 0;
    int slot = -1;
    double video_t = 0;
    if (fs.shouldRender) {
        XrView views[2] = {{.type = XR_TYPE_VIEW}, {.type = XR_TYPE_VIEW}};
        XrViewState vs = {.type = XR_TYPE_VIEW_STATE};
        XrViewLocateInfo li = {.type = XR_TYPE_VIEW_LOCATE_INFO,
                               .viewConfigurationType = XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO,
                               .displayTime = fs.predictedDisplayTime,
                               .space = a->base};
        uint32_t nv = 0;
        XR_CHECK(xrLocateViews(a->session, &li, &vs, 2, &nv, views));
        if (a->o->head_locked) {
            XrSpaceLocation loc = {.type = XR_TYPE_SPACE_LOCATION};
            if (XR_SUCCEEDED(xrLocateSpace(a->view, a->local, fs.predictedDisplayTime, &loc)) &&
                (loc.locationFlags & XR_SPACE_LOCATION_ORIENTATION_VALID_BIT))
                a->center = pose_of(loc.pose);
        }
        if (a->state == XR_SESSION_STATE_FOCUSED) apply_input(a, fs.predictedDisplayTime);
        ret = xrv_source_pick(a->src, (double)fs.predictedDisplayTime * 1e-9, &slot, &video_t);
        if (ret < 0) goto fail;
        int layered = a->layer_kind != LAYER_NONE;
        if ((vs.viewStateFlags & XR_VIEW_STATE_ORIENTATION_VALID_BIT) && nv == 2) {
            /* projection: the whole view (no layers), or the room behind the layers, which
             * looks the same from every pose and is drawn once; a sphere hides the room */
            int room =
                layered && !(a->layer_kind == LAYER_EQUIRECT2 && a->scene.layout == XRV_LAYOUT_360);
            for (int e = 0; e < 2 && (!layered || room); e++) {
                draw_ctx d = {a, e, layered ? -1 : slot, &views[e]};
                double t0 = vg_time_now();
                if ((!layered || !a->room_drawn) &&
                    (ret = xrv_chain_update(&a->gpu, &a->eye[e], draw_view, &d)) < 0)
                    goto fail;
                eye_s[e] += vg_time_now() - t0;
                pv[e] = (XrCompositionLayerProjectionView){
                    .type = XR_TYPE_COMPOSITION_LAYER_PROJECTION_VIEW,
                    .pose = views[e].pose,
                    .fov = views[e].fov,
                    .subImage = {
                        .swapchain = a->eye[e].chain,
                        .imageRect = {{0, 0}, {(int32_t)a->eye[e].w, (int32_t)a->eye[e].h}}}};
            }
            if (!layered || room) layers[nlayers++] = (XrCompositionLayerBaseHeader *)&proj;
            if (layered && room) a->room_drawn = 1;
            if (layered && slot >= 0) {
                for (int e = 0; e < a->npics; e++) {
                    draw_ctx d = {a, e, slot, NULL};
                    double t0 = vg_time_now();
                    if (slot != a->pic_slot &&
                        (ret = xrv_chain_update(&a->gpu, &a->pic[e], draw_picture, &d)) < 0)
                        goto fail;
                    eye_s[a->npics == 2 ? e : 0] += vg_time_now() - t0;
                    fill_layer(a, e, (XrCompositionLayerBaseHeader *)&pics[e], sizeof(pics[e]));
                    layers[nlayers++] = (XrCompositionLayerBaseHeader *)&pics[e];
                }
                a->pic_slot = slot;
            }
        }
        if (a->hint_chain.chain) {
            if (!a->hint_t0) a->hint_t0 = fs.predictedDisplayTime;
            if ((double)(fs.predictedDisplayTime - a->hint_t0) * 1e-9 < XRV_HINT_SECONDS) {
                hint_layer(a, &hint_quad);
                layers[nlayers++] = (XrCompositionLayerBaseHeader *)&hint_quad;
                hint_shown = 1;
            }
        }
    }
    const double frame_s = vg_time_now() - t_begin;
    XrFrameEndInfo fei = {.type = XR_TYPE_FRAME_END_INFO,
                          .displayTime = fs.predictedDisplayTime,
                          .environmentBlendMode = a->blend,
                          .layerCount = nlayers,
                          .layers = layers};
    gen_vk_queue_lock(a->be);
    r = xrEndFrame(a->session, &fei);
    gen_vk_queue_unlock(a->be);
    XR_CHECK(r);
    long long pics_n, gens;
    xrv_source_counts(a->src, &pics_n, &gens);
    xrv_log(a->log,
            "{\"event\":\"frame\",\"index\":%lld,\"display_time\":%lld,\"layers\":%u,"
            "\"slot\":%d,\"video_time\":%.6f,\"variant\":%d,\"paused\":%d,\"pictures\":%lld,"
            "\"generated\":%lld,\"hint\":%d,\"eye_ms\":[%.3f,%.3f],\"frame_ms\":%.3f}",
            a->frames, (long long)fs.predictedDisplayTime, nlayers, slot, video_t,
            xrv_source_variant(a->src), xrv_source_paused(a->src), pics_n, gens, hint_shown,
            eye_s[0] * 1e3, eye_s[1] * 1e3, frame_s * 1e3);
    a->frames++;
fail:
    return ret;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* On a Vulkan device that is a CPU (lavapipe), the decoded pictures are converted and
 * stylized by the native CPU backend, which is several times faster there and leaves the
 * device's single queue to the frame loop and the compositor; on a GPU everything stays on
 * the runtime's device. */
static int pick_work_backend(xr_app *a)
{
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(a->vk.phys, &props);
    /* VRGEN_VIEW_WORK=device keeps everything on the runtime's device (tests of that path
     * on lavapipe, diagnosis) */
    const char *e = getenv("VRGEN_VIEW_WORK");
    if (props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU || (e && strcmp(e, "device") == 0))
        return VG_OK;
    gen_backend_config cc = {.kind = GEN_BACKEND_CPU};
    int ret = gen_backend_create(&cc, &a->work);
    if (ret == VG_OK)
        vg_verbose("view: %s is a CPU implementation: pictures are converted and stylized on "
                   "%s",
                   props.deviceName, gen_backend_name(a->work));
    return ret;
}

static void teardown(xr_app *a)
{
    if (a->vk.device) gen_vk_wait_idle(a->be); /* the worker may still submit: locks held */
    for (int e = 0; e < 2; e++) {
        xrv_chain_destroy(&a->gpu, &a->eye[e]);
        xrv_chain_destroy(&a->gpu, &a->pic[e]);
    }
    xrv_chain_destroy(&a->gpu, &a->hint_chain);
    gen_buf_destroy(&a->hint_buf);
    xrv_hint_free(&a->hint);
    xrv_input_destroy(&a->input);
    if (a->view) xrDestroySpace(a->view);
    if (a->local) xrDestroySpace(a->local);
    if (a->session) xrDestroySession(a->session);
    xrv_audio_stop(&a->audio); /* follows the source's clock */
    xrv_source_close(&a->src); /* joins the worker before the device goes */
    xrv_render_destroy(&a->render);
    xrv_render_destroy(&a->copy);
    xrv_gpu_fini(&a->gpu);
    xrv_free_models(&a->nets, a->o->nmodels);
    gen_backend_destroy(&a->work);
    if (a->inst) xrDestroyInstance(a->inst);
    gen_backend_destroy(&a->be); /* the Vulkan device and instance, after the runtime */
    if (a->log) fclose(a->log);
}

int xrv_session_run(const gen_backend_config *cfg, const xrv_view_opts *o)
{
    xr_app app = {.o = o, .scene = o->scene, .center = xrv_pose_identity()};
    xr_app *a = &app;
    int ret;
    if (o->log_path && !(a->log = xrv_log_open(o->log_path))) return VG_ERR_IO;
    if ((ret = create_instance(a)) < 0) goto done;
    gen_vk_hooks hooks = {a, hook_instance, hook_physical, hook_device};
    gen_backend_config bc = *cfg;
    bc.kind = GEN_BACKEND_VULKAN;
    bc.vk_hooks = &hooks;
    if ((ret = gen_backend_create(&bc, &a->be)) < 0) goto done;
    if ((ret = gen_vk_get_handles(a->be, &a->vk)) < 0) goto done;
    vg_verbose("view: compute on %s", gen_backend_name(a->be));
    if ((ret = pick_work_backend(a)) < 0) goto done;
    if ((ret = xrv_load_models(a->work ? a->work : a->be, o->models, o->nmodels, &a->nets)) < 0)
        goto done;
    xrv_source_opts so = {.input = o->input,
                          .work = a->work,
                          .nets = a->nets,
                          .nnets = o->nmodels,
                          .variant = o->nmodels > 0 && !o->show_original ? 1 : 0,
                          .loop = o->loop,
                          .hold_still = o->hold_still,
                          .hold_rate = o->hold_rate};
    if ((ret = xrv_source_open(a->be, &so, &a->scene, &a->src)) < 0) goto done;
    if ((ret = xrv_input_create(a->inst, &a->input)) < 0) goto done;
    if ((ret = create_session(a)) < 0) goto done;
    if ((ret = xrv_input_attach(a->session, &a->input)) < 0) goto done;
    uint32_t w = 0, h = 0;
    if ((ret = create_chains(a, &w, &h)) < 0) goto done;
    if ((ret = xrv_source_start(a->src)) < 0) goto done;
    if (!o->no_audio && (ret = xrv_audio_start(o->input.path, a->src, &a->audio)) < 0) goto done;
    vg_info("vrgen view: %ux%u per eye; %s", w, h, xrv_input_hint);
    int idle_ms = 0;

    while (!a->quit) {
        if ((ret = poll_events(a)) < 0) break;
        if (a->quit) break;
        int want_exit = (o->stop && *o->stop) || (o->frames >= 0 && a->frames >= o->frames);
        if (want_exit && !a->exit_requested && a->running) {
            xrRequestExitSession(a->session);
            a->exit_requested = 1;
            xrv_log(a->log, "{\"event\":\"request_exit\",\"frames\":%lld}", a->frames);
        }
        if (!a->running) {
            /* before READY (or after STOPPING): Ctrl+C leaves at once; a runtime that never
             * starts the session is an error, not a hang */
            if (o->stop && *o->stop) break;
            if (++idle_ms > 30000 && a->frames == 0) {
                vg_error("vrgen view: the OpenXR runtime did not start the session within 30 s "
                         "(state %s); is the headset on and the runtime's compositor running?",
                         state_name(a->state));
                ret = VG_ERR_DEVICE;
                break;
            }
            sleep_ms(1);
            continue;
        }
        if ((ret = frame(a)) < 0) break;
    }
    xrv_log(a->log, "{\"event\":\"exit\",\"frames\":%lld,\"code\":%d}", a->frames,
            ret < 0 ? ret : 0);
    if (ret == VG_OK) vg_info("vrgen view: %lld frames shown", a->frames);
done:
    teardown(a);
    return ret;
}
