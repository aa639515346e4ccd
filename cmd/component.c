/*
 * component.c - 'mlw component': command and pipeline components.
 *
 * Verbs are added as the layers below them land; 'validate' checks spec
 * files against the Azure ML CLI v2 dialect (see mlw-spec(5)).
 */
#include "builtin.h"

static int component_validate(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return cmd_spec_validate(ctx, argc, argv, "component");
}

static const struct cmd_verb component_verbs[] = {
	{ "validate", component_validate, "check spec files without running them" },
	{ NULL, NULL, NULL }
};

CMD(component)
{
	static const char *const usage[] = { "mlw component VERB [OPTIONS]", NULL };

	return cmd_dispatch(ctx, argc, argv, component_verbs, usage);
}
