/*
 * fuzz_model.c - fuzz target for model loading (gen/gen_model.c): safetensors parsing,
 * then the architecture metadata (format, kind, width, blocks, pad, up), then the tensor
 * set (missing, unexpected, wrong shape or dtype, non-finite values), on the plain-C
 * reference backend (no Vulkan).
 *
 * Input: a whole model file image. Besides the sanitizers it checks that a failed load
 * returns a format-type error and leaves nothing behind, and that an accepted model,
 * written again with gen_model_serialize, loads again with the same architecture and
 * weights. Every log line is checked for control characters (tensor names and metadata
 * values come from the file). Not a test of the network's arithmetic.
 */
#include "common/vg_error.h"
#include "gen/gen_backend.h"
#include "gen/gen_model.h"
#include "tests/fuzz/fuzz_util.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_model: check failed: %s (line %d)\n", #cond, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static gen_backend *ref;

/* All parameters of a as one host array (malloc'd). */
static float *weights(gen_net *n)
{
    float *all = malloc((gen_net_weight_count(n) ? gen_net_weight_count(n) : 1) * sizeof(float));
    CHECK(all);
    size_t off = 0;
    for (int i = 0; i < gen_net_param_count(n); i++) {
        const gen_param *p = gen_net_param(n, i);
        CHECK(gen_net_param_download(n, i, all + off) == VG_OK);
        off += (size_t)p->shape[0] * p->shape[1] * p->shape[2] * p->shape[3];
    }
    CHECK(off == gen_net_weight_count(n));
    return all;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ref) {
        fuzz_log_init(1);
        gen_backend_config rc = {.kind = GEN_BACKEND_REF};
        CHECK(gen_backend_create(&rc, &ref) == VG_OK);
    }
    gen_net *net = (gen_net *)1;
    gen_st_file *meta = (gen_st_file *)1;
    int r = gen_model_load(ref, NULL, data, size, "fuzz-model.safetensors", 0, &net, &meta);
    if (r != VG_OK) {
        CHECK(net == NULL && meta == NULL);
        CHECK(r == VG_ERR_FORMAT || r == VG_ERR_LIMIT || r == VG_ERR_NOT_FOUND ||
              r == VG_ERR_NOMEM);
        return 0;
    }
    CHECK(net && meta);
    gen_net_config cfg;
    CHECK(gen_model_config(meta, &cfg) == VG_OK);
    const gen_net_config *c = gen_net_get_config(net);
    CHECK(c->kind == cfg.kind && c->width == cfg.width);

    /* save and load again: same architecture, same weights */
    unsigned char *img = NULL;
    size_t n = 0;
    CHECK(gen_model_serialize(net, NULL, &img, &n) == VG_OK);
    gen_net *again = NULL;
    r = gen_model_load(ref, NULL, img, n, "re-saved model", 0, &again, NULL);
    if (r != VG_OK) {
        fprintf(stderr, "fuzz_model: a model saved by gen_model_serialize does not load\n");
        abort();
    }
    const gen_net_config *d = gen_net_get_config(again);
    CHECK(d->kind == c->kind && d->width == c->width && d->blocks == c->blocks &&
          d->pad == c->pad && d->up == c->up);
    CHECK(gen_net_weight_count(again) == gen_net_weight_count(net));
    float *wa = weights(net), *wb = weights(again);
    CHECK(!memcmp(wa, wb, gen_net_weight_count(net) * sizeof(float)));
    free(wa);
    free(wb);
    free(img);
    gen_net_destroy(&again);
    gen_net_destroy(&net);
    gen_st_destroy(&meta);
    return 0;
}
