/*
 * common.c - helpers shared by the command implementations.
 */
#include "builtin.h"
#include "ml/dataset.h"
#include "run/document.h"
#include "run/local-input.h"
#include "run/job.h"
#include "run/run.h"
#include "run/service.h"
#include "run/workdir.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/query.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *global_output, *global_query;
static int global_quiet, global_verbose;

static const struct mlw_option global_options[] = {
	MLW_OPT_GROUP("Global options:"),
	MLW_OPT_STRING('o', "output", &global_output, "FORMAT",
		       "table, json, jsonc, yaml, yamlc, tsv or none"),
	MLW_OPT_STRING(0, "query", &global_query, "JMESPATH",
		       "print only what the JMESPath query selects"),
	MLW_OPT_COUNT('q', "quiet", &global_quiet, "print only results and errors"),
	MLW_OPT_COUNT('v', "verbose", &global_verbose, "say more about what happens"),
	MLW_OPT_END()
};

static size_t count_opts(const struct mlw_option *o)
{
	size_t n = 0;

	while (o[n].type != MLW_OPTT_END)
		n++;
	return n;
}

/* whether a command's options already use this long or short name */
static int name_taken(const struct mlw_option *opts, const char *long_name,
		      int short_name)
{
	for (; opts->type != MLW_OPTT_END; opts++)
		if ((long_name && opts->long_name &&
		     !strcmp(opts->long_name, long_name)) ||
		    (short_name && opts->short_name == short_name))
			return 1;
	return 0;
}

/*
 * The command's options, then the global ones, each without the names
 * the command uses itself ('mlw train --output DIR' keeps -o FORMAT;
 * 'mlw job show --query' is job's own).
 */
static struct mlw_option *with_globals(const struct mlw_option *opts)
{
	size_t n = count_opts(opts), g = count_opts(global_options), i;
	struct mlw_option *all = mlw_calloc(n + g + 1, sizeof(*all));

	memcpy(all, opts, n * sizeof(*opts));
	for (i = 0; i < g; i++) {
		struct mlw_option o = global_options[i];

		if (o.long_name && name_taken(opts, o.long_name, 0))
			o.long_name = NULL;
		if (o.short_name && name_taken(opts, NULL, o.short_name))
			o.short_name = 0;
		if (o.type == MLW_OPTT_GROUP || o.long_name || o.short_name)
			all[n++] = o;
	}
	all[n] = global_options[g];
	return all;
}

static void print_usage(FILE *fp, const char *const *usage,
			const struct mlw_option *opts)
{
	struct mlw_buf b = MLW_BUF_INIT;

	mlw_opt_usage(&b, usage, opts);
	fputs(b.buf, fp);
	mlw_buf_release(&b);
}

/* "mlw: LEVEL: message" with the message's control characters escaped */
static void vmessage(const char *level, const char *fmt, va_list ap)
{
	struct mlw_buf msg = MLW_BUF_INIT, line = MLW_BUF_INIT;

	mlw_buf_vaddf(&msg, fmt, ap);
	mlw_buf_addf(&line, "mlw: %s: ", level);
	mlw_error_escape(&line, msg.buf);
	mlw_buf_addch(&line, '\n');
	fputs(line.buf, stderr);
	mlw_buf_release(&msg);
	mlw_buf_release(&line);
}

void cmd_message(const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(level, fmt, ap);
	va_end(ap);
}

int cmd_usage_error(const char *const *usage, const struct mlw_option *opts,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error", fmt, ap);
	va_end(ap);
	if (usage) {
		struct mlw_option *all = with_globals(opts);

		fputc('\n', stderr);
		print_usage(stderr, usage, all);
		free(all);
	}
	return 2;
}

int cmd_parse(struct mlw_ctx *ctx, int argc, const char **argv,
	      const struct mlw_option *opts, const char *const *usage)
{
	struct mlw_option *all = with_globals(opts);
	int n;

	global_output = global_query = NULL;
	global_quiet = global_verbose = 0;
	/* argv[0] is the command name: parse what follows */
	n = mlw_opt_parse(argc - 1, argv + 1, all, 0);
	if (n == MLW_OPT_HELP) {
		print_usage(stdout, usage, all);
		free(all);
		exit(cmd_finish_stdout(0));
	}
	if (n == MLW_OPT_COMPLETE) {
		struct mlw_buf b = MLW_BUF_INIT;

		mlw_opt_completion(&b, all);
		printf("%s\n", b.buf);
		mlw_buf_release(&b);
		free(all);
		exit(cmd_finish_stdout(0));
	}
	if (n < 0) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", mlw_error_last());
		cmd_usage_error(usage, opts, "%s", msg);
		free(all);
		exit(2);
	}
	free(all);
	if (global_output && cmd_set_format(ctx, global_output))
		exit(2);
	if (global_query)
		ctx->query = global_query;
	ctx->quiet += global_quiet;
	ctx->verbose += global_verbose;
	/* operands move to argv[0..n) */
	memmove(argv, argv + 1, (size_t)n * sizeof(*argv));
	argv[n] = NULL;
	return n;
}

int cmd_dispatch(struct mlw_ctx *ctx, int argc, const char **argv,
		 const struct cmd_verb *verbs, const char *const *usage)
{
	const struct cmd_verb *v;
	struct mlw_strlist names = MLW_STRLIST_INIT;
	const char *hint;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		FILE *fp = argc < 2 ? stderr : stdout;
		int width = 14;
		size_t i;

		/* a column as wide as the longest verb and two spaces */
		for (v = verbs; v->name; v++)
			if ((int)strlen(v->name) + 2 > width)
				width = (int)strlen(v->name) + 2;
		for (i = 0; usage[i]; i++)
			fprintf(fp, "%s%s\n", i ? "   or: " : "usage: ", usage[i]);
		fprintf(fp, "\nverbs:\n");
		for (v = verbs; v->name; v++)
			fprintf(fp, "    %-*s%s\n", width, v->name, v->summary);
		return argc < 2 ? 2 : cmd_finish_stdout(0);
	}
	if (!strcmp(argv[1], MLW_OPT_COMPLETION_FLAG)) {
		for (v = verbs; v->name; v++)
			printf("%s%s", v == verbs ? "" : " ", v->name);
		printf("\n");
		return cmd_finish_stdout(0);
	}
	for (v = verbs; v->name; v++)
		if (!strcmp(v->name, argv[1]))
			return v->fn(argc - 1, argv + 1, ctx);
	for (v = verbs; v->name; v++)
		mlw_strlist_push(&names, v->name);
	mlw_strlist_push_owned(&names, NULL);
	hint = mlw_suggest(argv[1], (const char *const *)names.items);
	if (hint)
		cmd_error("'%s' is not an 'mlw %s' verb (did you mean '%s'?)",
			  argv[1], argv[0], hint);
	else
		cmd_error("'%s' is not an 'mlw %s' verb; see 'mlw %s -h'",
			  argv[1], argv[0], argv[0]);
	names.nr--;
	mlw_strlist_release(&names);
	return 2;
}

void cmd_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error", fmt, ap);
	va_end(ap);
}

void cmd_warn(struct mlw_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	vmessage("warning", fmt, ap);
	va_end(ap);
}

void cmd_one_name(struct mlw_ctx *ctx, int argc, const char **argv,
		  const struct mlw_option *opts, const char *const *usage,
		  const char **name, const char *what)
{
	int n = cmd_parse(ctx, argc, argv, opts, usage);

	if (n == 1 && !*name)
		*name = argv[0];
	else if (n != 0 || !*name)
		exit(cmd_usage_error(usage, opts, "one %s name expected",
				     what));
}

void cmd_warn_cb(const char *msg, void *data)
{
	cmd_warn(data, "%s", msg);
}

int cmd_full_documents(const struct mlw_ctx *ctx)
{
	return ctx->query || ctx->format == MLW_FMT_JSON ||
	       ctx->format == MLW_FMT_YAML;
}

int cmd_fail(int code)
{
	if (code >= 0)
		code = MLW_ERROR;
	cmd_error("%s", mlw_error_last());
	return mlw_error_exit_code(code);
}

struct mlw_repo *cmd_repo(struct mlw_ctx *ctx)
{
	int ret;

	if (ctx->repo)
		return ctx->repo;
	ret = mlw_repo_discover(&ctx->repo, ".", ctx->mlw_dir);
	if (ret) {
		cmd_error("%s", mlw_error_last());
		exit(ret == MLW_ENOTFOUND ? 2 : mlw_error_exit_code(ret));
	}
	return ctx->repo;
}

struct mlw_odb *cmd_odb(struct mlw_ctx *ctx)
{
	struct mlw_odb *odb;
	int ret = mlw_repo_odb(&odb, cmd_repo(ctx));

	if (ret)
		exit(cmd_fail(ret));
	return odb;
}

struct mlw_catalog *cmd_catalog(struct mlw_ctx *ctx)
{
	struct mlw_catalog *cat;
	int ret = mlw_repo_catalog(&cat, cmd_repo(ctx));

	if (ret)
		exit(cmd_fail(ret));
	return cat;
}

int cmd_set_format(struct mlw_ctx *ctx, const char *name)
{
	enum mlw_format fmt;

	if (mlw_format_parse(&fmt, name) < 0) {
		cmd_error("%s", mlw_error_last());
		return 2;
	}
	/* colour only for someone watching a terminal, never with NO_COLOR */
	ctx->color = (fmt == MLW_FMT_JSONC || fmt == MLW_FMT_YAMLC) &&
		     ctx->stdout_tty && !ctx->no_color;
	ctx->format = fmt == MLW_FMT_JSONC ? MLW_FMT_JSON :
		      fmt == MLW_FMT_YAMLC ? MLW_FMT_YAML : fmt;
	return 0;
}

struct mlw_out *cmd_out_list(struct mlw_ctx *ctx, enum mlw_format fallback)
{
	enum mlw_format fmt = ctx->format ? ctx->format : fallback;

	if (ctx->query)
		return mlw_out_new();
	if (fmt == MLW_FMT_TSV)
		return mlw_out_new_tsv_stream(stdout);
	if (fmt == MLW_FMT_TABLE)
		return mlw_out_new_table_list();
	return mlw_out_new();
}

int cmd_print(struct mlw_ctx *ctx, struct mlw_out *o, enum mlw_format fallback)
{
	enum mlw_format fmt = ctx->format ? ctx->format :
			      ctx->query ? MLW_FMT_JSON : fallback;
	int ret;

	if (ctx->color && fmt == MLW_FMT_JSON)
		fmt = MLW_FMT_JSONC;
	else if (ctx->color && fmt == MLW_FMT_YAML)
		fmt = MLW_FMT_YAMLC;
	if (ctx->query)
		ret = mlw_query_print(o, ctx->query, fmt, stdout);
	else
		ret = mlw_out_write(o, fmt, stdout,
				    ctx->stdout_tty ? ctx->term_width : 0);

	if (ret)
		return cmd_fail(ret);
	return 0;
}

int cmd_finish_stdout(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (errno == EPIPE)
			return status;
		cmd_error("cannot write to standard output: %s",
			  strerror(errno ? errno : EIO));
		return status ? status : 128;
	}
	return status;
}

char *cmd_line(struct mlw_ctx *ctx)
{
	struct mlw_buf b = MLW_BUF_INIT;
	int i;

	for (i = 1; i < ctx->argc; i++) {
		if (i > 1)
			mlw_buf_addch(&b, ' ');
		mlw_buf_adds(&b, ctx->argv[i]);
	}
	return mlw_buf_detach(&b, NULL);
}

void cmd_input_source(struct mlw_ctx *ctx, struct mlw_input_source *src,
		      const char *text)
{
	const char *tmpdir = getenv("TMPDIR");
	enum mlw_input_kind kind = mlw_input_classify(text);

	memset(src, 0, sizeof(*src));
	src->tmpdir = tmpdir && *tmpdir ? tmpdir : "/tmp";
	if (kind == MLW_INPUT_PATH)
		return;		/* no workspace needed */
	/* an explicit reference needs one: cmd_catalog() says so */
	if (!ctx->repo && kind == MLW_INPUT_NAME &&
	    mlw_repo_discover(&ctx->repo, ".", ctx->mlw_dir) < 0) {
		mlw_error_clear();
		ctx->repo = NULL;
		return;
	}
	src->cat = cmd_catalog(ctx);
	src->odb = cmd_odb(ctx);
}

int cmd_load_dataset(struct mlw_ctx *ctx, struct mlw_dataset **out,
		     const char *text)
{
	struct mlw_input_source src;

	cmd_input_source(ctx, &src, text);
	return mlw_input_dataset(out, &src, text);
}

int cmd_data_preview(struct mlw_ctx *ctx, const char *path_or_ref, long rows)
{
	struct mlw_dataset *ds;
	struct mlw_out *o;
	size_t j;
	int ret;

	ret = cmd_load_dataset(ctx, &ds, path_or_ref);
	if (ret)
		return cmd_fail(ret);
	o = mlw_out_new();
	mlw_input_rows(o, ds, rows < 0 ? ds->nr_rows : (size_t)rows);
	ret = cmd_print(ctx, o, MLW_FMT_TABLE);
	mlw_out_free(o);
	if (!ret && ctx->verbose)
		for (j = 0; j < ds->nr_columns; j++)
			fprintf(stderr, "%s: %s, %zu missing\n",
				ds->columns[j].name,
				mlw_column_type_name(ds->columns[j].type),
				ds->columns[j].nr_missing);
	mlw_dataset_unref(ds);
	return cmd_finish_stdout(ret);
}
