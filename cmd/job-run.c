/*
 * job-run.c - 'mlw job create' and 'mlw job stream': the verbs that start
 * a run and follow it to its end (the other verbs are in job.c).
 *
 * 'create' prepares the run of any type through lib/job/create.h
 * (everything that can be wrong with the spec or its inputs is reported
 * before anything is recorded), then starts its supervisor, which
 * records it and says so, and returns at once with the job's name, or
 * follows it with --stream or --wait.  This command sets up the
 * supervisor process's signals (a cancel is SIGTERM to it) and its
 * MLflow server, and gives it the mlw program for a command "mlw ...",
 * run without a shell.
 */
#include "builtin.h"
#include "job-run.h"
#include "job/create.h"
#include "run/document.h"
#include "run/job.h"
#include "run/launch.h"
#include "run/notify.h"
#include "run/resolve.h"
#include "run/service.h"
#include "run/workdir.h"
#include "spec/spec.h"
#include "store/repo.h"
#include "sweep/sweep.h"
#include "tracking/tracking.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/name.h"
#include "util/strutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* azureml: inputs, through the catalog, opened only when one is asked */
static int lookup_asset(struct mlw_oid *out, char **type, char **file_name,
			const struct mlw_ref *ref, void *data)
{
	return mlw_run_resolve_asset(out, type, file_name, ref,
				     cmd_catalog(data));
}

/* the exit status for a run that has ended: 0 Completed, 1 otherwise */
static int report_status(struct mlw_ctx *ctx, const char *name,
			 enum mlw_run_status status, const char *why,
			 int print)
{
	int ret = 0;

	if (status != MLW_RUN_COMPLETED) {
		cmd_error("job '%s' %s%s%s", name, mlw_run_status_name(status),
			  why ? ": " : "", why ? why : "");
		ret = 1;
	}
	if (print && !ctx->quiet)
		fprintf(stderr, "mlw: job '%s' %s\n", name,
			mlw_run_status_name(status));
	return ret;
}

/* the same, from the catalog (a supervisor that died is ended first) */
static int final_status(struct mlw_ctx *ctx, const char *name, int print)
{
	struct mlw_run *run;
	int ret = mlw_run_get(&run, cmd_job_catalog(ctx), name);

	if (ret)
		return cmd_fail(ret);
	ret = report_status(ctx, name, run->status, run->error, print);
	mlw_run_free(run);
	return ret;
}

int cmd_job_stream_run(struct mlw_ctx *ctx, const char *name)
{
	int ret = mlw_run_stream(cmd_repo(ctx), name, 1, cmd_job_reaped, ctx);

	if (ret)
		return cmd_fail(ret);
	return final_status(ctx, name, 0);
}

/* the spec, its errors printed (its warnings are checked for real later) */
static int load_spec(struct mlw_spec **out, const char *file,
		     struct mlw_strlist *sets)
{
	struct mlw_spec_options sopts;
	struct mlw_spec *spec;
	size_t k;
	int ret;

	memset(&sopts, 0, sizeof(sopts));
	sopts.group = "job";
	sopts.overrides = (const char *const *)sets->items;
	sopts.nr_overrides = sets->nr;
	ret = mlw_spec_load(&spec, file, &sopts);
	if (ret)
		return cmd_fail(ret);
	mlw_sweep_check_spec(spec);
	for (k = 0; k < spec->diags.nr; k++) {
		const struct mlw_diag *x = &spec->diags.items[k];

		if (!x->warning)
			cmd_error("%s:%d:%d: %s", x->source ? x->source :
				  spec->path, x->line, x->col, x->msg);
	}
	if (spec->diags.errors) {
		mlw_spec_free(spec);
		return 2;
	}
	*out = spec;
	return 0;
}

/* "mlw: code 'DIR': N files, B bytes, tree ID[, how]" on stderr */
static void print_code(const struct mlw_job *job, const char *how)
{
	char hex[MLW_OID_HEXSZ + 1];

	mlw_oid_to_hex(hex, &job->code);
	fprintf(stderr, "mlw: code '%s': %llu files, %llu bytes, tree %s%s%s\n",
		job->code_dir, (unsigned long long)job->code_files,
		(unsigned long long)job->code_bytes, hex, how ? ", " : "",
		how ? how : "");
}

/* --dry-run: snapshot the code, bind, print the command */
static int create_dry_run(struct mlw_ctx *ctx, struct mlw_job *job)
{
	char *note;
	int ret = mlw_job_snapshot_code(job);

	if (!ret && !job->name)
		job->name = mlw_strdup("DRY_RUN");
	if (!ret)
		ret = mlw_job_bind(job);
	if (ret)
		return cmd_fail(ret);
	printf("%s\n", job->command);
	if (job->code_dir && !ctx->quiet)
		print_code(job, NULL);
	note = ctx->quiet ? NULL : mlw_job_code_summary(job);
	if (note)
		fputs(note, stderr);
	free(note);
	return cmd_finish_stdout(0);
}

/*
 * In the supervisor process: SIGTERM (mlw job cancel), SIGINT and SIGHUP
 * cancel the run through this flag, without SA_RESTART so that its waits
 * return to look at it.
 */
static atomic_int cancel_requested;

static void on_cancel(int sig)
{
	atomic_store(&cancel_requested, 1);
}

static void in_supervisor(struct mlw_job *job, void *data)
{
	struct mlw_tracking_lazy *lazy;
	struct sigaction sa;
	char *uri;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_cancel;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
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

/* the name, or {name, status, experiment_name} with -o or --query */
static int print_queued(struct mlw_ctx *ctx, const char *name,
			const char *experiment)
{
	struct mlw_out *o;
	int ret;

	if (!ctx->query && ctx->format == MLW_FMT_DEFAULT) {
		printf("%s\n", name);
		return cmd_finish_stdout(0);
	}
	o = mlw_out_new();
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", name);
	mlw_out_str(o, "status", "Queued");
	mlw_out_str(o, "experiment_name", experiment);
	mlw_out_end(o);
	ret = cmd_finish_stdout(cmd_print(ctx, o, MLW_FMT_JSON));
	mlw_out_free(o);
	return ret;
}

/* --wait and --stream: follow the run to its end, say how it ended */
static int follow(struct mlw_ctx *ctx, struct mlw_job_watch *w,
		  const char *name, int stream)
{
	enum mlw_run_status status;
	char *log = stream ? mlw_job_log_path(cmd_repo(ctx), name) : NULL;
	char *why;
	int log_fd = log ? open(log, O_RDONLY | O_CLOEXEC) : -1, ret = 0;

	free(log);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: job '%s' started\n", name);
	if (log_fd >= 0) {
		if (mlw_job_watch_follow(w, log_fd, 1))
			ret = 128;
		close(log_fd);
	} else {
		mlw_job_watch_wait(w);
	}
	if (!ret && mlw_job_watch_status(w, &status, &why)) {
		ret = report_status(ctx, name, status, why, 1);
		free(why);
	} else if (!ret) {
		ret = final_status(ctx, name, 1);
	}
	mlw_job_watch_release(w);
	return ret;
}

/* the run's document after --wait/--stream with -o or --query */
static void print_ended(struct mlw_ctx *ctx, const char *name)
{
	struct mlw_run *run;

	if (!mlw_run_load(&run, cmd_job_catalog(ctx), name)) {
		struct mlw_out *o = mlw_out_new();

		mlw_out_object_begin(o, NULL);
		mlw_run_document_fields(o, run, MLW_RUN_DOC_DETAILS);
		cmd_pipeline_show(ctx, o, run);
		mlw_out_end(o);
		cmd_print(ctx, o, MLW_FMT_JSON);
		mlw_out_free(o);
		mlw_run_free(run);
	}
}

/* a run submitted: print its name, or follow it (--stream, --wait) */
static int after_submit(struct mlw_ctx *ctx, struct mlw_job_watch *w,
			const char *name, const char *experiment, int stream,
			int wait)
{
	int ret;

	if (!stream && !wait) {
		mlw_job_watch_release(w);
		return print_queued(ctx, name, experiment);
	}
	ret = follow(ctx, w, name, stream);
	if (ctx->query || ctx->format != MLW_FMT_DEFAULT)
		print_ended(ctx, name);
	else if (!stream)
		printf("%s\n", name);
	return cmd_finish_stdout(ret);
}

/* how a job's supervisor runs commands and hears a cancel */
static void start_opts(struct mlw_job_start_opts *so,
		       struct mlw_executor *builtin,
		       const struct mlw_executor **executors)
{
	mlw_executor_builtin_init(builtin, "/proc/self/exe");
	executors[0] = builtin;
	memset(so, 0, sizeof(*so));
	so->executors = executors;
	so->nr_executors = 1;
	so->cancel = &cancel_requested;
	so->in_supervisor = in_supervisor;
}

/*
 * A job prepared (lib/job/create.h): its warnings or its graph's
 * diagnostics said, then --dry-run's answer, or its supervisor started
 * and followed if asked.
 */
static int create(struct mlw_ctx *ctx, struct mlw_job_create *c, int dry_run,
		  int stream, int wait)
{
	const struct mlw_executor *executors[1];
	struct mlw_job_start_opts so;
	struct mlw_executor builtin;
	struct mlw_job_watch w;
	size_t i;
	int ret;

	if (c->pipeline) {
		ret = cmd_pipeline_print_diags(ctx, c->pipeline);
		if (ret || dry_run)
			return ret ? ret : cmd_pipeline_dry_run(c->pipeline);
	} else {
		for (i = 0; i < c->job->warnings.nr; i++)
			cmd_warn(ctx, "%s", c->job->warnings.items[i]);
		if (dry_run)
			return create_dry_run(ctx, c->job);
	}
	start_opts(&so, &builtin, executors);
	ret = mlw_job_create_submit(&w, c, &so);
	if (ret)
		return cmd_fail(ret);
	if (ctx->verbose && c->job && c->job->has_code)
		print_code(c->job, c->job->code_reused ?
			   "kept working copy reused" : "checked out");
	return after_submit(ctx, &w, c->name, c->experiment, stream, wait);
}

/* --name and --experiment-name follow the rule for names (util/name.h) */
static int check_names(const char *name, const char *experiment)
{
	if (name && mlw_name_check(MLW_NAME_JOB, name)) {
		mlw_error_prefix("--name");
		return MLW_EINVALID;
	}
	if (experiment && mlw_name_check(MLW_NAME_EXPERIMENT, experiment)) {
		mlw_error_prefix("--experiment-name");
		return MLW_EINVALID;
	}
	return 0;
}

int cmd_job_create(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw job create -f FILE [--set PATH=VALUE...] [--name NAME] "
		"[--stream | --wait] [--dry-run] [--max-concurrent-steps N]",
		NULL
	};
	const char *file = NULL, *query = NULL;
	struct mlw_strlist sets = MLW_STRLIST_INIT;
	int stream = 0, wait = 0, dry_run = 0, keep_workdir = 0, ret;
	int64_t max_steps = INT64_MIN;	/* not given: the online CPUs */
	struct mlw_job_opts jo = { NULL, NULL, NULL, NULL, lookup_asset, ctx };
	struct mlw_option opts[] = {
		MLW_OPT_STRING('f', "file", &file, "FILE", "the job spec"),
		MLW_OPT_LIST(0, "set", &sets, "PATH=VALUE",
			     "override a field of the spec (repeatable)"),
		MLW_OPT_STRING('n', "name", &jo.name, "NAME",
			       "the job's name (default: generated)"),
		MLW_OPT_STRING('e', "experiment-name", &jo.experiment, "NAME",
			       "the experiment (default: the folder's name)"),
		MLW_OPT_STRING('d', "display-name", &jo.display_name, "NAME",
			       "a display name"),
		MLW_OPT_BOOL('s', "stream", &stream,
			     "follow the job's log until it ends"),
		MLW_OPT_BOOL(0, "wait", &wait, "wait until the job ends"),
		MLW_OPT_BOOL(0, "dry-run", &dry_run,
			     "resolve and bind, print the command, run nothing"),
		MLW_OPT_BOOL(0, "keep-workdir", &keep_workdir,
			     "keep .mlw/runs/NAME after the run, for debugging"),
		MLW_OPT_INT(0, "max-concurrent-steps", &max_steps, "N",
			    "a pipeline's steps run N at once (default: CPUs)"),
		MLW_OPT_STRING(0, "query", &query, "JMESPATH",
			       "print only this part of the result"),
		MLW_OPT_END()
	};
	struct mlw_spec *spec = NULL;

	if (cmd_parse(ctx, argc, argv, opts, usage) > 0 || !file) {
		mlw_strlist_release(&sets);
		return cmd_usage_error(usage, opts, file ? "unexpected operand" :
				       "no spec file (use -f FILE)");
	}
	if (max_steps != INT64_MIN && (max_steps < 1 || max_steps > 4096)) {
		mlw_strlist_release(&sets);
		return cmd_usage_error(usage, opts, "--max-concurrent-steps "
				       "takes 1 to 4096");
	}
	if (query)
		ctx->query = query;
	ret = check_names(jo.name, jo.experiment);
	if (!ret) {
		cmd_repo(ctx);
		ret = load_spec(&spec, file, &sets);
	} else {
		ret = cmd_fail(ret);
	}
	mlw_strlist_release(&sets);
	if (!ret && max_steps != INT64_MIN &&
	    mlw_spec_kind(spec) != MLW_SPEC_PIPELINE_JOB)
		cmd_warn(ctx, "--max-concurrent-steps is for pipeline jobs; "
			 "'%s' is a %s", file, mlw_spec_kind_name(spec->kind));
	if (!ret) {
		struct mlw_job_create_request req;
		struct mlw_job_create *c = NULL;
		char *components = cmd_components_dir();

		memset(&req, 0, sizeof(req));
		req.repo = cmd_repo(ctx);
		req.spec = spec;
		req.opts = jo;
		req.keep_workdir = keep_workdir ||
				   getenv("MLW_KEEP_WORKDIR") != NULL;
		req.max_concurrent_steps = max_steps > 0 ? (int)max_steps : 0;
		req.components_dir = components;
		ret = mlw_job_create_prepare(&c, &req);
		ret = ret ? cmd_fail(ret) : create(ctx, c, dry_run, stream,
						   wait);
		mlw_job_create_free(c);
		free(components);
	}
	mlw_spec_free(spec);
	return ret;
}
