#version 450
// concat.comp - one half of a channel concat as a strided copy over the batch:
// dst[r * dst_stride + dst_off + i] (= or +=) src[r * src_stride + src_off + i] for
// i < len, r < rows (work group y). Forward copies a (n, ca, hw) and b (n, cb, hw) into
// out (n, ca + cb, hw) with two dispatches; backward copies the slices of dout back.
#include "common/base.glsl"
layout(constant_id = 3) const int ACC = 0; // 0 overwrites dst (never reads it), 1 adds
layout(std430, binding = 0) buffer D { float dst[]; };
layout(std430, binding = 1) readonly buffer S { float src[]; };
layout(push_constant) uniform P { uint len, dst_stride, dst_off, src_stride, src_off; } p;
float item_value(uint i)
{
    uint r = gl_WorkGroupID.y;
    float v = src[r * p.src_stride + p.src_off + i];
    return ACC != 0 ? dst[r * p.dst_stride + p.dst_off + i] + v : v;
}

void item_store(uint i, float v)
{
    dst[gl_WorkGroupID.y * p.dst_stride + p.dst_off + i] = v;
}

#include "common/ew.glsl"

void main()
{
    ew_loop(p.len);
}
