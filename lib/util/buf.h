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
#include <string.h>

struct mlw_buf {
	size_t alloc;
	size_t len;
	char *buf;
};

/* what an unallocated buffer points at; never written */
extern char mlw_buf_empty[];
#define MLW_BUF_INIT { 0, 0, mlw_buf_empty }

/* An empty buffer with room for hint bytes (0: allocates nothing yet). */
void mlw_buf_init(struct mlw_buf *b, size_t hint);
/* Free b's memory; b is empty and ready for reuse. */
void mlw_buf_release(struct mlw_buf *b);
/*
 * Hand b's memory to the caller, who frees it with free(): always a
 * NUL-terminated allocation, "" for an empty buffer.  *len (when len is
 * not NULL) gets its length.  b is left empty and reusable.
 */
char *mlw_buf_detach(struct mlw_buf *b, size_t *len);
/* Make room for extra more bytes (and the NUL) without changing len. */
void mlw_buf_grow(struct mlw_buf *b, size_t extra);
/* Set the length to len, within what is allocated (BUG() beyond it). */
void mlw_buf_setlen(struct mlw_buf *b, size_t len);
#define mlw_buf_reset(b) mlw_buf_setlen((b), 0)

/*
 * The appends below are inline, as git's strbuf_addch() is: a request's
 * answer and its log line are built of dozens of them, and a call a
 * byte, each checking for overflow, showed in the server's profile.
 * Only growing leaves the line.
 */

/* Append len bytes of data (which may hold NULs). */
static inline void mlw_buf_add(struct mlw_buf *b, const void *data,
			       size_t len)
{
	/* len + 1 > alloc - b->len, without overflow (alloc 0: len 0) */
	if (len >= b->alloc - b->len)
		mlw_buf_grow(b, len);
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

/* Append the string s. */
static inline void mlw_buf_adds(struct mlw_buf *b, const char *s)
{
	mlw_buf_add(b, s, strlen(s));
}

/* Append one byte. */
static inline void mlw_buf_addch(struct mlw_buf *b, int c)
{
	if (b->alloc - b->len < 2)
		mlw_buf_grow(b, 1);
	b->buf[b->len++] = (char)c;
	b->buf[b->len] = '\0';
}
/* Append printf-formatted text. */
void mlw_buf_addf(struct mlw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mlw_buf_vaddf(struct mlw_buf *b, const char *fmt, va_list ap);
/* Drop trailing spaces, tabs and line ends. */
void mlw_buf_rtrim(struct mlw_buf *b);

/*
 * Append all of fd to b, failing with MLW_EINVALID when more than max
 * bytes arrive (a cap for untrusted input), MLW_ERROR on a read error.
 * On failure b holds what was read so far; the caller releases it.
 * Returns 0 or the negative code.
 */
int mlw_buf_read_fd(struct mlw_buf *b, int fd, size_t max);
/*
 * The same for the file at path: MLW_ENOTFOUND when it does not exist;
 * messages name path.
 */
int mlw_buf_read_file(struct mlw_buf *b, const char *path, size_t max);

#endif
