/*
 * gen_ref_backend.c - the plain-C reference backend: buffers in host memory, programs run
 * node by node through gen_ref_exec_node(). Single-threaded and slow on purpose; it is
 * the yardstick for the other backends, not a product path.
 */
#include "gen/gen_backend_priv.h"

#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"

typedef struct ref_buf {
    gen_buf base;
    float *data;
} ref_buf;

static float *ref_ptr(gen_tensor t)
{
    return ((ref_buf *)t.buf)->data + t.off;
}

static void ref_destroy(gen_backend *be)
{
    free(be);
}

static int ref_buf_create(gen_backend *be, size_t nfloats, gen_buf **out)
{
    ref_buf *b = calloc(1, sizeof(*b));
    if (!b) return VG_ERR_NOMEM;
    b->data = malloc(nfloats * sizeof(float));
    if (!b->data) {
        free(b);
        return VG_ERR_NOMEM;
    }
    b->base.be = be;
    b->base.len = nfloats;
    be->stats.buffers++;
    *out = &b->base;
    return VG_OK;
}

static void ref_buf_destroy(gen_buf *gb)
{
    ref_buf *b = (ref_buf *)gb;
    free(b->data);
    free(b);
}

static int ref_upload(gen_backend *be, gen_tensor t, const float *src)
{
    memcpy(ref_ptr(t), src, gen_tensor_len(t) * sizeof(float));
    return VG_OK;
}

static int ref_download(gen_backend *be, gen_tensor t, float *dst)
{
    memcpy(dst, ref_ptr(t), gen_tensor_len(t) * sizeof(float));
    return VG_OK;
}

static int ref_compile(gen_prog *p)
{
    return VG_OK;
}

static int ref_submit(gen_prog *p)
{
    for (int i = 0; i < p->count; i++) gen_ref_exec_node(&p->nodes[i], ref_ptr);
    p->be->stats.submits++;
    return VG_OK;
}

static int ref_wait(gen_prog *p)
{
    return VG_OK;
}

static void ref_release(gen_prog *p) {}

static const gen_backend_vtbl ref_vtbl = {
    .destroy = ref_destroy,
    .buf_create = ref_buf_create,
    .buf_destroy = ref_buf_destroy,
    .upload = ref_upload,
    .download = ref_download,
    .host = ref_ptr,
    .prog_compile = ref_compile,
    .prog_submit = ref_submit,
    .prog_wait = ref_wait,
    .prog_release = ref_release,
};

int gen_ref_backend_create(const gen_backend_config *cfg, gen_backend **out)
{
    gen_backend *be = calloc(1, sizeof(*be));
    if (!be) return VG_ERR_NOMEM;
    be->vt = &ref_vtbl;
    be->kind = GEN_BACKEND_REF;
    strcpy(be->name, "ref (plain C reference)");
    *out = be;
    return VG_OK;
}
