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
#include "tracking/internal.h"
#include "asset/asset.h"
#include "asset/service.h"
#include "run/run.h"
#include "run/search.h"
#include "run/tracking.h"
#include "spec/ref.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
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
static const char *stage_name(const char *s)
{
	size_t i;

	for (i = 0; s && stages[i]; i++)
		if (!strcasecmp(s, stages[i]))
			return stages[i];
	return NULL;
}

/* the stage a version is in, as MLflow names it */
static const char *current_stage(const struct mlw_asset *a)
{
	return a->stage && *a->stage ? a->stage : "None";
}

/* versions as numbers when both are, else as text: -1, 0, 1 */
static int version_cmp(const char *a, const char *b)
{
	char *ea, *eb;
	long long x = strtoll(a, &ea, 10), y = strtoll(b, &eb, 10);

	if (*a && *b && !*ea && !*eb)
		return x < y ? -1 : x > y;
	return strcmp(a, b);
}

static int prep(struct call *c, sqlite3_stmt **st, const char *sql)
{
	sqlite3 *db = mlw_catalog_db(c->cat);

	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return mlw_catalog_db_error(db, "the model registry");
	return 0;
}

/* run one statement binding the strings given (NULL ends them) */
static int exec_strs(struct call *c, const char *sql, const char *a,
		     const char *b, const char *d)
{
	const char *v[3] = { a, b, d };
	sqlite3_stmt *st;
	int i, ret = prep(c, &st, sql);

	if (ret)
		return ret;
	for (i = 0; i < 3 && v[i]; i++)
		sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = mlw_catalog_db_error(mlw_catalog_db(c->cat),
					   "the model registry");
	sqlite3_finalize(st);
	return ret;
}

/* --- registered models */

struct model {
	char *name;
	char *description;
	double created, updated;
	int has_row;		/* in registered_models */
	size_t nr_versions;	/* not archived */
};

static void model_release(struct model *m)
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
static int model_load(struct call *c, const char *name, struct model *m)
{
	sqlite3_stmt *st;
	int rc, ret;

	memset(m, 0, sizeof(*m));
	if (mlw_name_check(MLW_NAME_ASSET, name))
		return MLW_ENOTFOUND;
	ret = prep(c, &st, "SELECT description, created, updated FROM"
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
static int find_model(struct call *c, const char *field, struct model *m)
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
	int ret = prep(c, &st, "INSERT INTO registered_models (name,"
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
	int rc, ret = prep(c, &st, sql);

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

static int model_aliases(struct call *c, json_t **out, const char *name)
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

/* MLflow's ModelVersion of a; aliases: the model's [{alias, version}] */
static json_t *version_json(const struct mlw_asset *a, json_t *aliases)
{
	json_t *v = json_object(), *tags = json_array();
	const char *link = mlw_asset_kvs_get(&a->properties,
					     "mlflow.run_link");
	size_t i;

	json_object_set_new(v, "name", json_string(a->name));
	json_object_set_new(v, "version", json_string(a->version));
	json_object_set_new(v, "creation_timestamp",
			    json_integer(to_ms(a->created)));
	json_object_set_new(v, "last_updated_timestamp",
			    json_integer(to_ms(a->updated)));
	json_object_set_new(v, "current_stage",
			    json_string(current_stage(a)));
	json_object_set_new(v, "description",
			    json_string(a->description ? a->description : ""));
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

static int model_versions(struct call *c, json_t **out, const char *name)
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
static json_t *latest_versions(json_t *versions, const char *stage)
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
static int model_json(struct call *c, json_t **out, const struct model *m)
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
	json_object_set_new(v, "name", json_string(m->name));
	json_object_set_new(v, "creation_timestamp",
			    json_integer(to_ms(m->created)));
	json_object_set_new(v, "last_updated_timestamp",
			    json_integer(to_ms(m->updated)));
	json_object_set_new(v, "description",
			    json_string(m->description ? m->description : ""));
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
static int check_tags(struct call *c, json_t *tags)
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

static const char *tag_value(struct call *c, json_t *t)
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
		ret = prep(c, &st, "INSERT INTO registered_models (name,"
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
	ret = call_end(c, ret);
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
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
	ret = call_end(c, ret);
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
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
	ret = call_end(c, ret);
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
	model_release(&m);
}

/* --- searching: filters on names, run ids and tags */

/* one clause of a registry search against an object (a model or version) */
static int clause_matches(const struct mlw_search_clause *k, json_t *obj)
{
	const char *s = NULL;
	json_t *t;
	size_t i;

	if (k->entity == MLW_SEARCH_TAG) {
		json_array_foreach(json_object_get(obj, "tags"), i, t)
			if (!strcmp(json_string_value(json_object_get(t,
				    "key")), k->key))
				s = json_string_value(json_object_get(t,
						      "value"));
		if (k->op == MLW_SEARCH_IS_NULL ||
		    k->op == MLW_SEARCH_IS_NOT_NULL)
			return !s == (k->op == MLW_SEARCH_IS_NULL);
	} else if (!strcmp(k->key, "source_path")) {
		s = json_string_value(json_object_get(obj, "source"));
	} else if (!strcmp(k->key, "version_number")) {
		s = json_string_value(json_object_get(obj, "version"));
	} else {
		s = json_string_value(json_object_get(obj, k->key));
	}
	if (!s)
		return 0;
	switch (k->op) {
	case MLW_SEARCH_EQ:
		return k->is_number ? version_cmp(s, k->text) == 0 :
		       !strcmp(s, k->text);
	case MLW_SEARCH_NE: return strcmp(s, k->text) != 0;
	case MLW_SEARCH_LIKE: return mlw_search_like(k->text, s, 0);
	case MLW_SEARCH_ILIKE: return mlw_search_like(k->text, s, 1);
	case MLW_SEARCH_LT: return version_cmp(s, k->text) < 0;
	case MLW_SEARCH_LE: return version_cmp(s, k->text) <= 0;
	case MLW_SEARCH_GT: return version_cmp(s, k->text) > 0;
	case MLW_SEARCH_GE: return version_cmp(s, k->text) >= 0;
	case MLW_SEARCH_IN:
	case MLW_SEARCH_NOT_IN:
		for (i = 0; i < k->nr_list; i++)
			if (!strcmp(s, k->list[i]))
				break;
		return (i < k->nr_list) == (k->op == MLW_SEARCH_IN);
	default:
		return 0;
	}
}

/*
 * The filter of a search, checked against the attributes allowed
 * (a NULL-ended list; tags always): 0 or an answer.
 */
static int parse_filter(struct call *c, struct mlw_search_filter *f,
			const char *const *attrs)
{
	size_t i, j;
	int ret = mlw_search_parse(f, get_str(c, "filter"));

	if (ret)
		return reply_fail(c, ret);
	for (i = 0; i < f->nr; i++) {
		const struct mlw_search_clause *k = &f->clauses[i];

		if (k->entity == MLW_SEARCH_TAG)
			continue;
		for (j = 0; k->entity == MLW_SEARCH_ATTRIBUTE && attrs[j]; j++)
			if (!strcmp(k->key, attrs[j]))
				break;
		if (k->entity != MLW_SEARCH_ATTRIBUTE || !attrs[j])
			return reply_error(c, "INVALID_PARAMETER_VALUE",
					   "Invalid attribute key '%s' in the"
					   " filter", k->key);
		if (k->is_number && !k->text)
			f->clauses[i].text = mlw_xstrfmt("%.17g", k->number);
	}
	return 0;
}

static int matches(const struct mlw_search_filter *f, json_t *obj)
{
	size_t i;

	for (i = 0; i < f->nr; i++)
		if (!clause_matches(&f->clauses[i], obj))
			return 0;
	return 1;
}

/* order_by items over objects: a field and a direction each */
struct order {
	const char *field[4];
	int ascending[4];
	int numeric[4];
	size_t nr;
};

static int cmp_objects(const void *a, const void *b, void *data)
{
	const struct order *o = data;
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	size_t i;

	for (i = 0; i < o->nr; i++) {
		json_t *u = json_object_get(x, o->field[i]);
		json_t *v = json_object_get(y, o->field[i]);
		int d;

		if (json_is_integer(u) && json_is_integer(v))
			d = json_integer_value(u) < json_integer_value(v) ? -1 :
			    json_integer_value(u) > json_integer_value(v);
		else if (o->numeric[i])
			d = version_cmp(json_string_value(u),
					json_string_value(v));
		else
			d = strcmp(json_string_value(u), json_string_value(v));
		if (d)
			return o->ascending[i] ? d : -d;
	}
	return 0;
}

/*
 * Read order_by into o, then the defaults (dflt: "field ASC|DESC"...):
 * 0 or an answer.
 */
static int parse_order(struct call *c, struct order *o,
		       const char *const *dflt)
{
	json_t *items = get_list(c, "order_by"), *it;
	size_t i;

	memset(o, 0, sizeof(*o));
	json_array_foreach(items, i, it) {
		struct mlw_search_order so;
		const char *text = text_of(c, it), *f = NULL;
		int ret = text ? mlw_search_parse_order(&so, text) :
			  MLW_EINVALID;

		if (ret)
			return reply_error(c, "INVALID_PARAMETER_VALUE",
					   "Invalid order_by clause");
		if (so.entity == MLW_SEARCH_ATTRIBUTE) {
			if (!strcmp(so.key, "name"))
				f = "name";
			else if (!strcmp(so.key, "version_number"))
				f = "version";
			else if (!strcmp(so.key, "creation_timestamp"))
				f = "creation_timestamp";
			else if (!strcmp(so.key, "last_updated_timestamp") ||
				 !strcmp(so.key, "timestamp"))
				f = "last_updated_timestamp";
		}
		free(so.key);
		if (!f || o->nr == 2)
			return reply_error(c, "INVALID_PARAMETER_VALUE",
					   "Invalid order_by clause '%s'",
					   text);
		o->numeric[o->nr] = !strcmp(f, "version");
		o->ascending[o->nr] = so.ascending;
		o->field[o->nr++] = f;
	}
	for (i = 0; dflt[i]; i += 2) {
		o->numeric[o->nr] = !strcmp(dflt[i], "version");
		o->ascending[o->nr] = !strcmp(dflt[i + 1], "ASC");
		o->field[o->nr++] = dflt[i];
	}
	return 0;
}

/*
 * Answer a page of list (matching objects, any order): sorted by o,
 * from the page token's offset, at most max_results (dflt, at most
 * limit), under key with next_page_token when more are left.
 */
static void reply_page(struct call *c, json_t *list, struct order *o,
		       const char *key, int64_t dflt, int64_t limit)
{
	json_t **items, *page = json_array(), *ans;
	size_t n = json_array_size(list), i;
	int64_t max = dflt, offset;
	int present;

	if (field_i64(c, "max_results", &max, &present) ||
	    page_token_read(c, &offset)) {
		json_decref(page);
		return;
	}
	if (!present)
		max = dflt;
	if (max <= 0 || max > limit) {
		json_decref(page);
		reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid value for "
			    "max_results: it must be at most %lld and above 0",
			    (long long)limit);
		return;
	}
	items = mlw_calloc(n + 1, sizeof(*items));
	for (i = 0; i < n; i++)
		items[i] = json_array_get(list, i);
	qsort_r(items, n, sizeof(*items), cmp_objects, o);
	for (i = (size_t)offset; i < n && (int64_t)(i - offset) < max; i++)
		json_array_append(page, items[i]);
	ans = json_object();
	json_object_set_new(ans, key, page);
	if (i < n)
		json_object_set_new(ans, "next_page_token",
				    page_token_make((int64_t)i));
	free(items);
	reply(c, ans);
}

/* the names of every model: rows, then asset names */
static int add_name(const struct mlw_asset *a, void *data)
{
	json_object_set_new(data, a->name, json_true());
	return 0;
}

static int model_names(struct call *c, json_t **out)
{
	sqlite3_stmt *st;
	int rc, ret = prep(c, &st, "SELECT name FROM registered_models");

	*out = json_object();
	if (ret)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(*out, (const char *)sqlite3_column_text(st,
				    0), json_true());
	if (rc != SQLITE_DONE)
		ret = mlw_catalog_db_error(mlw_catalog_db(c->cat),
					   "the model registry");
	sqlite3_finalize(st);
	if (!ret)
		ret = mlw_asset_foreach(c->cat, MLW_ASSET_MODEL, NULL, 0, 0,
					add_name, *out);
	return ret;
}

static void registered_models_search(struct call *c)
{
	static const char *const attrs[] = { "name", NULL };
	static const char *const dflt[] = { "name", "ASC", NULL };
	struct mlw_search_filter f = { NULL, 0 };
	json_t *names = NULL, *list = json_array(), *v;
	struct order o;
	const char *name;
	int ret;

	if (parse_filter(c, &f, attrs) || parse_order(c, &o, dflt) ||
	    call_catalog(c))
		goto out;
	ret = model_names(c, &names);
	json_object_foreach(names, name, v) {
		struct model m;
		json_t *obj;

		if (ret)
			break;
		ret = model_load(c, name, &m);
		if (ret == MLW_ENOTFOUND) {	/* only archived versions */
			mlw_error_clear();
			ret = 0;
			continue;
		}
		if (!ret)
			ret = model_json(c, &obj, &m);
		if (!ret && matches(&f, obj))
			json_array_append(list, obj);
		if (!ret)
			json_decref(obj);
		model_release(&m);
	}
	if (ret)
		reply_fail(c, ret);
	else
		reply_page(c, list, &o, "registered_models", 100,
			   MAX_RESULTS_MODELS);
out:
	json_decref(names);
	json_decref(list);
	mlw_search_filter_release(&f);
}

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

	if (find_version(c, &a))
		return;
	if (call_begin(c)) {
		mlw_asset_free(a);
		return;
	}
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

	if (find_version(c, &a))
		return;
	if (call_begin(c)) {
		mlw_asset_free(a);
		return;
	}
	ret = mlw_asset_set_archived(c->cat, MLW_ASSET_MODEL, a->name,
				     a->version, 1);
	if (!ret)
		ret = exec_strs(c, "DELETE FROM registered_model_aliases WHERE"
				" name = ? AND version = ?", a->name,
				a->version, NULL);
	ret = call_end(c, ret);
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
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
	if (find_version(c, &a))
		return;
	if (call_begin(c)) {
		mlw_asset_free(a);
		return;
	}
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

static void model_versions_search(struct call *c)
{
	static const char *const attrs[] = {
		"name", "run_id", "source_path", "version_number", NULL
	};
	static const char *const dflt[] = {
		"name", "ASC", "version", "DESC", NULL
	};
	struct mlw_search_filter f = { NULL, 0 };
	json_t *names = NULL, *list = json_array(), *yes, *all, *v;
	struct order o;
	const char *name;
	size_t i;
	int ret;

	if (parse_filter(c, &f, attrs) || parse_order(c, &o, dflt) ||
	    call_catalog(c))
		goto out;
	ret = model_names(c, &names);
	json_object_foreach(names, name, yes) {
		if (ret)
			break;
		ret = model_versions(c, &all, name);
		json_array_foreach(all, i, v)
			if (matches(&f, v))
				json_array_append(list, v);
		json_decref(all);
	}
	if (ret)
		reply_fail(c, ret);
	else
		reply_page(c, list, &o, "model_versions", 10000,
			   MAX_RESULTS_VERSIONS);
out:
	json_decref(names);
	json_decref(list);
	mlw_search_filter_release(&f);
}

static void get_latest_versions(struct call *c)
{
	json_t *wanted = get_list(c, "stages"), *versions = NULL, *out, *s, *v;
	struct model m;
	size_t i, j;
	int ret;

	json_array_foreach(wanted, i, s)
		if (!stage_name(text_of(c, s))) {
			reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid "
				    "Model Version stage: %s. Value must be "
				    "one of None, Staging, Production, "
				    "Archived.",
				    text_of(c, s) ? text_of(c, s) : "?");
			return;
		}
	if (find_model(c, "name", &m))
		return;
	ret = model_versions(c, &versions, m.name);
	if (ret) {
		reply_fail(c, ret);
		model_release(&m);
		return;
	}
	if (!json_array_size(wanted)) {
		out = latest_versions(versions, NULL);
	} else {
		out = json_array();
		json_array_foreach(wanted, i, s) {
			json_t *l = latest_versions(versions,
						    stage_name(text_of(c, s)));

			json_array_foreach(l, j, v)
				json_array_append(out, v);
			json_decref(l);
		}
	}
	reply(c, json_pack("{s:o}", "model_versions", out));
	json_decref(versions);
	model_release(&m);
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
	    find_version(c, &a))
		return;
	if (call_begin(c)) {
		mlw_asset_free(a);
		return;
	}
	ret = exec_strs(c, "INSERT OR REPLACE INTO registered_model_aliases"
			" (name, alias, version) VALUES (?, ?, ?)", a->name,
			alias, a->version);
	ret = call_end(c, ret);
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
	mlw_asset_free(a);
}

/* the version alias points at, as text: 0, or an answer */
static int alias_version(struct call *c, const char *name,
			 const char *alias, char **version)
{
	sqlite3_stmt *st;
	int rc, ret = prep(c, &st, "SELECT version FROM"
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
		ret = call_end(c, ret);
		if (ret)
			reply_fail(c, ret);
		else
			reply_empty(c);
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

const struct handler mlw_tracking_registry_handlers[] = {
	{ "POST", "registered-models/create", registered_models_create },
	{ "GET", "registered-models/get", registered_models_get },
	{ "GET", "registered-models/search", registered_models_search },
	{ "PATCH", "registered-models/update", registered_models_update },
	{ "DELETE", "registered-models/delete", registered_models_delete },
	{ "POST", "registered-models/rename", registered_models_rename },
	{ "POST", "registered-models/set-tag", registered_models_set_tag },
	{ "DELETE", "registered-models/delete-tag",
	  registered_models_delete_tag },
	{ "POST", "registered-models/alias", alias_set },
	{ "DELETE", "registered-models/alias", alias_delete },
	{ "GET", "registered-models/alias", alias_get },
	{ "POST", "registered-models/get-latest-versions",
	  get_latest_versions },
	{ "GET", "registered-models/get-latest-versions",
	  get_latest_versions },
	{ "POST", "model-versions/create", model_versions_create },
	{ "GET", "model-versions/get", model_versions_get },
	{ "GET", "model-versions/search", model_versions_search },
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
