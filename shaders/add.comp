#version 450
// add.comp - out = a + b, all len floats (out may alias a or b).
#include "common/base.glsl"
layout(std430, binding = 0) writeonly buffer O { float y[]; };
layout(std430, binding = 1) readonly buffer A { float a[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
layout(push_constant) uniform P { uint len; } p;
float item_value(uint i)
{
    return a[i] + b[i];
}

void item_store(uint i, float v)
{
    y[i] = v;
}

#include "common/ew.glsl"

void main()
{
    ew_loop(p.len);
}
