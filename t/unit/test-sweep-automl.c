/*
 * test-sweep-automl.c - AutoML as a sweep: every algorithm's search
 * space gives commands 'mlw train' accepts (names and ranges from the
 * trainers' tables), the spec's rules and notes, Azure's validation
 * defaults, and the early termination and exit score rules.
 */
#include "tap.h"
#include "ml/train_opts.h"
#include "spec/schema.h"
#include "spec/yaml.h"
#include "sweep/automl.h"
#include "sweep/rand.h"
#include "sweep/trial.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *datasets;

/* read text as an AutoML job; the diagnostics joined in *msgs */
static int read_spec(struct mlw_automl_config **cfg, const char *text,
		     struct mlw_buf *msgs)
{
	struct mlw_yaml_doc *doc;
	struct mlw_diags d = MLW_DIAGS_INIT;
	size_t i;
	int ret;

	mlw_buf_reset(msgs);
	*cfg = NULL;
	if (mlw_yaml_load_mem(&doc, "automl.yml", text, strlen(text)))
		return -99;
	ret = mlw_automl_config_from_yaml(cfg, doc->root, &d);
	for (i = 0; i < d.nr; i++)
		mlw_buf_addf(msgs, "%s%d:%d: %s | ", d.items[i].warning ?
			     "warning: " : "", d.items[i].line, d.items[i].col,
			     d.items[i].msg);
	mlw_diags_release(&d);
	mlw_yaml_free(doc);
	return ret;
}

#define BASE "type: automl\ntarget_column_name: target\n" \
	"training_data: {path: data, type: mltable}\n"

/* every algorithm's space: 200 random trials, each a valid command */
static void test_spaces(void)
{
	const char *tasks[] = { "regression", "classification" };
	size_t k, i, d, bad = 0, seen[MLW_NR_ALGORITHMS] = { 0 }, tried = 0;

	for (k = 0; k < 2; k++) {
		struct mlw_automl_config *cfg;
		struct mlw_buf msgs = MLW_BUF_INIT, v = MLW_BUF_INIT;
		struct mlw_sweep_rng rng;
		char *text = mlw_xstrfmt(BASE "task: %s\n", tasks[k]);
		double *u;

		ok(!read_spec(&cfg, text, &msgs), "a %s job reads",
		   tasks[k]);
		mlw_automl_validation_args(cfg, 442, NULL, &v);
		u = mlw_calloc(cfg->sweep->space->dims + 1, sizeof(double));
		mlw_sweep_rng_init(&rng, 7, k);
		for (i = 0; i < 200; i++) {
			struct mlw_sweep_value *params;
			struct mlw_train_trial t;
			char *cmd, *data;
			int a;

			for (d = 0; d < cfg->sweep->space->dims; d++)
				u[d] = mlw_sweep_rng_uniform(&rng);
			params = mlw_sweep_space_decode(cfg->sweep->space, u);
			data = mlw_xstrfmt("%s/%s", datasets, k ?
					   "iris.csv" : "diabetes.csv");
			cmd = mlw_automl_trial_command(cfg, params, data,
						       v.buf);
			if (mlw_train_trial_parse(&t, cmd) != 1) {
				if (bad++ < 3)
					ok(0, "not a valid trial: %s", cmd);
			} else {
				a = (int)t.req.hparams.trainer->algorithm;
				seen[a]++;
				tried++;
			}
			mlw_train_trial_release(&t);
			mlw_sweep_value_free(params);
			free(cmd);
			free(data);
		}
		free(u);
		free(text);
		mlw_buf_release(&msgs);
		mlw_buf_release(&v);
		mlw_automl_config_free(cfg);
	}
	is_int(bad, 0, "400 random trials are commands mlw train takes");
	ok(tried == 400, "all of them in-process");
	for (i = 0; i < MLW_NR_ALGORITHMS; i++)
		if (mlw_automl_space(i))
			ok(seen[i] > 10, "%s is searched (%zu trials)",
			   mlw_algorithm_name(i), seen[i]);
	ok(!mlw_automl_space(MLW_ALGO_KMEANS) &&
	   !mlw_automl_space(MLW_ALGO_PCA),
	   "no space for unsupervised trainers");
}

struct bad {
	const char *spec, *want;
};

static const struct bad bads[] = {
	{ "task: image_classification\n",
	  "4:7: AutoML task 'image_classification' cannot run locally" },
	{ "task: forecasting\n", "AutoML task 'forecasting' cannot run" },
	{ "task: text_ner\n", "AutoML task 'text_ner' cannot run" },
	{ "task: regression\nprimary_metric: r2score\n",
	  "5:17: unknown primary_metric 'r2score' for regression (did you "
	  "mean 'r2_score'?); one of: normalized_root_mean_squared_error, "
	  "r2_score, spearman_correlation, normalized_mean_absolute_error" },
	{ "task: classification\nprimary_metric: r2_score\n",
	  "unknown primary_metric 'r2_score' for classification" },
	{ "task: classification\nprimary_metric: "
	  "average_precision_score_weighted\n",
	  "'average_precision_score_weighted' is not computed" },
	{ "task: regression\ntraining:\n  allowed_training_algorithms: "
	  "[Ridge, Florest]\n",
	  "6:40: training.allowed_training_algorithms: 'Florest' is not a "
	  "regression algorithm; mlw's engine has linear, ridge, lasso, "
	  "elastic_net, kernel_ridge" },
	{ "task: regression\ntraining:\n  allowed_training_algorithms: "
	  "[logistic]\n", "'logistic' is not a regression algorithm" },
	{ "task: regression\ntraining:\n  allowed_training_algorithms: "
	  "[RandomForest]\n", "no training algorithm is left to search" },
	{ "task: classification\ntraining:\n  blocked_training_algorithms: "
	  "[LogisticRegression, lda, GaussianNB]\n",
	  "no training algorithm is left to search: mlw's engine has "
	  "logistic, lda, gaussian_nb" },
	{ "task: regression\nn_cross_validations: 5\n"
	  "validation_data_size: 0.2\n", "exclude each other" },
	{ "task: regression\nvalidation_data_size: 1.5\n",
	  "validation_data_size must be between 0 and 1" },
	{ "task: regression\nn_cross_validations: 1\n",
	  "n_cross_validations (or auto) must be 2 to 1000, not 1" },
	{ "task: regression\nweight_column_name: w\n",
	  "weight_column_name cannot be honoured" },
	{ "task: regression\nfeaturization: {mode: custom}\n",
	  "featurization mode 'custom' is not supported" },
	{ "task: regression\nlimits: {max_trials: 0}\n",
	  "limits.max_trials must be 1 to 1000, not 0" },
	{ "task: regression\nlimits: {max_trails: 5}\n",
	  "unknown key 'max_trails' in AutoML limits (did you mean "
	  "'max_trials'?)" },
};

static void test_rules(void)
{
	struct mlw_automl_config *cfg;
	struct mlw_buf msgs = MLW_BUF_INIT, v = MLW_BUF_INIT;
	size_t i;
	char *text;

	for (i = 0; i < sizeof(bads) / sizeof(*bads); i++) {
		int ret;

		text = mlw_xstrfmt(BASE "%s", bads[i].spec);
		ret = read_spec(&cfg, text, &msgs);
		ok(ret == MLW_EINVALID && !cfg &&
		   strstr(msgs.buf, bads[i].want), "refused: %s", msgs.buf);
		free(text);
	}
	ok(!read_spec(&cfg, BASE "task: regression\n", &msgs),
	   "a regression job with defaults");
	is_str(cfg->sweep->primary_metric, "normalized_root_mean_squared_error",
	       "Azure's default metric for regression");
	ok(!cfg->sweep->maximize, "minimised");
	is_int(cfg->sweep->limits.max_total_trials, 1000, "1000 trials");
	is_int(cfg->sweep->limits.max_concurrent_trials, 1, "one at a time");
	ok(cfg->early_termination && cfg->featurization,
	   "early termination and featurization on by default");
	ok(cfg->sweep->algorithm == MLW_SAMPLE_BAYESIAN, "Bayesian sampling");
	mlw_automl_validation_args(cfg, 442, NULL, &v);
	is_str(v.buf, " --cv 10", "under 1,000 rows: 10 folds");
	mlw_buf_reset(&v);
	mlw_automl_validation_args(cfg, 5000, NULL, &v);
	is_str(v.buf, " --cv 3", "under 20,000 rows: 3 folds");
	mlw_buf_reset(&v);
	mlw_automl_validation_args(cfg, 50000, NULL, &v);
	is_str(v.buf, " --validation-split 0.1", "above: a 10%% hold-out");
	mlw_buf_reset(&v);
	mlw_automl_validation_args(cfg, 50000, "va lid.csv", &v);
	is_str(v.buf, " --validation-data 'va lid.csv'",
	       "validation data, quoted");
	mlw_automl_config_free(cfg);

	ok(!read_spec(&cfg, BASE "task: classification\nprimary_metric: "
		      "AUC_weighted\nn_cross_validations: auto\n"
		      "limits: {max_trials: 30, timeout_minutes: 2, "
		      "max_nodes: 4}\nfeaturization: {mode: 'off'}\n"
		      "training:\n  allowed_training_algorithms: "
		      "[LogisticRegression, RandomForest]\n"
		      "  enable_stack_ensemble: true\ntest_data_size: 0.1\n",
		      &msgs), "a classification job");
	ok(cfg->sweep->maximize, "AUC_weighted is maximised");
	is_int(cfg->sweep->limits.max_total_trials, 30, "max_trials");
	ok(cfg->sweep->limits.timeout == 120, "timeout_minutes in seconds");
	ok(!cfg->featurization, "featurization off");
	ok(cfg->allowed[MLW_ALGO_LOGISTIC] && !cfg->allowed[MLW_ALGO_LDA] &&
	   !cfg->allowed[MLW_ALGO_GAUSSIAN_NB], "only logistic is searched");
	is_int(cfg->notes.nr, 4, "four notes");
	ok(strstr(msgs.buf, "warning: 10:53: training.allowed_training_"
		  "algorithms: RandomForest is not in mlw's engine; skipped") &&
	   strstr(msgs.buf, "ensembles are not built") &&
	   strstr(msgs.buf, "test data is recorded, not scored") &&
	   strstr(msgs.buf, "max_nodes"), "each a warning: %s", msgs.buf);
	mlw_buf_reset(&v);
	mlw_automl_validation_args(cfg, 500, NULL, &v);
	is_str(v.buf, " --cv 10", "auto folds");
	mlw_automl_config_free(cfg);
	mlw_buf_release(&msgs);
	mlw_buf_release(&v);
}

/* trials with values vals[i] (NaN: failed), in order */
static int run_trials(const struct mlw_automl_config *cfg, const double *vals,
		      size_t nr, struct mlw_buf *why)
{
	struct mlw_sweep *s;
	const struct mlw_sweep_trial *t;
	size_t i;
	int ret = 0;

	mlw_sweep_new(&s, cfg->sweep, 0);
	for (i = 0; i < nr && !ret; i++) {
		if (mlw_sweep_next(s, 0, &t) != MLW_SWEEP_NEW)
			break;
		if (!isnan(vals[i]))
			mlw_sweep_report(s, t->index,
					 cfg->sweep->primary_metric, 1,
					 vals[i], 0, NULL);
		mlw_sweep_finish(s, t->index, isnan(vals[i]) ?
				 MLW_TRIAL_FAILED : MLW_TRIAL_COMPLETED, 0);
		ret = mlw_automl_should_stop(cfg, s, why) ? (int)i + 1 : 0;
	}
	mlw_sweep_free(s);
	return ret;
}

static void test_stop(void)
{
	struct mlw_automl_config *cfg;
	struct mlw_buf msgs = MLW_BUF_INIT, why = MLW_BUF_INIT;
	double vals[60];
	size_t i;

	ok(!read_spec(&cfg, BASE "task: regression\nprimary_metric: r2_score\n"
		      "limits: {max_trials: 60, exit_score: 0.9}\n", &msgs),
	   "a job with an exit score");
	for (i = 0; i < 60; i++)
		vals[i] = i == 4 ? 0.5 : 0.1;
	is_int(run_trials(cfg, vals, 60, &why), 30,
	       "no improvement after trial 5: stops after 30 trials");
	ok(strstr(why.buf, "has not improved over the last 25 trials"),
	   "saying so: %s", why.buf);
	for (i = 0; i < 60; i++)
		vals[i] = 0.01 * (double)i;
	mlw_buf_reset(&why);
	is_int(run_trials(cfg, vals, 60, &why), 0,
	       "a score that keeps improving never stops early");
	vals[7] = 0.95;
	vals[3] = NAN;
	mlw_buf_reset(&why);
	is_int(run_trials(cfg, vals, 60, &why), 8,
	       "the exit score stops at the trial that reaches it");
	ok(strstr(why.buf, "exit_score reached"), "saying so: %s", why.buf);
	mlw_automl_config_free(cfg);
	ok(!read_spec(&cfg, BASE "task: regression\nprimary_metric: r2_score\n"
		      "limits: {enable_early_termination: false}\n", &msgs),
	   "a job without early termination");
	for (i = 0; i < 60; i++)
		vals[i] = i == 4 ? 0.5 : 0.1;
	is_int(run_trials(cfg, vals, 60, &why), 0, "never stops early");
	mlw_automl_config_free(cfg);
	mlw_buf_release(&msgs);
	mlw_buf_release(&why);
}

static void test_nmae(void)
{
	struct mlw_metric m[] = {
		{ "root_mean_squared_error", 2 },
		{ "normalized_root_mean_squared_error", 0.1 },
		{ "mean_absolute_error", 1.5 },
	};
	double v;

	ok(mlw_train_metric_value(&v, m, 3, "normalized_mean_absolute_error")
	   && fabs(v - 0.075) < 1e-15, "NMAE = MAE / range");
	ok(mlw_train_metric_value(&v, m, 3, "mean_absolute_error") && v == 1.5,
	   "a metric as it is");
	ok(!mlw_train_metric_value(&v, m, 3, "accuracy"), "absent");
}

int main(void)
{
	const char *build = getenv("MLW_BUILD_DIR");
	char *share = mlw_xstrfmt("%s/share/datasets",
				  build && *build ? build : "..");

	datasets = share;
	test_spaces();
	test_rules();
	test_stop();
	test_nmae();
	free(share);
	return done_testing();
}
