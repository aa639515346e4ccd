/*
 * record.h - a pipeline's graph in the catalog, and the steps it ran.
 *
 * Table pipeline_settings holds the settings each pipeline ran with
 * (default_compute, default_datastore, continue_on_step_failure,
 * force_rerun), for 'mlw job show'.  Table pipeline_steps holds one row
 * per step of each pipeline run: its name, kind, the pipeline step it is
 * in, the steps it reads from and the edges (which output feeds which
 * input), the job that ran it (a child run), its status while it has no
 * job (NotStarted; Canceled; Failed when a step it reads from failed),
 * its reuse key and the job whose outputs it reused.  'mlw job show'
 * draws the graph from it (render.h) without the spec, which may have
 * changed since.
 */
#ifndef MLW_PIPELINE_RECORD_H
#define MLW_PIPELINE_RECORD_H

#include <stddef.h>

struct mlw_catalog;
struct mlw_run;
struct mlw_pipeline;

/*
 * Record every step of p as a row of pipeline run `pipeline`, status
 * NotStarted, and p's settings; groups[i], when not NULL, is the run of
 * pipeline step i.  In the caller's transaction.
 */
int mlw_pipeline_record_graph(struct mlw_catalog *cat, const char *pipeline,
			      const struct mlw_pipeline *p,
			      char *const *groups);

/*
 * What became of step: the job that runs it (NULL: none), its status
 * while it has no job (NULL: keep), why it did not run, its reuse key
 * and the job it reused (NULL: none).
 */
int mlw_pipeline_record_step(struct mlw_catalog *cat, const char *pipeline,
			     const char *step, const char *job,
			     const char *status, const char *error,
			     const char *key, const char *reused_from);

/*
 * The newest Completed step run with this reuse key whose outputs are
 * all stored, as the job that made them (a step that itself reused
 * names the job it reused): *job the caller's, NULL when there is none.
 * When made is not NULL, that job's run with its inputs and outputs
 * (mlw_run_load_io()) into *made, the caller's to mlw_run_free().
 */
int mlw_pipeline_find_reusable(char **job, struct mlw_run **made,
			       struct mlw_catalog *cat, const char *key);

/*
 * A savepoint in the caller's transaction, released (kept)
 * or rolled back to (undone, and released): one step's records among
 * others' in one transaction.
 */
int mlw_pipeline_savepoint(struct mlw_catalog *cat);
int mlw_pipeline_savepoint_release(struct mlw_catalog *cat);
void mlw_pipeline_savepoint_rollback(struct mlw_catalog *cat);

/* A recorded step, read back. */
struct mlw_graph_edge {
	char *input, *from, *output;
};

struct mlw_graph_step {
	char *name, *kind, *group, *component;
	char *job;		/* NULL: it never started */
	char *status;		/* of its job when it has one */
	char *error, *reused_from, *reuse_key;
	double start, end;	/* of its job; 0 when not */
	char **deps;
	size_t nr_deps;
	struct mlw_graph_edge *edges;
	size_t nr_edges;
};

struct mlw_graph_settings {
	int recorded;		/* 0: none recorded (an older mlw's run) */
	char *default_compute, *default_datastore;	/* NULL: not set */
	int continue_on_step_failure, force_rerun;
};

struct mlw_graph {
	char *pipeline;
	struct mlw_graph_step *steps;	/* in the order they were recorded */
	size_t nr_steps;
	struct mlw_graph_settings settings;
};

/*
 * The graph of pipeline run name, with each step's job's status and
 * times; MLW_ENOTFOUND when name is not a pipeline run.
 */
int mlw_graph_load(struct mlw_graph **out, struct mlw_catalog *cat,
		   const char *name);
void mlw_graph_free(struct mlw_graph *g);

#endif
