/*
 * test-run-query.c - the --query JMESPath subset, table-driven as jq's
 * tests are: (query, input, expected output).
 */
#include "tap.h"
#include "run/query.h"
#include "util/error.h"

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
	return done_testing();
}
