/*
 * launch.h - from a prepared job (job.h) to a run that is going: its
 * record, its working area, its supervisor.
 *
 *	mlw_job_submit()	what 'mlw job create' does: fork the
 *				supervisor (mlw_job_start()) with a notify
 *				channel (notify.h), and hear how recording
 *				went; then follow it with the watch
 *	mlw_job_start()		fork the supervisor, which records the run
 *				(mlw_job_create()) in its own session and
 *				supervises it (supervise.h)
 *	mlw_job_create()	snapshot the inputs, record the run (Queued),
 *				lay out .mlw/runs/NAME/ (workdir.h), make the
 *				supervisor's plan
 *
 * The supervisor is a fork of the creating command, in a session of its
 * own so that it outlives it, named "mlw-supervise" (ps -o comm).  The
 * catalog connection is closed before the fork and the child opens its
 * own (an SQLite connection must never cross a fork).  It used to be a
 * fresh "mlw job supervise NAME" process; the exec, the dynamic loader
 * and the catalog's schema parse cost a third of a short job.  A
 * pipeline's command steps have one supervisor process for them all
 * instead, a thread each (host.h).
 */
#ifndef MLW_RUN_LAUNCH_H
#define MLW_RUN_LAUNCH_H

#include "run/executor.h"

#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

struct mlw_job;
struct mlw_job_watch;

struct mlw_job_start_opts {
	/* for the supervisor: see struct mlw_supervise_request */
	const struct mlw_executor *const *executors;
	size_t nr_executors;
	const atomic_int *cancel;
	/*
	 * Called first in the supervisor process (may be NULL) with the
	 * job it supervises (NULL in a pipeline's supervisor, which runs
	 * no command of its own): the command installs there the signal
	 * handlers that set *cancel (a cancel is SIGTERM to the supervisor,
	 * mlw_job_cancel()), and may give the job what only a layer above
	 * this one makes, such as job->tracking_uri (an MLflow server for
	 * the job's life).  Every job started with these options gets the
	 * call in its own supervisor: a pipeline's steps, a sweep's trials.
	 */
	void (*in_supervisor)(struct mlw_job *job, void *data);
	void *data;
	/*
	 * The supervisor's work once the run is recorded and laid out,
	 * instead of supervising the plan's command (mlw_run_supervise()):
	 * a sweep's supervisor drives its trials.  It ends the run (its
	 * end recorded and said on notify_fd) and returns 0, or negative
	 * to leave it to the reaper.  NULL: the plan's command.
	 */
	int (*supervise)(struct mlw_job *job, int notify_fd,
			 const struct mlw_job_start_opts *opts);
	/*
	 * Non-zero: the supervisor of a command closes the notify channel
	 * once the run's end is recorded, said and its hooks run, and
	 * removes the working area after that (see struct
	 * mlw_supervise_request): the starter hears the end sooner, and
	 * waits for the supervisor's exit when it needs the area gone (a
	 * pipeline, before it ends).
	 */
	int early_eof;
};

/*
 * Make this process a supervisor: in a session of its own (it outlives
 * the command that forked it, and its terminal), named comm (ps -o
 * comm), with stdin, stdout and stderr on /dev/null.
 */
void mlw_supervisor_detach(const char *comm);

/*
 * Snapshot the inputs, record the run as Queued with the calling process
 * as its supervisor, lay out its working area, and fill job->plan (and
 * job.json when the area is kept).  A name taken (or generated: another
 * is tried) is MLW_EEXISTS; a failure after recording fails the run.
 */
int mlw_job_create(struct mlw_job *job);

/*
 * What a supervisor does with job, in the calling process (or thread):
 * record it (mlw_job_create()), say how that went on notify_fd (when
 * >= 0), fire its hooks and supervise it to its end, opts->supervise
 * or the plan's command, with cancel as the run's cancel flag (may be
 * NULL).  notify_fd is closed by the end (early, opts->early_eof).
 * 0 once the run has ended and is recorded; non-zero otherwise.
 */
int mlw_job_supervise(struct mlw_job *job, int notify_fd,
		      const struct mlw_job_start_opts *opts,
		      const atomic_int *cancel);

/*
 * Fork the supervisor of job (prepared, its code snapshotted).  The
 * child records the run and lays out its working area
 * (mlw_job_create()), then supervises it; the creating command opens no
 * catalog connection of its own for that (repo's, if open, is closed
 * before the fork).  When notify_fd >= 0 the child says on it how
 * creation went, then how the run ended (notify.h).  opts may be NULL.
 * 0 with *pid, or negative.
 */
int mlw_job_start(pid_t *pid, struct mlw_job *job, int notify_fd,
		  const struct mlw_job_start_opts *opts);

/*
 * Start job with a notify channel and wait until its supervisor has
 * recorded it: 0 with *w to follow it (mlw_job_watch_*(), then
 * mlw_job_watch_release()) and job->name, job->code_reused set; or the
 * supervisor's error as if it were the caller's, nothing recorded.
 */
int mlw_job_submit(struct mlw_job_watch *w, struct mlw_job *job,
		   const struct mlw_job_start_opts *opts);

#endif
