/*
 * vk_pipe.c - compute pipelines for the Vulkan backend: one per (shader variant,
 * specialization constants), created on first use and kept for the context's life, and
 * the on-disk pipeline cache in $XDG_CACHE_HOME/vrgen (discarded when the device or the
 * driver changes: the file is named by device and its header must match the driver's
 * pipelineCacheUUID).
 */
#include "gen/vk/vk_ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/vg_error.h"
#include "common/vg_file.h"
#include "common/vg_log.h"
#include "gen/vk/vk_spirv.h"

#define PUSH_BYTES 128
#define CACHE_MAX  (256u << 20)

static void cache_path(gen_vk_ctx *c)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char dir[400];
    if (getenv("VRGEN_NO_PIPELINE_CACHE")) return;
    if (xdg && *xdg)
        snprintf(dir, sizeof(dir), "%s/vrgen", xdg);
    else if (home && *home)
        snprintf(dir, sizeof(dir), "%s/.cache/vrgen", home);
    else
        return;
    snprintf(c->pcache_path, sizeof(c->pcache_path), "%s/pipelines-%04x-%04x.bin", dir,
             c->props.vendorID, c->props.deviceID);
}

/* Accepts cached data only when its header names this device and driver build. */
static int cache_header_ok(const gen_vk_ctx *c, const unsigned char *d, size_t n)
{
    VkPipelineCacheHeaderVersionOne h;
    if (n < sizeof(h)) return 0;
    memcpy(&h, d, sizeof(h));
    return h.headerSize >= sizeof(h) && h.headerVersion == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
           h.vendorID == c->props.vendorID && h.deviceID == c->props.deviceID &&
           memcmp(h.pipelineCacheUUID, c->props.pipelineCacheUUID, VK_UUID_SIZE) == 0;
}

int vk_pipe_init(gen_vk_ctx *c)
{
    int ret = VG_OK;
    unsigned char *data = NULL;
    size_t size = 0;
    cache_path(c);
    if (c->pcache_path[0] && vg_path_exists(c->pcache_path)) {
        int prev = vg_log_get_level();
        vg_log_set_level(VG_LOG_QUIET); /* a stale or unreadable cache is not an error */
        if (vg_file_read_all(c->pcache_path, CACHE_MAX, &data, &size) < 0) size = 0;
        vg_log_set_level(prev);
        if (size && !cache_header_ok(c, data, size)) {
            vg_verbose("pipeline cache %s is from another device or driver: discarded",
                       c->pcache_path);
            size = 0;
        }
    }
    VkPipelineCacheCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
        .initialDataSize = size,
        .pInitialData = size ? data : NULL,
    };
    GEN_VK_CHECK(vkCreatePipelineCache(c->device, &ci, NULL, &c->pcache));

fail:
    free(data);
    return ret;
}

static void cache_save(gen_vk_ctx *c)
{
    size_t size = 0;
    if (!c->pcache_path[0] || !c->pcache) return;
    if (vkGetPipelineCacheData(c->device, c->pcache, &size, NULL) != VK_SUCCESS || !size) return;
    void *data = malloc(size);
    if (!data) return;
    if (vkGetPipelineCacheData(c->device, c->pcache, &size, data) == VK_SUCCESS) {
        char dir[512];
        snprintf(dir, sizeof(dir), "%s", c->pcache_path);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = '\0';
        vg_outfile f = {0};
        int prev = vg_log_get_level();
        vg_log_set_level(VG_LOG_QUIET); /* a cache that cannot be written is not an error */
        if (vg_mkdir_p(dir) == VG_OK && vg_outfile_open(&f, c->pcache_path, 1) == VG_OK) {
            if (fwrite(data, 1, size, f.fp) == size)
                vg_outfile_commit(&f);
            else
                vg_outfile_abort(&f);
        }
        vg_log_set_level(prev);
    }
    free(data);
}

void vk_pipe_fini(gen_vk_ctx *c)
{
    if (!c->device) return;
    for (int i = 0; i < c->npipes; i++) {
        vk_pipe *p = c->pipes[i];
        if (p->pipeline) vkDestroyPipeline(c->device, p->pipeline, NULL);
        if (p->layout) vkDestroyPipelineLayout(c->device, p->layout, NULL);
        if (p->dsl) vkDestroyDescriptorSetLayout(c->device, p->dsl, NULL);
        free(p);
    }
    free(c->pipes);
    c->pipes = NULL;
    c->npipes = 0;
    if (c->pcache) {
        cache_save(c);
        vkDestroyPipelineCache(c->device, c->pcache, NULL);
    }
}

/* Creates the set layout, pipeline layout and pipeline of p (p->nbind, p->kind set). */
static int create_pipeline(gen_vk_ctx *c, const char *name, const uint32_t *spec, int nspec,
                           vk_pipe *p)
{
    int ret = VG_OK;
    VkShaderModule mod = VK_NULL_HANDLE;
    VkDescriptorSetLayoutBinding b[8];
    for (int i = 0; i < p->nbind; i++)
        b[i] = (VkDescriptorSetLayoutBinding){
            .binding = (uint32_t)i,
            .descriptorType = p->kind[i] == VK_BIND_SSBO ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                              : p->kind[i] == VK_BIND_IMAGE_RGBA
                                  ? VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER
                                  : VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER,
            .descriptorCount = 1,
            .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        };
    VkDescriptorSetLayoutCreateInfo li = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .bindingCount = (uint32_t)p->nbind,
        .pBindings = b,
    };
    GEN_VK_CHECK(vkCreateDescriptorSetLayout(c->device, &li, NULL, &p->dsl));
    VkPushConstantRange pr = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .size = PUSH_BYTES};
    VkPipelineLayoutCreateInfo pli = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &p->dsl,
        .pushConstantRangeCount = 1,
        .pPushConstantRanges = &pr,
    };
    GEN_VK_CHECK(vkCreatePipelineLayout(c->device, &pli, NULL, &p->layout));
    const gen_vk_spirv *sp = gen_vk_spirv_find(name);
    VG_ASSERT(sp); /* a shader name the build does not have is a programmer error */
    VkShaderModuleCreateInfo mi = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = sp->size,
        .pCode = sp->code,
    };
    GEN_VK_CHECK(vkCreateShaderModule(c->device, &mi, NULL, &mod));
    VkSpecializationMapEntry entries[16];
    VG_ASSERT(nspec <= 16);
    for (int i = 0; i < nspec; i++)
        entries[i] = (VkSpecializationMapEntry){
            .constantID = (uint32_t)i, .offset = (uint32_t)(i * 4), .size = 4};
    VkSpecializationInfo si = {
        .mapEntryCount = (uint32_t)nspec,
        .pMapEntries = entries,
        .dataSize = (size_t)nspec * 4,
        .pData = spec,
    };
    VkComputePipelineCreateInfo pi = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage =
            {
                .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                .module = mod,
                .pName = "main",
                .pSpecializationInfo = nspec ? &si : NULL,
            },
        .layout = p->layout,
    };
    GEN_VK_CHECK(vkCreateComputePipelines(c->device, c->pcache, 1, &pi, NULL, &p->pipeline));
    c->base.stats.pipelines++;
fail:
    if (mod) vkDestroyShaderModule(c->device, mod, NULL);
    return ret;
}

int vk_pipe_get(gen_vk_ctx *c, const char *name, const uint32_t *spec, int nspec, int nbind,
                const uint8_t *kind, const vk_pipe **out)
{
    char key[160];
    int len = snprintf(key, sizeof(key), "%s/", name);
    for (int i = 0; i < nbind && len < (int)sizeof(key); i++)
        len += snprintf(key + len, sizeof(key) - (size_t)len, "%d", kind[i]);
    for (int i = 0; i < nspec && len < (int)sizeof(key); i++)
        len += snprintf(key + len, sizeof(key) - (size_t)len, ",%u", spec[i]);
    VG_ASSERT(len < (int)sizeof(key));
    VG_ASSERT(nbind >= 1 && nbind <= 8);

    int ret = VG_OK;
    pthread_mutex_lock(&c->pipe_lock);
    for (int i = 0; i < c->npipes; i++)
        if (strcmp(c->pipes[i]->key, key) == 0) {
            *out = c->pipes[i];
            goto done;
        }
    if (c->npipes == c->cappipes) {
        int cap = c->cappipes ? 2 * c->cappipes : 64;
        vk_pipe **n = realloc(c->pipes, (size_t)cap * sizeof(*n));
        if (!n) {
            ret = VG_ERR_NOMEM;
            goto done;
        }
        c->pipes = n;
        c->cappipes = cap;
    }
    vk_pipe *p = calloc(1, sizeof(*p));
    if (!p) {
        ret = VG_ERR_NOMEM;
        goto done;
    }
    snprintf(p->key, sizeof(p->key), "%s", key);
    p->nbind = nbind;
    memcpy(p->kind, kind, (size_t)nbind);
    ret = create_pipeline(c, name, spec, nspec, p);
    /* kept even on failure so fini destroys what was created */
    c->pipes[c->npipes++] = p;
    if (ret == VG_OK) *out = p;
done:
    pthread_mutex_unlock(&c->pipe_lock);
    return ret;
}
