/*
 * document.h - an asset as the document every front door prints.
 *
 * 'mlw data|model|env show -o json', their lists, --query and the coming
 * HTTP API render the same object, built here from a catalog row: name,
 * version, type, path (the remote reference when there is one), object,
 * reference, description, tags; for models properties, stage, job_name,
 * flavors and signature; for environments image, the conda file's text
 * (read from the object store), its object, the build context and its
 * path, dockerfile_path, environment_variables and inference_config; and
 * archived, created, updated for all.  The fields are listed in
 * mlw-data(1), mlw-model(1) and mlw-env(1).  A run's document will sit
 * beside it in lib/run with the same shape of call.
 */
#ifndef MLW_ASSET_DOCUMENT_H
#define MLW_ASSET_DOCUMENT_H

struct mlw_asset;
struct mlw_odb;
struct mlw_out;

/* flavors and signature as one line each, for a table cell */
#define MLW_ASSET_DOC_SUMMARY 1

/*
 * Append a as one object to o (in a list, or as the root).  odb (may be
 * NULL) is read for an environment's conda file; when the file cannot be
 * read, conda_file is null and, if warning is not NULL, *warning is set to
 * a message the caller frees (NULL otherwise).
 */
void mlw_asset_document(struct mlw_out *o, const struct mlw_asset *a,
			struct mlw_odb *odb, unsigned flags, char **warning);

/*
 * Append a as a row of a table or of TSV: name, version, type (models:
 * stage; environments: image or "(build)"), created, archived (only when
 * it is), description.
 */
void mlw_asset_row(struct mlw_out *o, const struct mlw_asset *a);

#endif
