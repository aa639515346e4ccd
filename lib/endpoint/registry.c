/*
 * registry.c - the endpoint tables of the catalog, traffic maps, keys
 * and the documents 'mlw endpoint show' prints; see endpoint.h.
 *
 * An endpoint row keeps what a server needs to route (auth mode,
 * traffic, mirror traffic) in columns and its tags and properties as
 * JSON objects; a deployment row keeps the model and code it serves as
 * object ids and its settings (request settings, batch settings,
 * environment variables...) as one JSON object read back into struct
 * mlw_deployment.  Everything read back is checked: a row that does not
 * parse is MLW_ECORRUPT naming it.
 */
#include "endpoint/endpoint.h"
#include "endpoint/internal.h"
#include "http/auth.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/name.h"
#include "util/output.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Version 1.  The trigger keeps a model a deployment names from being
 * archived (endpoint.h says why the rule lives here); RAISE takes only
 * a literal, so the message names no deployment: the CLI's error says
 * where to look.
 */
static const char *const migrations[] = {
	"CREATE TABLE endpoints ("
	"  name TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('online', 'batch')),"
	"  auth_mode TEXT NOT NULL,"
	"  description TEXT,"
	"  tags TEXT NOT NULL DEFAULT '{}',"
	"  properties TEXT NOT NULL DEFAULT '{}',"
	"  traffic TEXT NOT NULL DEFAULT '{}',"
	"  mirror_traffic TEXT NOT NULL DEFAULT '{}',"
	"  default_deployment TEXT,"
	"  spec TEXT, spec_path TEXT, spec_overrides TEXT,"
	"  generation INTEGER NOT NULL DEFAULT 1,"
	"  created REAL NOT NULL, updated REAL NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE endpoint_deployments ("
	"  endpoint TEXT NOT NULL, name TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('online', 'batch')),"
	"  model TEXT, model_asset INTEGER, model_object TEXT,"
	"  model_type TEXT, model_path TEXT,"
	"  code TEXT, scoring_script TEXT, environment TEXT,"
	"  settings TEXT NOT NULL DEFAULT '{}',"
	"  description TEXT, tags TEXT NOT NULL DEFAULT '{}',"
	"  spec TEXT, spec_path TEXT, spec_overrides TEXT,"
	"  created REAL NOT NULL, updated REAL NOT NULL,"
	"  PRIMARY KEY (endpoint, name)"
	") WITHOUT ROWID;"
	"CREATE INDEX endpoint_deployments_model"
	"  ON endpoint_deployments (model_asset);"
	"CREATE TABLE endpoint_requests ("
	"  id INTEGER PRIMARY KEY, time REAL NOT NULL,"
	"  endpoint TEXT NOT NULL, deployment TEXT, route TEXT,"
	"  status INTEGER NOT NULL, latency_us INTEGER NOT NULL,"
	"  bytes_in INTEGER NOT NULL, bytes_out INTEGER NOT NULL,"
	"  mirror INTEGER NOT NULL DEFAULT 0, input TEXT, output TEXT"
	");"
	"CREATE INDEX endpoint_requests_time"
	"  ON endpoint_requests (endpoint, time);"
	"CREATE TRIGGER endpoint_model_in_use"
	"  BEFORE UPDATE OF archived ON assets"
	"  WHEN NEW.archived != 0 AND OLD.archived = 0"
	"   AND OLD.kind = 'model' AND EXISTS (SELECT 1"
	"   FROM endpoint_deployments d WHERE d.model_asset = OLD.id)"
	"  BEGIN SELECT RAISE(ABORT, 'the model is used by an endpoint"
	" deployment, and a model in use cannot be archived (see ''mlw"
	" endpoint deployment list''; delete the deployment first)'); END;",
	/*
	 * 2: the request log in batches, a row for up to 1,024 requests
	 * with their records as a JSON list (see serve-log.c); the
	 * endpoint_requests view shows a row a request, with the columns
	 * of the table it replaces.  Ids: a batch's id times 2^20 plus
	 * the request's place in it, in the order they were logged.  The
	 * rows logged before become a batch each.
	 */
	"CREATE TABLE endpoint_request_batches ("
	"  id INTEGER PRIMARY KEY, endpoint TEXT NOT NULL,"
	"  first_time REAL NOT NULL, last_time REAL NOT NULL,"
	"  records TEXT NOT NULL"
	");"
	"CREATE INDEX endpoint_request_batches_time"
	"  ON endpoint_request_batches (endpoint, first_time);"
	"INSERT INTO endpoint_request_batches"
	"  (id, endpoint, first_time, last_time, records)"
	"  SELECT id, endpoint, time, time, json_array(json_array(time,"
	"   deployment, route, status, latency_us, bytes_in, bytes_out,"
	"   mirror, input, output)) FROM endpoint_requests;"
	"DROP TABLE endpoint_requests;"
	"CREATE VIEW endpoint_requests AS SELECT"
	"  (b.id << 20) + r.key AS id, CAST(r.value ->> 0 AS REAL) AS time,"
	"  b.endpoint AS endpoint, r.value ->> 1 AS deployment,"
	"  r.value ->> 2 AS route, r.value ->> 3 AS status,"
	"  r.value ->> 4 AS latency_us, r.value ->> 5 AS bytes_in,"
	"  r.value ->> 6 AS bytes_out, r.value ->> 7 AS mirror,"
	"  r.value ->> 8 AS input, r.value ->> 9 AS output"
	"  FROM endpoint_request_batches b, json_each(b.records) r;",
};

static const char *const roots[] = {
	"SELECT spec, 'endpoint ''' || name || ''' spec' FROM endpoints",
	"SELECT spec, 'deployment ''' || endpoint || '/' || name ||"
	" ''' spec' FROM endpoint_deployments",
	"SELECT model_object, 'deployment ''' || endpoint || '/' || name ||"
	" ''' model' FROM endpoint_deployments",
	"SELECT code, 'deployment ''' || endpoint || '/' || name ||"
	" ''' code' FROM endpoint_deployments",
};

static const struct mlw_catalog_schema endpoint_schema = {
	"endpoint", migrations, 2, roots, 4,
};

int mlw_endpoint_use(struct mlw_catalog *cat)
{
	return mlw_catalog_use(cat, &endpoint_schema);
}

const char *mlw_endpoint_kind_name(enum mlw_endpoint_kind kind)
{
	return kind == MLW_ENDPOINT_BATCH ? "batch" : "online";
}

/* --- traffic */

void mlw_traffic_set(struct mlw_traffic *t, const char *deployment,
		     int percent)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->items[i].deployment, deployment)) {
			t->items[i].percent = percent;
			return;
		}
	MLW_ALLOC_GROW(t->items, t->nr + 1, t->alloc);
	t->items[t->nr].deployment = mlw_strdup(deployment);
	t->items[t->nr].percent = percent;
	t->nr++;
}

int mlw_traffic_get(const struct mlw_traffic *t, const char *deployment)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->items[i].deployment, deployment))
			return t->items[i].percent;
	return 0;
}

/* drop the entry of deployment, if any */
static void traffic_remove(struct mlw_traffic *t, const char *deployment)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->items[i].deployment, deployment)) {
			free(t->items[i].deployment);
			memmove(t->items + i, t->items + i + 1,
				(t->nr - i - 1) * sizeof(*t->items));
			t->nr--;
			return;
		}
}

void mlw_traffic_release(struct mlw_traffic *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->items[i].deployment);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

int mlw_traffic_parse(struct mlw_traffic *t, const char *text,
		      const char *what)
{
	const char *p = text;

	while (*p) {
		const char *start, *eq, *end;
		char *name, *num;
		int64_t v;
		int ret;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != ' ' && *p != ',' && *p != '\t')
			p++;
		end = p;
		eq = memchr(start, '=', (size_t)(end - start));
		if (!eq || eq == start)
			return mlw_error_setc(MLW_EINVALID,
					      "%s: '%.*s' is not DEPLOYMENT=PERCENT",
					      what, (int)(end - start), start);
		name = mlw_strndup(start, (size_t)(eq - start));
		num = mlw_strndup(eq + 1, (size_t)(end - eq - 1));
		ret = mlw_name_check(MLW_NAME_DEPLOYMENT, name);
		if (!ret)
			ret = mlw_parse_i64(&v, num, what);
		if (!ret && (v < 0 || v > 100))
			ret = mlw_error_setc(MLW_EINVALID,
					     "%s: %s=%s is not a percent (0 to 100)",
					     what, name, num);
		if (!ret)
			mlw_traffic_set(t, name, (int)v);
		else
			mlw_error_prefix("%s", what);
		free(name);
		free(num);
		if (ret)
			return MLW_EINVALID;
	}
	return 0;
}

/* {"blue": 90, ...} */
static char *traffic_json(const struct mlw_traffic *t)
{
	json_t *o = json_object();
	char *s;
	size_t i;

	for (i = 0; i < t->nr; i++)
		json_object_set_new(o, t->items[i].deployment,
				    json_integer(t->items[i].percent));
	s = mlw_json_dumps(o, MLW_JSON_COMPACT);
	json_decref(o);
	return s;
}

/* read back {"blue": 90, ...}; MLW_ECORRUPT naming what */
static int traffic_from_json(struct mlw_traffic *t, const char *text,
			     const char *what)
{
	json_t *o = json_loads(text ? text : "{}", 0, NULL), *v;
	const char *k;

	if (!json_is_object(o)) {
		json_decref(o);
		return mlw_error_setc(MLW_ECORRUPT, "catalog: %s is not a traffic map",
				      what);
	}
	json_object_foreach(o, k, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 100 ||
		    !mlw_name_ok(MLW_NAME_DEPLOYMENT, k)) {
			json_decref(o);
			return mlw_error_setc(MLW_ECORRUPT,
					      "catalog: %s has a bad entry", what);
		}
		mlw_traffic_set(t, k, (int)json_integer_value(v));
	}
	json_decref(o);
	return 0;
}

/* --- rows */

static int db_error(sqlite3 *db, const char *what)
{
	return mlw_catalog_db_error(db, what);
}

static char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? mlw_strdup((const char *)s) : NULL;
}

/* a JSON object column; an empty object when it does not parse */
static json_t *col_object(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	json_t *o = s ? json_loads(s, 0, NULL) : NULL;

	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	return o;
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_json(sqlite3_stmt *st, int i, const json_t *v)
{
	char *s = mlw_json_dumps(v, MLW_JSON_COMPACT);

	sqlite3_bind_text(st, i, s, -1, free);
}

/*
 * Prepare sql (the endpoint tables brought in first) with its text
 * parameters a and b (NULL: not bound).  0 with *st, the caller's.
 */
static int query(sqlite3_stmt **st, struct mlw_catalog *cat, const char *sql,
		 const char *a, const char *b)
{
	int ret = mlw_endpoint_use(cat);

	if (!ret)
		ret = mlw_catalog_db_prepare(mlw_catalog_db(cat), st, sql);
	if (ret)
		return ret;
	if (a)
		bind_str(*st, 1, a);
	if (b)
		bind_str(*st, 2, b);
	return 0;
}

/*
 * Step st to its next row: 1 there is one, 0 there are no more, or a db
 * error (what for the message).  st is finalized unless 1.
 */
static int next_row(sqlite3_stmt *st, struct mlw_catalog *cat,
		    const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	rc = rc == SQLITE_DONE ? 0 : db_error(mlw_catalog_db(cat), what);
	sqlite3_finalize(st);
	return rc;
}

/*
 * Step a write: MLW_EEXISTS with the message exists (its %s the two
 * names a and b) for a row that is there, a db error otherwise.
 */
static int write_row(sqlite3_stmt *st, struct mlw_catalog *cat,
		     const char *exists, const char *a, const char *b,
		     const char *what)
{
	sqlite3 *db = mlw_catalog_db(cat);
	int ret = 0;

	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY)
			ret = mlw_error_setc(MLW_EEXISTS, exists, a, b);
		else
			ret = db_error(db, what);
	}
	sqlite3_finalize(st);
	return ret;
}

void mlw_endpoint_free(struct mlw_endpoint *ep)
{
	if (!ep)
		return;
	free(ep->name);
	free(ep->auth_mode);
	free(ep->description);
	json_decref(ep->tags);
	json_decref(ep->properties);
	mlw_traffic_release(&ep->traffic);
	mlw_traffic_release(&ep->mirror);
	free(ep->default_deployment);
	free(ep->spec);
	free(ep->spec_path);
	free(ep->spec_overrides);
	free(ep);
}

static void batch_settings_release(struct mlw_batch_settings *b)
{
	free(b->output_action);
	free(b->output_file_name);
	free(b->logging_level);
}

void mlw_deployment_free(struct mlw_deployment *d)
{
	if (!d)
		return;
	free(d->endpoint);
	free(d->name);
	free(d->model);
	free(d->model_object);
	free(d->model_type);
	free(d->model_path);
	free(d->code);
	free(d->scoring_script);
	free(d->environment);
	free(d->instance_type);
	json_decref(d->environment_variables);
	batch_settings_release(&d->batch);
	free(d->description);
	json_decref(d->tags);
	free(d->spec);
	free(d->spec_path);
	free(d->spec_overrides);
	free(d);
}

#define EP_COLUMNS "name, kind, auth_mode, description, tags, properties," \
	" traffic, mirror_traffic, default_deployment, spec, spec_path," \
	" generation, created, updated, spec_overrides"

/* the endpoint of the current row; MLW_ECORRUPT for a bad one */
static int read_endpoint(struct mlw_endpoint **out, sqlite3_stmt *st)
{
	struct mlw_endpoint *ep = mlw_calloc(1, sizeof(*ep));
	const char *kind = (const char *)sqlite3_column_text(st, 1);
	int ret;

	ep->name = col_str(st, 0);
	ep->kind = kind && !strcmp(kind, "batch") ? MLW_ENDPOINT_BATCH :
		   MLW_ENDPOINT_ONLINE;
	ep->auth_mode = col_str(st, 2);
	ep->description = col_str(st, 3);
	ep->tags = col_object(st, 4);
	ep->properties = col_object(st, 5);
	ep->default_deployment = col_str(st, 8);
	ep->spec = col_str(st, 9);
	ep->spec_path = col_str(st, 10);
	ep->generation = sqlite3_column_int64(st, 11);
	ep->created = sqlite3_column_double(st, 12);
	ep->updated = sqlite3_column_double(st, 13);
	ep->spec_overrides = col_str(st, 14);
	/* the name is joined to paths: the catalog is checked as input */
	ret = !ep->name || mlw_name_check(MLW_NAME_ENDPOINT, ep->name) ?
	      mlw_error_setc(MLW_ECORRUPT, "catalog: bad endpoint name") : 0;
	if (!ret)
		ret = traffic_from_json(&ep->traffic,
					(const char *)sqlite3_column_text(st, 6),
					"the traffic of an endpoint");
	if (!ret)
		ret = traffic_from_json(&ep->mirror,
					(const char *)sqlite3_column_text(st, 7),
					"the mirror traffic of an endpoint");
	if (!ret && !ep->auth_mode)
		ep->auth_mode = mlw_strdup("key");
	if (ret) {
		mlw_endpoint_free(ep);
		return ret;
	}
	*out = ep;
	return 0;
}

int mlw_endpoint_get(struct mlw_endpoint **out, struct mlw_catalog *cat,
		     const char *name)
{
	sqlite3_stmt *st;
	int ret = query(&st, cat, "SELECT " EP_COLUMNS
			" FROM endpoints WHERE name = ?", name, NULL);

	if (!ret)
		ret = next_row(st, cat, "reading an endpoint");
	if (!ret)
		return mlw_error_setc(MLW_ENOTFOUND, "endpoint '%s' not found",
				      name);
	if (ret < 0)
		return ret;
	ret = read_endpoint(out, st);
	sqlite3_finalize(st);
	return ret;
}

int mlw_endpoint_generation(int64_t *out, struct mlw_catalog *cat,
			    const char *name)
{
	sqlite3_stmt *st;
	int ret = query(&st, cat, "SELECT generation FROM endpoints"
			" WHERE name = ?", name, NULL);

	if (!ret)
		ret = next_row(st, cat, "reading an endpoint");
	if (!ret)
		return mlw_error_setc(MLW_ENOTFOUND, "endpoint '%s' not found",
				      name);
	if (ret < 0)
		return ret;
	*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int mlw_endpoint_list(struct mlw_catalog *cat, mlw_endpoint_fn fn,
		      void *data)
{
	sqlite3_stmt *st;
	int ret = query(&st, cat, "SELECT " EP_COLUMNS
			" FROM endpoints ORDER BY name", NULL, NULL);

	while (!ret && (ret = next_row(st, cat, "listing endpoints")) > 0) {
		struct mlw_endpoint *ep;

		ret = read_endpoint(&ep, st);
		if (!ret) {
			ret = fn(ep, data);
			mlw_endpoint_free(ep);
		}
		if (ret)
			sqlite3_finalize(st);
	}
	return ret;
}

/* insert (create) or replace every column of ep, bumping generation */
static int write_endpoint(struct mlw_catalog *cat, struct mlw_endpoint *ep,
			  int create)
{
	sqlite3 *db = mlw_catalog_db(cat);
	sqlite3_stmt *st;
	int ret;

	ret = mlw_catalog_db_prepare(db, &st, create ?
		      "INSERT INTO endpoints (name, kind, auth_mode,"
		      " description, tags, properties, traffic,"
		      " mirror_traffic, default_deployment, spec, spec_path,"
		      " spec_overrides, generation, created, updated) VALUES"
		      " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?13, 1,"
		      " ?12, ?12)" :
		      "UPDATE endpoints SET kind = ?2, auth_mode = ?3,"
		      " description = ?4, tags = ?5, properties = ?6,"
		      " traffic = ?7, mirror_traffic = ?8,"
		      " default_deployment = ?9, spec = ?10, spec_path = ?11,"
		      " spec_overrides = ?13,"
		      " generation = generation + 1, updated = ?12"
		      " WHERE name = ?1");
	if (ret)
		return ret;
	bind_str(st, 1, ep->name);
	bind_str(st, 2, mlw_endpoint_kind_name(ep->kind));
	bind_str(st, 3, ep->auth_mode);
	bind_str(st, 4, ep->description);
	bind_json(st, 5, ep->tags);
	bind_json(st, 6, ep->properties);
	sqlite3_bind_text(st, 7, traffic_json(&ep->traffic), -1, free);
	sqlite3_bind_text(st, 8, traffic_json(&ep->mirror), -1, free);
	bind_str(st, 9, ep->default_deployment);
	bind_str(st, 10, ep->spec);
	bind_str(st, 11, ep->spec_path);
	ep->updated = mlw_now();
	if (create) {
		ep->created = ep->updated;
		ep->generation = 1;
	}
	sqlite3_bind_double(st, 12, ep->updated);
	bind_str(st, 13, ep->spec_overrides);
	return write_row(st, cat, "endpoint '%s' already exists (use 'mlw endpoint update')",
			 ep->name, NULL, "writing an endpoint");
}

int mlw_endpoint_record_create(struct mlw_catalog *cat,
			       struct mlw_endpoint *ep)
{
	return write_endpoint(cat, ep, 1);
}

int mlw_endpoint_record_update(struct mlw_catalog *cat,
			       struct mlw_endpoint *ep)
{
	int ret = write_endpoint(cat, ep, 0);

	if (!ret)
		ep->generation++;
	return ret;
}

/* run one statement with a text parameter or two; what for messages */
static int exec2(struct mlw_catalog *cat, const char *sql, const char *a,
		 const char *b, const char *what)
{
	sqlite3 *db = mlw_catalog_db(cat);
	sqlite3_stmt *st;
	int ret = mlw_catalog_db_prepare(db, &st, sql);

	if (ret)
		return ret;
	bind_str(st, 1, a);
	if (b)
		bind_str(st, 2, b);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = db_error(db, what);
	sqlite3_finalize(st);
	return ret;
}

int mlw_endpoint_record_delete(struct mlw_catalog *cat, const char *name)
{
	int ret = exec2(cat, "DELETE FROM endpoint_deployments"
			" WHERE endpoint = ?", name, NULL,
			"deleting deployments");

	if (!ret)
		ret = exec2(cat, "DELETE FROM endpoints WHERE name = ?", name,
			    NULL, "deleting an endpoint");
	return ret;
}

int mlw_endpoint_touch(struct mlw_catalog *cat, const char *name)
{
	sqlite3 *db = mlw_catalog_db(cat);
	sqlite3_stmt *st;
	int ret = mlw_catalog_db_prepare(db, &st, "UPDATE endpoints SET generation ="
			  " generation + 1, updated = ? WHERE name = ?");

	if (ret)
		return ret;
	sqlite3_bind_double(st, 1, mlw_now());
	bind_str(st, 2, name);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = db_error(db, "updating an endpoint");
	sqlite3_finalize(st);
	return ret;
}

/* --- deployments */

#define DEP_COLUMNS "endpoint, name, kind, model, model_asset," \
	" model_object, model_type, model_path, code, scoring_script," \
	" environment, settings, description, tags, spec, spec_path," \
	" created, updated, spec_overrides"

/* an integer member of o, or def when absent or not an integer */
static int64_t get_int(const json_t *o, const char *key, int64_t def)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

static char *get_str(const json_t *o, const char *key, const char *def)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return mlw_strdup(json_string_value(v));
	return def ? mlw_strdup(def) : NULL;
}

void mlw_deployment_defaults(struct mlw_deployment *d)
{
	d->instance_count = 1;
	d->request.timeout_ms = 5000;
	d->request.max_concurrent = 1;
	d->request.max_queue_wait_ms = 500;
	d->batch.mini_batch_size = 10;
	d->batch.max_concurrency_per_instance = 1;
	d->batch.error_threshold = -1;
	d->batch.max_retries = 3;
	d->batch.retry_timeout = 30;
	if (!d->environment_variables)
		d->environment_variables = json_object();
	if (!d->tags)
		d->tags = json_object();
}

/* the settings column: what struct mlw_deployment keeps beyond columns */
static json_t *settings_json(const struct mlw_deployment *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "instance_count",
			    json_integer(d->instance_count));
	if (d->instance_type)
		json_object_set_new(o, "instance_type",
				    json_string(d->instance_type));
	json_object_set(o, "environment_variables", d->environment_variables);
	json_object_set_new(o, "request_timeout_ms",
			    json_integer(d->request.timeout_ms));
	json_object_set_new(o, "max_concurrent_requests_per_instance",
			    json_integer(d->request.max_concurrent));
	json_object_set_new(o, "max_queue_wait_ms",
			    json_integer(d->request.max_queue_wait_ms));
	json_object_set_new(o, "app_insights_enabled",
			    json_boolean(d->app_insights_enabled));
	json_object_set_new(o, "data_collection",
			    json_boolean(d->data_collection));
	json_object_set_new(o, "mini_batch_size",
			    json_integer(d->batch.mini_batch_size));
	json_object_set_new(o, "max_concurrency_per_instance",
			    json_integer(d->batch.max_concurrency_per_instance));
	json_object_set_new(o, "error_threshold",
			    json_integer(d->batch.error_threshold));
	json_object_set_new(o, "max_retries",
			    json_integer(d->batch.max_retries));
	json_object_set_new(o, "retry_timeout",
			    json_integer(d->batch.retry_timeout));
	if (d->batch.output_action)
		json_object_set_new(o, "output_action",
				    json_string(d->batch.output_action));
	if (d->batch.output_file_name)
		json_object_set_new(o, "output_file_name",
				    json_string(d->batch.output_file_name));
	if (d->batch.logging_level)
		json_object_set_new(o, "logging_level",
				    json_string(d->batch.logging_level));
	return o;
}

/* bounds that keep a damaged row from asking for absurd resources */
static int settings_ok(const struct mlw_deployment *d)
{
	return d->instance_count >= 1 && d->instance_count <= 1024 &&
	       d->request.timeout_ms >= 1 &&
	       d->request.max_concurrent >= 1 &&
	       d->request.max_queue_wait_ms >= 0 &&
	       d->batch.mini_batch_size >= 1 &&
	       d->batch.max_concurrency_per_instance >= 1 &&
	       d->batch.max_concurrency_per_instance <= 1024 &&
	       d->batch.error_threshold >= -1 && d->batch.max_retries >= 0 &&
	       d->batch.retry_timeout >= 1;
}

static int read_deployment(struct mlw_deployment **out, sqlite3_stmt *st)
{
	struct mlw_deployment *d = mlw_calloc(1, sizeof(*d));
	const char *kind = (const char *)sqlite3_column_text(st, 2);
	json_t *s, *env;
	int ret = 0;

	d->endpoint = col_str(st, 0);
	d->name = col_str(st, 1);
	d->kind = kind && !strcmp(kind, "batch") ? MLW_ENDPOINT_BATCH :
		  MLW_ENDPOINT_ONLINE;
	d->model = col_str(st, 3);
	d->model_asset = sqlite3_column_int64(st, 4);
	d->model_object = col_str(st, 5);
	d->model_type = col_str(st, 6);
	d->model_path = col_str(st, 7);
	d->code = col_str(st, 8);
	d->scoring_script = col_str(st, 9);
	d->environment = col_str(st, 10);
	s = col_object(st, 11);
	d->description = col_str(st, 12);
	d->tags = col_object(st, 13);
	d->spec = col_str(st, 14);
	d->spec_path = col_str(st, 15);
	d->created = sqlite3_column_double(st, 16);
	d->updated = sqlite3_column_double(st, 17);
	d->spec_overrides = col_str(st, 18);

	env = json_object_get(s, "environment_variables");
	d->environment_variables = json_is_object(env) ? json_incref(env) :
				   json_object();
	mlw_deployment_defaults(d);
	d->instance_count = get_int(s, "instance_count", 1);
	d->instance_type = get_str(s, "instance_type", NULL);
	d->request.timeout_ms = get_int(s, "request_timeout_ms", 5000);
	d->request.max_concurrent =
		get_int(s, "max_concurrent_requests_per_instance", 1);
	d->request.max_queue_wait_ms = get_int(s, "max_queue_wait_ms", 500);
	d->app_insights_enabled =
		json_is_true(json_object_get(s, "app_insights_enabled"));
	d->data_collection =
		json_is_true(json_object_get(s, "data_collection"));
	d->batch.mini_batch_size = get_int(s, "mini_batch_size", 10);
	d->batch.max_concurrency_per_instance =
		get_int(s, "max_concurrency_per_instance", 1);
	d->batch.error_threshold = get_int(s, "error_threshold", -1);
	d->batch.max_retries = get_int(s, "max_retries", 3);
	d->batch.retry_timeout = get_int(s, "retry_timeout", 30);
	d->batch.output_action = get_str(s, "output_action", "append_row");
	d->batch.output_file_name = get_str(s, "output_file_name",
					    "predictions.csv");
	d->batch.logging_level = get_str(s, "logging_level", "info");
	json_decref(s);

	if (!d->endpoint || !d->name ||
	    mlw_name_check(MLW_NAME_ENDPOINT, d->endpoint) ||
	    mlw_name_check(MLW_NAME_DEPLOYMENT, d->name) || !settings_ok(d) ||
	    (d->model_path && !mlw_name_ok(MLW_NAME_ASSET, d->model_path) &&
	     mlw_name_check_path("model path", d->model_path)) ||
	    (d->scoring_script &&
	     mlw_name_check_path("scoring script", d->scoring_script)) ||
	    mlw_name_check_path("output file name", d->batch.output_file_name))
		ret = mlw_error_setc(MLW_ECORRUPT,
				     "catalog: deployment '%s' has a bad record",
				     d->name ? d->name : "?");
	if (ret) {
		mlw_deployment_free(d);
		return ret;
	}
	*out = d;
	return 0;
}

int mlw_deployment_get(struct mlw_deployment **out, struct mlw_catalog *cat,
		       const char *endpoint, const char *name)
{
	sqlite3_stmt *st;
	int ret = query(&st, cat, "SELECT " DEP_COLUMNS
			" FROM endpoint_deployments"
			" WHERE endpoint = ? AND name = ?", endpoint, name);

	if (!ret)
		ret = next_row(st, cat, "reading a deployment");
	if (!ret)
		return mlw_error_setc(MLW_ENOTFOUND,
				      "deployment '%s' not found in endpoint '%s'",
				      name, endpoint);
	if (ret < 0)
		return ret;
	ret = read_deployment(out, st);
	sqlite3_finalize(st);
	return ret;
}

int mlw_deployment_list(struct mlw_catalog *cat, const char *endpoint,
			mlw_deployment_fn fn, void *data)
{
	sqlite3_stmt *st;
	int ret = query(&st, cat, endpoint ?
			"SELECT " DEP_COLUMNS " FROM endpoint_deployments"
			" WHERE endpoint = ? ORDER BY name" :
			"SELECT " DEP_COLUMNS " FROM endpoint_deployments"
			" ORDER BY endpoint, name", endpoint, NULL);

	while (!ret && (ret = next_row(st, cat, "listing deployments")) > 0) {
		struct mlw_deployment *d;

		ret = read_deployment(&d, st);
		if (!ret) {
			ret = fn(d, data);
			mlw_deployment_free(d);
		}
		if (ret)
			sqlite3_finalize(st);
	}
	return ret;
}

int mlw_deployment_record_write(struct mlw_catalog *cat,
				struct mlw_deployment *d, int create)
{
	sqlite3 *db = mlw_catalog_db(cat);
	sqlite3_stmt *st;
	json_t *s;
	int ret;

	ret = mlw_catalog_db_prepare(db, &st, create ?
		      "INSERT INTO endpoint_deployments (endpoint, name, kind,"
		      " model, model_asset, model_object, model_type,"
		      " model_path, code, scoring_script, environment,"
		      " settings, description, tags, spec, spec_path,"
		      " spec_overrides, created, updated) VALUES (?1, ?2, ?3,"
		      " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
		      " ?16, ?18, ?17, ?17)" :
		      "UPDATE endpoint_deployments SET kind = ?3, model = ?4,"
		      " model_asset = ?5, model_object = ?6, model_type = ?7,"
		      " model_path = ?8, code = ?9, scoring_script = ?10,"
		      " environment = ?11, settings = ?12, description = ?13,"
		      " tags = ?14, spec = ?15, spec_path = ?16,"
		      " spec_overrides = ?18,"
		      " updated = ?17 WHERE endpoint = ?1 AND name = ?2");
	if (ret)
		return ret;
	bind_str(st, 1, d->endpoint);
	bind_str(st, 2, d->name);
	bind_str(st, 3, mlw_endpoint_kind_name(d->kind));
	bind_str(st, 4, d->model);
	if (d->model_asset)
		sqlite3_bind_int64(st, 5, d->model_asset);
	else
		sqlite3_bind_null(st, 5);
	bind_str(st, 6, d->model_object);
	bind_str(st, 7, d->model_type);
	bind_str(st, 8, d->model_path);
	bind_str(st, 9, d->code);
	bind_str(st, 10, d->scoring_script);
	bind_str(st, 11, d->environment);
	s = settings_json(d);
	bind_json(st, 12, s);
	json_decref(s);
	bind_str(st, 13, d->description);
	bind_json(st, 14, d->tags);
	bind_str(st, 15, d->spec);
	bind_str(st, 16, d->spec_path);
	d->updated = mlw_now();
	if (create)
		d->created = d->updated;
	sqlite3_bind_double(st, 17, d->updated);
	bind_str(st, 18, d->spec_overrides);
	ret = write_row(st, cat, "deployment '%s' already exists in endpoint '%s' (use 'mlw endpoint deployment update')",
			d->name, d->endpoint, "writing a deployment");
	if (!ret)
		ret = mlw_endpoint_touch(cat, d->endpoint);
	return ret;
}

int mlw_deployment_record_delete(struct mlw_catalog *cat,
				 const char *endpoint, const char *name)
{
	int ret = exec2(cat, "DELETE FROM endpoint_deployments"
			" WHERE endpoint = ? AND name = ?", endpoint, name,
			"deleting a deployment");

	if (!ret)
		ret = mlw_endpoint_touch(cat, endpoint);
	return ret;
}

/* drop deployment name from both traffic maps */
void mlw_endpoint_forget_deployment(struct mlw_endpoint *ep,
				    const char *name)
{
	traffic_remove(&ep->traffic, name);
	traffic_remove(&ep->mirror, name);
}

/* --- keys */

char *mlw_endpoint_path(struct mlw_repo *repo, const char *name,
			const char *rel)
{
	char *r = rel ? mlw_xstrfmt("endpoints/%s/%s", name, rel) :
		  mlw_xstrfmt("endpoints/%s", name);
	char *path = mlw_repo_path(repo, r);

	free(r);
	return path;
}

/* write both keys, the file mode 0600 in a folder mode 0700 */
static int write_keys(struct mlw_repo *repo, const char *name,
		      const char *primary, const char *secondary)
{
	char *dir = mlw_endpoint_path(repo, name, NULL);
	char *path = mlw_path_join(dir, "keys.json");
	char *text = mlw_xstrfmt("{\"primaryKey\": \"%s\", \"secondaryKey\": \"%s\"}\n",
				 primary, secondary);
	int ret = mlw_mkdir_p(dir, 0700);

	if (!ret && chmod(dir, 0700) < 0)
		ret = mlw_error_errno("cannot protect '%s'", dir);
	if (!ret)
		ret = mlw_write_file_atomic_mode(path, text, strlen(text), 0600);
	free(text);
	free(path);
	free(dir);
	return ret;
}

int mlw_endpoint_keys_create(struct mlw_repo *repo, const char *name)
{
	char a[MLW_HTTP_KEY_LEN + 1], b[MLW_HTTP_KEY_LEN + 1];
	int ret = mlw_http_key_generate(a);

	if (!ret)
		ret = mlw_http_key_generate(b);
	if (!ret)
		ret = write_keys(repo, name, a, b);
	return ret;
}

/* a key read back: exactly MLW_HTTP_KEY_LEN base64 characters */
static int key_ok(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t i;

	if (!s || strlen(s) != MLW_HTTP_KEY_LEN)
		return 0;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' &&
		    s[i] != '/' && s[i] != '=')
			return 0;
	return 1;
}

int mlw_endpoint_keys(char primary[MLW_ENDPOINT_KEY_SIZE],
		      char secondary[MLW_ENDPOINT_KEY_SIZE],
		      struct mlw_repo *repo, const char *name)
{
	char *path = mlw_endpoint_path(repo, name, "keys.json");
	struct mlw_buf b = MLW_BUF_INIT;
	json_t *o;
	int ret = mlw_buf_read_file(&b, path, 4096);

	if (ret == MLW_ENOTFOUND)
		ret = mlw_error_setc(MLW_ENOTFOUND, "endpoint '%s' has no keys",
				     name);
	if (ret) {
		free(path);
		mlw_buf_release(&b);
		return ret;
	}
	o = json_loadb(b.buf, b.len, 0, NULL);
	if (!json_is_object(o) || !key_ok(json_object_get(o, "primaryKey")) ||
	    !key_ok(json_object_get(o, "secondaryKey"))) {
		ret = mlw_error_setc(MLW_ECORRUPT, "'%s' is damaged (regenerate the keys)",
				     path);
	} else {
		memcpy(primary, json_string_value(json_object_get(o, "primaryKey")),
		       MLW_ENDPOINT_KEY_SIZE);
		memcpy(secondary,
		       json_string_value(json_object_get(o, "secondaryKey")),
		       MLW_ENDPOINT_KEY_SIZE);
	}
	json_decref(o);
	mlw_buf_release(&b);
	free(path);
	return ret;
}

int mlw_endpoint_keys_write(struct mlw_repo *repo, const char *name,
			    const char *primary, const char *secondary)
{
	return write_keys(repo, name, primary, secondary);
}

/* --- documents */

static void out_object(struct mlw_out *o, const char *key, json_t *v)
{
	if (v)
		mlw_out_json(o, key, v);
	else {
		mlw_out_object_begin(o, key);
		mlw_out_end(o);
	}
}

static void out_traffic(struct mlw_out *o, const char *key,
			const struct mlw_traffic *t)
{
	size_t i;

	mlw_out_object_begin(o, key);
	for (i = 0; i < t->nr; i++)
		mlw_out_int(o, t->items[i].deployment, t->items[i].percent);
	mlw_out_end(o);
}

static void out_str_or_null(struct mlw_out *o, const char *key,
			    const char *s)
{
	if (s && *s)
		mlw_out_str(o, key, s);
	else
		mlw_out_null(o, key);
}

void mlw_endpoint_document(struct mlw_out *o, const struct mlw_endpoint *ep,
			   const char *base_url)
{
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", ep->name);
	mlw_out_str(o, "kind", mlw_endpoint_kind_name(ep->kind));
	mlw_out_str(o, "auth_mode", ep->auth_mode);
	out_str_or_null(o, "description", ep->description);
	out_object(o, "tags", ep->tags);
	out_object(o, "properties", ep->properties);
	if (ep->kind == MLW_ENDPOINT_ONLINE) {
		char *uri;

		out_traffic(o, "traffic", &ep->traffic);
		out_traffic(o, "mirror_traffic", &ep->mirror);
		uri = base_url && *base_url ?
		      mlw_xstrfmt("%s/score", base_url) : NULL;
		out_str_or_null(o, "scoring_uri", uri);
		free(uri);
		uri = base_url && *base_url ?
		      mlw_xstrfmt("%s/swagger.json", base_url) : NULL;
		out_str_or_null(o, "openapi_uri", uri);
		free(uri);
	} else {
		mlw_out_object_begin(o, "defaults");
		out_str_or_null(o, "deployment_name", ep->default_deployment);
		mlw_out_end(o);
	}
	mlw_out_str(o, "provisioning_state", "Succeeded");
	mlw_out_int(o, "generation", ep->generation);
	out_str_or_null(o, "spec", ep->spec);
	mlw_out_time(o, "created", ep->created);
	mlw_out_time(o, "updated", ep->updated);
	mlw_out_end(o);
}

void mlw_endpoint_row(struct mlw_out *o, const struct mlw_endpoint *ep)
{
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i;

	for (i = 0; i < ep->traffic.nr; i++)
		mlw_buf_addf(&b, "%s%s=%d", i ? " " : "",
			     ep->traffic.items[i].deployment,
			     ep->traffic.items[i].percent);
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", ep->name);
	mlw_out_str(o, "kind", mlw_endpoint_kind_name(ep->kind));
	mlw_out_str(o, "auth_mode", ep->auth_mode);
	mlw_out_str(o, "traffic", ep->kind == MLW_ENDPOINT_BATCH ?
		    (ep->default_deployment ? ep->default_deployment : "") :
		    b.buf);
	mlw_out_time(o, "updated", ep->updated);
	mlw_out_end(o);
	mlw_buf_release(&b);
}

void mlw_deployment_document(struct mlw_out *o,
			     const struct mlw_deployment *d)
{
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", d->name);
	mlw_out_str(o, "endpoint_name", d->endpoint);
	mlw_out_str(o, "kind", mlw_endpoint_kind_name(d->kind));
	out_str_or_null(o, "model", d->model);
	out_str_or_null(o, "model_object", d->model_object);
	out_str_or_null(o, "model_type", d->model_type);
	if (d->scoring_script) {
		mlw_out_object_begin(o, "code_configuration");
		out_str_or_null(o, "code", d->code);
		mlw_out_str(o, "scoring_script", d->scoring_script);
		mlw_out_end(o);
	} else {
		mlw_out_null(o, "code_configuration");
	}
	out_str_or_null(o, "environment", d->environment);
	out_object(o, "environment_variables", d->environment_variables);
	out_str_or_null(o, "instance_type", d->instance_type);
	mlw_out_int(o, "instance_count", d->instance_count);
	if (d->kind == MLW_ENDPOINT_ONLINE) {
		mlw_out_object_begin(o, "request_settings");
		mlw_out_int(o, "request_timeout_ms", d->request.timeout_ms);
		mlw_out_int(o, "max_concurrent_requests_per_instance",
			    d->request.max_concurrent);
		mlw_out_int(o, "max_queue_wait_ms",
			    d->request.max_queue_wait_ms);
		mlw_out_end(o);
		mlw_out_bool(o, "app_insights_enabled", d->app_insights_enabled);
		mlw_out_bool(o, "data_collection", d->data_collection);
	} else {
		const struct mlw_batch_settings *b = &d->batch;

		mlw_out_object_begin(o, "settings");
		mlw_out_int(o, "mini_batch_size", b->mini_batch_size);
		mlw_out_int(o, "max_concurrency_per_instance",
			    b->max_concurrency_per_instance);
		mlw_out_str(o, "output_action", b->output_action);
		mlw_out_str(o, "output_file_name", b->output_file_name);
		mlw_out_int(o, "error_threshold", b->error_threshold);
		mlw_out_object_begin(o, "retry_settings");
		mlw_out_int(o, "max_retries", b->max_retries);
		mlw_out_int(o, "timeout", b->retry_timeout);
		mlw_out_end(o);
		mlw_out_str(o, "logging_level", b->logging_level);
		mlw_out_end(o);
	}
	out_str_or_null(o, "description", d->description);
	out_object(o, "tags", d->tags);
	mlw_out_str(o, "provisioning_state", "Succeeded");
	out_str_or_null(o, "spec", d->spec);
	mlw_out_time(o, "created", d->created);
	mlw_out_time(o, "updated", d->updated);
	mlw_out_end(o);
}

void mlw_deployment_row(struct mlw_out *o, const struct mlw_deployment *d)
{
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", d->name);
	mlw_out_str(o, "endpoint_name", d->endpoint);
	mlw_out_str(o, "model", d->model ? d->model : "(inline)");
	mlw_out_str(o, "scoring_script",
		    d->scoring_script ? d->scoring_script : "");
	mlw_out_int(o, "instance_count", d->instance_count);
	mlw_out_time(o, "updated", d->updated);
	mlw_out_end(o);
}
