#version 450
// loss_bwd.comp - elementwise loss gradients dx[i] (= or +=) k * dterm(i), len floats,
// k = scale / len (times 2 for the squared losses, folded in by the planner):
//   MODE_L1 sign(a - b) (sign 0 = 0), MODE_MSE (a - b), MODE_LSGAN (x - target),
//   MODE_HINGE (HMODE: -[x < 1], [x > -1], -1), MODE_TV sum over the 2..4 neighbours of
//   (x - neighbour) in x (np, h, w).
// ACC 0 overwrites dx and never reads it; 1 adds.
#include "common/base.glsl"
layout(constant_id = 3) const int ACC = 0;
layout(constant_id = 4) const int HMODE = 0; // gen_hinge_mode
layout(push_constant) uniform P { uint len, w, h; float k, target; } p;
layout(std430, binding = 0) buffer D { float dx[]; };
layout(std430, binding = 1) readonly buffer A { float a[]; };
#if defined(MODE_L1) || defined(MODE_MSE)
layout(std430, binding = 2) readonly buffer B { float b[]; };
#endif

float grad(uint i)
{
    float v = a[i];
#if defined(MODE_L1)
    float e = v - b[i];
    return e > 0.0 ? p.k : (e < 0.0 ? -p.k : 0.0);
#elif defined(MODE_MSE)
    return p.k * (v - b[i]);
#elif defined(MODE_LSGAN)
    return p.k * (v - p.target);
#elif defined(MODE_HINGE)
    if (HMODE == 0) return v < 1.0 ? -p.k : 0.0; // relu'(0) = 0
    if (HMODE == 1) return v > -1.0 ? p.k : 0.0;
    return -p.k;
#else // MODE_TV
    uint xx = i % p.w, yy = (i / p.w) % p.h;
    float g = 0.0;
    if (yy > 0u) g += v - a[i - p.w];
    if (yy + 1u < p.h) g += v - a[i + p.w];
    if (xx > 0u) g += v - a[i - 1u];
    if (xx + 1u < p.w) g += v - a[i + 1u];
    return p.k * g;
#endif
}

float item_value(uint i)
{
    float g = grad(i);
    return ACC != 0 ? dx[i] + g : g;
}

void item_store(uint i, float v)
{
    dx[i] = v;
}

#include "common/ew.glsl"

void main()
{
    ew_loop(p.len);
}
