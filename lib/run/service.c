/*
 * service.c - show, list, update, download; see service.h.
 */
#include "run/service.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "store/tree.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/name.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

int mlw_run_load(struct mlw_run **out, struct mlw_catalog *cat,
		 const char *name)
{
	int ret = mlw_run_get(out, cat, name);

	if (!ret)
		ret = mlw_run_load_details(cat, *out);
	if (ret) {
		mlw_run_free(*out);
		*out = NULL;
	}
	return ret;
}

int mlw_run_list_each(struct mlw_catalog *cat,
		      const struct mlw_run_list_request *req, mlw_run_fn fn,
		      void *data)
{
	char *tag_key = NULL, *metric = NULL;
	struct mlw_run_filter f;
	int ret = 0;

	memset(&f, 0, sizeof(f));
	f.experiment = req->experiment;
	f.parent = req->parent;
	f.status = -1;
	f.include_archived = req->include_archived;
	f.max_results = req->max_results;
	f.brief = req->brief;
	if (req->status) {
		enum mlw_run_status s;

		ret = mlw_run_status_parse(&s, req->status);
		f.status = s;
	}
	if (!ret && req->tag) {
		const char *eq = strchr(req->tag, '=');

		tag_key = eq ? mlw_strndup(req->tag, (size_t)(eq - req->tag)) :
			  mlw_strdup(req->tag);
		f.tag_key = tag_key;
		f.tag_value = eq ? eq + 1 : NULL;
	}
	if (!ret && req->order_by) {
		const char *o = req->order_by, *sp = strchr(o, ' ');

		if (!mlw_starts_with(o, "metrics.") || !o[8])
			ret = mlw_error_setc(MLW_EINVALID, "--order-by takes "
					     "metrics.NAME [asc|desc]");
		else
			metric = sp ? mlw_strndup(o + 8, (size_t)(sp - o - 8)) :
				 mlw_strdup(o + 8);
		f.order_metric = metric;
		f.ascending = sp && !strcmp(sp + 1, "asc");
	}
	if (!ret)
		ret = mlw_run_foreach(cat, &f, fn, data);
	free(tag_key);
	free(metric);
	return ret;
}

/* one FIELD=VALUE of mlw_run_update() */
static int update_one(struct mlw_catalog *cat, const struct mlw_run *run,
		      const char *set)
{
	const char *eq = strchr(set, '=');
	char *field;
	int ret;

	if (!eq)
		return mlw_error_setc(MLW_EINVALID, "--set '%s': expected "
				      "FIELD=VALUE", set);
	field = mlw_strndup(set, (size_t)(eq - set));
	if (mlw_starts_with(field, "tags.") && field[5])
		ret = mlw_run_set_tag(cat, run->id, field + 5, eq + 1);
	else if (!strcmp(field, "description") ||
		 !strcmp(field, "display_name"))
		ret = mlw_run_set_field(cat, run->name, field, eq + 1);
	else
		ret = mlw_error_setc(MLW_EINVALID, "--set: '%s' cannot be "
				     "updated (tags.KEY, description, "
				     "display_name)", field);
	free(field);
	return ret;
}

int mlw_run_update(struct mlw_catalog *cat, const char *name,
		   const char *const *sets, size_t nr)
{
	struct mlw_run *run;
	size_t i;
	int ret = mlw_run_get(&run, cat, name);

	if (ret)
		return ret;
	ret = mlw_catalog_begin(cat);
	for (i = 0; !ret && i < nr; i++)
		ret = update_one(cat, run, sets[i]);
	if (!ret)
		ret = mlw_catalog_commit(cat);
	else
		mlw_catalog_rollback(cat);
	mlw_run_free(run);
	return ret;
}

/* an output's tree into DEST/named-outputs/NAME */
static int download_output(struct mlw_odb *odb, const struct mlw_run *run,
			   const struct mlw_run_io *io, const char *dest)
{
	struct mlw_oid oid;
	char *dir;
	int ret;

	if (!io->object)
		return mlw_error_setc(MLW_ENOTFOUND, "output '%s' of job '%s' "
				      "was not collected (the job has not "
				      "ended)", io->name, run->name);
	/* the catalog is read back: its names are checked again */
	if (mlw_name_check(MLW_NAME_OUTPUT, io->name))
		return mlw_error_recode(MLW_ECORRUPT);
	dir = mlw_xstrfmt("%s/named-outputs/%s", dest, io->name);
	ret = mlw_oid_from_hex(&oid, io->object);
	if (!ret)
		ret = mlw_tree_checkout(odb, &oid, dir, 0);
	free(dir);
	return ret;
}

/* the log and every artifact under DEST/artifacts/ */
static int download_artifacts(struct mlw_odb *odb, const struct mlw_run *run,
			      const char *dest)
{
	struct mlw_oid oid;
	size_t i;
	int ret = 0;

	if (run->log) {
		ret = mlw_oid_from_hex(&oid, run->log);
		if (!ret)
			ret = mlw_blob_checkout(odb, &oid, dest, "artifacts/"
						"user_logs/std_log.txt");
	}
	for (i = 0; !ret && i < run->nr_artifacts; i++) {
		char *rel = mlw_xstrfmt("artifacts/%s", run->artifacts[i].key);

		ret = mlw_name_check_path("artifact name",
					  run->artifacts[i].key);
		if (ret)
			ret = mlw_error_recode(MLW_ECORRUPT);
		if (!ret)
			ret = mlw_oid_from_hex(&oid, run->artifacts[i].value);
		if (!ret)
			ret = mlw_blob_checkout(odb, &oid, dest, rel);
		free(rel);
	}
	return ret;
}

int mlw_run_download(struct mlw_catalog *cat, struct mlw_odb *odb,
		     const struct mlw_run_download_request *req)
{
	const char *output = req->output;
	struct mlw_run *run;
	size_t i;
	int ret = mlw_run_load(&run, cat, req->name), found = 0;

	if (ret)
		return ret;
	for (i = 0; !ret && i < run->nr_outputs; i++) {
		const struct mlw_run_io *io = &run->outputs[i];

		if (!req->all && (!output || strcmp(output, io->name)))
			continue;
		found = 1;
		ret = download_output(odb, run, io, req->dest);
	}
	if (!ret && output && !found)
		ret = mlw_error_setc(MLW_ENOTFOUND, "job '%s' has no output "
				     "'%s'", req->name, output);
	if (!ret && !output)
		ret = download_artifacts(odb, run, req->dest);
	mlw_run_free(run);
	return ret;
}
