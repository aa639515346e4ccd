/*
 * endpoint.c - 'mlw endpoint': online and batch endpoints and deployments.
 *
 * Verbs are added as the layers below them land; 'validate' checks spec
 * files against the Azure ML CLI v2 dialect (see mlw-spec(5)).
 */
#include "builtin.h"

static int endpoint_validate(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return cmd_spec_validate(ctx, argc, argv, "endpoint");
}

static const struct cmd_verb endpoint_verbs[] = {
	{ "validate", endpoint_validate, "check spec files without running them" },
	{ NULL, NULL, NULL }
};

CMD(endpoint)
{
	static const char *const usage[] = { "mlw endpoint VERB [OPTIONS]", NULL };

	return cmd_dispatch(ctx, argc, argv, endpoint_verbs, usage);
}
