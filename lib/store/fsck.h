/*
 * fsck.h - verify the store: every object's content against its id, every
 * tree entry and every catalog reference against the objects present, and
 * the catalog database itself.
 */
#ifndef MLW_STORE_FSCK_H
#define MLW_STORE_FSCK_H

#include <stddef.h>

struct mlw_repo;

#define MLW_FSCK_CONNECTIVITY_ONLY 1	/* skip decoding and re-hashing */

/* one problem: subject is an object id (or "catalog"), problem says what */
typedef void (*mlw_fsck_report_fn)(const char *subject, const char *problem,
				   void *data);

struct mlw_fsck_stats {
	size_t objects, trees, roots, problems;
};

/*
 * Check the workspace, calling report for each problem found.  Returns 0
 * when the check ran (problems or not; see stats->problems), or a negative
 * code when it could not run.
 */
int mlw_fsck(struct mlw_fsck_stats *stats, struct mlw_repo *repo, int flags,
	     mlw_fsck_report_fn report, void *data);

#endif
