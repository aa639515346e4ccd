/*
 * serve-routes.c - the online server's requests: /score and
 * /invocations (traffic, scoring, the mirror copies and the thread that
 * scores them), the health routes and /swagger.json.
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
	struct mlw_number_rows rows;
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
	/*
	 * Numbers under names, nearly every request: straight into rows,
	 * no frame (a 1-row request's parse and scoring took a fifth of
	 * the server's time a request).  Anything else, an error included,
	 * is the frame's, which says what is wrong.
	 */
	mlw_number_rows_init(&rows);
	if (!mlw_payload_parse_numbers(&rows, style, content_type, body,
				       len) &&
	    !mlw_score_numbers(&P, &dep->model, &rows)) {
		write_predictions(out, style, &dep->model, P, rows.nr_rows);
		*status = 200;
		free(P);
		mlw_number_rows_release(&rows);
		return;
	}
	mlw_number_rows_release(&rows);
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
	j.dep = mlw_serve_deployment_ref(dep);
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

void *mlw_serve_mirror_main(void *arg)
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

		t0 = mlw_serve_monotonic_ms();
		if (j.dep->error)
			status = 503;
		else if (mlw_serve_gate_enter(j.dep, j.dep->d->request.max_queue_wait_ms))
			status = 429;
		else {
			score(j.dep, j.style, j.content_type, j.body, j.len,
			      j.dep->d->request.timeout_ms, &status, &out);
			mlw_serve_gate_leave(j.dep);
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
		r.latency_us = (uint64_t)(mlw_serve_monotonic_ms() - t0) * 1000;
		r.bytes_in = j.len;
		r.bytes_out = out.len;
		/* a mirror's answer is never returned: the log keeps it */
		r.output = logged_text(out.buf, out.len);
		if (j.dep->d->data_collection || j.dep->d->app_insights_enabled)
			r.input = logged_text(j.body, j.len);
		mlw_buf_release(&out);
		mlw_serve_deployment_unref(j.dep);
		free(j.content_type);
		free(j.body);

		mlw_serve_log_record(s, &r);
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
	return mlw_http_auth_bearer_ring(req, &c->ring);
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
		struct deployment *dep = mlw_serve_config_find(c, name);

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
	r = mlw_serve_draw_percent() % (unsigned)c->live_total;
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
	struct config *c = mlw_serve_config_acquire(s);
	struct deployment *dep;
	struct mlw_buf *out;
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
	if (mlw_serve_gate_enter(dep, dep->d->request.max_queue_wait_ms)) {
		mlw_http_respond_error(res, 429, "REQUEST_LIMIT_EXCEEDED",
				       "deployment '%s' has %u requests in progress, its limit (max_concurrent_requests_per_instance x instance_count)",
				       dep->d->name, dep->limit);
		goto out;
	}
	body = mlw_http_request_body(req, &len);
	ctype = mlw_http_request_header(req, "Content-Type");
	elapsed = SERVER_TIMEOUT_MS - mlw_http_request_remaining_ms(req);
	timeout = dep->d->request.timeout_ms - elapsed;
	/* the answer in the connection's buffer: no allocation */
	out = mlw_http_response_buf(res);
	score(dep, style, ctype, body, len, timeout > 0 ? timeout : 1,
	      &status, out);
	mlw_serve_gate_leave(dep);
	elapsed = SERVER_TIMEOUT_MS - mlw_http_request_remaining_ms(req);
	if (status == 408 || elapsed > dep->d->request.timeout_ms) {
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
		cap->output = logged_text(out->buf, out->len);
		*mlw_http_request_state(req) = cap;
	}
	mlw_http_respond_buf(res, status, "application/json", out);
mirror:
	/* a request named for one deployment is not mirrored (Azure's) */
	for (i = 0; !targeted && i < c->nr_mirror; i++)
		if ((int)mlw_serve_draw_percent() < c->mirror_pct[i])
			mirror_push(s, c->mirror[i], style, ctype, body, len);
out:
	mlw_serve_config_release(s, c);
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
	struct config *c = mlw_serve_config_acquire(s);
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
	mlw_serve_config_release(s, c);
}

/* a bounded copy of src into dst[size], as snprintf "%s" would */
static void copy_text(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
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
	copy_text(r.deployment, sizeof(r.deployment), a->tag);
	copy_text(r.route, sizeof(r.route), a->route);
	r.status = a->status ? a->status : 499;
	r.latency_us = a->latency_us;
	r.bytes_in = a->bytes_in;
	r.bytes_out = a->bytes_out;
	if (cap) {
		r.input = cap->input;
		r.output = cap->output;
		cap->input = cap->output = NULL;
	}
	mlw_serve_log_record(s, &r);
}

static void on_http_log(const char *msg, void *data)
{
	mlw_serve_log_event(data, NULL, "http: %s", msg);
}


void mlw_serve_http_options(struct mlw_http_server_options *ho,
			    struct mlw_endpoint_server *s)
{
	ho->on_access = on_access;
	ho->on_log = on_http_log;
	ho->data = s;
}

int mlw_serve_add_routes(struct mlw_endpoint_server *s)
{
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
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < sizeof(routes) / sizeof(*routes); i++) {
		routes[i].data = s;
		ret = mlw_http_server_route(s->http, &routes[i]);
	}
	return ret;
}
