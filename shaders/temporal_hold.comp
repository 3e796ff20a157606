#version 450
// temporal_hold.comp - holds the style still where the scene is still (gen_ops.h
// temporal_hold): per pixel of n images of 3 planes of hw, the change of x's luma l since
// the previous frame's pl gives the update rate a; the residual r moves a of the way toward
// y - x, y = x + r, pl = l. One invocation per pixel, grid-stride over n * hw.
#include "common/base.glsl"
layout(std430, binding = 0) buffer Y { float y[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) buffer PL { float pl[]; };
layout(std430, binding = 3) buffer R { float r[]; };
layout(push_constant) uniform P { uint hw; uint len; float still; float rate; } p;
void main()
{
    for (uint q = grid_first(); q < p.len; q += grid_stride()) {
        uint b = q / p.hw, i0 = b * 3u * p.hw + (q - b * p.hw);
        uint at[3] = uint[3](i0, i0 + p.hw, i0 + 2u * p.hw);
        float l = 0.299 * x[at[0]] + 0.587 * x[at[1]] + 0.114 * x[at[2]];
        float s = clamp((127.5 * abs(l - pl[q]) - p.still) / p.still, 0.0, 1.0);
        float a = p.rate + (1.0 - p.rate) * s * s * (3.0 - 2.0 * s);
        pl[q] = l;
        [[unroll]] for (int c = 0; c < 3; c++) {
            uint i = at[c];
            float xv = x[i], rv = r[i] + a * (y[i] - xv - r[i]);
            r[i] = rv;
            y[i] = xv + rv;
        }
    }
}
