/*
 * csv.h - the pieces of CSV reading that do not allocate: a correctly
 * rounded decimal parser and an RFC 4180 field scanner.
 *
 * mlw_csv_parse_double() returns exactly what strtod(3) returns for the same
 * decimal text (round to nearest, ties to even) but takes a fast path for
 * the numbers data files hold: Clinger's exact path when the mantissa fits
 * in 53 bits and the power of ten is exact, then Eisel-Lemire's 128-bit
 * multiplication (see pow5.h) for up to 19 significant digits, and strtod
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

#include <stddef.h>

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
int mlw_csv_number_field(double *out, const char **pos, const char *end,
			 char delim);

/*
 * Format v as the shortest "%.*g" text that reads back as v, the text
 * mlw_fmt_double() gives ("NaN", "Infinity", "-Infinity" included), in
 * one snprintf(3) instead of up to seventeen.  Returns its length.
 */
size_t mlw_csv_format_double(char out[32], double v);

/* The text of a field with its doubled quotes undone, into out (reset). */
void mlw_csv_unquote(struct mlw_buf *out, const struct mlw_csv_field *field);

/* A message for a negative mlw_csv_status ("unterminated quoted field"). */
const char *mlw_csv_strerror(int status);

#endif
