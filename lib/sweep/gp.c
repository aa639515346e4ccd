/*
 * gp.c - Gaussian-process regression (gp.h).
 *
 * Everything is O(n^3) in the number of observations through LAPACK and
 * O(n^2 p) in plain loops; n is at most a sweep's 1,000 trials and p the
 * features of its search space, so the loops stay simple.
 */
#include "sweep/gp.h"
#include "sweep/rand.h"
#include "ml/lapack.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SQRT5 2.23606797749978969641

/* bounds of the log hyperparameters */
#define LOG_LS_MIN (-5.298317366548036)		/* log 0.005 */
#define LOG_LS_MAX 3.912023005428146		/* log 50 */
#define LOG_SF2_MIN (-4.605170185988091)	/* log 0.01 */
#define LOG_SF2_MAX 4.605170185988092		/* log 100 */
#define LOG_SN2_MIN (-18.420680743952367)	/* log 1e-8 */
#define LOG_SN2_MAX 0.0

/* priors: log l ~ N(log 0.3, 1.5^2), log sf2 ~ N(0, 1.5^2) */
#define PRIOR_LS_MEAN (-1.2039728043259361)	/* log 0.3 */
#define PRIOR_LS_SD 1.5
#define PRIOR_SF2_SD 1.5
#define DEFAULT_LOG_SN2 (-9.210340371976182)	/* log 1e-4 */

void mlw_gp_init(struct mlw_gp *gp)
{
	memset(gp, 0, sizeof(*gp));
	gp->normalize = 1;
	gp->y_scale = 1;
}

void mlw_gp_release(struct mlw_gp *gp)
{
	free(gp->X);
	free(gp->y);
	free(gp->theta);
	free(gp->L);
	free(gp->alpha);
	gp->X = gp->y = gp->theta = gp->L = gp->alpha = NULL;
	gp->n = gp->p = 0;
	gp->factored = 0;
}

static void default_theta(double *theta, size_t p)
{
	size_t d;

	for (d = 0; d < p; d++)
		theta[d] = PRIOR_LS_MEAN;
	theta[p] = 0;
	theta[p + 1] = DEFAULT_LOG_SN2;
}

int mlw_gp_set_data(struct mlw_gp *gp, const double *X, const double *y,
		    size_t n, size_t p)
{
	double sum = 0, ss = 0;
	size_t i;

	if (!gp->la && mlw_lapack_load(&gp->la) < 0)
		return MLW_ERROR;
	if (!gp->theta || gp->p != p) {
		free(gp->theta);
		gp->theta = mlw_calloc(p + 2, sizeof(double));
		default_theta(gp->theta, p);
	}
	free(gp->X);
	free(gp->y);
	gp->X = mlw_malloc(mlw_st_mult(mlw_st_mult(n, p), sizeof(double)) + 1);
	gp->y = mlw_malloc(mlw_st_mult(n, sizeof(double)) + 1);
	if (n && p)
		memcpy(gp->X, X, n * p * sizeof(double));
	gp->n = n;
	gp->p = p;
	for (i = 0; i < n; i++)
		sum += y[i];
	gp->y_mean = n && gp->normalize ? sum / n : 0;
	for (i = 0; i < n; i++)
		ss += (y[i] - gp->y_mean) * (y[i] - gp->y_mean);
	gp->y_scale = n > 1 && gp->normalize && ss > 0 ? sqrt(ss / n) : 1;
	for (i = 0; i < n; i++)
		gp->y[i] = (y[i] - gp->y_mean) / gp->y_scale;
	gp->factored = 0;
	return 0;
}

/* squared distance of a and b with feature d scaled by ils[d] = 1 / l_d */
static double scaled_r2(const double *a, const double *b, const double *ils,
			size_t p)
{
	double r2 = 0;
	size_t d;

	for (d = 0; d < p; d++) {
		double t = (a[d] - b[d]) * ils[d];

		r2 += t * t;
	}
	return r2;
}

static double matern(double r2, double sf2)
{
	double r = sqrt(r2);

	return sf2 * (1 + SQRT5 * r + 5.0 / 3 * r2) * exp(-SQRT5 * r);
}

/* the inverse length scales of theta, the caller's */
static double *inverse_scales(const double *theta, size_t p)
{
	double *ils = mlw_malloc((p + 1) * sizeof(double));
	size_t d;

	for (d = 0; d < p; d++)
		ils[d] = exp(-theta[d]);
	return ils;
}

/* Matern 5/2 with the features scaled by their length scales */
double mlw_gp_kernel(const double *a, const double *b, size_t p,
		     const double *theta)
{
	double *ils = inverse_scales(theta, p), k;

	k = matern(scaled_r2(a, b, ils, p), exp(theta[p]));
	free(ils);
	return k;
}

/*
 * Factor K + (sn2 + jitter) I into L (n x n, column-major, lower) and
 * solve for alpha; the jitter grows from 1e-10 (relative to sf2) until
 * dpotrf succeeds or reaches 1e-2.  K's lower triangle is built into L.
 */
static int factor(struct mlw_gp *gp, const double *theta, double *L,
		  double *alpha, double *jitter_out)
{
	size_t n = gp->n, p = gp->p, i, j;
	double sf2 = exp(theta[p]), sn2 = exp(theta[p + 1]), jitter = 0;
	double *ils = inverse_scales(theta, p);
	int info;

	for (;;) {
		for (j = 0; j < n; j++) {
			for (i = j; i < n; i++)
				L[j * n + i] = matern(scaled_r2(gp->X + i * p,
								gp->X + j * p,
								ils, p), sf2);
			L[j * n + j] += sn2 + jitter;
		}
		info = n ? gp->la->dpotrf(MLW_COL_MAJOR, 'L', (int)n, L,
					  (int)n) : 0;
		if (info < 0)
			BUG("dpotrf argument %d", -info);
		if (!info)
			break;
		jitter = jitter ? jitter * 10 : 1e-10 * sf2;
		if (jitter > 1e-2 * sf2) {
			free(ils);
			return mlw_error_setc(MLW_ENUMERIC, "the Gaussian "
					      "process covariance is not "
					      "positive definite");
		}
	}
	free(ils);
	if (alpha) {
		memcpy(alpha, gp->y, n * sizeof(double));
		if (n && gp->la->dpotrs(MLW_COL_MAJOR, 'L', (int)n, 1, L,
					(int)n, alpha, (int)n))
			BUG("dpotrs failed");
	}
	if (jitter_out)
		*jitter_out = jitter;
	return 0;
}

int mlw_gp_lml(struct mlw_gp *gp, const double *theta, double *lml,
	       double *grad)
{
	size_t n = gp->n, p = gp->p, i, j, d;
	double *L, *alpha, *W = NULL, *ils = NULL, sf2 = exp(theta[p]);
	double fit = 0, det = 0, jitter;
	int ret;

	if (!gp->la && mlw_lapack_load(&gp->la) < 0)
		return MLW_ERROR;
	L = mlw_malloc(mlw_st_mult(mlw_st_mult(n, n), sizeof(double)) + 1);
	alpha = mlw_malloc(n * sizeof(double) + 1);
	ret = factor(gp, theta, L, alpha, &jitter);
	if (ret < 0)
		goto out;
	for (i = 0; i < n; i++) {
		fit += gp->y[i] * alpha[i];
		det += log(L[i * n + i]);
	}
	*lml = -0.5 * fit - det - 0.5 * n * log(2 * M_PI);
	if (!grad)
		goto out;
	/* W = (K + sn2 I)^-1 - alpha alpha' */
	W = mlw_calloc(mlw_st_mult(n, n), sizeof(double));
	for (i = 0; i < n; i++)
		W[i * n + i] = 1;
	if (n && gp->la->dpotrs(MLW_COL_MAJOR, 'L', (int)n, (int)n, L,
				(int)n, W, (int)n))
		BUG("dpotrs failed");
	for (j = 0; j < n; j++)
		for (i = 0; i < n; i++)
			W[j * n + i] -= alpha[i] * alpha[j];
	memset(grad, 0, (p + 2) * sizeof(double));
	/*
	 * d lml = -tr(W dK) / 2; dK/dlog l_d = sf2 5/3 (1 + sqrt5 r)
	 * exp(-sqrt5 r) (dx_d / l_d)^2, dK/dlog sf2 = K_f, dK/dlog sn2 =
	 * sn2 I (the jitter is not a hyperparameter).  W is symmetric: the
	 * pairs i > j count twice.
	 */
	ils = inverse_scales(theta, p);
	for (j = 0; j < n; j++) {
		const double *b = gp->X + j * p;

		grad[p] -= 0.5 * W[j * n + j] * sf2;
		grad[p + 1] -= 0.5 * W[j * n + j] * exp(theta[p + 1]);
		for (i = j + 1; i < n; i++) {
			const double *a = gp->X + i * p;
			double r2 = scaled_r2(a, b, ils, p), r = sqrt(r2);
			double e = exp(-SQRT5 * r), w = W[j * n + i];

			grad[p] -= w * sf2 * (1 + SQRT5 * r + 5.0 / 3 * r2) * e;
			e *= w * sf2 * 5.0 / 3 * (1 + SQRT5 * r);
			for (d = 0; d < p; d++) {
				double t = (a[d] - b[d]) * ils[d];

				grad[d] -= e * t * t;
			}
		}
	}
out:
	free(ils);
	free(W);
	free(L);
	free(alpha);
	return ret;
}

double mlw_gp_log_prior(const struct mlw_gp *gp, const double *theta,
			double *grad)
{
	size_t d, p = gp->p;
	double lp = 0;

	for (d = 0; d < p; d++) {
		double z = (theta[d] - PRIOR_LS_MEAN) / PRIOR_LS_SD;

		lp -= 0.5 * z * z;
		if (grad)
			grad[d] -= z / PRIOR_LS_SD;
	}
	lp -= 0.5 * (theta[p] / PRIOR_SF2_SD) * (theta[p] / PRIOR_SF2_SD);
	if (grad)
		grad[p] -= theta[p] / (PRIOR_SF2_SD * PRIOR_SF2_SD);
	return lp;
}

static void bounds(size_t p, size_t j, double *lo, double *hi)
{
	if (j < p) {
		*lo = LOG_LS_MIN;
		*hi = LOG_LS_MAX;
	} else if (j == p) {
		*lo = LOG_SF2_MIN;
		*hi = LOG_SF2_MAX;
	} else {
		*lo = LOG_SN2_MIN;
		*hi = LOG_SN2_MAX;
	}
}

/* the negated objective (BFGS minimises) and its gradient when g */
static int objective(struct mlw_gp *gp, const double *theta, double *f,
		     double *g)
{
	size_t j, k = gp->p + 2;
	double lml;
	int ret = mlw_gp_lml(gp, theta, &lml, g);

	if (ret < 0)
		return ret;
	*f = -(lml + mlw_gp_log_prior(gp, theta, g));
	for (j = 0; g && j < k; j++)
		g[j] = -g[j];
	return 0;
}

static int clamp_theta(double *theta, size_t p)
{
	size_t j;
	int clamped = 0;

	for (j = 0; j < p + 2; j++) {
		double lo, hi;

		bounds(p, j, &lo, &hi);
		if (theta[j] < lo) {
			theta[j] = lo;
			clamped = 1;
		} else if (theta[j] > hi) {
			theta[j] = hi;
			clamped = 1;
		}
	}
	return clamped;
}

#define BFGS_ITERATIONS 50

/*
 * BFGS on the inverse Hessian H, with an Armijo backtracking line search
 * and projection on the bounds (H restarts from the identity when a step
 * is clamped).  theta is updated in place; *best the final objective.
 */
static int bfgs(struct mlw_gp *gp, double *theta, double *best)
{
	size_t k = gp->p + 2, i, j, it;
	double *H = mlw_calloc(k * k, sizeof(double));
	double *g = mlw_calloc(k, sizeof(double));
	double *g2 = mlw_calloc(k, sizeof(double));
	double *x2 = mlw_calloc(k, sizeof(double));
	double *dir = mlw_calloc(k, sizeof(double));
	double *s = mlw_calloc(k, sizeof(double));
	double *yv = mlw_calloc(k, sizeof(double));
	double *Hy = mlw_calloc(k, sizeof(double));
	double f, f2;
	int ret;

	clamp_theta(theta, gp->p);
	ret = objective(gp, theta, &f, g);
	if (ret < 0)
		goto out;
	for (i = 0; i < k; i++)
		H[i * k + i] = 1;
	for (it = 0; it < BFGS_ITERATIONS; it++) {
		double slope = 0, step = 1, sy = 0, yHy = 0, gnorm = 0;
		int ok = 0, clamped = 0;

		for (i = 0; i < k; i++) {
			dir[i] = 0;
			for (j = 0; j < k; j++)
				dir[i] -= H[i * k + j] * g[j];
			slope += dir[i] * g[i];
			gnorm += g[i] * g[i];
		}
		if (sqrt(gnorm) < 1e-5)
			break;
		if (slope >= 0) {	/* not a descent direction: reset */
			memset(H, 0, k * k * sizeof(double));
			for (i = 0; i < k; i++) {
				H[i * k + i] = 1;
				dir[i] = -g[i];
			}
			slope = -gnorm;
		}
		/* never move a log hyperparameter by more than 3 at once */
		for (i = 0; i < k; i++)
			if (fabs(dir[i]) * step > 3)
				step = 3 / fabs(dir[i]);
		for (; step > 1e-8; step /= 2) {
			for (i = 0; i < k; i++)
				x2[i] = theta[i] + step * dir[i];
			clamped = clamp_theta(x2, gp->p);
			if (objective(gp, x2, &f2, NULL) < 0)
				continue;
			if (f2 <= f + 1e-4 * step * slope ||
			    (clamped && f2 < f)) {
				ok = 1;
				break;
			}
		}
		/* the gradient only where the line search stopped */
		if (!ok || objective(gp, x2, &f2, g2) < 0)
			break;
		for (i = 0; i < k; i++) {
			s[i] = x2[i] - theta[i];
			yv[i] = g2[i] - g[i];
			sy += s[i] * yv[i];
		}
		memcpy(theta, x2, k * sizeof(double));
		memcpy(g, g2, k * sizeof(double));
		if (f - f2 < 1e-9 * (1 + fabs(f))) {
			f = f2;
			break;
		}
		f = f2;
		if (clamped || sy <= 1e-12) {
			memset(H, 0, k * k * sizeof(double));
			for (i = 0; i < k; i++)
				H[i * k + i] = 1;
			continue;
		}
		/* H += (sy + y'Hy) ss' / sy^2 - (Hy s' + s y'H) / sy */
		for (i = 0; i < k; i++) {
			Hy[i] = 0;
			for (j = 0; j < k; j++)
				Hy[i] += H[i * k + j] * yv[j];
			yHy += yv[i] * Hy[i];
		}
		for (i = 0; i < k; i++)
			for (j = 0; j < k; j++)
				H[i * k + j] += (sy + yHy) * s[i] * s[j] /
						(sy * sy) -
						(Hy[i] * s[j] + s[i] * Hy[j]) /
						sy;
	}
	*best = f;
out:
	free(H);
	free(g);
	free(g2);
	free(x2);
	free(dir);
	free(s);
	free(yv);
	free(Hy);
	return ret;
}

int mlw_gp_optimize(struct mlw_gp *gp, size_t restarts, uint64_t seed)
{
	size_t k = gp->p + 2, r, j;
	double *theta = mlw_calloc(k, sizeof(double)), *best = NULL;
	double f, best_f = INFINITY;
	struct mlw_sweep_rng rng;
	int ret;

	mlw_sweep_rng_init(&rng, seed, 0x6b);
	for (r = 0; r <= restarts; r++) {
		if (!r) {
			memcpy(theta, gp->theta, k * sizeof(double));
		} else {
			for (j = 0; j < gp->p; j++)
				theta[j] = PRIOR_LS_MEAN + PRIOR_LS_SD *
					   mlw_sweep_rng_normal(&rng);
			theta[gp->p] = 0.5 * mlw_sweep_rng_normal(&rng);
			theta[gp->p + 1] = LOG_SN2_MIN + 0.7 *
				(LOG_SN2_MAX - LOG_SN2_MIN) *
				mlw_sweep_rng_uniform(&rng);
		}
		if (bfgs(gp, theta, &f) < 0)
			continue;
		if (f < best_f) {
			best_f = f;
			if (!best)
				best = mlw_calloc(k, sizeof(double));
			memcpy(best, theta, k * sizeof(double));
		}
	}
	free(theta);
	if (!best)
		return mlw_error_setc(MLW_ENUMERIC, "cannot fit the Gaussian "
				      "process: %s", mlw_error_last());
	free(gp->theta);
	gp->theta = best;
	gp->factored = 0;
	ret = mlw_gp_factor(gp);
	return ret;
}

int mlw_gp_factor(struct mlw_gp *gp)
{
	size_t n = gp->n;
	int ret;

	if (!gp->la && mlw_lapack_load(&gp->la) < 0)
		return MLW_ERROR;
	free(gp->L);
	free(gp->alpha);
	gp->L = mlw_malloc(mlw_st_mult(mlw_st_mult(n, n), sizeof(double)) + 1);
	gp->alpha = mlw_malloc(n * sizeof(double) + 1);
	ret = factor(gp, gp->theta, gp->L, gp->alpha, &gp->jitter);
	gp->factored = !ret;
	return ret;
}

int mlw_gp_add(struct mlw_gp *gp, const double *X, const double *y, size_t m)
{
	size_t i, n = gp->n + m;

	gp->X = mlw_realloc(gp->X, mlw_st_mult(mlw_st_mult(n, gp->p),
					       sizeof(double)) + 1);
	gp->y = mlw_realloc(gp->y, mlw_st_mult(n, sizeof(double)) + 1);
	if (m)
		memcpy(gp->X + gp->n * gp->p, X, m * gp->p * sizeof(double));
	for (i = 0; i < m; i++)
		gp->y[gp->n + i] = (y[i] - gp->y_mean) / gp->y_scale;
	gp->n = n;
	return mlw_gp_factor(gp);
}

#define PREDICT_BLOCK 256

int mlw_gp_predict(struct mlw_gp *gp, const double *Xs, size_t m,
		   double *mean, double *var)
{
	size_t n = gp->n, p = gp->p, i, j, b, rows;
	double sf2, *Ks, *V, *ils;
	int ret;

	if (!gp->factored && (ret = mlw_gp_factor(gp)) < 0)
		return ret;
	sf2 = exp(gp->theta[p]);
	ils = inverse_scales(gp->theta, p);
	rows = m < PREDICT_BLOCK ? m : PREDICT_BLOCK;
	Ks = mlw_malloc(mlw_st_mult(mlw_st_mult(n, rows), sizeof(double)) + 1);
	V = mlw_malloc(mlw_st_mult(mlw_st_mult(n, rows), sizeof(double)) + 1);
	for (b = 0; b < m; b += PREDICT_BLOCK) {
		rows = m - b < PREDICT_BLOCK ? m - b : PREDICT_BLOCK;
		/* Ks: n x rows, column c the kernel against point b + c */
		for (j = 0; j < rows; j++)
			for (i = 0; i < n; i++)
				Ks[j * n + i] = matern(
					scaled_r2(gp->X + i * p,
						  Xs + (b + j) * p, ils, p),
					sf2);
		if (n) {
			memcpy(V, Ks, n * rows * sizeof(double));
			if (gp->la->dpotrs(MLW_COL_MAJOR, 'L', (int)n,
					   (int)rows, gp->L, (int)n, V,
					   (int)n))
				BUG("dpotrs failed");
		}
		for (j = 0; j < rows; j++) {
			double mu = 0, v = sf2;

			for (i = 0; i < n; i++) {
				mu += Ks[j * n + i] * gp->alpha[i];
				v -= Ks[j * n + i] * V[j * n + i];
			}
			if (v < 1e-12 * sf2)
				v = 1e-12 * sf2;
			mean[b + j] = gp->y_mean + gp->y_scale * mu;
			var[b + j] = gp->y_scale * gp->y_scale * v;
		}
	}
	free(ils);
	free(Ks);
	free(V);
	return 0;
}
