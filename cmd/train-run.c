/*
 * train-run.c - 'mlw train' inside a job; see train-run.h.
 */
#include "train-run.h"
#include "run/run.h"
#include "run/track.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

extern char **environ;

int train_in_job(void)
{
	const char *id = getenv("MLW_RUN_ID");

	return id && *id;
}

int train_record_run(struct mlw_ctx *ctx, const struct mlw_train_request *req,
		     const struct mlw_train_result *res, int64_t cv,
		     int64_t seed, const char *validation_split)
{
	struct mlw_catalog *cat = cmd_catalog(ctx);
	int64_t run;
	int ret = mlw_run_get_id(&run, cat, getenv("MLW_RUN_ID"));

	if (!ret)
		ret = mlw_run_log_fit(cat, run, req, res, cv, seed,
				      validation_split, mlw_now());
	if (ret)
		mlw_error_prefix("recording in job '%s'", getenv("MLW_RUN_ID"));
	return ret;
}

const char *train_job_output(void)
{
	const char *model = getenv("MLW_OUTPUT_MODEL"), *only = NULL;
	char **e;
	int n = 0;

	if (model && *model)
		return model;
	for (e = environ; *e; e++) {
		if (mlw_starts_with(*e, "MLW_OUTPUT_")) {
			const char *eq = strchr(*e, '=');

			if (eq && eq[1]) {
				only = eq + 1;
				n++;
			}
		}
	}
	return n == 1 ? only : NULL;
}
