/*
 * sampler.h - the sweep samplers behind one interface.
 *
 * A sampler proposes the next point of the unit cube (space.h) for trial
 * number index, given the history of the sweep: the points of finished
 * trials with their objective values and those of running trials.
 *
 *	random	   trial i's coordinates are drawn from the stream
 *		   (seed, i) (rand.h): they depend on the seed and i only,
 *		   so the same seed gives the same trials whatever the
 *		   concurrency and the order in which trials finish
 *	sobol	   point i of the Sobol sequence scrambled from the seed
 *		   (sobol.h): the same independence, evener coverage
 *	grid	   the cartesian product of the choices in a stable order:
 *		   the first parameter varies slowest, values in the order
 *		   written (itertools.product's order); a dictionary value's
 *		   nested choices multiply in where it is picked.  When
 *		   every point was given, next() says so.
 *	bayesian   a Gaussian process (gp.h) over the space's features with
 *		   expected improvement; see below
 *
 * Bayesian sampling.  The first trials (options.initial; by default the
 * number of coordinates + 1, at least 5 and at most 20) are points of the
 * scrambled Sobol sequence, as are later ones while fewer than two
 * trials have finished.  Then every suggestion:
 *   - takes the finished trials with a value; the objective is minimised
 *     (maximise goals are negated), targets are standardised;
 *   - fits the kernel hyperparameters by maximum marginal likelihood
 *     (warm-started from the previous suggestion, plus restarts);
 *   - adds each running trial at the posterior mean (the "kriging
 *     believer" fantasy), so the variance there collapses and concurrent
 *     suggestions differ;
 *   - scores candidates by expected improvement over the best finished
 *     value: options.candidates points, half from a freshly scrambled
 *     Sobol sequence and half perturbations of the best trials, each
 *     snapped to the values it stands for (quantised parameters rounded,
 *     choices picked), then refines the best few by a pattern search on
 *     their continuous coordinates;
 *   - returns the best candidate that is not a point already tried.
 * Randomness comes from the stream (seed, index), so a sweep replayed with
 * the same seed and the same order of results gives the same trials.
 *
 * Ownership: the sampler borrows the space, which must outlive it.
 */
#ifndef MLW_SWEEP_SAMPLER_H
#define MLW_SWEEP_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

struct mlw_sweep_space;

enum mlw_sweep_algorithm {
	MLW_SAMPLE_RANDOM,
	MLW_SAMPLE_SOBOL,	/* random with rule: sobol */
	MLW_SAMPLE_GRID,
	MLW_SAMPLE_BAYESIAN
};

/* what next() returns when a grid has given all its points */
#define MLW_SWEEP_EXHAUSTED 1

struct mlw_sweep_observation {
	const double *u;	/* the trial's point (space->dims values) */
	int running;		/* 1: no result yet */
	double value;		/* finished: the objective, NaN when none */
};

struct mlw_sweep_bayes_options {
	size_t initial;		/* Sobol trials first; 0: automatic */
	size_t candidates;	/* expected-improvement candidates (2048) */
	size_t restarts;	/* extra starts of the hyperparameter fit (2) */
};

struct mlw_sweep_sampler;

/* "random", "sobol", "grid", "bayesian" */
const char *mlw_sweep_algorithm_name(enum mlw_sweep_algorithm algorithm);

/*
 * A sampler of algorithm over space, seeded with seed; maximize says
 * which way the objective goes (bayesian).  Grid needs a space of
 * choices only, sobol at most MLW_SOBOL_MAX_DIMS coordinates: otherwise
 * MLW_EINVALID with a message.  Returns 0 with *out, freed with
 * mlw_sweep_sampler_free().
 */
int mlw_sweep_sampler_new(struct mlw_sweep_sampler **out,
			  const struct mlw_sweep_space *space,
			  enum mlw_sweep_algorithm algorithm, uint64_t seed,
			  int maximize);
void mlw_sweep_sampler_free(struct mlw_sweep_sampler *sampler);

/* Change the Bayesian options (before the first next()). */
void mlw_sweep_sampler_set_bayes(struct mlw_sweep_sampler *sampler,
				 const struct mlw_sweep_bayes_options *opts);

/*
 * The point for trial index into u (space->dims values), given nr
 * observations of the trials so far (in any order).  Returns 0,
 * MLW_SWEEP_EXHAUSTED when a grid has no more points, or a negative code
 * (LAPACK missing, a model that cannot be fitted) with a message.
 */
int mlw_sweep_sampler_next(struct mlw_sweep_sampler *sampler, size_t index,
			   const struct mlw_sweep_observation *history,
			   size_t nr, double *u);

/*
 * Grid: the number of points (UINT64_MAX when it does not fit); other
 * samplers: 0, for no limit.
 */
uint64_t mlw_sweep_sampler_size(const struct mlw_sweep_sampler *sampler);

#endif
