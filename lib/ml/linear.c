/*
 * linear.c - the linear-model trainers (linear.h).
 *
 * Every estimator with an intercept is solved the way scikit-learn
 * solves it: centre the columns of X and y with the (weighted) means, fit
 * w on the centred data without intercept, then b = mean(y) - mean(X) w.
 * (Logistic regression cannot be centred and fits b as a parameter.)
 */
#include "ml/linear.h"
#include "ml/dataset.h"
#include "ml/lapack.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/strutil.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const algorithm_names[] = {
	[MLW_ALGO_LINEAR] = "linear",
	[MLW_ALGO_RIDGE] = "ridge",
	[MLW_ALGO_LASSO] = "lasso",
	[MLW_ALGO_ELASTIC_NET] = "elastic_net",
	[MLW_ALGO_LOGISTIC] = "logistic",
	[MLW_ALGO_KERNEL_RIDGE] = "kernel_ridge",
	[MLW_ALGO_LDA] = "lda",
	[MLW_ALGO_GAUSSIAN_NB] = "gaussian_nb",
	[MLW_ALGO_KMEANS] = "kmeans",
	[MLW_ALGO_PCA] = "pca",
};

int mlw_algorithm_parse(enum mlw_algorithm *out, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(algorithm_names) / sizeof(*algorithm_names); i++)
		if (!strcmp(name, algorithm_names[i])) {
			*out = (enum mlw_algorithm)i;
			return 0;
		}
	return mlw_error_setc(MLW_EINVALID,
		"unknown algorithm '%s' (linear, ridge, lasso, elastic_net, logistic, kernel_ridge, lda, gaussian_nb, kmeans, pca)",
		name);
}

const char *mlw_algorithm_name(enum mlw_algorithm algo)
{
	return algorithm_names[algo];
}

int mlw_algorithm_is_classifier(enum mlw_algorithm algo)
{
	return algo == MLW_ALGO_LOGISTIC || algo == MLW_ALGO_LDA ||
	       algo == MLW_ALGO_GAUSSIAN_NB;
}

int mlw_algorithm_is_unsupervised(enum mlw_algorithm algo)
{
	return algo == MLW_ALGO_KMEANS || algo == MLW_ALGO_PCA;
}

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

/* rows in a block: p + 1 columns of them make about 1 MB */
static size_t block_rows(size_t p)
{
	size_t b = ((size_t)128 << 10) / (p + 1);

	return b < 256 ? 256 : b;
}

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
 * centred data, or the R of its QR.  The rows are cut into a fixed
 * number of chunks (it depends on n and p only, so results are the same
 * bits on any number of CPUs); the online CPUs take chunks in turn and
 * each chunk's result is combined in chunk order.  OpenBLAS runs dsyrk on
 * 51 columns on one core whatever its thread count, so two threads
 * calling it halve the time (0.11 -> 0.055 s for 1,000,000 x 51).
 */
enum pass_kind { PASS_SUMS, PASS_GRAM, PASS_QR, PASS_LOGIT };

struct logit;

#define MAX_CHUNKS 16

struct pass {
	enum pass_kind kind;
	const struct mlw_lapack *la;
	const double *X, *y, *xmean;
	double ymean;
	size_t n, p, nr_chunks, outsize;
	double *out;		/* nr_chunks x outsize */
	struct logit *logit;	/* PASS_LOGIT */
};

static void logit_chunk(struct logit *L, size_t qlo, size_t qhi,
			double *out);

struct pass_thread {
	struct pass *pass;
	size_t first, step;
	pthread_t thread;
};

/* rows [lo, hi) into out: sums (p + 1) or the m x m Gram matrix or R */
static void pass_chunk(struct pass *ps, size_t lo, size_t hi, double *out)
{
	size_t p = ps->p, m = p + 1, n = ps->n, b = block_rows(p), i0, i, j;
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

static void *pass_thread(void *arg)
{
	struct pass_thread *t = arg;
	struct pass *ps = t->pass;
	size_t c;

	size_t b = block_rows(ps->p), nr_blocks = (ps->n + b - 1) / b;

	/* chunks are runs of whole blocks */
	for (c = t->first; c < ps->nr_chunks; c += t->step) {
		size_t qlo = nr_blocks * c / ps->nr_chunks;
		size_t qhi = nr_blocks * (c + 1) / ps->nr_chunks;
		double *out = ps->out + c * ps->outsize;

		if (ps->kind == PASS_LOGIT)
			logit_chunk(ps->logit, qlo, qhi, out);
		else if (qlo < qhi)
			pass_chunk(ps, qlo * b, qhi * b < ps->n ? qhi * b : ps->n,
				   out);
	}
	return NULL;
}

/* run ps over all rows; the combined result in out (outsize doubles) */
static void run_pass(struct pass *ps, double *out)
{
	size_t m = ps->p + 1, b = block_rows(ps->p), c, i, j;
	size_t nr_threads = (size_t)sysconf(_SC_NPROCESSORS_ONLN);
	struct pass_thread th[MAX_CHUNKS];

	if (ps->kind != PASS_LOGIT)
		ps->outsize = ps->kind == PASS_SUMS ? m : m * m;
	/* a chunk is at least a few blocks, and chunk results stay small */
	ps->nr_chunks = ps->n / (4 * b) + 1;
	if (ps->nr_chunks > MAX_CHUNKS)
		ps->nr_chunks = MAX_CHUNKS;
	while (ps->nr_chunks > 1 &&
	       ps->nr_chunks * ps->outsize > ((size_t)4 << 20))
		ps->nr_chunks--;
	if (nr_threads < 1)
		nr_threads = 1;
	if (nr_threads > ps->nr_chunks)
		nr_threads = ps->nr_chunks;
	ps->out = mlw_calloc(ps->nr_chunks * ps->outsize, sizeof(double));
	for (i = 0; i < nr_threads; i++) {
		th[i].pass = ps;
		th[i].first = i;
		th[i].step = nr_threads;
		if (i && pthread_create(&th[i].thread, NULL, pass_thread, &th[i]))
			BUG("cannot create a thread");
	}
	pass_thread(&th[0]);
	for (i = 1; i < nr_threads; i++)
		pthread_join(th[i].thread, NULL);
	if (ps->kind != PASS_QR) {
		memset(out, 0, ps->outsize * sizeof(double));
		for (c = 0; c < ps->nr_chunks; c++)
			for (i = 0; i < ps->outsize; i++)
				out[i] += ps->out[c * ps->outsize + i];
	} else {
		/* R of the stacked chunk Rs */
		size_t rows = ps->nr_chunks * m;
		double *W = mlw_calloc(rows * m, sizeof(double));
		double *tau = mlw_calloc(m, sizeof(double));
		int info;

		for (c = 0; c < ps->nr_chunks; c++)
			for (j = 0; j < m; j++)
				memcpy(W + j * rows + c * m,
				       ps->out + c * ps->outsize + j * m,
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
	free(ps->out);
	ps->out = NULL;
}

/* the column means of X (xmean) and of y (*ymean) */
static void col_means(double *xmean, double *ymean,
		      const struct mlw_lapack *la, const double *X, size_t n,
		      size_t p, const double *y)
{
	struct pass ps = { PASS_SUMS, la, X, y, NULL, 0, n, p, 0, 0, NULL,
			   NULL };
	double *s = mlw_calloc(p + 1, sizeof(double));
	size_t j;

	run_pass(&ps, s);
	for (j = 0; j < p; j++)
		xmean[j] = s[j] / (double)n;
	*ymean = s[p] / (double)n;
	free(s);
}

/*
 * S = [Xc yc]'[Xc yc], (p + 1) x (p + 1), both triangles: Xc'Xc, Xc'yc
 * in column p and yc'yc in the corner, from one dsyrk (beta = 1) per
 * block centred into a small buffer.
 */
static void gram(double *S, const struct mlw_lapack *la, const double *X,
		 size_t n, size_t p, const double *y, const double *xmean,
		 double ymean)
{
	struct pass ps = { PASS_GRAM, la, X, y, xmean, ymean, n, p, 0, 0,
			   NULL, NULL };
	size_t m = p + 1, i, j;

	run_pass(&ps, S);
	for (j = 0; j < m; j++)
		for (i = j + 1; i < m; i++)
			S[i * m + j] = S[j * m + i];
}

/*
 * R ((p + 1) x (p + 1) upper triangular) of the QR factorisation of the
 * centred [X y], by a tall-skinny QR (see pass_chunk): orthogonal
 * transformations only, so R is as accurate as a QR of all of [Xc yc]
 * and its singular values are those of [Xc yc], with one block of
 * memory per thread.
 */
static void tsqr(double *R, const struct mlw_lapack *la, const double *X,
		 size_t n, size_t p, const double *y, const double *xmean,
		 double ymean)
{
	struct pass ps = { PASS_QR, la, X, y, xmean, ymean, n, p, 0, 0, NULL,
			   NULL };

	run_pass(&ps, R);
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
 * when G's estimated reciprocal condition number is at least min_rcond:
 * returns 1 and w, else 0.
 */
static int cholesky_solve(double *w, const struct mlw_lapack *la, double *G,
			  const double *q, size_t p, double min_rcond)
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
	la->dpocon(MLW_COL_MAJOR, 'L', (int)p, G, (int)p, anorm, &rcond);
	if (!(rcond >= min_rcond))
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

	if (!par->warnings)
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
			mlw_strlist_push_owned(par->warnings, mlw_xstrfmt(
				"column '%s' is constant; its coefficient is 0", name));
			named++;
		} else if (fabs(R[j * ld + j]) <= 1e-12 * norm) {
			mlw_strlist_push_owned(par->warnings, mlw_xstrfmt(
				"column '%s' is a linear combination of the columns before it; the least-squares solution is not unique (minimum norm taken)",
				name));
			named++;
		}
	}
	if (!named)
		mlw_strlist_push_owned(par->warnings, mlw_xstrfmt(
			"the features are nearly collinear (rank %d of %zu); the minimum-norm solution is taken",
			rank, p));
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

	col_means(xmean, &ymean, la, X, n, p, y);
	gram(S, la, X, n, p, y, xmean, ymean);
	for (j = 0; j < p; j++)
		memcpy(G + j * p, S + j * q1, p * sizeof(double));
	if (n > p && cholesky_solve(m->coef, la, G, S + p * q1, p,
				    OLS_MIN_RCOND)) {
		m->solver = "cholesky";
	} else {
		double *s = mlw_calloc(q1, sizeof(double));
		double *z = mlw_calloc(q1, sizeof(double));

		tsqr(S, la, X, n, p, y, xmean, ymean);
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
	if (info > 0)
		return mlw_error_setc(MLW_ENUMERIC,
			"least squares: the SVD did not converge (%d superdiagonals)",
			info);
	return 0;
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
		     double alpha)
{
	size_t q1 = p + 1, i, j;
	double *xmean = mlw_calloc(q1, sizeof(double)), ymean = 0;
	double *S = mlw_calloc(q1 * q1, sizeof(double));
	double *G = mlw_calloc(p * p + 1, sizeof(double)), *q = S + p * q1;
	double yy, qw = 0, wGw = 0;
	int ret = 0;

	col_means(xmean, &ymean, la, X, n, p, y);
	gram(S, la, X, n, p, y, xmean, ymean);
	yy = S[p * q1 + p];
	for (j = 0; j < p; j++) {
		memcpy(G + j * p, S + j * q1, p * sizeof(double));
		G[j * p + j] += alpha;
	}
	if (cholesky_solve(m->coef, la, G, q, p, 1e-12)) {
		m->solver = "cholesky";
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

static double soft_threshold(double x, double t)
{
	return x > t ? x - t : x < -t ? x + t : 0;
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
	size_t q1 = p + 1;
	double *xmean = mlw_calloc(q1, sizeof(double)), ymean = 0;
	double *S = mlw_calloc(q1 * q1, sizeof(double));
	double *G = mlw_calloc(p * p + 1, sizeof(double));
	double *q = S + p * q1;
	double *H = mlw_calloc(p + 1, sizeof(double));	/* G w */
	double *w = m->coef;
	double l1 = par->alpha * par->l1_ratio * (double)n;
	double l2 = par->alpha * (1 - par->l1_ratio) * (double)n;
	double y2, tol, gap = INFINITY;
	size_t i, j;
	int iter;

	col_means(xmean, &ymean, la, X, n, p, y);
	gram(S, la, X, n, p, y, xmean, ymean);
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
	}
	m->nr_iter = iter;
	m->solver = "coordinate_descent";
	set_intercept(m, xmean, ymean);
	{
		double qw = 0, wHw = 0, l1n = 0;

		for (j = 0; j < p; j++) {
			qw += q[j] * w[j];
			wHw += w[j] * H[j];
			l1n += fabs(w[j]);
		}
		m->objective = (y2 - 2 * qw + wHw) / (2.0 * (double)n) +
			       par->alpha * par->l1_ratio * l1n +
			       0.5 * par->alpha * (1 - par->l1_ratio) *
			       sumsq(w, p);
	}
	free(S);
	free(G);
	free(H);
	free(xmean);
	return 0;
}

/*
 * The logistic problem.  theta holds K' = (K == 2 ? 1 : K) columns of
 * m = p + 1 parameters, the weights then the intercept.  The objective
 *
 *	f = C sum_i sw_i loss_i + 1/2 ||W||^2
 *
 * (scikit-learn's, times C n), its gradient and its Hessian are summed a
 * block of rows at a time, with the block still in cache: the scores by
 * one dgemm on a view of X (no copy), the gradient by another, the
 * Hessian by dsyrk of the block scaled by the square roots of the row
 * weights (binary) or one dgemm per class pair (multinomial).  A pass is
 * one read of X, shared by the threads as the regression passes are.
 *
 * A pass may look at one block in every stride (a systematic sample of
 * the rows, scaled up by n over the rows seen): see newton().
 */
struct logit {
	const struct mlw_lapack *la;
	const double *X, *y;
	size_t n, p, K;		/* K = 1 for binary */
	double C;
	const double *cw;	/* weight of each class */
	const double *theta;	/* where the pass evaluates */
	size_t gstride, hstride;	/* blocks sampled for f and g, for H */
	int want_g, want_h;
};

/*
 * z += X theta and g += X' r for a block of nb rows of X (leading
 * dimension ld), the binary case's two products.  By hand: a dgemm of
 * one column packed (copied) the block first, half the CPU of a fit,
 * and OpenBLAS's dgemv starts its own threads under ours.  Four columns
 * a pass over the block, which is in cache.
 */
static void block_gemv(double *z, const double *X, size_t ld, size_t nb,
		       size_t p, const double *theta)
{
	size_t i, j = 0;

	for (; j + 4 <= p; j += 4) {
		const double *a = X + j * ld, *b = a + ld, *c = b + ld;
		const double *d = c + ld;
		double ta = theta[j], tb = theta[j + 1], tc = theta[j + 2];
		double td = theta[j + 3];

		for (i = 0; i < nb; i++)
			z[i] += ta * a[i] + tb * b[i] + tc * c[i] + td * d[i];
	}
	for (; j < p; j++) {
		const double *a = X + j * ld;

		for (i = 0; i < nb; i++)
			z[i] += theta[j] * a[i];
	}
}

static void block_gemv_t(double *g, const double *X, size_t ld, size_t nb,
			 size_t p, const double *r)
{
	size_t i, j = 0;

	for (; j + 4 <= p; j += 4) {
		const double *a = X + j * ld, *b = a + ld, *c = b + ld;
		const double *d = c + ld;
		double sa = 0, sb = 0, sc = 0, sd = 0;

		for (i = 0; i < nb; i++) {
			sa += a[i] * r[i];
			sb += b[i] * r[i];
			sc += c[i] * r[i];
			sd += d[i] * r[i];
		}
		g[j] += sa;
		g[j + 1] += sb;
		g[j + 2] += sc;
		g[j + 3] += sd;
	}
	for (; j < p; j++) {
		const double *a = X + j * ld;
		double s = 0;

		for (i = 0; i < nb; i++)
			s += a[i] * r[i];
		g[j] += s;
	}
}

static size_t logit_outsize(const struct logit *L)
{
	size_t M = L->K * (L->p + 1);

	/* rows seen, f, g, rows seen for H, H */
	return 2 + M + 1 + M * M;
}

static void logit_chunk(struct logit *L, size_t qlo, size_t qhi, double *out)
{
	size_t n = L->n, p = L->p, K = L->K, m = p + 1, M = K * m;
	size_t b = block_rows(p), q, i, j, k, l;
	double *Z = mlw_malloc(mlw_st_mult(mlw_st_mult(b, K), sizeof(double)));
	double *R = mlw_malloc(mlw_st_mult(mlw_st_mult(b, K), sizeof(double)));
	double *D = L->want_h ? mlw_malloc(mlw_st_mult(mlw_st_mult(b, K * K),
					   sizeof(double))) : NULL;
	double *X1 = L->want_h ? mlw_malloc(mlw_st_mult(mlw_st_mult(b, m),
					    sizeof(double))) : NULL;
	double *T = L->want_h && K > 1 ?
		    mlw_malloc(mlw_st_mult(mlw_st_mult(b, m), sizeof(double))) :
		    NULL;
	double *f = out + 1, *g = out + 2, *H = out + 3 + M;
	const double *theta = L->theta;

	for (q = qlo; q < qhi; q++) {
		size_t i0 = q * b, nb = n - i0 < b ? n - i0 : b;
		int do_g = q % L->gstride == 0;
		int do_h = L->want_h && q % L->hstride == 0;
		const double *X = L->X + i0;
		double fb = 0;

		if (!do_g && !do_h)
			continue;
		for (k = 0; k < K; k++)
			for (i = 0; i < nb; i++)
				Z[k * nb + i] = theta[k * m + p];
		if (K == 1)
			block_gemv(Z, X, n, nb, p, theta);
		else if (p)
			L->la->dgemm(MLW_COL_MAJOR, MLW_NO_TRANS, MLW_NO_TRANS,
				     (int)nb, (int)K, (int)p, 1.0, X, (int)n,
				     theta, (int)m, 1.0, Z, (int)nb);
		for (i = 0; i < nb; i++) {
			size_t yi = (size_t)L->y[i0 + i];
			double c = L->C * L->cw[yi];

			if (K == 1) {
				double z = Z[i], e = exp(-fabs(z));
				/* log(1 + e^-z), stably; one exp for both */
				double lp = z > 0 ? log1p(e) : -z + log1p(e);
				double pr = z > 0 ? 1 / (1 + e) : e / (1 + e);

				fb += c * (yi ? lp : lp + z);
				R[i] = c * (pr - (double)yi);
				if (D)
					D[i] = c * pr * (1 - pr);
				continue;
			} else {
				double zmax = -INFINITY, s = 0;
				double zy = Z[yi * nb + i];

				for (k = 0; k < K; k++)
					if (Z[k * nb + i] > zmax)
						zmax = Z[k * nb + i];
				for (k = 0; k < K; k++)
					s += (Z[k * nb + i] =
					      exp(Z[k * nb + i] - zmax));
				fb += c * (zmax + log(s) - zy);
				for (k = 0; k < K; k++) {
					double pk = Z[k * nb + i] / s;

					Z[k * nb + i] = pk;
					R[k * nb + i] = c * (pk - (k == yi));
				}
				if (D)
					for (k = 0; k < K; k++)
						for (l = 0; l <= k; l++)
							D[(k * K + l) * nb + i] =
								c * Z[k * nb + i] *
								((k == l) - Z[l * nb + i]);
			}
		}
		if (do_g) {
			out[0] += (double)nb;
			*f += fb;
			if (L->want_g) {
				if (K == 1)
					block_gemv_t(g, X, n, nb, p, R);
				else if (p)
					L->la->dgemm(MLW_COL_MAJOR, MLW_TRANS,
						     MLW_NO_TRANS, (int)p, (int)K,
						     (int)nb, 1.0, X, (int)n, R,
						     (int)nb, 1.0, g, (int)m);
				for (k = 0; k < K; k++)
					for (i = 0; i < nb; i++)
						g[k * m + p] += R[k * nb + i];
			}
		}
		if (!do_h)
			continue;
		out[2 + M] += (double)nb;
		if (K == 1) {
			/* H += T'T, T = diag(sqrt(d)) [X 1] */
			for (i = 0; i < nb; i++)
				D[i] = sqrt(D[i]);
			for (j = 0; j < p; j++)
				for (i = 0; i < nb; i++)
					X1[j * nb + i] = D[i] * X[j * n + i];
			memcpy(X1 + p * nb, D, nb * sizeof(double));
			L->la->dsyrk(MLW_COL_MAJOR, MLW_LOWER, MLW_TRANS, (int)m,
				     (int)nb, 1.0, X1, (int)nb, 1.0, H, (int)M);
			continue;
		}
		for (j = 0; j < p; j++)
			memcpy(X1 + j * nb, X + j * n, nb * sizeof(double));
		for (i = 0; i < nb; i++)
			X1[p * nb + i] = 1;
		for (k = 0; k < K; k++)
			for (l = 0; l <= k; l++) {
				const double *d = D + (k * K + l) * nb;

				for (j = 0; j < m; j++)
					for (i = 0; i < nb; i++)
						T[j * nb + i] = d[i] * X1[j * nb + i];
				L->la->dgemm(MLW_COL_MAJOR, MLW_TRANS,
					     MLW_NO_TRANS, (int)m, (int)m,
					     (int)nb, 1.0, X1, (int)nb, T,
					     (int)nb, 1.0, H + l * m * M + k * m,
					     (int)M);
			}
	}
	free(Z);
	free(R);
	free(D);
	free(X1);
	free(T);
}

/*
 * f at theta, and its gradient g and Hessian H (M x M, both triangles)
 * when not NULL.  Sampled terms are scaled to all n rows; the penalty is
 * exact.
 */
static double logit_pass(struct logit *L, const double *theta, double *g,
			 double *H, size_t gstride, size_t hstride)
{
	size_t p = L->p, K = L->K, m = p + 1, M = K * m, i, j, k;
	double *out = mlw_calloc(logit_outsize(L), sizeof(double));
	struct pass ps = { PASS_LOGIT, L->la, L->X, L->y, NULL, 0, L->n, p,
			   0, logit_outsize(L), NULL, L };
	double f, gs, hs;

	L->theta = theta;
	L->gstride = gstride;
	L->hstride = hstride;
	L->want_g = !!g;
	L->want_h = !!H;
	run_pass(&ps, out);
	gs = (double)L->n / out[0];
	f = out[1] * gs;
	for (k = 0; k < K; k++)
		f += 0.5 * sumsq(theta + k * m, p);
	if (g)
		for (k = 0; k < K; k++)
			for (j = 0; j < m; j++)
				g[k * m + j] = out[2 + k * m + j] * gs +
					       (j < p ? theta[k * m + j] : 0);
	if (H) {
		const double *h = out + 3 + M;

		hs = (double)L->n / out[2 + M];
		for (j = 0; j < M; j++)
			for (i = j; i < M; i++)
				H[j * M + i] = H[i * M + j] = h[j * M + i] * hs;
		for (k = 0; k < K; k++)
			for (j = 0; j < p; j++)
				H[(k * m + j) * M + k * m + j] += 1;
	}
	free(out);
	return f;
}

static double max_abs(const double *v, size_t n)
{
	double m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (fabs(v[i]) > m)
			m = fabs(v[i]);
	return m;
}

/* rows a sampled pass looks at, at least */
#define SAMPLE_ROWS ((size_t)1 << 16)

/*
 * Newton's method with a backtracking line search, for few parameters:
 * quadratic convergence reaches the optimum to machine precision in a
 * handful of iterations, each one fused pass (f, g and H at the point)
 * and one dposv.  The multinomial objective is unchanged when the same
 * constant is added to every intercept, so its Hessian is singular along
 * that direction; adding 11' on the intercepts makes it definite and
 * keeps the step orthogonal to it (the gradient is), so the intercepts
 * keep summing to zero as scikit-learn's L-BFGS from zero does.
 *
 * On many rows (more than 4 x SAMPLE_ROWS) two things make it cheaper
 * without changing the answer, which is set by the exact gradient alone:
 *  - it starts from the optimum of the problem on a systematic sample of
 *    about SAMPLE_ROWS rows (one block in every stride, scaled up), which
 *    is within O(1/sqrt(sample)) of the full optimum, so the full-data
 *    iterations start in Newton's quadratic region;
 *  - the Hessian of the full-data steps comes from such a sample too: a
 *    Hessian off by a relative 1/sqrt(sample) still contracts the error by
 *    about that factor a step, and costs a stride-th of a full one.
 */
static int newton(struct logit *L, double *theta, double sw_sum,
		  const struct mlw_linear_params *par,
		  struct mlw_linear_model *out)
{
	size_t n = L->n, K = L->K, M = K * (L->p + 1), m = L->p + 1, j, k;
	size_t b = block_rows(L->p), nr_blocks = (n + b - 1) / b, stride = 1;
	double *H = mlw_calloc(M * M, sizeof(double));
	double *g = mlw_calloc(M, sizeof(double)), *d = mlw_calloc(M, sizeof(double));
	double *trial = mlw_calloc(M, sizeof(double)), f;
	int iter = 0, ret = 0, phase;

	if (n > 4 * SAMPLE_ROWS)
		stride = nr_blocks / ((SAMPLE_ROWS + b - 1) / b);
	if (stride < 1)
		stride = 1;
	/* phase 0: the sample's problem (skipped without a sample) */
	for (phase = stride > 1 ? 0 : 1; phase < 2; phase++) {
		size_t gs = phase ? 1 : stride;
		/*
		 * scikit-learn's L-BFGS stops at a scaled gradient of tol
		 * and usually lands well below it; a Newton step near the
		 * optimum is cheap and divides the gradient by a hundred or
		 * more, so Newton goes on to tol / 100 and ends at or below
		 * scikit-learn's loss (converged still means tol was met)
		 */
		double tol = phase ? par->tol / 100 : 1e-8, gmax;

		f = logit_pass(L, theta, g, H, gs, stride);
		for (; iter < par->max_iter; iter++) {
			double slope = 0, t = 1, ft = f;
			int info, halvings;

			gmax = max_abs(g, M) / (L->C * sw_sum);
			if (phase)
				out->converged = gmax <= par->tol;
			if (gmax <= tol)
				break;
			if (K > 1)
				for (k = 0; k < K; k++)
					for (j = 0; j < K; j++)
						H[(k * m + L->p) * M + j * m + L->p] += 1;
			for (j = 0; j < M; j++)
				d[j] = -g[j];
			info = L->la->dposv(MLW_COL_MAJOR, 'L', (int)M, 1, H,
					    (int)M, d, (int)M);
			if (info < 0)
				BUG("dposv argument %d", -info);
			if (info > 0) {
				/* not definite in floating point: a gradient step */
				for (j = 0; j < M; j++)
					d[j] = -g[j] / (L->C * sw_sum);
			}
			for (j = 0; j < M; j++)
				slope += g[j] * d[j];
			/* the full step, with g and H there for the next one */
			for (j = 0; j < M; j++)
				trial[j] = theta[j] + d[j];
			ft = logit_pass(L, trial, g, H, gs, stride);
			for (halvings = 0; !(ft <= f + 1e-4 * t * slope) &&
			     halvings < 60; halvings++) {
				t /= 2;
				for (j = 0; j < M; j++)
					trial[j] = theta[j] + t * d[j];
				ft = logit_pass(L, trial, NULL, NULL, gs, stride);
			}
			if (halvings == 60 || ft >= f ||
			    t * max_abs(d, M) <= 1e-15 * (1 + max_abs(theta, M))) {
				/* no progress possible in floating point: optimal */
				if (ft < f)
					memcpy(theta, trial, M * sizeof(double));
				f = ft < f ? ft : f;
				out->converged = phase;
				break;
			}
			memcpy(theta, trial, M * sizeof(double));
			f = ft;
			if (halvings)
				f = logit_pass(L, theta, g, H, gs, stride);
		}
		if (phase && iter == par->max_iter)
			out->converged = max_abs(g, M) / (L->C * sw_sum) <=
					 par->tol;
		if (!phase)
			iter = 0;	/* sample iterations are not counted */
	}
	out->nr_iter = iter;
	out->objective = f;
	out->solver = stride > 1 ? "newton (sampled start and Hessian)" :
		      "newton";
	free(H);
	free(g);
	free(d);
	free(trial);
	return ret;
}

/*
 * L-BFGS (Nocedal's two-loop recursion, 10 pairs, Armijo backtracking)
 * for many parameters, where a Hessian would cost M^2 memory and n M^2
 * flops an iteration: each iteration is one pass over X.
 */
static int lbfgs(struct logit *L, double *theta, double sw_sum,
		 const struct mlw_linear_params *par,
		 struct mlw_linear_model *out)
{
	enum { HIST = 10 };
	size_t M = L->K * (L->p + 1), j;
	double *S = mlw_calloc(HIST * M, sizeof(double));
	double *Y = mlw_calloc(HIST * M, sizeof(double));
	double rho[HIST], a[HIST];
	double *g = mlw_calloc(M, sizeof(double)), *gn = mlw_calloc(M, sizeof(double));
	double *d = mlw_calloc(M, sizeof(double)), *xn = mlw_calloc(M, sizeof(double));
	double f = logit_pass(L, theta, g, NULL, 1, 1), fn = f;
	int iter, nr_hist = 0, head = 0, h;

	for (iter = 0; iter < par->max_iter; iter++) {
		double slope = 0, t = 1, gamma = 1;
		int c, halvings;

		if (max_abs(g, M) / (L->C * sw_sum) <= par->tol) {
			out->converged = 1;
			break;
		}
		for (j = 0; j < M; j++)
			d[j] = -g[j];
		for (c = 0; c < nr_hist; c++) {
			h = (head - 1 - c + HIST) % HIST;
			a[h] = 0;
			for (j = 0; j < M; j++)
				a[h] += S[h * M + j] * d[j];
			a[h] *= rho[h];
			for (j = 0; j < M; j++)
				d[j] -= a[h] * Y[h * M + j];
		}
		if (nr_hist) {
			double sy = 0, yy = 0;

			h = (head - 1 + HIST) % HIST;
			for (j = 0; j < M; j++) {
				sy += S[h * M + j] * Y[h * M + j];
				yy += Y[h * M + j] * Y[h * M + j];
			}
			gamma = sy / yy;
		} else {
			gamma = 1 / (max_abs(g, M) > 1 ? max_abs(g, M) : 1);
		}
		for (j = 0; j < M; j++)
			d[j] *= gamma;
		for (c = nr_hist - 1; c >= 0; c--) {
			double b = 0;

			h = (head - 1 - c + HIST) % HIST;
			for (j = 0; j < M; j++)
				b += Y[h * M + j] * d[j];
			b *= rho[h];
			for (j = 0; j < M; j++)
				d[j] += S[h * M + j] * (a[h] - b);
		}
		for (j = 0; j < M; j++)
			slope += g[j] * d[j];
		if (slope >= 0) {
			/* not a descent direction: restart from the gradient */
			nr_hist = 0;
			for (j = 0; j < M; j++)
				d[j] = -g[j] / (1 + max_abs(g, M));
			slope = 0;
			for (j = 0; j < M; j++)
				slope += g[j] * d[j];
		}
		for (halvings = 0; halvings < 60; halvings++, t /= 2) {
			for (j = 0; j < M; j++)
				xn[j] = theta[j] + t * d[j];
			fn = logit_pass(L, xn, gn, NULL, 1, 1);
			if (fn <= f + 1e-4 * t * slope)
				break;
		}
		if (halvings == 60) {
			out->converged = 1;
			break;
		}
		{
			double sy = 0;

			for (j = 0; j < M; j++) {
				S[head * M + j] = xn[j] - theta[j];
				Y[head * M + j] = gn[j] - g[j];
				sy += S[head * M + j] * Y[head * M + j];
			}
			if (sy > 1e-300) {
				rho[head] = 1 / sy;
				head = (head + 1) % HIST;
				if (nr_hist < HIST)
					nr_hist++;
			}
		}
		memcpy(theta, xn, M * sizeof(double));
		memcpy(g, gn, M * sizeof(double));
		f = fn;
	}
	out->nr_iter = iter;
	out->objective = f;
	out->solver = "lbfgs";
	free(S);
	free(Y);
	free(g);
	free(gn);
	free(d);
	free(xn);
	return 0;
}

/* Newton up to this many parameters, L-BFGS beyond */
#define NEWTON_MAX_PARAMS 200

static int fit_logistic(struct mlw_linear_model *m,
			const struct mlw_lapack *la, const double *X, size_t n,
			size_t p, const double *y,
			const struct mlw_linear_params *par)
{
	struct logit L = { 0 };
	size_t K = par->nr_classes, Kp = K == 2 ? 1 : K, i, k;
	size_t *count = mlw_calloc(K + 1, sizeof(size_t));
	double *cw = mlw_calloc(K + 1, sizeof(double));
	double *theta, sw_sum = 0;
	int ret;

	if (K < 2) {
		free(count);
		free(cw);
		return mlw_error_setc(MLW_EINVALID,
			"logistic regression needs at least two classes in the training data");
	}
	for (i = 0; i < n; i++)
		count[(size_t)y[i]]++;
	for (k = 0; k < K; k++)
		if (!count[k]) {
			free(count);
			free(cw);
			return mlw_error_setc(MLW_EINVALID,
				"class %zu has no training rows", k);
		}
	L.la = la;
	L.X = X;
	L.y = y;
	L.n = n;
	L.p = p;
	L.K = Kp;
	L.C = par->C;
	L.cw = cw;
	for (k = 0; k < K; k++) {
		/* "balanced": n / (K * count of the class) */
		cw[k] = par->class_weight_balanced ?
			(double)n / ((double)K * (double)count[k]) : 1;
		sw_sum += cw[k] * (double)count[k];
	}
	theta = mlw_calloc(Kp * (p + 1), sizeof(double));
	if (Kp * (p + 1) <= NEWTON_MAX_PARAMS)
		ret = newton(&L, theta, sw_sum, par, m);
	else
		ret = lbfgs(&L, theta, sw_sum, par, m);
	for (k = 0; k < Kp; k++) {
		memcpy(m->coef + k * p, theta + k * (p + 1), p * sizeof(double));
		m->intercept[k] = theta[k * (p + 1) + p];
	}
	free(theta);
	free(count);
	free(cw);
	return ret;
}

int mlw_linear_fit(struct mlw_linear_model *out, enum mlw_algorithm algo,
		   const struct mlw_linear_params *par, const double *X,
		   size_t n, size_t p, const double *y)
{
	const struct mlw_lapack *la;
	size_t nout = 1;
	int ret;

	memset(out, 0, sizeof(*out));
	if (n < 2)
		return mlw_error_setc(MLW_EINVALID,
				      "%zu training row%s: at least 2 are needed",
				      n, n == 1 ? "" : "s");
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
	case MLW_ALGO_LINEAR:
		ret = fit_ols(out, la, X, n, p, y, par);
		break;
	case MLW_ALGO_RIDGE:
		ret = fit_ridge(out, la, X, n, p, y, par->alpha);
		break;
	case MLW_ALGO_LASSO:
	case MLW_ALGO_ELASTIC_NET:
		ret = fit_enet(out, la, X, n, p, y, par);
		break;
	case MLW_ALGO_LOGISTIC:
		ret = fit_logistic(out, la, X, n, p, y, par);
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

void mlw_linear_predict(double *out, const struct mlw_linear_model *m,
			const double *X, size_t n, size_t nr_classes)
{
	size_t K = m->nr_outputs, i, k, t, nr_threads = 1;
	struct predict_job jobs[MAX_CHUNKS];

	/* threads for the big matrices training scores, not for blocks */
	if (n >= ((size_t)1 << 18)) {
		nr_threads = (size_t)sysconf(_SC_NPROCESSORS_ONLN);
		if (nr_threads < 1)
			nr_threads = 1;
		if (nr_threads > MAX_CHUNKS)
			nr_threads = MAX_CHUNKS;
	}
	for (t = 0; t < nr_threads; t++) {
		struct predict_job *j = &jobs[t];

		j->out = out;
		j->m = m;
		j->X = X;
		j->n = n;
		j->lo = n * t / nr_threads;
		j->hi = n * (t + 1) / nr_threads;
		if (t && pthread_create(&j->thread, NULL, predict_rows, j))
			BUG("cannot create a thread");
	}
	predict_rows(&jobs[0]);
	for (t = 1; t < nr_threads; t++)
		pthread_join(jobs[t].thread, NULL);
	if (m->algorithm != MLW_ALGO_LOGISTIC)
		return;
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

		for (k = 0; k < nr_classes; k++)
			if (out[k * n + i] > zmax)
				zmax = out[k * n + i];
		for (k = 0; k < nr_classes; k++)
			s += (out[k * n + i] = exp(out[k * n + i] - zmax));
		for (k = 0; k < nr_classes; k++)
			out[k * n + i] /= s;
	}
}

void mlw_linear_model_release(struct mlw_linear_model *m)
{
	free(m->coef);
	free(m->intercept);
	m->coef = m->intercept = NULL;
}
