/*
 * job.c - 'mlw job': list, show, stream, cancel, download, archive,
 * restore, update and validate command jobs; create is in job-run.c.
 *
 * Each verb parses its options, makes one lib/run call and prints the
 * result: the run's document (run/document.h) is the library's, so the
 * HTTP APIs print the same.
 */
#include "builtin.h"
#include "job-run.h"
#include "run/document.h"
#include "run/run.h"
#include "run/service.h"
#include "run/supervise.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

/* the single NAME (operand or -n) of a verb, or exit 2 */
static void one_name(struct mlw_ctx *ctx, int argc, const char **argv,
		     const struct mlw_option *opts, const char *const *usage,
		     const char **name)
{
	int n = cmd_parse(ctx, argc, argv, opts, usage);

	if (n == 1 && !*name)
		*name = argv[0];
	else if (n != 0 || !*name)
		exit(cmd_usage_error(usage, opts, "one job name expected"));
}

/*
 * --metrics in json or yaml: the history is written a point at a time
 * (a million points took 1.1 GB as one output tree).  Each point is
 * rendered by the output layer on its own and indented to where the tree
 * would have put it, so the text is the same as the tree's.
 */
struct history {
	enum mlw_format fmt;
	size_t nr;
	struct mlw_buf line;
};

static int history_point(const struct mlw_run_metric *m, void *data)
{
	struct history *h = data;
	struct mlw_out *o = mlw_out_new();
	const char *p, *nl;
	int ret, json = h->fmt == MLW_FMT_JSON;

	mlw_run_metric_point(o, m);
	mlw_buf_reset(&h->line);
	ret = mlw_out_render(o, h->fmt, &h->line, 0);
	mlw_out_free(o);
	if (ret)
		return ret;
	mlw_buf_rtrim(&h->line);
	fputs(json ? (h->nr ? ",\n" : "\n") : (h->nr ? "" : "\n"), stdout);
	for (p = h->line.buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		fputs(json || p != h->line.buf ? "    " : "  - ", stdout);
		fwrite(p, 1, nl ? (size_t)(nl - p) : strlen(p), stdout);
		if (!nl)
			break;
		putc('\n', stdout);
	}
	if (!json)
		putc('\n', stdout);
	h->nr++;
	return ferror(stdout) ? mlw_error_errno("cannot write output") : 0;
}

/* the document of o (not closed), then its metric_history streamed */
static int show_streamed(struct mlw_catalog *cat, struct mlw_out *o,
			 const struct mlw_run *run, enum mlw_format fmt)
{
	struct history h = { fmt, 0, MLW_BUF_INIT };
	struct mlw_buf head = MLW_BUF_INIT;
	int ret = mlw_out_render(o, fmt, &head, 0);

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
	if (!ret && fmt == MLW_FMT_JSON)
		fputs(h.nr ? "\n  ]\n}\n" : "]\n}\n", stdout);
	else if (!ret && !h.nr)
		fputs(" []\n", stdout);
	mlw_buf_release(&head);
	mlw_buf_release(&h.line);
	return ret;
}

/* --metrics in another format (or with --query): one tree */
static int add_history(struct mlw_out *o, struct mlw_catalog *cat,
		       const struct mlw_run *run)
{
	struct mlw_run_metric *m;
	size_t nr, i;
	int ret = mlw_run_metric_history(&m, &nr, cat, run->id, NULL);

	if (ret)
		return ret;
	mlw_out_list_begin(o, "metric_history");
	for (i = 0; i < nr; i++)
		mlw_run_metric_point(o, &m[i]);
	mlw_out_end(o);
	mlw_run_metrics_free(m, nr);
	return 0;
}

static int job_show(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw job show [-n] NAME [--metrics] [--graph dot|text] "
		"[--query JMESPATH]", NULL
	};
	const char *name = NULL, *query = NULL, *graph = NULL;
	int metrics = 0, ret;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the job"),
		MLW_OPT_BOOL(0, "metrics", &metrics,
			     "the full history of every metric"),
		MLW_OPT_STRING(0, "graph", &graph, "dot|text",
			       "a pipeline's graph, as Graphviz or text"),
		MLW_OPT_STRING(0, "query", &query, "JMESPATH",
			       "print only this part of the result"),
		MLW_OPT_END()
	};
	struct mlw_catalog *cat;
	struct mlw_run *run;
	struct mlw_out *o;

	one_name(ctx, argc, argv, opts, usage, &name);
	if (query)
		ctx->query = query;
	cat = cmd_job_catalog(ctx);
	ret = mlw_run_load(&run, cat, name);
	if (ret)
		return cmd_fail(ret);
	if (graph || (!strcmp(run->type, "pipeline") && !metrics &&
		      !ctx->query && ctx->format == MLW_FMT_DEFAULT)) {
		ret = cmd_pipeline_draw(ctx, run, graph);
		mlw_run_free(run);
		return ret;
	}
	o = mlw_out_new();
	mlw_out_object_begin(o, NULL);
	mlw_run_document_fields(o, run, MLW_RUN_DOC_DETAILS);
	cmd_pipeline_show(ctx, o, run);
	if (metrics && !ctx->query && (ctx->format == MLW_FMT_DEFAULT ||
				       ctx->format == MLW_FMT_JSON ||
				       ctx->format == MLW_FMT_YAML)) {
		mlw_out_end(o);
		ret = show_streamed(cat, o, run, ctx->format == MLW_FMT_JSON ?
				    MLW_FMT_JSON : MLW_FMT_YAML);
		ret = ret ? cmd_fail(ret) : 0;
	} else {
		ret = metrics ? add_history(o, cat, run) : 0;
		mlw_out_end(o);
		ret = ret ? cmd_fail(ret) : cmd_print(ctx, o, MLW_FMT_YAML);
	}
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

	if (lr->full)
		mlw_run_document(lr->o, run, 0);
	else
		mlw_run_row(lr->o, run);
	mlw_run_free(run);
	return 0;
}

static int job_list(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw job list [--experiment-name E] [--status S] [--tag K=V] "
		"[--max-results N] [--order-by metrics.X]", NULL
	};
	struct mlw_run_list_request rq = { NULL, NULL, NULL, NULL, NULL, 0,
					   50, 0 };
	const char *query = NULL;
	int all = 0, ret;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('e', "experiment-name", &rq.experiment, "NAME",
			       "only this experiment's jobs"),
		MLW_OPT_STRING('p', "parent-job-name", &rq.parent, "NAME",
			       "only the children of this job"),
		MLW_OPT_STRING(0, "status", &rq.status, "STATUS",
			       "only jobs in this status"),
		MLW_OPT_STRING(0, "tag", &rq.tag, "KEY[=VALUE]",
			       "only jobs with this tag"),
		MLW_OPT_INT('r', "max-results", &rq.max_results, "N",
			    "at most N jobs (default 50)"),
		MLW_OPT_BOOL(0, "all-results", &all, "every job"),
		MLW_OPT_STRING(0, "order-by", &rq.order_by,
			       "metrics.X[ asc|desc]",
			       "by the last value of a metric"),
		MLW_OPT_BOOL(0, "include-archived", &rq.include_archived,
			     "list archived jobs too"),
		MLW_OPT_STRING(0, "query", &query, "JMESPATH",
			       "print only this part of the result"),
		MLW_OPT_END()
	};
	struct list_rows lr;

	if (cmd_parse(ctx, argc, argv, opts, usage) > 0)
		return cmd_usage_error(usage, opts, "unexpected operand");
	if (query)
		ctx->query = query;
	if (all)
		rq.max_results = 0;
	/*
	 * Rows go out as the catalog yields them: with -o tsv each is
	 * written and dropped at once, a table keeps text, not runs.
	 */
	lr.o = cmd_out_list(ctx, MLW_FMT_TABLE);
	lr.full = ctx->format == MLW_FMT_JSON || ctx->format == MLW_FMT_YAML
		  || ctx->query;
	rq.brief = !lr.full;
	mlw_out_list_begin(lr.o, NULL);
	ret = mlw_run_list_each(cmd_job_catalog(ctx), &rq, list_row, &lr);
	if (ret == MLW_EINVALID) {
		mlw_out_free(lr.o);
		return cmd_usage_error(usage, opts, "%s", mlw_error_last());
	}
	mlw_out_end(lr.o);
	ret = ret ? cmd_fail(ret) : cmd_print(ctx, lr.o, MLW_FMT_TABLE);
	mlw_out_free(lr.o);
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
	return cmd_job_stream_run(ctx, name);
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
	cmd_job_catalog(ctx);
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
	ret = mlw_run_set_field(cmd_job_catalog(ctx), name, "archived", value);
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
	int ret;

	one_name(ctx, argc, argv, opts, usage, &name);
	ret = mlw_run_update(cmd_job_catalog(ctx), name,
			     (const char *const *)sets.items, sets.nr);
	mlw_strlist_release(&sets);
	return ret ? cmd_fail(ret) : 0;
}

static int job_download(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw job download [-n] NAME [--output-name O | --all] "
		"[--download-path DIR]", NULL
	};
	struct mlw_run_download_request rq = { NULL, NULL, 0, "." };
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &rq.name, "NAME", "the job"),
		MLW_OPT_STRING(0, "output-name", &rq.output, "NAME",
			       "this named output (default: the logs)"),
		MLW_OPT_BOOL(0, "all", &rq.all, "every output and the logs"),
		MLW_OPT_STRING('p', "download-path", &rq.dest, "DIR",
			       "where to put them (default: .)"),
		MLW_OPT_END()
	};
	int ret;

	one_name(ctx, argc, argv, opts, usage, &rq.name);
	ret = mlw_run_download(cmd_job_catalog(ctx), cmd_odb(ctx), &rq);
	return ret ? cmd_fail(ret) : 0;
}

static int job_validate(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return cmd_spec_validate(ctx, argc, argv, "job");
}

static const struct cmd_verb job_verbs[] = {
	{ "archive", job_archive, "hide a job from lists" },
	{ "cancel", job_cancel, "stop a running job" },
	{ "create", cmd_job_create, "run a command job on this machine" },
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
