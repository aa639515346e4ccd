/*
 * asset.c - data, model and environment assets; see asset.h.
 *
 * One catalog table, assets, holds all three kinds (schema: migration 2
 * in store/catalog.c).  Tags, properties and environment variables are
 * JSON objects in TEXT columns: they are read and written whole, never
 * queried by key, and one row per asset keeps listing 10,000 assets a
 * single indexed scan.
 */
#include "asset/asset.h"
#include "asset/mlmodel.h"
#include "spec/ref.h"
#include "store/catalog.h"
#include "store/statcache.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- key=value lists ---- */

void mlw_asset_kvs_set(struct mlw_asset_kvs *kvs, const char *key,
		       const char *value)
{
	size_t i;

	for (i = 0; i < kvs->nr; i++)
		if (!strcmp(kvs->items[i].key, key)) {
			free(kvs->items[i].value);
			kvs->items[i].value = mlw_strdup(value);
			return;
		}
	MLW_ALLOC_GROW(kvs->items, kvs->nr + 1, kvs->alloc);
	kvs->items[kvs->nr].key = mlw_strdup(key);
	kvs->items[kvs->nr].value = mlw_strdup(value);
	kvs->nr++;
}

int mlw_asset_kvs_parse(struct mlw_asset_kvs *kvs, const char *arg,
			const char *what)
{
	const char *eq = strchr(arg, '=');
	char *key;

	if (!eq || eq == arg)
		return mlw_error_setc(MLW_EINVALID,
				      "%s '%s' is not KEY=VALUE", what, arg);
	key = mlw_strndup(arg, (size_t)(eq - arg));
	mlw_asset_kvs_set(kvs, key, eq + 1);
	free(key);
	return 0;
}

int mlw_asset_kvs_remove(struct mlw_asset_kvs *kvs, const char *key)
{
	size_t i;

	for (i = 0; i < kvs->nr; i++)
		if (!strcmp(kvs->items[i].key, key)) {
			free(kvs->items[i].key);
			free(kvs->items[i].value);
			memmove(kvs->items + i, kvs->items + i + 1,
				(kvs->nr - i - 1) * sizeof(*kvs->items));
			kvs->nr--;
			return 1;
		}
	return 0;
}

const char *mlw_asset_kvs_get(const struct mlw_asset_kvs *kvs,
			      const char *key)
{
	size_t i;

	for (i = 0; i < kvs->nr; i++)
		if (!strcmp(kvs->items[i].key, key))
			return kvs->items[i].value;
	return NULL;
}

void mlw_asset_kvs_release(struct mlw_asset_kvs *kvs)
{
	size_t i;

	for (i = 0; i < kvs->nr; i++) {
		free(kvs->items[i].key);
		free(kvs->items[i].value);
	}
	free(kvs->items);
	kvs->items = NULL;
	kvs->nr = kvs->alloc = 0;
}

static json_t *kvs_to_json(const struct mlw_asset_kvs *kvs)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < kvs->nr; i++)
		json_object_set_new(o, kvs->items[i].key,
				    json_string(kvs->items[i].value));
	return o;
}

static char *kvs_to_text(const struct mlw_asset_kvs *kvs)
{
	json_t *o = kvs_to_json(kvs);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	char *copy;

	json_decref(o);
	if (!s)
		BUG("cannot serialise key=value pairs");
	/* jansson's memory goes back to jansson; ours is ours */
	copy = mlw_strdup(s);
	free(s);
	return copy;
}

static int kvs_from_text(struct mlw_asset_kvs *out, const char *text,
			 const char *what)
{
	json_t *o, *v;
	const char *key;

	/* most assets have no tags: skip the parser */
	if (!text || !*text || !strcmp(text, "{}"))
		return 0;
	o = json_loads(text, 0, NULL);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return mlw_error_setc(MLW_ECORRUPT,
				      "catalog: %s of an asset is not a JSON object",
				      what);
	}
	json_object_foreach(o, key, v)
		mlw_asset_kvs_set(out, key, json_is_string(v) ?
				  json_string_value(v) : "");
	json_decref(o);
	return 0;
}

/* ---- specs ---- */

const char *mlw_asset_kind_name(enum mlw_asset_kind kind)
{
	switch (kind) {
	case MLW_ASSET_DATA:
		return "data";
	case MLW_ASSET_MODEL:
		return "model";
	case MLW_ASSET_ENVIRONMENT:
		return "environment";
	}
	BUG("unknown asset kind %d", (int)kind);
}

void mlw_asset_spec_init(struct mlw_asset_spec *spec, enum mlw_asset_kind kind)
{
	memset(spec, 0, sizeof(*spec));
	spec->kind = kind;
}

void mlw_asset_spec_release(struct mlw_asset_spec *spec)
{
	free(spec->name);
	free(spec->version);
	free(spec->path);
	free(spec->type);
	free(spec->description);
	mlw_asset_kvs_release(&spec->tags);
	mlw_asset_kvs_release(&spec->properties);
	free(spec->base_dir);
	free(spec->stage);
	free(spec->job_name);
	free(spec->flavors);
	free(spec->signature);
	free(spec->image);
	free(spec->conda_file);
	free(spec->conda_file_contents);
	free(spec->build_context);
	free(spec->dockerfile_path);
	mlw_asset_kvs_release(&spec->environment_variables);
	free(spec->inference_config);
	memset(spec, 0, sizeof(*spec));
}

static int word_ok(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (!n || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9');

		if (!alnum && (!i || !strchr("-_.", c)))
			return 0;
	}
	return 1;
}

int mlw_asset_name_ok(const char *name)
{
	return word_ok(name, 255);
}

int mlw_asset_version_ok(const char *version)
{
	return word_ok(version, 64);
}

const char *const *mlw_asset_types(enum mlw_asset_kind kind)
{
	static const char *const data[] = {
		"uri_folder", "uri_file", "mltable", NULL
	};
	static const char *const model[] = {
		"custom_model", "mlflow_model", "triton_model", NULL
	};
	static const char *const none[] = { NULL };

	switch (kind) {
	case MLW_ASSET_DATA:
		return data;
	case MLW_ASSET_MODEL:
		return model;
	default:
		return none;
	}
}

int mlw_asset_path_is_remote(const char *path)
{
	static const char *const schemes[] = {
		"https://", "http://", "wasbs://", "wasb://", "abfss://",
		"abfs://", "adl://", "azureml://datastores/", "s3://", "gs://",
		NULL
	};
	size_t i;

	for (i = 0; schemes[i]; i++)
		if (mlw_starts_with(path, schemes[i]))
			return 1;
	/* the spec layer's list: runs:/, azureml://subscriptions/... */
	return mlw_ref_is_remote(path);
}

void mlw_asset_content_release(struct mlw_asset_content *c)
{
	free(c->path);
	free(c->reference);
	free(c->flavors);
	free(c->signature);
	memset(c, 0, sizeof(*c));
}

/* ---- snapshots ---- */

static void note(void (*warn)(const char *, void *), void *data,
		 const char *fmt, const char *arg)
{
	char *msg;

	if (!warn)
		return;
	msg = mlw_xstrfmt(fmt, arg);
	warn(msg, data);
	free(msg);
}

/* "azureml:jobs/JOB/outputs/NAME": jobs are a later layer, so none exist */
static int job_output_path(const char *path)
{
	const char *p = path, *slash;
	char *job;
	int ret;

	if (mlw_starts_with(p, "azureml://jobs/"))
		p += strlen("azureml://jobs/");
	else
		p += strlen("azureml:jobs/");
	slash = strchr(p, '/');
	if (!slash || slash == p || !mlw_starts_with(slash, "/outputs/") ||
	    !slash[strlen("/outputs/")])
		return mlw_error_setc(MLW_EINVALID,
				      "'%s' is not azureml:jobs/JOB/outputs/NAME",
				      path);
	job = mlw_strndup(p, (size_t)(slash - p));
	ret = mlw_error_setc(MLW_ENOTFOUND, "no such job '%s' (in '%s')", job,
			     path);
	free(job);
	return ret;
}

static char *resolve_local(const struct mlw_asset_spec *spec, const char *path)
{
	char *joined, *abs;

	if (path[0] == '/' || !spec->base_dir)
		return mlw_path_absolute(path);
	joined = mlw_path_join(spec->base_dir, path);
	abs = mlw_path_absolute(joined);
	free(joined);
	return abs;
}

static int has_file(const char *dir, const char *name)
{
	char *p = mlw_path_join(dir, name);
	struct stat st;
	int ok = !stat(p, &st) && S_ISREG(st.st_mode);

	free(p);
	return ok;
}

static int stat_local(struct stat *st, const char *abs, const char *given,
		      const char *what)
{
	if (!stat(abs, st))
		return 0;
	if (errno == ENOENT || errno == ENOTDIR)
		return mlw_error_setc(MLW_ENOTFOUND,
				      "%s '%s' does not exist", what, given);
	return mlw_error_errno("cannot stat '%s'", given);
}

/*
 * Snapshot a file (blob) or folder (tree) at abs into hex, through the
 * stat cache when there is one.
 */
static int store_path(char *hex, struct mlw_asset_content *out,
		      struct mlw_odb *odb, struct mlw_statcache *cache,
		      const char *abs, int is_dir)
{
	struct mlw_oid oid;
	uint64_t size = 0;
	char *real = realpath(abs, NULL);
	int ret;

	if (!real)
		return mlw_error_errno("cannot resolve '%s'", abs);
	if (is_dir) {
		struct mlw_snapshot_opts sopts;

		memset(&sopts, 0, sizeof(sopts));
		mlw_statcache_attach(cache, &sopts, real);
		ret = mlw_tree_write_dir(&oid, &size, odb, real, &sopts);
		out->nr_files += sopts.nr_files;
		out->nr_cached += sopts.nr_cached;
		out->nr_hashed += sopts.nr_files - sopts.nr_cached;
	} else {
		int cached = 0;

		ret = mlw_statcache_write_file(&oid, &size, &cached, cache, odb,
					       real);
		if (!ret) {
			out->nr_files++;
			if (cached)
				out->nr_cached++;
			else
				out->nr_hashed++;
		}
	}
	free(real);
	if (ret)
		return ret;
	out->size += size;
	mlw_oid_to_hex(hex, &oid);
	return 0;
}

static int type_ok(enum mlw_asset_kind kind, const char *type)
{
	const char *const *t;

	for (t = mlw_asset_types(kind); *t; t++)
		if (!strcmp(*t, type))
			return 1;
	return 0;
}

static int snapshot_path(struct mlw_asset_content *out, struct mlw_odb *odb,
			 struct mlw_statcache *cache,
			 const struct mlw_asset_spec *spec, const char *type,
			 void (*warn)(const char *, void *), void *data)
{
	const char *path = spec->path;
	struct stat st;
	int ret, is_dir;

	if (!path || !*path)
		return mlw_error_setc(MLW_EINVALID, "a %s asset needs a path",
				      mlw_asset_kind_name(spec->kind));
	if (mlw_starts_with(path, "azureml:jobs/") ||
	    mlw_starts_with(path, "azureml://jobs/"))
		return job_output_path(path);
	if (mlw_asset_path_is_remote(path)) {
		out->reference = mlw_strdup(path);
		note(warn, data, "'%s' is recorded as a reference: mlw works offline and does not fetch it",
		     path);
		return 0;
	}
	if (mlw_starts_with(path, "azureml:") || strstr(path, "://"))
		return mlw_error_setc(MLW_EINVALID,
				      "unsupported path '%s' (a local file or folder, azureml:jobs/JOB/outputs/NAME, or a remote https://, wasbs://, abfss:// or azureml://datastores/ URI)",
				      path);
	if (mlw_starts_with(path, "file://"))
		path += strlen("file://");
	out->path = resolve_local(spec, path);
	ret = stat_local(&st, out->path, spec->path, "path");
	if (ret)
		return ret;
	is_dir = S_ISDIR(st.st_mode);
	if (!is_dir && !S_ISREG(st.st_mode))
		return mlw_error_setc(MLW_EINVALID,
				      "'%s' is neither a file nor a folder",
				      spec->path);
	if (!strcmp(type, "uri_file") && is_dir)
		return mlw_error_setc(MLW_EINVALID,
				      "type uri_file needs a file, but '%s' is a folder (use --type uri_folder)",
				      spec->path);
	if ((!strcmp(type, "uri_folder") || !strcmp(type, "mltable") ||
	     !strcmp(type, "mlflow_model") || !strcmp(type, "triton_model")) &&
	    !is_dir)
		return mlw_error_setc(MLW_EINVALID,
				      "type %s needs a folder, but '%s' is a file%s",
				      type, spec->path,
				      !strcmp(type, "uri_folder") ?
				      " (use --type uri_file)" : "");
	if (!strcmp(type, "mltable") && !has_file(out->path, "MLTable"))
		return mlw_error_setc(MLW_EINVALID,
				      "type mltable needs an MLTable file in '%s'",
				      spec->path);
	if (!strcmp(type, "mlflow_model") && !has_file(out->path, "MLmodel"))
		return mlw_error_setc(MLW_EINVALID,
				      "type mlflow_model needs an MLmodel file in '%s'",
				      spec->path);
	if (!strcmp(type, "mlflow_model")) {
		ret = mlw_mlmodel_read(&out->flavors, &out->signature,
				       out->path);
		if (ret)
			return ret;
	}
	return store_path(out->object, out, odb, cache, out->path, is_dir);
}

static int snapshot_env(struct mlw_asset_content *out, struct mlw_odb *odb,
			struct mlw_statcache *cache,
			const struct mlw_asset_spec *spec,
			void (*warn)(const char *, void *), void *data)
{
	struct stat st;
	char *abs;
	int ret = 0;

	if (!spec->image && !spec->build_context)
		return mlw_error_setc(MLW_EINVALID,
				      "an environment needs an image or a build context");
	if (spec->image && spec->build_context)
		return mlw_error_setc(MLW_EINVALID,
				      "give an image or a build context, not both");
	if (spec->conda_file && spec->conda_file_contents)
		BUG("conda file given both as a path and as contents");
	if (spec->conda_file_contents) {
		struct mlw_oid oid;

		ret = mlw_odb_write_buf(&oid, odb, spec->conda_file_contents,
					strlen(spec->conda_file_contents),
					MLW_OBJ_BLOB);
		if (ret)
			return ret;
		mlw_oid_to_hex(out->conda_file, &oid);
	} else if (spec->conda_file) {
		abs = resolve_local(spec, spec->conda_file);
		ret = stat_local(&st, abs, spec->conda_file, "conda file");
		if (!ret && !S_ISREG(st.st_mode))
			ret = mlw_error_setc(MLW_EINVALID,
					     "conda file '%s' is not a file",
					     spec->conda_file);
		if (!ret)
			ret = store_path(out->conda_file, out, odb, cache, abs,
					 0);
		free(abs);
		if (ret)
			return ret;
	}
	if (spec->build_context) {
		const char *dockerfile = spec->dockerfile_path ?
					 spec->dockerfile_path : "Dockerfile";

		out->path = resolve_local(spec, spec->build_context);
		ret = stat_local(&st, out->path, spec->build_context,
				 "build context");
		if (ret)
			return ret;
		if (!S_ISDIR(st.st_mode))
			return mlw_error_setc(MLW_EINVALID,
					      "build context '%s' is not a folder",
					      spec->build_context);
		if (dockerfile[0] == '/' || strstr(dockerfile, ".."))
			return mlw_error_setc(MLW_EINVALID,
					      "dockerfile path '%s' must stay inside the build context",
					      dockerfile);
		if (!has_file(out->path, dockerfile))
			return mlw_error_setc(MLW_EINVALID,
					      "build context '%s' has no '%s'",
					      spec->build_context, dockerfile);
		ret = store_path(out->build_context, out, odb, cache,
				 out->path, 1);
		if (ret)
			return ret;
	}
	note(warn, data, "%s is recorded as asked; local runs use this machine's own environment, not a container",
	     spec->image ? "the image" : "the build context");
	return 0;
}

int mlw_asset_snapshot(struct mlw_asset_content *out, struct mlw_odb *odb,
		       struct mlw_statcache *cache,
		       const struct mlw_asset_spec *spec,
		       void (*warn)(const char *msg, void *data), void *data)
{
	const char *type = spec->type;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!spec->name || !mlw_asset_name_ok(spec->name))
		return mlw_error_setc(MLW_EINVALID,
				      spec->name ? "invalid %s name '%s' (letters, digits, '-', '_', '.'; starting with a letter or digit)" :
				      "a %s asset needs a name%s",
				      mlw_asset_kind_name(spec->kind),
				      spec->name ? spec->name : "");
	if (spec->version && !mlw_asset_version_ok(spec->version))
		return mlw_error_setc(MLW_EINVALID,
				      "invalid version '%s' (letters, digits, '-', '_', '.')",
				      spec->version);
	if (spec->kind == MLW_ASSET_ENVIRONMENT) {
		if (type)
			return mlw_error_setc(MLW_EINVALID,
					      "environments have no type");
	} else {
		if (!type)
			type = mlw_asset_types(spec->kind)[0];
		if (!type_ok(spec->kind, type))
			return mlw_error_setc(MLW_EINVALID,
					      "unknown %s type '%s'",
					      mlw_asset_kind_name(spec->kind),
					      type);
	}
	/* many small files: make them durable together, not one by one */
	mlw_odb_batch_begin(odb);
	if (spec->kind == MLW_ASSET_ENVIRONMENT)
		ret = snapshot_env(out, odb, cache, spec, warn, data);
	else
		ret = snapshot_path(out, odb, cache, spec, type, warn, data);
	if (ret) {
		mlw_odb_batch_abort(odb);
		mlw_asset_content_release(out);
		return ret;
	}
	/* the batch's fsyncs can fail too: then nothing is stored either */
	ret = mlw_odb_batch_commit(odb);
	if (ret)
		mlw_asset_content_release(out);
	return ret;
}

/* ---- the catalog ---- */

#define COLUMNS "id, kind, name, version, type, path, object, reference," \
	" description, stage, job_name, flavors, signature, image," \
	" conda_file, build_context, dockerfile_path, inference_config," \
	" tags, properties, environment_variables, archived, created," \
	" updated"

static int db_error(sqlite3 *db, const char *what)
{
	int code = sqlite3_errcode(db);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return mlw_error_setc(MLW_ELOCKED,
				      "catalog: %s: still locked by another mlw process after waiting",
				      what);
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return mlw_error_setc(MLW_ECORRUPT, "catalog: %s: %s", what,
				      sqlite3_errmsg(db));
	return mlw_error_set("catalog: %s: %s", what, sqlite3_errmsg(db));
}

static int prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return db_error(db, "preparing query");
	return 0;
}

static char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? mlw_strdup((const char *)s) : NULL;
}

static enum mlw_asset_kind kind_from_name(const char *s)
{
	if (s && !strcmp(s, "model"))
		return MLW_ASSET_MODEL;
	if (s && !strcmp(s, "environment"))
		return MLW_ASSET_ENVIRONMENT;
	return MLW_ASSET_DATA;
}

static int row_to_asset(struct mlw_asset **out, sqlite3_stmt *st)
{
	struct mlw_asset *a = mlw_calloc(1, sizeof(*a));
	int ret;

	a->id = sqlite3_column_int64(st, 0);
	a->kind = kind_from_name((const char *)sqlite3_column_text(st, 1));
	a->name = col_str(st, 2);
	a->version = col_str(st, 3);
	a->type = col_str(st, 4);
	a->path = col_str(st, 5);
	a->object = col_str(st, 6);
	a->reference = col_str(st, 7);
	a->description = col_str(st, 8);
	a->stage = col_str(st, 9);
	a->job_name = col_str(st, 10);
	a->flavors = col_str(st, 11);
	a->signature = col_str(st, 12);
	a->image = col_str(st, 13);
	a->conda_file = col_str(st, 14);
	a->build_context = col_str(st, 15);
	a->dockerfile_path = col_str(st, 16);
	a->inference_config = col_str(st, 17);
	ret = kvs_from_text(&a->tags,
			    (const char *)sqlite3_column_text(st, 18), "tags");
	if (!ret)
		ret = kvs_from_text(&a->properties,
				    (const char *)sqlite3_column_text(st, 19),
				    "properties");
	if (!ret)
		ret = kvs_from_text(&a->environment_variables,
				    (const char *)sqlite3_column_text(st, 20),
				    "environment variables");
	a->archived = sqlite3_column_int(st, 21);
	a->created = sqlite3_column_double(st, 22);
	a->updated = sqlite3_column_double(st, 23);
	if (ret) {
		mlw_asset_free(a);
		return ret;
	}
	*out = a;
	return 0;
}

void mlw_asset_free(struct mlw_asset *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->version);
	free(a->type);
	free(a->path);
	free(a->object);
	free(a->reference);
	free(a->description);
	free(a->stage);
	free(a->job_name);
	free(a->flavors);
	free(a->signature);
	free(a->image);
	free(a->conda_file);
	free(a->build_context);
	free(a->dockerfile_path);
	free(a->inference_config);
	mlw_asset_kvs_release(&a->tags);
	mlw_asset_kvs_release(&a->properties);
	mlw_asset_kvs_release(&a->environment_variables);
	free(a);
}

static const char *kind_label(enum mlw_asset_kind kind)
{
	return kind == MLW_ASSET_DATA ? "data asset" : mlw_asset_kind_name(kind);
}

/* one row, or MLW_ENOTFOUND (message set) */
static int get_one(struct mlw_asset **out, sqlite3 *db, sqlite3_stmt *st,
		   enum mlw_asset_kind kind, const char *name,
		   const char *version)
{
	int rc = sqlite3_step(st), ret;

	if (rc == SQLITE_ROW)
		ret = row_to_asset(out, st);
	else if (rc != SQLITE_DONE)
		ret = db_error(db, "reading an asset");
	else if (version)
		ret = mlw_error_setc(MLW_ENOTFOUND, "%s '%s' has no version '%s'",
				     kind_label(kind), name, version);
	else
		ret = mlw_error_setc(MLW_ENOTFOUND, "%s '%s' not found",
				     kind_label(kind), name);
	sqlite3_finalize(st);
	return ret;
}

static int name_exists(sqlite3 *db, enum mlw_asset_kind kind,
		       const char *name, int *archived_only)
{
	sqlite3_stmt *st;
	int ret = prepare(db, &st, "SELECT COUNT(*), SUM(archived = 0)"
			  " FROM assets WHERE kind = ? AND name = ?");
	int n = 0;

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, mlw_asset_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int(st, 0);
		if (archived_only)
			*archived_only = n && !sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	return n;
}

int mlw_asset_get(struct mlw_asset **out, struct mlw_catalog *cat,
		  enum mlw_asset_kind kind, const char *name,
		  const char *version)
{
	sqlite3 *db = mlw_catalog_db(cat);
	sqlite3_stmt *st;
	int ret, archived_only = 0;

	ret = prepare(db, &st, version ?
		      "SELECT " COLUMNS " FROM assets WHERE kind = ?"
		      " AND name = ? AND version = ?" :
		      "SELECT " COLUMNS " FROM assets WHERE kind = ?"
		      " AND name = ? AND archived = 0 ORDER BY id DESC LIMIT 1");
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, mlw_asset_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (version)
		sqlite3_bind_text(st, 3, version, -1, SQLITE_TRANSIENT);
	ret = get_one(out, db, st, kind, name, version);
	if (ret == MLW_ENOTFOUND && !version &&
	    name_exists(db, kind, name, &archived_only) > 0 && archived_only)
		ret = mlw_error_setc(MLW_ENOTFOUND,
				     "every version of %s '%s' is archived (see 'list --include-archived')",
				     kind_label(kind), name);
	return ret;
}

int mlw_asset_ref_parse(char **name_out, char **version_out, const char *ref)
{
	const char *p = ref, *sep;

	if (mlw_starts_with(p, "azureml:") && !mlw_starts_with(p, "azureml://"))
		p += strlen("azureml:");
	*name_out = *version_out = NULL;
	sep = strpbrk(p, "@:");
	if (!sep) {
		*name_out = mlw_strdup(p);
	} else if (*sep == '@') {
		if (strcmp(sep, "@latest"))
			return mlw_error_setc(MLW_EINVALID,
					      "'%s': the only label is @latest",
					      ref);
		*name_out = mlw_strndup(p, (size_t)(sep - p));
	} else {
		*name_out = mlw_strndup(p, (size_t)(sep - p));
		*version_out = mlw_strdup(sep + 1);
	}
	if (!mlw_asset_name_ok(*name_out) ||
	    (*version_out && !mlw_asset_version_ok(*version_out))) {
		free(*name_out);
		free(*version_out);
		*name_out = *version_out = NULL;
		return mlw_error_setc(MLW_EINVALID,
				      "'%s' is not NAME, NAME@latest or NAME:VERSION",
				      ref);
	}
	return 0;
}

static int next_version(char **out, sqlite3 *db, enum mlw_asset_kind kind,
			const char *name)
{
	sqlite3_stmt *st;
	int ret = prepare(db, &st, "SELECT MAX(version_num) FROM assets"
			  " WHERE kind = ? AND name = ?");
	sqlite3_int64 max = 0;

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, mlw_asset_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		ret = db_error(db, "finding the next version");
	} else {
		max = sqlite3_column_int64(st, 0);
		*out = mlw_xstrfmt("%lld", (long long)max + 1);
	}
	sqlite3_finalize(st);
	return ret;
}

/* the integer value of a version such as "12" (for ordering), or -1 */
static int64_t version_number(const char *v)
{
	int64_t n;

	if (!*v || (v[0] == '0' && v[1]) || strspn(v, "0123456789") != strlen(v) ||
	    strlen(v) > 18 || mlw_parse_i64(&n, v, "version"))
		return -1;
	return n;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static const char *or_empty(const char *s)
{
	return s && *s ? s : NULL;
}

/* what identifies the content of an asset, for messages */
static const char *content_id(const char *object, const char *reference,
			      const char *conda, const char *context,
			      const char *image)
{
	if (or_empty(object))
		return object;
	if (or_empty(reference))
		return reference;
	if (or_empty(context))
		return context;
	if (or_empty(image))
		return image;
	return or_empty(conda) ? conda : "(none)";
}

static int same_content(const struct mlw_asset *a,
			const struct mlw_asset_spec *spec, const char *type,
			const struct mlw_asset_content *c)
{
	if (!same_str(a->type, type))
		return 0;
	if (spec->kind == MLW_ASSET_ENVIRONMENT)
		return same_str(a->image, spec->image) &&
		       same_str(a->conda_file, or_empty(c->conda_file)) &&
		       same_str(a->build_context, or_empty(c->build_context));
	return same_str(a->object, or_empty(c->object)) &&
	       same_str(a->reference, c->reference);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int mlw_asset_register(struct mlw_asset **out, int *existed,
		       struct mlw_catalog *cat,
		       const struct mlw_asset_spec *spec,
		       const struct mlw_asset_content *c)
{
	sqlite3 *db = mlw_catalog_db(cat);
	const char *type = spec->type;
	char *version = NULL, *tags, *props, *envs = NULL;
	struct mlw_asset *old = NULL;
	sqlite3_stmt *st;
	int64_t num;
	double now = mlw_now();
	int ret;

	*existed = 0;
	if (!type && spec->kind != MLW_ASSET_ENVIRONMENT)
		type = mlw_asset_types(spec->kind)[0];
	if (spec->version) {
		ret = mlw_asset_get(&old, cat, spec->kind, spec->name,
				    spec->version);
		if (!ret) {
			if (same_content(old, spec, type, c)) {
				*existed = 1;
				*out = old;
				return 0;
			}
			ret = mlw_error_setc(MLW_EEXISTS,
					     "%s '%s' version '%s' already exists with content %s%s%s; this is %s%s%s (a version is immutable: give another --version, or none for the next one)",
					     kind_label(spec->kind), spec->name,
					     spec->version,
					     content_id(old->object, old->reference,
							old->conda_file,
							old->build_context,
							old->image),
					     same_str(old->type, type) ? "" : " of type ",
					     same_str(old->type, type) ? "" : old->type,
					     content_id(c->object, c->reference,
							c->conda_file,
							c->build_context,
							spec->image),
					     same_str(old->type, type) ? "" : " of type ",
					     same_str(old->type, type) ? "" : type);
			mlw_asset_free(old);
			return ret;
		}
		if (ret != MLW_ENOTFOUND)
			return ret;
		mlw_error_clear();
		version = mlw_strdup(spec->version);
	} else {
		ret = next_version(&version, db, spec->kind, spec->name);
		if (ret)
			return ret;
	}
	num = version_number(version);
	tags = kvs_to_text(&spec->tags);
	props = kvs_to_text(&spec->properties);
	if (spec->kind == MLW_ASSET_ENVIRONMENT)
		envs = kvs_to_text(&spec->environment_variables);
	ret = prepare(db, &st, "INSERT INTO assets (kind, name, version,"
		      " version_num, type, path, object, reference, description,"
		      " stage, job_name, flavors, signature, image, conda_file,"
		      " build_context, dockerfile_path, inference_config, tags,"
		      " properties, environment_variables, archived, created,"
		      " updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		      " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
		      " ?21, 0, ?22, ?22)");
	if (!ret) {
		sqlite3_bind_text(st, 1, mlw_asset_kind_name(spec->kind), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 2, spec->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, version, -1, SQLITE_TRANSIENT);
		if (num >= 0)
			sqlite3_bind_int64(st, 4, num);
		else
			sqlite3_bind_null(st, 4);
		bind_opt(st, 5, type);
		bind_opt(st, 6, c->path);
		bind_opt(st, 7, or_empty(c->object));
		bind_opt(st, 8, c->reference);
		bind_opt(st, 9, spec->description);
		bind_opt(st, 10, spec->stage);
		bind_opt(st, 11, spec->job_name);
		bind_opt(st, 12, c->flavors ? c->flavors : spec->flavors);
		bind_opt(st, 13, c->flavors ? c->signature : spec->signature);
		bind_opt(st, 14, spec->image);
		bind_opt(st, 15, or_empty(c->conda_file));
		bind_opt(st, 16, or_empty(c->build_context));
		bind_opt(st, 17, spec->build_context ?
			 (spec->dockerfile_path ? spec->dockerfile_path :
			  "Dockerfile") : NULL);
		bind_opt(st, 18, spec->inference_config);
		bind_opt(st, 19, tags);
		bind_opt(st, 20, props);
		bind_opt(st, 21, envs);
		sqlite3_bind_double(st, 22, now);
		if (sqlite3_step(st) != SQLITE_DONE)
			ret = db_error(db, "recording the asset");
		sqlite3_finalize(st);
	}
	free(tags);
	free(props);
	free(envs);
	if (!ret)
		ret = mlw_asset_get(out, cat, spec->kind, spec->name, version);
	free(version);
	return ret;
}

static const char *archived_filter(int flags, int inner)
{
	if (flags & MLW_ASSET_LIST_ARCHIVED_ONLY)
		return inner ? "b.archived = 1" : "a.archived = 1";
	if (flags & MLW_ASSET_LIST_INCLUDE_ARCHIVED)
		return "1";
	return inner ? "b.archived = 0" : "a.archived = 0";
}

int mlw_asset_list(struct mlw_catalog *cat, enum mlw_asset_kind kind,
		   const char *name, int flags, int64_t max, mlw_asset_fn fn,
		   void *data)
{
	sqlite3 *db = mlw_catalog_db(cat);
	sqlite3_stmt *st;
	char *sql;
	int ret, rc;
	int64_t rows = 0;

	if (name)
		sql = mlw_xstrfmt("SELECT " COLUMNS " FROM assets a"
				  " WHERE kind = ?1 AND name = ?2 AND %s"
				  " ORDER BY id LIMIT ?3",
				  archived_filter(flags, 0));
	else
		/* one row per name: its newest version that passes */
		sql = mlw_xstrfmt("SELECT " COLUMNS " FROM assets a"
				  " WHERE kind = ?1 AND %s AND id ="
				  " (SELECT MAX(b.id) FROM assets b"
				  "  WHERE b.kind = a.kind AND b.name = a.name"
				  "  AND %s)"
				  " ORDER BY name LIMIT ?3",
				  archived_filter(flags, 0),
				  archived_filter(flags, 1));
	ret = prepare(db, &st, sql);
	free(sql);
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, mlw_asset_kind_name(kind), -1, SQLITE_STATIC);
	if (name)
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, max > 0 ? max : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mlw_asset *a;

		ret = row_to_asset(&a, st);
		if (ret)
			break;
		rows++;
		ret = fn(a, data);
		mlw_asset_free(a);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_error(db, "listing assets");
	sqlite3_finalize(st);
	if (!ret && name && !rows && name_exists(db, kind, name, NULL) == 0)
		ret = mlw_error_setc(MLW_ENOTFOUND, "%s '%s' not found",
				     kind_label(kind), name);
	return ret;
}

int mlw_asset_update(struct mlw_asset **out, struct mlw_catalog *cat,
		     enum mlw_asset_kind kind, const char *name,
		     const char *version, const char *description,
		     const struct mlw_asset_kvs *set_tags,
		     const struct mlw_strlist *remove_tags, const char *stage)
{
	sqlite3 *db = mlw_catalog_db(cat);
	struct mlw_asset *a;
	sqlite3_stmt *st;
	char *tags;
	size_t i;
	int ret = mlw_asset_get(&a, cat, kind, name, version);

	if (ret)
		return ret;
	if (description) {
		free(a->description);
		a->description = mlw_strdup(description);
	}
	if (stage) {
		free(a->stage);
		a->stage = mlw_strdup(stage);
	}
	for (i = 0; remove_tags && i < remove_tags->nr; i++)
		if (!mlw_asset_kvs_remove(&a->tags, remove_tags->items[i])) {
			ret = mlw_error_setc(MLW_EINVALID,
					     "%s '%s:%s' has no tag '%s'",
					     kind_label(kind), a->name,
					     a->version, remove_tags->items[i]);
			mlw_asset_free(a);
			return ret;
		}
	for (i = 0; set_tags && i < set_tags->nr; i++)
		mlw_asset_kvs_set(&a->tags, set_tags->items[i].key,
				  set_tags->items[i].value);
	tags = kvs_to_text(&a->tags);
	ret = prepare(db, &st, "UPDATE assets SET description = ?, tags = ?,"
		      " stage = ?, updated = ? WHERE id = ?");
	if (!ret) {
		bind_opt(st, 1, a->description);
		bind_opt(st, 2, tags);
		bind_opt(st, 3, a->stage);
		sqlite3_bind_double(st, 4, mlw_now());
		sqlite3_bind_int64(st, 5, a->id);
		if (sqlite3_step(st) != SQLITE_DONE)
			ret = db_error(db, "updating the asset");
		sqlite3_finalize(st);
	}
	free(tags);
	if (!ret) {
		char *v = mlw_strdup(a->version);

		mlw_asset_free(a);
		ret = mlw_asset_get(out, cat, kind, name, v);
		free(v);
	} else {
		mlw_asset_free(a);
	}
	return ret;
}

int mlw_asset_set_archived(struct mlw_catalog *cat, enum mlw_asset_kind kind,
			   const char *name, const char *version,
			   int archived)
{
	sqlite3 *db = mlw_catalog_db(cat);
	struct mlw_asset *a;
	sqlite3_stmt *st;
	int ret;

	if (version) {
		ret = mlw_asset_get(&a, cat, kind, name, version);
		if (ret)
			return ret;
		mlw_asset_free(a);
	} else if (name_exists(db, kind, name, NULL) <= 0) {
		return mlw_error_setc(MLW_ENOTFOUND, "%s '%s' not found",
				      kind_label(kind), name);
	}
	ret = prepare(db, &st, version ?
		      "UPDATE assets SET archived = ?1, updated = ?2"
		      " WHERE kind = ?3 AND name = ?4 AND version = ?5"
		      " AND archived != ?1" :
		      "UPDATE assets SET archived = ?1, updated = ?2"
		      " WHERE kind = ?3 AND name = ?4 AND archived != ?1");
	if (ret)
		return ret;
	sqlite3_bind_int(st, 1, archived ? 1 : 0);
	sqlite3_bind_double(st, 2, mlw_now());
	sqlite3_bind_text(st, 3, mlw_asset_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, name, -1, SQLITE_TRANSIENT);
	if (version)
		sqlite3_bind_text(st, 5, version, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = db_error(db, archived ? "archiving" : "restoring");
	sqlite3_finalize(st);
	return ret;
}

/* ---- download ---- */

static int restore_blob(struct mlw_odb *odb, const struct mlw_oid *oid,
			const char *dest)
{
	struct mlw_odb_reader *rd;
	char *tmp = mlw_xstrfmt("%s.mlw-tmp", dest), *buf;
	long n;
	int fd, ret;

	ret = mlw_odb_reader_open(&rd, odb, oid);
	if (ret == MLW_ENOTFOUND)
		ret = mlw_error_recode(MLW_ECORRUPT);
	if (ret) {
		free(tmp);
		return ret;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0666);
	if (fd < 0) {
		ret = mlw_error_errno("cannot create '%s'", tmp);
		mlw_odb_reader_free(rd);
		free(tmp);
		return ret;
	}
	mlw_tempfile_register(tmp);
	buf = mlw_malloc(1u << 20);
	while ((n = mlw_odb_read(rd, buf, 1u << 20)) > 0)
		if (mlw_write_all(fd, buf, (size_t)n) < 0) {
			ret = mlw_error_errno("cannot write '%s'", tmp);
			break;
		}
	/* the reader verified the content's hash when it reached the end */
	if (n < 0)
		ret = (int)n;
	free(buf);
	mlw_odb_reader_free(rd);
	if (close(fd) < 0 && !ret)
		ret = mlw_error_errno("cannot write '%s'", tmp);
	if (!ret && rename(tmp, dest) < 0)
		ret = mlw_error_errno("cannot rename '%s' to '%s'", tmp, dest);
	if (ret)
		unlink(tmp);
	mlw_tempfile_unregister(tmp);
	free(tmp);
	return ret;
}

int mlw_asset_download(char **path_out, struct mlw_odb *odb,
		       const struct mlw_asset *a, const char *dir)
{
	enum mlw_object_type type;
	struct mlw_oid oid;
	uint64_t size;
	char *dest, *file, *base;
	struct stat st;
	int ret;

	if (!a->object)
		return mlw_error_setc(MLW_EINVALID,
				      "%s '%s:%s' is a reference to '%s': mlw works offline and stores nothing to download",
				      kind_label(a->kind), a->name, a->version,
				      a->reference ? a->reference : "(none)");
	ret = mlw_oid_from_hex(&oid, a->object);
	if (!ret)
		ret = mlw_odb_info(&type, &size, odb, &oid);
	if (ret == MLW_ENOTFOUND || ret == MLW_EINVALID)
		ret = mlw_error_setc(MLW_ECORRUPT,
				     "%s '%s:%s': object %s is missing from the store",
				     kind_label(a->kind), a->name, a->version,
				     a->object);
	if (ret)
		return ret;
	/* names never hold '/' or start with '.', so dest stays under dir */
	dest = mlw_path_join(dir, a->name);
	if (type == MLW_OBJ_TREE) {
		ret = mlw_tree_checkout(odb, &oid, dest, 0);
		if (ret == MLW_EINVALID)
			ret = mlw_error_recode(MLW_EEXISTS);
		if (ret) {
			free(dest);
			return ret;
		}
		*path_out = dest;
		return 0;
	}
	if (!stat(dest, &st)) {
		ret = S_ISDIR(st.st_mode) ? mlw_dir_is_empty(dest) : 0;
		if (ret <= 0) {
			if (!ret)
				ret = mlw_error_setc(MLW_EEXISTS,
						     "'%s' exists and is not an empty folder",
						     dest);
			free(dest);
			return ret;
		}
	} else {
		ret = mlw_mkdir_p(dest, 0777);
		if (ret) {
			free(dest);
			return ret;
		}
	}
	base = a->path ? strrchr(a->path, '/') : NULL;
	base = base && base[1] ? base + 1 : a->name;
	file = mlw_path_join(dest, base);
	free(dest);
	ret = restore_blob(odb, &oid, file);
	if (ret) {
		free(file);
		return ret;
	}
	*path_out = file;
	return 0;
}

/* ---- events ---- */

char *mlw_asset_event_payload(const struct mlw_asset *a)
{
	json_t *o = json_object();
	char *s, *copy;

	json_object_set_new(o, "ModelName", json_string(a->name));
	json_object_set_new(o, "ModelVersion", json_string(a->version));
	json_object_set_new(o, "ModelTags", kvs_to_json(&a->tags));
	json_object_set_new(o, "ModelProperties", kvs_to_json(&a->properties));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		BUG("cannot serialise an event payload");
	copy = mlw_strdup(s);
	free(s);
	return copy;
}
