/*
 * test-ml-csv.c - the decimal parser against strtod(3), bit for bit, and
 * the CSV field scanner on quoting, CRLF and malformed fields.
 */
#include "tap.h"
#include "ml/csv.h"
#include "util/buf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* 1 when mlw_csv_parse_double and strtod agree bit for bit on s */
static int same_as_strtod(const char *s)
{
	double a, b;
	char *end;
	int r = mlw_csv_parse_double(&a, s, strlen(s));

	b = strtod(s, &end);
	if (r < 0 || *end) {
		printf("# '%s': parse %d, strtod end '%s'\n", s, r, end);
		return 0;
	}
	if (memcmp(&a, &b, sizeof(a))) {
		printf("# '%s': got %.17g want %.17g\n", s, a, b);
		return 0;
	}
	return 1;
}

static void random_decimal(char *out, size_t size)
{
	int ndig = 1 + (int)(next() % 22), point = (int)(next() % (ndig + 1));
	size_t n = 0;
	int i;

	if (next() & 1)
		out[n++] = '-';
	for (i = 0; i < ndig; i++) {
		if (i == point && i)
			out[n++] = '.';
		out[n++] = (char)('0' + next() % 10);
	}
	if (next() % 3 == 0)
		n += (size_t)snprintf(out + n, size - n, "e%d",
				      (int)(next() % 700) - 350);
	out[n] = '\0';
}

int main(void)
{
	static const char *const edge[] = {
		"0", "-0", "0.0", "1", "-1", "0.1", "0.2", "0.3", "1e23",
		"9007199254740993", "9007199254740992", "18446744073709551615",
		"18446744073709551616", "123456789012345678901234567890",
		"2.2250738585072011e-308", "2.2250738585072014e-308",
		"4.9406564584124654e-324", "2.4703282292062327e-324",
		"2.4703282292062328e-324", "1.7976931348623157e308",
		"1.7976931348623158e308", "1e-400", "7.2057594037927933e16",
		"0.000000000000000000000000000000001", "3.14159265358979323846",
		"1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124",
		"1.00000000000000011102230246251565404236316680908203126",
		"9.999999999999999e22", "1e22", "1e-22", "123.456e-5",
		"+5", ".5", "5.", "0.30000000000000004", "4.8598", "2e308",
		NULL
	};
	static const char *const bad[] = {
		"", "-", ".", "e5", "1e", "1e+", "abc", "1.2.3", " 1", "1 ",
		"0x10", "nan", "1,5", "--1", NULL
	};
	char s[64];
	double d;
	int i, fails = 0;

	for (i = 0; edge[i]; i++)
		ok(same_as_strtod(edge[i]), "edge '%s' equals strtod", edge[i]);
	for (i = 0; bad[i]; i++)
		ok(mlw_csv_parse_double(&d, bad[i], strlen(bad[i])) == -1,
		   "'%s' is not a number", bad[i]);
	ok(mlw_csv_parse_double(&d, "-inf", 4) == 1 && d == -INFINITY, "-inf");
	ok(mlw_csv_parse_double(&d, "Infinity", 8) == 1 && d == INFINITY,
	   "Infinity");
	ok(mlw_csv_parse_double(&d, "1e999", 5) == 1, "overflow is infinite");
	for (i = 0; i < 1000000; i++) {
		random_decimal(s, sizeof(s));
		if (!same_as_strtod(s) && ++fails > 10)
			break;
	}
	ok(!fails, "1e6 random decimals equal strtod bit for bit");
	for (i = 0, fails = 0; i < 300000; i++) {
		uint64_t bits = next();
		double v;

		memcpy(&v, &bits, sizeof(v));
		if (!isfinite(v))
			continue;
		snprintf(s, sizeof(s), "%.*g", (int)(1 + next() % 17), v);
		if (!same_as_strtod(s) && ++fails > 10)
			break;
	}
	ok(!fails, "random doubles printed at 1-17 digits equal strtod");

	/* the one-pass number scanner agrees with the parser or declines */
	for (i = 0, fails = 0; i < 300000; i++) {
		char field[80];
		const char *pos = field, *end;
		double a, b;
		int st, want;

		random_decimal(s, sizeof(s));
		snprintf(field, sizeof(field), "%s%s", s,
			 i % 3 == 0 ? ",1" : i % 3 == 1 ? "\r\n" : "");
		end = field + strlen(field);
		want = i % 3 == 0 ? MLW_CSV_FIELD : MLW_CSV_LAST;
		st = mlw_csv_number_field(&a, &pos, end, ',');
		if (st == MLW_CSV_SLOW) {
			if (pos != field && ++fails > 10)
				break;
			continue;
		}
		mlw_csv_parse_double(&b, s, strlen(s));
		if ((st != want || memcmp(&a, &b, sizeof(a)) ||
		     pos != (i % 3 == 0 ? end - 1 : end)) && ++fails > 10) {
			printf("# '%s': status %d, %.17g vs %.17g\n", s, st,
			       a, b);
			break;
		}
	}
	ok(!fails, "number fields equal the parser bit for bit");
	{
		static const char *const slow[] = {
			"", ",", "\"1\"", "+1", "1x,", "NA", "inf", "1e",
			"12345678901234567890", "1e999", "1 ,", "-", ".,",
			"1e1234567", NULL
		};

		for (i = 0; slow[i]; i++) {
			const char *pos = slow[i];

			ok(mlw_csv_number_field(&d, &pos, pos + strlen(pos),
						',') == MLW_CSV_SLOW &&
			   pos == slow[i], "'%s' takes the slow path", slow[i]);
		}
	}
	{
		const char *in = "a,\"b,\"\"c\"\"\nd\",\r\n\"x\"\"\"\r\ny";
		const char *pos = in, *end = in + strlen(in);
		struct mlw_csv_field f;
		struct mlw_buf b = MLW_BUF_INIT;

		is_int(mlw_csv_field(&f, &pos, end, ','), MLW_CSV_FIELD, "a");
		ok(f.len == 1 && *f.text == 'a' && !f.quoted, "a text");
		is_int(mlw_csv_field(&f, &pos, end, ','), MLW_CSV_FIELD,
		       "quoted with delimiter, quotes and newline");
		mlw_csv_unquote(&b, &f);
		is_str(b.buf, "b,\"c\"\nd", "unquoted text");
		is_int(mlw_csv_field(&f, &pos, end, ','), MLW_CSV_LAST,
		       "empty last field before CRLF");
		is_int(f.len, 0, "CR is not part of the field");
		is_int(mlw_csv_field(&f, &pos, end, ','), MLW_CSV_LAST,
		       "quoted field ending in a doubled quote, CRLF");
		mlw_csv_unquote(&b, &f);
		is_str(b.buf, "x\"", "x\" unquoted");
		is_int(mlw_csv_field(&f, &pos, end, ','), MLW_CSV_LAST,
		       "last field without newline");
		ok(pos == end && f.len == 1, "at the end");
		mlw_buf_release(&b);
	}
	{
		static const struct { const char *in; int status; } t[] = {
			{ "a\"b,c", MLW_CSV_BAD_QUOTE },
			{ "\"abc", MLW_CSV_UNTERMINATED },
			{ "\"ab\"c,d", MLW_CSV_AFTER_QUOTE },
			{ "\"ab\"\r,d", MLW_CSV_AFTER_QUOTE },
		};
		size_t k;

		for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
			const char *pos = t[k].in;
			struct mlw_csv_field f;

			is_int(mlw_csv_field(&f, &pos, pos + strlen(pos), ','),
			       t[k].status, "malformed '%s'", t[k].in);
		}
	}
	return done_testing();
}
