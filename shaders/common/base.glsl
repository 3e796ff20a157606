// base.glsl - shared definitions for vrgen compute shaders: work group size from
// specialization constants 0..2, grid-stride helpers, the padding index map (mirrors
// gen_pad_index() in gen/gen_ops.h exactly).
#extension GL_EXT_control_flow_attributes : enable
// Texel buffers are declared textureBuffer and read with texelFetch without a sampler: a
// samplerBuffer makes an OpTypeSampledImage of Dim Buffer, which newer SPIR-V validators
// (Debian 13's Vulkan validation layer) warn about.
#extension GL_EXT_samplerless_texture_functions : require

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

#define PAD_ZERO 0
#define PAD_REFLECT 1
#define PAD_REPLICATE 2
#define PAD_CIRCULAR_X 3

// Index of the first item of this invocation and the stride of a 1D grid-stride loop.
uint grid_first() { return gl_GlobalInvocationID.x; }
uint grid_stride() { return gl_NumWorkGroups.x * gl_WorkGroupSize.x; }

// Mirror without repeating the edge, for any n >= 1 (n == 1 maps to 0). Reflects until
// inside instead of using %: integer division is scalarized per lane on CPU devices, and
// the overshoot is almost always smaller than n (one reflection).
int pad_reflect(int i, int n)
{
    if (n == 1) return 0;
    while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
    return i;
}

int pad_wrap(int i, int n)
{
    while (i < 0) i += n;
    while (i >= n) i -= n;
    return i;
}

// Maps index i along an axis of size n; -1 means "read zero".
int pad_index(int i, int n, int mode, bool along_x)
{
    if (i >= 0 && i < n) return i;
    if (mode == PAD_ZERO) return -1;
    if (mode == PAD_REPLICATE) return i < 0 ? 0 : n - 1;
    if (mode == PAD_CIRCULAR_X && along_x) return pad_wrap(i, n);
    return pad_reflect(i, n);
}
