/*
 * vt_backend.h - runs the same small program on two backends with the same random
 * inputs and compares every tensor afterwards (header only, for tests).
 *
 * A case names its tensors' shapes and a record function that appends ops; every tensor
 * is filled with random values in [lo, hi) first (so accumulate-mode outputs start from
 * the same garbage on both sides), then the program runs on both backends, then every
 * tensor is downloaded and compared with |a - b| <= atol + rtol * |ref|.
 */
#ifndef VT_BACKEND_H
#define VT_BACKEND_H

#include <string.h>

#include "common/vg_error.h"
#include "gen/gen_backend.h"
#include "tests/vt.h"

#define VT_MAX_T 8

typedef struct vt_case {
    const char *name;
    int nt;
    int shape[VT_MAX_T][4];
    float lo[VT_MAX_T], hi[VT_MAX_T]; /* init range per tensor; lo == hi == 0 means [-1, 1) */
    void (*record)(gen_prog *p, gen_tensor *t, const void *arg);
    const void *arg;
    double atol, rtol;
    int runs; /* replays before comparing (default 1) */
} vt_case;

/* Builds, runs and downloads the case on one backend into host[i] (malloc'd). */
static inline int vt_case_run(gen_backend *be, const vt_case *c, float **init, float **host)
{
    gen_arena a = {0};
    gen_tensor t[VT_MAX_T];
    gen_prog *p = NULL;
    int ret;
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        for (int i = 0; i < c->nt; i++)
            t[i] =
                gen_arena_take(&a, c->shape[i][0], c->shape[i][1], c->shape[i][2], c->shape[i][3]);
        if (pass == 0 && (ret = gen_buf_create(be, a.used, &a.buf)) < 0) return ret;
    }
    for (int i = 0; i < c->nt; i++)
        if ((ret = gen_tensor_upload(be, t[i], init[i])) < 0) goto done;
    if ((ret = gen_prog_create(be, &p)) < 0) goto done;
    c->record(p, t, c->arg);
    if ((ret = gen_prog_compile(p)) < 0) goto done;
    for (int r = 0; r < (c->runs > 0 ? c->runs : 1); r++)
        if ((ret = gen_prog_run(p)) < 0) goto done;
    for (int i = 0; i < c->nt; i++) {
        host[i] = malloc(gen_tensor_len(t[i]) * sizeof(float));
        if ((ret = gen_tensor_download(be, t[i], host[i])) < 0) goto done;
    }
done:
    gen_prog_destroy(&p);
    gen_buf_destroy(&a.buf);
    return ret;
}

/* Runs c on `test` and on `ref` and compares. Returns 1 when all tensors agree. */
static inline int vt_case_check(gen_backend *test, gen_backend *ref, const vt_case *c,
                                uint64_t seed)
{
    float *init[VT_MAX_T] = {0}, *a[VT_MAX_T] = {0}, *b[VT_MAX_T] = {0};
    vt_rng rng = {seed};
    int ok = 1;
    for (int i = 0; i < c->nt; i++) {
        size_t len = (size_t)c->shape[i][0] * c->shape[i][1] * c->shape[i][2] * c->shape[i][3];
        init[i] = malloc(len * sizeof(float));
        float lo = c->lo[i], hi = c->hi[i];
        if (lo == 0 && hi == 0) lo = -1, hi = 1;
        vt_fill_uniform(&rng, init[i], len, lo, hi);
    }
    if (vt_case_run(test, c, init, a) < 0 || vt_case_run(ref, c, init, b) < 0) {
        fprintf(stderr, "FAIL %s: could not run\n", c->name);
        vt_failures++;
        ok = 0;
    } else {
        for (int i = 0; i < c->nt; i++) {
            char what[160];
            size_t len = (size_t)c->shape[i][0] * c->shape[i][1] * c->shape[i][2] * c->shape[i][3];
            snprintf(what, sizeof(what), "%s tensor %d", c->name, i);
            ok &= vt_compare(what, a[i], b[i], len, c->atol, c->rtol);
        }
    }
    for (int i = 0; i < c->nt; i++) {
        free(init[i]);
        free(a[i]);
        free(b[i]);
    }
    return ok;
}

/* Creates the Vulkan backend for a test, or returns VT_SKIP with a reason when this
 * machine has no Vulkan device at all. With VRGEN_TEST_BACKEND=cpu in the environment it
 * creates the native CPU backend instead, so the same tests hold it to the same checks
 * (tests/CMakeLists.txt adds the *_cpu runs). */
static inline int vt_vulkan_backend(gen_backend **be)
{
    const char *tb = getenv("VRGEN_TEST_BACKEND");
    if (tb && strcmp(tb, "cpu") == 0) {
        gen_backend_config cc = {.kind = GEN_BACKEND_CPU};
        int ret = gen_backend_create(&cc, be);
        if (ret == VG_OK) printf("backend under test: %s\n", gen_backend_name(*be));
        return ret;
    }
    gen_backend_config cfg = {.kind = GEN_BACKEND_VULKAN, .validation = 1};
    cfg.device = getenv("VRGEN_DEVICE");
    int ret = gen_backend_create(&cfg, be);
    if (ret == VG_ERR_NO_DEVICE) {
        printf("SKIP: no Vulkan device on this machine (install mesa-vulkan-drivers)\n");
        return VT_SKIP;
    }
    return ret;
}

/* Fails the test when the validation layer said anything. */
static inline void vt_check_validation(gen_backend *be)
{
    gen_backend_stats st;
    gen_backend_get_stats(be, &st);
    VT_CHECK(st.validation_msgs == 0, "%llu Vulkan validation message(s)",
             (unsigned long long)st.validation_msgs);
}

#endif /* VT_BACKEND_H */
