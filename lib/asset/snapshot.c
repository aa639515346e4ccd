/*
 * snapshot.c - an asset's content into the object store; see
 * mlw_asset_snapshot() in asset.h.
 *
 * A local file becomes a blob and a folder a tree, through the stat cache
 * when the caller has one, inside one object-store batch so that many
 * small files are made durable together.  Remote URIs are recorded as
 * references, never fetched.  Each kind's content (enum
 * mlw_asset_content_kind) has its own function here.
 */
#include "asset/asset.h"
#include "asset/mlmodel.h"
#include "spec/ref.h"
#include "store/statcache.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/*
 * A path that names no local file or folder (after mlw_ref_is_remote()):
 * MLW_ENOTFOUND for a job's output, which is the run layer's to resolve
 * (its caller gives the content: service.h), MLW_EINVALID for any other
 * reference, or a URL whose scheme mlw does not know.  0 and *local for a
 * local path (file: and file:// taken off).
 */
static int path_of(char **local, const char *path)
{
	struct mlw_ref ref;
	int ret = mlw_ref_parse(&ref, path, NULL);

	*local = NULL;
	if (!ret && ref.kind == MLW_REF_JOB_OUTPUT)
		ret = mlw_error_setc(MLW_ENOTFOUND,
				     "no such job '%s' (in '%s')", ref.job,
				     path);
	else if (!ret && (ref.kind != MLW_REF_LOCAL ||
			  (strstr(path, "://") &&
			   !mlw_starts_with(path, "file://"))))
		ret = mlw_error_setc(MLW_EINVALID,
				     "unsupported path '%s' (a local file or folder, azureml:jobs/JOB/outputs/NAME, or a remote https://, wasbs://, abfss:// or azureml://datastores/ URI)",
				     path);
	else if (!ret)
		*local = mlw_strdup(ref.path);
	mlw_ref_release(&ref);
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

	for (t = mlw_asset_kind_info(kind)->types; *t; t++)
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
	char *local;
	struct stat st;
	int ret, is_dir;

	if (!path || !*path)
		return mlw_error_setc(MLW_EINVALID, "a %s asset needs a path",
				      mlw_asset_kind_name(spec->kind));
	if (mlw_ref_is_remote(path)) {
		out->reference = mlw_strdup(path);
		note(warn, data, "'%s' is recorded as a reference: mlw works offline and does not fetch it",
		     path);
		return 0;
	}
	ret = path_of(&local, path);
	if (ret)
		return ret;
	out->path = resolve_local(spec, local);
	free(local);
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
	const struct mlw_asset_kind_info *info = mlw_asset_kind_info(spec->kind);
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
	if (!info->types[0]) {
		if (type)
			return mlw_error_setc(MLW_EINVALID,
					      "%ss have no type", info->name);
	} else {
		if (!type)
			type = info->types[0];
		if (!type_ok(spec->kind, type))
			return mlw_error_setc(MLW_EINVALID,
					      "unknown %s type '%s'",
					      mlw_asset_kind_name(spec->kind),
					      type);
	}
	/* many small files: make them durable together, not one by one */
	mlw_odb_batch_begin(odb);
	switch (info->content) {
	case MLW_ASSET_CONTENT_ENVIRONMENT:
		ret = snapshot_env(out, odb, cache, spec, warn, data);
		break;
	case MLW_ASSET_CONTENT_PATH:
	default:
		ret = snapshot_path(out, odb, cache, spec, type, warn, data);
		break;
	}
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

