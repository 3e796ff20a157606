/*
 * fuzz_novk.c - stands in for the Vulkan backend in the fuzz build (vrgen_fuzz_core), so
 * that the model loader can be fuzzed on the plain-C reference backend without a Vulkan
 * instance or compiled shaders. Not linked into vrgen itself.
 */
#include "gen/gen_backend_priv.h"

#include "common/vg_error.h"
#include "common/vg_log.h"

int gen_vk_backend_create(const gen_backend_config *cfg, gen_backend **out)
{
    *out = NULL;
    vg_error("the Vulkan backend is not part of the fuzz build; use the ref backend");
    return VG_ERR_NO_DEVICE;
}
