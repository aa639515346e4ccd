/*
 * worker.h - a pool of Python processes running an Azure scoring script
 * (score.py with init() and run(raw_data)), fed over pipes.
 *
 * Each worker is /usr/bin/python3 running a small driver: it imports the
 * script from the code folder (its working folder, first on sys.path),
 * calls init() once, says it is ready, then answers requests one at a
 * time: the raw request body goes to run() as a str, and what run()
 * returns is the answer, JSON-encoded as Azure's inference server encodes
 * it (bytes are sent as they are).  An exception in run() is a 500 whose
 * message names it, its traceback going to the log; an exception in
 * init() means the deployment cannot serve.
 *
 * The pipes are fds 3 (requests) and 4 (answers) of the worker, so what
 * the script prints goes to its standard output and error: the
 * deployment's log (log_fd).  Frames are "LENGTH\n" and the body each
 * way, answers "STATUS LENGTH\n" and the body.  AZUREML_MODEL_DIR is
 * set as Azure sets it, with the deployment's environment_variables.
 *
 * With MLW_WORKER_BATCH=1 among the variables, the workers run a batch
 * driver's run(mini_batch): the body is a JSON list of file paths given
 * to run() as a list, and the answer is what it returns as lines, as
 * Azure's append_row writes them: a DataFrame's rows with their values
 * separated by spaces, or one line per element of a list (an element
 * that is a list or tuple with its items separated by spaces).
 *
 * A call waits for a free worker and for its answer within a time
 * limit; a worker that does not answer in time is killed (it may be
 * stuck in run()) and started again for a later call, so a late answer
 * is never taken for the next request's.  A worker that died is started
 * again the same way.
 */
#ifndef MLW_ENDPOINT_WORKER_H
#define MLW_ENDPOINT_WORKER_H

#include <stddef.h>
#include <stdint.h>

struct mlw_buf;
struct mlw_worker_pool;

#define MLW_WORKER_PYTHON "/usr/bin/python3"

struct mlw_worker_options {
	const char *python;	/* NULL: MLW_WORKER_PYTHON */
	const char *code_dir;	/* absolute: the working folder */
	const char *script;	/* relative to code_dir */
	const char *model_dir;	/* AZUREML_MODEL_DIR */
	const char *const *env;	/* more "NAME=VALUE", NULL-ended */
	unsigned nr_workers;	/* instance_count, at least 1 */
	int log_fd;		/* the workers' stdout and stderr */
	int64_t init_timeout_ms;	/* init() of one worker; 0: 300000 */
};

/*
 * Start the workers and wait until each has run init().  0 and *out;
 * MLW_ERROR when Python cannot be started or init() fails (the message
 * says which; the traceback is in the log).  Options are copied.
 */
int mlw_worker_pool_new(struct mlw_worker_pool **out,
			const struct mlw_worker_options *opts);

/* what a call may end in besides 0 and negative codes */
#define MLW_WORKER_TIMEOUT 1	/* no free worker or no answer in time */

/*
 * run(body) on a free worker, waiting at most timeout_ms in all (for a
 * worker, and for its answer).  0 with *status (200, or 500 when run()
 * raised) and the answer appended to out; MLW_WORKER_TIMEOUT; or
 * MLW_ERROR (the worker died, or could not be started again).
 * Thread-safe.
 */
int mlw_worker_pool_call(struct mlw_worker_pool *p, const char *body,
			 size_t len, int64_t timeout_ms, int *status,
			 struct mlw_buf *out);

/* Stop every worker (SIGTERM, then SIGKILL) and free p; NULL is fine. */
void mlw_worker_pool_free(struct mlw_worker_pool *p);

#endif
