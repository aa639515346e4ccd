/*
 * exec-ranks.c - a distributed command on this machine: the ranks of an
 * mpi, pytorch or tensorflow placement; see executor.h.
 *
 * mpi is one process, 'mpirun -np W ... sh -c COMMAND' (placement.h),
 * which starts the ranks and ends them all when one fails.  pytorch and
 * tensorflow are W processes of mlw_executor_process, each with its
 * rank's variables over the run's environment, their output going to
 * the one log: when a rank fails, the others are asked to stop (SIGTERM
 * to their groups) and made to three seconds later, and the run fails
 * naming the rank.  The rendezvous address is 127.0.0.1 and a port the
 * kernel found free (MASTER_PORT; TF_CONFIG's ports count up from it).
 */
#include "run/executor.h"
#include "compute/compute.h"
#include "compute/placement.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/strutil.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* how long a rank asked to stop has before it is killed, in seconds */
#define STOP_GRACE 3.0

struct rank {
	struct mlw_exec exec;
	int started, ended;
	struct mlw_exec_status status;
	struct mlw_strlist env;
};

struct ranks {
	struct rank *r;
	size_t nr;
	long failed;		/* the first rank that failed, or -1 */
	double kill_at;		/* when stopped ranks are killed; 0: not */
	char *mpirun;		/* the command line of mpi */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* a TCP port on loopback nobody listens on now (0: none found) */
static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void ranks_free(struct ranks *rs)
{
	size_t i;

	for (i = 0; i < rs->nr; i++) {
		if (rs->r[i].started)
			mlw_exec_release(&rs->r[i].exec);
		mlw_strlist_release(&rs->r[i].env);
	}
	free(rs->r);
	free(rs->mpirun);
	free(rs);
}

static int ranks_accepts(const struct mlw_executor *ex,
			 const struct mlw_exec_request *req)
{
	return req->placement && req->placement->dist != MLW_DIST_NONE &&
	       !mlw_placement_is_slurm(req->placement);
}

static int ranks_stop(struct mlw_exec *e, enum mlw_exec_stop how);

static int ranks_start(struct mlw_exec *out, const struct mlw_executor *ex,
		       const struct mlw_exec_request *req)
{
	const struct mlw_placement *p = req->placement;
	struct ranks *rs = mlw_calloc(1, sizeof(*rs));
	struct mlw_exec_request sub;
	int port = 0, ret = 0;
	size_t i, k;

	rs->failed = -1;
	if (p->dist == MLW_DIST_MPI) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		rs->nr = 1;
		rs->mpirun = mlw_placement_mpirun(p, req->command,
						  cpus > 0 ? cpus : 1,
						  geteuid() == 0);
	} else {
		rs->nr = (size_t)mlw_placement_ranks(p);
		port = free_port();
		if (!port)
			port = 29500;
	}
	rs->r = mlw_calloc(rs->nr, sizeof(*rs->r));
	for (i = 0; !ret && i < rs->nr; i++) {
		struct rank *r = &rs->r[i];

		sub = *req;
		sub.argv = NULL;	/* sh -c, never a built-in */
		sub.argc = 0;
		sub.placement = NULL;
		if (rs->mpirun)
			sub.command = rs->mpirun;
		for (k = 0; k < req->nr_env; k++)
			mlw_strlist_push(&r->env, req->env[k]);
		mlw_placement_rank_env(&r->env, p, (int64_t)i, "127.0.0.1",
				       port);
		sub.env = (const char *const *)r->env.items;
		sub.nr_env = r->env.nr;
		ret = mlw_exec_start(&r->exec, &mlw_executor_process, &sub);
		r->started = !ret;
	}
	out->state = rs;
	if (ret) {
		/* the ranks that did start do not run alone */
		ranks_stop(out, MLW_EXEC_KILL);
		ranks_free(rs);
		out->state = NULL;
		return ret;
	}
	out->pgid = rs->r[0].exec.pgid;
	return 0;
}

/* the ranks still running get how */
static void stop_live(struct ranks *rs, enum mlw_exec_stop how)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		if (rs->r[i].started && !rs->r[i].ended)
			mlw_exec_stop(&rs->r[i].exec, how);
	mlw_error_clear();
}

static int failed(const struct mlw_exec_status *st)
{
	return !st->exited || st->exit_code;
}

/* look at every rank once; 1 when all have ended, negative on error */
static int reap(struct ranks *rs)
{
	size_t i, live = 0;
	int r;

	for (i = 0; i < rs->nr; i++) {
		struct rank *k = &rs->r[i];

		if (k->ended)
			continue;
		r = mlw_exec_wait(&k->exec, 0, &k->status);
		if (r < 0)
			return r;
		if (!r) {
			live++;
			continue;
		}
		k->ended = 1;
		if (failed(&k->status) && rs->failed < 0 && rs->nr > 1) {
			rs->failed = (long)i;
			stop_live(rs, MLW_EXEC_TERM);
			rs->kill_at = now() + STOP_GRACE;
		}
	}
	if (live && rs->kill_at && now() >= rs->kill_at) {
		stop_live(rs, MLW_EXEC_KILL);
		rs->kill_at = 0;
	}
	return !live;
}

/* how the ranks ended: the failed rank's status, said so; else rank 0's */
static void result(const struct ranks *rs, struct mlw_exec_status *st)
{
	const struct mlw_exec_status *f;
	size_t i;

	if (rs->failed < 0) {
		*st = rs->r[0].status;
		for (i = 1; i < rs->nr && !failed(st); i++)
			*st = rs->r[i].status;
		return;
	}
	f = &rs->r[rs->failed].status;
	*st = *f;
	if (f->exited)
		snprintf(st->why, sizeof(st->why), "rank %ld exited with "
			 "status %d; the other %zu ranks were stopped",
			 rs->failed, f->exit_code, rs->nr - 1);
	else
		snprintf(st->why, sizeof(st->why), "rank %ld was killed by "
			 "signal %d; the other %zu ranks were stopped",
			 rs->failed, f->signal, rs->nr - 1);
}

static int ranks_wait(struct mlw_exec *e, int timeout_ms,
		      struct mlw_exec_status *st)
{
	struct ranks *rs = e->state;
	double until = now() + timeout_ms / 1000.0;
	int r;

	for (;;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		r = reap(rs);
		if (r < 0)
			return r;
		if (r) {
			result(rs, st);
			return 1;
		}
		if (now() >= until || nanosleep(&ts, NULL))
			return 0;
	}
}

static int ranks_stop(struct mlw_exec *e, enum mlw_exec_stop how)
{
	stop_live(e->state, how);
	return 0;
}

static void ranks_release(struct mlw_exec *e)
{
	if (e->state)
		ranks_free(e->state);
	e->state = NULL;
}

static const struct mlw_executor_ops ranks_ops = {
	"ranks", ranks_accepts, ranks_start, ranks_wait, ranks_stop,
	ranks_release,
};

const struct mlw_executor mlw_executor_ranks = { &ranks_ops, NULL, NULL };
