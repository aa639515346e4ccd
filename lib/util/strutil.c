/*
 * strutil.c - string helpers; see strutil.h.
 */
#include "util/strutil.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int mlw_parse_i64(int64_t *out, const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	if (!*s)
		return mlw_error_setc(MLW_EINVALID, "%s: empty value", what);
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		return mlw_error_setc(MLW_EINVALID,
				      "%s: '%s' is not an integer", what, s);
	*out = v;
	return 0;
}

int mlw_parse_double(double *out, const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	if (!*s)
		return mlw_error_setc(MLW_EINVALID, "%s: empty value", what);
	v = strtod(s, &end);
	if (*end || end == s || (errno == ERANGE && isinf(v)))
		return mlw_error_setc(MLW_EINVALID,
				      "%s: '%s' is not a number", what, s);
	*out = v;
	return 0;
}

size_t mlw_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d;
	size_t *row0, *row1, *row2, *t;

	row0 = mlw_calloc(lb + 1, sizeof(size_t));
	row1 = mlw_calloc(lb + 1, sizeof(size_t));
	row2 = mlw_calloc(lb + 1, sizeof(size_t));
	for (j = 0; j <= lb; j++)
		row1[j] = j;
	for (i = 1; i <= la; i++) {
		row2[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = row1[j - 1] + cost;

			if (row1[j] + 1 < best)
				best = row1[j] + 1;
			if (row2[j - 1] + 1 < best)
				best = row2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && row0[j - 2] + 1 < best)
				best = row0[j - 2] + 1;
			row2[j] = best;
		}
		t = row0;
		row0 = row1;
		row1 = row2;
		row2 = t;
	}
	d = row1[lb];
	free(row0);
	free(row1);
	free(row2);
	return d;
}

const char *mlw_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t len = strlen(word);

	for (; candidates && *candidates; candidates++) {
		size_t d = mlw_edit_distance(word, *candidates);

		if (d < best_d) {
			best_d = d;
			best = *candidates;
		}
	}
	/* as git's help.c: close enough to be a typo, not a different word */
	if (!best || best_d > (len < 5 ? 1 : len < 9 ? 2 : 3))
		return NULL;
	return best;
}

int mlw_starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

int mlw_ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !memcmp(s + ls - lx, suffix, lx);
}

void mlw_strlist_push(struct mlw_strlist *l, const char *s)
{
	mlw_strlist_push_owned(l, mlw_strdup(s));
}

void mlw_strlist_push_owned(struct mlw_strlist *l, char *s)
{
	MLW_ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	l->items[l->nr++] = s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void mlw_strlist_sort(struct mlw_strlist *l)
{
	if (l->nr)
		qsort(l->items, l->nr, sizeof(*l->items), cmp_str);
}

void mlw_strlist_release(struct mlw_strlist *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->nr = l->alloc = 0;
}

int mlw_parse_duration(double *out, const char *s)
{
	static const struct {
		const char *name;
		double seconds;
	} units[] = {
		{ "s", 1 }, { "sec", 1 }, { "second", 1 }, { "seconds", 1 },
		{ "m", 60 }, { "min", 60 }, { "minute", 60 }, { "minutes", 60 },
		{ "h", 3600 }, { "hour", 3600 }, { "hours", 3600 },
		{ "d", 86400 }, { "day", 86400 }, { "days", 86400 },
		{ "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
	};
	char unit[16];
	char *end;
	double n;
	size_t i, len;

	if (!strcmp(s, "now")) {
		*out = 0;
		return 0;
	}
	if (!strcmp(s, "never")) {
		*out = -1;
		return 0;
	}
	errno = 0;
	n = strtod(s, &end);
	if (end == s || errno || n < 0 || !isfinite(n))
		goto bad;
	if (*end == '.')
		end++;
	len = strcspn(end, ".");
	if (len >= sizeof(unit))
		goto bad;
	memcpy(unit, end, len);
	unit[len] = '\0';
	end += len;
	if (*end && strcmp(end, ".ago"))
		goto bad;
	for (i = 0; i < sizeof(units) / sizeof(*units); i++)
		if (!strcmp(unit, units[i].name)) {
			*out = n * units[i].seconds;
			return 0;
		}
bad:
	return mlw_error_setc(MLW_EINVALID,
			      "'%s' is not a duration (examples: now, 30m, 12h, 14d, 2w, 2.weeks.ago)",
			      s);
}
