#version 450
// act.comp - pointwise activations, all tensors len floats.
// Forward: out[i] = act(in[i]) (out may alias in). With -DBWD: din[i] (= or +=)
// act'(.) * dout[i], the derivative read from in (relu, leaky) or from out (tanh, sigmoid).
#include "common/base.glsl"
layout(constant_id = 3) const int ACT = 0; // gen_act: 0 relu, 1 leaky, 2 tanh, 3 sigmoid
layout(constant_id = 4) const int ACC = 0; // BWD: 0 overwrites din (never reads it), 1 adds
layout(push_constant) uniform P { uint len; float alpha; } p;

#ifndef BWD
#ifdef TEXEL
// -DTEXEL (len % 4 == 0): one RGBA texel per invocation through texel/image views
layout(binding = 0, rgba32f) uniform writeonly imageBuffer yimg;
layout(binding = 1) uniform textureBuffer xt;
#else
layout(std430, binding = 0) writeonly buffer O { float y[]; };
layout(std430, binding = 1) readonly buffer I { float x[]; };
#endif

// tanh without inf/inf for large |x| and with a small relative error near 0, where
// 1 - exp(-2|x|) would cancel: odd Taylor series there (next term < 1e-8 relative).
float tanh_safe(float v)
{
    float a = abs(v);
    if (a < 0.25) {
        float s = v * v;
        return v * (1.0 + s * (-1.0 / 3.0 + s * (2.0 / 15.0 + s * (-17.0 / 315.0 +
                                                                   s * (62.0 / 2835.0)))));
    }
    float t = exp(-2.0 * a); // in (0, 0.61]: no overflow
    return sign(v) * ((1.0 - t) / (1.0 + t));
}

float act(float v)
{
    if (ACT == 0) return v > 0.0 ? v : 0.0;
    if (ACT == 1) return v > 0.0 ? v : p.alpha * v;
    if (ACT == 2) return tanh_safe(v);
    return 1.0 / (1.0 + exp(-v)); // exp overflow gives 1/inf = 0, the right limit
}

#ifdef TEXEL
void main()
{
    for (uint t = grid_first(); t < p.len / 4u; t += grid_stride()) {
        vec4 v = texelFetch(xt, int(t));
        imageStore(yimg, int(t), vec4(act(v.x), act(v.y), act(v.z), act(v.w)));
    }
}
#else
float item_value(uint i)
{
    return act(x[i]);
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
#else
layout(std430, binding = 0) buffer DI { float din[]; };
layout(std430, binding = 1) readonly buffer DO { float dout[]; };
layout(std430, binding = 2) readonly buffer I { float x[]; };
layout(std430, binding = 3) readonly buffer O { float y[]; };
float item_value(uint i)
{
    float d;
    if (ACT == 0)
        d = x[i] > 0.0 ? 1.0 : 0.0;
    else if (ACT == 1)
        d = x[i] > 0.0 ? 1.0 : p.alpha;
    else if (ACT == 2) {
        float o = y[i];
        d = (1.0 - o) * (1.0 + o); // 1 - o^2 without the cancellation of o*o near 1
    } else {
        float o = y[i];
        d = o * (1.0 - o);
    }
    float g = d * dout[i];
    return ACC != 0 ? din[i] + g : g;
}

void item_store(uint i, float v)
{
    din[i] = v;
}

#include "common/ew.glsl"

void main()
{
    ew_loop(p.len);
}
#endif
