/*
 * ref_exec.c - runs one recorded node on host memory with the reference functions.
 * Used by the reference backend; a node's tensor order is listed in gen_backend_priv.h.
 */
#include "gen/gen_backend_priv.h"
#include "gen/ref/gen_ref.h"
#include "gen/ref/gen_ref_colour.h"

#include "common/vg_assert.h"

void gen_ref_exec_node(const gen_node *nd, gen_host_ptr_fn base)
{
    const gen_tensor *t = nd->t;
    float *P[GEN_NODE_MAX_T] = {0};
    for (int i = 0; i < nd->nt; i++) P[i] = t[i].buf ? base(t[i]) : NULL;

    switch (nd->op) {
    case GEN_OP_CONV2D_FWD:
        gen_ref_conv2d_forward(&nd->conv, P[0], P[1], P[2], P[3]);
        break;
    case GEN_OP_CONV2D_BWD:
        gen_ref_conv2d_backward(&nd->conv, P[0], P[1], P[2], P[3], P[4], P[5], nd->acc);
        break;
    case GEN_OP_UPSAMPLE_FWD:
        gen_ref_upsample2x_forward(nd->mode, t[1].n, t[1].c, t[1].h, t[1].w, P[0], P[1]);
        break;
    case GEN_OP_UPSAMPLE_BWD:
        gen_ref_upsample2x_backward(nd->mode, t[0].n, t[0].c, t[0].h, t[0].w, P[0], P[1], nd->acc);
        break;
    case GEN_OP_INSTNORM_FWD:
        gen_ref_instnorm_forward(t[2].n, t[2].c, t[2].h * t[2].w, P[0], P[1], P[2], P[3], P[4]);
        break;
    case GEN_OP_INSTNORM_BWD:
        gen_ref_instnorm_backward(t[4].n, t[4].c, t[4].h * t[4].w, P[0], P[1], P[2], P[3], P[4],
                                  P[5], P[6], nd->acc);
        break;
    case GEN_OP_INSTNORM_APPLY:
        gen_ref_instnorm_apply(t[2].n, t[2].c, t[2].h * t[2].w, P[0], P[1], P[2], P[3], P[4]);
        break;
    case GEN_OP_MOMENTS_ACC:
        gen_ref_moments_accumulate(t[1].n, t[1].c, t[1].h, t[1].w, P[0], P[1], P[2], nd->rect[0],
                                   nd->rect[1], nd->rect[2], nd->rect[3]);
        break;
    case GEN_OP_WINDOW:
        gen_ref_window(t[1].n, t[1].c, t[1].h, t[1].w, t[0].h, t[0].w, P[0], P[1], nd->rect[0],
                       nd->rect[1], nd->k, nd->mode);
        break;
    case GEN_OP_TILE_BLEND:
        gen_ref_tile_blend(t[0].n, t[0].c, t[0].h, t[0].w, t[1].h, t[1].w, P[0], P[1], &nd->blend);
        break;
    case GEN_OP_TEMPORAL_HOLD:
        gen_ref_temporal_hold(t[0].n, t[0].h * t[0].w, P[0], P[1], P[2], P[3], nd->value,
                              nd->alpha);
        break;
    case GEN_OP_ACT_FWD:
        gen_ref_act_forward(nd->mode, nd->alpha, gen_tensor_len(t[0]), P[0], P[1]);
        break;
    case GEN_OP_ACT_BWD:
        gen_ref_act_backward(nd->mode, nd->alpha, gen_tensor_len(t[0]), P[0], P[1], P[2], P[3],
                             nd->acc);
        break;
    case GEN_OP_ADD:
        gen_ref_add(gen_tensor_len(t[0]), P[0], P[1], P[2]);
        break;
    case GEN_OP_AXPBY:
        gen_ref_axpby(gen_tensor_len(t[0]), P[0], nd->alpha, P[1], nd->beta);
        break;
    case GEN_OP_FILL:
        gen_ref_fill(gen_tensor_len(t[0]), P[0], nd->value);
        break;
    case GEN_OP_CONCAT_FWD:
        gen_ref_concat_forward(t[1].n, t[1].c, t[2].c, t[1].h * t[1].w, P[0], P[1], P[2]);
        break;
    case GEN_OP_CONCAT_BWD:
        gen_ref_concat_backward(t[0].n, t[0].c, t[1].c, t[0].h * t[0].w, P[0], P[1], P[2], nd->acc);
        break;
    case GEN_OP_AVGPOOL_FWD:
        gen_ref_avgpool_forward(t[1].n, t[1].c, t[1].h, t[1].w, nd->k, nd->s, P[0], P[1]);
        break;
    case GEN_OP_AVGPOOL_BWD:
        gen_ref_avgpool_backward(t[0].n, t[0].c, t[0].h, t[0].w, nd->k, nd->s, P[0], P[1], nd->acc);
        break;
    case GEN_OP_L1_FWD:
        gen_ref_l1_forward(gen_tensor_len(t[1]), P[0], P[1], P[2]);
        break;
    case GEN_OP_L1_BWD:
        gen_ref_l1_backward(gen_tensor_len(t[1]), P[0], P[1], P[2], nd->scale, nd->acc);
        break;
    case GEN_OP_MSE_FWD:
        gen_ref_mse_forward(gen_tensor_len(t[1]), P[0], P[1], P[2]);
        break;
    case GEN_OP_MSE_BWD:
        gen_ref_mse_backward(gen_tensor_len(t[1]), P[0], P[1], P[2], nd->scale, nd->acc);
        break;
    case GEN_OP_LSGAN_FWD:
        gen_ref_lsgan_forward(gen_tensor_len(t[1]), P[0], P[1], nd->target);
        break;
    case GEN_OP_LSGAN_BWD:
        gen_ref_lsgan_backward(gen_tensor_len(t[1]), P[0], P[1], nd->target, nd->scale, nd->acc);
        break;
    case GEN_OP_HINGE_FWD:
        gen_ref_hinge_forward(nd->mode, gen_tensor_len(t[1]), P[0], P[1]);
        break;
    case GEN_OP_HINGE_BWD:
        gen_ref_hinge_backward(nd->mode, gen_tensor_len(t[1]), P[0], P[1], nd->scale, nd->acc);
        break;
    case GEN_OP_GRAM_FWD:
        gen_ref_gram_forward(t[1].n, t[1].c, t[1].h * t[1].w, P[0], P[1]);
        break;
    case GEN_OP_GRAM_BWD:
        gen_ref_gram_backward(t[2].n, t[2].c, t[2].h * t[2].w, P[0], P[1], P[2], nd->acc);
        break;
    case GEN_OP_TV_FWD:
        gen_ref_tv_forward(t[1].n, t[1].c, t[1].h, t[1].w, P[0], P[1]);
        break;
    case GEN_OP_TV_BWD:
        gen_ref_tv_backward(t[1].n, t[1].c, t[1].h, t[1].w, P[0], P[1], nd->scale, nd->acc);
        break;
    case GEN_OP_SUM:
        gen_ref_sum(gen_tensor_len(t[1]), P[0], P[1]);
        break;
    case GEN_OP_ADAM:
        gen_ref_adam_update(gen_tensor_len(t[0]), P[0], P[1], P[2], P[3], P[4]);
        break;
    case GEN_OP_FMA_PEAK: {
        size_t len = gen_tensor_len(t[0]);
        for (size_t i = 0; i < len; i++) {
            float x[GEN_FMA_PEAK_CHAINS], sum = 0.0f;
            for (int j = 0; j < GEN_FMA_PEAK_CHAINS; j++) x[j] = (float)(i + (size_t)j);
            for (int r = 0; r < nd->k; r++)
                for (int j = 0; j < GEN_FMA_PEAK_CHAINS; j++) x[j] = x[j] * 0.999f + 0.001f;
            for (int j = 0; j < GEN_FMA_PEAK_CHAINS; j++) sum += x[j];
            P[0][i] = sum;
        }
        break;
    }
    case GEN_OP_YUV_TO_RGB:
        gen_ref_yuv_to_rgb(&nd->yuv, nd->rotation, t[0].h, t[0].w, P[0], (const uint8_t *)P[1]);
        break;
    case GEN_OP_RGB_TO_YUV:
        gen_ref_rgb_to_yuv(&nd->yuv, nd->rotation, t[1].h, t[1].w, (uint8_t *)P[0], P[1]);
        break;
    case GEN_OP_VIEW_RENDER:
        gen_ref_view_render(nd->mode, t[0].h, t[0].w, (uint32_t *)P[0], t[1].h, t[1].w, P[1], P[2]);
        break;
    default:
        VG_ASSERT(!"unknown op");
    }
}
