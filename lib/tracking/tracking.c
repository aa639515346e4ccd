/*
 * tracking.c - MLflow's experiments, runs and metrics routes; the
 * dispatch of every route under /api/2.0/mlflow/ (see tracking.h).
 */
#include "tracking/internal.h"
#include "http/server.h"
#include "run/experiment.h"
#include "run/pool.h"
#include "run/run.h"
#include "run/search.h"
#include "run/tracking.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RESULTS_RUNS 50000
#define MAX_RESULTS_HISTORY 25000

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
static int experiment_id(struct call *c, const char *text, int64_t *id)
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
static int view_type(struct call *c, const char *field, int *out)
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
	int ret;

	if (experiment_of_request(c, &id) || need_str(c, "new_name", &name) ||
	    call_begin(c))
		return;
	ret = call_end(c, mlw_experiment_rename(c->cat, id, name));
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
}

static void set_lifecycle(struct call *c, enum mlw_experiment_lifecycle l)
{
	int64_t id;
	int ret;

	if (experiment_of_request(c, &id) || call_begin(c))
		return;
	ret = call_end(c, mlw_experiment_set_lifecycle(c->cat, id, l));
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
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
	ret = call_end(c, mlw_experiment_set_tag(c->cat, id, key, value));
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
}

static void experiments_delete_tag(struct call *c)
{
	const char *key;
	int64_t id;
	int ret;

	if (experiment_of_request(c, &id) || need_str(c, "key", &key) ||
	    call_begin(c))
		return;
	ret = call_end(c, mlw_experiment_delete_tag(c->cat, id, key));
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
}

/* --- runs */

static const char *run_tag(const struct mlw_run *run, const char *key)
{
	size_t i;

	for (i = 0; i < run->nr_tags; i++)
		if (!strcmp(run->tags[i].key, key))
			return run->tags[i].value;
	return NULL;
}

static json_t *run_info_json(const struct mlw_run *run)
{
	const char *user = run_tag(run, "mlflow.user");
	json_t *v = json_object();

	json_object_set_new(v, "run_id", json_string(run->name));
	json_object_set_new(v, "run_uuid", json_string(run->name));
	json_object_set_new(v, "run_name", json_string(run->display_name ?
				run->display_name : run->name));
	json_object_set_new(v, "experiment_id", json_sprintf("%lld",
			    (long long)run->experiment_id));
	json_object_set_new(v, "user_id", json_string(user ? user : ""));
	json_object_set_new(v, "status",
			    json_string(mlw_run_mlflow_status(run->status)));
	json_object_set_new(v, "start_time", json_integer(to_ms(
			    run->times[MLW_RUN_NOT_STARTED])));
	if (run->times[MLW_RUN_ENDED_TIME] > 0)
		json_object_set_new(v, "end_time", json_integer(to_ms(
				    run->times[MLW_RUN_ENDED_TIME])));
	json_object_set_new(v, "artifact_uri", json_sprintf(
			    "mlflow-artifacts:/%lld/%s/artifacts",
			    (long long)run->experiment_id, run->name));
	json_object_set_new(v, "lifecycle_stage",
			    json_string(run->archived ? "deleted" : "active"));
	return v;
}

static json_t *kv_json(const struct mlw_run_kv *kv, size_t nr)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < nr; i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "key",
				      kv[i].key, "value", kv[i].value));
	return a;
}

static json_t *metric_json(const struct mlw_run_metric *m, const char *run)
{
	json_t *v = json_pack("{s:s,s:o,s:I,s:I}", "key", m->key, "value",
			      metric_value_json(m->value), "timestamp",
			      (json_int_t)to_ms(m->time), "step",
			      (json_int_t)m->step);

	if (run)
		json_object_set_new(v, "run_id", json_string(run));
	return v;
}

/* MLflow's Run: info, data (lists omitted when empty), inputs */
static json_t *run_json(const struct mlw_run *run,
			const struct mlw_run_dataset *d, size_t nr_d)
{
	json_t *data = json_object(), *inputs = json_object();
	size_t i, j;

	if (run->nr_metrics) {
		json_t *a = json_array();

		for (i = 0; i < run->nr_metrics; i++)
			json_array_append_new(a, metric_json(&run->metrics[i],
							     NULL));
		json_object_set_new(data, "metrics", a);
	}
	if (run->nr_params)
		json_object_set_new(data, "params",
				    kv_json(run->params, run->nr_params));
	if (run->nr_tags)
		json_object_set_new(data, "tags",
				    kv_json(run->tags, run->nr_tags));
	if (nr_d) {
		json_t *a = json_array();

		for (i = 0; i < nr_d; i++) {
			json_t *ds = json_pack("{s:s,s:s,s:s,s:s}", "name",
					       d[i].name, "digest", d[i].digest,
					       "source_type", d[i].source_type,
					       "source", d[i].source);
			json_t *tags = json_array();

			if (d[i].schema)
				json_object_set_new(ds, "schema",
						    json_string(d[i].schema));
			if (d[i].profile)
				json_object_set_new(ds, "profile",
						    json_string(d[i].profile));
			for (j = 0; j < d[i].nr_tags; j++)
				json_array_append_new(tags, json_pack(
					"{s:s,s:s}", "key", d[i].tags[j].key,
					"value", d[i].tags[j].value));
			json_array_append_new(a, json_pack("{s:o,s:o}", "tags",
						tags, "dataset", ds));
		}
		json_object_set_new(inputs, "dataset_inputs", a);
	}
	return json_pack("{s:o,s:o,s:o}", "info", run_info_json(run), "data",
			 data, "inputs", inputs);
}

/* the run of the request's run_id with its details, answered 404 */
static int load_run(struct call *c, struct mlw_run **out)
{
	const char *id;
	int ret;

	*out = NULL;
	if (need_str(c, "run_id", &id) || call_catalog(c))
		return -1;
	ret = mlw_run_get(out, c->cat, id);
	if (ret == MLW_ENOTFOUND)
		return reply_error(c, "RESOURCE_DOES_NOT_EXIST", "Run with id="
				   "%s not found", id);
	if (!ret)
		ret = mlw_run_load_details(c->cat, *out);
	return ret ? reply_fail(c, ret) : 0;
}

static void runs_get(struct call *c)
{
	struct mlw_run_dataset *d = NULL;
	struct mlw_run *run;
	size_t nr = 0;
	int ret;

	if (load_run(c, &run)) {
		mlw_run_free(run);
		return;
	}
	ret = mlw_run_load_inputs(&d, &nr, c->cat, run->id);
	if (ret)
		reply_fail(c, ret);
	else
		reply(c, json_pack("{s:o}", "run", run_json(run, d, nr)));
	mlw_run_datasets_free(d, nr);
	mlw_run_free(run);
}

/* a list of {key, value} objects as kv pairs borrowed from the JSON */
static int read_kvs(struct call *c, const char *field, struct mlw_run_kv **out,
		    size_t *nr)
{
	json_t *list = get_list(c, field), *item;
	size_t i;

	*out = NULL;
	*nr = 0;
	if (!list)
		return 0;
	*out = mlw_calloc(json_array_size(list) + 1, sizeof(**out));
	json_array_foreach(list, i, item) {
		const char *k = json_string_value(json_object_get(item, "key"));
		json_t *v = json_object_get(item, "value");

		if (!k)
			return reply_error(c, "INVALID_PARAMETER_VALUE",
					   "Missing value for required "
					   "parameter '%s[%zu].key'", field, i);
		(*out)[*nr].key = (char *)k;
		(*out)[*nr].value = (char *)(v ? text_of(c, v) : "");
		if (!(*out)[*nr].value)
			return reply_error(c, "INVALID_PARAMETER_VALUE",
					   "Invalid value for parameter "
					   "'%s[%zu].value': expected a "
					   "string", field, i);
		(*nr)++;
	}
	return 0;
}

static void runs_create(struct call *c)
{
	struct mlw_run_tracking_request rq;
	struct mlw_experiment *e = NULL;
	struct mlw_run_kv *tags, *all = NULL;
	struct mlw_run *run = NULL;
	const char *exp = get_str(c, "experiment_id");
	const char *user = get_str(c, "user_id");
	int64_t id, start;
	size_t nr, i;
	int present, ret, has_user = 0;

	memset(&rq, 0, sizeof(rq));
	if (read_kvs(c, "tags", &tags, &nr) ||
	    field_i64(c, "start_time", &start, &present) ||
	    experiment_id(c, exp ? exp : "0", &id) || call_catalog(c))
		goto out;
	ret = mlw_experiment_get(&e, c->cat, id);
	if (ret == MLW_ENOTFOUND) {
		reply_error(c, "RESOURCE_DOES_NOT_EXIST", "No Experiment with "
			    "id=%lld exists", (long long)id);
		goto out;
	}
	if (ret) {
		reply_fail(c, ret);
		goto out;
	}
	if (e->lifecycle != MLW_EXPERIMENT_ACTIVE) {
		reply_error(c, "INVALID_PARAMETER_VALUE", "The experiment %lld "
			    "must be in the 'active' state. Current state is "
			    "deleted.", (long long)id);
		goto out;
	}
	/* user_id (deprecated) is the tag mlflow.user */
	all = mlw_calloc(nr + 1, sizeof(*all));
	for (i = 0; i < nr; i++) {
		all[i] = tags[i];
		has_user |= !strcmp(tags[i].key, "mlflow.user");
	}
	if (user && *user && !has_user) {
		all[nr].key = "mlflow.user";
		all[nr++].value = (char *)user;
	}
	rq.experiment = e->name;
	rq.run_name = get_str(c, "run_name");
	if (rq.run_name && !*rq.run_name)
		rq.run_name = NULL;
	rq.start_time = present ? (double)start / 1000 : 0;
	rq.tags = all;
	rq.nr_tags = nr;
	if (call_begin(c))
		goto out;
	ret = call_end(c, mlw_run_create_tracking(&run, c->cat, &rq));
	if (ret) {
		reply_fail(c, ret);
		goto out;
	}
	/* read back, as runs/get answers it */
	ret = mlw_run_load_details(c->cat, run);
	if (ret)
		reply_fail(c, ret);
	else
		reply(c, json_pack("{s:o}", "run", run_json(run, NULL, 0)));
out:
	free(tags);
	free(all);
	mlw_experiment_free(e);
	mlw_run_free(run);
}

static void runs_update(struct call *c)
{
	const char *id, *status = get_str(c, "status");
	const char *name = get_str(c, "run_name");
	enum mlw_run_status s = MLW_RUN_RUNNING;
	struct mlw_run *run = NULL;
	int64_t end = 0, rid;
	int present, ret;

	if (need_str(c, "run_id", &id) || find_run(c, id, &rid) ||
	    field_i64(c, "end_time", &end, &present))
		return;
	if (status && *status) {
		ret = mlw_run_mlflow_status_parse(&s, status);
		if (ret) {
			reply_fail(c, ret);
			return;
		}
	}
	if (call_begin(c))
		return;
	ret = mlw_run_tracking_update(c->cat, id, status && *status ? (int)s :
				      -1, present ? (double)end / 1000 : 0,
				      name && *name ? name : NULL);
	if (!ret)
		ret = mlw_run_get(&run, c->cat, id);
	if (!ret)
		ret = mlw_run_load_details(c->cat, run);
	ret = call_end(c, ret);
	if (ret)
		reply_fail(c, ret);
	else
		reply(c, json_pack("{s:o}", "run_info", run_info_json(run)));
	mlw_run_free(run);
}

static void set_deleted(struct call *c, int deleted)
{
	const char *id;
	int64_t rid;
	int ret;

	if (need_str(c, "run_id", &id) || find_run(c, id, &rid) ||
	    call_begin(c))
		return;
	ret = call_end(c, mlw_run_set_deleted(c->cat, id, deleted));
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
}

static void runs_delete(struct call *c)
{
	set_deleted(c, 1);
}

static void runs_restore(struct call *c)
{
	set_deleted(c, 0);
}

struct run_page {
	json_t *runs;
};

static int add_run(struct mlw_run *run, void *data)
{
	struct run_page *p = data;

	json_array_append_new(p->runs, run_json(run, NULL, 0));
	mlw_run_free(run);
	return 0;
}

static void runs_search(struct call *c)
{
	struct mlw_run_search s;
	struct run_page page = { json_array() };
	json_t *ids = get_list(c, "experiment_ids"), *orders, *v, *ans;
	const char **order = NULL;
	int64_t *exp = NULL, max;
	size_t i;
	int present, view, more, ret;

	memset(&s, 0, sizeof(s));
	if (!json_array_size(ids)) {
		reply_error(c, "INVALID_PARAMETER_VALUE", "Missing value for "
			    "required parameter 'experiment_ids'. See the API "
			    "docs for more information about request "
			    "parameters.");
		goto out;
	}
	exp = mlw_calloc(json_array_size(ids), sizeof(*exp));
	json_array_foreach(ids, i, v) {
		const char *text = text_of(c, v);
		char *end;

		errno = 0;
		exp[i] = text ? strtoll(text, &end, 10) : 0;
		if (!text || !*text || *end || errno) {
			reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid "
				    "experiment id '%s'", text ? text : "");
			goto out;
		}
	}
	if (field_i64(c, "max_results", &max, &present) ||
	    view_type(c, "run_view_type", &view) ||
	    page_token_read(c, &s.offset))
		goto out;
	if (!present)
		max = 1000;
	if (max < 1 || max > MAX_RESULTS_RUNS) {
		reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid value for "
			    "request parameter max_results. It must be at most "
			    "%d, but got value %lld", MAX_RESULTS_RUNS,
			    (long long)max);
		goto out;
	}
	orders = get_list(c, "order_by");
	order = mlw_calloc(json_array_size(orders) + 1, sizeof(*order));
	json_array_foreach(orders, i, v) {
		order[i] = json_string_value(v);
		if (!order[i]) {
			reply_error(c, "INVALID_PARAMETER_VALUE", "order_by "
				    "must be a list of strings");
			goto out;
		}
	}
	s.experiment_ids = exp;
	s.nr_experiments = json_array_size(ids);
	s.filter = get_str(c, "filter");
	s.order_by = order;
	s.nr_order_by = json_array_size(orders);
	s.view = view;
	s.max_results = max;
	if (call_catalog(c))
		goto out;
	ret = mlw_run_search(c->cat, &s, &more, add_run, &page);
	if (ret) {
		reply_fail(c, ret);
		goto out;
	}
	ans = json_object();
	if (json_array_size(page.runs))
		json_object_set(ans, "runs", page.runs);
	if (more)
		json_object_set_new(ans, "next_page_token",
				    page_token_make(s.offset + max));
	reply(c, ans);
out:
	json_decref(page.runs);
	free(exp);
	free(order);
}

/* write b to the run named id: MLflow's answers for what fails */
static void log_to_run_id(struct call *c, const char *id,
			  const struct mlw_run_batch *b)
{
	int64_t rid;
	int ret;

	/* bad input is refused before the catalog is touched */
	ret = mlw_run_batch_check(b);
	if (ret) {
		reply_fail(c, ret);
		return;
	}
	if (find_run(c, id, &rid) || call_begin(c))
		return;
	ret = call_end(c, mlw_run_log_batch(c->cat, rid, b));
	if (ret == MLW_EEXISTS)
		/* a param given another value: MLflow says it is bad input */
		reply_error(c, "INVALID_PARAMETER_VALUE", "Changing param "
			    "values is not allowed. %s", mlw_error_last());
	else if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
}

/* write b to the request's run_id */
static void log_to_run(struct call *c, const struct mlw_run_batch *b)
{
	const char *id;

	if (!need_str(c, "run_id", &id))
		log_to_run_id(c, id, b);
}

/* one metric object (of log-metric or of a batch) into m */
static int read_metric(struct call *c, json_t *o, struct mlw_run_metric *m)
{
	json_t *k = json_object_get(o, "key");
	json_t *v = json_object_get(o, "value");
	json_t *ts = json_object_get(o, "timestamp");
	json_t *step = json_object_get(o, "step");
	int64_t t;

	if (!json_is_string(k) || !v || json_is_null(v) || !ts ||
	    json_is_null(ts))
		return reply_error(c, "INVALID_PARAMETER_VALUE",
				   "Missing value for required parameter "
				   "'%s'. See the API docs for more "
				   "information about request parameters.",
				   !json_is_string(k) ? "key" :
				   !v || json_is_null(v) ? "value" :
				   "timestamp");
	m->key = (char *)json_string_value(k);
	if (get_double(c, v, "value", &m->value) ||
	    get_i64(c, ts, "timestamp", &t))
		return -1;
	m->time = (double)t / 1000;
	m->step = 0;
	if (step && !json_is_null(step) && get_i64(c, step, "step", &m->step))
		return -1;
	return 0;
}

static void runs_log_metric(struct call *c)
{
	struct mlw_run_batch b;
	struct mlw_run_metric m;
	json_t *key = json_object_get(c->in, "key");

	memset(&b, 0, sizeof(b));
	/* a query string's fields are text: the same reading applies */
	if (!json_is_string(key)) {
		reply_error(c, "INVALID_PARAMETER_VALUE", "Missing value for "
			    "required parameter 'key'. See the API docs for "
			    "more information about request parameters.");
		return;
	}
	if (read_metric(c, c->in, &m))
		return;
	b.metrics = &m;
	b.nr_metrics = 1;
	log_to_run(c, &b);
}

static void log_kv(struct call *c, int is_param)
{
	struct mlw_run_batch b;
	struct mlw_run_kv kv;
	const char *k, *v;

	memset(&b, 0, sizeof(b));
	if (need_str(c, "key", &k) || need_str(c, "value", &v))
		return;
	kv.key = (char *)k;
	kv.value = (char *)v;
	if (is_param) {
		b.params = &kv;
		b.nr_params = 1;
	} else {
		b.tags = &kv;
		b.nr_tags = 1;
	}
	log_to_run(c, &b);
}

static void runs_log_parameter(struct call *c)
{
	log_kv(c, 1);
}

static void runs_set_tag(struct call *c)
{
	log_kv(c, 0);
}

static void runs_delete_tag(struct call *c)
{
	const char *id, *key;
	int64_t rid;
	int ret;

	if (need_str(c, "run_id", &id) || need_str(c, "key", &key) ||
	    find_run(c, id, &rid) || call_begin(c))
		return;
	ret = call_end(c, mlw_run_delete_tag(c->cat, rid, key));
	if (ret == MLW_ENOTFOUND)
		reply_error(c, "RESOURCE_DOES_NOT_EXIST", "No tag with name: "
			    "%s in run with id %s", key, id);
	else if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
}

static void runs_log_batch(struct call *c)
{
	struct mlw_run_batch b;
	struct mlw_run_metric *m = NULL;
	struct mlw_run_kv *params = NULL, *tags = NULL;
	json_t *metrics = get_list(c, "metrics"), *o;
	size_t i, nr_params = 0, nr_tags = 0;

	memset(&b, 0, sizeof(b));
	if (json_array_size(metrics) > MLW_TRACKING_MAX_BATCH_METRICS) {
		b.nr_metrics = json_array_size(metrics);
		reply_fail(c, mlw_run_batch_check(&b));
		return;
	}
	m = mlw_calloc(json_array_size(metrics) + 1, sizeof(*m));
	json_array_foreach(metrics, i, o)
		if (read_metric(c, o, &m[i]))
			goto out;
	if (read_kvs(c, "params", &params, &nr_params) ||
	    read_kvs(c, "tags", &tags, &nr_tags))
		goto out;
	b.metrics = m;
	b.nr_metrics = json_array_size(metrics);
	b.params = params;
	b.nr_params = nr_params;
	b.tags = tags;
	b.nr_tags = nr_tags;
	log_to_run(c, &b);
out:
	free(m);
	free(params);
	free(tags);
}

/* the body of the plain shape, read without jansson (batch.c) */
static int runs_log_batch_fast(struct call *c)
{
	struct log_batch_body body;
	struct mlw_run_batch b;
	const char *text;
	size_t len;

	text = mlw_http_request_body(c->req, &len);
	if (log_batch_scan(&body, text, len))
		return 1;
	b.metrics = body.metrics;
	b.nr_metrics = body.nr_metrics;
	b.params = body.params;
	b.nr_params = body.nr_params;
	b.tags = body.tags;
	b.nr_tags = body.nr_tags;
	log_to_run_id(c, body.run_id, &b);
	log_batch_body_release(&body);
	return 0;
}

static char *dup_field(json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s ? mlw_strdup(s) : NULL;
}

static void runs_log_inputs(struct call *c)
{
	json_t *list = get_list(c, "datasets"), *item;
	struct mlw_run_dataset *d;
	const char *id;
	int64_t rid;
	size_t i, j, n = json_array_size(list);
	int ret;

	if (need_str(c, "run_id", &id) || find_run(c, id, &rid))
		return;
	d = mlw_calloc(n + 1, sizeof(*d));
	json_array_foreach(list, i, item) {
		json_t *ds = json_object_get(item, "dataset");
		json_t *tags = json_object_get(item, "tags"), *t;

		d[i].name = dup_field(ds, "name");
		d[i].digest = dup_field(ds, "digest");
		d[i].source_type = dup_field(ds, "source_type");
		d[i].source = dup_field(ds, "source");
		d[i].schema = dup_field(ds, "schema");
		d[i].profile = dup_field(ds, "profile");
		d[i].tags = mlw_calloc(json_array_size(tags) + 1,
				       sizeof(*d[i].tags));
		json_array_foreach(tags, j, t) {
			d[i].tags[j].key = dup_field(t, "key");
			d[i].tags[j].value = dup_field(t, "value");
			d[i].nr_tags++;
		}
	}
	if (!call_begin(c)) {
		ret = call_end(c, mlw_run_log_inputs(c->cat, rid, d, n));
		if (ret)
			reply_fail(c, ret);
		else
			reply_empty(c);
	}
	mlw_run_datasets_free(d, n);
}

/* MLflow keeps each logged model's JSON in a list in one tag */
static void runs_log_model(struct call *c)
{
	const char *id, *model;
	struct mlw_run *run = NULL;
	json_t *m, *hist = NULL;
	char *text;
	int ret;

	if (need_str(c, "model_json", &model))
		return;
	m = json_loads(model, 0, NULL);
	if (!json_is_object(m)) {
		json_decref(m);
		reply_error(c, "INVALID_PARAMETER_VALUE", "model_json is not a "
			    "JSON object");
		return;
	}
	if (need_str(c, "run_id", &id) || call_begin(c)) {
		json_decref(m);
		return;
	}
	ret = mlw_run_get(&run, c->cat, id);
	if (!ret)
		ret = mlw_run_load_details(c->cat, run);
	if (!ret) {
		const char *old = run_tag(run, "mlflow.log-model.history");

		hist = old ? json_loads(old, 0, NULL) : NULL;
		if (!json_is_array(hist)) {
			json_decref(hist);
			hist = json_array();
		}
		json_array_append(hist, m);
		text = mlw_json_dumps(hist, MLW_JSON_COMPACT);
		ret = mlw_run_set_tag(c->cat, run->id,
				      "mlflow.log-model.history", text);
		free(text);
	}
	ret = call_end(c, ret);
	if (ret == MLW_ENOTFOUND)
		reply_error(c, "RESOURCE_DOES_NOT_EXIST", "Run with id=%s not "
			    "found", id);
	else if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
	json_decref(hist);
	json_decref(m);
	mlw_run_free(run);
}

/* --- metrics */

struct history {
	json_t *metrics;
	const char *run;	/* bulk: each point says its run */
	struct mlw_run_metric_pos last;
};

static int add_point(const struct mlw_run_metric *m,
		     const struct mlw_run_metric_pos *pos, void *data)
{
	struct history *h = data;

	json_array_append_new(h->metrics, metric_json(m, h->run));
	h->last = *pos;
	return 0;
}

/* page tokens of the history: the last position, "step:seq" */
static void metrics_get_history(struct call *c)
{
	struct history h = { json_array(), NULL, { 0, 0 } };
	struct mlw_run_metric_pos after, *from = NULL;
	const char *id, *key, *tok = get_str(c, "page_token");
	int64_t rid, max;
	int present, more = 0, ret;
	json_t *ans;

	if (need_str(c, "run_id", &id) || need_str(c, "metric_key", &key) ||
	    field_i64(c, "max_results", &max, &present) ||
	    find_run(c, id, &rid))
		goto out;
	if (!present)
		max = MAX_RESULTS_HISTORY;
	if (max < 1 || max > MAX_RESULTS_HISTORY) {
		reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid value for "
			    "request parameter max_results: it must be between "
			    "1 and %d", MAX_RESULTS_HISTORY);
		goto out;
	}
	if (tok && *tok) {
		long long step, seq;
		int n = 0;

		if (sscanf(tok, "%lld:%lld%n", &step, &seq, &n) != 2 ||
		    tok[n]) {
			reply_error(c, "INVALID_PARAMETER_VALUE",
				    "Invalid page token '%s'", tok);
			goto out;
		}
		after.step = step;
		after.seq = seq;
		from = &after;
	}
	ret = mlw_run_metric_page(c->cat, rid, key, from, max, &more,
				  add_point, &h);
	if (ret) {
		reply_fail(c, ret);
		goto out;
	}
	ans = json_pack("{s:O}", "metrics", h.metrics);
	if (more)
		json_object_set_new(ans, "next_page_token", json_sprintf(
				    "%lld:%lld", (long long)h.last.step,
				    (long long)h.last.seq));
	reply(c, ans);
out:
	json_decref(h.metrics);
}

static void metrics_get_history_bulk(struct call *c)
{
	struct history h = { json_array(), NULL, { 0, 0 } };
	json_t *ids = get_list(c, "run_id"), *v;
	const char *key;
	int64_t max, rid;
	size_t i;
	int present, more, ret;

	if (need_str(c, "metric_key", &key) ||
	    field_i64(c, "max_results", &max, &present))
		goto out;
	if (!present)
		max = MAX_RESULTS_HISTORY;
	if (!json_array_size(ids) || json_array_size(ids) > 100 || max < 1 ||
	    max > MAX_RESULTS_HISTORY) {
		reply_error(c, "INVALID_PARAMETER_VALUE", "GetMetricHistory"
			    "Bulk takes 1 to 100 run_id and max_results from "
			    "1 to %d", MAX_RESULTS_HISTORY);
		goto out;
	}
	json_array_foreach(ids, i, v) {
		int64_t left = max - (int64_t)json_array_size(h.metrics);

		h.run = text_of(c, v);
		if (!h.run || find_run(c, h.run, &rid))
			goto out;
		if (left <= 0)
			break;
		ret = mlw_run_metric_page(c->cat, rid, key, NULL, left, &more,
					  add_point, &h);
		if (ret) {
			reply_fail(c, ret);
			goto out;
		}
	}
	reply(c, json_pack("{s:O}", "metrics", h.metrics));
out:
	json_decref(h.metrics);
}

/* --- routing */

static const struct handler handlers[] = {
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
	{ "POST", "runs/create", runs_create },
	{ "POST", "runs/update", runs_update },
	{ "GET", "runs/get", runs_get },
	{ "POST", "runs/search", runs_search },
	{ "POST", "runs/delete", runs_delete },
	{ "POST", "runs/restore", runs_restore },
	{ "POST", "runs/log-metric", runs_log_metric },
	{ "POST", "runs/log-parameter", runs_log_parameter },
	{ "POST", "runs/set-tag", runs_set_tag },
	{ "POST", "runs/delete-tag", runs_delete_tag },
	{ "POST", "runs/log-batch", runs_log_batch },
	{ "POST", "runs/log-inputs", runs_log_inputs },
	{ "POST", "runs/log-model", runs_log_model },
	{ "GET", "metrics/get-history", metrics_get_history },
	{ "GET", "metrics/get-history-bulk", metrics_get_history_bulk },
	{ NULL, NULL, NULL }
};

/*
 * Handlers with a way of their own to read the body, tried first: 0
 * answered, 1 declined (the body is then read into c->in for the
 * handler).
 */
static const struct {
	handler_fn *fn;
	int (*fast)(struct call *c);
} fast_paths[] = {
	{ runs_log_batch, runs_log_batch_fast },
};

static int try_fast(struct call *c, const struct handler *h)
{
	size_t i;

	for (i = 0; i < sizeof(fast_paths) / sizeof(*fast_paths); i++)
		if (fast_paths[i].fn == h->fn)
			return fast_paths[i].fast(c);
	return 1;
}

static const struct handler *const tables[] = {
	handlers, mlw_tracking_registry_handlers,
	mlw_tracking_artifact_handlers,
};

/*
 * Bare NaN, Infinity and -Infinity (Python's json.dumps writes them)
 * outside strings, quoted as protobuf's JSON spells them, so that
 * jansson takes the body.  NULL when there are none.
 */
static char *quote_non_finite(const char *body, size_t len)
{
	static const char *const words[] = { "-Infinity", "Infinity", "NaN" };
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i, w;
	int in_string = 0, changed = 0;

	for (i = 0; i < len; i++) {
		char ch = body[i];

		if (in_string) {
			if (ch == '\\' && i + 1 < len)
				mlw_buf_addch(&b, body[i++]);
			else if (ch == '"')
				in_string = 0;
			mlw_buf_addch(&b, body[i]);
			continue;
		}
		if (ch == '"')
			in_string = 1;
		for (w = 0; w < 3; w++) {
			size_t n = strlen(words[w]);

			if (len - i >= n && !memcmp(body + i, words[w], n))
				break;
		}
		if (w < 3) {
			mlw_buf_addf(&b, "\"%s\"", words[w]);
			i += strlen(words[w]) - 1;
			changed = 1;
			continue;
		}
		mlw_buf_addch(&b, ch);
	}
	if (!changed) {
		mlw_buf_release(&b);
		return NULL;
	}
	return mlw_buf_detach(&b, NULL);
}

static int add_query(const char *name, const char *value, void *data)
{
	json_t *o = data, *old = json_object_get(o, name);
	json_t *v = json_string(value ? value : "");

	if (!v)
		return -1;	/* not UTF-8 */
	if (!old)
		json_object_set_new(o, name, v);
	else if (json_is_array(old))
		json_array_append_new(old, v);
	else
		json_object_set_new(o, name, json_pack("[Oo]", old, v));
	return 0;
}

/* the request's fields: the query of a GET, the JSON body otherwise */
static int read_input(struct call *c)
{
	json_error_t err;
	const char *body;
	char *fixed;
	size_t len;

	c->in = json_object();
	if (mlw_http_request_query_foreach(c->req, add_query, c->in))
		return reply_error(c, "INVALID_PARAMETER_VALUE", "a query "
				   "parameter is not valid UTF-8");
	body = mlw_http_request_body(c->req, &len);
	while (len && (body[len - 1] == ' ' || body[len - 1] == '\n' ||
		       body[len - 1] == '\r' || body[len - 1] == '\t'))
		len--;
	if (!len || !strcmp(mlw_http_request_method(c->req), "GET"))
		return 0;
	json_decref(c->in);
	c->in = json_loadb(body, len, 0, &err);
	if (!c->in) {
		fixed = quote_non_finite(body, len);
		if (fixed)
			c->in = json_loads(fixed, 0, NULL);
		free(fixed);
	}
	if (!c->in)
		return reply_error(c, "BAD_REQUEST", "Malformed request: "
				   "invalid JSON at byte %d: %s",
				   err.position, err.text);
	if (!json_is_object(c->in))
		return reply_error(c, "BAD_REQUEST", "Malformed request: the "
				   "body must be a JSON object");
	return 0;
}

static void on_api(struct mlw_http_request *req,
		   struct mlw_http_response *res, void *data)
{
	struct call c;
	const char *path = mlw_http_request_subpath(req);
	const char *method = mlw_http_request_method(req);
	const struct handler *h = NULL;
	size_t t;
	int known = 0;

	for (t = 0; !h && t < sizeof(tables) / sizeof(*tables); t++) {
		const struct handler *x;

		for (x = tables[t]; x->path; x++)
			if (!strcmp(x->path, path)) {
				known = 1;
				if (!strcmp(x->method, method) ||
				    (!strcmp(method, "HEAD") &&
				     !strcmp(x->method, "GET"))) {
					h = x;
					break;
				}
			}
	}
	if (!h) {
		if (known)
			mlw_http_respond_error(res, 405, "ENDPOINT_NOT_FOUND",
					       "method %s is not allowed for "
					       "'%s'", method,
					       mlw_http_request_path(req));
		else
			mlw_http_respond_error(res, 404, "ENDPOINT_NOT_FOUND",
					       "no MLflow API route '%s'",
					       mlw_http_request_path(req));
		return;
	}
	memset(&c, 0, sizeof(c));
	c.t = data;
	c.req = req;
	c.res = res;
	if (try_fast(&c, h) && !read_input(&c))
		h->fn(&c);
	call_end(&c, -1);
	if (c.cat)
		mlw_run_pool_put(c.t->pool, c.cat);
	json_decref(c.in);
	mlw_strlist_release(&c.scratch);
	mlw_error_clear();
}

/* --- the API */

/*
 * The tracking layer's tables: MLflow's experiment 0 ("Default", where
 * clients put runs when told no experiment), and the registry's
 * records (registry.c).  Never edit a released entry; append one.
 */
static const char *const tracking_migrations[] = {
	"INSERT OR IGNORE INTO experiments (id, name, created, updated)"
	"  VALUES (0, 'Default', (julianday('now') - 2440587.5) * 86400.0,"
	"  (julianday('now') - 2440587.5) * 86400.0);"
	"CREATE TABLE registered_models ("
	"  name TEXT PRIMARY KEY, description TEXT,"
	"  created REAL NOT NULL, updated REAL NOT NULL"
	");"
	"CREATE TABLE registered_model_tags ("
	"  name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (name, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE registered_model_aliases ("
	"  name TEXT NOT NULL, alias TEXT NOT NULL, version TEXT NOT NULL,"
	"  PRIMARY KEY (name, alias)"
	") WITHOUT ROWID;",
};

const struct mlw_catalog_schema mlw_tracking_schema = {
	"tracking", tracking_migrations,
	(int)(sizeof(tracking_migrations) / sizeof(*tracking_migrations)),
	NULL, 0,
};

int mlw_tracking_new(struct mlw_tracking **out, struct mlw_repo *repo,
		     unsigned max_connections)
{
	struct mlw_tracking *t = mlw_calloc(1, sizeof(*t));
	struct mlw_catalog *cat;
	int ret;

	t->repo = repo;
	ret = mlw_run_pool_new(&t->pool, repo, max_connections ?
			       max_connections : 4);
	/* the tables made now, not by the first requests at once */
	if (!ret)
		ret = mlw_run_pool_get(&cat, t->pool);
	if (!ret) {
		ret = mlw_run_schema_use(cat);
		if (!ret)
			ret = mlw_catalog_use(cat, &mlw_tracking_schema);
		mlw_run_pool_put(t->pool, cat);
	}
	if (ret) {
		if (t->pool)
			mlw_run_pool_free(t->pool);
		free(t);
		return ret;
	}
	pthread_mutex_init(&t->write_lock, NULL);
	*out = t;
	return 0;
}

int mlw_tracking_route(struct mlw_tracking *t, struct mlw_http_server *srv)
{
	static const char *const prefixes[] = {
		"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/",
	};
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < 2; i++) {
		struct mlw_http_route r = {
			.path = prefixes[i], .match = MLW_HTTP_PREFIX,
			.handle = on_api, .max_body = 1 << 20, .data = t,
		};

		ret = mlw_http_server_route(srv, &r);
	}
	if (!ret)
		ret = mlw_tracking_route_artifacts(t, srv);
	return ret;
}

void mlw_tracking_free(struct mlw_tracking *t)
{
	if (!t)
		return;
	mlw_run_pool_free(t->pool);
	pthread_mutex_destroy(&t->write_lock);
	free(t);
}
