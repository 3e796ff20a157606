/*
 * test_net_torch.c - whole networks against PyTorch: the generator (two configurations)
 * and the patch discriminator of docs/networks.md, on the reference backend and on
 * Vulkan, compared with tests/data/net_torch.safetensors (written by
 * scripts/make-fixtures.py, computed in float64): forward output, loss, every parameter
 * gradient, the input gradient, then three Adam(W) steps (losses and final parameters).
 *
 * Tolerances: our float32 sums run in another order, so each tensor is compared with
 * atol = 2e-4 * max|ref| (its own scale) and rtol 2e-3; parameter gradients use the
 * largest gradient of the whole network as scale, because some are pure rounding noise
 * (res*.norm_b.bias: the next instance norm removes any per-channel constant, so their
 * true gradient is 0), and those noise parameters are skipped after the Adam steps,
 * which scale noise up to a full learning-rate step.
 */
#include <string.h>

#include "gen/gen_net.h"
#include "gen/gen_safetensors.h"
#include "tests/vt_backend.h"

typedef struct case_cfg {
    const char *prefix; /* "G", "G2", "D" */
    gen_net_config net;
    int steps;    /* optimizer steps checked (0: none) */
    float lr, wd; /* AdamW when decoupled */
    int decoupled;
} case_cfg;

static float *fixture(const gen_st_file *f, const char *prefix, const char *what, size_t *len)
{
    char name[128];
    snprintf(name, sizeof(name), "%s.%s", prefix, what);
    const gen_st_tensor *t = gen_st_find(f, name);
    if (!t || t->dtype != GEN_ST_F32) {
        fprintf(stderr, "FAIL fixture tensor %s missing\n", name);
        vt_failures++;
        return NULL;
    }
    float *d = malloc(t->nbytes ? t->nbytes : 1);
    memcpy(d, t->data, t->nbytes);
    if (len) *len = t->nelem;
    return d;
}

static float max_abs(const float *x, size_t n)
{
    float m = 0;
    for (size_t i = 0; i < n; i++) m = fabsf(x[i]) > m ? fabsf(x[i]) : m;
    return m;
}

static void compare(const char *what, const float *got, const float *ref, size_t n, float scale)
{
    vt_compare(what, got, ref, n, 2e-4 * scale + 1e-7, 2e-3);
}

static int is_noise_param(const char *name)
{
    return strncmp(name, "res", 3) == 0 && strstr(name, "norm_b.bias") != NULL;
}

/* Records the case's loss; parts[] receives each unweighted term; doutput is written. */
static void record_loss(gen_prog *p, const case_cfg *c, gen_graph *g, gen_tensor y,
                        gen_tensor parts, gen_tensor gram_out, gen_tensor gram_y, gen_tensor dgram)
{
    gen_tensor out = gen_graph_output(g), dout = gen_graph_doutput(g);
    gen_tensor part[4];
    for (int i = 0; i < 4; i++)
        part[i] = (gen_tensor){parts.buf, parts.off + (size_t)i * 64, 1, 1, 1, 1};
    if (strcmp(c->prefix, "G") == 0) {
        /* L = l1 + mse + 0.5 tv + 10 mse(gram(out), gram(y)) */
        gen_l1_forward(p, part[0], out, y);
        gen_mse_forward(p, part[1], out, y);
        gen_tv_forward(p, part[2], out);
        gen_gram_forward(p, gram_out, out);
        gen_gram_forward(p, gram_y, y);
        gen_mse_forward(p, part[3], gram_out, gram_y);
        gen_l1_backward(p, dout, out, y, 1.0f, 0);
        gen_mse_backward(p, dout, out, y, 1.0f, 1);
        gen_tv_backward(p, dout, out, 0.5f, 1);
        gen_mse_backward(p, dgram, gram_out, gram_y, 10.0f, 0);
        gen_gram_backward(p, dout, dgram, out, 1);
    } else if (strcmp(c->prefix, "G2") == 0) {
        gen_mse_forward(p, part[0], out, y);
        gen_mse_backward(p, dout, out, y, 1.0f, 0);
    } else {
        /* L = lsgan(out, 1) + hinge_real(out) */
        gen_lsgan_forward(p, part[0], out, 1.0f);
        gen_hinge_forward(p, GEN_HINGE_REAL, part[1], out);
        gen_lsgan_backward(p, dout, out, 1.0f, 1.0f, 0);
        gen_hinge_backward(p, GEN_HINGE_REAL, dout, out, 1.0f, 1);
    }
}

static double total_loss(const case_cfg *c, const float *parts)
{
    if (strcmp(c->prefix, "G") == 0) return parts[0] + parts[1] + 0.5 * parts[2] + 10.0 * parts[3];
    if (strcmp(c->prefix, "G2") == 0) return parts[0];
    return parts[0] + parts[1];
}

static void run_case(gen_backend *be, const gen_st_file *f, const case_cfg *c)
{
    char what[160];
    const char *bn = gen_backend_name(be);
    gen_net *net = NULL;
    gen_graph *g = NULL;
    gen_prog *p = NULL;
    gen_buf *aux = NULL;
    size_t xlen, ylen = 0;
    float *x = fixture(f, c->prefix, "x", &xlen);
    float *y = strcmp(c->prefix, "D") ? fixture(f, c->prefix, "y", &ylen) : NULL;
    const gen_st_tensor *xt = gen_st_find(f, strcmp(c->prefix, "G") == 0    ? "G.x"
                                             : strcmp(c->prefix, "G2") == 0 ? "G2.x"
                                                                            : "D.x");
    if (!x || !xt) goto done;
    int n = (int)xt->shape[0], h = (int)xt->shape[2], w = (int)xt->shape[3];

    VT_CHECK(gen_net_create(be, &c->net, 1, &net) == VG_OK, "net");
    VT_CHECK(gen_graph_create(net, n, h, w, GEN_GRAPH_TRAIN, &g) == VG_OK, "graph");
    if (!net || !g) goto done;
    /* parameters from the fixture; moments zero */
    gen_net_init(net, 0);
    for (int i = 0; i < gen_net_param_count(net); i++) {
        char pname[96];
        snprintf(pname, sizeof(pname), "param.%s", gen_net_param(net, i)->name);
        float *v = fixture(f, c->prefix, pname, NULL);
        if (v) gen_net_param_upload(net, i, v);
        free(v);
    }
    /* aux buffer: target, loss parts, gram scratch, adam hyper */
    gen_arena a = {0};
    gen_tensor yt, parts, gram_out, gram_y, dgram, hyper;
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        yt = gen_arena_take(&a, n, 3, h, w);
        parts = gen_arena_take(&a, 1, 1, 1, 4 * 64);
        gram_out = gen_arena_take(&a, 1, n, 3, 3);
        gram_y = gen_arena_take(&a, 1, n, 3, 3);
        dgram = gen_arena_take(&a, 1, n, 3, 3);
        hyper = gen_arena_take(&a, 1, 1, 1, GEN_ADAM_HYPER_LEN);
        if (pass == 0) gen_buf_create(be, a.used, &a.buf);
        yt.buf = parts.buf = gram_out.buf = gram_y.buf = dgram.buf = hyper.buf = a.buf;
    }
    aux = a.buf;
    gen_tensor_upload(be, gen_graph_input(g), x);
    if (y) gen_tensor_upload(be, yt, y);

    gen_prog_create(be, &p);
    gen_fill(p, gen_net_grads_flat(net), 0.0f);
    gen_graph_forward(g, p);
    record_loss(p, c, g, yt, parts, gram_out, gram_y, dgram);
    gen_graph_backward(g, p, GEN_BWD_DINPUT);
    if (c->steps)
        gen_adam_update(p, gen_net_params_flat(net), gen_net_grads_flat(net), gen_net_m_flat(net),
                        gen_net_v_flat(net), hyper);
    VT_CHECK(gen_prog_compile(p) == VG_OK, "compile");

    float *step_loss = c->steps ? fixture(f, c->prefix, "step_loss", NULL) : NULL;
    int steps = c->steps ? c->steps : 1;
    for (int t = 1; t <= steps; t++) {
        float hv[GEN_ADAM_HYPER_LEN] = {0};
        hv[GEN_ADAM_LR] = c->lr;
        hv[GEN_ADAM_B1] = 0.5f;
        hv[GEN_ADAM_B2] = 0.999f;
        hv[GEN_ADAM_EPS] = 1e-8f;
        hv[GEN_ADAM_WD] = c->wd;
        hv[GEN_ADAM_BC1] = (float)(1.0 - pow(0.5, t));
        hv[GEN_ADAM_BC2] = (float)(1.0 - pow(0.999, t));
        hv[GEN_ADAM_DECOUPLED] = (float)c->decoupled;
        gen_tensor_upload(be, hyper, hv);
        VT_CHECK(gen_prog_run(p) == VG_OK, "run");
        float pv[4 * 64];
        gen_tensor_download(be, parts, pv);
        float partv[4] = {pv[0], pv[64], pv[128], pv[192]};
        double loss = total_loss(c, partv);
        if (t == 1) {
            float *ref_loss = fixture(f, c->prefix, "loss", NULL);
            float got = (float)loss;
            snprintf(what, sizeof(what), "%s %s loss", bn, c->prefix);
            if (ref_loss) compare(what, &got, ref_loss, 1, fabsf(ref_loss[0]));
            free(ref_loss);
            /* output, input gradient and parameter gradients of the first step */
            gen_tensor out = gen_graph_output(g);
            size_t olen = gen_tensor_len(out);
            float *got_out = malloc(olen * sizeof(float)),
                  *ref_out = fixture(f, c->prefix, "out", NULL);
            gen_tensor_download(be, out, got_out);
            snprintf(what, sizeof(what), "%s %s out", bn, c->prefix);
            if (ref_out) compare(what, got_out, ref_out, olen, max_abs(ref_out, olen));
            free(got_out);
            free(ref_out);
            float *got_dx = malloc(xlen * sizeof(float)),
                  *ref_dx = fixture(f, c->prefix, "dx", NULL);
            gen_tensor_download(be, gen_graph_dinput(g), got_dx);
            snprintf(what, sizeof(what), "%s %s dx", bn, c->prefix);
            if (ref_dx) compare(what, got_dx, ref_dx, xlen, max_abs(ref_dx, xlen));
            free(got_dx);
            free(ref_dx);
            float gscale = 0;
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < gen_net_param_count(net); i++) {
                    const gen_param *pp = gen_net_param(net, i);
                    char pname[96];
                    snprintf(pname, sizeof(pname), "grad.%s", pp->name);
                    size_t len;
                    float *ref = fixture(f, c->prefix, pname, &len);
                    if (!ref) continue;
                    if (pass == 0) {
                        float m = max_abs(ref, len);
                        gscale = m > gscale ? m : gscale;
                    } else {
                        float *got = malloc(len * sizeof(float));
                        gen_tensor_download(be, pp->g, got);
                        snprintf(what, sizeof(what), "%s %s %s", bn, c->prefix, pname);
                        compare(what, got, ref, len, gscale);
                        free(got);
                    }
                    free(ref);
                }
        }
        if (step_loss) {
            float got = (float)loss;
            snprintf(what, sizeof(what), "%s %s step %d loss", bn, c->prefix, t);
            compare(what, &got, &step_loss[t - 1], 1, fabsf(step_loss[t - 1]));
        }
    }
    free(step_loss);
    for (int i = 0; c->steps && i < gen_net_param_count(net); i++) {
        const gen_param *pp = gen_net_param(net, i);
        if (is_noise_param(pp->name)) continue;
        char pname[96];
        snprintf(pname, sizeof(pname), "param_after.%s", pp->name);
        size_t len;
        float *ref = fixture(f, c->prefix, pname, &len);
        if (!ref) continue;
        float *got = malloc(len * sizeof(float));
        gen_net_param_download(net, i, got);
        snprintf(what, sizeof(what), "%s %s %s", bn, c->prefix, pname);
        compare(what, got, ref, len, max_abs(ref, len));
        free(got);
        free(ref);
    }
done:
    gen_prog_destroy(&p);
    gen_buf_destroy(&aux);
    gen_graph_destroy(&g);
    gen_net_destroy(&net);
    free(x);
    free(y);
}

int main(void)
{
    char path[512];
    const char *dir = getenv("VRGEN_TEST_DATA");
    snprintf(path, sizeof(path), "%s/net_torch.safetensors", dir ? dir : "tests/data");
    gen_st_file *f = NULL;
    if (gen_st_load(path, &f) != VG_OK) {
        printf("SKIP: fixture %s not found (regenerate: /usr/bin/python3 scripts/make-fixtures.py "
               "tests/data)\n",
               path);
        return VT_SKIP;
    }
    case_cfg cases[3];
    memset(cases, 0, sizeof(cases));
    cases[0].prefix = "G";
    gen_net_config_default(&cases[0].net, GEN_NET_GENERATOR);
    cases[0].net.width = 4;
    cases[0].net.blocks = 2;
    cases[0].steps = 3;
    cases[0].lr = 1e-2f;
    cases[0].wd = 0.01f;
    cases[0].decoupled = 1;
    cases[1].prefix = "G2";
    gen_net_config_default(&cases[1].net, GEN_NET_GENERATOR);
    cases[1].net.width = 4;
    cases[1].net.blocks = 1;
    cases[1].net.pad = GEN_PAD_CIRCULAR_X;
    cases[1].net.up = GEN_UPSAMPLE_BILINEAR;
    cases[2].prefix = "D";
    gen_net_config_default(&cases[2].net, GEN_NET_DISCRIMINATOR);
    cases[2].net.width = 4;
    cases[2].steps = 3;
    cases[2].lr = 2e-3f;
    cases[2].wd = 1e-3f;
    cases[2].decoupled = 0;

    gen_backend *ref = NULL, *vk = NULL;
    gen_backend_config rc = {.kind = GEN_BACKEND_REF};
    gen_backend_create(&rc, &ref);
    for (int i = 0; i < 3; i++) run_case(ref, f, &cases[i]);
    int ret = vt_vulkan_backend(&vk);
    if (ret == VG_OK) {
        for (int i = 0; i < 3; i++) run_case(vk, f, &cases[i]);
        vt_check_validation(vk);
    } else if (ret != VT_SKIP) {
        VT_CHECK(0, "vulkan backend: %s", vg_strerror(ret));
    }
    gen_backend_destroy(&vk);
    gen_backend_destroy(&ref);
    gen_st_destroy(&f);
    return vt_result("test_net_torch");
}
