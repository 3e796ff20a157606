/*
 * test_vk_conv.c - the Vulkan conv2d kernels against the C reference, forward and
 * backward, for every padding mode, kernel sizes 1..9, strides 1 and 2 (3x3 stride 2 on
 * texel-aligned rows both ways: unpadded and, with VRGEN_CONV_PAD=1, padded), and awkward
 * shapes (1x1, 3x5, 37x29, channel counts not a multiple of 4).
 * Tolerance: atol 1e-4 + rtol 1e-4 (fp32 sums of up to 9*9*64 products in another order).
 */
#include "tests/vt_backend.h"

typedef struct conv_arg {
    gen_conv2d_desc d;
    int bwd;
    int acc;
} conv_arg;

static void rec_conv(gen_prog *p, gen_tensor *t, const void *arg)
{
    const conv_arg *a = arg;
    if (!a->bwd)
        gen_conv2d_forward(p, &a->d, t[0], t[1], t[2], t[3]);
    else /* din, dw, db, dout, in, w */
        gen_conv2d_backward(p, &a->d, t[0], t[1], t[2], t[3], t[4], t[5], a->acc);
}

static void conv_case(gen_backend *vk, gen_backend *ref, int n, int ic, int ih, int iw, int oc,
                      int k, int s, gen_pad_mode mode, int bias, int bwd, uint64_t seed)
{
    conv_arg a = {.d = {n, ic, ih, iw, oc, k, s, k / 2, mode, bias}, .bwd = bwd, .acc = seed & 1};
    int oh = gen_conv2d_oh(&a.d), ow = gen_conv2d_ow(&a.d);
    vt_case c = {.record = rec_conv, .arg = &a, .atol = 1e-4, .rtol = 1e-4};
    char name[128];
    snprintf(name, sizeof(name), "conv2d %s n%d ic%d %dx%d oc%d k%d s%d pad%d bias%d",
             bwd ? "bwd" : "fwd", n, ic, ih, iw, oc, k, s, (int)mode, bias);
    c.name = name;
    int in[4] = {n, ic, ih, iw}, out[4] = {n, oc, oh, ow}, w[4] = {oc, ic, k, k},
        b[4] = {1, oc, 1, 1};
    if (!bwd) {
        c.nt = 4;
        memcpy(c.shape[0], out, sizeof(out));
        memcpy(c.shape[1], in, sizeof(in));
        memcpy(c.shape[2], w, sizeof(w));
        memcpy(c.shape[3], b, sizeof(b));
    } else {
        c.nt = 6;
        memcpy(c.shape[0], in, sizeof(in));
        memcpy(c.shape[1], w, sizeof(w));
        memcpy(c.shape[2], b, sizeof(b));
        memcpy(c.shape[3], out, sizeof(out));
        memcpy(c.shape[4], in, sizeof(in));
        memcpy(c.shape[5], w, sizeof(w));
    }
    vt_case_check(vk, ref, &c, seed);
}

/* Forward with up2: the input stored at half size, read through nearest 2x upsampling. */
static void conv_up_case(gen_backend *vk, gen_backend *ref, int n, int ic, int ih, int iw, int oc,
                         int k, gen_pad_mode mode, int bias, uint64_t seed)
{
    conv_arg a = {.d = {n, ic, ih, iw, oc, k, 1, k / 2, mode, bias, 1}};
    vt_case c = {.record = rec_conv, .arg = &a, .atol = 1e-4, .rtol = 1e-4, .nt = 4};
    char name[128];
    snprintf(name, sizeof(name), "conv2d up2 n%d ic%d %dx%d oc%d k%d pad%d bias%d", n, ic, ih, iw,
             oc, k, (int)mode, bias);
    c.name = name;
    int out[4] = {n, oc, ih, iw}, in[4] = {n, ic, ih / 2, iw / 2}, w[4] = {oc, ic, k, k},
        b[4] = {1, oc, 1, 1};
    memcpy(c.shape[0], out, sizeof(out));
    memcpy(c.shape[1], in, sizeof(in));
    memcpy(c.shape[2], w, sizeof(w));
    memcpy(c.shape[3], b, sizeof(b));
    vt_case_check(vk, ref, &c, seed);
}

int main(void)
{
    gen_backend *vk = NULL, *ref = NULL;
    int ret = vt_vulkan_backend(&vk);
    if (ret == VT_SKIP) return VT_SKIP;
    VT_CHECK(ret == VG_OK, "vulkan backend: %s", vg_strerror(ret));
    if (ret < 0) return 1;
    gen_backend_config rc = {.kind = GEN_BACKEND_REF};
    gen_backend_create(&rc, &ref);

    const int ks[] = {1, 2, 3, 4, 5, 7, 9};
    uint64_t seed = 1;
    int bwd_max = getenv("VT_CONV_FWD_ONLY") ? 0 : 1;
    for (int bwd = 0; bwd <= bwd_max; bwd++)
        for (int mode = 0; mode < GEN_PAD_COUNT; mode++)
            for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++)
                for (int s = 1; s <= 2; s++) {
                    int k = ks[ki];
                    conv_case(vk, ref, 2, 3, 11, 13, 5, k, s, mode, 1, bwd, seed++);
                    int bias = (int)(seed & 1);
                    conv_case(vk, ref, 1, 6, 37, 29, 7, k, s, mode, bias, bwd, seed++);
                }
    /* 3x3 stride 2 on rows of whole texels reads the input unpadded (conv2d_fwd_txd): the
     * padding of column -1 and of the rows above and below, in every mode; an odd height,
     * two images, more than one group of lanes (72 columns), 4 and 8 channels a block */
    /* up2 (the fused nearest upsampling of inference graphs), every mode, aligned rows and
     * not (the Vulkan pad takes its general path either way) */
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
        conv_up_case(vk, ref, 2, 5, 14, 36, 6, 3, mode, 1, seed++);
        conv_up_case(vk, ref, 1, 3, 6, 10, 3, 3, mode, 0, seed++);
        conv_up_case(vk, ref, 1, 4, 8, 8, 16, 9, mode, 1, seed++);
    }
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
        conv_case(vk, ref, 2, 5, 7, 72, 6, 3, 2, mode, 1, 0, seed++);
        conv_case(vk, ref, 1, 3, 6, 4, 3, 3, 2, mode, 0, 0, seed++);
        conv_case(vk, ref, 1, 9, 2, 8, 16, 3, 2, mode, 1, 0, seed++);
    }
    for (int bwd = 0; bwd <= bwd_max; bwd++) {
        conv_case(vk, ref, 1, 1, 1, 1, 1, 1, 1, GEN_PAD_ZERO, 1, bwd, seed++);
        conv_case(vk, ref, 1, 3, 1, 1, 2, 3, 1, GEN_PAD_REFLECT, 0, bwd, seed++);
        conv_case(vk, ref, 2, 5, 3, 5, 3, 3, 1, GEN_PAD_REPLICATE, 1, bwd, seed++);
        conv_case(vk, ref, 1, 16, 24, 32, 32, 3, 2, GEN_PAD_REFLECT, 0, bwd, seed++);
        conv_case(vk, ref, 1, 64, 12, 16, 64, 3, 1, GEN_PAD_REFLECT, 0, bwd, seed++);
        conv_case(vk, ref, 1, 3, 20, 24, 16, 9, 1, GEN_PAD_REFLECT, 0, bwd, seed++);
        conv_case(vk, ref, 1, 16, 20, 24, 3, 9, 1, GEN_PAD_CIRCULAR_X, 1, bwd, seed++);
        conv_case(vk, ref, 2, 33, 9, 7, 17, 3, 1, GEN_PAD_ZERO, 1, bwd, seed++);
    }
    vt_check_validation(vk);
    gen_backend_destroy(&vk);
    gen_backend_destroy(&ref);
    return vt_result("test_vk_conv");
}
