/*
 * workdir.c - working areas of runs: layout, removal, the reaper and gc;
 * see workdir.h.
 */
#include "run/workdir.h"
#include "run/event.h"
#include "run/executor.h"
#include "run/run.h"
#include "store/gc.h"
#include "store/odb.h"
#include "store/repo.h"
#include "store/wtcache.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"
#include "util/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPARE_WORKDIR "cache/workdir"

const char *const mlw_artifact_dirs[] = { "outputs", "logs" };

char *mlw_job_workdir(struct mlw_repo *repo, const char *name)
{
	char *rel = mlw_xstrfmt("runs/%s", name);
	char *dir = mlw_repo_path(repo, rel);

	free(rel);
	return dir;
}

char *mlw_job_hint_path(struct mlw_repo *repo, const char *name)
{
	char *rel = mlw_xstrfmt("runs/%s/statcache", name);
	char *path = mlw_repo_path(repo, rel);

	free(rel);
	return path;
}

char *mlw_job_log_path(struct mlw_repo *repo, const char *name)
{
	char *rel = mlw_xstrfmt("runs/%s/user_logs/std_log.txt", name);
	char *path = mlw_repo_path(repo, rel);

	free(rel);
	return path;
}

int mlw_workdir_make(struct mlw_repo *repo, const char *workdir)
{
	char *spare = mlw_repo_path(repo, SPARE_WORKDIR);
	char *logs;
	int ret;

	if (!rename(spare, workdir)) {
		free(spare);
		return 0;
	}
	free(spare);
	ret = mlw_mkdir_p(workdir, 0777);
	logs = mlw_path_join(workdir, "user_logs");
	if (!ret)
		ret = mlw_mkdir_p(logs, 0777);
	free(logs);
	return ret;
}

static int make_writable(const char *path, const struct stat *st, int flag,
			 struct FTW *ftw)
{
	if (flag == FTW_D || flag == FTW_DP || flag == FTW_DNR)
		chmod(path, 0755);
	return 0;
}

/* remove everything in dir but keep, a name in it; 0 when all went */
static int empty_but(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, keep))
			continue;
		p = mlw_path_join(dir, de->d_name);
		if (mlw_remove_tree(p))
			ret = -1;
		free(p);
	}
	closedir(d);
	return ret;
}

/* rm -rf of a working area: what is left becomes the spare skeleton */
static void remove_workdir(struct mlw_repo *repo, const char *dir)
{
	char *inputs = mlw_path_join(dir, "inputs");
	char *logs = mlw_path_join(dir, "user_logs");
	char *spare = mlw_repo_path(repo, SPARE_WORKDIR);
	int kept = 0;

	/* read-only input checkouts: make their folders writable first */
	if (!access(inputs, F_OK)) {
		chmod(inputs, 0755);
		nftw(inputs, make_writable, 16, FTW_PHYS);
	}
	free(inputs);
	/* what is left becomes the spare, unless there is one already */
	if (!empty_but(dir, "user_logs") && !empty_but(logs, "std_log.txt") &&
	    !access(logs, F_OK)) {
		kept = !rename(dir, spare);
		if (!kept && errno == ENOENT) {
			char *cache = mlw_repo_path(repo, "cache");

			kept = !mlw_mkdir_p(cache, 0777) && !rename(dir, spare);
			free(cache);
		}
	}
	mlw_error_clear();
	if (!kept && mlw_remove_tree(dir))
		mlw_error_clear();
	free(spare);
	free(logs);
}

/* ./outputs and ./logs that mlw made go, so a clean code copy is kept */
static void remove_artifact_dirs(const char *cwd, unsigned made)
{
	size_t i;

	for (i = 0; i < MLW_ARTIFACT_DIRS; i++) {
		char *dir;

		if (!(made & (1u << i)))
			continue;
		dir = mlw_path_join(cwd, mlw_artifact_dirs[i]);
		if (mlw_remove_tree(dir))
			mlw_error_clear();
		free(dir);
	}
}

void mlw_workdir_finish(struct mlw_repo *repo, struct mlw_odb *odb,
			const char *name, unsigned made_dirs)
{
	char *dir = mlw_job_workdir(repo, name);
	char *code = mlw_path_join(dir, "code");
	char *manifest = mlw_path_join(dir, "code.manifest");
	char *cache = mlw_repo_path(repo, "cache/worktrees");

	remove_artifact_dirs(code, made_dirs);
	/* a code copy the run left as it found it serves the next */
	mlw_wtcache_return(odb, cache, code, manifest);
	free(cache);
	free(manifest);
	free(code);
	remove_workdir(repo, dir);
	free(dir);
}

/*
 * The end of a run whose supervisor died: what its log held becomes the
 * run's log, the run is Failed, and its working area goes (unless it was
 * kept for debugging: job.json is there).  0 when this process ended it,
 * MLW_EEXISTS when it had ended meanwhile (its area is then not ours).
 */
static int reap_one(struct mlw_repo *repo, struct mlw_catalog *cat,
		    const char *name)
{
	char hex[MLW_OID_HEXSZ + 1], *log, *dir, *kept;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	uint64_t size;
	int ret, has_log = 0;

	if (mlw_name_check(MLW_NAME_JOB, name))
		return mlw_error_recode(MLW_ECORRUPT);
	log = mlw_job_log_path(repo, name);
	ret = mlw_repo_odb(&odb, repo);
	if (!ret && !access(log, F_OK)) {
		ret = mlw_odb_write_path(&oid, &size, odb, log, MLW_OBJ_BLOB,
					 MLW_ODB_WRITE);
		has_log = !ret;
		if (has_log)
			mlw_oid_to_hex(hex, &oid);
	}
	free(log);
	if (ret)
		return ret;
	mlw_slurm_stop_orphan(cat, name);
	ret = mlw_run_finish(cat, name, MLW_RUN_FAILED, mlw_now(), -1,
			     "the supervisor of the job died",
			     has_log ? hex : NULL);
	if (ret)
		return ret;
	dir = mlw_job_workdir(repo, name);
	kept = mlw_path_join(dir, "job.json");
	if (access(kept, F_OK))
		remove_workdir(repo, dir);
	free(kept);
	free(dir);
	return 0;
}

int mlw_job_reap(struct mlw_repo *repo,
		 void (*fn)(const char *name, void *data), void *data)
{
	struct mlw_strlist dead = MLW_STRLIST_INIT;
	struct mlw_catalog *cat;
	size_t i;
	int ret = mlw_repo_catalog(&cat, repo);

	if (!ret)
		ret = mlw_run_list_dead(&dead, cat);
	for (i = 0; !ret && i < dead.nr; i++) {
		ret = reap_one(repo, cat, dead.items[i]);
		if (ret == MLW_EEXISTS) {
			ret = 0;	/* it finished meanwhile */
			mlw_error_clear();
			continue;
		}
		if (!ret) {
			mlw_run_fire_hooks(repo, cat, dead.items[i]);
			if (fn)
				fn(dead.items[i], data);
		}
	}
	mlw_strlist_release(&dead);
	return ret;
}

/* rm -rf of a working area left behind: its input checkouts are read-only */
static int remove_area(const char *dir)
{
	chmod(dir, 0755);
	nftw(dir, make_writable, 16, FTW_PHYS);
	return mlw_remove_tree(dir);
}

/*
 * Whether .mlw/runs/NAME (or a leftover beside it) may go: the working
 * area of a run that ended before the cutoff, or an entry no run owns
 * whose last change is older than it.  A run still going keeps its own.
 */
static int area_is_garbage(struct mlw_catalog *cat, const char *name,
			   double mtime, double cutoff)
{
	struct mlw_run *run;
	int garbage;

	if (!mlw_name_ok(MLW_NAME_JOB, name) ||
	    mlw_run_get(&run, cat, name)) {
		mlw_error_clear();
		return mtime <= cutoff;
	}
	garbage = mlw_run_status_terminal(run->status) &&
		  run->times[MLW_RUN_ENDED_TIME] <= cutoff;
	mlw_run_free(run);
	return garbage;
}

/* call gc's removed() for an area, after removing it unless a dry run */
static int drop_area(const struct mlw_gc_opts *opts, const char *path,
		     struct mlw_gc_stats *stats)
{
	if (!opts->dry_run && remove_area(path))
		return MLW_ERROR;
	stats->workdirs_removed++;
	if (opts->removed)
		opts->removed("workdir", path, 0, opts->data);
	return 0;
}

int mlw_job_gc_workdirs(struct mlw_repo *repo, const struct mlw_gc_opts *opts,
			struct mlw_gc_stats *stats)
{
	double cutoff = mlw_now() - opts->grace;
	char *runs = mlw_repo_path(repo, "runs");
	char *cache = mlw_repo_path(repo, "cache");
	const char *dirs[2] = { runs, cache };
	struct mlw_catalog *cat;
	size_t k;
	int ret = mlw_repo_catalog(&cat, repo);

	for (k = 0; !ret && opts->grace >= 0 && k < 2; k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *de;

		while (!ret && d && (de = readdir(d))) {
			char *path;
			struct stat st;

			if (de->d_name[0] == '.' ||
			    (k == 1 && !mlw_starts_with(de->d_name,
							"workdir.gc-")))
				continue;
			path = mlw_path_join(dirs[k], de->d_name);
			if (!lstat(path, &st) &&
			    (k ? st.st_mtim.tv_sec <= cutoff :
			     area_is_garbage(cat, de->d_name,
					     (double)st.st_mtim.tv_sec,
					     cutoff)))
				ret = drop_area(opts, path, stats);
			free(path);
		}
		if (d)
			closedir(d);
	}
	free(cache);
	free(runs);
	return ret;
}

/*
 * mlw gc: the spare working area is only a cache.  It is taken first,
 * with the same rename(2) a starting run takes it with, so that only one
 * of them has it: removing it in place let a run take it half-removed,
 * and lose its working area to the removal.
 */
int mlw_job_clear_spare(struct mlw_repo *repo)
{
	char *spare = mlw_repo_path(repo, SPARE_WORKDIR);
	char *mine = mlw_xstrfmt("%s.gc-%ld", spare, (long)getpid());
	int ret = 0;

	if (!rename(spare, mine))
		ret = mlw_remove_tree(mine);
	else if (errno != ENOENT)
		ret = mlw_error_errno("cannot take '%s'", spare);
	free(mine);
	free(spare);
	return ret;
}
