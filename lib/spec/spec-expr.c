/*
 * spec-expr.c - the ${{...}} expressions of a job or component body:
 * each names an input, output, search-space parameter or step output
 * that exists in its scope (check.h).
 */
#include "spec/spec.h"
#include "spec/check.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/name.h"
#include "util/strutil.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- ${{...}} references ------------------------------------------------- */

struct expr_ctx {
	const struct mlw_yaml_node *inputs[2];	/* input maps in scope */
	const struct mlw_yaml_node *outputs[2];
	const struct mlw_yaml_node *search_space;
	/* in a pipeline step's inputs/outputs: the parent's names */
	int parent;
	const struct mlw_yaml_node *parent_inputs, *parent_outputs;
	const struct mlw_yaml_node *parent_jobs;
	int in_step;		/* within jobs.STEP (parent.* is wrong here) */
	int self_refs;		/* inputs.X / outputs.X allowed */
};

void mlw_spec_names_of(struct mlw_strlist *l, const struct mlw_yaml_node *m)
{
	size_t i;

	if (!m || m->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < m->nr / 2; i++)
		mlw_strlist_push(l, mlw_yaml_key(m, i)->text);
}

/* "unknown input 'x' in ${{inputs.x}} (did you mean 'y'?; known: a, b)" */
static void unknown_name(struct mlw_diags *d, const struct mlw_yaml_node *at,
			 const char *what, const char *name, const char *expr,
			 struct mlw_strlist *known)
{
	struct mlw_buf b = MLW_BUF_INIT;
	size_t i, len = strlen(what);
	/* "inputs", "search_space entries" */
	char *whats = len && what[len - 1] == 'y' ?
		      mlw_xstrfmt("%.*sies", (int)len - 1, what) :
		      mlw_xstrfmt("%ss", what);
	const char *hint;

	mlw_buf_addf(&b, "'${{%s}}' refers to an unknown %s '%s'", expr, what,
		     name);
	mlw_strlist_push_owned(known, NULL);
	known->nr--;
	hint = mlw_suggest(name, (const char *const *)known->items);
	if (hint)
		mlw_buf_addf(&b, " (did you mean '%s'?)", hint);
	else if (!known->nr)
		mlw_buf_addf(&b, "; there are no %s", whats);
	else {
		mlw_buf_addf(&b, "; known %s: ", whats);
		for (i = 0; i < known->nr && i < 8; i++)
			mlw_buf_addf(&b, "%s%s", i ? ", " : "", known->items[i]);
		if (known->nr > 8)
			mlw_buf_adds(&b, ", ...");
	}
	mlw_diags_add(d, 0, at, "%s", b.buf);
	mlw_buf_release(&b);
	free(whats);
}

static int name_in(const struct mlw_yaml_node *const *maps, size_t n,
		   const char *name, struct mlw_strlist *known)
{
	size_t i;
	int found = 0;

	for (i = 0; i < n; i++) {
		if (mlw_yaml_map_find(maps[i], name) >= 0)
			found = 1;
		mlw_spec_names_of(known, maps[i]);
	}
	return found;
}

static int is_optional_input(const struct expr_ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		const struct mlw_yaml_node *in = mlw_yaml_map_get(c->inputs[i],
								  name);
		int opt = 0;

		if (in && in->kind == MLW_YAML_MAP &&
		    !mlw_yaml_to_bool(mlw_yaml_map_get(in, "optional"), &opt) &&
		    opt)
			return 1;
	}
	return 0;
}

/* the outputs a step declares, when they are visible in this file */
static const struct mlw_yaml_node *step_outputs(const struct mlw_yaml_node *step,
						int *known)
{
	const struct mlw_yaml_node *comp = mlw_yaml_map_get(step, "component");
	const struct mlw_yaml_node *trial = mlw_yaml_map_get(step, "trial");

	*known = 1;
	if (comp && comp->kind == MLW_YAML_SCALAR)
		*known = 0;	/* declared in a component file or asset */
	if (trial && trial->kind == MLW_YAML_SCALAR)
		*known = 0;
	if (comp && comp->kind == MLW_YAML_MAP)
		return mlw_yaml_map_get(comp, "outputs");
	return mlw_yaml_map_get(step, "outputs");
}

static void check_one_ref(struct mlw_diags *d, const struct mlw_yaml_node *at,
			  const struct expr_ctx *c, const char *expr,
			  int in_optional, int legacy)
{
	struct mlw_strlist known = MLW_STRLIST_INIT;
	const char *dot;
	char *root;

	if (!strcmp(expr, "name") || !strcmp(expr, "default_datastore"))
		return;
	dot = strchr(expr, '.');
	root = dot ? mlw_strndup(expr, (size_t)(dot - expr)) : mlw_strdup(expr);
	/*
	 * search_space.NAME.KEY: KEY of the dictionary a choice NAME took
	 * (the sweep binds it; NAME is checked here)
	 */
	if (!strcmp(root, "search_space") && dot && dot[1] &&
	    strchr(dot + 1, '.') && dot[1] != '.') {
		const char *end = strchr(dot + 1, '.');
		char *top = mlw_strndup(expr, (size_t)(end - expr));

		check_one_ref(d, at, c, top, in_optional, legacy);
		free(top);
	} else if ((!strcmp(root, "inputs") || !strcmp(root, "outputs") ||
	     !strcmp(root, "search_space")) && dot && dot[1] &&
	    !strchr(dot + 1, '.')) {
		const char *name = dot + 1;

		if (c->parent && strcmp(root, "search_space")) {
			mlw_diags_add(d, 0, at, "'${{%s}}' in a step's %s: "
				      "bind to the pipeline with "
				      "'${{parent.%s}}'", expr,
				      "inputs/outputs", expr);
		} else if (!c->self_refs) {
			mlw_diags_add(d, 0, at, "'${{%s}}' cannot be used here",
				      expr);
		} else if (!strcmp(root, "inputs")) {
			if (!name_in(c->inputs, 2, name, &known))
				unknown_name(d, at, "input", name, expr, &known);
			else if (!in_optional && !legacy &&
				 is_optional_input(c, name))
				mlw_diags_add(d, 1, at, "optional input '%s' "
					      "used outside '$[[ ... ]]': the "
					      "command breaks when it is not "
					      "given", name);
		} else if (!strcmp(root, "outputs")) {
			if (!name_in(c->outputs, 2, name, &known))
				unknown_name(d, at, "output", name, expr,
					     &known);
		} else {
			if (!c->search_space)
				mlw_diags_add(d, 0, at, "'${{%s}}' outside a "
					      "sweep: there is no search_space",
					      expr);
			else if (!name_in(&c->search_space, 1, name, &known))
				unknown_name(d, at, "search_space entry", name,
					     expr, &known);
		}
	} else if (!strcmp(root, "parent") && dot) {
		char *rest = mlw_strdup(dot + 1);
		char *p2 = strchr(rest, '.');

		if (!c->parent) {
			mlw_diags_add(d, 0, at, "'${{%s}}' is only valid in a "
				      "pipeline step's inputs, outputs or "
				      "compute", expr);
		} else if (p2 && !strchr(p2 + 1, '.') &&
			   (!strncmp(rest, "inputs.", 7) ||
			    !strncmp(rest, "outputs.", 8))) {
			int is_in = rest[0] == 'i';
			const struct mlw_yaml_node *m = is_in ?
				c->parent_inputs : c->parent_outputs;

			if (!name_in(&m, 1, p2 + 1, &known))
				unknown_name(d, at, is_in ? "pipeline input" :
					     "pipeline output", p2 + 1, expr,
					     &known);
		} else if (!strncmp(rest, "jobs.", 5)) {
			/* parent.jobs.STEP.outputs.NAME */
			char *step = rest + 5, *kind, *name;
			const struct mlw_yaml_node *s;

			kind = strchr(step, '.');
			name = kind ? strchr(kind + 1, '.') : NULL;
			if (!kind || !name || strchr(name + 1, '.') ||
			    (strncmp(kind, ".outputs.", 9) &&
			     strncmp(kind, ".inputs.", 8))) {
				mlw_diags_add(d, 0, at, "malformed reference "
					      "'${{%s}}'; expected "
					      "parent.jobs.STEP.outputs.NAME",
					      expr);
			} else {
				*kind = '\0';
				s = mlw_yaml_map_get(c->parent_jobs, step);
				if (!s) {
					mlw_spec_names_of(&known, c->parent_jobs);
					*kind = '.';
					*strchr(step, '.') = '\0';
					unknown_name(d, at, "step", step, expr,
						     &known);
				} else if (kind[1] == 'o') {
					int visible;
					const struct mlw_yaml_node *outs =
						step_outputs(s, &visible);

					if (visible && !name_in(&outs, 1,
								name + 1,
								&known)) {
						*kind = '.';
						unknown_name(d, at,
							     "step output",
							     name + 1, expr,
							     &known);
					}
				}
			}
		} else {
			mlw_diags_add(d, 0, at, "unknown reference '${{%s}}'; "
				      "expected parent.inputs.NAME, "
				      "parent.outputs.NAME or "
				      "parent.jobs.STEP.outputs.NAME", expr);
		}
		free(rest);
	} else {
		mlw_diags_add(d, 0, at, "unknown reference '${{%s}}'; expected "
			      "inputs.NAME, outputs.NAME, search_space.NAME, "
			      "parent.inputs.NAME, parent.outputs.NAME, "
			      "parent.jobs.STEP.outputs.NAME, name or "
			      "default_datastore", expr);
	}
	free(root);
	mlw_strlist_release(&known);
}

static int ident_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

/*
 * Where offset of a scalar's text is in the file: exact for one-line
 * scalars (quoted ones start one column later); the scalar's own position
 * for block and multi-line scalars, whose folding loses the mapping.
 */
static struct mlw_yaml_node exact_position(const struct mlw_yaml_node *n,
					   size_t offset)
{
	struct mlw_yaml_node at = *n;

	if (memchr(n->text, '\n', n->len) || n->style == MLW_YAML_LITERAL ||
	    n->style == MLW_YAML_FOLDED)
		return at;
	if (n->style == MLW_YAML_PLAIN)
		at.col += (int)offset;
	else if (!memchr(n->text, '\\', offset) &&
		 !memchr(n->text, '\'', offset))
		at.col += (int)offset + 1;
	return at;
}

/* scan one string for ${{...}}, $[[...]] and legacy {search_space.x} */
static void check_string(struct mlw_diags *d, const struct mlw_yaml_node *n,
			 const struct expr_ctx *c)
{
	const char *s = n->text, *p = s;
	int optional_depth = 0;
	struct mlw_yaml_node at;

	if (!strchr(s, '{') && !strstr(s, "$[["))
		return;
	while (*p) {
		if (!strncmp(p, "$[[", 3)) {
			optional_depth++;
			p += 3;
		} else if (!strncmp(p, "]]", 2) && optional_depth) {
			optional_depth--;
			p += 2;
		} else if (!strncmp(p, "${{", 3)) {
			const char *end = strstr(p + 3, "}}");
			char *expr;
			size_t a, b;

			if (!end) {
				mlw_diags_add(d, 0, n, "unterminated '${{' (no "
					      "closing '}}')");
				return;
			}
			a = 3;
			while (p + a < end && isspace((unsigned char)p[a]))
				a++;
			b = (size_t)(end - p);
			while (b > a && isspace((unsigned char)p[b - 1]))
				b--;
			expr = mlw_strndup(p + a, b - a);
			at = exact_position(n, (size_t)(p - s));
			if (!*expr)
				mlw_diags_add(d, 0, &at, "empty reference '${{}}'");
			else
				check_one_ref(d, &at, c, expr, optional_depth, 0);
			free(expr);
			p = end + 2;
		} else if (*p == '{' && (p == s || (p[-1] != '{' && p[-1] != '$'))
			   && (!strncmp(p + 1, "search_space.", 13) ||
			       !strncmp(p + 1, "inputs.", 7) ||
			       !strncmp(p + 1, "outputs.", 8))) {
			const char *q = p + 1;

			while (ident_char((unsigned char)*q))
				q++;
			if (*q == '}') {
				char *expr = mlw_strndup(p + 1,
							 (size_t)(q - p - 1));

				at = exact_position(n, (size_t)(p - s));
				mlw_diags_add(d, 1, &at, "legacy reference "
					      "'{%s}'; write '${{%s}}'", expr,
					      expr);
				check_one_ref(d, &at, c, expr, 1, 1);
				free(expr);
				p = q + 1;
				continue;
			}
			p++;
		} else {
			p++;
		}
	}
	if (optional_depth)
		mlw_diags_add(d, 0, n, "unterminated '$[[' (no closing ']]')");
}

static void walk_strings(struct mlw_diags *d, const struct mlw_yaml_node *n,
			 const struct expr_ctx *c, size_t *budget)
{
	size_t i;

	if (!n || !*budget)
		return;
	--*budget;
	if (n->kind == MLW_YAML_SCALAR) {
		if (n->style != MLW_YAML_PLAIN ||
		    mlw_yaml_scalar_type(n) == MLW_YAML_STR)
			check_string(d, n, c);
		return;
	}
	for (i = 0; i < n->nr; i++)
		if (n->kind == MLW_YAML_SEQ || i % 2)
			walk_strings(d, n->items[i], c, budget);
}

static void check_steps(struct mlw_diags *d, const struct mlw_yaml_node *root,
			size_t *budget);

/*
 * A job or component body: every string may use its own inputs, outputs
 * and (sweeps) search space, except the step maps of a pipeline, which
 * have their own scopes.
 */
void mlw_spec_check_body(struct mlw_diags *d, const struct mlw_yaml_node *root,
		       const struct mlw_yaml_node *extra_inputs,
		       const struct mlw_yaml_node *extra_outputs, int in_step,
		       size_t *budget)
{
	struct expr_ctx c;
	size_t i;

	if (!root || root->kind != MLW_YAML_MAP)
		return;
	memset(&c, 0, sizeof(c));
	c.inputs[0] = mlw_yaml_map_get(root, "inputs");
	c.inputs[1] = extra_inputs;
	c.outputs[0] = mlw_yaml_map_get(root, "outputs");
	c.outputs[1] = extra_outputs;
	c.search_space = mlw_yaml_map_get(root, "search_space");
	c.self_refs = 1;
	c.in_step = in_step;
	for (i = 0; i < root->nr / 2; i++) {
		const char *key = mlw_yaml_key(root, i)->text;
		const struct mlw_yaml_node *v = mlw_yaml_value(root, i);

		if (!strcmp(key, "jobs") && v->kind == MLW_YAML_MAP)
			check_steps(d, root, budget);
		else if (!strcmp(key, "component") && v->kind == MLW_YAML_MAP)
			mlw_spec_check_body(d, v, c.inputs[0] ? c.inputs[0] :
				   c.inputs[1], c.outputs[0] ? c.outputs[0] :
				   c.outputs[1], 1, budget);
		else if (!strcmp(key, "search_space"))
			continue;
		else
			walk_strings(d, v, &c, budget);
	}
}

static void check_steps(struct mlw_diags *d, const struct mlw_yaml_node *root,
			size_t *budget)
{
	const struct mlw_yaml_node *jobs = mlw_yaml_map_get(root, "jobs");
	size_t i, j;

	for (i = 0; i < jobs->nr / 2; i++) {
		const struct mlw_yaml_node *step = mlw_yaml_value(jobs, i);
		struct expr_ctx pc;

		if (step->kind != MLW_YAML_MAP)
			continue;
		/* inputs, outputs, compute: evaluated in the parent */
		memset(&pc, 0, sizeof(pc));
		pc.parent = 1;
		pc.parent_inputs = mlw_yaml_map_get(root, "inputs");
		pc.parent_outputs = mlw_yaml_map_get(root, "outputs");
		pc.parent_jobs = jobs;
		pc.self_refs = 1;
		for (j = 0; j < step->nr / 2; j++) {
			const char *key = mlw_yaml_key(step, j)->text;

			if (!strcmp(key, "inputs") || !strcmp(key, "outputs") ||
			    !strcmp(key, "compute"))
				walk_strings(d, mlw_yaml_value(step, j), &pc,
					     budget);
		}
		/* the rest: the step's own scope */
		{
			struct mlw_yaml_node shadow = *step;
			size_t k, kept = 0;
			struct mlw_yaml_node **items =
				mlw_calloc(step->nr ? step->nr : 1,
					   sizeof(*items));

			for (k = 0; k < step->nr / 2; k++) {
				const char *key = mlw_yaml_key(step, k)->text;

				if (!strcmp(key, "inputs") ||
				    !strcmp(key, "outputs") ||
				    !strcmp(key, "compute"))
					continue;
				items[kept++] = mlw_yaml_key(step, k);
				items[kept++] = mlw_yaml_value(step, k);
			}
			shadow.items = items;
			shadow.nr = kept;
			mlw_spec_check_body(d, &shadow, mlw_yaml_map_get(step, "inputs"),
				   mlw_yaml_map_get(step, "outputs"), 1, budget);
			free(items);
		}
	}
}

