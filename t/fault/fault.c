/*
 * fault.c - an LD_PRELOAD shim that makes the Nth file-system call of a
 * process fail, for t/t1550-fault-injection.sh and 'make fault'.
 *
 * SQLite's test suite injects I/O errors through its VFS and jq through
 * its allocator; mlw is a client of the C library's file calls, so the
 * shim stands between the two:
 *
 *	LD_PRELOAD=t/fault/libfault.so MLW_FAULT_AT=7 MLW_FAULT_ERRNO=ENOSPC \
 *	MLW_FAULT_PATH=$PWD/.mlw mlw hash-object -w big
 *
 * Counted calls: write, pwrite, pwrite64, writev, fsync, fdatasync,
 * ftruncate, rename, renameat, renameat2, mkdir, mkdirat, open, open64,
 * openat, openat64, creat, unlink, unlinkat; only those on a path under
 * MLW_FAULT_PATH (for calls on a file descriptor, the file it names) and
 * only in processes whose program is named mlw.  The MLW_FAULT_AT-th
 * counted call fails with MLW_FAULT_ERRNO (ENOSPC, EIO, EDQUOT or EROFS;
 * ENOSPC by default) and does nothing; with MLW_FAULT_STICKY=1 every
 * later one fails too (a disk that stays full).  MLW_FAULT_CALLS=
 * write,fsync counts only those calls.  MLW_FAULT_COMM=NAME counts them
 * only in processes whose name (prctl PR_GET_NAME, as ps shows it) is
 * NAME when they make them: mlw-supervise, a job's supervisor.  With
 * MLW_FAULT_KILL=1 the Nth call is not failed: the process is killed
 * (SIGKILL) instead, as a crash at that point would.  With
 * MLW_FAULT_DELAY_MS=N it is not failed either: it waits N milliseconds,
 * then is made (a disk slow for a moment).  Each fault is appended to
 * MLW_FAULT_LOG ("PID CALL ERRNO PATH"); each process appends its number
 * of counted calls to MLW_FAULT_COUNT at exit ("PID COUNT").  Counting is
 * per process: a job's supervisor and the command that forked it each
 * fail their own Nth call.
 *
 * Calls the C library makes internally (stdio's writes, for one) do not
 * go through the dynamic symbols and are not seen.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static long fault_at, counted;
static int enabled, sticky, kill_mode, fault_errno = ENOSPC;
static long delay_ms;
static const char *prefix, *calls, *log_path, *count_path, *comm;
static size_t prefix_len;
/* set while the shim itself works: its own calls are not counted */
static __thread int busy;

/* the next definition of a symbol: the C library's (or ASan's) */
#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (!real_##name) \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

static const char *errno_name(int e)
{
	return e == EIO ? "EIO" : e == EDQUOT ? "EDQUOT" :
	       e == EROFS ? "EROFS" : "ENOSPC";
}

static int errno_named(const char *s)
{
	static const int all[] = { ENOSPC, EIO, EDQUOT, EROFS };
	size_t i;

	for (i = 0; s && i < sizeof(all) / sizeof(*all); i++)
		if (!strcmp(s, errno_name(all[i])))
			return all[i];
	return ENOSPC;
}

static void append(const char *path, const char *line)
{
	int fd;

	if (!path)
		return;
	busy++;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd >= 0) {
		(void)!write(fd, line, strlen(line));
		close(fd);
	}
	busy--;
}

static void report_count(void)
{
	char line[64];

	if (!enabled)
		return;
	snprintf(line, sizeof(line), "%ld %ld\n", (long)getpid(), counted);
	append(count_path, line);
}

__attribute__((constructor))
static void fault_init(void)
{
	char exe[PATH_MAX];
	ssize_t n;
	const char *at = getenv("MLW_FAULT_AT"), *base;

	busy++;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	busy--;
	if (n <= 0 || !at)
		return;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	if (strcmp(base, "mlw"))
		return;
	fault_at = atol(at);
	sticky = getenv("MLW_FAULT_STICKY") && *getenv("MLW_FAULT_STICKY") &&
		 strcmp(getenv("MLW_FAULT_STICKY"), "0");
	fault_errno = errno_named(getenv("MLW_FAULT_ERRNO"));
	prefix = getenv("MLW_FAULT_PATH");
	prefix_len = prefix ? strlen(prefix) : 0;
	calls = getenv("MLW_FAULT_CALLS");
	comm = getenv("MLW_FAULT_COMM");
	kill_mode = getenv("MLW_FAULT_KILL") && !strcmp(getenv("MLW_FAULT_KILL"), "1");
	delay_ms = getenv("MLW_FAULT_DELAY_MS") ?
		   atol(getenv("MLW_FAULT_DELAY_MS")) : 0;
	log_path = getenv("MLW_FAULT_LOG");
	count_path = getenv("MLW_FAULT_COUNT");
	enabled = 1;
	atexit(report_count);
}

/* is call one of MLW_FAULT_CALLS (all when not set)? */
static int call_selected(const char *call)
{
	size_t len = strlen(call);
	const char *p = calls;

	if (!p || !*p)
		return 1;
	while ((p = strstr(p, call))) {
		if ((p == calls || p[-1] == ',') &&
		    (p[len] == ',' || !p[len]))
			return 1;
		p += len;
	}
	return 0;
}

static int under_prefix(const char *path)
{
	char abs[PATH_MAX];

	if (!prefix_len)
		return 1;
	if (!path)
		return 0;
	if (*path != '/') {
		if (strlen(path) > PATH_MAX / 2)
			return 0;
		busy++;
		if (!getcwd(abs, PATH_MAX / 2 - 2)) {
			busy--;
			return 0;
		}
		busy--;
		strcat(abs, "/");
		strcat(abs, path);
		path = abs;
	}
	return !strncmp(path, prefix, prefix_len) &&
	       (path[prefix_len] == '/' || !path[prefix_len]);
}

/* path relative to the folder of dirfd, made absolute */
static int at_under_prefix(int dirfd, const char *path)
{
	char link[64], dir[PATH_MAX], full[2 * PATH_MAX + 2];
	ssize_t n;

	if (!path || *path == '/' || dirfd == AT_FDCWD)
		return under_prefix(path);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	busy++;
	n = readlink(link, dir, sizeof(dir) - 1);
	busy--;
	if (n <= 0)
		return 0;
	dir[n] = '\0';
	snprintf(full, sizeof(full), "%s/%s", dir, path);
	return under_prefix(full);
}

static int fd_under_prefix(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (!prefix_len)
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	busy++;
	n = readlink(link, path, sizeof(path) - 1);
	busy--;
	if (n <= 0)
		return 0;
	path[n] = '\0';
	return under_prefix(path);
}

/* count this call; 1 when it is the one to fail (errno set) */
static int inject(const char *call, int counts, const char *what)
{
	long n;
	char line[PATH_MAX + 64];

	if (!enabled || busy || !counts || !call_selected(call))
		return 0;
	if (comm && *comm) {
		char name[17] = "";

		if (prctl(PR_GET_NAME, name, 0, 0, 0) || strcmp(name, comm))
			return 0;
	}
	n = __atomic_add_fetch(&counted, 1, __ATOMIC_SEQ_CST);
	if (n != fault_at && !(sticky && n > fault_at))
		return 0;
	snprintf(line, sizeof(line), "%ld %s %s %s\n", (long)getpid(), call,
		 errno_name(fault_errno), what ? what : "");
	append(log_path, line);
	if (kill_mode)
		raise(SIGKILL);
	if (delay_ms > 0) {
		struct timespec ts = { delay_ms / 1000,
				       (delay_ms % 1000) * 1000000 };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		return 0;
	}
	errno = fault_errno;
	return 1;
}

static const char *fd_name(int fd)
{
	static __thread char path[PATH_MAX];
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	busy++;
	n = readlink(link, path, sizeof(path) - 1);
	busy--;
	path[n > 0 ? n : 0] = '\0';
	return path;
}

#define FD_CALL(call, fd) (enabled && !busy && fd_under_prefix(fd) && \
			   inject(call, 1, fd_name(fd)))
#define PATH_CALL(call, path) (enabled && !busy && \
			       inject(call, under_prefix(path), path))
#define AT_CALL(call, dirfd, path) (enabled && !busy && \
				    inject(call, at_under_prefix(dirfd, path), \
					   path))

ssize_t write(int fd, const void *buf, size_t len)
{
	REAL(write);
	if (FD_CALL("write", fd))
		return -1;
	return real_write(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	REAL(pwrite);
	if (FD_CALL("pwrite", fd))
		return -1;
	return real_pwrite(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	REAL(pwrite64);
	if (FD_CALL("pwrite", fd))
		return -1;
	return real_pwrite64(fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	REAL(writev);
	if (FD_CALL("write", fd))
		return -1;
	return real_writev(fd, iov, n);
}

int fsync(int fd)
{
	REAL(fsync);
	if (FD_CALL("fsync", fd))
		return -1;
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	REAL(fdatasync);
	if (FD_CALL("fsync", fd))
		return -1;
	return real_fdatasync(fd);
}

int ftruncate(int fd, off_t len)
{
	REAL(ftruncate);
	if (FD_CALL("ftruncate", fd))
		return -1;
	return real_ftruncate(fd, len);
}

int rename(const char *from, const char *to)
{
	REAL(rename);
	if (enabled && !busy &&
	    inject("rename", under_prefix(from) || under_prefix(to), to))
		return -1;
	return real_rename(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	REAL(renameat);
	if (enabled && !busy &&
	    inject("rename", at_under_prefix(fromfd, from) ||
		   at_under_prefix(tofd, to), to))
		return -1;
	return real_renameat(fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to,
	      unsigned flags)
{
	REAL(renameat2);
	if (enabled && !busy &&
	    inject("rename", at_under_prefix(fromfd, from) ||
		   at_under_prefix(tofd, to), to))
		return -1;
	return real_renameat2(fromfd, from, tofd, to, flags);
}

int mkdir(const char *path, mode_t mode)
{
	REAL(mkdir);
	if (PATH_CALL("mkdir", path))
		return -1;
	return real_mkdir(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	REAL(mkdirat);
	if (AT_CALL("mkdir", dirfd, path))
		return -1;
	return real_mkdirat(dirfd, path, mode);
}

int unlink(const char *path)
{
	REAL(unlink);
	if (PATH_CALL("unlink", path))
		return -1;
	return real_unlink(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	REAL(unlinkat);
	if (AT_CALL("unlink", dirfd, path))
		return -1;
	return real_unlinkat(dirfd, path, flags);
}

/* the mode argument exists when the flags create a file */
#define OPEN_MODE(flags, mode) do { \
	if ((flags) & (O_CREAT | O_TMPFILE)) { \
		va_list ap; \
		va_start(ap, flags); \
		mode = va_arg(ap, mode_t); \
		va_end(ap); \
	} \
} while (0)

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(open);
	OPEN_MODE(flags, mode);
	if (PATH_CALL("open", path))
		return -1;
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(open64);
	OPEN_MODE(flags, mode);
	if (PATH_CALL("open", path))
		return -1;
	return real_open64(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(openat);
	OPEN_MODE(flags, mode);
	if (AT_CALL("open", dirfd, path))
		return -1;
	return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	REAL(openat64);
	OPEN_MODE(flags, mode);
	if (AT_CALL("open", dirfd, path))
		return -1;
	return real_openat64(dirfd, path, flags, mode);
}

int creat(const char *path, mode_t mode)
{
	REAL(creat);
	if (PATH_CALL("open", path))
		return -1;
	return real_creat(path, mode);
}
