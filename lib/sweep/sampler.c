/*
 * sampler.c - random, sobol and grid sampling, and the dispatch to the
 * Bayesian sampler (sampler.h).
 */
#include "sweep/sampler.h"
#include "sweep/bayes.h"
#include "sweep/rand.h"
#include "sweep/sobol.h"
#include "sweep/space.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdlib.h>

struct mlw_sweep_sampler {
	enum mlw_sweep_algorithm algorithm;
	const struct mlw_sweep_space *space;
	uint64_t seed;
	struct mlw_sweep_sobol sobol;
	uint64_t grid_size;
	struct mlw_sweep_bayes bayes;
};

const char *mlw_sweep_algorithm_name(enum mlw_sweep_algorithm algorithm)
{
	switch (algorithm) {
	case MLW_SAMPLE_RANDOM:
		return "random";
	case MLW_SAMPLE_SOBOL:
		return "sobol";
	case MLW_SAMPLE_GRID:
		return "grid";
	case MLW_SAMPLE_BAYESIAN:
		return "bayesian";
	}
	return "unknown";
}

/* --- grid ----------------------------------------------------------------- */

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t count_dist(const struct mlw_sweep_dist *dist);

/* the grid points a choice value stands for */
static uint64_t count_value(const struct mlw_sweep_value *v)
{
	uint64_t n = 1;
	size_t i;

	if (v->kind == MLW_VALUE_DIST)
		return count_dist(v->dist);
	if (v->kind == MLW_VALUE_DICT)
		for (i = 0; i < v->nr; i++)
			n = sat_mul(n, count_value(v->items[i]));
	return n;
}

static uint64_t count_dist(const struct mlw_sweep_dist *dist)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < dist->nr_values; i++)
		n = sat_add(n, count_value(dist->values[i]));
	return n;
}

static void place_dist(const struct mlw_sweep_dist *dist, uint64_t r,
		       double *u);

/* point r of a value's own product, the last entry varying fastest */
static void place_value(const struct mlw_sweep_value *v, uint64_t r,
			double *u)
{
	size_t i;

	if (v->kind == MLW_VALUE_DIST) {
		place_dist(v->dist, r, u);
		return;
	}
	if (v->kind != MLW_VALUE_DICT)
		return;
	for (i = v->nr; i-- > 0;) {
		uint64_t c = count_value(v->items[i]);

		place_value(v->items[i], r % c, u);
		r /= c;
	}
}

/* point r of a choice: the values in order, each with its own points */
static void place_dist(const struct mlw_sweep_dist *dist, uint64_t r,
		       double *u)
{
	size_t i;

	for (i = 0; i < dist->nr_values; i++) {
		uint64_t c = count_value(dist->values[i]);

		if (r < c) {
			u[dist->dim] = (i + 0.5) / dist->nr_values;
			place_value(dist->values[i], r, u);
			return;
		}
		r -= c;
	}
	BUG("grid point beyond its choice");
}

static void grid_point(const struct mlw_sweep_space *space, uint64_t k,
		       double *u)
{
	size_t i;

	for (i = 0; i < space->dims; i++)
		u[i] = 0.5;
	for (i = space->nr; i-- > 0;) {
		uint64_t c = count_dist(space->params[i]);

		place_dist(space->params[i], k % c, u);
		k /= c;
	}
}

/* --- the interface -------------------------------------------------------- */

int mlw_sweep_sampler_new(struct mlw_sweep_sampler **out,
			  const struct mlw_sweep_space *space,
			  enum mlw_sweep_algorithm algorithm, uint64_t seed,
			  int maximize)
{
	struct mlw_sweep_sampler *s;
	const struct mlw_sweep_dist *bad;
	size_t i;
	int ret = 0;

	*out = NULL;
	s = mlw_calloc(1, sizeof(*s));
	s->algorithm = algorithm;
	s->space = space;
	s->seed = seed;
	switch (algorithm) {
	case MLW_SAMPLE_RANDOM:
		break;
	case MLW_SAMPLE_SOBOL:
		ret = mlw_sweep_sobol_init(&s->sobol, space->dims, 1, seed);
		break;
	case MLW_SAMPLE_GRID:
		if (!mlw_sweep_space_only(space, 1u << MLW_DIST_CHOICE, &bad)) {
			ret = mlw_error_setc(MLW_EINVALID, "grid sampling "
					     "needs choice distributions only; "
					     "'%s' is %s", bad->name,
					     mlw_sweep_dist_name(bad->type));
			break;
		}
		s->grid_size = 1;
		for (i = 0; i < space->nr; i++)
			s->grid_size = sat_mul(s->grid_size,
					       count_dist(space->params[i]));
		break;
	case MLW_SAMPLE_BAYESIAN:
		ret = mlw_sweep_bayes_init(&s->bayes, space, seed, maximize);
		break;
	default:
		BUG("unknown sampling algorithm %d", algorithm);
	}
	if (ret < 0) {
		mlw_sweep_sampler_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void mlw_sweep_sampler_free(struct mlw_sweep_sampler *s)
{
	if (!s)
		return;
	mlw_sweep_sobol_release(&s->sobol);
	if (s->algorithm == MLW_SAMPLE_BAYESIAN)
		mlw_sweep_bayes_release(&s->bayes);
	free(s);
}

void mlw_sweep_sampler_set_bayes(struct mlw_sweep_sampler *s,
				 const struct mlw_sweep_bayes_options *opts)
{
	if (s->algorithm != MLW_SAMPLE_BAYESIAN)
		return;
	s->bayes.opts.initial = opts->initial;
	if (opts->candidates)
		s->bayes.opts.candidates = opts->candidates;
	s->bayes.opts.restarts = opts->restarts;
}

uint64_t mlw_sweep_sampler_size(const struct mlw_sweep_sampler *s)
{
	return s->algorithm == MLW_SAMPLE_GRID ? s->grid_size : 0;
}

int mlw_sweep_sampler_next(struct mlw_sweep_sampler *s, size_t index,
			   const struct mlw_sweep_observation *history,
			   size_t nr, double *u)
{
	struct mlw_sweep_rng rng;
	size_t d;

	switch (s->algorithm) {
	case MLW_SAMPLE_RANDOM:
		mlw_sweep_rng_init(&rng, s->seed, index);
		for (d = 0; d < s->space->dims; d++)
			u[d] = mlw_sweep_rng_uniform(&rng);
		return 0;
	case MLW_SAMPLE_SOBOL:
		mlw_sweep_sobol_point(&s->sobol, index, u);
		return 0;
	case MLW_SAMPLE_GRID:
		if (index >= s->grid_size)
			return MLW_SWEEP_EXHAUSTED;
		grid_point(s->space, index, u);
		return 0;
	case MLW_SAMPLE_BAYESIAN:
		return mlw_sweep_bayes_next(&s->bayes, index, history, nr, u);
	}
	BUG("unknown sampling algorithm %d", s->algorithm);
}
