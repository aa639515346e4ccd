/*
 * bayes.c - Bayesian suggestions: a Gaussian process and expected
 * improvement over the unit cube of a search space (bayes.h, sampler.h).
 */
#include "sweep/bayes.h"
#include "sweep/rand.h"
#include "sweep/space.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CANDIDATES 2048
#define DEFAULT_RESTARTS 2
#define REFINE 3		/* candidates refined by pattern search */
#define REFINE_EVALS 80		/* evaluations per refinement */
#define LOCAL_PARENTS 5		/* best trials that local candidates perturb */
#define XI 0.01			/* EI margin, in standard deviations of y */
#define RESTART_EVERY 5		/* suggestions between restarted fits */

int mlw_sweep_bayes_init(struct mlw_sweep_bayes *b,
			 const struct mlw_sweep_space *space, uint64_t seed,
			 int maximize)
{
	memset(b, 0, sizeof(*b));
	b->space = space;
	b->seed = seed;
	b->maximize = maximize;
	b->opts.candidates = DEFAULT_CANDIDATES;
	b->opts.restarts = DEFAULT_RESTARTS;
	mlw_gp_init(&b->gp);
	if (space->dims <= MLW_SOBOL_MAX_DIMS)
		return mlw_sweep_sobol_init(&b->initial, space->dims, 1, seed);
	return 0;
}

void mlw_sweep_bayes_release(struct mlw_sweep_bayes *b)
{
	mlw_gp_release(&b->gp);
	mlw_sweep_sobol_release(&b->initial);
}

double mlw_sweep_log_ei(double mu, double var, double best, double xi)
{
	double s = sqrt(var), z, h;

	if (!(s > 0))
		return best - mu - xi > 0 ? log(best - mu - xi) : -INFINITY;
	z = (best - mu - xi) / s;
	if (z > -6) {
		h = z * mlw_sweep_norm_cdf(z) + mlw_sweep_norm_pdf(z);
		return log(s) + log(h > 1e-300 ? h : 1e-300);
	}
	/* z Phi(z) + phi(z) = phi(z) / z^2 (1 - 3 / z^2 + 15 / z^4 - ...) */
	return log(s) - 0.5 * z * z - 0.5 * log(2 * M_PI) - 2 * log(-z) +
	       log1p(-3 / (z * z) + 15 / (z * z * z * z));
}

/* a random point: the stream (seed, index) as random sampling draws it */
static void random_point(const struct mlw_sweep_bayes *b, size_t index,
			 uint64_t salt, double *u)
{
	struct mlw_sweep_rng rng;
	size_t d;

	mlw_sweep_rng_init(&rng, b->seed ^ salt, index);
	for (d = 0; d < b->space->dims; d++)
		u[d] = mlw_sweep_rng_uniform(&rng);
}

struct model {
	struct mlw_sweep_bayes *b;
	size_t dims, p;
	double best, xi;
	double *x;		/* p scratch features */
	size_t evals;
};

/* log EI of point u (snapped in place) */
static int score(struct model *m, double *u, double *out)
{
	double mu, var;
	int ret;

	mlw_sweep_space_snap(m->b->space, u);
	mlw_sweep_space_features(m->b->space, u, m->x);
	ret = mlw_gp_predict(&m->b->gp, m->x, 1, &mu, &var);
	if (ret < 0)
		return ret;
	m->evals++;
	*out = mlw_sweep_log_ei(mu, var, m->best, m->xi);
	return 0;
}

/*
 * Pattern search on the coordinates that are not choices: try +-step on
 * each, keep improvements, halve the step when none helps.
 */
static int refine(struct model *m, double *u, double *val)
{
	const struct mlw_sweep_space *space = m->b->space;
	double *t = mlw_malloc(m->dims * sizeof(double) + 1), step = 0.05, v;
	size_t d, evals = 0;
	int ret = 0, sign;

	while (step > 1e-4 && evals < REFINE_EVALS) {
		int better = 0;

		for (d = 0; d < m->dims && evals < REFINE_EVALS; d++) {
			if (space->by_dim[d]->type == MLW_DIST_CHOICE)
				continue;
			for (sign = -1; sign <= 1; sign += 2) {
				memcpy(t, u, m->dims * sizeof(double));
				t[d] += sign * step;
				if (t[d] < 0 || t[d] >= 1)
					continue;
				ret = score(m, t, &v);
				evals++;
				if (ret < 0)
					goto out;
				if (v > *val + 1e-12) {
					memcpy(u, t, m->dims * sizeof(double));
					*val = v;
					better = 1;
					break;
				}
			}
		}
		if (!better)
			step /= 2;
	}
out:
	free(t);
	return ret;
}

/* the squared feature distance to the nearest of nr points */
static double nearest(const double *x, const double *X, size_t nr, size_t p)
{
	double best = INFINITY;
	size_t i, d;

	for (i = 0; i < nr; i++) {
		double s = 0;

		for (d = 0; d < p && s < best; d++)
			s += (x[d] - X[i * p + d]) * (x[d] - X[i * p + d]);
		if (s < best)
			best = s;
	}
	return best;
}

static int by_score(const void *a, const void *b, void *arg)
{
	const double *s = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (s[i] != s[j])
		return s[i] > s[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

static int by_value(const void *a, const void *b, void *arg)
{
	const double *y = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (y[i] != y[j])
		return y[i] < y[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* candidates: scrambled Sobol points, then perturbations of the best */
static void make_candidates(struct mlw_sweep_bayes *b, size_t index,
			    const double *const *parents, size_t nr_parents,
			    double *C, size_t nc)
{
	const struct mlw_sweep_space *space = b->space;
	size_t dims = space->dims, half = nc / 2, i, d;
	struct mlw_sweep_sobol sobol;
	struct mlw_sweep_rng rng;
	static const double scales[] = { 0.2, 0.05, 0.01, 0.002 };

	mlw_sweep_rng_init(&rng, b->seed, 0xca4d0000ULL + index);
	if (!nr_parents)
		half = nc;
	if (dims <= MLW_SOBOL_MAX_DIMS &&
	    !mlw_sweep_sobol_init(&sobol, dims, 1,
				  mlw_sweep_rng_next(&rng))) {
		for (i = 0; i < half; i++)
			mlw_sweep_sobol_point(&sobol, i, C + i * dims);
		mlw_sweep_sobol_release(&sobol);
	} else {
		for (i = 0; i < half * dims; i++)
			C[i] = mlw_sweep_rng_uniform(&rng);
	}
	for (i = half; i < nc; i++) {
		double *c = C + i * dims, s = scales[i % 4];
		int changed = 0;

		memcpy(c, parents[i % nr_parents], dims * sizeof(double));
		while (!changed) {
			for (d = 0; d < dims; d++) {
				if (space->by_dim[d]->type == MLW_DIST_CHOICE) {
					if (mlw_sweep_rng_below(&rng, dims))
						continue;
					c[d] = mlw_sweep_rng_uniform(&rng);
				} else {
					c[d] += s * mlw_sweep_rng_normal(&rng);
					c[d] = c[d] < 0 ? 0 : c[d] >= 1 ?
						1 - 0x1p-53 : c[d];
				}
				changed = 1;
			}
		}
	}
	for (i = 0; i < nc; i++)
		mlw_sweep_space_snap(space, C + i * dims);
}

int mlw_sweep_bayes_next(struct mlw_sweep_bayes *b, size_t index,
			 const struct mlw_sweep_observation *history,
			 size_t nr, double *u)
{
	const struct mlw_sweep_space *space = b->space;
	size_t dims = space->dims, p = space->features, nf = 0, np = 0;
	size_t initial = b->opts.initial, nc = b->opts.candidates, i, k;
	size_t nr_parents, nseen;
	double *X = NULL, *y = NULL, *P = NULL, *C = NULL, *S = NULL;
	double *mu = NULL, *var = NULL, *seen = NULL, *t = NULL;
	const double **parents = NULL, **best = NULL;
	size_t *order = NULL, *byv = NULL;
	struct model m = { 0 };
	int ret = 0;

	if (!initial) {
		initial = dims + 1;
		initial = initial < 5 ? 5 : initial > 20 ? 20 : initial;
	}
	for (i = 0; i < nr; i++)
		if (!history[i].running && isfinite(history[i].value))
			nf++;
	if (index < initial || nf < 2) {
		if (b->initial.dims)
			mlw_sweep_sobol_point(&b->initial, index, u);
		else
			random_point(b, index, 0, u);
		return 0;
	}
	if (nc < 16)
		nc = 16;
	X = mlw_calloc(mlw_st_mult(nr, p) + 1, sizeof(double));
	P = mlw_calloc(mlw_st_mult(nr, p) + 1, sizeof(double));
	y = mlw_calloc(nr + 1, sizeof(double));
	t = mlw_calloc(dims + 1, sizeof(double));
	parents = mlw_calloc(nr + 1, sizeof(*parents));
	byv = mlw_calloc(nr + 1, sizeof(*byv));
	nf = 0;
	for (i = 0; i < nr; i++) {
		double *row;

		if (!history[i].running && !isfinite(history[i].value))
			continue;
		memcpy(t, history[i].u, dims * sizeof(double));
		mlw_sweep_space_snap(space, t);
		if (history[i].running) {
			row = P + np++ * p;
		} else {
			row = X + nf * p;
			parents[nf] = history[i].u;
			y[nf++] = b->maximize ? -history[i].value :
				  history[i].value;
		}
		mlw_sweep_space_features(space, t, row);
	}
	ret = mlw_gp_set_data(&b->gp, X, y, nf, p);
	/*
	 * Warm starts usually suffice: restarts only for the first model
	 * and then every RESTART_EVERY suggestions.
	 */
	if (!ret)
		ret = mlw_gp_optimize(&b->gp, !b->fitted ||
				      !(index % RESTART_EVERY) ?
				      b->opts.restarts : 0,
				      b->seed ^ (0x9e37ULL * (index + 1)));
	b->fitted = 1;
	if (ret < 0)
		goto out;
	m.b = b;
	m.dims = dims;
	m.p = p;
	m.x = mlw_calloc(p + 1, sizeof(double));
	m.best = INFINITY;
	for (i = 0; i < nf; i++)
		m.best = y[i] < m.best ? y[i] : m.best;
	m.xi = XI * b->gp.y_scale;
	/* running trials: believe the model's mean there */
	if (np) {
		mu = mlw_calloc(np, sizeof(double));
		var = mlw_calloc(np, sizeof(double));
		ret = mlw_gp_predict(&b->gp, P, np, mu, var);
		if (!ret)
			ret = mlw_gp_add(&b->gp, P, mu, np);
		free(mu);
		free(var);
		mu = var = NULL;
		if (ret < 0)
			goto out;
	}
	/* the best finished trials are the parents of local candidates */
	for (i = 0; i < nf; i++)
		byv[i] = i;
	qsort_r(byv, nf, sizeof(*byv), by_value, y);
	nr_parents = nf < LOCAL_PARENTS ? nf : LOCAL_PARENTS;
	best = mlw_calloc(nr_parents + 1, sizeof(*best));
	for (i = 0; i < nr_parents; i++)
		best[i] = parents[byv[i]];
	C = mlw_calloc(mlw_st_mult(nc, dims) + 1, sizeof(double));
	make_candidates(b, index, best, nr_parents, C, nc);
	S = mlw_calloc(mlw_st_mult(nc, p) + 1, sizeof(double));
	mu = mlw_calloc(nc, sizeof(double));
	var = mlw_calloc(nc, sizeof(double));
	for (i = 0; i < nc; i++)
		mlw_sweep_space_features(space, C + i * dims, S + i * p);
	ret = mlw_gp_predict(&b->gp, S, nc, mu, var);
	if (ret < 0)
		goto out;
	order = mlw_calloc(nc, sizeof(*order));
	for (i = 0; i < nc; i++) {
		order[i] = i;
		mu[i] = mlw_sweep_log_ei(mu[i], var[i], m.best, m.xi);
	}
	qsort_r(order, nc, sizeof(*order), by_score, mu);
	for (i = 0; i < REFINE && i < nc; i++) {
		ret = refine(&m, C + order[i] * dims, &mu[order[i]]);
		if (ret < 0)
			goto out;
		mlw_sweep_space_features(space, C + order[i] * dims,
					 S + order[i] * p);
	}
	qsort_r(order, nc, sizeof(*order), by_score, mu);
	/* the best candidate that was not tried (or is not running) */
	nseen = nf + np;
	seen = mlw_calloc(mlw_st_mult(nseen, p) + 1, sizeof(double));
	memcpy(seen, X, nf * p * sizeof(double));
	memcpy(seen + nf * p, P, np * p * sizeof(double));
	for (k = 0; k < nc; k++)
		if (nearest(S + order[k] * p, seen, nseen, p) > 1e-12)
			break;
	if (k < nc)
		memcpy(u, C + order[k] * dims, dims * sizeof(double));
	else	/* every candidate was tried: a fresh random point */
		random_point(b, index, 0x5eed, u);
out:
	free(X);
	free(P);
	free(y);
	free(t);
	free(parents);
	free(best);
	free(byv);
	free(C);
	free(S);
	free(mu);
	free(var);
	free(order);
	free(seen);
	free(m.x);
	return ret;
}
