/*
 * mlw.c - main(): global options, the command table, help and version.
 *
 * Start-up is a feature (an 'az ml' call spends seconds importing Python):
 * nothing here opens the store or loads a heavy library before a command
 * asks for it, so 'mlw --version' costs little more than exec.
 */
#include "builtin.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/progress.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MLW_VERSION
#define MLW_VERSION "0.0.0-dev"
#endif
#ifndef MLW_MANDIR
#define MLW_MANDIR "/usr/local/share/man"
#endif

/* sorted by name; 'mlw help' lists them in this order */
const struct cmd_struct mlw_commands[] = {
	{ "cat-object", cmd_cat_object, "show an object's content, type or size", 0, NULL },
	{ "checkout-tree", cmd_checkout_tree, "restore a tree into a folder", 0, NULL },
	{ "component", cmd_component, "manage command and pipeline components", 0, NULL },
	{ "data", cmd_data, "manage versioned data assets", 0, NULL },
	{ "endpoint", cmd_endpoint, "validate endpoint and deployment specs", 0, NULL },
	{ "env", cmd_env, "manage versioned environments", 0, NULL },
	{ "environment", cmd_env, "alias of 'mlw env' (az's name)", 0, "env" },
	{ "fsck", cmd_fsck, "verify the store and the catalog", 0, NULL },
	{ "gc", cmd_gc, "remove unreferenced objects and stale temp files", 0, NULL },
	{ "hash-object", cmd_hash_object, "compute an object id, optionally store it", 0, NULL },
	{ "help", cmd_help, "show help for mlw or a command", 0, NULL },
	{ "init", cmd_init, "create a workspace (.mlw/)", 0, NULL },
	{ "job", cmd_job, "run command jobs and track their runs", 0, NULL },
	{ "log", cmd_log, "log metrics, params, tags and artifacts of the running job", 0, NULL },
	{ "ls-tree", cmd_ls_tree, "list a tree's entries", 0, NULL },
	{ "model", cmd_model, "manage versioned models", 0, NULL },
	{ "preview-data", cmd_preview_data, "show the first rows of a table as the trainers see it", 1, NULL },
	{ "show-ref", cmd_show_ref, "list refs", 0, NULL },
	{ "tracking", cmd_tracking, "serve MLflow's tracking REST API over the workspace", 0, NULL },
	{ "train", cmd_train, "fit a built-in model on a CSV file", 0, NULL },
	{ "update-ref", cmd_update_ref, "point a ref at an object, or delete it", 0, NULL },
	{ "validate-spec", cmd_validate_spec, "validate spec files of any kind", 1, NULL },
	{ "version", cmd_version, "print the version", 0, NULL },
	{ "write-tree", cmd_write_tree, "snapshot a folder into a tree", 0, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

const struct cmd_struct *mlw_find_command(const char *name)
{
	const struct cmd_struct *c;

	for (c = mlw_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static const char *const mlw_usage[] = {
	"mlw [-C DIR] [--mlw-dir DIR] [-o FORMAT] [-q] [-v] COMMAND [VERB] [ARGS]",
	"mlw --version",
	"mlw help [COMMAND]",
	NULL
};

static void list_commands(FILE *fp)
{
	const struct cmd_struct *c;

	fprintf(fp, "usage: %s\n\ncommands:\n", mlw_usage[0]);
	for (c = mlw_commands; c->name; c++)
		if (!c->hidden)
			fprintf(fp, "    %-16s%s\n", c->name, c->summary);
	fprintf(fp, "\nglobal options:\n"
		"    -C DIR            run as if started in DIR\n"
		"    --mlw-dir DIR     use DIR as the .mlw directory (also MLW_DIR)\n"
		"    -o, --output FMT  table, json, jsonc, yaml, yamlc, tsv or none\n"
		"    --query JMESPATH  print only what the query selects\n"
		"    -q, --quiet       print only results and errors\n"
		"    -v, --verbose     say more\n"
		"    --version         print the version\n"
		"\nSee 'mlw help COMMAND' for a command's manual.\n");
}

CMD(version)
{
	static const char *const usage[] = { "mlw version", NULL };
	struct mlw_option opts[] = { MLW_OPT_END() };
	struct mlw_out *o;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc)
		return cmd_usage_error(usage, opts, "too many arguments");
	if (!ctx->format) {
		printf("mlw version %s\n", MLW_VERSION);
		return cmd_finish_stdout(0);
	}
	o = mlw_out_new();
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "version", MLW_VERSION);
	mlw_out_end(o);
	ret = cmd_print(ctx, o, MLW_FMT_TABLE);
	mlw_out_free(o);
	return cmd_finish_stdout(ret);
}

/* the directory holding the running binary, for finding man/ in a build */
static char *exe_dir(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return mlw_path_dirname(buf);
}

static char *find_man_page(const char *page)
{
	char *dir = exe_dir();
	char *candidates[3] = { NULL, NULL, NULL };
	char *found = NULL;
	size_t i;

	if (dir)
		candidates[0] = mlw_xstrfmt("%s/man/%s", dir, page);
	candidates[1] = mlw_xstrfmt("%s/man%c/%s", MLW_MANDIR,
				    page[strlen(page) - 1], page);
	for (i = 0; i < 2; i++)
		if (!found && candidates[i] && !access(candidates[i], R_OK))
			found = mlw_strdup(candidates[i]);
	for (i = 0; i < 2; i++)
		free(candidates[i]);
	free(dir);
	return found;
}

CMD(help)
{
	static const char *const usage[] = { "mlw help [COMMAND]", NULL };
	struct mlw_option opts[] = { MLW_OPT_END() };
	const struct cmd_struct *c;
	char *page, *path;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (!argc) {
		list_commands(stdout);
		return cmd_finish_stdout(0);
	}
	if (strcmp(argv[0], "mlw") && !strchr(argv[0], '.')) {
		c = mlw_find_command(argv[0]);
		if (!c) {
			cmd_error("'%s' is not an mlw command; see 'mlw help'",
				  argv[0]);
			return 2;
		}
	}
	/* an alias shows its command's page */
	c = strcmp(argv[0], "mlw") ? mlw_find_command(argv[0]) : NULL;
	page = !strcmp(argv[0], "mlw") ? mlw_strdup("mlw.1") :
	       strchr(argv[0], '.') ? mlw_strdup(argv[0]) :
	       mlw_xstrfmt("mlw-%s.1", c && c->alias_of ? c->alias_of :
			   argv[0]);
	path = find_man_page(page);
	free(page);
	if (path) {
		fflush(stdout);
		/* man formats for the terminal (or plain text in a pipe) */
		execlp("man", "man", "-l", path, (char *)NULL);
		execlp("mandoc", "mandoc", "-a", path, (char *)NULL);
		free(path);
	}
	/* no man page or no man: the command's own usage */
	if (!strcmp(argv[0], "mlw")) {
		list_commands(stdout);
		return cmd_finish_stdout(0);
	}
	{
		const char *args[] = { argv[0], "-h", NULL };

		c = mlw_find_command(argv[0]);
		return c->fn(2, args, ctx);
	}
}

static int unknown_command(const char *name)
{
	struct mlw_strlist names = MLW_STRLIST_INIT;
	const struct cmd_struct *c;
	const char *hint;

	for (c = mlw_commands; c->name; c++)
		mlw_strlist_push(&names, c->name);
	mlw_strlist_push_owned(&names, NULL);
	hint = mlw_suggest(name, (const char *const *)names.items);
	if (hint)
		cmd_error("'%s' is not an mlw command (did you mean '%s'?)",
			  name, hint);
	else
		cmd_error("'%s' is not an mlw command; see 'mlw help'", name);
	names.nr--;
	mlw_strlist_release(&names);
	return 2;
}

static const char *opt_value(int *i, int argc, const char **argv,
			     const char *name)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);

	if (!strncmp(arg, name, n) && arg[n] == '=')
		return arg + n + 1;
	if (*i + 1 >= argc) {
		cmd_error("option '%s' requires a value", name);
		exit(2);
	}
	return argv[++*i];
}

int cmd_main(int argc, const char **argv)
{
	struct mlw_ctx ctx;
	const struct cmd_struct *c;
	const char *env;
	struct winsize ws;
	const char **cargv;
	int i, ret;

	memset(&ctx, 0, sizeof(ctx));
	ctx.argc = argc;
	ctx.argv = argv;
	ctx.stdout_tty = isatty(1);
	ctx.stderr_tty = isatty(2);
	ctx.term_width = 80;
	env = getenv("NO_COLOR");
	ctx.no_color = env && *env;
	if (ctx.stdout_tty && !ioctl(1, TIOCGWINSZ, &ws) && ws.ws_col)
		ctx.term_width = ws.ws_col;
	env = getenv("MLW_DIR");
	if (env && *env)
		ctx.mlw_dir = env;
	mlw_tempfile_install_handlers();

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--version")) {
			printf("mlw version %s\n", MLW_VERSION);
			return cmd_finish_stdout(0);
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			list_commands(stdout);
			return cmd_finish_stdout(0);
		} else if (!strcmp(a, "-C")) {
			const char *dir = opt_value(&i, argc, argv, "-C");

			if (chdir(dir) < 0) {
				int code = mlw_errno_code(errno);

				cmd_error("cannot change to '%s': %s", dir,
					  strerror(errno));
				return mlw_error_exit_code(code);
			}
		} else if (!strcmp(a, "--mlw-dir") ||
			   mlw_starts_with(a, "--mlw-dir=")) {
			ctx.mlw_dir = opt_value(&i, argc, argv, "--mlw-dir");
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output") ||
			   mlw_starts_with(a, "--output=")) {
			const char *f = opt_value(&i, argc, argv,
						  a[1] == 'o' ? "-o" : "--output");

			if (cmd_set_format(&ctx, f))
				return 2;
		} else if (!strcmp(a, "--query") ||
			   mlw_starts_with(a, "--query=")) {
			ctx.query = opt_value(&i, argc, argv, "--query");
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			ctx.quiet++;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			ctx.verbose++;
		} else if (!strcmp(a, "--list-cmds")) {
			/* for completion */
			for (c = mlw_commands; c->name; c++)
				if (!c->hidden)
					printf("%s\n", c->name);
			return cmd_finish_stdout(0);
		} else {
			cmd_error("unknown option '%s'", a);
			list_commands(stderr);
			return 2;
		}
	}
	if (i == argc) {
		list_commands(stderr);
		return 2;
	}
	c = mlw_find_command(argv[i]);
	if (!c)
		return unknown_command(argv[i]);
	/* progress only for someone watching a terminal */
	mlw_progress_enable(ctx.stderr_tty && !ctx.quiet);
	/* commands rearrange their argv; ctx.argv keeps the original */
	cargv = mlw_calloc((size_t)(argc - i + 1), sizeof(*cargv));
	memcpy(cargv, argv + i, (size_t)(argc - i) * sizeof(*cargv));
	ret = c->fn(argc - i, cargv, &ctx);
	free(cargv);
	mlw_repo_free(ctx.repo);
	return cmd_finish_stdout(ret);
}

int main(int argc, const char **argv)
{
	return cmd_main(argc, argv);
}
