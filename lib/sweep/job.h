/*
 * job.h - 'type: sweep' and 'type: automl' jobs on this machine: the
 * service behind 'mlw job create' for them (cmd/ parses, calls, prints).
 *
 *	mlw_sweep_job_prepare()	read the spec (the engine's rules, the
 *				trial, the inputs): nothing is written
 *	mlw_sweep_job_submit()	start the sweep's supervisor, which records
 *				the run and drives its trials (runner.h)
 *
 * The sweep's own run is prepared as a command job would be from its
 * trial (code, environment, inputs, outputs) and recorded with type
 * "sweep" or "automl": its inputs are materialised once in its working
 * area, where in-process trials read them; a trial that runs as a process
 * is a command job of its own, child of the sweep, prepared from the
 * same trial with its values bound.  A trial is inline (command, code,
 * environment...) or a command component ("file:component.yml"), whose
 * inputs named like search-space entries take the sampled values.
 *
 * The supervisor is a job's (launch.h), its work the sweep's: the notify
 * channel says the run is recorded, then its final status and error
 * (notify.h); 'mlw job cancel SWEEP' (SIGTERM to it)
 * stops every trial and ends the sweep Canceled; a supervisor killed
 * mid-way leaves the run to the reaper, which marks it Failed, and the
 * trials it had recorded stay.  At the end the best trial's outputs are
 * the sweep's: the model of the best in-process trial is written to the
 * sweep's output "model" (an AutoML job's "best_model"), or the best
 * process trial's output objects become the sweep's outputs of the same
 * names; 'mlw model create --path azureml:jobs/SWEEP/outputs/model'
 * registers it.
 */
#ifndef MLW_SWEEP_JOB_H
#define MLW_SWEEP_JOB_H

#include "run/job.h"

#include <sys/types.h>

struct mlw_spec;
struct mlw_sweep_job;

/* 1 when spec is a sweep or an AutoML job (what this file runs) */
int mlw_sweep_job_is(const struct mlw_spec *spec);

/*
 * Prepare spec (borrowed: it must outlive *out) for running: 0 with *out
 * (free with mlw_sweep_job_free()), or MLW_EINVALID with a message
 * ("FILE:LINE:COL: ..." for a problem in the spec, such as an AutoML
 * task the engine cannot train), or another negative code.
 */
int mlw_sweep_job_prepare(struct mlw_sweep_job **out, struct mlw_repo *repo,
			  const struct mlw_spec *spec,
			  const struct mlw_job_opts *opts);
void mlw_sweep_job_free(struct mlw_sweep_job *sj);

/* The sweep's own run as a job (borrowed): name, command, code... */
struct mlw_job *mlw_sweep_job_run(struct mlw_sweep_job *sj);

/*
 * Start the sweep's supervisor (the code snapshotted:
 * mlw_job_snapshot_code() on mlw_sweep_job_run()) as mlw_job_submit()
 * starts a command job's (launch.h), opts' executors, cancel flag and
 * signal handlers serving its process trials too: 0 with *w to follow
 * it, or the error, nothing recorded.
 */
struct mlw_job_start_opts;
struct mlw_job_watch;
int mlw_sweep_job_submit(struct mlw_job_watch *w, struct mlw_sweep_job *sj,
			 const struct mlw_job_start_opts *opts);

#endif
