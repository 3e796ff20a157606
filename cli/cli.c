/* cli.c - option parsing shared by the subcommands, backend creation, exit code table. */
#include "cli/cli.h"

#include <stdio.h>

#include <libavutil/log.h>

#include "common/vg_error.h"
#include "common/vg_log.h"

int cli_exit_override = -1;

const char *const cli_backend_names[] = {"auto", "vulkan", "ref", "cpu", NULL};

int cli_parse(const char *cmd, const char *usage, const char *about, const vg_opt *table, void *cfg,
              int argc, char **argv, vg_strlist *positional)
{
    char context[64];
    snprintf(context, sizeof(context), "vrgen %s", cmd);
    int ret = vg_opt_parse(table, cfg, argc, argv, 2, positional, context);
    if (ret < 0) return ret;
    const cli_common *c = cfg;
    if (c->help) {
        printf("usage: vrgen %s %s\n\n%s\n\noptions:\n", cmd, usage, about);
        vg_opt_help(stdout, table);
        printf("\n");
        cli_print_exit_codes();
        return 0;
    }
    if (c->quiet) {
        vg_log_set_level(VG_LOG_QUIET);
        av_log_set_level(AV_LOG_QUIET);
    }
    if (c->verbose) {
        vg_log_set_level(VG_LOG_VERBOSE);
        av_log_set_level(AV_LOG_WARNING);
    }
    return 1;
}

int cli_backend(const cli_common *c, gen_backend **be)
{
    static const gen_backend_kind kinds[] = {GEN_BACKEND_AUTO, GEN_BACKEND_VULKAN, GEN_BACKEND_REF,
                                             GEN_BACKEND_CPU};
    gen_backend_config cfg = {.kind = kinds[c->backend], .device = c->device};
    return gen_backend_create(&cfg, be);
}

void cli_print_exit_codes(void)
{
    printf("exit status:\n"
           "  0    success\n"
           "  1    other failure (out of memory, internal error)\n"
           "  2    usage error: unknown option or bad option value\n"
           "  3    input error: missing, corrupt, unsupported or too large input\n"
           "  4    output error: output exists (no -y), or writing failed\n"
           "  5    device error: no usable Vulkan device, GPU failure or out of GPU memory,\n"
           "       OpenXR failure or no OpenXR runtime\n"
           "  130  interrupted (SIGINT or SIGTERM)\n");
}
