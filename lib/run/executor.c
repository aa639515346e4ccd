/*
 * executor.c - the executor interface: dispatch to an implementation,
 * and the word splitting that tells a built-in command; see executor.h.
 * The implementations are exec-process.c (sh and the forked built-in)
 * and exec-thread.c.
 */
#include "run/executor.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <string.h>

int mlw_exec_accepts(const struct mlw_executor *ex,
		     const struct mlw_exec_request *req)
{
	return !ex->ops->accepts || ex->ops->accepts(ex, req);
}

int mlw_exec_start(struct mlw_exec *out, const struct mlw_executor *ex,
		   const struct mlw_exec_request *req)
{
	memset(out, 0, sizeof(*out));
	out->executor = ex;
	return ex->ops->start(out, ex, req);
}

int mlw_exec_wait(struct mlw_exec *e, int timeout_ms,
		  struct mlw_exec_status *st)
{
	return e->executor->ops->wait(e, timeout_ms, st);
}

int mlw_exec_stop(struct mlw_exec *e, enum mlw_exec_stop how)
{
	return e->executor->ops->stop(e, how);
}

void mlw_exec_release(struct mlw_exec *e)
{
	if (e->executor)
		e->executor->ops->release(e);
	memset(e, 0, sizeof(*e));
}

/* a double-quoted string from s (after the quote) into w; end or NULL */
static const char *double_quoted(struct mlw_buf *w, const char *s)
{
	for (; *s && *s != '"'; s++) {
		if (*s == '$' || *s == '`')
			return NULL;
		if (*s == '\\' && s[1] && strchr("\"\\", s[1]))
			s++;
		else if (*s == '\\')
			return NULL;	/* \$, \` and \newline */
		mlw_buf_addch(w, *s);
	}
	return *s ? s + 1 : NULL;
}

int mlw_exec_split(struct mlw_strlist *out, const char *s)
{
	struct mlw_buf w = MLW_BUF_INIT;
	int in_word = 0, ok = 1;

	while (ok) {
		char c = *s;

		if (!c || c == ' ' || c == '\t') {
			if (in_word)
				mlw_strlist_push(out, w.buf);
			mlw_buf_reset(&w);
			in_word = 0;
			if (!c)
				break;
			s++;
		} else if (c == '\'') {
			const char *e = strchr(s + 1, '\'');

			if (!e) {
				ok = 0;
				break;
			}
			mlw_buf_add(&w, s + 1, (size_t)(e - s - 1));
			s = e + 1;
			in_word = 1;
		} else if (c == '"') {
			s = double_quoted(&w, s + 1);
			ok = s != NULL;
			in_word = 1;
		} else if (c == '\\') {
			if (!s[1] || s[1] == '\n') {
				ok = 0;
				break;
			}
			mlw_buf_addch(&w, s[1]);
			s += 2;
			in_word = 1;
		} else if (strchr("|&;<>()$`*?[]{}\n\r", c) ||
			   (!in_word && (c == '#' || c == '~')) ||
			   (c == '=' && !out->nr)) {
			ok = 0;
		} else {
			mlw_buf_addch(&w, c);
			s++;
			in_word = 1;
		}
	}
	mlw_buf_release(&w);
	return ok && out->nr;
}
