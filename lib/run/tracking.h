/*
 * tracking.h - the run verbs of MLflow's tracking API, on mlw's runs.
 *
 * An MLflow run is an mlw run: its run_id is the run's name (what 'mlw
 * job show' takes), its experiment_id the experiment's stable id
 * (experiment.h).  A run an MLflow client creates itself, outside any
 * job, is a run of type "tracking" with no supervisor: it is Running
 * from its start until the client says how it ended (runs/update).  A
 * job's run belongs to its supervisor, which alone walks its status: an
 * MLflow client inside the job may log to it and rename it, and its
 * "end_run" changes nothing (as on Azure ML, where the job ends the
 * run).
 *
 * MLflow's soft delete of a run is mlw's archive (runs.archived): the
 * run is hidden from listings and searches unless asked for, and
 * restore brings it back.
 *
 * Writes follow MLflow's rules (run.h): metrics append, params are
 * write-once, tags are last-write-wins; and its limits, checked before
 * anything is written (mlw_run_batch_check()): a batch is all or
 * nothing.  Each function makes its change inside the caller's
 * transaction when one is open, or in its own otherwise.
 */
#ifndef MLW_RUN_TRACKING_H
#define MLW_RUN_TRACKING_H

#include "run/run.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;

/* MLflow's limits (mlflow/utils/validation.py, MLflow 2) */
#define MLW_TRACKING_MAX_KEY 250		/* metric, param, tag keys */
#define MLW_TRACKING_MAX_PARAM_VALUE 6000
#define MLW_TRACKING_MAX_TAG_VALUE 8000
#define MLW_TRACKING_MAX_BATCH_METRICS 1000
#define MLW_TRACKING_MAX_BATCH_PARAMS 100
#define MLW_TRACKING_MAX_BATCH_TAGS 100
#define MLW_TRACKING_MAX_BATCH_ITEMS 1000	/* all three together */

/*
 * MLflow's status of a run in status s: SCHEDULED (NotStarted,
 * Queued), RUNNING (Starting, Running, Finalizing), FINISHED
 * (Completed), FAILED, KILLED (Canceled).  Static.
 */
const char *mlw_run_mlflow_status(enum mlw_run_status s);
/*
 * The mlw status for MLflow's status name (exact, upper-case):
 * SCHEDULED Queued, RUNNING Running, FINISHED Completed, FAILED
 * Failed, KILLED Canceled.  MLW_EINVALID with the list otherwise.
 */
int mlw_run_mlflow_status_parse(enum mlw_run_status *out, const char *name);

/*
 * MLflow's rule for metric, param and tag keys (what is "metric",
 * "param", "tag"): 1 to 250 bytes of letters, digits (any non-ASCII
 * letter too), '_', '-', '.', ' ', ':' and '/'; and as a path it must
 * name itself: no empty, "." or ".." component (so no leading,
 * trailing or doubled '/').  0, or MLW_EINVALID with MLflow's wording.
 */
int mlw_run_check_key(const char *what, const char *key);

/* What one log-batch (or log-metric, log-parameter, set-tag) writes. */
struct mlw_run_batch {
	const struct mlw_run_metric *metrics;	/* time in seconds */
	size_t nr_metrics;
	const struct mlw_run_kv *params;
	size_t nr_params;
	const struct mlw_run_kv *tags;
	size_t nr_tags;
};

/*
 * MLflow's checks of a batch, before anything is written: the counts
 * (at most 1000 metrics, 100 params, 100 tags, 1000 in all), every key
 * (mlw_run_check_key()), value lengths, a step that is negative (mlw
 * keeps steps from 0), a param given two values in the batch.  0 or
 * MLW_EINVALID.
 */
int mlw_run_batch_check(const struct mlw_run_batch *b);

/*
 * Write b to run (checked first): params (a param already logged with
 * another value is MLW_EEXISTS, as 'mlw log param' says it), tags, then
 * metrics in order, through the functions 'mlw log' uses.  All or
 * nothing: in one transaction (the caller's, or its own).
 */
int mlw_run_log_batch(struct mlw_catalog *cat, int64_t run,
		      const struct mlw_run_batch *b);

/* What an MLflow client's runs/create asks for.  Everything borrowed. */
struct mlw_run_tracking_request {
	const char *experiment;	/* its name; created when new */
	const char *run_name;	/* display name; NULL: the run's name */
	double start_time;	/* seconds; 0: now */
	const struct mlw_run_kv *tags;
	size_t nr_tags;
};

/*
 * A new run of type "tracking", Running since start_time, with a fresh
 * name (its MLflow run_id) and req's tags (checked as a batch's; the
 * tag mlflow.runName is set to its run name, and a tag that says
 * otherwise is MLW_EINVALID, as MLflow has it).  *out is the run as
 * recorded (mlw_run_free()).
 */
int mlw_run_create_tracking(struct mlw_run **out, struct mlw_catalog *cat,
			    const struct mlw_run_tracking_request *req);

/*
 * runs/update: a run of type "tracking" takes status s (any, in any
 * order, as MLflow allows; -1 keeps it) with end_time (seconds; 0: now
 * for a terminal status); any run takes a new run_name (NULL keeps it;
 * the tag mlflow.runName follows).  A job's run keeps the status its
 * supervisor gives it.  MLW_ENOTFOUND for an unknown run.
 */
int mlw_run_tracking_update(struct mlw_catalog *cat, const char *name,
			    int status, double end_time, const char *run_name);

/* MLflow's delete (1) and restore (0) of run name: its archived flag. */
int mlw_run_set_deleted(struct mlw_catalog *cat, const char *name,
			int deleted);

/* Remove tag key of run; MLW_ENOTFOUND when the run has none such. */
int mlw_run_delete_tag(struct mlw_catalog *cat, int64_t run,
		       const char *key);

/* A dataset a run used (log-inputs), with the input's tags. */
struct mlw_run_dataset {
	char *name, *digest;		/* required, together its identity */
	char *source_type, *source;	/* required */
	char *schema, *profile;		/* may be NULL */
	struct mlw_run_kv *tags;	/* mlflow.data.context, ... */
	size_t nr_tags;
};

/*
 * Record datasets as inputs of run: a (name, digest) logged again
 * replaces the earlier record.  MLW_EINVALID for a missing required
 * field, or fields over MLflow's lengths (name and digest 500 bytes,
 * source_type 64, source 65535, schema and profile 1 MB).
 */
int mlw_run_log_inputs(struct mlw_catalog *cat, int64_t run,
		       const struct mlw_run_dataset *d, size_t nr);
/* The datasets of run, by name and digest; *out freed with _free(). */
int mlw_run_load_inputs(struct mlw_run_dataset **out, size_t *nr,
			struct mlw_catalog *cat, int64_t run);
void mlw_run_datasets_free(struct mlw_run_dataset *d, size_t nr);

/*
 * The artifacts of run under folder prefix ("" or NULL: all), by path:
 * fn gets each one's path (borrowed for the call), object id and size;
 * its non-zero return stops and is returned.
 */
typedef int (*mlw_run_artifact_fn)(const char *path, const char *hex,
				   uint64_t size, void *data);
int mlw_run_artifact_foreach(struct mlw_catalog *cat, int64_t run,
			     const char *prefix, mlw_run_artifact_fn fn,
			     void *data);
/* The object (hex, 65 bytes) and size of an artifact; MLW_ENOTFOUND. */
int mlw_run_artifact_get(struct mlw_catalog *cat, int64_t run,
			 const char *path, char *hex, uint64_t *size);
/*
 * Remove the artifact path, or every artifact under the folder path;
 * MLW_ENOTFOUND when there was none.
 */
int mlw_run_artifact_delete(struct mlw_catalog *cat, int64_t run,
			    const char *path);

/*
 * A page of key's history in run: the points after position (step,
 * seq) (after NULL: from the first), in (step, seq) order, at most max
 * (> 0) of them.  fn gets each point and its position; its non-zero
 * return stops the walk and is returned.  *more is set to 1 when points
 * are left after the page.  An unknown key has no points.
 */
struct mlw_run_metric_pos {
	int64_t step, seq;
};
typedef int (*mlw_run_metric_page_fn)(const struct mlw_run_metric *m,
				      const struct mlw_run_metric_pos *pos,
				      void *data);
int mlw_run_metric_page(struct mlw_catalog *cat, int64_t run,
			const char *key, const struct mlw_run_metric_pos *after,
			int64_t max, int *more, mlw_run_metric_page_fn fn,
			void *data);

#endif
