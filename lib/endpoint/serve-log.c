/*
 * serve-log.c - the online server's request log: events and access
 * records queued by any thread, written by the housekeeper to the
 * catalog (endpoint_requests) and to each deployment's log file.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


void mlw_serve_log_event(struct mlw_endpoint_server *s, const char *deployment,
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
	if (s->nr_records < MAX_RECORDS) {
		s->records[s->nr_records++] = r;
		r.event = NULL;
	} else {
		s->dropped_records++;
	}
	pthread_mutex_unlock(&s->log_lock);
	free(r.event);
}


void mlw_serve_log_record(struct mlw_endpoint_server *s,
			  struct log_record *r)
{
	size_t nr;

	pthread_mutex_lock(&s->log_lock);
	nr = s->nr_records;
	if (nr < MAX_RECORDS) {
		s->records[s->nr_records++] = *r;
	} else {
		/* the housekeeper is far behind: count, do not grow */
		s->dropped_records++;
		free(r->input);
		free(r->output);
	}
	pthread_mutex_unlock(&s->log_lock);
	/* once a burst: the FLUSH_RECORDS-th record queued wakes it */
	if (nr + 1 == FLUSH_RECORDS) {
		pthread_mutex_lock(&s->stop_lock);
		s->flush_now = 1;
		pthread_cond_signal(&s->stop_cond);
		pthread_mutex_unlock(&s->stop_lock);
	}
	r->input = r->output = NULL;
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
	fd = mlw_serve_open_log_fd(s, deployment);
	if (fd < 0)
		return -1;
	MLW_ALLOC_GROW(s->logs, s->nr_logs + 1, s->alloc_logs);
	s->logs[s->nr_logs].deployment = mlw_strdup(deployment);
	mlw_buf_init(&s->logs[s->nr_logs].lines, 0);
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

/* the time of a log line: gmtime and formatting once a second */
struct time_cache {
	time_t second;
	int valid;
	char text[32];
};

/* mlw_fmt_time(out, epoch), reusing the text of the same second */
static void log_time(struct time_cache *c, char out[32], double epoch)
{
	double whole = floor(epoch);
	time_t t = (time_t)whole;
	int ms = (int)((epoch - whole) * 1000.0);

	if (!c->valid || c->second != t) {
		mlw_fmt_time(c->text, whole);
		c->second = t;
		c->valid = strlen(c->text) == 24 && c->text[19] == '.';
	}
	if (!c->valid) {
		mlw_fmt_time(out, epoch);
		return;
	}
	if (ms > 999)
		ms = 999;
	memcpy(out, c->text, 25);
	out[20] = (char)('0' + ms / 100);
	out[21] = (char)('0' + ms / 10 % 10);
	out[22] = (char)('0' + ms % 10);
}

/*
 * The lines and records below are written straight into their buffer,
 * its room made once: appended a piece at a time (a check of the room,
 * a call, a strlen() each), a request's line and record took 2,000
 * instructions of the housekeeper, a tenth of a request's in all.
 */

/* v, which may be negative, at p (room for 21) */
static size_t put_i64(char *p, int64_t v)
{
	if (v >= 0)
		return mlw_fmt_u64(p, (uint64_t)v);
	*p = '-';
	return 1 + mlw_fmt_u64(p + 1, (uint64_t)0 - (uint64_t)v);
}

static char *put_text(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

#define put_lit(p, s) put_text(p, s, sizeof(s) - 1)

/* the end of what was put into b from b->buf + b->len on */
static void put_end(struct mlw_buf *b, char *p)
{
	mlw_buf_setlen(b, (size_t)(p - b->buf));
}

/*
 * A request as a line of its deployment's log, formatted by hand (one
 * a request: no printf):
 * "TIME POST /score 200 0.123 ms 10 B in 20 B out".
 */
static void log_line(struct mlw_buf *b, struct time_cache *tc,
		     const struct log_record *r)
{
	char t[32], *p;
	size_t tlen, rlen;
	uint64_t lat = r->latency_us;

	log_time(tc, t, r->time);
	if (r->event) {
		mlw_buf_addf(b, "%s %s\n", t, r->event);
		return;
	}
	tlen = strlen(t);
	rlen = strnlen(r->route, sizeof(r->route));
	/* the text, the numbers at their longest (21) and the rest */
	mlw_buf_grow(b, tlen + rlen + 4 * 21 + 48);
	p = b->buf + b->len;
	p = put_text(p, t, tlen);
	p = r->mirror ? put_lit(p, " mirror ") : put_lit(p, " POST ");
	p = put_text(p, r->route, rlen);
	*p++ = ' ';
	p += put_i64(p, r->status);
	*p++ = ' ';
	/* %.3f of latency_us / 1000: the microseconds are the decimals */
	p += mlw_fmt_u64(p, lat / 1000);
	*p++ = '.';
	*p++ = (char)('0' + lat / 100 % 10);
	*p++ = (char)('0' + lat / 10 % 10);
	*p++ = (char)('0' + lat % 10);
	p = put_lit(p, " ms ");
	p += mlw_fmt_u64(p, r->bytes_in);
	p = put_lit(p, " B in ");
	p += mlw_fmt_u64(p, r->bytes_out);
	p = put_lit(p, " B out\n");
	put_end(b, p);
}

/* a text the log keeps, or null */
static void add_text(struct mlw_buf *b, const char *s)
{
	if (s)
		mlw_json_add_string(b, s, strlen(s));
	else
		mlw_buf_adds(b, "null");
}

/*
 * The JSON of a deployment's name or a route, kept while the records
 * repeat it (nearly always): escaped once, copied after
 */
struct json_cache {
	int valid;
	char raw[64];
	struct mlw_buf json;
};

/* s (empty: null when null_if_empty) as JSON text in c->json */
static const struct mlw_buf *json_of(struct json_cache *c, const char *s,
				     size_t size, int null_if_empty)
{
	size_t len = strnlen(s, size);

	if (c->valid && len < sizeof(c->raw) && !memcmp(c->raw, s, len) &&
	    !c->raw[len])
		return &c->json;
	mlw_buf_reset(&c->json);
	if (!len && null_if_empty)
		mlw_buf_adds(&c->json, "null");
	else
		mlw_json_add_string(&c->json, s, len);
	c->valid = len < sizeof(c->raw);
	if (c->valid) {
		memcpy(c->raw, s, len);
		c->raw[len] = '\0';
	}
	return &c->json;
}

/*
 * A request's time in seconds: the whole seconds, a point and six
 * digits, formatted by hand.  A request's time is to the millisecond
 * (mlw_http_access.start_ms), which six decimals hold.  The shortest
 * text that reads back as the same double (mlw_json_add_number()) tries
 * up to three precisions through snprintf() and strtod(); with it,
 * building a batch's JSON took 0.42 us a request, a quarter of the
 * housekeeper's time.  Outside 0-1e11 s: the shortest text.
 */
static void add_time(struct mlw_buf *b, double t)
{
	uint64_t us;
	char *p;
	int i;

	if (!(t >= 0 && t < 1e11)) {
		mlw_json_add_number(b, t);
		return;
	}
	us = (uint64_t)(t * 1e6 + 0.5);
	mlw_buf_grow(b, 28);
	p = b->buf + b->len;
	p += mlw_fmt_u64(p, us / 1000000);
	*p++ = '.';
	us %= 1000000;
	for (i = 5; i >= 0; i--, us /= 10)
		p[i] = (char)('0' + us % 10);
	put_end(b, p + 6);
}

/*
 * One request as the JSON list the endpoint_requests view reads:
 * [time, deployment, route, status, latency_us, bytes_in, bytes_out,
 * mirror, input, output], the input and output left out when neither
 * was collected (the view's ->> gives null for an element past the
 * end, as for a null).
 */
static void add_record(struct mlw_buf *b, const struct log_record *r,
		       struct json_cache *dep, struct json_cache *route)
{
	const struct mlw_buf *d = json_of(dep, r->deployment,
					  sizeof(r->deployment), 1);
	const struct mlw_buf *rt = json_of(route, r->route,
					   sizeof(r->route), 0);
	char *p;

	mlw_buf_addch(b, '[');
	add_time(b, r->time);
	mlw_buf_grow(b, d->len + rt->len + 4 * 22 + 8);
	p = b->buf + b->len;
	*p++ = ',';
	p = put_text(p, d->buf, d->len);
	*p++ = ',';
	p = put_text(p, rt->buf, rt->len);
	*p++ = ',';
	p += put_i64(p, r->status);
	*p++ = ',';
	p += mlw_fmt_u64(p, r->latency_us);
	*p++ = ',';
	p += mlw_fmt_u64(p, r->bytes_in);
	*p++ = ',';
	p += mlw_fmt_u64(p, r->bytes_out);
	p = r->mirror ? put_lit(p, ",1") : put_lit(p, ",0");
	put_end(b, p);
	if (r->input || r->output) {
		mlw_buf_addch(b, ',');
		add_text(b, r->input);
		mlw_buf_addch(b, ',');
		add_text(b, r->output);
	}
	mlw_buf_addch(b, ']');
}

/* one row of endpoint_request_batches: records as a JSON list */
static int insert_batch(struct mlw_endpoint_server *s, sqlite3 *db,
			const struct mlw_buf *records, double first,
			double last)
{
	sqlite3_stmt *st = s->insert_batch;
	int ret;

	if (!st) {
		if (sqlite3_prepare_v2(db, "INSERT INTO endpoint_request_batches"
				       " (endpoint, first_time, last_time,"
				       " records) VALUES (?1, ?2, ?3, ?4)",
				       -1, &st, NULL) != SQLITE_OK) {
			sqlite3_finalize(st);
			return mlw_error_set("%s", sqlite3_errmsg(db));
		}
		s->insert_batch = st;
	}
	sqlite3_bind_text(st, 1, s->name, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, first);
	sqlite3_bind_double(st, 3, last);
	sqlite3_bind_text(st, 4, records->buf, (int)records->len,
			  SQLITE_STATIC);
	ret = sqlite3_step(st) == SQLITE_DONE ? 0 :
	      mlw_error_set("%s", sqlite3_errmsg(db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

/*
 * The requests of recs[0..nr) onto the batch being built (events are
 * the log files' alone), in order.  A row of endpoint_request_batches
 * for about every BATCH_RECORDS of them, which the endpoint_requests
 * view shows a row a request.  A row a request (and its index entry)
 * cost the housekeeper 2.7-2.9 us of CPU a request, a tenth of the
 * server's; batches of 256, 1.7-1.8 us; batches of 1,024, records
 * without their trailing nulls, times by hand (add_time()), 0.7-0.8 us.
 */
static void add_records(struct mlw_endpoint_server *s,
			const struct log_record *recs, size_t nr)
{
	struct mlw_buf *b = &s->batch_text;
	struct json_cache dep = { 0 }, route = { 0 };
	size_t i;

	mlw_buf_init(&dep.json, 0);
	mlw_buf_init(&route.json, 0);
	/* a burst's events count: a burst fills a batch */
	s->batch_queued += nr;
	for (i = 0; i < nr; i++) {
		const struct log_record *r = &recs[i];

		if (r->event)
			continue;
		mlw_buf_addch(b, s->batch_records ? ',' : '[');
		add_record(b, r, &dep, &route);
		if (!s->batch_records || r->time < s->batch_first)
			s->batch_first = r->time;
		if (!s->batch_records || r->time > s->batch_last)
			s->batch_last = r->time;
		s->batch_records++;
	}
	mlw_buf_release(&dep.json);
	mlw_buf_release(&route.json);
}

/*
 * The batch built into the catalog, in a transaction of its own, when
 * it is full (BATCH_RECORDS records queued since the last, events
 * among them, or BATCH_BYTES of text) or when all is (every poll_ms,
 * and at the end); then a new one.  A batch the catalog refuses is
 * lost, as a request the queue has no room for: the server goes on and
 * says so in the log.
 */
static void commit_records(struct mlw_endpoint_server *s, int all)
{
	struct mlw_buf *b = &s->batch_text;
	sqlite3 *db = mlw_catalog_db(s->cat);
	size_t nr = s->batch_records;

	if (!all && s->batch_queued < BATCH_RECORDS && b->len < BATCH_BYTES)
		return;
	s->batch_queued = 0;
	if (!nr)
		return;
	mlw_buf_addch(b, ']');
	if (mlw_catalog_begin(s->cat) ||
	    insert_batch(s, db, b, s->batch_first, s->batch_last) ||
	    mlw_catalog_commit(s->cat)) {
		mlw_catalog_rollback(s->cat);
		mlw_serve_log_event(s, NULL, "WARNING cannot log %zu requests to the catalog: %s",
				    nr, mlw_error_last());
		mlw_error_clear();
	}
	mlw_buf_reset(b);
	s->batch_records = 0;
	/* one batch's worst text is not kept for the next */
	if (b->alloc > 2 * BATCH_BYTES)
		mlw_buf_release(b);
}

void mlw_serve_log_finish(struct mlw_endpoint_server *s)
{
	sqlite3_finalize(s->insert_batch);
	s->insert_batch = NULL;
	mlw_buf_release(&s->batch_text);
}

/* write the queued records: the log files, the catalog's batch */
/*
 * Write n queued records: their lines into the log files (one write(2)
 * a file), and into the catalog's batch, committed when it is full or
 * when all is (commit_records).
 */
static void flush_records(struct mlw_endpoint_server *s,
			  struct log_record *recs, size_t nr, int all)
{
	struct time_cache tc = { 0 };
	size_t i, k;

	add_records(s, recs, nr);
	for (i = 0; i < nr; i++) {
		const struct log_record *r = &recs[i];
		int fd;

		if (!*r->deployment && r->event) {
			/* a server-wide event: every deployment's log */
			for (k = 0; k < s->nr_logs; k++)
				log_line(&s->logs[k].lines, &tc, r);
			continue;
		}
		if (!*r->deployment)
			continue;
		fd = log_fd_of(s, r->deployment);
		for (k = 0; k < s->nr_logs; k++)
			if (s->logs[k].fd == fd)
				break;
		if (k < s->nr_logs)
			log_line(&s->logs[k].lines, &tc, r);
	}
	/*
	 * one write(2) a log file; the buffers kept, as the batch's text:
	 * allocated at every flush, among the catalog's pages, they grew
	 * the housekeeper's malloc arena 0.8 MiB over a minute
	 */
	for (k = 0; k < s->nr_logs; k++) {
		struct mlw_buf *lines = &s->logs[k].lines;

		if (lines->len && s->logs[k].fd >= 0)
			mlw_write_all(s->logs[k].fd, lines->buf, lines->len);
		mlw_buf_reset(lines);
		if (lines->alloc > BATCH_BYTES)
			mlw_buf_release(lines);
	}
	for (i = 0; i < nr; i++) {
		free(recs[i].input);
		free(recs[i].output);
		free(recs[i].event);
	}
	commit_records(s, all);
}

void mlw_serve_flush_log(struct mlw_endpoint_server *s, int all)
{
	struct log_record *recs;
	size_t nr, i;
	uint64_t dropped;

	pthread_mutex_lock(&s->log_lock);
	/* the queue written last (empty) takes the requests from now */
	recs = s->records;
	nr = s->nr_records;
	dropped = s->dropped_records;
	s->records = s->spare_records;
	s->spare_records = recs;
	s->nr_records = 0;
	s->dropped_records = 0;
	pthread_mutex_unlock(&s->log_lock);
	if (dropped)
		mlw_serve_log_event(s, NULL, "WARNING the request log fell behind: %llu requests not logged",
			  (unsigned long long)dropped);
	if (!nr) {
		commit_records(s, all);
		return;
	}
	/* server-wide events go to the log of every deployment served */
	for (i = 0; s->config && i < s->config->nr_deps; i++)
		log_fd_of(s, s->config->deps[i]->d->name);
	/*
	 * A backlog (the disk slow for a moment: 20,000 records queued
	 * in a quarter second) is written a batch at a time, so that the
	 * lines, the batch's text and what SQLite makes of it stay a
	 * batch's size: one flush of it all had left the server's RSS
	 * 1-2.5 MiB up for as long as glibc kept the freed pages.
	 */
	for (i = 0; i < nr; i += BATCH_RECORDS) {
		size_t n = nr - i < BATCH_RECORDS ? nr - i : BATCH_RECORDS;

		flush_records(s, recs + i, n, all || i + n < nr);
	}
	rotate_logs(s);
	/*
	 * A burst's pages past KEEP_RECORDS go back to the system: a long
	 * run's memory does not stay at its worst backlog
	 */
	if (nr > KEEP_RECORDS) {
		long page = sysconf(_SC_PAGESIZE);
		uintptr_t from = (uintptr_t)(recs + KEEP_RECORDS),
			  to = (uintptr_t)(recs + nr);

		from = (from + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
		if (to > from)
			madvise((void *)from, to - from, MADV_DONTNEED);
	}
}


/* the last n lines of buf[0..len) (n < 0: all of it) */
static const char *last_lines(const char *buf, size_t len, long n)
{
	const char *p = buf + len;

	if (n < 0)
		return buf;
	if (!n)
		return p;
	if (p > buf && p[-1] == '\n')
		p--;
	while (p > buf) {
		if (p[-1] == '\n' && !--n)
			return p;
		p--;
	}
	return buf;
}

int mlw_deployment_log(struct mlw_buf *out, struct mlw_catalog *cat,
		       struct mlw_repo *repo, const char *endpoint,
		       const char *name, long lines)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_deployment *d;
	const char *start;
	char *rel, *path;
	int ret = mlw_deployment_get(&d, cat, endpoint, name);

	if (ret)
		return ret;
	mlw_deployment_free(d);
	rel = mlw_xstrfmt("logs/%s.log", name);
	path = mlw_endpoint_path(repo, endpoint, rel);
	ret = mlw_buf_read_file(&b, path, MLW_DEPLOYMENT_LOG_MAX);
	free(rel);
	free(path);
	if (ret == MLW_ENOTFOUND) {
		/* never served yet: an empty log */
		mlw_error_clear();
		ret = 0;
	} else if (!ret) {
		start = last_lines(b.buf, b.len, lines);
		mlw_buf_add(out, start, b.len - (size_t)(start - b.buf));
	}
	mlw_buf_release(&b);
	return ret;
}
