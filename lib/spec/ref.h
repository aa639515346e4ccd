/*
 * ref.h - the one parser for every way a spec names an asset or a path.
 *
 *	azureml:NAME:VERSION            asset, pinned version
 *	azureml:NAME@latest             asset, newest version
 *	azureml:NAME@LABEL              asset, by label
 *	azureml:NAME                    asset (or compute), no version
 *	azureml:jobs/JOB/outputs/OUT    a job's named output
 *	[azureml:]/subscriptions/S/resourceGroups/G/providers/
 *	        Microsoft.MachineLearningServices/workspaces/W/
 *	        {data,models,environments,components,codes}/NAME/versions/V
 *	                                an ARM id: the asset NAME:V
 *	                                (asset_type says which kind)
 *	azureml://registries/R/{environments,models,components,data}/NAME/
 *	        {versions/V | labels/L}  registry asset
 *	azureml://jobs/JOB/outputs/OUT[/paths/P]
 *	azureml://datastores/..., azureml://subscriptions/...,
 *	https://, http://, wasbs://, wasb://, abfss://, adl://, runs:/
 *	                                remote: kept as written
 *	azureml://ANYTHING-ELSE, azureml:/subscriptions/... of another form
 *	                                remote too: az loads forms mlw does
 *	                                not know; only using one fails
 *	file:PATH, PATH                 local; relative paths resolve against
 *	                                the spec file's directory
 */
#ifndef MLW_SPEC_REF_H
#define MLW_SPEC_REF_H

enum mlw_ref_kind {
	MLW_REF_LOCAL,		/* path: a local file or folder */
	MLW_REF_ASSET,		/* name, version or label (or neither);
				   asset_type when from an ARM id */
	MLW_REF_REGISTRY,	/* registry, asset_type, name, version|label */
	MLW_REF_JOB_OUTPUT,	/* job, output (path: sub-path or NULL) */
	MLW_REF_REMOTE		/* uri: a URL mlw cannot fetch offline */
};

struct mlw_ref {
	enum mlw_ref_kind kind;
	char *name;
	char *version;		/* "3"; NULL unless pinned */
	char *label;		/* "latest", "prod"; NULL unless a label */
	char *registry;
	char *asset_type;	/* "environments", "models", ... */
	char *job;
	char *output;
	char *path;		/* LOCAL: resolved path; JOB_OUTPUT: sub-path */
	char *uri;		/* REMOTE: as written */
};

#define MLW_REF_INIT { MLW_REF_LOCAL, NULL, NULL, NULL, NULL, NULL, NULL, \
		       NULL, NULL, NULL }

/*
 * Parse text; base_dir (may be NULL) anchors relative local paths.
 * Returns 0 or MLW_EINVALID with a message naming what is wrong
 * ("azureml:model:" has an empty version).  Release with
 * mlw_ref_release() in both cases.
 */
int mlw_ref_parse(struct mlw_ref *out, const char *text, const char *base_dir);
void mlw_ref_release(struct mlw_ref *ref);

/* 1 when text is a remote URI (https:, wasbs:, azureml://datastores...) */
int mlw_ref_is_remote(const char *text);

/* "azureml:NAME:VERSION" etc. back from a ref; the caller frees */
char *mlw_ref_format(const struct mlw_ref *ref);

#endif
