/*
 * test-sweep-policy.c - unit tests for lib/sweep's early-termination
 * policies against worked examples (semantics.md 3.1 and Azure's own):
 * bandit with slack factor and amount both ways, median stopping,
 * truncation selection with same-interval fairness and
 * exclude_finished_jobs, evaluation_interval and delay_evaluation.
 */
#include "tap.h"
#include "sweep/policy.h"
#include "util/buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TRIALS 16

static struct mlw_sweep_curve curves[MAX_TRIALS];
static const struct mlw_sweep_curve *ptrs[MAX_TRIALS];
static size_t nr;

static void reset(void)
{
	size_t i;

	for (i = 0; i < MAX_TRIALS; i++) {
		mlw_sweep_curve_release(&curves[i]);
		curves[i].finished = 0;
		ptrs[i] = &curves[i];
	}
	nr = 0;
}

/* a trial with the given reports (a NaN-terminated list) */
static size_t trial(int maximize, const double *values)
{
	size_t i = nr++;

	for (; !isnan(*values); values++)
		mlw_sweep_curve_push(&curves[i], *values, maximize);
	return i;
}

static int decide(struct mlw_sweep_decision *d,
		  const struct mlw_sweep_policy *p, int maximize, size_t t)
{
	return mlw_sweep_policy_decide(d, p, maximize, ptrs, nr, t);
}

static void test_curve(void)
{
	struct mlw_sweep_curve c = MLW_SWEEP_CURVE_INIT;

	mlw_sweep_curve_push(&c, NAN, 1);
	mlw_sweep_curve_push(&c, 0.5, 1);
	mlw_sweep_curve_push(&c, 0.3, 1);
	mlw_sweep_curve_push(&c, NAN, 1);
	mlw_sweep_curve_push(&c, 0.7, 1);
	ok(isnan(c.best[0]) && isnan(c.mean[0]) && c.best[2] == 0.5 &&
	   c.mean[2] == 0.4 && c.best[3] == 0.5 && c.mean[3] == 0.4 &&
	   c.best[4] == 0.7 && fabs(c.mean[4] - 0.5) < 1e-15 && c.nr == 5,
	   "curves keep the running best and mean of finite values");
	mlw_sweep_curve_release(&c);
	mlw_sweep_curve_push(&c, 0.5, 0);
	mlw_sweep_curve_push(&c, 0.3, 0);
	mlw_sweep_curve_push(&c, 0.4, 0);
	ok(c.best[2] == 0.3, "minimize: best is the lowest");
	mlw_sweep_curve_release(&c);
}

static void test_bandit(void)
{
	struct mlw_sweep_policy p = MLW_SWEEP_POLICY_INIT;
	struct mlw_sweep_decision d;
	struct mlw_buf b = MLW_BUF_INIT;
	size_t t;

	/* Azure: B = 0.8, slack_factor 0.2: stop below 0.8 / 1.2 */
	p.type = MLW_POLICY_BANDIT;
	p.has_slack_factor = 1;
	p.slack_factor = 0.2;
	reset();
	trial(1, (double[]){ 0.5, 0.7, 0.75, 0.8, 0.8, NAN });
	t = trial(1, (double[]){ 0.3, 0.5, 0.6, 0.62, 0.66, NAN });
	ok(decide(&d, &p, 1, t) == 1 && d.evaluated && d.interval == 5,
	   "bandit 0.2: 0.66 is stopped at interval 5");
	ok(d.reference == 0.8 && fabs(d.threshold - 0.6666666666666667) <
	   1e-15 && d.trial_best == 0.66,
	   "the numbers: B 0.8, threshold 0.8 / 1.2 = 0.667, Y 0.66");
	mlw_sweep_decision_format(&b, &d, &p, 1);
	is_str(b.buf, "bandit at interval 5: best 0.66 < 0.6666666666666667 = "
	       "0.8 / (1 + 0.2) (best of 2 trials by this interval 0.8): "
	       "stop", "the decision as logged");
	reset();
	trial(1, (double[]){ 0.5, 0.7, 0.75, 0.8, 0.8, NAN });
	t = trial(1, (double[]){ 0.3, 0.5, 0.6, 0.62, 0.67, NAN });
	ok(!decide(&d, &p, 1, t) && d.evaluated, "0.67 goes on");

	/* slack_factor 0.1: stop below 91% of the best */
	p.slack_factor = 0.1;
	reset();
	trial(1, (double[]){ 100, NAN });
	t = trial(1, (double[]){ 90.8, NAN });
	ok(decide(&d, &p, 1, t) && fabs(d.threshold - 100 / 1.1) < 1e-12,
	   "slack 0.1: 90.8 is under 90.9%% of 100");
	reset();
	trial(1, (double[]){ 100, NAN });
	t = trial(1, (double[]){ 91, NAN });
	ok(!decide(&d, &p, 1, t), "91 is not");

	/* slack_amount 0.2 with B 0.8: stop below 0.6 */
	p.has_slack_factor = 0;
	p.slack_amount = 0.2;
	reset();
	trial(1, (double[]){ 0.8, NAN });
	t = trial(1, (double[]){ 0.59, NAN });
	ok(decide(&d, &p, 1, t) && fabs(d.threshold - 0.6) < 1e-15,
	   "slack_amount 0.2: 0.59 < 0.8 - 0.2");
	trial(1, (double[]){ 0.61, NAN });
	ok(!decide(&d, &p, 1, 2), "0.61 goes on");

	/* minimize: the mirror */
	p.slack_amount = 0.1;
	reset();
	trial(0, (double[]){ 0.5, NAN });
	t = trial(0, (double[]){ 0.61, NAN });
	ok(decide(&d, &p, 0, t) && fabs(d.threshold - 0.6) < 1e-15,
	   "minimize, slack_amount 0.1: a loss of 0.61 > 0.5 + 0.1 stops");
	p.has_slack_factor = 1;
	p.slack_factor = 0.2;
	ok(decide(&d, &p, 0, t) && fabs(d.threshold - 0.6) < 1e-15,
	   "minimize, slack_factor 0.2: 0.61 > 0.5 * 1.2 stops");
	mlw_buf_reset(&b);
	mlw_sweep_decision_format(&b, &d, &p, 0);
	ok(strstr(b.buf, "best 0.61 > 0.6 = 0.5 * (1 + 0.2)") != NULL,
	   "minimize decisions read the other way: %s", b.buf);
	t = trial(0, (double[]){ 0.59, NAN });
	ok(!decide(&d, &p, 0, t), "0.59 goes on");

	/* the same horizon: B at interval 2, not the leader's later best */
	p.slack_factor = 0.2;
	reset();
	trial(1, (double[]){ 0.4, 0.5, 0.7, 0.8, 0.9, NAN });
	t = trial(1, (double[]){ 0.3, 0.45, NAN });
	ok(!decide(&d, &p, 1, t) && d.reference == 0.5,
	   "a young trial is compared with the best by its own interval "
	   "(0.5, not 0.9)");
	mlw_buf_release(&b);
}

static void test_schedule(void)
{
	struct mlw_sweep_policy p = MLW_SWEEP_POLICY_INIT;
	struct mlw_sweep_decision d;
	struct mlw_sweep_curve *c;
	size_t t, n;
	char got[64] = "";

	p.type = MLW_POLICY_BANDIT;
	p.has_slack_factor = 1;
	p.slack_factor = 0.1;
	p.evaluation_interval = 2;
	p.delay_evaluation = 5;
	reset();
	trial(1, (double[]){ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, NAN });
	t = trial(1, (double[]){ NAN });
	c = &curves[t];
	for (n = 1; n <= 10; n++) {
		mlw_sweep_curve_push(c, 0.1, 1);
		decide(&d, &p, 1, t);
		if (d.evaluated)
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
				 "%zu ", n);
	}
	is_str(got, "6 8 10 ", "interval 2, delay 5: evaluated at 6, 8, 10");
	p.delay_evaluation = 4;
	reset();
	trial(1, (double[]){ 1, 1, 1, 1, NAN });
	t = trial(1, (double[]){ 0.1, 0.1, 0.1, 0.1, NAN });
	ok(decide(&d, &p, 1, t) && d.interval == 4,
	   "delay 4: applies at 4 (multiples >= the delay)");
	p.evaluation_interval = 0;
	p.delay_evaluation = 0;
	reset();
	t = trial(1, (double[]){ 0.1, NAN });
	trial(1, (double[]){ 1, NAN });
	ok(decide(&d, &p, 1, t) && d.interval == 1,
	   "evaluation_interval 0 counts as 1");
	p.type = MLW_POLICY_NONE;
	ok(!decide(&d, &p, 1, t) && !d.evaluated, "no policy: never stops");
}

static void test_median(void)
{
	struct mlw_sweep_policy p = MLW_SWEEP_POLICY_INIT;
	struct mlw_sweep_decision d;
	struct mlw_buf b = MLW_BUF_INIT;
	size_t t;

	/*
	 * Running averages at interval 3: 0.6, 0.4, 0.9 and the trial's own
	 * 0.41667; median (0.41667 + 0.6) / 2 = 0.508; its best 0.5 is worse.
	 */
	p.type = MLW_POLICY_MEDIAN_STOPPING;
	reset();
	trial(1, (double[]){ 0.5, 0.6, 0.7, 0.8, NAN });
	trial(1, (double[]){ 0.4, 0.4, 0.4, NAN });
	trial(1, (double[]){ 0.8, 0.9, 1.0, NAN });
	t = trial(1, (double[]){ 0.3, 0.45, 0.5, NAN });
	ok(decide(&d, &p, 1, t) && d.compared == 4 &&
	   fabs(d.threshold - (1.25 / 3 + 0.6) / 2) < 1e-12,
	   "median: 0.5 < median 0.508 of the running averages: stop");
	mlw_sweep_decision_format(&b, &d, &p, 1);
	ok(strstr(b.buf, "the median of 4 running averages: stop") != NULL,
	   "logged: %s", b.buf);
	reset();
	trial(1, (double[]){ 0.5, 0.6, 0.7, 0.8, NAN });
	trial(1, (double[]){ 0.4, 0.4, 0.4, NAN });
	trial(1, (double[]){ 0.8, 0.9, 1.0, NAN });
	t = trial(1, (double[]){ 0.3, 0.45, 0.52, NAN });
	ok(!decide(&d, &p, 1, t), "0.52 is above the median: goes on");

	/* a young trial sees the others' averages at interval 1 */
	reset();
	trial(1, (double[]){ 0.5, 0.6, 0.7, 0.8, NAN });
	trial(1, (double[]){ 0.4, 0.4, 0.4, NAN });
	trial(1, (double[]){ 0.8, 0.9, 1.0, NAN });
	t = trial(1, (double[]){ 0.45, NAN });
	ok(decide(&d, &p, 1, t) && fabs(d.threshold - 0.475) < 1e-15,
	   "interval 1: median of 0.5, 0.4, 0.8, 0.45 is 0.475");

	/* minimize */
	reset();
	trial(0, (double[]){ 1.0, 0.8, NAN });
	trial(0, (double[]){ 2.0, 1.0, NAN });
	t = trial(0, (double[]){ 3.0, 1.2, NAN });
	ok(!decide(&d, &p, 0, t) && d.threshold == 1.5,
	   "minimize: a best loss of 1.2 under the median 1.5 goes on");
	reset();
	trial(0, (double[]){ 1.0, 0.8, NAN });
	trial(0, (double[]){ 2.0, 1.0, NAN });
	t = trial(0, (double[]){ 3.0, 2.0, NAN });
	ok(decide(&d, &p, 0, t) && d.threshold == 1.5,
	   "minimize: a best loss of 2 over the median 1.5 stops");
	mlw_buf_release(&b);
}

static void test_truncation(void)
{
	struct mlw_sweep_policy p = MLW_SWEEP_POLICY_INIT;
	struct mlw_sweep_decision d;
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i, t, stopped = 0;

	/* ten trials at interval 5, 20%: the two lowest are cut */
	p.type = MLW_POLICY_TRUNCATION_SELECTION;
	p.truncation_percentage = 20;
	reset();
	for (i = 0; i < 10; i++) {
		double v = (i + 1) / 10.0;

		trial(1, (double[]){ v, v, v, v, v, NAN });
	}
	for (i = 0; i < 10; i++)
		if (decide(&d, &p, 1, i))
			stopped |= 1u << i;
	ok(stopped == 3 && d.cut == 2 && d.compared == 10 &&
	   d.threshold == 0.3, "20%% of 10: trials at 0.1 and 0.2 are cut, "
	   "0.3 survives");
	decide(&d, &p, 1, 0);
	mlw_sweep_decision_format(&b, &d, &p, 1);
	is_str(b.buf, "truncation_selection at interval 5: best 0.1 < 0.3, the "
	       "lowest kept when 20% of 10 trials (2) are cut: stop",
	       "the decision as logged");

	/*
	 * Fairness: the leader had 0.15 at interval 5 (0.95 later).  20% of
	 * 5 cuts one: 0.15, so a young trial at 0.2 survives; compared with
	 * the leader's 0.95 it would have been cut.
	 */
	reset();
	trial(1, (double[]){ 0.1, 0.1, 0.1, 0.1, 0.15, 0.5, 0.95, NAN });
	trial(1, (double[]){ 0.5, 0.5, 0.5, 0.5, 0.5, NAN });
	trial(1, (double[]){ 0.6, 0.6, 0.6, 0.6, 0.6, NAN });
	trial(1, (double[]){ 0.7, 0.7, 0.7, 0.7, 0.7, NAN });
	t = trial(1, (double[]){ 0.2, 0.2, 0.2, 0.2, 0.2, NAN });
	ok(!decide(&d, &p, 1, t) && d.threshold == 0.2 && d.cut == 1,
	   "a young trial is ranked on the others' values at its interval");
	ok(decide(&d, &p, 1, 0) == 0 && d.interval == 7,
	   "the leader at interval 7 is compared with nobody");

	/* trials short of the interval stay out of the ranking */
	reset();
	trial(1, (double[]){ 0.9, NAN });
	trial(1, (double[]){ 0.9, NAN });
	t = trial(1, (double[]){ 0.5, 0.5, NAN });
	trial(1, (double[]){ 0.1, 0.8, NAN });
	ok(!decide(&d, &p, 1, t) && d.compared == 2 && d.cut == 0,
	   "only trials that reached interval 2 count");

	/* exclude_finished_jobs */
	p.truncation_percentage = 25;
	reset();
	trial(1, (double[]){ 0.1, 0.1, NAN });
	curves[0].finished = 1;
	trial(1, (double[]){ 0.5, 0.5, NAN });
	t = trial(1, (double[]){ 0.3, 0.3, NAN });
	trial(1, (double[]){ 0.9, 0.9, NAN });
	trial(1, (double[]){ 0.7, 0.7, NAN });
	ok(!decide(&d, &p, 1, t) && d.compared == 5 && d.cut == 1,
	   "with the finished 0.1 ranked, 25%% of 5 cuts only 0.1");
	p.exclude_finished = 1;
	ok(decide(&d, &p, 1, t) && d.compared == 4 && d.cut == 1,
	   "exclude_finished_jobs: 0.3 is the lowest of 4, cut");

	/* minimize */
	p.exclude_finished = 0;
	p.truncation_percentage = 50;
	reset();
	trial(0, (double[]){ 1.0, NAN });
	trial(0, (double[]){ 2.0, NAN });
	t = trial(0, (double[]){ 3.0, NAN });
	trial(0, (double[]){ 0.5, NAN });
	ok(decide(&d, &p, 0, t) && !decide(&d, &p, 0, 0),
	   "minimize: the highest losses are cut");
	mlw_buf_release(&b);
}

static void test_no_value(void)
{
	struct mlw_sweep_policy p = MLW_SWEEP_POLICY_INIT;
	struct mlw_sweep_decision d;
	size_t t;

	p.type = MLW_POLICY_MEDIAN_STOPPING;
	reset();
	trial(1, (double[]){ 0.5, 0.5, NAN });
	t = nr++;
	mlw_sweep_curve_push(&curves[t], NAN, 1);
	mlw_sweep_curve_push(&curves[t], NAN, 1);
	ok(decide(&d, &p, 1, t) && isnan(d.trial_best),
	   "a trial whose reports are all NaN is stopped");
}

int main(void)
{
	test_curve();
	test_bandit();
	test_schedule();
	test_median();
	test_truncation();
	test_no_value();
	reset();
	return done_testing();
}
