/*
 * train.h - training as a library call.
 *
 * mlw_train() fits one trainer (trainer.h) on a parsed dataset as the
 * request says: the target and the feature columns, the validation
 * (none, another dataset, a held-out share of the rows, or k-fold
 * cross-validation), and returns the model, its metrics under Azure
 * AutoML's names and, when asked, the predictions behind them.  It never
 * prints, exits or reads the environment: everything it needs is in the
 * request and the context (context.h), so a sweep runs many at once on
 * one dataset, each on its own thread with its own context.
 *
 *	struct mlw_train_request req;
 *	struct mlw_train_result res;
 *	struct mlw_train_ctx ctx;
 *
 *	mlw_train_request_init(&req, mlw_trainer_find("ridge"));
 *	mlw_hparams_set(&req.hparams, "alpha", "0.5");
 *	req.target = "y";
 *	req.validation = MLW_VALIDATION_CV;
 *	req.cv = 5;
 *	mlw_train_ctx_init(&ctx, 0);
 *	if (mlw_train(&res, ds, &req, &ctx) < 0)
 *		... mlw_error_last()
 *	... res.metrics[i].name, res.metrics[i].value, res.model
 *	mlw_train_result_release(&res);
 *
 * Cross-validation cuts the rows as scikit-learn's cross_val_score does
 * with an integer cv: KFold(K) for regression (contiguous folds, the
 * first n % K one row longer, in file order) and StratifiedKFold(K) for
 * classification (each class dealt to the folds in file order), so the
 * fold means equal its scores.  With shuffle, the rows (regression) or
 * each class's fold labels (classification) are shuffled first with
 * ctx->rng: seeded and reproducible, but not numpy's generator.  A
 * held-out split shuffles the rows with ctx->rng and validates on the
 * first round(share * n) of them.
 */
#ifndef MLW_ML_TRAIN_H
#define MLW_ML_TRAIN_H

#include "ml/dataset.h"
#include "ml/metrics.h"
#include "ml/model.h"
#include "ml/trainer.h"

#include <stddef.h>

enum mlw_validation {
	MLW_VALIDATION_NONE,	/* training metrics only */
	MLW_VALIDATION_DATA,	/* on validation_data */
	MLW_VALIDATION_SPLIT,	/* on a held-out share of the rows */
	MLW_VALIDATION_CV	/* the means over cv folds */
};

struct mlw_train_request {
	struct mlw_hparams hparams;	/* the trainer and its settings */
	const char *target;		/* NULL for unsupervised trainers */
	/* the features: these columns, or all but target and exclude */
	const char *const *features;
	size_t nr_features;
	const char *const *exclude;
	size_t nr_exclude;
	int standardize;		/* scale features to unit variance */
	enum mlw_validation validation;
	const struct mlw_dataset *validation_data;	/* DATA */
	double validation_split;	/* SPLIT: the share in (0, 1) */
	size_t cv;			/* CV: folds, 2 or more */
	int shuffle;			/* CV: shuffled folds */
	int keep_predictions;		/* fill result->predictions */
	const char *data_name;		/* for messages; NULL: ds->path */
};

/* no validation, all columns, the trainer's defaults */
void mlw_train_request_init(struct mlw_train_request *req,
			    const struct mlw_trainer *trainer);

#define MLW_MAX_METRICS MLW_CLASSIFICATION_METRICS

/*
 * The predictions behind the reported metrics: on the validation rows,
 * or on the training rows without validation (and for unsupervised
 * trainers): rows[i] (NULL: row i) of ds, output k of row i at
 * P[k * n + i], as the trainer's predict() writes.  ds is borrowed from
 * the call: the dataset or the validation dataset.
 */
struct mlw_predictions {
	const struct mlw_dataset *ds;
	size_t *rows;
	size_t n;
	double *P;
};

struct mlw_train_result {
	/* fitted on every training row (on every row after CV) */
	struct mlw_model model;
	size_t nr_rows;			/* rows fitted on */
	size_t nr_data_rows;		/* rows of the data (every rank's) */
	int nr_ranks;			/* distributed: the ranks; else 0 */
	size_t nr_columns;		/* input columns of the features */
	/*
	 * validation metrics (none without validation), or for clustering
	 * and decomposition the trainer's own (inertia, ...)
	 */
	struct mlw_metric metrics[MLW_MAX_METRICS];
	size_t nr_metrics;
	/* metrics on the training rows (supervised trainers) */
	struct mlw_metric train_metrics[MLW_MAX_METRICS];
	size_t nr_train_metrics;
	size_t nr_folds;		/* CV: folds done */
	double fit_seconds;		/* in fit(), every fold included */
	struct mlw_predictions predictions;	/* keep_predictions */
	int stopped;			/* progress stopped it */
};

/*
 * Train as req says on ds (borrowed; so is req->validation_data).
 * Returns 0 with *out filled (release it with mlw_train_result_release),
 * or a negative code with *out empty: MLW_EINVALID for a request or
 * data that cannot be trained on (a missing column, a classifier on a
 * continuous target, one class, too few rows for the folds; the message
 * says which), MLW_ENUMERIC when the solver cannot proceed, MLW_ERROR
 * when LAPACK cannot be loaded.  When the progress callback asks to
 * stop, out->stopped is set: a cross-validation has the means of the
 * folds done and no model (out->model.trainer NULL); an iterative solver
 * keeps the model where it stopped (converged 0).
 */
int mlw_train(struct mlw_train_result *out, const struct mlw_dataset *ds,
	      const struct mlw_train_request *req, struct mlw_train_ctx *ctx);

void mlw_train_result_release(struct mlw_train_result *r);

/*
 * What the training did, as members of the object open in out (the
 * document of 'mlw train -o json'): algorithm, target (supervised),
 * rows (of ds), columns, features, solver, iterations, converged, rank
 * (linear), metrics (validation, then training ones prefixed "train_"),
 * coefficients (supervised: classes, intercept, coef, feature_names) or
 * feature_names, and the trainer's own object (describe()).
 */
void mlw_train_describe(struct mlw_out *out, const struct mlw_train_result *r,
			const struct mlw_train_request *req,
			const struct mlw_dataset *ds);

/*
 * Write r's predictions as CSV to fd: "row,y_true,prediction" then, for
 * classifiers, "proba_<class>" per class (the labels as the data spell
 * them, the names as 'mlw model score --proba' writes them); "row,
 * cluster" for clustering; "row,pc0,pc1,..." for decomposition.
 * Numbers are the shortest text that reads back to the same double.  0,
 * MLW_EINVALID (a target missing in a validation row) or MLW_ERROR
 * (I/O, errno's message).
 */
int mlw_train_write_predictions(int fd, const struct mlw_train_result *r);

#endif
