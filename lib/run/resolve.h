/*
 * resolve.h - turn the azureml: references a job spec names into stored
 * objects: data and model assets from the asset catalog, and outputs of
 * earlier runs (azureml:jobs/JOB/outputs/NAME).
 */
#ifndef MLW_RUN_RESOLVE_H
#define MLW_RUN_RESOLVE_H

struct mlw_oid;
struct mlw_ref;

/*
 * An mlw_asset_lookup_fn (job.h) over the catalog passed as data (a
 * struct mlw_catalog *).  A reference without a version takes the newest
 * version that is not archived; the label "latest" is the same; other
 * labels are not kept locally (MLW_ENOTFOUND says so).  Data assets are
 * looked up before models, as Azure ML resolves job inputs.  *type is the
 * asset's type, *file_name the name of the file a uri_file asset was
 * registered from (NULL for folders); the caller frees both.
 */
int mlw_run_resolve_asset(struct mlw_oid *out, char **type,
			  char **file_name, const struct mlw_ref *ref,
			  void *catalog);

#endif
