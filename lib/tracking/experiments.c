/*
 * experiments.c - MLflow's experiments routes on mlw's experiments
 * (run/experiment.h).
 */
#include "tracking/internal.h"
#include "run/experiment.h"
#include "run/search.h"
#include "run/tracking.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* --- experiments */

/* "mlflow-artifacts:/ID", where the artifact proxy serves them */
static json_t *experiment_json(const struct mlw_experiment *e)
{
	json_t *v = json_object(), *tags;
	size_t i;

	json_object_set_new(v, "experiment_id",
			    json_sprintf("%lld", (long long)e->id));
	json_object_set_new(v, "name", json_string(e->name));
	json_object_set_new(v, "artifact_location", e->artifact_location ?
			    json_string(e->artifact_location) :
			    json_sprintf("mlflow-artifacts:/%lld",
					 (long long)e->id));
	json_object_set_new(v, "lifecycle_stage", json_string(
			    mlw_experiment_lifecycle_name(e->lifecycle)));
	json_object_set_new(v, "last_update_time",
			    json_integer(to_ms(e->updated)));
	json_object_set_new(v, "creation_time",
			    json_integer(to_ms(e->created)));
	if (e->nr_tags) {
		tags = json_array();
		for (i = 0; i < e->nr_tags; i++)
			json_array_append_new(tags, json_pack("{s:s,s:s}",
					      "key", e->tags[i].key,
					      "value", e->tags[i].value));
		json_object_set_new(v, "tags", tags);
	}
	return v;
}

/* experiment_id as an id; answers 404 for text that is none */
int experiment_id(struct call *c, const char *text, int64_t *id)
{
	char *end;

	errno = 0;
	*id = strtoll(text, &end, 10);
	if (!*text || *end || errno || *id < 0)
		return reply_error(c, "RESOURCE_DOES_NOT_EXIST",
				   "No Experiment with id=%s exists", text);
	return 0;
}

/* the experiment of the request's experiment_id, loaded */
static int load_experiment(struct call *c, struct mlw_experiment **e)
{
	const char *text;
	int64_t id;
	int ret;

	*e = NULL;
	if (need_str(c, "experiment_id", &text) ||
	    experiment_id(c, text, &id) || call_catalog(c))
		return -1;
	ret = mlw_experiment_get(e, c->cat, id);
	if (ret == MLW_ENOTFOUND)
		return reply_error(c, "RESOURCE_DOES_NOT_EXIST",
				   "No Experiment with id=%s exists", text);
	return ret ? reply_fail(c, ret) : 0;
}

static void experiments_create(struct call *c)
{
	const char *name, *location = get_str(c, "artifact_location");
	json_t *tags = get_list(c, "tags"), *t;
	int64_t id;
	size_t i;
	int ret;

	if (need_str(c, "name", &name) || call_begin(c))
		return;
	ret = mlw_experiment_create(&id, c->cat, name,
				    location && *location ? location : NULL);
	json_array_foreach(tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));
		const char *v = json_string_value(json_object_get(t, "value"));

		if (ret)
			break;
		if (!k || mlw_run_check_key("tag", k))
			ret = k ? MLW_EINVALID : mlw_error_setc(MLW_EINVALID,
					"experiment tag without a key");
		else
			ret = mlw_experiment_set_tag(c->cat, id, k, v ? v : "");
	}
	ret = call_end(c, ret);
	if (ret == MLW_EEXISTS)
		reply_error(c, "RESOURCE_ALREADY_EXISTS", "Experiment '%s' "
			    "already exists.", name);
	else if (ret)
		reply_fail(c, ret);
	else
		reply(c, json_pack("{s:o}", "experiment_id",
				   json_sprintf("%lld", (long long)id)));
}

static void experiments_get(struct call *c)
{
	struct mlw_experiment *e;

	if (load_experiment(c, &e))
		return;
	reply(c, json_pack("{s:o}", "experiment", experiment_json(e)));
	mlw_experiment_free(e);
}

static void experiments_get_by_name(struct call *c)
{
	struct mlw_experiment *e;
	const char *name;
	int ret;

	if (need_str(c, "experiment_name", &name) || call_catalog(c))
		return;
	ret = mlw_experiment_get_by_name(&e, c->cat, name);
	if (ret == MLW_ENOTFOUND) {
		reply_error(c, "RESOURCE_DOES_NOT_EXIST", "Could not find "
			    "experiment with name '%s'", name);
		return;
	}
	if (ret) {
		reply_fail(c, ret);
		return;
	}
	reply(c, json_pack("{s:o}", "experiment", experiment_json(e)));
	mlw_experiment_free(e);
}

struct experiment_list {
	struct mlw_experiment **e;
	size_t nr, alloc;
};

static int keep_experiment(struct mlw_experiment *e, void *data)
{
	struct experiment_list *l = data;

	MLW_ALLOC_GROW(l->e, l->nr + 1, l->alloc);
	l->e[l->nr++] = e;
	return 0;
}

/* view_type: ACTIVE_ONLY (default), DELETED_ONLY, ALL */
int view_type(struct call *c, const char *field, int *out)
{
	const char *v = get_str(c, field);

	if (!v || !strcmp(v, "ACTIVE_ONLY") || !strcmp(v, "1"))
		*out = MLW_SEARCH_ACTIVE_ONLY;
	else if (!strcmp(v, "DELETED_ONLY") || !strcmp(v, "2"))
		*out = MLW_SEARCH_DELETED_ONLY;
	else if (!strcmp(v, "ALL") || !strcmp(v, "3"))
		*out = MLW_SEARCH_ALL;
	else
		return reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid "
				   "value for parameter '%s': '%s' (one of "
				   "ACTIVE_ONLY, DELETED_ONLY, ALL)", field, v);
	return 0;
}

static const char *experiment_tag(const struct mlw_experiment *e,
				  const char *key)
{
	size_t i;

	for (i = 0; i < e->nr_tags; i++)
		if (!strcmp(e->tags[i].key, key))
			return e->tags[i].value;
	return NULL;
}

/* whether e passes clause k of an experiments/search filter */
static int experiment_matches(const struct mlw_experiment *e,
			      const struct mlw_search_clause *k)
{
	const char *s = NULL;
	double n = 0;
	int numeric = 0;

	if (k->entity == MLW_SEARCH_TAG) {
		s = experiment_tag(e, k->key);
		if (k->op == MLW_SEARCH_IS_NULL ||
		    k->op == MLW_SEARCH_IS_NOT_NULL)
			return !s == (k->op == MLW_SEARCH_IS_NULL);
	} else if (!strcmp(k->key, "name")) {
		s = e->name;
	} else {
		numeric = 1;
		n = (double)to_ms(!strcmp(k->key, "creation_time") ?
				  e->created : e->updated);
	}
	if (numeric) {
		switch (k->op) {
		case MLW_SEARCH_EQ: return n == k->number;
		case MLW_SEARCH_NE: return n != k->number;
		case MLW_SEARCH_LT: return n < k->number;
		case MLW_SEARCH_LE: return n <= k->number;
		case MLW_SEARCH_GT: return n > k->number;
		case MLW_SEARCH_GE: return n >= k->number;
		default: return 0;
		}
	}
	if (!s)
		return 0;
	switch (k->op) {
	case MLW_SEARCH_EQ: return !strcmp(s, k->text);
	case MLW_SEARCH_NE: return strcmp(s, k->text) != 0;
	case MLW_SEARCH_LIKE: return mlw_search_like(k->text, s, 0);
	case MLW_SEARCH_ILIKE: return mlw_search_like(k->text, s, 1);
	default: return 0;
	}
}

/* the clauses experiments/search takes: name, times, tags */
static int check_experiment_clause(struct call *c,
				   const struct mlw_search_clause *k)
{
	int string_op = k->op == MLW_SEARCH_EQ || k->op == MLW_SEARCH_NE ||
			k->op == MLW_SEARCH_LIKE || k->op == MLW_SEARCH_ILIKE;

	if (k->entity == MLW_SEARCH_TAG) {
		if (string_op && k->text && !k->is_number)
			return 0;
		if (k->op == MLW_SEARCH_IS_NULL ||
		    k->op == MLW_SEARCH_IS_NOT_NULL)
			return 0;
	} else if (k->entity == MLW_SEARCH_ATTRIBUTE) {
		if (!strcmp(k->key, "name") && string_op && k->text &&
		    !k->is_number)
			return 0;
		if ((!strcmp(k->key, "creation_time") ||
		     !strcmp(k->key, "last_update_time")) && k->is_number &&
		    k->op <= MLW_SEARCH_GE)
			return 0;
	}
	return reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid filter "
			   "clause on '%s' (experiments are searched by name, "
			   "creation_time, last_update_time and tags)",
			   k->key);
}

static const char *order_key;
static int order_asc;

static int cmp_experiments(const void *a, const void *b)
{
	const struct mlw_experiment *x = *(struct mlw_experiment *const *)a;
	const struct mlw_experiment *y = *(struct mlw_experiment *const *)b;
	int r = 0;

	if (!strcmp(order_key, "name"))
		r = strcmp(x->name, y->name);
	else if (!strcmp(order_key, "creation_time"))
		r = (x->created > y->created) - (x->created < y->created);
	else if (!strcmp(order_key, "last_update_time"))
		r = (x->updated > y->updated) - (x->updated < y->updated);
	if (!order_asc)
		r = -r;
	if (!r)
		r = (x->id > y->id) - (x->id < y->id);
	return r;
}

/* experiments/search (and MLflow 1's experiments/list) */
static void search_experiments(struct call *c, int list)
{
	struct mlw_experiment_filter ef = { -1, -1, 0 };
	struct mlw_search_filter f = { NULL, 0 };
	struct mlw_search_order o = { MLW_SEARCH_ATTRIBUTE, NULL, 0 };
	struct experiment_list l = { NULL, 0, 0 };
	json_t *orders = list ? NULL : get_list(c, "order_by");
	json_t *out = json_array(), *ans;
	int64_t max = 1000, offset = 0;
	size_t i, j, kept = 0;
	int view, present, ret;
	static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

	if (view_type(c, list ? "view_type" : "view_type", &view) ||
	    field_i64(c, "max_results", &max, &present) ||
	    page_token_read(c, &offset))
		goto out;
	if (!present)
		max = 1000;
	if (max < 1 || max > 50000) {
		reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid value %lld "
			    "for parameter 'max_results' supplied. It must be "
			    "at most 50000", (long long)max);
		goto out;
	}
	ret = mlw_search_parse(&f, list ? NULL : get_str(c, "filter"));
	for (i = 0; !ret && i < f.nr; i++)
		if (check_experiment_clause(c, &f.clauses[i]))
			goto out;
	if (!ret && json_array_size(orders)) {
		const char *text = json_string_value(json_array_get(orders, 0));

		ret = text ? mlw_search_parse_order(&o, text) :
		      mlw_error_setc(MLW_EINVALID, "order_by must be strings");
		if (!ret && strcmp(o.key, "name") &&
		    strcmp(o.key, "creation_time") &&
		    strcmp(o.key, "last_update_time") &&
		    strcmp(o.key, "experiment_id"))
			ret = mlw_error_setc(MLW_EINVALID, "invalid order_by "
					     "key '%s' (one of name, "
					     "experiment_id, creation_time, "
					     "last_update_time)", o.key);
	}
	if (ret) {
		reply_fail(c, ret);
		goto out;
	}
	if (view != MLW_SEARCH_ALL)
		ef.lifecycle = view == MLW_SEARCH_ACTIVE_ONLY ?
			       MLW_EXPERIMENT_ACTIVE : MLW_EXPERIMENT_DELETED;
	if (call_catalog(c))
		goto out;
	ret = mlw_experiment_foreach(c->cat, &ef, keep_experiment, &l);
	if (ret) {
		reply_fail(c, ret);
		goto out;
	}
	/* few experiments: filtered and sorted here */
	for (i = 0; i < l.nr; i++) {
		int keep = 1;

		for (j = 0; keep && j < f.nr; j++)
			keep = experiment_matches(l.e[i], &f.clauses[j]);
		if (keep)
			l.e[kept++] = l.e[i];
		else
			mlw_experiment_free(l.e[i]);
	}
	l.nr = kept;
	pthread_mutex_lock(&sort_lock);
	order_key = o.key ? o.key : "creation_time";
	order_asc = o.key ? o.ascending : 0;
	qsort(l.e, l.nr, sizeof(*l.e), cmp_experiments);
	pthread_mutex_unlock(&sort_lock);
	for (i = (size_t)offset; i < l.nr && (int64_t)(i - offset) < max; i++)
		json_array_append_new(out, experiment_json(l.e[i]));
	ans = json_pack("{s:O}", "experiments", out);
	if (!list && i < l.nr)
		json_object_set_new(ans, "next_page_token",
				    page_token_make((int64_t)i));
	reply(c, ans);
out:
	for (i = 0; i < l.nr; i++)
		mlw_experiment_free(l.e[i]);
	free(l.e);
	free(o.key);
	mlw_search_filter_release(&f);
	json_decref(out);
}

static void experiments_search(struct call *c)
{
	search_experiments(c, 0);
}

static void experiments_list(struct call *c)
{
	search_experiments(c, 1);
}

/* the experiment_id of the request, as an id (404 when unknown) */
static int experiment_of_request(struct call *c, int64_t *id)
{
	struct mlw_experiment *e;

	if (load_experiment(c, &e))
		return -1;
	*id = e->id;
	mlw_experiment_free(e);
	return 0;
}

static void experiments_update(struct call *c)
{
	const char *name;
	int64_t id;

	if (experiment_of_request(c, &id) || need_str(c, "new_name", &name) ||
	    call_begin(c))
		return;
	reply_done(c, mlw_experiment_rename(c->cat, id, name));
}

static void set_lifecycle(struct call *c, enum mlw_experiment_lifecycle l)
{
	int64_t id;

	if (experiment_of_request(c, &id) || call_begin(c))
		return;
	reply_done(c, mlw_experiment_set_lifecycle(c->cat, id, l));
}

static void experiments_delete(struct call *c)
{
	set_lifecycle(c, MLW_EXPERIMENT_DELETED);
}

static void experiments_restore(struct call *c)
{
	set_lifecycle(c, MLW_EXPERIMENT_ACTIVE);
}

static void experiments_set_tag(struct call *c)
{
	const char *key, *value;
	int64_t id;
	int ret;

	if (experiment_of_request(c, &id) || need_str(c, "key", &key) ||
	    need_str(c, "value", &value))
		return;
	ret = mlw_run_check_key("tag", key);
	if (!ret && strlen(value) > 5000)
		ret = mlw_error_setc(MLW_EINVALID, "experiment tag '%s' had "
				     "length %zu, which exceeded length limit "
				     "of 5000", key, strlen(value));
	if (ret) {
		reply_fail(c, ret);
		return;
	}
	if (call_begin(c))
		return;
	reply_done(c, mlw_experiment_set_tag(c->cat, id, key, value));
}

static void experiments_delete_tag(struct call *c)
{
	const char *key;
	int64_t id;

	if (experiment_of_request(c, &id) || need_str(c, "key", &key) ||
	    call_begin(c))
		return;
	reply_done(c, mlw_experiment_delete_tag(c->cat, id, key));
}

const struct handler mlw_tracking_experiment_handlers[] = {
	{ "POST", "experiments/create", experiments_create },
	{ "GET", "experiments/get", experiments_get },
	{ "GET", "experiments/get-by-name", experiments_get_by_name },
	{ "POST", "experiments/search", experiments_search },
	{ "GET", "experiments/search", experiments_search },
	{ "GET", "experiments/list", experiments_list },
	{ "POST", "experiments/update", experiments_update },
	{ "POST", "experiments/delete", experiments_delete },
	{ "POST", "experiments/restore", experiments_restore },
	{ "POST", "experiments/set-experiment-tag", experiments_set_tag },
	{ "POST", "experiments/delete-experiment-tag",
	  experiments_delete_tag },
	{ NULL, NULL, NULL }
};
