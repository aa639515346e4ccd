/*
 * client.c - HTTP requests through libcurl, loaded on first use; see
 * client.h.
 */
#include "http/client.h"
#include "util/alloc.h"
#include "util/dl.h"
#include "util/error.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* the functions of libcurl we call, resolved once */
static __typeof__(&curl_global_init) cu_global_init;
static __typeof__(&curl_global_cleanup) cu_global_cleanup;
static __typeof__(&curl_easy_init) cu_init;
static __typeof__(&curl_easy_cleanup) cu_cleanup;
static __typeof__(&curl_easy_reset) cu_reset;
static __typeof__(&curl_easy_setopt) cu_setopt;
static __typeof__(&curl_easy_getinfo) cu_getinfo;
static __typeof__(&curl_easy_perform) cu_perform;
static __typeof__(&curl_easy_strerror) cu_strerror;
static __typeof__(&curl_slist_append) cu_slist_append;
static __typeof__(&curl_slist_free_all) cu_slist_free;

static const struct mlw_dl_symbol curl_symbols[] = {
	MLW_DL_SYMBOL(curl_global_init, cu_global_init),
	MLW_DL_SYMBOL(curl_global_cleanup, cu_global_cleanup),
	MLW_DL_SYMBOL(curl_easy_init, cu_init),
	MLW_DL_SYMBOL(curl_easy_cleanup, cu_cleanup),
	MLW_DL_SYMBOL(curl_easy_reset, cu_reset),
	MLW_DL_SYMBOL(curl_easy_setopt, cu_setopt),
	MLW_DL_SYMBOL(curl_easy_getinfo, cu_getinfo),
	MLW_DL_SYMBOL(curl_easy_perform, cu_perform),
	MLW_DL_SYMBOL(curl_easy_strerror, cu_strerror),
	MLW_DL_SYMBOL(curl_slist_append, cu_slist_append),
	MLW_DL_SYMBOL(curl_slist_free_all, cu_slist_free),
	{ NULL, NULL }
};

static void global_cleanup(void)
{
	cu_global_cleanup();
}

/*
 * curl_global_init() is not thread-safe and must run before any handle
 * exists: the loader runs it once, under its lock.  Its allocations
 * (TLS libraries) are given back at exit so LeakSanitizer sees none.
 */
static int init_curl(struct mlw_dl_library *lib)
{
	if (cu_global_init(CURL_GLOBAL_ALL))
		return mlw_error_set("cannot initialise %s", lib->soname);
	atexit(global_cleanup);
	return 0;
}

/* any flavour serves plain HTTP: OpenSSL's first, as Debian ships it */
static struct mlw_dl_library curl_lib = {
	.name = "libcurl",
	.sonames = { "libcurl.so.4", "libcurl-gnutls.so.4",
		     "libcurl-nss.so.4" },
	.package = "libcurl4",
	.symbols = curl_symbols,
	.init = init_curl,
};

#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_MAX_RESPONSE (64u << 20)

struct mlw_http_client {
	CURL *easy;
};

int mlw_http_client_new(struct mlw_http_client **out)
{
	struct mlw_http_client *c;

	*out = NULL;
	if (mlw_dl_load(&curl_lib))
		return MLW_ERROR;
	c = mlw_calloc(1, sizeof(*c));
	c->easy = cu_init();
	if (!c->easy) {
		free(c);
		return mlw_error_set("cannot create a libcurl handle");
	}
	*out = c;
	return 0;
}

void mlw_http_client_free(struct mlw_http_client *c)
{
	if (!c)
		return;
	cu_cleanup(c->easy);
	free(c);
}

struct transfer {
	struct mlw_http_client_response *res;
	const struct mlw_http_client_request *req;
	size_t max;
	int too_big;
};

static size_t on_data(char *data, size_t size, size_t n, void *cls)
{
	struct transfer *t = cls;
	size_t len = size * n;

	if (t->res->body.len + len > t->max) {
		t->too_big = 1;
		return 0;	/* libcurl stops with CURLE_WRITE_ERROR */
	}
	mlw_buf_add(&t->res->body, data, len);
	return len;
}

/* keep the header lines of the last answer (a 100 Continue comes first) */
static size_t on_header(char *data, size_t size, size_t n, void *cls)
{
	struct transfer *t = cls;
	size_t len = size * n;

	if (len >= 5 && !strncmp(data, "HTTP/", 5))
		mlw_buf_reset(&t->res->headers_);
	if (t->res->headers_.len + len > 256 * 1024) {
		t->too_big = 1;
		return 0;
	}
	mlw_buf_add(&t->res->headers_, data, len);
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *cls)
{
	struct transfer *t = cls;

	return t->req->body_read(buf, size * n, t->req->body_data);
}

/*
 * The raw header lines as "name\0value\0" pairs, values trimmed, so
 * that mlw_http_client_header() hands out pointers into them.
 */
static void index_headers(struct mlw_buf *headers)
{
	struct mlw_buf pairs = MLW_BUF_INIT;
	const char *line = headers->buf;

	while (*line) {
		size_t len = strcspn(line, "\n");
		const char *colon = memchr(line, ':', len);

		if (colon && colon > line) {
			const char *v = colon + 1, *e = line + len;

			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == '\r' || e[-1] == ' '))
				e--;
			mlw_buf_add(&pairs, line, (size_t)(colon - line));
			mlw_buf_addch(&pairs, '\0');
			mlw_buf_add(&pairs, v, (size_t)(e - v));
			mlw_buf_addch(&pairs, '\0');
		}
		line += len + (line[len] == '\n');
	}
	mlw_buf_release(headers);
	*headers = pairs;
}

/* "host:port" of url, for messages */
static char *host_port(const char *url)
{
	const char *p = strstr(url, "://"), *host, *bracket;
	size_t len;

	host = p ? p + 3 : url;
	len = strcspn(host, "/?#");
	bracket = memchr(host, ']', len);
	if (memchr(bracket ? bracket : host, ':',
		   len - (size_t)((bracket ? bracket : host) - host)))
		return mlw_strndup(host, len);
	return mlw_xstrfmt("%.*s:%s", (int)len, host,
			   p && !strncasecmp(url, "https", 5) ? "443" : "80");
}

/* an error for a transfer that got no answer */
static int transfer_error(CURL *easy, CURLcode code, const char *url,
			  const char *errbuf, const struct transfer *t,
			  unsigned timeout_ms)
{
	char *where = host_port(url);
	long os_errno = 0;
	int ret;

	cu_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
	if (t->too_big)
		ret = mlw_error_set("the answer from %s is over the limit of %zu bytes",
				    where, t->max);
	else if (code == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED)
		ret = mlw_error_set("cannot connect to %s: connection refused (is the server running?)",
				    where);
	else if (code == CURLE_OPERATION_TIMEDOUT)
		ret = mlw_error_set("no answer from %s within %u ms", where,
				    timeout_ms);
	else
		ret = mlw_error_set("cannot reach %s: %s", where,
				    errbuf[0] ? errbuf : cu_strerror(code));
	free(where);
	return ret;
}

static int send_with(CURL *easy, struct mlw_http_client_response *out,
		     const struct mlw_http_client_request *req)
{
	struct transfer t = { out, req, 0, 0 };
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	unsigned timeout = req->timeout_ms ? req->timeout_ms :
			   DEFAULT_TIMEOUT_MS;
	int has_body = req->body_read || req->body_len;
	const char *method = req->method ? req->method :
			     has_body ? "POST" : "GET";
	const char *const *h;
	long connects = 0, status = 0;
	char *ctype = NULL;
	CURLcode code;
	int ret = 0;

	t.max = req->max_response ? req->max_response : DEFAULT_MAX_RESPONSE;
	cu_reset(easy);
	cu_setopt(easy, CURLOPT_URL, req->url);
	cu_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	cu_setopt(easy, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
	cu_setopt(easy, CURLOPT_TIMEOUT_MS, (long)timeout);
	cu_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	cu_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
	cu_setopt(easy, CURLOPT_WRITEDATA, &t);
	cu_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	cu_setopt(easy, CURLOPT_HEADERDATA, &t);
	if (!strcmp(method, "HEAD")) {
		cu_setopt(easy, CURLOPT_NOBODY, 1L);
	} else if (has_body) {
		/* POST's body machinery, under any method name */
		cu_setopt(easy, CURLOPT_POST, 1L);
		if (req->body_read) {
			cu_setopt(easy, CURLOPT_READFUNCTION, on_read);
			cu_setopt(easy, CURLOPT_READDATA, &t);
			if (req->body_len != MLW_HTTP_CHUNKED)
				cu_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
					  (curl_off_t)req->body_len);
			else
				headers = cu_slist_append(headers,
							  "Transfer-Encoding: chunked");
		} else {
			cu_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
				  (curl_off_t)req->body_len);
			cu_setopt(easy, CURLOPT_POSTFIELDS, req->body);
		}
		if (strcmp(method, "POST"))
			cu_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET")) {
		cu_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
	}
	for (h = req->headers; h && *h; h++)
		headers = cu_slist_append(headers, *h);
	if (headers)
		cu_setopt(easy, CURLOPT_HTTPHEADER, headers);

	code = cu_perform(easy);
	if (code != CURLE_OK) {
		ret = transfer_error(easy, code, req->url, errbuf, &t, timeout);
	} else {
		cu_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		cu_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
		cu_getinfo(easy, CURLINFO_CONTENT_TYPE, &ctype);
		out->status = status;
		out->reused = !connects;
		out->content_type = ctype ? mlw_strdup(ctype) : NULL;
	}
	index_headers(&out->headers_);
	/* the handle keeps no pointer into this call's memory */
	cu_setopt(easy, CURLOPT_HTTPHEADER, NULL);
	cu_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
	cu_slist_free(headers);
	return ret;
}

int mlw_http_client_send(struct mlw_http_client *c,
			 struct mlw_http_client_response *out,
			 const struct mlw_http_client_request *req)
{
	struct mlw_http_client *one = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	mlw_buf_init(&out->body, 0);
	mlw_buf_init(&out->headers_, 0);
	if (!c) {
		ret = mlw_http_client_new(&one);
		if (ret)
			return ret;
		c = one;
	}
	ret = send_with(c->easy, out, req);
	mlw_http_client_free(one);
	return ret;
}

const char *mlw_http_client_header(const struct mlw_http_client_response *res,
				   const char *name)
{
	const char *p = res->headers_.buf, *end = p + res->headers_.len;
	const char *found = NULL;

	while (p < end) {
		const char *value = p + strlen(p) + 1;

		if (!strcasecmp(p, name))
			found = value;
		p = value + strlen(value) + 1;
	}
	return found;
}

void mlw_http_client_response_release(struct mlw_http_client_response *res)
{
	mlw_buf_release(&res->body);
	mlw_buf_release(&res->headers_);
	free(res->content_type);
	res->content_type = NULL;
}
