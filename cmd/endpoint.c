/*
 * endpoint.c - 'mlw endpoint': online and batch endpoints and their
 * deployments (az ml online-endpoint, online-deployment, batch-endpoint
 * and batch-deployment in one command).
 *
 * Every verb parses its options and calls lib/endpoint (endpoint.h for
 * the registry, serve.h for the online server, batch.h for batch jobs),
 * then prints what it returns through the output layer.  Specs are
 * loaded as 'validate' loads them (cmd_spec_load()), with -n/--name and
 * --endpoint-name given as the overrides az turns them into.
 */
#include "builtin.h"
#include "endpoint/batch.h"
#include "endpoint/endpoint.h"
#include "endpoint/serve.h"
#include "run/job.h"
#include "run/launch.h"
#include "run/notify.h"
#include "spec/spec.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void warn_cb(const char *msg, void *data)
{
	cmd_warn(data, "%s", msg);
}

static void ep_ctx(struct mlw_endpoint_ctx *e, struct mlw_ctx *ctx)
{
	memset(e, 0, sizeof(*e));
	e->repo = cmd_repo(ctx);
	e->warn = warn_cb;
	e->data = ctx;
}

/* parse, then take one NAME from -n or the operand */
static void one_name(struct mlw_ctx *ctx, int argc, const char **argv,
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

/*
 * A spec for create or update: read from file (-f), or for an update
 * without -f the one the record was last applied from, with its
 * overrides; then the overrides given, and -n/--endpoint-name as az
 * turns them into overrides.  *text is the text the spec came from,
 * kept with the record.  Exit status (0: *spec set).
 */
struct spec_request {
	const char *file;
	const char *name, *endpoint_name;
	const struct mlw_strlist *sets;
	/* update without -f: what the record was applied from */
	const char *stored_spec, *stored_path, *stored_overrides;
	/* a spec made up for create --name alone */
	const char *made_up;
};

static int load_spec(struct mlw_spec **spec, char **text,
		     struct mlw_strlist *overrides, struct mlw_ctx *ctx,
		     const struct spec_request *r, const char *what)
{
	struct mlw_endpoint_ctx e;
	struct mlw_buf b = MLW_BUF_INIT;
	const char *path = r->file;
	size_t i;
	int ret, status;

	*spec = NULL;
	*text = NULL;
	if (r->file) {
		ret = mlw_buf_read_file(&b, r->file, MLW_YAML_MAX_SIZE);
		if (ret)
			return cmd_fail(ret);
		*text = mlw_buf_detach(&b, NULL);
	} else if (r->made_up) {
		*text = mlw_strdup(r->made_up);
		path = what;
	} else {
		ep_ctx(&e, ctx);
		ret = mlw_endpoint_stored_spec(text, overrides, &e,
					       r->stored_spec,
					       r->stored_overrides);
		if (ret == MLW_ENOTFOUND) {
			cmd_error("%s has no spec to update; give one with -f FILE",
				  what);
			return 2;
		}
		if (ret)
			return cmd_fail(ret);
		path = r->stored_path ? r->stored_path : what;
	}
	for (i = 0; r->sets && i < r->sets->nr; i++)
		mlw_strlist_push(overrides, r->sets->items[i]);
	if (r->name)
		mlw_strlist_push_owned(overrides,
				       mlw_xstrfmt("name=%s", r->name));
	if (r->endpoint_name)
		mlw_strlist_push_owned(overrides,
				       mlw_xstrfmt("endpoint_name=%s",
						   r->endpoint_name));
	status = cmd_spec_load(spec, ctx, path, *text, "endpoint", overrides);
	if (status) {
		free(*text);
		*text = NULL;
	}
	return status;
}

static void source_of(struct mlw_endpoint_source *src, const char *text,
		      const struct mlw_spec *spec,
		      const struct mlw_strlist *overrides)
{
	src->text = text;
	src->path = spec->path;
	src->overrides = (const char *const *)overrides->items;
	src->nr_overrides = overrides->nr;
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
	struct spec_request r = { 0 };
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
	r.sets = &sets;
	ret = load_spec(&spec, &text, &overrides, ctx, &r, "endpoint.yml");
	if (ret)
		goto out;
	ep_ctx(&e, ctx);
	source_of(&src, text, spec, &overrides);
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
	struct spec_request r = { 0 };
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
	one_name(ctx, n, args, opts, usage, &r.name, "endpoint");
	ep_ctx(&e, ctx);
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
	r.sets = &sets;
	ret = load_spec(&spec, &text, &overrides, ctx, &r, "endpoint");
	mlw_endpoint_free(ep);
	ep = NULL;
	if (ret)
		goto out;
	source_of(&src, text, spec, &overrides);
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

	one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
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

/* a table and tsv get rows; json and yaml whole documents */
static int full_documents(struct mlw_ctx *ctx)
{
	return ctx->query || ctx->format == MLW_FMT_JSON ||
	       ctx->format == MLW_FMT_YAML;
}

static int endpoint_list(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = { "mlw endpoint list", NULL };
	struct mlw_option opts[] = { MLW_OPT_END() };
	struct list_data l = { ctx, NULL, full_documents(ctx) };
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

	one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	ep_ctx(&e, ctx);
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

	one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
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

	one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	if (strcmp(type, "primary") && strcmp(type, "secondary"))
		return cmd_usage_error(usage, opts, "--key-type is primary or secondary, not '%s'",
				       type);
	ep_ctx(&e, ctx);
	ret = mlw_endpoint_regenerate_key(&e, name, !strcmp(type, "secondary"));
	if (ret)
		return cmd_fail(ret);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: the %s key of endpoint '%s' is new\n",
			type, name);
	return 0;
}

/* --- serving */

static void print_event(const char *line, void *data)
{
	struct mlw_ctx *ctx = data;
	char t[32];

	if (ctx->quiet)
		return;
	mlw_fmt_time(t, mlw_now());
	fprintf(stderr, "%s %s\n", t, line);
}

static int endpoint_serve(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint serve [-n] NAME [--host ADDR] [--port N] [--detach]",
		NULL
	};
	const char *name = NULL, *host = NULL;
	int64_t port = MLW_ENDPOINT_DEFAULT_PORT, threads = 0, idle = 0;
	int64_t max_body = 0, poll_ms = 0;
	int detach = 0;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_STRING(0, "host", &host, "ADDR",
			       "the address to listen on (default: 127.0.0.1)"),
		MLW_OPT_INT(0, "port", &port, "N",
			    "the port (default: 5001; 0: any free port)"),
		MLW_OPT_BOOL(0, "detach", &detach,
			     "serve in the background; print the URL and return"),
		MLW_OPT_INT(0, "threads", &threads, "N",
			    "threads answering requests (default: CPUs + Python workers)"),
		MLW_OPT_INT(0, "idle-timeout", &idle, "SECONDS",
			    "close a connection idle this long (default: 15)"),
		MLW_OPT_INT(0, "max-body", &max_body, "BYTES",
			    "answer 413 to a larger body (default: 16 MiB)"),
		MLW_OPT_INT(0, "poll-ms", &poll_ms, "MS",
			    "how often changes are looked for (default: 100)"),
		MLW_OPT_END()
	};
	struct mlw_endpoint_serve_options so = { 0 };
	struct mlw_endpoint_server *s;
	sigset_t stop;
	int ret, sig;

	one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	if (port < 0 || port > 65535)
		return cmd_usage_error(usage, opts, "--port must be from 0 to 65535");
	if (threads < 0 || threads > 256 || idle < 0 || idle > 86400 ||
	    max_body < 0 || poll_ms < 0 || poll_ms > 60000)
		return cmd_usage_error(usage, opts, "a value is out of range");
	so.host = host;
	so.port = (unsigned)port;
	so.nr_threads = (unsigned)threads;
	so.idle_timeout_s = (unsigned)idle;
	so.max_body = (size_t)max_body;
	so.poll_ms = (unsigned)poll_ms;
	if (detach) {
		pid_t pid;
		char *url;

		ret = mlw_endpoint_serve_detached(&pid, &url, cmd_repo(ctx),
						  name, &so);
		if (ret)
			return cmd_fail(ret);
		printf("%s\n", url);
		if (!ctx->quiet)
			fprintf(stderr, "mlw: serving '%s' on %s (pid %ld); stop it with 'mlw endpoint stop %s'\n",
				name, url, (long)pid, name);
		free(url);
		return cmd_finish_stdout(0);
	}
	so.on_event = print_event;
	so.data = ctx;
	/* blocked before the server's threads exist: they inherit it */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	ret = mlw_endpoint_server_start(&s, cmd_repo(ctx), name, &so);
	if (ret)
		return cmd_fail(ret);
	printf("%s\n", mlw_endpoint_server_url(s));
	fflush(stdout);
	sig = mlw_endpoint_server_wait(s, &stop);
	mlw_endpoint_server_free(s);
	return cmd_finish_stdout(sig == SIGINT ? 130 : 0);
}

static int endpoint_stop(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = { "mlw endpoint stop [-n] NAME",
					     NULL };
	const char *name = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_END()
	};
	int ret;

	one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	ret = mlw_endpoint_stop_server(cmd_repo(ctx), name, 10);
	if (ret)
		return cmd_fail(ret);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: the server of '%s' stopped\n", name);
	return 0;
}

/* the message of an error answer, or its body */
static void report_answer(const char *name, int status,
			  const struct mlw_buf *body)
{
	json_t *o = json_loadb(body->buf, body->len, 0, NULL);
	const char *msg = json_string_value(json_object_get(o, "message"));

	cmd_error("endpoint '%s' answered %d: %.*s", name, status,
		  msg ? (int)strlen(msg) : (int)(body->len > 2000 ? 2000 :
						  body->len),
		  msg ? msg : body->buf);
	json_decref(o);
}

static int invoke_online(struct mlw_ctx *ctx, const char *name,
			 const char *request_file, const char *deployment)
{
	struct mlw_buf body = MLW_BUF_INIT, answer = MLW_BUF_INIT;
	int status, ret;

	ret = mlw_buf_read_file(&body, request_file, (size_t)1 << 30);
	if (!ret)
		ret = mlw_endpoint_invoke(&status, &answer, cmd_repo(ctx), name,
					  deployment, NULL, body.buf, body.len);
	mlw_buf_release(&body);
	if (ret) {
		mlw_buf_release(&answer);
		return cmd_fail(ret);
	}
	if (status < 200 || status > 299) {
		report_answer(name, status, &answer);
		mlw_buf_release(&answer);
		return 1;
	}
	fwrite(answer.buf, 1, answer.len, stdout);
	if (!answer.len || answer.buf[answer.len - 1] != '\n')
		putchar('\n');
	mlw_buf_release(&answer);
	return cmd_finish_stdout(0);
}

/* 'invoke' of a batch endpoint: a recorded scoring job (lib/endpoint) */
static int invoke_batch(struct mlw_ctx *ctx,
			const struct mlw_batch_invocation *req, int stream,
			int wait)
{
	const struct mlw_executor *executors[1];
	struct mlw_job_start_opts so;
	struct mlw_executor builtin;
	struct mlw_batch_job *bj;
	struct mlw_endpoint_ctx e;
	struct mlw_job_watch w;
	int ret;

	ep_ctx(&e, ctx);
	ret = mlw_batch_job_prepare(&bj, &e, req);
	if (ret)
		return cmd_fail(ret);
	cmd_job_start_opts(&so, &builtin, executors, bj->job);
	ret = mlw_batch_job_submit(&w, bj, &so);
	if (ret)
		ret = cmd_fail(ret);
	else
		ret = cmd_job_after_submit(ctx, &w, bj->job->name,
					   bj->job->experiment, stream, wait);
	mlw_batch_job_free(bj);
	return ret;
}

static int endpoint_invoke(int argc, const char **argv, struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint invoke [-n] NAME --request-file FILE [--deployment-name D]",
		"mlw endpoint invoke [-n] NAME --input PATH|azureml:DATA [--input-type T] [--deployment-name D] [--output-path P] [--mini-batch-size N] [--instance-count N] [--stream | --wait]",
		NULL
	};
	const char *name = NULL, *request_file = NULL;
	const char *deployment_alias = NULL;
	struct mlw_batch_invocation bi = { 0 };
	int stream = 0, wait = 0;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_STRING('r', "request-file", &request_file, "FILE",
			       "online: the request body to POST to /score"),
		MLW_OPT_STRING('d', "deployment-name", &bi.deployment, "D",
			       "this deployment rather than the traffic's choice (online) or the default (batch)"),
		MLW_OPT_STRING_F(0, "deployment", &deployment_alias, "D",
				 "the same as --deployment-name", MLW_OPT_HIDDEN),
		MLW_OPT_STRING('i', "input", &bi.input, "PATH",
			       "batch: a file, a folder or azureml:DATA to score"),
		MLW_OPT_STRING(0, "input-type", &bi.input_type, "T",
			       "batch: uri_file or uri_folder (default: what the path is)"),
		MLW_OPT_STRING(0, "output-path", &bi.output_path, "P",
			       "batch: a folder the predictions are copied to too"),
		MLW_OPT_INT(0, "mini-batch-size", &bi.mini_batch_size, "N",
			    "batch: files (or rows of one file) per mini-batch"),
		MLW_OPT_INT(0, "instance-count", &bi.instance_count, "N",
			    "batch: instances, each with max_concurrency_per_instance workers"),
		MLW_OPT_BOOL('s', "stream", &stream,
			     "batch: follow the job's log until it ends"),
		MLW_OPT_BOOL(0, "wait", &wait,
			     "batch: wait for the job to end"),
		MLW_OPT_END()
	};
	struct mlw_endpoint *ep;
	int ret;

	one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	if (!bi.deployment)
		bi.deployment = deployment_alias;
	ret = mlw_endpoint_get(&ep, cmd_catalog(ctx), name);
	if (ret)
		return cmd_fail(ret);
	if (ep->kind == MLW_ENDPOINT_BATCH) {
		mlw_endpoint_free(ep);
		if (request_file)
			return cmd_usage_error(usage, opts, "'%s' is a batch endpoint: it is invoked with --input", name);
		if (!bi.input)
			return cmd_usage_error(usage, opts, "a batch endpoint is invoked with --input PATH|azureml:DATA");
		bi.endpoint = name;
		bi.keep_workdir = getenv("MLW_KEEP_WORKDIR") != NULL;
		return invoke_batch(ctx, &bi, stream, wait);
	}
	mlw_endpoint_free(ep);
	if (bi.input || bi.input_type || bi.output_path ||
	    bi.mini_batch_size || bi.instance_count || stream || wait)
		return cmd_usage_error(usage, opts, "'%s' is an online endpoint: --input and the batch options are for batch endpoints", name);
	if (!request_file)
		return cmd_usage_error(usage, opts, "an online endpoint is invoked with --request-file FILE");
	return invoke_online(ctx, name, request_file, bi.deployment);
}

/* 'list-jobs': the batch jobs of an endpoint, as 'mlw job list' lists */
static int endpoint_list_jobs(int argc, const char **argv,
			      struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint list-jobs [-n] NAME [--deployment-name D]", NULL
	};
	const char *name = NULL, *deployment = NULL;
	struct mlw_option opts[] = {
		MLW_OPT_STRING('n', "name", &name, "NAME", "the endpoint"),
		MLW_OPT_STRING('d', "deployment-name", &deployment, "D",
			       "only this deployment's jobs"),
		MLW_OPT_END()
	};
	const char *job_argv[8];
	struct mlw_endpoint *ep;
	char *tag;
	int n = 0, ret;

	one_name(ctx, argc, argv, opts, usage, &name, "endpoint");
	ret = mlw_endpoint_get(&ep, cmd_catalog(ctx), name);
	if (ret)
		return cmd_fail(ret);
	ret = ep->kind == MLW_ENDPOINT_BATCH;
	mlw_endpoint_free(ep);
	if (!ret)
		return cmd_usage_error(usage, opts, "'%s' is an online endpoint: it has no jobs", name);
	tag = deployment ? mlw_xstrfmt("deployment=%s", deployment) :
	      mlw_xstrfmt("endpoint=%s", name);
	job_argv[n++] = "job";
	job_argv[n++] = "list";
	job_argv[n++] = "--experiment-name";
	job_argv[n++] = name;
	job_argv[n++] = "--tag";
	job_argv[n++] = tag;
	job_argv[n++] = "--all-results";
	job_argv[n] = NULL;
	ret = mlw_find_command("job")->fn(n, job_argv, ctx);
	free(tag);
	return ret;
}

/* print one line of a batch invocation's log (the job's log) */
static void batch_log(enum mlw_batch_level level, const char *line,
		      void *data)
{
	static const char *const names[] = { "WARNING", "INFO", "DEBUG" };

	(void)data;
	printf("%s %s\n", names[level], line);
	fflush(stdout);
}

/*
 * 'endpoint batch-score', the command of a batch invocation's job (not
 * listed: 'invoke' writes it): score INPUT with the deployment into the
 * folder OUTPUT.
 */
static int endpoint_batch_score(int argc, const char **argv,
				struct mlw_ctx *ctx)
{
	static const char *const usage[] = {
		"mlw endpoint batch-score ENDPOINT DEPLOYMENT INPUT OUTPUT [--mini-batch-size N] [--instance-count N] [--output-path P]",
		NULL
	};
	int64_t size = 0, count = 0;
	const char *copy_to = NULL;
	int ret;
	struct mlw_option opts[] = {
		MLW_OPT_STRING(0, "output-path", &copy_to, "P",
			       "a folder for a copy of the predictions"),
		MLW_OPT_INT(0, "mini-batch-size", &size, "N",
			    "files (or rows of one file) per mini-batch"),
		MLW_OPT_INT(0, "instance-count", &count, "N",
			    "instances, each with max_concurrency_per_instance workers"),
		MLW_OPT_END()
	};
	struct mlw_batch_request req = { 0 };
	struct mlw_batch_summary sum;
	struct mlw_deployment *d;

	if (cmd_parse(ctx, argc, argv, opts, usage) != 4)
		return cmd_usage_error(usage, opts, "four operands expected");
	ret = mlw_deployment_get(&d, cmd_catalog(ctx), argv[0], argv[1]);
	if (ret)
		return cmd_fail(ret);
	req.repo = cmd_repo(ctx);
	req.deployment = d;
	req.input = argv[2];
	req.output = argv[3];
	req.copy_to = copy_to;
	req.log_fd = STDOUT_FILENO;
	req.mini_batch_size = size;
	req.instance_count = count;
	req.log = batch_log;
	ret = mlw_batch_score(&sum, &req);
	printf("%zu file%s, %zu mini-batch%s, %zu rows scored, %zu failed item%s, %zu failed mini-batch%s, %zu retr%s in %.3f s on %u worker%s\n",
	       sum.nr_files, sum.nr_files == 1 ? "" : "s",
	       sum.nr_mini_batches, sum.nr_mini_batches == 1 ? "" : "es",
	       sum.nr_rows, sum.nr_failed_items,
	       sum.nr_failed_items == 1 ? "" : "s",
	       sum.nr_failed_mini_batches,
	       sum.nr_failed_mini_batches == 1 ? "" : "es",
	       sum.nr_retries, sum.nr_retries == 1 ? "y" : "ies", sum.seconds,
	       sum.nr_workers, sum.nr_workers == 1 ? "" : "s");
	mlw_deployment_free(d);
	if (ret)
		return cmd_fail(ret);
	return cmd_finish_stdout(0);
}

static int endpoint_validate(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return cmd_spec_validate(ctx, argc, argv, "endpoint");
}

/* --- deployments */

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
	struct spec_request r = { 0 };
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
	char *text, *hook_error = NULL;
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
	ep_ctx(&e, ctx);
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
	r.sets = &sets;
	ret = load_spec(&spec, &text, &overrides, ctx, &r, "deployment");
	mlw_deployment_free(d);
	d = NULL;
	if (ret)
		goto out;
	source_of(&src, text, spec, &overrides);
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
	struct list_data l = { ctx, NULL, full_documents(ctx) };
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
	ep_ctx(&e, ctx);
	ret = mlw_deployment_delete(&e, a.endpoint, a.name);
	if (ret)
		return cmd_fail(ret);
	if (!ctx->quiet)
		fprintf(stderr, "mlw: deployment '%s' of endpoint '%s' deleted\n",
			a.name, a.endpoint);
	return 0;
}

/* the last n lines of buf[0..len) */
static const char *last_lines(const char *buf, size_t len, long n)
{
	const char *p = buf + len;

	if (n < 0)
		return buf;
	if (!n)
		return p;
	if (p > buf && p[-1] == '\n')
		p--;
	while (p > buf) {
		if (p[-1] == '\n' && !--n)
			return p;
		p--;
	}
	return buf;
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
	struct mlw_deployment *d;
	const char *start;
	char *rel, *path;
	int ret;

	dep_args(ctx, argc, argv, opts, usage, &a, 1);
	ret = mlw_deployment_get(&d, cmd_catalog(ctx), a.endpoint, a.name);
	if (ret)
		return cmd_fail(ret);
	mlw_deployment_free(d);
	rel = mlw_xstrfmt("logs/%s.log", a.name);
	path = mlw_endpoint_path(cmd_repo(ctx), a.endpoint, rel);
	ret = mlw_buf_read_file(&b, path, (size_t)1 << 30);
	free(rel);
	free(path);
	if (ret == MLW_ENOTFOUND) {
		/* never served yet: an empty log */
		mlw_buf_release(&b);
		return 0;
	}
	if (ret) {
		mlw_buf_release(&b);
		return cmd_fail(ret);
	}
	start = last_lines(b.buf, b.len, lines);
	fwrite(start, 1, b.len - (size_t)(start - b.buf), stdout);
	mlw_buf_release(&b);
	return cmd_finish_stdout(0);
}

static int endpoint_deployment(int argc, const char **argv,
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

static const struct cmd_verb endpoint_verbs[] = {
	{ "create", endpoint_create, "create an online or batch endpoint" },
	{ "delete", endpoint_delete, "delete an endpoint and its deployments" },
	{ "deployment", endpoint_deployment, "manage an endpoint's deployments" },
	{ "get-credentials", endpoint_get_credentials, "print an endpoint's keys" },
	{ "invoke", endpoint_invoke, "score a request, or start a batch job" },
	{ "list", endpoint_list, "list endpoints" },
	{ "list-jobs", endpoint_list_jobs, "list a batch endpoint's jobs" },
	{ "regenerate-keys", endpoint_regenerate_keys, "replace a key" },
	{ "serve", endpoint_serve, "serve an online endpoint over HTTP" },
	{ "show", endpoint_show, "show one endpoint" },
	{ "stop", endpoint_stop, "stop the server of an endpoint" },
	{ "update", endpoint_update, "change an endpoint or its traffic" },
	{ "validate", endpoint_validate, "check spec files without running them" },
	{ NULL, NULL, NULL }
};

CMD(endpoint)
{
	static const char *const usage[] = { "mlw endpoint VERB [OPTIONS]", NULL };

	/* a batch job's command: not a verb users type */
	if (argc > 1 && !strcmp(argv[1], "batch-score"))
		return endpoint_batch_score(argc - 1, argv + 1, ctx);
	return cmd_dispatch(ctx, argc, argv, endpoint_verbs, usage);
}
