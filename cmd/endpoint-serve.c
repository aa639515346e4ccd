/*
 * endpoint-serve.c - the verbs of 'mlw endpoint' that serve and invoke
 * endpoints: serve, stop, invoke, list-jobs, and the hidden batch-score,
 * the command of a batch invocation's job.
 */
#include "builtin.h"
#include "endpoint.h"
#include "endpoint/batch.h"
#include "endpoint/endpoint.h"
#include "endpoint/serve.h"
#include "run/job.h"
#include "run/launch.h"
#include "run/document.h"
#include "run/notify.h"
#include "run/run.h"
#include "run/service.h"
#include "run/workdir.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"
#include "util/strutil.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void print_event(const char *line, void *data)
{
	struct mlw_ctx *ctx = data;
	char t[32];

	if (ctx->quiet)
		return;
	mlw_fmt_time(t, mlw_now());
	fprintf(stderr, "%s %s\n", t, line);
}

int cmd_endpoint_serve(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint serve [-n] NAME [--host ADDR] [--port N] [--detach]",
		NULL
	};
	const char *name = NULL, *host = NULL;
	int64_t port = MLW_ENDPOINT_DEFAULT_PORT, threads = 0, idle = 0;
	int64_t max_body = 0, poll_ms = 0;
	int detach = 0;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_STRING(0, "host", &host, "ADDR",
			       "the address to listen on (default: 127.0.0.1)"),
		MLW_OPT_INT(0, "port", &port, "N",
			    "the port (default: 5001; 0: any free port)"),
		MLW_OPT_BOOL(0, "detach", &detach,
			     "serve in the background; print the URL and return"),
		MLW_OPT_INT(0, "threads", &threads, "N",
			    "threads answering requests (default: CPUs + Python workers)"),
		MLW_OPT_INT(0, "idle-timeout", &idle, "SECONDS",
			    "close a connection idle this long (default: 15)"),
		MLW_OPT_INT(0, "max-body", &max_body, "BYTES",
			    "answer 413 to a larger body (default: 16 MiB)"),
		MLW_OPT_INT(0, "poll-ms", &poll_ms, "MS",
			    "how often changes are looked for (default: 100)"),
		MLW_OPT_END()
	};
	struct mlw_endpoint_serve_options so = { 0 };
	struct mlw_endpoint_server *s;
	sigset_t stop;
	int ret, sig;

	cmd_one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	if (port < 0 || port > 65535)
		return cmd_usage_error(usage, opts, "--port must be from 0 to 65535");
	if (threads < 0 || threads > 256 || idle < 0 || idle > 86400 ||
	    max_body < 0 || poll_ms < 0 || poll_ms > 60000)
		return cmd_usage_error(usage, opts, "a value is out of range");
	so.host = host;
	so.port = (unsigned)port;
	so.nr_threads = (unsigned)threads;
	so.idle_timeout_s = (unsigned)idle;
	so.max_body = (size_t)max_body;
	so.poll_ms = (unsigned)poll_ms;
	if (detach) {
		pid_t pid;
		char *url;

		ret = mlw_endpoint_serve_detached(&pid, &url, cmd_repo(ctx),
						  name, &so);
		if (ret)
			return cmd_fail(ret);
		printf("%s\n", url);
		if (!ctx->quiet)
			fprintf(stderr, "mlw: serving '%s' on %s (pid %ld); stop it with 'mlw endpoint stop %s'\n",
				name, url, (long)pid, name);
		free(url);
		return cmd_finish_stdout(0);
	}
	so.on_event = print_event;
	so.data = ctx;
	/* blocked before the server's threads exist: they inherit it */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	ret = mlw_endpoint_server_start(&s, cmd_repo(ctx), name, &so);
	if (ret)
		return cmd_fail(ret);
	printf("%s\n", mlw_endpoint_server_url(s));
	fflush(stdout);
	sig = mlw_endpoint_server_wait(s, &stop);
	mlw_endpoint_server_free(s);
	return cmd_finish_stdout(sig == SIGINT ? 130 : 0);
}

int cmd_endpoint_stop(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = { "mlw endpoint stop [-n] NAME",
					     NULL };
	const char *name = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_END()
	};
	int ret;

	cmd_one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	ret = mlw_endpoint_stop_server(cmd_repo(ctx), name, 10);
	if (ret)
		return cmd_fail(ret);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: the server of '%s' stopped\n", name);
	return 0;
}

/* the message of an error answer, or its body */
static void report_answer(const char *name, int status,
			  const struct mlw_buf *body)
{
	json_t *o = json_loadb(body->buf, body->len, 0, NULL);
	const char *msg = json_string_value(json_object_get(o, "message"));

	cmd_error("endpoint '%s' answered %d: %.*s", name, status,
		  msg ? (int)strlen(msg) : (int)(body->len > 2000 ? 2000 :
						  body->len),
		  msg ? msg : body->buf);
	json_decref(o);
}

static int invoke_online(struct mlw_ctx *ctx, const char *name,
			 const char *request_file, const char *deployment)
{
	struct mlw_buf body = MLW_BUF_INIT, answer = MLW_BUF_INIT;
	int status, ret;

	ret = mlw_buf_read_file(&body, request_file, (size_t)1 << 30);
	if (!ret)
		ret = mlw_endpoint_invoke(&status, &answer, cmd_repo(ctx), name,
					  deployment, NULL, body.buf, body.len);
	mlw_buf_release(&body);
	if (ret) {
		mlw_buf_release(&answer);
		return cmd_fail(ret);
	}
	if (status < 200 || status > 299) {
		report_answer(name, status, &answer);
		mlw_buf_release(&answer);
		return 1;
	}
	fwrite(answer.buf, 1, answer.len, stdout);
	if (!answer.len || answer.buf[answer.len - 1] != '\n')
		putchar('\n');
	mlw_buf_release(&answer);
	return cmd_finish_stdout(0);
}

/* 'invoke' of a batch endpoint: a recorded scoring job (lib/endpoint) */
static int invoke_batch(struct mlw_ctx *ctx,
			const struct mlw_batch_invocation *req, int stream,
			int wait)
{
	const struct mlw_executor *executors[1];
	struct mlw_job_start_opts so;
	struct mlw_executor builtin;
	struct mlw_batch_job *bj;
	struct mlw_endpoint_ctx e;
	struct mlw_job_watch w;
	int ret;

	e = (struct mlw_endpoint_ctx){ cmd_repo(ctx), cmd_warn_cb, ctx };
	ret = mlw_batch_job_prepare(&bj, &e, req);
	if (ret)
		return cmd_fail(ret);
	cmd_job_start_opts(&so, &builtin, executors);
	ret = mlw_batch_job_submit(&w, bj, &so);
	if (ret)
		ret = cmd_fail(ret);
	else
		ret = cmd_job_after_submit(ctx, &w, bj->job->name,
					   bj->job->experiment, stream, wait);
	mlw_batch_job_free(bj);
	return ret;
}

int cmd_endpoint_invoke(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint invoke [-n] NAME --request-file FILE [--deployment-name D]",
		"mlw endpoint invoke [-n] NAME --input PATH|azureml:DATA [--input-type T] [--deployment-name D] [--output-path P] [--mini-batch-size N] [--instance-count N] [--stream | --wait]",
		NULL
	};
	const char *name = NULL, *request_file = NULL;
	const char *deployment_alias = NULL;
	struct mlw_batch_invocation bi = { 0 };
	int stream = 0, wait = 0;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_STRING('r', "request-file", &request_file, "FILE",
			       "online: the request body to POST to /score"),
		MLW_OPT_STRING('d', "deployment-name", &bi.deployment, "D",
			       "this deployment rather than the traffic's choice (online) or the default (batch)"),
		MLW_OPT_STRING_F(0, "deployment", &deployment_alias, "D",
				 "the same as --deployment-name", MLW_OPT_HIDDEN),
		MLW_OPT_STRING('i', "input", &bi.input, "PATH",
			       "batch: a file, a folder or azureml:DATA to score"),
		MLW_OPT_STRING(0, "input-type", &bi.input_type, "T",
			       "batch: uri_file or uri_folder (default: what the path is)"),
		MLW_OPT_STRING(0, "output-path", &bi.output_path, "P",
			       "batch: a folder the predictions are copied to too"),
		MLW_OPT_INT(0, "mini-batch-size", &bi.mini_batch_size, "N",
			    "batch: files (or rows of one file) per mini-batch"),
		MLW_OPT_INT(0, "instance-count", &bi.instance_count, "N",
			    "batch: instances, each with max_concurrency_per_instance workers"),
		MLW_OPT_BOOL('s', "stream", &stream,
			     "batch: follow the job's log until it ends"),
		MLW_OPT_BOOL(0, "wait", &wait,
			     "batch: wait for the job to end"),
		MLW_OPT_END()
	};
	struct mlw_endpoint *ep;
	int ret;

	cmd_one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	if (!bi.deployment)
		bi.deployment = deployment_alias;
	ret = mlw_endpoint_get(&ep, cmd_catalog(ctx), name);
	if (ret)
		return cmd_fail(ret);
	if (ep->kind == MLW_ENDPOINT_BATCH) {
		mlw_endpoint_free(ep);
		if (request_file)
			return cmd_usage_error(usage, opts, "'%s' is a batch endpoint: it is invoked with --input", name);
		if (!bi.input)
			return cmd_usage_error(usage, opts, "a batch endpoint is invoked with --input PATH|azureml:DATA");
		bi.endpoint = name;
		bi.keep_workdir = getenv("MLW_KEEP_WORKDIR") != NULL;
		return invoke_batch(ctx, &bi, stream, wait);
	}
	mlw_endpoint_free(ep);
	if (bi.input || bi.input_type || bi.output_path ||
	    bi.mini_batch_size || bi.instance_count || stream || wait)
		return cmd_usage_error(usage, opts, "'%s' is an online endpoint: --input and the batch options are for batch endpoints", name);
	if (!request_file)
		return cmd_usage_error(usage, opts, "an online endpoint is invoked with --request-file FILE");
	return invoke_online(ctx, name, request_file, bi.deployment);
}

struct job_rows {
	struct mlw_out *o;
	int full;		/* documents, not rows */
};

static int job_row(struct mlw_run *run, void *data)
{
	struct job_rows *jr = data;

	if (jr->full)
		mlw_run_document(jr->o, run, 0);
	else
		mlw_run_row(jr->o, run);
	mlw_run_free(run);
	return 0;
}

/* 'list-jobs': the batch jobs of an endpoint, as 'mlw job list' lists */
int cmd_endpoint_list_jobs(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint list-jobs [-n] NAME [--deployment-name D]", NULL
	};
	const char *name = NULL, *deployment = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_STRING('d', "deployment-name", &deployment, "D",
			       "only this deployment's jobs"),
		MLW_OPT_END()
	};
	struct mlw_run_list_request rq = { 0 };
	struct job_rows jr = { NULL, cmd_full_documents(ctx) };
	struct mlw_endpoint *ep;
	char *tag;
	int ret;

	cmd_one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	ret = mlw_endpoint_get(&ep, cmd_catalog(ctx), name);
	if (ret)
		return cmd_fail(ret);
	ret = ep->kind == MLW_ENDPOINT_BATCH;
	mlw_endpoint_free(ep);
	if (!ret)
		return cmd_usage_error(usage, opts, "'%s' is an online endpoint: it has no jobs", name);
	tag = deployment ? mlw_xstrfmt("deployment=%s", deployment) :
	      mlw_xstrfmt("endpoint=%s", name);
	rq.experiment = name;
	rq.tag = tag;
	rq.brief = !jr.full;
	jr.o = cmd_out_list(ctx, MLW_FMT_TABLE);
	mlw_out_list_begin(jr.o, NULL);
	ret = mlw_run_list_each(cmd_job_catalog(ctx), &rq, job_row, &jr);
	mlw_out_end(jr.o);
	ret = ret ? cmd_fail(ret) : cmd_print(ctx, jr.o, MLW_FMT_TABLE);
	mlw_out_free(jr.o);
	free(tag);
	return cmd_finish_stdout(ret);
}

/* print one line of a batch invocation's log (the job's log) */
static void batch_log(enum mlw_batch_level level, const char *line,
		      void *data)
{
	static const char *const names[] = { "WARNING", "INFO", "DEBUG" };

	(void)data;
	printf("%s %s\n", names[level], line);
	fflush(stdout);
}

/*
 * 'endpoint batch-score', the command of a batch invocation's job (not
 * listed: 'invoke' writes it): score INPUT with the deployment into the
 * folder OUTPUT.
 */
int cmd_endpoint_batch_score(int argc, const char **argv,
				struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint batch-score ENDPOINT DEPLOYMENT INPUT OUTPUT [--mini-batch-size N] [--instance-count N] [--output-path P]",
		NULL
	};
	int64_t size = 0, count = 0;
	const char *copy_to = NULL;
	int ret;
	struct mlw_option opts[] = {
		MLW_OPT_STRING(0, "output-path", &copy_to, "P",
			       "a folder for a copy of the predictions"),
		MLW_OPT_INT(0, "mini-batch-size", &size, "N",
			    "files (or rows of one file) per mini-batch"),
		MLW_OPT_INT(0, "instance-count", &count, "N",
			    "instances, each with max_concurrency_per_instance workers"),
		MLW_OPT_END()
	};
	struct mlw_batch_request req = { 0 };
	struct mlw_batch_summary sum;
	struct mlw_deployment *d;
	const char *job;
	char *hint = NULL;

	if (cmd_parse(ctx, argc, argv, opts, usage) != 4)
		return cmd_usage_error(usage, opts, "four operands expected");
	ret = mlw_deployment_get(&d, cmd_catalog(ctx), argv[0], argv[1]);
	if (ret)
		return cmd_fail(ret);
	req.repo = cmd_repo(ctx);
	req.deployment = d;
	req.input = argv[2];
	req.output = argv[3];
	req.copy_to = copy_to;
	req.log_fd = STDOUT_FILENO;
	/* inside its run: leave the predictions' id for the collector */
	job = getenv("MLW_RUN_ID");
	if (job && !mlw_name_check(MLW_NAME_JOB, job))
		hint = mlw_job_hint_path(req.repo, job);
	req.hint_cache = hint;
	req.mini_batch_size = size;
	req.instance_count = count;
	req.log = batch_log;
	ret = mlw_batch_score(&sum, &req);
	printf("%zu file%s, %zu mini-batch%s, %zu rows scored, %zu failed item%s, %zu failed mini-batch%s, %zu retr%s in %.3f s on %u worker%s\n",
	       sum.nr_files, sum.nr_files == 1 ? "" : "s",
	       sum.nr_mini_batches, sum.nr_mini_batches == 1 ? "" : "es",
	       sum.nr_rows, sum.nr_failed_items,
	       sum.nr_failed_items == 1 ? "" : "s",
	       sum.nr_failed_mini_batches,
	       sum.nr_failed_mini_batches == 1 ? "" : "es",
	       sum.nr_retries, sum.nr_retries == 1 ? "y" : "ies", sum.seconds,
	       sum.nr_workers, sum.nr_workers == 1 ? "" : "s");
	mlw_deployment_free(d);
	free(hint);
	if (ret)
		return cmd_fail(ret);
	return cmd_finish_stdout(0);
}

