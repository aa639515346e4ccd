/*
 * check.c - the sweep engine's rules applied to a loaded spec (sweep.h,
 * mlw_sweep_check_spec()): one set of messages for a sweep's rules,
 * whether the spec is validated or run.
 */
#include "sweep/sweep.h"
#include "spec/spec.h"
#include "util/alloc.h"

#include <string.h>
#include <strings.h>

/* is there a diagnostic like x in d already (same place, same level)? */
static int reported(const struct mlw_diags *d, const struct mlw_diag *x)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		const struct mlw_diag *y = &d->items[i];

		if (y->line == x->line && y->col == x->col &&
		    y->warning == x->warning &&
		    ((!y->source && !x->source) ||
		     (y->source && x->source && !strcmp(y->source, x->source))))
			return 1;
	}
	return 0;
}

/* the engine's reading of the sweep at node, into spec's diagnostics */
static size_t check_one(struct mlw_spec *spec,
			const struct mlw_yaml_node *node)
{
	struct mlw_diags d = MLW_DIAGS_INIT;
	struct mlw_sweep_config *cfg = NULL;
	size_t i, added = 0;

	mlw_sweep_config_from_yaml(&cfg, node, &d);
	for (i = 0; i < d.nr; i++) {
		const struct mlw_diag *x = &d.items[i];

		if (reported(&spec->diags, x))
			continue;
		mlw_diags_add_at(&spec->diags, x->warning, x->source, x->line,
				 x->col, "%s", x->msg);
		added += !x->warning;
	}
	mlw_diags_release(&d);
	mlw_sweep_config_free(cfg);
	return added;
}

size_t mlw_sweep_check_spec(struct mlw_spec *spec)
{
	const struct mlw_yaml_node *root, *jobs;
	size_t i, added = 0;

	if (!spec->doc || !spec->doc->root ||
	    spec->doc->root->kind != MLW_YAML_MAP)
		return 0;
	root = spec->doc->root;
	if (spec->kind == MLW_SPEC_SWEEP_JOB)
		added += check_one(spec, root);
	jobs = mlw_yaml_map_get(root, "jobs");
	for (i = 0; jobs && jobs->kind == MLW_YAML_MAP && i < jobs->nr / 2;
	     i++) {
		const struct mlw_yaml_node *step = mlw_yaml_value(jobs, i);
		const char *type = step->kind == MLW_YAML_MAP ?
			mlw_yaml_str(mlw_yaml_map_get(step, "type")) : NULL;

		if (type && !strcasecmp(type, "sweep"))
			added += check_one(spec, step);
	}
	if (spec->diags.nr)
		mlw_diags_sort(&spec->diags, spec->path);
	return added;
}
