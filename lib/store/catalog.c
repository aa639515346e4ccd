/*
 * catalog.c - the SQLite catalog; see catalog.h.
 */
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* the layers' schemas a connection has checked, so each is read once */
#define MAX_SCHEMAS 16

struct mlw_catalog {
	sqlite3 *db;
	char *path;
	int in_txn;
	const struct mlw_catalog_schema *checked[MAX_SCHEMAS];
	int nr_checked;
};

/*
 * The WAL is kept between commands (no checkpoint on close), but every
 * process that opens the catalog first must rebuild the WAL index by
 * reading the whole WAL, one pread a frame, and takes all its frames as
 * not yet checkpointed.  So the WAL must stay small: after a commit that
 * leaves more than WAL_CHECKPOINT_FRAMES frames we checkpoint (SQLite's
 * auto-checkpoint), and a command that leaves more than WAL_KEEP_BYTES
 * at close empties it (TRUNCATE; see shrink_wal()), when no other
 * connection is busy.  Without this a million-point batch left a 75 MB
 * WAL that every later command read back and checkpointed again.
 */
#define WAL_CHECKPOINT_FRAMES 1000

static int wal_hook(void *data, sqlite3 *db, const char *name, int frames)
{
	(void)data;
	if (frames >= WAL_CHECKPOINT_FRAMES)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
					  NULL, NULL);
	return SQLITE_OK;
}

/*
 * Forward migrations: entry i takes the schema from version i to i + 1.
 * Never edit a released entry; append a new one.
 */
static const char *const migrations[] = {
	/* 1: refs and the operation log */
	"CREATE TABLE refs ("
	"  name TEXT PRIMARY KEY,"
	"  object TEXT NOT NULL,"
	"  updated REAL NOT NULL"
	");"
	"CREATE TABLE oplog ("
	"  id INTEGER PRIMARY KEY,"
	"  time REAL NOT NULL,"
	"  pid INTEGER NOT NULL,"
	"  command TEXT NOT NULL,"
	"  args TEXT"
	");",
	/*
	 * 2: data, model and environment assets (lib/asset).  version_num
	 * is the integer value of an integer version (next version, order);
	 * object, conda_file and build_context are object ids; tags,
	 * properties and environment_variables JSON objects.
	 */
	"CREATE TABLE assets ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('data', 'model', 'environment')),"
	"  name TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  version_num INTEGER,"
	"  type TEXT,"
	"  path TEXT,"
	"  object TEXT,"
	"  reference TEXT,"
	"  description TEXT,"
	"  stage TEXT,"
	"  job_name TEXT,"
	"  flavors TEXT,"
	"  signature TEXT,"
	"  image TEXT,"
	"  conda_file TEXT,"
	"  build_context TEXT,"
	"  dockerfile_path TEXT,"
	"  inference_config TEXT,"
	"  tags TEXT NOT NULL DEFAULT '{}',"
	"  properties TEXT NOT NULL DEFAULT '{}',"
	"  environment_variables TEXT,"
	"  archived INTEGER NOT NULL DEFAULT 0,"
	"  created REAL NOT NULL,"
	"  updated REAL NOT NULL,"
	"  UNIQUE (kind, name, version)"
	");"
	"CREATE INDEX assets_by_name ON assets (kind, name, archived, id);",
	/* 3: runs, their inputs, outputs, artifacts, params, tags, metrics */
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  display_name TEXT,"
	"  experiment TEXT NOT NULL,"
	"  parent TEXT,"
	"  type TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  created REAL NOT NULL,"
	"  queued REAL, starting REAL, running REAL, finalizing REAL,"
	"  ended REAL,"
	"  spec TEXT, code TEXT,"
	"  git_repository TEXT, git_branch TEXT, git_commit TEXT,"
	"  git_dirty INTEGER,"
	"  environment TEXT, compute TEXT, command TEXT, exit_code INTEGER,"
	"  supervisor_pid INTEGER, supervisor_start INTEGER, pgid INTEGER,"
	"  log TEXT, description TEXT, properties TEXT, error TEXT,"
	"  archived INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX runs_created ON runs(created);"
	"CREATE INDEX runs_experiment ON runs(experiment, created);"
	"CREATE INDEX runs_parent ON runs(parent, created);"
	"CREATE INDEX runs_status ON runs(status, created);"
	"CREATE TABLE run_inputs ("
	"  run INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,"
	"  value TEXT, object TEXT, PRIMARY KEY (run, name)"
	") WITHOUT ROWID;"
	"CREATE TABLE run_outputs ("
	"  run INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,"
	"  object TEXT, PRIMARY KEY (run, name)"
	") WITHOUT ROWID;"
	"CREATE TABLE run_artifacts ("
	"  run INTEGER NOT NULL, path TEXT NOT NULL, object TEXT NOT NULL,"
	"  size INTEGER NOT NULL, PRIMARY KEY (run, path)"
	") WITHOUT ROWID;"
	"CREATE TABLE run_params ("
	"  run INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (run, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE run_tags ("
	"  run INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (run, key)"
	") WITHOUT ROWID;"
	"CREATE INDEX run_tags_kv ON run_tags(key, value);"
	/* value NULL means NaN: SQLite turns a bound NaN into NULL */
	"CREATE TABLE run_metrics ("
	"  run INTEGER NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL,"
	"  value REAL, time REAL NOT NULL"
	");"
	"CREATE INDEX run_metrics_run ON run_metrics(run, key, step);"
	/* the last value of each metric, for listing and --order-by */
	"CREATE TABLE run_metrics_last ("
	"  run INTEGER NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL,"
	"  value REAL, time REAL NOT NULL, PRIMARY KEY (run, key)"
	") WITHOUT ROWID;"
	"CREATE INDEX run_metrics_last_kv ON run_metrics_last(key, value);",
	/*
	 * 4: metric points keyed by an interned key id, clustered by
	 * (run, key, step, seq) in a WITHOUT ROWID table: one b-tree instead
	 * of a table and an index repeating the key text, 37 bytes a point
	 * instead of 56 (a million points: 37 MB written to the WAL and again
	 * to the database instead of 56), and 'job show --metrics' reads each
	 * key's history in order without sorting.  seq orders points logged
	 * at the same step (insertion order); run_metrics_last.seq is the
	 * highest seq used for that key, so the next point takes seq + 1.
	 */
	"CREATE TABLE metric_keys ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE"
	");"
	"INSERT INTO metric_keys (name) SELECT key FROM run_metrics"
	"  UNION SELECT key FROM run_metrics_last;"
	"CREATE TABLE run_metric_points ("
	"  run INTEGER NOT NULL, key INTEGER NOT NULL, step INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL, value REAL, time REAL NOT NULL,"
	"  PRIMARY KEY (run, key, step, seq)"
	") WITHOUT ROWID;"
	"INSERT INTO run_metric_points (run, key, step, seq, value, time)"
	"  SELECT m.run, k.id, m.step, m.rowid, m.value, m.time"
	"  FROM run_metrics m JOIN metric_keys k ON k.name = m.key;"
	"ALTER TABLE run_metrics_last ADD COLUMN seq INTEGER NOT NULL"
	"  DEFAULT 0;"
	"UPDATE run_metrics_last SET seq = coalesce((SELECT max(m.rowid)"
	"  FROM run_metrics m WHERE m.run = run_metrics_last.run"
	"  AND m.key = run_metrics_last.key), 0);"
	"DROP TABLE run_metrics;",
	/*
	 * 5: the tables of the layers above run (sweeps, pipelines,
	 * endpoints, experiments, ...) are versioned per layer, each by
	 * its own list of migrations (mlw_catalog_use()), and each layer's
	 * gc roots are stored here as queries, so that gc and fsck see
	 * every root whichever layers the running command has loaded.  A
	 * catalog at this version is refused by an mlw that knows only 4:
	 * it would not know those roots and would collect what they keep.
	 */
	"CREATE TABLE catalog_schemas ("
	"  name TEXT PRIMARY KEY, version INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE catalog_roots ("
	"  schema TEXT NOT NULL, seq INTEGER NOT NULL, query TEXT NOT NULL,"
	"  PRIMARY KEY (schema, seq)"
	") WITHOUT ROWID;",
	/*
	 * 6: components are assets too (mlw component, lib/pipeline).
	 * SQLite cannot change a CHECK in place: the table is made again
	 * with the wider one and its rows copied, ids and all.
	 */
	"CREATE TABLE assets_6 ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('data', 'model', 'environment',"
	"    'component')),"
	"  name TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  version_num INTEGER,"
	"  type TEXT,"
	"  path TEXT,"
	"  object TEXT,"
	"  reference TEXT,"
	"  description TEXT,"
	"  stage TEXT,"
	"  job_name TEXT,"
	"  flavors TEXT,"
	"  signature TEXT,"
	"  image TEXT,"
	"  conda_file TEXT,"
	"  build_context TEXT,"
	"  dockerfile_path TEXT,"
	"  inference_config TEXT,"
	"  tags TEXT NOT NULL DEFAULT '{}',"
	"  properties TEXT NOT NULL DEFAULT '{}',"
	"  environment_variables TEXT,"
	"  archived INTEGER NOT NULL DEFAULT 0,"
	"  created REAL NOT NULL,"
	"  updated REAL NOT NULL,"
	"  UNIQUE (kind, name, version)"
	");"
	"INSERT INTO assets_6 SELECT * FROM assets;"
	"DROP TABLE assets;"
	"ALTER TABLE assets_6 RENAME TO assets;"
	"CREATE INDEX assets_by_name ON assets (kind, name, archived, id);",
	/*
	 * 7: no (key, value) index on the last values.  Every metric a run
	 * logs put an entry at a random place in it (a value's place), and
	 * a sweep's 1,000 trials of 12 metrics each spent 18% of their time
	 * there (0.125 -> 0.102 s).  What it served, the runs ordered by a
	 * metric, reads the (run, key) primary key instead: 'job list
	 * --order-by metrics.rmse -r 10' over 100,000 runs stays far under
	 * its 300 ms (t/perf/p5002), and a sweep's or an experiment's runs,
	 * the usual scope, are found by their own indexes first.
	 */
	"DROP INDEX IF EXISTS run_metrics_last_kv;",
};

#define NR_MIGRATIONS ((int)(sizeof(migrations) / sizeof(*migrations)))

/*
 * Queries yielding (object id, description) for every object reference in
 * the catalog; later layers append their tables here.
 */
static const char *const root_queries[] = {
	"SELECT object, 'ref ''' || name || '''' FROM refs",
	"SELECT object, kind || ' ''' || name || ':' || version || ''''"
	" FROM assets",
	"SELECT conda_file, 'environment ''' || name || ':' || version ||"
	" ''' conda file' FROM assets",
	"SELECT build_context, 'environment ''' || name || ':' || version ||"
	" ''' build context' FROM assets",
	"SELECT spec, 'run ''' || name || ''' spec' FROM runs",
	"SELECT code, 'run ''' || name || ''' code' FROM runs",
	"SELECT log, 'run ''' || name || ''' log' FROM runs",
	"SELECT i.object, 'run ''' || r.name || ''' input ''' || i.name || ''''"
	" FROM run_inputs i JOIN runs r ON r.id = i.run",
	"SELECT o.object, 'run ''' || r.name || ''' output ''' || o.name || ''''"
	" FROM run_outputs o JOIN runs r ON r.id = o.run",
	"SELECT a.object, 'run ''' || r.name || ''' artifact ''' || a.path"
	" || '''' FROM run_artifacts a JOIN runs r ON r.id = a.run",
};

int mlw_catalog_schema_version(void)
{
	return NR_MIGRATIONS;
}

int mlw_catalog_db_prepare(struct sqlite3 *db, struct sqlite3_stmt **st,
			   const char *sql)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return mlw_catalog_db_error(db, "preparing query");
	return 0;
}

int mlw_catalog_db_error(struct sqlite3 *db, const char *what)
{
	int code = sqlite3_errcode(db);

	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return mlw_error_setc(MLW_ECORRUPT, "catalog: %s: %s", what,
				      sqlite3_errmsg(db));
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return mlw_error_setc(MLW_ELOCKED,
				      "catalog: %s: still locked by another mlw process after waiting",
				      what);
	/*
	 * A layer's trigger refused the change (a model in use cannot be
	 * archived): a rule of the workspace, not a failure of the catalog
	 */
	if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_TRIGGER)
		return mlw_error_setc(MLW_EINVALID, "%s: %s", what,
				      sqlite3_errmsg(db));
	return mlw_error_set("catalog: %s: %s", what, sqlite3_errmsg(db));
}

/*
 * Another connection holds the write lock: wait for it in short steps
 * (1 ms, then 5 ms), up to two minutes in all.  SQLite's own handler
 * backs off to 100 ms sleeps, and a pipeline's steps, which write the
 * catalog from many processes at once, spent more time asleep in it
 * than running.
 */
#define BUSY_LIMIT_MS 120000
#define BUSY_FAST_TRIES 20

static int busy_wait(void *data, int tries)
{
	long waited = tries < BUSY_FAST_TRIES ? tries :
		      BUSY_FAST_TRIES + (long)(tries - BUSY_FAST_TRIES) * 5;
	struct timespec ts = { 0, tries < BUSY_FAST_TRIES ? 1000000 : 5000000 };

	if (waited >= BUSY_LIMIT_MS)
		return 0;	/* SQLITE_BUSY: the caller says so */
	nanosleep(&ts, NULL);
	return 1;
}

static int db_error(sqlite3 *db, const char *what)
{
	return mlw_catalog_db_error(db, what);
}

static int exec(sqlite3 *db, const char *sql, const char *what)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, what);
	return 0;
}

static int get_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL))
		return db_error(db, "reading schema version");
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_error(db, "reading schema version");
	return 0;
}

static int migrate(struct mlw_catalog *cat)
{
	int version, ret;
	char sql[64];

	ret = get_version(cat->db, &version);
	if (ret)
		return ret;
	if (version == NR_MIGRATIONS)
		return 0;
	if (version > NR_MIGRATIONS)
		return mlw_error_setc(MLW_ECORRUPT,
				      "catalog '%s' has schema version %d, newer than this mlw understands (%d); upgrade mlw",
				      cat->path, version, NR_MIGRATIONS);
	ret = exec(cat->db, "BEGIN IMMEDIATE", "starting migration");
	if (ret)
		return ret;
	/* re-read under the write lock: another process may have migrated */
	ret = get_version(cat->db, &version);
	for (; !ret && version < NR_MIGRATIONS; version++)
		ret = exec(cat->db, migrations[version], "migrating schema");
	if (!ret) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
		ret = exec(cat->db, sql, "migrating schema");
	}
	if (!ret)
		ret = exec(cat->db, "COMMIT", "migrating schema");
	if (ret)
		sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

static int open_db(struct mlw_catalog **out, const char *path, int flags)
{
	struct mlw_catalog *cat = mlw_calloc(1, sizeof(*cat));
	int ret = 0;

	cat->path = mlw_strdup(path);
	if (sqlite3_open_v2(path, &cat->db, flags, NULL) != SQLITE_OK) {
		if (!cat->db)
			BUG("sqlite3_open_v2 could not allocate");
		ret = sqlite3_errcode(cat->db) == SQLITE_CANTOPEN && !(flags & SQLITE_OPEN_CREATE) ?
		      mlw_error_setc(MLW_ECORRUPT, "catalog '%s' is missing or unreadable",
				     path) :
		      db_error(cat->db, "opening");
		goto fail;
	}
	/* wait for other writers rather than fail (bounded: two minutes) */
	sqlite3_busy_handler(cat->db, busy_wait, NULL);
	/*
	 * Most commands are short and many run in a row (a training loop
	 * calling 'mlw log metric'): do not checkpoint and delete the WAL
	 * each time the last connection closes.  SQLite's auto-checkpoint
	 * (every 1000 pages) still bounds the WAL, and a crash is safe
	 * either way.
	 */
	{
		int persist = 1;

		sqlite3_db_config(cat->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
				  (int *)NULL);
		sqlite3_file_control(cat->db, "main", SQLITE_FCNTL_PERSIST_WAL,
				     &persist);
		sqlite3_wal_hook(cat->db, wal_hook, cat);
	}
	/*
	 * WAL: readers never block the writer.  synchronous=NORMAL keeps the
	 * database consistent across crashes; a power cut may lose the last
	 * transactions, never the objects they point at, which are fsync'd
	 * before the transaction that names them begins.
	 */
	ret = exec(cat->db, "PRAGMA journal_mode=WAL", "enabling WAL");
	if (!ret)
		ret = exec(cat->db, "PRAGMA synchronous=NORMAL;"
			   "PRAGMA foreign_keys=ON;"
			   /*
			    * 64 MiB of page cache, allocated only as used: a
			    * bulk write (a million metric points) stays in
			    * memory until commit instead of spilling pages to
			    * the WAL and reading them back (86k pwrites and
			    * 67k preads for 1M points with the 2 MiB default)
			    */
			   "PRAGMA cache_size=-65536", "configuring");
	if (!ret)
		ret = migrate(cat);
	if (ret)
		goto fail;
	*out = cat;
	return 0;
fail:
	sqlite3_close(cat->db);
	free(cat->path);
	free(cat);
	return ret;
}

int mlw_catalog_create(const char *path)
{
	struct mlw_catalog *cat;
	int ret;

	if (!access(path, F_OK))
		return mlw_error_setc(MLW_EEXISTS, "catalog '%s' already exists",
				      path);
	ret = open_db(&cat, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (!ret)
		mlw_catalog_free(cat);
	return ret;
}

int mlw_catalog_open(struct mlw_catalog **out, const char *path)
{
	if (access(path, F_OK))
		return mlw_error_setc(MLW_ECORRUPT,
				      "catalog '%s' is missing", path);
	return open_db(out, path, SQLITE_OPEN_READWRITE);
}

/*
 * The first connection to open a WAL database rebuilds the WAL index by
 * reading every frame of the WAL (SQLite zeroes the -shm file when it
 * finds no other connection).  With the WAL kept between commands (see
 * open_db), a WAL left to grow to the auto-checkpoint size of 1000 pages
 * made every command read 4 MB first: 6 of the 12 ms of a "job list".
 * So the connection that leaves more than WAL_KEEP_BYTES behind folds the
 * WAL into the database and truncates it.  This costs two fsyncs, once
 * per ~100 "log metric" calls (two or three pages each) or ~16 short jobs
 * (a job's seven transactions write about 16 pages), against at most
 * ~1 ms of WAL index rebuilding at every open (measured: 256 KiB and
 * 1 MiB give the same median "job create --wait"); when another process
 * is reading, the checkpoint does what it can and the next closer
 * finishes it.
 */
#define WAL_KEEP_BYTES (1 << 20)

static void shrink_wal(struct mlw_catalog *cat)
{
	char *wal = mlw_xstrfmt("%s-wal", cat->path);
	struct stat st;

	/*
	 * By size, not by this connection's frames: a WAL left behind by a
	 * killed writer, or grown by others, is emptied by the next closer.
	 */
	if (!stat(wal, &st) && st.st_size > WAL_KEEP_BYTES) {
		/* never wait for it: another writer will do it later */
		sqlite3_busy_timeout(cat->db, 0);
		sqlite3_wal_checkpoint_v2(cat->db, NULL,
					  SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	free(wal);
}

void mlw_catalog_free(struct mlw_catalog *cat)
{
	if (!cat)
		return;
	if (cat->in_txn)
		mlw_catalog_rollback(cat);
	shrink_wal(cat);
	sqlite3_close(cat->db);
	free(cat->path);
	free(cat);
}

struct sqlite3 *mlw_catalog_db(struct mlw_catalog *cat)
{
	return cat->db;
}

int mlw_catalog_begin(struct mlw_catalog *cat)
{
	int ret;

	if (cat->in_txn)
		BUG("nested catalog transaction");
	ret = exec(cat->db, "BEGIN IMMEDIATE", "starting transaction");
	if (!ret)
		cat->in_txn = 1;
	return ret;
}

int mlw_catalog_begin_read(struct mlw_catalog *cat)
{
	int ret;

	if (cat->in_txn)
		BUG("nested catalog transaction");
	ret = exec(cat->db, "BEGIN DEFERRED", "starting a read");
	if (!ret)
		cat->in_txn = 1;
	return ret;
}

int mlw_catalog_commit(struct mlw_catalog *cat)
{
	int ret;

	if (!cat->in_txn)
		BUG("commit without transaction");
	ret = exec(cat->db, "COMMIT", "committing");
	if (ret)
		mlw_catalog_rollback(cat);
	cat->in_txn = 0;
	return ret;
}

void mlw_catalog_rollback(struct mlw_catalog *cat)
{
	if (!cat->in_txn)
		return;
	sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
	cat->in_txn = 0;
}

static int prepare(struct mlw_catalog *cat, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(cat->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_error(cat->db, "preparing query");
	return 0;
}

int mlw_catalog_prepare(struct mlw_catalog *cat,
			const struct mlw_catalog_schema *s, sqlite3_stmt **st,
			const char *sql)
{
	int ret = s ? mlw_catalog_use(cat, s) : 0;

	*st = NULL;
	return ret ? ret : prepare(cat, st, sql);
}

int mlw_catalog_step_done(struct mlw_catalog *cat, sqlite3_stmt *st,
			  const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_error(cat->db, what);
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int mlw_catalog_log(struct mlw_catalog *cat, const char *command,
		    const char *args)
{
	sqlite3_stmt *st;
	int ret = prepare(cat, &st, "INSERT INTO oplog (time, pid, command, args)"
			  " VALUES (?, ?, ?, ?)");

	if (ret)
		return ret;
	sqlite3_bind_double(st, 1, now_seconds());
	sqlite3_bind_int64(st, 2, (sqlite3_int64)getpid());
	sqlite3_bind_text(st, 3, command, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, args, -1, SQLITE_TRANSIENT);
	return mlw_catalog_step_done(cat, st, "logging operation");
}

int mlw_catalog_ref_set(struct mlw_catalog *cat, const char *name,
			const char *hex)
{
	sqlite3_stmt *st;
	int ret = prepare(cat, &st, "INSERT INTO refs (name, object, updated)"
			  " VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET"
			  " object = excluded.object, updated = excluded.updated");

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 3, now_seconds());
	return mlw_catalog_step_done(cat, st, "updating ref");
}

int mlw_catalog_ref_get(struct mlw_catalog *cat, const char *name, char *hex)
{
	sqlite3_stmt *st;
	int ret = prepare(cat, &st, "SELECT object FROM refs WHERE name = ?");
	int rc;

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(hex, 65, "%s", (const char *)sqlite3_column_text(st, 0));
	else if (rc == SQLITE_DONE)
		ret = mlw_error_setc(MLW_ENOTFOUND, "ref '%s' not found", name);
	else
		ret = db_error(cat->db, "reading ref");
	sqlite3_finalize(st);
	return ret;
}

int mlw_catalog_ref_delete(struct mlw_catalog *cat, const char *name)
{
	sqlite3_stmt *st;
	int ret = prepare(cat, &st, "DELETE FROM refs WHERE name = ?");

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	ret = mlw_catalog_step_done(cat, st, "deleting ref");
	if (!ret && !sqlite3_changes(cat->db))
		ret = mlw_error_setc(MLW_ENOTFOUND, "ref '%s' not found", name);
	return ret;
}

int mlw_catalog_ref_foreach(struct mlw_catalog *cat, mlw_catalog_ref_fn fn,
			    void *data)
{
	sqlite3_stmt *st;
	int ret = prepare(cat, &st, "SELECT name, object, updated FROM refs"
			  " ORDER BY name");
	int rc;

	if (ret)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = fn((const char *)sqlite3_column_text(st, 0),
			 (const char *)sqlite3_column_text(st, 1),
			 sqlite3_column_double(st, 2), data);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_error(cat->db, "listing refs");
	sqlite3_finalize(st);
	return ret;
}

/* Call fn for every (object, description) row of one root query. */
static int foreach_root_of(struct mlw_catalog *cat, const char *sql,
			   mlw_catalog_root_fn fn, void *data)
{
	sqlite3_stmt *st;
	int rc, ret = prepare(cat, &st, sql);

	if (ret)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *hex = (const char *)sqlite3_column_text(st, 0);

		if (!hex)
			continue;
		ret = fn(hex, (const char *)sqlite3_column_text(st, 1), data);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE)
		ret = db_error(cat->db, "listing references");
	sqlite3_finalize(st);
	return ret;
}

int mlw_catalog_foreach_root(struct mlw_catalog *cat, mlw_catalog_root_fn fn,
			     void *data)
{
	struct mlw_strlist stored = MLW_STRLIST_INIT;
	sqlite3_stmt *st;
	size_t i;
	int rc, ret = 0;

	for (i = 0; !ret && i < sizeof(root_queries) / sizeof(*root_queries); i++)
		ret = foreach_root_of(cat, root_queries[i], fn, data);
	if (ret)
		return ret;
	/*
	 * The layers' roots, as their schemas stored them: read them all
	 * first, a statement may not run while another reads its table.
	 */
	ret = prepare(cat, &st, "SELECT query FROM catalog_roots"
		      " ORDER BY schema, seq");
	if (ret)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		mlw_strlist_push(&stored,
				(const char *)sqlite3_column_text(st, 0));
	if (rc != SQLITE_DONE)
		ret = db_error(cat->db, "listing the layers' references");
	sqlite3_finalize(st);
	for (i = 0; !ret && i < stored.nr; i++)
		ret = foreach_root_of(cat, stored.items[i], fn, data);
	mlw_strlist_release(&stored);
	return ret;
}

/* Whether cat has already checked s in this connection. */
static int schema_checked(const struct mlw_catalog *cat,
			  const struct mlw_catalog_schema *s)
{
	int i;

	for (i = 0; i < cat->nr_checked; i++)
		if (cat->checked[i] == s)
			return 1;
	return 0;
}

static int schema_version(struct mlw_catalog *cat,
			  const struct mlw_catalog_schema *s, int *out)
{
	sqlite3_stmt *st;
	int rc, ret = prepare(cat, &st, "SELECT version FROM catalog_schemas"
			      " WHERE name = ?1");

	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(cat->db, "reading a layer's schema version");
	return 0;
}

/* Run s's migrations from version 'from' and store its roots. */
static int schema_migrate(struct mlw_catalog *cat,
			  const struct mlw_catalog_schema *s, int from)
{
	sqlite3_stmt *st;
	int i, ret = 0;

	for (i = from; !ret && i < s->nr_migrations; i++)
		ret = exec(cat->db, s->migrations[i], "migrating a layer's schema");
	if (!ret)
		ret = prepare(cat, &st, "INSERT OR REPLACE INTO catalog_schemas"
			      " (name, version) VALUES (?1, ?2)");
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, s->nr_migrations);
	ret = mlw_catalog_step_done(cat, st,
				    "recording a layer's schema version");
	if (!ret)
		ret = prepare(cat, &st, "DELETE FROM catalog_roots"
			      " WHERE schema = ?1");
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
	ret = mlw_catalog_step_done(cat, st, "recording a layer's references");
	for (i = 0; !ret && i < s->nr_roots; i++) {
		ret = prepare(cat, &st, "INSERT INTO catalog_roots"
			      " (schema, seq, query) VALUES (?1, ?2, ?3)");
		if (ret)
			break;
		sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_text(st, 3, s->roots[i], -1, SQLITE_STATIC);
		ret = mlw_catalog_step_done(cat, st,
					    "recording a layer's references");
	}
	return ret;
}

int mlw_catalog_use(struct mlw_catalog *cat,
		    const struct mlw_catalog_schema *s)
{
	int version, own_txn = !cat->in_txn, ret;

	if (schema_checked(cat, s))
		return 0;
	if (cat->nr_checked == MAX_SCHEMAS)
		BUG("more than %d catalog schemas", MAX_SCHEMAS);
	ret = schema_version(cat, s, &version);
	if (ret)
		return ret;
	if (version > s->nr_migrations)
		return mlw_error_setc(MLW_ECORRUPT,
				      "catalog '%s': the %s tables have schema version %d, newer than this mlw understands (%d); upgrade mlw",
				      cat->path, s->name, version,
				      s->nr_migrations);
	if (version < s->nr_migrations) {
		/*
		 * Inside the caller's write transaction the migration is
		 * part of it; otherwise it is its own, and the version is
		 * read again under the write lock: another process may
		 * have migrated meanwhile.
		 */
		if (own_txn) {
			ret = mlw_catalog_begin(cat);
			if (!ret)
				ret = schema_version(cat, s, &version);
		}
		if (!ret && version < s->nr_migrations)
			ret = schema_migrate(cat, s, version);
		if (own_txn) {
			if (!ret)
				ret = mlw_catalog_commit(cat);
			else
				mlw_catalog_rollback(cat);
		}
		if (ret)
			return ret;
	}
	cat->checked[cat->nr_checked++] = s;
	return 0;
}

int mlw_catalog_check(struct mlw_catalog *cat, struct mlw_buf *problems)
{
	sqlite3_stmt *st;
	int ret = prepare(cat, &st, "PRAGMA quick_check");
	int rc;

	if (ret)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *msg = (const char *)sqlite3_column_text(st, 0);

		if (msg && strcmp(msg, "ok"))
			mlw_buf_addf(problems, "catalog: %s\n", msg);
	}
	if (rc != SQLITE_DONE)
		ret = db_error(cat->db, "checking");
	sqlite3_finalize(st);
	return ret;
}
