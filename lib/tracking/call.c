/*
 * call.c - a request of the MLflow API: its fields, its catalog
 * connection, MLflow's answers; and the routing of every handler.
 */
#include "tracking/internal.h"
#include "http/server.h"
#include "run/pool.h"
#include "run/run.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int call_catalog(struct call *c)
{
	int ret;

	if (c->cat)
		return 0;
	ret = mlw_run_pool_get(&c->cat, c->t->pool);
	/* free after the first call on a connection */
	if (!ret)
		ret = mlw_run_schema_use(c->cat);
	if (!ret)
		ret = mlw_catalog_use(c->cat, &mlw_tracking_schema);
	if (ret && c->cat) {
		mlw_run_pool_put(c->t->pool, c->cat);
		c->cat = NULL;
	}
	if (ret) {
		c->cat = NULL;
		return reply_fail(c, ret);
	}
	return 0;
}

int call_begin(struct call *c)
{
	int ret = call_catalog(c);

	if (ret)
		return ret;
	pthread_mutex_lock(&c->t->write_lock);
	c->writing = 1;
	ret = mlw_catalog_begin(c->cat);
	if (ret) {
		pthread_mutex_unlock(&c->t->write_lock);
		c->writing = 0;
		return reply_fail(c, ret);
	}
	return 0;
}

int call_end(struct call *c, int ret)
{
	if (!c->writing)
		return ret;
	if (!ret)
		ret = mlw_catalog_commit(c->cat);
	else
		mlw_catalog_rollback(c->cat);
	pthread_mutex_unlock(&c->t->write_lock);
	c->writing = 0;
	return ret;
}

/* a field as text: strings as they are, numbers as their text */
const char *text_of(struct call *c, json_t *v)
{
	char *s;

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		s = mlw_xstrfmt("%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		s = mlw_xstrfmt("%.17g", json_real_value(v));
	else
		return NULL;
	mlw_strlist_push_owned(&c->scratch, s);
	return s;
}

/* the field; a repeated query parameter is a list: its first item */
static json_t *field(struct call *c, const char *name)
{
	json_t *v = json_object_get(c->in, name);

	if (json_is_array(v) && !strcmp(mlw_http_request_method(c->req), "GET"))
		v = json_array_get(v, 0);
	return v;
}

const char *get_str(struct call *c, const char *name)
{
	json_t *v = field(c, name);

	/* run_uuid is MLflow 1's name of run_id, still sent */
	if (!v && !strcmp(name, "run_id"))
		v = field(c, "run_uuid");
	return v ? text_of(c, v) : NULL;
}

int need_str(struct call *c, const char *name, const char **out)
{
	*out = get_str(c, name);
	if (!*out || (!**out && strcmp(name, "value")))
		return reply_error(c, "INVALID_PARAMETER_VALUE",
				   "Missing value for required parameter "
				   "'%s'. See the API docs for more "
				   "information about request parameters.",
				   name);
	return 0;
}

int get_i64(struct call *c, json_t *v, const char *name, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		long long n;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (*s && !*end && !errno) {
			*out = n;
			return 0;
		}
	}
	if (json_is_real(v) &&
	    json_real_value(v) == floor(json_real_value(v)) &&
	    fabs(json_real_value(v)) < 9e18) {
		*out = (int64_t)json_real_value(v);
		return 0;
	}
	return reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid value for "
			   "parameter '%s' supplied: expected an integer",
			   name);
}

int field_i64(struct call *c, const char *name, int64_t *out, int *present)
{
	json_t *v = field(c, name);

	*present = v && !json_is_null(v);
	if (!*present)
		return 0;
	return get_i64(c, v, name, out);
}

int get_double(struct call *c, json_t *v, const char *name, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		/* protobuf's JSON spells the non-finite values as strings */
		if (!strcmp(s, "NaN")) {
			*out = NAN;
			return 0;
		}
		if (!strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
			*out = *s == '-' ? -INFINITY : INFINITY;
			return 0;
		}
		errno = 0;
		*out = strtod(s, &end);
		if (*s && !*end && !isspace((unsigned char)*s))
			return 0;
	}
	return reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid value for "
			   "parameter '%s' supplied: expected a number", name);
}

json_t *get_list(struct call *c, const char *name)
{
	json_t *v = json_object_get(c->in, name);

	if (!v || json_is_null(v))
		return NULL;
	if (json_is_array(v))
		return v;
	/* one query parameter: a list of one */
	json_object_set_new(c->in, name, json_pack("[O]", v));
	return json_object_get(c->in, name);
}

void reply(struct call *c, json_t *v)
{
	mlw_http_respond_json(c->res, 200, v);
	json_decref(v);
}

void reply_done(struct call *c, int ret)
{
	ret = call_end(c, ret);
	if (ret)
		reply_fail(c, ret);
	else
		reply_empty(c);
}

void reply_empty(struct call *c)
{
	static const char empty[] = "{}";

	mlw_http_respond_static(c->res, 200, "application/json", empty,
				sizeof(empty) - 1);
}

int reply_error(struct call *c, const char *code, const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	mlw_http_respond_error(c->res, 0, code, "%s", b.buf);
	mlw_buf_release(&b);
	return -1;
}

const char *mlflow_error_code(int ret)
{
	switch (ret) {
	case MLW_EINVALID:
		return "INVALID_PARAMETER_VALUE";
	case MLW_ENOTFOUND:
		return "RESOURCE_DOES_NOT_EXIST";
	case MLW_EEXISTS:
		return "RESOURCE_ALREADY_EXISTS";
	case MLW_ELOCKED:
		return "TEMPORARILY_UNAVAILABLE";
	default:
		return "INTERNAL_ERROR";
	}
}

int reply_fail(struct call *c, int ret)
{
	return reply_error(c, mlflow_error_code(ret), "%s", mlw_error_last());
}

void respond_fail(struct mlw_http_response *res, int ret)
{
	mlw_http_respond_error(res, 0, mlflow_error_code(ret), "%s",
			       mlw_error_last());
}

void respond_done(struct mlw_http_response *res, int ret)
{
	static const char empty[] = "{}";

	if (ret)
		respond_fail(res, ret);
	else
		mlw_http_respond_static(res, 200, "application/json", empty,
					sizeof(empty) - 1);
}

int64_t to_ms(double t)
{
	return (int64_t)llround(t * 1000);
}

json_t *metric_value_json(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "Infinity" : "-Infinity");
	return json_real(v);
}

int find_run(struct call *c, const char *run_id, int64_t *id)
{
	int ret = call_catalog(c);

	if (ret)
		return ret;
	ret = mlw_run_get_id(id, c->cat, run_id);
	if (ret == MLW_ENOTFOUND)
		return reply_error(c, "RESOURCE_DOES_NOT_EXIST", "Run with id="
				   "%s not found", run_id);
	return ret ? reply_fail(c, ret) : 0;
}

json_t *page_token_make(int64_t offset)
{
	char json[64];
	unsigned char out[96];
	int n = snprintf(json, sizeof(json), "{\"offset\": %lld}",
			 (long long)offset);

	EVP_EncodeBlock(out, (const unsigned char *)json, n);
	return json_string((const char *)out);
}

int page_token_read(struct call *c, int64_t *offset)
{
	const char *tok = get_str(c, "page_token");
	unsigned char out[96];
	json_t *v, *o;
	size_t len;
	int n;

	*offset = 0;
	if (!tok || !*tok)
		return 0;
	len = strlen(tok);
	if (len > 4 * (sizeof(out) / 3) - 4 || len % 4)
		goto bad;
	n = EVP_DecodeBlock(out, (const unsigned char *)tok, (int)len);
	if (n < 0)
		goto bad;
	out[n] = '\0';
	v = json_loads((const char *)out, JSON_DISABLE_EOF_CHECK, NULL);
	o = json_object_get(v, "offset");
	if (json_is_integer(o) && json_integer_value(o) >= 0) {
		*offset = json_integer_value(o);
		json_decref(v);
		return 0;
	}
	json_decref(v);
bad:
	return reply_error(c, "INVALID_PARAMETER_VALUE", "Invalid page token, "
			   "could not base64-decode");
}
