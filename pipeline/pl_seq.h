/*
 * pl_seq.h - numbered PNG frame sequences named by a pattern, like FFmpeg's image2 muxer:
 * "frames/%06d.png" gives frames/000001.png, frames/000002.png, ...
 *
 * Pattern syntax: exactly one frame number conversion, %d or %Nd / %0Nd (N = 1..18:
 * zero-padded to N digits, as FFmpeg pads both), in the file name part (not in a folder);
 * %% is a literal %; anything else after a % is an error. The name must end in .png
 * (any case): the frames are always PNG. Numbers start at 1 (FFmpeg's -start_number
 * default). Each frame is written atomically (temporary name, then rename), so a killed
 * run never leaves a half-written frame under a final name.
 * Not a reader of image sequences, and not a general printf: no other conversions.
 * Every failure logs one line naming the pattern or the file.
 */
#ifndef PL_SEQ_H
#define PL_SEQ_H

#include "pipeline/pl_png.h"

#include <stddef.h>
#include <stdint.h>

/* VG_OK, or VG_ERR_INVALID with a message saying what is wrong with pattern and what to
 * write instead (no or several %d, a bad conversion, a lone %, not .png, ...). */
int pl_seq_check_pattern(const char *pattern);

/*
 * Writes the path of frame index (>= 0; negative aborts) into buf (len bytes, owned by the
 * caller): pl_seq_path("f/%04d.png", 12, ...) gives "f/0012.png". Numbers wider than the
 * padding are written in full. VG_ERR_INVALID (logged) for a bad pattern or when the path
 * does not fit in len bytes; buf then holds "".
 */
int pl_seq_path(const char *pattern, int64_t index, char *buf, size_t len);

/*
 * For --resume: the number of the last complete frame already written, scanning 1, 2, 3,
 * ... up to the first missing file; 0 when frame 1 is missing. A frame is complete when it
 * is a non-empty regular file starting with the PNG signature and ending with the IEND
 * chunk. The first frame found incomplete or corrupt is reported (vg_warn: it will be
 * written again) and ends the scan. Negative vg_result on error: VG_ERR_INVALID (pattern),
 * VG_ERR_IO (a frame cannot be examined, e.g. no permission).
 */
int64_t pl_seq_last_complete(const char *pattern);

/*
 * Before writing a sequence without --resume: VG_OK when overwrite, or when no file of the
 * sequence exists. Otherwise VG_ERR_EXISTS, logged as "<first existing frame>: already
 * exists (and N more frames of <pattern>); use -y to overwrite, or --resume to continue
 * after the last complete frame". "Of the sequence" means every name in the pattern's
 * folder that the pattern produces for some number >= 1 (so a gap does not hide later
 * frames). VG_ERR_INVALID (pattern), VG_ERR_IO (the folder cannot be listed).
 */
int pl_seq_check_overwrite(const char *pattern, int overwrite);

/*
 * Creates the pattern's folder when it is missing and its parent folder exists (one level
 * only, so that a mistyped path does not grow a tree). VG_OK when it exists already or
 * the pattern has no folder part. VG_ERR_IO (logged) when the parent is missing, the
 * folder name is taken by a file, or mkdir fails; VG_ERR_INVALID for a bad pattern.
 */
int pl_seq_make_folder(const char *pattern);

/*
 * Writes img as frame index of the sequence with pl_png_write_ex (atomic; opts may be
 * NULL), first creating the folder as pl_seq_make_folder does when it is missing.
 * img is read, not kept. Errors as pl_png_write_ex and pl_seq_path, each logged once.
 */
int pl_seq_write(const char *pattern, int64_t index, const pl_image *img, int overwrite,
                 const pl_png_write_opts *opts);

#endif /* PL_SEQ_H */
