/*
 * kmeans.c - k-means (kmeans.h).
 *
 * The assignment step is one BLAS 3 product per block of rows:
 * ||x - c||^2 = ||x||^2 - 2 x'c + ||c||^2, and ||x||^2 does not change
 * which centre is nearest, so D = ||c||^2 - 2 X C' (dgemm with beta 1)
 * and a row's label is its first smallest entry, as scikit-learn does.
 * The data are centred first (as scikit-learn does) so the expansion
 * loses fewer digits; inertia is summed from the differences directly.
 */
#include "ml/kmeans.h"
#include "ml/comm.h"
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

#define BLOCK 256	/* rows per distance block */

void mlw_kmeans_params_init(struct mlw_kmeans_params *p)
{
	memset(p, 0, sizeof(*p));
	p->nr_clusters = 8;
	p->n_init = 10;
	p->max_iter = 300;
	p->tol = 1e-4;
}

/* squared distance from row i of X (ld n) to row c of C (ld k) */
static double dist2(const double *X, size_t n, size_t i, const double *C,
		    size_t k, size_t c, size_t p)
{
	double d = 0;
	size_t j;

	for (j = 0; j < p; j++) {
		double t = X[j * n + i] - C[j * k + c];

		d += t * t;
	}
	return d;
}

/* labels of every row: the first nearest centre (see the top) */
static void assign(size_t *labels, const struct mlw_lapack *la,
		   const double *X, size_t n, size_t p, const double *C,
		   size_t k, double *D)
{
	size_t i0, i, c, j;
	double *cn = mlw_calloc(k + 1, sizeof(double));

	for (j = 0; j < p; j++)
		for (c = 0; c < k; c++)
			cn[c] += C[j * k + c] * C[j * k + c];
	for (i0 = 0; i0 < n; i0 += BLOCK) {
		size_t rows = n - i0 < BLOCK ? n - i0 : BLOCK;

		for (c = 0; c < k; c++)
			for (i = 0; i < rows; i++)
				D[c * rows + i] = cn[c];
		la->dgemm(MLW_COL_MAJOR, MLW_NO_TRANS, MLW_TRANS, (int)rows,
			  (int)k, (int)p, -2, X + i0, (int)n, C, (int)k, 1, D,
			  (int)rows);
		for (i = 0; i < rows; i++) {
			size_t best = 0;

			for (c = 1; c < k; c++)
				if (D[c * rows + i] < D[best * rows + i])
					best = c;
			labels[i0 + i] = best;
		}
	}
	free(cn);
}

/*
 * Distributed (ctx->comm set), each rank holds a run of the rows: rows
 * first[r] .. first[r + 1] - 1 of the whole are rank r's.  Alone there
 * is one run, of all n rows.
 */
struct share {
	struct mlw_train_ctx *ctx;
	struct mlw_comm *comm;		/* NULL alone */
	int nr_ranks;
	double *first;			/* nr_ranks + 1 */
	size_t N;			/* every rank's rows */
};

static void share_init(struct share *sh, struct mlw_train_ctx *ctx, size_t n)
{
	int r;

	memset(sh, 0, sizeof(*sh));
	sh->ctx = ctx;
	sh->comm = mlw_train_distributed(ctx) ? ctx->comm : NULL;
	sh->nr_ranks = sh->comm ? sh->comm->size : 1;
	sh->first = mlw_calloc((size_t)sh->nr_ranks + 1, sizeof(double));
	if (sh->comm)
		mlw_comm_allgather(sh->comm, (double)n, sh->first + 1);
	else
		sh->first[1] = (double)n;
	for (r = 0; r < sh->nr_ranks; r++)
		sh->first[r + 1] += sh->first[r];
	sh->N = (size_t)sh->first[sh->nr_ranks];
}

static int share_rank(const struct share *sh)
{
	return sh->comm ? sh->comm->rank : 0;
}

/* the rank holding global row g */
static int owner_of(const struct share *sh, size_t g)
{
	int r = 0;

	while (r + 1 < sh->nr_ranks && (double)g >= sh->first[r + 1])
		r++;
	return r;
}

/* row[0..p) = global row g of X (n x p, this rank's rows), on every rank */
static void fetch_row(double *row, const struct share *sh, const double *X,
		      size_t n, size_t p, size_t g)
{
	int r = owner_of(sh, g);
	size_t j;

	if (r == share_rank(sh))
		for (j = 0; j < p; j++)
			row[j] = X[j * n + (g - (size_t)sh->first[r])];
	if (sh->comm)
		mlw_comm_bcast(sh->comm, row, p * sizeof(double), r);
}

/* greedy k-means++: each new centre the best of 2 + log k draws */
static void kmeans_plusplus(double *C, const double *X, size_t n, size_t p,
			    size_t k, struct mlw_rng *rng,
			    const struct share *sh)
{
	size_t trials = 2 + (size_t)log((double)k), c, t, i, j;
	size_t N = sh->N, me = (size_t)share_rank(sh);
	double *closest = mlw_malloc((n + 1) * sizeof(double));
	double *cand = mlw_malloc(mlw_st_mult(mlw_st_mult(trials, n) + 1,
					      sizeof(double)));
	double *cum = mlw_malloc((n + 1) * sizeof(double)), pot = 0;
	double *rows = mlw_malloc(mlw_st_mult(trials, p) * sizeof(double) + 1);
	double *ids = mlw_malloc((trials + 1) * sizeof(double));
	double *tp = mlw_malloc((trials + 1) * sizeof(double));
	double *base = mlw_calloc((size_t)sh->nr_ranks + 1, sizeof(double));
	size_t first;
	int r;

	first = (size_t)(mlw_rng_next(rng) % N);
	fetch_row(rows, sh, X, n, p, first);
	for (j = 0; j < p; j++)
		C[j * k] = rows[j];
	for (i = 0; i < n; i++)
		pot += (closest[i] = dist2(X, n, i, C, k, 0, p));
	mlw_train_sum(sh->ctx, &pot, 1);
	for (c = 1; c < k; c++) {
		size_t best = 0;
		double best_pot = INFINITY, s = 0;

		for (i = 0; i < n; i++)
			cum[i] = (s += closest[i]);
		/* where each rank's running sum starts, in rank order */
		if (sh->comm)
			mlw_comm_allgather(sh->comm, s, base + 1);
		else
			base[1] = s;
		base[0] = 0;
		for (r = 0; r < sh->nr_ranks; r++)
			base[r + 1] += base[r];
		for (t = 0; t < trials; t++) {
			double x = mlw_rng_uniform(rng) * pot;
			size_t lo = 0, hi = n;

			/* the rank whose run holds the first cum >= x */
			for (r = 0; r + 1 < sh->nr_ranks; r++)
				if (base[r + 1] >= x &&
				    sh->first[r + 1] > sh->first[r])
					break;
			/* past every sum (rounding): the last row of all */
			while (r > 0 && sh->first[r + 1] == sh->first[r])
				r--;
			ids[t] = 0;
			if ((size_t)r != me)
				continue;
			x -= base[r];
			while (lo < hi) {	/* first cum[i] >= x */
				size_t mid = lo + (hi - lo) / 2;

				if (cum[mid] < x)
					lo = mid + 1;
				else
					hi = mid;
			}
			ids[t] = sh->first[r] + (double)(lo < n ? lo : n - 1);
		}
		mlw_train_sum(sh->ctx, ids, trials);
		for (t = 0; t < trials; t++)
			fetch_row(rows + t * p, sh, X, n, p, (size_t)ids[t]);
		for (t = 0; t < trials; t++) {
			double *d = cand + t * n;

			tp[t] = 0;
			for (j = 0; j < p; j++)
				C[j * k + c] = rows[t * p + j];
			for (i = 0; i < n; i++) {
				d[i] = dist2(X, n, i, C, k, c, p);
				if (closest[i] < d[i])
					d[i] = closest[i];
				tp[t] += d[i];
			}
		}
		mlw_train_sum(sh->ctx, tp, trials);
		for (t = 0; t < trials; t++)
			if (tp[t] < best_pot) {
				best_pot = tp[t];
				best = t;
			}
		for (j = 0; j < p; j++)
			C[j * k + c] = rows[best * p + j];
		memcpy(closest, cand + best * n, n * sizeof(double));
		pot = best_pot;
	}
	free(closest);
	free(cand);
	free(cum);
	free(rows);
	free(ids);
	free(tp);
	free(base);
}

/* one Lloyd run from the centres in C; returns the inertia */
static double lloyd(double *C, size_t *labels, int *nr_iter,
		    const struct mlw_lapack *la, const double *X, size_t n,
		    size_t p, size_t k, int max_iter, double tol,
		    const struct share *sh)
{
	/* w (k counts) then S (k x p sums): one sum over the ranks */
	double *wS = mlw_malloc(mlw_st_mult(k * p + k + 1, sizeof(double)));
	double *w = wS, *S = wS + k, *row = mlw_calloc(p + 1, sizeof(double));
	double *D = mlw_malloc(mlw_st_mult(mlw_st_mult(BLOCK, k) + 1,
					   sizeof(double)));
	size_t *old = mlw_malloc((n + 1) * sizeof(size_t)), i, j, c;
	double inertia = 0;
	int it, strict = 0;

	for (i = 0; i < n; i++)
		old[i] = (size_t)-1;
	for (it = 0; it < max_iter; it++) {
		double shift = 0;
		size_t nr_empty = 0;

		double changed = 0;

		assign(labels, la, X, n, p, C, k, D);
		memset(wS, 0, (k * p + k) * sizeof(double));
		for (i = 0; i < n; i++)
			w[labels[i]] += 1;
		for (j = 0; j < p; j++)
			for (i = 0; i < n; i++)
				S[j * k + labels[i]] += X[j * n + i];
		mlw_train_sum(sh->ctx, wS, k * p + k);
		for (c = 0; c < k; c++)
			nr_empty += w[c] == 0;
		if (nr_empty) {
			/* the rows farthest from their centres start the
			 * empty clusters */
			double *far = mlw_malloc((n + 1) * sizeof(double));
			double *top = mlw_calloc((size_t)sh->nr_ranks + 1,
						 sizeof(double));
			size_t e, g;
			int r, me = share_rank(sh);

			for (i = 0; i < n; i++)
				far[i] = dist2(X, n, i, C, k, labels[i], p);
			for (c = 0; c < k; c++) {
				size_t best = 0;

				if (w[c] != 0)
					continue;
				for (i = 1; i < n; i++)
					if (far[i] > far[best])
						best = i;
				/* the first farthest row of all ranks */
				top[0] = n ? far[best] : -INFINITY;
				if (sh->comm)
					mlw_comm_allgather(sh->comm, top[0],
							   top);
				for (r = 1, g = 0; r < sh->nr_ranks; r++)
					if (top[r] > top[g])
						g = (size_t)r;
				/* its rank sends the row and its cluster */
				if ((int)g == me) {
					for (j = 0; j < p; j++)
						row[j] = X[j * n + best];
					row[p] = (double)labels[best];
					far[best] = -1;
				}
				if (sh->comm)
					mlw_comm_bcast(sh->comm, row,
						       (p + 1) * sizeof(double),
						       (int)g);
				e = (size_t)row[p];
				for (j = 0; j < p; j++) {
					S[j * k + e] -= row[j];
					S[j * k + c] = row[j];
				}
				w[c] = 1;
				w[e] -= 1;
			}
			free(far);
			free(top);
		}
		for (j = 0; j < p; j++)
			for (c = 0; c < k; c++) {
				double v = w[c] > 0 ? S[j * k + c] / w[c] :
					   S[j * k + c];
				double d = v - C[j * k + c];

				shift += d * d;
				C[j * k + c] = v;
			}
		changed = memcmp(labels, old, n * sizeof(size_t)) != 0;
		mlw_train_sum(sh->ctx, &changed, 1);
		if (!changed) {
			strict = 1;
			it++;
			break;
		}
		if (shift <= tol) {
			it++;
			break;
		}
		memcpy(old, labels, n * sizeof(size_t));
	}
	/* labels that match the final centres */
	if (!strict)
		assign(labels, la, X, n, p, C, k, D);
	for (i = 0; i < n; i++)
		inertia += dist2(X, n, i, C, k, labels[i], p);
	mlw_train_sum(sh->ctx, &inertia, 1);
	*nr_iter = it;
	free(wS);
	free(row);
	free(D);
	free(old);
	return inertia;
}

int mlw_kmeans_fit(struct mlw_kmeans_model *out, size_t *labels_out,
		   const struct mlw_kmeans_params *par, const double *X,
		   size_t n, size_t p)
{
	const struct mlw_lapack *la;
	size_t k = par->nr_clusters, i, j, c;
	double *Xc, *mean, *C, *best = NULL, tol = 0, best_inertia = INFINITY;
	size_t *labels, *best_labels;
	struct mlw_rng own = { par->seed }, *rng = par->rng ? par->rng : &own;
	int run, runs = par->init ? 1 : par->n_init, best_iter = 0;
	struct share sh;
	double *var;

	share_init(&sh, par->ctx, n);
	if (!k || k > sh.N) {
		free(sh.first);
		return mlw_error_setc(MLW_EINVALID,
				      "kmeans: %zu clusters need at least as many rows (there are %zu)",
				      k, sh.N);
	}
	if (mlw_lapack_load(&la) < 0) {
		free(sh.first);
		return -1;
	}
	Xc = mlw_malloc(mlw_st_mult(mlw_st_mult(n, p) + 1, sizeof(double)));
	mean = mlw_calloc(p + 1, sizeof(double));
	var = mlw_calloc(p + 1, sizeof(double));
	/* the means and variances of every rank's rows */
	for (j = 0; j < p; j++)
		for (i = 0; i < n; i++)
			mean[j] += X[j * n + i];
	mlw_train_sum(par->ctx, mean, p);
	for (j = 0; j < p; j++) {
		mean[j] /= (double)sh.N;
		for (i = 0; i < n; i++) {
			Xc[j * n + i] = X[j * n + i] - mean[j];
			var[j] += Xc[j * n + i] * Xc[j * n + i];
		}
	}
	mlw_train_sum(par->ctx, var, p);
	for (j = 0; j < p; j++)
		tol += var[j] / (double)sh.N;
	free(var);
	/* scikit-learn's tolerance: tol times the mean feature variance */
	tol = tol / (double)p * par->tol;
	C = mlw_malloc(mlw_st_mult(k * p + 1, sizeof(double)));
	labels = mlw_malloc((n + 1) * sizeof(size_t));
	best_labels = mlw_malloc((n + 1) * sizeof(size_t));
	for (run = 0; run < runs; run++) {
		double inertia;
		int it;

		if (par->init)
			for (j = 0; j < p; j++)
				for (c = 0; c < k; c++)
					C[j * k + c] = par->init[j * k + c] -
						       mean[j];
		else
			kmeans_plusplus(C, Xc, n, p, k, rng, &sh);
		inertia = lloyd(C, labels, &it, la, Xc, n, p, k,
				par->max_iter, tol, &sh);
		if (inertia < best_inertia || !best) {
			if (!best)
				best = mlw_malloc(mlw_st_mult(k * p + 1,
							      sizeof(double)));
			memcpy(best, C, k * p * sizeof(double));
			memcpy(best_labels, labels, n * sizeof(size_t));
			best_inertia = inertia;
			best_iter = it;
		}
		if (mlw_train_report(par->ctx, "init", run + 1, runs, "inertia",
				     inertia))
			break;
	}
	for (j = 0; j < p; j++)
		for (c = 0; c < k; c++)
			best[j * k + c] += mean[j];
	out->nr_clusters = k;
	out->nr_features = p;
	out->centers = best;
	out->inertia = best_inertia;
	out->nr_iter = best_iter;
	if (labels_out)
		memcpy(labels_out, best_labels, n * sizeof(size_t));
	free(Xc);
	free(mean);
	free(C);
	free(labels);
	free(best_labels);
	free(sh.first);
	return 0;
}

/*
 * The nearest centre by ||c||^2 - 2 x'c, as assign() ranks them, but a
 * row at a time with the sums in a fixed order: a row's cluster never
 * depends on the rows scored with it (see mlw_kernel_ridge_predict()).
 */
int mlw_kmeans_predict(size_t *labels, double *distances,
		       const struct mlw_kmeans_model *m, const double *X,
		       size_t n)
{
	size_t k = m->nr_clusters, p = m->nr_features, i, j, c;
	double *cn = mlw_calloc(k + 1, sizeof(double));
	double *acc = mlw_calloc(k + 1, sizeof(double));

	for (j = 0; j < p; j++)
		for (c = 0; c < k; c++)
			cn[c] += m->centers[j * k + c] * m->centers[j * k + c];
	for (i = 0; i < n; i++) {
		size_t best = 0;

		for (c = 0; c < k; c++)
			acc[c] = 0;
		for (j = 0; j < p; j++) {
			double x = X[j * n + i];
			const double *C = m->centers + j * k;

			for (c = 0; c < k; c++)
				acc[c] += x * C[c];
		}
		for (c = 0; c < k; c++)
			acc[c] = cn[c] + -2 * acc[c];
		for (c = 1; c < k; c++)
			if (acc[c] < acc[best])
				best = c;
		labels[i] = best;
		if (distances)
			distances[i] = dist2(X, n, i, m->centers, k, best, p);
	}
	free(cn);
	free(acc);
	return 0;
}

int mlw_silhouette_score(double *out, const double *X, size_t n, size_t p,
			 const size_t *labels, size_t k)
{
	const struct mlw_lapack *la;
	size_t *freq = mlw_calloc(k + 1, sizeof(size_t)), used = 0, i, i0, c;
	double *xn, *D, *sums, total = 0;

	for (i = 0; i < n; i++)
		freq[labels[i]]++;
	for (c = 0; c < k; c++)
		used += freq[c] > 0;
	if (used < 2 || used > n - 1) {
		free(freq);
		return mlw_error_setc(MLW_EINVALID,
				      "the silhouette needs 2 to n - 1 clusters (%zu used)",
				      used);
	}
	if (mlw_lapack_load(&la) < 0) {
		free(freq);
		return -1;
	}
	xn = mlw_calloc(n + 1, sizeof(double));
	for (c = 0; c < p; c++)
		for (i = 0; i < n; i++)
			xn[i] += X[c * n + i] * X[c * n + i];
	D = mlw_malloc(mlw_st_mult(mlw_st_mult(BLOCK, n) + 1, sizeof(double)));
	sums = mlw_malloc(mlw_st_mult(mlw_st_mult(BLOCK, k) + 1, sizeof(double)));
	for (i0 = 0; i0 < n; i0 += BLOCK) {
		size_t rows = n - i0 < BLOCK ? n - i0 : BLOCK, jj;

		/* Euclidean distances as euclidean_distances computes them */
		la->dgemm(MLW_COL_MAJOR, MLW_NO_TRANS, MLW_TRANS, (int)rows,
			  (int)n, (int)p, -2, X + i0, (int)n, X, (int)n, 0, D,
			  (int)rows);
		memset(sums, 0, rows * k * sizeof(double));
		for (jj = 0; jj < n; jj++)
			for (i = 0; i < rows; i++) {
				double d = D[jj * rows + i] + xn[i0 + i] + xn[jj];

				d = d < 0 || i0 + i == jj ? 0 : sqrt(d);
				sums[i * k + labels[jj]] += d;
			}
		for (i = 0; i < rows; i++) {
			size_t own = labels[i0 + i];
			double a, b = INFINITY, s;

			if (freq[own] < 2)
				continue;	/* a singleton scores 0 */
			a = sums[i * k + own] / (double)(freq[own] - 1);
			for (c = 0; c < k; c++)
				if (c != own && freq[c] &&
				    sums[i * k + c] / (double)freq[c] < b)
					b = sums[i * k + c] / (double)freq[c];
			s = (b - a) / (a > b ? a : b);
			if (!isnan(s))
				total += s;
		}
	}
	*out = total / (double)n;
	free(freq);
	free(xn);
	free(D);
	free(sums);
	return 0;
}

void mlw_kmeans_release(struct mlw_kmeans_model *m)
{
	free(m->centers);
	m->centers = NULL;
}

/* ---- the trainer ---- */

enum { HP_N_CLUSTERS, HP_N_INIT, HP_MAX_ITER, HP_TOL, HP_INIT_CENTERS };

static const struct mlw_hparam kmeans_hparams[] = {
	[HP_N_CLUSTERS] = { "n_clusters", MLW_HPARAM_INT, "K",
			    "clusters (8)", 8, 1, 1000000, NULL, 0 },
	[HP_N_INIT] = { "n_init", MLW_HPARAM_INT, "N",
			"runs from new seeds, the best kept (10)", 10, 1,
			100000, NULL, 0 },
	[HP_MAX_ITER] = MLW_HPARAM_MAX_ITER(300),
	[HP_TOL] = { "tol", MLW_HPARAM_FLOAT, "T",
		     "centre shift tolerance (1e-4; 0 allowed)", 1e-4, 0,
		     INFINITY, NULL, 0 },
	[HP_INIT_CENTERS] = { "init_centers", MLW_HPARAM_PATH, "CSV",
			      "initial centres (testing)", 0, 0, 0, NULL,
			      MLW_HPARAM_HIDDEN },
};

/*
 * init_centers FILE: k rows of p numbers, one column per feature in the
 * order of the features; n_clusters, when given, must be k.
 */
static int load_centers(struct mlw_dataset **out, const struct mlw_hparams *hp,
			size_t p)
{
	const char *path = hp->text[HP_INIT_CENTERS];
	struct mlw_dataset *c;
	int ret = mlw_dataset_load(&c, path, NULL);

	if (ret)
		return ret;
	if (c->nr_columns != p)
		ret = mlw_error_setc(MLW_EINVALID,
				     "'%s' has %zu columns; the data have %zu features",
				     path, c->nr_columns, p);
	else if (hp->text[HP_N_CLUSTERS] &&
		 (size_t)hp->value[HP_N_CLUSTERS] != c->nr_rows)
		ret = mlw_error_setc(MLW_EINVALID,
				     "'%s' has %zu centres but n_clusters is %s",
				     path, c->nr_rows, hp->text[HP_N_CLUSTERS]);
	if (ret) {
		mlw_dataset_unref(c);
		return ret;
	}
	*out = c;
	return 0;
}

static int km_fit(struct mlw_model *m, const struct mlw_hparams *hp,
		  const struct mlw_fit_input *in, struct mlw_train_ctx *ctx)
{
	struct mlw_kmeans_params par;
	struct mlw_dataset *centers = NULL;
	int ret = 0;

	mlw_kmeans_params_init(&par);
	par.nr_clusters = (size_t)hp->value[HP_N_CLUSTERS];
	par.n_init = (int)hp->value[HP_N_INIT];
	par.max_iter = (int)hp->value[HP_MAX_ITER];
	par.tol = hp->value[HP_TOL];
	par.rng = ctx ? &ctx->rng : NULL;
	par.ctx = ctx;
	if (hp->text[HP_INIT_CENTERS]) {
		ret = load_centers(&centers, hp, in->p);
		if (ret)
			return ret;
		par.nr_clusters = centers->nr_rows;
		par.init = centers->values;
	}
	/* distributed: a rank's rows say nothing of the whole column */
	if (!mlw_train_distributed(ctx))
		mlw_warn_constant_columns(ctx, in->X, in->n, in->p, in->names);
	ret = mlw_kmeans_fit(&m->kmeans, in->labels, &par, in->X, in->n,
			     in->p);
	mlw_dataset_unref(centers);
	m->linear.solver = "lloyd (dgemm distances)";
	m->linear.nr_iter = m->kmeans.nr_iter;
	m->linear.converged = m->kmeans.nr_iter < par.max_iter;
	return ret;
}

static int km_predict(double *out, const struct mlw_model *m,
		      const double *X, size_t n, int nr_threads)
{
	size_t *labels = mlw_malloc(mlw_st_mult(n + 1, sizeof(size_t))), i;
	int ret = mlw_kmeans_predict(labels, NULL, &m->kmeans, X, n);

	for (i = 0; !ret && i < n; i++)
		out[i] = (double)labels[i];
	free(labels);
	return ret;
}

static size_t km_outputs(const struct mlw_model *m)
{
	return 1;
}

/* inertia and, up to 20,000 rows, the silhouette */
static size_t km_scores(struct mlw_metric *out, const struct mlw_model *m,
			const struct mlw_fit_input *in)
{
	size_t nr = 0;

	out[nr].name = "inertia";
	out[nr++].value = m->kmeans.inertia;
	/* O(n^2): past 20,000 rows it would take longer than the fit */
	if (in->n <= 20000 && in->labels &&
	    !mlw_silhouette_score(&out[nr].value, in->X, in->n, in->p,
				  in->labels, m->kmeans.nr_clusters))
		out[nr++].name = "silhouette_score";
	mlw_error_clear();
	return nr;
}

static void km_write(struct mlw_buf *b, const struct mlw_model *m)
{
	const struct mlw_kmeans_model *km = &m->kmeans;

	mlw_params_put_u64(b, km->nr_clusters);
	mlw_params_put_f64s(b, km->centers, km->nr_clusters * km->nr_features);
	mlw_params_put_f64(b, km->inertia);
}

static void km_read(struct mlw_params_reader *r, struct mlw_model *m)
{
	struct mlw_kmeans_model *km = &m->kmeans;

	km->nr_features = m->linear.nr_features;
	km->nr_clusters = mlw_params_count(r, 8, "kmeans.nr_clusters");
	km->centers = mlw_params_matrix(r, km->nr_clusters, km->nr_features,
					"kmeans.centers");
	km->inertia = mlw_params_f64(r, "kmeans.inertia");
	if (!r->bad && !km->nr_clusters)
		mlw_params_fail(r, "kmeans.nr_clusters", "no clusters");
}

static void km_validate(struct mlw_params_reader *r,
			const struct mlw_model *m)
{
	mlw_model_expect_outputs(r, m, 0);
}

static void km_describe(struct mlw_out *o, const struct mlw_model *m,
			const struct mlw_hparams *hp)
{
	const struct mlw_kmeans_model *km = &m->kmeans;

	mlw_out_object_begin(o, "kmeans");
	mlw_trainer_out_matrix(o, "cluster_centers", km->centers,
			       km->nr_clusters, km->nr_features);
	mlw_out_num(o, "inertia", km->inertia);
	mlw_out_int(o, "n_iter", km->nr_iter);
	mlw_out_end(o);
}

static void km_release(struct mlw_model *m)
{
	mlw_kmeans_release(&m->kmeans);
}

/* a centred copy of the data, the seeding's candidate distances */
static double km_memory(const struct mlw_hparams *hp, size_t n, size_t p,
			size_t nr_classes)
{
	double k = hp->value[HP_N_CLUSTERS];

	return 8 * ((double)n * (double)p + (double)n * (4 + log(k)));
}

const struct mlw_trainer mlw_kmeans_trainer = {
	.name = "kmeans",
	.algorithm = MLW_ALGO_KMEANS,
	.task = MLW_TASK_CLUSTERING,
	.estimator = "KMeans",
	.hparams = kmeans_hparams,
	.nr_hparams = sizeof(kmeans_hparams) / sizeof(*kmeans_hparams),
	.fit = km_fit,
	.predict = km_predict,
	.nr_outputs = km_outputs,
	.write_params = km_write,
	.read_params = km_read,
	.validate = km_validate,
	.scores = km_scores,
	.describe = km_describe,
	.memory = km_memory,
	.release = km_release,
};
