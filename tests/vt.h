/*
 * vt.h - the tiny test harness shared by vrgen's C tests (header only).
 *
 * A test is a program: it returns 0 when every check held, 1 when one failed, and
 * VT_SKIP (77, CTest's SKIP_RETURN_CODE) after printing why it cannot run here.
 * Comparisons use |got - ref| <= atol + rtol * |ref| and print the worst element.
 */
#ifndef VT_H
#define VT_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define VT_SKIP 77

static int vt_failures;

#define VT_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            vt_failures++;                                                                         \
        }                                                                                          \
    } while (0)

/* Deterministic xorshift RNG so failures reproduce. */
/* Writes "$TMPDIR/NAME-XXXXXX" (default /tmp) into buf, a template for mkdtemp/mkstemp. */
static inline void vt_tmp_template(char *buf, size_t n, const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, n, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
}

typedef struct vt_rng {
    uint64_t s;
} vt_rng;

static inline uint32_t vt_rng_u32(vt_rng *r)
{
    uint64_t x = r->s ? r->s : 0x9E3779B97F4A7C15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r->s = x;
    return (uint32_t)(x >> 32);
}
/* uniform in [lo, hi) */
static inline float vt_rng_uniform(vt_rng *r, float lo, float hi)
{
    return lo + (hi - lo) * (float)(vt_rng_u32(r) >> 8) * (1.0f / 16777216.0f);
}
static inline void vt_fill_uniform(vt_rng *r, float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) x[i] = vt_rng_uniform(r, lo, hi);
}

/* Compares got against ref; on failure prints the worst element. Returns 1 when ok. */
static inline int vt_compare(const char *what, const float *got, const float *ref, size_t n,
                             double atol, double rtol)
{
    size_t worst = 0;
    double worst_excess = -1.0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)ref[i]);
        double lim = atol + rtol * fabs((double)ref[i]);
        double excess = d - lim;
        if (!(d <= lim)) bad++; /* NaN counts as bad */
        if (excess > worst_excess || isnan(d)) {
            worst_excess = isnan(d) ? INFINITY : excess;
            worst = i;
        }
    }
    if (bad) {
        fprintf(stderr,
                "FAIL %s: %d of %zu elements out of tolerance (atol %g rtol %g); worst at %zu: "
                "got %.9g ref %.9g\n",
                what, bad, n, atol, rtol, worst, (double)got[worst], (double)ref[worst]);
        vt_failures++;
        return 0;
    }
    return 1;
}

static inline int vt_result(const char *name)
{
    if (vt_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, vt_failures);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

#endif /* VT_H */
