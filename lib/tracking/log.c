/*
 * log.c - MLflow's logging routes: log-metric, log-parameter, set-tag,
 * delete-tag, log-batch (its plain bodies read by batch.c), log-inputs,
 * log-model; every write through lib/run's batch, as 'mlw log'.
 */
#include "tracking/internal.h"
#include "http/server.h"
#include "run/tracking.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

/* --- logging */

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
int runs_log_batch_fast(struct call *c)
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
	if (!call_begin(c))
		reply_done(c, mlw_run_log_inputs(c->cat, rid, d, n));
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

const struct handler mlw_tracking_log_handlers[] = {
	{ "POST", "runs/log-metric", runs_log_metric },
	{ "POST", "runs/log-parameter", runs_log_parameter },
	{ "POST", "runs/set-tag", runs_set_tag },
	{ "POST", "runs/delete-tag", runs_delete_tag },
	{ "POST", "runs/log-batch", runs_log_batch },
	{ "POST", "runs/log-inputs", runs_log_inputs },
	{ "POST", "runs/log-model", runs_log_model },
	{ NULL, NULL, NULL }
};
