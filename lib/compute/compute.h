/*
 * compute.h - compute targets: where a run is carried out.
 *
 * A workspace names its compute targets as Azure ML names its clusters,
 * and a job's 'compute: azureml:NAME' (or 'compute: NAME') picks one:
 *
 *	local		this machine, one process (or one per rank); always
 *			there, whether created or not
 *	slurm		mlw's own kind (mlw-compute.5): runs are submitted to
 *			a Slurm cluster with sbatch, with the partition,
 *			account, QOS, time limit, node limit, CPUs per task,
 *			memory and extra sbatch options it gives
 *	amlcompute	Azure's cluster spec, accepted and recorded (size,
 *			min and max instances); a run sent to it goes to the
 *			Slurm partition the workspace config names for it
 *			([compute "NAME"] partition = P), else here, with a
 *			note saying so
 *
 * Targets live in the catalog (table computes, the "compute" layer's own
 * schema), with the spec they were created from as an object.  Every
 * function takes the catalog and makes its change in one transaction of
 * its own, or in the caller's when one is open.
 */
#ifndef MLW_COMPUTE_COMPUTE_H
#define MLW_COMPUTE_COMPUTE_H

#include "util/strutil.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;
struct mlw_out;
struct mlw_spec;

enum mlw_compute_type {
	MLW_COMPUTE_LOCAL,
	MLW_COMPUTE_SLURM,
	MLW_COMPUTE_AML
};

/* "local", "slurm", "amlcompute" */
const char *mlw_compute_type_name(enum mlw_compute_type t);
/* case-insensitive; MLW_EINVALID listing the types otherwise */
int mlw_compute_type_parse(enum mlw_compute_type *out, const char *name);

/* What sbatch is told; every string owned, NULL when not set. */
struct mlw_slurm_settings {
	char *partition;
	char *account;
	char *qos;
	/*
	 * Slurm's time format as given ("30", "2:00:00", "1-12", ...);
	 * NULL: the partition's limit
	 */
	char *time_limit;
	char *mem;		/* "4G", "512M", "2048"; NULL: Slurm's */
	int64_t nodes;		/* the most nodes a job may take; 0: any */
	int64_t cpus_per_task;	/* 0: Slurm's default */
	struct mlw_strlist sbatch_options;	/* "--constraint=avx2" ... */
};

/* Azure's amlCompute, recorded. */
struct mlw_aml_settings {
	char *size;
	char *tier;
	int64_t min_instances, max_instances;	/* -1: not given */
	int64_t idle_time_before_scale_down;	/* -1: not given */
};

struct mlw_compute {
	char *name;
	enum mlw_compute_type type;
	char *description;
	struct mlw_strlist tags;	/* key, value, key, value ... */
	struct mlw_slurm_settings slurm;	/* type slurm */
	struct mlw_aml_settings aml;		/* type amlcompute */
	char *spec;		/* the spec's object id (hex), or NULL */
	double created, updated;	/* 0 for the built-in local */
};

/* A new target of type t named name (copied); free with _free(). */
struct mlw_compute *mlw_compute_new(const char *name,
				    enum mlw_compute_type t);
void mlw_compute_free(struct mlw_compute *c);
/* A deep copy of c. */
struct mlw_compute *mlw_compute_dup(const struct mlw_compute *c);

/*
 * The target a compute spec (kinds amlCompute, slurmCompute,
 * localCompute, loaded without errors) describes: 0 with *out, or
 * MLW_EINVALID with the spec's FILE:LINE:COL (a time limit or memory
 * Slurm would not read, a count below 1, min_instances above
 * max_instances).
 */
int mlw_compute_from_spec(struct mlw_compute **out,
			  const struct mlw_spec *spec);

/*
 * The settings a command line or --set can change, one table for all
 * types: name is the spec's key (time_limit), types a mask of
 * (1 << MLW_COMPUTE_*) the field applies to.
 */
struct mlw_compute_field {
	const char *name;
	unsigned types;
	const char *argh;	/* "NAME", "N", "TIME" */
	const char *help;
};
/* the table, ended by a NULL name */
extern const struct mlw_compute_field mlw_compute_fields[];

/*
 * Set field name of c from text (description too; sbatch_options
 * appends one option); an empty text unsets the field (sbatch_options:
 * every option).  MLW_EINVALID: a field c's type does not have
 * (naming the fields it has), or a value that is not valid for it.
 */
int mlw_compute_set(struct mlw_compute *c, const char *name,
		    const char *text);

/*
 * Record c (its name checked: util/name.h), replacing a target of the
 * same name (its creation time kept), as 'az ml compute create' does.
 * "local" may only be a local target.  Sets c->created and c->updated.
 * 0, MLW_EINVALID, or a catalog error.
 */
int mlw_compute_put(struct mlw_catalog *cat, struct mlw_compute *c);

struct mlw_repo;
/*
 * 'mlw compute create' and 'update': record c in repo's catalog as
 * mlw_compute_put() does, with the spec file it was read from
 * (spec_path; NULL: none, and c->spec is kept) stored as an object first
 * and named by c->spec.  One transaction.  0, MLW_EINVALID, or an error
 * of the store.
 */
int mlw_compute_create(struct mlw_repo *repo, struct mlw_compute *c,
		       const char *spec_path);

/*
 * The target named name: the recorded one, or for "local" the built-in
 * one when none is recorded.  MLW_ENOTFOUND "compute 'NAME' not found".
 */
int mlw_compute_get(struct mlw_compute **out, struct mlw_catalog *cat,
		    const char *name);

/* Every recorded target by name, with the built-in local when absent. */
int mlw_compute_list(struct mlw_compute ***out, size_t *nr,
		     struct mlw_catalog *cat);
void mlw_compute_list_free(struct mlw_compute **list, size_t nr);

/* Remove the target named name: MLW_ENOTFOUND when there is none. */
int mlw_compute_delete(struct mlw_catalog *cat, const char *name);

/*
 * The target's document, as 'mlw compute show -o json' prints it, as
 * members of the object open in o: name, type, description, tags, the
 * type's settings, spec, created, updated.
 */
void mlw_compute_describe(struct mlw_out *o, const struct mlw_compute *c);

/*
 * The name a job's compute: value names: "azureml:NAME", "NAME", or an
 * ARM id ".../computes/NAME"; NULL when value is not one of those.
 * The result points into value.
 */
const char *mlw_compute_ref_name(const char *value);

/*
 * Where a run sent to value (a job's compute:, NULL for none) goes:
 * *out is a local or slurm target (an amlcompute becomes the Slurm
 * partition the workspace config names for it, key
 * compute.NAME.partition, with at most max_instances nodes; else
 * local), and *note, when not NULL, says what was done instead of what
 * was asked (the caller frees).  "local", "serverless" and no value at
 * all are local, and need no catalog: repo's is opened only for a named
 * target.  A target that does not exist is MLW_ENOTFOUND ("compute
 * 'NAME' not found in this workspace: create it ..."), unless the
 * workspace config says compute.missing = local: then it is local, with
 * a note saying so (Azure's examples name clusters nobody has here).
 * MLW_EINVALID for a value that names no target, or a compute.missing
 * that is neither "error" nor "local".
 */
int mlw_compute_resolve(struct mlw_compute **out, char **note,
			struct mlw_repo *repo, const char *value);

/*
 * Slurm's time formats, in seconds: "MINUTES", "MINUTES:SECONDS",
 * "HOURS:MINUTES:SECONDS", "DAYS-HOURS", "DAYS-HOURS:MINUTES",
 * "DAYS-HOURS:MINUTES:SECONDS"; "UNLIMITED" and "INFINITE" are -1.
 * 0 or MLW_EINVALID.
 */
int mlw_slurm_parse_time(int64_t *seconds, const char *text);

#endif
