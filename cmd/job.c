/*
 * job.c - 'mlw job': command, sweep, pipeline and AutoML jobs.
 *
 * Verbs are added as the layers below them land; 'validate' checks spec
 * files against the Azure ML CLI v2 dialect (see mlw-spec(5)).
 */
#include "builtin.h"

static int job_validate(int argc, const char **argv, struct mlw_ctx *ctx)
{
	return cmd_spec_validate(ctx, argc, argv, "job");
}

static const struct cmd_verb job_verbs[] = {
	{ "validate", job_validate, "check spec files without running them" },
	{ NULL, NULL, NULL }
};

CMD(job)
{
	static const char *const usage[] = { "mlw job VERB [OPTIONS]", NULL };

	return cmd_dispatch(ctx, argc, argv, job_verbs, usage);
}
