/*
 * fuzz-json.c - the JSON text the catalog keeps and reads back: an
 * asset's tags, properties and environment variables, a model's flavors
 * and signature, a run's properties, and the --query evaluator that
 * runs over every command's JSON output.
 *
 * The catalog is a file anyone can edit with sqlite3, so what it holds is
 * untrusted input.  The input is up to seven parts, separated by lines
 * "#%%": tags, properties, environment variables, flavors, signature
 * (stored as an asset's columns in a real catalog, then read back with
 * mlw_asset_get()), a --query, and a run's properties.  Reading gives an
 * asset or MLW_ECORRUPT with a message, never a crash; the asset's event
 * payload is JSON; showing it in every format never fails; the query
 * over that payload either evaluates to JSON or is refused.
 */
#include "fuzz.h"
#include "asset/asset.h"
#include "asset/mlmodel.h"
#include "util/query.h"
#include "store/catalog.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fs.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define NR_PARTS 7

static struct mlw_catalog *cat;
static sqlite3_stmt *update;

void fuzz_init(void)
{
	char *path = mlw_path_join(fuzz_dir(), "mlw.db");
	sqlite3 *db;

	if (mlw_catalog_create(path) || mlw_catalog_open(&cat, path) ||
	    mlw_catalog_begin(cat)) {
		fprintf(stderr, "fuzz-json: %s\n", mlw_error_last());
		abort();
	}
	db = mlw_catalog_db(cat);
	/* one transaction, never committed: reads see it, nothing syncs */
	if (sqlite3_exec(db, "INSERT INTO assets (id, kind, name, version, "
			 "version_num, type, path, created, updated) VALUES "
			 "(1, 'model', 'm', '1', 1, 'mlflow_model', 'm', 0, 0)",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE assets SET tags = ?1, "
			       "properties = ?2, environment_variables = ?3, "
			       "flavors = ?4, signature = ?5 WHERE id = 1",
			       -1, &update, NULL) != SQLITE_OK) {
		fprintf(stderr, "fuzz-json: %s\n", sqlite3_errmsg(db));
		abort();
	}
	free(path);
}

static void check_query(const char *doc, const char *query)
{
	char *result;

	if (mlw_query_eval(&result, doc, query)) {
		FUZZ_CHECK(*mlw_error_last(), "a query refused without a "
			   "message");
		mlw_error_clear();
		return;
	}
	{
		json_t *v = json_loads(result, JSON_DECODE_ANY, NULL);

		FUZZ_CHECK(v, "the query's result is not JSON: %s", result);
		json_decref(v);
	}
	free(result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[NR_PARTS];
	const char *rest = (const char *)data;
	size_t restlen = size;
	struct mlw_asset *a;
	int i, ret;

	for (i = 0; i < NR_PARTS; i++) {
		const char *p;
		size_t len;

		fuzz_split(&p, &len, &rest, &restlen, rest, restlen, "#%%");
		part[i] = mlw_strndup(p, len);
	}
	for (i = 0; i < 5; i++)
		sqlite3_bind_text(update, i + 1, part[i], -1, SQLITE_STATIC);
	/* an empty flavors or signature column is NULL, as mlw leaves it */
	if (!*part[3])
		sqlite3_bind_null(update, 4);
	if (!*part[4])
		sqlite3_bind_null(update, 5);
	FUZZ_CHECK(sqlite3_step(update) == SQLITE_DONE, "update failed");
	sqlite3_reset(update);

	ret = mlw_asset_get(&a, cat, MLW_ASSET_MODEL, "m", "1");
	if (ret) {
		FUZZ_CHECK(ret == MLW_ECORRUPT && *mlw_error_last(),
			   "reading the asset gave %d: %s", ret,
			   mlw_error_last());
		mlw_error_clear();
	} else {
		char *payload = mlw_asset_event_payload(a);
		json_t *v = json_loads(payload, 0, NULL);

		FUZZ_CHECK(json_is_object(v), "the event payload is not a "
			   "JSON object: %s", payload);
		json_decref(v);
		fuzz_render_model_json(a->flavors, a->signature);
		check_query(payload, part[5]);
		free(payload);
		mlw_asset_free(a);
	}
	/* a run's properties are shown the same way */
	fuzz_render_model_json(part[6], NULL);
	check_query(part[6], part[5]);
	for (i = 0; i < NR_PARTS; i++)
		free(part[i]);
	return 0;
}
