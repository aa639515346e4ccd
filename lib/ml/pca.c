/*
 * pca.c - principal component analysis (pca.h).
 */
#include "ml/pca.h"
#include "ml/lapack.h"
#include "util/alloc.h"
#include "util/error.h"

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
	const struct mlw_lapack *la;
	struct mlw_pca_model m = { 0 };
	size_t mn = n < p ? n : p, i, j, r;
	double *Xc, *S, *V, total = 0;	/* V: p x mn, column r = component r */
	int info;

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
	Xc = dalloc(mlw_st_mult(n, p));
	for (j = 0; j < p; j++) {
		for (i = 0; i < n; i++)
			m.mean[j] += X[j * n + i];
		m.mean[j] /= (double)n;
		for (i = 0; i < n; i++)
			Xc[j * n + i] = X[j * n + i] - m.mean[j];
	}
	S = dalloc(mn);
	V = dalloc(p * mn);
	if (n >= 10 * p && p <= 1000) {
		double *C = dalloc(p * p), *w = dalloc(p);

		m.solver = "syevd";
		la->dsyrk(MLW_COL_MAJOR, MLW_LOWER, MLW_TRANS, (int)p, (int)n, 1,
			  Xc, (int)n, 0, C, (int)p);
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

int mlw_pca_transform(double *out, const struct mlw_pca_model *m,
		      const double *X, size_t n)
{
	const struct mlw_lapack *la;
	size_t p = m->nr_features, k = m->nr_components, i, j, r;
	double *Xc;

	if (mlw_lapack_load(&la) < 0)
		return -1;
	Xc = dalloc(mlw_st_mult(n, p));
	for (j = 0; j < p; j++)
		for (i = 0; i < n; i++)
			Xc[j * n + i] = X[j * n + i] - m->mean[j];
	la->dgemm(MLW_COL_MAJOR, MLW_NO_TRANS, MLW_TRANS, (int)n, (int)k,
		  (int)p, 1, Xc, (int)n, m->components, (int)k, 0, out, (int)n);
	free(Xc);
	for (r = 0; m->whiten && r < k; r++) {
		double s = sqrt(m->explained_variance[r]);

		for (i = 0; i < n; i++)
			out[r * n + i] /= s;
	}
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
