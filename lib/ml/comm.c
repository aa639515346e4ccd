/*
 * comm.c - Open MPI loaded on first use (comm.h).
 *
 * No mpi.h: the handles of Open MPI's ABI (libmpi.so.40) are pointers to
 * its predefined objects (MPI_COMM_WORLD is &ompi_mpi_comm_world), which
 * the loader resolves as it resolves functions.  Open MPI's components
 * look libmpi's symbols up themselves, so it is opened RTLD_GLOBAL.
 */
#include "ml/comm.h"
#include "util/alloc.h"
#include "util/dl.h"
#include "util/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef void *mpi_handle;	/* MPI_Comm, MPI_Datatype, MPI_Op */

static int (*mpi_initialized)(int *flag);
static int (*mpi_init)(int *argc, char ***argv);
static int (*mpi_finalize)(void);
static int (*mpi_comm_rank)(mpi_handle comm, int *rank);
static int (*mpi_comm_size)(mpi_handle comm, int *size);
static int (*mpi_reduce)(const void *send, void *recv, int count,
			 mpi_handle type, mpi_handle op, int root,
			 mpi_handle comm);
static int (*mpi_bcast)(void *buf, int count, mpi_handle type, int root,
			mpi_handle comm);
static int (*mpi_allgather)(const void *send, int scount, mpi_handle stype,
			    void *recv, int rcount, mpi_handle rtype,
			    mpi_handle comm);
static int (*mpi_gatherv)(const void *send, int scount, mpi_handle stype,
			  void *recv, const int *rcounts, const int *displs,
			  mpi_handle rtype, int root, mpi_handle comm);
static void *world, *type_double, *type_byte, *op_sum, *op_max;

#define MPI_IN_PLACE ((void *)1)

static const struct mlw_dl_symbol mpi_symbols[] = {
	MLW_DL_SYMBOL(MPI_Initialized, mpi_initialized),
	MLW_DL_SYMBOL(MPI_Init, mpi_init),
	MLW_DL_SYMBOL(MPI_Finalize, mpi_finalize),
	MLW_DL_SYMBOL(MPI_Comm_rank, mpi_comm_rank),
	MLW_DL_SYMBOL(MPI_Comm_size, mpi_comm_size),
	MLW_DL_SYMBOL(MPI_Reduce, mpi_reduce),
	MLW_DL_SYMBOL(MPI_Bcast, mpi_bcast),
	MLW_DL_SYMBOL(MPI_Allgather, mpi_allgather),
	MLW_DL_SYMBOL(MPI_Gatherv, mpi_gatherv),
	MLW_DL_SYMBOL(ompi_mpi_comm_world, world),
	MLW_DL_SYMBOL(ompi_mpi_double, type_double),
	MLW_DL_SYMBOL(ompi_mpi_byte, type_byte),
	MLW_DL_SYMBOL(ompi_mpi_op_sum, op_sum),
	MLW_DL_SYMBOL(ompi_mpi_op_max, op_max),
	{ NULL, NULL }
};

static struct mlw_dl_library mpi_lib = {
	.name = "Open MPI's libmpi",
	.sonames = { "libmpi.so.40" },
	.package = "libopenmpi3 (openmpi-bin)",
	.symbols = mpi_symbols,
	.global = 1,
};

/* messages are cut to this many elements: MPI counts are int */
#define CHUNK ((size_t)1 << 26)

int mlw_comm_init(struct mlw_comm **out)
{
	struct mlw_comm *c;
	int flag = 0;

	*out = NULL;
	if (mlw_dl_load(&mpi_lib) < 0)
		return MLW_ERROR;
	if (mpi_initialized(&flag) || (!flag && mpi_init(NULL, NULL)))
		return mlw_error_set("MPI_Init failed");
	c = mlw_calloc(1, sizeof(*c));
	mpi_comm_rank(world, &c->rank);
	mpi_comm_size(world, &c->size);
	*out = c;
	return 0;
}


void mlw_comm_finish(struct mlw_comm *c)
{
	if (!c)
		return;
	mpi_finalize();
	free(c);
}

static void reduce(struct mlw_comm *c, double *v, size_t n, void *op)
{
	size_t at;

	for (at = 0; at < n; at += CHUNK) {
		int k = (int)(n - at < CHUNK ? n - at : CHUNK);

		mpi_reduce(c->rank ? v + at : MPI_IN_PLACE, v + at, k,
			   type_double, op, 0, world);
		mpi_bcast(v + at, k, type_double, 0, world);
	}
}

void mlw_comm_sum(struct mlw_comm *c, double *v, size_t n)
{
	reduce(c, v, n, op_sum);
}

void mlw_comm_max(struct mlw_comm *c, double *v, size_t n)
{
	reduce(c, v, n, op_max);
}

void mlw_comm_bcast(struct mlw_comm *c, void *buf, size_t bytes, int root)
{
	size_t at;

	(void)c;
	for (at = 0; at < bytes; at += CHUNK) {
		int k = (int)(bytes - at < CHUNK ? bytes - at : CHUNK);

		mpi_bcast((char *)buf + at, k, type_byte, root, world);
	}
}

void mlw_comm_allgather(struct mlw_comm *c, double x, double *all)
{
	(void)c;
	mpi_allgather(&x, 1, type_double, all, 1, type_double, world);
}

void mlw_comm_gather(struct mlw_comm *c, const double *v, size_t n,
		     double *all)
{
	double *counts = mlw_calloc((size_t)c->size + 1, sizeof(double));
	int *rc = mlw_calloc((size_t)c->size + 1, sizeof(int));
	int *displs = mlw_calloc((size_t)c->size + 1, sizeof(int));
	size_t r, total = 0;

	mlw_comm_allgather(c, (double)n, counts);
	for (r = 0; r < (size_t)c->size; r++)
		total += (size_t)counts[r];
	if (total > INT32_MAX) {
		/* beyond int displacements: a rank at a time (rare) */
		size_t at = 0;

		for (r = 0; r < (size_t)c->size; r++) {
			size_t len = (size_t)counts[r] * sizeof(double);
			void *buf = (int)r == c->rank ? (void *)v :
				    !c->rank ? (char *)all + at :
				    mlw_malloc(len + 1);

			if (r)
				mlw_comm_bcast(c, buf, len, (int)r);
			else if (!c->rank)
				memmove(all, v, len);
			if (buf != v && c->rank)
				free(buf);
			at += len;
		}
		goto out;
	}
	for (r = 0, total = 0; r < (size_t)c->size; r++) {
		rc[r] = (int)counts[r];
		displs[r] = (int)total;
		total += (size_t)counts[r];
	}
	mpi_gatherv(v, (int)n, type_double, all, rc, displs, type_double, 0,
		    world);
out:
	free(counts);
	free(rc);
	free(displs);
}
