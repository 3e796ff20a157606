#version 450
// fill.comp - y[i] = value for i < len.
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint len; float value; } p;
void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i < p.len) y[i] = p.value;
}
