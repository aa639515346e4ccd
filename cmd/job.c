/*
 * job.c - 'mlw job': create, list, show, stream, cancel, download,
 * archive, restore, update and validate command jobs.
 *
 * 'create' prepares the run (everything that can be wrong with the spec
 * or its inputs is reported before anything is recorded), records it and
 * forks its supervisor (mlw_job_start()), which records it, then returns
 * at once with the job's name, or follows it with --stream/--wait.
 */
#include "builtin.h"
#include "run/job.h"
#include "run/launch.h"
#include "run/notify.h"
#include "run/supervise.h"
#include "run/workdir.h"
#include "run/resolve.h"
#include "run/run.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "store/tree.h"
#include "sweep/job.h"
#include "sweep/record.h"
#include "sweep/sweep.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/query.h"
#include "util/name.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void reaped(const char *name, void *data)
{
	struct mlw_ctx *ctx = data;

	cmd_warn(ctx, "job '%s': its supervisor died; marked Failed", name);
}

/* the catalog, after marking runs whose supervisor died as Failed */
static struct mlw_catalog *job_catalog(struct mlw_ctx *ctx)
{
	struct mlw_catalog *cat = cmd_catalog(ctx);
	int ret = mlw_job_reap(cmd_repo(ctx), reaped, ctx);

	if (ret)
		exit(cmd_fail(ret));
	return cat;
}

/* azureml: inputs, through the catalog, opened only when one is asked */
static int lookup_asset(struct mlw_oid *out, char **type, char **file_name,
			const struct mlw_ref *ref, void *data)
{
	return mlw_run_resolve_asset(out, type, file_name, ref,
				     cmd_catalog(data));
}

static int print_out(struct mlw_ctx *ctx, struct mlw_out *o,
		     enum mlw_format fallback, const char *query)
{
	int ret;

	if (query)
		ret = mlw_query_print(o, query, ctx->format, stdout);
	else
		return cmd_print(ctx, o, fallback);
	if (ret)
		return cmd_fail(ret);
	return 0;
}

static void out_opt_str(struct mlw_out *o, const char *key, const char *v)
{
	if (v)
		mlw_out_str(o, key, v);
	else
		mlw_out_null(o, key);
}

static void out_opt_time(struct mlw_out *o, const char *key, double t)
{
	if (t)
		mlw_out_time(o, key, t);
	else
		mlw_out_null(o, key);
}

/* the fields of one run, as 'job show' and 'job list -o json' give them */
static void out_run(struct mlw_out *o, const struct mlw_run *run,
		    int details)
{
	double end = run->times[MLW_RUN_ENDED_TIME];
	double start = run->times[MLW_RUN_RUNNING];
	size_t i;

	mlw_out_str(o, "name", run->name);
	out_opt_str(o, "display_name", run->display_name);
	mlw_out_str(o, "experiment_name", run->experiment);
	mlw_out_str(o, "type", run->type);
	mlw_out_str(o, "status", mlw_run_status_name(run->status));
	out_opt_str(o, "parent_job_name", run->parent);
	mlw_out_time(o, "created", run->times[MLW_RUN_NOT_STARTED]);
	out_opt_time(o, "start_time", start);
	out_opt_time(o, "end_time", end);
	if (start && end)
		mlw_out_num(o, "duration", end - start);
	else
		mlw_out_null(o, "duration");
	mlw_out_str(o, "compute", run->compute ? run->compute : "local");
	if (run->has_exit_code)
		mlw_out_int(o, "exit_code", run->exit_code);
	else
		mlw_out_null(o, "exit_code");
	mlw_out_bool(o, "archived", run->archived);
	if (!details)
		return;
	out_opt_str(o, "description", run->description);
	out_opt_str(o, "command", run->command);
	out_opt_str(o, "environment", run->environment);
	out_opt_str(o, "code", run->code);
	out_opt_str(o, "spec", run->spec);
	out_opt_str(o, "log", run->log);
	out_opt_str(o, "error", run->error);
	mlw_out_object_begin(o, "times");
	for (i = MLW_RUN_NOT_STARTED; i <= MLW_RUN_FINALIZING; i++)
		out_opt_time(o, mlw_run_status_name(i), run->times[i]);
	out_opt_time(o, "Ended", end);
	mlw_out_end(o);
	mlw_out_object_begin(o, "properties");
	if (run->git_repository || run->git_commit) {
		out_opt_str(o, "azureml.git.repository_uri",
			    run->git_repository);
		out_opt_str(o, "azureml.git.branch", run->git_branch);
		out_opt_str(o, "azureml.git.commit", run->git_commit);
		mlw_out_str(o, "azureml.git.dirty",
			    run->git_dirty > 0 ? "True" : "False");
	}
	mlw_out_end(o);
	mlw_out_object_begin(o, "inputs");
	for (i = 0; i < run->nr_inputs; i++) {
		const struct mlw_run_io *io = &run->inputs[i];

		mlw_out_object_begin(o, io->name);
		mlw_out_str(o, "type", io->type);
		out_opt_str(o, io->object ? "path" : "value", io->value);
		if (io->object)
			mlw_out_str(o, "object", io->object);
		mlw_out_end(o);
	}
	mlw_out_end(o);
	mlw_out_object_begin(o, "outputs");
	for (i = 0; i < run->nr_outputs; i++) {
		const struct mlw_run_io *io = &run->outputs[i];
		char *path = mlw_xstrfmt("azureml:jobs/%s/outputs/%s",
					 run->name, io->name);

		mlw_out_object_begin(o, io->name);
		mlw_out_str(o, "type", io->type);
		mlw_out_str(o, "path", path);
		out_opt_str(o, "object", io->object);
		mlw_out_end(o);
		free(path);
	}
	mlw_out_end(o);
	mlw_out_object_begin(o, "params");
	for (i = 0; i < run->nr_params; i++)
		mlw_out_str(o, run->params[i].key, run->params[i].value);
	mlw_out_end(o);
	mlw_out_object_begin(o, "metrics");
	for (i = 0; i < run->nr_metrics; i++)
		mlw_out_num(o, run->metrics[i].key, run->metrics[i].value);
	mlw_out_end(o);
	mlw_out_object_begin(o, "tags");
	for (i = 0; i < run->nr_tags; i++)
		mlw_out_str(o, run->tags[i].key, run->tags[i].value);
	mlw_out_end(o);
	mlw_out_object_begin(o, "artifacts");
	for (i = 0; i < run->nr_artifacts; i++)
		mlw_out_str(o, run->artifacts[i].key, run->artifacts[i].value);
	mlw_out_end(o);
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

/* the same, from the catalog */
static int final_status(struct mlw_ctx *ctx, const char *name, int print)
{
	struct mlw_run *run;
	int ret = mlw_run_get(&run, job_catalog(ctx), name);

	if (ret)
		return cmd_fail(ret);
	ret = report_status(ctx, name, run->status, run->error, print);
	mlw_run_free(run);
	return ret;
}

static int stream_run(struct mlw_ctx *ctx, const char *name)
{
	int ret = mlw_run_stream(cmd_repo(ctx), name, 1, reaped, ctx);

	if (ret)
		return cmd_fail(ret);
	return final_status(ctx, name, 0);
}

static void print_warnings(struct mlw_ctx *ctx, struct mlw_job *job)
{
	size_t i;

	for (i = 0; i < job->warnings.nr; i++)
		cmd_warn(ctx, "%s", job->warnings.items[i]);
}

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

		/* missing paths are checked for real below */
		if (x->warning)
			continue;
		cmd_error("%s:%d:%d: %s", x->source ? x->source : spec->path,
			  x->line, x->col, x->msg);
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

/* create --dry-run: snapshot the code, bind, print the command */
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

/* --name of a job that exists: nothing is recorded (exit 2) */
static int job_exists(struct mlw_ctx *ctx, const char *name)
{
	struct mlw_run *old;

	if (!mlw_run_get(&old, job_catalog(ctx), name)) {
		mlw_run_free(old);
		cmd_error("job '%s' already exists", name);
		return 1;
	}
	mlw_error_clear();
	return 0;
}

/*
 * In the supervisor process: SIGTERM (mlw job cancel), SIGINT and SIGHUP
 * cancel the run, through this flag; nothing reads from the supervisor
 * through a pipe it could die writing to.
 */
static atomic_int cancel_requested;

static void on_cancel(int sig)
{
	atomic_store(&cancel_requested, 1);
}

static void in_supervisor(void *data)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_cancel;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: the supervisor's waits return to look at it */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * A job's command "mlw ..." runs in a forked child of its supervisor:
 * the whole command line, its exit handlers run (exit, not return).
 */
static int run_builtin(int argc, const char **argv)
{
	exit(cmd_main(argc, argv));
}

/* the name, or {name, status, experiment_name} with -o or --query */
static int print_queued(struct mlw_ctx *ctx, const struct mlw_job *job,
			const char *query)
{
	struct mlw_out *o;
	int ret;

	if (!query && ctx->format == MLW_FMT_DEFAULT) {
		printf("%s\n", job->name);
		return cmd_finish_stdout(0);
	}
	o = mlw_out_new();
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", job->name);
	mlw_out_str(o, "status", "Queued");
	mlw_out_str(o, "experiment_name", job->experiment);
	mlw_out_end(o);
	ret = cmd_finish_stdout(print_out(ctx, o, MLW_FMT_JSON, query));
	mlw_out_free(o);
	return ret;
}

/* --wait and --stream: follow the run to its end, say how it ended */
static int follow(struct mlw_ctx *ctx, struct mlw_job_watch *w,
		  const struct mlw_job *job, int stream)
{
	enum mlw_run_status status;
	char *log = stream ? mlw_job_log_path(cmd_repo(ctx), job->name) : NULL;
	char *why;
	int log_fd = log ? open(log, O_RDONLY | O_CLOEXEC) : -1, ret = 0;

	free(log);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: job '%s' started\n", job->name);
	if (log_fd >= 0) {
		if (mlw_job_watch_follow(w, log_fd, 1))
			ret = 128;
		close(log_fd);
	} else {
		mlw_job_watch_wait(w);
	}
	if (!ret && mlw_job_watch_status(w, &status, &why)) {
		ret = report_status(ctx, job->name, status, why, 1);
		free(why);
	} else if (!ret) {
		ret = final_status(ctx, job->name, 1);
	}
	mlw_job_watch_release(w);
	return ret;
}

/* the run's document after --wait/--stream with -o or --query */
static void print_ended(struct mlw_ctx *ctx, const char *name,
			const char *query)
{
	struct mlw_run *run;

	if (!mlw_run_get(&run, job_catalog(ctx), name)) {
		struct mlw_out *o = mlw_out_new();

		mlw_run_load_details(job_catalog(ctx), run);
		mlw_out_object_begin(o, NULL);
		out_run(o, run, 1);
		mlw_out_end(o);
		print_out(ctx, o, MLW_FMT_JSON, query);
		mlw_out_free(o);
		mlw_run_free(run);
	}
}

/*
 * snapshot the code, start the supervisor (a sweep's when sweep is set),
 * follow it if asked
 */
static int create_run(struct mlw_ctx *ctx, struct mlw_job *job,
		      struct mlw_sweep_job *sweep, int stream, int wait,
		      const char *query)
{
	const struct mlw_executor *executors[1];
	struct mlw_job_start_opts so;
	struct mlw_executor builtin;
	struct mlw_job_watch w;
	int ret = mlw_job_snapshot_code(job);

	if (ret)
		return cmd_fail(ret);
	mlw_executor_builtin_init(&builtin, run_builtin);
	executors[0] = &builtin;
	memset(&so, 0, sizeof(so));
	so.executors = executors;
	so.nr_executors = 1;
	so.cancel = &cancel_requested;
	so.in_supervisor = in_supervisor;
	/* the supervisor records the run; it says how that went first */
	ret = sweep ? mlw_sweep_job_submit(&w, sweep, &so) :
	      mlw_job_submit(&w, job, &so);
	if (ret)
		return cmd_fail(ret);
	if (ctx->verbose && job->has_code)
		print_code(job, job->code_reused ? "kept working copy reused" :
			   "checked out");
	if (!stream && !wait) {
		mlw_job_watch_release(&w);
		return print_queued(ctx, job, query);
	}
	ret = follow(ctx, &w, job, stream);
	if (query || ctx->format != MLW_FMT_DEFAULT)
		print_ended(ctx, job->name, query);
	else if (!stream)
		printf("%s\n", job->name);
	return cmd_finish_stdout(ret);
}

static int job_create(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw job create -f FILE [--set PATH=VALUE...] [--name NAME] "
		"[--stream | --wait] [--dry-run]", NULL
	};
	const char *file = NULL, *name = NULL, *experiment = NULL;
	const char *display = NULL, *query = NULL;
	struct mlw_strlist sets = MLW_STRLIST_INIT;
	int stream = 0, wait = 0, dry_run = 0, keep_workdir = 0, ret;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('f', "file", &file, "FILE", "the job spec"),
		MLW_OPT_LIST(0, "set", &sets, "PATH=VALUE",
			     "override a field of the spec (repeatable)"),
		MLW_OPT_STRING('n', "name", &name, "NAME",
			       "the job's name (default: generated)"),
		MLW_OPT_STRING('e', "experiment-name", &experiment, "NAME",
			       "the experiment (default: the folder's name)"),
		MLW_OPT_STRING('d', "display-name", &display, "NAME",
			       "a display name"),
		MLW_OPT_BOOL('s', "stream", &stream,
			     "follow the job's log until it ends"),
		MLW_OPT_BOOL(0, "wait", &wait, "wait until the job ends"),
		MLW_OPT_BOOL(0, "dry-run", &dry_run,
			     "resolve and bind, print the command, run nothing"),
		MLW_OPT_BOOL(0, "keep-workdir", &keep_workdir,
			     "keep .mlw/runs/NAME after the run, for debugging"),
		MLW_OPT_STRING(0, "query", &query, "JMESPATH",
			       "print only this part of the result"),
		MLW_OPT_END()
	};
	struct mlw_job_opts jopts;
	struct mlw_spec *spec = NULL;
	struct mlw_job *job = NULL;
	struct mlw_sweep_job *sweep = NULL;

	if (cmd_parse(ctx, argc, argv, opts, usage) > 0)
		return cmd_usage_error(usage, opts, "unexpected operand");
	if (!file) {
		mlw_strlist_release(&sets);
		return cmd_usage_error(usage, opts, "no spec file (use -f FILE)");
	}
	if (check_names(name, experiment)) {
		mlw_strlist_release(&sets);
		return cmd_fail(MLW_EINVALID);
	}
	cmd_repo(ctx);
	ret = load_spec(&spec, file, &sets);
	mlw_strlist_release(&sets);
	if (ret)
		return ret;
	memset(&jopts, 0, sizeof(jopts));
	jopts.name = name;
	jopts.experiment = experiment;
	jopts.display_name = display;
	jopts.asset_lookup = lookup_asset;
	jopts.asset_data = ctx;
	/* sweeps and AutoML: their run is a job too, their supervisor own */
	if (mlw_sweep_job_is(spec)) {
		ret = mlw_sweep_job_prepare(&sweep, cmd_repo(ctx), spec,
					    &jopts);
		job = sweep ? mlw_sweep_job_run(sweep) : NULL;
	} else {
		ret = mlw_job_prepare(&job, cmd_repo(ctx), spec, &jopts);
	}
	if (ret) {
		ret = cmd_fail(ret);
		goto out;
	}
	print_warnings(ctx, job);
	job->keep_workdir = keep_workdir || getenv("MLW_KEEP_WORKDIR");
	if (dry_run)
		ret = create_dry_run(ctx, job);
	else if (name && job_exists(ctx, name))
		ret = 2;
	else
		ret = create_run(ctx, job, sweep, stream, wait, query);
out:
	if (sweep)
		mlw_sweep_job_free(sweep);
	else
		mlw_job_free(job);
	mlw_spec_free(spec);
	return ret;
}

static int one_name(struct mlw_ctx *ctx, int argc, const char **argv,
		    const struct mlw_option *opts, const char *const *usage,
		    const char **name)
{
	int n = cmd_parse(ctx, argc, argv, opts, usage);

	if (n == 1 && !*name)
		*name = argv[0];
	else if (n != 0 || !*name)
		exit(cmd_usage_error(usage, opts, "one job name expected"));
	return 0;
}

/*
 * --metrics in json or yaml: the history is written a point at a time
 * (a million points took 1.1 GB as one output tree).  Each point is
 * rendered by the output layer on its own and indented to where the tree
 * would have put it, so the text is the same as the tree's.
 */
struct history {
	enum mlw_format fmt;
	FILE *fp;
	size_t nr;
	struct mlw_buf line;
};

static int render(struct mlw_buf *b, struct mlw_out *o, enum mlw_format fmt)
{
	mlw_buf_reset(b);
	return mlw_out_render(o, fmt, b, 0);
}

static int history_point(const struct mlw_run_metric *m, void *data)
{
	struct history *h = data;
	struct mlw_out *o = mlw_out_new();
	const char *p, *nl;
	int ret;

	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "key", m->key);
	mlw_out_int(o, "step", m->step);
	mlw_out_num(o, "value", m->value);
	mlw_out_time(o, "timestamp", m->time);
	mlw_out_end(o);
	ret = render(&h->line, o, h->fmt);
	mlw_out_free(o);
	if (ret)
		return ret;
	mlw_buf_rtrim(&h->line);
	if (h->fmt == MLW_FMT_JSON)
		fputs(h->nr ? ",\n" : "\n", h->fp);
	else if (!h->nr)
		putc('\n', h->fp);
	for (p = h->line.buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (h->fmt == MLW_FMT_JSON)
			fputs("    ", h->fp);
		else
			fputs(p == h->line.buf ? "  - " : "    ", h->fp);
		fwrite(p, 1, nl ? (size_t)(nl - p) : strlen(p), h->fp);
		if (!nl)
			break;
		putc('\n', h->fp);
	}
	if (h->fmt != MLW_FMT_JSON)
		putc('\n', h->fp);
	h->nr++;
	return ferror(h->fp) ? mlw_error_errno("cannot write output") : 0;
}

static int show_streamed(struct mlw_catalog *cat, struct mlw_out *o,
			 const struct mlw_run *run, enum mlw_format fmt)
{
	struct history h = { fmt, stdout, 0, MLW_BUF_INIT };
	struct mlw_buf head = MLW_BUF_INIT;
	int ret = render(&head, o, fmt);

	if (!ret) {
		mlw_buf_rtrim(&head);
		if (fmt == MLW_FMT_JSON) {
			/* the object without its closing brace */
			mlw_buf_setlen(&head, head.len - 1);
			mlw_buf_rtrim(&head);
			printf("%s,\n  \"metric_history\": [", head.buf);
		} else {
			printf("%s\nmetric_history:", head.buf);
		}
		fflush(stdout);
		ret = mlw_run_metric_foreach(cat, run->id, NULL,
					     history_point, &h);
	}
	if (!ret) {
		if (fmt == MLW_FMT_JSON)
			fputs(h.nr ? "\n  ]\n}\n" : "]\n}\n", stdout);
		else if (!h.nr)
			fputs(" []\n", stdout);
	}
	mlw_buf_release(&head);
	mlw_buf_release(&h.line);
	return ret;
}

static int job_show(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw job show [-n] NAME [--metrics] [--query JMESPATH]", NULL
	};
	const char *name = NULL, *query = NULL;
	int metrics = 0, ret;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the job"),
		MLW_OPT_BOOL(0, "metrics", &metrics,
			     "the full history of every metric"),
		MLW_OPT_STRING(0, "query", &query, "JMESPATH",
			       "print only this part of the result"),
		MLW_OPT_END()
	};
	struct mlw_catalog *cat;
	struct mlw_run *run;
	struct mlw_out *o;

	one_name(ctx, argc, argv, opts, usage, &name);
	cat = job_catalog(ctx);
	ret = mlw_run_get(&run, cat, name);
	if (!ret)
		ret = mlw_run_load_details(cat, run);
	if (ret)
		return cmd_fail(ret);
	o = mlw_out_new();
	mlw_out_object_begin(o, NULL);
	out_run(o, run, 1);
	ret = mlw_sweep_describe(o, cat, run);
	if (ret) {
		mlw_out_free(o);
		mlw_run_free(run);
		return cmd_fail(ret);
	}
	if (metrics && !query && (ctx->format == MLW_FMT_DEFAULT ||
				  ctx->format == MLW_FMT_JSON ||
				  ctx->format == MLW_FMT_YAML)) {
		mlw_out_end(o);
		ret = show_streamed(cat, o, run, ctx->format == MLW_FMT_JSON ?
				    MLW_FMT_JSON : MLW_FMT_YAML);
		mlw_out_free(o);
		mlw_run_free(run);
		if (ret)
			return cmd_fail(ret);
		return cmd_finish_stdout(0);
	}
	if (metrics) {
		struct mlw_run_metric *m;
		size_t nr, i;

		ret = mlw_run_metric_history(&m, &nr, cat, run->id, NULL);
		if (ret) {
			mlw_out_free(o);
			mlw_run_free(run);
			return cmd_fail(ret);
		}
		mlw_out_list_begin(o, "metric_history");
		for (i = 0; i < nr; i++) {
			mlw_out_object_begin(o, NULL);
			mlw_out_str(o, "key", m[i].key);
			mlw_out_int(o, "step", m[i].step);
			mlw_out_num(o, "value", m[i].value);
			mlw_out_time(o, "timestamp", m[i].time);
			mlw_out_end(o);
		}
		mlw_out_end(o);
		mlw_run_metrics_free(m, nr);
	}
	mlw_out_end(o);
	ret = print_out(ctx, o, MLW_FMT_YAML, query);
	mlw_out_free(o);
	mlw_run_free(run);
	return cmd_finish_stdout(ret);
}

struct list_rows {
	struct mlw_out *o;
	int full;		/* every field, as 'job show' without details */
};

static int list_row(struct mlw_run *run, void *data)
{
	struct list_rows *lr = data;
	struct mlw_out *o = lr->o;

	mlw_out_object_begin(o, NULL);
	if (lr->full) {
		out_run(o, run, 0);
	} else {
		mlw_out_str(o, "name", run->name);
		mlw_out_str(o, "experiment_name", run->experiment);
		mlw_out_str(o, "status", mlw_run_status_name(run->status));
		mlw_out_time(o, "created", run->times[MLW_RUN_NOT_STARTED]);
	}
	mlw_out_end(o);
	mlw_run_free(run);
	return 0;
}

static int job_list(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw job list [--experiment-name E] [--status S] [--tag K=V] "
		"[--max-results N] [--order-by metrics.X]", NULL
	};
	const char *experiment = NULL, *parent = NULL, *status = NULL;
	const char *tag = NULL, *order = NULL, *query = NULL;
	int64_t max = 50;
	int all = 0, archived = 0, ret;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('e', "experiment-name", &experiment, "NAME",
			       "only this experiment's jobs"),
		MLW_OPT_STRING('p', "parent-job-name", &parent, "NAME",
			       "only the children of this job"),
		MLW_OPT_STRING(0, "status", &status, "STATUS",
			       "only jobs in this status"),
		MLW_OPT_STRING(0, "tag", &tag, "KEY[=VALUE]",
			       "only jobs with this tag"),
		MLW_OPT_INT('r', "max-results", &max, "N",
			    "at most N jobs (default 50)"),
		MLW_OPT_BOOL(0, "all-results", &all, "every job"),
		MLW_OPT_STRING(0, "order-by", &order, "metrics.X[ asc|desc]",
			       "by the last value of a metric"),
		MLW_OPT_BOOL(0, "include-archived", &archived,
			     "list archived jobs too"),
		MLW_OPT_STRING(0, "query", &query, "JMESPATH",
			       "print only this part of the result"),
		MLW_OPT_END()
	};
	struct mlw_run_filter f;
	struct list_rows lr;
	char *tag_key = NULL, *metric = NULL;
	struct mlw_out *o;

	if (cmd_parse(ctx, argc, argv, opts, usage) > 0)
		return cmd_usage_error(usage, opts, "unexpected operand");
	memset(&f, 0, sizeof(f));
	f.experiment = experiment;
	f.parent = parent;
	f.status = -1;
	f.include_archived = archived;
	f.max_results = all ? 0 : max;
	if (status) {
		enum mlw_run_status s;

		if (mlw_run_status_parse(&s, status))
			return cmd_usage_error(usage, opts, "%s",
					       mlw_error_last());
		f.status = s;
	}
	if (tag) {
		const char *eq = strchr(tag, '=');

		tag_key = eq ? mlw_strndup(tag, (size_t)(eq - tag)) :
			  mlw_strdup(tag);
		f.tag_key = tag_key;
		f.tag_value = eq ? eq + 1 : NULL;
	}
	if (order) {
		const char *sp = strchr(order, ' ');

		if (!mlw_starts_with(order, "metrics.") || !order[8]) {
			free(tag_key);
			return cmd_usage_error(usage, opts, "--order-by takes "
					       "metrics.NAME [asc|desc]");
		}
		metric = sp ? mlw_strndup(order + 8, (size_t)(sp - order - 8)) :
			 mlw_strdup(order + 8);
		f.order_metric = metric;
		f.ascending = sp && !strcmp(sp + 1, "asc");
	}
	/*
	 * Rows go out as the catalog yields them: with -o tsv each is
	 * written and dropped at once, a table keeps text, not runs.
	 */
	o = query ? mlw_out_new() : cmd_out_list(ctx, MLW_FMT_TABLE);
	lr.o = o;
	lr.full = ctx->format == MLW_FMT_JSON || ctx->format == MLW_FMT_YAML
		  || query;
	f.brief = !lr.full;
	mlw_out_list_begin(o, NULL);
	ret = mlw_run_foreach(job_catalog(ctx), &f, list_row, &lr);
	free(tag_key);
	free(metric);
	if (ret) {
		mlw_out_free(o);
		return cmd_fail(ret);
	}
	mlw_out_end(o);
	ret = print_out(ctx, o, MLW_FMT_TABLE, query);
	mlw_out_free(o);
	return cmd_finish_stdout(ret);
}

static int job_stream(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = { "mlw job stream [-n] NAME", NULL };
	const char *name = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the job"),
		MLW_OPT_END()
	};

	one_name(ctx, argc, argv, opts, usage, &name);
	return stream_run(ctx, name);
}

static int job_cancel(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = { "mlw job cancel [-n] NAME", NULL };
	const char *name = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the job"),
		MLW_OPT_END()
	};
	int ret;

	one_name(ctx, argc, argv, opts, usage, &name);
	job_catalog(ctx);
	ret = mlw_job_cancel(cmd_repo(ctx), name, 30);
	if (ret == MLW_EEXISTS) {
		cmd_error("%s", mlw_error_last());
		return 1;
	}
	return ret ? cmd_fail(ret) : 0;
}

static int set_archived(int argc, const char **argv, struct mlw_ctx *ctx,
			const char *verb, const char *value)
{
	char u[64];
	const char *usage[] = { u, NULL };
	const char *name = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the job"),
		MLW_OPT_END()
	};
	int ret;

	snprintf(u, sizeof(u), "mlw job %s [-n] NAME", verb);
	one_name(ctx, argc, argv, opts, usage, &name);
	ret = mlw_run_set_field(job_catalog(ctx), name, "archived", value);
	return ret ? cmd_fail(ret) : 0;
}

static int job_archive(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return set_archived(argc, argv, ctx, "archive", "1");
}

static int job_restore(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return set_archived(argc, argv, ctx, "restore", "0");
}

static int job_update(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw job update [-n] NAME --set tags.K=V --set description=TEXT",
		NULL
	};
	const char *name = NULL;
	struct mlw_strlist sets = MLW_STRLIST_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the job"),
		MLW_OPT_LIST(0, "set", &sets, "FIELD=VALUE",
			     "tags.KEY, description or display_name "
			     "(repeatable)"),
		MLW_OPT_END()
	};
	struct mlw_catalog *cat;
	struct mlw_run *run;
	size_t i;
	int ret;

	one_name(ctx, argc, argv, opts, usage, &name);
	cat = job_catalog(ctx);
	ret = mlw_run_get(&run, cat, name);
	if (ret) {
		mlw_strlist_release(&sets);
		return cmd_fail(ret);
	}
	ret = mlw_catalog_begin(cat);
	for (i = 0; !ret && i < sets.nr; i++) {
		char *eq = strchr(sets.items[i], '=');

		if (!eq) {
			ret = mlw_error_setc(MLW_EINVALID, "--set '%s': expected "
					     "FIELD=VALUE", sets.items[i]);
			break;
		}
		*eq = '\0';
		if (mlw_starts_with(sets.items[i], "tags.") &&
		    sets.items[i][5])
			ret = mlw_run_set_tag(cat, run->id, sets.items[i] + 5,
					      eq + 1);
		else if (!strcmp(sets.items[i], "description") ||
			 !strcmp(sets.items[i], "display_name"))
			ret = mlw_run_set_field(cat, name, sets.items[i],
						eq + 1);
		else
			ret = mlw_error_setc(MLW_EINVALID, "--set: '%s' cannot "
					     "be updated (tags.KEY, "
					     "description, display_name)",
					     sets.items[i]);
	}
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	mlw_run_free(run);
	mlw_strlist_release(&sets);
	return ret ? cmd_fail(ret) : 0;
}

static int job_download(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw job download [-n] NAME [--output-name O | --all] "
		"[--download-path DIR]", NULL
	};
	const char *name = NULL, *output = NULL, *dest = ".";
	int all = 0, ret = 0, found = 0;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the job"),
		MLW_OPT_STRING(0, "output-name", &output, "NAME",
			       "this named output (default: the logs)"),
		MLW_OPT_BOOL(0, "all", &all, "every output and the logs"),
		MLW_OPT_STRING('p', "download-path", &dest, "DIR",
			       "where to put them (default: .)"),
		MLW_OPT_END()
	};
	struct mlw_catalog *cat;
	struct mlw_run *run;
	size_t i;

	one_name(ctx, argc, argv, opts, usage, &name);
	cat = job_catalog(ctx);
	ret = mlw_run_get(&run, cat, name);
	if (!ret)
		ret = mlw_run_load_details(cat, run);
	if (ret)
		return cmd_fail(ret);
	for (i = 0; !ret && i < run->nr_outputs; i++) {
		const struct mlw_run_io *io = &run->outputs[i];
		struct mlw_oid oid;
		char *dir;

		if (!all && (!output || strcmp(output, io->name)))
			continue;
		found = 1;
		if (!io->object) {
			ret = mlw_error_setc(MLW_ENOTFOUND, "output '%s' of "
					     "job '%s' was not collected "
					     "(the job has not ended)",
					     io->name, name);
			break;
		}
		/* the catalog is read back: its names are checked again */
		ret = mlw_name_check(MLW_NAME_OUTPUT, io->name);
		if (ret) {
			ret = mlw_error_recode(MLW_ECORRUPT);
			break;
		}
		dir = mlw_xstrfmt("%s/named-outputs/%s", dest, io->name);
		ret = mlw_oid_from_hex(&oid, io->object);
		if (!ret)
			ret = mlw_tree_checkout(cmd_odb(ctx), &oid, dir, 0);
		free(dir);
	}
	if (!ret && output && !found)
		ret = mlw_error_setc(MLW_ENOTFOUND, "job '%s' has no output "
				     "'%s'", name, output);
	if (!ret && !output && run->log) {
		struct mlw_oid oid;

		ret = mlw_oid_from_hex(&oid, run->log);
		if (!ret)
			ret = mlw_blob_checkout(cmd_odb(ctx), &oid, dest,
						"artifacts/user_logs/"
						"std_log.txt");
	}
	for (i = 0; !ret && !output && i < run->nr_artifacts; i++) {
		char *rel = mlw_xstrfmt("artifacts/%s", run->artifacts[i].key);
		struct mlw_oid oid;

		ret = mlw_name_check_path("artifact name",
					  run->artifacts[i].key);
		if (ret)
			ret = mlw_error_recode(MLW_ECORRUPT);
		if (!ret)
			ret = mlw_oid_from_hex(&oid, run->artifacts[i].value);
		if (!ret)
			ret = mlw_blob_checkout(cmd_odb(ctx), &oid, dest, rel);
		free(rel);
	}
	mlw_run_free(run);
	return ret ? cmd_fail(ret) : 0;
}

static int job_validate(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return cmd_spec_validate(ctx, argc, argv, "job");
}

static const struct cmd_verb job_verbs[] = {
	{ "archive", job_archive, "hide a job from lists" },
	{ "cancel", job_cancel, "stop a running job" },
	{ "create", job_create, "run a command job on this machine" },
	{ "download", job_download, "copy a job's outputs and logs" },
	{ "list", job_list, "list jobs, newest first" },
	{ "restore", job_restore, "undo archive" },
	{ "show", job_show, "a job's spec, status, inputs, outputs, metrics" },
	{ "stream", job_stream, "follow a job's log" },
	{ "update", job_update, "change a job's tags and description" },
	{ "validate", job_validate, "check spec files without running them" },
	{ NULL, NULL, NULL }
};

CMD(job)
{
	static const char *const usage[] = { "mlw job VERB [OPTIONS]", NULL };

	return cmd_dispatch(ctx, argc, argv, job_verbs, usage);
}
