/*
 * pca.h - principal component analysis, as scikit-learn's PCA with the
 * full (exact) solvers: the data are centred, and the components are the
 * right singular vectors of the centred data, with
 *
 *	explained_variance = s^2 / (n - 1)
 *	explained_variance_ratio = explained_variance / its sum over all
 *	noise_variance = the mean of the discarded explained variances
 *
 * Solver (solver "gesdd" or "syevd"): for tall data (n >= 10 p, p <= 1000
 * — the rule scikit-learn 1.5 adopted for its "covariance_eigh") the
 * eigenvectors of the p x p matrix X'X (dsyrk, then dsyevd): n p^2 / 2
 * flops and p^2 memory, against roughly 4 n p^2 flops and an n x p copy
 * for the SVD.  Forming X'X squares the condition number, which only
 * costs accuracy in the eigenvalues below eps times the largest —
 * directions that are noise at that level anyway.  Otherwise the thin
 * SVD of the centred data by divide and conquer (dgesdd).
 *
 * Signs: each component's largest-magnitude entry is positive.
 */
#ifndef MLW_ML_PCA_H
#define MLW_ML_PCA_H

#include <stddef.h>

struct mlw_pca_model {
	size_t nr_features, nr_components;
	int whiten;
	double *mean;			/* p */
	double *components;		/* ncomp x p, column-major */
	double *explained_variance;	/* ncomp */
	double *explained_variance_ratio;	/* ncomp */
	double *singular_values;	/* ncomp */
	double noise_variance;
	const char *solver;		/* "gesdd" or "syevd" (static) */
};

/*
 * Fit on X (n x p, column-major, borrowed); nr_components 0 means
 * min(n, p).  0, MLW_EINVALID (nr_components > min(n, p), n < 2),
 * MLW_ENUMERIC, or MLW_ERROR (no LAPACK).
 */
int mlw_pca_fit(struct mlw_pca_model *out, const double *X, size_t n,
		size_t p, size_t nr_components, int whiten);
/*
 * The same with a training context: distributed (ctx->comm), X is this
 * rank's rows and the mean and covariance are summed over the ranks;
 * only the covariance solver (n >= 10 p, p <= 1000) is distributed,
 * otherwise MLW_EINVALID says so.
 */
struct mlw_train_ctx;
int mlw_pca_fit_ctx(struct mlw_pca_model *out, const double *X, size_t n,
		    size_t p, size_t ncomp, int whiten,
		    struct mlw_train_ctx *ctx);

/* out[n x ncomp] (column-major): the components of X's rows; 0 or -1 */
int mlw_pca_transform(double *out, const struct mlw_pca_model *m,
		      const double *X, size_t n);

void mlw_pca_release(struct mlw_pca_model *m);

extern const struct mlw_trainer mlw_pca_trainer;

#endif
