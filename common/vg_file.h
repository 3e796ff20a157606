/*
 * vg_file.h - safe output files (write to a temporary name next to the target, rename
 * into place when complete) and bounded whole-file reads for untrusted inputs.
 *
 * An interrupted or failed job therefore never leaves a truncated file at the final path,
 * and never replaces an existing file unless overwriting was asked for. Not a path
 * library, and it does not treat "-" as stdin/stdout: callers handle that first.
 * Every failure logs one line naming the path and the reason (strerror text).
 */
#ifndef VG_FILE_H
#define VG_FILE_H

#include <stddef.h>
#include <stdio.h>

/* An output file being written. A zeroed struct is "not open". All strings and fp belong
 * to the struct and are released by vg_outfile_commit or vg_outfile_abort. */
typedef struct vg_outfile {
    char *final_path; /* where the file ends up */
    char *tmp_path;   /* "<folder>/.<name>.vrgen-<pid>-XXXXXX" while writing */
    FILE *fp;         /* open for writing on tmp_path */
    int overwrite;    /* replacing an existing final_path is allowed */
    int committed;    /* set by a successful commit */
} vg_outfile;

/*
 * Creates a temporary file in final_path's folder (".<name>.vrgen-<pid>-XXXXXX", mode 0644
 * less the umask) and opens f->fp for writing on it. The first open in a folder removes
 * such files there whose process no longer exists (left by a run that was killed), saying
 * so. If final_path
 * exists (a dangling symlink counts) and !overwrite: VG_ERR_EXISTS, "<path>: already exists (use -y
 * to overwrite)". final_path a folder: VG_ERR_IO. Folder missing or not writable: VG_ERR_IO with a
 * message naming the folder and the errno text. VG_ERR_NOMEM. On failure *f is left zeroed. A
 * caller writing through another API (FFmpeg's avio on f->tmp_path) may fclose(f->fp) and set f->fp
 * = NULL before commit.
 */
int vg_outfile_open(vg_outfile *f, const char *final_path, int overwrite);

/*
 * Flushes, checks for write errors, fsyncs, closes and renames the temporary file onto
 * final_path, then fsyncs the folder. Without overwrite, the rename refuses to replace a
 * file that appeared meanwhile (renameat2 RENAME_NOREPLACE, else link + unlink):
 * VG_ERR_EXISTS. With overwrite, a symlink at final_path is replaced, not followed. Any other
 * failure: VG_ERR_IO, naming the path and the errno text ("No space left on device"). Success or
 * not, the temporary file is gone afterwards and all of the struct's resources are released (abort
 * after commit is a no-op); on success f->committed is 1.
 */
int vg_outfile_commit(vg_outfile *f);

/* Closes and removes the temporary file and frees the struct's strings, leaving it
 * zeroed. A no-op after commit or on a zeroed struct: call it in every cleanup path. */
void vg_outfile_abort(vg_outfile *f);

/* Commits under the name of a partial result, vg_partial_path(final_path), instead of
 * final_path (same rules as vg_outfile_commit); the name used is written to name. */
int vg_outfile_commit_partial(vg_outfile *f, char *name, size_t len);

/* "dir/clip.mp4" -> "dir/clip.partial.mp4", "out" -> "out.partial": where a job that failed
 * midway keeps what it finished. Returns VG_OK, or VG_ERR_INVALID when out is too small. */
int vg_partial_path(const char *path, char *out, size_t len);

/*
 * Reads the whole file at path into a new buffer. On success *data is malloc'd, owned by
 * the caller (free with free()), holds *size bytes plus a terminating NUL byte (not
 * counted) so text parsers may use it as a string; an empty file gives a 1-byte buffer.
 * Files larger than max_bytes: VG_ERR_LIMIT (nothing read beyond max_bytes + 1, so pipes
 * and /dev files are safe). Missing: VG_ERR_NOT_FOUND. A folder or unreadable:
 * VG_ERR_IO. VG_ERR_NOMEM. On failure *data is NULL and *size 0. Errors name the path.
 */
int vg_file_read_all(const char *path, size_t max_bytes, unsigned char **data, size_t *size);

/* 1 when path names an existing file, folder or other object (symlinks followed), else 0. */
int vg_path_exists(const char *path);

/* Creates the folder and any missing parents, mode 0755 less the umask, like mkdir -p.
 * VG_OK when it exists already; VG_ERR_IO (logged, naming the component) when a component
 * is not a folder or cannot be created; VG_ERR_NOMEM. */
int vg_mkdir_p(const char *path);

#endif /* VG_FILE_H */
