/*
 * error.h - error codes and the per-thread last-error message.
 *
 * Library functions return 0 on success and a negative code on failure,
 * after recording a human-readable message with mlw_error_set() (or one of
 * its variants).  Callers that cannot handle an error pass the code up
 * unchanged; only cmd/ prints the message and maps the code to an exit
 * status (see mlw_error_exit_code()).  Messages are lower-case without a
 * final period and quote their subject: "cannot open 'x.csv': No such file".
 */
#ifndef MLW_UTIL_ERROR_H
#define MLW_UTIL_ERROR_H

enum mlw_error_code {
	MLW_OK = 0,
	MLW_ERROR = -1,		/* generic failure (I/O and the like) */
	MLW_EINVALID = -2,	/* bad input from the user: usage, spec */
	MLW_ENOTFOUND = -3,	/* a named thing does not exist */
	MLW_EEXISTS = -4,	/* it exists and may not be replaced */
	MLW_ELOCKED = -5,	/* someone else holds the lock */
	MLW_ECORRUPT = -6,	/* the store is damaged */
	MLW_ENUMERIC = -7,	/* a numerical method cannot proceed */
	MLW_EAMBIGUOUS = -8,	/* a short name matches several things */
	MLW_EINTERRUPTED = -9	/* a signal asked us to stop */
};

/* Record a message for code MLW_ERROR; returns MLW_ERROR. */
int mlw_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record a message for a specific code; returns code. */
int mlw_error_setc(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As mlw_error_set(), appending ": strerror(errno)". */
int mlw_error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Keep the current message but change its code; returns code. */
int mlw_error_recode(int code);
/* Prefix the current message with "PREFIX: " (context from a caller). */
void mlw_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last message of this thread ("" when none); borrowed. */
const char *mlw_error_last(void);
/* The code that went with the last message. */
int mlw_error_last_code(void);
/* Forget this thread's message: an error handled is no longer news. */
void mlw_error_clear(void);

/*
 * Append msg to b with its control characters escaped ("\n", "\t",
 * "\r", "\xHH"; C1 controls as "\u0080"), for printing messages that
 * quote what a user or a file wrote: a name holding a newline or an
 * escape sequence cannot forge a line or drive the terminal.
 */
struct mlw_buf;
void mlw_error_escape(struct mlw_buf *b, const char *msg);

/* DESIGN §5: map a library code to the process exit status. */
int mlw_error_exit_code(int code);

#endif
