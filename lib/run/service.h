/*
 * service.h - the job verbs beyond a run's life, as library calls: show,
 * list, update and download, for 'mlw job' and the HTTP APIs alike.
 */
#ifndef MLW_RUN_SERVICE_H
#define MLW_RUN_SERVICE_H

#include "run/run.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;
struct mlw_odb;

/*
 * Run name with its details (inputs, outputs, params, tags, artifacts,
 * last metric values): mlw_run_get() and mlw_run_load_details().
 * MLW_ENOTFOUND "job 'x' not found".  The caller frees *out.
 */
int mlw_run_load(struct mlw_run **out, struct mlw_catalog *cat,
		 const char *name);

struct mlw_run_list_request {
	const char *experiment;	/* only this experiment's runs */
	const char *parent;	/* only the children of this run */
	const char *status;	/* a status name, any case; NULL: any */
	const char *tag;	/* "KEY" or "KEY=VALUE" */
	const char *order_by;	/* "metrics.NAME[ asc|desc]"; NULL: newest */
	int include_archived;
	int64_t max_results;	/* <= 0: all */
	int brief;		/* see struct mlw_run_filter */
};

/*
 * mlw_run_foreach() over the runs req selects.  MLW_EINVALID, before
 * anything is read, for a status that is none or an order_by that is
 * not metrics.NAME.
 */
int mlw_run_list_each(struct mlw_catalog *cat,
		      const struct mlw_run_list_request *req, mlw_run_fn fn,
		      void *data);

/*
 * Change run name: each of sets[0..nr) is "tags.KEY=VALUE",
 * "description=TEXT" or "display_name=TEXT"; all in one transaction, or
 * none.  MLW_EINVALID for anything else (nothing changed),
 * MLW_ENOTFOUND.
 */
int mlw_run_update(struct mlw_catalog *cat, const char *name,
		   const char *const *sets, size_t nr);

struct mlw_run_download_request {
	const char *name;	/* the run */
	/*
	 * output: that output, as DEST/named-outputs/OUTPUT; all: every
	 * output, and the log and artifacts; neither: the log
	 * (DEST/artifacts/user_logs/std_log.txt) and the artifacts
	 * (DEST/artifacts/PATH).
	 */
	const char *output;
	int all;
	const char *dest;
};

/*
 * Write a run's outputs, log and artifacts out of the store.  Names read
 * back from the catalog are checked again before they become paths.
 * MLW_ENOTFOUND for a run or output that is not, or an output not yet
 * collected; MLW_ECORRUPT for a name that would leave dest.
 */
int mlw_run_download(struct mlw_catalog *cat, struct mlw_odb *odb,
		     const struct mlw_run_download_request *req);

#endif
