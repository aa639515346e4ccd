/*
 * gc.h - remove objects nothing references, and stale temporary files.
 *
 * Reachability starts from every object the catalog references
 * (mlw_catalog_foreach_root) and follows trees.  An unreachable object is
 * removed only when its file is older than the grace period: a writer
 * that has just stored (or re-used, which refreshes the mtime) an object
 * and is about to record it in the catalog is never robbed.  Temporary
 * files (objects/tmp_*, and .mlw/NAME.lock of mlw_write_file_atomic())
 * older than the grace period are left-overs of killed writers.
 * Unreachable trees are removed before the objects they list.
 */
#ifndef MLW_STORE_GC_H
#define MLW_STORE_GC_H

#include <stdint.h>

struct mlw_repo;

#define MLW_GC_DEFAULT_GRACE (14.0 * 86400)

struct mlw_gc_opts {
	double grace;		/* seconds; 0 prunes everything unreachable,
				 * negative prunes nothing */
	int dry_run;
	/* called for each object or temp file removed (or to be removed) */
	void (*removed)(const char *what, const char *id_or_path,
			uint64_t bytes, void *data);
	/* called for references to objects that are missing */
	void (*warn)(const char *msg, void *data);
	void *data;
};

struct mlw_gc_stats {
	uint64_t objects, reachable, removed, removed_bytes, kept_young,
		 temp_removed;
	uint64_t workdirs_removed;	/* mlw_job_gc_workdirs() (run/job.h) */
};

/*
 * Collect repo's garbage as opts say, filling *stats (zeroed first).
 * 0 when the collection ran, even if a missing object was warned about;
 * a negative code when it could not (the catalog cannot be read, an
 * object cannot be removed): what was removed before stays removed,
 * which is safe, as it was unreachable.
 */
int mlw_gc(struct mlw_gc_stats *stats, struct mlw_repo *repo,
	   const struct mlw_gc_opts *opts);

#endif
