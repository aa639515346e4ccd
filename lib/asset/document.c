/*
 * document.c - an asset as one output object; see document.h.
 */
#include "asset/document.h"
#include "asset/asset.h"
#include "asset/mlmodel.h"
#include "store/odb.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/output.h"

#include <stdlib.h>

static void out_kvs(struct mlw_out *o, const char *key,
		    const struct mlw_asset_kvs *kvs)
{
	size_t i;

	mlw_out_object_begin(o, key);
	for (i = 0; i < kvs->nr; i++)
		mlw_out_str(o, kvs->items[i].key, kvs->items[i].value);
	mlw_out_end(o);
}

/* a string, or null for NULL */
static void out_opt(struct mlw_out *o, const char *key, const char *value)
{
	if (value)
		mlw_out_str(o, key, value);
	else
		mlw_out_null(o, key);
}

/*
 * The conda file's text, or NULL when there is none or it cannot be read
 * (then *warning says why).  It is at most 16 MiB: a conda file is small,
 * and the store is untrusted input.
 */
static char *conda_text(const struct mlw_asset *a, struct mlw_odb *odb,
			char **warning)
{
	struct mlw_buf b = MLW_BUF_INIT;
	enum mlw_object_type type;
	struct mlw_oid oid;

	if (!a->conda_file)
		return NULL;
	if (!odb || mlw_oid_from_hex(&oid, a->conda_file) ||
	    mlw_odb_read_buf(&b, &type, odb, &oid, 16u << 20)) {
		if (warning)
			*warning = mlw_xstrfmt("cannot read the conda file of "
					       "'%s:%s': %s", a->name,
					       a->version, odb ?
					       mlw_error_last() :
					       "no object store");
		mlw_buf_release(&b);
		return NULL;
	}
	return mlw_buf_detach(&b, NULL);
}

void mlw_asset_document(struct mlw_out *o, const struct mlw_asset *a,
			struct mlw_odb *odb, unsigned flags, char **warning)
{
	if (warning)
		*warning = NULL;
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", a->name);
	mlw_out_str(o, "version", a->version);
	if (a->kind != MLW_ASSET_ENVIRONMENT) {
		mlw_out_str(o, "type", a->type);
		out_opt(o, "path", a->reference ? a->reference : a->path);
		out_opt(o, "object", a->object);
		out_opt(o, "reference", a->reference);
	}
	out_opt(o, "description", a->description);
	out_kvs(o, "tags", &a->tags);
	if (a->kind == MLW_ASSET_MODEL) {
		out_kvs(o, "properties", &a->properties);
		out_opt(o, "stage", a->stage);
		out_opt(o, "job_name", a->job_name);
		if (flags & MLW_ASSET_DOC_SUMMARY) {
			char *f = mlw_mlmodel_flavors_summary(a->flavors);
			char *g = mlw_mlmodel_signature_summary(a->signature);

			mlw_out_str(o, "flavors", f);
			mlw_out_str(o, "signature", g);
			free(f);
			free(g);
		} else {
			mlw_asset_out_json(o, "flavors", a->flavors);
			mlw_asset_out_json(o, "signature", a->signature);
		}
	}
	if (a->kind == MLW_ASSET_ENVIRONMENT) {
		char *conda = conda_text(a, odb, warning);

		out_opt(o, "image", a->image);
		out_opt(o, "conda_file", conda);
		out_opt(o, "conda_file_object", a->conda_file);
		out_opt(o, "build_context", a->build_context);
		out_opt(o, "build_context_path", a->build_context ? a->path :
			NULL);
		out_opt(o, "dockerfile_path", a->dockerfile_path);
		out_kvs(o, "environment_variables", &a->environment_variables);
		mlw_asset_out_json(o, "inference_config", a->inference_config);
		free(conda);
	}
	mlw_out_bool(o, "archived", a->archived);
	mlw_out_time(o, "created", a->created);
	mlw_out_time(o, "updated", a->updated);
	mlw_out_end(o);
}

void mlw_asset_row(struct mlw_out *o, const struct mlw_asset *a)
{
	mlw_out_object_begin(o, NULL);
	mlw_out_str(o, "name", a->name);
	mlw_out_str(o, "version", a->version);
	if (a->kind == MLW_ASSET_ENVIRONMENT) {
		mlw_out_str(o, "image", a->image ? a->image : "(build)");
	} else {
		mlw_out_str(o, "type", a->type);
		if (a->kind == MLW_ASSET_MODEL)
			mlw_out_str(o, "stage", a->stage ? a->stage : "");
	}
	mlw_out_time(o, "created", a->created);
	if (a->archived)
		mlw_out_str(o, "archived", "yes");
	mlw_out_str(o, "description", a->description ? a->description : "");
	mlw_out_end(o);
}
