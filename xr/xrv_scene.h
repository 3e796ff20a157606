/*
 * xrv_scene.h - what the viewer shows and from where: the layout of the video (a flat or
 * curved virtual screen, a 180 or 360 degree sphere; mono or stereo, half or full width),
 * head and eye poses, and the per-eye parameters of the view renderer (gen_view_render).
 * Plain math, no OpenXR: shared by the headset path and the offscreen mode.
 *
 * Spaces follow OpenXR: right-handed, +X right, +Y up, -Z forward, metres. The "scene"
 * space is the recentred stage: its origin is where the head was at recentre time, its
 * -Z the head's forward direction then, projected on the horizontal plane.
 */
#ifndef XRV_SCENE_H
#define XRV_SCENE_H

#include "gen/gen_ops.h"
#include "pipeline/pl_video.h"

typedef enum xrv_layout {
    XRV_LAYOUT_AUTO = 0,
    XRV_LAYOUT_SCREEN, /* flat virtual screen */
    XRV_LAYOUT_CURVED, /* curved screen (a cylinder section around the viewer) */
    XRV_LAYOUT_180,    /* equirectangular half sphere in front */
    XRV_LAYOUT_360,    /* equirectangular sphere */
} xrv_layout;

typedef enum xrv_stereo {
    XRV_STEREO_AUTO = 0,
    XRV_STEREO_MONO,
    XRV_STEREO_SBS,      /* left | right, each eye squeezed to half width (the usual) */
    XRV_STEREO_SBS_FULL, /* left | right, each eye a full-width picture */
    XRV_STEREO_TB,       /* left over right, each eye squeezed to half height */
    XRV_STEREO_TB_FULL,  /* left over right, each eye a full-height picture */
} xrv_stereo;

extern const char *const xrv_layout_names[]; /* "auto", "screen", "curved", "180", "360" */
extern const char *const xrv_stereo_names[]; /* "auto", "mono", "sbs", "sbs-full", ... */

typedef struct xrv_scene {
    xrv_layout layout;
    xrv_stereo stereo;
    int swap_eyes;
    float screen_width;    /* metres; the height follows the picture's aspect */
    float screen_distance; /* metres from the viewer (curved: the radius) */
    float aspect;          /* display aspect of one eye's picture (width / height) */
    float room[3];         /* room colour, linear 0..1 of the output bytes */
} xrv_scene;

/* Resolves AUTO layout and stereo from the video's metadata (spherical and stereo side
 * data), then its file name (_360, _180, _sbs, _lr, _tb, _ou), and half or full width from
 * the picture's shape; sets aspect from the upright picture size pw x ph of one eye and the
 * sample aspect ratio. Logs the result (verbose). */
void xrv_scene_resolve(xrv_scene *s, const char *path, const pl_video_info *vi);

/* Number of eye pictures in a frame (1 or 2) and which half eye e (0 left, 1 right) uses,
 * after --swap-eyes: 0 = left/top half, 1 = right/bottom half. */
int xrv_scene_eyes(const xrv_scene *s);
int xrv_scene_eye_source(const xrv_scene *s, int eye);
/* Stereo split direction: 1 side by side, 2 top and bottom, 0 mono. */
int xrv_scene_split(const xrv_scene *s);

gen_view_layout xrv_scene_view_layout(const xrv_scene *s);

/* A pose: orientation quaternion (x, y, z, w) and position. */
typedef struct xrv_pose {
    float q[4];
    float p[3];
} xrv_pose;

typedef struct xrv_fov {
    float left, right, down, up; /* angles in radians, left and down negative */
} xrv_fov;

xrv_pose xrv_pose_identity(void);
/* Yaw (about +Y: positive turns left), pitch (about +X: positive looks up), roll (about
 * +Z: positive tilts the head to the left), degrees, applied yaw, pitch, roll; then the
 * position x, y, z. */
xrv_pose xrv_pose_from_euler(float yaw_deg, float pitch_deg, float roll_deg, float x, float y,
                             float z);
/* a then b: the pose b expressed in a's space, mapped to a's parent space. */
xrv_pose xrv_pose_mul(xrv_pose a, xrv_pose b);
xrv_pose xrv_pose_inverse(xrv_pose a);
/* The yaw-only, horizontal part of a head pose: recentring makes this the scene origin. */
xrv_pose xrv_pose_yaw_only(xrv_pose head);
/* Row-major 3x3 rotation matrix of q. */
void xrv_quat_to_mat3(const float q[4], float m[9]);

/* Fills params[GEN_VIEW_PARAMS_LEN] for gen_view_render: eye pose in scene space, fov,
 * the scene's screen and room, content on or off. */
void xrv_view_params(const xrv_scene *s, xrv_pose eye_in_scene, xrv_fov fov, int content,
                     float *params);

#endif /* XRV_SCENE_H */
