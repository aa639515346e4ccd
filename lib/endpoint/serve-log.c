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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	MLW_ALLOC_GROW(s->records, s->nr_records + 1, s->alloc_records);
	s->records[s->nr_records++] = r;
	pthread_mutex_unlock(&s->log_lock);
}


void mlw_serve_log_record(struct mlw_endpoint_server *s,
			  struct log_record *r)
{
	size_t nr;

	pthread_mutex_lock(&s->log_lock);
	nr = s->nr_records;
	if (nr < (1u << 20)) {
		MLW_ALLOC_GROW(s->records, nr + 1, s->alloc_records);
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

/* the decimal digits of v */
static void add_u64(struct mlw_buf *b, uint64_t v)
{
	char d[24], *p = d + sizeof(d);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	mlw_buf_add(b, p, (size_t)(d + sizeof(d) - p));
}

/*
 * A request as a line of its deployment's log, formatted by hand (one
 * a request: no printf):
 * "TIME POST /score 200 0.123 ms 10 B in 20 B out".
 */
static void log_line(struct mlw_buf *b, struct time_cache *tc,
		     const struct log_record *r)
{
	char t[32];

	log_time(tc, t, r->time);
	if (r->event) {
		mlw_buf_addf(b, "%s %s\n", t, r->event);
		return;
	}
	mlw_buf_adds(b, t);
	mlw_buf_adds(b, r->mirror ? " mirror " : " POST ");
	mlw_buf_adds(b, r->route);
	mlw_buf_addch(b, ' ');
	if (r->status < 0)
		mlw_buf_addch(b, '-');
	add_u64(b, (uint64_t)(r->status < 0 ? -(int64_t)r->status :
			      r->status));
	mlw_buf_addch(b, ' ');
	/* %.3f of latency_us / 1000: the microseconds are the decimals */
	add_u64(b, r->latency_us / 1000);
	mlw_buf_addch(b, '.');
	mlw_buf_addch(b, (char)('0' + r->latency_us / 100 % 10));
	mlw_buf_addch(b, (char)('0' + r->latency_us / 10 % 10));
	mlw_buf_addch(b, (char)('0' + r->latency_us % 10));
	mlw_buf_adds(b, " ms ");
	add_u64(b, r->bytes_in);
	mlw_buf_adds(b, " B in ");
	add_u64(b, r->bytes_out);
	mlw_buf_adds(b, " B out\n");
}

/* rows a statement of insert_records() inserts at most */
#define INSERT_GROUP 32
#define INSERT_COLUMNS 10

/*
 * "INSERT INTO endpoint_requests (...) VALUES (?1, ?2, ...), (?1, ?12,
 * ...)" for rows records: the endpoint is ?1, bound once.
 */
static sqlite3_stmt *prepare_insert(sqlite3 *db, const char *endpoint,
				    size_t rows)
{
	struct mlw_buf sql = MLW_BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t i;

	/* ?1 is the endpoint, named by every row */
	mlw_buf_adds(&sql, "INSERT INTO endpoint_requests (endpoint, time,"
		     " deployment, route, status, latency_us, bytes_in,"
		     " bytes_out, mirror, input, output) VALUES ");
	for (i = 0; i < rows; i++) {
		size_t k, base = 2 + i * INSERT_COLUMNS;

		mlw_buf_adds(&sql, i ? ", (?1" : "(?1");
		for (k = 0; k < INSERT_COLUMNS; k++)
			mlw_buf_addf(&sql, ", ?%zu", base + k);
		mlw_buf_addch(&sql, ')');
	}
	if (sqlite3_prepare_v2(db, sql.buf, (int)sql.len, &st, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(st);
		st = NULL;
	} else {
		sqlite3_bind_text(st, 1, endpoint, -1, SQLITE_STATIC);
	}
	mlw_buf_release(&sql);
	return st;
}

/* bind r as row i of st (see prepare_insert()) */
static void bind_record(sqlite3_stmt *st, size_t i, const struct log_record *r)
{
	int p = 2 + (int)(i * INSERT_COLUMNS);

	sqlite3_bind_double(st, p, r->time);
	if (*r->deployment)
		sqlite3_bind_text(st, p + 1, r->deployment, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, p + 1);
	sqlite3_bind_text(st, p + 2, r->route, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, p + 3, r->status);
	sqlite3_bind_int64(st, p + 4, (sqlite3_int64)r->latency_us);
	sqlite3_bind_int64(st, p + 5, (sqlite3_int64)r->bytes_in);
	sqlite3_bind_int64(st, p + 6, (sqlite3_int64)r->bytes_out);
	sqlite3_bind_int(st, p + 7, r->mirror);
	if (r->input)
		sqlite3_bind_text(st, p + 8, r->input, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, p + 8);
	if (r->output)
		sqlite3_bind_text(st, p + 9, r->output, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, p + 9);
}

/*
 * The requests of recs[0..nr) into endpoint_requests, in order, within
 * the caller's transaction: INSERT_GROUP rows a statement (a statement
 * a row cost the housekeeper more than the rows' B-tree work).  0, or
 * -1 when a statement cannot be prepared; a row that fails is left out,
 * the others are kept.
 */
static int insert_records(struct mlw_endpoint_server *s, sqlite3 *db,
			  const struct log_record *recs, size_t nr)
{
	sqlite3_stmt *group = s->insert_group, *one = s->insert_one;
	const struct log_record *pending[INSERT_GROUP];
	size_t i, n = 0;
	int ret = 0;

	for (i = 0; i <= nr && !ret; i++) {
		sqlite3_stmt *st;
		size_t k;

		if (i < nr && recs[i].event)
			continue;
		if (i < nr)
			pending[n++] = &recs[i];
		if (n < INSERT_GROUP && (i < nr || !n))
			continue;
		/* a full group, or the last rows one by one */
		if (n == INSERT_GROUP) {
			if (!group)
				group = prepare_insert(db, s->name,
						       INSERT_GROUP);
			st = group;
			if (!st) {
				ret = -1;
				break;
			}
			for (k = 0; k < n; k++)
				bind_record(st, k, pending[k]);
			sqlite3_step(st);
			sqlite3_reset(st);
			n = 0;
			continue;
		}
		if (!one)
			one = prepare_insert(db, s->name, 1);
		if (!one) {
			ret = -1;
			break;
		}
		for (k = 0; k < n; k++) {
			bind_record(one, 0, pending[k]);
			sqlite3_step(one);
			sqlite3_reset(one);
		}
		n = 0;
	}
	/*
	 * Kept for the next flush, with no binding left pointing into
	 * recs; ?1, the endpoint, is the server's for its whole life
	 */
	if (group) {
		sqlite3_clear_bindings(group);
		sqlite3_bind_text(group, 1, s->name, -1, SQLITE_STATIC);
	}
	if (one) {
		sqlite3_clear_bindings(one);
		sqlite3_bind_text(one, 1, s->name, -1, SQLITE_STATIC);
	}
	s->insert_group = group;
	s->insert_one = one;
	return ret;
}

void mlw_serve_log_finish(struct mlw_endpoint_server *s)
{
	sqlite3_finalize(s->insert_group);
	sqlite3_finalize(s->insert_one);
	s->insert_group = s->insert_one = NULL;
}

/* write the queued records: the catalog and the log files */
void mlw_serve_flush_log(struct mlw_endpoint_server *s)
{
	struct log_record *recs;
	struct mlw_buf *lines = NULL;
	sqlite3 *db = mlw_catalog_db(s->cat);
	struct time_cache tc = { 0 };
	size_t nr, alloc, i, k, nr_lines = 0;
	uint64_t dropped;

	pthread_mutex_lock(&s->log_lock);
	recs = s->records;
	nr = s->nr_records;
	alloc = s->alloc_records;
	dropped = s->dropped_records;
	s->records = s->spare_records;
	s->alloc_records = s->alloc_spare;
	s->spare_records = NULL;
	s->alloc_spare = 0;
	s->nr_records = 0;
	s->dropped_records = 0;
	pthread_mutex_unlock(&s->log_lock);
	if (dropped)
		mlw_serve_log_event(s, NULL, "WARNING the request log fell behind: %llu requests not logged",
			  (unsigned long long)dropped);
	if (!nr)
		goto keep;
	/* server-wide events go to the log of every deployment served */
	for (i = 0; s->config && i < s->config->nr_deps; i++)
		log_fd_of(s, s->config->deps[i]->d->name);
	if (!mlw_catalog_begin(s->cat) && !insert_records(s, db, recs, nr)) {
		if (mlw_catalog_commit(s->cat))
			mlw_catalog_rollback(s->cat);
	} else {
		mlw_catalog_rollback(s->cat);
	}
	/* one buffer per log file, written with one write(2) each */
	lines = mlw_calloc(s->nr_logs + nr + 1, sizeof(*lines));
	for (i = 0; i < nr; i++) {
		const struct log_record *r = &recs[i];
		int fd;

		if (!*r->deployment && r->event) {
			/* a server-wide event: every deployment's log */
			for (k = 0; k < s->nr_logs; k++)
				log_line(&lines[k], &tc, r);
			continue;
		}
		if (!*r->deployment)
			continue;
		fd = log_fd_of(s, r->deployment);
		for (k = 0; k < s->nr_logs; k++)
			if (s->logs[k].fd == fd)
				break;
		if (k < s->nr_logs)
			log_line(&lines[k], &tc, r);
	}
	nr_lines = s->nr_logs;
	for (k = 0; k < nr_lines; k++) {
		if (lines[k].len && s->logs[k].fd >= 0)
			mlw_write_all(s->logs[k].fd, lines[k].buf, lines[k].len);
		mlw_buf_release(&lines[k]);
	}
	free(lines);
	for (i = 0; i < nr; i++) {
		free(recs[i].input);
		free(recs[i].output);
		free(recs[i].event);
	}
	rotate_logs(s);
keep:
	/*
	 * The next swap's array: the larger of the two is kept, up to
	 * KEEP_RECORDS; one a burst grew past that goes back to the
	 * allocator, so that a long run's memory does not ratchet up to
	 * its worst backlog.
	 */
	pthread_mutex_lock(&s->log_lock);
	if (alloc > s->alloc_spare && alloc <= KEEP_RECORDS) {
		free(s->spare_records);
		s->spare_records = recs;
		s->alloc_spare = alloc;
		recs = NULL;
	}
	pthread_mutex_unlock(&s->log_lock);
	free(recs);
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
