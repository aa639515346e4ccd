/*
 * experiment.c - experiments in the catalog; see experiment.h.
 */
#include "run/experiment.h"
#include "run/sql.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const lifecycle_names[] = { "active", "deleted" };

const char *mlw_experiment_lifecycle_name(enum mlw_experiment_lifecycle l)
{
	if ((unsigned)l > MLW_EXPERIMENT_DELETED)
		BUG("bad experiment lifecycle %d", (int)l);
	return lifecycle_names[l];
}

static int changes(struct mlw_catalog *cat)
{
	return sqlite3_changes(mlw_catalog_db(cat));
}

static int not_found(int64_t id)
{
	return mlw_error_setc(MLW_ENOTFOUND, "experiment '%lld' not found",
			      (long long)id);
}

void mlw_experiment_free(struct mlw_experiment *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->nr_tags; i++) {
		free(e->tags[i].key);
		free(e->tags[i].value);
	}
	free(e->tags);
	free(e->name);
	free(e->artifact_location);
	free(e);
}

#define EXPERIMENT_COLUMNS \
	"id, name, lifecycle, artifact_location, created, updated"

static struct mlw_experiment *row_to_experiment(sqlite3_stmt *st)
{
	struct mlw_experiment *e = mlw_calloc(1, sizeof(*e));
	const char *l = (const char *)sqlite3_column_text(st, 2);

	e->id = sqlite3_column_int64(st, 0);
	e->name = col_str(st, 1);
	e->lifecycle = l && !strcmp(l, "deleted") ? MLW_EXPERIMENT_DELETED :
		       MLW_EXPERIMENT_ACTIVE;
	e->artifact_location = col_str(st, 3);
	e->created = sqlite3_column_double(st, 4);
	e->updated = sqlite3_column_double(st, 5);
	return e;
}

static int load_tags(struct mlw_catalog *cat, struct mlw_experiment *e)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int rc, ret = prep(cat, &st, "SELECT key, value FROM experiment_tags"
			   " WHERE experiment = ? ORDER BY key");

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, e->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		MLW_ALLOC_GROW(e->tags, e->nr_tags + 1, alloc);
		e->tags[e->nr_tags].key = col_str(st, 0);
		e->tags[e->nr_tags].value = col_str(st, 1);
		e->nr_tags++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(cat, "reading experiment tags");
	return 0;
}

/* the experiment of a query by id (?1) or name (?2), with its tags */
static int get(struct mlw_experiment **out, struct mlw_catalog *cat,
	       const char *where, int64_t id, const char *name)
{
	sqlite3_stmt *st;
	char sql[160];
	int rc, ret;

	*out = NULL;
	snprintf(sql, sizeof(sql), "SELECT " EXPERIMENT_COLUMNS
		 " FROM experiments WHERE %s", where);
	ret = prep(cat, &st, sql);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name ? name : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = row_to_experiment(st);
	else if (rc != SQLITE_DONE)
		ret = db_err(cat, "reading experiment");
	else if (name)
		ret = mlw_error_setc(MLW_ENOTFOUND, "experiment '%s' not found",
				     name);
	else
		ret = not_found(id);
	sqlite3_finalize(st);
	if (!ret)
		ret = load_tags(cat, *out);
	if (ret) {
		mlw_experiment_free(*out);
		*out = NULL;
	}
	return ret;
}

int mlw_experiment_get(struct mlw_experiment **out, struct mlw_catalog *cat,
		       int64_t id)
{
	return get(out, cat, "id = ?1", id, NULL);
}

int mlw_experiment_get_by_name(struct mlw_experiment **out,
			       struct mlw_catalog *cat, const char *name)
{
	return get(out, cat, "name = ?2", 0, name);
}

/* id and lifecycle of experiment name: 1 found, 0 not, negative error */
static int lookup(int64_t *id, int *deleted, struct mlw_catalog *cat,
		  const char *name)
{
	sqlite3_stmt *st;
	int rc, ret = prep(cat, &st, "SELECT id, lifecycle = 'deleted' FROM"
			   " experiments WHERE name = ?");

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*deleted = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(cat, "reading experiment");
	return rc == SQLITE_ROW;
}

/* insert name; ignore: a row that exists is fine (a racing ensure) */
static int insert(struct mlw_catalog *cat, const char *name,
		  const char *location, int ignore)
{
	sqlite3_stmt *st;
	double now = mlw_now();
	int rc, ret = prep(cat, &st, ignore ?
			   "INSERT OR IGNORE INTO experiments (name,"
			   " artifact_location, created, updated)"
			   " VALUES (?, ?, ?, ?)" :
			   "INSERT INTO experiments (name, artifact_location,"
			   " created, updated) VALUES (?, ?, ?, ?)");

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (location)
		sqlite3_bind_text(st, 2, location, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 3, now);
	sqlite3_bind_double(st, 4, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return mlw_error_setc(MLW_EEXISTS, "experiment '%s' already "
				      "exists", name);
	if (rc != SQLITE_DONE)
		return db_err(cat, "recording experiment");
	return 0;
}

int mlw_experiment_ensure(int64_t *id, struct mlw_catalog *cat,
			  const char *name)
{
	int deleted = 0, ret;

	if (mlw_name_check(MLW_NAME_EXPERIMENT, name))
		return MLW_EINVALID;
	ret = lookup(id, &deleted, cat, name);
	if (!ret) {
		ret = insert(cat, name, NULL, 1);
		if (!ret)
			ret = lookup(id, &deleted, cat, name);
		if (!ret)
			ret = mlw_error_set("experiment '%s' vanished", name);
	}
	if (ret < 0)
		return ret;
	if (deleted)
		return mlw_error_setc(MLW_EINVALID, "experiment '%s' is "
				      "deleted; restore it to add runs", name);
	return 0;
}

int mlw_experiment_create(int64_t *id, struct mlw_catalog *cat,
			  const char *name, const char *artifact_location)
{
	int ret;

	if (mlw_name_check(MLW_NAME_EXPERIMENT, name))
		return MLW_EINVALID;
	ret = insert(cat, name, artifact_location, 0);
	if (!ret)
		*id = sqlite3_last_insert_rowid(mlw_catalog_db(cat));
	return ret;
}

int mlw_experiment_foreach(struct mlw_catalog *cat,
			   const struct mlw_experiment_filter *f,
			   mlw_experiment_fn fn, void *data)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE, ret = prep(cat, &st, "SELECT "
					 EXPERIMENT_COLUMNS " FROM experiments"
					 " WHERE (?1 IS NULL OR lifecycle = ?1)"
					 " AND id > ?2 ORDER BY id LIMIT ?3");

	if (ret)
		return ret;
	if (f->lifecycle >= 0)
		sqlite3_bind_text(st, 1, mlw_experiment_lifecycle_name(
				  f->lifecycle), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->after_id);
	sqlite3_bind_int64(st, 3, f->max_results > 0 ? f->max_results : -1);
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mlw_experiment *e = row_to_experiment(st);

		ret = load_tags(cat, e);
		if (ret)
			mlw_experiment_free(e);
		else
			ret = fn(e, data);
	}
	sqlite3_finalize(st);
	if (!ret && rc != SQLITE_DONE)
		ret = db_err(cat, "listing experiments");
	return ret;
}

/* "UPDATE experiments SET <set>, updated = ?1 WHERE id = ?2", text ?3 */
static int update(struct mlw_catalog *cat, int64_t id, const char *set,
		  const char *text)
{
	sqlite3_stmt *st;
	char sql[128];
	int rc, ret;

	snprintf(sql, sizeof(sql), "UPDATE experiments SET %s%supdated = ?1"
		 " WHERE id = ?2", set ? set : "", set ? ", " : "");
	ret = prep(cat, &st, sql);
	if (ret)
		return ret;
	sqlite3_bind_double(st, 1, mlw_now());
	sqlite3_bind_int64(st, 2, id);
	if (text)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return mlw_error_setc(MLW_EEXISTS, "experiment '%s' already "
				      "exists", text);
	if (rc != SQLITE_DONE)
		return db_err(cat, "updating experiment");
	return changes(cat) ? 0 : not_found(id);
}

/*
 * Run several statements as one change: in the caller's transaction, or
 * in one of their own.
 */
static int own_begin(struct mlw_catalog *cat, int *own)
{
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

int mlw_experiment_rename(struct mlw_catalog *cat, int64_t id,
			  const char *name)
{
	sqlite3_stmt *st;
	int own, ret;

	if (mlw_name_check(MLW_NAME_EXPERIMENT, name))
		return MLW_EINVALID;
	ret = mlw_run_schema_use(cat);
	if (!ret)
		ret = own_begin(cat, &own);
	if (ret)
		return ret;
	ret = update(cat, id, "name = ?3", name);
	if (!ret)
		ret = prep(cat, &st, "UPDATE runs SET experiment = ?"
			   " WHERE experiment_id = ?");
	if (!ret) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, id);
		ret = mlw_catalog_step_done(cat, st,
					    "renaming the experiment of runs");
	}
	return own_end(cat, own, ret);
}

int mlw_experiment_set_lifecycle(struct mlw_catalog *cat, int64_t id,
				 enum mlw_experiment_lifecycle l)
{
	return update(cat, id, "lifecycle = ?3",
		      mlw_experiment_lifecycle_name(l));
}

int mlw_experiment_set_tag(struct mlw_catalog *cat, int64_t id,
			   const char *key, const char *value)
{
	sqlite3_stmt *st;
	int own, ret = mlw_run_schema_use(cat);

	if (!ret)
		ret = own_begin(cat, &own);
	if (ret)
		return ret;
	ret = update(cat, id, NULL, NULL);
	if (!ret)
		ret = prep(cat, &st, "INSERT INTO experiment_tags (experiment,"
			   " key, value) VALUES (?, ?, ?) ON CONFLICT"
			   " (experiment, key) DO UPDATE SET"
			   " value = excluded.value");
	if (!ret) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
		ret = mlw_catalog_step_done(cat, st,
					    "recording experiment tag");
	}
	return own_end(cat, own, ret);
}

int mlw_experiment_delete_tag(struct mlw_catalog *cat, int64_t id,
			      const char *key)
{
	sqlite3_stmt *st;
	int own, ret = mlw_run_schema_use(cat);

	if (!ret)
		ret = own_begin(cat, &own);
	if (ret)
		return ret;
	ret = update(cat, id, NULL, NULL);
	if (!ret)
		ret = prep(cat, &st, "DELETE FROM experiment_tags"
			   " WHERE experiment = ? AND key = ?");
	if (!ret) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
		ret = mlw_catalog_step_done(cat, st, "removing experiment tag");
	}
	if (!ret && !changes(cat))
		ret = mlw_error_setc(MLW_ENOTFOUND, "experiment '%lld' has no "
				     "tag '%s'", (long long)id, key);
	return own_end(cat, own, ret);
}
