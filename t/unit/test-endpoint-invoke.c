/*
 * test-endpoint-invoke.c - lib/endpoint's entry points below the
 * commands: a batch invocation's job, built in memory and prepared
 * (mlw_batch_job_prepare(), batch.h), the text and overrides a
 * create or update applies (mlw_endpoint_spec_text(), endpoint.h), and
 * a deployment's server log (mlw_deployment_log(), serve.h).
 */
#include "tap.h"
#include "endpoint/batch.h"
#include "endpoint/endpoint.h"
#include "endpoint/internal.h"
#include "endpoint/serve.h"
#include "run/job.h"
#include "spec/spec.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/mlw-test-endpoint-invoke-XXXXXX";
static struct mlw_repo *repo;
static struct mlw_endpoint_ctx ectx;
static int nr_warnings, host_warnings;

/* the job's warnings reach the context's sink */
static void count_warning(const char *msg, void *data)
{
	nr_warnings++;
	host_warnings += !!strstr(msg, "'azureml:host@1' is not available here");
}

static char *in_dir(const char *name)
{
	return mlw_path_join(dir, name);
}

static void write_file(const char *name, const char *text)
{
	char *path = in_dir(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	if (fd >= 0) {
		mlw_write_all(fd, text, strlen(text));
		close(fd);
	}
	free(path);
}

/* an endpoint record (batch with a default, when def is given) */
static int add_endpoint(struct mlw_catalog *cat, const char *name,
			enum mlw_endpoint_kind kind, const char *def)
{
	struct mlw_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.name = (char *)name;
	ep.kind = kind;
	ep.auth_mode = (char *)(kind == MLW_ENDPOINT_BATCH ? "aad_token" :
				"key");
	ep.default_deployment = (char *)def;
	return mlw_endpoint_record_create(cat, &ep);
}

static int add_deployment(struct mlw_catalog *cat, const char *endpoint,
			  const char *name)
{
	struct mlw_deployment *d = mlw_calloc(1, sizeof(*d));
	int ret;

	d->endpoint = mlw_strdup(endpoint);
	d->name = mlw_strdup(name);
	d->kind = MLW_ENDPOINT_BATCH;
	mlw_deployment_defaults(d);
	ret = mlw_deployment_record_write(cat, d, 1);
	mlw_deployment_free(d);
	return ret;
}

static int setup(void)
{
	struct mlw_catalog *cat;
	char *p;
	int ret;

	if (!mkdtemp(dir) || mlw_repo_init(dir) ||
	    mlw_repo_discover(&repo, dir, NULL))
		return -1;
	ectx.repo = repo;
	ectx.warn = count_warning;
	ret = mlw_repo_catalog(&cat, repo);
	if (!ret)
		ret = mlw_endpoint_use(cat);
	if (!ret)
		ret = add_endpoint(cat, "nightly", MLW_ENDPOINT_BATCH, "ridge");
	if (!ret)
		ret = add_endpoint(cat, "adhoc", MLW_ENDPOINT_BATCH, NULL);
	if (!ret)
		ret = add_endpoint(cat, "live", MLW_ENDPOINT_ONLINE, NULL);
	if (!ret)
		ret = add_deployment(cat, "nightly", "ridge");
	if (!ret)
		ret = add_deployment(cat, "nightly", "lasso");
	if (ret)
		return ret;
	p = in_dir("in");
	mkdir(p, 0777);
	free(p);
	write_file("in/a.csv", "x\n1\n");
	write_file("one.csv", "x\n1\n");
	return 0;
}

static const char *tag(const struct mlw_job *job, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < job->tags.nr; i += 2)
		if (!strcmp(job->tags.items[i], key))
			return job->tags.items[i + 1];
	return NULL;
}

static void test_folder(void)
{
	struct mlw_batch_invocation req = { 0 };
	struct mlw_batch_job *bj = NULL;
	char *input = in_dir("in");
	int ret;

	req.endpoint = "nightly";
	req.input = input;
	ret = mlw_batch_job_prepare(&bj, &ectx, &req);
	is_int(ret, 0, "a folder: prepared (%s)", ret ? mlw_error_last() : "");
	if (ret) {
		free(input);
		return;
	}
	is_str(bj->deployment, "ridge", "the endpoint's default deployment");
	is_str(bj->job->command_template,
	       "mlw endpoint batch-score nightly ridge ${{inputs.data}} ${{outputs.score}}",
	       "the hidden batch-score is the command");
	is_str(bj->job->experiment, "nightly", "the experiment is the endpoint");
	is_str(bj->job->display_name, "nightly-ridge", "display name");
	is_str(bj->job->environment, "azureml:host@1", "environment");
	is_str(tag(bj->job, "endpoint"), "nightly", "tag endpoint");
	is_str(tag(bj->job, "deployment"), "ridge", "tag deployment");
	is_int(bj->job->nr_inputs, 1, "one input");
	is_str(bj->job->inputs[0].name, "data", "input 'data'");
	is_str(bj->job->inputs[0].type, "uri_folder", "a folder is uri_folder");
	is_str(bj->job->inputs[0].src, input, "its source, absolute");
	ok(!bj->job->inputs[0].is_file, "not a file");
	is_int(bj->job->nr_outputs, 1, "one output");
	is_str(bj->job->outputs[0].name, "score", "output 'score'");
	is_str(bj->job->outputs[0].type, "uri_folder", "a folder");
	is_int(bj->spec->kind, MLW_SPEC_COMMAND_JOB, "the document is a command job");
	ok(access(bj->spec->path, F_OK) < 0,
	   "nothing written before submit (%s)", bj->spec->path);
	mlw_batch_job_free(bj);
	free(input);
}

static void test_file_and_options(void)
{
	struct mlw_batch_invocation req = { 0 };
	struct mlw_batch_job *bj = NULL;
	char *input = in_dir("one.csv"), *copy = in_dir("a \"b\"");
	char *want;
	int ret;

	req.endpoint = "nightly";
	req.deployment = "lasso";
	req.input = input;
	req.output_path = copy;
	req.mini_batch_size = 4;
	req.instance_count = 2;
	req.keep_workdir = 1;
	ret = mlw_batch_job_prepare(&bj, &ectx, &req);
	is_int(ret, 0, "a file with options: prepared (%s)",
	       ret ? mlw_error_last() : "");
	if (ret) {
		free(input);
		free(copy);
		return;
	}
	want = mlw_xstrfmt("mlw endpoint batch-score nightly lasso ${{inputs.data}} ${{outputs.score}} --mini-batch-size 4 --instance-count 2 --output-path \"%s/a \\\"b\\\"\"",
			   dir);
	is_str(bj->job->command_template, want,
	       "options and a quoted --output-path in the command");
	is_str(bj->deployment, "lasso", "the deployment given");
	is_str(tag(bj->job, "deployment"), "lasso", "tagged with it");
	is_str(bj->job->inputs[0].type, "uri_file", "a file is uri_file");
	ok(bj->job->inputs[0].is_file, "bound as a file");
	is_str(bj->job->inputs[0].file_name, "one.csv", "under its own name");
	ok(bj->job->keep_workdir, "keep_workdir passed on");
	free(want);
	mlw_batch_job_free(bj);
	free(input);
	free(copy);
}

static void refused(const char *endpoint, const char *deployment,
		    const char *input, const char *type, int code,
		    const char *says, const char *what)
{
	struct mlw_batch_invocation req = { 0 };
	struct mlw_batch_job *bj = NULL;
	char *path = input[0] == '/' || !strncmp(input, "azureml:", 8) ?
		     mlw_strdup(input) : in_dir(input);
	int ret;

	req.endpoint = endpoint;
	req.deployment = deployment;
	req.input = path;
	req.input_type = type;
	ret = mlw_batch_job_prepare(&bj, &ectx, &req);
	is_int(ret, code, "%s: refused", what);
	ok(!bj, "%s: no job", what);
	ok(ret && strstr(mlw_error_last(), says), "%s: says '%s' (%s)", what,
	   says, mlw_error_last());
	mlw_batch_job_free(bj);
	free(path);
}

static void test_refusals(void)
{
	refused("nightly", NULL, "in", "mltable", MLW_EINVALID,
		"not uri_file or uri_folder", "an input type that is neither");
	refused("nightly", NULL, "nowhere", NULL, MLW_ENOTFOUND,
		"cannot read", "an input that is not");
	refused("nightly", NULL, "in", "uri_file", MLW_EINVALID,
		"is a folder, not a uri_file", "a folder as uri_file");
	refused("nightly", NULL, "one.csv", "uri_folder", MLW_EINVALID,
		"is a file, not a uri_folder", "a file as uri_folder");
	refused("nightly", "purple", "in", NULL, MLW_ENOTFOUND, "purple",
		"a deployment that is not");
	refused("adhoc", NULL, "in", NULL, MLW_EINVALID,
		"no default deployment", "no deployment and no default");
	refused("live", NULL, "in", NULL, MLW_EINVALID, "online endpoint",
		"an online endpoint");
	refused("nobody", NULL, "in", NULL, MLW_ENOTFOUND, "nobody",
		"an endpoint that is not");
	refused("nightly", NULL, "azureml:unlabeled@latest", NULL,
		MLW_EINVALID, "input 'data'", "a data asset that is not");
	is_int(nr_warnings, 2, "a warning for each job prepared, none for refusals");
	is_int(host_warnings, 2, "saying the host environment runs it");
}

static void test_spec_text(void)
{
	struct mlw_strlist ov = MLW_STRLIST_INIT;
	struct mlw_endpoint_spec_request r = { 0 };
	const char *sets[] = { "description=x", "tags.a=b" };
	const char *path;
	char *text, *file = in_dir("ep.yml");
	int ret;

	write_file("ep.yml", "name: e\n");
	r.file = file;
	r.sets = sets;
	r.nr_sets = 2;
	r.name = "n";
	r.endpoint_name = "e2";
	r.what = "endpoint";
	ret = mlw_endpoint_spec_text(&text, &path, &ov, &ectx, &r);
	is_int(ret, 0, "a file: read");
	is_str(text, "name: e\n", "its text");
	is_str(path, file, "its path");
	is_int(ov.nr, 4, "sets, then name= and endpoint_name=");
	if (ov.nr == 4) {
		is_str(ov.items[0], "description=x", "the sets first");
		is_str(ov.items[2], "name=n", "then -n");
		is_str(ov.items[3], "endpoint_name=e2", "then --endpoint-name");
	}
	free(text);
	mlw_strlist_release(&ov);

	memset(&r, 0, sizeof(r));
	r.made_up = "name: m\n";
	r.what = "endpoint.yml";
	ret = mlw_endpoint_spec_text(&text, &path, &ov, &ectx, &r);
	is_int(ret, 0, "made up: no file read");
	is_str(text, "name: m\n", "the text given");
	is_str(path, "endpoint.yml", "named as what says");
	is_int(ov.nr, 0, "no overrides");
	free(text);

	memset(&r, 0, sizeof(r));
	r.what = "deployment";
	ret = mlw_endpoint_spec_text(&text, &path, &ov, &ectx, &r);
	is_int(ret, MLW_EINVALID, "a record without a spec: refused");
	ok(strstr(mlw_error_last(), "deployment has no spec to update"),
	   "says so (%s)", mlw_error_last());
	ok(!text, "no text");

	r.file = "/nonexistent/ep.yml";
	ret = mlw_endpoint_spec_text(&text, &path, &ov, &ectx, &r);
	is_int(ret, MLW_ENOTFOUND, "a file that is not: MLW_ENOTFOUND");
	mlw_strlist_release(&ov);
	free(file);
}

static void log_is(long lines, const char *want, const char *what)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_catalog *cat;
	int ret = mlw_repo_catalog(&cat, repo);

	if (!ret)
		ret = mlw_deployment_log(&b, cat, repo, "nightly", "ridge",
					 lines);
	is_int(ret, 0, "%s: read", what);
	is_str(b.len ? b.buf : "", want, "%s", what);
	mlw_buf_release(&b);
}

static void test_log(void)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_catalog *cat;
	char *logs = mlw_endpoint_path(repo, "nightly", "logs");
	int ret;

	log_is(-1, "", "never served: an empty log");
	mlw_mkdir_p(logs, 0700);
	write_file(".mlw/endpoints/nightly/logs/ridge.log", "one\ntwo\nthree\n");
	log_is(-1, "one\ntwo\nthree\n", "all of it");
	log_is(1, "three\n", "the last line");
	log_is(2, "two\nthree\n", "the last two");
	log_is(9, "one\ntwo\nthree\n", "more lines than it has");
	log_is(0, "", "no lines");
	ret = mlw_repo_catalog(&cat, repo);
	if (!ret)
		ret = mlw_deployment_log(&b, cat, repo, "nightly", "purple", -1);
	is_int(ret, MLW_ENOTFOUND, "a deployment that is not");
	mlw_buf_release(&b);
	free(logs);
}

int main(void)
{
	if (setup()) {
		ok(0, "a workspace with endpoints: %s", mlw_error_last());
		return done_testing();
	}
	test_folder();
	test_file_and_options();
	test_refusals();
	test_spec_text();
	test_log();
	mlw_repo_free(repo);
	mlw_remove_tree(dir);
	return done_testing();
}
