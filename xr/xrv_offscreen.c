/*
 * xrv_offscreen.c - `vrgen view --offscreen --capture DIR`: both eye views of each frame
 * rendered to PNG by the viewer's own renderer from a fixed or scripted head pose, with
 * no OpenXR runtime: previews without a headset, and pixel tests. Also the models list
 * and the JSON log the session shares.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "gen/gen_model.h"
#include "pipeline/pl_png.h"
#include "pipeline/pl_seq.h"
#include "xr/xrv_hint.h"
#include "xr/xrv_render.h"
#include "xr/xrv_view.h"

int xrv_load_models(gen_backend *be, const char *const *paths, int n, gen_net ***nets)
{
    *nets = calloc(n > 0 ? n : 1, sizeof(**nets));
    if (!*nets) return VG_ERR_NOMEM;
    for (int i = 0; i < n; i++) {
        int ret = gen_model_load(be, paths[i], NULL, 0, NULL, 0, &(*nets)[i], NULL);
        if (ret < 0) {
            xrv_free_models(nets, n);
            return ret;
        }
    }
    return VG_OK;
}

void xrv_free_models(gen_net ***nets, int n)
{
    if (!*nets) return;
    for (int i = 0; i < n; i++) gen_net_destroy(&(*nets)[i]);
    free(*nets);
    *nets = NULL;
}

FILE *xrv_log_open(const char *path)
{
    if (!path) return NULL;
    FILE *f = fopen(path, "w");
    if (!f) vg_error("--xr-log %s: %s", path, strerror(errno));
    return f;
}

void xrv_log(FILE *f, const char *fmt, ...)
{
    if (!f) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fflush(f);
}

/* One keyframe of a pose script. */
typedef struct keyframe {
    double frame;
    float v[6]; /* yaw, pitch, roll (degrees), x, y, z */
} keyframe;

static int load_script(const char *path, keyframe **out, int *count)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        vg_error("--pose-script %s: %s", path, strerror(errno));
        return errno == ENOENT ? VG_ERR_NOT_FOUND : VG_ERR_IO;
    }
    keyframe *k = NULL;
    int n = 0, cap = 0, line = 0, ret = VG_OK;
    char buf[512];
    while (fgets(buf, sizeof buf, f)) {
        line++;
        char *p = buf;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '#' || *p == '\n' || *p == '\0') continue;
        keyframe kf = {0};
        int got = sscanf(p, "%lf %f %f %f %f %f %f", &kf.frame, &kf.v[0], &kf.v[1], &kf.v[2],
                         &kf.v[3], &kf.v[4], &kf.v[5]);
        if ((got != 4 && got != 7) || kf.frame < 0 || (n > 0 && kf.frame <= k[n - 1].frame)) {
            vg_error("--pose-script %s:%d: expected \"FRAME YAW PITCH ROLL [X Y Z]\" with "
                     "increasing frame numbers",
                     path, line);
            ret = VG_ERR_INVALID;
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            keyframe *nk = realloc(k, (size_t)cap * sizeof(*k));
            if (!nk) {
                ret = VG_ERR_NOMEM;
                break;
            }
            k = nk;
        }
        k[n++] = kf;
    }
    fclose(f);
    if (ret == VG_OK && n == 0) {
        vg_error("--pose-script %s: no poses in the file", path);
        ret = VG_ERR_INVALID;
    }
    if (ret < 0) {
        free(k);
        return ret;
    }
    *out = k;
    *count = n;
    return VG_OK;
}

static xrv_pose script_pose(const keyframe *k, int n, double frame)
{
    int i = 0;
    while (i + 1 < n && k[i + 1].frame <= frame) i++;
    float v[6];
    if (i + 1 < n && frame > k[i].frame) {
        double a = (frame - k[i].frame) / (k[i + 1].frame - k[i].frame);
        for (int j = 0; j < 6; j++) v[j] = (float)(k[i].v[j] + a * (k[i + 1].v[j] - k[i].v[j]));
    } else {
        for (int j = 0; j < 6; j++) v[j] = k[i].v[j];
    }
    return xrv_pose_from_euler(v[0], v[1], v[2], v[3], v[4], v[5]);
}

/* Packed RGBA8 words to an RGB image. */
static void unpack(const float *words, pl_image *img)
{
    for (int y = 0; y < img->height; y++) {
        unsigned char *row = (unsigned char *)img->data + (size_t)y * img->stride;
        for (int x = 0; x < img->width; x++) {
            uint32_t u;
            memcpy(&u, &words[(size_t)y * img->width + x], 4);
            row[3 * x] = u & 255;
            row[3 * x + 1] = (u >> 8) & 255;
            row[3 * x + 2] = (u >> 16) & 255;
        }
    }
}

int xrv_offscreen_run(gen_backend *be, const xrv_view_opts *o)
{
    char left[4096], right[4096];
    if (snprintf(left, sizeof left, "%s/left_%%06d.png", o->capture) >= (int)sizeof left ||
        snprintf(right, sizeof right, "%s/right_%%06d.png", o->capture) >= (int)sizeof right) {
        vg_error("--capture %s: path too long", o->capture);
        return VG_ERR_INVALID;
    }
    int ret;
    if ((ret = pl_seq_check_overwrite(left, o->overwrite)) < 0 ||
        (ret = pl_seq_check_overwrite(right, o->overwrite)) < 0)
        return ret;
    keyframe *script = NULL;
    int nscript = 0;
    if (o->pose_script && (ret = load_script(o->pose_script, &script, &nscript)) < 0) return ret;

    gen_net **nets = NULL;
    xrv_source *src = NULL;
    xrv_render *rd = NULL;
    float *words = NULL;
    pl_image img = {0};
    xrv_hint hint = {0};
    FILE *log = NULL;
    xrv_scene scene = o->scene;
    if ((ret = xrv_load_models(be, o->models, o->nmodels, &nets)) < 0) goto done;
    xrv_source_opts so = {.input = o->input,
                          .nets = nets,
                          .nnets = o->nmodels,
                          .variant = o->nmodels > 0 && !o->show_original ? 1 : 0,
                          .hold_still = o->hold_still,
                          .hold_rate = o->hold_rate};
    if ((ret = xrv_source_open(be, &so, &scene, &src)) < 0) goto done;
    if ((ret = xrv_render_create(be, src, &scene, o->eye_w, o->eye_h, &rd)) < 0) goto done;
    words = malloc((size_t)o->eye_w * o->eye_h * sizeof(float));
    if (!words || (ret = pl_image_alloc(&img, o->eye_w, o->eye_h, 8)) < 0) {
        ret = ret < 0 ? ret : VG_ERR_NOMEM;
        goto done;
    }
    if (o->log_path && !(log = xrv_log_open(o->log_path))) {
        ret = VG_ERR_IO;
        goto done;
    }
    if (o->hint && (ret = xrv_hint_load(o->hint_png, o->hint_png_size, &hint)) < 0) goto done;
    double pts0 = 0; /* video time of the first frame: the hint shows from there */
    /* symmetric fov: horizontal from the option, vertical from the eye's aspect */
    float th = tanf(o->fov_deg * (float)M_PI / 360.0f);
    float tv = th * (float)o->eye_h / (float)o->eye_w;
    xrv_fov fov = {-atanf(th), atanf(th), -atanf(tv), atanf(tv)};
    int64_t n = 0;
    for (; o->frames < 0 || n < o->frames; n++) {
        if (o->stop && *o->stop) break;
        double pts;
        ret = xrv_source_step(src, &pts);
        if (ret == VG_EOF) {
            ret = VG_OK;
            break;
        }
        if (ret < 0) goto done;
        xrv_pose head = script ? script_pose(script, nscript, (double)n) : o->pose;
        if (n == 0) pts0 = pts;
        const int show_hint = hint.rgba && pts - pts0 < XRV_HINT_SECONDS;
        for (int e = 0; e < 2; e++) {
            const float eye_x = (e ? 0.5f : -0.5f) * o->ipd; /* right of the head centre */
            xrv_pose eye = xrv_pose_mul(head, (xrv_pose){{0, 0, 0, 1}, {eye_x, 0, 0}});
            if ((ret = xrv_render_eye(rd, e, 0, eye, fov)) < 0 ||
                (ret = gen_tensor_download(be, xrv_render_output(rd, e), words)) < 0)
                goto done;
            unpack(words, &img);
            if (show_hint) { /* head-locked: the same place whatever the pose */
                float r[4];
                xrv_hint_rect(&hint, eye_x, th, tv, o->eye_w, o->eye_h, r);
                xrv_hint_blend(&hint, r, &img);
            }
            if ((ret = pl_seq_write(e ? right : left, n + 1, &img, o->overwrite, NULL)) < 0)
                goto done;
        }
        xrv_log(log, "{\"event\":\"frame\",\"index\":%lld,\"video_time\":%.6f,\"hint\":%d}",
                (long long)n, pts, show_hint);
    }
    vg_info("vrgen view: %lld frames of both eyes (%dx%d) to %s", (long long)n, o->eye_w, o->eye_h,
            o->capture);
    xrv_log(log, "{\"event\":\"exit\",\"frames\":%lld,\"code\":0}", (long long)n);
done:
    if (log) fclose(log);
    xrv_hint_free(&hint);
    pl_image_free(&img);
    free(words);
    xrv_render_destroy(&rd);
    xrv_source_close(&src);
    xrv_free_models(&nets, o->nmodels);
    free(script);
    return ret;
}
