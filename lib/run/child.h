/*
 * child.h - child runs: the trials of a sweep, the steps of a pipeline,
 * recorded by the supervisor that drives them.
 *
 * A child run is a run like any other (run.h: 'mlw job show', 'mlw job
 * list --parent-job-name PARENT'), of its parent's experiment, with the
 * creating process as its supervisor: if that process dies, the next mlw
 * command ends the children it left unfinished (mlw_job_reap()).
 *
 * What happens to a child (its creation, params, tags, status
 * transitions, metric points, its end) is kept in memory as it happens
 * and written by mlw_child_run_flush(), for any number of children in one
 * transaction: thousands of short trials cost a few transactions, not
 * several each.  Every function may be called from any thread: a child
 * guards its pending records with a lock of its own, and a flush takes
 * the locks of the children it writes (so a worker logging to a child
 * waits while that child is being flushed).  Each thread that flushes
 * uses a catalog connection of its own (pool.h).
 */
#ifndef MLW_RUN_CHILD_H
#define MLW_RUN_CHILD_H

#include "run/run.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;
struct mlw_child_run;

struct mlw_child_run_request {
	const char *parent;	/* the parent run's name; must exist */
	const char *type;	/* "command", "sweep_trial", "pipeline_step" */
	/*
	 * A name following the rule for job names (util/name.h), or NULL
	 * for a generated one (mlw_run_new_name()).
	 */
	const char *name;
	const char *display_name;	/* may be NULL */
	/* what it runs and where, as a command job records them (or NULL) */
	const char *command;
	const char *environment;
	/* written with its creation; params are write-once (run.h) */
	const struct mlw_run_kv *params;
	size_t nr_params;
	const struct mlw_run_kv *tags;
	size_t nr_tags;
};

/*
 * A new child run, in memory: nothing is written until it is flushed;
 * its creation time is now, its status NotStarted.  MLW_EINVALID when
 * req's name (or type) is not valid.  Free with mlw_child_run_free().
 */
int mlw_child_run_new(struct mlw_child_run **out,
		      const struct mlw_child_run_request *req);

/*
 * Its name.  A generated name that was taken when it was first flushed
 * is replaced by another: read it again after that flush.  The caller
 * frees the copy.
 */
char *mlw_child_run_name(struct mlw_child_run *c);
/* Its id in the catalog, 0 until it has been flushed. */
int64_t mlw_child_run_id(struct mlw_child_run *c);

/*
 * Pending records, written at the next flush, in the order given.  A
 * status must move forward (Queued, Starting, Running, Finalizing); t is
 * its time (0: now).  A metric's step < 0 is the next step of its key.
 */
void mlw_child_run_status(struct mlw_child_run *c, enum mlw_run_status s,
			  double t);
void mlw_child_run_metric(struct mlw_child_run *c, const char *key,
			  double value, int64_t step, double t);
void mlw_child_run_param(struct mlw_child_run *c, const char *key,
			 const char *value);
void mlw_child_run_tag(struct mlw_child_run *c, const char *key,
		       const char *value);
/*
 * Its end: a terminal status, the exit code (< 0: none), why it did not
 * complete (may be NULL).  Nothing may be recorded after it.
 */
void mlw_child_run_finish(struct mlw_child_run *c, enum mlw_run_status s,
			  int exit_code, const char *error, double t);

/*
 * Write what is pending for runs[0..nr) in one transaction on cat
 * (which must have none open).  0 once it is committed; otherwise
 * nothing was written, everything stays pending, and the error is
 * returned: MLW_ENOTFOUND for a parent that does not exist, MLW_EEXISTS
 * for a given name that is taken or a param given another value, a
 * catalog error.
 */
int mlw_child_run_flush(struct mlw_catalog *cat,
			struct mlw_child_run *const *runs, size_t nr);

/*
 * mlw_child_run_flush(), and then(cat, data) in the same transaction
 * once the children are written, before the commit: what then writes
 * is committed with them or not at all (its error rolls everything
 * back and is returned).  Called even when nr is 0.
 */
int mlw_child_run_flush_with(struct mlw_catalog *cat,
			     struct mlw_child_run *const *runs, size_t nr,
			     int (*then)(struct mlw_catalog *cat, void *data),
			     void *data);

/*
 * Inside then: the id of c, a child of that flush (its lock is the
 * flush's, so mlw_child_run_id() would wait on it).
 */
int64_t mlw_child_run_flush_id(const struct mlw_child_run *c);

/* Whether c has records not yet written. */
int mlw_child_run_pending(struct mlw_child_run *c);

/* Free c and what it holds (NULL is fine); records not flushed are lost. */
void mlw_child_run_free(struct mlw_child_run *c);

#endif
