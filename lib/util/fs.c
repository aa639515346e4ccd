/*
 * fs.c - filesystem helpers; see fs.h.
 */
#include "util/fs.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/name.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *mlw_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (!la)
		return mlw_strdup(b);
	if (b[0] == '/')
		return mlw_strdup(b);
	return mlw_xstrfmt("%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
}

char *mlw_path_absolute(const char *path)
{
	struct mlw_buf in = MLW_BUF_INIT, out = MLW_BUF_INIT;
	char *p, *seg, *save = NULL;

	if (path[0] != '/') {
		char *cwd = getcwd(NULL, 0);

		if (!cwd)
			return mlw_strdup(path);
		mlw_buf_adds(&in, cwd);
		mlw_buf_addch(&in, '/');
		free(cwd);
	}
	mlw_buf_adds(&in, path);
	p = in.buf;
	/* collapse ".", ".." and repeated slashes lexically */
	for (seg = strtok_r(p, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			char *slash = strrchr(out.buf, '/');

			mlw_buf_setlen(&out, slash ? (size_t)(slash - out.buf) : 0);
			continue;
		}
		mlw_buf_addch(&out, '/');
		mlw_buf_adds(&out, seg);
	}
	if (!out.len)
		mlw_buf_addch(&out, '/');
	mlw_buf_release(&in);
	return mlw_buf_detach(&out, NULL);
}

char *mlw_path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return mlw_strdup(".");
	if (slash == path)
		return mlw_strdup("/");
	return mlw_strndup(path, (size_t)(slash - path));
}

int mlw_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return mlw_error_errno("cannot open directory '%s'", path);
	if (fsync(fd) < 0 && errno != EINVAL) {
		close(fd);
		return mlw_error_errno("cannot fsync directory '%s'", path);
	}
	close(fd);
	return 0;
}

/* mkdir -p by going back from path: 0, or -1 (errno set) */
static int mkdir_back(const char *path, mode_t mode)
{
	char *p = mlw_strdup(path), *s;
	size_t cut = 0;
	int ret = -1;

	for (;;) {
		s = strrchr(p, '/');
		if (!s || s == p)
			goto out;
		*s = '\0';
		cut++;
		if (!mkdir(p, mode) || errno == EEXIST)
			break;
		if (errno != ENOENT)
			goto out;
	}
	while (cut--) {
		p[strlen(p)] = '/';
		if (mkdir(p, mode) && errno != EEXIST)
			goto out;
	}
	ret = 0;
out:
	free(p);
	return ret;
}

int mlw_mkdir_p(const char *path, mode_t mode)
{
	char *p, *s;
	struct stat st;
	int ret = 0;

	/*
	 * The parent is usually there: one mkdir, not a mkdir and a stat a
	 * component (ten calls for a run's folder).  Anything else takes
	 * the walk, which names the component at fault.
	 */
	if (!mkdir(path, mode) ||
	    (errno == EEXIST && !stat(path, &st) && S_ISDIR(st.st_mode)))
		return 0;
	/*
	 * Folders missing at the end (a run's outputs/NAME): back to the
	 * deepest one there, then forward, not down from the root.  Any
	 * surprise takes the walk below, whose messages name the culprit.
	 */
	if (errno == ENOENT && !mkdir_back(path, mode))
		return 0;
	p = mlw_strdup(path);
	for (s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			ret = mlw_error_errno("cannot create directory '%s'", p);
			break;
		}
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			ret = mlw_error_errno("cannot create directory '%s'", p);
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

static int remove_at(int parent, const char *name)
{
	int fd, ret = 0;
	DIR *d;
	struct dirent *de;

	if (!unlinkat(parent, name, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return mlw_error_errno("cannot remove '%s'", name);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mlw_error_errno("cannot open '%s'", name);
	/* a read-only directory (materialised inputs) must become writable */
	fchmod(fd, 0700);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return mlw_error_errno("cannot read '%s'", name);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (remove_at(dirfd(d), de->d_name) < 0) {
			ret = -1;
			break;
		}
	}
	closedir(d);
	if (!ret && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		ret = mlw_error_errno("cannot remove directory '%s'", name);
	return ret;
}

int mlw_remove_tree(const char *path)
{
	return remove_at(AT_FDCWD, path);
}

int mlw_dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int empty = 1;

	if (!d)
		return mlw_error_errno("cannot read directory '%s'", path);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

int mlw_errno_code(int err)
{
	switch (err) {
	case ENOENT:
		return MLW_ENOTFOUND;
	case ENOTDIR:
	case ELOOP:
	case ENAMETOOLONG:
		return MLW_EINVALID;
	default:
		return MLW_ERROR;
	}
}

int mlw_open_dir_beneath(int *out, const char *dir, const char *sub)
{
	const char *p = sub;
	int fd, ret;

	*out = -1;
	if (*sub) {
		ret = mlw_name_check_path("path", sub);
		if (ret)
			return ret;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		ret = mlw_mkdir_p(dir, 0777);
		if (ret)
			return ret;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return mlw_error_errno("cannot open folder '%s'", dir);
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		char *name = mlw_strndup(p, len);
		int sub_fd;

		if (mkdirat(fd, name, 0777) < 0 && errno != EEXIST) {
			ret = mlw_error_errno("cannot create '%s/%.*s'", dir,
					      (int)(p + len - sub), sub);
			free(name);
			close(fd);
			return ret;
		}
		sub_fd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				O_CLOEXEC);
		free(name);
		close(fd);
		if (sub_fd < 0 && (errno == ELOOP || errno == ENOTDIR))
			return mlw_error_setc(MLW_EINVALID, "'%s/%.*s' is a "
					      "symbolic link or not a folder; "
					      "mlw does not write through it",
					      dir, (int)(p + len - sub), sub);
		if (sub_fd < 0)
			return mlw_error_errno("cannot open '%s/%.*s'", dir,
					       (int)(p + len - sub), sub);
		fd = sub_fd;
		p += len;
		if (*p == '/')
			p++;
	}
	*out = fd;
	return 0;
}

int mlw_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t mlw_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int mlw_write_file_atomic(const char *path, const void *data, size_t len)
{
	return mlw_write_file_atomic_mode(path, data, len, 0666);
}

int mlw_write_file_atomic_mode(const char *path, const void *data,
			       size_t len, mode_t mode)
{
	char *lock = mlw_xstrfmt("%s.lock", path);
	char *dir = mlw_path_dirname(path);
	int fd, ret = 0;

	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			ret = mlw_error_setc(MLW_ELOCKED,
					     "'%s' exists: another mlw process is writing '%s' (remove the lock if none is)",
					     lock, path);
		else
			ret = mlw_error_errno("cannot create '%s'", lock);
		goto out;
	}
	mlw_tempfile_register(lock);
	if (mlw_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		ret = mlw_error_errno("cannot write '%s'", lock);
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		ret = mlw_error_errno("cannot write '%s'", lock);
		goto fail;
	}
	/* rename is the commit point; fsync the directory to make it last */
	if (rename(lock, path) < 0) {
		ret = mlw_error_errno("cannot rename '%s' to '%s'", lock, path);
		goto fail;
	}
	mlw_tempfile_unregister(lock);
	ret = mlw_fsync_dir(dir);
	goto out;
fail:
	unlink(lock);
	mlw_tempfile_unregister(lock);
out:
	free(lock);
	free(dir);
	return ret;
}

/* a temporary name beside path that no other writer has */
static int open_temp(char **out, const char *path)
{
	static unsigned counter;
	unsigned n;
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
		*out = mlw_xstrfmt("%s.tmp%ld.%u", path, (long)getpid(), n);
		fd = open(*out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
		free(*out);
		*out = NULL;
	}
	if (fd < 0) {
		/* a user's path: a missing folder is 3, a file in its way 2 */
		int ret = mlw_errno_code(errno);

		mlw_error_errno("cannot create a file beside '%s'", path);
		ret = mlw_error_recode(ret);
		free(*out);
		*out = NULL;
		return ret;
	}
	mlw_tempfile_register(*out);
	return fd;
}

int mlw_output_open(struct mlw_output *out, const char *path)
{
	struct stat st, lst;
	int fd;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout")) {
		out->fd = STDOUT_FILENO;
		out->is_stdout = 1;
		return 0;
	}
	if (stat(path, &st) < 0) {
		if (errno != ENOENT) {
			int code = mlw_errno_code(errno);

			mlw_error_errno("cannot write '%s'", path);
			return mlw_error_recode(code);
		}
		if (!lstat(path, &lst) && S_ISLNK(lst.st_mode))
			return mlw_error_setc(MLW_EINVALID,
					      "'%s' is a symbolic link that leads nowhere",
					      path);
		out->path = mlw_strdup(path);
	} else if (S_ISDIR(st.st_mode)) {
		return mlw_error_setc(MLW_EINVALID, "'%s' is a folder", path);
	} else if (!S_ISREG(st.st_mode)) {
		/* a device, a FIFO: write to it, never replace it */
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return mlw_error_errno("cannot open '%s'", path);
		out->fd = fd;
		out->path = mlw_strdup(path);
		return 0;
	} else if (!lstat(path, &lst) && S_ISLNK(lst.st_mode)) {
		char *real = realpath(path, NULL);

		if (!real)
			return mlw_error_errno("cannot follow '%s'", path);
		out->path = mlw_strdup(real);
		free(real);
	} else {
		out->path = mlw_strdup(path);
	}
	fd = open_temp(&out->tmp, out->path);
	if (fd < 0) {
		free(out->path);
		out->path = NULL;
		return fd;
	}
	out->fd = fd;
	return 0;
}

int mlw_output_commit(struct mlw_output *out)
{
	char *dir;
	int ret = 0;

	if (out->is_stdout) {
		memset(out, 0, sizeof(*out));
		out->fd = -1;
		return 0;
	}
	if (!out->tmp) {
		if (close(out->fd) < 0)
			ret = mlw_error_errno("cannot write '%s'", out->path);
		free(out->path);
		memset(out, 0, sizeof(*out));
		out->fd = -1;
		return ret;
	}
	if (fsync(out->fd) < 0) {
		ret = mlw_error_errno("cannot write '%s'", out->path);
		close(out->fd);
	} else if (close(out->fd) < 0) {
		ret = mlw_error_errno("cannot write '%s'", out->path);
	} else if (rename(out->tmp, out->path) < 0) {
		/* rename is the commit point */
		ret = mlw_error_errno("cannot rename '%s' to '%s'", out->tmp,
				      out->path);
	}
	if (ret)
		unlink(out->tmp);
	mlw_tempfile_unregister(out->tmp);
	if (!ret) {
		/* and the folder's entry lasts */
		dir = mlw_path_dirname(out->path);
		ret = mlw_fsync_dir(dir);
		free(dir);
	}
	free(out->tmp);
	free(out->path);
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	return ret;
}

void mlw_output_abort(struct mlw_output *out)
{
	if (!out->is_stdout && out->fd >= 0)
		close(out->fd);
	if (out->tmp) {
		unlink(out->tmp);
		mlw_tempfile_unregister(out->tmp);
	}
	free(out->tmp);
	free(out->path);
	memset(out, 0, sizeof(*out));
	out->fd = -1;
}

double mlw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The registry is a fixed array so the signal handler can walk it without
 * allocating; slots are claimed and released under a mutex by ordinary
 * code, and read (never modified) by the handler.
 */
#define MAX_TEMPFILES 64
static char *volatile tempfiles[MAX_TEMPFILES];
static pthread_mutex_t tempfiles_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t caught_signal;

void mlw_tempfile_register(const char *path)
{
	size_t i;

	pthread_mutex_lock(&tempfiles_lock);
	for (i = 0; i < MAX_TEMPFILES; i++)
		if (!tempfiles[i]) {
			tempfiles[i] = mlw_strdup(path);
			break;
		}
	pthread_mutex_unlock(&tempfiles_lock);
	/* beyond the table a stray temp file is left for 'mlw gc' */
}

void mlw_tempfile_unregister(const char *path)
{
	size_t i;

	pthread_mutex_lock(&tempfiles_lock);
	for (i = 0; i < MAX_TEMPFILES; i++)
		if (tempfiles[i] && !strcmp(tempfiles[i], path)) {
			char *p = tempfiles[i];

			tempfiles[i] = NULL;
			free(p);
			break;
		}
	pthread_mutex_unlock(&tempfiles_lock);
}

static void on_signal(int sig)
{
	size_t i;

	caught_signal = sig;
	for (i = 0; i < MAX_TEMPFILES; i++)
		if (tempfiles[i])
			unlink(tempfiles[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void mlw_tempfile_install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	/* a file-size limit makes write() fail with EFBIG instead of killing
	 * us, so the temp file is removed and the error reported */
	signal(SIGXFSZ, SIG_IGN);
}

int mlw_interrupted(void)
{
	return caught_signal;
}
