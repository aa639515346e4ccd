/*
 * record.c - pipelines in the catalog (record.h): the pipeline layer's
 * own table, versioned by its own migrations (catalog.h).
 */
#include "pipeline/record.h"
#include "pipeline/dag.h"
#include "pipeline/run.h"
#include "run/run.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/json.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
	/* version 1 */
	"CREATE TABLE pipeline_steps ("
	"  pipeline TEXT NOT NULL,"
	"  step TEXT NOT NULL,"
	"  position INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  grp TEXT,"
	"  component TEXT,"
	"  depends_on TEXT NOT NULL,"
	"  edges TEXT NOT NULL,"
	"  job TEXT,"
	"  status TEXT NOT NULL,"
	"  error TEXT,"
	"  reuse_key TEXT,"
	"  reused_from TEXT,"
	"  UNIQUE (pipeline, step)"
	");"
	"CREATE INDEX pipeline_steps_key ON pipeline_steps(reuse_key);"
	"CREATE INDEX pipeline_steps_job ON pipeline_steps(job);",
	/* version 2: the settings each pipeline ran with */
	"CREATE TABLE pipeline_settings ("
	"  pipeline TEXT PRIMARY KEY,"
	"  default_compute TEXT,"
	"  default_datastore TEXT,"
	"  continue_on_step_failure INTEGER NOT NULL,"
	"  force_rerun INTEGER NOT NULL"
	");",
};

static const struct mlw_catalog_schema pipeline_schema = {
	"pipeline", migrations, 2, NULL, 0
};

int mlw_pipeline_use_catalog(struct mlw_catalog *cat)
{
	return mlw_catalog_use(cat, &pipeline_schema);
}

static int prep(struct mlw_catalog *cat, sqlite3_stmt **st, const char *sql)
{
	int ret = mlw_pipeline_use_catalog(cat);

	if (ret)
		return ret;
	if (sqlite3_prepare_v2(mlw_catalog_db(cat), sql, -1, st, NULL))
		return mlw_catalog_db_error(mlw_catalog_db(cat),
					    "pipeline steps");
	return 0;
}

static int step_done(struct mlw_catalog *cat, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mlw_catalog_db_error(mlw_catalog_db(cat),
					    "recording pipeline steps");
	return 0;
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static char *col_str(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? mlw_strdup(s) : NULL;
}

static char *json_text(json_t *j)
{
	char *s = mlw_json_dumps(j, MLW_JSON_COMPACT);

	json_decref(j);
	return s;
}

int mlw_pipeline_record_graph(struct mlw_catalog *cat, const char *pipeline,
			      const struct mlw_pipeline *p,
			      char *const *groups)
{
	size_t i, j;
	int ret = 0;

	for (i = 0; !ret && i < p->nr_steps; i++) {
		const struct mlw_pipeline_step *s = &p->steps[i];
		json_t *deps = json_array(), *edges = json_array();
		char *deps_text, *edges_text;
		sqlite3_stmt *st;

		for (j = 0; j < s->nr_deps; j++)
			json_array_append_new(deps, json_string(
				p->steps[s->deps[j]].name));
		for (j = 0; j < s->nr_inputs; j++) {
			const struct mlw_pipeline_input *in = &s->inputs[j];
			json_t *e;

			if (in->bind != MLW_BIND_STEP)
				continue;
			e = json_object();
			json_object_set_new(e, "input", json_string(in->name));
			json_object_set_new(e, "from", json_string(
				p->steps[in->step].name));
			json_object_set_new(e, "output",
					    json_string(in->output));
			json_array_append_new(edges, e);
		}
		deps_text = json_text(deps);
		edges_text = json_text(edges);
		ret = prep(cat, &st, "INSERT INTO pipeline_steps (pipeline,"
			   " step, position, kind, grp, component, depends_on,"
			   " edges, job, status) VALUES (?1, ?2, ?3, ?4, ?5,"
			   " ?6, ?7, ?8, ?9, 'NotStarted')");
		if (!ret) {
			bind_str(st, 1, pipeline);
			bind_str(st, 2, s->name);
			sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
			bind_str(st, 4, mlw_step_kind_name(s->kind));
			bind_str(st, 5, s->group >= 0 ?
				 p->steps[s->group].name : NULL);
			bind_str(st, 6, s->component ? (s->component->ref ?
				 s->component->ref : "inline") : NULL);
			bind_str(st, 7, deps_text);
			bind_str(st, 8, edges_text);
			bind_str(st, 9, groups ? groups[i] : NULL);
			ret = step_done(cat, st);
		}
		free(deps_text);
		free(edges_text);
	}
	if (!ret) {
		sqlite3_stmt *st;

		ret = prep(cat, &st, "INSERT OR REPLACE INTO pipeline_settings"
			   " (pipeline, default_compute, default_datastore,"
			   " continue_on_step_failure, force_rerun) VALUES"
			   " (?1, ?2, ?3, ?4, ?5)");
		if (!ret) {
			bind_str(st, 1, pipeline);
			bind_str(st, 2, p->default_compute);
			bind_str(st, 3, p->default_datastore);
			sqlite3_bind_int(st, 4, !!p->continue_on_step_failure);
			sqlite3_bind_int(st, 5, !!p->force_rerun);
			ret = step_done(cat, st);
		}
	}
	return ret;
}

int mlw_pipeline_record_step(struct mlw_catalog *cat, const char *pipeline,
			     const char *step, const char *job,
			     const char *status, const char *error,
			     const char *key, const char *reused_from)
{
	sqlite3_stmt *st;
	int ret = prep(cat, &st, "UPDATE pipeline_steps SET"
		       " job = coalesce(?3, job), status = coalesce(?4, status),"
		       " error = coalesce(?5, error),"
		       " reuse_key = coalesce(?6, reuse_key),"
		       " reused_from = coalesce(?7, reused_from)"
		       " WHERE pipeline = ?1 AND step = ?2");

	if (ret)
		return ret;
	bind_str(st, 1, pipeline);
	bind_str(st, 2, step);
	bind_str(st, 3, job);
	bind_str(st, 4, status);
	bind_str(st, 5, error);
	bind_str(st, 6, key);
	bind_str(st, 7, reused_from);
	return step_done(cat, st);
}

/*
 * Whether run name completed with every output stored; when it did and
 * keep is not NULL, the run with its inputs and outputs into *keep.
 */
static int completed(struct mlw_catalog *cat, const char *name,
		     struct mlw_run **keep)
{
	struct mlw_run *run;
	size_t i;
	int ok;

	if (mlw_run_get(&run, cat, name)) {
		mlw_error_clear();
		return 0;
	}
	ok = run->status == MLW_RUN_COMPLETED &&
	     !mlw_run_load_io(cat, run);
	for (i = 0; ok && i < run->nr_outputs; i++)
		if (!run->outputs[i].object)
			ok = 0;
	mlw_error_clear();
	if (ok && keep)
		*keep = run;
	else
		mlw_run_free(run);
	return ok;
}

int mlw_pipeline_find_reusable(char **job, struct mlw_run **made_run,
			       struct mlw_catalog *cat, const char *key)
{
	sqlite3_stmt *st;
	int rc, ret = prep(cat, &st, "SELECT job, reused_from FROM"
			   " pipeline_steps WHERE reuse_key = ?1 AND job IS NOT"
			   " NULL ORDER BY rowid DESC LIMIT 16");

	*job = NULL;
	if (made_run)
		*made_run = NULL;
	if (ret)
		return ret;
	bind_str(st, 1, key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *j = (const char *)sqlite3_column_text(st, 0);
		const char *from = (const char *)sqlite3_column_text(st, 1);
		const char *made = from ? from : j;

		/* the run that reused must have completed too */
		if (j && completed(cat, j, from ? NULL : made_run) &&
		    (!from || completed(cat, from, made_run))) {
			*job = mlw_strdup(made);
			break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = mlw_catalog_db_error(mlw_catalog_db(cat),
					   "looking for a step to reuse");
	sqlite3_finalize(st);
	return ret;
}

int mlw_pipeline_reused_from(char **out, struct mlw_catalog *cat,
			     const char *job)
{
	sqlite3_stmt *st;
	int rc, ret = prep(cat, &st, "SELECT reused_from FROM pipeline_steps"
			   " WHERE job = ?1 AND reused_from IS NOT NULL");

	*out = NULL;
	if (ret)
		return ret;
	bind_str(st, 1, job);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = col_str(st, 0);
	else if (rc != SQLITE_DONE)
		ret = mlw_catalog_db_error(mlw_catalog_db(cat),
					   "reading pipeline steps");
	sqlite3_finalize(st);
	return ret;
}

/* --- reading a graph back ------------------------------------------------ */

void mlw_graph_free(struct mlw_graph *g)
{
	size_t i, j;

	if (!g)
		return;
	for (i = 0; i < g->nr_steps; i++) {
		struct mlw_graph_step *s = &g->steps[i];

		free(s->name);
		free(s->kind);
		free(s->group);
		free(s->component);
		free(s->job);
		free(s->status);
		free(s->error);
		free(s->reused_from);
		free(s->reuse_key);
		for (j = 0; j < s->nr_deps; j++)
			free(s->deps[j]);
		free(s->deps);
		for (j = 0; j < s->nr_edges; j++) {
			free(s->edges[j].input);
			free(s->edges[j].from);
			free(s->edges[j].output);
		}
		free(s->edges);
	}
	free(g->steps);
	free(g->pipeline);
	free(g->settings.default_compute);
	free(g->settings.default_datastore);
	free(g);
}

/* the JSON columns are read back as untrusted text: strings or nothing */
static char *str_member(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return mlw_strdup(s ? s : "");
}

static void parse_lists(struct mlw_graph_step *s, const char *deps,
			const char *edges)
{
	json_t *d = deps ? json_loads(deps, 0, NULL) : NULL;
	json_t *e = edges ? json_loads(edges, 0, NULL) : NULL;
	size_t i, n;

	n = json_is_array(d) ? json_array_size(d) : 0;
	s->deps = mlw_calloc(n + 1, sizeof(*s->deps));
	for (i = 0; i < n; i++) {
		const char *v = json_string_value(json_array_get(d, i));

		if (v)
			s->deps[s->nr_deps++] = mlw_strdup(v);
	}
	n = json_is_array(e) ? json_array_size(e) : 0;
	s->edges = mlw_calloc(n + 1, sizeof(*s->edges));
	for (i = 0; i < n; i++) {
		json_t *x = json_array_get(e, i);

		if (!json_is_object(x))
			continue;
		s->edges[s->nr_edges].input = str_member(x, "input");
		s->edges[s->nr_edges].from = str_member(x, "from");
		s->edges[s->nr_edges].output = str_member(x, "output");
		s->nr_edges++;
	}
	json_decref(d);
	json_decref(e);
}

/* each step's job: its status and times */
static int load_jobs(struct mlw_graph *g, struct mlw_catalog *cat)
{
	size_t i;

	for (i = 0; i < g->nr_steps; i++) {
		struct mlw_graph_step *s = &g->steps[i];
		struct mlw_run *run;
		int ret;

		if (!s->job)
			continue;
		ret = mlw_run_get(&run, cat, s->job);
		if (ret == MLW_ENOTFOUND) {
			mlw_error_clear();
			continue;
		}
		if (ret)
			return ret;
		free(s->status);
		s->status = mlw_strdup(mlw_run_status_name(run->status));
		s->start = run->times[MLW_RUN_RUNNING];
		s->end = run->times[MLW_RUN_ENDED_TIME];
		if (!s->error && run->error)
			s->error = mlw_strdup(run->error);
		mlw_run_free(run);
	}
	return 0;
}

/* the settings row of g's pipeline (none: a pipeline of an older mlw) */
static int load_settings(struct mlw_graph *g, struct mlw_catalog *cat)
{
	sqlite3_stmt *st;
	int rc, ret = prep(cat, &st, "SELECT default_compute,"
			   " default_datastore, continue_on_step_failure,"
			   " force_rerun FROM pipeline_settings WHERE"
			   " pipeline = ?1");

	if (ret)
		return ret;
	bind_str(st, 1, g->pipeline);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		g->settings.recorded = 1;
		g->settings.default_compute = col_str(st, 0);
		g->settings.default_datastore = col_str(st, 1);
		g->settings.continue_on_step_failure =
			sqlite3_column_int(st, 2) != 0;
		g->settings.force_rerun = sqlite3_column_int(st, 3) != 0;
	} else if (rc != SQLITE_DONE) {
		ret = mlw_catalog_db_error(mlw_catalog_db(cat),
					   "reading pipeline settings");
	}
	sqlite3_finalize(st);
	return ret;
}

int mlw_graph_load(struct mlw_graph **out, struct mlw_catalog *cat,
		   const char *name)
{
	struct mlw_graph *g = mlw_calloc(1, sizeof(*g));
	size_t alloc = 0;
	sqlite3_stmt *st;
	int rc, ret;

	*out = NULL;
	g->pipeline = mlw_strdup(name);
	ret = prep(cat, &st, "SELECT step, kind, grp, component, job, status,"
		   " error, reuse_key, reused_from, depends_on, edges FROM"
		   " pipeline_steps WHERE pipeline = ?1 ORDER BY position");
	if (ret) {
		mlw_graph_free(g);
		return ret;
	}
	bind_str(st, 1, name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mlw_graph_step *s;

		MLW_ALLOC_GROW(g->steps, g->nr_steps + 1, alloc);
		s = &g->steps[g->nr_steps++];
		memset(s, 0, sizeof(*s));
		s->name = col_str(st, 0);
		s->kind = col_str(st, 1);
		s->group = col_str(st, 2);
		s->component = col_str(st, 3);
		s->job = col_str(st, 4);
		s->status = col_str(st, 5);
		s->error = col_str(st, 6);
		s->reuse_key = col_str(st, 7);
		s->reused_from = col_str(st, 8);
		if (!s->name || !s->kind || !s->status) {
			rc = SQLITE_CORRUPT;
			break;
		}
		parse_lists(s, (const char *)sqlite3_column_text(st, 9),
			    (const char *)sqlite3_column_text(st, 10));
	}
	if (rc == SQLITE_CORRUPT)
		ret = mlw_error_setc(MLW_ECORRUPT, "catalog: a step of pipeline "
				     "'%s' lacks its name, kind or status",
				     name);
	else if (rc != SQLITE_DONE)
		ret = mlw_catalog_db_error(mlw_catalog_db(cat),
					   "reading pipeline steps");
	sqlite3_finalize(st);
	if (!ret && !g->nr_steps)
		ret = mlw_error_setc(MLW_ENOTFOUND, "job '%s' is not a "
				     "pipeline", name);
	if (!ret)
		ret = load_settings(g, cat);
	if (!ret)
		ret = load_jobs(g, cat);
	if (ret) {
		mlw_graph_free(g);
		return ret;
	}
	*out = g;
	return 0;
}

int mlw_pipeline_savepoint(struct mlw_catalog *cat)
{
	if (sqlite3_exec(mlw_catalog_db(cat), "SAVEPOINT step", NULL, NULL,
			 NULL) != SQLITE_OK)
		return mlw_catalog_db_error(mlw_catalog_db(cat), "savepoint");
	return 0;
}

int mlw_pipeline_savepoint_release(struct mlw_catalog *cat)
{
	if (sqlite3_exec(mlw_catalog_db(cat), "RELEASE step", NULL, NULL,
			 NULL) != SQLITE_OK)
		return mlw_catalog_db_error(mlw_catalog_db(cat),
					    "releasing a savepoint");
	return 0;
}

void mlw_pipeline_savepoint_rollback(struct mlw_catalog *cat)
{
	sqlite3_exec(mlw_catalog_db(cat), "ROLLBACK TO step; RELEASE step",
		     NULL, NULL, NULL);
}
