/*
 * lda.c - linear discriminant analysis (lda.h), step for step the
 * computation of scikit-learn 1.2's LinearDiscriminantAnalysis so that
 * the two agree to rounding, including on rank-deficient data.
 */
#include "ml/lda.h"
#include "ml/lapack.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/strutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const solver_names[] = {
	[MLW_LDA_SVD] = "svd",
	[MLW_LDA_LSQR] = "lsqr",
	[MLW_LDA_EIGEN] = "eigen",
};

int mlw_lda_solver_parse(enum mlw_lda_solver *out, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(solver_names) / sizeof(*solver_names); i++)
		if (!strcmp(name, solver_names[i])) {
			*out = (enum mlw_lda_solver)i;
			return 0;
		}
	return mlw_error_setc(MLW_EINVALID,
			      "unknown lda solver '%s' (svd, lsqr, eigen)", name);
}

const char *mlw_lda_solver_name(enum mlw_lda_solver solver)
{
	return solver_names[solver];
}

void mlw_lda_params_init(struct mlw_lda_params *p)
{
	memset(p, 0, sizeof(*p));
	p->solver = MLW_LDA_SVD;
	p->shrinkage = -1;
	p->tol = 1e-4;
}

static double *dalloc(size_t n)
{
	return mlw_calloc(n + 1, sizeof(double));
}

/*
 * The covariance (p x p, full) of the nr rows of X listed in rows, as
 * scikit-learn's _cov(): the biased empirical covariance, shrunk by a
 * fixed amount, or by Ledoit-Wolf's on the standardised rows.
 */
static void covariance(double *S, const struct mlw_lapack *la,
		       const double *X, size_t ldx, const size_t *rows,
		       size_t nr, size_t p, const struct mlw_lda_params *par)
{
	double *Z = dalloc(nr * p), *mean = dalloc(p), *scale = dalloc(p);
	double mu = 0, s = par->shrinkage;
	size_t i, j, k;

	for (j = 0; j < p; j++) {
		double sum = 0, var = 0;

		for (i = 0; i < nr; i++)
			sum += (Z[j * nr + i] = X[j * ldx + rows[i]]);
		mean[j] = sum / (double)nr;
		for (i = 0; i < nr; i++) {
			double d = Z[j * nr + i] - mean[j];

			var += d * d;
		}
		var /= (double)nr;
		scale[j] = 1;
		if (par->shrinkage_auto) {
			/* StandardScaler: constant within rounding -> 1 */
			double ub = (double)nr * DBL_EPSILON * var +
				    pow((double)nr * mean[j] * DBL_EPSILON, 2);

			scale[j] = var <= ub ? 1 : sqrt(var);
		}
		for (i = 0; i < nr; i++)
			Z[j * nr + i] = (Z[j * nr + i] - mean[j]) / scale[j];
		if (par->shrinkage_auto) {
			/* ledoit_wolf centres the standardised data again */
			sum = 0;
			for (i = 0; i < nr; i++)
				sum += Z[j * nr + i];
			sum /= (double)nr;
			for (i = 0; i < nr; i++)
				Z[j * nr + i] -= sum;
		}
	}
	la->dsyrk(MLW_COL_MAJOR, MLW_LOWER, MLW_TRANS, (int)p, (int)nr, 1, Z,
		  (int)nr, 0, S, (int)p);
	for (j = 0; j < p; j++)
		for (k = j; k < p; k++)
			S[j * p + k] = S[k * p + j] = S[j * p + k] / (double)nr;
	for (j = 0; j < p; j++)
		mu += S[j * p + j];
	mu /= (double)p;
	if (par->shrinkage_auto && p == 1) {
		s = 0;
	} else if (par->shrinkage_auto) {
		/* ledoit_wolf_shrinkage() */
		double delta_ = 0, beta_ = 0, beta, delta;

		for (j = 0; j < p * p; j++)
			delta_ += S[j] * S[j];	/* (X'X / n)^2 summed */
		for (i = 0; i < nr; i++) {
			double r = 0;

			for (j = 0; j < p; j++)
				r += Z[j * nr + i] * Z[j * nr + i];
			beta_ += r * r;	/* sum of (X^2)'(X^2) */
		}
		beta = 1.0 / ((double)p * (double)nr) *
		       (beta_ / (double)nr - delta_);
		delta = delta_ - 2.0 * mu * mu * (double)p +
			(double)p * mu * mu;
		delta /= (double)p;
		if (beta > delta)
			beta = delta;
		s = beta == 0 ? 0 : beta / delta;
	}
	if (s > 0) {
		for (j = 0; j < p * p; j++)
			S[j] *= 1 - s;
		for (j = 0; j < p; j++)
			S[j * p + j] += s * mu;
	}
	if (par->shrinkage_auto)
		for (j = 0; j < p; j++)
			for (k = 0; k < p; k++)
				S[j * p + k] *= scale[j] * scale[k];
	free(Z);
	free(mean);
	free(scale);
}

/* sum_k priors[k] cov(rows of class k): the within-class covariance */
static void class_covariance(double *Sw, const struct mlw_lapack *la,
			     const double *X, size_t n, size_t p,
			     const double *y, size_t K, const double *priors,
			     const struct mlw_lda_params *par)
{
	size_t *rows = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
	double *S = dalloc(p * p);
	size_t i, k, nr;

	memset(Sw, 0, p * p * sizeof(double));
	for (k = 0; k < K; k++) {
		for (nr = i = 0; i < n; i++)
			if ((size_t)y[i] == k)
				rows[nr++] = i;
		covariance(S, la, X, n, rows, nr, p, par);
		for (i = 0; i < p * p; i++)
			Sw[i] += priors[k] * S[i];
	}
	free(rows);
	free(S);
}

/* C (m x n, ld m) = A (m x k, ld lda) op(B) */
static void gemm(const struct mlw_lapack *la, int transb, size_t m,
		 size_t n, size_t k, const double *A, size_t lda,
		 const double *B, size_t ldb, double *C)
{
	la->dgemm(MLW_COL_MAJOR, MLW_NO_TRANS, transb, (int)m, (int)n, (int)k,
		  1, A, (int)lda, B, (int)ldb, 0, C, (int)m);
}

static int solve_svd(struct mlw_lda_model *m, double *coef, double *icpt,
		     const struct mlw_lapack *la, const double *X, size_t n,
		     size_t p, const double *y, const struct mlw_lda_params *par)
{
	size_t K = m->nr_classes, i, j, k, r, mn = n < p ? n : p, rank, mn2;
	size_t rank2;
	double *Xc = dalloc(n * p), *std = dalloc(p), *S = dalloc(mn);
	double *U = dalloc(n * mn), *Vt = dalloc(mn * p), *scal, *B, *S2;
	double *Vt2, *U2, *D, *cp, fac = sqrt(1.0 / (double)(n - K)), ssq;
	int info;

	/* centre each row on its class mean, scale each column by its std */
	for (j = 0; j < p; j++) {
		double mean = 0, var = 0;

		for (i = 0; i < n; i++)
			mean += (Xc[j * n + i] = X[j * n + i] -
				 m->means[j * K + (size_t)y[i]]);
		mean /= (double)n;
		for (i = 0; i < n; i++)
			var += (Xc[j * n + i] - mean) * (Xc[j * n + i] - mean);
		std[j] = sqrt(var / (double)n);
		if (std[j] == 0)
			std[j] = 1;
		for (i = 0; i < n; i++)
			Xc[j * n + i] = fac * (Xc[j * n + i] / std[j]);
	}
	/*
	 * The SVD (divide and conquer, dgesdd) of the scaled within-class
	 * data gives the whitening transform without forming X'X, so its
	 * conditioning is that of X, not its square.
	 */
	info = la->dgesdd(MLW_COL_MAJOR, 'S', (int)n, (int)p, Xc, (int)n, S, U,
			  (int)n, Vt, (int)mn);
	free(Xc);
	free(U);
	if (info < 0)
		BUG("dgesdd: argument %d is wrong", -info);
	if (info > 0) {
		free(std);
		free(S);
		free(Vt);
		return mlw_error_setc(MLW_ENUMERIC, "lda: the SVD did not converge");
	}
	for (rank = 0; rank < mn && S[rank] > par->tol; rank++)
		;
	if (!rank) {
		free(std);
		free(S);
		free(Vt);
		return mlw_error_setc(MLW_ENUMERIC,
				      "lda: the classes have no within-class variance");
	}
	scal = dalloc(p * rank);	/* p x rank */
	for (r = 0; r < rank; r++)
		for (j = 0; j < p; j++)
			scal[r * p + j] = Vt[j * mn + r] / std[j] / S[r];
	free(Vt);
	free(S);
	free(std);
	/* the class centres, weighted, in the whitened space: K x rank */
	D = dalloc(K * p);
	for (j = 0; j < p; j++)
		for (k = 0; k < K; k++)
			D[j * K + k] = sqrt((double)n * m->priors[k] /
					    (double)(K - 1)) *
				       (m->means[j * K + k] - m->xbar[j]);
	B = dalloc(K * rank);
	gemm(la, MLW_NO_TRANS, K, rank, p, D, K, scal, p, B);
	mn2 = K < rank ? K : rank;
	S2 = dalloc(mn2);
	U2 = dalloc(K * mn2);
	Vt2 = dalloc(mn2 * rank);
	info = la->dgesdd(MLW_COL_MAJOR, 'S', (int)K, (int)rank, B, (int)K, S2,
			  U2, (int)K, Vt2, (int)mn2);
	free(B);
	free(U2);
	if (info != 0) {
		free(S2);
		free(Vt2);
		free(scal);
		free(D);
		if (info < 0)
			BUG("dgesdd: argument %d is wrong", -info);
		return mlw_error_setc(MLW_ENUMERIC, "lda: the SVD did not converge");
	}
	for (ssq = 0, r = 0; r < mn2; r++)
		ssq += S2[r] * S2[r];
	m->nr_components = m->nr_components < mn2 ? m->nr_components : mn2;
	m->explained_variance_ratio = dalloc(m->nr_components);
	for (r = 0; r < m->nr_components; r++)
		m->explained_variance_ratio[r] = S2[r] * S2[r] / ssq;
	for (rank2 = 0; rank2 < mn2 && S2[rank2] > par->tol * S2[0]; rank2++)
		;
	/* scalings_ = scal Vt2[:rank2]' : p x rank2 */
	m->rank = rank2;
	m->scalings = dalloc(p * rank2);
	la->dgemm(MLW_COL_MAJOR, MLW_NO_TRANS, MLW_TRANS, (int)p, (int)rank2,
		  (int)rank, 1, scal, (int)p, Vt2, (int)mn2, 0, m->scalings,
		  (int)p);
	free(scal);
	free(S2);
	free(Vt2);
	/* coef = (means - xbar) scalings_, then projected back */
	for (j = 0; j < p; j++)
		for (k = 0; k < K; k++)
			D[j * K + k] = m->means[j * K + k] - m->xbar[j];
	cp = dalloc(K * rank2);
	gemm(la, MLW_NO_TRANS, K, rank2, p, D, K, m->scalings, p, cp);
	for (k = 0; k < K; k++) {
		double sq = 0;

		for (r = 0; r < rank2; r++)
			sq += cp[r * K + k] * cp[r * K + k];
		icpt[k] = -0.5 * sq + log(m->priors[k]);
	}
	/* coef is K x p column-major here (class k in row k) */
	gemm(la, MLW_TRANS, K, p, rank2, cp, K, m->scalings, p, coef);
	for (k = 0; k < K; k++)
		for (j = 0; j < p; j++)
			icpt[k] -= m->xbar[j] * coef[j * K + k];
	free(cp);
	free(D);
	return 0;
}

/* intercept_k = -1/2 means_k coef_k' + log prior_k */
static void intercept_from_means(double *icpt, const struct mlw_lda_model *m,
				 const double *coef)
{
	size_t K = m->nr_classes, p = m->nr_features, j, k;

	for (k = 0; k < K; k++) {
		double d = 0;

		for (j = 0; j < p; j++)
			d += m->means[j * K + k] * coef[j * K + k];
		icpt[k] = -0.5 * d + log(m->priors[k]);
	}
}

static int solve_lsqr(struct mlw_lda_model *m, double *coef, double *icpt,
		      const struct mlw_lapack *la, const double *X, size_t n,
		      size_t p, const double *y, const struct mlw_lda_params *par)
{
	size_t K = m->nr_classes, j, k;
	double *Sw = dalloc(p * p), *B = dalloc(p * K), *s = dalloc(p);
	int info, rank;

	class_covariance(Sw, la, X, n, p, y, K, m->priors, par);
	for (k = 0; k < K; k++)
		for (j = 0; j < p; j++)
			B[k * p + j] = m->means[j * K + k];
	/*
	 * The minimum-norm least-squares solution by the SVD (dgelsd, as
	 * scipy.linalg.lstsq with rcond = eps): a singular covariance
	 * (constant or collinear columns, no shrinkage) still has an answer.
	 */
	info = la->dgelsd(MLW_COL_MAJOR, (int)p, (int)p, (int)K, Sw, (int)p, B,
			  (int)p, s, DBL_EPSILON, &rank);
	free(Sw);
	free(s);
	if (info < 0)
		BUG("dgelsd: argument %d is wrong", -info);
	if (info > 0) {
		free(B);
		return mlw_error_setc(MLW_ENUMERIC, "lda: the SVD did not converge");
	}
	for (k = 0; k < K; k++)
		for (j = 0; j < p; j++)
			coef[j * K + k] = B[k * p + j];
	free(B);
	intercept_from_means(icpt, m, coef);
	/* lsqr neither projects nor ranks directions */
	m->nr_components = 0;
	return 0;
}

static int descending(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y) - (x > y);
}

static int solve_eigen(struct mlw_lda_model *m, double *coef, double *icpt,
		       const struct mlw_lapack *la, const double *X, size_t n,
		       size_t p, const double *y,
		       const struct mlw_lda_params *par,
		       const char *const *names)
{
	size_t K = m->nr_classes, i, r, *all;
	double *Sw = dalloc(p * p), *Sb = dalloc(p * p), *w = dalloc(p);
	double *V, *MV, sum = 0;
	int info;

	class_covariance(Sw, la, X, n, p, y, K, m->priors, par);
	all = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t)));
	for (i = 0; i < n; i++)
		all[i] = i;
	covariance(Sb, la, X, n, all, n, p, par);
	free(all);
	for (i = 0; i < p * p; i++)
		Sb[i] -= Sw[i];
	/*
	 * Sb v = lambda Sw v with Sw symmetric positive definite: dsygvd
	 * reduces it by the Cholesky factor of Sw to a standard symmetric
	 * problem and solves that by divide and conquer (scipy's eigh
	 * does the same); eigenvectors come out Sw-orthonormal.
	 */
	info = la->dsygvd(MLW_COL_MAJOR, 1, 'V', 'L', (int)p, Sb, (int)p, Sw,
			  (int)p, w);
	free(Sw);
	if (info < 0)
		BUG("dsygvd: argument %d is wrong", -info);
	if (info > 0) {
		free(Sb);
		free(w);
		if ((size_t)info > p)
			return mlw_error_setc(MLW_ENUMERIC,
				"lda: the within-class covariance is singular (leading minor %d%s%s%s); use --shrinkage or --solver svd",
				info - (int)p, names ? ", column '" : "",
				names ? names[info - (int)p - 1] : "",
				names ? "'" : "");
		return mlw_error_setc(MLW_ENUMERIC,
				      "lda: the eigenvalues did not converge");
	}
	/* eigenvalues come ascending: reverse to descending */
	V = dalloc(p * p);
	for (r = 0; r < p; r++) {
		memcpy(V + r * p, Sb + (p - 1 - r) * p, p * sizeof(double));
		sum += w[r];
	}
	/*
	 * scikit-learn sorts the ratios, not the eigenvalues: the two
	 * orders differ when shrinkage makes the eigenvalues sum to a
	 * negative number
	 */
	for (r = 0; r < p; r++)
		w[r] /= sum;
	qsort(w, p, sizeof(double), descending);
	m->explained_variance_ratio = dalloc(m->nr_components);
	for (r = 0; r < m->nr_components; r++)
		m->explained_variance_ratio[r] = w[r];
	free(w);
	free(Sb);
	m->rank = p;
	m->scalings = V;
	/* coef = means V V' */
	MV = dalloc(K * p);
	gemm(la, MLW_NO_TRANS, K, p, p, m->means, K, V, p, MV);
	gemm(la, MLW_TRANS, K, p, p, MV, K, V, p, coef);
	free(MV);
	intercept_from_means(icpt, m, coef);
	return 0;
}

int mlw_lda_fit(struct mlw_linear_model *lin, struct mlw_lda_model *out,
		const struct mlw_lda_params *par, const double *X, size_t n,
		size_t p, const double *y, const char *const *names,
		struct mlw_strlist *warnings)
{
	const struct mlw_lapack *la;
	struct mlw_lda_model m = { 0 };
	size_t K = par->nr_classes, i, j, k, *count;
	double *coef, *icpt;
	int ret;

	if (K < 2)
		return mlw_error_setc(MLW_EINVALID,
				      "lda needs at least two classes");
	if (n <= K)
		return mlw_error_setc(MLW_EINVALID,
				      "lda needs more rows (%zu) than classes (%zu)",
				      n, K);
	if (mlw_lapack_load(&la) < 0)
		return -1;
	count = mlw_calloc(K + 1, sizeof(size_t));
	for (i = 0; i < n; i++)
		count[(size_t)y[i]]++;
	for (k = 0; k < K; k++)
		if (!count[k]) {
			free(count);
			return mlw_error_setc(MLW_EINVALID,
					      "lda: class %zu has no rows", k);
		}
	for (j = 0; j < p && warnings; j++) {
		for (i = 1; i < n && X[j * n + i] == X[j * n]; i++)
			;
		if (i == n)
			mlw_strlist_push_owned(warnings, mlw_xstrfmt(
				"column '%s' is constant; it cannot separate classes",
				names ? names[j] : "?"));
	}
	m.solver = par->solver;
	m.nr_classes = K;
	m.nr_features = p;
	m.nr_components = K - 1 < p ? K - 1 : p;
	m.priors = dalloc(K);
	m.means = dalloc(K * p);
	m.xbar = dalloc(p);
	for (k = 0; k < K; k++)
		m.priors[k] = (double)count[k] / (double)n;
	for (j = 0; j < p; j++) {
		for (i = 0; i < n; i++)
			m.means[j * K + (size_t)y[i]] += X[j * n + i];
		for (k = 0; k < K; k++) {
			m.means[j * K + k] /= (double)count[k];
			m.xbar[j] += m.priors[k] * m.means[j * K + k];
		}
	}
	free(count);
	coef = dalloc(K * p);
	icpt = dalloc(K);
	if (par->solver == MLW_LDA_SVD)
		ret = solve_svd(&m, coef, icpt, la, X, n, p, y, par);
	else if (par->solver == MLW_LDA_LSQR)
		ret = solve_lsqr(&m, coef, icpt, la, X, n, p, y, par);
	else
		ret = solve_eigen(&m, coef, icpt, la, X, n, p, y, par, names);
	if (ret) {
		free(coef);
		free(icpt);
		mlw_lda_release(&m);
		return ret;
	}
	memset(lin, 0, sizeof(*lin));
	lin->algorithm = MLW_ALGO_LDA;
	lin->nr_features = p;
	lin->solver = par->solver == MLW_LDA_SVD ? "gesdd" :
		      par->solver == MLW_LDA_LSQR ? "gelsd" : "sygvd";
	lin->converged = 1;
	lin->rank = (int)m.rank;
	if (K == 2) {
		/* one decision: class 1 against class 0 */
		lin->nr_outputs = 1;
		lin->coef = dalloc(p);
		lin->intercept = dalloc(1);
		for (j = 0; j < p; j++)
			lin->coef[j] = coef[j * K + 1] - coef[j * K];
		lin->intercept[0] = icpt[1] - icpt[0];
	} else {
		lin->nr_outputs = K;
		lin->coef = dalloc(K * p);
		lin->intercept = icpt;
		icpt = NULL;
		for (k = 0; k < K; k++)
			for (j = 0; j < p; j++)
				lin->coef[k * p + j] = coef[j * K + k];
	}
	free(coef);
	free(icpt);
	*out = m;
	return 0;
}

void mlw_lda_predict(double *out, double *decision,
		     const struct mlw_linear_model *lin, const double *X,
		     size_t n, size_t K)
{
	size_t i, k;

	/* the decision function (no link: the algorithm is not logistic) */
	mlw_linear_predict(out, lin, X, n, K);
	if (decision)
		memcpy(decision, out, n * lin->nr_outputs * sizeof(double));
	if (lin->nr_outputs == 1) {
		for (i = 0; i < n; i++) {
			out[n + i] = 1 / (1 + exp(-out[i]));
			out[i] = 1 - out[n + i];
		}
		return;
	}
	for (i = 0; i < n; i++) {
		double zmax = -INFINITY, s = 0;

		for (k = 0; k < K; k++)
			if (out[k * n + i] > zmax)
				zmax = out[k * n + i];
		for (k = 0; k < K; k++)
			s += (out[k * n + i] = exp(out[k * n + i] - zmax));
		for (k = 0; k < K; k++)
			out[k * n + i] /= s;
	}
}

void mlw_lda_release(struct mlw_lda_model *m)
{
	free(m->means);
	free(m->priors);
	free(m->xbar);
	free(m->scalings);
	free(m->explained_variance_ratio);
	memset(m, 0, sizeof(*m));
}
