/*
 * job.h - command jobs: from a loaded spec to a run on this machine.
 *
 *	mlw_job_prepare()	read the spec, resolve inputs, code, environment
 *				(nothing written; bad input is MLW_EINVALID)
 *	mlw_job_create()	snapshot code and inputs, record the run
 *				(Queued), lay out .mlw/runs/NAME/
 *	mlw_job_start()		fork the supervisor, which records the run
 *				in its own session
 *	mlw_job_supervise()	(in the supervisor) run the command, capture
 *				its log, enforce the timeout, walk the status
 *				to its end, collect outputs, fire hooks
 *
 * The working area .mlw/runs/NAME/ holds code/ (a fresh checkout of the
 * code snapshot, the command's working directory, with Azure's outputs/
 * and logs/ in it, whose files become the run's artifacts outputs/...
 * and logs/...), inputs/X (read-only
 * checkouts of path inputs), outputs/X, user_logs/std_log.txt (and with
 * keep_workdir job.json: what the supervisor was told: command,
 * environment, timeout).  It is removed when the run ends; its outputs and
 * log are objects by then.
 */
#ifndef MLW_RUN_JOB_H
#define MLW_RUN_JOB_H

#include "store/odb.h"
#include "util/strutil.h"

#include <stdint.h>
#include <sys/types.h>

struct mlw_repo;
struct mlw_spec;
struct mlw_ref;

/*
 * Resolve an azureml: data or model reference to an object (a tree or a
 * blob) and its asset type ("uri_folder", "custom_model"...); for a
 * blob, *file_name is the name of the file it was registered from (else
 * NULL).  The caller frees both.  Returns 0, MLW_ENOTFOUND (message
 * set), or another negative code.
 */
typedef int (*mlw_asset_lookup_fn)(struct mlw_oid *out, char **type,
				   char **file_name,
				   const struct mlw_ref *ref, void *data);
/* the default until the asset catalog exists: every asset is unknown */
int mlw_asset_lookup_none(struct mlw_oid *out, char **type, char **file_name,
			  const struct mlw_ref *ref, void *data);

struct mlw_job_opts {
	const char *name;		/* --name, else spec name, else new */
	const char *experiment;		/* --experiment-name */
	const char *display_name;
	const char *parent;
	mlw_asset_lookup_fn asset_lookup;
	void *asset_data;
};

struct mlw_job_io {
	char *name;
	char *type;
	char *value;		/* literal, or the path/reference as written */
	char *src;		/* local input: absolute source path */
	int is_literal, is_file, optional_missing;
	struct mlw_oid oid;
	int has_oid;
	char *file_name;	/* uri_file: the name inside its folder */
	/* outputs: register as this asset when the run completes */
	char *asset_name, *asset_version;
};

struct mlw_job {
	struct mlw_repo *repo;
	const struct mlw_spec *spec;
	char *name, *experiment, *display_name, *description, *parent;
	const char *type;	/* the run's type: "command" when NULL */
	char *command_template;
	char *command;		/* bound */
	char *code_dir;		/* absolute; NULL without code: */
	struct mlw_oid code;
	int has_code;
	uint64_t code_files, code_bytes;
	int code_reused;	/* a kept working copy was used (wtcache.h) */
	int keep_workdir;	/* leave .mlw/runs/NAME after the run */
	/*
	 * Azure's ./outputs and ./logs in the command's working folder,
	 * made by mlw_job_create() (bit 0: outputs, bit 1: logs) unless
	 * the code snapshot holds them; collected as the run's artifacts
	 * outputs/... and logs/... when it ends.
	 */
	unsigned made_dirs;
	char *environment, *compute;
	double timeout;		/* seconds, 0: none */
	char *properties;	/* JSON object text */
	char *metrics_pattern;	/* NULL: off */
	struct mlw_job_io *inputs, *outputs;
	size_t nr_inputs, nr_outputs;
	struct mlw_strlist env;		/* "KEY=VALUE" */
	struct mlw_strlist tags;	/* key, value, key, value... */
	struct mlw_strlist warnings;
	char *workdir;		/* .mlw/runs/NAME */
	char *supervise_json;	/* for mlw_job_supervise(), by mlw_job_create() */
	int64_t run_id;
};

int mlw_job_prepare(struct mlw_job **out, struct mlw_repo *repo,
		    const struct mlw_spec *spec,
		    const struct mlw_job_opts *opts);
void mlw_job_free(struct mlw_job *job);

/* snapshot the code folder (objects written); fills code_files/bytes */
int mlw_job_snapshot_code(struct mlw_job *job);

/*
 * When the code snapshot is large (Azure ML's own limits are 2000 files
 * and 300 MB), lines saying how big it is and its biggest top-level
 * entries, for --dry-run and the job's log; NULL when it is not.
 */
#define MLW_JOB_LARGE_FILES 2000
#define MLW_JOB_LARGE_BYTES (100u << 20)
char *mlw_job_code_summary(struct mlw_job *job);
/*
 * Bind ${{...}} and $[[...]] into job->command for the working area
 * .mlw/runs/NAME (job->workdir).  MLW_EINVALID when job->name does not
 * follow the rule for job names (util/name.h); 0 otherwise.
 */
int mlw_job_bind(struct mlw_job *job);

/*
 * Snapshot inputs, record the run as Queued with the calling process as
 * its supervisor (mlw_job_start() calls it in the forked supervisor), lay
 * out the working area.
 */
int mlw_job_create(struct mlw_job *job);

/*
 * Fork the supervisor of job (prepared, its code snapshotted).  The
 * child records the run and lays out its working area
 * (mlw_job_create()), then supervises it; the creating command opens no
 * catalog connection of its own for that (repo's, if open, is closed
 * before the fork: an SQLite connection must never cross one).  When
 * notify_fd >= 0 it is kept open in the child only: its first line says
 * how creation went, "R REUSED NAME" (REUSED: 1 when a kept working copy
 * was taken) or "E CODE MESSAGE" (the child then exits); then the final
 * status as mlw_job_supervise() writes it; EOF when the run is over and
 * its working area gone (the child may still be closing the catalog).
 */
int mlw_job_start(pid_t *pid, struct mlw_job *job, int notify_fd);

/*
 * Set by the mlw command itself: a job whose command is a simple
 * "mlw ARGS..." (words only, nothing for a shell to do) runs by calling
 * this in the supervisor's forked child, with the child's exit status
 * its return value, instead of exec'ing /bin/sh and then mlw again.
 */
extern int (*mlw_job_run_builtin)(int argc, const char **argv);

/*
 * The supervisor's work, from desc, what mlw_job_create() left in
 * job->supervise_json (command, working folder, environment, timeout,
 * outputs); returns 0 once the run has ended and is recorded.  Then,
 * when notify_fd >= 0, the final status and its error message
 * ("STATUS\nERROR") are written to it.
 */
int mlw_job_supervise(struct mlw_repo *repo, const char *name,
		      const char *desc, int notify_fd);

/*
 * Cancel: signal the supervisor (it kills the process group and records
 * Canceled) or, when it is gone, kill the group and record it here.
 * Waits up to wait_seconds for the run to end.
 */
int mlw_job_cancel(struct mlw_repo *repo, const char *name,
		   double wait_seconds);

/* mlw gc: remove the spare working area kept for the next run */
int mlw_job_clear_spare(struct mlw_repo *repo);

/*
 * End the runs whose supervisor died (mlw_run_list_dead()): each is
 * marked Failed with the log its working area held stored as its log,
 * its working area is removed (unless kept with --keep-workdir), its
 * hooks run, and fn (may be NULL) is told its name.  0 or a negative
 * code; a run that ended meanwhile is left alone.
 */
int mlw_job_reap(struct mlw_repo *repo,
		 void (*fn)(const char *name, void *data), void *data);

/*
 * mlw gc, after mlw_job_reap(): remove the working areas .mlw/runs/NAME
 * of runs that ended longer ago than opts->grace (kept with
 * --keep-workdir, or left by a supervisor killed as it cleaned up),
 * entries there no run owns, and spare working areas a killed gc was
 * removing (.mlw/cache/workdir.gc-*), older than that.  Each is told to
 * opts->removed as ("workdir", PATH) and counted in
 * stats->workdirs_removed; with opts->dry_run nothing is removed.
 * 0 or a negative code.
 */
struct mlw_gc_opts;
struct mlw_gc_stats;
int mlw_job_gc_workdirs(struct mlw_repo *repo, const struct mlw_gc_opts *opts,
			struct mlw_gc_stats *stats);

/* "NAME=VALUE" metric lines and the like: the run's log path */
char *mlw_job_log_path(struct mlw_repo *repo, const char *name);

/* the hook payload and runner (run-status-changed, run-completed) */
int mlw_run_fire_hooks(struct mlw_repo *repo, const char *name);
/* whether a run-status-changed hook is there to be run */
int mlw_run_status_hook(struct mlw_repo *repo);

#endif
