/*
 * json.c - JSON text with shortest doubles; see json.h.
 */
#include "util/json.h"
#include "util/buf.h"
#include "util/number.h"

#include <inttypes.h>
#include <string.h>
#include <jansson.h>

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

void mlw_json_write(struct mlw_buf *out, const json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;
	int first = 1;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		mlw_buf_addch(out, '{');
		/* jansson's iteration order is insertion order */
		json_object_foreach((json_t *)v, key, x) {
			if (!first)
				mlw_buf_addch(out, ',');
			first = 0;
			mlw_json_add_string(out, key, strlen(key));
			mlw_buf_addch(out, ':');
			mlw_json_write(out, x);
		}
		mlw_buf_addch(out, '}');
		break;
	case JSON_ARRAY:
		mlw_buf_addch(out, '[');
		json_array_foreach(v, i, x) {
			if (i)
				mlw_buf_addch(out, ',');
			mlw_json_write(out, x);
		}
		mlw_buf_addch(out, ']');
		break;
	case JSON_STRING:
		mlw_json_add_string(out, json_string_value(v),
				    json_string_length(v));
		break;
	case JSON_INTEGER:
		mlw_buf_addf(out, "%" PRId64, (int64_t)json_integer_value(v));
		break;
	case JSON_REAL:
		mlw_json_add_number(out, json_real_value(v));
		break;
	case JSON_TRUE:
		mlw_buf_adds(out, "true");
		break;
	case JSON_FALSE:
		mlw_buf_adds(out, "false");
		break;
	default:
		mlw_buf_adds(out, "null");
		break;
	}
}
