/*
 * create.c - 'mlw job create' for every type of job: see create.h.
 */
#include "job/create.h"
#include "compute/compute.h"
#include "pipeline/dag.h"
#include "pipeline/run.h"
#include "run/launch.h"
#include "run/run.h"
#include "spec/spec.h"
#include "store/repo.h"
#include "sweep/job.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

static int load_pipeline(struct mlw_job_create *c)
{
	struct mlw_pipeline_options popts;

	memset(&popts, 0, sizeof(popts));
	popts.components.repo = c->req.repo;
	popts.components.builtin_dir = c->req.components_dir;
	return mlw_pipeline_load(&c->pipeline, c->req.spec, &popts);
}

/* the compute value at n exists (or runs here); the error said at n */
static int compute_exists(struct mlw_repo *repo, const char *value,
			  const struct mlw_yaml_node *n)
{
	struct mlw_compute *c;
	char *note;
	int ret = mlw_compute_resolve(&c, &note, repo, value);

	if (ret && n && mlw_starts_with(mlw_error_last(), "compute '"))
		mlw_error_prefix("%s:%d:%d", n->source, n->line, n->col);
	mlw_compute_free(c);
	free(note);
	return ret;
}

/*
 * A pipeline's computes, before anything is recorded: its default and
 * every step's that runs a command or a sweep.  (Each step resolves its
 * own again when it starts, and says there what it does instead.)
 */
static int pipeline_computes(struct mlw_job_create *c)
{
	const struct mlw_pipeline *p = c->pipeline;
	size_t i;
	int ret = 0;

	if (p->diags.errors)
		return 0;
	if (p->default_compute)
		ret = compute_exists(c->req.repo, p->default_compute,
				     mlw_spec_get(p->spec,
						  "settings.default_compute"));
	for (i = 0; !ret && i < p->nr_steps; i++) {
		const struct mlw_pipeline_step *st = &p->steps[i];

		if (st->kind == MLW_STEP_PIPELINE || !st->compute)
			continue;
		ret = compute_exists(c->req.repo, st->compute,
				     mlw_yaml_map_get(st->node, "compute"));
	}
	return ret;
}

int mlw_job_create_prepare(struct mlw_job_create **out,
			   const struct mlw_job_create_request *req)
{
	struct mlw_job_create *c = mlw_calloc(1, sizeof(*c));
	int ret;

	*out = NULL;
	c->req = *req;
	if (mlw_spec_kind(req->spec) == MLW_SPEC_PIPELINE_JOB) {
		c->kind = MLW_JOB_CREATE_PIPELINE;
		ret = load_pipeline(c);
		if (!ret)
			ret = pipeline_computes(c);
	} else if (mlw_sweep_job_is(req->spec)) {
		c->kind = MLW_JOB_CREATE_SWEEP;
		/* said at the user's compute:, not the trials' job made of it */
		ret = compute_exists(req->repo,
				     mlw_spec_get_str(req->spec, "compute"),
				     mlw_spec_get(req->spec, "compute"));
		if (!ret)
			ret = mlw_sweep_job_prepare(&c->sweep, req->repo,
						    req->spec, &req->opts);
		if (!ret)
			c->job = mlw_sweep_job_run(c->sweep);
	} else {
		c->kind = MLW_JOB_CREATE_COMMAND;
		ret = mlw_job_prepare(&c->job, req->repo, req->spec,
				      &req->opts);
	}
	if (ret) {
		mlw_job_create_free(c);
		return ret;
	}
	if (c->job)
		c->job->keep_workdir = req->keep_workdir;
	*out = c;
	return 0;
}

/* a name given that a run has already: nothing may be recorded */
static int name_taken(struct mlw_repo *repo, const char *name)
{
	struct mlw_catalog *cat;
	struct mlw_run *old;
	int ret;

	if (!name)
		return 0;
	ret = mlw_repo_catalog(&cat, repo);
	if (ret)
		return ret;
	if (!mlw_run_get(&old, cat, name)) {
		mlw_run_free(old);
		return mlw_error_setc(MLW_EEXISTS, "job '%s' already exists",
				      name);
	}
	mlw_error_clear();
	return 0;
}

static int submit_pipeline(struct mlw_job_watch *w, struct mlw_job_create *c,
			   const struct mlw_job_start_opts *start)
{
	struct mlw_pipeline_run_opts ropts;
	struct mlw_catalog *cat;
	struct mlw_run *run;
	int ret;

	memset(&ropts, 0, sizeof(ropts));
	ropts.name = c->req.opts.name;
	ropts.experiment = c->req.opts.experiment;
	ropts.display_name = c->req.opts.display_name;
	ropts.max_concurrent_steps = c->req.max_concurrent_steps;
	ropts.keep_workdir = c->req.keep_workdir;
	ropts.start = start;
	ret = mlw_pipeline_submit(w, &c->name, c->req.repo, c->pipeline,
				  &ropts);
	if (ret)
		return ret;
	/* the experiment the supervisor chose, for the caller to print */
	if (!mlw_repo_catalog(&cat, c->req.repo) &&
	    !mlw_run_get(&run, cat, c->name)) {
		c->experiment = mlw_strdup(run->experiment);
		mlw_run_free(run);
	}
	mlw_error_clear();
	return 0;
}

int mlw_job_create_submit(struct mlw_job_watch *w, struct mlw_job_create *c,
			  const struct mlw_job_start_opts *start)
{
	int ret;

	if (c->pipeline && c->pipeline->diags.errors)
		return mlw_error_setc(MLW_EINVALID, "%s: the pipeline has "
				      "errors", c->req.spec->path);
	ret = name_taken(c->req.repo, c->req.opts.name);
	if (ret)
		return ret;
	if (c->kind == MLW_JOB_CREATE_PIPELINE)
		return submit_pipeline(w, c, start);
	ret = mlw_job_snapshot_code(c->job);
	if (!ret)
		ret = c->sweep ? mlw_sweep_job_submit(w, c->sweep, start) :
		      mlw_job_submit(w, c->job, start);
	if (ret)
		return ret;
	c->name = mlw_strdup(c->job->name);
	c->experiment = c->job->experiment ?
			mlw_strdup(c->job->experiment) : NULL;
	return 0;
}

void mlw_job_create_free(struct mlw_job_create *c)
{
	if (!c)
		return;
	if (c->sweep)
		mlw_sweep_job_free(c->sweep);
	else
		mlw_job_free(c->job);
	mlw_pipeline_free(c->pipeline);
	free(c->name);
	free(c->experiment);
	free(c);
}
