#version 450
// adam.comp - one Adam / AdamW step (gen_ops.h) over len parameters: p, g, m, v (len),
// hyper (GEN_ADAM_HYPER_LEN floats) read from its binding on every run, because the host
// rewrites lr and the bias corrections between replays. Updates p, m, v in place.
#include "common/base.glsl"
layout(push_constant) uniform P { uint len; } pc;
layout(std430, binding = 0) buffer Prm { float prm[]; };
layout(std430, binding = 1) readonly buffer Grd { float grd[]; };
layout(std430, binding = 2) buffer M { float m[]; };
layout(std430, binding = 3) buffer V { float v[]; };
layout(std430, binding = 4) readonly buffer H { float hyper[]; };
void main()
{
    float lr = hyper[0], b1 = hyper[1], b2 = hyper[2], eps = hyper[3], wd = hyper[4];
    float bc1 = hyper[5], bc2 = hyper[6];
    bool decoupled = hyper[7] != 0.0;
    for (uint i = grid_first(); i < pc.len; i += grid_stride()) {
        float pi = prm[i], gi = grd[i];
        if (decoupled)
            pi -= lr * wd * pi;
        else
            gi += wd * pi;
        float mi = b1 * m[i] + (1.0 - b1) * gi;
        float vi = b2 * v[i] + (1.0 - b2) * gi * gi;
        pi -= lr * (mi / bc1) / (sqrt(vi / bc2) + eps);
        m[i] = mi;
        v[i] = vi;
        prm[i] = pi;
    }
}
