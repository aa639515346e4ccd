/*
 * endpoint-deployment.c - 'mlw endpoint deployment': the deployments of
 * an endpoint (az ml online-deployment and batch-deployment).
 */
#include "builtin.h"
#include "endpoint.h"
#include "endpoint/endpoint.h"
#include "endpoint/serve.h"
#include "spec/spec.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct list_data {
	struct mlw_ctx *ctx;
	struct mlw_out *o;
	int full;
};

static int print_deployment(struct mlw_ctx *ctx,
			    const struct mlw_deployment *d)
{
	struct mlw_out *o = mlw_out_new();
	int ret;

	mlw_deployment_document(o, d);
	ret = cmd_print(ctx, o, MLW_FMT_YAML);
	mlw_out_free(o);
	return cmd_finish_stdout(ret);
}

static int deployment_create_or_update(int argc, const char **argv,
				       struct mlw_ctx *ctx, int mode)
{
	static const char *const create_usage[] = {
		"mlw endpoint deployment create -f FILE [-n NAME] [-e ENDPOINT] [--all-traffic] [--set-default] [--set PATH=VALUE]...",
		NULL
	};
	static const char *const update_usage[] = {
		"mlw endpoint deployment update [-n NAME] [-e ENDPOINT] [-f FILE] [--set PATH=VALUE]...",
		NULL
	};
	const char *const *usage = mode == MLW_ENDPOINT_CREATE ? create_usage :
				   update_usage;
	struct mlw_strlist sets = MLW_STRLIST_INIT, owned = MLW_STRLIST_INIT;
	struct mlw_strlist overrides = MLW_STRLIST_INIT;
	const char *endpoint_alias = NULL;
	struct mlw_endpoint_spec_request r = { 0 };
	int all_traffic = 0, set_default = 0;
	struct mlw_option create_opts[] = {
		MLW_OPT_STRING('f', "file", &r.file, "FILE",
			       "a deployment spec (managedOnlineDeployment, modelBatchDeployment, ...)"),
		MLW_OPT_STRING('n', "name", &r.name, "NAME",
			       "the deployment's name (overrides the file's)"),
		MLW_OPT_STRING('e', "endpoint-name", &r.endpoint_name,
			       "ENDPOINT", "its endpoint (overrides endpoint_name)"),
		MLW_OPT_STRING_F(0, "endpoint", &endpoint_alias, "ENDPOINT",
				 "the same as --endpoint-name", MLW_OPT_HIDDEN),
		MLW_OPT_BOOL(0, "all-traffic", &all_traffic,
			     "send it all the live traffic (online)"),
		MLW_OPT_BOOL(0, "set-default", &set_default,
			     "make it the endpoint's default (batch)"),
		MLW_OPT_LIST(0, "set", &sets, "PATH=VALUE",
			     "set a spec field before validation (repeatable)"),
		MLW_OPT_END()
	};
	struct mlw_option update_opts[] = {
		MLW_OPT_STRING('f', "file", &r.file, "FILE",
			       "the deployment's spec, applied again"),
		MLW_OPT_STRING('n', "name", &r.name, "NAME", "the deployment"),
		MLW_OPT_STRING('e', "endpoint-name", &r.endpoint_name,
			       "ENDPOINT", "its endpoint"),
		MLW_OPT_STRING_F(0, "endpoint", &endpoint_alias, "ENDPOINT",
				 "the same as --endpoint-name", MLW_OPT_HIDDEN),
		MLW_OPT_LIST(0, "set", &sets, "PATH=VALUE",
			     "set a spec field (repeatable)"),
		MLW_OPT_END()
	};
	const struct mlw_option *opts = mode == MLW_ENDPOINT_CREATE ?
					create_opts : update_opts;
	struct mlw_endpoint_source src;
	struct mlw_endpoint_ctx e;
	struct mlw_deployment *d = NULL;
	struct mlw_spec *spec;
	const char **args;
	char *text = NULL, *hook_error = NULL;
	const char *path;
	int n, ret;

	args = cmd_spec_expand_set(argc, argv, &owned, &n);
	n = cmd_parse(ctx, n, args, opts, usage);
	if (!r.endpoint_name)
		r.endpoint_name = endpoint_alias;
	if (n == 1 && !r.name && mode == MLW_ENDPOINT_UPDATE)
		r.name = args[0];
	else if (n) {
		ret = cmd_usage_error(usage, opts, "unexpected argument '%s'",
				      args[0]);
		goto out;
	}
	if (mode == MLW_ENDPOINT_CREATE && !r.file) {
		ret = cmd_usage_error(usage, opts, "give the deployment's spec with -f FILE");
		goto out;
	}
	e = (struct mlw_endpoint_ctx){ cmd_repo(ctx), cmd_warn_cb, ctx };
	if (!r.file) {
		if (!r.name || !r.endpoint_name) {
			ret = cmd_usage_error(usage, opts, "without -f, give the deployment with -n NAME and -e ENDPOINT");
			goto out;
		}
		ret = mlw_deployment_get(&d, cmd_catalog(ctx), r.endpoint_name,
					 r.name);
		if (ret) {
			ret = cmd_fail(ret);
			goto out;
		}
		r.stored_spec = d->spec;
		r.stored_path = d->spec_path;
		r.stored_overrides = d->spec_overrides;
	}
	r.sets = (const char *const *)sets.items;
	r.nr_sets = sets.nr;
	r.what = "deployment";
	ret = mlw_endpoint_spec_text(&text, &path, &overrides, &e, &r);
	ret = ret ? cmd_fail(ret) : cmd_spec_load(&spec, ctx, path, text,
						  "endpoint", &overrides);
	mlw_deployment_free(d);
	d = NULL;
	if (ret) {
		free(text);
		goto out;
	}
	mlw_endpoint_source_init(&src, text, spec, &overrides);
	ret = mlw_deployment_apply(&d, &e, spec, &src, mode, all_traffic,
				   set_default, &hook_error);
	mlw_spec_free(spec);
	free(text);
	if (hook_error) {
		cmd_warn(ctx, "%s; the deployment stands", hook_error);
		free(hook_error);
	}
	ret = ret ? cmd_fail(ret) : print_deployment(ctx, d);
out:
	mlw_deployment_free(d);
	free(args);
	mlw_strlist_release(&sets);
	mlw_strlist_release(&owned);
	mlw_strlist_release(&overrides);
	return ret;
}

static int deployment_create(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return deployment_create_or_update(argc, argv, ctx,
					   MLW_ENDPOINT_CREATE);
}

static int deployment_update(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return deployment_create_or_update(argc, argv, ctx,
					   MLW_ENDPOINT_UPDATE);
}

/* -n NAME (or the operand) and -e ENDPOINT, as every other verb takes */
struct dep_args {
	const char *name, *endpoint, *alias;
};

#define DEP_OPTS(a) \
	MLW_OPT_STRING('n', "name", &(a).name, "NAME", "the deployment"), \
	MLW_OPT_STRING('e', "endpoint-name", &(a).endpoint, "ENDPOINT", \
		       "its endpoint"), \
	MLW_OPT_STRING_F(0, "endpoint", &(a).alias, "ENDPOINT", \
			 "the same as --endpoint-name", MLW_OPT_HIDDEN)

static void dep_args(struct mlw_ctx *ctx, int argc, const char **argv,
		     const struct mlw_option *opts, const char *const *usage,
		     struct dep_args *a, int need_name)
{
	int n = cmd_parse(ctx, argc, argv, opts, usage);

	if (!a->endpoint)
		a->endpoint = a->alias;
	if (n == 1 && !a->name && need_name)
		a->name = argv[0];
	else if (n)
		exit(cmd_usage_error(usage, opts, "unexpected argument '%s'",
				     argv[0]));
	if (!a->endpoint || (need_name && !a->name))
		exit(cmd_usage_error(usage, opts, need_name ?
				     "give the deployment (-n NAME) and its endpoint (-e ENDPOINT)" :
				     "give the endpoint with -e ENDPOINT"));
}

static int deployment_show(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint deployment show [-n] NAME -e ENDPOINT", NULL
	};
	struct dep_args a = { 0 };
	struct mlw_option opts[] = { DEP_OPTS(a), MLW_OPT_END() };
	struct mlw_deployment *d;
	int ret;

	dep_args(ctx, argc, argv, opts, usage, &a, 1);
	ret = mlw_deployment_get(&d, cmd_catalog(ctx), a.endpoint, a.name);
	if (ret)
		return cmd_fail(ret);
	ret = print_deployment(ctx, d);
	mlw_deployment_free(d);
	return ret;
}

static int list_deployment(const struct mlw_deployment *d, void *data)
{
	struct list_data *l = data;

	if (l->full)
		mlw_deployment_document(l->o, d);
	else
		mlw_deployment_row(l->o, d);
	return 0;
}

static int deployment_list(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint deployment list -e ENDPOINT", NULL
	};
	struct dep_args a = { 0 };
	struct mlw_option opts[] = {
		MLW_OPT_STRING('e', "endpoint-name", &a.endpoint, "ENDPOINT",
			       "the endpoint"),
		MLW_OPT_STRING_F(0, "endpoint", &a.alias, "ENDPOINT",
				 "the same as --endpoint-name", MLW_OPT_HIDDEN),
		MLW_OPT_END()
	};
	struct list_data l = { ctx, NULL, cmd_full_documents(ctx) };
	struct mlw_endpoint *ep;
	int ret;

	dep_args(ctx, argc, argv, opts, usage, &a, 0);
	ret = mlw_endpoint_get(&ep, cmd_catalog(ctx), a.endpoint);
	if (ret)
		return cmd_fail(ret);
	mlw_endpoint_free(ep);
	l.o = cmd_out_list(ctx, MLW_FMT_TABLE);
	mlw_out_list_begin(l.o, NULL);
	ret = mlw_deployment_list(cmd_catalog(ctx), a.endpoint,
				  list_deployment, &l);
	mlw_out_end(l.o);
	ret = ret ? cmd_fail(ret) : cmd_print(ctx, l.o, MLW_FMT_TABLE);
	mlw_out_free(l.o);
	return cmd_finish_stdout(ret);
}

static int deployment_delete(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint deployment delete [-n] NAME -e ENDPOINT [-y]", NULL
	};
	struct dep_args a = { 0 };
	int yes = 0, ret;
	struct mlw_option opts[] = {
		DEP_OPTS(a),
		MLW_OPT_BOOL('y', "yes", &yes,
			     "do not ask (mlw never asks; accepted as az takes it)"),
		MLW_OPT_END()
	};
	struct mlw_endpoint_ctx e;

	dep_args(ctx, argc, argv, opts, usage, &a, 1);
	e = (struct mlw_endpoint_ctx){ cmd_repo(ctx), cmd_warn_cb, ctx };
	ret = mlw_deployment_delete(&e, a.endpoint, a.name);
	if (ret)
		return cmd_fail(ret);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: deployment '%s' of endpoint '%s' deleted\n",
			a.name, a.endpoint);
	return 0;
}

static int deployment_get_logs(int argc, const char **argv,
			       struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint deployment get-logs [-n] NAME -e ENDPOINT [--lines N]",
		NULL
	};
	struct dep_args a = { 0 };
	int64_t lines = -1;
	struct mlw_option opts[] = {
		DEP_OPTS(a),
		MLW_OPT_INT('l', "lines", &lines, "N",
			    "only the last N lines (default: all)"),
		MLW_OPT_END()
	};
	struct mlw_buf b = MLW_BUF_INIT;
	int ret;

	dep_args(ctx, argc, argv, opts, usage, &a, 1);
	ret = mlw_deployment_log(&b, cmd_catalog(ctx), cmd_repo(ctx),
				 a.endpoint, a.name, lines);
	if (!ret)
		fwrite(b.buf, 1, b.len, stdout);
	mlw_buf_release(&b);
	return ret ? cmd_fail(ret) : cmd_finish_stdout(0);
}

int cmd_endpoint_deployment(int argc, const char **argv,
			       struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint deployment VERB [OPTIONS]", NULL
	};
	static const struct cmd_verb verbs[] = {
		{ "create", deployment_create, "add a deployment to an endpoint" },
		{ "delete", deployment_delete, "remove a deployment" },
		{ "get-logs", deployment_get_logs, "show a deployment's server log" },
		{ "list", deployment_list, "list an endpoint's deployments" },
		{ "show", deployment_show, "show one deployment" },
		{ "update", deployment_update, "change a deployment" },
		{ NULL, NULL, NULL }
	};

	return cmd_dispatch(ctx, argc, argv, verbs, usage);
}
