/*
 * error.c - per-thread last-error message; see error.h.
 */
#include "util/error.h"
#include "util/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_msg[2048];
static _Thread_local int last_code;

static void vset(int code, const char *fmt, va_list ap)
{
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	last_code = code;
}

int mlw_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(MLW_ERROR, fmt, ap);
	va_end(ap);
	return MLW_ERROR;
}

int mlw_error_setc(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(code, fmt, ap);
	va_end(ap);
	return code;
}

int mlw_error_errno(const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vset(MLW_ERROR, fmt, ap);
	va_end(ap);
	len = strlen(last_msg);
	snprintf(last_msg + len, sizeof(last_msg) - len, ": %s",
		 strerror(saved));
	errno = saved;
	return MLW_ERROR;
}

void mlw_error_prefix(const char *fmt, ...)
{
	char prefix[512];
	size_t n, len = strlen(last_msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	n = strlen(prefix) + 2;
	if (len + n + 1 > sizeof(last_msg))
		len = sizeof(last_msg) - n - 1;
	memmove(last_msg + n, last_msg, len);
	last_msg[n + len] = '\0';
	memcpy(last_msg, prefix, n - 2);
	memcpy(last_msg + n - 2, ": ", 2);
}

int mlw_error_recode(int code)
{
	last_code = code;
	return code;
}

const char *mlw_error_last(void)
{
	return last_msg;
}

int mlw_error_last_code(void)
{
	return last_code;
}

void mlw_error_clear(void)
{
	last_msg[0] = '\0';
	last_code = 0;
}

int mlw_error_exit_code(int code)
{
	switch (code) {
	case MLW_OK:
		return 0;
	case MLW_EINVALID:
	case MLW_EAMBIGUOUS:
	case MLW_EEXISTS:
		return 2;
	case MLW_ENOTFOUND:
		return 3;
	case MLW_EINTERRUPTED:
		return 130;
	case MLW_ENUMERIC:
		return 1;
	default:
		return 128;
	}
}

void mlw_error_escape(struct mlw_buf *b, const char *msg)
{
	const unsigned char *p = (const unsigned char *)msg;

	for (; *p; p++) {
		if (*p == '\n')
			mlw_buf_adds(b, "\\n");
		else if (*p == '\t')
			mlw_buf_adds(b, "\\t");
		else if (*p == '\r')
			mlw_buf_adds(b, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			mlw_buf_addf(b, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			/* U+0080..U+009F: C1 controls (CSI is one) */
			mlw_buf_addf(b, "\\u%04x", *++p);
		else
			mlw_buf_addch(b, *p);
	}
}
