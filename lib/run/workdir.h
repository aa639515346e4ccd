/*
 * workdir.h - a run's working area, .mlw/runs/NAME/, from its layout to
 * its removal, and the areas and runs left behind by supervisors that
 * died.
 *
 * The area holds code/ (a fresh checkout of the code snapshot, the
 * command's working folder, with Azure's outputs/ and logs/ in it, whose
 * files become the run's artifacts outputs/... and logs/...), inputs/X
 * (read-only checkouts of path inputs), outputs/X, user_logs/std_log.txt
 * (the log), and with --keep-workdir job.json (what the supervisor was
 * told, supervise.h).  It is removed when the run ends; its outputs and
 * log are objects by then.
 *
 * The skeleton of an area (its folder, user_logs/ and std_log.txt) is
 * kept for the next run as .mlw/cache/workdir and taken with one
 * rename(2): making and removing two folders and a file were a tenth of a
 * short job's supervisor (ext4 makes a new inode slowly next to many
 * recently freed ones).  Only this code puts anything there, and only the
 * skeleton; two runs racing for it are told apart by the rename, and the
 * loser makes its own.  'mlw gc' removes it.
 */
#ifndef MLW_RUN_WORKDIR_H
#define MLW_RUN_WORKDIR_H

struct mlw_gc_opts;
struct mlw_gc_stats;
struct mlw_odb;
struct mlw_repo;

/* Azure's ./outputs and ./logs, collected as artifacts of these names. */
extern const char *const mlw_artifact_dirs[];
#define MLW_ARTIFACT_DIRS 2

/* .mlw/runs/NAME and its log .mlw/runs/NAME/user_logs/std_log.txt */
char *mlw_job_workdir(struct mlw_repo *repo, const char *name);
char *mlw_job_log_path(struct mlw_repo *repo, const char *name);
/*
 * .mlw/runs/NAME/statcache: a stat cache (statcache.h) in which a command
 * of mlw's own may leave the ids of files it wrote (the batch scorer's
 * predictions), so that collecting its outputs need not read them again.
 * Consulted only for outputs, and trusted no further than any stat
 * cache: a file whose stat changed since, or whose object is not in the
 * store, is read.
 */
char *mlw_job_hint_path(struct mlw_repo *repo, const char *name);

/*
 * Make the skeleton of workdir: the spare one renamed into place, else
 * made.  0 or negative.
 */
int mlw_workdir_make(struct mlw_repo *repo, const char *workdir);

/*
 * The end of the area of run name: ./outputs and ./logs that mlw made
 * (made_dirs, bits as MLW_ARTIFACT_DIRS) go, the code copy is returned to
 * the working-copy cache when the run left it as it found it
 * (wtcache.h), and what is left becomes the spare skeleton or is removed.
 */
void mlw_workdir_finish(struct mlw_repo *repo, struct mlw_odb *odb,
			const char *name, unsigned made_dirs);

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
int mlw_job_gc_workdirs(struct mlw_repo *repo, const struct mlw_gc_opts *opts,
			struct mlw_gc_stats *stats);

/* mlw gc: remove the spare working area kept for the next run */
int mlw_job_clear_spare(struct mlw_repo *repo);

#endif
