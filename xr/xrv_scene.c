/*
 * xrv_scene.c - layout resolution, pose math and view parameters (xrv_scene.h).
 */
#include "xr/xrv_scene.h"

#include <math.h>
#include <string.h>

#include "common/vg_log.h"

const char *const xrv_layout_names[] = {"auto", "screen", "curved", "180", "360", NULL};
const char *const xrv_stereo_names[] = {"auto", "mono", "sbs", "sbs-full", "tb", "tb-full", NULL};

static int has(const char *name, const char *hint)
{
    return strstr(name, hint) != NULL;
}

void xrv_scene_resolve(xrv_scene *s, const char *path, const pl_video_info *vi)
{
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    if (s->layout == XRV_LAYOUT_AUTO)
        s->layout = vi->spherical == PL_SPHERICAL_EQUIRECT ? XRV_LAYOUT_360
                    : has(name, "_360")                    ? XRV_LAYOUT_360
                    : has(name, "_180")                    ? XRV_LAYOUT_180
                                                           : XRV_LAYOUT_SCREEN;
    int rot = vi->rotation == 90 || vi->rotation == 270;
    double w = rot ? vi->height : vi->width, h = rot ? vi->width : vi->height;
    if (s->stereo == XRV_STEREO_AUTO) {
        int split = vi->stereo == PL_STEREO_SIDE_BY_SIDE    ? 1
                    : vi->stereo == PL_STEREO_TOP_BOTTOM    ? 2
                    : has(name, "_sbs") || has(name, "_lr") ? 1
                    : has(name, "_tb") || has(name, "_ou")  ? 2
                                                            : 0;
        /* half or full: an eye picture narrower than square was squeezed (a 1920x1080
         * side-by-side frame holds two 16:9 pictures at half width); 180 and 360 content
         * has no aspect to keep, so it does not matter there */
        if (split == 1)
            s->stereo = w / 2 < h ? XRV_STEREO_SBS : XRV_STEREO_SBS_FULL;
        else if (split == 2)
            s->stereo = h / 2 < w / 2 ? XRV_STEREO_TB_FULL : XRV_STEREO_TB;
        else
            s->stereo = XRV_STEREO_MONO;
    }
    double sar = vi->sar.num > 0 && vi->sar.den > 0 ? (double)vi->sar.num / vi->sar.den : 1.0;
    if (rot) sar = 1.0 / sar;
    double ew = w, eh = h;
    if (s->stereo == XRV_STEREO_SBS_FULL) ew = w / 2;
    if (s->stereo == XRV_STEREO_TB_FULL) eh = h / 2;
    s->aspect = eh > 0 ? (float)(ew * sar / eh) : 1.0f;
    vg_verbose("view: %s, %s%s, eye picture aspect %.3f", xrv_layout_names[s->layout],
               xrv_stereo_names[s->stereo], s->swap_eyes ? " (eyes swapped)" : "", s->aspect);
}

int xrv_scene_split(const xrv_scene *s)
{
    switch (s->stereo) {
    case XRV_STEREO_SBS:
    case XRV_STEREO_SBS_FULL:
        return 1;
    case XRV_STEREO_TB:
    case XRV_STEREO_TB_FULL:
        return 2;
    default:
        return 0;
    }
}

int xrv_scene_eyes(const xrv_scene *s)
{
    return xrv_scene_split(s) ? 2 : 1;
}

int xrv_scene_eye_source(const xrv_scene *s, int eye)
{
    if (xrv_scene_eyes(s) == 1) return 0;
    return s->swap_eyes ? !eye : eye;
}

gen_view_layout xrv_scene_view_layout(const xrv_scene *s)
{
    switch (s->layout) {
    case XRV_LAYOUT_CURVED:
        return GEN_VIEW_CURVED;
    case XRV_LAYOUT_180:
        return GEN_VIEW_EQUI180;
    case XRV_LAYOUT_360:
        return GEN_VIEW_EQUI360;
    default:
        return GEN_VIEW_SCREEN;
    }
}

/* --- poses --------------------------------------------------------------------------- */

xrv_pose xrv_pose_identity(void)
{
    return (xrv_pose){{0, 0, 0, 1}, {0, 0, 0}};
}

static void quat_mul(const float a[4], const float b[4], float o[4])
{
    float x = a[3] * b[0] + a[0] * b[3] + a[1] * b[2] - a[2] * b[1];
    float y = a[3] * b[1] - a[0] * b[2] + a[1] * b[3] + a[2] * b[0];
    float z = a[3] * b[2] + a[0] * b[1] - a[1] * b[0] + a[2] * b[3];
    float w = a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2];
    o[0] = x, o[1] = y, o[2] = z, o[3] = w;
}

static void quat_axis(float ax, float ay, float az, float deg, float q[4])
{
    float h = deg * (float)M_PI / 360.0f;
    q[0] = ax * sinf(h), q[1] = ay * sinf(h), q[2] = az * sinf(h), q[3] = cosf(h);
}

static void quat_rotate(const float q[4], const float v[3], float o[3])
{
    float m[9];
    xrv_quat_to_mat3(q, m);
    for (int i = 0; i < 3; i++) o[i] = m[3 * i] * v[0] + m[3 * i + 1] * v[1] + m[3 * i + 2] * v[2];
}

xrv_pose xrv_pose_from_euler(float yaw_deg, float pitch_deg, float roll_deg, float x, float y,
                             float z)
{
    float qy[4], qp[4], qr[4], t[4];
    quat_axis(0, 1, 0, yaw_deg, qy);
    quat_axis(1, 0, 0, pitch_deg, qp);
    quat_axis(0, 0, 1, roll_deg, qr);
    xrv_pose p = {{0, 0, 0, 1}, {x, y, z}};
    quat_mul(qy, qp, t);
    quat_mul(t, qr, p.q);
    return p;
}

xrv_pose xrv_pose_mul(xrv_pose a, xrv_pose b)
{
    xrv_pose o;
    quat_mul(a.q, b.q, o.q);
    quat_rotate(a.q, b.p, o.p);
    for (int i = 0; i < 3; i++) o.p[i] += a.p[i];
    return o;
}

xrv_pose xrv_pose_inverse(xrv_pose a)
{
    xrv_pose o = {{-a.q[0], -a.q[1], -a.q[2], a.q[3]}, {0, 0, 0}};
    float np[3] = {-a.p[0], -a.p[1], -a.p[2]};
    quat_rotate(o.q, np, o.p);
    return o;
}

xrv_pose xrv_pose_yaw_only(xrv_pose head)
{
    float f[3], fwd[3] = {0, 0, -1};
    quat_rotate(head.q, fwd, f);
    float yaw = (fabsf(f[0]) + fabsf(f[2]) > 1e-6f) ? atan2f(-f[0], -f[2]) : 0.0f;
    xrv_pose o =
        xrv_pose_from_euler(yaw * 180.0f / (float)M_PI, 0, 0, head.p[0], head.p[1], head.p[2]);
    return o;
}

void xrv_quat_to_mat3(const float q[4], float m[9])
{
    float n = sqrtf(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    float x = q[0] / n, y = q[1] / n, z = q[2] / n, w = q[3] / n;
    m[0] = 1 - 2 * (y * y + z * z), m[1] = 2 * (x * y - z * w), m[2] = 2 * (x * z + y * w);
    m[3] = 2 * (x * y + z * w), m[4] = 1 - 2 * (x * x + z * z), m[5] = 2 * (y * z - x * w);
    m[6] = 2 * (x * z - y * w), m[7] = 2 * (y * z + x * w), m[8] = 1 - 2 * (x * x + y * y);
}

void xrv_view_params(const xrv_scene *s, xrv_pose eye, xrv_fov fov, int content, float *params)
{
    memset(params, 0, GEN_VIEW_PARAMS_LEN * sizeof(float));
    params[GEN_VIEW_TAN_LEFT] = tanf(fov.left);
    params[GEN_VIEW_TAN_RIGHT] = tanf(fov.right);
    params[GEN_VIEW_TAN_DOWN] = tanf(fov.down);
    params[GEN_VIEW_TAN_UP] = tanf(fov.up);
    xrv_quat_to_mat3(eye.q, params + GEN_VIEW_ROT);
    for (int i = 0; i < 3; i++) {
        params[GEN_VIEW_POS + i] = eye.p[i];
        params[GEN_VIEW_ROOM + i] = s->room[i];
    }
    params[GEN_VIEW_SCREEN_W] = s->screen_width;
    params[GEN_VIEW_SCREEN_H] = s->screen_width / (s->aspect > 0 ? s->aspect : 1.0f);
    params[GEN_VIEW_SCREEN_DIST] = s->screen_distance;
    params[GEN_VIEW_CONTENT] = content ? 1.0f : 0.0f;
}
