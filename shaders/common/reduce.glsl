// reduce.glsl - work-group sums through shared memory: a pairwise tree, so the rounding
// error grows with log2 of the group size, not with its size. Needs a 1D work group whose
// size is a power of two (the planners use 256). Contains barriers: call from control flow
// that is uniform across the work group. Every invocation gets the total.

shared vec2 wg_red[gl_WorkGroupSize.x];

vec2 wg_sum2(vec2 v)
{
    uint t = gl_LocalInvocationIndex;
    wg_red[t] = v;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1) {
        if (t < s) wg_red[t] += wg_red[t + s];
        barrier();
    }
    vec2 r = wg_red[0];
    barrier(); // wg_red may be written again by the next call
    return r;
}

float wg_sum(float v)
{
    return wg_sum2(vec2(v, 0.0)).x;
}
