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

int mlw_starts_with(const char *s, const char *prefix);
int mlw_ends_with(const char *s, const char *suffix);

/* A growable list of owned strings. */
struct mlw_strlist {
	char **items;
	size_t nr, alloc;
};
#define MLW_STRLIST_INIT { NULL, 0, 0 }
void mlw_strlist_push(struct mlw_strlist *l, const char *s);
void mlw_strlist_push_owned(struct mlw_strlist *l, char *s);
void mlw_strlist_sort(struct mlw_strlist *l);
void mlw_strlist_release(struct mlw_strlist *l);

/*
 * Split command into words (appended to out) as sh would, when it is
 * nothing but words: blanks separate them, quotes and backslashes quote.
 * Anything sh would expand or interpret (an unquoted | & ; < > ( ) $ ` *
 * ? [ ] { } or newline, a word starting with # or ~, $ or ` inside
 * double quotes, an assignment first) makes it not simple.  Returns 1
 * when it is simple and has a word, else 0 (out may hold some words).
 */
int mlw_split_simple(struct mlw_strlist *out, const char *command);

/*
 * Parse a duration for --prune and the like: "now" (0), "never" (-1),
 * "90s", "30m", "12h", "14d", "2w", or git's "2.weeks.ago" spelling.
 * Result in seconds.
 */
int mlw_parse_duration(double *out, const char *s);

#endif
