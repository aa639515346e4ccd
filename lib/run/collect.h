/*
 * collect.h - what a run leaves becomes the store's: its outputs as trees,
 * Azure's ./outputs and ./logs as artifacts, and named outputs as assets.
 *
 * Each folder is snapshotted only while it is still a folder: a symbolic
 * link the command put in its place would be followed out of the working
 * area.  Warnings (a link not collected, an artifact name no download
 * could write) go to the collector's say(), that is, to the run's log.
 */
#ifndef MLW_RUN_COLLECT_H
#define MLW_RUN_COLLECT_H

#include <stdint.h>

struct mlw_catalog;
struct mlw_odb;
struct mlw_repo;
struct mlw_run_plan;
struct mlw_run_plan_output;

struct mlw_run_collector {
	struct mlw_repo *repo;	/* paths, and the model-registered hook */
	struct mlw_catalog *cat;
	struct mlw_odb *odb;
	const char *name;	/* the run */
	int64_t run_id;
	/* a line for the run's log, without "mlw: " and the newline */
	void (*say)(const char *line, void *data);
	void *data;
};

/*
 * The outputs of plan, .mlw/runs/NAME/outputs/X, stored as trees and
 * recorded as the run's outputs; what the command left in cwd/outputs
 * and cwd/logs, its artifacts outputs/... and logs/..., as Azure uploads
 * them.  The trees are written as one object batch, durable before the
 * one transaction that records them all.  0 or negative (the outputs
 * stored before a failure are recorded).
 */
int mlw_run_collect(const struct mlw_run_collector *c,
		    const struct mlw_run_plan *plan, const char *cwd);

/*
 * Register output o (which has an asset name) as a model (model types)
 * or data asset, recorded as coming from azureml:jobs/NAME/outputs/X,
 * and fire model-registered for a new model.  0 or negative.
 */
int mlw_run_register_output(const struct mlw_run_collector *c,
			    const struct mlw_run_plan_output *o);

#endif
