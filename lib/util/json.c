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

static void string_text(struct mlw_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	mlw_buf_addch(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			u[6] = '\0';
			esc = u;
		}
		mlw_buf_add(b, s + start, i - start);
		mlw_buf_adds(b, esc);
		start = i + 1;
	}
	mlw_buf_add(b, s + start, len - start);
	mlw_buf_addch(b, '"');
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
		string_text(b, keys[i], strlen(keys[i]));
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
		string_text(b, json_string_value(v), json_string_length(v));
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
