/*
 * strutil.h - small string helpers: checked number parsing, edit distance
 * for "did you mean" hints, and string lists.
 */
#ifndef MLW_UTIL_STRUTIL_H
#define MLW_UTIL_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

struct mlw_buf;

/* Parse all of s as a base-10 integer; 0 or MLW_EINVALID (message set). */
int mlw_parse_i64(int64_t *out, const char *s, const char *what);
/* Parse all of s as a double (strtod syntax); 0 or MLW_EINVALID. */
int mlw_parse_double(double *out, const char *s, const char *what);

/* Damerau-Levenshtein distance (adjacent transpositions count 1). */
size_t mlw_edit_distance(const char *a, const char *b);

/*
 * The candidate closest to word, or NULL when none is close enough to be a
 * plausible typo.  candidates is NULL-terminated; the result is borrowed.
 */
const char *mlw_suggest(const char *word, const char *const *candidates);

/* 1 when s begins (ends) with prefix (suffix), else 0 */
int mlw_starts_with(const char *s, const char *prefix);
int mlw_ends_with(const char *s, const char *suffix);

/*
 * A growable list of strings the list owns, embedded by its user
 * (MLW_STRLIST_INIT) and emptied with mlw_strlist_release().
 */
struct mlw_strlist {
	char **items;
	size_t nr, alloc;
};
#define MLW_STRLIST_INIT { NULL, 0, 0 }
/* Append a copy of s. */
void mlw_strlist_push(struct mlw_strlist *l, const char *s);
/* Append s itself (an allocation the list now owns and frees). */
void mlw_strlist_push_owned(struct mlw_strlist *l, char *s);
/* Sort by strcmp(). */
void mlw_strlist_sort(struct mlw_strlist *l);
/* Free every string and the array; l is empty afterwards. */
void mlw_strlist_release(struct mlw_strlist *l);

/*
 * Parse a duration for --prune and the like: "now" (0), "never" (-1),
 * "90s", "30m", "12h", "14d", "2w", or git's "2.weeks.ago" spelling.
 * Result in seconds; 0 or MLW_EINVALID.
 */
int mlw_parse_duration(double *out, const char *s);

#endif
