/*
 * linear.h - the linear-model trainers: each solves exactly the problem
 * of the scikit-learn estimator of the same name, with an intercept.
 *
 *   linear       LinearRegression    min ||y - Xw - b||^2 (minimum-norm w
 *                                    when X is rank deficient)
 *   ridge        Ridge(alpha)        min ||y - Xw - b||^2 + alpha ||w||^2
 *   lasso        Lasso(alpha)        elastic_net with l1_ratio = 1
 *   elastic_net  ElasticNet(alpha, l1_ratio)
 *                min 1/(2n) ||y - Xw - b||^2 + alpha l1_ratio ||w||_1
 *                    + alpha (1 - l1_ratio) / 2 ||w||^2
 *   logistic     LogisticRegression(C), binary or multinomial
 *                min C sum_i s_i log-loss_i + 1/2 ||W||^2 (b unpenalised;
 *                s_i the class weight of row i)
 *
 * X is n x p column-major with leading dimension n (borrowed, not
 * modified); y holds values, or class indices 0..K-1 for logistic.
 */
#ifndef MLW_ML_LINEAR_H
#define MLW_ML_LINEAR_H

#include <stddef.h>

struct mlw_strlist;

enum mlw_algorithm {
	MLW_ALGO_LINEAR,
	MLW_ALGO_RIDGE,
	MLW_ALGO_LASSO,
	MLW_ALGO_ELASTIC_NET,
	MLW_ALGO_LOGISTIC,
	/* not linear models: kernel_ridge.h, lda.h, naive_bayes.h, kmeans.h,
	 * pca.h; listed here so that one enum names every trainer */
	MLW_ALGO_KERNEL_RIDGE,
	MLW_ALGO_LDA,
	MLW_ALGO_GAUSSIAN_NB,
	MLW_ALGO_KMEANS,
	MLW_ALGO_PCA
};

/* "linear" -> MLW_ALGO_LINEAR; MLW_EINVALID for an unknown name */
int mlw_algorithm_parse(enum mlw_algorithm *out, const char *name);
const char *mlw_algorithm_name(enum mlw_algorithm algo);
int mlw_algorithm_is_classifier(enum mlw_algorithm algo);
/* kmeans and pca: no target */
int mlw_algorithm_is_unsupervised(enum mlw_algorithm algo);

struct mlw_linear_params {
	double alpha;		/* ridge 1, lasso and elastic_net 1 */
	double l1_ratio;	/* elastic_net 0.5 */
	double C;		/* logistic 1 */
	int max_iter;		/* lasso/elastic_net 1000, logistic 100 */
	double tol;		/* 1e-4, as scikit-learn */
	int class_weight_balanced;
	size_t nr_classes;	/* logistic: K >= 2 */
	/*
	 * Optional: the features' names and a list that collects warnings
	 * naming them (linear: collinear or constant columns).
	 */
	char *const *names;
	struct mlw_strlist *warnings;
};

/* scikit-learn's defaults */
void mlw_linear_params_init(struct mlw_linear_params *p,
			    enum mlw_algorithm algo);

struct mlw_linear_model {
	enum mlw_algorithm algorithm;
	size_t nr_features;
	size_t nr_outputs;	/* 1, or K for multinomial logistic */
	double *coef;		/* nr_features x nr_outputs, column-major */
	double *intercept;	/* nr_outputs */
	/* what the solver did */
	const char *solver;	/* "gelsd", "cholesky", "svd", ... */
	int nr_iter;
	double objective;	/* the estimator's objective at the solution */
	int converged;
	int rank;		/* linear: numerical rank of centred X */
};

/*
 * Fit.  Returns 0, MLW_ENUMERIC when the problem cannot be solved (the
 * message says why), or MLW_ERROR when LAPACK cannot be loaded.
 */
int mlw_linear_fit(struct mlw_linear_model *out, enum mlw_algorithm algo,
		   const struct mlw_linear_params *params, const double *X,
		   size_t n, size_t p, const double *y);

/*
 * Predict n rows: regression writes out[n]; logistic writes the class
 * probabilities out[n x K] column-major (K = nr_classes).
 */
void mlw_linear_predict(double *out, const struct mlw_linear_model *m,
			const double *X, size_t n, size_t nr_classes);

void mlw_linear_model_release(struct mlw_linear_model *m);

#endif
