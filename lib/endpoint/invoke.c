/*
 * invoke.c - 'endpoint invoke' of a batch endpoint: the scoring job built
 * in memory and submitted through lib/run; see batch.h.
 *
 * The job is a command job like any other (prepared by mlw_job_prepare(),
 * started by mlw_job_submit()), so 'mlw job show|stream|download' work
 * on it.  Its document is made as nodes, not as YAML text read back: the
 * run records it as JSON (which is YAML too) in a file that lives only
 * while the run is being recorded.
 */
#include "endpoint/batch.h"
#include "endpoint/endpoint.h"
#include "run/job.h"
#include "run/launch.h"
#include "run/resolve.h"
#include "spec/spec.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* where the nodes of the document say they come from, in messages */
#define INVOKE_SOURCE "--input"

/* the deployment an invocation goes to: given, else the default */
static int pick_deployment(char **out, struct mlw_catalog *cat,
			   const char *endpoint, const char *given)
{
	struct mlw_endpoint *ep;
	struct mlw_deployment *d;
	int ret = mlw_endpoint_get(&ep, cat, endpoint);

	*out = NULL;
	if (ret)
		return ret;
	if (ep->kind != MLW_ENDPOINT_BATCH)
		ret = mlw_error_setc(MLW_EINVALID, "'%s' is an online endpoint: --input and the batch options are for batch endpoints",
				     endpoint);
	else if (!given && !ep->default_deployment)
		ret = mlw_error_setc(MLW_EINVALID, "batch endpoint '%s' has no default deployment; give --deployment-name or create one with --set-default",
				     endpoint);
	if (!ret)
		ret = mlw_deployment_get(&d, cat, endpoint, given ? given :
					 ep->default_deployment);
	mlw_endpoint_free(ep);
	if (ret)
		return ret;
	*out = mlw_strdup(d->name);
	mlw_deployment_free(d);
	return 0;
}

/* the input's type and path as the job names it (*path the caller's) */
static int input_of(const char **type, char **path,
		    const struct mlw_batch_invocation *req)
{
	struct stat st;

	*type = req->input_type;
	*path = NULL;
	if (!strncmp(req->input, "azureml:", 8)) {
		if (!*type)
			*type = "uri_folder";
		*path = mlw_strdup(req->input);
		return 0;
	}
	if (stat(req->input, &st) < 0)
		return mlw_error_setc(errno == ENOENT ? MLW_ENOTFOUND :
				      MLW_ERROR, "cannot read '%s': %s",
				      req->input, strerror(errno));
	if (!*type)
		*type = S_ISDIR(st.st_mode) ? "uri_folder" : "uri_file";
	if (!strcmp(*type, "uri_folder") != !!S_ISDIR(st.st_mode))
		return mlw_error_setc(MLW_EINVALID, "'%s' is %s, not a %s",
				      req->input, S_ISDIR(st.st_mode) ?
				      "a folder" : "a file", *type);
	*path = mlw_path_absolute(req->input);
	return 0;
}

/* s double-quoted as JSON quotes it: a word of the command line */
static void add_quoted(struct mlw_buf *b, const char *s)
{
	json_t *j = json_string(s);
	char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	/* a path that is no UTF-8: the record could not hold it either */
	mlw_buf_adds(b, text ? text : "\"\"");
	free(text);
	json_decref(j);
}

static char *command_of(const struct mlw_batch_invocation *req,
			const char *deployment)
{
	struct mlw_buf b = MLW_BUF_INIT;

	mlw_buf_addf(&b, "mlw endpoint batch-score %s %s ${{inputs.data}} ${{outputs.score}}",
		     req->endpoint, deployment);
	if (req->mini_batch_size > 0)
		mlw_buf_addf(&b, " --mini-batch-size %lld",
			     (long long)req->mini_batch_size);
	if (req->instance_count > 0)
		mlw_buf_addf(&b, " --instance-count %lld",
			     (long long)req->instance_count);
	if (req->output_path) {
		char *out = mlw_path_absolute(req->output_path);

		mlw_buf_adds(&b, " --output-path ");
		add_quoted(&b, out);
		free(out);
	}
	return mlw_buf_detach(&b, NULL);
}

struct builder {
	struct mlw_yaml_doc *doc;
	const char *source;
};

static struct mlw_yaml_node *new_map(struct builder *bd)
{
	return mlw_yaml_new(bd->doc, MLW_YAML_MAP, bd->source, 1, 1);
}

/* map[key] = a string (double-quoted: never read as a number) */
static void set_str(struct builder *bd, struct mlw_yaml_node *map,
		    const char *key, const char *value)
{
	mlw_yaml_map_set(map, mlw_yaml_new_scalar(bd->doc, key, MLW_YAML_PLAIN,
						  bd->source, 1, 1),
			 mlw_yaml_new_scalar(bd->doc, value,
					     MLW_YAML_DOUBLE_QUOTED,
					     bd->source, 1, 1));
}

static void set_node(struct builder *bd, struct mlw_yaml_node *map,
		     const char *key, struct mlw_yaml_node *value)
{
	mlw_yaml_map_set(map, mlw_yaml_new_scalar(bd->doc, key, MLW_YAML_PLAIN,
						  bd->source, 1, 1), value);
}

/* the command job's document, as nodes */
static struct mlw_spec *job_spec(const struct mlw_batch_invocation *req,
				 const char *deployment, const char *type,
				 const char *path, const char *record)
{
	struct mlw_spec *spec = mlw_calloc(1, sizeof(*spec));
	struct mlw_yaml_node *root, *tags, *ios, *io;
	struct builder bd;
	char *command = command_of(req, deployment);
	char *display = mlw_xstrfmt("%s-%s", req->endpoint, deployment);

	spec->path = mlw_strdup(record);
	spec->dir = mlw_path_dirname(record);
	spec->kind = MLW_SPEC_COMMAND_JOB;
	spec->doc = mlw_calloc(1, sizeof(*spec->doc));
	spec->doc->name = mlw_strdup(INVOKE_SOURCE);
	bd.doc = spec->doc;
	bd.source = mlw_yaml_intern(spec->doc, INVOKE_SOURCE);
	root = spec->doc->root = new_map(&bd);
	set_str(&bd, root, "$schema", "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json");
	set_str(&bd, root, "type", "command");
	set_str(&bd, root, "command", command);
	set_str(&bd, root, "environment", "azureml:host@1");
	set_str(&bd, root, "display_name", display);
	tags = new_map(&bd);
	set_str(&bd, tags, "endpoint", req->endpoint);
	set_str(&bd, tags, "deployment", deployment);
	set_node(&bd, root, "tags", tags);
	ios = new_map(&bd);
	io = new_map(&bd);
	set_str(&bd, io, "type", type);
	set_str(&bd, io, "path", path);
	/* local files are scored where they are, as Azure mounts them */
	set_str(&bd, io, "mode", "direct");
	set_node(&bd, ios, "data", io);
	set_node(&bd, root, "inputs", ios);
	ios = new_map(&bd);
	io = new_map(&bd);
	set_str(&bd, io, "type", "uri_folder");
	set_node(&bd, ios, "score", io);
	set_node(&bd, root, "outputs", ios);
	free(command);
	free(display);
	return spec;
}

/* a name for the record of the spec, unique in this process */
static char *record_path(struct mlw_repo *repo, const char *endpoint)
{
	static atomic_uint serial;
	char *rel = mlw_xstrfmt("invoke-%ld-%u.json", (long)getpid(),
				atomic_fetch_add(&serial, 1));
	char *path = mlw_endpoint_path(repo, endpoint, rel);

	free(rel);
	return path;
}

int mlw_batch_job_prepare(struct mlw_batch_job **out,
			  struct mlw_endpoint_ctx *ctx,
			  const struct mlw_batch_invocation *req)
{
	struct mlw_batch_job *bj;
	struct mlw_job_opts jo;
	struct mlw_catalog *cat;
	const char *type;
	char *path, *record;
	size_t i;
	int ret;

	*out = NULL;
	ret = mlw_repo_catalog(&cat, ctx->repo);
	if (ret)
		return ret;
	if (req->input_type && strcmp(req->input_type, "uri_file") &&
	    strcmp(req->input_type, "uri_folder"))
		return mlw_error_setc(MLW_EINVALID, "--input-type: '%s' is not uri_file or uri_folder",
				      req->input_type);
	bj = mlw_calloc(1, sizeof(*bj));
	path = NULL;
	ret = pick_deployment(&bj->deployment, cat, req->endpoint,
			      req->deployment);
	if (!ret)
		ret = input_of(&type, &path, req);
	if (ret) {
		free(path);
		mlw_batch_job_free(bj);
		return ret;
	}
	record = record_path(ctx->repo, req->endpoint);
	bj->spec = job_spec(req, bj->deployment, type, path, record);
	free(record);
	free(path);
	memset(&jo, 0, sizeof(jo));
	jo.experiment = req->endpoint;
	jo.asset_lookup = mlw_run_resolve_asset;
	jo.asset_data = cat;
	ret = mlw_job_prepare(&bj->job, ctx->repo, bj->spec, &jo);
	if (ret) {
		mlw_batch_job_free(bj);
		return ret;
	}
	bj->job->keep_workdir = req->keep_workdir;
	for (i = 0; ctx->warn && i < bj->job->warnings.nr; i++)
		ctx->warn(bj->job->warnings.items[i], ctx->data);
	*out = bj;
	return 0;
}

/* the document as JSON, where the run's record reads its spec */
static int write_record(const struct mlw_spec *spec)
{
	json_t *j = mlw_yaml_to_jansson(spec->doc->root);
	char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	char *dir = mlw_path_dirname(spec->path);
	int ret = text ? mlw_mkdir_p(dir, 0700) :
		  mlw_error_setc(MLW_ERROR, "the invocation cannot be written as JSON");

	if (!ret)
		ret = mlw_write_file_atomic(spec->path, text, strlen(text));
	free(dir);
	free(text);
	json_decref(j);
	return ret;
}

int mlw_batch_job_submit(struct mlw_job_watch *w, struct mlw_batch_job *bj,
			 const struct mlw_job_start_opts *start)
{
	int ret = mlw_job_snapshot_code(bj->job);

	if (!ret)
		ret = write_record(bj->spec);
	if (ret)
		return ret;
	ret = mlw_job_submit(w, bj->job, start);
	/* recorded (or not) by now: the object store holds the spec */
	unlink(bj->spec->path);
	return ret;
}

void mlw_batch_job_free(struct mlw_batch_job *bj)
{
	if (!bj)
		return;
	mlw_job_free(bj->job);
	mlw_spec_free(bj->spec);
	free(bj->deployment);
	free(bj);
}
