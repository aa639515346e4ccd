/*
 * component.h - the component a pipeline step runs, found from what the
 * step says.
 *
 * A step names its component in one of these ways, as az reads them:
 *
 *	component: {command: ..., inputs: ...}	inline
 *	component: ./train.yml, file:./train.yml	a spec file, relative
 *						to the file that names it
 *	component: azureml:NAME:VERSION		a registered component, or a
 *	component: azureml:NAME@latest		built-in one (share/components,
 *	component: azureml:NAME			"mlw_train"...)
 *	(no component: command, code, environment on the step itself)
 *
 * Registry references (azureml://registries/...) name components in
 * Azure, which mlw cannot fetch offline: an error saying so.
 *
 * Every problem is a diagnostic at the node that names the component;
 * the problems of a component file are its own diagnostics, at their
 * place in that file.
 */
#ifndef MLW_PIPELINE_COMPONENT_H
#define MLW_PIPELINE_COMPONENT_H

#include "spec/schema.h"
#include "store/odb.h"

struct mlw_repo;
struct mlw_spec;
struct mlw_yaml_node;

struct mlw_component_options {
	/* registered components (mlw component create); NULL: none */
	struct mlw_repo *repo;
	/* the folder of built-in component specs; NULL: none */
	const char *builtin_dir;
	/*
	 * Checking only ('validate'): a component this machine cannot
	 * reach (its file missing, not registered, in an Azure registry)
	 * is a warning; it is still broken.
	 */
	int check_only;
};

struct mlw_component {
	enum mlw_spec_kind kind;	/* COMMAND_ or PIPELINE_COMPONENT */
	/*
	 * Its mapping: the root of its file, the inline mapping, or the
	 * step itself for a step without component (inline_step set).
	 */
	const struct mlw_yaml_node *root;
	int inline_step;
	struct mlw_spec *spec;	/* owned: loaded from a file, else NULL */
	char *dir;		/* where its relative paths (code:) resolve */
	char *ref;		/* as the step wrote it; NULL when inline */
	char *name, *version;	/* registered or built-in; else NULL */
	int builtin;
	int broken;		/* its problems are diagnostics: do not use */
	/* a registered component's code, snapshotted when it was created */
	int has_code_tree;
	struct mlw_oid code_tree;
};

/*
 * Find the component that node names (a mapping: inline; a scalar: a
 * reference), wanting kind want.  base_dir anchors relative paths.
 * Returns 0 and *out, also when the reference or the component is wrong:
 * then (*out)->broken is set and the problems are in d, at node or in the
 * component's file (whose text *out keeps: free it after d).  A negative
 * code, *out NULL, when the store fails (message set).
 */
int mlw_component_resolve(struct mlw_component **out, struct mlw_diags *d,
			  const struct mlw_yaml_node *node,
			  const char *base_dir, enum mlw_spec_kind want,
			  const struct mlw_component_options *opts);

/* A step that is its own component: command, code, environment on it. */
struct mlw_component *mlw_component_inline_step(
	const struct mlw_yaml_node *step, const char *base_dir);

void mlw_component_free(struct mlw_component *c);

/*
 * What its mapping says: the declared inputs and outputs (NULL when
 * none; for an inline step: the step's inputs and outputs), whether it
 * is deterministic (is_deterministic, default true).
 */
const struct mlw_yaml_node *mlw_component_inputs(const struct mlw_component *c);
const struct mlw_yaml_node *mlw_component_outputs(
	const struct mlw_component *c);
int mlw_component_deterministic(const struct mlw_component *c);

/*
 * The path of built-in component name in dir, when there is one
 * (name follows the rule for names); NULL otherwise.  The caller frees.
 */
char *mlw_component_builtin_path(const char *dir, const char *name);

#endif
