/*
 * config.c - read workspace settings in git-config syntax; see config.h.
 */
#include "util/config.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_CONFIG (1u << 20)

static int bad(const char *path, int line, const char *what)
{
	return mlw_error_setc(MLW_EINVALID, "%s:%d: %s", path, line, what);
}

static int is_name_char(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* parse "[section]" or [section "sub"] at p into name ("section.sub") */
static int parse_section(struct mlw_buf *name, const char *p,
			 const char *path, int line)
{
	mlw_buf_reset(name);
	for (p++; is_name_char((unsigned char)*p) || *p == '.'; p++)
		mlw_buf_addch(name, tolower((unsigned char)*p));
	if (!name->len)
		return bad(path, line, "empty section name");
	if (*p == ' ' || *p == '\t') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '"')
			return bad(path, line, "bad section header");
		mlw_buf_addch(name, '.');
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			mlw_buf_addch(name, *p);
		}
		if (*p != '"')
			return bad(path, line, "unterminated subsection name");
		p++;
	}
	if (*p != ']')
		return bad(path, line, "bad section header");
	for (p++; *p == ' ' || *p == '\t'; p++)
		;
	if (*p && *p != '#' && *p != ';')
		return bad(path, line, "text after the section header");
	return 0;
}

/* the value after '=': quotes joined, escapes resolved, comments cut */
static int parse_value(struct mlw_buf *out, const char *p, const char *path,
		       int line)
{
	int quoted = 0;
	size_t keep = 0;	/* length without trailing unquoted blanks */

	mlw_buf_reset(out);
	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p; p++) {
		if (!quoted && (*p == '#' || *p == ';'))
			break;
		if (*p == '"') {
			quoted = !quoted;
			keep = out->len;
			continue;
		}
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'n': mlw_buf_addch(out, '\n'); break;
			case 't': mlw_buf_addch(out, '\t'); break;
			case '"': case '\\': mlw_buf_addch(out, *p); break;
			default:
				return bad(path, line, "bad escape in value");
			}
			keep = out->len;
			continue;
		}
		mlw_buf_addch(out, *p);
		if (quoted || (*p != ' ' && *p != '\t'))
			keep = out->len;
	}
	if (quoted)
		return bad(path, line, "unterminated quote in value");
	mlw_buf_setlen(out, keep);
	return 0;
}

int mlw_config_get(char **out, const char *path, const char *key)
{
	struct mlw_buf text = MLW_BUF_INIT, section = MLW_BUF_INIT;
	struct mlw_buf full = MLW_BUF_INIT, value = MLW_BUF_INIT;
	char *line, *next, *found = NULL;
	const char *dot;
	int lineno = 0, ret = 0;

	*out = NULL;
	ret = mlw_buf_read_file(&text, path, MAX_CONFIG);
	if (ret == MLW_ENOTFOUND) {
		mlw_error_clear();
		ret = 0;
	}
	if (ret)
		goto done;
	dot = strrchr(key, '.');
	for (line = text.buf; line && *line; line = next) {
		char *p = line, *eq;
		size_t n;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		n = strlen(p);
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' ||
			     p[n - 1] == '\t'))
			p[--n] = '\0';
		if (!*p || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			ret = parse_section(&section, p, path, lineno);
			if (ret)
				goto done;
			continue;
		}
		if (!section.len) {
			ret = bad(path, lineno, "a setting before any [section]");
			goto done;
		}
		eq = p;
		while (is_name_char((unsigned char)*eq))
			eq++;
		if (eq == p || !isalpha((unsigned char)*p)) {
			ret = bad(path, lineno, "bad setting name");
			goto done;
		}
		mlw_buf_reset(&full);
		mlw_buf_add(&full, section.buf, section.len);
		mlw_buf_addch(&full, '.');
		mlw_buf_add(&full, p, (size_t)(eq - p));
		while (*eq == ' ' || *eq == '\t')
			eq++;
		if (!*eq || *eq == '#' || *eq == ';') {
			mlw_buf_reset(&value);
			mlw_buf_adds(&value, "true");
		} else if (*eq != '=') {
			ret = bad(path, lineno, "'=' expected after the name");
			goto done;
		} else {
			ret = parse_value(&value, eq + 1, path, lineno);
			if (ret)
				goto done;
		}
		/* section and name case-insensitive, subsection exact */
		if (dot && full.len == strlen(key)) {
			size_t sec = strcspn(key, ".");
			size_t name_at = (size_t)(dot - key) + 1;

			if (!strncasecmp(full.buf, key, sec) &&
			    !strncmp(full.buf + sec, key + sec, name_at - sec) &&
			    !strcasecmp(full.buf + name_at, key + name_at)) {
				free(found);
				found = mlw_strdup(value.buf);
			}
		}
	}
	if (found) {
		*out = found;
		found = NULL;
		ret = 1;
	}
done:
	free(found);
	mlw_buf_release(&text);
	mlw_buf_release(&section);
	mlw_buf_release(&full);
	mlw_buf_release(&value);
	return ret;
}

int mlw_config_bool(const char *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -1;
}
