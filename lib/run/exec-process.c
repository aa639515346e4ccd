/*
 * exec-process.c - the executors whose command is a process: sh -c
 * COMMAND (mlw_executor_process) and a simple "mlw ..." command run as
 * the mlw program itself, without sh (mlw_executor_builtin_init()); see
 * executor.h.
 *
 * Either way the command leads a process group of its own, so that a
 * stop reaches every process it started, and when it exits the rest of
 * the group is killed: the run owns its processes, none outlives it.
 * Its end is waited for on a pidfd (poll(2) with a timeout), or, where
 * the kernel has none, by polling waitpid(2).
 */
#include "run/executor.h"
#include "util/alloc.h"
#include "util/env.h"
#include "util/error.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct proc {
	pid_t pid;
	int pidfd;		/* -1: none (poll waitpid instead) */
	int reaped;
	struct mlw_exec_status status;
};

/*
 * The environment of a command: this process's, with the request's
 * variables, then MLW_RUN_ID and MLW_DIR, set over it.  *made gets the
 * two strings made here, to free with the array after the spawn.
 */
static char **command_env(const struct mlw_exec_request *req, char *made[2])
{
	const char **over = mlw_calloc(req->nr_env + 2, sizeof(*over));
	char **env;
	size_t i;

	for (i = 0; i < req->nr_env; i++)
		over[i] = req->env[i];
	made[0] = mlw_xstrfmt("MLW_RUN_ID=%s", req->name);
	made[1] = mlw_xstrfmt("MLW_DIR=%s", req->mlw_dir);
	over[i++] = made[0];
	over[i++] = made[1];
	env = mlw_env_with(over, i);
	free(over);
	return env;
}

/*
 * The signals a supervisor may catch or ignore (a cancel, a reader gone):
 * a command starts with their default dispositions and nothing blocked,
 * whatever the supervising process does with them.
 */
static const int reset_signals[] = { SIGPIPE, SIGTERM, SIGINT, SIGHUP };
#define NR_RESET (sizeof(reset_signals) / sizeof(*reset_signals))

/* a started process: its state, its group, a pidfd to wait on */
static int started(struct mlw_exec *out, pid_t pid)
{
	struct proc *p = mlw_calloc(1, sizeof(*p));

	/* the child does it too: whichever runs first, the group exists */
	setpgid(pid, pid);
	p->pid = pid;
#ifdef SYS_pidfd_open
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#else
	p->pidfd = -1;
#endif
	out->pgid = pid;
	out->state = p;
	return 0;
}

/*
 * path with argv in its own process group, in cwd, with output to out_fd
 * and stdin from /dev/null.  posix_spawn(3), not fork: glibc starts the
 * child with vfork semantics, so the supervisor's page tables are not
 * copied and its pages not made copy-on-write (a millisecond and more
 * of a short job).
 */
static int spawn(struct mlw_exec *out, const struct mlw_exec_request *req,
		 const char *path, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	char *made[2];
	char **envp = command_env(req, made);
	pid_t pid;
	size_t i;
	int err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, req->out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, req->out_fd, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawn_file_actions_addchdir_np(&fa, req->cwd);
	posix_spawnattr_init(&at);
	sigemptyset(&def);
	for (i = 0; i < NR_RESET; i++)
		sigaddset(&def, reset_signals[i]);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETSIGMASK);
	err = posix_spawn(&pid, path, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	free(made[0]);
	free(made[1]);
	if (err)
		return mlw_error_set("cannot run %s in '%s': %s", path,
				     req->cwd, strerror(err));
	return started(out, pid);
}

static int process_start(struct mlw_exec *out, const struct mlw_executor *ex,
			 const struct mlw_exec_request *req)
{
	char *argv[] = { "sh", "-c", (char *)req->command, NULL };

	return spawn(out, req, "/bin/sh", argv);
}

/* "mlw ARGS...": words only, the first of them mlw */
static int builtin_accepts(const struct mlw_executor *ex,
			   const struct mlw_exec_request *req)
{
	return ex->data && req->argv && req->argc > 0 &&
	       !strcmp(req->argv[0], "mlw");
}

/*
 * The words as the program's argv, no sh between.  Not a fork of this
 * process calling the dispatcher: a supervisor has threads (a tracking
 * server's) and open SQLite connections, and a forked copy may take
 * neither a lock another thread held at the fork nor a connection
 * across it; a sanitized build's leak check in such a copy reports the
 * parent's memory.  A fresh mlw costs an exec, and is sound.
 */
static int builtin_start(struct mlw_exec *out, const struct mlw_executor *ex,
			 const struct mlw_exec_request *req)
{
	char **argv = mlw_calloc((size_t)req->argc + 1, sizeof(*argv));
	int i, ret;

	for (i = 0; i < req->argc; i++)
		argv[i] = (char *)req->argv[i];
	ret = spawn(out, req, ex->data, argv);
	free(argv);
	return ret;
}

/* how the process ended, once reaped: its group goes with it */
static void reaped(struct proc *p, int status)
{
	p->reaped = 1;
	memset(&p->status, 0, sizeof(p->status));
	if (WIFEXITED(status)) {
		p->status.exited = 1;
		p->status.exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		p->status.signaled = 1;
		p->status.signal = WTERMSIG(status);
	}
	kill(-p->pid, SIGKILL);
}

/* without a pidfd: waitpid(WNOHANG) every 10 ms up to timeout_ms */
static int poll_waitpid(struct proc *p, int timeout_ms, int *status)
{
	for (;;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		pid_t r = waitpid(p->pid, status, WNOHANG);

		if (r == p->pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return mlw_error_errno("cannot wait for the command");
		if (timeout_ms <= 0)
			return 0;
		if (nanosleep(&ts, NULL))
			return 0;	/* a signal: let the caller look */
		timeout_ms -= 10;
	}
}

static int proc_wait(struct mlw_exec *e, int timeout_ms,
		     struct mlw_exec_status *st)
{
	struct proc *p = e->state;
	int status, ret;

	if (!p->reaped) {
		if (p->pidfd >= 0) {
			struct pollfd pfd = { p->pidfd, POLLIN, 0 };

			if (timeout_ms > 0 && poll(&pfd, 1, timeout_ms) <= 0)
				return 0;
			ret = poll_waitpid(p, 0, &status);
		} else {
			ret = poll_waitpid(p, timeout_ms, &status);
		}
		if (ret <= 0)
			return ret;
		reaped(p, status);
	}
	*st = p->status;
	return 1;
}

static int proc_stop(struct mlw_exec *e, enum mlw_exec_stop how)
{
	struct proc *p = e->state;

	if (p->reaped)
		return 0;
	if (kill(-p->pid, how == MLW_EXEC_KILL ? SIGKILL : SIGTERM) &&
	    errno != ESRCH)
		return mlw_error_errno("cannot stop the command");
	return 0;
}

static void proc_release(struct mlw_exec *e)
{
	struct proc *p = e->state;
	int status;

	if (!p)
		return;
	if (!p->reaped) {
		kill(-p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p);
	e->state = NULL;
}

static const struct mlw_executor_ops process_ops = {
	"process", NULL, process_start, proc_wait, proc_stop,
	proc_release,
};

const struct mlw_executor mlw_executor_process = { &process_ops, NULL, NULL };

static const struct mlw_executor_ops builtin_ops = {
	"builtin", builtin_accepts, builtin_start, proc_wait,
	proc_stop, proc_release,
};

void mlw_executor_builtin_init(struct mlw_executor *ex, const char *program)
{
	ex->ops = &builtin_ops;
	ex->fn = NULL;
	ex->data = (void *)program;
}
