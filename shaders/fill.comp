#version 450
// fill.comp - y[i] = value.  y: len floats.
#include "common/base.glsl"
layout(push_constant) uniform P { uint len; float value; } p;
#ifdef TEXEL
// -DTEXEL (len % 4 == 0): RGBA texel stores, no storage-buffer range limit (a whole frame)
layout(binding = 0, rgba32f) uniform writeonly imageBuffer yimg;
void main()
{
    for (uint t = grid_first(); t < p.len / 4u; t += grid_stride()) imageStore(yimg, int(t), vec4(p.value));
}
#else
layout(std430, binding = 0) writeonly buffer Y { float y[]; };
void main()
{
    for (uint i = grid_first(); i < p.len; i += grid_stride()) y[i] = p.value;
}
#endif
