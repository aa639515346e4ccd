/*
 * lda.h - linear discriminant analysis, as scikit-learn's
 * LinearDiscriminantAnalysis with priors from the class frequencies.
 *
 * All three solvers give a linear decision function per class,
 * coef x + intercept, stored in a struct mlw_linear_model (nr_outputs 1
 * for two classes: the difference of the two, as scikit-learn does):
 *
 *   svd    (default) SVD of the within-class centred, per-column scaled
 *          data, then of the scaled class centres; never forms a
 *          covariance, so it copes with collinear columns (dgesdd)
 *   lsqr   the least-squares solution of Sigma coef' = means' with the
 *          pooled covariance Sigma, optionally shrunk (dgelsd)
 *   eigen  the generalised eigenproblem Sb v = lambda Sw v between the
 *          between- and within-class scatter (dsygvd)
 *
 * Shrinkage (lsqr and eigen): a fixed s in [0, 1] gives
 * (1 - s) Sigma + s trace(Sigma)/p I; "auto" takes the Ledoit-Wolf s of
 * the standardised data, as sklearn.covariance.ledoit_wolf.
 *
 * Probabilities: the logistic sigmoid of the decision for two classes,
 * its softmax for more.
 */
#ifndef MLW_ML_LDA_H
#define MLW_ML_LDA_H

#include "ml/linear.h"

#include <stddef.h>

enum mlw_lda_solver {
	MLW_LDA_SVD,
	MLW_LDA_LSQR,
	MLW_LDA_EIGEN
};

/* "svd" -> MLW_LDA_SVD; MLW_EINVALID otherwise */
int mlw_lda_solver_parse(enum mlw_lda_solver *out, const char *name);
const char *mlw_lda_solver_name(enum mlw_lda_solver solver);

struct mlw_lda_params {
	enum mlw_lda_solver solver;	/* svd */
	int shrinkage_auto;		/* Ledoit-Wolf */
	double shrinkage;		/* < 0: none */
	double tol;			/* svd rank threshold, 1e-4 */
	size_t nr_classes;		/* K >= 2 */
};

void mlw_lda_params_init(struct mlw_lda_params *p);

/* what LDA keeps beyond the decision function */
struct mlw_lda_model {
	enum mlw_lda_solver solver;
	size_t nr_classes, nr_features;
	double *means;		/* K x p, column-major (class k in row k) */
	double *priors;		/* K */
	double *xbar;		/* p: priors' means (svd) */
	size_t rank;		/* columns of scalings */
	double *scalings;	/* p x rank, column-major: the projection */
	size_t nr_components;	/* min(K - 1, p) */
	double *explained_variance_ratio;	/* nr_components (svd, eigen) */
};

/*
 * Fit on X (n x p, column-major, borrowed) and y (class indices
 * 0..K-1, each present).  Fills *lin (algorithm MLW_ALGO_LDA) and *out.
 * Constant columns are reported on ctx (names[j] names column j;
 * either may be NULL).  0, MLW_EINVALID (fewer than two classes),
 * MLW_ENUMERIC (the within-class scatter is singular for eigen) or
 * MLW_ERROR (no LAPACK).
 */
struct mlw_train_ctx;
int mlw_lda_fit(struct mlw_linear_model *lin, struct mlw_lda_model *out,
		const struct mlw_lda_params *params, const double *X, size_t n,
		size_t p, const double *y, const char *const *names,
		struct mlw_train_ctx *ctx);

/*
 * Class probabilities out[n x K] (column-major) of X, as scikit-learn's
 * predict_proba (mlw_linear_proba() of the decision function); decision
 * (n x nr_outputs, may be NULL) gets the decision function.
 */
void mlw_lda_predict(double *out, double *decision,
		     const struct mlw_linear_model *lin, const double *X,
		     size_t n, size_t K, int nr_threads);

void mlw_lda_release(struct mlw_lda_model *m);

extern const struct mlw_trainer mlw_lda_trainer;

#endif
