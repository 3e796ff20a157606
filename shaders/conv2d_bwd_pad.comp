#version 450
// conv2d_bwd_pad.comp - one dispatch that copies x (nc, sh, sw) into texel rows
// xp (nc, dh, dw4 texels) with a top margin T and a left margin L:
//   xp[z][py][px] = x[z][map(py - T)][map(px - L)]   for px < vw,   0 for px >= vw
// where map is the padding map (gen_pad_index; zero mode reads 0 outside the image).
// Destination texels from `split` on take the source's texels `jump` further right, so a
// row can hold two separate column ranges. The backward uses it for dout framed by zeros
// (the data gradient: zero mode, margins chosen by vk_ops_conv.c) and for the padded input
// of the weight gradient (T = L = pad: the whole rows, or only the windows of the first
// and last steps of each row). Not the forward's pad pass (conv2d_pad.comp).
// One invocation writes one RGBA texel. Texels whose 4 source floats lie inside the image
// take two aligned RGBA fetches and a shift (ALIGNED: sw % 4 == 0; SHIFT = (-L) mod 4),
// the others 4 mapped R32F fetches; only the work groups at the image border diverge.
#include "common/base.glsl"
layout(constant_id = 3) const int PADMODE = 0;
layout(constant_id = 4) const int ALIGNED = 0;
layout(constant_id = 5) const int SHIFT = 0;
layout(binding = 0, rgba32f) uniform writeonly imageBuffer xp;
layout(binding = 1) uniform textureBuffer x;  // R32F view of x
layout(binding = 2) uniform textureBuffer x4; // RGBA view of x (used when ALIGNED)
layout(push_constant) uniform PC { int nc, sh, sw, dh, dw4, t, l, vw, split, jump; } p;
void main()
{
    int td = int(gl_GlobalInvocationID.x), py = int(gl_GlobalInvocationID.y);
    int z = int(gl_GlobalInvocationID.z);
    if (td >= p.dw4 || py >= p.dh || z >= p.nc) return;
    int t = td < p.split ? td : td + p.jump; // the padded texel
    int y = py - p.t, x0 = t * 4 - p.l;
    vec4 v;
    if (ALIGNED != 0 && y >= 0 && y < p.sh && x0 >= 0 && x0 + 3 < p.sw && t * 4 + 3 < p.vw) {
        int s0 = (z * p.sh + y) * p.sw + x0; // first source float
        int q = (s0 - SHIFT) / 4;            // s0 - SHIFT is a multiple of 4 (sw % 4 == 0)
        vec4 a = texelFetch(x4, q);
        vec4 b = SHIFT == 0 ? a : texelFetch(x4, q + 1); // stays inside x's last texel
        v = SHIFT == 0 ? a
          : SHIFT == 1 ? vec4(a.yzw, b.x)
          : SHIFT == 2 ? vec4(a.zw, b.xy)
                       : vec4(a.w, b.xyz);
    } else {
        int sy = pad_index(y, p.sh, PADMODE, false);
        int row = (z * p.sh + max(sy, 0)) * p.sw;
        [[unroll]] for (int j = 0; j < 4; j++) {
            int sx = pad_index(x0 + j, p.sw, PADMODE, true);
            bool inside = sy >= 0 && sx >= 0 && t * 4 + j < p.vw;
            float f = texelFetch(x, row + max(sx, 0)).r; // always fetch: no divergent call
            v[j] = inside ? f : 0.0;
        }
    }
    imageStore(xp, (z * p.dh + py) * p.dw4 + td, v);
}
