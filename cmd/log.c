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
#include "store/catalog.h"
#include "store/odb.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* the id of the run named by MLW_RUN_ID, or exit 2 outside a job */
static int64_t current_run(struct mlw_ctx *ctx, struct mlw_catalog **cat)
{
	const char *id = getenv("MLW_RUN_ID");
	int64_t run;
	int ret;

	if (!id || !*id) {
		cmd_error("not inside a job: MLW_RUN_ID is not set (mlw sets "
			  "it for the command of 'mlw job create')");
		exit(2);
	}
	*cat = cmd_catalog(ctx);
	ret = mlw_run_get_id(&run, *cat, id);
	if (ret)
		exit(cmd_fail(ret));
	return run;
}

static int parse_value(double *out, const char *s)
{
	return mlw_parse_double(out, s, "metric value");
}

/* "name value [step]" lines from fp, in one transaction */
static int log_batch(struct mlw_catalog *cat, int64_t run, FILE *fp,
		     const char *what)
{
	struct mlw_metric_writer *w;
	char *line = NULL;
	size_t alloc = 0, lineno = 0;
	ssize_t len;
	double now = mlw_now();
	int ret = mlw_catalog_begin(cat);

	if (ret)
		return ret;
	ret = mlw_metric_writer_new(&w, cat, run);
	if (ret) {
		mlw_catalog_rollback(cat);
		return ret;
	}
	while (!ret && (len = getline(&line, &alloc, fp)) >= 0) {
		char *name, *value, *step, *save = NULL;
		int64_t s = -1;
		double v;

		lineno++;
		name = strtok_r(line, " \t\r\n", &save);
		if (!name || *name == '#')
			continue;
		value = strtok_r(NULL, " \t\r\n", &save);
		step = strtok_r(NULL, " \t\r\n", &save);
		if (!value || strtok_r(NULL, " \t\r\n", &save)) {
			ret = mlw_error_setc(MLW_EINVALID, "%s:%zu: expected "
					     "'NAME VALUE [STEP]'", what,
					     lineno);
			break;
		}
		ret = parse_value(&v, value);
		if (!ret && step)
			ret = mlw_parse_i64(&s, step, "step");
		if (!ret && step && s < 0)
			ret = mlw_error_setc(MLW_EINVALID, "step must not be "
					     "negative");
		if (ret) {
			mlw_error_prefix("%s:%zu", what, lineno);
			break;
		}
		ret = mlw_metric_writer_add(w, name, v, s, now);
	}
	free(line);
	if (ret) {
		mlw_metric_writer_abort(w);
		mlw_catalog_rollback(cat);
		return ret;
	}
	ret = mlw_metric_writer_finish(w);
	if (!ret)
		return mlw_catalog_commit(cat);
	mlw_catalog_rollback(cat);
	return ret;
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
	run = current_run(ctx, &cat);
	if (file) {
		FILE *fp = strcmp(file, "-") ? fopen(file, "r") : stdin;

		if (!fp) {
			free(args);
			cmd_error("cannot open '%s': %s", file,
				  strerror(errno));
			return errno == ENOENT ? 3 : 128;
		}
		ret = log_batch(cat, run, fp, file);
		if (fp != stdin)
			fclose(fp);
	} else {
		struct mlw_metric_writer *w = NULL;
		double v;

		ret = parse_value(&v, argv[1]);
		if (!ret)
			ret = mlw_catalog_begin(cat);
		if (!ret) {
			ret = mlw_metric_writer_new(&w, cat, run);
			if (!ret)
				ret = mlw_metric_writer_add(w, argv[0], v, step,
							    mlw_now());
			if (!ret)
				ret = mlw_metric_writer_finish(w);
			else if (w)
				mlw_metric_writer_abort(w);
			if (!ret)
				ret = mlw_catalog_commit(cat);
			else
				mlw_catalog_rollback(cat);
		}
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
	run = current_run(ctx, &cat);
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
	char hex[MLW_OID_HEXSZ + 1];
	struct mlw_catalog *cat;
	struct mlw_oid oid;
	int64_t run;
	uint64_t size;
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
	run = current_run(ctx, &cat);
	ret = mlw_odb_write_path(&oid, &size, cmd_odb(ctx), argv[0],
				 MLW_OBJ_BLOB, MLW_ODB_WRITE);
	if (!ret) {
		mlw_oid_to_hex(hex, &oid);
		ret = mlw_run_add_artifact(cat, run, name, hex, size);
	}
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
