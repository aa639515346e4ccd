/*
 * server.c - the HTTP server on libmicrohttpd, loaded on first use;
 * see server.h.
 *
 * libmicrohttpd calls one access handler several times per request:
 * once when the headers are in (routing and the limits are decided
 * there, and a request without a body is answered there), once per
 * piece of body, and once more when the body has ended.  The state of a
 * request lives in a struct mlw_http_request that its connection keeps
 * from one request to the next (made when the connection opens, freed
 * when it closes): the buffers of the body, of the answer and of its
 * headers are reused, so that a small request allocates nothing of
 * ours.  The completion callback runs however a request ends, writes
 * the access log and readies the struct for the next.
 */
#include "http/server.h"
#include "util/json.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/dl.h"
#include "util/error.h"
#include "util/number.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* the functions of libmicrohttpd we call, resolved once */
static __typeof__(&MHD_start_daemon) mhd_start;
static __typeof__(&MHD_stop_daemon) mhd_stop;
static __typeof__(&MHD_quiesce_daemon) mhd_quiesce;
static __typeof__(&MHD_queue_response) mhd_queue;
static __typeof__(&MHD_create_response_from_buffer) mhd_from_buffer;
static __typeof__(&MHD_create_response_from_buffer_with_free_callback)
	mhd_from_owned;
static __typeof__(&MHD_create_response_from_fd64) mhd_from_fd;
static __typeof__(&MHD_destroy_response) mhd_destroy;
static __typeof__(&MHD_add_response_header) mhd_add_header;
static __typeof__(&MHD_lookup_connection_value) mhd_lookup;
static __typeof__(&MHD_get_connection_values) mhd_values;
static __typeof__(&MHD_get_connection_info) mhd_info;

static const struct mlw_dl_symbol mhd_symbols[] = {
	MLW_DL_SYMBOL(MHD_start_daemon, mhd_start),
	MLW_DL_SYMBOL(MHD_stop_daemon, mhd_stop),
	MLW_DL_SYMBOL(MHD_quiesce_daemon, mhd_quiesce),
	MLW_DL_SYMBOL(MHD_queue_response, mhd_queue),
	MLW_DL_SYMBOL(MHD_create_response_from_buffer, mhd_from_buffer),
	MLW_DL_SYMBOL(MHD_create_response_from_buffer_with_free_callback,
		      mhd_from_owned),
	MLW_DL_SYMBOL(MHD_create_response_from_fd64, mhd_from_fd),
	MLW_DL_SYMBOL(MHD_destroy_response, mhd_destroy),
	MLW_DL_SYMBOL(MHD_add_response_header, mhd_add_header),
	MLW_DL_SYMBOL(MHD_lookup_connection_value, mhd_lookup),
	MLW_DL_SYMBOL(MHD_get_connection_values, mhd_values),
	MLW_DL_SYMBOL(MHD_get_connection_info, mhd_info),
	{ NULL, NULL }
};

static struct mlw_dl_library mhd_lib = {
	.name = "libmicrohttpd",
	.sonames = { "libmicrohttpd.so.12" },
	.package = "libmicrohttpd12",
	.symbols = mhd_symbols,
};

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_THREADS_MAX 16
#define DEFAULT_CONNECTIONS 1024
#define DEFAULT_IDLE_S 15
#define DEFAULT_MAX_BODY (16u << 20)
#define DEFAULT_DRAIN_MS 5000
#define DEFAULT_CONN_MEMORY (16u << 10)
/* a connection's buffers larger than this are freed after a request */
#define KEEP_MAX (16u << 10)
/* a Content-Length promises this much at most before any byte arrives */
#define PRESIZE_MAX (1u << 20)

struct route {
	struct mlw_http_route r;
	size_t len;		/* of r.path */
};

struct mlw_http_server {
	struct mlw_http_server_options opts;
	char *host;
	struct route *routes;
	size_t nr_routes, alloc_routes;
	struct MHD_Daemon *daemon;
	int listen_fd;
	int stop_pipe[2];
	unsigned port;
	char address[80];
	unsigned active;	/* requests in progress (atomic) */
	unsigned limited;	/* of those, counted by max_concurrent */
	uint64_t connections;	/* connections accepted (atomic) */
};

/* KEPT: the response's own buffer (mlw_http_response_buf()) */
enum body_kind { BODY_NONE, BODY_STATIC, BODY_OWNED, BODY_KEPT, BODY_FD };

/* a header of the answer: where its name and value are in header_text */
struct header {
	size_t name, value;
};

struct mlw_http_response {
	int status;
	enum body_kind kind;
	const char *data;	/* STATIC, OWNED (malloc'ed) */
	size_t len;
	int fd;			/* FD */
	uint64_t fd_size;
	const char *content_type;	/* NULL: none; ctype_inline or owned */
	char ctype_inline[64];
	struct header *headers;
	size_t nr_headers, alloc_headers;
	/* kept by the connection between requests: */
	struct mlw_buf header_text;	/* "name\0value\0" of each header */
	struct mlw_buf kept;		/* the body, when BODY_KEPT */
};

struct mlw_http_request {
	/* the connection's, kept from one of its requests to the next */
	struct mlw_http_server *server;
	struct MHD_Connection *conn;
	uint64_t connection;	/* its number, for the access log */
	struct mlw_buf body;
	struct mlw_http_response res;	/* readied by release_response() */
	/* the request's own: zeroed as it begins, from here to the end */
	const struct route *route;
	const char *method, *path;
	size_t max_body;
	uint64_t bytes_in, bytes_out;
	uint64_t length;	/* Content-Length; 0 when none */
	int64_t start_ns, start_ms, deadline_ns;
	int counted;		/* in server->active */
	int limited;		/* in server->limited */
	int refused;		/* answered early: drop the body */
	int queued;		/* an answer went to libmicrohttpd */
	void *state;
	char tag[64];
	char remote[80];
};

#define REQUEST_OWN offsetof(struct mlw_http_request, route)

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "1.2.3.4:80" or "[::1]:80" for a socket address */
static void format_address(char *out, size_t size, const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa && sa->sa_family == AF_INET && size >= 22) {
		/* every request's access record: by hand, not snprintf */
		const struct sockaddr_in *in = (const void *)sa;
		const unsigned char *a = (const void *)&in->sin_addr;
		char *p = out;
		int i;

		for (i = 0; i < 4; i++) {
			p += mlw_fmt_u64(p, a[i]);
			*p++ = i < 3 ? '.' : ':';
		}
		p += mlw_fmt_u64(p, ntohs(in->sin_port));
		*p = '\0';
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(out, size, "[%s]:%u", host, port);
	} else {
		snprintf(out, size, "?");
	}
}

/* --- answers */

static void release_body(struct mlw_http_response *res)
{
	/* a kept body stays the response's */
	if (res->kind == BODY_OWNED)
		free((void *)res->data);
	else if (res->kind == BODY_FD && res->fd >= 0)
		close(res->fd);
	res->kind = BODY_NONE;
	res->data = NULL;
	res->len = 0;
	res->fd = -1;
}

/* a copy of content_type in res, on the heap only when long */
static void set_content_type(struct mlw_http_response *res,
			     const char *content_type)
{
	size_t len;

	if (res->content_type != res->ctype_inline)
		free((char *)res->content_type);
	res->content_type = NULL;
	if (!content_type)
		return;
	len = strlen(content_type);
	if (len < sizeof(res->ctype_inline)) {
		memcpy(res->ctype_inline, content_type, len + 1);
		res->content_type = res->ctype_inline;
	} else {
		res->content_type = mlw_strdup(content_type);
	}
}

/* a buffer kept for the next request, unless it grew large */
static void keep_buf(struct mlw_buf *b)
{
	if (b->alloc > KEEP_MAX)
		mlw_buf_release(b);
	else
		mlw_buf_reset(b);
}

/* the answer is over: ready res for the next request, or free it all */
static void release_response(struct mlw_http_response *res, int all)
{
	release_body(res);
	set_content_type(res, NULL);
	res->status = 0;
	res->nr_headers = 0;
	if (all) {
		free(res->headers);
		res->headers = NULL;
		res->alloc_headers = 0;
		mlw_buf_release(&res->header_text);
		mlw_buf_release(&res->kept);
	} else {
		keep_buf(&res->header_text);
		keep_buf(&res->kept);
	}
}

/* a new status and content type; the old body is released */
static void set_answer(struct mlw_http_response *res, int status,
		       const char *content_type)
{
	release_body(res);
	set_content_type(res, content_type);
	res->status = status;
}

void mlw_http_respond(struct mlw_http_response *res, int status,
		      const char *content_type, const void *body, size_t len)
{
	set_answer(res, status, content_type);
	if (!len)
		return;
	res->data = memcpy(mlw_malloc(len), body, len);
	res->len = len;
	res->kind = BODY_OWNED;
}

void mlw_http_respond_static(struct mlw_http_response *res, int status,
			     const char *content_type, const void *body,
			     size_t len)
{
	set_answer(res, status, content_type);
	res->data = body;
	res->len = len;
	res->kind = BODY_STATIC;
}

void mlw_http_respond_buf(struct mlw_http_response *res, int status,
			  const char *content_type, struct mlw_buf *body)
{
	size_t len;
	char *data;

	set_answer(res, status, content_type);
	if (body == &res->kept) {
		res->data = body->buf;
		res->len = body->len;
		res->kind = body->len ? BODY_KEPT : BODY_NONE;
		return;
	}
	if (!body->len) {
		mlw_buf_release(body);
		return;
	}
	data = mlw_buf_detach(body, &len);
	res->data = data;
	res->len = len;
	res->kind = BODY_OWNED;
}

struct mlw_buf *mlw_http_response_buf(struct mlw_http_response *res)
{
	/* an earlier answer from it is emptied with it */
	if (res->kind == BODY_KEPT)
		release_body(res);
	mlw_buf_reset(&res->kept);
	return &res->kept;
}

void mlw_http_respond_json(struct mlw_http_response *res, int status,
			   const json_t *v)
{
	struct mlw_buf *b = mlw_http_response_buf(res);

	mlw_json_write(b, v, MLW_JSON_COMPACT);
	mlw_http_respond_buf(res, status, "application/json", b);
}

void mlw_http_respond_fd(struct mlw_http_response *res, int status,
			 const char *content_type, int fd, uint64_t size)
{
	set_answer(res, status, content_type);
	res->kind = BODY_FD;
	res->fd = fd;
	res->fd_size = size;
}

static const struct {
	const char *code;
	int status;
} error_statuses[] = {
	{ "BAD_REQUEST", 400 },
	{ "INVALID_PARAMETER_VALUE", 400 },
	{ "RESOURCE_ALREADY_EXISTS", 400 },
	{ "UNAUTHENTICATED", 401 },
	{ "CUSTOMER_UNAUTHORIZED", 401 },
	{ "PERMISSION_DENIED", 403 },
	{ "RESOURCE_DOES_NOT_EXIST", 404 },
	{ "ENDPOINT_NOT_FOUND", 404 },
	{ "NOT_FOUND", 404 },
	{ "RESOURCE_CONFLICT", 409 },
	{ "ALREADY_EXISTS", 409 },
	{ "ABORTED", 409 },
	{ "REQUEST_LIMIT_EXCEEDED", 429 },
	{ "RESOURCE_EXHAUSTED", 429 },
	{ "CANCELLED", 499 },
	{ "INTERNAL_ERROR", 500 },
	{ "INVALID_STATE", 500 },
	{ "DATA_LOSS", 500 },
	{ "NOT_IMPLEMENTED", 501 },
	{ "TEMPORARILY_UNAVAILABLE", 503 },
	{ "DEADLINE_EXCEEDED", 504 },
};

int mlw_http_error_status(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(error_statuses) / sizeof(*error_statuses); i++)
		if (!strcmp(error_statuses[i].code, code))
			return error_statuses[i].status;
	return 500;
}

static void respond_verror(struct mlw_http_response *res, int status,
			   const char *code, const char *fmt, va_list ap)
{
	struct mlw_buf msg = MLW_BUF_INIT, body = MLW_BUF_INIT;

	mlw_buf_vaddf(&msg, fmt, ap);
	mlw_buf_adds(&body, "{\"error_code\":");
	mlw_json_add_string(&body, code, strlen(code));
	mlw_buf_adds(&body, ",\"message\":");
	mlw_json_add_string(&body, msg.buf, msg.len);
	mlw_buf_addch(&body, '}');
	mlw_http_respond_buf(res, status ? status : mlw_http_error_status(code),
			     "application/json", &body);
	mlw_buf_release(&msg);
}

void mlw_http_respond_error(struct mlw_http_response *res, int status,
			    const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	respond_verror(res, status, code, fmt, ap);
	va_end(ap);
}

void mlw_http_response_header(struct mlw_http_response *res,
			      const char *name, const char *value)
{
	struct mlw_buf *t = &res->header_text;
	struct header *h;

	MLW_ALLOC_GROW(res->headers, res->nr_headers + 1, res->alloc_headers);
	h = &res->headers[res->nr_headers++];
	/* offsets: the text may move as it grows */
	h->name = t->len;
	mlw_buf_add(t, name, strlen(name) + 1);
	h->value = t->len;
	mlw_buf_add(t, value, strlen(value) + 1);
}

int mlw_http_response_status(const struct mlw_http_response *res)
{
	return res->status;
}

/*
 * Hand req's answer to libmicrohttpd (the body without a copy) and
 * return what the access handler returns.  A handler that answered
 * nothing is a 500.
 */
static enum MHD_Result queue_answer(struct mlw_http_request *req)
{
	struct mlw_http_response *res = &req->res;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t i;

	if (!res->status)
		mlw_http_respond_error(res, 500, "INTERNAL_ERROR",
				       "the handler of '%s' gave no answer",
				       req->path);
	switch (res->kind) {
	case BODY_FD:
		r = mhd_from_fd(res->fd_size, res->fd);
		if (r)
			res->fd = -1;
		break;
	case BODY_OWNED:
		r = mhd_from_owned(res->len, (void *)res->data, free);
		if (r)
			res->data = NULL;
		break;
	case BODY_STATIC:
	case BODY_KEPT:
		/*
		 * A kept body lives in the connection's struct until its
		 * next request, which libmicrohttpd begins only once this
		 * answer is sent and let go of
		 */
		r = mhd_from_buffer(res->len, (void *)res->data,
				    MHD_RESPMEM_PERSISTENT);
		break;
	default:
		r = mhd_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		break;
	}
	if (!r)
		return MHD_NO;
	req->bytes_out = res->kind == BODY_FD ? res->fd_size : res->len;
	res->kind = BODY_NONE;
	if (res->content_type)
		mhd_add_header(r, "Content-Type", res->content_type);
	for (i = 0; i < res->nr_headers; i++)
		mhd_add_header(r, res->header_text.buf + res->headers[i].name,
			       res->header_text.buf + res->headers[i].value);
	ret = mhd_queue(req->conn, (unsigned)res->status, r);
	mhd_destroy(r);
	if (ret == MHD_YES)
		req->queued = 1;
	return ret;
}

/* --- requests */

const char *mlw_http_request_method(const struct mlw_http_request *req)
{
	return req->method;
}

const char *mlw_http_request_path(const struct mlw_http_request *req)
{
	return req->path;
}

const char *mlw_http_request_subpath(const struct mlw_http_request *req)
{
	if (req->route && req->route->r.match == MLW_HTTP_PREFIX)
		return req->path + req->route->len;
	return "";
}

const char *mlw_http_request_header(const struct mlw_http_request *req,
				    const char *name)
{
	return mhd_lookup(req->conn, MHD_HEADER_KIND, name);
}

const char *mlw_http_request_query(const struct mlw_http_request *req,
				   const char *name)
{
	return mhd_lookup(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_walk {
	int (*fn)(const char *name, const char *value, void *data);
	void *data;
	int ret;
};

static enum MHD_Result query_one(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	struct query_walk *w = cls;

	w->ret = w->fn(key, value, w->data);
	return w->ret ? MHD_NO : MHD_YES;
}

int mlw_http_request_query_foreach(const struct mlw_http_request *req,
				   int (*fn)(const char *name,
					     const char *value, void *data),
				   void *data)
{
	struct query_walk w = { fn, data, 0 };

	mhd_values(req->conn, MHD_GET_ARGUMENT_KIND, query_one, &w);
	return w.ret;
}

const char *mlw_http_request_body(const struct mlw_http_request *req,
				  size_t *len)
{
	if (len)
		*len = req->body.len;
	return req->body.buf;
}

const char *mlw_http_request_remote(const struct mlw_http_request *req)
{
	struct mlw_http_request *r = (struct mlw_http_request *)req;

	if (!r->remote[0]) {
		const union MHD_ConnectionInfo *ci;

		ci = mhd_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		format_address(r->remote, sizeof(r->remote),
			       ci ? ci->client_addr : NULL);
	}
	return r->remote;
}

int64_t mlw_http_request_remaining_ms(const struct mlw_http_request *req)
{
	if (!req->deadline_ns)
		return INT64_MAX;
	return (req->deadline_ns - now_ns()) / 1000000;
}

void **mlw_http_request_state(struct mlw_http_request *req)
{
	return &req->state;
}

void mlw_http_request_set_tag(struct mlw_http_request *req, const char *tag)
{
	size_t n = tag ? strnlen(tag, sizeof(req->tag) - 1) : 0;

	if (n)
		memcpy(req->tag, tag, n);
	req->tag[n] = '\0';
}

/* --- routing */

static int method_matches(const char *want, const char *method)
{
	if (!want || !strcmp(want, method))
		return 1;
	/* HEAD is a GET without its body: libmicrohttpd drops the body */
	return !strcmp(method, "HEAD") && !strcmp(want, "GET");
}

static int path_matches(const struct route *rt, const char *path)
{
	if (rt->r.match == MLW_HTTP_EXACT)
		return !strcmp(rt->r.path, path);
	return !strncmp(rt->r.path, path, rt->len);
}

/*
 * The route for method and path: exact first, then the longest prefix.
 * NULL when none; *path_known says whether some route has the path
 * (405 rather than 404).
 */
static const struct route *find_route(const struct mlw_http_server *s,
				      const char *method, const char *path,
				      int *path_known)
{
	const struct route *best = NULL;
	size_t i;

	*path_known = 0;
	for (i = 0; i < s->nr_routes; i++) {
		const struct route *rt = &s->routes[i];

		if (rt->r.match != MLW_HTTP_EXACT || !path_matches(rt, path))
			continue;
		*path_known = 1;
		if (method_matches(rt->r.method, method))
			return rt;
	}
	for (i = 0; i < s->nr_routes; i++) {
		const struct route *rt = &s->routes[i];

		if (rt->r.match != MLW_HTTP_PREFIX || !path_matches(rt, path))
			continue;
		*path_known = 1;
		if (method_matches(rt->r.method, method) &&
		    (!best || rt->len > best->len))
			best = rt;
	}
	return best;
}

/* 405 with the methods the path takes in an Allow header */
static void method_not_allowed(struct mlw_http_request *req)
{
	const struct mlw_http_server *s = req->server;
	struct mlw_buf allow = MLW_BUF_INIT;
	size_t i;

	for (i = 0; i < s->nr_routes; i++) {
		const struct route *rt = &s->routes[i];

		if (!path_matches(rt, req->path) || !rt->r.method)
			continue;
		if (allow.len)
			mlw_buf_adds(&allow, ", ");
		mlw_buf_adds(&allow, rt->r.method);
	}
	mlw_http_respond_error(&req->res, 405, "BAD_REQUEST",
			       "method %s is not allowed for '%s' (allowed: %s)",
			       req->method, req->path, allow.buf);
	mlw_http_response_header(&req->res, "Allow", allow.buf);
	mlw_buf_release(&allow);
}

/*
 * Parse a Content-Length; UINT64_MAX when it is not a plain number (the
 * caller refuses it as too large; libmicrohttpd refuses it first).
 */
static uint64_t parse_length(const char *s)
{
	uint64_t n = 0;

	if (!*s)
		return UINT64_MAX;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (UINT64_MAX - 9) / 10)
			return UINT64_MAX;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	return n;
}

/*
 * The first call for a request: route it and decide the limits that
 * need only the headers.  Returns 1 when req is answered already (a
 * refusal), else 0.
 */
static int begin_request(struct mlw_http_request *req)
{
	struct mlw_http_server *s = req->server;
	const char *cl;
	uint64_t length = 0;
	int path_known;

	req->route = find_route(s, req->method, req->path, &path_known);
	cl = mhd_lookup(req->conn, MHD_HEADER_KIND, "Content-Length");
	if (cl)
		length = parse_length(cl);
	req->length = length;

	if (!req->route) {
		if (path_known)
			method_not_allowed(req);
		else
			mlw_http_respond_error(&req->res, 404,
					       "ENDPOINT_NOT_FOUND",
					       "no route for %s '%s'",
					       req->method, req->path);
		return 1;
	}
	req->max_body = req->route->r.max_body ? req->route->r.max_body :
			s->opts.max_body;
	if (length > req->max_body) {
		mlw_http_respond_error(&req->res, 413, "REQUEST_LIMIT_EXCEEDED",
				       "request body of %s bytes is over the limit of %zu bytes",
				       cl, req->max_body);
		return 1;
	}
	if (s->opts.max_concurrent && !req->route->r.unlimited) {
		unsigned n = __atomic_add_fetch(&s->limited, 1,
						__ATOMIC_ACQ_REL);

		if (n > s->opts.max_concurrent) {
			__atomic_sub_fetch(&s->limited, 1, __ATOMIC_ACQ_REL);
			mlw_http_respond_error(&req->res, 429,
					       "REQUEST_LIMIT_EXCEEDED",
					       "too many requests in progress (at most %u)",
					       s->opts.max_concurrent);
			return 1;
		}
		req->limited = 1;
	}
	__atomic_add_fetch(&s->active, 1, __ATOMIC_ACQ_REL);
	req->counted = 1;
	if (s->opts.request_timeout_ms)
		req->deadline_ns = req->start_ns +
				   (int64_t)s->opts.request_timeout_ms * 1000000;
	if (length && !req->route->r.body)
		mlw_buf_grow(&req->body, length < PRESIZE_MAX ? length :
			     PRESIZE_MAX);
	return 0;
}

/* a piece of body: buffered, streamed to the route, or dropped */
static enum MHD_Result take_body(struct mlw_http_request *req,
				 const char *data, size_t len)
{
	const struct mlw_http_route *rt;

	req->bytes_in += len;
	if (req->refused)
		return req->bytes_in > 2 * (uint64_t)req->max_body ?
		       MHD_NO : MHD_YES;
	/* an answer cannot be queued mid-body: a late body ends here */
	if (req->deadline_ns && now_ns() > req->deadline_ns)
		return MHD_NO;
	rt = &req->route->r;
	if (rt->body) {
		if (rt->body(req, &req->res, data, len, rt->data)) {
			if (!req->res.status)
				BUG("body callback of '%s' stopped without an answer",
				    rt->path);
			req->refused = 1;
		}
		return MHD_YES;
	}
	if (req->body.len + len > req->max_body) {
		mlw_buf_release(&req->body);
		mlw_http_respond_error(&req->res, 413, "REQUEST_LIMIT_EXCEEDED",
				       "request body is over the limit of %zu bytes",
				       req->max_body);
		req->refused = 1;
		return MHD_YES;
	}
	mlw_buf_add(&req->body, data, len);
	return MHD_YES;
}

/* the whole request is in (and was not refused): run the handler */
static enum MHD_Result finish_request(struct mlw_http_request *req)
{
	struct mlw_http_server *s = req->server;
	const struct mlw_http_route *rt = &req->route->r;

	rt->handle(req, &req->res, rt->data);
	if (req->deadline_ns && now_ns() > req->deadline_ns) {
		int status = s->opts.timeout_status ? s->opts.timeout_status :
			     408;

		mlw_http_respond_error(&req->res, status, "DEADLINE_EXCEEDED",
				       "no answer within the request time limit of %u ms",
				       s->opts.request_timeout_ms);
	}
	return queue_answer(req);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct mlw_http_server *s = cls;
	struct mlw_http_request *req = *con_cls;

	if (!req) {
		const union MHD_ConnectionInfo *ci;

		/* the connection's struct (on_connection() made it) */
		ci = mhd_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		if (!ci || !ci->socket_context)
			return MHD_NO;
		req = ci->socket_context;
		memset((char *)req + REQUEST_OWN, 0, sizeof(*req) - REQUEST_OWN);
		req->method = method;
		req->path = url;
		if (s->opts.on_access || s->opts.request_timeout_ms)
			req->start_ns = now_ns();
		if (s->opts.on_access)
			req->start_ms = wall_ms();
		*con_cls = req;
		/*
		 * An answer queued now is sent before the body is read and
		 * the connection closed after it: right for a refused body,
		 * but anything else waits for the next call to keep the
		 * connection alive.
		 */
		if (begin_request(req)) {
			req->refused = 1;
			if (req->length ||
			    mhd_lookup(conn, MHD_HEADER_KIND,
				       "Transfer-Encoding"))
				return queue_answer(req);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t len = *upload_size;

		*upload_size = 0;
		return take_body(req, upload, len);
	}
	if (req->queued)
		return MHD_YES;
	if (req->refused)
		return queue_answer(req);
	return finish_request(req);
}

/* the request ended, whatever way: log it and free it */
static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct mlw_http_server *s = cls;
	struct mlw_http_request *req = *con_cls;

	if (!req)
		return;
	*con_cls = NULL;
	if (s->opts.on_access) {
		struct mlw_http_access a = {
			.start_ms = req->start_ms,
			.latency_us = (uint64_t)(now_ns() - req->start_ns) /
				      1000,
			.method = req->method,
			.path = req->path,
			.route = req->route ? req->route->r.path : NULL,
			.request = req,
			.tag = req->tag,
			.status = req->queued ? req->res.status : 0,
			.completed = req->queued &&
				     toe == MHD_REQUEST_TERMINATED_COMPLETED_OK,
			.bytes_in = req->bytes_in,
			.bytes_out = req->queued ? req->bytes_out : 0,
			.connection = req->connection,
			.state = req->state,
		};

		s->opts.on_access(&a, s->opts.data);
	}
	if (req->route && req->route->r.done)
		req->route->r.done(req, req->route->r.data);
	if (req->limited)
		__atomic_sub_fetch(&s->limited, 1, __ATOMIC_ACQ_REL);
	if (req->counted)
		__atomic_sub_fetch(&s->active, 1, __ATOMIC_ACQ_REL);
	/* the struct stays the connection's, for its next request */
	release_response(&req->res, 0);
	keep_buf(&req->body);
}

/*
 * A connection opens: its struct, kept for its requests, and its
 * number for the access log.  It closes (after the completion of its
 * last request): the struct is freed.
 */
static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct mlw_http_server *s = cls;
	struct mlw_http_request *req = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		req = mlw_calloc(1, sizeof(*req));
		req->server = s;
		req->conn = conn;
		req->connection = __atomic_add_fetch(&s->connections, 1,
						     __ATOMIC_RELAXED);
		mlw_buf_init(&req->body, 0);
		req->res.fd = -1;
		mlw_buf_init(&req->res.header_text, 0);
		mlw_buf_init(&req->res.kept, 0);
		*socket_context = req;
	} else if (req) {
		release_response(&req->res, 1);
		mlw_buf_release(&req->body);
		free(req);
		*socket_context = NULL;
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct mlw_http_server *s = cls;
	char msg[512];
	size_t len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	s->opts.on_log(msg, s->opts.data);
}

/* --- the server */

int mlw_http_server_new(struct mlw_http_server **out,
			const struct mlw_http_server_options *opts)
{
	struct mlw_http_server *s;
	long cpus;

	*out = NULL;
	if (mlw_dl_load(&mhd_lib))
		return MLW_ERROR;
	s = mlw_calloc(1, sizeof(*s));
	if (opts)
		s->opts = *opts;
	s->host = mlw_strdup(s->opts.host ? s->opts.host : DEFAULT_HOST);
	s->opts.host = s->host;
	if (!s->opts.nr_threads) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		s->opts.nr_threads = cpus < 1 ? 1 : cpus > DEFAULT_THREADS_MAX ?
				     DEFAULT_THREADS_MAX : (unsigned)cpus;
	}
	if (!s->opts.max_connections)
		s->opts.max_connections = DEFAULT_CONNECTIONS;
	if (!s->opts.idle_timeout_s)
		s->opts.idle_timeout_s = DEFAULT_IDLE_S;
	if (!s->opts.max_body)
		s->opts.max_body = DEFAULT_MAX_BODY;
	if (!s->opts.drain_ms)
		s->opts.drain_ms = DEFAULT_DRAIN_MS;
	if (!s->opts.conn_memory)
		s->opts.conn_memory = DEFAULT_CONN_MEMORY;
	s->listen_fd = -1;
	s->stop_pipe[0] = s->stop_pipe[1] = -1;
	*out = s;
	return 0;
}

int mlw_http_server_route(struct mlw_http_server *s,
			  const struct mlw_http_route *route)
{
	struct route *rt;

	if (s->daemon)
		return mlw_error_setc(MLW_EINVALID,
				      "routes are added before the server starts");
	if (!route->path || route->path[0] != '/' || !route->handle)
		return mlw_error_setc(MLW_EINVALID,
				      "a route needs a path starting with '/' and a handler");
	MLW_ALLOC_GROW(s->routes, s->nr_routes + 1, s->alloc_routes);
	rt = &s->routes[s->nr_routes++];
	rt->r = *route;
	rt->len = strlen(route->path);
	return 0;
}

/* bind and listen on the first address of host:port that takes it */
static int open_listener(struct mlw_http_server *s)
{
	struct addrinfo hints, *list, *ai;
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);
	char port[8];
	int err, fd = -1, saved = 0, one = 1;

	if (s->listen_fd >= 0) {
		fd = s->listen_fd;
		goto bound;
	}
	if (s->opts.port > 65535)
		return mlw_error_setc(MLW_EINVALID, "port %u is out of range",
				      s->opts.port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", s->opts.port);
	err = getaddrinfo(s->host, port, &hints, &list);
	if (err)
		return mlw_error_set("cannot listen on %s:%s: %s", s->host,
				     port, gai_strerror(err));
	for (ai = list; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
			    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				   sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) &&
		    !listen(fd, SOMAXCONN))
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(list);
	if (fd < 0) {
		errno = saved;
		return mlw_error_errno("cannot listen on %s:%s", s->host,
				       port);
	}
bound:
	if (getsockname(fd, (struct sockaddr *)&bound, &bound_len)) {
		close(fd);
		return mlw_error_errno("cannot listen on %s:%s", s->host,
				       port);
	}
	format_address(s->address, sizeof(s->address),
		       (struct sockaddr *)&bound);
	s->port = ntohs(bound.ss_family == AF_INET6 ?
			((struct sockaddr_in6 *)&bound)->sin6_port :
			((struct sockaddr_in *)&bound)->sin_port);
	s->listen_fd = fd;
	return bound.ss_family == AF_INET6;
}

int mlw_http_server_start(struct mlw_http_server *s)
{
	struct MHD_OptionItem ops[11];
	unsigned flags;
	int n = 0, ipv6;

	if (s->daemon)
		return mlw_error_setc(MLW_EINVALID, "the server runs already");
	if (pipe2(s->stop_pipe, O_CLOEXEC | O_NONBLOCK))
		return mlw_error_errno("cannot create a pipe");
	ipv6 = open_listener(s);
	if (ipv6 < 0)
		return ipv6;

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
	if (ipv6)
		flags |= MHD_USE_IPv6;
	if (s->opts.on_log)
		flags |= MHD_USE_ERROR_LOG;
	/* the logger first: libmicrohttpd says so when it is not */
	if (s->opts.on_log)
		ops[n++] = (struct MHD_OptionItem){
			MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, s
		};
	ops[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET,
					    s->listen_fd, NULL };
	ops[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
					    s->opts.idle_timeout_s, NULL };
	ops[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
					    s->opts.max_connections, NULL };
	ops[n++] = (struct MHD_OptionItem){
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(intptr_t)s->opts.conn_memory, NULL
	};
	ops[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
					    (intptr_t)on_completed, s };
	ops[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
					    (intptr_t)on_connection, s };
	if (s->opts.nr_threads > 1)
		ops[n++] = (struct MHD_OptionItem){
			MHD_OPTION_THREAD_POOL_SIZE, s->opts.nr_threads, NULL
		};
	ops[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	s->daemon = mhd_start(flags, 0, NULL, NULL, on_request, s,
			      MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
	if (!s->daemon) {
		close(s->listen_fd);
		s->listen_fd = -1;
		return mlw_error_set("cannot start the HTTP server on %s",
				     s->address);
	}
	return 0;
}

int mlw_http_server_adopt(struct mlw_http_server *s, int fd)
{
	if (s->daemon || s->listen_fd >= 0 || fd < 0)
		return mlw_error_setc(MLW_EINVALID, "a listening socket is "
				      "adopted once, before the server starts");
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	s->listen_fd = fd;
	return 0;
}

unsigned mlw_http_server_port(const struct mlw_http_server *s)
{
	return s->port;
}

const char *mlw_http_server_address(const struct mlw_http_server *s)
{
	return s->address;
}

unsigned mlw_http_server_in_progress(const struct mlw_http_server *s)
{
	return __atomic_load_n(&s->active, __ATOMIC_ACQUIRE);
}

int mlw_http_server_wait(struct mlw_http_server *s)
{
	struct pollfd p = { .fd = s->stop_pipe[0], .events = POLLIN };
	char c;

	if (s->stop_pipe[0] < 0)
		return 0;
	for (;;) {
		if (poll(&p, 1, -1) > 0 && read(s->stop_pipe[0], &c, 1) == 1)
			return 0;
	}
}

void mlw_http_server_request_stop(struct mlw_http_server *s)
{
	int saved = errno;

	if (s->stop_pipe[1] >= 0 && write(s->stop_pipe[1], "x", 1) < 0) {
		/* full: a stop is pending already */
	}
	errno = saved;
}

void mlw_http_server_free(struct mlw_http_server *s)
{
	if (!s)
		return;
	if (s->daemon) {
		int64_t until = now_ns() + (int64_t)s->opts.drain_ms * 1000000;
		MHD_socket fd = mhd_quiesce(s->daemon);
		struct timespec pause = { 0, 2000000 };

		while (mlw_http_server_in_progress(s) && now_ns() < until)
			nanosleep(&pause, NULL);
		mhd_stop(s->daemon);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	} else if (s->listen_fd >= 0) {
		close(s->listen_fd);	/* adopted, never served */
	}
	if (s->stop_pipe[0] >= 0)
		close(s->stop_pipe[0]);
	if (s->stop_pipe[1] >= 0)
		close(s->stop_pipe[1]);
	free(s->routes);
	free(s->host);
	free(s);
}
