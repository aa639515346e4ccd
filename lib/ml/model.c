/*
 * model.c - writing and reading model folders (model.h): the parts of
 * params.bin every algorithm shares, MLmodel, and the trainer's block.
 */
#include "ml/model.h"
#include "ml/params.h"
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "MLWPARAM"
#define MAX_PARAMS_SIZE ((size_t)1 << 32)

/* a YAML double-quoted scalar */
static void yaml_str(struct mlw_buf *b, const char *s)
{
	mlw_buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			mlw_buf_addf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			mlw_buf_addf(b, "\\x%02x", (unsigned char)*s);
		else
			mlw_buf_addch(b, *s);
	}
	mlw_buf_addch(b, '"');
}

static const char *mlflow_type(enum mlw_column_type t)
{
	return t == MLW_COLUMN_NUMERIC ? "double" :
	       t == MLW_COLUMN_BOOLEAN ? "boolean" : "string";
}

/*
 * Version 1 for the algorithms with no block of their own (the linear
 * models, byte for byte what older readers know), 2 for the others.
 */
static int format_version(const struct mlw_trainer *t)
{
	return t->write_params ? 2 : 1;
}

static void put_params(struct mlw_buf *b, const struct mlw_model *m)
{
	const struct mlw_featurizer *f = m->featurizer;
	const struct mlw_linear_model *lm = &m->linear;
	size_t i, k;

	mlw_buf_add(b, MAGIC, 8);
	mlw_params_put_u32(b, (uint32_t)format_version(m->trainer));
	mlw_params_put_u32(b, (uint32_t)m->trainer->algorithm);
	mlw_params_put_u64(b, lm->nr_features);
	mlw_params_put_u64(b, lm->nr_outputs);
	mlw_params_put_f64s(b, lm->coef, lm->nr_features * lm->nr_outputs);
	mlw_params_put_f64s(b, lm->intercept, lm->nr_outputs);
	if (m->trainer->write_params)
		m->trainer->write_params(b, m);
	mlw_params_put_u32(b, (uint32_t)f->standardize);
	if (f->standardize) {
		mlw_params_put_f64s(b, f->mean, f->nr_features);
		mlw_params_put_f64s(b, f->scale, f->nr_features);
	}
	mlw_params_put_u64(b, f->nr_inputs);
	for (i = 0; i < f->nr_inputs; i++) {
		const struct mlw_feature_input *in = &f->inputs[i];

		mlw_params_put_str(b, in->name);
		mlw_params_put_u32(b, (uint32_t)in->type);
		mlw_params_put_f64(b, in->fill);
		mlw_params_put_u64(b, in->first);
		mlw_params_put_u64(b, in->nr_categories);
		for (k = 0; k < in->nr_categories; k++)
			mlw_params_put_str(b, in->categories[k]);
	}
	mlw_params_put_str(b, m->target.name ? m->target.name : "");
	mlw_params_put_u32(b, (uint32_t)m->target.classification);
	mlw_params_put_u64(b, m->target.nr_classes);
	for (k = 0; k < m->target.nr_classes; k++)
		mlw_params_put_str(b, m->target.classes[k]);
}

/* the signature's outputs: what the trainer's predict() writes */
static void put_signature_outputs(struct mlw_buf *b, const struct mlw_model *m)
{
	size_t k, nout;

	switch (m->trainer->task) {
	case MLW_TASK_CLUSTERING:
		mlw_buf_adds(b, "[{\"name\": \"cluster\", \"type\": \"long\"}]");
		return;
	case MLW_TASK_DECOMPOSITION:
		nout = mlw_model_nr_outputs(m);
		mlw_buf_addch(b, '[');
		for (k = 0; k < nout; k++)
			mlw_buf_addf(b, "%s{\"name\": \"pc%zu\", \"type\": \"double\"}",
				     k ? ", " : "", k);
		mlw_buf_addch(b, ']');
		return;
	case MLW_TASK_CLASSIFICATION:
		mlw_buf_adds(b, "[{\"type\": \"string\"}]");
		return;
	case MLW_TASK_REGRESSION:
		mlw_buf_adds(b, "[{\"type\": \"double\"}]");
		return;
	}
}

static void put_mlmodel(struct mlw_buf *b, const struct mlw_model *m)
{
	const struct mlw_featurizer *f = m->featurizer;
	const struct mlw_linear_model *lm = &m->linear;
	size_t i, k;

	mlw_buf_addf(b, "flavors:\n  mlw:\n    algorithm: %s\n"
		     "    format_version: %d\n    params: params.bin\n"
		     "    solver: %s\n    nr_features: %zu\n"
		     "    standardize: %s\n",
		     m->trainer->name, format_version(m->trainer),
		     lm->solver ? lm->solver : "none", lm->nr_features,
		     f->standardize ? "true" : "false");
	if (m->target.classification) {
		mlw_buf_adds(b, "    classes: [");
		for (k = 0; k < m->target.nr_classes; k++) {
			if (k)
				mlw_buf_adds(b, ", ");
			yaml_str(b, m->target.classes[k]);
		}
		mlw_buf_adds(b, "]\n");
	}
	mlw_buf_addf(b, "mlw_version: %s\nsignature:\n  inputs: '[",
#ifdef MLW_VERSION
		     MLW_VERSION
#else
		     "0.0.0-dev"
#endif
		     );
	/* MLflow stores the column spec as a JSON string */
	for (i = 0; i < f->nr_inputs; i++) {
		const char *s;

		mlw_buf_addf(b, "%s{\"name\": \"", i ? ", " : "");
		for (s = f->inputs[i].name; *s; s++) {
			if (*s == '\'')
				mlw_buf_adds(b, "''");
			else if (*s == '"' || *s == '\\')
				mlw_buf_addf(b, "\\%c", *s);
			else
				mlw_buf_addch(b, *s);
		}
		mlw_buf_addf(b, "\", \"type\": \"%s\"}",
			     mlflow_type(f->inputs[i].type));
	}
	mlw_buf_adds(b, "]'\n  outputs: '");
	put_signature_outputs(b, m);
	mlw_buf_adds(b, "'\n");
}

/* dir/name with b's bytes (mlw_output: a link followed, a file replaced) */
/*
 * Unsynced: a temporary file renamed over path, without fsync, for a
 * scratch folder that is copied into the store (whose objects are
 * synced) before anything refers to it.
 */
static int write_unsynced(const char *path, const struct mlw_buf *b)
{
	char *tmp = mlw_xstrfmt("%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int ret = 0;

	if (fd < 0)
		ret = mlw_error_errno("cannot create '%s'", tmp);
	else if (mlw_write_all(fd, b->buf, b->len) < 0)
		ret = mlw_error_errno("cannot write '%s'", tmp);
	if (fd >= 0 && close(fd) < 0 && !ret)
		ret = mlw_error_errno("cannot write '%s'", tmp);
	if (!ret && rename(tmp, path) < 0)
		ret = mlw_error_errno("cannot rename '%s'", tmp);
	if (ret && fd >= 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

static int write_file(const char *dir, const char *name,
		      const struct mlw_buf *b, int sync)
{
	struct mlw_output out;
	char *path = mlw_path_join(dir, name);
	int ret;

	if (!sync) {
		ret = write_unsynced(path, b);
		free(path);
		return ret;
	}
	ret = mlw_output_open(&out, path);
	free(path);
	if (ret)
		return ret;
	if (mlw_write_all(out.fd, b->buf, b->len) < 0) {
		ret = mlw_error_errno("cannot write '%s'", out.path);
		mlw_output_abort(&out);
		return ret;
	}
	return mlw_output_commit(&out);
}

static int model_write(const struct mlw_model *m, const char *dir, int sync)
{
	struct mlw_buf b = MLW_BUF_INIT;
	int ret;

	ret = mlw_mkdir_p(dir, 0777);
	/* a file in the way of the user's folder is theirs to fix (2) */
	if (ret == MLW_ERROR)
		return mlw_error_recode(mlw_errno_code(errno));
	if (ret)
		return ret;
	put_params(&b, m);
	ret = write_file(dir, "params.bin", &b, sync);
	if (!ret) {
		mlw_buf_reset(&b);
		put_mlmodel(&b, m);
		ret = write_file(dir, "MLmodel", &b, sync);
	}
	mlw_buf_release(&b);
	return ret;
}

int mlw_model_write(const struct mlw_model *m, const char *dir)
{
	return model_write(m, dir, 1);
}

int mlw_model_write_unsynced(const struct mlw_model *m, const char *dir)
{
	return model_write(m, dir, 0);
}

void mlw_model_expect_outputs(struct mlw_params_reader *r,
			      const struct mlw_model *m, size_t expected)
{
	if (m->linear.nr_outputs != expected)
		mlw_params_fail(r, "nr_outputs",
				"%zu decision functions for a %s model (%zu expected)",
				m->linear.nr_outputs, m->trainer->name,
				expected);
}

/* one input column: its encoding checked against the features */
static void read_input(struct mlw_params_reader *r,
		       struct mlw_feature_input *in, size_t *next,
		       size_t nr_features)
{
	size_t k, width;

	in->name = mlw_params_str(r, "input.name");
	in->type = (enum mlw_column_type)mlw_params_u32(r, "input.type");
	in->fill = mlw_params_f64(r, "input.fill");
	in->first = (size_t)mlw_params_u64(r, "input.first");
	in->nr_categories = mlw_params_count(r, 4, "input.nr_categories");
	in->categories = mlw_calloc(in->nr_categories + 1, sizeof(char *));
	for (k = 0; k < in->nr_categories; k++) {
		in->categories[k] = mlw_params_str(r, "input.category");
		/* scoring finds categories by binary search */
		if (k && !r->bad &&
		    strcmp(in->categories[k - 1], in->categories[k]) >= 0)
			mlw_params_fail(r, "input.category",
					"input '%s': categories not sorted",
					in->name);
	}
	if (r->bad)
		return;
	if (in->type > MLW_COLUMN_CATEGORICAL) {
		mlw_params_fail(r, "input.type", "input '%s': type %u",
				in->name, (unsigned)in->type);
		return;
	}
	width = in->type == MLW_COLUMN_CATEGORICAL ? in->nr_categories : 1;
	/* the inputs' columns tile the features in order */
	if (in->first != *next || width > nr_features - *next) {
		mlw_params_fail(r, "input.first",
				"input '%s': columns %zu..+%zu of %zu features",
				in->name, in->first, width, nr_features);
		return;
	}
	*next += width;
	if (in->type != MLW_COLUMN_CATEGORICAL && in->nr_categories)
		mlw_params_fail(r, "input.nr_categories",
				"input '%s' is %s but has categories", in->name,
				mlw_column_type_name(in->type));
	else if (in->type == MLW_COLUMN_CATEGORICAL &&
		 !mlw_params_index_ok(in->fill, in->nr_categories))
		mlw_params_fail(r, "input.fill",
				"input '%s': %g is not one of its %zu categories",
				in->name, in->fill, in->nr_categories);
	else if (in->type == MLW_COLUMN_BOOLEAN &&
		 !mlw_params_index_ok(in->fill, 2))
		mlw_params_fail(r, "input.fill",
				"input '%s': %g is not true or false", in->name,
				in->fill);
	else if (!isfinite(in->fill))
		mlw_params_fail(r, "input.fill", "input '%s': %g", in->name,
				in->fill);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every input named once, as training makes them (a dataset refuses a
 * name twice): scoring takes a request's columns by these names.
 */
static void check_unique_inputs(struct mlw_params_reader *r,
				const struct mlw_featurizer *f)
{
	char **names = mlw_calloc(f->nr_inputs + 1, sizeof(*names));
	size_t i;

	for (i = 0; i < f->nr_inputs; i++)
		names[i] = f->inputs[i].name;
	qsort(names, f->nr_inputs, sizeof(*names), cmp_name);
	for (i = 1; i < f->nr_inputs; i++)
		if (!strcmp(names[i - 1], names[i])) {
			mlw_params_fail(r, "input.name",
					"input '%s' named twice", names[i]);
			break;
		}
	free(names);
}

static struct mlw_featurizer *read_featurizer(struct mlw_params_reader *r,
					      size_t nr_features)
{
	struct mlw_featurizer *f = mlw_calloc(1, sizeof(*f));
	size_t i, next = 0;

	f->nr_features = nr_features;
	f->feature_names = mlw_calloc(nr_features + 1, sizeof(char *));
	for (i = 0; i < nr_features; i++)
		f->feature_names[i] = mlw_strdup("");
	f->standardize = (int)mlw_params_u32(r, "standardize");
	if (f->standardize > 1)
		mlw_params_fail(r, "standardize", "%d", f->standardize);
	if (f->standardize) {
		f->mean = mlw_params_f64s(r, nr_features, "mean");
		f->scale = mlw_params_f64s(r, nr_features, "scale");
		for (i = 0; !r->bad && i < nr_features; i++)
			if (!isfinite(f->mean[i]) || !(f->scale[i] > 0) ||
			    !isfinite(f->scale[i]))
				mlw_params_fail(r, "scale", "feature %zu", i);
	}
	/* an input takes at least 32 bytes: name, type, fill, first, count */
	f->nr_inputs = mlw_params_count(r, 32, "nr_inputs");
	f->inputs = mlw_calloc(f->nr_inputs + 1, sizeof(*f->inputs));
	for (i = 0; i < f->nr_inputs && !r->bad; i++)
		read_input(r, &f->inputs[i], &next, nr_features);
	if (!r->bad && next != nr_features)
		mlw_params_fail(r, "nr_inputs",
				"the inputs make %zu features, not %zu", next,
				nr_features);
	if (!r->bad)
		check_unique_inputs(r, f);
	return f;
}

static void read_target(struct mlw_params_reader *r, struct mlw_model *m)
{
	struct mlw_target *t = &m->target;
	int cls = m->trainer->task == MLW_TASK_CLASSIFICATION;
	size_t k;

	t->name = mlw_params_str(r, "target");
	t->classification = (int)mlw_params_u32(r, "classification");
	t->nr_classes = mlw_params_count(r, 4, "nr_classes");
	t->classes = mlw_calloc(t->nr_classes + 1, sizeof(char *));
	for (k = 0; k < t->nr_classes; k++)
		t->classes[k] = mlw_params_str(r, "class");
	if (r->bad)
		return;
	if (t->classification != cls)
		mlw_params_fail(r, "classification", "%d for a %s model",
				t->classification, m->trainer->name);
	else if (cls ? t->nr_classes < 2 : t->nr_classes != 0)
		mlw_params_fail(r, "nr_classes", "%zu for a %s model",
				t->nr_classes, m->trainer->name);
}

/* params.bin's bytes into m; 0 or MLW_EINVALID */
static int read_params(struct mlw_model *m, const char *path,
		       const struct mlw_buf *b)
{
	struct mlw_params_reader r;
	struct mlw_linear_model *lm = &m->linear;
	uint32_t version, algo;

	if (b->len < 16 || memcmp(b->buf, MAGIC, 8))
		return mlw_error_setc(MLW_EINVALID,
				      "'%s' is not an mlw params file", path);
	mlw_params_reader_init(&r, path, b->buf + 8, b->len - 8);
	version = mlw_params_u32(&r, "format_version");
	if (!version || version > MLW_MODEL_FORMAT_VERSION)
		return mlw_error_setc(MLW_EINVALID,
			"'%s' has format version %u; this mlw reads 1 to %d",
			path, (unsigned)version, MLW_MODEL_FORMAT_VERSION);
	algo = mlw_params_u32(&r, "algorithm");
	if (algo >= MLW_NR_ALGORITHMS)
		return mlw_params_fail(&r, "algorithm", "%u is no algorithm",
				       (unsigned)algo);
	m->trainer = mlw_trainer_of((enum mlw_algorithm)algo);
	if ((int)version != format_version(m->trainer))
		return mlw_params_fail(&r, "format_version",
				       "%u for a %s model", (unsigned)version,
				       m->trainer->name);
	lm->algorithm = (enum mlw_algorithm)algo;
	lm->nr_features = mlw_params_count(&r, 8, "nr_features");
	lm->nr_outputs = mlw_params_count(&r, 8, "nr_outputs");
	lm->coef = mlw_params_matrix(&r, lm->nr_features, lm->nr_outputs,
				     "coef");
	lm->intercept = mlw_params_f64s(&r, lm->nr_outputs, "intercept");
	if (m->trainer->read_params && !r.bad)
		m->trainer->read_params(&r, m);
	m->featurizer = read_featurizer(&r, lm->nr_features);
	read_target(&r, m);
	if (!r.bad && r.p != r.end)
		mlw_params_fail(&r, "end", "%zu bytes after the last field",
				(size_t)(r.end - r.p));
	if (!r.bad && m->trainer->validate)
		m->trainer->validate(&r, m);
	return r.bad ? MLW_EINVALID : 0;
}

static int mlmodel_bad(const char *path, const struct mlw_yaml_node *n,
		       const char *fmt, const char *what)
{
	return mlw_error_setc(MLW_EINVALID, "%s:%d:%d: %s%s", path, n->line,
			      n->col, fmt, what);
}

/*
 * Check dir/MLmodel, when there is one: YAML with a flavors mapping
 * that has an mlw flavor whose algorithm and format version are those
 * of params.bin (algo NULL: not read yet, checked later).  *has is set
 * when the file exists.
 */
static int check_mlmodel(int *has, const char *dir, const char *algo,
			 int version)
{
	char *path = mlw_path_join(dir, "MLmodel");
	const struct mlw_yaml_node *root, *fl, *mlw, *v;
	struct mlw_yaml_doc *doc;
	struct mlw_buf names = MLW_BUF_INIT;
	int64_t fv;
	size_t i;
	int ret;

	*has = 0;
	ret = mlw_yaml_load_file(&doc, path);
	if (ret == MLW_ENOTFOUND) {
		mlw_error_clear();
		free(path);
		return 0;
	}
	if (ret) {
		free(path);
		return ret == MLW_ERROR ? ret : MLW_EINVALID;
	}
	*has = 1;
	root = doc->root;
	fl = root->kind == MLW_YAML_MAP ? mlw_yaml_map_get(root, "flavors") :
	     NULL;
	if (!fl || fl->kind != MLW_YAML_MAP || !fl->nr) {
		ret = mlmodel_bad(path, fl ? fl : root,
				  "MLmodel has no flavors mapping", "");
		goto out;
	}
	mlw = mlw_yaml_map_get(fl, "mlw");
	if (!mlw) {
		for (i = 0; i < fl->nr / 2; i++)
			mlw_buf_addf(&names, "%s%s", i ? ", " : "",
				     mlw_yaml_key(fl, i)->text);
		ret = mlw_error_setc(MLW_EINVALID,
			"'%s' is an MLflow model with no mlw flavor (it has %s): mlw scores only the models of 'mlw train'; %s",
			dir, names.buf,
			mlw_yaml_map_get(fl, "python_function") ?
			"serve it with MLflow ('mlflow models serve -m DIR' or 'mlflow models predict') in a Python environment with its dependencies" :
			"serve it with the library that wrote it");
		goto out;
	}
	if (mlw->kind != MLW_YAML_MAP) {
		ret = mlmodel_bad(path, mlw, "flavor mlw must be a mapping", "");
		goto out;
	}
	v = mlw_yaml_map_get(mlw, "algorithm");
	if (!v || !mlw_yaml_str(v) || !mlw_trainer_find(v->text)) {
		mlw_error_clear();
		ret = mlmodel_bad(path, v ? v : mlw,
				  "flavor mlw: no known algorithm", "");
		goto out;
	}
	if (algo && strcmp(v->text, algo)) {
		ret = mlmodel_bad(path, v,
				  "flavor mlw: the algorithm contradicts params.bin, a model of ",
				  algo);
		goto out;
	}
	v = mlw_yaml_map_get(mlw, "format_version");
	if (!v || mlw_yaml_to_int(v, &fv) < 0 || fv < 1 ||
	    fv > MLW_MODEL_FORMAT_VERSION || (version && fv != version)) {
		ret = mlmodel_bad(path, v ? v : mlw,
				  "flavor mlw: format_version does not match params.bin",
				  "");
		goto out;
	}
	v = mlw_yaml_map_get(mlw, "params");
	if (v && (!mlw_yaml_str(v) || strcmp(v->text, "params.bin")))
		ret = mlmodel_bad(path, v,
				  "flavor mlw: params must be params.bin", "");
out:
	mlw_buf_release(&names);
	mlw_yaml_free(doc);
	free(path);
	return ret;
}

int mlw_model_read(struct mlw_model *m, const char *dir)
{
	struct mlw_buf b = MLW_BUF_INIT;
	char *path;
	int ret, has_mlmodel;

	memset(m, 0, sizeof(*m));
	/* first: a foreign model is named as such, params.bin or not */
	ret = check_mlmodel(&has_mlmodel, dir, NULL, 0);
	if (ret)
		return ret;
	path = mlw_path_join(dir, "params.bin");
	ret = mlw_buf_read_file(&b, path, MAX_PARAMS_SIZE);
	if (ret == MLW_ENOTFOUND && !has_mlmodel)
		ret = mlw_error_setc(MLW_ENOTFOUND,
				     "no model in '%s' (no MLmodel nor params.bin)",
				     dir);
	if (!ret)
		ret = read_params(m, path, &b);
	if (!ret && has_mlmodel)
		ret = check_mlmodel(&has_mlmodel, dir, m->trainer->name,
				    format_version(m->trainer));
	if (ret)
		mlw_model_release(m);
	mlw_buf_release(&b);
	free(path);
	return ret;
}

void mlw_model_release(struct mlw_model *m)
{
	mlw_linear_model_release(&m->linear);
	if (m->trainer && m->trainer->release)
		m->trainer->release(m);
	mlw_featurizer_free(m->featurizer);
	m->featurizer = NULL;
	if (m->target.name || m->target.classes)
		mlw_target_release(&m->target);
	m->trainer = NULL;
}
