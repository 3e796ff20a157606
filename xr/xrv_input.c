/*
 * xrv_input.c - actions and suggested bindings (xrv_input.h).
 */
#include "xr/xrv_input.h"

#include <stdio.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_log.h"

const char xrv_input_hint[] =
    "controls: play/pause = A or select (right); original/stylized = B or select (left); "
    "next model = X or menu; recenter = Y or left menu; seek 10 s = right stick left/right; "
    "screen size = right stick up/down; distance = left stick up/down";

static int action(XrActionSet set, const char *name, const char *label, XrActionType type,
                  XrAction *out)
{
    XrActionCreateInfo ci = {.type = XR_TYPE_ACTION_CREATE_INFO, .actionType = type};
    snprintf(ci.actionName, sizeof ci.actionName, "%s", name);
    snprintf(ci.localizedActionName, sizeof ci.localizedActionName, "%s", label);
    XrResult r = xrCreateAction(set, &ci, out);
    if (XR_FAILED(r)) {
        vg_error("vrgen view: xrCreateAction %s failed (%d)", name, (int)r);
        return VG_ERR_DEVICE;
    }
    return VG_OK;
}

typedef struct binding {
    const XrAction *action;
    const char *path;
} binding;

/* Suggests one profile's bindings; a profile or path the runtime does not know is skipped
 * with a verbose note (runtimes differ in which they list). */
static void suggest(XrInstance inst, const char *profile, const binding *b, int n)
{
    XrActionSuggestedBinding sb[16];
    XrPath pp;
    if (n > 16 || XR_FAILED(xrStringToPath(inst, profile, &pp))) return;
    for (int i = 0; i < n; i++) {
        sb[i].action = *b[i].action;
        if (XR_FAILED(xrStringToPath(inst, b[i].path, &sb[i].binding))) return;
    }
    XrInteractionProfileSuggestedBinding s = {.type = XR_TYPE_INTERACTION_PROFILE_SUGGESTED_BINDING,
                                              .interactionProfile = pp,
                                              .countSuggestedBindings = (uint32_t)n,
                                              .suggestedBindings = sb};
    XrResult r = xrSuggestInteractionProfileBindings(inst, &s);
    if (XR_FAILED(r)) vg_verbose("view: bindings for %s not taken (%d)", profile, (int)r);
}

int xrv_input_create(XrInstance inst, xrv_input *in)
{
    memset(in, 0, sizeof(*in));
    XrActionSetCreateInfo si = {.type = XR_TYPE_ACTION_SET_CREATE_INFO};
    snprintf(si.actionSetName, sizeof si.actionSetName, "playback");
    snprintf(si.localizedActionSetName, sizeof si.localizedActionSetName, "Playback");
    if (XR_FAILED(xrCreateActionSet(inst, &si, &in->set))) {
        vg_error("vrgen view: xrCreateActionSet failed");
        return VG_ERR_DEVICE;
    }
    int ret;
    if ((ret = action(in->set, "play_pause", "Play / pause", XR_ACTION_TYPE_BOOLEAN_INPUT,
                      &in->play)) < 0 ||
        (ret = action(in->set, "toggle_style", "Original / stylized", XR_ACTION_TYPE_BOOLEAN_INPUT,
                      &in->toggle)) < 0 ||
        (ret = action(in->set, "next_model", "Next model", XR_ACTION_TYPE_BOOLEAN_INPUT,
                      &in->next_model)) < 0 ||
        (ret = action(in->set, "recenter", "Recenter", XR_ACTION_TYPE_BOOLEAN_INPUT,
                      &in->recenter)) < 0 ||
        (ret = action(in->set, "seek", "Seek", XR_ACTION_TYPE_FLOAT_INPUT, &in->seek)) < 0 ||
        (ret = action(in->set, "screen_size", "Screen size", XR_ACTION_TYPE_FLOAT_INPUT,
                      &in->zoom)) < 0 ||
        (ret = action(in->set, "screen_distance", "Screen distance", XR_ACTION_TYPE_FLOAT_INPUT,
                      &in->distance)) < 0)
        return ret;

    const binding simple[] = {
        {&in->play, "/user/hand/right/input/select/click"},
        {&in->toggle, "/user/hand/left/input/select/click"},
        {&in->next_model, "/user/hand/right/input/menu/click"},
        {&in->recenter, "/user/hand/left/input/menu/click"},
    };
    const binding touch[] = {
        {&in->play, "/user/hand/right/input/a/click"},
        {&in->toggle, "/user/hand/right/input/b/click"},
        {&in->next_model, "/user/hand/left/input/x/click"},
        {&in->recenter, "/user/hand/left/input/y/click"},
        {&in->seek, "/user/hand/right/input/thumbstick/x"},
        {&in->zoom, "/user/hand/right/input/thumbstick/y"},
        {&in->distance, "/user/hand/left/input/thumbstick/y"},
    };
    const binding index[] = {
        {&in->play, "/user/hand/right/input/a/click"},
        {&in->toggle, "/user/hand/right/input/b/click"},
        {&in->next_model, "/user/hand/left/input/a/click"},
        {&in->recenter, "/user/hand/left/input/b/click"},
        {&in->seek, "/user/hand/right/input/thumbstick/x"},
        {&in->zoom, "/user/hand/right/input/thumbstick/y"},
        {&in->distance, "/user/hand/left/input/thumbstick/y"},
    };
    const binding vive[] = {
        {&in->play, "/user/hand/right/input/trackpad/click"},
        {&in->toggle, "/user/hand/right/input/menu/click"},
        {&in->next_model, "/user/hand/left/input/menu/click"},
        {&in->recenter, "/user/hand/left/input/squeeze/click"},
        {&in->seek, "/user/hand/right/input/trackpad/x"},
        {&in->zoom, "/user/hand/right/input/trackpad/y"},
        {&in->distance, "/user/hand/left/input/trackpad/y"},
    };
    suggest(inst, "/interaction_profiles/khr/simple_controller", simple, 4);
    suggest(inst, "/interaction_profiles/oculus/touch_controller", touch, 7);
    suggest(inst, "/interaction_profiles/valve/index_controller", index, 7);
    suggest(inst, "/interaction_profiles/htc/vive_controller", vive, 7);
    return VG_OK;
}

int xrv_input_attach(XrSession s, xrv_input *in)
{
    XrSessionActionSetsAttachInfo ai = {.type = XR_TYPE_SESSION_ACTION_SETS_ATTACH_INFO,
                                        .countActionSets = 1,
                                        .actionSets = &in->set};
    XrResult r = xrAttachSessionActionSets(s, &ai);
    if (XR_FAILED(r)) {
        vg_error("vrgen view: xrAttachSessionActionSets failed (%d)", (int)r);
        return VG_ERR_DEVICE;
    }
    return VG_OK;
}

static int pressed(XrSession s, XrAction a)
{
    XrActionStateGetInfo gi = {.type = XR_TYPE_ACTION_STATE_GET_INFO, .action = a};
    XrActionStateBoolean st = {.type = XR_TYPE_ACTION_STATE_BOOLEAN};
    if (XR_FAILED(xrGetActionStateBoolean(s, &gi, &st))) return 0;
    return st.isActive && st.changedSinceLastSync && st.currentState;
}

static float value(XrSession s, XrAction a)
{
    XrActionStateGetInfo gi = {.type = XR_TYPE_ACTION_STATE_GET_INFO, .action = a};
    XrActionStateFloat st = {.type = XR_TYPE_ACTION_STATE_FLOAT};
    if (XR_FAILED(xrGetActionStateFloat(s, &gi, &st)) || !st.isActive) return 0;
    return st.currentState;
}

int xrv_input_poll(XrSession s, xrv_input *in, xrv_input_events *ev)
{
    memset(ev, 0, sizeof(*ev));
    XrActiveActionSet as = {.actionSet = in->set};
    XrActionsSyncInfo si = {
        .type = XR_TYPE_ACTIONS_SYNC_INFO, .countActiveActionSets = 1, .activeActionSets = &as};
    XrResult r = xrSyncActions(s, &si);
    if (r == XR_SESSION_NOT_FOCUSED) return VG_OK; /* no input while not focused */
    if (XR_FAILED(r)) return VG_OK;
    ev->play_pause = pressed(s, in->play);
    ev->toggle = pressed(s, in->toggle);
    ev->next_model = pressed(s, in->next_model);
    ev->recenter = pressed(s, in->recenter);
    float sk = value(s, in->seek);
    if (!in->seek_held && (sk > 0.7f || sk < -0.7f)) {
        ev->seek = sk > 0 ? 1 : -1;
        in->seek_held = 1;
    } else if (sk > -0.3f && sk < 0.3f) {
        in->seek_held = 0;
    }
    float z = value(s, in->zoom), d = value(s, in->distance);
    ev->zoom = z > 0.2f || z < -0.2f ? z : 0;
    ev->distance = d > 0.2f || d < -0.2f ? d : 0;
    return VG_OK;
}

void xrv_input_destroy(xrv_input *in)
{
    if (in->set) xrDestroyActionSet(in->set); /* destroys its actions */
    memset(in, 0, sizeof(*in));
}
