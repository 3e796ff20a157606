/*
 * test_vk_engine.c - properties of the Vulkan engine rather than of single ops:
 * - replaying a compiled generator on new frames allocates no memory and creates no
 *   buffer, pipeline, descriptor set or command buffer (counted by the backend);
 * - the pipeline cache is written to $XDG_CACHE_HOME/vrgen, and a cache from another
 *   device or driver (wrong header) is discarded and replaced, not trusted;
 * - device requirements: a device below vrgen's needs is refused with a reason.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/vg_file.h"
#include "gen/gen_net.h"
#include "gen/vk/vk_ctx.h"
#include "tests/vt_backend.h"

static void test_no_alloc_after_warmup(gen_backend *be)
{
    gen_net_config nc;
    gen_net_config_default(&nc, GEN_NET_GENERATOR);
    nc.width = 8;
    nc.blocks = 2;
    gen_net *net = NULL;
    gen_graph *g = NULL;
    gen_prog *p = NULL;
    VT_CHECK(gen_net_create(be, &nc, 0, &net) == VG_OK, "net");
    VT_CHECK(gen_net_init(net, 7) == VG_OK, "init");
    VT_CHECK(gen_graph_create(net, 1, 48, 64, 0, &g) == VG_OK, "graph");
    VT_CHECK(gen_prog_create(be, &p) == VG_OK, "prog");
    gen_graph_forward(g, p);
    VT_CHECK(gen_prog_compile(p) == VG_OK, "compile");
    gen_tensor in = gen_graph_input(g), out = gen_graph_output(g);
    size_t len = gen_tensor_len(in);
    float *frame = malloc(len * sizeof(float)), *res = malloc(len * sizeof(float));
    vt_rng rng = {3};
    vt_fill_uniform(&rng, frame, len, -1, 1);
    gen_tensor_upload(be, in, frame);
    VT_CHECK(gen_prog_run(p) == VG_OK, "warm-up run");
    gen_backend_stats a, b;
    gen_backend_get_stats(be, &a);
    for (int f = 0; f < 5; f++) {
        vt_fill_uniform(&rng, frame, len, -1, 1);
        VT_CHECK(gen_tensor_upload(be, in, frame) == VG_OK, "upload");
        VT_CHECK(gen_prog_run(p) == VG_OK, "run");
        VT_CHECK(gen_tensor_download(be, out, res) == VG_OK, "download");
    }
    gen_backend_get_stats(be, &b);
    VT_CHECK(b.mem_allocs == a.mem_allocs, "memory allocated after warm-up: %llu -> %llu",
             (unsigned long long)a.mem_allocs, (unsigned long long)b.mem_allocs);
    VT_CHECK(b.buffers == a.buffers, "buffers created after warm-up");
    VT_CHECK(b.pipelines == a.pipelines, "pipelines created after warm-up");
    VT_CHECK(b.descriptor_sets == a.descriptor_sets, "descriptor sets allocated after warm-up");
    VT_CHECK(b.command_buffers == a.command_buffers, "command buffers allocated after warm-up");
    VT_CHECK(b.submits > a.submits, "frames were submitted");
    int finite = 1;
    for (size_t i = 0; i < len; i++) finite &= res[i] >= -1.0f && res[i] <= 1.0f;
    VT_CHECK(finite, "generator output outside tanh range");
    free(frame);
    free(res);
    gen_prog_destroy(&p);
    gen_graph_destroy(&g);
    gen_net_destroy(&net);
}

static int find_cache(const char *dir, char *path, size_t len)
{
    char sub[512];
    snprintf(sub, sizeof(sub), "%s/vrgen", dir);
    DIR *d = opendir(sub);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "pipelines-", 10) == 0) {
            snprintf(path, len, "%s/%s", sub, e->d_name);
            found = 1;
        }
    closedir(d);
    return found;
}

static void run_small(gen_backend *be)
{
    gen_buf *b = NULL;
    gen_prog *p = NULL;
    gen_buf_create(be, 256, &b);
    gen_tensor t = {b, 0, 1, 1, 1, 256};
    gen_prog_create(be, &p);
    gen_fill(p, t, 1.0f);
    VT_CHECK(gen_prog_compile(p) == VG_OK && gen_prog_run(p) == VG_OK, "small program runs");
    gen_prog_destroy(&p);
    gen_buf_destroy(&b);
}

static void test_pipeline_cache(void)
{
    char tmpl[] = "/tmp/vrgen-cache-XXXXXX";
    char *dir = mkdtemp(tmpl);
    VT_CHECK(dir != NULL, "mkdtemp");
    if (!dir) return;
    char *old = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    setenv("XDG_CACHE_HOME", dir, 1);
    unsetenv("VRGEN_NO_PIPELINE_CACHE");

    gen_backend *be = NULL;
    VT_CHECK(vt_vulkan_backend(&be) == VG_OK, "backend");
    run_small(be);
    vt_check_validation(be);
    gen_backend_destroy(&be);
    char path[1024];
    VT_CHECK(find_cache(dir, path, sizeof(path)), "no pipeline cache written in %s/vrgen", dir);

    /* a cache from "another driver": same size, header UUID scrambled */
    unsigned char *data = NULL;
    size_t size = 0;
    if (vg_file_read_all(path, 1 << 28, &data, &size) == VG_OK &&
        size >= sizeof(VkPipelineCacheHeaderVersionOne)) {
        VkPipelineCacheHeaderVersionOne h;
        memcpy(&h, data, sizeof(h));
        h.pipelineCacheUUID[0] ^= 0xff;
        h.deviceID ^= 1;
        memcpy(data, &h, sizeof(h));
        FILE *f = fopen(path, "wb");
        fwrite(data, 1, size, f);
        fclose(f);
        VT_CHECK(vt_vulkan_backend(&be) == VG_OK, "backend with a foreign cache");
        run_small(be);
        vt_check_validation(be);
        gen_backend_destroy(&be);
        unsigned char *again = NULL;
        size_t asz = 0;
        VT_CHECK(vg_file_read_all(path, 1 << 28, &again, &asz) == VG_OK, "cache rewritten");
        if (again && asz >= sizeof(h)) {
            VkPipelineCacheHeaderVersionOne h2;
            memcpy(&h2, again, sizeof(h2));
            VT_CHECK(h2.deviceID != h.deviceID, "the foreign cache was kept");
        }
        free(again);
    } else {
        VT_CHECK(0, "cache unreadable");
    }
    free(data);
    if (old) {
        setenv("XDG_CACHE_HOME", old, 1);
        free(old);
    } else {
        unsetenv("XDG_CACHE_HOME");
    }
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    VT_CHECK(system(cmd) == 0, "cleanup");
}

static void test_requirements(void)
{
    VkPhysicalDeviceProperties p;
    memset(&p, 0, sizeof(p));
    p.apiVersion = VK_API_VERSION_1_3;
    p.limits.maxComputeWorkGroupInvocations = 1024;
    p.limits.maxComputeWorkGroupSize[0] = 1024;
    p.limits.maxPushConstantsSize = 128;
    p.limits.maxPerStageDescriptorStorageBuffers = 16;
    p.limits.maxPerStageDescriptorStorageImages = 8;
    p.limits.maxComputeSharedMemorySize = 32768;
    p.limits.maxTexelBufferElements = 1u << 27;
    char why[160];
    VT_CHECK(gen_vk_check_requirements(&p, 1, why, sizeof(why)), "a capable device: %s", why);
    VT_CHECK(!gen_vk_check_requirements(&p, 0, why, sizeof(why)) && strstr(why, "compute"),
             "no compute queue: '%s'", why);
    p.apiVersion = VK_API_VERSION_1_1;
    VT_CHECK(!gen_vk_check_requirements(&p, 1, why, sizeof(why)) && strstr(why, "1.2"),
             "Vulkan 1.1: '%s'", why);
    p.apiVersion = VK_API_VERSION_1_2;
    p.limits.maxComputeWorkGroupInvocations = 128;
    VT_CHECK(!gen_vk_check_requirements(&p, 1, why, sizeof(why)) && strstr(why, "256"),
             "small work groups: '%s'", why);
}

int main(void)
{
    test_requirements();
    gen_backend *be = NULL;
    int ret = vt_vulkan_backend(&be);
    if (ret == VT_SKIP) return VT_SKIP;
    VT_CHECK(ret == VG_OK, "backend: %s", vg_strerror(ret));
    if (ret < 0) return vt_result("test_vk_engine");
    test_no_alloc_after_warmup(be);
    vt_check_validation(be);
    gen_backend_destroy(&be);
    test_pipeline_cache();
    return vt_result("test_vk_engine");
}
