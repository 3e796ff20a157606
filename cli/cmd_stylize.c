/*
 * cmd_stylize.c - `vrgen stylize IN -o OUT [-m MODEL]`: options in FFmpeg's spelling,
 * signal handling (SIGINT/SIGTERM finish a playable file), and the summary line. The job
 * itself is pipeline/pl_stylize.c.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/default_model.h"
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "gen/gen_model.h"
#include "pipeline/pl_stylize.h"

typedef struct stylize_cfg {
    cli_common common;
    const char *input, *output, *model, *format, *vcodec, *preset, *pix_fmt, *enc_opts, *map;
    int crf;
    int64_t bitrate;
    int overwrite, never_overwrite, no_audio, no_subs;
    double start, duration;
    int64_t frames;
    int layout, stereo;
    int png_bits, resume, identity;
    int progress;
    int64_t max_memory;
    int tile_stats;
    double hold, hold_rate;
} stylize_cfg;

static const char *const layout_names[] = {"auto", "flat", "360", "180", NULL};
static const char *const stereo_names[] = {"auto", "mono", "sbs", "tb", NULL};
static const char *const png_bits_names[] = {"8", "16", NULL};
static const char *const tile_stats_names[] = {"exact", "estimate", NULL};

#define O(f) offsetof(stylize_cfg, f)
static const vg_opt stylize_opts[] = {
    {"i", NULL, VG_OPT_STRING, O(input), NULL, 0, 0, NULL, "IN",
     "input file (or give it as the first argument); - reads stdin"},
    {"output", "o", VG_OPT_STRING, O(output), NULL, 0, 0, NULL, "OUT",
     "output video (container from the extension) or PNG pattern like frames/%06d.png"},
    {"model", "m", VG_OPT_STRING, O(model), NULL, 0, 0, NULL, "MODEL",
     "generator model (.safetensors); default: the embedded model"},
    {"f", NULL, VG_OPT_STRING, O(format), NULL, 0, 0, NULL, "FMT", "force the output container"},
    {"c:v", "vcodec", VG_OPT_STRING, O(vcodec), NULL, 0, 0, NULL, "CODEC",
     "video encoder: libx264 (default), libx265, libvpx-vp9, libsvtav1, libaom-av1, ffv1"},
    {"crf", NULL, VG_OPT_INT, O(crf), "-1", -1, 63, NULL, "N", "constant quality (-1: default)"},
    {"preset", NULL, VG_OPT_STRING, O(preset), NULL, 0, 0, NULL, "NAME", "encoder preset"},
    {"b:v", NULL, VG_OPT_SIZE, O(bitrate), "0", 0, 0, NULL, "RATE",
     "video bit rate in bits/s (K/M suffixes are 1024-based)"},
    {"pix_fmt", NULL, VG_OPT_STRING, O(pix_fmt), NULL, 0, 0, NULL, "FMT",
     "output pixel format (default: the input's)"},
    {"enc-opts", "x264-params", VG_OPT_STRING, O(enc_opts), NULL, 0, 0, NULL, "K=V:K=V",
     "further encoder options"},
    {"an", NULL, VG_OPT_FLAG, O(no_audio), NULL, 0, 0, NULL, NULL, "drop audio"},
    {"sn", NULL, VG_OPT_FLAG, O(no_subs), NULL, 0, 0, NULL, NULL, "drop subtitles"},
    {"map", NULL, VG_OPT_STRING, O(map), NULL, 0, 0, NULL, "0:v:N",
     "video stream to stylize (default: the first)"},
    {"ss", NULL, VG_OPT_TIME, O(start), "-1", 0, 0, NULL, "TIME",
     "start at this input time (default: the start)"},
    {"t", NULL, VG_OPT_TIME, O(duration), "-1", 0, 0, NULL, "TIME",
     "stylize this much (default: to the end)"},
    {"frames", "frames:v", VG_OPT_INT64, O(frames), "-1", -1, 1e15, NULL, "N",
     "stop after N frames (-1, the default: all)"},
    {"y", NULL, VG_OPT_FLAG, O(overwrite), NULL, 0, 0, NULL, NULL, "overwrite the output"},
    {"n", NULL, VG_OPT_FLAG, O(never_overwrite), NULL, 0, 0, NULL, NULL,
     "never overwrite (the default without -y)"},
    {"layout", NULL, VG_OPT_ENUM, O(layout), "auto", 0, 0, layout_names, NULL,
     "360: equirectangular, edges joined without a seam"},
    {"stereo", NULL, VG_OPT_ENUM, O(stereo), "auto", 0, 0, stereo_names, NULL,
     "sbs or tb: each eye stylized as its own image"},
    {"png-bits", NULL, VG_OPT_ENUM, O(png_bits), "8", 0, 0, png_bits_names, NULL,
     "bits per sample of PNG output"},
    {"resume", NULL, VG_OPT_FLAG, O(resume), NULL, 0, 0, NULL, NULL,
     "PNG output: continue after the last complete frame"},
    {"progress", NULL, VG_OPT_ENUM, O(progress), "auto", 0, 0, vg_progress_mode_names, NULL,
     "progress report: a bar on a terminal, or one JSON object per line"},
    {"identity", NULL, VG_OPT_FLAG, O(identity), NULL, 0, 0, NULL, NULL,
     "no network: frames pass through unchanged (checks decode, colour and encode)"},
    {"max-memory", NULL, VG_OPT_SIZE, O(max_memory), "0", 0, 0, NULL, "SIZE",
     "device memory for the generator per frame, e.g. 512M or 2G; larger frames run in "
     "tiles, blended without seams (default 0: half the device's memory heap; cpu backend: a "
     "quarter of the host's memory, see vrgen info)"},
    {"tile-stats", NULL, VG_OPT_ENUM, O(tile_stats), "exact", 0, 0, tile_stats_names, NULL,
     "tiled frames: norm statistics exact (as untiled, one pass per norm layer) or estimated "
     "from a downscaled copy (several times faster, approximate)"},
    {"hold", NULL, VG_OPT_FLOAT, O(hold), PL_HOLD_STILL_DEFAULT, 0, 255, NULL, "CODES",
     PL_HOLD_OPTS_HELP},
    {"hold-rate", NULL, VG_OPT_FLOAT, O(hold_rate), PL_HOLD_RATE_DEFAULT, 0, 1, NULL, "X",
     PL_HOLD_RATE_HELP},
    CLI_COMMON_OPTS(stylize_cfg),
    {NULL},
};
#undef O

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
    g_signal = sig;
    g_stop = 1;
}

static int is_png_pattern(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcasecmp(path + n - 4, ".png") == 0;
}

static int load_model(gen_backend *be, const char *path, gen_net **net)
{
    if (path) return gen_model_load(be, path, NULL, 0, NULL, 0, net, NULL);
    if (!vrgen_default_model_size) {
        vg_error("vrgen stylize: this build has no embedded default model; pass -m MODEL");
        return VG_ERR_INVALID;
    }
    return gen_model_load(be, NULL, vrgen_default_model, vrgen_default_model_size,
                          "embedded default model", 0, net, NULL);
}

int cmd_stylize(int argc, char **argv)
{
    stylize_cfg cfg;
    vg_strlist pos = {0};
    int ret = cli_parse("stylize", "IN -o OUT [-m MODEL] [options]",
                        "Stylizes a video (anything FFmpeg reads) with a generator model and "
                        "writes a video or PNG frames.\n\nexamples:\n"
                        "  vrgen stylize in.mp4 -o out.mp4\n"
                        "  vrgen stylize in.mkv -m starry.safetensors -c:v libx265 -crf 24 -o "
                        "out.mkv\n"
                        "  vrgen stylize in.mp4 -ss 10 -t 5 -o frames/%06d.png --png-bits 16",
                        stylize_opts, &cfg, argc, argv, &pos);
    if (ret <= 0) return ret;
    const char *in = cfg.input;
    if (!in && pos.count > 0) in = pos.items[0];
    if (!in || pos.count > (cfg.input ? 0 : 1)) {
        vg_error("vrgen stylize: %s (see vrgen stylize --help)",
                 in ? "more than one input given" : "no input given");
        vg_strlist_free(&pos);
        return VG_ERR_INVALID;
    }
    if (!cfg.output) {
        vg_error("vrgen stylize: no output given: add -o OUT (a video file or frames/%%06d.png)");
        vg_strlist_free(&pos);
        return VG_ERR_INVALID;
    }
    if (cfg.overwrite && cfg.never_overwrite) {
        vg_error("vrgen stylize: -y and -n contradict each other");
        vg_strlist_free(&pos);
        return VG_ERR_INVALID;
    }

    pl_stylize_opts o = {0};
    o.input = (pl_input_opts){.path = in,
                              .map = cfg.map,
                              .start = cfg.start,
                              .duration = cfg.duration,
                              .max_frames = cfg.frames,
                              .copy_streams = 1};
    o.output = (pl_output_opts){.path = cfg.output,
                                .format = cfg.format,
                                .vcodec = cfg.vcodec,
                                .crf = cfg.crf,
                                .preset = cfg.preset,
                                .bitrate = cfg.bitrate,
                                .pix_fmt = cfg.pix_fmt,
                                .enc_opts = cfg.enc_opts,
                                .overwrite = cfg.overwrite,
                                .copy_audio = !cfg.no_audio,
                                .copy_subs = !cfg.no_subs};
    o.png = is_png_pattern(cfg.output);
    o.input.copy_streams = !o.png;
    o.png_bits = cfg.png_bits ? 16 : 8;
    o.resume = cfg.resume;
    o.layout = (pl_layout)cfg.layout;
    o.stereo = (pl_eyes)cfg.stereo;
    o.identity = cfg.identity;
    o.max_memory = cfg.max_memory;
    o.tile_estimate = cfg.tile_stats == 1;
    o.hold_still = (float)cfg.hold;
    o.hold_rate = (float)cfg.hold_rate;
    o.progress = (vg_progress_mode)cfg.progress;
    o.stop = &g_stop;
    if (cfg.resume && !o.png) {
        vg_error("vrgen stylize: --resume works with PNG sequence output only");
        vg_strlist_free(&pos);
        return VG_ERR_INVALID;
    }

    gen_backend *be = NULL;
    gen_net *net = NULL;
    if ((ret = cli_backend(&cfg.common, &be)) < 0) goto done;
    if (!cfg.identity && (ret = load_model(be, cfg.model, &net)) < 0) goto done;

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    pl_stylize_result r;
    ret = pl_stylize(be, net, &o, &r);
    if (ret == VG_OK && r.interrupted) {
        vg_error("vrgen stylize: interrupted by %s after %lld of %lld frames; %s is complete "
                 "up to there and playable",
                 g_signal == SIGTERM ? "SIGTERM" : "SIGINT", (long long)r.frames_out,
                 (long long)r.frames_total, cfg.output);
        ret = VG_ERR_INTERRUPTED;
    } else if (ret == VG_OK) {
        vg_info("vrgen stylize: %lld frames to %s in %.1f s (%.2f fps)", (long long)r.frames_out,
                cfg.output, r.seconds, r.seconds > 0 ? r.frames_out / r.seconds : 0.0);
    }
done:
    gen_net_destroy(&net);
    gen_backend_destroy(&be);
    vg_opt_free(stylize_opts, &cfg);
    vg_strlist_free(&pos);
    if (ret == VG_ERR_INTERRUPTED && g_signal == SIGTERM) cli_exit_override = 143;
    return ret;
}
