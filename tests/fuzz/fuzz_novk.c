/*
 * fuzz_novk.c - stands in for the Vulkan and native CPU backends and for the automatic
 * choice between them in the fuzz build (vrgen_fuzz_core), so that the model loader can be
 * fuzzed on the plain-C reference backend without a Vulkan instance, compiled shaders or
 * the SIMD kernels. Not linked into vrgen itself.
 */
#include <stdio.h>

#include "gen/gen_backend_priv.h"

#include "common/vg_error.h"
#include "common/vg_log.h"

int gen_vk_backend_create(const gen_backend_config *cfg, gen_backend **out)
{
    *out = NULL;
    vg_error("the Vulkan backend is not part of the fuzz build; use the ref backend");
    return VG_ERR_NO_DEVICE;
}

int gen_cpu_backend_create(const gen_backend_config *cfg, gen_backend **out)
{
    *out = NULL;
    vg_error("the cpu backend is not part of the fuzz build; use the ref backend");
    return VG_ERR_NO_DEVICE;
}

gen_backend_kind gen_backend_auto(const gen_backend_config *cfg, char *why, size_t why_len)
{
    if (why && why_len) snprintf(why, why_len, "the fuzz build has only the ref backend");
    return GEN_BACKEND_REF;
}
