/*
 * fsck.c - 'mlw fsck [--connectivity-only]': verify the store.
 */
#include "builtin.h"
#include "store/fsck.h"
#include "util/error.h"

struct report_state {
	struct mlw_ctx *ctx;
	struct mlw_out *o;
};

static void report(const char *subject, const char *problem, void *data)
{
	struct report_state *st = data;

	if (st->o) {
		mlw_out_object_begin(st->o, NULL);
		mlw_out_str(st->o, "object", subject);
		mlw_out_str(st->o, "problem", problem);
		mlw_out_end(st->o);
	} else {
		printf("%s: %s\n", subject, problem);
	}
}

CMD(fsck)
{
	static const char *const usage[] = {
		"mlw fsck [--connectivity-only]", NULL
	};
	int conn_only = 0;
	struct mlw_option opts[] = {
		MLW_OPT_BOOL(0, "connectivity-only", &conn_only,
			     "check references only; do not re-hash objects"),
		MLW_OPT_END()
	};
	struct report_state st = { ctx, NULL };
	struct mlw_fsck_stats stats;
	int ret, status;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc)
		return cmd_usage_error(usage, opts, "too many arguments");
	if (ctx->format) {
		st.o = mlw_out_new();
		mlw_out_object_begin(st.o, NULL);
		mlw_out_list_begin(st.o, "problems");
	}
	ret = mlw_fsck(&stats, cmd_repo(ctx),
		       conn_only ? MLW_FSCK_CONNECTIVITY_ONLY : 0, report, &st);
	if (ret) {
		mlw_out_free(st.o);
		return cmd_fail(ret);
	}
	status = stats.problems ? 1 : 0;
	if (st.o) {
		mlw_out_end(st.o);
		mlw_out_bool(st.o, "ok", !stats.problems);
		mlw_out_int(st.o, "objects", (int64_t)stats.objects);
		mlw_out_int(st.o, "trees", (int64_t)stats.trees);
		mlw_out_int(st.o, "references", (int64_t)stats.roots);
		mlw_out_end(st.o);
		ret = cmd_print(ctx, st.o, MLW_FMT_YAML);
		mlw_out_free(st.o);
		if (ret)
			return ret;
	}
	if (ctx->verbose || (ctx->stderr_tty && !ctx->quiet))
		fprintf(stderr, "checked %zu objects (%zu trees) and %zu references: %zu problem%s\n",
			stats.objects, stats.trees, stats.roots, stats.problems,
			stats.problems == 1 ? "" : "s");
	return status;
}
