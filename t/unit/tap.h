/*
 * tap.h - a minimal TAP producer for the C unit tests in t/unit.
 *
 *	int main(void)
 *	{
 *		ok(1 + 1 == 2, "addition");
 *		is_str(s, "x", "formats x");
 *		return done_testing();
 *	}
 */
#ifndef MLW_TAP_H
#define MLW_TAP_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static void tap_ok(int pass, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#include <stdarg.h>

static void tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		FILE *f;

		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
		/*
		 * For 'make test', which lists every failure after prove's
		 * summary (run from t/, as the shell tests' FAILURES is)
		 */
		f = fopen("trash/FAILURES", "a");
		if (f) {
			fprintf(f, "--- unit/%s: not ok %d - ",
				program_invocation_short_name, tap_count);
			va_start(ap, fmt);
			vfprintf(f, fmt, ap);
			va_end(ap);
			fprintf(f, " (%s:%d)\n", file, line);
			fclose(f);
		}
	}
}

#define is_str(got, want, ...) do { \
	const char *tap_g = (got), *tap_w = (want); \
	int tap_p = tap_g && tap_w && !strcmp(tap_g, tap_w); \
	tap_ok(tap_p, __FILE__, __LINE__, __VA_ARGS__); \
	if (!tap_p) \
		printf("#   got '%s'\n#  want '%s'\n", tap_g ? tap_g : "(null)", \
		       tap_w ? tap_w : "(null)"); \
} while (0)

#define is_int(got, want, ...) do { \
	long long tap_g = (long long)(got), tap_w = (long long)(want); \
	tap_ok(tap_g == tap_w, __FILE__, __LINE__, __VA_ARGS__); \
	if (tap_g != tap_w) \
		printf("#   got %lld\n#  want %lld\n", tap_g, tap_w); \
} while (0)

static int done_testing(void)
{
	printf("1..%d\n", tap_count);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
