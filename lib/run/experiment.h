/*
 * experiment.h - experiments: the groups runs belong to, with ids that
 * never change.
 *
 * Every run names its experiment (runs.experiment) and is linked to its
 * row here (runs.experiment_id).  An experiment is created the first time
 * a run names it (mlw_experiment_ensure(), from mlw_run_insert()) or
 * explicitly (the MLflow API's experiments/create).  Its id is an integer
 * assigned once, never reused, and kept across a rename: what the MLflow
 * tracking API calls experiment_id.  It had none before: a hash of the
 * name stood in for it, which a rename would have changed.
 *
 * Lifecycle, as MLflow's: "active", or "deleted" (soft: the row and its
 * runs stay, a run cannot be created in it, restore brings it back).
 * Tags are last-write-wins key/value pairs.  The tables are the run
 * layer's (mlw_run_schema_use(), run.h): experiments (id, name unique,
 * lifecycle, artifact_location, created, updated) and experiment_tags;
 * the first migration made a row for each experiment existing runs name,
 * in the order of their first run, and linked the runs.
 *
 * Each function makes its change inside the caller's transaction when
 * one is open, or in its own otherwise.
 */
#ifndef MLW_RUN_EXPERIMENT_H
#define MLW_RUN_EXPERIMENT_H

#include "run/run.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;

enum mlw_experiment_lifecycle {
	MLW_EXPERIMENT_ACTIVE,
	MLW_EXPERIMENT_DELETED
};

/* "active", "deleted" */
const char *mlw_experiment_lifecycle_name(enum mlw_experiment_lifecycle l);

struct mlw_experiment {
	int64_t id;
	char *name;
	enum mlw_experiment_lifecycle lifecycle;
	char *artifact_location;	/* NULL when none was given */
	double created, updated;	/* updated: its last change */
	struct mlw_run_kv *tags;	/* by key */
	size_t nr_tags;
};

/* Free e and its strings and tags (NULL is fine). */
void mlw_experiment_free(struct mlw_experiment *e);

/*
 * The id of experiment name, created (active) when there is none.
 * MLW_EINVALID when the name does not follow the rule for names
 * (util/name.h), or the experiment is deleted (no run may be added).
 */
int mlw_experiment_ensure(int64_t *id, struct mlw_catalog *cat,
			  const char *name);

/*
 * A new experiment, active; artifact_location may be NULL.  0 with *id;
 * MLW_EEXISTS when the name is taken (deleted experiments too, as
 * MLflow has it); MLW_EINVALID for a name outside the rule.
 */
int mlw_experiment_create(int64_t *id, struct mlw_catalog *cat,
			  const char *name, const char *artifact_location);

/* With its tags; MLW_ENOTFOUND "experiment 'x' not found". */
int mlw_experiment_get(struct mlw_experiment **out, struct mlw_catalog *cat,
		       int64_t id);
int mlw_experiment_get_by_name(struct mlw_experiment **out,
			       struct mlw_catalog *cat, const char *name);

struct mlw_experiment_filter {
	int lifecycle;		/* an mlw_experiment_lifecycle, -1: any */
	int64_t after_id;	/* only ids above it (paging); 0: all */
	int64_t max_results;	/* <= 0: all */
};

/*
 * The experiments matching f, by id, one at a time, with their tags: fn
 * owns each (mlw_experiment_free() it); a non-zero return from fn stops
 * the walk and is returned.
 */
typedef int (*mlw_experiment_fn)(struct mlw_experiment *e, void *data);
int mlw_experiment_foreach(struct mlw_catalog *cat,
			   const struct mlw_experiment_filter *f,
			   mlw_experiment_fn fn, void *data);

/*
 * A new name, for the experiment and the runs that name it.
 * MLW_EEXISTS when it is taken, MLW_ENOTFOUND, MLW_EINVALID.
 */
int mlw_experiment_rename(struct mlw_catalog *cat, int64_t id,
			  const char *name);
/* Delete (soft) or restore.  MLW_ENOTFOUND. */
int mlw_experiment_set_lifecycle(struct mlw_catalog *cat, int64_t id,
				 enum mlw_experiment_lifecycle l);
/* Set a tag (last write wins); MLW_ENOTFOUND for the experiment. */
int mlw_experiment_set_tag(struct mlw_catalog *cat, int64_t id,
			   const char *key, const char *value);
/* Remove a tag; MLW_ENOTFOUND when the experiment or the tag is not. */
int mlw_experiment_delete_tag(struct mlw_catalog *cat, int64_t id,
			      const char *key);

#endif
