/*
 * buf.c - growable byte buffers; see buf.h.
 */
#include "util/buf.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

char mlw_buf_empty[1];

void mlw_buf_init(struct mlw_buf *b, size_t hint)
{
	b->alloc = 0;
	b->len = 0;
	b->buf = mlw_buf_empty;
	if (hint)
		mlw_buf_grow(b, hint);
}

void mlw_buf_release(struct mlw_buf *b)
{
	if (b->alloc)
		free(b->buf);
	mlw_buf_init(b, 0);
}

char *mlw_buf_detach(struct mlw_buf *b, size_t *len)
{
	char *p;

	if (!b->alloc)
		mlw_buf_grow(b, 0);
	p = b->buf;
	if (len)
		*len = b->len;
	mlw_buf_init(b, 0);
	return p;
}

void mlw_buf_grow(struct mlw_buf *b, size_t extra)
{
	size_t want = mlw_st_add(mlw_st_add(b->len, extra), 1);
	int fresh = !b->alloc;

	if (want <= b->alloc)
		return;
	if (fresh)
		b->buf = NULL;
	MLW_ALLOC_GROW(b->buf, want, b->alloc);
	if (fresh)
		b->buf[0] = '\0';
}

void mlw_buf_setlen(struct mlw_buf *b, size_t len)
{
	if (len > (b->alloc ? b->alloc - 1 : 0))
		BUG("mlw_buf_setlen beyond allocation");
	b->len = len;
	if (b->alloc)
		b->buf[len] = '\0';
}

void mlw_buf_vaddf(struct mlw_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc ? b->alloc - b->len : 0,
		      fmt, cp);
	va_end(cp);
	if (n < 0)
		BUG("vsnprintf failed");
	if ((size_t)n >= (b->alloc ? b->alloc - b->len : 0)) {
		mlw_buf_grow(b, (size_t)n);
		n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	}
	mlw_buf_setlen(b, b->len + (size_t)n);
}

void mlw_buf_addf(struct mlw_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mlw_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void mlw_buf_rtrim(struct mlw_buf *b)
{
	while (b->len && (b->buf[b->len - 1] == ' ' ||
			  b->buf[b->len - 1] == '\t' ||
			  b->buf[b->len - 1] == '\n' ||
			  b->buf[b->len - 1] == '\r'))
		b->len--;
	mlw_buf_setlen(b, b->len);
}

int mlw_buf_read_fd(struct mlw_buf *b, int fd, size_t max)
{
	for (;;) {
		ssize_t n;

		if (b->alloc - b->len < 2)
			mlw_buf_grow(b, 65536);
		n = read(fd, b->buf + b->len, b->alloc - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return mlw_error_errno("read error");
		}
		if (!n)
			break;
		mlw_buf_setlen(b, b->len + (size_t)n);
		if (b->len > max)
			return mlw_error_setc(MLW_EINVALID,
					      "input larger than %zu bytes",
					      max);
	}
	return 0;
}

int mlw_buf_read_file(struct mlw_buf *b, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int ret;

	if (fd < 0) {
		int code = errno == ENOENT ? MLW_ENOTFOUND : MLW_ERROR;

		mlw_error_errno("cannot open '%s'", path);
		return mlw_error_recode(code);
	}
	/* a small file gets a buffer its size, not 64 KiB of fresh pages */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) &&
	    st.st_size >= 0 && (unsigned long long)st.st_size < max)
		mlw_buf_grow(b, (size_t)st.st_size + 1);
	ret = mlw_buf_read_fd(b, fd, max);
	close(fd);
	if (ret < 0)
		mlw_error_prefix("'%s'", path);
	return ret;
}
