/*
 * pattern.h - metrics from a job's output lines, as Katib's StdOut
 * collector does: a PCRE2 pattern whose first group is the metric name and
 * second its value, applied to every line, every match a point.
 *
 * libpcre2-8 is loaded with dlopen() when a pattern is first compiled:
 * only a job supervisor with a pattern enabled needs it, so no other mlw
 * command pays for loading it at start-up (and the Makefile's core link
 * set stays as it is).
 */
#ifndef MLW_RUN_PATTERN_H
#define MLW_RUN_PATTERN_H

#include <stddef.h>

/* Katib's default metricsFormat */
#define MLW_PATTERN_KATIB \
	"([\\w|-]+)\\s*=\\s*([+-]?\\d*(\\.\\d+)?([Ee][+-]?\\d+)?)"

struct mlw_pattern;

struct mlw_pattern_match {
	const char *name, *value;	/* point into the line */
	size_t name_len, value_len;
};

/* MLW_EINVALID with PCRE2's message and offset for a bad pattern */
int mlw_pattern_new(struct mlw_pattern **out, const char *regex);
void mlw_pattern_free(struct mlw_pattern *p);
/* up to max matches in line; returns how many (empty values skipped) */
int mlw_pattern_scan(struct mlw_pattern *p, const char *line, size_t len,
		     struct mlw_pattern_match *m, int max);

#endif
