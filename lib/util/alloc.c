/*
 * alloc.c - allocation wrappers; see alloc.h.
 */
#include "util/alloc.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void die_oom(size_t n)
{
	fprintf(stderr, "mlw: fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *mlw_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die_oom(n);
	return p;
}

void *mlw_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		die_oom(mlw_st_mult(nmemb, size));
	return p;
}

void *mlw_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		die_oom(n);
	return q;
}

char *mlw_strdup(const char *s)
{
	return mlw_strndup(s, strlen(s));
}

char *mlw_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = mlw_malloc(mlw_st_add(len, 1));

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *mlw_xstrfmt(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		BUG("vsnprintf failed for '%s'", fmt);
	p = mlw_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t mlw_st_add(size_t a, size_t b)
{
	if (a > SIZE_MAX - b)
		BUG("size overflow: %zu + %zu", a, b);
	return a + b;
}

size_t mlw_st_mult(size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b)
		BUG("size overflow: %zu * %zu", a, b);
	return a * b;
}

void mlw_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mlw: BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void mlw_alloc_keep_heap(size_t mmap_threshold)
{
	static int done;

	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return;
	mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
}
