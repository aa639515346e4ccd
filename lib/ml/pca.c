/*
 * pca.c - principal component analysis (pca.h).
 */
#include "ml/pca.h"
#include "ml/lapack.h"
#include "ml/metrics.h"
#include "ml/model.h"
#include "ml/params.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double *dalloc(size_t n)
{
	return mlw_calloc(n + 1, sizeof(double));
}

int mlw_pca_fit(struct mlw_pca_model *out, const double *X, size_t n,
		size_t p, size_t ncomp, int whiten)
{
	return mlw_pca_fit_ctx(out, X, n, p, ncomp, whiten, NULL);
}

int mlw_pca_fit_ctx(struct mlw_pca_model *out, const double *X, size_t nr,
		    size_t p, size_t ncomp, int whiten,
		    struct mlw_train_ctx *ctx)
{
	const struct mlw_lapack *la;
	struct mlw_pca_model m = { 0 };
	/* n: every rank's rows (distributed), nr: this rank's */
	size_t n = mlw_train_total(ctx, nr), mn = n < p ? n : p, i, j, r;
	double *Xc, *S, *V, total = 0;	/* V: p x mn, column r = component r */
	int info, covariance = n >= 10 * p && p <= 1000;

	if (mlw_train_distributed(ctx) && !covariance)
		return mlw_error_setc(MLW_EINVALID,
			"pca on %zu rows x %zu features takes the SVD of all rows at once: under MPI it needs at least 10 rows a feature and at most 1000 features (the covariance solver); train in one process",
			n, p);
	if (n < 2)
		return mlw_error_setc(MLW_EINVALID, "pca needs at least two rows");
	if (ncomp > mn)
		return mlw_error_setc(MLW_EINVALID,
				      "pca: %zu components is more than min(rows, features) = %zu",
				      ncomp, mn);
	if (!ncomp)
		ncomp = mn;
	if (mlw_lapack_load(&la) < 0)
		return -1;
	m.nr_features = p;
	m.nr_components = ncomp;
	m.whiten = whiten;
	m.mean = dalloc(p);
	Xc = dalloc(mlw_st_mult(nr, p));
	for (j = 0; j < p; j++)
		for (i = 0; i < nr; i++)
			m.mean[j] += X[j * nr + i];
	mlw_train_sum(ctx, m.mean, p);
	for (j = 0; j < p; j++) {
		m.mean[j] /= (double)n;
		for (i = 0; i < nr; i++)
			Xc[j * nr + i] = X[j * nr + i] - m.mean[j];
	}
	S = dalloc(mn);
	V = dalloc(p * mn);
	if (covariance) {
		double *C = dalloc(p * p), *w = dalloc(p);

		m.solver = "syevd";
		if (nr)
			la->dsyrk(MLW_COL_MAJOR, MLW_LOWER, MLW_TRANS, (int)p,
				  (int)nr, 1, Xc, (int)nr, 0, C, (int)p);
		/* distributed: the scatter matrix of every rank's rows */
		mlw_train_sum(ctx, C, p * p);
		info = la->dsyevd(MLW_COL_MAJOR, 'V', 'L', (int)p, C, (int)p, w);
		/* ascending: component r is eigenvector p - 1 - r */
		for (r = 0; !info && r < p; r++) {
			double l = w[p - 1 - r];

			S[r] = sqrt(l > 0 ? l : 0);
			memcpy(V + r * p, C + (p - 1 - r) * p, p * sizeof(double));
		}
		free(C);
		free(w);
	} else {
		double *U = dalloc(mlw_st_mult(n, mn)), *Vt = dalloc(mn * p);

		m.solver = "gesdd";
		info = la->dgesdd(MLW_COL_MAJOR, 'S', (int)n, (int)p, Xc, (int)n,
				  S, U, (int)n, Vt, (int)mn);
		for (r = 0; !info && r < mn; r++)
			for (j = 0; j < p; j++)
				V[r * p + j] = Vt[j * mn + r];
		free(U);
		free(Vt);
	}
	free(Xc);
	if (info < 0)
		BUG("%s: argument %d is wrong", m.solver, -info);
	if (info > 0) {
		free(S);
		free(V);
		mlw_pca_release(&m);
		return mlw_error_setc(MLW_ENUMERIC, "pca: %s did not converge",
				      m.solver);
	}
	for (r = 0; r < mn; r++)
		total += S[r] * S[r] / (double)(n - 1);
	m.components = dalloc(ncomp * p);
	m.explained_variance = dalloc(ncomp);
	m.explained_variance_ratio = dalloc(ncomp);
	m.singular_values = dalloc(ncomp);
	for (r = 0; r < ncomp; r++) {
		size_t big = 0;
		double sign;

		for (j = 1; j < p; j++)
			if (fabs(V[r * p + j]) > fabs(V[r * p + big]))
				big = j;
		sign = V[r * p + big] < 0 ? -1 : 1;
		for (j = 0; j < p; j++)
			m.components[j * ncomp + r] = sign * V[r * p + j];
		m.singular_values[r] = S[r];
		m.explained_variance[r] = S[r] * S[r] / (double)(n - 1);
		m.explained_variance_ratio[r] = total > 0 ?
			m.explained_variance[r] / total : 0;
	}
	if (ncomp < mn) {
		for (r = ncomp; r < mn; r++)
			m.noise_variance += S[r] * S[r] / (double)(n - 1);
		m.noise_variance /= (double)(mn - ncomp);
	}
	free(S);
	free(V);
	*out = m;
	return 0;
}

/*
 * Row by row, each component's sum over the features in a fixed order,
 * so a row's components never depend on the rows transformed with it
 * (see mlw_kernel_ridge_predict()).
 */
int mlw_pca_transform(double *out, const struct mlw_pca_model *m,
		      const double *X, size_t n)
{
	size_t p = m->nr_features, k = m->nr_components, i, j, r;
	double *acc = dalloc(k), *scale = dalloc(k);

	for (r = 0; r < k; r++)
		scale[r] = m->whiten ? sqrt(m->explained_variance[r]) : 1;
	for (i = 0; i < n; i++) {
		for (r = 0; r < k; r++)
			acc[r] = 0;
		for (j = 0; j < p; j++) {
			double x = X[j * n + i] - m->mean[j];
			const double *c = m->components + j * k;

			for (r = 0; r < k; r++)
				acc[r] += x * c[r];
		}
		for (r = 0; r < k; r++)
			out[r * n + i] = m->whiten ? acc[r] / scale[r] : acc[r];
	}
	free(acc);
	free(scale);
	return 0;
}

void mlw_pca_release(struct mlw_pca_model *m)
{
	free(m->mean);
	free(m->components);
	free(m->explained_variance);
	free(m->explained_variance_ratio);
	free(m->singular_values);
	m->mean = m->components = m->explained_variance = NULL;
	m->explained_variance_ratio = m->singular_values = NULL;
}

/* ---- the trainer ---- */

enum { HP_N_COMPONENTS, HP_WHITEN };

static const struct mlw_hparam pca_hparams[] = {
	[HP_N_COMPONENTS] = { "n_components", MLW_HPARAM_INT, "K",
			      "components (min(rows, features))", 0, 1,
			      1000000000, NULL, 0 },
	[HP_WHITEN] = { "whiten", MLW_HPARAM_BOOL, NULL,
			"scale components to unit variance", 0, 0, 1, NULL,
			0 },
};

static int pca_fit_model(struct mlw_model *m, const struct mlw_hparams *hp,
			 const struct mlw_fit_input *in,
			 struct mlw_train_ctx *ctx)
{
	int ret;

	/* distributed: a rank's rows say nothing of the whole column */
	if (!mlw_train_distributed(ctx))
		mlw_warn_constant_columns(ctx, in->X, in->n, in->p, in->names);
	ret = mlw_pca_fit_ctx(&m->pca, in->X, in->n, in->p,
			      (size_t)hp->value[HP_N_COMPONENTS],
			      hp->value[HP_WHITEN] != 0, ctx);
	m->linear.solver = m->pca.solver;
	m->linear.converged = 1;
	return ret;
}

static int pca_predict(double *out, const struct mlw_model *m,
		       const double *X, size_t n, int nr_threads)
{
	return mlw_pca_transform(out, &m->pca, X, n);
}

static size_t pca_outputs(const struct mlw_model *m)
{
	return m->pca.nr_components;
}

static size_t pca_scores(struct mlw_metric *out, const struct mlw_model *m,
			 const struct mlw_fit_input *in)
{
	double total = 0;
	size_t k;

	for (k = 0; k < m->pca.nr_components; k++)
		total += m->pca.explained_variance_ratio[k];
	out[0].name = "explained_variance_ratio_total";
	out[0].value = total;
	out[1].name = "noise_variance";
	out[1].value = m->pca.noise_variance;
	return 2;
}

static void pca_write(struct mlw_buf *b, const struct mlw_model *m)
{
	const struct mlw_pca_model *pc = &m->pca;
	size_t k = pc->nr_components, p = pc->nr_features;

	mlw_params_put_u64(b, k);
	mlw_params_put_u32(b, (uint32_t)pc->whiten);
	mlw_params_put_f64s(b, pc->mean, p);
	mlw_params_put_f64s(b, pc->components, k * p);
	mlw_params_put_f64s(b, pc->explained_variance, k);
	mlw_params_put_f64s(b, pc->explained_variance_ratio, k);
	mlw_params_put_f64s(b, pc->singular_values, k);
	mlw_params_put_f64(b, pc->noise_variance);
}

static void pca_read(struct mlw_params_reader *r, struct mlw_model *m)
{
	struct mlw_pca_model *pc = &m->pca;
	size_t K, p = m->linear.nr_features;
	uint32_t whiten;

	pc->nr_features = p;
	K = pc->nr_components = mlw_params_count(r, 8, "pca.nr_components");
	whiten = mlw_params_u32(r, "pca.whiten");
	pc->whiten = whiten == 1;
	pc->mean = mlw_params_f64s(r, p, "pca.mean");
	pc->components = mlw_params_matrix(r, K, p, "pca.components");
	pc->explained_variance = mlw_params_f64s(r, K,
						 "pca.explained_variance");
	pc->explained_variance_ratio = mlw_params_f64s(r, K,
					"pca.explained_variance_ratio");
	pc->singular_values = mlw_params_f64s(r, K, "pca.singular_values");
	pc->noise_variance = mlw_params_f64(r, "pca.noise_variance");
	pc->solver = "";
	if (!r->bad && whiten > 1)
		mlw_params_fail(r, "pca.whiten", "%u", (unsigned)whiten);
	else if (!r->bad && !K)
		mlw_params_fail(r, "pca.nr_components", "no components");
}

static void pca_validate(struct mlw_params_reader *r,
			 const struct mlw_model *m)
{
	mlw_model_expect_outputs(r, m, 0);
}

static void pca_describe(struct mlw_out *o, const struct mlw_model *m,
			 const struct mlw_hparams *hp)
{
	const struct mlw_pca_model *pc = &m->pca;
	size_t k = pc->nr_components;

	mlw_out_object_begin(o, "pca");
	mlw_trainer_out_matrix(o, "components", pc->components, k,
			       pc->nr_features);
	mlw_trainer_out_vector(o, "explained_variance", pc->explained_variance,
			       k);
	mlw_trainer_out_vector(o, "explained_variance_ratio",
			       pc->explained_variance_ratio, k);
	mlw_trainer_out_vector(o, "singular_values", pc->singular_values, k);
	mlw_trainer_out_vector(o, "mean", pc->mean, pc->nr_features);
	mlw_out_num(o, "noise_variance", pc->noise_variance);
	mlw_out_bool(o, "whiten", pc->whiten);
	mlw_out_end(o);
}

static void pca_release_model(struct mlw_model *m)
{
	mlw_pca_release(&m->pca);
}

/* a centred copy, then X'X or the thin SVD's factors */
static double pca_memory(const struct mlw_hparams *hp, size_t n, size_t p,
			 size_t nr_classes)
{
	double N = (double)n, P = (double)p, mn = N < P ? N : P;

	if (n >= 10 * p && p <= 1000)
		return 8 * (N * P + 2 * P * P);
	return 8 * (N * P + N * mn + mn * P);
}

const struct mlw_trainer mlw_pca_trainer = {
	.name = "pca",
	.algorithm = MLW_ALGO_PCA,
	.task = MLW_TASK_DECOMPOSITION,
	.estimator = "PCA",
	.hparams = pca_hparams,
	.nr_hparams = sizeof(pca_hparams) / sizeof(*pca_hparams),
	.fit = pca_fit_model,
	.predict = pca_predict,
	.nr_outputs = pca_outputs,
	.write_params = pca_write,
	.read_params = pca_read,
	.validate = pca_validate,
	.scores = pca_scores,
	.describe = pca_describe,
	.memory = pca_memory,
	.release = pca_release_model,
};
