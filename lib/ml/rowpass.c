/*
 * rowpass.c - chunked, threaded passes over rows (rowpass.h).
 */
#include "ml/rowpass.h"
#include "util/alloc.h"
#include "util/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

size_t mlw_rowpass_block_rows(size_t p)
{
	size_t b = ((size_t)128 << 10) / (p + 1);

	return b < 256 ? 256 : b;
}

struct pass_thread {
	struct mlw_rowpass *ps;
	size_t first, step;
	pthread_t thread;
};

static void *pass_thread(void *arg)
{
	struct pass_thread *t = arg;
	struct mlw_rowpass *ps = t->ps;
	size_t nr_blocks = (ps->n + ps->block - 1) / ps->block, c;

	/* chunks are runs of whole blocks */
	for (c = t->first; c < ps->nr_chunks; c += t->step)
		ps->chunk(ps->data, nr_blocks * c / ps->nr_chunks,
			  nr_blocks * (c + 1) / ps->nr_chunks,
			  ps->out + c * ps->outsize);
	return NULL;
}

void mlw_rowpass_run(struct mlw_rowpass *ps)
{
	struct pass_thread th[MLW_ROWPASS_MAX_CHUNKS];
	size_t nr_threads = ps->nr_threads > 1 ? (size_t)ps->nr_threads : 1;
	size_t i;

	/* a chunk is at least a few blocks, and chunk results stay small */
	ps->nr_chunks = ps->n / (4 * ps->block) + 1;
	if (ps->nr_chunks > MLW_ROWPASS_MAX_CHUNKS)
		ps->nr_chunks = MLW_ROWPASS_MAX_CHUNKS;
	while (ps->nr_chunks > 1 &&
	       ps->nr_chunks * ps->outsize > ((size_t)4 << 20))
		ps->nr_chunks--;
	if (nr_threads > ps->nr_chunks)
		nr_threads = ps->nr_chunks;
	ps->out = mlw_calloc(ps->nr_chunks * ps->outsize + 1, sizeof(double));
	for (i = 0; i < nr_threads; i++) {
		th[i].ps = ps;
		th[i].first = i;
		th[i].step = nr_threads;
		if (i && pthread_create(&th[i].thread, NULL, pass_thread,
					&th[i]))
			BUG("cannot create a thread");
	}
	pass_thread(&th[0]);
	for (i = 1; i < nr_threads; i++)
		pthread_join(th[i].thread, NULL);
}

void mlw_rowpass_sum(const struct mlw_rowpass *ps, double *out)
{
	size_t c, i;

	memset(out, 0, ps->outsize * sizeof(double));
	for (c = 0; c < ps->nr_chunks; c++)
		for (i = 0; i < ps->outsize; i++)
			out[i] += ps->out[c * ps->outsize + i];
}

void mlw_rowpass_release(struct mlw_rowpass *ps)
{
	free(ps->out);
	ps->out = NULL;
}
