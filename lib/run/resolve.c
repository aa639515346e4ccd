/*
 * resolve.c - azureml: references to stored objects; see resolve.h.
 */
#include "run/resolve.h"
#include "asset/asset.h"
#include "run/run.h"
#include "spec/ref.h"
#include "store/odb.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

static int from_job_output(struct mlw_oid *out, char **type,
			   struct mlw_catalog *cat, const struct mlw_ref *ref)
{
	struct mlw_run *run = NULL;
	size_t i;
	int ret = mlw_run_get(&run, cat, ref->job);

	if (!ret)
		ret = mlw_run_load_details(cat, run);
	if (ret) {
		mlw_run_free(run);
		return ret;
	}
	ret = mlw_error_setc(MLW_ENOTFOUND, "job '%s' has no output '%s'",
			     ref->job, ref->output);
	for (i = 0; i < run->nr_outputs; i++) {
		const struct mlw_run_io *o = &run->outputs[i];

		if (strcmp(o->name, ref->output))
			continue;
		if (!o->object)
			ret = mlw_error_setc(MLW_ENOTFOUND,
					     "output '%s' of job '%s' was not collected (status %s)",
					     ref->output, ref->job,
					     mlw_run_status_name(run->status));
		else
			ret = mlw_oid_from_hex(out, o->object);
		if (!ret)
			*type = mlw_strdup(o->type ? o->type : "uri_folder");
		break;
	}
	mlw_run_free(run);
	return ret;
}

int mlw_run_resolve_asset(struct mlw_oid *out, char **type,
			  char **file_name, const struct mlw_ref *ref,
			  void *catalog)
{
	static const enum mlw_asset_kind kinds[] = {
		MLW_ASSET_DATA, MLW_ASSET_MODEL
	};
	struct mlw_catalog *cat = catalog;
	size_t i;

	*file_name = NULL;
	if (ref->kind == MLW_REF_JOB_OUTPUT)
		return from_job_output(out, type, cat, ref);
	if (ref->kind == MLW_REF_REGISTRY)
		return mlw_error_setc(MLW_ENOTFOUND,
				      "registry asset '%s' is not in the local store (mlw works offline; register it with 'mlw data create' or 'mlw model create')",
				      ref->name);
	if (ref->label && strcmp(ref->label, "latest"))
		return mlw_error_setc(MLW_ENOTFOUND,
				      "asset '%s@%s': labels other than 'latest' are not kept locally",
				      ref->name, ref->label);
	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		struct mlw_asset *a = NULL;
		int ret = mlw_asset_get(&a, cat, kinds[i], ref->name,
					ref->version);

		if (ret == MLW_ENOTFOUND)
			continue;
		if (ret)
			return ret;
		if (!a->object) {
			ret = mlw_error_setc(MLW_ENOTFOUND,
					     "%s asset '%s:%s' is a remote reference (%s); mlw runs offline",
					     mlw_asset_kind_name(kinds[i]),
					     a->name, a->version,
					     a->reference ? a->reference : "no content");
		} else {
			ret = mlw_oid_from_hex(out, a->object);
			if (!ret)
				*type = mlw_strdup(a->type ? a->type : "uri_folder");
			if (!ret && a->type && !strcmp(a->type, "uri_file") &&
			    a->path) {
				const char *slash = strrchr(a->path, '/');

				*file_name = mlw_strdup(slash ? slash + 1 :
							a->path);
			}
		}
		mlw_asset_free(a);
		return ret;
	}
	if (ref->version)
		return mlw_error_setc(MLW_ENOTFOUND,
				      "no data or model asset '%s' version '%s'",
				      ref->name, ref->version);
	return mlw_error_setc(MLW_ENOTFOUND, "no data or model asset '%s'",
			      ref->name);
}
