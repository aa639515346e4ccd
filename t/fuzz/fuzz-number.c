/*
 * fuzz-number.c - decimal text to doubles and back (ml/csv.h,
 * util/number.h), and the CSV field scanner.
 *
 * Each line of the input (the first 32) is a field to check against the
 * C library:
 *
 *  - mlw_csv_parse_double() accepts a subset of what strtod(3) accepts,
 *    and for what it accepts returns bit for bit what strtod returns;
 *  - the fast path mlw_csv_number_field() agrees with it, or steps aside;
 *  - mlw_decimal_to_double(), given the line's first 16 bytes as mantissa
 *    and exponent, agrees with strtod on the same decimal;
 *  - mlw_fmt_double() of the parsed value, and of the line's first 8
 *    bytes taken as a double (any bit pattern), reads back as the same
 *    double in as few significant digits as "%.*g" needs;
 *  - mlw_parse_double() and mlw_parse_i64() (what 'mlw log' reads) take
 *    a number only when strtod and strtoll take all of the text.
 *
 * Then the whole input is scanned as CSV with each delimiter: every field
 * lies within the input, the scanner always moves forward, and unquoting
 * never grows a field.
 */
#include "fuzz.h"
#include "ml/csv.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/number.h"
#include "util/strutil.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int same_double(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a)) || (isnan(a) && isnan(b));
}

/* significant digits of a decimal as %g prints it ("7e+01": 1, "70": 1) */
static int significant_digits(const char *s)
{
	const char *first = NULL, *last = NULL;

	for (; *s && *s != 'e' && *s != 'E'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (*s != '0') {
			if (!first)
				first = s;
			last = s;
		}
	}
	if (!first)
		return 1;
	/* digits between first and last, not counting a '.' */
	return (int)(last - first) + 1 -
	       (memchr(first, '.', (size_t)(last - first)) != NULL);
}

static void check_format(double v)
{
	char out[32], ref[320];
	size_t len = mlw_fmt_double(out, v);
	double back;
	int p;

	FUZZ_CHECK(len == strlen(out) && len < 32, "length %zu of '%s'", len,
		   out);
	if (isnan(v)) {
		FUZZ_CHECK(!strcmp(out, "NaN"), "NaN printed as '%s'", out);
		return;
	}
	if (isinf(v)) {
		FUZZ_CHECK(!strcmp(out, v < 0 ? "-Infinity" : "Infinity"),
			   "%g printed as '%s'", v, out);
		return;
	}
	back = strtod(out, NULL);
	FUZZ_CHECK(same_double(back, v), "%a printed as '%s' reads back as %a",
		   v, out, back);
	/* one digit fewer never reads back (more digits only come closer) */
	p = significant_digits(out) - 1;
	if (p >= 1) {
		snprintf(ref, sizeof(ref), "%.*g", p, v);
		FUZZ_CHECK(!same_double(strtod(ref, NULL), v),
			   "%a printed as '%s', but '%s' is shorter", v, out,
			   ref);
	}
}

static void check_field(const char *s, size_t len)
{
	char *copy = malloc(len + 1), *end;
	const char *pos;
	double v, ref, fast;
	int ret, st;

	memcpy(copy, s, len);
	copy[len] = '\0';

	ret = mlw_csv_parse_double(&v, s, len);
	FUZZ_CHECK(ret >= -1 && ret <= 1, "parse returned %d", ret);
	if (ret >= 0) {
		errno = 0;
		ref = strtod(copy, &end);
		FUZZ_CHECK(!*end && end != copy && strlen(copy) == len,
			   "'%s' taken as %a, strtod stops at %zu", copy, v,
			   (size_t)(end - copy));
		FUZZ_CHECK(same_double(v, ref), "'%s': %a, strtod says %a",
			   copy, v, ref);
		FUZZ_CHECK(ret == !!isinf(v), "'%s': %a but returned %d", copy,
			   v, ret);
		check_format(v);
	}

	/* the fast path reads the field up to a delimiter or row end */
	pos = s;
	st = mlw_csv_number_field(&fast, &pos, s + len, ',');
	if (st == MLW_CSV_SLOW) {
		FUZZ_CHECK(pos == s, "a slow field moved the position");
	} else {
		size_t flen = strcspn(copy, ",\n");
		double slow;

		FUZZ_CHECK(st == MLW_CSV_FIELD || st == MLW_CSV_LAST,
			   "fast path returned %d", st);
		FUZZ_CHECK(pos > s && pos <= s + len, "position out of bounds");
		if (flen && copy[flen] == '\n' && copy[flen - 1] == '\r')
			flen--;
		FUZZ_CHECK(mlw_csv_parse_double(&slow, s, flen) == 0 &&
			   same_double(slow, fast),
			   "'%.*s': the fast path says %a", (int)flen, s, fast);
	}

	/* what 'mlw log metric' and options take */
	if (!memchr(s, '\0', len)) {
		int64_t i;

		if (!mlw_parse_double(&v, copy, "fuzz")) {
			errno = 0;
			ref = strtod(copy, &end);
			FUZZ_CHECK(!*end && same_double(v, ref) &&
				   (!isinf(v) || errno != ERANGE),
				   "mlw_parse_double('%s') = %a", copy, v);
		}
		if (!mlw_parse_i64(&i, copy, "fuzz")) {
			long long r;

			errno = 0;
			r = strtoll(copy, &end, 10);
			FUZZ_CHECK(!*end && !errno && r == i,
				   "mlw_parse_i64('%s') = %" PRId64, copy, i);
		}
		mlw_error_clear();
	}
	free(copy);
}

/* w * 10^q for a mantissa and exponent taken from the bytes */
static void check_decimal(const uint8_t *b, size_t len)
{
	uint64_t w;
	int32_t q;
	char text[64];
	double v;
	int neg;

	if (len < 13)
		return;
	memcpy(&w, b, 8);
	memcpy(&q, b + 8, 4);
	neg = b[12] & 1;
	w %= 10000000000000000000ULL;	/* at most 19 digits */
	q %= 400;
	if (!w)
		return;
	if (mlw_decimal_to_double(&v, w, q, neg))
		return;
	snprintf(text, sizeof(text), "%s%" PRIu64 "e%d", neg ? "-" : "", w,
		 (int)q);
	FUZZ_CHECK(same_double(v, strtod(text, NULL)),
		   "%s: %a, strtod says %a", text, v, strtod(text, NULL));
}

static void scan_csv(const char *s, size_t len, char delim)
{
	struct mlw_buf text = MLW_BUF_INIT;
	const char *pos = s, *end = s + len;
	struct mlw_csv_field f;

	while (pos < end) {
		const char *before = pos;
		int st = mlw_csv_field(&f, &pos, end, delim);

		if (st < 0) {
			FUZZ_CHECK(*mlw_csv_strerror(st), "no message");
			break;
		}
		FUZZ_CHECK(pos > before && pos <= end, "no progress");
		FUZZ_CHECK(f.text >= s && f.text + f.len <= end,
			   "field out of bounds");
		mlw_csv_unquote(&text, &f);
		FUZZ_CHECK(text.len <= f.len, "unquoting grew a field");
		FUZZ_CHECK(!f.quoted || !memchr(text.buf, '"', text.len) ||
			   f.escaped, "a quote in a field not marked escaped");
	}
	mlw_buf_release(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *line = s;
	double raw;
	int nr = 0;

	/* the first 32 lines: long inputs are for the CSV scan */
	while (line < end && nr++ < 32) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);

		check_field(line, len);
		check_decimal((const uint8_t *)line, len);
		if (len >= 8) {
			memcpy(&raw, line, 8);
			check_format(raw);
		}
		line += len + 1;
	}
	scan_csv(s, size, ',');
	scan_csv(s, size, '\t');
	scan_csv(s, size, ';');
	return 0;
}
