/*
 * step.h - one step of a pipeline as a command job (job.h) or, a sweep
 * step, as a sweep job (sweep/job.h), and its reuse key.
 *
 * A step runs as the command job its component describes, with the
 * step's bindings as its inputs: a literal as a value, a path or an
 * asset as its path, another step's output as that step's job's output
 * (azureml:jobs/JOB/outputs/NAME).  The job spec is made in memory and
 * goes through the same loader and preparation as a file would
 * (mlw_spec_load_mem(), mlw_job_prepare()), so a step is bound exactly
 * as a job is.
 *
 *	struct mlw_step_snapshots snaps = MLW_STEP_SNAPSHOTS_INIT;
 *	mlw_step_prepare(&job, &sweep, &spec, &text, repo, p, i, jobs,
 *			 path, &o);
 *	mlw_step_snapshot(job, p, i, &snaps);	 code and local inputs
 *	mlw_step_key(key, job, p, i);
 *	...
 *	sweep ? mlw_sweep_job_free(sweep) : mlw_job_free(job);
 *	mlw_spec_free(spec);
 *	mlw_step_snapshots_release(&snaps);
 */
#ifndef MLW_PIPELINE_STEP_H
#define MLW_PIPELINE_STEP_H

#include "store/odb.h"
#include "util/strutil.h"

struct mlw_job;
struct mlw_job_opts;
struct mlw_pipeline;
struct mlw_repo;
struct mlw_spec;

/*
 * Prepare step idx of p as a job; a sweep step as a sweep job
 * (sweep/job.h): *sweep, whose run *job then is (borrowed: free the
 * sweep with mlw_sweep_job_free() instead of the job), else NULL.
 * Its spec is made in memory as *text (the caller's) and named path: write it there with
 * mlw_step_write_spec() before the job starts, which records the file as
 * the run's spec.  jobs[i] names the job that ran (or reused) step i,
 * for the steps idx reads from.  Returns 0 with *job and *spec (the job
 * borrows the spec: free the job first); MLW_EINVALID when the step
 * cannot be run as bound (an input path gone...), with the step's
 * position in the pipeline in the message; another negative code.
 */
struct mlw_sweep_job;
int mlw_step_prepare(struct mlw_job **job, struct mlw_sweep_job **sweep,
		     struct mlw_spec **spec, char **text, struct mlw_repo *repo,
		     const struct mlw_pipeline *p, size_t idx,
		     char *const *jobs, const char *path,
		     const struct mlw_job_opts *opts);

/* Write a step's spec text to path (scratch: not synced). */
int mlw_step_write_spec(const char *path, const char *text);

/* Local input folders and files snapshotted by this pipeline run. */
struct mlw_step_snapshots {
	struct mlw_strlist paths;
	struct mlw_oid *oids;
	size_t alloc;
};
#define MLW_STEP_SNAPSHOTS_INIT { MLW_STRLIST_INIT, NULL, 0 }
void mlw_step_snapshots_release(struct mlw_step_snapshots *s);

/*
 * Snapshot the code of a prepared step (or take the registered
 * component's code tree) and its local inputs (each path once per
 * pipeline run, through snaps), so that every input of the job is an
 * object: its key can be computed, and the job checks them out as they
 * are.  0 or a negative code.
 */
int mlw_step_snapshot(struct mlw_job *job, const struct mlw_pipeline *p,
		      size_t idx, struct mlw_step_snapshots *snaps);

/*
 * Whether output k of step st is Azure's default output "artifacts": a
 * folder the command does not write itself, which holds what the run
 * leaves in ./outputs and ./logs (its artifacts) when it ends.
 */
struct mlw_pipeline_step;
int mlw_step_default_artifacts(const struct mlw_pipeline_step *st, size_t k);

/*
 * A snapshotted command step as a request to a supervisor host
 * (run/host.h): the host makes the same job again from the spec written
 * at spec_path, with these options, the code and input objects the
 * snapshot found (job's), and the pipeline's row for the step recorded
 * with its run.  mlw_step_request() makes the request's text (the
 * caller frees); mlw_step_host_ops are the host's side of it.
 */
struct mlw_step_request {
	const char *spec_path;
	const char *experiment, *display_name, *parent;
	int keep_workdir;
	const char *pipeline, *step, *key;
};
char *mlw_step_request(const struct mlw_job *job,
		       const struct mlw_step_request *r);
struct mlw_job_host_ops;
extern const struct mlw_job_host_ops mlw_step_host_ops;

/* The reuse key of a snapshotted step (reuse.h). */
void mlw_step_key(char hex[MLW_OID_HEXSZ + 1], const struct mlw_job *job,
		  const struct mlw_pipeline *p, size_t idx);

#endif
