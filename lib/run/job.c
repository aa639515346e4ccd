/*
 * job.c - command jobs: from a spec to a job ready to run (prepared,
 * its code snapshotted, its command bound); see job.h.
 */
#include "run/job.h"
#include "asset/asset.h"
#include "compute/placement.h"
#include "run/git.h"
#include "run/pattern.h"
#include "run/stamp.h"
#include "spec/spec.h"
#include "store/repo.h"
#include "store/statcache.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/name.h"
#include "util/strutil.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mlw_asset_lookup_none(struct mlw_oid *out, char **type, char **file_name,
			  const struct mlw_ref *ref, void *data)
{
	char *s = mlw_ref_format(ref);
	int ret = mlw_error_setc(MLW_ENOTFOUND, "asset '%s' not found", s);

	free(s);
	return ret;
}

static char *json_text(json_t *j)
{
	return mlw_json_dumps(j, MLW_JSON_COMPACT);
}

static void io_release(struct mlw_job_io *io)
{
	free(io->asset_name);
	free(io->asset_version);
	free(io->name);
	free(io->type);
	free(io->value);
	free(io->src);
	free(io->file_name);
	mlw_stamp_free(io->stamp);
}

void mlw_job_free(struct mlw_job *job)
{
	size_t i;

	if (!job)
		return;
	free(job->name);
	free(job->experiment);
	free(job->display_name);
	free(job->tracking_uri);
	free(job->description);
	free(job->parent);
	free(job->command_template);
	free(job->command);
	mlw_run_plan_release(&job->plan);
	free(job->code_dir);
	free(job->environment);
	free(job->compute);
	mlw_placement_free(job->placement);
	free(job->properties);
	free(job->metrics_pattern);
	for (i = 0; i < job->nr_inputs; i++)
		io_release(&job->inputs[i]);
	for (i = 0; i < job->nr_outputs; i++)
		io_release(&job->outputs[i]);
	free(job->inputs);
	free(job->outputs);
	mlw_strlist_release(&job->env);
	mlw_strlist_release(&job->tags);
	mlw_strlist_release(&job->warnings);
	free(job->workdir);
	free(job);
}

/* FILE:LINE:COL: message (spec/spec.h) */
#define spec_err mlw_spec_error_at

/*
 * A name that will be joined to a path (or stands for one), checked
 * against Azure's rule (util/name.h); n, when the name is the spec's, is
 * where it was written.
 */
static int check_name(enum mlw_name_kind kind, const char *name,
		      const struct mlw_yaml_node *n)
{
	if (!mlw_name_check(kind, name))
		return 0;
	if (n)
		mlw_error_prefix("%s:%d:%d", n->source, n->line, n->col);
	return MLW_EINVALID;
}

static const char *const path_types[] = {
	"uri_file", "uri_folder", "mltable", "custom_model", "mlflow_model",
	"triton_model", NULL
};

static int is_path_type(const char *t)
{
	size_t i;

	for (i = 0; path_types[i]; i++)
		if (!strcmp(t, path_types[i]))
			return 1;
	return 0;
}

/*
 * An asset input is checked out as a folder under inputs/NAME.  A file
 * (a uri_file data asset is a blob) is wrapped in a one-entry tree under
 * the name it was registered with, and ${{inputs.NAME}} names the file,
 * as it does for a local uri_file path; so does a uri_file input whose
 * tree holds a single file (a job's uri_file output).
 */
static int asset_input_layout(struct mlw_job *job, struct mlw_job_io *io,
			      const char *file_name)
{
	struct mlw_odb_reader *rd;
	enum mlw_object_type t;
	struct mlw_odb *odb;
	uint64_t blob_size;
	int ret = mlw_repo_odb(&odb, job->repo);

	if (!ret)
		ret = mlw_odb_reader_open(&rd, odb, &io->oid);
	if (ret)
		return ret;
	t = mlw_odb_reader_type(rd);
	blob_size = mlw_odb_reader_size(rd);
	mlw_odb_reader_free(rd);
	if (t == MLW_OBJ_BLOB) {
		struct mlw_tree tree = MLW_TREE_INIT;
		uint64_t size;

		if (file_name && !mlw_tree_name_ok(file_name))
			return mlw_error_setc(MLW_ECORRUPT, "the asset's file "
					      "name is not a file name");
		io->is_file = 1;
		io->file_name = mlw_strdup(file_name ? file_name : io->name);
		mlw_tree_add(&tree, MLW_MODE_FILE, io->file_name, &io->oid,
			     blob_size);
		ret = mlw_tree_write(&io->oid, &size, odb, &tree);
		mlw_tree_release(&tree);
		return ret;
	}
	if (!strcmp(io->type, "uri_file")) {
		struct mlw_tree tree = MLW_TREE_INIT;

		ret = mlw_tree_read(&tree, odb, &io->oid);
		if (!ret && tree.nr == 1 &&
		    tree.entries[0].mode != MLW_MODE_DIR) {
			io->is_file = 1;
			io->file_name = mlw_strdup(tree.entries[0].name);
		}
		mlw_tree_release(&tree);
	}
	return ret;
}

static int resolve_input(struct mlw_job *job, struct mlw_job_io *io,
			 const struct mlw_yaml_node *n,
			 const struct mlw_job_opts *opts)
{
	const struct mlw_yaml_node *path = NULL, *value = NULL;
	struct mlw_ref ref = MLW_REF_INIT;
	struct stat st;
	int ret;

	if (n && n->kind == MLW_YAML_MAP) {
		const struct mlw_yaml_node *type = mlw_yaml_map_get(n, "type");
		const struct mlw_yaml_node *mode = mlw_yaml_map_get(n, "mode");

		io->type = mlw_strdup(type && type->text ? type->text :
				      "uri_folder");
		io->direct = mode && mode->text && !strcmp(mode->text, "direct");
		path = mlw_yaml_map_get(n, "path");
		value = mlw_yaml_map_get(n, "value");
		if (!value)
			value = mlw_yaml_map_get(n, "default");
		if (!path && !is_path_type(io->type)) {
			io->is_literal = 1;
			if (mlw_yaml_is_null(value)) {
				io->optional_missing = 1;
				return 0;
			}
			io->value = mlw_strdup(value->text ? value->text : "");
			return 0;
		}
		if (mlw_yaml_is_null(path)) {
			io->optional_missing = 1;
			return 0;
		}
	} else {
		/* a literal: string, number, boolean */
		enum mlw_yaml_type t = n ? mlw_yaml_scalar_type(n) :
				       MLW_YAML_NULL;

		io->is_literal = 1;
		io->type = mlw_strdup(t == MLW_YAML_INT ? "integer" :
				      t == MLW_YAML_FLOAT ? "number" :
				      t == MLW_YAML_BOOL ? "boolean" :
				      "string");
		if (t == MLW_YAML_NULL || !n || n->kind != MLW_YAML_SCALAR) {
			io->optional_missing = 1;
			return 0;
		}
		io->value = mlw_strdup(n->text);
		return 0;
	}
	if (!path->text)
		return spec_err(path, "input '%s': path must be a string",
				io->name);
	io->value = mlw_strdup(path->text);
	ret = mlw_ref_parse(&ref, path->text, job->spec->dir);
	if (ret) {
		mlw_error_prefix("%s:%d:%d: input '%s'", path->source,
				 path->line, path->col, io->name);
		mlw_ref_release(&ref);
		return MLW_EINVALID;
	}
	switch (ref.kind) {
	case MLW_REF_LOCAL:
		if (stat(ref.path, &st)) {
			ret = spec_err(path, "input '%s': path '%s' does not "
				       "exist", io->name, path->text);
			break;
		}
		io->src = mlw_path_absolute(ref.path);
		io->is_file = !S_ISDIR(st.st_mode);
		if (io->is_file) {
			const char *slash = strrchr(io->src, '/');

			io->file_name = mlw_strdup(slash ? slash + 1 : io->src);
		}
		if (!strcmp(io->type, "uri_file") && !io->is_file)
			ret = spec_err(path, "input '%s' is a uri_file but "
				       "'%s' is a folder", io->name, path->text);
		break;
	case MLW_REF_ASSET:
	case MLW_REF_REGISTRY:
	case MLW_REF_JOB_OUTPUT: {
		mlw_asset_lookup_fn fn = opts->asset_lookup ?
			opts->asset_lookup : mlw_asset_lookup_none;
		char *type = NULL, *file_name = NULL;

		ret = fn(&io->oid, &type, &file_name, &ref, opts->asset_data);
		if (!ret)
			ret = asset_input_layout(job, io, file_name);
		if (ret) {
			mlw_error_prefix("%s:%d:%d: input '%s'", path->source,
					 path->line, path->col, io->name);
			ret = mlw_error_recode(MLW_EINVALID);
		} else {
			io->has_oid = 1;
		}
		free(type);
		free(file_name);
		break;
	}
	case MLW_REF_REMOTE:
		ret = spec_err(path, "input '%s': '%s' is remote; mlw runs "
			       "offline (register the data locally with "
			       "'mlw data create')", io->name, path->text);
		break;
	}
	mlw_ref_release(&ref);
	return ret;
}

static void warn(struct mlw_job *job, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warn(struct mlw_job *job, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	mlw_strlist_push_owned(&job->warnings, mlw_buf_detach(&b, NULL));
}

/*
 * mlw.metrics_pattern (spec property) or job.metricsPattern (workspace
 * config): a boolean (on: Katib's NAME=VALUE pattern), "katib", or a
 * PCRE2 pattern of its own.
 */
static void set_metrics_pattern(struct mlw_job *job, const char *v)
{
	int b = mlw_config_bool(v);

	free(job->metrics_pattern);
	job->metrics_pattern = NULL;
	if (b == 1 || !strcmp(v, "katib"))
		job->metrics_pattern = mlw_strdup(MLW_PATTERN_KATIB);
	else if (b == -1)
		job->metrics_pattern = mlw_strdup(v);
}

/*
 * An output with name (and version) is registered as an asset when the
 * run completes, as Azure ML does: a model for the model types, data for
 * the others.  Checked here, before anything runs.
 */
static int output_asset(struct mlw_job_io *io, const struct mlw_yaml_node *v)
{
	const struct mlw_yaml_node *n, *ver;

	if (!v || v->kind != MLW_YAML_MAP)
		return 0;
	n = mlw_yaml_map_get(v, "name");
	ver = mlw_yaml_map_get(v, "version");
	if (!n || !n->text) {
		if (ver)
			return spec_err(ver, "outputs.%s.version needs "
					"outputs.%s.name", io->name, io->name);
		return 0;
	}
	if (!mlw_asset_name_ok(n->text))
		return spec_err(n, "outputs.%s.name: '%s' is not a valid asset "
				"name", io->name, n->text);
	if (ver && (!ver->text || !mlw_asset_version_ok(ver->text)))
		return spec_err(ver, "outputs.%s.version: not a valid version",
				io->name);
	io->asset_name = mlw_strdup(n->text);
	io->asset_version = ver ? mlw_strdup(ver->text) : NULL;
	return 0;
}

/* the spec's inputs: names checked, paths and references resolved */
static int prepare_inputs(struct mlw_job *job, const struct mlw_yaml_node *n,
			  const struct mlw_job_opts *opts)
{
	size_t i;
	int ret = 0;

	if (!n || n->kind != MLW_YAML_MAP)
		return 0;
	job->inputs = mlw_calloc(n->nr, sizeof(*job->inputs));
	for (i = 0; !ret && 2 * i + 1 < n->nr; i++) {
		struct mlw_job_io *io = &job->inputs[job->nr_inputs++];
		const struct mlw_yaml_node *k = mlw_yaml_key(n, i);

		ret = check_name(MLW_NAME_INPUT, k->text, k);
		if (!ret) {
			io->name = mlw_strdup(k->text);
			ret = resolve_input(job, io, mlw_yaml_value(n, i),
					    opts);
		}
	}
	return ret;
}

/*
 * One output, v its spec (NULL: a folder): its type, the name of its
 * file for a uri_file (the last part of its path, else its name), the
 * asset it is registered as.
 */
static int prepare_output(struct mlw_job_io *io, const struct mlw_yaml_node *v)
{
	const struct mlw_yaml_node *t = v && v->kind == MLW_YAML_MAP ?
		mlw_yaml_map_get(v, "type") : NULL;

	io->type = mlw_strdup(t && t->text ? t->text : "uri_folder");
	io->is_file = !strcmp(io->type, "uri_file");
	if (io->is_file) {
		const struct mlw_yaml_node *p = mlw_yaml_map_get(v, "path");
		const char *slash = p && p->text ? strrchr(p->text, '/') : NULL;

		io->file_name = mlw_strdup(slash && slash[1] ? slash + 1 :
					   io->name);
		if (!mlw_tree_name_ok(io->file_name))
			return spec_err(p, "outputs.%s.path does not end with "
					"a file name", io->name);
	}
	return output_asset(io, v);
}

static int prepare_outputs(struct mlw_job *job, const struct mlw_yaml_node *n)
{
	size_t i;
	int ret = 0;

	if (!n || n->kind != MLW_YAML_MAP)
		return 0;
	job->outputs = mlw_calloc(n->nr, sizeof(*job->outputs));
	for (i = 0; !ret && 2 * i + 1 < n->nr; i++) {
		struct mlw_job_io *io = &job->outputs[job->nr_outputs++];
		const struct mlw_yaml_node *k = mlw_yaml_key(n, i);

		ret = check_name(MLW_NAME_OUTPUT, k->text, k);
		if (!ret) {
			io->name = mlw_strdup(k->text);
			ret = prepare_output(io, mlw_yaml_value(n, i));
		}
	}
	return ret;
}

/*
 * Azure's default experiment: the name of the current folder, made to
 * follow the rule for names (other characters become '_', what cannot
 * start a name is dropped from its front), "Default" when nothing is left.
 */
static char *default_experiment(void)
{
	char *cwd = getcwd(NULL, 0), *p;
	const char *base;
	char *s;

	if (!cwd)
		return mlw_strdup("Default");
	base = strrchr(cwd, '/');
	base = base ? base + 1 : cwd;
	while (*base && !isalnum((unsigned char)*base))
		base++;
	s = mlw_strndup(*base ? base : "Default", 255);
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.", *p))
			*p = '_';
	free(cwd);
	return s;
}

/* name, experiment, display name, description, parent: checked names */
static int prepare_names(struct mlw_job *job, const struct mlw_spec *spec,
			 const struct mlw_job_opts *opts)
{
	const char *s = opts->name ? opts->name :
			mlw_spec_get_str(spec, "name");
	int ret = s ? check_name(MLW_NAME_JOB, s, opts->name ? NULL :
				 mlw_spec_get(spec, "name")) : 0;

	if (ret)
		return ret;
	job->name = s ? mlw_strdup(s) : NULL;
	s = opts->experiment ? opts->experiment :
	    mlw_spec_get_str(spec, "experiment_name");
	ret = s ? check_name(MLW_NAME_EXPERIMENT, s, opts->experiment ? NULL :
			     mlw_spec_get(spec, "experiment_name")) : 0;
	if (ret)
		return ret;
	job->experiment = s ? mlw_strdup(s) : default_experiment();
	s = opts->display_name ? opts->display_name :
	    mlw_spec_get_str(spec, "display_name");
	job->display_name = s ? mlw_strdup(s) : NULL;
	s = mlw_spec_get_str(spec, "description");
	job->description = s ? mlw_strdup(s) : NULL;
	job->parent = opts->parent ? mlw_strdup(opts->parent) : NULL;
	return 0;
}

/* the command (something to run) and the code folder (a local folder) */
static int prepare_command(struct mlw_job *job, const struct mlw_spec *spec)
{
	const char *s = mlw_spec_get_str(spec, "command");
	const struct mlw_yaml_node *n;
	struct mlw_ref ref = MLW_REF_INIT;
	struct stat st;
	int ret;

	if (!s)
		return mlw_error_setc(MLW_EINVALID, "%s: missing 'command'",
				      spec->path);
	if (!s[strspn(s, " \t\r\n")])
		return spec_err(mlw_spec_get(spec, "command"), "'command' is "
				"empty: there is nothing to run");
	job->command_template = mlw_strdup(s);
	n = mlw_spec_get(spec, "code");
	if (!n || mlw_yaml_is_null(n))
		return 0;
	ret = mlw_spec_get_ref(spec, "code", &ref);
	if (!ret && ref.kind != MLW_REF_LOCAL)
		ret = spec_err(n, "code '%s' is not a local folder; mlw runs "
			       "offline", n->text);
	else if (!ret && (stat(ref.path, &st) || !S_ISDIR(st.st_mode)))
		ret = spec_err(n, "code folder '%s' does not exist", n->text);
	if (!ret)
		job->code_dir = mlw_path_absolute(ref.path);
	mlw_ref_release(&ref);
	return ret;
}

/*
 * environment (recorded, with a warning), where the command runs (the
 * compute target and distribution, compute/placement.h; a target that
 * does not exist is MLW_ENOTFOUND), limits.timeout
 */
static int prepare_compute(struct mlw_job *job, const struct mlw_spec *spec)
{
	const struct mlw_yaml_node *n = mlw_spec_get(spec, "environment");
	char *note = NULL;
	const char *s;
	int64_t timeout;
	int ret;

	if (n && !mlw_yaml_is_null(n)) {
		json_t *j = n->kind == MLW_YAML_SCALAR ? json_string(n->text) :
			    mlw_yaml_to_jansson(n);

		job->environment = n->kind == MLW_YAML_SCALAR ?
				   mlw_strdup(n->text) : json_text(j);
		json_decref(j);
		warn(job, "environment '%s' is not available here; the job "
		     "runs in the host environment", job->environment);
	}
	s = mlw_spec_get_str(spec, "compute");
	job->compute = mlw_strdup(s ? s : "local");
	ret = mlw_placement_prepare(&job->placement, &note, job->repo, spec);
	if (note)
		warn(job, "%s", note);
	free(note);
	if (!mlw_spec_get_int(spec, "limits.timeout", &timeout) && timeout > 0)
		job->timeout = (double)timeout;
	return ret;
}

/*
 * environment_variables, tags, properties, and the metrics pattern: the
 * spec's property, else the workspace's default.
 */
static int prepare_settings(struct mlw_job *job, const struct mlw_spec *spec)
{
	const struct mlw_yaml_node *n, *p = NULL;
	char *path, *v;
	size_t i;
	int ret;

	n = mlw_spec_get(spec, "environment_variables");
	for (i = 0; n && n->kind == MLW_YAML_MAP && 2 * i + 1 < n->nr; i++) {
		const struct mlw_yaml_node *val = mlw_yaml_value(n, i);

		mlw_strlist_push_owned(&job->env, mlw_xstrfmt("%s=%s",
				       mlw_yaml_key(n, i)->text,
				       val && val->text ? val->text : ""));
	}
	n = mlw_spec_get(spec, "tags");
	for (i = 0; n && n->kind == MLW_YAML_MAP && 2 * i + 1 < n->nr; i++) {
		const struct mlw_yaml_node *val = mlw_yaml_value(n, i);

		mlw_strlist_push(&job->tags, mlw_yaml_key(n, i)->text);
		mlw_strlist_push(&job->tags, val && val->text ? val->text : "");
	}
	n = mlw_spec_get(spec, "properties");
	if (n && n->kind == MLW_YAML_MAP) {
		json_t *j = mlw_yaml_to_jansson(n);

		job->properties = json_text(j);
		json_decref(j);
		p = mlw_yaml_map_get(n, "mlw.metrics_pattern");
	}
	if (p && p->text) {
		set_metrics_pattern(job, p->text);
		return 0;
	}
	/* the workspace's default, when the spec says nothing */
	path = mlw_repo_path(job->repo, "config");
	ret = mlw_config_get(&v, path, "job.metricsPattern");
	free(path);
	if (ret < 0)
		return ret;
	if (ret)
		set_metrics_pattern(job, v);
	free(v);
	return 0;
}

int mlw_job_prepare(struct mlw_job **out, struct mlw_repo *repo,
		    const struct mlw_spec *spec,
		    const struct mlw_job_opts *opts)
{
	struct mlw_job *job = mlw_calloc(1, sizeof(*job));
	int ret = 0;

	*out = NULL;
	job->repo = repo;
	job->spec = spec;
	if (spec->kind != MLW_SPEC_COMMAND_JOB)
		ret = mlw_error_setc(MLW_EINVALID, "%s: %s specs cannot run "
				     "yet; only command jobs", spec->path,
				     mlw_spec_kind_name(spec->kind));
	if (!ret)
		ret = prepare_names(job, spec, opts);
	if (!ret)
		ret = prepare_command(job, spec);
	if (!ret)
		ret = prepare_compute(job, spec);
	if (!ret)
		ret = prepare_settings(job, spec);
	if (!ret)
		ret = prepare_inputs(job, mlw_spec_get(spec, "inputs"), opts);
	if (!ret)
		ret = prepare_outputs(job, mlw_spec_get(spec, "outputs"));
	if (ret) {
		mlw_job_free(job);
		return ret;
	}
	*out = job;
	return 0;
}

struct ignore_data {
	struct mlw_ignore *ig;
};

static int ignore_cb(const char *relpath, int is_dir, void *data)
{
	struct ignore_data *d = data;

	return mlw_ignore_match(d->ig, relpath, is_dir);
}

int mlw_job_snapshot_code(struct mlw_job *job)
{
	struct mlw_statcache *cache = NULL;
	char *cache_path, *abs;
	struct mlw_snapshot_opts so;
	struct ignore_data d;
	struct mlw_odb *odb;
	uint64_t size;
	int ret;

	if (!job->code_dir)
		return 0;
	ret = mlw_repo_odb(&odb, job->repo);
	if (ret)
		return ret;
	memset(&so, 0, sizeof(so));
	mlw_ignore_new(&d.ig, job->code_dir);
	so.ignore = ignore_cb;
	so.data = &d;
	/*
	 * The stat cache that "data create" keeps: a file whose stat is
	 * unchanged since it was last stored is not read again, so running
	 * the same code twice costs a stat per file, not a hash.
	 */
	cache_path = mlw_repo_path(job->repo, "statcache");
	mlw_statcache_open(&cache, cache_path);
	free(cache_path);
	abs = realpath(job->code_dir, NULL);
	if (abs)
		mlw_statcache_attach(cache, &so, abs);
	ret = mlw_tree_write_dir(&job->code, &size, odb, job->code_dir, &so);
	mlw_ignore_free(d.ig);
	free(abs);
	if (!ret && mlw_statcache_save(cache))
		mlw_error_clear();	/* only a hint */
	mlw_statcache_free(cache);
	if (ret)
		return ret;
	job->has_code = 1;
	job->code_files = so.nr_files;
	job->code_bytes = so.nr_bytes;
	return 0;
}

struct big_entry {
	const char *name;
	uint64_t size;
	int dir;
};

static int cmp_big(const void *a, const void *b)
{
	const struct big_entry *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void add_size(struct mlw_buf *b, uint64_t n)
{
	if (n >= (1u << 20))
		mlw_buf_addf(b, "%.1f MiB", (double)n / (1u << 20));
	else if (n >= 1024)
		mlw_buf_addf(b, "%.1f KiB", (double)n / 1024);
	else
		mlw_buf_addf(b, "%llu bytes", (unsigned long long)n);
}

char *mlw_job_code_summary(struct mlw_job *job)
{
	struct mlw_tree t = MLW_TREE_INIT;
	struct mlw_buf b = MLW_BUF_INIT;
	struct big_entry *e;
	struct mlw_odb *odb;
	size_t i, n;

	if (!job->has_code || (job->code_files < MLW_JOB_LARGE_FILES &&
			       job->code_bytes < MLW_JOB_LARGE_BYTES))
		return NULL;
	mlw_buf_addf(&b, "mlw: the code snapshot of '%s' is large: %llu "
		     "files, ", job->code_dir,
		     (unsigned long long)job->code_files);
	add_size(&b, job->code_bytes);
	mlw_buf_addf(&b, " (Azure ML refuses more than 2000 files or 300 MB;"
		     " leave files out with .amlignore or .gitignore)\n");
	if (mlw_repo_odb(&odb, job->repo) ||
	    mlw_tree_read(&t, odb, &job->code)) {
		mlw_error_clear();
		return mlw_buf_detach(&b, NULL);
	}
	e = mlw_calloc(t.nr ? t.nr : 1, sizeof(*e));
	for (i = 0; i < t.nr; i++) {
		e[i].name = t.entries[i].name;
		e[i].size = t.entries[i].size;
		e[i].dir = t.entries[i].mode == MLW_MODE_DIR;
	}
	qsort(e, t.nr, sizeof(*e), cmp_big);
	n = t.nr < 5 ? t.nr : 5;
	mlw_buf_addf(&b, "mlw: biggest entries:");
	for (i = 0; i < n; i++) {
		mlw_buf_addf(&b, "%s %s%s ", i ? "," : "", e[i].name,
			     e[i].dir ? "/" : "");
		add_size(&b, e[i].size);
	}
	mlw_buf_addch(&b, '\n');
	free(e);
	mlw_tree_release(&t);
	return mlw_buf_detach(&b, NULL);
}

static const struct mlw_job_io *find_io(const struct mlw_job_io *ios,
					size_t nr, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (strlen(ios[i].name) == len &&
		    !strncmp(ios[i].name, name, len))
			return &ios[i];
	return NULL;
}

char *mlw_job_io_path(const struct mlw_job *job, const char *kind,
		      const struct mlw_job_io *io)
{
	if (io->is_file)
		return mlw_xstrfmt("%s/%s/%s/%s", job->workdir, kind, io->name,
				   io->file_name);
	return mlw_xstrfmt("%s/%s/%s", job->workdir, kind, io->name);
}

/*
 * Expand ${{...}} in text[0..len) into out.  Returns 1 when every
 * reference was to something present, 0 when one was to a missing
 * optional input (the $[[...]] block containing it is dropped).
 */
static int expand(struct mlw_buf *out, const struct mlw_job *job,
		  const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int complete = 1;

	while (p < end) {
		const char *open = strstr(p, "${{"), *close, *a, *b;
		const struct mlw_job_io *io;

		if (!open || open >= end) {
			mlw_buf_add(out, p, (size_t)(end - p));
			break;
		}
		close = strstr(open + 3, "}}");
		if (!close || close >= end) {
			mlw_buf_add(out, p, (size_t)(end - p));
			break;
		}
		mlw_buf_add(out, p, (size_t)(open - p));
		for (a = open + 3; a < close && isspace((unsigned char)*a); a++)
			;
		for (b = close; b > a && isspace((unsigned char)b[-1]); b--)
			;
		p = close + 2;
		if (b - a > 7 && !strncmp(a, "inputs.", 7) &&
		    (io = find_io(job->inputs, job->nr_inputs, a + 7,
				  (size_t)(b - a - 7)))) {
			if (io->optional_missing) {
				complete = 0;
			} else if (io->is_literal) {
				mlw_buf_adds(out, io->value);
			} else {
				char *path = mlw_job_io_path(job, "inputs", io);

				mlw_buf_adds(out, path);
				free(path);
			}
			continue;
		}
		if (b - a > 8 && !strncmp(a, "outputs.", 8) &&
		    (io = find_io(job->outputs, job->nr_outputs, a + 8,
				  (size_t)(b - a - 8)))) {
			char *path = mlw_job_io_path(job, "outputs", io);

			mlw_buf_adds(out, path);
			free(path);
			continue;
		}
		if (b - a == 4 && !strncmp(a, "name", 4)) {
			mlw_buf_adds(out, job->name);
			continue;
		}
		if (b - a > 7 && !strncmp(a, "inputs.", 7)) {
			/* an input not given at all: optional */
			complete = 0;
			continue;
		}
		mlw_buf_add(out, open, (size_t)(close + 2 - open));
	}
	return complete;
}

int mlw_job_bind(struct mlw_job *job)
{
	struct mlw_buf out = MLW_BUF_INIT, block = MLW_BUF_INIT;
	const char *p = job->command_template;
	char *rel;

	/* the name was checked (mlw_job_prepare) or generated */
	if (mlw_name_check(MLW_NAME_JOB, job->name))
		return MLW_EINVALID;
	rel = mlw_xstrfmt("runs/%s", job->name);
	free(job->workdir);
	job->workdir = mlw_repo_path(job->repo, rel);
	free(rel);
	while (*p) {
		const char *open = strstr(p, "$[["), *close;

		if (!open) {
			expand(&out, job, p, strlen(p));
			break;
		}
		close = strstr(open + 3, "]]");
		if (!close) {
			expand(&out, job, p, strlen(p));
			break;
		}
		expand(&out, job, p, (size_t)(open - p));
		mlw_buf_reset(&block);
		if (expand(&block, job, open + 3, (size_t)(close - open - 3)))
			mlw_buf_add(&out, block.buf, block.len);
		p = close + 2;
	}
	mlw_buf_release(&block);
	free(job->command);
	job->command = mlw_buf_detach(&out, NULL);
	return 0;
}
