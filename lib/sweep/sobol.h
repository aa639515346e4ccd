/*
 * sobol.h - scrambled Sobol sequences, point by point.
 *
 * The direction numbers are Joe and Kuo's (new-joe-kuo-6.21201, embedded
 * for MLW_SOBOL_MAX_DIMS dimensions in sobol-table.h with its source).
 * Point i is computed directly from the Gray code of i, so a trial's point
 * depends only on its index and the seed, never on which points were
 * asked for before.
 *
 * Scrambling is Matousek's linear matrix scrambling (a random lower
 * triangular binary matrix with unit diagonal applied to every direction
 * number of a dimension) followed by a random digital shift, both drawn
 * from the seed: the scrambled sequence keeps the net property (the first
 * 2^m points put one point in each of the 2^m equal cells of every
 * coordinate) and its points are no longer on the dyadic grid.  With
 * scrambling off the points are the published sequence, starting at 0.
 */
#ifndef MLW_SWEEP_SOBOL_H
#define MLW_SWEEP_SOBOL_H

#include <stddef.h>
#include <stdint.h>

#define MLW_SOBOL_MAX_DIMS 256
#define MLW_SOBOL_BITS 32

struct mlw_sweep_sobol {
	size_t dims;
	uint32_t *v;		/* dims x 32 direction numbers */
	uint32_t *shift;	/* dims digital shifts (zero unscrambled) */
};

/*
 * Prepare dims dimensions (1 to MLW_SOBOL_MAX_DIMS), scrambled from seed
 * when scramble is set.  Returns 0, or MLW_EINVALID with a message for
 * too many dimensions.  Release with mlw_sweep_sobol_release().
 */
int mlw_sweep_sobol_init(struct mlw_sweep_sobol *s, size_t dims,
			 int scramble, uint64_t seed);
void mlw_sweep_sobol_release(struct mlw_sweep_sobol *s);

/* Point index (below 2^32) into u[0 .. dims - 1], each in [0, 1). */
void mlw_sweep_sobol_point(const struct mlw_sweep_sobol *s, uint64_t index,
			   double *u);

#endif
