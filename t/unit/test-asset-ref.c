/*
 * test-asset-ref.c - the one reference parser (lib/spec/ref.h) as the
 * asset commands read their operands: every form a user may type where
 * an asset is named ('mlw model show m:3', 'mlw train --data
 * NAME@latest'), what it parses to, whether it can only be a reference
 * (explicit), and the forms it refuses with the reason.  The forms a
 * spec file uses (local paths) are test-spec.c's.
 */
#include "tap.h"
#include "spec/ref.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

static const char *s_or(const char *s)
{
	return s ? s : "-";
}

static const char *kind_name(enum mlw_ref_kind kind)
{
	switch (kind) {
	case MLW_REF_LOCAL:
		return "local";
	case MLW_REF_ASSET:
		return "asset";
	case MLW_REF_REGISTRY:
		return "registry";
	case MLW_REF_JOB_OUTPUT:
		return "job-output";
	case MLW_REF_REMOTE:
		return "remote";
	}
	return "?";
}

/*
 * One line a case: the text, and what it parses to as
 * "KIND NAME VERSION LABEL EXPLICIT" ('-' for none), with the registry
 * or job in place of nothing where the kind has one.
 */
static const struct {
	const char *text, *want;
} operands[] = {
	{ "diab", "asset diab - - 0" },
	{ "diab:3", "asset diab 3 - 0" },
	{ "diab:v1.2-rc_1", "asset diab v1.2-rc_1 - 0" },
	{ "diab@latest", "asset diab - latest 1" },
	/* may be a file named so: only @latest is surely a reference */
	{ "diab@prod", "asset diab - prod 0" },
	{ "azureml:diab", "asset diab - - 1" },
	{ "azureml:diab:3", "asset diab 3 - 1" },
	{ "azureml:diab@latest", "asset diab - latest 1" },
	{ "azureml:diab@prod", "asset diab - prod 1" },
	{ "azureml:jobs/happy_lamp_4k/outputs/model",
	  "job-output happy_lamp_4k model - 1" },
	{ "azureml://jobs/j1/outputs/o/paths/x.csv",
	  "job-output j1 o - 1" },
	{ "/subscriptions/0-1/resourceGroups/rg/providers/"
	  "Microsoft.MachineLearningServices/workspaces/ws/models/"
	  "ridge/versions/2", "asset ridge 2 - 1" },
	{ "azureml:/subscriptions/s/resourcegroups/rg/providers/"
	  "microsoft.machinelearningservices/workspaces/ws/data/"
	  "titanic/versions/9", "asset titanic 9 - 1" },
	{ "azureml://registries/azureml/models/m/versions/4",
	  "registry m 4 - 1" },
	{ "azureml://registries/azureml/environments/sk/labels/latest",
	  "registry sk - latest 1" },
	{ "azureml://datastores/workspaceblobstore/paths/iris.csv",
	  "remote - - - 1" },
	{ "https://example.com/iris.csv", "remote - - - 1" },
	{ "wasbs://c@acct.blob.core.windows.net/iris.csv",
	  "remote - - - 1" },
};

/* text, and a piece of the message that says why it is refused */
static const struct {
	const char *text, *why;
} refused[] = {
	{ "", "empty reference" },
	{ "data/iris.csv", "cannot contain '/'" },
	{ "diab:", "empty version" },
	{ "diab@", "empty label" },
	{ ":3", "empty asset name" },
	{ "diab:1:2", "too many ':'" },
	{ "diab:1@latest", "either NAME:VERSION or NAME@LABEL" },
	{ "-diab", "asset name" },
	{ ".hidden", "asset name" },
	{ "diab:../x", "version" },
	{ "diab@la bel", "label" },
	{ "azureml:", "empty asset name" },
	{ "azureml:bad name:1", "asset name" },
	{ "azureml:jobs/j/inputs/x", "azureml:jobs/JOB/outputs/OUTPUT" },
	{ "azureml://registries/r/widgets/n", "registry asset type" },
	/* an absolute path is no asset name, nor an ARM id */
	{ "/subscriptions/not-an-arm-id", "expected NAME" },
};

static char *describe(const struct mlw_ref *r)
{
	const char *name = r->name, *version = r->version;

	if (r->kind == MLW_REF_JOB_OUTPUT) {
		name = r->job;
		version = r->output;
	}
	return mlw_xstrfmt("%s %s %s %s %d", kind_name(r->kind), s_or(name),
			   s_or(version), s_or(r->label), r->explicit);
}

static void test_operands(void)
{
	size_t i;

	for (i = 0; i < sizeof(operands) / sizeof(*operands); i++) {
		struct mlw_ref r;
		int ret = mlw_ref_parse_operand(&r, operands[i].text);
		char *got = ret ? mlw_xstrfmt("error: %s", mlw_error_last()) :
			    describe(&r);

		is_str(got, operands[i].want, "operand '%s'",
		       operands[i].text);
		free(got);
		mlw_ref_release(&r);
	}
	for (i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		struct mlw_ref r;
		int ret = mlw_ref_parse_operand(&r, refused[i].text);

		ok(ret == MLW_EINVALID &&
		   strstr(mlw_error_last(), refused[i].why),
		   "operand '%s' refused: %s", refused[i].text,
		   ret ? mlw_error_last() : "(parsed)");
		mlw_ref_release(&r);
	}
}

/* mlw_ref_parse() (spec fields) marks what can only be a reference */
static void test_explicit_in_specs(void)
{
	static const struct {
		const char *text;
		int explicit;
	} cases[] = {
		{ "azureml:diab:1", 1 },
		{ "azureml:jobs/j/outputs/o", 1 },
		{ "azureml://datastores/d/paths/p", 1 },
		{ "https://example.com/x", 1 },
		{ "data/iris.csv", 0 },
		{ "file:iris.csv", 0 },
		{ "diab@latest", 0 },	/* a spec's path: a file name */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct mlw_ref r;

		ok(!mlw_ref_parse(&r, cases[i].text, NULL) &&
		   r.explicit == cases[i].explicit, "spec field '%s': %s",
		   cases[i].text, cases[i].explicit ? "a reference" :
		   "may be a path");
		mlw_ref_release(&r);
	}
}

/* what is parsed formats back to the text it came from */
static void test_round_trip(void)
{
	static const char *const texts[] = {
		"azureml:diab:3", "azureml:diab@latest", "azureml:diab",
		"azureml:jobs/j/outputs/o",
		"azureml://registries/r/models/m/versions/4",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		struct mlw_ref r;
		char *back = NULL;

		if (!mlw_ref_parse_operand(&r, texts[i]))
			back = mlw_ref_format(&r);
		is_str(back, texts[i], "'%s' formats back", texts[i]);
		free(back);
		mlw_ref_release(&r);
	}
}

int main(void)
{
	test_operands();
	test_explicit_in_specs();
	test_round_trip();
	return done_testing();
}
