/*
 * serve-internal.h - what the files of the online server share: its
 * state (struct mlw_endpoint_server), the configurations requests route
 * by and the deployments they run (serve-config.c), the routes and the
 * mirror thread (serve-routes.c), the request log (serve-log.c); serve.c
 * starts, runs and stops it.  See serve.c for its threads.
 */
#ifndef MLW_ENDPOINT_SERVE_INTERNAL_H
#define MLW_ENDPOINT_SERVE_INTERNAL_H

#include "endpoint/endpoint.h"
#include "endpoint/serve.h"
#include "http/auth.h"
#include "http/payload.h"
#include "ml/model.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

struct mlw_http_server;
struct mlw_http_server_options;
struct mlw_worker_pool;


/* the server-wide limit: above every deployment's request_timeout_ms */
#define SERVER_TIMEOUT_MS 181000
/* an input or output kept in the request log, at most */
#define MAX_LOGGED ((size_t)1 << 20)
/* mirrored requests waiting, at most (more are dropped, and said so) */
#define MAX_MIRROR_QUEUE 256
/*
 * Queued request records that wake the housekeeper before its poll: a
 * burst is written in pieces this size, not in one as large as poll_ms
 * of requests (its memory and the housekeeper's time bounded).  On two
 * cores the housekeeper takes a core from a request thread for as long
 * as a piece takes, and the requests waiting behind it set the p99 at
 * 8 connections: when a request was a row, pieces of 1,024 kept a core
 * 2-4 ms (p99 2.2-3.4 ms); in batches of 1,024 (one row), 0.8 ms (p99
 * 0.6-2.0 ms, twice the do-nothing server's).  So a piece only writes
 * the log files' lines and adds to the catalog's batch (about 0.1 ms),
 * and the batch goes into the catalog when it holds BATCH_RECORDS
 * records (a commit for each 256 requests had cost them 0.3 us each),
 * BATCH_BYTES of text (inputs and outputs collected), or at the poll.
 */
#define FLUSH_RECORDS 128
#define BATCH_RECORDS 1024
#define BATCH_BYTES ((size_t)4 << 20)
/*
 * The request log's two queues (serve.c, serve-log.c): each a
 * reservation of MAX_RECORDS records of address space, mapped when the
 * server starts and never moved or grown, so that no request thread
 * allocates for the log and no malloc arena keeps a burst's fragments.
 * Pages come in as records arrive; after a flush of more than
 * KEEP_RECORDS, the pages past those are given back (MADV_DONTNEED).
 * Past MAX_RECORDS queued (the housekeeper far behind) requests are
 * counted, not logged.
 */
#define KEEP_RECORDS (2 * BATCH_RECORDS)
#define MAX_RECORDS ((size_t)1 << 20)
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
	struct mlw_http_keyring ring;	/* the same, to compare */
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
	struct mlw_buf lines;	/* a flush's, kept from one to the next */
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
	/*
	 * The queue the request threads append to, and the one the
	 * housekeeper wrote last: a flush swaps the two, so that queueing
	 * neither grows an array under the lock nor frees one across
	 * threads (a free() takes the lock of the arena that allocated it,
	 * which a worker holds while it answers: at 8 connections the p99
	 * was 4.6 ms, against 0.8 ms for a do-nothing handler).
	 */
	struct log_record *records;
	size_t nr_records;
	struct log_record *spare_records;
	/*
	 * The housekeeper's INSERT statements (of INSERT_GROUP rows, of
	 * one), prepared once: preparing the group's statement of 700
	 * parameters at every flush cost it more than a flush's rows
	 */
	struct sqlite3_stmt *insert_batch;	/* the request log's */
	struct mlw_buf batch_text;	/* the batch being built: its JSON, */
	size_t batch_records;		/* its records, */
	size_t batch_queued;		/* records and events since the last, */
	double batch_first, batch_last;	/* and their times */
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
	pthread_cond_t stop_cond;	/* the housekeeper waits on it */
	int flush_now;			/* under stop_lock: records queued */
	int stop_pipe[2];
};


/* --- serve.c */

int64_t mlw_serve_monotonic_ms(void);
/* 0 to 99, from the calling thread's own generator: a traffic draw */
unsigned mlw_serve_draw_percent(void);

/* --- serve-config.c: deployments and configurations */

/* a deployment's references; the last one puts it on the dead list */
struct deployment *mlw_serve_deployment_ref(struct deployment *dep);
void mlw_serve_deployment_unref(struct deployment *dep);
/* the housekeeper frees a dead deployment */
void mlw_serve_deployment_free(struct deployment *dep);
/*
 * A place among dep's concurrent requests, waiting at most wait_ms:
 * 0, or negative (the queue wait ran out: 429).  gate_leave gives it
 * back.
 */
int mlw_serve_gate_enter(struct deployment *dep, int64_t wait_ms);
void mlw_serve_gate_leave(struct deployment *dep);
/* the log file of deployment for its workers, opened for appending */
int mlw_serve_open_log_fd(struct mlw_endpoint_server *s,
			  const char *deployment);
/*
 * The configuration of the endpoint's current generation, reusing the
 * deployments of old (may be NULL) that did not change.
 */
int mlw_serve_config_build(struct config **out, struct mlw_endpoint_server *s,
			   const struct config *old);
/* the current configuration, referenced, and back */
struct config *mlw_serve_config_acquire(struct mlw_endpoint_server *s);
void mlw_serve_config_release(struct mlw_endpoint_server *s, struct config *c);
void mlw_serve_config_free(struct config *c);
/* deployment name of c, or NULL */
struct deployment *mlw_serve_config_find(const struct config *c,
					 const char *name);

/* --- serve-routes.c */

/* the lib/http hooks of the server (access log, its own log) */
void mlw_serve_http_options(struct mlw_http_server_options *ho,
			    struct mlw_endpoint_server *s);
/* /score, /invocations, the health routes and /swagger.json */
int mlw_serve_add_routes(struct mlw_endpoint_server *s);
/* the mirror thread */
void *mlw_serve_mirror_main(void *arg);

/* --- serve-log.c: the request log */

/* an event for the log of deployment (NULL: every deployment's) */
void mlw_serve_log_event(struct mlw_endpoint_server *s, const char *deployment,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * The housekeeper: write what requests logged to the log files and the
 * catalog's batch, the batch into the catalog when full or when all
 */
void mlw_serve_flush_log(struct mlw_endpoint_server *s, int all);
/* the housekeeper's statements finalized, before the catalog closes */
void mlw_serve_log_finish(struct mlw_endpoint_server *s);
/*
 * Queue record r (a request's, or a mirror's) for the log; taken over.
 * The queue's FLUSH_RECORDS-th wakes the housekeeper.
 */
void mlw_serve_log_record(struct mlw_endpoint_server *s,
			  struct log_record *r);

#endif
