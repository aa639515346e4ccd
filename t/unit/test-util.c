/*
 * test-util.c - unit tests for lib/util: buffers, number parsing,
 * suggestions, durations, option parsing and output formats.
 */
#include "tap.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/number.h"
#include "util/opt.h"
#include "util/output.h"
#include "util/strutil.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void test_buf(void)
{
	struct mlw_buf b = MLW_BUF_INIT;
	char *p;
	size_t len;

	is_str(b.buf, "", "fresh buffer is an empty string");
	mlw_buf_addf(&b, "%s-%d", "x", 42);
	is_str(b.buf, "x-42", "addf formats");
	mlw_buf_adds(&b, "  \n");
	mlw_buf_rtrim(&b);
	is_str(b.buf, "x-42", "rtrim trims");
	for (int i = 0; i < 10000; i++)
		mlw_buf_addch(&b, 'a');
	is_int(b.len, 10004, "grows past its first allocation");
	p = mlw_buf_detach(&b, &len);
	is_int(len, 10004, "detach hands over the length");
	is_str(b.buf, "", "detach leaves an empty buffer");
	free(p);
}

static void test_numbers(void)
{
	int64_t i;
	double d;

	ok(!mlw_parse_i64(&i, "-17", "n") && i == -17, "parses an integer");
	ok(mlw_parse_i64(&i, "17x", "n") == MLW_EINVALID, "rejects trailing junk");
	ok(mlw_parse_i64(&i, "", "n") == MLW_EINVALID, "rejects empty");
	ok(mlw_parse_i64(&i, "99999999999999999999", "n") == MLW_EINVALID,
	   "rejects overflow");
	ok(!mlw_parse_double(&d, "1e-3", "x") && d == 1e-3, "parses 1e-3");
	ok(mlw_parse_double(&d, "1e999", "x") == MLW_EINVALID, "rejects overflow");
}

static void test_suggest(void)
{
	const char *const words[] = { "hash-object", "write-tree", "fsck", NULL };

	is_str(mlw_suggest("hash-objet", words), "hash-object", "typo found");
	is_str(mlw_suggest("fcsk", words), "fsck", "transposition found");
	ok(!mlw_suggest("completely-else", words), "no suggestion when far");
	is_int(mlw_edit_distance("kitten", "sitting"), 3, "edit distance");
}

static void test_duration(void)
{
	double s;

	ok(!mlw_parse_duration(&s, "now") && s == 0, "now");
	ok(!mlw_parse_duration(&s, "never") && s < 0, "never");
	ok(!mlw_parse_duration(&s, "2w") && s == 2 * 604800, "2w");
	ok(!mlw_parse_duration(&s, "2.weeks.ago") && s == 2 * 604800,
	   "git spelling");
	ok(!mlw_parse_duration(&s, "90s") && s == 90, "seconds");
	ok(mlw_parse_duration(&s, "soon") == MLW_EINVALID, "rejects words");
	ok(mlw_parse_duration(&s, "3 parsecs") == MLW_EINVALID,
	   "rejects unknown units");
}

static void test_opt(void)
{
	int flag = 0, count = 0;
	const char *name = NULL;
	int64_t n = 0;
	struct mlw_strlist sets = MLW_STRLIST_INIT;
	struct mlw_option opts[] = {
		MLW_OPT_BOOL('f', "flag", &flag, "a flag"),
		MLW_OPT_COUNT('c', "count", &count, "a counter"),
		MLW_OPT_STRING('n', "name", &name, "NAME", "a name"),
		MLW_OPT_INT(0, "num", &n, "N", "a number"),
		MLW_OPT_LIST(0, "set", &sets, "K=V", "repeatable"),
		MLW_OPT_END()
	};
	const char *argv[] = { "a", "-fcc", "--name=x", "b", "--num", "7",
			       "--set", "p=1", "--set=q=2", "--", "-c", NULL };
	int argc = mlw_opt_parse(11, argv, opts, 0);
	struct mlw_buf b = MLW_BUF_INIT;

	is_int(argc, 3, "three operands");
	is_str(argv[0], "a", "operand 1");
	is_str(argv[1], "b", "operand 2");
	is_str(argv[2], "-c", "after -- is an operand");
	ok(flag == 1 && count == 2, "bundled short options");
	is_str(name, "x", "--name=x");
	is_int(n, 7, "--num 7");
	ok(sets.nr == 2 && !strcmp(sets.items[1], "q=2"), "list option");

	{
		const char *bad[] = { "--nmae", "x", NULL };

		ok(mlw_opt_parse(2, bad, opts, 0) == MLW_EINVALID &&
		   strstr(mlw_error_last(), "did you mean '--name'"),
		   "unknown long option suggests");
	}
	{
		const char *help[] = { "-h", NULL };

		is_int(mlw_opt_parse(1, help, opts, 0), MLW_OPT_HELP, "-h");
	}
	{
		const char *noflag[] = { "--no-flag", NULL };

		flag = 1;
		ok(mlw_opt_parse(1, noflag, opts, 0) == 0 && !flag, "--no-flag");
	}
	mlw_opt_usage(&b, (const char *const[]){ "mlw x", NULL }, opts);
	ok(strstr(b.buf, "-n, --name NAME") != NULL, "usage shows options");
	mlw_buf_reset(&b);
	mlw_opt_completion(&b, opts);
	ok(strstr(b.buf, "--name=") != NULL, "completion lists options");
	mlw_buf_release(&b);
	mlw_strlist_release(&sets);
}

static char *render(struct mlw_out *o, enum mlw_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	mlw_out_write(o, f, fp, 0);
	fclose(fp);
	return buf;
}

static void test_output(void)
{
	struct mlw_out *o = mlw_out_new();
	char *s;
	char num[32];

	mlw_out_list_begin(o, NULL);
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", "a b");
	mlw_out_int(o, "version", 2);
	mlw_out_num(o, "rmse", 0.1);
	mlw_out_end(o);
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", "yes");
	mlw_out_int(o, "version", 10);
	mlw_out_num(o, "rmse", NAN);
	mlw_out_end(o);
	mlw_out_end(o);

	s = render(o, MLW_FMT_TSV);
	is_str(s, "a b\t2\t0.1\nyes\t10\tNaN\n", "tsv: no header, tabs");
	free(s);
	s = render(o, MLW_FMT_TABLE);
	is_str(s, "NAME  VERSION  RMSE\na b   2        0.1\nyes   10       NaN\n",
	       "table: header and aligned columns");
	free(s);
	s = render(o, MLW_FMT_YAML);
	is_str(s, "- name: a b\n  version: 2\n  rmse: 0.1\n- name: \"yes\"\n  version: 10\n  rmse: \"NaN\"\n",
	       "yaml: quotes what would read as another type");
	free(s);
	s = render(o, MLW_FMT_JSON);
	ok(strstr(s, "\"rmse\": \"NaN\"") != NULL, "json: NaN as a string");
	free(s);
	mlw_out_free(o);

	mlw_fmt_double(num, 0.1);
	is_str(num, "0.1", "shortest round-trip 0.1");
	mlw_fmt_double(num, 1.0 / 3);
	ok(strtod(num, NULL) == 1.0 / 3, "1/3 round-trips");
	mlw_fmt_time(num, 0);
	is_str(num, "1970-01-01T00:00:00.000Z", "RFC 3339 UTC");
}

/* the definition: the fewest significant digits that read back as v */
static void shortest_by_search(char out[32], double v)
{
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		char *e;

		snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) != v)
			continue;
		e = strchr(out, 'e');
		if (e && e[1] == '+' && strtol(e + 2, NULL, 10) < 16)
			snprintf(out, 32, "%.*g",
				 (int)strtol(e + 2, NULL, 10) + 1, v);
		return;
	}
}

/*
 * mlw_fmt_double starts at 15 digits; against the plain search over
 * 1..17 on 300,000 values: random bit patterns (every exponent,
 * subnormals included), short decimals and uniform fractions.
 */
static void test_shortest_double(void)
{
	uint64_t x = 88172645463325252ull;
	long bad = 0, i;

	for (i = 0; i < 300000; i++) {
		char a[32], b[32];
		uint64_t r;
		double v;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		r = x * 2685821657736338717ull;
		switch (i % 4) {
		case 0:
			memcpy(&v, &r, sizeof(v));
			if (isnan(v) || isinf(v))
				continue;
			break;
		case 1:
			v = (double)(r % 100000) / 100;
			break;
		case 2:
			v = (double)(r >> 11) / 9007199254740992.0 * 1000;
			break;
		default:
			v = (double)(r % 1000000) / 1000.0 * (r & 1 ? -1 : 1);
		}
		mlw_fmt_double(a, v);
		shortest_by_search(b, v);
		if (strcmp(a, b) && bad++ < 3)
			printf("# %s != %s\n", a, b);
	}
	ok(!bad, "shortest round-trip equals the 1..17 search (%ld differ)",
	   bad);
}

/*
 * Where the 128-bit digits are closest to failing: the neighbours of
 * powers of two and ten (scale boundaries), decimals of up to 17 digits
 * as data holds, exact ties of 15 and 16 digits (n + 1/2, n + 1/4), and
 * the notation of round numbers.
 */
static void test_shortest_edges(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;
	long bad = 0, i;

#define NEXT() (x ^= x >> 12, x ^= x << 25, x ^= x >> 27, \
		x * 2685821657736338717ull)
	for (i = 0; i < 2 * 1100; i++) {
		double v = i % 2 ? pow(10.0, (double)(i / 2 % 600) - 300) :
			   ldexp(1.0, (int)(i / 2) - 1075 + 53), w;

		for (w = nextafter(v, 0); w <= nextafter(v, INFINITY) &&
		     isfinite(w); w = nextafter(w, INFINITY)) {
			char a[32], b[32];

			mlw_fmt_double(a, w);
			shortest_by_search(b, w);
			if (strcmp(a, b) && bad++ < 3)
				printf("# %s != %s\n", a, b);
		}
	}
	ok(!bad, "powers of two and ten and their neighbours (%ld differ)",
	   bad);
	for (i = 0, bad = 0; i < 200000; i++) {
		char a[32], b[32];
		uint64_t r = NEXT(), s = NEXT();
		double v = (double)(int64_t)(r >> (s % 64)) /
			   pow(10.0, (double)(NEXT() % 30));

		if (i % 5 == 0)
			v = (double)(NEXT() >> (11 + s % 8)) +
			    (i % 2 ? 0.5 : 0.25);
		mlw_fmt_double(a, v);
		shortest_by_search(b, v);
		if (strcmp(a, b) && bad++ < 3)
			printf("# %s != %s\n", a, b);
	}
#undef NEXT
	ok(!bad, "short decimals and exact ties (%ld differ)", bad);
	{
		char num[32];

		ok(mlw_fmt_double(num, 70) == 2 && !strcmp(num, "70"),
		   "70 is not written 7e+01");
		mlw_fmt_double(num, 1500);
		is_str(num, "1500", "1500 is not written 1.5e+03");
		mlw_fmt_double(num, 1e16);
		is_str(num, "1e+16", "1e16 stays short");
		mlw_fmt_double(num, 0.0001);
		is_str(num, "0.0001", "0.0001");
		mlw_fmt_double(num, -2.5e-7);
		is_str(num, "-2.5e-07", "-2.5e-07");
		mlw_fmt_double(num, -0.0);
		is_str(num, "-0", "-0");
		mlw_fmt_double(num, NAN);
		is_str(num, "NaN", "NaN");
		mlw_fmt_double(num, -INFINITY);
		is_str(num, "-Infinity", "-Infinity");
	}
}

static void test_paths(void)
{
	char *p;

	p = mlw_path_absolute("/a/./b/../c//d/");
	is_str(p, "/a/c/d", "absolute path normalised");
	free(p);
	p = mlw_path_dirname("a/b/c");
	is_str(p, "a/b", "dirname");
	free(p);
	p = mlw_path_join("a/", "b");
	is_str(p, "a/b", "join without doubled slash");
	free(p);
}

static void test_mkdir_p(void)
{
	char tmpl[] = "/tmp/mlw-test-mkdir-XXXXXX", *d = mkdtemp(tmpl), *p;
	struct stat st;
	FILE *f;

	if (!d) {
		ok(0, "cannot make a temporary folder");
		return;
	}
	p = mlw_xstrfmt("%s/a/b/c", d);
	ok(!mlw_mkdir_p(p, 0777) && !stat(p, &st) && S_ISDIR(st.st_mode),
	   "mkdir -p makes every missing folder");
	ok(!mlw_mkdir_p(p, 0777), "and is fine when it is there");
	free(p);
	p = mlw_xstrfmt("%s/a/b/d", d);
	ok(!mlw_mkdir_p(p, 0777) && !stat(p, &st),
	   "one more beside it: one mkdir");
	free(p);
	p = mlw_xstrfmt("%s/file", d);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	ok(mlw_mkdir_p(p, 0777) < 0 &&
	   strstr(mlw_error_last(), "Not a directory") != NULL,
	   "a file where the folder should be: ENOTDIR");
	mlw_error_clear();
	free(p);
	p = mlw_xstrfmt("%s/file/x/y", d);
	ok(mlw_mkdir_p(p, 0777) < 0 && strstr(mlw_error_last(), "/file'"),
	   "a file on the way: the error names it");
	mlw_error_clear();
	free(p);
	mlw_remove_tree(d);
}

/*
 * The JSON writer, table-driven: a document (read by jansson) and the
 * text mlw writes for it, compact and indented.  Reals are the shortest
 * text that reads back ("0.7", not jansson's "0.69999999999999996") and
 * keep ".0" when whole.
 */
static void test_json_writer(void)
{
	static const struct {
		const char *in, *compact, *indented;
	} cases[] = {
		{ "0.7", "0.7", "0.7" },
		{ "[0.1, 0.2, 0.30000000000000004]",
		  "[0.1,0.2,0.30000000000000004]",
		  "[\n  0.1,\n  0.2,\n  0.30000000000000004\n]" },
		{ "1.0", "1.0", "1.0" },
		{ "-0.0", "-0.0", "-0.0" },
		{ "1e300", "1e+300", "1e+300" },
		{ "5e-324", "5e-324", "5e-324" },
		{ "123456789012345678901234.0", "1.2345678901234569e+23",
		  "1.2345678901234569e+23" },
		{ "1e16", "1e+16", "1e+16" },
		{ "9007199254740993", "9007199254740993", "9007199254740993" },
		{ "{\"b\": 2.5, \"a\": [true, false, null]}",
		  "{\"b\":2.5,\"a\":[true,false,null]}",
		  "{\n  \"b\": 2.5,\n  \"a\": [\n    true,\n    false,\n"
		  "    null\n  ]\n}" },
		{ "{\"e\": {}, \"l\": []}", "{\"e\":{},\"l\":[]}",
		  "{\n  \"e\": {},\n  \"l\": []\n}" },
		{ "\"q\\\"b\\\\t\\t\\n\\u0001\\u007f\u00e9\"",
		  "\"q\\\"b\\\\t\\t\\n\\u0001\x7f\u00e9\"",
		  "\"q\\\"b\\\\t\\t\\n\\u0001\x7f\u00e9\"" },
	};
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i;
	char *s;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		json_t *v = json_loads(cases[i].in, JSON_DECODE_ANY, NULL);

		ok(v != NULL, "json case %zu parses", i);
		s = mlw_json_dumps(v, MLW_JSON_COMPACT);
		is_str(s, cases[i].compact, "json %s compact", cases[i].in);
		free(s);
		s = mlw_json_dumps(v, MLW_JSON_INDENT);
		is_str(s, cases[i].indented, "json %s indented", cases[i].in);
		free(s);
		json_decref(v);
	}
	{
		json_t *v = json_loads("{\"b\": 1, \"a\": {\"d\": 2, \"c\": 3}}",
				       0, NULL);

		s = mlw_json_dumps(v, MLW_JSON_COMPACT | MLW_JSON_SORT_KEYS);
		is_str(s, "{\"a\":{\"c\":3,\"d\":2},\"b\":1}",
		       "json: keys sorted at every level");
		free(s);
		s = mlw_json_dumps(v, MLW_JSON_COMPACT | MLW_JSON_COLOR);
		ok(strstr(s, "\033[34;1m\"b\"\033[0m:\033[36m1\033[0m") != NULL,
		   "json: colour for keys and numbers");
		free(s);
		json_decref(v);
	}
	s = mlw_json_dumps(NULL, MLW_JSON_INDENT);
	is_str(s, "null", "json: no value is null");
	free(s);
	{
		json_t *v = json_real(0.7);

		ok(mlw_json_scalar_text(&b, v) == 1 && !strcmp(b.buf, "0.7"),
		   "scalar text of a real is shortest, no .0");
		json_decref(v);
		mlw_buf_reset(&b);
		ok(mlw_json_scalar_text(&b, NULL) == 0 && !b.len,
		   "scalar text of null is nothing");
	}
	mlw_buf_release(&b);
}

/* mlw_fmt_u64: the digits only, and no byte past them */
static void test_fmt_u64(void)
{
	static const struct {
		uint64_t v;
		const char *text;
	} cases[] = {
		{ 0, "0" }, { 7, "7" }, { 10, "10" }, { 65535, "65535" },
		{ UINT64_C(18446744073709551615), "18446744073709551615" },
	};
	char out[24];
	size_t i, n;
	int bad = 0;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		memset(out, '#', sizeof(out));
		n = mlw_fmt_u64(out, cases[i].v);
		if (n != strlen(cases[i].text) ||
		    memcmp(out, cases[i].text, n) || out[n] != '#')
			bad++;
	}
	is_int(bad, 0, "mlw_fmt_u64: 0, 7, 10, 65535, 2^64-1, nothing past the digits");
}

int main(void)
{
	test_buf();
	test_numbers();
	test_suggest();
	test_duration();
	test_opt();
	test_output();
	test_json_writer();
	test_shortest_double();
	test_shortest_edges();
	test_fmt_u64();
	test_paths();
	test_mkdir_p();
	return done_testing();
}
