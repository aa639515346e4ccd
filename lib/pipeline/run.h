/*
 * run.h - running a pipeline: one supervisor drives its steps as child
 * runs of the pipeline's run.
 *
 *	mlw_pipeline_submit()	fork the supervisor: it records the pipeline
 *				run and answers on a notify channel, then
 *				runs the steps and says how it ended
 *
 * The supervisor starts every step whose inputs are ready, up to
 * max_concurrent_steps at once, each as a command job (job.h) whose
 * parent is the pipeline (or the pipeline step it is in): 'mlw job list
 * --parent-job-name PIPE' lists them.  Before starting one it computes
 * the step's reuse key (reuse.h); when an earlier Completed step had the
 * same key, the step is recorded at once as Completed with that step's
 * outputs, reused_from naming the job that made them, and nothing runs.
 *
 * A step that fails fails the steps that read its outputs (they never
 * start) and the pipeline; without settings.continue_on_step_failure
 * the steps still running are canceled and no other starts.  SIGTERM to
 * the supervisor ('mlw job cancel PIPE') cancels the running steps and
 * ends the pipeline Canceled.  If the supervisor dies, the next mlw
 * command marks the pipeline Failed (mlw_job_reap()); its steps that
 * completed are reused by the next run of the same pipeline.
 *
 * The pipeline's log (.mlw/runs/PIPE/user_logs/std_log.txt while it
 * runs, 'mlw job stream PIPE') says when each step starts, is reused and
 * ends.  The graph is recorded in the catalog (table pipeline_steps)
 * with each step's job, status, reuse key and reused_from, for 'mlw job
 * show' (render.h).
 */
#ifndef MLW_PIPELINE_RUN_H
#define MLW_PIPELINE_RUN_H


struct mlw_catalog;
struct mlw_job_start_opts;
struct mlw_pipeline;
struct mlw_repo;

struct mlw_pipeline_run_opts {
	const char *name;		/* NULL: the spec's, else generated */
	const char *experiment;		/* NULL: the spec's, else default */
	const char *display_name;	/* NULL: the spec's */
	int max_concurrent_steps;	/* <= 0: the online CPUs */
	int keep_workdir;		/* steps keep .mlw/runs/NAME */
	/*
	 * How the steps' jobs start (their executors, the cancel flag and
	 * the handlers that set it: launch.h); each step's supervisor calls
	 * its in_supervisor with the step's job, which is where a step gets
	 * its MLflow server (job->tracking_uri) as a command job does.  It
	 * is also called first in the pipeline's supervisor (with no job),
	 * whose cancel (SIGTERM, 'mlw job cancel PIPE') is then *cancel.
	 * May be NULL.
	 */
	const struct mlw_job_start_opts *start;
};

/*
 * Fork the supervisor of pipeline p (loaded without errors), with a
 * notify channel as a job's (notify.h).  It records the pipeline run and
 * says so: 0 with *name (the caller's) and *w to follow it (then
 * mlw_job_watch_release()); or its error as if it were the caller's,
 * nothing recorded.  The catalog connection of repo is closed before
 * the fork.
 */
struct mlw_job_watch;
int mlw_pipeline_submit(struct mlw_job_watch *w, char **name,
			struct mlw_repo *repo, struct mlw_pipeline *p,
			const struct mlw_pipeline_run_opts *opts);

/* The catalog tables of pipelines (pipeline_steps). */
int mlw_pipeline_use_catalog(struct mlw_catalog *cat);

/*
 * The job whose outputs the step run job reused, into *out (the
 * caller's; NULL when job did not reuse, or is no pipeline step).
 */
int mlw_pipeline_reused_from(char **out, struct mlw_catalog *cat,
			     const char *job);

#endif
