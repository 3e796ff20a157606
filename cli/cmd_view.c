/*
 * cmd_view.c - `vrgen view FILE [-m MODEL]...`: the OpenXR viewer, or with --offscreen
 * both eye views to PNG without a runtime. The viewer itself is xr/.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/view_hint.h"
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "pipeline/pl_stylize.h"
#include "xr/xrv_view.h"

typedef struct view_cfg {
    cli_common common;
    const char *input, *map, *capture, *eye_size, *pose, *pose_script, *log_path;
    vg_strlist models;
    int original, layout, stereo, swap_eyes, ar, no_audio, loop, offscreen, overwrite, layers,
        head_locked;
    int hint;
    double screen_size, screen_distance, start, duration, fov, ipd, rate, hold, hold_rate;
    int64_t frames;
} view_cfg;

static const char *const layers_names[] = {"auto", "projection", NULL};
static const char *const hint_names[] = {"auto", "on", "off", NULL};

#define O(f) offsetof(view_cfg, f)
static const vg_opt view_opts[] = {
    {"i", NULL, VG_OPT_STRING, O(input), NULL, 0, 0, NULL, "FILE",
     "video to show (or give it as the first argument)"},
    {"model", "m", VG_OPT_LIST, O(models), NULL, 0, 0, NULL, "MODEL",
     "stylize live with this generator (.safetensors); repeat for several (next model "
     "control); none: show the video as it is"},
    {"original", NULL, VG_OPT_FLAG, O(original), NULL, 0, 0, NULL, NULL,
     "with -m: start with the original picture (toggle control switches)"},
    {"layout", NULL, VG_OPT_ENUM, O(layout), "auto", 0, 0, xrv_layout_names, NULL,
     "screen, curved screen, 180 or 360 equirectangular; auto: from the file's spherical "
     "metadata or name (_360, _180)"},
    {"stereo", NULL, VG_OPT_ENUM, O(stereo), "auto", 0, 0, xrv_stereo_names, NULL,
     "side by side (sbs) or top-bottom (tb), half or -full width; auto: from metadata or "
     "name (_sbs, _lr, _tb, _ou)"},
    {"swap-eyes", NULL, VG_OPT_FLAG, O(swap_eyes), NULL, 0, 0, NULL, NULL,
     "stereo: the first half is the right eye"},
    {"screen-size", NULL, VG_OPT_FLOAT, O(screen_size), "3", 0.1, 100, NULL, "METRES",
     "width of the virtual screen"},
    {"screen-distance", NULL, VG_OPT_FLOAT, O(screen_distance), "3", 0.3, 100, NULL, "METRES",
     "distance of the virtual screen"},
    {"layers", NULL, VG_OPT_ENUM, O(layers), "auto", 0, 0, layers_names, NULL,
     "auto: the runtime's quad, cylinder and equirect layers where it has them; projection: "
     "vrgen renders every view itself (the same picture)"},
    {"head-locked", NULL, VG_OPT_FLAG, O(head_locked), NULL, 0, 0, NULL, NULL,
     "the screen or sphere moves with your head (no recentring needed; for tests)"},
    {"hint", NULL, VG_OPT_ENUM, O(hint), "auto", 0, 0, hint_names, NULL,
     "the controls hint below the picture for the first 8 seconds; auto: in the headset, "
     "not in --offscreen captures"},
    {"ar", NULL, VG_OPT_FLAG, O(ar), NULL, 0, 0, NULL, NULL,
     "passthrough headsets: blend with the real world (alpha-blend or additive)"},
    {"loop", NULL, VG_OPT_FLAG, O(loop), NULL, 0, 0, NULL, NULL, "start again at the end"},
    {"hold", NULL, VG_OPT_FLOAT, O(hold), PL_HOLD_STILL_DEFAULT, 0, 255, NULL, "CODES",
     "live stylization: " PL_HOLD_OPTS_HELP},
    {"hold-rate", NULL, VG_OPT_FLOAT, O(hold_rate), PL_HOLD_RATE_DEFAULT, 0, 1, NULL, "X",
     PL_HOLD_RATE_HELP},
    {"no-audio", NULL, VG_OPT_FLAG, O(no_audio), NULL, 0, 0, NULL, NULL,
     "no sound (by default the first audio stream plays through the system's default output, "
     "in sync with the picture)"},
    {"map", NULL, VG_OPT_STRING, O(map), NULL, 0, 0, NULL, "0:v:N",
     "video stream (default: the first)"},
    {"ss", NULL, VG_OPT_TIME, O(start), "-1", 0, 0, NULL, "TIME",
     "start at this input time (default: the start)"},
    {"t", NULL, VG_OPT_TIME, O(duration), "-1", 0, 0, NULL, "TIME",
     "show this much (default: to the end)"},
    {"frames", NULL, VG_OPT_INT64, O(frames), "-1", -1, 1e15, NULL, "N",
     "exit after N display frames (offscreen: N video frames; -1, the default: no limit)"},
    {"xr-log", NULL, VG_OPT_STRING, O(log_path), NULL, 0, 0, NULL, "FILE",
     "write session states and frames as JSON lines (for tests and diagnosis)"},
    {"offscreen", NULL, VG_OPT_FLAG, O(offscreen), NULL, 0, 0, NULL, NULL,
     "no headset: render both eye views to PNG (with --capture)"},
    {"capture", NULL, VG_OPT_STRING, O(capture), NULL, 0, 0, NULL, "DIR",
     "offscreen: write DIR/left_000001.png, DIR/right_000001.png, ..."},
    {"rate", NULL, VG_OPT_FLOAT, O(rate), "0", 0, 1000, NULL, "HZ",
     "offscreen, instead of --capture: run the headset's frame loop at HZ (live stylization "
     "on its own thread), write nothing and print frame times per eye (--frames: display "
     "frames, default 10 s)"},
    {"y", NULL, VG_OPT_FLAG, O(overwrite), NULL, 0, 0, NULL, NULL, "offscreen: overwrite captures"},
    {"eye-size", NULL, VG_OPT_STRING, O(eye_size), "960x960", 0, 0, NULL, "WxH",
     "offscreen: pixels per eye"},
    {"fov", NULL, VG_OPT_FLOAT, O(fov), "90", 10, 170, NULL, "DEGREES",
     "offscreen: horizontal field of view per eye"},
    {"ipd", NULL, VG_OPT_FLOAT, O(ipd), "0.064", 0, 0.2, NULL, "METRES",
     "offscreen: distance between the eyes"},
    {"pose", NULL, VG_OPT_STRING, O(pose), "0,0,0", 0, 0, NULL, "Y,P,R[,X,Y,Z]",
     "offscreen: head yaw, pitch, roll in degrees (positive: left, up, tilt left), "
     "position in metres"},
    {"pose-script", NULL, VG_OPT_STRING, O(pose_script), NULL, 0, 0, NULL, "FILE",
     "offscreen: head poses per frame, lines \"FRAME YAW PITCH ROLL [X Y Z]\", "
     "interpolated"},
    CLI_COMMON_OPTS(view_cfg),
    {NULL},
};
#undef O

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int parse_pose(const char *s, xrv_pose *p)
{
    float v[6] = {0};
    char tail;
    int n = sscanf(s, "%f,%f,%f,%f,%f,%f%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail);
    if (n != 3 && n != 6) return VG_ERR_INVALID;
    for (int i = 0; i < 6; i++)
        if (!isfinite(v[i])) return VG_ERR_INVALID;
    *p = xrv_pose_from_euler(v[0], v[1], v[2], v[3], v[4], v[5]);
    return VG_OK;
}

static int parse_size(const char *s, int *w, int *h)
{
    char tail;
    if (sscanf(s, "%dx%d%c", w, h, &tail) != 2 || *w < 16 || *h < 16 || *w > 8192 || *h > 8192)
        return VG_ERR_INVALID;
    return VG_OK;
}

int cmd_view(int argc, char **argv)
{
    view_cfg cfg;
    vg_strlist pos = {0};
    int ret = cli_parse(
        "view", "FILE [-m MODEL]... [options]",
        "Shows a video in an OpenXR headset: on a virtual screen, or around you for 180 and "
        "360 video, mono or stereo; with -m it stylizes live while you watch. Without a "
        "headset, --offscreen renders both eye views to PNG.\n\nexamples:\n"
        "  vrgen view clip.mp4\n"
        "  vrgen view trip_360.mp4 -m starry.safetensors -m ink.safetensors\n"
        "  vrgen view movie_sbs.mkv --layout curved --screen-size 5\n"
        "  vrgen view clip.mp4 --offscreen --capture preview --frames 10 --pose 20,0,0",
        view_opts, &cfg, argc, argv, &pos);
    if (ret <= 0) return ret;
    const char *in = cfg.input;
    if (!in && pos.count > 0) in = pos.items[0];
    if (!in || pos.count > (cfg.input ? 0 : 1)) {
        vg_error("vrgen view: %s (see vrgen view --help)",
                 in ? "more than one input given" : "no input given");
        ret = VG_ERR_INVALID;
        goto done;
    }
    xrv_view_opts o = {0};
    o.input = (pl_input_opts){
        .path = in, .map = cfg.map, .start = cfg.start, .duration = cfg.duration, .max_frames = -1};
    o.scene = (xrv_scene){.layout = (xrv_layout)cfg.layout,
                          .stereo = (xrv_stereo)cfg.stereo,
                          .swap_eyes = cfg.swap_eyes,
                          .screen_width = (float)cfg.screen_size,
                          .screen_distance = (float)cfg.screen_distance,
                          .room = {0.05f, 0.05f, 0.06f}};
    o.models = (const char *const *)cfg.models.items;
    o.nmodels = cfg.models.count;
    o.show_original = cfg.original;
    o.loop = cfg.loop;
    o.hold_still = (float)cfg.hold;
    o.hold_rate = (float)cfg.hold_rate;
    o.ar = cfg.ar;
    o.no_audio = cfg.no_audio;
    o.no_layers = cfg.layers == 1;
    o.head_locked = cfg.head_locked;
    o.frames = cfg.frames;
    o.log_path = cfg.log_path;
    o.hint = cfg.hint == 1 || (cfg.hint == 0 && !cfg.offscreen);
    o.hint_png = vrgen_view_hint;
    o.hint_png_size = vrgen_view_hint_size;
    if (o.hint && o.hint_png_size == 0) {
        vg_warn("vrgen view: this build has no controls hint picture (samples/view_hint.png)");
        o.hint = 0;
    }
    o.offscreen = cfg.offscreen;
    o.capture = cfg.capture;
    o.overwrite = cfg.overwrite;
    o.fov_deg = (float)cfg.fov;
    o.ipd = (float)cfg.ipd;
    o.pose_script = cfg.pose_script;
    o.stop = &g_stop;
    o.rate = cfg.rate;
    if (cfg.capture && cfg.rate > 0) {
        vg_error("vrgen view: --capture and --rate exclude each other (--rate writes no "
                 "pictures: it times the frame loop)");
        ret = VG_ERR_INVALID;
        goto done;
    }
    if (cfg.offscreen != (cfg.capture != NULL || cfg.rate > 0)) {
        vg_error("vrgen view: %s", cfg.offscreen ? "--offscreen needs --capture DIR or --rate HZ"
                                   : cfg.capture ? "--capture works with --offscreen"
                                                 : "--rate works with --offscreen");
        ret = VG_ERR_INVALID;
        goto done;
    }
    if (parse_size(cfg.eye_size, &o.eye_w, &o.eye_h) < 0) {
        vg_error("vrgen view: --eye-size %s: expected WxH, 16 to 8192 pixels each", cfg.eye_size);
        ret = VG_ERR_INVALID;
        goto done;
    }
    if (parse_pose(cfg.pose, &o.pose) < 0) {
        vg_error("vrgen view: --pose %s: expected YAW,PITCH,ROLL or YAW,PITCH,ROLL,X,Y,Z "
                 "(degrees, metres)",
                 cfg.pose);
        ret = VG_ERR_INVALID;
        goto done;
    }
    if (cfg.offscreen && cfg.capture && o.frames < 0) o.frames = 1;

    /* SA_RESTART: the OpenXR runtime's IPC calls must not fail with EINTR on Ctrl+C */
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (cfg.offscreen) {
        gen_backend *be = NULL;
        if ((ret = cli_backend(&cfg.common, &be)) == VG_OK)
            ret = o.rate > 0 ? xrv_paced_run(be, &o) : xrv_offscreen_run(be, &o);
        gen_backend_destroy(&be);
    } else {
        gen_backend_config bc = {.device = cfg.common.device};
        ret = xrv_session_run(&bc, &o);
    }
    if (ret == VG_OK && g_stop) ret = VG_ERR_INTERRUPTED;
done:
    vg_opt_free(view_opts, &cfg);
    vg_strlist_free(&pos);
    return ret;
}
