/*
 * record.h - what a sweep leaves in the catalog: its trials as child runs
 * of the sweep's run, and the sweep layer's own tables.
 *
 * A trial is a run whose parent is the sweep ('mlw job list
 * --parent-job-name SWEEP'), named SWEEP_N after its number N as Azure
 * names HyperDrive's children, with its sampled values as params: a
 * command job recorded by its own supervisor when it ran as a process,
 * a child run (run/child.h) recorded in batches by the sweep's
 * supervisor when it ran in-process.  What the sweep knows of it (its
 * objective, why it was stopped) is in the sweep layer's tables.
 *
 * The sweep layer's tables (schema "sweep", migrations here):
 *
 *	sweeps		one row per sweep or AutoML run: its kind, sampling
 *			algorithm and seed, primary metric and goal, the
 *			policy, the best trial and its value, notes
 *	sweep_trials	one row per trial: its number, run, objective (the
 *			last value of the primary metric), why it was
 *			stopped and the numbers behind a policy's decision,
 *			and the hint when it never logged the primary metric
 *
 * They refer to runs by id and hold no object: the trials' and the
 * sweep's outputs are the runs' own.
 */
#ifndef MLW_SWEEP_RECORD_H
#define MLW_SWEEP_RECORD_H

#include "run/run.h"
#include "util/strutil.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;
struct mlw_out;

/* A sweep's row (strings borrowed). */
struct mlw_sweep_info {
	const char *kind;		/* "sweep" or "automl" */
	const char *algorithm;		/* "random", "sobol", "grid", ... */
	uint64_t seed;
	const char *primary_metric;
	int maximize;
	const char *policy;		/* "bandit (slack_factor 0.1)", NULL */
	const char *notes;		/* lines, or NULL */
};

/* Record the sweep of run (an id), in the caller's transaction or not. */
int mlw_sweep_record_sweep(struct mlw_catalog *cat, int64_t run,
			   const struct mlw_sweep_info *info);

/* The best trial (a run name) and its value; NULL name: none. */
int mlw_sweep_record_best(struct mlw_catalog *cat, int64_t run,
			  const char *trial, double value);

/* A trial that has ended: its row in sweep_trials. */
struct mlw_trial_record {
	size_t index;
	int64_t run_id;			/* its run */
	double objective;		/* NaN: none */
	const char *stopped;		/* stop reason's name, or NULL */
	char *decision;			/* a policy's numbers, or NULL */
	char *missing;			/* the missing-metric hint, or NULL */
};

void mlw_trial_record_release(struct mlw_trial_record *r);

/*
 * Record trial r of the sweep run (its id) in the caller's transaction
 * or its own.  0 or a catalog error.
 */
int mlw_sweep_record_trial(struct mlw_catalog *cat, int64_t sweep,
			   const struct mlw_trial_record *r);

/* Records r[0..nr) likewise, with one statement. */
int mlw_sweep_record_trials(struct mlw_catalog *cat, int64_t sweep,
			    const struct mlw_trial_record *r, size_t nr);

/*
 * The sweep section of 'mlw job show' for run (members added to the
 * object open in o): when run is a sweep or AutoML job, "sweep" (kind,
 * sampling, seed, objective, policy, notes, trial counts),
 * best_child_run_id (Azure's property name), best_metric_value, and
 * "trials" (or "leaderboard" for AutoML): the trials sorted by the
 * objective (status, params, the metric, duration, stopped and why,
 * the missing-metric flag).  Nothing for other runs.  0 or an error.
 */
int mlw_sweep_describe(struct mlw_out *o, struct mlw_catalog *cat,
		       const struct mlw_run *run);

#endif
