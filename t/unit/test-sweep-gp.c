/*
 * test-sweep-gp.c - unit tests for lib/sweep's Gaussian process: the
 * posterior and the marginal likelihood against a two-point case worked
 * by hand, the likelihood's gradient against finite differences, the
 * fit, targets in raw units.
 */
#include "tap.h"
#include "sweep/gp.h"
#include "sweep/rand.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Matern 5/2 at scaled distance r, sf2 = 1 */
static double matern(double r)
{
	return (1 + sqrt(5) * r + 5.0 / 3 * r * r) * exp(-sqrt(5) * r);
}

/*
 * Two points x = 0 and 1 with targets 1 and -1, l = 0.5, sf2 = 1,
 * sn2 = 0.01, no standardisation; the test point x = 0.25.  By hand:
 * K = [a c; c a] with a = 1 + sn2 and c = k(2); K^-1 = [a -c; -c a] /
 * (a^2 - c^2); mean = k*' K^-1 y, var = 1 - k*' K^-1 k*, lml = -y'K^-1y/2
 * - log det K / 2 - log(2 pi).  Worked numbers: mean 0.62603117986763,
 * var 0.29118109475601, lml -2.98597146705919.
 */
static void test_two_points(void)
{
	double X[2] = { 0, 1 }, y[2] = { 1, -1 }, xs = 0.25, mean, var, lml;
	double a = 1.01, c = matern(2), det = a * a - c * c;
	double k0 = matern(0.5), k1 = matern(1.5);
	double m_hand = (k0 * (a - -c) + k1 * (-c - a)) / det;
	double v_hand = 1 - (k0 * (a * k0 - c * k1) + k1 * (-c * k0 + a * k1)) /
			det;
	double lml_hand = -0.5 * ((a * 1 - c * -1) * 1 +
				  (-c * 1 + a * -1) * -1) / det -
			  0.5 * log(det) - log(2 * M_PI);
	struct mlw_gp gp;

	mlw_gp_init(&gp);
	gp.normalize = 0;
	if (mlw_gp_set_data(&gp, X, y, 2, 1) < 0) {
		ok(0, "LAPACK: %s", mlw_error_last());
		return;
	}
	gp.theta[0] = log(0.5);
	gp.theta[1] = 0;
	gp.theta[2] = log(0.01);
	gp.factored = 0;
	ok(!mlw_gp_predict(&gp, &xs, 1, &mean, &var), "predict");
	ok(fabs(m_hand - 0.62603117986763) < 1e-12 &&
	   fabs(v_hand - 0.29118109475601) < 1e-12,
	   "the hand formulas give the worked numbers");
	ok(fabs(mean - m_hand) < 1e-12, "posterior mean %.15g = %.15g",
	   mean, m_hand);
	ok(fabs(var - v_hand) < 1e-12, "posterior variance %.15g = %.15g",
	   var, v_hand);
	lml = NAN;
	ok(!mlw_gp_lml(&gp, gp.theta, &lml, NULL), "lml");
	ok(fabs(lml - lml_hand) < 1e-12 &&
	   fabs(lml - -2.98597146705919) < 1e-12,
	   "log marginal likelihood %.15g = %.15g", lml, lml_hand);
	ok(fabs(mlw_gp_kernel(&X[0], &xs, 1, gp.theta) - k0) < 1e-15,
	   "the kernel at r = 0.5");
	mlw_gp_release(&gp);
}

/* standardised targets come back in raw units */
static void test_units(void)
{
	double X[3] = { 0, 0.5, 1 }, y[3] = { 10, 12, 11 }, mean[3], var[3];
	struct mlw_gp gp;

	mlw_gp_init(&gp);
	mlw_gp_set_data(&gp, X, y, 3, 1);
	gp.theta[2] = log(1e-6);
	mlw_gp_predict(&gp, X, 3, mean, var);
	ok(fabs(mean[0] - 10) < 1e-3 && fabs(mean[1] - 12) < 1e-3 &&
	   fabs(mean[2] - 11) < 1e-3 && var[0] < 1e-4,
	   "predictions at the data are the targets, in raw units");
	mlw_gp_release(&gp);
}

static void test_gradient(void)
{
	enum { N = 12, P = 3 };
	double X[N * P], y[N], theta[P + 2], grad[P + 2], pgrad[P + 2];
	double worst = 0, pworst = 0, f0, f1, lml0, base;
	struct mlw_sweep_rng rng;
	struct mlw_gp gp;
	size_t i, j;

	mlw_sweep_rng_init(&rng, 11, 0);
	for (i = 0; i < N * P; i++)
		X[i] = mlw_sweep_rng_uniform(&rng);
	for (i = 0; i < N; i++)
		y[i] = sin(6 * X[i * P]) + X[i * P + 1] * X[i * P + 2] +
		       0.1 * mlw_sweep_rng_normal(&rng);
	theta[0] = log(0.4);
	theta[1] = log(0.9);
	theta[2] = log(2.5);
	theta[3] = log(1.3);
	theta[4] = log(0.05);
	mlw_gp_init(&gp);
	mlw_gp_set_data(&gp, X, y, N, P);
	if (mlw_gp_lml(&gp, theta, &lml0, grad) < 0) {
		ok(0, "lml: %s", mlw_error_last());
		return;
	}
	for (j = 0; j < P + 2; j++) {
		double t[P + 2], h = 1e-5, fd;

		memcpy(t, theta, sizeof(t));
		t[j] += h;
		mlw_gp_lml(&gp, t, &f1, NULL);
		t[j] -= 2 * h;
		mlw_gp_lml(&gp, t, &f0, NULL);
		fd = (f1 - f0) / (2 * h);
		worst = fmax(worst, fabs(fd - grad[j]) / fmax(1, fabs(fd)));
		memset(pgrad, 0, sizeof(pgrad));
		mlw_gp_log_prior(&gp, theta, pgrad);
		t[j] += 2 * h;
		f1 = mlw_gp_log_prior(&gp, t, NULL);
		t[j] -= 2 * h;
		f0 = mlw_gp_log_prior(&gp, t, NULL);
		pworst = fmax(pworst, fabs((f1 - f0) / (2 * h) - pgrad[j]));
	}
	ok(worst < 1e-6, "the marginal likelihood's gradient matches finite "
	   "differences (worst relative %g)", worst);
	ok(pworst < 1e-6, "so does the prior's (worst %g)", pworst);

	/* the fit improves the penalised likelihood */
	base = lml0 + mlw_gp_log_prior(&gp, theta, NULL);
	memcpy(gp.theta, theta, sizeof(theta));
	ok(!mlw_gp_optimize(&gp, 2, 5), "optimize");
	mlw_gp_lml(&gp, gp.theta, &f1, NULL);
	f1 += mlw_gp_log_prior(&gp, gp.theta, NULL);
	ok(f1 > base + 1e-3, "the fit raises log p(y|theta) + log prior "
	   "from %g to %g", base, f1);
	memcpy(theta, gp.theta, sizeof(theta));
	mlw_gp_lml(&gp, theta, &lml0, grad);
	memset(pgrad, 0, sizeof(pgrad));
	mlw_gp_log_prior(&gp, theta, pgrad);
	worst = 0;
	for (j = 0; j < P + 2; j++)
		if (theta[j] > -18 && theta[j] < 3.9)	/* not on a bound */
			worst = fmax(worst, fabs(grad[j] + pgrad[j]));
	ok(worst < 1e-2, "at the optimum the gradient vanishes (%g)", worst);
	mlw_gp_release(&gp);
}

/* a fantasy point pulls the variance down where it is added */
static void test_fantasy(void)
{
	double X[2] = { 0.1, 0.9 }, y[2] = { 1, 2 }, xp = 0.5, m, v, m2, v2;
	struct mlw_gp gp;

	mlw_gp_init(&gp);
	mlw_gp_set_data(&gp, X, y, 2, 1);
	mlw_gp_predict(&gp, &xp, 1, &m, &v);
	mlw_gp_add(&gp, &xp, &m, 1);
	mlw_gp_predict(&gp, &xp, 1, &m2, &v2);
	ok(fabs(m2 - m) < 1e-6 && v2 < v / 10,
	   "a point added at the mean keeps the mean, collapses the variance "
	   "(%g -> %g)", v, v2);
	mlw_gp_release(&gp);
}

int main(void)
{
	test_two_points();
	test_units();
	test_gradient();
	test_fantasy();
	return done_testing();
}
