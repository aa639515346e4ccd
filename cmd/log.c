/*
 * log.c - 'mlw log': metrics, params, tags and artifacts of the running
 * job (MLW_RUN_ID), from inside its command.
 *
 * One 'mlw log metric' is one short transaction; batches (--file, or "-"
 * for stdin) of "NAME VALUE [STEP]" lines go through one prepared
 * statement in one transaction.
 */
#include "builtin.h"
#include "run/run.h"
#include "run/track.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/*
 * The id of the run named by MLW_RUN_ID (what a job's command is given),
 * with the catalog: 0, or the exit status (2 outside a job).
 */
static int current_run(struct mlw_ctx *ctx, struct mlw_catalog **cat,
		       int64_t *run)
{
	const char *id = getenv("MLW_RUN_ID");
	int ret;

	if (!id || !*id) {
		cmd_error("not inside a job: MLW_RUN_ID is not set (mlw sets "
			  "it for the command of 'mlw job create')");
		return 2;
	}
	*cat = cmd_catalog(ctx);
	ret = mlw_run_get_id(run, *cat, id);
	return ret ? cmd_fail(ret) : 0;
}

static int log_metric(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw log metric NAME VALUE [--step N]",
		"mlw log metric --file FILE",
		NULL
	};
	int64_t step = -1;
	const char *file = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_INT(0, "step", &step, "N",
			    "the step (default: one past the last)"),
		MLW_OPT_STRING('f', "file", &file, "FILE",
			       "'NAME VALUE [STEP]' lines ('-': stdin)"),
		MLW_OPT_END()
	};
	struct mlw_catalog *cat;
	int64_t run;
	const char **args = mlw_calloc((size_t)argc + 2, sizeof(*args));
	int i, k = 0, nneg = 0, n, ret;
	const char *neg[4];

	/* a negative VALUE ("-0.5", "-inf") is an operand, not an option */
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (i && a[0] == '-' && nneg < 4 &&
		    (isdigit((unsigned char)a[1]) || a[1] == '.' ||
		     !strcasecmp(a + 1, "inf") ||
		     !strcasecmp(a + 1, "infinity")))
			neg[nneg++] = a;
		else
			args[k++] = a;
	}
	if (nneg) {
		args[k++] = "--";
		for (i = 0; i < nneg; i++)
			args[k++] = neg[i];
	}
	args[k] = NULL;
	argv = args;
	n = cmd_parse(ctx, k, argv, opts, usage);
	if (file ? n != 0 : n != 2) {
		free(args);
		return cmd_usage_error(usage, opts, file ?
				       "--file takes no operands" :
				       "NAME and VALUE expected");
	}
	ret = current_run(ctx, &cat, &run);
	if (ret) {
		free(args);
		return ret;
	}
	if (file) {
		FILE *fp = strcmp(file, "-") ? fopen(file, "r") : stdin;

		if (!fp) {
			int code = mlw_errno_code(errno);

			cmd_error("cannot open '%s': %s", file,
				  strerror(errno));
			free(args);
			return mlw_error_exit_code(code);
		}
		ret = mlw_run_log_metric_lines(cat, run, fp, file, mlw_now());
		if (fp != stdin)
			fclose(fp);
	} else {
		double v;

		ret = mlw_parse_double(&v, argv[1], "metric value");
		if (!ret)
			ret = mlw_run_log_metric(cat, run, argv[0], v, step,
						 mlw_now());
	}
	free(args);
	return ret ? cmd_fail(ret) : 0;
}

static int log_kv(int argc, const char **argv, struct mlw_ctx *ctx,
		  int is_param)
{
	const char *usage[] = { is_param ? "mlw log param KEY VALUE" :
				"mlw log tag KEY VALUE", NULL };
	struct mlw_option opts[] = { MLW_OPT_END() };
	struct mlw_catalog *cat;
	int64_t run;
	int ret;

	if (cmd_parse(ctx, argc, argv, opts, usage) != 2)
		return cmd_usage_error(usage, opts, "KEY and VALUE expected");
	ret = current_run(ctx, &cat, &run);
	if (ret)
		return ret;
	ret = is_param ? mlw_run_log_param(cat, run, argv[0], argv[1]) :
	      mlw_run_set_tag(cat, run, argv[0], argv[1]);
	if (ret == MLW_EEXISTS) {
		cmd_error("%s", mlw_error_last());
		return 2;
	}
	return ret ? cmd_fail(ret) : 0;
}

static int log_param(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return log_kv(argc, argv, ctx, 1);
}

static int log_tag(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return log_kv(argc, argv, ctx, 0);
}

static int log_artifact(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw log artifact PATH [--name NAME]", NULL
	};
	const char *name = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING(0, "name", &name, "NAME",
			       "its path among the artifacts (default: the "
			       "file's name)"),
		MLW_OPT_END()
	};
	struct mlw_catalog *cat;
	int64_t run;
	int ret, from_option;

	if (cmd_parse(ctx, argc, argv, opts, usage) != 1)
		return cmd_usage_error(usage, opts, "one PATH expected");
	from_option = name != NULL;
	if (!name) {
		const char *slash = strrchr(argv[0], '/');

		name = slash ? slash + 1 : argv[0];
	}
	/* it becomes a path under the download folder: checked first */
	if (mlw_name_check_path("artifact name", name)) {
		if (from_option)
			mlw_error_prefix("--name");
		return cmd_fail(MLW_EINVALID);
	}
	ret = current_run(ctx, &cat, &run);
	if (ret)
		return ret;
	ret = mlw_run_log_artifact(cat, cmd_odb(ctx), run, argv[0], name);
	return ret ? cmd_fail(ret) : 0;
}

static const struct cmd_verb log_verbs[] = {
	{ "artifact", log_artifact, "store a file with the running job" },
	{ "metric", log_metric, "log metric values" },
	{ "param", log_param, "log a parameter (write-once)" },
	{ "tag", log_tag, "set a tag (last write wins)" },
	{ NULL, NULL, NULL }
};

CMD(log)
{
	static const char *const usage[] = { "mlw log VERB [OPTIONS]", NULL };

	return cmd_dispatch(ctx, argc, argv, log_verbs, usage);
}
