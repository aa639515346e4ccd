/*
 * job.c - command jobs: prepare, bind, record, supervise; see job.h.
 *
 * The supervisor is a fork of the creating command, in a session of its
 * own so that it outlives it, named "mlw-supervise" (ps -o comm).  The
 * catalog connection is closed before the fork and the child opens its
 * own (an SQLite connection must never cross a fork).  It used to be a
 * fresh "mlw job supervise NAME" process; the exec, the dynamic loader
 * and the catalog's schema parse cost a third of a short job.  It puts
 * the command in its own process group so that a cancel, a timeout or
 * the end of the run reaches every process the command started.
 */
#include "run/job.h"
#include "asset/asset.h"
#include "asset/hook.h"
#include "run/git.h"
#include "run/pattern.h"
#include "run/run.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/gc.h"
#include "store/repo.h"
#include "store/statcache.h"
#include "store/tree.h"
#include "store/wtcache.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/name.h"
#include "util/strutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <sys/prctl.h>
#include <math.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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
}

void mlw_job_free(struct mlw_job *job)
{
	size_t i;

	if (!job)
		return;
	free(job->name);
	free(job->experiment);
	free(job->display_name);
	free(job->description);
	free(job->parent);
	free(job->command_template);
	free(job->command);
	free(job->supervise_json);
	free(job->code_dir);
	free(job->environment);
	free(job->compute);
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

static int spec_err(const struct mlw_yaml_node *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int spec_err(const struct mlw_yaml_node *n, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;
	int ret;

	if (n)
		mlw_buf_addf(&b, "%s:%d:%d: ", n->source, n->line, n->col);
	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ret = mlw_error_setc(MLW_EINVALID, "%s", b.buf);
	mlw_buf_release(&b);
	return ret;
}

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

		io->type = mlw_strdup(type && type->text ? type->text :
				      "uri_folder");
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

int mlw_job_prepare(struct mlw_job **out, struct mlw_repo *repo,
		    const struct mlw_spec *spec,
		    const struct mlw_job_opts *opts)
{
	struct mlw_job *job = mlw_calloc(1, sizeof(*job));
	const struct mlw_yaml_node *n;
	const char *s;
	size_t i;
	int ret = 0;
	int64_t timeout;

	*out = NULL;
	job->repo = repo;
	job->spec = spec;
	if (spec->kind != MLW_SPEC_COMMAND_JOB) {
		ret = mlw_error_setc(MLW_EINVALID, "%s: %s specs cannot run "
				     "yet; only command jobs", spec->path,
				     mlw_spec_kind_name(spec->kind));
		goto fail;
	}
	s = opts->name ? opts->name : mlw_spec_get_str(spec, "name");
	ret = s ? check_name(MLW_NAME_JOB, s, opts->name ? NULL :
			     mlw_spec_get(spec, "name")) : 0;
	if (ret)
		goto fail;
	job->name = s ? mlw_strdup(s) : NULL;
	s = opts->experiment ? opts->experiment :
	    mlw_spec_get_str(spec, "experiment_name");
	ret = s ? check_name(MLW_NAME_EXPERIMENT, s, opts->experiment ? NULL :
			     mlw_spec_get(spec, "experiment_name")) : 0;
	if (ret)
		goto fail;
	job->experiment = s ? mlw_strdup(s) : default_experiment();
	s = opts->display_name ? opts->display_name :
	    mlw_spec_get_str(spec, "display_name");
	job->display_name = s ? mlw_strdup(s) : NULL;
	s = mlw_spec_get_str(spec, "description");
	job->description = s ? mlw_strdup(s) : NULL;
	job->parent = opts->parent ? mlw_strdup(opts->parent) : NULL;
	s = mlw_spec_get_str(spec, "command");
	if (!s) {
		ret = mlw_error_setc(MLW_EINVALID, "%s: missing 'command'",
				     spec->path);
		goto fail;
	}
	if (!s[strspn(s, " \t\r\n")]) {
		ret = spec_err(mlw_spec_get(spec, "command"), "'command' is "
			       "empty: there is nothing to run");
		goto fail;
	}
	job->command_template = mlw_strdup(s);

	n = mlw_spec_get(spec, "code");
	if (n && !mlw_yaml_is_null(n)) {
		struct mlw_ref ref = MLW_REF_INIT;
		struct stat st;

		ret = mlw_spec_get_ref(spec, "code", &ref);
		if (!ret && ref.kind != MLW_REF_LOCAL)
			ret = spec_err(n, "code '%s' is not a local folder; "
				       "mlw runs offline", n->text);
		else if (!ret && (stat(ref.path, &st) || !S_ISDIR(st.st_mode)))
			ret = spec_err(n, "code folder '%s' does not exist",
				       n->text);
		if (!ret)
			job->code_dir = mlw_path_absolute(ref.path);
		mlw_ref_release(&ref);
		if (ret)
			goto fail;
	}

	n = mlw_spec_get(spec, "environment");
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
	if (s && strcmp(s, "local") && strcmp(s, "azureml:local"))
		warn(job, "compute '%s' is not available here; the job runs "
		     "locally", s);
	if (!mlw_spec_get_int(spec, "limits.timeout", &timeout) && timeout > 0)
		job->timeout = (double)timeout;

	n = mlw_spec_get(spec, "environment_variables");
	for (i = 0; n && n->kind == MLW_YAML_MAP && 2 * i + 1 < n->nr; i++) {
		const struct mlw_yaml_node *v = mlw_yaml_value(n, i);

		mlw_strlist_push_owned(&job->env, mlw_xstrfmt("%s=%s",
				       mlw_yaml_key(n, i)->text,
				       v && v->text ? v->text : ""));
	}
	n = mlw_spec_get(spec, "tags");
	for (i = 0; n && n->kind == MLW_YAML_MAP && 2 * i + 1 < n->nr; i++) {
		const struct mlw_yaml_node *v = mlw_yaml_value(n, i);

		mlw_strlist_push(&job->tags, mlw_yaml_key(n, i)->text);
		mlw_strlist_push(&job->tags, v && v->text ? v->text : "");
	}
	n = mlw_spec_get(spec, "properties");
	s = NULL;
	if (n && n->kind == MLW_YAML_MAP) {
		json_t *j = mlw_yaml_to_jansson(n);

		job->properties = json_text(j);
		json_decref(j);
		{
			const struct mlw_yaml_node *p =
				mlw_yaml_map_get(n, "mlw.metrics_pattern");

			s = p && p->text ? p->text : NULL;
		}
		if (s)
			set_metrics_pattern(job, s);
	}
	if (!s) {
		/* the workspace's default, when the spec says nothing */
		char *path = mlw_repo_path(repo, "config"), *v;

		ret = mlw_config_get(&v, path, "job.metricsPattern");
		free(path);
		if (ret < 0)
			goto fail;
		if (ret)
			set_metrics_pattern(job, v);
		free(v);
		ret = 0;
	}

	ret = prepare_inputs(job, mlw_spec_get(spec, "inputs"), opts);
	if (!ret)
		ret = prepare_outputs(job, mlw_spec_get(spec, "outputs"));
	if (ret)
		goto fail;
	*out = job;
	return 0;
fail:
	mlw_job_free(job);
	return ret;
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

static char *io_path(const struct mlw_job *job, const char *kind,
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
				char *path = io_path(job, "inputs", io);

				mlw_buf_adds(out, path);
				free(path);
			}
			continue;
		}
		if (b - a > 8 && !strncmp(a, "outputs.", 8) &&
		    (io = find_io(job->outputs, job->nr_outputs, a + 8,
				  (size_t)(b - a - 8)))) {
			char *path = io_path(job, "outputs", io);

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

/* snapshot a local input: a folder as is, a file as a one-entry tree */
static int snapshot_input(struct mlw_odb *odb, struct mlw_job_io *io)
{
	uint64_t size;

	if (!io->is_file) {
		struct mlw_snapshot_opts so;

		memset(&so, 0, sizeof(so));
		return mlw_tree_write_dir(&io->oid, &size, odb, io->src, &so);
	} else {
		struct mlw_tree t = MLW_TREE_INIT;
		struct mlw_oid blob;
		struct stat st;
		int ret;

		ret = mlw_odb_write_path(&blob, &size, odb, io->src,
					 MLW_OBJ_BLOB, MLW_ODB_WRITE);
		if (ret)
			return ret;
		stat(io->src, &st);
		mlw_tree_add(&t, st.st_mode & 0111 ? MLW_MODE_EXEC :
			     MLW_MODE_FILE, io->file_name, &blob, size);
		ret = mlw_tree_write(&io->oid, &size, odb, &t);
		mlw_tree_release(&t);
		return ret;
	}
}

static int write_job_json(struct mlw_job *job, const char *cwd)
{
	json_t *j = json_object(), *env = json_array(), *outs = json_array();
	json_t *reg = json_array();
	char *path = mlw_path_join(job->workdir, "job.json");
	char *text;
	size_t i;
	int ret;

	json_object_set_new(j, "command", json_string(job->command));
	json_object_set_new(j, "cwd", json_string(cwd));
	json_object_set_new(j, "timeout", json_real(job->timeout));
	if (job->keep_workdir)
		json_object_set_new(j, "keep_workdir", json_true());
	json_object_set_new(j, "made_dirs", json_integer(job->made_dirs));
	if (job->metrics_pattern)
		json_object_set_new(j, "metrics_pattern",
				    json_string(job->metrics_pattern));
	for (i = 0; i < job->env.nr; i++)
		json_array_append_new(env, json_string(job->env.items[i]));
	for (i = 0; i < job->nr_outputs; i++) {
		char *key = mlw_xstrfmt("MLW_OUTPUT_%s", job->outputs[i].name);
		char *p = io_path(job, "outputs", &job->outputs[i]);
		char *k, *kv;

		for (k = key; *k; k++)
			*k = (char)toupper((unsigned char)*k);
		kv = mlw_xstrfmt("%s=%s", key, p);
		json_array_append_new(env, json_string(kv));
		free(kv);
		json_array_append_new(outs, json_string(job->outputs[i].name));
		if (job->outputs[i].asset_name) {
			json_t *r = json_object();

			json_object_set_new(r, "output",
					    json_string(job->outputs[i].name));
			json_object_set_new(r, "type",
					    json_string(job->outputs[i].type));
			json_object_set_new(r, "name", json_string(
					    job->outputs[i].asset_name));
			if (job->outputs[i].asset_version)
				json_object_set_new(r, "version", json_string(
					job->outputs[i].asset_version));
			json_array_append_new(reg, r);
		}
		free(key);
		free(p);
	}
	json_object_set_new(j, "env", env);
	json_object_set_new(j, "outputs", outs);
	json_object_set_new(j, "register", reg);
	text = mlw_json_dumps(j, MLW_JSON_INDENT);
	json_decref(j);
	/*
	 * The supervisor is this process: it takes the text from memory.
	 * The file is for a working area kept for debugging (a file made
	 * and removed was a tenth of a short job's time in the supervisor).
	 */
	ret = 0;
	if (job->keep_workdir) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			      0666);

		if (fd < 0 || mlw_write_all(fd, text, strlen(text)) < 0)
			ret = mlw_error_errno("cannot write '%s'", path);
		if (fd >= 0 && close(fd) < 0 && !ret)
			ret = mlw_error_errno("cannot write '%s'", path);
	}
	free(job->supervise_json);
	job->supervise_json = text;
	free(path);
	return ret;
}

static int record(struct mlw_job *job, struct mlw_catalog *cat)
{
	struct mlw_run run;
	size_t i;
	int ret;

	memset(&run, 0, sizeof(run));
	run.name = job->name;
	run.display_name = job->display_name;
	run.experiment = job->experiment;
	run.parent = job->parent;
	run.type = (char *)(job->type ? job->type : "command");
	run.status = MLW_RUN_QUEUED;
	run.times[MLW_RUN_NOT_STARTED] = mlw_now();
	run.times[MLW_RUN_QUEUED] = run.times[MLW_RUN_NOT_STARTED];
	run.environment = job->environment;
	run.compute = job->compute;
	run.command = job->command;
	run.description = job->description;
	run.properties = job->properties;
	run.git_dirty = -1;
	{
		char spec_hex[MLW_OID_HEXSZ + 1], code_hex[MLW_OID_HEXSZ + 1];
		struct mlw_git_state gs;
		struct mlw_odb *odb;
		struct mlw_oid spec_oid;
		uint64_t size;

		ret = mlw_repo_odb(&odb, job->repo);
		if (ret)
			return ret;
		ret = mlw_odb_write_path(&spec_oid, &size, odb, job->spec->path,
					 MLW_OBJ_BLOB, MLW_ODB_WRITE);
		if (ret)
			return ret;
		mlw_oid_to_hex(spec_hex, &spec_oid);
		run.spec = spec_hex;
		if (job->has_code) {
			mlw_oid_to_hex(code_hex, &job->code);
			run.code = code_hex;
		}
		memset(&gs, 0, sizeof(gs));
		if (job->code_dir && mlw_git_state(&gs, job->code_dir) > 0) {
			run.git_repository = gs.repository_uri;
			run.git_branch = gs.branch;
			run.git_commit = gs.commit;
			run.git_dirty = gs.dirty;
		}
		ret = mlw_catalog_begin(cat);
		if (!ret)
			ret = mlw_run_insert(cat, &run);
		/*
		 * The caller is the run's supervisor (mlw_job_start): it is
		 * recorded with the run, so that no moment exists in which
		 * the run is there and a dead supervisor could not be told.
		 */
		if (!ret)
			ret = mlw_run_set_supervisor(cat, run.name, getpid(),
						     mlw_proc_start_time(
							     getpid()), 0);
		mlw_git_state_release(&gs);
	}
	if (ret) {
		mlw_catalog_rollback(cat);
		return ret;
	}
	if (!job->name)
		job->name = run.name;
	job->run_id = run.id;
	for (i = 0; !ret && i < job->nr_inputs; i++) {
		const struct mlw_job_io *io = &job->inputs[i];
		char hex[MLW_OID_HEXSZ + 1];
		struct mlw_run_io rio = { io->name, io->type, io->value, NULL };

		if (io->has_oid) {
			mlw_oid_to_hex(hex, &io->oid);
			rio.object = hex;
		}
		if (!io->optional_missing)
			ret = mlw_run_add_input(cat, run.id, &rio);
	}
	for (i = 0; !ret && i < job->nr_outputs; i++) {
		struct mlw_run_io rio = { job->outputs[i].name,
					  job->outputs[i].type, NULL, NULL };

		ret = mlw_run_add_output(cat, run.id, &rio);
	}
	for (i = 0; !ret && i + 1 < job->tags.nr; i += 2)
		ret = mlw_run_set_tag(cat, run.id, job->tags.items[i],
				      job->tags.items[i + 1]);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	return ret;
}

/*
 * Azure gives a command job ./outputs and ./logs; what it leaves there is
 * uploaded as the run's artifacts, under these names.
 */
static const char *const artifact_dirs[] = { "outputs", "logs" };
#define ARTIFACT_DIRS 2

/*
 * The skeleton of a working area (its folder, user_logs/ and
 * std_log.txt) is kept for the next run as .mlw/cache/workdir and taken
 * with one rename(2): making and removing two folders and a file were a
 * tenth of a short job's supervisor (ext4 makes a new inode slowly next
 * to many recently freed ones).  Only this code puts anything there,
 * and only the skeleton; two runs racing for it are told apart by the
 * rename, and the loser makes its own.  "mlw gc" removes it.
 */
#define SPARE_WORKDIR "cache/workdir"

static int take_spare_workdir(struct mlw_repo *repo, const char *workdir)
{
	char *spare = mlw_repo_path(repo, SPARE_WORKDIR);
	int ok = !rename(spare, workdir);

	free(spare);
	return ok;
}

int mlw_job_create(struct mlw_job *job)
{
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	char *dir, *cwd, *log;
	size_t i;
	int ret, fd;

	ret = mlw_repo_odb(&odb, job->repo);
	if (!ret)
		ret = mlw_repo_catalog(&cat, job->repo);
	if (ret)
		return ret;
	for (i = 0; i < job->nr_inputs; i++) {
		struct mlw_job_io *io = &job->inputs[i];

		if (!io->src || io->optional_missing)
			continue;
		ret = snapshot_input(odb, io);
		if (ret)
			return ret;
		io->has_oid = 1;
	}
	/* the name is final once recorded: bind to it */
	if (!job->name) {
		/* a provisional name for binding; record() may pick another */
		job->name = NULL;
	}
	{
		/*
		 * Bind first with the name we will try; when the catalog
		 * hands back another (generated) name, bind again.
		 */
		int tries;

		for (tries = 0; tries < 20; tries++) {
			int generated = !job->name;

			if (generated)
				job->name = mlw_run_new_name();
			ret = mlw_job_bind(job);
			if (!ret)
				ret = record(job, cat);
			if (ret == MLW_EEXISTS && generated) {
				free(job->name);
				job->name = NULL;
				continue;
			}
			break;
		}
		if (ret)
			return ret;
	}
	/* the working area; a failure from here on fails the recorded run */
	if (!take_spare_workdir(job->repo, job->workdir)) {
		ret = mlw_mkdir_p(job->workdir, 0777);
		dir = mlw_path_join(job->workdir, "user_logs");
		if (!ret)
			ret = mlw_mkdir_p(dir, 0777);
		free(dir);
	}
	log = mlw_path_join(job->workdir, "user_logs/std_log.txt");
	fd = ret ? -1 : open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0666);
	if (!ret && fd < 0)
		ret = mlw_error_errno("cannot create '%s'", log);
	if (fd >= 0) {
		char *note = mlw_job_code_summary(job);

		if (note)
			mlw_write_all(fd, note, strlen(note));
		free(note);
		close(fd);
	}
	free(log);
	cwd = mlw_path_join(job->workdir, "code");
	if (!ret && job->has_code) {
		char *cache = mlw_repo_path(job->repo, "cache/worktrees");
		char *manifest = mlw_path_join(job->workdir, "code.manifest");

		ret = mlw_wtcache_checkout(odb, cache, &job->code, cwd,
					   manifest, &job->code_reused);
		free(manifest);
		free(cache);
	} else if (!ret)
		ret = mlw_mkdir_p(cwd, 0777);
	for (i = 0; !ret && i < ARTIFACT_DIRS; i++) {
		char *d = mlw_path_join(cwd, artifact_dirs[i]);

		if (!mkdir(d, 0777))
			job->made_dirs |= 1u << i;
		else if (errno != EEXIST)
			ret = mlw_error_errno("cannot create '%s'", d);
		free(d);
	}
	for (i = 0; !ret && i < job->nr_inputs; i++) {
		const struct mlw_job_io *io = &job->inputs[i];
		char *d;

		if (!io->has_oid || io->optional_missing)
			continue;
		d = mlw_xstrfmt("%s/inputs/%s", job->workdir, io->name);
		ret = mlw_mkdir_p(d, 0777);
		if (!ret) {
			rmdir(d);
			ret = mlw_tree_checkout(odb, &io->oid, d,
						MLW_CHECKOUT_READONLY);
		}
		free(d);
	}
	for (i = 0; !ret && i < job->nr_outputs; i++) {
		char *d = mlw_xstrfmt("%s/outputs/%s", job->workdir,
				      job->outputs[i].name);

		ret = mlw_mkdir_p(d, 0777);
		free(d);
	}
	if (!ret)
		ret = write_job_json(job, cwd);
	free(cwd);
	if (ret) {
		char *why = mlw_xstrfmt("cannot prepare the working area: %s",
					mlw_error_last());

		mlw_run_finish(cat, job->name, MLW_RUN_FAILED, mlw_now(), -1,
			       why, NULL);
		free(why);
	}
	return ret;
}

/* the first line on the notify pipe: how creation went */
static void notify_line(int fd, char kind, int num, const char *text)
{
	char *m = mlw_xstrfmt("%c %d %s\n", kind, num, text), *p;

	for (p = m; p[1]; p++)
		if (*p == '\n')
			*p = ' ';
	mlw_write_all(fd, m, strlen(m));
	free(m);
}

int mlw_job_start(pid_t *pid, struct mlw_job *job, int notify_fd)
{
	struct mlw_repo *repo = job->repo;
	pid_t child;

	/* no SQLite connection may cross the fork: the child opens its own */
	mlw_catalog_free(repo->catalog);
	repo->catalog = NULL;
	child = fork();
	if (child < 0)
		return mlw_error_errno("cannot start the job supervisor");
	if (!child) {
		int fd = open("/dev/null", O_RDWR), ret;

		setsid();
		prctl(PR_SET_NAME, "mlw-supervise", 0, 0, 0);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		if (notify_fd >= 0 && notify_fd != 3) {
			dup2(notify_fd, 3);
			close(notify_fd);
		}
		notify_fd = notify_fd >= 0 ? 3 : -1;
		setenv("MLW_DIR", repo->dir, 1);
		/*
		 * _exit: the creating command's exit handlers and buffers
		 * are its own, not the supervisor's.
		 */
		ret = mlw_job_create(job);
		if (ret) {
			if (notify_fd >= 0)
				notify_line(notify_fd, 'E', ret,
					    mlw_error_last());
			_exit(1);
		}
		if (notify_fd >= 0)
			notify_line(notify_fd, 'R', job->code_reused,
				    job->name);
		mlw_run_fire_hooks(repo, job->name);
		ret = mlw_job_supervise(repo, job->name, job->supervise_json,
					notify_fd);
		/*
		 * The run is over, its working area gone, its hooks run:
		 * end-of-file tells the creating command so, and it returns
		 * without waiting for the catalog's close (which may fold
		 * the WAL) and this process's exit.  Folding at every close
		 * here was tried: the syncs it costs the next writer undo
		 * what the next opener saves.
		 */
		if (notify_fd >= 0)
			close(notify_fd);
		mlw_catalog_free(repo->catalog);
		repo->catalog = NULL;
		_exit(ret ? 1 : 0);
	}
	*pid = child;
	return 0;
}

char *mlw_job_log_path(struct mlw_repo *repo, const char *name)
{
	char *rel = mlw_xstrfmt("runs/%s/user_logs/std_log.txt", name);
	char *path = mlw_repo_path(repo, rel);

	free(rel);
	return path;
}

/* hooks: .mlw/hooks/NAME with the event's JSON payload on stdin */
static int run_hook(struct mlw_repo *repo, const char *hook,
		    const char *payload)
{
	char *rel = mlw_xstrfmt("hooks/%s", hook);
	char *path = mlw_repo_path(repo, rel);
	int fds[2], status;
	pid_t pid;

	free(rel);
	if (access(path, X_OK)) {
		free(path);
		return 0;
	}
	if (pipe(fds)) {
		free(path);
		return mlw_error_errno("cannot run hook '%s'", hook);
	}
	pid = fork();
	if (!pid) {
		dup2(fds[0], 0);
		/* a hook's output is not a result of the command */
		dup2(2, 1);
		close(fds[0]);
		close(fds[1]);
		setenv("MLW_DIR", repo->dir, 1);
		if (chdir(repo->worktree))
			_exit(126);
		execl(path, hook, (char *)NULL);
		_exit(126);
	}
	close(fds[0]);
	if (pid > 0) {
		signal(SIGPIPE, SIG_IGN);
		mlw_write_all(fds[1], payload, strlen(payload));
	}
	close(fds[1]);
	free(path);
	if (pid < 0)
		return mlw_error_errno("cannot run hook '%s'", hook);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

static char *experiment_id(const char *name)
{
	struct mlw_oid oid;
	char hex[MLW_OID_HEXSZ + 1];

	mlw_hash_buf(&oid, name, strlen(name));
	mlw_oid_to_hex(hex, &oid);
	return mlw_xstrfmt("%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
			   hex + 12, hex + 16, hex + 20);
}

/* whether .mlw/hooks/NAME is there to be run */
static int hook_wanted(struct mlw_repo *repo, const char *name)
{
	char *rel = mlw_xstrfmt("hooks/%s", name);
	char *path = mlw_repo_path(repo, rel);
	int want = !access(path, X_OK);

	free(path);
	free(rel);
	return want;
}

int mlw_run_status_hook(struct mlw_repo *repo)
{
	return hook_wanted(repo, "run-status-changed");
}

int mlw_run_fire_hooks(struct mlw_repo *repo, const char *name)
{
	int want_changed = mlw_run_status_hook(repo);
	int want_completed = hook_wanted(repo, "run-completed");
	struct mlw_catalog *cat;
	struct mlw_run *run;
	json_t *j, *tags;
	char *text, *eid;
	size_t i;
	int ret;

	if (!want_changed && !want_completed)
		return 0;
	ret = mlw_repo_catalog(&cat, repo);
	if (!ret)
		ret = mlw_run_get(&run, cat, name);
	if (!ret)
		ret = mlw_run_load_details(cat, run);
	if (ret)
		return ret;
	j = json_object();
	eid = experiment_id(run->experiment);
	json_object_set_new(j, "experimentId", json_string(eid));
	free(eid);
	json_object_set_new(j, "experimentName", json_string(run->experiment));
	json_object_set_new(j, "runId", json_string(run->name));
	json_object_set_new(j, "runType", json_string("azureml.scriptrun"));
	tags = json_object();
	for (i = 0; i < run->nr_tags; i++)
		json_object_set_new(tags, run->tags[i].key,
				    json_string(run->tags[i].value));
	json_object_set_new(j, "runTags", tags);
	json_object_set_new(j, "runProperties",
			    run->properties ?
			    json_loads(run->properties, 0, NULL) :
			    json_object());
	json_object_set_new(j, "runStatus",
			    json_string(mlw_run_status_name(run->status)));
	text = mlw_json_dumps(j, MLW_JSON_COMPACT);
	json_decref(j);
	if (want_changed)
		run_hook(repo, "run-status-changed", text);
	if (want_completed && run->status == MLW_RUN_COMPLETED)
		run_hook(repo, "run-completed", text);
	free(text);
	mlw_run_free(run);
	return 0;
}

/* the supervisor */

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static int make_writable(const char *path, const struct stat *st, int flag,
			 struct FTW *ftw)
{
	if (flag == FTW_D || flag == FTW_DP || flag == FTW_DNR)
		chmod(path, 0755);
	return 0;
}

/* remove everything in dir but keep, a name in it; 0 when all went */
static int empty_but(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, keep))
			continue;
		p = mlw_path_join(dir, de->d_name);
		if (mlw_remove_tree(p))
			ret = -1;
		free(p);
	}
	closedir(d);
	return ret;
}

static void remove_workdir(struct mlw_repo *repo, const char *dir)
{
	char *inputs = mlw_path_join(dir, "inputs");
	char *logs = mlw_path_join(dir, "user_logs");
	char *spare = mlw_repo_path(repo, SPARE_WORKDIR);
	int kept = 0;

	/* read-only input checkouts: make their folders writable first */
	if (!access(inputs, F_OK)) {
		chmod(inputs, 0755);
		nftw(inputs, make_writable, 16, FTW_PHYS);
	}
	free(inputs);
	/* what is left becomes the spare, unless there is one already */
	if (!empty_but(dir, "user_logs") && !empty_but(logs, "std_log.txt") &&
	    !access(logs, F_OK)) {
		kept = !rename(dir, spare);
		if (!kept && errno == ENOENT) {
			char *cache = mlw_repo_path(repo, "cache");

			kept = !mlw_mkdir_p(cache, 0777) && !rename(dir, spare);
			free(cache);
		}
	}
	mlw_error_clear();
	if (!kept && mlw_remove_tree(dir))
		mlw_error_clear();
	free(spare);
	free(logs);
}

/*
 * The end of a run whose supervisor died: what its log held becomes the
 * run's log, the run is Failed, and its working area goes (unless it was
 * kept for debugging: job.json is there).  0 when this process ended it,
 * MLW_EEXISTS when it had ended meanwhile (its area is then not ours).
 */
static int reap_one(struct mlw_repo *repo, struct mlw_catalog *cat,
		    const char *name)
{
	char hex[MLW_OID_HEXSZ + 1], *log, *rel, *dir, *kept;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	uint64_t size;
	int ret, has_log = 0;

	if (mlw_name_check(MLW_NAME_JOB, name))
		return mlw_error_recode(MLW_ECORRUPT);
	log = mlw_job_log_path(repo, name);
	ret = mlw_repo_odb(&odb, repo);
	if (!ret && !access(log, F_OK)) {
		ret = mlw_odb_write_path(&oid, &size, odb, log, MLW_OBJ_BLOB,
					 MLW_ODB_WRITE);
		has_log = !ret;
		if (has_log)
			mlw_oid_to_hex(hex, &oid);
	}
	free(log);
	if (ret)
		return ret;
	ret = mlw_run_finish(cat, name, MLW_RUN_FAILED, mlw_now(), -1,
			     "the supervisor of the job died",
			     has_log ? hex : NULL);
	if (ret)
		return ret;
	rel = mlw_xstrfmt("runs/%s", name);
	dir = mlw_repo_path(repo, rel);
	kept = mlw_path_join(dir, "job.json");
	if (access(kept, F_OK))
		remove_workdir(repo, dir);
	free(kept);
	free(dir);
	free(rel);
	return 0;
}

int mlw_job_reap(struct mlw_repo *repo,
		 void (*fn)(const char *name, void *data), void *data)
{
	struct mlw_strlist dead = MLW_STRLIST_INIT;
	struct mlw_catalog *cat;
	size_t i;
	int ret = mlw_repo_catalog(&cat, repo);

	if (!ret)
		ret = mlw_run_list_dead(&dead, cat);
	for (i = 0; !ret && i < dead.nr; i++) {
		ret = reap_one(repo, cat, dead.items[i]);
		if (ret == MLW_EEXISTS) {
			ret = 0;	/* it finished meanwhile */
			mlw_error_clear();
			continue;
		}
		if (!ret) {
			mlw_run_fire_hooks(repo, dead.items[i]);
			if (fn)
				fn(dead.items[i], data);
		}
	}
	mlw_strlist_release(&dead);
	return ret;
}

/* rm -rf of a working area left behind: its input checkouts are read-only */
static int remove_area(const char *dir)
{
	chmod(dir, 0755);
	nftw(dir, make_writable, 16, FTW_PHYS);
	return mlw_remove_tree(dir);
}

/*
 * Whether .mlw/runs/NAME (or a leftover beside it) may go: the working
 * area of a run that ended before the cutoff, or an entry no run owns
 * whose last change is older than it.  A run still going keeps its own.
 */
static int area_is_garbage(struct mlw_catalog *cat, const char *name,
			   double mtime, double cutoff)
{
	struct mlw_run *run;
	int garbage;

	if (!mlw_name_ok(MLW_NAME_JOB, name) ||
	    mlw_run_get(&run, cat, name)) {
		mlw_error_clear();
		return mtime <= cutoff;
	}
	garbage = mlw_run_status_terminal(run->status) &&
		  run->times[MLW_RUN_ENDED_TIME] <= cutoff;
	mlw_run_free(run);
	return garbage;
}

/* call gc's removed() for an area, after removing it unless a dry run */
static int drop_area(const struct mlw_gc_opts *opts, const char *path,
		     struct mlw_gc_stats *stats)
{
	if (!opts->dry_run && remove_area(path))
		return MLW_ERROR;
	stats->workdirs_removed++;
	if (opts->removed)
		opts->removed("workdir", path, 0, opts->data);
	return 0;
}

int mlw_job_gc_workdirs(struct mlw_repo *repo, const struct mlw_gc_opts *opts,
			struct mlw_gc_stats *stats)
{
	double cutoff = mlw_now() - opts->grace;
	char *runs = mlw_repo_path(repo, "runs");
	char *cache = mlw_repo_path(repo, "cache");
	const char *dirs[2] = { runs, cache };
	struct mlw_catalog *cat;
	size_t k;
	int ret = mlw_repo_catalog(&cat, repo);

	for (k = 0; !ret && opts->grace >= 0 && k < 2; k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *de;

		while (!ret && d && (de = readdir(d))) {
			char *path;
			struct stat st;

			if (de->d_name[0] == '.' ||
			    (k == 1 && !mlw_starts_with(de->d_name,
							"workdir.gc-")))
				continue;
			path = mlw_path_join(dirs[k], de->d_name);
			if (!lstat(path, &st) &&
			    (k ? st.st_mtim.tv_sec <= cutoff :
			     area_is_garbage(cat, de->d_name,
					     (double)st.st_mtim.tv_sec,
					     cutoff)))
				ret = drop_area(opts, path, stats);
			free(path);
		}
		if (d)
			closedir(d);
	}
	free(cache);
	free(runs);
	return ret;
}

/*
 * mlw gc: the spare working area is only a cache.  It is taken first,
 * with the same rename(2) a starting run takes it with, so that only one
 * of them has it: removing it in place let a run take it half-removed,
 * and lose its working area to the removal.
 */
int mlw_job_clear_spare(struct mlw_repo *repo)
{
	char *spare = mlw_repo_path(repo, SPARE_WORKDIR);
	char *mine = mlw_xstrfmt("%s.gc-%ld", spare, (long)getpid());
	int ret = 0;

	if (!rename(spare, mine))
		ret = mlw_remove_tree(mine);
	else if (errno != ENOENT)
		ret = mlw_error_errno("cannot take '%s'", spare);
	free(mine);
	free(spare);
	return ret;
}

/*
 * A supervisor's state, from the description of its job to the end of
 * the run.  The steps of mlw_job_supervise() each take it.
 */
struct supervisor {
	struct mlw_repo *repo;
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	const char *name;
	struct mlw_run *run;
	int log_fd;
	struct mlw_pattern *pattern;
	struct mlw_buf line;
	struct mlw_metric_writer *mw;
	int nr_points;

	json_t *job;		/* from mlw_job_create(): write_job_json() */
	const char *command, *cwd;
	double timeout, deadline;	/* 0: none */
	int pipefd[2];		/* the command's output */
	struct mlw_strlist words;	/* a built-in "mlw ..." command */
	pid_t child;		/* leader of the command's process group */
	int wait_status;
	enum mlw_run_status final;
	char *why;		/* why it did not complete */
	double t_starting, t_finalizing;
	int status_hook;	/* a hook listens to every status change */
	int finalizing_pending;	/* Finalizing written with the end */
};

/* how a step of the supervisor went: on, to the end, or out at once */
enum sv_next { SV_GO, SV_FINISH, SV_OUT };

static void sv_log(struct supervisor *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sv_log(struct supervisor *sv, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	mlw_buf_adds(&b, "mlw: ");
	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	mlw_buf_addch(&b, '\n');
	if (sv->log_fd >= 0)
		mlw_write_all(sv->log_fd, b.buf, b.len);
	mlw_buf_release(&b);
}

static void transition(struct supervisor *sv, enum mlw_run_status s)
{
	if (!mlw_run_set_status(sv->cat, sv->name, s, mlw_now()))
		mlw_run_fire_hooks(sv->repo, sv->name);
}

/* metric lines: NAME=VALUE (or the spec's pattern) on the job's output */
static void scan_line(struct supervisor *sv, const char *line, size_t len)
{
	struct mlw_pattern_match m[16];
	int i, n = mlw_pattern_scan(sv->pattern, line, len, m, 16);

	for (i = 0; i < n; i++) {
		char *key = mlw_strndup(m[i].name, m[i].name_len);
		char *val = mlw_strndup(m[i].value, m[i].value_len);
		double v;

		if (!mlw_parse_double(&v, val, "metric")) {
			if (!sv->mw && !mlw_catalog_begin(sv->cat) &&
			    mlw_metric_writer_new(&sv->mw, sv->cat,
						  sv->run->id))
				mlw_catalog_rollback(sv->cat);
			if (sv->mw) {
				mlw_metric_writer_add(sv->mw, key, v, -1,
						      mlw_now());
				sv->nr_points++;
			}
		}
		mlw_error_clear();
		free(key);
		free(val);
	}
}

static void flush_metrics(struct supervisor *sv)
{
	if (!sv->mw)
		return;
	if (mlw_metric_writer_finish(sv->mw))
		mlw_catalog_rollback(sv->cat);
	else
		mlw_catalog_commit(sv->cat);
	sv->mw = NULL;
}

static void scan_output(struct supervisor *sv, const char *buf, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (sv->line.len) {
			mlw_buf_add(&sv->line, buf + start, i - start);
			scan_line(sv, sv->line.buf, sv->line.len);
			mlw_buf_reset(&sv->line);
		} else {
			scan_line(sv, buf + start, i - start);
		}
		start = i + 1;
	}
	/* a partial line waits for its end, within reason */
	if (start < len && sv->line.len < 65536)
		mlw_buf_add(&sv->line, buf + start, len - start);
	flush_metrics(sv);
}

static void asset_warn(const char *msg, void *data)
{
	struct supervisor *sv = data;

	sv_log(sv, "%s", msg);
}

/* register output r ({output, type, name[, version]}) as an asset */
static int register_output(struct supervisor *sv, json_t *r)
{
	const char *out = json_string_value(json_object_get(r, "output"));
	const char *type = json_string_value(json_object_get(r, "type"));
	const char *ver = json_string_value(json_object_get(r, "version"));
	struct mlw_asset_content content;
	struct mlw_asset_spec spec;
	struct mlw_asset *a = NULL;
	struct mlw_odb *odb;
	char *rel, *line;
	int ret, existed = 0;

	mlw_asset_spec_init(&spec, !strcmp(type, "custom_model") ||
			    !strcmp(type, "mlflow_model") ||
			    !strcmp(type, "triton_model") ?
			    MLW_ASSET_MODEL : MLW_ASSET_DATA);
	spec.name = mlw_strdup(json_string_value(json_object_get(r, "name")));
	spec.version = ver ? mlw_strdup(ver) : NULL;
	spec.type = mlw_strdup(type);
	spec.job_name = mlw_strdup(sv->name);
	rel = mlw_xstrfmt("runs/%s/outputs/%s", sv->name, out);
	spec.path = mlw_repo_path(sv->repo, rel);
	free(rel);
	if (!strcmp(type, "uri_file")) {
		/* the one file the job wrote into the output's folder */
		DIR *d = opendir(spec.path);
		struct dirent *de;
		char *file = NULL;

		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.' || (de->d_name[1] &&
			    strcmp(de->d_name, "..")))
				if (!file)
					file = mlw_path_join(spec.path,
							     de->d_name);
		if (d)
			closedir(d);
		if (file) {
			free(spec.path);
			spec.path = file;
		}
	}
	memset(&content, 0, sizeof(content));
	ret = mlw_repo_odb(&odb, sv->repo);
	if (!ret)
		ret = mlw_asset_snapshot(&content, odb, NULL, &spec, asset_warn,
					 sv);
	if (!ret) {
		/* recorded as where it came from, as "create --path" does */
		free(spec.path);
		spec.path = mlw_xstrfmt("azureml:jobs/%s/outputs/%s", sv->name,
					out);
		free(content.path);
		content.path = mlw_strdup(spec.path);
		line = mlw_xstrfmt("job %s: register output %s", sv->name, out);
		ret = mlw_catalog_begin(sv->cat);
		if (!ret)
			ret = mlw_asset_register(&a, &existed, sv->cat, &spec,
						 &content);
		if (!ret)
			ret = mlw_catalog_log(sv->cat, "job", line);
		if (!ret)
			ret = mlw_catalog_commit(sv->cat);
		else
			mlw_catalog_rollback(sv->cat);
		free(line);
	}
	if (!ret) {
		sv_log(sv, "registered %s '%s' version '%s' from output '%s'%s",
		       mlw_asset_kind_name(spec.kind), a->name, a->version, out,
		       existed ? " (already there with this content)" : "");
		if (!existed && spec.kind == MLW_ASSET_MODEL) {
			char *payload = mlw_asset_event_payload(a);
			int ran;

			if (mlw_hook_run(&ran, sv->repo->dir,
					 sv->repo->worktree,
					 "model-registered", payload)) {
				sv_log(sv, "warning: %s", mlw_error_last());
				mlw_error_clear();
			}
			free(payload);
		}
	}
	mlw_asset_free(a);
	mlw_asset_content_release(&content);
	mlw_asset_spec_release(&spec);
	return ret;
}

/*
 * Snapshot a folder the job wrote (an output, ./outputs, ./logs): it
 * must still be a folder, not a symbolic link the job put in its place,
 * which would be followed out of the working area.
 */
static int snapshot_area(struct mlw_oid *out, struct mlw_odb *odb,
			 const char *dir)
{
	struct mlw_snapshot_opts so;
	struct stat st;
	uint64_t size;

	if (lstat(dir, &st))
		return mlw_error_errno("cannot collect '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return mlw_error_setc(MLW_EINVALID, "'%s' is no longer a "
				      "folder (a symbolic link is never "
				      "followed)", dir);
	memset(&so, 0, sizeof(so));
	return mlw_tree_write_dir(out, &size, odb, dir, &so);
}

struct artifact_walk {
	struct supervisor *sv;
	const char *prefix;
	int64_t nr;
};

/* one file of ./outputs or ./logs: an artifact PREFIX/PATH */
static int add_artifact(const char *path, const struct mlw_tree_entry *e,
			void *data)
{
	struct artifact_walk *w = data;
	char hex[MLW_OID_HEXSZ + 1];
	char *rel;
	int ret;

	if (e->mode == MLW_MODE_DIR)
		return 0;
	rel = mlw_xstrfmt("%s/%s", w->prefix, path);
	if (e->mode == MLW_MODE_LINK) {
		sv_log(w->sv, "warning: './%s' is a symbolic link; not "
		       "collected", rel);
		free(rel);
		return 0;
	}
	mlw_oid_to_hex(hex, &e->oid);
	ret = mlw_run_add_artifact(w->sv->cat, w->sv->run->id, rel, hex,
				   e->size);
	if (ret == MLW_EINVALID) {
		/* a name no download could write: the rest is collected */
		sv_log(w->sv, "warning: %s; not collected", mlw_error_last());
		mlw_error_clear();
		ret = 0;
	}
	w->nr += !ret;
	free(rel);
	return ret;
}

/*
 * What the job left in ./outputs and ./logs becomes the run's artifacts
 * outputs/... and logs/..., in one transaction, as Azure uploads them.
 */
static int collect_artifacts(struct supervisor *sv, const char *cwd)
{
	struct artifact_walk w = { sv, NULL, 0 };
	struct mlw_odb *odb;
	size_t i;
	int ret = mlw_repo_odb(&odb, sv->repo);

	if (!ret)
		ret = mlw_catalog_begin(sv->cat);
	for (i = 0; !ret && i < ARTIFACT_DIRS; i++) {
		char *dir = mlw_path_join(cwd, artifact_dirs[i]);
		struct mlw_oid tree;
		struct stat st;

		if (lstat(dir, &st) && errno == ENOENT) {
			free(dir);
			continue;
		}
		ret = snapshot_area(&tree, odb, dir);
		if (ret == MLW_EINVALID) {
			sv_log(sv, "warning: %s; not collected",
			       mlw_error_last());
			mlw_error_clear();
			ret = 0;
		} else if (!ret) {
			w.prefix = artifact_dirs[i];
			ret = mlw_tree_walk(odb, &tree, 1, add_artifact, &w);
		}
		free(dir);
	}
	if (!ret)
		ret = mlw_catalog_commit(sv->cat);
	else
		mlw_catalog_rollback(sv->cat);
	return ret;
}

/* ./outputs and ./logs that mlw made go, so a clean code copy is kept */
static void remove_artifact_dirs(const char *cwd, unsigned made)
{
	size_t i;

	for (i = 0; i < ARTIFACT_DIRS; i++) {
		char *dir;

		if (!(made & (1u << i)))
			continue;
		dir = mlw_path_join(cwd, artifact_dirs[i]);
		if (mlw_remove_tree(dir))
			mlw_error_clear();
		free(dir);
	}
}

static int collect_outputs(struct supervisor *sv, json_t *outs)
{
	struct mlw_odb *odb;
	size_t i;
	int ret = mlw_repo_odb(&odb, sv->repo);

	for (i = 0; !ret && i < json_array_size(outs); i++) {
		const char *name = json_string_value(json_array_get(outs, i));
		char *rel = mlw_xstrfmt("runs/%s/outputs/%s", sv->name, name);
		char *dir = mlw_repo_path(sv->repo, rel);
		char hex[MLW_OID_HEXSZ + 1];
		struct mlw_oid oid;

		ret = snapshot_area(&oid, odb, dir);
		if (!ret) {
			mlw_oid_to_hex(hex, &oid);
			ret = mlw_run_set_output_object(sv->cat, sv->run->id,
							name, hex);
		}
		free(rel);
		free(dir);
	}
	return ret;
}

int (*mlw_job_run_builtin)(int argc, const char **argv);

/*
 * Split a command into words as sh would, when it is nothing but words:
 * blanks separate them, quotes and backslashes quote.  Anything sh would
 * expand or interpret (an unquoted | & ; < > ( ) $ ` * ? [ ] { } or
 * newline, a word starting with # or ~, $ or ` inside double quotes, an
 * assignment first) makes it not simple: 0, and sh runs it.
 */
static int split_simple(struct mlw_strlist *out, const char *s)
{
	struct mlw_buf w = MLW_BUF_INIT;
	int in_word = 0, ok = 1;

	for (;;) {
		char c = *s;

		if (!c || c == ' ' || c == '\t') {
			if (in_word)
				mlw_strlist_push(out, w.buf);
			mlw_buf_reset(&w);
			in_word = 0;
			if (!c)
				break;
			s++;
		} else if (c == '\'') {
			const char *e = strchr(s + 1, '\'');

			if (!e) {
				ok = 0;
				break;
			}
			mlw_buf_add(&w, s + 1, (size_t)(e - s - 1));
			s = e + 1;
			in_word = 1;
		} else if (c == '"') {
			for (s++; ok && *s && *s != '"'; s++) {
				if (*s == '$' || *s == '`')
					ok = 0;
				else if (*s == '\\' && s[1] &&
					 strchr("\"\\", s[1]))
					s++;
				else if (*s == '\\')
					ok = 0;	/* \$, \` and \newline */
				mlw_buf_addch(&w, *s);
			}
			if (!ok || !*s) {
				ok = 0;
				break;
			}
			s++;
			in_word = 1;
		} else if (c == '\\') {
			if (!s[1] || s[1] == '\n') {
				ok = 0;
				break;
			}
			mlw_buf_addch(&w, s[1]);
			s += 2;
			in_word = 1;
		} else if (strchr("|&;<>()$`*?[]{}\n\r", c) ||
			   (!in_word && (c == '#' || c == '~')) ||
			   (c == '=' && !out->nr)) {
			ok = 0;
			break;
		} else {
			mlw_buf_addch(&w, c);
			s++;
			in_word = 1;
		}
	}
	mlw_buf_release(&w);
	return ok && out->nr;
}

/*
 * The environment of a command: this process's, with env's "K=V"
 * strings, then MLW_RUN_ID and MLW_DIR, set over it (later ones win, as
 * successive putenv(3) calls would).  Free with free_env().
 */
static char **command_env(json_t *env, const char *name, const char *dir)
{
	size_t nr_over = json_array_size(env) + 2, nr = 0, i, j, k;
	const char **over = mlw_calloc(nr_over, sizeof(*over));
	char **out;

	for (i = 0; i < json_array_size(env); i++)
		over[i] = json_string_value(json_array_get(env, i));
	over[i++] = mlw_xstrfmt("MLW_RUN_ID=%s", name);
	over[i++] = mlw_xstrfmt("MLW_DIR=%s", dir);
	while (environ[nr])
		nr++;
	out = mlw_calloc(nr + nr_over + 3, sizeof(*out));
	/* out[0] and out[1]: the two strings this function made */
	out[0] = (char *)over[nr_over - 2];
	out[1] = (char *)over[nr_over - 1];
	k = 2;
	for (i = 0; i < nr; i++) {
		size_t len = strcspn(environ[i], "=");

		for (j = 0; j < nr_over; j++)
			if (!strncmp(over[j], environ[i], len) &&
			    over[j][len] == '=')
				break;
		if (j == nr_over)
			out[k++] = environ[i];
	}
	for (i = nr_over; i-- > 0;) {
		size_t len = strcspn(over[i], "=");

		for (j = i + 1; j < nr_over; j++)
			if (!strncmp(over[j], over[i], len) &&
			    over[j][len] == '=')
				break;
		if (j == nr_over)
			out[k++] = (char *)over[i];
	}
	free(over);
	return out;
}

static void free_env(char **env)
{
	free(env[0]);
	free(env[1]);
	free(env);
}

/*
 * sh -c command in its own process group, in cwd, with output to out_fd
 * and stdin from /dev/null.  posix_spawn(3), not fork: glibc starts the
 * child with vfork semantics, so the supervisor's page tables are not
 * copied and its pages not made copy-on-write (a millisecond and more
 * of a short job).  Returns the pid, or -1 with errno set.
 */
static pid_t spawn_sh(const char *command, const char *cwd, int out_fd,
		      char **envp)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	char *argv[] = { "sh", "-c", (char *)command, NULL };
	pid_t pid;
	int err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawn_file_actions_addchdir_np(&fa, cwd);
	posix_spawnattr_init(&at);
	/* SIGPIPE is ignored here; exec keeps that, so reset it */
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGHUP);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETSIGMASK);
	err = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		errno = err;
		return -1;
	}
	return pid;
}

/* the run fails (or is canceled) for this reason, said in its log too */
static void sv_fail(struct supervisor *sv, enum mlw_run_status final,
		    char *why)
{
	free(sv->why);
	sv->why = why;
	sv->final = final;
}

/*
 * Open what the supervisor needs: the catalog, the run, the log, the
 * job's description; take SIGTERM (a cancel) and the like as requests
 * to stop.  Negative: the run cannot even be told (left to the reaper).
 */
static int sv_open(struct supervisor *sv, struct mlw_repo *repo,
		   const char *name, const char *desc)
{
	struct sigaction sa;
	const char *pattern;
	char *path;
	int ret;

	memset(sv, 0, sizeof(*sv));
	sv->repo = repo;
	sv->name = name;
	sv->log_fd = sv->pipefd[0] = sv->pipefd[1] = -1;
	sv->final = MLW_RUN_COMPLETED;
	mlw_buf_init(&sv->line, 0);
	ret = mlw_repo_catalog(&sv->cat, repo);
	if (!ret)
		ret = mlw_repo_odb(&sv->odb, repo);
	if (!ret)
		ret = mlw_run_get(&sv->run, sv->cat, name);
	if (ret)
		return ret;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	path = mlw_job_log_path(repo, name);
	sv->log_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	free(path);
	sv->job = desc ? json_loads(desc, 0, NULL) : NULL;
	if (!sv->job)
		ret = mlw_error_set("the description of job '%s' is unreadable",
				    name);
	if (ret || sv->log_fd < 0) {
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt("cannot start: %s",
							mlw_error_last()));
		return SV_FINISH;
	}
	sv->command = json_string_value(json_object_get(sv->job, "command"));
	sv->cwd = json_string_value(json_object_get(sv->job, "cwd"));
	sv->timeout = json_real_value(json_object_get(sv->job, "timeout"));
	pattern = json_string_value(json_object_get(sv->job,
						    "metrics_pattern"));
	if (pattern && mlw_pattern_new(&sv->pattern, pattern)) {
		sv_log(sv, "warning: metrics pattern: %s", mlw_error_last());
		mlw_error_clear();
	}
	return SV_GO;
}

/*
 * Queued -> Starting; a cancel that came first wins.  When no hook
 * listens for each change, Starting is written with Running, in one
 * transaction (its time is still taken now): a short job's transactions
 * were a good part of its time.  A cancel then comes as the signal it
 * always is to a live supervisor.
 */
static enum sv_next sv_starting(struct supervisor *sv)
{
	sv->status_hook = mlw_run_status_hook(sv->repo);
	sv->t_starting = mlw_now();
	if (sv->status_hook &&
	    mlw_run_set_status(sv->cat, sv->name, MLW_RUN_STARTING,
			       sv->t_starting))
		return SV_OUT;
	if (sv->status_hook)
		mlw_run_fire_hooks(sv->repo, sv->name);
	if (stop_signal) {
		sv_fail(sv, MLW_RUN_CANCELED, mlw_xstrfmt("canceled"));
		return SV_FINISH;
	}
	if (pipe2(sv->pipefd, O_CLOEXEC)) {
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt("cannot start: %s",
							strerror(errno)));
		return SV_FINISH;
	}
	return SV_GO;
}

/* the forked child of a built-in "mlw ..." command: it never returns */
static void sv_run_builtin(struct supervisor *sv) __attribute__((noreturn));
static void sv_run_builtin(struct supervisor *sv)
{
	json_t *env = json_object_get(sv->job, "env");
	int devnull = open("/dev/null", O_RDONLY);
	struct sigaction sa;
	size_t i;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	dup2(devnull, 0);
	dup2(sv->pipefd[1], 1);
	dup2(sv->pipefd[1], 2);
	close_range(3, ~0U, 0);
	for (i = 0; i < json_array_size(env); i++)
		putenv((char *)json_string_value(json_array_get(env, i)));
	setenv("MLW_RUN_ID", sv->name, 1);
	setenv("MLW_DIR", sv->repo->dir, 1);
	if (chdir(sv->cwd)) {
		fprintf(stderr, "mlw: cannot enter '%s': %s\n", sv->cwd,
			strerror(errno));
		_exit(126);
	}
	prctl(PR_SET_NAME, "mlw", 0, 0, 0);
	/* exit, not _exit: the command's output is flushed */
	exit(mlw_job_run_builtin((int)sv->words.nr,
				 (const char **)sv->words.items));
}

/*
 * Start the command: "mlw train ..." and the like run in a forked child
 * of this process, as git runs its builtins (no exec of sh, none of mlw,
 * no dynamic loading again); anything else under sh.  The child opens the
 * catalog for itself, so the supervisor's connection must not cross the
 * fork: it is closed and opened again after.  Negative when it cannot
 * be opened again (the run is then left to the reaper).
 */
static int sv_spawn(struct supervisor *sv)
{
	int builtin = mlw_job_run_builtin &&
		      split_simple(&sv->words, sv->command) &&
		      !strcmp(sv->words.items[0], "mlw");

	if (builtin) {
		mlw_catalog_free(sv->repo->catalog);
		sv->repo->catalog = sv->cat = NULL;
		sv->child = fork();
		if (!sv->child)
			sv_run_builtin(sv);
		if (mlw_repo_catalog(&sv->cat, sv->repo)) {
			if (sv->child > 0)
				kill(sv->child, SIGKILL);
			return MLW_ERROR;
		}
	} else {
		char **envp = command_env(json_object_get(sv->job, "env"),
					  sv->name, sv->repo->dir);

		sv->child = spawn_sh(sv->command, sv->cwd, sv->pipefd[1], envp);
		free_env(envp);
		if (sv->child < 0)
			sv_log(sv, "cannot run /bin/sh in '%s': %s", sv->cwd,
			       strerror(errno));
	}
	if (sv->child < 0) {
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt("cannot start: %s",
							strerror(errno)));
		return SV_FINISH;
	}
	setpgid(sv->child, sv->child);
	close(sv->pipefd[1]);
	sv->pipefd[1] = -1;
	return SV_GO;
}

/* the process group and Running: one transaction */
static void sv_running(struct supervisor *sv)
{
	int r, running;

	if (!mlw_catalog_begin(sv->cat)) {
		r = mlw_run_set_supervisor(sv->cat, sv->name, getpid(),
					   mlw_proc_start_time(getpid()),
					   sv->child);
		/* a cancel that came first keeps its status, not the pgid */
		running = !r && (sv->status_hook ||
				 !mlw_run_set_status(sv->cat, sv->name,
						     MLW_RUN_STARTING,
						     sv->t_starting)) &&
			  !mlw_run_set_status(sv->cat, sv->name,
					      MLW_RUN_RUNNING, mlw_now());
		mlw_error_clear();
		if (!r && !mlw_catalog_commit(sv->cat)) {
			if (running)
				mlw_run_fire_hooks(sv->repo, sv->name);
		} else {
			mlw_catalog_rollback(sv->cat);
		}
	}
	if (sv->timeout > 0)
		sv->deadline = mlw_now() + sv->timeout;
}

/*
 * A cancel (a signal to this process) and the timeout: the process group
 * gets SIGTERM, then SIGKILL five seconds later.  Returns how long the
 * next poll may wait, in milliseconds.
 */
static int sv_enforce(struct supervisor *sv, double *kill_at)
{
	double now;
	int wait_ms = 200;

	if (stop_signal && !*kill_at) {
		sv_fail(sv, MLW_RUN_CANCELED, mlw_xstrfmt("canceled"));
		kill(-sv->child, SIGTERM);
		*kill_at = mlw_now() + 5;
	}
	now = mlw_now();
	if (sv->deadline && now >= sv->deadline && !*kill_at) {
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt(
			"the job exceeded its timeout of %gs (limits.timeout) "
			"and was stopped", sv->timeout));
		sv_log(sv, "%s", sv->why);
		kill(-sv->child, SIGTERM);
		*kill_at = now + 5;
	}
	if (*kill_at && now >= *kill_at) {
		kill(-sv->child, SIGKILL);
		*kill_at = now + 3600;
	}
	if (sv->deadline && !*kill_at && (sv->deadline - now) * 1000 < wait_ms)
		wait_ms = (int)((sv->deadline - now) * 1000) + 1;
	return wait_ms;
}

/*
 * Copy the command's output to the log (and its metric lines to the
 * catalog) until it closes and the command has exited.
 */
static void sv_wait(struct supervisor *sv)
{
	double kill_at = 0;
	int exited = 0, eof = 0;

	while (!eof || !exited) {
		struct pollfd pfd = { sv->pipefd[0], POLLIN, 0 };
		int wait_ms = sv_enforce(sv, &kill_at);
		char buf[65536];

		if (eof) {
			/* output closed; wait for the process itself */
			if (waitpid(sv->child, &sv->wait_status, 0) ==
			    sv->child)
				exited = 1;
			continue;
		}
		if (poll(&pfd, 1, wait_ms) > 0) {
			ssize_t n = read(sv->pipefd[0], buf, sizeof(buf));

			if (n > 0) {
				mlw_write_all(sv->log_fd, buf, (size_t)n);
				if (sv->pattern)
					scan_output(sv, buf, (size_t)n);
			} else if (n == 0 || (errno != EINTR &&
					      errno != EAGAIN)) {
				eof = 1;
			}
		}
		if (!exited && waitpid(sv->child, &sv->wait_status, WNOHANG) ==
		    sv->child) {
			exited = 1;
			/* the run owns its processes: none outlives it */
			kill(-sv->child, SIGKILL);
		}
	}
	if (sv->line.len && sv->pattern) {
		scan_line(sv, sv->line.buf, sv->line.len);
		flush_metrics(sv);
	}
}

/* the command's exit: its code, and why the run failed if it did */
static void sv_exited(struct supervisor *sv)
{
	int status = sv->wait_status;

	if (WIFEXITED(status)) {
		sv->run->has_exit_code = 1;
		sv->run->exit_code = WEXITSTATUS(status);
		if (sv->run->exit_code && sv->final == MLW_RUN_COMPLETED)
			sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt(
				"the command exited with status %d%s",
				sv->run->exit_code, sv->run->exit_code == 127 ?
				" (command not found)" : ""));
	} else if (WIFSIGNALED(status)) {
		sv->run->has_exit_code = 1;
		sv->run->exit_code = 128 + WTERMSIG(status);
		if (sv->final == MLW_RUN_COMPLETED)
			sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt(
				"the command was killed by signal %d (%s)",
				WTERMSIG(status), strsignal(WTERMSIG(status))));
	}
	/* a timeout said so already */
	if (sv->why && sv->final == MLW_RUN_FAILED &&
	    (!sv->deadline || mlw_now() < sv->deadline))
		sv_log(sv, "%s", sv->why);
}

/*
 * Finalizing: the outputs and ./outputs, ./logs become objects, and named
 * outputs assets once the run has completed.  Finalizing is written with
 * the end when there is nothing to do and no hook listens.
 */
static void sv_collect(struct supervisor *sv)
{
	json_t *outs = json_object_get(sv->job, "outputs");
	json_t *reg = json_object_get(sv->job, "register");
	size_t i;
	int ret;

	sv->t_finalizing = mlw_now();
	if (sv->status_hook || json_array_size(outs))
		transition(sv, MLW_RUN_FINALIZING);
	else
		sv->finalizing_pending = 1;
	ret = collect_outputs(sv, outs);
	if (!ret)
		ret = collect_artifacts(sv, sv->cwd);
	if (ret) {
		sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt(
			"cannot collect outputs: %s", mlw_error_last()));
		sv_log(sv, "error: %s", sv->why);
	}
	for (i = 0; sv->final == MLW_RUN_COMPLETED &&
	     i < json_array_size(reg); i++) {
		json_t *r = json_array_get(reg, i);

		if (register_output(sv, r)) {
			sv_fail(sv, MLW_RUN_FAILED, mlw_xstrfmt(
				"cannot register output '%s': %s",
				json_string_value(json_object_get(r, "output")),
				mlw_error_last()));
			sv_log(sv, "error: %s", sv->why);
		}
	}
}

/*
 * The end: the log becomes an object, the run its final status (with
 * Finalizing when it was left for now); then notify_fd hears the status
 * and its reason, and the hooks run.
 */
static void sv_end(struct supervisor *sv, int notify_fd)
{
	char log_hex[MLW_OID_HEXSZ + 1] = "";
	char *path = mlw_job_log_path(sv->repo, sv->name);
	int in_txn = 0, ended;
	struct mlw_oid oid;
	uint64_t size;

	if (!mlw_odb_write_path(&oid, &size, sv->odb, path, MLW_OBJ_BLOB,
				MLW_ODB_WRITE))
		mlw_oid_to_hex(log_hex, &oid);
	free(path);
	if (sv->finalizing_pending && !mlw_catalog_begin(sv->cat)) {
		if (mlw_run_set_status(sv->cat, sv->name, MLW_RUN_FINALIZING,
				       sv->t_finalizing))
			mlw_error_clear();
		in_txn = 1;
	}
	ended = !mlw_run_finish(sv->cat, sv->name, sv->final, mlw_now(),
				sv->run->has_exit_code ? sv->run->exit_code :
				-1, sv->why, *log_hex ? log_hex : NULL);
	if (in_txn && ended && mlw_catalog_commit(sv->cat))
		ended = 0;
	if (in_txn && !ended)
		mlw_catalog_rollback(sv->cat);
	if (!ended)
		return;
	if (notify_fd >= 0) {
		char *m = mlw_xstrfmt("%s\n%s", mlw_run_status_name(sv->final),
				      sv->why ? sv->why : "");

		mlw_write_all(notify_fd, m, strlen(m));
		free(m);
	}
	mlw_run_fire_hooks(sv->repo, sv->name);
}

/* close what is open; the working area goes unless it is to be kept */
static void sv_close(struct supervisor *sv)
{
	if (sv->log_fd >= 0)
		close(sv->log_fd);
	if (sv->pipefd[0] >= 0)
		close(sv->pipefd[0]);
	if (sv->pipefd[1] >= 0)
		close(sv->pipefd[1]);
	if (!getenv("MLW_KEEP_WORKDIR") &&
	    !json_is_true(json_object_get(sv->job, "keep_workdir"))) {
		char *rel = mlw_xstrfmt("runs/%s", sv->name);
		char *dir = mlw_repo_path(sv->repo, rel);
		char *code = mlw_path_join(dir, "code");
		char *manifest = mlw_path_join(dir, "code.manifest");
		char *cache = mlw_repo_path(sv->repo, "cache/worktrees");

		remove_artifact_dirs(code, (unsigned)json_integer_value(
				     json_object_get(sv->job, "made_dirs")));
		/* a code copy the run left as it found it serves the next */
		mlw_wtcache_return(sv->odb, cache, code, manifest);
		free(cache);
		free(manifest);
		free(code);
		remove_workdir(sv->repo, dir);
		free(dir);
		free(rel);
	}
	mlw_strlist_release(&sv->words);
	mlw_pattern_free(sv->pattern);
	mlw_buf_release(&sv->line);
	mlw_run_free(sv->run);
	json_decref(sv->job);
	free(sv->why);
}

int mlw_job_supervise(struct mlw_repo *repo, const char *name,
		      const char *desc, int notify_fd)
{
	struct supervisor sv;
	int next = sv_open(&sv, repo, name, desc);

	if (next < 0) {
		mlw_run_free(sv.run);
		return next;
	}
	if (next == SV_GO)
		next = sv_starting(&sv);
	if (next == SV_GO)
		next = sv_spawn(&sv);
	if (next < 0)
		return next;	/* the next mlw command finds it gone */
	if (next == SV_GO) {
		sv_running(&sv);
		sv_wait(&sv);
		sv_exited(&sv);
		sv_collect(&sv);
	}
	if (next != SV_OUT)
		sv_end(&sv, notify_fd);
	sv_close(&sv);
	return 0;
}

int mlw_job_cancel(struct mlw_repo *repo, const char *name,
		   double wait_seconds)
{
	struct mlw_catalog *cat;
	struct mlw_run *run;
	double until = mlw_now() + wait_seconds;
	int ret = mlw_repo_catalog(&cat, repo);

	if (!ret)
		ret = mlw_run_get(&run, cat, name);
	if (ret)
		return ret;
	if (mlw_run_status_terminal(run->status)) {
		ret = mlw_error_setc(MLW_EEXISTS, "job '%s' has already ended "
				     "(%s)", name,
				     mlw_run_status_name(run->status));
		mlw_run_free(run);
		return ret;
	}
	if (run->supervisor_pid &&
	    mlw_proc_start_time(run->supervisor_pid) == run->supervisor_start &&
	    !kill((pid_t)run->supervisor_pid, SIGTERM)) {
		mlw_run_free(run);
		while (mlw_now() < until) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			ret = mlw_run_get(&run, cat, name);
			if (ret)
				return ret;
			if (mlw_run_status_terminal(run->status)) {
				mlw_run_free(run);
				return 0;
			}
			mlw_run_free(run);
			nanosleep(&ts, NULL);
		}
		return mlw_error_set("job '%s' did not stop within %gs", name,
				     wait_seconds);
	}
	/* no live supervisor: end it here */
	if (run->pgid > 1)
		kill(-(pid_t)run->pgid, SIGKILL);
	mlw_run_free(run);
	ret = mlw_run_finish(cat, name, MLW_RUN_CANCELED, mlw_now(), -1,
			     "canceled", NULL);
	if (!ret)
		mlw_run_fire_hooks(repo, name);
	return ret;
}
