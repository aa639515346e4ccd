/*
 * internal.h - what the files of lib/tracking share: a request's fields,
 * its catalog connection, MLflow's answers.
 */
#ifndef MLW_TRACKING_INTERNAL_H
#define MLW_TRACKING_INTERNAL_H

#include "tracking/tracking.h"
#include "util/strutil.h"

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct mlw_catalog;
struct mlw_http_request;
struct mlw_http_response;
struct mlw_run;
struct mlw_run_pool;

struct mlw_tracking {
	struct mlw_repo *repo;
	struct mlw_run_pool *pool;
	/* writes of this process take turns (tracking.h) */
	pthread_mutex_t write_lock;
};

/* One API call being answered. */
struct call {
	struct mlw_tracking *t;
	struct mlw_http_request *req;
	struct mlw_http_response *res;
	json_t *in;		/* the body, or the query as an object */
	struct mlw_catalog *cat;	/* from the pool, once asked for */
	int writing;		/* holds the write lock */
	struct mlw_strlist scratch;	/* strings made from numbers */
};

/* The call's catalog connection (taken from the pool once); 0 or an
 * answer already given (and negative returned). */
int call_catalog(struct call *c);
/* Take the write lock, then a transaction; end it with call_commit(). */
int call_begin(struct call *c);
/* Commit (ret 0) or roll back, and release the write lock; ret or the
 * commit's error. */
int call_end(struct call *c, int ret);

/*
 * Fields of the request.  get_str: the string (a number as its text),
 * NULL when absent; need_str: MLflow's "Missing value for required
 * parameter" answer when absent (-1 returned).  Numbers may come as
 * JSON numbers or as text (a query string, protobuf's int64 strings).
 * Each returns 0, or answers 400 and returns -1.
 */
const char *get_str(struct call *c, const char *name);
/* a JSON string or number as text (kept until the call ends); NULL else */
const char *text_of(struct call *c, json_t *v);
int need_str(struct call *c, const char *name, const char **out);
int get_i64(struct call *c, json_t *v, const char *name, int64_t *out);
int field_i64(struct call *c, const char *name, int64_t *out, int *present);
int get_double(struct call *c, json_t *v, const char *name, double *out);
/* A list field (a JSON array, or a repeated query parameter). */
json_t *get_list(struct call *c, const char *name);

/* Answers. */
void reply(struct call *c, json_t *v);	/* 200 with v (taken) */
void reply_empty(struct call *c);	/* 200 {} */
/* end the call's transaction with ret (call_end()), then answer {} or
 * MLflow's error for what failed */
void reply_done(struct call *c, int ret);
/* an error with MLflow's code and status; returns -1 */
int reply_error(struct call *c, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* MLflow's error_code for lib's error code ret (MLW_E*) */
const char *mlflow_error_code(int ret);
/* lib's error code as MLflow's answer (mlw_error_last() the message) */
int reply_fail(struct call *c, int ret);
/* the same, for the artifact proxy's handlers (no struct call) */
void respond_fail(struct mlw_http_response *res, int ret);
/* {} when ret is 0, respond_fail() otherwise */
void respond_done(struct mlw_http_response *res, int ret);

/* ms since the epoch of a time in seconds */
int64_t to_ms(double t);
/* json value of a metric value: a number, or "NaN", "Infinity" */
json_t *metric_value_json(double v);

/* The run named run_id (its id in *id); answers 404 itself. */
int find_run(struct call *c, const char *run_id, int64_t *id);

/* Page tokens: base64 of {"offset": N}, as MLflow's. */
json_t *page_token_make(int64_t offset);	/* a new reference */
int page_token_read(struct call *c, int64_t *offset);

/*
 * The body of a runs/log-batch read without a jansson tree (batch.c):
 * strings point into .strings; the arrays are the caller's.
 */
struct log_batch_body {
	const char *run_id;
	struct mlw_run_metric *metrics;
	size_t nr_metrics;
	struct mlw_run_kv *params, *tags;
	size_t nr_params, nr_tags;
	char *strings;
};
/* 0: body read into *out (release it); 1: not of the plain shape that
 * batch.c reads, *out empty: read it with jansson */
int log_batch_scan(struct log_batch_body *out, const char *body, size_t len);
/*
 * body with bare NaN, Infinity and -Infinity outside strings (Python's
 * json.dumps writes them) quoted, as protobuf's JSON spells them, so
 * that jansson takes it (tracking.c reads every body so); NULL when
 * there are none.
 */
char *quote_non_finite(const char *body, size_t len);
void log_batch_body_release(struct log_batch_body *b);

/* The handlers of each file, by route (tracking.c dispatches). */
typedef void handler_fn(struct call *c);
struct handler {
	const char *method;
	const char *path;	/* after /api/2.0/mlflow/ */
	handler_fn *fn;
};
extern const struct handler mlw_tracking_experiment_handlers[];
extern const struct handler mlw_tracking_run_handlers[];
extern const struct handler mlw_tracking_log_handlers[];
extern const struct handler mlw_tracking_registry_handlers[];
extern const struct handler mlw_tracking_registry_search_handlers[];
extern const struct handler mlw_tracking_version_handlers[];
extern const struct handler mlw_tracking_artifact_handlers[];

/* runs/log-batch with a body batch.c reads: 0 answered, 1 declined */
int runs_log_batch_fast(struct call *c);

/* Shared by the route files. */
/* experiment_id's text as an id; answers 404 for text that is none */
int experiment_id(struct call *c, const char *text, int64_t *id);
/* run_view_type and the like: MLW_EXPERIMENT_* view of the field */
int view_type(struct call *c, const char *field, int *out);
/* the value of the run's tag key, NULL when it has none */
const char *run_tag(const struct mlw_run *run, const char *key);
/* a list of {key, value} objects (params, tags) as kv pairs borrowed
 * from the JSON (*out the caller's to free) */
int read_kvs(struct call *c, const char *field, struct mlw_run_kv **out,
	     size_t *nr);

/* The tracking layer's tables (tracking.c): experiment 0, the registry */
extern const struct mlw_catalog_schema mlw_tracking_schema;

/* The artifact proxy's routes (artifacts.c). */
struct mlw_http_server;
int mlw_tracking_route_artifacts(struct mlw_tracking *t,
				 struct mlw_http_server *srv);

#endif
