/*
 * query.c - the JMESPath subset of --query over jansson; see query.h.
 */
#include "util/query.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/json.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *eval(const char *p, json_t *v, int *err);

/* the end of the sub-expression starting at p: ',' or '}' at depth 0 */
static const char *sub_end(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && depth)
			depth--;
		else if ((*p == ',' || *p == '}') && !depth)
			return p;
	}
	return p;
}

static json_t *eval_hash(const char **pp, json_t *v, int *err)
{
	const char *p = *pp + 1;
	json_t *obj = json_object();

	while (*p && *p != '}') {
		const char *key, *colon, *end;
		char *k, *sub;
		json_t *r;

		while (isspace((unsigned char)*p) || *p == ',')
			p++;
		key = p;
		colon = strchr(p, ':');
		if (!colon) {
			*err = 1;
			break;
		}
		k = mlw_strndup(key, (size_t)(colon - key));
		while (*k && isspace((unsigned char)k[strlen(k) - 1]))
			k[strlen(k) - 1] = '\0';
		p = colon + 1;
		while (isspace((unsigned char)*p))
			p++;
		end = sub_end(p);
		sub = mlw_strndup(p, (size_t)(end - p));
		while (*sub && isspace((unsigned char)sub[strlen(sub) - 1]))
			sub[strlen(sub) - 1] = '\0';
		r = eval(sub, v, err);
		json_object_set_new(obj, k, r ? r : json_null());
		free(k);
		free(sub);
		p = end;
	}
	if (*p != '}')
		*err = 1;
	else
		p++;
	*pp = p;
	return obj;
}

/* evaluate p against v; a new reference, or NULL for null */
static json_t *eval(const char *p, json_t *v, int *err)
{
	while (*p == '.' || isspace((unsigned char)*p))
		p++;
	if (*err)
		return NULL;
	if (!*p)
		return v ? json_incref(v) : NULL;
	if (!v || json_is_null(v))
		return NULL;
	if (p[0] == '[' && p[1] == ']') {
		json_t *out, *x;
		size_t i;

		if (!json_is_array(v))
			return NULL;
		out = json_array();
		json_array_foreach(v, i, x) {
			json_t *r = eval(p + 2, x, err);

			if (r && !json_is_null(r))
				json_array_append_new(out, r);
			else
				json_decref(r);
		}
		return out;
	}
	if (*p == '[') {
		char *end;
		long i = strtol(p + 1, &end, 10);
		size_t n;

		if (end == p + 1 || *end != ']') {
			*err = 1;
			return NULL;
		}
		if (!json_is_array(v))
			return NULL;
		n = json_array_size(v);
		if (i < 0)
			i += (long)n;
		if (i < 0 || (size_t)i >= n)
			return NULL;
		return eval(end + 1, json_array_get(v, (size_t)i), err);
	}
	if (*p == '{') {
		json_t *h = eval_hash(&p, v, err), *r;

		r = eval(p, h, err);
		json_decref(h);
		return r;
	}
	{
		const char *start = p;
		char *key;
		json_t *r;

		if (*p == '"') {
			start = ++p;
			while (*p && *p != '"')
				p++;
			key = mlw_strndup(start, (size_t)(p - start));
			if (*p)
				p++;
		} else {
			while (isalnum((unsigned char)*p) || *p == '_' ||
			       *p == '-')
				p++;
			if (p == start) {
				*err = 1;
				return NULL;
			}
			key = mlw_strndup(start, (size_t)(p - start));
		}
		if (*p && *p != '.' && *p != '[') {
			free(key);
			*err = 1;
			return NULL;
		}
		r = json_is_object(v) ? eval(p, json_object_get(v, key), err) :
		    NULL;
		free(key);
		return r;
	}
}

int mlw_query_eval(char **out, const char *json, const char *query)
{
	json_t *doc = json_loads(json, JSON_DECODE_ANY, NULL), *r;
	int ret;

	*out = NULL;
	if (!doc)
		return mlw_error_set("--query: the result is not JSON");
	ret = mlw_query_apply(&r, doc, query);
	json_decref(doc);
	if (!ret)
		*out = mlw_json_dumps(r, MLW_JSON_INDENT);
	json_decref(r);
	return ret;
}

static void tsv_scalar(struct mlw_buf *b, json_t *v)
{
	if (json_is_string(v))
		mlw_buf_adds(b, json_string_value(v));
	else if (v && !json_is_null(v))
		mlw_json_write(b, v, MLW_JSON_COMPACT);
}

static void tsv_row(struct mlw_buf *b, json_t *v)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		int first = 1;

		json_object_foreach(v, k, x) {
			if (!first)
				mlw_buf_addch(b, '\t');
			first = 0;
			tsv_scalar(b, x);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x) {
			if (i)
				mlw_buf_addch(b, '\t');
			tsv_scalar(b, x);
		}
	} else {
		tsv_scalar(b, v);
	}
	mlw_buf_addch(b, '\n');
}

int mlw_query_apply(json_t **out, json_t *doc, const char *query)
{
	int err = 0;

	*out = eval(query, doc, &err);
	if (err) {
		json_decref(*out);
		*out = NULL;
		return mlw_error_setc(MLW_EINVALID, "--query '%s': not "
				      "understood (mlw knows fields, [N], [], "
				      "and {A:b})", query);
	}
	return 0;
}

int mlw_query_render(struct mlw_out *o, const char *query,
		     enum mlw_format fmt, struct mlw_buf *b)
{
	json_t *v;
	int ret = mlw_query_apply(&v, mlw_out_root(o), query);

	if (ret)
		return ret;
	if (fmt == MLW_FMT_TSV) {
		if (json_is_array(v)) {
			size_t i;
			json_t *x;

			json_array_foreach(v, i, x)
				tsv_row(b, x);
		} else if (v && !json_is_null(v)) {
			tsv_row(b, v);
		}
	} else if (fmt == MLW_FMT_YAML || fmt == MLW_FMT_YAMLC ||
		   fmt == MLW_FMT_TABLE) {
		struct mlw_out *q = mlw_out_new();

		mlw_out_json(q, NULL, v ? v : json_null());
		ret = mlw_out_render(q, fmt, b, 0);
		mlw_out_free(q);
	} else if (fmt != MLW_FMT_NONE) {
		mlw_json_write(b, v, MLW_JSON_INDENT |
			       (fmt == MLW_FMT_JSONC ? MLW_JSON_COLOR : 0));
		mlw_buf_addch(b, '\n');
	}
	json_decref(v);
	return ret;
}

int mlw_query_print(struct mlw_out *o, const char *query,
		    enum mlw_format fmt, FILE *fp)
{
	struct mlw_buf b = MLW_BUF_INIT;
	int ret = mlw_query_render(o, query, fmt, &b);

	if (!ret && b.len && fwrite(b.buf, 1, b.len, fp) != b.len)
		ret = mlw_error_errno("cannot write the result");
	if (!ret && fflush(fp))
		ret = mlw_error_errno("cannot write the result");
	mlw_buf_release(&b);
	return ret;
}
