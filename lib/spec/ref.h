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
 *
 * A command's operand ('mlw model show m:3', 'mlw train --data
 * NAME@latest') is read with the same grammar by mlw_ref_parse_operand(),
 * except that text without "azureml:" is an asset, not a path:
 *
 *	NAME, NAME:VERSION, NAME@LABEL  asset (names checked as the store
 *	                                requires them, util/name.h)
 *
 * Resolving is the layer's that owns the kind: lib/asset for assets (a
 * registry asset, a remote URI or a job output named where a registered
 * asset is expected is "not available locally"), lib/run for job outputs.
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
	/*
	 * 1 when text can only be a reference, never a file's name:
	 * written with "azureml:", an ARM id, a URI, or NAME@latest.
	 */
	int explicit;
};

#define MLW_REF_INIT { MLW_REF_LOCAL, NULL, NULL, NULL, NULL, NULL, NULL, \
		       NULL, NULL, NULL, 0 }

/*
 * Parse text; base_dir (may be NULL) anchors relative local paths.
 * Returns 0 or MLW_EINVALID with a message naming what is wrong
 * ("azureml:model:" has an empty version).  Release with
 * mlw_ref_release() in both cases.
 */
int mlw_ref_parse(struct mlw_ref *out, const char *text, const char *base_dir);

/*
 * Parse a command's operand naming an asset: NAME, NAME:VERSION and
 * NAME@LABEL without "azureml:" are assets (explicit only for @latest,
 * as "x@v2" may still be a file's name), and there is no local path
 * (a '/' in a bare name is MLW_EINVALID).  The other forms read as in
 * mlw_ref_parse().  An asset's name, version and label must follow the
 * store's rules; MLW_EINVALID says which does not.  Release with
 * mlw_ref_release() in both cases.
 */
int mlw_ref_parse_operand(struct mlw_ref *out, const char *text);

/* Free what ref holds and zero it (ref itself is the caller's). */
void mlw_ref_release(struct mlw_ref *ref);

/* 1 when text is a remote URI (https:, wasbs:, azureml://datastores...) */
int mlw_ref_is_remote(const char *text);

/* "azureml:NAME:VERSION" etc. back from a ref; the caller frees */
char *mlw_ref_format(const struct mlw_ref *ref);

#endif
