/*
 * client.h - a small HTTP client on libcurl, loaded on first use.
 *
 * For `mlw endpoint invoke`, the tests and anything else that talks to
 * an mlw server: one request at a time, the answer's status, content
 * type, headers and body (capped: the answer is untrusted input).  A
 * struct mlw_http_client keeps its connection alive from one request to
 * the next (one client per thread); mlw_http_client_send() with a NULL
 * client makes a one-off request.  Proxies are not used for loopback
 * addresses.
 *
 * Failures to talk at all are errors that name host:port: "cannot
 * connect to 127.0.0.1:5001: connection refused (is the server
 * running?)", "no answer from 127.0.0.1:5001 within 30000 ms".  Any
 * answer, 4xx and 5xx included, is a success with its status.
 */
#ifndef MLW_HTTP_CLIENT_H
#define MLW_HTTP_CLIENT_H

#include "util/buf.h"

#include <stddef.h>
#include <stdint.h>

struct mlw_http_client;

/* body_len for a body of unknown length (sent chunked) */
#define MLW_HTTP_CHUNKED UINT64_MAX

struct mlw_http_client_request {
	const char *method;	/* NULL: GET, or POST with a body */
	const char *url;	/* "http://127.0.0.1:5001/score" */
	const char *const *headers;	/* "Name: value", NULL-ended */
	/* the body: body_len bytes of body, or from body_read when set */
	const void *body;
	uint64_t body_len;
	/*
	 * Fill buf with up to size bytes of body; return how many (0 at
	 * the end).  body_len is then the total, or MLW_HTTP_CHUNKED.
	 */
	size_t (*body_read)(char *buf, size_t size, void *data);
	void *body_data;
	unsigned timeout_ms;	/* the whole exchange; 0: 30 s */
	size_t max_response;	/* answer body cap; 0: 64 MiB */
};

struct mlw_http_client_response {
	long status;
	struct mlw_buf body;	/* NUL-terminated */
	char *content_type;	/* NULL when the answer had none */
	int reused;		/* sent on a connection kept alive */
	struct mlw_buf headers_;	/* use mlw_http_client_header() */
};

/* A client (libcurl loaded); MLW_ERROR when libcurl cannot be loaded. */
int mlw_http_client_new(struct mlw_http_client **out);
void mlw_http_client_free(struct mlw_http_client *c);

/*
 * Send req with c (NULL: a one-off connection) and fill *out, which the
 * caller releases with mlw_http_client_response_release() whatever the
 * return.  Returns 0 with any answer; MLW_ERROR when no answer came
 * (message naming host:port), or the answer was over max_response.
 */
int mlw_http_client_send(struct mlw_http_client *c,
			 struct mlw_http_client_response *out,
			 const struct mlw_http_client_request *req);

/* a header of the answer, the name in any case (the last if repeated) */
const char *mlw_http_client_header(const struct mlw_http_client_response *res,
				   const char *name);

void mlw_http_client_response_release(struct mlw_http_client_response *res);

#endif
