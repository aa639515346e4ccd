/*
 * track.h - what a run logs about itself, as 'mlw log' and the MLflow
 * tracking API record it: one path for both.  Params and tags are run.h's
 * (mlw_run_log_param(), mlw_run_set_tag()).
 */
#ifndef MLW_RUN_TRACK_H
#define MLW_RUN_TRACK_H

#include <stdint.h>
#include <stdio.h>

struct mlw_catalog;
struct mlw_odb;
struct mlw_train_request;
struct mlw_train_result;

/*
 * One point of metric key (step < 0: the next step of that key) at time
 * t, in one transaction.  0 or negative.
 */
int mlw_run_log_metric(struct mlw_catalog *cat, int64_t run, const char *key,
		       double value, int64_t step, double t);

/*
 * "NAME VALUE [STEP]" lines read from fp (blank lines and lines starting
 * with '#' skipped), every point at time t, in one transaction: all of
 * them or none.  MLW_EINVALID "WHAT:LINE: ..." for a line that is not
 * one (a value strtod does not read, a negative step).
 */
int mlw_run_log_metric_lines(struct mlw_catalog *cat, int64_t run, FILE *fp,
			     const char *what, double t);

/*
 * Store the file at path and record it as the run's artifact name (a
 * relative path of names: MLW_EINVALID otherwise; the same name again
 * replaces it).  0 or negative.
 */
int mlw_run_log_artifact(struct mlw_catalog *cat, struct mlw_odb *odb,
			 int64_t run, const char *path, const char *name);

/*
 * Record a fit (ml/train.h) in run, in one transaction, as MLflow's
 * autologging records a scikit-learn fit: the algorithm, the target, the
 * feature choice and every setting given (hyperparameters, cv, seed,
 * validation_split, standardize, shuffle) as params; res's metrics under
 * their names and its training metrics with a "train_" prefix (Azure's
 * names for both), at step 0, time t.  cv < 0 and seed 0 are "not
 * given"; validation_split is the text given or NULL.  run is an id
 * from mlw_run_get().  A param the run already has with another value
 * is MLW_EEXISTS (params are write-once, as with mlw_run_log_param()),
 * and then nothing is recorded.  0 or a negative code.  'mlw train'
 * inside a job calls it; so can a sweep's trial, on its own catalog
 * connection.
 */
int mlw_run_log_fit(struct mlw_catalog *cat, int64_t run,
		    const struct mlw_train_request *req,
		    const struct mlw_train_result *res, int64_t cv,
		    int64_t seed, const char *validation_split, double t);

#endif
