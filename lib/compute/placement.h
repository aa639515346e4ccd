/*
 * placement.h - where and how a job's command is carried out: its
 * compute target, and its distribution over processes.
 *
 * A command job's spec says both (Azure ML's fields):
 *
 *	compute: azureml:hpc			the target (compute.h)
 *	resources:
 *	  instance_count: 2			K nodes
 *	distribution:
 *	  type: mpi				or pytorch, tensorflow
 *	  process_count_per_instance: 4		N ranks on each
 *
 * and mlw_placement_prepare() reads them into one struct the run layer
 * keeps with the run's plan; its executors do the rest:
 *
 *	mpi		K x N ranks: 'mpirun' here (--allow-run-as-root as
 *			root, --oversubscribe when there are more ranks than
 *			CPUs), 'srun' inside a Slurm allocation
 *	pytorch		K x N processes, each with MASTER_ADDR, MASTER_PORT,
 *			WORLD_SIZE, RANK, LOCAL_RANK, NODE_RANK set, as
 *			torch.distributed's env:// reads them
 *	tensorflow	worker_count workers and parameter_server_count
 *			parameter servers, each with TF_CONFIG
 *
 * K instances of a local target are K x N processes on this machine.
 */
#ifndef MLW_COMPUTE_PLACEMENT_H
#define MLW_COMPUTE_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

struct mlw_compute;
struct mlw_repo;
struct mlw_spec;
struct mlw_strlist;

enum mlw_dist_type {
	MLW_DIST_NONE,		/* one process */
	MLW_DIST_MPI,
	MLW_DIST_PYTORCH,
	MLW_DIST_TENSORFLOW
};

/* "none", "mpi", "pytorch", "tensorflow" */
const char *mlw_dist_type_name(enum mlw_dist_type t);

struct mlw_placement {
	struct mlw_compute *target;	/* local or slurm (owned) */
	char *compute;			/* the spec's compute: value, or NULL */
	enum mlw_dist_type dist;
	int64_t instances;	/* nodes: resources.instance_count, >= 1 */
	/* ranks on each instance (mpi, pytorch); 1 without distribution */
	int64_t per_instance;
	/* tensorflow: workers and parameter servers, in all */
	int64_t workers, parameter_servers;
};

/*
 * Read compute, resources.instance_count and distribution from spec (a
 * command job without errors), resolving the target in repo
 * (mlw_compute_resolve()).  0 with
 * *out (free with mlw_placement_free()) and *note (what is done instead
 * of what was asked, or NULL; the caller frees); MLW_ENOTFOUND with
 * FILE:LINE:COL for a target that does not exist (unless the workspace
 * runs those here: compute.missing); MLW_EINVALID with FILE:LINE:COL for a
 * count below 1 (process_count_per_instance: 0) or above what the target
 * allows.
 */
int mlw_placement_prepare(struct mlw_placement **out, char **note,
			  struct mlw_repo *repo, const struct mlw_spec *spec);

struct mlw_placement *mlw_placement_dup(const struct mlw_placement *p);
void mlw_placement_free(struct mlw_placement *p);

/* Whether p goes to Slurm. */
int mlw_placement_is_slurm(const struct mlw_placement *p);
/* The processes p starts in all (1 without distribution). */
int64_t mlw_placement_ranks(const struct mlw_placement *p);

/*
 * The variables rank of p reads, appended to env as "KEY=VALUE":
 * pytorch's MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK,
 * NODE_RANK (with LOCAL_WORLD_SIZE), or tensorflow's TF_CONFIG; for a
 * local run, ranks are laid out on K instances of N, addresses on host
 * (every instance here) from port base_port up.  Nothing for mpi (mpirun
 * sets its own) or no distribution.
 */
void mlw_placement_rank_env(struct mlw_strlist *env,
			    const struct mlw_placement *p, int64_t rank,
			    const char *host, int base_port);

/*
 * The command line that runs command on every rank of an mpi placement
 * here: "mpirun -np W [--oversubscribe] [--allow-run-as-root] sh -c
 * 'COMMAND'", oversubscribing when W is more than nr_cpus, allowed to
 * run as root when as_root.  The caller frees.
 */
char *mlw_placement_mpirun(const struct mlw_placement *p,
			   const char *command, long nr_cpus, int as_root);

/* s in single quotes for sh, appended to b ('\'' for a quote). */
struct mlw_buf;
void mlw_sh_quote(struct mlw_buf *b, const char *s);

#endif
