/*
 * server.h - the HTTP server under every mlw service: online endpoints,
 * the MLflow tracking API and the web view.
 *
 * It runs on libmicrohttpd, loaded on first use (util/dl.h), with a pool
 * of threads polling with epoll, HTTP/1.1 keep-alive, and the limits an
 * exposed server needs, each answered as MLflow answers errors (a JSON
 * body {"error_code": ..., "message": ...}):
 *
 *   - a route table: method and path, exact or by prefix; no route for
 *     the path is 404 ENDPOINT_NOT_FOUND, a path whose routes take other
 *     methods is 405 with an Allow header (HEAD is served by GET routes);
 *   - a body size limit: a Content-Length above it is answered 413 before
 *     any of the body is read (no "100 Continue"); a chunked body that
 *     grows past it is dropped as it arrives and answered 413 when it
 *     ends, or the connection is closed when it runs on for more than
 *     the limit again;
 *   - a limit on requests in progress: one more is answered 429 at once;
 *   - a request time limit, from the request's headers to its answer:
 *     an answer ready after it is replaced by 408 (or the status asked
 *     for), and a body still arriving after it closes the connection;
 *     handlers that wait (on a worker process, say) read the time left
 *     with mlw_http_request_remaining_ms() and give up in time;
 *   - an idle time limit per connection (slow clients are bounded: a
 *     connection that sends nothing for that long is closed).
 *
 * Handlers run on the pool's threads, several at once: everything they
 * share must be thread-safe, and a slow handler holds up the other
 * connections of its thread, so size the pool to the work.  lib/ never
 * installs signal handlers: cmd/ does, and calls
 * mlw_http_server_request_stop(), which is async-signal-safe.
 *
 *	struct mlw_http_server *srv;
 *	struct mlw_http_route score = {
 *		.method = "POST", .path = "/score", .handle = on_score,
 *	};
 *
 *	if (mlw_http_server_new(&srv, &opts) ||
 *	    mlw_http_server_route(srv, &score) ||
 *	    mlw_http_server_start(srv))
 *		goto fail;
 *	mlw_http_server_wait(srv);	(until request_stop)
 *	mlw_http_server_free(srv);	(drains, stops, frees)
 */
#ifndef MLW_HTTP_SERVER_H
#define MLW_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct json_t;
struct mlw_buf;
struct mlw_http_server;
struct mlw_http_request;	/* valid during the callbacks below */
struct mlw_http_response;	/* what the handler answers */

/*
 * One finished request, for the access log; the strings are borrowed
 * for the duration of the on_access call.
 */
struct mlw_http_access {
	int64_t start_ms;	/* Unix time the headers arrived, in ms */
	uint64_t latency_us;	/* headers arrived to answer sent */
	const char *method;	/* as the client sent it */
	const char *path;	/* without the query string */
	const char *route;	/* the matched route's path; NULL: none */
	/*
	 * The request, for what is formatted only when asked:
	 * mlw_http_request_remote() ("127.0.0.1:40312", "[::1]:40312").
	 */
	const struct mlw_http_request *request;
	const char *tag;	/* mlw_http_request_set_tag()'s; "" when none */
	int status;		/* the status queued; 0 when none was */
	int completed;		/* 0: the client left before it was sent */
	uint64_t bytes_in;	/* body bytes received */
	uint64_t bytes_out;	/* body bytes of the answer */
	uint64_t connection;	/* 1, 2, ... per connection since start */
	/*
	 * The route's state (*mlw_http_request_state()), still there:
	 * on_access runs before the route's done() frees it, so a route
	 * may leave what its log needs (a copy of the input, say).
	 */
	void *state;
};

struct mlw_http_server_options {
	const char *host;	/* address or name to bind; NULL: 127.0.0.1 */
	unsigned port;		/* 0: an ephemeral port (see _port()) */
	unsigned nr_threads;	/* the pool; 0: one per online CPU */
	unsigned max_connections;	/* open at once; 0: 1024 */
	unsigned idle_timeout_s;	/* idle connection closed; 0: 15 */
	size_t max_body;	/* bytes; 0: 16 MiB */
	/* requests in progress on limited routes; 0: no limit */
	unsigned max_concurrent;
	unsigned request_timeout_ms;	/* 0: no limit */
	/*
	 * The status of an answer past the time limit (error_code
	 * DEADLINE_EXCEEDED); 0: 408, what Azure's online endpoints answer
	 * past request_timeout_ms.  MLflow's servers answer 504.
	 */
	int timeout_status;
	unsigned drain_ms;	/* at stop, wait for requests; 0: 5000 */
	/*
	 * A connection's memory for its request line, headers and reading
	 * buffer; 0: 16 KiB.  A request whose headers do not fit (about
	 * 14 KB of them at 16 KiB) is answered 431.  libmicrohttpd zeroes
	 * it between the requests of a connection: its own default of
	 * 32 KiB cost a small request a tenth of its CPU time.
	 */
	size_t conn_memory;
	/*
	 * Called on a pool thread when each request ends (answered, or the
	 * client gone), before the route's done().  Must be thread-safe.
	 */
	void (*on_access)(const struct mlw_http_access *a, void *data);
	/* libmicrohttpd's own messages (no newline); NULL: dropped */
	void (*on_log)(const char *msg, void *data);
	void *data;		/* for on_access and on_log */
};

/* fill res for req; called once the whole body has arrived */
typedef void mlw_http_handler_fn(struct mlw_http_request *req,
				 struct mlw_http_response *res, void *data);

/*
 * A route that takes its body as it arrives instead of buffered (an
 * artifact upload written straight to the object store): called for
 * each piece, in order.  Return 0 to go on; or answer res and return 1:
 * the rest of the body is then dropped, that answer is sent when the
 * body ends, and the handler is not called.
 */
typedef int mlw_http_body_fn(struct mlw_http_request *req,
			     struct mlw_http_response *res,
			     const char *data, size_t len, void *route_data);

enum mlw_http_match {
	MLW_HTTP_EXACT = 0,	/* the path is path */
	MLW_HTTP_PREFIX		/* the path starts with path */
};

struct mlw_http_route {
	const char *method;	/* "GET", "POST", ...; NULL: any */
	const char *path;	/* "/score"; a prefix: "/api/2.0/mlflow/" */
	enum mlw_http_match match;
	mlw_http_handler_fn *handle;	/* required */
	mlw_http_body_fn *body;	/* NULL: the body is buffered */
	/*
	 * Called when the request ends, however it ends (also when the
	 * client left mid-body), to free what the route keeps in
	 * *mlw_http_request_state(req).  Optional.
	 */
	void (*done)(struct mlw_http_request *req, void *data);
	size_t max_body;	/* 0: the server's max_body */
	int unlimited;		/* not counted by max_concurrent (probes) */
	void *data;		/* passed to handle, body and done */
};

/*
 * A server with opts (copied; host too), not listening yet.  Returns 0,
 * or MLW_ERROR when libmicrohttpd cannot be loaded (the message names
 * the Debian package).  *out is freed with mlw_http_server_free().
 */
int mlw_http_server_new(struct mlw_http_server **out,
			const struct mlw_http_server_options *opts);

/*
 * Add a route (copied; the strings must outlive the server) before
 * _start().  Exact routes win over prefix routes, a longer prefix over
 * a shorter one, and among equals the first added.  Returns 0, or
 * MLW_EINVALID for a path not starting with '/' or a server started.
 */
int mlw_http_server_route(struct mlw_http_server *s,
			  const struct mlw_http_route *route);

/*
 * Bind host:port and start serving.  Returns 0, or MLW_ERROR with the
 * address in the message ("cannot listen on 127.0.0.1:8080: Address
 * already in use", or a host name that does not resolve).
 */
int mlw_http_server_start(struct mlw_http_server *s);

/*
 * Serve on fd, a socket already bound and listening (taken: closed by
 * the server), instead of binding host:port at _start(): a caller that
 * must hand out its address before the server is wanted binds first and
 * starts later.  Before _start().  0, or MLW_EINVALID.
 */
int mlw_http_server_adopt(struct mlw_http_server *s, int fd);

/* The port bound (the ephemeral one for port 0); 0 before _start(). */
unsigned mlw_http_server_port(const struct mlw_http_server *s);

/* "127.0.0.1:8080", "[::1]:8080": what was bound; borrowed. */
const char *mlw_http_server_address(const struct mlw_http_server *s);

/*
 * Block until mlw_http_server_request_stop() is called (from another
 * thread or a signal handler).  Returns 0; the server still serves
 * until _free().
 */
int mlw_http_server_wait(struct mlw_http_server *s);

/*
 * Ask the server to stop: _wait() returns.  Async-signal-safe (one
 * write(2) to a pipe), so a SIGTERM handler in cmd/ may call it.
 */
void mlw_http_server_request_stop(struct mlw_http_server *s);

/*
 * Stop accepting, let requests in progress finish (at most drain_ms),
 * close every connection, join the threads, free s.  A handler that
 * never returns holds this up: handlers that wait use a time limit.
 * NULL is fine.
 */
void mlw_http_server_free(struct mlw_http_server *s);

/* Requests in progress now (for tests and status pages). */
unsigned mlw_http_server_in_progress(const struct mlw_http_server *s);


/* --- the request, in handlers; every string borrowed for the request */

const char *mlw_http_request_method(const struct mlw_http_request *req);
/* the path, percent-decoded, without the query string */
const char *mlw_http_request_path(const struct mlw_http_request *req);
/* the path after a prefix route's prefix ("" for exact routes) */
const char *mlw_http_request_subpath(const struct mlw_http_request *req);
/* a header's value, the name in any case; NULL when absent */
const char *mlw_http_request_header(const struct mlw_http_request *req,
				    const char *name);
/* a query parameter, decoded (the first when repeated); NULL: absent */
const char *mlw_http_request_query(const struct mlw_http_request *req,
				   const char *name);
/*
 * Call fn for every query parameter in order, repeats included (value
 * NULL for "?flag"); stops at and returns fn's first non-zero.
 */
int mlw_http_request_query_foreach(const struct mlw_http_request *req,
				   int (*fn)(const char *name,
					     const char *value, void *data),
				   void *data);
/*
 * The buffered body (NUL-terminated after len bytes, so jansson and
 * string functions may read it); "" for none or a streaming route.
 */
const char *mlw_http_request_body(const struct mlw_http_request *req,
				  size_t *len);
/* the client's address, "127.0.0.1:40312" */
const char *mlw_http_request_remote(const struct mlw_http_request *req);
/* ms left before the request time limit (INT64_MAX: none; <= 0: late) */
int64_t mlw_http_request_remaining_ms(const struct mlw_http_request *req);
/*
 * A slot for the route's own state across body(), handle() and done()
 * of one request; NULL at first.
 */
void **mlw_http_request_state(struct mlw_http_request *req);
/* a short label for the access log (a deployment name); copied */
void mlw_http_request_set_tag(struct mlw_http_request *req, const char *tag);


/* --- the answer; a later call replaces an earlier one's status and body */

/* body[0..len) copied; content_type NULL: no Content-Type */
void mlw_http_respond(struct mlw_http_response *res, int status,
		      const char *content_type, const void *body, size_t len);
/* body not copied: it must outlive the server (a literal) */
void mlw_http_respond_static(struct mlw_http_response *res, int status,
			     const char *content_type, const void *body,
			     size_t len);
/*
 * body's memory taken over, body left empty (no copy); the buffer of
 * mlw_http_response_buf() stays the response's, and is sent from
 */
void mlw_http_respond_buf(struct mlw_http_response *res, int status,
			  const char *content_type, struct mlw_buf *body);
/*
 * An empty buffer for the body of the answer, which the connection
 * keeps from one request to the next: a body written there and given
 * to mlw_http_respond_buf() costs no allocation.  A second call empties
 * it again, and an answer given from it.
 */
struct mlw_buf *mlw_http_response_buf(struct mlw_http_response *res);
/* v as application/json (shortest doubles: http/json.h); v not taken */
void mlw_http_respond_json(struct mlw_http_response *res, int status,
			   const struct json_t *v);
/*
 * size bytes of the file fd from its start (a download); fd is taken
 * and closed by the server, also when the answer is replaced.
 */
void mlw_http_respond_fd(struct mlw_http_response *res, int status,
			 const char *content_type, int fd, uint64_t size);
/*
 * MLflow's error body {"error_code": CODE, "message": MESSAGE} as
 * application/json, with status, or MLflow's status for code when
 * status is 0 (mlw_http_error_status()).
 */
void mlw_http_respond_error(struct mlw_http_response *res, int status,
			    const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* add a header to the answer (both copied); kept when the body is replaced */
void mlw_http_response_header(struct mlw_http_response *res,
			      const char *name, const char *value);
/* the status answered so far (0: none yet) */
int mlw_http_response_status(const struct mlw_http_response *res);

/*
 * MLflow's HTTP status for an error code (mlflow/exceptions.py):
 * BAD_REQUEST, INVALID_PARAMETER_VALUE, RESOURCE_ALREADY_EXISTS 400;
 * UNAUTHENTICATED, CUSTOMER_UNAUTHORIZED 401; PERMISSION_DENIED 403;
 * RESOURCE_DOES_NOT_EXIST, ENDPOINT_NOT_FOUND, NOT_FOUND 404;
 * RESOURCE_CONFLICT, ALREADY_EXISTS, ABORTED 409; REQUEST_LIMIT_EXCEEDED,
 * RESOURCE_EXHAUSTED 429; CANCELLED 499; INTERNAL_ERROR, INVALID_STATE,
 * DATA_LOSS 500; NOT_IMPLEMENTED 501; TEMPORARILY_UNAVAILABLE 503;
 * DEADLINE_EXCEEDED 504; anything else 500.
 */
int mlw_http_error_status(const char *code);

#endif
