/*
 * test-util-query.c - the --query JMESPath subset, table-driven as jq's
 * tests are: (query, input, expected output).
 */
#include "tap.h"
#include "util/query.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/output.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *query, *input, *expect;
} cases[] = {
	{ "name", "{\"name\": \"a\", \"status\": \"Running\"}", "\"a\"" },
	{ "status", "{\"name\": \"a\", \"status\": \"Running\"}", "\"Running\"" },
	{ "nope", "{\"name\": \"a\"}", "null" },
	{ "outputs.model.path",
	  "{\"outputs\": {\"model\": {\"path\": \"azureml:jobs/x/outputs/model\"}}}",
	  "\"azureml:jobs/x/outputs/model\"" },
	{ "[0]", "[1, 2, 3]", "1" },
	{ "[-1]", "[1, 2, 3]", "3" },
	{ "[5]", "[1, 2, 3]", "null" },
	{ "[].name", "[{\"name\": \"a\"}, {\"name\": \"b\"}, {}]",
	  "[\n  \"a\",\n  \"b\"\n]" },
	{ "[0].name", "[{\"name\": \"a\"}, {\"name\": \"b\"}]", "\"a\"" },
	{ "{A:name, B:status}", "{\"name\": \"a\", \"status\": \"Failed\"}",
	  "{\n  \"A\": \"a\",\n  \"B\": \"Failed\"\n}" },
	{ "[].{n:name}", "[{\"name\": \"a\"}]",
	  "[\n  {\n    \"n\": \"a\"\n  }\n]" },
	{ "metrics.\"azureml.git.branch\"",
	  "{\"metrics\": {\"azureml.git.branch\": \"main\"}}", "\"main\"" },
	{ "name.x", "{\"name\": \"a\"}", "null" },
};

/* a query's result in each output format, from an output tree */
static void test_render(void)
{
	static const struct {
		enum mlw_format fmt;
		const char *query, *expect;
	} cases[] = {
		{ MLW_FMT_DEFAULT, "[].n", "[\n  \"a\",\n  \"b\"\n]\n" },
		{ MLW_FMT_JSON, "[0].x", "0.7\n" },
		{ MLW_FMT_JSONC, "[0].n", "\033[32m\"a\"\033[0m\n" },
		{ MLW_FMT_TSV, "[].n", "a\nb\n" },
		{ MLW_FMT_TSV, "[].{n:n, x:x}", "a\t0.7\nb\t\n" },
		{ MLW_FMT_TSV, "[5]", "" },
		{ MLW_FMT_YAML, "[0]", "n: a\nx: 0.7\n" },
		{ MLW_FMT_NONE, "[0]", "" },
	};
	struct mlw_out *o = mlw_out_new();
	size_t i;

	mlw_out_list_begin(o, NULL);
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "n", "a");
	mlw_out_num(o, "x", 0.7);
	mlw_out_end(o);
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "n", "b");
	mlw_out_end(o);
	mlw_out_end(o);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mlw_buf b = MLW_BUF_INIT;

		ok(!mlw_query_render(o, cases[i].query, cases[i].fmt, &b),
		   "render %zu: '%s'", i, cases[i].query);
		is_str(b.buf, cases[i].expect, "render %zu gives its text", i);
		mlw_buf_release(&b);
	}
	mlw_out_free(o);
}

int main(void)
{
	size_t i;
	char *out;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int ret = mlw_query_eval(&out, cases[i].input, cases[i].query);

		ok(!ret, "query '%s' evaluates", cases[i].query);
		is_str(out ? out : "", cases[i].expect,
		       "query %zu gives its result", i);
		free(out);
	}
	ok(mlw_query_eval(&out, "{}", "a b") == MLW_EINVALID,
	   "a query outside the subset is an error");
	ok(strstr(mlw_error_last(), "not understood") != NULL,
	   "and says so");
	ok(mlw_query_eval(&out, "{}", "[x]") == MLW_EINVALID,
	   "a bad index is an error");
	test_render();
	return done_testing();
}
