#version 450
// fill.comp - y[i] = value.  y: len floats.
#include "common/base.glsl"
layout(std430, binding = 0) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint len; float value; } p;
void main()
{
    for (uint i = grid_first(); i < p.len; i += grid_stride()) y[i] = p.value;
}
