/*
 * train.c - 'mlw train ALGO --data CSV --target COL ...': fit one of the
 * built-in linear models in-process, print its validation and training
 * metrics, and optionally write the model folder.  Needs no workspace.
 */
#include "builtin.h"
#include "ml/dataset.h"
#include "ml/features.h"
#include "ml/lapack.h"
#include "ml/linear.h"
#include "ml/metrics.h"
#include "ml/model.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct train_opts {
	enum mlw_algorithm algo;
	struct mlw_linear_params params;
	const char *data, *target, *features, *exclude, *validation_data;
	const char *validation_split, *output_dir, *predictions;
	const char *alpha, *l1_ratio, *C, *tol, *class_weight;
	int64_t cv, seed, max_iter;
	int standardize;
};

/* metrics of one evaluation, named as AutoML names them */
struct scores {
	struct mlw_metric m[MLW_CLASSIFICATION_METRICS];
	size_t nr;
};

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* splitmix64: a seeded, portable shuffle */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int split_list(struct mlw_strlist *out, const char *list)
{
	const char *p = list;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len)
			mlw_strlist_push_owned(out, mlw_strndup(p, len));
		p += len + (comma ? 1 : 0);
	}
	return 0;
}

/* the feature columns: --features, or all but the target and --exclude */
static int pick_columns(size_t **out, size_t *nr, const struct mlw_dataset *ds,
			size_t target, const struct train_opts *o)
{
	struct mlw_strlist names = MLW_STRLIST_INIT, ex = MLW_STRLIST_INIT;
	size_t *cols = mlw_calloc(ds->nr_columns + 1, sizeof(*cols));
	size_t i, j, n = 0;
	int ret = 0;

	if (o->features) {
		split_list(&names, o->features);
		for (i = 0; i < names.nr && !ret; i++) {
			int c = mlw_dataset_find(ds, names.items[i]);

			if (c < 0)
				ret = mlw_error_setc(MLW_EINVALID,
						     "'%s' has no column '%s'",
						     ds->path, names.items[i]);
			else if ((size_t)c == target)
				ret = mlw_error_setc(MLW_EINVALID,
					"the target '%s' cannot be a feature",
					names.items[i]);
			else
				cols[n++] = (size_t)c;
		}
	} else {
		if (o->exclude)
			split_list(&ex, o->exclude);
		for (i = 0; i < ex.nr && !ret; i++)
			if (mlw_dataset_find(ds, ex.items[i]) < 0)
				ret = mlw_error_setc(MLW_EINVALID,
						     "'%s' has no column '%s' to exclude",
						     ds->path, ex.items[i]);
		for (j = 0; j < ds->nr_columns && !ret; j++) {
			int skip = j == target;

			for (i = 0; i < ex.nr; i++)
				skip |= !strcmp(ex.items[i], ds->columns[j].name);
			if (!skip)
				cols[n++] = j;
		}
	}
	if (!ret && !n)
		ret = mlw_error_setc(MLW_EINVALID, "no feature columns left");
	mlw_strlist_release(&names);
	mlw_strlist_release(&ex);
	if (ret) {
		free(cols);
		return ret;
	}
	*out = cols;
	*nr = n;
	return 0;
}

/*
 * Fit on train rows of ds; evaluate on eval rows of eval_ds (when given)
 * and on the training rows.  The model is kept in *model when not NULL.
 */
static int fit_and_score(struct mlw_model *model, struct scores *val,
			 struct scores *train, double **pred_out,
			 const struct train_opts *o, const struct mlw_dataset *ds,
			 size_t target, const size_t *cols, size_t nr_cols,
			 const size_t *rows, size_t nr_rows,
			 const struct mlw_dataset *eval_ds, const size_t *erows,
			 size_t nr_erows, double *fit_seconds)
{
	struct mlw_model m = { 0 };
	struct mlw_linear_params par = o->params;
	double *X = NULL, *y = NULL, *P = NULL, t0;
	const double *view = NULL;
	size_t p = 0, K = 1;
	int ret, cls = mlw_algorithm_is_classifier(o->algo);

	ret = mlw_target_fit(&m.target, ds, target, rows, nr_rows, cls);
	if (!ret)
		ret = mlw_featurizer_fit(&m.featurizer, ds, cols, nr_cols, rows,
					 nr_rows, o->standardize);
	if (!ret) {
		p = m.featurizer->nr_features;
		/* all rows, plain numeric columns: solve on the dataset itself */
		view = rows ? NULL : mlw_featurizer_view(m.featurizer, ds);
		if (view)
			X = (double *)view;
		else
			ret = mlw_featurizer_apply(&X, m.featurizer, ds, rows,
						   nr_rows);
	}
	if (!ret) {
		y = mlw_malloc(mlw_st_mult(nr_rows + 1, sizeof(double)));
		ret = mlw_target_apply(y, &m.target, ds, rows, nr_rows);
	}
	if (!ret && cls) {
		K = m.target.nr_classes;
		if (K < 2)
			ret = mlw_error_setc(MLW_EINVALID,
				"the target '%s' has only one class ('%s') in the training rows",
				m.target.name, K ? m.target.classes[0] : "");
		par.nr_classes = K;
	}
	if (!ret) {
		t0 = mlw_now();
		ret = mlw_linear_fit(&m.linear, o->algo, &par, X, nr_rows, p, y);
		*fit_seconds += mlw_now() - t0;
	}
	if (!ret) {
		P = mlw_malloc(mlw_st_mult(mlw_st_mult(nr_rows, K + 1),
					   sizeof(double)));
		mlw_linear_predict(P, &m.linear, X, nr_rows, K);
		if (cls) {
			mlw_metrics_classification(train->m, NULL, y, P, nr_rows, K);
			train->nr = MLW_CLASSIFICATION_METRICS;
		} else {
			mlw_metrics_regression(train->m, y, P, nr_rows);
			train->nr = MLW_REGRESSION_METRICS;
		}
	}
	if (X && X != view)
		mlw_big_free(X, nr_rows * p * sizeof(double));
	X = NULL;
	free(y);
	y = NULL;
	if (!ret && eval_ds) {
		free(P);
		P = NULL;
		ret = mlw_featurizer_apply(&X, m.featurizer, eval_ds, erows,
					   nr_erows);
		if (!ret) {
			y = mlw_malloc(mlw_st_mult(nr_erows + 1, sizeof(double)));
			ret = mlw_target_apply(y, &m.target, eval_ds, erows,
					       nr_erows);
		}
		if (!ret) {
			P = mlw_malloc(mlw_st_mult(mlw_st_mult(nr_erows, K + 1),
						   sizeof(double)));
			mlw_linear_predict(P, &m.linear, X, nr_erows, K);
			if (cls) {
				mlw_metrics_classification(val->m, NULL, y, P,
							   nr_erows, K);
				val->nr = MLW_CLASSIFICATION_METRICS;
			} else {
				mlw_metrics_regression(val->m, y, P, nr_erows);
				val->nr = MLW_REGRESSION_METRICS;
			}
		}
		if (X)
			mlw_big_free(X, nr_erows * p * sizeof(double));
		free(y);
	}
	if (!ret && pred_out) {
		*pred_out = P;
		P = NULL;
	}
	free(P);
	if (!ret && model)
		*model = m;
	else
		mlw_model_release(&m);
	return ret;
}

static void add_scores(struct mlw_out *out, const struct scores *s,
		       const char *prefix)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		char *key = mlw_xstrfmt("%s%s", prefix, s->m[i].name);

		mlw_out_num(out, key, s->m[i].value);
		free(key);
	}
}

static int write_predictions(const char *path, const struct mlw_dataset *ds,
			     const struct mlw_model *m, const size_t *rows,
			     size_t n, const double *P)
{
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i, k, K = m->target.classification ? m->target.nr_classes : 1;
	double *y = mlw_malloc(mlw_st_mult(n + 1, sizeof(double)));
	int ret = mlw_target_apply(y, &m->target, ds, rows, n);

	mlw_buf_adds(&b, "row,y_true,prediction");
	if (m->target.classification)
		for (k = 0; k < K; k++)
			mlw_buf_addf(&b, ",p%zu", k);
	mlw_buf_addch(&b, '\n');
	for (i = 0; i < n && !ret; i++) {
		mlw_buf_addf(&b, "%zu,%.17g,", rows ? rows[i] : i, y[i]);
		if (!m->target.classification) {
			mlw_buf_addf(&b, "%.17g\n", P[i]);
			continue;
		}
		mlw_buf_addf(&b, "%zu", mlw_argmax_row(P, n, K, i));
		for (k = 0; k < K; k++)
			mlw_buf_addf(&b, ",%.17g", P[k * n + i]);
		mlw_buf_addch(&b, '\n');
	}
	if (!ret)
		ret = mlw_write_file_atomic(path, b.buf, b.len);
	mlw_buf_release(&b);
	free(y);
	return ret;
}

static int parse_number(double *out, const char *s, const char *what,
			double min, int exclusive)
{
	if (!s)
		return 0;
	if (mlw_parse_double(out, s, what) < 0)
		return -1;
	if (*out < min || (exclusive && *out == min) || !isfinite(*out))
		return mlw_error_setc(MLW_EINVALID, "%s: '%s' is out of range",
				      what, s);
	return 0;
}

CMD(train)
{
	static const char *const usage[] = {
		"mlw train (linear|ridge|lasso|elastic_net|logistic) --data CSV --target COL [options]",
		NULL
	};
	struct train_opts o = { 0 };
	struct mlw_option opts[] = {
		MLW_OPT_STRING(0, "data", &o.data, "CSV", "training data (CSV with a header)"),
		MLW_OPT_STRING(0, "target", &o.target, "COL", "the column to predict"),
		MLW_OPT_STRING(0, "features", &o.features, "A,B", "use only these columns"),
		MLW_OPT_STRING(0, "exclude", &o.exclude, "A,B", "use all columns but these"),
		MLW_OPT_STRING(0, "validation-data", &o.validation_data, "CSV", "score on this file"),
		MLW_OPT_STRING(0, "validation-split", &o.validation_split, "F", "hold out this fraction of rows"),
		MLW_OPT_INT(0, "cv", &o.cv, "K", "K-fold cross-validation"),
		MLW_OPT_INT(0, "seed", &o.seed, "N", "seed of the row shuffle (0)"),
		MLW_OPT_STRING(0, "output", &o.output_dir, "DIR", "write the model folder here"),
		MLW_OPT_STRING(0, "predictions", &o.predictions, "FILE", "write validation predictions as CSV"),
		MLW_OPT_BOOL(0, "standardize", &o.standardize, "scale features to unit variance"),
		MLW_OPT_STRING(0, "alpha", &o.alpha, "A", "regularisation strength (1)"),
		MLW_OPT_STRING(0, "l1-ratio", &o.l1_ratio, "R", "elastic_net L1 share (0.5)"),
		MLW_OPT_STRING(0, "C", &o.C, "C", "logistic inverse regularisation (1)"),
		MLW_OPT_INT(0, "max-iter", &o.max_iter, "N", "iteration limit"),
		MLW_OPT_STRING(0, "tol", &o.tol, "T", "convergence tolerance (1e-4)"),
		MLW_OPT_STRING(0, "class-weight", &o.class_weight, "balanced", "weight classes by inverse frequency"),
		MLW_OPT_END()
	};
	struct mlw_dataset *ds = NULL, *vds = NULL;
	struct mlw_model model = { 0 };
	struct scores val = { 0 }, train = { 0 }, fold_val, fold_train;
	size_t *cols = NULL, nr_cols = 0, *order = NULL, *rows = NULL;
	size_t *erows = NULL, nr_rows = 0, nr_erows = 0, i, k;
	double t_start = mlw_now(), t_load, fit_seconds = 0, split = 0;
	double alpha = 1, l1 = -1, C = 1, tol = -1, *P = NULL;
	int target, ret, have_val = 0;
	struct mlw_out *out;
	const struct mlw_lapack *la = NULL;

	o.seed = 0;
	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc != 1)
		return cmd_usage_error(usage, opts, argc ? "too many arguments" :
				       "no algorithm given");
	if (mlw_algorithm_parse(&o.algo, argv[0]) < 0)
		return cmd_usage_error(usage, opts, "%s", mlw_error_last());
	if (!o.data || !o.target)
		return cmd_usage_error(usage, opts, "--data and --target are required");
	if (!!o.validation_data + !!o.validation_split + !!o.cv > 1)
		return cmd_usage_error(usage, opts,
			"--validation-data, --validation-split and --cv exclude each other");
	if (o.features && o.exclude)
		return cmd_usage_error(usage, opts, "--features and --exclude exclude each other");
	mlw_linear_params_init(&o.params, o.algo);
	if (parse_number(&alpha, o.alpha, "--alpha", 0, 0) ||
	    parse_number(&l1, o.l1_ratio, "--l1-ratio", 0, 0) ||
	    parse_number(&C, o.C, "--C", 0, 1) ||
	    parse_number(&tol, o.tol, "--tol", 0, 1) ||
	    parse_number(&split, o.validation_split, "--validation-split", 0, 1))
		return cmd_usage_error(usage, opts, "%s", mlw_error_last());
	if (o.validation_split && split >= 1)
		return cmd_usage_error(usage, opts, "--validation-split must be between 0 and 1");
	if (o.l1_ratio && l1 > 1)
		return cmd_usage_error(usage, opts, "--l1-ratio must be between 0 and 1");
	if (o.cv && (o.cv < 2 || o.cv > 1000))
		return cmd_usage_error(usage, opts, "--cv must be between 2 and 1000");
	if (o.max_iter < 0 || o.max_iter > 100000000)
		return cmd_usage_error(usage, opts, "--max-iter is out of range");
	if (o.class_weight && strcmp(o.class_weight, "balanced"))
		return cmd_usage_error(usage, opts, "--class-weight takes only 'balanced'");
	o.params.alpha = alpha;
	if (o.l1_ratio && o.algo != MLW_ALGO_LASSO)
		o.params.l1_ratio = l1;
	o.params.C = C;
	if (o.tol)
		o.params.tol = tol;
	if (o.max_iter)
		o.params.max_iter = (int)o.max_iter;
	o.params.class_weight_balanced = !!o.class_weight;

	ret = cmd_load_dataset(ctx, &ds, o.data);
	if (!ret && o.validation_data)
		ret = cmd_load_dataset(ctx, &vds, o.validation_data);
	t_load = mlw_now() - t_start;
	if (ret)
		goto fail;
	target = mlw_dataset_find(ds, o.target);
	if (target < 0) {
		ret = mlw_error_setc(MLW_EINVALID, "'%s' has no column '%s'",
				     o.data, o.target);
		goto fail;
	}
	ret = pick_columns(&cols, &nr_cols, ds, (size_t)target, &o);
	if (ret)
		goto fail;
	nr_rows = ds->nr_rows;
	order = mlw_malloc(mlw_st_mult(nr_rows + 1, sizeof(size_t)));
	for (i = 0; i < nr_rows; i++)
		order[i] = i;
	rng_state = (uint64_t)o.seed;
	if (o.validation_split || o.cv)
		for (i = nr_rows; i > 1; i--) {
			size_t j = (size_t)(rng_next() % i), t = order[i - 1];

			order[i - 1] = order[j];
			order[j] = t;
		}

	if (o.cv) {
		size_t K = (size_t)o.cv;

		if (K > nr_rows) {
			ret = mlw_error_setc(MLW_EINVALID, "--cv %zu needs at least %zu rows",
					     K, K);
			goto fail;
		}
		rows = mlw_malloc(mlw_st_mult(nr_rows + 1, sizeof(size_t)));
		for (k = 0; k < K && !ret; k++) {
			size_t lo = nr_rows * k / K, hi = nr_rows * (k + 1) / K;
			size_t n = 0;

			for (i = 0; i < nr_rows; i++)
				if (i < lo || i >= hi)
					rows[n++] = order[i];
			memset(&fold_val, 0, sizeof(fold_val));
			memset(&fold_train, 0, sizeof(fold_train));
			ret = fit_and_score(NULL, &fold_val, &fold_train, NULL, &o,
					    ds, (size_t)target, cols, nr_cols, rows,
					    n, ds, order + lo, hi - lo,
					    &fit_seconds);
			for (i = 0; !ret && i < fold_val.nr; i++) {
				val.m[i].name = fold_val.m[i].name;
				val.m[i].value += fold_val.m[i].value / (double)K;
			}
			val.nr = fold_val.nr;
		}
		have_val = 1;
		free(rows);
		rows = NULL;
		/* the model itself is fitted on every row */
		if (!ret)
			ret = fit_and_score(&model, NULL, &train, NULL, &o, ds,
					    (size_t)target, cols, nr_cols, NULL,
					    nr_rows, NULL, NULL, 0, &fit_seconds);
	} else {
		const struct mlw_dataset *eval_ds = NULL;

		if (o.validation_split) {
			nr_erows = (size_t)llround(split * (double)nr_rows);
			if (!nr_erows || nr_erows >= nr_rows) {
				ret = mlw_error_setc(MLW_EINVALID,
					"--validation-split %s leaves no rows to %s",
					o.validation_split,
					nr_erows ? "train on" : "validate on");
				goto fail;
			}
			erows = order;
			rows = order + nr_erows;
			nr_rows -= nr_erows;
			eval_ds = ds;
		} else if (vds) {
			nr_erows = vds->nr_rows;
			eval_ds = vds;
		}
		have_val = !!eval_ds;
		ret = fit_and_score(&model, &val, &train, &P, &o, ds,
				    (size_t)target, cols, nr_cols,
				    o.validation_split ? rows : NULL, nr_rows,
				    eval_ds, erows, nr_erows, &fit_seconds);
		if (!ret && o.predictions)
			ret = have_val ?
			      write_predictions(o.predictions, eval_ds, &model,
						erows, nr_erows, P) :
			      write_predictions(o.predictions, ds, &model,
						NULL, nr_rows, P);
		rows = NULL;
	}
	if (!ret && o.output_dir)
		ret = mlw_model_write(&model, o.output_dir);
	if (ret)
		goto fail;
	mlw_lapack_load(&la);

	out = mlw_out_new();
	mlw_out_object_begin(out, NULL);
	mlw_out_str(out, "algorithm", mlw_algorithm_name(o.algo));
	mlw_out_str(out, "data", o.data);
	mlw_out_str(out, "target", o.target);
	mlw_out_int(out, "rows", (int64_t)ds->nr_rows);
	mlw_out_int(out, "columns", (int64_t)nr_cols);
	mlw_out_int(out, "features", (int64_t)model.linear.nr_features);
	mlw_out_str(out, "solver", model.linear.solver);
	mlw_out_int(out, "iterations", model.linear.nr_iter);
	mlw_out_bool(out, "converged", model.linear.converged);
	if (o.algo == MLW_ALGO_LINEAR)
		mlw_out_int(out, "rank", model.linear.rank);
	mlw_out_object_begin(out, "metrics");
	if (have_val)
		add_scores(out, &val, "");
	add_scores(out, &train, "train_");
	mlw_out_end(out);
	mlw_out_object_begin(out, "time");
	mlw_out_num(out, "load_seconds", t_load);
	mlw_out_num(out, "fit_seconds", fit_seconds);
	mlw_out_num(out, "total_seconds", mlw_now() - t_start);
	mlw_out_end(out);
	mlw_out_int(out, "data_bytes", (int64_t)ds->file_size);
	mlw_out_str(out, "blas", la && la->corename ? la->corename : "unknown");
	if (o.output_dir)
		mlw_out_str(out, "model", o.output_dir);
	mlw_out_object_begin(out, "coefficients");
	if (model.target.classification) {
		mlw_out_list_begin(out, "classes");
		for (k = 0; k < model.target.nr_classes; k++)
			mlw_out_str(out, NULL, model.target.classes[k]);
		mlw_out_end(out);
	}
	mlw_out_list_begin(out, "intercept");
	for (k = 0; k < model.linear.nr_outputs; k++)
		mlw_out_num(out, NULL, model.linear.intercept[k]);
	mlw_out_end(out);
	mlw_out_list_begin(out, "coef");
	for (k = 0; k < model.linear.nr_outputs; k++) {
		mlw_out_list_begin(out, NULL);
		for (i = 0; i < model.linear.nr_features; i++)
			mlw_out_num(out, NULL, model.linear.coef[k *
				    model.linear.nr_features + i]);
		mlw_out_end(out);
	}
	mlw_out_end(out);
	mlw_out_list_begin(out, "feature_names");
	for (i = 0; i < model.featurizer->nr_features; i++)
		mlw_out_str(out, NULL, model.featurizer->feature_names[i]);
	mlw_out_end(out);
	mlw_out_end(out);
	mlw_out_end(out);
	if (ctx->format) {
		ret = cmd_print(ctx, out, MLW_FMT_JSON);
	} else {
		/* plain: one "metric value" line each, then a summary */
		for (i = 0; have_val && i < val.nr; i++)
			printf("%-38s %.17g\n", val.m[i].name, val.m[i].value);
		for (i = 0; i < train.nr; i++)
			printf("train_%-32s %.17g\n", train.m[i].name,
			       train.m[i].value);
		if (!ctx->quiet)
			fprintf(stderr,
				"%s: %zu rows x %zu features, %s solver, load %.3f s, fit %.3f s, BLAS core %s\n",
				mlw_algorithm_name(o.algo), ds->nr_rows,
				model.linear.nr_features, model.linear.solver,
				t_load, fit_seconds,
				la && la->corename ? la->corename : "unknown");
		ret = 0;
	}
	if (!model.linear.converged && !ctx->quiet)
		cmd_warn(ctx, "%s did not converge in %d iterations; raise --max-iter",
			 mlw_algorithm_name(o.algo), model.linear.nr_iter);
	mlw_out_free(out);
	mlw_model_release(&model);
	mlw_dataset_unref(ds);
	mlw_dataset_unref(vds);
	free(cols);
	free(order);
	free(P);
	return cmd_finish_stdout(ret);
fail:
	mlw_model_release(&model);
	mlw_dataset_unref(ds);
	mlw_dataset_unref(vds);
	free(cols);
	free(order);
	free(rows);
	free(P);
	return cmd_fail(ret);
}
