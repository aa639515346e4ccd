/*
 * document.c - a run as one output object; see document.h.
 */
#include "run/document.h"
#include "run/run.h"
#include "util/alloc.h"
#include "util/output.h"

#include <stdlib.h>

/* a string, or null for NULL */
static void out_opt_str(struct mlw_out *o, const char *key, const char *v)
{
	if (v)
		mlw_out_str(o, key, v);
	else
		mlw_out_null(o, key);
}

/* a time, or null when it never happened */
static void out_opt_time(struct mlw_out *o, const char *key, double t)
{
	if (t)
		mlw_out_time(o, key, t);
	else
		mlw_out_null(o, key);
}

static void out_kvs(struct mlw_out *o, const char *key,
		    const struct mlw_run_kv *kv, size_t nr)
{
	size_t i;

	mlw_out_object_begin(o, key);
	for (i = 0; i < nr; i++)
		mlw_out_str(o, kv[i].key, kv[i].value);
	mlw_out_end(o);
}

/* the times of each status, and the git properties */
static void out_times(struct mlw_out *o, const struct mlw_run *run)
{
	size_t i;

	mlw_out_object_begin(o, "times");
	for (i = MLW_RUN_NOT_STARTED; i <= MLW_RUN_FINALIZING; i++)
		out_opt_time(o, mlw_run_status_name(i), run->times[i]);
	out_opt_time(o, "Ended", run->times[MLW_RUN_ENDED_TIME]);
	mlw_out_end(o);
	mlw_out_object_begin(o, "properties");
	if (run->git_repository || run->git_commit) {
		out_opt_str(o, "azureml.git.repository_uri",
			    run->git_repository);
		out_opt_str(o, "azureml.git.branch", run->git_branch);
		out_opt_str(o, "azureml.git.commit", run->git_commit);
		mlw_out_str(o, "azureml.git.dirty",
			    run->git_dirty > 0 ? "True" : "False");
	}
	mlw_out_end(o);
}

/* inputs (path or value, and object) and outputs (their reference) */
static void out_io(struct mlw_out *o, const struct mlw_run *run)
{
	size_t i;

	mlw_out_object_begin(o, "inputs");
	for (i = 0; i < run->nr_inputs; i++) {
		const struct mlw_run_io *io = &run->inputs[i];

		mlw_out_object_begin(o, io->name);
		mlw_out_str(o, "type", io->type);
		out_opt_str(o, io->object ? "path" : "value", io->value);
		if (io->object)
			mlw_out_str(o, "object", io->object);
		mlw_out_end(o);
	}
	mlw_out_end(o);
	mlw_out_object_begin(o, "outputs");
	for (i = 0; i < run->nr_outputs; i++) {
		const struct mlw_run_io *io = &run->outputs[i];
		char *path = mlw_xstrfmt("azureml:jobs/%s/outputs/%s",
					 run->name, io->name);

		mlw_out_object_begin(o, io->name);
		mlw_out_str(o, "type", io->type);
		mlw_out_str(o, "path", path);
		out_opt_str(o, "object", io->object);
		mlw_out_end(o);
		free(path);
	}
	mlw_out_end(o);
}

static void out_details(struct mlw_out *o, const struct mlw_run *run)
{
	size_t i;

	out_opt_str(o, "description", run->description);
	out_opt_str(o, "command", run->command);
	out_opt_str(o, "environment", run->environment);
	out_opt_str(o, "code", run->code);
	out_opt_str(o, "spec", run->spec);
	out_opt_str(o, "log", run->log);
	out_opt_str(o, "error", run->error);
	out_times(o, run);
	out_io(o, run);
	out_kvs(o, "params", run->params, run->nr_params);
	mlw_out_object_begin(o, "metrics");
	for (i = 0; i < run->nr_metrics; i++)
		mlw_out_num(o, run->metrics[i].key, run->metrics[i].value);
	mlw_out_end(o);
	out_kvs(o, "tags", run->tags, run->nr_tags);
	out_kvs(o, "artifacts", run->artifacts, run->nr_artifacts);
}

void mlw_run_document_fields(struct mlw_out *o, const struct mlw_run *run,
			     unsigned flags)
{
	double end = run->times[MLW_RUN_ENDED_TIME];
	double start = run->times[MLW_RUN_RUNNING];

	mlw_out_str(o, "name", run->name);
	out_opt_str(o, "display_name", run->display_name);
	mlw_out_str(o, "experiment_name", run->experiment);
	if (run->experiment_id)
		mlw_out_int(o, "experiment_id", run->experiment_id);
	else
		mlw_out_null(o, "experiment_id");
	mlw_out_str(o, "type", run->type);
	mlw_out_str(o, "status", mlw_run_status_name(run->status));
	out_opt_str(o, "parent_job_name", run->parent);
	mlw_out_time(o, "created", run->times[MLW_RUN_NOT_STARTED]);
	out_opt_time(o, "start_time", start);
	out_opt_time(o, "end_time", end);
	if (start && end)
		mlw_out_num(o, "duration", end - start);
	else
		mlw_out_null(o, "duration");
	mlw_out_str(o, "compute", run->compute ? run->compute : "local");
	if (run->has_exit_code)
		mlw_out_int(o, "exit_code", run->exit_code);
	else
		mlw_out_null(o, "exit_code");
	mlw_out_bool(o, "archived", run->archived);
	if (flags & MLW_RUN_DOC_DETAILS)
		out_details(o, run);
}

void mlw_run_document(struct mlw_out *o, const struct mlw_run *run,
		      unsigned flags)
{
	mlw_out_object_begin(o, NULL);
	mlw_run_document_fields(o, run, flags);
	mlw_out_end(o);
}

void mlw_run_row(struct mlw_out *o, const struct mlw_run *run)
{
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", run->name);
	mlw_out_str(o, "experiment_name", run->experiment);
	mlw_out_str(o, "status", mlw_run_status_name(run->status));
	mlw_out_time(o, "created", run->times[MLW_RUN_NOT_STARTED]);
	mlw_out_end(o);
}

void mlw_run_metric_point(struct mlw_out *o, const struct mlw_run_metric *m)
{
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "key", m->key);
	mlw_out_int(o, "step", m->step);
	mlw_out_num(o, "value", m->value);
	mlw_out_time(o, "timestamp", m->time);
	mlw_out_end(o);
}
