/*
 * tracking.c - the run verbs of MLflow's tracking API; see tracking.h.
 */
#include "run/tracking.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/*
 * The datasets runs used (log-inputs), a table of their own, versioned
 * apart from the run layer's list so that it merges with the changes
 * other work makes there.  Never edit a released entry; append one.
 */
static const char *const dataset_migrations[] = {
	"CREATE TABLE run_datasets ("
	"  run INTEGER NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL,"
	"  source_type TEXT NOT NULL, source TEXT NOT NULL,"
	"  schema TEXT, profile TEXT,"
	"  tags TEXT NOT NULL DEFAULT '[]',"	/* [[key, value], ...] */
	"  PRIMARY KEY (run, name, digest)"
	") WITHOUT ROWID;",
};

static const struct mlw_catalog_schema dataset_schema = {
	"run_dataset", dataset_migrations,
	(int)(sizeof(dataset_migrations) / sizeof(*dataset_migrations)),
	NULL, 0,
};

/* a statement on the run layer's tables, this file's own up to date too */
static int prep(struct mlw_catalog *cat, sqlite3_stmt **st, const char *sql)
{
	int ret = mlw_run_schema_use(cat);

	if (!ret)
		ret = mlw_catalog_use(cat, &dataset_schema);
	return ret ? ret : mlw_run_db_prep(cat, st, sql);
}

/* several statements as one change: the caller's transaction, or ours */
static int own_begin(struct mlw_catalog *cat, int *own)
{
	int ret = mlw_run_schema_use(cat);

	if (!ret)
		ret = mlw_catalog_use(cat, &dataset_schema);
	if (ret)
		return ret;
	*own = sqlite3_get_autocommit(mlw_catalog_db(cat));
	return *own ? mlw_catalog_begin(cat) : 0;
}

static int own_end(struct mlw_catalog *cat, int own, int ret)
{
	if (!own)
		return ret;
	if (!ret)
		return mlw_catalog_commit(cat);
	mlw_catalog_rollback(cat);
	return ret;
}

static const char *const mlflow_of[MLW_RUN_NR_STATUS] = {
	[MLW_RUN_NOT_STARTED] = "SCHEDULED",
	[MLW_RUN_QUEUED] = "SCHEDULED",
	[MLW_RUN_STARTING] = "RUNNING",
	[MLW_RUN_RUNNING] = "RUNNING",
	[MLW_RUN_FINALIZING] = "RUNNING",
	[MLW_RUN_COMPLETED] = "FINISHED",
	[MLW_RUN_FAILED] = "FAILED",
	[MLW_RUN_CANCELED] = "KILLED",
};

const char *mlw_run_mlflow_status(enum mlw_run_status s)
{
	if ((unsigned)s >= MLW_RUN_NR_STATUS)
		BUG("bad run status %d", (int)s);
	return mlflow_of[s];
}

int mlw_run_mlflow_status_parse(enum mlw_run_status *out, const char *name)
{
	static const struct {
		const char *name;
		enum mlw_run_status s;
	} map[] = {
		{ "RUNNING", MLW_RUN_RUNNING },
		{ "SCHEDULED", MLW_RUN_QUEUED },
		{ "FINISHED", MLW_RUN_COMPLETED },
		{ "FAILED", MLW_RUN_FAILED },
		{ "KILLED", MLW_RUN_CANCELED },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (!strcmp(name, map[i].name)) {
			*out = map[i].s;
			return 0;
		}
	return mlw_error_setc(MLW_EINVALID, "invalid run status '%s' (one "
			      "of RUNNING, SCHEDULED, FINISHED, FAILED, "
			      "KILLED)", name);
}

/* MLflow's character class: \w (any non-ASCII letter too) and "/.- :" */
static int key_char_ok(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	       c == ' ' || c == ':' || c == '/';
}

int mlw_run_check_key(const char *what, const char *key)
{
	const char *p, *start;
	size_t len = strlen(key);

	if (!len)
		return mlw_error_setc(MLW_EINVALID, "invalid %s name: ''; "
				      "names may not be empty", what);
	if (len > MLW_TRACKING_MAX_KEY)
		return mlw_error_setc(MLW_EINVALID, "%s name '%.40s...' had "
				      "length %zu, which exceeded length "
				      "limit of %d", what, key, len,
				      MLW_TRACKING_MAX_KEY);
	for (p = key; *p; p++)
		if (!key_char_ok((unsigned char)*p))
			return mlw_error_setc(MLW_EINVALID, "invalid %s name: "
					      "'%s'; names may only contain "
					      "alphanumerics, underscores "
					      "(_), dashes (-), periods (.), "
					      "spaces ( ), colons (:) and "
					      "slashes (/)", what, key);
	/* as a path it must name itself (posixpath.normpath(key) == key) */
	for (start = key;; start = p + 1) {
		size_t n;

		p = strchr(start, '/');
		n = p ? (size_t)(p - start) : strlen(start);
		if (!n || (n == 1 && start[0] == '.') ||
		    (n == 2 && start[0] == '.' && start[1] == '.'))
			return mlw_error_setc(MLW_EINVALID, "invalid %s name: "
					      "'%s'; names may be treated as "
					      "files in certain cases, and "
					      "must not resolve to other "
					      "names when treated as such",
					      what, key);
		if (!p)
			break;
	}
	return 0;
}

static int check_value(const char *what, const char *key, const char *value,
		       size_t max)
{
	size_t len = strlen(value);

	if (len > max)
		return mlw_error_setc(MLW_EINVALID, "%s '%s' had length %zu, "
				      "which exceeded length limit of %zu",
				      what, key, len, max);
	return 0;
}

/* MLflow's answer to a batch over one of its limits */
static int over_limit(const char *what, int limit, size_t n)
{
	return mlw_error_setc(MLW_EINVALID, "a batch logging request can "
			      "contain at most %d %s; got %zu", limit, what,
			      n);
}

int mlw_run_batch_check(const struct mlw_run_batch *b)
{
	size_t i, j, all = b->nr_metrics + b->nr_params + b->nr_tags;
	int ret;

	if (b->nr_metrics > MLW_TRACKING_MAX_BATCH_METRICS)
		return over_limit("metrics", MLW_TRACKING_MAX_BATCH_METRICS,
				  b->nr_metrics);
	if (b->nr_params > MLW_TRACKING_MAX_BATCH_PARAMS)
		return over_limit("params", MLW_TRACKING_MAX_BATCH_PARAMS,
				  b->nr_params);
	if (b->nr_tags > MLW_TRACKING_MAX_BATCH_TAGS)
		return over_limit("tags", MLW_TRACKING_MAX_BATCH_TAGS,
				  b->nr_tags);
	if (all > MLW_TRACKING_MAX_BATCH_ITEMS)
		return over_limit("metrics, params and tags in total",
				  MLW_TRACKING_MAX_BATCH_ITEMS, all);
	for (i = 0; i < b->nr_metrics; i++) {
		ret = mlw_run_check_key("metric", b->metrics[i].key);
		if (ret)
			return ret;
		if (b->metrics[i].step < 0)
			return mlw_error_setc(MLW_EINVALID, "metric '%s' has "
					      "a negative step (%lld); steps "
					      "start at 0", b->metrics[i].key,
					      (long long)b->metrics[i].step);
	}
	for (i = 0; i < b->nr_params; i++) {
		const struct mlw_run_kv *p = &b->params[i];

		ret = mlw_run_check_key("param", p->key);
		if (!ret)
			ret = check_value("param", p->key, p->value,
					  MLW_TRACKING_MAX_PARAM_VALUE);
		if (ret)
			return ret;
		for (j = 0; j < i; j++)
			if (!strcmp(b->params[j].key, p->key) &&
			    strcmp(b->params[j].value, p->value))
				return mlw_error_setc(MLW_EINVALID, "duplicate "
						      "parameter keys have "
						      "been submitted: '%s' "
						      "with values '%s' and "
						      "'%s'", p->key,
						      b->params[j].value,
						      p->value);
	}
	for (i = 0; i < b->nr_tags; i++) {
		ret = mlw_run_check_key("tag", b->tags[i].key);
		if (!ret)
			ret = check_value("tag", b->tags[i].key,
					  b->tags[i].value,
					  MLW_TRACKING_MAX_TAG_VALUE);
		if (ret)
			return ret;
	}
	return 0;
}

int mlw_run_log_batch(struct mlw_catalog *cat, int64_t run,
		      const struct mlw_run_batch *b)
{
	struct mlw_metric_writer *w = NULL;
	size_t i;
	int own, ret = mlw_run_batch_check(b);

	if (!ret)
		ret = own_begin(cat, &own);
	if (ret)
		return ret;
	for (i = 0; !ret && i < b->nr_params; i++)
		ret = mlw_run_log_param(cat, run, b->params[i].key,
					b->params[i].value);
	for (i = 0; !ret && i < b->nr_tags; i++)
		ret = mlw_run_set_tag(cat, run, b->tags[i].key,
				      b->tags[i].value);
	if (!ret && b->nr_metrics) {
		ret = mlw_metric_writer_new(&w, cat, run);
		for (i = 0; !ret && i < b->nr_metrics; i++) {
			const struct mlw_run_metric *m = &b->metrics[i];

			ret = mlw_metric_writer_add(w, m->key, m->value,
						    m->step, m->time);
		}
		if (!ret)
			ret = mlw_metric_writer_finish(w);
		else if (w)
			mlw_metric_writer_abort(w);
	}
	return own_end(cat, own, ret);
}

int mlw_run_create_tracking(struct mlw_run **out, struct mlw_catalog *cat,
			    const struct mlw_run_tracking_request *req)
{
	struct mlw_run_batch b = { .tags = req->tags, .nr_tags = req->nr_tags };
	struct mlw_run *run;
	double start = req->start_time > 0 ? req->start_time : mlw_now();
	size_t i;
	int own, ret = mlw_run_batch_check(&b);

	*out = NULL;
	for (i = 0; !ret && req->run_name && i < req->nr_tags; i++)
		if (!strcmp(req->tags[i].key, "mlflow.runName") &&
		    strcmp(req->tags[i].value, req->run_name))
			ret = mlw_error_setc(MLW_EINVALID, "both 'run_name' "
					     "argument and 'mlflow.runName' "
					     "tag are specified, but with "
					     "different values (run_name='%s',"
					     " mlflow.runName='%s')",
					     req->run_name, req->tags[i].value);
	if (!ret)
		ret = own_begin(cat, &own);
	if (ret)
		return ret;
	run = mlw_calloc(1, sizeof(*run));
	run->experiment = mlw_strdup(req->experiment);
	run->type = mlw_strdup("tracking");
	run->status = MLW_RUN_RUNNING;
	run->times[MLW_RUN_NOT_STARTED] = start;
	run->git_dirty = -1;
	run->display_name = req->run_name ? mlw_strdup(req->run_name) : NULL;
	for (i = 0; !run->display_name && i < req->nr_tags; i++)
		if (!strcmp(req->tags[i].key, "mlflow.runName"))
			run->display_name = mlw_strdup(req->tags[i].value);
	ret = mlw_run_insert(cat, run);
	if (!ret) {
		sqlite3_stmt *st;

		/* Running from the start: no supervisor walks it there */
		ret = prep(cat, &st, "UPDATE runs SET running = created"
			   " WHERE id = ?");
		if (!ret) {
			sqlite3_bind_int64(st, 1, run->id);
			ret = mlw_run_db_done(cat, st, "recording run");
		}
		run->times[MLW_RUN_RUNNING] = start;
	}
	if (!ret && !run->display_name)
		run->display_name = mlw_strdup(run->name);
	for (i = 0; !ret && i < req->nr_tags; i++)
		if (strcmp(req->tags[i].key, "mlflow.runName"))
			ret = mlw_run_set_tag(cat, run->id, req->tags[i].key,
					      req->tags[i].value);
	if (!ret)
		ret = mlw_run_set_tag(cat, run->id, "mlflow.runName",
				      run->display_name);
	if (!ret)
		ret = mlw_run_set_field(cat, run->name, "display_name",
					run->display_name);
	ret = own_end(cat, own, ret);
	if (ret) {
		mlw_run_free(run);
		return ret;
	}
	*out = run;
	return 0;
}

int mlw_run_tracking_update(struct mlw_catalog *cat, const char *name,
			    int status, double end_time, const char *run_name)
{
	struct mlw_run *run;
	int own, ret = own_begin(cat, &own);

	if (ret)
		return ret;
	ret = mlw_run_get(&run, cat, name);
	if (ret)
		return own_end(cat, own, ret);
	if (status >= 0 && !strcmp(run->type, "tracking")) {
		sqlite3_stmt *st;
		int terminal = mlw_run_status_terminal(status);

		if (terminal && end_time <= 0)
			end_time = mlw_now();
		ret = prep(cat, &st, "UPDATE runs SET status = ?1,"
			   " ended = CASE WHEN ?2 THEN ?3 ELSE NULL END"
			   " WHERE id = ?4");
		if (!ret) {
			mlw_run_db_bind_str(st, 1, mlw_run_status_name(status));
			sqlite3_bind_int(st, 2, terminal);
			sqlite3_bind_double(st, 3, end_time);
			sqlite3_bind_int64(st, 4, run->id);
			ret = mlw_run_db_done(cat, st, "updating run status");
		}
	}
	if (!ret && run_name) {
		ret = mlw_run_set_field(cat, name, "display_name", run_name);
		if (!ret)
			ret = mlw_run_set_tag(cat, run->id, "mlflow.runName",
					      run_name);
	}
	mlw_run_free(run);
	return own_end(cat, own, ret);
}

int mlw_run_set_deleted(struct mlw_catalog *cat, const char *name,
			int deleted)
{
	return mlw_run_set_field(cat, name, "archived", deleted ? "1" : "0");
}

int mlw_run_delete_tag(struct mlw_catalog *cat, int64_t run,
		       const char *key)
{
	sqlite3_stmt *st;
	int ret = prep(cat, &st, "DELETE FROM run_tags WHERE run = ?"
		       " AND key = ?");

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	mlw_run_db_bind_str(st, 2, key);
	ret = mlw_run_db_done(cat, st, "removing tag");
	if (!ret && !sqlite3_changes(mlw_catalog_db(cat)))
		ret = mlw_error_setc(MLW_ENOTFOUND, "no tag with name '%s' "
				     "in the run", key);
	return ret;
}

static int check_len(const char *field, const char *s, size_t max,
		     int required)
{
	if (!s || !*s)
		return required ? mlw_error_setc(MLW_EINVALID, "dataset "
						  "field '%s' is required",
						  field) : 0;
	if (strlen(s) > max)
		return mlw_error_setc(MLW_EINVALID, "dataset field '%s' is "
				      "longer than %zu bytes", field, max);
	return 0;
}

static int check_dataset(const struct mlw_run_dataset *d)
{
	int ret = check_len("name", d->name, 500, 1);
	size_t i;

	if (!ret)
		ret = check_len("digest", d->digest, 36, 1);
	if (!ret)
		ret = check_len("source_type", d->source_type, 36, 1);
	if (!ret)
		ret = check_len("source", d->source, 65535, 1);
	if (!ret)
		ret = check_len("schema", d->schema, 1048575, 0);
	if (!ret)
		ret = check_len("profile", d->profile, 16384, 0);
	for (i = 0; !ret && i < d->nr_tags; i++) {
		ret = check_len("tags.key", d->tags[i].key, 255, 1);
		if (!ret)
			ret = check_len("tags.value", d->tags[i].value, 500,
					0);
	}
	return ret;
}

int mlw_run_log_inputs(struct mlw_catalog *cat, int64_t run,
		       const struct mlw_run_dataset *d, size_t nr)
{
	sqlite3_stmt *st = NULL;
	size_t i, j;
	int own, ret = 0;

	for (i = 0; !ret && i < nr; i++)
		ret = check_dataset(&d[i]);
	if (!ret)
		ret = own_begin(cat, &own);
	if (ret)
		return ret;
	ret = prep(cat, &st, "INSERT OR REPLACE INTO run_datasets (run, name,"
		   " digest, source_type, source, schema, profile, tags)"
		   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	for (i = 0; !ret && i < nr; i++) {
		json_t *tags = json_array();
		char *text;

		for (j = 0; j < d[i].nr_tags; j++)
			json_array_append_new(tags, json_pack("[ss]",
					      d[i].tags[j].key,
					      d[i].tags[j].value ?
					      d[i].tags[j].value : ""));
		text = json_dumps(tags, JSON_COMPACT);
		json_decref(tags);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, run);
		mlw_run_db_bind_str(st, 2, d[i].name);
		mlw_run_db_bind_str(st, 3, d[i].digest);
		mlw_run_db_bind_str(st, 4, d[i].source_type);
		mlw_run_db_bind_str(st, 5, d[i].source);
		mlw_run_db_bind_str(st, 6, d[i].schema);
		mlw_run_db_bind_str(st, 7, d[i].profile);
		mlw_run_db_bind_str(st, 8, text ? text : "[]");
		free(text);
		if (sqlite3_step(st) != SQLITE_DONE)
			ret = mlw_run_db_error(cat, "recording run inputs");
	}
	sqlite3_finalize(st);
	return own_end(cat, own, ret);
}

void mlw_run_datasets_free(struct mlw_run_dataset *d, size_t nr)
{
	size_t i, j;

	for (i = 0; i < nr; i++) {
		free(d[i].name);
		free(d[i].digest);
		free(d[i].source_type);
		free(d[i].source);
		free(d[i].schema);
		free(d[i].profile);
		for (j = 0; j < d[i].nr_tags; j++) {
			free(d[i].tags[j].key);
			free(d[i].tags[j].value);
		}
		free(d[i].tags);
	}
	free(d);
}

/* the tags column, [[key, value], ...]: what does not parse is dropped */
static void parse_tags(struct mlw_run_dataset *d, const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;
	size_t i, n = json_is_array(v) ? json_array_size(v) : 0;

	d->tags = n ? mlw_calloc(n, sizeof(*d->tags)) : NULL;
	for (i = 0; i < n; i++) {
		json_t *kv = json_array_get(v, i);
		const char *k = json_string_value(json_array_get(kv, 0));
		const char *val = json_string_value(json_array_get(kv, 1));

		if (!k || !val)
			continue;
		d->tags[d->nr_tags].key = mlw_strdup(k);
		d->tags[d->nr_tags].value = mlw_strdup(val);
		d->nr_tags++;
	}
	json_decref(v);
}

int mlw_run_load_inputs(struct mlw_run_dataset **out, size_t *nr,
			struct mlw_catalog *cat, int64_t run)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int rc, ret = prep(cat, &st, "SELECT name, digest, source_type, source,"
			   " schema, profile, tags FROM run_datasets"
			   " WHERE run = ? ORDER BY name, digest");

	*out = NULL;
	*nr = 0;
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mlw_run_dataset *d;

		MLW_ALLOC_GROW(*out, *nr + 1, alloc);
		d = &(*out)[(*nr)++];
		memset(d, 0, sizeof(*d));
		d->name = mlw_run_db_col_str(st, 0);
		d->digest = mlw_run_db_col_str(st, 1);
		d->source_type = mlw_run_db_col_str(st, 2);
		d->source = mlw_run_db_col_str(st, 3);
		d->schema = mlw_run_db_col_str(st, 4);
		d->profile = mlw_run_db_col_str(st, 5);
		parse_tags(d, (const char *)sqlite3_column_text(st, 6));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		mlw_run_datasets_free(*out, *nr);
		*out = NULL;
		*nr = 0;
		return mlw_run_db_error(cat, "reading run inputs");
	}
	return 0;
}

int mlw_run_metric_page(struct mlw_catalog *cat, int64_t run,
			const char *key, const struct mlw_run_metric_pos *after,
			int64_t max, int *more, mlw_run_metric_page_fn fn,
			void *data)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	int rc = SQLITE_DONE, ret = prep(cat, &st, "SELECT p.step, p.seq,"
			   " p.value, p.time"
			   " FROM metric_keys k JOIN run_metric_points p"
			   " ON p.run = ?1 AND p.key = k.id WHERE k.name = ?2"
			   " AND (p.step, p.seq) > (?3, ?4)"
			   " ORDER BY p.step, p.seq LIMIT ?5");

	*more = 0;
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	mlw_run_db_bind_str(st, 2, key);
	sqlite3_bind_int64(st, 3, after ? after->step : INT64_MIN);
	sqlite3_bind_int64(st, 4, after ? after->seq : INT64_MIN);
	sqlite3_bind_int64(st, 5, max + 1);
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mlw_run_metric m;
		struct mlw_run_metric_pos pos;

		if (++n > max) {
			*more = 1;
			break;
		}
		pos.step = sqlite3_column_int64(st, 0);
		pos.seq = sqlite3_column_int64(st, 1);
		m.key = (char *)key;
		m.step = pos.step;
		m.value = sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN :
			  sqlite3_column_double(st, 2);
		m.time = sqlite3_column_double(st, 3);
		ret = fn(&m, &pos, data);
	}
	if (!ret && !*more && rc != SQLITE_DONE)
		ret = mlw_run_db_error(cat, "reading metric history");
	sqlite3_finalize(st);
	return ret;
}

/* rows of run under prefix: "path = ?2 OR path GLOB ?3" with ?3 'P/ *' */
static char *folder_glob(const char *prefix)
{
	struct mlw_buf b = MLW_BUF_INIT;
	const char *p;

	for (p = prefix; *p; p++) {
		if (*p == '*' || *p == '?' || *p == '[')
			mlw_buf_addf(&b, "[%c]", *p);
		else
			mlw_buf_addch(&b, *p);
	}
	mlw_buf_adds(&b, "/*");
	return mlw_buf_detach(&b, NULL);
}

int mlw_run_artifact_foreach(struct mlw_catalog *cat, int64_t run,
			     const char *prefix, mlw_run_artifact_fn fn,
			     void *data)
{
	sqlite3_stmt *st;
	char *glob = prefix && *prefix ? folder_glob(prefix) : NULL;
	int rc = SQLITE_DONE, ret = prep(cat, &st, "SELECT path, object, size"
					 " FROM run_artifacts WHERE run = ?1"
					 " AND (?2 IS NULL OR path GLOB ?2)"
					 " ORDER BY path");

	if (ret) {
		free(glob);
		return ret;
	}
	sqlite3_bind_int64(st, 1, run);
	mlw_run_db_bind_str(st, 2, glob);
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		const char *hex = (const char *)sqlite3_column_text(st, 1);

		if (path && hex)
			ret = fn(path, hex, (uint64_t)sqlite3_column_int64(st,
				 2), data);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = mlw_run_db_error(cat, "reading artifacts");
	sqlite3_finalize(st);
	free(glob);
	return ret;
}

int mlw_run_artifact_get(struct mlw_catalog *cat, int64_t run,
			 const char *path, char *hex, uint64_t *size)
{
	sqlite3_stmt *st;
	int rc, ret = prep(cat, &st, "SELECT object, size FROM run_artifacts"
			   " WHERE run = ? AND path = ?");

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	mlw_run_db_bind_str(st, 2, path);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 64) {
		memcpy(hex, sqlite3_column_text(st, 0), 65);
		*size = (uint64_t)sqlite3_column_int64(st, 1);
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		ret = mlw_error_setc(MLW_ENOTFOUND, "no artifact '%s' in the "
				     "run", path);
	} else {
		ret = mlw_run_db_error(cat, "reading artifacts");
	}
	sqlite3_finalize(st);
	return ret;
}

int mlw_run_artifact_delete(struct mlw_catalog *cat, int64_t run,
			    const char *path)
{
	sqlite3_stmt *st;
	char *glob = folder_glob(path);
	int ret = prep(cat, &st, "DELETE FROM run_artifacts WHERE run = ?"
		       " AND (path = ? OR path GLOB ?)");

	if (!ret) {
		sqlite3_bind_int64(st, 1, run);
		mlw_run_db_bind_str(st, 2, path);
		mlw_run_db_bind_str(st, 3, glob);
		ret = mlw_run_db_done(cat, st, "removing artifacts");
	}
	free(glob);
	if (!ret && !sqlite3_changes(mlw_catalog_db(cat)))
		ret = mlw_error_setc(MLW_ENOTFOUND, "no artifact '%s' in the "
				     "run", path);
	return ret;
}
