/*
 * test-tracking-batch - the log-batch body read without jansson
 * (lib/tracking/batch.c): what it takes, what it declines, and that
 * whatever it takes jansson reads to the same batch, on a table of
 * bodies and on every truncation and one-byte change of some.
 */
#include "tap.h"
#include "run/run.h"
#include "tracking/internal.h"
#include "util/buf.h"
#include "batch-oracle.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *body;
	int taken;
	const char *why;
} cases[] = {
	{ "{\"run_id\": \"r1\", \"metrics\": [{\"key\": \"loss\", "
	  "\"value\": 0.5, \"timestamp\": 1700000000123, \"step\": 3}]}",
	  1, "one metric" },
	{ " {\n\t\"metrics\":[{\"step\":1,\"timestamp\":5,\"value\":-2e-3,"
	  "\"key\":\"a/b\"},{\"key\":\"c\",\"value\":7,\"timestamp\":9}],"
	  "\"run_id\":\"r\"}\r\n", 1, "members in any order, step absent" },
	{ "{\"run_uuid\": \"old\", \"metrics\": []}", 1, "run_uuid" },
	{ "{\"run_uuid\": \"old\", \"run_id\": \"new\"}", 1,
	  "run_id wins over run_uuid" },
	{ "{\"run_id\": \"r\", \"params\": [{\"key\": \"lr\", \"value\": "
	  "\"0.1\"}], \"tags\": [{\"value\": \"x\", \"key\": \"t\"}]}", 1,
	  "params and tags" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", \"value\": "
	  "\"NaN\", \"timestamp\": 1}, {\"key\": \"k\", \"value\": "
	  "\"-Infinity\", \"timestamp\": 2}, {\"key\": \"k\", \"value\": "
	  "\"Infinity\", \"timestamp\": 3}]}", 1, "quoted non-finite values" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", \"value\": "
	  "1e308, \"timestamp\": -1, \"step\": 0}]}", 1, "large numbers" },
	{ "{\"run_id\": \"\", \"run_uuid\": \"x\"}", 0, "empty run_id" },
	{ "{\"metrics\": []}", 0, "no run_id" },
	{ "{}", 0, "empty object" },
	{ "[]", 0, "not an object" },
	{ "", 0, "empty body" },
	{ "{\"run_id\": \"r\", \"run_id\": \"s\"}", 0, "a member twice" },
	{ "{\"run_id\": \"r\", \"other\": 1}", 0, "an unknown member" },
	{ "{\"run_id\": \"r\\u0041\"}", 0, "an escape" },
	{ "{\"run_id\": \"r\xc3\xa9\"}", 0, "a non-ASCII byte" },
	{ "{\"run_id\": \"r\", \"metrics\": null}", 0, "null metrics" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", "
	  "\"value\": 1}]}", 0, "no timestamp" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", \"value\": 1, "
	  "\"timestamp\": 1.5}]}", 0, "a real timestamp" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", \"value\": 1, "
	  "\"timestamp\": 99999999999999999999}]}", 0,
	  "an integer out of range" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", \"value\": "
	  "1e999, \"timestamp\": 1}]}", 0, "a real out of range" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", \"value\": "
	  "\"1.5\", \"timestamp\": 1}]}", 0, "a value as text" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", \"value\": "
	  "01, \"timestamp\": 1}]}", 0, "a leading zero" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", \"value\": "
	  "-NaN, \"timestamp\": 1}]}", 0, "-NaN" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", \"value\": 1,"
	  " \"timestamp\": 1}]} x", 0, "trailing text" },
	{ "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"k\", \"value\": 1,"
	  " \"timestamp\": 1},]}", 0, "a trailing comma" },
	{ "{\"run_id\": \"r\", \"params\": [{\"key\": \"k\", \"value\": 1}]}",
	  0, "a param's value a number" },
};

/* bare NaN and Infinity, as Python's json.dumps writes them */
static void test_bare_words(void)
{
	static const char body[] = "{\"run_id\": \"r\", \"metrics\": ["
		"{\"key\": \"a\", \"value\": NaN, \"timestamp\": 1},"
		"{\"key\": \"a\", \"value\":-Infinity , \"timestamp\": 1},"
		"{\"timestamp\": 1, \"value\": Infinity}, \"key\": \"a\"}]}";
	static const char bad[] = "{\"run_id\": \"r\", \"metrics\": ["
		"{\"key\": \"a\", \"value\": NaNa, \"timestamp\": 1}]}";
	struct log_batch_body b;

	ok(log_batch_scan(&b, body, strlen(body)) == 1,
	   "a misplaced brace after a bare word declines");
	ok(log_batch_scan(&b, body, 130) == 1, "so does a cut body");
	ok(log_batch_scan(&b, bad, strlen(bad)) == 1, "NaNa declines");
	{
		static const char good[] = "{\"run_id\": \"r\", \"metrics\": ["
			"{\"key\": \"a\", \"value\": NaN, \"timestamp\": 1},"
			"{\"key\": \"a\", \"value\":-Infinity , "
			"\"timestamp\": 1},{\"timestamp\": 1, \"value\": "
			"Infinity, \"key\": \"a\"}]}";

		int ret = log_batch_scan(&b, good, strlen(good));

		ok(ret == 0, "bare NaN, -Infinity and Infinity are values");
		if (ret)
			return;
		ok(b.nr_metrics == 3 && isnan(b.metrics[0].value) &&
		   b.metrics[1].value == -INFINITY &&
		   b.metrics[2].value == INFINITY, "read as non-finite");
		log_batch_body_release(&b);
	}
}

/* whatever a truncated or changed body gives, jansson reads the same */
static void test_mutations(const char *body)
{
	static const char subst[] = "{}[],:\"\\01-.eE Nx\x80";
	size_t len = strlen(body), i, j, taken = 0, bad = 0;
	char *copy = malloc(len + 1);
	struct log_batch_body b;

	for (i = 0; i <= len; i++) {
		for (j = 0; j <= sizeof(subst) - 1; j++) {
			size_t n = len;

			memcpy(copy, body, len + 1);
			if (j == sizeof(subst) - 1) {
				n = i;		/* the body cut at i */
				copy[n] = '\0';
			} else if (i < len) {
				copy[i] = subst[j];
			} else {
				continue;
			}
			if (log_batch_scan(&b, copy, n))
				continue;
			taken++;
			if (!same_as_jansson(copy, n, &b) && bad++ < 5)
				printf("# differs from jansson: %s\n", copy);
			log_batch_body_release(&b);
		}
	}
	ok(!bad && taken, "%zu changed bodies taken, all read as jansson "
	   "does (%zu differ)", taken, bad);
	free(copy);
}

int main(void)
{
	struct log_batch_body b;
	struct mlw_buf big = MLW_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *body = cases[i].body;
		int ret = log_batch_scan(&b, body, strlen(body));

		if (!cases[i].taken) {
			ok(ret == 1 && !b.run_id && !b.strings, "declines: %s",
			   cases[i].why);
			continue;
		}
		ok(ret == 0 && same_as_jansson(body, strlen(body), &b),
		   "takes: %s",
		   cases[i].why);
		if (!ret)
			log_batch_body_release(&b);
	}
	test_bare_words();

	/* MLflow's limit: 1,000 metrics are taken, 1,001 declined */
	mlw_buf_adds(&big, "{\"run_id\": \"r\", \"metrics\": [");
	for (i = 0; i < 1001; i++)
		mlw_buf_addf(&big, "%s{\"key\": \"m%zu\", \"value\": %zu.5, "
			     "\"timestamp\": %zu, \"step\": %zu}",
			     i ? ", " : "", i % 10, i, 1700000000000 + i,
			     i / 10);
	mlw_buf_adds(&big, "]}");
	ok(log_batch_scan(&b, big.buf, big.len) == 1, "1,001 metrics decline");
	{
		/* cut the last metric off: 1,000 */
		char *last = strrchr(big.buf, '{');

		last[-2] = ']';
		last[-1] = '}';
		last[0] = '\0';
		ok(log_batch_scan(&b, big.buf, last - big.buf) == 0 &&
		   b.nr_metrics == 1000 &&
		   same_as_jansson(big.buf, (size_t)(last - big.buf), &b) &&
		   b.metrics[999].step == 99 && b.metrics[999].value == 999.5,
		   "1,000 metrics are taken, read as jansson does");
		if (b.strings)
			log_batch_body_release(&b);
	}
	mlw_buf_release(&big);

	test_mutations(cases[0].body);
	test_mutations(cases[1].body);
	test_mutations(cases[4].body);
	return done_testing();
}
