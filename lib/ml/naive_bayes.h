/*
 * naive_bayes.h - Gaussian naive Bayes, as scikit-learn's GaussianNB with
 * priors from the class frequencies.
 *
 * Per class k and feature j: the mean theta[k][j] and the (population)
 * variance var[k][j] of the class's rows, plus epsilon = var_smoothing
 * times the largest variance of any feature over all rows, which keeps
 * constant features from dividing by zero.  The joint log-likelihood of
 * a row x for class k is
 *
 *	log prior_k - 1/2 sum_j log(2 pi var[k][j])
 *	            - 1/2 sum_j (x_j - theta[k][j])^2 / var[k][j]
 *
 * and the probabilities are its softmax.  Closed form: no solver.
 */
#ifndef MLW_ML_NAIVE_BAYES_H
#define MLW_ML_NAIVE_BAYES_H

#include <stddef.h>

struct mlw_gaussian_nb_model {
	size_t nr_classes, nr_features;
	double *theta;		/* K x p, column-major (class k in row k) */
	double *var;		/* K x p, epsilon included */
	double *class_prior;	/* K */
	double *class_count;	/* K */
	double epsilon;
};

/*
 * Fit on X (n x p, column-major, borrowed) and y (class indices
 * 0..K-1).  Constant columns are reported on ctx (names may be
 * NULL).  0, or MLW_EINVALID (fewer than two classes, a class without
 * rows, every column constant).
 */
struct mlw_train_ctx;
int mlw_gaussian_nb_fit(struct mlw_gaussian_nb_model *out, const double *X,
			size_t n, size_t p, const double *y, size_t K,
			double var_smoothing, const char *const *names,
			struct mlw_train_ctx *ctx);

/* probabilities out[n x K], column-major; jll (may be NULL) the same */
void mlw_gaussian_nb_predict(double *out, double *jll,
			     const struct mlw_gaussian_nb_model *m,
			     const double *X, size_t n);

void mlw_gaussian_nb_release(struct mlw_gaussian_nb_model *m);

extern const struct mlw_trainer mlw_gaussian_nb_trainer;

#endif
