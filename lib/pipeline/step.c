/*
 * step.c - a pipeline step as a command job, and its reuse key (step.h).
 */
#include "pipeline/step.h"
#include "pipeline/dag.h"
#include "pipeline/record.h"
#include "pipeline/reuse.h"
#include "run/host.h"
#include "run/job.h"
#include "run/resolve.h"
#include "spec/ref.h"
#include "spec/spec.h"
#include "spec/yaml.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "store/statcache.h"
#include "store/tree.h"
/*
 * A pipeline runs a sweep as one of its steps; a sweep never runs a
 * pipeline: of the two layers above run/, sweep/ is the lower.
 */
#include "sweep/job.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const literal_types[] = {
	"string", "integer", "number", "boolean", NULL
};

/* a field of the step, else of its component (NULL: neither) */
static const struct mlw_yaml_node *field(const struct mlw_pipeline_step *st,
					 const char *key)
{
	const struct mlw_yaml_node *n = mlw_yaml_map_get(st->node, key);

	if (n && !mlw_yaml_is_null(n))
		return n;
	n = mlw_yaml_map_get(st->component->root, key);
	return n && !mlw_yaml_is_null(n) ? n : NULL;
}

static void set_node(json_t *obj, const char *key,
		     const struct mlw_yaml_node *n)
{
	if (n)
		json_object_set_new(obj, key, mlw_yaml_to_jansson(n));
}

/* the component's environment_variables, the step's laid over them */
static json_t *environment_variables(const struct mlw_pipeline_step *st)
{
	const struct mlw_yaml_node *maps[2];
	json_t *env = json_object();
	size_t i, j;

	maps[0] = st->component->inline_step ? NULL :
		  mlw_yaml_map_get(st->component->root,
				   "environment_variables");
	maps[1] = mlw_yaml_map_get(st->node, "environment_variables");
	for (i = 0; i < 2; i++)
		for (j = 0; maps[i] && maps[i]->kind == MLW_YAML_MAP &&
		     j < maps[i]->nr / 2; j++)
			json_object_set_new(env, mlw_yaml_key(maps[i], j)->text,
					    mlw_yaml_to_jansson(
						    mlw_yaml_value(maps[i], j)));
	return env;
}

static int is_literal_type(const char *t)
{
	size_t i;

	for (i = 0; t && literal_types[i]; i++)
		if (!strcasecmp(t, literal_types[i]))
			return 1;
	return 0;
}

static json_t *input_json(const struct mlw_pipeline *p,
			  const struct mlw_pipeline_input *in,
			  char *const *jobs)
{
	json_t *j = json_object();
	const char *t = in->type;
	char *path;

	switch (in->bind) {
	case MLW_BIND_LITERAL:
		json_object_set_new(j, "type", json_string(is_literal_type(t) ?
							   t : "string"));
		json_object_set_new(j, "value", json_string(in->value));
		break;
	case MLW_BIND_PATH:
		json_object_set_new(j, "type", json_string(t &&
				    !is_literal_type(t) ? t : "uri_folder"));
		json_object_set_new(j, "path", json_string(in->value));
		break;
	case MLW_BIND_STEP: {
		const struct mlw_pipeline_step *src = &p->steps[in->step];
		size_t k;

		for (k = 0; !t && k < src->nr_outputs; k++)
			if (!strcmp(src->outputs[k].name, in->output))
				t = src->outputs[k].type;
		json_object_set_new(j, "type", json_string(t &&
				    !is_literal_type(t) ? t : "uri_folder"));
		path = mlw_xstrfmt("azureml:jobs/%s/outputs/%s",
				   jobs[in->step], in->output);
		json_object_set_new(j, "path", json_string(path));
		free(path);
		break;
	}
	default:
		/* not given: an optional input left out */
		json_object_set_new(j, "type", json_string(t ? t : "string"));
		json_object_set_new(j, "optional", json_true());
	}
	if (in->mode && in->bind != MLW_BIND_LITERAL)
		json_object_set_new(j, "mode", json_string(in->mode));
	return j;
}

int mlw_step_default_artifacts(const struct mlw_pipeline_step *st, size_t k)
{
	const struct mlw_yaml_node *cmd = mlw_yaml_map_get(st->component->root,
							   "command");

	/* a sweep's outputs are all its best trial's */
	return st->kind != MLW_STEP_SWEEP &&
	       !strcmp(st->outputs[k].name, "artifacts") &&
	       !strcmp(st->outputs[k].type, "uri_folder") && cmd &&
	       cmd->kind == MLW_YAML_SCALAR &&
	       !strstr(cmd->text, "outputs.artifacts");
}

/*
 * command with each ${{inputs.X}} of a search-space entry X as
 * ${{search_space.X}}: what each trial binds to its sampled value
 */
static char *trial_command(const char *command,
			   const struct mlw_pipeline_step *st)
{
	struct mlw_buf b = MLW_BUF_INIT;
	const char *p = command, *q;

	while ((q = strstr(p, "${{inputs."))) {
		const char *name = q + 10, *end = strstr(name, "}}");
		size_t i;

		mlw_buf_add(&b, p, (size_t)(q - p));
		p = q;
		if (!end)
			break;
		for (i = 0; i < st->nr_inputs; i++)
			if (st->inputs[i].sampled &&
			    strlen(st->inputs[i].name) == (size_t)(end - name) &&
			    !strncmp(st->inputs[i].name, name,
				     (size_t)(end - name)))
				break;
		if (i < st->nr_inputs)
			mlw_buf_addf(&b, "${{search_space.%s}}",
				     st->inputs[i].name);
		else
			mlw_buf_add(&b, q, (size_t)(end + 2 - q));
		p = end + 2;
	}
	mlw_buf_adds(&b, p);
	return mlw_buf_detach(&b, NULL);
}

/*
 * The command job doc made of a sweep step becomes its sweep job: what
 * runs goes into its trial, the step's sweep settings beside it.
 */
static void as_sweep(json_t *doc, const struct mlw_pipeline_step *st)
{
	static const char *const trial_keys[] = {
		"command", "code", "environment", "environment_variables",
		"distribution", "resources", NULL
	};
	static const char *const sweep_keys[] = {
		"search_space", "sampling_algorithm", "objective", "limits",
		"early_termination", NULL
	};
	json_t *trial = json_object(), *cmd;
	size_t i;

	json_object_set_new(doc, "$schema", json_string(
		"https://azuremlschemas.azureedge.net/latest/"
		"sweepJob.schema.json"));
	json_object_set_new(doc, "type", json_string("sweep"));
	for (i = 0; trial_keys[i]; i++) {
		json_t *v = json_object_get(doc, trial_keys[i]);

		if (v)
			json_object_set(trial, trial_keys[i], v);
		json_object_del(doc, trial_keys[i]);
	}
	cmd = json_object_get(trial, "command");
	if (json_is_string(cmd)) {
		char *text = trial_command(json_string_value(cmd), st);

		json_object_set_new(trial, "command", json_string(text));
		free(text);
	}
	json_object_set_new(doc, "trial", trial);
	json_object_del(doc, "limits");	/* the trial's: not the sweep's */
	for (i = 0; sweep_keys[i]; i++)
		set_node(doc, sweep_keys[i], mlw_yaml_map_get(st->node,
							      sweep_keys[i]));
}

/* the command job step idx is, as JSON (which YAML reads as it is) */
static char *job_text(const struct mlw_pipeline *p, size_t idx,
		      char *const *jobs)
{
	const struct mlw_pipeline_step *st = &p->steps[idx];
	const struct mlw_component *c = st->component;
	json_t *doc = json_object(), *in = json_object(), *out = json_object();
	const struct mlw_yaml_node *n;
	char *text;
	size_t i;

	json_object_set_new(doc, "$schema", json_string(
		"https://azuremlschemas.azureedge.net/latest/"
		"commandJob.schema.json"));
	set_node(doc, "command", mlw_yaml_map_get(c->root, "command"));
	n = mlw_yaml_map_get(c->root, "code");
	if (n && !mlw_yaml_is_null(n) && !c->has_code_tree) {
		struct mlw_ref ref = MLW_REF_INIT;

		/* relative to the component's file, not to this text */
		if (!mlw_ref_parse(&ref, n->text, c->dir) &&
		    ref.kind == MLW_REF_LOCAL) {
			char *abs = mlw_path_absolute(ref.path);

			json_object_set_new(doc, "code", json_string(abs));
			free(abs);
		} else {
			set_node(doc, "code", n);
		}
		mlw_error_clear();
		mlw_ref_release(&ref);
	}
	set_node(doc, "environment", field(st, "environment"));
	/* recorded: a step runs here, on the compute it names or the default */
	if (st->compute || p->default_compute)
		json_object_set_new(doc, "compute", json_string(
			st->compute ? st->compute : p->default_compute));
	json_object_set_new(doc, "environment_variables",
			    environment_variables(st));
	set_node(doc, "distribution", field(st, "distribution"));
	set_node(doc, "resources", field(st, "resources"));
	set_node(doc, "limits", field(st, "limits"));
	set_node(doc, "description", mlw_yaml_map_get(c->root, "description"));
	for (i = 0; i < st->nr_inputs; i++)
		if (!st->inputs[i].sampled)
			json_object_set_new(in, st->inputs[i].name,
					    input_json(p, &st->inputs[i], jobs));
	json_object_set_new(doc, "inputs", in);
	for (i = 0; i < st->nr_outputs; i++) {
		const struct mlw_pipeline_output *o = &st->outputs[i];
		json_t *j;

		if (mlw_step_default_artifacts(st, i))
			continue;	/* the run's artifacts, once it ends */
		j = json_object();
		json_object_set_new(j, "type", json_string(o->type));
		if (o->file_name) {
			/* the job names the file after its path's end */
			char *path = mlw_xstrfmt("./%s", o->file_name);

			json_object_set_new(j, "path", json_string(path));
			free(path);
		}
		if (o->asset_name)
			json_object_set_new(j, "name",
					    json_string(o->asset_name));
		if (o->asset_version)
			json_object_set_new(j, "version",
					    json_string(o->asset_version));
		json_object_set_new(out, o->name, j);
	}
	json_object_set_new(doc, "outputs", out);
	if (st->kind == MLW_STEP_SWEEP)
		as_sweep(doc, st);
	text = mlw_json_dumps(doc, MLW_JSON_INDENT);
	json_decref(doc);
	return text;
}

int mlw_step_write_spec(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int ret = 0;

	if (fd < 0 || mlw_write_all(fd, text, strlen(text)))
		ret = mlw_error_errno("cannot write '%s'", path);
	if (fd >= 0 && close(fd) && !ret)
		ret = mlw_error_errno("cannot write '%s'", path);
	return ret;
}

int mlw_step_prepare(struct mlw_job **job, struct mlw_sweep_job **sweep,
		     struct mlw_spec **spec, char **text, struct mlw_repo *repo,
		     const struct mlw_pipeline *p, size_t idx,
		     char *const *jobs, const char *path,
		     const struct mlw_job_opts *opts)
{
	const struct mlw_pipeline_step *st = &p->steps[idx];
	struct mlw_spec_options so;
	int ret;

	*job = NULL;
	*sweep = NULL;
	*spec = NULL;
	*text = job_text(p, idx, jobs);
	memset(&so, 0, sizeof(so));
	so.group = "job";
	/*
	 * Loaded from memory under the name of the file it becomes when
	 * the step runs (mlw_step_write_spec()): a reused step needs no
	 * file, and making one was most of a reused step's time.
	 */
	ret = mlw_spec_load_mem(spec, path, *text, &so);
	if (ret) {
		free(*text);
		*text = NULL;
		return ret;
	}
	if ((*spec)->diags.errors) {
		size_t i;

		for (i = 0; i < (*spec)->diags.nr; i++)
			if (!(*spec)->diags.items[i].warning)
				break;
		ret = mlw_error_setc(MLW_EINVALID, "step '%s': %s", st->name,
				     (*spec)->diags.items[i].msg);
		mlw_spec_free(*spec);
		*spec = NULL;
		free(*text);
		*text = NULL;
		return ret;
	}
	if (st->kind == MLW_STEP_SWEEP) {
		ret = mlw_sweep_job_prepare(sweep, repo, *spec, opts);
		if (!ret)
			*job = mlw_sweep_job_run(*sweep);
	} else {
		ret = mlw_job_prepare(job, repo, *spec, opts);
	}
	if (ret) {
		/*
		 * A position in the job made here means nothing to the
		 * user: say where the step is in the pipeline instead.
		 */
		const char *msg = mlw_error_last();
		size_t n = strlen(path);
		char *why;

		if (!strncmp(msg, path, n) && msg[n] == ':') {
			const char *colon = strstr(msg + n, ": ");

			msg = colon ? colon + 2 : msg;
		}
		why = mlw_xstrfmt("%s:%d:%d: step '%s': %s", st->node->source,
				  st->node->line, st->node->col, st->name, msg);
		mlw_error_setc(ret, "%s", why);
		free(why);
		mlw_spec_free(*spec);
		*spec = NULL;
		free(*text);
		*text = NULL;
	}
	return ret;
}

void mlw_step_snapshots_release(struct mlw_step_snapshots *s)
{
	mlw_strlist_release(&s->paths);
	free(s->oids);
	memset(s, 0, sizeof(*s));
}

/*
 * A local input as the job would store it: a folder as its tree, a file
 * as a tree of that one file under its name.  The stat cache spares
 * hashing what has not changed since the last run.
 */
static int snapshot_path(struct mlw_oid *out, struct mlw_odb *odb,
			 struct mlw_statcache *cache, const struct mlw_job_io *io)
{
	struct mlw_tree t = MLW_TREE_INIT;
	struct mlw_oid blob;
	struct stat st;
	uint64_t size;
	int ret, cached;

	if (!io->is_file) {
		struct mlw_snapshot_opts so;

		memset(&so, 0, sizeof(so));
		mlw_statcache_attach(cache, &so, io->src);
		return mlw_tree_write_dir(out, &size, odb, io->src, &so);
	}
	ret = mlw_statcache_write_file(&blob, &size, &cached, cache, odb,
				       io->src);
	if (ret)
		return ret;
	if (stat(io->src, &st))
		return mlw_error_errno("cannot stat '%s'", io->src);
	mlw_tree_add(&t, st.st_mode & 0111 ? MLW_MODE_EXEC : MLW_MODE_FILE,
		     io->file_name, &blob, size);
	ret = mlw_tree_write(out, &size, odb, &t);
	mlw_tree_release(&t);
	return ret;
}

int mlw_step_snapshot(struct mlw_job *job, const struct mlw_pipeline *p,
		      size_t idx, struct mlw_step_snapshots *snaps)
{
	const struct mlw_component *c = p->steps[idx].component;
	struct mlw_statcache *cache = NULL;
	struct mlw_odb *odb;
	size_t i, k;
	int ret;

	if (c->has_code_tree) {
		job->code = c->code_tree;
		job->has_code = 1;
	} else {
		ret = mlw_job_snapshot_code(job);
		if (ret)
			return ret;
	}
	ret = mlw_repo_odb(&odb, job->repo);
	for (i = 0; !ret && i < job->nr_inputs; i++) {
		struct mlw_job_io *io = &job->inputs[i];
		char *key;

		if (!io->src || io->optional_missing)
			continue;
		key = mlw_xstrfmt("%c%s", io->is_file ? 'f' : 'd', io->src);
		for (k = 0; k < snaps->paths.nr; k++)
			if (!strcmp(snaps->paths.items[k], key))
				break;
		if (k == snaps->paths.nr) {
			if (!cache) {
				char *path = mlw_repo_path(job->repo,
							   "statcache");

				mlw_statcache_open(&cache, path);
				free(path);
			}
			MLW_ALLOC_GROW(snaps->oids, k + 1, snaps->alloc);
			ret = snapshot_path(&snaps->oids[k], odb, cache, io);
			if (ret) {
				free(key);
				break;
			}
			mlw_strlist_push(&snaps->paths, key);
		}
		free(key);
		/* the job checks the object out instead of the path */
		io->oid = snaps->oids[k];
		io->has_oid = 1;
		free(io->src);
		io->src = NULL;
	}
	if (cache && !ret && mlw_statcache_save(cache))
		mlw_error_clear();	/* only a hint */
	mlw_statcache_free(cache);
	return ret;
}

void mlw_step_key(char hex[MLW_OID_HEXSZ + 1], const struct mlw_job *job,
		  const struct mlw_pipeline *p, size_t idx)
{
	const struct mlw_pipeline_step *st = &p->steps[idx];
	struct mlw_reuse_input *in = mlw_calloc(job->nr_inputs + 1,
						sizeof(*in));
	char (*objects)[MLW_OID_HEXSZ + 1] =
		mlw_calloc(job->nr_inputs + 1, sizeof(*objects));
	char code[MLW_OID_HEXSZ + 1];
	struct mlw_reuse_parts parts;
	size_t i, n = 0;

	memset(&parts, 0, sizeof(parts));
	parts.component = mlw_reuse_component_text(st);
	parts.environment = mlw_reuse_environment_text(st);
	if (job->has_code) {
		mlw_oid_to_hex(code, &job->code);
		parts.code = code;
	}
	for (i = 0; i < job->nr_inputs; i++) {
		const struct mlw_job_io *io = &job->inputs[i];

		if (io->optional_missing)
			continue;
		in[n].name = io->name;
		in[n].type = io->type;
		if (io->is_literal) {
			in[n].literal = io->value;
		} else {
			mlw_oid_to_hex(objects[n], &io->oid);
			in[n].object = objects[n];
		}
		n++;
	}
	parts.inputs = in;
	parts.nr_inputs = n;
	mlw_reuse_key(hex, &parts);
	free((char *)parts.component);
	free((char *)parts.environment);
	free(objects);
	free(in);
}

/* --- a step as a supervisor host's request (run/host.h) */

char *mlw_step_request(const struct mlw_job *job,
		       const struct mlw_step_request *r)
{
	json_t *j = json_object(), *in = json_object();
	char hex[MLW_OID_HEXSZ + 1];
	char *text;
	size_t i;

	json_object_set_new(j, "spec", json_string(r->spec_path));
	json_object_set_new(j, "experiment", json_string(r->experiment));
	json_object_set_new(j, "display_name", json_string(r->display_name));
	if (r->parent)
		json_object_set_new(j, "parent", json_string(r->parent));
	json_object_set_new(j, "keep_workdir", json_boolean(r->keep_workdir));
	json_object_set_new(j, "pipeline", json_string(r->pipeline));
	json_object_set_new(j, "step", json_string(r->step));
	json_object_set_new(j, "key", json_string(r->key));
	if (job->has_code) {
		mlw_oid_to_hex(hex, &job->code);
		json_object_set_new(j, "code", json_string(hex));
	}
	for (i = 0; i < job->nr_inputs; i++) {
		const struct mlw_job_io *io = &job->inputs[i];

		if (!io->has_oid || io->optional_missing)
			continue;
		mlw_oid_to_hex(hex, &io->oid);
		json_object_set_new(in, io->name, json_string(hex));
	}
	json_object_set_new(j, "inputs", in);
	text = mlw_json_dumps(j, 0);
	json_decref(j);
	return text;
}

/* what the host keeps with a job it made: freed by host_done() */
struct host_step {
	struct mlw_spec *spec;
	char *pipeline, *step, *key;
};

/* in the transaction that records the run: the pipeline's row for it */
static int host_record(struct mlw_catalog *cat, const struct mlw_job *job,
		       void *data)
{
	struct host_step *hs = data;

	return mlw_pipeline_record_step(cat, hs->pipeline, hs->step,
					job->name, NULL, NULL, hs->key, NULL);
}

static const char *req_str(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static int host_oid(struct mlw_oid *oid, json_t *v)
{
	const char *hex = json_string_value(v);

	if (!hex || mlw_oid_from_hex(oid, hex))
		return mlw_error_set("the job host's request has a bad object "
				     "id");
	return 0;
}

static void host_done(struct mlw_job *job)
{
	struct host_step *hs = job->in_record_data;

	mlw_job_free(job);
	mlw_spec_free(hs->spec);
	free(hs->pipeline);
	free(hs->step);
	free(hs->key);
	free(hs);
}

static int host_prepare(struct mlw_job **out, struct mlw_repo *repo,
			const char *msg, size_t len)
{
	struct mlw_spec_options so;
	struct mlw_job_opts jo;
	struct mlw_catalog *cat;
	struct mlw_spec *spec = NULL;
	struct mlw_job *job = NULL;
	struct host_step *hs;
	json_t *j = json_loadb(msg, len, 0, NULL), *v;
	const char *path = j ? req_str(j, "spec") : NULL;
	size_t i;
	int ret;

	*out = NULL;
	if (!path || !req_str(j, "pipeline") || !req_str(j, "step") ||
	    !req_str(j, "key") || !req_str(j, "experiment")) {
		json_decref(j);
		return mlw_error_set("the job host's request is not one");
	}
	memset(&so, 0, sizeof(so));
	so.group = "job";
	ret = mlw_spec_load(&spec, path, &so);
	if (!ret && spec->diags.errors) {
		for (i = 0; i < spec->diags.nr; i++)
			if (!spec->diags.items[i].warning)
				break;
		ret = mlw_error_setc(MLW_EINVALID, "%s", i < spec->diags.nr ?
				     spec->diags.items[i].msg : path);
	}
	if (!ret)
		ret = mlw_repo_catalog(&cat, repo);
	if (!ret) {
		memset(&jo, 0, sizeof(jo));
		jo.experiment = req_str(j, "experiment");
		jo.display_name = req_str(j, "display_name");
		jo.parent = req_str(j, "parent");
		jo.asset_lookup = mlw_run_resolve_asset;
		jo.asset_data = cat;
		ret = mlw_job_prepare(&job, repo, spec, &jo);
	}
	/* the objects the pipeline's snapshot found, as it keyed them */
	if (!ret && (v = json_object_get(j, "code"))) {
		ret = host_oid(&job->code, v);
		job->has_code = !ret;
	}
	for (i = 0; !ret && i < job->nr_inputs; i++) {
		struct mlw_job_io *io = &job->inputs[i];

		v = json_object_get(json_object_get(j, "inputs"), io->name);
		if (!v)
			continue;
		ret = host_oid(&io->oid, v);
		io->has_oid = !ret;
		free(io->src);
		io->src = NULL;
	}
	if (ret) {
		mlw_job_free(job);
		mlw_spec_free(spec);
		json_decref(j);
		return ret;
	}
	job->keep_workdir = json_is_true(json_object_get(j, "keep_workdir"));
	hs = mlw_calloc(1, sizeof(*hs));
	hs->spec = spec;
	hs->pipeline = mlw_strdup(req_str(j, "pipeline"));
	hs->step = mlw_strdup(req_str(j, "step"));
	hs->key = mlw_strdup(req_str(j, "key"));
	job->in_record = host_record;
	job->in_record_data = hs;
	json_decref(j);
	*out = job;
	return 0;
}

const struct mlw_job_host_ops mlw_step_host_ops = {
	host_prepare,
	host_done,
};
