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

#include "ml/trainer.h"

#include <stddef.h>

struct mlw_linear_params {
	double alpha;		/* ridge 1, lasso and elastic_net 1 */
	double l1_ratio;	/* elastic_net 0.5 */
	double C;		/* logistic 1 */
	int max_iter;		/* lasso/elastic_net 1000, logistic 100 */
	double tol;		/* 1e-4, as scikit-learn */
	int class_weight_balanced;
	size_t nr_classes;	/* logistic: K >= 2 */
	/*
	 * Optional: the features' names, for warnings naming them (linear:
	 * collinear or constant columns), and the context of the call: its
	 * thread budget, its warnings, its progress callback (one call per
	 * iteration of lasso, elastic_net and logistic).  May be NULL: one
	 * thread, no warnings.
	 */
	char *const *names;
	struct mlw_train_ctx *ctx;
	/* ridge: where its centred Gram matrix is kept (memo.h), or NULL */
	struct mlw_fit_memo *memo;
};

/*
 * The params of hp's trainer (a linear model) from its hyperparameters,
 * the fit's input (classes and names; may be NULL) and the context.
 */
struct mlw_fit_input;
struct mlw_hparams;
void mlw_linear_params_from(struct mlw_linear_params *lp,
			    const struct mlw_hparams *hp,
			    const struct mlw_fit_input *in,
			    struct mlw_train_ctx *ctx);

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
 * 1 when algo fits n x p data without a p x p matrix: with more features
 * than rows, linear by the SVD of the data (lstsq), ridge by its dual
 * (an n x n system), lasso and elastic_net by coordinate descent on the
 * data instead of its Gram matrix, each as scikit-learn solves that case.
 */
int mlw_linear_wide(enum mlw_algorithm algo, size_t n, size_t p);

/*
 * Predict n rows on at most nr_threads threads: regression writes out[n];
 * logistic writes the class probabilities out[n x K] column-major
 * (K = nr_classes); lda (whose decision function a linear model holds)
 * the decision function, out[n x nr_outputs].
 */
void mlw_linear_predict(double *out, const struct mlw_linear_model *m,
			const double *X, size_t n, size_t nr_classes,
			int nr_threads);

/*
 * Decision values to class probabilities, in place: with one output
 * (two classes) the logistic sigmoid of the decision z, written as
 * out[0..n) = 1 - s(z), out[n..2n) = s(z); with K outputs their softmax
 * row by row.  out holds n x max(2, K) doubles.  Logistic regression and
 * lda share it, as scikit-learn's predict_proba does.
 */
void mlw_linear_proba(double *out, size_t n, size_t nr_outputs);

/*
 * The logistic fit (logistic.c) that mlw_linear_fit() calls: out is
 * allocated for K' = (K == 2 ? 1 : K) outputs.
 */
struct mlw_lapack;
int mlw_logistic_fit(struct mlw_linear_model *out, const struct mlw_lapack *la,
		     const double *X, size_t n, size_t p, const double *y,
		     const struct mlw_linear_params *par);

void mlw_linear_model_release(struct mlw_linear_model *m);

/* the trainers (trainer.h) */
extern const struct mlw_trainer mlw_linear_trainer, mlw_ridge_trainer,
	mlw_lasso_trainer, mlw_elastic_net_trainer, mlw_logistic_trainer;

#endif
