/*
 * collect.c - outputs, artifacts and named outputs of a run into the
 * store; see collect.h.
 */
#include "run/collect.h"
#include "asset/asset.h"
#include "run/run.h"
#include "run/supervise.h"
#include "run/workdir.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "store/statcache.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/hook.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(const struct mlw_run_collector *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct mlw_run_collector *c, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	if (!c->say)
		return;
	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	c->say(b.buf, c->data);
	mlw_buf_release(&b);
}

/* snapshot a folder the job wrote, if it still is one (collect.h) */
static int snapshot_area(struct mlw_oid *out, struct mlw_odb *odb,
			 const char *dir, struct mlw_statcache *hints)
{
	struct mlw_snapshot_opts so;
	struct stat st;
	uint64_t size;
	char *abs;
	int ret;

	if (lstat(dir, &st))
		return mlw_error_errno("cannot collect '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return mlw_error_setc(MLW_EINVALID, "'%s' is no longer a "
				      "folder (a symbolic link is never "
				      "followed)", dir);
	memset(&so, 0, sizeof(so));
	/* what the run wrote is in the page cache, and a rerun writes the
	   same bytes again: compressed only when new */
	so.hash_first = 1;
	abs = hints ? realpath(dir, NULL) : NULL;
	if (abs) {
		mlw_statcache_attach(hints, &so, abs);
		so.record = NULL;	/* consulted, never written */
	}
	ret = mlw_tree_write_dir(out, &size, odb, dir, &so);
	free(abs);
	return ret;
}

struct artifact_walk {
	const struct mlw_run_collector *c;
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
		say(w->c, "warning: './%s' is a symbolic link; not collected",
		    rel);
		free(rel);
		return 0;
	}
	mlw_oid_to_hex(hex, &e->oid);
	ret = mlw_run_add_artifact(w->c->cat, w->c->run_id, rel, hex,
				   e->size);
	if (ret == MLW_EINVALID) {
		/* a name no download could write: the rest is collected */
		say(w->c, "warning: %s; not collected", mlw_error_last());
		mlw_error_clear();
		ret = 0;
	}
	w->nr += !ret;
	free(rel);
	return ret;
}

/* ./outputs and ./logs as trees, in trees[] (has[i]: it was there) */
static int snapshot_artifacts(const struct mlw_run_collector *c,
			      const char *cwd, struct mlw_oid *trees, int *has)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < MLW_ARTIFACT_DIRS; i++) {
		char *dir = mlw_path_join(cwd, mlw_artifact_dirs[i]);
		struct stat st;

		has[i] = 0;
		if (lstat(dir, &st) && errno == ENOENT) {
			free(dir);
			continue;
		}
		ret = snapshot_area(&trees[i], c->odb, dir, NULL);
		if (ret == MLW_EINVALID) {
			say(c, "warning: %s; not collected", mlw_error_last());
			mlw_error_clear();
			ret = 0;
		} else if (!ret) {
			has[i] = 1;
		}
		free(dir);
	}
	return ret;
}

/*
 * Every tree is written first, in one object batch: made durable at once
 * (the batch syncs its files together, then the folders naming them),
 * before the one transaction that records them.
 */
int mlw_run_collect(const struct mlw_run_collector *c,
		    const struct mlw_run_plan *plan, const char *cwd)
{
	char *workdir = mlw_job_workdir(c->repo, c->name);
	struct mlw_oid *outs = mlw_calloc(plan->nr_outputs + 1, sizeof(*outs));
	struct mlw_oid arts[MLW_ARTIFACT_DIRS];
	int has[MLW_ARTIFACT_DIRS] = { 0 };
	struct artifact_walk w = { c, NULL, 0 };
	size_t i, done = 0, nr_arts = 0;
	struct mlw_statcache *hints = NULL;
	int ret = 0, synced, rec;

	if (plan->nr_outputs) {
		char *path = mlw_job_hint_path(c->repo, c->name);

		if (!access(path, F_OK))
			mlw_statcache_open(&hints, path);
		free(path);
	}
	mlw_odb_batch_begin(c->odb);
	for (i = 0; !ret && i < plan->nr_outputs; i++) {
		char *dir = mlw_xstrfmt("%s/outputs/%s", workdir,
					plan->outputs[i].name);

		ret = snapshot_area(&outs[i], c->odb, dir, hints);
		done += !ret;
		free(dir);
	}
	mlw_statcache_free(hints);
	if (!ret)
		ret = snapshot_artifacts(c, cwd, arts, has);
	/* what was written is durable before any record names it */
	synced = mlw_odb_batch_commit(c->odb);
	free(workdir);
	for (i = 0; i < MLW_ARTIFACT_DIRS; i++)
		nr_arts += (size_t)has[i];
	if (synced || (!done && !nr_arts)) {
		free(outs);
		return synced ? synced : ret;
	}
	rec = mlw_catalog_begin(c->cat);
	for (i = 0; !rec && i < done; i++) {
		char hex[MLW_OID_HEXSZ + 1];

		mlw_oid_to_hex(hex, &outs[i]);
		rec = mlw_run_set_output_object(c->cat, c->run_id,
						plan->outputs[i].name, hex);
	}
	for (i = 0; !rec && i < MLW_ARTIFACT_DIRS; i++) {
		if (!has[i])
			continue;
		w.prefix = mlw_artifact_dirs[i];
		rec = mlw_tree_walk(c->odb, &arts[i], 1, add_artifact, &w);
	}
	if (!rec)
		rec = mlw_catalog_commit(c->cat);
	else
		mlw_catalog_rollback(c->cat);
	free(outs);
	return ret ? ret : rec;
}

static void asset_warn(const char *msg, void *data)
{
	say(data, "%s", msg);
}

/* a uri_file output: the one file the job wrote into its folder */
static void output_file(struct mlw_asset_spec *spec)
{
	DIR *d = opendir(spec->path);
	struct dirent *de;
	char *file = NULL;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' || (de->d_name[1] &&
		    strcmp(de->d_name, "..")))
			if (!file)
				file = mlw_path_join(spec->path, de->d_name);
	if (d)
		closedir(d);
	if (file) {
		free(spec->path);
		spec->path = file;
	}
}

/* the asset in one transaction, with a line in the operation log */
static int record_asset(const struct mlw_run_collector *c,
			struct mlw_asset **a, int *existed,
			struct mlw_asset_spec *spec,
			struct mlw_asset_content *content, const char *out)
{
	char *line = mlw_xstrfmt("job %s: register output %s", c->name, out);
	int ret = mlw_catalog_begin(c->cat);

	if (!ret)
		ret = mlw_asset_register(a, existed, c->cat, spec, content);
	if (!ret)
		ret = mlw_catalog_log(c->cat, "job", line);
	if (!ret)
		ret = mlw_catalog_commit(c->cat);
	else
		mlw_catalog_rollback(c->cat);
	free(line);
	return ret;
}

/* model-registered for a new model; a failing hook is a warning */
static void model_registered(const struct mlw_run_collector *c,
			     const struct mlw_asset *a)
{
	char *payload = mlw_asset_event_payload(a);
	int ran;

	if (mlw_hook_run(&ran, c->repo->dir, c->repo->worktree,
			 "model-registered", payload)) {
		say(c, "warning: %s", mlw_error_last());
		mlw_error_clear();
	}
	free(payload);
}

int mlw_run_register_output(const struct mlw_run_collector *c,
			    const struct mlw_run_plan_output *o)
{
	struct mlw_asset_content content;
	struct mlw_asset_spec spec;
	struct mlw_asset *a = NULL;
	char *rel;
	int ret, existed = 0;

	mlw_asset_spec_init(&spec, !strcmp(o->type, "custom_model") ||
			    !strcmp(o->type, "mlflow_model") ||
			    !strcmp(o->type, "triton_model") ?
			    MLW_ASSET_MODEL : MLW_ASSET_DATA);
	spec.name = mlw_strdup(o->asset_name);
	spec.version = o->asset_version ? mlw_strdup(o->asset_version) : NULL;
	spec.type = mlw_strdup(o->type);
	spec.job_name = mlw_strdup(c->name);
	rel = mlw_xstrfmt("runs/%s/outputs/%s", c->name, o->name);
	spec.path = mlw_repo_path(c->repo, rel);
	free(rel);
	if (!strcmp(o->type, "uri_file"))
		output_file(&spec);
	memset(&content, 0, sizeof(content));
	ret = mlw_asset_snapshot(&content, c->odb, NULL, &spec, asset_warn,
				 (void *)c);
	if (!ret) {
		/* recorded as where it came from, as "create --path" does */
		free(spec.path);
		spec.path = mlw_xstrfmt("azureml:jobs/%s/outputs/%s", c->name,
					o->name);
		free(content.path);
		content.path = mlw_strdup(spec.path);
		ret = record_asset(c, &a, &existed, &spec, &content, o->name);
	}
	if (!ret) {
		say(c, "registered %s '%s' version '%s' from output '%s'%s",
		    mlw_asset_kind_name(spec.kind), a->name, a->version,
		    o->name, existed ? " (already there with this content)" :
		    "");
		if (!existed && spec.kind == MLW_ASSET_MODEL)
			model_registered(c, a);
	}
	mlw_asset_free(a);
	mlw_asset_content_release(&content);
	mlw_asset_spec_release(&spec);
	return ret;
}
