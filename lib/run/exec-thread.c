/*
 * exec-thread.c - the thread executor: a run's command is a function
 * called on a thread of this process (an in-process trial); see
 * executor.h.
 *
 * The function writes its log to a descriptor of its own (a duplicate of
 * the request's out_fd), closed when it returns, so the supervisor reads
 * a thread's output, and its end, as it reads a process's.  Its end is
 * told through a condition variable; a stop sets the flag it polls.
 */
#include "run/executor.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct thread_run {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t ended;
	int done, joined;
	int exit_code;
	atomic_int stop;
	mlw_exec_thread_fn fn;
	struct mlw_exec_thread_ctx ctx;
};

static void *thread_main(void *arg)
{
	struct thread_run *t = arg;
	int ret = t->fn(&t->ctx);

	if (ret < 0) {
		dprintf(t->ctx.log_fd, "mlw: error: %s\n", mlw_error_last());
		ret = 1;
	} else if (ret > 255) {
		ret = 255;
	}
	close(t->ctx.log_fd);
	pthread_mutex_lock(&t->lock);
	t->exit_code = ret;
	t->done = 1;
	pthread_cond_broadcast(&t->ended);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static int thread_start(struct mlw_exec *out, const struct mlw_executor *ex,
			const struct mlw_exec_request *req)
{
	struct thread_run *t = mlw_calloc(1, sizeof(*t));
	pthread_condattr_t ca;
	int err;

	t->ctx.log_fd = fcntl(req->out_fd, F_DUPFD_CLOEXEC, 3);
	if (t->ctx.log_fd < 0) {
		free(t);
		return mlw_error_errno("cannot start a thread for '%s'",
				       req->name);
	}
	t->fn = (mlw_exec_thread_fn)ex->fn;
	t->ctx.req = req;
	t->ctx.stop = &t->stop;
	t->ctx.data = ex->data;
	atomic_init(&t->stop, 0);
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->ended, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&t->thread, NULL, thread_main, t);
	if (err) {
		close(t->ctx.log_fd);
		pthread_cond_destroy(&t->ended);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return mlw_error_set("cannot start a thread for '%s': %s",
				     req->name, strerror(err));
	}
	out->pgid = 0;
	out->state = t;
	return 0;
}

static int thread_wait(struct mlw_exec *e, int timeout_ms,
		       struct mlw_exec_status *st)
{
	struct thread_run *t = e->state;
	int done;

	pthread_mutex_lock(&t->lock);
	if (!t->done && timeout_ms > 0) {
		struct timespec until;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!t->done &&
		       pthread_cond_timedwait(&t->ended, &t->lock,
					      &until) != ETIMEDOUT)
			;
	}
	done = t->done;
	pthread_mutex_unlock(&t->lock);
	if (!done)
		return 0;
	if (!t->joined) {
		pthread_join(t->thread, NULL);
		t->joined = 1;
	}
	memset(st, 0, sizeof(*st));
	st->exited = 1;
	st->exit_code = t->exit_code;
	return 1;
}

/* a thread cannot be killed: either way, it is asked */
static int thread_stop(struct mlw_exec *e, enum mlw_exec_stop how)
{
	struct thread_run *t = e->state;

	atomic_store(&t->stop, 1);
	return 0;
}

static void thread_release(struct mlw_exec *e)
{
	struct thread_run *t = e->state;

	if (!t)
		return;
	if (!t->joined) {
		atomic_store(&t->stop, 1);
		pthread_join(t->thread, NULL);
	}
	pthread_cond_destroy(&t->ended);
	pthread_mutex_destroy(&t->lock);
	free(t);
	e->state = NULL;
}

static const struct mlw_executor_ops thread_ops = {
	"thread", NULL, thread_start, thread_wait, thread_stop,
	thread_release,
};

void mlw_executor_thread_init(struct mlw_executor *ex, mlw_exec_thread_fn fn,
			      void *data)
{
	ex->ops = &thread_ops;
	ex->fn = (void (*)(void))fn;
	ex->data = data;
}
