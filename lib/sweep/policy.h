/*
 * policy.h - early-termination policies, exactly as Azure ML defines them
 * (semantics.md 3.1), with the numbers behind every decision.
 *
 * An interval is one report of the primary metric by a trial: its N-th
 * report is interval N.  A policy applies to a trial at interval N when N
 * is a multiple of evaluation_interval (0 counts as 1) and N >=
 * delay_evaluation.  "Better" follows the goal; NaN reports count as
 * intervals but carry no value.
 *
 *   bandit		Y = the trial's best value over intervals 1..N, B =
 *			the best value any trial reported over its own
 *			intervals 1..N (trials are compared over the same
 *			horizon).  Maximize: stop when Y < B / (1 + s) with
 *			slack_factor s, Y < B - a with slack_amount a.
 *			Minimize (the mirror; the docs spell out maximize
 *			only): Y > B * (1 + s), Y > B + a.  Azure's example:
 *			B = 0.8, s = 0.2 stops below 0.8 / 1.2 = 0.667.
 *	median_stopping	stop when Y is worse than the median, over all
 *			trials that reported by interval N, of their running
 *			averages over intervals 1..N (the trial's own
 *			included).
 *	truncation_selection
 *			rank the trials that reached interval N (finished
 *			ones too unless exclude_finished_jobs) by their best
 *			value over intervals 1..N, so a young trial is only
 *			compared with what older ones had at the same
 *			interval; k = floor(count * truncation_percentage /
 *			100) are cut: the trial stops when its value is
 *			strictly worse than the (k+1)-th worst (ties with
 *			the survivors survive).
 * A trial with no finite value by interval N is stopped by every policy.
 *
 * Curves.  The caller keeps one struct mlw_sweep_curve per trial and
 * pushes each report into it; the curve keeps the running best and mean
 * so a decision costs O(trials), not O(trials x intervals).
 */
#ifndef MLW_SWEEP_POLICY_H
#define MLW_SWEEP_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct mlw_buf;

enum mlw_sweep_policy_type {
	MLW_POLICY_NONE,
	MLW_POLICY_BANDIT,
	MLW_POLICY_MEDIAN_STOPPING,
	MLW_POLICY_TRUNCATION_SELECTION
};

struct mlw_sweep_policy {
	enum mlw_sweep_policy_type type;
	int64_t evaluation_interval;	/* 1 by default; 0 means 1 */
	int64_t delay_evaluation;	/* 0 by default */
	int has_slack_factor;		/* bandit: which slack is given */
	double slack_factor;
	double slack_amount;
	int truncation_percentage;	/* 1 to 99 */
	int exclude_finished;		/* exclude_finished_jobs */
};

#define MLW_SWEEP_POLICY_INIT { MLW_POLICY_NONE, 1, 0, 0, 0, 0, 0, 0 }

struct mlw_sweep_curve {
	double *values;		/* report k (interval k + 1) */
	double *best;		/* best finite value of reports 0..k, or NaN */
	double *mean;		/* mean of the finite values 0..k, or NaN */
	size_t nr, alloc;
	size_t finite;		/* finite values among them */
	int finished;		/* the trial has ended */
};

#define MLW_SWEEP_CURVE_INIT { NULL, NULL, NULL, 0, 0, 0, 0 }

/* Append a report (maximize: which way "best" goes). */
void mlw_sweep_curve_push(struct mlw_sweep_curve *c, double value,
			  int maximize);
void mlw_sweep_curve_release(struct mlw_sweep_curve *c);

struct mlw_sweep_decision {
	enum mlw_sweep_policy_type policy;
	int evaluated;		/* 0: not an evaluation point (no numbers) */
	int stop;
	size_t interval;	/* N */
	double trial_best;	/* Y (NaN when the trial has no value) */
	double reference;	/* bandit: B; median: the median; truncation:
				   the (k+1)-th worst value */
	double threshold;	/* stop when Y is worse than this */
	size_t compared;	/* trials in the comparison */
	size_t cut;		/* truncation: k */
};

/* "bandit", "median_stopping", "truncation_selection", "none" */
const char *mlw_sweep_policy_name(enum mlw_sweep_policy_type type);

/*
 * Decide for trial (an index into curves, nr curves in all) at its
 * interval curves[trial]->nr.  Fills *out (evaluated 0 when the policy
 * does not apply at this interval) and returns out->stop.
 */
int mlw_sweep_policy_decide(struct mlw_sweep_decision *out,
			    const struct mlw_sweep_policy *policy,
			    int maximize,
			    const struct mlw_sweep_curve *const *curves,
			    size_t nr, size_t trial);

/*
 * Append a line for the log: "bandit at interval 5: best 0.61 < 0.667
 * (0.8 / (1 + 0.2)): stop".
 */
void mlw_sweep_decision_format(struct mlw_buf *b,
			       const struct mlw_sweep_decision *d,
			       const struct mlw_sweep_policy *policy,
			       int maximize);

#endif
