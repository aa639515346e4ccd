/*
 * csv.c - the decimal parser and the RFC 4180 field scanner (csv.h).
 *
 * Parsing numbers dominates reading a CSV file: strtod(3) costs ~100 ns a
 * value because it handles locales and arbitrary precision on every call.
 * Data files hold short decimals, so the parser below decides nearly all
 * of them with integer arithmetic and keeps strtod for the few inputs
 * whose rounding a 128-bit product cannot settle.
 */
#include "ml/csv.h"
#include "util/number.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int slow_path(double *out, const char *s, size_t len)
{
	char small[128], *copy = small, *end;
	double v;

	if (len >= sizeof(small))
		copy = mlw_malloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	v = strtod(copy, &end);
	if (copy != small)
		free(copy);
	*out = v;
	return isinf(v) ? 1 : 0;
}

static int is_infinity(double *out, const char *s, size_t len, int negative)
{
	if ((len == 3 && !strncasecmp(s, "inf", 3)) ||
	    (len == 8 && !strncasecmp(s, "infinity", 8))) {
		*out = negative ? -INFINITY : INFINITY;
		return 1;
	}
	return -1;
}

int mlw_csv_parse_double(double *out, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	uint64_t w = 0;
	int64_t exp10 = 0, e = 0;
	int negative = 0, nr_digits = 0, nr_sig = 0, truncated = 0;

	if (p < end && (*p == '-' || *p == '+'))
		negative = *p++ == '-';
	if (p < end && (*p == 'i' || *p == 'I'))
		return is_infinity(out, p, (size_t)(end - p), negative);
	for (; p < end && *p >= '0' && *p <= '9'; p++, nr_digits++) {
		if (nr_sig < 19) {
			w = w * 10 + (uint64_t)(*p - '0');
			if (w)
				nr_sig++;
		} else {
			exp10++;
			truncated |= *p != '0';
		}
	}
	if (p < end && *p == '.') {
		p++;
		for (; p < end && *p >= '0' && *p <= '9'; p++, nr_digits++) {
			if (nr_sig < 19) {
				w = w * 10 + (uint64_t)(*p - '0');
				exp10--;
				if (w)
					nr_sig++;
			} else {
				truncated |= *p != '0';
			}
		}
	}
	if (!nr_digits)
		return -1;
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0, edigits = 0;

		p++;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		for (; p < end && *p >= '0' && *p <= '9'; p++, edigits++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		if (!edigits)
			return -1;
		exp10 += eneg ? -e : e;
	}
	if (p != end)
		return -1;
	if (truncated)
		return slow_path(out, s, len);
	if (!w) {
		*out = negative ? -0.0 : 0.0;
		return 0;
	}
	if (exp10 >= -22 && exp10 <= 22 && w <= (1ULL << 53)) {
		double d = (double)w;

		d = exp10 < 0 ? d / mlw_exact_pow10[-exp10] : d * mlw_exact_pow10[exp10];
		*out = negative ? -d : d;
		return 0;
	}
	if (!mlw_decimal_to_double(out, w, exp10, negative))
		return 0;
	return slow_path(out, s, len);
}

int mlw_csv_field(struct mlw_csv_field *field, const char **pos,
		  const char *end, char delim)
{
	const char *p = *pos;

	field->escaped = 0;
	if (p < end && *p == '"') {
		const char *start = ++p;

		for (;;) {
			const char *q = memchr(p, '"', (size_t)(end - p));

			if (!q)
				return MLW_CSV_UNTERMINATED;
			if (q + 1 < end && q[1] == '"') {
				field->escaped = 1;
				p = q + 2;
				continue;
			}
			field->text = start;
			field->len = (size_t)(q - start);
			field->quoted = 1;
			p = q + 1;
			break;
		}
		if (p == end) {
			*pos = p;
			return MLW_CSV_LAST;
		}
		if (*p == delim) {
			*pos = p + 1;
			return MLW_CSV_FIELD;
		}
		if (*p == '\n') {
			*pos = p + 1;
			return MLW_CSV_LAST;
		}
		if (*p == '\r' && p + 1 < end && p[1] == '\n') {
			*pos = p + 2;
			return MLW_CSV_LAST;
		}
		*pos = p;
		return MLW_CSV_AFTER_QUOTE;
	}
	field->text = p;
	field->quoted = 0;
	for (; p < end; p++) {
		char c = *p;

		if (c == delim) {
			field->len = (size_t)(p - field->text);
			*pos = p + 1;
			return MLW_CSV_FIELD;
		}
		if (c == '\n') {
			field->len = (size_t)(p - field->text);
			if (field->len && p[-1] == '\r')
				field->len--;
			*pos = p + 1;
			return MLW_CSV_LAST;
		}
		if (c == '"') {
			*pos = p;
			return MLW_CSV_BAD_QUOTE;
		}
	}
	field->len = (size_t)(p - field->text);
	if (field->len && p[-1] == '\r')
		field->len--;
	*pos = p;
	return MLW_CSV_LAST;
}

void mlw_csv_unquote(struct mlw_buf *out, const struct mlw_csv_field *field)
{
	const char *p = field->text, *end = field->text + field->len;

	mlw_buf_reset(out);
	if (!field->escaped) {
		mlw_buf_add(out, p, field->len);
		return;
	}
	while (p < end) {
		mlw_buf_addch(out, *p);
		p += (*p == '"' && p + 1 < end && p[1] == '"') ? 2 : 1;
	}
}

const char *mlw_csv_strerror(int status)
{
	switch (status) {
	case MLW_CSV_BAD_QUOTE:
		return "quote inside an unquoted field";
	case MLW_CSV_UNTERMINATED:
		return "unterminated quoted field";
	case MLW_CSV_AFTER_QUOTE:
		return "text after a closing quote";
	}
	return "malformed field";
}

