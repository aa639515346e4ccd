/*
 * rand.c - seeded random streams and the normal distribution (rand.h).
 */
#include "sweep/rand.h"

#include <math.h>

#define GOLDEN 0x9E3779B97F4A7C15ULL

/* splitmix64's output function: a bijective 64-bit mixer */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/*
 * Both keys go through the mixer so that neighbouring seeds and streams
 * start far apart in the sequence.
 */
void mlw_sweep_rng_init(struct mlw_sweep_rng *r, uint64_t seed,
			uint64_t stream)
{
	r->state = mix64(seed + GOLDEN) ^ mix64((stream + 1) * GOLDEN + 1);
}

uint64_t mlw_sweep_rng_next(struct mlw_sweep_rng *r)
{
	r->state += GOLDEN;
	return mix64(r->state);
}

double mlw_sweep_rng_uniform(struct mlw_sweep_rng *r)
{
	return (double)(mlw_sweep_rng_next(r) >> 11) * 0x1.0p-53;
}

/* the centre of one of 2^53 cells: never 0 or 1 */
double mlw_sweep_rng_open(struct mlw_sweep_rng *r)
{
	return ((double)(mlw_sweep_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

double mlw_sweep_rng_normal(struct mlw_sweep_rng *r)
{
	return mlw_sweep_norm_quantile(mlw_sweep_rng_open(r));
}

/* Lemire's multiply-shift with rejection: unbiased for every n */
uint64_t mlw_sweep_rng_below(struct mlw_sweep_rng *r, uint64_t n)
{
	unsigned __int128 m;
	uint64_t low, threshold;

	if (!n)
		return 0;
	m = (unsigned __int128)mlw_sweep_rng_next(r) * n;
	low = (uint64_t)m;
	if (low < n) {
		threshold = -n % n;
		while (low < threshold) {
			m = (unsigned __int128)mlw_sweep_rng_next(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double mlw_sweep_norm_pdf(double x)
{
	return exp(-0.5 * x * x) / sqrt(2 * M_PI);
}

double mlw_sweep_norm_cdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

/*
 * The lower tail (p <= 0.5) is solved directly, where erfc keeps its
 * relative precision; the upper tail by symmetry.
 */
double mlw_sweep_norm_quantile(double p)
{
	double q, t, x;
	int i;

	if (isnan(p) || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p == 0.5)
		return 0;
	q = p < 0.5 ? p : 1 - p;
	/* Abramowitz and Stegun 26.2.23 */
	t = sqrt(-2 * log(q));
	x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
	      (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
	/* Halley on Phi(x) - q, cubic convergence */
	for (i = 0; i < 2; i++) {
		double e = mlw_sweep_norm_cdf(x) - q;
		double u = e * sqrt(2 * M_PI) * exp(0.5 * x * x);

		x -= u / (1 + 0.5 * x * u);
	}
	return p < 0.5 ? x : -x;
}
