/*
 * job.c - sweep and AutoML jobs: their run prepared as a command job from
 * the trial, their supervisor forked, their trials' jobs made, their
 * outputs taken from the best trial; see job.h.
 */
#include "sweep/job.h"
#include "sweep/automl.h"
#include "sweep/runner.h"
#include "sweep/trial.h"
#include "compute/placement.h"
#include "ml/dataset.h"
#include "run/event.h"
#include "run/launch.h"
#include "run/notify.h"
#include "run/run.h"
#include "run/workdir.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/repo.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

struct mlw_sweep_job {
	struct mlw_repo *repo;
	const struct mlw_spec *spec;		/* the user's */
	struct mlw_sweep_config *cfg;		/* a sweep's (owned) */
	struct mlw_automl_config *automl;	/* an AutoML job's (owned) */
	struct mlw_spec *base;			/* the sweep's run as a job */
	struct mlw_job *job;
	json_t *trial;		/* a trial's command job, command aside */
	char *template;		/* the trial command, unbound */
	const char *model_output;	/* where an in-process model goes */
	struct mlw_job_opts opts;
	/* the specs of process trials' jobs (their jobs borrow them) */
	struct mlw_spec **trial_specs;
	size_t nr_trial_specs, alloc_trial_specs;
};

int mlw_sweep_job_is(const struct mlw_spec *spec)
{
	return spec->kind == MLW_SPEC_SWEEP_JOB ||
	       spec->kind == MLW_SPEC_AUTOML_JOB;
}

struct mlw_job *mlw_sweep_job_run(struct mlw_sweep_job *sj)
{
	return sj->job;
}

void mlw_sweep_job_free(struct mlw_sweep_job *sj)
{
	size_t i;

	if (!sj)
		return;
	mlw_job_free(sj->job);
	mlw_spec_free(sj->base);
	for (i = 0; i < sj->nr_trial_specs; i++)
		mlw_spec_free(sj->trial_specs[i]);
	free(sj->trial_specs);
	mlw_sweep_config_free(sj->cfg);
	mlw_automl_config_free(sj->automl);
	json_decref(sj->trial);
	free(sj->template);
	free(sj);
}

/* "FILE:LINE:COL: message" of the first error in d */
static int diags_error(const struct mlw_diags *d, const char *path)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		if (!d->items[i].warning)
			return mlw_error_setc(MLW_EINVALID, "%s:%d:%d: %s",
					      d->items[i].source ?
					      d->items[i].source : path,
					      d->items[i].line,
					      d->items[i].col,
					      d->items[i].msg);
	return 0;
}

/* copy key of YAML map n into object o, when present */
static void copy_key(json_t *o, const struct mlw_yaml_node *n,
		     const char *key)
{
	const struct mlw_yaml_node *v = mlw_yaml_map_get(n, key);

	if (v && !mlw_yaml_is_null(v))
		json_object_set_new(o, key, mlw_yaml_to_jansson(v));
}

/* the search-space names of the sweep at root */
static int in_space(const struct mlw_yaml_node *root, const char *name)
{
	const struct mlw_yaml_node *space = mlw_yaml_map_get(root,
							     "search_space");

	return space && space->kind == MLW_YAML_MAP &&
	       mlw_yaml_map_get(space, name) != NULL;
}

/*
 * A command component as the trial: its command (its inputs named like
 * search-space entries read as ${{search_space.X}}), its code (an
 * absolute path), environment and variables; its other inputs' defaults
 * where the sweep gives none.
 */
static int component_trial(struct mlw_sweep_job *sj, json_t *o,
			   const struct mlw_yaml_node *root,
			   const struct mlw_yaml_node *trial)
{
	const char *ref = trial->text;
	struct mlw_spec_options sopts;
	struct mlw_spec *comp;
	struct mlw_ref code = MLW_REF_INIT;
	const struct mlw_yaml_node *inputs, *cmd;
	struct mlw_buf text = MLW_BUF_INIT;
	json_t *ins = json_object_get(o, "inputs");
	char *path;
	size_t i;
	int ret;

	if (!mlw_starts_with(ref, "file:"))
		return mlw_error_setc(MLW_EINVALID, "%s:%d:%d: trial '%s': "
				      "only inline trials and file: "
				      "components run here (components are "
				      "not registered in mlw's store)",
				      sj->spec->path, trial->line, trial->col,
				      ref);
	path = mlw_path_join(sj->spec->dir, ref + 5);
	memset(&sopts, 0, sizeof(sopts));
	sopts.group = "component";
	ret = mlw_spec_load(&comp, path, &sopts);
	free(path);
	if (ret)
		return ret;
	ret = diags_error(&comp->diags, comp->path);
	if (ret) {
		mlw_spec_free(comp);
		return ret;
	}
	cmd = mlw_spec_get(comp, "command");
	/* ${{inputs.X}} of a search-space entry X takes its value */
	for (i = 0; cmd && cmd->text && cmd->text[i]; i++) {
		const char *p = cmd->text + i, *e;
		char *name;

		if (strncmp(p, "${{inputs.", 10) || !(e = strstr(p, "}}"))) {
			mlw_buf_addch(&text, *p);
			continue;
		}
		name = mlw_strndup(p + 10, (size_t)(e - p - 10));
		if (in_space(root, name))
			mlw_buf_addf(&text, "${{search_space.%s}}", name);
		else
			mlw_buf_add(&text, p, (size_t)(e + 2 - p));
		free(name);
		i += (size_t)(e + 1 - p);
	}
	json_object_set_new(o, "command", json_string(text.buf ?
						      text.buf : ""));
	mlw_buf_release(&text);
	if (!mlw_spec_get_ref(comp, "code", &code) && code.path)
		json_object_set_new(o, "code", json_string(code.path));
	mlw_ref_release(&code);
	copy_key(o, comp->doc->root, "environment");
	copy_key(o, comp->doc->root, "environment_variables");
	inputs = mlw_spec_get(comp, "inputs");
	for (i = 0; inputs && inputs->kind == MLW_YAML_MAP &&
	     i < inputs->nr / 2; i++) {
		const char *name = mlw_yaml_key(inputs, i)->text;
		const struct mlw_yaml_node *def;

		def = mlw_yaml_map_get(mlw_yaml_value(inputs, i), "default");
		if (in_space(root, name) || json_object_get(ins, name) ||
		    !def || def->kind != MLW_YAML_SCALAR)
			continue;
		json_object_set_new(ins, name, json_string(def->text));
	}
	mlw_spec_free(comp);
	return 0;
}

/* the command job of a sweep's trial, command as written */
static int sweep_trial(struct mlw_sweep_job *sj)
{
	const struct mlw_yaml_node *root = sj->spec->doc->root;
	const struct mlw_yaml_node *trial = mlw_yaml_map_get(root, "trial");
	static const char *const from_root[] = {
		"experiment_name", "display_name", "description", "tags",
		"properties", "compute", "outputs", NULL
	};
	static const char *const from_trial[] = {
		"command", "code", "environment", "environment_variables",
		"distribution", "resources", NULL
	};
	json_t *o = json_object();
	size_t i;
	int ret = 0;

	json_object_set_new(o, "type", json_string("command"));
	for (i = 0; from_root[i]; i++)
		copy_key(o, root, from_root[i]);
	copy_key(o, root, "inputs");
	if (!json_object_get(o, "inputs"))
		json_object_set_new(o, "inputs", json_object());
	if (trial && trial->kind == MLW_YAML_MAP)
		for (i = 0; from_trial[i]; i++)
			copy_key(o, trial, from_trial[i]);
	else if (trial && trial->kind == MLW_YAML_SCALAR)
		ret = component_trial(sj, o, root, trial);
	if (ret) {
		json_decref(o);
		return ret;
	}
	sj->trial = o;
	sj->template = mlw_strdup(json_string_value(json_object_get(o,
							"command")));
	return 0;
}

/* an AutoML data input as a job input: a folder, a file, an asset */
static json_t *data_input(const struct mlw_sweep_job *sj,
			  const struct mlw_yaml_node *n)
{
	const char *path = n->kind == MLW_YAML_SCALAR ? n->text :
		mlw_yaml_str(mlw_yaml_map_get(n, "path"));
	const char *type = n->kind == MLW_YAML_MAP ?
		mlw_yaml_str(mlw_yaml_map_get(n, "type")) : NULL;
	json_t *o = json_object();
	struct stat st;

	if (!type) {
		char *local = path ? mlw_path_join(sj->spec->dir, path) : NULL;

		type = mlw_starts_with(path ? path : "", "azureml:") ?
		       "mltable" : local && !stat(local, &st) &&
		       S_ISDIR(st.st_mode) ? "mltable" : "uri_file";
		free(local);
	}
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "path", json_string(path ? path : ""));
	return o;
}

/* the AutoML job's own run: its data as inputs, its best model out */
static json_t *automl_run(struct mlw_sweep_job *sj)
{
	const struct mlw_yaml_node *root = sj->spec->doc->root, *n;
	static const char *const from_root[] = {
		"experiment_name", "display_name", "description", "tags",
		"properties", "compute", "outputs", NULL
	};
	json_t *o = json_object(), *ins = json_object(), *outs;
	size_t i;

	json_object_set_new(o, "type", json_string("command"));
	for (i = 0; from_root[i]; i++)
		copy_key(o, root, from_root[i]);
	json_object_set_new(o, "command", json_string(
		"mlw train (AutoML: one 'mlw train' command per trial)"));
	json_object_set_new(o, "environment", json_string("mlw"));
	n = mlw_yaml_map_get(root, "training_data");
	if (n)
		json_object_set_new(ins, "training_data", data_input(sj, n));
	n = mlw_yaml_map_get(root, "validation_data");
	if (n && !mlw_yaml_is_null(n))
		json_object_set_new(ins, "validation_data", data_input(sj, n));
	json_object_set_new(o, "inputs", ins);
	outs = json_object_get(o, "outputs");
	if (!outs) {
		outs = json_object();
		json_object_set_new(o, "outputs", outs);
	}
	if (!json_object_get(outs, "best_model"))
		json_object_set_new(outs, "best_model",
				    json_pack("{s:s}", "type",
					      "mlflow_model"));
	return o;
}

/* load the command job o as a spec named like the user's */
static int load_job(struct mlw_spec **out, const struct mlw_sweep_job *sj,
		    json_t *o)
{
	struct mlw_spec_options sopts;
	char *text = json_dumps(o, JSON_COMPACT);
	int ret;

	memset(&sopts, 0, sizeof(sopts));
	sopts.group = "job";
	ret = mlw_spec_load_mem(out, sj->spec->path, text, &sopts);
	free(text);
	if (!ret) {
		ret = diags_error(&(*out)->diags, sj->spec->path);
		if (ret) {
			mlw_spec_free(*out);
			*out = NULL;
		}
	}
	return ret;
}

/* template with each "${{search_space." as "{{search_space.", in b */
static const char *unbound_text(const char *template, struct mlw_buf *b)
{
	const char *p = template, *q;

	mlw_buf_reset(b);
	while ((q = strstr(p, "${{search_space."))) {
		mlw_buf_add(b, p, (size_t)(q - p));
		p = q + 1;
	}
	mlw_buf_adds(b, p);
	return b->buf;
}

/* does the template train with mlw (its model is an output then)? */
static int trains(const char *template)
{
	const char *p = template + strspn(template, " \t\r\n");

	return mlw_starts_with(p, "mlw train ");
}

/* a seed for sweeps that were given none: recorded, so replayable */
static uint64_t pick_seed(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)getpid() ^ (uint32_t)(mlw_now() * 1e6);
	return r;
}

int mlw_sweep_job_prepare(struct mlw_sweep_job **out, struct mlw_repo *repo,
			  const struct mlw_spec *spec,
			  const struct mlw_job_opts *opts)
{
	struct mlw_sweep_job *sj = mlw_calloc(1, sizeof(*sj));
	const struct mlw_yaml_node *root = spec->doc->root;
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_buf text = MLW_BUF_INIT;
	json_t *run;
	int ret;

	*out = NULL;
	sj->repo = repo;
	sj->spec = spec;
	sj->opts = *opts;
	if (spec->kind == MLW_SPEC_AUTOML_JOB) {
		mlw_automl_config_from_yaml(&sj->automl, root, &d);
		ret = diags_error(&d, spec->path);
		mlw_diags_release(&d);
		if (ret)
			goto fail;
		sj->automl->seed = pick_seed();
		sj->automl->sweep->seed = sj->automl->seed;
		run = automl_run(sj);
		sj->model_output = "best_model";
	} else {
		mlw_sweep_config_from_yaml(&sj->cfg, root, &d);
		ret = diags_error(&d, spec->path);
		mlw_diags_release(&d);
		if (!ret)
			ret = sweep_trial(sj);
		if (ret)
			goto fail;
		if (!sj->cfg->has_seed)
			sj->cfg->seed = pick_seed();
		run = json_deep_copy(sj->trial);
		/*
		 * The run's own command is the template; as a command job's
		 * it may not name a search space: shown as {{search_space.X}}
		 */
		json_object_set_new(run, "command", json_string(
			unbound_text(sj->template, &text)));
		if (trains(sj->template)) {
			json_t *outs = json_object_get(run, "outputs");

			if (!outs) {
				outs = json_object();
				json_object_set_new(run, "outputs", outs);
			}
			if (!json_object_get(outs, "model"))
				json_object_set_new(outs, "model", json_pack(
					"{s:s}", "type", "mlflow_model"));
			sj->model_output = "model";
		}
	}
	ret = load_job(&sj->base, sj, run);
	json_decref(run);
	if (!ret)
		ret = mlw_job_prepare(&sj->job, repo, sj->base, opts);
	if (ret)
		goto fail;
	sj->job->type = sj->automl ? "automl" : "sweep";
	mlw_buf_release(&text);
	*out = sj;
	return 0;
fail:
	mlw_buf_release(&text);
	mlw_sweep_job_free(sj);
	return ret;
}

/* --- the trials' jobs ------------------------------------------------------ */

/*
 * A trial that trains but runs as a process (on a Slurm compute, every
 * one does) writes its model where an in-process one would: the output
 * the sweep's best model comes from.
 */
static void process_model_output(json_t *o, const char *name)
{
	json_t *outs = json_object_get(o, "outputs");

	if (!outs) {
		outs = json_object();
		json_object_set_new(o, "outputs", outs);
	}
	if (!json_object_get(outs, name))
		json_object_set_new(outs, name, json_pack("{s:s}", "type",
							  "mlflow_model"));
}

/* a process trial's command job (runner.h, prepare_trial) */
static int prepare_trial(struct mlw_job **out, void *data, const char *name,
			 const char *command,
			 const struct mlw_sweep_value *params)
{
	struct mlw_sweep_job *sj = data;
	struct mlw_job_opts opts = sj->opts;
	struct mlw_spec *spec = NULL;
	json_t *o;
	char *bound;
	int ret;

	*out = NULL;
	if (sj->automl) {	/* did not parse, or on a Slurm compute */
		bound = mlw_strdup(command);
		o = json_pack("{s:s, s:s}", "type", "command", "environment",
			      "mlw");
		copy_key(o, sj->spec->doc->root, "compute");
	} else {
		bound = mlw_sweep_bind_trial(sj->template, params);
		o = json_deep_copy(sj->trial);
	}
	if (sj->model_output)
		process_model_output(o, sj->model_output);
	json_object_set_new(o, "command", json_string(bound));
	free(bound);
	ret = load_job(&spec, sj, o);
	json_decref(o);
	if (ret)
		return ret;
	opts.name = name;
	opts.parent = sj->job->name;
	opts.experiment = sj->job->experiment;
	opts.display_name = NULL;
	ret = mlw_job_prepare(out, sj->repo, spec, &opts);
	if (!ret && !(*out)->code_dir && sj->job->has_code) {
		/* a registered component's code: the sweep's run holds it */
		(*out)->code = sj->job->code;
		(*out)->has_code = 1;
	} else if (!ret) {
		ret = mlw_job_snapshot_code(*out);
	}
	if (ret) {
		mlw_job_free(*out);
		*out = NULL;
		mlw_spec_free(spec);
		return ret;
	}
	MLW_ALLOC_GROW(sj->trial_specs, sj->nr_trial_specs + 1,
		       sj->alloc_trial_specs);
	sj->trial_specs[sj->nr_trial_specs++] = spec;
	return 0;
}

/* --- the supervisor -------------------------------------------------------- */

/* the sweep being started: its forked supervisor finds it here */
static struct mlw_sweep_job *starting;

/* text bound as a command of the sweep's run would be: an input's path */
static char *bind_text(struct mlw_job *job, const char *text)
{
	char *saved_template = job->command_template;
	char *saved_command = job->command, *bound;

	job->command_template = (char *)text;
	job->command = NULL;
	mlw_job_bind(job);
	bound = job->command;
	job->command_template = saved_template;
	job->command = saved_command;
	return bound;
}

/* the AutoML job's data: paths, the validation, the plan by its rows */
static int automl_data(struct mlw_sweep_job *sj, struct mlw_sweep_run *req,
		       struct mlw_sweep_datasets *cache, char **data_path,
		       char **validation, int log_fd)
{
	struct mlw_dataset *ds;
	struct mlw_buf v = MLW_BUF_INIT;
	char *vpath = NULL;
	size_t i;
	int ret;

	*data_path = bind_text(sj->job, "${{inputs.training_data}}");
	if (sj->automl->has_validation_data)
		vpath = bind_text(sj->job, "${{inputs.validation_data}}");
	ret = mlw_sweep_datasets_get(&ds, cache, *data_path, 0);
	if (ret)
		goto out;
	if (mlw_dataset_find(ds, sj->automl->target) < 0) {
		struct mlw_buf cols = MLW_BUF_INIT;

		for (i = 0; i < ds->nr_columns && i < 20; i++)
			mlw_buf_addf(&cols, "%s'%s'", i ? ", " : "",
				     ds->columns[i].name);
		ret = mlw_error_setc(MLW_EINVALID, "target_column_name '%s' "
				     "is not a column of the training data "
				     "(it has %s)", sj->automl->target,
				     cols.buf);
		mlw_buf_release(&cols);
	}
	if (!ret) {
		size_t before = sj->automl->notes.nr;

		mlw_automl_plan(sj->automl, ds->nr_rows);
		for (i = before; i < sj->automl->notes.nr; i++)
			dprintf(log_fd, "note: %s\n",
				sj->automl->notes.items[i]);
		mlw_automl_validation_args(sj->automl, ds->nr_rows, vpath, &v);
		*validation = mlw_buf_detach(&v, NULL);
	}
	mlw_dataset_unref(ds);
out:
	free(vpath);
	req->data_path = *data_path;
	req->validation_args = *validation;
	return ret;
}

/* the sweep's outputs: the best trial's */
static int collect_outputs(struct mlw_sweep_job *sj, struct mlw_catalog *cat,
			   const struct mlw_sweep_outcome *res,
			   const char *model_dir)
{
	struct mlw_job *job = sj->job;
	struct mlw_run *best = NULL;
	struct mlw_odb *odb;
	char hex[MLW_OID_HEXSZ + 1];
	size_t i, k;
	int ret = mlw_repo_odb(&odb, sj->repo);

	if (!ret && res->best && !res->best_in_process &&
	    !mlw_run_get(&best, cat, res->best))
		ret = mlw_run_load_details(cat, best);
	for (i = 0; !ret && i < job->nr_outputs; i++) {
		const char *name = job->outputs[i].name;

		if (res->best_in_process && sj->model_output &&
		    !strcmp(name, sj->model_output)) {
			struct mlw_snapshot_opts so;
			struct mlw_oid oid;
			uint64_t size;

			memset(&so, 0, sizeof(so));
			ret = mlw_tree_write_dir(&oid, &size, odb, model_dir,
						 &so);
			if (!ret) {
				mlw_oid_to_hex(hex, &oid);
				ret = mlw_run_set_output_object(cat, job->run_id,
								name, hex);
			}
			continue;
		}
		for (k = 0; best && k < best->nr_outputs; k++)
			if (!strcmp(best->outputs[k].name, name) &&
			    best->outputs[k].object)
				ret = mlw_run_set_output_object(cat,
					job->run_id, name,
					best->outputs[k].object);
	}
	mlw_error_clear();
	mlw_run_free(best);
	return ret;
}

/*
 * The supervisor's work once the run is recorded and laid out
 * (launch.h's supervise): run the sweep, collect its outputs, end it.
 */
static int supervise(struct mlw_job *job, int notify_fd,
		     const struct mlw_job_start_opts *opts)
{
	struct mlw_sweep_job *sj = starting;
	struct mlw_job_start_opts trial_opts = *opts;
	struct mlw_sweep_run req;
	struct mlw_sweep_outcome res;
	struct mlw_sweep_datasets *cache = mlw_sweep_datasets_new();
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	char hex[MLW_OID_HEXSZ + 1] = "", *log, *model_dir = NULL;
	char *data_path = NULL, *validation = NULL, *command = NULL;
	uint64_t size;
	size_t i;
	int ret, log_fd;

	memset(&res, 0, sizeof(res));
	log = mlw_job_log_path(sj->repo, job->name);
	log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	for (i = 0; i < job->warnings.nr; i++)
		dprintf(log_fd, "warning: %s\n", job->warnings.items[i]);
	ret = mlw_repo_catalog(&cat, sj->repo);
	if (!ret)
		ret = mlw_run_set_status(cat, job->name, MLW_RUN_RUNNING,
					 mlw_now());
	if (ret)
		goto out;
	memset(&req, 0, sizeof(req));
	req.repo = sj->repo;
	req.run_id = job->run_id;
	req.name = job->name;
	req.experiment = job->experiment;
	req.environment = job->environment;
	req.compute = job->compute;
	/* on a Slurm compute every trial is a Slurm job of its own */
	req.no_in_process = mlw_placement_is_slurm(job->placement);
	req.cfg = sj->automl ? sj->automl->sweep : sj->cfg;
	/* inputs and outputs bound, the search space left to each trial */
	command = bind_text(job, sj->template ? sj->template : "");
	req.command = command;
	req.automl = sj->automl;
	req.prepare_trial = prepare_trial;
	req.prepare_data = sj;
	req.datasets = cache;
	req.log_fd = log_fd;
	req.cancel = opts->cancel;
	/* a trial's supervisor is a command job's */
	trial_opts.supervise = NULL;
	req.trial_opts = &trial_opts;
	if (sj->model_output) {
		char *rel = mlw_xstrfmt("outputs/%s", sj->model_output);

		model_dir = mlw_path_join(job->workdir, rel);
		free(rel);
		req.model_dir = model_dir;
	}
	if (sj->automl) {
		ret = automl_data(sj, &req, cache, &data_path, &validation,
				  log_fd);
		if (ret) {
			res.status = MLW_RUN_FAILED;
			res.error = mlw_strdup(mlw_error_last());
			dprintf(log_fd, "error: %s\n", res.error);
			ret = 0;
			goto end;
		}
	}
	ret = mlw_sweep_supervise(&res, &req);
	if (ret)
		goto out;	/* the reaper ends it */
	ret = mlw_repo_catalog(&cat, sj->repo);
	if (!ret && !mlw_catalog_begin(cat)) {
		ret = collect_outputs(sj, cat, &res, model_dir);
		if (!ret)
			ret = mlw_catalog_commit(cat);
		else
			mlw_catalog_rollback(cat);
	}
	if (ret) {
		dprintf(log_fd, "error: cannot collect the outputs: %s\n",
			mlw_error_last());
		res.status = MLW_RUN_FAILED;
		free(res.error);
		res.error = mlw_xstrfmt("cannot collect the outputs: %s",
					mlw_error_last());
		ret = 0;
	}
end:
	if (!mlw_repo_odb(&odb, sj->repo) &&
	    !mlw_odb_write_path(&oid, &size, odb, log, MLW_OBJ_BLOB,
				MLW_ODB_WRITE))
		mlw_oid_to_hex(hex, &oid);
	ret = mlw_repo_catalog(&cat, sj->repo);
	if (!ret)
		ret = mlw_run_finish(cat, job->name, res.status, mlw_now(),
				     -1, res.error, *hex ? hex : NULL);
	if (!ret)
		mlw_run_fire_hooks(sj->repo, cat, job->name);
out:
	if (log_fd >= 0)
		close(log_fd);
	if (!ret && !job->keep_workdir && !mlw_repo_odb(&odb, sj->repo))
		mlw_workdir_finish(sj->repo, odb, job->name, job->made_dirs);
	if (!ret && notify_fd >= 0)
		mlw_notify_ended(notify_fd, res.status, res.error);
	mlw_sweep_outcome_release(&res);
	mlw_sweep_datasets_free(cache);
	free(data_path);
	free(validation);
	free(command);
	free(model_dir);
	free(log);
	return ret;
}

int mlw_sweep_job_submit(struct mlw_job_watch *w, struct mlw_sweep_job *sj,
			 const struct mlw_job_start_opts *opts)
{
	struct mlw_job_start_opts o;

	memset(&o, 0, sizeof(o));
	if (opts)
		o = *opts;
	o.supervise = supervise;
	starting = sj;
	return mlw_job_submit(w, sj->job, &o);
}
