/*
 * supervise.h - the supervisor: what owns a run from start to end.
 *
 * Given a run that is recorded (Queued) and whose working area is laid
 * out (launch.h), the supervisor walks its status
 *
 *	Queued -> Starting -> Running -> Finalizing -> Completed | Failed
 *		| Canceled
 *
 * recording each transition (and firing the run-status-changed hook when
 * one listens); has the command carried out by an executor (executor.h);
 * copies the command's output to the run's log, and applies the metrics
 * pattern to it; enforces the timeout (limits.timeout) and a cancel
 * (SIGTERM to the command's group, SIGKILL five seconds later); collects
 * the outputs and ./outputs, ./logs into the store and registers named
 * outputs (collect.h); stores the log; records the end; removes the
 * working area (workdir.h).
 *
 * It changes nothing process-wide: no signal disposition (a cancel is a
 * flag, set by whoever caught the signal, or by another thread), no
 * environment, no working folder.  Several runs may be supervised at once
 * on different threads of one process, each with its own catalog
 * connection and object store handle.
 */
#ifndef MLW_RUN_SUPERVISE_H
#define MLW_RUN_SUPERVISE_H

#include "run/executor.h"
#include "util/strutil.h"

#include <stdatomic.h>
#include <stddef.h>

struct mlw_catalog;
struct mlw_odb;
struct mlw_placement;
struct mlw_repo;

/* An output of the run, as the supervisor collects it. */
struct mlw_run_plan_output {
	char *name;		/* .mlw/runs/NAME/outputs/<name> */
	char *type;		/* "uri_folder", "custom_model" ... */
	/* register as this asset when the run completes (NULL: not) */
	char *asset_name, *asset_version;
};

/*
 * What the supervisor is told to do (launch.h makes it from a job; in a
 * working area kept with --keep-workdir it is job.json).  Owned strings.
 */
struct mlw_run_plan {
	char *command;		/* as bound */
	char *cwd;		/* .mlw/runs/NAME/code */
	double timeout;		/* seconds; 0: none */
	int keep_workdir;	/* leave .mlw/runs/NAME after the run */
	unsigned made_dirs;	/* ./outputs (bit 0), ./logs (bit 1) made */
	char *metrics_pattern;	/* NULL: off */
	struct mlw_strlist env;	/* "KEY=VALUE" set over the environment */
	struct mlw_run_plan_output *outputs;
	size_t nr_outputs;
	/* where and over how many processes (owned); NULL: here, one */
	struct mlw_placement *placement;
};

/* Free what plan holds and zero it; plan itself is the caller's. */
void mlw_run_plan_release(struct mlw_run_plan *plan);
/* The plan as JSON text (job.json); the caller frees. */
char *mlw_run_plan_json(const struct mlw_run_plan *plan);

struct mlw_supervise_request {
	struct mlw_repo *repo;	/* the workspace */
	/*
	 * The catalog connection and object store handle to use, each
	 * used by this call only while it runs; NULL: the repo's (then,
	 * around an executor that forks, the repo's connection is closed
	 * and opened again: an SQLite connection must never cross a fork).
	 * A threaded caller gives each run its own.
	 */
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	const char *name;	/* the run: recorded, Queued, laid out */
	const struct mlw_run_plan *plan;
	/*
	 * Tried in order: the first that accepts the command runs it;
	 * mlw_executor_process runs what none takes.  A placement on Slurm
	 * or over ranks here goes to mlw_executor_slurm or
	 * mlw_executor_ranks whatever these are.
	 */
	const struct mlw_executor *const *executors;
	size_t nr_executors;
	/* non-zero asks the run to stop (Canceled); may be NULL */
	const atomic_int *cancel;
	/* the supervisor's end of the notify channel (notify.h), or -1 */
	int notify_fd;
	/*
	 * Non-zero: close notify_fd once the end is recorded and said (and
	 * the hooks have run), before the working area is removed; then
	 * end-of-file does not mean the area is gone, the supervisor's exit
	 * does.  The channel is closed when the call returns 0.
	 */
	int early_eof;
};

/*
 * Supervise the run to its end.  0 once it has ended and is recorded;
 * negative when it could not even be told (the catalog failed: the next
 * mlw command finds its supervisor gone and ends it, mlw_job_reap()).
 */
int mlw_run_supervise(const struct mlw_supervise_request *req);

/*
 * Cancel run name: signal its supervisor (SIGTERM: the command's handler
 * sets the cancel flag, and the supervisor stops the command and records
 * Canceled; sent with sigqueue() and the run's id, which a host of
 * several runs reads to stop that one, host.h) and wait up to wait_seconds for the run to end; or, when the
 * supervisor is gone, kill the command's group and record it here.
 * MLW_EEXISTS when it has already ended.
 */
int mlw_job_cancel(struct mlw_repo *repo, const char *name,
		   double wait_seconds);

#endif
