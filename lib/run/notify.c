/*
 * notify.c - the supervisor's notify channel and following a run's log;
 * see notify.h.
 */
#include "run/notify.h"
#include "run/workdir.h"
#include "store/odb.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* what the channel holds at most past the first line: a status, a reason */
#define MSG_MAX 65536

int mlw_notify_channel(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
		return mlw_error_errno("cannot create the job's notify "
				       "channel");
	return 0;
}

/* all of text, unless the reader has gone */
static void send_all(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t n = send(fd, text, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

void mlw_notify_created(int fd, int code, int reused, const char *text)
{
	char *m = code ? mlw_xstrfmt("E %d %s\n", code, text) :
		  mlw_xstrfmt("R %d %s\n", reused, text);
	char *p;

	for (p = m; p[1]; p++)
		if (*p == '\n')
			*p = ' ';
	send_all(fd, m, strlen(m));
	free(m);
}

void mlw_notify_ended(int fd, enum mlw_run_status status, const char *why)
{
	char *m = mlw_xstrfmt("%s\n%s", mlw_run_status_name(status),
			      why ? why : "");

	send_all(fd, m, strlen(m));
	free(m);
}

void mlw_job_watch_init(struct mlw_job_watch *w, pid_t pid, int fd)
{
	w->pid = pid;
	w->fd = fd;
	w->eof = 0;
	mlw_buf_init(&w->msg, 0);
}

/* read what the channel has; 1 at end of file (or an error) */
static int watch_read(struct mlw_job_watch *w)
{
	char buf[4096];
	ssize_t n;

	if (w->eof)
		return 1;
	do
		n = read(w->fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		w->eof = 1;
		return 1;
	}
	if (w->msg.len < MSG_MAX)
		mlw_buf_add(&w->msg, buf, (size_t)n);
	return 0;
}

/* pid 0: a supervisor host's job (host.h), whose starter waits for it */
static void reap_supervisor(pid_t pid)
{
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int mlw_job_watch_created(struct mlw_job_watch *w, char **name, int *reused)
{
	char *nl = NULL, *end;
	size_t rest;
	int ret = 0;
	long v;

	*name = NULL;
	*reused = 0;
	while (!(nl = memchr(w->msg.buf, '\n', w->msg.len)) && !watch_read(w))
		;
	if (!nl) {
		reap_supervisor(w->pid);
		return mlw_error_set("the job supervisor ended before "
				     "recording the run");
	}
	*nl = '\0';
	errno = 0;
	v = strtol(w->msg.buf + 2, &end, 10);
	if (w->msg.len < 4 || w->msg.buf[1] != ' ' || errno || *end != ' ') {
		ret = mlw_error_set("the job supervisor said '%s'", w->msg.buf);
	} else if (w->msg.buf[0] == 'E') {
		ret = mlw_error_setc(v < 0 ? (int)v : MLW_ERROR, "%s", end + 1);
		reap_supervisor(w->pid);
	} else {
		*reused = v == 1;
		*name = mlw_strdup(end + 1);
	}
	rest = (size_t)(w->msg.buf + w->msg.len - (nl + 1));
	memmove(w->msg.buf, nl + 1, rest);
	mlw_buf_setlen(&w->msg, rest);
	return ret;
}

int mlw_job_watch_follow(struct mlw_job_watch *w, int log_fd, int out_fd)
{
	char buf[65536];
	int done = 0;

	for (;;) {
		ssize_t n = read(log_fd, buf, sizeof(buf));
		struct pollfd p = { w->fd, POLLIN, 0 };

		if (n > 0) {
			if (mlw_write_all(out_fd, buf, (size_t)n))
				return mlw_error_errno("cannot write the log");
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* all of the log is out once the end was seen before */
		if (done)
			return 0;
		if (w->eof || (poll(&p, 1, 20) > 0 && watch_read(w)))
			done = 1;
	}
}

void mlw_job_watch_wait(struct mlw_job_watch *w)
{
	while (!watch_read(w))
		;
}

int mlw_job_watch_status(struct mlw_job_watch *w,
			 enum mlw_run_status *status, char **why)
{
	const char *nl = memchr(w->msg.buf, '\n', w->msg.len);
	char *word;
	int bad;

	*why = NULL;
	if (!nl)
		return 0;
	word = mlw_strndup(w->msg.buf, (size_t)(nl - w->msg.buf));
	bad = mlw_run_status_parse(status, word) ||
	      !mlw_run_status_terminal(*status);
	free(word);
	if (bad) {
		mlw_error_clear();
		return 0;
	}
	if (nl[1])
		*why = mlw_strndup(nl + 1, (size_t)(w->msg.buf + w->msg.len -
						    nl - 1));
	return 1;
}

void mlw_job_watch_release(struct mlw_job_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->pid > 0 && w->eof && waitpid(w->pid, NULL, WNOHANG) <= 0 &&
	    !memchr(w->msg.buf, '\n', w->msg.len))
		reap_supervisor(w->pid);
	w->pid = 0;
	mlw_buf_release(&w->msg);
}

/* a finished run's log, from its object */
static int replay(struct mlw_repo *repo, const char *hex, int out_fd)
{
	struct mlw_odb_reader *r;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	char buf[65536];
	long n;
	int ret = mlw_oid_from_hex(&oid, hex);

	if (!ret)
		ret = mlw_repo_odb(&odb, repo);
	if (!ret)
		ret = mlw_odb_reader_open(&r, odb, &oid);
	if (ret)
		return ret;
	while ((n = mlw_odb_read(r, buf, sizeof(buf))) > 0)
		if (mlw_write_all(out_fd, buf, (size_t)n)) {
			ret = mlw_error_errno("cannot write the log");
			break;
		}
	if (n < 0)
		ret = (int)n;
	mlw_odb_reader_free(r);
	return ret;
}

struct stream {
	struct mlw_repo *repo;
	const char *name;
	void (*reaped)(const char *name, void *data);
	void *data;
};

/*
 * The run, after ending those whose supervisor died: 1 when it has
 * ended, 0 when not, negative on error.  *log_hex (may be NULL) gets its
 * stored log, the caller frees.
 */
static int run_ended(struct stream *s, char **log_hex)
{
	struct mlw_catalog *cat;
	struct mlw_run *run;
	int ret = mlw_job_reap(s->repo, s->reaped, s->data);

	if (!ret)
		ret = mlw_repo_catalog(&cat, s->repo);
	if (!ret)
		ret = mlw_run_get(&run, cat, s->name);
	if (ret)
		return ret;
	ret = mlw_run_status_terminal(run->status);
	if (log_hex) {
		*log_hex = run->log;
		run->log = NULL;
	}
	mlw_run_free(run);
	return ret;
}

/* copy fd to out_fd until the run has ended and all of it is out */
static int follow_run(struct stream *s, int fd, int out_fd)
{
	char buf[65536];
	int done = 0;

	for (;;) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		ssize_t n = read(fd, buf, sizeof(buf));
		int ended;

		if (n > 0) {
			if (mlw_write_all(out_fd, buf, (size_t)n))
				return mlw_error_errno("cannot write the log");
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (done)
			return 0;
		ended = run_ended(s, NULL);
		if (ended < 0)
			return ended;
		done = ended;
		if (!done)
			nanosleep(&ts, NULL);
	}
}

int mlw_run_stream(struct mlw_repo *repo, const char *name, int out_fd,
		   void (*reaped)(const char *name, void *data), void *data)
{
	struct stream s = { repo, name, reaped, data };
	char *path, *log_hex;
	int ret, fd;

	for (;;) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		int ended = run_ended(&s, &log_hex);

		if (ended < 0)
			return ended;
		if (ended && log_hex) {
			ret = replay(repo, log_hex, out_fd);
			free(log_hex);
			return ret;
		}
		free(log_hex);
		path = mlw_job_log_path(repo, name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		free(path);
		if (fd >= 0)
			break;
		/* ended without a stored log, its working area gone */
		if (ended)
			return 0;
		nanosleep(&ts, NULL);
	}
	ret = follow_run(&s, fd, out_fd);
	close(fd);
	return ret;
}
