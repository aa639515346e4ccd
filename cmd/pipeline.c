/*
 * pipeline.c - pipeline jobs in 'mlw job create' and 'mlw job show'.
 *
 * 'mlw job create' (lib/job/create.h) has a pipeline's graph built and
 * checked (lib/pipeline/dag.h): every problem is printed here with its
 * position (exit 2, nothing recorded), and --dry-run's order of steps;
 * 'mlw job validate' checks a graph here.  'mlw job show' of a pipeline draws its graph
 * (lib/pipeline/render.h), or writes it as Graphviz with --graph dot.
 */
#include "builtin.h"
#include "pipeline/dag.h"
#include "pipeline/record.h"
#include "pipeline/render.h"
#include "pipeline/run.h"
#include "run/run.h"
#include "spec/spec.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *cmd_datadir(void)
{
	char *exe = realpath("/proc/self/exe", NULL);
	char *dir, *share, *probe;
	struct stat st;

	/* run from its build tree: the share/ next to it */
	if (exe) {
		dir = mlw_path_dirname(exe);
		share = mlw_path_join(dir, "share");
		probe = mlw_path_join(share, "components");
		free(dir);
		free(exe);
		if (!stat(probe, &st) && S_ISDIR(st.st_mode)) {
			free(probe);
			return share;
		}
		free(probe);
		free(share);
	}
	return mlw_strdup(MLW_DATADIR);
}

char *cmd_components_dir(void)
{
	char *share = cmd_datadir(), *dir = mlw_path_join(share, "components");

	free(share);
	return dir;
}

int cmd_pipeline_print_diags(struct mlw_ctx *ctx,
			     const struct mlw_pipeline *p)
{
	size_t i, shown = 0;

	for (i = 0; i < p->diags.nr; i++) {
		const struct mlw_diag *x = &p->diags.items[i];

		if (x->warning && ctx->quiet)
			continue;
		if (!x->warning && shown++ >= 20)
			continue;
		cmd_message(x->warning ? "warning" : "error", "%s:%d:%d: %s",
			    x->source ? x->source : p->spec->path, x->line,
			    x->col, x->msg);
	}
	if (shown > 20)
		cmd_error("%s: %zu more errors not shown", p->spec->path,
			  shown - 20);
	return p->diags.errors ? 2 : 0;
}

int cmd_pipeline_dry_run(const struct mlw_pipeline *p)
{
	size_t i, j;

	for (i = 0; i < p->nr_order; i++) {
		const struct mlw_pipeline_step *s = &p->steps[p->order[i]];

		printf("%s", s->name);
		for (j = 0; j < s->nr_deps; j++)
			printf("%s%s", j ? ", " : "\t<- ",
			       p->steps[s->deps[j]].name);
		printf("\n");
	}
	return cmd_finish_stdout(0);
}

/* the graph of spec, its components found in repo (may be NULL) and ours */
static int load_graph(struct mlw_pipeline **p, struct mlw_repo *repo,
		      const struct mlw_spec *spec, int check_only)
{
	struct mlw_pipeline_options popts;
	char *builtin = cmd_components_dir();
	int ret;

	memset(&popts, 0, sizeof(popts));
	popts.components.repo = repo;
	popts.components.builtin_dir = builtin;
	popts.components.check_only = check_only;
	ret = mlw_pipeline_load(p, spec, &popts);
	free(builtin);
	return ret;
}

int cmd_pipeline_check(struct mlw_ctx *ctx, struct mlw_spec *spec,
		       struct mlw_pipeline **keep)
{
	struct mlw_pipeline *p;
	int ret;

	/* outside a workspace nothing is registered: no repo */
	if (!ctx->repo && mlw_repo_discover(&ctx->repo, ".", ctx->mlw_dir))
		mlw_error_clear();
	ret = load_graph(&p, ctx->repo, spec, 1);
	if (keep) {
		*keep = p;
		if (!ret)
			mlw_diags_move(&spec->diags, &p->diags);
		return ret;
	}
	if (ret)
		return cmd_fail(ret);
	ret = cmd_pipeline_print_diags(ctx, p);
	mlw_pipeline_free(p);
	return ret;
}

void cmd_pipeline_show(struct mlw_ctx *ctx, struct mlw_out *o,
		       const struct mlw_run *run)
{
	struct mlw_graph *g;
	char *from = NULL;

	if (run->parent) {
		if (mlw_pipeline_reused_from(&from, cmd_catalog(ctx),
					     run->name))
			mlw_error_clear();
		if (from)
			mlw_out_str(o, "reused_from", from);
		else
			mlw_out_null(o, "reused_from");
		free(from);
	}
	if (strcmp(run->type, "pipeline"))
		return;
	if (mlw_graph_load(&g, cmd_catalog(ctx), run->name)) {
		mlw_error_clear();
		return;
	}
	mlw_graph_settings_out(o, g);
	mlw_out_object_begin(o, "graph");
	mlw_graph_out(o, g);
	mlw_out_end(o);
	mlw_graph_free(g);
}

int cmd_pipeline_draw(struct mlw_ctx *ctx, const struct mlw_run *run,
		      const char *graph)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_graph *g;
	double start = run->times[MLW_RUN_RUNNING];
	double end = run->times[MLW_RUN_ENDED_TIME];
	int ret;

	if (graph && strcmp(graph, "dot") && strcmp(graph, "text")) {
		cmd_error("--graph takes dot or text, not '%s'", graph);
		return 2;
	}
	ret = mlw_graph_load(&g, cmd_catalog(ctx), run->name);
	if (ret)
		return cmd_fail(ret);
	if (graph && !strcmp(graph, "dot"))
		mlw_graph_dot(&b, g);
	else
		mlw_graph_draw(&b, g, mlw_run_status_name(run->status),
			       start ? (end ? end : mlw_now()) - start : -1,
			       mlw_now(), ctx->stdout_tty && !ctx->no_color ?
			       MLW_DRAW_COLOR : 0);
	fputs(b.buf, stdout);
	mlw_buf_release(&b);
	mlw_graph_free(g);
	return cmd_finish_stdout(0);
}
