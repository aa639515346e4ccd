/*
 * sobol.c - scrambled Sobol sequences (sobol.h).
 */
#include "sweep/sobol.h"
#include "sweep/rand.h"
#include "sweep/sobol-table.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdlib.h>

#if SOBOL_MAX_DIMS != MLW_SOBOL_MAX_DIMS
#error "sobol-table.h and sobol.h disagree on the dimensions"
#endif

/*
 * Direction numbers V_1..V_32 of dimension d (0-based), left-aligned in
 * 32 bits: V_k = m_k << (32 - k) for k <= s, then Bratley and Fox's
 * recurrence V_k = V_{k-s} ^ (V_{k-s} >> s) ^ sum a_j V_{k-j}.
 */
static void directions(uint32_t *v, size_t d)
{
	unsigned s, a, k, j;

	if (!d) {
		for (k = 0; k < MLW_SOBOL_BITS; k++)
			v[k] = (uint32_t)1 << (31 - k);
		return;
	}
	s = sobol_table[d - 1].s;
	a = sobol_table[d - 1].a;
	for (k = 0; k < s && k < MLW_SOBOL_BITS; k++)
		v[k] = (uint32_t)sobol_table[d - 1].m[k] << (31 - k);
	for (k = s; k < MLW_SOBOL_BITS; k++) {
		v[k] = v[k - s] ^ (v[k - s] >> s);
		for (j = 1; j < s; j++)
			if ((a >> (s - 1 - j)) & 1)
				v[k] ^= v[k - j];
	}
}

static unsigned parity32(uint32_t x)
{
	return (unsigned)__builtin_parity(x);
}

/*
 * Output bit j (from the most significant) is the parity of row j and the
 * input: row j has bit j set and random bits above it (lower triangular,
 * unit diagonal, so the map is invertible and keeps the net property).
 */
static void scramble_dimension(uint32_t *v, struct mlw_sweep_rng *rng)
{
	uint32_t rows[MLW_SOBOL_BITS];
	unsigned j, k;

	for (j = 0; j < MLW_SOBOL_BITS; j++) {
		uint32_t above = j ? ~(((uint32_t)1 << (32 - j)) - 1) : 0;

		rows[j] = ((uint32_t)1 << (31 - j)) |
			  ((uint32_t)mlw_sweep_rng_next(rng) & above);
	}
	for (k = 0; k < MLW_SOBOL_BITS; k++) {
		uint32_t out = 0;

		for (j = 0; j < MLW_SOBOL_BITS; j++)
			out |= (uint32_t)parity32(rows[j] & v[k]) << (31 - j);
		v[k] = out;
	}
}

int mlw_sweep_sobol_init(struct mlw_sweep_sobol *s, size_t dims,
			 int scramble, uint64_t seed)
{
	struct mlw_sweep_rng rng;
	size_t d;

	s->dims = 0;
	s->v = NULL;
	s->shift = NULL;
	if (!dims || dims > MLW_SOBOL_MAX_DIMS)
		return mlw_error_setc(MLW_EINVALID, "sobol sampling supports "
				      "1 to %d dimensions, not %zu",
				      MLW_SOBOL_MAX_DIMS, dims);
	s->dims = dims;
	s->v = mlw_calloc(mlw_st_mult(dims, MLW_SOBOL_BITS), sizeof(*s->v));
	s->shift = mlw_calloc(dims, sizeof(*s->shift));
	mlw_sweep_rng_init(&rng, seed, 0x50b01);
	for (d = 0; d < dims; d++) {
		directions(s->v + d * MLW_SOBOL_BITS, d);
		if (scramble) {
			scramble_dimension(s->v + d * MLW_SOBOL_BITS, &rng);
			s->shift[d] = (uint32_t)mlw_sweep_rng_next(&rng);
		}
	}
	return 0;
}

void mlw_sweep_sobol_release(struct mlw_sweep_sobol *s)
{
	free(s->v);
	free(s->shift);
	s->v = NULL;
	s->shift = NULL;
	s->dims = 0;
}

void mlw_sweep_sobol_point(const struct mlw_sweep_sobol *s, uint64_t index,
			   double *u)
{
	uint64_t gray = index ^ (index >> 1);
	size_t d;

	for (d = 0; d < s->dims; d++) {
		const uint32_t *v = s->v + d * MLW_SOBOL_BITS;
		uint32_t x = s->shift[d];
		uint64_t g = gray;
		unsigned k;

		for (k = 0; g && k < MLW_SOBOL_BITS; k++, g >>= 1)
			if (g & 1)
				x ^= v[k];
		u[d] = x * 0x1.0p-32;
	}
}
