/*
 * init.c - 'mlw init [DIR]': create a workspace.
 */
#include "builtin.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <stdlib.h>

CMD(init)
{
	static const char *const usage[] = {
		"mlw init [DIR]",
		"mlw --mlw-dir DIR init",
		NULL
	};
	struct mlw_option opts[] = { MLW_OPT_END() };
	const char *dir;
	char *abs, *mlwdir;
	struct mlw_out *o;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc > 1)
		return cmd_usage_error(usage, opts, "too many arguments");
	dir = argc ? argv[0] : ".";
	/* as GIT_DIR for git init: an explicit directory is the .mlw itself */
	if (ctx->mlw_dir && argc)
		return cmd_usage_error(usage, opts,
				       "give either DIR or --mlw-dir/MLW_DIR, not both");
	if (ctx->mlw_dir) {
		mlwdir = mlw_path_absolute(ctx->mlw_dir);
		ret = mlw_repo_init_dir(mlwdir);
	} else {
		abs = mlw_path_absolute(dir);
		mlwdir = mlw_path_join(abs, ".mlw");
		free(abs);
		ret = mlw_repo_init(dir);
	}
	if (ret) {
		free(mlwdir);
		return cmd_fail(ret);
	}
	if (ctx->format) {
		o = mlw_out_new();
		mlw_out_object_begin(o, NULL);
		mlw_out_str(o, "path", mlwdir);
		mlw_out_end(o);
		ret = cmd_print(ctx, o, MLW_FMT_TABLE);
		mlw_out_free(o);
	} else if (!ctx->quiet) {
		printf("Initialized empty mlw workspace in %s/\n", mlwdir);
	}
	free(mlwdir);
	return ret;
}
