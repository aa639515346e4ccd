/*
 * local.h - a local path for what a user names as an input: a file or
 * folder, or a registered asset restored from the store.
 *
 * The commands that read data or models ('mlw train --data', 'mlw model
 * score MODEL --input DATA') take either.  A path that exists is always
 * the path.  Otherwise text is read as 'mlw model show' reads its operand
 * (spec/ref.h: mlw_ref_parse_operand()): an explicit reference
 * (azureml:NAME:VERSION, azureml:NAME@latest, NAME@latest, an ARM id) is
 * looked up, and so are NAME:VERSION and a bare NAME; text that is no
 * reference, or a bare NAME that names no asset, stays a path, so the
 * reader says the file is missing.
 */
#ifndef MLW_ASSET_LOCAL_H
#define MLW_ASSET_LOCAL_H

#include "asset/asset.h"

/*
 * A local path for ref: *path_out is ref itself (a copy) and *tmp_out
 * NULL, or the asset's content restored into a new folder *tmp_out made
 * under tmpdir, which the caller removes (mlw_remove_tree()); both are
 * the caller's to free.  cat and odb may be NULL outside a workspace:
 * then only paths resolve.  Errors: MLW_ENOTFOUND (a reference with a
 * version or label to no asset, an explicit one outside a workspace),
 * MLW_EINVALID (a malformed
 * reference, an asset that is only a remote reference), MLW_ERROR.
 */
int mlw_asset_materialize(char **path_out, char **tmp_out,
			  struct mlw_catalog *cat, struct mlw_odb *odb,
			  enum mlw_asset_kind kind, const char *ref,
			  const char *tmpdir);

#endif
