/*
 * run.h - runs in the catalog: records, status lifecycle, tracking.
 *
 * A run is one execution of a job.  Its record lives in the catalog
 * (tables runs, run_inputs, run_outputs, run_artifacts, run_params,
 * run_tags, run_metric_points, run_metrics_last, metric_keys; see the
 * migrations in catalog.c) and
 * points at objects: the spec, the code snapshot, the log, the output
 * trees.  Status walks
 *
 *	NotStarted -> Queued -> Starting -> Running -> Finalizing
 *		-> Completed | Failed | Canceled
 *
 * and every transition stamps its time.  A terminal status is final:
 * mlw_run_set_status() refuses to leave it (MLW_EEXISTS), which is what
 * makes a cancel racing a normal finish harmless.
 *
 * Tracking follows MLflow's rules: metrics append (value NaN is stored as
 * SQL NULL and read back as NaN; +-Inf are stored as such), params are
 * write-once (the same value again is fine, another is MLW_EEXISTS), tags
 * are last-write-wins.
 *
 * Every function takes the catalog and makes its change inside the
 * caller's transaction when one is open, or in its own otherwise.
 */
#ifndef MLW_RUN_RUN_H
#define MLW_RUN_RUN_H

#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;

enum mlw_run_status {
	MLW_RUN_NOT_STARTED,
	MLW_RUN_QUEUED,
	MLW_RUN_STARTING,
	MLW_RUN_RUNNING,
	MLW_RUN_FINALIZING,
	MLW_RUN_COMPLETED,
	MLW_RUN_FAILED,
	MLW_RUN_CANCELED,
	MLW_RUN_NR_STATUS
};

const char *mlw_run_status_name(enum mlw_run_status s);
/* case-insensitive; MLW_EINVALID with the list of statuses otherwise */
int mlw_run_status_parse(enum mlw_run_status *out, const char *name);
int mlw_run_status_terminal(enum mlw_run_status s);

struct mlw_run_io {
	char *name;
	char *type;		/* "uri_folder", "string", ... */
	char *value;		/* literal value or the path as given */
	char *object;		/* tree or blob id, or NULL */
};

struct mlw_run_kv {
	char *key;
	char *value;
};

struct mlw_run_metric {
	char *key;
	int64_t step;
	double value;
	double time;
};

struct mlw_run {
	int64_t id;
	char *name;
	char *display_name;
	char *experiment;
	int64_t experiment_id;	/* experiment.h; set by mlw_run_insert() */
	char *parent;
	char *type;		/* "command" */
	enum mlw_run_status status;
	/* time of entering each status (0: never); [NOT_STARTED] = created */
	double times[MLW_RUN_FINALIZING + 2];
	char *spec;		/* object ids (hex) or NULL */
	char *code;
	char *log;
	char *git_repository, *git_branch, *git_commit;
	int git_dirty;		/* -1 unknown */
	char *environment;
	char *compute;
	char *command;		/* as bound */
	int has_exit_code;
	int exit_code;
	int64_t supervisor_pid, supervisor_start, pgid;
	char *description;
	char *properties;	/* JSON object text or NULL */
	char *error;		/* why it failed, or NULL */
	int archived;

	/* filled by mlw_run_load_details() */
	struct mlw_run_io *inputs, *outputs;
	size_t nr_inputs, nr_outputs;
	struct mlw_run_kv *params, *tags, *artifacts;
	size_t nr_params, nr_tags, nr_artifacts;
	struct mlw_run_metric *metrics;	/* last value of each, by key */
	size_t nr_metrics;
};

#define MLW_RUN_ENDED_TIME (MLW_RUN_FINALIZING + 1)

void mlw_run_free(struct mlw_run *run);

/*
 * A fresh name in the Azure style, "happy_lamp_4k2": two words and a
 * short random id.  Uniqueness is the catalog's: insert retries.
 */
char *mlw_run_new_name(void);

/*
 * The run layer's own tables (experiments, ...; mlw_catalog_use()),
 * brought up to date on this connection; every function here and in
 * experiment.h calls it.  0 or negative.
 */
int mlw_run_schema_use(struct mlw_catalog *cat);

/*
 * Insert run (status, times[NOT_STARTED], and the fields set).  When
 * run->name is NULL a fresh name is generated (and stored in run->name);
 * a given name that exists is MLW_EEXISTS; a name or experiment that
 * does not follow the rule for names (util/name.h) is MLW_EINVALID, and
 * so is an experiment that is deleted.  The experiment is created when
 * new (experiment.h).  Sets run->id and run->experiment_id.
 */
int mlw_run_insert(struct mlw_catalog *cat, struct mlw_run *run);
int mlw_run_add_input(struct mlw_catalog *cat, int64_t run,
		      const struct mlw_run_io *io);
int mlw_run_add_output(struct mlw_catalog *cat, int64_t run,
		       const struct mlw_run_io *io);
/* replace an output's object (when collected at the end) */
int mlw_run_set_output_object(struct mlw_catalog *cat, int64_t run,
			      const char *name, const char *hex);
/*
 * An artifact: path is a relative path of names (util/name.h,
 * mlw_name_check_path(): MLW_EINVALID otherwise), as it is downloaded
 * under artifacts/; the same path again replaces it.
 */
int mlw_run_add_artifact(struct mlw_catalog *cat, int64_t run,
			 const char *path, const char *hex, uint64_t size);

/* MLW_ENOTFOUND "job 'x' not found" */
int mlw_run_get(struct mlw_run **out, struct mlw_catalog *cat,
		const char *name);
/* only the id (what 'mlw log' needs); MLW_ENOTFOUND as above */
int mlw_run_get_id(int64_t *id, struct mlw_catalog *cat, const char *name);
/* inputs, outputs, params, tags, artifacts, last metric values */
int mlw_run_load_details(struct mlw_catalog *cat, struct mlw_run *run);
/* only inputs and outputs (what a pipeline reusing a step reads) */
int mlw_run_load_io(struct mlw_catalog *cat, struct mlw_run *run);

/*
 * Move run to status s at time t.  MLW_EEXISTS (message set) when the
 * run is already in a terminal status; moving backwards is a BUG.
 */
int mlw_run_set_status(struct mlw_catalog *cat, const char *name,
		       enum mlw_run_status s, double t);
/* the end of a run: status, exit code (or <0 none), error, log object */
int mlw_run_finish(struct mlw_catalog *cat, const char *name,
		   enum mlw_run_status s, double t, int exit_code,
		   const char *error, const char *log_hex);
int mlw_run_set_supervisor(struct mlw_catalog *cat, const char *name,
			   int64_t pid, int64_t start, int64_t pgid);
/* "description", "display_name", "archived" (value "0"/"1") */
int mlw_run_set_field(struct mlw_catalog *cat, const char *name,
		      const char *field, const char *value);

/* tracking; run is the run's id */
int mlw_run_log_param(struct mlw_catalog *cat, int64_t run, const char *key,
		      const char *value);
int mlw_run_set_tag(struct mlw_catalog *cat, int64_t run, const char *key,
		    const char *value);
/*
 * A batch of metric points in one prepared statement.  The caller holds
 * a transaction from mlw_metric_writer_new() to _finish(): the writer
 * reads each key's last point and sequence number once, when the key
 * first appears, and writes the new last points at the end.  step < 0
 * means "next step of that key" (one more than the last logged).
 * Keys are interned (metric_keys), so a point costs one b-tree insert.
 */
struct mlw_metric_writer;
int mlw_metric_writer_new(struct mlw_metric_writer **out,
			  struct mlw_catalog *cat, int64_t run);
int mlw_metric_writer_add(struct mlw_metric_writer *w, const char *key,
			  double value, int64_t step, double t);
/* writes the last values; frees w in every case */
int mlw_metric_writer_finish(struct mlw_metric_writer *w);
void mlw_metric_writer_abort(struct mlw_metric_writer *w);

/* full history of metrics (all keys, or one), ordered by key and step */
/*
 * Call fn for every point of run's history (of key, or of every key), in
 * the order mlw_run_metric_history() gives, one row at a time: memory
 * does not grow with the history.  m->key is valid during the call only.
 * A non-zero return from fn stops the walk and is returned.
 */
typedef int (*mlw_run_metric_fn)(const struct mlw_run_metric *m, void *data);
int mlw_run_metric_foreach(struct mlw_catalog *cat, int64_t run,
			   const char *key, mlw_run_metric_fn fn, void *data);
int mlw_run_metric_history(struct mlw_run_metric **out, size_t *nr,
			   struct mlw_catalog *cat, int64_t run,
			   const char *key);
void mlw_run_metrics_free(struct mlw_run_metric *m, size_t nr);

/* listing */
struct mlw_run_filter {
	const char *experiment;
	const char *parent;
	int status;		/* -1: any */
	const char *tag_key, *tag_value;	/* tag_value NULL: key only */
	const char *order_metric;	/* metrics.X: by last value */
	int ascending;
	int include_archived;
	int64_t max_results;	/* <= 0: all */
	/*
	 * Only id, name, experiment, experiment_id, status,
	 * times[NOT_STARTED] and archived are read; the other fields are NULL or 0 (a long
	 * listing in a table or tsv shows no more).
	 */
	int brief;
};
int mlw_run_list(struct mlw_run ***out, size_t *nr, struct mlw_catalog *cat,
		 const struct mlw_run_filter *f);
/*
 * The same runs, one at a time, as the catalog yields them: fn owns each
 * run (mlw_run_free() it); a non-zero return from fn stops the listing and
 * is returned.  Memory stays flat however many runs match.
 */
typedef int (*mlw_run_fn)(struct mlw_run *run, void *data);
int mlw_run_foreach(struct mlw_catalog *cat, const struct mlw_run_filter *f,
		    mlw_run_fn fn, void *data);
void mlw_run_list_free(struct mlw_run **runs, size_t nr);

/*
 * For the run layer's own queries (search.c): the runs table's columns
 * a run is read from, "id, name, ...", to follow SELECT; and the run of
 * a result row whose first columns are those (the caller's, freed with
 * mlw_run_free()).
 */
struct sqlite3_stmt;
const char *mlw_run_columns(void);
struct mlw_run *mlw_run_from_row(struct sqlite3_stmt *st);

/*
 * And the statements of those queries, for the run layer's files:
 * _prep() prepares sql on cat once the run layer's tables are up to
 * date (0 or negative); _done() steps a statement that returns no row
 * and finalizes it (MLW_E* naming what on failure); _bind_str() binds s
 * or NULL; _col_str() is column i as a new string (the caller's) or
 * NULL; _error() is SQLite's last error on cat as an MLW_E* code.
 */
int mlw_run_db_prep(struct mlw_catalog *cat, struct sqlite3_stmt **st,
		    const char *sql);
int mlw_run_db_done(struct mlw_catalog *cat, struct sqlite3_stmt *st,
		    const char *what);
void mlw_run_db_bind_str(struct sqlite3_stmt *st, int i, const char *s);
char *mlw_run_db_col_str(struct sqlite3_stmt *st, int i);
int mlw_run_db_error(struct mlw_catalog *cat, const char *what);

/*
 * Process start time of pid from /proc (clock ticks since boot), 0 when
 * the process does not exist.
 */
int64_t mlw_proc_start_time(int64_t pid);

/*
 * The names of the runs that have not ended but whose supervisor has
 * died (pid gone, or reused by another process with a different start
 * time), and of Queued runs with no supervisor after a minute (runs of
 * type "tracking", an MLflow client's, have none: never these), appended
 * to out; the process groups of those runs are killed.  The run layer's
 * reaper (mlw_job_reap() in job.h) ends them.
 */
struct mlw_strlist;
int mlw_run_list_dead(struct mlw_strlist *out, struct mlw_catalog *cat);

#endif
