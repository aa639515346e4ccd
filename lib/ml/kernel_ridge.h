/*
 * kernel_ridge.h - kernel ridge regression, as scikit-learn's
 * sklearn.kernel_ridge.KernelRidge: no intercept, the dual problem
 *
 *	(K + alpha I) dual_coef = y,	K[i][j] = k(x_i, x_j)
 *
 * with the kernels
 *
 *	linear	k(x, z) = x'z
 *	poly	k(x, z) = (gamma x'z + coef0)^degree
 *	rbf	k(x, z) = exp(-gamma ||x - z||^2)
 *
 * gamma defaults (when not positive) to 1 / nr_features, as
 * scikit-learn's pairwise kernels.  A prediction is
 * sum_i dual_coef[i] k(x, x_i): the model keeps its training rows.
 */
#ifndef MLW_ML_KERNEL_RIDGE_H
#define MLW_ML_KERNEL_RIDGE_H

#include <stddef.h>

enum mlw_kernel {
	MLW_KERNEL_LINEAR,
	MLW_KERNEL_POLY,
	MLW_KERNEL_RBF
};

/* "rbf" -> MLW_KERNEL_RBF; MLW_EINVALID for an unknown name */
int mlw_kernel_parse(enum mlw_kernel *out, const char *name);
const char *mlw_kernel_name(enum mlw_kernel kernel);

struct mlw_kernel_ridge_params {
	enum mlw_kernel kernel;	/* linear */
	double alpha;		/* 1 */
	double gamma;		/* 0: 1 / nr_features */
	double degree;		/* 3 */
	double coef0;		/* 1 */
};

void mlw_kernel_ridge_params_init(struct mlw_kernel_ridge_params *p);

struct mlw_kernel_ridge_model {
	enum mlw_kernel kernel;
	double gamma, degree, coef0;	/* gamma as used (never 0) */
	size_t nr_features;
	size_t nr_train;
	double *X_fit;		/* nr_train x nr_features, column-major */
	double *dual_coef;	/* nr_train */
	const char *solver;	/* "posv" or "gelsd" (static) */
};

/*
 * Fit on X (n x p, column-major, leading dimension n; borrowed) and y.
 * Cholesky (dposv) when K + alpha I is positive definite, else the
 * least-squares solution (dgelsd) with a warning on ctx (may be NULL).
 * 0, MLW_ENUMERIC or MLW_ERROR (no LAPACK).
 */
struct mlw_train_ctx;
int mlw_kernel_ridge_fit(struct mlw_kernel_ridge_model *out,
			 const struct mlw_kernel_ridge_params *params,
			 const double *X, size_t n, size_t p, const double *y,
			 struct mlw_train_ctx *ctx);

/* out[n] for X (n x nr_features, column-major); 0 or MLW_ERROR */
int mlw_kernel_ridge_predict(double *out,
			     const struct mlw_kernel_ridge_model *m,
			     const double *X, size_t n);

void mlw_kernel_ridge_release(struct mlw_kernel_ridge_model *m);

extern const struct mlw_trainer mlw_kernel_ridge_trainer;

#endif
