/*
 * tracking.h - MLflow's tracking REST API on mlw's catalog, served by
 * lib/http.
 *
 * Routes, under both /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/ (the
 * prefix MLflow's web UI uses):
 *
 *	experiments/ create get get-by-name search list update delete
 *		restore set-experiment-tag delete-experiment-tag
 *	runs/ create update get search delete restore log-metric
 *		log-parameter set-tag delete-tag log-batch log-inputs
 *		log-model
 *	metrics/ get-history get-history-bulk
 *	artifacts/list
 *	registered-models/ and model-versions/ (registry.c, versions.c,
 *		registry-search.c)
 *
 * and the artifact proxy, /api/2.0/mlflow-artifacts/artifacts/PATH (PUT
 * uploads a file, streamed to a scratch file and then into the object
 * store: memory stays bounded whatever its size; GET downloads it;
 * DELETE removes it) and /api/2.0/mlflow-artifacts/artifacts?path=
 * (lists a folder).
 *
 * The mapping (mlw-tracking(1) has the table): an MLflow experiment is
 * an mlw experiment (experiment.h; id 0 is "Default", as in MLflow); a
 * run is an mlw run whose run_id is the run's name (run/tracking.h);
 * artifacts are the run's artifacts (what 'mlw log artifact' stores);
 * a registered model is an mlw model asset and its versions are the
 * asset's versions.  Every write goes through the lib/run and
 * lib/asset calls the CLI uses.
 *
 * Errors are MLflow's bodies and statuses ({"error_code":
 * "RESOURCE_DOES_NOT_EXIST", "message": ...}, 404; INVALID_PARAMETER_VALUE
 * and RESOURCE_ALREADY_EXISTS 400; BAD_REQUEST 400 for a body that is
 * not JSON; TEMPORARILY_UNAVAILABLE 503 when the catalog stayed locked).
 *
 * Threads: handlers run on the HTTP server's threads, each taking a
 * catalog connection from a pool (run/pool.h); writes of this process
 * take turns on a lock before their transaction, so they queue here
 * instead of sleeping in SQLite's busy handler.
 */
#ifndef MLW_TRACKING_TRACKING_H
#define MLW_TRACKING_TRACKING_H

struct mlw_http_server;
struct mlw_repo;
struct mlw_tracking;

/*
 * The API over repo's workspace (borrowed: it must outlive *out), with
 * at most max_connections catalog connections (one per server thread
 * is right; 0: 4).  Free with mlw_tracking_free() after the server.
 */
int mlw_tracking_new(struct mlw_tracking **out, struct mlw_repo *repo,
		     unsigned max_connections);

/* Add the routes to srv (not started yet).  0 or negative. */
int mlw_tracking_route(struct mlw_tracking *t, struct mlw_http_server *srv);

void mlw_tracking_free(struct mlw_tracking *t);

/*
 * A tracking server for one job's run, started when first wanted: a
 * loopback socket on an ephemeral port is bound and listened on now
 * (microseconds), and a thread waits on it; only when a client
 * connects are libmicrohttpd loaded and the server started on that
 * socket.  A job that never talks MLflow pays for a bind and a thread.
 * *uri is "http://127.0.0.1:PORT" (the caller's).  The server lives
 * until mlw_tracking_lazy_free() or the process exits.
 */
struct mlw_tracking_lazy;
int mlw_tracking_lazy_start(struct mlw_tracking_lazy **out, char **uri,
			    struct mlw_repo *repo);
void mlw_tracking_lazy_free(struct mlw_tracking_lazy *l);

#endif
