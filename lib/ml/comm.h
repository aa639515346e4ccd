/*
 * comm.h - the processes of one distributed training (MPI).
 *
 * 'mlw train' started as the ranks of mpirun (a job's distribution:
 * type: mpi, or mpirun by hand) trains data-parallel: every rank reads
 * its share of the rows and the trainers add up what they need from all
 * rows (XᵀX and Xᵀy, gradients and Hessians, k-means sums, moments)
 * through the training context (context.h: mlw_train_sum()).  This is
 * the communicator under it: Open MPI's libmpi, loaded on first use
 * with the other optional libraries (util/dl.h), so mlw links nothing
 * of MPI and a machine without it only misses this.
 *
 *	struct mlw_comm *comm;
 *
 *	(under mpirun: OMPI_COMM_WORLD_SIZE is set)
 *	if (mlw_comm_init(&comm) < 0)
 *		... mlw_error_last(): libmpi is missing
 *	ctx.comm = comm;
 *	... mlw_train(&res, ds, &req, &ctx) on every rank
 *	mlw_comm_finish(comm);
 *
 * Every call is collective: every rank makes it, in the same order,
 * with the same sizes.  A sum is reduced to rank 0 and
 * broadcast, so every rank holds the same bits and takes the same
 * branches afterwards (MPI_Allreduce does not promise that).  A
 * communication failure is fatal (MPI's default handler): the job is
 * aborted on every rank, as a rank that dies takes the others with it.
 */
#ifndef MLW_ML_COMM_H
#define MLW_ML_COMM_H

#include <stddef.h>

struct mlw_comm {
	int rank, size;
};

/*
 * Load libmpi and join the job's communicator (MPI_Init).  0 and *out,
 * or MLW_ERROR (libmpi cannot be loaded: the message names the Debian
 * package; or MPI_Init failed).  One per process.
 */
int mlw_comm_init(struct mlw_comm **out);

/* Leave (MPI_Finalize) and free; NULL is fine. */
void mlw_comm_finish(struct mlw_comm *c);

/* v[0..n) = its sum over the ranks, the same bits on every rank */
void mlw_comm_sum(struct mlw_comm *c, double *v, size_t n);

/* v[0..n) = its largest value over the ranks */
void mlw_comm_max(struct mlw_comm *c, double *v, size_t n);

/* buf[0..bytes) = root's */
void mlw_comm_bcast(struct mlw_comm *c, void *buf, size_t bytes, int root);

/*
 * all[0..size) = every rank's x, in rank order, on every rank.
 */
void mlw_comm_allgather(struct mlw_comm *c, double x, double *all);

/*
 * Rank 0 gets every rank's v[0..n) one after the other, in rank order,
 * in all (room for the sum of the n; may be NULL elsewhere).
 */
void mlw_comm_gather(struct mlw_comm *c, const double *v, size_t n,
		     double *all);

#endif
