/*
 * endpoint.c - 'mlw endpoint': online and batch endpoints and their
 * deployments (az ml online-endpoint, online-deployment, batch-endpoint
 * and batch-deployment in one command).  This file has the verbs on
 * endpoints (their keys too) and the table of verbs;
 * endpoint-deployment.c the deployments', endpoint-serve.c serving and
 * invoking.
 *
 * Every verb parses its options and calls lib/endpoint (endpoint.h for
 * the registry, serve.h for the online server, batch.h for batch jobs),
 * then prints what it returns through the output layer.  Specs are
 * loaded as 'validate' loads them (cmd_spec_load()), with -n/--name and
 * --endpoint-name given as the overrides az turns them into
 * (mlw_endpoint_spec_text()).
 */
#include "builtin.h"
#include "endpoint.h"
#include "endpoint/endpoint.h"
#include "endpoint/serve.h"
#include "spec/spec.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The spec of a create or update, from what lib/endpoint says to read,
 * checked as 'validate' checks it; *text is what it came from, kept
 * with the record.  Exit status (0: *spec set).
 */
static int load_spec(struct mlw_spec **spec, char **text,
		     struct mlw_strlist *overrides, struct mlw_ctx *ctx,
		     const struct mlw_endpoint_spec_request *r)
{
	struct mlw_endpoint_ctx e = { cmd_repo(ctx), cmd_warn_cb, ctx };
	const char *path;
	int ret = mlw_endpoint_spec_text(text, &path, overrides, &e, r);

	*spec = NULL;
	if (!ret)
		ret = cmd_spec_load(spec, ctx, path, *text, "endpoint",
				    overrides);
	else
		ret = cmd_fail(ret);
	if (ret) {
		free(*text);
		*text = NULL;
	}
	return ret;
}

static int print_endpoint(struct mlw_ctx *ctx, const struct mlw_endpoint *ep)
{
	struct mlw_endpoint_server_info info;
	struct mlw_out *o = mlw_out_new();
	int ret;

	if (ep->kind != MLW_ENDPOINT_ONLINE ||
	    mlw_endpoint_server_find(&info, cmd_repo(ctx), ep->name))
		info.url[0] = '\0';
	mlw_error_clear();
	mlw_endpoint_document(o, ep, info.url);
	ret = cmd_print(ctx, o, MLW_FMT_YAML);
	mlw_out_free(o);
	return cmd_finish_stdout(ret);
}

/* the text of a spec made up from flags alone (create --name X) */
static char *made_up_endpoint(const char *name, int batch)
{
	return mlw_xstrfmt("$schema: https://azuremlschemas.azureedge.net/latest/%s.schema.json\n"
			   "name: %s\n", batch ? "batchEndpoint" :
			   "managedOnlineEndpoint", name);
}

static int endpoint_create(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint create -f FILE [-n NAME] [--set PATH=VALUE]...",
		"mlw endpoint create -n NAME [--batch] [--set PATH=VALUE]...",
		NULL
	};
	struct mlw_strlist sets = MLW_STRLIST_INIT, owned = MLW_STRLIST_INIT;
	struct mlw_strlist overrides = MLW_STRLIST_INIT;
	struct mlw_endpoint_spec_request r = { 0 };
	int batch = 0;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('f', "file", &r.file, "FILE",
			       "an endpoint spec (managedOnlineEndpoint, batchEndpoint)"),
		MLW_OPT_STRING('n', "name", &r.name, "NAME",
			       "the endpoint's name (overrides the file's)"),
		MLW_OPT_BOOL(0, "batch", &batch,
			     "without -f: a batch endpoint (default: online)"),
		MLW_OPT_LIST(0, "set", &sets, "PATH=VALUE",
			     "set a spec field before validation (repeatable)"),
		MLW_OPT_END()
	};
	struct mlw_endpoint_source src;
	struct mlw_endpoint_ctx e;
	struct mlw_endpoint *ep;
	struct mlw_spec *spec;
	char *text, *made = NULL;
	const char **args;
	int n, ret;

	args = cmd_spec_expand_set(argc, argv, &owned, &n);
	n = cmd_parse(ctx, n, args, opts, usage);
	if (n)
		ret = cmd_usage_error(usage, opts, "unexpected argument '%s'",
				      args[0]);
	else if (!r.file && !r.name)
		ret = cmd_usage_error(usage, opts, "give a spec with -f FILE, or a name with -n NAME");
	else if (r.file && batch)
		ret = cmd_usage_error(usage, opts, "--batch is for a spec made from -n alone; the file's $schema says the kind");
	else
		ret = 0;
	if (ret)
		goto out;
	if (!r.file)
		r.made_up = made = made_up_endpoint(r.name, batch);
	r.sets = (const char *const *)sets.items;
	r.nr_sets = sets.nr;
	r.what = "endpoint.yml";
	ret = load_spec(&spec, &text, &overrides, ctx, &r);
	if (ret)
		goto out;
	e = (struct mlw_endpoint_ctx){ cmd_repo(ctx), cmd_warn_cb, ctx };
	mlw_endpoint_source_init(&src, text, spec, &overrides);
	ret = mlw_endpoint_apply(&ep, &e, spec, &src, MLW_ENDPOINT_CREATE);
	mlw_spec_free(spec);
	free(text);
	if (ret) {
		ret = cmd_fail(ret);
		goto out;
	}
	ret = print_endpoint(ctx, ep);
	mlw_endpoint_free(ep);
out:
	free(made);
	free(args);
	mlw_strlist_release(&sets);
	mlw_strlist_release(&owned);
	mlw_strlist_release(&overrides);
	return ret;
}

static int endpoint_update(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint update [-n] NAME [--traffic 'D=PCT ...'] [--mirror-traffic 'D=PCT ...']",
		"mlw endpoint update [-n] NAME [-f FILE] [--set PATH=VALUE]...",
		NULL
	};
	struct mlw_strlist sets = MLW_STRLIST_INIT, owned = MLW_STRLIST_INIT;
	struct mlw_strlist overrides = MLW_STRLIST_INIT;
	const char *traffic = NULL, *mirror = NULL;
	struct mlw_endpoint_spec_request r = { 0 };
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &r.name, "NAME", "the endpoint"),
		MLW_OPT_STRING('f', "file", &r.file, "FILE",
			       "the endpoint's spec, applied again"),
		MLW_OPT_LIST(0, "set", &sets, "PATH=VALUE",
			     "set a spec field (repeatable)"),
		MLW_OPT_STRING(0, "traffic", &traffic, "'D=PCT ...'",
			       "live traffic by deployment, summing to 0 or 100"),
		MLW_OPT_STRING(0, "mirror-traffic", &mirror, "'D=PCT ...'",
			       "traffic copied to deployments (at most 50 each)"),
		MLW_OPT_END()
	};
	struct mlw_endpoint_source src;
	struct mlw_endpoint_ctx e;
	struct mlw_endpoint *ep = NULL;
	struct mlw_spec *spec;
	const char **args;
	char *text;
	int n, ret;

	args = cmd_spec_expand_set(argc, argv, &owned, &n);
	cmd_one_name(ctx, n, args, opts, usage, &r.name, "endpoint");
	e = (struct mlw_endpoint_ctx){ cmd_repo(ctx), cmd_warn_cb, ctx };
	if ((traffic || mirror) && (r.file || sets.nr)) {
		ret = cmd_usage_error(usage, opts, "--traffic and --mirror-traffic go without -f and --set");
		goto out;
	}
	if (traffic || mirror) {
		ret = mlw_endpoint_set_traffic(&ep, &e, r.name, traffic, mirror);
		ret = ret ? cmd_fail(ret) : print_endpoint(ctx, ep);
		goto out;
	}
	if (!r.file) {
		ret = mlw_endpoint_get(&ep, cmd_catalog(ctx), r.name);
		if (ret) {
			ret = cmd_fail(ret);
			goto out;
		}
		r.stored_spec = ep->spec;
		r.stored_path = ep->spec_path;
		r.stored_overrides = ep->spec_overrides;
	}
	r.sets = (const char *const *)sets.items;
	r.nr_sets = sets.nr;
	r.what = "endpoint";
	ret = load_spec(&spec, &text, &overrides, ctx, &r);
	mlw_endpoint_free(ep);
	ep = NULL;
	if (ret)
		goto out;
	mlw_endpoint_source_init(&src, text, spec, &overrides);
	ret = mlw_endpoint_apply(&ep, &e, spec, &src, MLW_ENDPOINT_UPDATE);
	mlw_spec_free(spec);
	free(text);
	ret = ret ? cmd_fail(ret) : print_endpoint(ctx, ep);
out:
	mlw_endpoint_free(ep);
	free(args);
	mlw_strlist_release(&sets);
	mlw_strlist_release(&owned);
	mlw_strlist_release(&overrides);
	return ret;
}

static int endpoint_show(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = { "mlw endpoint show [-n] NAME",
					     NULL };
	const char *name = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_END()
	};
	struct mlw_endpoint *ep;
	int ret;

	cmd_one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	ret = mlw_endpoint_get(&ep, cmd_catalog(ctx), name);
	if (ret)
		return cmd_fail(ret);
	ret = print_endpoint(ctx, ep);
	mlw_endpoint_free(ep);
	return ret;
}

struct list_data {
	struct mlw_ctx *ctx;
	struct mlw_out *o;
	int full;
};

static int list_endpoint(const struct mlw_endpoint *ep, void *data)
{
	struct list_data *l = data;
	struct mlw_endpoint_server_info info;

	if (!l->full) {
		mlw_endpoint_row(l->o, ep);
		return 0;
	}
	if (ep->kind != MLW_ENDPOINT_ONLINE ||
	    mlw_endpoint_server_find(&info, cmd_repo(l->ctx), ep->name))
		info.url[0] = '\0';
	mlw_error_clear();
	mlw_endpoint_document(l->o, ep, info.url);
	return 0;
}

static int endpoint_list(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = { "mlw endpoint list", NULL };
	struct mlw_option opts[] = { MLW_OPT_END() };
	struct list_data l = { ctx, NULL, cmd_full_documents(ctx) };
	int ret;

	if (cmd_parse(ctx, argc, argv, opts, usage))
		return cmd_usage_error(usage, opts, "no arguments expected");
	l.o = cmd_out_list(ctx, MLW_FMT_TABLE);
	mlw_out_list_begin(l.o, NULL);
	ret = mlw_endpoint_list(cmd_catalog(ctx), list_endpoint, &l);
	mlw_out_end(l.o);
	if (!ret)
		ret = cmd_print(ctx, l.o, MLW_FMT_TABLE);
	else
		ret = cmd_fail(ret);
	mlw_out_free(l.o);
	return cmd_finish_stdout(ret);
}

static int endpoint_delete(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint delete [-n] NAME [-y]", NULL
	};
	const char *name = NULL;
	int yes = 0, ret;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_BOOL('y', "yes", &yes,
			     "do not ask (mlw never asks; accepted as az takes it)"),
		MLW_OPT_END()
	};
	struct mlw_endpoint_ctx e;

	cmd_one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	e = (struct mlw_endpoint_ctx){ cmd_repo(ctx), cmd_warn_cb, ctx };
	ret = mlw_endpoint_delete(&e, name);
	if (ret)
		return cmd_fail(ret);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: endpoint '%s' deleted\n", name);
	return 0;
}

static int endpoint_get_credentials(int argc, const char **argv,
				    struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint get-credentials [-n] NAME", NULL
	};
	const char *name = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_END()
	};
	char primary[MLW_ENDPOINT_KEY_SIZE], secondary[MLW_ENDPOINT_KEY_SIZE];
	struct mlw_endpoint *ep;
	struct mlw_out *o;
	int ret;

	cmd_one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	ret = mlw_endpoint_get(&ep, cmd_catalog(ctx), name);
	if (ret)
		return cmd_fail(ret);
	mlw_endpoint_free(ep);
	ret = mlw_endpoint_keys(primary, secondary, cmd_repo(ctx), name);
	if (ret)
		return cmd_fail(ret);
	o = mlw_out_new();
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "primaryKey", primary);
	mlw_out_str(o, "secondaryKey", secondary);
	mlw_out_end(o);
	ret = cmd_print(ctx, o, MLW_FMT_JSON);
	mlw_out_free(o);
	return cmd_finish_stdout(ret);
}

static int endpoint_regenerate_keys(int argc, const char **argv,
				    struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint regenerate-keys [-n] NAME [--key-type primary|secondary]",
		NULL
	};
	const char *name = NULL, *type = "primary";
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_STRING(0, "key-type", &type, "TYPE",
			       "primary (default) or secondary"),
		MLW_OPT_END()
	};
	struct mlw_endpoint_ctx e;
	int ret;

	cmd_one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	if (strcmp(type, "primary") && strcmp(type, "secondary"))
		return cmd_usage_error(usage, opts, "--key-type is primary or secondary, not '%s'",
				       type);
	e = (struct mlw_endpoint_ctx){ cmd_repo(ctx), cmd_warn_cb, ctx };
	ret = mlw_endpoint_regenerate_key(&e, name, !strcmp(type, "secondary"));
	if (ret)
		return cmd_fail(ret);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: the %s key of endpoint '%s' is new\n",
			type, name);
	return 0;
}

static int endpoint_validate(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return cmd_spec_validate(ctx, argc, argv, "endpoint");
}


static const struct cmd_verb endpoint_verbs[] = {
	{ "create", endpoint_create, "create an online or batch endpoint" },
	{ "delete", endpoint_delete, "delete an endpoint and its deployments" },
	{ "deployment", cmd_endpoint_deployment, "manage an endpoint's deployments" },
	{ "get-credentials", endpoint_get_credentials, "print an endpoint's keys" },
	{ "invoke", cmd_endpoint_invoke, "score a request, or start a batch job" },
	{ "list", endpoint_list, "list endpoints" },
	{ "list-jobs", cmd_endpoint_list_jobs, "list a batch endpoint's jobs" },
	{ "regenerate-keys", endpoint_regenerate_keys, "replace a key" },
	{ "serve", cmd_endpoint_serve, "serve an online endpoint over HTTP" },
	{ "show", endpoint_show, "show one endpoint" },
	{ "stop", cmd_endpoint_stop, "stop the server of an endpoint" },
	{ "update", endpoint_update, "change an endpoint or its traffic" },
	{ "validate", endpoint_validate, "check spec files without running them" },
	{ NULL, NULL, NULL }
};

CMD(endpoint)
{
	static const char *const usage[] = { "mlw endpoint VERB [OPTIONS]", NULL };

	/* a batch job's command: not a verb users type */
	if (argc > 1 && !strcmp(argv[1], "batch-score"))
		return cmd_endpoint_batch_score(argc - 1, argv + 1, ctx);
	return cmd_dispatch(ctx, argc, argv, endpoint_verbs, usage);
}

