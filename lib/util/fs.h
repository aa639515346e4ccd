/*
 * fs.h - filesystem helpers: paths, directories, durable writes, and the
 * registry of temporary files removed when mlw is interrupted.
 *
 * Durability follows one rule everywhere: write to a temporary file in the
 * target directory, fsync it, rename(2) it over the target, then fsync the
 * directory so the rename itself survives a power cut.
 */
#ifndef MLW_UTIL_FS_H
#define MLW_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

struct mlw_buf;

/* "a/b" from "a" and "b" (no doubled slash); the caller frees. */
char *mlw_path_join(const char *a, const char *b);
/* An absolute, normalised form of path (need not exist); caller frees. */
char *mlw_path_absolute(const char *path);
/* "a/b/c" → "a/b"; "c" → "."; caller frees. */
char *mlw_path_dirname(const char *path);

/*
 * The code a failed system call on a path the user gave earns, from its
 * errno: ENOENT is MLW_ENOTFOUND (exit 3); ENOTDIR (a path through a
 * regular file), ELOOP and ENAMETOOLONG are MLW_EINVALID (exit 2);
 * anything else is MLW_ERROR (an I/O error, exit 128).  For paths inside
 * .mlw, where a file in place of a folder is a damaged store, callers
 * keep MLW_ERROR.
 */
int mlw_errno_code(int err);

/* fsync a directory so the names created in it are durable. */
int mlw_fsync_dir(const char *path);
/*
 * mkdir -p; existing directories are fine.  On failure errno says why
 * (ENOTDIR: a file in the way), for mlw_errno_code().
 */
int mlw_mkdir_p(const char *path, mode_t mode);
/* rm -rf, not following symlinks; a missing path is fine. */
int mlw_remove_tree(const char *path);
/* 1 when path is an empty directory, 0 when not empty, <0 on error. */
int mlw_dir_is_empty(const char *path);

/*
 * Open the folder dir/sub for writing beneath it: sub is a relative
 * path of names (checked with mlw_name_check_path(); "" is dir itself),
 * its missing folders are made, and none of its components is followed
 * if it is a symbolic link (MLW_EINVALID: "'X' is a symbolic link or not
 * a folder; mlw does not write through it").  dir itself may be a link.
 * On success *out is an O_DIRECTORY descriptor the caller closes.
 */
int mlw_open_dir_beneath(int *out, const char *dir, const char *sub);

/*
 * Replace path's content atomically and durably: PATH.lock is created with
 * O_EXCL (MLW_ELOCKED when another process holds it), written, fsync'd,
 * renamed over path, and the directory fsync'd.
 */
int mlw_write_file_atomic(const char *path, const void *data, size_t len);
/* The same, the file created with mode (before the umask): 0600 keys. */
int mlw_write_file_atomic_mode(const char *path, const void *data,
			       size_t len, mode_t mode);

/*
 * A file a user names for a command's output (--output, --predictions):
 *
 *	struct mlw_output out;
 *	if (mlw_output_open(&out, path) < 0) ...
 *	... mlw_write_all(out.fd, ...) ...
 *	ret = ok ? mlw_output_commit(&out) : (mlw_output_abort(&out), ret);
 *
 * A regular file or a new path is replaced atomically: the output goes
 * to a temporary file beside it, renamed over it by commit (fsync'd, and
 * the folder too), removed by abort or when mlw is interrupted, so a
 * failed run leaves the old file as it was.  Everything else is written
 * in place and never replaced: "-" and "/dev/stdout" are standard
 * output; a character or block device, a FIFO or a socket is opened for
 * writing as it is (so /dev/null stays a device; abort cannot take back
 * what was written).  A symbolic link is followed on purpose: the file
 * it leads to is replaced (atomically, beside it) and the link stays a
 * link; a link that leads nowhere is refused.  A folder is refused.
 * Errors: MLW_EINVALID (a folder, a dangling link), MLW_ERROR (errno's
 * message).
 */
struct mlw_output {
	char *path;		/* what is written: links followed */
	char *tmp;		/* the temporary file, or NULL when in place */
	int fd;
	int is_stdout;		/* fd is standard output: never closed */
};

/* Open path for writing as above; out is the caller's.  0 or negative. */
int mlw_output_open(struct mlw_output *out, const char *path);
/* make the output final; closes it and frees out's strings */
int mlw_output_commit(struct mlw_output *out);
/* drop it (the temporary file, if any); frees out's strings */
void mlw_output_abort(struct mlw_output *out);

/* write all of buf, retrying short writes and EINTR */
int mlw_write_all(int fd, const void *buf, size_t len);
/* read up to len bytes, retrying short reads; returns bytes read or <0 */
ssize_t mlw_read_full(int fd, void *buf, size_t len);

/* seconds since the epoch, with sub-second precision */
double mlw_now(void);

/*
 * Temporary files and lock files: register them while they exist so a
 * signal (SIGINT, SIGTERM, SIGHUP, SIGPIPE) removes them before mlw dies;
 * unregister once renamed or removed.  Handlers are installed by
 * mlw_tempfile_install_handlers(), once, from main().
 */
void mlw_tempfile_register(const char *path);
void mlw_tempfile_unregister(const char *path);
void mlw_tempfile_install_handlers(void);
/* the signal that interrupted us, or 0 */
int mlw_interrupted(void);

#endif
