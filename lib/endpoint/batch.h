/*
 * batch.h - what a batch deployment does with the files of one invocation:
 * score them in mini-batches on a pool of workers into one output folder.
 *
 * 'mlw endpoint invoke' of a batch endpoint records a command job (a run:
 * 'mlw job show|stream|download' work on it) whose command is the hidden
 * 'mlw endpoint batch-score'; that command calls mlw_batch_score() with
 * the job's bound input and its output 'score'.
 *
 * The work is cut as Azure cuts it: an input folder gives its files (not
 * its subfolders), sorted by name, mini_batch_size files to a mini-batch;
 * an input file gives its rows, mini_batch_size rows to a mini-batch.
 * max_concurrency_per_instance x instance_count threads take mini-batches
 * in turn; a mini-batch that fails is tried again up to
 * retry_settings.max_retries times, then its items (files, or rows) count
 * as failed, as do the rows the scorer skips (text in a numeric column, a
 * row of the wrong width).  More failed items than error_threshold (-1:
 * any number) fail the invocation, after every mini-batch was tried.
 *
 * With output_action append_row the predictions are output_file_name in
 * the output folder, Azure's layout for MLflow models: no header, one
 * line per scored row, "ROW,PREDICTION,FILE" (ROW the row's index within
 * its file, FILE its name), in input order.  With summary_only nothing
 * but the summary is written.  Only files whose name ends in .csv are
 * read; any other file fails the invocation before anything is scored.
 *
 * A deployment with a scoring script (a batch driver with init() and
 * run(mini_batch)) runs it on as many Python workers as there are
 * worker threads (worker.h, in batch mode): run() gets the mini-batch's
 * file paths (an input file's chunk files for a file), must return
 * within retry_settings.timeout seconds, and what it returns are the
 * mini-batch's lines, written as they are with append_row.  Its items
 * are the mini-batch's files; the script decides what a row is.
 */
#ifndef MLW_ENDPOINT_BATCH_H
#define MLW_ENDPOINT_BATCH_H

#include <stddef.h>
#include <stdint.h>

struct mlw_deployment;
struct mlw_repo;

/* log levels, as logging_level names them */
enum mlw_batch_level {
	MLW_BATCH_WARNING = 0,
	MLW_BATCH_INFO,
	MLW_BATCH_DEBUG
};

struct mlw_batch_request {
	struct mlw_repo *repo;
	const struct mlw_deployment *deployment;	/* kind batch */
	const char *input;	/* a .csv file or a folder of them */
	const char *output;	/* the output folder (made if missing) */
	const char *copy_to;	/* a folder for a copy of the predictions */
	/* overrides of the deployment's settings; 0 (NULL) keeps them */
	int64_t mini_batch_size;
	int64_t instance_count;
	const char *output_file_name;
	int log_fd;		/* a scoring script's standard output */
	/*
	 * A stat cache file (statcache.h) to leave the predictions' id
	 * in, so that what collects them need not hash them again (the
	 * run's MLW_RUN_STATCACHE), or NULL.
	 */
	const char *hint_cache;
	/*
	 * The invocation's log lines, at or above the deployment's
	 * logging_level; called from the workers' threads one at a time.
	 * May be NULL.
	 */
	void (*log)(enum mlw_batch_level level, const char *line, void *data);
	void *data;
};

struct mlw_batch_summary {
	size_t nr_files;
	size_t nr_mini_batches;
	size_t nr_rows;		/* rows scored */
	size_t nr_failed_items;	/* files or rows that failed */
	size_t nr_failed_mini_batches;	/* after their retries */
	size_t nr_retries;
	unsigned nr_workers;
	double seconds;
};

/*
 * Score req->input with req->deployment into req->output, filling *out
 * (also on failure: how far it came).  0; MLW_EINVALID (a file that is
 * no .csv, more failed items than error_threshold: the
 * message says which); MLW_ENOTFOUND (no input, no files in it);
 * MLW_ERROR (I/O, a model that cannot be read, a scoring script whose
 * init() fails).  A failed invocation
 * writes no predictions file.
 */
int mlw_batch_score(struct mlw_batch_summary *out,
		    const struct mlw_batch_request *req);

/* --- invocations: 'endpoint invoke' of a batch endpoint, a recorded run */

struct mlw_endpoint_ctx;
struct mlw_job;
struct mlw_job_start_opts;
struct mlw_job_watch;
struct mlw_spec;

struct mlw_batch_invocation {
	const char *endpoint;	/* a batch endpoint */
	const char *deployment;	/* NULL: the endpoint's default */
	const char *input;	/* a file, a folder, or azureml:DATA */
	/* uri_file or uri_folder; NULL: what input is (azureml: a folder) */
	const char *input_type;
	const char *output_path;	/* a folder for a copy, or NULL */
	int64_t mini_batch_size;	/* > 0: overrides the deployment's */
	int64_t instance_count;		/* > 0: likewise */
	int keep_workdir;	/* leave .mlw/runs/NAME after the run */
};

/*
 * A batch invocation as a command job, built in memory (no spec file is
 * read): input 'data' (req->input, its path made absolute), output
 * 'score', the hidden 'mlw endpoint batch-score ENDPOINT DEPLOYMENT
 * ${{inputs.data}} ${{outputs.score}} [options]' as its command,
 * environment azureml:host@1, experiment the endpoint, display name
 * ENDPOINT-DEPLOYMENT, tags endpoint and deployment.
 */
struct mlw_batch_job {
	struct mlw_spec *spec;	/* the command job's document */
	struct mlw_job *job;	/* prepared (run/job.h); name set at submit */
	char *deployment;	/* the deployment it goes to */
};

/*
 * Check req and prepare its job: 0 with *out (mlw_batch_job_free()).
 * MLW_EINVALID for an input_type that is neither, an input that is not
 * of its type, an endpoint that is online or (no deployment given) has
 * no default; MLW_ENOTFOUND for an endpoint, deployment, input file or
 * data asset that is not.  Warnings of the job (run/job.h) go to
 * ctx->warn.  Nothing is written.
 */
int mlw_batch_job_prepare(struct mlw_batch_job **out,
			  struct mlw_endpoint_ctx *ctx,
			  const struct mlw_batch_invocation *req);
/*
 * Start bj's run (mlw_job_submit(), start as it takes): its spec is
 * recorded as the JSON of bj->spec.  0 with *w to follow it and
 * bj->job->name set; or negative, nothing recorded.
 */
int mlw_batch_job_submit(struct mlw_job_watch *w, struct mlw_batch_job *bj,
			 const struct mlw_job_start_opts *start);
void mlw_batch_job_free(struct mlw_batch_job *bj);

#endif
