/*
 * linear.c - the linear-model trainers (linear.h) but logistic
 * regression (logistic.c).
 *
 * Every estimator with an intercept is solved the way scikit-learn
 * solves it: centre the columns of X and y with the (weighted) means, fit
 * w on the centred data without intercept, then b = mean(y) - mean(X) w.
 */
#include "ml/linear.h"
#include "ml/dataset.h"
#include "ml/lapack.h"
#include "ml/memo.h"
#include "ml/model.h"
#include "ml/params.h"
#include "ml/rowpass.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/output.h"
#include "util/strutil.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mlw_linear_params_init(struct mlw_linear_params *p,
			    enum mlw_algorithm algo)
{
	memset(p, 0, sizeof(*p));
	p->alpha = 1.0;
	p->l1_ratio = algo == MLW_ALGO_LASSO ? 1.0 : 0.5;
	p->C = 1.0;
	p->max_iter = algo == MLW_ALGO_LOGISTIC ? 100 : 1000;
	p->tol = 1e-4;
}


/*
 * The regression trainers never copy X.  Centring is done a block of
 * rows at a time into a small buffer that stays in cache, and what the
 * solver needs from the centred data is accumulated from the blocks: the
 * Gram matrix by dsyrk with beta = 1, or the R of a tall-skinny QR.  A
 * centred copy of a 1,000,000 x 50 matrix would be 400 MB of fresh pages,
 * and first touch of a page is what costs on this kind of machine.
 */

/*
 * Rows [i0, i0 + b) of [X y] centred into A (b x (p + 1), leading
 * dimension lda; y in column p).
 */
static void center_block(double *A, size_t lda, const double *X, size_t n,
			 size_t p, const double *y, const double *xmean,
			 double ymean, size_t i0, size_t b)
{
	size_t i, j;

	for (j = 0; j < p; j++) {
		const double *x = X + j * n + i0;
		double *a = A + j * lda, m = xmean[j];

		for (i = 0; i < b; i++)
			a[i] = x[i] - m;
	}
	for (i = 0; i < b; i++)
		A[p * lda + i] = y[i0 + i] - ymean;
}


/*
 * The passes over the rows of [X y]: column sums, the Gram matrix of the
 * centred data, or the R of its QR (rowpass.h: the same bits on any
 * number of threads).  OpenBLAS runs dsyrk on 51 columns on one core
 * whatever its thread count, so two threads calling it halve the time
 * (0.11 -> 0.055 s for 1,000,000 x 51).
 */
enum pass_kind { PASS_SUMS, PASS_GRAM, PASS_QR };

struct pass {
	enum pass_kind kind;
	const struct mlw_lapack *la;
	const double *X, *y, *xmean;
	double ymean;
	size_t n, p;
};

/* rows [lo, hi) into out: sums (p + 1) or the m x m Gram matrix or R */
static void pass_rows(struct pass *ps, size_t lo, size_t hi, double *out)
{
	size_t p = ps->p, m = p + 1, n = ps->n;
	size_t b = mlw_rowpass_block_rows(p), i0, i, j;
	const double *X = ps->X;

	if (ps->kind == PASS_SUMS) {
		for (j = 0; j <= p; j++) {
			const double *x = j < p ? X + j * n : ps->y;
			double s0 = 0, s1 = 0, s2 = 0, s3 = 0;

			if (!x)
				continue;
			for (i = lo; i + 4 <= hi; i += 4) {
				s0 += x[i];
				s1 += x[i + 1];
				s2 += x[i + 2];
				s3 += x[i + 3];
			}
			for (; i < hi; i++)
				s0 += x[i];
			out[j] = (s0 + s1) + (s2 + s3);
		}
		return;
	}
	if (ps->kind == PASS_GRAM) {
		double *A = mlw_malloc(mlw_st_mult(mlw_st_mult(b, m),
						   sizeof(double)));

		for (i0 = lo; i0 < hi; i0 += b) {
			size_t nb = hi - i0 < b ? hi - i0 : b;

			center_block(A, nb, X, n, p, ps->y, ps->xmean,
				     ps->ymean, i0, nb);
			ps->la->dsyrk(MLW_COL_MAJOR, MLW_LOWER, MLW_TRANS,
				      (int)m, (int)nb, 1.0, A, (int)nb, 1.0,
				      out, (int)m);
		}
		free(A);
		return;
	}
	/*
	 * Tall-skinny QR: each block is centred under the R so far and
	 * [R; block] is factored by dgeqrf, whose R is the R of every row
	 * seen.
	 */
	{
		size_t lda = m + b;
		double *W = mlw_calloc(lda * m, sizeof(double));
		double *tau = mlw_calloc(m, sizeof(double));

		for (i0 = lo; i0 < hi; i0 += b) {
			size_t nb = hi - i0 < b ? hi - i0 : b;
			int info;

			center_block(W + m, lda, X, n, p, ps->y, ps->xmean,
				     ps->ymean, i0, nb);
			info = ps->la->dgeqrf(MLW_COL_MAJOR, (int)(m + nb),
					      (int)m, W, (int)lda, tau);
			if (info)
				BUG("dgeqrf info %d", info);
			/* keep R: drop the reflectors below its diagonal */
			for (j = 0; j < m; j++)
				for (i = j + 1; i < m; i++)
					W[j * lda + i] = 0;
		}
		for (j = 0; j < m; j++)
			memcpy(out + j * m, W + j * lda, m * sizeof(double));
		free(W);
		free(tau);
	}
}

static void pass_chunk(void *data, size_t qlo, size_t qhi, double *out)
{
	struct pass *ps = data;
	size_t b = mlw_rowpass_block_rows(ps->p);

	if (qlo < qhi)
		pass_rows(ps, qlo * b, qhi * b < ps->n ? qhi * b : ps->n, out);
}

/* run ps over all rows on nr_threads; the combined result in out */
static void run_pass(struct pass *ps, int nr_threads, double *out)
{
	size_t m = ps->p + 1, c, i, j;
	struct mlw_rowpass rp = { 0 };

	rp.n = ps->n;
	rp.block = mlw_rowpass_block_rows(ps->p);
	rp.outsize = ps->kind == PASS_SUMS ? m : m * m;
	rp.nr_threads = nr_threads;
	rp.chunk = pass_chunk;
	rp.data = ps;
	mlw_rowpass_run(&rp);
	if (ps->kind != PASS_QR) {
		mlw_rowpass_sum(&rp, out);
	} else {
		/* R of the stacked chunk Rs */
		size_t rows = rp.nr_chunks * m;
		double *W = mlw_calloc(rows * m, sizeof(double));
		double *tau = mlw_calloc(m, sizeof(double));
		int info;

		for (c = 0; c < rp.nr_chunks; c++)
			for (j = 0; j < m; j++)
				memcpy(W + j * rows + c * m,
				       rp.out + c * rp.outsize + j * m,
				       m * sizeof(double));
		info = ps->la->dgeqrf(MLW_COL_MAJOR, (int)rows, (int)m, W,
				      (int)rows, tau);
		if (info)
			BUG("dgeqrf info %d", info);
		for (j = 0; j < m; j++)
			for (i = 0; i < m; i++)
				out[j * m + i] = i <= j ? W[j * rows + i] : 0;
		free(W);
		free(tau);
	}
	mlw_rowpass_release(&rp);
}

/*
 * The column means of X (xmean) and of y (*ymean), over every rank's
 * rows when ctx has a comm; returns the number of rows they are of.
 */
static size_t col_means(double *xmean, double *ymean,
			const struct mlw_lapack *la, const double *X, size_t n,
			size_t p, const double *y, int nr_threads,
			struct mlw_train_ctx *ctx)
{
	struct pass ps = { PASS_SUMS, la, X, y, NULL, 0, n, p };
	double *s = mlw_calloc(p + 2, sizeof(double)), N;
	size_t j;

	run_pass(&ps, nr_threads, s);
	s[p + 1] = (double)n;
	mlw_train_sum(ctx, s, p + 2);
	N = s[p + 1];
	for (j = 0; j < p; j++)
		xmean[j] = s[j] / N;
	*ymean = s[p] / N;
	free(s);
	return (size_t)N;
}

/*
 * S = [Xc yc]'[Xc yc], (p + 1) x (p + 1), both triangles: Xc'Xc, Xc'yc
 * in column p and yc'yc in the corner, from one dsyrk (beta = 1) per
 * block centred into a small buffer.
 */
static void gram(double *S, const struct mlw_lapack *la, const double *X,
		 size_t n, size_t p, const double *y, const double *xmean,
		 double ymean, int nr_threads, struct mlw_train_ctx *ctx)
{
	struct pass ps = { PASS_GRAM, la, X, y, xmean, ymean, n, p };
	size_t m = p + 1, i, j;

	run_pass(&ps, nr_threads, S);
	/* distributed: the lower triangle dsyrk wrote, of every rank */
	mlw_train_sum(ctx, S, m * m);
	for (j = 0; j < m; j++)
		for (i = j + 1; i < m; i++)
			S[i * m + j] = S[j * m + i];
}

/*
 * R ((p + 1) x (p + 1) upper triangular) of the QR factorisation of the
 * centred [X y], by a tall-skinny QR (see pass_rows): orthogonal
 * transformations only, so R is as accurate as a QR of all of [Xc yc]
 * and its singular values are those of [Xc yc], with one block of
 * memory per thread.
 */
static void tsqr(double *R, const struct mlw_lapack *la, const double *X,
		 size_t n, size_t p, const double *y, const double *xmean,
		 double ymean, int nr_threads)
{
	struct pass ps = { PASS_QR, la, X, y, xmean, ymean, n, p };

	run_pass(&ps, nr_threads, R);
}

/* a centred copy of X, for the solvers that need all of it (rare) */
static double *center_copy(const double *X, size_t n, size_t p,
			   const double *xmean)
{
	double *Xc = mlw_big_alloc(mlw_st_mult(mlw_st_mult(n, p ? p : 1),
					       sizeof(double)));
	size_t i, j;

	for (j = 0; j < p; j++)
		for (i = 0; i < n; i++)
			Xc[j * n + i] = X[j * n + i] - xmean[j];
	return Xc;
}

static void set_intercept(struct mlw_linear_model *m, const double *xmean,
			  double ymean)
{
	size_t j;
	double b = ymean;

	for (j = 0; j < m->nr_features; j++)
		b -= xmean[j] * m->coef[j];
	m->intercept[0] = b;
}

static double sumsq(const double *v, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i] * v[i];
	return s;
}

/* 1-norm of a symmetric p x p matrix, for dpocon */
static double sym_norm1(const double *G, size_t p)
{
	double anorm = 0;
	size_t i, j;

	for (j = 0; j < p; j++) {
		double colsum = 0;

		for (i = 0; i < p; i++)
			colsum += fabs(G[j * p + i]);
		if (colsum > anorm)
			anorm = colsum;
	}
	return anorm;
}

/*
 * Cholesky of G (p x p, overwritten by its factor) and solve G w = q,
 * when G's estimated reciprocal condition number is at least min_rcond
 * (not estimated when the caller knows it is: well_conditioned):
 * returns 1 and w, else 0.
 */
static int cholesky_solve(double *w, const struct mlw_lapack *la, double *G,
			  const double *q, size_t p, double min_rcond,
			  int well_conditioned)
{
	double anorm = sym_norm1(G, p), rcond = 0;
	int info;

	if (!p)
		return 1;
	info = la->dpotrf(MLW_COL_MAJOR, 'L', (int)p, G, (int)p);
	if (info < 0)
		BUG("dpotrf argument %d", -info);
	if (info)
		return 0;
	if (!well_conditioned)
		la->dpocon(MLW_COL_MAJOR, 'L', (int)p, G, (int)p, anorm,
			   &rcond);
	if (!well_conditioned && !(rcond >= min_rcond))
		return 0;
	memcpy(w, q, p * sizeof(double));
	info = la->dpotrs(MLW_COL_MAJOR, 'L', (int)p, 1, G, (int)p, w, (int)p);
	if (info)
		BUG("dpotrs info %d", info);
	return 1;
}

/*
 * Name the columns that make R (the QR of the centred X, p x p, leading
 * dimension ld) singular: a column whose centred norm is nothing is
 * constant; one whose diagonal entry is nothing next to its norm is a
 * linear combination of the columns before it.
 */
static void warn_dependent(const struct mlw_linear_params *par,
			   const double *R, size_t ld, size_t p,
			   const double *xmean, size_t n, int rank)
{
	size_t i, j, named = 0;

	if (!par->ctx || !par->ctx->warnings)
		return;
	for (j = 0; j < p; j++) {
		double norm = 0, scale = fabs(xmean[j]) * sqrt((double)n);
		char buf[32];
		const char *name = par->names ? par->names[j] : NULL;

		for (i = 0; i <= j; i++)
			norm += R[j * ld + i] * R[j * ld + i];
		norm = sqrt(norm);
		if (!name) {
			snprintf(buf, sizeof(buf), "%zu", j + 1);
			name = buf;
		}
		if (norm <= 1e-13 * scale || norm == 0) {
			mlw_train_warn(par->ctx,
				"column '%s' is constant; its coefficient is 0", name);
			named++;
		} else if (fabs(R[j * ld + j]) <= 1e-12 * norm) {
			mlw_train_warn(par->ctx,
				"column '%s' is a linear combination of the columns before it; the least-squares solution is not unique (minimum norm taken)",
				name);
			named++;
		}
	}
	if (!named)
		mlw_train_warn(par->ctx,
			"the features are nearly collinear (rank %d of %zu); the minimum-norm solution is taken",
			rank, p);
}

/* Cholesky on the normal equations above this reciprocal condition */
#define OLS_MIN_RCOND 1e-6

/*
 * Ordinary least squares.  scikit-learn calls scipy's lstsq (dgelsd on
 * X itself): an SVD, minimum-norm for rank-deficient X, singular values
 * below eps * s_max taken as zero.  Doing that on X needs a copy of X
 * (dgelsd overwrites it) and costs ~10 n p^2 flops, so:
 *
 *  1. the Gram matrix [Xc yc]'[Xc yc] by blocked dsyrk (n p^2 flops, the
 *     fastest BLAS-3 pass there is) and Cholesky on the normal equations
 *     when dpocon says X'X is well conditioned: the error of the normal
 *     equations is about eps * cond(X)^2, and with cond(X'X) < 1e6 that
 *     is within 1e-10 of the least-squares solution;
 *  2. otherwise a tall-skinny QR of [Xc yc] (dgeqrf on [R; block], block
 *     by block, so no copy of X and no squared condition number), then
 *     dgelsd on the small p x p least-squares problem R w = z.  The
 *     singular values of R are those of Xc, so the rank threshold and the
 *     minimum-norm solution are exactly scipy's.  The columns that make
 *     Xc rank-deficient are named in warnings.
 */
static int fit_ols(struct mlw_linear_model *m, const struct mlw_lapack *la,
		   const double *X, size_t n, size_t p, const double *y,
		   const struct mlw_linear_params *par)
{
	size_t q1 = p + 1, j;
	double *xmean = mlw_calloc(q1, sizeof(double)), ymean = 0;
	double *S = mlw_calloc(q1 * q1, sizeof(double));
	double *G = mlw_calloc(p * p + 1, sizeof(double));
	int info = 0, rank = (int)p;
	int threads = mlw_train_ctx_threads(par->ctx, MLW_ROWPASS_MAX_CHUNKS);

	size_t N = col_means(xmean, &ymean, la, X, n, p, y, threads,
			     par->ctx);

	gram(S, la, X, n, p, y, xmean, ymean, threads, par->ctx);
	for (j = 0; j < p; j++)
		memcpy(G + j * p, S + j * q1, p * sizeof(double));
	if (N > p && cholesky_solve(m->coef, la, G, S + p * q1, p, 0,
				    OLS_MIN_RCOND)) {
		m->solver = "cholesky";
	} else if (mlw_train_distributed(par->ctx)) {
		info = mlw_error_setc(MLW_EINVALID,
			"linear: the features are nearly collinear (X'X is ill-conditioned): the least-squares solution needs a QR of all rows at once; train in one process or drop the dependent columns");
	} else {
		double *s = mlw_calloc(q1, sizeof(double));
		double *z = mlw_calloc(q1, sizeof(double));

		tsqr(S, la, X, n, p, y, xmean, ymean, threads);
		for (j = 0; j < p; j++) {
			memcpy(G + j * p, S + j * q1, p * sizeof(double));
			z[j] = S[p * q1 + j];
		}
		info = la->dgelsd(MLW_COL_MAJOR, (int)p, (int)p, 1, G, (int)p,
				  z, (int)p, s, DBL_EPSILON, &rank);
		if (info < 0)
			BUG("dgelsd argument %d", -info);
		if (!info) {
			memcpy(m->coef, z, p * sizeof(double));
			if (rank < (int)p)
				warn_dependent(par, S, q1, p, xmean, n, rank);
		}
		m->solver = "tsqr+gelsd";
		free(s);
		free(z);
	}
	if (!info) {
		m->rank = rank;
		set_intercept(m, xmean, ymean);
		m->converged = 1;
		m->objective = 0;
	}
	free(S);
	free(G);
	free(xmean);
	if (info < 0)
		return info;
	if (info > 0)
		return mlw_error_setc(MLW_ENUMERIC,
			"least squares: the SVD did not converge (%d superdiagonals)",
			info);
	return 0;
}

/* the sum numpy's add.reduce takes of a vector: pairwise, 8 at a time */
static double numpy_sum(const double *a, size_t n)
{
	double r[8], res = 0;
	size_t i, k, n2;

	if (n < 8) {
		for (i = 0; i < n; i++)
			res += a[i];
		return res;
	}
	if (n > 128) {
		n2 = n / 2;
		n2 -= n2 % 8;
		return numpy_sum(a, n2) + numpy_sum(a + n2, n - n2);
	}
	for (k = 0; k < 8; k++)
		r[k] = a[k];
	for (i = 8; i < n - n % 8; i += 8)
		for (k = 0; k < 8; k++)
			r[k] += a[i + k];
	res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
	for (; i < n; i++)
		res += a[i];
	return res;
}

/*
 * Least squares with at least as many features as rows, as scipy's
 * lstsq solves it for scikit-learn: dgelsd (SVD) on a centred copy of X,
 * n x p, the minimum-norm solution, singular values below eps times the
 * largest taken as zero.  The normal equations would need p x p
 * matrices (20,000 features: 3.2 GB each) for a problem of n x p.
 */
static int fit_ols_wide(struct mlw_linear_model *m,
			const struct mlw_lapack *la, const double *X,
			size_t n, size_t p, const double *y,
			const struct mlw_linear_params *par)
{
	double *xmean = mlw_calloc(p + 1, sizeof(double)), ymean;
	double *Xc, *b = mlw_calloc(p + 1, sizeof(double));
	double *s = mlw_calloc(n + 1, sizeof(double));
	size_t i, j;
	int info, rank = 0;

	/*
	 * The centred data have a singular value that is zero but for
	 * rounding, right at the rank threshold: whether it counts depends
	 * on the last bits of the means, so they are numpy's, to the bit
	 * (a column's rows summed in order, y by pairwise summation)
	 */
	for (j = 0; j < p; j++) {
		for (i = 0; i < n; i++)
			xmean[j] += X[j * n + i];
		xmean[j] /= (double)n;
	}
	ymean = numpy_sum(y, n) / (double)n;
	Xc = center_copy(X, n, p, xmean);
	for (i = 0; i < n; i++)
		b[i] = y[i] - ymean;
	info = la->dgelsd(MLW_COL_MAJOR, (int)n, (int)p, 1, Xc, (int)n, b,
			  (int)p, s, DBL_EPSILON, &rank);
	if (info < 0)
		BUG("dgelsd argument %d", -info);
	if (!info) {
		memcpy(m->coef, b, p * sizeof(double));
		m->rank = rank;
		set_intercept(m, xmean, ymean);
		m->converged = 1;
	}
	m->solver = "gelsd (wide)";
	mlw_big_free(Xc, n * p * sizeof(double));
	free(b);
	free(s);
	free(xmean);
	if (info > 0)
		return mlw_error_setc(MLW_ENUMERIC,
			"least squares: the SVD did not converge (%d superdiagonals)",
			info);
	return 0;
}

/*
 * Ridge with more features than rows, as scikit-learn's cholesky solver
 * does it then (_solve_cholesky_kernel): the dual, w = Xc' c with
 * (Xc Xc' + alpha I) c = yc, an n x n system by Cholesky; when it is not
 * positive definite (alpha 0 on a singular kernel) the least-squares
 * solution (dgelsd), as scikit-learn falls back.  Memory n x p and
 * n x n, not p x p.
 */
static int fit_ridge_dual(struct mlw_linear_model *m,
			  const struct mlw_lapack *la, const double *X,
			  size_t n, size_t p, const double *y,
			  const struct mlw_linear_params *par)
{
	int threads = mlw_train_ctx_threads(par->ctx, MLW_ROWPASS_MAX_CHUNKS);
	double *xmean = mlw_calloc(p + 1, sizeof(double)), ymean = 0;
	double *K = mlw_calloc(n * n + 1, sizeof(double));
	double *c = mlw_calloc(n + 1, sizeof(double)), *r, *Xc;
	size_t i, j;
	int info, rank;

	col_means(xmean, &ymean, la, X, n, p, y, threads, NULL);
	Xc = center_copy(X, n, p, xmean);
	la->dsyrk(MLW_COL_MAJOR, MLW_LOWER, MLW_NO_TRANS, (int)n, (int)p, 1,
		  Xc, (int)n, 0, K, (int)n);
	for (j = 0; j < n; j++)
		for (i = j + 1; i < n; i++)
			K[i * n + j] = K[j * n + i];
	for (i = 0; i < n; i++) {
		K[i * n + i] += par->alpha;
		c[i] = y[i] - ymean;
	}
	m->solver = "cholesky (dual)";
	info = la->dposv(MLW_COL_MAJOR, 'L', (int)n, 1, K, (int)n, c, (int)n);
	if (info < 0)
		BUG("dposv argument %d", -info);
	if (info > 0) {
		double *sv = mlw_calloc(n + 1, sizeof(double));

		la->dsyrk(MLW_COL_MAJOR, MLW_LOWER, MLW_NO_TRANS, (int)n,
			  (int)p, 1, Xc, (int)n, 0, K, (int)n);
		for (j = 0; j < n; j++)
			for (i = j + 1; i < n; i++)
				K[i * n + j] = K[j * n + i];
		for (i = 0; i < n; i++) {
			K[i * n + i] += par->alpha;
			c[i] = y[i] - ymean;
		}
		info = la->dgelsd(MLW_COL_MAJOR, (int)n, (int)n, 1, K, (int)n,
				  c, (int)n, sv, DBL_EPSILON, &rank);
		free(sv);
		if (info < 0)
			BUG("dgelsd argument %d", -info);
		m->solver = "gelsd (dual)";
	}
	if (!info) {
		la->dgemv(MLW_COL_MAJOR, MLW_TRANS, (int)n, (int)p, 1, Xc,
			  (int)n, c, 1, 0, m->coef, 1);
		set_intercept(m, xmean, ymean);
		m->converged = 1;
		/* ||yc - Xc w||^2 + alpha ||w||^2 */
		r = mlw_calloc(n + 1, sizeof(double));
		for (i = 0; i < n; i++)
			r[i] = y[i] - ymean;
		la->dgemv(MLW_COL_MAJOR, MLW_NO_TRANS, (int)n, (int)p, -1, Xc,
			  (int)n, m->coef, 1, 1, r, 1);
		m->objective = sumsq(r, n) + par->alpha * sumsq(m->coef, p);
		free(r);
	}
	mlw_big_free(Xc, n * p * sizeof(double));
	free(K);
	free(c);
	free(xmean);
	if (info > 0)
		return mlw_error_setc(MLW_ENUMERIC,
				      "ridge: the SVD of the kernel did not converge");
	return 0;
}

/*
 * The eigenvalues of the symmetric p x p matrix A (destroyed) into ev
 * (unsorted) by cyclic Jacobi rotations: for the small matrices where
 * OpenBLAS's dsyevd wakes its thread pool for nothing.  0, or -1 when
 * the sweeps do not converge.
 */
static int jacobi_eigenvalues(double *ev, double *A, size_t p)
{
	size_t i, j, k, sweep;
	double tiny = 0;

	/* what rounding leaves of a zero: eps times the largest entry */
	for (k = 0; k < p * p; k++)
		if (fabs(A[k]) > tiny)
			tiny = fabs(A[k]);
	tiny *= DBL_EPSILON;
	for (sweep = 0; sweep < 64; sweep++) {
		size_t rotations = 0;

		for (j = 0; j < p; j++)
			for (i = j + 1; i < p; i++) {
				double apq = A[i * p + j], app = A[j * p + j];
				double aqq = A[i * p + i], theta, t, c, s;

				/* nothing next to the diagonal: zero */
				if (fabs(apq) <= tiny ||
				    fabs(apq) <= 0.5 * DBL_EPSILON *
						 sqrt(fabs(app * aqq))) {
					A[i * p + j] = A[j * p + i] = 0;
					continue;
				}
				rotations++;
				theta = (aqq - app) / (2 * apq);
				t = (theta >= 0 ? 1 : -1) /
				    (fabs(theta) + sqrt(theta * theta + 1));
				c = 1 / sqrt(t * t + 1);
				s = t * c;
				/* columns j and i, then rows j and i */
				for (k = 0; k < p; k++) {
					double x = A[j * p + k], y = A[i * p + k];

					A[j * p + k] = c * x - s * y;
					A[i * p + k] = s * x + c * y;
				}
				for (k = 0; k < p; k++) {
					double x = A[k * p + j], y = A[k * p + i];

					A[k * p + j] = c * x - s * y;
					A[k * p + i] = s * x + c * y;
				}
			}
		if (!rotations)
			break;
	}
	if (sweep == 64)
		return -1;
	for (j = 0; j < p; j++)
		ev[j] = A[j * p + j];
	return 0;
}

/*
 * lam[0], lam[1]: the smallest and largest eigenvalue of the p x p
 * block of S (leading dimension p + 1); NaN when they cannot be had.
 */
static void extreme_eigenvalues(double *lam, const struct mlw_lapack *la,
				const double *S, size_t p)
{
	double *A = mlw_calloc(p * p + 1, sizeof(double));
	double *ev = mlw_calloc(p + 1, sizeof(double));
	size_t j;
	int ok;

	lam[0] = lam[1] = NAN;
	for (j = 0; j < p; j++)
		memcpy(A + j * p, S + j * (p + 1), p * sizeof(double));
	ok = p && (p <= 32 ? !jacobi_eigenvalues(ev, A, p) :
		   !la->dsyevd(MLW_COL_MAJOR, 'N', 'L', (int)p, A, (int)p,
			       ev));
	for (j = 0; ok && j < p; j++) {
		if (j == 0 || ev[j] < lam[0])
			lam[0] = ev[j];
		if (j == 0 || ev[j] > lam[1])
			lam[1] = ev[j];
	}
	free(A);
	free(ev);
}

/*
 * Whether G = X'X + alpha I, with lam the extreme eigenvalues of X'X,
 * certainly passes cholesky_solve()'s test of dpocon's estimate, so that
 * the estimate need not be made and the solve takes the same path.
 * dpocon estimates ||G^-1||_1 from below, so its reciprocal condition
 * is at least 1 / cond_1(G) >= 1 / (p cond_2(G)); cond_2 is bounded
 * from the eigenvalues, widened by far more than their error (a few
 * hundred eps ||X'X||_2 for Jacobi, which drops entries under eps times
 * the largest, or dsyevd), with a factor 16 to spare.
 */
static int well_conditioned(const double *lam, size_t p, double alpha,
			    double min_rcond)
{
	double err, lo, hi;

	if (!(lam[0] == lam[0]) || !(lam[1] == lam[1]) || !(alpha >= 0))
		return 0;
	err = 1e-10 * (fabs(lam[0]) > fabs(lam[1]) ? fabs(lam[0]) :
		       fabs(lam[1]));
	lo = lam[0] + alpha - err;
	hi = lam[1] + alpha + err;
	return lo > 0 && isfinite(hi) &&
	       16 * (double)p * (hi / lo) * min_rcond <= 1;
}

/*
 * Ridge: the normal equations (X'X + alpha I) w = X'y by Cholesky, as
 * scikit-learn's "cholesky" solver: X'X costs one blocked dsyrk pass over
 * the data (n p^2 / 2 flops, BLAS-3) and the solve p^3 / 3, so it is the
 * fastest exact method when n >> p.  Squaring X squares its condition
 * number, so when the factor's estimated reciprocal condition is below
 * 1e-12 the solution comes from the SVD of a centred copy of X instead
 * (w = V diag(s / (s^2 + alpha)) U'y), which loses nothing to
 * conditioning.
 */
static int fit_ridge(struct mlw_linear_model *m, const struct mlw_lapack *la,
		     const double *X, size_t n, size_t p, const double *y,
		     const struct mlw_linear_params *par)
{
	int threads = mlw_train_ctx_threads(par->ctx, MLW_ROWPASS_MAX_CHUNKS);
	double alpha = par->alpha;
	size_t q1 = p + 1, i, j;
	double *xmean = mlw_calloc(q1, sizeof(double)), ymean = 0;
	double *S = mlw_calloc(q1 * q1, sizeof(double));
	double *G = mlw_calloc(p * p + 1, sizeof(double)), *q = S + p * q1;
	double yy, qw = 0, wGw = 0;
	/* xmean, ymean, S, the extreme eigenvalues of X'X */
	size_t stats = q1 + q1 * q1 + 2;
	const double *kept;
	int ret = 0;

	/* alpha aside, the same for every fit on this design: kept */
	kept = par->memo ? mlw_fit_memo_get(par->memo, "ridge-gram",
					    stats * sizeof(double)) : NULL;
	if (kept) {
		memcpy(xmean, kept, p * sizeof(double));
		ymean = kept[p];
		memcpy(S, kept + q1, q1 * q1 * sizeof(double));
	} else {
		col_means(xmean, &ymean, la, X, n, p, y, threads, par->ctx);
		gram(S, la, X, n, p, y, xmean, ymean, threads, par->ctx);
	}
	if (!kept && par->memo) {
		double *keep = mlw_malloc(stats * sizeof(double));

		memcpy(keep, xmean, p * sizeof(double));
		keep[p] = ymean;
		memcpy(keep + q1, S, q1 * q1 * sizeof(double));
		extreme_eigenvalues(keep + stats - 2, la, S, p);
		if (!mlw_fit_memo_put(par->memo, "ridge-gram", keep,
				      stats * sizeof(double)))
			free(keep);
	}
	yy = S[p * q1 + p];
	for (j = 0; j < p; j++) {
		memcpy(G + j * p, S + j * q1, p * sizeof(double));
		G[j * p + j] += alpha;
	}
	if (cholesky_solve(m->coef, la, G, q, p, 1e-12,
			   kept && well_conditioned(kept + stats - 2, p,
						    alpha, 1e-12))) {
		m->solver = "cholesky";
	} else if (mlw_train_distributed(par->ctx)) {
		ret = mlw_error_setc(MLW_EINVALID,
			"ridge: X'X + alpha I is too ill-conditioned for the normal equations (reciprocal condition below 1e-12): the SVD solver needs all rows at once; train in one process or raise --alpha");
	} else {
		size_t r = n < p ? n : p;
		double *Xc = center_copy(X, n, p, xmean);
		double *yc = mlw_malloc(mlw_st_mult(n, sizeof(double)));
		double *s = mlw_calloc(r + 1, sizeof(double));
		double *U = mlw_big_alloc(mlw_st_mult(mlw_st_mult(n, r + 1),
						      sizeof(double)));
		double *VT = mlw_calloc(r * p + 1, sizeof(double));
		double *uty = mlw_calloc(r + 1, sizeof(double));
		int info;

		for (i = 0; i < n; i++)
			yc[i] = y[i] - ymean;
		info = la->dgesdd(MLW_COL_MAJOR, 'S', (int)n, (int)p, Xc, (int)n,
				  s, U, (int)n, VT, (int)r);
		if (info < 0)
			BUG("dgesdd argument %d", -info);
		if (info > 0) {
			ret = mlw_error_setc(MLW_ENUMERIC,
					     "ridge: the SVD did not converge");
		} else {
			la->dgemv(MLW_COL_MAJOR, MLW_TRANS, (int)n, (int)r, 1.0,
				  U, (int)n, yc, 1, 0.0, uty, 1);
			for (i = 0; i < r; i++) {
				double d = s[i] * s[i] + alpha;

				uty[i] = d > 0 ? uty[i] * s[i] / d : 0;
			}
			la->dgemv(MLW_COL_MAJOR, MLW_TRANS, (int)r, (int)p, 1.0,
				  VT, (int)r, uty, 1, 0.0, m->coef, 1);
		}
		m->solver = "svd";
		free(s);
		mlw_big_free(U, n * (r + 1) * sizeof(double));
		mlw_big_free(Xc, n * (p ? p : 1) * sizeof(double));
		free(yc);
		free(VT);
		free(uty);
	}
	if (!ret) {
		set_intercept(m, xmean, ymean);
		m->converged = 1;
		/* ||yc - Xc w||^2 + alpha ||w||^2 from the Gram matrix */
		for (j = 0; j < p; j++) {
			qw += q[j] * m->coef[j];
			for (i = 0; i < p; i++)
				wGw += m->coef[i] * S[j * q1 + i] * m->coef[j];
		}
		m->objective = yy - 2 * qw + wGw + alpha * sumsq(m->coef, p);
	}
	free(S);
	free(G);
	free(xmean);
	return ret;
}

static double l1_norm(const double *v, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += fabs(v[i]);
	return s;
}

static double soft_threshold(double x, double t)
{
	return x > t ? x - t : x < -t ? x + t : 0;
}

/*
 * The elastic net objective at w from the Gram quantities: q = Xc'yc,
 * H = Xc'Xc w, y2 = yc'yc.
 */
static double enet_objective(const double *q, const double *w,
			     const double *H, double y2, size_t n, size_t p,
			     const struct mlw_linear_params *par)
{
	double qw = 0, wHw = 0, l1n = 0;
	size_t j;

	for (j = 0; j < p; j++) {
		qw += q[j] * w[j];
		wHw += w[j] * H[j];
		l1n += fabs(w[j]);
	}
	return (y2 - 2 * qw + wHw) / (2.0 * (double)n) +
	       par->alpha * par->l1_ratio * l1n +
	       0.5 * par->alpha * (1 - par->l1_ratio) * sumsq(w, p);
}

/*
 * Lasso and elastic net by cyclic coordinate descent on the Gram matrix
 * (scikit-learn's enet_coordinate_descent_gram): after one dsyrk pass,
 * each sweep costs p^2 instead of n p, so many sweeps to a tight tolerance
 * stay cheap.  Stops, like scikit-learn, when the largest coefficient
 * change falls below tol relative to the largest coefficient and the
 * duality gap is below tol * ||y||^2.
 */
static int fit_enet(struct mlw_linear_model *m, const struct mlw_lapack *la,
		    const double *X, size_t n, size_t p, const double *y,
		    const struct mlw_linear_params *par)
{
	int threads = mlw_train_ctx_threads(par->ctx, MLW_ROWPASS_MAX_CHUNKS);
	size_t q1 = p + 1;
	double *xmean = mlw_calloc(q1, sizeof(double)), ymean = 0;
	double *S = mlw_calloc(q1 * q1, sizeof(double));
	double *G = mlw_calloc(p * p + 1, sizeof(double));
	double *q = S + p * q1;
	double *H = mlw_calloc(p + 1, sizeof(double));	/* G w */
	double *w = m->coef;
	double l1, l2, y2, tol, gap = INFINITY;
	size_t i, j, nr = n;
	int iter;

	/* every rank's rows from here on: n is their number */
	n = col_means(xmean, &ymean, la, X, nr, p, y, threads, par->ctx);
	gram(S, la, X, nr, p, y, xmean, ymean, threads, par->ctx);
	l1 = par->alpha * par->l1_ratio * (double)n;
	l2 = par->alpha * (1 - par->l1_ratio) * (double)n;
	for (j = 0; j < p; j++)
		memcpy(G + j * p, S + j * q1, p * sizeof(double));
	y2 = S[p * q1 + p];
	tol = par->tol * y2;
	for (iter = 0; iter < par->max_iter; iter++) {
		double w_max = 0, dw_max = 0;

		for (j = 0; j < p; j++) {
			const double *Gj = G + j * p;
			double old = w[j], tmp;

			if (Gj[j] == 0)
				continue;
			if (old != 0)
				for (i = 0; i < p; i++)
					H[i] -= old * Gj[i];
			tmp = q[j] - H[j];
			w[j] = soft_threshold(tmp, l1) / (Gj[j] + l2);
			if (w[j] != 0)
				for (i = 0; i < p; i++)
					H[i] += w[j] * Gj[i];
			if (fabs(w[j] - old) > dw_max)
				dw_max = fabs(w[j] - old);
			if (fabs(w[j]) > w_max)
				w_max = fabs(w[j]);
		}
		if (w_max == 0 || dw_max / w_max < par->tol ||
		    iter == par->max_iter - 1) {
			double qw = 0, wHw = 0, w2 = 0, l1n = 0, dual = 0, c;
			double r2;

			for (j = 0; j < p; j++) {
				double xta = q[j] - H[j] - l2 * w[j];

				qw += q[j] * w[j];
				wHw += w[j] * H[j];
				w2 += w[j] * w[j];
				l1n += fabs(w[j]);
				if (fabs(xta) > dual)
					dual = fabs(xta);
			}
			r2 = y2 - 2 * qw + wHw;
			if (dual > l1) {
				c = l1 / dual;
				gap = 0.5 * (r2 + r2 * c * c);
			} else {
				c = 1;
				gap = r2;
			}
			gap += l1 * l1n - c * y2 + c * qw +
			       0.5 * l2 * (1 + c * c) * w2;
			if (gap < tol) {
				iter++;
				m->converged = 1;
				break;
			}
		}
		if (par->ctx && par->ctx->progress &&
		    mlw_train_report(par->ctx, "iteration", iter + 1,
				     par->max_iter, "objective",
				     enet_objective(q, w, H, y2, n, p, par))) {
			iter++;
			break;
		}
	}
	m->nr_iter = iter;
	m->solver = "coordinate_descent";
	set_intercept(m, xmean, ymean);
	m->objective = enet_objective(q, w, H, y2, n, p, par);
	free(S);
	free(G);
	free(H);
	free(xmean);
	return 0;
}

int mlw_linear_wide(enum mlw_algorithm algo, size_t n, size_t p)
{
	switch (algo) {
	case MLW_ALGO_RIDGE:
		return p > n;
	case MLW_ALGO_LINEAR:
	case MLW_ALGO_LASSO:
	case MLW_ALGO_ELASTIC_NET:
		return p >= n;
	default:
		return 0;
	}
}

/*
 * Lasso and elastic net with at least as many features as rows, as
 * scikit-learn solves them then (enet_coordinate_descent without a
 * Gram matrix): cyclic coordinate descent on a centred copy of X, the
 * residual kept up to date, n flops a coordinate; the same stopping
 * rules as fit_enet().  Memory n x p, not p x p.
 */
static int fit_enet_rows(struct mlw_linear_model *m,
			 const struct mlw_lapack *la, const double *X,
			 size_t n, size_t p, const double *y,
			 const struct mlw_linear_params *par)
{
	int threads = mlw_train_ctx_threads(par->ctx, MLW_ROWPASS_MAX_CHUNKS);
	double *xmean = mlw_calloc(p + 1, sizeof(double)), ymean = 0;
	double *norm = mlw_calloc(p + 1, sizeof(double));
	double *R = mlw_calloc(n + 1, sizeof(double));
	double *yc = mlw_calloc(n + 1, sizeof(double)), *Xc, *w = m->coef;
	double l1 = par->alpha * par->l1_ratio * (double)n;
	double l2 = par->alpha * (1 - par->l1_ratio) * (double)n;
	double y2, tol;
	size_t i, j;
	int iter;

	col_means(xmean, &ymean, la, X, n, p, y, threads, NULL);
	Xc = center_copy(X, n, p, xmean);
	for (i = 0; i < n; i++)
		R[i] = yc[i] = y[i] - ymean;
	for (j = 0; j < p; j++)
		norm[j] = sumsq(Xc + j * n, n);
	y2 = sumsq(yc, n);
	tol = par->tol * y2;
	for (iter = 0; iter < par->max_iter; iter++) {
		double w_max = 0, dw_max = 0;

		for (j = 0; j < p; j++) {
			const double *x = Xc + j * n;
			double old = w[j], tmp = 0;

			if (norm[j] == 0)
				continue;
			if (old != 0)
				for (i = 0; i < n; i++)
					R[i] += old * x[i];
			for (i = 0; i < n; i++)
				tmp += x[i] * R[i];
			w[j] = soft_threshold(tmp, l1) / (norm[j] + l2);
			if (w[j] != 0)
				for (i = 0; i < n; i++)
					R[i] -= w[j] * x[i];
			if (fabs(w[j] - old) > dw_max)
				dw_max = fabs(w[j] - old);
			if (fabs(w[j]) > w_max)
				w_max = fabs(w[j]);
		}
		if (w_max == 0 || dw_max / w_max < par->tol ||
		    iter == par->max_iter - 1) {
			double dual = 0, r2 = sumsq(R, n), w2 = sumsq(w, p);
			double l1n = 0, ry = 0, c, gap;

			for (j = 0; j < p; j++) {
				const double *x = Xc + j * n;
				double xta = 0;

				for (i = 0; i < n; i++)
					xta += x[i] * R[i];
				xta -= l2 * w[j];
				if (fabs(xta) > dual)
					dual = fabs(xta);
				l1n += fabs(w[j]);
			}
			for (i = 0; i < n; i++)
				ry += R[i] * yc[i];
			c = dual > l1 ? l1 / dual : 1;
			gap = dual > l1 ? 0.5 * (r2 + r2 * c * c) : r2;
			gap += l1 * l1n - c * ry + 0.5 * l2 * (1 + c * c) * w2;
			if (gap < tol) {
				iter++;
				m->converged = 1;
				break;
			}
		}
		if (par->ctx && par->ctx->progress &&
		    mlw_train_report(par->ctx, "iteration", iter + 1,
				     par->max_iter, "objective",
				     sumsq(R, n) / (2.0 * (double)n) +
				     par->alpha * par->l1_ratio *
				     l1_norm(w, p) + 0.5 * par->alpha *
				     (1 - par->l1_ratio) * sumsq(w, p))) {
			iter++;
			break;
		}
	}
	m->nr_iter = iter;
	m->solver = "coordinate_descent (rows)";
	set_intercept(m, xmean, ymean);
	m->objective = sumsq(R, n) / (2.0 * (double)n) +
		       par->alpha * par->l1_ratio * l1_norm(w, p) +
		       0.5 * par->alpha * (1 - par->l1_ratio) * sumsq(w, p);
	mlw_big_free(Xc, n * p * sizeof(double));
	free(xmean);
	free(norm);
	free(R);
	free(yc);
	return 0;
}

int mlw_linear_fit(struct mlw_linear_model *out, enum mlw_algorithm algo,
		   const struct mlw_linear_params *par, const double *X,
		   size_t n, size_t p, const double *y)
{
	const struct mlw_lapack *la;
	size_t nout = 1;
	int ret;

	memset(out, 0, sizeof(*out));
	size_t N = mlw_train_total(par->ctx, n);

	if (N < 2)
		return mlw_error_setc(MLW_EINVALID,
				      "%zu training row%s: at least 2 are needed",
				      N, N == 1 ? "" : "s");
	if (mlw_train_distributed(par->ctx) && algo != MLW_ALGO_LOGISTIC &&
	    mlw_linear_wide(algo, N, p))
		return mlw_error_setc(MLW_EINVALID,
			"%s with %zu features on %zu rows is solved on the rows themselves, which needs all of them at once: train in one process",
			mlw_algorithm_name(algo), p, N);
	if (n > 0x7fffffff || p > 0x7fffffff)
		return mlw_error_setc(MLW_EINVALID,
				      "%zu x %zu is too large for LAPACK's 32-bit sizes",
				      n, p);
	ret = mlw_lapack_load(&la);
	if (ret)
		return ret;
	if (algo == MLW_ALGO_LOGISTIC && par->nr_classes > 2)
		nout = par->nr_classes;
	out->algorithm = algo;
	out->nr_features = p;
	out->nr_outputs = nout;
	out->coef = mlw_calloc(p * nout + 1, sizeof(double));
	out->intercept = mlw_calloc(nout, sizeof(double));
	switch (algo) {
	/* more features than rows: no p x p matrix (mlw_linear_wide()) */
	case MLW_ALGO_LINEAR:
		ret = mlw_linear_wide(algo, N, p) ?
		      fit_ols_wide(out, la, X, n, p, y, par) :
		      fit_ols(out, la, X, n, p, y, par);
		break;
	case MLW_ALGO_RIDGE:
		ret = mlw_linear_wide(algo, N, p) ?
		      fit_ridge_dual(out, la, X, n, p, y, par) :
		      fit_ridge(out, la, X, n, p, y, par);
		break;
	case MLW_ALGO_LASSO:
	case MLW_ALGO_ELASTIC_NET:
		ret = mlw_linear_wide(algo, N, p) ?
		      fit_enet_rows(out, la, X, n, p, y, par) :
		      fit_enet(out, la, X, n, p, y, par);
		break;
	case MLW_ALGO_LOGISTIC:
		ret = mlw_logistic_fit(out, la, X, n, p, y, par);
		break;
	default:
		BUG("mlw_linear_fit: '%s' is not a linear model",
		    mlw_algorithm_name(algo));
	}
	if (ret)
		mlw_linear_model_release(out);
	return ret;
}

struct predict_job {
	double *out;
	const struct mlw_linear_model *m;
	const double *X;
	size_t n, lo, hi;
	pthread_t thread;
};

/*
 * Rows [lo, hi) of the scores, a block of rows at a time so the block's
 * scores stay in cache while the columns stream by.  Every row is summed
 * in the same order (intercept, then feature by feature) however the rows
 * are cut, so training and streamed scoring agree to the bit.
 */
static void *predict_rows(void *arg)
{
	struct predict_job *j = arg;
	const struct mlw_linear_model *m = j->m;
	size_t p = m->nr_features, K = m->nr_outputs, n = j->n, i0, i, jj, k;

	for (i0 = j->lo; i0 < j->hi; i0 += 2048) {
		size_t i1 = j->hi - i0 < 2048 ? j->hi : i0 + 2048;

		for (k = 0; k < K; k++) {
			double *z = j->out + k * n;
			const double *w = m->coef + k * p;

			for (i = i0; i < i1; i++)
				z[i] = m->intercept[k];
			for (jj = 0; jj < p; jj++) {
				const double *x = j->X + jj * n;

				for (i = i0; i < i1; i++)
					z[i] += w[jj] * x[i];
			}
		}
	}
	return NULL;
}

void mlw_linear_proba(double *out, size_t n, size_t nr_outputs)
{
	size_t i, k, K = nr_outputs;

	if (K == 1) {
		/* binary: column 1 is P(class 1), column 0 its complement */
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

void mlw_linear_predict(double *out, const struct mlw_linear_model *m,
			const double *X, size_t n, size_t nr_classes,
			int nr_threads)
{
	struct predict_job jobs[MLW_ROWPASS_MAX_CHUNKS];
	size_t t, threads = 1;

	/* threads for the big matrices training scores, not for blocks */
	if (n >= ((size_t)1 << 18) && nr_threads > 1)
		threads = nr_threads > MLW_ROWPASS_MAX_CHUNKS ?
			  MLW_ROWPASS_MAX_CHUNKS : (size_t)nr_threads;
	for (t = 0; t < threads; t++) {
		struct predict_job *j = &jobs[t];

		j->out = out;
		j->m = m;
		j->X = X;
		j->n = n;
		j->lo = n * t / threads;
		j->hi = n * (t + 1) / threads;
		if (t && pthread_create(&j->thread, NULL, predict_rows, j))
			BUG("cannot create a thread");
	}
	predict_rows(&jobs[0]);
	for (t = 1; t < threads; t++)
		pthread_join(jobs[t].thread, NULL);
	if (m->algorithm == MLW_ALGO_LOGISTIC)
		mlw_linear_proba(out, n, m->nr_outputs);
	(void)nr_classes;
}

void mlw_linear_model_release(struct mlw_linear_model *m)
{
	free(m->coef);
	free(m->intercept);
	m->coef = m->intercept = NULL;
}

/* ---- the trainers of the regression models ---- */

static const struct mlw_hparam ridge_hparams[] = {
	MLW_HPARAM_ALPHA,
};

static const struct mlw_hparam lasso_hparams[] = {
	MLW_HPARAM_ALPHA,
	MLW_HPARAM_MAX_ITER(1000),
	MLW_HPARAM_TOL,
};

static const struct mlw_hparam elastic_net_hparams[] = {
	MLW_HPARAM_ALPHA,
	{ "l1_ratio", MLW_HPARAM_FLOAT, "R", "share of the L1 penalty (0.5)",
	  0.5, 0, 1, NULL, 0 },
	MLW_HPARAM_MAX_ITER(1000),
	MLW_HPARAM_TOL,
};

void mlw_linear_params_from(struct mlw_linear_params *lp,
			    const struct mlw_hparams *hp,
			    const struct mlw_fit_input *in,
			    struct mlw_train_ctx *ctx)
{
	const struct mlw_trainer *t = hp->trainer;
	size_t i;

	mlw_linear_params_init(lp, t->algorithm);
	for (i = 0; i < t->nr_hparams; i++) {
		const char *name = t->hparams[i].name;
		double v = hp->value[i];

		if (!strcmp(name, "alpha"))
			lp->alpha = v;
		else if (!strcmp(name, "l1_ratio"))
			lp->l1_ratio = v;
		else if (!strcmp(name, "C"))
			lp->C = v;
		else if (!strcmp(name, "max_iter"))
			lp->max_iter = (int)v;
		else if (!strcmp(name, "tol"))
			lp->tol = v;
		else if (!strcmp(name, "class_weight"))
			lp->class_weight_balanced = v == 1;
	}
	lp->nr_classes = in ? in->nr_classes : 0;
	lp->names = in ? in->names : NULL;
	lp->ctx = ctx;
	lp->memo = in && !mlw_train_distributed(ctx) ? in->memo : NULL;
}

static int linear_fit(struct mlw_model *m, const struct mlw_hparams *hp,
		      const struct mlw_fit_input *in,
		      struct mlw_train_ctx *ctx)
{
	struct mlw_linear_params lp;

	mlw_linear_params_from(&lp, hp, in, ctx);
	return mlw_linear_fit(&m->linear, hp->trainer->algorithm, &lp, in->X,
			      in->n, in->p, in->y);
}

static int linear_predict(double *out, const struct mlw_model *m,
			  const double *X, size_t n, int nr_threads)
{
	mlw_linear_predict(out, &m->linear, X, n, 1, nr_threads);
	return 0;
}

static size_t one_output(const struct mlw_model *m)
{
	return 1;
}

/* coef and intercept are in the common part of params.bin: one output */
static void linear_validate(struct mlw_params_reader *r,
			    const struct mlw_model *m)
{
	if (m->linear.nr_outputs != 1)
		mlw_params_fail(r, "nr_outputs",
				"%zu for a regression (1 expected)",
				m->linear.nr_outputs);
}

/* the normal equations' p x p matrices, or the wide paths' copies */
static double linear_memory(const struct mlw_hparams *hp, size_t n, size_t p,
			    size_t nr_classes)
{
	double N = (double)n, P = (double)p, Q = P + 1;

	if (mlw_linear_wide(hp->trainer->algorithm, n, p))
		return 8 * (N * P + N * N + 4 * (N + P));
	return 8 * (3 * Q * Q + 16 * Q);
}

const struct mlw_trainer mlw_linear_trainer = {
	.name = "linear",
	.algorithm = MLW_ALGO_LINEAR,
	.task = MLW_TASK_REGRESSION,
	.estimator = "LinearRegression",
	.fit = linear_fit,
	.predict = linear_predict,
	.nr_outputs = one_output,
	.validate = linear_validate,
	.memory = linear_memory,
};

const struct mlw_trainer mlw_ridge_trainer = {
	.name = "ridge",
	.algorithm = MLW_ALGO_RIDGE,
	.task = MLW_TASK_REGRESSION,
	.estimator = "Ridge",
	.hparams = ridge_hparams,
	.nr_hparams = sizeof(ridge_hparams) / sizeof(*ridge_hparams),
	.fit = linear_fit,
	.predict = linear_predict,
	.nr_outputs = one_output,
	.validate = linear_validate,
	.memory = linear_memory,
};

const struct mlw_trainer mlw_lasso_trainer = {
	.name = "lasso",
	.algorithm = MLW_ALGO_LASSO,
	.task = MLW_TASK_REGRESSION,
	.estimator = "Lasso",
	.hparams = lasso_hparams,
	.nr_hparams = sizeof(lasso_hparams) / sizeof(*lasso_hparams),
	.fit = linear_fit,
	.predict = linear_predict,
	.nr_outputs = one_output,
	.validate = linear_validate,
	.memory = linear_memory,
};

const struct mlw_trainer mlw_elastic_net_trainer = {
	.name = "elastic_net",
	.algorithm = MLW_ALGO_ELASTIC_NET,
	.task = MLW_TASK_REGRESSION,
	.estimator = "ElasticNet",
	.hparams = elastic_net_hparams,
	.nr_hparams = sizeof(elastic_net_hparams) /
		      sizeof(*elastic_net_hparams),
	.fit = linear_fit,
	.predict = linear_predict,
	.nr_outputs = one_output,
	.validate = linear_validate,
	.memory = linear_memory,
};
