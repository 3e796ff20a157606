// ew.glsl - the grid-stride loop of elementwise kernels, 4 items per invocation and round:
// all loads of the 4 items (item_value) come before any store (item_store). Buffers may
// alias (in-place ops), so a compiler may not hoist the next item's loads above a store by
// itself; batching keeps 4x more memory requests in flight. The including shader defines
//   float item_value(uint i)          everything item i reads (acc: the old value too)
//   void item_store(uint i, float v)  the stores only
// before including this file, and plans about len / 4 invocations.

void ew_loop(uint len)
{
    uint st = grid_stride();
    for (uint i0 = grid_first(); i0 < len; i0 += 4u * st) {
        float v[4];
        [[unroll]] for (uint k = 0u; k < 4u; k++) {
            uint i = i0 + k * st;
            v[k] = i < len ? item_value(i) : 0.0;
        }
        [[unroll]] for (uint k = 0u; k < 4u; k++) {
            uint i = i0 + k * st;
            if (i < len) item_store(i, v[k]);
        }
    }
}
