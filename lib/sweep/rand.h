/*
 * rand.h - seeded random streams and the normal distribution for sweeps.
 *
 * A sweep must give the same trials for the same seed whatever the
 * concurrency, so randomness is never a running state shared by trials:
 * each consumer opens its own stream keyed by (seed, stream number), for
 * instance (seed, trial index), and the values it draws depend on nothing
 * else.  The generator is splitmix64 (Steele, Lea and Flood, 2014), the
 * one 'mlw train' seeds with; a stream is the splitmix64 sequence started
 * at a state mixed from both keys.
 *
 * The normal quantile starts from Abramowitz and Stegun 26.2.23 (error
 * below 4.5e-4) and polishes it with two Halley steps on erfc(3), which
 * gives full double precision over (0, 1).
 */
#ifndef MLW_SWEEP_RAND_H
#define MLW_SWEEP_RAND_H

#include <stdint.h>

struct mlw_sweep_rng {
	uint64_t state;
};

/* Open the stream number stream of seed. */
void mlw_sweep_rng_init(struct mlw_sweep_rng *r, uint64_t seed,
			uint64_t stream);
/* The next 64 random bits. */
uint64_t mlw_sweep_rng_next(struct mlw_sweep_rng *r);
/* Uniform on [0, 1), 53 random bits. */
double mlw_sweep_rng_uniform(struct mlw_sweep_rng *r);
/* Uniform on (0, 1): never 0, for quantile functions. */
double mlw_sweep_rng_open(struct mlw_sweep_rng *r);
/* Standard normal. */
double mlw_sweep_rng_normal(struct mlw_sweep_rng *r);
/* Uniform integer in [0, n); 0 when n is 0. */
uint64_t mlw_sweep_rng_below(struct mlw_sweep_rng *r, uint64_t n);

/* The standard normal density, distribution and quantile functions. */
double mlw_sweep_norm_pdf(double x);
double mlw_sweep_norm_cdf(double x);
/* p in (0, 1); -INFINITY at 0, INFINITY at 1, NaN outside. */
double mlw_sweep_norm_quantile(double p);

#endif
