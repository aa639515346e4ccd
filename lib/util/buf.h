/*
 * buf.h - growable byte buffers, always NUL-terminated (git's strbuf).
 *
 * A struct mlw_buf is initialised with MLW_BUF_INIT or mlw_buf_init() and
 * released with mlw_buf_release(), which leaves it ready for reuse.  buf
 * always points to valid memory holding len bytes plus a NUL, so it can be
 * handed to functions expecting a C string.  mlw_buf_detach() hands the
 * memory to the caller.
 */
#ifndef MLW_UTIL_BUF_H
#define MLW_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct mlw_buf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char mlw_buf_empty[];
#define MLW_BUF_INIT { 0, 0, mlw_buf_empty }

void mlw_buf_init(struct mlw_buf *b, size_t hint);
void mlw_buf_release(struct mlw_buf *b);
char *mlw_buf_detach(struct mlw_buf *b, size_t *len);
void mlw_buf_grow(struct mlw_buf *b, size_t extra);
void mlw_buf_setlen(struct mlw_buf *b, size_t len);
#define mlw_buf_reset(b) mlw_buf_setlen((b), 0)

void mlw_buf_add(struct mlw_buf *b, const void *data, size_t len);
void mlw_buf_adds(struct mlw_buf *b, const char *s);
void mlw_buf_addch(struct mlw_buf *b, int c);
void mlw_buf_addf(struct mlw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mlw_buf_vaddf(struct mlw_buf *b, const char *fmt, va_list ap);
void mlw_buf_rtrim(struct mlw_buf *b);

/*
 * Read all of fd into b, failing with MLW_EINVALID when more than max bytes
 * arrive (a cap for untrusted input).  Returns 0 or a negative code.
 */
int mlw_buf_read_fd(struct mlw_buf *b, int fd, size_t max);
int mlw_buf_read_file(struct mlw_buf *b, const char *path, size_t max);

#endif
