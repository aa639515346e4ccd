/*
 * train-run.h - 'mlw train' inside a job: what it records in the run.
 *
 * A job's command that trains (mlw train ..., in-process or not) finds
 * its run through MLW_RUN_ID, as 'mlw log' does, and records the fit
 * there with the run layer's mlw_run_log_fit().
 */
#ifndef MLW_CMD_TRAIN_RUN_H
#define MLW_CMD_TRAIN_RUN_H

#include "builtin.h"
#include "ml/train.h"

/* 1 when the command runs inside a job (MLW_RUN_ID is set) */
int train_in_job(void);

/*
 * Record the fit in the run named by MLW_RUN_ID: mlw_run_log_fit()
 * (run/track.h says what it records).  cv < 0 and seed 0 are "not
 * given"; validation_split is the text given or NULL.  Returns 0 or a
 * negative code, its message naming the job.
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
