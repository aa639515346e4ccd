/*
 * registry-search.c - searching the model registry: registered-models/
 * search, model-versions/search (MLflow's filters on names, run ids and
 * tags, its order_by, pages) and get-latest-versions.
 */
#include "tracking/registry.h"
#include "asset/asset.h"
#include "run/search.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/error.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RESULTS_MODELS 1000
#define MAX_RESULTS_VERSIONS 200000

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
	int rc, ret = registry_prep(c, &st, "SELECT name FROM registered_models");

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

/* what a search of one kind adds to list for the model named name:
 * its objects that match f */
typedef int add_matches_fn(struct call *c, const char *name,
			   const struct mlw_search_filter *f, json_t *list);

/*
 * A registry search: the filter on attrs, the order (dflt when none),
 * add() for every model, then the page of the sorted list as key (at
 * most limit a page, dflt_max when the request says nothing).
 */
static void search(struct call *c, const char *const *attrs,
		   const char *const *dflt, add_matches_fn *add,
		   const char *key, int64_t dflt_max, int64_t limit)
{
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
		if (ret)
			break;
		ret = add(c, name, &f, list);
	}
	if (ret)
		reply_fail(c, ret);
	else
		reply_page(c, list, &o, key, dflt_max, limit);
out:
	json_decref(names);
	json_decref(list);
	mlw_search_filter_release(&f);
}

static int add_model(struct call *c, const char *name,
		     const struct mlw_search_filter *f, json_t *list)
{
	struct model m;
	json_t *obj;
	int ret = model_load(c, name, &m);

	if (ret == MLW_ENOTFOUND) {	/* only archived versions */
		mlw_error_clear();
		return 0;
	}
	if (!ret)
		ret = model_json(c, &obj, &m);
	if (!ret && matches(f, obj))
		json_array_append(list, obj);
	if (!ret)
		json_decref(obj);
	model_release(&m);
	return ret;
}

static void registered_models_search(struct call *c)
{
	static const char *const attrs[] = { "name", NULL };
	static const char *const dflt[] = { "name", "ASC", NULL };

	search(c, attrs, dflt, add_model, "registered_models", 100,
	       MAX_RESULTS_MODELS);
}

static int add_versions(struct call *c, const char *name,
			const struct mlw_search_filter *f, json_t *list)
{
	json_t *all, *v;
	size_t i;
	int ret = model_versions(c, &all, name);

	json_array_foreach(all, i, v)
		if (matches(f, v))
			json_array_append(list, v);
	json_decref(all);
	return ret;
}

static void model_versions_search(struct call *c)
{
	static const char *const attrs[] = {
		"name", "run_id", "source_path", "version_number", NULL
	};
	static const char *const dflt[] = {
		"name", "ASC", "version", "DESC", NULL
	};

	search(c, attrs, dflt, add_versions, "model_versions", 10000,
	       MAX_RESULTS_VERSIONS);
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

const struct handler mlw_tracking_registry_search_handlers[] = {
	{ "GET", "registered-models/search", registered_models_search },
	{ "POST", "registered-models/get-latest-versions",
	  get_latest_versions },
	{ "GET", "registered-models/get-latest-versions",
	  get_latest_versions },
	{ "GET", "model-versions/search", model_versions_search },
	{ NULL, NULL, NULL }
};
