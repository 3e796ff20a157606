/*
 * fuzz_input.c - fuzz target for media probing and the first decoded frames
 * (pipeline/pl_input.c): pl_input_describe (`vrgen info`), then pl_input_open and
 * pl_input_read with audio/subtitle stream copy, for at most MAX_FRAMES video frames and
 * MAX_ITEMS items in all.
 *
 * Input: a media file in any container FFmpeg probes (read through this process's memfd
 * as /proc/self/fd/N, so the format comes from the bytes, not a file name). The first
 * frame's pixels are bounded by the input size (scripts/fuzz caps it with -max_len) and
 * FFmpeg's own limits; no further frame is read from a video above MAX_PIXELS. Checks, besides the
 * sanitizers: returned frames have the canonical format and size that pl_input_video describes and
 * strictly increasing timestamps; exactly one of frame/packet per item; errors come with the
 * documented codes; log lines carry no control characters. Not a test of decoding accuracy
 * (FFmpeg's business).
 */
#include "common/vg_error.h"
#include "pipeline/pl_input.h"
#include "tests/fuzz/fuzz_util.h"

#include <libavutil/log.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_input: check failed: %s (line %d)\n", #cond, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_FRAMES 3
#define MAX_ITEMS  64
#define MAX_PIXELS (1 << 22) /* frames after the first are read only up to this size */

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull) {
        fuzz_log_init(1);
        av_log_set_level(getenv("FUZZ_VERBOSE") ? AV_LOG_INFO : AV_LOG_QUIET);
        devnull = fopen("/dev/null", "w");
        CHECK(devnull);
    }
    const char *path = fuzz_memfd_path(data, size);

    int r = pl_input_describe(path, devnull);
    CHECK(r == VG_OK || r == VG_ERR_FORMAT || r == VG_ERR_NOT_FOUND || r == VG_ERR_NOMEM ||
          r == VG_ERR_UNSUPPORTED || r == VG_ERR_INVALID);

    pl_input_opts o = PL_INPUT_OPTS_DEFAULT;
    o.path = path;
    o.max_frames = MAX_FRAMES;
    o.copy_streams = 1;
    pl_input *in = (pl_input *)1;
    r = pl_input_open(&o, &in);
    if (r != VG_OK) {
        CHECK(in == NULL);
        CHECK(r == VG_ERR_FORMAT || r == VG_ERR_UNSUPPORTED || r == VG_ERR_NOMEM ||
              r == VG_ERR_LIMIT || r == VG_ERR_NOT_FOUND || r == VG_ERR_INVALID);
        return 0;
    }
    const pl_video_info *v = pl_input_video(in);
    CHECK(v->width > 0 && v->height > 0);
    CHECK(v->rotation == 0 || v->rotation == 90 || v->rotation == 180 || v->rotation == 270);
    int64_t last = INT64_MIN, frames = 0;
    int max_items = (int64_t)v->width * v->height <= MAX_PIXELS ? MAX_ITEMS : 1;
    for (int items = 0; items < max_items; items++) {
        AVFrame *f = (AVFrame *)1;
        AVPacket *p = (AVPacket *)1;
        r = pl_input_read(in, &f, &p);
        if (r != VG_OK) {
            CHECK(f == NULL && p == NULL);
            CHECK(r == VG_EOF || r == VG_ERR_FORMAT || r == VG_ERR_IO || r == VG_ERR_NOMEM ||
                  r == VG_ERR_UNSUPPORTED || r == VG_ERR_INTERNAL);
            break;
        }
        CHECK((f != NULL) != (p != NULL));
        if (f) {
            CHECK(f->format == v->pix_fmt && f->width == v->width && f->height == v->height);
            CHECK(f->pts > last);
            CHECK(f->data[0] && f->data[1] && f->data[2]);
            last = f->pts;
            frames++;
            av_frame_free(&f);
        } else {
            av_packet_free(&p);
        }
    }
    CHECK(frames <= MAX_FRAMES && pl_input_frames_read(in) == frames);
    pl_input_close(&in);
    CHECK(in == NULL);
    return 0;
}
