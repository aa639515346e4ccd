/*
 * event.h - a run's events: the run-status-changed hook at every status
 * change, run-completed when it Completed, run through the one hook
 * runner (util/hook.h) with Azure's payload on standard input:
 * experimentId, experimentName, runId, runType, runTags, runProperties,
 * runStatus.
 */
#ifndef MLW_RUN_EVENT_H
#define MLW_RUN_EVENT_H

struct mlw_catalog;
struct mlw_repo;

/*
 * Run the hooks for run name's current status, reading it through cat.
 * A hook that fails is not the run's failure: its status is ignored
 * (nobody is there to tell: this runs in the supervisor).  0, or
 * negative when the run cannot be read.
 */
int mlw_run_fire_hooks(struct mlw_repo *repo, struct mlw_catalog *cat,
		       const char *name);
/* Whether a run-status-changed hook is there to be run. */
int mlw_run_status_hook(struct mlw_repo *repo);

#endif
