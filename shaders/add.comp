#version 450
// add.comp - out = a + b, all len floats (out may alias a or b).
#include "common/base.glsl"
layout(push_constant) uniform P { uint len; } p;
#ifdef TEXEL
// -DTEXEL (len % 4 == 0): one RGBA texel per invocation through texel/image views
layout(binding = 0, rgba32f) uniform writeonly imageBuffer yimg;
layout(binding = 1) uniform textureBuffer at;
layout(binding = 2) uniform textureBuffer bt;
void main()
{
    for (uint t = grid_first(); t < p.len / 4u; t += grid_stride())
        imageStore(yimg, int(t), texelFetch(at, int(t)) + texelFetch(bt, int(t)));
}
#else
layout(std430, binding = 0) writeonly buffer O { float y[]; };
layout(std430, binding = 1) readonly buffer A { float a[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
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
#endif
