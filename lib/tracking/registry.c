/*
 * registry.c - MLflow's model registry on mlw's model assets.
 *
 * A registered model is a model asset name: it exists when the tracking
 * layer's registered_models table has a row for it (made by
 * registered-models/create, holding its description) or when the asset
 * has a version that is not archived (a model made with 'mlw model
 * create' is a registered model too).  Its tags and aliases are the
 * tracking layer's tables; its versions are the asset's versions, made
 * through the asset service as 'mlw model create' makes them (content
 * in the object store, hooks, the operation log).  A version's stage is
 * the asset's stage ("None" when it has none), its source the asset's
 * recorded path, its run_id the asset's job (lineage), its tags the
 * asset's tags; deleting it archives it.
 */
#include "tracking/registry.h"
#include "asset/asset.h"
#include "run/tracking.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/name.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_RESULTS_MODELS 1000
#define MAX_RESULTS_VERSIONS 200000

static const char *const stages[] = {
	"None", "Staging", "Production", "Archived", NULL
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* MLflow's spelling of a stage, whatever its case; NULL for none */
const char *stage_name(const char *s)
{
	size_t i;

	for (i = 0; s && stages[i]; i++)
		if (!strcasecmp(s, stages[i]))
			return stages[i];
	return NULL;
}

/* the stage a version is in, as MLflow names it */
const char *current_stage(const struct mlw_asset *a)
{
	return a->stage && *a->stage ? a->stage : "None";
}

/* versions as numbers when both are, else as text: -1, 0, 1 */
int version_cmp(const char *a, const char *b)
{
	char *ea, *eb;
	long long x = strtoll(a, &ea, 10), y = strtoll(b, &eb, 10);

	if (*a && *b && !*ea && !*eb)
		return x < y ? -1 : x > y;
	return strcmp(a, b);
}

int registry_prep(struct call *c, sqlite3_stmt **st, const char *sql)
{
	return mlw_catalog_prepare(c->cat, &mlw_tracking_schema, st, sql);
}

int exec_strs(struct call *c, const char *sql, const char *a, const char *b,
	      const char *d)
{
	const char *v[3] = { a, b, d };
	sqlite3_stmt *st;
	int i, ret = registry_prep(c, &st, sql);

	if (ret)
		return ret;
	for (i = 0; i < 3 && v[i]; i++)
		sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
	return mlw_catalog_step_done(c->cat, st, "the model registry");
}

/* --- registered models */

void model_release(struct model *m)
{
	free(m->name);
	free(m->description);
	memset(m, 0, sizeof(*m));
}

static int count_version(const struct mlw_asset *a, void *data)
{
	struct model *m = data;

	if (!m->nr_versions++ && !m->has_row)
		m->created = a->created;
	if (!m->has_row && a->created < m->created)
		m->created = a->created;
	if (a->updated > m->updated)
		m->updated = a->updated;
	return 0;
}

/*
 * The registered model name, into *m: 0, MLW_ENOTFOUND (no row and no
 * live version), or another error.  Needs call_catalog().
 */
int model_load(struct call *c, const char *name, struct model *m)
{
	sqlite3_stmt *st;
	int rc, ret;

	memset(m, 0, sizeof(*m));
	if (mlw_name_check(MLW_NAME_ASSET, name))
		return MLW_ENOTFOUND;
	ret = registry_prep(c, &st, "SELECT description, created, updated FROM"
		   " registered_models WHERE name = ?");
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 0);

		m->has_row = 1;
		m->description = d ? mlw_strdup(d) : NULL;
		m->created = sqlite3_column_double(st, 1);
		m->updated = sqlite3_column_double(st, 2);
	} else if (rc != SQLITE_DONE) {
		ret = mlw_catalog_db_error(mlw_catalog_db(c->cat),
					   "the model registry");
	}
	sqlite3_finalize(st);
	if (!ret)
		ret = mlw_asset_foreach(c->cat, MLW_ASSET_MODEL, name, 0, 0,
					count_version, m);
	if (ret == MLW_ENOTFOUND) {
		mlw_error_clear();
		ret = 0;
	}
	if (!ret && !m->has_row && !m->nr_versions)
		ret = mlw_error_setc(MLW_ENOTFOUND, "Registered Model with "
				     "name=%s not found", name);
	if (ret)
		model_release(m);
	else
		m->name = mlw_strdup(name);
	return ret;
}

/* the model of the request's "name", or an answer (-1) */
int find_model(struct call *c, const char *field, struct model *m)
{
	const char *name;
	int ret;

	if (need_str(c, field, &name) || call_catalog(c))
		return -1;
	ret = model_load(c, name, m);
	if (ret == MLW_ENOTFOUND)
		return reply_error(c, "RESOURCE_DOES_NOT_EXIST", "Registered "
				   "Model with name=%s not found", name);
	return ret ? reply_fail(c, ret) : 0;
}

/* a row for a model that has only versions, before writing to it */
static int model_row(struct call *c, const struct model *m)
{
	double t = now();
	sqlite3_stmt *st;
	int ret = registry_prep(c, &st, "INSERT INTO registered_models (name,"
		       " description, created, updated) VALUES (?, NULL, ?, ?)"
		       " ON CONFLICT (name) DO UPDATE SET updated ="
		       " excluded.updated");

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, m->has_row ? m->created : m->nr_versions ?
			    m->created : t);
	sqlite3_bind_double(st, 3, t);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = mlw_catalog_db_error(mlw_catalog_db(c->cat),
					   "the model registry");
	sqlite3_finalize(st);
	return ret;
}

/* [{key, value}...] or [{alias, version}...] of a model, from SQL */
static int pairs(struct call *c, json_t **out, const char *sql,
		 const char *name, const char *k1, const char *k2)
{
	sqlite3_stmt *st;
	int rc, ret = registry_prep(c, &st, sql);

	*out = json_array();
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		const char *b = (const char *)sqlite3_column_text(st, 1);

		json_array_append_new(*out, json_pack("{s:s,s:s}", k1,
				      a ? a : "", k2, b ? b : ""));
	}
	if (rc != SQLITE_DONE)
		ret = mlw_catalog_db_error(mlw_catalog_db(c->cat),
					   "the model registry");
	sqlite3_finalize(st);
	return ret;
}

int model_aliases(struct call *c, json_t **out, const char *name)
{
	return pairs(c, out, "SELECT alias, version FROM"
		     " registered_model_aliases WHERE name = ? ORDER BY alias",
		     name, "alias", "version");
}

/* the names of the aliases of version in aliases ([{alias, version}]) */
static json_t *aliases_of(json_t *aliases, const char *version)
{
	json_t *out = json_array(), *a;
	size_t i;

	json_array_foreach(aliases, i, a)
		if (!strcmp(json_string_value(json_object_get(a, "version")),
			    version))
			json_array_append(out, json_object_get(a, "alias"));
	return out;
}

/* the fields a RegisteredModel and a ModelVersion share */
static void set_common(json_t *v, const char *name, double created,
		       double updated, const char *description)
{
	json_object_set_new(v, "name", json_string(name));
	json_object_set_new(v, "creation_timestamp",
			    json_integer(to_ms(created)));
	json_object_set_new(v, "last_updated_timestamp",
			    json_integer(to_ms(updated)));
	json_object_set_new(v, "description",
			    json_string(description ? description : ""));
}

/* MLflow's ModelVersion of a; aliases: the model's [{alias, version}] */
json_t *version_json(const struct mlw_asset *a, json_t *aliases)
{
	json_t *v = json_object(), *tags = json_array();
	const char *link = mlw_asset_kvs_get(&a->properties,
					     "mlflow.run_link");
	size_t i;

	set_common(v, a->name, a->created, a->updated, a->description);
	json_object_set_new(v, "version", json_string(a->version));
	json_object_set_new(v, "current_stage",
			    json_string(current_stage(a)));
	json_object_set_new(v, "source", json_string(a->path ? a->path :
				  a->reference ? a->reference : ""));
	json_object_set_new(v, "run_id",
			    json_string(a->job_name ? a->job_name : ""));
	json_object_set_new(v, "status", json_string("READY"));
	if (link)
		json_object_set_new(v, "run_link", json_string(link));
	for (i = 0; i < a->tags.nr; i++)
		json_array_append_new(tags, json_pack("{s:s,s:s}", "key",
				      a->tags.items[i].key, "value",
				      a->tags.items[i].value));
	json_object_set_new(v, "tags", tags);
	json_object_set_new(v, "aliases", aliases_of(aliases, a->version));
	return v;
}

/* every live version of a model as ModelVersions, oldest first */
struct versions {
	json_t *list;
	json_t *aliases;
};

static int add_version(const struct mlw_asset *a, void *data)
{
	struct versions *v = data;

	json_array_append_new(v->list, version_json(a, v->aliases));
	return 0;
}

int model_versions(struct call *c, json_t **out, const char *name)
{
	struct versions v = { json_array(), NULL };
	int ret = model_aliases(c, &v.aliases, name);

	if (!ret)
		ret = mlw_asset_foreach(c->cat, MLW_ASSET_MODEL, name, 0, 0,
					add_version, &v);
	if (ret == MLW_ENOTFOUND) {
		mlw_error_clear();
		ret = 0;
	}
	json_decref(v.aliases);
	if (ret) {
		json_decref(v.list);
		v.list = NULL;
	}
	*out = v.list;
	return ret;
}

/* the newest version in each stage (stage NULL: every stage) */
json_t *latest_versions(json_t *versions, const char *stage)
{
	json_t *out = json_array(), *v;
	size_t s, i;

	for (s = 0; stages[s]; s++) {
		json_t *best = NULL;

		if (stage && strcmp(stage, stages[s]))
			continue;
		json_array_foreach(versions, i, v) {
			const char *version = json_string_value(
					      json_object_get(v, "version"));

			if (strcmp(json_string_value(json_object_get(v,
				   "current_stage")), stages[s]))
				continue;
			if (!best || version_cmp(version, json_string_value(
				     json_object_get(best, "version"))) > 0)
				best = v;
		}
		if (best)
			json_array_append(out, best);
	}
	return out;
}

/* MLflow's RegisteredModel of m */
int model_json(struct call *c, json_t **out, const struct model *m)
{
	json_t *v = json_object(), *tags = NULL, *aliases = NULL;
	json_t *versions = NULL;
	int ret = pairs(c, &tags, "SELECT key, value FROM"
			" registered_model_tags WHERE name = ? ORDER BY key",
			m->name, "key", "value");

	if (!ret)
		ret = model_aliases(c, &aliases, m->name);
	if (!ret)
		ret = model_versions(c, &versions, m->name);
	if (ret) {
		json_decref(v);
		json_decref(tags);
		json_decref(aliases);
		return ret;
	}
	set_common(v, m->name, m->created, m->updated, m->description);
	json_object_set_new(v, "latest_versions",
			    latest_versions(versions, NULL));
	json_object_set_new(v, "tags", tags);
	json_object_set_new(v, "aliases", aliases);
	json_decref(versions);
	*out = v;
	return 0;
}

/* answer {"registered_model": ...} for m */
static void reply_model(struct call *c, const struct model *m)
{
	json_t *v;
	int ret = model_json(c, &v, m);

	if (ret)
		reply_fail(c, ret);
	else
		reply(c, json_pack("{s:o}", "registered_model", v));
}

/* tags of a request as (key, value) checks: 0 or an answer */
int check_tags(struct call *c, json_t *tags)
{
	json_t *t;
	size_t i;

	json_array_foreach(tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));
		json_t *v = json_object_get(t, "value");

		if (!k)
			return reply_error(c, "INVALID_PARAMETER_VALUE",
					   "a tag without a key");
		if (mlw_run_check_key("tag", k))
			return reply_fail(c, MLW_EINVALID);
		if (v && !json_is_null(v) && !text_of(c, v))
			return reply_error(c, "INVALID_PARAMETER_VALUE", "tag "
					   "'%s': its value is not text", k);
	}
	return 0;
}

const char *tag_value(struct call *c, json_t *t)
{
	const char *v = text_of(c, json_object_get(t, "value"));

	return v ? v : "";
}

static void registered_models_create(struct call *c)
{
	const char *name, *description = get_str(c, "description");
	json_t *tags = get_list(c, "tags"), *t;
	struct model m;
	double tm = now();
	size_t i;
	int ret;

	if (need_str(c, "name", &name))
		return;
	if (mlw_name_check(MLW_NAME_ASSET, name)) {
		reply_fail(c, MLW_EINVALID);
		return;
	}
	if (check_tags(c, tags) || call_begin(c))
		return;
	ret = model_load(c, name, &m);
	if (!ret) {
		model_release(&m);
		call_end(c, -1);
		reply_error(c, "RESOURCE_ALREADY_EXISTS", "Registered Model "
			    "(name=%s) already exists.", name);
		return;
	}
	if (ret == MLW_ENOTFOUND) {
		sqlite3_stmt *st;

		mlw_error_clear();
		ret = registry_prep(c, &st, "INSERT INTO registered_models (name,"
			   " description, created, updated) VALUES (?1, ?2,"
			   " ?3, ?3)");
		if (!ret) {
			sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, description ? description : "",
					  -1, SQLITE_STATIC);
			sqlite3_bind_double(st, 3, tm);
			if (sqlite3_step(st) != SQLITE_DONE)
				ret = mlw_catalog_db_error(mlw_catalog_db(
							   c->cat), "the model "
							   "registry");
			sqlite3_finalize(st);
		}
	}
	json_array_foreach(tags, i, t) {
		if (ret)
			break;
		ret = exec_strs(c, "INSERT OR REPLACE INTO"
				" registered_model_tags (name, key, value)"
				" VALUES (?, ?, ?)", name,
				json_string_value(json_object_get(t, "key")),
				tag_value(c, t));
	}
	ret = call_end(c, ret);
	if (ret) {
		reply_fail(c, ret);
		return;
	}
	if (!model_load(c, name, &m))
		reply_model(c, &m);
	else
		reply_fail(c, MLW_ERROR);
	model_release(&m);
}

static void registered_models_get(struct call *c)
{
	struct model m;

	if (find_model(c, "name", &m))
		return;
	reply_model(c, &m);
	model_release(&m);
}

/*
 * Before a write to the request's model: it exists (else answered, -1),
 * the call's transaction is begun and the model has its row.
 */
static int begin_model(struct call *c, struct model *m)
{
	int ret;

	if (find_model(c, "name", m))
		return -1;
	if (call_begin(c)) {
		model_release(m);
		return -1;
	}
	ret = model_row(c, m);
	if (ret) {
		call_end(c, ret);
		model_release(m);
		return reply_fail(c, ret);
	}
	return 0;
}

static void registered_models_update(struct call *c)
{
	const char *description = get_str(c, "description");
	struct model m;
	int ret;

	if (begin_model(c, &m))
		return;
	ret = exec_strs(c, "UPDATE registered_models SET description = ?"
			" WHERE name = ?", description ? description : "",
			m.name, NULL);
	ret = call_end(c, ret);
	if (ret) {
		reply_fail(c, ret);
	} else {
		free(m.description);
		m.description = mlw_strdup(description ? description : "");
		reply_model(c, &m);
	}
	model_release(&m);
}

static void registered_models_delete(struct call *c)
{
	struct model m;
	int ret;

	if (find_model(c, "name", &m))
		return;
	if (call_begin(c)) {
		model_release(&m);
		return;
	}
	ret = exec_strs(c, "DELETE FROM registered_models WHERE name = ?",
			m.name, NULL, NULL);
	if (!ret)
		ret = exec_strs(c, "DELETE FROM registered_model_tags WHERE"
				" name = ?", m.name, NULL, NULL);
	if (!ret)
		ret = exec_strs(c, "DELETE FROM registered_model_aliases WHERE"
				" name = ?", m.name, NULL, NULL);
	if (!ret && m.nr_versions)
		ret = mlw_asset_set_archived(c->cat, MLW_ASSET_MODEL, m.name,
					     NULL, 1);
	reply_done(c, ret);
	model_release(&m);
}

static void registered_models_rename(struct call *c)
{
	reply_error(c, "NOT_IMPLEMENTED", "registered-models/rename: mlw "
		    "model names are immutable (versions keep their name)");
}

static void registered_models_set_tag(struct call *c)
{
	const char *key, *value;
	struct model m;
	int ret;

	if (need_str(c, "key", &key) || need_str(c, "value", &value))
		return;
	if (mlw_run_check_key("tag", key)) {
		reply_fail(c, MLW_EINVALID);
		return;
	}
	if (begin_model(c, &m))
		return;
	ret = exec_strs(c, "INSERT OR REPLACE INTO registered_model_tags"
			" (name, key, value) VALUES (?, ?, ?)", m.name, key,
			value);
	reply_done(c, ret);
	model_release(&m);
}

static void registered_models_delete_tag(struct call *c)
{
	const char *key;
	struct model m;
	int ret;

	if (need_str(c, "key", &key) || begin_model(c, &m))
		return;
	ret = exec_strs(c, "DELETE FROM registered_model_tags WHERE name = ?"
			" AND key = ?", m.name, key, NULL);
	reply_done(c, ret);
	model_release(&m);
}

const struct handler mlw_tracking_registry_handlers[] = {
	{ "POST", "registered-models/create", registered_models_create },
	{ "GET", "registered-models/get", registered_models_get },
	{ "PATCH", "registered-models/update", registered_models_update },
	{ "DELETE", "registered-models/delete", registered_models_delete },
	{ "POST", "registered-models/rename", registered_models_rename },
	{ "POST", "registered-models/set-tag", registered_models_set_tag },
	{ "DELETE", "registered-models/delete-tag",
	  registered_models_delete_tag },
	{ NULL, NULL, NULL }
};
