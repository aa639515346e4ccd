/*
 * params.c - reading and writing the primitives of params.bin (params.h).
 */
#include "ml/params.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

void mlw_params_put_u32(struct mlw_buf *b, uint32_t v)
{
	unsigned char c[4];
	int i;

	for (i = 0; i < 4; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	mlw_buf_add(b, c, 4);
}

void mlw_params_put_u64(struct mlw_buf *b, uint64_t v)
{
	unsigned char c[8];
	int i;

	for (i = 0; i < 8; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	mlw_buf_add(b, c, 8);
}

void mlw_params_put_f64(struct mlw_buf *b, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	mlw_params_put_u64(b, v);
}

void mlw_params_put_f64s(struct mlw_buf *b, const double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mlw_params_put_f64(b, v[i]);
}

void mlw_params_put_str(struct mlw_buf *b, const char *s)
{
	mlw_params_put_u32(b, (uint32_t)strlen(s));
	mlw_buf_adds(b, s);
}

void mlw_params_reader_init(struct mlw_params_reader *r, const char *path,
			    const void *data, size_t len)
{
	r->p = data;
	r->end = r->p + len;
	r->path = path;
	r->bad = 0;
}

int mlw_params_fail(struct mlw_params_reader *r, const char *field,
		    const char *fmt, ...)
{
	struct mlw_buf b = MLW_BUF_INIT;
	va_list ap;

	if (r->bad)
		return MLW_EINVALID;
	r->bad = 1;
	va_start(ap, fmt);
	mlw_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	mlw_error_setc(MLW_EINVALID, "'%s' is damaged: field '%s': %s",
		       r->path, field, b.buf ? b.buf : "");
	mlw_buf_release(&b);
	return MLW_EINVALID;
}

static size_t left(const struct mlw_params_reader *r)
{
	return (size_t)(r->end - r->p);
}

static uint64_t get_u(struct mlw_params_reader *r, size_t size,
		      const char *field)
{
	uint64_t v = 0;
	size_t i;

	if (r->bad)
		return 0;
	if (left(r) < size) {
		mlw_params_fail(r, field, "the file ends %zu bytes into it",
				left(r));
		return 0;
	}
	for (i = 0; i < size; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += size;
	return v;
}

uint32_t mlw_params_u32(struct mlw_params_reader *r, const char *field)
{
	return (uint32_t)get_u(r, 4, field);
}

uint64_t mlw_params_u64(struct mlw_params_reader *r, const char *field)
{
	return get_u(r, 8, field);
}

double mlw_params_f64(struct mlw_params_reader *r, const char *field)
{
	uint64_t v = get_u(r, 8, field);
	double d;

	memcpy(&d, &v, 8);
	return d;
}

char *mlw_params_str(struct mlw_params_reader *r, const char *field)
{
	uint64_t len = get_u(r, 4, field);
	char *s;

	if (r->bad)
		return mlw_strdup("");
	if (len > left(r)) {
		mlw_params_fail(r, field,
				"a string of %llu bytes, %zu bytes left",
				(unsigned long long)len, left(r));
		return mlw_strdup("");
	}
	if (memchr(r->p, 0, (size_t)len)) {
		mlw_params_fail(r, field, "a string with a NUL byte");
		return mlw_strdup("");
	}
	s = mlw_strndup((const char *)r->p, (size_t)len);
	r->p += len;
	return s;
}

size_t mlw_params_count(struct mlw_params_reader *r, size_t item_size,
			const char *field)
{
	uint64_t n = get_u(r, 8, field);

	if (r->bad)
		return 0;
	if (n > left(r) / item_size) {
		mlw_params_fail(r, field,
				"a count of %llu, more than the %zu bytes left can hold",
				(unsigned long long)n, left(r));
		return 0;
	}
	return (size_t)n;
}

double *mlw_params_f64s(struct mlw_params_reader *r, size_t n,
			const char *field)
{
	double *v;
	size_t i;

	if (!r->bad && n > left(r) / 8)
		mlw_params_fail(r, field, "%zu values, %zu bytes left", n,
				left(r));
	if (r->bad)
		return mlw_calloc(1, sizeof(double));
	v = mlw_calloc(n + 1, sizeof(double));
	for (i = 0; i < n; i++)
		v[i] = mlw_params_f64(r, field);
	return v;
}

double *mlw_params_matrix(struct mlw_params_reader *r, size_t a, size_t b,
			  const char *field)
{
	if (!r->bad && b && a > left(r) / 8 / b)
		mlw_params_fail(r, field, "%zu x %zu values, %zu bytes left",
				a, b, left(r));
	if (r->bad)
		return mlw_calloc(1, sizeof(double));
	return mlw_params_f64s(r, a * b, field);
}

int mlw_params_index_ok(double d, size_t limit)
{
	return d >= 0 && d < (double)limit && d == floor(d);
}
