/*
 * number.c - doubles from and to decimal text, exactly (number.h).
 *
 * Reading: Eisel-Lemire's 128-bit multiplication by a table of powers of
 * five (pow5.h), which the CSV parser takes after Clinger's exact path.
 * Writing: the same table run backwards gives a double's 17 correctly
 * rounded digits in integers; printf(3) is kept for what it cannot
 * decide.  Both are checked against libc (strtod, "%.*g") in the unit
 * tests, bit for bit and byte for byte.
 */
#include "util/number.h"
#include "util/pow5.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* powers of ten a double holds exactly (Clinger's fast path) */
const double mlw_exact_pow10[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/*
 * Eisel-Lemire: w * 10^q rounded to nearest-even, for w != 0 of at most
 * 19 digits.  Returns 0 and *out, or -1 when the 128-bit product leaves
 * the rounding undecided (or the result is subnormal or overflows) and
 * the caller must ask strtod.  Follows Lemire (2021), algorithm 1.
 */
int mlw_decimal_to_double(double *out, uint64_t w, int64_t q,
			  int negative)
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

/* the double nearest w * 10^e10 (w < 10^18), or -1 when undecided */
static int decimal_value(double *out, uint64_t w, int64_t e10)
{
	if (!w) {
		*out = 0;
		return 0;
	}
	if (e10 >= -22 && e10 <= 22 && w <= (1ULL << 53)) {
		double d = (double)w;

		*out = e10 < 0 ? d / mlw_exact_pow10[-e10] : d * mlw_exact_pow10[e10];
		return 0;
	}
	return mlw_decimal_to_double(out, w, e10, 0);
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
		char *x;

		if (strtod(g, NULL) != v)
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
 * The 17 significant digits of v (positive, normal) correctly rounded,
 * as "%.16e" prints them, as an integer *d in [10^16, 10^17), with the
 * decimal exponent of the first and the side of *d the exact v lies on
 * (*dir: 1 above, -1 below, 0 equal or too close to tell).  From one
 * 64 x 128-bit product with the parser's table of powers of five (10^k
 * = 5^k 2^k), the way Eisel-Lemire reads a decimal, run backwards: with
 * X = v 10^k scaled so that 10^16 <= X < 10^17, the product's top 128
 * bits hold X with 67 to 78 bits after the point and an error under
 * three units of the last (a dropped low word, a truncated table
 * entry), so the rounding is decided unless the fraction is that close
 * to one half.  Returns 0, or -1 for the caller to ask snprintf: a near
 * tie, an exponent outside the table.
 */
static int digits17(uint64_t *d_out, int *exp10_out, int *dir, double v)
{
	static const uint64_t lo17 = 10000000000000000ULL;	/* 10^16 */
	uint64_t bits, m, xi, frac, half = 1ULL << 63, d;
	unsigned __int128 hi, lo, h;
	int e2, e10, k, fl, s, tries;

	memcpy(&bits, &v, sizeof(bits));
	m = (bits & ((1ULL << 52) - 1)) | 1ULL << 52;
	e2 = (int)(bits >> 52 & 0x7FF) - 1075;	/* v = m 2^e2 */
	/* floor(log10(2^(e2 + 52))): low by at most one */
	e10 = (int)(((int64_t)(e2 + 52) * 78913) >> 18);
	for (tries = 0; tries < 3; tries++) {
		k = 16 - e10;
		if (k < MLW_POW5_MIN || k > MLW_POW5_MAX)
			return -1;
		/* 10^k = T 2^(fl - 127), T the table's 128 bits */
		fl = (int)(((int64_t)k * 217706) >> 16);
		hi = (unsigned __int128)(m << 11) * mlw_pow5[k - MLW_POW5_MIN][0];
		lo = (unsigned __int128)(m << 11) * mlw_pow5[k - MLW_POW5_MIN][1];
		h = hi + (lo >> 64);	/* X = h 2^-s */
		s = 74 - e2 - fl;
		if (s < 64 || s > 120)
			return -1;
		xi = (uint64_t)(h >> s);
		if (xi < lo17) {
			e10--;
			continue;
		}
		if (xi >= 10 * lo17) {
			e10++;
			continue;
		}
		/* the 64 bits after the point; h's error is under one of them */
		frac = (uint64_t)(h >> (s - 64));
		if ((frac > half ? frac - half : half - frac) <= 8)
			return -1;
		d = xi + (frac > half);
		*dir = frac <= 8 || frac >= (uint64_t)-8 ? 0 :
		       frac > half ? -1 : 1;
		if (d == 10 * lo17) {
			d = lo17;
			e10++;
		}
		*d_out = d;
		*exp10_out = e10;
		return 0;
	}
	return -1;
}

/* the nd digits of q < 10^nd, two at a time, in two independent runs */
static void put_digits(char *out, uint64_t q, int nd)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324"
		"25262728293031323334353637383940414243444546474849"
		"50515253545556575859606162636465666768697071727374"
		"75767778798081828384858687888990919293949596979899";
	uint64_t lo;
	int n;

	if (nd > 8) {
		lo = q % 100000000;
		q /= 100000000;
		for (n = 8; n > 0; n -= 2, lo /= 100)
			memcpy(out + nd - 8 + n - 2, pairs + 2 * (lo % 100), 2);
		nd -= 8;
	}
	for (; nd >= 2; nd -= 2, q /= 100)
		memcpy(out + nd - 2, pairs + 2 * (q % 100), 2);
	if (nd)
		out[0] = (char)('0' + q);
}

/*
 * d rounded to prec = 17 - log10(div) digits (div a constant, so the
 * divisions are multiplies), read back and written when it equals a.
 * Returns the length, 0 when it does not read back, -1 when undecided.
 */
static inline __attribute__((always_inline)) int
try_fast(char out[32], uint64_t d, uint64_t div, int prec, int e, int dir,
	 double a, int negative)
{
	uint64_t q = d / div, r = d % div;
	int nd = prec;
	double back;
	char text[20];

	/* a cut on the 17 digits' own half: dir says which way */
	if (div > 1 && r == div / 2 && !dir)
		return -1;
	if (r > div / 2 || (div > 1 && r == div / 2 && dir > 0))
		q++;
	if (q == 100000000000000000ULL / div) {
		q /= 10;
		e++;
	}
	while (nd > 1 && q % 10 == 0) {
		q /= 10;
		nd--;
	}
	if (decimal_value(&back, q, (int64_t)e - (nd - 1)))
		return -1;
	if (back != a)
		return 0;
	put_digits(text, q, nd);
	return (int)write_g(out, negative, text, nd, e, prec);
}

/*
 * The shortest text of v (finite, normal, not zero) from digits17(), in
 * integers: the 17 digits rounded to 15, 16, then 17 and read back with
 * the parser's exact arithmetic (see mlw_fmt_double() for why
 * these three).  Returns the length, or 0 when a step cannot decide and
 * the caller takes the snprintf path.  snprintf took 70% of the time of
 * writing a prediction.
 */
static size_t format_fast(char out[32], double v)
{
	uint64_t d;
	int e10, dir, len, neg = signbit(v) != 0;
	double a = fabs(v);

	if (digits17(&d, &e10, &dir, a))
		return 0;
	len = try_fast(out, d, 100, 15, e10, dir, a, neg);
	if (!len)
		len = try_fast(out, d, 10, 16, e10, dir, a, neg);
	if (!len)
		len = try_fast(out, d, 1, 17, e10, dir, a, neg);
	return len > 0 ? (size_t)len : 0;
}

/*
 * From the 17 correctly rounded digits of v, find the fewest that read
 * back: 15 first, since when some decimal of k <= 15 digits reads back,
 * v lies within half an ulp of it, far closer than the 15-digit step,
 * so the 15-digit rounding is those k digits and trailing zeros; when
 * 15 do not read back, fewer do not either.  Then 16 and 17.
 */
size_t mlw_fmt_double(char out[32], double v)
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
	if (fabs(v) < DBL_MIN) {
		/* subnormals have fewer digits than 15 can hold: ask libc */
		for (prec = 1; prec <= 17; prec++) {
			len = (size_t)snprintf(out, 32, "%.*g", prec, v);
			if (strtod(out, NULL) == v)
				return len;
		}
	}
	len = format_fast(out, v);
	if (len)
		return len;
	snprintf(sci, sizeof(sci), "%.16e", fabs(v));
	digits[0] = sci[0];
	memcpy(digits + 1, sci + 2, 16);
	exp10 = (int)strtol(sci + 19, NULL, 10);
	for (prec = 15; prec <= 17; prec++) {
		len = try_prec(out, v, digits, exp10, prec);
		if (len)
			return len;
	}
	return (size_t)snprintf(out, 32, "%.17g", v);
}

size_t mlw_fmt_u64(char *out, uint64_t v)
{
	char d[20];
	size_t n = 0, i;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = d[n - 1 - i];
	return n;
}
