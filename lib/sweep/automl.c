/*
 * automl.c - AutoML jobs as a sweep over the engine's algorithms; see
 * automl.h.
 */
#include "sweep/automl.h"
#include "spec/schema.h"
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- the search spaces ---------------------------------------------------- */

/*
 * Each algorithm's hyperparameters as the search explores them: what
 * matters for the fit (regularisation, kernel, solver), not the solvers'
 * tolerances and iteration limits.  Log ranges are ln(bounds): alpha
 * 1e-4..1e3 for ridge, 1e-5..10 for the L1 models, C 1e-4..1e4,
 * var_smoothing 1e-12..1e-2, gamma 1e-4..10.  test-sweep-automl.c checks
 * every name against the trainer's table and every range against its
 * bounds.
 */
static const char *const spaces[MLW_NR_ALGORITHMS] = {
	[MLW_ALGO_LINEAR] = "{algorithm: linear}",
	[MLW_ALGO_RIDGE] = "{algorithm: ridge, alpha: {type: loguniform, "
		"min_value: -9.2103403719761836, "
		"max_value: 6.9077552789821368}}",
	[MLW_ALGO_LASSO] = "{algorithm: lasso, alpha: {type: loguniform, "
		"min_value: -11.512925464970229, "
		"max_value: 2.3025850929940459}}",
	[MLW_ALGO_ELASTIC_NET] = "{algorithm: elastic_net, "
		"alpha: {type: loguniform, min_value: -11.512925464970229, "
		"max_value: 2.3025850929940459}, "
		"l1_ratio: {type: uniform, min_value: 0.01, max_value: 1}}",
	[MLW_ALGO_KERNEL_RIDGE] = "{algorithm: kernel_ridge, "
		"alpha: {type: loguniform, min_value: -9.2103403719761836, "
		"max_value: 2.3025850929940459}, "
		"kernel: {type: choice, values: ["
		"{kernel: rbf, gamma: {type: loguniform, "
		"min_value: -9.2103403719761836, "
		"max_value: 2.3025850929940459}}, "
		"{kernel: poly, degree: {type: choice, values: [2, 3]}, "
		"gamma: {type: loguniform, min_value: -9.2103403719761836, "
		"max_value: 0}, "
		"coef0: {type: uniform, min_value: 0, max_value: 2}}]}}",
	[MLW_ALGO_LOGISTIC] = "{algorithm: logistic, C: {type: loguniform, "
		"min_value: -9.2103403719761836, "
		"max_value: 9.2103403719761836}, "
		"class_weight: {type: choice, values: [none, balanced]}}",
	[MLW_ALGO_LDA] = "{algorithm: lda, solver: {type: choice, values: ["
		"{solver: svd}, {solver: lsqr, shrinkage: {type: uniform, "
		"min_value: 0, max_value: 1}}]}}",
	[MLW_ALGO_GAUSSIAN_NB] = "{algorithm: gaussian_nb, "
		"var_smoothing: {type: loguniform, "
		"min_value: -27.631021115928547, "
		"max_value: -4.6051701859880914}}",
};

const char *mlw_automl_space(enum mlw_algorithm algorithm)
{
	return algorithm < MLW_NR_ALGORITHMS ? spaces[algorithm] : NULL;
}

/* --- metrics and algorithms ----------------------------------------------- */

static const char *const classification_metrics[] = {
	"accuracy", "AUC_weighted", "average_precision_score_weighted",
	"norm_macro_recall", "precision_score_weighted", NULL
};
static const char *const regression_metrics[] = {
	"normalized_root_mean_squared_error", "r2_score",
	"spearman_correlation", "normalized_mean_absolute_error", NULL
};

const char *const *mlw_automl_metrics(enum mlw_task task)
{
	return task == MLW_TASK_CLASSIFICATION ? classification_metrics :
	       regression_metrics;
}

int mlw_automl_maximize(const char *metric)
{
	return !mlw_starts_with(metric, "normalized_") &&
	       strcmp(metric, "log_loss");
}

/* Azure's names for the engine's algorithms */
static const struct {
	const char *azure;
	enum mlw_algorithm algorithm;
} azure_names[] = {
	{ "ElasticNet", MLW_ALGO_ELASTIC_NET },
	{ "LassoLars", MLW_ALGO_LASSO },
	{ "LogisticRegression", MLW_ALGO_LOGISTIC },
};

/* Azure's algorithms the engine does not have */
static const char *const azure_other[] = {
	"GradientBoosting", "DecisionTree", "KNN", "SGD", "RandomForest",
	"ExtremeRandomTrees", "LightGBM", "XGBoostRegressor",
	"XGBoostClassifier", "MultinomialNaiveBayes", "BernoulliNaiveBayes",
	"SVM", "LinearSVM", "TCNForecaster", "AutoArima", "Prophet",
	"Arimax", "ExponentialSmoothing", "Average", "Naive", "SeasonalAverage",
	"SeasonalNaive", NULL
};

/*
 * The algorithm named name (the engine's name, scikit-learn's estimator
 * or Azure's name, any case): its index, -1 for Azure's algorithms the
 * engine lacks, -2 for unknown names.
 */
static int find_algorithm(const char *name)
{
	size_t i;

	for (i = 0; mlw_trainers[i]; i++)
		if (!strcasecmp(name, mlw_trainers[i]->name) ||
		    !strcasecmp(name, mlw_trainers[i]->estimator))
			return (int)mlw_trainers[i]->algorithm;
	for (i = 0; i < sizeof(azure_names) / sizeof(*azure_names); i++)
		if (!strcasecmp(name, azure_names[i].azure))
			return (int)azure_names[i].algorithm;
	for (i = 0; azure_other[i]; i++)
		if (!strcasecmp(name, azure_other[i]))
			return -1;
	return -2;
}

/* the engine's algorithms for task with a search space, "a, b" */
static void list_algorithms(struct mlw_buf *b, enum mlw_task task)
{
	size_t i, n = 0;

	for (i = 0; mlw_trainers[i]; i++)
		if (mlw_trainers[i]->task == task &&
		    spaces[mlw_trainers[i]->algorithm])
			mlw_buf_addf(b, "%s%s", n++ ? ", " : "",
				     mlw_trainers[i]->name);
}

/* --- reading -------------------------------------------------------------- */

struct reader {
	struct mlw_diags *d;
	size_t errors;
	struct mlw_automl_config *cfg;
};

static void note(struct reader *r, const struct mlw_yaml_node *at,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* a note for the log, and a warning at the text it is about */
static void note(struct reader *r, const struct mlw_yaml_node *at,
		 const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	mlw_diags_add(r->d, 1, at, "%s", b.buf);
	mlw_strlist_push_owned(&r->cfg->notes, mlw_buf_detach(&b, NULL));
}

/* a boolean at key of map: 1 with *out, 0 absent, -1 reported */
static int get_bool(struct reader *r, const struct mlw_yaml_node *map,
		    const char *key, const char *path, int *out)
{
	const struct mlw_yaml_node *n = mlw_yaml_map_get(map, key);

	if (!n || mlw_yaml_is_null(n))
		return 0;
	if (mlw_yaml_to_bool(n, out) < 0) {
		mlw_diags_add(r->d, 0, n, "%s must be true or false, not %s",
			      path, mlw_yaml_describe(n));
		return -1;
	}
	return 1;
}

static const char *scalar(const struct mlw_yaml_node *n)
{
	return n && n->kind == MLW_YAML_SCALAR && !mlw_yaml_is_null(n) ?
	       n->text : NULL;
}

static void read_task(struct reader *r, const struct mlw_yaml_node *root)
{
	const struct mlw_yaml_node *n = mlw_yaml_map_get(root, "task");
	const char *task = scalar(n);

	if (!task) {
		mlw_diags_add(r->d, 0, n ? n : root, "an AutoML job needs a "
			      "task: regression or classification");
	} else if (!strcasecmp(task, "regression")) {
		r->cfg->task = MLW_TASK_REGRESSION;
	} else if (!strcasecmp(task, "classification")) {
		r->cfg->task = MLW_TASK_CLASSIFICATION;
	} else {
		mlw_diags_add(r->d, 0, n, "AutoML task '%s' cannot run "
			      "locally: mlw's engine trains tabular "
			      "regression and classification only", task);
	}
}

static void read_metric(struct reader *r, const struct mlw_yaml_node *root)
{
	const struct mlw_yaml_node *n = mlw_yaml_map_get(root,
							 "primary_metric");
	const char *const *names = mlw_automl_metrics(r->cfg->task);
	const char *metric = scalar(n), *hint;
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i;

	if (!metric)
		metric = names[0];
	for (i = 0; names[i]; i++)
		if (!strcmp(names[i], metric))
			break;
	if (names[i] && !strcmp(metric, "average_precision_score_weighted")) {
		mlw_diags_add(r->d, 0, n, "primary_metric '%s' is not computed "
			      "by mlw's engine; use accuracy, AUC_weighted, "
			      "norm_macro_recall or precision_score_weighted",
			      metric);
	} else if (!names[i]) {
		for (i = 0; names[i]; i++)
			mlw_buf_addf(&b, "%s%s", i ? ", " : "", names[i]);
		hint = mlw_suggest(metric, names);
		mlw_diags_add(r->d, 0, n, "unknown primary_metric '%s' for "
			      "%s%s%s%s; one of: %s", metric,
			      r->cfg->task == MLW_TASK_CLASSIFICATION ?
			      "classification" : "regression",
			      hint ? " (did you mean '" : "", hint ? hint : "",
			      hint ? "'?)" : "", b.buf);
		mlw_buf_release(&b);
	}
	r->cfg->sweep->primary_metric = mlw_strdup(metric);
	r->cfg->sweep->maximize = mlw_automl_maximize(metric);
}

/* validation_data, n_cross_validations, validation_data_size, the rest */
static void read_data(struct reader *r, const struct mlw_yaml_node *root)
{
	struct mlw_automl_config *cfg = r->cfg;
	const struct mlw_yaml_node *n, *vd, *size;
	const char *target;
	static const char *const refused[] = {
		"weight_column_name", "cv_split_column_names", NULL
	};
	size_t i;

	n = mlw_yaml_map_get(root, "target_column_name");
	target = scalar(n);
	if (!target)
		mlw_diags_add(r->d, 0, n ? n : root, "an AutoML %s job needs "
			      "target_column_name", cfg->task ==
			      MLW_TASK_CLASSIFICATION ? "classification" :
			      "regression");
	else
		cfg->target = mlw_strdup(target);
	if (!mlw_yaml_map_get(root, "training_data"))
		mlw_diags_add(r->d, 0, root, "an AutoML job needs "
			      "training_data");
	vd = mlw_yaml_map_get(root, "validation_data");
	cfg->has_validation_data = vd && !mlw_yaml_is_null(vd);
	n = mlw_yaml_map_get(root, "n_cross_validations");
	if (n && !mlw_yaml_is_null(n)) {
		if (n->kind == MLW_YAML_SCALAR && !strcasecmp(n->text, "auto"))
			cfg->n_cross_validations = -1;
		else
			mlw_sweep_yaml_int(r->d, root, "n_cross_validations",
					   "n_cross_validations (or auto)", 2,
					   1000, &cfg->n_cross_validations);
	}
	size = mlw_yaml_map_get(root, "validation_data_size");
	if (mlw_sweep_yaml_positive(r->d, root, "validation_data_size",
				    "validation_data_size",
				    &cfg->validation_data_size) > 0 &&
	    cfg->validation_data_size >= 1) {
		mlw_diags_add(r->d, 0, size, "validation_data_size must be "
			      "between 0 and 1, not %s", size->text);
		cfg->validation_data_size = 0;
	}
	if (!!cfg->has_validation_data + !!cfg->n_cross_validations +
	    (cfg->validation_data_size > 0) > 1)
		mlw_diags_add(r->d, 0, cfg->has_validation_data ? vd : size,
			      "validation_data, n_cross_validations and "
			      "validation_data_size exclude each other");
	for (i = 0; refused[i]; i++) {
		n = mlw_yaml_map_get(root, refused[i]);
		if (n && !mlw_yaml_is_null(n))
			mlw_diags_add(r->d, 0, n, "%s cannot be honoured by "
				      "mlw's engine; remove it", refused[i]);
	}
	n = mlw_yaml_map_get(root, "test_data");
	if (!n || mlw_yaml_is_null(n))
		n = mlw_yaml_map_get(root, "test_data_size");
	if (n && !mlw_yaml_is_null(n))
		note(r, n, "test data is recorded, not scored: score the "
		     "best model with 'mlw model score'");
}

static void read_limits(struct reader *r, const struct mlw_yaml_node *node)
{
	static const char *const keys[] = {
		"max_trials", "max_concurrent_trials", "timeout_minutes",
		"trial_timeout_minutes", "enable_early_termination",
		"exit_score", "max_cores_per_trial", "max_nodes", NULL
	};
	struct mlw_automl_config *cfg = r->cfg;
	struct mlw_sweep_limits *l = &cfg->sweep->limits;
	const struct mlw_yaml_node *n;
	int64_t v;

	l->max_total_trials = MLW_SWEEP_MAX_TRIALS;
	l->max_concurrent_trials = 1;
	l->timeout = 8640 * 60.0;		/* Azure: 6 days */
	l->trial_timeout = 43200 * 60.0;	/* Azure: 30 days */
	cfg->early_termination = 1;
	if (mlw_sweep_yaml_map(r->d, node, "limits", NULL, NULL) <= 0)
		return;
	mlw_sweep_check_keys(r->d, node, "AutoML limits", keys);
	mlw_sweep_yaml_int(r->d, node, "max_trials", "limits.max_trials", 1,
			   MLW_SWEEP_MAX_TRIALS, &l->max_total_trials);
	mlw_sweep_yaml_int(r->d, node, "max_concurrent_trials",
			   "limits.max_concurrent_trials", 1, 1000,
			   &l->max_concurrent_trials);
	if (mlw_sweep_yaml_int(r->d, node, "timeout_minutes",
			       "limits.timeout_minutes", 1, INT64_MAX / 60,
			       &v) > 0)
		l->timeout = 60.0 * (double)v;
	if (mlw_sweep_yaml_int(r->d, node, "trial_timeout_minutes",
			       "limits.trial_timeout_minutes", 1,
			       INT64_MAX / 60, &v) > 0)
		l->trial_timeout = 60.0 * (double)v;
	get_bool(r, node, "enable_early_termination",
		 "limits.enable_early_termination", &cfg->early_termination);
	n = mlw_yaml_map_get(node, "exit_score");
	if (n && !mlw_yaml_is_null(n)) {
		if (mlw_yaml_to_double(n, &cfg->exit_score) < 0 ||
		    !isfinite(cfg->exit_score))
			mlw_diags_add(r->d, 0, n, "limits.exit_score must be a "
				      "number, not %s", mlw_yaml_describe(n));
		else
			cfg->has_exit_score = 1;
	}
	n = mlw_yaml_map_get(node, "max_nodes");
	if (n && !mlw_yaml_is_null(n))
		note(r, n, "limits.max_nodes: trials run on this machine");
}

/* allowed/blocked_training_algorithms: a list of names into *set */
static void read_algorithms(struct reader *r, const struct mlw_yaml_node *list,
			    const char *what, int *set, int value)
{
	struct mlw_automl_config *cfg = r->cfg;
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i;

	if (!list || mlw_yaml_is_null(list))
		return;
	if (list->kind != MLW_YAML_SEQ) {
		mlw_diags_add(r->d, 0, list, "training.%s must be a list of "
			      "algorithm names, not %s", what,
			      mlw_yaml_describe(list));
		return;
	}
	list_algorithms(&b, cfg->task);
	for (i = 0; i < list->nr; i++) {
		const struct mlw_yaml_node *n = list->items[i];
		const char *name = scalar(n);
		int a = name ? find_algorithm(name) : -2;

		if (a == -2 || (a >= 0 && mlw_trainer_of(a)->task !=
					  cfg->task)) {
			mlw_diags_add(r->d, 0, n, "training.%s: '%s' is not a "
				      "%s algorithm; mlw's engine has %s", what,
				      name ? name : mlw_yaml_describe(n),
				      cfg->task == MLW_TASK_CLASSIFICATION ?
				      "classification" : "regression", b.buf);
		} else if (a == -1 && value) {
			note(r, n, "training.%s: %s is not in mlw's engine; "
			     "skipped (it has %s)", what, name, b.buf);
		} else if (a >= 0 && spaces[a]) {
			set[a] = value;
		}
	}
	mlw_buf_release(&b);
}

static void read_training(struct reader *r, const struct mlw_yaml_node *node,
			  const struct mlw_yaml_node *root)
{
	static const char *const keys[] = {
		"allowed_training_algorithms", "blocked_training_algorithms",
		"enable_stack_ensemble", "enable_vote_ensemble",
		"enable_model_explainability", "enable_onnx_compatible_models",
		"enable_dnn_training", "stack_ensemble_settings",
		"ensemble_model_download_timeout", "training_mode", NULL
	};
	struct mlw_automl_config *cfg = r->cfg;
	const struct mlw_yaml_node *allowed = NULL;
	int picked[MLW_NR_ALGORITHMS] = { 0 };
	int v, any = 0, ensembles = 0;
	size_t i;

	for (i = 0; mlw_trainers[i]; i++)
		if (mlw_trainers[i]->task == cfg->task &&
		    spaces[mlw_trainers[i]->algorithm])
			cfg->allowed[mlw_trainers[i]->algorithm] = 1;
	if (mlw_sweep_yaml_map(r->d, node, "training", NULL, NULL) <= 0)
		return;
	mlw_sweep_check_keys(r->d, node, "AutoML training settings", keys);
	allowed = mlw_yaml_map_get(node, "allowed_training_algorithms");
	if (allowed && !mlw_yaml_is_null(allowed)) {
		read_algorithms(r, allowed, "allowed_training_algorithms",
				picked, 1);
		memcpy(cfg->allowed, picked, sizeof(picked));
	}
	read_algorithms(r, mlw_yaml_map_get(node,
					    "blocked_training_algorithms"),
			"blocked_training_algorithms", cfg->allowed, 0);
	for (i = 0; i < MLW_NR_ALGORITHMS; i++)
		any |= cfg->allowed[i];
	if (!any && r->d->errors == r->errors) {
		struct mlw_buf b = MLW_BUF_INIT;

		list_algorithms(&b, cfg->task);
		mlw_diags_add(r->d, 0, node, "no training algorithm is left to "
			      "search: mlw's engine has %s", b.buf);
		mlw_buf_release(&b);
	}
	if (get_bool(r, node, "enable_stack_ensemble", "training."
		     "enable_stack_ensemble", &v) > 0 && v)
		ensembles = 1;
	if (get_bool(r, node, "enable_vote_ensemble", "training."
		     "enable_vote_ensemble", &v) > 0 && v)
		ensembles = 1;
	if (ensembles)
		note(r, node, "ensembles are not built: the best single model "
		     "is the job's model");
	if (get_bool(r, node, "enable_dnn_training", "training."
		     "enable_dnn_training", &v) > 0 && v)
		note(r, mlw_yaml_map_get(node, "enable_dnn_training"),
		     "training.enable_dnn_training: mlw's engine has no "
		     "neural networks");
	(void)root;
}

static void read_featurization(struct reader *r,
			       const struct mlw_yaml_node *node)
{
	static const char *const keys[] = {
		"mode", "blocked_transformers", "column_name_and_types",
		"transformer_params", "enable_dnn_featurization", NULL
	};
	const struct mlw_yaml_node *mode;
	const char *m;

	r->cfg->featurization = 1;
	if (mlw_sweep_yaml_map(r->d, node, "featurization", NULL, NULL) <= 0)
		return;
	mlw_sweep_check_keys(r->d, node, "AutoML featurization", keys);
	mode = mlw_yaml_map_get(node, "mode");
	m = scalar(mode);
	if (!m || !strcasecmp(m, "auto"))
		return;
	if (!strcasecmp(m, "off"))
		r->cfg->featurization = 0;
	else
		mlw_diags_add(r->d, 0, mode, "featurization mode '%s' is not "
			      "supported: use auto (impute, encode, scale) or "
			      "off", m);
}

/* the sweep's space: a choice over the allowed algorithms' spaces */
static void build_space(struct mlw_automl_config *cfg)
{
	struct mlw_buf text = MLW_BUF_INIT;
	struct mlw_yaml_doc *doc = NULL;
	struct mlw_diags d = MLW_DIAGS_INIT;
	size_t i, n = 0;
	int ret;

	mlw_buf_adds(&text, "model: {type: choice, values: [");
	for (i = 0; i < MLW_NR_ALGORITHMS; i++)
		if (cfg->allowed[i])
			mlw_buf_addf(&text, "%s%s", n++ ? ", " : "", spaces[i]);
	mlw_buf_adds(&text, "]}\n");
	ret = mlw_yaml_load_mem(&doc, "automl-search-space", text.buf,
				text.len);
	if (!ret)
		ret = mlw_sweep_space_from_yaml(&cfg->sweep->space, doc->root,
						&d);
	if (ret)	/* a space of ours that does not read: a bug */
		BUG("AutoML search space: %s",
		    d.nr ? d.items[0].msg : mlw_error_last());
	mlw_diags_release(&d);
	mlw_yaml_free(doc);
	mlw_buf_release(&text);
}

int mlw_automl_config_from_yaml(struct mlw_automl_config **out,
				const struct mlw_yaml_node *root,
				struct mlw_diags *d)
{
	struct mlw_sweep_policy none = MLW_SWEEP_POLICY_INIT;
	struct mlw_automl_config *cfg;
	struct reader r = { d, d->errors, NULL };

	*out = NULL;
	if (!root || root->kind != MLW_YAML_MAP) {
		mlw_diags_add(d, 0, root, "an AutoML job must be a mapping");
		return MLW_EINVALID;
	}
	cfg = mlw_calloc(1, sizeof(*cfg));
	cfg->sweep = mlw_calloc(1, sizeof(*cfg->sweep));
	cfg->sweep->algorithm = MLW_SAMPLE_BAYESIAN;
	cfg->sweep->policy = none;
	r.cfg = cfg;
	read_task(&r, root);
	if (d->errors > r.errors)
		goto fail;
	read_metric(&r, root);
	read_data(&r, root);
	read_limits(&r, mlw_yaml_map_get(root, "limits"));
	read_training(&r, mlw_yaml_map_get(root, "training"), root);
	read_featurization(&r, mlw_yaml_map_get(root, "featurization"));
	if (d->errors > r.errors)
		goto fail;
	build_space(cfg);
	*out = cfg;
	return 0;
fail:
	mlw_automl_config_free(cfg);
	return MLW_EINVALID;
}

void mlw_automl_config_free(struct mlw_automl_config *cfg)
{
	if (!cfg)
		return;
	mlw_sweep_config_free(cfg->sweep);
	free(cfg->target);
	mlw_strlist_release(&cfg->notes);
	free(cfg);
}

void mlw_automl_plan(struct mlw_automl_config *cfg, size_t nr_rows)
{
	size_t i, others = 0;

	for (i = 0; i < MLW_NR_ALGORITHMS; i++)
		others += cfg->allowed[i] && i != MLW_ALGO_KERNEL_RIDGE;
	if (nr_rows <= MLW_AUTOML_KERNEL_ROWS ||
	    !cfg->allowed[MLW_ALGO_KERNEL_RIDGE] || !others)
		return;
	cfg->allowed[MLW_ALGO_KERNEL_RIDGE] = 0;
	mlw_strlist_push_owned(&cfg->notes, mlw_xstrfmt(
		"kernel_ridge is left out: %zu rows, more than %d (its "
		"kernel matrix grows with their square)", nr_rows,
		MLW_AUTOML_KERNEL_ROWS));
	mlw_sweep_space_free(cfg->sweep->space);
	cfg->sweep->space = NULL;
	build_space(cfg);
}

/* --- trials --------------------------------------------------------------- */

/* append word, in single quotes when sh would read it otherwise */
static void add_word(struct mlw_buf *b, const char *word)
{
	const char *p;

	mlw_buf_addch(b, ' ');
	if (*word && strspn(word, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "_-+./:,=@%") == strlen(word)) {
		mlw_buf_adds(b, word);
		return;
	}
	mlw_buf_addch(b, '\'');
	for (p = word; *p; p++) {
		if (*p == '\'')
			mlw_buf_adds(b, "'\\''");
		else
			mlw_buf_addch(b, *p);
	}
	mlw_buf_addch(b, '\'');
}

void mlw_automl_validation_args(const struct mlw_automl_config *cfg,
				size_t nr_rows, const char *validation_path,
				struct mlw_buf *args)
{
	int64_t folds = cfg->n_cross_validations;

	if (validation_path) {
		mlw_buf_adds(args, " --validation-data");
		add_word(args, validation_path);
		return;
	}
	if (cfg->validation_data_size > 0) {
		mlw_buf_addf(args, " --validation-split %.17g",
			     cfg->validation_data_size);
		return;
	}
	/* Azure's defaults, by the number of rows */
	if (folds < 0 || (!folds && nr_rows < 20000))
		folds = nr_rows < 1000 ? 10 : 3;
	if (folds > 0)
		mlw_buf_addf(args, " --cv %" PRId64, folds);
	else
		mlw_buf_adds(args, " --validation-split 0.1");
}

const char *mlw_automl_trial_algorithm(const struct mlw_sweep_value *params)
{
	const struct mlw_sweep_value *v;

	v = mlw_sweep_value_get(params, "model.algorithm");

	return v && v->kind == MLW_VALUE_STR ? v->s : NULL;
}

/* the hyperparameters among v's leaves, as --name value */
static void add_hparams(struct mlw_buf *b, const struct mlw_sweep_value *v,
			const char *key)
{
	struct mlw_buf text = MLW_BUF_INIT;
	size_t i;

	if (v->kind == MLW_VALUE_DICT) {
		for (i = 0; i < v->nr; i++)
			add_hparams(b, v->items[i], v->keys[i]);
		return;
	}
	if (!key || !strcmp(key, "algorithm"))
		return;
	mlw_buf_adds(b, " --");
	for (i = 0; key[i]; i++)
		mlw_buf_addch(b, key[i] == '_' ? '-' : key[i]);
	mlw_sweep_value_format(&text, v);
	add_word(b, text.buf);
	mlw_buf_release(&text);
}

char *mlw_automl_trial_command(const struct mlw_automl_config *cfg,
			       const struct mlw_sweep_value *params,
			       const char *data_path, const char *validation)
{
	struct mlw_buf b = MLW_BUF_INIT;
	const char *algorithm = mlw_automl_trial_algorithm(params);

	mlw_buf_adds(&b, "mlw train");
	add_word(&b, algorithm ? algorithm : "?");
	mlw_buf_adds(&b, " --data");
	add_word(&b, data_path);
	mlw_buf_adds(&b, " --target");
	add_word(&b, cfg->target);
	mlw_buf_adds(&b, validation);
	if (cfg->featurization)
		mlw_buf_adds(&b, " --standardize");
	mlw_buf_addf(&b, " --seed %" PRIu64, cfg->seed);
	add_hparams(&b, params, NULL);
	return mlw_buf_detach(&b, NULL);
}

int mlw_automl_should_stop(const struct mlw_automl_config *cfg,
			   struct mlw_sweep *s, struct mlw_buf *why)
{
	const int maximize = cfg->sweep->maximize;
	struct mlw_sweep_stats st;
	struct mlw_sweep_trial t;
	size_t i, ended = 0, since = 0;
	double best = NAN;

	mlw_sweep_stats(s, &st);
	for (i = 0; i < st.trials && !mlw_sweep_trial_info(s, i, &t); i++) {
		if (t.state == MLW_TRIAL_RUNNING)
			continue;
		ended++;
		since++;
		if (t.state == MLW_TRIAL_COMPLETED && !isnan(t.objective) &&
		    (isnan(best) || (maximize ? t.objective > best :
				     t.objective < best))) {
			best = t.objective;
			since = 0;
		}
	}
	if (cfg->has_exit_score && !isnan(best) &&
	    (maximize ? best >= cfg->exit_score : best <= cfg->exit_score)) {
		mlw_buf_addf(why, "exit_score reached: %s %.6g %s %.6g",
			     cfg->sweep->primary_metric, best,
			     maximize ? ">=" : "<=", cfg->exit_score);
		return 1;
	}
	/* Azure: no stop in the first 20 trials, then a window of 10 */
	if (cfg->early_termination && ended >= 30 && since >= 10) {
		mlw_buf_addf(why, "early termination: the best %s (%.6g) has "
			     "not improved over the last %zu trials",
			     cfg->sweep->primary_metric, best, since);
		return 1;
	}
	return 0;
}
