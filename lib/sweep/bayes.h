/*
 * bayes.h - Bayesian suggestions (the sampler's "bayesian"; see sampler.h
 * for the method).  Only sampler.c and the tests call this directly.
 */
#ifndef MLW_SWEEP_BAYES_H
#define MLW_SWEEP_BAYES_H

#include "sweep/gp.h"
#include "sweep/sampler.h"
#include "sweep/sobol.h"

struct mlw_sweep_bayes {
	const struct mlw_sweep_space *space;	/* borrowed */
	struct mlw_sweep_bayes_options opts;
	uint64_t seed;
	int maximize;
	struct mlw_gp gp;		/* kept for warm starts */
	int fitted;			/* gp has been fitted once */
	struct mlw_sweep_sobol initial;	/* the first trials' sequence */
};

/*
 * Prepare b for space (borrowed).  Returns 0, or MLW_EINVALID when the
 * space has more coordinates than the Sobol table (no initial design).
 */
int mlw_sweep_bayes_init(struct mlw_sweep_bayes *b,
			 const struct mlw_sweep_space *space, uint64_t seed,
			 int maximize);
void mlw_sweep_bayes_release(struct mlw_sweep_bayes *b);

/* As mlw_sweep_sampler_next(): 0 with u, or a negative code. */
int mlw_sweep_bayes_next(struct mlw_sweep_bayes *b, size_t index,
			 const struct mlw_sweep_observation *history,
			 size_t nr, double *u);

/*
 * log EI for minimisation at mean mu and variance var, against best,
 * with margin xi: log(sigma (z Phi(z) + phi(z))), z = (best - mu - xi) /
 * sigma, computed without underflow far in the tail.
 */
double mlw_sweep_log_ei(double mu, double var, double best, double xi);

#endif
