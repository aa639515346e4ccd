/*
 * serve-config.c - the online server's routing state: the deployments it
 * runs (a model loaded, or Python workers; a concurrency gate) and the
 * configurations, one a generation of the endpoint, that requests route
 * by.  See serve.c for who holds what.
 */
#include "endpoint/serve.h"
#include "endpoint/serve-internal.h"
#include "endpoint/endpoint.h"
#include "endpoint/internal.h"
#include "endpoint/worker.h"
#include "http/auth.h"
#include "http/payload.h"
#include "http/server.h"
#include "ml/model.h"
#include "ml/score-frame.h"
#include "store/catalog.h"
#include "store/repo.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/number.h"
#include "util/output.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- deployments */

void mlw_serve_deployment_unref(struct deployment *dep)
{
	struct mlw_endpoint_server *s;

	if (!dep || __atomic_sub_fetch(&dep->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* the housekeeper frees it: a request thread never waits on that */
	s = dep->server;
	pthread_mutex_lock(&s->dead_lock);
	dep->next_dead = s->dead_deps;
	s->dead_deps = dep;
	pthread_mutex_unlock(&s->dead_lock);
}

struct deployment *mlw_serve_deployment_ref(struct deployment *dep)
{
	__atomic_add_fetch(&dep->refs, 1, __ATOMIC_ACQ_REL);
	return dep;
}

void mlw_serve_deployment_free(struct deployment *dep)
{
	if (!dep)
		return;
	mlw_worker_pool_free(dep->pool);
	if (dep->has_model)
		mlw_model_release(&dep->model);
	if (dep->workdir) {
		mlw_remove_tree(dep->workdir);
		free(dep->workdir);
	}
	if (dep->log_fd >= 0)
		close(dep->log_fd);
	pthread_mutex_destroy(&dep->lock);
	pthread_cond_destroy(&dep->cond);
	mlw_deployment_free(dep->d);
	free(dep->error);
	free(dep->swagger);
	free(dep);
}

/*
 * Enter dep's gate: at once when fewer than limit requests are in, or
 * after waiting up to wait_ms for one to leave.  0, or -1 (429).
 */
int mlw_serve_gate_enter(struct deployment *dep, int64_t wait_ms)
{
	struct timespec ts;
	unsigned n;
	int ret = -1;

	n = __atomic_add_fetch(&dep->inflight, 1, __ATOMIC_SEQ_CST);
	if (n <= dep->limit)
		return 0;
	__atomic_sub_fetch(&dep->inflight, 1, __ATOMIC_SEQ_CST);
	if (wait_ms <= 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (wait_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&dep->lock);
	__atomic_add_fetch(&dep->waiters, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		n = __atomic_load_n(&dep->inflight, __ATOMIC_SEQ_CST);
		if (n < dep->limit &&
		    __atomic_compare_exchange_n(&dep->inflight, &n, n + 1, 0,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST)) {
			ret = 0;
			break;
		}
		if (n < dep->limit)
			continue;
		if (pthread_cond_timedwait(&dep->cond, &dep->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	__atomic_sub_fetch(&dep->waiters, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&dep->lock);
	return ret;
}

void mlw_serve_gate_leave(struct deployment *dep)
{
	__atomic_sub_fetch(&dep->inflight, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&dep->waiters, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&dep->lock);
		pthread_cond_signal(&dep->cond);
		pthread_mutex_unlock(&dep->lock);
	}
}

/* "double", "boolean", "string": MLflow's names for the column types */
static const char *signature_type(enum mlw_column_type t)
{
	switch (t) {
	case MLW_COLUMN_NUMERIC:
		return "double";
	case MLW_COLUMN_BOOLEAN:
		return "boolean";
	default:
		return "string";
	}
}

/*
 * An OpenAPI 2.0 document for /score, as Azure generates one from an
 * MLflow model's signature: the input columns with their types and an
 * example request; m NULL when the model is not one mlw reads.
 */
static char *make_swagger(const struct mlw_endpoint_server *s,
			  const struct deployment *dep,
			  const struct mlw_model *m)
{
	json_t *doc = json_object(), *paths, *post, *defs, *in, *cols, *row;
	json_t *sig, *example, *out;
	const char *out_type = "number";
	size_t i;
	char *text;

	json_object_set_new(doc, "swagger", json_string("2.0"));
	json_object_set_new(doc, "info", json_pack("{s:s, s:s, s:s}",
		"title", s->name, "description",
		"API of the mlw online endpoint; POST /score with Azure's input_data, or /invocations with MLflow's payloads",
		"version", "1.0"));
	json_object_set_new(doc, "schemes", json_pack("[s]", "http"));
	json_object_set_new(doc, "consumes", json_pack("[s]", "application/json"));
	json_object_set_new(doc, "produces", json_pack("[s]", "application/json"));
	json_object_set_new(doc, "securityDefinitions", json_pack(
		"{s:{s:s, s:s, s:s, s:s}}", "Bearer", "type", "apiKey", "name",
		"Authorization", "in", "header", "description",
		"Bearer KEY, a key of 'mlw endpoint get-credentials'"));
	post = json_pack("{s:s, s:s, s:[{s:[]}], s:[{s:s, s:s, s:b, s:{s:s}}]}",
		"operationId", "RunMLService", "description",
		"Score rows with the deployment's model",
		"security", "Bearer", "parameters", "name",
		"serviceInputPayload", "in", "body", "required", 1, "schema",
		"$ref", "#/definitions/ServiceInput");
	json_object_set_new(post, "responses", json_pack(
		"{s:{s:s, s:{s:s}}, s:{s:s, s:{s:s}}}", "200", "description",
		"One prediction per row", "schema", "$ref",
		"#/definitions/ServiceOutput", "default", "description",
		"An error", "schema", "$ref", "#/definitions/ErrorResponse"));
	paths = json_object();
	json_object_set_new(paths, "/score", json_pack("{s:o}", "post", post));
	json_object_set_new(doc, "paths", paths);

	cols = json_array();
	row = json_array();
	sig = json_array();
	for (i = 0; m && i < m->featurizer->nr_inputs; i++) {
		const struct mlw_feature_input *fi = &m->featurizer->inputs[i];

		json_array_append_new(cols, json_string(fi->name));
		json_array_append_new(sig, json_pack("{s:s, s:s}", "name",
						     fi->name, "type",
						     signature_type(fi->type)));
		if (fi->type == MLW_COLUMN_CATEGORICAL && fi->nr_categories)
			json_array_append_new(row, json_string(
				fi->categories[(size_t)fi->fill]));
		else if (fi->type == MLW_COLUMN_BOOLEAN)
			json_array_append_new(row, json_boolean(fi->fill != 0));
		else
			json_array_append_new(row, json_real(fi->fill));
	}
	example = json_pack("{s:{s:O, s:[i], s:[O]}}", "input_data", "columns",
			    cols, "index", 0, "data", row);
	in = json_pack("{s:s, s:{s:{s:s, s:{s:{s:s, s:{s:s}, s:O}, s:{s:s, s:{s:s}}, s:{s:s, s:{s:s, s:{}}}}}}, s:O}",
		"type", "object", "properties", "input_data", "type", "object",
		"properties", "columns", "type", "array", "items", "type",
		"string", "example", cols, "index", "type", "array", "items",
		"type", "integer", "data", "type", "array", "items", "type",
		"array", "items", "example", example);
	json_object_set_new(in, "x-mlw-signature", sig);
	if (m && m->trainer->task == MLW_TASK_CLASSIFICATION)
		out_type = "string";
	out = json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type",
			out_type);
	defs = json_pack("{s:o, s:o, s:{s:s, s:{s:{s:s}, s:{s:s}}}}",
		"ServiceInput", in, "ServiceOutput", out, "ErrorResponse",
		"type", "object", "properties", "error_code", "type", "string",
		"message", "type", "string");
	json_object_set_new(doc, "definitions", defs);
	if (dep->d->model)
		json_object_set_new(doc, "x-mlw-model",
				    json_string(dep->d->model));
	json_decref(cols);
	json_decref(row);
	json_decref(example);
	text = mlw_json_dumps(doc, MLW_JSON_INDENT);
	json_decref(doc);
	return text;
}

/* the log file of deployment, for its workers (O_APPEND); -1 on error */
int mlw_serve_open_log_fd(struct mlw_endpoint_server *s, const char *deployment)
{
	char *rel = mlw_xstrfmt("logs/%s.log", deployment);
	char *path = mlw_endpoint_path(s->repo, s->name, rel);
	char *dir = mlw_path_dirname(path);
	int fd = -1;

	if (!mlw_mkdir_p(dir, 0700))
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			  0600);
	free(dir);
	free(path);
	free(rel);
	return fd;
}

/*
 * A scoring script's working files, as Azure lays them out: the code
 * folder, and the model under azureml-models/NAME/VERSION/ (the
 * AZUREML_MODEL_DIR), in a folder of this runtime's own.
 */
static int start_workers(struct deployment *dep)
{
	struct mlw_endpoint_server *s = dep->server;
	const struct mlw_deployment *d = dep->d;
	char *base, *rel;
	int ret;

	rel = mlw_xstrfmt("deployments/%s", d->name);
	base = mlw_endpoint_path(s->repo, s->name, rel);
	free(rel);
	ret = mlw_mkdir_p(base, 0700);
	if (!ret) {
		dep->workdir = mlw_xstrfmt("%s/run-XXXXXX", base);
		if (!mkdtemp(dep->workdir)) {
			ret = mlw_error_errno("cannot create '%s'", dep->workdir);
			free(dep->workdir);
			dep->workdir = NULL;
		}
	}
	free(base);
	if (ret)
		return ret;
	return mlw_deployment_workers(&dep->pool, s->repo, d, dep->workdir,
				      (unsigned)d->instance_count, dep->log_fd,
				      NULL);
}

/*
 * The runtime of deployment record d (taken over): its model read, or
 * its workers started.  A deployment that cannot load is still
 * returned, with error set: its requests are 503 with the reason.
 */
static struct deployment *deployment_load(struct mlw_endpoint_server *s,
					  struct mlw_deployment *d)
{
	struct deployment *dep = mlw_calloc(1, sizeof(*dep));
	int ret;

	dep->refs = 1;
	dep->server = s;
	dep->d = d;
	dep->log_fd = -1;
	dep->limit = (unsigned)(d->request.max_concurrent * d->instance_count);
	if (!dep->limit)
		dep->limit = 1;
	pthread_mutex_init(&dep->lock, NULL);
	pthread_cond_init(&dep->cond, NULL);
	if (d->scoring_script) {
		dep->log_fd = mlw_serve_open_log_fd(s, d->name);
		if (dep->log_fd < 0)
			ret = mlw_error_errno("cannot open the log of '%s'",
					      d->name);
		else
			ret = start_workers(dep);
		/* a model mlw reads gives the swagger its columns */
		if (!ret && d->model_object) {
			if (!mlw_deployment_read_model(&dep->model, s->repo, d))
				dep->has_model = 1;
			mlw_error_clear();
		}
	} else {
		ret = mlw_deployment_read_model(&dep->model, s->repo, d);
		dep->has_model = !ret;
	}
	if (ret) {
		dep->error = mlw_xstrfmt("deployment '%s' cannot serve: %s",
					 d->name, mlw_error_last());
		mlw_serve_log_event(s, d->name, "ERROR %s", dep->error);
	} else if (d->scoring_script) {
		mlw_serve_log_event(s, d->name, "deployment '%s' ready: %s on %lld Python worker%s",
			  d->name, d->scoring_script,
			  (long long)d->instance_count,
			  d->instance_count == 1 ? "" : "s");
	} else {
		mlw_serve_log_event(s, d->name, "deployment '%s' ready: model %s (%s, %zu inputs)",
			  d->name, d->model ? d->model : "(inline)",
			  dep->model.trainer->name,
			  dep->model.featurizer->nr_inputs);
	}
	dep->swagger = make_swagger(s, dep, dep->has_model ? &dep->model :
				    NULL);
	return dep;
}

/* --- configurations */

void mlw_serve_config_free(struct config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nr_deps; i++)
		mlw_serve_deployment_unref(c->deps[i]);
	free(c->deps);
	free(c->live);
	free(c->upto);
	free(c->mirror);
	free(c->mirror_pct);
	free(c->auth_mode);
	free(c);
}

struct config *mlw_serve_config_acquire(struct mlw_endpoint_server *s)
{
	struct config *c;

	pthread_mutex_lock(&s->config_lock);
	c = s->config;
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&s->config_lock);
	return c;
}

void mlw_serve_config_release(struct mlw_endpoint_server *s, struct config *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_lock(&s->dead_lock);
	c->next_dead = s->dead_configs;
	s->dead_configs = c;
	pthread_mutex_unlock(&s->dead_lock);
}

struct deployment *mlw_serve_config_find(const struct config *c,
				      const char *name)
{
	size_t i;

	for (i = 0; i < c->nr_deps; i++)
		if (!strcmp(c->deps[i]->d->name, name))
			return c->deps[i];
	return NULL;
}

/* the same record: a runtime built from old serves new unchanged */
static int same_record(const struct mlw_deployment *a,
		       const struct mlw_deployment *b)
{
	return a->updated == b->updated && !strcmp(a->name, b->name);
}

struct collect {
	struct mlw_deployment **items;
	size_t nr, alloc;
};

static int collect_deployment(const struct mlw_deployment *d, void *data)
{
	struct collect *c = data;
	struct mlw_deployment *copy;

	/* the list's record is borrowed: read it again to own one */
	MLW_ALLOC_GROW(c->items, c->nr + 1, c->alloc);
	copy = mlw_calloc(1, sizeof(*copy));
	copy->name = mlw_strdup(d->name);
	copy->endpoint = mlw_strdup(d->endpoint);
	copy->updated = d->updated;
	c->items[c->nr++] = copy;
	return 0;
}

/*
 * The configuration of the endpoint as the catalog has it now, reusing
 * the runtimes of old (may be NULL) whose record is unchanged.  0, or
 * MLW_ENOTFOUND when the endpoint is gone, or another error.
 */
int mlw_serve_config_build(struct config **out, struct mlw_endpoint_server *s,
			const struct config *old)
{
	struct collect names = { 0 };
	struct mlw_endpoint *ep = NULL;
	struct config *c;
	size_t i;
	int ret;

	*out = NULL;
	ret = mlw_catalog_begin_read(s->cat);
	if (!ret)
		ret = mlw_endpoint_get(&ep, s->cat, s->name);
	if (!ret)
		ret = mlw_deployment_list(s->cat, s->name, collect_deployment,
					  &names);
	mlw_catalog_rollback(s->cat);
	if (ret)
		goto out;
	c = mlw_calloc(1, sizeof(*c));
	c->refs = 1;
	c->generation = ep->generation;
	c->auth_mode = mlw_strdup(ep->auth_mode);
	c->keyed = strcmp(ep->auth_mode, "aad_token") != 0;
	if (c->keyed) {
		ret = mlw_endpoint_keys(c->keys[0], c->keys[1], s->repo,
					s->name);
		if (ret) {
			/* no key file: no request can be let in */
			mlw_serve_log_event(s, NULL, "ERROR %s", mlw_error_last());
			c->keys[0][0] = c->keys[1][0] = '\0';
			ret = 0;
		}
		c->key_list[0] = c->keys[0];
		c->key_list[1] = c->keys[1];
		c->key_list[2] = NULL;
		/* hashed once here, not at every request */
		mlw_http_keyring_init(&c->ring, c->key_list);
	}
	c->deps = mlw_calloc(names.nr + 1, sizeof(*c->deps));
	for (i = 0; i < names.nr; i++) {
		const struct mlw_deployment *n = names.items[i];
		struct deployment *prev = old ? mlw_serve_config_find(old, n->name) : NULL;
		struct mlw_deployment *d;

		if (prev && same_record(prev->d, n)) {
			c->deps[c->nr_deps++] = mlw_serve_deployment_ref(prev);
			continue;
		}
		ret = mlw_deployment_get(&d, s->cat, s->name, n->name);
		if (ret == MLW_ENOTFOUND)
			continue;	/* deleted meanwhile */
		if (ret)
			break;
		c->deps[c->nr_deps++] = deployment_load(s, d);
	}
	mlw_error_clear();
	ret = 0;
	c->live = mlw_calloc(ep->traffic.nr + 1, sizeof(*c->live));
	c->upto = mlw_calloc(ep->traffic.nr + 1, sizeof(*c->upto));
	for (i = 0; i < ep->traffic.nr; i++) {
		struct deployment *dep = mlw_serve_config_find(c,
				ep->traffic.items[i].deployment);

		if (!dep || !ep->traffic.items[i].percent)
			continue;
		c->live_total += ep->traffic.items[i].percent;
		c->live[c->nr_live] = dep;
		c->upto[c->nr_live++] = c->live_total;
	}
	c->mirror = mlw_calloc(ep->mirror.nr + 1, sizeof(*c->mirror));
	c->mirror_pct = mlw_calloc(ep->mirror.nr + 1, sizeof(*c->mirror_pct));
	for (i = 0; i < ep->mirror.nr; i++) {
		struct deployment *dep = mlw_serve_config_find(c,
				ep->mirror.items[i].deployment);

		if (!dep || !ep->mirror.items[i].percent)
			continue;
		c->mirror[c->nr_mirror] = dep;
		c->mirror_pct[c->nr_mirror++] = ep->mirror.items[i].percent;
	}
	*out = c;
out:
	for (i = 0; i < names.nr; i++)
		mlw_deployment_free(names.items[i]);
	free(names.items);
	mlw_endpoint_free(ep);
	return ret;
}

