/*
 * naive_bayes.c - Gaussian naive Bayes (naive_bayes.h).
 *
 * Means and variances are two-pass (mean first, then squared
 * deviations), as numpy's average does: the one-pass sum of squares
 * loses every digit on columns with a large mean and a small spread.
 */
#include "ml/naive_bayes.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/strutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int mlw_gaussian_nb_fit(struct mlw_gaussian_nb_model *out, const double *X,
			size_t n, size_t p, const double *y, size_t K,
			double var_smoothing, const char *const *names,
			struct mlw_strlist *warnings)
{
	struct mlw_gaussian_nb_model m = { 0 };
	size_t i, j, k, nr_constant = 0;
	double maxvar = 0;

	if (K < 2)
		return mlw_error_setc(MLW_EINVALID,
				      "gaussian_nb needs at least two classes");
	m.nr_classes = K;
	m.nr_features = p;
	m.theta = mlw_calloc(K * p + 1, sizeof(double));
	m.var = mlw_calloc(K * p + 1, sizeof(double));
	m.class_prior = mlw_calloc(K + 1, sizeof(double));
	m.class_count = mlw_calloc(K + 1, sizeof(double));
	for (i = 0; i < n; i++)
		m.class_count[(size_t)y[i]] += 1;
	for (k = 0; k < K; k++)
		if (!m.class_count[k]) {
			mlw_gaussian_nb_release(&m);
			return mlw_error_setc(MLW_EINVALID,
					      "gaussian_nb: class %zu has no rows", k);
		}
	for (j = 0; j < p; j++) {
		const double *x = X + j * n;
		double mean = 0, var = 0;

		for (i = 0; i < n; i++)
			mean += x[i];
		mean /= (double)n;
		for (i = 0; i < n; i++)
			var += (x[i] - mean) * (x[i] - mean);
		var /= (double)n;
		if (var > maxvar)
			maxvar = var;
		if (var == 0) {
			nr_constant++;
			if (warnings)
				mlw_strlist_push_owned(warnings, mlw_xstrfmt(
					"column '%s' is constant; only var_smoothing keeps its variance above zero",
					names ? names[j] : "?"));
		}
		for (i = 0; i < n; i++)
			m.theta[j * K + (size_t)y[i]] += x[i];
		for (k = 0; k < K; k++)
			m.theta[j * K + k] /= m.class_count[k];
		for (i = 0; i < n; i++) {
			double d = x[i] - m.theta[j * K + (size_t)y[i]];

			m.var[j * K + (size_t)y[i]] += d * d;
		}
		for (k = 0; k < K; k++)
			m.var[j * K + k] /= m.class_count[k];
	}
	m.epsilon = var_smoothing * maxvar;
	if (m.epsilon <= 0) {
		mlw_gaussian_nb_release(&m);
		return mlw_error_setc(MLW_EINVALID,
			nr_constant == p ?
			"gaussian_nb: every feature column is constant" :
			"gaussian_nb: --var-smoothing must be positive");
	}
	for (i = 0; i < K * p; i++)
		m.var[i] += m.epsilon;
	for (k = 0; k < K; k++)
		m.class_prior[k] = m.class_count[k] / (double)n;
	*out = m;
	return 0;
}

void mlw_gaussian_nb_predict(double *out, double *jll,
			     const struct mlw_gaussian_nb_model *m,
			     const double *X, size_t n)
{
	size_t K = m->nr_classes, p = m->nr_features, i, j, k;

	for (k = 0; k < K; k++) {
		double *z = out + k * n, c = 0;

		/* sklearn: -0.5 sum log(2 pi var) first, then the quadratic */
		for (j = 0; j < p; j++)
			c += log(2 * M_PI * m->var[j * K + k]);
		c *= -0.5;
		for (i = 0; i < n; i++)
			z[i] = 0;
		for (j = 0; j < p; j++) {
			const double *x = X + j * n;
			double t = m->theta[j * K + k], v = m->var[j * K + k];

			for (i = 0; i < n; i++)
				z[i] += (x[i] - t) * (x[i] - t) / v;
		}
		for (i = 0; i < n; i++)
			z[i] = log(m->class_prior[k]) + (c - 0.5 * z[i]);
	}
	if (jll)
		memcpy(jll, out, n * K * sizeof(double));
	for (i = 0; i < n; i++) {
		double zmax = -INFINITY, s = 0;

		for (k = 0; k < K; k++)
			if (out[k * n + i] > zmax)
				zmax = out[k * n + i];
		for (k = 0; k < K; k++)
			s += exp(out[k * n + i] - zmax);
		s = zmax + log(s);
		for (k = 0; k < K; k++)
			out[k * n + i] = exp(out[k * n + i] - s);
	}
}

void mlw_gaussian_nb_release(struct mlw_gaussian_nb_model *m)
{
	free(m->theta);
	free(m->var);
	free(m->class_prior);
	free(m->class_count);
	memset(m, 0, sizeof(*m));
}
