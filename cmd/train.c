/*
 * train.c - 'mlw train ALGO --data CSV --target COL ...': fit one of the
 * built-in models in-process, print its validation and training
 * metrics, and optionally write the model folder.  Needs no workspace.
 * kmeans and pca are unsupervised: no --target, no validation.
 */
#include "builtin.h"
#include "train-run.h"
#include "ml/dataset.h"
#include "ml/features.h"
#include "ml/kernel_ridge.h"
#include "ml/kmeans.h"
#include "ml/lapack.h"
#include "ml/lda.h"
#include "ml/linear.h"
#include "ml/metrics.h"
#include "ml/model.h"
#include "ml/naive_bayes.h"
#include "ml/pca.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <math.h>
#include <stddef.h>
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
	/* the algorithms that are not linear models */
	const char *kernel, *gamma, *degree, *coef0, *solver, *shrinkage;
	const char *var_smoothing, *init_centers;
	int64_t n_clusters, n_init, n_components;
	int whiten;
	struct mlw_kernel_ridge_params kr;
	struct mlw_lda_params lda;
	double var_smoothing_value;
	struct mlw_kmeans_params km;
	const double *init;	/* --init-centers, k x p */
	size_t *labels;		/* kmeans: the training rows' clusters */
};

/* warnings from the fits, printed once each at the end */
static struct mlw_strlist fit_warnings = MLW_STRLIST_INIT;

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
 * kernel_ridge, kmeans and pca take constant columns in their stride
 * (they add nothing to a kernel, a distance or a spectrum) but the user
 * should know: one warning per column, by name.
 */
static void warn_constant_columns(const double *X, size_t n, size_t p,
				  char *const *names)
{
	size_t i, j;

	for (j = 0; j < p && n > 1; j++) {
		for (i = 1; i < n && X[j * n + i] == X[j * n]; i++)
			;
		if (i == n)
			mlw_strlist_push_owned(&fit_warnings, mlw_xstrfmt(
				"column '%s' is constant; it adds nothing to the model",
				names[j]));
	}
}

/*
 * Fit the algorithm of o on X (n x p) and y (NULL when unsupervised):
 * m->linear says which algorithm and what its solver did, whatever it is.
 */
static int fit_model(struct mlw_model *m, const struct train_opts *o,
		     const struct mlw_linear_params *par, const double *X,
		     size_t n, size_t p, const double *y)
{
	const char *const *names = (const char *const *)
				   m->featurizer->feature_names;
	struct mlw_lda_params lda = o->lda;
	struct mlw_linear_model *lin = &m->linear;
	int ret;

	if (o->algo <= MLW_ALGO_LOGISTIC) {
		struct mlw_linear_params lp = *par;

		lp.names = m->featurizer->feature_names;
		lp.warnings = &fit_warnings;
		return mlw_linear_fit(lin, o->algo, &lp, X, n, p, y);
	}
	if (o->algo == MLW_ALGO_KERNEL_RIDGE || o->algo == MLW_ALGO_KMEANS ||
	    o->algo == MLW_ALGO_PCA)
		warn_constant_columns(X, n, p, m->featurizer->feature_names);
	switch (o->algo) {
	case MLW_ALGO_KERNEL_RIDGE:
		ret = mlw_kernel_ridge_fit(&m->kernel_ridge, &o->kr, X, n, p, y,
					   &fit_warnings);
		lin->solver = m->kernel_ridge.solver;
		break;
	case MLW_ALGO_LDA:
		lda.nr_classes = par->nr_classes;
		return mlw_lda_fit(lin, &m->lda, &lda, X, n, p, y, names,
				   &fit_warnings);
	case MLW_ALGO_GAUSSIAN_NB:
		ret = mlw_gaussian_nb_fit(&m->gaussian_nb, X, n, p, y,
					  par->nr_classes,
					  o->var_smoothing_value, names,
					  &fit_warnings);
		lin->solver = "closed form";
		break;
	case MLW_ALGO_KMEANS:
		ret = mlw_kmeans_fit(&m->kmeans, o->labels, &o->km, X, n, p);
		lin->solver = "lloyd (dgemm distances)";
		lin->nr_iter = m->kmeans.nr_iter;
		break;
	default:
		ret = mlw_pca_fit(&m->pca, X, n, p, (size_t)o->n_components,
				  o->whiten);
		lin->solver = m->pca.solver;
		break;
	}
	lin->algorithm = o->algo;
	lin->nr_features = p;
	lin->converged = 1;
	if (o->algo == MLW_ALGO_KMEANS && !ret)
		lin->converged = m->kmeans.nr_iter < o->km.max_iter;
	return ret;
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
	size_t p = 0, K = 1, ysize = 0, psize = 0;
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
		/* huge pages: 4 KiB first-touch faults were 20 ms a vector */
		y = mlw_big_alloc(mlw_st_mult(nr_rows + 1, sizeof(double)));
		ysize = (nr_rows + 1) * sizeof(double);
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
		const struct mlw_lapack *la;

		/* dlopen()ing OpenBLAS is start-up, not fitting */
		ret = mlw_lapack_load(&la);
	}
	if (!ret) {
		t0 = mlw_now();
		ret = fit_model(&m, o, &par, X, nr_rows, p, y);
		*fit_seconds += mlw_now() - t0;
	}
	if (!ret) {
		psize = mlw_st_mult(mlw_st_mult(nr_rows, K + 1), sizeof(double));
		P = mlw_big_alloc(psize);
		ret = mlw_model_predict(P, &m, X, nr_rows);
	}
	if (!ret) {
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
	mlw_big_free(y, ysize);
	y = NULL;
	if (!ret && eval_ds) {
		mlw_big_free(P, psize);
		P = NULL;
		ret = mlw_featurizer_apply(&X, m.featurizer, eval_ds, erows,
					   nr_erows);
		if (!ret) {
			ysize = mlw_st_mult(nr_erows + 1, sizeof(double));
			y = mlw_big_alloc(ysize);
			ret = mlw_target_apply(y, &m.target, eval_ds, erows,
					       nr_erows);
		}
		if (!ret) {
			psize = mlw_st_mult(mlw_st_mult(nr_erows, K + 1),
					    sizeof(double));
			P = mlw_big_alloc(psize);
			ret = mlw_model_predict(P, &m, X, nr_erows);
		}
		if (!ret) {
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
		mlw_big_free(y, ysize);
	}
	if (!ret && pred_out && P) {
		*pred_out = mlw_malloc(psize);
		memcpy(*pred_out, P, psize);
	}
	mlw_big_free(P, psize);
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

/* a column-major rows x cols matrix as a list of rows */
static void out_matrix(struct mlw_out *out, const char *key, const double *A,
		       size_t rows, size_t cols)
{
	size_t i, j;

	mlw_out_list_begin(out, key);
	for (i = 0; i < rows; i++) {
		mlw_out_list_begin(out, NULL);
		for (j = 0; j < cols; j++)
			mlw_out_num(out, NULL, A[j * rows + i]);
		mlw_out_end(out);
	}
	mlw_out_end(out);
}

static void out_vector(struct mlw_out *out, const char *key, const double *v,
		       size_t n)
{
	size_t i;

	mlw_out_list_begin(out, key);
	for (i = 0; i < n; i++)
		mlw_out_num(out, NULL, v[i]);
	mlw_out_end(out);
}

/* what the algorithms that are not linear models learnt, for -o json */
static void add_details(struct mlw_out *out, const struct mlw_model *m,
			const struct train_opts *o)
{
	size_t p = m->linear.nr_features;

	switch (m->linear.algorithm) {
	case MLW_ALGO_KERNEL_RIDGE:
		mlw_out_object_begin(out, "kernel_ridge");
		mlw_out_str(out, "kernel", mlw_kernel_name(m->kernel_ridge.kernel));
		mlw_out_num(out, "alpha", o->kr.alpha);
		mlw_out_num(out, "gamma", m->kernel_ridge.gamma);
		mlw_out_num(out, "degree", m->kernel_ridge.degree);
		mlw_out_num(out, "coef0", m->kernel_ridge.coef0);
		out_vector(out, "dual_coef", m->kernel_ridge.dual_coef,
			   m->kernel_ridge.nr_train);
		mlw_out_end(out);
		break;
	case MLW_ALGO_LDA:
		mlw_out_object_begin(out, "lda");
		mlw_out_str(out, "solver", mlw_lda_solver_name(m->lda.solver));
		out_matrix(out, "means", m->lda.means, m->lda.nr_classes, p);
		out_vector(out, "priors", m->lda.priors, m->lda.nr_classes);
		out_vector(out, "xbar", m->lda.xbar, p);
		out_matrix(out, "scalings", m->lda.scalings, p, m->lda.rank);
		out_vector(out, "explained_variance_ratio",
			   m->lda.explained_variance_ratio,
			   m->lda.nr_components);
		mlw_out_end(out);
		break;
	case MLW_ALGO_GAUSSIAN_NB:
		mlw_out_object_begin(out, "gaussian_nb");
		out_matrix(out, "theta", m->gaussian_nb.theta,
			   m->gaussian_nb.nr_classes, p);
		out_matrix(out, "var", m->gaussian_nb.var,
			   m->gaussian_nb.nr_classes, p);
		out_vector(out, "class_prior", m->gaussian_nb.class_prior,
			   m->gaussian_nb.nr_classes);
		out_vector(out, "class_count", m->gaussian_nb.class_count,
			   m->gaussian_nb.nr_classes);
		mlw_out_num(out, "epsilon", m->gaussian_nb.epsilon);
		mlw_out_end(out);
		break;
	case MLW_ALGO_KMEANS:
		mlw_out_object_begin(out, "kmeans");
		out_matrix(out, "cluster_centers", m->kmeans.centers,
			   m->kmeans.nr_clusters, p);
		mlw_out_num(out, "inertia", m->kmeans.inertia);
		mlw_out_int(out, "n_iter", m->kmeans.nr_iter);
		mlw_out_end(out);
		break;
	case MLW_ALGO_PCA:
		mlw_out_object_begin(out, "pca");
		out_matrix(out, "components", m->pca.components,
			   m->pca.nr_components, p);
		out_vector(out, "explained_variance", m->pca.explained_variance,
			   m->pca.nr_components);
		out_vector(out, "explained_variance_ratio",
			   m->pca.explained_variance_ratio,
			   m->pca.nr_components);
		out_vector(out, "singular_values", m->pca.singular_values,
			   m->pca.nr_components);
		out_vector(out, "mean", m->pca.mean, p);
		mlw_out_num(out, "noise_variance", m->pca.noise_variance);
		mlw_out_bool(out, "whiten", m->pca.whiten);
		mlw_out_end(out);
		break;
	default:
		break;
	}
}

/* print each fit warning once */
static void flush_warnings(struct mlw_ctx *ctx)
{
	size_t i, j;

	for (i = 0; i < fit_warnings.nr; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(fit_warnings.items[i], fit_warnings.items[j]))
				break;
		if (j == i && !ctx->quiet)
			cmd_warn(ctx, "%s", fit_warnings.items[i]);
	}
	mlw_strlist_release(&fit_warnings);
}

/*
 * The options of the algorithms that are not linear models: each is
 * refused with another algorithm, then parsed into o.
 */
static int parse_algorithm_options(struct train_opts *o, double alpha,
				   double tol)
{
	static const struct {
		const char *name;
		size_t offset;
		enum mlw_algorithm algo;
	} owned[] = {
		{ "--kernel", offsetof(struct train_opts, kernel), MLW_ALGO_KERNEL_RIDGE },
		{ "--gamma", offsetof(struct train_opts, gamma), MLW_ALGO_KERNEL_RIDGE },
		{ "--degree", offsetof(struct train_opts, degree), MLW_ALGO_KERNEL_RIDGE },
		{ "--coef0", offsetof(struct train_opts, coef0), MLW_ALGO_KERNEL_RIDGE },
		{ "--solver", offsetof(struct train_opts, solver), MLW_ALGO_LDA },
		{ "--shrinkage", offsetof(struct train_opts, shrinkage), MLW_ALGO_LDA },
		{ "--var-smoothing", offsetof(struct train_opts, var_smoothing), MLW_ALGO_GAUSSIAN_NB },
		{ "--init-centers", offsetof(struct train_opts, init_centers), MLW_ALGO_KMEANS },
	};
	double v;
	size_t i;

	for (i = 0; i < sizeof(owned) / sizeof(*owned); i++) {
		const char *set;

		memcpy(&set, (const char *)o + owned[i].offset, sizeof(set));
		if (set && o->algo != owned[i].algo)
			return mlw_error_setc(MLW_EINVALID, "%s applies to %s only",
					      owned[i].name,
					      mlw_algorithm_name(owned[i].algo));
	}
	if ((o->n_clusters || o->n_init) && o->algo != MLW_ALGO_KMEANS)
		return mlw_error_setc(MLW_EINVALID,
				      "--n-clusters and --n-init apply to kmeans only");
	if ((o->n_components || o->whiten) && o->algo != MLW_ALGO_PCA)
		return mlw_error_setc(MLW_EINVALID,
				      "--n-components and --whiten apply to pca only");
	if (o->n_clusters < 0 || o->n_init < 0 || o->n_components < 0 ||
	    o->n_clusters > 1000000 || o->n_init > 100000)
		return mlw_error_setc(MLW_EINVALID,
				      "--n-clusters, --n-init and --n-components must be positive");

	mlw_kernel_ridge_params_init(&o->kr);
	o->kr.alpha = alpha;
	if (o->kernel && mlw_kernel_parse(&o->kr.kernel, o->kernel) < 0)
		return -1;
	if (parse_number(&o->kr.gamma, o->gamma, "--gamma", 0, 1) ||
	    parse_number(&o->kr.degree, o->degree, "--degree", 0, 0))
		return -1;
	if (o->coef0 && mlw_parse_double(&o->kr.coef0, o->coef0, "--coef0") < 0)
		return -1;

	mlw_lda_params_init(&o->lda);
	if (o->solver && mlw_lda_solver_parse(&o->lda.solver, o->solver) < 0)
		return -1;
	if (o->shrinkage) {
		if (o->lda.solver == MLW_LDA_SVD)
			return mlw_error_setc(MLW_EINVALID,
					      "--shrinkage needs --solver lsqr or eigen");
		if (!strcmp(o->shrinkage, "auto")) {
			o->lda.shrinkage_auto = 1;
		} else {
			if (parse_number(&v, o->shrinkage, "--shrinkage", 0, 0))
				return -1;
			if (v > 1)
				return mlw_error_setc(MLW_EINVALID,
						      "--shrinkage must be between 0 and 1, or auto");
			o->lda.shrinkage = v;
		}
	}

	o->var_smoothing_value = 1e-9;
	if (parse_number(&o->var_smoothing_value, o->var_smoothing,
			 "--var-smoothing", 0, 1))
		return -1;

	mlw_kmeans_params_init(&o->km);
	if (o->n_clusters)
		o->km.nr_clusters = (size_t)o->n_clusters;
	if (o->n_init)
		o->km.n_init = (int)o->n_init;
	if (o->max_iter)
		o->km.max_iter = (int)o->max_iter;
	if (o->tol)
		o->km.tol = tol;
	o->km.seed = (uint64_t)o->seed;
	return 0;
}

/*
 * --init-centers FILE: k rows of p numbers, one column per feature in
 * the order of the features; --n-clusters, when given, must be k.
 */
static int load_init_centers(struct mlw_dataset **out, struct train_opts *o,
			     size_t p)
{
	struct mlw_dataset *c;
	int ret = mlw_dataset_load(&c, o->init_centers, NULL);

	if (ret)
		return ret;
	if (c->nr_columns != p)
		ret = mlw_error_setc(MLW_EINVALID,
				     "'%s' has %zu columns; the data have %zu features",
				     o->init_centers, c->nr_columns, p);
	else if (o->n_clusters && (size_t)o->n_clusters != c->nr_rows)
		ret = mlw_error_setc(MLW_EINVALID,
				     "'%s' has %zu centres but --n-clusters is %lld",
				     o->init_centers, c->nr_rows,
				     (long long)o->n_clusters);
	if (ret) {
		mlw_dataset_unref(c);
		return ret;
	}
	o->km.nr_clusters = c->nr_rows;
	o->km.init = c->values;
	*out = c;
	return 0;
}

/*
 * Inside a job, what MLflow's autologging records for a fit: the
 * algorithm and the hyperparameters given, as params (the data is the
 * job's input, recorded with it).
 */
static void job_params(struct mlw_strlist *l, const struct train_opts *o)
{
	const struct { const char *name, *value; } given[] = {
		{ "algorithm", mlw_algorithm_name(o->algo) },
		{ "target", o->target },
		{ "features", o->features }, { "exclude", o->exclude },
		{ "validation_split", o->validation_split },
		{ "alpha", o->alpha }, { "l1_ratio", o->l1_ratio },
		{ "C", o->C }, { "tol", o->tol },
		{ "class_weight", o->class_weight }, { "kernel", o->kernel },
		{ "gamma", o->gamma }, { "degree", o->degree },
		{ "coef0", o->coef0 }, { "solver", o->solver },
		{ "shrinkage", o->shrinkage },
		{ "var_smoothing", o->var_smoothing },
	};
	const struct { const char *name; int64_t value; } counts[] = {
		{ "cv", o->cv }, { "seed", o->seed }, { "max_iter", o->max_iter },
		{ "n_clusters", o->n_clusters }, { "n_init", o->n_init },
		{ "n_components", o->n_components },
	};
	size_t i;

	for (i = 0; i < sizeof(given) / sizeof(*given); i++) {
		if (!given[i].value)
			continue;
		mlw_strlist_push(l, given[i].name);
		mlw_strlist_push(l, given[i].value);
	}
	for (i = 0; i < sizeof(counts) / sizeof(*counts); i++) {
		if (!counts[i].value)
			continue;
		mlw_strlist_push(l, counts[i].name);
		mlw_strlist_push_owned(l, mlw_xstrfmt("%lld",
					(long long)counts[i].value));
	}
	if (o->standardize) {
		mlw_strlist_push(l, "standardize");
		mlw_strlist_push(l, "true");
	}
	if (o->whiten) {
		mlw_strlist_push(l, "whiten");
		mlw_strlist_push(l, "true");
	}
}

/* inside a job: params and metrics to the run (train-run.h) */
static int record_in_job(struct mlw_ctx *ctx, const struct train_opts *o,
			 const struct mlw_metric *m, size_t nm,
			 const struct mlw_metric *tm, size_t ntm)
{
	struct mlw_strlist params = MLW_STRLIST_INIT;
	int ret;

	if (!train_in_job())
		return 0;
	job_params(&params, o);
	ret = train_record_run(ctx, &params, m, nm, tm, ntm);
	mlw_strlist_release(&params);
	if (ret)
		mlw_error_prefix("recording in job '%s'", getenv("MLW_RUN_ID"));
	return ret;
}

/*
 * kmeans and pca: fit on every row, report the clustering or the
 * spectrum, write the model and, with --predictions, each row's cluster
 * or components.
 */
static int train_unsupervised(struct mlw_ctx *ctx, struct train_opts *o,
			      struct mlw_dataset *ds, double t_start,
			      double t_load)
{
	struct mlw_model m = { 0 };
	struct mlw_dataset *centers = NULL;
	struct mlw_metric metrics[3];
	size_t *cols = NULL, nr_cols = 0, n = ds->nr_rows, p = 0, i, k, nm = 0;
	size_t nout;
	double *X = NULL, *P = NULL, fit_seconds = 0, t0;
	const struct mlw_lapack *la = NULL;
	struct mlw_out *out;
	int ret;

	ret = pick_columns(&cols, &nr_cols, ds, (size_t)-1, o);
	if (!ret)
		ret = mlw_featurizer_fit(&m.featurizer, ds, cols, nr_cols, NULL,
					 n, o->standardize);
	if (!ret) {
		p = m.featurizer->nr_features;
		ret = mlw_featurizer_apply(&X, m.featurizer, ds, NULL, n);
	}
	if (!ret && o->init_centers)
		ret = load_init_centers(&centers, o, p);
	if (!ret && o->algo == MLW_ALGO_KMEANS)
		o->labels = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
	if (!ret) {
		t0 = mlw_now();
		ret = fit_model(&m, o, NULL, X, n, p, NULL);
		fit_seconds = mlw_now() - t0;
	}
	if (!ret && o->algo == MLW_ALGO_KMEANS) {
		metrics[nm].name = "inertia";
		metrics[nm++].value = m.kmeans.inertia;
		/* O(n^2): past 20,000 rows it would take longer than the fit */
		if (n <= 20000 &&
		    !mlw_silhouette_score(&metrics[nm].value, X, n, p,
					  o->labels, m.kmeans.nr_clusters))
			metrics[nm++].name = "silhouette_score";
	} else if (!ret) {
		double total = 0;

		for (k = 0; k < m.pca.nr_components; k++)
			total += m.pca.explained_variance_ratio[k];
		metrics[nm].name = "explained_variance_ratio_total";
		metrics[nm++].value = total;
		metrics[nm].name = "noise_variance";
		metrics[nm++].value = m.pca.noise_variance;
	}
	if (!ret && o->predictions) {
		struct mlw_buf b = MLW_BUF_INIT;

		nout = mlw_model_nr_outputs(&m);
		P = mlw_malloc(mlw_st_mult(mlw_st_mult(n, nout) + 1,
					   sizeof(double)));
		ret = mlw_model_predict(P, &m, X, n);
		mlw_buf_adds(&b, "row");
		if (o->algo == MLW_ALGO_KMEANS)
			mlw_buf_adds(&b, ",cluster");
		else
			for (k = 0; k < nout; k++)
				mlw_buf_addf(&b, ",pc%zu", k);
		mlw_buf_addch(&b, '\n');
		for (i = 0; i < n && !ret; i++) {
			mlw_buf_addf(&b, "%zu", i);
			for (k = 0; k < nout; k++)
				mlw_buf_addf(&b, o->algo == MLW_ALGO_KMEANS ?
					     ",%.0f" : ",%.17g", P[k * n + i]);
			mlw_buf_addch(&b, '\n');
		}
		if (!ret)
			ret = mlw_write_file_atomic(o->predictions, b.buf, b.len);
		mlw_buf_release(&b);
	}
	if (!ret && o->output_dir)
		ret = mlw_model_write(&m, o->output_dir);
	if (X)
		mlw_big_free(X, n * p * sizeof(double));
	free(P);
	free(o->labels);
	o->labels = NULL;
	mlw_dataset_unref(centers);
	free(cols);
	if (!ret)
		ret = record_in_job(ctx, o, metrics, nm, NULL, 0);
	if (ret) {
		mlw_model_release(&m);
		flush_warnings(ctx);
		return ret;
	}
	mlw_lapack_load(&la);
	out = mlw_out_new();
	mlw_out_object_begin(out, NULL);
	mlw_out_str(out, "algorithm", mlw_algorithm_name(o->algo));
	mlw_out_str(out, "data", o->data);
	mlw_out_int(out, "rows", (int64_t)n);
	mlw_out_int(out, "columns", (int64_t)nr_cols);
	mlw_out_int(out, "features", (int64_t)p);
	mlw_out_str(out, "solver", m.linear.solver);
	mlw_out_int(out, "iterations", m.linear.nr_iter);
	mlw_out_bool(out, "converged", m.linear.converged);
	mlw_out_object_begin(out, "metrics");
	for (i = 0; i < nm; i++)
		mlw_out_num(out, metrics[i].name, metrics[i].value);
	mlw_out_end(out);
	mlw_out_object_begin(out, "time");
	mlw_out_num(out, "load_seconds", t_load);
	mlw_out_num(out, "fit_seconds", fit_seconds);
	mlw_out_num(out, "total_seconds", mlw_now() - t_start);
	mlw_out_end(out);
	mlw_out_int(out, "data_bytes", (int64_t)ds->file_size);
	mlw_out_str(out, "blas", la && la->corename ? la->corename : "unknown");
	if (o->output_dir)
		mlw_out_str(out, "model", o->output_dir);
	mlw_out_list_begin(out, "feature_names");
	for (i = 0; i < p; i++)
		mlw_out_str(out, NULL, m.featurizer->feature_names[i]);
	mlw_out_end(out);
	add_details(out, &m, o);
	mlw_out_end(out);
	if (ctx->format) {
		ret = cmd_print(ctx, out, MLW_FMT_JSON);
	} else {
		for (i = 0; i < nm; i++)
			printf("%-38s %.17g\n", metrics[i].name, metrics[i].value);
		if (!ctx->quiet)
			fprintf(stderr,
				"%s: %zu rows x %zu features, %s solver, load %.3f s, fit %.3f s, BLAS core %s\n",
				mlw_algorithm_name(o->algo), n, p,
				m.linear.solver, t_load, fit_seconds,
				la && la->corename ? la->corename : "unknown");
	}
	if (!m.linear.converged && !ctx->quiet)
		cmd_warn(ctx, "%s did not converge in %d iterations; raise --max-iter",
			 mlw_algorithm_name(o->algo), m.linear.nr_iter);
	flush_warnings(ctx);
	mlw_out_free(out);
	mlw_model_release(&m);
	return ret;
}

CMD(train)
{
	static const char *const usage[] = {
		"mlw train (linear|ridge|lasso|elastic_net|logistic|kernel_ridge|lda|gaussian_nb) --data CSV --target COL [options]",
		"mlw train (kmeans|pca) --data CSV [options]",
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
		MLW_OPT_STRING(0, "kernel", &o.kernel, "K", "kernel_ridge kernel: linear, poly, rbf (linear)"),
		MLW_OPT_STRING(0, "gamma", &o.gamma, "G", "rbf and poly kernel scale (1/features)"),
		MLW_OPT_STRING(0, "degree", &o.degree, "D", "poly kernel degree (3)"),
		MLW_OPT_STRING(0, "coef0", &o.coef0, "C0", "poly kernel constant (1)"),
		MLW_OPT_STRING(0, "solver", &o.solver, "S", "lda solver: svd, lsqr, eigen (svd)"),
		MLW_OPT_STRING(0, "shrinkage", &o.shrinkage, "S", "lda lsqr/eigen shrinkage: 0..1 or auto"),
		MLW_OPT_STRING(0, "var-smoothing", &o.var_smoothing, "V", "gaussian_nb variance floor share (1e-9)"),
		MLW_OPT_INT(0, "n-clusters", &o.n_clusters, "K", "kmeans clusters (8)"),
		MLW_OPT_INT(0, "n-init", &o.n_init, "N", "kmeans runs, best kept (10)"),
		MLW_OPT_STRING_F(0, "init-centers", &o.init_centers, "CSV", "kmeans initial centres (testing)", MLW_OPT_HIDDEN),
		MLW_OPT_INT(0, "n-components", &o.n_components, "K", "pca components (min(rows, features))"),
		MLW_OPT_BOOL(0, "whiten", &o.whiten, "pca: scale components to unit variance"),
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
	if (!o.data)
		return cmd_usage_error(usage, opts, "--data is required");
	if (mlw_algorithm_is_unsupervised(o.algo)) {
		if (o.target)
			return cmd_usage_error(usage, opts, "%s is unsupervised: it takes no --target",
					       argv[0]);
		if (o.validation_data || o.validation_split || o.cv)
			return cmd_usage_error(usage, opts,
				"%s is unsupervised: no --validation-data, --validation-split or --cv",
				argv[0]);
	} else if (!o.target) {
		return cmd_usage_error(usage, opts, "--target is required");
	}
	if (!!o.validation_data + !!o.validation_split + !!o.cv > 1)
		return cmd_usage_error(usage, opts,
			"--validation-data, --validation-split and --cv exclude each other");
	if (o.features && o.exclude)
		return cmd_usage_error(usage, opts, "--features and --exclude exclude each other");
	mlw_linear_params_init(&o.params, o.algo);
	if (parse_number(&alpha, o.alpha, "--alpha", 0, 0) ||
	    parse_number(&l1, o.l1_ratio, "--l1-ratio", 0, 0) ||
	    parse_number(&C, o.C, "--C", 0, 1) ||
	    parse_number(&tol, o.tol, "--tol", 0, o.algo != MLW_ALGO_KMEANS) ||
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
	if (parse_algorithm_options(&o, alpha, tol) < 0)
		return cmd_usage_error(usage, opts, "%s", mlw_error_last());

	if (!o.output_dir && train_in_job())
		o.output_dir = train_job_output();
	ret = cmd_load_dataset(ctx, &ds, o.data);
	if (!ret && o.validation_data)
		ret = cmd_load_dataset(ctx, &vds, o.validation_data);
	t_load = mlw_now() - t_start;
	if (ret)
		goto fail;
	if (mlw_algorithm_is_unsupervised(o.algo)) {
		ret = train_unsupervised(ctx, &o, ds, t_start, t_load);
		mlw_dataset_unref(ds);
		if (ret)
			return cmd_fail(ret);
		return cmd_finish_stdout(0);
	}
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
		ret = fit_and_score(&model, &val, &train,
				    o.predictions ? &P : NULL, &o, ds,
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
	if (!ret)
		ret = record_in_job(ctx, &o, val.m, have_val ? val.nr : 0,
				    train.m, train.nr);
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
	add_details(out, &model, &o);
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
	flush_warnings(ctx);
	mlw_out_free(out);
	mlw_model_release(&model);
	mlw_dataset_unref(ds);
	mlw_dataset_unref(vds);
	free(cols);
	free(order);
	free(P);
	return cmd_finish_stdout(ret);
fail:
	flush_warnings(ctx);
	mlw_model_release(&model);
	mlw_dataset_unref(ds);
	mlw_dataset_unref(vds);
	free(cols);
	free(order);
	free(rows);
	free(P);
	return cmd_fail(ret);
}
