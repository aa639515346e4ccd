/*
 * batch.c - the body of runs/log-batch read straight into a batch,
 * without a jansson tree, when it has the plain shape clients send.
 *
 * Why not jansson: it has no streaming interface (json_load_callback
 * only feeds the same tree builder, and JSON_DECODE_ANY only widens what
 * the top level may be), so a body of 1,000 metrics becomes some 10,000
 * allocations: 1,000 objects with a hash table each, their keys and
 * values.  Parsing and freeing that tree took 1.3-2 ms of a batch's
 * 3.5-4 ms server time (perf, 70 KB body; and the free of the request
 * buffer after it paid for consolidating the small chunks), as much as
 * SQLite's inserts.  Reading the body here takes about 0.1 ms and two
 * allocations.
 *
 * This is not a JSON parser: it recognizes one shape,
 *
 *	{"run_id": "...", "metrics": [{"key": "...", "value": N,
 *	 "timestamp": N, "step": N}, ...], "params": [{"key": "...",
 *	 "value": "..."}, ...], "tags": [...]}
 *
 * members in any order, any JSON white space; strings of printable
 * ASCII without escapes; a value a JSON number, NaN, Infinity or
 * -Infinity (bare, as Python's json writes them, or quoted, as
 * protobuf's JSON does); timestamp and step integer literals.  Anything
 * else (an escape, a non-ASCII byte, a null, a member it does not know,
 * a member twice, a number jansson would refuse, a missing field, more
 * than MLflow's limits, malformed JSON) declines, and the body is read
 * by jansson as every other route's is (tracking.c): what a client gets
 * for bad input, and every error body, comes from that one path.  What
 * this accepts, jansson reads to the same batch (t/unit/
 * test-tracking-batch.c compares them).
 */
#include "tracking/internal.h"
#include "run/tracking.h"
#include "util/alloc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct scan {
	const char *p, *end;
	char *out;		/* the next free byte of the strings' copy */
};

static void skip_space(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' ||
				 *s->p == '\t' || *s->p == '\r'))
		s->p++;
}

/* the punctuation ch next (consumed): 1, or 0 */
static int next_is(struct scan *s, char ch)
{
	skip_space(s);
	if (s->p < s->end && *s->p == ch) {
		s->p++;
		return 1;
	}
	return 0;
}

/* a string without escapes, its bytes printable ASCII: where it starts
 * in the body and its length; -1 for any other */
static int raw_string(struct scan *s, const char **start, size_t *len)
{
	const char *p;

	if (!next_is(s, '"'))
		return -1;
	for (p = s->p; p < s->end && *p != '"'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e ||
		    *p == '\\')
			return -1;
	if (p == s->end)
		return -1;
	*start = s->p;
	*len = p - s->p;
	s->p = p + 1;
	return 0;
}

/* a string as above, copied out NUL-terminated; NULL for any other */
static const char *string(struct scan *s)
{
	const char *start;
	char *copy = s->out;
	size_t len;

	if (raw_string(s, &start, &len))
		return NULL;
	memcpy(copy, start, len);
	copy[len] = '\0';
	s->out += len + 1;
	return copy;
}

/* the member name next, with its ':'; the index of it in names, or -1 */
static int member(struct scan *s, const char *const *names, int nr)
{
	const char *start;
	size_t len;
	int i;

	if (raw_string(s, &start, &len) || !next_is(s, ':'))
		return -1;
	for (i = 0; i < nr; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], start, len))
			return i;
	return -1;
}

static int is_digit(const struct scan *s, const char *p)
{
	return p < s->end && *p >= '0' && *p <= '9';
}

/*
 * A JSON number (RFC 8259's grammar) as jansson reads it: an integer
 * literal (no fraction, no exponent) through strtoll, refused when out
 * of range; any other through strtod, refused on overflow (jansson
 * refuses both).  *integer says which it was.
 */
static int number(struct scan *s, double *real, int64_t *n, int *integer)
{
	const char *p;
	char text[64];
	size_t len;

	skip_space(s);
	p = s->p;
	*integer = 1;
	if (p < s->end && *p == '-')
		p++;
	if (!is_digit(s, p))
		return -1;
	if (*p == '0')
		p++;
	else
		while (is_digit(s, p))
			p++;
	if (p < s->end && *p == '.') {
		*integer = 0;
		if (!is_digit(s, ++p))
			return -1;
		while (is_digit(s, p))
			p++;
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		*integer = 0;
		p++;
		if (p < s->end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(s, p))
			return -1;
		while (is_digit(s, p))
			p++;
	}
	len = p - s->p;
	if (len >= sizeof(text))
		return -1;
	memcpy(text, s->p, len);
	text[len] = '\0';
	s->p = p;
	errno = 0;
	if (*integer) {
		long long v = strtoll(text, NULL, 10);

		*n = v;
		*real = (double)v;
	} else {
		*real = strtod(text, NULL);
	}
	return errno ? -1 : 0;
}

/* an integer literal next (timestamp, step) */
static int integer(struct scan *s, int64_t *out)
{
	double real;
	int is_int;

	return number(s, &real, out, &is_int) || !is_int ? -1 : 0;
}

/* a metric's value: a number, or NaN, Infinity, -Infinity bare or quoted */
static int metric_value(struct scan *s, double *out)
{
	static const char *const words[] = { "NaN", "Infinity", "-Infinity" };
	static const double values[] = { NAN, INFINITY, -INFINITY };
	const char *start;
	size_t len, i;
	int64_t n;
	int is_int;

	skip_space(s);
	if (s->p < s->end && *s->p == '"') {
		if (raw_string(s, &start, &len))
			return -1;
	} else if (s->p < s->end && (*s->p == 'N' || *s->p == 'I' ||
				     (*s->p == '-' && s->p + 1 < s->end &&
				      s->p[1] == 'I'))) {
		start = s->p;
		for (len = 0; start + len < s->end && start[len] != ',' &&
		     start[len] != '}' && start[len] != ' ' &&
		     start[len] != '\n' && start[len] != '\t' &&
		     start[len] != '\r'; len++)
			;
		s->p += len;
	} else {
		return number(s, out, &n, &is_int);
	}
	for (i = 0; i < 3; i++)
		if (strlen(words[i]) == len && !memcmp(words[i], start, len)) {
			*out = values[i];
			return 0;
		}
	return -1;
}

/* one {"key", "value", "timestamp", "step"} object; step may be absent */
static int metric(struct scan *s, struct mlw_run_metric *m)
{
	static const char *const names[] = {
		"key", "value", "timestamp", "step",
	};
	unsigned seen = 0;
	int64_t ms;
	int i, ret;

	if (!next_is(s, '{'))
		return -1;
	m->step = 0;
	do {
		i = member(s, names, 4);
		if (i < 0 || (seen & (1u << i)))
			return -1;
		seen |= 1u << i;
		if (i == 0) {
			m->key = (char *)string(s);
			ret = m->key ? 0 : -1;
		} else if (i == 1) {
			ret = metric_value(s, &m->value);
		} else if (i == 2) {
			ret = integer(s, &ms);
			m->time = (double)ms / 1000;
		} else {
			ret = integer(s, &m->step);
		}
		if (ret)
			return -1;
	} while (next_is(s, ','));
	return next_is(s, '}') && (seen & 7) == 7 ? 0 : -1;
}

/* one {"key", "value"} object of params or tags, both strings */
static int kv(struct scan *s, struct mlw_run_kv *kv)
{
	static const char *const names[] = { "key", "value" };
	const char *v[2] = { NULL, NULL };
	int i;

	if (!next_is(s, '{'))
		return -1;
	do {
		i = member(s, names, 2);
		if (i < 0 || v[i])
			return -1;
		v[i] = string(s);
		if (!v[i])
			return -1;
	} while (next_is(s, ','));
	if (!next_is(s, '}') || !v[0] || !v[1])
		return -1;
	kv->key = (char *)v[0];
	kv->value = (char *)v[1];
	return 0;
}

/* a list of at most max items read by one(): metrics, params or tags */
static int list(struct scan *s, void **items, size_t *nr, size_t size,
		size_t max, int (*one)(struct scan *s, void *item))
{
	size_t alloc = 0;

	if (!next_is(s, '['))
		return -1;
	if (next_is(s, ']'))
		return 0;
	do {
		if (*nr == max)
			return -1;
		if (*nr == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			if (alloc > max)
				alloc = max;
			*items = mlw_realloc(*items, alloc * size);
		}
		if (one(s, (char *)*items + *nr * size))
			return -1;
		(*nr)++;
	} while (next_is(s, ','));
	return next_is(s, ']') ? 0 : -1;
}

static int one_metric(struct scan *s, void *item)
{
	return metric(s, item);
}

static int one_kv(struct scan *s, void *item)
{
	return kv(s, item);
}

static int scan_body(struct scan *s, struct log_batch_body *out)
{
	static const char *const names[] = {
		"run_id", "run_uuid", "metrics", "params", "tags",
	};
	unsigned seen = 0;
	int i, ret;

	if (!next_is(s, '{'))
		return -1;
	if (next_is(s, '}'))
		return -1;	/* no run_id: jansson's path says so */
	do {
		i = member(s, names, 5);
		if (i < 0 || (seen & (1u << i)))
			return -1;
		seen |= 1u << i;
		if (i < 2) {
			const char *id = string(s);

			ret = id ? 0 : -1;
			/* run_id wins over run_uuid, as in get_str() */
			if (i == 0 || !out->run_id)
				out->run_id = id;
		} else if (i == 2) {
			ret = list(s, (void **)&out->metrics,
				   &out->nr_metrics, sizeof(*out->metrics),
				   MLW_TRACKING_MAX_BATCH_METRICS, one_metric);
		} else {
			struct mlw_run_kv **kvs = i == 3 ? &out->params :
						  &out->tags;
			size_t *nr = i == 3 ? &out->nr_params : &out->nr_tags;

			ret = list(s, (void **)kvs, nr, sizeof(**kvs),
				   i == 3 ? MLW_TRACKING_MAX_BATCH_PARAMS :
				   MLW_TRACKING_MAX_BATCH_TAGS, one_kv);
		}
		if (ret)
			return -1;
	} while (next_is(s, ','));
	if (!next_is(s, '}'))
		return -1;
	skip_space(s);
	/* an empty run_id is a missing one: jansson's path says so */
	return s->p == s->end && out->run_id && *out->run_id ? 0 : -1;
}

int log_batch_scan(struct log_batch_body *out, const char *body, size_t len)
{
	struct scan s = { body, body + len, NULL };

	memset(out, 0, sizeof(*out));
	out->strings = mlw_malloc(len + 1);
	s.out = out->strings;
	if (!scan_body(&s, out))
		return 0;
	log_batch_body_release(out);
	return 1;
}

void log_batch_body_release(struct log_batch_body *b)
{
	free(b->metrics);
	free(b->params);
	free(b->tags);
	free(b->strings);
	memset(b, 0, sizeof(*b));
}
