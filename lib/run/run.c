/*
 * run.c - run records, lifecycle and tracking in the catalog; see run.h.
 */
#include "run/run.h"
#include "run/experiment.h"
#include "run/sql.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

static const char *const status_names[] = {
	"NotStarted", "Queued", "Starting", "Running", "Finalizing",
	"Completed", "Failed", "Canceled"
};

/* the column stamped when entering each status */
static const char *const status_columns[] = {
	"created", "queued", "starting", "running", "finalizing",
	"ended", "ended", "ended"
};

const char *mlw_run_status_name(enum mlw_run_status s)
{
	if ((unsigned)s >= MLW_RUN_NR_STATUS)
		BUG("bad run status %d", (int)s);
	return status_names[s];
}

int mlw_run_status_parse(enum mlw_run_status *out, const char *name)
{
	int i;

	for (i = 0; i < MLW_RUN_NR_STATUS; i++)
		if (!strcasecmp(name, status_names[i])) {
			*out = i;
			return 0;
		}
	return mlw_error_setc(MLW_EINVALID, "unknown status '%s' (one of: "
			      "NotStarted, Queued, Starting, Running, "
			      "Finalizing, Completed, Failed, Canceled)", name);
}

int mlw_run_status_terminal(enum mlw_run_status s)
{
	return s >= MLW_RUN_COMPLETED;
}

/*
 * The run layer's own tables, versioned by their own migrations
 * (mlw_catalog_use()); the runs table itself is older than that and the
 * store's.  Never edit a released entry; append one.
 */
static const char *const run_migrations[] = {
	/*
	 * 1: experiments with stable ids (experiment.h), one for each
	 * experiment runs name, in the order of their first run; runs
	 * linked to theirs.  AUTOINCREMENT: an id is never given twice.
	 */
	"CREATE TABLE experiments ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  lifecycle TEXT NOT NULL DEFAULT 'active'"
	"    CHECK (lifecycle IN ('active', 'deleted')),"
	"  artifact_location TEXT,"
	"  created REAL NOT NULL,"
	"  updated REAL NOT NULL"
	");"
	"CREATE TABLE experiment_tags ("
	"  experiment INTEGER NOT NULL, key TEXT NOT NULL,"
	"  value TEXT NOT NULL, PRIMARY KEY (experiment, key)"
	") WITHOUT ROWID;"
	"INSERT INTO experiments (name, created, updated)"
	"  SELECT experiment, min(created), min(created) FROM runs"
	"  GROUP BY experiment ORDER BY min(created), experiment;"
	"ALTER TABLE runs ADD COLUMN experiment_id INTEGER;"
	"UPDATE runs SET experiment_id = (SELECT e.id FROM experiments e"
	"  WHERE e.name = runs.experiment);"
	"CREATE INDEX runs_experiment_id ON runs(experiment_id, created);",
};

const struct mlw_catalog_schema mlw_run_schema = {
	"run", run_migrations,
	(int)(sizeof(run_migrations) / sizeof(*run_migrations)), NULL, 0,
};

int mlw_run_schema_use(struct mlw_catalog *cat)
{
	return mlw_catalog_use(cat, &mlw_run_schema);
}

/*
 * sql (one parameter: the run's name) stepped to its row: 0 with *st on
 * it (the caller finalizes), MLW_ENOTFOUND "job 'NAME' not found", or a
 * catalog error; *st is finalized on error
 */
static int by_name(struct mlw_catalog *cat, sqlite3_stmt **st,
		   const char *sql, const char *name)
{
	int rc, ret = prep(cat, st, sql);

	if (ret)
		return ret;
	bind_str(*st, 1, name);
	rc = sqlite3_step(*st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		ret = mlw_error_setc(MLW_ENOTFOUND, "job '%s' not found", name);
	else
		ret = db_err(cat, "reading run");
	sqlite3_finalize(*st);
	*st = NULL;
	return ret;
}

/* run/sql.h's helpers, for the run layer's files that use run.h's names */
int mlw_run_db_error(struct mlw_catalog *cat, const char *what)
{
	return db_err(cat, what);
}

int mlw_run_db_prep(struct mlw_catalog *cat, sqlite3_stmt **st,
		    const char *sql)
{
	return prep(cat, st, sql);
}

int mlw_run_db_done(struct mlw_catalog *cat, sqlite3_stmt *st,
		    const char *what)
{
	return mlw_catalog_step_done(cat, st, what);
}

void mlw_run_db_bind_str(sqlite3_stmt *st, int i, const char *s)
{
	bind_str(st, i, s);
}

char *mlw_run_db_col_str(sqlite3_stmt *st, int i)
{
	return col_str(st, i);
}

static const char *const adjectives[] = {
	"amber", "bold", "brave", "bright", "busy", "calm", "clever", "cool",
	"crisp", "dreamy", "eager", "fancy", "frosty", "gentle", "happy",
	"honest", "jolly", "keen", "kind", "lively", "loyal", "lucid", "mellow",
	"merry", "modest", "neat", "nifty", "polite", "quiet", "quirky",
	"shiny", "sunny", "sweet", "swift", "tidy", "tender", "witty", "zesty"
};
static const char *const nouns[] = {
	"apple", "arch", "bear", "bee", "brush", "cake", "camera", "carrot",
	"cloud", "coat", "comet", "cup", "door", "eagle", "fern", "fig",
	"garden", "grape", "hat", "island", "kettle", "kite", "lamp", "leaf",
	"lemon", "lion", "moon", "nail", "night", "owl", "pear", "pepper",
	"pillow", "plum", "river", "rocket", "seal", "snake", "spoon", "star",
	"stone", "tiger", "tree", "vase", "whale", "wolf", "yak"
};

char *mlw_run_new_name(void)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned char r[8];
	uint64_t x = 0;
	char id[4];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* no entropy source: time and pid still differ per call */
		uint64_t t = (uint64_t)(mlw_now() * 1e9);

		memcpy(r, &t, sizeof(r));
		r[0] ^= (unsigned char)getpid();
	}
	for (i = 0; i < sizeof(r); i++)
		x = x << 8 | r[i];
	for (i = 0; i < 3; i++) {
		id[i] = digits[x % 36];
		x /= 36;
	}
	id[3] = '\0';
	return mlw_xstrfmt("%s_%s_%s",
			   adjectives[x % (sizeof(adjectives) / sizeof(*adjectives))],
			   nouns[(x >> 16) % (sizeof(nouns) / sizeof(*nouns))],
			   id);
}

static void kv_free(struct mlw_run_kv *kv, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static void io_free(struct mlw_run_io *io, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(io[i].name);
		free(io[i].type);
		free(io[i].value);
		free(io[i].object);
	}
	free(io);
}

void mlw_run_metrics_free(struct mlw_run_metric *m, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(m[i].key);
	free(m);
}

void mlw_run_free(struct mlw_run *run)
{
	if (!run)
		return;
	free(run->name);
	free(run->display_name);
	free(run->experiment);
	free(run->parent);
	free(run->type);
	free(run->spec);
	free(run->code);
	free(run->log);
	free(run->git_repository);
	free(run->git_branch);
	free(run->git_commit);
	free(run->environment);
	free(run->compute);
	free(run->command);
	free(run->description);
	free(run->properties);
	free(run->error);
	io_free(run->inputs, run->nr_inputs);
	io_free(run->outputs, run->nr_outputs);
	kv_free(run->params, run->nr_params);
	kv_free(run->tags, run->nr_tags);
	kv_free(run->artifacts, run->nr_artifacts);
	mlw_run_metrics_free(run->metrics, run->nr_metrics);
	free(run);
}

static int insert_once(struct mlw_catalog *cat, struct mlw_run *run)
{
	sqlite3_stmt *st;
	int ret = prep(cat, &st, "INSERT INTO runs (name, display_name,"
		       " experiment, parent, type, status, created, queued,"
		       " spec, code, git_repository, git_branch, git_commit,"
		       " git_dirty, environment, compute, command, description,"
		       " properties, experiment_id) VALUES (?, ?, ?, ?, ?, ?,"
		       " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	int rc;

	if (ret)
		return ret;
	bind_str(st, 1, run->name);
	bind_str(st, 2, run->display_name);
	bind_str(st, 3, run->experiment);
	bind_str(st, 4, run->parent);
	bind_str(st, 5, run->type);
	bind_str(st, 6, mlw_run_status_name(run->status));
	sqlite3_bind_double(st, 7, run->times[MLW_RUN_NOT_STARTED]);
	if (run->times[MLW_RUN_QUEUED])
		sqlite3_bind_double(st, 8, run->times[MLW_RUN_QUEUED]);
	bind_str(st, 9, run->spec);
	bind_str(st, 10, run->code);
	bind_str(st, 11, run->git_repository);
	bind_str(st, 12, run->git_branch);
	bind_str(st, 13, run->git_commit);
	if (run->git_dirty >= 0)
		sqlite3_bind_int(st, 14, run->git_dirty);
	bind_str(st, 15, run->environment);
	bind_str(st, 16, run->compute);
	bind_str(st, 17, run->command);
	bind_str(st, 18, run->description);
	bind_str(st, 19, run->properties);
	sqlite3_bind_int64(st, 20, run->experiment_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return mlw_error_setc(MLW_EEXISTS, "job '%s' already exists",
				      run->name);
	if (rc != SQLITE_DONE)
		return db_err(cat, "recording run");
	run->id = sqlite3_last_insert_rowid(mlw_catalog_db(cat));
	return 0;
}

int mlw_run_insert(struct mlw_catalog *cat, struct mlw_run *run)
{
	int tries, ret;

	/* the name becomes a folder (.mlw/runs/NAME): never a path */
	if (run->name && mlw_name_check(MLW_NAME_JOB, run->name))
		return MLW_EINVALID;
	if (!run->experiment)
		BUG("a run without an experiment");
	ret = mlw_experiment_ensure(&run->experiment_id, cat, run->experiment);
	if (ret)
		return ret;
	if (run->name)
		return insert_once(cat, run);
	for (tries = 0; tries < 20; tries++) {
		run->name = mlw_run_new_name();
		ret = insert_once(cat, run);
		if (ret != MLW_EEXISTS)
			return ret;
		free(run->name);
		run->name = NULL;
	}
	return mlw_error_set("cannot find a free job name");
}

static int add_io(struct mlw_catalog *cat, const char *table, int64_t run,
		  const struct mlw_run_io *io)
{
	sqlite3_stmt *st;
	char sql[160];
	int ret;

	if (!strcmp(table, "run_inputs"))
		snprintf(sql, sizeof(sql), "INSERT INTO run_inputs (run, name,"
			 " type, value, object) VALUES (?, ?, ?, ?, ?)");
	else
		snprintf(sql, sizeof(sql), "INSERT INTO run_outputs (run, name,"
			 " type, object) VALUES (?, ?, ?, ?)");
	ret = prep(cat, &st, sql);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	bind_str(st, 2, io->name);
	bind_str(st, 3, io->type);
	if (!strcmp(table, "run_inputs")) {
		bind_str(st, 4, io->value);
		bind_str(st, 5, io->object);
	} else {
		bind_str(st, 4, io->object);
	}
	return mlw_catalog_step_done(cat, st,
				     "recording run inputs and outputs");
}

int mlw_run_add_input(struct mlw_catalog *cat, int64_t run,
		      const struct mlw_run_io *io)
{
	return add_io(cat, "run_inputs", run, io);
}

int mlw_run_add_output(struct mlw_catalog *cat, int64_t run,
		       const struct mlw_run_io *io)
{
	return add_io(cat, "run_outputs", run, io);
}

int mlw_run_set_output_object(struct mlw_catalog *cat, int64_t run,
			      const char *name, const char *hex)
{
	sqlite3_stmt *st;
	int ret = prep(cat, &st, "UPDATE run_outputs SET object = ?"
		       " WHERE run = ? AND name = ?");

	if (ret)
		return ret;
	bind_str(st, 1, hex);
	sqlite3_bind_int64(st, 2, run);
	bind_str(st, 3, name);
	return mlw_catalog_step_done(cat, st, "recording output");
}

int mlw_run_add_artifact(struct mlw_catalog *cat, int64_t run,
			 const char *path, const char *hex, uint64_t size)
{
	sqlite3_stmt *st;
	int ret = mlw_name_check_path("artifact name", path);

	if (ret)
		return ret;
	ret = prep(cat, &st, "INSERT INTO run_artifacts (run, path, object,"
		       " size) VALUES (?, ?, ?, ?) ON CONFLICT(run, path) DO"
		       " UPDATE SET object = excluded.object,"
		       " size = excluded.size");

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	bind_str(st, 2, path);
	bind_str(st, 3, hex);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)size);
	return mlw_catalog_step_done(cat, st, "recording artifact");
}

#define RUN_COLUMNS "id, name, display_name, experiment, parent, type," \
	" status, created, queued, starting, running, finalizing, ended," \
	" spec, code, log, git_repository, git_branch, git_commit," \
	" git_dirty, environment, compute, command, exit_code," \
	" supervisor_pid, supervisor_start, pgid, description, properties," \
	" error, archived, experiment_id"

static struct mlw_run *row_to_run(sqlite3_stmt *st)
{
	struct mlw_run *run = mlw_calloc(1, sizeof(*run));
	const char *status;
	int i;

	run->id = sqlite3_column_int64(st, 0);
	run->name = col_str(st, 1);
	run->display_name = col_str(st, 2);
	run->experiment = col_str(st, 3);
	run->parent = col_str(st, 4);
	run->type = col_str(st, 5);
	status = (const char *)sqlite3_column_text(st, 6);
	run->status = MLW_RUN_NOT_STARTED;
	for (i = 0; status && i < MLW_RUN_NR_STATUS; i++)
		if (!strcmp(status, status_names[i]))
			run->status = i;
	for (i = 0; i <= MLW_RUN_ENDED_TIME; i++)
		run->times[i] = sqlite3_column_double(st, 7 + i);
	run->spec = col_str(st, 13);
	run->code = col_str(st, 14);
	run->log = col_str(st, 15);
	run->git_repository = col_str(st, 16);
	run->git_branch = col_str(st, 17);
	run->git_commit = col_str(st, 18);
	run->git_dirty = sqlite3_column_type(st, 19) == SQLITE_NULL ? -1 :
			 sqlite3_column_int(st, 19);
	run->environment = col_str(st, 20);
	run->compute = col_str(st, 21);
	run->command = col_str(st, 22);
	run->has_exit_code = sqlite3_column_type(st, 23) != SQLITE_NULL;
	run->exit_code = sqlite3_column_int(st, 23);
	run->supervisor_pid = sqlite3_column_int64(st, 24);
	run->supervisor_start = sqlite3_column_int64(st, 25);
	run->pgid = sqlite3_column_int64(st, 26);
	run->description = col_str(st, 27);
	run->properties = col_str(st, 28);
	run->error = col_str(st, 29);
	run->archived = sqlite3_column_int(st, 30);
	run->experiment_id = sqlite3_column_int64(st, 31);
	return run;
}

const char *mlw_run_columns(void)
{
	return RUN_COLUMNS;
}

struct mlw_run *mlw_run_from_row(sqlite3_stmt *st)
{
	return row_to_run(st);
}

int mlw_run_get(struct mlw_run **out, struct mlw_catalog *cat,
		const char *name)
{
	sqlite3_stmt *st;
	int ret = by_name(cat, &st, "SELECT " RUN_COLUMNS " FROM runs"
			  " WHERE name = ?", name);

	*out = NULL;
	if (ret)
		return ret;
	*out = row_to_run(st);
	sqlite3_finalize(st);
	return 0;
}

int mlw_run_get_id(int64_t *id, struct mlw_catalog *cat, const char *name)
{
	sqlite3_stmt *st;
	int ret = by_name(cat, &st, "SELECT id FROM runs WHERE name = ?", name);

	if (ret)
		return ret;
	*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int load_kv(struct mlw_run_kv **out, size_t *nr,
		   struct mlw_catalog *cat, const char *sql, int64_t run)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int rc, ret = prep(cat, &st, sql);

	*out = NULL;
	*nr = 0;
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		MLW_ALLOC_GROW(*out, *nr + 1, alloc);
		(*out)[*nr].key = col_str(st, 0);
		(*out)[*nr].value = col_str(st, 1);
		(*nr)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(cat, "reading run");
	return 0;
}

static int load_io(struct mlw_run_io **out, size_t *nr,
		   struct mlw_catalog *cat, const char *sql, int64_t run)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int rc, ret = prep(cat, &st, sql);

	*out = NULL;
	*nr = 0;
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mlw_run_io *io;

		MLW_ALLOC_GROW(*out, *nr + 1, alloc);
		io = &(*out)[(*nr)++];
		io->name = col_str(st, 0);
		io->type = col_str(st, 1);
		io->value = col_str(st, 2);
		io->object = col_str(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(cat, "reading run");
	return 0;
}

static int each_metric(struct mlw_catalog *cat, const char *sql,
		       int64_t run, const char *key, mlw_run_metric_fn fn,
		       void *data)
{
	sqlite3_stmt *st;
	int rc, ret = prep(cat, &st, sql);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	if (key)
		bind_str(st, 2, key);
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mlw_run_metric m;

		m.key = (char *)sqlite3_column_text(st, 0);
		m.step = sqlite3_column_int64(st, 1);
		m.value = col_value(st, 2);
		m.time = sqlite3_column_double(st, 3);
		ret = fn(&m, data);
	}
	sqlite3_finalize(st);
	if (!ret && rc != SQLITE_DONE)
		return db_err(cat, "reading metrics");
	return ret;
}

struct metric_array {
	struct mlw_run_metric *m;
	size_t nr, alloc;
};

static int keep_metric(const struct mlw_run_metric *m, void *data)
{
	struct metric_array *a = data;
	struct mlw_run_metric *k;

	MLW_ALLOC_GROW(a->m, a->nr + 1, a->alloc);
	k = &a->m[a->nr++];
	*k = *m;
	k->key = mlw_strdup(m->key ? m->key : "");
	return 0;
}

static int load_metrics(struct mlw_run_metric **out, size_t *nr,
			struct mlw_catalog *cat, const char *sql, int64_t run,
			const char *key)
{
	struct metric_array a = { NULL, 0, 0 };
	int ret = each_metric(cat, sql, run, key, keep_metric, &a);

	*out = a.m;
	*nr = a.nr;
	return ret;
}

int mlw_run_load_io(struct mlw_catalog *cat, struct mlw_run *run)
{
	int ret;

	ret = load_io(&run->inputs, &run->nr_inputs, cat, "SELECT name, type,"
		      " value, object FROM run_inputs WHERE run = ?"
		      " ORDER BY name", run->id);
	if (!ret)
		ret = load_io(&run->outputs, &run->nr_outputs, cat,
			      "SELECT name, type, NULL, object FROM run_outputs"
			      " WHERE run = ? ORDER BY name", run->id);
	return ret;
}

int mlw_run_load_details(struct mlw_catalog *cat, struct mlw_run *run)
{
	int ret = mlw_run_load_io(cat, run);

	if (!ret)
		ret = load_kv(&run->params, &run->nr_params, cat, "SELECT key,"
			      " value FROM run_params WHERE run = ?"
			      " ORDER BY key", run->id);
	if (!ret)
		ret = load_kv(&run->tags, &run->nr_tags, cat, "SELECT key,"
			      " value FROM run_tags WHERE run = ? ORDER BY key",
			      run->id);
	if (!ret)
		ret = load_kv(&run->artifacts, &run->nr_artifacts, cat,
			      "SELECT path, object FROM run_artifacts"
			      " WHERE run = ? ORDER BY path", run->id);
	if (!ret)
		ret = load_metrics(&run->metrics, &run->nr_metrics, cat,
				   "SELECT key, step, value, time FROM"
				   " run_metrics_last WHERE run = ?"
				   " ORDER BY key", run->id, NULL);
	return ret;
}

#define HISTORY_SQL(where) \
	"SELECT l.key, p.step, p.value, p.time FROM" \
	" run_metrics_last l JOIN metric_keys k" \
	" ON k.name = l.key CROSS JOIN run_metric_points p" \
	" ON p.run = l.run AND p.key = k.id" \
	" WHERE " where " ORDER BY l.key, p.step, p.seq"

int mlw_run_metric_foreach(struct mlw_catalog *cat, int64_t run,
			   const char *key, mlw_run_metric_fn fn, void *data)
{
	return each_metric(cat, key ? HISTORY_SQL("l.run = ?1 AND l.key = ?2") :
			   HISTORY_SQL("l.run = ?1"), run, key, fn, data);
}

int mlw_run_metric_history(struct mlw_run_metric **out, size_t *nr,
			   struct mlw_catalog *cat, int64_t run,
			   const char *key)
{
	/*
	 * run_metrics_last lists the run's keys in name order; each key's
	 * points come in (step, seq) order from the primary key: no sort.
	 */
	return load_metrics(out, nr, cat, key ?
			    "SELECT l.key, p.step, p.value, p.time FROM"
			    " run_metrics_last l JOIN metric_keys k"
			    " ON k.name = l.key CROSS JOIN run_metric_points p"
			    " ON p.run = l.run AND p.key = k.id"
			    " WHERE l.run = ?1 AND l.key = ?2"
			    " ORDER BY l.key, p.step, p.seq" :
			    "SELECT l.key, p.step, p.value, p.time FROM"
			    " run_metrics_last l JOIN metric_keys k"
			    " ON k.name = l.key CROSS JOIN run_metric_points p"
			    " ON p.run = l.run AND p.key = k.id"
			    " WHERE l.run = ?1 ORDER BY l.key, p.step, p.seq",
			    run, key);
}

int mlw_run_set_status(struct mlw_catalog *cat, const char *name,
		       enum mlw_run_status s, double t)
{
	return mlw_run_finish(cat, name, s, t, -1, NULL, NULL);
}

int mlw_run_finish(struct mlw_catalog *cat, const char *name,
		   enum mlw_run_status s, double t, int exit_code,
		   const char *error, const char *log_hex)
{
	sqlite3_stmt *st;
	char sql[320];
	int ret;

	snprintf(sql, sizeof(sql), "UPDATE runs SET status = ?, %s = ?,"
		 " exit_code = coalesce(?, exit_code),"
		 " error = coalesce(?, error), log = coalesce(?, log)"
		 " WHERE name = ? AND status NOT IN"
		 " ('Completed', 'Failed', 'Canceled')", status_columns[s]);
	ret = prep(cat, &st, sql);
	if (ret)
		return ret;
	bind_str(st, 1, mlw_run_status_name(s));
	sqlite3_bind_double(st, 2, t);
	if (exit_code >= 0)
		sqlite3_bind_int(st, 3, exit_code);
	bind_str(st, 4, error);
	bind_str(st, 5, log_hex);
	bind_str(st, 6, name);
	ret = mlw_catalog_step_done(cat, st, "updating run status");
	if (!ret && !sqlite3_changes(mlw_catalog_db(cat))) {
		struct mlw_run *run;

		ret = mlw_run_get(&run, cat, name);
		if (ret)
			return ret;
		ret = mlw_error_setc(MLW_EEXISTS, "job '%s' has already "
				     "ended (%s)", name,
				     mlw_run_status_name(run->status));
		mlw_run_free(run);
	}
	return ret;
}

int mlw_run_set_supervisor(struct mlw_catalog *cat, const char *name,
			   int64_t pid, int64_t start, int64_t pgid)
{
	sqlite3_stmt *st;
	int ret = prep(cat, &st, "UPDATE runs SET supervisor_pid = ?,"
		       " supervisor_start = ?, pgid = ? WHERE name = ?");

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int64(st, 2, start);
	if (pgid)
		sqlite3_bind_int64(st, 3, pgid);
	bind_str(st, 4, name);
	return mlw_catalog_step_done(cat, st, "recording supervisor");
}

int mlw_run_set_field(struct mlw_catalog *cat, const char *name,
		      const char *field, const char *value)
{
	sqlite3_stmt *st;
	char sql[128];
	int ret;

	if (strcmp(field, "description") && strcmp(field, "display_name") &&
	    strcmp(field, "archived"))
		BUG("run field '%s' cannot be set", field);
	snprintf(sql, sizeof(sql), "UPDATE runs SET %s = ? WHERE name = ?",
		 field);
	ret = prep(cat, &st, sql);
	if (ret)
		return ret;
	if (!strcmp(field, "archived"))
		sqlite3_bind_int(st, 1, value && !strcmp(value, "1"));
	else
		bind_str(st, 1, value);
	bind_str(st, 2, name);
	ret = mlw_catalog_step_done(cat, st, "updating run");
	if (!ret && !sqlite3_changes(mlw_catalog_db(cat)))
		ret = mlw_error_setc(MLW_ENOTFOUND, "job '%s' not found", name);
	return ret;
}

int mlw_run_log_param(struct mlw_catalog *cat, int64_t run, const char *key,
		      const char *value)
{
	sqlite3_stmt *st;
	int rc, ret = prep(cat, &st, "SELECT value FROM run_params"
			   " WHERE run = ? AND key = ?");

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	bind_str(st, 2, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *old = (const char *)sqlite3_column_text(st, 0);

		ret = strcmp(old, value) ?
		      mlw_error_setc(MLW_EEXISTS, "param '%s' is already '%s'; "
				     "params are write-once", key, old) : 0;
		sqlite3_finalize(st);
		return ret;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(cat, "reading params");
	ret = prep(cat, &st, "INSERT INTO run_params (run, key, value)"
		   " VALUES (?, ?, ?)");
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	bind_str(st, 2, key);
	bind_str(st, 3, value);
	return mlw_catalog_step_done(cat, st, "recording param");
}

int mlw_run_set_tag(struct mlw_catalog *cat, int64_t run, const char *key,
		    const char *value)
{
	sqlite3_stmt *st;
	int ret = prep(cat, &st, "INSERT INTO run_tags (run, key, value)"
		       " VALUES (?, ?, ?) ON CONFLICT(run, key) DO UPDATE"
		       " SET value = excluded.value");

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run);
	bind_str(st, 2, key);
	bind_str(st, 3, value);
	return mlw_catalog_step_done(cat, st, "recording tag");
}

int mlw_run_foreach(struct mlw_catalog *cat, const struct mlw_run_filter *f,
		    mlw_run_fn fn, void *data)
{
	struct mlw_buf sql = MLW_BUF_INIT;
	sqlite3_stmt *st;
	int rc, ret;

	mlw_buf_adds(&sql, "SELECT ");
	{
		/*
		 * Qualify the columns (a join may bring 'key' and 'value');
		 * brief: NULL for all but the few a short listing shows.
		 */
		static const char *const brief[] = {
			"id", "name", "experiment", "status", "created",
			"archived", "experiment_id", NULL
		};
		const char *cols = RUN_COLUMNS;
		const char *p = cols;

		while (*p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			int keep = !f->brief, i;

			while (*p == ' ') {
				p++;
				len--;
			}
			for (i = 0; !keep && brief[i]; i++)
				keep = strlen(brief[i]) == len &&
				       !strncmp(brief[i], p, len);
			if (keep)
				mlw_buf_addf(&sql, "%sr.%.*s",
					     p == cols ? "" : ", ", (int)len, p);
			else
				mlw_buf_adds(&sql, p == cols ? "NULL" : ", NULL");
			p += len;
			if (*p == ',')
				p++;
		}
	}
	mlw_buf_adds(&sql, " FROM runs r");
	if (f->order_metric)
		mlw_buf_adds(&sql, " JOIN run_metrics_last m ON m.run = r.id"
			     " AND m.key = ?1");
	mlw_buf_adds(&sql, " WHERE 1");
	if (!f->include_archived)
		mlw_buf_adds(&sql, " AND r.archived = 0");
	if (f->experiment)
		mlw_buf_adds(&sql, " AND r.experiment = ?2");
	if (f->parent)
		mlw_buf_adds(&sql, " AND r.parent = ?3");
	if (f->status >= 0)
		mlw_buf_adds(&sql, " AND r.status = ?4");
	/*
	 * EXISTS on the (run, key) primary key, not "id IN (SELECT run ...)":
	 * the runs are read newest first and the scan stops at the limit,
	 * instead of first collecting every run with the tag (33,000 of
	 * 100,000 runs: 300 -> 20 ms).
	 */
	if (f->tag_key)
		mlw_buf_addf(&sql, " AND EXISTS (SELECT 1 FROM run_tags t"
			     " WHERE t.run = r.id AND t.key = ?5%s)",
			     f->tag_value ? " AND t.value = ?6" : "");
	if (f->order_metric)
		/*
		 * Plain "m.value DESC": SQLite sorts NULL, our NaN, lowest,
		 * so NaN comes last in DESC; ascending leaves NaN out for
		 * the same reason.
		 */
		mlw_buf_addf(&sql, "%s ORDER BY m.value %s",
			     f->ascending ? " AND m.value IS NOT NULL" : "",
			     f->ascending ? "ASC" : "DESC");
	else
		mlw_buf_adds(&sql, " ORDER BY r.created DESC");
	if (f->max_results > 0)
		mlw_buf_adds(&sql, " LIMIT ?7");
	ret = prep(cat, &st, sql.buf);
	mlw_buf_release(&sql);
	if (ret)
		return ret;
	bind_str(st, 1, f->order_metric);
	bind_str(st, 2, f->experiment);
	bind_str(st, 3, f->parent);
	if (f->status >= 0)
		bind_str(st, 4, mlw_run_status_name(f->status));
	bind_str(st, 5, f->tag_key);
	bind_str(st, 6, f->tag_value);
	sqlite3_bind_int64(st, 7, f->max_results);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = fn(row_to_run(st), data);
		if (ret)
			break;
	}
	sqlite3_finalize(st);
	if (!ret && rc != SQLITE_DONE)
		ret = db_err(cat, "listing runs");
	return ret;
}

struct run_array {
	struct mlw_run **runs;
	size_t nr, alloc;
};

static int collect_run(struct mlw_run *run, void *data)
{
	struct run_array *a = data;

	MLW_ALLOC_GROW(a->runs, a->nr + 1, a->alloc);
	a->runs[a->nr++] = run;
	return 0;
}

int mlw_run_list(struct mlw_run ***out, size_t *nr, struct mlw_catalog *cat,
		 const struct mlw_run_filter *f)
{
	struct run_array a = { NULL, 0, 0 };
	int ret = mlw_run_foreach(cat, f, collect_run, &a);

	if (ret) {
		mlw_run_list_free(a.runs, a.nr);
		a.runs = NULL;
		a.nr = 0;
	}
	*out = a.runs;
	*nr = a.nr;
	return ret;
}

void mlw_run_list_free(struct mlw_run **runs, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		mlw_run_free(runs[i]);
	free(runs);
}

int64_t mlw_proc_start_time(int64_t pid)
{
	char path[64], buf[1024];
	const char *p;
	int fd, field;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = mlw_read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: skip past it */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* a zombie has died already */
	if (p[1] && (p[2] == 'Z' || p[2] == 'X'))
		return 0;
	/* after ") " comes field 3 (state); starttime is field 22 */
	for (field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	return strtoll(p, NULL, 10);
}

int mlw_run_list_dead(struct mlw_strlist *out, struct mlw_catalog *cat)
{
	sqlite3_stmt *st;
	double now = mlw_now();
	int rc, ret = prep(cat, &st, "SELECT name, supervisor_pid,"
			   " supervisor_start, created, pgid FROM runs WHERE"
			   " status IN ('NotStarted', 'Queued', 'Starting',"
			   " 'Running', 'Finalizing')"
			   /* an MLflow client's run has no supervisor */
			   " AND type != 'tracking'");

	if (ret)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 1);
		int64_t start = sqlite3_column_int64(st, 2);
		int64_t pgid = sqlite3_column_int64(st, 4);

		if (!pid) {
			/* the creator died between recording and starting */
			if (now - sqlite3_column_double(st, 3) < 60)
				continue;
		} else if (mlw_proc_start_time(pid) == start) {
			continue;
		}
		/* the run's processes must not outlive its record */
		if (pgid > 1)
			kill(-(pid_t)pgid, SIGKILL);
		mlw_strlist_push_owned(out, col_str(st, 0));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(cat, "checking runs");
	return 0;
}
