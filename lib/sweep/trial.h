/*
 * trial.h - sweep trials that train in-process.
 *
 * A trial whose command, once ${{search_space.X}} and ${{inputs.X}} are
 * bound, is 'mlw train ALGO ...' and nothing else (words only, as
 * mlw_exec_split(), run/executor.h reads them, and options 'mlw train' takes: its own
 * table, train_opts.h) needs no process: it is read into a training
 * request and run by mlw_train() on a worker thread.  Every dataset is
 * parsed once per sweep and shared, read-only, by the trials that train
 * on it (struct mlw_sweep_datasets), with a memo of the designs their
 * fits derive from it (ml/memo.h); each trial gets its share of the
 * CPUs as its thread budget, so concurrent trials do not oversubscribe
 * the machine.  Anything else (another command, a global option such as
 * -o, a --predictions file to write) runs as a process, exactly as the
 * same command in a command job, so nothing depends on which way a
 * trial ran but the time it took.
 *
 * Progress.  mlw_train() reports each cross-validation fold (and each
 * iteration of the iterative solvers) to the context's callback;
 * mlw_train_trial_metric() turns a fold's report into the trial's
 * intermediate value of the sweep's primary metric: the mean over the
 * folds done so far, so the last one is the cross-validation score the
 * trial ends with.  The callback is where the scheduler hears of it
 * (mlw_sweep_report()) and where a trial told to stop (by a policy, a
 * timeout, a cancel) stops at its next step.
 */
#ifndef MLW_SWEEP_TRIAL_H
#define MLW_SWEEP_TRIAL_H

#include "ml/train.h"
#include "ml/train_opts.h"
#include "util/strutil.h"

#include <stddef.h>

struct mlw_dataset;
struct mlw_progress;

/* --- datasets shared by the trials -------------------------------------- */

struct mlw_sweep_datasets;

struct mlw_sweep_datasets *mlw_sweep_datasets_new(void);
/*
 * Drop the cache's references (trials may still hold theirs) and free
 * its memo: no trial may be training then.
 */
void mlw_sweep_datasets_free(struct mlw_sweep_datasets *c);

/*
 * The table at path (a CSV file, an MLTable file or folder), loaded the
 * first time it is asked for and shared after; a load that failed fails
 * again with the same message without reading again.  Thread-safe: a
 * second thread asking for a path being loaded waits for that load.
 * Returns 0 with *out (a new reference: mlw_dataset_unref() it), or the
 * loader's code with its message.  nr_threads: the load's threads (0:
 * every CPU).
 */
int mlw_sweep_datasets_get(struct mlw_dataset **out,
			   struct mlw_sweep_datasets *c, const char *path,
			   int nr_threads);

/* How many tables were loaded (not how many were asked for). */
size_t mlw_sweep_datasets_loaded(struct mlw_sweep_datasets *c);

/* --- in-process trials --------------------------------------------------- */

struct mlw_train_trial {
	struct mlw_strlist words;	/* the command's words */
	const char **argv;		/* words, reordered by the parser */
	struct mlw_train_opts opts;	/* what was given (borrows words) */
	struct mlw_train_request req;	/* borrows opts */
};

/*
 * Read a bound trial command.  Returns 1 when it trains in-process (t
 * filled), 0 when it is to run as a process: not 'mlw train', or words
 * the table does not take (the process then says what is wrong, as it
 * would in a command job).  Release t in both cases.
 */
int mlw_train_trial_parse(struct mlw_train_trial *t, const char *command);
/*
 * The same, where a data path c has loaded is known to be a path (a
 * sweep asks for each trial; the first one looks at the file system).
 */
int mlw_train_trial_parse_in(struct mlw_train_trial *t, const char *command,
			     struct mlw_sweep_datasets *c);
void mlw_train_trial_release(struct mlw_train_trial *t);

/*
 * Train t on its data, loaded through c (validation data too), with ctx
 * (thread budget, seed from --seed, progress: set by the caller) and
 * c's memo (ml/memo.h: what does not depend on the hyperparameters,
 * a fold's design and a ridge's Gram matrix, is computed once per
 * sweep; the numbers are the same as without it).
 * Returns mlw_train()'s code; on success *res is the caller's
 * (mlw_train_result_release()).  A progress callback that asks to stop
 * ends the training early with res->stopped set.
 */
int mlw_train_trial_run(struct mlw_train_result *res,
			const struct mlw_train_trial *t,
			struct mlw_sweep_datasets *c,
			struct mlw_train_ctx *ctx);

/*
 * The value of metric name among m[0..nr): 1 with *out, 0 when absent.
 * Besides the engine's metrics (metrics.h) it derives Azure's
 * normalized_mean_absolute_error, the mean absolute error over the
 * target's range (RMSE / NRMSE), as AutoML reports it.
 */
int mlw_train_metric_value(double *out, const struct mlw_metric *m,
			   size_t nr, const char *name);

/*
 * The trial's value of metric in progress report p: for a fold, the
 * mean of metric over folds 1..p->step, where *sum carries the sum of
 * the earlier folds' values (start it at 0, folds in order).  Returns 1
 * with *value, or 0 when p carries no such metric (an iteration's
 * objective, a metric of another name).
 */
int mlw_train_trial_metric(double *value, double *sum,
			   const struct mlw_progress *p, const char *metric);

#endif
