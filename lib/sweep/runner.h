/*
 * runner.h - the supervisor's loop of a sweep or an AutoML job: hand out
 * trials, run them, feed their metrics to the scheduler, stop the ones
 * it says to stop, record them, and find the best.
 *
 * Each trial's command is the sweep's trial command with its sampled
 * values bound for ${{search_space.X}} (an AutoML job makes it from the
 * values: automl.h).  A command that trains in-process (trial.h) runs
 * on one of the runner's worker threads: min(max_concurrent_trials,
 * CPUs) of them, started with the first such trial (a sweep of process
 * trials stays single-threaded, as forking them asks), each trial with
 * its share of the CPUs as its thread budget, on datasets parsed once.  Its fold metrics reach the scheduler
 * as they come (mlw_sweep_report()), so a policy stops it at its next
 * fold or iteration; so do trial_timeout, timeout and a cancel.  With a
 * sampler whose next point costs nothing (random, sobol, grid), the
 * worker that ends a trial draws the next one itself.  A trial is
 * recorded whole when it ends (its run and its sweep row in the same
 * transaction), trials that end together in one transaction, every
 * 100 ms or 256 trials, whichever comes first, written while the
 * workers go on; a sweep killed mid-way loses only the trials of the
 * last 100 ms.  A running trial's status and folds are written from
 * the second flush after its start (a flush holds the runs it writes,
 * and would hold up the trial's worker).  Only the best
 * model so far is kept, in memory; the best one is written to
 * model_dir at the end.
 *
 * Any other command, and every trial of a sweep whose compute is not
 * this machine (no_in_process), runs as a process: a command job of its
 * own, child of the sweep, prepared by the caller's prepare_trial and
 * supervised like any command job (its metrics are what it logs, read back from
 * the catalog as it runs; a stop cancels it, as 'mlw job cancel').
 *
 * The log (log_fd) gets a line per trial started and ended, every
 * decision of the policy with the numbers behind it, every trial that
 * never logged the primary metric with a hint, and the best trial;
 * while the sweep runs, lines are written with the records they tell
 * of.
 */
#ifndef MLW_SWEEP_RUNNER_H
#define MLW_SWEEP_RUNNER_H

#include "run/run.h"
#include "sweep/automl.h"
#include "sweep/sweep.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct mlw_job;
struct mlw_job_start_opts;
struct mlw_repo;
struct mlw_sweep_datasets;

struct mlw_sweep_run {
	struct mlw_repo *repo;
	/* the sweep's run: recorded and Running */
	int64_t run_id;
	const char *name, *experiment, *environment, *compute;
	const struct mlw_sweep_config *cfg;	/* seed decided */
	/* a sweep: its trial command, bound but for ${{search_space.X}} */
	const char *command;
	/* an AutoML job: its config, training data and validation args */
	const struct mlw_automl_config *automl;
	const char *data_path;
	const char *validation_args;
	/*
	 * A trial that runs as a process: make its command job (named
	 * name, child of the sweep, command bound; params for component
	 * inputs), code snapshotted, ready for mlw_job_start().  0 or an
	 * error, which fails the trial.
	 */
	int (*prepare_trial)(struct mlw_job **out, void *data,
			     const char *name, const char *command,
			     const struct mlw_sweep_value *params);
	void *prepare_data;
	/* how process trials are started (mlw_job_submit()) */
	const struct mlw_job_start_opts *trial_opts;
	/* the tables in-process trials share (NULL: the runner's own) */
	struct mlw_sweep_datasets *datasets;
	/*
	 * Where the best in-process trial's model goes (NULL: nowhere): a
	 * scratch folder the caller copies into the store, so its files
	 * are not synced (mlw_model_write_unsynced()).
	 */
	const char *model_dir;
	/*
	 * Every trial a process, even one that could train in-process:
	 * the sweep's compute is elsewhere (a Slurm compute), and each
	 * trial is a job there.
	 */
	int no_in_process;
	int log_fd;		/* the sweep's log, or -1 */
	const atomic_int *cancel;	/* non-zero: cancel the sweep */
	int nr_cpus;		/* 0: the online CPUs */
};

struct mlw_sweep_outcome {
	enum mlw_run_status status;	/* Completed, Failed or Canceled */
	char *error;			/* why not Completed, or NULL */
	char *best;			/* the best trial's run, or NULL */
	double best_value;
	int best_in_process;		/* its model is in model_dir */
	struct mlw_sweep_stats stats;
	size_t in_process;		/* trials that ran in-process */
	double seconds;
};

/*
 * Run the sweep to its end.  Returns 0 with *out (release it with
 * mlw_sweep_outcome_release()), also when the sweep failed (out->status
 * says so), or a negative code when the catalog or the store failed
 * (the run is then left for the reaper).
 */
int mlw_sweep_supervise(struct mlw_sweep_outcome *out,
			const struct mlw_sweep_run *req);
void mlw_sweep_outcome_release(struct mlw_sweep_outcome *out);

/*
 * The command of a trial: template with ${{search_space.NAME}} (NAME a
 * top-level name, or a dotted path into a dictionary value) replaced by
 * the value's text.  The caller frees it.
 */
char *mlw_sweep_bind_trial(const char *template,
			   const struct mlw_sweep_value *params);

#endif
