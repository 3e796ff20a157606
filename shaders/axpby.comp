#version 450
// axpby.comp - y = alpha * x + beta * y (beta == 0 never reads y, so y may hold NaN).
#include "common/base.glsl"
layout(std430, binding = 0) buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(push_constant) uniform P { uint len; float alpha; float beta; } p;
void main()
{
    for (uint i = grid_first(); i < p.len; i += grid_stride()) {
        float v = p.alpha * x[i];
        if (p.beta != 0.0) v += p.beta * y[i];
        y[i] = v;
    }
}
