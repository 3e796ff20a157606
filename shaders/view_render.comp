#version 450
// view_render.comp - the OpenXR viewer's per-eye picture (gen_ops.h view_render): one
// invocation per output pixel, grid (x, y). It casts the pixel's ray, meets the layout's
// content (flat screen, cylinder, 180 or 360 sphere), samples src bilinearly and writes
// one packed RGBA8 word, or the room colour on a miss.
// The view (fov, pose, screen, room colour) is read from the params buffer on every run:
// the host rewrites it between replays, so nothing per frame is recorded. It is bound as
// an RGBA32F uniform texel buffer, not a storage buffer: every lane fetches the same
// texels, and on lavapipe a uniform texel fetch broadcasts four floats in one call where
// storage-buffer loads run lane by lane (docs/engine.md); measured on lavapipe (2 busy
// cores), a 1440x1600 eye from 1920x1080: flat screen about 130 -> 80 ms. The layout is a
// specialization constant (the same for every replay). src is read as R32F texels (a
// whole picture may exceed the storage-buffer range), out written as a storage buffer of
// uint words (its bits are not floats: a float image could canonicalize NaN patterns).
// Same float maths in the same order as gen/ref/ref_view.c.
#include "common/base.glsl"
layout(constant_id = 3) const int LAYOUT = 0; // gen_view_layout

#define VIEW_SCREEN 0
#define VIEW_CURVED 1
#define VIEW_EQUI180 2
#define VIEW_EQUI360 3

// params indices (gen_ops.h GEN_VIEW_*)
#define P_TAN_LEFT 0
#define P_ROT 4
#define P_POS 13
#define P_SCREEN_W 16
#define P_ROOM 19
#define P_CONTENT 22

const float PI = 3.14159265358979;

layout(push_constant) uniform P { int w, h, sw, sh; } p;
layout(std430, binding = 0) writeonly buffer O { uint dst[]; };
layout(binding = 1) uniform textureBuffer srct;
layout(binding = 2) uniform textureBuffer prmt; // GEN_VIEW_PARAMS_LEN / 4 texels

// A ray's hit in texture coordinates; false on a miss (NaN misses: tests are !(inside)).
bool view_hit(vec3 o, vec3 d, float sw, float sh, float dist, out vec2 uv)
{
    uv = vec2(0.0);
    if (LAYOUT == VIEW_SCREEN) {
        if (!(d.z < 0.0 && o.z > -dist)) return false;
        float t = (-dist - o.z) / d.z;
        float px = o.x + t * d.x, py = o.y + t * d.y;
        if (!(abs(px) <= 0.5 * sw && abs(py) <= 0.5 * sh)) return false;
        uv = vec2((px + 0.5 * sw) / sw, (0.5 * sh - py) / sh);
        return true;
    }
    if (LAYOUT == VIEW_CURVED) {
        float a = d.x * d.x + d.z * d.z;
        float b = o.x * d.x + o.z * d.z;
        float c = o.x * o.x + o.z * o.z - dist * dist;
        float disc = b * b - a * c;
        if (!(a > 0.0 && disc >= 0.0)) return false;
        float s = sqrt(disc);
        float t = b <= 0.0 ? (s - b) / a : -c / (b + s);
        if (!(t > 0.0)) return false;
        float px = o.x + t * d.x, py = o.y + t * d.y, pz = o.z + t * d.z;
        float theta = atan(px, -pz); // px = pz = 0 is impossible on a cylinder of dist > 0
        if (!(abs(theta) <= 0.5 * sw / dist && abs(py) <= 0.5 * sh)) return false;
        uv = vec2(theta * dist / sw + 0.5, (0.5 * sh - py) / sh);
        return true;
    }
    // EQUI180, EQUI360 (GLSL's atan(0, 0) is undefined: 0 as in the reference)
    float lon = d.x == 0.0 && d.z == 0.0 ? 0.0 : atan(d.x, -d.z);
    float lat = atan(d.y, sqrt(d.x * d.x + d.z * d.z));
    float u;
    if (LAYOUT == VIEW_EQUI180) {
        if (!(abs(lon) <= 0.5 * PI)) return false;
        u = 0.5 + lon / PI;
    } else {
        u = 0.5 + lon / (2.0 * PI);
    }
    uv = vec2(u, 0.5 - lat / PI);
    return true;
}

// floor of a source coordinate, NaN and far outside pinned to [-1, n]
int view_floor(float s, int n)
{
    if (!(s >= -1.0)) return -1;
    if (s > float(n)) return n;
    return int(floor(s));
}

uint view_byte(float c)
{
    c = c < 0.0 ? 0.0 : (c > 1.0 ? 1.0 : c);
    float b = floor(c * 255.0 + 0.5);
    return b >= 0.0 && b <= 255.0 ? uint(b) : 0u;
}

void main()
{
    int x = int(gl_GlobalInvocationID.x), y = int(gl_GlobalInvocationID.y);
    if (x >= p.w || y >= p.h) return;
    float prm[24]; // params 0 .. 23 (the rest is reserved)
    [[unroll]] for (int i = 0; i < 6; i++) {
        vec4 t = texelFetch(prmt, i);
        prm[4 * i] = t.x, prm[4 * i + 1] = t.y, prm[4 * i + 2] = t.z, prm[4 * i + 3] = t.w;
    }
    float L = prm[P_TAN_LEFT], R = prm[P_TAN_LEFT + 1];
    float D = prm[P_TAN_LEFT + 2], U = prm[P_TAN_LEFT + 3];
    float ty = U - (float(y) + 0.5) / float(p.h) * (U - D);
    float tx = L + (float(x) + 0.5) / float(p.w) * (R - L);
    // d = M (tx, ty, -1), M row-major: not normalized, no test depends on its length
    vec3 d;
    [[unroll]] for (int i = 0; i < 3; i++)
        d[i] = prm[P_ROT + 3 * i] * tx + prm[P_ROT + 3 * i + 1] * ty - prm[P_ROT + 3 * i + 2];
    vec3 o = vec3(prm[P_POS], prm[P_POS + 1], prm[P_POS + 2]);
    vec2 uv;
    uint o_idx = uint(y) * uint(p.w) + uint(x);
    if (prm[P_CONTENT] == 0.0 ||
        !view_hit(o, d, prm[P_SCREEN_W], prm[P_SCREEN_W + 1], prm[P_SCREEN_W + 2], uv)) {
        dst[o_idx] = view_byte(prm[P_ROOM]) | view_byte(prm[P_ROOM + 1]) << 8 |
                     view_byte(prm[P_ROOM + 2]) << 16 | 0xff000000u;
        return;
    }
    float sx = uv.x * float(p.sw) - 0.5, sy = uv.y * float(p.sh) - 0.5;
    int x0 = view_floor(sx, p.sw), y0 = view_floor(sy, p.sh);
    float fx = sx - float(x0), fy = sy - float(y0);
    if (!(fx >= 0.0 && fx <= 1.0)) fx = 0.0;
    if (!(fy >= 0.0 && fy <= 1.0)) fy = 0.0;
    int x1 = x0 + 1;
    if (LAYOUT == VIEW_EQUI360) {
        x0 = x0 < 0 ? x0 + p.sw : x0;
        x1 = x1 >= p.sw ? x1 - p.sw : x1;
    }
    x0 = clamp(x0, 0, p.sw - 1);
    x1 = clamp(x1, 0, p.sw - 1);
    int y1 = clamp(y0 + 1, 0, p.sh - 1);
    y0 = clamp(y0, 0, p.sh - 1);
    int plane = p.sw * p.sh, r0 = y0 * p.sw, r1 = y1 * p.sw;
    uint word = 0xff000000u;
    [[unroll]] for (int c = 0; c < 3; c++) {
        int b = c * plane;
        float s00 = texelFetch(srct, b + r0 + x0).r, s01 = texelFetch(srct, b + r0 + x1).r;
        float s10 = texelFetch(srct, b + r1 + x0).r, s11 = texelFetch(srct, b + r1 + x1).r;
        float s = (1.0 - fy) * ((1.0 - fx) * s00 + fx * s01) + fy * ((1.0 - fx) * s10 + fx * s11);
        word |= view_byte(s * 0.5 + 0.5) << (8 * c);
    }
    dst[o_idx] = word;
}
