/*
 * json.c - JSON text with shortest numbers; see json.h.
 *
 * jansson has no hook for the formatting of reals, so the writer is ours:
 * a recursive walk of a value that is at most as deep as the documents we
 * build (the output layer caps nesting at 32, YAML specs at 64).
 */
#include "util/json.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/number.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define C_KEY "\033[34;1m"
#define C_STR "\033[32m"
#define C_NUM "\033[36m"
#define C_LIT "\033[35m"
#define C_OFF "\033[0m"

void mlw_json_real_text(struct mlw_buf *b, double v)
{
	char num[32];
	size_t len = mlw_fmt_double(num, v);

	mlw_buf_add(b, num, len);
	/* "1" would read back as an integer: say it is a real */
	if (!strpbrk(num, ".eEnN"))
		mlw_buf_adds(b, ".0");
}

/* the length of the valid UTF-8 sequence at s (1..4), or 0 */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n > avail)
		return 0;
	cp = c & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

size_t mlw_json_utf8_prefix(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_len(p + i, len - i);
		if (!n)
			break;
		i += n;
	}
	return i;
}

void mlw_json_add_string(struct mlw_buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len, *run = p;

	mlw_buf_grow(out, len + 2);
	mlw_buf_addch(out, '"');
	while (p < end) {
		unsigned c = *p;
		size_t n;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0x80) {
			n = utf8_len(p, (size_t)(end - p));
			if (n) {
				p += n;
				continue;
			}
		}
		mlw_buf_add(out, run, (size_t)(p - run));
		switch (c) {
		case '"':
			mlw_buf_adds(out, "\\\"");
			break;
		case '\\':
			mlw_buf_adds(out, "\\\\");
			break;
		case '\n':
			mlw_buf_adds(out, "\\n");
			break;
		case '\r':
			mlw_buf_adds(out, "\\r");
			break;
		case '\t':
			mlw_buf_adds(out, "\\t");
			break;
		default:
			if (c < 0x20)
				mlw_buf_addf(out, "\\u%04x", c);
			else
				mlw_buf_adds(out, "\\ufffd");
			break;
		}
		run = ++p;
	}
	mlw_buf_add(out, run, (size_t)(p - run));
	mlw_buf_addch(out, '"');
}

void mlw_json_add_number(struct mlw_buf *out, double v)
{
	mlw_buf_grow(out, 32);
	out->len += mlw_fmt_double(out->buf + out->len, v);
}

static void colored(struct mlw_buf *b, unsigned flags, const char *color)
{
	if (flags & MLW_JSON_COLOR)
		mlw_buf_adds(b, color);
}

static void newline(struct mlw_buf *b, unsigned flags, int depth)
{
	if (flags & MLW_JSON_INDENT)
		mlw_buf_addf(b, "\n%*s", depth * 2, "");
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void write_value(struct mlw_buf *b, json_t *v, unsigned flags,
			int depth);

static void write_object(struct mlw_buf *b, json_t *v, unsigned flags,
			 int depth)
{
	size_t n = json_object_size(v), i = 0;
	const char **keys;
	const char *key;
	json_t *x;

	if (!n) {
		mlw_buf_adds(b, "{}");
		return;
	}
	keys = mlw_calloc(n, sizeof(*keys));
	json_object_foreach(v, key, x)
		keys[i++] = key;
	if (flags & MLW_JSON_SORT_KEYS)
		qsort(keys, n, sizeof(*keys), cmp_keys);
	mlw_buf_addch(b, '{');
	for (i = 0; i < n; i++) {
		if (i)
			mlw_buf_addch(b, ',');
		newline(b, flags, depth + 1);
		colored(b, flags, C_KEY);
		mlw_json_add_string(b, keys[i], strlen(keys[i]));
		colored(b, flags, C_OFF);
		mlw_buf_adds(b, flags & MLW_JSON_INDENT ? ": " : ":");
		write_value(b, json_object_get(v, keys[i]), flags, depth + 1);
	}
	newline(b, flags, depth);
	mlw_buf_addch(b, '}');
	free(keys);
}

static void write_value(struct mlw_buf *b, json_t *v, unsigned flags,
			int depth)
{
	size_t i;
	json_t *x;

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		write_object(b, v, flags, depth);
		break;
	case JSON_ARRAY:
		if (!json_array_size(v)) {
			mlw_buf_adds(b, "[]");
			break;
		}
		mlw_buf_addch(b, '[');
		json_array_foreach(v, i, x) {
			if (i)
				mlw_buf_addch(b, ',');
			newline(b, flags, depth + 1);
			write_value(b, x, flags, depth + 1);
		}
		newline(b, flags, depth);
		mlw_buf_addch(b, ']');
		break;
	case JSON_STRING:
		colored(b, flags, C_STR);
		mlw_json_add_string(b, json_string_value(v), json_string_length(v));
		colored(b, flags, C_OFF);
		break;
	case JSON_INTEGER:
		colored(b, flags, C_NUM);
		mlw_buf_addf(b, "%lld", (long long)json_integer_value(v));
		colored(b, flags, C_OFF);
		break;
	case JSON_REAL:
		colored(b, flags, C_NUM);
		mlw_json_real_text(b, json_real_value(v));
		colored(b, flags, C_OFF);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		colored(b, flags, C_LIT);
		mlw_buf_adds(b, !v || json_is_null(v) ? "null" :
			     json_is_true(v) ? "true" : "false");
		colored(b, flags, C_OFF);
		break;
	}
}

void mlw_json_write(struct mlw_buf *b, const json_t *v, unsigned flags)
{
	/* jansson's accessors take non-const values; nothing is changed */
	write_value(b, (json_t *)v, flags, 0);
}

char *mlw_json_dumps(const json_t *v, unsigned flags)
{
	struct mlw_buf b = MLW_BUF_INIT;

	mlw_json_write(&b, v, flags);
	return mlw_buf_detach(&b, NULL);
}

int mlw_json_scalar_text(struct mlw_buf *b, const json_t *v)
{
	char num[32];

	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_NULL:
		return 0;
	case JSON_STRING:
		mlw_buf_add(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		mlw_buf_addf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		mlw_buf_add(b, num, mlw_fmt_double(num, json_real_value(v)));
		break;
	case JSON_TRUE:
		mlw_buf_adds(b, "true");
		break;
	case JSON_FALSE:
		mlw_buf_adds(b, "false");
		break;
	default:
		mlw_json_write(b, v, MLW_JSON_COMPACT);
	}
	return 1;
}
