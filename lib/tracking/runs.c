/*
 * runs.c - MLflow's runs routes (create, get, update, delete, restore,
 * search) and the metric history, on mlw's runs.
 */
#include "tracking/internal.h"
#include "run/experiment.h"
#include "run/search.h"
#include "run/tracking.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RESULTS_RUNS 50000
#define MAX_RESULTS_HISTORY 25000

/* --- runs */

const char *run_tag(const struct mlw_run *run, const char *key)
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
int read_kvs(struct call *c, const char *field, struct mlw_run_kv **out,
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

	if (need_str(c, "run_id", &id) || find_run(c, id, &rid) ||
	    call_begin(c))
		return;
	reply_done(c, mlw_run_set_deleted(c->cat, id, deleted));
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

const struct handler mlw_tracking_run_handlers[] = {
	{ "POST", "runs/create", runs_create },
	{ "POST", "runs/update", runs_update },
	{ "GET", "runs/get", runs_get },
	{ "POST", "runs/search", runs_search },
	{ "POST", "runs/delete", runs_delete },
	{ "POST", "runs/restore", runs_restore },
	{ "GET", "metrics/get-history", metrics_get_history },
	{ "GET", "metrics/get-history-bulk", metrics_get_history_bulk },
	{ NULL, NULL, NULL }
};
