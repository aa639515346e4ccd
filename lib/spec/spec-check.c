/*
 * spec-check.c - the rules of a spec that its schema cannot say: typed
 * input defaults, pipeline steps against their components, input
 * modes, local paths and asset references (warnings: the spec may be
 * valid on another machine), batch deployment forms and names
 * (check.h).  The ${{...}} expressions are spec-expr.c's.
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

/* --- component inputs ---------------------------------------------------- */

/*
 * A literal given for an input of declared type (integer, number,
 * boolean; other types take any text) that does not read as that type
 * is an error at the literal: "value of integer input 'n' must be an
 * integer, not 'abc'".  field is "default" or "value".
 */
static void check_literal(struct mlw_diags *d, const char *type,
			  const char *name, const char *field,
			  const struct mlw_yaml_node *v)
{
	const char *want;
	int64_t iv;
	double dv;
	int b;

	/* not a scalar: the schema says so */
	if (!v || mlw_yaml_is_null(v) || v->kind != MLW_YAML_SCALAR)
		return;
	if (strstr(v->text, "${{"))
		return;		/* a binding: its value comes later */
	if (!strcasecmp(type, "integer") && mlw_yaml_to_int(v, &iv))
		want = "an integer";
	else if (!strcasecmp(type, "number") && mlw_yaml_to_double(v, &dv))
		want = "a number";
	else if (!strcasecmp(type, "boolean") && mlw_yaml_to_bool(v, &b))
		want = "true or false";
	else
		return;
	mlw_diags_add(d, 0, v, "%s of %s input '%s' must be %s, not '%s'",
		      field, type, name, want, v->text);
}

/* the declared type of an input mapping, or NULL */
static const char *input_type(const struct mlw_yaml_node *in)
{
	const struct mlw_yaml_node *t = mlw_yaml_map_get(in, "type");

	if (!in || in->kind != MLW_YAML_MAP || !t ||
	    t->kind != MLW_YAML_SCALAR)
		return NULL;
	return t->text;
}

/*
 * Typed inputs: a value or default that does not read as its type
 * ({type: integer, value: abc}); for a component's inputs (component
 * set) also min and max only on numbers, enum only on strings.
 */
static void check_typed_inputs(struct mlw_diags *d,
			       const struct mlw_yaml_node *inputs,
			       int component)
{
	size_t i;

	if (!inputs || inputs->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < inputs->nr / 2; i++) {
		const char *name = mlw_yaml_key(inputs, i)->text;
		const struct mlw_yaml_node *in = mlw_yaml_value(inputs, i);
		const char *type = input_type(in);
		const struct mlw_yaml_node *n;

		if (!type)
			continue;
		check_literal(d, type, name, "value",
			      mlw_yaml_map_get(in, "value"));
		check_literal(d, type, name, "default",
			      mlw_yaml_map_get(in, "default"));
		if (!component)
			continue;
		n = mlw_yaml_map_get(in, "min");
		if (!n)
			n = mlw_yaml_map_get(in, "max");
		if (n && strcasecmp(type, "integer") &&
		    strcasecmp(type, "number"))
			mlw_diags_add(d, 0, n, "min and max apply to integer "
				      "and number inputs, not to %s input '%s'",
				      type, name);
		n = mlw_yaml_map_get(in, "enum");
		if (n && strcasecmp(type, "string"))
			mlw_diags_add(d, 0, n, "enum applies to string inputs, "
				      "not to %s input '%s'", type, name);
	}
}

/* --- pipeline steps against their components ----------------------------- */

/*
 * Component files a pipeline's steps name, loaded once each.  az reads
 * them when it loads the pipeline and checks each step against the
 * component's declared inputs; so does mlw, for the components it can
 * see: inline ones and local files.  Asset and registry components are
 * not here, and their steps are not checked.
 */
struct comp_files {
	char **paths;
	struct mlw_yaml_doc **docs;	/* NULL: did not load */
	size_t nr, alloc;
};

#define MAX_COMPONENT_FILES 256

static const struct mlw_yaml_node *component_file(struct comp_files *cf,
						  const char *dir,
						  const char *text)
{
	struct mlw_ref ref;
	struct mlw_yaml_doc *doc = NULL;
	size_t i;

	if (mlw_ref_parse(&ref, text, dir) || ref.kind != MLW_REF_LOCAL) {
		mlw_ref_release(&ref);
		return NULL;
	}
	for (i = 0; i < cf->nr; i++)
		if (!strcmp(cf->paths[i], ref.path)) {
			mlw_ref_release(&ref);
			return cf->docs[i] ? cf->docs[i]->root : NULL;
		}
	if (cf->nr == MAX_COMPONENT_FILES) {
		mlw_ref_release(&ref);
		return NULL;
	}
	/* a file that does not load is reported where it is validated */
	if (mlw_yaml_load_file(&doc, ref.path))
		mlw_error_clear();
	MLW_ALLOC_GROW(cf->paths, cf->nr + 1, cf->alloc);
	cf->docs = mlw_realloc(cf->docs, cf->alloc * sizeof(*cf->docs));
	cf->paths[cf->nr] = ref.path;
	cf->docs[cf->nr++] = doc;
	ref.path = NULL;
	mlw_ref_release(&ref);
	return doc ? doc->root : NULL;
}

static void comp_files_release(struct comp_files *cf)
{
	size_t i;

	for (i = 0; i < cf->nr; i++) {
		free(cf->paths[i]);
		mlw_yaml_free(cf->docs[i]);
	}
	free(cf->paths);
	free(cf->docs);
}

/*
 * The inputs a step's component declares into *out (NULL: none); 0 when
 * the component is not seen here (an asset, a registry, a sweep's trial
 * that also takes search_space, a parallel step's data).
 */
static int declared_inputs(const struct mlw_yaml_node **out,
			   struct comp_files *cf, const char *dir,
			   const struct mlw_yaml_node *step)
{
	const struct mlw_yaml_node *comp = mlw_yaml_map_get(step, "component");
	const struct mlw_yaml_node *in;
	const char *t = mlw_spec_type_of(step);

	*out = NULL;
	if (!comp || (t && strcasecmp(t, "command") &&
		      strcasecmp(t, "pipeline")))
		return 0;
	if (comp->kind == MLW_YAML_SCALAR && !mlw_yaml_is_null(comp))
		comp = component_file(cf, dir, comp->text);
	if (!comp || comp->kind != MLW_YAML_MAP)
		return 0;
	in = mlw_yaml_map_get(comp, "inputs");
	if (in && in->kind != MLW_YAML_MAP)
		return 0;
	*out = in;
	return 1;
}

static int input_required(const struct mlw_yaml_node *in)
{
	int opt = 0;

	if (in->kind != MLW_YAML_MAP)
		return 0;
	if (!mlw_yaml_to_bool(mlw_yaml_map_get(in, "optional"), &opt) && opt)
		return 0;
	return mlw_yaml_is_null(mlw_yaml_map_get(in, "default"));
}

/*
 * A step binds only inputs its component declares, binds every required
 * one, and a literal it gives fits the declared type: what az checks
 * when it loads the pipeline ("Required input ... not provided").
 */
static void check_step_inputs(struct mlw_diags *d, struct comp_files *cf,
			      const char *dir, const char *step_name,
			      const struct mlw_yaml_node *step_key,
			      const struct mlw_yaml_node *step)
{
	const struct mlw_yaml_node *decl;
	const struct mlw_yaml_node *given = mlw_yaml_map_get(step, "inputs");
	struct mlw_strlist known = MLW_STRLIST_INIT;
	long at = mlw_yaml_map_find(step, "inputs");
	size_t i;

	if (!declared_inputs(&decl, cf, dir, step))
		return;
	mlw_spec_names_of(&known, decl);
	mlw_strlist_push_owned(&known, NULL);
	known.nr--;
	for (i = 0; given && given->kind == MLW_YAML_MAP &&
	     i < given->nr / 2; i++) {
		const struct mlw_yaml_node *k = mlw_yaml_key(given, i);
		const struct mlw_yaml_node *v = mlw_yaml_value(given, i);
		const struct mlw_yaml_node *in = mlw_yaml_map_get(decl, k->text);
		const char *type;

		if (!in) {
			const char *hint = mlw_suggest(k->text,
				(const char *const *)known.items);

			if (hint)
				mlw_diags_add(d, 0, k, "step '%s' gives input "
					      "'%s', which its component does "
					      "not declare (did you mean "
					      "'%s'?)", step_name, k->text,
					      hint);
			else
				mlw_diags_add(d, 0, k, "step '%s' gives input "
					      "'%s', which its component does "
					      "not declare", step_name,
					      k->text);
			continue;
		}
		type = input_type(in);
		if (!type)
			continue;
		/* a typed mapping is checked against its own type */
		if (v->kind == MLW_YAML_SCALAR)
			check_literal(d, type, k->text, "value", v);
		else if (!input_type(v))
			check_literal(d, type, k->text, "value",
				      mlw_yaml_map_get(v, "value"));
	}
	for (i = 0; decl && i < decl->nr / 2; i++) {
		const char *name = mlw_yaml_key(decl, i)->text;

		if (!input_required(mlw_yaml_value(decl, i)) ||
		    mlw_yaml_map_find(given, name) >= 0)
			continue;
		mlw_diags_add(d, 0, at >= 0 ? mlw_yaml_key(step, at) : step_key,
			      "step '%s' leaves required input '%s' of its "
			      "component unbound", step_name, name);
	}
	known.nr++;
	mlw_strlist_release(&known);
}

static void check_pipeline_steps(struct mlw_diags *d,
				 const struct mlw_yaml_node *root,
				 const char *dir)
{
	const struct mlw_yaml_node *jobs = mlw_yaml_map_get(root, "jobs");
	struct comp_files cf = { NULL, NULL, 0, 0 };
	size_t i;

	if (!jobs || jobs->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < jobs->nr / 2; i++) {
		const struct mlw_yaml_node *step = mlw_yaml_value(jobs, i);

		if (step->kind != MLW_YAML_MAP)
			continue;
		check_typed_inputs(d, mlw_yaml_map_get(step, "inputs"), 0);
		check_step_inputs(d, &cf, dir, mlw_yaml_key(jobs, i)->text,
				  mlw_yaml_key(jobs, i), step);
	}
	comp_files_release(&cf);
}

/* modes that make sense for data inputs and outputs */
static void check_modes(struct mlw_diags *d, const struct mlw_yaml_node *m,
			int outputs)
{
	size_t i;

	if (!m || m->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < m->nr / 2; i++) {
		const struct mlw_yaml_node *io = mlw_yaml_value(m, i);
		const struct mlw_yaml_node *mode = mlw_yaml_map_get(io, "mode");
		const struct mlw_yaml_node *t = mlw_yaml_map_get(io, "type");

		if (outputs || !mode || mode->kind != MLW_YAML_SCALAR)
			continue;
		if (!strncasecmp(mode->text, "eval_", 5) && t &&
		    t->kind == MLW_YAML_SCALAR && strcasecmp(t->text, "mltable"))
			mlw_diags_add(d, 0, mode, "mode '%s' is only for "
				      "mltable inputs, not %s", mode->text,
				      t->text);
	}
}

/* --- paths and assets ---------------------------------------------------- */

struct ref_check {
	struct mlw_diags *d;
	const struct mlw_spec_options *opts;
	const char *dir;
};

static void check_ref(struct ref_check *rc, const struct mlw_yaml_node *n,
		      const char *what)
{
	struct mlw_ref ref;
	struct stat st;

	if (!n || n->kind != MLW_YAML_SCALAR || mlw_yaml_is_null(n))
		return;
	if (strstr(n->text, "${{") || (n->text[0] == '<' &&
					n->text[n->len - 1] == '>'))
		return;	/* a binding or a template placeholder */
	if (mlw_ref_parse(&ref, n->text, rc->dir)) {
		mlw_diags_add(rc->d, 0, n, "%s", mlw_error_last());
		mlw_ref_release(&ref);
		return;
	}
	switch (ref.kind) {
	case MLW_REF_LOCAL:
		if (stat(ref.path, &st) < 0)
			mlw_diags_add(rc->d, 1, n, "%s '%s' does not exist "
				      "(looked for '%s')", what, n->text,
				      ref.path);
		break;
	case MLW_REF_ASSET:
	case MLW_REF_JOB_OUTPUT:
		if (rc->opts && rc->opts->asset_exists &&
		    !rc->opts->asset_exists(rc->opts->asset_data, &ref,
					    what))
			mlw_diags_add(rc->d, 1, n, "%s '%s' is not in the "
				      "local store", what, n->text);
		break;
	case MLW_REF_REMOTE:
		if (mlw_starts_with(n->text, "azureml:") &&
		    !mlw_ref_is_remote(n->text))
			mlw_diags_add(rc->d, 1, n, "%s '%s' is a form of "
				      "reference mlw does not know: az takes "
				      "it, a job that needs it cannot run "
				      "here", what, n->text);
		break;
	default:
		break;
	}
	mlw_ref_release(&ref);
}

static void check_env_paths(struct ref_check *rc,
			    const struct mlw_yaml_node *env)
{
	const struct mlw_yaml_node *x;

	if (!env || env->kind != MLW_YAML_MAP)
		return;
	x = mlw_yaml_map_get(env, "conda_file");
	if (x && x->kind == MLW_YAML_SCALAR)
		check_ref(rc, x, "conda file");
	x = mlw_yaml_get(env, "build.path");
	check_ref(rc, x, "build context");
}

static void check_io_paths(struct ref_check *rc, const struct mlw_yaml_node *m)
{
	size_t i;

	if (!m || m->kind != MLW_YAML_MAP)
		return;
	for (i = 0; i < m->nr / 2; i++) {
		const struct mlw_yaml_node *v = mlw_yaml_value(m, i);

		if (v->kind == MLW_YAML_MAP)
			check_ref(rc, mlw_yaml_map_get(v, "path"), "input path");
	}
}

static void check_body_paths(struct ref_check *rc,
			     const struct mlw_yaml_node *body, int depth);

static void check_component_ref(struct ref_check *rc,
				const struct mlw_yaml_node *c, int depth)
{
	if (!c)
		return;
	if (c->kind == MLW_YAML_MAP)
		check_body_paths(rc, c, depth + 1);
	else
		check_ref(rc, c, "component");
}

static void check_body_paths(struct ref_check *rc,
			     const struct mlw_yaml_node *body, int depth)
{
	const struct mlw_yaml_node *jobs, *x;
	size_t i;

	if (!body || body->kind != MLW_YAML_MAP || depth > 8)
		return;
	check_ref(rc, mlw_yaml_map_get(body, "code"), "code folder");
	x = mlw_yaml_map_get(body, "environment");
	check_env_paths(rc, x);
	check_io_paths(rc, mlw_yaml_map_get(body, "inputs"));
	check_component_ref(rc, mlw_yaml_map_get(body, "component"), depth);
	x = mlw_yaml_map_get(body, "trial");
	if (x && x->kind == MLW_YAML_SCALAR)
		check_ref(rc, x, "trial component");
	else if (x)
		check_body_paths(rc, x, depth + 1);
	x = mlw_yaml_map_get(body, "task");
	if (x) {
		check_ref(rc, mlw_yaml_map_get(x, "code"), "code folder");
		check_env_paths(rc, mlw_yaml_map_get(x, "environment"));
	}
	jobs = mlw_yaml_map_get(body, "jobs");
	if (jobs && jobs->kind == MLW_YAML_MAP)
		for (i = 0; i < jobs->nr / 2; i++)
			check_body_paths(rc, mlw_yaml_value(jobs, i), depth + 1);
}

static void check_paths(struct mlw_spec *spec,
			const struct mlw_spec_options *opts)
{
	const struct mlw_yaml_node *root = spec->doc->root, *x;
	struct ref_check rc = { &spec->diags, opts, spec->dir };
	size_t i;

	switch (spec->kind) {
	case MLW_SPEC_DATA:
		x = mlw_yaml_map_get(root, "path");
		check_ref(&rc, x, "data path");
		break;
	case MLW_SPEC_MODEL:
		check_ref(&rc, mlw_yaml_map_get(root, "path"), "model path");
		break;
	case MLW_SPEC_ENVIRONMENT:
		check_env_paths(&rc, root);
		break;
	case MLW_SPEC_MLTABLE:
		x = mlw_yaml_map_get(root, "paths");
		for (i = 0; x && x->kind == MLW_YAML_SEQ && i < x->nr; i++) {
			const struct mlw_yaml_node *p = x->items[i];

			check_ref(&rc, mlw_yaml_map_get(p, "file"), "file");
			check_ref(&rc, mlw_yaml_map_get(p, "folder"), "folder");
		}
		break;
	case MLW_SPEC_ONLINE_DEPLOYMENT:
	case MLW_SPEC_K8S_ONLINE_DEPLOYMENT:
	case MLW_SPEC_BATCH_DEPLOYMENT:
	case MLW_SPEC_MODEL_BATCH_DEPLOYMENT:
	case MLW_SPEC_PIPELINE_BATCH_DEPLOYMENT:
		x = mlw_yaml_map_get(root, "model");
		if (x && x->kind == MLW_YAML_MAP)
			check_ref(&rc, mlw_yaml_map_get(x, "path"),
				  "model path");
		else
			check_ref(&rc, x, "model");
		check_ref(&rc, mlw_yaml_get(root, "code_configuration.code"),
			  "code folder");
		check_env_paths(&rc, mlw_yaml_map_get(root, "environment"));
		check_component_ref(&rc, mlw_yaml_map_get(root, "component"), 0);
		break;
	case MLW_SPEC_AUTOML_JOB:
		break;
	default:
		check_body_paths(&rc, root, 0);
	}
}

/* --- batch deployments: legacy and typed forms --------------------------- */

static void check_batch_form(struct mlw_diags *d,
			     const struct mlw_yaml_node *root)
{
	static const char *const legacy[] = {
		"mini_batch_size", "max_concurrency_per_instance",
		"output_action", "output_file_name", "retry_settings",
		"error_threshold", "logging_level", "environment_variables",
		NULL
	};
	const char *const *k;
	const char *type = mlw_spec_type_of(root);

	if (!type && !mlw_spec_has(root, "settings"))
		return;
	for (k = legacy; *k; k++) {
		long i = mlw_yaml_map_find(root, *k);

		if (i >= 0)
			mlw_diags_add(d, 0, mlw_yaml_key(root, i), "'%s' "
				      "belongs under 'settings:' when the "
				      "deployment has %s", *k,
				      type ? "a 'type'" : "'settings'");
	}
}

/* --- loading ------------------------------------------------------------- */

/* load path, or with text not NULL the document text named path */
/* a name that can become a path follows the rule for names (util/name.h) */
static void check_name(struct mlw_diags *d, const struct mlw_yaml_node *n,
		       enum mlw_name_kind kind)
{
	if (n && n->kind == MLW_YAML_SCALAR && mlw_name_check(kind, n->text)) {
		mlw_diags_add(d, 0, n, "%s", mlw_error_last());
		mlw_error_clear();
	}
}

/* the keys of map's inputs: and outputs: */
static void check_io_names(struct mlw_diags *d, const struct mlw_yaml_node *map)
{
	static const char *const keys[] = { "inputs", "outputs" };
	size_t i, k;

	for (k = 0; k < 2; k++) {
		const struct mlw_yaml_node *m = mlw_yaml_map_get(map, keys[k]);

		for (i = 0; m && m->kind == MLW_YAML_MAP && 2 * i < m->nr; i++)
			check_name(d, mlw_yaml_key(m, i), k ? MLW_NAME_OUTPUT :
				   MLW_NAME_INPUT);
	}
}

/*
 * A pipeline's steps (jobs:): their names, their inputs and outputs, and
 * those of their inline components, to any depth.  Each becomes a child
 * run and folders named after them when the pipeline runs.
 */
static void check_step_names(struct mlw_diags *d,
			     const struct mlw_yaml_node *body, int depth)
{
	const struct mlw_yaml_node *jobs = mlw_yaml_map_get(body, "jobs");
	size_t i;

	if (!jobs || jobs->kind != MLW_YAML_MAP || depth > 16)
		return;
	for (i = 0; 2 * i < jobs->nr; i++) {
		const struct mlw_yaml_node *step = mlw_yaml_value(jobs, i);
		const struct mlw_yaml_node *comp;

		check_name(d, mlw_yaml_key(jobs, i), MLW_NAME_STEP);
		if (step->kind != MLW_YAML_MAP)
			continue;
		check_io_names(d, step);
		comp = mlw_yaml_map_get(step, "component");
		if (!comp || comp->kind != MLW_YAML_MAP)
			continue;
		check_name(d, mlw_yaml_map_get(comp, "name"),
			   MLW_NAME_COMPONENT);
		check_io_names(d, comp);
		check_step_names(d, comp, depth + 1);
	}
}

static void check_names(struct mlw_diags *d, const struct mlw_yaml_node *root,
			enum mlw_spec_kind kind)
{
	enum mlw_name_kind nk = MLW_NAME_NR_KINDS;

	if (kind >= MLW_SPEC_COMMAND_JOB && kind <= MLW_SPEC_AUTOML_JOB) {
		nk = MLW_NAME_JOB;
		check_name(d, mlw_yaml_map_get(root, "experiment_name"),
			   MLW_NAME_EXPERIMENT);
	} else if (kind == MLW_SPEC_COMMAND_COMPONENT ||
		   kind == MLW_SPEC_PIPELINE_COMPONENT) {
		nk = MLW_NAME_COMPONENT;
	} else if (kind >= MLW_SPEC_ONLINE_ENDPOINT &&
		   kind <= MLW_SPEC_PIPELINE_BATCH_DEPLOYMENT) {
		int endpoint = kind == MLW_SPEC_ONLINE_ENDPOINT ||
			       kind == MLW_SPEC_K8S_ONLINE_ENDPOINT ||
			       kind == MLW_SPEC_BATCH_ENDPOINT;

		nk = endpoint ? MLW_NAME_ENDPOINT : MLW_NAME_DEPLOYMENT;
		check_name(d, mlw_yaml_map_get(root, "endpoint_name"),
			   MLW_NAME_ENDPOINT);
	} else if (kind >= MLW_SPEC_AML_COMPUTE &&
		   kind <= MLW_SPEC_LOCAL_COMPUTE) {
		nk = MLW_NAME_COMPUTE;
	}
	if (nk == MLW_NAME_NR_KINDS)
		return;
	check_name(d, mlw_yaml_map_get(root, "name"), nk);
	if (nk != MLW_NAME_JOB && nk != MLW_NAME_COMPONENT)
		return;
	check_io_names(d, root);
	if (kind == MLW_SPEC_PIPELINE_JOB || kind == MLW_SPEC_PIPELINE_COMPONENT)
		check_step_names(d, root, 0);
}


void mlw_spec_check_rules(struct mlw_spec *spec,
			  const struct mlw_spec_options *opts)
{
	const struct mlw_yaml_node *root = spec->doc->root;
	size_t budget = MLW_YAML_MAX_NODES;

	if (spec->kind == MLW_SPEC_COMMAND_COMPONENT ||
	    spec->kind == MLW_SPEC_PIPELINE_COMPONENT)
		check_typed_inputs(&spec->diags,
				   mlw_yaml_map_get(root, "inputs"), 1);
	if (spec->kind == MLW_SPEC_BATCH_DEPLOYMENT)
		check_batch_form(&spec->diags, root);
	if (spec->kind == MLW_SPEC_PIPELINE_JOB && !mlw_spec_has(root, "jobs") &&
	    !mlw_spec_has(root, "component"))
		mlw_diags_add(&spec->diags, 0, root, "a pipeline job needs "
			      "'jobs' (or a pipeline 'component')");
	if (spec->kind == MLW_SPEC_ENVIRONMENT && !mlw_spec_has(root, "image") &&
	    !mlw_spec_has(root, "build"))
		mlw_diags_add(&spec->diags, 0, root, "an environment needs "
			      "'image' or 'build'");
	switch (spec->kind) {
	case MLW_SPEC_COMMAND_JOB:
	case MLW_SPEC_SWEEP_JOB:
	case MLW_SPEC_PIPELINE_JOB:
	case MLW_SPEC_COMMAND_COMPONENT:
	case MLW_SPEC_PIPELINE_COMPONENT:
		check_modes(&spec->diags, mlw_yaml_map_get(root, "inputs"), 0);
		mlw_spec_check_body(&spec->diags, root, NULL, NULL, 0, &budget);
		if (spec->kind != MLW_SPEC_COMMAND_COMPONENT &&
		    spec->kind != MLW_SPEC_PIPELINE_COMPONENT)
			check_typed_inputs(&spec->diags,
					   mlw_yaml_map_get(root, "inputs"), 0);
		check_pipeline_steps(&spec->diags, root, spec->dir);
		break;
	default:
		break;
	}
	check_paths(spec, opts);
	check_names(&spec->diags, root, spec->kind);
}
