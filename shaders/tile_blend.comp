#version 450
// tile_blend.comp - out (np, H, W) += w * tile (np, th, tw), the feathered weights of
// gen_ops.h tile_blend. W, tw and ox are multiples of 4, so each RGBA texel of the tile
// lands on one texel of the frame (wrap included): one invocation per tile texel, grid
// (texel column, tile row, plane). out is read and written as an RGBA32F image (no two
// invocations share a texel: the planner asserts that a wrapped tile's weighted span is
// at most W wide), tile read as RGBA texels. Weights are exact binary fractions.
#include "common/base.glsl"
layout(push_constant) uniform P { int H, W, th, tw, ox, oy, x0, y0, x1, y1, band, wrap; } p;
layout(binding = 0, rgba32f) uniform imageBuffer yimg;
layout(binding = 1) uniform textureBuffer tt;

float ramp(int d)
{
    if (p.band == 0) return d >= 0 ? 1.0 : 0.0;
    return clamp((float(d) + 0.5) / float(p.band) + 0.5, 0.0, 1.0);
}

void main()
{
    int q = int(gl_GlobalInvocationID.x), ty = int(gl_GlobalInvocationID.y);
    uint pl = gl_GlobalInvocationID.z;
    int v = p.oy + ty, u0 = p.ox + 4 * q;
    if (q >= p.tw / 4 || ty >= p.th || v < 0 || v >= p.H) return;
    if (p.wrap == 0 && (u0 < 0 || u0 >= p.W)) return;
    float wy = (p.y0 == 0 ? 1.0 : ramp(v - p.y0)) * (p.y1 == p.H ? 1.0 : ramp(p.y1 - 1 - v));
    bool left = p.x0 == 0 && p.wrap == 0, right = p.x1 == p.W && p.wrap == 0;
    vec4 w;
    [[unroll]] for (int k = 0; k < 4; k++) {
        int u = u0 + k;
        w[k] = wy * (left ? 1.0 : ramp(u - p.x0)) * (right ? 1.0 : ramp(p.x1 - 1 - u));
    }
    if (all(equal(w, vec4(0.0)))) return;
    int x = p.wrap != 0 ? pad_wrap(u0, p.W) : u0;
    int o = int(pl) * p.H * (p.W / 4) + v * (p.W / 4) + x / 4;
    vec4 t = texelFetch(tt, int((pl * uint(p.th) + uint(ty)) * uint(p.tw / 4) + uint(q)));
    imageStore(yimg, o, imageLoad(yimg, o) + w * t);
}
