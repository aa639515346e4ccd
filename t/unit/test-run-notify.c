/*
 * test-run-notify.c - both ends of the supervisor's notify channel
 * (run/notify.h), with a forked child as the supervisor.
 */
#include "tap.h"
#include "run/notify.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum script { RECORDED, REFUSED, SILENT, ENDED_LOG, GARBAGE };

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* a supervisor playing script on fd, writing log_path if it has one */
static void supervisor(enum script s, int fd, const char *log_path)
{
	int log;

	switch (s) {
	case RECORDED:
		mlw_notify_created(fd, 0, 1, "happy_lamp_4k2");
		pause_ms(50);
		mlw_notify_ended(fd, MLW_RUN_FAILED, "the command exited\n"
				 "with status 2");
		break;
	case REFUSED:
		mlw_notify_created(fd, MLW_EINVALID, 0, "bad\nname");
		break;
	case SILENT:
		break;
	case ENDED_LOG:
		mlw_notify_created(fd, 0, 0, "kind_kite_007");
		log = open(log_path, O_WRONLY | O_APPEND);
		dprintf(log, "second\n");
		pause_ms(100);
		dprintf(log, "third\n");
		close(log);
		mlw_notify_ended(fd, MLW_RUN_COMPLETED, NULL);
		break;
	case GARBAGE:
		send(fd, "hello\n", 6, 0);
		break;
	}
	_exit(0);
}

static pid_t start(struct mlw_job_watch *w, enum script s,
		   const char *log_path)
{
	int fds[2];
	pid_t pid;

	if (mlw_notify_channel(fds))
		return -1;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(fds[0]);
		supervisor(s, fds[1], log_path);
	}
	close(fds[1]);
	mlw_job_watch_init(w, pid, fds[0]);
	return pid;
}

static void test_recorded(void)
{
	struct mlw_job_watch w;
	enum mlw_run_status status;
	char *name, *why;
	int reused;
	pid_t pid = start(&w, RECORDED, NULL);

	ok(!mlw_job_watch_created(&w, &name, &reused), "the run is recorded");
	is_str(name, "happy_lamp_4k2", "under its name");
	is_int(reused, 1, "with the working copy reused");
	is_int(mlw_job_watch_status(&w, &status, &why), 0,
	       "no status before the end");
	mlw_job_watch_wait(&w);
	ok(w.eof, "read to the end");
	is_int(mlw_job_watch_status(&w, &status, &why), 1, "the end was said");
	is_int(status, MLW_RUN_FAILED, "Failed");
	is_str(why, "the command exited\nwith status 2", "and why");
	free(why);
	free(name);
	mlw_job_watch_release(&w);
	/* one that said its end is not waited for: it may be closing up */
	ok(waitpid(pid, NULL, 0) == pid || errno == ECHILD,
	   "the supervisor is gone");
}

static void test_refused(void)
{
	struct mlw_job_watch w;
	char *name;
	int reused, ret;

	start(&w, REFUSED, NULL);
	ret = mlw_job_watch_created(&w, &name, &reused);
	is_int(ret, MLW_EINVALID, "its error is ours, with its code");
	is_str(mlw_error_last(), "bad name", "and its message on one line");
	ok(!name, "no name");
	ok(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
	   "and it was waited for");
	w.pid = 0;
	mlw_job_watch_release(&w);

	start(&w, SILENT, NULL);
	ok(mlw_job_watch_created(&w, &name, &reused) < 0,
	   "a supervisor that says nothing is an error");
	ok(strstr(mlw_error_last(), "ended before recording") != NULL,
	   "saying so: %s", mlw_error_last());
	w.pid = 0;
	mlw_job_watch_release(&w);

	start(&w, GARBAGE, NULL);
	ok(mlw_job_watch_created(&w, &name, &reused) < 0,
	   "a line out of the protocol is an error");
	ok(strstr(mlw_error_last(), "'hello'") != NULL, "quoting it: %s",
	   mlw_error_last());
	mlw_job_watch_wait(&w);
	mlw_job_watch_release(&w);
}

static void test_follow(void)
{
	char dir[] = "/tmp/mlw-test-notify-XXXXXX";
	struct mlw_job_watch w;
	enum mlw_run_status status;
	char *log, *out, *name, *why, buf[256];
	int reused, log_fd, out_fd;
	ssize_t n;

	if (!mkdtemp(dir))
		return;
	log = mlw_path_join(dir, "log");
	out = mlw_path_join(dir, "out");
	log_fd = open(log, O_RDWR | O_CREAT | O_TRUNC, 0666);
	dprintf(log_fd, "first\n");
	out_fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0666);
	start(&w, ENDED_LOG, log);
	ok(!mlw_job_watch_created(&w, &name, &reused), "recorded");
	is_int(reused, 0, "a fresh working copy");
	lseek(log_fd, 0, SEEK_SET);
	ok(!mlw_job_watch_follow(&w, log_fd, out_fd), "the log is followed");
	n = pread(out_fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "first\nsecond\nthird\n",
	       "to the end, with what came after it was opened");
	is_int(mlw_job_watch_status(&w, &status, &why), 1, "the end was said");
	is_int(status, MLW_RUN_COMPLETED, "Completed");
	ok(!why, "no reason");
	mlw_job_watch_release(&w);
	close(log_fd);
	close(out_fd);
	free(name);
	free(log);
	free(out);
	mlw_remove_tree(dir);
}

int main(void)
{
	test_recorded();
	test_refused();
	test_follow();
	return done_testing();
}
