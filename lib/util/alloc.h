/*
 * alloc.h - allocation wrappers that never return NULL.
 *
 * Out-of-memory and size overflow are not recoverable in a command-line
 * tool: the wrappers print a message and abort, so callers never test for
 * NULL.  Sizes computed from untrusted input go through mlw_st_mult() and
 * mlw_st_add(), which abort on overflow instead of wrapping.
 */
#ifndef MLW_UTIL_ALLOC_H
#define MLW_UTIL_ALLOC_H

#include <stddef.h>

void *mlw_malloc(size_t n);
void *mlw_calloc(size_t nmemb, size_t size);
void *mlw_realloc(void *p, size_t n);
char *mlw_strdup(const char *s);
char *mlw_strndup(const char *s, size_t n);
/* printf into a fresh allocation; the caller frees */
char *mlw_xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

size_t mlw_st_add(size_t a, size_t b);
size_t mlw_st_mult(size_t a, size_t b);

/* grow (p, alloc) to hold at least nr items of sizeof(*p) */
#define MLW_ALLOC_GROW(p, nr, alloc) do { \
	if ((size_t)(nr) > (size_t)(alloc)) { \
		size_t mlw_ag_n = (alloc) ? (size_t)(alloc) * 2 : 16; \
		if (mlw_ag_n < (size_t)(nr)) \
			mlw_ag_n = (nr); \
		(p) = mlw_realloc((p), mlw_st_mult(mlw_ag_n, sizeof(*(p)))); \
		(alloc) = mlw_ag_n; \
	} \
} while (0)

/* abort with file and line: for states that are programming errors */
#define BUG(...) mlw_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void mlw_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
