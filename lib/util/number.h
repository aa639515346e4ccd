/*
 * number.h - doubles from and to decimal text, exactly.
 *
 * mlw_decimal_to_double() is the 128-bit half of a correctly rounded
 * decimal parser (the CSV reader's: lib/ml/csv.h); mlw_fmt_double() writes
 * the shortest text that reads back as the same double, as "%.{p}g" with
 * the smallest such p would (and "70", not "7e+01", for whole numbers
 * below 1e16; "NaN", "Infinity", "-Infinity").  Tables, TSV, YAML, JSON
 * (lib/util/json.h) and predictions all print numbers with it.
 */
#ifndef MLW_UTIL_NUMBER_H
#define MLW_UTIL_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* the powers of ten a double holds exactly: 1e0 to 1e22 */
extern const double mlw_exact_pow10[23];

/*
 * w * 10^q (w != 0, at most 19 digits) rounded to nearest, ties to even,
 * negated when negative.  Returns 0 and *out, or -1 when the 128-bit
 * product cannot decide the rounding, or the result would be subnormal
 * or overflow: the caller then asks strtod(3).
 */
int mlw_decimal_to_double(double *out, uint64_t w, int64_t q, int negative);

/* Format v as the shortest text that reads back as v; returns its length. */
size_t mlw_fmt_double(char out[32], double v);

/*
 * The decimal digits of v at out, no NUL, and how many (at most 20):
 * only those bytes are written.  By hand, for text written a request
 * or a row (log lines, addresses, row numbers), where printf showed.
 */
size_t mlw_fmt_u64(char *out, uint64_t v);

#endif
