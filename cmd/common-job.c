/*
 * common-job.c - the command side of starting a job and following it,
 * shared by 'mlw job create' and 'mlw endpoint invoke' (a batch
 * scoring job): the supervisor's signals and MLflow server, --wait and
 * --stream, and the exit status of a run that has ended.
 */
#include "builtin.h"
#include "run/document.h"
#include "run/executor.h"
#include "run/launch.h"
#include "run/notify.h"
#include "run/job.h"
#include "run/run.h"
#include "run/service.h"
#include "run/workdir.h"
#include "tracking/tracking.h"
#include "util/error.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cmd_job_reaped(const char *name, void *data)
{
	struct mlw_ctx *ctx = data;

	cmd_warn(ctx, "job '%s': its supervisor died; marked Failed", name);
}

struct mlw_catalog *cmd_job_catalog(struct mlw_ctx *ctx)
{
	struct mlw_catalog *cat = cmd_catalog(ctx);
	int ret = mlw_job_reap(cmd_repo(ctx), cmd_job_reaped, ctx);

	if (ret)
		exit(cmd_fail(ret));
	return cat;
}

/* --- starting a job and following it */

/*
 * In a supervisor process: a cancel (SIGTERM from 'mlw job cancel',
 * SIGINT, SIGHUP) sets this flag, without SA_RESTART so that the
 * supervisor's waits return to look at it.
 */
static atomic_int job_cancel;

static void on_job_cancel(int sig)
{
	atomic_store(&job_cancel, 1);
}

static void in_job_supervisor(struct mlw_job *job, void *data)
{
	struct mlw_tracking_lazy *lazy;
	struct sigaction sa;
	char *uri;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_job_cancel;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * An MLflow server for the command, started when a client first
	 * connects (lib/tracking/lazy.c), for the supervisor's life: it
	 * ends with this process.  Without one the job runs all the same.
	 * Each job has its own: a pipeline's steps, a sweep's trials; a
	 * pipeline's supervisor (job NULL) runs no command and needs none.
	 */
	if (job && !mlw_tracking_lazy_start(&lazy, &uri, job->repo))
		job->tracking_uri = uri;
	mlw_error_clear();
}

void cmd_job_start_opts(struct mlw_job_start_opts *so, struct mlw_executor *ex,
			const struct mlw_executor **executors)
{
	mlw_executor_builtin_init(ex, "/proc/self/exe");
	executors[0] = ex;
	memset(so, 0, sizeof(*so));
	so->executors = executors;
	so->nr_executors = 1;
	so->cancel = &job_cancel;
	so->in_supervisor = in_job_supervisor;
}

int cmd_job_ended(struct mlw_ctx *ctx, const char *name,
		  enum mlw_run_status status, const char *why, int say)
{
	int failed = status != MLW_RUN_COMPLETED;

	if (failed)
		cmd_error("job '%s' %s%s%s", name, mlw_run_status_name(status),
			  why ? ": " : "", why ? why : "");
	if (say && !ctx->quiet)
		fprintf(stderr, "mlw: job '%s' %s\n", name,
			mlw_run_status_name(status));
	return failed;
}

/* wait for (or, with stream, copy the log of) the run; how it ended */
static int job_follow(struct mlw_ctx *ctx, struct mlw_job_watch *w,
		      const char *name, int stream)
{
	char *log = stream ? mlw_job_log_path(cmd_repo(ctx), name) : NULL;
	int fd = log ? open(log, O_RDONLY | O_CLOEXEC) : -1, ret = 0;
	enum mlw_run_status status;
	struct mlw_run *run;
	char *why;

	free(log);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: job '%s' started\n", name);
	if (fd < 0) {
		mlw_job_watch_wait(w);
	} else {
		ret = mlw_job_watch_follow(w, fd, 1) ? 128 : 0;
		close(fd);
	}
	if (!ret && mlw_job_watch_status(w, &status, &why)) {
		ret = cmd_job_ended(ctx, name, status, why, 1);
		free(why);
	} else if (!ret) {
		/* the supervisor said nothing: the catalog says */
		ret = mlw_run_get(&run, cmd_job_catalog(ctx), name);
		if (!ret) {
			ret = cmd_job_ended(ctx, name, run->status, run->error, 1);
			mlw_run_free(run);
		} else {
			ret = cmd_fail(ret);
		}
	}
	mlw_job_watch_release(w);
	return ret;
}

/* the document of run name, with -o or --query */
static int job_document(struct mlw_ctx *ctx, const char *name, int queued,
			const char *experiment)
{
	struct mlw_out *o = mlw_out_new();
	struct mlw_run *run = NULL;
	int ret;

	mlw_out_object_begin(o, NULL);
	if (queued) {
		mlw_out_str(o, "name", name);
		mlw_out_str(o, "status", "Queued");
		mlw_out_str(o, "experiment_name", experiment);
	} else if (!mlw_run_load(&run, cmd_job_catalog(ctx), name)) {
		mlw_run_document_fields(o, run, MLW_RUN_DOC_DETAILS);
		cmd_pipeline_show(ctx, o, run);
	}
	mlw_out_end(o);
	ret = queued || run ? cmd_print(ctx, o, MLW_FMT_JSON) : 0;
	mlw_out_free(o);
	mlw_run_free(run);
	return ret;
}

int cmd_job_after_submit(struct mlw_ctx *ctx, struct mlw_job_watch *w,
			 const char *name, const char *experiment, int stream,
			 int wait)
{
	int documents = ctx->query || ctx->format != MLW_FMT_DEFAULT;
	int ret = 0;

	if (stream || wait)
		ret = job_follow(ctx, w, name, stream);
	else
		mlw_job_watch_release(w);
	if (!stream && !wait && documents)
		return cmd_finish_stdout(job_document(ctx, name, 1,
						      experiment));
	if (documents)
		job_document(ctx, name, 0, NULL);
	else if (!stream)
		printf("%s\n", name);
	return cmd_finish_stdout(ret);
}
