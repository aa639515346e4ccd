/*
 * perf-gen.c - input data for the benchmarks in t/perf, made quickly and
 * the same on every run (fixed seeds), so mlw and its peer see identical
 * bytes and runs on different days compare.  Compiled on the fly by
 * perf-lib.sh into the scratch directory; never part of ./mlw.
 *
 *	perf-gen random SIZE           SIZE pseudo-random bytes to stdout
 *	perf-gen csv SIZE              numeric CSV (50 columns), at most SIZE
 *	                               bytes of whole rows, to stdout
 *	perf-gen files DIR N SIZE      N files of SIZE bytes of CSV in
 *	                               DIR/dNN/fNNNNN.csv, 100 files a folder
 *
 * The CSV looks like a real feature table: an id, a few integer columns
 * (counts, categories), a 0/1 label, sparse columns that are mostly 0 and
 * Gaussian floats of various scales and precisions.  Numbers are formatted
 * by hand: printf("%f") would make generating 1 GiB take longer than
 * storing it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NCOLS 50

static uint64_t rng_state;

/* splitmix64: fast, statistically sound, so deflate finds nothing */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* roughly standard normal: sum of four uniforms (Irwin-Hall), rescaled */
static double gauss(void)
{
	double s = 0;
	int i;

	for (i = 0; i < 4; i++)
		s += (double)(rng() >> 11) * (1.0 / 9007199254740992.0);
	return (s - 2.0) * 1.7320508075688772;
}

static char *put_uint(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* v with exactly dec decimals, as "%.*f" would print it */
static char *put_fixed(char *p, double v, int dec)
{
	static const double pow10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
	uint64_t scaled, ip, fp, div = (uint64_t)pow10[dec];
	int i;

	if (v < 0) {
		*p++ = '-';
		v = -v;
	}
	scaled = (uint64_t)(v * pow10[dec] + 0.5);
	ip = scaled / div;
	fp = scaled % div;
	p = put_uint(p, ip);
	if (dec) {
		*p++ = '.';
		for (i = dec - 1; i >= 0; i--) {
			p[i] = (char)('0' + fp % 10);
			fp /= 10;
		}
		p += dec;
	}
	return p;
}

struct column {
	char kind;	/* i: integer, l: label, s: sparse, f: float */
	double mean, scale;
	int dec;
};

static struct column cols[NCOLS];

static void init_columns(void)
{
	int c;

	rng_state = 42;
	for (c = 0; c < NCOLS; c++) {
		struct column *col = &cols[c];

		if (c < 4) {
			col->kind = 'i';
			col->mean = (double)(rng() % 1000);
			col->scale = 1 + (double)(rng() % 200);
		} else if (c == 4) {
			col->kind = 'l';
		} else if (c < 10) {
			col->kind = 's';
			col->scale = 1 + (double)(rng() % 50);
			col->dec = 2;
		} else {
			col->kind = 'f';
			col->mean = (double)(rng() % 2000) / 10.0 - 100.0;
			col->scale = 0.01 * (double)(1 + rng() % 10000);
			col->dec = 2 + (int)(rng() % 5);
		}
	}
}

static char *put_header(char *p)
{
	int c;

	p += sprintf(p, "id");
	for (c = 0; c < NCOLS - 1; c++)
		p += sprintf(p, ",%s%d", c == 4 ? "label" : "x", c);
	*p++ = '\n';
	return p;
}

static char *put_row(char *p, uint64_t id)
{
	int c;

	p = put_uint(p, id);
	for (c = 0; c < NCOLS - 1; c++) {
		struct column *col = &cols[c];
		double v;

		*p++ = ',';
		switch (col->kind) {
		case 'i':
			v = col->mean + col->scale * gauss();
			p = put_uint(p, v < 0 ? 0 : (uint64_t)v);
			break;
		case 'l':
			*p++ = (rng() & 3) ? '0' : '1';
			break;
		case 's':
			if (rng() % 10)
				*p++ = '0';
			else
				p = put_fixed(p, col->scale * (double)(rng() % 1000) / 1000.0,
					      col->dec);
			break;
		default:
			p = put_fixed(p, col->mean + col->scale * gauss(), col->dec);
		}
	}
	*p++ = '\n';
	return p;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s) {
		fprintf(stderr, "perf-gen: bad size '%s'\n", s);
		exit(2);
	}
	switch (*end) {
	case 'k': case 'K': v <<= 10; break;
	case 'm': case 'M': v <<= 20; break;
	case 'g': case 'G': v <<= 30; break;
	}
	return v;
}

static void write_or_die(FILE *f, const char *buf, size_t n)
{
	if (fwrite(buf, 1, n, f) != n) {
		perror("perf-gen: write");
		exit(1);
	}
}

static void gen_random(uint64_t size)
{
	static uint64_t buf[1 << 14];
	size_t i, n;

	rng_state = 1;
	while (size) {
		for (i = 0; i < sizeof(buf) / 8; i++)
			buf[i] = rng();
		n = size < sizeof(buf) ? (size_t)size : sizeof(buf);
		write_or_die(stdout, (char *)buf, n);
		size -= n;
	}
}

/* whole rows, at most size bytes (the header counts) */
static void gen_csv(FILE *f, uint64_t size, uint64_t *id)
{
	static char buf[1 << 20];
	char row[NCOLS * 32], *p = buf;
	uint64_t total = 0;

	p = put_header(p);
	if ((uint64_t)(p - buf) > size)
		p = buf;
	total = (uint64_t)(p - buf);
	for (;;) {
		char *end = put_row(row, (*id)++);
		size_t n = (size_t)(end - row);

		if (total + n > size)
			break;
		if ((size_t)(p - buf) + n > sizeof(buf)) {
			write_or_die(f, buf, (size_t)(p - buf));
			p = buf;
		}
		memcpy(p, row, n);
		p += n;
		total += n;
	}
	write_or_die(f, buf, (size_t)(p - buf));
}

/*
 * n files of exactly size bytes: a header and rows, the last row cut short
 * (a file cut at a block boundary, as a sharded export would be)
 */
static void gen_files(const char *dir, unsigned n, uint64_t size)
{
	char path[4096];
	char *buf = malloc((size_t)size + NCOLS * 32 + 512), *p;
	uint64_t id = 0;
	unsigned i;

	if (!buf || !size) {
		fprintf(stderr, "perf-gen: bad file size\n");
		exit(2);
	}
	for (i = 0; i < n; i++) {
		FILE *f;

		if (i % 100 == 0) {
			snprintf(path, sizeof(path), "%s/d%02u", dir, i / 100);
			if (mkdir(path, 0777) < 0 && errno != EEXIST) {
				perror(path);
				exit(1);
			}
		}
		p = put_header(buf);
		while ((uint64_t)(p - buf) < size)
			p = put_row(p, id++);
		buf[size - 1] = '\n';
		snprintf(path, sizeof(path), "%s/d%02u/f%05u.csv", dir,
			 i / 100, i);
		f = fopen(path, "w");
		if (!f) {
			perror(path);
			exit(1);
		}
		write_or_die(f, buf, (size_t)size);
		if (fclose(f)) {
			perror(path);
			exit(1);
		}
	}
	free(buf);
}

int main(int argc, char **argv)
{
	uint64_t id = 0;

	init_columns();
	if (argc == 3 && !strcmp(argv[1], "random"))
		gen_random(parse_size(argv[2]));
	else if (argc == 3 && !strcmp(argv[1], "csv"))
		gen_csv(stdout, parse_size(argv[2]), &id);
	else if (argc == 5 && !strcmp(argv[1], "files"))
		gen_files(argv[2], (unsigned)strtoul(argv[3], NULL, 10),
			  parse_size(argv[4]));
	else {
		fprintf(stderr, "usage: perf-gen random SIZE | csv SIZE | files DIR N SIZE\n");
		return 2;
	}
	if (fflush(stdout)) {
		perror("perf-gen: write");
		return 1;
	}
	return 0;
}
