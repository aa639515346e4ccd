/*
 * csv.h - the pieces of CSV reading that do not allocate: a correctly
 * rounded decimal parser and an RFC 4180 field scanner.
 *
 * mlw_csv_parse_double() returns exactly what strtod(3) returns for the same
 * decimal text (round to nearest, ties to even) but takes a fast path for
 * the numbers data files hold: Clinger's exact path when the mantissa fits
 * in 53 bits and the power of ten is exact, then Eisel-Lemire's 128-bit
 * multiplication (util/number.h) for up to 19 significant digits, and strtod
 * itself for the rare inputs those cannot decide.  It accepts what a data
 * file calls a number: [+-]digits[.digits][(e|E)[+-]digits], and "inf",
 * "infinity" (any case, optional sign); not hex floats, not leading or
 * trailing blanks.
 *
 * mlw_csv_field() reads one field of a row: quoted fields may hold the
 * delimiter, newlines and doubled quotes; rows end at LF or CRLF.  The
 * scanner never copies: a quoted field with doubled quotes is reported as
 * "escaped" and mlw_csv_unquote() makes its text when it is needed.
 */
#ifndef MLW_ML_CSV_H
#define MLW_ML_CSV_H

#include "util/number.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mlw_buf;

/*
 * Parse s[0..len) as a number.  Returns 0 and a finite *out, 1 and an
 * infinite *out (text "inf" or a literal too large for a double), or -1
 * when the text is not a number.
 */
int mlw_csv_parse_double(double *out, const char *s, size_t len);

struct mlw_csv_field {
	const char *text;	/* inside the quotes when quoted; borrowed */
	size_t len;
	int quoted;
	int escaped;		/* holds "" pairs: use mlw_csv_unquote() */
};

enum mlw_csv_status {
	MLW_CSV_FIELD = 0,	/* a field, more follow in this row */
	MLW_CSV_LAST = 1,	/* the last field of its row */
	MLW_CSV_BAD_QUOTE = -1,	/* a quote inside an unquoted field */
	MLW_CSV_UNTERMINATED = -2, /* end of input inside quotes */
	MLW_CSV_AFTER_QUOTE = -3 /* text after a closing quote */
};

/*
 * Scan the field at *pos (before end) into *field and move *pos past it
 * and its delimiter or row end.  Returns an mlw_csv_status.
 */
int mlw_csv_field(struct mlw_csv_field *field, const char **pos,
		  const char *end, char delim);

/*
 * The fast path of a reader that expects numbers: scan the field at *pos
 * as a plain decimal ([-]digits[.digits][(e|E)[+-]digits], at most 19
 * digits) and convert it in the same pass.  Returns MLW_CSV_FIELD or
 * MLW_CSV_LAST with *out (bit for bit what mlw_csv_parse_double() and
 * strtod(3) give) and *pos past the field's delimiter or row end, or
 * MLW_CSV_SLOW with *pos unchanged when the field is anything else
 * (quoted, empty, text, long, or a rounding only strtod can decide): the
 * caller then reads it with mlw_csv_field().
 */
#define MLW_CSV_SLOW 2
/* (inline below: it runs once per field of a data file) */


/*
 * The run of digits at p (up to 8 at a time, with SWAR arithmetic: one
 * 8-byte load, a mask of the bytes that are not digits, two multiplies)
 * appended to *w.  Returns the new position.
 */
static inline __attribute__((always_inline)) const char *
mlw_csv_scan_digits_(uint64_t *w, const char *p, const char *end)
{
	static const uint64_t pow10_8[] = {
		1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000
	};

	if (end - p >= 8) {
		uint64_t v, t, nondigit;
		unsigned n;

		memcpy(&v, p, 8);
		t = v - 0x3030303030303030ULL;
		nondigit = (t | (t + 0x7676767676767676ULL)) &
			   0x8080808080808080ULL;
		n = nondigit ? (unsigned)__builtin_ctzll(nondigit) >> 3 : 8;
		if (!n)
			return p;
		/* the n digits in the top bytes, zeros above them */
		t <<= 8 * (8 - n);
		t = t * 10 + (t >> 8);
		t = (((t & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
		     (((t >> 16) & 0x000000FF000000FFULL) *
		      (1 + (10000ULL << 32)))) >> 32;
		*w = *w * pow10_8[n] + t;
		p += n;
		if (n < 8)
			return p;
	}
	/* the rest one at a time: data files rarely hold more digits */
	while (p < end && (unsigned char)(*p - '0') < 10)
		*w = *w * 10 + (uint64_t)(*p++ - '0');
	return p;
}

static inline int mlw_csv_number_field(double *out, const char **pos,
				       const char *end, char delim)
{
	const char *p = *pos, *digits;
	uint64_t w = 0;
	int64_t exp10 = 0;
	int negative = 0, st;
	size_t nr_digits;

	if (p < end && *p == '-') {
		negative = 1;
		p++;
	}
	digits = p;
	p = mlw_csv_scan_digits_(&w, p, end);
	nr_digits = (size_t)(p - digits);
	/* more than 19 digits may have wrapped w: the slow path decides */
	if (nr_digits > 19)
		return MLW_CSV_SLOW;
	if (p < end && *p == '.') {
		const char *frac = ++p;

		p = mlw_csv_scan_digits_(&w, p, end);
		exp10 = -(int64_t)(p - frac);
		nr_digits += (size_t)(p - frac);
	}
	/* 19 digits always fit in 64 bits; longer ones take the slow path */
	if (!nr_digits || nr_digits > 19)
		return MLW_CSV_SLOW;
	if (p < end && (*p == 'e' || *p == 'E')) {
		const char *edigits;
		int64_t e = 0;
		int eneg = 0;

		p++;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		edigits = p;
		while (p < end && (unsigned char)(*p - '0') < 10 &&
		       p - edigits < 6)
			e = e * 10 + (*p++ - '0');
		if (p == edigits || p - edigits >= 6)
			return MLW_CSV_SLOW;
		exp10 += eneg ? -e : e;
	}
	if (p == end) {
		st = MLW_CSV_LAST;
	} else if (*p == delim) {
		st = MLW_CSV_FIELD;
		p++;
	} else if (*p == '\n') {
		st = MLW_CSV_LAST;
		p++;
	} else if (*p == '\r' && p + 1 < end && p[1] == '\n') {
		st = MLW_CSV_LAST;
		p += 2;
	} else {
		return MLW_CSV_SLOW;
	}
	if (!w) {
		*out = negative ? -0.0 : 0.0;
	} else if (exp10 >= -22 && exp10 <= 0 && w <= (1ULL << 53)) {
		/* Clinger: both exact, so the quotient is correctly rounded */
		double d = (double)w / mlw_exact_pow10[-exp10];

		*out = negative ? -d : d;
	} else if (mlw_decimal_to_double(out, w, exp10, negative)) {
		return MLW_CSV_SLOW;
	}
	*pos = p;
	return st;
}


/* The text of a field with its doubled quotes undone, into out (reset). */
void mlw_csv_unquote(struct mlw_buf *out, const struct mlw_csv_field *field);

/* A message for a negative mlw_csv_status ("unterminated quoted field"). */
const char *mlw_csv_strerror(int status);

#endif
