/*
 * logistic.c - logistic regression, binary and multinomial (linear.h),
 * solved to scikit-learn's optimum by Newton's method or L-BFGS over
 * threaded passes on the rows (rowpass.h).
 */
#include "ml/linear.h"
#include "ml/lapack.h"
#include "ml/model.h"
#include "ml/params.h"
#include "ml/rowpass.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
	int hspace;		/* the pass results have room for H */
	int nr_threads;
	/* distributed: the ranks' sums, and every rank's rows (N) */
	struct mlw_train_ctx *ctx;
	size_t N;
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

	/*
	 * rows seen, f, g, rows seen for H, H; the room for H is there in
	 * every pass of a Newton fit (so every pass cuts the rows the same
	 * way and sums in the same order) and in none of an L-BFGS fit
	 */
	return 2 + M + (L->hspace ? 1 + M * M : 0);
}

static void logit_chunk(void *data, size_t qlo, size_t qhi, double *out)
{
	struct logit *L = data;
	size_t n = L->n, p = L->p, K = L->K, m = p + 1, M = K * m;
	size_t b = mlw_rowpass_block_rows(p), q, i, j, k, l;
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
	struct mlw_rowpass ps = { 0 };
	double f, gs, hs;

	L->theta = theta;
	L->gstride = gstride;
	L->hstride = hstride;
	L->want_g = !!g;
	L->want_h = !!H;
	ps.n = L->n;
	ps.block = mlw_rowpass_block_rows(p);
	ps.outsize = logit_outsize(L);
	ps.nr_threads = L->nr_threads;
	ps.chunk = logit_chunk;
	ps.data = L;
	mlw_rowpass_run(&ps);
	mlw_rowpass_sum(&ps, out);
	mlw_rowpass_release(&ps);
	mlw_train_sum(L->ctx, out, logit_outsize(L));
	gs = (double)L->N / out[0];
	f = out[1] * gs;
	for (k = 0; k < K; k++)
		for (j = 0; j < p; j++)
			f += 0.5 * theta[k * m + j] * theta[k * m + j];
	if (g)
		for (k = 0; k < K; k++)
			for (j = 0; j < m; j++)
				g[k * m + j] = out[2 + k * m + j] * gs +
					       (j < p ? theta[k * m + j] : 0);
	if (H) {
		const double *h = out + 3 + M;

		hs = (double)L->N / out[2 + M];
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
	size_t b = mlw_rowpass_block_rows(L->p), nr_blocks = (n + b - 1) / b, stride = 1;
	double *H = mlw_calloc(M * M, sizeof(double));
	double *g = mlw_calloc(M, sizeof(double)), *d = mlw_calloc(M, sizeof(double));
	double *trial = mlw_calloc(M, sizeof(double)), f;
	int iter = 0, ret = 0, phase;

	/* distributed: no sample (each rank's blocks would differ) */
	if (n > 4 * SAMPLE_ROWS && !mlw_train_distributed(L->ctx))
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
			if (phase && mlw_train_report(par->ctx, "iteration",
						      iter + 1, par->max_iter,
						      "objective", f)) {
				iter++;
				out->converged = max_abs(g, M) /
						 (L->C * sw_sum) <= par->tol;
				break;
			}
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
		if (mlw_train_report(par->ctx, "iteration", iter + 1,
				     par->max_iter, "objective", f)) {
			iter++;
			break;
		}
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

int mlw_logistic_fit(struct mlw_linear_model *m, const struct mlw_lapack *la,
		     const double *X, size_t n, size_t p, const double *y,
		     const struct mlw_linear_params *par)
{
	struct logit L = { 0 };
	size_t K = par->nr_classes, Kp = K == 2 ? 1 : K, i, k;
	double *count = mlw_calloc(K + 1, sizeof(double));
	double *cw = mlw_calloc(K + 1, sizeof(double));
	double *theta, sw_sum = 0;
	size_t N = mlw_train_total(par->ctx, n);
	int ret;

	if (K < 2) {
		free(count);
		free(cw);
		return mlw_error_setc(MLW_EINVALID,
			"logistic regression needs at least two classes in the training data");
	}
	for (i = 0; i < n; i++)
		count[(size_t)y[i]]++;
	mlw_train_sum(par->ctx, count, K);
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
	L.hspace = Kp * (p + 1) <= NEWTON_MAX_PARAMS;
	L.nr_threads = mlw_train_ctx_threads(par->ctx, MLW_ROWPASS_MAX_CHUNKS);
	L.ctx = par->ctx;
	L.N = N;
	for (k = 0; k < K; k++) {
		/* "balanced": n / (K * count of the class) */
		cw[k] = par->class_weight_balanced ?
			(double)N / ((double)K * count[k]) : 1;
		sw_sum += cw[k] * count[k];
	}
	theta = mlw_calloc(Kp * (p + 1), sizeof(double));
	if (L.hspace)
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

/* ---- the trainer ---- */

static const char *const class_weights[] = { "none", "balanced", NULL };

static const struct mlw_hparam logistic_hparams[] = {
	{ "C", MLW_HPARAM_FLOAT, "C", "inverse regularisation strength (1)",
	  1, 0, INFINITY, NULL, MLW_HPARAM_OPEN_MIN },
	MLW_HPARAM_MAX_ITER(100),
	MLW_HPARAM_TOL,
	{ "class_weight", MLW_HPARAM_CHOICE, "balanced",
	  "weight classes by inverse frequency (none)", 0, 0, 0,
	  class_weights, 0 },
};

static int logistic_fit(struct mlw_model *m, const struct mlw_hparams *hp,
			const struct mlw_fit_input *in,
			struct mlw_train_ctx *ctx)
{
	struct mlw_linear_params lp;

	mlw_linear_params_from(&lp, hp, in, ctx);
	return mlw_linear_fit(&m->linear, MLW_ALGO_LOGISTIC, &lp, in->X,
			      in->n, in->p, in->y);
}

static int logistic_predict(double *out, const struct mlw_model *m,
			    const double *X, size_t n, int nr_threads)
{
	mlw_linear_predict(out, &m->linear, X, n, m->target.nr_classes,
			   nr_threads);
	return 0;
}

static size_t class_outputs(const struct mlw_model *m)
{
	return m->target.nr_classes;
}

/* one decision for two classes, one per class for more */
static void logistic_validate(struct mlw_params_reader *r,
			      const struct mlw_model *m)
{
	size_t K = m->target.nr_classes;

	if (m->linear.nr_outputs != (K == 2 ? 1 : K))
		mlw_params_fail(r, "nr_outputs", "%zu for %zu classes",
				m->linear.nr_outputs, K);
}

/* Newton's M x M Hessians, or L-BFGS's pairs and pass results */
static double logistic_memory(const struct mlw_hparams *hp, size_t n,
			      size_t p, size_t nr_classes)
{
	double M = (double)(nr_classes > 2 ? nr_classes : 1) * ((double)p + 1);

	if (M <= NEWTON_MAX_PARAMS)
		return 8 * (20 * M * M);
	return 8 * (30 * M);
}

const struct mlw_trainer mlw_logistic_trainer = {
	.name = "logistic",
	.algorithm = MLW_ALGO_LOGISTIC,
	.task = MLW_TASK_CLASSIFICATION,
	.estimator = "LogisticRegression",
	.hparams = logistic_hparams,
	.nr_hparams = sizeof(logistic_hparams) / sizeof(*logistic_hparams),
	.fit = logistic_fit,
	.predict = logistic_predict,
	.nr_outputs = class_outputs,
	.validate = logistic_validate,
	.memory = logistic_memory,
};
