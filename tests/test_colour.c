/*
 * test_colour.c - the colour ops (yuv_to_rgb, rgb_to_yuv in gen/gen_ops.h): known values
 * on both backends, the Vulkan kernels against the C reference, and the identity round
 * trip frame -> RGB -> frame. What it is not: a test of decoding (frames are generated:
 * random codes, gradients, garbage in the padding and in unused high bits).
 *
 * Configurations: 8-bit 4:2:0, 4:2:2, 4:4:4, 8-bit RGB (gbrp), 10-bit 4:2:0 and RGB,
 * 16-bit 4:4:4; limited and full range; BT.601, BT.709, BT.2020; rotations 0, 90, 180,
 * 270; pictures 3x5, 1x1, 2x3 and 321x179 (odd sizes: partial chroma blocks); tensors of
 * the picture's size (storage-buffer output when the width is not a multiple of 4), padded
 * to multiples of 4 (image output, reflect fill) and padded far beyond (repeated
 * mirroring); planes at offsets with gaps, rows with padding bytes.
 *
 * Tolerances:
 *   yuv_to_rgb, Vulkan vs reference: |vk - ref| <= 1e-6. The reference works in double;
 *     the kernel folds range and matrix into one float affine map per channel: a few
 *     roundings of values up to 3 (out-of-range codes): 4.8e-7 at worst seen.
 *   reflect fill: exact (a copy).
 *   rgb_to_yuv, Vulkan vs reference: codes equal or off by 1, where float and double land
 *     on different sides of a .5 boundary: the float error is a few ulp of 2^bits, so at
 *     most 2^(bits-8) per 10000 codes over all cases (+10; about a tenth of that is seen);
 *     every byte that is not a sample (row padding, gaps) must be unchanged.
 *   round trip (legal codes): exactly equal on the reference; within 1 on Vulkan, and the
 *     test prints how many differ (none were seen).
 * A 1920x1080 8-bit 4:2:0 frame is converted each way (5 replays, the fastest printed);
 * VRGEN_COLOUR_BENCH=N runs only that, with N replays.
 */
#include <string.h>
#include <time.h>

#include "common/vg_assert.h"
#include "gen/gen_ops.h"
#include "tests/vt_backend.h"

enum { DO_Y2R = 1, DO_R2Y = 2 };

/* A generated frame: its desc and packed bytes (a multiple of 4). */
typedef struct frame {
    gen_yuv_desc d;
    size_t bytes;
    uint8_t *data;
} frame;

static int g_planes_rev; /* alternate plane order in memory: V, U, Y */

/* Lays out the planes with `extra` padding bytes per row and gaps between planes. */
static void frame_layout(frame *f, int extra)
{
    int bps = gen_yuv_bps(&f->d);
    size_t off = 16;
    for (int i = 0; i < 3; i++) {
        int p = g_planes_rev ? 2 - i : i;
        f->d.stride[p] = (gen_yuv_plane_w(&f->d, p) * bps + 3) / 4 * 4 + extra;
        f->d.offset[p] = off;
        off += (size_t)f->d.stride[p] * (size_t)gen_yuv_plane_h(&f->d, p) + 4 * (size_t)(i + 1);
    }
    f->bytes = (off + 3) / 4 * 4 + 4;
    VT_CHECK(gen_yuv_packed_bytes(&f->d) <= f->bytes, "layout");
    f->data = malloc(f->bytes);
}

static unsigned get_code(const gen_yuv_desc *d, const uint8_t *buf, int p, int x, int y)
{
    const uint8_t *s = buf + d->offset[p] + (size_t)y * (size_t)d->stride[p];
    return d->bits == 8 ? s[x] : (unsigned)s[2 * x] | (unsigned)s[2 * x + 1] << 8;
}

static void put_code(const gen_yuv_desc *d, uint8_t *buf, int p, int x, int y, unsigned v)
{
    uint8_t *s = buf + d->offset[p] + (size_t)y * (size_t)d->stride[p];
    if (d->bits == 8) {
        s[x] = (uint8_t)v;
    } else {
        s[2 * x] = (uint8_t)v;
        s[2 * x + 1] = (uint8_t)(v >> 8);
    }
}

typedef enum fill_kind {
    FILL_GARBAGE, /* any bytes: codes outside the legal range, high bits set */
    FILL_LEGAL,   /* random legal codes, high bits clear */
    FILL_GRADIENT /* legal ramps along x and y */
} fill_kind;

/* Every byte random, then the samples by kind. */
static void frame_fill(frame *f, vt_rng *r, fill_kind kind)
{
    for (size_t i = 0; i < f->bytes; i++) f->data[i] = (uint8_t)vt_rng_u32(r);
    if (kind == FILL_GARBAGE) return;
    for (int p = 0; p < 3; p++) {
        double zero, scale;
        int lo, hi;
        gen_yuv_plane_range(&f->d, p, &zero, &scale, &lo, &hi);
        unsigned range = (unsigned)(hi - lo + 1);
        for (int y = 0; y < gen_yuv_plane_h(&f->d, p); y++)
            for (int x = 0; x < gen_yuv_plane_w(&f->d, p); x++) {
                unsigned v = kind == FILL_LEGAL ? vt_rng_u32(r) % range
                                                : (unsigned)(x * (7 + 3 * p) + y * (5 - p)) % range;
                put_code(&f->d, f->data, p, x, y, (unsigned)lo + v);
            }
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/*
 * Runs the recorded colour ops on one backend: the packed tensor starts as packed_in, the
 * rgb tensor (1, 3, th, tw) as rgb_in (NaN when NULL, so an unwritten element shows).
 * Results go to packed_out and rgb_out (either may be NULL). With runs > 1 the replays are
 * timed and *ms gets the fastest.
 */
static int run_colour(gen_backend *be, const frame *f, int rot, int th, int tw, int ops,
                      const uint8_t *packed_in, const float *rgb_in, uint8_t *packed_out,
                      float *rgb_out, int runs, double *ms)
{
    size_t nf = f->bytes / 4, nrgb = (size_t)3 * th * tw;
    gen_arena a = {0};
    gen_tensor tp, tr;
    gen_prog *p = NULL;
    float *tmp = malloc((nf > nrgb ? nf : nrgb) * sizeof(float));
    int ret;
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        tp = gen_arena_take(&a, 1, 1, 1, (int)nf);
        tr = gen_arena_take(&a, 1, 3, th, tw);
        if (pass == 0 && (ret = gen_buf_create(be, a.used, &a.buf)) < 0) goto done;
    }
    memcpy(tmp, packed_in, f->bytes);
    if ((ret = gen_tensor_upload(be, tp, tmp)) < 0) goto done;
    if (rgb_in)
        memcpy(tmp, rgb_in, nrgb * sizeof(float));
    else
        for (size_t i = 0; i < nrgb; i++) tmp[i] = NAN;
    if ((ret = gen_tensor_upload(be, tr, tmp)) < 0) goto done;
    if ((ret = gen_prog_create(be, &p)) < 0) goto done;
    if (ops & DO_Y2R) gen_yuv_to_rgb(p, tr, tp, &f->d, rot);
    if (ops & DO_R2Y) gen_rgb_to_yuv(p, tp, tr, &f->d, rot);
    if ((ret = gen_prog_compile(p)) < 0) goto done;
    if (ms) *ms = INFINITY;
    for (int r = 0; r < (runs > 1 ? runs : 1); r++) {
        double t0 = now_ms();
        if ((ret = gen_prog_run(p)) < 0) goto done;
        double t = now_ms() - t0;
        if (ms && t < *ms) *ms = t;
    }
    if (packed_out) {
        if ((ret = gen_tensor_download(be, tp, tmp)) < 0) goto done;
        memcpy(packed_out, tmp, f->bytes);
    }
    if (rgb_out) ret = gen_tensor_download(be, tr, rgb_out);
done:
    VT_CHECK(ret == VG_OK, "%s: %s", gen_backend_name(be), vg_strerror(ret));
    gen_prog_destroy(&p);
    gen_buf_destroy(&a.buf);
    free(tmp);
    return ret;
}

/* Every element outside the picture equals its mirror inside (exact). */
static int check_reflect(const char *what, const float *rgb, int th, int tw, int ph, int pw)
{
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < th; y++)
            for (int x = 0; x < tw; x++) {
                const float *pl = rgb + (size_t)c * th * tw;
                float v = pl[(size_t)y * tw + x];
                float m = pl[(size_t)gen_pad_reflect(y, ph) * tw + gen_pad_reflect(x, pw)];
                if (!(v == m)) {
                    fprintf(stderr, "FAIL %s: reflect fill at c %d y %d x %d: %g, mirror %g\n",
                            what, c, y, x, v, m);
                    vt_failures++;
                    return 0;
                }
            }
    return 1;
}

/* Compares two frames: sample codes within `tol` (returns how many differ at all), every
 * other byte exactly equal to `orig` (NULL: not checked). */
static long compare_frames(const char *what, const frame *f, const uint8_t *got,
                           const uint8_t *want, const uint8_t *orig, unsigned tol)
{
    uint8_t *is_sample = calloc(f->bytes, 1);
    long differ = 0, bad = 0;
    int bps = gen_yuv_bps(&f->d);
    for (int p = 0; p < 3; p++)
        for (int y = 0; y < gen_yuv_plane_h(&f->d, p); y++)
            for (int x = 0; x < gen_yuv_plane_w(&f->d, p); x++) {
                unsigned a = get_code(&f->d, got, p, x, y), b = get_code(&f->d, want, p, x, y);
                unsigned d = a > b ? a - b : b - a;
                differ += d != 0;
                if (d > tol && bad++ == 0)
                    fprintf(stderr, "FAIL %s: plane %d x %d y %d: got %u want %u\n", what, p, x, y,
                            a, b);
                size_t o = f->d.offset[p] + (size_t)y * f->d.stride[p] + (size_t)x * bps;
                memset(is_sample + o, 1, (size_t)bps);
            }
    if (orig)
        for (size_t i = 0; i < f->bytes; i++)
            if (!is_sample[i] && got[i] != orig[i] && bad++ == 0)
                fprintf(stderr, "FAIL %s: byte %zu (not a sample) changed: %u -> %u\n", what, i,
                        orig[i], got[i]);
    free(is_sample);
    if (bad) vt_failures++;
    return differ;
}

/* --- known values ------------------------------------------------------------------- */

static void expect_rgb(const char *what, const float *rgb, int n, const float *want, double tol)
{
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < n; i++) {
            float v = rgb[c * n + i];
            VT_CHECK(fabs(v - want[c * n + i]) <= tol, "%s: channel %d pixel %d: %.9g, want %.9g",
                     what, c, i, v, want[c * n + i]);
        }
}

static void test_known(gen_backend *be)
{
    const char *bn = gen_backend_name(be);
    /* limited BT.709 8-bit 4:2:0, 2x2: Y 235 and 16, U = V = 128 -> 1.0 and -1.0 */
    frame f = {
        {.width = 2, .height = 2, .bits = 8, .log2_cw = 1, .log2_ch = 1, .cs = GEN_CS_BT709}};
    frame_layout(&f, 0);
    memset(f.data, 0, f.bytes);
    put_code(&f.d, f.data, 0, 0, 0, 235), put_code(&f.d, f.data, 0, 1, 0, 16);
    put_code(&f.d, f.data, 0, 0, 1, 16), put_code(&f.d, f.data, 0, 1, 1, 235);
    put_code(&f.d, f.data, 1, 0, 0, 128), put_code(&f.d, f.data, 2, 0, 0, 128);
    float rgb[12], want[12];
    for (int c = 0; c < 3; c++) {
        const float v[4] = {1, -1, -1, 1};
        memcpy(want + 4 * c, v, sizeof(v));
    }
    if (run_colour(be, &f, 0, 2, 2, DO_Y2R, f.data, NULL, NULL, rgb, 1, NULL) == VG_OK)
        expect_rgb("BT.709 limited white/black", rgb, 4, want, 1e-6);

    /* the same in 10 bits: Y 940 and 64, C 512 */
    f.d.bits = 10;
    free(f.data);
    frame_layout(&f, 0);
    memset(f.data, 0, f.bytes);
    put_code(&f.d, f.data, 0, 0, 0, 940), put_code(&f.d, f.data, 0, 1, 0, 64);
    put_code(&f.d, f.data, 0, 0, 1, 64), put_code(&f.d, f.data, 0, 1, 1, 940);
    put_code(&f.d, f.data, 1, 0, 0, 512), put_code(&f.d, f.data, 2, 0, 0, 512);
    if (run_colour(be, &f, 0, 2, 2, DO_Y2R, f.data, NULL, NULL, rgb, 1, NULL) == VG_OK)
        expect_rgb("BT.709 limited 10-bit white/black", rgb, 4, want, 1e-6);
    free(f.data);

    /* pure red (1, -1, -1) -> the textbook YCbCr: BT.601 full (JFIF) 76, 85, 255 (Cr
     * 255.5 clamped), BT.601 limited 81, 90, 240, BT.709 limited 63, 102, 240 */
    static const struct {
        gen_colorspace cs;
        int full;
        unsigned y, cb, cr;
    } red[] = {{GEN_CS_BT601, 1, 76, 85, 255},
               {GEN_CS_BT601, 0, 81, 90, 240},
               {GEN_CS_BT709, 0, 63, 102, 240}};
    for (size_t i = 0; i < VG_ARRAY_LEN(red); i++) {
        frame r = {{.width = 2, .height = 2, .bits = 8, .log2_cw = 1, .log2_ch = 1}};
        r.d.cs = red[i].cs;
        r.d.full_range = red[i].full;
        frame_layout(&r, 0);
        memset(r.data, 0, r.bytes);
        float in[12];
        for (int k = 0; k < 12; k++) in[k] = k < 4 ? 1.0f : -1.0f;
        uint8_t *out = calloc(r.bytes, 1);
        if (run_colour(be, &r, 0, 2, 2, DO_R2Y, r.data, in, out, NULL, 1, NULL) == VG_OK) {
            unsigned y = get_code(&r.d, out, 0, 1, 1), cb = get_code(&r.d, out, 1, 0, 0);
            unsigned cr = get_code(&r.d, out, 2, 0, 0);
            VT_CHECK(y == red[i].y && cb == red[i].cb && cr == red[i].cr,
                     "%s: red, matrix %d full %d: YCbCr %u %u %u, want %u %u %u", bn, red[i].cs,
                     red[i].full, y, cb, cr, red[i].y, red[i].cb, red[i].cr);
        }
        /* and back: close to red (Cr clamped in full range, codes rounded) */
        float back[12];
        if (run_colour(be, &r, 0, 2, 2, DO_Y2R, out, NULL, NULL, back, 1, NULL) == VG_OK)
            expect_rgb("red back", back, 4, in, 0.02);
        free(out);
        free(r.data);
    }
}

/* --- configurations ----------------------------------------------------------------- */

typedef struct fmt {
    const char *name;
    int bits, lw, lh, rgb;
} fmt;

static const fmt g_fmts[] = {
    {"8-bit 4:2:0", 8, 1, 1, 0},   {"8-bit 4:2:2", 8, 1, 0, 0},   {"8-bit 4:4:4", 8, 0, 0, 0},
    {"8-bit RGB", 8, 0, 0, 1},     {"10-bit 4:2:0", 10, 1, 1, 0}, {"10-bit RGB", 10, 0, 0, 1},
    {"16-bit 4:4:4", 16, 0, 0, 0},
};

static const int g_sizes[][2] = {{3, 5}, {1, 1}, {2, 3}, {321, 179}};

static frame make_frame(const fmt *ft, int w, int h, gen_colorspace cs, int full, int extra)
{
    frame f = {{.width = w, .height = h, .bits = ft->bits, .log2_cw = ft->lw, .log2_ch = ft->lh}};
    f.d.cs = ft->rgb ? GEN_CS_RGB : cs;
    f.d.full_range = full;
    frame_layout(&f, extra);
    return f;
}

static uint64_t g_seed = 1;
/* rgb_to_yuv codes where Vulkan and the reference differ (by 1), for 8, 10, 16 bits */
static long g_r2y_differ[3], g_r2y_samples[3];

/* yuv_to_rgb and rgb_to_yuv on Vulkan against the reference, for one frame geometry and
 * three tensor sizes: exact, padded to multiples of 4, padded far beyond. */
static void check_pair(gen_backend *vk, gen_backend *ref, const fmt *ft, int w, int h,
                       gen_colorspace cs, int full, int rot)
{
    char what[200];
    vt_rng r = {g_seed++};
    frame f = make_frame(ft, w, h, cs, full, 4 * (int)(g_seed % 3));
    int pw, ph;
    gen_yuv_picture_size(&f.d, rot, &pw, &ph);
    int big = w * h > 100;
    int tsz[3][2] = {{ph, pw}, {(ph + 3) / 4 * 4, (pw + 3) / 4 * 4}, {ph + 9, pw + 11}};
    for (int ti = 0; ti < 3; ti++) {
        if (big && ti == 2) continue;
        int th = tsz[ti][0], tw = tsz[ti][1];
        size_t n = (size_t)3 * th * tw;
        snprintf(what, sizeof(what), "%s %dx%d cs %d full %d rot %d tensor %dx%d", ft->name, w, h,
                 f.d.cs, full, rot, tw, th);
        /* yuv_to_rgb of garbage: every code value, high bits set */
        frame_fill(&f, &r, FILL_GARBAGE);
        float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
        if (run_colour(vk, &f, rot, th, tw, DO_Y2R, f.data, NULL, NULL, a, 1, NULL) == VG_OK &&
            run_colour(ref, &f, rot, th, tw, DO_Y2R, f.data, NULL, NULL, b, 1, NULL) == VG_OK) {
            char w2[240];
            snprintf(w2, sizeof(w2), "yuv_to_rgb %s", what);
            vt_compare(w2, a, b, n, 1e-6, 0.0);
            check_reflect(w2, b, th, tw, ph, pw);
        }
        /* rgb_to_yuv of random RGB a little beyond [-1, 1] (clamping), garbage frame bytes */
        vt_fill_uniform(&r, a, n, -1.1f, 1.1f);
        uint8_t *ga = malloc(f.bytes), *gb = malloc(f.bytes);
        if (run_colour(vk, &f, rot, th, tw, DO_R2Y, f.data, a, ga, NULL, 1, NULL) == VG_OK &&
            run_colour(ref, &f, rot, th, tw, DO_R2Y, f.data, a, gb, NULL, 1, NULL) == VG_OK) {
            char w2[240];
            snprintf(w2, sizeof(w2), "rgb_to_yuv %s", what);
            int bi = ft->bits == 8 ? 0 : ft->bits == 10 ? 1 : 2;
            g_r2y_differ[bi] += compare_frames(w2, &f, ga, gb, f.data, 1);
            g_r2y_samples[bi] +=
                (long)w * h + 2L * gen_yuv_plane_w(&f.d, 1) * gen_yuv_plane_h(&f.d, 1);
            compare_frames(w2, &f, gb, gb, f.data, 0); /* the reference keeps padding too */
        }
        free(ga), free(gb), free(a), free(b);
    }
    free(f.data);
}

/* frame -> RGB -> frame with legal codes: the original codes come back. */
static long g_rt_differ, g_rt_samples;
static void check_round_trip(gen_backend *be, const fmt *ft, int w, int h, gen_colorspace cs,
                             int full, int rot, fill_kind kind)
{
    char what[200];
    vt_rng r = {g_seed++};
    frame f = make_frame(ft, w, h, cs, full, 4);
    frame_fill(&f, &r, kind);
    int pw, ph;
    gen_yuv_picture_size(&f.d, rot, &pw, &ph);
    uint8_t *out = malloc(f.bytes);
    snprintf(what, sizeof(what), "round trip %s %s %dx%d cs %d full %d rot %d%s",
             gen_backend_name(be), ft->name, w, h, f.d.cs, full, rot,
             kind == FILL_GRADIENT ? " gradient" : "");
    int is_ref = gen_backend_get_kind(be) == GEN_BACKEND_REF;
    if (run_colour(be, &f, rot, (ph + 3) / 4 * 4, (pw + 3) / 4 * 4, DO_Y2R | DO_R2Y, f.data, NULL,
                   out, NULL, 1, NULL) == VG_OK) {
        long differ = compare_frames(what, &f, out, f.data, f.data, is_ref ? 0 : 1);
        if (!is_ref) {
            g_rt_differ += differ;
            g_rt_samples += (long)w * h + 2L * gen_yuv_plane_w(&f.d, 1) * gen_yuv_plane_h(&f.d, 1);
        }
    }
    free(out);
    free(f.data);
}

static void test_configs(gen_backend *vk, gen_backend *ref)
{
    for (size_t fi = 0; fi < VG_ARRAY_LEN(g_fmts); fi++) {
        const fmt *ft = &g_fmts[fi];
        for (int rot = 0; rot < 360; rot += 90) {
            int combo = 0;
            for (int cs = GEN_CS_BT601; cs <= (ft->rgb ? GEN_CS_BT601 : GEN_CS_BT2020); cs++)
                for (int full = 0; full <= 1; full++, combo++) {
                    g_planes_rev = combo & 1;
                    for (size_t si = 0; si < VG_ARRAY_LEN(g_sizes); si++) {
                        int w = g_sizes[si][0], h = g_sizes[si][1];
                        int big = w * h > 100;
                        /* the big picture once per format and rotation, all combos small */
                        if (big && combo != (int)(fi + rot / 90) % (ft->rgb ? 2 : 6)) continue;
                        if (vk) check_pair(vk, ref, ft, w, h, cs, full, rot);
                        fill_kind kind = si % 2 ? FILL_GRADIENT : FILL_LEGAL;
                        check_round_trip(ref, ft, w, h, cs, full, rot, kind);
                        if (vk) check_round_trip(vk, ft, w, h, cs, full, rot, kind);
                    }
                }
        }
    }
    g_planes_rev = 0;
    if (!vk) return;
    /* a float computes x = a . rgb + b with an error of a few ulp(2^bits): about 2^(bits-8)
     * * 1e-5 of random codes land on the other side of a .5 boundary (bound 10x that) */
    static const int bits[3] = {8, 10, 16};
    for (int i = 0; i < 3; i++) {
        printf("rgb_to_yuv %d-bit, Vulkan vs reference: %ld of %ld codes off by 1\n", bits[i],
               g_r2y_differ[i], g_r2y_samples[i]);
        VT_CHECK(g_r2y_differ[i] <= g_r2y_samples[i] * (1L << (bits[i] - 8)) / 10000 + 10,
                 "rgb_to_yuv %d-bit: too many codes off by 1", bits[i]);
    }
    printf("round trip on Vulkan: %ld of %ld codes off by 1\n", g_rt_differ, g_rt_samples);
    VT_CHECK(g_rt_differ * 1000 <= g_rt_samples, "round trip: too many codes off by 1");
}

/* 1920x1080 8-bit 4:2:0 each way: timing of replays, and a check against the reference. */
static void test_hd(gen_backend *vk, gen_backend *ref)
{
    const char *e = getenv("VRGEN_COLOUR_BENCH");
    int runs = e && atoi(e) > 0 ? atoi(e) : 5;
    vt_rng r = {g_seed++};
    frame f = make_frame(&g_fmts[0], 1920, 1080, GEN_CS_BT709, 0, 0);
    frame_fill(&f, &r, FILL_LEGAL);
    int th = 1080, tw = 1920;
    size_t n = (size_t)3 * th * tw;
    float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
    uint8_t *ga = malloc(f.bytes), *gb = malloc(f.bytes);
    double ms_y2r = 0, ms_r2y = 0;
    if (run_colour(vk, &f, 0, th, tw, DO_Y2R, f.data, NULL, NULL, a, runs, &ms_y2r) == VG_OK &&
        run_colour(ref, &f, 0, th, tw, DO_Y2R, f.data, NULL, NULL, b, 1, NULL) == VG_OK)
        vt_compare("yuv_to_rgb 1920x1080", a, b, n, 1e-6, 0.0);
    if (run_colour(vk, &f, 0, th, tw, DO_R2Y, f.data, b, ga, NULL, runs, &ms_r2y) == VG_OK &&
        run_colour(ref, &f, 0, th, tw, DO_R2Y, f.data, b, gb, NULL, 1, NULL) == VG_OK) {
        compare_frames("rgb_to_yuv 1920x1080 vs reference", &f, ga, gb, f.data, 1);
        compare_frames("rgb_to_yuv 1920x1080 round trip", &f, ga, f.data, f.data, 1);
    }
    printf("%s, 1920x1080 8-bit 4:2:0, best of %d: yuv_to_rgb %.2f ms, rgb_to_yuv %.2f ms\n",
           gen_backend_name(vk), runs, ms_y2r, ms_r2y);
    /* portrait video: the same frame rotated by 90 degrees (timing only) */
    if (run_colour(vk, &f, 90, tw, th, DO_Y2R, f.data, NULL, NULL, NULL, runs, &ms_y2r) == VG_OK &&
        run_colour(vk, &f, 90, tw, th, DO_R2Y, f.data, b, ga, NULL, runs, &ms_r2y) == VG_OK)
        printf("rotated by 90 degrees: yuv_to_rgb %.2f ms, rgb_to_yuv %.2f ms\n", ms_y2r, ms_r2y);
    free(a), free(b), free(ga), free(gb), free(f.data);
}

int main(void)
{
    gen_backend *vk = NULL, *ref = NULL;
    gen_backend_config rc = {.kind = GEN_BACKEND_REF};
    int ret = gen_backend_create(&rc, &ref);
    VT_CHECK(ret == VG_OK, "reference backend: %s", vg_strerror(ret));
    if (ret < 0) return 1;
    int vret = vt_vulkan_backend(&vk);
    if (vret != VT_SKIP) VT_CHECK(vret == VG_OK, "vulkan backend: %s", vg_strerror(vret));
    if (vret != VG_OK) vk = NULL;

    double t0 = now_ms();
    if (!getenv("VRGEN_COLOUR_BENCH")) {
        test_known(ref);
        if (vk) test_known(vk);
        double t1 = now_ms();
        test_configs(vk, ref);
        printf("known values %.0f ms, configurations %.0f ms\n", t1 - t0, now_ms() - t1);
    }
    if (vk) {
        t0 = now_ms();
        test_hd(vk, ref);
        printf("1920x1080 %.0f ms\n", now_ms() - t0);
        vt_check_validation(vk);
    }
    gen_backend_destroy(&vk);
    gen_backend_destroy(&ref);
    if (vret == VT_SKIP && !vt_failures) {
        printf("test_colour: reference checks ok; Vulkan part skipped (see above)\n");
        return VT_SKIP;
    }
    return vt_result("test_colour");
}
