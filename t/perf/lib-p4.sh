# lib-p4.sh - shared by the p4* benchmarks: the 1,000,000 x 50 dense CSV
# files (~0.57 GB) they read, generated once into /tmp by a small C
# program (Python would take minutes), and helpers to time commands.
# $BIG is regression (y a noisy linear function of x0..x48), $BIG_CLS
# binary classification (y 0/1 drawn from a logistic model of x0..x48).

MLW=${MLW:-$(cd "$(dirname "$0")/../.." && pwd)/mlw}
PY=/usr/bin/python3
ROWS=${P4_ROWS:-1000000}
BIG=${P4_CSV:-/tmp/mlw-perf-${ROWS}x50.csv}
BIG_CLS=${P4_CLS_CSV:-/tmp/mlw-perf-${ROWS}x50-cls.csv}

now () {
	date +%s.%N
}

# gen_csv [cls]: y is a noisy linear function of x0..x48, every value
# %.8f; with cls, y is 1 with probability 1 / (1 + exp(-w.x))
gen_csv () {
	out=$BIG
	test "$1" = cls && out=$BIG_CLS
	test -s "$out" && return 0
	src=$(mktemp /tmp/mlw-perf-gen-XXXXXX.c)
	cat >"$src" <<-\C
	#include <stdio.h>
	#include <stdlib.h>
	#include <stdint.h>
	#include <string.h>
	#include <math.h>
	static uint64_t s = 88172645463325252ULL;
	static double unif(void)
	{
		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		return (double)(s >> 11) / 9007199254740992.0;
	}
	int main(int argc, char **argv)
	{
		long n = atol(argv[1]), i;
		int cls = argc > 2 && !strcmp(argv[2], "cls");
		double w[49];
		int j;
		for (j = 0; j < 49; j++)
			w[j] = 4 * unif() - 2;
		for (j = 0; j < 49; j++)
			printf("x%d,", j);
		printf("y\n");
		for (i = 0; i < n; i++) {
			double y = 0;
			for (j = 0; j < 49; j++) {
				double x = unif() + unif() + unif() - 1.5;
				char buf[32];
				snprintf(buf, sizeof(buf), "%.8f", x);
				y += w[j] * atof(buf);
				printf("%s,", buf);
			}
			if (cls)
				printf("%d\n", unif() < 1 / (1 + exp(-y)));
			else
				printf("%.8f\n", y + 0.1 * (unif() - 0.5));
		}
		return 0;
	}
	C
	cc -O2 -o "$src.bin" "$src" -lm && "$src.bin" "$ROWS" $1 >"$out.tmp" &&
		mv "$out.tmp" "$out"
	rc=$?
	rm -f "$src" "$src.bin"
	return $rc
}

# warm the page cache, as the targets are stated for a cached file
warm () {
	cat "$1" >/dev/null
}

size_mb () {
	echo "$(stat -c %s "$1") / 1000000" | bc -l
}
