/*
 * host.h - a supervisor host: one process supervising several command
 * jobs, each on a thread of its own.
 *
 *	mlw_job_host_start()	fork the host (once)
 *	mlw_job_host_submit()	a job for it, with its notify channel
 *	mlw_job_host_free()	no more jobs: it ends once its runs have
 *
 * A command job's supervisor is otherwise a process of its own, forked
 * from the command that creates it (launch.h).  A pipeline starts many,
 * and on a virtual machine where a page fault costs some 13 us, forking
 * the pipeline's supervisor for each step (then copying, fault by fault,
 * what parent and child write), opening the catalog afresh in each and
 * tearing each down was most of a short step's time: 50 trivial steps
 * took 0.95 s.  The host is forked once; each job is then a thread in
 * it, with a catalog connection and object store handle kept from one
 * job to the next.
 *
 * The host is its jobs' supervisor as launch.h's would be: in a session
 * of its own, named mlw-supervise, recorded as each run's supervisor,
 * outliving its starter (whose death closes the request channel: the
 * host takes no more jobs and exits once its runs have ended).  A cancel
 * is SIGTERM to it: sent with sigqueue() and a run's id, as
 * mlw_job_cancel() sends it, it stops that run; otherwise every run.  It
 * never forks (a fork beside other threads may inherit a lock one of
 * them held): its commands and hooks start with posix_spawn(), so a job
 * whose placement goes through another executor is not for a host.
 */
#ifndef MLW_RUN_HOST_H
#define MLW_RUN_HOST_H

#include <stddef.h>
#include <sys/types.h>

struct mlw_job;
struct mlw_job_start_opts;
struct mlw_repo;

struct mlw_job_host_ops {
	/*
	 * In the host, on its main thread: make a request's job from the
	 * bytes the starter sent, with repo (the handle the job's thread
	 * will use) as job->repo.  0 with *job ready to record
	 * (mlw_job_create()), or negative with the error set, which the
	 * host says on the job's channel.
	 */
	int (*prepare)(struct mlw_job **job, struct mlw_repo *repo,
		       const char *msg, size_t len);
	/* free a job that prepare() made, once its run has ended */
	void (*done)(struct mlw_job *job);
};

struct mlw_job_host;

/*
 * Fork a host for jobs of repo's workspace.  opts (may be NULL) are the
 * jobs' as for mlw_job_start(): in_supervisor is called once with NULL
 * when the host starts, and once with its first job, whose tracking_uri
 * the later jobs share (one MLflow server for the host); opts->supervise
 * must be NULL.  repo's catalog connection is closed (none may cross a
 * fork).  0 with *out, or negative.
 */
int mlw_job_host_start(struct mlw_job_host **out, struct mlw_repo *repo,
		       const struct mlw_job_host_ops *ops,
		       const struct mlw_job_start_opts *opts);

/*
 * Ask the host to record and supervise the job msg describes (at most
 * MLW_JOB_HOST_MSG_MAX bytes, for ops->prepare()), saying on notify_fd
 * (a copy goes to the host; the caller's stays open) what
 * mlw_job_start()'s supervisor says on it.  0, or negative when the host
 * has gone.
 */
#define MLW_JOB_HOST_MSG_MAX 65536
int mlw_job_host_submit(struct mlw_job_host *h, const char *msg, size_t len,
			int notify_fd);

/* The host's process, to signal (SIGTERM: cancel every run) or wait for. */
pid_t mlw_job_host_pid(const struct mlw_job_host *h);

/*
 * Close the request channel and free h: the host ends once its runs
 * have, and is not waited for here (it is the caller's child).
 */
void mlw_job_host_free(struct mlw_job_host *h);

#endif
