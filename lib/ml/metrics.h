/*
 * metrics.h - model metrics under Azure AutoML's names, computed as
 * scikit-learn.metrics computes them.
 *
 * Regression: r2_score, root_mean_squared_error,
 * normalized_root_mean_squared_error (RMSE / (max y - min y)),
 * mean_absolute_error, spearman_correlation (ranks with ties averaged),
 * explained_variance.
 *
 * Classification (y holds class indices, proba the n x K probabilities,
 * column-major; the prediction is the most probable class, the first on
 * ties): accuracy, precision_score_macro/weighted,
 * recall_score_macro/weighted, f1_score_macro/weighted (0 where a class is
 * never predicted, as zero_division=0), AUC_macro/weighted (one class
 * against the rest, trapezoids over tied scores), log_loss (probabilities
 * clipped to [eps, 1 - eps] and renormalised), norm_macro_recall
 * ((recall_macro - 1/K) / (1 - 1/K)).
 */
#ifndef MLW_ML_METRICS_H
#define MLW_ML_METRICS_H

#include <stddef.h>

struct mlw_metric {
	const char *name;	/* static */
	double value;
};

#define MLW_REGRESSION_METRICS 6
#define MLW_CLASSIFICATION_METRICS 11

/* out[MLW_REGRESSION_METRICS] */
void mlw_metrics_regression(struct mlw_metric *out, const double *y,
			    const double *pred, size_t n);
/*
 * The same with ry, the ranks of y (mlw_metrics_ranks()), given: a
 * caller scoring the same rows again and again ranks them once.
 */
void mlw_metrics_regression_ranked(struct mlw_metric *out, const double *y,
				   const double *ry, const double *pred,
				   size_t n);
/* r[i]: the rank of v[i] among v[0..n), 1..n, ties averaged */
void mlw_metrics_ranks(double *r, const double *v, size_t n);

/*
 * out[MLW_CLASSIFICATION_METRICS]; confusion (K x K, row = true class,
 * column = predicted) is filled when not NULL.
 */
void mlw_metrics_classification(struct mlw_metric *out, size_t *confusion,
				const double *y, const double *proba,
				size_t n, size_t K);

/* the predicted class of row i: the first most probable */
size_t mlw_argmax_row(const double *proba, size_t n, size_t K, size_t i);

#endif
