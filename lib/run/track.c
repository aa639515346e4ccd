/*
 * track.c - metrics, artifacts of a run; see track.h.
 */
#include "run/track.h"
#include "run/run.h"
#include "store/catalog.h"
#include "store/odb.h"
#include "util/error.h"
#include "util/name.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

int mlw_run_log_metric(struct mlw_catalog *cat, int64_t run, const char *key,
		       double value, int64_t step, double t)
{
	struct mlw_metric_writer *w = NULL;
	int ret = mlw_catalog_begin(cat);

	if (ret)
		return ret;
	ret = mlw_metric_writer_new(&w, cat, run);
	if (!ret)
		ret = mlw_metric_writer_add(w, key, value, step, t);
	if (!ret)
		ret = mlw_metric_writer_finish(w);
	else if (w)
		mlw_metric_writer_abort(w);
	if (!ret)
		return mlw_catalog_commit(cat);
	mlw_catalog_rollback(cat);
	return ret;
}

/* one "NAME VALUE [STEP]" line (modified), into w */
static int metric_line(struct mlw_metric_writer *w, char *line, double t)
{
	char *name, *value, *step, *save = NULL;
	int64_t s = -1;
	double v;
	int ret;

	name = strtok_r(line, " \t\r\n", &save);
	if (!name || *name == '#')
		return 0;
	value = strtok_r(NULL, " \t\r\n", &save);
	step = strtok_r(NULL, " \t\r\n", &save);
	if (!value || strtok_r(NULL, " \t\r\n", &save))
		return mlw_error_setc(MLW_EINVALID, "expected 'NAME VALUE "
				      "[STEP]'");
	ret = mlw_parse_double(&v, value, "metric value");
	if (!ret && step)
		ret = mlw_parse_i64(&s, step, "step");
	if (!ret && step && s < 0)
		ret = mlw_error_setc(MLW_EINVALID, "step must not be negative");
	if (!ret)
		ret = mlw_metric_writer_add(w, name, v, s, t);
	return ret;
}

int mlw_run_log_metric_lines(struct mlw_catalog *cat, int64_t run, FILE *fp,
			     const char *what, double t)
{
	struct mlw_metric_writer *w;
	char *line = NULL;
	size_t alloc = 0, lineno = 0;
	int ret = mlw_catalog_begin(cat);

	if (ret)
		return ret;
	ret = mlw_metric_writer_new(&w, cat, run);
	if (ret) {
		mlw_catalog_rollback(cat);
		return ret;
	}
	while (!ret && getline(&line, &alloc, fp) >= 0) {
		lineno++;
		ret = metric_line(w, line, t);
		if (ret == MLW_EINVALID)
			mlw_error_prefix("%s:%zu", what, lineno);
	}
	free(line);
	if (ret) {
		mlw_metric_writer_abort(w);
		mlw_catalog_rollback(cat);
		return ret;
	}
	ret = mlw_metric_writer_finish(w);
	if (!ret)
		return mlw_catalog_commit(cat);
	mlw_catalog_rollback(cat);
	return ret;
}

int mlw_run_log_artifact(struct mlw_catalog *cat, struct mlw_odb *odb,
			 int64_t run, const char *path, const char *name)
{
	char hex[MLW_OID_HEXSZ + 1];
	struct mlw_oid oid;
	uint64_t size;
	int ret = mlw_name_check_path("artifact name", name);

	if (!ret)
		ret = mlw_odb_write_path(&oid, &size, odb, path, MLW_OBJ_BLOB,
					 MLW_ODB_WRITE);
	if (ret)
		return ret;
	mlw_oid_to_hex(hex, &oid);
	return mlw_run_add_artifact(cat, run, name, hex, size);
}
