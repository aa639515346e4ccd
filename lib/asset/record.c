/*
 * record.c - assets as catalog rows: get, look up, register, list,
 * change, archive; see asset.h.
 *
 * One catalog table, assets, holds every kind (schema: migration 2 in
 * store/catalog.c).  Tags, properties and environment variables are
 * JSON objects in TEXT columns: they are read and written whole, never
 * queried by key, and one row per asset keeps listing 10,000 assets a
 * single indexed scan.  Every function here runs inside the caller's
 * transaction, if any; service.c makes each verb one transaction.
 */
#include "asset/asset.h"
#include "spec/ref.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define COLUMNS "id, kind, name, version, type, path, object, reference," \
	" description, stage, job_name, flavors, signature, image," \
	" conda_file, build_context, dockerfile_path, inference_config," \
	" tags, properties, environment_variables, archived, created," \
	" updated"

static int db_error(sqlite3 *db, const char *what)
{
	return mlw_catalog_db_error(db, what);
}

/*
 * sql prepared with kind and name bound to its first two parameters, as
 * every query about one asset's versions starts
 */
static int prepare_asset(sqlite3 *db, sqlite3_stmt **st, const char *sql,
			 enum mlw_asset_kind kind, const char *name)
{
	int ret = mlw_catalog_db_prepare(db, st, sql);

	if (ret)
		return ret;
	sqlite3_bind_text(*st, 1, mlw_asset_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 2, name, -1, SQLITE_TRANSIENT);
	return 0;
}

static char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? mlw_strdup((const char *)s) : NULL;
}

static int row_to_asset(struct mlw_asset **out, sqlite3_stmt *st)
{
	struct mlw_asset *a = mlw_calloc(1, sizeof(*a));
	int ret;

	a->id = sqlite3_column_int64(st, 0);
	a->kind = mlw_asset_kind_from_name((const char *)
					   sqlite3_column_text(st, 1));
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
	ret = mlw_asset_kvs_from_text(&a->tags,
			    (const char *)sqlite3_column_text(st, 18), "tags");
	if (!ret)
		ret = mlw_asset_kvs_from_text(&a->properties,
				    (const char *)sqlite3_column_text(st, 19),
				    "properties");
	if (!ret)
		ret = mlw_asset_kvs_from_text(&a->environment_variables,
				    (const char *)sqlite3_column_text(st, 20),
				    "environment variables");
	if (!ret && !a->kind)
		ret = mlw_error_setc(MLW_ECORRUPT,
				     "catalog: asset '%s' has no known kind",
				     a->name ? a->name : "");
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
	return mlw_asset_kind_info(kind)->label;
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
	int ret = prepare_asset(db, &st, "SELECT COUNT(*), SUM(archived = 0)"
				" FROM assets WHERE kind = ? AND name = ?",
				kind, name);
	int n = 0;

	if (ret)
		return ret;
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

	ret = prepare_asset(db, &st, version ?
			    "SELECT " COLUMNS " FROM assets WHERE kind = ?"
			    " AND name = ? AND version = ?" :
			    "SELECT " COLUMNS " FROM assets WHERE kind = ?"
			    " AND name = ? AND archived = 0"
			    " ORDER BY id DESC LIMIT 1", kind, name);
	if (ret)
		return ret;
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

int mlw_asset_lookup(struct mlw_asset **out, struct mlw_catalog *cat,
		     enum mlw_asset_kind kind, const struct mlw_ref *ref)
{
	const struct mlw_asset_kind_info *info = mlw_asset_kind_info(kind);
	char *text;
	int ret;

	*out = NULL;
	switch (ref->kind) {
	case MLW_REF_ASSET:
		if (ref->asset_type && strcmp(ref->asset_type, info->arm_type))
			return mlw_error_setc(MLW_EINVALID,
					      "the ARM id of '%s' names %s, not %s",
					      ref->name, ref->asset_type,
					      info->arm_type);
		if (ref->label && strcmp(ref->label, "latest"))
			return mlw_error_setc(MLW_ENOTFOUND,
					      "label '%s' of '%s' not found (the only label is 'latest')",
					      ref->label, ref->name);
		return mlw_asset_get(out, cat, kind, ref->name, ref->version);
	case MLW_REF_REGISTRY:
	case MLW_REF_REMOTE:
		text = mlw_ref_format(ref);
		ret = mlw_error_setc(MLW_ENOTFOUND,
				     "'%s' is not available locally: mlw works offline (register a copy with 'mlw %s create')",
				     text, info->command);
		free(text);
		return ret;
	case MLW_REF_JOB_OUTPUT:
	case MLW_REF_LOCAL:
		break;
	}
	text = mlw_ref_format(ref);
	ret = mlw_error_setc(MLW_EINVALID, ref->kind == MLW_REF_JOB_OUTPUT ?
			     "'%s' is a job's output, not a registered %s (register it with 'create --path')" :
			     "'%s' is a path, not a registered %s", text,
			     kind_label(kind));
	free(text);
	return ret;
}

static int next_version(char **out, sqlite3 *db, enum mlw_asset_kind kind,
			const char *name)
{
	sqlite3_stmt *st;
	int ret = prepare_asset(db, &st, "SELECT MAX(version_num) FROM assets"
				" WHERE kind = ? AND name = ?", kind, name);
	sqlite3_int64 max = 0;

	if (ret)
		return ret;
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
	if (mlw_asset_kind_info(spec->kind)->content ==
	    MLW_ASSET_CONTENT_ENVIRONMENT)
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
	const struct mlw_asset_kind_info *info = mlw_asset_kind_info(spec->kind);
	sqlite3 *db = mlw_catalog_db(cat);
	const char *type = spec->type;
	char *version = NULL, *tags, *props, *envs = NULL;
	struct mlw_asset *old = NULL;
	sqlite3_stmt *st;
	int64_t num;
	double now = mlw_now();
	int ret;

	*existed = 0;
	if (!type)
		type = info->types[0];	/* NULL for kinds without types */
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
	tags = mlw_asset_kvs_to_text(&spec->tags);
	props = mlw_asset_kvs_to_text(&spec->properties);
	if (info->content == MLW_ASSET_CONTENT_ENVIRONMENT)
		envs = mlw_asset_kvs_to_text(&spec->environment_variables);
	ret = mlw_catalog_db_prepare(db, &st,
		      "INSERT INTO assets (kind, name, version,"
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

int mlw_asset_foreach(struct mlw_catalog *cat, enum mlw_asset_kind kind,
		      const char *name, int flags, int64_t max,
		      mlw_asset_fn fn, void *data)
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
	ret = mlw_catalog_db_prepare(db, &st, sql);
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

int mlw_asset_changes_set(struct mlw_asset_changes *ch,
			  enum mlw_asset_kind kind, const char *arg)
{
	const struct mlw_asset_kind_info *info = mlw_asset_kind_info(kind);
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : 0;

	if (!eq)
		goto bad;
	if (klen == strlen("description") && !strncmp(arg, "description", klen)) {
		free(ch->description);
		ch->description = mlw_strdup(eq + 1);
		return 0;
	}
	if (info->has_stage && klen == strlen("stage") &&
	    !strncmp(arg, "stage", klen)) {
		free(ch->stage);
		ch->stage = mlw_strdup(eq + 1);
		return 0;
	}
	if (mlw_starts_with(arg, "tags.") && klen > strlen("tags.")) {
		char *key = mlw_strndup(arg + 5, klen - 5);

		mlw_asset_kvs_set(&ch->set_tags, key, eq + 1);
		free(key);
		return 0;
	}
bad:
	return mlw_error_setc(MLW_EINVALID,
			      "cannot --set '%s': only description=TEXT, tags.KEY=VALUE%s change after creation (content is immutable)",
			      arg, info->has_stage ? " and stage=STAGE" : "");
}

int mlw_asset_changes_remove(struct mlw_asset_changes *ch, const char *arg)
{
	if (!mlw_starts_with(arg, "tags.") || !arg[5])
		return mlw_error_setc(MLW_EINVALID,
				      "cannot --remove '%s': only tags.KEY can be removed",
				      arg);
	mlw_strlist_push(&ch->remove_tags, arg + 5);
	return 0;
}

int mlw_asset_changes_empty(const struct mlw_asset_changes *ch)
{
	return !ch->description && !ch->stage && !ch->set_tags.nr &&
	       !ch->remove_tags.nr;
}

void mlw_asset_changes_release(struct mlw_asset_changes *ch)
{
	free(ch->description);
	free(ch->stage);
	mlw_asset_kvs_release(&ch->set_tags);
	mlw_strlist_release(&ch->remove_tags);
	ch->description = ch->stage = NULL;
}

int mlw_asset_change(struct mlw_asset **out, struct mlw_catalog *cat,
		     enum mlw_asset_kind kind, const char *name,
		     const char *version, const struct mlw_asset_changes *ch)
{
	sqlite3 *db = mlw_catalog_db(cat);
	struct mlw_asset *a;
	sqlite3_stmt *st;
	char *tags;
	size_t i;
	int ret = mlw_asset_get(&a, cat, kind, name, version);

	if (ret)
		return ret;
	if (ch->stage && !mlw_asset_kind_info(kind)->has_stage)
		BUG("a stage for a %s", mlw_asset_kind_name(kind));
	if (ch->description) {
		free(a->description);
		a->description = mlw_strdup(ch->description);
	}
	if (ch->stage) {
		free(a->stage);
		a->stage = mlw_strdup(ch->stage);
	}
	for (i = 0; i < ch->remove_tags.nr; i++)
		if (!mlw_asset_kvs_remove(&a->tags, ch->remove_tags.items[i])) {
			ret = mlw_error_setc(MLW_EINVALID,
					     "%s '%s:%s' has no tag '%s'",
					     kind_label(kind), a->name,
					     a->version, ch->remove_tags.items[i]);
			mlw_asset_free(a);
			return ret;
		}
	for (i = 0; i < ch->set_tags.nr; i++)
		mlw_asset_kvs_set(&a->tags, ch->set_tags.items[i].key,
				  ch->set_tags.items[i].value);
	tags = mlw_asset_kvs_to_text(&a->tags);
	ret = mlw_catalog_db_prepare(db, &st,
		      "UPDATE assets SET description = ?, tags = ?,"
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
	ret = mlw_catalog_db_prepare(db, &st, version ?
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

