/*
 * dag.c - build and check the graph of a pipeline (dag.h).
 *
 * Two passes over each level of the pipeline.  The first makes a step
 * for every entry of jobs:, finds its component and its outputs, and
 * recurses into pipeline components, so that every output that a
 * pipeline step promotes is known before anything is bound to it.  The
 * second binds every input, a level after the level above it, so that
 * ${{parent.inputs.X}} inside a pipeline component finds what its step
 * was given.  Then the edges are collected and sorted; what is left over
 * is a cycle.
 */
#include "pipeline/dag.h"
#include "spec/ref.h"
#include "spec/spec.h"
#include "spec/yaml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/name.h"
#include "util/strutil.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* pipeline components inside pipeline components, at most this deep */
#define MAX_DEPTH 16

/* one level of the pipeline: the top, or a pipeline step's component */
struct scope {
	const struct mlw_yaml_node *jobs;
	char *prefix;		/* "" or "outer/" */
	long group;		/* its pipeline step, -1 at the top */
	int depth;
	const char *dir;	/* relative paths in its file resolve here */
	/* its pipeline's outputs, as declared (${{parent.outputs.X}}) */
	const struct mlw_yaml_node *outputs;
};

static const char *const data_types[] = {
	"uri_file", "uri_folder", "mltable", "mlflow_model", "custom_model",
	"triton_model", NULL
};
static const char *const literal_types[] = {
	"string", "integer", "number", "boolean", NULL
};

static int in_list(const char *const *l, const char *s)
{
	for (; s && *l; l++)
		if (!strcasecmp(*l, s))
			return 1;
	return 0;
}

int mlw_pipeline_is_data_type(const char *type)
{
	return in_list(data_types, type);
}

static int is_model_type(const char *t)
{
	return !strcasecmp(t, "mlflow_model") ||
	       !strcasecmp(t, "custom_model") ||
	       !strcasecmp(t, "triton_model");
}

int mlw_pipeline_types_compatible(const char *out, const char *in_type)
{
	if (!in_type || !out)
		return 1;
	if (in_list(literal_types, in_type))
		return 0;
	if (!in_list(data_types, in_type) || !strcasecmp(out, in_type))
		return 1;
	if (!strcasecmp(out, "uri_file") || !strcasecmp(in_type, "uri_file"))
		return 0;
	/* folders from here on */
	if (!strcasecmp(in_type, "uri_folder"))
		return 1;
	if (!strcasecmp(in_type, "mltable"))
		return !strcasecmp(out, "uri_folder");
	return !strcasecmp(out, "uri_folder") || is_model_type(out);
}

const char *mlw_step_kind_name(enum mlw_step_kind kind)
{
	switch (kind) {
	case MLW_STEP_COMMAND:
		return "command";
	case MLW_STEP_SWEEP:
		return "sweep";
	case MLW_STEP_PIPELINE:
		return "pipeline";
	}
	return "?";
}

/* --- freeing ------------------------------------------------------------- */

static void input_release(struct mlw_pipeline_input *in)
{
	free(in->name);
	free(in->type);
	free(in->value);
	free(in->output);
	free(in->mode);
}

static void output_release(struct mlw_pipeline_output *o)
{
	free(o->name);
	free(o->type);
	free(o->mode);
	free(o->asset_name);
	free(o->asset_version);
	free(o->promoted);
	free(o->src_output);
	free(o->file_name);
}

static void free_ios(struct mlw_pipeline_input *in, size_t nr_in,
		     struct mlw_pipeline_output *out, size_t nr_out)
{
	size_t i;

	for (i = 0; i < nr_in; i++)
		input_release(&in[i]);
	for (i = 0; i < nr_out; i++)
		output_release(&out[i]);
	free(in);
	free(out);
}

void mlw_pipeline_free(struct mlw_pipeline *p)
{
	size_t i;

	if (!p)
		return;
	/* the diagnostics point into the components' files: them first */
	mlw_diags_release(&p->diags);
	for (i = 0; i < p->nr_steps; i++) {
		struct mlw_pipeline_step *s = &p->steps[i];

		free(s->name);
		free(s->key);
		free(s->compute);
		free(s->deps);
		free_ios(s->inputs, s->nr_inputs, s->outputs, s->nr_outputs);
		mlw_component_free(s->component);
	}
	free(p->steps);
	free(p->order);
	free_ios(p->inputs, p->nr_inputs, p->outputs, p->nr_outputs);
	free(p->default_compute);
	free(p->default_datastore);
	mlw_component_free(p->component);
	free(p);
}

long mlw_pipeline_find(const struct mlw_pipeline *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nr_steps; i++)
		if (!strcmp(p->steps[i].name, name))
			return (long)i;
	return -1;
}

/* --- small helpers ------------------------------------------------------- */

static const char *scalar_text(const struct mlw_yaml_node *n)
{
	if (!n || n->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(n))
		return NULL;
	return n->text;
}

static char *dup_or_null(const char *s)
{
	return s ? mlw_strdup(s) : NULL;
}

/* the declared type of an input or output mapping, or NULL */
static const char *type_of(const struct mlw_yaml_node *decl)
{
	if (!decl || decl->kind != MLW_YAML_MAP)
		return NULL;
	return scalar_text(mlw_yaml_map_get(decl, "type"));
}

/*
 * When text is exactly one ${{...}} (blanks around the expression
 * allowed), the expression; else NULL.  The caller frees.
 */
static char *whole_binding(const char *text)
{
	const char *a, *b;
	size_t len = strlen(text);

	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	while (*text && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	if (len < 5 || strncmp(text, "${{", 3) || strncmp(text + len - 2,
							   "}}", 2))
		return NULL;
	a = text + 3;
	b = text + len - 2;
	if (strstr(a, "}}") != b)
		return NULL;
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	return mlw_strndup(a, (size_t)(b - a));
}

/* "parent.inputs.X" -> X, or NULL */
static const char *parent_name(const char *expr, const char *what)
{
	size_t n = strlen(what);

	if (strncmp(expr, "parent.", 7) || strncmp(expr + 7, what, n) ||
	    expr[7 + n] != '.' || !expr[8 + n] || strchr(expr + 8 + n, '.'))
		return NULL;
	return expr + 8 + n;
}

/*
 * "parent.jobs.S.outputs.Y": S and Y into the caller's buffers (freed by
 * the caller); 0 when expr is not that form.
 */
static int parent_step_output(const char *expr, char **step, char **output)
{
	const char *s, *dot;

	if (strncmp(expr, "parent.jobs.", 12))
		return 0;
	s = expr + 12;
	dot = strchr(s, '.');
	if (!dot || dot == s || strncmp(dot, ".outputs.", 9) || !dot[9] ||
	    strchr(dot + 9, '.'))
		return 0;
	*step = mlw_strndup(s, (size_t)(dot - s));
	*output = mlw_strdup(dot + 9);
	return 1;
}

/* the type a literal's YAML scalar has: integer, number, boolean, string */
static const char *literal_type(const struct mlw_yaml_node *v)
{
	switch (mlw_yaml_scalar_type(v)) {
	case MLW_YAML_INT:
		return "integer";
	case MLW_YAML_FLOAT:
		return "number";
	case MLW_YAML_BOOL:
		return "boolean";
	default:
		return "string";
	}
}

/*
 * Whether text reads as a value of declared type (integer, number,
 * boolean; others take any text): NULL when it does, else what it
 * should be ("an integer").
 */
static const char *literal_misfit(const char *type, const char *text)
{
	int64_t iv;
	double dv;

	if (!type || !text)
		return NULL;
	if (!strcasecmp(type, "integer") && mlw_parse_i64(&iv, text, "x")) {
		mlw_error_clear();
		return "an integer";
	}
	if (!strcasecmp(type, "number") && mlw_parse_double(&dv, text, "x")) {
		mlw_error_clear();
		return "a number";
	}
	if (!strcasecmp(type, "boolean") && strcasecmp(text, "true") &&
	    strcasecmp(text, "false"))
		return "true or false";
	return NULL;
}

static void known_names(struct mlw_buf *b, const struct mlw_pipeline_output *o,
			size_t nr)
{
	size_t i;

	if (!nr) {
		mlw_buf_adds(b, "it has no outputs");
		return;
	}
	mlw_buf_adds(b, "its outputs: ");
	for (i = 0; i < nr && i < 8; i++)
		mlw_buf_addf(b, "%s%s", i ? ", " : "", o[i].name);
	if (nr > 8)
		mlw_buf_adds(b, ", ...");
}

/* --- pass 1: steps, components, outputs ---------------------------------- */

static size_t new_step(struct mlw_pipeline *p)
{
	MLW_ALLOC_GROW(p->steps, p->nr_steps + 1, p->alloc_steps);
	memset(&p->steps[p->nr_steps], 0, sizeof(p->steps[0]));
	return p->nr_steps++;
}

/* the direct step of scope sc whose key is key, or -1 */
static long scope_step(const struct mlw_pipeline *p, const struct scope *sc,
		       const char *key)
{
	size_t i;

	for (i = 0; i < p->nr_steps; i++)
		if (p->steps[i].group == sc->group &&
		    !strcmp(p->steps[i].key, key))
			return (long)i;
	return -1;
}

/* apply what a step (or the pipeline) says of output o */
static void given_output(struct mlw_diags *d, struct mlw_pipeline_output *o,
			 const struct mlw_yaml_node *v, const char *whose)
{
	const struct mlw_yaml_node *n;
	const char *t;
	char *expr;

	if (!v || mlw_yaml_is_null(v))
		return;
	o->at = v;
	if (v->kind == MLW_YAML_SCALAR) {
		const char *x;

		expr = whole_binding(v->text);
		x = expr ? parent_name(expr, "outputs") : NULL;
		if (x)
			o->promoted = mlw_strdup(x);
		else
			mlw_diags_add(d, 0, v, "output '%s' of %s: expected "
				      "'${{parent.outputs.NAME}}' or a mapping "
				      "(type, mode, name, version)", o->name,
				      whose);
		free(expr);
		return;
	}
	if (v->kind != MLW_YAML_MAP)
		return;
	t = type_of(v);
	if (t) {
		free(o->type);
		o->type = mlw_strdup(t);
	}
	n = mlw_yaml_map_get(v, "mode");
	if (scalar_text(n)) {
		free(o->mode);
		o->mode = mlw_strdup(n->text);
	}
	n = mlw_yaml_map_get(v, "name");
	if (scalar_text(n)) {
		if (mlw_name_check(MLW_NAME_ASSET, n->text)) {
			mlw_diags_add(d, 0, n, "output '%s' of %s: %s", o->name,
				      whose, mlw_error_last());
			mlw_error_clear();
		} else {
			o->asset_name = mlw_strdup(n->text);
		}
	}
	n = mlw_yaml_map_get(v, "version");
	if (scalar_text(n)) {
		if (!o->asset_name) {
			mlw_diags_add(d, 0, n, "output '%s' of %s: a version "
				      "needs a name", o->name, whose);
		} else if (mlw_name_check(MLW_NAME_VERSION, n->text)) {
			mlw_diags_add(d, 0, n, "output '%s' of %s: %s", o->name,
				      whose, mlw_error_last());
			mlw_error_clear();
		} else {
			o->asset_version = mlw_strdup(n->text);
		}
	}
}

/*
 * The outputs of a step: those its component declares, with what the
 * step says of each (a promotion, a type, a name to register); an
 * inline step's are the ones it lists.
 */
/*
 * An inline step's output promoted to its pipeline's output X takes X's
 * type, and for a file the name its path ends with, unless it says.
 */
static void promoted_type(struct mlw_pipeline_output *o,
			  const struct mlw_yaml_node *v,
			  const struct mlw_yaml_node *outputs)
{
	const struct mlw_yaml_node *decl;
	const char *t, *path, *slash;

	if (!o->promoted || type_of(v) || !outputs ||
	    outputs->kind != MLW_YAML_MAP)
		return;
	decl = mlw_yaml_map_get(outputs, o->promoted);
	t = type_of(decl);
	if (t) {
		free(o->type);
		o->type = mlw_strdup(t);
	}
	path = decl && decl->kind == MLW_YAML_MAP ?
	       scalar_text(mlw_yaml_map_get(decl, "path")) : NULL;
	slash = path ? strrchr(path, '/') : NULL;
	if (slash && slash[1] && !strstr(slash, "${{") &&
	    !strcasecmp(o->type, "uri_file") && !o->file_name)
		o->file_name = mlw_strdup(slash + 1);
}

static void step_outputs(struct mlw_pipeline *p, size_t idx,
			 const struct scope *sc)
{
	struct mlw_pipeline_step *st = &p->steps[idx];
	const struct mlw_yaml_node *given = mlw_yaml_map_get(st->node,
							     "outputs");
	const struct mlw_yaml_node *decl = st->component->inline_step ? given :
		mlw_component_outputs(st->component);
	char *whose = mlw_xstrfmt("step '%s'", st->name);
	size_t i;

	if (given && given->kind != MLW_YAML_MAP)
		given = NULL;
	if (decl && decl->kind != MLW_YAML_MAP)
		decl = NULL;
	st->outputs = mlw_calloc(decl ? decl->nr / 2 + 1 : 1,
				 sizeof(*st->outputs));
	for (i = 0; decl && i < decl->nr / 2; i++) {
		struct mlw_pipeline_output *o = &st->outputs[st->nr_outputs++];
		const char *name = mlw_yaml_key(decl, i)->text;
		const char *t = type_of(mlw_yaml_value(decl, i));

		o->name = mlw_strdup(name);
		o->type = mlw_strdup(t ? t : "uri_folder");
		o->src_step = st->kind != MLW_STEP_PIPELINE ? (long)idx : -1;
		o->src_output = st->kind != MLW_STEP_PIPELINE ?
				mlw_strdup(name) : NULL;
		o->at = mlw_yaml_key(decl, i);
		if (!st->component->inline_step && given)
			given_output(&p->diags, o, mlw_yaml_map_get(given, name),
				     whose);
		else if (st->component->inline_step) {
			given_output(&p->diags, o, mlw_yaml_value(decl, i),
				     whose);
			promoted_type(o, mlw_yaml_value(decl, i), sc->outputs);
		}
	}
	for (i = 0; !st->component->inline_step && given &&
	     i < given->nr / 2; i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(given, i);

		if (!decl || mlw_yaml_map_find(decl, k->text) < 0)
			mlw_diags_add(&p->diags, 0, k, "step '%s' gives output "
				      "'%s', which its component does not "
				      "declare", st->name, k->text);
	}
	free(whose);
}

static void add_steps(struct mlw_pipeline *p, const struct scope *sc,
		      const struct mlw_pipeline_options *opts, int *fatal);

/*
 * A pipeline step's outputs come from the steps inside it that promote
 * theirs: follow each to the command step that makes it.
 */
static void promote(struct mlw_pipeline *p, long group,
		    struct mlw_pipeline_output *outs, size_t nr_outs,
		    const char *whose)
{
	size_t i, j, k;

	for (i = 0; i < nr_outs; i++) {
		struct mlw_pipeline_output *o = &outs[i];
		long by = -1;

		for (j = 0; j < p->nr_steps; j++) {
			struct mlw_pipeline_step *s = &p->steps[j];

			if (s->group != group)
				continue;
			for (k = 0; k < s->nr_outputs; k++) {
				struct mlw_pipeline_output *so = &s->outputs[k];

				if (!so->promoted || strcmp(so->promoted,
							    o->name))
					continue;
				if (by >= 0) {
					mlw_diags_add(&p->diags, 0, so->at,
						      "output '%s' of %s is "
						      "already bound to step "
						      "'%s'", o->name, whose,
						      p->steps[by].name);
					continue;
				}
				by = (long)j;
				o->src_step = so->src_step;
				free(o->src_output);
				o->src_output = dup_or_null(so->src_output);
			}
		}
	}
}

/* the outputs of a pipeline step or of the pipeline itself */
static void pipeline_outputs(struct mlw_pipeline *p,
			     struct mlw_pipeline_output **outs, size_t *nr,
			     const struct mlw_yaml_node *decl,
			     const struct mlw_yaml_node *given,
			     const char *whose)
{
	size_t i;

	if (decl && decl->kind != MLW_YAML_MAP)
		decl = NULL;
	if (given && given->kind != MLW_YAML_MAP)
		given = NULL;
	if (!decl)
		decl = given;
	*outs = mlw_calloc(decl ? decl->nr / 2 + 1 : 1, sizeof(**outs));
	*nr = 0;
	for (i = 0; decl && i < decl->nr / 2; i++) {
		struct mlw_pipeline_output *o = &(*outs)[(*nr)++];
		const char *name = mlw_yaml_key(decl, i)->text;
		const char *t = type_of(mlw_yaml_value(decl, i));

		o->name = mlw_strdup(name);
		o->type = mlw_strdup(t ? t : "uri_folder");
		o->src_step = -1;
		o->at = mlw_yaml_key(decl, i);
		if (given)
			given_output(&p->diags, o, mlw_yaml_map_get(given,
				     name), whose);
	}
}

/*
 * A sweep's trials sample the same values again only from a seed (or a
 * grid, which samples nothing at random): without one its outcome is
 * not determined by its inputs, and it is never reused.
 */
static int sweep_seeded(const struct mlw_yaml_node *node)
{
	const struct mlw_yaml_node *alg = mlw_yaml_map_get(node,
							   "sampling_algorithm");
	const char *type = scalar_text(alg);

	if (alg && alg->kind == MLW_YAML_MAP) {
		if (scalar_text(mlw_yaml_map_get(alg, "seed")))
			return 1;
		type = scalar_text(mlw_yaml_map_get(alg, "type"));
	}
	return type && !strcasecmp(type, "grid");
}

/* each search-space entry of a sweep step names an input of its trial */
static void check_search_space(struct mlw_pipeline *p,
			       const struct mlw_pipeline_step *st)
{
	const struct mlw_yaml_node *space = mlw_yaml_map_get(st->node,
							     "search_space");
	const struct mlw_yaml_node *decl = mlw_component_inputs(st->component);
	size_t i;

	if (!space || space->kind != MLW_YAML_MAP) {
		mlw_diags_add(&p->diags, 0, space ? space : st->node, "sweep "
			      "step '%s' has no search_space mapping",
			      st->name);
		return;
	}
	for (i = 0; i < space->nr / 2; i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(space, i);

		if (!decl || decl->kind != MLW_YAML_MAP ||
		    mlw_yaml_map_find(decl, k->text) < 0)
			mlw_diags_add(&p->diags, 0, k, "search_space of sweep "
				      "step '%s' names '%s', which is no "
				      "input of its trial component", st->name,
				      k->text);
	}
}

/* whether name is sampled by sweep step st (it binds no value then) */
static int sampled(const struct mlw_pipeline_step *st, const char *name)
{
	const struct mlw_yaml_node *space;

	if (st->kind != MLW_STEP_SWEEP)
		return 0;
	space = mlw_yaml_map_get(st->node, "search_space");
	return space && space->kind == MLW_YAML_MAP &&
	       mlw_yaml_map_get(space, name) != NULL;
}

/* make the step for jobs entry (key, node) of scope sc */
static void add_step(struct mlw_pipeline *p, const struct scope *sc,
		     const struct mlw_yaml_node *key,
		     const struct mlw_yaml_node *node,
		     const struct mlw_pipeline_options *opts, int *fatal)
{
	const struct mlw_yaml_node *tnode = mlw_yaml_map_get(node, "type");
	const struct mlw_yaml_node *comp = mlw_yaml_map_get(node, "component");
	const char *type = scalar_text(tnode) ? tnode->text : "command";
	size_t idx = new_step(p);
	struct mlw_pipeline_step *st = &p->steps[idx];
	struct mlw_component *c = NULL;
	int ret = 0;

	st->name = mlw_xstrfmt("%s%s", sc->prefix, key->text);
	st->key = mlw_strdup(key->text);
	st->group = sc->group;
	st->depth = sc->depth;
	st->node = node;
	st->compute = dup_or_null(scalar_text(mlw_yaml_map_get(node,
							       "compute")));
	st->deterministic = 1;
	if (!strcasecmp(type, "command")) {
		st->kind = MLW_STEP_COMMAND;
		if (comp && !mlw_yaml_is_null(comp))
			ret = mlw_component_resolve(&c, &p->diags, comp,
						    sc->dir,
						    MLW_SPEC_COMMAND_COMPONENT,
						    &opts->components);
		else
			c = mlw_component_inline_step(node, sc->dir);
	} else if (!strcasecmp(type, "pipeline")) {
		st->kind = MLW_STEP_PIPELINE;
		ret = mlw_component_resolve(&c, &p->diags, comp, sc->dir,
					    MLW_SPEC_PIPELINE_COMPONENT,
					    &opts->components);
	} else if (!strcasecmp(type, "sweep")) {
		const struct mlw_yaml_node *trial = mlw_yaml_map_get(node,
								     "trial");

		st->kind = MLW_STEP_SWEEP;
		if (!scalar_text(trial))
			mlw_diags_add(&p->diags, 0, trial ? trial : key, "sweep "
				      "step '%s' names no trial (trial: a command "
				      "component, file:PATH or azureml:NAME@latest)",
				      st->name);
		else
			ret = mlw_component_resolve(&c, &p->diags, trial,
						    sc->dir,
						    MLW_SPEC_COMMAND_COMPONENT,
						    &opts->components);
	} else {
		st->kind = MLW_STEP_COMMAND;
		mlw_diags_add(&p->diags, p->check_only, tnode, "step '%s' is "
			      "%s %s step, "
			      "which mlw cannot run on this machine (it runs "
			      "command, sweep and pipeline steps)", st->name,
			      strchr("aeiouAEIOU", type[0]) ? "an" : "a", type);
	}
	if (ret) {
		*fatal = ret;
		return;
	}
	/* p->steps may move from here on: st is refreshed after recursion */
	p->steps[idx].component = c;
	if (!c || c->broken)
		return;
	st->deterministic = mlw_component_deterministic(c);
	if (st->kind == MLW_STEP_SWEEP) {
		st->deterministic = st->deterministic && sweep_seeded(node);
		check_search_space(p, st);
		step_outputs(p, idx, sc);
	} else if (st->kind == MLW_STEP_COMMAND) {
		step_outputs(p, idx, sc);
	} else {
		struct scope inner;
		const struct mlw_yaml_node *jobs = mlw_yaml_map_get(c->root,
								    "jobs");
		char *whose = mlw_xstrfmt("pipeline step '%s'", st->name);

		pipeline_outputs(p, &st->outputs, &st->nr_outputs,
				 mlw_component_outputs(c),
				 mlw_yaml_map_get(node, "outputs"), whose);
		if (sc->depth + 1 >= MAX_DEPTH) {
			mlw_diags_add(&p->diags, 0, comp, "pipeline step '%s' "
				      "nests pipelines more than %d deep",
				      st->name, MAX_DEPTH);
			free(whose);
			return;
		}
		memset(&inner, 0, sizeof(inner));
		inner.jobs = jobs;
		inner.prefix = mlw_xstrfmt("%s/", st->name);
		inner.group = (long)idx;
		inner.depth = sc->depth + 1;
		inner.dir = c->dir;
		inner.outputs = mlw_component_outputs(c);
		add_steps(p, &inner, opts, fatal);
		free(inner.prefix);
		st = &p->steps[idx];
		promote(p, (long)idx, st->outputs, st->nr_outputs, whose);
		free(whose);
	}
}

static void add_steps(struct mlw_pipeline *p, const struct scope *sc,
		      const struct mlw_pipeline_options *opts, int *fatal)
{
	size_t i;

	if (!sc->jobs || sc->jobs->kind != MLW_YAML_MAP)
		return;
	for (i = 0; !*fatal && i < sc->jobs->nr / 2; i++) {
		const struct mlw_yaml_node *v = mlw_yaml_value(sc->jobs, i);

		if (v->kind == MLW_YAML_MAP)
			add_step(p, sc, mlw_yaml_key(sc->jobs, i), v, opts,
				 fatal);
	}
}

/* --- pass 2: bindings ---------------------------------------------------- */

struct binder {
	struct mlw_pipeline *p;
	const struct scope *sc;
	/* what ${{parent.inputs.X}} means here; NULL: nothing (the top) */
	const struct mlw_pipeline_input *parent_inputs;
	size_t nr_parent_inputs;
	const char *whose;	/* "step 'train'", for messages */
	/*
	 * The last binding named what cannot be checked (a broken step,
	 * remote data): said already, not also "unbound".
	 */
	int to_broken;
};

static void set_path(struct binder *b, struct mlw_pipeline_input *in,
		     const char *text, const char *dir,
		     const struct mlw_yaml_node *at)
{
	struct mlw_ref ref = MLW_REF_INIT;

	if (mlw_ref_parse(&ref, text, dir)) {
		mlw_diags_add(&b->p->diags, 0, at, "input '%s' of %s: %s",
			      in->name, b->whose, mlw_error_last());
		mlw_error_clear();
	} else if (ref.kind == MLW_REF_LOCAL) {
		in->bind = MLW_BIND_PATH;
		in->value = mlw_path_absolute(ref.path);
	} else if (ref.kind == MLW_REF_ASSET || ref.kind == MLW_REF_JOB_OUTPUT) {
		in->bind = MLW_BIND_PATH;
		in->value = mlw_strdup(text);
	} else {
		mlw_diags_add(&b->p->diags, b->p->check_only, at, "input '%s' "
			      "of %s: '%s' is remote; mlw runs offline "
			      "(register the data locally with 'mlw data "
			      "create')", in->name, b->whose, text);
		b->to_broken = 1;	/* said: not also unbound */
	}
	mlw_ref_release(&ref);
}

/* check a bound input against the type its component declares */
static void check_type(struct binder *b, struct mlw_pipeline_input *in,
		       const char *declared, const char *src_type,
		       const struct mlw_yaml_node *at)
{
	const char *want;

	if (!declared)
		return;
	switch (in->bind) {
	case MLW_BIND_LITERAL:
		want = literal_misfit(declared, in->value);
		if (want)
			mlw_diags_add(&b->p->diags, 0, at, "input '%s' of %s "
				      "is %s input: '%s' is not %s", in->name,
				      b->whose, declared, in->value, want);
		break;
	case MLW_BIND_PATH:
	case MLW_BIND_STEP:
		if (mlw_pipeline_types_compatible(src_type, declared))
			break;
		if (in->bind == MLW_BIND_STEP)
			mlw_diags_add(&b->p->diags, 0, at, "input '%s' of %s "
				      "takes %s, but output '%s' of step '%s' "
				      "is %s", in->name, b->whose, declared,
				      in->output, b->p->steps[in->step].name,
				      src_type);
		else
			mlw_diags_add(&b->p->diags, 0, at, "input '%s' of %s "
				      "takes %s, not %s data", in->name,
				      b->whose, declared, src_type);
		break;
	default:
		break;
	}
}

/*
 * A literal bound to an input its component bounds: one of its enum,
 * not below its min nor above its max (Azure refuses such a job; here
 * it would run with a value its component says it cannot take).
 */
static void check_bounds(struct binder *b, const struct mlw_pipeline_input *in,
			 const struct mlw_yaml_node *decl,
			 const struct mlw_yaml_node *at)
{
	static const char *const keys[] = { "min", "max" };
	const struct mlw_yaml_node *n;
	double v, lim;
	size_t i;

	if (in->bind != MLW_BIND_LITERAL || !in->value || !decl ||
	    decl->kind != MLW_YAML_MAP)
		return;
	n = mlw_yaml_map_get(decl, "enum");
	if (n && n->kind == MLW_YAML_SEQ && n->nr) {
		struct mlw_buf list = MLW_BUF_INIT;

		for (i = 0; i < n->nr; i++) {
			const char *t = n->items[i]->text;

			if (t && !strcmp(t, in->value))
				break;
			mlw_buf_addf(&list, "%s%s", i ? ", " : "", t ? t : "?");
		}
		if (i == n->nr)
			mlw_diags_add(&b->p->diags, 0, at, "input '%s' of %s "
				      "is one of %s: not '%s'", in->name,
				      b->whose, list.buf, in->value);
		mlw_buf_release(&list);
	}
	if (!in->type || (strcasecmp(in->type, "integer") &&
			  strcasecmp(in->type, "number")))
		return;
	if (mlw_parse_double(&v, in->value, "x")) {
		mlw_error_clear();
		return;
	}
	for (i = 0; i < 2; i++) {
		const char *t = scalar_text(mlw_yaml_map_get(decl, keys[i]));

		if (!t)
			continue;
		if (mlw_parse_double(&lim, t, "x")) {
			mlw_error_clear();
			continue;
		}
		if (i ? v > lim : v < lim)
			mlw_diags_add(&b->p->diags, 0, at, "input '%s' of %s "
				      "is at %s %s: %s is not", in->name,
				      b->whose, i ? "most" : "least", t,
				      in->value);
	}
}

static void bind_default(struct binder *b, struct mlw_pipeline_input *in,
			 const struct mlw_yaml_node *decl, const char *dir)
{
	const struct mlw_yaml_node *def = decl && decl->kind == MLW_YAML_MAP ?
		mlw_yaml_map_get(decl, "default") : NULL;

	if (!scalar_text(def))
		return;
	if (mlw_pipeline_is_data_type(in->type)) {
		set_path(b, in, def->text, dir, def);
	} else {
		in->bind = MLW_BIND_LITERAL;
		in->value = mlw_strdup(def->text);
	}
}

/* copy what the pipeline level binds its input name to into in */
static int bind_parent_input(struct binder *b, struct mlw_pipeline_input *in,
			     const char *name, const struct mlw_yaml_node *at,
			     const char **src_type)
{
	size_t i;

	for (i = 0; i < b->nr_parent_inputs; i++) {
		const struct mlw_pipeline_input *x = &b->parent_inputs[i];

		if (strcmp(x->name, name))
			continue;
		/* nothing to check it with, here or in a step inside */
		if (x->unknown)
			b->to_broken = in->unknown = 1;
		in->bind = x->bind;
		in->value = dup_or_null(x->value);
		in->step = x->step;
		in->output = dup_or_null(x->output);
		if (!in->mode)
			in->mode = dup_or_null(x->mode);
		*src_type = x->type;
		if (x->bind == MLW_BIND_STEP)
			*src_type = NULL;
		return 0;
	}
	mlw_diags_add(&b->p->diags, 0, at, "'${{parent.inputs.%s}}': %s has "
		      "no input '%s'", name, b->sc->group < 0 ? "the pipeline" :
		      "the pipeline component", name);
	return -1;
}

/* ${{parent.jobs.S.outputs.Y}} */
static void bind_step_output(struct binder *b, struct mlw_pipeline_input *in,
			     const char *step, const char *output,
			     const struct mlw_yaml_node *at,
			     const char **src_type)
{
	struct mlw_pipeline *p = b->p;
	long s = scope_step(p, b->sc, step);
	struct mlw_pipeline_step *src;
	struct mlw_buf msg = MLW_BUF_INIT;
	size_t k;

	if (s < 0) {
		mlw_diags_add(&p->diags, 0, at, "'${{parent.jobs.%s.outputs."
			      "%s}}': there is no step '%s'", step, output,
			      step);
		return;
	}
	src = &p->steps[s];
	if (!src->component || src->component->broken) {
		b->to_broken = 1;
		return;		/* said already */
	}
	for (k = 0; k < src->nr_outputs; k++)
		if (!strcmp(src->outputs[k].name, output))
			break;
	if (k == src->nr_outputs) {
		known_names(&msg, src->outputs, src->nr_outputs);
		mlw_diags_add(&p->diags, 0, at, "'${{parent.jobs.%s.outputs."
			      "%s}}': step '%s' has no output '%s'; %s", step,
			      output, src->name, output, msg.buf);
		mlw_buf_release(&msg);
		return;
	}
	if (src->outputs[k].src_step < 0) {
		mlw_diags_add(&p->diags, 0, at, "'${{parent.jobs.%s.outputs."
			      "%s}}': no step inside pipeline step '%s' "
			      "produces its output '%s'", step, output,
			      src->name, output);
		return;
	}
	in->bind = MLW_BIND_STEP;
	in->step = (size_t)src->outputs[k].src_step;
	in->output = mlw_strdup(src->outputs[k].src_output);
	*src_type = src->outputs[k].type;
}

/*
 * A value with ${{parent.inputs.X}} inside longer text: literal inputs
 * are put in; data cannot be.
 */
static void bind_text(struct binder *b, struct mlw_pipeline_input *in,
		      const struct mlw_yaml_node *v)
{
	struct mlw_buf out = MLW_BUF_INIT;
	const char *p = v->text;

	while (*p) {
		const char *open = strstr(p, "${{"), *close;
		char *expr;
		const char *name;
		size_t i;

		if (!open) {
			mlw_buf_adds(&out, p);
			break;
		}
		close = strstr(open, "}}");
		if (!close) {
			mlw_buf_adds(&out, p);
			break;
		}
		mlw_buf_add(&out, p, (size_t)(open - p));
		expr = mlw_strndup(open + 3, (size_t)(close - open - 3));
		{
			char *e = expr, *z;

			while (isspace((unsigned char)*e))
				e++;
			z = e + strlen(e);
			while (z > e && isspace((unsigned char)z[-1]))
				*--z = '\0';
			name = parent_name(e, "inputs");
		}
		for (i = 0; name && i < b->nr_parent_inputs; i++)
			if (!strcmp(b->parent_inputs[i].name, name))
				break;
		if (!name || i == b->nr_parent_inputs ||
		    b->parent_inputs[i].bind != MLW_BIND_LITERAL) {
			mlw_diags_add(&b->p->diags, 0, v, "input '%s' of %s: "
				      "only literal pipeline inputs can be "
				      "part of a longer value; bind data with "
				      "a value that is only the '${{...}}'",
				      in->name, b->whose);
			free(expr);
			mlw_buf_release(&out);
			return;
		}
		mlw_buf_adds(&out, b->parent_inputs[i].value);
		free(expr);
		p = close + 2;
	}
	in->bind = MLW_BIND_LITERAL;
	in->value = mlw_buf_detach(&out, NULL);
}

/*
 * Bind input in (named, its declared type in in->type, decl its
 * declaration or NULL) to v, what the step gives (NULL: nothing).
 */
static void bind_input(struct binder *b, struct mlw_pipeline_input *in,
		       const struct mlw_yaml_node *decl,
		       const struct mlw_yaml_node *v, const char *comp_dir)
{
	const char *declared = in->type, *src_type = NULL;
	const struct mlw_yaml_node *at = v, *path = NULL;
	char *expr = NULL, *step = NULL, *output = NULL;
	const char *x;

	in->at = v;
	if (v && v->kind == MLW_YAML_MAP) {
		const char *t = type_of(v);
		const struct mlw_yaml_node *n = mlw_yaml_map_get(v, "mode");

		if (scalar_text(n))
			in->mode = mlw_strdup(n->text);
		if (t && declared && !mlw_pipeline_types_compatible(t,
								    declared)) {
			mlw_diags_add(&b->p->diags, 0, mlw_yaml_map_get(v,
				      "type"), "input '%s' of %s takes %s, "
				      "not %s", in->name, b->whose, declared,
				      t);
			return;
		}
		if (t && !declared) {
			in->type = mlw_strdup(t);
			declared = in->type;
		}
		path = mlw_yaml_map_get(v, "path");
		if (!scalar_text(path)) {
			const struct mlw_yaml_node *val =
				mlw_yaml_map_get(v, "value");

			if (!val)
				val = mlw_yaml_map_get(v, "default");
			if (scalar_text(val)) {
				in->bind = MLW_BIND_LITERAL;
				in->value = mlw_strdup(val->text);
				check_type(b, in, declared, NULL, val);
			} else {
				bind_default(b, in, decl, comp_dir);
			}
			return;
		}
		at = path;
		v = path;
	}
	if (!scalar_text(v)) {
		bind_default(b, in, decl, comp_dir);
		return;
	}
	expr = whole_binding(v->text);
	if (expr && (x = parent_name(expr, "inputs"))) {
		if (!bind_parent_input(b, in, x, at, &src_type)) {
			if (in->bind == MLW_BIND_NONE) {
				bind_default(b, in, decl, comp_dir);
			} else if (in->bind == MLW_BIND_LITERAL &&
				   mlw_pipeline_is_data_type(declared)) {
				/* a pipeline input written as a bare path */
				char *text = in->value;

				in->bind = MLW_BIND_NONE;
				in->value = NULL;
				set_path(b, in, text, b->p->spec->dir, at);
				free(text);
			} else {
				check_type(b, in, declared, src_type, at);
			}
			if (!in->type && src_type)
				in->type = mlw_strdup(src_type);
		}
	} else if (expr && parent_step_output(expr, &step, &output)) {
		bind_step_output(b, in, step, output, at, &src_type);
		if (in->bind == MLW_BIND_STEP)
			check_type(b, in, declared, src_type, at);
		if (!in->type && src_type)
			in->type = mlw_strdup(src_type);
	} else if (expr || strstr(v->text, "${{")) {
		bind_text(b, in, v);
	} else if (path || mlw_pipeline_is_data_type(declared)) {
		set_path(b, in, v->text, b->sc->dir, v);
	} else {
		in->bind = MLW_BIND_LITERAL;
		in->value = mlw_strdup(v->text);
		if (!in->type)
			in->type = mlw_strdup(literal_type(v));
		check_type(b, in, declared, NULL, v);
	}
	free(expr);
	free(step);
	free(output);
}

static int input_required(const struct mlw_yaml_node *decl)
{
	int opt = 0;

	if (!decl || decl->kind != MLW_YAML_MAP)
		return 0;
	if (!mlw_yaml_to_bool(mlw_yaml_map_get(decl, "optional"), &opt) && opt)
		return 0;
	return mlw_yaml_is_null(mlw_yaml_map_get(decl, "default"));
}

/* the inputs of step idx, bound in its scope */
static void bind_step(struct binder *b, size_t idx)
{
	struct mlw_pipeline *p = b->p;
	struct mlw_pipeline_step *st = &p->steps[idx];
	const struct mlw_component *c = st->component;
	const struct mlw_yaml_node *given = mlw_yaml_map_get(st->node,
							     "inputs");
	const struct mlw_yaml_node *decl = c->inline_step ? given :
		mlw_component_inputs(c);
	size_t i, errors;

	if (given && given->kind != MLW_YAML_MAP)
		given = NULL;
	if (decl && decl->kind != MLW_YAML_MAP)
		decl = NULL;
	st->inputs = mlw_calloc(decl ? decl->nr / 2 + 1 : 1,
				sizeof(*st->inputs));
	for (i = 0; decl && i < decl->nr / 2; i++) {
		struct mlw_pipeline_input *in = &st->inputs[st->nr_inputs++];
		const char *name = mlw_yaml_key(decl, i)->text;
		const struct mlw_yaml_node *d = mlw_yaml_value(decl, i);
		const struct mlw_yaml_node *v;

		in->name = mlw_strdup(name);
		if (c->inline_step) {
			bind_input(b, in, NULL, d, c->dir);
			continue;
		}
		if (sampled(st, name)) {
			/* each trial's value: the sweep binds it */
			in->type = dup_or_null(type_of(d));
			in->sampled = 1;
			continue;
		}
		in->type = dup_or_null(type_of(d));
		v = given ? mlw_yaml_map_get(given, name) : NULL;
		errors = p->diags.errors;
		b->to_broken = 0;
		bind_input(b, in, d, v, c->dir);
		if (errors == p->diags.errors)
			check_bounds(b, in, d, v ? v : st->node);
		/* a binding that is wrong is unbound: said once */
		if (in->bind == MLW_BIND_NONE && input_required(d) &&
		    errors == p->diags.errors && !b->to_broken)
			mlw_diags_add(&p->diags, 0, v ? v : st->node, "step "
				      "'%s' leaves required input '%s' of its "
				      "component unbound", st->name, name);
	}
	for (i = 0; !c->inline_step && given && i < given->nr / 2; i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(given, i);

		if (!decl || mlw_yaml_map_find(decl, k->text) < 0)
			mlw_diags_add(&p->diags, 0, k, "step '%s' gives input "
				      "'%s', which its component does not "
				      "declare", st->name, k->text);
	}
}

static void bind_scope(struct mlw_pipeline *p, const struct scope *sc,
		       const struct mlw_pipeline_input *parent_inputs,
		       size_t nr_parent_inputs)
{
	struct binder b;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.p = p;
	b.sc = sc;
	b.parent_inputs = parent_inputs;
	b.nr_parent_inputs = nr_parent_inputs;
	for (i = 0; i < p->nr_steps; i++) {
		struct mlw_pipeline_step *st = &p->steps[i];
		char *whose;

		if (st->group != sc->group || !st->component ||
		    st->component->broken)
			continue;
		whose = mlw_xstrfmt("%s '%s'", st->kind == MLW_STEP_PIPELINE ?
				    "pipeline step" : "step", st->name);
		b.whose = whose;
		bind_step(&b, i);
		free(whose);
		if (st->kind == MLW_STEP_PIPELINE) {
			struct scope inner;

			memset(&inner, 0, sizeof(inner));
			inner.prefix = NULL;
			inner.group = (long)i;
			inner.depth = st->depth + 1;
			inner.dir = st->component->dir;
			bind_scope(p, &inner, st->inputs, st->nr_inputs);
			st = &p->steps[i];
		}
	}
}

/* --- edges and order ----------------------------------------------------- */

static void collect_deps(struct mlw_pipeline *p)
{
	size_t i, j, k;

	for (i = 0; i < p->nr_steps; i++) {
		struct mlw_pipeline_step *st = &p->steps[i];

		if (st->kind == MLW_STEP_PIPELINE)
			continue;
		st->deps = mlw_calloc(st->nr_inputs + 1, sizeof(*st->deps));
		for (j = 0; j < st->nr_inputs; j++) {
			if (st->inputs[j].bind != MLW_BIND_STEP)
				continue;
			for (k = 0; k < st->nr_deps; k++)
				if (st->deps[k] == st->inputs[j].step)
					break;
			if (k == st->nr_deps)
				st->deps[st->nr_deps++] = st->inputs[j].step;
		}
	}
}

/* the input of step `to` that reads an output of step `from` */
static const struct mlw_pipeline_input *edge_input(
	const struct mlw_pipeline *p, size_t from, size_t to)
{
	const struct mlw_pipeline_step *st = &p->steps[to];
	size_t i;

	for (i = 0; i < st->nr_inputs; i++)
		if (st->inputs[i].bind == MLW_BIND_STEP &&
		    st->inputs[i].step == from)
			return &st->inputs[i];
	return NULL;
}

/*
 * Steps left unordered wait on a cycle: walk back from the first along
 * its first unordered dependency until a step repeats, and report that
 * loop in the direction data flows, at the input that closes it.
 */
static void report_cycle(struct mlw_pipeline *p, const unsigned char *done)
{
	size_t *path = mlw_calloc(p->nr_steps + 1, sizeof(*path));
	long *pos = mlw_calloc(p->nr_steps, sizeof(*pos));
	struct mlw_buf msg = MLW_BUF_INIT;
	const struct mlw_pipeline_input *in;
	size_t n = 0, i, cur = p->nr_steps, start;

	for (i = 0; i < p->nr_steps; i++) {
		pos[i] = -1;
		if (cur == p->nr_steps && !done[i] &&
		    p->steps[i].kind != MLW_STEP_PIPELINE)
			cur = i;
	}
	while (pos[cur] < 0) {
		const struct mlw_pipeline_step *st = &p->steps[cur];
		size_t next = cur;

		pos[cur] = (long)n;
		path[n++] = cur;
		for (i = 0; i < st->nr_deps; i++)
			if (!done[st->deps[i]]) {
				next = st->deps[i];
				break;
			}
		if (next == cur && i == st->nr_deps)
			break;	/* cannot happen: it would be ordered */
		cur = next;
	}
	/*
	 * path[start..n) each read the next: data flows the other way.
	 * Name it from path[start], the first of them in spec order.
	 */
	start = (size_t)pos[cur];
	mlw_buf_addf(&msg, "steps form a cycle: %s", p->steps[path[start]].name);
	for (i = n; i > start + 1; i--)
		mlw_buf_addf(&msg, " -> %s", p->steps[path[i - 1]].name);
	mlw_buf_addf(&msg, " -> %s", p->steps[path[start]].name);
	/* the edge that closes it: into path[start] */
	in = edge_input(p, n > start + 1 ? path[start + 1] : path[start],
			path[start]);
	mlw_diags_add(&p->diags, 0, in && in->at ? in->at :
		      p->steps[path[start]].node, "%s", msg.buf);
	mlw_buf_release(&msg);
	free(path);
	free(pos);
}

/*
 * Order the runnable steps so that each comes after what it reads:
 * repeatedly the first (in spec order) whose dependencies are ordered.
 */
static void order_steps(struct mlw_pipeline *p)
{
	unsigned char *done = mlw_calloc(p->nr_steps + 1, 1);
	size_t i, j, want = 0;
	int progress = 1;

	p->order = mlw_calloc(p->nr_steps + 1, sizeof(*p->order));
	for (i = 0; i < p->nr_steps; i++)
		if (p->steps[i].kind != MLW_STEP_PIPELINE)
			want++;
	while (p->nr_order < want && progress) {
		progress = 0;
		for (i = 0; i < p->nr_steps; i++) {
			const struct mlw_pipeline_step *st = &p->steps[i];

			if (done[i] || st->kind == MLW_STEP_PIPELINE)
				continue;
			for (j = 0; j < st->nr_deps; j++)
				if (!done[st->deps[j]])
					break;
			if (j < st->nr_deps)
				continue;
			done[i] = 1;
			p->order[p->nr_order++] = i;
			progress = 1;
		}
	}
	if (p->nr_order < want)
		report_cycle(p, done);
	free(done);
}

/* --- the pipeline -------------------------------------------------------- */

static void read_settings(struct mlw_pipeline *p,
			  const struct mlw_yaml_node *s)
{
	const char *v;

	if (!s || s->kind != MLW_YAML_MAP)
		return;
	mlw_yaml_to_bool(mlw_yaml_map_get(s, "continue_on_step_failure"),
			 &p->continue_on_step_failure);
	mlw_yaml_to_bool(mlw_yaml_map_get(s, "force_rerun"), &p->force_rerun);
	v = scalar_text(mlw_yaml_map_get(s, "default_compute"));
	if (v)
		p->default_compute = mlw_strdup(v);
	v = scalar_text(mlw_yaml_map_get(s, "default_datastore"));
	if (v)
		p->default_datastore = mlw_strdup(v);
}

/*
 * The pipeline's own inputs: literals and paths, or (a pipeline job
 * running a pipeline component) the component's inputs bound to them.
 */
static void top_inputs(struct mlw_pipeline *p, const struct scope *top)
{
	const struct mlw_yaml_node *given = mlw_spec_get(p->spec, "inputs");
	const struct mlw_yaml_node *decl = p->component ?
		mlw_component_inputs(p->component) : given;
	struct scope here = *top;
	struct binder b;
	size_t i;

	if (given && given->kind != MLW_YAML_MAP)
		given = NULL;
	if (decl && decl->kind != MLW_YAML_MAP)
		decl = NULL;
	/* the values are written in the job's file */
	here.dir = p->spec->dir;
	memset(&b, 0, sizeof(b));
	b.p = p;
	b.sc = &here;
	b.whose = "the pipeline";
	p->inputs = mlw_calloc(decl ? decl->nr / 2 + 1 : 1, sizeof(*p->inputs));
	for (i = 0; decl && i < decl->nr / 2; i++) {
		struct mlw_pipeline_input *in = &p->inputs[p->nr_inputs++];
		const char *name = mlw_yaml_key(decl, i)->text;
		const struct mlw_yaml_node *d = mlw_yaml_value(decl, i);

		in->name = mlw_strdup(name);
		if (!p->component) {
			bind_input(&b, in, NULL, d, p->spec->dir);
			in->unknown = in->bind == MLW_BIND_NONE &&
				      p->spec->kind ==
				      MLW_SPEC_PIPELINE_COMPONENT;
			continue;
		}
		in->type = dup_or_null(type_of(d));
		bind_input(&b, in, d, given ? mlw_yaml_map_get(given, name) :
			   NULL, p->component->dir);
	}
}

/*
 * A component file that two steps use is read twice: its problems are
 * said once.  Sources are compared by text (each read has its own).
 */
static void drop_repeats(struct mlw_diags *d)
{
	size_t i, j, kept = 0;

	for (i = 0; i < d->nr; i++) {
		const struct mlw_diag *x = &d->items[i];

		for (j = 0; j < kept; j++) {
			const struct mlw_diag *y = &d->items[j];

			if (x->line == y->line && x->col == y->col &&
			    x->warning == y->warning &&
			    !strcmp(x->source ? x->source : "",
				    y->source ? y->source : "") &&
			    !strcmp(x->msg, y->msg))
				break;
		}
		if (j < kept) {
			if (x->warning)
				d->warnings--;
			else
				d->errors--;
			free(d->items[i].msg);
			continue;
		}
		d->items[kept++] = d->items[i];
	}
	d->nr = kept;
}

int mlw_pipeline_load(struct mlw_pipeline **out, const struct mlw_spec *spec,
		      const struct mlw_pipeline_options *opts)
{
	struct mlw_pipeline *p = mlw_calloc(1, sizeof(*p));
	const struct mlw_yaml_node *root = spec->doc->root;
	const struct mlw_yaml_node *comp = mlw_yaml_map_get(root, "component");
	struct mlw_pipeline_options none;
	struct scope top;
	int fatal = 0;

	*out = NULL;
	if (!opts) {
		memset(&none, 0, sizeof(none));
		opts = &none;
	}
	p->spec = spec;
	p->check_only = opts->components.check_only;
	read_settings(p, mlw_yaml_map_get(root, "settings"));
	memset(&top, 0, sizeof(top));
	top.jobs = mlw_yaml_map_get(root, "jobs");
	top.prefix = "";
	top.group = -1;
	top.dir = spec->dir;
	top.outputs = mlw_yaml_map_get(root, "outputs");
	if (!top.jobs && comp && !mlw_yaml_is_null(comp)) {
		fatal = mlw_component_resolve(&p->component, &p->diags, comp,
					      spec->dir,
					      MLW_SPEC_PIPELINE_COMPONENT,
					      &opts->components);
		if (!fatal && !p->component->broken) {
			top.jobs = mlw_yaml_map_get(p->component->root, "jobs");
			top.dir = p->component->dir;
			top.outputs = mlw_component_outputs(p->component);
		}
	}
	if (!fatal && (!p->component || !p->component->broken)) {
		add_steps(p, &top, opts, &fatal);
		if (!fatal) {
			top_inputs(p, &top);
			bind_scope(p, &top, p->inputs, p->nr_inputs);
			pipeline_outputs(p, &p->outputs, &p->nr_outputs,
					 p->component ? mlw_component_outputs(
						 p->component) : NULL,
					 mlw_yaml_map_get(root, "outputs"),
					 "the pipeline");
			promote(p, -1, p->outputs, p->nr_outputs,
				"the pipeline");
			collect_deps(p);
			if (!p->diags.errors)
				order_steps(p);
		}
	}
	if (fatal) {
		mlw_pipeline_free(p);
		return fatal;
	}
	if (!p->nr_steps && !p->diags.errors)
		mlw_diags_add(&p->diags, 0, top.jobs ? top.jobs : root,
			      "the pipeline has no steps");
	drop_repeats(&p->diags);
	mlw_diags_sort(&p->diags, spec->path);
	*out = p;
	return 0;
}
