/*
 * rowpass.h - one pass over the rows of a column-major matrix, cut into
 * a fixed number of chunks that threads take in turn.
 *
 * The rows are cut into blocks of `block` rows and the blocks into
 * chunks: their number depends on the rows, the block and the size of a
 * chunk's result only, never on the threads, so a pass gives the same
 * bits on one thread or sixteen.  Each chunk's result goes to its own
 * slot of out; the caller combines the slots in chunk order
 * (mlw_rowpass_sum() adds them up).
 *
 *	struct mlw_rowpass ps = { .n = n, .block = b, .outsize = p + 1,
 *				  .nr_threads = 2, .chunk = sums, .data = X };
 *	mlw_rowpass_run(&ps);
 *	mlw_rowpass_sum(&ps, total);
 *	mlw_rowpass_release(&ps);
 */
#ifndef MLW_ML_ROWPASS_H
#define MLW_ML_ROWPASS_H

#include <stddef.h>

#define MLW_ROWPASS_MAX_CHUNKS 16

struct mlw_rowpass {
	size_t n;		/* rows */
	size_t block;		/* rows in a block (> 0) */
	size_t outsize;		/* doubles in a chunk's result */
	int nr_threads;		/* at most this many (< 1: one) */
	/* blocks [qlo, qhi) into out (outsize doubles, zeroed) */
	void (*chunk)(void *data, size_t qlo, size_t qhi, double *out);
	void *data;
	/* set by mlw_rowpass_run() */
	size_t nr_chunks;
	double *out;		/* nr_chunks x outsize */
};

/*
 * Rows in a block of p + 1 columns of doubles: about 1 MB, so that a
 * block stays in cache while a pass works on it (at least 256 rows).
 */
size_t mlw_rowpass_block_rows(size_t p);

/* Run the pass: every chunk's result in ps->out. */
void mlw_rowpass_run(struct mlw_rowpass *ps);

/* out[outsize] = the sum of the chunks' results, in chunk order */
void mlw_rowpass_sum(const struct mlw_rowpass *ps, double *out);

/* Free ps->out. */
void mlw_rowpass_release(struct mlw_rowpass *ps);

#endif
