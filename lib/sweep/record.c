/*
 * record.c - a sweep's trials and the sweep layer's tables in the
 * catalog; see record.h.
 */
#include "sweep/record.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/output.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE sweeps ("
	"  run INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
	"  algorithm TEXT NOT NULL, seed TEXT NOT NULL,"
	"  primary_metric TEXT NOT NULL, goal TEXT NOT NULL, policy TEXT,"
	"  notes TEXT, best_trial TEXT, best_value REAL"
	");"
	"CREATE TABLE sweep_trials ("
	"  sweep INTEGER NOT NULL, idx INTEGER NOT NULL, run INTEGER NOT NULL,"
	"  objective REAL, stopped TEXT, decision TEXT, missing TEXT,"
	"  PRIMARY KEY (sweep, idx)"
	") WITHOUT ROWID;",
};

static const struct mlw_catalog_schema schema = {
	"sweep", migrations, sizeof(migrations) / sizeof(*migrations),
	NULL, 0
};

static int prep(struct mlw_catalog *cat, sqlite3_stmt **st, const char *sql)
{
	int ret = mlw_catalog_use(cat, &schema);

	if (ret)
		return ret;
	if (sqlite3_prepare_v2(mlw_catalog_db(cat), sql, -1, st, NULL))
		return mlw_catalog_db_error(mlw_catalog_db(cat), "sweeps");
	return 0;
}

static int step_done(struct mlw_catalog *cat, sqlite3_stmt *st,
		     const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mlw_catalog_db_error(mlw_catalog_db(cat), what);
	return 0;
}

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_value(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static double col_value(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN :
	       sqlite3_column_double(st, i);
}

int mlw_sweep_record_sweep(struct mlw_catalog *cat, int64_t run,
			   const struct mlw_sweep_info *info)
{
	sqlite3_stmt *st;
	char seed[32];
	int ret = prep(cat, &st, "INSERT INTO sweeps (run, kind, algorithm,"
		       " seed, primary_metric, goal, policy, notes)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");

	if (ret)
		return ret;
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)info->seed);
	sqlite3_bind_int64(st, 1, run);
	bind_str(st, 2, info->kind);
	bind_str(st, 3, info->algorithm);
	bind_str(st, 4, seed);
	bind_str(st, 5, info->primary_metric);
	bind_str(st, 6, info->maximize ? "maximize" : "minimize");
	bind_str(st, 7, info->policy);
	bind_str(st, 8, info->notes);
	return step_done(cat, st, "recording the sweep");
}

int mlw_sweep_record_best(struct mlw_catalog *cat, int64_t run,
			  const char *trial, double value)
{
	sqlite3_stmt *st;
	int ret = prep(cat, &st, "UPDATE sweeps SET best_trial = ?,"
		       " best_value = ? WHERE run = ?");

	if (ret)
		return ret;
	bind_str(st, 1, trial);
	bind_value(st, 2, trial ? value : NAN);
	sqlite3_bind_int64(st, 3, run);
	return step_done(cat, st, "recording the best trial");
}

void mlw_trial_record_release(struct mlw_trial_record *r)
{
	free(r->decision);
	free(r->missing);
	memset(r, 0, sizeof(*r));
	r->objective = NAN;
}

int mlw_sweep_record_trial(struct mlw_catalog *cat, int64_t sweep,
			   const struct mlw_trial_record *r)
{
	return mlw_sweep_record_trials(cat, sweep, r, 1);
}

int mlw_sweep_record_trials(struct mlw_catalog *cat, int64_t sweep,
			    const struct mlw_trial_record *r, size_t nr)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = SQLITE_DONE, ret;

	if (!nr)
		return 0;
	ret = prep(cat, &st, "INSERT OR REPLACE INTO sweep_trials"
		   " (sweep, idx, run, objective, stopped, decision,"
		   " missing) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (ret)
		return ret;
	for (i = 0; i < nr && rc == SQLITE_DONE; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, sweep);
		sqlite3_bind_int64(st, 2, (int64_t)r[i].index);
		sqlite3_bind_int64(st, 3, r[i].run_id);
		bind_value(st, 4, r[i].objective);
		bind_str(st, 5, r[i].stopped);
		bind_str(st, 6, r[i].decision);
		bind_str(st, 7, r[i].missing);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mlw_catalog_db_error(mlw_catalog_db(cat),
					    "recording a trial");
	return 0;
}

/* --- job show ------------------------------------------------------------ */

/* the params of run id, as an object named key */
static int out_params(struct mlw_out *o, struct mlw_catalog *cat, int64_t id)
{
	sqlite3_stmt *st;
	int rc, ret = prep(cat, &st, "SELECT key, value FROM run_params"
			   " WHERE run = ? ORDER BY key");

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	mlw_out_object_begin(o, "params");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		mlw_out_str(o, col_text(st, 0), col_text(st, 1));
	mlw_out_end(o);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mlw_catalog_db_error(mlw_catalog_db(cat),
					    "reading a trial's params");
	return 0;
}

/* trial counts by status (every child, running ones too) */
static int out_counts(struct mlw_out *o, struct mlw_catalog *cat,
		      const char *name)
{
	sqlite3_stmt *st;
	int rc, ret = prep(cat, &st, "SELECT status, count(*) FROM runs"
			   " WHERE parent = ? GROUP BY status ORDER BY status");
	int64_t total = 0;

	if (ret)
		return ret;
	bind_str(st, 1, name);
	mlw_out_object_begin(o, "trial_counts");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		mlw_out_int(o, col_text(st, 0), sqlite3_column_int64(st, 1));
		total += sqlite3_column_int64(st, 1);
	}
	mlw_out_int(o, "total", total);
	mlw_out_end(o);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mlw_catalog_db_error(mlw_catalog_db(cat),
					    "counting trials");
	return 0;
}

static int out_trials(struct mlw_out *o, struct mlw_catalog *cat,
		      int64_t sweep, const char *metric, int maximize,
		      const char *key)
{
	sqlite3_stmt *st;
	char sql[512];
	int rc, ret;

	snprintf(sql, sizeof(sql), "SELECT t.idx, r.name, r.status,"
		 " r.running, r.ended, t.objective, t.stopped, t.decision,"
		 " t.missing, r.id, r.error FROM sweep_trials t"
		 " JOIN runs r ON r.id = t.run WHERE t.sweep = ?"
		 " ORDER BY t.objective IS NULL, t.objective %s, t.idx",
		 maximize ? "DESC" : "ASC");
	ret = prep(cat, &st, sql);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, sweep);
	mlw_out_list_begin(o, key);
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		double start = col_value(st, 3), end = col_value(st, 4);

		mlw_out_object_begin(o, NULL);
		mlw_out_int(o, "trial", sqlite3_column_int64(st, 0));
		mlw_out_str(o, "name", col_text(st, 1));
		mlw_out_str(o, "status", col_text(st, 2));
		ret = out_params(o, cat, sqlite3_column_int64(st, 9));
		if (isnan(col_value(st, 5)))
			mlw_out_null(o, metric);
		else
			mlw_out_num(o, metric, col_value(st, 5));
		if (!isnan(start) && !isnan(end))
			mlw_out_num(o, "duration", end - start);
		else
			mlw_out_null(o, "duration");
		mlw_out_bool(o, "stopped", col_text(st, 6) != NULL);
		if (col_text(st, 6))
			mlw_out_str(o, "stopped_by", col_text(st, 6));
		if (col_text(st, 7))
			mlw_out_str(o, "decision", col_text(st, 7));
		if (col_text(st, 8))
			mlw_out_str(o, "missing_primary_metric",
				    col_text(st, 8));
		if (col_text(st, 10))
			mlw_out_str(o, "error", col_text(st, 10));
		mlw_out_end(o);
	}
	mlw_out_end(o);
	sqlite3_finalize(st);
	if (!ret && rc != SQLITE_DONE)
		ret = mlw_catalog_db_error(mlw_catalog_db(cat),
					   "listing trials");
	return ret;
}

int mlw_sweep_describe(struct mlw_out *o, struct mlw_catalog *cat,
		       const struct mlw_run *run)
{
	sqlite3_stmt *st;
	int rc, ret, maximize, automl;
	char *metric = NULL, *best = NULL;
	double best_value;

	if (strcmp(run->type, "sweep") && strcmp(run->type, "automl"))
		return 0;
	ret = prep(cat, &st, "SELECT kind, algorithm, seed, primary_metric,"
		   " goal, policy, notes, best_trial, best_value FROM sweeps"
		   " WHERE run = ?");
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run->id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			return 0;	/* not recorded yet */
		return mlw_catalog_db_error(mlw_catalog_db(cat),
					    "reading the sweep");
	}
	automl = !strcmp(col_text(st, 0), "automl");
	maximize = !strcmp(col_text(st, 4), "maximize");
	metric = mlw_strdup(col_text(st, 3));
	best = col_text(st, 7) ? mlw_strdup(col_text(st, 7)) : NULL;
	best_value = col_value(st, 8);
	mlw_out_object_begin(o, "sweep");
	mlw_out_str(o, "kind", col_text(st, 0));
	mlw_out_str(o, "sampling_algorithm", col_text(st, 1));
	mlw_out_str(o, "seed", col_text(st, 2));
	mlw_out_object_begin(o, "objective");
	mlw_out_str(o, "primary_metric", metric);
	mlw_out_str(o, "goal", col_text(st, 4));
	mlw_out_end(o);
	if (col_text(st, 5))
		mlw_out_str(o, "early_termination", col_text(st, 5));
	else
		mlw_out_null(o, "early_termination");
	if (col_text(st, 6))
		mlw_out_str(o, "notes", col_text(st, 6));
	sqlite3_finalize(st);
	ret = out_counts(o, cat, run->name);
	mlw_out_end(o);
	if (best)
		mlw_out_str(o, "best_child_run_id", best);
	else
		mlw_out_null(o, "best_child_run_id");
	if (best && !isnan(best_value))
		mlw_out_num(o, "best_metric_value", best_value);
	else
		mlw_out_null(o, "best_metric_value");
	if (!ret)
		ret = out_trials(o, cat, run->id, metric, maximize,
				 automl ? "leaderboard" : "trials");
	free(metric);
	free(best);
	return ret;
}
