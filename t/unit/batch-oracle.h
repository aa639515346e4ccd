/*
 * batch-oracle.h - what jansson reads from a runs/log-batch body, as the
 * server's jansson path (lib/tracking/log.c) reads it, compared with
 * what lib/tracking/batch.c's scanner read: the oracle of
 * t/unit/test-tracking-batch.c and t/fuzz/fuzz-batch.c.
 */
#ifndef MLW_BATCH_ORACLE_H
#define MLW_BATCH_ORACLE_H

#include "run/run.h"
#include "tracking/internal.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *str_of(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/* the value as the jansson path reads it (call.c's get_double) */
static int value_of(json_t *v, double *out)
{
	const char *s = json_string_value(v);

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (s && !strcmp(s, "NaN"))
		*out = NAN;
	else if (s && !strcmp(s, "Infinity"))
		*out = INFINITY;
	else if (s && !strcmp(s, "-Infinity"))
		*out = -INFINITY;
	else
		return -1;
	return 0;
}

static int same_double(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static int same_kvs(json_t *list, const struct mlw_run_kv *kv, size_t nr)
{
	json_t *o;
	size_t i;

	if (json_array_size(list) != nr)
		return 0;
	json_array_foreach(list, i, o)
		if (!str_of(o, "key") || !str_of(o, "value") ||
		    strcmp(str_of(o, "key"), kv[i].key) ||
		    strcmp(str_of(o, "value"), kv[i].value))
			return 0;
	return 1;
}

/* the batch b is what jansson reads from body */
static int same_as_jansson(const char *body, size_t len,
			   const struct log_batch_body *b)
{
	json_t *in = json_loadb(body, len, 0, NULL), *o;
	json_t *metrics;
	const char *id;
	size_t i;
	int same = 0;

	if (!in) {
		/* bare NaN and Infinity quoted, as tracking.c's read_input() */
		char *quoted = quote_non_finite(body, len);

		in = quoted ? json_loads(quoted, 0, NULL) : NULL;
		free(quoted);
	}
	if (!in)
		return 0;
	id = str_of(in, "run_id") ? str_of(in, "run_id") :
	     str_of(in, "run_uuid");
	metrics = json_object_get(in, "metrics");
	if (!id || strcmp(id, b->run_id) ||
	    json_array_size(metrics) != b->nr_metrics ||
	    !same_kvs(json_object_get(in, "params"), b->params,
		      b->nr_params) ||
	    !same_kvs(json_object_get(in, "tags"), b->tags, b->nr_tags))
		goto out;
	json_array_foreach(metrics, i, o) {
		const struct mlw_run_metric *m = &b->metrics[i];
		json_t *step = json_object_get(o, "step");
		double v;

		if (!str_of(o, "key") || strcmp(str_of(o, "key"), m->key) ||
		    value_of(json_object_get(o, "value"), &v) ||
		    !same_double(v, m->value) ||
		    !json_is_integer(json_object_get(o, "timestamp")) ||
		    (double)json_integer_value(json_object_get(o,
			"timestamp")) / 1000 != m->time ||
		    (step ? json_integer_value(step) : 0) != m->step)
			goto out;
	}
	same = 1;
out:
	json_decref(in);
	return same;
}

#endif
