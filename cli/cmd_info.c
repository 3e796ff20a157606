/*
 * cmd_info.c - `vrgen info [FILE...]`: describes media files (streams, size, rate, colour,
 * rotation, layout hints) and model files (architecture, parameters, metadata); without a
 * file, the compute backend `--backend auto` picks and why, the Vulkan devices of this
 * machine and the one the Vulkan backend picks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "gen/gen_device.h"
#include "gen/gen_model.h"
#include "pipeline/pl_input.h"
#include "pipeline/pl_stylize.h"

typedef struct info_cfg {
    cli_common common;
} info_cfg;

static const vg_opt info_opts[] = {
    CLI_COMMON_OPTS(info_cfg),
    {NULL},
};

int cmd_info(int argc, char **argv)
{
    info_cfg cfg;
    vg_strlist files = {0};
    int ret = cli_parse("info", "[FILE...] [options]",
                        "Describes media files (anything FFmpeg reads) and vrgen model files "
                        "(.safetensors); without a file, says which compute backend vrgen picks "
                        "and why, and lists the Vulkan devices.",
                        info_opts, &cfg, argc, argv, &files);
    if (ret <= 0) return ret;
    if (files.count > 0) {
        int worst = VG_OK;
        for (int i = 0; i < files.count; i++) {
            const char *f = files.items[i];
            size_t n = strlen(f);
            int model = n > 12 && strcasecmp(f + n - 12, ".safetensors") == 0;
            ret = model ? gen_model_describe(f, stdout) : pl_input_describe(f, stdout);
            if (ret < 0 && worst == VG_OK) worst = ret;
        }
        vg_strlist_free(&files);
        return worst;
    }

    /* which backend --backend names, or `--backend auto` (the default) picks, and why */
    if (cfg.common.backend != 0) {
        gen_backend *be = NULL;
        if ((ret = cli_backend(&cfg.common, &be)) < 0) return ret;
        printf("backend: %s, because --backend %s\n", gen_backend_name(be),
               cli_backend_names[cfg.common.backend]);
        gen_backend_destroy(&be);
    }
    gen_backend_config bc = {.kind = GEN_BACKEND_AUTO, .device = cfg.common.device};
    char why[320];
    gen_backend_kind auto_kind = gen_backend_auto(&bc, why, sizeof(why));
    if (auto_kind == GEN_BACKEND_CPU) {
        gen_backend *cpu = NULL;
        bc.kind = GEN_BACKEND_CPU;
        if (gen_backend_create(&bc, &cpu) == VG_OK) {
            printf("backend (auto): %s, because %s\n", gen_backend_name(cpu), why);
            printf("      tensors in host memory: generator budget %.1f GiB per frame "
                   "(--max-memory), bigger frames run in tiles\n",
                   (double)pl_stylize_default_budget(cpu) / (1 << 30));
        }
        gen_backend_destroy(&cpu);
    } else {
        printf("backend (auto): %s, because %s\n",
               auto_kind == GEN_BACKEND_VULKAN ? "vulkan" : "ref", why);
    }

    gen_device_info *devs = NULL;
    int count = 0, chosen = -1;
    ret = gen_device_list(cfg.common.device, &devs, &count, &chosen);
    if (ret < 0) return ret;
    printf("Vulkan devices:\n");
    for (int i = 0; i < count; i++) {
        const gen_device_info *d = &devs[i];
        char api[32];
        gen_device_api_string(d->api_version, api, sizeof(api));
        printf("%s [%d] %s\n", i == chosen ? "*" : " ", i, d->name);
        printf("      type %s, Vulkan %s, driver %s\n", d->type, api, d->driver);
        printf("      memory %.1f GiB, work group %u invocations, shared memory %u KiB, "
               "subgroup %u, storage buffer range %u MiB, fp16 %s\n",
               (double)d->device_local_bytes / (1 << 30), d->max_workgroup_invocations,
               d->max_shared_bytes / 1024, d->subgroup_size, d->max_storage_buffer_range >> 20,
               d->fp16 ? "yes" : "no");
        if (!d->usable) printf("      not usable: %s\n", d->why);
    }
    if (chosen >= 0) {
        printf("vrgen uses [%d] %s (%s)%s\n", chosen, devs[chosen].name,
               cfg.common.device ? "chosen with --device" : "best usable device",
               devs[chosen].score == 1 ? ": a CPU implementation, for --backend vulkan" : "");
    } else {
        if (cfg.common.device)
            vg_error("--device %s: no usable device matches", cfg.common.device);
        else
            vg_error("no usable Vulkan device (see the reasons above)");
        ret = VG_ERR_NO_DEVICE;
    }
    free(devs);
    vg_strlist_free(&files);
    return ret;
}
