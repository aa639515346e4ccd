/*
 * catalog.h - the catalog: .mlw/mlw.db, an SQLite database in WAL mode.
 *
 * The catalog records what the object store cannot say by itself: which
 * objects are referenced and by what (refs now; runs, assets and endpoints
 * as later layers add their tables), and a log of the operations that
 * changed the workspace.  Its schema is versioned (PRAGMA user_version)
 * and upgraded by forward migrations when opened; a catalog newer than
 * this mlw is refused rather than misread.
 *
 * Concurrency: WAL lets readers proceed while one writer writes; writers
 * take the write lock up front (BEGIN IMMEDIATE) and wait on a busy
 * timeout instead of failing with "database is locked".  A command makes
 * all its changes in one transaction: mlw_catalog_begin(), then changes,
 * then mlw_catalog_commit() (or _rollback() on error), so an interrupted
 * command leaves no partial record.
 *
 * Threads: a struct mlw_catalog is one SQLite connection, used by one
 * thread at a time.  Threads that use the catalog at once (a server and
 * a supervisor, sweep trials) each open their own; SQLite serialises
 * their writers as it does those of separate processes.
 *
 * Functions return 0 or a negative code: MLW_ELOCKED when another writer
 * kept the lock past the busy timeout (two minutes), MLW_ECORRUPT for a
 * damaged database, MLW_ERROR otherwise (mlw_catalog_db_error()).
 */
#ifndef MLW_STORE_CATALOG_H
#define MLW_STORE_CATALOG_H

struct mlw_buf;
struct mlw_catalog;
struct sqlite3;
struct sqlite3_stmt;

/* Create a new catalog at path: MLW_EEXISTS when there is one. */
int mlw_catalog_create(const char *path);
/*
 * Open the catalog at path, migrating its schema forward if needed.
 * *out is the caller's, closed with mlw_catalog_free().  MLW_ECORRUPT
 * when it is missing, unreadable, or newer than this mlw.
 */
int mlw_catalog_open(struct mlw_catalog **out, const char *path);
/*
 * Close cat (NULL is fine), rolling back a transaction left open; a
 * large write-ahead log is folded back into the database first.
 */
void mlw_catalog_free(struct mlw_catalog *cat);

/* The schema version this build writes. */
int mlw_catalog_schema_version(void);

/*
 * Start a write transaction, taking the write lock now (waiting for
 * another writer up to the busy timeout: MLW_ELOCKED after it).  One
 * at a time per connection: nesting is a BUG().
 */
int mlw_catalog_begin(struct mlw_catalog *cat);
/*
 * A read transaction: every query until mlw_catalog_rollback() (or
 * _commit()) sees the catalog as it was at the first of them, whatever
 * other processes commit meanwhile (WAL snapshot).  Takes no lock that
 * writers wait for.  0 or a negative code.
 */
int mlw_catalog_begin_read(struct mlw_catalog *cat);
/*
 * Commit the open transaction (BUG() when there is none).  On failure
 * it is rolled back: nothing of it was recorded.
 */
int mlw_catalog_commit(struct mlw_catalog *cat);
/* Drop the open transaction's changes; nothing to do without one. */
void mlw_catalog_rollback(struct mlw_catalog *cat);

/*
 * Append "command args" to the operation log, with the time and pid,
 * inside the command's transaction.
 */
int mlw_catalog_log(struct mlw_catalog *cat, const char *command,
		    const char *args);

/*
 * Refs: names for objects (plumbing; they keep objects from gc).  The
 * caller checks names and ids; set creates or moves a ref.
 */
int mlw_catalog_ref_set(struct mlw_catalog *cat, const char *name,
			const char *hex);
/* hex must hold 65 bytes; MLW_ENOTFOUND when the ref does not exist */
int mlw_catalog_ref_get(struct mlw_catalog *cat, const char *name, char *hex);
/* MLW_ENOTFOUND when the ref does not exist */
int mlw_catalog_ref_delete(struct mlw_catalog *cat, const char *name);
/* name and hex are borrowed for the call; non-zero stops the walk */
typedef int (*mlw_catalog_ref_fn)(const char *name, const char *hex,
				  double updated, void *data);
/* Call fn for every ref, by name; fn's non-zero return is returned. */
int mlw_catalog_ref_foreach(struct mlw_catalog *cat, mlw_catalog_ref_fn fn,
			    void *data);

/*
 * Every object the catalog references, whatever table holds it: the roots
 * from which 'mlw gc' marks and 'mlw fsck' checks.  what describes the
 * referrer for messages ("ref 'baseline'"); both are borrowed for the
 * call.  fn's non-zero return stops the walk and is returned.
 */
typedef int (*mlw_catalog_root_fn)(const char *hex, const char *what,
				   void *data);
int mlw_catalog_foreach_root(struct mlw_catalog *cat, mlw_catalog_root_fn fn,
			     void *data);

/*
 * SQLite's own consistency check; problems appended to problems one per
 * line.  0 when the check ran, whatever it found.
 */
int mlw_catalog_check(struct mlw_catalog *cat, struct mlw_buf *problems);

/*
 * The underlying handle (borrowed, valid until mlw_catalog_free()), for
 * lib/ layers that add tables; never cmd/.
 */
struct sqlite3 *mlw_catalog_db(struct mlw_catalog *cat);

/*
 * The one mapping of SQLite's errors to mlw's, for every layer that runs
 * its own statements: busy or locked after the busy timeout is
 * MLW_ELOCKED, a corrupt database MLW_ECORRUPT, a layer's trigger
 * refusing the change (RAISE(ABORT, ...)) MLW_EINVALID with "WHAT:
 * the trigger's message", anything else MLW_ERROR with "catalog: WHAT:
 * SQLite's message".  Returns the code.
 */
int mlw_catalog_db_error(struct sqlite3 *db, const char *what);

/*
 * Prepare sql on db into *st: 0, or the error of mlw_catalog_db_error()
 * ("preparing query").  The caller finalizes *st.
 */
int mlw_catalog_db_prepare(struct sqlite3 *db, struct sqlite3_stmt **st,
			   const char *sql);

/*
 * A layer's own tables.  Each layer above the store that keeps records
 * (experiments, sweeps, pipelines, endpoints, the tracking API, ...)
 * declares them in a static schema of its own instead of adding to the
 * store's list, and calls mlw_catalog_use() before its first statement:
 *
 *	static const char *const migrations[] = {
 *		"CREATE TABLE sweeps (...);",		// version 1
 *		"ALTER TABLE sweeps ADD COLUMN ...;",	// version 2
 *	};
 *	static const char *const roots[] = {
 *		"SELECT best_model, 'sweep ' || name FROM sweeps",
 *	};
 *	const struct mlw_catalog_schema mlw_sweep_schema = {
 *		"sweep", migrations, 2, roots, 1,
 *	};
 *
 * migrations[i] takes the layer's tables from version i to i + 1; never
 * edit a released entry, append one.  roots are queries yielding
 * (object id, description) for every object the layer's tables keep
 * from gc: they are stored in the catalog with the layer's version, so
 * 'mlw gc' and 'mlw fsck' honour them whatever layers the running
 * command uses.  name is unique, lower-case.
 */
struct mlw_catalog_schema {
	const char *name;
	const char *const *migrations;
	int nr_migrations;
	const char *const *roots;
	int nr_roots;
};

/*
 * Bring s's tables to its newest version in this catalog, once per
 * connection (later calls cost nothing).  Called outside a transaction
 * the migration is a transaction of its own; inside a write transaction
 * (mlw_catalog_begin()) it is part of it; never inside a read
 * transaction.  0; MLW_ECORRUPT when the catalog's tables are newer than
 * s (an older mlw); a catalog error otherwise.
 */
int mlw_catalog_use(struct mlw_catalog *cat,
		    const struct mlw_catalog_schema *s);

/*
 * A layer's statement: sql prepared on cat's connection, s's tables
 * brought up to date first (mlw_catalog_use(); s NULL for none).  0 with
 * *st the caller's to sqlite3_finalize(), or a negative code (errors
 * mapped by mlw_catalog_db_error()) with *st NULL.
 */
int mlw_catalog_prepare(struct mlw_catalog *cat,
			const struct mlw_catalog_schema *s,
			struct sqlite3_stmt **st, const char *sql);
/*
 * Step st, a statement that returns no row (INSERT, UPDATE, DELETE), and
 * finalize it in every case: 0, or the catalog error about what.
 */
int mlw_catalog_step_done(struct mlw_catalog *cat, struct sqlite3_stmt *st,
			  const char *what);

#endif
