/*
 * gp.h - Gaussian-process regression for Bayesian sampling.
 *
 * The model is y = f(x) + noise, f ~ GP(c, k) with a constant mean c (the
 * mean of the targets: targets are standardised to mean 0 and variance 1
 * unless normalize is 0) and the Matern 5/2 kernel with one length scale
 * per feature (ARD):
 *
 *	k(x, x') = sf2 (1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r),
 *	r^2 = sum_d (x_d - x'_d)^2 / l_d^2,
 *
 * plus noise variance sn2 on the diagonal.  The hyperparameters are kept
 * as natural logs, theta = (log l_1 .. log l_p, log sf2, log sn2), and
 * fitted by maximising the log marginal likelihood
 *
 *	log p(y | theta) = -y'a/2 - sum log L_ii - n log(2 pi) / 2,
 *	K + sn2 I = L L', a = (K + sn2 I)^-1 y,
 *
 * with its analytic gradient, d/dtheta_j = tr((a a' - (K + sn2 I)^-1)
 * dK/dtheta_j) / 2, plus weak log-normal priors on the length scales and
 * the signal variance (they keep ARD from chasing a length scale to zero
 * with few points), inside bounds: l in [0.005, 50], sf2 in [0.01, 100],
 * sn2 in [1e-8, 1] (features live in [0, 1], targets are standardised).
 * The optimiser is BFGS with a backtracking line search, projected on the
 * bounds, from the previous solution and from restarts drawn from the
 * priors.  The Cholesky factor comes from LAPACK (dpotrf, dpotrs), loaded
 * on first use (lib/ml/lapack.h); a factorisation that fails is retried
 * with more jitter on the diagonal.
 *
 *	struct mlw_gp gp;
 *	mlw_gp_init(&gp);
 *	if (mlw_gp_set_data(&gp, X, y, n, p) < 0 ||
 *	    mlw_gp_optimize(&gp, 2, seed) < 0 ||
 *	    mlw_gp_predict(&gp, Xs, m, mean, var) < 0)
 *		...
 *	mlw_gp_release(&gp);
 *
 * Matrices of points are row-major: point i at X + i * p.
 */
#ifndef MLW_SWEEP_GP_H
#define MLW_SWEEP_GP_H

#include <stddef.h>
#include <stdint.h>

struct mlw_lapack;

struct mlw_gp {
	size_t n, p;		/* points and features */
	double *X;		/* n x p, owned */
	double *y;		/* n targets, standardised when normalize */
	double y_mean, y_scale;	/* raw = y_mean + y_scale * y */
	int normalize;		/* 1 (the default): standardise targets */
	double *theta;		/* p + 2 log hyperparameters, owned */
	double *L;		/* n x n Cholesky factor, column-major */
	double *alpha;		/* (K + sn2 I)^-1 y */
	double jitter;		/* added to the diagonal by the last factor */
	int factored;		/* L and alpha match X, y and theta */
	const struct mlw_lapack *la;
};

void mlw_gp_init(struct mlw_gp *gp);
void mlw_gp_release(struct mlw_gp *gp);

/*
 * Take n points of p features and their targets (copied).  Length scales
 * are kept when p is unchanged (a warm start for the next optimisation),
 * otherwise set to the defaults (l 0.3, sf2 1, sn2 1e-4).  Returns 0, or
 * MLW_ERROR when LAPACK cannot be loaded.
 */
int mlw_gp_set_data(struct mlw_gp *gp, const double *X, const double *y,
		    size_t n, size_t p);

/*
 * Append points (hyperparameters unchanged) with given targets in raw
 * units, as fantasies for running trials; the factor is redone.  Returns
 * 0 or a negative code.
 */
int mlw_gp_add(struct mlw_gp *gp, const double *X, const double *y, size_t m);

/*
 * The log marginal likelihood at theta (p + 2 values) into *lml and, when
 * grad is not NULL, its gradient; no prior.  Returns 0, or MLW_ENUMERIC
 * when K + sn2 I is not positive definite even with jitter.
 */
int mlw_gp_lml(struct mlw_gp *gp, const double *theta, double *lml,
	       double *grad);

/* The log prior of theta (and its gradient added to grad when not NULL). */
double mlw_gp_log_prior(const struct mlw_gp *gp, const double *theta,
			double *grad);

/*
 * Maximise log marginal likelihood + log prior from the current theta and
 * from restarts random starts drawn from seed; keep the best and factor.
 * Returns 0 or a negative code (MLW_ENUMERIC when no start factors).
 */
int mlw_gp_optimize(struct mlw_gp *gp, size_t restarts, uint64_t seed);

/* Factor with the current theta.  Returns 0 or MLW_ENUMERIC. */
int mlw_gp_factor(struct mlw_gp *gp);

/*
 * Posterior mean and variance of f (raw units; the variance excludes the
 * noise) at m points Xs (m x p): mean[i], var[i].  Factors first when
 * needed.  Returns 0 or a negative code.
 */
int mlw_gp_predict(struct mlw_gp *gp, const double *Xs, size_t m,
		   double *mean, double *var);

/* The kernel k(a, b) with theta (p + 2 values), without noise. */
double mlw_gp_kernel(const double *a, const double *b, size_t p,
		     const double *theta);

#endif
