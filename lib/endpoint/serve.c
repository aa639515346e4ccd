/*
 * serve.c - the online scoring server; see serve.h.
 *
 * Three kinds of thread:
 *
 *   - lib/http's pool answers requests.  A request takes a reference on
 *     the current configuration (struct config), picks its deployment,
 *     scores, answers, and drops the reference; nothing it does waits on
 *     the other threads.
 *   - the housekeeper polls the endpoint's generation, builds a new
 *     configuration when it changed and swaps it in, writes the request
 *     log (catalog and log files), and frees what the last request of
 *     an old configuration left behind.  It alone uses the catalog and
 *     the object store.
 *   - the mirror thread scores the copies of requests sent to mirror
 *     deployments, off the requests' path, and logs their answers.
 *
 * A deployment's runtime (struct deployment: its loaded model or Python
 * workers, its concurrency gate) is shared by every configuration that
 * has it unchanged, reference-counted; a configuration or deployment
 * whose last reference goes is put on a list the housekeeper frees, so
 * no request thread ever stops Python workers or releases a model.
 */
#include "endpoint/serve.h"
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

/* the server-wide limit: above every deployment's request_timeout_ms */
#define SERVER_TIMEOUT_MS 181000
/* an input or output kept in the request log, at most */
#define MAX_LOGGED ((size_t)1 << 20)
/* mirrored requests waiting, at most (more are dropped, and said so) */
#define MAX_MIRROR_QUEUE 256
/* log files are rotated (NAME.log.1) above this size */
#define MAX_LOG_FILE ((off_t)64 << 20)

struct mlw_endpoint_server;

/* a deployment being served */
struct deployment {
	int refs;			/* atomic */
	struct mlw_endpoint_server *server;
	struct mlw_deployment *d;
	struct mlw_model model;		/* no scoring script */
	int has_model;
	struct mlw_worker_pool *pool;	/* a scoring script */
	char *workdir;			/* its model and code checkouts */
	int log_fd;			/* its log, for the workers */
	char *error;			/* not ready: why (503) */
	char *swagger;			/* GET /swagger.json */
	/* the concurrency gate: at most limit requests at once */
	unsigned inflight, limit, waiters;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct deployment *next_dead;
};

/* what a request routes by: one generation of the endpoint */
struct config {
	int refs;			/* atomic */
	int64_t generation;
	char *auth_mode;
	int keyed;			/* Bearer keys required */
	char keys[2][MLW_ENDPOINT_KEY_SIZE];
	const char *key_list[3];
	struct deployment **deps;
	size_t nr_deps;
	/* live traffic: deployment i takes draws below upto[i] */
	struct deployment **live;
	int *upto;
	size_t nr_live;
	int live_total;
	/* mirrors: deployment and percent */
	struct deployment **mirror;
	int *mirror_pct;
	size_t nr_mirror;
	struct config *next_dead;
};

/* one line of the request log */
struct log_record {
	double time;
	char deployment[40];
	char route[16];
	int status;
	int mirror;
	uint64_t latency_us, bytes_in, bytes_out;
	char *input, *output;	/* when collected; owned */
	char *event;		/* a log line instead of a request */
};

/* a request copied to a mirror deployment */
struct mirror_job {
	struct deployment *dep;		/* a reference */
	enum mlw_payload_style style;
	char *content_type;
	char *body;
	size_t len;
	double time;
};

/* what a scoring request leaves for the access log (on_access) */
struct capture {
	char *input, *output;
};

struct log_file {
	char *deployment;
	int fd;
};

struct mlw_endpoint_server {
	struct mlw_repo *repo;
	char *name;
	struct mlw_endpoint_serve_options opts;
	struct mlw_http_server *http;
	struct mlw_catalog *cat;	/* the housekeeper's */
	char *url, *address;
	int lock_fd;

	pthread_mutex_t config_lock;
	struct config *config;

	pthread_mutex_t dead_lock;
	struct config *dead_configs;
	struct deployment *dead_deps;

	pthread_mutex_t log_lock;
	struct log_record *records;
	size_t nr_records, alloc_records;
	uint64_t dropped_records;
	struct log_file *logs;		/* the housekeeper's */
	size_t nr_logs, alloc_logs;

	pthread_mutex_t mirror_lock;
	pthread_cond_t mirror_cond;
	struct mirror_job *mirror_jobs;
	size_t nr_mirror, alloc_mirror;
	uint64_t mirror_dropped;

	pthread_t housekeeper, mirror_thread;
	int threads_started;
	int stopping;			/* atomic */
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	int stop_pipe[2];
};

/* --- small things */

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* a thread's own generator for traffic draws (xorshift64*) */
static unsigned draw_percent(void)
{
	static __thread uint64_t x;

	if (!x) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
		    (uint64_t)(uintptr_t)&x;
		if (!x)
			x = 88172645463325252ull;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return (unsigned)(((x * 2685821657736338717ull) >> 32) % 100);
}

/* an event for the log of deployment (NULL: every deployment's) */
static void log_event(struct mlw_endpoint_server *s, const char *deployment,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void log_event(struct mlw_endpoint_server *s, const char *deployment,
		      const char *fmt, ...)
{
	struct log_record r;
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (s->opts.on_event)
		s->opts.on_event(b.buf, s->opts.data);
	memset(&r, 0, sizeof(r));
	r.time = mlw_now();
	snprintf(r.deployment, sizeof(r.deployment), "%s",
		 deployment ? deployment : "");
	r.event = mlw_buf_detach(&b, NULL);
	pthread_mutex_lock(&s->log_lock);
	MLW_ALLOC_GROW(s->records, s->nr_records + 1, s->alloc_records);
	s->records[s->nr_records++] = r;
	pthread_mutex_unlock(&s->log_lock);
}

/* --- deployments */

static void deployment_unref(struct deployment *dep)
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

static struct deployment *deployment_ref(struct deployment *dep)
{
	__atomic_add_fetch(&dep->refs, 1, __ATOMIC_ACQ_REL);
	return dep;
}

static void deployment_free(struct deployment *dep)
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
static int gate_enter(struct deployment *dep, int64_t wait_ms)
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

static void gate_leave(struct deployment *dep)
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
static int open_log_fd(struct mlw_endpoint_server *s, const char *deployment)
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
		dep->log_fd = open_log_fd(s, d->name);
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
		log_event(s, d->name, "ERROR %s", dep->error);
	} else if (d->scoring_script) {
		log_event(s, d->name, "deployment '%s' ready: %s on %lld Python worker%s",
			  d->name, d->scoring_script,
			  (long long)d->instance_count,
			  d->instance_count == 1 ? "" : "s");
	} else {
		log_event(s, d->name, "deployment '%s' ready: model %s (%s, %zu inputs)",
			  d->name, d->model ? d->model : "(inline)",
			  dep->model.trainer->name,
			  dep->model.featurizer->nr_inputs);
	}
	dep->swagger = make_swagger(s, dep, dep->has_model ? &dep->model :
				    NULL);
	return dep;
}

/* --- configurations */

static void config_free(struct config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nr_deps; i++)
		deployment_unref(c->deps[i]);
	free(c->deps);
	free(c->live);
	free(c->upto);
	free(c->mirror);
	free(c->mirror_pct);
	free(c->auth_mode);
	free(c);
}

static struct config *config_acquire(struct mlw_endpoint_server *s)
{
	struct config *c;

	pthread_mutex_lock(&s->config_lock);
	c = s->config;
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&s->config_lock);
	return c;
}

static void config_release(struct mlw_endpoint_server *s, struct config *c)
{
	if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_lock(&s->dead_lock);
	c->next_dead = s->dead_configs;
	s->dead_configs = c;
	pthread_mutex_unlock(&s->dead_lock);
}

static struct deployment *config_find(const struct config *c,
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
static int config_build(struct config **out, struct mlw_endpoint_server *s,
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
			log_event(s, NULL, "ERROR %s", mlw_error_last());
			c->keys[0][0] = c->keys[1][0] = '\0';
			ret = 0;
		}
		c->key_list[0] = c->keys[0];
		c->key_list[1] = c->keys[1];
		c->key_list[2] = NULL;
	}
	c->deps = mlw_calloc(names.nr + 1, sizeof(*c->deps));
	for (i = 0; i < names.nr; i++) {
		const struct mlw_deployment *n = names.items[i];
		struct deployment *prev = old ? config_find(old, n->name) : NULL;
		struct mlw_deployment *d;

		if (prev && same_record(prev->d, n)) {
			c->deps[c->nr_deps++] = deployment_ref(prev);
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
		struct deployment *dep = config_find(c,
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
		struct deployment *dep = config_find(c,
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

/* --- scoring */

/* 1 when s is a JSON number as written (a class label "1" or "2.5") */
static int json_number_text(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return !*s;
}

/*
 * The predictions P of n rows as the answer: the value or the class
 * label per row (labels that are numbers stay numbers, as scikit-learn
 * answers), a cluster index, or a row of components.
 */
static void write_predictions(struct mlw_buf *out,
			      enum mlw_payload_style style,
			      const struct mlw_model *m, const double *P,
			      size_t n)
{
	size_t i, k, K = mlw_model_nr_outputs(m);

	if (m->trainer->task == MLW_TASK_REGRESSION ||
	    m->trainer->task == MLW_TASK_CLUSTERING) {
		mlw_payload_write_numbers(out, style, P, n);
		return;
	}
	mlw_payload_begin(out, style);
	for (i = 0; i < n; i++) {
		const char *label = mlw_score_label(m, P, n, i);

		if (i)
			mlw_buf_addch(out, ',');
		if (label && json_number_text(label)) {
			mlw_buf_adds(out, label);
		} else if (label) {
			mlw_json_add_string(out, label, strlen(label));
		} else {
			mlw_buf_addch(out, '[');
			for (k = 0; k < K; k++) {
				if (k)
					mlw_buf_addch(out, ',');
				mlw_json_add_number(out, P[k * n + i]);
			}
			mlw_buf_addch(out, ']');
		}
	}
	mlw_payload_end(out, style);
}

/*
 * Score one request with dep: *status and the answer (JSON) in out, or
 * an error body.  Never fails otherwise.
 */
static void score(struct deployment *dep, enum mlw_payload_style style,
		  const char *content_type, const char *body, size_t len,
		  int64_t timeout_ms, int *status, struct mlw_buf *out)
{
	struct mlw_frame *f = NULL;
	double *P = NULL;
	int ret;

	if (dep->pool) {
		ret = mlw_worker_pool_call(dep->pool, body, len, timeout_ms,
					   status, out);
		if (ret == MLW_WORKER_TIMEOUT) {
			*status = 408;
		} else if (ret) {
			*status = 502;
			mlw_buf_addf(out, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":");
			mlw_json_add_string(out, mlw_error_last(),
					    strlen(mlw_error_last()));
			mlw_buf_addch(out, '}');
		}
		return;
	}
	ret = mlw_payload_parse(&f, status, style, content_type, body, len);
	if (!ret) {
		ret = mlw_score_frame(&P, &dep->model, f);
		if (ret)
			*status = ret == MLW_EINVALID ? 400 : 500;
	}
	if (!ret) {
		write_predictions(out, style, &dep->model, P, f->nr_rows);
		*status = 200;
	} else {
		mlw_buf_adds(out, *status >= 500 ?
			     "{\"error_code\":\"INTERNAL_ERROR\",\"message\":" :
			     "{\"error_code\":\"BAD_REQUEST\",\"message\":");
		mlw_json_add_string(out, mlw_error_last(),
				    strlen(mlw_error_last()));
		mlw_buf_addch(out, '}');
	}
	free(P);
	mlw_frame_free(f);
}

/* --- the mirror thread */

static void mirror_push(struct mlw_endpoint_server *s, struct deployment *dep,
			enum mlw_payload_style style, const char *ctype,
			const char *body, size_t len)
{
	struct mirror_job j;

	pthread_mutex_lock(&s->mirror_lock);
	if (s->nr_mirror >= MAX_MIRROR_QUEUE) {
		s->mirror_dropped++;
		pthread_mutex_unlock(&s->mirror_lock);
		return;
	}
	j.dep = deployment_ref(dep);
	j.style = style;
	j.content_type = ctype ? mlw_strdup(ctype) : NULL;
	j.body = mlw_malloc(len + 1);
	memcpy(j.body, body, len);
	j.body[len] = '\0';
	j.len = len;
	j.time = mlw_now();
	MLW_ALLOC_GROW(s->mirror_jobs, s->nr_mirror + 1, s->alloc_mirror);
	s->mirror_jobs[s->nr_mirror++] = j;
	pthread_cond_signal(&s->mirror_cond);
	pthread_mutex_unlock(&s->mirror_lock);
}

/* keep at most MAX_LOGGED bytes of text, as a string of the log */
static char *logged_text(const char *s, size_t len)
{
	size_t n = mlw_json_utf8_prefix(s, len > MAX_LOGGED ? MAX_LOGGED : len);

	return mlw_strndup(s, n);
}

static void *mirror_main(void *arg)
{
	struct mlw_endpoint_server *s = arg;

	prctl(PR_SET_NAME, "mlw-mirror", 0, 0, 0);
	pthread_mutex_lock(&s->mirror_lock);
	for (;;) {
		struct mlw_buf out = MLW_BUF_INIT;
		struct log_record r;
		struct mirror_job j;
		int64_t t0;
		int status = 0;

		while (!s->nr_mirror &&
		       !__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE))
			pthread_cond_wait(&s->mirror_cond, &s->mirror_lock);
		if (!s->nr_mirror)
			break;
		j = s->mirror_jobs[0];
		memmove(s->mirror_jobs, s->mirror_jobs + 1,
			(s->nr_mirror - 1) * sizeof(*s->mirror_jobs));
		s->nr_mirror--;
		pthread_mutex_unlock(&s->mirror_lock);

		t0 = monotonic_ms();
		if (j.dep->error)
			status = 503;
		else if (gate_enter(j.dep, j.dep->d->request.max_queue_wait_ms))
			status = 429;
		else {
			score(j.dep, j.style, j.content_type, j.body, j.len,
			      j.dep->d->request.timeout_ms, &status, &out);
			gate_leave(j.dep);
		}
		memset(&r, 0, sizeof(r));
		r.time = j.time;
		snprintf(r.deployment, sizeof(r.deployment), "%s",
			 j.dep->d->name);
		snprintf(r.route, sizeof(r.route), "%s",
			 j.style == MLW_PAYLOAD_AZURE ? "/score" :
			 "/invocations");
		r.status = status;
		r.mirror = 1;
		r.latency_us = (uint64_t)(monotonic_ms() - t0) * 1000;
		r.bytes_in = j.len;
		r.bytes_out = out.len;
		/* a mirror's answer is never returned: the log keeps it */
		r.output = logged_text(out.buf, out.len);
		if (j.dep->d->data_collection || j.dep->d->app_insights_enabled)
			r.input = logged_text(j.body, j.len);
		mlw_buf_release(&out);
		deployment_unref(j.dep);
		free(j.content_type);
		free(j.body);

		pthread_mutex_lock(&s->log_lock);
		MLW_ALLOC_GROW(s->records, s->nr_records + 1,
			       s->alloc_records);
		s->records[s->nr_records++] = r;
		pthread_mutex_unlock(&s->log_lock);
		pthread_mutex_lock(&s->mirror_lock);
	}
	pthread_mutex_unlock(&s->mirror_lock);
	return NULL;
}

/* --- routes */

static int auth_ok(const struct config *c, struct mlw_http_request *req)
{
	if (!c->keyed)
		return 1;
	return mlw_http_auth_bearer(req, c->key_list);
}

/* the deployment a request goes to, or NULL with the answer set */
static struct deployment *pick(const struct config *c,
			       struct mlw_http_request *req,
			       struct mlw_http_response *res, int *targeted)
{
	const char *name = mlw_http_request_header(req,
						   "azureml-model-deployment");
	unsigned r;
	size_t i;

	*targeted = 0;
	if (name && *name) {
		struct deployment *dep = config_find(c, name);

		if (!dep)
			mlw_http_respond_error(res, 404, "RESOURCE_DOES_NOT_EXIST",
					       "the endpoint has no deployment '%.64s'",
					       name);
		*targeted = 1;
		return dep;
	}
	if (!c->nr_live) {
		mlw_http_respond_error(res, 404, "RESOURCE_DOES_NOT_EXIST",
				       "no valid deployments to route to: the endpoint sends no traffic to any deployment (set its traffic, or name one in the azureml-model-deployment header)");
		return NULL;
	}
	r = draw_percent() % (unsigned)c->live_total;
	for (i = 0; i + 1 < c->nr_live; i++)
		if ((int)r < c->upto[i])
			break;
	return c->live[i];
}

static void on_score_request(struct mlw_http_request *req,
			     struct mlw_http_response *res,
			     struct mlw_endpoint_server *s,
			     enum mlw_payload_style style)
{
	struct config *c = config_acquire(s);
	struct deployment *dep;
	struct mlw_buf out = MLW_BUF_INIT;
	const char *body, *ctype;
	int64_t elapsed, timeout;
	size_t len, i;
	int status = 0, targeted;

	if (!auth_ok(c, req)) {
		mlw_http_respond_unauthorized(res);
		goto out;
	}
	dep = pick(c, req, res, &targeted);
	if (!dep)
		goto out;
	mlw_http_request_set_tag(req, dep->d->name);
	mlw_http_response_header(res, "azureml-model-deployment",
				 dep->d->name);
	if (dep->error) {
		mlw_http_respond_error(res, 503, "TEMPORARILY_UNAVAILABLE",
				       "%s", dep->error);
		goto out;
	}
	if (gate_enter(dep, dep->d->request.max_queue_wait_ms)) {
		mlw_http_respond_error(res, 429, "REQUEST_LIMIT_EXCEEDED",
				       "deployment '%s' has %u requests in progress, its limit (max_concurrent_requests_per_instance x instance_count)",
				       dep->d->name, dep->limit);
		goto out;
	}
	body = mlw_http_request_body(req, &len);
	ctype = mlw_http_request_header(req, "Content-Type");
	elapsed = SERVER_TIMEOUT_MS - mlw_http_request_remaining_ms(req);
	timeout = dep->d->request.timeout_ms - elapsed;
	score(dep, style, ctype, body, len, timeout > 0 ? timeout : 1,
	      &status, &out);
	gate_leave(dep);
	elapsed = SERVER_TIMEOUT_MS - mlw_http_request_remaining_ms(req);
	if (status == 408 || elapsed > dep->d->request.timeout_ms) {
		mlw_buf_release(&out);
		mlw_http_respond_error(res, style == MLW_PAYLOAD_AZURE ? 408 : 504,
				       "DEADLINE_EXCEEDED",
				       "deployment '%s' did not answer within request_timeout_ms (%lld ms)",
				       dep->d->name,
				       (long long)dep->d->request.timeout_ms);
		goto mirror;
	}
	if (dep->d->data_collection || dep->d->app_insights_enabled) {
		struct capture *cap = mlw_calloc(1, sizeof(*cap));

		cap->input = logged_text(body, len);
		cap->output = logged_text(out.buf, out.len);
		*mlw_http_request_state(req) = cap;
	}
	mlw_http_respond_buf(res, status, "application/json", &out);
mirror:
	/* a request named for one deployment is not mirrored (Azure's) */
	for (i = 0; !targeted && i < c->nr_mirror; i++)
		if ((int)draw_percent() < c->mirror_pct[i])
			mirror_push(s, c->mirror[i], style, ctype, body, len);
out:
	mlw_buf_release(&out);
	config_release(s, c);
}

static void on_score(struct mlw_http_request *req,
		     struct mlw_http_response *res, void *data)
{
	on_score_request(req, res, data, MLW_PAYLOAD_AZURE);
}

static void on_invocations(struct mlw_http_request *req,
			   struct mlw_http_response *res, void *data)
{
	on_score_request(req, res, data, MLW_PAYLOAD_MLFLOW);
}

/* the capture a scoring request left, freed when it ends */
static void on_score_done(struct mlw_http_request *req, void *data)
{
	struct capture *cap = *mlw_http_request_state(req);

	if (cap) {
		free(cap->input);
		free(cap->output);
		free(cap);
	}
	*mlw_http_request_state(req) = NULL;
}

static const char healthy[] = "Healthy";

static void on_health(struct mlw_http_request *req,
		      struct mlw_http_response *res, void *data)
{
	mlw_http_respond_static(res, 200, "text/plain; charset=utf-8",
				healthy, sizeof(healthy) - 1);
}

static void on_swagger(struct mlw_http_request *req,
		       struct mlw_http_response *res, void *data)
{
	struct mlw_endpoint_server *s = data;
	struct config *c = config_acquire(s);
	struct deployment *dep = NULL;
	int targeted;

	if (!auth_ok(c, req)) {
		mlw_http_respond_unauthorized(res);
	} else {
		dep = pick(c, req, res, &targeted);
		if (!dep && !mlw_http_request_header(req,
					"azureml-model-deployment") &&
		    c->nr_deps) {
			/* no traffic yet: the first deployment's contract */
			dep = c->deps[0];
		}
		if (dep)
			mlw_http_respond(res, 200, "application/json",
					 dep->swagger, strlen(dep->swagger));
	}
	config_release(s, c);
}

/* the access log: one record per request to a scoring route */
static void on_access(const struct mlw_http_access *a, void *data)
{
	struct mlw_endpoint_server *s = data;
	struct capture *cap = a->state;
	struct log_record r;

	if (!a->route || (strcmp(a->route, "/score") &&
			  strcmp(a->route, "/invocations")))
		return;
	memset(&r, 0, sizeof(r));
	r.time = (double)a->start_ms / 1000;
	snprintf(r.deployment, sizeof(r.deployment), "%s", a->tag);
	snprintf(r.route, sizeof(r.route), "%s", a->route);
	r.status = a->status ? a->status : 499;
	r.latency_us = a->latency_us;
	r.bytes_in = a->bytes_in;
	r.bytes_out = a->bytes_out;
	if (cap) {
		r.input = cap->input;
		r.output = cap->output;
		cap->input = cap->output = NULL;
	}
	pthread_mutex_lock(&s->log_lock);
	if (s->nr_records < (1u << 20)) {
		MLW_ALLOC_GROW(s->records, s->nr_records + 1,
			       s->alloc_records);
		s->records[s->nr_records++] = r;
	} else {
		/* the housekeeper is far behind: count, do not grow */
		s->dropped_records++;
		free(r.input);
		free(r.output);
	}
	pthread_mutex_unlock(&s->log_lock);
}

static void on_http_log(const char *msg, void *data)
{
	log_event(data, NULL, "http: %s", msg);
}

/* --- the housekeeper */

/* the log file of deployment ("" none: every open log) */
static int log_fd_of(struct mlw_endpoint_server *s, const char *deployment)
{
	size_t i;
	int fd;

	for (i = 0; i < s->nr_logs; i++)
		if (!strcmp(s->logs[i].deployment, deployment))
			return s->logs[i].fd;
	fd = open_log_fd(s, deployment);
	if (fd < 0)
		return -1;
	MLW_ALLOC_GROW(s->logs, s->nr_logs + 1, s->alloc_logs);
	s->logs[s->nr_logs].deployment = mlw_strdup(deployment);
	s->logs[s->nr_logs++].fd = fd;
	return fd;
}

/* rotate logs grown past MAX_LOG_FILE: NAME.log -> NAME.log.1 */
static void rotate_logs(struct mlw_endpoint_server *s)
{
	size_t i;

	for (i = 0; i < s->nr_logs; i++) {
		struct stat st;
		char *rel, *path, *old;

		if (fstat(s->logs[i].fd, &st) || st.st_size < MAX_LOG_FILE)
			continue;
		rel = mlw_xstrfmt("logs/%s.log", s->logs[i].deployment);
		path = mlw_endpoint_path(s->repo, s->name, rel);
		old = mlw_xstrfmt("%s.1", path);
		rename(path, old);
		close(s->logs[i].fd);
		s->logs[i].fd = open(path, O_WRONLY | O_APPEND | O_CREAT |
				     O_CLOEXEC, 0600);
		free(old);
		free(path);
		free(rel);
	}
}

/* a request as a line of its deployment's log */
static void log_line(struct mlw_buf *b, const struct log_record *r)
{
	char t[32];

	mlw_fmt_time(t, r->time);
	if (r->event) {
		mlw_buf_addf(b, "%s %s\n", t, r->event);
		return;
	}
	mlw_buf_addf(b, "%s %s%s %d %.3f ms %llu B in %llu B out\n", t,
		     r->mirror ? "mirror " : "POST ", r->route, r->status,
		     (double)r->latency_us / 1000,
		     (unsigned long long)r->bytes_in,
		     (unsigned long long)r->bytes_out);
}

/* write the queued records: the catalog and the log files */
static void flush_log(struct mlw_endpoint_server *s)
{
	struct log_record *recs;
	struct mlw_buf *lines = NULL;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = mlw_catalog_db(s->cat);
	size_t nr, i, k, nr_lines = 0;
	uint64_t dropped;

	pthread_mutex_lock(&s->log_lock);
	recs = s->records;
	nr = s->nr_records;
	dropped = s->dropped_records;
	s->records = NULL;
	s->nr_records = s->alloc_records = 0;
	s->dropped_records = 0;
	pthread_mutex_unlock(&s->log_lock);
	if (dropped)
		log_event(s, NULL, "WARNING the request log fell behind: %llu requests not logged",
			  (unsigned long long)dropped);
	if (!nr)
		return;
	/* server-wide events go to the log of every deployment served */
	for (i = 0; s->config && i < s->config->nr_deps; i++)
		log_fd_of(s, s->config->deps[i]->d->name);
	if (!mlw_catalog_begin(s->cat) &&
	    sqlite3_prepare_v2(db, "INSERT INTO endpoint_requests (time,"
			       " endpoint, deployment, route, status,"
			       " latency_us, bytes_in, bytes_out, mirror,"
			       " input, output) VALUES (?, ?, ?, ?, ?, ?, ?,"
			       " ?, ?, ?, ?)", -1, &st, NULL) == SQLITE_OK) {
		for (i = 0; i < nr; i++) {
			const struct log_record *r = &recs[i];

			if (r->event)
				continue;
			sqlite3_bind_double(st, 1, r->time);
			sqlite3_bind_text(st, 2, s->name, -1, SQLITE_STATIC);
			if (*r->deployment)
				sqlite3_bind_text(st, 3, r->deployment, -1,
						  SQLITE_STATIC);
			else
				sqlite3_bind_null(st, 3);
			sqlite3_bind_text(st, 4, r->route, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 5, r->status);
			sqlite3_bind_int64(st, 6, (sqlite3_int64)r->latency_us);
			sqlite3_bind_int64(st, 7, (sqlite3_int64)r->bytes_in);
			sqlite3_bind_int64(st, 8, (sqlite3_int64)r->bytes_out);
			sqlite3_bind_int(st, 9, r->mirror);
			if (r->input)
				sqlite3_bind_text(st, 10, r->input, -1,
						  SQLITE_STATIC);
			else
				sqlite3_bind_null(st, 10);
			if (r->output)
				sqlite3_bind_text(st, 11, r->output, -1,
						  SQLITE_STATIC);
			else
				sqlite3_bind_null(st, 11);
			sqlite3_step(st);
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
		}
		sqlite3_finalize(st);
		if (mlw_catalog_commit(s->cat))
			mlw_catalog_rollback(s->cat);
	} else {
		mlw_catalog_rollback(s->cat);
	}
	/* one buffer per log file, written with one write(2) each */
	lines = mlw_calloc(s->nr_logs + nr + 1, sizeof(*lines));
	for (i = 0; i < nr; i++) {
		const struct log_record *r = &recs[i];
		int fd;

		if (!*r->deployment && r->event) {
			/* a server-wide event: every deployment's log */
			for (k = 0; k < s->nr_logs; k++)
				log_line(&lines[k], r);
			continue;
		}
		if (!*r->deployment)
			continue;
		fd = log_fd_of(s, r->deployment);
		for (k = 0; k < s->nr_logs; k++)
			if (s->logs[k].fd == fd)
				break;
		if (k < s->nr_logs)
			log_line(&lines[k], r);
	}
	nr_lines = s->nr_logs;
	for (k = 0; k < nr_lines; k++) {
		if (lines[k].len && s->logs[k].fd >= 0)
			mlw_write_all(s->logs[k].fd, lines[k].buf, lines[k].len);
		mlw_buf_release(&lines[k]);
	}
	free(lines);
	for (i = 0; i < nr; i++) {
		free(recs[i].input);
		free(recs[i].output);
		free(recs[i].event);
	}
	free(recs);
	rotate_logs(s);
}

/* free what the last references of old configurations left */
static void bury(struct mlw_endpoint_server *s)
{
	struct config *c;
	struct deployment *d;

	/* configurations first: freeing one may bury deployments */
	pthread_mutex_lock(&s->dead_lock);
	c = s->dead_configs;
	s->dead_configs = NULL;
	pthread_mutex_unlock(&s->dead_lock);
	while (c) {
		struct config *next = c->next_dead;

		config_free(c);
		c = next;
	}
	pthread_mutex_lock(&s->dead_lock);
	d = s->dead_deps;
	s->dead_deps = NULL;
	pthread_mutex_unlock(&s->dead_lock);
	while (d) {
		struct deployment *next = d->next_dead;

		deployment_free(d);
		d = next;
	}
}

/* the endpoint changed: build and swap in its new configuration */
static void reload(struct mlw_endpoint_server *s)
{
	struct config *old, *fresh;
	int64_t generation;
	int ret;

	ret = mlw_endpoint_generation(&generation, s->cat, s->name);
	if (ret == MLW_ENOTFOUND) {
		log_event(s, NULL, "endpoint '%s' was deleted: stopping",
			  s->name);
		mlw_endpoint_server_request_stop(s);
		return;
	}
	if (ret || generation == s->config->generation)
		return;
	old = config_acquire(s);
	ret = config_build(&fresh, s, old);
	if (!ret) {
		pthread_mutex_lock(&s->config_lock);
		s->config = fresh;
		pthread_mutex_unlock(&s->config_lock);
		/* the server's own reference, then ours */
		config_release(s, old);
		log_event(s, NULL, "configuration %lld in service (%zu deployment%s)",
			  (long long)fresh->generation, fresh->nr_deps,
			  fresh->nr_deps == 1 ? "" : "s");
	}
	config_release(s, old);
}

static void *housekeeper_main(void *arg)
{
	struct mlw_endpoint_server *s = arg;
	unsigned poll_ms = s->opts.poll_ms ? s->opts.poll_ms : 100;

	prctl(PR_SET_NAME, "mlw-housekeep", 0, 0, 0);
	pthread_mutex_lock(&s->stop_lock);
	while (!__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)poll_ms * 1000000;
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &ts);
		if (__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE))
			break;
		pthread_mutex_unlock(&s->stop_lock);
		reload(s);
		flush_log(s);
		bury(s);
		pthread_mutex_lock(&s->stop_lock);
	}
	pthread_mutex_unlock(&s->stop_lock);
	return NULL;
}

/* --- start and stop */

/* server.json and server.pid, written atomically once listening */
static int write_server_files(struct mlw_endpoint_server *s)
{
	char *path = mlw_endpoint_path(s->repo, s->name, "server.json");
	json_t *o = json_pack("{s:I, s:s, s:s}", "pid", (json_int_t)getpid(),
			      "address", s->address, "url", s->url);
	char *text = mlw_json_dumps(o, MLW_JSON_INDENT), *pid;
	int ret = mlw_write_file_atomic_mode(path, text, strlen(text), 0600);

	json_decref(o);
	free(text);
	free(path);
	if (ret)
		return ret;
	path = mlw_endpoint_path(s->repo, s->name, "server.pid");
	pid = mlw_xstrfmt("%ld\n", (long)getpid());
	ret = mlw_write_file_atomic_mode(path, pid, strlen(pid), 0600);
	free(pid);
	free(path);
	return ret;
}

static void remove_server_files(struct mlw_endpoint_server *s)
{
	char *path = mlw_endpoint_path(s->repo, s->name, "server.json");

	unlink(path);
	free(path);
	path = mlw_endpoint_path(s->repo, s->name, "server.pid");
	unlink(path);
	free(path);
}

static unsigned python_workers(const struct config *c)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < c->nr_deps; i++)
		if (c->deps[i]->pool)
			n += (unsigned)c->deps[i]->d->instance_count;
	return n;
}

int mlw_endpoint_server_start(struct mlw_endpoint_server **out,
			      struct mlw_repo *repo, const char *name,
			      const struct mlw_endpoint_serve_options *opts)
{
	struct mlw_endpoint_server *s = mlw_calloc(1, sizeof(*s));
	struct mlw_http_server_options ho = { 0 };
	struct mlw_endpoint *ep = NULL;
	struct mlw_endpoint_server_info info;
	struct mlw_http_route routes[] = {
		{ "POST", "/score", MLW_HTTP_EXACT, on_score, NULL,
		  on_score_done, 0, 0, NULL },
		{ "POST", "/invocations", MLW_HTTP_EXACT, on_invocations,
		  NULL, on_score_done, 0, 0, NULL },
		{ "GET", "/", MLW_HTTP_EXACT, on_health, NULL, NULL, 0, 1,
		  NULL },
		{ "GET", "/health", MLW_HTTP_EXACT, on_health, NULL, NULL, 0,
		  1, NULL },
		{ "GET", "/ping", MLW_HTTP_EXACT, on_health, NULL, NULL, 0, 1,
		  NULL },
		{ "GET", "/swagger.json", MLW_HTTP_EXACT, on_swagger, NULL,
		  NULL, 0, 1, NULL },
	};
	char *db;
	size_t i;
	int ret;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	*out = NULL;
	s->repo = repo;
	s->name = mlw_strdup(name);
	s->opts = *opts;
	s->lock_fd = -1;
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	pthread_mutex_init(&s->config_lock, NULL);
	pthread_mutex_init(&s->dead_lock, NULL);
	pthread_mutex_init(&s->log_lock, NULL);
	pthread_mutex_init(&s->mirror_lock, NULL);
	pthread_cond_init(&s->mirror_cond, NULL);
	pthread_mutex_init(&s->stop_lock, NULL);
	pthread_cond_init(&s->stop_cond, NULL);
	if (pipe2(s->stop_pipe, O_CLOEXEC) < 0) {
		ret = mlw_error_errno("cannot make a pipe");
		mlw_endpoint_server_free(s);
		return ret;
	}

	db = mlw_repo_path(repo, "mlw.db");
	ret = mlw_catalog_open(&s->cat, db);
	free(db);
	/*
	 * The server appends to the request log and reads a few records:
	 * a 2 MiB page cache, not the catalog's 64 MiB, keeps its memory
	 * flat however long the log grows.
	 */
	if (!ret && sqlite3_exec(mlw_catalog_db(s->cat),
				 "PRAGMA cache_size=-2048", NULL, NULL,
				 NULL) != SQLITE_OK)
		ret = mlw_error_set("cannot configure the catalog: %s",
				    sqlite3_errmsg(mlw_catalog_db(s->cat)));
	if (!ret)
		ret = mlw_endpoint_get(&ep, s->cat, name);
	if (!ret && ep->kind != MLW_ENDPOINT_ONLINE)
		ret = mlw_error_setc(MLW_EINVALID,
				     "endpoint '%s' is a batch endpoint: invoke it with --input, it is not served",
				     name);
	mlw_endpoint_free(ep);
	if (!ret) {
		ret = mlw_endpoint_server_lock(&s->lock_fd, repo, name, 0);
		if (ret == MLW_ELOCKED &&
		    !mlw_endpoint_server_find(&info, repo, name))
			ret = mlw_error_setc(MLW_ELOCKED,
					     "endpoint '%s' is already served by pid %lld on %s",
					     name, (long long)info.pid,
					     info.address);
	}
	if (!ret)
		ret = config_build(&s->config, s, NULL);
	if (ret) {
		mlw_endpoint_server_free(s);
		return ret;
	}

	ho.host = opts->host;
	ho.port = opts->port;
	ho.nr_threads = opts->nr_threads ? opts->nr_threads :
			(unsigned)(cpus > 0 ? cpus : 1) +
			python_workers(s->config);
	ho.idle_timeout_s = opts->idle_timeout_s;
	ho.max_body = opts->max_body;
	ho.request_timeout_ms = SERVER_TIMEOUT_MS;
	ho.timeout_status = 408;
	ho.on_access = on_access;
	ho.on_log = on_http_log;
	ho.data = s;
	ret = mlw_http_server_new(&s->http, &ho);
	for (i = 0; !ret && i < sizeof(routes) / sizeof(*routes); i++) {
		routes[i].data = s;
		ret = mlw_http_server_route(s->http, &routes[i]);
	}
	if (!ret)
		ret = mlw_http_server_start(s->http);
	if (!ret) {
		const char *addr = mlw_http_server_address(s->http);

		s->address = mlw_strdup(addr);
		s->url = mlw_xstrfmt("http://%s", addr);
		ret = write_server_files(s);
	}
	if (!ret) {
		if (pthread_create(&s->housekeeper, NULL, housekeeper_main, s) ||
		    pthread_create(&s->mirror_thread, NULL, mirror_main, s))
			BUG("cannot start the server's threads");
		s->threads_started = 1;
		log_event(s, NULL, "serving endpoint '%s' on %s (pid %ld)",
			  name, s->url, (long)getpid());
	}
	if (ret) {
		mlw_endpoint_server_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

const char *mlw_endpoint_server_url(const struct mlw_endpoint_server *s)
{
	return s->url;
}

int mlw_endpoint_server_wait(struct mlw_endpoint_server *s,
			     const sigset_t *signals)
{
	struct pollfd p[2];
	int sfd = signals ? signalfd(-1, signals, SFD_CLOEXEC) : -1, sig = 0;

	p[0].fd = s->stop_pipe[0];
	p[0].events = POLLIN;
	p[1].fd = sfd;
	p[1].events = POLLIN;
	for (;;) {
		int n = poll(p, sfd >= 0 ? 2 : 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (p[0].revents & (POLLIN | POLLHUP)))
			break;
		if (sfd >= 0 && (p[1].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				sig = (int)si.ssi_signo;
			break;
		}
	}
	if (sfd >= 0)
		close(sfd);
	return sig;
}

void mlw_endpoint_server_request_stop(struct mlw_endpoint_server *s)
{
	char c = 1;
	ssize_t n;

	/* a write(2) only: signal handlers call this */
	if (s->stop_pipe[1] >= 0)
		n = write(s->stop_pipe[1], &c, 1);
	(void)n;
}

void mlw_endpoint_server_free(struct mlw_endpoint_server *s)
{
	size_t i;

	if (!s)
		return;
	/* no new requests, and those in progress finish first */
	mlw_http_server_free(s->http);
	__atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
	if (s->threads_started) {
		pthread_mutex_lock(&s->stop_lock);
		pthread_cond_broadcast(&s->stop_cond);
		pthread_mutex_unlock(&s->stop_lock);
		pthread_mutex_lock(&s->mirror_lock);
		pthread_cond_broadcast(&s->mirror_cond);
		pthread_mutex_unlock(&s->mirror_lock);
		pthread_join(s->housekeeper, NULL);
		pthread_join(s->mirror_thread, NULL);
		log_event(s, NULL, "server of endpoint '%s' stopped", s->name);
	}
	if (s->config)
		config_release(s, s->config);
	s->config = NULL;
	if (s->cat) {
		flush_log(s);
		bury(s);
	}
	for (i = 0; i < s->nr_mirror; i++) {
		deployment_unref(s->mirror_jobs[i].dep);
		free(s->mirror_jobs[i].content_type);
		free(s->mirror_jobs[i].body);
	}
	free(s->mirror_jobs);
	bury(s);
	for (i = 0; i < s->nr_records; i++) {
		free(s->records[i].input);
		free(s->records[i].output);
		free(s->records[i].event);
	}
	free(s->records);
	for (i = 0; i < s->nr_logs; i++) {
		close(s->logs[i].fd);
		free(s->logs[i].deployment);
	}
	free(s->logs);
	if (s->url)
		remove_server_files(s);
	mlw_catalog_free(s->cat);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->stop_pipe[0] >= 0)
		close(s->stop_pipe[0]);
	if (s->stop_pipe[1] >= 0)
		close(s->stop_pipe[1]);
	pthread_mutex_destroy(&s->config_lock);
	pthread_mutex_destroy(&s->dead_lock);
	pthread_mutex_destroy(&s->log_lock);
	pthread_mutex_destroy(&s->mirror_lock);
	pthread_cond_destroy(&s->mirror_cond);
	pthread_mutex_destroy(&s->stop_lock);
	pthread_cond_destroy(&s->stop_cond);
	free(s->url);
	free(s->address);
	free(s->name);
	free(s);
}

/* --- detached */

int mlw_endpoint_serve_detached(pid_t *pid, char **url, struct mlw_repo *repo,
				const char *name,
				const struct mlw_endpoint_serve_options *opts)
{
	int fds[2], status;
	pid_t child;
	char buf[512];
	ssize_t n, have = 0;

	*pid = 0;
	*url = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return mlw_error_errno("cannot make a pipe");
	/* no SQLite connection may cross the fork: the child opens its own */
	mlw_catalog_free(repo->catalog);
	repo->catalog = NULL;
	child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		return mlw_error_errno("cannot start the server");
	}
	if (!child) {
		struct mlw_endpoint_server *s;
		sigset_t stop;
		char *log = mlw_endpoint_path(repo, name, "server.log");
		char *dir = mlw_path_dirname(log);
		int fd, ret;

		close(fds[0]);
		setsid();
		/* blocked in every thread, taken by the wait below */
		sigemptyset(&stop);
		sigaddset(&stop, SIGTERM);
		sigaddset(&stop, SIGINT);
		sigaddset(&stop, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &stop, NULL);
		prctl(PR_SET_NAME, "mlw-serve", 0, 0, 0);
		mlw_mkdir_p(dir, 0700);
		fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			int null = open("/dev/null", O_RDONLY);

			if (null >= 0) {
				dup2(null, 0);
				close(null);
			}
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		free(log);
		free(dir);
		ret = mlw_endpoint_server_start(&s, repo, name, opts);
		if (ret) {
			n = write(fds[1], buf, (size_t)snprintf(buf, sizeof(buf),
				  "E %d %s", ret, mlw_error_last()));
			_exit(1);
		}
		n = write(fds[1], buf, (size_t)snprintf(buf, sizeof(buf),
			  "R %s", mlw_endpoint_server_url(s)));
		close(fds[1]);
		mlw_endpoint_server_wait(s, &stop);
		mlw_endpoint_server_free(s);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + have, sizeof(buf) - 1 - (size_t)have)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			have += n;
	close(fds[0]);
	buf[have] = '\0';
	if (have > 2 && buf[0] == 'R') {
		*pid = child;
		*url = mlw_strdup(buf + 2);
		return 0;
	}
	waitpid(child, &status, 0);
	if (have > 2 && buf[0] == 'E') {
		char *end;
		long code = strtol(buf + 2, &end, 10);

		return mlw_error_setc(code < 0 ? (int)code : MLW_ERROR, "%s",
				      *end ? end + 1 : "");
	}
	return mlw_error_set("the server of '%s' ended before it listened (see .mlw/endpoints/%s/server.log)",
			     name, name);
}
