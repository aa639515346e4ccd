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
#include "ml/pow5.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* powers of ten a double holds exactly (Clinger's fast path) */
static const double exact_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/*
 * Eisel-Lemire: w * 10^q rounded to nearest-even, for w != 0 of at most
 * 19 digits.  Returns 0 and *out, or -1 when the 128-bit product leaves
 * the rounding undecided (or the result is subnormal or overflows) and
 * the caller must ask strtod.  Follows Lemire (2021), algorithm 1.
 */
static int eisel_lemire(double *out, uint64_t w, int64_t q, int negative)
{
	const uint64_t *f;
	unsigned __int128 prod;
	uint64_t lower, upper, upperbit, mantissa, bits, real_exponent;
	int64_t exponent;
	int lz;

	if (q < -325 || q > MLW_POW5_MAX)
		return -1;
	f = mlw_pow5[q - MLW_POW5_MIN];
	exponent = (((152170 + 65536) * q) >> 16) + 1024 + 63;
	lz = __builtin_clzll(w);
	w <<= lz;
	prod = (unsigned __int128)w * f[0];
	lower = (uint64_t)prod;
	upper = (uint64_t)(prod >> 64);
	if ((upper & 0x1FF) == 0x1FF && lower + w < lower) {
		unsigned __int128 p2 = (unsigned __int128)w * f[1];
		uint64_t low2 = (uint64_t)p2, mid2 = (uint64_t)(p2 >> 64);
		uint64_t mid = lower + mid2;

		if (mid < lower)
			upper++;
		if (mid + 1 == 0 && (upper & 0x1FF) == 0x1FF &&
		    low2 + w < low2)
			return -1;
		lower = mid;
	}
	upperbit = upper >> 63;
	mantissa = upper >> (upperbit + 9);
	lz += (int)(1 ^ upperbit);
	/* exactly half-way between two doubles: let strtod break the tie */
	if (lower == 0 && (upper & 0x1FF) == 0 && (mantissa & 3) == 1)
		return -1;
	mantissa += mantissa & 1;
	mantissa >>= 1;
	if (mantissa >= (1ULL << 53)) {
		mantissa = 1ULL << 52;
		lz--;
	}
	mantissa &= ~(1ULL << 52);
	real_exponent = (uint64_t)(exponent - lz);
	if (exponent - lz < 1 || exponent - lz > 2046)
		return -1;
	bits = mantissa | real_exponent << 52 | (uint64_t)negative << 63;
	memcpy(out, &bits, sizeof(*out));
	return 0;
}

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

		d = exp10 < 0 ? d / exact_pow10[-exp10] : d * exact_pow10[exp10];
		*out = negative ? -d : d;
		return 0;
	}
	if (!eisel_lemire(out, w, exp10, negative))
		return 0;
	return slow_path(out, s, len);
}

/* the slow half of mlw_csv_number_field(): Eisel-Lemire, or -1 */
int mlw_csv_decimal_slow(double *out, uint64_t w, int64_t exp10,
			 int negative)
{
	return eisel_lemire(out, w, exp10, negative);
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

/* the double nearest w * 10^e10 (w < 10^18), or -1 when undecided */
static int decimal_value(double *out, uint64_t w, int64_t e10)
{
	if (!w) {
		*out = 0;
		return 0;
	}
	if (e10 >= -22 && e10 <= 22 && w <= (1ULL << 53)) {
		double d = (double)w;

		*out = e10 < 0 ? d / exact_pow10[-e10] : d * exact_pow10[e10];
		return 0;
	}
	return eisel_lemire(out, w, e10, 0);
}

/*
 * Write digits[0..nd) (no trailing zeros, first digit non-zero) times
 * 10^exp10 of the first digit the way %.{prec}g does.
 */
static size_t write_g(char *out, int negative, const char *digits, int nd,
		      int exp10, int prec)
{
	char *p = out;
	int i;

	/* 70, not 7e+01: whole digits below 1e16 are written out */
	if (exp10 >= prec && exp10 < 16)
		prec = exp10 + 1;
	if (negative)
		*p++ = '-';
	if (exp10 < -4 || exp10 >= prec) {
		*p++ = digits[0];
		if (nd > 1) {
			*p++ = '.';
			memcpy(p, digits + 1, (size_t)nd - 1);
			p += nd - 1;
		}
		p += snprintf(p, 8, "e%c%02d", exp10 < 0 ? '-' : '+',
			      exp10 < 0 ? -exp10 : exp10);
	} else if (exp10 < 0) {
		*p++ = '0';
		*p++ = '.';
		for (i = -1; i > exp10; i--)
			*p++ = '0';
		memcpy(p, digits, (size_t)nd);
		p += nd;
	} else {
		for (i = 0; i <= exp10; i++)
			*p++ = i < nd ? digits[i] : '0';
		if (nd > exp10 + 1) {
			*p++ = '.';
			memcpy(p, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
			p += nd - exp10 - 1;
		}
	}
	*p = '\0';
	return (size_t)(p - out);
}

/*
 * From the 17 correctly rounded digits of v, round to fewer and check
 * each candidate with the parser's exact arithmetic; a cut that lands on
 * a tie of the 17-digit text (where rounding twice could differ from
 * rounding once) and any undecided check fall back to snprintf.
 */
/*
 * Try prec digits: the 17 digits rounded to prec and checked with the
 * parser's exact arithmetic; a cut on a tie of the 17-digit text (where
 * rounding twice could differ from rounding once) asks snprintf.
 * Returns the length written to out, or 0 when it does not round-trip.
 */
static size_t try_prec(char out[32], double v, const char *digits,
		       int exp10, int prec)
{
	char cand[20];
	int e = exp10, nd = prec, tie = 1, up, i;
	uint64_t w = 0;
	double back, a = fabs(v);

	memcpy(cand, digits, (size_t)prec);
	up = prec < 17 && digits[prec] >= '5';
	for (i = prec + 1; prec < 17 && i < 17; i++)
		tie &= digits[i] == '0';
	if (prec < 17 && digits[prec] == '5' && tie) {
		char g[40];
		size_t len = (size_t)snprintf(g, sizeof(g), "%.*g", prec, v);
		double d;
		char *x;

		if (mlw_csv_parse_double(&d, g, len) < 0 || d != v)
			return 0;
		x = strchr(g, 'e');
		if (x && x[1] == '+' && strtol(x + 2, NULL, 10) < 16)
			len = (size_t)snprintf(g, sizeof(g), "%.*g",
					       (int)strtol(x + 2, NULL, 10) + 1,
					       v);
		memcpy(out, g, len + 1);
		return len;
	}
	if (up) {
		for (i = prec - 1; i >= 0 && cand[i] == '9'; i--)
			cand[i] = '0';
		if (i < 0) {
			cand[0] = '1';
			e++;
		} else {
			cand[i]++;
		}
	}
	while (nd > 1 && cand[nd - 1] == '0')
		nd--;
	for (i = 0; i < nd; i++)
		w = w * 10 + (uint64_t)(cand[i] - '0');
	if (decimal_value(&back, w, (int64_t)e - (nd - 1))) {
		char g[40];

		write_g(g, 0, cand, nd, e, prec);
		back = strtod(g, NULL);
	}
	if (back != a)
		return 0;
	return write_g(out, signbit(v) != 0, cand, nd, e, prec);
}

/*
 * From the 17 correctly rounded digits of v (one snprintf), find the
 * fewest that read back.  Most values of a computation need 16 or 17:
 * when 15 do not round-trip, fewer do not either, so 15 is tried first.
 */
size_t mlw_csv_format_double(char out[32], double v)
{
	char sci[40], digits[20];
	int exp10, prec;
	size_t len;

	if (isnan(v))
		return (size_t)snprintf(out, 32, "NaN");
	if (isinf(v))
		return (size_t)snprintf(out, 32, "%s", v > 0 ? "Infinity" :
					"-Infinity");
	if (v == 0)
		return (size_t)snprintf(out, 32, "%s", signbit(v) ? "-0" : "0");
	snprintf(sci, sizeof(sci), "%.16e", fabs(v));
	digits[0] = sci[0];
	memcpy(digits + 1, sci + 2, 16);
	exp10 = (int)strtol(sci + 19, NULL, 10);
	if (!try_prec(out, v, digits, exp10, 15)) {
		for (prec = 16; prec <= 17; prec++) {
			len = try_prec(out, v, digits, exp10, prec);
			if (len)
				return len;
		}
	} else {
		for (prec = 1; prec <= 15; prec++) {
			len = try_prec(out, v, digits, exp10, prec);
			if (len)
				return len;
		}
	}
	return (size_t)snprintf(out, 32, "%.17g", v);
}
