/*
 * xrv_paced.c - `vrgen view --offscreen --rate HZ`: the headset's frame loop without a
 * runtime. The source's worker decodes, converts and stylizes on its own thread, as in the
 * headset; the loop waits for each display period of a simulated HZ display, picks the
 * picture due at the predicted display time and renders both eyes at --eye-size, waiting
 * for their GPU work as a compositor would. The sound plays as in the headset. Nothing is written
 * but the log: it measures whether live stylization holds a headset's rate on this device (machines
 * with a GPU and no headset or OpenXR runtime), and prints frame times per eye.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "common/vg_time.h"
#include "xr/xrv_audio.h"
#include "xr/xrv_render.h"
#include "xr/xrv_view.h"

static void sleep_until(double t)
{
    double d = t - vg_time_now();
    if (d <= 0) return;
    struct timespec ts = {(time_t)d, (long)((d - floor(d)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile (0..1) of v[0..n), sorting v. */
static double quantile(double *v, int64_t n, double p)
{
    if (n <= 0) return 0;
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    int64_t i = (int64_t)(p * (double)n);
    return v[i < n ? i : n - 1];
}

int xrv_paced_run(gen_backend *be, const xrv_view_opts *o)
{
    const double period = 1.0 / o->rate;
    const int64_t frames = o->frames > 0 ? o->frames : (int64_t)ceil(10.0 * o->rate);
    gen_net **nets = NULL;
    xrv_source *src = NULL;
    xrv_render *rd = NULL;
    xrv_audio *audio = NULL;
    FILE *log = NULL;
    double *eye_ms[2] = {NULL, NULL}, *frame_ms = NULL;
    xrv_scene scene = o->scene;
    int ret;
    if ((ret = xrv_load_models(be, o->models, o->nmodels, &nets)) < 0) goto done;
    xrv_source_opts so = {.input = o->input,
                          .nets = nets,
                          .nnets = o->nmodels,
                          .variant = o->nmodels > 0 && !o->show_original ? 1 : 0,
                          .loop = o->loop,
                          .hold_still = o->hold_still,
                          .hold_rate = o->hold_rate};
    if ((ret = xrv_source_open(be, &so, &scene, &src)) < 0) goto done;
    if ((ret = xrv_render_create(be, src, &scene, o->eye_w, o->eye_h, &rd)) < 0) goto done;
    for (int e = 0; e < 2; e++) eye_ms[e] = malloc((size_t)frames * sizeof(double));
    frame_ms = malloc((size_t)frames * sizeof(double));
    if (!eye_ms[0] || !eye_ms[1] || !frame_ms) {
        ret = VG_ERR_NOMEM;
        goto done;
    }
    if (o->log_path && !(log = xrv_log_open(o->log_path))) {
        ret = VG_ERR_IO;
        goto done;
    }
    if ((ret = xrv_source_start(src)) < 0) goto done;
    if (!o->no_audio && (ret = xrv_audio_start(o->input.path, src, &audio)) < 0) goto done;

    float th = tanf(o->fov_deg * (float)M_PI / 360.0f);
    float tv = th * (float)o->eye_h / (float)o->eye_w;
    xrv_fov fov = {-atanf(th), atanf(th), -atanf(tv), atanf(tv)};
    const double t0 = vg_time_now();
    double vsync = t0;         /* the display period the loop waits for */
    int64_t n = 0, missed = 0; /* display periods the loop was too slow for */
    long long pics0 = 0, gens0 = 0, pics = 0, gens = 0;
    double tw0 = 0, tw1 = 0; /* the span the rates are measured over: after a warm-up */
    const int64_t warm = frames / 10;
    for (; n < frames; n++) {
        if (o->stop && *o->stop) break;
        /* like xrWaitFrame: the next display period that has not begun yet */
        double now = vg_time_now();
        int64_t skip = (int64_t)floor((now - vsync) / period);
        if (skip > 0) {
            missed += skip;
            vsync += (double)skip * period;
        }
        sleep_until(vsync);
        const double display_t = vsync + period;
        vsync += period;

        const double t_begin = vg_time_now();
        int slot = -1;
        double video_t = 0;
        if ((ret = xrv_source_pick(src, display_t - t0, &slot, &video_t)) < 0) goto done;
        for (int e = 0; e < 2; e++) {
            const float eye_x = (e ? 0.5f : -0.5f) * o->ipd;
            xrv_pose eye = xrv_pose_mul(o->pose, (xrv_pose){{0, 0, 0, 1}, {eye_x, 0, 0}});
            double te = vg_time_now();
            if ((ret = xrv_render_eye(rd, e, slot, eye, fov)) < 0) goto done;
            eye_ms[e][n] = (vg_time_now() - te) * 1e3;
        }
        frame_ms[n] = (vg_time_now() - t_begin) * 1e3;
        xrv_source_counts(src, &pics, &gens);
        if (n == warm) {
            pics0 = pics;
            gens0 = gens;
            tw0 = vg_time_now();
        }
        tw1 = vg_time_now();
        xrv_log(log,
                "{\"event\":\"frame\",\"index\":%lld,\"display_time\":%lld,\"slot\":%d,"
                "\"video_time\":%.6f,\"pictures\":%lld,\"generated\":%lld,"
                "\"audio_samples\":%lld,\"eye_ms\":[%.3f,%.3f],\"frame_ms\":%.3f}",
                (long long)n, (long long)llround((display_t - t0) * 1e9), slot, video_t, pics, gens,
                xrv_audio_written(audio), eye_ms[0][n], eye_ms[1][n], frame_ms[n]);
    }
    /* medians and 90th percentiles after the warm-up tenth */
    int64_t m = n - warm;
    if (m > 0) {
        const double span = tw1 - tw0;
        double e0m = quantile(eye_ms[0] + warm, m, 0.5), e0p = quantile(eye_ms[0] + warm, m, 0.9);
        double e1m = quantile(eye_ms[1] + warm, m, 0.5), e1p = quantile(eye_ms[1] + warm, m, 0.9);
        double fm = quantile(frame_ms + warm, m, 0.5), fp = quantile(frame_ms + warm, m, 0.9);
        int pw, ph;
        xrv_source_picture(src, &pw, &ph);
        printf("vrgen view --rate %g: %lld display frames, %dx%d per eye, pictures %dx%d per "
               "eye%s\n",
               o->rate, (long long)n, o->eye_w, o->eye_h, pw, ph,
               o->nmodels > 0 && !o->show_original ? ", stylized live" : "");
        printf("  eye ms median %.2f / %.2f (p90 %.2f / %.2f), frame ms median %.2f (p90 %.2f)\n",
               e0m, e1m, e0p, e1p, fm, fp);
        printf("  missed display periods %lld of %lld (%.1f Hz shown)\n", (long long)missed,
               (long long)(n + missed), (double)n / ((double)(n + missed) * period));
        if (span > 0)
            printf("  video pictures %.1f/s, generator %.1f frames/s\n",
                   (double)(pics - pics0) / span, (double)(gens - gens0) / span);
        fflush(stdout);
    }
    xrv_log(log, "{\"event\":\"exit\",\"frames\":%lld,\"missed\":%lld,\"code\":0}", (long long)n,
            (long long)missed);
done:
    if (log) fclose(log);
    free(eye_ms[0]);
    free(eye_ms[1]);
    free(frame_ms);
    xrv_audio_stop(&audio);
    xrv_render_destroy(&rd);
    xrv_source_close(&src); /* joins the worker */
    xrv_free_models(&nets, o->nmodels);
    return ret;
}
