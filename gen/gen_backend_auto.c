/*
 * gen_backend_auto.c - what GEN_BACKEND_AUTO means: Vulkan when the best device is a GPU,
 * the native CPU backend when the only Vulkan devices are CPU implementations (lavapipe,
 * SwiftShader: on a 2-core machine lavapipe peaks near 40 GFLOP/s, native SIMD code
 * several times that) or when there is no Vulkan device at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen_backend.h"
#include "gen/gen_device.h"

static void say(char *why, size_t len, const char *fmt, const char *arg)
{
    if (why && len) snprintf(why, len, fmt, arg);
}

gen_backend_kind gen_backend_auto(const gen_backend_config *cfg, char *why, size_t why_len)
{
    const char *env = getenv("VRGEN_BACKEND");
    if (env && *env && strcmp(env, "auto") != 0) {
        static const struct {
            const char *name;
            gen_backend_kind kind;
        } names[] = {
            {"cpu", GEN_BACKEND_CPU}, {"vulkan", GEN_BACKEND_VULKAN}, {"ref", GEN_BACKEND_REF}};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strcmp(env, names[i].name) == 0) {
                say(why, why_len, "VRGEN_BACKEND=%s in the environment", env);
                return names[i].kind;
            }
    }
    if (cfg->vk_hooks) {
        say(why, why_len, "%s", "the Vulkan device comes from the OpenXR runtime");
        return GEN_BACKEND_VULKAN;
    }
    if (cfg->device) {
        say(why, why_len, "--device %s names a Vulkan device", cfg->device);
        return GEN_BACKEND_VULKAN;
    }
    gen_device_info *devs = NULL;
    int count = 0, chosen = -1;
    if (gen_device_probe(&devs, &count, &chosen) < 0 || chosen < 0) {
        free(devs);
        say(why, why_len, "%s", "no usable Vulkan device");
        return GEN_BACKEND_CPU;
    }
    gen_backend_kind k = GEN_BACKEND_VULKAN;
    if (strcmp(devs[chosen].type, "CPU") == 0) {
        k = GEN_BACKEND_CPU;
        say(why, why_len,
            "the best Vulkan device, %s, is a CPU implementation: native CPU code is faster",
            devs[chosen].name);
    } else {
        say(why, why_len, "the best Vulkan device, %s, is a GPU", devs[chosen].name);
    }
    free(devs);
    return k;
}
