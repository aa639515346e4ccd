/*
 * gc.c - 'mlw gc [--prune=now|DURATION] [--dry-run]'.
 */
#include "builtin.h"
#include "run/workdir.h"
#include "store/catalog.h"
#include "store/gc.h"
#include "store/repo.h"
#include "store/wtcache.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdlib.h>

struct gc_report {
	struct mlw_ctx *ctx;
	struct mlw_out *o;
	int dry_run;
};

static void removed(const char *what, const char *id, uint64_t bytes,
		    void *data)
{
	struct gc_report *r = data;

	if (r->o) {
		mlw_out_object_begin(r->o, NULL);
		mlw_out_str(r->o, "kind", what);
		mlw_out_str(r->o, "id", id);
		mlw_out_int(r->o, "bytes", (int64_t)bytes);
		mlw_out_end(r->o);
	} else if (r->dry_run || r->ctx->verbose) {
		printf("%s%s %s\n", r->dry_run ? "would remove " : "removed ",
		       what, id);
	}
}

static void reaped(const char *name, void *data)
{
	struct gc_report *r = data;

	cmd_warn(r->ctx, "job '%s': its supervisor died; marked Failed", name);
}

static void warn(const char *msg, void *data)
{
	struct gc_report *r = data;

	cmd_warn(r->ctx, "%s", msg);
}

CMD(gc)
{
	static const char *const usage[] = {
		"mlw gc [--prune=now|DURATION] [--dry-run]", NULL
	};
	const char *prune = NULL;
	int dry_run = 0;
	struct mlw_option opts[] = {
		MLW_OPT_STRING(0, "prune", &prune, "DURATION",
			       "remove unreferenced objects older than this (default 2w; 'now', 'never')"),
		MLW_OPT_BOOL('n', "dry-run", &dry_run, "list what would be removed, remove nothing"),
		MLW_OPT_END()
	};
	struct gc_report r = { ctx, NULL, 0 };
	struct mlw_gc_opts gopts = { MLW_GC_DEFAULT_GRACE, 0, removed, warn, NULL };
	struct mlw_gc_stats stats;
	int ret;

	argc = cmd_parse(ctx, argc, argv, opts, usage);
	if (argc)
		return cmd_usage_error(usage, opts, "too many arguments");
	if (prune && mlw_parse_duration(&gopts.grace, prune) < 0)
		return cmd_usage_error(usage, opts, "--prune: %s", mlw_error_last());
	gopts.dry_run = r.dry_run = dry_run;
	gopts.data = &r;
	if (ctx->format) {
		r.o = mlw_out_new();
		mlw_out_object_begin(r.o, NULL);
		mlw_out_list_begin(r.o, "removed");
	}
	/* runs whose supervisor died end first, and their areas with them */
	ret = dry_run ? 0 : mlw_job_reap(cmd_repo(ctx), reaped, &r);
	if (!ret)
		ret = mlw_gc(&stats, cmd_repo(ctx), &gopts);
	if (!ret)
		ret = mlw_job_gc_workdirs(cmd_repo(ctx), &gopts, &stats);
	if (!ret && !dry_run) {
		/* kept working copies of code (wtcache.h): only a cache */
		char *cache = mlw_repo_path(cmd_repo(ctx), "cache/worktrees");

		if (mlw_wtcache_clear(cache))
			cmd_warn(ctx, "%s", mlw_error_last());
		free(cache);
		if (mlw_job_clear_spare(cmd_repo(ctx)))
			cmd_warn(ctx, "%s", mlw_error_last());
	}
	if (!ret && !dry_run) {
		struct mlw_catalog *cat = cmd_catalog(ctx);
		char *line = cmd_line(ctx);

		ret = mlw_catalog_begin(cat);
		if (!ret)
			ret = mlw_catalog_log(cat, "gc", line);
		if (!ret)
			ret = mlw_catalog_commit(cat);
		free(line);
	}
	if (ret) {
		mlw_out_free(r.o);
		return cmd_fail(ret);
	}
	if (r.o) {
		mlw_out_end(r.o);
		mlw_out_bool(r.o, "dry_run", dry_run);
		mlw_out_int(r.o, "objects", (int64_t)stats.objects);
		mlw_out_int(r.o, "reachable", (int64_t)stats.reachable);
		mlw_out_int(r.o, "kept_young", (int64_t)stats.kept_young);
		mlw_out_int(r.o, "removed_objects", (int64_t)stats.removed);
		mlw_out_int(r.o, "removed_bytes", (int64_t)stats.removed_bytes);
		mlw_out_int(r.o, "removed_temp_files", (int64_t)stats.temp_removed);
		mlw_out_int(r.o, "removed_workdirs",
			    (int64_t)stats.workdirs_removed);
		mlw_out_end(r.o);
		ret = cmd_print(ctx, r.o, MLW_FMT_YAML);
		mlw_out_free(r.o);
		return ret;
	}
	if (ctx->verbose || (ctx->stderr_tty && !ctx->quiet))
		fprintf(stderr, "%s %llu unreferenced object%s (%llu bytes), %llu temp file%s and %llu working area%s; kept %llu reachable, %llu within the grace period\n",
			dry_run ? "would remove" : "removed",
			(unsigned long long)stats.removed,
			stats.removed == 1 ? "" : "s",
			(unsigned long long)stats.removed_bytes,
			(unsigned long long)stats.temp_removed,
			stats.temp_removed == 1 ? "" : "s",
			(unsigned long long)stats.workdirs_removed,
			stats.workdirs_removed == 1 ? "" : "s",
			(unsigned long long)stats.reachable,
			(unsigned long long)stats.kept_young);
	return 0;
}
