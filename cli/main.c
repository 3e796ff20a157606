/* main.c - the vrgen command: dispatches to one file per subcommand. Only main exits. */
#include <stdio.h>
#include <string.h>

#include <libavutil/log.h>

#include "cli/cli.h"
#include "common/vg_error.h"
#include "common/vg_log.h"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} subcommand;

static const subcommand commands[] = {
    {"stylize", cmd_stylize, "stylize a video: IN -o OUT [-m MODEL]"},
    {"train", cmd_train, "learn a style: --style IMG --content VIDEO -o MODEL"},
    {"eval", cmd_eval, "measure a model on a video: flicker, edges kept, style distance"},
    {"view", cmd_view, "show a video in a VR headset (OpenXR), live-stylized with -m"},
    {"info", cmd_info, "describe a media or model file, or list the Vulkan devices"},
    {"bench", cmd_bench, "measure the device peak, convolution speed and generator frame time"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: vrgen COMMAND [options]   (vrgen COMMAND --help for its options)\n\n"
               "vrgen turns video into stylized, generated media and shows it in VR.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n  vrgen --version   print the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("vrgen %s\n", VRGEN_VERSION);
        return 0;
    }
    /* FFmpeg's own messages: errors only; vrgen reports what matters in its own words */
    av_log_set_level(AV_LOG_ERROR);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            int ret = commands[i].run(argc, argv);
            if (cli_exit_override >= 0) return cli_exit_override;
            return ret > 0 ? 0 : vg_exit_code(ret);
        }
    vg_error("unknown command '%s' (see vrgen --help)", argv[1]);
    return 2;
}
