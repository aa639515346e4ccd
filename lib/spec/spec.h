/*
 * spec.h - load and validate an Azure ML CLI v2 spec file.
 *
 * mlw_spec_load() reads the YAML, applies --set overrides, decides the
 * kind (from $schema, else from type: and the command group), checks the
 * tree against the kind's schema and then the rules a schema cannot say:
 * ${{...}} references, component input defaults, local paths and asset
 * references (a sweep's own rules are the sweep engine's:
 * mlw_sweep_check_spec() in sweep/sweep.h).  Every problem of the
 * file is collected in spec->diags (errors and warnings, sorted by
 * position); the caller prints them.
 *
 * A loaded spec without errors is what later code reads: the node tree is
 * known to match the schema, so accessors such as mlw_spec_get_str() can
 * be trusted without re-validating, and every node still carries its
 * position for messages at run time.
 *
 *	struct mlw_spec *spec;
 *	struct mlw_spec_options opts = { .group = "job" };
 *	if (mlw_spec_load(&spec, "train.yml", &opts) < 0)
 *		return cmd_fail(...);		// missing file, I/O
 *	if (spec->diags.errors) ...		// print spec->diags
 *	cmd = mlw_spec_get_str(spec, "command");
 *	mlw_spec_free(spec);
 */
#ifndef MLW_SPEC_SPEC_H
#define MLW_SPEC_SPEC_H

#include "spec/ref.h"
#include "spec/schema.h"
#include "spec/yaml.h"

#include <stdint.h>

struct mlw_spec_options {
	/*
	 * The command group: "job", "component", "endpoint", "data",
	 * "model", "env", or NULL for any kind.  A spec of another group is
	 * an error naming both.
	 */
	const char *group;
	/* "a.b[0].c=value" overrides, applied before validation */
	const char *const *overrides;
	size_t nr_overrides;
	/*
	 * Asked about every azureml: asset reference; returns 1 when the
	 * asset exists locally, 0 when not (a warning), -1 when it cannot
	 * tell (nothing said).  what names the field as messages do:
	 * "model", "model path", "input path", "data path", "component",
	 * "trial component", "code folder"...  NULL: never asked.
	 */
	int (*asset_exists)(void *data, const struct mlw_ref *ref,
			    const char *what);
	void *asset_data;
};

struct mlw_spec {
	char *path;		/* as given */
	char *dir;		/* its directory: base of relative paths */
	enum mlw_spec_kind kind;
	struct mlw_yaml_doc *doc;	/* NULL when the YAML did not load */
	struct mlw_diags diags;
};

/*
 * Load and validate path.  Returns 0 with *out set, also when the spec
 * has errors (see (*out)->diags); negative only when the file cannot be
 * read at all (MLW_ENOTFOUND, MLW_ERROR; MLW_EINVALID for a folder),
 * message set, *out NULL.
 */
int mlw_spec_load(struct mlw_spec **out, const char *path,
		  const struct mlw_spec_options *opts);
/*
 * The same for a document in memory (NUL-terminated text) named name in
 * messages; relative paths resolve against name's directory.
 */
int mlw_spec_load_mem(struct mlw_spec **out, const char *name,
		      const char *text, const struct mlw_spec_options *opts);
void mlw_spec_free(struct mlw_spec *spec);

/* "command job", "model"... */
const char *mlw_spec_kind_name(enum mlw_spec_kind kind);
enum mlw_spec_kind mlw_spec_kind(const struct mlw_spec *spec);

/*
 * Decide the kind of a document: $schema (key or yaml-language-server
 * comment) basename, else type: within group, else the file name
 * (MLTable).  Unknown kinds are reported to d and return UNKNOWN.
 */
enum mlw_spec_kind mlw_spec_detect_kind(const struct mlw_yaml_doc *doc,
					const char *path, const char *group,
					struct mlw_diags *d);

/*
 * Paths: "inputs.lr.default", "jobs.train.inputs", "paths[0].file".
 * mlw_spec_get() returns the node or NULL when absent; the typed getters
 * return 0, MLW_ENOTFOUND when absent or null, MLW_EINVALID when the node
 * does not coerce.
 */
const struct mlw_yaml_node *mlw_spec_get(const struct mlw_spec *spec,
					 const char *path);
const struct mlw_yaml_node *mlw_yaml_get(const struct mlw_yaml_node *root,
					 const char *path);
/* the scalar's text (any scalar type), or NULL */
const char *mlw_spec_get_str(const struct mlw_spec *spec, const char *path);
int mlw_spec_get_int(const struct mlw_spec *spec, const char *path,
		     int64_t *out);
int mlw_spec_get_double(const struct mlw_spec *spec, const char *path,
			double *out);
int mlw_spec_get_bool(const struct mlw_spec *spec, const char *path, int *out);
/*
 * MLW_EINVALID with the message "FILE:LINE:COL: ..." for node n of a
 * spec (no position when n is NULL): an error found after loading.
 */
int mlw_spec_error_at(const struct mlw_yaml_node *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The same at the node of path in spec (NULL, or a path that is absent:
 * "FILE: ..." with the spec's path).
 */
int mlw_spec_error(const struct mlw_spec *spec, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The version at path as the text az registers (NULL when absent; the
 * caller frees): a string as written, an integer in decimal ("0x10" is
 * "16"), a float as Python's str() writes it ("1.50" is "1.5", "2.0"
 * stays "2.0").  Call on a spec without errors.
 */
char *mlw_spec_get_version(const struct mlw_spec *spec, const char *path);
/* a reference at path, relative paths resolved against the spec's dir */
int mlw_spec_get_ref(const struct mlw_spec *spec, const char *path,
		     struct mlw_ref *out);

/*
 * Apply one "PATH=VALUE" override to doc (the value is read as YAML: 24
 * is an integer, "{a: 1}" a mapping; an empty value is null).  Problems
 * go to d, located at the override.
 */
void mlw_spec_apply_override(struct mlw_yaml_doc *doc, const char *override,
			     struct mlw_diags *d);

#endif
