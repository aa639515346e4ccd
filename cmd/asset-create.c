/*
 * asset-create.c - 'mlw data|model|env create': a request from flags, or
 * from a spec file (-f FILE) with the flags overriding its fields as az
 * ml's do, registered by lib/asset's service and printed.
 */
#include "asset-common.h"
#include "asset/from-spec.h"
#include "asset/service.h"
#include "run/resolve.h"
#include "spec/ref.h"
#include "spec/spec.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>

/*
 * azureml:jobs/JOB/outputs/NAME as a path: the output's stored object
 * (found by the run layer) and the job as lineage.  *found is 0 for any
 * other path.  Exit status.
 */
static int job_output(struct mlw_oid *oid, int *found, struct mlw_ctx *ctx,
		      struct mlw_asset_spec *spec)
{
	struct mlw_ref ref;
	char *type = NULL, *file_name = NULL;
	int ret;

	*found = 0;
	if (!spec->path || mlw_ref_parse(&ref, spec->path, NULL)) {
		mlw_error_clear();
		return 0;
	}
	ret = ref.kind == MLW_REF_JOB_OUTPUT ?
	      mlw_run_resolve_asset(oid, &type, &file_name, &ref,
				    cmd_catalog(ctx)) : 0;
	*found = !ret && ref.kind == MLW_REF_JOB_OUTPUT;
	if (*found && !spec->job_name)
		spec->job_name = mlw_strdup(ref.job);
	mlw_ref_release(&ref);
	free(type);
	free(file_name);
	return ret ? cmd_fail(ret) : 0;
}

int asset_create(struct mlw_ctx *ctx, struct mlw_asset_spec *spec,
		 const struct mlw_spec *from)
{
	struct mlw_asset_request req = { spec, from, NULL, NULL };
	struct mlw_asset_result res;
	struct mlw_asset_ctx s;
	struct mlw_oid oid;
	char *line;
	int ret, found;

	ret = job_output(&oid, &found, ctx, spec);
	if (ret)
		return ret;
	if (found)
		req.content_object = &oid;
	asset_service_ctx(&s, &line, ctx, spec->kind);
	ret = mlw_asset_create(&res, &s, &req);
	free(line);
	if (ret)
		return cmd_fail(ret);
	if (ctx->verbose)
		fprintf(stderr, "mlw: %llu files, %llu bytes: %llu hashed, %llu unchanged (stat cache)\n",
			(unsigned long long)res.nr_files,
			(unsigned long long)res.size,
			(unsigned long long)res.nr_hashed,
			(unsigned long long)res.nr_cached);
	if (res.existed && !ctx->quiet)
		fprintf(stderr, "mlw: %s '%s' version '%s' already exists with this content\n",
			mlw_asset_kind_name(spec->kind), res.asset->name,
			res.asset->version);
	/* a hook failing says nothing about the registration */
	if (res.hook_error)
		cmd_message("warning", "%s; %s '%s' version '%s' stays registered",
			    res.hook_error, mlw_asset_kind_name(spec->kind),
			    res.asset->name, res.asset->version);
	ret = asset_print(ctx, res.asset);
	mlw_asset_result_release(&res);
	return ret;
}

/*
 * -f FILE, or --set without a file: the flags become overrides applied
 * before validation (so --name may supply a missing name), then the
 * spec fills the request.
 */
static int create_from_spec(struct mlw_ctx *ctx, enum mlw_asset_kind kind,
			    struct asset_create_args *a)
{
	struct mlw_strlist overrides = MLW_STRLIST_INIT;
	struct mlw_asset_spec spec;
	struct mlw_spec *from = NULL;
	size_t i;
	int ret;

	mlw_asset_fields_overrides(&overrides, &a->f);
	for (i = 0; i < a->sets.nr; i++)
		mlw_strlist_push(&overrides, a->sets.items[i]);
	ret = cmd_spec_load(&from, ctx, a->file ? a->file : "(command line)",
			    a->file ? NULL : "{}\n", asset_cmd_name(kind),
			    &overrides);
	mlw_strlist_release(&overrides);
	if (ret)
		return ret;
	ret = mlw_asset_spec_from_spec(&spec, from);
	if (!ret)
		ret = mlw_asset_spec_replace_kvs(&spec, &a->f);
	ret = ret ? cmd_fail(ret) : asset_create(ctx, &spec, from);
	mlw_asset_spec_release(&spec);
	mlw_spec_free(from);
	return ret;
}

/* flags alone: the fields a kind needs must all be there; exit status */
static int create_from_flags(struct mlw_ctx *ctx, enum mlw_asset_kind kind,
			     const struct asset_create_args *a,
			     const char *const *usage,
			     const struct mlw_option *opts)
{
	const struct mlw_asset_fields *f = &a->f;
	struct mlw_asset_spec spec;
	int ret;

	if (!f->name)
		return cmd_usage_error(usage, opts, "give --name, or a spec with -f FILE");
	if (kind != MLW_ASSET_ENVIRONMENT && !f->path)
		return cmd_usage_error(usage, opts, "give --name and --path, or a spec with -f FILE");
	if (kind == MLW_ASSET_ENVIRONMENT && !f->image == !f->build_context)
		return cmd_usage_error(usage, opts,
				       "give --image or --build-context (one of them)");
	if (f->dockerfile_path && !f->build_context)
		return cmd_usage_error(usage, opts,
				       "--dockerfile-path goes with --build-context");
	ret = mlw_asset_spec_from_fields(&spec, kind, f);
	ret = ret ? cmd_fail(ret) : asset_create(ctx, &spec, NULL);
	mlw_asset_spec_release(&spec);
	return ret;
}

int asset_create_verb(struct mlw_ctx *ctx, enum mlw_asset_kind kind,
		      int argc, const char **argv,
		      const struct mlw_option *opts,
		      const char *const *usage,
		      struct asset_create_args *a)
{
	struct mlw_strlist owned = MLW_STRLIST_INIT;
	const char **args;
	int n, ret;

	args = cmd_spec_expand_set(argc, argv, &owned, &n);
	n = cmd_parse(ctx, n, args, opts, usage);
	a->f.tags = &a->tags;
	a->f.properties = &a->properties;
	if (n)
		ret = cmd_usage_error(usage, opts, "unexpected operand '%s'",
				      args[0]);
	else if (a->file || a->sets.nr)
		ret = create_from_spec(ctx, kind, a);
	else
		ret = create_from_flags(ctx, kind, a, usage, opts);
	mlw_strlist_release(&a->tags);
	mlw_strlist_release(&a->properties);
	mlw_strlist_release(&a->sets);
	mlw_strlist_release(&owned);
	free(args);
	return ret;
}

