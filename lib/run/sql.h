/*
 * sql.h - the run layer's own SQLite helpers, for its .c files (run.c,
 * metric.c, experiment.c) and no other layer: a statement on the run
 * layer's tables, errors mapped once (store/catalog.h), text and
 * numbers bound and read back.
 */
#ifndef MLW_RUN_SQL_H
#define MLW_RUN_SQL_H

#include "run/run.h"
#include "store/catalog.h"
#include "util/alloc.h"

#include <math.h>
#include <sqlite3.h>

/* the catalog error about what (mlw_catalog_db_error()); the code */
static inline int db_err(struct mlw_catalog *cat, const char *what)
{
	return mlw_catalog_db_error(mlw_catalog_db(cat), what);
}

/*
 * sql prepared, the run layer's tables brought up to date first: 0 with
 * *st the caller's to finalize, or a negative code
 */
static inline int prep(struct mlw_catalog *cat, sqlite3_stmt **st,
		       const char *sql)
{
	return mlw_catalog_prepare(cat, &mlw_run_schema, st, sql);
}

/* s bound to parameter i; NULL as SQL NULL */
static inline void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* column i as a string the caller frees, NULL for SQL NULL */
static inline char *col_str(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? mlw_strdup(s) : NULL;
}

/* a NaN is stored as NULL (SQLite would do so anyway); read it back */
static inline void bind_value(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

static inline double col_value(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, i);
}

#endif
