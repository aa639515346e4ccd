/*
 * sweep.h - a sweep's configuration and its scheduler: the engine under
 * 'type: sweep' jobs and AutoML.
 *
 * Configuration.  mlw_sweep_config_from_yaml() reads a sweep job's
 * search_space, sampling_algorithm, objective, limits and
 * early_termination (from the job's root, or a pipeline's sweep step)
 * into typed form and checks Azure ML's rules as spec errors with the
 * position of the text at fault: grid takes choice distributions only;
 * bayesian takes choice, uniform and quniform only and no early
 * termination; limits.max_total_trials is 1 to 1000 (default 1000),
 * max_concurrent_trials at least 1 (default: the number of CPUs), timeout
 * and trial_timeout positive seconds (timeout defaults to 5,184,000, 60
 * days); bandit needs exactly one of slack_factor and slack_amount (>
 * 0); truncation_percentage is 1 to 99; evaluation_interval and
 * delay_evaluation are not negative.  A seed is taken by random (with
 * rule: random or sobol, and logbase: a positive number or "e") and, as
 * mlw's addition, by bayesian; without one has_seed is 0 and the caller
 * picks a seed and records it, so the sweep can be replayed.
 *
 * Scheduling.  struct mlw_sweep does no I/O and reads no clock: every
 * call takes the time, now, as seconds on any monotonic clock.  The
 * caller loops:
 *
 *	mlw_sweep_new(&s, cfg, now);
 *	while (!mlw_sweep_done(s, now)) {
 *		ret = mlw_sweep_next(s, now, &trial);
 *		if (ret == MLW_SWEEP_NEW) start it (trial->params)
 *		... as a trial logs metrics:
 *		if (mlw_sweep_report(s, i, name, step, value, now, &d) == 1)
 *			stop trial i (d says why);
 *		... when a trial ends:
 *		mlw_sweep_finish(s, i, MLW_TRIAL_COMPLETED, now);
 *		n = mlw_sweep_poll(s, now, stops, 16);	// timeouts, cancel
 *		wait until a trial ends or mlw_sweep_deadline(s)
 *	}
 *	mlw_sweep_best(s, &best, &value);
 *
 * Trials are numbered 0, 1, ... in the order they are handed out; at
 * most max_total_trials are handed out (failed ones count), at most
 * max_concurrent_trials run at once, none after timeout.  Whichever of
 * the trial cap and the timeout comes first ends the sweep.
 *
 * Every request to stop a trial is delivered exactly once: a policy's by
 * the return value of the mlw_sweep_report() that triggered it, the
 * others (trial_timeout, timeout, mlw_sweep_cancel()) by mlw_sweep_poll().
 * The trial keeps running in the scheduler's eyes until the caller
 * reports its end with mlw_sweep_finish() (stopped trials end
 * MLW_TRIAL_CANCELED).
 *
 * The objective of a trial is the last finite value it logged for the
 * primary metric (the value a run shows for a metric logged several
 * times); the best trial is the best objective among completed trials.
 * A trial that ends (other than failed) without ever logging the primary
 * metric is flagged: mlw_sweep_finish() returns 1 and
 * mlw_sweep_missing_metric_hint() says what it logged instead.
 *
 * Threads: every function locks the sweep, so trials may report from
 * their own threads.  mlw_sweep_next() computes the point outside that
 * lock (a Bayesian suggestion can take tens of milliseconds), holding
 * only a second lock that serialises next() calls: reports are never
 * held up by the sampler.  A trial's index, params and u never change
 * once handed out and may be read without the lock; its other fields
 * change under the lock: read them with mlw_sweep_trial_info() or once
 * the sweep is done.
 */
#ifndef MLW_SWEEP_SWEEP_H
#define MLW_SWEEP_SWEEP_H

#include "sweep/policy.h"
#include "sweep/sampler.h"
#include "sweep/space.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_buf;
struct mlw_diags;
struct mlw_yaml_node;

#define MLW_SWEEP_MAX_TRIALS 1000
#define MLW_SWEEP_DEFAULT_TIMEOUT 5184000.0	/* 60 days */

struct mlw_sweep_limits {
	int64_t max_total_trials;
	int64_t max_concurrent_trials;
	double timeout;			/* seconds */
	double trial_timeout;		/* seconds; 0 for none */
};

struct mlw_sweep_config {
	struct mlw_sweep_space *space;	/* owned */
	enum mlw_sweep_algorithm algorithm;
	uint64_t seed;
	int has_seed;			/* the spec gave the seed */
	char *primary_metric;		/* owned */
	int maximize;			/* goal: maximize */
	struct mlw_sweep_limits limits;
	struct mlw_sweep_policy policy;
};

/*
 * Read the sweep of node (a sweep job's root mapping or a pipeline's
 * sweep step).  Every problem goes to d, located (warnings too, such as
 * a bayesian sweep with fewer than 20 trials per hyperparameter).
 * Returns 0 with *out (free with mlw_sweep_config_free()), or
 * MLW_EINVALID with *out NULL when it added an error.
 */
int mlw_sweep_config_from_yaml(struct mlw_sweep_config **out,
			       const struct mlw_yaml_node *node,
			       struct mlw_diags *d);
void mlw_sweep_config_free(struct mlw_sweep_config *cfg);

/*
 * The engine's rules for the sweeps of a loaded spec (a sweep job, the
 * sweep steps of a pipeline): what mlw_sweep_config_from_yaml() reports
 * is added to spec->diags, except where the schema already reported at
 * that position; the diagnostics are sorted again.  Called after
 * mlw_spec_load() by whatever validates or runs the spec.  Returns the
 * number of errors added.
 */
struct mlw_spec;
size_t mlw_sweep_check_spec(struct mlw_spec *spec);

/*
 * Readers shared by the sweep's and AutoML's YAML; each reports to d at
 * the node at fault.  A mapping at node named name: 1 when it is one, 0
 * when absent or null (with required, "NAME is missing: REQUIRED" at
 * parent, and -1), -1 when it is something else.  An integer at key of
 * map within [lo, hi] (path names it in messages), a positive finite
 * number: 1 with *out, 0 when absent or null, -1 when reported.
 */
int mlw_sweep_yaml_map(struct mlw_diags *d, const struct mlw_yaml_node *node,
		       const char *name, const struct mlw_yaml_node *parent,
		       const char *required);
int mlw_sweep_yaml_int(struct mlw_diags *d, const struct mlw_yaml_node *map,
		       const char *key, const char *path, int64_t lo,
		       int64_t hi, int64_t *out);
int mlw_sweep_yaml_positive(struct mlw_diags *d,
			    const struct mlw_yaml_node *map, const char *key,
			    const char *path, double *out);

enum mlw_sweep_trial_state {
	MLW_TRIAL_RUNNING,
	MLW_TRIAL_COMPLETED,
	MLW_TRIAL_FAILED,
	MLW_TRIAL_CANCELED
};

enum mlw_sweep_stop_reason {
	MLW_STOP_NONE,
	MLW_STOP_POLICY,		/* the early-termination policy */
	MLW_STOP_TRIAL_TIMEOUT,		/* limits.trial_timeout */
	MLW_STOP_TIMEOUT,		/* limits.timeout: the sweep's */
	MLW_STOP_CANCEL			/* mlw_sweep_cancel() */
};

struct mlw_sweep_trial {
	size_t index;			/* immutable */
	struct mlw_sweep_value *params;	/* immutable: a DICT of values */
	double *u;			/* immutable: its unit-cube point */
	enum mlw_sweep_trial_state state;
	double started, ended;
	enum mlw_sweep_stop_reason stop;	/* asked to stop, and why */
	struct mlw_sweep_decision decision;	/* stop == MLW_STOP_POLICY */
	struct mlw_sweep_curve curve;	/* its primary-metric reports */
	int64_t last_step;		/* step of the last report */
	double objective;		/* last finite report, or NaN */
	int missing_metric;		/* ended without the primary metric */
	struct mlw_strlist *other_metrics; /* other names it logged (<= 8) */
	int stop_delivered;		/* internal */
};

/* what mlw_sweep_next() returns besides errors */
#define MLW_SWEEP_NEW 0		/* *out is a new running trial */
#define MLW_SWEEP_WAIT 1	/* max_concurrent_trials are running */
#define MLW_SWEEP_DONE 2	/* no more trials will be handed out */

struct mlw_sweep_stop {
	size_t trial;
	enum mlw_sweep_stop_reason reason;
};

struct mlw_sweep_stats {
	size_t trials;		/* handed out */
	size_t running, completed, failed, canceled;
	size_t stopped_by_policy;
	size_t missing_metric;
	size_t reports;		/* primary-metric reports, all trials */
};

struct mlw_sweep;

/* "policy", "trial_timeout", "timeout", "canceled" */
const char *mlw_sweep_stop_reason_name(enum mlw_sweep_stop_reason reason);
/* "Running", "Completed", "Failed", "Canceled" (the run statuses) */
const char *mlw_sweep_trial_state_name(enum mlw_sweep_trial_state state);

/*
 * A scheduler for cfg (borrowed: it must outlive the sweep) starting at
 * now.  Returns 0 with *out, or a negative code from the sampler (grid
 * over a non-choice, too many dimensions for sobol).
 */
int mlw_sweep_new(struct mlw_sweep **out, const struct mlw_sweep_config *cfg,
		  double now);
void mlw_sweep_free(struct mlw_sweep *s);

/* Set the Bayesian sampler's options (benchmarks, tests). */
void mlw_sweep_set_bayes(struct mlw_sweep *s,
			 const struct mlw_sweep_bayes_options *opts);

/*
 * Hand out the next trial: MLW_SWEEP_NEW with *out (owned by the sweep,
 * valid until mlw_sweep_free(); state Running, started now),
 * MLW_SWEEP_WAIT when max_concurrent_trials are running (call again after
 * a trial ends), MLW_SWEEP_DONE when the trial cap, the timeout, the
 * grid's end or a cancel was reached, or a negative code with a message
 * when the sampler fails (the sweep can go on with the trials it has).
 */
int mlw_sweep_next(struct mlw_sweep *s, double now,
		   const struct mlw_sweep_trial **out);

/*
 * A trial logged metric = value at step.  Only the primary metric counts
 * (other names are remembered for the missing-metric hint).  Returns 1
 * when the early-termination policy stops the trial now (*decision, when
 * not NULL, holds the numbers), 0 otherwise (*decision says whether the
 * policy was evaluated at this interval), MLW_ENOTFOUND for an unknown
 * trial, MLW_EINVALID for a trial that has ended.
 */
int mlw_sweep_report(struct mlw_sweep *s, size_t trial, const char *metric,
		     int64_t step, double value, double now,
		     struct mlw_sweep_decision *decision);

/*
 * Trial ended in state (Completed, Failed or Canceled).  Returns 1 when
 * it ended without ever logging the primary metric (flagged), 0
 * otherwise, MLW_ENOTFOUND or MLW_EINVALID (state Running, or the trial
 * had already ended).
 */
int mlw_sweep_finish(struct mlw_sweep *s, size_t trial,
		     enum mlw_sweep_trial_state state, double now);

/*
 * Stops that time or a cancel asks for: at most max into stops, each
 * delivered once.  Returns how many.
 */
size_t mlw_sweep_poll(struct mlw_sweep *s, double now,
		      struct mlw_sweep_stop *stops, size_t max);

/* No more trials; running ones are stopped through mlw_sweep_poll(). */
void mlw_sweep_cancel(struct mlw_sweep *s);

/*
 * No more trials; running ones go on to their end (AutoML's early
 * termination and exit score).
 */
void mlw_sweep_close(struct mlw_sweep *s);

/* 1 when no trial runs and none will be handed out any more. */
int mlw_sweep_done(struct mlw_sweep *s, double now);

/* When the next timeout falls due (INFINITY: none); for sleeping. */
double mlw_sweep_deadline(struct mlw_sweep *s);

/*
 * The best completed trial by the goal: 0 with *trial and *value, or
 * MLW_ENOTFOUND when no completed trial has a value.
 */
int mlw_sweep_best(struct mlw_sweep *s, size_t *trial, double *value);

/* Trial index, NULL when not handed out (see the top on threads). */
const struct mlw_sweep_trial *mlw_sweep_trial(struct mlw_sweep *s,
					      size_t index);
/*
 * A consistent copy of trial index taken under the lock: params and u
 * are the trial's own (borrowed), curve.nr is its number of reports but
 * the curve's arrays and other_metrics are NULL.  Returns 0 or
 * MLW_ENOTFOUND.
 */
int mlw_sweep_trial_info(struct mlw_sweep *s, size_t index,
			 struct mlw_sweep_trial *out);

void mlw_sweep_stats(struct mlw_sweep *s, struct mlw_sweep_stats *out);

/*
 * Append to b why trial index is flagged: "trial 3 ended without logging
 * the primary metric 'accuracy'; it logged 'acc', 'loss' (did you mean
 * 'acc'?)".  Nothing when it is not flagged.
 */
void mlw_sweep_missing_metric_hint(struct mlw_sweep *s, size_t index,
				   struct mlw_buf *b);

#endif
