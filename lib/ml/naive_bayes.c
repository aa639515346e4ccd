/*
 * naive_bayes.c - Gaussian naive Bayes (naive_bayes.h).
 *
 * Means and variances are two-pass (mean first, then squared
 * deviations), as numpy's average does: the one-pass sum of squares
 * loses every digit on columns with a large mean and a small spread.
 */
#include "ml/naive_bayes.h"
#include "ml/model.h"
#include "ml/params.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/output.h"
#include "util/strutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int mlw_gaussian_nb_fit(struct mlw_gaussian_nb_model *out, const double *X,
			size_t n, size_t p, const double *y, size_t K,
			double var_smoothing, const char *const *names,
			struct mlw_train_ctx *ctx)
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
			mlw_train_warn(ctx,
				"column '%s' is constant; only var_smoothing keeps its variance above zero",
				names ? names[j] : "?");
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

/* ---- the trainer ---- */

static const struct mlw_hparam nb_hparams[] = {
	{ "var_smoothing", MLW_HPARAM_FLOAT, "V",
	  "variance floor, a share of the largest (1e-9)", 1e-9, 0, INFINITY,
	  NULL, MLW_HPARAM_OPEN_MIN },
};

static int nb_fit(struct mlw_model *m, const struct mlw_hparams *hp,
		  const struct mlw_fit_input *in, struct mlw_train_ctx *ctx)
{
	m->linear.solver = "closed form";
	m->linear.converged = 1;
	return mlw_gaussian_nb_fit(&m->gaussian_nb, in->X, in->n, in->p, in->y,
				   in->nr_classes, hp->value[0],
				   (const char *const *)in->names, ctx);
}

static int nb_predict(double *out, const struct mlw_model *m,
		      const double *X, size_t n, int nr_threads)
{
	mlw_gaussian_nb_predict(out, NULL, &m->gaussian_nb, X, n);
	return 0;
}

static size_t nb_outputs(const struct mlw_model *m)
{
	return m->target.nr_classes;
}

static void nb_write(struct mlw_buf *b, const struct mlw_model *m)
{
	const struct mlw_gaussian_nb_model *nb = &m->gaussian_nb;
	size_t K = nb->nr_classes, p = nb->nr_features;

	mlw_params_put_u64(b, K);
	mlw_params_put_f64s(b, nb->theta, K * p);
	mlw_params_put_f64s(b, nb->var, K * p);
	mlw_params_put_f64s(b, nb->class_prior, K);
	mlw_params_put_f64s(b, nb->class_count, K);
	mlw_params_put_f64(b, nb->epsilon);
}

static void nb_read(struct mlw_params_reader *r, struct mlw_model *m)
{
	struct mlw_gaussian_nb_model *nb = &m->gaussian_nb;
	size_t K, p = m->linear.nr_features, i;

	nb->nr_features = p;
	K = nb->nr_classes = mlw_params_count(r, 8, "gaussian_nb.nr_classes");
	nb->theta = mlw_params_matrix(r, K, p, "gaussian_nb.theta");
	nb->var = mlw_params_matrix(r, K, p, "gaussian_nb.var");
	nb->class_prior = mlw_params_f64s(r, K, "gaussian_nb.class_prior");
	nb->class_count = mlw_params_f64s(r, K, "gaussian_nb.class_count");
	nb->epsilon = mlw_params_f64(r, "gaussian_nb.epsilon");
	for (i = 0; !r->bad && i < K * p; i++)
		if (!(nb->var[i] > 0))
			mlw_params_fail(r, "gaussian_nb.var", "%g", nb->var[i]);
}

static void nb_validate(struct mlw_params_reader *r,
			const struct mlw_model *m)
{
	if (m->gaussian_nb.nr_classes != m->target.nr_classes)
		mlw_params_fail(r, "gaussian_nb.nr_classes",
				"%zu for %zu classes", m->gaussian_nb.nr_classes,
				m->target.nr_classes);
	else
		mlw_model_expect_outputs(r, m, 0);
}

static void nb_describe(struct mlw_out *o, const struct mlw_model *m,
			const struct mlw_hparams *hp)
{
	const struct mlw_gaussian_nb_model *nb = &m->gaussian_nb;

	mlw_out_object_begin(o, "gaussian_nb");
	mlw_trainer_out_matrix(o, "theta", nb->theta, nb->nr_classes,
			       nb->nr_features);
	mlw_trainer_out_matrix(o, "var", nb->var, nb->nr_classes,
			       nb->nr_features);
	mlw_trainer_out_vector(o, "class_prior", nb->class_prior,
			       nb->nr_classes);
	mlw_trainer_out_vector(o, "class_count", nb->class_count,
			       nb->nr_classes);
	mlw_out_num(o, "epsilon", nb->epsilon);
	mlw_out_end(o);
}

static void nb_release(struct mlw_model *m)
{
	mlw_gaussian_nb_release(&m->gaussian_nb);
}

const struct mlw_trainer mlw_gaussian_nb_trainer = {
	.name = "gaussian_nb",
	.algorithm = MLW_ALGO_GAUSSIAN_NB,
	.task = MLW_TASK_CLASSIFICATION,
	.estimator = "GaussianNB",
	.hparams = nb_hparams,
	.nr_hparams = sizeof(nb_hparams) / sizeof(*nb_hparams),
	.fit = nb_fit,
	.predict = nb_predict,
	.nr_outputs = nb_outputs,
	.write_params = nb_write,
	.read_params = nb_read,
	.validate = nb_validate,
	.describe = nb_describe,
	.release = nb_release,
};
