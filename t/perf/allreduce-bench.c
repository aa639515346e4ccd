/*
 * allreduce-bench.c - the cost of one sum over the ranks as mlw's
 * distributed training takes it (mlw_comm_sum(), lib/ml/comm.h: a
 * reduce to rank 0 and a broadcast), for the (d + 1) x (d + 1) Gram
 * matrix of d features; run it under mpirun (t/perf/p5730 does):
 *
 *   mpirun -n 2 t/perf/allreduce-bench.bin D...
 *
 * Rank 0 prints "d doubles bytes microseconds_per_sum" for each D.
 */
#include "ml/comm.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct mlw_comm *c;
	int a;

	if (mlw_comm_init(&c) < 0) {
		fprintf(stderr, "allreduce-bench: %s\n", mlw_error_last());
		return 1;
	}
	for (a = 1; a < argc; a++) {
		size_t d = (size_t)strtoul(argv[a], NULL, 10);
		size_t n = (d + 1) * (d + 1), i;
		double *v = mlw_calloc(n, sizeof(double)), t0, sync = 0;
		/* about 0.5 s of sums, at least 5 */
		int reps = (int)(2e8 / (double)(n * 8)), r;

		if (reps < 5)
			reps = 5;
		if (reps > 20000)
			reps = 20000;
		for (i = 0; i < n; i++)
			v[i] = (double)i;
		for (r = 0; r < 3; r++)
			mlw_comm_sum(c, v, n);
		mlw_comm_sum(c, &sync, 1);
		t0 = now();
		for (r = 0; r < reps; r++)
			mlw_comm_sum(c, v, n);
		t0 = now() - t0;
		if (!c->rank)
			printf("%zu %zu %zu %.3f\n", d, n, n * 8,
			       t0 / reps * 1e6);
		free(v);
	}
	mlw_comm_finish(c);
	return 0;
}
