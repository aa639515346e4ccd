/*
 * tracking.c - the dispatch of every route under /api/2.0/mlflow/ (see
 * tracking.h): a request's fields read, its handler found in the
 * tables of experiments.c, runs.c, log.c, registry.c, registry-search.c,
 * versions.c and artifacts.c; the layer's tables and the API's life.
 */
#include "tracking/internal.h"
#include "http/server.h"
#include "run/pool.h"
#include "run/run.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

/* --- routing */

/*
 * Routes with a way of their own to read the body, tried first: 0
 * answered, 1 declined (the body is then read into c->in for the
 * route's handler).
 */
static const struct {
	const char *path;
	int (*fast)(struct call *c);
} fast_paths[] = {
	{ "runs/log-batch", runs_log_batch_fast },
};

static int try_fast(struct call *c, const struct handler *h)
{
	size_t i;

	for (i = 0; i < sizeof(fast_paths) / sizeof(*fast_paths); i++)
		if (!strcmp(fast_paths[i].path, h->path))
			return fast_paths[i].fast(c);
	return 1;
}

static const struct handler *const tables[] = {
	mlw_tracking_experiment_handlers, mlw_tracking_run_handlers,
	mlw_tracking_log_handlers, mlw_tracking_registry_handlers,
	mlw_tracking_registry_search_handlers, mlw_tracking_version_handlers,
	mlw_tracking_artifact_handlers,
};

char *quote_non_finite(const char *body, size_t len)
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
