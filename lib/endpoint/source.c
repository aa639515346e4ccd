/*
 * source.c - what a create or update applies: the spec's text from a
 * file, from the record it was last applied from, or made up from
 * flags, and the overrides that go with it; see endpoint.h.
 */
#include "endpoint/endpoint.h"
#include "spec/spec.h"
#include "store/odb.h"
#include "store/repo.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/strutil.h"

#include <jansson.h>
#include <stdlib.h>

int mlw_endpoint_stored_spec(char **text, struct mlw_strlist *overrides,
			     struct mlw_endpoint_ctx *ctx, const char *spec,
			     const char *spec_overrides)
{
	struct mlw_buf b = MLW_BUF_INIT;
	struct mlw_odb *odb;
	struct mlw_oid oid;
	enum mlw_object_type type;
	json_t *list, *v;
	size_t i;
	int ret;

	*text = NULL;
	if (!spec)
		return mlw_error_setc(MLW_ENOTFOUND, "no spec was recorded");
	ret = mlw_oid_from_hex(&oid, spec);
	if (!ret)
		ret = mlw_repo_odb(&odb, ctx->repo);
	if (!ret)
		ret = mlw_odb_read_buf(&b, &type, odb, &oid, MLW_YAML_MAX_SIZE);
	if (ret == MLW_ENOTFOUND)
		ret = mlw_error_recode(MLW_ECORRUPT);
	if (ret) {
		mlw_buf_release(&b);
		return ret;
	}
	list = json_loads(spec_overrides ? spec_overrides : "[]", 0, NULL);
	if (!json_is_array(list)) {
		json_decref(list);
		mlw_buf_release(&b);
		return mlw_error_setc(MLW_ECORRUPT,
				      "catalog: the overrides of a spec do not read back");
	}
	json_array_foreach(list, i, v)
		if (json_is_string(v))
			mlw_strlist_push(overrides, json_string_value(v));
	json_decref(list);
	*text = mlw_buf_detach(&b, NULL);
	return 0;
}

int mlw_endpoint_spec_text(char **text, const char **path,
			   struct mlw_strlist *overrides,
			   struct mlw_endpoint_ctx *ctx,
			   const struct mlw_endpoint_spec_request *req)
{
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i;
	int ret;

	*text = NULL;
	*path = req->file;
	if (req->file) {
		ret = mlw_buf_read_file(&b, req->file, MLW_YAML_MAX_SIZE);
		if (ret) {
			mlw_buf_release(&b);
			return ret;
		}
		*text = mlw_buf_detach(&b, NULL);
	} else if (req->made_up) {
		*text = mlw_strdup(req->made_up);
		*path = req->what;
	} else {
		ret = mlw_endpoint_stored_spec(text, overrides, ctx,
					       req->stored_spec,
					       req->stored_overrides);
		if (ret == MLW_ENOTFOUND)
			return mlw_error_setc(MLW_EINVALID, "%s has no spec to update; give one with -f FILE",
					      req->what);
		if (ret)
			return ret;
		*path = req->stored_path ? req->stored_path : req->what;
	}
	for (i = 0; i < req->nr_sets; i++)
		mlw_strlist_push(overrides, req->sets[i]);
	if (req->name)
		mlw_strlist_push_owned(overrides,
				       mlw_xstrfmt("name=%s", req->name));
	if (req->endpoint_name)
		mlw_strlist_push_owned(overrides,
				       mlw_xstrfmt("endpoint_name=%s",
						   req->endpoint_name));
	return 0;
}

void mlw_endpoint_source_init(struct mlw_endpoint_source *src,
			      const char *text, const struct mlw_spec *spec,
			      const struct mlw_strlist *overrides)
{
	src->text = text;
	src->path = spec->path;
	src->overrides = (const char *const *)overrides->items;
	src->nr_overrides = overrides->nr;
}
