/*
 * train.c - mlw_train(): columns, splits and folds around a trainer's
 * fit, metrics and predictions (train.h).
 */
#include "ml/train.h"
#include "ml/comm.h"
#include "ml/dist.h"
#include "ml/lapack.h"
#include "ml/memo-internal.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/number.h"
#include "util/output.h"
#include "util/strutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mlw_train_request_init(struct mlw_train_request *req,
			    const struct mlw_trainer *trainer)
{
	memset(req, 0, sizeof(*req));
	mlw_hparams_init(&req->hparams, trainer);
}

static const char *data_name(const struct mlw_train_request *req,
			     const struct mlw_dataset *ds)
{
	return req->data_name ? req->data_name : ds->path;
}

/* the feature columns: req->features, or all but target and excluded */
static int pick_columns(size_t **out, size_t *nr, const struct mlw_dataset *ds,
			size_t target, const struct mlw_train_request *req)
{
	size_t *cols = mlw_calloc(ds->nr_columns + 1, sizeof(*cols));
	size_t i, j, n = 0;
	int ret = 0;

	for (i = 0; i < req->nr_features && !ret; i++) {
		int c = mlw_dataset_find(ds, req->features[i]);

		if (c < 0)
			ret = mlw_error_setc(MLW_EINVALID,
					     "'%s' has no column '%s'",
					     data_name(req, ds),
					     req->features[i]);
		else if ((size_t)c == target)
			ret = mlw_error_setc(MLW_EINVALID,
					     "the target '%s' cannot be a feature",
					     req->features[i]);
		else
			cols[n++] = (size_t)c;
	}
	for (i = 0; i < req->nr_exclude && !ret; i++)
		if (mlw_dataset_find(ds, req->exclude[i]) < 0)
			ret = mlw_error_setc(MLW_EINVALID,
					     "'%s' has no column '%s' to exclude",
					     data_name(req, ds),
					     req->exclude[i]);
	for (j = 0; j < ds->nr_columns && !ret && !req->nr_features; j++) {
		int skip = j == target;

		for (i = 0; i < req->nr_exclude; i++)
			skip |= !strcmp(req->exclude[i], ds->columns[j].name);
		if (!skip)
			cols[n++] = j;
	}
	if (!ret && !n)
		ret = mlw_error_setc(MLW_EINVALID, "no feature columns left");
	if (ret) {
		free(cols);
		return ret;
	}
	*out = cols;
	*nr = n;
	return 0;
}

/*
 * A classifier needs classes: a numeric target with a value that is not
 * a whole number is continuous, as scikit-learn's type_of_target says.
 */
static int check_classes(const struct mlw_dataset *ds, size_t col,
			 const struct mlw_train_request *req)
{
	const struct mlw_column *c = &ds->columns[col];
	const double *v = mlw_dataset_column(ds, col);
	size_t i;

	if (c->type != MLW_COLUMN_NUMERIC)
		return 0;
	for (i = 0; i < ds->nr_rows; i++) {
		char num[32];

		if (isnan(v[i]) || v[i] == floor(v[i]))
			continue;
		mlw_fmt_double(num, v[i]);
		return mlw_error_setc(MLW_EINVALID,
			"continuous target: use a regression algorithm ('%s' holds %s in data row %zu; %s is a classifier)",
			c->name, num, i + 1, req->hparams.trainer->name);
	}
	return 0;
}

/* what the columns' loading noted, for the columns used */
static int check_columns(const struct mlw_dataset *ds, const size_t *cols,
			 size_t nr_cols, struct mlw_train_ctx *ctx)
{
	size_t j;

	for (j = 0; j < nr_cols; j++) {
		const struct mlw_column *c = &ds->columns[cols[j]];

		if (c->problem)
			return mlw_error_setc(MLW_EINVALID, "%s", c->problem);
		if (c->note)
			mlw_train_warn(ctx, "%s", c->note);
	}
	return 0;
}

/* the design matrix and target of some rows of a dataset */
struct design {
	double *X;		/* owned, unless it is view or memo's */
	const double *view;	/* the dataset's own columns */
	double *y;
	size_t n, p;
	int borrowed;		/* X and y are the memo's */
	const double *ry;	/* the memo's ranks of y, or NULL */
	struct mlw_fit_memo *fit_memo;	/* the trainer's, or NULL */
};

static int make_design(struct design *d, const struct mlw_model *m,
		       const struct mlw_dataset *ds, const size_t *rows,
		       size_t n, int with_y)
{
	int ret = 0;

	memset(d, 0, sizeof(*d));
	d->n = n;
	d->p = m->featurizer->nr_features;
	/* all rows, plain numeric columns: solve on the dataset itself */
	d->view = rows ? NULL : mlw_featurizer_view(m->featurizer, ds);
	if (d->view)
		d->X = (double *)d->view;
	else
		ret = mlw_featurizer_apply(&d->X, m->featurizer, ds, rows, n);
	if (!ret && with_y) {
		/* huge pages: 4 KiB first-touch faults were 20 ms a vector */
		d->y = mlw_big_alloc(mlw_st_mult(n + 1, sizeof(double)));
		ret = mlw_target_apply(d->y, &m->target, ds, rows, n);
	}
	return ret;
}

static void design_release(struct design *d)
{
	if (d->borrowed) {
		memset(d, 0, sizeof(*d));
		return;
	}
	if (d->X && d->X != d->view)
		mlw_big_free(d->X, d->n * d->p * sizeof(double));
	if (d->y)
		mlw_big_free(d->y, (d->n + 1) * sizeof(double));
	memset(d, 0, sizeof(*d));
}

static size_t predictions_size(const struct mlw_model *m, size_t n)
{
	return mlw_st_mult(mlw_st_mult(n, mlw_model_nr_outputs(m)) + 1,
			   sizeof(double));
}

/*
 * Distributed: the metrics of every rank's rows of d, computed on rank 0
 * from the gathered targets and predictions (some, such as the median
 * absolute error, are no sums), and broadcast.
 */
static int score_gathered(struct mlw_metric *out, size_t *nr,
			  const struct mlw_model *m, const struct design *d,
			  struct mlw_train_ctx *ctx)
{
	struct mlw_comm *c = ctx->comm;
	size_t K = mlw_model_nr_outputs(m), N = mlw_train_total(ctx, d->n);
	size_t k, i, at = 0;
	double *P = mlw_big_alloc(predictions_size(m, d->n));
	double *local = mlw_malloc(mlw_st_mult(mlw_st_mult(d->n, K + 1) + 1,
					       sizeof(double)));
	double *all = NULL, *y = NULL, *PA = NULL, values[MLW_MAX_METRICS];
	int ret = mlw_train_agree(ctx, mlw_model_predict(P, m, d->X, d->n,
					mlw_train_ctx_threads(ctx, 64)));

	if (ret) {
		mlw_big_free(P, predictions_size(m, d->n));
		free(local);
		return ret;
	}
	/* each rank's rows: y, then its outputs row by row */
	for (i = 0; i < d->n; i++) {
		local[at++] = d->y[i];
		for (k = 0; k < K; k++)
			local[at++] = P[k * d->n + i];
	}
	if (!c->rank) {
		all = mlw_big_alloc(mlw_st_mult(mlw_st_mult(N, K + 1) + 1,
						sizeof(double)));
		y = mlw_big_alloc(mlw_st_mult(N + 1, sizeof(double)));
		PA = mlw_big_alloc(predictions_size(m, N));
	}
	mlw_comm_gather(c, local, d->n * (K + 1), all);
	if (!c->rank) {
		for (i = 0, at = 0; i < N; i++) {
			y[i] = all[at++];
			for (k = 0; k < K; k++)
				PA[k * N + i] = all[at++];
		}
		if (m->target.classification) {
			mlw_metrics_classification(out, NULL, y, PA, N,
						   m->target.nr_classes);
			*nr = MLW_CLASSIFICATION_METRICS;
		} else {
			mlw_metrics_regression(out, y, PA, N);
			*nr = MLW_REGRESSION_METRICS;
		}
		mlw_big_free(all, (N * (K + 1) + 1) * sizeof(double));
		mlw_big_free(y, (N + 1) * sizeof(double));
		mlw_big_free(PA, predictions_size(m, N));
	} else {
		/* the names are static: the same computation names them */
		if (m->target.classification) {
			double one = 0, p[2] = { 1, 0 };

			mlw_metrics_classification(out, NULL, &one, p, 1, 2);
			*nr = MLW_CLASSIFICATION_METRICS;
		} else {
			double one = 0;

			mlw_metrics_regression(out, &one, &one, 1);
			*nr = MLW_REGRESSION_METRICS;
		}
	}
	for (k = 0; k < *nr; k++)
		values[k] = out[k].value;
	mlw_comm_bcast(c, values, *nr * sizeof(double), 0);
	for (k = 0; k < *nr; k++)
		out[k].value = values[k];
	mlw_big_free(P, predictions_size(m, d->n));
	free(local);
	return ret;
}

/*
 * Predict the rows of d and compute the metrics; the predictions go to
 * *P_out (mlw_big_alloc'ed, predictions_size()) when it is not NULL.
 */
static int score_design(struct mlw_metric *out, size_t *nr, double **P_out,
			const struct mlw_model *m, const struct design *d,
			struct mlw_train_ctx *ctx)
{
	size_t size;
	double *P;
	int ret;

	if (mlw_train_distributed(ctx))
		return score_gathered(out, nr, m, d, ctx);
	size = predictions_size(m, d->n);
	P = mlw_big_alloc(size);
	ret = mlw_model_predict(P, m, d->X, d->n,
				mlw_train_ctx_threads(ctx, 64));

	if (!ret && m->target.classification) {
		mlw_metrics_classification(out, NULL, d->y, P, d->n,
					   m->target.nr_classes);
		*nr = MLW_CLASSIFICATION_METRICS;
	} else if (!ret) {
		mlw_metrics_regression_ranked(out, d->y, d->ry, P, d->n);
		*nr = MLW_REGRESSION_METRICS;
	}
	if (!ret && P_out)
		*P_out = P;
	else
		mlw_big_free(P, size);
	return ret;
}

/*
 * Refuse a fit that would take more memory than it may, before it
 * takes it (an out-of-memory abort halfway is no answer).
 */
static int check_memory(const struct mlw_trainer *t,
			const struct mlw_hparams *hp, size_t n, size_t p,
			size_t nr_classes, const struct mlw_train_ctx *ctx)
{
	double need = t->memory ? t->memory(hp, n, p, nr_classes) : 0;
	size_t avail;

	/* small fits need not read /proc/meminfo */
	if ((!ctx || !ctx->memory_limit) && need < (double)((size_t)64 << 20))
		return 0;
	avail = mlw_train_ctx_memory(ctx);
	if (!avail || need <= (double)avail)
		return 0;
	return mlw_error_setc(MLW_EINVALID,
		"%s on %zu rows x %zu features needs about %.1f GB of memory; %.1f GB is available: use fewer features (--features, --exclude) or rows",
		t->name, n, p, need / 1e9, (double)avail / 1e9);
}

/* run the trainer's fit on d, timing it */
static int run_fit(struct mlw_model *m, const struct mlw_train_request *req,
		   const struct design *d, size_t *labels,
		   struct mlw_train_ctx *ctx, double *fit_seconds)
{
	const struct mlw_lapack *la;
	struct mlw_fit_input in = { 0 };
	double t0;
	int ret;

	/* dlopen()ing OpenBLAS is start-up, not fitting */
	ret = mlw_lapack_load(&la);
	if (ret)
		return ret;
	in.X = d->X;
	in.n = d->n;
	in.p = d->p;
	in.y = d->y;
	in.nr_classes = m->target.nr_classes;
	in.names = m->featurizer->feature_names;
	in.labels = labels;
	in.memo = d->fit_memo;
	ret = check_memory(m->trainer, &req->hparams, d->n, d->p,
			   m->target.nr_classes, ctx);
	ret = mlw_train_agree(ctx, ret);
	if (ret)
		return ret;
	m->linear.algorithm = m->trainer->algorithm;
	m->linear.nr_features = d->p;
	t0 = mlw_now();
	ret = m->trainer->fit(m, &req->hparams, &in, ctx);
	*fit_seconds += mlw_now() - t0;
	/* the report fields every trainer shares */
	m->linear.algorithm = m->trainer->algorithm;
	m->linear.nr_features = d->p;
	return ret;
}

/* what a supervised fit works on */
struct job {
	const struct mlw_dataset *ds;
	const struct mlw_train_request *req;
	size_t target;
	const size_t *cols;
	size_t nr_cols;
	struct mlw_train_ctx *ctx;
	double *fit_seconds;
};

/* the target encoding and featurizer fitted on rows, and their design */
static int fit_design(struct mlw_model *m, struct design *d,
		      const struct job *j, const size_t *rows, size_t n,
		      int cls)
{
	int ret = mlw_target_fit(&m->target, j->ds, j->target, rows, n, cls);

	if (!ret)
		ret = mlw_featurizer_fit(&m->featurizer, j->ds, j->cols,
					 j->nr_cols, rows, n,
					 j->req->standardize);
	if (!ret)
		ret = make_design(d, m, j->ds, rows, n, 1);
	return ret;
}

/* the memo of j's trainings, or NULL */
static struct mlw_train_memo *memo_of(const struct job *j)
{
	return j->ctx && !mlw_train_distributed(j->ctx) ? j->ctx->memo : NULL;
}

/* m's featurizer and target, and d, from kept design md */
static void use_kept(struct mlw_model *m, struct design *d,
		     const struct mlw_memo_design *md, size_t n)
{
	m->featurizer = md->featurizer;
	m->target = md->target;
	d->X = (double *)md->X;
	d->y = (double *)md->y;
	d->ry = md->ry;
	d->n = n;
	d->p = md->featurizer->nr_features;
	d->borrowed = 1;
	d->fit_memo = md->fit;
}

/*
 * The target encoding, featurizer and design of rows of j->ds, from the
 * memo or, when it does not have them, made as without one and kept
 * there.  *kept says whether m's featurizer and target are the memo's
 * (md then says which design); on failure m and d hold what was made.
 */
static int memo_design(struct mlw_memo_design *md, int *kept,
		       struct mlw_model *m, struct design *d,
		       const struct job *j, const size_t *rows, size_t n,
		       int cls)
{
	struct mlw_train_memo *memo = memo_of(j);
	struct mlw_memo_key key;
	int ret;

	key.ds = j->ds;
	key.target = j->target;
	key.classification = cls;
	key.standardize = j->req->standardize;
	key.cols = j->cols;
	key.nr_cols = j->nr_cols;
	key.rows = rows;
	key.n = n;
	*kept = mlw_memo_design_find(md, memo, &key);
	if (*kept) {
		use_kept(m, d, md, n);
		return 0;
	}
	ret = fit_design(m, d, j, rows, n, cls);
	if (!ret && mlw_memo_design_keep(md, memo, &key, m->featurizer,
					 &m->target, d->X, d->X != d->view,
					 d->y)) {
		*kept = 1;
		memset(d, 0, sizeof(*d));
		use_kept(m, d, md, n);
	}
	return ret;
}

/*
 * Let go of m's featurizer and target when they are the memo's: own
 * copies when m is kept, nothing when it is released.
 */
static void unborrow(struct mlw_model *m, int keep)
{
	if (keep) {
		struct mlw_target t = m->target;

		m->featurizer = mlw_featurizer_dup(m->featurizer);
		mlw_target_copy(&m->target, &t);
	} else {
		m->featurizer = NULL;
		memset(&m->target, 0, sizeof(m->target));
	}
}

/*
 * Fit a model on rows of j->ds: its target, features and parameters.
 * With a memo, *kept says whether m's featurizer and target are borrowed
 * from design md (unborrow() them).
 */
static int fit_rows(struct mlw_model *m, struct design *d,
		    struct mlw_memo_design *md, int *kept,
		    const struct job *j, const size_t *rows, size_t n)
{
	int ret, cls = j->req->hparams.trainer->task == MLW_TASK_CLASSIFICATION;

	memset(m, 0, sizeof(*m));
	memset(d, 0, sizeof(*d));
	*kept = 0;
	m->trainer = j->req->hparams.trainer;
	if (memo_of(j)) {
		ret = memo_design(md, kept, m, d, j, rows, n, cls);
	} else if (mlw_train_distributed(j->ctx)) {
		/* every rank's rows: rows is NULL */
		ret = mlw_target_fit_dist(&m->target, j->ds, j->target, cls,
					  j->ctx);
		if (!ret)
			ret = mlw_featurizer_fit_dist(&m->featurizer, j->ds,
						      j->cols, j->nr_cols,
						      j->req->standardize,
						      j->ctx);
		if (!ret)
			ret = mlw_train_agree(j->ctx,
					      make_design(d, m, j->ds, rows,
							  n, 1));
	} else {
		ret = fit_design(m, d, j, rows, n, cls);
	}
	if (!ret && cls && m->target.nr_classes < 2)
		ret = mlw_error_setc(MLW_EINVALID,
			"the target '%s' has only one class ('%s') in the training rows",
			m->target.name,
			m->target.nr_classes ? m->target.classes[0] : "");
	if (!ret)
		ret = run_fit(m, j->req, d, NULL, j->ctx, j->fit_seconds);
	return ret;
}

/*
 * The design of rows erows of eval_ds under kept design md's featurizer
 * (m's): from the memo, or made and kept there.
 */
static int eval_design(struct design *d, const struct mlw_model *m,
		       const struct mlw_memo_design *md, const struct job *j,
		       const struct mlw_dataset *eval_ds, const size_t *erows,
		       size_t n)
{
	struct mlw_train_memo *memo = memo_of(j);
	const double *X, *y, *ry;
	int ret;

	memset(d, 0, sizeof(*d));
	if (!mlw_memo_eval_find(&X, &y, &ry, memo, md, eval_ds, erows, n)) {
		ret = make_design(d, m, eval_ds, erows, n, 1);
		if (ret || d->X == d->view ||
		    !mlw_memo_eval_keep(&X, &y, &ry, memo, md, eval_ds, erows,
					n, d->X, d->y))
			return ret;
	}
	d->X = (double *)X;
	d->y = (double *)y;
	d->ry = ry;
	d->n = n;
	d->p = md->featurizer->nr_features;
	d->borrowed = 1;
	return 0;
}

/*
 * Fit on rows of j->ds, score the training rows into train and, when
 * eval_ds is given, its rows erows into val (predictions into *P when P
 * is not NULL: of the evaluated rows, else of the training rows).  The
 * model is kept in *model when not NULL.
 */
static int fit_and_score(struct mlw_model *model, struct mlw_metric *train,
			 size_t *nr_train, struct mlw_metric *val,
			 size_t *nr_val, double **P, const struct job *j,
			 const size_t *rows, size_t n,
			 const struct mlw_dataset *eval_ds,
			 const size_t *erows, size_t nr_erows)
{
	struct mlw_memo_design md;
	struct mlw_model m;
	struct design d;
	int ret, kept;

	ret = fit_rows(&m, &d, &md, &kept, j, rows, n);
	if (!ret && train)
		ret = score_design(train, nr_train, eval_ds ? NULL : P, &m, &d,
				   j->ctx);
	design_release(&d);
	if (!ret && eval_ds) {
		ret = kept ? eval_design(&d, &m, &md, j, eval_ds, erows,
					 nr_erows) :
		      make_design(&d, &m, eval_ds, erows, nr_erows, 1);
		if (!ret)
			ret = score_design(val, nr_val, P, &m, &d, j->ctx);
		design_release(&d);
	}
	if (kept)
		unborrow(&m, !ret && model);
	if (!ret && model)
		*model = m;
	else
		mlw_model_release(&m);
	return ret;
}

/*
 * KFold(K): contiguous folds in row order, the first n % K of them one
 * row longer.
 */
static void kfold(size_t *fold, size_t n, size_t K)
{
	size_t k, i = 0;

	for (k = 0; k < K; k++) {
		size_t size = n / K + (k < n % K), e;

		for (e = 0; e < size; e++)
			fold[i++] = k;
	}
}

/*
 * StratifiedKFold(K) of scikit-learn 1.2: classes numbered by first
 * appearance; class k's share of fold f is the count of k among the
 * sorted labels at positions f, f + K, f + 2K, ...; each class's rows
 * take their folds in order, in blocks (shuffled with rng when given).
 */
static int stratified_kfold(size_t *fold, const double *y, size_t n,
			    size_t nr_classes, size_t K, struct mlw_rng *rng,
			    struct mlw_train_ctx *ctx)
{
	size_t *order = mlw_calloc(nr_classes + 1, sizeof(size_t));
	size_t *count = mlw_calloc(nr_classes + 1, sizeof(size_t));
	size_t *labels = mlw_calloc(n + 1, sizeof(size_t));
	size_t nr_seen = 0, c, f, i, start = 0, min = SIZE_MAX, max = 0;
	int ret = 0;

	for (c = 0; c < nr_classes; c++)
		order[c] = SIZE_MAX;
	for (i = 0; i < n; i++) {
		size_t k = (size_t)y[i];

		if (order[k] == SIZE_MAX)
			order[k] = nr_seen++;
		count[order[k]]++;
	}
	for (c = 0; c < nr_seen; c++) {
		min = count[c] < min ? count[c] : min;
		max = count[c] > max ? count[c] : max;
	}
	if (K > max) {
		ret = mlw_error_setc(MLW_EINVALID,
				     "%zu folds cannot be more than the rows of every class (at most %zu)",
				     K, max);
		goto out;
	}
	if (K > min)
		mlw_train_warn(ctx, "the least populated class has only %zu rows, fewer than the %zu folds",
			       min, K);
	for (c = 0; c < nr_seen; c++) {
		size_t *folds = mlw_calloc(count[c] + 1, sizeof(size_t));
		size_t nr = 0, r;

		/* positions start .. start + count - 1 of the sorted labels */
		for (f = 0; f < K; f++) {
			size_t base = start - start % K, end = start + count[c];
			size_t first = f >= start % K ? base + f : base + K + f;
			size_t take = first < end ? (end - 1 - first) / K + 1 : 0;

			for (r = 0; r < take; r++)
				folds[nr++] = f;
		}
		if (rng)
			mlw_rng_shuffle(rng, folds, nr);
		for (i = 0, r = 0; i < n; i++)
			if (order[(size_t)y[i]] == c)
				fold[i] = folds[r++];
		start += count[c];
		free(folds);
	}
out:
	free(order);
	free(count);
	free(labels);
	return ret;
}

/*
 * Each row's fold, as cross_val_score cuts them.  For a classifier, t
 * gets the classes of every row (the columns of the out-of-fold
 * predictions).
 */
static int make_folds(size_t *fold, struct mlw_target *t, const struct job *j,
		      size_t n)
{
	const struct mlw_train_request *req = j->req;
	size_t K = req->cv, i;
	double *y;
	int ret;

	memset(t, 0, sizeof(*t));
	if (K < 2 || K > n)
		return mlw_error_setc(MLW_EINVALID,
				      "%zu folds need at least %zu rows (there are %zu)",
				      K, K < 2 ? 2 : K, n);
	if (req->hparams.trainer->task != MLW_TASK_CLASSIFICATION) {
		size_t *perm, *shuffled;

		kfold(fold, n, K);
		if (!req->shuffle)
			return 0;
		/* KFold(shuffle=True): the folds of a permutation */
		perm = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
		shuffled = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
		for (i = 0; i < n; i++)
			perm[i] = i;
		mlw_rng_shuffle(&j->ctx->rng, perm, n);
		for (i = 0; i < n; i++)
			shuffled[perm[i]] = fold[i];
		memcpy(fold, shuffled, n * sizeof(size_t));
		free(perm);
		free(shuffled);
		return 0;
	}
	ret = mlw_target_fit(t, j->ds, j->target, NULL, n, 1);
	if (ret)
		return ret;
	y = mlw_malloc(mlw_st_mult(n + 1, sizeof(double)));
	ret = mlw_target_apply(y, t, j->ds, NULL, n);
	if (!ret)
		ret = stratified_kfold(fold, y, n, t->nr_classes, K,
				       req->shuffle ? &j->ctx->rng : NULL,
				       j->ctx);
	free(y);
	if (ret)
		mlw_target_release(t);
	return ret;
}

/*
 * Fold predictions P (n rows, the fold model's outputs) into all
 * (nr_all rows; for a classifier one column per class of t, the classes
 * of every row: a class the fold never saw keeps probability 0).
 */
static void keep_fold_predictions(double *all, size_t nr_all,
				  const struct mlw_target *t, const double *P,
				  const struct mlw_model *m, const size_t *rows,
				  size_t n)
{
	size_t k, K = mlw_model_nr_outputs(m), i, c;

	for (k = 0; k < K; k++) {
		c = k;
		if (m->target.classification)
			for (c = 0; c < t->nr_classes; c++)
				if (!strcmp(t->classes[c],
					    m->target.classes[k]))
					break;
		for (i = 0; i < n; i++)
			all[c * nr_all + rows[i]] = P[k * n + i];
	}
}

/* one fold: its metrics added to out's, its predictions kept in all */
static int run_fold(struct mlw_train_result *out, const struct job *j,
		    const size_t *fold, size_t k, double *all,
		    const struct mlw_target *t)
{
	struct mlw_metric m[MLW_MAX_METRICS];
	size_t n = j->ds->nr_rows, nt = 0, ne = 0, i, nr = 0;
	size_t *train = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
	size_t *test = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
	struct mlw_model fm;
	double *P = NULL;
	int ret;

	for (i = 0; i < n; i++) {
		if (fold[i] == k)
			test[ne++] = i;
		else
			train[nt++] = i;
	}
	ret = fit_and_score(all ? &fm : NULL, NULL, NULL, m, &nr,
			    all ? &P : NULL, j, train, nt, j->ds, test, ne);
	if (!ret) {
		for (i = 0; i < nr; i++) {
			out->metrics[i].name = m[i].name;
			out->metrics[i].value += m[i].value;
		}
		out->nr_metrics = nr;
		out->nr_folds++;
	}
	if (!ret && all) {
		keep_fold_predictions(all, n, t, P, &fm, test, ne);
		mlw_big_free(P, predictions_size(&fm, ne));
		mlw_model_release(&fm);
	}
	if (!ret && mlw_train_report_fold(j->ctx, (int)k + 1, (int)j->req->cv,
					  m, nr))
		out->stopped = 1;
	free(train);
	free(test);
	return ret;
}

/*
 * K-fold cross-validation: the metrics are the means over the folds,
 * the predictions each row's from the fold that held it out (as
 * cross_val_predict); then the model is fitted on every row.
 */
static int cross_validate(struct mlw_train_result *out, const struct job *j)
{
	size_t n = j->ds->nr_rows, K = j->req->cv, k, i, nout, size = 0;
	size_t *fold = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
	struct mlw_target t;
	double *all = NULL;
	int ret;

	ret = make_folds(fold, &t, j, n);
	nout = t.classification ? t.nr_classes : 1;
	if (!ret && j->req->keep_predictions) {
		size = mlw_st_mult(mlw_st_mult(n, nout) + 1, sizeof(double));
		all = mlw_big_alloc(size);
	}
	for (k = 0; k < K && !ret && !out->stopped; k++)
		ret = run_fold(out, j, fold, k, all, &t);
	for (i = 0; !ret && i < out->nr_metrics; i++)
		out->metrics[i].value /= (double)out->nr_folds;
	/* the model itself is fitted on every row */
	if (!ret && !out->stopped)
		ret = fit_and_score(&out->model, out->train_metrics,
				    &out->nr_train_metrics, NULL, NULL, NULL,
				    j, NULL, n, NULL, NULL, 0);
	if (!ret && all && !out->stopped &&
	    mlw_model_nr_outputs(&out->model) == nout) {
		out->predictions.ds = j->ds;
		out->predictions.n = n;
		out->predictions.P = all;
		all = NULL;
	}
	if (all)
		mlw_big_free(all, size);
	if (t.name)
		mlw_target_release(&t);
	free(fold);
	return ret;
}

/* a held-out split, validation data, or none */
static int fit_once(struct mlw_train_result *out, const struct job *j,
		    const struct mlw_dataset *vds)
{
	const struct mlw_train_request *req = j->req;
	size_t n = j->ds->nr_rows, nr_erows = 0, i;
	size_t *order = NULL, *rows = NULL, *erows = NULL;
	const struct mlw_dataset *eval_ds = vds;
	double *P = NULL;
	int ret;

	if (req->validation == MLW_VALIDATION_SPLIT) {
		order = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
		for (i = 0; i < n; i++)
			order[i] = i;
		mlw_rng_shuffle(&j->ctx->rng, order, n);
		nr_erows = (size_t)llround(req->validation_split * (double)n);
		if (!nr_erows || nr_erows >= n) {
			free(order);
			return mlw_error_setc(MLW_EINVALID,
				"a validation split of %g leaves no rows to %s",
				req->validation_split,
				nr_erows ? "train on" : "validate on");
		}
		erows = order;
		rows = order + nr_erows;
		n -= nr_erows;
		eval_ds = j->ds;
	} else if (vds) {
		nr_erows = vds->nr_rows;
	}
	ret = fit_and_score(&out->model, out->train_metrics,
			    &out->nr_train_metrics, out->metrics,
			    &out->nr_metrics, req->keep_predictions ? &P : NULL,
			    j, rows, n, eval_ds, erows, nr_erows);
	if (!ret && P) {
		out->predictions.ds = eval_ds ? eval_ds : j->ds;
		out->predictions.n = eval_ds ? nr_erows : n;
		out->predictions.P = P;
		if (erows) {
			out->predictions.rows = mlw_malloc(
				mlw_st_mult(nr_erows + 1, sizeof(size_t)));
			memcpy(out->predictions.rows, erows,
			       nr_erows * sizeof(size_t));
		}
	}
	out->nr_rows = mlw_train_total(j->ctx, n);
	free(order);
	return ret;
}

/* clustering and decomposition: fit on every row, the trainer's scores */
static int fit_unsupervised(struct mlw_train_result *out,
			    const struct mlw_train_request *req,
			    const struct mlw_dataset *ds, const size_t *cols,
			    size_t nr_cols, struct mlw_train_ctx *ctx)
{
	struct mlw_model *m = &out->model;
	const struct mlw_trainer *t = req->hparams.trainer;
	size_t n = ds->nr_rows, *labels = NULL;
	struct design d = { 0 };
	struct mlw_fit_input in = { 0 };
	int ret;

	m->trainer = t;
	if (mlw_train_distributed(ctx))
		ret = mlw_featurizer_fit_dist(&m->featurizer, ds, cols,
					      nr_cols, req->standardize, ctx);
	else
		ret = mlw_featurizer_fit(&m->featurizer, ds, cols, nr_cols,
					 NULL, n, req->standardize);
	if (!ret)
		ret = mlw_train_agree(ctx, make_design(&d, m, ds, NULL, n, 0));
	if (!ret && t->task == MLW_TASK_CLUSTERING)
		labels = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
	if (!ret)
		ret = run_fit(m, req, &d, labels, ctx, &out->fit_seconds);
	if (!ret && t->scores) {
		in.X = d.X;
		in.n = n;
		in.p = d.p;
		/* distributed: no scores of all rows at once (silhouette) */
		in.labels = mlw_train_distributed(ctx) ? NULL : labels;
		out->nr_metrics = t->scores(out->metrics, m, &in);
	}
	if (!ret && req->keep_predictions) {
		out->predictions.P = mlw_big_alloc(predictions_size(m, n));
		out->predictions.ds = ds;
		out->predictions.n = n;
		ret = mlw_model_predict(out->predictions.P, m, d.X, n,
					mlw_train_ctx_threads(ctx, 64));
	}
	out->nr_rows = mlw_train_total(ctx, n);
	free(labels);
	design_release(&d);
	return ret;
}

static int check_request(const struct mlw_train_request *req,
			 int distributed)
{
	const struct mlw_trainer *t = req->hparams.trainer;
	int unsupervised = t->task == MLW_TASK_CLUSTERING ||
			   t->task == MLW_TASK_DECOMPOSITION;

	if (t->check && t->check(&req->hparams) < 0)
		return MLW_EINVALID;
	if (distributed && mlw_trainer_distributable(t))
		return mlw_error_setc(MLW_EINVALID,
			"%s cannot be trained under MPI: %s; run it as one process",
			t->name, mlw_trainer_distributable(t));
	if (distributed && req->validation != MLW_VALIDATION_NONE)
		return mlw_error_setc(MLW_EINVALID,
			"under MPI only the training metrics are computed: cross-validation and validation data or splits need one process");
	if (distributed && req->keep_predictions)
		return mlw_error_setc(MLW_EINVALID,
			"under MPI the predictions are not written (each rank holds its own rows): score the model with 'mlw model score'");
	if (unsupervised && req->target)
		return mlw_error_setc(MLW_EINVALID,
				      "%s is unsupervised: it takes no target",
				      t->name);
	if (unsupervised && req->validation != MLW_VALIDATION_NONE)
		return mlw_error_setc(MLW_EINVALID,
				      "%s is unsupervised: it takes no validation",
				      t->name);
	if (!unsupervised && !req->target)
		return mlw_error_setc(MLW_EINVALID, "%s needs a target",
				      t->name);
	if (req->validation == MLW_VALIDATION_DATA && !req->validation_data)
		BUG("MLW_VALIDATION_DATA without validation_data");
	if (req->validation == MLW_VALIDATION_SPLIT &&
	    !(req->validation_split > 0 && req->validation_split < 1))
		return mlw_error_setc(MLW_EINVALID,
				      "the validation split must be between 0 and 1");
	return 0;
}

int mlw_train(struct mlw_train_result *out, const struct mlw_dataset *ds,
	      const struct mlw_train_request *req, struct mlw_train_ctx *ctx)
{
	struct job j = { 0 };
	size_t *cols = NULL, nr_cols = 0;
	int target = -1, ret;

	memset(out, 0, sizeof(*out));
	ret = mlw_train_agree(ctx, check_request(req,
						 mlw_train_distributed(ctx)));
	if (ret)
		return ret;
	out->nr_data_rows = mlw_train_total(ctx, ds->nr_rows);
	out->nr_ranks = mlw_train_distributed(ctx) ? ctx->comm->size : 0;
	if (req->target) {
		target = mlw_dataset_find(ds, req->target);
		if (target < 0)
			return mlw_error_setc(MLW_EINVALID,
					      "'%s' has no column '%s'",
					      data_name(req, ds), req->target);
		if (ds->columns[target].problem)
			ret = mlw_error_setc(MLW_EINVALID, "%s",
					     ds->columns[target].problem);
	}
	if (!ret && target >= 0 &&
	    req->hparams.trainer->task == MLW_TASK_CLASSIFICATION)
		ret = check_classes(ds, (size_t)target, req);
	if (!ret)
		ret = pick_columns(&cols, &nr_cols, ds, (size_t)target, req);
	if (!ret)
		ret = check_columns(ds, cols, nr_cols, ctx);
	/* the checks of this rank's rows: every rank stops if one does */
	ret = mlw_train_agree(ctx, ret);
	if (ret) {
		free(cols);
		return ret;
	}
	out->nr_columns = nr_cols;
	if (target < 0) {
		ret = fit_unsupervised(out, req, ds, cols, nr_cols, ctx);
	} else {
		j.ds = ds;
		j.req = req;
		j.target = (size_t)target;
		j.cols = cols;
		j.nr_cols = nr_cols;
		j.ctx = ctx;
		j.fit_seconds = &out->fit_seconds;
		if (req->validation == MLW_VALIDATION_CV) {
			ret = cross_validate(out, &j);
			out->nr_rows = ds->nr_rows;
		} else {
			ret = fit_once(out, &j,
				       req->validation == MLW_VALIDATION_DATA ?
				       req->validation_data : NULL);
		}
	}
	free(cols);
	/* distributed: the ranks end alike (rank 0 tells a common error) */
	ret = mlw_train_agree(ctx, ret);
	if (ret)
		mlw_train_result_release(out);
	else if (ctx && ctx->stopped)
		out->stopped = 1;
	return ret;
}

void mlw_train_result_release(struct mlw_train_result *r)
{
	if (r->predictions.P)
		mlw_big_free(r->predictions.P,
			     predictions_size(&r->model, r->predictions.n));
	free(r->predictions.rows);
	if (r->model.trainer)
		mlw_model_release(&r->model);
	memset(r, 0, sizeof(*r));
}

static void add_metrics(struct mlw_out *out, const struct mlw_metric *m,
			size_t nr, const char *prefix)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		char *key = mlw_xstrfmt("%s%s", prefix, m[i].name);

		mlw_out_num(out, key, m[i].value);
		free(key);
	}
}

/* the decision functions of the linear models (empty for the others) */
static void add_coefficients(struct mlw_out *out, const struct mlw_model *m)
{
	const struct mlw_linear_model *lm = &m->linear;
	size_t i, k;

	mlw_out_object_begin(out, "coefficients");
	if (m->target.classification) {
		mlw_out_list_begin(out, "classes");
		for (k = 0; k < m->target.nr_classes; k++)
			mlw_out_str(out, NULL, m->target.classes[k]);
		mlw_out_end(out);
	}
	mlw_trainer_out_vector(out, "intercept", lm->intercept,
			       lm->nr_outputs);
	mlw_out_list_begin(out, "coef");
	for (k = 0; k < lm->nr_outputs; k++)
		mlw_trainer_out_vector(out, NULL,
				       lm->coef + k * lm->nr_features,
				       lm->nr_features);
	mlw_out_end(out);
	mlw_out_list_begin(out, "feature_names");
	for (i = 0; i < m->featurizer->nr_features; i++)
		mlw_out_str(out, NULL, m->featurizer->feature_names[i]);
	mlw_out_end(out);
	mlw_out_end(out);
}

void mlw_train_describe(struct mlw_out *out, const struct mlw_train_result *r,
			const struct mlw_train_request *req,
			const struct mlw_dataset *ds)
{
	const struct mlw_model *m = &r->model;
	const struct mlw_trainer *t = m->trainer;
	size_t i;

	mlw_out_str(out, "algorithm", t->name);
	if (req->target)
		mlw_out_str(out, "target", req->target);
	mlw_out_int(out, "rows", (int64_t)(r->nr_data_rows ?
					   r->nr_data_rows : ds->nr_rows));
	mlw_out_int(out, "columns", (int64_t)r->nr_columns);
	mlw_out_int(out, "features", (int64_t)m->linear.nr_features);
	if (r->nr_ranks)
		mlw_out_int(out, "ranks", r->nr_ranks);
	mlw_out_str(out, "solver", m->linear.solver);
	mlw_out_int(out, "iterations", m->linear.nr_iter);
	mlw_out_bool(out, "converged", m->linear.converged);
	if (t->algorithm == MLW_ALGO_LINEAR)
		mlw_out_int(out, "rank", m->linear.rank);
	mlw_out_object_begin(out, "metrics");
	add_metrics(out, r->metrics, r->nr_metrics, "");
	add_metrics(out, r->train_metrics, r->nr_train_metrics, "train_");
	mlw_out_end(out);
	if (req->target) {
		add_coefficients(out, m);
	} else {
		mlw_out_list_begin(out, "feature_names");
		for (i = 0; i < m->featurizer->nr_features; i++)
			mlw_out_str(out, NULL, m->featurizer->feature_names[i]);
		mlw_out_end(out);
	}
	if (t->describe)
		t->describe(out, m, &req->hparams);
}

/* buffered CSV to a file descriptor */
struct writer {
	int fd;
	struct mlw_buf b;
	int ret;
};

static void flush(struct writer *w, size_t at_least)
{
	if (w->ret || w->b.len < at_least)
		return;
	if (mlw_write_all(w->fd, w->b.buf, w->b.len) < 0)
		w->ret = mlw_error_errno("cannot write the predictions");
	mlw_buf_reset(&w->b);
}

static void add_number(struct mlw_buf *b, double v)
{
	mlw_buf_grow(b, 32);
	b->len += mlw_fmt_double(b->buf + b->len, v);
	b->buf[b->len] = '\0';
}

/* CSV text: quoted when it holds a comma, a quote or a line end */
static void add_text(struct mlw_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		mlw_buf_adds(b, s);
		return;
	}
	mlw_buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			mlw_buf_addch(b, '"');
		mlw_buf_addch(b, *s);
	}
	mlw_buf_addch(b, '"');
}

static void predictions_header(struct mlw_buf *b, const struct mlw_model *m)
{
	size_t k, nout = mlw_model_nr_outputs(m);

	switch (m->trainer->task) {
	case MLW_TASK_CLUSTERING:
		mlw_buf_adds(b, "row,cluster\n");
		return;
	case MLW_TASK_DECOMPOSITION:
		mlw_buf_adds(b, "row");
		for (k = 0; k < nout; k++)
			mlw_buf_addf(b, ",pc%zu", k);
		mlw_buf_addch(b, '\n');
		return;
	case MLW_TASK_REGRESSION:
		mlw_buf_adds(b, "row,y_true,prediction\n");
		return;
	case MLW_TASK_CLASSIFICATION:
		mlw_buf_adds(b, "row,y_true,prediction");
		for (k = 0; k < nout; k++) {
			char *name = mlw_xstrfmt("proba_%s",
						 m->target.classes[k]);

			mlw_buf_addch(b, ',');
			add_text(b, name);
			free(name);
		}
		mlw_buf_addch(b, '\n');
		return;
	}
}

int mlw_train_write_predictions(int fd, const struct mlw_train_result *r)
{
	const struct mlw_predictions *pr = &r->predictions;
	const struct mlw_model *m = &r->model;
	struct writer w = { fd, MLW_BUF_INIT, 0 };
	size_t i, k, n = pr->n, nout = mlw_model_nr_outputs(m);
	int supervised = m->trainer->task == MLW_TASK_REGRESSION ||
			 m->trainer->task == MLW_TASK_CLASSIFICATION;
	double *y = NULL;

	if (supervised) {
		y = mlw_malloc(mlw_st_mult(n + 1, sizeof(double)));
		w.ret = mlw_target_apply(y, &m->target, pr->ds, pr->rows, n);
	}
	predictions_header(&w.b, m);
	for (i = 0; i < n && !w.ret; i++) {
		mlw_buf_addf(&w.b, "%zu", pr->rows ? pr->rows[i] : i);
		if (m->target.classification) {
			mlw_buf_addch(&w.b, ',');
			add_text(&w.b, m->target.classes[(size_t)y[i]]);
			mlw_buf_addch(&w.b, ',');
			add_text(&w.b, m->target.classes[
				 mlw_argmax_row(pr->P, n, nout, i)]);
		} else if (supervised) {
			mlw_buf_addch(&w.b, ',');
			add_number(&w.b, y[i]);
			mlw_buf_addch(&w.b, ',');
			add_number(&w.b, pr->P[i]);
		}
		for (k = 0; k < nout && (!supervised ||
					 m->target.classification); k++) {
			mlw_buf_addch(&w.b, ',');
			add_number(&w.b, pr->P[k * n + i]);
		}
		mlw_buf_addch(&w.b, '\n');
		flush(&w, (size_t)1 << 20);
	}
	flush(&w, 0);
	mlw_buf_release(&w.b);
	free(y);
	return w.ret;
}
