/*
 * versions.c - MLflow's model versions (create, get, update, delete,
 * tags, stage transitions, download URI) as an mlw model asset's
 * versions, and registered models' aliases.
 */
#include "tracking/registry.h"
#include "asset/asset.h"
#include "asset/service.h"
#include "run/tracking.h"
#include "spec/ref.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>


/* --- versions */

/* the version the request names, live, into *a: 0 or an answer */
static int find_version(struct call *c, struct mlw_asset **a)
{
	const char *name, *version;
	int ret;

	*a = NULL;
	if (need_str(c, "name", &name) || need_str(c, "version", &version) ||
	    call_catalog(c))
		return -1;
	if (mlw_name_check(MLW_NAME_ASSET, name) ||
	    !mlw_asset_version_ok(version))
		ret = MLW_ENOTFOUND;
	else
		ret = mlw_asset_get(a, c->cat, MLW_ASSET_MODEL, name, version);
	if (!ret && (*a)->archived) {
		mlw_asset_free(*a);
		*a = NULL;
		ret = MLW_ENOTFOUND;
	}
	if (ret == MLW_ENOTFOUND)
		return reply_error(c, "RESOURCE_DOES_NOT_EXIST",
				   "Model Version (name=%s, version=%s) not "
				   "found", name, version);
	return ret ? reply_fail(c, ret) : 0;
}

/* answer {key: ModelVersion} for a */
static void reply_version(struct call *c, const struct mlw_asset *a)
{
	json_t *aliases;
	int ret = model_aliases(c, &aliases, a->name);

	if (ret) {
		reply_fail(c, ret);
		return;
	}
	reply(c, json_pack("{s:o}", "model_version",
			   version_json(a, aliases)));
	json_decref(aliases);
}

/* the same version read again after a change in the call */
static void reply_version_again(struct call *c, const char *name,
				const char *version)
{
	struct mlw_asset *a;
	int ret = mlw_asset_get(&a, c->cat, MLW_ASSET_MODEL, name, version);

	if (ret) {
		reply_fail(c, ret);
		return;
	}
	reply_version(c, a);
	mlw_asset_free(a);
}

/* The content of a version made from a run's artifacts. */
struct checkout {
	struct mlw_odb *odb;
	const char *prefix;	/* the folder or file in the run */
	const char *dir;	/* written under it */
	size_t nr;
};

static int checkout_one(const char *path, const char *hex, uint64_t size,
			void *data)
{
	struct checkout *k = data;
	size_t plen = strlen(k->prefix);
	const char *rest = path + plen;
	struct mlw_oid oid;
	char *dest, *slash;
	int ret;

	if (plen && *rest == '/')
		rest++;
	else if (plen && !*rest)	/* the prefix is a file */
		rest = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (mlw_name_check_path("artifact", rest) ||
	    mlw_oid_from_hex(&oid, hex))
		return mlw_error_setc(MLW_ECORRUPT, "artifact '%s' of the run "
				      "is not valid", path);
	dest = mlw_path_join(k->dir, rest);
	slash = strrchr(dest, '/');
	*slash = '\0';
	ret = mlw_mkdir_p(dest, 0777);
	*slash = '/';
	if (!ret)
		ret = mlw_asset_checkout(k->odb, &oid, dest);
	free(dest);
	k->nr++;
	(void)size;
	return ret;
}

/*
 * A run's artifacts named by source, "runs:/RUN[/PATH]" or
 * "mlflow-artifacts:[//HOST]/EXP/RUN/artifacts[/PATH]": *run and *path
 * (the caller's), 1; 0 for another kind of source; -1 answered.
 */
static int run_source(struct call *c, const char *source, char **run,
		      char **path)
{
	const char *p, *slash;

	*run = *path = NULL;
	if (!strncmp(source, "runs:/", 6)) {
		p = source + 6;
		slash = strchr(p, '/');
		*run = slash ? mlw_strndup(p, (size_t)(slash - p)) :
		       mlw_strdup(p);
		*path = mlw_strdup(slash ? slash + 1 : "");
	} else if (!strncmp(source, "mlflow-artifacts:", 17)) {
		p = source + 17;
		if (!strncmp(p, "//", 2))
			p = strchr(p + 2, '/') ? strchr(p + 2, '/') : "";
		if (*p == '/')
			p++;
		p = strchr(p, '/');	/* after EXP */
		slash = p ? strchr(p + 1, '/') : NULL;
		if (!slash || strncmp(slash, "/artifacts", 10) ||
		    (slash[10] && slash[10] != '/'))
			return reply_error(c, "INVALID_PARAMETER_VALUE",
					   "source '%s' is not a run's "
					   "artifacts", source);
		*run = mlw_strndup(p + 1, (size_t)(slash - p - 1));
		*path = mlw_strdup(slash[10] ? slash + 11 : "");
	} else {
		return 0;
	}
	while (**path && (*path)[strlen(*path) - 1] == '/')
		(*path)[strlen(*path) - 1] = '\0';
	if (**path && mlw_name_check_path("source path", *path)) {
		free(*run);
		free(*path);
		*run = *path = NULL;
		return reply_fail(c, MLW_EINVALID);
	}
	return 1;
}

/* the run's artifacts under path, restored under dir/content */
static int restore_run(struct call *c, int64_t rid, const char *path,
		       const char *dir, char **content)
{
	struct checkout k = { NULL, path, NULL, 0 };
	char *objects = mlw_path_join(c->t->repo->dir, "objects");
	int ret = mlw_odb_open(&k.odb, objects);

	free(objects);
	*content = mlw_path_join(dir, "content");
	k.dir = *content;
	if (!ret)
		ret = mlw_run_artifact_foreach(c->cat, rid, path, checkout_one,
					       &k);
	/* a file named path itself (the glob covers folders) */
	if (!ret && !k.nr && *path) {
		char hex[MLW_OID_HEXSZ + 1];
		uint64_t size;

		ret = mlw_run_artifact_get(c->cat, rid, path, hex, &size);
		if (!ret)
			ret = checkout_one(path, hex, size, &k);
	}
	if (ret == MLW_ENOTFOUND || (!ret && !k.nr))
		ret = mlw_error_setc(MLW_EINVALID, "the run has no artifacts "
				     "under '%s'", *path ? path : "/");
	mlw_odb_free(k.odb);
	return ret;
}

/* register the version; *out its row */
static int create_version(struct call *c, struct mlw_asset **out,
			  const struct mlw_asset_spec *spec,
			  const char *content)
{
	struct mlw_asset_ctx ctx;
	struct mlw_asset_request req;
	struct mlw_asset_result res;
	char *objects = mlw_path_join(c->t->repo->dir, "objects");
	char *args = mlw_xstrfmt("model-versions/create %s", spec->name);
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	memset(&req, 0, sizeof(req));
	ctx.cat = c->cat;
	ctx.mlw_dir = c->t->repo->dir;
	ctx.worktree = c->t->repo->worktree;
	ctx.flags = MLW_ASSET_HOOKS;
	ctx.log_command = "tracking";
	ctx.log_args = args;
	req.spec = spec;
	req.content_path = content;
	ret = mlw_odb_open(&ctx.odb, objects);
	free(objects);
	if (!ret) {
		pthread_mutex_lock(&c->t->write_lock);
		ret = mlw_asset_create(&res, &ctx, &req);
		pthread_mutex_unlock(&c->t->write_lock);
	}
	if (!ret) {
		*out = res.asset;
		res.asset = NULL;
		mlw_asset_result_release(&res);
	}
	mlw_odb_free(ctx.odb);
	free(args);
	return ret;
}

static void model_versions_create(struct call *c)
{
	const char *name, *source, *run_id = get_str(c, "run_id");
	const char *link = get_str(c, "run_link");
	json_t *tags = get_list(c, "tags"), *t;
	struct mlw_asset_spec spec;
	struct mlw_asset *a = NULL;
	char *run = NULL, *path = NULL, *scratch = NULL, *content = NULL;
	char *tmp, *mlmodel;
	struct model m;
	struct stat sb;
	int64_t rid;
	size_t i;
	int ret;

	if (need_str(c, "source", &source) || check_tags(c, tags) ||
	    find_model(c, "name", &m))
		return;
	name = m.name;
	mlw_asset_spec_init(&spec, MLW_ASSET_MODEL);
	ret = run_source(c, source, &run, &path);
	if (ret < 0)
		goto out;
	if (!ret && !mlw_ref_is_remote(source)) {
		reply_error(c, "INVALID_PARAMETER_VALUE", "Unsupported source "
			    "'%s': runs:/RUN/PATH, mlflow-artifacts:/EXP/RUN/"
			    "artifacts/PATH (this server's artifacts) or a "
			    "remote https://, wasbs://, abfss:// or "
			    "azureml://datastores/ URI", source);
		goto out;
	}
	if (run && run_id && *run_id && strcmp(run, run_id)) {
		reply_error(c, "INVALID_PARAMETER_VALUE", "source '%s' is not "
			    "in run_id '%s'", source, run_id);
		goto out;
	}
	if (run && find_run(c, run, &rid))
		goto out;
	if (!run && run_id && *run_id && find_run(c, run_id, &rid))
		goto out;
	if (run) {
		tmp = mlw_path_join(c->t->repo->dir, "tmp");
		ret = mlw_mkdir_p(tmp, 0777);
		scratch = mlw_xstrfmt("%s/mlflow-version-XXXXXX", tmp);
		free(tmp);
		if (!ret && !mkdtemp(scratch))
			ret = mlw_error_errno("cannot create '%s'", scratch);
		if (ret) {
			free(scratch);
			scratch = NULL;
		} else {
			ret = restore_run(c, rid, path, scratch, &content);
		}
		if (ret) {
			reply_fail(c, ret);
			goto out;
		}
	}
	spec.name = mlw_strdup(name);
	spec.path = mlw_strdup(source);
	if (get_str(c, "description") && *get_str(c, "description"))
		spec.description = mlw_strdup(get_str(c, "description"));
	spec.stage = mlw_strdup("None");
	if (run || (run_id && *run_id))
		spec.job_name = mlw_strdup(run ? run : run_id);
	/* an MLflow model (an MLmodel file at its root) is typed so */
	mlmodel = content ? mlw_path_join(content, "MLmodel") : NULL;
	spec.type = mlw_strdup(mlmodel && !stat(mlmodel, &sb) &&
			       S_ISREG(sb.st_mode) ? "mlflow_model" :
			       "custom_model");
	free(mlmodel);
	json_array_foreach(tags, i, t)
		mlw_asset_kvs_set(&spec.tags, json_string_value(
				  json_object_get(t, "key")), tag_value(c, t));
	if (link && *link)
		mlw_asset_kvs_set(&spec.properties, "mlflow.run_link", link);
	ret = create_version(c, &a, &spec, content);
	if (ret)
		reply_fail(c, ret);
	else
		reply_version(c, a);
out:
	if (scratch)
		mlw_remove_tree(scratch);
	free(scratch);
	free(content);
	free(run);
	free(path);
	mlw_asset_free(a);
	mlw_asset_spec_release(&spec);
	model_release(&m);
}

/* find_version(), then the call's transaction begun: 0 or an answer */
static int begin_version(struct call *c, struct mlw_asset **a)
{
	if (find_version(c, a))
		return -1;
	if (call_begin(c)) {
		mlw_asset_free(*a);
		*a = NULL;
		return -1;
	}
	return 0;
}

static void model_versions_get(struct call *c)
{
	struct mlw_asset *a;

	if (find_version(c, &a))
		return;
	reply_version(c, a);
	mlw_asset_free(a);
}

/* apply ch to the version the request names, answer it (or {}) */
static void change_version(struct call *c, struct mlw_asset_changes *ch,
			   int answer)
{
	struct mlw_asset *a, *after = NULL;
	int ret;

	if (begin_version(c, &a))
		return;
	ret = mlw_asset_changes_empty(ch) ? 0 :
	      mlw_asset_change(&after, c->cat, MLW_ASSET_MODEL, a->name,
			       a->version, ch);
	ret = call_end(c, ret);
	if (ret)
		reply_fail(c, ret);
	else if (answer)
		reply_version(c, after ? after : a);
	else
		reply_empty(c);
	mlw_asset_free(after);
	mlw_asset_free(a);
}

static void model_versions_update(struct call *c)
{
	struct mlw_asset_changes ch = MLW_ASSET_CHANGES_INIT;
	const char *d = get_str(c, "description");

	ch.description = d ? mlw_strdup(d) : NULL;
	change_version(c, &ch, 1);
	mlw_asset_changes_release(&ch);
}

static void model_versions_set_tag(struct call *c)
{
	struct mlw_asset_changes ch = MLW_ASSET_CHANGES_INIT;
	const char *key, *value;

	if (need_str(c, "key", &key) || need_str(c, "value", &value))
		return;
	if (mlw_run_check_key("tag", key)) {
		reply_fail(c, MLW_EINVALID);
		return;
	}
	mlw_asset_kvs_set(&ch.set_tags, key, value);
	change_version(c, &ch, 0);
	mlw_asset_changes_release(&ch);
}

static void model_versions_delete_tag(struct call *c)
{
	struct mlw_asset_changes ch = MLW_ASSET_CHANGES_INIT;
	struct mlw_asset *a;
	const char *key;

	if (need_str(c, "key", &key) || find_version(c, &a))
		return;
	/* a tag that is not there: nothing to do, as MLflow */
	if (mlw_asset_kvs_get(&a->tags, key))
		mlw_strlist_push(&ch.remove_tags, key);
	mlw_asset_free(a);
	change_version(c, &ch, 0);
	mlw_asset_changes_release(&ch);
}

static void model_versions_delete(struct call *c)
{
	struct mlw_asset *a;
	int ret;

	if (begin_version(c, &a))
		return;
	ret = mlw_asset_set_archived(c->cat, MLW_ASSET_MODEL, a->name,
				     a->version, 1);
	if (!ret)
		ret = exec_strs(c, "DELETE FROM registered_model_aliases WHERE"
				" name = ? AND version = ?", a->name,
				a->version, NULL);
	reply_done(c, ret);
	mlw_asset_free(a);
}

/* a boolean field: true, "true", 1 */
static int get_bool(struct call *c, const char *name)
{
	json_t *v = json_object_get(c->in, name);
	const char *s;

	if (json_is_array(v))
		v = json_array_get(v, 0);
	s = json_is_string(v) ? json_string_value(v) : NULL;
	return json_is_true(v) || (json_is_integer(v) &&
				   json_integer_value(v)) ||
	       (s && (!strcasecmp(s, "true") || !strcmp(s, "1")));
}

/* others in stage moved to Archived (archive_existing_versions) */
struct others {
	const char *version, *stage;
	struct mlw_strlist list;
};

static int other_in_stage(const struct mlw_asset *a, void *data)
{
	struct others *o = data;

	if (strcmp(a->version, o->version) &&
	    !strcmp(current_stage(a), o->stage))
		mlw_strlist_push(&o->list, a->version);
	return 0;
}

static void model_versions_transition_stage(struct call *c)
{
	struct mlw_asset_changes ch = MLW_ASSET_CHANGES_INIT;
	struct others o = { NULL, NULL, MLW_STRLIST_INIT };
	struct mlw_asset *a, *after = NULL;
	const char *stage, *canon;
	size_t i;
	int ret;

	if (need_str(c, "stage", &stage))
		return;
	canon = stage_name(stage);
	if (!canon) {
		reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid Model "
			    "Version stage: %s. Value must be one of None, "
			    "Staging, Production, Archived.", stage);
		return;
	}
	if (begin_version(c, &a))
		return;
	o.version = a->version;
	o.stage = canon;
	ret = 0;
	if (get_bool(c, "archive_existing_versions") &&
	    (!strcmp(canon, "Staging") || !strcmp(canon, "Production")))
		ret = mlw_asset_foreach(c->cat, MLW_ASSET_MODEL, a->name, 0, 0,
					other_in_stage, &o);
	ch.stage = mlw_strdup("Archived");
	for (i = 0; !ret && i < o.list.nr; i++) {
		struct mlw_asset *x = NULL;

		ret = mlw_asset_change(&x, c->cat, MLW_ASSET_MODEL, a->name,
				       o.list.items[i], &ch);
		mlw_asset_free(x);
	}
	free(ch.stage);
	ch.stage = mlw_strdup(canon);
	if (!ret)
		ret = mlw_asset_change(&after, c->cat, MLW_ASSET_MODEL,
				       a->name, a->version, &ch);
	ret = call_end(c, ret);
	if (ret)
		reply_fail(c, ret);
	else
		reply_version(c, after);
	mlw_asset_free(after);
	mlw_asset_free(a);
	mlw_strlist_release(&o.list);
	mlw_asset_changes_release(&ch);
}

static void model_versions_get_download_uri(struct call *c)
{
	struct mlw_asset *a;

	if (find_version(c, &a))
		return;
	reply(c, json_pack("{s:s}", "artifact_uri", a->path ? a->path :
			   a->reference ? a->reference : ""));
	mlw_asset_free(a);
}

/* --- aliases */

static int alias_ok(struct call *c, const char *alias)
{
	const char *p;

	if (!*alias || strlen(alias) > 255 || !strcasecmp(alias, "latest"))
		goto bad;
	for (p = alias; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '_' && *p != '-')
			goto bad;
	/* "v" and digits names a version */
	if ((alias[0] == 'v' || alias[0] == 'V') && alias[1] &&
	    strspn(alias + 1, "0123456789") == strlen(alias + 1))
		goto bad;
	return 0;
bad:
	return reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid alias "
			   "name '%s': letters, digits, '_' and '-', not "
			   "'latest' nor 'v' and a number", alias);
}

static void alias_set(struct call *c)
{
	const char *alias;
	struct mlw_asset *a;
	int ret;

	if (need_str(c, "alias", &alias) || alias_ok(c, alias) ||
	    begin_version(c, &a))
		return;
	ret = exec_strs(c, "INSERT OR REPLACE INTO registered_model_aliases"
			" (name, alias, version) VALUES (?, ?, ?)", a->name,
			alias, a->version);
	reply_done(c, ret);
	mlw_asset_free(a);
}

/* the version alias points at, as text: 0, or an answer */
static int alias_version(struct call *c, const char *name,
			 const char *alias, char **version)
{
	sqlite3_stmt *st;
	int rc, ret = registry_prep(c, &st, "SELECT version FROM"
			   " registered_model_aliases WHERE name = ? AND"
			   " alias = ?");

	*version = NULL;
	if (ret)
		return reply_fail(c, ret);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = mlw_strdup((const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		ret = mlw_catalog_db_error(mlw_catalog_db(c->cat),
					   "the model registry");
	sqlite3_finalize(st);
	if (ret)
		return reply_fail(c, ret);
	if (!*version)
		return reply_error(c, "RESOURCE_DOES_NOT_EXIST", "Registered "
				   "model alias %s not found.", alias);
	return 0;
}

static void alias_delete(struct call *c)
{
	const char *alias;
	struct model m;
	char *version;
	int ret;

	if (need_str(c, "alias", &alias) || find_model(c, "name", &m))
		return;
	if (!alias_version(c, m.name, alias, &version) && !call_begin(c)) {
		ret = exec_strs(c, "DELETE FROM registered_model_aliases WHERE"
				" name = ? AND alias = ?", m.name, alias,
				NULL);
		reply_done(c, ret);
	}
	free(version);
	model_release(&m);
}

static void alias_get(struct call *c)
{
	const char *alias;
	struct model m;
	char *version;

	if (need_str(c, "alias", &alias) || find_model(c, "name", &m))
		return;
	if (!alias_version(c, m.name, alias, &version))
		reply_version_again(c, m.name, version);
	free(version);
	model_release(&m);
}

const struct handler mlw_tracking_version_handlers[] = {
	{ "POST", "registered-models/alias", alias_set },
	{ "DELETE", "registered-models/alias", alias_delete },
	{ "GET", "registered-models/alias", alias_get },
	{ "POST", "model-versions/create", model_versions_create },
	{ "GET", "model-versions/get", model_versions_get },
	{ "PATCH", "model-versions/update", model_versions_update },
	{ "DELETE", "model-versions/delete", model_versions_delete },
	{ "POST", "model-versions/set-tag", model_versions_set_tag },
	{ "DELETE", "model-versions/delete-tag", model_versions_delete_tag },
	{ "POST", "model-versions/transition-stage",
	  model_versions_transition_stage },
	{ "GET", "model-versions/get-download-uri",
	  model_versions_get_download_uri },
	{ NULL, NULL, NULL }
};
