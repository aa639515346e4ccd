/*
 * create.h - the service behind 'mlw job create': one entry point for a
 * job of any type, so that cmd/ only parses and prints.
 *
 *	mlw_job_create_prepare()  read the spec as what it is: a command
 *				  job (run/job.h), a sweep or AutoML job
 *				  (sweep/job.h), a pipeline job (its graph
 *				  checked: pipeline/dag.h); nothing written
 *	mlw_job_create_submit()	  snapshot the code, start the supervisor
 *				  of that type, hand back its watch
 *
 * The layer.  lib/job/ sits above sweep/ and pipeline/ and below http/
 * and cmd/: it is the one place that knows every type of job, and
 * choosing among them is its whole work.  run/ cannot hold it (it would
 * include the two layers above it), nor can pipeline/ (a pipeline runs
 * sweeps as steps, so it may include sweep/, but a command job created
 * here is no pipeline's business).
 */
#ifndef MLW_JOB_CREATE_H
#define MLW_JOB_CREATE_H

#include "run/job.h"

struct mlw_job_start_opts;
struct mlw_job_watch;
struct mlw_pipeline;
struct mlw_repo;
struct mlw_spec;
struct mlw_sweep_job;

enum mlw_job_create_kind {
	MLW_JOB_CREATE_COMMAND,
	MLW_JOB_CREATE_SWEEP,		/* sweep and AutoML jobs */
	MLW_JOB_CREATE_PIPELINE
};

struct mlw_job_create_request {
	struct mlw_repo *repo;
	/* loaded without errors; borrowed: it must outlive the result */
	const struct mlw_spec *spec;
	/* name, experiment, display name, azureml: input lookup */
	struct mlw_job_opts opts;
	int keep_workdir;		/* keep .mlw/runs/NAME (and steps') */
	int max_concurrent_steps;	/* pipelines; <= 0: the online CPUs */
	const char *components_dir;	/* built-in components (pipelines) */
};

struct mlw_job_create {
	enum mlw_job_create_kind kind;
	/*
	 * A command job, or a sweep's own run (borrowed from sweep);
	 * NULL for a pipeline.  Its warnings are for the caller to say.
	 */
	struct mlw_job *job;
	struct mlw_sweep_job *sweep;
	/*
	 * A pipeline's graph, with its diagnostics (p->diags: warnings,
	 * and errors when it cannot run: nothing may be submitted then).
	 */
	struct mlw_pipeline *pipeline;
	/* after mlw_job_create_submit(): the run's name and experiment */
	char *name, *experiment;
	/* private */
	struct mlw_job_create_request req;
};

/*
 * Prepare req->spec for running: 0 with *out (free it with
 * mlw_job_create_free()); for a pipeline whose graph is wrong also 0,
 * (*out)->pipeline->diags.errors set.  MLW_EINVALID with a message
 * ("FILE:LINE:COL: ...") when a command or sweep job cannot run as
 * written; MLW_ENOTFOUND ("FILE:LINE:COL: compute 'NAME' not found ...")
 * when the job, or a pipeline's default or a step of it, names a
 * compute the workspace does not have (compute/compute.h,
 * mlw_compute_resolve()); another negative code when the store fails;
 * *out NULL.
 */
int mlw_job_create_prepare(struct mlw_job_create **out,
			   const struct mlw_job_create_request *req);

/*
 * Start c's supervisor (a pipeline whose graph has errors is
 * MLW_EINVALID; a name taken MLW_EEXISTS, nothing recorded): 0 with *w
 * to follow it (then mlw_job_watch_release()) and c->name,
 * c->experiment set; or the error, nothing recorded.  start says how
 * commands run and a cancel is heard (run/launch.h).
 */
int mlw_job_create_submit(struct mlw_job_watch *w, struct mlw_job_create *c,
			  const struct mlw_job_start_opts *start);

void mlw_job_create_free(struct mlw_job_create *c);

#endif
