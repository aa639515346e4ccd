/*
 * sweep-bench.c - the driver of the p6* benchmarks: runs lib/sweep's
 * scheduler on synthetic objectives, in-process, and prints figures.
 *
 *   sweep-bench quality FUNC ALG SEEDS TRIALS
 *	FUNC branin | hartmann6 | rosenbrock5 (on [-2, 2]^5), ALG random |
 *	sobol | bayesian; one trial at a time, seeds 0 .. SEEDS-1; prints
 *	"FUNC ALG median@50 median@TRIALS seconds" (best value so far,
 *	median over the seeds; the functions are minimised).
 *   sweep-bench overhead TRIALS
 *	a random sweep of three parameters whose objective is their sum:
 *	prints "TRIALS seconds ms/trial" for next + report + finish.
 *   sweep-bench early POLICY TRIALS STEPS
 *	POLICY none | bandit | median | truncation: a synthetic sweep of
 *	TRIALS trials of STEPS steps, 10 at a time, half of them hopeless
 *	(x < 0.5 in the search space); prints "POLICY steps_used
 *	steps_total best_trial best_value".
 */
#include "spec/schema.h"
#include "spec/yaml.h"
#include "sweep/rand.h"
#include "sweep/sweep.h"
#include "util/buf.h"
#include "util/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double branin(const double *x)
{
	double a = x[0], b = x[1];
	double t = b - 5.1 / (4 * M_PI * M_PI) * a * a + 5 / M_PI * a - 6;

	return t * t + 10 * (1 - 1 / (8 * M_PI)) * cos(a) + 10;
}

static double hartmann6(const double *x)
{
	static const double A[4][6] = {
		{ 10, 3, 17, 3.5, 1.7, 8 }, { 0.05, 10, 17, 0.1, 8, 14 },
		{ 3, 3.5, 1.7, 10, 17, 8 }, { 17, 8, 0.05, 10, 0.1, 14 },
	};
	static const double P[4][6] = {
		{ .1312, .1696, .5569, .0124, .8283, .5886 },
		{ .2329, .4135, .8307, .3736, .1004, .9991 },
		{ .2348, .1451, .3522, .2883, .3047, .6650 },
		{ .4047, .8828, .8732, .5743, .1091, .0381 },
	};
	static const double alpha[4] = { 1, 1.2, 3, 3.2 };
	double s = 0;
	int i, j;

	for (i = 0; i < 4; i++) {
		double e = 0;

		for (j = 0; j < 6; j++)
			e += A[i][j] * (x[j] - P[i][j]) * (x[j] - P[i][j]);
		s -= alpha[i] * exp(-e);
	}
	return s;
}

static double rosenbrock5(const double *x)
{
	double s = 0;
	int i;

	for (i = 0; i < 4; i++)
		s += 100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) +
		     (1 - x[i]) * (1 - x[i]);
	return s;
}

static struct mlw_yaml_doc *doc;

/* the configuration of a sweep written as YAML text */
static struct mlw_sweep_config *config(const char *text)
{
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_sweep_config *cfg = NULL;
	size_t i;

	mlw_yaml_free(doc);
	if (mlw_yaml_load_mem(&doc, "bench.yml", text, strlen(text)) < 0) {
		fprintf(stderr, "sweep-bench: %s\n", mlw_error_last());
		exit(1);
	}
	if (mlw_sweep_config_from_yaml(&cfg, doc->root, &d) < 0) {
		for (i = 0; i < d.nr; i++)
			fprintf(stderr, "sweep-bench: %d:%d: %s\n",
				d.items[i].line, d.items[i].col,
				d.items[i].msg);
		exit(1);
	}
	mlw_diags_release(&d);
	return cfg;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(double), compare);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int quality(const char *fn, const char *alg, int seeds, int trials)
{
	struct mlw_buf y = MLW_BUF_INIT;
	double (*f)(const double *);
	double *at50 = calloc(seeds, sizeof(double));
	double *atn = calloc(seeds, sizeof(double)), t0 = now();
	int dims, seed, i;

	if (!strcmp(fn, "branin")) {
		f = branin;
		dims = 2;
	} else if (!strcmp(fn, "hartmann6")) {
		f = hartmann6;
		dims = 6;
	} else if (!strcmp(fn, "rosenbrock5")) {
		f = rosenbrock5;
		dims = 5;
	} else {
		fprintf(stderr, "sweep-bench: unknown function '%s'\n", fn);
		return 2;
	}
	for (seed = 0; seed < seeds; seed++) {
		struct mlw_sweep_config *cfg;
		struct mlw_sweep *s;
		double best = INFINITY;

		mlw_buf_reset(&y);
		mlw_buf_adds(&y, "search_space:\n");
		for (i = 0; i < dims; i++) {
			double lo = 0, hi = 1;

			if (f == branin) {
				lo = i ? 0 : -5;
				hi = i ? 15 : 10;
			} else if (f == rosenbrock5) {
				lo = -2;
				hi = 2;
			}
			mlw_buf_addf(&y, "  x%d: {type: uniform, "
				     "min_value: %g, max_value: %g}\n", i, lo,
				     hi);
		}
		mlw_buf_addf(&y, "sampling_algorithm: {type: %s, seed: %d%s}\n"
			     "objective: {goal: minimize, primary_metric: f}\n"
			     "limits: {max_total_trials: %d, "
			     "max_concurrent_trials: 1}\n",
			     !strcmp(alg, "sobol") ? "random" : alg, seed,
			     !strcmp(alg, "sobol") ? ", rule: sobol" : "",
			     trials);
		cfg = config(y.buf);
		if (mlw_sweep_new(&s, cfg, 0) < 0) {
			fprintf(stderr, "sweep-bench: %s\n", mlw_error_last());
			return 1;
		}
		for (i = 0; i < trials; i++) {
			const struct mlw_sweep_trial *t;
			double x[6], v;
			int k, ret = mlw_sweep_next(s, 0, &t);

			if (ret != MLW_SWEEP_NEW) {
				fprintf(stderr, "sweep-bench: next: %d %s\n",
					ret, mlw_error_last());
				return 1;
			}
			for (k = 0; k < dims; k++)
				x[k] = t->params->items[k]->f;
			v = f(x);
			mlw_sweep_report(s, t->index, "f", 0, v, 0, NULL);
			mlw_sweep_finish(s, t->index, MLW_TRIAL_COMPLETED, 0);
			best = v < best ? v : best;
			if (i == 49)
				at50[seed] = best;
		}
		atn[seed] = best;
		mlw_sweep_free(s);
		mlw_sweep_config_free(cfg);
	}
	printf("%s %s %.6g %.6g %.1f\n", fn, alg, median(at50, seeds),
	       median(atn, seeds), now() - t0);
	mlw_buf_release(&y);
	free(at50);
	free(atn);
	return 0;
}

static int overhead(int trials)
{
	struct mlw_buf y = MLW_BUF_INIT;
	struct mlw_sweep_config *cfg;
	struct mlw_sweep *s;
	double t0, t1, sum = 0;
	int i;

	mlw_buf_addf(&y, "search_space:\n"
		     "  lr: {type: loguniform, min_value: -6, max_value: -1}\n"
		     "  x: {type: uniform, min_value: -10, max_value: 10}\n"
		     "  depth: {type: choice, values: [2, 4, 8, 16]}\n"
		     "sampling_algorithm: {type: random, seed: 1}\n"
		     "objective: {goal: minimize, primary_metric: loss}\n"
		     "limits: {max_total_trials: %d, "
		     "max_concurrent_trials: 1}\n", trials > 1000 ? 1000 :
		     trials);
	cfg = config(y.buf);
	t0 = now();
	if (mlw_sweep_new(&s, cfg, t0) < 0)
		return 1;
	for (i = 0; i < trials; i++) {
		const struct mlw_sweep_trial *t;
		const struct mlw_sweep_value *p;
		double v;

		if (mlw_sweep_next(s, now(), &t) != MLW_SWEEP_NEW)
			return 1;
		p = t->params;
		v = p->items[0]->f + p->items[1]->f + (double)p->items[2]->i;
		mlw_sweep_report(s, t->index, "loss", 0, v, now(), NULL);
		mlw_sweep_finish(s, t->index, MLW_TRIAL_COMPLETED, now());
		sum += v;
	}
	t1 = now();
	mlw_sweep_free(s);
	mlw_sweep_config_free(cfg);
	mlw_buf_release(&y);
	printf("%d %.6f %.6f\n", trials, t1 - t0, (t1 - t0) * 1e3 / trials);
	return !isfinite(sum);
}

/*
 * The learning curve of a trial: its final accuracy is 0.05 + 0.2 x for
 * the hopeless half (x < 0.5) and 0.6 + 0.3 (x - 0.5) / 0.5 for the
 * rest, approached as 1 - exp(-step / 10), with N(0, 0.01) noise drawn
 * from the stream of the trial's point, so every policy sees the same
 * curves.
 */
static double accuracy(double x, int step, struct mlw_sweep_rng *rng)
{
	double final = x < 0.5 ? 0.05 + 0.2 * x : 0.6 + 0.6 * (x - 0.5);

	return final * (1 - exp(-(step + 1) / 10.0)) +
	       0.01 * mlw_sweep_rng_normal(rng);
}

#define EARLY_CONCURRENCY 10

static int early(const char *policy, int trials, int steps)
{
	struct mlw_buf y = MLW_BUF_INIT;
	struct mlw_sweep_config *cfg;
	struct mlw_sweep *s;
	struct {
		size_t index;
		double x;
		int step;
		struct mlw_sweep_rng rng;
	} run[EARLY_CONCURRENCY];
	int nrun = 0, i, handed = 0;
	long used = 0;
	double clock = 0, best_value;
	size_t best;

	mlw_buf_adds(&y, "search_space:\n"
		     "  x: {type: uniform, min_value: 0, max_value: 1}\n"
		     "sampling_algorithm: {type: random, seed: 11}\n"
		     "objective: {goal: maximize, primary_metric: accuracy}\n");
	mlw_buf_addf(&y, "limits: {max_total_trials: %d, "
		     "max_concurrent_trials: %d}\n", trials,
		     EARLY_CONCURRENCY);
	if (!strcmp(policy, "bandit"))
		mlw_buf_adds(&y, "early_termination: {type: bandit, "
			     "slack_factor: 0.1, evaluation_interval: 1, "
			     "delay_evaluation: 5}\n");
	else if (!strcmp(policy, "median"))
		mlw_buf_adds(&y, "early_termination: {type: median_stopping, "
			     "evaluation_interval: 1, delay_evaluation: 5}\n");
	else if (!strcmp(policy, "truncation"))
		mlw_buf_adds(&y, "early_termination: {type: "
			     "truncation_selection, truncation_percentage: 20, "
			     "evaluation_interval: 1, delay_evaluation: 5}\n");
	else if (strcmp(policy, "none"))
		return 2;
	cfg = config(y.buf);
	if (mlw_sweep_new(&s, cfg, 0) < 0)
		return 1;
	while (!mlw_sweep_done(s, clock)) {
		/* fill the free slots */
		while (nrun < EARLY_CONCURRENCY) {
			const struct mlw_sweep_trial *t;

			if (mlw_sweep_next(s, clock, &t) != MLW_SWEEP_NEW)
				break;
			run[nrun].index = t->index;
			run[nrun].x = t->params->items[0]->f;
			run[nrun].step = 0;
			mlw_sweep_rng_init(&run[nrun].rng, 5, t->index);
			nrun++;
			handed++;
		}
		/* one step of every running trial */
		clock += 1;
		for (i = 0; i < nrun; i++) {
			double a = accuracy(run[i].x, run[i].step,
					    &run[i].rng);
			int stop = mlw_sweep_report(s, run[i].index,
						    "accuracy", run[i].step, a,
						    clock, NULL);

			used++;
			run[i].step++;
			if (stop == 1 || run[i].step == steps) {
				mlw_sweep_finish(s, run[i].index, stop == 1 ?
						 MLW_TRIAL_CANCELED :
						 MLW_TRIAL_COMPLETED, clock);
				run[i--] = run[--nrun];
			}
		}
	}
	if (mlw_sweep_best(s, &best, &best_value) < 0)
		return 1;
	printf("%s %ld %ld %zu %.6g\n", policy, used, (long)trials * steps,
	       best, best_value);
	mlw_sweep_free(s);
	mlw_sweep_config_free(cfg);
	mlw_buf_release(&y);
	return handed != trials;
}

int main(int argc, char **argv)
{
	int ret = 2;

	if (argc == 6 && !strcmp(argv[1], "quality"))
		ret = quality(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	else if (argc == 3 && !strcmp(argv[1], "overhead"))
		ret = overhead(atoi(argv[2]));
	else if (argc == 5 && !strcmp(argv[1], "early"))
		ret = early(argv[2], atoi(argv[3]), atoi(argv[4]));
	else
		fprintf(stderr, "usage: sweep-bench quality FUNC ALG SEEDS "
			"TRIALS | overhead TRIALS | early POLICY TRIALS "
			"STEPS\n");
	mlw_yaml_free(doc);
	return ret;
}
