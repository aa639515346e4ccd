/*
 * name.c - the rule for names from users and specs; see name.h.
 *
 * One table says, per kind, how long a name may be and which characters
 * it may start with, hold and end with; one function applies it.  The
 * path check for artifacts is separate: their components are file names,
 * which Azure lets hold anything a file system does.
 */
#include "util/name.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <stdio.h>
#include <string.h>

struct name_rule {
	const char *what;
	size_t min, max;
	const char *first;	/* besides letters and digits */
	const char *rest;	/* besides letters and digits */
	int first_letter;	/* digits may not start it */
	int last_alnum;		/* must end with a letter or digit */
	const char *text;
};

#define AZ_RULE(what, max) \
	"a " what " name is 1 to " #max " letters, digits, '_', '-' and '.', " \
	"starting with a letter or digit"
#define IO_RULE(what) \
	"an " what " name is 1 to 255 letters, digits, '_', '-' and '.', " \
	"starting with a letter, digit or '_'"
#define HOST_RULE(art, what) \
	art " " what " name is 3 to 32 letters, digits and '-', " \
	"starting with a letter and ending with a letter or digit"

static const struct name_rule rules[MLW_NAME_NR_KINDS] = {
	[MLW_NAME_JOB] = { "job", 1, 255, "", "_-.", 0, 0,
			   AZ_RULE("job", 255) },
	[MLW_NAME_EXPERIMENT] = { "experiment", 1, 255, "", "_-.", 0, 0,
				  "an experiment name is 1 to 255 letters, "
				  "digits, '_', '-' and '.', starting with a "
				  "letter or digit" },
	[MLW_NAME_INPUT] = { "input", 1, 255, "_", "_-.", 0, 0,
			     IO_RULE("input") },
	[MLW_NAME_OUTPUT] = { "output", 1, 255, "_", "_-.", 0, 0,
			      IO_RULE("output") },
	[MLW_NAME_ASSET] = { "asset", 1, 255, "", "_-.", 0, 0,
			     "an asset name is 1 to 255 letters, digits, '_', "
			     "'-' and '.', starting with a letter or digit" },
	[MLW_NAME_VERSION] = { "version", 1, 64, "", "_-.", 0, 0,
			       AZ_RULE("version", 64) },
	[MLW_NAME_COMPONENT] = { "component", 1, 255, "", "_-.", 0, 0,
				 AZ_RULE("component", 255) },
	[MLW_NAME_ENDPOINT] = { "endpoint", 3, 32, "", "-", 1, 1,
				HOST_RULE("an", "endpoint") },
	[MLW_NAME_DEPLOYMENT] = { "deployment", 3, 32, "", "-", 1, 1,
				  HOST_RULE("a", "deployment") },
	[MLW_NAME_COMPUTE] = { "compute", 2, 24, "", "-", 1, 1,
			       "a compute name is 2 to 24 letters, digits and "
			       "'-', starting with a letter and ending with a "
			       "letter or digit" },
	[MLW_NAME_STEP] = { "step", 1, 255, "_", "_-.", 0, 0,
			    "a step name is 1 to 255 letters, digits, '_', "
			    "'-' and '.', starting with a letter, digit or "
			    "'_'" },
};

static const struct name_rule *rule_of(enum mlw_name_kind kind)
{
	if ((unsigned)kind >= MLW_NAME_NR_KINDS)
		BUG("unknown name kind %d", (int)kind);
	return &rules[kind];
}

static int is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(char c)
{
	return is_letter(c) || (c >= '0' && c <= '9');
}

int mlw_name_ok(enum mlw_name_kind kind, const char *name)
{
	const struct name_rule *r = rule_of(kind);
	size_t n = name ? strlen(name) : 0, i;

	if (n < r->min || n > r->max)
		return 0;
	if (r->first_letter ? !is_letter(name[0]) :
	    !is_alnum(name[0]) && !strchr(r->first, name[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!is_alnum(name[i]) && !strchr(r->rest, name[i]))
			return 0;
	return !r->last_alnum || is_alnum(name[n - 1]);
}

/* s for a message: control bytes as \xNN, at most about 80 bytes */
static void add_quoted(struct mlw_buf *b, const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 80) {
			mlw_buf_adds(b, "...");
			break;
		}
		if (c < 0x20 || c == 0x7f)
			mlw_buf_addf(b, "\\x%02x", c);
		else
			mlw_buf_addch(b, (char)c);
	}
}

static int invalid(const char *what, const char *name, const char *why)
{
	struct mlw_buf b = MLW_BUF_INIT;
	int ret;

	mlw_buf_addf(&b, "%s '", what);
	add_quoted(&b, name);
	mlw_buf_addf(&b, "' is not valid: %s", why);
	ret = mlw_error_setc(MLW_EINVALID, "%s", b.buf);
	mlw_buf_release(&b);
	return ret;
}

int mlw_name_check(enum mlw_name_kind kind, const char *name)
{
	const struct name_rule *r = rule_of(kind);
	char what[32];

	if (mlw_name_ok(kind, name))
		return 0;
	snprintf(what, sizeof(what), "%s name", r->what);
	return invalid(what, name ? name : "", r->text);
}

const char *mlw_name_what(enum mlw_name_kind kind)
{
	return rule_of(kind)->what;
}

const char *mlw_name_rule(enum mlw_name_kind kind)
{
	return rule_of(kind)->text;
}

int mlw_name_check_path(const char *what, const char *path)
{
	const char *p = path, *slash;
	size_t i;

	if (!*path || strlen(path) > 1024)
		return invalid(what, path, "it must be 1 to 1024 bytes long");
	for (i = 0; path[i]; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			return invalid(what, path, "it holds a control "
				       "character");
	if (*path == '/')
		return invalid(what, path, "it must be a relative path");
	for (;;) {
		size_t len;

		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (!len)
			return invalid(what, path, "it has an empty component "
				       "('//' or a trailing '/')");
		if ((len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return invalid(what, path, "'.' and '..' may not be "
				       "components of it");
		if (len > 255)
			return invalid(what, path, "a component is longer "
				       "than 255 bytes");
		if (!slash)
			return 0;
		p = slash + 1;
	}
}
