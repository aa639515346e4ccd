/*
 * check.h - what spec.c and the rule files beside it share (nothing
 * outside lib/spec uses this).
 */
#ifndef MLW_SPEC_CHECK_H
#define MLW_SPEC_CHECK_H

#include "spec/spec.h"
#include "util/strutil.h"

#include <stddef.h>

/* root's type: scalar, or NULL */
const char *mlw_spec_type_of(const struct mlw_yaml_node *root);
/* root (a mapping) has key */
int mlw_spec_has(const struct mlw_yaml_node *root, const char *key);

/* spec-expr.c: the keys of mapping m appended to l (nothing for others) */
void mlw_spec_names_of(struct mlw_strlist *l, const struct mlw_yaml_node *m);
/*
 * spec-expr.c: the ${{...}} of a job or component body root, with
 * extra_inputs and extra_outputs in scope too (a pipeline's component);
 * budget counts the nodes walked (a bomb of aliases stops).
 */
void mlw_spec_check_body(struct mlw_diags *d, const struct mlw_yaml_node *root,
			 const struct mlw_yaml_node *extra_inputs,
			 const struct mlw_yaml_node *extra_outputs,
			 int in_step, size_t *budget);

/*
 * spec-check.c: the rules of spec's kind past its schema (spec loaded,
 * its kind known and accepted), reported to spec->diags.
 */
void mlw_spec_check_rules(struct mlw_spec *spec,
			  const struct mlw_spec_options *opts);

#endif
