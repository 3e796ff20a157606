// reduce.glsl - work-group sums through shared memory in three barriers: every invocation
// stores its value, 16 invocations each add a strided 1/16 of them, every invocation adds
// those 16. Rounding grows with about size/16 + 16 terms, not with the size (the values
// are already per-invocation partial sums). Needs a 1D work group whose size is a multiple
// of 16 (the planners use 256). Contains barriers: call from control flow that is uniform
// across the work group. Every invocation gets the total.

shared vec2 wg_red[gl_WorkGroupSize.x];
shared vec2 wg_red16[16];

vec2 wg_sum2(vec2 v)
{
    uint t = gl_LocalInvocationIndex, n = gl_WorkGroupSize.x;
    wg_red[t] = v;
    barrier();
    if (t < 16u) {
        vec2 s = vec2(0.0);
        for (uint k = t; k < n; k += 16u) s += wg_red[k]; // consecutive t: no bank conflicts
        wg_red16[t] = s;
    }
    barrier();
    vec2 r = vec2(0.0);
    [[unroll]] for (uint k = 0u; k < 16u; k++) r += wg_red16[k]; // broadcast reads
    barrier(); // wg_red16 may be written again by the next call
    return r;
}

float wg_sum(float v)
{
    return wg_sum2(vec2(v, 0.0)).x;
}
