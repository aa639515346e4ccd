/*
 * test-catalog-schema.c - the layers' own tables: mlw_catalog_use().
 */
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"
#include "tap.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const v1[] = {
	"CREATE TABLE things (name TEXT PRIMARY KEY, object TEXT);",
};
static const char *const v2[] = {
	"CREATE TABLE things (name TEXT PRIMARY KEY, object TEXT);",
	"ALTER TABLE things ADD COLUMN note TEXT;",
};
static const char *const roots[] = {
	"SELECT object, 'thing ' || name FROM things",
};
static const struct mlw_catalog_schema things_v1 = {
	"things", v1, 1, roots, 1,
};
static const struct mlw_catalog_schema things_v2 = {
	"things", v2, 2, roots, 1,
};
static const char *const bad_sql[] = {
	"CREATE TABLE other (x);",
	"THIS IS NOT SQL;",
};
static const struct mlw_catalog_schema broken = {
	"broken", bad_sql, 2, NULL, 0,
};

static int count_rows(struct mlw_catalog *cat, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(mlw_catalog_db(cat), sql, -1, &st, NULL))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int collect_root(const char *hex, const char *what, void *data)
{
	struct mlw_strlist *l = data;
	char *s = mlw_xstrfmt("%s %s", hex, what);

	mlw_strlist_push_owned(l, s);
	return 0;
}

static int has_root(struct mlw_catalog *cat, const char *want)
{
	struct mlw_strlist l = MLW_STRLIST_INIT;
	size_t i;
	int found = 0;

	if (mlw_catalog_foreach_root(cat, collect_root, &l))
		return -1;
	for (i = 0; i < l.nr; i++)
		if (!strcmp(l.items[i], want))
			found = 1;
	mlw_strlist_release(&l);
	return found;
}

int main(void)
{
	char dir[] = "/tmp/mlw-test-catalog-XXXXXX";
	struct mlw_catalog *cat = NULL, *other = NULL;
	char *path;

	if (!mkdtemp(dir)) {
		ok(0, "cannot create a temporary folder");
		return done_testing();
	}
	path = mlw_path_join(dir, "mlw.db");
	ok(!mlw_catalog_create(path), "a catalog is created");
	ok(!mlw_catalog_open(&cat, path), "and opened");

	ok(!mlw_catalog_use(cat, &things_v1), "a layer's schema is used");
	is_int(count_rows(cat, "SELECT count(*) FROM things"), 0,
	       "its table exists");
	is_int(count_rows(cat, "SELECT version FROM catalog_schemas"
			  " WHERE name = 'things'"), 1, "its version is kept");
	ok(!sqlite3_exec(mlw_catalog_db(cat),
			 "INSERT INTO things VALUES ('a', 'abc123')", NULL,
			 NULL, NULL), "a row goes in");
	is_int(has_root(cat, "abc123 thing a"), 1,
	       "its roots are seen by foreach_root");
	ok(!mlw_catalog_use(cat, &things_v1), "a second use is a no-op");

	/* another connection: an mlw that does not know the layer */
	ok(!mlw_catalog_open(&other, path), "a second connection opens");
	is_int(has_root(other, "abc123 thing a"), 1,
	       "a connection that never used the layer sees its roots");
	mlw_catalog_free(other);

	/* upgrade inside the caller's write transaction */
	mlw_catalog_free(cat);
	ok(!mlw_catalog_open(&cat, path), "reopened");
	ok(!mlw_catalog_begin(cat), "a write transaction");
	ok(!mlw_catalog_use(cat, &things_v2), "upgraded inside it");
	mlw_catalog_rollback(cat);
	is_int(count_rows(cat, "SELECT version FROM catalog_schemas"
			  " WHERE name = 'things'"), 1,
	       "a rolled-back transaction takes the upgrade with it");
	mlw_catalog_free(cat);
	ok(!mlw_catalog_open(&cat, path), "reopened");
	ok(!mlw_catalog_use(cat, &things_v2), "upgraded on its own");
	is_int(count_rows(cat, "SELECT count(*) FROM things"
			  " WHERE note IS NULL"), 1,
	       "the new column is there, the row kept");
	mlw_catalog_free(cat);

	/* an older mlw meets newer tables */
	ok(!mlw_catalog_open(&cat, path), "reopened");
	is_int(mlw_catalog_use(cat, &things_v1), MLW_ECORRUPT,
	       "tables newer than the layer are refused");
	ok(strstr(mlw_error_last(), "newer than this mlw") != NULL,
	   "saying why: %s", mlw_error_last());

	/* a layer's statements: prepared with its tables up to date */
	mlw_catalog_free(cat);
	ok(!mlw_catalog_open(&cat, path), "reopened");
	{
		static const char *const notes_v1[] = {
			"CREATE TABLE notes (id INTEGER PRIMARY KEY,"
			" text TEXT NOT NULL);",
		};
		static const struct mlw_catalog_schema notes = {
			"notes", notes_v1, 1, NULL, 0,
		};
		sqlite3_stmt *st = NULL;

		ok(!mlw_catalog_prepare(cat, &notes, &st, "INSERT INTO notes"
					" (text) VALUES (?)") && st,
		   "a statement on a layer's new table is prepared");
		sqlite3_bind_text(st, 1, "hello", -1, SQLITE_STATIC);
		ok(!mlw_catalog_step_done(cat, st, "adding a note"),
		   "and run");
		is_int(count_rows(cat, "SELECT count(*) FROM notes"), 1,
		       "its row is there");
		ok(!mlw_catalog_prepare(cat, &notes, &st, "INSERT INTO notes"
					" (text) VALUES (NULL)"),
		   "a statement that will fail is prepared");
		is_int(mlw_catalog_step_done(cat, st, "adding a note"),
		       MLW_ERROR, "its failure is a catalog error");
		ok(strstr(mlw_error_last(), "catalog: adding a note: ") != NULL,
		   "saying what was done: %s", mlw_error_last());
		ok(mlw_catalog_prepare(cat, NULL, &st, "NOT SQL") < 0 && !st,
		   "SQL that does not parse: an error and no statement");
	}

	/* a failing migration leaves nothing behind */
	ok(mlw_catalog_use(cat, &broken) < 0, "a bad migration fails");
	is_int(count_rows(cat, "SELECT count(*) FROM sqlite_master"
			  " WHERE name = 'other'"), 0,
	       "and its first step is rolled back");
	is_int(count_rows(cat, "SELECT count(*) FROM catalog_schemas"
			  " WHERE name = 'broken'"), 0,
	       "and no version is recorded");
	mlw_catalog_free(cat);

	mlw_remove_tree(dir);
	free(path);
	return done_testing();
}
