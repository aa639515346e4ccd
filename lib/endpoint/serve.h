/*
 * serve.h - the online scoring server of an endpoint, and the control
 * of a server from other processes (find, stop, invoke).
 *
 * One server serves one online endpoint, on lib/http's server
 * (http/server.h), with its routes:
 *
 *	POST /score		Azure's MLflow payload ({"input_data": ...}),
 *				answered with a bare JSON list
 *	POST /invocations	MLflow's (dataframe_split, dataframe_records,
 *				instances, inputs, text/csv), answered
 *				{"predictions": [...]}
 *	GET /, /health, /ping	liveness: "Healthy" (no key needed)
 *	GET /swagger.json	an OpenAPI 2.0 document from the model's
 *				signature (its input columns and types)
 *
 * Scoring routes need "Authorization: Bearer KEY" with one of the
 * endpoint's keys (auth_mode key, and aml_token served the same way);
 * anything else is 401 and nothing more.  A request goes to the
 * deployment its "azureml-model-deployment" header names, or else to
 * one drawn by the traffic weights; a share of the requests is also
 * copied to each mirror deployment, whose answers are logged and never
 * returned.  Each deployment keeps its request_settings: at most
 * max_concurrent_requests_per_instance x instance_count requests at
 * once (more wait up to max_queue_wait_ms, then 429), and an answer
 * later than request_timeout_ms is 408 on /score and 504 on
 * /invocations.  A deployment without a scoring script scores its mlw
 * model in-process (ml/score-frame.h); one with a score.py runs
 * instance_count Python workers (worker.h).
 *
 * The configuration is the registry's (endpoint.h): a housekeeping
 * thread polls the endpoint's generation and, when it changed, builds
 * the new configuration beside the old one (deployments whose record is
 * unchanged are kept, with their loaded models and workers) and swaps it
 * in atomically; requests in progress finish on the configuration they
 * started with, so a blue/green rollout fails no request.  The same
 * thread writes the request log to the catalog (endpoint_requests: time,
 * deployment, route, status, latency, sizes, and the input and output
 * when the deployment collects data) and to each deployment's log file,
 * .mlw/endpoints/NAME/logs/DEPLOYMENT.log, which 'deployment get-logs'
 * shows.
 *
 * A running server holds .mlw/endpoints/NAME/server.lock (flock(2)) for
 * its whole life and writes server.json (pid, address, url) and
 * server.pid: other processes find it by the lock, so a server killed
 * with -9 is never taken for a live one.
 */
#ifndef MLW_ENDPOINT_SERVE_H
#define MLW_ENDPOINT_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

struct mlw_repo;
struct mlw_buf;
struct mlw_endpoint_server;

#define MLW_ENDPOINT_DEFAULT_PORT 5001

struct mlw_endpoint_serve_options {
	const char *host;	/* NULL: 127.0.0.1 (loopback) */
	unsigned port;		/* 0: an ephemeral port */
	unsigned nr_threads;	/* 0: online CPUs (+ Python workers) */
	unsigned idle_timeout_s;	/* idle connection closed; 0: 15 */
	size_t max_body;	/* 413 above; 0: 16 MiB */
	unsigned poll_ms;	/* generation poll and log flush; 0: 100 */
	/* server events, one line each (no newline), for the console */
	void (*on_event)(const char *line, void *data);
	void *data;
};

/*
 * Start serving endpoint name of repo: load its deployments, bind, and
 * start the threads.  Returns 0 and *out, or MLW_ENOTFOUND (no such
 * endpoint), MLW_EINVALID (a batch endpoint), MLW_ELOCKED (another
 * server serves it: the message names its pid and address), MLW_ERROR
 * (the port in use: "cannot listen on 127.0.0.1:5001: Address already
 * in use").  A deployment that cannot be loaded does not stop the
 * server: its requests are 503 with the reason, and its log says it.
 */
int mlw_endpoint_server_start(struct mlw_endpoint_server **out,
			      struct mlw_repo *repo, const char *name,
			      const struct mlw_endpoint_serve_options *opts);
/* "http://127.0.0.1:5001": borrowed from the server */
const char *mlw_endpoint_server_url(const struct mlw_endpoint_server *s);
/*
 * Block until _request_stop(), or one of signals arrives: the caller
 * blocked them in every thread before _start() (pthread_sigmask()), so
 * they wait here instead of running a handler.  signals NULL: none.
 * Returns the signal's number, or 0.
 */
int mlw_endpoint_server_wait(struct mlw_endpoint_server *s,
			     const sigset_t *signals);
/* Ask the server to stop; async-signal-safe (a SIGTERM handler's). */
void mlw_endpoint_server_request_stop(struct mlw_endpoint_server *s);
/*
 * Drain the requests in progress, stop the workers, write the last of
 * the request log, remove server.json and server.pid, release the lock,
 * free s.  NULL is fine.
 */
void mlw_endpoint_server_free(struct mlw_endpoint_server *s);

/*
 * Serve in a new process of its own session, its output to the
 * endpoint's server log: returns once it listens (0, *pid and the url,
 * a string the caller frees) or failed to start (that error).
 */
int mlw_endpoint_serve_detached(pid_t *pid, char **url, struct mlw_repo *repo,
				const char *name,
				const struct mlw_endpoint_serve_options *opts);

/* --- from other processes */

struct mlw_endpoint_server_info {
	int64_t pid;
	char address[96];	/* "127.0.0.1:5001" */
	char url[128];		/* "http://127.0.0.1:5001" */
};

/*
 * The server serving name, if one runs: 0 and *out; MLW_ENOTFOUND when
 * none does.
 */
int mlw_endpoint_server_find(struct mlw_endpoint_server_info *out,
			     struct mlw_repo *repo, const char *name);

/*
 * Stop the server of name (SIGTERM, then SIGKILL after wait_s) and wait
 * until it is gone.  MLW_ENOTFOUND when none runs.
 */
int mlw_endpoint_stop_server(struct mlw_repo *repo, const char *name,
			     double wait_s);

/*
 * 'endpoint invoke' of an online endpoint: POST body (content_type NULL:
 * application/json) to the running server's /score with the primary
 * key, and to deployment when not NULL.  *status and the answer in out.
 * MLW_ENOTFOUND (no server runs: "endpoint 'x' is not being served;
 * start it with 'mlw endpoint serve x'"), MLW_ERROR (no answer).
 */
int mlw_endpoint_invoke(int *status, struct mlw_buf *out,
			struct mlw_repo *repo, const char *name,
			const char *deployment, const char *content_type,
			const char *body, size_t len);

/* the largest server log get-logs reads */
#define MLW_DEPLOYMENT_LOG_MAX ((size_t)1 << 30)

/*
 * 'deployment get-logs': the server log of deployment name of endpoint
 * (.mlw/endpoints/ENDPOINT/logs/NAME.log), its last lines lines (< 0:
 * all), appended to out; a deployment never served has an empty log.
 * MLW_ENOTFOUND for a deployment that is not; the errors of reading.
 */
struct mlw_buf;
struct mlw_catalog;
int mlw_deployment_log(struct mlw_buf *out, struct mlw_catalog *cat,
		       struct mlw_repo *repo, const char *endpoint,
		       const char *name, long lines);

#endif
