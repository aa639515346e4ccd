/*
 * fuzz-spec.c - the YAML spec loader (spec/spec.h), as 'mlw job create
 * -f', 'mlw model create -f' and the other -f commands use it.
 *
 * The input is a spec; lines at its top of the form "#set PATH=VALUE"
 * are also applied as --set overrides.  The command group comes from the
 * input's length, so every group's checks see every input shape.  A spec
 * loads with or without diagnostics, never crashes; every diagnostic has
 * a message; a data, model or environment spec without errors goes on to
 * the asset layer (asset/from-spec.h), its nodes are converted to JSON
 * and YAML text as the catalog stores them, and every string scalar is
 * also parsed as an asset reference.
 */
#include "fuzz.h"
#include "asset/from-spec.h"
#include "asset/mlmodel.h"
#include "spec/spec.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

static const char *const groups[] = {
	NULL, "job", "component", "endpoint", "data", "model", "env"
};

/* the asset layer asks whether a reference exists: say yes to some */
static int asset_exists(void *data, const struct mlw_ref *ref,
			const char *what)
{
	FUZZ_CHECK(what && *what, "asked without saying what for");
	return ref->name ? (int)(strlen(ref->name) % 3) - 1 : -1;
}

/* every scalar as a reference (aliases make a tree of few nodes large:
 * the walk stops at a budget) */
static void walk(const struct mlw_yaml_node *n, int depth, size_t *budget)
{
	size_t i;

	if (!n || depth > MLW_YAML_MAX_DEPTH || !*budget)
		return;
	--*budget;
	switch (n->kind) {
	case MLW_YAML_SCALAR: {
		struct mlw_ref ref = MLW_REF_INIT;

		FUZZ_CHECK(n->text && strlen(n->text) <= n->len,
			   "a scalar without its text");
		mlw_ref_parse(&ref, n->text, "/nonexistent");
		mlw_ref_release(&ref);
		mlw_error_clear();
		break;
	}
	case MLW_YAML_MAP:
		FUZZ_CHECK(n->nr % 2 == 0, "a mapping with a key alone");
		/* fall through */
	case MLW_YAML_SEQ:
		for (i = 0; i < n->nr; i++)
			walk(n->items[i], depth + 1, budget);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlw_spec_options opts;
	const char *overrides[8];
	struct mlw_spec *spec;
	char *text = mlw_malloc(size + 1), *line;
	size_t i, nr = 0;
	int ret;

	memcpy(text, data, size);
	text[size] = '\0';
	/* a NUL ends the document as it ends a C string */
	for (line = text; nr < 8 && !strncmp(line, "#set ", 5);) {
		char *nl = strchr(line, '\n');

		if (!nl)
			break;
		*nl = '\0';
		overrides[nr++] = mlw_strdup(line + 5);
		*nl = '\n';
		line = nl + 1;
	}
	memset(&opts, 0, sizeof(opts));
	opts.group = groups[size % (sizeof(groups) / sizeof(*groups))];
	opts.overrides = overrides;
	opts.nr_overrides = nr;
	opts.asset_exists = asset_exists;

	ret = mlw_spec_load_mem(&spec, "specs/fuzz.yml", text, &opts);
	FUZZ_CHECK(!ret, "a spec in memory failed to load: %s",
		   mlw_error_last());
	for (i = 0; i < spec->diags.nr; i++)
		FUZZ_CHECK(spec->diags.items[i].msg &&
			   *spec->diags.items[i].msg,
			   "diagnostic %zu has no message", i);
	if (spec->doc && spec->doc->root) {
		size_t budget = 4096;
		char *json;

		walk(spec->doc->root, 0, &budget);
		if (spec->doc->root->weight < 100000) {
			json = mlw_yaml_node_to_json(spec->doc->root);
			FUZZ_CHECK(json, "no JSON for a document");
			free(json);
		}
	}
	if (!spec->diags.errors &&
	    (spec->kind == MLW_SPEC_DATA || spec->kind == MLW_SPEC_MODEL ||
	     spec->kind == MLW_SPEC_ENVIRONMENT)) {
		struct mlw_asset_spec as;

		mlw_asset_spec_from_spec(&as, spec);
		mlw_asset_spec_release(&as);
		mlw_error_clear();
	}
	mlw_spec_free(spec);
	for (i = 0; i < nr; i++)
		free((char *)overrides[i]);
	free(text);
	return 0;
}
