/*
 * lda.c - linear discriminant analysis (lda.h), step for step the
 * computation of scikit-learn 1.2's LinearDiscriminantAnalysis so that
 * the two agree to rounding, including on rank-deficient data.
 */
#include "ml/lda.h"
#include "ml/lapack.h"
#include "ml/model.h"
#include "ml/params.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/output.h"
#include "util/strutil.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const solver_names[] = {
	[MLW_LDA_SVD] = "svd",
	[MLW_LDA_LSQR] = "lsqr",
	[MLW_LDA_EIGEN] = "eigen",
	NULL
};

int mlw_lda_solver_parse(enum mlw_lda_solver *out, const char *name)
{
	size_t i;

	for (i = 0; solver_names[i]; i++)
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
		struct mlw_train_ctx *ctx)
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
	for (j = 0; j < p && ctx && ctx->warnings; j++) {
		for (i = 1; i < n && X[j * n + i] == X[j * n]; i++)
			;
		if (i == n)
			mlw_train_warn(ctx,
				"column '%s' is constant; it cannot separate classes",
				names ? names[j] : "?");
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
		     size_t n, size_t K, int nr_threads)
{
	/* the decision function (no link: the algorithm is not logistic) */
	mlw_linear_predict(out, lin, X, n, K, nr_threads);
	if (decision)
		memcpy(decision, out, n * lin->nr_outputs * sizeof(double));
	mlw_linear_proba(out, n, lin->nr_outputs);
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

/* ---- the trainer ---- */

enum { HP_SOLVER, HP_SHRINKAGE, HP_TOL };

static const struct mlw_hparam lda_hparams[] = {
	[HP_SOLVER] = { "solver", MLW_HPARAM_CHOICE, "S",
			"solver: svd, lsqr, eigen (svd)", 0, 0, 0,
			solver_names, 0 },
	[HP_SHRINKAGE] = { "shrinkage", MLW_HPARAM_FLOAT, "S",
			   "lsqr and eigen shrinkage: 0..1 or auto (none)",
			   -1, 0, 1, NULL, MLW_HPARAM_AUTO },
	[HP_TOL] = { "tol", MLW_HPARAM_FLOAT, "T",
		     "svd: singular values below are dropped (1e-4)", 1e-4, 0,
		     INFINITY, NULL, 0 },
};

static int lda_check(const struct mlw_hparams *hp)
{
	if (hp->text[HP_SHRINKAGE] && hp->value[HP_SOLVER] == MLW_LDA_SVD)
		return mlw_error_setc(MLW_EINVALID,
				      "lda: shrinkage needs solver lsqr or eigen");
	return 0;
}

static int lda_fit(struct mlw_model *m, const struct mlw_hparams *hp,
		   const struct mlw_fit_input *in, struct mlw_train_ctx *ctx)
{
	struct mlw_lda_params par;
	double s = hp->value[HP_SHRINKAGE];

	mlw_lda_params_init(&par);
	par.solver = (enum mlw_lda_solver)hp->value[HP_SOLVER];
	par.shrinkage_auto = isnan(s);
	par.shrinkage = isnan(s) ? -1 : s;
	par.tol = hp->value[HP_TOL];
	par.nr_classes = in->nr_classes;
	return mlw_lda_fit(&m->linear, &m->lda, &par, in->X, in->n, in->p,
			   in->y, (const char *const *)in->names, ctx);
}

static int lda_predict_model(double *out, const struct mlw_model *m,
			     const double *X, size_t n, int nr_threads)
{
	mlw_lda_predict(out, NULL, &m->linear, X, n, m->target.nr_classes,
			nr_threads);
	return 0;
}

static size_t lda_outputs(const struct mlw_model *m)
{
	return m->target.nr_classes;
}

static void lda_write(struct mlw_buf *b, const struct mlw_model *m)
{
	const struct mlw_lda_model *l = &m->lda;
	size_t p = m->linear.nr_features;

	mlw_params_put_u32(b, (uint32_t)l->solver);
	mlw_params_put_u64(b, l->nr_classes);
	mlw_params_put_f64s(b, l->means, l->nr_classes * p);
	mlw_params_put_f64s(b, l->priors, l->nr_classes);
	mlw_params_put_f64s(b, l->xbar, p);
	mlw_params_put_u64(b, l->rank);
	mlw_params_put_f64s(b, l->scalings, p * l->rank);
	mlw_params_put_u64(b, l->nr_components);
	mlw_params_put_f64s(b, l->explained_variance_ratio, l->nr_components);
}

static void lda_read(struct mlw_params_reader *r, struct mlw_model *m)
{
	struct mlw_lda_model *l = &m->lda;
	size_t p = m->linear.nr_features, K;
	uint32_t solver = mlw_params_u32(r, "lda.solver");

	if (solver > MLW_LDA_EIGEN)
		mlw_params_fail(r, "lda.solver", "%u is no solver",
				(unsigned)solver);
	l->solver = (enum mlw_lda_solver)solver;
	l->nr_features = p;
	K = l->nr_classes = mlw_params_count(r, 8, "lda.nr_classes");
	l->means = mlw_params_matrix(r, K, p, "lda.means");
	l->priors = mlw_params_f64s(r, K, "lda.priors");
	l->xbar = mlw_params_f64s(r, p, "lda.xbar");
	l->rank = mlw_params_count(r, 8, "lda.rank");
	l->scalings = mlw_params_matrix(r, p, l->rank, "lda.scalings");
	l->nr_components = mlw_params_count(r, 8, "lda.nr_components");
	l->explained_variance_ratio = mlw_params_f64s(r, l->nr_components,
					"lda.explained_variance_ratio");
}

/* one decision for two classes, one per class for more */
static void lda_validate(struct mlw_params_reader *r,
			 const struct mlw_model *m)
{
	size_t K = m->target.nr_classes;

	if (m->lda.nr_classes != K)
		mlw_params_fail(r, "lda.nr_classes", "%zu for %zu classes",
				m->lda.nr_classes, K);
	else
		mlw_model_expect_outputs(r, m, K == 2 ? 1 : K);
}

static void lda_describe(struct mlw_out *o, const struct mlw_model *m,
			 const struct mlw_hparams *hp)
{
	const struct mlw_lda_model *l = &m->lda;
	size_t p = m->linear.nr_features;

	mlw_out_object_begin(o, "lda");
	mlw_out_str(o, "solver", mlw_lda_solver_name(l->solver));
	mlw_trainer_out_matrix(o, "means", l->means, l->nr_classes, p);
	mlw_trainer_out_vector(o, "priors", l->priors, l->nr_classes);
	mlw_trainer_out_vector(o, "xbar", l->xbar, p);
	mlw_trainer_out_matrix(o, "scalings", l->scalings, p, l->rank);
	mlw_trainer_out_vector(o, "explained_variance_ratio",
			       l->explained_variance_ratio, l->nr_components);
	mlw_out_end(o);
}

static void lda_release_model(struct mlw_model *m)
{
	mlw_lda_release(&m->lda);
}

/* svd: copies and factors of the data; lsqr, eigen: p x p scatters */
static double lda_memory(const struct mlw_hparams *hp, size_t n, size_t p,
			 size_t nr_classes)
{
	double N = (double)n, P = (double)p, mn = N < P ? N : P;

	if (hp->value[HP_SOLVER] == MLW_LDA_SVD)
		return 8 * (N * P + N * mn + mn * P);
	return 8 * (3 * P * P + N * P);
}

const struct mlw_trainer mlw_lda_trainer = {
	.name = "lda",
	.algorithm = MLW_ALGO_LDA,
	.task = MLW_TASK_CLASSIFICATION,
	.estimator = "LinearDiscriminantAnalysis",
	.hparams = lda_hparams,
	.nr_hparams = sizeof(lda_hparams) / sizeof(*lda_hparams),
	.fit = lda_fit,
	.predict = lda_predict_model,
	.nr_outputs = lda_outputs,
	.write_params = lda_write,
	.read_params = lda_read,
	.validate = lda_validate,
	.describe = lda_describe,
	.check = lda_check,
	.memory = lda_memory,
	.release = lda_release_model,
};
