/*
 * policy.c - early-termination policies (policy.h).
 */
#include "sweep/policy.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/number.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *mlw_sweep_policy_name(enum mlw_sweep_policy_type type)
{
	switch (type) {
	case MLW_POLICY_BANDIT:
		return "bandit";
	case MLW_POLICY_MEDIAN_STOPPING:
		return "median_stopping";
	case MLW_POLICY_TRUNCATION_SELECTION:
		return "truncation_selection";
	default:
		return "none";
	}
}

/* a better than b in the goal's direction */
static int better(double a, double b, int maximize)
{
	return maximize ? a > b : a < b;
}

void mlw_sweep_curve_push(struct mlw_sweep_curve *c, double value,
			  int maximize)
{
	size_t k = c->nr;
	double best = k ? c->best[k - 1] : NAN;
	double mean = k ? c->mean[k - 1] : NAN;

	if (k + 1 > c->alloc) {
		/* one block: values, then best, then mean */
		size_t alloc = c->alloc ? 2 * c->alloc : 4;
		double *v = mlw_malloc(mlw_st_mult(3 * sizeof(double), alloc));

		if (k) {
			memcpy(v, c->values, k * sizeof(double));
			memcpy(v + alloc, c->best, k * sizeof(double));
			memcpy(v + 2 * alloc, c->mean, k * sizeof(double));
		}
		free(c->values);
		c->values = v;
		c->best = v + alloc;
		c->mean = v + 2 * alloc;
		c->alloc = alloc;
	}
	c->values[k] = value;
	if (isfinite(value)) {
		if (isnan(best) || better(value, best, maximize))
			best = value;
		c->finite++;
		mean = isnan(mean) ? value :
		       mean + (value - mean) / (double)c->finite;
	}
	c->best[k] = best;
	c->mean[k] = mean;
	c->nr = k + 1;
}

void mlw_sweep_curve_release(struct mlw_sweep_curve *c)
{
	free(c->values);	/* best and mean are in its block */
	c->values = c->best = c->mean = NULL;
	c->nr = c->alloc = c->finite = 0;
}

/* the curve's running statistic at interval n (or its last one) */
static double at(const double *stat, size_t nr, size_t n)
{
	return stat[(n < nr ? n : nr) - 1];
}

static int compare_doubles(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

static void bandit(struct mlw_sweep_decision *out,
		   const struct mlw_sweep_policy *p, int maximize,
		   const struct mlw_sweep_curve *const *curves, size_t nr)
{
	double B = NAN;
	size_t j, n = out->interval;

	for (j = 0; j < nr; j++) {
		double v;

		if (!curves[j]->nr)
			continue;
		v = at(curves[j]->best, curves[j]->nr, n);
		if (!isnan(v) && (isnan(B) || better(v, B, maximize)))
			B = v;
	}
	out->reference = B;
	if (p->has_slack_factor)
		out->threshold = maximize ? B / (1 + p->slack_factor) :
			B * (1 + p->slack_factor);
	else
		out->threshold = maximize ? B - p->slack_amount :
			B + p->slack_amount;
	out->compared = nr;
}

static void median(struct mlw_sweep_decision *out,
		   const struct mlw_sweep_curve *const *curves, size_t nr)
{
	double *avg = mlw_calloc(nr + 1, sizeof(double));
	size_t j, k = 0, n = out->interval;

	for (j = 0; j < nr; j++) {
		double v;

		if (!curves[j]->nr)
			continue;
		v = at(curves[j]->mean, curves[j]->nr, n);
		if (!isnan(v))
			avg[k++] = v;
	}
	qsort(avg, k, sizeof(double), compare_doubles);
	out->compared = k;
	out->reference = !k ? NAN : k % 2 ? avg[k / 2] :
			 (avg[k / 2 - 1] + avg[k / 2]) / 2;
	out->threshold = out->reference;
	free(avg);
}

/* worst first: ascending when maximising */
static int worst_first_max(const void *a, const void *b)
{
	return compare_doubles(a, b);
}

static int worst_first_min(const void *a, const void *b)
{
	return compare_doubles(b, a);
}

static void truncation(struct mlw_sweep_decision *out,
		       const struct mlw_sweep_policy *p, int maximize,
		       const struct mlw_sweep_curve *const *curves,
		       size_t nr, size_t trial)
{
	double *vals = mlw_calloc(nr + 1, sizeof(double));
	size_t j, k = 0, n = out->interval;

	for (j = 0; j < nr; j++) {
		const struct mlw_sweep_curve *c = curves[j];
		double v;

		if (c->nr < n || (j != trial && c->finished &&
				  p->exclude_finished))
			continue;
		v = c->best[n - 1];
		if (!isnan(v))
			vals[k++] = v;
	}
	qsort(vals, k, sizeof(double),
	      maximize ? worst_first_max : worst_first_min);
	out->compared = k;
	out->cut = (size_t)((uint64_t)k * (uint64_t)p->truncation_percentage /
			    100);
	out->reference = out->cut < k ? vals[out->cut] : NAN;
	out->threshold = out->reference;
	free(vals);
}

int mlw_sweep_policy_decide(struct mlw_sweep_decision *out,
			    const struct mlw_sweep_policy *policy,
			    int maximize,
			    const struct mlw_sweep_curve *const *curves,
			    size_t nr, size_t trial)
{
	const struct mlw_sweep_curve *c = curves[trial];
	int64_t every = policy->evaluation_interval > 0 ?
			policy->evaluation_interval : 1;
	size_t n = c->nr;

	out->policy = policy->type;
	out->evaluated = 0;
	out->stop = 0;
	out->interval = n;
	out->trial_best = out->reference = out->threshold = NAN;
	out->compared = out->cut = 0;
	if (policy->type == MLW_POLICY_NONE || !n || n % (uint64_t)every ||
	    (int64_t)n < policy->delay_evaluation)
		return 0;
	out->evaluated = 1;
	out->trial_best = c->best[n - 1];
	switch (policy->type) {
	case MLW_POLICY_BANDIT:
		bandit(out, policy, maximize, curves, nr);
		break;
	case MLW_POLICY_MEDIAN_STOPPING:
		median(out, curves, nr);
		break;
	case MLW_POLICY_TRUNCATION_SELECTION:
		truncation(out, policy, maximize, curves, nr, trial);
		break;
	default:
		break;
	}
	if (isnan(out->trial_best))
		out->stop = 1;
	else if (policy->type == MLW_POLICY_TRUNCATION_SELECTION)
		out->stop = out->cut > 0 && !isnan(out->threshold) &&
			    better(out->threshold, out->trial_best, maximize);
	else
		out->stop = !isnan(out->threshold) &&
			    better(out->threshold, out->trial_best, maximize);
	return out->stop;
}

static const char *num(char buf[32], double v)
{
	mlw_fmt_double(buf, v);
	return buf;
}

void mlw_sweep_decision_format(struct mlw_buf *b,
			       const struct mlw_sweep_decision *d,
			       const struct mlw_sweep_policy *p, int maximize)
{
	char y[32], t[32], r[32], s[32];
	const char *worse = maximize ? "<" : ">";
	const char *not_worse = maximize ? ">=" : "<=";
	const char *op = d->stop ? worse : not_worse;
	const char *verdict = d->stop ? "stop" : "continue";

	mlw_buf_addf(b, "%s at interval %zu: ",
		     mlw_sweep_policy_name(d->policy), d->interval);
	if (!d->evaluated) {
		mlw_buf_adds(b, "not an evaluation point");
		return;
	}
	if (isnan(d->trial_best)) {
		mlw_buf_addf(b, "no value of the primary metric yet: %s",
			     verdict);
		return;
	}
	num(y, d->trial_best);
	num(t, d->threshold);
	num(r, d->reference);
	switch (d->policy) {
	case MLW_POLICY_BANDIT:
		if (p->has_slack_factor)
			mlw_buf_addf(b, "best %s %s %s = %s %s (1 + %s)", y, op,
				     t, r, maximize ? "/" : "*",
				     num(s, p->slack_factor));
		else
			mlw_buf_addf(b, "best %s %s %s = %s %s %s", y, op, t,
				     r, maximize ? "-" : "+",
				     num(s, p->slack_amount));
		mlw_buf_addf(b, " (best of %zu trials by this interval %s)",
			     d->compared, r);
		break;
	case MLW_POLICY_MEDIAN_STOPPING:
		mlw_buf_addf(b, "best %s %s %s, the median of %zu running "
			     "averages", y, op, t, d->compared);
		break;
	case MLW_POLICY_TRUNCATION_SELECTION:
		if (!d->cut)
			mlw_buf_addf(b, "best %s; %d%% of %zu trials cuts none",
				     y, p->truncation_percentage, d->compared);
		else
			mlw_buf_addf(b, "best %s %s %s, the lowest kept when "
				     "%d%% of %zu trials (%zu) are cut", y, op,
				     t, p->truncation_percentage, d->compared,
				     d->cut);
		break;
	default:
		break;
	}
	mlw_buf_addf(b, ": %s", verdict);
}
