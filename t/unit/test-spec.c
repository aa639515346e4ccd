/*
 * test-spec.c - unit tests for lib/spec: reference parsing, YAML 1.1
 * scalar resolution and coercions, paths and overrides, positioned
 * errors.
 */
#include "tap.h"
#include "spec/ref.h"
#include "spec/spec.h"
#include "spec/yaml.h"
#include "util/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_or(const char *s)
{
	return s ? s : "(null)";
}

static void test_refs(void)
{
	static const struct {
		const char *text;
		enum mlw_ref_kind kind;
		const char *name, *version, *label, *extra;
	} cases[] = {
		{ "azureml:my-model:1", MLW_REF_ASSET, "my-model", "1", NULL, NULL },
		{ "azureml:AzureML-sklearn-1.5@latest", MLW_REF_ASSET,
		  "AzureML-sklearn-1.5", NULL, "latest", NULL },
		{ "azureml:AzureML-AutoML@prod", MLW_REF_ASSET, "AzureML-AutoML",
		  NULL, "prod", NULL },
		{ "azureml:cpu-cluster", MLW_REF_ASSET, "cpu-cluster", NULL, NULL,
		  NULL },
		{ "azureml://registries/azureml/environments/sklearn-1.5/labels/latest",
		  MLW_REF_REGISTRY, "sklearn-1.5", NULL, "latest", "azureml" },
		{ "azureml://registries/r/models/m/versions/3", MLW_REF_REGISTRY,
		  "m", "3", NULL, "r" },
		{ "azureml:jobs/happy_lamp/outputs/model", MLW_REF_JOB_OUTPUT,
		  NULL, NULL, NULL, "happy_lamp" },
		{ "file:./components/c.yaml", MLW_REF_LOCAL, NULL, NULL, NULL,
		  "specs/./components/c.yaml" },
		{ "src", MLW_REF_LOCAL, NULL, NULL, NULL, "specs/src" },
		{ "/abs/data", MLW_REF_LOCAL, NULL, NULL, NULL, "/abs/data" },
		{ "https://x.blob.core.windows.net/d/iris.csv", MLW_REF_REMOTE,
		  NULL, NULL, NULL, NULL },
		{ "wasbs://datasets@acct.blob.core.windows.net/iris.csv",
		  MLW_REF_REMOTE, NULL, NULL, NULL, NULL },
		{ "abfss://c@acct.dfs.core.windows.net/p", MLW_REF_REMOTE, NULL,
		  NULL, NULL, NULL },
		{ "azureml://datastores/workspaceblobstore/paths/x.csv",
		  MLW_REF_REMOTE, NULL, NULL, NULL, NULL },
		/* ARM ids of workspace assets: NAME:VERSION */
		{ "/subscriptions/0-1/resourceGroups/rg/providers/"
		  "Microsoft.MachineLearningServices/workspaces/ws/data/"
		  "titanic/versions/3", MLW_REF_ASSET, "titanic", "3", NULL,
		  "data" },
		{ "azureml:/subscriptions/s/resourcegroups/rg/providers/"
		  "microsoft.machinelearningservices/workspaces/ws/models/"
		  "m/versions/1", MLW_REF_ASSET, "m", "1", NULL, "models" },
		/* forms az loads and mlw does not know: kept, like URLs */
		{ "azureml://elsewhere/x", MLW_REF_REMOTE, NULL, NULL, NULL,
		  NULL },
		{ "azureml:/subscriptions/s/resourceGroups/rg/providers/"
		  "Microsoft.MachineLearningServices/workspaces/ws/data/d",
		  MLW_REF_REMOTE, NULL, NULL, NULL, NULL },
		{ "/subscriptions/not-an-arm-id", MLW_REF_LOCAL, NULL, NULL,
		  NULL, "/subscriptions/not-an-arm-id" },
	};
	static const char *const bad[] = {
		"azureml:", "azureml:m:", "azureml:m@", "azureml:m:1@x",
		"azureml://registries/r/widgets/n", "azureml://registries/r",
		"azureml:jobs/j/inputs/x", "file:", "",
		"azureml://registries/r/models/m/versions/",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mlw_ref r;
		int ret = mlw_ref_parse(&r, cases[i].text, "specs");

		ok(!ret && r.kind == cases[i].kind, "ref %s parses (kind %d)",
		   cases[i].text, (int)r.kind);
		if (cases[i].name)
			is_str(s_or(r.name), cases[i].name, "  name");
		if (cases[i].version)
			is_str(s_or(r.version), cases[i].version, "  version");
		if (cases[i].label)
			is_str(s_or(r.label), cases[i].label, "  label");
		if (cases[i].kind == MLW_REF_REGISTRY)
			is_str(s_or(r.registry), cases[i].extra, "  registry");
		if (cases[i].kind == MLW_REF_JOB_OUTPUT) {
			is_str(s_or(r.job), cases[i].extra, "  job");
			is_str(s_or(r.output), "model", "  output");
		}
		if (cases[i].kind == MLW_REF_LOCAL)
			is_str(s_or(r.path), cases[i].extra, "  path");
		if (cases[i].kind == MLW_REF_ASSET && cases[i].extra)
			is_str(s_or(r.asset_type), cases[i].extra,
			       "  asset type");
		if (cases[i].kind == MLW_REF_REMOTE)
			is_str(s_or(r.uri), cases[i].text, "  uri kept");
		if (cases[i].kind == MLW_REF_ASSET && cases[i].extra) {
			char *back = mlw_ref_format(&r);
			char want[128];

			/* an ARM id names the asset as NAME:VERSION does */
			snprintf(want, sizeof(want), "azureml:%s:%s",
				 cases[i].name, cases[i].version);
			is_str(back, want, "  formats as azureml:NAME:VERSION");
			free(back);
		} else if (cases[i].kind != MLW_REF_LOCAL) {
			char *back = mlw_ref_format(&r);

			is_str(back, cases[i].text, "  formats back");
			free(back);
		}
		mlw_ref_release(&r);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mlw_ref r;

		ok(mlw_ref_parse(&r, bad[i], NULL) == MLW_EINVALID &&
		   strlen(mlw_error_last()) > 0, "bad ref '%s' rejected: %s",
		   bad[i], mlw_error_last());
		mlw_ref_release(&r);
	}
}

static struct mlw_yaml_doc *load(const char *text)
{
	struct mlw_yaml_doc *doc = NULL;

	if (mlw_yaml_load_mem(&doc, "t.yml", text, strlen(text)))
		printf("# load failed: %s\n", mlw_error_last());
	return doc;
}

static void test_scalars(void)
{
	struct mlw_yaml_doc *doc = load(
		"a: True\nb: no\nc: 1e-3\nd: 1.0e-3\ne: '42'\nf: 0x1f\n"
		"g: ~\nh: 'True'\ni: 1_000\nj: .5\nk: >-\n  x\n  y\nl: |\n  x\n"
		"m: [1, {n: 2}]\nn: .inf\no: 0.0.1\n");
	const struct mlw_yaml_node *r = doc ? doc->root : NULL;
	int64_t iv;
	double dv;
	int bv;

	ok(r && r->kind == MLW_YAML_MAP && r->nr == 2 * 15, "mapping of 15");
	if (!r)
		return;
	ok(mlw_yaml_scalar_type(mlw_yaml_map_get(r, "a")) == MLW_YAML_BOOL,
	   "True is a boolean");
	ok(!mlw_yaml_to_bool(mlw_yaml_map_get(r, "b"), &bv) && bv == 0,
	   "no is false (YAML 1.1)");
	ok(mlw_yaml_scalar_type(mlw_yaml_map_get(r, "c")) == MLW_YAML_STR,
	   "1e-3 is a string to YAML 1.1");
	ok(!mlw_yaml_to_double(mlw_yaml_map_get(r, "c"), &dv) &&
	   fabs(dv - 0.001) < 1e-15, "1e-3 coerces to the number 0.001");
	ok(mlw_yaml_scalar_type(mlw_yaml_map_get(r, "d")) == MLW_YAML_FLOAT,
	   "1.0e-3 is a float");
	ok(mlw_yaml_scalar_type(mlw_yaml_map_get(r, "e")) == MLW_YAML_STR &&
	   !mlw_yaml_to_int(mlw_yaml_map_get(r, "e"), &iv) && iv == 42,
	   "'42' is a string that coerces to 42");
	ok(!mlw_yaml_to_int(mlw_yaml_map_get(r, "f"), &iv) && iv == 31,
	   "0x1f is 31");
	ok(mlw_yaml_is_null(mlw_yaml_map_get(r, "g")), "~ is null");
	ok(mlw_yaml_scalar_type(mlw_yaml_map_get(r, "h")) == MLW_YAML_STR &&
	   !mlw_yaml_to_bool(mlw_yaml_map_get(r, "h"), &bv) && bv == 1,
	   "quoted 'True' is a string that coerces to true");
	ok(!mlw_yaml_to_int(mlw_yaml_map_get(r, "i"), &iv) && iv == 1000,
	   "1_000 is 1000");
	ok(!mlw_yaml_to_double(mlw_yaml_map_get(r, "j"), &dv) && dv == 0.5,
	   ".5 is 0.5");
	is_str(mlw_yaml_map_get(r, "k")->text, "x y", "folded scalar");
	ok(mlw_yaml_map_get(r, "k")->style == MLW_YAML_FOLDED, "  style kept");
	is_str(mlw_yaml_map_get(r, "l")->text, "x\n", "literal scalar");
	ok(!mlw_yaml_to_double(mlw_yaml_map_get(r, "n"), &dv) && isinf(dv),
	   ".inf is infinity");
	ok(mlw_yaml_scalar_type(mlw_yaml_map_get(r, "o")) == MLW_YAML_STR &&
	   mlw_yaml_to_double(mlw_yaml_map_get(r, "o"), &dv),
	   "0.0.1 is a string, not a number");
	ok(mlw_yaml_to_int(mlw_yaml_map_get(r, "d"), &iv),
	   "1.0e-3 is not an integer");
	{
		const struct mlw_yaml_node *m = mlw_yaml_map_get(r, "m");
		const struct mlw_yaml_node *n2 = mlw_yaml_get(r, "m[1].n");

		ok(m->kind == MLW_YAML_SEQ && m->nr == 2, "flow sequence");
		ok(n2 && !strcmp(n2->text, "2") && n2->line == 16 &&
		   n2->col == 12, "m[1].n found at 16:12 (got %d:%d)",
		   n2 ? n2->line : 0, n2 ? n2->col : 0);
		ok(!mlw_yaml_get(r, "m[2]") && !mlw_yaml_get(r, "m.x") &&
		   !mlw_yaml_get(r, "a..b"), "absent paths are NULL");
	}
	mlw_yaml_free(doc);
}

static void test_load_errors(void)
{
	static const struct {
		const char *text, *want;
		int line, col;
	} cases[] = {
		{ "a: 1\na: 2\n", "duplicate key 'a'", 2, 1 },
		{ "", "empty document", 1, 1 },
		{ "a: [1, 2\n", "YAML syntax error", 2, 1 },
		{ "a: b\n---\nc: d\n", "several YAML documents", 2, 1 },
		{ "a: *nope\n", "unknown anchor 'nope'", 1, 4 },
		{ "a: &x [*x]\n", "unknown anchor 'x'", 1, 8 },
		{ "? [a]\n: b\n", "mapping key must be a scalar", 1, 3 },
		{ "a: \xff\n", "invalid UTF-8", 1, 4 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mlw_yaml_doc *doc;
		int ret = mlw_yaml_load_mem(&doc, "t.yml", cases[i].text,
					    strlen(cases[i].text));
		const struct mlw_yaml_error *e = mlw_yaml_last_error();

		ok(ret == MLW_EINVALID && !doc &&
		   strstr(mlw_error_last(), cases[i].want) &&
		   e->line == cases[i].line && e->col == cases[i].col,
		   "'%s' fails at %d:%d: %s", cases[i].want, e->line, e->col,
		   mlw_error_last());
	}
}

static void test_overrides(void)
{
	struct mlw_yaml_doc *doc = load("a: {b: 1}\nl: [x, y]\n");
	struct mlw_diags d = MLW_DIAGS_INIT;
	const struct mlw_yaml_node *n;
	int64_t iv;

	if (!doc)
		return;
	mlw_spec_apply_override(doc, "a.b=24", &d);
	mlw_spec_apply_override(doc, "a.c.d=hello there", &d);
	mlw_spec_apply_override(doc, "l[1]=z", &d);
	mlw_spec_apply_override(doc, "l[2]=w", &d);
	mlw_spec_apply_override(doc, "m={k: [1, 2]}", &d);
	mlw_spec_apply_override(doc, "e=", &d);
	ok(d.errors == 0, "valid overrides apply cleanly");
	n = mlw_yaml_get(doc->root, "a.b");
	ok(!mlw_yaml_to_int(n, &iv) && iv == 24 &&
	   mlw_yaml_scalar_type(n) == MLW_YAML_INT, "a.b=24 is the integer 24");
	ok(n && !strcmp(n->source, "--set a.b=24") && n->col == 5,
	   "  and remembers its override and column");
	is_str(s_or(mlw_yaml_get(doc->root, "a.c.d")->text), "hello there",
	   "intermediate mappings are created");
	is_str(mlw_yaml_get(doc->root, "l[1]")->text, "z", "l[1] replaced");
	is_str(mlw_yaml_get(doc->root, "l[2]")->text, "w", "l[2] appended");
	ok(mlw_yaml_get(doc->root, "m.k[1]") != NULL, "a flow value is YAML");
	ok(mlw_yaml_is_null(mlw_yaml_get(doc->root, "e")), "empty value is null");
	mlw_spec_apply_override(doc, "a.b.c=1", &d);
	mlw_spec_apply_override(doc, "l[9]=1", &d);
	mlw_spec_apply_override(doc, "novalue", &d);
	mlw_spec_apply_override(doc, "x[a]=1", &d);
	ok(d.errors == 4, "four bad overrides, four errors (%zu)", d.errors);
	mlw_diags_release(&d);
	mlw_yaml_free(doc);
}

static void test_kinds(void)
{
	static const struct {
		const char *text, *group;
		enum mlw_spec_kind kind;
	} cases[] = {
		{ "$schema: https://azuremlschemas.azureedge.net/latest/"
		  "commandJob.schema.json\n", NULL, MLW_SPEC_COMMAND_JOB },
		{ "$schema: http://azureml/sdk-2-0/PipelineJob.json\n", NULL,
		  MLW_SPEC_PIPELINE_JOB },
		{ "$schema: https://azuremlsdk2.blob.core.windows.net/preview/"
		  "0.0.1/autoMLJob.schema.json\n", NULL, MLW_SPEC_AUTOML_JOB },
		{ "# yaml-language-server: $schema=https://azuremlsdk2.blob."
		  "core.windows.net/latest/sweepJob.schema.json\na: 1\n", NULL,
		  MLW_SPEC_SWEEP_JOB },
		{ "command: x\n", "job", MLW_SPEC_COMMAND_JOB },
		{ "type: sweep\n", "job", MLW_SPEC_SWEEP_JOB },
		{ "type: pipeline\n", "component", MLW_SPEC_PIPELINE_COMPONENT },
		{ "name: x\nendpoint_name: e\n", "endpoint",
		  MLW_SPEC_ONLINE_DEPLOYMENT },
		{ "name: x\nmini_batch_size: 2\n", "endpoint",
		  MLW_SPEC_BATCH_DEPLOYMENT },
		{ "name: x\nauth_mode: key\n", "endpoint",
		  MLW_SPEC_ONLINE_ENDPOINT },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mlw_yaml_doc *doc = load(cases[i].text);
		struct mlw_diags d = MLW_DIAGS_INIT;

		ok(doc && mlw_spec_detect_kind(doc, "x.yml", cases[i].group, &d)
		   == cases[i].kind && !d.errors, "kind of case %zu is %s", i,
		   mlw_spec_kind_name(cases[i].kind));
		mlw_diags_release(&d);
		mlw_yaml_free(doc);
	}
}

/* mlw_spec_error(): at the node of a path, else the file */
static void test_errors(void)
{
	struct mlw_spec_options so = { 0 };
	struct mlw_spec *spec = NULL;
	int ret;

	ret = mlw_spec_load_mem(&spec, "ep.yml",
				"name: e\nauth_mode: key\n", &so);
	ok(!ret && spec, "a spec in memory");
	if (!spec)
		return;
	ret = mlw_spec_error(spec, "auth_mode", "bad %s", "mode");
	is_int(ret, MLW_EINVALID, "an error is MLW_EINVALID");
	is_str(mlw_error_last(), "ep.yml:2:12: bad mode",
	       "at the node of the path");
	mlw_spec_error(spec, "description", "no %s", "description");
	is_str(mlw_error_last(), "ep.yml: no description",
	       "an absent path: the file");
	mlw_spec_error(spec, NULL, "whole");
	is_str(mlw_error_last(), "ep.yml: whole", "no path: the file");
	mlw_spec_error_at(mlw_spec_get(spec, "name"), "at %d", 1);
	is_str(mlw_error_last(), "ep.yml:1:7: at 1", "error_at: the node");
	mlw_spec_error_at(NULL, "nowhere");
	is_str(mlw_error_last(), "nowhere", "error_at without a node");
	mlw_spec_free(spec);
}

int main(void)
{
	test_refs();
	test_scalars();
	test_load_errors();
	test_overrides();
	test_kinds();
	test_errors();
	return done_testing();
}
