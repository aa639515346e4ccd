/*
 * test-sweep-scheduler.c - unit tests for lib/sweep's configuration from
 * YAML (Azure's rules as positioned errors) and the scheduler: trial and
 * concurrency limits, timeouts, cancel, policy stops delivered once,
 * missing primary metric, the best trial, reproducibility, threads.
 */
#include "tap.h"
#include "spec/schema.h"
#include "spec/yaml.h"
#include "sweep/sweep.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char base_space[] =
	"search_space:\n"
	"  lr: {type: uniform, min_value: 0.001, max_value: 0.1}\n"
	"  conv_size: {type: choice, values: [2, 5, 7]}\n";
static const char base_objective[] =
	"objective: {goal: maximize, primary_metric: accuracy}\n";

static struct mlw_yaml_doc *doc;
static struct mlw_diags diags = MLW_DIAGS_INIT;

/*
 * "type: sweep", then the base search space and objective unless extra
 * has its own, then extra; the config or NULL (diagnostics in diags).
 */
static struct mlw_sweep_config *config(const char *extra)
{
	struct mlw_buf text = MLW_BUF_INIT;
	struct mlw_sweep_config *cfg = NULL;

	mlw_yaml_free(doc);
	doc = NULL;
	mlw_diags_release(&diags);
	mlw_buf_addf(&text, "type: sweep\n%s%s%s",
		     strstr(extra, "search_space:") ? "" : base_space,
		     strstr(extra, "objective:") ? "" : base_objective, extra);
	if (mlw_yaml_load_mem(&doc, "sweep.yml", text.buf, text.len) < 0)
		printf("# yaml: %s\n", mlw_error_last());
	else if (mlw_sweep_config_from_yaml(&cfg, doc->root, &diags) < 0)
		cfg = NULL;
	mlw_buf_release(&text);
	return cfg;
}

static int has_diag(const char *msg, int line, int col, int warning)
{
	size_t i;

	for (i = 0; i < diags.nr; i++)
		if (strstr(diags.items[i].msg, msg) &&
		    diags.items[i].line == line && diags.items[i].col == col &&
		    diags.items[i].warning == warning)
			return 1;
	for (i = 0; i < diags.nr; i++)
		printf("#   %d:%d: %s%s\n", diags.items[i].line,
		       diags.items[i].col,
		       diags.items[i].warning ? "warning: " : "",
		       diags.items[i].msg);
	return 0;
}

static void bad(const char *extra, const char *msg, int line, int col)
{
	struct mlw_sweep_config *cfg = config(extra);

	ok(!cfg && has_diag(msg, line, col, 0), "error '%s' at %d:%d", msg,
	   line, col);
	mlw_sweep_config_free(cfg);
}

static void test_config(void)
{
	struct mlw_sweep_config *cfg;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	cfg = config("sampling_algorithm: random\n");
	ok(cfg && cfg->algorithm == MLW_SAMPLE_RANDOM && !cfg->has_seed &&
	   cfg->maximize && !strcmp(cfg->primary_metric, "accuracy") &&
	   cfg->limits.max_total_trials == 1000 &&
	   cfg->limits.max_concurrent_trials == cpus &&
	   cfg->limits.timeout == 5184000 && cfg->limits.trial_timeout == 0 &&
	   cfg->policy.type == MLW_POLICY_NONE && cfg->space->nr == 2,
	   "a random sweep with Azure's defaults, as many at once as CPUs");
	mlw_sweep_config_free(cfg);
	cfg = config("sampling_algorithm: {type: random, seed: 999, "
		     "rule: sobol, logbase: 10}\n"
		     "limits: {max_total_trials: 20, timeout: 7200, "
		     "trial_timeout: 60}\n");
	ok(cfg && cfg->algorithm == MLW_SAMPLE_SOBOL && cfg->has_seed &&
	   cfg->seed == 999 && fabs(cfg->space->log_base - log(10)) < 1e-15 &&
	   cfg->limits.max_total_trials == 20 &&
	   cfg->limits.max_concurrent_trials == (cpus < 20 ? cpus : 20) &&
	   cfg->limits.timeout == 7200 && cfg->limits.trial_timeout == 60,
	   "the object form: seed, rule sobol, logbase; limits");
	mlw_sweep_config_free(cfg);
	cfg = config("sampling_algorithm: {type: bayesian, seed: 4}\n"
		     "limits: {max_total_trials: 40}\n");
	ok(cfg && cfg->algorithm == MLW_SAMPLE_BAYESIAN && cfg->seed == 4 &&
	   has_diag("at least 20 per hyperparameter (40 here)", 14, 9, 1) ==
	   0 && diags.warnings == 0, "bayesian takes a seed (mlw's addition)");
	mlw_sweep_config_free(cfg);
	cfg = config("sampling_algorithm: bayesian\n"
		     "limits: {max_total_trials: 10}\n");
	ok(cfg && has_diag("at least 20 per hyperparameter (40 here)", 7, 9,
			   1), "bayesian with few trials is warned about");
	mlw_sweep_config_free(cfg);
	cfg = config("sampling_algorithm: grid\n"
		     "early_termination: {type: bandit, slack_factor: 0.1, "
		     "evaluation_interval: 2, delay_evaluation: 5}\n");
	ok(!cfg && has_diag("grid sampling does not support uniform "
			    "distributions ('lr'); it allows only choice",
			    3, 7, 0), "grid with a uniform is an error at it");
	mlw_sweep_config_free(cfg);
	cfg = config("sampling_algorithm: random\n"
		     "early_termination: {type: bandit, slack_factor: 0.1, "
		     "evaluation_interval: 2, delay_evaluation: 5}\n");
	ok(cfg && cfg->policy.type == MLW_POLICY_BANDIT &&
	   cfg->policy.has_slack_factor && cfg->policy.slack_factor == 0.1 &&
	   cfg->policy.evaluation_interval == 2 &&
	   cfg->policy.delay_evaluation == 5, "a bandit policy");
	mlw_sweep_config_free(cfg);
	cfg = config("sampling_algorithm: random\n"
		     "early_termination:\n"
		     "  type: truncation_selection\n"
		     "  truncation_percentage: 40\n"
		     "  exclude_finished_jobs: true\n");
	ok(cfg && cfg->policy.type == MLW_POLICY_TRUNCATION_SELECTION &&
	   cfg->policy.truncation_percentage == 40 &&
	   cfg->policy.exclude_finished && cfg->policy.evaluation_interval == 1,
	   "a truncation selection policy");
	mlw_sweep_config_free(cfg);

	bad("sampling_algorithm: bayesian\n"
	    "early_termination: {type: median_stopping}\n",
	    "bayesian sampling does not support early_termination", 7, 20);
	bad("sampling_algorithm: bayesian\n"
	    "search_space:\n"
	    "  x: {type: loguniform, min_value: 1, max_value: 2}\n",
	    "bayesian sampling does not support loguniform", 5, 6);
	bad("sampling_algorithm: random\nlimits: {max_total_trials: 0}\n",
	    "limits.max_total_trials must be 1 to 1000, not 0", 7, 28);
	bad("sampling_algorithm: random\nlimits: {max_total_trials: 1001}\n",
	    "limits.max_total_trials must be 1 to 1000, not 1001", 7, 28);
	bad("sampling_algorithm: random\nlimits: {max_concurrent_trials: 0}\n",
	    "limits.max_concurrent_trials must be at least 1", 7, 33);
	bad("sampling_algorithm: random\nlimits: {timeout: -5}\n",
	    "limits.timeout (seconds) must be at least 1", 7, 19);
	bad("sampling_algorithm: {type: random, rule: halton}\n",
	    "rule must be random or sobol, not halton", 6, 42);
	bad("sampling_algorithm: randum\n",
	    "unknown sampling algorithm 'randum' (did you mean 'random'?)", 6,
	    21);
	bad("sampling_algorithm: {type: grid, seed: 3}\n",
	    "unknown key 'seed' in a grid sampling algorithm", 6, 34);
	bad("sampling_algorithm: {type: random, logbase: 1}\n",
	    "logbase must be \"e\" or a positive number", 6, 45);
	bad("", "sampling_algorithm is missing", 1, 1);
	bad("sampling_algorithm: random\nobjective: {goal: maximise, "
	    "primary_metric: accuracy}\n",
	    "objective.goal must be maximize or minimize, not maximise", 6,
	    19);
	cfg = config("sampling_algorithm: random\n"
		     "early_termination: {type: bandit, slack_factor: 40, "
		     "slack_amount: 3}\n");
	ok(cfg && cfg->policy.has_slack_factor &&
	   cfg->policy.slack_factor == 40 &&
	   has_diag("takes slack_factor or slack_amount: slack_amount is "
		    "ignored", 7, 67, 1),
	   "both slacks (as azure-ai-ml's own tests give): the factor wins");
	mlw_sweep_config_free(cfg);
	bad("sampling_algorithm: random\n"
	    "early_termination: {type: bandit}\n",
	    "needs slack_factor or slack_amount", 7, 20);
	bad("sampling_algorithm: random\n"
	    "early_termination: {type: bandit, slack_factor: 0}\n",
	    "slack_factor must be positive, not 0", 7, 49);
	bad("sampling_algorithm: random\n"
	    "early_termination: {type: truncation_selection, "
	    "truncation_percentage: 100}\n",
	    "truncation_percentage must be 1 to 99, not 100", 7, 72);
	bad("sampling_algorithm: random\n"
	    "early_termination: {type: median_stopping, "
	    "evaluation_interval: -1}\n",
	    "evaluation_interval must be at least 0, not -1", 7, 65);
	bad("sampling_algorithm: random\n"
	    "early_termination: {type: hyperband}\n",
	    "unknown early_termination type 'hyperband'", 7, 27);
	bad("sampling_algorithm: random\nsearch_space: {}\n",
	    "search_space is empty", 4, 15);
}

/* the corpus's sweeps: every one reads, but grid with uniforms */
static void test_corpus(void)
{
	const char *dir = getenv("SHARED_DIRECTORY");
	static const struct {
		const char *path;
		const char *step;	/* a pipeline's sweep step, or NULL */
		int valid;
	} files[] = {
		{ "cli/jobs/single-step/scikit-learn/iris/job-sweep.yml",
		  NULL, 1 },
		{ "cli/jobs/single-step/lightgbm/iris/job-sweep.yml", NULL, 1 },
		{ "cli/jobs/pipelines-with-components/basics/"
		  "3c_pipeline_with_hyperparameter_sweep/pipeline.yml",
		  "sweep_for_train", 1 },
		{ "_extra/Azure/azure-sdk-for-python/sdk/ml/azure-ai-ml/tests/"
		  "test_configs/sweep_job/sweep-median.yaml", NULL, 1 },
		{ "_extra/Azure/azure-sdk-for-python/sdk/ml/azure-ai-ml/tests/"
		  "test_configs/sweep_job/sweep-truncation.yaml", NULL, 1 },
		{ "_extra/Azure/azure-sdk-for-python/sdk/ml/azure-ai-ml/tests/"
		  "test_configs/sweep_job/sampling_algorithm_properties/"
		  "sweep_job_random_logbase.yml", NULL, 1 },
		{ "_extra/Azure/azure-sdk-for-python/sdk/ml/azure-ai-ml/tests/"
		  "test_configs/sweep_job/sampling_algorithm_properties/"
		  "sweep_job_random_rule.yml", NULL, 1 },
		{ "_extra/Azure/azure-sdk-for-python/sdk/ml/azure-ai-ml/tests/"
		  "test_configs/sweep_job/object_sampling_algorithm/"
		  "sweep_job_grid_sampling_algorithm_object.yml", NULL, 0 },
		{ "_extra/Azure/azure-sdk-for-python/sdk/ml/azure-ai-ml/tests/"
		  "test_configs/sweep_job/sweep-bandit.yaml", NULL, 1 },
	};
	size_t i, right = 0, loaded = 0;

	if (!dir) {
		ok(1, "# SKIP no $SHARED_DIRECTORY corpus");
		return;
	}
	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		struct mlw_diags d = MLW_DIAGS_INIT;
		struct mlw_sweep_config *cfg = NULL;
		struct mlw_yaml_doc *y;
		const struct mlw_yaml_node *node;
		char *path = mlw_xstrfmt("%s/corpus/%s", dir, files[i].path);
		int ret;

		if (mlw_yaml_load_file(&y, path) < 0) {
			printf("# %s: %s\n", path, mlw_error_last());
			free(path);
			continue;
		}
		loaded++;
		node = y->root;
		if (files[i].step)
			node = mlw_yaml_map_get(mlw_yaml_map_get(node, "jobs"),
						files[i].step);
		ret = mlw_sweep_config_from_yaml(&cfg, node, &d);
		if ((ret == 0) == files[i].valid)
			right++;
		else
			printf("# %s: %s\n", files[i].path,
			       d.nr ? d.items[0].msg : "valid");
		mlw_sweep_config_free(cfg);
		mlw_diags_release(&d);
		mlw_yaml_free(y);
		free(path);
	}
	ok(loaded == i && right == i, "the corpus's sweeps read as expected "
	   "(grid over uniforms and both bandit slacks refused) %zu of %zu",
	   right, i);
}

static const struct mlw_sweep_trial *next_new(struct mlw_sweep *s,
					      double now)
{
	const struct mlw_sweep_trial *t;

	return mlw_sweep_next(s, now, &t) == MLW_SWEEP_NEW ? t : NULL;
}

static void test_limits(void)
{
	struct mlw_sweep_config *cfg = config(
		"sampling_algorithm: {type: random, seed: 1}\n"
		"limits: {max_total_trials: 5, max_concurrent_trials: 2}\n");
	const struct mlw_sweep_trial *t, *a, *b;
	struct mlw_sweep_stats st;
	struct mlw_sweep *s;
	size_t i;

	if (!cfg || mlw_sweep_new(&s, cfg, 0) < 0) {
		ok(0, "limits sweep");
		return;
	}
	a = next_new(s, 1);
	b = next_new(s, 1);
	ok(a && b && a->index == 0 && b->index == 1 &&
	   a->state == MLW_TRIAL_RUNNING && a->started == 1,
	   "two trials handed out");
	is_int(mlw_sweep_next(s, 1, &t), MLW_SWEEP_WAIT,
	       "a third waits: max_concurrent_trials 2");
	ok(!mlw_sweep_done(s, 1), "not done");
	mlw_sweep_report(s, 0, "accuracy", 1, 0.5, 2, NULL);
	is_int(mlw_sweep_finish(s, 0, MLW_TRIAL_COMPLETED, 3), 0,
	       "trial 0 completes");
	is_int(mlw_sweep_finish(s, 0, MLW_TRIAL_COMPLETED, 3), MLW_EINVALID,
	       "finishing it again is an error");
	for (i = 2; i < 5; i++) {
		t = next_new(s, 4);
		ok(t && t->index == i, "trial %zu after one ended", i);
		mlw_sweep_report(s, i - 1, "accuracy", 1, 0.1 * i, 5, NULL);
		mlw_sweep_finish(s, i - 1, i == 3 ? MLW_TRIAL_FAILED :
				 MLW_TRIAL_COMPLETED, 5);
	}
	is_int(mlw_sweep_next(s, 6, &t), MLW_SWEEP_DONE,
	       "max_total_trials 5 reached: done handing out");
	ok(!mlw_sweep_done(s, 6), "but trial 4 still runs");
	mlw_sweep_report(s, 4, "accuracy", 1, 0.9, 7, NULL);
	mlw_sweep_finish(s, 4, MLW_TRIAL_CANCELED, 7);
	ok(mlw_sweep_done(s, 7), "done when the last trial ends");
	mlw_sweep_stats(s, &st);
	ok(st.trials == 5 && st.completed == 3 && st.failed == 1 &&
	   st.canceled == 1 && st.running == 0 && st.reports == 5,
	   "stats: 5 trials, 3 completed, 1 failed, 1 canceled");
	{
		size_t best;
		double v;

		ok(!mlw_sweep_best(s, &best, &v) && best == 0 && v == 0.5,
		   "best: the highest completed, 0.5 (not the failed 0.3, "
		   "not the canceled 0.9)");
	}
	is_int(mlw_sweep_report(s, 9, "accuracy", 1, 1, 8, NULL),
	       MLW_ENOTFOUND, "an unknown trial");
	is_int(mlw_sweep_report(s, 1, "accuracy", 1, 1, 8, NULL),
	       MLW_EINVALID, "a report after the end");
	mlw_sweep_free(s);
	mlw_sweep_config_free(cfg);
}

static void test_time(void)
{
	struct mlw_sweep_config *cfg = config(
		"sampling_algorithm: random\n"
		"limits: {max_total_trials: 10, timeout: 100, "
		"trial_timeout: 30}\n");
	struct mlw_sweep_stop stops[4];
	const struct mlw_sweep_trial *t;
	struct mlw_sweep *s;

	if (!cfg || mlw_sweep_new(&s, cfg, 1000) < 0) {
		ok(0, "time sweep");
		return;
	}
	next_new(s, 1000);
	next_new(s, 1010);
	ok(mlw_sweep_deadline(s) == 1030, "deadline: trial 0's timeout");
	is_int(mlw_sweep_poll(s, 1029, stops, 4), 0, "nothing due at 1029");
	ok(mlw_sweep_poll(s, 1030, stops, 4) == 1 && stops[0].trial == 0 &&
	   stops[0].reason == MLW_STOP_TRIAL_TIMEOUT,
	   "trial_timeout: trial 0 is stopped at 1030");
	is_int(mlw_sweep_poll(s, 1031, stops, 4), 0, "delivered once");
	ok(mlw_sweep_deadline(s) == 1040, "next deadline: trial 1's");
	mlw_sweep_finish(s, 0, MLW_TRIAL_CANCELED, 1031);
	mlw_sweep_finish(s, 1, MLW_TRIAL_COMPLETED, 1035);
	next_new(s, 1090);
	is_int(mlw_sweep_next(s, 1100, &t), MLW_SWEEP_DONE,
	       "timeout 100: no trial after 1100");
	ok(mlw_sweep_poll(s, 1100, stops, 4) == 1 && stops[0].trial == 2 &&
	   stops[0].reason == MLW_STOP_TIMEOUT,
	   "the sweep's timeout stops the running trial");
	mlw_sweep_finish(s, 2, MLW_TRIAL_CANCELED, 1101);
	ok(mlw_sweep_done(s, 1101), "done after the timeout");
	mlw_sweep_free(s);

	mlw_sweep_new(&s, cfg, 0);
	next_new(s, 0);
	mlw_sweep_cancel(s);
	is_int(mlw_sweep_next(s, 1, &t), MLW_SWEEP_DONE, "canceled: done");
	ok(mlw_sweep_poll(s, 1, stops, 4) == 1 &&
	   stops[0].reason == MLW_STOP_CANCEL, "cancel stops running trials");
	mlw_sweep_finish(s, 0, MLW_TRIAL_CANCELED, 2);
	ok(mlw_sweep_done(s, 2), "canceled sweep is done");
	mlw_sweep_free(s);
	mlw_sweep_config_free(cfg);
}

static void test_metrics(void)
{
	struct mlw_sweep_config *cfg = config(
		"sampling_algorithm: random\n"
		"limits: {max_concurrent_trials: 3}\n"
		"early_termination: {type: bandit, slack_factor: 0.2}\n");
	struct mlw_sweep_decision d;
	struct mlw_sweep_stop stops[4];
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_sweep *s;

	if (!cfg || mlw_sweep_new(&s, cfg, 0) < 0) {
		ok(0, "metrics sweep");
		return;
	}
	next_new(s, 0);
	next_new(s, 0);
	next_new(s, 0);
	mlw_sweep_report(s, 0, "accuracy", 0, 0.8, 1, &d);
	ok(d.evaluated && !d.stop, "trial 0 reports 0.8: evaluated, goes on");
	is_int(mlw_sweep_report(s, 1, "accuracy", 0, 0.6, 1, &d), 1,
	       "trial 1 at 0.6 < 0.8 / 1.2: stop");
	ok(fabs(d.threshold - 0.8 / 1.2) < 1e-15 && d.reference == 0.8,
	   "with the numbers");
	is_int(mlw_sweep_poll(s, 2, stops, 4), 0,
	       "the policy's stop is not delivered again by poll");
	is_int(mlw_sweep_report(s, 1, "accuracy", 1, 0.1, 2, &d), 0,
	       "a stopping trial's later reports decide nothing");
	mlw_sweep_finish(s, 1, MLW_TRIAL_CANCELED, 3);
	mlw_sweep_report(s, 2, "acuracy", 0, 0.9, 1, NULL);
	mlw_sweep_report(s, 2, "loss", 0, 0.1, 1, NULL);
	mlw_sweep_report(s, 2, "acuracy", 1, 0.9, 1, NULL);
	is_int(mlw_sweep_finish(s, 2, MLW_TRIAL_COMPLETED, 4), 1,
	       "a trial that never logged the primary metric is flagged");
	mlw_sweep_missing_metric_hint(s, 2, &b);
	is_str(b.buf, "trial 2 ended without logging the primary metric "
	       "'accuracy'; it logged 'acuracy', 'loss' (did you mean "
	       "'acuracy'?)", "the hint names what it logged");
	{
		struct mlw_sweep_trial info;
		struct mlw_sweep_stats st;

		ok(!mlw_sweep_trial_info(s, 1, &info) &&
		   info.stop == MLW_STOP_POLICY && info.curve.nr == 2 &&
		   info.state == MLW_TRIAL_CANCELED &&
		   info.decision.interval == 1 && info.objective == 0.1,
		   "trial 1's record: stopped by the policy at interval 1");
		mlw_sweep_stats(s, &st);
		ok(st.stopped_by_policy == 1 && st.missing_metric == 1,
		   "stats count the stop and the flag");
	}
	mlw_buf_release(&b);
	mlw_sweep_free(s);
	mlw_sweep_config_free(cfg);
}

static void test_grid_and_seed(void)
{
	struct mlw_sweep_config *cfg = config(
		"sampling_algorithm: grid\n"
		"search_space:\n"
		"  a: {type: choice, values: [1, 2]}\n"
		"  b: {type: choice, values: [x, y, z]}\n");
	const struct mlw_sweep_trial *t;
	struct mlw_sweep *s, *s2;
	int n = 0, ret, same = 1, i;

	if (!cfg || mlw_sweep_new(&s, cfg, 0) < 0) {
		ok(0, "grid sweep");
		return;
	}
	while ((ret = mlw_sweep_next(s, 0, &t)) == MLW_SWEEP_NEW) {
		mlw_sweep_finish(s, t->index, MLW_TRIAL_COMPLETED, 0);
		n++;
	}
	ok(n == 6 && ret == MLW_SWEEP_DONE && mlw_sweep_done(s, 0),
	   "grid 2 x 3 under 1000 trials: 6 trials, then done");
	mlw_sweep_free(s);
	mlw_sweep_config_free(cfg);

	/* one at a time or four at once: the same trials */
	cfg = config("sampling_algorithm: {type: random, seed: 77}\n"
		     "limits: {max_concurrent_trials: 4}\n");
	mlw_sweep_new(&s, cfg, 0);
	mlw_sweep_new(&s2, cfg, 0);
	for (i = 0; i < 8; i++) {
		t = next_new(s, 0);
		mlw_sweep_finish(s, t->index, MLW_TRIAL_COMPLETED, 0);
	}
	for (i = 0; i < 8; i += 4) {
		int k;

		for (k = 0; k < 4; k++)
			next_new(s2, 0);
		for (k = 3; k >= 0; k--)
			mlw_sweep_finish(s2, i + k, MLW_TRIAL_COMPLETED, 0);
	}
	for (i = 0; i < 8; i++)
		same &= mlw_sweep_value_equal(mlw_sweep_trial(s, i)->params,
					      mlw_sweep_trial(s2, i)->params);
	ok(same, "random, seed 77: the same trials whatever the concurrency");
	mlw_sweep_free(s);
	mlw_sweep_free(s2);
	mlw_sweep_config_free(cfg);
}

struct worker {
	struct mlw_sweep *s;
	int errors;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	const struct mlw_sweep_trial *t;
	int ret, k;

	for (;;) {
		ret = mlw_sweep_next(w->s, 0, &t);
		if (ret == MLW_SWEEP_DONE)
			break;
		if (ret == MLW_SWEEP_WAIT) {
			sched_yield();
			continue;
		}
		if (ret < 0) {
			w->errors++;
			break;
		}
		for (k = 0; k < 10; k++)
			if (mlw_sweep_report(w->s, t->index, "accuracy", k,
					     k / 10.0, 0, NULL) < 0)
				w->errors++;
		if (mlw_sweep_finish(w->s, t->index, MLW_TRIAL_COMPLETED, 0))
			w->errors++;
	}
	return NULL;
}

static void test_threads(void)
{
	struct mlw_sweep_config *cfg = config(
		"sampling_algorithm: random\n"
		"limits: {max_total_trials: 200, max_concurrent_trials: 3}\n"
		"early_termination: {type: median_stopping}\n");
	struct worker w[4];
	pthread_t th[4];
	struct mlw_sweep_stats st;
	struct mlw_sweep *s;
	int i, errors = 0;

	if (!cfg || mlw_sweep_new(&s, cfg, 0) < 0) {
		ok(0, "threads sweep");
		return;
	}
	for (i = 0; i < 4; i++) {
		w[i].s = s;
		w[i].errors = 0;
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		errors += w[i].errors;
	}
	mlw_sweep_stats(s, &st);
	ok(!errors && st.trials == 200 && st.completed == 200 &&
	   st.reports == 2000 && mlw_sweep_done(s, 0),
	   "four threads, concurrency 3: 200 trials, 2000 reports, no error");
	mlw_sweep_free(s);
	mlw_sweep_config_free(cfg);
}

int main(void)
{
	test_config();
	test_corpus();
	test_limits();
	test_time();
	test_metrics();
	test_grid_and_seed();
	test_threads();
	mlw_yaml_free(doc);
	mlw_diags_release(&diags);
	return done_testing();
}
