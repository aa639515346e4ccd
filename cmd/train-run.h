/*
 * train-run.h - 'mlw train' inside a job: what it records in the run.
 *
 * A job's command that trains (mlw train ..., in-process or not) finds
 * its run through MLW_RUN_ID, as 'mlw log' does, and records there what
 * MLflow's autologging records for a scikit-learn fit: the algorithm and
 * its hyperparameters as params, the metrics as metrics (step 0).
 */
#ifndef MLW_CMD_TRAIN_RUN_H
#define MLW_CMD_TRAIN_RUN_H

#include "builtin.h"
#include "ml/train.h"

/* 1 when the command runs inside a job (MLW_RUN_ID is set) */
int train_in_job(void);

/*
 * Record the fit in the run named by MLW_RUN_ID, in one transaction, as
 * MLflow's autologging records a scikit-learn fit: the algorithm, the
 * target, the feature choice and every setting given (hyperparameters,
 * cv, seed, validation_split, standardize, shuffle) as params; the
 * metrics under their names and the training metrics with a "train_"
 * prefix (Azure's names for both), at step 0.  cv < 0 and seed 0 are
 * "not given"; validation_split is the text given or NULL.  A param the
 * run already has with another value is an error (params are
 * write-once), as with 'mlw log param'.  Returns 0 or a negative code.
 */
int train_record_run(struct mlw_ctx *ctx, const struct mlw_train_request *req,
		     const struct mlw_train_result *res, int64_t cv,
		     int64_t seed, const char *validation_split);

/*
 * Where the model goes when --output is not given inside a job: the
 * job's output "model" (MLW_OUTPUT_MODEL), else its only output, else
 * NULL.  The string is the environment's.
 */
const char *train_job_output(void);

#endif
