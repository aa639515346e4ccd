/*
 * test-asset-document.c - an asset's document, as every front door
 * (show, list, --query, the HTTP API) prints it: exact JSON for a model
 * and an environment built by hand, the table row, and the warning when
 * a conda file cannot be read.
 */
#include "tap.h"
#include "asset/asset.h"
#include "asset/document.h"
#include "util/buf.h"
#include "util/output.h"

#include <stdlib.h>
#include <string.h>

static char *render(struct mlw_out *o, enum mlw_format fmt)
{
	struct mlw_buf b = MLW_BUF_INIT;

	if (mlw_out_render(o, fmt, &b, 0))
		return NULL;
	return mlw_buf_detach(&b, NULL);
}

static void test_model(void)
{
	struct mlw_asset a;
	struct mlw_out *o = mlw_out_new();
	char *s, *warning = (char *)"unset";

	memset(&a, 0, sizeof(a));
	a.kind = MLW_ASSET_MODEL;
	a.name = (char *)"clf";
	a.version = (char *)"3";
	a.type = (char *)"mlflow_model";
	a.path = (char *)"/w/m";
	a.object = (char *)"ab12";
	a.stage = (char *)"Production";
	a.flavors = (char *)"{\"mlw\":{\"algorithm\":\"ridge\","
			    "\"threshold\":0.7}}";
	mlw_asset_kvs_set(&a.tags, "team", "x");
	a.created = 0;
	a.updated = 1.5;
	mlw_asset_document(o, &a, NULL, 0, &warning);
	ok(warning == NULL, "a model needs no object store: no warning");
	s = render(o, MLW_FMT_JSON);
	is_str(s ? s : "",
	       "{\n"
	       "  \"name\": \"clf\",\n"
	       "  \"version\": \"3\",\n"
	       "  \"type\": \"mlflow_model\",\n"
	       "  \"path\": \"/w/m\",\n"
	       "  \"object\": \"ab12\",\n"
	       "  \"reference\": null,\n"
	       "  \"description\": null,\n"
	       "  \"tags\": {\n"
	       "    \"team\": \"x\"\n"
	       "  },\n"
	       "  \"properties\": {},\n"
	       "  \"stage\": \"Production\",\n"
	       "  \"job_name\": null,\n"
	       "  \"flavors\": {\n"
	       "    \"mlw\": {\n"
	       "      \"algorithm\": \"ridge\",\n"
	       "      \"threshold\": 0.7\n"
	       "    }\n"
	       "  },\n"
	       "  \"signature\": null,\n"
	       "  \"archived\": false,\n"
	       "  \"created\": \"1970-01-01T00:00:00.000Z\",\n"
	       "  \"updated\": \"1970-01-01T00:00:01.500Z\"\n"
	       "}\n", "a model's document, field by field");
	free(s);
	mlw_out_free(o);

	o = mlw_out_new();
	mlw_asset_document(o, &a, NULL, MLW_ASSET_DOC_SUMMARY, NULL);
	s = render(o, MLW_FMT_JSON);
	ok(s && strstr(s, "\"flavors\": \"mlw (algorithm=ridge)\""),
	   "summaries: flavors in one line");
	free(s);
	mlw_out_free(o);

	o = mlw_out_new();
	mlw_asset_row(o, &a);
	s = render(o, MLW_FMT_TSV);
	is_str(s ? s : "", "clf\t3\tmlflow_model\tProduction\t"
	       "1970-01-01T00:00:00.000Z\t\n", "a model's row");
	free(s);
	mlw_out_free(o);
	mlw_asset_kvs_release(&a.tags);
}

static void test_environment(void)
{
	struct mlw_asset a;
	struct mlw_out *o = mlw_out_new();
	char *s, *warning = NULL;

	memset(&a, 0, sizeof(a));
	a.kind = MLW_ASSET_ENVIRONMENT;
	a.name = (char *)"py";
	a.version = (char *)"1";
	a.image = (char *)"python:3.12";
	a.conda_file = (char *)"00";
	a.archived = 1;
	mlw_asset_document(o, &a, NULL, 0, &warning);
	ok(warning && strstr(warning, "cannot read the conda file of 'py:1'"),
	   "an unreadable conda file is a warning: %s",
	   warning ? warning : "(none)");
	free(warning);
	s = render(o, MLW_FMT_YAML);
	ok(s && strstr(s, "image: python:3.12\nconda_file: null\n"
		       "conda_file_object: \"00\"\n"),
	   "the environment's fields, conda_file null");
	ok(s && !strstr(s, "\ntype:") && strstr(s, "archived: true\n"),
	   "no type for an environment; archived");
	free(s);
	mlw_out_free(o);

	o = mlw_out_new();
	mlw_asset_row(o, &a);
	s = render(o, MLW_FMT_TSV);
	is_str(s ? s : "", "py\t1\tpython:3.12\t1970-01-01T00:00:00.000Z\t"
	       "yes\t\n", "an environment's row says archived");
	free(s);
	mlw_out_free(o);
}

int main(void)
{
	test_model();
	test_environment();
	return done_testing();
}
